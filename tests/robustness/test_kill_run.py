"""``drm run`` killed with SIGKILL: the folder is complete or marked incomplete, and a rerun mends it.

A small scenario (Valle Alto on 100 m cells for 2 hours, shelters open one
day: every output, about 10 s) is started as ``python -m drm.cli -q run`` in its
own process group and killed at three moments found by watching its output
folder, not by sleeping: (1) as soon as the ``INCOMPLETE`` marker appears
(input loading or the flood solver, on an empty cache), (2) as soon as the
first output file appears, (3) once ``map_layers.json`` (the last file before
the report) exists. After each kill the folder must be complete (no marker, a
manifest whose files all exist with their recorded sizes) or carry the marker;
every table in it must be whole (byte-identical to a clean run's); a
``report.html`` must link no missing file. ``drm run`` into the same folder
again (no ``--overwrite``) must then give the clean run's tables byte for byte
and its ``summary.json`` less the wall-clock fields. If a run finished before
its moment came (a loaded machine), the complete state is asserted instead.
Every run, the clean one too, is a fresh ``drm`` process with one BLAS thread,
so that the byte-for-byte comparisons compare like with like.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import drm
from drm.errors import InputError
from drm.scenario.folder import MANIFEST, MARKER, prepare_output

from ..tiny_town import write_tiny

fcntl = pytest.importorskip("fcntl")  # POSIX: the lock that shares the clean run between workers

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL of a process group is POSIX")

REPO = Path(__file__).resolve().parents[2]

#: summary.json fields that time the run on the wall clock (they differ between two runs).
WALL_CLOCK = {("flood", "wall_time_s"), ("flood", "cell_updates_per_s")}
#: Longest a run may take to reach its moment or its end (s); a hang fails the test.
PATIENCE_S = 180.0
#: Every run of this module uses one BLAS thread: a run with other thread counts may differ in
#: the last bit of the shelter outcomes, and a dask LocalCluster started earlier in this worker
#: (tests/ensemble) leaves its own values in os.environ.
THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The scenario file, the flood cache and the clean run (a fresh folder, never interrupted).

    Made once for the session, whichever pytest-xdist worker gets there first (a lock file
    keeps the others waiting); the other workers reuse them.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, shared by the workers
    folder = base / "kill-run"
    folder.mkdir(exist_ok=True)
    scenario_file, cache, clean = folder / "tiny.toml", folder / "cache", folder / "clean"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (clean / MANIFEST).is_file() or (clean / MARKER).exists():
            shutil.rmtree(clean, ignore_errors=True)
            write_tiny(scenario_file, "tiny kill test")
            _drm_run(scenario_file, clean, cache)
            _assert_consistent(clean, clean)  # the checks below pass on a complete folder
            assert MARKER not in _names(clean)
    return scenario_file, cache, clean


def _names(out: Path) -> set[str]:
    return {p.name for p in out.iterdir()} if out.is_dir() else set()


def _outputs(out: Path) -> set[str]:
    """The finished files of a run (not the marker, the manifest or a temporary file), with cap/*."""
    top = {n for n in _names(out) if n not in (MARKER, MANIFEST, "cap") and not n.endswith(".tmp")}
    cap = out / "cap"
    return top | ({f"cap/{n}" for n in _names(cap) if not n.endswith(".tmp")} if cap.is_dir() else set())


def _drm_run(
    scenario_file: Path, out: Path, cache: Path, moment: Callable[[Path], bool] | None = None
) -> tuple[bool, float]:
    """Run ``drm -q run SCENARIO --out OUT`` in a fresh interpreter, in its own process group.

    With ``moment``, SIGKILL the group as soon as ``moment(out)`` holds. Returns whether the
    run was killed (False: it finished first) and the seconds it ran.
    """
    env = {**os.environ, **THREADS, "DRM_CACHE": str(cache), "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "drm.cli", "-q", "run", str(scenario_file), "--out", str(out)]
    log = out.parent / f"{out.name}.stderr"
    start = time.monotonic()
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        try:
            while proc.poll() is None:
                if moment is not None and moment(out):
                    os.killpg(proc.pid, signal.SIGKILL)
                    break
                assert time.monotonic() - start < PATIENCE_S, f"drm run still going: {log}"
                time.sleep(0.002)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    if proc.returncode not in ((0, -signal.SIGKILL) if moment else (0,)):
        pytest.fail(f"drm run failed with exit {proc.returncode}: {log.read_text()[-2000:]}")
    return proc.returncode == -signal.SIGKILL, time.monotonic() - start


def _summary(out: Path) -> dict[str, Any]:
    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for section, key in WALL_CLOCK:
        assert key in data[section], (section, key)  # the field still exists: nothing to hide
        data[section][key] = None
    return data


def _linked_files(report: Path) -> set[str]:
    """Local files the report links or embeds by name (not ``data:``, anchors or web links)."""
    text = report.read_text(encoding="utf-8")
    refs = re.findall(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", text)
    return {r.split("#")[0] for r in refs if not re.match(r"(data:|#|[a-z]+://|mailto:)", r)}


def _assert_consistent(out: Path, clean: Path) -> None:
    """The state a SIGKILL may leave: complete, or marked incomplete; never a torn file."""
    names = _names(out)
    if MARKER not in names:  # complete: the manifest lists what is there
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        assert "report.html" in manifest["files"]
        for name in manifest["files"]:
            assert (out / name).stat().st_size == manifest["sizes_bytes"][name], name
        assert _outputs(out) == set(manifest["files"])
    if "report.html" in names:
        missing = {f for f in _linked_files(out / "report.html") if not (out / f).exists()}
        assert not missing, f"report.html links files that are not there: {sorted(missing)}"
    for table in sorted(out.glob("*.csv")):  # atomic writes: a table is whole or absent
        assert table.read_bytes() == (clean / table.name).read_bytes(), table.name
    if "summary.json" in names:
        assert _summary(out) == _summary(clean)


def _assert_same_as_clean(out: Path, clean: Path) -> None:
    names = _names(out)
    assert MARKER not in names
    assert not [n for n in names if n.endswith(".tmp")]  # the killed run's temporary files went
    assert _outputs(out) == _outputs(clean)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["files"] == json.loads((clean / MANIFEST).read_text(encoding="utf-8"))["files"]
    tables = sorted(p.name for p in clean.glob("*.csv"))
    assert len(tables) >= 10
    for name in tables:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
    assert _summary(out) == _summary(clean)


def _marker_seen(out: Path) -> bool:
    return (out / MARKER).exists()


def _first_output(out: Path) -> bool:
    return bool(_outputs(out))


def _before_report(out: Path) -> bool:
    return (out / "map_layers.json").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("moment", "own_cache"),
    [
        pytest.param(_marker_seen, True, id="inputs-or-flood"),
        pytest.param(_first_output, False, id="writing-outputs"),
        pytest.param(_before_report, False, id="before-report"),
    ],
)
def test_a_killed_run_leaves_a_marked_folder_and_a_rerun_gives_the_clean_results(
    shared, tmp_path, moment, own_cache
):
    scenario_file, cache, clean = shared
    out = tmp_path / "out"
    run_cache = tmp_path / "cache" if own_cache else cache  # own: a kill may land in the solver
    killed, seconds = _drm_run(scenario_file, out, run_cache, moment)
    print(f"{moment.__name__}: killed={killed} after {seconds:.2f} s, files: {sorted(_names(out))}")
    _assert_consistent(out, clean)
    if MARKER not in _names(out):  # it finished before its moment came: complete (checked above)
        assert "report.html" in _names(out)
    elif moment is _marker_seen:  # killed while loading the inputs or solving the flood
        assert killed
    else:  # killed while writing: some outputs there, the report (normally) not yet
        assert killed
        assert _outputs(out)
    _drm_run(scenario_file, out, run_cache)  # the same folder, no --overwrite
    _assert_same_as_clean(out, clean)


def test_the_marker_names_the_scenario_so_only_that_scenario_reruns_without_overwrite(tmp_path):
    """The rule the reruns above rely on, without a run: outputs, a marker, no manifest."""
    valle_alto, jacksboro = drm.load_scenario("valle_alto"), drm.load_scenario("jacksboro")
    out = prepare_output(tmp_path / "out", valle_alto)
    (out / "summary.json").write_text("{}", encoding="utf-8")  # then the run was killed
    (out / ".zones.csv.x1y2.tmp").write_text("half a table", encoding="utf-8")
    (out / "mis_notas.csv").write_text("notas", encoding="utf-8")
    with pytest.raises(InputError, match=r"already holds outputs drm did not record"):
        prepare_output(out, jacksboro)  # another scenario: refused as before
    assert prepare_output(out, valle_alto) == out  # the same one: goes on, no --overwrite
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "mis_notas.csv", "summary.json"]
    (out / MARKER).write_text("written by an older drm\n", encoding="utf-8")  # names no scenario
    with pytest.raises(InputError, match=r"already holds outputs drm did not record"):
        prepare_output(out, valle_alto)
