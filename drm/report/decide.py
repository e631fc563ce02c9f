"""The report's first screen: the decision per zone and the shortfalls that decide the outcome.

One sentence per zone with people at risk, the most urgent (earliest latest
safe order) first: *evacuate* (its people must leave: order by a clock time,
to its most used centre, by its main roads), *prepare* (people at risk but
none expected to leave their homes: shelter in place, ready to move), then one
line for the zones where nobody is at risk (*no action*). Under them, in red
where they exist, the shortfalls: places against shelter seekers, people
caught by the water, people without a place, stock-outs per item with the hour
they start, roads the water cut before the clearance ended, and a missing
order.

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
from drm.report.tables import LATE, RunOutputs
from drm.report.webmap import read_map_layers

__all__ = ["ZoneDecision", "event_clock", "first_screen", "shortfalls", "when", "zone_decisions"]

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


def _finite(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _main_centres(out: RunOutputs) -> pd.Series:
    """Per zone, the centre that took most of its people (safe ground does not count)."""
    hh = out.table("evacuation_households")
    if hh is None or not {"zone", "centre", "outcome"} <= set(hh.columns):
        return pd.Series(dtype=object)
    safe = hh[(hh["outcome"] == "safe") & hh["centre"].notna() & (hh["centre"] != SAFE_GROUND)]
    if safe.empty:
        return pd.Series(dtype=object)
    return (
        safe.groupby(["zone", "centre"])["persons"]
        .sum()
        .groupby(level=0)
        .idxmax()
        .map(lambda p: p[1])
    )


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
        centre = main.get(zid)
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
        ))  # fmt: skip
    return out_list


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _sentence(d: ZoneDecision, text: Text, clock: EventClock, order_given: bool) -> str:
    verb = text(f"act_{d.action.replace(' ', '_')}")
    head = f"<b class='act act-{d.action.replace(' ', '-')}'>{_e(verb)}</b> "
    if d.action == "prepare":
        return head + _e(text("dec_prepare", zone=d.name, n=text.number(d.persons)))
    where = []
    if d.centre:
        where.append(text("dec_to_centre", centre=f"{d.centre} {d.centre_name or ''}".strip()))
    if d.roads:
        where.append(text("dec_by_road", roads=", ".join(d.roads)))
    parts = [text("dec_zone", zone=d.name, n=text.number(d.persons))]
    if d.order_by_s is not None:
        parts.append(text("dec_order_by", at=when(text, clock, d.order_by_s, d.order_by_local)))
    body = _e(": ".join(parts) + ("; " + " ".join(where) if where else "")) + "."
    flags = []
    if not order_given:
        flags.append(text("dec_no_order"))
    elif d.status in LATE and d.order_s is not None and d.order_by_s is not None:
        flags.append(text("dec_late", late=text.duration(d.order_s - d.order_by_s)))
    if d.caught >= _ANYONE:
        flags.append(text("dec_caught", n=text.number(d.caught)))
    tail = "".join(f" <span class='bad'>{_e(f)}</span>" for f in flags)
    return head + body + tail


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
        Places against shelter seekers, people caught, people without a place,
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
    for start, g in first.groupby((first["start"] // 3600) * 3600):
        names = ", ".join(text.item(str(i)) for i in g.sort_values("start").index)
        groups.append(
            text(
                "sf_stockout_item",
                item=names,
                at=when(text, clock, start),
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
        ``li.met`` otherwise), then an ordered list of zone sentences
        (``li.zone``) and the no-action line.

    Examples
    --------
    >>> from drm.report.tables import load_outputs
    >>> "<section id='first'" in first_screen(load_outputs("results/jacksboro"), Text("en"))  # doctest: +SKIP
    True
    """
    s = out.summary
    clock = event_clock(s)
    order_given = (s.get("warning") or {}).get("order_time_s") is not None
    decisions = zone_decisions(out, text)
    act = [d for d in decisions if d.action != "no action"]
    idle = [d.name for d in decisions if d.action == "no action"]
    items = "".join(f"<li class='zone'>{_sentence(d, text, clock, order_given)}</li>" for d in act)
    if idle:
        items += (f"<li class='zone idle'><b class='act act-no-action'>{_e(text('act_no_action'))}</b> "
                  f"{_e(text('dec_idle', zones=', '.join(idle)))}</li>")  # fmt: skip
    gaps = "".join(
        f"<li class='{'bad' if bad else 'met'}'>{'⚠&#xFE0E; ' if bad else ''}{_e(line)}</li>"
        for line, bad in shortfalls(out, text)
    )
    clock_note = "" if clock.known else f"<p class='note'>{_e(text('no_start'))}</p>"
    return (
        f"<section id='first'><h2 id='decide'>{_e(text('h_decide'))}</h2>{clock_note}"
        f"<h3 id='shortfalls'>{_e(text('h_shortfalls'))}</h3><ul class='shortfalls'>{gaps}</ul>"
        f"<h3 id='zones-decide'>{_e(text('h_zone_decisions'))}</h3>"
        f"<ol class='decisions'>{items or '<li>' + _e(text('dec_nobody')) + '</li>'}</ol></section>"
    )


#: The first screen's CSS (included in the report's stylesheet).
CSS = """
#first { border: 2px solid var(--ink); border-radius: 6px; padding: .1rem 1rem .4rem; margin: .4rem 0 1rem; }
#first h2 { margin: .3rem 0 0; border: 0; font-size: 1.25rem; }
#first h3 { margin: .4rem 0 .1rem; font-size: 1rem; }
ol.decisions { margin: .1rem 0; padding-left: 1.6rem; font-size: .9rem; line-height: 1.35; }
ol.decisions li { margin: .08rem 0; }
.act { text-transform: uppercase; font-size: .8rem; padding: 0 .3rem; border-radius: 3px; letter-spacing: .03em; }
.act-evacuate { background: #b00020; color: #fff; } .act-prepare { background: #fdf1c7; color: #5a4500; }
.act-no-action { background: #e6e6e6; color: #333; }
ol.decisions .bad, ul.shortfalls li.bad { color: #b00020; font-weight: 700; }
ul.shortfalls { margin: .1rem 0; padding-left: .4rem; font-size: .9rem; line-height: 1.35; list-style: none; }
ul.shortfalls li.met { color: var(--muted); }
"""
