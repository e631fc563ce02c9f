"""Raster grids: DEMs and other single-band grids from NetCDF, ESRI ASCII and GeoTIFF.

Every reader returns a grid that follows :mod:`drm.grids`: dims ``("y", "x")``,
north-up, cell-centre coordinates in metres, float64 with NaN for nodata and the
CRS in ``spatial_ref``. Grids in degrees are reprojected to their local UTM zone
(a log line on the ``drm`` logger says so).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from pyproj import CRS

from drm.errors import GridError, InputError, UnitError, missing_dependency
from drm.grids import as_north_up, check_grid, get_crs, set_crs
from drm.io._files import atomic_path, file_format, resolve_input
from drm.regrid import to_metric
from drm.units import convert, is_length_unit

__all__ = ["read_asc", "read_dem", "read_grid", "read_population", "write_asc", "write_grid"]

log = logging.getLogger("drm")

_RASTER_FORMATS = ("netcdf", "asc", "geotiff")
_GEO_DIMS = {"lat": "y", "latitude": "y", "lon": "x", "longitude": "x"}


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
        raise InputError(f"{path}: not a readable NetCDF file ({err})") from None


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
            f"{p}: header says {nrows} x {ncols} = {nrows * ncols} cells, body has {values.size}"
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


def read_grid(
    path: str | os.PathLike[str],
    *,
    name: str = "grid",
    var: str | None = None,
    crs: Any = None,
    preferred: tuple[str, ...] = (),
) -> xr.DataArray:
    """Read a single 2-D grid from NetCDF, ESRI ASCII or GeoTIFF into drm's conventions.

    Parameters
    ----------
    path : str or path-like
        ``.nc``, ``.asc`` or ``.tif`` file.
    name : str
        What the grid is, for messages.
    var : str, optional
        NetCDF variable to read; default: the only 2-D variable (or one of ``preferred``).
    crs : str, int or pyproj.CRS, optional
        CRS to assume when the file records none (or to override it).
    preferred : tuple of str
        Variable names tried first.

    Returns
    -------
    xarray.DataArray
        North-up float64 grid in the file's units, on coordinates in metres;
        geographic grids are reprojected to UTM.

    Raises
    ------
    DataNotFoundError, InputError, GridError, MissingDependencyError
        A missing or unreadable file, a grid breaking the conventions, or
        GeoTIFF without the ``geo`` extra.

    Examples
    --------
    >>> import drm
    >>> zones = read_grid(drm.datasets.builtin_path("hazard_data/valle_alto/population.nc"),
    ...                   var="neighbourhood_id")
    >>> zones.shape, int(zones.max())  # neighbourhood ids, 0 = none
    ((400, 400), 12)
    """
    p = resolve_input(path, name)
    fmt = file_format(p, _RASTER_FORMATS, name)
    if fmt == "asc":
        da = read_asc(p, crs=crs)
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
    da = da.rename({k: v for k, v in _GEO_DIMS.items() if k in da.dims})
    extra = [d for d in da.dims if d not in ("y", "x") and da.sizes[d] == 1]
    if extra:
        da = da.isel({d: 0 for d in extra}, drop=True)
    if crs is not None:
        da = set_crs(da, crs)
    da = da.astype(np.float64)
    file_crs = get_crs(da)
    looks_geographic = file_crs is None and _looks_like_degrees(da)
    if (file_crs is not None and file_crs.is_geographic) or looks_geographic:
        if looks_geographic:
            log.info("%s: no CRS recorded and coordinates look like degrees; assuming WGS 84", p)
        da = to_metric(da, src_crs=file_crs or CRS.from_epsg(4326), source=str(p))
    if da.ndim != 2:
        raise GridError(f"{p}: {name} must be 2-D (y, x); found dims {da.dims}")
    da = as_north_up(da.transpose("y", "x"))
    check_grid(da, name, source=str(p))
    return da


def _looks_like_degrees(da: xr.DataArray) -> bool:
    if "x" not in da.coords or "y" not in da.coords or da.sizes.get("x", 0) < 2:
        return False
    xs, ys = da["x"].values, da["y"].values
    return bool(
        abs(xs[1] - xs[0]) < 0.05 and np.all(np.abs(xs) <= 180) and np.all(np.abs(ys) <= 90)
    )


def read_dem(
    path: str | os.PathLike[str], *, var: str | None = None, crs: Any = None
) -> xr.DataArray:
    """Read a digital elevation model.

    Formats: NetCDF (``.nc``), ESRI ASCII grid (``.asc``, ``NODATA_value``
    honoured), GeoTIFF (``.tif``, needs the ``geo`` extra: ``pip install
    'drm[geo]'``). Elevations in feet (``units`` attribute) are converted to
    metres; degree grids are reprojected to the local UTM zone.

    Parameters
    ----------
    path : str or path-like
        The DEM file.
    var : str, optional
        NetCDF variable; default: ``elevation``, ``dem``, ``z``, ``band_data``,
        ``Band1`` or the only 2-D variable.
    crs : str, int or pyproj.CRS, optional
        CRS when the file records none.

    Returns
    -------
    xarray.DataArray
        Elevation in m (``units="m"``), NaN for nodata, dims ``("y", "x")``.

    Raises
    ------
    GridError
        If the DEM is all nodata, irregular, has non-square cells, or is in an
        unknown unit.

    Examples
    --------
    >>> import drm
    >>> dem = drm.io.read_dem(drm.datasets.builtin_path("hazard_data/valle_alto/dem.nc"))
    >>> dem.attrs["units"], dem.dims
    ('m', ('y', 'x'))
    """
    da = read_grid(
        path,
        name="DEM",
        var=var,
        crs=crs,
        preferred=("elevation", "dem", "z", "band_data", "Band1"),
    )
    units = da.attrs.get("units")
    if units and units not in ("m", "metre", "meter", "metres", "meters"):
        if not is_length_unit(str(units)):
            raise UnitError(
                f"{path}: DEM has units {units!r}; expected a length such as 'm' or 'ft'"
            )
        da = da.copy(data=convert(da.values, str(units), "m"))
    da.name = "elevation"
    da.attrs = {"units": "m", "long_name": "ground elevation", "standard_name": "surface_altitude"}
    return da


def write_grid(
    data: xr.DataArray | xr.Dataset,
    path: str | os.PathLike[str],
    *,
    compress: bool = True,
    float32: bool = False,
) -> Path:
    """Write a grid or dataset to NetCDF atomically (CF attributes, CRS kept).

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
    ds = data.to_dataset(name=data.name or "data") if isinstance(data, xr.DataArray) else data
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
    target = Path(path)
    with atomic_path(target) as tmp:
        ds.to_netcdf(tmp, encoding=encoding, engine="netcdf4")
    return target


def read_population(
    path: str | os.PathLike[str], *, var: str | None = None, crs: Any = None
) -> xr.DataArray:
    """Read a population grid: people per cell (NetCDF, ESRI ASCII or GeoTIFF).

    Parameters
    ----------
    path : str or path-like
        Grid file; NetCDF variable ``population`` by default.
    var : str, optional
        NetCDF variable name.
    crs : optional
        CRS when the file records none.

    Returns
    -------
    xarray.DataArray
        ``population`` in persons per cell (``units="persons"``); NaN is nodata.

    Raises
    ------
    InputError
        If any cell is negative.

    Examples
    --------
    >>> import drm
    >>> pop = drm.io.read_population(drm.datasets.builtin_path("hazard_data/valle_alto/population.nc"))
    >>> pop.attrs["units"]
    'persons'
    """
    da = read_grid(
        path, name="population", var=var, crs=crs, preferred=("population", "pop", "band_data")
    )
    if np.nanmin(da.values) < 0:
        raise InputError(
            f"{path}: population has negative values (min {np.nanmin(da.values):g}); counts must be >= 0"
        )
    da.name = "population"
    da.attrs = {"units": "persons", "long_name": "resident population per cell"}
    return da
