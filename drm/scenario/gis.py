"""Map layers of a run for a GIS: zones, centres, roads, routes, warehouses, flooded area.

:func:`gis_layers` turns a :class:`~drm.scenario.ScenarioResult` into the
layers a planner styles directly in QGIS, ArcGIS or a web map, and
:func:`drm.io.vectors.write_layers` writes them (``drm.gpkg``, or GeoJSON
files without the ``geo`` extra). Every layer is in the DEM's CRS and carries
``lat``/``lon`` (WGS 84 degrees) of its point, or of a point inside each line
or polygon. Times are seconds since the start of the event, with the local
clock time beside them (``*_local``, ``"2026-10-03 14:30 -04"``) when the
scenario has a start. An empty value is "never" (a road that stays open, a
zone never at risk) or "unknown".

Layers (one row per feature):

* ``zones``: the zone polygons (from the zone file, else the zone-id cells
  merged) with the zone table (people, decision clock, status) and the
  persons at risk by sex and age group (``at_risk_<group>``); zone 0 (people
  outside every zone) has no polygon, and ``x``/``y`` stay the zone table's
  point while ``lat``/``lon`` are a point inside the polygon;
* ``centres``: candidate evacuation centres (points) with capacity, use,
  why excluded, peak occupancy and stock on hand;
* ``roads``: every directed road edge (lines; a two-way road is two
  features, one per direction) with closure time, the maximum flood depth and
  velocity along it, and the evacuees that drove or walked it;
* ``routes``: one line per zone and centre its households reached
  (:func:`drm.evacuation.routes.zone_routes`, the same rule as the report's
  map; ``main`` marks the centre that took most of the zone's people): the
  quickest road path by free-flow ``travel_time`` over the streets evacuees
  used, from the pair's most used origin node to the centre. The simulation
  does not keep each household's path; this line shows who goes where and by
  which road;
* ``warehouses``: points with trucks and stock per item;
* ``flood_extent``: the maximum depth in classes (:data:`DEPTH_CLASSES_M`), one
  (multi)polygon per class.

Layers a run has nothing for (no order: no routes; no warehouses) are left out.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from pyproj import CRS, Transformer

from drm._display import add_clock_columns
from drm.clock import EventClock
from drm.errors import DrmWarning, GridError
from drm.evacuation.routes import zone_routes
from drm.grids import GridSpec, check_grid, get_crs
from drm.io.vectors import lonlat_features
from drm.scenario.result import ScenarioResult

__all__ = ["DEPTH_CLASSES_M", "gis_layers"]

#: Lower bounds (m) of the flood-extent depth classes: 0.15-0.5 (hard to walk), 0.5-1 (cars
#: float, adults unstable), 1-2 (ground floors flood) and over 2 m. Shallower water is left out.
DEPTH_CLASSES_M = (0.15, 0.5, 1.0, 2.0)

#: Edge attributes kept on the roads layer, with the layer's column names.
_ROAD_FIELDS = {
    "road_id": "road_id",
    "name": "name",
    "highway": "highway",
    "lanes": "lanes",
    "bridge": "bridge",
    "length": "length_m",
    "speed_kph": "speed_kph",
    "travel_time": "travel_time_s",
    "capacity_veh_h": "capacity_veh_h",
    "closure_time_s": "closure_time_s",
}
#: Columns of the evacuation's road table put on the roads layer.
_FLOW_FIELDS = ("persons_or_vehicles", "max_queue", "max_wait_s")

_Built = tuple[pd.DataFrame, np.ndarray]


def gis_layers(result: ScenarioResult) -> dict[str, Any]:
    """Build the run's map layers, in the DEM's CRS, with ``lat``/``lon`` on every feature.

    Parameters
    ----------
    result : ScenarioResult
        A completed run (:func:`drm.scenario.run_scenario`).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``zones``, ``centres``, ``roads``, ``routes``, ``warehouses`` and
        ``flood_extent`` (see the module notes), those the run has features
        for. Without geopandas each layer is a list of RFC 7946 GeoJSON
        Feature dicts in lon/lat instead. Write them with
        :func:`drm.io.vectors.write_layers`.

    Raises
    ------
    GridError
        The DEM records no CRS.

    Examples
    --------
    >>> import drm
    >>> result = drm.run_scenario("jacksboro", progress=False)  # doctest: +SKIP
    >>> layers = gis_layers(result)  # doctest: +SKIP
    >>> list(layers), len(layers["centres"]), layers["zones"].crs.to_epsg()  # doctest: +SKIP
    (['zones', 'centres', 'roads', 'routes', 'warehouses', 'flood_extent'], 12, 32616)
    """
    crs = get_crs(result.inputs.dem)
    if crs is None:
        raise GridError(
            "gis_layers: the DEM records no CRS, so the layers cannot be placed; "
            "set the scenario's hazard.dem_crs"
        )
    tables = result.tables()
    clock = result.clock
    built: dict[str, _Built | None] = {
        "zones": _zones(result, tables["zones"], crs),
        "centres": _centres(result, tables["centres"]),
        "roads": _roads(result, clock),
        "routes": _routes(result, tables["centres"], clock),
        "warehouses": _warehouses(result),
        "flood_extent": _flood_extent(result.flood.ds["max_depth"]),
    }
    return {
        name: _layer(*layer, crs)
        for name, layer in built.items()
        if layer is not None and len(layer[0])
    }


def _layer(table: pd.DataFrame, geoms: np.ndarray, crs: CRS) -> Any:
    """A GeoDataFrame (lon/lat features without geopandas) with ``lat``/``lon`` and GIS-ready columns."""
    table = table.reset_index(drop=True).copy()
    for col in table.columns:
        if pd.api.types.is_float_dtype(table[col]):
            table[col] = table[col].where(np.isfinite(table[col]))  # inf -> empty ("never")
        elif table[col].dtype == object:
            table[col] = [_text(v) for v in table[col]]
    points = shapely.point_on_surface(geoms)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    table["lon"], table["lat"] = to_lonlat.transform(shapely.get_x(points), shapely.get_y(points))
    try:
        import geopandas
    except ImportError:
        return lonlat_features(table, geoms, crs)
    return geopandas.GeoDataFrame(table, geometry=list(geoms), crs=crs)


def _text(value: Any) -> str | None:
    """A text field's value: lists (OSMnx ``highway`` lists) joined, numbers as text, None kept."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, list | tuple | set):
        return ", ".join(map(str, value))
    return str(value)


