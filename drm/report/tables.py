"""Read a run's output folder and turn its tables into readable ones for the report.

:func:`load_outputs` reads ``summary.json``, the CSV tables and finds the
PNG figures; the ``*_table`` functions give :class:`Table` objects of
formatted text (rounded numbers, units in the headers, times as "3h20m after
the start") in the report's language, with a status class on the cells that
need attention. Nothing here reruns a stage.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drm.errors import DataNotFoundError
from drm.evacuation.simulation import SAFE_GROUND
from drm.io._files import read_run_manifest
from drm.report.i18n import Text
from drm.shelter.needs import whole_units
from drm.warning.observations import key_reports

__all__ = [
    "LATE",
    "Cell",
    "RunOutputs",
    "Table",
    "assessment_table",
    "centres_table",
    "decision_table",
    "destinations",
    "destinations_table",
    "failures_table",
    "load_outputs",
    "stock_table",
    "zones_table",
    "zones_with",
]

#: CSV tables the report reads, with their index column(s).
_CSV = {
    "zones": "zone",
    "centres": "id",
    "alerts": "time_s",
    "observations": None,
    "protocol": "zone",
    "assessment": None,
    "evacuation_households": None,
    "evacuation_timeline": "time_s",
    "shelter_items": "item",
    "shelter_occupancy": "time_s",
    "shelter_stockouts": None,
    "shelter_summary": None,
}
#: Units of items measured rather than counted (litres, kilograms, ...): their quantities stay as they are.
MEASURED_UNITS = ("l", "kg", "g", "m", "m2", "m²", "m3", "m³")


def whole_unless_measured(quantity: float, unit: str) -> float:
    """A quantity of an item as a person hands it out: counted items (kits, rations) rounded up to whole units.

    Examples
    --------
    >>> whole_unless_measured(0.2, "kit"), whole_unless_measured(42775.9, "L")
    (1.0, 42775.9)
    """
    if pd.isna(quantity) or str(unit).strip().lower() in MEASURED_UNITS:
        return float(quantity)
    return float(whole_units(quantity))


#: Decision statuses of zones where the order came too late.
LATE = ("too late", "after arrival")
#: Assessment units of yes/no checks and shortfalls that are an action, not an amount.
_YES_NO = "yes=1"
_ACTIONS = ("access to build", "move or protect the centre")


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and an optional status.

    ``"ok"``, ``"warn"``, ``"flag"`` (needs action: shaded and marked ⚠) or
    ``"bad"`` (shaded only, for cells that carry their own mark).
    """

    text: str
    status: str = ""


@dataclass(frozen=True)
class Table:
    """A readable table: headers (with units), rows of cells, and which columns are numbers."""

    headers: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]
    numeric: tuple[bool, ...]
    note: str = ""


@dataclass(frozen=True)
class RunOutputs:
    """What a run wrote: its summary, tables (DataFrames by file stem) and figures (paths by stem).

    ``flood`` holds a few facts read from ``flood.nc`` (empty without it):
    ``rows``, ``cols``, ``cell_size_m``, ``end_s`` (end of the run),
    ``relative_error`` (volume balance), ``wet_peak`` and ``wet_end`` (cells
    deeper than the arrival depth at the peak and at the end).
    """

    folder: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    flood: dict[str, float] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame | None:
        """A table by file stem, or None when the run did not write it."""
        return self.tables.get(name)


