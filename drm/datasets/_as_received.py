"""Kettle Ford as a planner receives it: the real-terrain sample in the formats of real products.

:func:`write_as_received` writes the town of :func:`~drm.datasets.real_terrain_town` again,
file by file, the way the data reach a civil-protection office: an SRTM-like GeoTIFF in
lon/lat, GPM IMERG-, CHIRPS- and ECMWF-like rain NetCDF files, a WorldPop-like population
GeoTIFF, neighbourhood polygons with a census table, an education ministry's list of centres,
an OSMnx edge GeoJSON and Spanish-locale warehouse tables (``hazard_data/kettle_ford_raw/``,
whose ``README.md`` section lists each file). The elevations are matplotlib's real
``jacksboro_fault_dem.npz``; everything else is the synthetic town, resampled. ``truth.json``
records what each file holds (rain totals and peaks as written, persons, road length,
capacities), for readers' tests to compare against.

Every rain file carries the town's 100-year storm (the hyetograph of
``hazard_data/jacksboro/rain_100yr.nc``) starting at :data:`START` (00:00 UTC, so that
CHIRPS holds it in one day), averaged over each product cell from sample points of it
(``SUB`` x ``SUB`` per cell; a point outside the town's 1 km storm grid takes its nearest
edge cell).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import shapely
import xarray as xr
from pyproj import Transformer
from scipy import sparse

from drm.datasets._kettle_ford_site import CRS, KEY, RAIN_CELL_M, STEP_S, source_lonlat
from drm.datasets._town import NOMINAL_SPACE_M2, SampleTown, _road_stats
from drm.datasets._write import _checkout_folder
from drm.datasets.kettle_ford import real_terrain_town
from drm.grids import grid_bounds
from drm.io import atomic_path, write_geojson, write_json

__all__ = ["write_as_received"]

FOLDER = "kettle_ford_raw"
START = np.datetime64("2023-05-09T00:00", "s")  # storm start, UTC: CHIRPS holds it in one day
ARCSEC3 = 1.0 / 1200.0  # 3 arc-seconds (deg): SRTM-3 / GLO-90 and WorldPop spacing
MARGIN_PX = 6  # DEM pixels kept around the town's footprint
RAIN_MARGIN_DEG = 0.02  # rain cells cover the DEM plus at least this much
SUB = 10  # sample points per cell side when averaging the storm onto a product cell
DEM_NODATA, POP_NODATA, RAIN_FILL = -32768, -99999.0, -9999.0
#: SRTM-like voids: (row, column) offsets of each cluster, placed on steep pixels.
VOIDS = (((0, 0),), ((0, 0), (0, 1)), ((0, 0), (1, 0), (1, 1)))
#: ECMWF-like forecast: hourly steps to this lead time (h); the storm ends at 24 h.
FORECAST_H = 30
US_GALLON_L = 3.785411784
TO_LONLAT = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
TO_UTM = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
PRODUCT = "imitation for drm tests, synthetic values (see hazard_data/README.md)"


# --------------------------------------------------------------------------- lon/lat grids
def _axis(lo: float, hi: float, step: float, offset: float) -> np.ndarray:
    """Centres ``(k + offset) step`` (deg) of the cells that overlap [lo, hi], ascending."""
    first = int(np.floor(lo / step - offset + 0.5))
    last = int(np.ceil(hi / step - offset - 0.5))
    return np.round((np.arange(first, last + 1) + offset) * step, 10)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges (deg) of regular ascending centres."""
    step = centres[1] - centres[0]
    return np.append(centres - step / 2, centres[-1] + step / 2)


def _footprint(town: SampleTown) -> tuple[float, float, float, float]:
    """West, south, east, north (deg) of the town's DEM, its edges densified."""
    xmin, ymin, xmax, ymax = grid_bounds(town.dem)
    t = np.linspace(0.0, 1.0, 41)
    xs = np.concatenate(
        [xmin + (xmax - xmin) * t, np.full(41, xmax), xmax - (xmax - xmin) * t, np.full(41, xmin)]
    )
    ys = np.concatenate(
        [np.full(41, ymin), ymin + (ymax - ymin) * t, np.full(41, ymax), ymax - (ymax - ymin) * t]
    )
    lon, lat = TO_LONLAT.transform(xs, ys)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _source_dem(town: SampleTown) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Matplotlib's 3 arc-second elevations (m, int16) around the town: values, lon, lat (deg)."""
    z, lon, lat = source_lonlat()
    z = z.astype(np.int16)
    step = float(lon[1] - lon[0])
    w, s, e, n = _footprint(town)
    cols = np.flatnonzero((lon > w - MARGIN_PX * step) & (lon < e + MARGIN_PX * step))
    rows = np.flatnonzero((lat > s - MARGIN_PX * step) & (lat < n + MARGIN_PX * step))
    return z[np.ix_(rows, cols)].copy(), lon[cols], lat[rows]


