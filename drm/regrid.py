"""Regridding between regular grids, and reprojection between CRSs.

Four methods move a field from one regular grid onto another in the same CRS
(:func:`regrid`, :class:`Regridder`):

``"conservative"``
    Area-weighted mean of the source cells each target cell overlaps. The
    integral of the field (e.g. rain volume) over fully covered cells is kept
    exactly. Because both grids are rectilinear, the overlap weights separate
    into a row matrix and a column matrix, ``out = Wy @ field @ Wx.T``.
    Use it for fluxes and intensities: rainfall, population density.
``"sum"``
    Each source cell's amount shared among the target cells its area overlaps
    (area fractions of the source cell); NaN counts as 0. The total over the
    target is that of the source inside it. Use it for counts: persons per cell.
``"bilinear"``
    Linear interpolation between source cell centres along each axis (values
    beyond the outermost centres take the edge value). Smooth; use it for
    continuous fields (elevation, depth) or when the target is coarser only slightly.
``"nearest"``
    The source cell containing each target cell centre (NaN outside the source).
    Use it for classes: land cover, zone ids.

Except for ``"sum"``, nodata (NaN) in the source is left out and the weights
renormalised; a target cell with no valid source underneath is NaN.

Between CRSs, :func:`reproject` puts a grid on a new regular grid in another
CRS at its true ground cell size and :func:`onto` puts it on a given grid (the
DEM's). Bilinear and nearest sampling there transform the target cell centres
into the source CRS. Conservative and sum transfers split each source cell into
``k x k`` sub-cells, carry each sub-cell's share (``1/k²`` of the cell's
amount) to the target cell under its centre, transformed with pyproj, with
``k = clip(ceil(4 * source cell / target cell), 4, 256)``: the total is kept
exactly (up to the sub-cells falling across the target's outer edge) and each
target cell's share is within about ``1/(2k)`` of a source cell of its exact
area-fraction value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr
from pyproj import CRS, Transformer

from drm.errors import GridError
from drm.grids import GridSpec, check_grid, get_crs, grid_bounds, set_crs, utm_crs

__all__ = ["Regridder", "bounds_cover", "onto", "regrid", "reproject", "to_metric"]

log = logging.getLogger("drm")

Method = Literal["conservative", "bilinear", "nearest", "sum"]
_METHODS = ("conservative", "bilinear", "nearest", "sum")

#: Most sub-points transformed at once by the conservative transfer between CRSs.
_CHUNK_POINTS = 2_000_000


def _overlaps(src: np.ndarray, s_step: float, dst: np.ndarray, d_step: float) -> np.ndarray:
    """Overlap lengths of target cells (rows) with source cells (columns)."""
    s_lo = np.minimum(src - s_step / 2, src + s_step / 2)
    s_hi = np.maximum(src - s_step / 2, src + s_step / 2)
    d_lo = np.minimum(dst - d_step / 2, dst + d_step / 2)
    d_hi = np.maximum(dst - d_step / 2, dst + d_step / 2)
    overlap = np.minimum(d_hi[:, None], s_hi[None, :]) - np.maximum(d_lo[:, None], s_lo[None, :])
    return np.clip(overlap, 0.0, None)


def _bilinear_weights(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    order = np.argsort(src)
    s = src[order]
    w = np.zeros((dst.size, src.size))
    pos = np.clip(dst, s[0], s[-1])
    j = np.clip(np.searchsorted(s, pos, side="right") - 1, 0, s.size - 2)
    frac = (pos - s[j]) / (s[j + 1] - s[j])
    rows = np.arange(dst.size)
    w[rows, order[j]] = 1.0 - frac
    w[rows, order[j + 1]] += frac
    return w


def _nearest_weights(src: np.ndarray, s_step: float, dst: np.ndarray) -> np.ndarray:
    w = np.zeros((dst.size, src.size))
    f = (dst - (src[0] - s_step / 2)) / s_step
    inside = (f >= 0) & (f <= src.size)
    j = np.clip(np.floor(f), 0, src.size - 1).astype(int)
    w[np.flatnonzero(inside), j[inside]] = 1.0
    return w


@dataclass(frozen=True)
class Regridder:
    """Precomputed separable weights from one grid to another in the same CRS.

    Build once with :meth:`between`, then call on 2-D or 3-D arrays (the last
    two axes are ``y, x``). Used by :func:`regrid` and by solvers that regrid
    rainfall one frame at a time instead of holding it all at fine resolution.

    Attributes
    ----------
    wy : numpy.ndarray
        Row weights, shape (ny_target, ny_source).
    wx : numpy.ndarray
        Column weights, shape (nx_target, nx_source).
    method : str
        ``"conservative"``, ``"sum"``, ``"bilinear"`` or ``"nearest"``.
    coverage : numpy.ndarray
        Fraction of each target cell covered by the source grid (1 inside).
    """

    wy: np.ndarray
    wx: np.ndarray
    method: str
    coverage: np.ndarray

    @classmethod
    def between(
        cls, source: xr.DataArray, target: xr.DataArray, method: Method = "conservative"
    ) -> Regridder:
        """Build the weights from ``source``'s grid to ``target``'s grid (cells in m)."""
        s = check_grid(source, "source grid", time=None, allow_all_nan=True)
        t = check_grid(target, "target grid", time=None, allow_all_nan=True)
        if s.crs is not None and t.crs is not None and s.crs != t.crs:
            raise GridError(
                f"source grid CRS {s.crs.to_string()} differs from target CRS {t.crs.to_string()}; "
                "use drm.regrid.onto(), which reprojects"
            )
        oy = _overlaps(s.y, s.ystep, t.y, t.ystep)
        ox = _overlaps(s.x, s.dx, t.x, t.dx)
        cy, cx = oy / abs(t.ystep), ox / t.dx
        coverage = np.outer(cy.sum(axis=1), cx.sum(axis=1))
        if method == "conservative":
            wy, wx = cy, cx
        elif method == "sum":
            wy, wx = oy / abs(s.ystep), ox / s.dx
        elif method == "bilinear":
            wy, wx = _bilinear_weights(s.y, t.y), _bilinear_weights(s.x, t.x)
        elif method == "nearest":
            wy, wx = _nearest_weights(s.y, s.ystep, t.y), _nearest_weights(s.x, s.dx, t.x)
        else:
            raise GridError(f"unknown regridding method {method!r}; use one of {_METHODS}")
        return cls(wy=wy, wx=wx, method=method, coverage=coverage)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Regrid an array whose last two axes are ``(y, x)`` on the source grid."""
        a = np.asarray(values, dtype=float)
        valid = np.isfinite(a)
        if self.method == "sum":
            return self.wy @ np.where(valid, a, 0.0) @ self.wx.T
        if valid.all():
            num = self.wy @ a @ self.wx.T
            den = self.wy @ np.ones(a.shape[-2:]) @ self.wx.T
        else:
            num = self.wy @ np.where(valid, a, 0.0) @ self.wx.T
            den = self.wy @ valid.astype(float) @ self.wx.T
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 1e-12, num / den, np.nan)


