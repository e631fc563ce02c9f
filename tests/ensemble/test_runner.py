"""run_ensemble with local processes and in this process: same results as one by one, resume, retries."""

import json
import multiprocessing
import os
import signal
import socket

import pandas as pd
import pytest

import drm
import drm.scenario.run
from drm.ensemble import Perturbation, member_specs
from drm.ensemble.aggregate import depth_probability
from drm.ensemble.store import member_key
from drm.errors import InputError, MissingDependencyError, ScenarioError
from drm.scenario.schema import scenario_from_dict


def pool_workers():
    """This process's local pool workers (not the processes of a dask cluster, which are named)."""
    return [c for c in multiprocessing.active_children() if c.name.startswith("ForkServerProcess")]


def test_local_processes_match_members_run_one_by_one_even_when_a_worker_is_killed(
    tiny, same_as_reference, tmp_path
):
    killed = []

    def kill_a_worker(event):
        if not killed:
            worker = pool_workers()[0]
            os.kill(worker.pid, signal.SIGKILL)
            killed.append(worker.pid)

    r = drm.run_ensemble(tiny, n_workers=2, out_dir=tmp_path / "ens", progress=False, report=False,
                         on_member=kill_a_worker)  # fmt: skip
    assert killed
    assert (r.computed, r.reused, len(r.failed)) == (3, 0, 0)
    same_as_reference(r)
    p = r.probability
    assert p["depth_probability"].dims == ("threshold", "y", "x")
    assert p["depth_probability"].attrs["units"] == "1"
    assert p["threshold"].attrs["units"] == "m"
    assert p["point_probability"].dims == ("threshold", "time", "site")
    assert list(p["site"].values)[:2] == ["C01", "C02"]  # default warning points: the centres
    assert {"q05", "q50", "q95", "mean"} <= set(r.quantiles.columns)
    assert {
        "clearance_time_s",
        "persons_caught",
        "peak_occupancy_persons",
        "needs_unmet_share",
    } <= set(r.quantiles.index)
    assert r.preposition.plan.shape[1] >= 5
    trigger = r.trigger(0.15, probability=0.5)
    assert len(trigger.first_trigger) == p.sizes["site"]
    assert "members: 3 of 3 finished" in repr(r)
    assert "EnsembleResult" in r._repr_html_()
    assert r.plot().axes
    # aggregation block by block gives the same probabilities
    folders = sorted((r.out_dir / "members").iterdir())
    small = depth_probability(folders, [0.15, 0.5], block_bytes=1)
    assert small.equals(p["depth_probability"].sel(threshold=[0.15, 0.5]))
    manifest = json.loads((r.out_dir / "manifest.json").read_text())
    assert [s["status"] for s in manifest["status"]] == ["done"] * 3


def test_resume_after_an_interruption_recomputes_nothing_finished(tiny, canned_runs, tmp_path):
    out = tmp_path / "ens"

    def interrupt(event):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        drm.run_ensemble(tiny, n_workers=1, out_dir=out, progress=False, report=False,
                         on_member=interrupt)  # fmt: skip
    assert [p.parent.name for p in out.glob("members/*/done.json")] == ["m0000"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["status"] for s in manifest["status"]] == ["done", "pending", "pending"]
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.glob("members/m0000/*")}
    r = drm.run_ensemble(tiny, n_workers=1, out_dir=out, progress=False, report=False)
    assert (r.computed, r.reused) == (2, 1)
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in before} == before
    assert list(canned_runs.values()) == [1, 1, 1]  # each member ran once over both calls
    assert list(r.outcomes.index) == [0, 1, 2]


def test_member_key_follows_what_the_results_depend_on(tiny):
    spec = member_specs(tiny.seed, 1, Perturbation(0.3))[0]
    key = member_key(tiny, spec, {"hazard.dem": "abc"}, None)
    assert member_key(tiny, spec, {"hazard.dem": "abc"}, None) == key
    assert member_key(tiny, spec, {"hazard.dem": "abd"}, None) != key
    other = member_specs(tiny.seed, 1, Perturbation(0.4))[0]
    assert member_key(tiny, other, {"hazard.dem": "abc"}, None) != key
    points = pd.DataFrame({"x": [260000.0], "y": [948000.0]}, index=["bridge"])
    assert member_key(tiny, spec, {"hazard.dem": "abc"}, points) != key


def test_failed_member_is_retried_and_reported_while_the_others_are_kept(
    tiny, reference, tmp_path, monkeypatch
):
    specs = member_specs(tiny.seed, 2, Perturbation.of(tiny.ensemble))
    calls = {s.seed: 0 for s in specs}

    def flaky(scenario, *args, **kwargs):
        calls[scenario.seed] += 1
        if scenario.seed == specs[1].seed:
            raise RuntimeError("injected failure")
        if calls[scenario.seed] == 1:
            raise OSError("transient failure")
        return reference[0]["result"]  # member 0, as run one by one

    monkeypatch.setattr(drm.scenario.run, "run_scenario", flaky)
    r = drm.run_ensemble(
        tiny,
        members=2,
        n_workers=1,
        retries=1,
        out_dir=tmp_path / "e",
        progress=False,
        report=False,
    )
    assert calls == {specs[0].seed: 2, specs[1].seed: 2}
    assert list(r.outcomes.index) == [0]
    assert r.failed.loc[1, "attempts"] == 2
    assert r.failed.loc[1, "error"] == "RuntimeError: injected failure"
    assert (r.computed, r.reused) == (1, 0)
    manifest = json.loads((tmp_path / "e" / "manifest.json").read_text())
    assert [(s["status"], s["attempts"]) for s in manifest["status"]] == [
        ("done", 2),
        ("failed", 2),
    ]
    assert "1 failed" in repr(r)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bad_input_gives_clear_errors(tiny, tmp_path, monkeypatch):
    out = tmp_path / "x"
    with pytest.raises(InputError, match="members must be a whole number >= 1, got 0"):
        drm.run_ensemble(tiny, members=0, out_dir=out)
    with pytest.raises(InputError, match="needs a 'member' dimension"):
        drm.run_ensemble(tiny, members=tiny.hazard.rainfall, out_dir=out)
    with pytest.raises(InputError, match="thresholds must be depths > 0 m in increasing order"):
        drm.run_ensemble(tiny, thresholds=[0.5, 0.2], out_dir=out)
    with pytest.raises(InputError, match="n_workers must be a whole number >= 1"):
        drm.run_ensemble(tiny, n_workers=0, out_dir=out)
    with pytest.raises(InputError, match="scheduler must be None"):
        drm.run_ensemble(tiny, scheduler=8786, out_dir=out)
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(
        InputError, match=r"cannot reach a dask scheduler at 'tcp://127\.0\.0\.1:\d+'"
    ):
        drm.run_ensemble(tiny, members=1, scheduler=address, out_dir=out, progress=False)
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'drm\[distributed\]'"):
        drm.run_ensemble(tiny, scheduler="local", out_dir=out)
    data = tiny.to_dict()
    data.pop("source")
    data["ensemble"] = {"members": 0, "thresholds": [0.15]}
    with pytest.raises(ScenarioError, match=r"ensemble\.members"):
        scenario_from_dict(data)
    data["ensemble"] = {"thresholds": [0.5, 0.15]}
    with pytest.raises(ScenarioError, match="thresholds must be depths > 0 m in increasing order"):
        scenario_from_dict(data)
