"""drm: flood early warning, evacuation and shelter planning in one pipeline.

rainfall → runoff → flood depth, velocity and arrival time → warnings and lead
time → people exposed → roads degraded by the flood → evacuation routes,
centres and clearance time → evacuation simulation → shelter occupancy and
stock → report. Every stage is a public function; see the README.
"""

from drm import errors, grids, io, units
from drm._version import __version__
from drm.errors import DrmError, DrmWarning

__all__ = ["DrmError", "DrmWarning", "__version__", "datasets", "errors", "grids", "io", "units"]


def __getattr__(name: str):  # lazy submodules keep `import drm` light
    import importlib

    if name in {"datasets", "regrid", "scenario", "cli"}:
        return importlib.import_module(f"drm.{name}")
    raise AttributeError(f"module 'drm' has no attribute {name!r}")