def regrid(da: xr.DataArray, like: xr.DataArray, method: Method = "conservative") -> xr.DataArray:
    """Regrid ``da`` onto the cells of ``like`` (same CRS).

    Parameters
    ----------
    da : xarray.DataArray
        Source field in any units (kept), dims ``("y", "x")`` or ``("time", "y", "x")``.
    like : xarray.DataArray
        Target grid; only its coordinates (m) and CRS are used, not its values or units.
    method : {"conservative", "sum", "bilinear", "nearest"}
        See the module docstring.

    Returns
    -------
    xarray.DataArray
        The field on ``like``'s grid, in the units of ``da``, with its name and attributes.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> coarse = xr.DataArray(np.array([[1.0, 3.0]]).repeat(2, 0), dims=("y", "x"),
    ...                       coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> fine = xr.DataArray(np.zeros((4, 4)), dims=("y", "x"),
    ...                     coords={"y": [17.5, 12.5, 7.5, 2.5], "x": [2.5, 7.5, 12.5, 17.5]})
    >>> regrid(coarse, fine).values[0].tolist()
    [1.0, 1.0, 3.0, 3.0]
    >>> float(regrid(coarse, fine, "sum").sum())  # counts keep their total
    8.0
    """
    w = Regridder.between(da, like, method)
    return _wrap(w(da.values), da, like)


