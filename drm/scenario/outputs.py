"""Write a scenario's outputs into its folder: data files, figures and the report.

Every file is written atomically (a temporary file, then a rename), so a run
stopped half-way never leaves a half-written output behind. The data files
come from :meth:`drm.scenario.result.ScenarioResult.to_files`; this module
adds the figures (:mod:`drm.report.figures`) and ``report.html``, which
:func:`drm.report.write_report` builds from the files alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drm import report
from drm.errors import MissingDependencyError, warn
from drm.io.geotiff import flood_cogs
from drm.io.vectors import write_layers
from drm.scenario.gis import gis_layers
from drm.scenario.result import ScenarioResult

__all__ = ["figures", "write_outputs"]


def figures(result: ScenarioResult, language: str | None = None) -> dict[str, Any]:
    """The result's figures by file stem (matplotlib Figures).

    Parameters
    ----------
    result : ScenarioResult
        A completed run.
    language : {"en", "es"}, optional
        Language of the report figures' labels (default: the scenario's).

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``input_map``, ``flood``, ``exposure``, ``hazard_map``,
        ``arrival_map``, ``evacuation_map``, ``timeline``, and ``evacuation``
        and ``shelter`` when those stages ran.
    """
    lang = language or result.scenario.language
    figs: dict[str, Any] = {
        "input_map": report.input_map(result.inputs, language=lang),
        "flood": result.flood.plot(),
        "exposure": result.exposure.plot(),
        "hazard_map": report.hazard_map(result, language=lang),
        "arrival_map": report.arrival_map(result, language=lang),
        "evacuation_map": report.evacuation_map(result, language=lang),
    }
    if result.evacuation is not None:
        figs["evacuation"] = result.evacuation.plot()
    if result.operations is not None:
        figs["shelter"] = result.operations.plot()
    figs["timeline"] = report.timeline(result, language=lang)
    return figs


def write_outputs(result: ScenarioResult, out: Path) -> dict[str, Path]:
    """Write every output of a run into ``out`` and return the files by name.

    Parameters
    ----------
    result : ScenarioResult
        A completed run.
    out : pathlib.Path
        The output folder (created).

    Returns
    -------
    dict of str to pathlib.Path
        ``summary.json``, ``flood.nc``, one CSV per table (zones, centres,
        alerts, evacuation households/timeline/arrivals/roads, shelter
        summary, items, occupancy, stock-outs, deliveries, assessment), one
        PNG per figure (``<stem>_png``), the CAP 1.2 alerts (``cap/<identifier>``,
        files ``cap/<identifier>.xml``; ``summary["cap"]`` says how many and
        whether they were checked against the CAP 1.2 schema) and ``report``,
        the ``report.html`` built from those files.
    """
    cap = _cap_files(result, out)
    files = result.to_files(out)
    files.update(cap)
    try:
        files.update(flood_cogs(result.flood, out, start=result.clock.start))
    except MissingDependencyError as err:  # a plain install: the rest of the outputs still come
        warn(f"GeoTIFF maps not written: {err}")
    for name, path in write_layers(gis_layers(result), out).items():
        files[f"gis_{name}"] = path
    for stem, fig in figures(result).items():
        files[f"{stem}_png"] = report.save_figure(fig, out / f"{stem}.png")
    files["map_layers"] = report.write_map_layers(result, out)
    files["report"] = report.write_report(
        out, files=[p.name for p in files.values()]
    )  # this run's files only
    return files


def _cap_files(result: ScenarioResult, out: Path) -> dict[str, Path]:
    """Write the run's CAP 1.2 alerts into ``out/cap`` and record them in the summary.

    Each message is checked against the CAP 1.2 schema when its package is
    installed (``drm[cap]``); otherwise the summary says they were not checked.
    """
    from drm.warning.cap import scenario_cap, validate_cap, write_cap

    messages = scenario_cap(result)
    if not messages:
        return {}
    try:
        checked: bool | str = validate_cap(messages) == len(messages)
    except MissingDependencyError as err:
        checked = False
        warn(f"CAP alerts written but not checked against the CAP 1.2 schema: {err}")
    paths = write_cap(messages, out / "cap")
    result.summary["cap"] = {
        "messages": len(messages),
        "folder": "cap",
        "schema_checked": checked,
        "source": "triggers" if result.triggers is not None else "rain alerts",
    }
    return {f"cap/{p.stem}": p for p in paths}
