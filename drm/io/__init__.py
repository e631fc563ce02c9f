"""Readers and writers for drm's inputs and outputs.

Every reader validates at the boundary and raises a drm error naming the file,
the problem and the fix; every writer writes atomically (temporary file, then
rename), so a crash never leaves a half-written output.
"""

from drm.io._files import atomic_path, write_json, write_table
from drm.io.rainfall import rainfall_grid, read_rainfall
from drm.io.rasters import read_asc, read_dem, read_grid, read_population, write_asc, write_grid
from drm.io.roads import graph_from_lines, project_graph, read_roads, write_roads
from drm.io.tables import (
    check_sites,
    read_centres,
    read_hydrograph,
    read_landcover_classes,
    read_stock,
    read_table,
    read_warehouses,
    site_problems,
)
from drm.io.vectors import lonlat_features, read_geojson, write_geojson, write_layers
from drm.io.zones import ZoneLayer, read_census, read_zones

__all__ = [
    "ZoneLayer",
    "atomic_path",
    "check_sites",
    "graph_from_lines",
    "lonlat_features",
    "project_graph",
    "rainfall_grid",
    "read_asc",
    "read_census",
    "read_centres",
    "read_dem",
    "read_geojson",
    "read_grid",
    "read_hydrograph",
    "read_landcover_classes",
    "read_population",
    "read_rainfall",
    "read_roads",
    "read_stock",
    "read_table",
    "read_warehouses",
    "read_zones",
    "site_problems",
    "write_asc",
    "write_geojson",
    "write_grid",
    "write_json",
    "write_layers",
    "write_roads",
    "write_table",
]

from drm._args import guard

guard(globals(), __all__)
