"""Terrain, river, neighbourhood footprints, design storms and river inflow of Valle Alto.

The ground of the synthetic valley town (see :mod:`drm.datasets.valle_alto`): a 4 km x 4 km
DEM at 10 m in UTM zone 19N (EPSG:32619) near Mérida, Venezuela, whose valley runs
west-east; the river enters at the east (upstream) edge and leaves at the west edge. This
module lays out the terrain, the river and where each neighbourhood stands, makes the
design storms and the river inflow, and measures them. Everything is in SI units except
where the name says otherwise.

Design numbers and their sources
--------------------------------
* Rainfall: intensity-duration-frequency relation ``i = K T^m / (d + b)^c``
  (i in mm/h, T in years, d in min) with K = 270, m = 0.22, b = 10 min,
  c = 0.66, turned into a 24-h hyetograph at 10-min steps by the alternating
  block method (Chow, Maidment & Mays 1988, *Applied Hydrology*, §14.4) with
  the peak block starting at 06:00.
* River inflow: SCS-CN runoff (USDA TR-55, 1986) of the catchment-mean storm
  (areal reduction factor 0.90 assumed for 300 km², of the order of the US Weather
  Bureau TP-29 depth-area curves for a few hours) routed
  with the SCS dimensionless unit hydrograph (gamma form, shape 3.7; NRCS
  NEH-630 ch. 16) and a Kirpich (1940) time of concentration, plus baseflow.
* Bankfull capacity: Manning's equation on the design trapezoid.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from math import gamma
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage
from scipy.spatial import cKDTree

from drm.datasets._builders import _alternating_blocks, _hydrograph_stats
from drm.datasets._town import SampleTown

# --------------------------------------------------------------------------- geometry
CRS = "EPSG:32619"
X0, Y0 = 258_000.0, 946_000.0  # lower-left corner of the DEM (m)
CELL_M = 10.0
NCELLS = 400  # rows and columns: 4 km x 4 km
EXTENT_M = CELL_M * NCELLS

Z_OUTLET_M = 1600.0  # floodplain at the west (downstream) edge
VALLEY_SLOPE = 0.0065  # down-valley floodplain slope (-)
CROSS_SLOPE = 0.0015  # floodplain rise away from the river (-)
CHANNEL_DEPTH_M = 3.0
CHANNEL_BOTTOM_M = 16.0
CHANNEL_TOP_M = 28.0
CHANNEL_MANNING_N = 0.040
WALLS = {1: (420.0, 1300.0), -1: (380.0, 1200.0)}  # side: (height m, width m) of the valley walls
RIDGE_SOFT_TOP_M = 2050.0
FAN_APEX_M = 130.0  # apex of each alluvial fan, this far up its gully from the wall toe
FAN_SLOPE = 0.03
GULLY_LENGTH_M = 1800.0
#: Tributary gullies: name, side (+1 north wall, -1 south wall), mouth (m east of the west edge),
#: skew (m east per m up the wall), depth as a fraction of the wall height.
GULLIES = (
    ("Quebrada El Rosario", 1, 1400.0, 0.10, 0.22),
    ("Quebrada Seca", 1, 2950.0, -0.08, 0.20),
    ("Quebrada Las Lajas", -1, 950.0, -0.06, 0.20),
    ("Quebrada San Pedro", -1, 2250.0, 0.07, 0.22),
)
#: Closed depressions on the floodplain: east offset (m), offset from the river (m), depth (m), radius (m).
DEPRESSIONS = (
    (380.0, 150.0, 1.2, 45.0),
    (760.0, -110.0, 1.0, 35.0),
    (2650.0, 150.0, 1.4, 50.0),
    (3450.0, 150.0, 1.1, 40.0),
)


def _valley_centre(u: Any) -> Any:
    return 1950.0 + 100.0 * np.sin(2 * np.pi * u / 6000.0 + 0.5)


def _wall_toe(u: Any, side: int) -> Any:
    """North (side 1) or south (-1) edge of the floodplain (m north of the south edge)."""
    if side > 0:
        return _valley_centre(u) + 300.0 + 60.0 * np.sin(2 * np.pi * u / 2500.0 + 1.3)
    return _valley_centre(u) - 280.0 - 50.0 * np.sin(2 * np.pi * u / 3100.0 + 2.1)


def _river(u: Any) -> Any:
    """River centreline (m north of the south edge) at ``u`` m east of the west edge."""
    return _valley_centre(u) + 75.0 * np.sin(2 * np.pi * u / 1300.0 + 0.9)


def _rise(d: Any, side: int) -> Any:
    """Height of a valley wall above its toe, ``d`` m into the wall (half-cosine, then 5 %)."""
    height, width = WALLS[side]
    d = np.maximum(d, 0.0)
    return np.where(
        d < width,
        height * (1 - np.cos(np.pi * np.minimum(d, width) / width)) / 2,
        height + 0.05 * (d - width),
    )


def _smoothstep(t: Any) -> Any:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _smooth_surface(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise-free ground (m) with floodplain, walls and gullies, plus gully weight and wall depth."""
    river = _river(u)
    z = Z_OUTLET_M + VALLEY_SLOPE * u + CROSS_SLOPE * np.abs(v - river)
    into = {1: v - _wall_toe(u, 1), -1: _wall_toe(u, -1) - v}
    for side, d in into.items():
        z = z + _rise(d, side)
    gully = np.zeros_like(z)
    for _, side, mouth, skew, depth in GULLIES:
        d = np.maximum(into[side], 0.0)
        axis = mouth + skew * d + 30.0 * np.sin(d / 250.0)
        weight = np.exp(-(((u - axis) / (45.0 + 0.08 * d)) ** 2)) * (into[side] > 0)
        z = z - depth * _rise(d, side) * np.clip(1 - (d / GULLY_LENGTH_M) ** 4, 0, 1) * weight
        gully = np.maximum(gully, weight)
    return z, gully, np.maximum(into[1], into[-1])


