"""Roads in flood water: Pregnolato speeds, sampling along geometry, people, bridges, closure times."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from drm.errors import DrmWarning, GridError, InputError
from drm.network import (
    PEDESTRIAN_LIMITS,
    flood_roads,
    pregnolato_speed_kph,
    prepare_roads,
    road_closure_times,
    roads_at,
    travel_times,
)

# straight_road: 200 m from x = 0 to 200 along y = 50; depth grids of 10 m cells over x 0-250, y 0-100


def _depth(make_depth, fill=0.0, **where):
    values = np.full((10, 25), fill)
    for (c0, c1), d in where.get("cols", {}).items():
        values[:, c0:c1] = d
    return make_depth(values)


def test_pregnolato_published_curve():
    # v = 0.0009 w^2 - 0.5529 w + 86.9448 (w in mm), by hand: 86.9448, 40.6548, 12.3648, 2.2938
    got = pregnolato_speed_kph([0.0, 0.100, 0.200, 0.290, 0.300, 0.5])
    np.testing.assert_allclose(got, [86.9448, 40.6548, 12.3648, 2.2938, 0.0, 0.0], atol=5e-5)
    assert pregnolato_speed_kph(np.nan) == pytest.approx(86.9448)


def test_partly_flooded_edge_time_is_summed_along_it(straight_road, make_depth):
    G = prepare_roads(straight_road)
    depth = _depth(make_depth, cols={(0, 10): 0.1})  # the first 100 m under 0.1 m of water
    H = flood_roads(G, depth)
    e = H.edges["a", "b", 0]
    expected = 100 * 3.6 / 40.6548 + 100 * 3.6 / 50.0
    assert e["travel_time"] == pytest.approx(expected, rel=1e-6)
    assert e["flood_depth_m"] == pytest.approx(0.1)
    assert e["travel_time_dry"] == pytest.approx(200 * 3.6 / 50.0)
    assert not e["closed"]
    assert "travel_time_dry" not in G.edges["a", "b", 0]  # caller's graph untouched


def test_road_speed_caps_the_flood_speed(straight_road, make_depth):
    G = prepare_roads(straight_road)
    for e in G.edges(keys=True):
        G.edges[e]["speed_kph"] = 30.0
        G.edges[e]["travel_time"] = 200 * 3.6 / 30.0
    H = flood_roads(G, _depth(make_depth, 0.1))  # 40.65 km/h allowed > 30 km/h limit
    assert H.edges["a", "b", 0]["travel_time"] == pytest.approx(24.0)


def test_water_in_the_middle_closes_the_road(straight_road, make_depth):
    G = prepare_roads(straight_road)
    H = flood_roads(G, _depth(make_depth, cols={(9, 11): 0.35}))  # x 90-110 m, ends dry
    assert H.edges["a", "b", 0]["closed"]
    assert H.edges["b", "a", 0]["closed"]
    assert np.isinf(travel_times(H, ["a"], ["b"]).time_s[0, 0])
    assert H.graph["drm_flood_closed_edges"] == 2
    assert not flood_roads(G, _depth(make_depth, cols={(9, 11): 0.29})).edges["a", "b", 0]["closed"]
    dropped = flood_roads(G, _depth(make_depth, cols={(9, 11): 0.30}), drop_closed=True)
    assert dropped.number_of_edges() == 0


@pytest.mark.parametrize(
    ("depth", "velocity", "people", "closed"),
    [
        (0.4, 1.0, "general", False),  # d 0.4 <= 0.5, v <= 2, dv 0.4 <= 0.6
        (0.4, 1.6, "general", True),  # dv 0.64 > 0.6
        (0.55, 0.1, "general", True),  # deeper than 0.5 m
        (0.55, 0.1, "adults", False),
        (0.3, 2.5, "adults", True),  # dv 0.75 > 0.6
        (0.45, 0.9, "children", True),  # dv 0.405 > 0.4
    ],
)
def test_people_on_foot_use_depth_velocity_limits(straight_road, make_depth, depth, velocity, people, closed):
    G = prepare_roads(straight_road, "walk")
    d = _depth(make_depth, depth)
    ds = xr.Dataset({"max_depth": d, "max_velocity": (d * 0 + velocity).assign_attrs(units="m/s")})
    H = flood_roads(G, ds, people=people)
    assert H.edges["a", "b", 0]["closed"] is closed
    if not closed:  # people are stopped, not slowed
        assert H.edges["a", "b", 0]["travel_time"] == pytest.approx(200 / 1.2)


def test_walking_without_velocity_warns(straight_road, make_depth):
    G = prepare_roads(straight_road, "walk")
    with pytest.warns(DrmWarning, match="depth alone"):
        H = flood_roads(G, _depth(make_depth, 0.45))
    assert not H.edges["a", "b", 0]["closed"]
    assert PEDESTRIAN_LIMITS["general"].depth_m == 0.5


def test_bridges_are_judged_by_the_water_over_the_deck(straight_road, make_depth):
    G = prepare_roads(straight_road)
    for e in G.edges(keys=True):
        G.edges[e].update(bridge="yes", clearance_m=3.0)
    river = _depth(make_depth, cols={(8, 12): 2.5})
    assert not flood_roads(G, river).edges["a", "b", 0]["closed"]
    assert flood_roads(G, river).edges["a", "b", 0]["flood_depth_m"] == 0.0
    over = flood_roads(G, _depth(make_depth, cols={(8, 12): 3.1}))  # 0.1 m over the deck
    assert over.edges["a", "b", 0]["flood_depth_m"] == pytest.approx(0.1)
    assert flood_roads(G, _depth(make_depth, cols={(8, 12): 3.3})).edges["a", "b", 0]["closed"]
    for e in G.edges(keys=True):
        del G.edges[e]["clearance_m"]
    with pytest.warns(DrmWarning, match="no clearance_m"):
        assert flood_roads(G, river).edges["a", "b", 0]["closed"]
    assert not flood_roads(G, river, bridge_clearance_m=4.0).edges["a", "b", 0]["closed"]


def test_flood_result_objects_and_times(straight_road, make_depth):
    G = prepare_roads(straight_road)
    frames = np.stack([_depth(make_depth, v).values for v in (0.0, 0.2, 0.4)])
    base = _depth(make_depth)
    ds = xr.Dataset(
        {"depth": (("time", "y", "x"), frames, {"units": "m"})},
        coords={"time": [0.0, 600.0, 1200.0], "y": base["y"], "x": base["x"]},
        attrs={"crs": "EPSG:32619"},
    )

    class Result:  # the flood solver's result exposes .ds
        def __init__(self, ds):
            self.ds = ds

    at_300 = flood_roads(G, Result(ds), at=300.0).edges["a", "b", 0]
    assert at_300["flood_depth_m"] == pytest.approx(0.1)
    assert at_300["speed_kph"] == pytest.approx(40.6548, rel=1e-6)
    assert flood_roads(G, ds, at="15min").edges["a", "b", 0]["closed"]  # 0.3 m
    assert flood_roads(G, ds).edges["a", "b", 0]["flood_depth_m"] == pytest.approx(0.4)  # max
    with pytest.raises(InputError, match="outside the simulated times"):
        flood_roads(G, ds, at="2h")
    cm = base.copy(data=np.full(base.shape, 20.0))
    cm.attrs["units"] = "cm"
    assert flood_roads(G, cm).edges["a", "b", 0]["flood_depth_m"] == pytest.approx(0.2)


def test_crs_mismatch_and_unprepared_graph(straight_road, make_depth):
    with pytest.raises(InputError, match="prepare_roads"):
        flood_roads(straight_road, _depth(make_depth))
    other = make_depth(np.zeros((10, 25)), crs="EPSG:32620")
    with pytest.raises(GridError, match="different CRS"):
        flood_roads(prepare_roads(straight_road), other)


@pytest.mark.parametrize(("mode", "velocity", "expected_s"), [("drive", 1.0, 3000.0), ("walk", 1.0, 5000.0),
                                                            ("walk", 1.5, 4000.0)])
def test_closure_times_from_a_rising_flood(straight_road, make_depth, mode, velocity, expected_s):
    # depth rises 0.1 mm/s everywhere: vehicles stop at 0.30 m (3000 s); on foot the 0.5 m depth
    # limit binds at v = 1 m/s (5000 s) and the 0.6 m2/s depth x velocity limit at v = 1.5 m/s (4000 s)
    G = prepare_roads(straight_road, mode)
    times = np.arange(0.0, 7000.0, 700.0)
    base = _depth(make_depth)
    depth = xr.DataArray(
        1e-4 * times[:, None, None] * np.ones((1, *base.shape)),
        dims=("time", "y", "x"),
        coords={"time": times, "y": base["y"], "x": base["x"]},
    )
    ds = xr.Dataset({"depth": depth, "velocity": depth * 0 + velocity})
    H = road_closure_times(G, ds)
    assert H.edges["a", "b", 0]["closure_time_s"] == pytest.approx(expected_s, rel=1e-9)
    assert H.graph["drm_closure_basis"] == "depth series"
    assert roads_at(H, expected_s - 1).edges["a", "b", 0]["closed"] is False
    assert np.isinf(roads_at(H, expected_s + 1).edges["a", "b", 0]["travel_time"])


def test_closure_from_arrival_time_only(straight_road, make_depth):
    arrival = _depth(make_depth, np.nan, cols={(15, 17): 1800.0, (5, 6): 2400.0})
    arrival.attrs["units"] = "s"
    H = road_closure_times(prepare_roads(straight_road), xr.Dataset({"arrival_time": arrival}))
    assert H.edges["a", "b", 0]["closure_time_s"] == 1800.0
    assert H.graph["drm_closure_basis"] == "arrival time"
    dry = _depth(make_depth, np.nan)
    dry.attrs["units"] = "s"
    never = road_closure_times(prepare_roads(straight_road), xr.Dataset({"arrival_time": dry}))
    assert np.isinf(never.edges["a", "b", 0]["closure_time_s"])


def test_flooding_a_flooded_graph_starts_from_the_dry_road(straight_road, make_depth):
    G = prepare_roads(straight_road)
    deep = flood_roads(G, _depth(make_depth, 0.35))
    shallow_again = flood_roads(deep, _depth(make_depth, 0.1))
    assert shallow_again.edges["a", "b", 0]["speed_kph"] == pytest.approx(40.6548, rel=1e-6)
    assert shallow_again.edges["a", "b", 0]["travel_time_dry"] == pytest.approx(14.4)
    dry = flood_roads(deep, _depth(make_depth, 0.0))
    assert dry.edges["a", "b", 0]["travel_time"] == pytest.approx(14.4)
    assert not dry.edges["a", "b", 0]["closed"]
