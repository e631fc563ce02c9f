"""Core of the Capacity Constrained Route Planner (Lu, George & Shekhar 2005).

Discrete time in steps. Arc ``e`` from ``tail[e]`` to ``head[e]`` takes
``tau[e] >= 1`` steps and admits ``cap[e]`` evacuees per step; at most
``node_cap[i]`` evacuees may be at node ``i`` during a step (arriving, waiting
or passing); evacuees wait at home for free before leaving their source; an
open sink absorbs arrivals up to its remaining capacity. Free capacity is kept
per (arc, step) and (node, step) in arrays that grow with the horizon.

Each iteration finds, with a Dijkstra-like search from all sources at once
(the paper's super source, compiled with numba), the route that reaches an
open sink earliest given the capacity still free, sends as many evacuees along
it as the tightest resource allows, and reserves them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from drm._heap import heap_pop, heap_push

EPS = 1e-9


@njit(cache=True)
def earliest_route(indptr, head, tau, node_cap, home, sink_open, edge_av, node_av, full_until,
                   arrival, pred, dep):
    """Search the earliest arrival at an open sink; fill ``arrival``, ``pred``, ``dep``.

    Returns the sink reached (-1: none), or -2 when the horizon must grow first.
    """
    n = indptr.size - 1
    horizon = edge_av.shape[1]
    hk = np.empty(head.size + n + 1)
    hn = np.empty(head.size + n + 1, np.int64)
    size = 0
    settled = np.zeros(n, np.bool_)
    arrival[:] = np.iinfo(np.int64).max
    pred[:] = -1
    for s in range(n):
        if home[s]:
            arrival[s] = 0
            heap_push(hk, hn, size, 0.0, s)
            size += 1
    while size > 0:
        u = heap_pop(hk, hn, size)
        size -= 1
        if settled[u]:
            continue
        settled[u] = True
        if sink_open[u] and not home[u]:
            return u
        a = arrival[u]
        free_wait = home[u] or node_cap[u] == np.inf
        for e in range(indptr[u], indptr[u + 1]):
            v = head[e]
            if settled[v]:
                continue
            t = max(a, full_until[e]) if free_wait else a
            while True:
                if t + tau[e] >= horizon:
                    return -2
                if node_av[u, t] <= EPS:
                    if home[u]:
                        t += 1
                        continue
                    t = -1  # cannot wait here any longer
                    break
                if edge_av[e, t] > EPS and (sink_open[v] or node_av[v, t + tau[e]] > EPS):
                    break
                t += 1
            if t < 0:
                continue
            if t + tau[e] < arrival[v]:
                arrival[v] = t + tau[e]
                pred[v] = e
                dep[v] = t
                heap_push(hk, hn, size, float(t + tau[e]), v)
                size += 1
    return -1


@dataclass
class Plan:
    """Routes found by :func:`run_ccrp` (arrays, one entry per group or per leg)."""

    flow: list[float]
    source: list[int]
    sink: list[int]
    arrival: list[int]
    arcs: list[np.ndarray]
    departures: list[np.ndarray]
    left: np.ndarray


def run_ccrp(indptr, tail, head, tau, cap, node_cap, supply, sink_left, is_sink, horizon) -> Plan:
    """Plan routes until no source with evacuees can reach an open sink."""
    n, m = indptr.size - 1, head.size
    supply = supply.astype(float).copy()
    sink_left = sink_left.astype(float).copy()
    edge_av = np.repeat(cap[:, None], horizon, axis=1)
    node_av = np.repeat(node_cap[:, None], horizon, axis=1)
    full_until = np.zeros(m, np.int64)
    arrival = np.empty(n, np.int64)
    pred = np.empty(n, np.int64)
    dep = np.empty(n, np.int64)
    plan = Plan([], [], [], [], [], [], supply)
    while True:
        home = supply > EPS
        if not home.any():
            break
        goal = earliest_route(indptr, head, tau, node_cap, home, is_sink & (sink_left > EPS),
                              edge_av, node_av, full_until, arrival, pred, dep)
        if goal == -2:  # reservations reach the end of the arrays: double the horizon
            edge_av = np.hstack([edge_av, np.repeat(cap[:, None], edge_av.shape[1], axis=1)])
            node_av = np.hstack([node_av, np.repeat(node_cap[:, None], node_av.shape[1], axis=1)])
            continue
        if goal < 0:
            break
        arcs, deps = [], []
        v = goal
        while not home[v]:
            arcs.append(pred[v])
            deps.append(dep[v])
            v = tail[pred[v]]
        src = v
        arcs_a, deps_a = np.array(arcs[::-1]), np.array(deps[::-1])
        # the bottleneck: evacuees left, places left, each road at its step, each node while held
        stays = [(tail[arcs_a[k]], deps_a[k - 1] + tau[arcs_a[k - 1]], deps_a[k] + 1)
                 for k in range(1, arcs_a.size)]
        flow = min(supply[src], sink_left[goal], node_av[src, deps_a[0]],
                   float(edge_av[arcs_a, deps_a].min()),
                   min((float(node_av[w, a:b].min()) for w, a, b in stays), default=np.inf))
        node_av[src, deps_a[0]] -= flow
        edge_av[arcs_a, deps_a] -= flow
        for w, a, b in stays:
            node_av[w, a:b] -= flow
        for e in arcs_a:
            while full_until[e] < edge_av.shape[1] and edge_av[e, full_until[e]] <= EPS:
                full_until[e] += 1
        supply[src] -= flow
        sink_left[goal] -= flow
        plan.flow.append(float(flow))
        plan.source.append(int(src))
        plan.sink.append(int(goal))
        plan.arrival.append(int(arrival[goal]))
        plan.arcs.append(arcs_a)
        plan.departures.append(deps_a)
    plan.left = supply
    return plan
