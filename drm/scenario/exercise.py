"""Tabletop exercise mode: situation reports stepping through a scenario's timeline.

For trainers: after a run, :func:`situation_reports` cuts the results into
moments (every ``step`` until ``until``) and tells, at each, what a
coordination cell would know: rain and alert level, whether the order is out,
water on the ground and people at risk, roads and bridges cut, people moving,
safe or caught, centre occupancy, and the injects that just happened. Each
report is headed by the elapsed time and, when the event start is known, the
local clock time (``T+14h30m (2026-10-03 14:30 -04)``); the first report says
once when the event starts, or that the start is unknown.

The reports are written in English or Spanish (``language``, default: the
scenario's) through :class:`drm.report.i18n.Text`, with the language's
number separators (``1,234`` / ``1.234``); clock times are written as the
report writes them (``2026-10-03 14:30 -04``). :func:`write_situation_reports`
saves them as one Markdown file (``drm exercise --out``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from drm.io import atomic_path
from drm.report.i18n import Text
from drm.scenario.stages import inject_road_closures
from drm.units import format_duration, parse_duration
from drm.warning.timing import decision_clock

if TYPE_CHECKING:
    from drm.scenario.result import ScenarioResult

__all__ = [
    "OrderScore",
    "SituationReport",
    "score_order",
    "situation_reports",
    "write_situation_reports",
]

LEVELS = ("green", "yellow", "orange", "red")


@dataclass(frozen=True)
class SituationReport:
    """What is known at one moment of the exercise (times in s since the start of the event).

    ``local`` is the local clock time of ``time_s`` (``"2026-10-03 14:30 -04"``;
    None when the event start is unknown); ``note`` a line shown first (the
    event start, on the first report); ``community`` the observers' key reports
    and rumours that reached the committee since the last report
    (:func:`drm.warning.key_reports`), as lines.
    """

    time_s: float
    rain_mm_h: float
    rain_last_hour_mm: float
    alert: str
    order_given: bool
    flooded_km2: float
    max_depth_m: float
    persons_at_risk_now: float
    zones_reached: list[str]
    roads_closed: int
    named_roads_closed: list[str]
    departed: float
    safe: float
    caught: float
    en_route: float
    queued: float
    centres_over_90pct: list[str]
    injects: list[str]
    zones_past_latest_order: list[str]
    local: str | None = None
    note: str = ""
    language: str = "en"
    community: tuple[str, ...] = ()

    def _lines(self) -> tuple[str, list[str]]:
        """The heading (``T+3h30m (2026-10-03 03:30 -04)``) and the report's lines."""
        text = Text(self.language)
        n = text.number
        heading = "T+" + format_duration(self.time_s) + (f" ({self.local})" if self.local else "")
        order = text("sr_order_given") if self.order_given else text("sr_order_not_given")
        lines = [
            text(
                "sr_rain",
                rate=n(self.rain_mm_h),
                last=n(self.rain_last_hour_mm),
                level=text(f"level_{self.alert}").upper(),
                order=order,
            ),
            text(
                "sr_water",
                area=n(self.flooded_km2, 2),
                depth=n(self.max_depth_m, 1),
                n=n(self.persons_at_risk_now),
            )
            + (
                text("sr_water_in", zones=", ".join(self.zones_reached))
                if self.zones_reached
                else ""
            ),
        ]
        roads = text("sr_roads", n=self.roads_closed)
        if self.named_roads_closed:
            roads += f" ({', '.join(self.named_roads_closed)})"
        lines.append(roads)
        lines.append(
            text(
                "sr_people",
                departed=n(self.departed),
                safe=n(self.safe),
                en_route=n(self.en_route),
                queued=n(self.queued),
                caught=n(self.caught),
            )
        )
        if self.centres_over_90pct:
            lines.append(text("sr_centres_full", centres=", ".join(self.centres_over_90pct)))
        if self.zones_past_latest_order:
            lines.append(text("sr_too_late", zones=", ".join(self.zones_past_latest_order)))
        lines += list(self.community)
        lines += [text("sr_inject", note=note) for note in self.injects]
        return heading, lines

    def text(self) -> str:
        """The report as a few lines of plain text, in the report's ``language``.

        Examples
        --------
        >>> r = SituationReport(5400.0, 4.2, 3.9, "orange", True, 0.125, 2.31, 1234.4, ["Centro"],
        ...                     2, ["bridge-2"], 1500.0, 1200.0, 0.0, 250.0, 50.0, [], [], [],
        ...                     local="2026-10-03 01:30 -04", language="es")
        >>> print(r.text())
        --- T+1h30m (2026-10-03 01:30 -04) ---
        lluvia 4 mm/h (última hora 4 mm); alerta NARANJA; orden de evacuación DADA
        agua: 0,12 km² inundados, profundidad máxima 2,3 m; 1.234 personas en el agua ahora; agua en Centro
        vías cerradas: 2 (bridge-2)
        personas: 1.500 salieron de casa, 1.200 a salvo, 250 en camino (50 en cola), 0 alcanzadas por el agua
        """
        heading, lines = self._lines()
        return "\n".join([*([self.note] if self.note else []), f"--- {heading} ---", *lines])

    def markdown(self) -> str:
        """The report as Markdown: the note, a ``##`` heading, then one bullet a line.

        Examples
        --------
        >>> r = SituationReport(3600.0, 0.0, 0.0, "green", False, 0.0, 0.0, 0.0, [], 0, [],
        ...                     0.0, 0.0, 0.0, 0.0, 0.0, [], [], [])
        >>> print(r.markdown().splitlines()[0])
        ## T+1h00m
        """
        heading, lines = self._lines()
        parts = [self.note, ""] if self.note else []
        return "\n".join([*parts, f"## {heading}", "", *(f"- {line}" for line in lines)])


