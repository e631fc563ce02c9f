"""Evacuation centres and stock: needs, capacity, operations, prepositioning, assessment.

MEND (Mass Evacuation in Natural Disasters, CCCM Cluster 2014) gives the
process; the Sphere Handbook (2018) and national guidance give the numbers,
kept as data tables with their sources (:func:`load_standard`).

* :func:`needs` - quantities per item for a number of people or a demographic breakdown;
* :func:`capacity` - persons each centre can hold and the binding constraint;
* :func:`simulate_operations` - occupancy, consumption, stock and resupply over days (simpy);
* :func:`preposition` - how much to hold where over flood scenarios (stochastic LP, HiGHS);
* :func:`assess` - each centre against the standard, as a site-monitoring checklist.
"""

from drm.shelter.assessment import Assessment, assess
from drm.shelter.needs import Needs, capacity, needs
from drm.shelter.operations import OperationsResult, ResupplyPolicy, simulate_operations
from drm.shelter.prepositioning import PrepositionPlan, preposition
from drm.shelter.standards import Standard, list_standards, load_standard
from drm.shelter.stock_units import catalogue_units
from drm.shelter.wash_siting import WashPlan, WashRules, site_wash, wash_candidates

__all__ = [
    "Assessment",
    "Needs",
    "OperationsResult",
    "PrepositionPlan",
    "ResupplyPolicy",
    "Standard",
    "WashPlan",
    "WashRules",
    "assess",
    "capacity",
    "catalogue_units",
    "list_standards",
    "load_standard",
    "needs",
    "preposition",
    "simulate_operations",
    "site_wash",
    "wash_candidates",
]

from drm._args import guard

guard(globals(), __all__)
