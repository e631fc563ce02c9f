"""Where a run caches its slow stages, and the keys that say when a cached result still holds.

The flood, the slowest stage, is cached under a hash of everything it depends
on: the hazard settings, the contents of its input files, the rain injects,
the arrays the solver is actually given (DEM, rain, roughness, curve numbers
and inflows, after reading, reprojection and coarsening: a ``.prj`` beside a
DEM or a changed reader shows there), drm's version and the flood solver's own
source. Changing only evacuation or shelter settings therefore reruns in
seconds, and a changed solver never reuses an old flood. Ensemble members are
keyed the same way (:func:`drm.ensemble.store.member_key`).

Each cached flood ``flood-<key>.nc`` has a sidecar ``flood-<key>.nc.sha256.json``
(its key, size and SHA-256), written after the flood file is complete. A
cached flood is used only when its sidecar matches the file: a truncated file,
one swapped for another run's, or a missing or wrong sidecar is logged (a
WARNING on the ``"drm"`` logger) and the flood computed again
(:func:`read_cached_flood`, :func:`write_cached_flood`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from drm._version import __version__
from drm.scenario.inputs import ScenarioInputs, file_sha256
from drm.scenario.schema import Scenario

if TYPE_CHECKING:
    from drm.hazard.flood import FloodResult

__all__ = [
    "cache_folder",
    "data_digest",
    "default_cache_dir",
    "digest",
    "flood_key",
    "read_cached_flood",
    "solver_digest",
    "write_cached_flood",
]

log = logging.getLogger("drm")

#: Suffix of the checksum sidecar of a cached file.
_SIDECAR = ".sha256.json"

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


def _feed(h: Any, obj: Any) -> None:
    """Add ``obj`` to the hash ``h``: arrays by their bytes, labelled data with its labels."""
    if isinstance(obj, xr.DataArray):
        h.update(b"DataArray")
        _feed(h, [obj.name, list(obj.dims), obj.attrs])
        _feed(h, obj.values)
        for name in sorted(obj.coords, key=str):
            c = obj.coords[name]
            _feed(h, [str(name), list(c.dims), c.attrs])
            _feed(h, c.values)
    elif isinstance(obj, pd.DataFrame | pd.Series):
        frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
        h.update(b"DataFrame")
        _feed(h, [str(c) for c in frame.columns])
        _feed(h, frame.index.to_numpy())
        for c in frame.columns:
            _feed(h, frame[c].to_numpy())
    elif isinstance(obj, np.ndarray):
        h.update(f"ndarray{obj.dtype.str}{obj.shape}".encode())
        if obj.dtype.kind == "O":
            h.update(json.dumps(obj.tolist(), default=str).encode())
        else:
            h.update(np.ascontiguousarray(obj).tobytes())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(type(obj).__name__.encode())
        for f in dataclasses.fields(obj):
            if not f.name.startswith("_"):
                _feed(h, [f.name])
                _feed(h, getattr(obj, f.name))
    elif isinstance(obj, list | tuple):
        h.update(f"list{len(obj)}".encode())
        for item in obj:
            _feed(h, item)
    elif isinstance(obj, dict):
        h.update(f"dict{len(obj)}".encode())
        for k in sorted(obj, key=str):
            _feed(h, [str(k)])
            _feed(h, obj[k])
    else:
        h.update(json.dumps(obj, sort_keys=True, default=str).encode())


def data_digest(*parts: Any) -> str:
    """A short hex digest of data: arrays by their bytes, with their labels (16 hex digits).

    Takes numbers, strings, None, numpy arrays, xarray DataArrays (values,
    coordinates and attributes: the CRS too), pandas tables, dataclasses and
    lists, tuples or dicts of these.

    Parameters
    ----------
    *parts : Any
        What to hash.

    Returns
    -------
    str
        16 hex digits.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros(3)
    >>> data_digest(a) == data_digest(np.zeros(3)), data_digest(a) == data_digest(np.ones(3))
    (True, False)
    """
    h = hashlib.sha256()
    for p in parts:
        _feed(h, p)
    return h.hexdigest()[:16]


def _without_source(value: Any) -> Any:
    """A grid without its ``source`` attribute (the file's name), so that contents alone count."""
    if isinstance(value, xr.DataArray) and "source" in value.attrs:
        value = value.copy(deep=False)
        value.attrs = {k: v for k, v in value.attrs.items() if k != "source"}
    return value


def _setup_digest(setup: Any) -> str:
    """Digest of what the flood solver is given (a :class:`drm.scenario.stages.HazardSetup`)."""
    return data_digest(
        *(
            _without_source(v)
            for v in (setup.dem, setup.rainfall, setup.manning_n, setup.curve_number)
        ),
        setup.infiltration,
        [(i.x, i.y, i.name, i.hydrograph) for i in setup.inflows],
    )


def flood_key(scenario: Scenario, inputs: ScenarioInputs, setup: Any = None) -> str:
    """The cache key of a scenario's flood: its hazard settings, inputs, rain injects, drm and solver.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its hazard settings and rain injects).
    inputs : ScenarioInputs
        Its loaded inputs (for the files' SHA-256 hashes).
    setup : drm.scenario.stages.HazardSetup, optional
        The solver's inputs as prepared for it (:func:`drm.scenario.stages.hazard_setup`):
        their values, coordinates and CRS enter the key too.

    Returns
    -------
    str
        16 hex digits.

    Examples
    --------
    >>> from drm.scenario import load_inputs, load_scenario
    >>> sc = load_scenario("valle_alto")
    >>> inputs = load_inputs(sc)  # doctest: +SKIP
    >>> len(flood_key(sc, inputs))  # doctest: +SKIP
    16
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
        None if setup is None else _setup_digest(setup),
    )


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + _SIDECAR)


def _key_of(path: Path) -> str:
    """The key in a cache file's name (``flood-<key>.nc`` -> ``<key>``)."""
    return path.name.split(".", 1)[0].rsplit("-", 1)[-1]


def _check(path: Path) -> str | None:
    """Why the cached file at ``path`` cannot be trusted, or None when its sidecar matches it."""
    side = _sidecar(path)
    try:
        record = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"its checksum file {side.name} is missing"
    except (OSError, ValueError) as err:
        return f"its checksum file {side.name} is unreadable ({type(err).__name__})"
    if not isinstance(record, dict):
        return f"its checksum file {side.name} is not a drm checksum record"
    if record.get("file") != path.name or record.get("key") != _key_of(path):
        return f"its checksum file {side.name} belongs to {record.get('file')!r}"
    size = path.stat().st_size
    if record.get("bytes") != size:
        return f"it holds {size} bytes, its checksum file says {record.get('bytes')} (truncated or replaced)"
    if record.get("sha256") != file_sha256(path):
        return "its SHA-256 differs from its checksum file's (altered or replaced)"
    return None


def read_cached_flood(path: str | os.PathLike[str]) -> FloodResult | None:
    """The flood cached at ``path`` if it is there and passes its checksum, else None.

    A file that fails the check (truncated, replaced by another run's, no
    or a wrong sidecar, unreadable) is reported by a WARNING on the ``"drm"``
    logger, never used: the caller computes the flood again.

    Parameters
    ----------
    path : str or path-like
        ``cache/flood-<key>.nc``.

    Returns
    -------
    FloodResult or None
        None when nothing usable is cached there.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> read_cached_flood(pathlib.Path(tempfile.mkdtemp()) / "flood-0123456789abcdef.nc") is None
    True
    """
    from drm.hazard.store import load_flood

    p = Path(path)
    if not p.is_file():
        return None
    problem = _check(p)
    if problem is None:
        try:
            result = load_flood(p)
        except Exception as err:  # a file that matches its checksum but does not read
            problem = f"it does not read ({type(err).__name__}: {err})"
        else:
            log.info("flood: reusing the cached run %s", p.name)
            return result
    log.warning("flood: not using the cached run %s: %s; running the flood again", p.name, problem)
    return None


def write_cached_flood(result: FloodResult, path: str | os.PathLike[str]) -> Path:
    """Write a flood to the cache, then its checksum sidecar (key, size, SHA-256), each atomically.

    Parameters
    ----------
    result : FloodResult
        From :func:`drm.hazard.simulate_flood`.
    path : str or path-like
        ``cache/flood-<key>.nc``.

    Returns
    -------
    pathlib.Path
        The flood file; its sidecar is ``<path>.sha256.json``.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> from drm.hazard import simulate_flood
    >>> z = 10.0 + 0.01 * np.arange(20)[None, :] + np.zeros((12, 1))
    >>> dem = set_crs(xr.DataArray(z, dims=("y", "x"), name="elevation", attrs={"units": "m"},
    ...     coords={"y": 900_005.0 - 10 * np.arange(12), "x": 500_005.0 + 10 * np.arange(20)}),
    ...     "EPSG:32619")
    >>> flood = simulate_flood(dem, 0.05 / 3600, duration="20min", output_interval="10min")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "flood-0123456789abcdef.nc"
    >>> _ = write_cached_flood(flood, path)
    >>> read_cached_flood(path).ds["max_depth"].equals(flood.ds["max_depth"])
    True
    """
    from drm.hazard.store import save_flood
    from drm.io import write_json

    p = Path(path)
    _sidecar(p).unlink(missing_ok=True)  # never a sidecar beside a file it was not made for
    save_flood(result, p)
    record = {
        "file": p.name,
        "key": _key_of(p),
        "bytes": p.stat().st_size,
        "sha256": file_sha256(p),
        "drm_version": __version__,
    }
    write_json(record, _sidecar(p))
    return p