def _fan_apexes() -> list[tuple[float, float, float, int]]:
    """(u, v, elevation, side) of the apex of each alluvial fan."""
    out = []
    for _, side, mouth, skew, depth in GULLIES:
        ua = mouth + skew * FAN_APEX_M + 30.0 * np.sin(FAN_APEX_M / 250.0)
        va = _wall_toe(ua, side) + side * FAN_APEX_M
        toe = Z_OUTLET_M + VALLEY_SLOPE * ua + CROSS_SLOPE * abs(va - _river(ua))
        za = toe + float(_rise(FAN_APEX_M, side)) * (
            1 - depth * (1 - (FAN_APEX_M / GULLY_LENGTH_M) ** 4)
        )
        out.append((float(ua), float(va), float(za), side))
    return out


def _noise(rng: np.random.Generator, sigma_cells: float) -> np.ndarray:
    a = ndimage.gaussian_filter(rng.standard_normal((NCELLS, NCELLS)), sigma_cells, mode="reflect")
    return a / a.std()


@cache
def _river_tree() -> tuple[np.ndarray, cKDTree]:
    """River centreline vertices every 2 m (``u``, past both edges) and their search tree."""
    us = np.arange(-60.0, EXTENT_M + 60.0, 2.0)
    return us, cKDTree(np.column_stack([us, _river(us)]))


