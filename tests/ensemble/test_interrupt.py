"""Stopping `drm ensemble`: no worker outlives the run, the folder stays consistent, a rerun resumes.

Each test starts `python -m drm.cli ensemble` on the tiny scenario (3 members, 2 workers) in
its own session, waits for the first finished member (the workers are then busy with the
others), stops the parent and checks that every process the run started is gone within
10 s. SIGKILL gives the parent no chance to clean up: the workers notice on their own.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import drm
from drm.ensemble.store import finished

psutil = pytest.importorskip("psutil")

REPO = Path(__file__).resolve().parents[2]
#: The thread settings of the numeric libraries as this session started: a dask LocalCluster
#: started later in this process (the ``cluster`` fixture) sets them to 1 in ``os.environ``
#: for its workers, and a run with other BLAS threads than the reference's may differ from it
#: in the last bit of the shelter outcomes.
_THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_THREADS_AT_START = {k: os.environ.get(k) for k in _THREADS}
#: How long every process of the run may take to end after the parent is stopped (s).
GONE_WITHIN_S = 10.0


def _start(tiny, out: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    log = out.parent / f"{out.name}.stderr"
    cmd = [sys.executable, "-m", "drm.cli", "-q", "ensemble", str(tiny.source),
           "--workers", "2", "--out", str(out), *extra]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in _THREADS}
    env.update({k: v for k, v in _THREADS_AT_START.items() if v is not None})
    with open(log, "w") as err:
        # its own session: a Ctrl-C to its process group reaches the run and its workers only
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=err, start_new_session=True,
        )  # fmt: skip
    return proc, log


def _first_member(proc: subprocess.Popen, out: Path, log: Path, timeout_s: float = 240.0):
    """Wait for the first finished member; return every process the run has started."""
    end = time.monotonic() + timeout_s
    while not list(out.glob("members/*/done.json")):
        if proc.poll() is not None:
            pytest.fail(f"the ensemble ended early ({proc.returncode}): {log.read_text()}")
        if time.monotonic() > end:
            proc.kill()
            pytest.fail(f"no member finished in {timeout_s} s")
        time.sleep(0.01)
    return psutil.Process(proc.pid).children(recursive=True)


def _alive(procs) -> list[int]:
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _gone_after(procs, timeout_s: float = GONE_WITHIN_S) -> tuple[list[int], float]:
    """Wait until none of ``procs`` runs; return those still running, and the time it took (s)."""
    start = time.monotonic()
    while _alive(procs) and time.monotonic() - start < timeout_s:
        time.sleep(0.05)
    return _alive(procs), time.monotonic() - start


def _kill_left(procs) -> None:
    """Clean-up after a failed check: end the processes this test started, by their ids."""
    for pid in _alive(procs):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _consistent(out: Path, *, exact: bool) -> int:
    """A member the manifest calls done has its marker and files (``exact``: and only those).

    Returns how many members are complete on disk.
    """
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    done = 0
    for s in manifest["status"]:
        folder = out / "members" / f"m{s['member']:04d}"
        complete = finished(folder, s["key"]) is not None
        if complete:
            record = json.loads((folder / "done.json").read_text(encoding="utf-8"))
            assert all((folder / name).is_file() for name in record["files"].values())
        done += complete
        assert complete if s["status"] == "done" else s["status"] == "pending", s
        if exact:  # the run stopped itself: the manifest caught up with the markers
            assert (s["status"] == "done") == complete, s
    return done


def _resumes(tiny, out: Path, same_as_reference, finished_before: int) -> None:
    """A rerun into the folder reuses the finished members, runs the others, equals the reference."""
    r = drm.run_ensemble(tiny, n_workers=1, out_dir=out, progress=False, report=False)
    assert (r.reused, r.computed, len(r.failed)) == (finished_before, 3 - finished_before, 0)
    same_as_reference(r)  # grids, outcomes and probabilities of the members run one by one
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["status"] for s in manifest["status"]] == ["done"] * 3
    assert not list(out.glob("members/*/.*.tmp"))
    assert not list(out.glob("members/*/.cache"))


@pytest.mark.slow
def test_sigkill_of_the_parent_ends_its_workers_and_the_rerun_resumes(
    tiny, same_as_reference, tmp_path
):
    out = tmp_path / "ens"
    proc, log = _start(tiny, out)
    procs = _first_member(proc, out, log)
    try:
        assert len(procs) >= 3  # the fork server and two workers (and the resource tracker)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        left, took = _gone_after(procs)
        assert not left, f"still running {GONE_WITHIN_S} s after SIGKILL of the run: {left}"
        print(f"SIGKILL: all {len(procs)} processes gone in {took:.1f} s")
    finally:
        _kill_left(procs)
    # the member started last was abandoned, not finished by an orphan
    assert not (out / "members" / "m0002" / "done.json").exists()
    done = _consistent(out, exact=False)
    assert 1 <= done <= 2
    _resumes(tiny, out, same_as_reference, done)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_sigterm_or_ctrl_c_stops_the_workers_with_one_line(how, tiny, same_as_reference, tmp_path):
    out = tmp_path / "ens"
    proc, log = _start(tiny, out)
    procs = _first_member(proc, out, log)
    try:
        start = time.monotonic()
        if how == "SIGINT":  # a terminal's Ctrl-C: the whole foreground process group
            os.killpg(proc.pid, signal.SIGINT)
        else:  # kill PID, a batch system's stop
            proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
        stopped = time.monotonic() - start
        left, took = _gone_after(procs)
        assert not left, f"still running {GONE_WITHIN_S} s after {how}: {left}"
        print(f"{how}: run ended in {stopped:.1f} s, all processes gone in {took:.1f} s")
    finally:
        _kill_left(procs)
    assert rc == 2
    # a worker killed after the grace period (a loaded machine) may leave the standard
    # library's resource_tracker notice about its semaphores: not drm's, and harmless
    lines = [ln for ln in log.read_text().splitlines() if "resource_tracker" not in ln]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"drm: error: ensemble interrupted by {how}: ")
    assert "run the same ensemble into the same folder" in lines[0]
    assert stopped < 5.0  # the workers are stopped, not waited for
    done = _consistent(out, exact=True)
    assert f"{done} of 3 members finished" in lines[0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sum(s["status"] == "done" for s in manifest["status"]) == done
    assert 1 <= done <= 2
    _resumes(tiny, out, same_as_reference, done)


@pytest.mark.slow
def test_sigkill_of_the_parent_ends_its_dask_local_cluster(tiny, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "ens"
    proc, log = _start(tiny, out, "--scheduler", "local")
    procs = _first_member(proc, out, log)
    try:
        assert len(procs) >= 3
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        left, took = _gone_after(procs)
        assert not left, f"dask workers still running {GONE_WITHIN_S} s after SIGKILL: {left}"
        print(f"dask SIGKILL: all {len(procs)} processes gone in {took:.1f} s")
    finally:
        _kill_left(procs)
    _consistent(out, exact=False)