def _voids(z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mask of a few SRTM-like void pixels, in clusters on the steepest ground."""
    gy, gx = np.gradient(z.astype(float))
    steep = np.flatnonzero((np.hypot(gx, gy) >= np.percentile(np.hypot(gx, gy), 95)).ravel())
    mask = np.zeros(z.shape, dtype=bool)
    for shape, at in zip(VOIDS, rng.choice(steep, size=len(VOIDS), replace=False), strict=True):
        r, c = divmod(int(at), z.shape[1])
        for dr, dc in shape:
            mask[min(r + dr, z.shape[0] - 1), min(c + dc, z.shape[1] - 1)] = True
    return mask


def _write_tif(
    path: Path,
    data: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    nodata: float,
    tags: dict[str, str],
    units: str,
) -> Path:
    """A north-up, deflate-compressed single-band GeoTIFF in EPSG:4326 (pixel centres in deg)."""
    import rasterio
    from rasterio.transform import from_origin

    step_x, step_y = (lon[-1] - lon[0]) / (lon.size - 1), (lat[0] - lat[-1]) / (lat.size - 1)
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": "EPSG:4326",
        "nodata": nodata,
        "compress": "deflate",
        "predictor": 2 if data.dtype.kind == "i" else 3,
        "transform": from_origin(lon[0] - step_x / 2, lat[0] + step_y / 2, step_x, step_y),
    }
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(**tags)
        dst.units = (units,)
    return path


# --------------------------------------------------------------------------- rain
def _storm_mm_h(town: SampleTown) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 10-min storm (mm/h, as rain_100yr.nc stores it), its x and y cell centres (m)."""
    rain = town.rainfall[KEY]
    return np.round(rain.values * 3.6e6, 3), rain["x"].values, rain["y"].values


def _weights(lon: np.ndarray, lat: np.ndarray, x: np.ndarray, y: np.ndarray) -> sparse.csr_matrix:
    """Share of each product cell (rows: lat-major over ascending ``lat``, ``lon``) in each storm cell."""
    le, be = _edges(lon), _edges(lat)
    f = (np.arange(SUB) + 0.5) / SUB
    plon = (le[:-1, None] + np.diff(le)[:, None] * f).ravel()  # (nlon * SUB)
    plat = (be[:-1, None] + np.diff(be)[:, None] * f).ravel()
    glon, glat = np.meshgrid(plon, plat)
    px, py = TO_UTM.transform(glon.ravel(), glat.ravel())
    h = RAIN_CELL_M / 2
    col = np.clip(np.floor((px - (x[0] - h)) / RAIN_CELL_M).astype(int), 0, x.size - 1)
    row = np.clip(np.floor(((y[0] + h) - py) / RAIN_CELL_M).astype(int), 0, y.size - 1)
    ilat, ilon = np.divmod(np.arange(glon.size), plon.size)
    cell = (ilat // SUB) * lon.size + ilon // SUB
    shape = (lat.size * lon.size, y.size * x.size)
    w = sparse.coo_matrix((np.full(cell.size, 1.0 / SUB**2), (cell, row * x.size + col)), shape)
    return w.tocsr()


def _onto(
    town: SampleTown, lon: np.ndarray, lat: np.ndarray, steps: int, depth: bool
) -> np.ndarray:
    """The storm averaged onto product cells, ``(time, lat, lon)``, ``steps`` 10-min blocks a step.

    Mean rate (mm/h) over each step, or its depth (mm) when ``depth``.
    """
    mm_h, x, y = _storm_mm_h(town)
    cells = mm_h.reshape(mm_h.shape[0], -1) @ _weights(lon, lat, x, y).T
    block = cells.reshape(-1, steps, lat.size, lon.size)
    return block.sum(axis=1) * STEP_S / 3600.0 if depth else block.mean(axis=1)


def _rain_extent(dem_lon: np.ndarray, dem_lat: np.ndarray) -> tuple[float, float, float, float]:
    h = ARCSEC3 / 2 + RAIN_MARGIN_DEG
    return dem_lon[0] - h, dem_lat[-1] - h, dem_lon[-1] + h, dem_lat[0] + h


def _times(n: int, step_s: float, start_offset_s: float = 0.0) -> np.ndarray:
    return START + (start_offset_s + step_s * np.arange(n)).astype("timedelta64[s]")


def _coords(lon: np.ndarray, lat: np.ndarray, names: tuple[str, str]) -> dict[str, xr.Variable]:
    return {
        names[0]: xr.Variable(
            names[0],
            lon,
            {"units": "degrees_east", "long_name": "longitude", "standard_name": "longitude"},
        ),
        names[1]: xr.Variable(
            names[1],
            lat,
            {"units": "degrees_north", "long_name": "latitude", "standard_name": "latitude"},
        ),
    }


def _imerg(town: SampleTown, lon: np.ndarray, lat: np.ndarray) -> xr.Dataset:
    """GPM IMERG-like: half-hourly ``precipitation`` (mm/hr), dims (time, lon, lat), time = start."""
    rate = np.round(_onto(town, lon, lat, 3, depth=False), 2).astype(np.float32)
    t = _times(rate.shape[0], 1800.0)
    bounds = np.stack([t, t + np.timedelta64(1800, "s")], axis=1)
    return xr.Dataset(
        {
            "precipitation": (
                ("time", "lon", "lat"),
                rate.transpose(0, 2, 1),
                {
                    "units": "mm/hr",
                    "long_name": "Merged satellite-gauge precipitation estimate",
                    "CodeMissingValue": str(RAIN_FILL),
                },
            ),
            "time_bnds": (("time", "nv"), bounds),
        },
        coords={
            "time": ("time", t, {"standard_name": "time", "bounds": "time_bnds"}),
            **_coords(lon, lat, ("lon", "lat")),
        },
        attrs={
            "title": f"GPM IMERG Final Precipitation L3 Half Hourly 0.1 x 0.1 degree, {PRODUCT}",
            "Conventions": "CF-1.6",
        },
    )


def _chirps(town: SampleTown, lon: np.ndarray, lat: np.ndarray) -> xr.Dataset:
    """CHIRPS-like: daily ``precip`` (mm/day) on 0.05 deg; the storm day, then a dry day."""
    per_day = round(86_400.0 / STEP_S)
    day = _onto(town, lon, lat, per_day, depth=True)
    total = np.round(np.concatenate([day, np.zeros_like(day)]), 2).astype(np.float32)
    return xr.Dataset(
        {
            "precip": (
                ("time", "latitude", "longitude"),
                total,
                {
                    "units": "mm/day",
                    "long_name": "Climate Hazards group InfraRed Precipitation with Stations",
                    "time_step": "day",
                    "missing_value": np.float32(RAIN_FILL),
                },
            )
        },
        coords={
            "time": ("time", _times(2, 86_400.0), {"standard_name": "time"}),
            **_coords(lon, lat, ("longitude", "latitude")),
        },
        attrs={
            "title": f"CHIRPS Version 2.0, daily, 0.05 degree, {PRODUCT}",
            "Conventions": "CF-1.6",
        },
    )


def _grib_quantised(acc_m: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Each step packed as its own GRIB message: 16 bits over a global range that grows with lead time."""
    global_max_m = 0.02 + 0.004 * hours  # what one step's global field spans (m)
    quantum = 2.0 ** np.ceil(np.log2(global_max_m / 65535.0))
    return np.round(acc_m / quantum[:, None, None]) * quantum[:, None, None]


def _packing(values: np.ndarray) -> tuple[float, float]:
    """int16 ``scale_factor`` and ``add_offset`` of a GRIB-to-NetCDF conversion (-32767 left for fill)."""
    lo, hi = float(values.min()), float(values.max())
    scale = (hi - lo) / 65533.0
    return scale, lo + 32766.0 * scale


def _ecmwf(town: SampleTown, lon: np.ndarray, lat: np.ndarray) -> tuple[xr.Dataset, np.ndarray]:
    """ECMWF-like forecast ``tp`` (m) accumulated since 00 UTC, hourly valid times, north first.

    Also returns the values as the file decodes them, ``(valid_time, latitude, longitude)``.
    """
    hourly = _onto(town, lon, lat, round(3600.0 / STEP_S), depth=True)[:, ::-1]  # mm, north first
    dry = np.zeros((FORECAST_H - hourly.shape[0], *hourly.shape[1:]))
    acc = np.concatenate(
        [np.zeros((1, *hourly.shape[1:])), np.cumsum(np.concatenate([hourly, dry]), 0)]
    )
    hours = np.arange(FORECAST_H + 1, dtype=float)
    grib = _grib_quantised(acc / 1000.0, hours)
    scale, offset = _packing(grib)
    decoded = np.round((grib - offset) / scale) * scale + offset
    valid = _times(hours.size, 3600.0)
    enc = {
        "dtype": "int16",
        "scale_factor": scale,
        "add_offset": offset,
        "_FillValue": np.int16(-32767),
    }
    ds = xr.Dataset(
        {
            "tp": (
                ("valid_time", "latitude", "longitude"),
                decoded,
                {
                    "units": "m",
                    "long_name": "Total precipitation",
                    "GRIB_paramId": 228,
                    "GRIB_shortName": "tp",
                    "GRIB_units": "m",
                    "GRIB_stepType": "accum",
                    "GRIB_gridType": "regular_ll",
                },
            )
        },
        coords={
            "valid_time": ("valid_time", valid, {"standard_name": "time", "long_name": "time"}),
            "step": (
                "valid_time",
                hours,
                {
                    "units": "hours",
                    "standard_name": "forecast_period",
                    "long_name": "time since forecast_reference_time",
                },
            ),
            "time": (
                (),
                START,
                {
                    "standard_name": "forecast_reference_time",
                    "long_name": "initial time of forecast",
                },
            ),
            **_coords(np.round(lon % 360.0, 9), lat[::-1], ("longitude", "latitude")),
        },
        attrs={
            "GRIB_centre": "ecmf",
            "institution": "European Centre for Medium-Range Weather Forecasts",
            "Conventions": "CF-1.7",
            "history": f"GRIB to CDM+CF via cfgrib, {PRODUCT}",
        },
    )
    ds["tp"].encoding = enc
    return ds, decoded


def _write_nc(path: Path, ds: xr.Dataset, encoding: dict[str, dict[str, Any]]) -> Path:
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, format="NETCDF4", encoding=encoding)
    return path


def _time_units(units: str, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {n: {"units": units, "dtype": "float64", "calendar": "standard"} for n in names}


# --------------------------------------------------------------------------- truth
class _Footprint(NamedTuple):
    """Where truth is measured: the written DEM's pixels and the town's cell centres (deg)."""

    valid: np.ndarray  # valid pixels of dem_srtm.tif (rows north first)
    lon: np.ndarray  # its pixel centres, west to east
    lat: np.ndarray  # north to south
    town_lon: np.ndarray  # the town DEM's 83 m cell centres, flattened
    town_lat: np.ndarray


def _footprint_points(
    town: SampleTown, z: np.ndarray, lon: np.ndarray, lat: np.ndarray
) -> _Footprint:
    tx, ty = np.meshgrid(town.dem["x"].values, town.dem["y"].values)
    tlon, tlat = TO_LONLAT.transform(tx.ravel(), ty.ravel())
    return _Footprint(z != DEM_NODATA, lon, lat, np.asarray(tlon), np.asarray(tlat))


def _cell_of(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the cell (regular centres, either order) holding each point."""
    step = centres[1] - centres[0]
    return np.floor((points - (centres[0] - step / 2)) / step).astype(int)


def _overlap(pixels: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Share of each pixel (regular ascending centres) inside each cell: ``(pixel, cell)``."""
    pe, ce = _edges(pixels), _edges(cells)
    inside = np.minimum(pe[1:, None], ce[None, 1:]) - np.maximum(pe[:-1, None], ce[None, :-1])
    return np.clip(inside, 0.0, None) / np.diff(pe)[:, None]


def _means(field: np.ndarray, lon: np.ndarray, lat: np.ndarray, fp: _Footprint) -> dict[str, Any]:
    """Mean of ``field[..., lat, lon]`` (ascending axes) over the footprint's DEM and town.

    A DEM pixel counts each product cell by its share of it (product edges often run
    through pixel centres: whole multiples of 0.05 deg are of 3"); a town cell centre
    takes the cell that holds it.
    """
    wx = _overlap(fp.lon, lon)
    wy = _overlap(fp.lat[::-1], lat)[::-1]
    per_pixel = np.einsum("ri,...ij,cj->...rc", wy, field, wx)
    town = field[..., _cell_of(fp.town_lat, lat), _cell_of(fp.town_lon, lon)]
    return {"dem": per_pixel[..., fp.valid].mean(axis=-1), "town": town.mean(axis=-1)}


def _rain_truth(
    total: np.ndarray, rate: np.ndarray, lon: np.ndarray, lat: np.ndarray, fp: _Footprint, step: str
) -> dict[str, Any]:
    means = _means(total, lon, lat, fp)
    return {
        "native_step": step,
        "dem_mean_total_mm": round(float(means["dem"]), 2),
        "town_mean_total_mm": round(float(means["town"]), 2),
        "peak_dem_mean_mm_h": round(float(_means(rate, lon, lat, fp)["dem"].max()), 2),
        "total_min_cell_mm": round(float(total.min()), 2),
        "total_max_cell_mm": round(float(total.max()), 2),
    }


def _source_truth(town: SampleTown, fp: _Footprint) -> dict[str, Any]:
    """The town's own 10-min, 1 km storm over the same footprint (nearest cell to each centre)."""
    mm_h, x, y = _storm_mm_h(town)
    total = mm_h.sum(axis=0) * STEP_S / 3600.0
    glon, glat = np.meshgrid(fp.lon, fp.lat)
    out: dict[str, Any] = {"file": "../jacksboro/rain_100yr.nc", "native_step": "10min"}
    for where, (plon, plat) in {
        "dem": (glon[fp.valid], glat[fp.valid]),
        "town": (fp.town_lon, fp.town_lat),
    }.items():
        px, py = TO_UTM.transform(plon, plat)
        col = np.clip(_cell_of(np.asarray(px), x), 0, x.size - 1)
        row = np.clip(_cell_of(np.asarray(py), y), 0, y.size - 1)
        out[f"{where}_mean_total_mm"] = round(float(total[row, col].mean()), 2)
        if where == "dem":
            out["peak_dem_mean_mm_h"] = round(float(mm_h[:, row, col].mean(axis=1).max()), 2)
    return out


# --------------------------------------------------------------------------- population and zones
def _population(town: SampleTown, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """People per 3" pixel (float32), conserving the town's total; nodata over water and outside.

    Each populated 83 m cell spreads its people evenly over ``SUB`` x ``SUB`` points, binned
    into the pixels; a pixel without people whose centre is outside the town or on its river
    is nodata, as WorldPop masks water and what lies beyond its census.
    """
    pop = town.population.values
    cell = float(town.dem["x"][1] - town.dem["x"][0])
    rows, cols = np.nonzero(pop > 0)
    f = (np.arange(SUB) + 0.5) / SUB - 0.5
    ox, oy = (a.ravel() * cell for a in np.meshgrid(f, f))
    px = (town.dem["x"].values[cols][:, None] + ox).ravel()
    py = (town.dem["y"].values[rows][:, None] + oy).ravel()
    plon, plat = TO_LONLAT.transform(px, py)
    i, j = _cell_of(np.asarray(plat), lat), _cell_of(np.asarray(plon), lon)
    people = np.bincount(
        i * lon.size + j,
        weights=np.repeat(pop[rows, cols] / SUB**2, SUB**2),
        minlength=lat.size * lon.size,
    ).reshape(lat.size, lon.size)
    glon, glat = np.meshgrid(lon, lat)
    cx, cy = TO_UTM.transform(glon, glat)
    xmin, ymin, xmax, ymax = grid_bounds(town.dem)
    outside = (cx < xmin) | (cx >= xmax) | (cy <= ymin) | (cy > ymax)
    r = np.clip(_cell_of(cy, town.dem["y"].values), 0, pop.shape[0] - 1)
    c = np.clip(_cell_of(cx, town.dem["x"].values), 0, pop.shape[1] - 1)
    water = town.landcover.values[r, c] == 1
    out = people.astype(np.float32)
    out[(outside | water) & (people == 0)] = POP_NODATA
    return out


def _codes(town: SampleTown) -> list[str]:
    return [f"KF-{i:02d}" for i in town.neighbourhoods["id"]]


def _round_coords(geom: Any, digits: int = 7) -> Any:
    return shapely.transform(
        geom, lambda xy: np.round(np.column_stack(TO_LONLAT.transform(*xy.T)), digits)
    )


def _barrios(town: SampleTown) -> list[dict[str, Any]]:
    """Neighbourhood polygons (lon/lat) from the town's id grid: cells polygonised, merged, simplified."""
    from rasterio.features import shapes
    from rasterio.transform import from_origin

    xmin, _, _, ymax = grid_bounds(town.dem)
    cell = float(town.dem["x"][1] - town.dem["x"][0])
    ids = town.neighbourhood_id.values.astype(np.int16)
    parts: dict[int, list[Any]] = {}
    for geom, value in shapes(
        ids, mask=ids > 0, connectivity=4, transform=from_origin(xmin, ymax, cell, cell)
    ):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    features = []
    for code, r in zip(_codes(town), town.neighbourhoods.itertuples(), strict=True):
        merged = shapely.union_all(parts[r.id]).simplify(1.0, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"codigo": code, "nombre": r.name},
                "geometry": shapely.geometry.mapping(_round_coords(merged)),
            }
        )
    return features


#: Census shares by neighbourhood kind, multiplying the default (Venezuelan) profile's.
KIND_FACTORS = {  # 0-4 and 5-14, 60 and over
    "downtown": (0.8, 0.8, 1.4),
    "older": (1.0, 1.0, 1.1),
    "mobile_home": (1.3, 1.2, 0.7),
    "suburban": (1.1, 1.15, 0.9),
    "village": (0.9, 1.0, 1.3),
}
SHARES = {
    "female": 0.506,
    "0-4": 0.094,
    "5-14": 0.171,
    "woman_15_49": 0.261,
    "60+": 0.097,
    "disability": 0.15,
}


def _decimal_comma(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _censo(town: SampleTown, rng: np.random.Generator) -> pd.DataFrame:
    """One row per neighbourhood: persons by sex and age band, consistent with the town's counts."""
    rows = []
    for code, r in zip(_codes(town), town.neighbourhoods.itertuples(), strict=True):
        n = int(r.population)
        k04, k514, k60 = KIND_FACTORS[r.kind] * (1 + 0.05 * rng.standard_normal(3))
        women = round(n * SHARES["female"] * (1 + 0.01 * rng.standard_normal()))
        rows.append(
            {
                "codigo": code,
                "nombre": r.name,
                "poblacion": n,
                "mujeres": women,
                "hombres": n - women,
                "0-4": round(n * SHARES["0-4"] * k04),
                "5-14": round(n * SHARES["5-14"] * k514),
                "mujeres_15_49": round(women * SHARES["woman_15_49"] / SHARES["female"]),
                "60_y_mas": round(n * SHARES["60+"] * k60),
                "discapacidad": round(n * SHARES["disability"]),
                "hogares": int(r.households),
                "personas_por_hogar": _decimal_comma(n / r.households, 2),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- centres, roads, logistics
#: Spanish name and type of each centre, as the ministry lists it.
CENTRE_NAMES = {
    "C01": ("Liceo Kettle Ford", "escuela"),
    "C02": ("Escuela Media Kettle Ford", "escuela"),
    "C03": ("Escuela Básica Niño Jesús", "escuela"),
    "C04": ("Primera Iglesia Bautista", "iglesia"),
    "C05": ("Centro Comunal Los Bajos", "centro comunal"),
    "C06": ("Polideportivo Valle del Kettle", "polideportivo"),
    "C07": ("Escuela Básica Puerta Norte", "escuela"),
    "C08": ("Iglesia Metodista Loma del Castaño", "iglesia"),
    "C09": ("Estación de Bomberos Voluntarios Sutton Bend", "centro comunal"),
    "C10": ("Iglesia Bautista Piney Gap", "iglesia"),
    "C11": ("Iglesia de Dios Recodo del Río", "iglesia"),
    "C12": ("Centro Comunal Harmon Ford", "centro comunal"),
}
CLOSED, AREA_ONLY = "C07", "C03"  # capacidad 0 (closed for repairs); capacidad left empty
WAREHOUSE_NAMES = {
    "W1": "Depósito de Protección Civil del condado Kettle",
    "W2": "Cruz Roja, seccional Valle del Kettle",
    "W3": "Banco de Alimentos del Valle del Kettle",
}
GALLONS = ("W3", "water_l")  # the stock line given in US gallons


def _lonlat(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = TO_LONLAT.transform(table["x"].to_numpy(), table["y"].to_numpy())
    return np.round(lon, 6), np.round(lat, 6)


def _capacities(town: SampleTown) -> dict[str, int | None]:
    nominal = (town.centres["floor_area_m2"] // NOMINAL_SPACE_M2).astype(int)
    out: dict[str, int | None] = {i: int(v) for i, v in nominal.items()}
    out[CLOSED], out[AREA_ONLY] = 0, None
    return out


def _escuelas(town: SampleTown) -> str:
    lon, lat = _lonlat(town.centres)
    lines = ["codigo;nombre;tipo;latitud;longitud;capacidad;superficie_m2"]
    for (cid, r), x, y in zip(town.centres.iterrows(), lon, lat, strict=True):
        cap = _capacities(town)[cid]
        name, kind = CENTRE_NAMES[cid]
        lines.append(
            f"{cid};{name};{kind};{_decimal_comma(y, 6)};{_decimal_comma(x, 6)};"
            f"{'' if cap is None else cap};{r['floor_area_m2']:.0f}"
        )
    return "\r\n".join(lines) + "\r\n"


def _almacenes(town: SampleTown) -> str:
    lon, lat = _lonlat(town.warehouses)
    lines = ["codigo;nombre;latitud;longitud;camiones;capacidad_camion_kg"]
    for (wid, r), x, y in zip(town.warehouses.iterrows(), lon, lat, strict=True):
        lines.append(
            f"{wid};{WAREHOUSE_NAMES[wid]};{_decimal_comma(y, 6)};{_decimal_comma(x, 6)};"
            f"{int(r['trucks'])};{r['truck_capacity_kg']:.0f}"
        )
    return "\r\n".join(lines) + "\r\n"


def _inventario(town: SampleTown) -> pd.DataFrame:
    stock = town.stock.copy()
    gal = (stock["site_id"] == GALLONS[0]) & (stock["item"] == GALLONS[1])
    stock.loc[gal, "quantity"] = np.round(stock.loc[gal, "quantity"] / US_GALLON_L, 2)
    stock.loc[gal, "unit"] = "gal"
    return stock


def _osm_node_ids(town: SampleTown) -> dict[Any, int]:
    return {n: 2_000_000_000 + 17 * k for k, n in enumerate(sorted(town.roads.nodes))}


def _vias(town: SampleTown) -> list[dict[str, Any]]:
    """One feature per directed edge, as OSMnx's edge GeoDataFrame goes to GeoJSON (lon/lat)."""
    node = _osm_node_ids(town)
    way = {fid: 900_000_000 + k for k, fid in enumerate(f["id"] for f in town.road_features)}
    out = []
    for u, v, k, d in sorted(town.roads.edges(keys=True, data=True), key=lambda e: e[:3]):
        props = {
            "u": node[u],
            "v": node[v],
            "key": k,
            "osmid": way[d["road_id"]],
            "highway": d["highway"],
            "oneway": d["oneway"],
            "lanes": str(d["lanes"]),
            "maxspeed": str(d["maxspeed"]),
            "name": d["name"],
            "ref": d["road_id"],
            "width": str(d["width_m"]),
            "reversed": d["reversed"],
            "length": round(float(d["length"]), 3),
        }
        if d.get("bridge") == "yes":
            props["bridge"] = "yes"
        out.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": shapely.geometry.mapping(_round_coords(d["geometry"])),
            }
        )
    return out


# --------------------------------------------------------------------------- the writer
def _csv_text(path: Path, text: str, encoding: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(text.encode(encoding))
    return path


def _semicolon_csv(df: pd.DataFrame) -> str:
    return df.to_csv(sep=";", index=False, lineterminator="\r\n")


def _write_rain(town: SampleTown, target: Path, fp: _Footprint, paths: dict[str, Path]) -> dict:
    """Write the three rain files into ``target`` (adding them to ``paths``); return their truth."""
    w, s, e, n = _rain_extent(fp.lon, fp.lat)
    rain: dict[str, Any] = {"storm_start": str(START) + "Z", "source": _source_truth(town, fp)}

    lon, lat = _axis(w, e, 0.1, 0.5), _axis(s, n, 0.1, 0.5)
    ds = _imerg(town, lon, lat)
    t_enc = _time_units("minutes since 1970-01-01 00:00:00", ("time", "time_bnds"))
    enc = {"precipitation": {"zlib": True, "_FillValue": np.float32(RAIN_FILL)}, **t_enc}
    paths["rain_imerg"] = _write_nc(target / "rain_imerg.nc", ds, enc)
    rate = ds["precipitation"].values.astype(float).transpose(0, 2, 1)
    rain["rain_imerg.nc"] = _rain_truth(rate.sum(axis=0) * 0.5, rate, lon, lat, fp, "30min")

    lon, lat = _axis(w, e, 0.05, 0.5), _axis(s, n, 0.05, 0.5)
    ds = _chirps(town, lon, lat)
    enc = {
        "precip": {"zlib": True, "_FillValue": np.float32(RAIN_FILL)},
        **_time_units("days since 1980-1-1 0:0:0", ("time",)),
    }
    paths["rain_chirps"] = _write_nc(target / "rain_chirps.nc", ds, enc)
    daily = ds["precip"].values.astype(float)
    rain["rain_chirps.nc"] = _rain_truth(daily.sum(axis=0), daily / 24.0, lon, lat, fp, "1D")

    lon, lat = _axis(w, e, 0.1, 0.0), _axis(s, n, 0.1, 0.0)
    ds, decoded = _ecmwf(town, lon, lat)
    enc = {
        "tp": {**ds["tp"].encoding, "zlib": True},
        **_time_units("hours since 1900-01-01 00:00:00.0", ("valid_time", "time")),
    }
    paths["rain_ecmwf"] = _write_nc(target / "rain_ecmwf.nc", ds, enc)
    steps_mm = np.diff(decoded[:, ::-1], axis=0) * 1000.0  # hourly depths, south first
    ecmwf = _rain_truth(decoded[-1, ::-1] * 1000.0, steps_mm, lon, lat, fp, "1h")
    ecmwf["negative_steps"] = int((steps_mm < 0).sum())
    ecmwf["most_negative_step_mm"] = round(float(steps_mm.min()), 5)
    rain["rain_ecmwf.nc"] = ecmwf
    return rain


def write_as_received(
    directory: str | os.PathLike[str] | None = None, seed: int = 0
) -> dict[str, Path]:
    """Write Kettle Ford as a planner receives it: raw product files and ``truth.json``.

    The real-terrain sample (:func:`real_terrain_town`) in the formats of the products a
    civil-protection office gets: ``dem_srtm.tif`` (int16, lon/lat at 3", voids),
    ``rain_imerg.nc`` (half-hourly mm/hr), ``rain_chirps.nc`` (daily mm/day),
    ``rain_ecmwf.nc`` (accumulated ``tp`` in m, int16-packed), ``population_worldpop.tif``,
    ``barrios.geojson`` with ``censo.csv``, ``escuelas_ministerio.csv`` (cp1252, ``;``,
    decimal commas), ``vias_osmnx.geojson`` (one feature per directed edge),
    ``almacenes.csv``, ``inventario.csv`` (one line in gal) and ``truth.json`` (what the
    files hold, measured on them as written). ``hazard_data/README.md`` describes each file.

    Parameters
    ----------
    directory : str or path-like, optional
        Target folder; default: ``hazard_data/kettle_ford_raw/`` of the source checkout.
    seed : int
        Seed of the town (:func:`real_terrain_town`) and of the DEM voids and census noise
        (>= 0).

    Returns
    -------
    dict of str to pathlib.Path
        File stem (``"dem_srtm"``, ``"rain_imerg"``, ..., ``"truth"``) to written path.

    Raises
    ------
    InputError
        For a bad ``seed``, or without ``directory`` outside a source checkout.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_as_received(tempfile.mkdtemp())  # doctest: +SKIP
    >>> paths["rain_imerg"].name  # doctest: +SKIP
    'rain_imerg.nc'
    """
    town = real_terrain_town(seed)
    target = Path(_checkout_folder(FOLDER, "write_as_received") if directory is None else directory)
    target.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([int(seed), 16])
    paths: dict[str, Path] = {}
    z, dem_lon, dem_lat = _source_dem(town)
    voids = _voids(z, rng)
    z[voids] = DEM_NODATA
    tags = {
        "SOURCE": "matplotlib sample data jacksboro_fault_dem.npz (3 arc-second DEM)",
        "PRODUCT": f"SRTM / Copernicus GLO-90-like tile, {PRODUCT}",
    }
    paths["dem_srtm"] = _write_tif(
        target / "dem_srtm.tif", z, dem_lon, dem_lat, DEM_NODATA, tags, "m"
    )
    fp = _footprint_points(town, z, dem_lon, dem_lat)
    rain = _write_rain(town, target, fp, paths)
    plon, plat = dem_lon, dem_lat  # WorldPop's 3" grid, aligned with the DEM's pixels
    people = _population(town, plon, plat)
    tags = {"PRODUCT": f"WorldPop-like constrained people per pixel, {PRODUCT}"}
    paths["population_worldpop"] = _write_tif(
        target / "population_worldpop.tif", people, plon, plat, POP_NODATA, tags, "persons"
    )
    paths["barrios"] = write_geojson(_barrios(town), target / "barrios.geojson")
    censo = _censo(town, rng)
    paths["censo"] = _csv_text(target / "censo.csv", _semicolon_csv(censo), "utf-8")
    paths["escuelas_ministerio"] = _csv_text(
        target / "escuelas_ministerio.csv", _escuelas(town), "cp1252"
    )
    paths["vias_osmnx"] = write_geojson(_vias(town), target / "vias_osmnx.geojson")
    paths["almacenes"] = _csv_text(target / "almacenes.csv", _almacenes(town), "utf-8-sig")
    stock = _inventario(town)
    paths["inventario"] = _csv_text(
        target / "inventario.csv", stock.to_csv(index=False, lineterminator="\n"), "utf-8"
    )
    truth = _truth(town, rain, people, censo, z, voids)
    paths["truth"] = write_json(truth, target / "truth.json")
    return paths


def _truth(
    town: SampleTown,
    rain: dict[str, Any],
    people: np.ndarray,
    censo: pd.DataFrame,
    z: np.ndarray,
    voids: np.ndarray,
) -> dict[str, Any]:
    roads = _road_stats(town)
    valid = people != POP_NODATA
    stock = town.stock.groupby(["item", "unit"], sort=False)["quantity"].sum()
    gal = float(town.stock.set_index(["site_id", "item"]).loc[GALLONS, "quantity"])
    return {
        "generator": f"drm.datasets.write_as_received(seed={town.seed})",
        "town": town.name,
        "crs_of_the_town": town.crs,
        "dem": {
            "rows": int(z.shape[0]),
            "cols": int(z.shape[1]),
            "void_pixels": int(voids.sum()),
            "elevation_min_m": int(z[~voids].min()),
            "elevation_max_m": int(z[~voids].max()),
        },
        "rain": rain,
        "population": {
            "town_total_persons": round(float(town.population.values.sum()), 2),
            "raster_total_persons": round(float(people[valid].astype(np.float64).sum()), 2),
            "raster_nodata_pixels": int((~valid).sum()),
            "raster_populated_pixels": int((people > 0).sum()),
            "persons_per_neighbourhood": dict(
                zip(censo["codigo"], censo["poblacion"].astype(int), strict=True)
            ),
            "households": int(censo["hogares"].sum()),
        },
        "roads": {
            "length_km_undirected": roads["length_km"],
            "nodes": roads["nodes"],
            "directed_features": roads["edges"],
            "two_way_edges": roads["edges"] // 2,
            "bridges": {b["id"]: b["name"] for b in roads["bridges"]},
        },
        "centres": {
            "count": len(town.centres),
            "capacity_persons_as_written": _capacities(town),
            "nominal_capacity_persons": {
                i: int(a // NOMINAL_SPACE_M2) for i, a in town.centres["floor_area_m2"].items()
            },
            "closed": CLOSED,
            "capacity_from_floor_area_only": AREA_ONLY,
        },
        "warehouses": len(town.warehouses),
        "stock_totals_catalogue_units": {
            f"{item} ({unit})": float(q) for (item, unit), q in stock.items()
        },
        "stock_line_in_gal": {
            "site_id": GALLONS[0],
            "item": GALLONS[1],
            "litres": gal,
            "gallons_as_written": round(gal / US_GALLON_L, 2),
        },
    }
