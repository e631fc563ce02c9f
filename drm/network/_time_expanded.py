"""Maximum flow on the time-expanded evacuation network (the exact check on CCRP).

Every road node ``i`` gets two copies per step ``t``: ``in(i, t)`` and
``out(i, t)``. Arcs, with their capacities:

* home of a source -> ``in(i, t)``: leaving home at step ``t`` (unlimited;
  the home holds the source's evacuees);
* ``in(i, t)`` -> ``out(i, t)``: being at node ``i`` during step ``t``
  (node capacity);
* ``out(i, t)`` -> ``in(i, t + 1)``: waiting one step;
* ``out(u, t)`` -> ``in(v, t + tau)``: entering edge ``(u, v)`` at ``t``
  (edge capacity per step);
* ``in(j, t)`` -> hub of sink ``j`` -> super sink: arriving at a centre
  (the hub -> super sink arc carries the centre's capacity).

Copies that no source reaches in time, or from which no sink is reachable by
the horizon, are left out. The maximum flow is solved as a linear program with
HiGHS; its value is the number of evacuees at the sinks by step ``T``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import dijkstra

from drm.errors import SolverError

__all__ = ["max_flow_by"]


def _steps(m: Any, starts: np.ndarray, reverse: bool) -> np.ndarray:
    """Fewest steps from any of ``starts`` to every node (or from every node to them)."""
    n = len(m.nodes)
    if starts.size == 0:
        return np.full(n, np.inf)
    rows, cols = (m.head, m.tail) if reverse else (m.tail, m.head)
    # parallel arcs: keep the shortest (coo -> csr would add them up)
    order = np.lexsort((m.tau, cols, rows))
    r, c, w = rows[order], cols[order], m.tau[order].astype(float)
    first = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
    graph = sp.csr_array((w[first], (r[first], c[first])), shape=(n, n))
    return dijkstra(graph, indices=starts, min_only=True)


def max_flow_by(m: Any, horizon: int) -> float:
    """Return how many evacuees can be at sinks by step ``horizon`` (LP maximum flow)."""
    sources = np.flatnonzero(m.supply > 1e-12)
    sinks = np.flatnonzero(m.is_sink & (m.sink_cap > 1e-12))
    if sources.size == 0 or sinks.size == 0:
        return 0.0
    early = _steps(m, sources, reverse=False)
    to_sink = _steps(m, sinks, reverse=True)
    late = horizon - to_sink
    live = np.isfinite(early) & np.isfinite(late) & (early <= late)
    first = np.where(live, early, 0).astype(np.int64)
    count = np.where(live, late - early + 1, 0).astype(np.int64)
    offset = np.r_[0, np.cumsum(count)]
    P = int(offset[-1])
    if P == 0:
        return 0.0
    pair_node = np.repeat(np.arange(len(m.nodes)), count)
    pair_time = np.arange(P) - offset[pair_node] + first[pair_node]

    def pair(i: np.ndarray, t: np.ndarray) -> np.ndarray:
        return offset[i] + t - first[i]

    frm, to, ub, kind = [], [], [], []
    # leaving home (from = -1: no conservation row)
    src_pairs = np.flatnonzero(np.isin(pair_node, sources) & (m.supply[pair_node] > 1e-12))
    frm.append(np.full(src_pairs.size, -1))
    to.append(src_pairs)
    ub.append(np.full(src_pairs.size, np.inf))
    kind.append(np.zeros(src_pairs.size, dtype=np.int64))
    # being at a node during a step: in (id p) -> out (id P + p)
    frm.append(np.arange(P))
    to.append(P + np.arange(P))
    ub.append(m.node_cap[pair_node])
    kind.append(np.ones(P, dtype=np.int64))
    # waiting
    wait = np.flatnonzero(pair_time < first[pair_node] + count[pair_node] - 1)
    frm.append(P + wait)
    to.append(wait + 1)
    ub.append(np.full(wait.size, np.inf))
    kind.append(np.ones(wait.size, dtype=np.int64))
    # moving along arcs
    for e in range(m.head.size):
        u, v, tau = m.tail[e], m.head[e], m.tau[e]
        if not (live[u] and live[v]):
            continue
        t0 = max(first[u], first[v] - tau)
        t1 = min(first[u] + count[u] - 1, first[v] + count[v] - 1 - tau)
        if t1 < t0:
            continue
        t = np.arange(t0, t1 + 1)
        frm.append(P + pair(np.full(t.size, u), t))
        to.append(pair(np.full(t.size, v), t + tau))
        ub.append(np.full(t.size, m.cap[e]))
        kind.append(np.ones(t.size, dtype=np.int64))
    # arriving at a sink hub (id 2P + j), hub -> super sink (to = -1)
    hub = np.full(len(m.nodes), -1)
    hub[sinks] = 2 * P + np.arange(sinks.size)
    absorb = np.flatnonzero(hub[pair_node] >= 0)
    frm.append(absorb)
    to.append(hub[pair_node[absorb]])
    ub.append(np.full(absorb.size, np.inf))
    kind.append(np.ones(absorb.size, dtype=np.int64))
    frm.append(2 * P + np.arange(sinks.size))
    to.append(np.full(sinks.size, -1))
    ub.append(m.sink_cap[sinks])
    kind.append(np.full(sinks.size, 2, dtype=np.int64))
    f, t_, u_, k = (np.concatenate(x) for x in (frm, to, ub, kind))
    nvar, nrow = f.size, 2 * P + sinks.size
    var = np.arange(nvar)
    A_eq = sp.csr_array(
        (
            np.r_[np.ones(np.count_nonzero(t_ >= 0)), -np.ones(np.count_nonzero(f >= 0))],
            (np.r_[t_[t_ >= 0], f[f >= 0]], np.r_[var[t_ >= 0], var[f >= 0]]),
        ),
        shape=(nrow, nvar),
    )
    dep = np.flatnonzero(k == 0)
    src_row = np.searchsorted(sources, pair_node[t_[dep]])
    A_ub = sp.csr_array((np.ones(dep.size), (src_row, dep)), shape=(sources.size, nvar))
    c = np.where(k == 2, -1.0, 0.0)
    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=m.supply[sources],
        A_eq=A_eq,
        b_eq=np.zeros(nrow),
        bounds=np.column_stack([np.zeros(nvar), u_]),
        method="highs",
    )
    if res.status != 0:
        raise SolverError(f"quickest evacuation: HiGHS failed on the max-flow problem ({res.message})")
    return float(-res.fun)
