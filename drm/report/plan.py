"""The community contingency plan: what a municipal committee prints, edits and validates.

:func:`write_plan` turns a scenario run (:class:`~drm.scenario.result.ScenarioResult`)
into a contingency plan for the community, in Spanish or English, as an editable
Word document (``plan.docx``, :mod:`drm.report.plan_docx`), a self-contained web
page that prints on A4 (``plan.html``, :mod:`drm.report.plan_html`) and, when a
headless Chromium is installed, a PDF printed from that page (``plan.pdf``).

Every number in the plan comes from the run, none is typed in: the flood
scenario (rain, return period, river peak, flooded area by depth, a map), the
alert levels with the scenario's rain thresholds and what each one triggers,
the zones with their persons at risk, latest safe order time, centre, route
and walking time (the report's zone-to-centre rows,
:func:`drm.report.decide.zone_decisions`), the people who need more help per
zone (:meth:`drm.exposure.ExposureResult.demographics`), the centres with their
capacity, WASH facilities and the stock to preposition
(:func:`drm.report.decide.preposition`), the communication tree with the
scenario's warning channels, a proposed exercise calendar and a MEND checklist
of preparedness actions (the run's flagged checks among them,
:func:`drm.report.checklist.mend_checklist`). Names and phone numbers are left
as placeholders in square brackets ("[nombre del responsable]") for the
committee to fill in; the cover says the plan is a draft to be validated.

:func:`build_plan` gives the content alone (a :class:`Plan`: sections of
paragraphs, tables and a figure) that both writers lay out; its words are
the keys of ``plan_text.toml`` (next to this module), with the report's own
``text.toml`` for item names, units and data labels.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from drm.errors import InputError
from drm.report import decide
from drm.report.checklist import PHASES, mend_checklist
from drm.report.i18n import LANGUAGES, Text
from drm.report.tables import MEASURED_UNITS, RunOutputs, load_outputs

if TYPE_CHECKING:
    from drm.scenario.result import ScenarioResult

__all__ = [
    "FORMATS",
    "PLACEHOLDER",
    "Bullets",
    "Figure",
    "Paragraph",
    "Plan",
    "PlanSection",
    "PlanTable",
    "PlanText",
    "Subheading",
    "build_plan",
    "exercise_dates",
    "season_date",
    "write_plan",
]

#: The formats :func:`write_plan` can write, in the order it writes them.
FORMATS = ("docx", "html", "pdf")
#: Text in square brackets: a placeholder the committee fills in (names, phones, dates).
PLACEHOLDER = re.compile(r"\[[^\[\]]+\]")
#: The status box of a checklist or calendar row (a clickable check box in the DOCX).
BOX = "☐"
#: Alert levels, lowest first (as :data:`drm.warning.LEVELS`).
_LEVELS = ("green", "yellow", "orange", "red")
#: Cell fills of the alert levels (light, so that the text prints black on them).
LEVEL_FILLS = {"green": "CFE8D5", "yellow": "FFF1A8", "orange": "FFD0A1", "red": "F5B5B5"}
#: Depth classes (m) of the flooded-area summary: knee, waist, chest, over a person's head.
_DEPTH_CLASSES_M = (0.15, 0.5, 1.0, 2.0)
#: Fewer persons than this count as nobody (the model splits households into fractions).
_ANYONE = 0.5
#: Days before the season reference date of the first preparation (see :func:`season_date`).
_LEAD_DAYS = 90


def _load_plan_text() -> dict[str, tuple[str, ...]]:
    raw = tomllib.loads(files("drm.report").joinpath("plan_text.toml").read_text(encoding="utf-8"))
    return {key: tuple(forms[lang] for lang in LANGUAGES) for key, forms in raw.items()}


#: Plan sentence key -> its form in each language of :data:`drm.report.i18n.LANGUAGES`.
PLAN_TEXT: dict[str, tuple[str, ...]] = _load_plan_text()


@dataclass(frozen=True)
class PlanText(Text):
    """The plan's words (``plan_text.toml``), then the report's (``text.toml``), in one language.

    Parameters
    ----------
    language : {"en", "es"}
        Language of every sentence, number separator and duration.

    Examples
    --------
    >>> PlanText("es")("p_title")
    'Plan de contingencia comunitario ante inundaciones'
    >>> PlanText("es")("level_orange"), PlanText("en").number(4836.55)
    ('naranja', '4,837')
    """

    def __call__(self, key: str, **values: Any) -> str:
        """The sentence ``key`` with its ``{fields}`` filled in."""
        forms = PLAN_TEXT.get(key)
        if forms is None:
            return super().__call__(key, **values)
        return forms[self._k].format(**values)

    def maybe(self, key: str, fallback: str) -> str:
        """The sentence ``key`` when the plan's table has it, else ``fallback``."""
        return self(key) if key in PLAN_TEXT else fallback


