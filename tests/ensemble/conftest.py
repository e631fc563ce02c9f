"""Fixtures of the ensemble tests: a tiny scenario, its members run one by one, a dask cluster."""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from drm.ensemble import Perturbation, member_scenario, member_specs
from drm.ensemble.executors import worker_context
from drm.ensemble.members import write_member_rainfall
from drm.ensemble.store import member_outcomes
from drm.scenario import load_scenario, run_scenario

from ..tiny_town import write_tiny

#: The ensemble of the tiny town: 3 members by default.
ENSEMBLE = """
[ensemble]
members = 3
intensity_sigma = 0.3
shift_m = 500.0
timing_shift_s = "30min"
"""


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """The tiny scenario (3 members by default), its file beside the test's temporary folder."""
    folder = tmp_path_factory.mktemp("tiny")
    path = folder / "tiny.toml"
    return load_scenario(write_tiny(path, "tiny ensemble test", ENSEMBLE))


@pytest.fixture(scope="session")
def reference(tiny, tmp_path_factory):
    """Members 0-2 run one by one with run_scenario, each on its own rain file and seed."""
    folder = tmp_path_factory.mktemp("reference")
    out = {}
    for spec in member_specs(tiny.seed, 3, Perturbation.of(tiny.ensemble)):
        rain = write_member_rainfall(tiny, spec, folder / f"rain{spec.index}.nc")
        cache = folder / f"cache{spec.index}"
        result = run_scenario(member_scenario(tiny, spec, rain), progress=False, cache_dir=cache)
        shutil.rmtree(cache)
        out[spec.index] = {
            "flood": result.flood.ds[["max_depth", "max_velocity", "arrival_time"]].load(),
            "outcomes": member_outcomes(result),
            "rain": rain,
            "result": result,
            "seed": spec.seed,
        }
    return out


@pytest.fixture
def canned_runs(reference, monkeypatch):
    """In-process members get their reference run instead of running again (for tests of the
    bookkeeping: resume, retries); returns the number of calls per member seed."""
    import drm.scenario.run

    by_seed = {ref["seed"]: ref["result"] for ref in reference.values()}
    calls = dict.fromkeys(by_seed, 0)

    def canned(scenario, *args, **kwargs):
        calls[scenario.seed] += 1
        return by_seed[scenario.seed]

    monkeypatch.setattr(drm.scenario.run, "run_scenario", canned)
    return calls


@pytest.fixture(scope="session")
def cluster():
    """A dask LocalCluster of 2 worker processes (one thread each), shared by the dask tests."""
    distributed = pytest.importorskip("distributed")
    import dask

    # workers forked from drm's fork server start with the pipeline imported, as with scheduler="local"
    method = worker_context().get_start_method()
    with (
        dask.config.set({"distributed.worker.multiprocessing-method": method}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as c,
    ):
        yield c


def _matches(result, reference, members=(0, 1, 2)):
    """Every member's flood grids and outcomes are exactly those of its one-by-one run."""
    assert list(result.outcomes.index) == list(members)
    for k in members:
        folder = result.out_dir / "members" / f"m{k:04d}"
        with xr.open_dataset(folder / "flood.nc") as ds:
            for var in ("max_depth", "max_velocity", "arrival_time"):
                assert np.array_equal(
                    ds[var].values, reference[k]["flood"][var].values, equal_nan=True
                ), (k, var)
        with xr.open_dataset(folder / "rain.nc") as a, xr.open_dataset(reference[k]["rain"]) as b:
            assert np.array_equal(a["rainfall"].values, b["rainfall"].values)
        row = result.outcomes.loc[k, list(reference[k]["outcomes"])]
        expected = pd.Series(reference[k]["outcomes"], name=k)
        pd.testing.assert_series_equal(
            row.astype(float), expected, check_exact=True, check_names=False
        )
    # the aggregates are the shares of those members
    depth = np.stack([reference[k]["flood"]["max_depth"].values for k in members])
    p = result.probability["depth_probability"]
    for t in p["threshold"].values:
        assert np.array_equal(p.sel(threshold=t).values, (depth >= t).mean(axis=0))


@pytest.fixture
def same_as_reference(reference):
    """Check that an ensemble result equals the members run one by one (grids, outcomes, probabilities)."""
    return lambda result: _matches(result, reference)
