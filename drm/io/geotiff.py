"""Cloud-Optimised GeoTIFFs of the maps a planner puts on the municipality's GIS.

* :func:`write_cog`: one 2-D drm grid as a COG (tiled, compressed, with
  overviews, CRS and geotransform, ``units``/``long_name`` tags), written
  with rioxarray/rasterio through GDAL's ``COG`` driver, atomically.
* :func:`flood_cogs`: the maps of a flood: maximum depth (m), maximum speed
  (m/s), FD2320 hazard class (codes) and arrival time (minutes since the
  event start).
* :func:`probability_cogs`: the ensemble's probability of reaching each depth
  threshold.
* :func:`flood_hazard_class`: the hazard class grid as the report maps it.

Needs the ``geo`` extra (``pip install 'drm[geo]'``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from drm.errors import GridError, missing_dependency
from drm.grids import as_north_up, check_grid
from drm.hazard.classify import HR_CLASSES, hazard_rating, hazard_rating_class
from drm.hazard.flood import FloodResult
from drm.io._files import atomic_path

__all__ = ["flood_cogs", "flood_hazard_class", "probability_cogs", "write_cog"]

#: Nodata code of the hazard-class map (0 is a class: dry).
HAZARD_NODATA = 255
#: Fewest overview levels written (factors 2, 4, 8) where the grid is big enough.
_MIN_OVERVIEWS = 3
HAZARD_CLASS_NAMES = "0 dry, " + ", ".join(f"{k} {c[1]}" for k, c in enumerate(HR_CLASSES, start=1))


def _block_size(ny: int, nx: int) -> int:
    """Tile side (cells): 256 for grids up to 2048 cells a side, else 512."""
    return 256 if max(ny, nx) <= 2048 else 512


def _overview_count(ny: int, nx: int, block: int) -> int:
    """Overview levels: down to one tile, at least three, none smaller than one cell."""
    wanted = max(_MIN_OVERVIEWS, math.ceil(math.log2(max(ny, nx) / block)))
    return max(0, min(wanted, int(math.log2(min(ny, nx)))))


def write_cog(
    da: xr.DataArray,
    path: str | os.PathLike[str],
    *,
    nodata: float | None = None,
    overviews: bool = True,
    compress: str = "deflate",
    resampling: str | None = None,
    tags: dict[str, Any] | None = None,
    crs: Any = None,
) -> Path:
    """Write a 2-D grid as a Cloud-Optimised GeoTIFF, atomically.

    GDAL's ``COG`` driver lays the file out (tiles of 256 cells, 512 for grids
    over 2048 cells a side; overviews by factors 2, 4, 8, ... down to one tile,
    at least three levels where the grid allows); the file is stored north-up
    in the grid's CRS with its ``units`` and ``long_name`` as tags (and the
    band description).

    Parameters
    ----------
    da : xarray.DataArray
        A drm grid (dims ``y``, ``x``, cell centres in m) in its own units; NaN
        is nodata for float grids.
    path : str or path-like
        Target ``.tif`` file.
    nodata : float, optional
        Nodata value stored in the file, in the grid's units; default NaN for
        float grids, 255 for ``uint8``.
    overviews : bool
        Write overviews (reduced-resolution copies for zoomed-out views).
    compress : str
        GDAL compression: ``"deflate"``, ``"lzw"``, ``"zstd"`` or ``"none"``.
    resampling : str, optional
        Overview resampling; default ``"average"`` for floats, ``"nearest"``
        for integer codes (classes).
    tags : dict, optional
        More dataset tags (e.g. class names).
    crs : optional
        CRS when the grid records none, e.g. ``"EPSG:32619"``.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    GridError
        If the grid is not a regular 2-D drm grid or has no CRS.
    MissingDependencyError
        If rioxarray (the ``geo`` extra) is not installed.

    Examples
    --------
    >>> import pathlib, tempfile, numpy as np, rasterio, xarray as xr
    >>> from drm.grids import set_crs
    >>> g = set_crs(xr.DataArray(np.arange(64 * 48.0).reshape(48, 64), dims=("y", "x"),
    ...     coords={"y": 900_475.0 - 10 * np.arange(48), "x": 500_005.0 + 10 * np.arange(64)},
    ...     attrs={"units": "m", "long_name": "maximum water depth"}), "EPSG:32619")
    >>> path = write_cog(g, pathlib.Path(tempfile.mkdtemp()) / "depth.tif")
    >>> with rasterio.open(path) as src:
    ...     src.crs.to_epsg(), src.res, src.overviews(1), src.tags()["units"]
    (32619, (10.0, 10.0), [2, 4, 8], 'm')
    """
    try:
        import rioxarray  # noqa: F401  (registers the .rio accessor)
    except ImportError:
        raise missing_dependency("rioxarray", "geo", f"writing GeoTIFF {Path(path).name}") from None
    spec = check_grid(da, "GeoTIFF grid", allow_all_nan=True)
    crs = spec.crs if spec.crs is not None else crs
    if crs is None:
        raise GridError(
            f"{Path(path).name}: the grid records no CRS; pass crs= (e.g. the DEM's CRS)"
        )
    grid = as_north_up(da).drop_vars("spatial_ref", errors="ignore")
    integer = np.issubdtype(grid.dtype, np.integer)
    if nodata is None:
        nodata = HAZARD_NODATA if grid.dtype == np.uint8 else np.nan
    grid.attrs = {
        **{k: grid.attrs[k] for k in ("units", "long_name") if k in grid.attrs},
        **(tags or {}),
    }
    grid.encoding = {}
    grid = grid.rio.write_crs(crs).rio.write_nodata(nodata, encoded=False)
    block = _block_size(spec.ny, spec.nx)
    count = _overview_count(spec.ny, spec.nx, block) if overviews else 0
    options: dict[str, Any] = {
        "driver": "COG",
        "compress": compress.upper(),
        "blocksize": block,
        "overviews": "AUTO" if count else "NONE",
        "overview_resampling": (resampling or ("nearest" if integer else "average")).upper(),
        "bigtiff": "IF_SAFER",
    }
    if count:
        options["overview_count"] = count
    if compress.lower() != "none":
        options["predictor"] = "YES"
    target = Path(path)
    with atomic_path(target) as tmp:
        grid.rio.to_raster(tmp, **options)
    return target


def flood_hazard_class(flood: FloodResult, *, land_use: Any = "urban") -> xr.DataArray:
    """FD2320 hazard class of a flood's maximum depth and speed, as the report's hazard map draws it.

    ``HR = d (v + 0.5) + DF`` (:func:`drm.hazard.hazard_rating`, urban debris
    factor by default: the highest, erring on the safe side) from the maximum
    depth and the maximum speed of each cell, classed by
    :func:`drm.hazard.hazard_rating_class`; cells whose maximum depth stays
    under the solver's arrival depth (a film of rain) are dry.

    Parameters
    ----------
    flood : FloodResult
        With ``max_depth`` (m), ``max_velocity`` (m/s) and ``elevation`` (m).
    land_use : str or array
        Land use for the debris factor (:func:`drm.hazard.debris_factor`).

    Returns
    -------
    xarray.DataArray
        ``hazard_class`` codes (dimensionless, uint8): 0 dry, 1 low, 2
        moderate, 3 significant, 4 extreme; 255 outside the DEM.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> from drm.hazard import simulate_flood
    >>> z = 10.0 + 0.2 * np.abs(np.arange(12) - 6.0)[:, None] + np.zeros((1, 20))  # a valley
    >>> dem = set_crs(xr.DataArray(z, dims=("y", "x"), name="elevation", attrs={"units": "m"},
    ...     coords={"y": 900_005.0 - 10 * np.arange(12), "x": 500_005.0 + 10 * np.arange(20)}),
    ...     "EPSG:32619")
    >>> flood = simulate_flood(dem, 0.2 / 3600, duration="30min", output_interval="10min")
    >>> codes, cells = np.unique(flood_hazard_class(flood), return_counts=True)
    >>> codes.tolist(), cells.tolist()  # the valley floor is low hazard, the slopes stay dry
    ([0, 1], [220, 20])
    """
    ds = flood.ds
    hr = hazard_rating(
        ds["max_depth"].fillna(0.0), ds["max_velocity"].fillna(0.0), land_use=land_use
    )
    cls = np.asarray(hazard_rating_class(hr), dtype=np.int16)
    cls[ds["max_depth"].values < ds.attrs.get("arrival_depth_m", 0.05)] = 0
    cls[~np.isfinite(ds["elevation"].values)] = HAZARD_NODATA
    out = ds["max_depth"].copy(data=cls.astype(np.uint8))
    out.name = "hazard_class"
    out.attrs = {"units": "1", "long_name": f"FD2320 hazard class ({HAZARD_CLASS_NAMES})"}
    return out


def _float32(da: xr.DataArray, units: str, long_name: str) -> xr.DataArray:
    out = da.astype(np.float32)
    out.attrs = {"units": units, "long_name": long_name}
    return out


def _start_tag(start: Any) -> dict[str, str]:
    if start is None:
        return {}
    from drm.clock import parse_start

    return {"time_origin": parse_start(start).isoformat()}


def flood_cogs(
    flood: FloodResult,
    folder: str | os.PathLike[str],
    *,
    prefix: str = "",
    hazard_class: xr.DataArray | None = None,
    arrival_time_s: xr.DataArray | None = None,
    start: Any = None,
) -> dict[str, Path]:
    """Write the planner's flood maps as Cloud-Optimised GeoTIFFs.

    ``max_depth_m.tif`` (m) and ``max_velocity_ms.tif`` (m/s), float32 with
    NaN outside the DEM; ``hazard_class.tif``, uint8 FD2320 codes (0 dry, 1
    low, 2 moderate, 3 significant, 4 extreme; 255 nodata; the names in the
    ``classes`` tag); ``arrival_time_min.tif``, minutes since the event start
    when the depth first reached the solver's arrival depth (NaN where it
    never did).

    Parameters
    ----------
    flood : FloodResult
        From :func:`drm.hazard.simulate_flood`.
    folder : str or path-like
        Output folder (created if needed).
    prefix : str
        Prefix of the file names.
    hazard_class : xarray.DataArray, optional
        Class codes to write instead of :func:`flood_hazard_class` (dimensionless).
    arrival_time_s : xarray.DataArray, optional
        Arrival times (s) to write instead of the flood's ``arrival_time``.
    start : str or datetime.datetime, optional
        Event start, recorded in the arrival map's ``time_origin`` tag.

    Returns
    -------
    dict of str to pathlib.Path
        ``max_depth_m``, ``max_velocity_ms``, ``hazard_class``, ``arrival_time_min``.

    Examples
    --------
    >>> import tempfile, numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> from drm.hazard import simulate_flood
    >>> z = 10.0 + 0.2 * np.abs(np.arange(12) - 6.0)[:, None] + np.zeros((1, 20))  # a valley
    >>> dem = set_crs(xr.DataArray(z, dims=("y", "x"), name="elevation", attrs={"units": "m"},
    ...     coords={"y": 900_005.0 - 10 * np.arange(12), "x": 500_005.0 + 10 * np.arange(20)}),
    ...     "EPSG:32619")
    >>> flood = simulate_flood(dem, 0.2 / 3600, duration="30min", output_interval="10min")
    >>> sorted(p.name for p in flood_cogs(flood, tempfile.mkdtemp()).values())
    ['arrival_time_min.tif', 'hazard_class.tif', 'max_depth_m.tif', 'max_velocity_ms.tif']
    """
    out = Path(folder)
    ds = flood.ds
    cls = flood_hazard_class(flood) if hazard_class is None else hazard_class
    cls = xr.where(np.isfinite(cls) & (cls >= 0), cls, HAZARD_NODATA).astype(np.uint8)
    cls.attrs = {"units": "1", "long_name": "FD2320 hazard class"}
    arrival = ds["arrival_time"] if arrival_time_s is None else arrival_time_s
    depth = ds.attrs.get("arrival_depth_m", 0.05)
    minutes = _float32(arrival / 60.0, "min", f"first time the depth reached {depth:g} m")
    maps = {
        "max_depth_m": (_float32(ds["max_depth"], "m", "maximum water depth"), {}),
        "max_velocity_ms": (
            _float32(ds["max_velocity"], "m s-1", "maximum depth-averaged speed"),
            {},
        ),
        "hazard_class": (cls, {"classes": HAZARD_CLASS_NAMES, "nodata_code": str(HAZARD_NODATA)}),
        "arrival_time_min": (minutes, {"arrival_depth_m": f"{depth:g}", **_start_tag(start)}),
    }
    files = {}
    for name, (grid, tags) in maps.items():
        files[name] = write_cog(grid, out / f"{prefix}{name}.tif", tags=tags)
    return files


def probability_cogs(
    probability: xr.Dataset | xr.DataArray,
    folder: str | os.PathLike[str],
    *,
    prefix: str = "",
    crs: Any = None,
) -> dict[str, Path]:
    """Write an ensemble's flood probability per depth threshold as Cloud-Optimised GeoTIFFs.

    One ``flood_probability_<threshold>m.tif`` per threshold (e.g.
    ``flood_probability_0.5m.tif``): float32 share of the members whose maximum
    depth reached the threshold, in [0, 1], NaN outside the DEM.

    Parameters
    ----------
    probability : xarray.Dataset or xarray.DataArray
        ``EnsembleResult.probability`` (its ``depth_probability``) or that grid
        itself: dims ``threshold`` (m), ``y``, ``x``.
    folder : str or path-like
        Output folder.
    prefix : str
        Prefix of the file names.
    crs : optional
        CRS when the grid records none (the DEM's).

    Returns
    -------
    dict of str to pathlib.Path
        ``flood_probability_<threshold>m`` to the file; empty when there is no
        probability grid (an ensemble without finished members).

    Examples
    --------
    >>> import tempfile, numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> p = set_crs(xr.DataArray(np.full((2, 16, 16), 0.5), dims=("threshold", "y", "x"),
    ...     coords={"threshold": [0.15, 0.5], "y": 900_155.0 - 10 * np.arange(16),
    ...             "x": 500_005.0 + 10 * np.arange(16)}, name="depth_probability"), "EPSG:32619")
    >>> sorted(probability_cogs(p, tempfile.mkdtemp()))
    ['flood_probability_0.15m', 'flood_probability_0.5m']
    """
    if isinstance(probability, xr.Dataset):
        if "depth_probability" not in probability:
            return {}
        probability = probability["depth_probability"]
    files = {}
    for thr in probability["threshold"].values:
        grid = _float32(
            probability.sel(threshold=thr, drop=True), "1",
            f"probability that the maximum depth reaches {float(thr):g} m",
        )  # fmt: skip
        name = f"flood_probability_{float(thr):g}m"
        tags = {"threshold_m": f"{float(thr):g}"}
        if "members" in probability.attrs:
            tags["members"] = str(probability.attrs["members"])
        files[name] = write_cog(grid, Path(folder) / f"{prefix}{name}.tif", tags=tags, crs=crs)
    return files
