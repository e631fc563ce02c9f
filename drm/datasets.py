"""Built-in sample data: the synthetic valley town "Valle Alto" and a real DEM.

:func:`valley_town` generates, deterministically from a seed, a complete and
realistic set of inputs for drm in a few seconds: a fictional Andean valley
town that floods, georeferenced in UTM zone 19N (EPSG:32619) near Mérida,
Venezuela. The valley runs west-east; the river enters at the east (upstream)
edge and leaves at the west edge. Everything is in SI units except where the
name says otherwise.

The same data ship, written by :func:`write_valley_town`, in
``hazard_data/valle_alto/`` (see ``hazard_data/README.md`` for every file, its
provenance and the measured magnitudes); regenerate them with
``python -m drm.datasets``. :func:`real_terrain` returns the real DEM that
matplotlib ships, reprojected to metres.

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
* Land cover: Manning's n from Chow (1959, *Open-Channel Hydraulics*, table
  5-6) or common 2-D urban flood model values; curve numbers from TR-55 tables
  2-2a to 2-2c for hydrologic soil group B.
* Bankfull capacity: Manning's equation on the design trapezoid.
"""

from __future__ import annotations

import argparse
import html
import os
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from math import gamma
from pathlib import Path
from typing import Any, ClassVar

import networkx as nx
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from scipy import ndimage
from scipy.spatial import cKDTree

from drm._resources import builtin_path
from drm.errors import InputError
from drm.grids import check_grid, check_same_grid, new_grid_like, set_crs
from drm.io import atomic_path, graph_from_lines, rainfall_grid, write_geojson, write_grid
from drm.regrid import to_metric

__all__ = [
    "SampleTown",
    "builtin_path",
    "idf_intensity",
    "real_terrain",
    "real_terrain_town",
    "valley_town",
    "write_real_terrain_town",
    "write_valley_town",
]

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
DEPRESSIONS = ((380.0, 150.0, 1.2, 45.0), (760.0, -110.0, 1.0, 35.0), (2650.0, 150.0, 1.4, 50.0),
               (3450.0, 150.0, 1.1, 40.0))


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
    return np.where(d < width, height * (1 - np.cos(np.pi * np.minimum(d, width) / width)) / 2,
                    height + 0.05 * (d - width))


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
        za = toe + float(_rise(FAN_APEX_M, side)) * (1 - depth * (1 - (FAN_APEX_M / GULLY_LENGTH_M) ** 4))
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
        return ndimage.map_coordinates(self.z, [np.atleast_1d(rows), np.atleast_1d(cols)], order=1, mode="nearest")


def _terrain(rng: np.random.Generator) -> _Terrain:
    centres = (np.arange(NCELLS) + 0.5) * CELL_M
    u, v = np.meshgrid(centres, EXTENT_M - centres)
    z, gully, wall_depth = _smooth_surface(u, v)
    river_dist, river_u = _river_distance(u, v)
    fan = np.zeros_like(z)  # alluvial fans: cones below each apex, cut back by the river near its banks
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
    z = np.where(z > RIDGE_SOFT_TOP_M, RIDGE_SOFT_TOP_M + 40.0 * np.tanh((z - RIDGE_SOFT_TOP_M) / 40.0), z)
    for du, dv, depth, radius in DEPRESSIONS:
        z = z - depth * np.exp(-((u - du) ** 2 + (v - _river(du) - dv) ** 2) / radius**2)
    # tributary channels: 1.2 m below the smooth ground, from each fan apex straight down to the river
    for ua, va, _, side in _fan_apexes():
        toward = (side * (v - _river(ua)) > 0) & (side * (va - v) >= 0) & (np.abs(u - ua) < 6.0)
        z = np.where(toward, np.minimum(z, smooth - 1.2), z)
    # the river channel: trapezoid on a smooth bed, banks rising 1:1 beyond the top width
    bed = Z_OUTLET_M + VALLEY_SLOPE * river_u - CHANNEL_DEPTH_M
    half_b, half_t = CHANNEL_BOTTOM_M / 2, CHANNEL_TOP_M / 2
    profile = np.where(river_dist < half_t,
                       CHANNEL_DEPTH_M * np.clip((river_dist - half_b) / (half_t - half_b), 0, 1),
                       CHANNEL_DEPTH_M + river_dist - half_t)
    z = np.minimum(z, bed + profile)
    z = np.round(z, 2).astype(np.float32).astype(np.float64)
    gy, gx = np.gradient(z, CELL_M)
    return _Terrain(z=z, u=u, v=v, river_dist=river_dist, wall_depth=wall_depth, gully=gully,
                    slope=np.hypot(gx, gy))


# --------------------------------------------------------------------------- land cover
#: code, name, Manning n (s m^-1/3), curve number (HSG B), source.
LANDCOVER_CLASSES = (
    (1, "water", CHANNEL_MANNING_N, 98,
     "n: Chow (1959) table 5-6, mountain stream, gravel and cobbles, normal value; "
     "CN: open water taken as impervious (98), not in TR-55"),
    (2, "dense_urban", 0.12, 92,
     "n: common 2-D urban flood model value for dense building blocks (0.10-0.20); "
     "CN: TR-55 table 2-2a, commercial and business (85% impervious), HSG B"),
    (3, "residential", 0.08, 85,
     "n: common 2-D urban flood model value for residential lots (0.06-0.10); "
     "CN: TR-55 table 2-2a, residential 1/8 acre or less (65% impervious), HSG B"),
    (4, "paved_road", 0.016, 98,
     "n: Chow (1959) table 5-6, asphalt, rough; "
     "CN: TR-55 table 2-2a, paved streets with curbs and storm sewers"),
    (5, "pasture", 0.035, 69,
     "n: Chow (1959) table 5-6, floodplain pasture, high grass, normal; "
     "CN: TR-55 table 2-2c, pasture, grassland or range, fair condition, HSG B"),
    (6, "cropland", 0.040, 78,
     "n: Chow (1959) table 5-6, cultivated area, mature field crops, normal; "
     "CN: TR-55 table 2-2b, row crops, straight row, good condition, HSG B"),
    (7, "forest_shrub", 0.100, 60,
     "n: Chow (1959) table 5-6, medium to dense brush, normal; "
     "CN: TR-55 table 2-2c, woods, fair condition, HSG B"),
    (8, "bare_rock", 0.030, 86,
     "n: Chow (1959) table 5-6, cultivated area with no crop (bare soil), normal; "
     "CN: TR-55 table 2-2a, newly graded areas (pervious, no vegetation), HSG B"),
)
WATER, DENSE_URBAN, RESIDENTIAL, ROAD, PASTURE, CROPLAND, FOREST, BARE = range(1, 9)

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
        inside &= (bank * (t.v - _river(t.u)) > 0) & (t.river_dist > CHANNEL_TOP_M / 2 + 6.0) & (ids == 0)
        ids[inside] = k
    return ids


