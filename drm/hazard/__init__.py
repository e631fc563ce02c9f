"""Hazard: terrain conditioning, rainfall-runoff, flooding and hazard ratings.

Terrain (:mod:`drm.hazard.terrain`): where water goes — depression filling,
D8 flow directions, flow accumulation, HAND, catchments and streams.
Runoff (:mod:`drm.hazard.runoff`): how much rain becomes runoff — SCS Curve
Number and Green-Ampt infiltration, per storm or per time step.
Flooding (:mod:`drm.hazard.flood`): the 2-D local inertial solver giving depth,
velocity and arrival time; :mod:`drm.hazard.screening` a steady screen in seconds.
Ratings (:mod:`drm.hazard.classify`): hazard to people, vehicles and buildings.
Climate (:mod:`drm.hazard.climate`): design storms uplifted for a warmer climate.
"""

from drm.hazard.boundaries import Boundary, Inflow, TimeSeries
from drm.hazard.classify import (
    arr_hazard_class,
    debris_factor,
    hazard_rating,
    hazard_rating_class,
    people_stability,
    vehicle_stability,
)
from drm.hazard.climate import uplift_factor, uplift_rainfall
from drm.hazard.design_storms import disaggregate, scs_mass_curve
from drm.hazard.flood import FloodResult, VolumeBalance, simulate_flood
from drm.hazard.runoff import (
    GreenAmptSoil,
    adjust_curve_number,
    green_ampt_cumulative,
    green_ampt_excess,
    green_ampt_rate,
    green_ampt_soil,
    ponding_time,
    rainfall_excess,
    scs_excess_rate,
    scs_runoff,
    soil_textures,
)
from drm.hazard.screening import screen_flood
from drm.hazard.terrain import (
    D8_CODES,
    catchment,
    condition_dem,
    fill_depressions,
    flow_accumulation,
    flow_directions,
    hand,
    stream_network,
)

__all__ = [
    "D8_CODES",
    "Boundary",
    "FloodResult",
    "GreenAmptSoil",
    "Inflow",
    "TimeSeries",
    "VolumeBalance",
    "adjust_curve_number",
    "arr_hazard_class",
    "catchment",
    "condition_dem",
    "debris_factor",
    "disaggregate",
    "fill_depressions",
    "flow_accumulation",
    "flow_directions",
    "green_ampt_cumulative",
    "green_ampt_excess",
    "green_ampt_rate",
    "green_ampt_soil",
    "hand",
    "hazard_rating",
    "hazard_rating_class",
    "people_stability",
    "ponding_time",
    "rainfall_excess",
    "screen_flood",
    "scs_excess_rate",
    "scs_mass_curve",
    "scs_runoff",
    "simulate_flood",
    "soil_textures",
    "stream_network",
    "uplift_factor",
    "uplift_rainfall",
    "vehicle_stability",
]

from drm._args import guard

guard(globals(), __all__)
