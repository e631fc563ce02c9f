"""Shared fixtures for the drm test suite."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    env = os.environ.get("DRM_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of external reference data (OR-Library, OSM extracts); skips when absent.

    Set ``DRM_SHARED_DATA`` to point elsewhere.
    """
    d = _shared_data_dir()
    if not d.is_dir():
        pytest.skip(f"external reference data not found at {d} (set DRM_SHARED_DATA)")
    return d


@pytest.fixture(scope="session", autouse=True)
def shared_stage_cache(tmp_path_factory):
    """One cache of stage outputs (floods) for the whole session, so scenarios run once."""
    old = os.environ.get("DRM_CACHE")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # under pytest-xdist: one cache in the session's base folder, shared by the workers
        cache = tmp_path_factory.getbasetemp().parent / "drm-cache"
        cache.mkdir(exist_ok=True)
    else:
        cache = tmp_path_factory.mktemp("drm-cache")
    os.environ["DRM_CACHE"] = str(cache)
    yield
    if old is None:
        del os.environ["DRM_CACHE"]
    else:
        os.environ["DRM_CACHE"] = old


@pytest.fixture(scope="session")
def valle_alto_run(tmp_path_factory, shared_stage_cache):
    """The sample scenario run once for the session, with its output folder (do not modify it)."""
    import drm

    out = tmp_path_factory.mktemp("valle_alto")
    return drm.run_scenario("valle_alto", out, progress=False)


@pytest.fixture(scope="session")
def jacksboro_run(tmp_path_factory, shared_stage_cache):
    """The real-terrain scenario run once for the session into its folder (do not modify it)."""
    import drm

    out = tmp_path_factory.mktemp("jacksboro")
    return drm.run_scenario("jacksboro", out, progress=False)


@pytest.fixture(scope="session")
def valle_alto_10yr_run(tmp_path_factory, shared_stage_cache):
    """The 10-year storm over Valle Alto (no alert, no order) run once into its folder (do not modify it)."""
    import drm

    out = tmp_path_factory.mktemp("valle_alto_10yr")
    return drm.run_scenario("valle_alto_10yr", out, progress=False)


@pytest.fixture
def rng():
    """A seeded random generator, so every test draw is reproducible."""
    import numpy as np

    return np.random.default_rng(20261128)
