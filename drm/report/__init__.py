"""Figures, tables and the HTML report built from a scenario's results.

The figures (:mod:`drm.report.figures`) are drawn from a
:class:`~drm.scenario.result.ScenarioResult`; the report (:func:`write_report`)
only reads the files a run wrote, so ``drm report OUT_DIR`` rebuilds it in
either language without rerunning anything; :func:`write_map_layers` adds
the geometry its pan-and-zoom map needs (``map_layers.json``);
:func:`write_plan` writes the community contingency plan (DOCX, HTML, PDF).
"""

from drm.report.figures import (
    arrival_map,
    evacuation_map,
    hazard_map,
    input_map,
    save_figure,
    timeline,
)
from drm.report.html import write_report
from drm.report.i18n import Text
from drm.report.plan import write_plan
from drm.report.webmap import write_map_layers

__all__ = [
    "Text",
    "arrival_map",
    "evacuation_map",
    "hazard_map",
    "input_map",
    "save_figure",
    "timeline",
    "write_map_layers",
    "write_plan",
    "write_report",
]
