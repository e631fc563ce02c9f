"""Centre location: OR-Library p-median optima, brute force on small cases, exclusions."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from drm.errors import DrmWarning, InputError
from drm.evacuation import locate_centres, location_costs
from drm.network import travel_times


def _orlib(folder, k):
    """OR-Library pmed instance k: cost matrix (all-pairs shortest paths), p, published optimum."""
    tokens = (folder / f"pmed{k}.txt").read_text().split()
    n, m, p = map(int, tokens[:3])
    weight = {}
    for i, j, c in np.array(tokens[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3):
        weight[(min(i, j), max(i, j))] = float(c)  # a repeated edge: the last one wins
    (i, j), c = np.array(list(weight)).T, np.array(list(weight.values()))
    graph = sp.csr_array((np.r_[c, c], (np.r_[i, j] - 1, np.r_[j, i] - 1)), shape=(n, n))
    optima = dict(line.split() for line in (folder / "pmedopt.txt").read_text().splitlines()[1:] if line.strip())
    return shortest_path(graph, method="D", directed=False), p, float(optima[f"pmed{k}"])


@pytest.mark.parametrize("k", range(1, 11))
def test_orlib_pmedian_reaches_the_published_optimum(shared_data, k):
    folder = shared_data / "orlib-pmed"
    if not folder.is_dir():
        pytest.skip("OR-Library p-median instances not found")
    D, p, optimum = _orlib(folder, k)
    exact = locate_centres(D, p=p, solver="milp")
    assert exact.objective == optimum
    assert exact.gap <= 1e-6
    assert exact.status.startswith("optimal")
    assert len(exact.open_sites) == p
    heuristic = locate_centres(D, p=p, solver="heuristic")
    assert optimum <= heuristic.objective <= 1.01 * optimum
    assert np.isnan(heuristic.gap)


def _brute_pmedian(D, a, p):
    return min((a * D[:, list(s)].min(axis=1)).sum() for s in itertools.combinations(range(D.shape[1]), p))


@pytest.mark.parametrize("seed", range(10))
def test_pmedian_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    D = rng.uniform(60, 1800, size=(14, 7))
    D[rng.random(D.shape) < 0.15] = np.inf
    D[:, 0] = rng.uniform(60, 1800, 14)  # everyone can reach something
    a = rng.integers(1, 50, 14).astype(float)
    p = int(rng.integers(1, 4))
    best = _brute_pmedian(D, a, p)
    r = locate_centres(D, p=p, demand=a, solver="milp")
    assert r.objective == pytest.approx(best, rel=1e-9)
    assert locate_centres(D, p=p, demand=a, solver="heuristic").objective >= best - 1e-6
    sub = D[:, r.open_sites]
    assert r.assignment.tolist() == [r.open_sites[j] for j in np.argmin(sub, axis=1)]


@pytest.mark.parametrize("seed", range(8))
def test_mclp_matches_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    D = rng.uniform(0, 3600, size=(15, 8))
    a = rng.integers(1, 100, 15).astype(float)
    p, radius = int(rng.integers(1, 4)), 1500.0
    cover = np.less_equal(D, radius)
    best = max(a[cover[:, list(s)].any(axis=1)].sum() for s in itertools.combinations(range(8), p))
    for solver in ("milp", "heuristic"):
        r = locate_centres(D, p=p, method="mclp", demand=a, coverage=radius, solver=solver)
        if solver == "milp":
            assert r.objective == best
        else:
            assert r.objective <= best
        assert r.unserved["demand"].sum() == pytest.approx(a.sum() - r.objective)


def test_capacitated_hand_checked():
    # three villages (persons 100, 50, 80) and two schools of 120 places:
    # minutes     school A  school B
    # village 1       5        20
    # village 2      10        10
    # village 3      25         5
    # Both open (p = 2). Village 1 -> A (100), village 3 -> B (80), village 2 splits 20 A + 30 B
    # or any split: all cost 10 min; total = 500 + 500 + 400 = 1400 person-minutes.
    D = np.array([[5.0, 20.0], [10.0, 10.0], [25.0, 5.0]])
    r = locate_centres(D, p=2, method="capacitated", demand=[100, 50, 80], capacity=[120, 120])
    assert r.objective == pytest.approx(1400.0)
    load = r.allocation.groupby("site")["demand"].sum()
    assert (load <= 120 + 1e-6).all()
    assert load.sum() == pytest.approx(230.0)
    # with one school of 120 places, 110 people are left; the school is A for village 1 (cheapest)
    one = locate_centres(D, p=1, method="capacitated", demand=[100, 50, 80], capacity=[120, 120])
    assert one.unserved["demand"].sum() == pytest.approx(110.0)
    assert set(one.unserved["reason"]) == {"open sites full"}
    assert one.objective == pytest.approx(100 * 5 + 20 * 10)


@pytest.mark.parametrize("seed", range(6))
def test_single_source_capacitated_matches_brute_force(seed):
    rng = np.random.default_rng(200 + seed)
    n, m, p = 6, 4, 2
    D = rng.integers(1, 30, size=(n, m)).astype(float)
    a = rng.integers(5, 40, n).astype(float)
    cap = np.full(m, a.sum() * 0.6)
    best = np.inf
    for s in itertools.combinations(range(m), p):
        for choice in itertools.product(s, repeat=n):
            load = np.bincount(choice, weights=a, minlength=m)
            if (load <= cap).all():
                best = min(best, float((a * D[np.arange(n), choice]).sum()))
    r = locate_centres(D, p=p, method="capacitated", demand=a, capacity=cap, single_source=True)
    assert r.objective == pytest.approx(best)
    assert r.allocation.groupby("demand_point").size().max() == 1


def test_flooded_and_unreachable_candidates_are_excluded():
    costs = pd.DataFrame(
        [[60.0, 10.0, np.inf, 300.0], [90.0, 20.0, np.inf, 200.0], [400.0, 30.0, np.inf, 100.0]],
        index=["north", "centre", "south"],
        columns=["school", "church", "clinic", "stadium"],
    )
    depth = pd.Series({"school": 0.0, "church": 0.8, "clinic": 0.0, "stadium": np.nan})
    r = locate_centres(costs, p=1, candidate_depth_m=depth)
    assert r.excluded.loc["church", "reason"] == "flooded: 0.80 m > 0.15 m"
    assert r.excluded.loc["clinic", "reason"] == "unreachable from every demand point"
    assert r.open_sites == ["school"]
    assert r.objective == 550.0
    with pytest.raises(InputError, match="only 2 candidates remain"):
        locate_centres(costs, p=3, candidate_depth_m=depth)
    assert "excluded" in r._repr_html_()
    assert "p-median (milp)" in repr(r)


def test_cut_off_demand_is_reported():
    D = np.array([[10.0, 20.0], [np.inf, np.inf], [30.0, 5.0]])
    with pytest.warns(DrmWarning, match="cannot reach any usable candidate"):
        r = locate_centres(D, p=1, demand=[5, 7, 1])
    assert r.unserved.loc[1, "demand"] == 7
    assert r.unserved.loc[1, "reason"] == "no usable candidate reachable"
    assert r.objective == 5 * 10 + 1 * 30


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p": None}, "p must be"),
        ({"p": 1, "demand": [1.0, np.nan]}, "NaN is not allowed"),
        ({"p": 1, "method": "mclp"}, "coverage"),
        ({"p": 1, "method": "capacitated", "capacity": [0.0, 5.0]}, "positive number"),
        ({"p": 1, "method": "capacitated", "capacity": [5.0, 5.0], "solver": "heuristic"}, "no heuristic"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(InputError, match=match):
        locate_centres(np.array([[1.0, 2.0], [3.0, 4.0]]), **kwargs)


def test_costs_from_a_road_graph(rng):
    grid = nx.grid_2d_graph(8, 8)
    G = nx.MultiDiGraph()
    for u, v in grid.edges:
        t = float(rng.uniform(30, 90))
        G.add_edge(u[0] * 8 + u[1], v[0] * 8 + v[1], travel_time=t)
        G.add_edge(v[0] * 8 + v[1], u[0] * 8 + u[1], travel_time=t * 1.5)  # uphill one way
    demand = pd.DataFrame({"node": [0, 9, 27, 54, 63]}, index=list("abcde"))
    candidates = pd.DataFrame({"node": [18, 36, 45]}, index=["s1", "s2", "s3"])
    costs = location_costs(G, demand, candidates)
    ref = travel_times(G, [0, 9, 27, 54, 63], [18, 36, 45]).time_s
    np.testing.assert_allclose(costs.to_numpy(), ref, rtol=1e-12)
    assert list(costs.index) == list("abcde")
    assert list(costs.columns) == ["s1", "s2", "s3"]
    r = locate_centres(costs, p=2)
    assert r.objective == pytest.approx(_brute_pmedian(costs.to_numpy(), np.ones(5), 2))


def test_time_limit_keeps_the_best_plan_and_reports_the_gap(shared_data):
    folder = shared_data / "orlib-pmed"
    if not folder.is_dir():
        pytest.skip("OR-Library p-median instances not found")
    D, p, optimum = _orlib(folder, 6)  # pmed6 needs branching after the Lagrangian step
    r = locate_centres(D, p=p, solver="milp", time_limit_s=0.01)
    assert r.status.startswith("stopped")
    assert optimum <= r.objective <= locate_centres(D, p=p, solver="heuristic").objective
    lower = r.objective * (1 - r.gap)
    assert 0 < r.gap < 0.05
    assert lower <= optimum + 1e-6