def _wrap(values: np.ndarray, da: xr.DataArray, like: xr.DataArray) -> xr.DataArray:
    """Put values on ``like``'s cells, keeping ``da``'s leading dims, name and attributes."""
    lead = [d for d in da.dims if d not in ("y", "x")]
    coords = {d: da[d].values for d in lead if d in da.coords}
    coords.update({"y": like["y"].values, "x": like["x"].values})
    out = xr.DataArray(
        values, dims=(*lead, "y", "x"), coords=coords, name=da.name, attrs=dict(da.attrs)
    )
    out.attrs.pop("crs", None)
    out["x"].attrs = {"units": "m", "standard_name": "projection_x_coordinate"}
    out["y"].attrs = {"units": "m", "standard_name": "projection_y_coordinate"}
    crs = get_crs(like) or get_crs(da)
    return set_crs(out, crs) if crs is not None else out


def _yx(da: xr.DataArray) -> xr.DataArray:
    """Rename lat/lon dims to y/x and put them last."""
    rename = {
        k: v
        for k, v in (("lat", "y"), ("latitude", "y"), ("lon", "x"), ("longitude", "x"))
        if k in da.dims
    }
    g = da.rename(rename) if rename else da
    if "x" not in g.dims or "y" not in g.dims:
        raise GridError(f"grid dims {g.dims} lack x/y (or lon/lat)")
    return g.transpose(..., "y", "x")


