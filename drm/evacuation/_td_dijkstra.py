"""Time-dependent earliest-arrival routing on a network whose edges close (private numba kernel).

Edges are numbered in CSR order by tail node, so the out-edges of node ``u``
are the ids ``indptr[u]:indptr[u+1]``. Travel times are constant (free flow);
an edge is usable if the traveller can finish it before it closes. With
constant travel times the network is FIFO, so Dijkstra on arrival times gives
earliest arrivals (Kaufman & Smith 1993, IVHS Journal 1(1)); the search stops
at the first target it settles.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from drm._heap import heap_pop, heap_push


@njit(cache=True)
def earliest_route(
    indptr,
    head,
    tail,
    tt,
    closes,
    is_target,
    start,
    t0,
    informed,
    best,
    pred,
    touched,
    heap_t,
    heap_n,
):
    """Edge ids of the earliest route from ``start`` (at ``t0``) to any target.

    Parameters
    ----------
    indptr : int64 array (nodes + 1)
        CSR row pointers; edge ids are CSR positions.
    head, tail : int64 arrays (by edge id)
        End and start node of each edge.
    tt, closes : float64 arrays (by edge id)
        Free-flow travel time (s) and closing time (s, ``inf`` if never).
    is_target : bool array (by node)
        Nodes holding a centre that can take people.
    start : int
        Start node.
    t0 : float
        Start time (s).
    informed : bool
        True: an edge is usable if it can be finished before it closes (the
        traveller knows the forecast). False: if it is open at ``t0``.
    best, pred, touched : float64, int64 and int64 work arrays (by node)
        ``best`` must hold ``inf`` and ``pred`` -1 on entry; both are restored on exit.
    heap_t, heap_n : float64 and int64 work arrays
        Heap storage, at least one longer than the number of edges.

    Returns
    -------
    numpy.ndarray of int64
        The route's edge ids in order; empty if ``start`` is a target; ``[-1]``
        if no target can be reached.
    """
    ntouch = 1
    touched[0] = start
    best[start] = t0
    heap_t[0] = t0
    heap_n[0] = start
    size = 1
    found = -1
    while size > 0:
        t = heap_t[0]
        u = heap_pop(heap_t, heap_n, size)
        size -= 1
        if t > best[u]:
            continue  # stale entry
        if is_target[u]:
            found = u
            break
        for e in range(indptr[u], indptr[u + 1]):
            arrive = t + tt[e]
            if informed:
                if arrive > closes[e]:
                    continue
            elif closes[e] <= t0:
                continue
            v = head[e]
            if arrive < best[v]:
                if best[v] == np.inf:
                    touched[ntouch] = v
                    ntouch += 1
                best[v] = arrive
                pred[v] = e
                heap_push(heap_t, heap_n, size, arrive, v)
                size += 1
    if found < 0:
        route = np.full(1, -1, dtype=np.int64)
    else:
        n = 0
        v = found
        while v != start:
            n += 1
            v = tail[pred[v]]
        route = np.empty(n, dtype=np.int64)
        v = found
        for m in range(n - 1, -1, -1):
            route[m] = pred[v]
            v = tail[pred[v]]
    for m in range(ntouch):
        w = touched[m]
        best[w] = np.inf
        pred[w] = -1
    return route
