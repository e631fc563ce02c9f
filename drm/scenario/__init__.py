"""Scenario files, their inputs, and the pipeline that runs them."""

from drm.scenario.gis import gis_layers
from drm.scenario.inputs import ScenarioInputs, load_inputs
from drm.scenario.result import ScenarioResult
from drm.scenario.run import run_scenario
from drm.scenario.schema import Scenario, load_scenario, resolve_scenario_path, scenario_from_dict

__all__ = [
    "Scenario",
    "ScenarioInputs",
    "ScenarioResult",
    "gis_layers",
    "load_inputs",
    "load_scenario",
    "resolve_scenario_path",
    "run_scenario",
    "scenario_from_dict",
]

from drm._args import guard

guard(globals(), __all__)
