"""Terrain, river, design storm and river inflow of the real-terrain sample (Kettle Ford).

The ground of :mod:`drm.datasets.kettle_ford`. The terrain is real: :func:`real_terrain`
reprojects the DEM that matplotlib ships (Jacksboro fault, Tennessee) to metres, and
:func:`site` crops 12 km x 12 km of it (UTM zone 16N, 83 m cells) around the largest river
in it and measures where water goes.

Design numbers and their sources
--------------------------------
* River: the D8 path of largest flow accumulation (:mod:`drm.hazard.terrain`) through
  the crop, made face-connected (the flood solver moves water across cell faces, not
  corners) and carved to a bed that never rises downstream, because the 83 m cells blur
  a valley floor narrower than themselves into bumps and false dams.
* Rainfall: an assumed intensity-duration-frequency relation ``i = K T^m / (d + b)^c``
  (i in mm/h, T in years, d in min) with K = 1370, m = 0.14, b = 10 min and c = 0.82. It
  gives 100-year depths of 24 mm in 5 min, 80 mm in 1 h, 123 mm in 6 h and 160 mm in 24 h,
  of the order of NOAA Atlas 14 vol. 2 estimates for north-east Tennessee (chosen to match
  that order, not read from the atlas: check before any real use). The 24-h hyetograph
  has 10-min blocks arranged by the alternating block method (Chow, Maidment & Mays 1988,
  *Applied Hydrology*, §14.4), peaking at 12:00 like the NRCS type II storm.
* River inflow: SCS-CN runoff (USDA TR-55, 1986) of the catchment-mean storm (areal
  reduction factor 0.96 assumed for 45 km², of the order of the US Weather Bureau TP-29
  depth-area curves), routed with the SCS dimensionless unit hydrograph (gamma form,
  shape 3.7; NRCS NEH-630 ch. 16) and a Kirpich (1940) time of concentration of the
  DEM's main channel, plus baseflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from math import gamma
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage

from drm.datasets._builders import _alternating_blocks, _hydrograph_stats
from drm.grids import grid_bounds, new_grid_like
from drm.hazard.terrain import fill_depressions, flow_accumulation, flow_directions, hand
from drm.regrid import to_metric

CRS = "EPSG:32616"
CROP_X_M = (744_000.0, 756_000.0)  # cell centres kept (m, UTM zone 16N)
CROP_Y_M = (4_046_000.0, 4_058_000.0)
DRAINAGE_CELLS = 1500  # HAND is measured above streams draining at least this many cells (10 km²)
DEM_SOURCE = (
    "matplotlib sample data jacksboro_fault_dem.npz (3 arc-second DEM, Jacksboro fault, "
    "Tennessee), reprojected by drm.regrid.to_metric, cropped, rounded to 1 cm, main river "
    "carved to a bed that never rises downstream"
)
#: D8 codes of drm.hazard.terrain (row 0 north) and the (row, column) step of each.
D8 = {1: (0, 1), 2: (1, 1), 4: (1, 0), 8: (1, -1), 16: (0, -1), 32: (-1, -1), 64: (-1, 0)}
D8[128] = (-1, 1)


# --------------------------------------------------------------------------- the terrain
def source_lonlat() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Matplotlib's Jacksboro DEM as it is stored: elevations (m, int16), cell-centre lon and lat (deg)."""
    from matplotlib import cbook

    with cbook.get_sample_data("jacksboro_fault_dem.npz") as npz:
        z = np.asarray(npz["elevation"])
        step_x, step_y = float(npz["dx"]), float(npz["dy"])
        west = float(npz["xmin"])
        north = max(float(npz["ymin"]), float(npz["ymax"]))  # the file swaps the ymin/ymax labels
    lon = west + step_x * (np.arange(z.shape[1]) + 0.5)
    lat = north - step_y * (np.arange(z.shape[0]) + 0.5)
    return z, lon, lat


