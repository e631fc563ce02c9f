"""Write a scenario's outputs into its folder: flood NetCDF, tables, figures, summary and report.

Every file is written atomically (a temporary file, then a rename), so a run
stopped half-way never leaves a half-written output behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from drm.io import atomic_path
from drm.units import DAY

if TYPE_CHECKING:
    from drm.scenario.run import ScenarioResult

__all__ = ["figures", "shelter_items", "tables", "write_outputs", "write_table"]


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write a table as UTF-8 CSV, atomically."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, encoding="utf-8")
    return path


def tables(result: ScenarioResult) -> dict[str, pd.DataFrame]:
    """The result's tables by file stem."""
    out: dict[str, pd.DataFrame] = {}
    zones = result.exposure.zones.copy()
    if result.decision is not None:
        zones = zones.join(
            result.decision.table.drop(columns=["arrival_s"], errors="ignore"), how="left"
        )
    out["zones"] = zones
    centres = result.centres.drop(columns=["geometry"], errors="ignore").copy()
    if result.operations is not None:
        centres["peak_occupancy"] = (
            result.operations.ds["occupancy"].max("time").to_series().reindex(centres.index)
        )
    out["centres"] = centres
    if result.alerts is not None:
        out["alerts"] = result.alerts.levels
    if result.evacuation is not None:
        ev = result.evacuation
        out["evacuation_households"] = ev.households
        out["evacuation_timeline"] = ev.timeline
        out["evacuation_arrivals"] = ev.arrivals.to_pandas()
        out["evacuation_roads"] = ev.roads
    if result.operations is not None:
        ops = result.operations
        out["shelter_summary"] = ops.summary
        out["shelter_items"] = shelter_items(ops)
        out["shelter_occupancy"] = ops.ds["occupancy"].to_pandas().rename_axis(index="time_s")
        out["shelter_stockouts"] = ops.stockouts
        out["shelter_deliveries"] = ops.deliveries
    if result.assessment is not None:
        out["assessment"] = result.assessment.table
    return out


def shelter_items(operations: Any) -> pd.DataFrame:
    """Stock and needs per item, all centres together.

    Columns: ``unit``, ``basis``, ``stock_start`` (every site, start of the
    run), ``demand``, ``delivered``, ``consumed``, ``unmet`` (item units),
    ``fill_rate``, ``first_stockout_s``, ``centres_short`` (centres with unmet
    demand), ``peak_need_per_day`` (the largest daily need of all centres
    together, items used per day only) and ``days_of_cover_at_peak``
    (``stock_start`` over that need; NaN for items handed out once).
    """
    ds = operations.ds
    by = operations.summary.groupby(level="item", sort=False)
    out = by[["unit", "basis"]].first()
    out["stock_start"] = ds["stock"].isel(time=0).sum("site").to_series()
    out = out.join(by[["demand", "delivered", "consumed", "unmet"]].sum())
    out["fill_rate"] = (out["consumed"] / out["demand"]).where(out["demand"] > 0)
    out["first_stockout_s"] = by["first_stockout_s"].min()
    out["centres_short"] = by["unmet"].agg(lambda u: int((u > 1e-6).sum()))
    demand = ds["demand"].sum("centre")
    per_day = (demand.diff("time") / ds["time"].diff("time") * DAY).max("time")
    used_daily = ds["days_of_cover"].notnull().any(("time", "centre"))
    out["peak_need_per_day"] = per_day.where(used_daily).to_series()
    need = out["peak_need_per_day"]
    out["days_of_cover_at_peak"] = (out["stock_start"] / need).where(need > 0, np.nan)
    return out


def figures(result: ScenarioResult, language: str | None = None) -> dict[str, Any]:
    """The result's figures by file stem (matplotlib Figures).

    ``language`` labels the report figures (default: the scenario's language).
    """
    from drm.report.figures import arrival_map, evacuation_map, hazard_map, input_map, timeline

    lang = language or result.scenario.language
    figs: dict[str, Any] = {
        "input_map": input_map(result.inputs, language=lang),
        "flood": result.flood.plot(),
        "exposure": result.exposure.plot(),
        "hazard_map": hazard_map(result, language=lang),
        "arrival_map": arrival_map(result, language=lang),
        "evacuation_map": evacuation_map(result, language=lang),
    }
    if result.evacuation is not None:
        figs["evacuation"] = result.evacuation.plot()
    if result.operations is not None:
        figs["shelter"] = result.operations.plot()
    figs["timeline"] = timeline(result, language=lang)
    return figs


def write_outputs(result: ScenarioResult, out: Path) -> dict[str, Path]:
    """Write every output of a run into ``out`` and return the files by name.

    Files: ``summary.json``, ``flood.nc``, one CSV per table (zones, centres,
    alerts, evacuation households/timeline/arrivals/roads, shelter summary,
    items, occupancy, stock-outs, deliveries, assessment), one PNG per figure
    and ``report.html``, built from those files (:func:`drm.report.write_report`).
    """
    from drm.hazard.store import save_flood
    from drm.report import write_report
    from drm.report.figures import save_figure
    from drm.scenario.run import write_json

    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {"summary": write_json(result.summary, out / "summary.json")}
    files["flood"] = save_flood(result.flood, out / "flood.nc")
    for stem, table in tables(result).items():
        files[stem] = write_table(table, out / f"{stem}.csv")
    for stem, fig in figures(result).items():
        files[f"{stem}_png"] = save_figure(fig, out / f"{stem}.png")
    files["report"] = write_report(out)
    return files
