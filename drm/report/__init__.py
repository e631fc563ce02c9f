"""Figures, tables and the HTML report built from a scenario's results."""

from drm.report.figures import input_map, save_figure

__all__ = ["input_map", "save_figure"]
