"""Recognise the spatial axes of a grid read from a file, by CF metadata first.

A grid arrives with its horizontal axes named ``x``/``y``, ``lon``/``lat``,
``longitude``/``latitude`` or anything else, and with or without a CRS. Which
axis is which, and whether its values are degrees, is decided in this order:

1. CF attributes of the coordinate: ``standard_name`` (``longitude``,
   ``latitude``, ``projection_x_coordinate``, ``projection_y_coordinate``,
   ``grid_longitude``, ``grid_latitude``), ``units`` (``degrees_east``,
   ``degree_E``, ``degrees_north``, ...) and ``axis`` (``X``/``Y``);
2. the coordinate's name (``lon``, ``longitude``, ``lat``, ``latitude``, ``x``, ``y``);
3. a CRS recorded on the grid;
4. only when nothing else tells: cell size and range (cells under 0.05 and
   values within ±180/±90 look like degrees), reported as a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from drm.errors import GridError
from drm.grids import get_crs

__all__ = ["SpatialAxes", "spatial_axes"]

_DEG_EAST = {"degrees_east", "degree_east", "degree_e", "degrees_e", "degreee", "degreese"}
_DEG_NORTH = {"degrees_north", "degree_north", "degree_n", "degrees_n", "degreen", "degreesn"}
_DEG_ANY = {"degrees", "degree", "deg", "°"}
_METRES = {"m", "metre", "meter", "metres", "meters"}
_NAMES_X = {"x": "x", "lon": "lon", "longitude": "lon", "long": "lon", "nav_lon": "lon"}
_NAMES_Y = {"y": "y", "lat": "lat", "latitude": "lat", "nav_lat": "lat"}


@dataclass(frozen=True)
class SpatialAxes:
    """The horizontal axes of a grid and what their values are.

    Attributes
    ----------
    x, y : str
        Names of the dimensions holding the east-west and north-south axes.
    degrees : bool or None
        True when the axes are longitude/latitude in degrees, False when they
        are projected coordinates, None when nothing in the file tells.
    evidence : str
        How it was decided, for messages (e.g. ``"units degrees_east"``).
    """

    x: str
    y: str
    degrees: bool | None
    evidence: str


def _kind(coord: xr.DataArray, name: str) -> tuple[str | None, bool | None, str]:
    """Return (axis 'x'/'y'/None, degrees True/False/None, evidence) for one coordinate."""
    attrs = coord.attrs
    std = str(attrs.get("standard_name", "")).lower()
    units = str(attrs.get("units", "")).strip().lower().replace(" ", "_")
    axis = str(attrs.get("axis", "")).upper()
    if std in ("longitude", "grid_longitude"):
        return "x", True, f"standard_name {std}"
    if std in ("latitude", "grid_latitude"):
        return "y", True, f"standard_name {std}"
    if std == "projection_x_coordinate":
        return "x", False, f"standard_name {std}"
    if std == "projection_y_coordinate":
        return "y", False, f"standard_name {std}"
    if units in _DEG_EAST:
        return "x", True, f"units {units}"
    if units in _DEG_NORTH:
        return "y", True, f"units {units}"
    lname = name.lower()
    side = _NAMES_X.get(lname) or _NAMES_Y.get(lname)
    which = "x" if lname in _NAMES_X else "y" if lname in _NAMES_Y else None
    if which is None and axis in ("X", "Y"):
        which = axis.lower()
    if which is None:
        return None, None, ""
    if units in _DEG_ANY:
        return which, True, f"units {units}"
    if units in _METRES or units in ("km", "ft", "us_survey_foot"):
        return which, False, f"units {units}"
    if side in ("lon", "lat"):
        return which, True, f"coordinate named {name!r}"
    return which, None, f"coordinate named {name!r}"


def _looks_like_degrees(xs: np.ndarray, ys: np.ndarray) -> bool:
    if xs.size < 2 or ys.size < 2:
        return False
    return bool(
        abs(xs[1] - xs[0]) < 0.05 and np.all(np.abs(xs) <= 180) and np.all(np.abs(ys) <= 90)
    )


def spatial_axes(da: xr.DataArray, source: str = "grid") -> SpatialAxes:
    """Find the x/y dimensions of a grid and whether they are in degrees.

    Parameters
    ----------
    da : xarray.DataArray
        A grid as read from a file, with two horizontal dimensions (any units).
    source : str
        File name for messages.

    Returns
    -------
    SpatialAxes
        The x and y dimension names, whether the values are degrees, and why.

    Raises
    ------
    GridError
        When the horizontal axes cannot be found, or the two axes disagree
        (one in degrees, the other projected).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rain = xr.DataArray(np.zeros((2, 3)), dims=("latitude", "longitude"),
    ...                     coords={"latitude": [8.65, 8.55], "longitude": [-71.3, -71.2, -71.1]})
    >>> rain["latitude"].attrs["units"] = "degrees_north"
    >>> axes = spatial_axes(rain)
    >>> axes.x, axes.y, axes.degrees, axes.evidence
    ('longitude', 'latitude', True, 'units degrees_north')
    """
    found: dict[str, tuple[str, bool | None, str]] = {}
    for dim in da.dims:
        coord = da[dim] if dim in da.coords else xr.DataArray(np.arange(da.sizes[dim]))
        which, deg, why = _kind(coord, str(dim))
        if which is not None and which not in found:
            found[which] = (str(dim), deg, why)
    if "x" not in found or "y" not in found:
        raise GridError(
            f"{source}: cannot find the horizontal axes among dims {tuple(map(str, da.dims))}; "
            "name them x/y (projected, m) or lon/lat (degrees), or set CF 'standard_name' "
            "attributes on the coordinates"
        )
    (xd, xdeg, xwhy), (yd, ydeg, ywhy) = found["x"], found["y"]
    if xdeg is not None and ydeg is not None and xdeg != ydeg:
        raise GridError(
            f"{source}: axis {xd!r} is {'degrees' if xdeg else 'projected'} ({xwhy}) but "
            f"{yd!r} is {'degrees' if ydeg else 'projected'} ({ywhy}); fix the coordinate attributes"
        )
    degrees = xdeg if xdeg is not None else ydeg
    evidence = (ywhy if ydeg is not None and (xdeg is None or "units" in ywhy) else xwhy) or ""
    if degrees is None:
        crs = get_crs(da)
        if crs is not None:
            degrees, evidence = bool(crs.is_geographic), f"CRS {crs.name}"
        elif xd in da.coords and yd in da.coords:
            xs = np.asarray(da[xd].values, dtype=float)
            ys = np.asarray(da[yd].values, dtype=float)
            if _looks_like_degrees(xs, ys):
                degrees, evidence = True, "cell size under 0.05 and values within ±180/±90 (a guess)"
    return SpatialAxes(x=xd, y=yd, degrees=degrees, evidence=evidence)
