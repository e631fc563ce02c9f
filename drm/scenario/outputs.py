"""Write a scenario's outputs into its folder: flood NetCDF, tables, figures, summary and report.

Every file is written atomically (a temporary file, then a rename), so a run
stopped half-way never leaves a half-written output behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from drm.io import atomic_path

if TYPE_CHECKING:
    from drm.scenario.run import ScenarioResult

__all__ = ["figures", "tables", "write_outputs", "write_table"]


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
        out["shelter_summary"] = result.operations.summary
        out["shelter_stockouts"] = result.operations.stockouts
        out["shelter_deliveries"] = result.operations.deliveries
    if result.assessment is not None:
        out["assessment"] = result.assessment.table
    return out


def figures(result: ScenarioResult) -> dict[str, Any]:
    """The result's figures by file stem (matplotlib Figures)."""
    from drm.report.figures import input_map

    figs: dict[str, Any] = {"input_map": input_map(result.inputs), "flood": result.flood.plot()}
    figs["exposure"] = result.exposure.plot()
    if result.evacuation is not None:
        figs["evacuation"] = result.evacuation.plot()
    if result.operations is not None:
        figs["shelter"] = result.operations.plot()
    return figs


def write_outputs(result: ScenarioResult, out: Path) -> dict[str, Path]:
    """Write every output of a run into ``out`` and return the files by name.

    Files: ``summary.json``, ``flood.nc``, one CSV per table (zones, centres,
    alerts, evacuation households/timeline/arrivals/roads, shelter summary,
    stock-outs, deliveries, assessment) and one PNG per figure.
    """
    from drm.hazard.store import save_flood
    from drm.report.figures import save_figure
    from drm.scenario.run import write_json

    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {"summary": write_json(result.summary, out / "summary.json")}
    files["flood"] = save_flood(result.flood, out / "flood.nc")
    for stem, table in tables(result).items():
        files[stem] = write_table(table, out / f"{stem}.csv")
    for stem, fig in figures(result).items():
        files[f"{stem}_png"] = save_figure(fig, out / f"{stem}.png")
    return files
