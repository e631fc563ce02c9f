"""Evacuation: where to open centres, when people leave, and how the movement unfolds.

* :mod:`~drm.evacuation.location`: :func:`locate_centres` (p-median, maximal
  covering and capacitated location as MILPs, with a fast heuristic) and
  :func:`location_costs` (travel-time matrix from a road graph);
* :mod:`~drm.evacuation.robust_location`: :func:`locate_centres_robust`, one
  set of centres for a whole storm set (expected, worst-case or all-dry), and
  :func:`choice_changes` (which sites each plan opens);
* :mod:`~drm.evacuation.departure`: warning reception by channel and response
  curves (Rayleigh, Weibull, logistic, empirical) into seeded departure times;
* :mod:`~drm.evacuation.simulation`: :func:`simulate_evacuation`, households
  moving over a road network that the flood is cutting, with road and centre
  capacities.
"""

from drm.evacuation.departure import (
    Channel,
    DepartureModel,
    Departures,
    Empirical,
    Fixed,
    Logistic,
    Rayleigh,
    Uniform,
    Weibull,
    make_households,
    sample_departures,
)
from drm.evacuation.location import LocationResult, locate_centres, location_costs
from drm.evacuation.robust_location import (
    RobustLocationResult,
    choice_changes,
    locate_centres_robust,
)
from drm.evacuation.routes import zone_routes
from drm.evacuation.simulation import EvacuationResult, simulate_evacuation

__all__ = [
    "Channel",
    "DepartureModel",
    "Departures",
    "Empirical",
    "EvacuationResult",
    "Fixed",
    "LocationResult",
    "Logistic",
    "Rayleigh",
    "RobustLocationResult",
    "Uniform",
    "Weibull",
    "choice_changes",
    "locate_centres",
    "locate_centres_robust",
    "location_costs",
    "make_households",
    "sample_departures",
    "simulate_evacuation",
    "zone_routes",
]

from drm._args import guard

guard(globals(), __all__)
