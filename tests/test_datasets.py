"""Tests of the built-in sample data: the generated town Valle Alto and the real DEM."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import ndimage

import drm._resources
import drm.io
from drm.datasets import builtin_path, real_terrain, valley_town, write_valley_town
from drm.datasets._write import _main
from drm.datasets.valle_alto import FILES
from drm.grids import check_grid, get_crs, grid_bounds, xy_to_rowcol

from .sample_town_checks import (
    assert_bad_seeds_refused,
    assert_committed_files_match,
    assert_landcover_classes_cover_the_grid,
    assert_same_graph,
    assert_same_town,
    assert_writer_writes_the_generated_town,
    town_fixtures,
)

COMMITTED = Path(__file__).resolve().parents[1] / "hazard_data" / "valle_alto"
WATER = 1
STOCK_ITEMS = {
    "water_l",
    "food_ration",
    "hygiene_kit",
    "menstrual_hygiene_kit",
    "soap_bar_250g",
    "blanket",
    "sleeping_mat",
    "jerrycan",
    "tarpaulin",
    "emergency_health_kit",
}


town, again, written, summary = town_fixtures(valley_town, "valle_alto")


@pytest.fixture(scope="module")
def terrain(town):
    """DEM, water mask, distance to water (m) and river-bed elevation of each column."""
    z = town.dem.values
    water = town.landcover.values == WATER
    dist = ndimage.distance_transform_edt(~water) * 10.0
    bed = np.where(water, z, np.inf).min(axis=0)
    return z, water, dist, bed


# ----------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_data(town, again):
    assert_same_town(town, again)


def test_another_seed_changes_the_noise_not_the_layout(town):
    other = valley_town(1)
    assert not np.array_equal(other.dem.values, town.dem.values)
    assert not np.array_equal(other.population.values, town.population.values)
    np.testing.assert_array_equal(other.dem["x"].values, town.dem["x"].values)
    assert list(other.neighbourhoods["name"]) == list(town.neighbourhoods["name"])
    assert nx.is_strongly_connected(other.roads)


def test_bad_seeds_are_refused():
    assert_bad_seeds_refused(valley_town)


# ----------------------------------------------------------------------------- files


def test_every_file_is_written_small(written):
    assert sorted(p.name for p in written.values()) == sorted(FILES)
    total = sum(p.stat().st_size for p in written.values())
    assert 0.2e6 < total < 5e6
    assert not list(next(iter(written.values())).parent.glob(".*.tmp"))  # no leftovers


def test_grids_round_trip(town, written):
    dem = drm.io.read_dem(written["dem"])
    xr.testing.assert_equal(dem, town.dem)  # bit for bit: float32 holds the values exactly
    assert dem.attrs == town.dem.attrs
    assert get_crs(dem) == get_crs(town.dem)
    assert get_crs(dem).to_epsg() == 32619
    landcover = drm.io.read_grid(written["landcover"], name="land cover", preferred=("landcover",))
    np.testing.assert_array_equal(landcover.values, town.landcover.values)
    population = drm.io.read_population(written["population"])
    xr.testing.assert_equal(population, town.population)
    assert population.attrs == town.population.attrs
    ids = drm.io.read_grid(written["population"], var="neighbourhood_id")
    np.testing.assert_array_equal(ids.values, town.neighbourhood_id.values)


def test_rainfall_round_trips_and_is_stored_in_mm_per_hour(town, written):
    for key in ("10yr", "100yr"):
        with xr.open_dataset(written[f"rain_{key}"]) as ds:
            assert ds["rainfall"].attrs["units"] == "mm/h"
        rain = drm.io.read_rainfall(written[f"rain_{key}"])
        xr.testing.assert_equal(rain, town.rainfall[key])
        read_notes = {"source", "variable", "units_in_file", "accumulated", "accumulated_evidence",
                      "time_labels"}  # fmt: skip
        assert {k: v for k, v in rain.attrs.items() if k not in read_notes} == town.rainfall[key].attrs
        assert rain.attrs["units_in_file"] == "mm/h"
        assert rain.attrs["accumulated"] == 0


def test_tables_round_trip(town, written):
    pd.testing.assert_frame_equal(
        drm.io.read_landcover_classes(written["landcover_classes"]), town.landcover_classes
    )
    for key in ("10yr", "100yr"):
        pd.testing.assert_frame_equal(
            drm.io.read_hydrograph(written[f"river_inflow_{key}"]), town.inflows[key]
        )
    centres = drm.io.read_centres(written["centres"])
    pd.testing.assert_frame_equal(centres[town.centres.columns], town.centres)
    # derived columns: capacity from floor area, every centre available
    derived = ["capacity_persons", "capacity_source", "available", "unavailable_reason"]
    assert (centres["capacity_source"] == "floor_area").all()
    assert centres["available"].all()
    # the rest: only unset optional columns
    assert centres.drop(columns=[*town.centres.columns, *derived], errors="ignore").isna().all().all()
    pd.testing.assert_frame_equal(drm.io.read_warehouses(written["warehouses"]), town.warehouses)
    pd.testing.assert_frame_equal(drm.io.read_stock(written["stock"]), town.stock)
    pd.testing.assert_frame_equal(pd.read_csv(written["neighbourhoods"]), town.neighbourhoods)


def test_roads_round_trip(town, written):
    G = drm.io.read_roads(written["roads"])
    assert G.graph["source"] == "roads.geojson"
    assert_same_graph(G, town.roads)


def test_committed_files_are_what_the_generator_writes(written):
    assert_committed_files_match(written, COMMITTED, FILES, "run python -m drm.datasets")


def test_readme_quotes_the_measured_magnitudes(summary):
    text = (COMMITTED.parent / "README.md").read_text(encoding="utf-8")
    s = summary
    for number in (
        f"{s['population']['total_persons']:,} persons",
        f"{s['population']['households']:,} households",
        f"{s['roads']['nodes']} nodes and {s['roads']['edges']} directed edges",
        f"{s['channel']['bankfull_capacity_m3s']:.0f} m³/s",
        f"{s['inflows']['100yr']['peak_m3s']:.2f} m³/s",
        f"{s['centres']['nominal_capacity_persons']:,} people",
        f"| 100yr | {s['uniform_flow_screening']['100yr']['neighbourhood_cells_over_0_1m']:,} |",
    ):
        assert number in text, (
            f"hazard_data/README.md does not say {number!r}; update it from summary()"
        )


# ----------------------------------------------------------------------------- realism


def test_dem_is_a_valley_with_an_incised_river(town, terrain):
    z, water, dist, bed = terrain
    spec = check_grid(town.dem, "DEM")
    assert spec.shape == (400, 400)
    assert spec.dx == -spec.ystep == 10.0
    assert z.min() > 1500.0
    assert z.max() < 2100.0
    assert z.max() - z.min() > 400.0
    assert np.all(np.isfinite(bed))  # the river crosses the whole domain, west to east
    x = town.dem["x"].values
    assert 0.005 < np.polyfit(x, bed, 1)[0] < 0.008  # the bed rises upstream (east)
    floodplain = (dist > 30.0) & (dist < 150.0) & (z < bed + 6.0)
    cols = np.broadcast_to(x, z.shape)
    assert 0.005 < np.polyfit(cols[floodplain], z[floodplain], 1)[0] < 0.008
    banks = np.array(
        [z[(dist[:, j] > 10) & (dist[:, j] <= 30), j].mean() for j in range(z.shape[1])]
    )
    assert 2.0 < np.median(banks - bed) < 4.0
    assert 20.0 <= np.median(water.sum(axis=0)) * 10.0 <= 40.0
    low = (z < bed + 6.0).sum(axis=0) * 10.0  # ground within about 3 m of the banks
    assert 400.0 < np.median(low) < 800.0
    gy, gx = np.gradient(z, 10.0)
    assert 0.25 < np.median(np.hypot(gx, gy)[z > bed + 150.0]) < 0.6  # steep walls
    pits = (z == ndimage.minimum_filter(z, size=7)) & (dist > 50.0) & (z < bed + 6.0)
    pits &= ndimage.uniform_filter(z, size=11) - z > 0.3
    assert ndimage.label(pits)[1] >= 3  # closed depressions on the floodplain


def test_inflow_point_is_in_the_river_at_the_upstream_edge(town):
    x, y = town.inflow_xy
    row, col = xy_to_rowcol(town.dem, x, y)
    assert col[0] == town.dem.sizes["x"] - 1
    assert town.landcover.values[row[0], col[0]] == WATER


def test_landcover_classes_cover_the_grid(town):
    assert_landcover_classes_cover_the_grid(town)


def test_population_and_neighbourhoods(town):
    nb = town.neighbourhoods
    pop = town.population.values
    assert 30_000 < pop.sum() < 45_000
    assert pop.min() >= 0.0
    assert 8 <= len(nb) <= 14
    assert nb["name"].is_unique
    ids = town.neighbourhood_id.values
    assert set(np.unique(ids)) == {0, *nb["id"]}
    assert np.all(ids[pop > 0] > 0)
    assert abs(nb["population"].sum() - pop.sum()) < len(nb)
    area_ha = np.bincount(ids.ravel(), minlength=len(nb) + 1)[1:] * 0.01
    density = nb["population"].to_numpy() / area_ha
    informal = (nb["kind"] == "informal").to_numpy()
    formal = (nb["kind"] == "formal").to_numpy()
    assert informal.sum() >= 4
    assert np.all((density[informal] >= 250) & (density[informal] <= 450))
    assert formal.sum() >= 2
    assert np.all((density[formal] >= 80) & (density[formal] <= 180))
    assert 3.6 <= nb["population"].sum() / nb["households"].sum() <= 4.0


def test_roads_form_a_connected_town_network(town):
    G = town.roads
    assert G.graph["crs"] == "EPSG:32619"
    assert 100 <= G.number_of_nodes() <= 5000
    assert nx.is_strongly_connected(G)
    highways = {d["highway"] for _, _, d in G.edges(data=True)}
    assert {"trunk", "secondary", "tertiary", "residential", "track"} <= highways
    trunk = [d for _, _, d in G.edges(data=True) if d["highway"] == "trunk"]
    assert all(d["lanes"] == 2 for d in trunk)
    assert all(d["name"] for d in trunk)
    for _, _, d in G.edges(data=True):
        assert d["length"] == pytest.approx(d["geometry"].length, rel=1e-9)
        assert d["maxspeed"] > 0
        assert d["width_m"] > 0


def test_roads_climb_to_higher_ground_at_road_grades(town, summary):
    climbs = summary["roads"]["climbs"]
    assert len(climbs) >= 3
    for name, c in climbs.items():
        assert c["median_grade_percent"] <= 12.0, name
        assert c["max_grade_percent"] <= 25.0, name
    z = town.dem.values
    tops = [
        xy_to_rowcol(town.dem, *np.array(f["geometry"]["coordinates"])[-1])
        for f in town.road_features
        if f["id"] in climbs
    ]
    assert max(z[r[0], c[0]] for r, c in tops) > z.min() + 300.0


def test_only_the_bridges_cross_the_river(town):
    def wet(feature: dict) -> bool:
        xy = np.array(feature["geometry"]["coordinates"])
        steps = [a + np.linspace(0.0, 1.0, 20)[:, None] * (b - a) for a, b in pairwise(xy)]
        rows, cols = xy_to_rowcol(town.dem, *np.concatenate(steps).T)
        return bool(np.any(town.landcover.values[rows, cols] == WATER))

    bridges = {f["id"]: f for f in town.road_features if f["properties"].get("bridge") == "yes"}
    assert set(bridges) == {"bridge-1", "bridge-2", "bridge-3"}
    for bid, f in bridges.items():
        assert wet(f), bid
        assert 3.0 < f["properties"]["clearance_m"] < 10.0
        assert any(d["road_id"] == bid for _, _, d in town.roads.edges(data=True))
    assert not [f["id"] for f in town.road_features if f["id"] not in bridges and wet(f)]


def test_centres_are_near_roads_some_on_the_floodplain(town, terrain):
    z, _, _, bed = terrain
    c = town.centres
    assert 8 <= len(c) <= 15
    assert c.index.is_unique
    nodes = np.array([(d["x"], d["y"]) for _, d in town.roads.nodes(data=True)])
    gap = np.hypot(
        nodes[None, :, 0] - c["x"].to_numpy()[:, None],
        nodes[None, :, 1] - c["y"].to_numpy()[:, None],
    )
    assert gap.min(axis=1).max() <= 50.0
    rows, cols = xy_to_rowcol(town.dem, c["x"], c["y"])
    above_bed = z[rows, cols] - bed[cols]  # the river runs west-east: its bed in the same column
    on_floodplain = above_bed < 5.5  # banks are about 3.2 m above the bed
    assert 2 <= on_floodplain.sum() <= 4
    assert np.all(above_bed[~on_floodplain] > 7.0)
    schools = c[c["type"] == "school"]
    assert schools["floor_area_m2"].between(600, 2500).all()
    assert schools["toilets"].between(6, 20).all()
    assert c.loc[c["type"] == "church", "floor_area_m2"].between(200, 600).all()
    assert set(c["type"]) <= {"school", "church", "sports_hall", "community_centre"}


def test_warehouses_and_stock(town):
    w, stock = town.warehouses, town.stock
    assert 2 <= len(w) <= 3
    assert (w["trucks"] >= 1).all()
    assert set(stock["item"]) <= STOCK_ITEMS
    assert set(stock["site_id"]) <= set(w.index) | set(town.centres.index)
    assert set(stock["site_id"]) & set(town.centres.index)  # a little at some centres
    totals = stock.groupby("item")["quantity"].sum()
    people = town.population.values.sum()
    # a few thousand people for a few days, not everyone
    assert 1_000 < totals["food_ration"] < people
    assert 15 * 1_000 < totals["water_l"] < 15 * people
    assert (stock.loc[stock["item"] == "water_l", "unit"] == "L").all()


def test_design_storms(town):
    spec = check_grid(town.rainfall["100yr"], "rain", time=True)
    assert spec.dx == 500.0
    xmin, ymin, xmax, ymax = grid_bounds(town.rainfall["100yr"])
    dxmin, dymin, dxmax, dymax = grid_bounds(town.dem)
    assert xmin < dxmin - 500
    assert ymin < dymin - 500
    assert xmax > dxmax + 500
    assert ymax > dymax + 500
    limits = {"10yr": (80.0, 100.0), "100yr": (140.0, 180.0)}
    for key, (low, high) in limits.items():
        rain = town.rainfall[key]
        assert rain.attrs["units"] == "m s-1"
        assert rain.sizes["time"] == 144
        np.testing.assert_array_equal(np.diff(rain["time"].values), 600.0)
        inner = rain.sel(x=slice(dxmin, dxmax), y=slice(dymax, dymin)).values * 3.6e6  # mm/h
        totals = inner.sum(axis=0) / 6.0  # mm
        assert low < totals.mean() < high
        assert totals.std() > 1.0  # spatial variation
        assert inner.mean(axis=(1, 2)).max() > 60.0
        assert inner.max() < 130.0


def test_river_inflows(town, summary):
    capacity = summary["channel"]["bankfull_capacity_m3s"]
    assert 200.0 < capacity < 300.0
    rain_peak_s = float(
        town.rainfall["100yr"]["time"][np.argmax(town.rainfall["100yr"].mean(("x", "y")).values)]
    )
    for key, (low, high) in {"10yr": (300.0, 400.0), "100yr": (800.0, 1000.0)}.items():
        q = town.inflows[key]
        assert (q["discharge_m3s"] > 0).all()
        assert (np.diff(q["time_s"]) > 0).all()
        peak = q["discharge_m3s"].max()
        assert low < peak < high
        assert peak > capacity
        lag_h = (q["time_s"][q["discharge_m3s"].idxmax()] - rain_peak_s) / 3600.0
        assert 1.0 < lag_h < 6.0


def test_the_100yr_inflow_floods_the_riverside_neighbourhoods(summary):
    screening = summary["uniform_flow_screening"]
    big, small = screening["100yr"], screening["10yr"]
    assert 0.5 <= big["median_depth_m"] <= 2.0
    assert small["median_depth_m"] < 0.5 * big["median_depth_m"]
    assert small["residents_over_0_1m"] < 0.6 * big["residents_over_0_1m"]


def test_repr_and_summary(town, summary):
    text = repr(town)
    assert "Valle Alto" in text
    assert f"{round(float(town.population.values.sum())):,} persons" in text
    assert len(text.splitlines()) < 12
    assert "<table>" in town._repr_html_()
    json.dumps(summary)
    assert len(summary["gullies"]) in (3, 4)


def test_write_valley_town_writes_the_generated_town(again, tmp_path, monkeypatch):
    assert_writer_writes_the_generated_town(
        write_valley_town, "valley_town", again, tmp_path, monkeypatch
    )


def test_command_line_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "hazard_data/<town>" in out
    assert "jacksboro" in out


def test_builtin_path_is_the_resources_function():
    assert builtin_path is drm._resources.builtin_path


# ----------------------------------------------------------------------------- real terrain


def test_real_terrain():
    from matplotlib import cbook

    with cbook.get_sample_data("jacksboro_fault_dem.npz") as npz:
        raw = npz["elevation"]
    assert raw.shape == (344, 403)
    assert (raw.min(), raw.max()) == (236, 1076)
    dem = real_terrain()
    spec = check_grid(dem, "real terrain")
    assert (dem.name, dem.attrs["units"], dem.dims) == ("elevation", "m", ("y", "x"))
    assert spec.crs.to_epsg() == 32616
    assert 74.0 <= spec.dx <= 93.0
    values = dem.values[np.isfinite(dem.values)]
    assert values.size > 0.8 * dem.size
    assert 236.0 <= values.min() < 300.0
    assert 1000.0 < values.max() <= 1076.0
    # the north edge is north: the highest ground of the raw grid stays in the same half
    assert (np.nanargmax(dem.values) // dem.sizes["x"] < dem.sizes["y"] / 2) == (
        np.argmax(raw) // raw.shape[1] < raw.shape[0] / 2
    )