def _river_distance(u: Any, v: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) to the river centreline and the ``u`` of the nearest centreline point.

    Exact within 600 m of the river; a point farther away (only "far" matters there) gets its
    north-south offset from the river, which is larger, and its own ``u``.
    """
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    us, tree = _river_tree()
    dist, idx = tree.query(np.column_stack([u.ravel(), v.ravel()]), distance_upper_bound=600.0)
    far = ~np.isfinite(dist)
    dist[far] = np.abs(v.ravel() - _river(u.ravel()))[far]
    near_u = np.where(far, u.ravel(), us[np.minimum(idx, us.size - 1)])
    return dist.reshape(u.shape), near_u.reshape(u.shape)


@dataclass(frozen=True)
class _Terrain:
    z: np.ndarray  # elevation (m), float32-representable float64
    u: np.ndarray  # cell centres, m east of the west edge
    v: np.ndarray  # cell centres, m north of the south edge
    river_dist: np.ndarray  # m to the river centreline
    wall_depth: np.ndarray  # m into the nearest valley wall (< 0 on the floodplain)
    gully: np.ndarray  # 0..1 weight of the gully cross-sections
    slope: np.ndarray  # gradient magnitude (-)

    def sample(self, u: Any, v: Any) -> np.ndarray:
        """Bilinear elevation (m) at points ``u``, ``v``."""
        rows = (EXTENT_M - np.asarray(v, dtype=float)) / CELL_M - 0.5
        cols = np.asarray(u, dtype=float) / CELL_M - 0.5
        return ndimage.map_coordinates(
            self.z, [np.atleast_1d(rows), np.atleast_1d(cols)], order=1, mode="nearest"
        )


def _terrain(rng: np.random.Generator) -> _Terrain:
    centres = (np.arange(NCELLS) + 0.5) * CELL_M
    u, v = np.meshgrid(centres, EXTENT_M - centres)
    z, gully, wall_depth = _smooth_surface(u, v)
    river_dist, river_u = _river_distance(u, v)
    # alluvial fans: cones below each apex, cut back by the river near its banks
    fan = np.zeros_like(z)
    for ua, va, za, side in _fan_apexes():
        into = side * (v - _wall_toe(u, side))
        cone = np.maximum(za - FAN_SLOPE * np.hypot(u - ua, v - va) - z, 0.0)
        fan = np.maximum(fan, np.where(into < FAN_APEX_M, cone, 0.0))
    z = z + fan * _smoothstep((river_dist - 20.0) / 100.0)
    smooth = z
    # multi-scale noise: strong on the walls, faint on the floodplain, none along gully and river axes
    on_wall = _smoothstep(wall_depth / 300.0)
    damp = (1 - gully) * _smoothstep(river_dist / 40.0)
    rough = 16.0 * _noise(rng, 35) + 5.0 * _noise(rng, 10) + 0.8 * _noise(rng, 3)
    z = z + damp * (on_wall * rough + (1 - on_wall) * 0.2 * _noise(rng, 8))
    z = np.where(
        z > RIDGE_SOFT_TOP_M, RIDGE_SOFT_TOP_M + 40.0 * np.tanh((z - RIDGE_SOFT_TOP_M) / 40.0), z
    )
    for du, dv, depth, radius in DEPRESSIONS:
        z = z - depth * np.exp(-((u - du) ** 2 + (v - _river(du) - dv) ** 2) / radius**2)
    # tributary channels: 1.2 m below the smooth ground, from each fan apex straight down to the river
    for ua, va, _, side in _fan_apexes():
        toward = (side * (v - _river(ua)) > 0) & (side * (va - v) >= 0) & (np.abs(u - ua) < 6.0)
        z = np.where(toward, np.minimum(z, smooth - 1.2), z)
    # the river channel: trapezoid on a smooth bed, banks rising 1:1 beyond the top width
    bed = Z_OUTLET_M + VALLEY_SLOPE * river_u - CHANNEL_DEPTH_M
    half_b, half_t = CHANNEL_BOTTOM_M / 2, CHANNEL_TOP_M / 2
    profile = np.where(
        river_dist < half_t,
        CHANNEL_DEPTH_M * np.clip((river_dist - half_b) / (half_t - half_b), 0, 1),
        CHANNEL_DEPTH_M + river_dist - half_t,
    )
    z = np.minimum(z, bed + profile)
    z = np.round(z, 2).astype(np.float32).astype(np.float64)
    gy, gx = np.gradient(z, CELL_M)
    return _Terrain(
        z=z,
        u=u,
        v=v,
        river_dist=river_dist,
        wall_depth=wall_depth,
        gully=gully,
        slope=np.hypot(gx, gy),
    )


# --------------------------------------------------------------------------- neighbourhoods
#: name, kind, centre u, v (m), half-axes along u, v (m), design density on built cells (persons/ha),
#: bank of the river (+1 north, -1 south).
NEIGHBOURHOODS = (
    ("Barrio La Ribera", "informal", 930.0, 2165.0, 320.0, 140.0, 430.0, 1),
    ("Barrio El Playón", "informal", 1480.0, 1955.0, 320.0, 155.0, 410.0, -1),
    ("Barrio Brisas del Río", "informal", 2080.0, 2110.0, 330.0, 145.0, 420.0, 1),
    ("Casco Histórico", "historic", 1450.0, 2330.0, 300.0, 150.0, 190.0, 1),
    ("Urbanización Los Samanes", "formal", 720.0, 1880.0, 230.0, 95.0, 170.0, -1),
    ("Barrio San Isidro", "informal", 1110.0, 1710.0, 210.0, 125.0, 380.0, -1),
    ("Barrio La Quebradita", "informal", 2330.0, 1760.0, 260.0, 135.0, 390.0, -1),
    ("Barrio Pueblo Nuevo", "informal", 2940.0, 2215.0, 220.0, 135.0, 370.0, 1),
    ("Sector El Calvario", "informal", 1810.0, 2455.0, 210.0, 105.0, 330.0, 1),
    ("Urbanización Santa Elena", "formal", 1660.0, 1600.0, 220.0, 100.0, 150.0, -1),
    ("Urbanización Las Acacias", "formal", 2440.0, 2455.0, 200.0, 90.0, 130.0, 1),
    ("Sector Los Pinos", "formal", 2700.0, 1430.0, 190.0, 90.0, 125.0, -1),
)
HOUSEHOLD_SIZE = {"informal": 4.0, "historic": 3.7, "formal": 3.6}


def _neighbourhood_ids(t: _Terrain) -> np.ndarray:
    """Integer grid of neighbourhood ids (1-based, 0 = none): superellipses clipped at the river."""
    ids = np.zeros(t.z.shape, dtype=np.int16)
    for k, (_, _, cu, cv, au, av, _, bank) in enumerate(NEIGHBOURHOODS, start=1):
        inside = (np.abs(t.u - cu) / au) ** 3 + (np.abs(t.v - cv) / av) ** 3 <= 1.0
        inside &= (
            (bank * (t.v - _river(t.u)) > 0) & (t.river_dist > CHANNEL_TOP_M / 2 + 6.0) & (ids == 0)
        )
        ids[inside] = k
    return ids


# --------------------------------------------------------------------------- design storms
IDF_K, IDF_M, IDF_B_MIN, IDF_C = 270.0, 0.22, 10.0, 0.66
RETURN_PERIODS = {"10yr": 10.0, "100yr": 100.0}
STEP_S = 600.0
STORM_S = 86_400.0
PEAK_BLOCK = 36  # the most intense 10 min start at 06:00
RAIN_CELL_M = 500.0
RAIN_MARGIN_M = 1000.0


def idf_intensity(return_period_yr: float, duration_min: Any) -> Any:
    """Design rain intensity (mm/h) of Valle Alto's IDF relation ``K T^m / (d + b)^c``.

    Parameters
    ----------
    return_period_yr : float
        Return period T in years.
    duration_min : float or array_like
        Duration d in minutes.

    Returns
    -------
    float or numpy.ndarray
        Mean intensity over the duration, mm/h.

    Examples
    --------
    >>> round(float(idf_intensity(100, 60)), 1)
    45.0
    """
    return (
        IDF_K
        * return_period_yr**IDF_M
        / (np.asarray(duration_min, dtype=float) + IDF_B_MIN) ** IDF_C
    )


def _hyetograph(return_period_yr: float) -> np.ndarray:
    """Point rain (mm/h) in 10-min blocks over 24 h, alternating block method."""
    minutes = STEP_S / 60.0 * np.arange(1, int(STORM_S // STEP_S) + 1)
    depth = idf_intensity(return_period_yr, minutes) * minutes / 60.0
    return _alternating_blocks(depth, STEP_S, PEAK_BLOCK)


def _rain_axes() -> tuple[np.ndarray, np.ndarray]:
    """Centres (m, absolute) of the coarse rainfall grid: the DEM plus a 1 km margin."""
    n = int((EXTENT_M + 2 * RAIN_MARGIN_M) // RAIN_CELL_M)
    x = X0 - RAIN_MARGIN_M + RAIN_CELL_M * (np.arange(n) + 0.5)
    y = Y0 + EXTENT_M + RAIN_MARGIN_M - RAIN_CELL_M * (np.arange(n) + 0.5)
    return x, y


def _storm(return_period_yr: float) -> np.ndarray:
    """Rain (mm/h) on the coarse grid: hyetograph x orographic factor x a passing convective cell."""
    x, y = _rain_axes()
    u, v = np.meshgrid(x - X0, y - Y0)
    ground = _smooth_surface(u, v)[0]
    orographic = np.clip(1.0 + 0.08 * (ground - 1800.0) / 250.0, 0.92, 1.08)
    t = STEP_S * (np.arange(int(STORM_S // STEP_S)) + 0.5)
    peak = STEP_S * (PEAK_BLOCK + 0.5)
    phase = np.clip((t - peak) / 5400.0, -1.0, 1.0)  # the cell crosses in 3 h, up the valley
    envelope = np.cos(np.pi / 2 * phase) ** 2
    cu, cv = 2000.0 + 3500.0 * phase, 1950.0 + 700.0 * phase
    cell = np.exp(-((u - cu[:, None, None]) ** 2 + (v - cv[:, None, None]) ** 2) / (2 * 1000.0**2))
    rain = (
        _hyetograph(return_period_yr)[:, None, None]
        * orographic
        * (1 + 0.2 * envelope[:, None, None] * cell)
    )
    return np.round(rain, 3)


# --------------------------------------------------------------------------- river inflow
CATCHMENT_AREA_KM2 = 300.0
CATCHMENT_LENGTH_M = 30_000.0  # main channel
CATCHMENT_SLOPE = 0.03
CATCHMENT_CN = 78.0  # AMC II, mixed pasture, cropland and forest on HSG B/C soils
AREAL_REDUCTION = 0.90
BASEFLOW_M3S = 18.0
UH_SHAPE = 3.7  # gamma form of the SCS dimensionless unit hydrograph (peak rate factor 484)
HYDROGRAPH_S = 36 * 3600.0


def _time_to_peak_s() -> float:
    """SCS unit-hydrograph time to peak: half the rain step plus a lag of 0.6 Kirpich Tc."""
    tc_min = 0.0195 * CATCHMENT_LENGTH_M**0.77 * CATCHMENT_SLOPE**-0.385
    return STEP_S / 2 + 0.6 * tc_min * 60.0


def _inflow(return_period_yr: float) -> pd.DataFrame:
    """River discharge (m³/s) entering at the upstream edge, every 10 min over 36 h."""
    rain = np.cumsum(_hyetograph(return_period_yr) * STEP_S / 3600.0 * AREAL_REDUCTION)  # mm
    s = 25400.0 / CATCHMENT_CN - 254.0
    runoff = np.where(rain > 0.2 * s, (rain - 0.2 * s) ** 2 / (rain + 0.8 * s), 0.0)
    excess = np.diff(runoff, prepend=0.0)  # mm per step
    tp = _time_to_peak_s()
    m = UH_SHAPE
    # m³/s per mm of excess: the gamma curve scaled to hold 1 mm over the catchment
    peak_per_mm = CATCHMENT_AREA_KM2 * 1e3 * m ** (m + 1) / (tp * np.exp(m) * gamma(m + 1))
    t = np.arange(0.0, HYDROGRAPH_S + 1.0, STEP_S)
    tau = np.maximum(t[:, None] - (STEP_S * np.arange(excess.size) + STEP_S / 2)[None, :], 0.0) / tp
    q = BASEFLOW_M3S + (peak_per_mm * tau**m * np.exp(m * (1 - tau))) @ excess
    return pd.DataFrame({"time_s": t, "discharge_m3s": np.round(q, 2)})


# --------------------------------------------------------------------------- measures
def _channel_design() -> dict[str, float]:
    """Design channel geometry and its bankfull capacity by Manning's equation."""
    us = np.arange(0.0, EXTENT_M + 1.0, 2.0)
    sinuosity = float(np.sum(np.hypot(np.diff(us), np.diff(_river(us))))) / EXTENT_M
    slope = VALLEY_SLOPE / sinuosity
    side = (CHANNEL_TOP_M - CHANNEL_BOTTOM_M) / 2
    area = (CHANNEL_TOP_M + CHANNEL_BOTTOM_M) / 2 * CHANNEL_DEPTH_M
    radius = area / (CHANNEL_BOTTOM_M + 2 * np.hypot(side, CHANNEL_DEPTH_M))
    return {
        "top_width_m": CHANNEL_TOP_M,
        "bottom_width_m": CHANNEL_BOTTOM_M,
        "depth_m": CHANNEL_DEPTH_M,
        "manning_n": CHANNEL_MANNING_N,
        "sinuosity": round(sinuosity, 3),
        "bed_slope": round(slope, 5),
        "bankfull_capacity_m3s": round(
            float(area * radius ** (2 / 3) * np.sqrt(slope) / CHANNEL_MANNING_N), 1
        ),
    }


