"""Plot helpers shared by every stage: hillshade backdrops, map axes, scale bars, north arrows, arrival curves.

All functions draw on matplotlib Axes given by the caller (or a new Figure)
and return what they made, so figures compose; nothing is shown or saved
here. Palettes are colour-blind safe (viridis family, Okabe-Ito).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.colors import LightSource

from drm.grids import check_grid, grid_bounds

__all__ = [
    "OKABE_ITO",
    "add_north_arrow",
    "add_scale_bar",
    "hillshade",
    "map_axes",
    "plot_arrivals",
    "plot_hillshade",
]

#: Okabe & Ito (2008) colour-blind-safe qualitative palette.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")


def hillshade(
    dem: xr.DataArray, *, azimuth: float = 315.0, altitude: float = 45.0, vert_exag: float = 1.0
) -> np.ndarray:
    """Return a hillshade (0..1) of a DEM, illuminated from ``azimuth`` degrees.

    Parameters
    ----------
    dem : xarray.DataArray
        Elevation (m), north-up.
    azimuth, altitude : float
        Light direction in degrees (clockwise from north; above the horizon).
    vert_exag : float
        Vertical exaggeration (a factor on the elevations).

    Returns
    -------
    numpy.ndarray
        Shade per cell, dimensionless from 0 (dark) to 1 (lit), NaN where the DEM is NaN.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> x = 5.0 + 10.0 * np.arange(4)
    >>> dem = xr.DataArray(np.tile(x, (4, 1)), dims=("y", "x"), coords={"y": x[::-1], "x": x})
    >>> shade = hillshade(dem)                  # a slope rising to the east, lit from the north-west
    >>> shade.shape, bool(np.all((shade >= 0) & (shade <= 1)))
    ((4, 4), True)
    """
    dx = check_grid(dem, "DEM").dx
    z = dem.values.astype(float)
    filled = np.where(np.isfinite(z), z, np.nanmean(z))
    shade = LightSource(azdeg=azimuth, altdeg=altitude).hillshade(
        filled, vert_exag=vert_exag, dx=dx, dy=dx
    )
    return np.where(np.isfinite(z), shade, np.nan)


def map_axes(ax: Axes | None = None, *, figsize: tuple[float, float] = (8.0, 7.0)) -> Axes:
    """Return map-ready Axes: equal aspect, axis labels in metres.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to set up; default: new ones on a new figure.
    figsize : tuple of float
        Size of a new figure (inches).

    Returns
    -------
    matplotlib.axes.Axes
        The axes, labelled ``x (m)`` and ``y (m)``.

    Examples
    --------
    >>> ax = map_axes()
    >>> ax.get_xlabel(), ax.get_aspect()
    ('x (m)', 1.0)
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.ticklabel_format(style="plain", useOffset=False)
    return ax


