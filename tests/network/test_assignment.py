"""Assignment of people to centres: optimal against brute force, capacities, shortfalls, bad input."""

from __future__ import annotations

import itertools
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from drm.errors import DrmWarning, InputError
from drm.network import assign, prepare_roads


def _splits(total: int, parts: int):
    """All ways to split ``total`` persons into ``parts`` whole groups."""
    for cuts in itertools.combinations(range(total + parts - 1), parts - 1):
        edges = (-1, *cuts, total + parts - 1)
        yield tuple(b - a - 1 for a, b in itertools.pairwise(edges))


def _brute_force(cost: np.ndarray, supply: list[int], cap: list[int]) -> tuple[int, float]:
    """Most people placed, then least person-seconds, by enumerating every whole-person plan."""
    n_c = cost.shape[1]
    best = (-1, np.inf)
    for plan in itertools.product(*[list(_splits(s, n_c + 1)) for s in supply]):
        x = np.array([p[:n_c] for p in plan], dtype=float)
        if (x.sum(axis=0) > cap).any() or (x[~np.isfinite(cost)] > 0).any():
            continue
        placed = int(x.sum())
        time = float((x[x > 0] * cost[x > 0]).sum())
        if placed > best[0] or (placed == best[0] and time < best[1] - 1e-9):
            best = (placed, time)
    return best


def _instance(rng, n_o=3, n_c=3):
    cost = rng.integers(1, 20, size=(n_o, n_c)).astype(float) * 60.0
    cost[rng.random((n_o, n_c)) < 0.25] = np.inf
    G = nx.MultiDiGraph()
    G.add_nodes_from([f"o{i}" for i in range(n_o)] + [f"c{j}" for j in range(n_c)])
    for i, j in zip(*np.nonzero(np.isfinite(cost)), strict=True):
        G.add_edge(f"o{i}", f"c{j}", travel_time=cost[i, j])
    supply = rng.integers(0, 5, size=n_o).tolist()
    cap = rng.integers(1, 5, size=n_c).tolist()
    origins = pd.DataFrame({"node": [f"o{i}" for i in range(n_o)], "persons": supply})
    centres = pd.DataFrame({"node": [f"c{j}" for j in range(n_c)], "capacity_persons": cap})
    return G, cost, supply, cap, origins, centres


@pytest.mark.parametrize("seed", range(12))
def test_optimal_assignment_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    G, cost, supply, cap, origins, centres = _instance(rng)
    placed, time = _brute_force(cost, supply, cap)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DrmWarning)  # some instances strand an origin on purpose
        plan = assign(G, origins, centres)
    assert plan.assigned_persons == pytest.approx(placed)
    assert plan.person_time_s == pytest.approx(time)
    # whole persons, capacities respected, everybody accounted for
    assert np.allclose(plan.flows["persons"], np.round(plan.flows["persons"]))
    assert (plan.centres["load_persons"] <= plan.centres["capacity_persons"] + 1e-9).all()
    assert plan.assigned_persons + plan.unassigned_persons == pytest.approx(sum(supply))


def test_shortfalls_are_reported_with_their_reason():
    G = nx.MultiDiGraph()
    G.add_edge("o1", "c1", travel_time=60.0)
    G.add_edge("o2", "c1", travel_time=120.0)
    G.add_node("o3")  # cut off by the flood
    origins = pd.DataFrame({"node": ["o1", "o2", "o3"], "persons": [30.0, 50.0, 10.0]}, index=["A", "B", "C"])
    centres = pd.DataFrame({"node": ["c1"], "capacity_persons": [60.0]}, index=["school"])
    with pytest.warns(DrmWarning, match="no passable road"):
        plan = assign(G, origins, centres)
    assert plan.assigned_persons == 60.0
    assert plan.unassigned_persons == 30.0
    reasons = plan.origins.set_index(plan.origins.index)["reason"]
    assert reasons["C"] == "no passable road to any centre"
    assert plan.origins.loc["C", "unassigned"] == 10.0
    # 20 of B's people are left because the school is full; A (closer) goes first
    assert plan.origins.loc["A", "assigned"] == 30.0
    assert plan.origins.loc["B", "unassigned"] == 20.0
    assert reasons["B"] == "reachable centres are full"
    assert "left: reachable centres are full: 20" in repr(plan)


def test_nearest_baseline_overfills_and_costs_no_more_time(grid_roads, rng):
    G = prepare_roads(grid_roads)
    nodes = list(G.nodes)
    origins = pd.DataFrame({"node": rng.choice(nodes, 30, replace=False), "persons": rng.integers(10, 100, 30)})
    centres = pd.DataFrame({"node": [0, 143, 70], "capacity_persons": [900.0, 900.0, 100.0]})
    with pytest.warns(DrmWarning):  # the random grid strands a few nodes
        best = assign(G, origins, centres)
    with pytest.warns(DrmWarning):
        near = assign(G, origins, centres, method="nearest")
    # room for all: both place every reachable person; nearest ignores capacity, a lower bound on time
    assert near.assigned_persons == best.assigned_persons
    assert near.person_time_s <= best.person_time_s + 1e-6
    over = near.centres["over_capacity_persons"]
    assert over.iloc[2] > 0
    assert over.sum() == pytest.approx(
        (near.centres["load_persons"] - near.centres["capacity_persons"]).clip(lower=0).sum()
    )
    assert (best.centres["over_capacity_persons"] == 0).all()
    assert best.centres["load_persons"].iloc[2] == pytest.approx(100.0)


def test_snapping_by_coordinates(straight_road):
    G = prepare_roads(straight_road)
    origins = pd.DataFrame({"x": [10.0, 4000.0], "y": [60.0, 50.0], "persons": [5.0, 7.0]})
    centres = pd.DataFrame({"x": [195.0], "y": [50.0], "capacity_persons": [100.0]})
    with pytest.warns(DrmWarning, match="more than 500 m"):
        plan = assign(G, origins, centres)
    assert plan.assigned_persons == 5.0
    assert plan.origins["reason"].tolist() == ["", "farther than max_snap_m from any road"]
    far_centre = centres.assign(x=[9000.0])
    with pytest.raises(InputError, match="more than 500 m"):
        assign(G, origins.iloc[:1], far_centre)


@pytest.mark.parametrize(
    ("persons", "capacity", "match"),
    [
        ([5.0, np.nan], [10.0], "missing or non-finite"),
        ([5.0, -1.0], [10.0], "negative"),
        ([5.0, 1.0], [0.0], "positive number"),
        ([5.0, 1.0], [-3.0], "positive number"),
    ],
)
def test_bad_people_and_capacities_are_errors(persons, capacity, match):
    G = nx.MultiDiGraph()
    G.add_edge("o1", "c1", travel_time=1.0)
    G.add_edge("o2", "c1", travel_time=1.0)
    origins = pd.DataFrame({"node": ["o1", "o2"], "persons": persons})
    centres = pd.DataFrame({"node": ["c1"], "capacity_persons": capacity})
    with pytest.raises(InputError, match=match):
        assign(G, origins, centres)


def test_capacity_must_be_given():
    G = nx.MultiDiGraph()
    G.add_edge("o1", "c1", travel_time=1.0)
    centres = pd.DataFrame({"node": ["c1"], "floor_area_m2": [350.0]})
    with pytest.raises(InputError, match=r"3\.5 m² per person"):
        assign(G, pd.DataFrame({"node": ["o1"], "persons": [1.0]}), centres)
    plan = assign(G, pd.DataFrame({"node": ["o1"], "persons": [1.0]}), centres, capacity=100.0)
    assert plan.assigned_persons == 1.0
