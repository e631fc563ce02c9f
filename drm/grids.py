"""Grid conventions: what a drm grid is, how to check one and make new ones.

A drm grid is an :class:`xarray.DataArray` with dims ``("y", "x")`` or
``("time", "y", "x")``; ``x`` and ``y`` are 1-D, regular coordinates of cell
centres in metres of a projected CRS, with square cells. The CRS is recorded
rioxarray-style in a scalar ``spatial_ref`` coordinate whose ``crs_wkt``
attribute holds the WKT (``attrs["crs"]`` is read too). NaN marks nodata.
Time, when present, is in seconds since the start of the event (float) or
datetime64, strictly increasing.

Functions that return grids set their own ``units`` and ``long_name``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from pyproj import CRS, Proj

from drm.errors import GridError

__all__ = [
    "GridSpec",
    "as_north_up",
    "cell_area",
    "cell_size",
    "check_grid",
    "check_same_grid",
    "get_crs",
    "grid_bounds",
    "new_grid_like",
    "set_crs",
    "utm_crs",
    "working_crs_problem",
    "xy_to_rowcol",
]

#: Relative tolerance on coordinate spacing (regularity, squareness, alignment).
SPACING_RTOL = 1e-6

#: Largest departure of a projection's scale factor from 1 for its metres to count as
#: ground metres (0.5 % in length, about 1 % in area; UTM stays within 0.1 % in its zone).
SCALE_TOLERANCE = 0.005

# map projections that preserve angles (the only ones whose local scale is one number)
_CONFORMAL = (
    "transverse mercator",
    "lambert conic conformal",
    "stereographic",
    "oblique mercator",
    "mercator",
    "krovak",
)


@dataclass(frozen=True)
class GridSpec:
    """Geometry of a regular grid (cell centres, metres).

    Attributes
    ----------
    ny, nx : int
        Number of rows and columns.
    dx : float
        Cell size in metres (cells are square).
    x0, y0 : float
        Coordinates of the first column and first row centres (m).
    ystep : float
        Signed step along ``y`` (m): ``-dx`` for north-up grids, ``+dx`` otherwise.
    crs : pyproj.CRS or None
        Coordinate reference system.
    """

    ny: int
    nx: int
    dx: float
    x0: float
    y0: float
    ystep: float
    crs: CRS | None

    @property
    def shape(self) -> tuple[int, int]:
        """Return ``(ny, nx)``."""
        return (self.ny, self.nx)

    @property
    def x(self) -> np.ndarray:
        """Return the column-centre coordinates (m)."""
        return self.x0 + self.dx * np.arange(self.nx)

    @property
    def y(self) -> np.ndarray:
        """Return the row-centre coordinates (m)."""
        return self.y0 + self.ystep * np.arange(self.ny)


def _where(name: str, source: str | None) -> str:
    return f"{name} ({source})" if source else name


def get_crs(da: xr.DataArray | xr.Dataset) -> CRS | None:
    """Return the CRS recorded on a grid, or None.

    Reads the ``spatial_ref`` coordinate (``crs_wkt`` or ``spatial_ref``
    attribute, as written by rioxarray and drm), then ``attrs["crs"]``.

    Parameters
    ----------
    da : xarray.DataArray or xarray.Dataset
        Grid or dataset (any units).

    Returns
    -------
    pyproj.CRS or None
        The recorded CRS; None when the grid records none.

    Raises
    ------
    GridError
        If ``attrs["crs"]`` is not a valid CRS.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = set_crs(xr.DataArray(np.zeros((2, 2)), dims=("y", "x")), "EPSG:32619")
    >>> get_crs(da).to_epsg()
    32619
    """
    if "spatial_ref" in da.coords:
        attrs = da.coords["spatial_ref"].attrs
        for key in ("crs_wkt", "spatial_ref"):
            if attrs.get(key):
                return CRS.from_user_input(attrs[key])
    crs = da.attrs.get("crs")
    if crs:
        try:
            return CRS.from_user_input(crs)
        except Exception as err:  # pyproj raises CRSError, a plain Exception subclass
            raise GridError(f"attrs['crs'] = {crs!r} is not a valid CRS: {err}") from None
    return None


def set_crs(da: xr.DataArray, crs: Any) -> xr.DataArray:
    """Return a copy of ``da`` with its CRS recorded in a ``spatial_ref`` coordinate.

    Parameters
    ----------
    da : xarray.DataArray
        Grid to tag, any units (not modified).
    crs : str, int or pyproj.CRS
        Anything :meth:`pyproj.CRS.from_user_input` accepts, e.g. ``"EPSG:32619"``.

    Returns
    -------
    xarray.DataArray
        The tagged copy, in the units of ``da`` (CF grid-mapping attributes plus ``crs_wkt``).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = set_crs(xr.DataArray(np.zeros((2, 2)), dims=("y", "x")), "EPSG:32619")
    >>> get_crs(dem).name
    'WGS 84 / UTM zone 19N'
    """
    crs = CRS.from_user_input(crs)
    attrs = crs.to_cf()
    attrs["spatial_ref"] = attrs["crs_wkt"]
    out = da.assign_coords(spatial_ref=xr.DataArray(0, attrs=attrs))
    out.attrs = {k: v for k, v in out.attrs.items() if k != "crs"}
    out.encoding = {**da.encoding, "grid_mapping": "spatial_ref"}
    return out


def utm_crs(lon: float, lat: float) -> CRS:
    """Return the WGS 84 UTM zone CRS containing a point.

    Parameters
    ----------
    lon, lat : float
        Longitude and latitude of the point (degrees, WGS 84).

    Returns
    -------
    pyproj.CRS
        The UTM zone (EPSG 326xx north of the equator, 327xx south of it).

    Examples
    --------
    >>> utm_crs(-71.15, 8.6).to_epsg()  # Mérida, Venezuela
    32619
    """
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def working_crs_problem(crs: CRS, lon: float | Any, lat: float | Any) -> str | None:
    """Say why a CRS's coordinates are not metres on the ground near a place, or None.

    A CRS can be drm's working CRS when it is projected, its axes are in
    metres, its projection is conformal (Transverse Mercator, Lambert Conformal
    Conic, stereographic, oblique or plain Mercator, Krovak) and its scale
    factor at every given point is within :data:`SCALE_TOLERANCE` of 1. Web
    Mercator (Pseudo-Mercator, EPSG:3857 and its ESRI/Google aliases) never
    qualifies, whatever the latitude.

    Parameters
    ----------
    crs : pyproj.CRS
        The CRS to judge.
    lon, lat : float or array_like
        Places where it will be used (degrees, WGS 84 or the CRS's own datum),
        e.g. a grid's centre and corners.

    Returns
    -------
    str or None
        A short reason (``"is Web Mercator (Pseudo-Mercator) ..."``) to put in a
        message, or None when the CRS can be used as it is.

    Examples
    --------
    >>> working_crs_problem(CRS.from_epsg(32611), -117.0, 36.0) is None
    True
    >>> working_crs_problem(CRS.from_epsg(3857), -117.0, 36.0)[:40]
    'is Web Mercator (Pseudo-Mercator): its m'
    """
    if crs.is_geographic:
        return "is geographic (degrees)"
    units = {(a.unit_name or "unknown").lower() for a in crs.axis_info[:2]}
    if not crs.is_projected:
        return f"is a {crs.type_name} with no map projection (axis units {', '.join(sorted(units))})"
    if not units <= {"metre", "meter", "m"}:
        return f"has axis units {', '.join(sorted(units))}, not metres"
    method = crs.coordinate_operation.method_name if crs.coordinate_operation else "unknown"
    low = method.lower()
    if "pseudo" in low or "popular visualisation" in low or "pseudo-mercator" in crs.name.lower():
        return "is Web Mercator (Pseudo-Mercator): its metres are stretched by 1/cos(latitude)"
    if not any(m in low for m in _CONFORMAL):
        return f"uses the {method} projection, which is not conformal"
    f = Proj(crs).get_factors(np.atleast_1d(lon), np.atleast_1d(lat))
    scale = np.concatenate([np.atleast_1d(f.meridional_scale), np.atleast_1d(f.parallel_scale)])
    worst = float(scale[np.argmax(np.abs(scale - 1.0))])
    if not np.isfinite(worst) or abs(worst - 1.0) > SCALE_TOLERANCE:
        return f"has a scale factor of {worst:.4f} here (more than {SCALE_TOLERANCE:.1%} from 1)"
    return None


def _regular_step(values: np.ndarray, coord: str, label: str) -> float:
    if values.ndim != 1:
        raise GridError(f"{label}: coordinate '{coord}' must be 1-D, got {values.ndim}-D")
    if values.size < 2:
        raise GridError(
            f"{label}: needs at least 2 cells along '{coord}', got {values.size}; "
            "a grid must be at least 2 x 2 cells"
        )
    if not np.issubdtype(values.dtype, np.number) or not np.all(np.isfinite(values)):
        raise GridError(f"{label}: coordinate '{coord}' must be finite numbers")
    steps = np.diff(values.astype(float))
    step = (values[-1] - values[0]) / (values.size - 1)
    if step == 0 or np.any(np.sign(steps) != np.sign(step)):
        raise GridError(f"{label}: coordinate '{coord}' is not strictly monotonic")
    if np.max(np.abs(steps - step)) > SPACING_RTOL * abs(step) + 1e-9:
        raise GridError(
            f"{label}: coordinate '{coord}' is irregular (steps from {steps.min():g} to "
            f"{steps.max():g}); resample it onto a regular grid first"
        )
    return float(step)


def check_grid(
    da: Any,
    name: str = "grid",
    *,
    source: str | None = None,
    time: bool | None = False,
    allow_all_nan: bool = False,
) -> GridSpec:
    """Check that ``da`` follows drm's grid conventions and describe it.

    Parameters
    ----------
    da : xarray.DataArray
        The grid to check (any units; coordinates in m).
    name : str
        What the grid is, for messages (``"DEM"``, ``"rainfall"``).
    source : str, optional
        File it came from, for messages.
    time : bool or None
        False: dims must be ``("y", "x")``; True: ``("time", "y", "x")``;
        None: either.
    allow_all_nan : bool
        Accept a grid with no valid cell.

    Returns
    -------
    GridSpec
        Cell size, origin, step and CRS.

    Raises
    ------
    GridError
        Naming the first problem found: wrong type or dims, missing, irregular
        or non-square coordinates, degrees instead of metres, a time axis that
        does not increase, or no valid data.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.ones((3, 4)), dims=("y", "x"),
    ...                    coords={"y": [25.0, 15.0, 5.0], "x": [5.0, 15.0, 25.0, 35.0]})
    >>> check_grid(dem, "DEM").dx
    10.0
    """
    label = _where(name, source)
    if not isinstance(da, xr.DataArray):
        raise GridError(f"{label}: expected an xarray.DataArray, got {type(da).__name__}")
    dims = tuple(da.dims)
    wanted = {
        False: [("y", "x")],
        True: [("time", "y", "x")],
        None: [("y", "x"), ("time", "y", "x")],
    }[time]
    if dims not in wanted:
        hint = ""
        if {"lat", "lon"} & set(dims) or {"latitude", "longitude"} & set(dims):
            hint = (
                "; the grid is in geographic coordinates: reproject it to metres with "
                "drm.regrid.to_metric() or read it with drm.io, which does this"
            )
        elif dims == ("x", "y") or dims == ("time", "x", "y"):
            hint = "; transpose it with da.transpose(..., 'y', 'x')"
        raise GridError(f"{label}: dims are {dims}; expected {' or '.join(map(str, wanted))}{hint}")
    for c in ("x", "y"):
        if c not in da.coords:
            raise GridError(
                f"{label}: coordinate '{c}' is missing; assign cell-centre coordinates in metres"
            )
    xs = np.asarray(da["x"].values)
    ys = np.asarray(da["y"].values)
    dx = _regular_step(xs, "x", label)
    dy = _regular_step(ys, "y", label)
    if dx < 0:
        raise GridError(f"{label}: 'x' decreases; flip it with da.sortby('x')")
    if abs(abs(dy) - dx) > SPACING_RTOL * dx:
        raise GridError(
            f"{label}: cells are not square (dx = {dx:g}, dy = {abs(dy):g}); "
            "resample to square cells first"
        )
    crs = get_crs(da)
    if crs is not None and crs.is_geographic:
        raise GridError(
            f"{label}: CRS {crs.name!r} is geographic (degrees); drm needs metres: "
            "use drm.regrid.to_metric() or read the file with drm.io, which reprojects"
        )
    if crs is not None and crs.axis_info:
        unit = (crs.axis_info[0].unit_name or "").lower()
        if unit and unit not in ("metre", "meter", "m"):
            raise GridError(
                f"{label}: CRS {crs.name!r} has axis units '{unit}'; reproject to a metric CRS"
            )
    if crs is None and dx < 0.01 and np.all(np.abs(xs) <= 180) and np.all(np.abs(ys) <= 90):
        raise GridError(
            f"{label}: cell size {dx:g} and coordinates look like degrees; drm needs metres: "
            "set the CRS and use drm.regrid.to_metric()"
        )
    if "time" in dims:
        t = np.asarray(da["time"].values)
        if t.size > 1:
            diffs = np.diff(t)
            zero = np.zeros((), dtype=diffs.dtype)
            if not np.all(diffs > zero):
                raise GridError(
                    f"{label}: time is not strictly increasing; sort it and remove duplicates"
                )
    if np.issubdtype(da.dtype, np.floating) and not allow_all_nan and not np.any(np.isfinite(da.values)):
        raise GridError(f"{label}: every cell is nodata (NaN); check the file's nodata value")
    return GridSpec(
        ny=ys.size, nx=xs.size, dx=dx, x0=float(xs[0]), y0=float(ys[0]), ystep=dy, crs=crs
    )


def cell_size(da: xr.DataArray) -> float:
    """Return the (square) cell size of a grid in metres.

    Parameters
    ----------
    da : xarray.DataArray
        A drm grid (coordinates in m).

    Returns
    -------
    float
        Cell size (m).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> cell_size(xr.DataArray(np.ones((2, 2)), dims=("y", "x"),
    ...                        coords={"y": [30.0, 10.0], "x": [10.0, 30.0]}))
    20.0
    """
    return check_grid(da, time=None, allow_all_nan=True).dx


def cell_area(da: xr.DataArray) -> float:
    """Return the area of one cell in m².

    Parameters
    ----------
    da : xarray.DataArray
        A drm grid (coordinates in m).

    Returns
    -------
    float
        Cell area (m²).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> cell_area(xr.DataArray(np.ones((2, 2)), dims=("y", "x"),
    ...                        coords={"y": [30.0, 10.0], "x": [10.0, 30.0]}))
    400.0
    """
    return cell_size(da) ** 2


def grid_bounds(da: xr.DataArray) -> tuple[float, float, float, float]:
    """Return the outer edges ``(xmin, ymin, xmax, ymax)`` of a grid in metres.

    Parameters
    ----------
    da : xarray.DataArray
        A drm grid (coordinates of cell centres in m).

    Returns
    -------
    tuple of float
        ``(xmin, ymin, xmax, ymax)`` of the cell edges (m).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> g = xr.DataArray(np.ones((2, 3)), dims=("y", "x"), coords={"y": [15.0, 5.0], "x": [5.0, 15.0, 25.0]})
    >>> [float(v) for v in grid_bounds(g)]
    [0.0, 0.0, 30.0, 20.0]
    """
    spec = check_grid(da, time=None, allow_all_nan=True)
    half = spec.dx / 2
    xs, ys = spec.x, spec.y
    return (xs.min() - half, ys.min() - half, xs.max() + half, ys.max() + half)


def as_north_up(da: xr.DataArray) -> xr.DataArray:
    """Return ``da`` with ``y`` decreasing (row 0 is the northern edge), as rasters are stored.

    Parameters
    ----------
    da : xarray.DataArray
        A grid with a ``y`` coordinate (m), any units.

    Returns
    -------
    xarray.DataArray
        The same values, in the same units, rows flipped if ``y`` increased.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> g = xr.DataArray([[1.0], [2.0]], dims=("y", "x"), coords={"y": [5.0, 15.0], "x": [5.0]})
    >>> as_north_up(g)["y"].values.tolist(), as_north_up(g).values.ravel().tolist()
    ([15.0, 5.0], [2.0, 1.0])
    """
    y = da["y"].values
    if y.size > 1 and y[1] > y[0]:
        return da.isel(y=slice(None, None, -1))
    return da


def new_grid_like(
    like: xr.DataArray,
    fill_value: float = np.nan,
    *,
    name: str | None = None,
    units: str | None = None,
    long_name: str | None = None,
    dtype: Any = np.float64,
    data: np.ndarray | None = None,
) -> xr.DataArray:
    """Make a new 2-D grid on the same cells and CRS as ``like``.

    Only the geometry is taken from ``like``; attributes are set afresh so that
    no stale ``units`` travel with the new grid.

    Parameters
    ----------
    like : xarray.DataArray
        Template grid (2-D, or 3-D with ``time`` whose first frame is used);
        only its coordinates (m) and CRS are used, not its units.
    fill_value : float
        Value of every cell when ``data`` is not given, in ``units``.
    name, units, long_name : str, optional
        Metadata of the new grid.
    dtype : numpy dtype
        Data type.
    data : numpy.ndarray, optional
        Values in ``units``, shape ``(ny, nx)``.

    Returns
    -------
    xarray.DataArray
        The new grid, in ``units``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.ones((2, 3)), dims=("y", "x"),
    ...                    coords={"y": [15.0, 5.0], "x": [5.0, 15.0, 25.0]}, attrs={"units": "m"})
    >>> g = new_grid_like(dem, 0.0, name="depth", units="m")
    >>> g.shape, g.attrs["units"]
    ((2, 3), 'm')
    """
    shape = (like.sizes["y"], like.sizes["x"])
    if data is None:
        values = np.full(shape, fill_value, dtype=dtype)
    else:
        values = np.asarray(data, dtype=dtype)
        if values.shape != shape:
            raise GridError(f"data has shape {values.shape}; the grid needs {shape}")
    coords: dict[str, Any] = {"y": like["y"].values, "x": like["x"].values}
    out = xr.DataArray(values, dims=("y", "x"), coords=coords, name=name)
    out["x"].attrs = {"units": "m", "standard_name": "projection_x_coordinate"}
    out["y"].attrs = {"units": "m", "standard_name": "projection_y_coordinate"}
    attrs: dict[str, Any] = {}
    if units is not None:
        attrs["units"] = units
    if long_name is not None:
        attrs["long_name"] = long_name
    out.attrs = attrs
    crs = get_crs(like)
    return set_crs(out, crs) if crs is not None else out


def check_same_grid(
    a: xr.DataArray, b: xr.DataArray, names: tuple[str, str] = ("grid a", "grid b")
) -> None:
    """Raise :class:`GridError` unless ``a`` and ``b`` share cells (shape, coords, CRS).

    Parameters
    ----------
    a, b : xarray.DataArray
        Grids (any units; coordinates in m), compared to 1/1000 of a cell.
    names : tuple of str
        What the grids are, for the message.

    Raises
    ------
    GridError
        Naming the difference: shapes, cell sizes, offset cell centres or CRS.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> g = xr.DataArray(np.ones((2, 2)), dims=("y", "x"), coords={"y": [1.0, 0.0], "x": [0.0, 1.0]})
    >>> check_same_grid(g, g.copy())
    """
    sa = check_grid(a, names[0], time=None, allow_all_nan=True)
    sb = check_grid(b, names[1], time=None, allow_all_nan=True)
    problems = []
    if sa.shape != sb.shape:
        problems.append(f"shapes {sa.shape} and {sb.shape}")
    elif abs(sa.dx - sb.dx) > SPACING_RTOL * sa.dx:
        problems.append(f"cell sizes {sa.dx:g} m and {sb.dx:g} m")
    else:
        tol = 1e-3 * sa.dx
        if np.max(np.abs(sa.x - sb.x)) > tol or np.max(np.abs(sa.y - sb.y)) > tol:
            problems.append("cell centres differ (the grids are offset or flipped)")
    if sa.crs is not None and sb.crs is not None and sa.crs != sb.crs:
        problems.append(f"CRS {sa.crs.to_string()} and {sb.crs.to_string()}")
    if problems:
        raise GridError(
            f"{names[0]} and {names[1]} are not on the same grid: {'; '.join(problems)}; "
            "regrid one onto the other with drm.regrid.regrid()"
        )


def xy_to_rowcol(
    da: xr.DataArray, x: Any, y: Any, *, name: str = "point"
) -> tuple[np.ndarray, np.ndarray]:
    """Return the row and column indices of the cells containing points.

    Parameters
    ----------
    da : xarray.DataArray
        The grid (any units; coordinates in m).
    x, y : float or array_like
        Point coordinates in the grid's CRS (m).
    name : str
        What the points are, for messages.

    Returns
    -------
    rows, cols : numpy.ndarray of int
        Row and column index of each point's cell (counts from 0).

    Raises
    ------
    GridError
        If a point lies outside the grid.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> g = xr.DataArray(np.ones((2, 3)), dims=("y", "x"),
    ...                  coords={"y": [15.0, 5.0], "x": [5.0, 15.0, 25.0]})
    >>> xy_to_rowcol(g, 21.0, 2.0)
    (array([1]), array([2]))
    """
    spec = check_grid(da, time=None, allow_all_nan=True)
    xa = np.atleast_1d(np.asarray(x, dtype=float))
    ya = np.atleast_1d(np.asarray(y, dtype=float))
    # fractional positions in cells from the outer edge; the outer edges are inclusive
    fc = (xa - spec.x0) / spec.dx + 0.5
    fr = (ya - spec.y0) / spec.ystep + 0.5
    tol = 1e-9 * max(spec.nx, spec.ny)
    outside = (fc < -tol) | (fc > spec.nx + tol) | (fr < -tol) | (fr > spec.ny + tol) | ~np.isfinite(fc + fr)
    if np.any(outside):
        i = int(np.flatnonzero(outside)[0])
        xmin, ymin, xmax, ymax = grid_bounds(da)
        raise GridError(
            f"{name} at x={xa[i]:.1f}, y={ya[i]:.1f} lies outside the grid "
            f"(x {xmin:.1f}..{xmax:.1f}, y {ymin:.1f}..{ymax:.1f}); "
            f"{int(outside.sum())} point(s) outside in all"
        )
    cols = np.clip(np.floor(fc), 0, spec.nx - 1).astype(np.int64)
    rows = np.clip(np.floor(fr), 0, spec.ny - 1).astype(np.int64)
    return rows, cols
