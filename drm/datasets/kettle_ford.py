"""The real-terrain sample: Kettle Ford, a fictional town on the Jacksboro fault DEM.

:func:`real_terrain_town` generates it. The terrain, river, storm and river inflow come
from :mod:`drm.datasets._kettle_ford_site`, the roads from
:mod:`drm.datasets._kettle_ford_roads`; this module places the people, land cover,
evacuation centres, warehouses and stock, assembles the :class:`~drm.datasets.SampleTown`
and measures it. The terrain is real; everything human on it is invented.

Design numbers and their sources
--------------------------------
* Neighbourhoods: gross densities (streets included) of US small towns: 35 persons/ha
  downtown, 24-28 in older gridded neighbourhoods, 45 in a mobile home park, 16-18 in
  quarter-acre suburbs, 7-8 in villages of one-acre lots; 2.1-2.6 persons per household
  (the Tennessee mean is about 2.5).
* Land cover: Manning's n from Chow (1959, *Open-Channel Hydraulics*, table 5-6) or
  common 2-D urban flood model values; curve numbers from TR-55 (USDA SCS 1986) tables
  2-2a to 2-2c for hydrologic soil group B. Streets are inside the urban classes (TR-55's
  urban curve numbers count them), as an 83 m cell is mostly not road.
* Shelter space: Sphere Handbook (2018), 3.5 m² of covered floor per person, for the
  nominal capacities quoted.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import drm.datasets._kettle_ford_site as terrain
from drm.datasets._builders import STOCK_UNITS
from drm.datasets._kettle_ford_roads import build_roads, cost_graph
from drm.datasets._kettle_ford_site import CRS, KEY, Site
from drm.datasets._town import NOMINAL_SPACE_M2, SampleTown, _road_stats
from drm.errors import InputError
from drm.grids import grid_bounds, new_grid_like, xy_to_rowcol
from drm.io import rainfall_grid

__all__ = ["real_terrain_town"]

NAME = "Kettle Ford"
LOW_GROUND_M = 3.0  # "low ground": less than this above the nearest drainage (HAND)


def _table(text: str) -> pd.DataFrame:
    """Parse a table written in this module as ``|``-separated rows under a header row."""
    return pd.read_csv(io.StringIO(text.strip()), sep=r"\s*\|\s*", engine="python")


# --------------------------------------------------------------------------- neighbourhoods
#: Each grows from its seed (x, y) over the ground cheapest to build roads on, among free
#: cells within its HAND range (m) and slope limit, until it covers its area; density is
#: gross (persons/ha, streets included). Kettle Ford proper, then villages.
NEIGHBOURHOODS = """
name                       | kind        | x      | y       | ha  | hand_min | hand_max | slope | density
Downtown                   | downtown    | 749500 | 4053900 | 55  | 0        | 15       | 0.12  | 35
The Bottoms                | older       | 749000 | 4053000 | 35  | 0        | 3        | 0.12  | 28
Riverbend Mobile Home Park | mobile_home | 754150 | 4051950 | 12  | 0        | 4        | 0.15  | 45
Depot Flats                | older       | 750200 | 4054600 | 70  | 0        | 12       | 0.12  | 28
Millers Crossing           | older       | 751300 | 4055700 | 75  | 2        | 30       | 0.12  | 24
Northgate                  | suburban    | 752400 | 4057000 | 300 | 3        | inf      | 0.15  | 18
Ridgeview                  | suburban    | 752000 | 4054200 | 300 | 10       | inf      | 0.15  | 18
Chestnut Ridge             | suburban    | 754200 | 4055300 | 240 | 10       | inf      | 0.15  | 16
Laurel Springs             | village     | 755300 | 4057000 | 140 | 0        | inf      | 0.18  | 8
Piney Gap                  | village     | 746600 | 4053900 | 60  | 0        | inf      | 0.18  | 8
Sutton Bend                | village     | 754900 | 4049800 | 60  | 0        | inf      | 0.20  | 8
Harmon Ford                | village     | 752700 | 4050700 | 55  | 0        | inf      | 0.18  | 8
Pleasant Ridge             | village     | 754500 | 4047500 | 110 | 0        | inf      | 0.15  | 7
"""
HOUSEHOLD_SIZE = {
    "downtown": 2.1,
    "older": 2.4,
    "mobile_home": 2.6,
    "suburban": 2.6,
    "village": 2.5,
}


def _neighbourhood_ids(site: Site, graph: csr_matrix) -> np.ndarray:
    """Integer grid of neighbourhood ids (1-based, 0 = none), each grown in turn from its seed."""
    xx, yy = np.meshgrid(site.dem["x"].values, site.dem["y"].values)
    height = np.nan_to_num(site.hand, nan=np.inf)  # NaN: water leaves the crop first, high ground
    ids = np.zeros(xx.shape, dtype=np.int16)
    for k, r in enumerate(_table(NEIGHBOURHOODS).itertuples(), start=1):
        free = (height >= r.hand_min) & (height <= r.hand_max) & (site.slope <= r.slope)
        keep = np.flatnonzero(free & (site.river_dist > 0) & (ids == 0))
        seed = int(np.argmin(np.hypot(xx.ravel()[keep] - r.x, yy.ravel()[keep] - r.y)))
        dist = dijkstra(graph[keep][:, keep], indices=seed)
        take = np.argsort(dist, kind="stable")[: round(r.ha * 1e4 / site.cell_m**2)]
        ids.ravel()[keep[take[np.isfinite(dist[take])]]] = k
    return ids


# --------------------------------------------------------------------------- land cover and people
#: code, name, Manning n (s m^-1/3), curve number (HSG B), source.
LANDCOVER_CLASSES = (
    (1, "water", 0.040, 98,
     "n: Chow (1959) table 5-6, main channel, clean, winding, some pools and shoals, normal; "
     "CN: open water taken as impervious (98), not in TR-55"),
    (2, "dense_urban", 0.10, 92,
     "n: common 2-D urban flood model value for commercial blocks (0.08-0.15); "
     "CN: TR-55 table 2-2a, commercial and business (85% impervious), HSG B"),
    (3, "residential", 0.08, 85,
     "n: common 2-D urban flood model value for residential lots (0.06-0.10); "
     "CN: TR-55 table 2-2a, residential 1/8 acre or less (65% impervious), HSG B"),
    (4, "suburban", 0.06, 75,
     "n: common 2-D urban flood model value for low-density housing with lawns (0.05-0.08); "
     "CN: TR-55 table 2-2a, residential 1/4 acre (38% impervious), HSG B"),
    (5, "rural_residential", 0.05, 68,
     "n: Chow (1959) table 5-6, floodplain, scattered brush, heavy weeds, normal, for yards, "
     "trees and scattered houses; "
     "CN: TR-55 table 2-2a, residential 1 acre (20% impervious), HSG B"),
    (6, "pasture", 0.035, 69,
     "n: Chow (1959) table 5-6, floodplain pasture, high grass, normal; "
     "CN: TR-55 table 2-2c, pasture, grassland or range, fair condition, HSG B"),
    (7, "cropland", 0.040, 78,
     "n: Chow (1959) table 5-6, cultivated area, mature field crops, normal; "
     "CN: TR-55 table 2-2b, row crops, straight row, good condition, HSG B"),
    (8, "forest", 0.100, 60,
     "n: Chow (1959) table 5-6, heavy stand of timber, little undergrowth, flow below branches, "
     "normal; CN: TR-55 table 2-2c, woods, fair condition, HSG B"),
    (9, "barren", 0.030, 86,
     "n: Chow (1959) table 5-6, cultivated area with no crop, normal, for old surface mines; "
     "CN: TR-55 table 2-2a, newly graded areas (pervious, no vegetation), HSG B"),
)  # fmt: skip
WATER, PASTURE, CROPLAND, FOREST, BARREN = 1, 6, 7, 8, 9
BUILT = {"downtown": 2, "older": 3, "mobile_home": 3, "suburban": 4, "village": 5}


def _noise(rng: np.random.Generator, shape: tuple[int, ...], sigma_cells: float) -> np.ndarray:
    a = ndimage.gaussian_filter(rng.standard_normal(shape), sigma_cells, mode="reflect")
    return a / a.std()


def _landcover(site: Site, ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Forest on slopes, farms on gentle low ground, old mines up high, then the settlements."""
    z, slope = site.dem.values, site.slope
    patches = _noise(rng, z.shape, 4)
    lc = np.full(z.shape, FOREST, dtype=np.uint8)
    farm = (slope < 0.12) & (z < 480.0)
    lc[farm & (patches > -0.3)] = PASTURE
    lc[farm & (patches > 0.9) & (slope < 0.06)] = CROPLAND
    lc[(z > 800.0) & (slope < 0.2) & (patches > 1.0)] = BARREN
    kinds = np.array([0, *(BUILT[k] for k in _table(NEIGHBOURHOODS)["kind"])], dtype=np.uint8)
    lc[ids > 0] = kinds[ids[ids > 0]]
    lc[site.river_dist == 0] = WATER
    return lc


