"""Static clearance time against the closed forms of a point queue."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from drm.errors import InputError
from drm.network import assign, clearance_time, prepare_roads, quickest_evacuation

TAU = 300.0  # free-flow time of the test road (s)
CAP = 1200.0  # persons per hour


@pytest.fixture
def road():
    G = nx.MultiDiGraph()
    G.add_edge("home", "school", travel_time=TAU, capacity_persons_h=CAP)
    return G


def _flows(n):
    return pd.DataFrame({"origin_node": ["home"], "centre_node": ["school"], "persons": [float(n)]})


@pytest.mark.parametrize("n", [100, 600, 2500])
def test_everybody_leaves_at_once(road, n):
    # point queue: the last person passes after N / C, then drives TAU
    r = clearance_time(road, _flows(n), np.zeros(50))
    assert r.clearance_time_s == pytest.approx(TAU + n / CAP * 3600.0)
    assert r.time_to_fraction(0.5) == pytest.approx(TAU + 0.5 * n / CAP * 3600.0, abs=60.0)
    assert r.bottlenecks.loc[0, "max_queue_persons"] == pytest.approx(n)


@pytest.mark.parametrize(("n", "expected"), [(600, 3600.0 + TAU), (2400, 2400 / CAP * 3600 + TAU)])
def test_uniform_departures_over_an_hour(road, n, expected):
    # below capacity the departures set the pace (last leaves at 1 h); above it the road does
    r = clearance_time(road, _flows(n), lambda t: np.clip(t / 3600.0, 0.0, 1.0))
    assert r.clearance_time_s == pytest.approx(expected)
    assert r.departure_end_s == pytest.approx(3600.0)


def test_departure_times_and_curve_agree(road, rng):
    times = rng.uniform(0, 5400, 2000)
    sample = clearance_time(road, _flows(900), times)
    ecdf = clearance_time(road, _flows(900), lambda t: np.searchsorted(np.sort(times), t, side="right") / 2000)
    assert sample.clearance_time_s == pytest.approx(ecdf.clearance_time_s)
    # Rayleigh F(t) = 1 - exp(-t^2 / 2 s^2), s = 30 min, cut at 99.99 %: t = s sqrt(2 ln 1e4)
    s = 1800.0
    r = clearance_time(road, _flows(100), lambda t: 1 - np.exp(-(t**2) / (2 * s**2)))
    cut = s * math.sqrt(2 * math.log(1e4))
    assert r.departure_end_s == pytest.approx(cut, abs=60.0)
    assert r.clearance_time_s == pytest.approx(r.departure_end_s + TAU, abs=1e-6)


def test_vehicles_and_the_exact_discrete_optimum(road):
    # 500 cars of 2.5 persons on a 1200 veh/h road = 3000 persons/h
    cars = nx.MultiDiGraph()
    cars.add_edge("home", "school", travel_time=TAU, capacity_veh_h=CAP)
    r = clearance_time(cars, _flows(1250), np.zeros(1), capacity="capacity_veh_h", persons_per_unit=2.5)
    assert r.clearance_time_s == pytest.approx(TAU + 1250 / (CAP * 2.5) * 3600)
    # the discrete exact model agrees within one step
    exact = quickest_evacuation(road, {"home": 600}, ["school"])
    static = clearance_time(road, _flows(600), np.zeros(1))
    assert abs(exact.egress_time_s - static.clearance_time_s) <= 60.0


def test_shared_bottleneck_of_two_groups(make_roads):
    # two groups cross the same bridge: its queue carries both
    G = nx.MultiDiGraph()
    G.add_edge("a", "m", travel_time=60.0, capacity_persons_h=1e6)
    G.add_edge("b", "m", travel_time=120.0, capacity_persons_h=1e6)
    G.add_edge("m", "c", travel_time=60.0, capacity_persons_h=600.0)  # the bridge
    flows = pd.DataFrame({"origin_node": ["a", "b"], "centre_node": ["c", "c"], "persons": [100.0, 100.0]})
    r = clearance_time(G, flows, np.zeros(1))
    # a's 100 reach the bridge at 60 s and b's at 120 s; 200 people at 600/h take 1200 s from 60 s
    assert r.clearance_time_s == pytest.approx(60 + 1200 + 60)
    assert r.bottlenecks.loc[0, ["u", "v"]].tolist() == ["m", "c"]


def test_from_an_assignment(grid_roads):
    G = prepare_roads(grid_roads, "walk")
    origins = pd.DataFrame({"node": [13, 40, 100], "persons": [300.0, 200.0, 500.0]})
    centres = pd.DataFrame({"node": [66, 131], "capacity_persons": [600.0, 600.0]})
    plan = assign(G, origins, centres)
    r = clearance_time(G, plan, np.zeros(1))
    assert r.groups["persons"].sum() == pytest.approx(1000.0)
    assert r.clearance_time_s >= r.groups["free_flow_s"].max()
    assert "clearance time" in repr(r)
    assert "<table>" in r._repr_html_()


@pytest.mark.parametrize(
    ("departure", "match"),
    [
        (lambda t: t, "between 0 and 1"),
        (lambda t: np.where(t < 600, 0.5, 0.2), "must not decrease"),
        (lambda t: 0.5 + 0 * t, "7 days"),
        ([np.nan, 3.0], "finite"),
    ],
)
def test_bad_departure_curves(road, departure, match):
    with pytest.raises(InputError, match=match):
        clearance_time(road, _flows(10), departure)


def test_a_route_through_a_road_without_capacity_is_an_error():
    G = nx.MultiDiGraph()
    G.add_edge("home", "school", travel_time=TAU, capacity_persons_h=0.0)
    with pytest.raises(InputError, match="capacities must be > 0"):
        clearance_time(G, _flows(10), np.zeros(1))
