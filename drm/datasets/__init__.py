"""Built-in sample data: two fictional towns that flood, and a real DEM.

:func:`valley_town` generates Valle Alto, a synthetic Andean valley town
(:mod:`drm.datasets.valle_alto`); :func:`real_terrain_town` generates Kettle Ford, a town on
the real DEM that :func:`real_terrain` returns (:mod:`drm.datasets.kettle_ford`). Both are
:class:`SampleTown` objects, deterministic from a seed. The same data ship in
``hazard_data/`` (see its ``README.md`` for every file, its provenance and the measured
magnitudes), written by :func:`write_valley_town` and :func:`write_real_terrain_town`;
regenerate them with ``python -m drm.datasets``.

Data flow one way: the shared builders (``_builders``, ``_town``) feed each town's site,
roads and town modules, which feed the writers (``_write``), which feed this package.
"""

from drm._resources import builtin_path
from drm.datasets._as_received import write_as_received
from drm.datasets._kettle_ford_site import real_terrain
from drm.datasets._town import SampleTown
from drm.datasets._valle_alto_site import idf_intensity
from drm.datasets._write import write_real_terrain_town, write_valley_town
from drm.datasets.kettle_ford import real_terrain_town
from drm.datasets.valle_alto import valley_town

__all__ = [
    "SampleTown",
    "builtin_path",
    "idf_intensity",
    "real_terrain",
    "real_terrain_town",
    "valley_town",
    "write_as_received",
    "write_real_terrain_town",
    "write_valley_town",
]
