"""Evacuation through real bottlenecks: CCRP routes and the exact quickest evacuation.

Both functions work on the same discrete model (time steps of ``time_step_s``):

* an edge takes ``ceil(travel_time / time_step_s)`` steps (at least 1) and
  admits ``edge_capacity x time_step_s / 3600`` evacuees per step (capacity
  given per hour, e.g. ``capacity_persons_h`` or ``capacity_veh_h``);
* at most ``node_capacity`` evacuees may be at a node during one step
  (arriving, waiting or passing through); none by default (unlimited);
* evacuees wait at home until they leave their source; a sink (evacuation
  centre) absorbs arrivals up to its capacity (unlimited by default);
* egress time = the step at which the last evacuee reaches a sink, times
  ``time_step_s``. Evacuees whose source is itself an open sink are safe at 0.

:func:`ccrp` is the Capacity Constrained Route Planner of Lu, George & Shekhar
(2005, SSTD, LNCS 3633, 291-307): fast, routes and schedules, not always optimal.
:func:`quickest_evacuation` finds the exact minimum egress time as the
smallest horizon ``T`` whose time-expanded network carries everybody to the
sinks (a maximum flow, solved as a linear program by HiGHS, with a binary
search on ``T``); it is meant for small networks and as the check on CCRP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from drm._display import ResultMixin, fmt_number, fmt_seconds
from drm.errors import InputError
from drm.network._matrix import object_array
from drm.network._time_expanded import max_flow_by

__all__ = ["CCRPResult", "QuickestEvacuation", "ccrp", "quickest_evacuation"]

_STARTED = "minutes after the evacuation starts"


@dataclass(frozen=True)
class _Model:
    """The graph as arrays for the discrete evacuation model."""

    nodes: list[Any]
    edges: list[tuple[Any, Any, Any]]
    indptr: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    tau: np.ndarray  # steps
    cap: np.ndarray  # evacuees per step
    node_cap: np.ndarray  # evacuees (inf: unlimited)
    supply: np.ndarray  # evacuees waiting at each node
    sink_cap: np.ndarray  # places at each sink (inf: unlimited), 0 elsewhere
    is_sink: np.ndarray
    safe_at_start: np.ndarray  # evacuees already at an open sink
    time_step_s: float


def _per_item(G: nx.Graph, spec: Any, kind: str, name: str) -> dict[Any, float]:
    """Resolve an attribute name, a mapping or a scalar into a value per edge or node."""
    items = list(G.edges(keys=True)) if kind == "edge" else list(G.nodes)
    if isinstance(spec, str):
        data = (lambda e: G.edges[e]) if kind == "edge" else (lambda n: G.nodes[n])
        missing = [i for i in items if spec not in data(i)]
        if missing:
            raise InputError(
                f"{name}: {len(missing)} {kind}(s) have no {spec!r} attribute (first: {missing[0]!r}); "
                "run drm.network.prepare_roads(G) or pass a number or a mapping"
            )
        return {i: float(data(i)[spec]) for i in items}
    if isinstance(spec, Mapping):
        return {i: float(spec.get(i, np.inf if kind == "node" else 0.0)) for i in items}
    value = float(spec)
    return dict.fromkeys(items, value)


def _model(
    G: nx.MultiDiGraph,
    supply: Mapping[Any, float],
    sinks: Iterable[Any] | Mapping[Any, float],
    edge_capacity: Any,
    node_capacity: Any,
    travel_time: Any,
    time_step_s: float,
) -> _Model:
    if not isinstance(G, nx.MultiDiGraph):
        raise InputError(f"expected a networkx.MultiDiGraph, got {type(G).__name__}")
    if not time_step_s > 0:
        raise InputError(f"time_step_s must be > 0, got {time_step_s!r}")
    nodes = list(G.nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    tt = _per_item(G, travel_time, "edge", "travel_time")
    cap_h = _per_item(G, edge_capacity, "edge", "edge_capacity")
    ncap = (
        dict.fromkeys(nodes, np.inf)
        if node_capacity is None
        else _per_item(G, node_capacity, "node", "node_capacity")
    )
    bad = [n for n, c in ncap.items() if not c > 0]
    if bad:
        raise InputError(f"node_capacity must be > 0 (or omitted: unlimited); node {bad[0]!r} has {ncap[bad[0]]!r}")
    bad_e = [e for e in tt if np.isnan(tt[e]) or tt[e] < 0 or np.isnan(cap_h[e]) or cap_h[e] < 0]
    if bad_e:
        raise InputError(
            f"edge {bad_e[0]!r} has travel time {tt[bad_e[0]]!r} and capacity {cap_h[bad_e[0]]!r}; "
            "both must be >= 0 (infinite travel time = closed road)"
        )
    edges = sorted(
        (e for e in tt if np.isfinite(tt[e]) and cap_h[e] > 0), key=lambda e: (pos[e[0]], pos[e[1]])
    )
    tail = np.array([pos[e[0]] for e in edges], dtype=np.int64)
    head = np.array([pos[e[1]] for e in edges], dtype=np.int64)
    indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=len(nodes)), out=indptr[1:])
    tau = np.array([max(1, int(np.ceil(tt[e] / time_step_s - 1e-9))) for e in edges], dtype=np.int64)
    cap = np.array([cap_h[e] * time_step_s / 3600.0 for e in edges], dtype=float)
    sup = np.zeros(len(nodes))
    for node, people in supply.items():
        if node not in pos:
            raise InputError(f"supply: node {node!r} is not in the graph")
        people = float(people)
        if not np.isfinite(people) or people < 0:
            raise InputError(f"supply at node {node!r} is {people!r}; give a finite number >= 0 of evacuees")
        sup[pos[node]] += people
    sink_cap = np.zeros(len(nodes))
    sink_items = sinks.items() if isinstance(sinks, Mapping) else ((s, np.inf) for s in sinks)
    for node, places in sink_items:
        if node not in pos:
            raise InputError(f"sinks: node {node!r} is not in the graph")
        if not float(places) > 0:
            raise InputError(f"sink {node!r} has capacity {places!r}; it must be > 0")
        sink_cap[pos[node]] = float(places)
    is_sink = sink_cap > 0
    if not is_sink.any():
        raise InputError("sinks is empty; give at least one evacuation centre node")
    safe = np.minimum(sup, np.where(is_sink, sink_cap, 0.0))
    return _Model(
        nodes=nodes,
        edges=edges,
        indptr=indptr,
        tail=tail,
        head=head,
        tau=tau,
        cap=cap,
        node_cap=np.array([ncap[n] for n in nodes], dtype=float),
        supply=sup - safe,
        sink_cap=np.where(is_sink, sink_cap - safe, 0.0),
        is_sink=is_sink,
        safe_at_start=safe,
        time_step_s=float(time_step_s),
    )


@dataclass(frozen=True, eq=False, repr=False)
class CCRPResult(ResultMixin):
    """Routes and schedules from the Capacity Constrained Route Planner.

    Attributes
    ----------
    routes : pandas.DataFrame
        One row per group: ``source``, ``sink``, ``persons``, ``depart_s``,
        ``arrive_s``, ``nodes`` (tuple, the route) and ``leg_depart_s``
        (tuple, when the group enters each road of the route).
    egress_time_s : float
        When the last evacuee reaches a sink (s); 0 if nobody had to move.
    stranded : pandas.Series
        Evacuees per source that no route can bring to an open sink.
    safe_at_start_persons : float
        Evacuees whose source is an open sink.
    time_step_s : float
        Length of a time step (s).
    """

    routes: pd.DataFrame
    egress_time_s: float
    stranded: pd.Series
    safe_at_start_persons: float
    time_step_s: float

    @property
    def evacuated_persons(self) -> float:
        """Evacuees who reach a sink (including those already at one)."""
        return float(self.routes["persons"].sum()) + self.safe_at_start_persons

    def arrivals(self) -> pd.Series:
        """Return the cumulative number of evacuees at sinks by time (s).

        Returns
        -------
        pandas.Series
            Indexed by arrival time in seconds.
        """
        by_time = self.routes.groupby("arrive_s")["persons"].sum().sort_index()
        return (by_time.cumsum() + self.safe_at_start_persons).rename("evacuated_persons")

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("egress time", fmt_seconds(self.egress_time_s)),
            ("evacuated", fmt_number(self.evacuated_persons)),
            ("stranded (no route to an open sink)", fmt_number(float(self.stranded.sum()))),
            ("groups routed", fmt_number(len(self.routes))),
            ("time step", fmt_seconds(self.time_step_s)),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("routes", self.routes), ("stranded", self.stranded.to_frame())]

    def plot(self) -> Any:
        """Cumulative evacuees at the sinks over time, with the egress time marked.

        Returns
        -------
        matplotlib.figure.Figure
            Persons arrived against minutes since the evacuation started, and
            everybody to evacuate (those stranded included).

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge("home", "school", travel_time=120.0, capacity_persons_h=600.0)
        >>> ccrp(G, {"home": 35}, ["school"]).plot().axes[0].get_ylabel()
        'persons arrived'
        """
        from drm.plotting import plot_arrivals

        arrived = self.arrivals()
        ax = plot_arrivals(
            np.r_[0.0, arrived.index.to_numpy(dtype=float)],
            np.r_[self.safe_at_start_persons, arrived.to_numpy()],
            total=self.evacuated_persons + float(self.stranded.sum()),
            clearance_s=self.egress_time_s,
            clearance_label="egress",
            xlabel=_STARTED,
        )
        ax.set_title("CCRP evacuation plan")
        return ax.figure


def ccrp(
    G: nx.MultiDiGraph,
    supply: Mapping[Any, float],
    sinks: Iterable[Any] | Mapping[Any, float],
    *,
    edge_capacity: Any = "capacity_persons_h",
    node_capacity: Any = None,
    travel_time: Any = "travel_time",
    time_step_s: float = 60.0,
) -> CCRPResult:
    """Plan evacuation routes and schedules with the Capacity Constrained Route Planner.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph (prepared, possibly flooded: closed edges are skipped).
    supply : mapping node -> evacuees
        People (or vehicles) waiting at each source node.
    sinks : iterable of nodes, or mapping node -> places
        Evacuation centres, unlimited or with a capacity.
    edge_capacity : str, mapping or float
        Edge attribute (per hour, e.g. ``"capacity_persons_h"``,
        ``"capacity_veh_h"``), a mapping ``(u, v, key) -> value`` or one value.
    node_capacity : str, mapping, float or None
        Evacuees a node holds at once; None: unlimited.
    travel_time : str, mapping or float
        Edge travel time in seconds.
    time_step_s : float
        Length of a time step (s).

    Returns
    -------
    CCRPResult

    Raises
    ------
    InputError
        Missing attributes, negative or NaN values, zero capacities, unknown nodes, no sink.

    Examples
    --------
    One road, 2 steps long, 10 people per step, 35 evacuees: the last group
    leaves at step 3 and arrives at step 5.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("home", "school", travel_time=120.0, capacity_persons_h=600.0)
    >>> ccrp(G, {"home": 35}, ["school"]).egress_time_s
    300.0
    """
    from drm.network._ccrp_kernel import run_ccrp  # numba: compiled on first use

    m = _model(G, supply, sinks, edge_capacity, node_capacity, travel_time, time_step_s)
    horizon = min(4096, int(max(16, 4 * (m.tau.sum() if m.tau.size else 1))))
    plan = run_ccrp(
        m.indptr, m.tail, m.head, m.tau, m.cap, m.node_cap, m.supply, m.sink_cap, m.is_sink, horizon
    )
    dt = m.time_step_s
    nodes = object_array(m.nodes)
    routes = pd.DataFrame(
        {
            "source": nodes[plan.source] if plan.flow else [],
            "sink": nodes[plan.sink] if plan.flow else [],
            "persons": np.asarray(plan.flow, dtype=float),
            "depart_s": np.array([d[0] * dt for d in plan.departures], dtype=float),
            "arrive_s": np.asarray(plan.arrival, dtype=float) * dt,
            "nodes": [
                (*nodes[m.tail[arcs]].tolist(), nodes[sink])
                for arcs, sink in zip(plan.arcs, plan.sink, strict=True)
            ],
            "leg_depart_s": [tuple((d * dt).tolist()) for d in plan.departures],
        }
    )
    stranded = pd.Series(plan.left, index=pd.Index(m.nodes, name="node"), name="stranded_persons")
    return CCRPResult(
        routes=routes,
        egress_time_s=float(max(plan.arrival) * dt) if plan.arrival else 0.0,
        stranded=stranded[stranded > 1e-9],
        safe_at_start_persons=float(m.safe_at_start.sum()),
        time_step_s=dt,
    )


@dataclass(frozen=True, eq=False, repr=False)
class QuickestEvacuation(ResultMixin):
    """The exact minimum egress time on the discrete model.

    Attributes
    ----------
    egress_time_s : float
        Minimum time for everybody who can reach a sink to reach one (s).
    steps : int
        The same as a number of time steps.
    evacuated_persons : float
        Evacuees brought to sinks (those already at one included).
    stranded_persons : float
        Evacuees no route or sink capacity can take.
    time_step_s : float
        Length of a time step (s).
    lp_solves : int
        Number of maximum-flow problems solved in the search.
    horizons : pandas.Series
        At the start and at each horizon the search solved (index
        ``horizon_s``, s): the most evacuees any plan brings to sinks by then
        (persons, those already at one included).
    """

    egress_time_s: float
    steps: int
    evacuated_persons: float
    stranded_persons: float
    time_step_s: float
    lp_solves: int
    horizons: pd.Series

    def _summary(self) -> list[tuple[str, Any]]:
        return [
            ("minimum egress time", fmt_seconds(self.egress_time_s)),
            ("steps", self.steps),
            ("evacuated", fmt_number(self.evacuated_persons)),
            ("stranded", fmt_number(self.stranded_persons)),
            ("max-flow problems solved", self.lp_solves),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("horizons", self.horizons.to_frame())]

    def plot(self) -> Any:
        """The most evacuees at sinks by each horizon solved, with the minimum egress time.

        Returns
        -------
        matplotlib.figure.Figure
            Persons at sinks against minutes since the evacuation started: a
            point per horizon solved, held until the next one (a lower bound in
            between), and everybody to evacuate.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge("home", "school", travel_time=120.0, capacity_persons_h=600.0)
        >>> quickest_evacuation(G, {"home": 35}, ["school"]).plot().axes[0].get_xlabel()
        'minutes after the evacuation starts'
        """
        from drm.plotting import OKABE_ITO, plot_arrivals

        t = self.horizons.index.to_numpy(dtype=float)
        persons = self.horizons.to_numpy()
        ax = plot_arrivals(
            t,
            persons,
            total=self.evacuated_persons + self.stranded_persons,
            clearance_s=self.egress_time_s,
            clearance_label="minimum egress",
            xlabel=_STARTED,
        )
        ax.plot(t[1:] / 60.0, persons[1:], "o", color=OKABE_ITO[4], label="horizons solved")
        ax.legend(fontsize="small", loc="lower right")
        ax.set_title("Quickest evacuation (maximum flow by each horizon)")
        return ax.figure


def quickest_evacuation(
    G: nx.MultiDiGraph,
    supply: Mapping[Any, float],
    sinks: Iterable[Any] | Mapping[Any, float],
    *,
    edge_capacity: Any = "capacity_persons_h",
    node_capacity: Any = None,
    travel_time: Any = "travel_time",
    time_step_s: float = 60.0,
) -> QuickestEvacuation:
    """Find the exact minimum egress time by maximum flow on a time-expanded network.

    The horizon is searched between the free-flow lower bound and CCRP's
    egress time (a feasible plan), bisecting on whether the network expanded
    over ``T`` steps carries everybody who can be evacuated at all. Use it on
    small networks (tens of nodes, hundreds of steps).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph (prepared, possibly flooded: closed edges are skipped).
    supply : mapping node -> evacuees
        People (or vehicles) waiting at each source node.
    sinks : iterable of nodes, or mapping node -> places
        Evacuation centres, unlimited or with a capacity (persons).
    edge_capacity : str, mapping or float
        Edge capacity per hour (persons/h or vehicles/h): an attribute name,
        a mapping ``(u, v, key) -> value`` or one value.
    node_capacity : str, mapping, float or None
        Evacuees a node holds at once (persons); None: unlimited.
    travel_time : str, mapping or float
        Edge travel time (s).
    time_step_s : float
        Length of a time step (s).

    Returns
    -------
    QuickestEvacuation
        The minimum egress time (s and steps) and who is evacuated or stranded.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("home", "school", travel_time=120.0, capacity_persons_h=600.0)
    >>> quickest_evacuation(G, {"home": 35}, ["school"]).steps  # 2 + ceil(35 / 10) - 1
    5
    """
    m = _model(G, supply, sinks, edge_capacity, node_capacity, travel_time, time_step_s)
    plan = ccrp(
        G, supply, sinks, edge_capacity=edge_capacity, node_capacity=node_capacity,
        travel_time=travel_time, time_step_s=time_step_s,
    )
    safe = float(m.safe_at_start.sum())
    solved: list[tuple[int, float]] = []

    def flow_by(steps: int) -> float:
        solved.append((steps, max_flow_by(m, steps)))
        return solved[-1][1]

    target = plan.evacuated_persons - safe
    total = float(m.supply.sum())
    hi = max(1, round(plan.egress_time_s / m.time_step_s))
    if total > 0:
        # CCRP may strand people an optimal plan would place (full sinks); check with a long horizon
        target = max(target, flow_by(hi + int(m.tau.sum()) + 1))
    if target <= 1e-9:
        return QuickestEvacuation(
            0.0, 0, safe, total, m.time_step_s, len(solved), _horizons(solved, safe, m.time_step_s)
        )
    while flow_by(hi) < target * (1 - 1e-9) - 1e-9:
        hi *= 2
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if flow_by(mid) >= target * (1 - 1e-9) - 1e-9:
            hi = mid
        else:
            lo = mid
    return QuickestEvacuation(
        egress_time_s=hi * m.time_step_s,
        steps=hi,
        evacuated_persons=target + safe,
        stranded_persons=total - target,
        time_step_s=m.time_step_s,
        lp_solves=len(solved),
        horizons=_horizons(solved, safe, m.time_step_s),
    )


def _horizons(solved: list[tuple[int, float]], safe: float, time_step_s: float) -> pd.Series:
    """Evacuees at sinks (persons) by each horizon solved, and by 0 (those already there), by time (s)."""
    by_steps = dict([(0, 0.0), *solved])
    steps = sorted(by_steps)
    return pd.Series(
        [by_steps[k] + safe for k in steps],
        index=pd.Index(np.asarray(steps, dtype=float) * time_step_s, name="horizon_s"),
        name="evacuated_persons",
    )
