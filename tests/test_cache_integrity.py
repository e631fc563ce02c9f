"""The flood cache: keyed by the contents of the inputs, every hit checked against its checksum.

A tiny copy of Valle Alto (100 m cells, one hour: a flood in about a second) runs the
flood stage directly, with the solver wrapped to count its runs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import drm.hazard
from drm.scenario import load_inputs, load_scenario
from drm.scenario.cache import flood_key, read_cached_flood
from drm.scenario.stages import flood_stage, hazard_setup

REPO = Path(__file__).resolve().parents[1]

TINY = """
name = "Valle Alto, cache test"
seed = 42

[hazard]
dem = "data/dem.nc"
rainfall = "data/rain_100yr.nc"
landcover = "data/landcover.nc"
landcover_classes = "data/landcover_classes.csv"
resolution_m = 100
duration = "1h"
output_interval = "30min"
rain_factor = {rain_factor}

[[hazard.inflows]]
hydrograph = "data/river_inflow_100yr.csv"
x = 261995.0
y = 947923.37

[warning]
order_time = "30min"

[population]
grid = "data/population.nc"

[evacuation]
roads = "data/roads.geojson"
centres = "data/centres.csv"
"""

_DATA = (
    "dem.nc",
    "rain_100yr.nc",
    "landcover.nc",
    "landcover_classes.csv",
    "river_inflow_100yr.csv",
    "population.nc",
    "roads.geojson",
    "centres.csv",
)


def _town(folder: Path, rain_factor: float = 1.0) -> Path:
    """The tiny scenario in ``folder`` with its own copy of the input files."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name in _DATA:
        if not (data / name).exists():
            shutil.copy2(REPO / "hazard_data" / "valle_alto" / name, data / name)
    path = folder / f"tiny_{rain_factor:g}.toml"
    path.write_text(TINY.format(rain_factor=rain_factor), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """Two tiny scenarios that differ in their rain (x1 and x1.5), their inputs and solver setups."""
    folder = tmp_path_factory.mktemp("town")
    out = {}
    for factor in (1.0, 1.5):
        sc = load_scenario(_town(folder, factor))
        inputs = load_inputs(sc)
        out[factor] = (sc, inputs, hazard_setup(sc, inputs))
    return out


@pytest.fixture
def solver_runs(monkeypatch):
    """Count the flood solver's runs."""
    calls = []
    real = drm.hazard.simulate_flood

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(drm.hazard, "simulate_flood", counted)
    return calls


def _flood(town, factor, cache):
    sc, inputs, setup = town[factor]
    return flood_stage(sc, inputs, setup, cache, progress=False)


def _cached(cache: Path) -> list[Path]:
    return sorted(cache.glob("flood-*.nc"))


def _same(a, b) -> bool:
    return all(
        np.array_equal(a.ds[v].values, b.ds[v].values, equal_nan=True)
        for v in ("depth", "max_depth", "max_velocity", "arrival_time")
    )


def test_same_inputs_hit_the_cache_and_its_checksum(town, solver_runs, tmp_path, caplog):
    cache = tmp_path / "cache"
    first = _flood(town, 1.0, cache)
    assert len(solver_runs) == 1
    [path] = _cached(cache)
    record = json.loads(path.with_name(path.name + ".sha256.json").read_text())
    assert record["file"] == path.name
    assert record["bytes"] == path.stat().st_size
    assert len(record["sha256"]) == 64
    with caplog.at_level(logging.INFO, logger="drm"):
        again = _flood(town, 1.0, cache)
    assert len(solver_runs) == 1  # no second solver run
    assert any("reusing the cached run" in r.message for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert _same(first, again)
    assert float(again.ds["max_depth"].max()) > 0.0


def test_truncated_cache_file_is_detected_and_the_flood_recomputed(
    town, solver_runs, tmp_path, caplog
):
    cache = tmp_path / "cache"
    clean = _flood(town, 1.0, cache)
    [path] = _cached(cache)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    with caplog.at_level(logging.WARNING, logger="drm"):
        redone = _flood(town, 1.0, cache)
    assert len(solver_runs) == 2
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.name == "drm"
    assert path.name in warning.getMessage()
    assert "truncated or replaced" in warning.getMessage()
    assert _same(redone, clean)
    # the cache is whole again: the next run reads it, checksum and all
    assert path.stat().st_size == size
    assert read_cached_flood(path) is not None
    _flood(town, 1.0, cache)
    assert len(solver_runs) == 2


def test_cache_file_swapped_for_another_runs_is_detected(town, solver_runs, tmp_path, caplog):
    cache = tmp_path / "cache"
    wet = _flood(town, 1.5, cache)
    [wet_path] = _cached(cache)
    dry = _flood(town, 1.0, cache)
    [dry_path] = [p for p in _cached(cache) if p != wet_path]
    assert not _same(wet, dry)  # two different floods
    side = ".sha256.json"
    # the file alone swapped: its checksum no longer matches
    shutil.copyfile(wet_path, dry_path)
    with caplog.at_level(logging.WARNING, logger="drm"):
        assert _same(_flood(town, 1.0, cache), dry)
    assert len(solver_runs) == 3
    assert "replaced" in caplog.records[-1].getMessage()  # by its size or its SHA-256
    # file and checksum both copied under the other run's name: the checksum names its own file
    shutil.copyfile(wet_path, dry_path)
    shutil.copyfile(
        wet_path.with_name(wet_path.name + side), dry_path.with_name(dry_path.name + side)
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="drm"):
        assert _same(_flood(town, 1.0, cache), dry)
    assert len(solver_runs) == 4
    assert f"belongs to {wet_path.name!r}" in caplog.records[-1].getMessage()
    # one byte altered in place, the size unchanged: its SHA-256 tells
    data = bytearray(dry_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dry_path.write_bytes(bytes(data))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="drm"):
        assert _same(_flood(town, 1.0, cache), dry)
    assert len(solver_runs) == 5
    assert "SHA-256 differs" in caplog.records[-1].getMessage()
    # a missing checksum: not trusted either
    dry_path.with_name(dry_path.name + side).unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="drm"):
        assert _same(_flood(town, 1.0, cache), dry)
    assert len(solver_runs) == 6
    assert "checksum file" in caplog.records[-1].getMessage()
    assert "is missing" in caplog.records[-1].getMessage()


def test_key_follows_file_contents_not_paths_or_times(tmp_path):
    first = load_scenario(_town(tmp_path / "a"))
    inputs = load_inputs(first)
    key = flood_key(first, inputs, hazard_setup(first, inputs))
    # the same files elsewhere: the same key
    moved = load_scenario(_town(tmp_path / "b"))
    moved_inputs = load_inputs(moved)
    assert flood_key(moved, moved_inputs, hazard_setup(moved, moved_inputs)) == key
    # one byte of the river hydrograph changed, same size, same path, modification time put back
    csv = tmp_path / "a" / "data" / "river_inflow_100yr.csv"
    text = csv.read_bytes()
    stat = csv.stat()
    at = text.index(b"\n") + 1  # first data row
    at += text[at:].index(b",") + 1  # first discharge value
    digit = text[at : at + 1]
    assert digit.isdigit()
    csv.write_bytes(text[:at] + (b"1" if digit != b"1" else b"2") + text[at + 1 :])
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (csv.stat().st_size, csv.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    changed = load_inputs(first)
    assert flood_key(first, changed) != flood_key(first, inputs)  # the files' hashes alone
    assert flood_key(first, changed, hazard_setup(first, changed)) != key
    # and one solver setting changed, the same files: another key again
    other = load_scenario(_town(tmp_path / "a", 1.5))
    other_inputs = load_inputs(other)
    assert flood_key(other, other_inputs, hazard_setup(other, other_inputs)) != key
