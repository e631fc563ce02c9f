"""Exposure: people at risk from a modelled flood - where, when, in which zone, who, and who needs a shelter.

Criterion (:mod:`drm.exposure.criterion`): when a cell's residents count as
at risk - a depth, and optionally an FD2320 or ARR 2019 hazard class.
Zones (:mod:`drm.exposure.zones`): the connected at-risk areas numbered as
evacuation zones, or a zone-id grid the user gives.
Displacement (:mod:`drm.exposure.displacement`): displaced people and shelter
seekers, and the Hazus estimate of the share who seek a public shelter.
Result (:mod:`drm.exposure.result`): :class:`ExposureResult` - persons at risk
by zone and over time, the grids, demographics and a plot.
Counting (:mod:`drm.exposure.at_risk`): :func:`people_at_risk` applies the
criterion to every output frame of a flood; :func:`population_on_grid` moves
population counts onto the flood's grid, keeping totals.
"""

from drm.exposure.at_risk import people_at_risk, population_on_grid
from drm.exposure.criterion import RiskCriterion
from drm.exposure.displacement import HAZUS_FACTORS, HAZUS_WEIGHTS, hazus_shelter_fraction
from drm.exposure.result import ExposureResult
from drm.exposure.zones import evacuation_zones, population_by_zone

__all__ = [
    "HAZUS_FACTORS",
    "HAZUS_WEIGHTS",
    "ExposureResult",
    "RiskCriterion",
    "evacuation_zones",
    "hazus_shelter_fraction",
    "people_at_risk",
    "population_by_zone",
    "population_on_grid",
]

from drm._args import guard

guard(globals(), __all__)