def real_terrain() -> xr.DataArray:
    """Return a real DEM: the Jacksboro fault sample (Tennessee, USA) that matplotlib ships.

    The file holds a 344 x 403 grid of 3 arc-second cells (elevations 236-1076 m)
    between 84.41 and 84.08 °W and 36.45 and 36.73 °N; it is reprojected to UTM
    zone 16N (EPSG:32616) with :func:`drm.regrid.to_metric` at its mean cell size
    (about 83 m), bilinearly, with NaN outside the source.

    Returns
    -------
    xarray.DataArray
        ``elevation`` in m, dims ``("y", "x")``, north-up, CRS in ``spatial_ref``.

    Examples
    --------
    >>> dem = real_terrain()
    >>> dem.attrs["units"], dem.dims
    ('m', ('y', 'x'))
    """
    z, lon, lat = source_lonlat()
    da = xr.DataArray(z.astype(float), dims=("y", "x"), coords={"y": lat, "x": lon}, name="elevation")
    out = to_metric(da, src_crs="EPSG:4326", source="jacksboro_fault_dem.npz")
    out.name = "elevation"
    out.attrs = {
        "units": "m",
        "long_name": "ground elevation",
        "standard_name": "surface_altitude",
        "source": "matplotlib sample data jacksboro_fault_dem.npz (3 arc-second DEM, Jacksboro fault, "
        "Tennessee), reprojected by drm.regrid.to_metric",
    }
    return out


@dataclass(frozen=True)
class Site:
    """What the terrain says: the crop, its main river, and where water goes."""

    dem: xr.DataArray  # the crop: elevation (m) to 1 cm, the river carved
    river: np.ndarray  # (n, 2) row, column of the river's cells, upstream first, face-connected
    river_length_m: float  # along its D8 path, from cell centre to cell centre
    carved_cells: int  # river cells lowered by the carving
    carved_median_m: float  # median lowering of those cells (m)
    carved_max_m: float  # deepest lowering (m)
    upstream_cells: np.ndarray  # cells of the whole DEM draining through each crop cell
    channel_length_m: float  # main channel from the river's entry into the crop up to its source
    channel_slope: float  # its mean slope (-)
    hand: np.ndarray  # height above the nearest drainage (m); NaN where water leaves the crop first
    slope: np.ndarray  # ground slope (-)
    river_dist: np.ndarray  # distance to the nearest river cell centre (m)

    @property
    def cell_m(self) -> float:
        """Cell size (m)."""
        return float(self.dem["x"][1] - self.dem["x"][0])

    @property
    def entry(self) -> tuple[int, int]:
        """Row and column where the river enters the crop."""
        return int(self.river[0, 0]), int(self.river[0, 1])


