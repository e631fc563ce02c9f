"""Report figures: each function returns a matplotlib Figure; :func:`save_figure` writes it atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from drm.io import atomic_path
from drm.plotting import OKABE_ITO, add_scale_bar, map_axes, plot_hillshade

if TYPE_CHECKING:
    from drm.scenario.inputs import ScenarioInputs

__all__ = ["input_map", "save_figure"]

_ROAD_STYLE = {
    "trunk": (2.4, "#333333"),
    "primary": (2.0, "#333333"),
    "secondary": (1.6, "#444444"),
    "tertiary": (1.2, "#555555"),
}


def input_map(inputs: ScenarioInputs) -> Figure:
    """Map of a scenario's inputs: terrain, population density, roads, centres, warehouses.

    Parameters
    ----------
    inputs : ScenarioInputs
        From :func:`drm.scenario.load_inputs`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(8.5, 7.5), layout="constrained")
    map_axes(ax)
    plot_hillshade(inputs.dem, ax)
    pop = inputs.population
    cell_ha = float(abs(pop["x"].values[1] - pop["x"].values[0])) ** 2 / 1e4
    density = np.where(pop.values > 0, pop.values / cell_ha, np.nan)
    xs, ys = pop["x"].values, pop["y"].values
    half = abs(xs[1] - xs[0]) / 2
    im = ax.imshow(
        density,
        extent=(xs.min() - half, xs.max() + half, ys.min() - half, ys.max() + half),
        origin="upper" if ys[0] > ys[-1] else "lower",
        cmap="magma_r",
        alpha=0.55,
        interpolation="nearest",
    )
    fig.colorbar(im, ax=ax, shrink=0.6, label="population density (persons/ha)")
    G = inputs.roads
    for u, v, d in G.edges(data=True):
        if d.get("reversed"):
            continue
        geom = d.get("geometry")
        xy = (
            np.asarray(geom.coords)
            if geom is not None
            else np.array([[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]])
        )
        width, colour = _ROAD_STYLE.get(str(d.get("highway")), (0.7, "#666666"))
        if d.get("bridge") in ("yes", True):
            width, colour = 3.0, OKABE_ITO[5]
        ax.plot(xy[:, 0], xy[:, 1], lw=width, color=colour, solid_capstyle="round", zorder=3)
    c = inputs.centres
    ax.scatter(c["x"], c["y"], s=70, marker="s", color=OKABE_ITO[2], edgecolor="white", zorder=5)
    for cid, row in c.iterrows():
        ax.annotate(
            str(cid),
            (row["x"], row["y"]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=7,
            zorder=6,
        )
    handles = [
        Line2D([], [], color="#333333", lw=2, label="main roads"),
        Line2D([], [], color=OKABE_ITO[5], lw=3, label="bridges"),
        Line2D([], [], marker="s", ls="", color=OKABE_ITO[2], label="candidate centres"),
    ]
    if inputs.warehouses is not None:
        w = inputs.warehouses
        ax.scatter(
            w["x"], w["y"], s=90, marker="^", color=OKABE_ITO[4], edgecolor="white", zorder=5
        )
        handles.append(Line2D([], [], marker="^", ls="", color=OKABE_ITO[4], label="warehouses"))
    for inflow in inputs.scenario.hazard.inflows:
        ax.scatter(
            [inflow.x], [inflow.y], s=120, marker="v", color=OKABE_ITO[1], edgecolor="k", zorder=6
        )
        handles.append(Line2D([], [], marker="v", ls="", color=OKABE_ITO[1], label="river inflow"))
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
    add_scale_bar(ax)
    ax.set_title(f"{inputs.scenario.name}: inputs")
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150) -> Path:
    """Save a figure atomically as PNG (or the format of the suffix) and close it."""
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=dpi, format=target.suffix.lstrip(".") or "png")
    plt.close(fig)
    return target