def _at(index: np.ndarray, t: float) -> int:
    """Index of the last entry at or before ``t`` (0 if none)."""
    return max(int(np.searchsorted(index, t, side="right")) - 1, 0)


def situation_reports(
    result: ScenarioResult,
    step_s: float,
    until_s: float | None = None,
    *,
    language: str | None = None,
) -> list[SituationReport]:
    """Situation reports every ``step_s`` seconds from the start until ``until_s``.

    Parameters
    ----------
    result : ScenarioResult
        A completed run.
    step_s : float
        Time between reports (s).
    until_s : float, optional
        Last report time (s); default: the end of the flood run.
    language : {"en", "es"}, optional
        Language of the reports' text (default: the scenario's ``language``);
        an unknown one raises :class:`~drm.errors.InputError`.

    Returns
    -------
    list of SituationReport

    Examples
    --------
    >>> result = drm.run_scenario("valle_alto", progress=False)  # doctest: +SKIP
    >>> reports = situation_reports(result, 3600.0, 4 * 3600.0, language="es")  # doctest: +SKIP
    >>> reports[2].text().splitlines()[1]  # doctest: +SKIP
    'lluvia 5 mm/h (última hora 5 mm); alerta VERDE; orden de evacuación DADA'
    """
    text = Text(language or result.scenario.language)
    flood = result.flood.ds
    end = float(flood["time"].values[-1]) if until_s is None else float(until_s)
    times = np.arange(step_s, end + 1e-9, step_s)
    rain = result.inputs.rainfall
    rain_t = rain["time"].values.astype(float)
    rain_mean = rain.mean(("y", "x")).values * 3.6e6  # mm/h over the rain grid
    frames = flood["time"].values.astype(float)
    arrival_depth = float(flood.attrs.get("arrival_depth_m", 0.05))
    cell_km2 = abs(float(flood["x"][1] - flood["x"][0])) ** 2 / 1e6
    G = result.roads
    # a bridge by drm's id ("bridge-2") or by OSM's tags (bridge=yes), named as people call it
    names = [
        str(d["road_id"])
        if str(d.get("road_id", "")).startswith("bridge")
        else str(d.get("ref") or d.get("name") or d.get("road_id") or "")
        if str(d.get("bridge", "no")).lower() not in ("no", "false", "0", "nan", "none")
        else ""
        for _, _, d in G.edges(data=True)
    ]
    # closed by the water, or earlier by a training inject
    closed_at = np.array([d.get("closure_time_s", np.inf) for _, _, d in G.edges(data=True)])
    ids = [str(d.get("road_id", "")) for _, _, d in G.edges(data=True)]
    for road, at in inject_road_closures(result.scenario, G).items():
        hit = np.array([n == road for n in ids], dtype=bool)
        closed_at[hit] = np.minimum(closed_at[hit], at)
    exposure = result.exposure
    zones = exposure.zones
    zone_label = zones["name"] if "name" in zones else zones.index.astype(str)
    ev = result.evacuation
    clock = result.clock
    start_note = (
        text("sr_start", at=clock.label(0.0), tz=clock.tz) if clock.known else text("sr_no_start")
    )
    heard = _community_lines(result, text)
    reports = []
    previous = 0.0
    for t in times:
        k = _at(rain_t, t)
        in_rain = t < float(rain.attrs.get("interval_end_s", np.inf))
        hour = (rain_t >= t - 3600.0) & (rain_t < t)
        last_hour = float(
            np.sum(rain_mean[hour] * np.diff(np.append(rain_t, rain.attrs["interval_end_s"]))[hour])
            / 3600.0
        )
        alert = "green"
        if result.alerts is not None:
            lv = result.alerts.levels
            alert = (
                LEVELS[int(lv.iloc[_at(lv.index.to_numpy(float), t)].max())]
                if t >= lv.index[0]
                else "green"
            )
        f = _at(frames, t)
        depth = flood["depth"].values[f]
        wet = depth >= arrival_depth
        tl = exposure.timeline
        at_risk_now = float(tl["total"].iloc[_at(tl.index.to_numpy(float), t)]) if len(tl) else 0.0
        reached = [
            text.zone_name(z, zone_label[z])
            for z in zones.index
            if zones.loc[z, "first_at_risk_s"] <= t
        ]
        closed = closed_at <= t
        named = sorted({n for n, c in zip(names, closed, strict=True) if c and n})
        counts = {"departed": 0.0, "safe": 0.0, "caught": 0.0, "en_route": 0.0, "queued": 0.0}
        if ev is not None:
            tl_ev = ev.timeline
            row = tl_ev.iloc[_at(tl_ev.index.to_numpy(float), t)] if t >= tl_ev.index[0] else None
            if row is not None:
                counts = {key: max(float(row[key]), 0.0) for key in counts}
        full = []
        if ev is not None:
            arr = ev.arrivals
            i = _at(arr["time"].values.astype(float), t)
            cap = result.centres["capacity_persons"]
            for c in arr["centre"].values:
                if c in cap.index and cap[c] > 0 and arr.sel(centre=c).values[i] >= 0.9 * cap[c]:
                    full.append(str(c))
        late = []
        if result.decision is not None and not (
            result.order_time_s is not None and result.order_time_s <= t
        ):
            table = result.decision.table
            late = [
                text.zone_name(z, zone_label.get(z, z))
                for z in table.index
                if table.loc[z, "latest_order_s"] <= t
            ]
        injects = [
            (inj.note or _inject_text(text, inj))
            for inj in result.scenario.injects
            if previous < inj.at <= t
        ]
        reports.append(
            SituationReport(
                time_s=float(t),
                rain_mm_h=float(rain_mean[k]) if in_rain and t >= rain_t[0] else 0.0,
                rain_last_hour_mm=last_hour,
                alert=alert,
                order_given=result.order_time_s is not None and result.order_time_s <= t,
                flooded_km2=float(wet.sum() * cell_km2),
                max_depth_m=float(np.nanmax(depth)) if np.isfinite(depth).any() else 0.0,
                persons_at_risk_now=at_risk_now,
                zones_reached=reached,
                roads_closed=int(closed.sum()),
                named_roads_closed=named,
                centres_over_90pct=full,
                injects=injects,
                zones_past_latest_order=late,
                local=clock.label(float(t)),
                note=start_note if not reports else "",
                language=text.language,
                community=tuple(line for at, line in heard if previous < at <= t),
                **counts,
            )
        )
        previous = t
    return reports