def _axes(g: xr.DataArray, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the x and y cell centres, checked regular to 1 % of a cell (float32 files)."""
    out = []
    for name in ("x", "y"):
        v = np.asarray(g[name].values, dtype=float)
        if v.ndim != 1 or v.size < 2 or not np.all(np.isfinite(v)):
            raise GridError(f"{label}: '{name}' must be 1-D finite cell centres, at least 2")
        steps = np.diff(v)
        step = (v[-1] - v[0]) / (v.size - 1)
        if step == 0 or np.max(np.abs(steps - step)) > 0.01 * abs(step):
            raise GridError(
                f"{label}: coordinate '{name}' is not regular (steps {steps.min():g} to "
                f"{steps.max():g}); resample it onto a regular grid first"
            )
        out.append(v)
    return out[0], out[1]


def _src_crs(g: xr.DataArray, src_crs: CRS | str | None, label: str) -> CRS:
    if src_crs is not None:
        return CRS.from_user_input(src_crs)
    crs = get_crs(g)
    if crs is None:
        raise GridError(f"{label}: records no CRS; pass src_crs= (the CRS of its coordinates)")
    return crs


def _cell_size_in(
    xs: np.ndarray, ys: np.ndarray, fwd: Transformer
) -> float:
    """Side (target units) of the square of the same area as the source's central cell."""
    i, j = ys.size // 2, xs.size // 2
    hx, hy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    cx = xs[j] + np.array([-hx, hx, hx, -hx])
    cy = ys[i] + np.array([-hy, -hy, hy, hy])
    px, py = fwd.transform(cx, cy)
    area = 0.5 * abs(np.dot(px, np.roll(py, 1)) - np.dot(py, np.roll(px, 1)))
    return float(np.sqrt(area))


def _sample(
    vals: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    qx: np.ndarray,
    qy: np.ndarray,
    method: str,
) -> np.ndarray:
    """Sample ``vals[..., y, x]`` at points (qx, qy) in its own CRS; NaN outside."""
    fi = (qy - ys[0]) / (ys[1] - ys[0])
    fj = (qx - xs[0]) / (xs[1] - xs[0])
    inside = (fi >= -0.5) & (fi <= ys.size - 0.5) & (fj >= -0.5) & (fj <= xs.size - 0.5)
    if method == "nearest":
        i = np.clip(np.rint(fi), 0, ys.size - 1).astype(int)
        j = np.clip(np.rint(fj), 0, xs.size - 1).astype(int)
        return np.where(inside, vals[..., i, j], np.nan)
    if method != "bilinear":
        raise GridError(f"unknown sampling method {method!r}; use 'bilinear' or 'nearest'")
    fi = np.clip(fi, 0, ys.size - 1)
    fj = np.clip(fj, 0, xs.size - 1)
    i0 = np.minimum(np.floor(fi).astype(int), ys.size - 2)
    j0 = np.minimum(np.floor(fj).astype(int), xs.size - 2)
    ti, tj = fi - i0, fj - j0
    out = (
        vals[..., i0, j0] * (1 - ti) * (1 - tj)
        + vals[..., i0 + 1, j0] * ti * (1 - tj)
        + vals[..., i0, j0 + 1] * (1 - ti) * tj
        + vals[..., i0 + 1, j0 + 1] * ti * tj
    )
    return np.where(inside, out, np.nan)


def reproject(
    da: xr.DataArray,
    *,
    crs: CRS | str,
    src_crs: CRS | str | None = None,
    resolution: float | None = None,
    source: str | None = None,
    method: Literal["bilinear", "nearest"] = "bilinear",
) -> xr.DataArray:
    """Reproject a grid from any CRS to a new regular grid in another CRS.

    The target grid covers the outline of the source grid (of its cell centres
    for a source in degrees, as :func:`to_metric` always did; of its outer cell
    edges otherwise), aligned to multiples of the cell size; its cell centres are transformed back into the
    source CRS with pyproj and the source is sampled there (target cells
    outside the source are NaN).

    Parameters
    ----------
    da : xarray.DataArray
        Grid with dims ``(..., "y", "x")`` (or ``lat``/``lon``), regular
        coordinates in its CRS's units (degrees, m, ft), values in any units.
    crs : CRS or str
        Target CRS (projected, in metres for a drm grid).
    src_crs : CRS or str, optional
        CRS of ``da``; default: the one recorded on it.
    resolution : float, optional
        Target cell size in the target CRS's units (m). Default: the true size
        of a source cell there: for degrees, the geometric mean of the cell's
        width and height at the centre latitude rounded to 0.1 m; otherwise the
        side of the square with the area of the central source cell once
        transformed (so a 30 m Web Mercator cell at 36° N gives 24.3 m),
        rounded to 3 significant digits.
    source : str, optional
        File name for messages.
    method : {"bilinear", "nearest"}
        Bilinear for continuous fields, nearest for classes.

    Returns
    -------
    xarray.DataArray
        The reprojected grid, in the units of ``da``, north-up, with
        ``spatial_ref`` set to ``crs``.

    Raises
    ------
    GridError
        No CRS known for ``da``, fewer than 2 x 2 cells, irregular coordinates.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> x = 1000.0 * np.arange(5) - 13_050_000.0   # Web Mercator, 36.3 N
    >>> y = 4_340_000.0 - 1000.0 * np.arange(5)
    >>> wm = set_crs(xr.DataArray(np.ones((5, 5)), dims=("y", "x"), coords={"y": y, "x": x}), 3857)
    >>> utm = reproject(wm, crs="EPSG:32611")
    >>> float(utm["x"][1] - utm["x"][0])   # 1 km of Web Mercator is 805 m on the ground
    805.0
    """
    label = source or "grid"
    g = _yx(da)
    src = _src_crs(g, src_crs, label)
    dst = CRS.from_user_input(crs)
    xs, ys = _axes(g, label)
    fwd = Transformer.from_crs(src, dst, always_xy=True)
    inv = Transformer.from_crs(dst, src, always_xy=True)
    if resolution is None:
        resolution = _default_resolution(xs, ys, src, fwd)
    # bounding box of the densified outline in the target CRS: of the source cell centres
    # from degrees (as drm always did), of the outer cell edges otherwise
    ox, oy = (xs, ys) if src.is_geographic else _outer_edges(xs, ys)
    edge_x = np.concatenate([ox, np.full(oy.size, ox[-1]), ox[::-1], np.full(oy.size, ox[0])])
    edge_y = np.concatenate([np.full(ox.size, oy[0]), oy, np.full(ox.size, oy[-1]), oy[::-1]])
    ex, ey = fwd.transform(edge_x, edge_y)
    x0 = np.floor(np.min(ex) / resolution) * resolution + resolution / 2
    y1 = np.ceil(np.max(ey) / resolution) * resolution - resolution / 2
    nx = int(np.floor((np.max(ex) - x0) / resolution)) + 1
    ny = int(np.floor((y1 - np.min(ey)) / resolution)) + 1
    tx = x0 + resolution * np.arange(nx)
    ty = y1 - resolution * np.arange(ny)
    qx, qy = inv.transform(*np.meshgrid(tx, ty))
    out = _sample(np.asarray(g.values, dtype=float), xs, ys, qx, qy, method)
    like = xr.DataArray(np.empty((ny, nx)), dims=("y", "x"), coords={"y": ty, "x": tx})
    res = _wrap(out, g, set_crs(like, dst))
    log.info(
        "%s: reprojected from %s to %s at %g m cells (%s)",
        label,
        src.name,
        dst.name,
        resolution,
        method,
    )
    return res


def _outer_edges(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell-edge positions along x and y (one more than the centres)."""
    hx, hy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    return np.append(xs - hx, xs[-1] + hx), np.append(ys - hy, ys[-1] + hy)


def _default_resolution(xs: np.ndarray, ys: np.ndarray, src: CRS, fwd: Transformer) -> float:
    if src.is_geographic:
        lat_c = float(ys.mean())
        dlon, dlat = abs(xs[1] - xs[0]), abs(ys[1] - ys[0])
        m_per_deg_lat = 111_132.954 - 559.822 * np.cos(2 * np.radians(lat_c))
        m_per_deg_lon = 111_412.84 * np.cos(np.radians(lat_c))
        return round(float(np.sqrt(dlat * m_per_deg_lat * dlon * m_per_deg_lon)), 1)
    return float(f"{_cell_size_in(xs, ys, fwd):.3g}")


def to_metric(
    da: xr.DataArray,
    *,
    src_crs: CRS | str | None = None,
    crs: CRS | str | None = None,
    resolution: float | None = None,
    source: str | None = None,
) -> xr.DataArray:
    """Reproject a grid in degrees to metres (by default the local UTM zone).

    The degree case of :func:`reproject`: bilinear sampling, target cells
    outside the source are NaN.

    Parameters
    ----------
    da : xarray.DataArray
        Grid with dims ``(..., "y", "x")`` (or ``lat``/``lon``) in degrees.
    src_crs : CRS or str, optional
        CRS of ``da``; default: the one recorded on it, else WGS 84.
    crs : CRS or str, optional
        Target metric CRS; default: the UTM zone of the grid's centre.
    resolution : float, optional
        Target cell size in metres; default: the geometric mean of the source
        cell's width and height at the centre latitude, rounded to 0.1 m.
    source : str, optional
        File name for messages.

    Returns
    -------
    xarray.DataArray
        The reprojected grid, in the units of ``da``, on coordinates in metres,
        with ``spatial_ref`` set.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> lon, lat = np.linspace(-71.20, -71.16, 5), np.linspace(8.60, 8.56, 5)
    >>> deg = xr.DataArray(np.full((5, 5), 1800.0), dims=("lat", "lon"), coords={"lat": lat, "lon": lon},
    ...                    attrs={"units": "m"})
    >>> utm = to_metric(deg, resolution=500.0)
    >>> utm.dims, float(utm["x"][1] - utm["x"][0]), utm.attrs["units"]
    (('y', 'x'), 500.0, 'm')
    """
    g = _yx(da)
    src = (
        CRS.from_user_input(src_crs) if src_crs is not None else (get_crs(g) or CRS.from_epsg(4326))
    )
    if not src.is_geographic:
        raise GridError(f"{source or 'grid'}: to_metric expects a geographic grid, got {src.name}")
    xs, ys = _axes(g, source or "grid")
    dst = CRS.from_user_input(crs) if crs is not None else utm_crs(float(xs.mean()), float(ys.mean()))
    return reproject(g, crs=dst, src_crs=src, resolution=resolution, source=source)


def onto(
    da: xr.DataArray,
    like: xr.DataArray,
    method: Method = "bilinear",
    *,
    src_crs: CRS | str | None = None,
    source: str | None = None,
) -> xr.DataArray:
    """Put a grid on the cells of another (the DEM's), reprojecting when the CRSs differ.

    Parameters
    ----------
    da : xarray.DataArray
        Source grid, dims ``(..., "y", "x")`` (or ``lat``/``lon``), any CRS,
        values in any units (kept).
    like : xarray.DataArray
        Target grid (cells in m); only its coordinates and CRS are used.
    method : {"bilinear", "nearest", "conservative", "sum"}
        ``"bilinear"`` for continuous fields (elevation, depth), ``"nearest"``
        for classes (land cover), ``"conservative"`` for intensities (area
        mean), ``"sum"`` for counts (persons; NaN is 0). See the module docstring.
    src_crs : CRS or str, optional
        CRS of ``da`` when it records none.
    source : str, optional
        File name for messages.

    Returns
    -------
    xarray.DataArray
        The field on ``like``'s cells and CRS, in the units of ``da``, with its
        name and attributes; NaN where the source does not reach (0 for ``"sum"``).

    Raises
    ------
    GridError
        ``da`` records no CRS while ``like`` does (pass ``src_crs``), an unknown
        method, or a grid breaking the conventions.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> x, y = 500_000.0 + 100.0 * np.arange(4), 4_000_000.0 - 100.0 * np.arange(4)
    >>> pop = set_crs(xr.DataArray(np.full((4, 4), 10.0), dims=("y", "x"), coords={"y": y, "x": x}), 32611)
    >>> dem = set_crs(xr.DataArray(np.zeros((8, 8)), dims=("y", "x"),
    ...               coords={"y": 4_000_025.0 - 50.0 * np.arange(8), "x": 499_975.0 + 50.0 * np.arange(8)}), 32611)
    >>> round(float(onto(pop, dem, "sum").sum()), 6)   # 16 cells of 10 persons
    160.0
    """
    label = source or "grid"
    if method not in _METHODS:
        raise GridError(f"{label}: unknown regridding method {method!r}; use one of {_METHODS}")
    target = like.isel(time=0) if "time" in like.dims else like
    t = check_grid(target, "target grid", allow_all_nan=True)
    g = _yx(da)
    src = CRS.from_user_input(src_crs) if src_crs is not None else get_crs(g)
    if src is None and t.crs is not None:
        raise GridError(
            f"{label}: records no CRS, so it cannot be put on the DEM's grid "
            f"({t.crs.name}); pass the file's crs= when reading it"
        )
    if src is None or t.crs is None or src == t.crs:
        same = g if src is None else set_crs(g, src)
        if same.shape == t.shape and np.array_equal(same["x"].values, t.x) and np.array_equal(
            same["y"].values, t.y
        ):
            return same  # already on the target grid: every method is the identity
        return regrid(same, target, method)
    xs, ys = _axes(g, label)
    vals = np.asarray(g.values, dtype=float)
    if method in ("bilinear", "nearest"):
        inv = Transformer.from_crs(t.crs, src, always_xy=True)
        qx, qy = inv.transform(*np.meshgrid(t.x, t.y))
        return _wrap(_sample(vals, xs, ys, qx, qy, method), g, target)
    sums, hits = _transfer(vals, xs, ys, src, t)
    if method == "sum":
        return _wrap(sums, g, target)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _wrap(np.where(hits > 0, sums / hits, np.nan), g, target)


def _subcells(src_size: float, dst_size: float) -> int:
    # sub-cells per side of a source cell: 4 per target cell it spans, at least 4, at most 256
    return int(np.clip(np.ceil(4.0 * src_size / dst_size), 4, 256))


def _window(xs: np.ndarray, ys: np.ndarray, src: CRS, t: GridSpec) -> tuple[slice, slice]:
    """Rows and columns of the source that can reach the target (2 cells of margin)."""
    half = t.dx / 2
    ox, oy = np.meshgrid(
        np.linspace(t.x.min() - half, t.x.max() + half, 41),
        np.linspace(t.y.min() - half, t.y.max() + half, 41),
    )
    qx, qy = Transformer.from_crs(t.crs, src, always_xy=True).transform(ox.ravel(), oy.ravel())
    out = []
    for v, q in ((ys, qy), (xs, qx)):
        step = abs(v[1] - v[0])
        keep = np.flatnonzero((v >= np.nanmin(q) - 2 * step) & (v <= np.nanmax(q) + 2 * step))
        out.append(slice(int(keep[0]), int(keep[-1]) + 1) if keep.size else slice(0, 0))
    return out[0], out[1]


def _transfer(
    vals: np.ndarray, xs: np.ndarray, ys: np.ndarray, src: CRS, t: GridSpec
) -> tuple[np.ndarray, np.ndarray]:
    """Transfer sub-cells of ``vals`` (NaN as 0) to target cells between CRSs.

    Returns, per frame and target cell, the sum of the sub-cells' shares and the
    valid source area there (in source cells).
    """
    fwd = Transformer.from_crs(src, t.crs, always_xy=True)
    lead = vals.shape[:-2]
    n_cells = t.ny * t.nx
    rows, cols = _window(xs, ys, src, t)
    flat = vals.reshape(-1, ys.size, xs.size)[:, rows, cols]
    sums = np.zeros((flat.shape[0], n_cells))
    hits = np.zeros((flat.shape[0], n_cells))
    xs, ys = xs[cols], ys[rows]
    if xs.size < 2 or ys.size < 2:
        return sums.reshape(*lead, t.ny, t.nx), hits.reshape(*lead, t.ny, t.nx)
    k = _subcells(_cell_size_in(xs, ys, fwd), t.dx)
    offs = (np.arange(k) + 0.5) / k - 0.5
    sx, sy = (xs[1] - xs[0]) * offs, (ys[1] - ys[0]) * offs
    valid = np.isfinite(flat)
    amount = np.where(valid, flat, 0.0) / k**2
    rows_per_chunk = max(1, _CHUNK_POINTS // (xs.size * k * k))
    left, top = t.x0 - t.dx / 2, t.y0 - t.ystep / 2
    for r0 in range(0, ys.size, rows_per_chunk):
        r = slice(r0, min(ys.size, r0 + rows_per_chunk))
        px = np.broadcast_to(xs[None, :, None, None] + sx[None, None, None, :],
                             (ys[r].size, xs.size, k, k))
        py = np.broadcast_to(ys[r][:, None, None, None] + sy[None, None, :, None], px.shape)
        qx, qy = fwd.transform(px.ravel(), py.ravel())
        col = np.floor((qx - left) / t.dx)
        row = np.floor((qy - top) / t.ystep)
        ok = (col >= 0) & (col < t.nx) & (row >= 0) & (row < t.ny)
        cell = (row[ok] * t.nx + col[ok]).astype(np.int64)
        owner = np.repeat(np.arange(ys[r].size * xs.size), k * k)[ok]
        for f in range(flat.shape[0]):
            sums[f] += np.bincount(cell, weights=amount[f, r].ravel()[owner], minlength=n_cells)
            hits[f] += np.bincount(
                cell, weights=valid[f, r].ravel()[owner] / k**2, minlength=n_cells
            )
    return sums.reshape(*lead, t.ny, t.nx), hits.reshape(*lead, t.ny, t.nx)


def bounds_cover(inner: xr.DataArray, outer: xr.DataArray, tol_cells: float = 1e-3) -> float:
    """Return the fraction of ``inner``'s extent covered by ``outer``'s extent (0..1).

    Parameters
    ----------
    inner, outer : xarray.DataArray
        Grids in the same CRS (coordinates in m).
    tol_cells : float
        Tolerance on the edges, as a fraction of ``outer``'s cell size.

    Returns
    -------
    float
        Fraction (dimensionless) of ``inner``'s area inside ``outer``'s extent.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> small = xr.DataArray(np.ones((2, 2)), dims=("y", "x"), coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> shifted = small.assign_coords(x=small["x"] + 10.0)
    >>> round(float(bounds_cover(small, shifted)), 2)   # half of the area (edges 1e-3 cell wider)
    0.5
    """
    ix0, iy0, ix1, iy1 = grid_bounds(inner)
    ox0, oy0, ox1, oy1 = grid_bounds(outer)
    tol = tol_cells * check_grid(outer, time=None, allow_all_nan=True).dx
    w = max(0.0, min(ix1, ox1 + tol) - max(ix0, ox0 - tol))
    h = max(0.0, min(iy1, oy1 + tol) - max(iy0, oy0 - tol))
    return min(1.0, (w * h) / ((ix1 - ix0) * (iy1 - iy0)))
