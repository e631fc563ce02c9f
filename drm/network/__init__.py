"""Road networks for evacuation: speeds and capacities, flooding, routing, assignment, clearance.

* :mod:`~drm.network.roads`: :func:`prepare_roads` (speed, travel time and
  capacity per OSM highway class), :func:`nearest_nodes`, :func:`snap_points`,
  :func:`population_origins`, :func:`connectivity`;
* :mod:`~drm.network.flooding`: :func:`flood_roads` (Pregnolato et al. 2017 for
  vehicles, depth x velocity limits on foot), :func:`road_closure_times`, :func:`roads_at`;
* :mod:`~drm.network.routing`: :func:`road_matrix` (CSR, built once) and
  :func:`travel_times` (multi-source Dijkstra) with route reconstruction;
* :mod:`~drm.network.assignment`: :func:`assign` people to centres within capacities;
* :mod:`~drm.network.capacity`: :func:`ccrp` (Capacity Constrained Route Planner)
  and :func:`quickest_evacuation` (exact, time-expanded max flow);
* :mod:`~drm.network.clearance`: :func:`clearance_time`, the static estimate for
  the decision clock.

Graphs follow OSMnx conventions and are never modified in place.
"""

from drm.network._matrix import RoadMatrix, road_matrix
from drm.network.assignment import Assignment, assign
from drm.network.capacity import CCRPResult, QuickestEvacuation, ccrp, quickest_evacuation
from drm.network.clearance import ClearanceResult, clearance_time
from drm.network.connectivity import ConnectivityReport, connectivity_report
from drm.network.flooding import (
    PEDESTRIAN_LIMITS,
    VEHICLE_CLOSURE_DEPTH_M,
    PedestrianLimits,
    flood_roads,
    pregnolato_speed_kph,
    road_closure_times,
    roads_at,
    safe_nodes,
)
from drm.network.roads import (
    Connectivity,
    connectivity,
    nearest_nodes,
    parse_maxspeed,
    population_origins,
    prepare_roads,
    road_classes,
    road_ids_named,
    snap_points,
)
from drm.network.routing import TravelTimes, route_edges, travel_times

__all__ = [
    "PEDESTRIAN_LIMITS",
    "VEHICLE_CLOSURE_DEPTH_M",
    "Assignment",
    "CCRPResult",
    "ClearanceResult",
    "Connectivity",
    "ConnectivityReport",
    "PedestrianLimits",
    "QuickestEvacuation",
    "RoadMatrix",
    "TravelTimes",
    "assign",
    "ccrp",
    "clearance_time",
    "connectivity",
    "connectivity_report",
    "flood_roads",
    "nearest_nodes",
    "parse_maxspeed",
    "population_origins",
    "pregnolato_speed_kph",
    "prepare_roads",
    "quickest_evacuation",
    "road_classes",
    "road_closure_times",
    "road_ids_named",
    "road_matrix",
    "roads_at",
    "route_edges",
    "safe_nodes",
    "snap_points",
    "travel_times",
]

from drm._args import guard

guard(globals(), __all__)
