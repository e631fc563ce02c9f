"""Report figures: maps and timelines of a scenario run; :func:`save_figure` writes one atomically.

Every function returns a matplotlib Figure sized for an A4 page (about 8 in
wide), labelled in English or Spanish (``language``), with units on the axes,
colour-blind-safe colours (the Okabe-Ito palette, viridis/cividis and
single-hue blues for water), a legend or colour bar with units, and a scale
bar and a north arrow on every map.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from drm.grids import grid_bounds
from drm.io import atomic_path
from drm.plotting import OKABE_ITO, add_north_arrow, add_scale_bar, map_axes, plot_hillshade
from drm.report import _draw
from drm.report.i18n import Text
from drm.report.timeline import timeline

if TYPE_CHECKING:
    from drm.scenario.inputs import ScenarioInputs
    from drm.scenario.result import ScenarioResult

__all__ = ["arrival_map", "evacuation_map", "hazard_map", "input_map", "save_figure", "timeline"]

_ROAD_STYLE = {
    "trunk": (2.4, "#333333"),
    "primary": (2.0, "#333333"),
    "secondary": (1.6, "#444444"),
    "tertiary": (1.2, "#555555"),
}
#: Depth classes (m) of the flood layer: ankle, knee (walking hard), cars float, adults unstable, ...
_DEPTH_BINS = (0.05, 0.15, 0.3, 0.5, 1.0, 2.0)
#: FD2320 classes low .. extreme, light to dark (inferno, ordered and colour-blind safe).
_HAZARD_COLOURS = tuple(plt.get_cmap("inferno_r")(f) for f in (0.12, 0.38, 0.62, 0.86))
#: Map width (in) on an A4 page, and room under the map for the colour bar and the legend.
_MAP_WIDTH, _MAP_FOOT = 8.3, 2.5


def input_map(inputs: ScenarioInputs, *, language: str = "en") -> Figure:
    """Map of a scenario's inputs: terrain, population density, roads, centres, warehouses.

    Parameters
    ----------
    inputs : ScenarioInputs
        From :func:`drm.scenario.load_inputs`.
    language : {"en", "es"}
        Language of the labels.

    Returns
    -------
    matplotlib.figure.Figure
        One map (axes in m, in the DEM's CRS) with a density colour bar
        (persons per hectare) and a scale bar.

    Examples
    --------
    A scenario's inputs come from ``load_inputs(load_scenario(path))``; here a
    tiny town is built in memory (a 20 x 20 DEM of 10 m cells, 4 persons per
    cell, one road and one centre):

    >>> import networkx as nx
    >>> import numpy as np
    >>> import pandas as pd
    >>> import xarray as xr
    >>> from drm.scenario import ScenarioInputs
    >>> from drm.scenario.schema import scenario_from_dict
    >>> xy = np.arange(5.0, 200.0, 10.0)
    >>> dem = xr.DataArray(np.add.outer(xy[::-1], xy) / 20, coords={"y": xy[::-1], "x": xy},
    ...                    dims=("y", "x"))
    >>> roads = nx.MultiDiGraph()
    >>> roads.add_nodes_from([("a", {"x": 20.0, "y": 20.0}), ("b", {"x": 180.0, "y": 180.0})])
    >>> _ = roads.add_edge("a", "b", highway="primary")
    >>> centres = pd.DataFrame({"x": [150.0], "y": [60.0]}, index=["school"])
    >>> scenario = scenario_from_dict({
    ...     "name": "Tiny town",
    ...     "hazard": {"dem": "dem.nc", "rainfall": "rain.nc"},
    ...     "population": {"grid": "population.nc"},
    ...     "evacuation": {"roads": "roads.gpkg", "centres": "centres.csv"},
    ... })
    >>> inputs = ScenarioInputs(scenario, dem, rainfall=dem * 0, population=dem * 0 + 4,
    ...                         roads=roads, centres=centres)
    >>> fig = input_map(inputs, language="es")
    >>> len(fig.axes)  # the map and its colour bar
    2
    >>> save_figure(fig, "inputs_es.png")  # doctest: +SKIP
    PosixPath('inputs_es.png')
    """
    text = Text(language)
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
    fig.colorbar(im, ax=ax, shrink=0.6, label=text("fig_density"))
    G = inputs.roads
    lines, widths, colours = [], [], []
    for u, v, d in G.edges(data=True):
        if d.get("reversed"):
            continue
        width, colour = _ROAD_STYLE.get(str(d.get("highway")), (0.7, "#666666"))
        if d.get("bridge") in ("yes", True):
            width, colour = 3.0, OKABE_ITO[5]
        lines.append(_draw.edge_xy(G, u, v, d))
        widths.append(width)
        colours.append(colour)
    ax.add_collection(
        LineCollection(lines, linewidths=widths, colors=colours, capstyle="round", zorder=3)
    )
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
        Line2D([], [], color="#333333", lw=2, label=text("fig_main_roads")),
        Line2D([], [], color=OKABE_ITO[5], lw=3, label=text("fig_bridges")),
        Line2D([], [], marker="s", ls="", color=OKABE_ITO[2], label=text("fig_candidates")),
    ]
    if inputs.warehouses is not None:
        w = inputs.warehouses
        ax.scatter(
            w["x"], w["y"], s=90, marker="^", color=OKABE_ITO[4], edgecolor="white", zorder=5
        )
        handles.append(
            Line2D([], [], marker="^", ls="", color=OKABE_ITO[4], label=text("fig_warehouses"))
        )
    for x, y in inputs.inflow_points:
        ax.scatter([x], [y], s=120, marker="v", color=OKABE_ITO[1], edgecolor="k", zorder=6)
        handles.append(
            Line2D([], [], marker="v", ls="", color=OKABE_ITO[1], label=text("fig_inflow"))
        )
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
    add_scale_bar(ax)
    add_north_arrow(ax)
    ax.set_title(text("fig_inputs_title", name=inputs.scenario.name))
    return fig


def _town_map(result: ScenarioResult, text: Text, foot: float = _MAP_FOOT) -> tuple[Figure, Any]:
    """Figure with hillshade, zoomed on the people and centres, as tall as the town's shape needs."""
    pop = result.inputs.population
    rows, cols = np.nonzero(np.nan_to_num(pop.values) > 0)
    people = np.column_stack([pop["x"].values[cols], pop["y"].values[rows]])
    centres = result.centres[["x", "y"]].to_numpy(float)
    x0, x1, y0, y1 = _draw.town_extent([people, centres], grid_bounds(result.inputs.dem))
    aspect = min(max((y1 - y0) / (x1 - x0), 0.35), 1.3)
    fig, ax = plt.subplots(
        figsize=(_MAP_WIDTH, (_MAP_WIDTH - 0.9) * aspect + foot), layout="constrained"
    )
    plot_hillshade(result.inputs.dem, ax)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(text("fig_x"))
    ax.set_ylabel(text("fig_y"))
    return fig, ax


def _legend(fig: Figure, handles: list[Any], **kwargs: Any) -> None:
    """Legend under the map, outside the data."""
    fig.legend(
        handles=handles, loc="outside lower center", ncol=2, fontsize=8, frameon=False, **kwargs
    )


def _colorbar(fig: Figure, im: Any, ax: Any, label: str) -> Any:
    """Horizontal colour bar under the map."""
    return fig.colorbar(
        im, ax=ax, location="bottom", shrink=0.75, aspect=45, pad=0.015, label=label
    )


def _raster(ax: Any, da: Any, values: np.ndarray, **kwargs: Any) -> Any:
    xmin, ymin, xmax, ymax = grid_bounds(da)
    north_up = da["y"].values[0] > da["y"].values[-1]
    return ax.imshow(
        values,
        extent=(xmin, xmax, ymin, ymax),
        origin="upper" if north_up else "lower",
        interpolation="nearest",
        zorder=2,
        **kwargs,
    )


def _injected_roads(result: ScenarioResult) -> set[str]:
    return {i.close_road for i in result.scenario.injects if i.close_road is not None}


def _depth_layer(ax: Any, fig: Figure, result: ScenarioResult, text: Text) -> None:
    md = result.flood.ds["max_depth"]
    values = np.where(md.values >= _DEPTH_BINS[0], md.values, np.nan)
    top = max(float(np.nanmax(values)) if np.isfinite(values).any() else 0.0, _DEPTH_BINS[-1] * 1.5)
    bins = [*_DEPTH_BINS, top]
    cmap = plt.get_cmap("Blues", len(bins) + 1)
    colours = ListedColormap(cmap(np.arange(2, len(bins) + 1)))
    im = _raster(ax, md, values, cmap=colours, norm=BoundaryNorm(bins, colours.N), alpha=0.85)
    cb = _colorbar(fig, im, ax, text("fig_max_depth"))
    cb.ax.set_xticks(bins, [f"{b:g}" for b in bins[:-1]] + [f"{top:.1f}"])


def _route_layer(ax: Any, result: ScenarioResult, text: Text) -> list[Any]:
    """Streets widened by the people they carried, with arrows in the main direction; legend handles."""
    ev = result.evacuation
    use = _draw.road_use(result.roads, ev.roads)
    if use.empty:
        return []
    unit = text("fig_persons") if ev.mode == "walk" else text("fig_vehicles")
    by_pair = use.groupby("pair")["load"].sum()
    top = float(by_pair.max())
    widths = {k: 1.0 + 7.0 * np.sqrt(v / top) for k, v in by_pair.items()}
    streets = use.sort_values("load").drop_duplicates("pair")
    ax.add_collection(
        LineCollection(
            list(streets["xy"]), linewidths=[widths[p] for p in streets["pair"]], colors=_draw.ROUTE,
            alpha=0.9, capstyle="round", zorder=5,
        )
    )  # fmt: skip
    main = use.sort_values("load").drop_duplicates("pair", keep="last")
    for _, r in main[main["load"] >= 0.2 * top].iterrows():
        xy = r["xy"]
        mid = len(xy) // 2
        a, b = (xy[mid - 1], xy[mid]) if len(xy) > 2 else (xy[0], xy[-1])
        ax.add_patch(
            FancyArrowPatch(
                tuple(a + 0.35 * (b - a)), tuple(a + 0.65 * (b - a)), arrowstyle="-|>",
                mutation_scale=11, color="k", lw=0.8, zorder=6,
            )
        )  # fmt: skip
    samples = [s for s in (top, top / 4, top / 16) if s >= 1]
    return [
        Line2D([], [], color=_draw.ROUTE, lw=1.0 + 7.0 * np.sqrt(s / top),
               label=text("fig_route_use", load=text.number(s), unit=unit))
        for s in samples
    ]  # fmt: skip


def _caught_layer(ax: Any, result: ScenarioResult, text: Text) -> list[Any]:
    hh = result.evacuation.households
    caught = hh[hh["outcome"] == "caught"]
    if caught.empty:
        return []
    spots = caught.groupby([caught["caught_x"].round(0), caught["caught_y"].round(0)])[
        "persons"
    ].sum()
    xy = np.array(list(spots.index), dtype=float)
    ax.scatter(xy[:, 0], xy[:, 1], s=np.clip(spots.to_numpy(), 4, 60), color=_draw.CAUGHT,
               edgecolor="k", lw=0.3, alpha=0.8, zorder=6)  # fmt: skip
    label = text("fig_caught", n=text.number(float(spots.sum())))
    return [Line2D([], [], marker="o", ls="", color=_draw.CAUGHT, mec="k", label=label)]


def evacuation_map(result: ScenarioResult, *, language: str = "en") -> Figure:
    """Where people went: maximum depth, flooded roads, route use, centres and people caught.

    Streets carrying evacuees are drawn in orange, wider for more people
    (arrows on the busiest show the main direction); streets the flood closes
    are dashed, streets closed by a training inject dotted; used centres are
    green squares, excluded ones white crosses; red dots are where the water
    caught people (size: persons).

    Parameters
    ----------
    result : ScenarioResult
        A run with its prepared ``roads`` (with ``closure_time_s``).
    language : {"en", "es"}
        Language of the labels.

    Returns
    -------
    matplotlib.figure.Figure
        One map (axes in m) with a maximum-depth colour bar (m), a legend and
        a scale bar.

    Examples
    --------
    The map needs a full scenario run, so this example is not run here:

    >>> import drm
    >>> result = drm.run_scenario("valle_alto", "results/valle_alto")  # doctest: +SKIP
    >>> fig = evacuation_map(result, language="es")  # doctest: +SKIP
    >>> save_figure(fig, "results/valle_alto/evacuation_es.png")  # doctest: +SKIP
    PosixPath('results/valle_alto/evacuation_es.png')
    """
    text = Text(language)
    fig, ax = _town_map(result, text)
    _depth_layer(ax, fig, result, text)
    injected = _injected_roads(result)
    _draw.draw_roads(ax, result.roads, injected)
    handles = _draw.road_handles(text, bool(injected))
    if result.evacuation is not None:
        handles += _route_layer(ax, result, text) + _caught_layer(ax, result, text)
    _draw.draw_centres(ax, result.centres)
    _draw.label_zones(ax, result.exposure.zones, text)
    handles += _draw.centre_handles(text)
    _legend(fig, handles)
    add_scale_bar(ax)
    add_north_arrow(ax)
    ax.set_title(text("fig_evacuation_title"))
    return fig


def hazard_map(result: ScenarioResult, *, language: str = "en") -> Figure:
    """FD2320 hazard to people from the maximum depth and the maximum velocity.

    ``HR = d (v + 0.5) + DF`` with the urban debris factor (the highest, so
    the map errs on the safe side) and classes low, moderate, significant and
    extreme (:func:`drm.hazard.hazard_rating_class`). The maximum depth and the
    maximum velocity of a cell need not happen at the same time, which also
    errs on the safe side.

    Parameters
    ----------
    result : ScenarioResult
        A run (from :func:`drm.run_scenario`); its flood needs ``max_depth`` (m)
        and ``max_velocity`` (m/s).
    language : {"en", "es"}
        Language of the labels.

    Returns
    -------
    matplotlib.figure.Figure
        One map (axes in m) whose legend gives the area (km²) of each class.

    Examples
    --------
    The map needs a full scenario run, so this example is not run here:

    >>> import drm
    >>> result = drm.run_scenario("valle_alto", "results/valle_alto")  # doctest: +SKIP
    >>> fig = hazard_map(result)  # doctest: +SKIP
    >>> save_figure(fig, "results/valle_alto/hazard.png")  # doctest: +SKIP
    PosixPath('results/valle_alto/hazard.png')
    """
    from drm.io.geotiff import HAZARD_NODATA, flood_hazard_class

    text = Text(language)
    ds = result.flood.ds
    # the same classes as hazard_class.tif; outside the DEM drawn as dry
    cls = np.asarray(flood_hazard_class(result.flood), dtype=float)
    cls[cls == HAZARD_NODATA] = 0
    fig, ax = _town_map(result, text, foot=1.9)
    colours = ListedColormap(_HAZARD_COLOURS)
    _raster(ax, ds["max_depth"], np.where(cls >= 1, cls, np.nan), cmap=colours,
            norm=BoundaryNorm([0.5, 1.5, 2.5, 3.5, 4.5], 4), alpha=0.85)  # fmt: skip
    _draw.draw_roads(ax, result.roads)
    _draw.draw_centres(ax, result.centres)
    _draw.label_zones(ax, result.exposure.zones, text)
    cell_km2 = float(abs(ds["x"].values[1] - ds["x"].values[0])) ** 2 / 1e6
    handles = [
        Patch(
            color=c,
            label=text(f"hazard_{k}", area=text.number(float((cls == k).sum()) * cell_km2, 2)),
        )
        for k, c in enumerate(_HAZARD_COLOURS, start=1)
    ]
    _legend(
        fig, handles + _draw.centre_handles(text), title=text("fig_hazard_legend"), title_fontsize=8
    )
    add_scale_bar(ax)
    add_north_arrow(ax)
    ax.set_title(text("fig_hazard_title"))
    return fig


def arrival_map(result: ScenarioResult, *, language: str = "en") -> Figure:
    """When the water arrives (first depth of the solver's arrival threshold), in hours since the start.

    Hourly colour bands (viridis, earliest brightest); the colour bar marks
    the evacuation order and the latest safe order; zone labels give the
    first time people there are at risk.

    Parameters
    ----------
    result : ScenarioResult
        A run (from :func:`drm.run_scenario`); its flood needs ``arrival_time`` (s).
    language : {"en", "es"}
        Language of the labels.

    Returns
    -------
    matplotlib.figure.Figure
        One map (axes in m) with an arrival-time colour bar (hours since the
        start), a legend and a scale bar.

    Examples
    --------
    The map needs a full scenario run, so this example is not run here:

    >>> import drm
    >>> result = drm.run_scenario("valle_alto", "results/valle_alto")  # doctest: +SKIP
    >>> fig = arrival_map(result)  # doctest: +SKIP
    >>> save_figure(fig, "results/valle_alto/arrival.png")  # doctest: +SKIP
    PosixPath('results/valle_alto/arrival.png')
    """
    text = Text(language)
    ds = result.flood.ds
    hours = ds["arrival_time"].values / 3600.0
    fig, ax = _town_map(result, text)
    last = float(np.nanmax(hours)) if np.isfinite(hours).any() else 1.0
    bins = np.arange(0.0, np.ceil(last) + 1.0, 1.0 if last <= 16 else 2.0)
    cmap = plt.get_cmap("viridis_r", len(bins) - 1)
    im = _raster(
        ax, ds["arrival_time"], hours, cmap=cmap, norm=BoundaryNorm(bins, cmap.N), alpha=0.85
    )
    depth = text.number(ds.attrs.get("arrival_depth_m", 0.05), 2)
    cb = _colorbar(fig, im, ax, text("fig_arrival", depth=depth))
    marks = [(result.order_time_s, "fig_order", "k", "-")]
    if result.decision is not None:
        latest = float(np.nanmin(result.decision.table["latest_order_s"]))
        marks.append((latest, "fig_latest_order", _draw.CAUGHT, "--"))
    handles = []
    for t, key, colour, ls in marks:
        if t is not None and np.isfinite(t) and bins[0] <= t / 3600 <= bins[-1]:
            cb.ax.axvline(t / 3600, color=colour, lw=2.4, ls=ls)
            label = f"{text(key)} ({text.duration(t)})"
            handles.append(Line2D([], [], color=colour, lw=2.4, ls=ls, label=label))
    _draw.draw_roads(ax, result.roads)
    _draw.draw_centres(ax, result.centres)
    _draw.label_zones(ax, result.exposure.zones, text, with_time=True)
    _legend(fig, handles + _draw.centre_handles(text))
    add_scale_bar(ax)
    add_north_arrow(ax)
    ax.set_title(text("fig_arrival_title"))
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150) -> Path:
    """Save a figure atomically as PNG (or the format of the suffix) and close it.

    The figure is written to a temporary file next to ``path`` and renamed, so
    a reader never sees half a file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save; it is closed afterwards.
    path : str or path-like
        Output file; its suffix (``.png``, ``.pdf``, ``.svg``...) picks the
        format, PNG when it has none.
    dpi : int
        Resolution of raster formats (dots per inch).

    Returns
    -------
    pathlib.Path
        ``path``, as written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 2))
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> out = save_figure(fig, Path(tempfile.mkdtemp()) / "line.png", dpi=50)
    >>> out.name, out.stat().st_size > 0
    ('line.png', True)
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=dpi, format=target.suffix.lstrip(".") or "png")
    plt.close(fig)
    return target