def _storm_stats(rain: xr.DataArray) -> dict[str, float]:
    """Rain totals (mm) and intensities (mm/h) over the cells above the DEM."""
    inner = rain.sel(x=slice(X0, X0 + EXTENT_M), y=slice(Y0 + EXTENT_M, Y0)).values * 3.6e6
    dt = np.diff(np.append(rain["time"].values, rain.attrs["interval_end_s"]))
    total = np.tensordot(dt / 3600.0, inner, axes=1)
    mean = inner.mean(axis=(1, 2))
    return {
        "total_mean_mm": round(float(total.mean()), 1),
        "total_min_mm": round(float(total.min()), 1),
        "total_max_mm": round(float(total.max()), 1),
        "peak_mean_mm_h": round(float(mean.max()), 1),
        "peak_max_mm_h": round(float(inner.max()), 1),
        "peak_start_h": float(rain["time"].values[int(np.argmax(mean))]) / 3600.0,
    }


def _inflow_stats(q: pd.DataFrame) -> dict[str, float]:
    """Peak (m³/s), its time and lag after the rain peak (h), runoff above baseflow (hm³)."""
    return _hydrograph_stats(q, STEP_S * (PEAK_BLOCK + 0.5), BASEFLOW_M3S)


def _terrain_stats(town: SampleTown) -> tuple[dict[str, Any], np.ndarray]:
    """DEM magnitudes, and the height of every cell above the river's design bank level (m)."""
    z = town.dem.values
    u, v = np.meshgrid(town.dem["x"].values - X0, town.dem["y"].values - Y0)
    dist, near_u = _river_distance(u, v)
    above_bank = z - (Z_OUTLET_M + VALLEY_SLOPE * near_u)
    low = above_bank < 3.0
    band = low & (dist > CHANNEL_TOP_M) & (dist < 150.0)
    into_wall = np.maximum(v - _wall_toe(u, 1), _wall_toe(u, -1) - v)
    gy, gx = np.gradient(z, CELL_M)
    walls = np.hypot(gx, gy)[(into_wall > 300.0) & (into_wall < 900.0)]
    bank = [
        np.mean(z[:, j][(dist[:, j] > 20.0) & (dist[:, j] < 35.0)]) - z[:, j].min()
        for j in range(z.shape[1])
    ]
    toes = _wall_toe(u[0], 1) - _wall_toe(u[0], -1)
    stats = {
        "rows": int(z.shape[0]),
        "cols": int(z.shape[1]),
        "cell_m": CELL_M,
        "elevation_min_m": float(z.min()),
        "elevation_max_m": float(z.max()),
        "relief_m": round(float(z.max() - z.min()), 2),
        "floodplain_width_design_m": [round(float(toes.min())), round(float(toes.max()))],
        "low_ground_width_median_m": float(np.median(low.sum(axis=0)) * CELL_M),
        "floodplain_slope_percent": round(100 * float(np.polyfit(u[band], z[band], 1)[0]), 3),
        "wall_slope_percent_p10_p50_p90": [
            round(100 * float(q), 1) for q in np.percentile(walls, [10, 50, 90])
        ],
        "channel_depth_below_banks_median_m": round(float(np.median(bank)), 2),
    }
    return stats, above_bank
