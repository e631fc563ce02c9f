"""drm: flood early warning, evacuation and shelter planning in one pipeline.

rainfall → runoff → flood depth, velocity and arrival time → warnings and lead
time → people exposed → roads degraded by the flood → evacuation routes,
centres and clearance time → evacuation simulation → shelter occupancy and
stock → report. Every stage is a public function; see the README.
"""

from drm import errors, grids, io, units
from drm._version import __version__
from drm.errors import DrmError, DrmWarning

__all__ = [
    "DrmError",
    "DrmWarning",
    "__version__",
    "datasets",
    "errors",
    "grids",
    "io",
    "load_scenario",
    "run_ensemble",
    "run_scenario",
    "units",
]

_LAZY_MODULES = {
    "cli",
    "datasets",
    "demographics",
    "ensemble",
    "evacuation",
    "exposure",
    "hazard",
    "network",
    "plotting",
    "regrid",
    "report",
    "scenario",
    "shelter",
    "warning",
}
_LAZY_FUNCTIONS = {
    "run_scenario": "drm.scenario",
    "load_scenario": "drm.scenario",
    "run_ensemble": "drm.ensemble",
}


def __getattr__(name: str):  # lazy imports keep `import drm` light
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f"drm.{name}")
    if name in _LAZY_FUNCTIONS:
        return getattr(importlib.import_module(_LAZY_FUNCTIONS[name]), name)
    raise AttributeError(f"module 'drm' has no attribute {name!r}")