def _points(table: pd.DataFrame) -> np.ndarray:
    return shapely.points(table["x"].to_numpy(float), table["y"].to_numpy(float))


def _zones(result: ScenarioResult, table: pd.DataFrame, crs: CRS) -> _Built:
    polygons = _zone_polygons(result, crs)
    groups = result.exposure.demographics("persons_at_risk").drop(index="total", errors="ignore")
    groups = groups.drop(columns="person").add_prefix("at_risk_").reindex(table.index)
    out = table.join(groups).rename_axis("zone").reset_index()
    geoms = np.array([polygons.get(int(z)) for z in out["zone"]], dtype=object)
    return out, geoms


def _zone_polygons(result: ScenarioResult, crs: CRS) -> dict[int, Any]:
    """Zone id to polygon: the zone file's polygons, else the zone-id cells merged."""
    layer = result.inputs.zone_layer
    if layer is None:
        grid = result.exposure.zone_id
        return _polygonise(
            grid.values.astype(np.int64), check_grid(grid, "zone ids", allow_all_nan=True)
        )
    from drm.io import zones

    pop = result.scenario.population
    path = Path(layer.source)
    with warnings.catch_warnings():  # said once when the inputs were read
        warnings.simplefilter("ignore", DrmWarning)
        feats = zones._read_features(path, None)
        ids, _ = zones._zone_ids(feats, pop.zone_id_field, path)
        src, _ = zones._source_crs(feats, pop.zones_crs, path)
    geoms = zones._to_crs(feats, src, crs, check_grid(layer.zone_id, "zone ids").dx)
    return dict(zip(ids.tolist(), geoms, strict=True))


def _polygonise(codes: np.ndarray, spec: GridSpec) -> dict[int, Any]:
    """Code (> 0) to the (multi)polygon of its cells: the cells' squares merged, straight edges kept simple."""
    rows, cols = np.nonzero(codes > 0)
    half = spec.dx / 2.0
    x = spec.x0 + spec.dx * cols
    y = spec.y0 + spec.ystep * rows
    cells = shapely.box(x - half, y - half, x + half, y + half)
    values = codes[rows, cols]
    return {
        int(v): shapely.simplify(shapely.coverage_union_all(cells[values == v]), 0.0)
        for v in np.unique(values)
    }


def _centres(result: ScenarioResult, table: pd.DataFrame) -> _Built:
    out = table.join(_stock_columns(result.inputs.stock)).rename_axis("centre").reset_index()
    return out, _points(out)


def _warehouses(result: ScenarioResult) -> _Built | None:
    table = result.inputs.warehouses
    if table is None:
        return None
    out = table.join(_stock_columns(result.inputs.stock)).rename_axis("warehouse").reset_index()
    return out, _points(out)