# -- the content model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``style`` is ``"body"``, ``"lead"`` (bold), ``"note"`` (small) or ``"alert"``."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Bullets:
    """A bulleted list; an item starting with ⚠ is a shortfall (shown in red)."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Subheading:
    """A heading inside a section (level 2 under the section's level 1)."""

    text: str


@dataclass(frozen=True)
class Figure:
    """A PNG figure (``png``: the file's bytes) with its caption, ``width_mm`` wide on the page."""

    png: bytes
    caption: str
    width_mm: float = 170.0


@dataclass(frozen=True)
class PlanTable:
    """A table of text cells with a header row.

    Attributes
    ----------
    key : str
        Its id (``zones``, ``centres``, ...; the HTML table's id is ``plan-<key>``).
    headers : tuple of str
        Column headings, units in brackets.
    rows : tuple of tuple of str
        Cell texts, as printed (numbers already formatted in the plan's language).
    numeric : tuple of bool
        Which columns hold numbers (right-aligned).
    widths : tuple of float
        Relative column widths (dimensionless; the writers scale them to the page).
    groups : tuple of int
        Rows that head a group (their first cell spans the row, e.g. a MEND phase).
    fills : tuple of (int, int, str)
        Cells with a background: (row, column, hex colour without ``#``).
    """

    key: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    widths: tuple[float, ...]
    groups: tuple[int, ...] = ()
    fills: tuple[tuple[int, int, str], ...] = ()


Block = Paragraph | Bullets | Subheading | Figure | PlanTable


@dataclass(frozen=True)
class PlanSection:
    """One numbered section of the plan: ``key`` (e.g. ``"zones"``), number, title and blocks.

    ``new_page``: the section starts on a new page when printed (else it follows on).
    """

    key: str
    number: int
    title: str
    blocks: tuple[Block, ...]
    new_page: bool = True

    @property
    def heading(self) -> str:
        """The heading as printed: ``"4. Zones, routes and evacuation centres"``."""
        return f"{self.number}. {self.title}"


@dataclass(frozen=True)
class Plan:
    """The whole plan, ready for a writer: cover, numbered sections and the page footer.

    Attributes
    ----------
    language : str
        ``"en"`` or ``"es"``.
    title : str
        The document's title.
    community : str
        The community the plan is for.
    scenario : str
        The scenario's name.
    date : datetime.date
        The plan's date.
    version : str
        The plan's version (``"0.1"`` for the draft drm writes).
    draft : str
        The "draft to be validated" line of the cover.
    cover : tuple of (str, str)
        Label and value lines of the cover (community, scenario, date, version, approval).
    cover_note : str
        Where the numbers come from and what the brackets mean.
    sections : tuple of PlanSection
        The numbered sections, in order.
    footer : str
        The footer of every page (the writers add the page number after it).
    contents : str
        The heading of the table of contents.
    toc_hint : str
        The placeholder text of the DOCX table-of-contents field.
    """

    language: str
    title: str
    community: str
    scenario: str
    date: _dt.date
    version: str
    draft: str
    cover: tuple[tuple[str, str], ...]
    cover_note: str
    sections: tuple[PlanSection, ...]
    footer: str
    contents: str
    toc_hint: str

    def section(self, key: str) -> PlanSection:
        """The section with this key (``"zones"``, ``"centres"``, ...)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def table(self, key: str) -> PlanTable:
        """The table with this key (``"zones"``, ``"centres"``, ``"triggers"``, ...)."""
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, PlanTable) and b.key == key:
                    return b
        raise KeyError(key)


# -- dates of the exercises ------------------------------------------------------------------------


def season_date(event: _dt.date | None, today: _dt.date) -> _dt.date:
    """The day the preparations count back from: the event's day of the year, at least 90 days ahead.

    Parameters
    ----------
    event : datetime.date or None
        The scenario's event date (its ``start``); None when the scenario has none.
    today : datetime.date
        The plan's date.

    Returns
    -------
    datetime.date
        The first anniversary of ``event`` (same month and day; 28 February for
        29 February in other years) at least 90 days after ``today``, so that
        every preparation of :func:`exercise_dates` is still ahead; ``today``
        plus 90 days when there is no event date.

    Examples
    --------
    >>> import datetime as dt
    >>> season_date(dt.date(2026, 10, 3), dt.date(2026, 12, 7))
    datetime.date(2027, 10, 3)
    >>> season_date(dt.date(2026, 10, 3), dt.date(2026, 5, 1))
    datetime.date(2026, 10, 3)
    >>> season_date(None, dt.date(2026, 5, 1))
    datetime.date(2026, 7, 30)
    """
    earliest = today + _dt.timedelta(days=_LEAD_DAYS)
    if event is None:
        return earliest
    for year in range(earliest.year - 1, earliest.year + 2):
        day = min(event.day, 28) if (event.month, event.day) == (2, 29) else event.day
        candidate = _dt.date(year, event.month, day)
        if candidate >= earliest:
            return candidate
    raise AssertionError("unreachable: some year within two of the earliest date fits")


def _add_months(day: _dt.date, months: int) -> _dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):  # the 31st of a 30-day month: its last day
        try:
            return _dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def exercise_dates(season: _dt.date) -> list[tuple[_dt.date, str, int]]:
    """The proposed exercise calendar counted from the season reference date.

    Parameters
    ----------
    season : datetime.date
        From :func:`season_date`.

    Returns
    -------
    list of (datetime.date, str, int)
        Date, activity (``validate``, ``tree``, ``check``, ``simex``, ``drill``,
        ``review``) and the drill's number (1-4, 0 for the other activities), in
        date order: the committee validates the plan 90 days before the season,
        tests the communication tree at 75, checks the centres and stock at 60,
        runs the simulation (tabletop) exercise at 45 and the first evacuation
        drill at 30 days before; then a drill every three months, and a review of
        the plan 120 days after the season reference date.

    Examples
    --------
    >>> import datetime as dt
    >>> calendar = exercise_dates(dt.date(2027, 10, 3))
    >>> [(d.isoformat(), a) for d, a, _ in calendar][:3]
    [('2027-07-05', 'validate'), ('2027-07-20', 'tree'), ('2027-08-04', 'check')]
    >>> [(d.isoformat(), a, n) for d, a, n in calendar][3:6]
    [('2027-08-19', 'simex', 0), ('2027-09-03', 'drill', 1), ('2027-12-03', 'drill', 2)]
    """
    before = [(90, "validate"), (75, "tree"), (60, "check"), (45, "simex")]
    out = [(season - _dt.timedelta(days=d), kind, 0) for d, kind in before]
    first = season - _dt.timedelta(days=30)
    out += [(_add_months(first, 3 * k), "drill", k + 1) for k in range(4)]
    out.append((season + _dt.timedelta(days=120), "review", 0))
    return sorted(out, key=lambda row: (row[0], row[2]))


# -- reading the run --------------------------------------------------------------------------------


@contextlib.contextmanager
def _outputs(result: ScenarioResult) -> Iterator[RunOutputs]:
    """The run's outputs as the report reads them: its folder, else written to a temporary one."""
    folder = result.out_dir
    if folder is not None and (Path(folder) / "summary.json").is_file():
        names = [Path(p).name for p in result.files.values()] or None
        yield load_outputs(folder, names)
        return
    from drm.report.webmap import write_map_layers

    with tempfile.TemporaryDirectory(prefix="drm-plan-") as tmp:
        written = result.to_files(tmp)
        written["map_layers"] = write_map_layers(result, tmp)
        yield load_outputs(tmp, [Path(p).name for p in written.values()])


def _finite(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _community(name: str) -> str:
    """The place in a scenario's name: the text before its first comma ("Valle Alto, 100-year storm")."""
    head = name.split(",", 1)[0].strip()
    return head or name


_RETURN_PERIOD = re.compile(r"\b(\d{1,5})\s*-?\s*(?:years?|yrs?|años?)\b", re.IGNORECASE)


def _return_period(result: ScenarioResult) -> float | None:
    """The storm's return period (years) as the scenario's name or description states it."""
    sc = result.scenario
    for source in (sc.name, sc.description or ""):
        m = _RETURN_PERIOD.search(source)
        if m:
            return float(m.group(1))
    return None


def _hours(seconds: float, text: PlanText) -> str:
    return f"{seconds / 3600:g} h" if seconds % 3600 == 0 else text.duration(seconds)


def _map_png(result: ScenarioResult, language: str) -> bytes:
    """The report's evacuation map (flood depth, routes, zones, centres) as PNG bytes."""
    import matplotlib.pyplot as plt

    from drm.report.figures import evacuation_map

    fig = evacuation_map(result, language=language)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=150)
    finally:
        plt.close(fig)
    return buf.getvalue()


# -- the sections ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What every section reads: the run, its outputs, the language and the section numbers."""

    result: Any
    out: RunOutputs
    text: PlanText
    clock: Any
    decisions: tuple[decide.ZoneDecision, ...]
    numbers: dict[str, int]
    today: _dt.date

    def when(self, seconds: Any, local: Any = None) -> str:
        return decide.when(self.text, self.clock, seconds, local)

    @property
    def acting(self) -> list[decide.ZoneDecision]:
        return [d for d in self.decisions if d.action != "no action"]

    @property
    def stem(self) -> str:
        src = self.result.scenario.source
        return Path(src).stem if src is not None else "scenario"

    @property
    def source(self) -> str:
        src = self.result.scenario.source
        return Path(src).name if src is not None else self.result.scenario.name


def _use_section(c: _Context) -> list[Block]:
    t, community = c.text, _community(c.result.scenario.name)
    return [
        Paragraph(t("p_use_1", community=community)),
        Paragraph(t("p_use_2", changes=c.numbers["changes"])),
        Paragraph(t("p_use_3")),
    ]


def _depth_classes(result: ScenarioResult, text: PlanText) -> str:
    flood = result.flood
    parts = []
    for low, high in zip(_DEPTH_CLASSES_M, (*_DEPTH_CLASSES_M[1:], None), strict=True):
        above = flood.flooded_area_m2(low)
        area = above - (flood.flooded_area_m2(high) if high is not None else 0.0)
        ha = text.number(area / 1e4)
        if high is None:
            parts.append(text("p_hz_depth_top", low=text.number(low, 2), area=ha))
        else:
            parts.append(
                text(
                    "p_hz_depth_class", low=text.number(low, 2), high=text.number(high, 2), area=ha
                )
            )
    return "; ".join(parts)


def _hazard_section(c: _Context) -> list[Block]:
    t, s, r = c.text, c.out.summary, c.result
    sc = r.scenario
    rain = (s.get("inputs") or {}).get("rainfall") or {}
    fl, w, ex = s.get("flood") or {}, s.get("warning") or {}, s.get("exposure") or {}
    rows: list[tuple[str, str]] = []
    years = _return_period(r)
    rows.append((
        t("p_hz_return"),
        t("p_hz_return_value", years=t.number(years), chance=t.percent(1.0 / years, 0 if years <= 100 else 1))
        if years else t("p_hz_return_unknown"),
    ))  # fmt: skip
    if rain:
        total = rain.get("total_dem_mean_mm", rain.get("total_mean_mm"))
        rows.append(
            (
                t("p_hz_rain"),
                t("p_hz_rain_value", mm=t.number(total), hours=t.number(rain.get("duration_h"))),
            )
        )
        rows.append((t("p_hz_peak"), f"{t.number(rain.get('peak_intensity_mm_h'))} mm/h"))
    for inflow in (s.get("inputs") or {}).get("inflows") or []:
        at = c.when(3600.0 * float(inflow["peak_time_h"]), inflow.get("peak_time_local"))
        rows.append((t("p_hz_river"), t("p_hz_river_value", q=t.number(inflow["peak_m3s"]), at=at)))
    depth = float(r.flood.ds.attrs.get("arrival_depth_m", 0.05))
    if fl:
        rows.append((t("p_hz_extent", depth=t.number(depth, 2)),
                     f"{t.number(fl.get('flooded_area_km2'), 2)} km²"))  # fmt: skip
        rows.append((t("p_hz_max_depth"), f"{t.number(fl.get('max_depth_m'), 1)} m"))
    rows.append((t("p_hz_depth_classes"), _depth_classes(r, t)))
    rows.append(
        (t("p_hz_first_water"), c.when(w.get("first_arrival_s"), w.get("first_arrival_local")))
    )
    rows.append((
        t("p_hz_at_risk", depth=t.number(sc.population.risk_depth_m, 2)),
        t("p_hz_at_risk_value", n=t.number(ex.get("persons_at_risk")), zones=ex.get("zones_at_risk", 0)),
    ))  # fmt: skip
    if _finite(ex.get("shelter_seekers")) is not None:
        rows.append((t("p_hz_seekers"), t.number(ex["shelter_seekers"])))
    rows.append((t("p_hz_places"), t.number((s.get("centres") or {}).get("capacity_persons"))))
    gaps = tuple(("⚠ " if bad else "") + line for line, bad in decide.shortfalls(c.out, t))
    blocks: list[Block] = [
        Paragraph(t("p_hazard_intro", description=sc.description or sc.name)),
        PlanTable(
            "hazard", (t("p_hz_item"), t("p_hz_value")), tuple(rows), (False, False), (2.0, 3.0)
        ),
        Figure(_map_png(r, t.language), t("cap_evacuation_map")),
    ]
    if gaps:
        blocks += [Subheading(t("p_h_run_shows")), Bullets(gaps)]
    return blocks


def _rule_text(c: _Context, level: str) -> str:
    t = c.text
    if level == "green":
        return t("p_below_yellow")
    rules = [
        t("p_rule", mm=t.number(getattr(rule, f"{level}_mm")), duration=_hours(rule.duration, t))
        for rule in c.result.scenario.warning.rain_thresholds
        if getattr(rule, f"{level}_mm") is not None
    ]
    return t("p_or").join(rules) if rules else t("p_no_rule")


def _condition_text(cond: Any, t: PlanText) -> str:
    """One condition of the scenario's protocol, in the plan's language."""
    kind = cond.kind
    if kind == "rain_mm":
        return t("p_cond_rain", mm=t.number(cond.rain_mm), duration=_hours(cond.window, t))
    if kind == "gauge_mark":
        return t("p_cond_mark", mark=cond.gauge_mark)
    if kind == "gauge_m":
        return t("p_cond_gauge", m=t.number(cond.gauge_m, 2))
    if kind == "indicators":
        return t("p_cond_signs", n=cond.indicators)
    return t("p_cond_clock", under=t.duration(cond.arrival_minus_clearance))


def _protocol_text(c: _Context, level: str) -> str | None:
    """The ``[[triggers]]`` conditions that raise ``level`` (None: the scenario has no protocol)."""
    triggers = c.result.scenario.triggers
    if not triggers:
        return None
    t = c.text
    parts = []
    for trig in triggers:
        if trig.level == level:
            joint = t("p_or") if trig.combine == "any" else t("p_and")
            parts.append(joint.join(_condition_text(cond, t) for cond in trig.when))
    return t("p_or").join(parts) if parts else t("p_no_rule")


def _observers_table(c: _Context) -> list[Block]:
    """Who watches what, the community's marks and what they mean, and how they report."""
    obs = c.result.inputs.observers
    if obs is None or not len(obs):
        return []
    t = c.text
    rows = []
    for pid, r in obs.iterrows():
        kind = r["kind"]
        if kind == "staff_gauge":
            levels = [(lvl, r[f"{lvl}_m"]) for lvl in ("yellow", "orange", "red")]
            marks = {round(v, 6): k for k, v in (r["marks"] or {}).items()}
            watch = t("p_watch_gauge") + "; ".join(
                f"{t(f'p_lvl_{lvl}')}: {marks.get(round(m, 6), t.number(m, 2) + ' m')}"
                for lvl, m in levels if np.isfinite(m)
            )  # fmt: skip
        elif kind == "rain_gauge":
            watch = t("p_watch_rain", duration=_hours(r["window_s"], t)) + "; ".join(
                f"{t(f'p_lvl_{lvl}')}: {t.number(1000.0 * r[f'{lvl}_m'])} mm"
                for lvl in ("yellow", "orange", "red") if np.isfinite(r[f"{lvl}_m"])
            )  # fmt: skip
        else:
            level = ("green", "yellow", "orange", "red")[int(r["indicator_level"])]
            watch = t("p_watch_sign", sign=r["indicator"], level=t(f"p_lvl_{level}"))
        who = r.get("observer")
        rows.append((
            f"{pid} {r['name']}", who if isinstance(who, str) and who else t("p_to_name"), watch,
            t("p_reports_by", channel=t.data(r["channel"]), delay=t.duration(r["delay_s"])),
        ))  # fmt: skip
    heads = tuple(t(k) for k in ("p_col_point", "p_col_observer", "p_col_watch", "p_col_report"))
    return [
        Subheading(t("p_h_observers")),
        Paragraph(t("p_observers_intro")),
        PlanTable("observers", heads, tuple(rows), (False,) * 4, (1.8, 1.8, 3.8, 1.6)),
    ]


def _role(level_index: int, order_index: int) -> str:
    if level_index == 0:
        return "green"
    if level_index < order_index:
        return "watch" if level_index == 1 else "ready"
    return "order" if level_index == order_index else "escalate"


def _triggers_section(c: _Context) -> list[Block]:
    t, w = c.text, c.result.scenario.warning
    summary_w = c.out.summary.get("warning") or {}
    first = summary_w.get("first_alert_s") or {}
    first_local = summary_w.get("first_alert_local") or {}
    order_index = _LEVELS.index(w.order_on)
    rows, fills = [], []
    for i, level in enumerate(_LEVELS):
        role = _role(i, order_index)
        at = _finite(first.get(level))
        if level == "green":
            in_run = t("p_normal")
        elif at is None:
            in_run = t("p_not_reached")
        else:
            in_run = t("p_reached_at", at=c.when(at, first_local.get(level)))
        protocol = None if level == "green" else _protocol_text(c, level)
        rows.append((
            t(f"p_lvl_{level}"), protocol or _rule_text(c, level),
            t(f"p_what_{role}", zones=c.numbers["zones"]), t(f"p_who_{role}"), in_run,
        ))  # fmt: skip
        fills.append((i, 0, LEVEL_FILLS[level]))
    trigger_head = "p_col_trigger_protocol" if c.result.scenario.triggers else "p_col_trigger"
    headers = tuple(
        t(k) for k in ("p_col_level", trigger_head, "p_col_what", "p_col_who", "p_col_in_run")
    )
    blocks: list[Block] = [
        PlanTable("triggers", headers, tuple(rows), (False,) * 5, (1.25, 1.8, 2.2, 3.8, 1.8), fills=tuple(fills))
    ]  # fmt: skip
    if c.result.scenario.triggers:
        blocks.append(Paragraph(t("p_protocol_note")))
    blocks += _observers_table(c)
    level_name = t(f"level_{w.order_on}")
    order, alert = c.result.order_time_s, _finite(first.get(w.order_on))
    alert_text = c.when(alert, first_local.get(w.order_on)) if alert is not None else None
    if order is None:
        blocks.append(Paragraph(t("p_order_none", level=level_name), "alert"))
    elif w.order_time is not None:
        rules = (
            t("p_rules_alert", level=level_name, alert=alert_text)
            if alert_text is not None
            else t("p_rules_never", level=level_name)
        )
        blocks.append(Paragraph(t("p_order_fixed", at=c.when(order), rules=rules)))
    else:
        blocks.append(Paragraph(t("p_order_alert", level=level_name, at=c.when(order))))
    timed = [d for d in c.acting if d.action == "evacuate" and d.order_by_s is not None]
    if timed:
        earliest = min(timed, key=lambda d: d.order_by_s)
        blocks.append(Paragraph(t(
            "p_deadline", zones=c.numbers["zones"], dissemination=t.duration(w.dissemination),
            margin=t.duration(w.margin), at=c.when(earliest.order_by_s, earliest.order_by_local),
            zone=earliest.name,
        )))  # fmt: skip
        early = [d.name for d in timed if alert is None or d.order_by_s < alert]
        if early:
            blocks.append(Paragraph(t(
                "p_too_early", n=len(early), zones=", ".join(early), level=level_name,
                alert=alert_text if alert is not None else t("p_not_reached"),
            ), "alert"))  # fmt: skip
    from drm.scenario.schema import WarningSection

    if tuple(w.rain_thresholds) == tuple(WarningSection().rain_thresholds):
        blocks.append(Paragraph(t("p_default_rules"), "note"))
    return blocks


def _trip(d: decide.ZoneDecision, text: PlanText) -> str:
    return text.duration(None if d.travel_s is None else 60.0 * round(d.travel_s / 60.0))


def _zones_section(c: _Context) -> list[Block]:
    t = c.text
    mode = (c.out.summary.get("evacuation") or {}).get("mode") or c.result.scenario.evacuation.mode
    rows = []
    for d in c.acting:
        if d.action == "prepare":
            rows.append(
                (d.name, t("p_act_prepare"), t.number(d.persons), "–", "–", "–", "–", t("p_leader"))
            )
            continue
        order_by = c.when(d.order_by_s, d.order_by_local) if d.order_by_s is not None else "–"
        centre = f"{d.centre} {d.centre_name or ''}".strip() if d.centre else "–"
        rows.append((d.name, t("p_act_evacuate"), t.number(d.persons), order_by, centre,
                     ", ".join(d.roads) or "–", _trip(d, t), t("p_leader")))  # fmt: skip
    blocks: list[Block] = [Paragraph(t("p_zones_intro"))]
    if rows:
        headers = tuple(t(k) for k in ("p_col_zone", "p_col_action", "p_col_persons", "p_col_order_by",
                                       "p_col_centre", "p_col_route"))  # fmt: skip
        headers += (t("p_col_drive" if mode == "drive" else "p_col_walk"), t("p_col_leader"))
        numeric = (False, False, True, False, False, False, True, False)
        widths = (1.6, 0.9, 1.1, 1.8, 1.8, 1.8, 0.9, 1.6)
        blocks.append(PlanTable("zones", headers, tuple(rows), numeric, widths))
    else:
        blocks.append(Paragraph(t("p_no_zones")))
    idle = [d.name for d in c.decisions if d.action == "no action"]
    if idle:
        blocks.append(Paragraph(t("p_idle_zones", zones=", ".join(idle)), "note"))
    return blocks


_GROUP_COLUMNS = (
    ("female", "p_col_women"),
    ("male", "p_col_men"),
    ("child_under_5", "p_col_under5"),
    ("older_60", "p_col_over60"),
    ("disability", "p_col_disability"),
    ("pregnant", "p_col_pregnant"),
)


def _vulnerable_section(c: _Context) -> list[Block]:
    from drm.demographics import ZoneProfiles

    t, exposure = c.text, c.result.exposure
    groups = exposure.demographics("persons_at_risk")
    rows = []
    for d in c.acting:
        if d.zone not in groups.index:
            continue
        g = groups.loc[d.zone]
        rows.append(
            (d.name, t.number(g["person"]), *(t.number(g[col]) for col, _ in _GROUP_COLUMNS))
        )
    total = groups.loc["total"]
    rows.append(
        (
            t("p_total"),
            t.number(total["person"]),
            *(t.number(total[col]) for col, _ in _GROUP_COLUMNS),
        )
    )
    headers = (t("p_col_zone"), t("p_col_persons"), *(t(k) for _, k in _GROUP_COLUMNS))
    profile = exposure.profile
    note = (t("p_vuln_census") if isinstance(profile, ZoneProfiles)
            else t("p_vuln_profile", profile=getattr(profile, "name", "?")))  # fmt: skip
    return [
        Paragraph(t("p_vuln_intro")),
        PlanTable("vulnerable", headers, tuple(rows), (False,) + (True,) * 7, (2.0,) + (1.0,) * 7),
        Paragraph(note, "note"),
    ]


def _centre_label(cid: Any, row: pd.Series) -> str:
    name = row.get("name")
    return f"{cid} {name}".strip() if isinstance(name, str) else str(cid)


def _count(text: PlanText, value: Any) -> str:
    return "–" if _finite(value) is None else text.number(value)


def _centres_section(c: _Context) -> list[Block]:
    t = c.text
    centres = c.out.table("centres")
    if centres is None:
        centres = c.result.centres
    listed, wash = [], []
    for cid, r in centres.iterrows():
        label = _centre_label(cid, r)
        why = r.get("excluded_because")
        if not isinstance(why, str) or not why.strip():
            why = r.get("unavailable_reason")
        if bool(r.get("used", False)):
            use = t("p_use_used")
        elif isinstance(why, str) and why.strip():
            use = t("p_use_no", why=t.data(why))
        else:
            use = t("p_use_spare")
        kind = str(r.get("type", "") or "")
        peak = r.get("peak_occupancy")
        listed.append((label, t.maybe(f"p_type_{kind}", kind.replace("_", " ")),
                       _count(t, r.get("capacity_persons")),
                       _count(t, peak) if _finite(peak) is not None else "–", use, t("p_manager")))  # fmt: skip
        cap, toilets = _finite(r.get("capacity_persons")), _finite(r.get("toilets"))
        per_toilet = t.number(cap / toilets) if cap is not None and toilets else "–"
        access = r.get("accessible")
        access = "–" if access is None or (isinstance(access, float) and np.isnan(access)) else (
            t("p_yes") if str(access).strip().lower() in ("true", "1", "yes") else t("p_no"))  # fmt: skip
        wash.append((label, _count(t, r.get("toilets")), _count(t, r.get("showers")), _count(t, r.get("taps")),
                     _count(t, r.get("water_storage_l")), access, per_toilet))  # fmt: skip
    heads = tuple(t(k) for k in ("p_col_centre", "p_col_type", "p_col_capacity", "p_col_peak",
                                 "p_col_use", "p_col_manager"))  # fmt: skip
    wash_heads = tuple(t(k) for k in ("p_col_centre", "p_col_toilets", "p_col_showers", "p_col_taps",
                                      "p_col_storage", "p_col_accessible", "p_col_per_toilet"))  # fmt: skip
    blocks: list[Block] = [
        Subheading(t("p_h_centres_list")),
        PlanTable("centres", heads, tuple(listed), (False, False, True, True, False, False),
                  (2.4, 1.1, 1.0, 1.1, 2.0, 2.0)),
        Subheading(t("p_h_wash")),
        PlanTable("wash", wash_heads, tuple(wash), (False,) + (True,) * 4 + (False, True),
                  (2.6, 0.9, 0.9, 0.9, 1.1, 1.0, 1.2)),
        Paragraph(t("p_wash_note"), "note"),
        Subheading(t("p_h_preposition")),
    ]  # fmt: skip
    blocks += _preposition_blocks(c, centres)
    return blocks


def _preposition_blocks(c: _Context, centres: pd.DataFrame) -> list[Block]:
    t = c.text
    if c.out.table("shelter_summary") is None:
        return [Paragraph(t("p_prep_no_run"), "note")]
    plan = decide.preposition(c.out)
    if plan.empty:
        return [Paragraph(t("p_prep_none"))]
    rows = []
    for cid, g in plan.groupby("centre", sort=False):
        label = _centre_label(cid, centres.loc[cid]) if cid in centres.index else str(cid)
        items = "; ".join(
            f"{t.item(str(r.item))}: {t.amount(r.quantity)}"
            + (f" {t.unit(str(r.unit))}" if str(r.unit).strip().lower() in MEASURED_UNITS else "")
            for r in g.itertuples()
        )
        rows.append((label, items))
    heads = (t("p_col_centre"), t("p_col_items"))
    return [
        PlanTable("preposition", heads, tuple(rows), (False, False), (1.0, 3.0)),
        Paragraph(t("prep_note"), "note"),
    ]


def _communication_section(c: _Context) -> list[Block]:
    t, sc = c.text, c.result.scenario
    groups = c.result.exposure.demographics("persons_at_risk")
    name = t("p_name_phone")
    committee, sectors, brigades, homes = (t(k) for k in ("p_tier_committee", "p_tier_sector",
                                                          "p_tier_brigades", "p_tier_households"))  # fmt: skip
    centres_too = f"{t('p_tells_sectors')}, {t('p_tells_sector_centres')}"
    rows = [
        (t("p_tier_source"), t("p_role_source"), name, t("p_ch_source"), t("p_tells_committee")),
        (committee, t("p_role_coordinator"), name, t("p_ch_committee"), centres_too),
        (committee, t("p_role_ews"), name, t("p_ch_committee"), t("p_tells_committee")),
        (committee, t("p_role_logistics"), name, t("p_ch_committee"), t("p_tells_sector_centres")),
    ]
    households = 0.0
    for d in c.acting:
        hh = float(groups.loc[d.zone, "household"]) if d.zone in groups.index else float("nan")
        households += hh if np.isfinite(hh) else 0.0
        role = t("p_role_sector", zone=d.name, households=t.number(hh), persons=t.number(d.persons))
        rows.append((sectors, role, name, t("p_ch_sector"), t("p_tells_brigades")))
    for key in ("p_role_brigade_evacuation", "p_role_brigade_first_aid", "p_role_brigade_centres"):
        rows.append((brigades, t(key), name, t("p_ch_brigades"), t("p_tells_households")))
    channels = ", ".join(t.maybe(f"p_channel_{ch.name}", ch.name) for ch in sc.evacuation.channels)
    rows.append((homes, t("p_role_households", households=t.number(households)), "—",
                 channels or "–", t("p_tells_up")))  # fmt: skip
    heads = tuple(
        t(k)
        for k in ("p_col_tier", "p_col_role", "p_col_name_phone", "p_col_channel", "p_col_tells")
    )
    blocks: list[Block] = [
        Paragraph(t("p_tree_intro", dissemination=t.duration(sc.warning.dissemination))),
        Paragraph(t("p_tree_line"), "lead"),
        PlanTable("communication", heads, tuple(rows), (False,) * 5, (1.2, 2.8, 2.0, 1.8, 1.6)),
    ]
    hh = c.out.table("evacuation_households")
    first_by = (hh.groupby("channel")["persons"].sum()
                if hh is not None and {"channel", "persons"} <= set(hh.columns) else None)  # fmt: skip
    ch_rows = []
    for ch in sc.evacuation.channels:
        reached = t.number(first_by.get(ch.name, 0.0)) if first_by is not None else "–"
        ch_rows.append((t.maybe(f"p_channel_{ch.name}", ch.name), t.percent(ch.reach), t.duration(ch.delay),
                        reached, t("p_owner")))  # fmt: skip
    if ch_rows:
        heads = tuple(t(k) for k in ("p_col_channel", "p_col_reach", "p_col_delay", "p_col_first_by",
                                     "p_col_in_charge"))  # fmt: skip
        blocks += [
            Subheading(t("p_h_channels")),
            PlanTable("channels", heads, tuple(ch_rows), (False, True, True, True, False),
                      (1.8, 1.0, 1.2, 1.6, 2.0)),
        ]  # fmt: skip
    if hh is not None and {"warned", "persons"} <= set(hh.columns):
        unwarned = float(hh.loc[~hh["warned"].astype(bool), "persons"].sum())
        if unwarned >= _ANYONE:
            blocks.append(Paragraph(t("p_unwarned", n=t.number(unwarned)), "alert"))
    return blocks


def _event_date(c: _Context) -> _dt.date | None:
    start = c.clock.datetime(0.0) if c.clock.known else None
    return start.date() if start is not None else None


def _exercises_section(c: _Context) -> list[Block]:
    t = c.text
    event = _event_date(c)
    season = season_date(event, c.today)
    names = [d.name for d in c.acting]
    groups = [list(g) for g in np.array_split(np.array(names, dtype=object), 4)] if names else []
    rows = []
    for day, kind, n in exercise_dates(season):
        if kind == "drill":
            zones = groups[n - 1] if n - 1 < len(groups) and len(groups[n - 1]) else []
            activity = t("p_ex_drill", n=n, zones=", ".join(zones) or t("p_ex_all_zones"))
        else:
            activity = t(f"p_ex_{kind}", scenario=c.stem)
        rows.append((day.isoformat(), activity, t(f"p_ex_{kind}_who"), t("p_owner"), BOX))
    if event is None:
        intro = t("p_ex_intro_today", today=c.today.isoformat())
    else:
        later = season.year != event.year
        intro = t(
            "p_ex_intro", season=season.isoformat(), or_today=t("p_ex_next_year") if later else ""
        )
    heads = tuple(t(k) for k in ("p_col_when", "p_col_activity", "p_col_who_takes_part", "p_col_owner",
                                 "p_col_done"))  # fmt: skip
    return [
        Paragraph(intro),
        PlanTable("exercises", heads, tuple(rows), (False,) * 5, (1.1, 4.0, 1.8, 1.7, 0.6)),
    ]


def _checklist_section(c: _Context) -> list[Block]:
    t = c.text
    flagged = [ch for ch in mend_checklist(c.out, t) if ch.status == "flag"]
    refs = {
        "triggers": c.numbers["triggers"],
        "zones": c.numbers["zones"],
        "centres": c.numbers["centres"],
    }
    rows: list[tuple[str, ...]] = []
    groups = []
    for phase in PHASES:
        groups.append(len(rows))
        rows.append((t(phase), "", "", ""))
        stem = phase.removeprefix("phase_")
        k = 1
        while f"p_chk_{stem}_{k}" in PLAN_TEXT:
            rows.append(
                (t(f"p_chk_{stem}_{k}", **refs), t("p_owner"), t("p_due"), t("p_status_boxes"))
            )
            k += 1
        for ch in flagged:
            if ch.phase == phase:
                rows.append((t("p_from_run", item=ch.item, detail=ch.detail), t("p_owner"), t("p_due"),
                             t("p_status_boxes")))  # fmt: skip
    heads = tuple(t(k) for k in ("p_col_activity", "p_col_owner", "p_col_due", "p_col_status"))
    return [
        Paragraph(t("p_chk_intro")),
        PlanTable(
            "checklist",
            heads,
            tuple(rows),
            (False,) * 4,
            (4.2, 1.8, 1.0, 1.9),
            groups=tuple(groups),
        ),
    ]


def _changes_section(c: _Context, version: str) -> list[Block]:
    t = c.text
    rows = [(version, c.today.isoformat(), t("p_first_version", source=c.source), t("p_signature"))]
    rows += [("", "", "", "")] * 3
    heads = tuple(t(k) for k in ("p_col_version", "p_date", "p_col_changes", "p_col_approved"))
    return [PlanTable("changes", heads, tuple(rows), (False,) * 4, (0.8, 1.1, 3.5, 2.4))]


def _sources_section(c: _Context) -> list[Block]:
    t, r, s = c.text, c.result, c.out.summary
    ds = r.flood.ds
    size = abs(float(ds["x"].values[1] - ds["x"].values[0])) if ds.sizes["x"] > 1 else float("nan")
    run = t(
        "p_src_run", drm=s.get("drm_version", "?"), source=c.source, seed=r.scenario.seed,
        cells=t.number(ds.sizes["x"] * ds.sizes["y"]), size=t.number(size),
        days=t.number(r.scenario.shelter.days),
    )  # fmt: skip
    return [
        Paragraph(run),
        Paragraph(t("p_src_not_forecast")),
        Paragraph(t("p_src_report", scenario=c.stem), "note"),
    ]


#: Sections that follow on the page of the one before when printed (the others start a page).
_FOLLOW_ON = frozenset({"use", "vulnerable", "sources"})
_SECTIONS = (
    ("use", "p_h_use"),
    ("hazard", "p_h_hazard"),
    ("triggers", "p_h_triggers"),
    ("zones", "p_h_zones"),
    ("vulnerable", "p_h_vulnerable"),
    ("centres", "p_h_centres"),
    ("communication", "p_h_communication"),
    ("exercises", "p_h_exercises"),
    ("checklist", "p_h_checklist"),
    ("changes", "p_h_changes"),
    ("sources", "p_h_sources"),
)


def build_plan(
    result: ScenarioResult,
    *,
    language: str | None = None,
    today: _dt.date | None = None,
    version: str = "0.1",
) -> Plan:
    """The contingency plan of a run, as content for the DOCX and HTML writers.

    Parameters
    ----------
    result : ScenarioResult
        A completed run (:func:`drm.run_scenario`). Its output folder is only
        read; a run without one has its tables written to a temporary folder.
    language : {"en", "es"}, optional
        Language of the plan; default the scenario's.
    today : datetime.date, optional
        The plan's date, from which the exercise calendar counts (default: today).
    version : str
        The plan's version on the cover and in the change log.

    Returns
    -------
    Plan
        Cover and eleven numbered sections (``use``, ``hazard``, ``triggers``,
        ``zones``, ``vulnerable``, ``centres``, ``communication``, ``exercises``,
        ``checklist``, ``changes``, ``sources``); :meth:`Plan.table` gives a table
        by key (``zones``: one row per zone with people at risk, the most urgent
        first, as the report's first screen orders them).

    Raises
    ------
    InputError
        An unknown language.

    Examples
    --------
    >>> result = drm.run_scenario("valle_alto", progress=False)  # doctest: +SKIP
    >>> plan = build_plan(result, language="es")  # doctest: +SKIP
    >>> plan.table("zones").headers[:3]  # doctest: +SKIP
    ('Zona', 'Acción', 'Personas en riesgo')
    """
    lang = language or result.scenario.language
    text = PlanText(lang)  # an unknown language raises here, before any work
    day = today or _dt.date.today()
    numbers = {key: k + 1 for k, (key, _) in enumerate(_SECTIONS)}
    with _outputs(result) as out:
        ctx = _Context(
            result=result, out=out, text=text, clock=decide.event_clock(out.summary),
            decisions=tuple(decide.zone_decisions(out, text)), numbers=numbers, today=day,
        )  # fmt: skip
        build = {
            "use": _use_section, "hazard": _hazard_section, "triggers": _triggers_section,
            "zones": _zones_section, "vulnerable": _vulnerable_section, "centres": _centres_section,
            "communication": _communication_section, "exercises": _exercises_section,
            "checklist": _checklist_section, "changes": lambda c: _changes_section(c, version),
            "sources": _sources_section,
        }  # fmt: skip
        sections = tuple(
            PlanSection(
                key, numbers[key], text(title), tuple(build[key](ctx)), key not in _FOLLOW_ON
            )
            for key, title in _SECTIONS
        )
        drm_version = out.summary.get("drm_version", "?")
    sc = result.scenario
    community = _community(sc.name)
    cover = (
        (text("p_community"), community),
        (text("p_scenario"), sc.name),
        (text("p_date"), day.isoformat()),
        (text("p_version"), text("p_version_value", version=version, drm=drm_version)),
        (text("p_approved"), text("p_approved_value")),
    )
    return Plan(
        language=lang, title=text("p_subtitle", community=community), community=community,
        scenario=sc.name, date=day, version=version, draft=text("p_draft"), cover=cover,
        cover_note=text("p_cover_note", source=ctx.source), sections=sections,
        footer=text("p_footer", community=community, version=version), contents=text("p_contents"),
        toc_hint=text("p_toc_field"),
    )  # fmt: skip


def _formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    asked = (formats,) if isinstance(formats, str) else tuple(formats)
    unknown = [f for f in asked if f not in FORMATS]
    if unknown or not asked:
        raise InputError(
            f"formats={asked!r}: give one or more of {', '.join(FORMATS)}"
            + (f" (unknown: {', '.join(map(str, unknown))})" if unknown else "")
        )
    return tuple(f for f in FORMATS if f in asked)


def write_plan(
    result: ScenarioResult,
    out_dir: str | os.PathLike[str],
    *,
    language: str | None = None,
    formats: Iterable[str] | str = FORMATS,
    today: _dt.date | None = None,
) -> dict[str, Path]:
    """Write the community contingency plan of a run: ``plan.docx``, ``plan.html``, ``plan.pdf``.

    Parameters
    ----------
    result : ScenarioResult
        A completed run (:func:`drm.run_scenario`); its own output folder is not changed.
    out_dir : str or path-like
        Folder for the plan files (created).
    language : {"en", "es"}, optional
        Language of the plan; default the scenario's.
    formats : iterable of str or str
        Any of ``"docx"`` (editable, python-docx), ``"html"`` (self-contained,
        prints on A4) and ``"pdf"`` (the HTML page printed by headless Chromium).
    today : datetime.date, optional
        The plan's date, from which the exercise calendar counts (default: today).

    Returns
    -------
    dict of str to pathlib.Path
        The files written, by format. ``pdf`` is missing, with a
        :class:`~drm.errors.DrmWarning` saying how to get it, when no Chromium
        is installed or it fails.

    Raises
    ------
    InputError
        An unknown language or format.
    MissingDependencyError
        ``docx`` asked for and python-docx is not installed.

    Examples
    --------
    >>> result = drm.run_scenario("valle_alto", "results/valle_alto", progress=False)  # doctest: +SKIP
    >>> sorted(write_plan(result, "results/valle_alto_plan", language="es"))  # doctest: +SKIP
    ['docx', 'html', 'pdf']
    """
    from drm.io import atomic_path
    from drm.report import plan_html

    fmts = _formats(formats)
    plan = build_plan(result, language=language, today=today)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if "docx" in fmts:
        from drm.report.plan_docx import write_docx

        written["docx"] = write_docx(plan, out / "plan.docx")
    page = plan_html.render_html(plan)
    if "html" in fmts:
        target = out / "plan.html"
        with atomic_path(target) as tmp:
            tmp.write_text(page, encoding="utf-8")
        written["html"] = target
    if "pdf" in fmts:
        pdf = plan_html.print_pdf(page, out / "plan.pdf")
        if pdf is not None:
            written["pdf"] = pdf
    return written