def _community_lines(result: ScenarioResult, text: Text) -> list[tuple[float, str]]:
    """(reported_s, line) for each key report and rumour the committee received."""
    from drm.report.tables import report_phrase
    from drm.warning.observations import key_reports

    if result.observations is None or not len(result.observations):
        return []
    out = []
    for _, r in key_reports(result.observations).iterrows():
        if r.get("source") == "inject":  # the inject's own line says it
            continue
        if r["kind"] == "rumour":
            line = text("sr_rumour", text=r["mark"])
        else:
            line = text(
                "sr_report", point=r["name"], seen=report_phrase(text, r),
                level=text(f"level_{LEVELS[int(r['level'])]}").upper(), channel=text.data(r["channel"]),
            )  # fmt: skip
        out.append((float(r["reported_s"]), line))
    return out


def _inject_text(text: Text, inject: Any) -> str:
    if inject.gauge_report:
        seen = inject.mark if inject.mark is not None else f"{text.number(inject.value_m, 2)} m"
        return text("sr_inject_gauge", point=inject.gauge_report, seen=seen)
    if inject.rumour:
        return text("sr_inject_rumour", text=inject.rumour)
    if inject.fail_channel:
        return text("sr_inject_channel", channel=inject.fail_channel)
    if inject.close_road:
        return text("sr_inject_road", road=inject.close_road)
    if inject.close_centre:
        return text("sr_inject_centre", centre=inject.close_centre)
    if inject.extra_rain:
        factor = f"{inject.extra_rain:g}"
        return text(
            "sr_inject_rain", factor=factor.replace(".", ",") if text.language == "es" else factor
        )
    return text(
        "sr_inject_warehouse",
        warehouse=inject.delay_warehouse,
        delay=format_duration(inject.delay or 0.0),
    )