def _stock_columns(stock: pd.DataFrame | None) -> pd.DataFrame:
    """Stock on hand per site (rows) and item (columns named with their unit, e.g. ``blanket_piece``)."""
    if stock is None or stock.empty:
        return pd.DataFrame()
    named = stock.assign(
        column=[
            item if item.lower().endswith(f"_{unit.lower()}") else f"{item}_{unit}"
            for item, unit in zip(stock["item"], stock["unit"], strict=True)
        ]
    )
    return named.pivot_table(
        index="site_id", columns="column", values="quantity", aggfunc="sum"
    ).add_prefix("stock_")


def _roads(result: ScenarioResult, clock: EventClock) -> _Built:
    G = result.roads
    rows, geoms = [], []
    for u, v, k, d in G.edges(keys=True, data=True):
        rows.append(
            {"u": u, "v": v, "key": k} | {col: d.get(attr) for attr, col in _ROAD_FIELDS.items()}
        )
        geoms.append(d.get("geometry") or _straight(G, u, v))
    table = pd.DataFrame(rows)
    table["closure_time_s"] = table["closure_time_s"].astype(float)
    table = add_clock_columns(table, clock, ("closure_time_s",))
    ds = result.flood.ds
    table["max_depth_m"] = _along_edges(G, ds["max_depth"])
    table["max_velocity_ms"] = _along_edges(G, ds["max_velocity"])
    if result.evacuation is not None:
        flows = result.evacuation.roads.set_index(["u", "v", "key"])[list(_FLOW_FIELDS)]
        table = table.join(flows, on=["u", "v", "key"])
        table[list(_FLOW_FIELDS)] = table[list(_FLOW_FIELDS)].fillna(0.0)
    return table, np.array(geoms, dtype=object)


def _straight(G: nx.MultiDiGraph, u: Any, v: Any) -> Any:
    a, b = G.nodes[u], G.nodes[v]
    return shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])


def _along_edges(G: nx.MultiDiGraph, grid: xr.DataArray) -> np.ndarray:
    """The grid's maximum under each edge, in edge order (NaN off the grid)."""
    from drm.network._sampling import read_pieces, sample_edges

    samples = sample_edges(G, check_grid(grid, str(grid.name)))
    values = read_pieces(samples, grid.values)
    peak = pd.Series(values).groupby(samples.piece_edge).max()
    return peak.reindex(range(len(samples.edges))).to_numpy(float)


def _routes(result: ScenarioResult, centres: pd.DataFrame, clock: EventClock) -> _Built | None:
    """One line per (zone, centre) pair, by the rule the report's map uses too."""
    ev = result.evacuation
    if ev is None or "node" not in centres:
        return None
    G = result.roads
    routes = zone_routes(ev, G, centres["node"])
    names = result.exposure.zones.get("name", pd.Series(dtype=object))
    rows, geoms = [], []
    for r in routes.itertuples():
        coords: list[Any] = [(G.nodes[r.origin_node]["x"], G.nodes[r.origin_node]["y"])]
        length = seconds = 0.0
        for u, v, k in r.edges:
            d = G.edges[u, v, k]
            coords.extend(shapely.get_coordinates(d.get("geometry") or _straight(G, u, v))[1:].tolist())
            length += float(d["length"])
            seconds += float(d["travel_time"])
        rows.append({
            "zone": r.zone, "zone_name": names.get(r.zone), "centre": r.centre,
            "centre_name": centres.loc[r.centre, "name"] if "name" in centres else None,
            "main": bool(r.main), "persons": r.persons, "households": r.households,
            "origin_node": r.origin_node, "departure_s": r.departure_s, "length_m": length,
            "travel_time_s": seconds,
        })  # fmt: skip
        geoms.append(shapely.LineString(coords))
    table = pd.DataFrame(rows)
    return add_clock_columns(table, clock, ("departure_s",)), np.array(geoms, dtype=object)


def _flood_extent(max_depth: xr.DataArray) -> _Built:
    depth = max_depth.values
    classes = np.where(np.isfinite(depth), np.digitize(depth, DEPTH_CLASSES_M), 0)
    spec = check_grid(max_depth, "maximum depth")
    polygons = _polygonise(classes, spec)
    bounds = [*DEPTH_CLASSES_M, np.nan]
    rows = [
        {
            "depth_class": f"{lo:g}-{hi:g} m" if np.isfinite(hi) else f"over {lo:g} m",
            "min_depth_m": lo,
            "max_depth_m": hi,
            "area_m2": float((classes == k).sum()) * spec.dx**2,
        }
        for k, (lo, hi) in enumerate(itertools.pairwise(bounds), start=1)
        if k in polygons
    ]
    return pd.DataFrame(rows), np.array([polygons[k] for k in sorted(polygons)], dtype=object)