def _trace_up(code: np.ndarray, acc: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    """Cells from ``start`` upstream, always into the neighbour draining the most cells."""
    path = [start]
    i, j = start
    ny, nx_ = code.shape
    while True:
        donors = [
            (acc[p, q], (p, q))
            for c, (di, dj) in D8.items()
            if 0 <= (p := i - di) < ny and 0 <= (q := j - dj) < nx_ and code[p, q] == c
        ]
        if not donors:
            return np.array(path)
        i, j = max(donors)[1]
        path.append((i, j))


def _face_connected(path: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Insert the lower side cell at every diagonal step of a cell path."""
    out = [path[0]]
    for a, b in pairwise(path):
        if a[0] != b[0] and a[1] != b[1]:
            out.append(np.array(min([(a[0], b[1]), (b[0], a[1])], key=lambda c: z[c])))
        out.append(b)
    return np.array(out)


def _carved_bed(profile: np.ndarray) -> np.ndarray:
    """Lower a river profile to straight lines between its running minima (stream burning)."""
    lows = np.flatnonzero(profile <= np.minimum.accumulate(profile))
    bed = np.minimum(profile, np.interp(np.arange(profile.size), lows, profile[lows]))
    return np.round(bed, 2).astype(np.float32).astype(np.float64)


@cache
def site() -> Site:
    """Crop the real DEM around its largest river and measure where water goes (cached)."""
    full = real_terrain()
    full = full.copy(data=np.round(full.values, 2).astype(np.float32).astype(np.float64))
    code_da = flow_directions(full)
    code, acc = code_da.values, np.nan_to_num(flow_accumulation(code_da).values)
    xs, ys = full["x"].values, full["y"].values
    cols = np.flatnonzero((xs >= CROP_X_M[0]) & (xs <= CROP_X_M[1]))
    rows = np.flatnonzero((ys >= CROP_Y_M[0]) & (ys <= CROP_Y_M[1]))
    box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    outlet = np.unravel_index(np.argmax(acc[box]), acc[box].shape)
    up = _trace_up(code, acc, (rows[0] + outlet[0], cols[0] + outlet[1]))
    inside = (up >= [rows[0], cols[0]]).all(axis=1) & (up <= [rows[-1], cols[-1]]).all(axis=1)
    n_in = int(np.argmin(inside))  # where the path leaves the crop, the river enters it
    d8 = up[:n_in][::-1] - [rows[0], cols[0]]
    river = _face_connected(d8, full.values[box])
    cell = float(xs[1] - xs[0])
    source = up[n_in - 1 :]  # from the entry up to the source of the main channel
    length = float(np.sum(np.hypot(*np.diff(source, axis=0).T))) * cell
    drop = float(full.values[tuple(source[-1])] - full.values[tuple(source[0])])
    z = full.values[box].copy()
    bed = _carved_bed(z[tuple(river.T)])
    cut = z[tuple(river.T)] - bed
    z[tuple(river.T)] = bed
    dem = new_grid_like(
        full[box], data=z, name="elevation", units="m", long_name="ground elevation"
    )
    dem.attrs.update(standard_name="surface_altitude", source=DEM_SOURCE)
    on_river = np.zeros(z.shape, dtype=bool)
    on_river[tuple(river.T)] = True
    drains = dem.copy(data=(acc[box] >= DRAINAGE_CELLS) | on_river)
    gy, gx = np.gradient(z, cell)
    out = Site(
        dem=dem,
        river=river,
        river_length_m=round(float(np.sum(np.hypot(*np.diff(d8, axis=0).T))) * cell, 1),
        carved_cells=int(np.sum(cut > 0)),
        carved_median_m=round(float(np.median(cut[cut > 0])), 2),
        carved_max_m=round(float(cut.max()), 2),
        upstream_cells=acc[box].copy(),
        channel_length_m=round(length, 1),
        channel_slope=round(drop / length, 5),
        hand=hand(fill_depressions(dem), flow_directions(dem), drains).values,
        slope=np.hypot(gx, gy),
        river_dist=ndimage.distance_transform_edt(~on_river) * cell,
    )
    for a in (out.dem.values, out.river, out.upstream_cells, out.hand, out.slope, out.river_dist):
        a.flags.writeable = False  # cached: keep it intact
    return out


# --------------------------------------------------------------------------- design storm
IDF_K, IDF_M, IDF_B_MIN, IDF_C = 1370.0, 0.14, 10.0, 0.82
KEY, RETURN_PERIOD_YR = "100yr", 100.0
STEP_S, STORM_S, HYDROGRAPH_S = 600.0, 86_400.0, 36 * 3600.0
PEAK_BLOCK = 72  # the most intense 10 min start at 12:00
RAIN_X_M = (743_000.0, 757_000.0)  # edges of the 1 km rainfall grid: the crop plus about 1 km
RAIN_Y_M = (4_045_000.0, 4_059_000.0)
RAIN_CELL_M = 1000.0


def idf_intensity(return_period_yr: float, duration_min: Any) -> Any:
    """Design intensity (mm/h) of the sample's assumed IDF relation ``K T^m / (d + b)^c``."""
    d = np.asarray(duration_min, dtype=float)
    return IDF_K * return_period_yr**IDF_M / (d + IDF_B_MIN) ** IDF_C


def hyetograph() -> np.ndarray:
    """Point rain (mm/h) in 10-min blocks over 24 h by the alternating block method."""
    minutes = STEP_S / 60.0 * np.arange(1, int(STORM_S // STEP_S) + 1)
    depth = idf_intensity(RETURN_PERIOD_YR, minutes) * minutes / 60.0
    return _alternating_blocks(depth, STEP_S, PEAK_BLOCK)


def rain_axes() -> tuple[np.ndarray, np.ndarray]:
    """Cell centres (m) of the rainfall grid: x west to east, y north to south."""
    x = np.arange(RAIN_X_M[0] + RAIN_CELL_M / 2, RAIN_X_M[1], RAIN_CELL_M)
    return x, np.arange(RAIN_Y_M[1] - RAIN_CELL_M / 2, RAIN_Y_M[0], -RAIN_CELL_M)


def storm(s: Site) -> np.ndarray:
    """Rain (mm/h) on the 1 km grid: hyetograph x orographic factor x a passing storm cell.

    The factor grows 6 % per 100 m of the cell's mean ground height above 400 m (0.95 to
    1.10; margin cells take the nearest cell's); the storm cell (+25 % at its centre, 2 km
    wide) crosses from south-west to north-east in the three hours around the peak.
    """
    x, y = rain_axes()
    cols = np.floor((s.dem["x"].values - RAIN_X_M[0]) / RAIN_CELL_M).astype(int)
    rows = np.floor((RAIN_Y_M[1] - s.dem["y"].values) / RAIN_CELL_M).astype(int)
    flat = (rows[:, None] * x.size + cols[None, :]).ravel()
    count = np.bincount(flat, minlength=x.size * y.size).reshape(y.size, x.size)
    total = np.bincount(flat, weights=s.dem.values.ravel(), minlength=count.size)
    mean = total.reshape(count.shape) / np.maximum(count, 1)
    near = ndimage.distance_transform_edt(count == 0, return_distances=False, return_indices=True)
    orographic = np.clip(1.0 + 0.06 * (mean[tuple(near)] - 400.0) / 100.0, 0.95, 1.10)
    t = STEP_S * (np.arange(int(STORM_S // STEP_S)) + 0.5)
    phase = np.clip((t - STEP_S * (PEAK_BLOCK + 0.5)) / 5400.0, -1.0, 1.0)[:, None, None]
    xx, yy = np.meshgrid(x, y)
    cx, cy = 750_000.0 + 6000.0 * phase, 4_052_000.0 + 6000.0 * phase
    cell = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 2000.0**2))
    boost = 1 + 0.25 * np.cos(np.pi / 2 * phase) ** 2 * cell
    return np.round(hyetograph()[:, None, None] * orographic * boost, 3)


def storm_stats(rain: xr.DataArray, dem: xr.DataArray) -> dict[str, float]:
    """Rain totals (mm) and intensities (mm/h) over the rain cells overlapping the DEM."""
    xmin, ymin, xmax, ymax = grid_bounds(dem)
    h = RAIN_CELL_M / 2
    inner = rain.sel(x=slice(xmin - h, xmax + h), y=slice(ymax + h, ymin - h)).values * 3.6e6
    dt = np.diff(np.append(rain["time"].values, rain.attrs["interval_end_s"]))
    total = np.tensordot(dt / 3600.0, inner, axes=1)
    mean = inner.mean(axis=(1, 2))
    hourly = np.convolve(mean, np.ones(round(3600.0 / dt[0])), "valid") * dt[0] / 3600.0
    return {
        "total_mean_mm": round(float(total.mean()), 1),
        "total_min_mm": round(float(total.min()), 1),
        "total_max_mm": round(float(total.max()), 1),
        "peak_mean_mm_h": round(float(mean.max()), 1),
        "peak_max_mm_h": round(float(inner.max()), 1),
        "wettest_hour_mean_mm": round(float(hourly.max()), 1),
        "peak_start_h": float(rain["time"].values[int(np.argmax(mean))]) / 3600.0,
    }


# --------------------------------------------------------------------------- river inflow
CATCHMENT_CN = 70.0  # AMC II: wooded mountain slopes with pasture on the valley floor
AREAL_REDUCTION = 0.96
BASEFLOW_M3S = 1.5
UH_SHAPE = 3.7  # gamma form of the SCS dimensionless unit hydrograph (peak rate factor 484)


def time_to_peak_s(s: Site) -> float:
    """SCS unit-hydrograph time to peak (s): half the rain step plus a lag of 0.6 Kirpich Tc."""
    tc_min = 0.0195 * s.channel_length_m**0.77 * s.channel_slope**-0.385
    return STEP_S / 2 + 0.6 * tc_min * 60.0


def inflow(s: Site) -> pd.DataFrame:
    """River discharge (m³/s) entering the crop, every 10 min over 36 h."""
    area_m2 = float(s.upstream_cells[s.entry]) * s.cell_m**2
    rain = np.cumsum(hyetograph() * STEP_S / 3600.0 * AREAL_REDUCTION)  # mm
    retention = 25400.0 / CATCHMENT_CN - 254.0
    runoff = np.where(
        rain > 0.2 * retention, (rain - 0.2 * retention) ** 2 / (rain + 0.8 * retention), 0.0
    )
    excess = np.diff(runoff, prepend=0.0)  # mm per step
    tp, m = time_to_peak_s(s), UH_SHAPE
    peak_per_mm = area_m2 * 1e-3 * m ** (m + 1) / (tp * np.exp(m) * gamma(m + 1))
    t = np.arange(0.0, HYDROGRAPH_S + 1.0, STEP_S)
    lag = t[:, None] - (STEP_S * np.arange(excess.size) + STEP_S / 2)[None, :]
    tau = np.maximum(lag, 0.0) / tp
    q = BASEFLOW_M3S + (peak_per_mm * tau**m * np.exp(m * (1 - tau))) @ excess
    return pd.DataFrame({"time_s": t, "discharge_m3s": np.round(q, 2)})


def inflow_stats(q: pd.DataFrame) -> dict[str, float]:
    """Peak (m³/s), its time and lag after the rain peak (h), runoff above baseflow (hm³)."""
    return _hydrograph_stats(q, STEP_S * (PEAK_BLOCK + 0.5), BASEFLOW_M3S)
