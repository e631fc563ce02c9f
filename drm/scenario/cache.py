"""Where a run caches its slow stages, and the keys that say when a cached result still holds.

The flood, the slowest stage, is cached under a hash of everything it depends
on: the hazard settings, the contents of its input files, the rain injects,
drm's version and the flood solver's own source. Changing only evacuation or
shelter settings therefore reruns in seconds, and a changed solver never
reuses an old flood. Ensemble members are keyed the same way
(:func:`drm.ensemble.store.member_key`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from drm._version import __version__
from drm.scenario.inputs import ScenarioInputs
from drm.scenario.schema import Scenario

__all__ = ["cache_folder", "default_cache_dir", "digest", "flood_key", "solver_digest"]

#: The modules of drm.hazard whose source decides a flood's numbers.
_SOLVER_SOURCES = (
    "flood.py",
    "_flood_kernels.py",
    "boundaries.py",
    "losses.py",
    "runoff.py",
    "outputs.py",
)


def digest(*parts: Any) -> str:
    """A short hex digest of JSON-serialisable ``parts`` (dict keys sorted; other objects by ``str``).

    Examples
    --------
    >>> digest({"b": 1, "a": 2}) == digest({"a": 2, "b": 1})
    True
    >>> len(digest("anything"))
    16
    """
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def solver_digest() -> str:
    """Digest of the flood solver's source, so a changed solver never reuses old cached floods.

    Examples
    --------
    >>> len(solver_digest())
    16
    """
    import drm.hazard

    folder = Path(drm.hazard.__file__).parent
    h = hashlib.sha256()
    for name in _SOLVER_SOURCES:
        h.update((folder / name).read_bytes())
    return h.hexdigest()[:16]


def default_cache_dir() -> Path:
    """Where cached stage outputs live when no output folder is given (``$DRM_CACHE`` or ``~/.cache/drm``).

    Examples
    --------
    >>> import pathlib
    >>> isinstance(default_cache_dir(), pathlib.Path)
    True
    """
    return Path(os.environ.get("DRM_CACHE", Path.home() / ".cache" / "drm"))


def cache_folder(
    out_dir: str | os.PathLike[str] | None, cache_dir: str | os.PathLike[str] | None = None
) -> Path:
    """The cache folder of a run, created: ``cache_dir`` if given, else ``$DRM_CACHE``, else ``out_dir/.cache``.

    Without an output folder (and no ``$DRM_CACHE``) the user's cache,
    :func:`default_cache_dir`, is used.

    Parameters
    ----------
    out_dir : str, path-like or None
        The run's output folder.
    cache_dir : str or path-like, optional
        An explicit cache folder.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> here = pathlib.Path(tempfile.mkdtemp())
    >>> cache_folder(here / "out", here / "cache") == here / "cache"
    True
    """
    if cache_dir is not None:
        cache = Path(cache_dir)
    elif "DRM_CACHE" in os.environ or out_dir is None:
        cache = default_cache_dir()
    else:
        cache = Path(out_dir) / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def flood_key(scenario: Scenario, inputs: ScenarioInputs) -> str:
    """The cache key of a scenario's flood: its hazard settings, hazard input files, rain injects, drm and solver.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    inputs : ScenarioInputs
        Its loaded inputs (for the files' SHA-256 hashes).

    Returns
    -------
    str
        16 hex digits.
    """
    hz = scenario.to_dict()["hazard"]
    return digest(
        {
            k: v
            for k, v in hz.items()
            if k not in ("dem", "rainfall", "landcover", "landcover_classes", "inflows")
        },
        [{k: v for k, v in i.items() if k != "hydrograph"} for i in hz["inflows"]],
        {k: v for k, v in inputs.hashes.items() if k.startswith("hazard.")},
        [(i.at, i.extra_rain) for i in scenario.injects if i.extra_rain is not None],
        __version__,
        solver_digest(),
    )
