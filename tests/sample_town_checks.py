"""Checks that both sample towns pass, shared by their test files.

``tests/test_datasets.py`` runs them on Valle Alto (:func:`drm.datasets.valley_town`),
``tests/test_real_terrain_town.py`` on Kettle Ford (:func:`drm.datasets.real_terrain_town`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import drm.datasets._write
from drm.datasets import SampleTown


def town_fixtures(generate: Callable[[int], SampleTown], folder: str) -> tuple[Callable, ...]:
    """Module fixtures ``town``, ``again`` (a second generation with the same seed, so that
    round trips also test determinism), ``written`` (its files) and ``summary``."""

    @pytest.fixture(scope="module")
    def town() -> SampleTown:
        return generate(0)

    @pytest.fixture(scope="module")
    def again(town) -> SampleTown:
        return generate(0)

    @pytest.fixture(scope="module")
    def written(again, tmp_path_factory) -> dict[str, Path]:
        return again.write(tmp_path_factory.mktemp(folder))

    @pytest.fixture(scope="module")
    def summary(town) -> dict:
        return town.summary()

    return town, again, written, summary


#: Seeds that both generators refuse.
BAD_SEEDS = [-1, 1.5, True, "0"]


def assert_bad_seeds_refused(generate: Callable[[int], SampleTown]) -> None:
    from drm.errors import InputError

    for seed in BAD_SEEDS:
        with pytest.raises(InputError, match="seed"):
            generate(seed)


def assert_same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert a.graph["crs"] == b.graph["crs"]
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    ea = {(u, v, k): d for u, v, k, d in a.edges(keys=True, data=True)}
    eb = {(u, v, k): d for u, v, k, d in b.edges(keys=True, data=True)}
    assert ea.keys() == eb.keys()
    for key, da in ea.items():
        db = eb[key]
        assert da.keys() == db.keys(), key
        for name, value in da.items():
            if name == "geometry":
                assert value.equals_exact(db[name], 1e-6), key
            elif name == "length":
                assert value == pytest.approx(db[name], abs=1e-6)
            else:
                assert value == db[name], (key, name)


def assert_same_town(a: SampleTown, b: SampleTown) -> None:
    for name in ("dem", "landcover", "population", "neighbourhood_id"):
        xr.testing.assert_identical(getattr(a, name), getattr(b, name))
    assert a.rainfall.keys() == b.rainfall.keys()
    for key in a.rainfall:
        xr.testing.assert_identical(a.rainfall[key], b.rainfall[key])
        pd.testing.assert_frame_equal(a.inflows[key], b.inflows[key])
    for name in ("landcover_classes", "neighbourhoods", "centres", "warehouses", "stock"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.road_features == b.road_features
    assert_same_graph(a.roads, b.roads)


def assert_committed_files_match(
    written: dict[str, Path], committed: Path, files: tuple[str, ...], hint: str
) -> None:
    """The files in ``hazard_data/<town>`` are what the generator writes (NetCDF: same values)."""
    for name in files:
        fresh = written[name.split(".")[0]]
        assert (committed / name).is_file(), f"{committed / name} is missing: {hint}"
        if name.endswith(".nc"):
            with xr.open_dataset(committed / name) as a, xr.open_dataset(fresh) as b:
                xr.testing.assert_identical(a.load(), b.load())
        else:
            assert (committed / name).read_bytes() == fresh.read_bytes(), f"{name} differs: {hint}"


def assert_writer_writes_the_generated_town(
    writer: Callable[..., dict[str, Path]],
    generator: str,
    town: SampleTown,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``writer`` calls the generator named ``generator`` with its seed and writes that town."""
    seeds = []

    def fake(seed: int = 0) -> SampleTown:
        seeds.append(seed)
        return town

    monkeypatch.setattr(drm.datasets._write, generator, fake)
    paths = writer(tmp_path / "out", seed=3)
    assert seeds == [3]
    assert paths["dem"] == tmp_path / "out" / "dem.nc"


def assert_landcover_classes_cover_the_grid(town: SampleTown) -> None:
    classes = town.landcover_classes
    assert set(np.unique(town.landcover.values)) <= set(classes.index)
    assert classes["manning_n"].between(0.01, 0.2).all()
    assert classes["curve_number"].between(30, 100).all()
    assert classes["source"].str.contains("Chow|2-D").all()
    assert classes["source"].str.contains("TR-55|98").all()
