"""Regridding between regular grids, and reprojection of degree grids to metres.

Two methods move a field from one regular grid onto another in the same CRS:

``"conservative"``
    Area-weighted mean of the source cells each target cell overlaps. The
    integral of the field (e.g. rain volume) over fully covered cells is kept
    exactly. Because both grids are rectilinear, the overlap weights separate
    into a row matrix and a column matrix, ``out = Wy @ field @ Wx.T``.
    Use it for fluxes and amounts: rainfall, population density.
``"bilinear"``
    Linear interpolation between source cell centres along each axis (values
    beyond the outermost centres take the edge value). Smooth; use it for
    continuous fields (elevation) or when the target is coarser only slightly.

Nodata (NaN) in the source is left out and the weights renormalised; a target
cell with no valid source underneath is NaN.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr
from pyproj import CRS, Transformer

from drm.errors import GridError
from drm.grids import check_grid, get_crs, grid_bounds, set_crs, utm_crs

__all__ = ["Regridder", "bounds_cover", "regrid", "to_metric"]

log = logging.getLogger("drm")

Method = Literal["conservative", "bilinear"]


def _edges(centres: np.ndarray, step: float) -> np.ndarray:
    return np.concatenate([centres - step / 2, centres[-1:] + step / 2])


def _conservative_weights(
    src: np.ndarray, s_step: float, dst: np.ndarray, d_step: float
) -> np.ndarray:
    """Overlap lengths of target cells with source cells, divided by target length."""
    s_lo = np.minimum(src - s_step / 2, src + s_step / 2)
    s_hi = np.maximum(src - s_step / 2, src + s_step / 2)
    d_lo = np.minimum(dst - d_step / 2, dst + d_step / 2)
    d_hi = np.maximum(dst - d_step / 2, dst + d_step / 2)
    overlap = np.minimum(d_hi[:, None], s_hi[None, :]) - np.maximum(d_lo[:, None], s_lo[None, :])
    return np.clip(overlap, 0.0, None) / abs(d_step)


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


@dataclass(frozen=True)
class Regridder:
    """Precomputed separable weights from one grid to another.

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
        ``"conservative"`` or ``"bilinear"``.
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
        """Build the weights from ``source``'s grid to ``target``'s grid."""
        s = check_grid(source, "source grid", time=None, allow_all_nan=True)
        t = check_grid(target, "target grid", time=None, allow_all_nan=True)
        if s.crs is not None and t.crs is not None and s.crs != t.crs:
            raise GridError(
                f"source grid CRS {s.crs.to_string()} differs from target CRS {t.crs.to_string()}; "
                "reproject first"
            )
        cy = _conservative_weights(s.y, s.ystep, t.y, t.ystep)
        cx = _conservative_weights(s.x, s.dx, t.x, t.dx)
        coverage = np.outer(cy.sum(axis=1), cx.sum(axis=1))
        if method == "conservative":
            wy, wx = cy, cx
        elif method == "bilinear":
            wy, wx = _bilinear_weights(s.y, t.y), _bilinear_weights(s.x, t.x)
        else:
            raise GridError(
                f"unknown regridding method {method!r}; use 'conservative' or 'bilinear'"
            )
        return cls(wy=wy, wx=wx, method=method, coverage=coverage)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Regrid an array whose last two axes are ``(y, x)`` on the source grid."""
        a = np.asarray(values, dtype=float)
        valid = np.isfinite(a)
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
    method : {"conservative", "bilinear"}
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
    """
    w = Regridder.between(da, like, method)
    values = w(da.values)
    dims = da.dims
    coords = {"y": like["y"].values, "x": like["x"].values}
    if "time" in dims:
        coords["time"] = da["time"].values
    out = xr.DataArray(values, dims=dims, coords=coords, name=da.name, attrs=dict(da.attrs))
    crs = get_crs(like) or get_crs(da)
    return set_crs(out, crs) if crs is not None else out


