"""run_ensemble on a dask LocalCluster: same results as one by one with a worker killed, failed members."""

import os
import signal

import numpy as np
import pytest

import drm
from drm.io import read_rainfall

distributed = pytest.importorskip("distributed")


def test_bad_member_is_retried_on_dask_and_reported(tiny, cluster, tmp_path):
    """dask retries a member that raises (``retries=``), then reports it; other members are kept
    (shown without dask in test_runner)."""
    base = read_rainfall(tiny.hazard.rainfall)
    broken = base.copy(
        data=np.where(np.arange(base.sizes["time"])[:, None, None] == 5, np.nan, base.values)
    )
    path = tmp_path / "forecast.nc"
    broken.expand_dims(member=1).rename("rainfall").to_dataset().to_netcdf(path)
    r = drm.run_ensemble(tiny, members=path, scheduler=cluster.scheduler_address, retries=1,
                         out_dir=tmp_path / "ens", progress=False, report=False)  # fmt: skip
    assert r.outcomes.empty
    assert r.failed.loc[0, "attempts"] == 2
    assert r.failed.loc[0, "error"].startswith("InputError: ")
    assert "NaN" in r.failed.loc[0, "error"]
    assert "0 of 1 finished" in repr(r)


def test_dask_matches_members_run_one_by_one_even_when_a_worker_is_killed(tiny, same_as_reference, cluster,
                                                                           tmp_path):  # fmt: skip
    """Members on a LocalCluster of 2 processes equal the one-by-one runs; killing a busy worker loses none."""
    killed = []
    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)

        def kill_a_busy_worker(event):
            busy = [a for a, keys in client.processing().items() if keys]
            if not killed and busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])

        r = drm.run_ensemble(tiny, scheduler=client, out_dir=tmp_path / "ens", progress=False, report=False,
                             on_member=kill_a_busy_worker)  # fmt: skip
    assert killed, "no member was in flight to kill"
    assert (r.computed, r.reused, len(r.failed)) == (3, 0, 0)
    same_as_reference(r)