def write_situation_reports(
    reports: list[SituationReport],
    path: str | os.PathLike[str],
    *,
    title: str,
    description: str = "",
    language: str = "en",
) -> Path:
    """Write situation reports as one Markdown file, atomically.

    Parameters
    ----------
    reports : list of SituationReport
        From :func:`situation_reports`.
    path : str or path-like
        The file to write (``situation_reports.md``); its folder is created.
    title : str
        The scenario's name, in the first heading ("EXERCISE: ..." / "EJERCICIO: ...").
    description : str
        The scenario's description, shown under the heading as written.
    language : {"en", "es"}
        Language of the heading (the reports carry their own).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> r = SituationReport(3600.0, 0.0, 0.0, "green", False, 0.0, 0.0, 0.0, [], 0, [],
    ...                     0.0, 0.0, 0.0, 0.0, 0.0, [], [], [], language="es")
    >>> p = write_situation_reports([r], pathlib.Path(tempfile.mkdtemp()) / "sr.md",
    ...                             title="Valle Alto", language="es")
    >>> p.read_text(encoding="utf-8").splitlines()[0]
    '# EJERCICIO: Valle Alto'
    """
    text = Text(language)
    parts = [f"# {text('sr_exercise', name=title)}", ""]
    if description:
        parts += [description, ""]
    for report in reports:
        parts += [report.markdown(), ""]
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    return target


#: Points of a zone's verdict in the order score: in time, inside the margin, too late, after the water.
_POINTS = {"in time": 1.0, "margin used": 0.5, "too late": 0.0, "after arrival": 0.0}


