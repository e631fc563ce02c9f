"""Valle Alto, the synthetic valley town: :func:`valley_town` generates it.

:func:`valley_town` generates, deterministically from a seed, a complete and
realistic set of inputs for drm in a few seconds: a fictional Andean valley
town that floods, georeferenced in UTM zone 19N (EPSG:32619) near Mérida,
Venezuela. Its terrain, river, neighbourhood footprints, storms and river inflow
come from :mod:`drm.datasets._valle_alto_site`, its roads from
:mod:`drm.datasets._valle_alto_roads`; this module places the land cover, people,
evacuation centres, warehouses and stock, assembles the town and measures it.

The same data ship in ``hazard_data/valle_alto/`` (see ``hazard_data/README.md`` for
every file, its provenance and the measured magnitudes); regenerate them with
``python -m drm.datasets``.

Design numbers and their sources
--------------------------------
* Land cover: Manning's n from Chow (1959, *Open-Channel Hydraulics*, table
  5-6) or common 2-D urban flood model values; curve numbers from TR-55 tables
  2-2a to 2-2c for hydrologic soil group B.
* Shelter space: Sphere Handbook (2018), 3.5 m² of covered floor per person, for the
  nominal capacities quoted.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import xarray as xr

from drm.datasets._builders import STOCK_UNITS
from drm.datasets._town import NOMINAL_SPACE_M2, SampleTown, _road_stats
from drm.datasets._valle_alto_roads import _climb_grades, _road_cells, _roads
from drm.datasets._valle_alto_site import (
    BASEFLOW_M3S,
    CATCHMENT_AREA_KM2,
    CATCHMENT_CN,
    CELL_M,
    CHANNEL_MANNING_N,
    CHANNEL_TOP_M,
    CRS,
    EXTENT_M,
    FAN_APEX_M,
    GULLIES,
    HOUSEHOLD_SIZE,
    NCELLS,
    NEIGHBOURHOODS,
    RETURN_PERIODS,
    RIDGE_SOFT_TOP_M,
    STEP_S,
    STORM_S,
    VALLEY_SLOPE,
    X0,
    Y0,
    _channel_design,
    _fan_apexes,
    _inflow,
    _inflow_stats,
    _neighbourhood_ids,
    _noise,
    _rain_axes,
    _river,
    _storm,
    _storm_stats,
    _Terrain,
    _terrain,
    _terrain_stats,
    _time_to_peak_s,
)
from drm.errors import InputError
from drm.grids import new_grid_like, set_crs
from drm.io import rainfall_grid

__all__ = ["valley_town"]

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
)  # fmt: skip
WATER, DENSE_URBAN, RESIDENTIAL, ROAD, PASTURE, CROPLAND, FOREST, BARE = range(1, 9)


# --------------------------------------------------------------------------- land cover and people
def _landcover(
    t: _Terrain, ids: np.ndarray, roads: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
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
        rows.append(
            {
                "id": k,
                "name": name,
                "kind": kind,
                "x": round(X0 + float(t.u[here].mean()), 1),
                "y": round(Y0 + float(t.v[here].mean()), 1),
                "population": people,
                "households": round(people / HOUSEHOLD_SIZE[kind]),
            }
        )
    return pd.DataFrame(rows)


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
)  # fmt: skip
#: id, name, near (u, v) m, trucks, payload per truck (kg).
WAREHOUSES = (
    ("W1", "Depósito de Protección Civil", 2680.0, 2380.0, 2, 8000.0),
    ("W2", "Cruz Roja, seccional Valle Alto", 1380.0, 2420.0, 1, 3500.0),
    ("W3", "Almacén Municipal", 1200.0, 1660.0, 1, 5000.0),
)
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
}  # fmt: skip
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
        rows.append(
            {
                "id": cid,
                "name": name,
                "type": kind,
                "x": x,
                "y": y,
                "floor_area_m2": area,
                "toilets": toilets,
                "showers": showers,
                "taps": taps,
                "water_storage_l": water,
                "accessible": accessible,
            }
        )
    return pd.DataFrame(rows).set_index("id")


def _warehouses(G: nx.MultiDiGraph) -> pd.DataFrame:
    rows = []
    for wid, name, u, v, trucks, payload in WAREHOUSES:
        x, y = _site_xy(G, u, v)
        rows.append(
            {
                "id": wid,
                "name": name,
                "x": x,
                "y": y,
                "trucks": trucks,
                "truck_capacity_kg": payload,
            }
        )
    return pd.DataFrame(rows).set_index("id")


def _stock() -> pd.DataFrame:
    rows = [
        {"site_id": site, "item": item, "quantity": float(q), "unit": STOCK_UNITS[item]}
        for site, items in STOCK.items()
        for item, q in items.items()
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the sample town
#: The files :meth:`SampleTown.write` writes for Valle Alto.
FILES = (
    "dem.nc", "landcover.nc", "landcover_classes.csv", "rain_10yr.nc", "rain_100yr.nc",
    "river_inflow_10yr.csv", "river_inflow_100yr.csv", "population.nc", "neighbourhoods.csv",
    "roads.geojson", "centres.csv", "warehouses.csv", "stock.csv",
)  # fmt: skip


class _ValleAltoTown(SampleTown):
    """Valle Alto: a :class:`~drm.datasets.SampleTown` with its own provenance and measurements."""

    _generator = "drm.datasets.valley_town"
    _license = "CC0-1.0"

    def summary(self) -> dict[str, Any]:
        """Measure Valle Alto: the sections that :meth:`SampleTown.summary` lists.

        Examples
        --------
        >>> s = valley_town().summary()
        >>> 30_000 < s["population"]["total_persons"] < 45_000
        True
        """
        return _summary(self)

    def __repr__(self) -> str:
        z = self.dem.values
        storms = "; ".join(
            f"{k} {v['total_mean_mm']:.0f} mm in 24 h, peak {v['peak_mean_mm_h']:.0f} mm/h"
            for k, v in ((k, _storm_stats(r)) for k, r in self.rainfall.items())
        )
        inflows = "; ".join(
            f"{k} {v['peak_m3s']:.0f} m³/s at {v['peak_time_h']:.1f} h"
            for k, v in ((k, _inflow_stats(q)) for k, q in self.inflows.items())
        )
        return (
            f"SampleTown({self.name!r}, seed={self.seed}, crs={self.crs!r})\n"
            f"  dem          {z.shape[0]} x {z.shape[1]} cells of {CELL_M:g} m, "
            f"{z.min():.0f}-{z.max():.0f} m\n"
            f"  storms       {storms}\n"
            f"  river        bankfull {_channel_design()['bankfull_capacity_m3s']:.0f} m³/s; "
            f"inflow peaks {inflows}\n"
        ) + self._people_and_places()


# --------------------------------------------------------------------------- measurements
def _uniform_flow_screening(town: SampleTown) -> dict[str, dict[str, float]]:
    """Water at each inflow peak if it flowed steadily down every DEM column (normal depth).

    A rough check of the design, not a flood model: in each column (a cross-section, as the
    valley runs west-east) the level is set so that Manning's conveyance of the wet cells,
    with the land-cover n, carries the peak down the valley slope; rain on the town and
    backwater are ignored.
    """
    z = town.dem.values
    n = (
        town.landcover_classes["manning_n"]
        .reindex(np.arange(256))
        .to_numpy()[town.landcover.values]
    )
    ids, pop = town.neighbourhood_id.values, town.population.values
    out = {}
    for key, q in town.inflows.items():
        peak = float(q["discharge_m3s"].max())
        lo, hi = z.min(axis=0), z.min(axis=0) + 30.0
        for _ in range(40):  # bisection on the level of every column at once
            level = (lo + hi) / 2
            flow = (
                np.sum(np.maximum(level - z, 0.0) ** (5 / 3) / n, axis=0)
                * CELL_M
                * np.sqrt(VALLEY_SLOPE)
            )
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
    area_ha = (
        np.bincount(town.neighbourhood_id.values.ravel(), minlength=len(nb) + 1)[1:]
        * CELL_M**2
        / 1e4
    )
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
            {
                "name": g[0],
                "wall": "north" if g[1] > 0 else "south",
                "mouth_x": X0 + g[2],
                "fan_apex_x": round(X0 + ua, 1),
                "fan_apex_y": round(Y0 + va, 1),
                "fan_apex_z_m": round(za, 2),
            }
            for g, (ua, va, za, _) in zip(GULLIES, _fan_apexes(), strict=True)
        ],
        "landcover_percent": {
            classes.loc[k, "name"]: round(100 * float(np.mean(codes == k)), 1)
            for k in classes.index
        },
        "population": {
            "total_persons": round(float(town.population.values.sum())),
            "households": int(nb["households"].sum()),
            "neighbourhoods": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "population": int(r.population),
                    "households": int(r.households),
                    "area_ha": round(float(a), 2),
                    "persons_per_ha": round(r.population / a),
                }
                for r, a in zip(nb.itertuples(), area_ha, strict=True)
            ],
        },
        "roads": {**_road_stats(town), "climbs": _climb_grades(town)},
        "centres": {
            "floor_area_m2": float(c["floor_area_m2"].sum()),
            "nominal_capacity_persons": int(capacity.sum()),
            "each": [
                {
                    "id": i,
                    "name": r["name"],
                    "type": r["type"],
                    "floor_area_m2": r["floor_area_m2"],
                    "nominal_capacity_persons": int(cap),
                    "toilets": int(r["toilets"]),
                    "height_above_bank_m": round(float(above_bank[row, col]), 1),
                }
                for (i, r), cap, row, col in zip(c.iterrows(), capacity, rows, cols, strict=True)
            ],
        },
        "warehouses": {
            i: {
                "name": r["name"],
                "trucks": int(r["trucks"]),
                "truck_capacity_kg": r["truck_capacity_kg"],
            }
            for i, r in town.warehouses.iterrows()
        },
        "stock": {f"{item} ({unit})": float(q) for (item, unit), q in totals.items()},
        "storms": {
            k: {"return_period_yr": RETURN_PERIODS[k], **_storm_stats(r)}
            for k, r in town.rainfall.items()
        },
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


# --------------------------------------------------------------------------- the generator
def _grid_template() -> xr.DataArray:
    centres = (np.arange(NCELLS) + 0.5) * CELL_M
    da = xr.DataArray(
        np.zeros((NCELLS, NCELLS)),
        dims=("y", "x"),
        coords={"y": Y0 + EXTENT_M - centres, "x": X0 + centres},
    )
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
        raise InputError(
            f"seed must be a non-negative integer, got {seed!r}; e.g. valley_town(seed=0)"
        )
    rng = np.random.default_rng(int(seed))
    t = _terrain(rng)
    ids = _neighbourhood_ids(t)
    lines, roads = _roads(t, ids)
    lc = _landcover(t, ids, _road_cells(lines), rng)
    pop = _population(ids, lc, rng)
    like = _grid_template()
    dem = new_grid_like(like, data=t.z, name="elevation", units="m", long_name="ground elevation")
    dem.attrs["standard_name"] = "surface_altitude"
    # fmt: off
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
    return _ValleAltoTown(
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
