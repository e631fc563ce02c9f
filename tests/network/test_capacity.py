"""CCRP and the exact quickest evacuation on networks with known answers."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from drm.errors import InputError
from drm.network import ccrp, quickest_evacuation

DT = 60.0  # one step; capacities below are per step, i.e. x 60 per hour


def _road(G, u, v, steps, per_step):
    G.add_edge(u, v, travel_time=steps * DT, capacity_persons_h=per_step * 3600.0 / DT)


@pytest.mark.parametrize(("n", "c", "tau"), [(35, 10, 2), (100, 7, 3), (1, 5, 4), (50, 50, 1), (61, 4, 6)])
def test_single_bottleneck(n, c, tau):
    G = nx.MultiDiGraph()
    _road(G, "s", "t", tau, c)
    expected = tau + math.ceil(n / c) - 1
    exact = quickest_evacuation(G, {"s": n}, ["t"])
    plan = ccrp(G, {"s": n}, ["t"])
    assert exact.steps == expected
    assert exact.egress_time_s == expected * DT
    assert plan.egress_time_s == expected * DT  # one path: CCRP is optimal
    assert plan.evacuated_persons == n
    assert plan.stranded.empty


@pytest.mark.parametrize("n", [10, 50, 100, 333])
def test_two_parallel_routes(n):
    # a: 2 steps at 10 per step; b: 4 steps at 5 per step. By step T they deliver
    # 10 (T - 1) + 5 (T - 3), counting only positive terms.
    G = nx.MultiDiGraph()
    _road(G, "s", "a", 1, 10)
    _road(G, "a", "t", 1, 10)
    _road(G, "s", "b", 2, 5)
    _road(G, "b", "t", 2, 5)
    delivered = [10 * max(0, T - 1) + 5 * max(0, T - 3) for T in range(400)]
    expected = next(T for T, d in enumerate(delivered) if d >= n)
    exact = quickest_evacuation(G, {"s": n}, ["t"])
    assert exact.steps == expected
    assert ccrp(G, {"s": n}, ["t"]).egress_time_s >= exact.egress_time_s


@pytest.mark.parametrize(("n", "k"), [(50, 7), (20, 20), (9, 1)])
def test_node_capacity_binds(n, k):
    # wide roads, but at most k people at the junction m in any step: k pass per step
    G = nx.MultiDiGraph()
    _road(G, "s", "m", 1, 1000)
    _road(G, "m", "t", 2, 1000)
    expected = 1 + 2 + math.ceil(n / k) - 1
    assert quickest_evacuation(G, {"s": n}, ["t"], node_capacity={"m": k}).steps == expected
    assert ccrp(G, {"s": n}, ["t"], node_capacity={"m": k}).egress_time_s == expected * DT


def _random_network(seed):
    rng = np.random.default_rng(seed)
    G = nx.gnm_random_graph(9, 16, seed=seed, directed=True)
    H = nx.MultiDiGraph()
    H.add_nodes_from(G.nodes)
    for u, v in G.edges:
        _road(H, u, v, int(rng.integers(1, 4)), int(rng.integers(1, 6)))
    supply = {int(s): int(rng.integers(5, 30)) for s in rng.choice(range(1, 9), 3, replace=False)}
    node_cap = {n: int(rng.integers(3, 12)) for n in H.nodes}
    return H, supply, node_cap


def _check_feasible(G, plan, node_cap):
    """Re-play the schedule: every road and node within capacity in every step."""
    use_edge, at_node = {}, {}
    for r in plan.routes.itertuples():
        steps = [round(t / DT) for t in r.leg_depart_s]
        for k, (u, v) in enumerate(zip(r.nodes[:-1], r.nodes[1:], strict=True)):
            use_edge[(u, v, steps[k])] = use_edge.get((u, v, steps[k]), 0) + r.persons
            tau = round(G.edges[u, v, 0]["travel_time"] / DT)
            if k == 0:
                at_node[(u, steps[0])] = at_node.get((u, steps[0]), 0) + r.persons
            if k + 1 < len(steps):
                for t in range(steps[k] + tau, steps[k + 1] + 1):
                    at_node[(v, t)] = at_node.get((v, t), 0) + r.persons
            else:
                assert steps[k] + tau == round(r.arrive_s / DT)
    for (u, v, _), people in use_edge.items():
        assert people <= G.edges[u, v, 0]["capacity_persons_h"] * DT / 3600 + 1e-9
    for (n, _), people in at_node.items():
        assert people <= node_cap[n] + 1e-9


@pytest.mark.parametrize("seed", range(8))
def test_ccrp_is_feasible_and_never_beats_the_optimum(seed):
    G, supply, node_cap = _random_network(seed)
    sinks = [0]
    exact = quickest_evacuation(G, supply, sinks, node_capacity=node_cap)
    plan = ccrp(G, supply, sinks, node_capacity=node_cap)
    assert plan.evacuated_persons == pytest.approx(exact.evacuated_persons)
    assert plan.egress_time_s >= exact.egress_time_s
    _check_feasible(G, plan, node_cap)
    stranded = float(plan.stranded.sum())
    assert plan.evacuated_persons + stranded == pytest.approx(sum(supply.values()))


def test_sink_capacity_diverts_and_strands():
    G = nx.MultiDiGraph()
    _road(G, "s", "near", 1, 100)
    _road(G, "s", "far", 5, 100)
    plan = ccrp(G, {"s": 30}, {"near": 10, "far": 1000})
    loads = plan.routes.groupby("sink")["persons"].sum()
    assert loads["near"] == 10
    assert loads["far"] == 20
    assert plan.egress_time_s == 5 * DT
    full = ccrp(G, {"s": 30}, {"near": 10, "far": 5})
    assert float(full.stranded.sum()) == 15
    exact = quickest_evacuation(G, {"s": 30}, {"near": 10, "far": 5})
    assert exact.stranded_persons == 15
    assert exact.steps == 5


def test_people_at_a_centre_are_safe_at_once():
    G = nx.MultiDiGraph()
    _road(G, "s", "t", 3, 2)
    plan = ccrp(G, {"t": 12, "s": 4}, ["t"])
    assert plan.safe_at_start_persons == 12
    assert plan.arrivals().iloc[-1] == 16
    assert quickest_evacuation(G, {"t": 12}, ["t"]).steps == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"supply": {"s": np.nan}}, "finite"),
        ({"supply": {"s": -3}}, "finite"),
        ({"supply": {"x": 3}}, "not in the graph"),
        ({"sinks": []}, "sinks is empty"),
        ({"sinks": {"t": 0}}, "must be > 0"),
        ({"node_capacity": 0}, "node_capacity must be > 0"),
        ({"edge_capacity": "capacity_veh_h"}, "no 'capacity_veh_h'"),
    ],
)
def test_bad_input(kwargs, match):
    G = nx.MultiDiGraph()
    _road(G, "s", "t", 1, 1)
    args = {"supply": {"s": 3}, "sinks": ["t"], **kwargs}
    with pytest.raises(InputError, match=match):
        ccrp(G, args.pop("supply"), args.pop("sinks"), **args)


def test_results_read_well():
    G = nx.MultiDiGraph()
    _road(G, "s", "t", 2, 10)
    plan, exact = ccrp(G, {"s": 35}, ["t"]), quickest_evacuation(G, {"s": 35}, ["t"])
    assert "egress time: 5min (300 s)" in repr(plan)
    assert "minimum egress time: 5min (300 s)" in repr(exact)
    assert "<table>" in plan._repr_html_()
    assert "<table>" in exact._repr_html_()
