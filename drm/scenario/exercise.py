"""Tabletop exercise mode: situation reports stepping through a scenario's timeline.

For trainers: after a run, :func:`situation_reports` cuts the results into
moments (every ``step`` until ``until``) and tells, at each, what a
coordination cell would know: rain and alert level, whether the order is out,
water on the ground and people at risk, roads and bridges cut, people moving,
safe or caught, centre occupancy, and the injects that just happened. Each
report is headed by the elapsed time and, when the event start is known, the
local clock time (``T+14h30m (2026-10-03 14:30 -04)``); the first report says
once when the event starts, or that the start is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from drm.scenario.stages import inject_road_closures
from drm.scenario.summary import NO_START
from drm.units import format_duration

if TYPE_CHECKING:
    from drm.scenario.result import ScenarioResult

__all__ = ["SituationReport", "situation_reports"]

LEVELS = ("green", "yellow", "orange", "red")


@dataclass(frozen=True)
class SituationReport:
    """What is known at one moment of the exercise (times in s since the start of the event).

    ``local`` is the local clock time of ``time_s`` (``"2026-10-03 14:30 -04"``;
    None when the event start is unknown); ``note`` a line shown first (the
    event start, on the first report).
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

    def text(self) -> str:
        """The report as a few lines of plain text."""
        t = format_duration(self.time_s) + (f" ({self.local})" if self.local else "")
        lines = [self.note] if self.note else []
        lines.append(f"--- T+{t} ---")
        lines.append(
            f"rain {self.rain_mm_h:.0f} mm/h (last hour {self.rain_last_hour_mm:.0f} mm); alert {self.alert.upper()}; "
            f"evacuation order {'GIVEN' if self.order_given else 'not given'}"
        )
        lines.append(
            f"water: {self.flooded_km2:.2f} km² flooded, deepest {self.max_depth_m:.1f} m; "
            f"{self.persons_at_risk_now:,.0f} people in water now"
            + (f"; water in {', '.join(self.zones_reached)}" if self.zones_reached else "")
        )
        roads = f"roads closed: {self.roads_closed}"
        if self.named_roads_closed:
            roads += f" ({', '.join(self.named_roads_closed)})"
        lines.append(roads)
        lines.append(
            f"people: {self.departed:,.0f} left home, {self.safe:,.0f} safe, {self.en_route:,.0f} on the way "
            f"({self.queued:,.0f} queuing), {self.caught:,.0f} caught by water"
        )
        if self.centres_over_90pct:
            lines.append(f"centres nearly full: {', '.join(self.centres_over_90pct)}")
        if self.zones_past_latest_order:
            lines.append(f"TOO LATE to order safely for: {', '.join(self.zones_past_latest_order)}")
        lines += [f"INJECT: {note}" for note in self.injects]
        return "\n".join(lines)


def _at(index: np.ndarray, t: float) -> int:
    """Index of the last entry at or before ``t`` (0 if none)."""
    return max(int(np.searchsorted(index, t, side="right")) - 1, 0)


def situation_reports(
    result: ScenarioResult, step_s: float, until_s: float | None = None
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

    Returns
    -------
    list of SituationReport
    """
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
        f"event start: {clock.label(0.0)} ({clock.tz}); clock times are local" if clock.known else NO_START
    )
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
            str(zone_label[z]) or f"zone {z}"
            for z in zones.index
            if zones.loc[z, "first_at_risk_s"] <= t
        ]
        closed = closed_at <= t
        named = sorted(
            {n for n, c in zip(names, closed, strict=True) if c and n}
        )
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
                str(zone_label.get(z, z)) or f"zone {z}"
                for z in table.index
                if table.loc[z, "latest_order_s"] <= t
            ]
        injects = [
            (inj.note or _inject_text(inj))
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
                **counts,
            )
        )
        previous = t
    return reports


def _inject_text(inject: Any) -> str:
    if inject.close_road:
        return f"road {inject.close_road} closed"
    if inject.close_centre:
        return f"centre {inject.close_centre} unavailable"
    if inject.extra_rain:
        return f"rain x{inject.extra_rain:g} from now on"
    return f"warehouse {inject.delay_warehouse} delayed by {format_duration(inject.delay or 0.0)}"