def _population(site: Site, ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Residents per cell: the gross density of its neighbourhood times smooth noise."""
    density = np.array([0.0, *_table(NEIGHBOURHOODS)["density"]])[ids]  # persons/ha
    factor = np.clip(1.0 + 0.25 * _noise(rng, ids.shape, 2), 0.3, None)
    return np.round(density * site.cell_m**2 / 1e4 * factor, 2)


def _neighbourhood_table(site: Site, ids: np.ndarray, pop: np.ndarray) -> pd.DataFrame:
    xx, yy = np.meshgrid(site.dem["x"].values, site.dem["y"].values)
    rows = []
    for k, r in enumerate(_table(NEIGHBOURHOODS).itertuples(), start=1):
        here = ids == k
        people = round(float(pop[here].sum()))
        x, y = round(float(xx[here].mean()), 1), round(float(yy[here].mean()), 1)
        households = round(people / HOUSEHOLD_SIZE[r.kind])
        rows.append({"id": k, "name": r.name, "kind": r.kind, "x": x, "y": y,
                     "population": people, "households": households})  # fmt: skip
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- centres and stock
#: Candidate evacuation centres near (x, y) m: usable floor area m², toilets, showers, taps,
#: water storage L, step-free access.
CENTRES = """
id  | name                            | type             | x      | y       | floor_area_m2 | toilets
C01 | Kettle Ford High School         | school           | 752000 | 4054300 | 2400          | 24
C02 | Kettle Ford Middle School       | school           | 750300 | 4054800 | 1800          | 18
C03 | Downtown Elementary School      | school           | 749600 | 4053700 | 1200          | 12
C04 | First Baptist Church            | church           | 749300 | 4053950 | 650           | 6
C05 | Bottoms Community Center        | community_centre | 749000 | 4053050 | 450           | 4
C06 | Kettle Valley Recreation Center | sports_hall      | 751300 | 4055700 | 1600          | 14
C07 | Northgate Elementary School     | school           | 752400 | 4057000 | 1300          | 12
C08 | Chestnut Ridge Methodist Church | church           | 754200 | 4055300 | 500           | 4
C09 | Sutton Bend Volunteer Fire Hall | community_centre | 754900 | 4049900 | 350           | 2
C10 | Piney Gap Baptist Church        | church           | 746600 | 4053900 | 300           | 2
C11 | Riverbend Church of God         | church           | 754100 | 4051950 | 380           | 3
C12 | Harmon Ford Community Center    | community_centre | 752700 | 4050700 | 400           | 3
"""
#: ... and their showers, taps, water storage (L) and step-free access, in the same order.
CENTRE_SERVICES = """
showers | taps | water_storage_l | accessible
8       | 12   | 20000           | true
4       | 10   | 12000           | true
0       | 6    | 6000            | true
0       | 3    | 2000            | true
1       | 2    | 1500            | true
12      | 8    | 10000           | true
2       | 6    | 8000            | true
0       | 2    | 1500            | true
1       | 2    | 3000            | false
0       | 1    | 1000            | false
0       | 2    | 1000            | true
1       | 2    | 2000            | true
"""
WAREHOUSES = """
id | name                                         | x      | y       | trucks | truck_capacity_kg
W1 | Kettle County Emergency Management warehouse | 750500 | 4054400 | 2      | 8000
W2 | Red Cross, Kettle Valley chapter             | 751200 | 4055500 | 1      | 4000
W3 | Kettle Valley Food Bank                      | 749700 | 4054200 | 1      | 6000
"""
STOCK = """
site_id | item                  | quantity
W1      | water_l               | 40000
W1      | food_ration           | 8000
W1      | hygiene_kit           | 500
W1      | menstrual_hygiene_kit | 300
W1      | soap_bar_250g         | 2500
W1      | blanket               | 2000
W1      | sleeping_mat          | 1500
W1      | jerrycan              | 400
W1      | tarpaulin             | 200
W1      | emergency_health_kit  | 1
W2      | water_l               | 8000
W2      | food_ration           | 1500
W2      | hygiene_kit           | 600
W2      | menstrual_hygiene_kit | 500
W2      | soap_bar_250g         | 1500
W2      | blanket               | 1200
W2      | sleeping_mat          | 800
W2      | jerrycan              | 200
W2      | emergency_health_kit  | 1
W3      | water_l               | 20000
W3      | food_ration           | 6000
W3      | soap_bar_250g         | 800
C01     | water_l               | 3000
C01     | food_ration           | 500
C01     | blanket               | 200
C01     | sleeping_mat          | 200
C06     | water_l               | 2000
C06     | food_ration           | 300
C06     | sleeping_mat          | 100
"""
SITE_OFFSET_M = 25.0  # a building stands at most this far from its nearest road node


def _placed(G: nx.MultiDiGraph, table: pd.DataFrame) -> pd.DataFrame:
    """Move each site to within SITE_OFFSET_M of its nearest road node, towards its place."""
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)])
    out = table.copy()
    for i, r in table.iterrows():
        node = xy[int(np.argmin(np.hypot(*(xy - [r.x, r.y]).T)))]
        step = np.array([r.x, r.y]) - node
        step *= min(1.0, SITE_OFFSET_M / max(float(np.hypot(*step)), 1e-9))
        out.loc[i, ["x", "y"]] = np.round(node + step, 1)
    return out.set_index("id")


def _centres(G: nx.MultiDiGraph) -> pd.DataFrame:
    c = pd.concat([_table(CENTRES), _table(CENTRE_SERVICES)], axis=1)
    return _placed(
        G, c.astype({"x": float, "y": float, "floor_area_m2": float, "water_storage_l": float})
    )


def _warehouses(G: nx.MultiDiGraph) -> pd.DataFrame:
    w = _table(WAREHOUSES).astype({"x": float, "y": float, "truck_capacity_kg": float})
    return _placed(G, w)


def _stock() -> pd.DataFrame:
    s = _table(STOCK).astype({"quantity": float})
    return s.assign(unit=s["item"].map(STOCK_UNITS))


# --------------------------------------------------------------------------- the sample
class _RealTerrainTown(SampleTown):
    """Kettle Ford: a :class:`~drm.datasets.SampleTown` with its own provenance and measurements."""

    _generator = "drm.datasets.real_terrain_town"
    _license = "CC0-1.0, except the elevations: matplotlib sample data (Matplotlib License)"

    def summary(self) -> dict[str, Any]:
        """Measure Kettle Ford: the sections that :meth:`SampleTown.summary` lists.

        Examples
        --------
        >>> s = drm.datasets.real_terrain_town().summary()  # doctest: +SKIP
        >>> 20_000 < s["population"]["total_persons"] < 40_000  # doctest: +SKIP
        True
        """
        return _summary(self)

    def __repr__(self) -> str:
        z, storm = self.dem.values, terrain.storm_stats(self.rainfall[KEY], self.dem)
        inflow = terrain.inflow_stats(self.inflows[KEY])
        cell = float(self.dem["x"][1] - self.dem["x"][0])
        return (
            f"SampleTown({self.name!r}, seed={self.seed}, crs={self.crs!r}): fictional town on real terrain\n"
            f"  dem          {z.shape[0]} x {z.shape[1]} cells of {cell:g} m, {z.min():.0f}-{z.max():.0f} m\n"
            f"  storm        {KEY} {storm['total_mean_mm']:.0f} mm in 24 h, "
            f"peak {storm['peak_mean_mm_h']:.0f} mm/h\n"
            f"  river        inflow peak {inflow['peak_m3s']:.0f} m³/s at {inflow['peak_time_h']:.1f} h\n"
        ) + self._people_and_places()


def _grid(like: Any, data: np.ndarray, name: str, units: str, long_name: str, dtype: Any) -> Any:
    return new_grid_like(like, data=data, dtype=dtype, name=name, units=units, long_name=long_name)


def _feature(coords: np.ndarray, props: dict[str, Any], fid: str) -> dict[str, Any]:
    geometry = {"type": "LineString", "coordinates": coords.tolist()}
    return {"type": "Feature", "id": fid, "properties": props, "geometry": geometry}


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
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(
            f"seed must be a non-negative integer, got {seed!r}; e.g. real_terrain_town(seed=0)"
        )
    rng = np.random.default_rng(int(seed))
    s = terrain.site()
    graph = cost_graph(s)
    ids = _neighbourhood_ids(s, graph)
    table = _table(NEIGHBOURHOODS)
    places = list(zip(table["name"], table["kind"], strict=True))
    lines, roads = build_roads(s, ids, places, graph, CRS)
    pop = _population(s, ids, rng)
    lc_name = "land-cover class (see landcover_classes.csv)"
    landcover = _grid(s.dem, _landcover(s, ids, rng), "landcover", "1", lc_name, np.uint8)
    landcover.attrs["flag_values"] = np.arange(1, len(LANDCOVER_CLASSES) + 1, dtype=np.uint8)
    landcover.attrs["flag_meanings"] = " ".join(c[1] for c in LANDCOVER_CLASSES)
    columns = ["code", "name", "manning_n", "curve_number", "source"]
    classes = pd.DataFrame(LANDCOVER_CLASSES, columns=columns).astype({"curve_number": float})
    x, y = terrain.rain_axes()
    times = terrain.STEP_S * np.arange(int(terrain.STORM_S // terrain.STEP_S))
    rain = rainfall_grid(terrain.storm(s), x=x, y=y, time_s=times, units="mm/h", crs=CRS,
                         interval_end_s=terrain.STORM_S, source=f"{KEY} design storm")  # fmt: skip
    id_name = "neighbourhood id (0 = none; see neighbourhoods.csv)"
    row, col = s.entry
    return _RealTerrainTown(
        name=NAME,
        seed=int(seed),
        crs=CRS,
        dem=s.dem.copy(),
        landcover=landcover,
        landcover_classes=classes.set_index("code"),
        rainfall={KEY: rain},
        inflows={KEY: terrain.inflow(s)},
        inflow_xy=(float(s.dem["x"][col]), float(s.dem["y"][row])),
        population=_grid(
            s.dem, pop, "population", "persons", "resident population per cell", float
        ),
        neighbourhood_id=_grid(s.dem, ids, "neighbourhood_id", "1", id_name, np.int16),
        neighbourhoods=_neighbourhood_table(s, ids, pop),
        roads=roads,
        road_features=tuple(_feature(*line) for line in lines),
        centres=_centres(roads),
        warehouses=_warehouses(roads),
        stock=_stock(),
    )


# --------------------------------------------------------------------------- measurements
def _ground(town: SampleTown, xy: np.ndarray) -> np.ndarray:
    """DEM value of the cell under each point (m)."""
    rows, cols = xy_to_rowcol(town.dem, xy[:, 0], xy[:, 1])
    return town.dem.values[rows, cols]


def _climbs(town: SampleTown) -> dict[str, dict[str, float]]:
    """Length (km), top and rise (m), median and steepest grade (%) of the tracks to high ground."""
    tracks: dict[str, list[np.ndarray]] = defaultdict(list)
    for f in town.road_features:
        if f["properties"]["highway"] == "track" and "bridge" not in f["properties"]:
            tracks[f["properties"]["name"]].append(np.array(f["geometry"]["coordinates"]))
    out = {}
    for name, parts in tracks.items():
        ground = [_ground(town, xy) for xy in parts]
        run = np.concatenate([np.hypot(*np.diff(xy, axis=0).T) for xy in parts])
        grade = 100 * np.concatenate([np.abs(np.diff(g)) for g in ground]) / run
        every = np.concatenate(ground)
        out[name] = {
            "length_km": round(float(run.sum()) / 1000, 2),
            "top_m": round(float(every.max()), 1),
            "rise_m": round(float(every.max() - every.min()), 1),
            "median_grade_percent": round(float(np.median(grade)), 1),
            "max_grade_percent": round(float(grade.max()), 1),
        }
    return out


def _neighbourhood_stats(town: SampleTown, low: np.ndarray) -> list[dict[str, Any]]:
    ids, pop, cell = town.neighbourhood_id.values, town.population.values, terrain.site().cell_m
    out = []
    for r in town.neighbourhoods.itertuples():
        here = ids == r.id
        area_ha = float(here.sum()) * cell**2 / 1e4
        out.append({"name": r.name, "kind": r.kind, "population": int(r.population),
                    "households": int(r.households), "area_ha": round(area_ha, 1),
                    "persons_per_ha": round(r.population / area_ha, 1),
                    "low_ground_persons": round(float(pop[here & low].sum()))})  # fmt: skip
    return out


def _centre_stats(town: SampleTown, height: np.ndarray) -> list[dict[str, Any]]:
    c = town.centres
    rows, cols = xy_to_rowcol(town.dem, c["x"].to_numpy(), c["y"].to_numpy())
    out = []
    for (i, r), row, col in zip(c.iterrows(), rows, cols, strict=True):
        out.append({"id": i, "name": r["name"], "type": r["type"], "floor_area_m2": r["floor_area_m2"],
                    "nominal_capacity_persons": int(r["floor_area_m2"] // NOMINAL_SPACE_M2),
                    "elevation_m": round(float(town.dem.values[row, col]), 1),
                    "hand_m": round(float(height[row, col]), 1)})  # fmt: skip
    return out


def _summary(town: SampleTown) -> dict[str, Any]:
    s = terrain.site()
    z, cell = town.dem.values, s.cell_m
    bounds = grid_bounds(town.dem)
    to_wgs84 = Transformer.from_crs(town.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(bounds[::2], bounds[1::2])
    bed = z[tuple(s.river.T)]
    height = np.nan_to_num(s.hand, nan=np.inf)
    low = height < LOW_GROUND_M
    pop = town.population.values
    codes, classes = town.landcover.values, town.landcover_classes
    floor = town.centres["floor_area_m2"]
    stock = town.stock.groupby(["item", "unit"], sort=False)["quantity"].sum()
    return {
        "name": town.name,
        "seed": town.seed,
        "crs": town.crs,
        "dem": {
            "rows": int(z.shape[0]),
            "cols": int(z.shape[1]),
            "cell_m": cell,
            "bounds_m": [float(v) for v in bounds],
            "lon_deg": [round(v, 4) for v in lon],
            "lat_deg": [round(v, 4) for v in lat],
            "elevation_min_m": float(z.min()),
            "elevation_max_m": float(z.max()),
            "slope_percent_p10_p50_p90": [
                round(100 * float(q), 1) for q in np.percentile(s.slope, [10, 50, 90])
            ],
            "low_ground_percent": round(100 * float(low.mean()), 1),
        },
        "river": {
            "cells": len(s.river),
            "length_km": round(s.river_length_m / 1000, 2),
            "bed_entry_m": float(bed[0]),
            "bed_exit_m": float(bed[-1]),
            "bed_slope_percent": round(100 * float(bed[0] - bed[-1]) / s.river_length_m, 2),
            "carved_cells": s.carved_cells,
            "carved_median_m": s.carved_median_m,
            "carved_max_m": s.carved_max_m,
            "upstream_km2_at_exit": round(
                float(s.upstream_cells[tuple(s.river[-1])]) * cell**2 / 1e6, 1
            ),
        },
        "catchment": {
            "area_km2": round(float(s.upstream_cells[s.entry]) * cell**2 / 1e6, 2),
            "channel_length_km": round(s.channel_length_m / 1000, 2),
            "channel_slope": s.channel_slope,
            "curve_number": terrain.CATCHMENT_CN,
            "areal_reduction": terrain.AREAL_REDUCTION,
            "time_to_peak_h": round(terrain.time_to_peak_s(s) / 3600.0, 2),
            "baseflow_m3s": terrain.BASEFLOW_M3S,
            "inflow_x": town.inflow_xy[0],
            "inflow_y": town.inflow_xy[1],
        },
        "inflow": terrain.inflow_stats(town.inflows[KEY]),
        "storm": {
            "return_period_yr": terrain.RETURN_PERIOD_YR,
            **terrain.storm_stats(town.rainfall[KEY], town.dem),
        },
        "landcover_percent": {
            classes.loc[k, "name"]: round(100 * float(np.mean(codes == k)), 1)
            for k in classes.index
        },
        "population": {
            "total_persons": round(float(pop.sum())),
            "households": int(town.neighbourhoods["households"].sum()),
            "low_ground_persons": round(float(pop[low].sum())),
            "neighbourhoods": _neighbourhood_stats(town, low),
        },
        "roads": {**_road_stats(town), "climbs": _climbs(town)},
        "centres": {
            "floor_area_m2": float(floor.sum()),
            "nominal_capacity_persons": int((floor // NOMINAL_SPACE_M2).sum()),
            "each": _centre_stats(town, height),
        },
        "warehouses": {
            i: {"name": r["name"], "trucks": int(r["trucks"]), "payload_kg": r["truck_capacity_kg"]}
            for i, r in town.warehouses.iterrows()
        },
        "stock": {f"{item} ({unit})": float(q) for (item, unit), q in stock.items()},
    }