def to_metric(
    da: xr.DataArray,
    *,
    src_crs: CRS | str | None = None,
    crs: CRS | str | None = None,
    resolution: float | None = None,
    source: str | None = None,
) -> xr.DataArray:
    """Reproject a grid in degrees to metres (by default the local UTM zone).

    Target cell centres are transformed back to longitude/latitude with pyproj
    and the source is sampled bilinearly there; target cells outside the
    source are NaN.

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
    rename = {
        k: v
        for k, v in (("lat", "y"), ("latitude", "y"), ("lon", "x"), ("longitude", "x"))
        if k in da.dims
    }
    g = da.rename(rename) if rename else da
    src = (
        CRS.from_user_input(src_crs) if src_crs is not None else (get_crs(g) or CRS.from_epsg(4326))
    )
    if not src.is_geographic:
        raise GridError(f"{source or 'grid'}: to_metric expects a geographic grid, got {src.name}")
    lon = np.asarray(g["x"].values, dtype=float)
    lat = np.asarray(g["y"].values, dtype=float)
    if lon.size < 2 or lat.size < 2:
        raise GridError(f"{source or 'grid'}: needs at least 2 x 2 cells")
    lon_c, lat_c = float(lon.mean()), float(lat.mean())
    dst = CRS.from_user_input(crs) if crs is not None else utm_crs(lon_c, lat_c)
    dlon = abs(lon[1] - lon[0])
    dlat = abs(lat[1] - lat[0])
    if resolution is None:
        m_per_deg_lat = 111_132.954 - 559.822 * np.cos(2 * np.radians(lat_c))
        m_per_deg_lon = 111_412.84 * np.cos(np.radians(lat_c))
        resolution = round(float(np.sqrt(dlat * m_per_deg_lat * dlon * m_per_deg_lon)), 1)
    fwd = Transformer.from_crs(src, dst, always_xy=True)
    inv = Transformer.from_crs(dst, src, always_xy=True)
    # bounding box of the densified source outline in the target CRS
    edge_lon = np.concatenate(
        [lon, np.full(lat.size, lon[-1]), lon[::-1], np.full(lat.size, lon[0])]
    )
    edge_lat = np.concatenate(
        [np.full(lon.size, lat[0]), lat, np.full(lon.size, lat[-1]), lat[::-1]]
    )
    ex, ey = fwd.transform(edge_lon, edge_lat)
    x0 = np.floor(np.min(ex) / resolution) * resolution + resolution / 2
    y1 = np.ceil(np.max(ey) / resolution) * resolution - resolution / 2
    nx = int(np.floor((np.max(ex) - x0) / resolution)) + 1
    ny = int(np.floor((y1 - np.min(ey)) / resolution)) + 1
    xs = x0 + resolution * np.arange(nx)
    ys = y1 - resolution * np.arange(ny)
    gx, gy = np.meshgrid(xs, ys)
    qlon, qlat = inv.transform(gx, gy)
    # fractional indices into the source axes, then bilinear sampling
    fi = (qlat - lat[0]) / (lat[1] - lat[0])
    fj = (qlon - lon[0]) / (lon[1] - lon[0])
    inside = (fi >= -0.5) & (fi <= lat.size - 0.5) & (fj >= -0.5) & (fj <= lon.size - 0.5)
    fi = np.clip(fi, 0, lat.size - 1)
    fj = np.clip(fj, 0, lon.size - 1)
    i0 = np.minimum(np.floor(fi).astype(int), lat.size - 2)
    j0 = np.minimum(np.floor(fj).astype(int), lon.size - 2)
    ti, tj = fi - i0, fj - j0
    vals = np.asarray(g.transpose(..., "y", "x").values, dtype=float)

    def at(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return vals[..., i, j]

    out = (
        at(i0, j0) * (1 - ti) * (1 - tj)
        + at(i0 + 1, j0) * ti * (1 - tj)
        + at(i0, j0 + 1) * (1 - ti) * tj
        + at(i0 + 1, j0 + 1) * ti * tj
    )
    out = np.where(inside, out, np.nan)
    lead_dims = [d for d in g.transpose(..., "y", "x").dims if d not in ("y", "x")]
    coords = {d: g[d].values for d in lead_dims if d in g.coords}
    coords.update({"y": ys, "x": xs})
    res = xr.DataArray(
        out, dims=(*lead_dims, "y", "x"), coords=coords, name=da.name, attrs=dict(da.attrs)
    )
    res.attrs.pop("crs", None)
    res["x"].attrs = {"units": "m", "standard_name": "projection_x_coordinate"}
    res["y"].attrs = {"units": "m", "standard_name": "projection_y_coordinate"}
    log.info(
        "%s: reprojected from %s (degrees) to %s at %.1f m cells",
        source or "grid",
        src.name,
        dst.name,
        resolution,
    )
    return set_crs(res, dst)


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