# --------------------------------------------------------------------------- roads
LATTICE_U = np.arange(600.0, 3081.0, 80.0)  # street grid columns (carreras), m east of the west edge
LATTICE_V = np.arange(1300.0, 2701.0, 100.0)  # street grid rows (calles), m north of the south edge
TRUNK_V, AVENUE_V = 2300.0, 1700.0  # rows taken by the main road and the avenue in town
TRUNK_NAME, AVENUE_NAME = "Troncal del Valle", "Avenida Los Fundadores"
RIVER_CLEARANCE_M = 35.0  # streets keep this far from the river centreline except at bridges
MAX_GRADE = 0.12  # steepest street grade
URBAN_REACH_M = 80.0  # streets reach this far beyond the neighbourhoods
ROAD_CLASSES: dict[str, dict[str, Any]] = {
    "trunk": {"highway": "trunk", "lanes": 2, "maxspeed": 60, "width_m": 7.3},
    "trunk_town": {"highway": "trunk", "lanes": 2, "maxspeed": 40, "width_m": 7.3},
    "secondary": {"highway": "secondary", "lanes": 2, "maxspeed": 40, "width_m": 7.0},
    "tertiary": {"highway": "tertiary", "lanes": 2, "maxspeed": 30, "width_m": 5.5},
    "historic": {"highway": "residential", "lanes": 1, "maxspeed": 30, "width_m": 6.0},
    "formal": {"highway": "residential", "lanes": 2, "maxspeed": 30, "width_m": 7.0},
    "informal": {"highway": "residential", "lanes": 1, "maxspeed": 20, "width_m": 4.5},
    "track": {"highway": "track", "lanes": 1, "maxspeed": 20, "width_m": 3.5},
}
#: id, name, u of the crossing (a street grid column), lanes, deck width (m), clearance of the
#: deck soffit above the river bed (m).
BRIDGES = (
    ("bridge-1", "Puente Los Samanes", 1000.0, 2, 7.0, 5.5),
    ("bridge-2", "Puente Bolívar", 1480.0, 2, 8.5, 6.5),
    ("bridge-3", "Puente Viejo", 2200.0, 1, 4.5, 4.0),
)
#: id, name, class, start (u, road it leaves), side (+1 climbs north), switchback centre u (m),
#: half-width of the switchbacks (m), end v (m), design grade.
CLIMBS = (
    ("road-los-altos", "Carretera a Los Altos", "tertiary", (1840.0, "trunk"), 1, 1900.0, 140.0, 3950.0, 0.09),
    ("road-santa-elena", "Vía a Santa Elena", "tertiary", (1680.0, "avenue"), -1, 1700.0, 150.0, 150.0, 0.09),
    ("track-las-acacias", "Camino Las Acacias", "track", (2480.0, "trunk"), 1, 2480.0, 120.0, 2950.0, 0.12),
    ("track-los-pinos", "Camino Los Pinos", "track", (2720.0, "avenue"), -1, 2720.0, 130.0, 650.0, 0.12),
    ("track-san-rafael", "Camino Real de San Rafael", "track", (405.0, "avenue"), -1, 420.0, 130.0, 150.0, 0.12),
)

#: A road: vertices (m; local u, v until _road_lines makes them EPSG:32619), properties, feature id.
Line = tuple[np.ndarray, dict[str, Any], str]