def load_outputs(out_dir: str | os.PathLike[str], files: Iterable[str] | None = None) -> RunOutputs:
    """Read the summary, tables and figure paths of an output folder.

    Only the run's own files are read: those named in ``files``, else those
    its manifest (``drm-manifest.json``) lists; a folder without a manifest
    (written by an older drm, or mid-run with ``files`` not given) is read whole.

    Parameters
    ----------
    out_dir : str or path-like
        The output folder.
    files : iterable of str, optional
        File names the run wrote (``summary.json``, ``zones.csv``, ...).

    Returns
    -------
    RunOutputs

    Raises
    ------
    DataNotFoundError
        The folder has no ``summary.json`` (it is not a drm output folder).
    """
    folder = Path(out_dir)
    path = folder / "summary.json"
    if not path.is_file():
        raise DataNotFoundError(
            f"no summary.json in {folder}: not a drm output folder (write one with `drm run SCENARIO --out {folder}`)"
        )
    summary = json.loads(path.read_text(encoding="utf-8"))
    if files is None:
        manifest = read_run_manifest(folder)
        files = manifest.get("files") if manifest is not None else None
    ours = None if files is None else {Path(f).name for f in files}

    def mine(p: Path) -> bool:
        return p.is_file() and (ours is None or p.name in ours)

    tables = {}
    for stem, index in _CSV.items():
        csv = folder / f"{stem}.csv"
        if mine(csv):
            df = pd.read_csv(csv, encoding="utf-8", keep_default_na=True)
            if index is None and df.columns[0].startswith("Unnamed"):
                df = df.drop(columns=df.columns[0])
            tables[stem] = df.set_index(index) if index is not None and index in df.columns else df
    figures = {p.stem: p for p in sorted(folder.glob("*.png")) if mine(p)}
    flood = _flood_facts(folder / "flood.nc") if mine(folder / "flood.nc") else {}
    return RunOutputs(folder, summary, tables, figures, flood)


def _flood_facts(path: Path) -> dict[str, float]:
    if not path.is_file():
        return {}
    import xarray as xr

    with xr.open_dataset(path, decode_times=False) as ds:  # seconds since the event start
        depth = float(ds.attrs.get("arrival_depth_m", 0.05))
        return {
            "rows": ds.sizes["y"],
            "cols": ds.sizes["x"],
            "cell_size_m": float(abs(ds["x"].values[1] - ds["x"].values[0])),
            "end_s": float(ds["time"].values[-1]),
            "relative_error": float(ds.attrs.get("volume_relative_error", np.nan)),
            "wet_peak": int((ds["max_depth"] >= depth).sum()),
            "wet_end": int((ds["depth"].isel(time=-1) >= depth).sum()),
        }


def _num(text: Text, value: Any, decimals: int = 0) -> Cell:
    return Cell(text.number(value, decimals))


def _zone(text: Text, zid: Any, row: pd.Series) -> Cell:
    return Cell(text.zone_name(zid, row.get("name")))


def _at_risk(zones: pd.DataFrame) -> pd.DataFrame:
    return zones[zones["persons_at_risk"] > 0]


def _status(text: Text, status: Any, row: pd.Series | None = None) -> Cell:
    """A zone's decision status; a zone with people at risk and no order in the run says so, in red."""
    if not isinstance(status, str):
        no_order = (
            row is not None
            and row.get("persons_at_risk", 0.0) >= 0.5
            and pd.isna(row.get("order_s"))
        )
        return Cell(text("status_no_order"), "flag") if no_order else Cell("–")
    css = "flag" if status in LATE else "warn" if status == "margin used" else "ok"
    return Cell(text.data(status), css)


def zones_with(out: RunOutputs, text: Text, statuses: Sequence[str]) -> list[str]:
    """Names of the zones whose decision status is one of ``statuses``, most urgent first."""
    zones = out.table("zones")
    if zones is None or "status" not in zones:
        return []
    sel = zones[zones["status"].isin(list(statuses))].sort_values("latest_order_s", kind="stable")
    return [text.zone_name(z, r.get("name")) for z, r in sel.iterrows()]