def plot_hillshade(dem: xr.DataArray, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw a grey hillshade of ``dem`` on map axes and return them.

    Parameters
    ----------
    dem : xarray.DataArray
        Elevation (m) on a drm grid.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: new map axes (:func:`map_axes`).
    **kwargs
        Passed to :func:`hillshade` (``azimuth``, ``altitude`` in degrees, ``vert_exag``).

    Returns
    -------
    matplotlib.axes.Axes
        The map axes, limited to the grid's extent (m).

    Examples
    --------
    >>> import drm
    >>> dem = drm.io.read_dem(drm.datasets.builtin_path("hazard_data/valle_alto/dem.nc"))
    >>> ax = plot_hillshade(dem)
    >>> [float(v) for v in ax.get_xlim()]
    [258000.0, 262000.0]
    """
    ax = map_axes(ax)
    xmin, ymin, xmax, ymax = grid_bounds(dem)
    ax.imshow(
        hillshade(dem, **kwargs),
        cmap="gray",
        vmin=0,
        vmax=1,
        extent=(xmin, xmax, ymin, ymax),
        origin="upper" if dem["y"].values[0] > dem["y"].values[-1] else "lower",
        interpolation="nearest",
    )
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    return ax


def add_scale_bar(ax: Axes, *, location: str = "lower right") -> None:
    """Add a scale bar of a round length (m or km) to map axes in metres.

    The bar is 1, 2 or 5 times a power of ten metres, at most a fifth of the
    axes' width.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Map axes with x and y in metres.
    location : str
        Matplotlib legend location of the bar, e.g. ``"lower right"``.

    Examples
    --------
    >>> ax = map_axes()
    >>> _ = ax.set_xlim(0, 4000); _ = ax.set_ylim(0, 4000)
    >>> add_scale_bar(ax)               # 500 m, the largest round length below 800 m
    >>> ax.artists[-1].txt_label.get_text()
    '500 m'
    """
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    width = abs(np.diff(ax.get_xlim())[0])
    target = width / 5
    nice = 10 ** np.floor(np.log10(target))
    for m in (5, 2, 1):
        if m * nice <= target:
            length = m * nice
            break
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    bar = AnchoredSizeBar(
        ax.transData, length, label, location, pad=0.4, frameon=True, size_vertical=width / 200
    )
    ax.add_artist(bar)


def add_north_arrow(ax: Axes, *, x: float = 0.95, y: float = 0.93, size: float = 0.08) -> Any:
    """Add a north arrow (an "N" over an arrow pointing up) to north-up map axes.

    drm grids are north-up in a projected CRS, so north is the +y direction
    of the axes (grid north; it differs from true north by the meridian
    convergence, under 1.5 degrees inside a UTM zone).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Map axes.
    x, y : float
        Position of the arrow's tip, as a fraction of the axes (0..1).
    size : float
        Length of the arrow, as a fraction of the axes' height.

    Returns
    -------
    matplotlib.text.Annotation
        The arrow and its "N" label (in ``ax.texts``).

    Examples
    --------
    >>> ax = map_axes()
    >>> add_north_arrow(ax).get_text()
    'N'
    """
    return ax.annotate(
        "N",
        xy=(x, y),
        xytext=(x, y - size),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=10,
        fontweight="bold",
        arrowprops={
            "facecolor": "black",
            "edgecolor": "white",
            "width": 3,
            "headwidth": 9,
            "headlength": 9,
        },
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        zorder=10,
    )


def plot_arrivals(
    times_s: Any,
    persons: Any,
    *,
    total: float | None = None,
    clearance_s: float | None = None,
    clearance_label: str = "clearance",
    xlabel: str = "minutes after the order",
    ax: Axes | None = None,
) -> Axes:
    """Draw the cumulative number of evacuees arrived as a step curve, with the clearance time.

    Parameters
    ----------
    times_s : array_like
        Arrival times (s), increasing.
    persons : array_like
        Cumulative persons arrived by each time.
    total : float, optional
        Persons to evacuate (drawn as a dotted line).
    clearance_s : float, optional
        Clearance or egress time (s), marked by a vertical line if finite.
    clearance_label : str
        Legend entry of that line; its time is appended.
    xlabel : str
        Label of the time axis, drawn in minutes.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: new ones on a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, in minutes and persons.

    Examples
    --------
    >>> ax = plot_arrivals([0.0, 600.0, 1200.0], [0.0, 40.0, 100.0], total=100.0, clearance_s=1200.0)
    >>> ax.get_ylabel(), ax.get_legend_handles_labels()[1]
    ('persons arrived', ['arrived', 'to evacuate', 'clearance: 20 min'])
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    t = np.asarray(times_s, dtype=float) / 60.0
    ax.step(t, np.asarray(persons, dtype=float), where="post", color=OKABE_ITO[4], label="arrived")
    if total is not None:
        ax.axhline(total, color="grey", ls=":", label="to evacuate")
    if clearance_s is not None and np.isfinite(clearance_s):
        minutes = clearance_s / 60.0
        ax.axvline(
            minutes, color=OKABE_ITO[5], ls="--", label=f"{clearance_label}: {minutes:,.0f} min"
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("persons arrived")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", loc="lower right")
    return ax
