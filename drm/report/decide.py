"""The report's first screen: the decision per zone and the shortfalls that decide the outcome.

First, in red where they exist, the shortfalls that decide the outcome:
a missing order, places against shelter seekers, people caught by the water,
people without a place, stock-outs per item with the time they start, and
roads the water cut before the clearance ended. Then the zone-to-centre
table, one row per zone with people at risk, the most urgent (earliest latest
safe order) first: *evacuate* (its people must leave: order by a clock time,
to its most used centre, by its main roads, with the simulated walking or
driving time), *prepare* (people at risk but none expected to leave their
homes: shelter in place, ready to move), then one row for the zones where
nobody is at risk (*no action*). Last, the stock to preposition per centre:
what each centre lacked in the run.

Clock times come from the ``*_local`` columns of ``zones.csv`` when the run
wrote them, else from the ``clock`` block of ``summary.json``
(:class:`drm.clock.EventClock`); without an event start the report says once
that times count from the start.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drm.clock import EventClock
from drm.evacuation.simulation import SAFE_GROUND
from drm.report.i18n import Text
from drm.report.tables import LATE, MEASURED_UNITS, RunOutputs, whole_unless_measured
from drm.report.webmap import read_map_layers

__all__ = [
    "ZoneDecision",
    "event_clock",
    "first_screen",
    "preposition",
    "shortfalls",
    "when",
    "zone_decisions",
]

#: Fewer persons than this count as nobody (the model splits households into fractions).
_ANYONE = 0.5


def event_clock(summary: dict[str, Any]) -> EventClock:
    """The run's clock from ``summary.json``: its ``clock`` block, else the scenario's ``start``/``timezone``.

    Parameters
    ----------
    summary : dict
        The parsed ``summary.json``.

    Returns
    -------
    EventClock
        Not :attr:`~drm.clock.EventClock.known` when the run has no event start.

    Examples
    --------
    >>> event_clock({"clock": {"start": "2026-05-09T00:00-04:00", "timezone": "America/New_York"}}).label(3600)
    '2026-05-09 01:00 -04'
    >>> event_clock({"scenario": {}}).known
    False
    """
    clock = summary.get("clock") or {}
    scenario = summary.get("scenario") or {}
    start = clock.get("start") if clock else scenario.get("start")
    tz = clock.get("timezone") if clock else scenario.get("timezone")
    if not start or clock.get("known") is False:
        return EventClock.of(None, tz)
    return EventClock.of(start, tz)


def when(text: Text, clock: EventClock, seconds: Any, local: Any = None) -> str:
    """A time of the event as a person reads it: "2026-10-03 01:10 -04, 1h10m after the start".

    Parameters
    ----------
    text : Text
        The language.
    clock : EventClock
        The run's clock.
    seconds : float
        Seconds since the start of the event.
    local : str, optional
        The clock label the run already wrote (a ``*_local`` column); used as it is.

    Returns
    -------
    str
        The elapsed time alone when the start is unknown; "–" when ``seconds`` is missing.

    Examples
    --------
    >>> when(Text("en"), EventClock.of("2026-10-03T00:00-04:00"), 4200.0)
    '2026-10-03 01:10 -04, 1h10m after the start'
    >>> when(Text("es"), EventClock.of(None), 4200.0)
    '1h10m después del inicio'
    """
    if seconds is None or not np.isfinite(float(seconds)):
        return "–"
    label = local if isinstance(local, str) and local.strip() else clock.label(float(seconds))
    elapsed = text.clock(seconds)
    return f"{label}, {elapsed}" if label else elapsed


@dataclass(frozen=True)
class ZoneDecision:
    """What to do in one zone (``action``: ``"evacuate"``, ``"prepare"`` or ``"no action"``).

    Times in seconds since the start of the event; ``order_by_s`` is the zone's
    latest safe order, ``order_s`` the order the run gave (None: none given).
    """

    zone: Any
    name: str
    action: str
    persons: float
    order_by_s: float | None
    order_by_local: str | None
    order_s: float | None
    status: str | None
    centre: str | None
    centre_name: str | None
    roads: tuple[str, ...]
    caught: float
    travel_s: float | None = None


def _finite(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _main_centres(out: RunOutputs) -> pd.DataFrame:
    """Per zone, the centre that took most of its people (safe ground does not count) and their median trip (s)."""
    hh = out.table("evacuation_households")
    if hh is None or not {"zone", "centre", "outcome"} <= set(hh.columns):
        return pd.DataFrame(columns=["centre", "travel_s"])
    safe = hh[(hh["outcome"] == "safe") & hh["centre"].notna() & (hh["centre"] != SAFE_GROUND)]
    if safe.empty:
        return pd.DataFrame(columns=["centre", "travel_s"])
    top = safe.groupby(["zone", "centre"])["persons"].sum().groupby(level=0).idxmax()
    rows = {}
    for zone, (_, centre) in top.items():
        went = safe[(safe["zone"] == zone) & (safe["centre"] == centre)]
        trip = (went["arrival_s"] - went["departure_s"]).median() if "arrival_s" in went else np.nan
        rows[zone] = (centre, _finite(trip))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["centre", "travel_s"])


def _caught(out: RunOutputs) -> pd.Series:
    hh = out.table("evacuation_households")
    if hh is None or "zone" not in hh:
        return pd.Series(dtype=float)
    return hh[hh["outcome"] == "caught"].groupby("zone")["persons"].sum()


def zone_decisions(out: RunOutputs, text: Text) -> list[ZoneDecision]:
    """The decision for every zone with residents, the most urgent first.

    Parameters
    ----------
    out : RunOutputs
        From :func:`drm.report.tables.load_outputs`.
    text : Text
        The language of zone names.

    Returns
    -------
    list of ZoneDecision
        Zones with people at risk sorted by their latest safe order (earliest
        first), then the zones with nobody at risk (``"no action"``).

    Examples
    --------
    >>> from drm.report.tables import load_outputs
    >>> [d.action for d in zone_decisions(load_outputs("results/jacksboro"), Text("en"))][:2]  # doctest: +SKIP
    ['evacuate', 'evacuate']
    """
    zones = out.table("zones")
    if zones is None:
        return []
    centres = out.table("centres")
    main, caught = _main_centres(out), _caught(out)
    routes = {r["zone"]: r for r in read_map_layers(out.folder).get("routes", [])}
    key = zones["latest_order_s"] if "latest_order_s" in zones else zones["first_at_risk_s"]
    order = zones.assign(_k=key.fillna(np.inf)).sort_values(
        ["_k", "persons_at_risk"], ascending=[True, False]
    )
    out_list = []
    for zid, r in order.iterrows():
        persons = float(r["persons_at_risk"])
        if persons < _ANYONE and float(r.get("residents", 0.0)) < _ANYONE:
            continue
        moving = (
            float(r.get("displaced", persons))
            if np.isfinite(r.get("displaced", persons))
            else persons
        )
        action = (
            "no action" if persons < _ANYONE else "evacuate" if moving >= _ANYONE else "prepare"
        )
        centre = main["centre"].get(zid)
        cname = None
        if (
            centre is not None
            and centres is not None
            and centre in centres.index
            and "name" in centres
        ):
            cname = str(centres.loc[centre, "name"])
        route = routes.get(int(zid)) if isinstance(zid, int | np.integer) else None
        roads = tuple(route["roads"]) if route and route.get("centre") == centre else ()
        status = r.get("status")
        out_list.append(ZoneDecision(
            zone=zid, name=text.zone_name(zid, r.get("name")), action=action, persons=persons,
            order_by_s=_finite(r.get("latest_order_s")), order_by_local=r.get("latest_order_local"),
            order_s=_finite(r.get("order_s")), status=status if isinstance(status, str) else None,
            centre=centre, centre_name=cname, roads=roads, caught=float(caught.get(zid, 0.0)),
            travel_s=main["travel_s"].get(zid),
        ))  # fmt: skip
    return out_list


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _row(d: ZoneDecision, text: Text, clock: EventClock, order_given: bool) -> str:
    """One row of the zone-to-centre table (HTML)."""
    act = d.action.replace(" ", "-")
    cells = [f"<b class='act act-{act}'>{_e(text('act_' + d.action.replace(' ', '_')))}</b> {_e(d.name)}",
             _e(text.number(d.persons))]  # fmt: skip
    if d.action == "prepare":
        cells += [_e(text("dec_prepare_row")), "", "", ""]
    else:
        order_by = (
            when(text, clock, d.order_by_s, d.order_by_local) if d.order_by_s is not None else "–"
        )
        centre = f"{d.centre} {d.centre_name or ''}".strip() if d.centre else "–"
        trip = None if d.travel_s is None else 60.0 * round(d.travel_s / 60.0)  # to the minute
        cells += [_e(order_by), _e(centre), _e(", ".join(d.roads) or "–"), _e(text.duration(trip))]
    flags = []
    if d.action == "evacuate" and not order_given:
        flags.append(text("dec_no_order"))
    elif d.status in LATE and d.order_s is not None and d.order_by_s is not None:
        flags.append(text("dec_late", late=text.duration(d.order_s - d.order_by_s)))
    if d.caught >= _ANYONE:
        flags.append(text("dec_caught", n=text.number(d.caught)))
    cells.append(" ".join(f"<span class='bad'>{_e(f)}</span>" for f in flags))
    return f"<tr class='zone zone-{act}'>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _zone_table(decisions: list[ZoneDecision], text: Text, clock: EventClock, order_given: bool,
                mode: str | None) -> str:  # fmt: skip
    act = [d for d in decisions if d.action != "no action"]
    idle = [d.name for d in decisions if d.action == "no action"]
    if not act and not idle:
        return f"<p>{_e(text('dec_nobody'))}</p>"
    trip = text("col_drive_time" if mode == "drive" else "col_walk_time")
    heads = [
        text(k) for k in ("col_zone", "col_at_risk", "col_order_by", "col_to_centre", "col_route")
    ]
    heads += [trip, text("col_note")]
    rows = "".join(_row(d, text, clock, order_given) for d in act)
    if not act:
        rows += f"<tr><td colspan='{len(heads)}'>{_e(text('dec_nobody'))}</td></tr>"
    if idle:
        idle_line = _e(text("dec_idle", zones=", ".join(idle)))
        rows += (f"<tr class='zone idle'><td colspan='{len(heads)}'><b class='act act-no-action'>"
                 f"{_e(text('act_no_action'))}</b> {idle_line}</td></tr>")  # fmt: skip
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    return f"<table class='decisions'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def preposition(out: RunOutputs) -> pd.DataFrame:
    """Stock to preposition per centre: what each centre lacked in the run, in whole units where items are counted.

    Parameters
    ----------
    out : RunOutputs
        From :func:`drm.report.tables.load_outputs`; uses ``shelter_summary.csv``.

    Returns
    -------
    pandas.DataFrame
        ``centre``, ``item``, ``unit``, ``quantity`` (the run's unmet demand at
        that centre: litres and kilograms as they are, counted items such as
        kits and rations rounded up to whole units), largest shortfall first
        within each centre; empty when nothing was short or the run had no
        shelter stage.

    Examples
    --------
    >>> from drm.report.tables import load_outputs
    >>> preposition(load_outputs("results/valle_alto")).columns.tolist()  # doctest: +SKIP
    ['centre', 'item', 'unit', 'quantity']
    """
    cols = ["centre", "item", "unit", "quantity"]
    summary = out.table("shelter_summary")
    if summary is None or summary.empty or "unmet" not in summary:
        return pd.DataFrame(columns=cols)
    s = summary.reset_index() if "centre" not in summary.columns else summary
    short = s[s["unmet"] > 1e-6 * np.maximum(s["demand"], 1.0)].copy()
    short["quantity"] = [
        whole_unless_measured(q, str(u))
        for q, u in zip(short["unmet"], short["unit"], strict=True)
    ]
    short = short.assign(_share=short["unmet"] / short["demand"]).sort_values(
        ["centre", "_share"], ascending=[True, False], kind="stable"
    )
    return short[cols].reset_index(drop=True)


def _preposition_html(out: RunOutputs, text: Text) -> str:
    plan = preposition(out)
    if out.table("shelter_summary") is None:
        return ""
    if plan.empty:
        return f"<h3 id='preposition'>{_e(text('h_preposition'))}</h3><p class='met'>{_e(text('prep_none'))}</p>"
    centres = out.table("centres")
    rows = []
    for cid, g in plan.groupby("centre", sort=False):
        known = centres is not None and cid in centres.index and "name" in centres
        name = str(centres.loc[cid, "name"]) if known else ""
        items = "; ".join(
            f"{text.item(str(r.item))}: {text.amount(r.quantity)}"
            + (f" {text.unit(str(r.unit))}" if str(r.unit).strip().lower() in MEASURED_UNITS else "")
            for r in g.itertuples()
        )
        rows.append(f"<tr><td>{_e(f'{cid} {name}'.strip())}</td><td>{_e(items)}</td></tr>")
    head = f"<th>{_e(text('col_centre'))}</th><th>{_e(text('col_preposition'))}</th>"
    return (
        f"<h3 id='preposition'>{_e(text('h_preposition'))}</h3>"
        f"<table class='preposition'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p class='note'>{_e(text('prep_note'))}</p>"
    )


def shortfalls(out: RunOutputs, text: Text) -> list[tuple[str, bool]]:
    """The shortfalls that decide the outcome, as (sentence, is_a_shortfall) pairs.

    Parameters
    ----------
    out : RunOutputs
        From :func:`drm.report.tables.load_outputs`.
    text : Text
        The language.

    Returns
    -------
    list of (str, bool)
        A missing order, residents outside the modelled area (outside the DEM
        or on its nodata edge: not counted anywhere), places against shelter
        seekers, people caught, people without a place,
        stock-outs per item (first hour, centres), roads cut before the
        clearance ended and a missing order; ``True`` marks a shortfall (shown
        in red), ``False`` a line that is met.

    Examples
    --------
    >>> from drm.report.tables import load_outputs
    >>> shortfalls(load_outputs("results/jacksboro"), Text("en"))[0]  # doctest: +SKIP
    ('1,912 places in the centres for 1,476 shelter seekers.', False)
    """
    s = out.summary
    clock = event_clock(s)
    w, ex, ev = s.get("warning") or {}, s.get("exposure") or {}, s.get("evacuation") or {}
    lines: list[tuple[str, bool]] = []
    at_risk = float(ex.get("persons_at_risk") or 0.0)
    if w.get("order_time_s") is None and at_risk >= _ANYONE:
        lines.append((text("sf_no_order", n=text.number(at_risk)), True))
    cover = (s.get("inputs") or {}).get("coverage") or {}
    left_out = float(cover.get("persons_outside_dem") or 0.0) + float(
        cover.get("persons_on_dem_nodata") or 0.0
    )
    if left_out >= _ANYONE:
        lines.append((text("sf_left_out", n=text.number(left_out)), True))
    seekers, places = ex.get("shelter_seekers"), (s.get("centres") or {}).get("capacity_persons")
    if _finite(seekers) is not None and _finite(places) is not None:
        lines.append((text("sf_places", places=text.number(places), seekers=text.number(seekers)),
                      float(places) + _ANYONE < float(seekers)))  # fmt: skip
    for key, sentence in (("persons_caught", "sf_caught"), ("persons_no_space", "sf_no_space"),
                          ("persons_stranded", "sf_stranded")):  # fmt: skip
        n = float(ev.get(key) or 0.0)
        if ev and (n >= _ANYONE or key != "persons_stranded"):
            lines.append((text(sentence, n=text.number(n)), n >= _ANYONE))
    lines += _stockout_lines(out, text, clock)
    if ev:  # roads cut before the clearance ended: only a run with evacuees can say
        lines += _cut_road_lines(out, text, clock)
    return lines


def _stockout_lines(out: RunOutputs, text: Text, clock: EventClock) -> list[tuple[str, bool]]:
    """Stock-outs per item, items that run out at the same hour together, earliest first."""
    so = out.table("shelter_stockouts")
    if so is None:
        return []
    if so.empty:
        return [(text("sf_no_stockout"), False)]
    first = so.groupby("item").agg(start=("start_s", "min"), centres=("centre", "nunique"))
    groups = []
    for _, g in first.groupby(first["start"] // 3600):  # items that run out in the same hour
        names = ", ".join(text.item(str(i)) for i in g.sort_values("start").index)
        groups.append(
            text(
                "sf_stockout_item",
                item=names,
                at=when(text, clock, g["start"].min()),
                n=int(g["centres"].max()),
            )
        )
    return [(text("sf_stockouts", items="; ".join(groups)), True)]


def _cut_road_lines(out: RunOutputs, text: Text, clock: EventClock) -> list[tuple[str, bool]]:
    layers = read_map_layers(out.folder)
    if "cut_roads" not in layers:
        return []
    cut = layers["cut_roads"]
    if not cut:
        return [(text("sf_no_cut_roads"), False)]
    shown = [text("sf_cut_road", road=c["name"], at=clock.label(c["closure_s"]) or text.clock(c["closure_s"]))
             for c in cut[:4]]  # fmt: skip
    more = text("sf_more", n=len(cut) - 4) if len(cut) > 4 else ""
    return [(text("sf_cut_roads", n=len(cut), roads="; ".join(shown) + more), True)]


def first_screen(out: RunOutputs, text: Text) -> str:
    """The report's opening block: decision per zone and shortfalls, as HTML.

    Parameters
    ----------
    out : RunOutputs
        From :func:`drm.report.tables.load_outputs`.
    text : Text
        The language.

    Returns
    -------
    str
        ``<section id='first'>`` with the shortfall list (``li.bad`` in red,
        ``li.met`` otherwise), the zone-to-centre table (``tr.zone`` with ``zone-evacuate`` or ``zone-prepare``, the
        no-action zones in one ``tr.zone.idle``) and the stock to preposition
        per centre (``table.preposition``).

    Examples
    --------
    >>> from drm.report.tables import load_outputs
    >>> "<section id='first'" in first_screen(load_outputs("results/jacksboro"), Text("en"))  # doctest: +SKIP
    True
    """
    s = out.summary
    clock = event_clock(s)
    order_given = (s.get("warning") or {}).get("order_time_s") is not None
    mode = (s.get("evacuation") or {}).get("mode")
    table = _zone_table(zone_decisions(out, text), text, clock, order_given, mode)
    gaps = "".join(
        f"<li class='{'bad' if bad else 'met'}'>{'⚠&#xFE0E; ' if bad else ''}{_e(line)}</li>"
        for line, bad in shortfalls(out, text)
    )
    clock_note = "" if clock.known else f"<p class='note'>{_e(text('no_start'))}</p>"
    return (
        f"<section id='first'><h2 id='decide'>{_e(text('h_decide'))}</h2>{clock_note}"
        f"<h3 id='shortfalls'>{_e(text('h_shortfalls'))}</h3><ul class='shortfalls'>{gaps}</ul>"
        f"<h3 id='zones-decide'>{_e(text('h_zone_decisions'))}</h3>{table}"
        f"{_preposition_html(out, text)}</section>"
    )


#: The first screen's CSS (included in the report's stylesheet).
CSS = """
#first { border: 2px solid var(--ink); border-radius: 6px; padding: .1rem 1rem .4rem; margin: .4rem 0 1rem; }
#first h2 { margin: .3rem 0 0; border: 0; font-size: 1.25rem; }
#first h3 { margin: .4rem 0 .1rem; font-size: 1rem; }
table.decisions, table.preposition { margin: .2rem 0; font-size: .85rem; line-height: 1.3; }
table.decisions td, table.preposition td { vertical-align: top; }
.act { text-transform: uppercase; font-size: .8rem; padding: 0 .3rem; border-radius: 3px; letter-spacing: .03em; }
.act-evacuate { background: #b00020; color: #fff; } .act-prepare { background: #fdf1c7; color: #5a4500; }
.act-no-action { background: #e6e6e6; color: #333; }
table.decisions .bad, ul.shortfalls li.bad { color: #b00020; font-weight: 700; }
ul.shortfalls { margin: .1rem 0; padding-left: .4rem; font-size: .9rem; line-height: 1.35; list-style: none; }
ul.shortfalls li.met { color: var(--muted); }
"""
