"""The HTML report of a run, rebuilt from its output folder alone.

:func:`write_report` reads ``summary.json``, the CSV tables and the PNG
figures a run wrote (:func:`drm.scenario.outputs.write_outputs`) and writes
``report.html``: one self-contained page (figures embedded as base64 PNG, CSS
inline, one short inline script for the map's pan and zoom, no external
resources) in English or Spanish, that opens with the decision per zone and
the shortfalls that decide the outcome (:mod:`drm.report.decide`), then the
decision summary for a civil-protection officer, the maps (one to pan,
:mod:`drm.report.webmap`), timelines, the full tables and notes on the
method. It prints on A4 (``@page``, no row cut across pages, table headers
repeated).
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from drm.evacuation.simulation import SAFE_GROUND
from drm.io import atomic_path
from drm.report import decide, webmap
from drm.report import tables as tb
from drm.report.checklist import PHASES, mend_checklist
from drm.report.i18n import Text

__all__ = ["render_report", "write_report"]

_CSS = """
:root { --ok: #d9efe3; --flag: #fbdcd0; --warn: #fdf1c7; --ink: #1d1d1d; --muted: #5b5b5b; --line: #d4d4d4; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 1080px; padding: 1.2rem 1.6rem 3rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.5rem; margin: 0 0 .1rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
p.meta, p.note, figcaption { color: var(--muted); font-size: .88rem; }
p.meta { margin: 0 0 .3rem; }
nav ol { columns: 2; font-size: .92rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: .6rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-left: 6px solid #888; padding: .5rem .7rem; border-radius: 4px; }
.card.ok { border-left-color: #009E73; } .card.flag { border-left-color: #D55E00; }
.card .v { font-size: 1.35rem; font-weight: 700; } .card .k { font-size: .85rem; color: var(--muted); }
ul.facts li { margin: .2rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .86rem; }
th, td { border: 1px solid var(--line); padding: .28rem .45rem; vertical-align: top; }
th { background: #eeeeee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.ok { background: var(--ok); } td.warn { background: var(--warn); }
td.flag, td.bad { background: var(--flag); font-weight: 700; }
td.flag::before { content: "\\26A0\\FE0E  "; font-weight: 400; }
tr.phase th { background: #dcdcdc; }
.status { font-weight: 700; white-space: nowrap; }
figure { margin: 1rem 0 2rem; break-inside: avoid; }
figure img { width: 100%; height: auto; border: 1px solid var(--line); }
details { margin: .5rem 0; } summary { cursor: pointer; }
thead { display: table-header-group; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  nav, .webmap .maptools, .webmap .scalebar { display: none; }
  h2 { break-before: page; } #first h2, section#decision h2 { break-before: avoid; }
  h2, h3 { break-after: avoid; }
  table { font-size: 7.5pt; } th, td { padding: .15rem .25rem; overflow-wrap: anywhere; }
  tr, li, .card, figure, .cards { break-inside: avoid; }
  #drm-map { height: 150mm; } figure img { max-height: 240mm; width: auto; max-width: 100%; }
}
"""
_MARK = {"ok": "✓", "flag": "✗", "na": "–"}
#: The maps, in the order the report shows them.
_MAPS = ("evacuation_map", "hazard_map", "arrival_map", "input_map")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(table: tb.Table | None, caption: str = "") -> str:
    if table is None or not table.rows:
        return ""
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in table.headers)
    body = []
    for row in table.rows:
        cells = []
        for cell, numeric in zip(row, table.numeric, strict=True):
            css = " ".join(c for c in ("num" if numeric else "", cell.status) if c)
            cells.append(
                f"<td class='{css}'>{_e(cell.text)}</td>" if css else f"<td>{_e(cell.text)}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    note = f"<p class='note'>{_e(table.note)}</p>" if table.note else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


def _figure(out: tb.RunOutputs, stem: str, text: Text) -> str:
    path = out.figures.get(stem)
    if path is None:
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = text(f"cap_{stem}")
    return (
        f"<figure id='fig-{stem}'><img src='data:image/png;base64,{data}' alt='{_e(caption)}'>"
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _card(key: str, value: str, status: str = "") -> str:
    return f"<div class='card {status}'><div class='v'>{_e(value)}</div><div class='k'>{_e(key)}</div></div>"


def _facts(items: list[str]) -> str:
    return "<ul class='facts'>" + "".join(f"<li>{_e(i)}</li>" for i in items if i) + "</ul>"


def _cards(out: tb.RunOutputs, text: Text) -> str:
    s = out.summary
    w, ev = s["warning"], s.get("evacuation") or {}
    order, latest, lead = w.get("order_time_s"), w.get("latest_order_s"), w.get("lead_time_s")
    late = order is not None and latest is not None and order > latest
    caught = bool(ev) and ev["persons_caught"] >= 0.5
    ok = (
        "" if caught or order is None else "ok"
    )  # no green card while people are caught or no order was given
    cards = [
        _card(text("card_at_risk"), text.number(s["exposure"]["persons_at_risk"])),
        _card(text("card_order"), text.duration(order) if order is not None else text("no_order"),
              "flag" if late or order is None else ok),
        _card(text("card_latest"), text.duration(latest), "flag" if late or order is None else ok),
        _card(text("card_lead"), text.signed_duration(lead) if lead is not None else "–",
              "flag" if lead is None or lead <= 0 else ok),
    ]  # fmt: skip
    if ev:
        cards += [
            _card(text("card_safe"), text.number(ev["persons_safe"]), ok),
            _card(text("card_caught"), text.number(ev["persons_caught"]), "flag" if caught else ok),
            _card(text("card_no_space"), text.number(ev["persons_no_space"]),
                  "flag" if ev["persons_no_space"] >= 0.5 else ok),
            _card(text("card_clearance"), text.duration(ev["clearance_time_s"])),
        ]  # fmt: skip
    return "<div class='cards'>" + "".join(cards) + "</div>"


def _decision_section(out: tb.RunOutputs, text: Text) -> str:
    w = out.summary["warning"]
    order, latest, first = w.get("order_time_s"), w.get("latest_order_s"), w.get("first_arrival_s")
    late = tb.zones_with(out, text, tb.LATE)
    tight = tb.zones_with(out, text, ("margin used",))
    facts = [
        text("order_at", order=text.clock(order)) if order is not None else text("no_order_given"),
        text("latest_at", latest=text.clock(latest)) if latest is not None else "",
        text("first_water_at", first=text.clock(first)) if first is not None else "",
        text("lead_is", lead=text.signed_duration(w["lead_time_s"])) if w.get("lead_time_s") is not None else "",
        text("late_zones", n=len(late), zones=", ".join(late)) if late else "",
        text("no_late_zones") if order is not None and not late and not tight else "",
        text("margin_zones", n=len(tight), zones=", ".join(tight)) if tight else "",
    ]  # fmt: skip
    alerts = w.get("first_alert_s") or {}
    facts += [
        text("alert_at", level=text(f"level_{k}"), at=text.clock(v))
        for k, v in alerts.items()
        if v is not None
    ]
    return f"<h3 id='when'>{_e(text('h_when'))}</h3>{_facts(facts)}" + _table(
        tb.decision_table(out, text), text("cap_decision_table")
    )


def _community_section(out: tb.RunOutputs, text: Text) -> str:
    """What the community saw and when, beside the model; the protocol per zone; the CAP alerts."""
    c = out.summary.get("community")
    cap = out.summary.get("cap")
    if not c and not cap:
        return ""
    w = out.summary["warning"]
    facts = []
    c = c or {}
    if "reports" in c:
        facts.append(text("community_points", n=c["points"], reports=text.number(c["reports"])))
        first = c.get("first_report_s") or {}
        for level in ("yellow", "orange", "red"):
            model = (w.get("first_alert_s") or {}).get(level)
            facts.append(
                text("community_first", level=text(f"level_{level}"), at=text.clock(first.get(level)),
                     model=text.clock(model))
            )  # fmt: skip
        if w.get("first_arrival_s") is not None:
            facts.append(text("first_water_at", first=text.clock(w["first_arrival_s"])))
        if c.get("indicators_missed"):
            facts.append(text("signs_missed", points=", ".join(c["indicators_missed"])))
        if c.get("rumours"):
            facts.append(text("rumours_in", n=c["rumours"]))
    first = c.get("protocol_first_s") or {}
    order_on = out.summary.get("scenario", {}).get("order_on", "orange")
    if first:
        src = (c.get("protocol_first_source") or {}).get(order_on)
        facts.append(
            text("protocol_first", level=text(f"level_{order_on}"), at=text.clock(first.get(order_on)),
                 source=text.data("source_" + str(src).replace(" ", "_")) if src else "–")
        )  # fmt: skip
        if c.get("protocol_min_lead_time_s") is not None:
            facts.append(text("protocol_lead", lead=text.signed_duration(c["protocol_min_lead_time_s"])))
    for channel in c.get("failed_channels") or []:
        facts.append(text("channel_failed", channel=channel))
    if cap:
        key = "cap_checked" if cap.get("schema_checked") else "cap_unchecked"
        facts.append(text(key, n=cap["messages"], folder=cap["folder"]))
    return (
        f"<h3 id='community'>{_e(text('h_community'))}</h3>{_facts(facts)}"
        + _table(tb.community_table(out, text), text("cap_community"))
        + _table(tb.protocol_table(out, text), text("cap_protocol"))
    )


def _people_section(out: tb.RunOutputs, text: Text) -> str:
    s = out.summary
    ex, ev = s["exposure"], s.get("evacuation") or {}
    facts = [text("at_risk_in", n=text.number(ex["persons_at_risk"]), zones=ex["zones_at_risk"])]
    dest = tb.destinations(out)
    if ev:
        centres = float(dest["centres"].sum()) if dest is not None else np.nan
        ground = float(dest[SAFE_GROUND].sum()) if dest is not None else np.nan
        facts += [
            text("went_safe", n=text.number(ev["persons_safe"]), centres=text.number(centres),
                 ground=text.number(ground)),
            text("were_caught", n=text.number(ev["persons_caught"])),
            text("turned_away", n=text.number(ev["persons_no_space"])),
            text("were_stranded", n=text.number(ev["persons_stranded"])),
            text("stayed_home", n=text.number(ev["persons_stayed"])),
        ]  # fmt: skip
    else:
        facts.append(text("no_evacuation"))
    return f"<h3 id='people'>{_e(text('h_people'))}</h3>{_facts(facts)}" + _table(
        tb.destinations_table(out, text), text("cap_destinations")
    )


def _clearance_section(out: tb.RunOutputs, text: Text) -> str:
    ev, w = out.summary.get("evacuation") or {}, out.summary["warning"]
    if not ev:
        return ""
    order, first, clearance = (
        w.get("order_time_s"),
        w.get("first_arrival_s"),
        ev.get("clearance_time_s"),
    )
    facts = [
        text("clearance_is", clearance=text.duration(clearance),
             done=text.clock(order + clearance) if order is not None and clearance is not None else "–"),
        text("ninety_safe", t=text.duration(ev.get("time_90pct_safe_s"))),
        text("vs_first_water", first=text.clock(first)),
    ]  # fmt: skip
    if order is not None and clearance is not None and first is not None:
        gap = first - (order + clearance)
        facts.append(
            text("clearance_margin" if gap >= 0 else "clearance_short", gap=text.duration(abs(gap)))
        )
    facts.append(text("largest_queue", n=text.number(ev.get("largest_road_queue"))))
    return f"<h3 id='clearance'>{_e(text('h_clearance'))}</h3>{_facts(facts)}"


def _centres_section(out: tb.RunOutputs, text: Text) -> str:
    s = out.summary
    c = s["centres"]
    reached = int((tb.centre_arrivals(out) >= 0.5).sum())
    key = "centres_used" if s.get("evacuation") else "centres_usable_no_evacuation"
    facts = [
        text(
            key,
            used=c["used"],
            n=c["candidates"],
            cap=text.number(c["capacity_persons"]),
            reached=reached,
        )
    ]
    peaks = (s.get("shelter") or {}).get("peak_occupancy") or {}
    if peaks:
        total = sum(peaks.values())
        facts.append(text("peak_total", n=text.number(total)))
    failed = (s.get("assessment") or {}).get("indicators_failed")
    if failed is not None:
        facts.append(text("indicators_failed", n=failed))
    for cid, why in (c.get("excluded") or {}).items():
        facts.append(text("excluded_because", centre=cid, why=text.data(why)))
    return f"<h3 id='centres'>{_e(text('h_centres'))}</h3>{_facts(facts)}" + _table(
        tb.centres_table(out, text), text("cap_centres")
    )


def _stock_section(out: tb.RunOutputs, text: Text) -> str:
    table = tb.stock_table(out, text)
    if table is None:
        return f"<h3 id='stock'>{_e(text('h_stock'))}</h3>{_facts([text('chk_no_shelter_run')])}"
    short = [r for r in table.rows if r[4].status == "flag"]
    fact = text("items_short", n=len(short), total=len(table.rows))
    return f"<h3 id='stock'>{_e(text('h_stock'))}</h3>{_facts([fact])}" + _table(
        table, text("cap_stock")
    )


def _checklist_section(out: tb.RunOutputs, text: Text) -> str:
    checks = mend_checklist(out, text)
    rows = []
    for phase in PHASES:
        items = [c for c in checks if c.phase == phase]
        if not items:
            continue
        rows.append(
            f"<tr class='phase'><th colspan='3' scope='rowgroup'>{_e(text(phase))}</th></tr>"
        )
        for c in items:
            css = {"ok": "ok", "flag": "bad", "na": ""}[c.status]
            rows.append(
                f"<tr><td class='status {css}'>{_MARK[c.status]} {_e(text(f'status_{c.status}'))}</td>"
                f"<td>{_e(c.item)}</td><td>{_e(c.detail)}</td></tr>"
            )
    head = "".join(
        f"<th scope='col'>{_e(text(h))}</th>" for h in ("col_status", "col_check", "col_detail")
    )
    return (
        f"<h3 id='mend'>{_e(text('h_mend'))}</h3><p class='note'>{_e(text('mend_note'))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _percent_error(text: Text, relative: float) -> str:
    pct = 100.0 * abs(relative)
    return text("tiny", value=text.number(1e-4, 4)) if pct < 1e-4 else text.number(pct, 4)


def _notes_section(out: tb.RunOutputs, text: Text) -> str:
    s = out.summary
    fl = out.flood
    facts = [text.data(n) for n in s.get("notes") or []]
    if fl:
        facts.append(
            text("method_flood", rows=fl["rows"], cols=fl["cols"], size=text.number(fl["cell_size_m"]),
                 hours=text.duration(fl["end_s"]), err=_percent_error(text, fl["relative_error"]))
        )  # fmt: skip
    facts += [
        text("method_hazard"),
        text("method_clock"),
        text(
            "method_version", version=s.get("drm_version", "?"), seed=s["scenario"].get("seed", "?")
        ),
    ]
    hashes = "".join(
        f"<tr><td>{_e(k)}</td><td><code>{_e(v[:16])}…</code></td></tr>"
        for k, v in (s.get("input_sha256") or {}).items()
    )
    inputs = (
        f"<details><summary>{_e(text('input_hashes'))}</summary><table><tbody>{hashes}</tbody></table></details>"
        if hashes
        else ""
    )
    return f"<h2 id='notes'>{_e(text('h_notes'))}</h2>{_facts(facts)}{inputs}"


def render_report(out: tb.RunOutputs, text: Text) -> str:
    """The report of loaded outputs as one HTML document (a string).

    Parameters
    ----------
    out : RunOutputs
        From :func:`drm.report.tables.load_outputs`.
    text : Text
        The language to write it in.

    Returns
    -------
    str
    """
    s = out.summary
    name = s["scenario"].get("name", "")
    source = s["scenario"].get("source")
    toc = [("decision", "h_decision"), ("maps", "h_maps"), ("timelines", "h_timelines"),
           ("tables", "h_tables"), ("notes", "h_notes")]  # fmt: skip
    nav = "".join(f"<li><a href='#{a}'>{_e(text(k))}</a></li>" for a, k in toc)
    parts = [
        "<!DOCTYPE html>",
        f"<html lang='{text.language}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(text('title', name=name))}</title><style>{_CSS}{decide.CSS}{webmap.CSS}</style></head><body>",
        f"<header><h1>{_e(text('title', name=name))}</h1>",
        f"<p class='meta'>{_e(text('meta', source=Path(source).name if source else '–'))}</p></header>",
        decide.first_screen(out, text),
        f"<nav><ol>{nav}</ol></nav>",
        f"<section id='decision'><h2>{_e(text('h_decision'))}</h2><p>{_e(text('intro'))}</p>",
        _cards(out, text),
        _decision_section(out, text),
        _community_section(out, text),
        _people_section(out, text),
        _clearance_section(out, text),
        _centres_section(out, text),
        _stock_section(out, text),
        _checklist_section(out, text),
        "</section>",
        f"<section id='maps'><h2>{_e(text('h_maps'))}</h2>",
        webmap.svg_map(out, text),
        *(_figure(out, stem, text) for stem in _MAPS),
        f"</section><section id='timelines'><h2>{_e(text('h_timelines'))}</h2>",
        _figure(out, "timeline", text),
        f"</section><section id='tables'><h2>{_e(text('h_tables'))}</h2>",
        f"<h3>{_e(text('h_zones_table'))}</h3>",
        _table(tb.zones_table(out, text)),
        f"<h3>{_e(text('h_centres_table'))}</h3>",
        _table(tb.centres_table(out, text)),
        f"<h3>{_e(text('h_assessment_table'))}</h3>",
        _table(tb.assessment_table(out, text)),
        _table(tb.failures_table(out, text), text("cap_failures")),
        "</section>",
        _notes_section(out, text),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def write_report(
    out_dir: str | os.PathLike[str],
    language: str | None = None,
    *,
    files: Iterable[str] | None = None,
) -> Path:
    """Build ``report.html`` in an output folder from the files a run wrote there.

    Parameters
    ----------
    out_dir : str or path-like
        A folder written by :func:`drm.run_scenario` (``summary.json``, CSV
        tables, PNG figures); nothing is rerun.
    language : {"en", "es"}, optional
        Language of the report; default the scenario's (``summary.json``).
    files : iterable of str, optional
        Names of the files the run wrote; the report reads only those (default:
        the files the folder's manifest lists, see :func:`drm.report.tables.load_outputs`).

    Returns
    -------
    pathlib.Path
        The report file.

    Raises
    ------
    DataNotFoundError
        The folder has no ``summary.json``.
    InputError
        An unknown language.

    Examples
    --------
    >>> write_report("results/valle_alto", language="en")  # doctest: +SKIP
    PosixPath('results/valle_alto/report.html')
    """
    out = tb.load_outputs(out_dir, files)
    text = Text(language or out.summary["scenario"].get("language") or "en")
    target = out.folder / "report.html"
    with atomic_path(target) as tmp:
        tmp.write_text(render_report(out, text), encoding="utf-8")
    return target
