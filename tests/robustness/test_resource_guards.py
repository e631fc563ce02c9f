"""Runaway runs are refused when the inputs are checked, before the flood solver allocates anything.

Each runaway case is the Valle Alto scenario with one edit (issue 21): a duration
of a billion hours, frames every second, households of 1e-9 persons, an order
after the end of the simulation, a memory limit of 1 MiB. Each goes through
``drm validate`` (exit code 2, one ``drm: error:`` line naming the key, the
number and the fix, no traceback) in seconds; the run path is refused before
``hazard_setup`` and the solver are reached. The estimate is checked against
the session's real Valle Alto flood.
"""

from __future__ import annotations

import contextlib
import io
import time
import warnings
from pathlib import Path

import pytest

import drm
from drm.cli import main
from drm.errors import DrmWarning, InputError
from drm.scenario import load_inputs, load_scenario, run_scenario, stages
from drm.scenario.budget import (
    MAX_FRAMES,
    check_run,
    estimate_run,
    format_bytes,
    memory_limit,
    parse_memory,
)

REPO = Path(__file__).resolve().parents[2]
#: Generous bound on one guard (s): the checks take 2-3 s on a 2-core machine, nearly all of it
#: reading Valle Alto's inputs; a runaway would take hours or fail in numpy.
GUARD_S = 15.0


def _scenario(folder: Path, *edits: tuple[str, str], name: str = "case") -> Path:
    """valle_alto.toml with ``edits`` (old, new), its input paths absolute, in ``folder``."""
    text = (REPO / "scenarios" / "valle_alto.toml").read_text(encoding="utf-8")
    text = text.replace('"../hazard_data/', f'"{(REPO / "hazard_data").as_posix()}/')
    for old, new in edits:
        assert old in text, f"the edit found no {old!r} to replace"
        text = text.replace(old, new, 1)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


DURATION = ('duration = "14h"', 'duration = "1000000000h"')
EVERY_SECOND = ('output_interval = "15min"', 'output_interval = "1s"')
HOUSEHOLD = ("[population]\n", "[population]\nhousehold_size = 1e-9\n")
LATE_ORDER = ('order_time = "1h30m"', 'order_time = "100h"')


def _cli(argv: list[str]) -> tuple[int, str, float]:
    """``drm -q ARGV`` in this process: exit code, stderr, seconds.

    drm's warnings print as ``drm: warning:`` lines, as on a terminal (not the
    suite's errors).
    """
    err, out = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(out),
    ):
        warnings.simplefilter("always", DrmWarning)
        rc = main(["-q", *argv])
    return rc, err.getvalue(), time.perf_counter() - start


def _refused(argv: list[str], warned: str | None = None) -> str:
    """The one-line message of a refused command (exit code 2), checked to come in seconds.

    ``warned``: words of the one ``drm: warning:`` line expected before it (else none).
    """
    rc, err, elapsed = _cli(argv)
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    if warned is not None:
        assert lines[0].startswith("drm: warning: "), err
        assert warned in lines[0], err
        lines = lines[1:]
    assert len(lines) == 1, err
    assert lines[0].startswith("drm: error: "), err
    assert elapsed < GUARD_S, f"the guard took {elapsed:.1f} s"
    return lines[0]


def test_huge_duration_is_refused_at_validate(tmp_path):
    path = _scenario(tmp_path, DURATION)
    # refused before any file is read: no warning that the river's hydrograph ends 36 h in
    msg = _refused(["validate", str(path)])
    # 3.6e12 s at the solver's longest step of 10 s
    assert "hazard.duration = 41666666d16h00m (3.6e+12 s)" in msg
    assert "at least 360,000,000,000 solver steps" in msg
    assert "above drm's cap of 10,000,000 steps" in msg
    assert "shorten hazard.duration" in msg
    # the frames it would save: 3.6e12 s / 900 s + 1
    assert "would save 4,000,000,001 frames at output_interval = 15min" in msg


def test_output_every_second_is_refused_at_validate(tmp_path):
    path = _scenario(tmp_path, EVERY_SECOND)
    msg = _refused(["validate", str(path), "--max-memory", "20GiB"])
    # 14 h / 1 s + 1 frames of 4 float32 grids of 200 x 200 cells: 32.3e9 bytes
    assert "hazard.output_interval = 1s over hazard.duration = 14h00m gives 50,401 frames" in msg
    assert f"of 4 grids of 40,000 cells = {format_bytes(50_401 * 4 * 40_000 * 4)}" in msg
    assert "above the memory limit of 20 GiB" in msg
    # 20 GiB hold 5-second frames (10,081 of them) but not 2-second ones
    assert "use an output_interval of 5s or more" in msg
    # where memory abounds, the cap on saved frames refuses it all the same
    with memory_limit("1PiB"), pytest.raises(InputError, match="gives 50,401 frames") as err:
        load_inputs(load_scenario(path))
    assert f"above drm's cap of {MAX_FRAMES:,} saved frames: use an output_interval of 5s" in str(
        err.value
    )


def test_household_size_1e9_is_refused_at_validate(tmp_path):
    path = _scenario(tmp_path, HOUSEHOLD)
    msg = _refused(["validate", str(path)])
    # 34,758.42 persons / 1e-9 persons per household, plus one per zone (12) and one
    assert "population.household_size = 1e-09 gives up to 34,758,420,000,014 households" in msg
    assert "PiB to simulate" in msg
    assert "use a household size of at least 1 person" in msg


