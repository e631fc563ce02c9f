"""Drawing helpers shared by the report maps: road lines, route use, the town's extent, labels, centres.

Everything here draws on Axes given by the caller and returns nothing but
what the caller needs for its legend, so the public figure functions in
:mod:`drm.report.figures` stay short.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import matplotlib.patheffects as pe
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from drm.plotting import OKABE_ITO
from drm.report.i18n import Text

__all__ = [
    "CAUGHT",
    "CENTRE_EXCLUDED",
    "CENTRE_USED",
    "ROUTE",
    "centre_handles",
    "draw_centres",
    "draw_roads",
    "edge_xy",
    "label_zones",
    "road_handles",
    "road_use",
    "town_extent",
]

CENTRE_USED = OKABE_ITO[2]  # bluish green
CENTRE_EXCLUDED = "#FFFFFF"
ROUTE = OKABE_ITO[0]  # orange
CAUGHT = OKABE_ITO[5]  # vermillion
_OPEN = "#5a5a5a"
_CLOSED = "#000000"
_HALO = [pe.withStroke(linewidth=2.5, foreground="white")]
_INJECT_MARK: dict[str, Any] = {"marker": "D", "ms": 8, "color": OKABE_ITO[6], "mec": "k", "ls": ""}


def edge_xy(G: nx.MultiDiGraph, u: Any, v: Any, data: dict[str, Any]) -> np.ndarray:
    """Coordinates (n, 2) of an edge: its geometry, else the straight line between its nodes."""
    geom = data.get("geometry")
    if geom is not None:
        return np.asarray(geom.coords, dtype=float)
    return np.array([[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]])


def _pair(u: Any, v: Any, data: dict[str, Any]) -> tuple[Any, ...]:
    """One key for both directions of a street (same end nodes and road id)."""
    a, b = sorted((u, v), key=str)
    return (a, b, data.get("road_id"))


def draw_roads(ax: Axes, G: nx.MultiDiGraph, injected: Collection[Any] = ()) -> None:
    """Draw each street once: open ones grey, closed by the flood dashed, closed by an inject dotted.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    G : networkx.MultiDiGraph
        Roads with an optional ``closure_time_s`` per edge (finite: the flood closes it).
    injected : collection of road ids
        Roads closed by a training inject (marked with a diamond).
    """
    seen: set[tuple[Any, ...]] = set()
    groups: dict[str, list[np.ndarray]] = {"inject": [], "closed": [], "open": []}
    for u, v, d in G.edges(data=True):
        key = _pair(u, v, d)
        if key in seen:
            continue
        seen.add(key)
        xy = edge_xy(G, u, v, d)
        if d.get("road_id") in injected:
            groups["inject"].append(xy)
            mid = xy[len(xy) // 2] if len(xy) > 2 else xy.mean(axis=0)
            ax.plot(*mid, **_INJECT_MARK, zorder=7)
        elif np.isfinite(d.get("closure_time_s", np.inf)):
            groups["closed"].append(xy)
        else:
            groups["open"].append(xy)
    # one collection per style: thousands of streets draw in one call each
    styles = {
        "inject": {"colors": OKABE_ITO[6], "linewidths": 2.2, "linestyles": [(0, (1, 1))], "zorder": 6},
        "closed": {"colors": _CLOSED, "linewidths": 1.2, "linestyles": [(0, (3, 1.5))], "zorder": 6},
        "open": {"colors": _OPEN, "linewidths": 0.8, "linestyles": "solid", "zorder": 3},
    }
    for name, lines in groups.items():
        if lines:
            ax.add_collection(LineCollection(lines, capstyle="round", **styles[name]))


def road_handles(text: Text, injected: bool) -> list[Line2D]:
    """Legend entries for :func:`draw_roads`."""
    out = [
        Line2D([], [], color=_OPEN, lw=0.8, label=text("fig_road_open")),
        Line2D([], [], color=_CLOSED, lw=1.2, ls=(0, (3, 1.5)), label=text("fig_road_flooded")),
    ]
    if injected:
        out.append(
            Line2D(
                [], [], color=OKABE_ITO[6], lw=1.8, ls=(0, (1, 1.2)), label=text("fig_road_inject")
            )
        )
    return out


def road_use(G: nx.MultiDiGraph, roads: pd.DataFrame) -> pd.DataFrame:
    """Persons (or vehicles) carried per street and direction, from the simulation's road table.

    Returns
    -------
    pandas.DataFrame
        One row per used edge: ``u``, ``v``, ``pair`` (street key), ``load``, ``xy``.
    """
    rows = []
    for _, r in roads.iterrows():
        u, v, k = r["u"], r["v"], r["key"]
        d = G.edges[u, v, k]
        rows.append((u, v, _pair(u, v, d), float(r["persons_or_vehicles"]), edge_xy(G, u, v, d)))
    return pd.DataFrame(rows, columns=["u", "v", "pair", "load", "xy"])


def town_extent(
    points: list[np.ndarray], bounds: tuple[float, float, float, float], pad_m: float = 250.0
) -> tuple[float, float, float, float]:
    """Box ``(xmin, xmax, ymin, ymax)`` around point sets (n, 2), padded and clipped to ``bounds``.

    ``bounds`` is ``(xmin, ymin, xmax, ymax)`` as :func:`drm.grids.grid_bounds` returns.
    """
    xy = np.vstack([p for p in points if len(p)])
    xy = xy[np.isfinite(xy).all(axis=1)]
    x0, y0 = xy.min(axis=0) - pad_m
    x1, y1 = xy.max(axis=0) + pad_m
    bx0, by0, bx1, by1 = bounds
    return max(x0, bx0), min(x1, bx1), max(y0, by0), min(y1, by1)


def label_zones(ax: Axes, zones: pd.DataFrame, text: Text, *, with_time: bool = False) -> None:
    """Write the names of the zones with people at risk at the centre of those people.

    Zone 0 (people outside every given zone) is scattered and gets no label.
    """
    at_risk = zones[(zones["persons_at_risk"] > 0) & zones["x"].notna() & (zones.index != 0)]
    for zid, z in at_risk.iterrows():
        label = text.zone_name(zid, z.get("name"))
        if with_time and np.isfinite(z["first_at_risk_s"]):
            label += f"\n{text.duration(z['first_at_risk_s'])}"
        ax.annotate(
            label,
            (z["x"], z["y"]),
            ha="center",
            va="center",
            fontsize=7,
            style="italic",
            color="#222222",
            path_effects=_HALO,
            zorder=8,
        )


def draw_centres(ax: Axes, centres: pd.DataFrame, *, labels: bool = True) -> None:
    """Used centres as green squares, excluded ones as white crosses, with their ids."""
    used = centres[centres["used"].astype(bool)]
    excluded = centres[~centres["used"].astype(bool)]
    ax.scatter(
        used["x"], used["y"], s=60, marker="s", color=CENTRE_USED, edgecolor="k", lw=0.8, zorder=7
    )
    ax.scatter(
        excluded["x"],
        excluded["y"],
        s=90,
        marker="X",
        color=CENTRE_EXCLUDED,
        edgecolor="k",
        lw=1.0,
        zorder=7,
    )
    if labels:
        for cid, c in centres.iterrows():
            ax.annotate(
                str(cid),
                (c["x"], c["y"]),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=7,
                fontweight="bold",
                path_effects=_HALO,
                zorder=9,
            )


def centre_handles(text: Text) -> list[Line2D]:
    """Legend entries for :func:`draw_centres`."""
    return [
        Line2D(
            [], [], marker="s", ls="", color=CENTRE_USED, mec="k", label=text("fig_centre_used")
        ),
        Line2D(
            [],
            [],
            marker="X",
            ms=8,
            ls="",
            color=CENTRE_EXCLUDED,
            mec="k",
            label=text("fig_centre_excluded"),
        ),
    ]