@dataclass(frozen=True)
class OrderScore:
    """The trainees' evacuation order scored against the decision clock.

    Attributes
    ----------
    table : pandas.DataFrame
        By zone (earliest deadline first): ``persons`` at risk, ``latest_order_s``
        (the clock's latest safe order), ``order_s`` (the trainees'), ``slack_s``
        (latest − theirs; negative is late), ``status`` (``"in time"``,
        ``"margin used"``, ``"too late"``, ``"after arrival"``) and ``points``
        (1, 0.5, 0, 0).
    score : float
        Persons-weighted points over the flooded zones, 0-1 (1: every person at
        risk was ordered out in time).
    persons_in_time : float
        Persons at risk in zones ordered in time (status "in time").
    persons_at_risk : float
        Persons at risk in the flooded zones.
    """

    table: pd.DataFrame
    score: float
    persons_in_time: float
    persons_at_risk: float

    def text(self, language: str = "en") -> str:
        """The score as the trainer reads it out, zone by zone, latest deadline first."""
        t = Text(language)
        lines = [
            t(
                "score_head",
                score=t.number(100 * self.score, 0),
                in_time=t.number(self.persons_in_time, 0),
                at_risk=t.number(self.persons_at_risk, 0),
            )
        ]
        for zone, row in self.table.iterrows():
            slack = row["slack_s"]
            lines.append(
                t(
                    "score_zone",
                    zone=t.zone_name(zone, row.get("name")),
                    status=t(f"score_{row['status'].replace(' ', '_')}"),
                    slack=("+" if slack >= 0 else "−") + format_duration(abs(float(slack))),
                )
            )
        return "\n".join(lines)


def score_order(result: ScenarioResult, order_time: Any) -> OrderScore:
    """Score an evacuation order given by trainees against the run's decision clock.

    The zone's needs (dissemination, response, clearance, margin) and the
    water's arrival are the run's own (:attr:`ScenarioResult.decision`); only the
    order time changes: each flooded zone gets the clock's verdict for it
    (:func:`drm.warning.decision_clock`) and points 1 (in time), 0.5 (inside
    the safety margin) or 0 (too late, or after the water); the score weights
    the points by the persons at risk.

    Parameters
    ----------
    result : ScenarioResult
        A run with a decision clock (a hazard that floods some zone).
    order_time : float or str
        When the trainees gave the order (s since the start of the event, or a
        duration such as ``"2h15m"``).

    Returns
    -------
    OrderScore

    Raises
    ------
    InputError
        A run without a decision clock, or an order time that is not a duration.

    Examples
    --------
    >>> import drm
    >>> r = drm.run_scenario("valle_alto", progress=False)  # doctest: +SKIP
    >>> score_order(r, "3h").score  # doctest: +SKIP
    0.42
    """
    from drm.errors import InputError

    if result.decision is None or result.decision.table.empty:
        raise InputError(
            "score_order: this run has no decision clock (no zone is flooded), so there is no "
            "order to score; use a scenario whose flood reaches people"
        )
    order_s = parse_duration(order_time, "order_time")
    t = result.decision.table
    clock = decision_clock(
        t["arrival_s"],
        dissemination=t["dissemination_s"],
        response=t["response_s"],
        clearance=t["clearance_s"],
        margin=t["margin_s"],
        order_time=order_s,
    )
    table = clock.table[["latest_order_s", "order_s", "slack_s", "status"]].copy()
    table = table[table["status"] != "not flooded"]
    zones = result.exposure.zones
    table.insert(0, "persons", zones["persons_at_risk"].reindex(table.index).astype(float))
    if "name" in zones.columns:
        table.insert(0, "name", zones["name"].reindex(table.index))
    table["points"] = table["status"].map(_POINTS).astype(float)
    at_risk = float(table["persons"].sum())
    score = float((table["points"] * table["persons"]).sum() / at_risk) if at_risk > 0 else 1.0
    in_time = float(table.loc[table["status"] == "in time", "persons"].sum())
    return OrderScore(table=table, score=score, persons_in_time=in_time, persons_at_risk=at_risk)