def test_order_after_the_end_is_refused_at_validate(tmp_path):
    path = _scenario(tmp_path, LATE_ORDER)
    rc, err, elapsed = _cli(["validate", str(path)])
    assert rc == 2, err
    assert "Traceback" not in err
    assert err.startswith("drm: error: 1 problem in the scenario's inputs")
    assert (
        "warning.order_time: 4d04h00m is after the end of the simulation, hazard.duration = 14h00m"
        in err
    )
    assert "shorten order_time to under 14h00m or lengthen hazard.duration past 4d04h00m" in err
    assert elapsed < GUARD_S


def test_order_at_the_end_is_accepted(tmp_path):
    path = _scenario(tmp_path, ('order_time = "1h30m"', 'order_time = "14h"'))
    assert load_inputs(load_scenario(path)).scenario.warning.order_time == 14 * 3600.0


def test_max_memory_1mib_is_refused_on_one_line(tmp_path):
    msg = _refused(["validate", "valle_alto", "--max-memory", "1MiB"])
    assert "above the memory limit of 1 MiB (--max-memory" in msg
    assert "57 frames of 4 grids of 40,000 cells" in msg
    assert "raise --max-memory (max_memory=) to" in msg
    # drm run too, before the output folder gets anything but drm's marker
    msg = _refused(["run", "valle_alto", "--out", str(tmp_path / "o"), "--max-memory", "1MiB"])
    assert "above the memory limit of 1 MiB" in msg
    assert not (tmp_path / "o" / "flood.nc").exists()


@pytest.mark.parametrize("bad", ["8 gigs", "-1GiB", "0", "GiB", "nan"])
def test_bad_max_memory_is_one_clear_line(bad):
    msg = _refused(["validate", "valle_alto", f"--max-memory={bad}"])
    assert msg.startswith("drm: error: --max-memory: ")
    assert "give a size such as 8GiB" in msg
    with pytest.raises(InputError, match=r"max_memory: .*give a size such as 8GiB"):
        run_scenario("valle_alto", max_memory=bad)


def test_parse_memory_units():
    assert parse_memory("8GiB") == 8 * 2**30
    assert parse_memory("8 gib") == 8 * 2**30
    assert parse_memory("8G") == 8 * 2**30
    assert parse_memory("16GB") == 16 * 10**9
    assert parse_memory("1.5MiB") == 1_572_864
    assert parse_memory(1e6) == 1_000_000
    with pytest.raises(InputError, match="--max-memory"):
        parse_memory(True, "--max-memory")


@pytest.mark.parametrize(
    ("edit", "max_memory", "words"),
    [
        (DURATION, None, "360,000,000,000 solver steps"),
        (HOUSEHOLD, None, "34,758,420,000,014 households"),
        (None, "1MiB", "above the memory limit of 1 MiB"),
    ],
    ids=["duration", "household_size", "max_memory"],
)
def test_run_is_refused_before_the_solver(tmp_path, monkeypatch, edit, max_memory, words):
    def never(*args, **kwargs):
        raise AssertionError("the run reached the hazard stage")

    monkeypatch.setattr(stages, "hazard_setup", never)
    monkeypatch.setattr(drm.hazard, "simulate_flood", never)
    path = _scenario(tmp_path, edit) if edit else "valle_alto"
    start = time.perf_counter()
    with pytest.raises(InputError, match=words):
        run_scenario(path, progress=False, max_memory=max_memory)
    assert time.perf_counter() - start < GUARD_S


def test_estimate_matches_the_valle_alto_flood(valle_alto_run):
    flood = valle_alto_run.flood
    b = estimate_run(valle_alto_run.inputs)
    measured = flood.ds.nbytes
    assert 0.5 <= b.flood_bytes / measured <= 2.0, (b.flood_bytes, measured)
    assert b.frames == flood.ds.sizes["time"] == 57
    assert b.cells == flood.ds.sizes["y"] * flood.ds.sizes["x"] == 40_000
    assert b.frame_bytes == 57 * 4 * 40_000 * 4
    # a lower bound of the solver's steps: 14 h at its longest step, 10 s
    assert b.min_solver_steps == 5_040 <= flood.steps
    # the peak counts the frames three times, and more
    assert b.peak_bytes > 3 * b.frame_bytes


#: The ensemble tests' tiny scenario: 100 m cells, 2 hours, frames every 30 minutes.
TINY = (
    ("resolution_m = 20 ", "resolution_m = 100 "),
    ('duration = "14h"', 'duration = "2h"'),
    ('output_interval = "15min"', 'output_interval = "30min"'),
    ('order_time = "1h30m"', 'order_time = "1h"'),
)


@pytest.mark.parametrize(
    "name", ["valle_alto", "valle_alto_10yr", "jacksboro", "kettle_ford_raw", "tiny"]
)
def test_shipped_scenarios_fit_a_small_machine(tmp_path, name):
    sc = load_scenario(_scenario(tmp_path, *TINY) if name == "tiny" else name)
    # a CI machine of 7 GiB with other tests running beside: 4 GiB free
    with memory_limit("4GiB"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DrmWarning)  # kettle_ford_raw's closed centre
        inputs = load_inputs(sc)
    b = check_run(inputs, max_memory="4GiB")
    assert b.peak_bytes < 2**30, format_bytes(b.peak_bytes)
    assert b.frames < 100