def decision_table(out: RunOutputs, text: Text) -> Table | None:
    """Per zone with people at risk, earliest deadline first: first water, latest safe order, margin, status."""
    zones = out.table("zones")
    if zones is None or "latest_order_s" not in zones:
        return None
    z = _at_risk(zones).sort_values("latest_order_s", kind="stable")
    rows = []
    for zid, r in z.iterrows():
        slack = r.get("slack_s", np.nan)
        rows.append((
            _zone(text, zid, r),
            _num(text, r["persons_at_risk"]),
            Cell(text.duration(r["first_at_risk_s"])),
            Cell(text.duration(r["latest_order_s"])),
            Cell(text.signed_duration(slack), "flag" if slack < 0 else "ok") if np.isfinite(slack) else Cell("–"),
            _status(text, r.get("status"), r),
        ))  # fmt: skip
    headers = (
        "col_zone",
        "col_at_risk",
        "col_first_water",
        "col_latest_order",
        "col_slack",
        "col_status",
    )
    return Table(tuple(text(h) for h in headers), rows, (False, True, False, False, True, False))


def destinations(out: RunOutputs) -> pd.DataFrame | None:
    """Persons per zone by where they ended: centres, safe ground, caught, no space, stranded, stayed."""
    hh = out.table("evacuation_households")
    if hh is None or "zone" not in hh:
        return None
    where = np.select(
        [(hh["outcome"] == "safe") & (hh["centre"] == SAFE_GROUND), hh["outcome"] == "safe"],
        [SAFE_GROUND, "centres"],
        hh["outcome"].astype(str),
    )
    cols = ["centres", SAFE_GROUND, "caught", "no space", "stranded", "stayed", "en route"]
    return (
        hh.groupby([hh["zone"], where])["persons"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(columns=cols, fill_value=0.0)
    )


def destinations_table(out: RunOutputs, text: Text) -> Table | None:
    """Per zone: people at risk and where they went (centres, safe ground) or what stopped them."""
    dest = destinations(out)
    zones = out.table("zones")
    if dest is None or zones is None:
        return None
    z = _at_risk(zones).sort_values("persons_at_risk", ascending=False)
    rows = []
    for zid, r in z.iterrows():
        d = dest.loc[zid] if zid in dest.index else pd.Series(0.0, index=dest.columns)
        rows.append((
            _zone(text, zid, r),
            _num(text, r["persons_at_risk"]),
            _num(text, d["centres"]),
            _num(text, d[SAFE_GROUND]),
            Cell(text.number(d["caught"]), "flag" if d["caught"] >= 0.5 else ""),
            Cell(text.number(d["no space"]), "flag" if d["no space"] >= 0.5 else ""),
            Cell(text.number(d["stranded"]), "flag" if d["stranded"] >= 0.5 else ""),
            _num(text, d["stayed"]),
        ))  # fmt: skip
    headers = ("col_zone", "col_at_risk", "col_to_centres", "col_to_ground", "col_caught", "col_no_space",
               "col_stranded", "col_stayed")  # fmt: skip
    return Table(tuple(text(h) for h in headers), rows, (False, *([True] * 7)))


def _failures_by_centre(out: RunOutputs, text: Text) -> dict[str, list[str]]:
    a = out.table("assessment")
    if a is None:
        return {}
    failed = a[a["status"] == "fails"]
    return {str(c): [text.data(i) for i in g["indicator"]] for c, g in failed.groupby("centre")}


def centre_arrivals(out: RunOutputs) -> pd.Series:
    """Persons who reached each centre in the run (empty without an evacuation)."""
    hh = out.table("evacuation_households")
    if hh is None or not {"centre", "outcome"} <= set(hh.columns):
        return pd.Series(dtype=float)
    safe = hh[(hh["outcome"] == "safe") & hh["centre"].notna() & (hh["centre"] != SAFE_GROUND)]
    return safe.groupby("centre")["persons"].sum()


def centres_table(out: RunOutputs, text: Text) -> Table | None:
    """Every candidate centre: capacity, peak occupancy and its share, depth at the site, used or why not, failures."""
    c = out.table("centres")
    if c is None:
        return None
    fails = _failures_by_centre(out, text)
    arrived = centre_arrivals(out)
    evacuated = bool(out.summary.get("evacuation"))
    rows = []
    for cid, r in c.iterrows():
        used = bool(r["used"])  # usable: not excluded
        peak = r.get("peak_occupancy", np.nan)
        share = peak / r["capacity_persons"] if used and r["capacity_persons"] > 0 else np.nan
        why = r.get("excluded_because")
        if not used:
            use = Cell(text.data(str(why)), "flag")
        elif not evacuated:
            use = Cell(text("usable_no_evacuation"))
        elif arrived.get(cid, 0.0) >= 0.5:
            use = Cell(text("used_by", n=text.number(arrived[cid])), "ok")
        else:
            use = Cell(text("usable_not_used"))
        rows.append((
            Cell(str(cid)),
            Cell(str(r.get("name", ""))),
            _num(text, r["capacity_persons"]),
            _num(text, peak) if used else Cell("–"),
            Cell(text.percent(share), "flag" if share > 1.0 + 1e-9 else "") if np.isfinite(share) else Cell("–"),
            _num(text, r["max_depth_m"], 2),
            use,
            Cell(", ".join(fails.get(str(cid), [])) or ("–" if not used else text("none")),
                 "flag" if fails.get(str(cid)) else ""),
        ))  # fmt: skip
    headers = ("col_centre", "col_name", "col_capacity", "col_peak", "col_peak_share", "col_site_depth",
               "col_use", "col_failed")  # fmt: skip
    return Table(
        tuple(text(h) for h in headers), rows, (False, False, True, True, True, True, False, False)
    )


def stock_table(out: RunOutputs, text: Text) -> Table | None:
    """Per item: stock at the start, need, what was short, first stock-out, days of cover at the peak."""
    items = out.table("shelter_items")
    if items is None:
        return None
    items = (
        items[items["demand"] > 0]
        .assign(short=lambda d: d["unmet"] / d["demand"])
        .sort_values("short", ascending=False)
    )
    rows = []
    for item, r in items.iterrows():
        short = r["unmet"] > 1e-6 * max(r["demand"], 1.0)
        unit = text.unit(str(r["unit"]))
        rows.append((
            Cell(text.item(str(item))),
            Cell(unit),
            Cell(text.amount(r["stock_start"])),
            Cell(text.amount(whole_unless_measured(r["demand"], r["unit"]))),
            Cell(text.amount(whole_unless_measured(r["unmet"], r["unit"])), "flag" if short else "ok"),
            Cell(text.percent(r["fill_rate"]), "flag" if short else "ok"),
            Cell(text.duration(r["first_stockout_s"]) if np.isfinite(r["first_stockout_s"]) else text("never")),
            _num(text, r["days_of_cover_at_peak"], 1) if np.isfinite(r["days_of_cover_at_peak"]) else Cell("–"),
        ))  # fmt: skip
    headers = ("col_item", "col_unit", "col_stock_start", "col_need", "col_unmet", "col_fill", "col_first_stockout",
               "col_cover")  # fmt: skip
    return Table(tuple(text(h) for h in headers), rows, (False, False, True, True, True, True, False, True),
                 note=text("stock_note"))  # fmt: skip


def assessment_table(out: RunOutputs, text: Text) -> Table | None:
    """Centre x indicator grid: ✓ meets, ✗ fails, ? no data, – not occupied."""
    a = out.table("assessment")
    if a is None or a.empty:
        return None
    order = list(dict.fromkeys(a["indicator"]))
    grid = a.pivot(index="centre", columns="indicator", values="status")[order]
    marks = {
        "meets": ("✓", "ok"),
        "fails": ("✗", "flag"),
        "no data": ("?", "warn"),
        "not occupied": ("–", ""),
    }
    rows = [
        (Cell(str(cid)), *(Cell(*marks.get(s, (str(s), ""))) for s in r))
        for cid, r in grid.iterrows()
    ]
    return Table((text("col_centre"), *(text.data(i) for i in order)), rows, (False, *([False] * len(order))),
                 note=text("assessment_note"))  # fmt: skip


def _value(text: Text, value: float, unit: str) -> str:
    if unit == _YES_NO:
        return text("yes") if value >= 1 else text("no")
    return f"{text.amount(value)} {text.unit(unit)}"


def _shortfall(text: Text, value: float, unit: str) -> str:
    if unit in _ACTIONS:
        return text.data(unit)
    return f"{text.amount(value)} {text.data(unit)}"


def failures_table(out: RunOutputs, text: Text) -> Table | None:
    """The failed checks with value, target and what to add."""
    a = out.table("assessment")
    if a is None:
        return None
    failed = a[a["status"] == "fails"]
    if failed.empty:
        return None
    rows = [
        (
            Cell(str(r["centre"])),
            Cell(text.data(r["indicator"])),
            Cell(_value(text, r["value"], str(r["unit"]))),
            Cell(f"{r['comparison']} {_value(text, r['target'], str(r['unit']))}"),
            Cell(_shortfall(text, r["shortfall"], str(r["shortfall_unit"])), "flag"),
        )
        for _, r in failed.iterrows()
    ]
    headers = ("col_centre", "col_indicator", "col_value", "col_target", "col_shortfall")
    return Table(tuple(text(h) for h in headers), rows, (False, False, True, True, True))


def zones_table(out: RunOutputs, text: Text) -> Table | None:
    """Every zone: residents, people at risk, shelter seekers and the parts of its decision clock."""
    zones = out.table("zones")
    if zones is None:
        return None
    rows = []
    for zid, r in zones.iterrows():
        rows.append((
            Cell(str(zid)),
            _zone(text, zid, r),
            _num(text, r["residents"]),
            _num(text, r["persons_at_risk"]),
            _num(text, r.get("shelter_seekers", np.nan)),
            Cell(text.duration(r["first_at_risk_s"])),
            *(Cell(text.duration(r.get(c, np.nan))) for c in ("dissemination_s", "response_s", "clearance_s",
                                                               "margin_s")),
            Cell(text.duration(r.get("latest_order_s", np.nan))),
            _status(text, r.get("status"), r),
        ))  # fmt: skip
    headers = ("col_id", "col_zone", "col_residents", "col_at_risk", "col_seekers", "col_first_water",
               "col_dissemination", "col_response", "col_clearance", "col_margin", "col_latest_order",
               "col_status")  # fmt: skip
    numeric = (False, False, True, True, True, False, True, True, True, True, False, False)
    return Table(tuple(text(h) for h in headers), rows, numeric)


_LEVEL_KEYS = ("level_green", "level_yellow", "level_orange", "level_red")
_LEVEL_CSS = ("", "warn", "warn", "flag")


def _level_at(alerts: pd.DataFrame | None, t: float) -> int:
    """The town's rain alert level (code) at ``t`` (s), 0 before the first row or without alerts."""
    if alerts is None or not len(alerts) or not np.isfinite(t):
        return 0
    index = alerts.index.to_numpy(float)
    k = int(np.searchsorted(index, t, side="right")) - 1
    return int(alerts.select_dtypes("number").iloc[k].max()) if k >= 0 else 0


def report_phrase(text: Text, row: pd.Series) -> str:
    """What an observation row says, as the committee hears it: "1,45 m (raíz del bucare)", "34 mm en 3h"."""
    kind = row["kind"]
    mark = row.get("mark")
    mark = mark if isinstance(mark, str) and mark.strip() else ""
    if kind == "staff_gauge":
        value = f"{text.number(row['value'], 2)} m"
        return f"{value} ({mark})" if mark else value
    if kind == "rain_gauge":  # unit "m of rain in 3h"
        window = str(row.get("unit", "")).rpartition(" in ")[2]
        return text("rain_in", mm=text.number(1000.0 * float(row["value"]), 0), window=window)
    if kind == "rumour":
        return text("rumour_said", text=mark)
    return mark or str(row.get("name", ""))


def community_table(out: RunOutputs, text: Text) -> Table | None:
    """What the community reported and when, beside what the model said at that moment.

    One row per key report (:func:`drm.warning.key_reports`): when it reached the committee,
    the point, what was seen (the community's mark or sign), the level it means,
    channel and origin, and, at that moment, the model's rain alert for the town
    and the zones the water had reached.
    """
    obs = out.table("observations")
    reports = key_reports(obs) if obs is not None else None
    if reports is None or not len(reports):
        return None
    alerts, zones = out.table("alerts"), out.table("zones")
    reached_at = (
        pd.to_numeric(zones["first_at_risk_s"], errors="coerce").dropna().to_numpy(float)
        if zones is not None and "first_at_risk_s" in zones
        else np.array([])
    )
    rows = []
    for _, r in reports.iterrows():
        t = float(r["reported_s"])
        code = int(r["level"]) if pd.notna(r["level"]) else 0
        rain = _level_at(alerts, t)
        rumour = r["kind"] == "rumour"
        origin = str(r.get("source", "") or "")
        rows.append((
            Cell(text.clock(t)),
            Cell("–" if rumour else str(r.get("name") or r.get("point"))),
            Cell(report_phrase(text, r), "warn" if rumour else ""),
            Cell(text("rumour_level") if rumour else text(_LEVEL_KEYS[code]),
                 "warn" if rumour else _LEVEL_CSS[code]),
            Cell(text.data(r["channel"]) if isinstance(r.get("channel"), str) and r["channel"] else "–"),
            Cell(text.data(f"origin_{origin}") if origin else "–"),
            Cell(text(_LEVEL_KEYS[rain]), _LEVEL_CSS[rain]),
            _num(text, int((reached_at <= t).sum())),
        ))  # fmt: skip
    headers = ("col_reported", "col_point", "col_seen", "col_level", "col_channel",
               "col_origin", "col_model_alert", "col_zones_reached")  # fmt: skip
    numeric = (False, False, False, False, False, False, False, True)
    return Table(tuple(text(h) for h in headers), rows, numeric, text("note_key_reports"))


def protocol_table(out: RunOutputs, text: Text) -> Table | None:
    """Per zone, earliest first: when the trigger protocol reached each level and on what, against arrival."""
    table = out.table("protocol")
    if table is None or not len(table):
        return None
    zones = out.table("zones")
    t = table.sort_values("first_orange_s", kind="stable", na_position="last")
    rows = []
    for zid, r in t.iterrows():
        info = (
            zones.loc[zid] if zones is not None and zid in zones.index else pd.Series(dtype=object)
        )
        cells = [Cell(text.zone_name(zid, info.get("name")))]
        for level in ("yellow", "orange", "red"):
            first, src = r[f"first_{level}_s"], r.get(f"{level}_source")
            where = (
                f" ({text.data('source_' + str(src).replace(' ', '_'))})"
                if isinstance(src, str) and src
                else ""
            )
            cells.append(Cell(text.duration(first) + where if pd.notna(first) else "–"))
        lead = r.get("lead_time_s", np.nan)
        cells += [
            Cell(text.duration(r.get("arrival_s"))),
            Cell(text.duration(r.get("latest_order_s"))),
            Cell(text.signed_duration(lead), "flag" if lead < 0 else "ok")
            if pd.notna(lead)
            else Cell("–"),
        ]
        rows.append(tuple(cells))
    headers = ("col_zone", "col_first_yellow", "col_first_orange", "col_first_red",
               "col_first_water", "col_latest_order", "col_protocol_lead")  # fmt: skip
    numeric = (False, False, False, False, False, False, True)
    return Table(tuple(text(h) for h in headers), rows, numeric, text("note_protocol"))
