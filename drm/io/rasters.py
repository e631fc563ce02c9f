"""Raster grids: DEMs and other single-band grids from NetCDF, ESRI ASCII and GeoTIFF.

Every reader returns a grid that follows :mod:`drm.grids`: dims ``("y", "x")``,
north-up, cell-centre coordinates in metres, float64 with NaN for nodata and the
CRS in ``spatial_ref``.

Working CRS (design §9): a grid in a projected CRS in metres that is conformal
and close to true scale where the grid lies (UTM, a national Transverse
Mercator, Lambert Conformal Conic; :func:`drm.grids.working_crs_problem`) stays
in it. A grid in degrees goes to its local UTM zone (a log line on the ``drm``
logger says so). Web Mercator, other scale-distorted or non-conformal
projections (plate carrée in metres, sinusoidal, Mollweide) and CRSs in feet
are never taken as ground metres: they are reprojected to the local UTM zone
at their true ground cell size, with a :class:`~drm.errors.DrmWarning`. A CRS
with no linear units, or with no datum to reproject from, is refused.
Degrees are recognised by CF attributes and coordinate names first
(:func:`drm.io._cf.spatial_axes`), cell size only as a last resort.

``crs=`` is the file's CRS when the file records none (or records one with no
linear units); a different usable CRS recorded in the file wins, with a warning.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from pyproj import CRS, Transformer
from scipy import ndimage

from drm._version import __version__
from drm.clock import parse_start
from drm.errors import DrmWarning, GridError, InputError, UnitError, missing_dependency
from drm.grids import (
    as_north_up,
    check_grid,
    get_crs,
    new_grid_like,
    set_crs,
    utm_crs,
    working_crs_problem,
)
from drm.io._cf import spatial_axes
from drm.io._files import atomic_path, file_format, resolve_input
from drm.regrid import onto, reproject
from drm.units import convert, is_length_unit

__all__ = ["read_asc", "read_dem", "read_grid", "read_population", "write_asc", "write_grid"]

log = logging.getLogger("drm")

_RASTER_FORMATS = ("netcdf", "asc", "geotiff")
_DEM_CRS_KEY = "hazard.dem_crs"
_POP_CRS_KEY = "population.grid_crs"
#: DEM cells below this (m) are nodata sentinels: the lowest dry land is about -430 m.
_NODATA_BELOW_M = -500.0
#: A single negative population value at or below this is a nodata sentinel (-9999, -99999).
_POPULATION_SENTINEL = -999.0
#: Share of the persons inside the DEM that may be left out on its nodata edge unwarned.
_LOST_SHARE = 0.005


def _pick_variable(
    ds: xr.Dataset, var: str | None, preferred: tuple[str, ...], path: Path, ndim: int
) -> str:
    if var is not None:
        if var not in ds.data_vars:
            raise InputError(
                f"{path}: no variable {var!r}; it has {sorted(map(str, ds.data_vars))}"
            )
        return var
    for name in preferred:
        if name in ds.data_vars:
            return name
    candidates = [str(k) for k, v in ds.data_vars.items() if v.ndim == ndim]
    if len(candidates) == 1:
        return candidates[0]
    raise InputError(
        f"{path}: cannot tell which variable to read among {sorted(map(str, ds.data_vars))}; "
        "pass var='name'"
    )


def _open_netcdf(path: Path) -> xr.Dataset:
    try:
        with xr.open_dataset(path) as ds:
            return ds.load()
    except (OSError, ValueError) as err:
        raise InputError(
            f"{path}: not a readable NetCDF file ({err}); the file is damaged, cut short or not "
            "NetCDF: download or export it again"
        ) from None


def read_asc(path: str | os.PathLike[str], *, crs: Any = None) -> xr.DataArray:
    r"""Read an ESRI ASCII grid (``.asc``) with drm's own parser.

    The header gives ``ncols``, ``nrows``, ``xllcorner`` or ``xllcenter``,
    ``yllcorner`` or ``yllcenter``, ``cellsize`` and optionally
    ``NODATA_value`` (those cells become NaN). The CRS comes from ``crs`` or
    from a ``.prj`` file (WKT) beside the grid.

    Parameters
    ----------
    path : str or path-like
        The ``.asc`` file.
    crs : str, int or pyproj.CRS, optional
        CRS when there is no ``.prj``; overrides it otherwise.

    Returns
    -------
    xarray.DataArray
        North-up float64 grid in the file's units, coordinates of cell centres in
        the file's CRS units (not yet checked for metres; see :func:`read_grid`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dem.asc"
    >>> _ = path.write_text("ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 10\n"
    ...                     "NODATA_value -9999\n1 2 3\n4 5 -9999\n")
    >>> g = read_asc(path, crs="EPSG:32619")
    >>> g["x"].values.tolist(), g["y"].values.tolist(), g.values.tolist()
    ([5.0, 15.0, 25.0], [15.0, 5.0], [[1.0, 2.0, 3.0], [4.0, 5.0, nan]])
    """
    p = resolve_input(path, "ESRI ASCII grid")
    header: dict[str, str] = {}
    with open(p, encoding="ascii", errors="replace") as fh:
        while True:
            pos = fh.tell()
            line = fh.readline()
            if not line:
                break
            parts = line.split()
            if len(parts) == 2 and parts[0][0].isalpha():
                header[parts[0].lower()] = parts[1]
            else:
                fh.seek(pos)
                break
        body = fh.read()
    try:
        ncols, nrows = int(header["ncols"]), int(header["nrows"])
        if "cellsize" not in header and ("dx" in header or "xcellsize" in header):
            raise GridError(f"{p}: cells are not square (dx/dy header); drm needs square cells")
        size = float(header["cellsize"])
        # corner headers give the outer edge; centre headers the first cell's centre
        x0 = float(header["xllcenter"]) if "xllcenter" in header else float(header["xllcorner"]) + size / 2
        y_low = float(header["yllcenter"]) if "yllcenter" in header else float(header["yllcorner"]) + size / 2
    except KeyError as err:
        raise InputError(f"{p}: ESRI ASCII header lacks {err.args[0]!r}") from None
    except ValueError as err:
        raise InputError(f"{p}: bad ESRI ASCII header value ({err})") from None
    try:
        values = np.array(body.split(), dtype=float)
    except ValueError:
        raise InputError(f"{p}: the grid body has non-numeric values") from None
    if values.size != ncols * nrows:
        raise InputError(
            f"{p}: header says {nrows} x {ncols} = {nrows * ncols} cells, body has {values.size}; "
            "the file is cut short or its header is wrong: export it again"
        )
    grid = values.reshape(nrows, ncols)
    if "nodata_value" in header:
        grid[grid == float(header["nodata_value"])] = np.nan
    xs = x0 + size * np.arange(ncols)
    ys = y_low + size * (nrows - 1) - size * np.arange(nrows)
    da = xr.DataArray(grid, dims=("y", "x"), coords={"y": ys, "x": xs})
    prj = p.with_suffix(".prj")
    if crs is None and prj.exists():
        crs = prj.read_text().strip()
    return set_crs(da, crs) if crs is not None else da


def write_asc(da: xr.DataArray, path: str | os.PathLike[str], *, nodata: float = -9999.0) -> Path:
    """Write a 2-D grid as ESRI ASCII (and its CRS as a ``.prj`` beside it), atomically.

    Parameters
    ----------
    da : xarray.DataArray
        A drm grid (coordinates in m); values are written as they are, in
        their own units (the ASCII format does not record units).
    path : str or path-like
        The ``.asc`` file.
    nodata : float
        Value written for NaN cells (``NODATA_value``).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import pathlib, tempfile, numpy as np, xarray as xr
    >>> g = xr.DataArray([[1.0, np.nan], [3.0, 4.0]], dims=("y", "x"),
    ...                  coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> path = write_asc(g, pathlib.Path(tempfile.mkdtemp()) / "g.asc")
    >>> path.read_text().splitlines()[-2:]
    ['1 -9999', '3 4']
    """
    spec = check_grid(da, "grid", allow_all_nan=True)
    g = as_north_up(da)
    values = np.where(np.isfinite(g.values), g.values, nodata)
    header = (
        f"ncols {spec.nx}\nnrows {spec.ny}\nxllcenter {float(spec.x.min())!r}\n"
        f"yllcenter {float(spec.y.min())!r}\ncellsize {float(spec.dx)!r}\nNODATA_value {float(nodata)!r}\n"
    )
    target = Path(path)
    with atomic_path(target) as tmp, open(tmp, "w", encoding="ascii") as fh:
        fh.write(header)
        np.savetxt(fh, values, fmt="%.15g")
    if spec.crs is not None:
        with atomic_path(target.with_suffix(".prj")) as tmp:
            tmp.write_text(spec.crs.to_wkt())
    return target


def _read_geotiff(p: Path) -> xr.DataArray:
    try:
        import rioxarray
    except ImportError:
        raise missing_dependency("rioxarray", "geo", f"reading GeoTIFF {p.name}") from None
    da = rioxarray.open_rasterio(p, masked=True).load()
    if "band" in da.dims:
        if da.sizes["band"] != 1:
            raise InputError(f"{p}: has {da.sizes['band']} bands; drm reads single-band grids")
        da = da.isel(band=0, drop=True)
    return da


def _read_raw(p: Path, name: str, var: str | None, preferred: tuple[str, ...]) -> xr.DataArray:
    """Read one 2-D grid as stored, with its horizontal dims renamed ``y``/``x``."""
    fmt = file_format(p, _RASTER_FORMATS, name)
    if fmt == "asc":
        da = read_asc(p)
    elif fmt == "geotiff":
        da = _read_geotiff(p)
    else:
        ds = _open_netcdf(p)
        da = ds[_pick_variable(ds, var, preferred, p, ndim=2)]
        if "spatial_ref" not in da.coords and "spatial_ref" in ds.variables:
            da = da.assign_coords(spatial_ref=ds["spatial_ref"])
        gm = da.attrs.get("grid_mapping") or da.encoding.get("grid_mapping")
        if gm and gm in ds.variables and "spatial_ref" not in da.coords:
            da = da.assign_coords(spatial_ref=ds[gm].variable.to_base_variable())
        if "crs" in ds.attrs and "crs" not in da.attrs:
            da.attrs["crs"] = ds.attrs["crs"]
    axes = spatial_axes(da, str(p))
    extra = [d for d in da.dims if d not in (axes.x, axes.y) and da.sizes[d] == 1]
    if extra:
        da = da.isel({d: 0 for d in extra}, drop=True)
    if da.ndim != 2:
        raise GridError(f"{p}: {name} must be 2-D (y, x); found dims {da.dims}")
    da = da.rename({k: v for k, v in ((axes.x, "x"), (axes.y, "y")) if k != v})
    da.attrs["_degrees"] = axes.degrees
    da.attrs["_evidence"] = axes.evidence
    return da.transpose("y", "x")


def _units_problem(crs: CRS) -> str | None:
    """Say why a CRS's axes have no usable units, or None."""
    if crs.is_geographic:
        return None
    units = [(a.unit_name or "unknown").lower() for a in crs.axis_info[:2]]
    if len(units) < 2 or any(u in ("unknown", "") for u in units):
        return f"has no linear units (axis units {', '.join(units) or 'none'})"
    return None


def _resolve_crs(
    da: xr.DataArray, crs: Any, p: Path, name: str, key: str, required: bool
) -> CRS | None:
    """Decide the CRS of a grid's coordinates: the file's, else ``crs=``, else degrees -> WGS 84."""
    degrees, evidence = da.attrs.pop("_degrees", None), da.attrs.pop("_evidence", "")
    file_crs = get_crs(da)
    try:
        given = CRS.from_user_input(crs) if crs is not None else None
    except Exception as err:  # pyproj's CRSError
        raise InputError(f"{p}: crs={crs!r} is not a CRS ({err}); set {key} to e.g. 'EPSG:32619'") from None
    fix = f"pass crs= with the file's real CRS (scenario key {key}), e.g. crs='EPSG:32619'"
    if file_crs is not None and _units_problem(file_crs) is None:
        if given is not None and given != file_crs:
            warnings.warn(
                DrmWarning(
                    f"{p}: {name} records CRS {file_crs.name!r}; crs={given.name!r} ({key}) is "
                    "ignored, since crs= is only for files that record none"
                ),
                stacklevel=4,
            )
        chosen = file_crs
    elif given is not None:
        if file_crs is not None:
            log.info("%s: recorded CRS %r %s; using crs=%s", p, file_crs.name, _units_problem(file_crs), given.name)
        chosen = given
    elif file_crs is not None:
        raise GridError(f"{p}: {name} CRS {file_crs.name!r} {_units_problem(file_crs)}; {fix}")
    elif degrees:
        log.info("%s: no CRS recorded and coordinates are degrees (%s); assuming WGS 84", p, evidence)
        return CRS.from_epsg(4326)
    elif required:
        x, y = da["x"].values, da["y"].values
        raise GridError(
            f"{p}: {name} records no CRS and its coordinates look projected "
            f"(x {x.min():.6g}..{x.max():.6g}, y {y.min():.6g}..{y.max():.6g}); {fix}"
        )
    else:
        return None
    if degrees is not None and "guess" not in evidence and degrees != chosen.is_geographic:
        kind = "degrees" if degrees else "projected"
        raise GridError(
            f"{p}: {name} coordinates are {kind} ({evidence}) but its CRS {chosen.name!r} is "
            f"{'geographic' if chosen.is_geographic else 'projected'}; {fix}"
        )
    return chosen


def _lonlat(da: xr.DataArray, crs: CRS, p: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (degrees) of a grid's centre and corners."""
    if crs.geodetic_crs is None:
        raise GridError(
            f"{p}: {name} CRS {crs.name!r} is a {crs.type_name} with no datum, so drm cannot "
            f"place it on the Earth nor bring other inputs into it; give the file a real CRS "
            "(e.g. gdal_edit.py -a_srs EPSG:32619) or pass crs="
        )
    x, y = da["x"].values, da["y"].values
    px = np.array([x.mean(), x[0], x[-1], x[0], x[-1]])
    py = np.array([y.mean(), y[0], y[0], y[-1], y[-1]])
    return Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(px, py)


def _to_working(
    da: xr.DataArray, crs: CRS | None, p: Path, name: str, method: str
) -> xr.DataArray:
    """Bring a grid into a working CRS: keep a conformal metric one, else reproject to UTM."""
    if crs is None:
        return da
    da = set_crs(da, crs)
    if crs.is_geographic:
        dst = utm_crs(float(da["x"].mean()), float(da["y"].mean()))
        return reproject(da, crs=dst, src_crs=crs, source=str(p), method=method)  # type: ignore[arg-type]
    lon, lat = _lonlat(da, crs, p, name)
    problem = working_crs_problem(crs, lon, lat)
    if problem is None:
        return da
    dst = utm_crs(float(lon[0]), float(lat[0]))
    out = reproject(da, crs=dst, src_crs=crs, source=str(p), method=method)  # type: ignore[arg-type]
    src_dx = abs(float(da["x"][1] - da["x"][0]))
    unit = crs.axis_info[0].unit_name
    warnings.warn(
        DrmWarning(
            f"{p}: {name} CRS {crs.name!r} {problem}, so its coordinates are not metres on the "
            f"ground; reprojected to {dst.name} at {float(out['x'][1] - out['x'][0]):g} m cells "
            f"(the file's cells are {src_dx:g} {unit})"
        ),
        stacklevel=3,
    )
    return out


def _sampling(da: xr.DataArray) -> str:
    """Default resampling: nearest for integer (class) grids, bilinear otherwise."""
    kind = np.dtype(da.encoding.get("dtype", da.dtype)).kind
    return "nearest" if kind in "iub" else "bilinear"


def _finish(da: xr.DataArray, p: Path, name: str) -> xr.DataArray:
    da = as_north_up(da.transpose("y", "x"))
    check_grid(da, name, source=str(p))
    return da


def read_grid(
    path: str | os.PathLike[str],
    *,
    name: str = "grid",
    var: str | None = None,
    crs: Any = None,
    preferred: tuple[str, ...] = (),
    method: str | None = None,
) -> xr.DataArray:
    """Read a single 2-D grid from NetCDF, ESRI ASCII or GeoTIFF into drm's conventions.

    The grid is brought into a working CRS (see the module docstring): kept
    in a conformal metric CRS, reprojected to the local UTM zone from degrees
    (log line) or from Web Mercator, other distorted projections and feet
    (:class:`~drm.errors.DrmWarning`). A grid with no CRS and projected-looking
    coordinates is returned as it is (:func:`read_dem` refuses it); to put a
    grid on the DEM's cells use :func:`drm.regrid.onto`.

    Parameters
    ----------
    path : str or path-like
        ``.nc``, ``.asc`` or ``.tif`` file.
    name : str
        What the grid is, for messages.
    var : str, optional
        NetCDF variable to read; default: the only 2-D variable (or one of ``preferred``).
    crs : str, int or pyproj.CRS, optional
        The file's CRS when it records none (or records one with no linear units).
    preferred : tuple of str
        Variable names tried first.
    method : {"bilinear", "nearest"}, optional
        Sampling when reprojecting; default: nearest for integer files (classes,
        ids), bilinear otherwise.

    Returns
    -------
    xarray.DataArray
        North-up float64 grid in the file's units, on coordinates in metres.

    Raises
    ------
    DataNotFoundError, InputError, GridError, MissingDependencyError
        A missing or unreadable file, a grid breaking the conventions, a CRS
        with no linear units, or GeoTIFF without the ``geo`` extra.

    Examples
    --------
    >>> import drm
    >>> zones = read_grid(drm.datasets.builtin_path("hazard_data/valle_alto/population.nc"),
    ...                   var="neighbourhood_id")
    >>> zones.shape, int(zones.max())  # neighbourhood ids, 0 = none
    ((400, 400), 12)
    """
    p = resolve_input(path, name)
    raw = _read_raw(p, name, var, preferred)
    sampling = method or _sampling(raw)
    src = _resolve_crs(raw, crs, p, name, "crs", required=False)
    da = _to_working(raw.astype(np.float64), src, p, name, sampling)
    return _finish(da, p, name)


def _dem_in_metres(da: xr.DataArray, p: Path) -> xr.DataArray:
    units = da.attrs.get("units")
    if units and units not in ("m", "metre", "meter", "metres", "meters"):
        if not is_length_unit(str(units)):
            raise UnitError(f"{p}: DEM has units {units!r}; expected a length such as 'm' or 'ft'")
        da = da.copy(data=convert(da.values, str(units), "m"))
    return da


def _mask_undeclared_nodata(da: xr.DataArray, p: Path) -> xr.DataArray:
    low = da.values < _NODATA_BELOW_M
    if not low.any():
        return da
    found = np.unique(da.values[low])
    shown = ", ".join(f"{v:g}" for v in found[:3]) + (" ..." if found.size > 3 else "")
    warnings.warn(
        DrmWarning(
            f"{p}: {int(low.sum())} DEM cells below {_NODATA_BELOW_M:g} m ({shown}) taken as "
            "nodata; declare the file's nodata (_FillValue, NODATA_value or the GeoTIFF nodata "
            "tag) to say so"
        ),
        stacklevel=3,
    )
    out = da.where(~low)
    if not np.isfinite(out.values).any():
        raise GridError(f"{p}: DEM: every cell is nodata ({shown}); check the file's nodata value")
    return out


def read_dem(
    path: str | os.PathLike[str], *, var: str | None = None, crs: Any = None
) -> xr.DataArray:
    """Read a digital elevation model into the working CRS.

    Formats: NetCDF (``.nc``), ESRI ASCII grid (``.asc``, ``NODATA_value``
    honoured), GeoTIFF (``.tif``, needs the ``geo`` extra: ``pip install
    'drm[geo]'``). Elevations in feet (``units`` attribute) are converted to
    metres. Cells below -500 m in a file that does not declare them nodata
    (SRTM's -32768, ASCII -9999) are masked with a
    :class:`~drm.errors.DrmWarning` naming the count. The DEM's CRS becomes the
    working CRS when it is conformal and metric (UTM, a national Transverse
    Mercator, Lambert Conformal Conic); a DEM in degrees goes to its local UTM
    zone; Web Mercator, other distorted projections and CRSs in feet are
    reprojected to the local UTM zone at their true ground cell size, with a
    warning (a 30 m Web Mercator cell at 36° N becomes 24.3 m).

    Parameters
    ----------
    path : str or path-like
        The DEM file.
    var : str, optional
        NetCDF variable; default: ``elevation``, ``dem``, ``z``, ``band_data``,
        ``Band1`` or the only 2-D variable.
    crs : str, int or pyproj.CRS, optional
        The file's CRS when it records none (scenario key ``hazard.dem_crs``).

    Returns
    -------
    xarray.DataArray
        Elevation in m (``units="m"``), NaN for nodata, dims ``("y", "x")``.

    Raises
    ------
    GridError
        If the DEM is all nodata, irregular, has non-square cells, records no
        CRS while its coordinates look projected, or has a CRS with no linear
        units or no datum.
    UnitError
        If the elevation units are not a length.

    Examples
    --------
    >>> import drm
    >>> dem = drm.io.read_dem(drm.datasets.builtin_path("hazard_data/valle_alto/dem.nc"))
    >>> dem.attrs["units"], dem.dims
    ('m', ('y', 'x'))
    """
    p = resolve_input(path, "DEM")
    raw = _read_raw(p, "DEM", var, ("elevation", "dem", "z", "band_data", "Band1"))
    src = _resolve_crs(raw, crs, p, "DEM", _DEM_CRS_KEY, required=True)
    da = _mask_undeclared_nodata(_dem_in_metres(raw.astype(np.float64), p), p)
    da = _finish(_to_working(da, src, p, "DEM", "bilinear"), p, "DEM")
    da.name = "elevation"
    da.attrs = {"units": "m", "long_name": "ground elevation", "standard_name": "surface_altitude"}
    return da


#: CF standard names of drm grid variables that have one (CF standard name table).
_STANDARD_NAMES = {"elevation": "surface_altitude"}
_XY_ATTRS = {
    "x": {"standard_name": "projection_x_coordinate", "long_name": "x coordinate of projection",
          "units": "m", "axis": "X"},
    "y": {"standard_name": "projection_y_coordinate", "long_name": "y coordinate of projection",
          "units": "m", "axis": "Y"},
}  # fmt: skip
_TIME_LONG_NAME = "time since the start of the event"


def _geotransform(ds: xr.Dataset) -> str | None:
    """GDAL's six numbers of a regular north-up grid: left edge, dx, 0, top edge, 0, -dy (m)."""
    x, y = ds["x"].values.astype(float), ds["y"].values.astype(float)
    if x.size < 2 or y.size < 2:
        return None
    dx, dy = abs(x[1] - x[0]), abs(y[1] - y[0])
    numbers = (x.min() - dx / 2, dx, 0.0, y.max() + dy / 2, 0.0, -dy)
    return " ".join(f"{float(v):.17g}" for v in numbers)


def _grid_mapping(ds: xr.Dataset) -> xr.Dataset:
    """Record the CRS as a CF grid-mapping variable ``spatial_ref`` that GDAL reads, and point the grids at it."""
    if "spatial_ref" in ds.data_vars:
        ds = ds.set_coords("spatial_ref")
    crs = get_crs(ds)
    if crs is None:
        return ds
    attrs = crs.to_cf()
    attrs["spatial_ref"] = attrs["crs_wkt"]
    transform = _geotransform(ds)
    if transform is not None:
        attrs["GeoTransform"] = transform
    attrs["long_name"] = "coordinate reference system"
    ds = ds.assign_coords(spatial_ref=xr.DataArray(np.int32(0), attrs=attrs))
    for v in ds.data_vars.values():
        if "x" in v.dims and "y" in v.dims:
            v.attrs["grid_mapping"] = "spatial_ref"
            v.encoding.pop("grid_mapping", None)
    return ds


def _time_axis(ds: xr.Dataset, start: Any) -> None:
    """CF time axis: ``seconds since <start>`` when the event start is known, else plain seconds."""
    t = ds["time"]
    if np.issubdtype(t.dtype, np.datetime64) or "since" in str(t.attrs.get("units", "")):
        return
    if t.attrs.get("units", "s") not in ("s", "seconds"):
        return
    if start is None:
        t.attrs.update(units="s", long_name=t.attrs.get("long_name", _TIME_LONG_NAME))
        return
    iso = parse_start(start).isoformat()
    t.attrs.update(
        units=f"seconds since {iso}", calendar="standard", standard_name="time", axis="T",
        long_name=_TIME_LONG_NAME,
    )  # fmt: skip


def _cf_dataset(data: xr.DataArray | xr.Dataset, start: Any = None) -> xr.Dataset:
    """The dataset ``write_grid`` writes: CF-1.8 attributes and a grid mapping GDAL reads.

    The CRS (:func:`drm.grids.get_crs`) becomes a scalar ``spatial_ref``
    variable with the CF grid-mapping attributes (:meth:`pyproj.CRS.to_cf`),
    ``crs_wkt``, ``spatial_ref`` (WKT, read by GDAL) and ``GeoTransform``;
    every variable on ``(y, x)`` gets ``grid_mapping = "spatial_ref"``; ``x``
    and ``y`` get ``standard_name`` projection_x/y_coordinate, ``units = "m"``
    and ``axis``; a time axis in seconds becomes ``seconds since <start>``
    (ISO 8601 with its offset) when the event start is known, else stays
    ``units = "s"`` with a ``long_name`` saying since when; known variables get
    their CF ``standard_name`` (``elevation``: ``surface_altitude``).

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Grids in m with their own ``units``; not modified.
    start : str or datetime.datetime, optional
        Event start (time 0), e.g. ``"2026-10-03T00:00-04:00"``; without an
        offset it is UTC.

    Returns
    -------
    xarray.Dataset
        A copy, with the values unchanged.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> g = set_crs(xr.DataArray(np.zeros((2, 3)), dims=("y", "x"), name="depth",
    ...             coords={"y": [15.0, 5.0], "x": [5.0, 15.0, 25.0]}), "EPSG:32619")
    >>> ds = _cf_dataset(g)
    >>> ds["depth"].attrs["grid_mapping"], ds["spatial_ref"].attrs["GeoTransform"]
    ('spatial_ref', '0 10 0 20 0 -10')
    """
    ds = data.to_dataset(name=data.name or "data") if isinstance(data, xr.DataArray) else data
    ds = ds.copy()
    for v in ds.variables.values():
        v.attrs = dict(v.attrs)
        v.encoding = dict(v.encoding)
    ds.attrs = {
        "Conventions": "CF-1.8", "title": "drm grids", "history": f"written by drm {__version__}",
        **ds.attrs,
    }  # fmt: skip
    if "x" in ds.dims and "y" in ds.dims and "x" in ds.coords and "y" in ds.coords:
        ds = _grid_mapping(ds)
        for c in ("x", "y"):
            ds[c].attrs.update(_XY_ATTRS[c])
    if "time" in ds.coords and ds["time"].ndim == 1:
        _time_axis(ds, start)
    for k, name in _STANDARD_NAMES.items():
        if k in ds.data_vars:
            ds[k].attrs.setdefault("standard_name", name)
    return ds


def write_grid(
    data: xr.DataArray | xr.Dataset,
    path: str | os.PathLike[str],
    *,
    compress: bool = True,
    float32: bool = False,
    start: Any = None,
) -> Path:
    """Write a grid or dataset to CF-1.8 NetCDF atomically, with a CRS GDAL and QGIS read.

    The file has a ``spatial_ref`` grid-mapping variable (CF attributes,
    ``crs_wkt``, ``spatial_ref`` and ``GeoTransform``) that every ``(y, x)``
    variable points at, CF coordinate attributes (``x``/``y`` in m), and the
    time axis as ``seconds since <start>`` when ``start`` is given.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        What to write, with its own ``units`` attributes (kept); a DataArray is
        written as a variable named after it.
    path : str or path-like
        Target ``.nc`` file; written to a temporary file first, then moved.
    compress : bool
        zlib level 4 compression of data variables.
    float32 : bool
        Store float variables as float32 (halves the size; ~7 significant digits).
    start : str or datetime.datetime, optional
        Event start (time 0 of a ``time`` axis in s), e.g. ``"2026-10-03T00:00-04:00"``.

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import pathlib, tempfile, xarray as xr
    >>> depth = xr.DataArray([[0.0, 0.4]], dims=("y", "x"), coords={"y": [5.0], "x": [5.0, 15.0]},
    ...                      name="depth", attrs={"units": "m"})
    >>> path = write_grid(depth, pathlib.Path(tempfile.mkdtemp()) / "depth.nc")
    >>> xr.open_dataset(path)["depth"].attrs["units"]
    'm'
    """
    ds = _cf_dataset(data, start)
    encoding: dict[str, dict[str, Any]] = {}
    for k, v in ds.data_vars.items():
        enc: dict[str, Any] = {}
        if compress:
            enc.update(zlib=True, complevel=4)
        if float32 and np.issubdtype(v.dtype, np.floating):
            enc["dtype"] = "float32"
        if np.issubdtype(v.dtype, np.floating):
            enc["_FillValue"] = np.nan
        encoding[str(k)] = enc
    for k, v in ds.coords.items():
        if np.issubdtype(v.dtype, np.floating):  # coordinates have no missing values (CF 5)
            encoding[str(k)] = {"_FillValue": None}
    target = Path(path)
    with atomic_path(target) as tmp:
        ds.to_netcdf(tmp, encoding=encoding, engine="netcdf4")
    return target


def _population_nodata(da: xr.DataArray, p: Path) -> xr.DataArray:
    """NaN for nodata: declared (already NaN) or one undeclared sentinel such as -99999."""
    neg = da.values < 0
    if not neg.any():
        return da
    found = np.unique(da.values[neg])
    if found.size == 1 and found[0] <= _POPULATION_SENTINEL:
        warnings.warn(
            DrmWarning(
                f"{p}: {int(neg.sum())} population cells at {found[0]:g} taken as nodata "
                "(0 persons); declare the file's nodata to say so"
            ),
            stacklevel=3,
        )
        return da.where(~neg)
    raise InputError(
        f"{p}: population has negative values (min {found[0]:g}); counts must be >= 0 "
        "(declare the file's nodata value if that is what they are)"
    )


def _dem_nodata(persons: np.ndarray, dem: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Move people off DEM nodata cells.

    Voids inside the DEM give their people to the nearest valid cell; nodata
    reaching the DEM's edge (outside a clipped area, the sea) is left out.
    Returns the grid, the persons left out and the persons moved.
    """
    nan = ~np.isfinite(dem)
    if not nan.any():
        return persons, 0.0, 0.0
    labels, _ = ndimage.label(nan)
    rim = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge = np.isin(labels, rim[rim > 0])
    void = nan & ~edge
    out = persons.copy()
    dropped = float(out[edge].sum())
    out[edge] = 0.0
    moved = float(out[void].sum())
    if moved > 0:
        _, (ri, ci) = ndimage.distance_transform_edt(nan, return_indices=True)
        np.add.at(out, (ri[void], ci[void]), out[void])
        out[void] = 0.0
    return out, dropped, moved


def _covered(raw: xr.DataArray, src: CRS | None, like: xr.DataArray) -> float:
    """Share of the DEM's valid cells whose centres lie inside the population raster."""
    valid = np.isfinite(like.values)
    gx, gy = np.meshgrid(like["x"].values, like["y"].values)
    qx, qy = gx[valid], gy[valid]
    dst = get_crs(like)
    if src is not None and dst is not None and src != dst:
        qx, qy = Transformer.from_crs(dst, src, always_xy=True).transform(qx, qy)
    x, y = raw["x"].values, raw["y"].values
    hx, hy = abs(x[1] - x[0]) / 2, abs(y[1] - y[0]) / 2
    inside = (qx >= x.min() - hx) & (qx <= x.max() + hx) & (qy >= y.min() - hy) & (qy <= y.max() + hy)
    return float(inside.mean()) if inside.size else 0.0


def _padded(da: xr.DataArray) -> xr.DataArray:
    """The grid with one more row and column of NaN on each side."""
    out = da.pad(x=1, y=1)
    coords = {}
    for c in ("x", "y"):
        v = da[c].values
        step = v[1] - v[0]
        coords[c] = np.concatenate([[v[0] - step], v, [v[-1] + step]])
    return out.assign_coords(coords)


def _population_onto(
    raw: xr.DataArray, src: CRS | None, like: xr.DataArray, p: Path
) -> xr.DataArray:
    t = check_grid(like, "DEM")
    filled = raw.fillna(0.0)
    if src is not None:
        filled = set_crs(filled, src)
    in_file = float(filled.sum())
    moved = onto(filled, like, "sum", src_crs=src, source=str(p)).values
    on_dem = float(moved.sum())
    persons, dropped, shifted = _dem_nodata(moved, like.values)
    outside = max(0.0, in_file - on_dem)
    share = _covered(raw, src, like)
    if share < 0.999:
        warnings.warn(
            DrmWarning(
                f"{p}: the population raster covers {100 * share:.1f}% of the DEM's valid cells; "
                "the rest get 0 persons (use a raster covering the whole DEM)"
            ),
            stacklevel=3,
        )
    if dropped > _LOST_SHARE * max(on_dem, 1e-12):
        warnings.warn(
            DrmWarning(
                f"{p}: {dropped:,.0f} of the {on_dem:,.0f} persons inside the DEM "
                f"({100 * dropped / on_dem:.1f}%) are on DEM nodata cells reaching its edge and "
                "are left out (extend the DEM or fill its nodata to keep them)"
            ),
            stacklevel=3,
        )
    log.info(
        "%s: %.0f persons in the file, %.0f put on the DEM's %g m cells, %.0f outside it, "
        "%.0f on its nodata edge, %.0f moved out of its voids",
        p, in_file, on_dem - dropped, t.dx, outside, dropped, shifted,
    )
    out = new_grid_like(
        like, data=persons, name="population", units="persons",
        long_name="resident population per cell",
    )
    out.attrs.update(
        persons_in_file=in_file,
        persons_outside_dem=outside,
        persons_on_nodata=dropped,
        persons_moved_from_voids=shifted,
        source=p.name,
    )
    return out


def read_population(
    path: str | os.PathLike[str],
    like: xr.DataArray | None = None,
    *,
    var: str | None = None,
    crs: Any = None,
) -> xr.DataArray:
    """Read a population grid: people per cell (NetCDF, ESRI ASCII or GeoTIFF).

    Nodata (the file's declared nodata, NaN, or one undeclared negative sentinel
    such as WorldPop's -99999, with a :class:`~drm.errors.DrmWarning`) is 0 persons.

    With ``like`` (the DEM), the counts are moved onto the DEM's cells keeping
    people: each valid source pixel's persons are shared among the DEM cells
    its area overlaps — exact area fractions when both grids share a CRS,
    otherwise ``k x k`` sub-pixels transformed into the DEM's CRS (see
    :mod:`drm.regrid`), so the total of the pixels inside the DEM is kept to
    well under 0.1 %. People on DEM nodata are handled so: voids inside the DEM
    (nodata not reaching its edge) give their people to the nearest valid cell;
    nodata reaching the edge (a clipped catchment, the sea) is outside the
    model and its people are left out. Attributes report ``persons_in_file``
    (valid total of the whole file), ``persons_outside_dem``,
    ``persons_on_nodata`` (left out) and ``persons_moved_from_voids``. A
    :class:`~drm.errors.DrmWarning` is raised when more than 0.5 % of the
    persons inside the DEM are left out on nodata, or when the raster does not
    cover all the DEM's valid cells; people outside the DEM (a country-wide
    file) are only reported.

    Parameters
    ----------
    path : str or path-like
        Grid file; NetCDF variable ``population`` by default.
    like : xarray.DataArray, optional
        The DEM (cells in m); when given the result is on its grid.
    var : str, optional
        NetCDF variable name (scenario key ``population.grid_var``).
    crs : optional
        The file's CRS when it records none (scenario key ``population.grid_crs``).

    Returns
    -------
    xarray.DataArray
        ``population`` in persons per cell (``units="persons"``). Without
        ``like``: on the file's grid (NaN is nodata), or, for a file in degrees
        or a distorted projection, moved conservatively onto a UTM grid of its
        own ground cell size (0 where nobody lives). With ``like``: on the
        DEM's grid, 0 where nobody lives.

    Raises
    ------
    InputError
        If counts are negative (other than one nodata sentinel).
    GridError
        With ``like``, if the file records no CRS and its coordinates look
        projected (pass ``crs``).

    Examples
    --------
    >>> import drm
    >>> path = drm.datasets.builtin_path("hazard_data/valle_alto/population.nc")
    >>> pop = drm.io.read_population(path)
    >>> pop.attrs["units"]
    'persons'
    >>> dem = drm.io.read_dem(drm.datasets.builtin_path("hazard_data/valle_alto/dem.nc"))
    >>> on_dem = drm.io.read_population(path, like=dem)
    >>> round(float(on_dem.sum())) == round(on_dem.attrs["persons_in_file"])
    True
    """
    p = resolve_input(path, "population")
    raw = _read_raw(p, "population", var, ("population", "pop", "band_data"))
    required = like is not None and get_crs(like) is not None
    src = _resolve_crs(raw, crs, p, "population", _POP_CRS_KEY, required=required)
    raw = _population_nodata(raw.astype(np.float64), p)
    if like is not None:
        return _population_onto(raw, src, like, p)
    if src is not None:
        raw = set_crs(raw, src)
    # the working grid of a raster one pixel wider on each side, so its edge pixels fit whole
    padded = _padded(raw)
    geom = _to_working(padded, src, p, "population", "nearest")
    if src is not None and not geom["x"].equals(padded["x"]):
        raw = onto(set_crs(raw.fillna(0.0), src), geom, "sum", src_crs=src, source=str(p))
    da = _finish(raw, p, "population")
    da.name = "population"
    da.attrs = {"units": "persons", "long_name": "resident population per cell"}
    return da