def _props(cls: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if name:
        p["name"] = name
    c = ROAD_CLASSES[cls]
    p.update(highway=c["highway"], lanes=c["lanes"], oneway="no", maxspeed=c["maxspeed"], width_m=c["width_m"])
    p.update(extra)
    return p


def _through_road(kind: str) -> np.ndarray:
    """Trace the main road (north toe) or the avenue (south toe): a grid row in town, curving outside."""
    side, row = (1, TRUNK_V) if kind == "trunk" else (-1, AVENUE_V)
    edge = CELL_M / 2  # the ends lie on the outermost cell centres, inside the DEM
    west = np.arange(edge, LATTICE_U[0], 20.0)
    east = np.append(np.arange(LATTICE_U[-1] + 20.0, EXTENT_M - edge, 20.0), EXTENT_M - edge)
    u = np.concatenate([west, LATTICE_U, east])
    toe = _wall_toe(u, side) + side * 30.0
    blend = np.maximum(_smoothstep((LATTICE_U[0] - u) / 500.0), _smoothstep((u - LATTICE_U[-1]) / 500.0))
    return np.column_stack([u, row + (toe - row) * blend])


def _switchback(t: _Terrain, start: tuple[float, float], side: int, centre: float, half: float,
                v_end: float, grade: float) -> np.ndarray:
    """Trace a road climbing a valley wall from ``start`` in hairpin legs at about ``grade``.

    Each leg runs across the slope to ``centre`` ± ``half`` and climbs as far up the wall as
    keeps its end-to-end grade at most ``grade``; where the ground is gentler the road goes
    straight up in 100 m steps.
    """
    u, v = start[0], start[1] + side * 40.0
    pts = [start, (u, v)]
    east = 1 if u <= centre else -1
    while side * (v_end - v) > 1.0:
        left = side * (v_end - v)
        z0, z1 = t.sample([u, u], [v, v + side * min(100.0, left)])
        if abs(float(z1 - z0)) <= grade * min(100.0, left):
            nu, nv = u, v + side * min(100.0, left)
        else:
            nu = centre + east * half
            east = -east
            climbs = np.arange(5.0, min(2 * half, left) + 5.0, 5.0)
            rise = np.abs(t.sample(np.full(climbs.size, nu), v + side * climbs) - z0)
            ok = rise <= grade * np.hypot(nu - u, climbs)
            nv = v + side * float(climbs[ok][-1] if ok.any() else climbs[0])
        n = max(1, int(np.hypot(nu - u, nv - v) // 20.0))
        pts.extend(zip(np.linspace(u, nu, n + 1)[1:], np.linspace(v, nv, n + 1)[1:], strict=True))
        u, v = nu, nv
    return np.array(pts)


def _street_grid(t: _Terrain, ids: np.ndarray) -> list[Line]:
    """Town streets on an 80 m x 100 m grid where there are neighbourhoods, gentle ground and no river."""
    near, (ri, ci) = ndimage.distance_transform_edt(ids == 0, return_indices=True)
    nearest = ids[ri, ci]
    kinds = {k: n[1] for k, n in enumerate(NEIGHBOURHOODS, start=1)}

    def cell(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = np.clip(((EXTENT_M - v) // CELL_M).astype(int), 0, NCELLS - 1)
        return r, np.clip((u // CELL_M).astype(int), 0, NCELLS - 1)

    def segment_kind(a: tuple[float, float], b: tuple[float, float]) -> str | None:
        s = np.linspace(0.0, 1.0, 11)
        u, v = a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])
        r, c = cell(u, v)
        if np.any(near[r, c] * CELL_M > URBAN_REACH_M):
            return None
        if np.any(_river_distance(u, v)[0] < RIVER_CLEARANCE_M):  # also: never across the river
            return None
        z = t.sample(u, v)
        if abs(z[-1] - z[0]) > MAX_GRADE * 100.0 or np.max(np.abs(np.diff(z))) > 0.2 * 10.0:
            return None
        return kinds[int(nearest[r[5], c[5]])]

    bridge_u = {b[2] for b in BRIDGES}
    lines: list[Line] = []
    for j, v in enumerate(LATTICE_V):
        if v in (TRUNK_V, AVENUE_V):
            continue
        number = round((LATTICE_V[-1] - v) / 100.0) + 1
        runs = _runs([(a, v) for a in LATTICE_U], segment_kind)
        for k, (pts, kind) in enumerate(runs, start=1):
            extra: dict[str, Any] = {}
            if kind == "historic":  # one-way calles in the old centre, alternating direction
                extra["oneway"] = "yes"
                pts = pts if j % 2 == 0 else pts[::-1]
            lines.append((np.array(pts), _props(kind, f"Calle {number}", **extra), f"calle-{number:02d}-{k}"))
    for u in LATTICE_U:
        number = round((u - LATTICE_U[0]) / 80.0) + 1
        nodes = [(u, b) for b in LATTICE_V]
        runs = _runs(nodes, segment_kind, forced=(u, AVENUE_V, TRUNK_V) if u in bridge_u else None)
        for k, (pts, kind) in enumerate(runs, start=1):
            lines.append((np.array(pts), _props(kind, f"Carrera {number}"), f"carrera-{number:02d}-{k}"))
    return lines


def _runs(nodes: list[tuple[float, float]], kind_of: Any,
          forced: tuple[float, float, float] | None = None) -> list[tuple[list[tuple[float, float]], str]]:
    """Merge consecutive kept grid segments of one row or column into runs of equal kind.

    ``forced`` = (u, v_from, v_to) inserts a bridge street from the avenue to the main road:
    its segments are always kept (class tertiary) and it is split at the bridge.
    """
    segs: list[tuple[tuple[float, float], tuple[float, float], str]] = []
    if forced is not None:
        u, lo, hi = forced
        r = float(_river(u))
        south = [(u, b) for b in LATTICE_V if lo <= b < r - RIVER_CLEARANCE_M] + [(u, r - 30.0)]
        north = [(u, r + 30.0)] + [(u, b) for b in LATTICE_V if r + RIVER_CLEARANCE_M < b <= hi]
        for part in (south, north):
            segs += [(a, b, "tertiary") for a, b in pairwise(part)]
        others = [(a, b, k) for a, b in pairwise(nodes) if not (lo <= a[1] and b[1] <= hi) and (k := kind_of(a, b))]
        segs = sorted(segs + others, key=lambda s: s[0][1])
    else:
        segs = [(a, b, k) for a, b in pairwise(nodes) if (k := kind_of(a, b))]
    runs: list[tuple[list[tuple[float, float]], str]] = []
    for a, b, k in segs:
        if runs and runs[-1][0][-1] == a and runs[-1][1] == k:
            runs[-1][0].append(b)
        else:
            runs.append(([a, b], k))
    return runs


def _road_lines(t: _Terrain, ids: np.ndarray) -> list[Line]:
    """Every road of the town as polylines in absolute coordinates (m), rounded to 1 cm."""
    lines: list[Line] = []
    through = {}
    for kind, name, town_cls, out_cls in (("trunk", TRUNK_NAME, "trunk_town", "trunk"),
                                          ("avenue", AVENUE_NAME, "secondary", "secondary")):
        pts = through[kind] = _through_road(kind)
        i0, i1 = (int(np.flatnonzero(pts[:, 0] == LATTICE_U[k])[0]) for k in (0, -1))
        lines += [(pts[: i0 + 1], _props(out_cls, name), f"{kind}-west"),
                  (pts[i0 : i1 + 1], _props(town_cls, name), f"{kind}-town"),
                  (pts[i1:], _props(out_cls, name), f"{kind}-east")]
    lines += _street_grid(t, ids)
    for bid, name, u, lanes, width, clearance in BRIDGES:
        r = float(_river(u))
        props = _props("tertiary", name, lanes=lanes, width_m=width, bridge="yes", clearance_m=clearance)
        lines.append((np.array([(u, r - 30.0), (u, r + 30.0)]), props, bid))
    for cid, name, cls, (u0, road), side, centre, half, v_end, grade in CLIMBS:
        pts = through[road]  # a vertex of the road, or a point on its straight town section
        start = (u0, float(np.interp(u0, pts[:, 0], pts[:, 1])))
        path = _switchback(t, start, side, centre, half, v_end, grade)
        lines.append((path, _props(cls, name), cid))
    return [(np.round(pts + np.array([X0, Y0]), 2), props, fid) for pts, props, fid in lines]


def _node_lines(lines: list[Line]) -> list[Line]:
    """Insert a shared vertex wherever two roads cross, so that the graph joins them there."""
    geoms = [shapely.LineString(c) for c, _, _ in lines]
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    extra: dict[int, list[np.ndarray]] = defaultdict(list)
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        for part in shapely.get_parts(shapely.intersection(geoms[i], geoms[j])):
            if part.geom_type != "Point":
                raise RuntimeError(f"roads {lines[i][2]} and {lines[j][2]} overlap along a line")
            p = np.round(shapely.get_coordinates(part)[0], 2)
            for c in (lines[i][0], lines[j][0]):
                gap = np.hypot(*(c - p).T)
                if gap.min() < 0.05:
                    p = c[int(np.argmin(gap))]
                    break
            extra[i].append(p)
            extra[j].append(p)
    out = []
    for i, (coords, props, fid) in enumerate(lines):
        new = [p for p in extra.get(i, []) if not np.any(np.all(coords == p, axis=1))]
        if new:
            new = list(np.unique(np.array(new), axis=0))
            cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
            at = [geoms[i].project(shapely.Point(p)) for p in new]
            order = np.argsort(np.concatenate([cum, at]), kind="stable")
            coords = np.concatenate([coords, np.array(new)])[order]
            coords = coords[np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]]
        out.append((coords, props, fid))
    return out


def _graph(lines: list[Line]) -> nx.MultiDiGraph:
    """Build the road graph exactly as :func:`drm.io.read_roads` builds it from the GeoJSON features."""
    return graph_from_lines([(c, {**p, "road_id": fid}) for c, p, fid in lines], CRS, source="roads")


def _roads(t: _Terrain, ids: np.ndarray) -> tuple[list[Line], nx.MultiDiGraph]:
    """Noded road lines and their graph, keeping only streets connected to the main road."""
    lines = _node_lines(_road_lines(t, ids))
    G = _graph(lines)
    main = max(nx.weakly_connected_components(G), key=len)
    keep = {d["road_id"] for u, _, d in G.edges(data=True) if u in main}
    lines = [line for line in lines if line[2] in keep]
    G = _graph(lines)
    while not nx.is_strongly_connected(G):  # a one-way street ending in a dead end: make it two-way
        main = max(nx.strongly_connected_components(G), key=len)
        stuck = {d["road_id"] for u, v, d in G.edges(data=True) if u not in main or v not in main}
        fix = {fid for _, p, fid in lines if fid in stuck and p["oneway"] == "yes"}
        if not fix:
            raise RuntimeError(f"road network is not strongly connected around {sorted(stuck)}")
        lines = [(c, {**p, "oneway": "no"} if fid in fix else p, fid) for c, p, fid in lines]
        G = _graph(lines)
    return lines, G


def _road_cells(lines: list[Line]) -> np.ndarray:
    """Boolean grid of the cells a road centreline passes through."""
    mask = np.zeros((NCELLS, NCELLS), dtype=bool)
    for coords, _, _ in lines:
        for (xa, ya), (xb, yb) in pairwise(coords):
            s = np.linspace(0.0, 1.0, max(2, int(np.hypot(xb - xa, yb - ya) // 2.0) + 2))
            cols = ((xa + s * (xb - xa) - X0) // CELL_M).astype(int)
            rows = ((Y0 + EXTENT_M - (ya + s * (yb - ya))) // CELL_M).astype(int)
            ok = (rows >= 0) & (rows < NCELLS) & (cols >= 0) & (cols < NCELLS)
            mask[rows[ok], cols[ok]] = True
    return mask


# --------------------------------------------------------------------------- land cover and people
def _landcover(t: _Terrain, ids: np.ndarray, roads: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    patches = _noise(rng, 12)
    lc = np.full(t.z.shape, PASTURE, dtype=np.uint8)
    lowland = (t.wall_depth < FAN_APEX_M) & (t.slope < 0.08)
    lc[lowland & (patches > -0.6)] = CROPLAND
    lc[(t.slope > 0.30) | (t.gully > 0.4) | ((t.slope > 0.15) & (patches > 0.3))] = FOREST
    lc[(t.slope > 0.75) | ((t.z > RIDGE_SOFT_TOP_M - 10.0) & (patches > 0.8))] = BARE
    kind = np.array(["none"] + [n[1] for n in NEIGHBOURHOODS])[ids]
    lc[(kind == "informal") | (kind == "historic")] = DENSE_URBAN
    lc[kind == "formal"] = RESIDENTIAL
    lc[roads] = ROAD
    lc[t.river_dist <= CHANNEL_TOP_M / 2] = WATER
    return lc


def _population(ids: np.ndarray, lc: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Residents per cell: design density times smooth noise on built cells (not roads or water)."""
    density = np.array([0.0] + [n[6] for n in NEIGHBOURHOODS])[ids]  # persons/ha
    built = (ids > 0) & (lc != ROAD) & (lc != WATER)
    factor = np.clip(1.0 + 0.25 * _noise(rng, 4), 0.3, None)
    return np.where(built, np.round(density * CELL_M**2 / 1e4 * factor, 2), 0.0)


def _neighbourhood_table(t: _Terrain, ids: np.ndarray, pop: np.ndarray) -> pd.DataFrame:
    rows = []
    for k, (name, kind, *_rest) in enumerate(NEIGHBOURHOODS, start=1):
        here = ids == k
        people = round(float(pop[here].sum()))
        rows.append({
            "id": k,
            "name": name,
            "kind": kind,
            "x": round(X0 + float(t.u[here].mean()), 1),
            "y": round(Y0 + float(t.v[here].mean()), 1),
            "population": people,
            "households": round(people / HOUSEHOLD_SIZE[kind]),
        })
    return pd.DataFrame(rows)


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
    return IDF_K * return_period_yr**IDF_M / (np.asarray(duration_min, dtype=float) + IDF_B_MIN) ** IDF_C


def _alternating_blocks(depth_mm: np.ndarray, step_s: float, peak_block: int) -> np.ndarray:
    """Rain rates (mm/h) by the alternating block method (Chow, Maidment & Mays 1988, 14.4).

    ``depth_mm[k]`` is the IDF depth over the first ``k + 1`` blocks of ``step_s``
    seconds; the block increments are placed largest first at ``peak_block``, then
    alternately after and before it.
    """
    n = depth_mm.size
    blocks = np.diff(depth_mm, prepend=0.0)
    order = [peak_block]
    for k in range(1, n):
        order += [q for q in (peak_block + k, peak_block - k) if 0 <= q < n]
    out = np.zeros(n)
    out[order[:n]] = blocks
    return out * 3600.0 / step_s


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
    rain = _hyetograph(return_period_yr)[:, None, None] * orographic * (1 + 0.2 * envelope[:, None, None] * cell)
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


# --------------------------------------------------------------------------- centres, warehouses, stock
#: id, name, type, near (u, v) m, usable floor area m², toilets, showers, taps, water storage L, step-free.
CENTRES = (
    ("C01", "Unidad Educativa Simón Rodríguez", "school", 1300.0, 2430.0, 1850.0, 16, 2, 10, 20000.0, True),
    ("C02", "Liceo Valle Alto", "school", 1640.0, 1585.0, 2300.0, 20, 4, 12, 30000.0, True),
    ("C03", "Escuela Básica La Ribera", "school", 900.0, 2130.0, 950.0, 8, 0, 5, 8000.0, True),
    ("C04", "Iglesia San José", "church", 1500.0, 2360.0, 520.0, 4, 0, 2, 2000.0, True),
    ("C05", "Polideportivo El Playón", "sports_hall", 1400.0, 1950.0, 1600.0, 12, 10, 8, 15000.0, True),
    ("C06", "Casa Comunal El Calvario", "community_centre", 1800.0, 2480.0, 220.0, 2, 1, 2, 1500.0, False),
    ("C07", "Capilla Santa Bárbara", "church", 2950.0, 2300.0, 260.0, 2, 0, 1, 1000.0, True),
    ("C08", "Escuela Básica Las Acacias", "school", 2420.0, 2470.0, 1200.0, 10, 2, 6, 12000.0, True),
    ("C09", "Gimnasio Cubierto Los Pinos", "sports_hall", 2680.0, 1450.0, 1300.0, 10, 8, 6, 10000.0, True),
    ("C10", "Casa Comunal Brisas del Río", "community_centre", 2100.0, 2070.0, 280.0, 2, 1, 2, 2000.0, True),
    ("C11", "Unidad Educativa San Isidro", "school", 1100.0, 1690.0, 1500.0, 14, 2, 8, 15000.0, True),
    ("C12", "Iglesia Nuestra Señora del Carmen", "church", 2280.0, 1615.0, 420.0, 3, 0, 2, 2000.0, False),
)
#: id, name, near (u, v) m, trucks, payload per truck (kg).
WAREHOUSES = (
    ("W1", "Depósito de Protección Civil", 2680.0, 2380.0, 2, 8000.0),
    ("W2", "Cruz Roja, seccional Valle Alto", 1380.0, 2420.0, 1, 3500.0),
    ("W3", "Almacén Municipal", 1200.0, 1660.0, 1, 5000.0),
)
#: item id -> unit of its quantity (the vocabulary of drm's shelter standards).
STOCK_UNITS = {
    "water_l": "L",
    "food_ration": "ration",
    "hygiene_kit": "kit",
    "menstrual_hygiene_kit": "kit",
    "soap_bar_250g": "bar",
    "blanket": "piece",
    "sleeping_mat": "piece",
    "jerrycan": "piece",
    "tarpaulin": "piece",
    "emergency_health_kit": "kit",
}
STOCK = {
    "W1": {"water_l": 30000, "food_ration": 6000, "hygiene_kit": 400, "menstrual_hygiene_kit": 300,
           "soap_bar_250g": 2000, "blanket": 1500, "sleeping_mat": 1000, "jerrycan": 600, "tarpaulin": 300,
           "emergency_health_kit": 1},
    "W2": {"water_l": 10000, "food_ration": 1500, "hygiene_kit": 300, "menstrual_hygiene_kit": 400,
           "soap_bar_250g": 1000, "blanket": 800, "sleeping_mat": 500, "jerrycan": 400, "tarpaulin": 200,
           "emergency_health_kit": 2},
    "W3": {"water_l": 15000, "food_ration": 3000, "hygiene_kit": 100, "soap_bar_250g": 500, "blanket": 500,
           "sleeping_mat": 300, "jerrycan": 200},
    "C01": {"water_l": 2000, "food_ration": 300, "blanket": 100, "sleeping_mat": 100},
    "C02": {"water_l": 3000, "food_ration": 400, "sleeping_mat": 150},
    "C08": {"water_l": 1000, "blanket": 50},
}
SITE_OFFSET_M = 25.0  # a site stands at most this far from its nearest road node


def _site_xy(G: nx.MultiDiGraph, u: float, v: float) -> tuple[float, float]:
    """Place a building near (u, v): within SITE_OFFSET_M of the nearest road node, towards (u, v)."""
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)])
    target = np.array([X0 + u, Y0 + v])
    node = xy[int(np.argmin(np.hypot(*(xy - target).T)))]
    step = target - node
    dist = float(np.hypot(*step))
    if dist > SITE_OFFSET_M:
        step = step * SITE_OFFSET_M / dist
    return round(float(node[0] + step[0]), 1), round(float(node[1] + step[1]), 1)


def _centres(G: nx.MultiDiGraph) -> pd.DataFrame:
    rows = []
    for cid, name, kind, u, v, area, toilets, showers, taps, water, accessible in CENTRES:
        x, y = _site_xy(G, u, v)
        rows.append({"id": cid, "name": name, "type": kind, "x": x, "y": y, "floor_area_m2": area,
                     "toilets": toilets, "showers": showers, "taps": taps, "water_storage_l": water,
                     "accessible": accessible})
    return pd.DataFrame(rows).set_index("id")


def _warehouses(G: nx.MultiDiGraph) -> pd.DataFrame:
    rows = []
    for wid, name, u, v, trucks, payload in WAREHOUSES:
        x, y = _site_xy(G, u, v)
        rows.append({"id": wid, "name": name, "x": x, "y": y, "trucks": trucks, "truck_capacity_kg": payload})
    return pd.DataFrame(rows).set_index("id")


def _stock() -> pd.DataFrame:
    rows = [{"site_id": site, "item": item, "quantity": float(q), "unit": STOCK_UNITS[item]}
            for site, items in STOCK.items() for item, q in items.items()]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the sample town
NOMINAL_SPACE_M2 = 3.5  # covered floor area per sheltered person (Sphere 2018) for nominal capacities
#: The files :meth:`SampleTown.write` writes.
FILES = (
    "dem.nc", "landcover.nc", "landcover_classes.csv", "rain_10yr.nc", "rain_100yr.nc",
    "river_inflow_10yr.csv", "river_inflow_100yr.csv", "population.nc", "neighbourhoods.csv",
    "roads.geojson", "centres.csv", "warehouses.csv", "stock.csv",
)


@dataclass(frozen=True, eq=False)
class SampleTown:
    """Every input of the Valle Alto sample (see :func:`valley_town`).

    Attributes
    ----------
    name : str
        "Valle Alto" (fictional).
    seed : int
        Seed of the random noise (terrain, land-cover patches, population).
    crs : str
        "EPSG:32619" (WGS 84 / UTM zone 19N).
    dem : xarray.DataArray
        Ground elevation (m), 400 x 400 cells of 10 m.
    landcover : xarray.DataArray
        Land-cover class codes (uint8) on the DEM grid.
    landcover_classes : pandas.DataFrame
        Indexed by ``code``: ``name``, ``manning_n`` (s m^-1/3), ``curve_number`` (-), ``source``.
    rainfall : dict of str to xarray.DataArray
        Design storms ``"10yr"`` and ``"100yr"``: rain rate (m s-1), 24 h at 10-min steps,
        on a 500 m grid covering the DEM with a 1 km margin.
    inflows : dict of str to pandas.DataFrame
        River inflow hydrographs for the same keys: ``time_s``, ``discharge_m3s``.
    inflow_xy : tuple of float
        Where the river enters the DEM (m, EPSG:32619): centre of the east edge column.
    population : xarray.DataArray
        Residents per cell (persons).
    neighbourhood_id : xarray.DataArray
        Neighbourhood of each cell (int16, 0 = none), ids of ``neighbourhoods``.
    neighbourhoods : pandas.DataFrame
        ``id, name, kind, x, y, population, households`` (x, y: centroid, m).
    roads : networkx.MultiDiGraph
        Road graph as :func:`drm.io.read_roads` returns it for ``roads.geojson`` (less the
        graph attribute ``source``, the file name).
    road_features : tuple of dict
        The GeoJSON features of ``roads.geojson`` (coordinates in m).
    centres : pandas.DataFrame
        Candidate evacuation centres, as :func:`drm.io.read_centres` returns them (the reader
        adds an empty ``capacity_persons`` column: no declared capacities are given).
    warehouses : pandas.DataFrame
        As :func:`drm.io.read_warehouses` returns them.
    stock : pandas.DataFrame
        Stock on hand (``site_id, item, quantity, unit``), as :func:`drm.io.read_stock` returns it.
    """

    name: str
    seed: int
    crs: str
    dem: xr.DataArray
    landcover: xr.DataArray
    landcover_classes: pd.DataFrame
    rainfall: dict[str, xr.DataArray]
    inflows: dict[str, pd.DataFrame]
    inflow_xy: tuple[float, float]
    population: xr.DataArray
    neighbourhood_id: xr.DataArray
    neighbourhoods: pd.DataFrame
    roads: nx.MultiDiGraph
    road_features: tuple[dict[str, Any], ...]
    centres: pd.DataFrame
    warehouses: pd.DataFrame
    stock: pd.DataFrame
    #: Generator and licence named in the written files (another sample sets its own).
    _generator: ClassVar[str] = "drm.datasets.valley_town"
    _license: ClassVar[str] = "CC0-1.0"

    def __post_init__(self) -> None:
        check_grid(self.dem, "DEM")
        for name in ("landcover", "population", "neighbourhood_id"):
            check_same_grid(self.dem, getattr(self, name), ("DEM", name))
        if set(self.rainfall) != set(self.inflows):
            raise InputError(f"rainfall events {sorted(self.rainfall)} and inflows {sorted(self.inflows)} differ")

    # ------------------------------------------------------------------ writing
    def write(self, directory: str | os.PathLike[str]) -> dict[str, Path]:
        """Write every file of the sample into ``directory`` (created if needed), each atomically.

        Grids go to compressed NetCDF (elevation as float32, which holds it exactly; rain in
        mm/h), tables to CSV, roads to GeoJSON in EPSG:32619; under 1 MB in all.

        Parameters
        ----------
        directory : str or path-like
            Target folder.

        Returns
        -------
        dict of str to pathlib.Path
            File stem (``"dem"``, ``"rain_100yr"``, ...) to written path.

        Examples
        --------
        >>> import tempfile
        >>> paths = valley_town().write(tempfile.mkdtemp())  # doctest: +SKIP
        >>> sorted(paths)[:3]  # doctest: +SKIP
        ['centres', 'dem', 'landcover']
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        meta = {
            "title": f"{self.name} (fictional town) sample data for drm",
            "source": f"generated by {self._generator}(seed={self.seed})",
            "license": self._license,
            "Conventions": "CF-1.8",
        }
        paths: dict[str, Path] = {}

        def netcdf(stem: str, ds: xr.Dataset, float32: bool = False) -> None:
            paths[stem] = write_grid(ds.assign_attrs(meta), out / f"{stem}.nc", float32=float32)

        def csv(stem: str, df: pd.DataFrame) -> None:
            target = out / f"{stem}.csv"
            with atomic_path(target) as tmp:
                df.to_csv(tmp, index=False, lineterminator="\n")
            paths[stem] = target

        netcdf("dem", self.dem.to_dataset(), float32=True)
        netcdf("landcover", self.landcover.to_dataset())
        csv("landcover_classes", self.landcover_classes.reset_index())
        for key, rain in self.rainfall.items():
            # back to the mm/h values (0.001 steps) the grid was made from, exactly
            mm_h = rain.copy(data=np.round(rain.values * 3.6e6, 3))
            mm_h.attrs = {"units": "mm/h", "long_name": f"rainfall rate, {key} design storm",
                          "interval_end_s": rain.attrs["interval_end_s"]}
            netcdf(f"rain_{key}", mm_h.to_dataset(name="rainfall"))
        for key, q in self.inflows.items():
            csv(f"river_inflow_{key}", pd.DataFrame({"time": q["time_s"].round().astype(np.int64),
                                                     "discharge_m3s": q["discharge_m3s"]}))
        netcdf("population", xr.Dataset({"population": self.population, "neighbourhood_id": self.neighbourhood_id}))
        csv("neighbourhoods", self.neighbourhoods)
        paths["roads"] = write_geojson(list(self.road_features), out / "roads.geojson", crs=self.crs)
        centres = self.centres.reset_index()
        centres["accessible"] = np.where(centres["accessible"], "true", "false")
        csv("centres", centres)
        csv("warehouses", self.warehouses.reset_index())
        csv("stock", self.stock)
        return paths

    # ------------------------------------------------------------------ description
    def summary(self) -> dict[str, Any]:
        """Measure the magnitudes of the sample (plain numbers, JSON-ready).

        Returns
        -------
        dict
            Sections ``dem``, ``channel``, ``gullies``, ``landcover_percent``, ``population``,
            ``roads``, ``centres``, ``warehouses``, ``stock``, ``storms``, ``catchment``,
            ``inflows`` and ``uniform_flow_screening`` (a normal-depth estimate of the water
            over the neighbourhoods at each inflow peak; a check of the design, not a flood model).

        Examples
        --------
        >>> s = valley_town().summary()
        >>> 30_000 < s["population"]["total_persons"] < 45_000
        True
        """
        return _summary(self)

    def __repr__(self) -> str:
        z = self.dem.values
        storms = "; ".join(f"{k} {v['total_mean_mm']:.0f} mm in 24 h, peak {v['peak_mean_mm_h']:.0f} mm/h"
                           for k, v in ((k, _storm_stats(r)) for k, r in self.rainfall.items()))
        inflows = "; ".join(f"{k} {v['peak_m3s']:.0f} m³/s at {v['peak_time_h']:.1f} h"
                            for k, v in ((k, _inflow_stats(q)) for k, q in self.inflows.items()))
        roads = _road_stats(self)
        area = float(self.centres["floor_area_m2"].sum())
        capacity = int((self.centres["floor_area_m2"] // NOMINAL_SPACE_M2).sum())
        return (
            f"SampleTown({self.name!r}, seed={self.seed}, crs={self.crs!r})\n"
            f"  dem          {z.shape[0]} x {z.shape[1]} cells of {CELL_M:g} m, "
            f"{z.min():.0f}-{z.max():.0f} m\n"
            f"  storms       {storms}\n"
            f"  river        bankfull {_channel_design()['bankfull_capacity_m3s']:.0f} m³/s; "
            f"inflow peaks {inflows}\n"
            f"  population   {round(float(self.population.values.sum())):,} persons, "
            f"{int(self.neighbourhoods['households'].sum()):,} households, "
            f"{len(self.neighbourhoods)} neighbourhoods\n"
            f"  roads        {roads['nodes']} nodes, {roads['edges']} edges, {roads['length_km']:.1f} km, "
            f"{len(roads['bridges'])} bridges\n"
            f"  centres      {len(self.centres)} candidates, {area:,.0f} m², "
            f"{capacity:,} persons at {NOMINAL_SPACE_M2} m²/person\n"
            f"  warehouses   {len(self.warehouses)}, holding {len(self.stock)} stock lines with the centres"
        )

    def _repr_html_(self) -> str:
        rows = self.__repr__().splitlines()
        head = html.escape(rows[0])
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(r[:15].strip())}</th>"
            f"<td style='text-align:left'>{html.escape(r[15:])}</td></tr>"
            for r in rows[1:]
        )
        return f"<div><b>{head}</b><table>{cells}</table></div>"


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
        "bankfull_capacity_m3s": round(float(area * radius ** (2 / 3) * np.sqrt(slope) / CHANNEL_MANNING_N), 1),
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
    """Peak (m³/s), its time (h) and lag after the rain peak (h), runoff volume above baseflow (hm³)."""
    k = int(q["discharge_m3s"].idxmax())
    t, flow = q["time_s"].to_numpy(), q["discharge_m3s"].to_numpy()
    return {
        "peak_m3s": float(flow[k]),
        "peak_time_h": round(float(t[k]) / 3600.0, 2),
        "lag_after_rain_peak_h": round((float(t[k]) - STEP_S * (PEAK_BLOCK + 0.5)) / 3600.0, 2),
        "runoff_volume_hm3": round(float(np.trapezoid(flow - BASEFLOW_M3S, t)) / 1e6, 2),
    }


def _climb_grades(town: SampleTown) -> dict[str, dict[str, float]]:
    """Length (km) and median and steepest grade (%, between 20 m vertices) of the hill roads."""
    z = town.dem.values
    out = {}
    for f in town.road_features:
        if f["id"] in {c[0] for c in CLIMBS}:
            xy = np.array(f["geometry"]["coordinates"])
            rows = (Y0 + EXTENT_M - xy[:, 1]) / CELL_M - 0.5
            cols = (xy[:, 0] - X0) / CELL_M - 0.5
            ground = ndimage.map_coordinates(z, [rows, cols], order=1, mode="nearest")
            run = np.hypot(*np.diff(xy, axis=0).T)
            grade = 100 * np.abs(np.diff(ground)) / run
            out[f["id"]] = {"length_km": round(float(run.sum()) / 1000.0, 2),
                            "median_grade_percent": round(float(np.median(grade)), 1),
                            "max_grade_percent": round(float(grade.max()), 1)}
    return out


def _road_stats(town: SampleTown) -> dict[str, Any]:
    lengths: dict[str, float] = defaultdict(float)
    for _, _, d in town.roads.edges(data=True):
        if not d["reversed"]:
            lengths[d["highway"]] += d["length"] / 1000.0
    bridges = [
        {"id": f["id"], "name": f["properties"]["name"], "clearance_m": f["properties"]["clearance_m"],
         "deck_width_m": f["properties"]["width_m"], "lanes": f["properties"]["lanes"],
         "length_m": round(float(shapely.LineString(f["geometry"]["coordinates"]).length), 1)}
        for f in town.road_features if f["properties"].get("bridge") == "yes"
    ]
    return {
        "nodes": town.roads.number_of_nodes(),
        "edges": town.roads.number_of_edges(),
        "features": len(town.road_features),
        "length_km": round(sum(lengths.values()), 2),
        "length_km_by_highway": {k: round(w, 2) for k, w in sorted(lengths.items())},
        "bridges": bridges,
    }


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
    bank = [np.mean(z[:, j][(dist[:, j] > 20.0) & (dist[:, j] < 35.0)]) - z[:, j].min() for j in range(z.shape[1])]
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
        "wall_slope_percent_p10_p50_p90": [round(100 * float(q), 1) for q in np.percentile(walls, [10, 50, 90])],
        "channel_depth_below_banks_median_m": round(float(np.median(bank)), 2),
    }
    return stats, above_bank


def _uniform_flow_screening(town: SampleTown) -> dict[str, dict[str, float]]:
    """Water at each inflow peak if it flowed steadily down every DEM column (normal depth).

    A rough check of the design, not a flood model: in each column (a cross-section, as the
    valley runs west-east) the level is set so that Manning's conveyance of the wet cells,
    with the land-cover n, carries the peak down the valley slope; rain on the town and
    backwater are ignored.
    """
    z = town.dem.values
    n = town.landcover_classes["manning_n"].reindex(np.arange(256)).to_numpy()[town.landcover.values]
    ids, pop = town.neighbourhood_id.values, town.population.values
    out = {}
    for key, q in town.inflows.items():
        peak = float(q["discharge_m3s"].max())
        lo, hi = z.min(axis=0), z.min(axis=0) + 30.0
        for _ in range(40):  # bisection on the level of every column at once
            level = (lo + hi) / 2
            flow = np.sum(np.maximum(level - z, 0.0) ** (5 / 3) / n, axis=0) * CELL_M * np.sqrt(VALLEY_SLOPE)
            lo, hi = np.where(flow < peak, level, lo), np.where(flow < peak, hi, level)
        depth = np.maximum((lo + hi) / 2 - z, 0.0)
        wet = (ids > 0) & (depth > 0.1)
        out[key] = {
            "peak_m3s": peak,
            "neighbourhood_cells_over_0_1m": int(wet.sum()),
            "residents_over_0_1m": round(float(pop[wet].sum())),
            "median_depth_m": round(float(np.median(depth[wet])), 2) if wet.any() else 0.0,
            "p90_depth_m": round(float(np.percentile(depth[wet], 90)), 2) if wet.any() else 0.0,
        }
    return out


def _summary(town: SampleTown) -> dict[str, Any]:
    dem, above_bank = _terrain_stats(town)
    codes = town.landcover.values
    classes = town.landcover_classes
    nb = town.neighbourhoods
    area_ha = np.bincount(town.neighbourhood_id.values.ravel(), minlength=len(nb) + 1)[1:] * CELL_M**2 / 1e4
    c = town.centres
    rows = ((Y0 + EXTENT_M - c["y"].to_numpy()) // CELL_M).astype(int)
    cols = ((c["x"].to_numpy() - X0) // CELL_M).astype(int)
    capacity = (c["floor_area_m2"] // NOMINAL_SPACE_M2).astype(int)
    totals = town.stock.groupby(["item", "unit"], sort=False)["quantity"].sum()
    return {
        "name": town.name,
        "seed": town.seed,
        "crs": town.crs,
        "dem": dem,
        "channel": _channel_design(),
        "gullies": [
            {"name": g[0], "wall": "north" if g[1] > 0 else "south", "mouth_x": X0 + g[2],
             "fan_apex_x": round(X0 + ua, 1), "fan_apex_y": round(Y0 + va, 1), "fan_apex_z_m": round(za, 2)}
            for g, (ua, va, za, _) in zip(GULLIES, _fan_apexes(), strict=True)
        ],
        "landcover_percent": {classes.loc[k, "name"]: round(100 * float(np.mean(codes == k)), 1)
                              for k in classes.index},
        "population": {
            "total_persons": round(float(town.population.values.sum())),
            "households": int(nb["households"].sum()),
            "neighbourhoods": [
                {"name": r.name, "kind": r.kind, "population": int(r.population), "households": int(r.households),
                 "area_ha": round(float(a), 2), "persons_per_ha": round(r.population / a)}
                for r, a in zip(nb.itertuples(), area_ha, strict=True)
            ],
        },
        "roads": {**_road_stats(town), "climbs": _climb_grades(town)},
        "centres": {
            "floor_area_m2": float(c["floor_area_m2"].sum()),
            "nominal_capacity_persons": int(capacity.sum()),
            "each": [
                {"id": i, "name": r["name"], "type": r["type"], "floor_area_m2": r["floor_area_m2"],
                 "nominal_capacity_persons": int(cap), "toilets": int(r["toilets"]),
                 "height_above_bank_m": round(float(above_bank[row, col]), 1)}
                for (i, r), cap, row, col in zip(c.iterrows(), capacity, rows, cols, strict=True)
            ],
        },
        "warehouses": {i: {"name": r["name"], "trucks": int(r["trucks"]), "truck_capacity_kg": r["truck_capacity_kg"]}
                       for i, r in town.warehouses.iterrows()},
        "stock": {f"{item} ({unit})": float(q) for (item, unit), q in totals.items()},
        "storms": {k: {"return_period_yr": RETURN_PERIODS[k], **_storm_stats(r)} for k, r in town.rainfall.items()},
        "catchment": {
            "area_km2": CATCHMENT_AREA_KM2,
            "curve_number": CATCHMENT_CN,
            "time_to_peak_h": round(_time_to_peak_s() / 3600.0, 2),
            "baseflow_m3s": BASEFLOW_M3S,
            "inflow_x": town.inflow_xy[0],
            "inflow_y": town.inflow_xy[1],
        },
        "inflows": {k: _inflow_stats(q) for k, q in town.inflows.items()},
        "uniform_flow_screening": _uniform_flow_screening(town),
    }


def _grid_template() -> xr.DataArray:
    centres = (np.arange(NCELLS) + 0.5) * CELL_M
    da = xr.DataArray(np.zeros((NCELLS, NCELLS)), dims=("y", "x"),
                      coords={"y": Y0 + EXTENT_M - centres, "x": X0 + centres})
    return set_crs(da, CRS)


def valley_town(seed: int = 0) -> SampleTown:
    """Generate the Valle Alto sample: an Andean valley town that floods (fictional).

    The same seed gives bit-identical data; the seed drives the terrain noise,
    land-cover patches and population noise, while the layout (river,
    neighbourhoods, roads, centres), storms and hydrographs are fixed designs.
    Takes about a second.

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng` (>= 0).

    Returns
    -------
    SampleTown
        The grids, tables and road graph, in EPSG:32619 metres.

    Raises
    ------
    InputError
        If ``seed`` is not a non-negative integer.

    Examples
    --------
    >>> town = valley_town()
    >>> town.dem.shape, town.dem.attrs["units"]
    ((400, 400), 'm')
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}; e.g. valley_town(seed=0)")
    rng = np.random.default_rng(int(seed))
    t = _terrain(rng)
    ids = _neighbourhood_ids(t)
    lines, roads = _roads(t, ids)
    lc = _landcover(t, ids, _road_cells(lines), rng)
    pop = _population(ids, lc, rng)
    like = _grid_template()
    dem = new_grid_like(like, data=t.z, name="elevation", units="m", long_name="ground elevation")
    dem.attrs["standard_name"] = "surface_altitude"
    landcover = new_grid_like(like, data=lc, dtype=np.uint8, name="landcover", units="1",
                              long_name="land-cover class (see landcover_classes.csv)")
    landcover.attrs.update(flag_values=np.arange(1, len(LANDCOVER_CLASSES) + 1, dtype=np.uint8),
                           flag_meanings=" ".join(c[1] for c in LANDCOVER_CLASSES))
    classes = pd.DataFrame(
        [{"code": c[0], "name": c[1], "manning_n": c[2], "curve_number": float(c[3]), "source": c[4]}
         for c in LANDCOVER_CLASSES]
    ).set_index("code")
    x, y = _rain_axes()
    times = STEP_S * np.arange(int(STORM_S // STEP_S))
    rainfall = {key: rainfall_grid(_storm(T), x=x, y=y, time_s=times, units="mm/h", crs=CRS,
                                   interval_end_s=STORM_S, source=f"{key} design storm")
                for key, T in RETURN_PERIODS.items()}
    features = tuple({"type": "Feature", "id": fid, "properties": props,
                      "geometry": {"type": "LineString", "coordinates": coords.tolist()}}
                     for coords, props, fid in lines)
    u_in = EXTENT_M - CELL_M / 2
    return SampleTown(
        name="Valle Alto",
        seed=int(seed),
        crs=CRS,
        dem=dem,
        landcover=landcover,
        landcover_classes=classes,
        rainfall=rainfall,
        inflows={key: _inflow(T) for key, T in RETURN_PERIODS.items()},
        inflow_xy=(X0 + u_in, round(Y0 + float(_river(u_in)), 2)),
        population=new_grid_like(like, data=pop, name="population", units="persons",
                                 long_name="resident population per cell"),
        neighbourhood_id=new_grid_like(like, data=ids, dtype=np.int16, name="neighbourhood_id", units="1",
                                       long_name="neighbourhood id (0 = none; see neighbourhoods.csv)"),
        neighbourhoods=_neighbourhood_table(t, ids, pop),
        roads=roads,
        road_features=features,
        centres=_centres(roads),
        warehouses=_warehouses(roads),
        stock=_stock(),
    )


def write_valley_town(directory: str | os.PathLike[str] | None = None, seed: int = 0) -> dict[str, Path]:
    """Generate Valle Alto and write its files (see :meth:`SampleTown.write`).

    Parameters
    ----------
    directory : str or path-like, optional
        Target folder; default: ``hazard_data/valle_alto/`` of the source checkout
        (what ``python -m drm.datasets`` regenerates).
    seed : int
        Seed passed to :func:`valley_town`.

    Returns
    -------
    dict of str to pathlib.Path
        File stem to written path.

    Raises
    ------
    InputError
        If no directory is given and drm is not running from a source checkout.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_valley_town(tempfile.mkdtemp())  # doctest: +SKIP
    >>> paths["dem"].name  # doctest: +SKIP
    'dem.nc'
    """
    target = _checkout_folder("valle_alto", "write_valley_town") if directory is None else directory
    return valley_town(seed).write(target)


def _checkout_folder(name: str, writer: str) -> Path:
    """Return ``hazard_data/<name>`` of the source checkout drm runs from.

    Raises
    ------
    InputError
        If drm does not run from a source checkout (``writer`` names the function to call).
    """
    root = Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file() or not (root / "hazard_data").is_dir():
        raise InputError(
            f"no source checkout around {Path(__file__).parent} to write hazard_data/{name} into; "
            f"pass a directory, e.g. {writer}('{name}')"
        )
    return root / "hazard_data" / name


# --------------------------------------------------------------------------- real terrain
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
    from matplotlib import cbook

    with cbook.get_sample_data("jacksboro_fault_dem.npz") as npz:
        z = np.asarray(npz["elevation"], dtype=float)
        step_x, step_y = float(npz["dx"]), float(npz["dy"])
        west = float(npz["xmin"])
        north = max(float(npz["ymin"]), float(npz["ymax"]))  # the file swaps the ymin/ymax labels
    lon = west + step_x * (np.arange(z.shape[1]) + 0.5)
    lat = north - step_y * (np.arange(z.shape[0]) + 0.5)
    da = xr.DataArray(z, dims=("y", "x"), coords={"y": lat, "x": lon}, name="elevation")
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


def real_terrain_town(seed: int = 0) -> SampleTown:
    """Generate Kettle Ford: a fictional town on real terrain (the :func:`real_terrain` DEM).

    A 12 km x 12 km crop of the Jacksboro fault DEM (Tennessee, UTM zone 16N, 83 m cells)
    around its largest river, with everything human invented: some 25,000 people in a
    town and villages along the valley, roads with bridges, candidate evacuation centres,
    warehouses and stock, land cover and a 24-hour 100-year design storm with the river's
    inflow hydrograph (keys ``"100yr"``). ``hazard_data/README.md`` lists every file,
    its provenance and the measured magnitudes. Takes a few seconds.

    Parameters
    ----------
    seed : int
        Seed of the land-cover patches and the population noise (>= 0); the terrain is
        real and the layout (neighbourhoods, roads, centres) is a fixed design.

    Returns
    -------
    SampleTown
        The grids, tables and road graph in EPSG:32616 metres; its ``summary()`` measures
        the magnitudes of this sample.

    Raises
    ------
    InputError
        If ``seed`` is not a non-negative integer.

    Examples
    --------
    >>> town = real_terrain_town()  # doctest: +SKIP
    >>> town.name, town.dem.shape, town.crs  # doctest: +SKIP
    ('Kettle Ford', (145, 144), 'EPSG:32616')
    """
    from drm._real_terrain_town import generate

    return generate(seed)


def write_real_terrain_town(
    directory: str | os.PathLike[str] | None = None, seed: int = 0
) -> dict[str, Path]:
    """Generate Kettle Ford and write its files (see :meth:`SampleTown.write`).

    Parameters
    ----------
    directory : str or path-like, optional
        Target folder; default: ``hazard_data/jacksboro/`` of the source checkout.
    seed : int
        Seed passed to :func:`real_terrain_town`.

    Returns
    -------
    dict of str to pathlib.Path
        File stem to written path.

    Raises
    ------
    InputError
        If no directory is given and drm is not running from a source checkout.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_real_terrain_town(tempfile.mkdtemp())  # doctest: +SKIP
    >>> paths["rain_100yr"].name  # doctest: +SKIP
    'rain_100yr.nc'
    """
    target = _checkout_folder("jacksboro", "write_real_terrain_town") if directory is None else directory
    return real_terrain_town(seed).write(target)


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m drm.datasets", description="Regenerate the sample data files.")
    parser.add_argument(
        "directory", nargs="?", default=None,
        help="target folder (default: hazard_data/<town> of the source checkout)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--town", choices=("valle_alto", "jacksboro", "all"), default="all",
        help="which sample to write (default: all; a directory needs one town)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.directory is not None and args.town == "all":
        parser.error("give --town valle_alto or --town jacksboro with a directory")
    writers = {"valle_alto": write_valley_town, "jacksboro": write_real_terrain_town}
    for name in writers if args.town == "all" else (args.town,):
        for path in writers[name](args.directory, seed=args.seed).values():
            print(path)


if __name__ == "__main__":
    _main()
