"""Shortest travel times and routes on a road graph (multi-source Dijkstra on CSR).

The graph is converted once to a :class:`~drm.network.RoadMatrix`
(:func:`~drm.network.road_matrix`) and searched with
:func:`scipy.sparse.csgraph.dijkstra`. Pass the matrix instead of the graph
to repeat queries without converting again. Travel times equal networkx's
Dijkstra (same sums along the same paths); an unreachable target gets an
infinite time, never an error.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from drm._display import ResultMixin, fmt_number, fmt_seconds
from drm.errors import InputError
from drm.network._matrix import RoadMatrix, road_matrix

__all__ = ["TravelTimes", "as_matrix", "route_edges", "travel_times"]

Direction = Literal["from_sources", "to_sources"]

#: Largest distance block (entries) computed at once; bounds memory to ~160 MB.
_BLOCK_ENTRIES = 20_000_000


def as_matrix(G: nx.Graph | RoadMatrix, weight: str) -> RoadMatrix:
    """Return ``G`` as a :class:`RoadMatrix` for ``weight`` (converting a graph once).

    Raises
    ------
    InputError
        If ``G`` is a matrix built for another weight.
    """
    if isinstance(G, RoadMatrix):
        if G.weight != weight:
            raise InputError(
                f"the RoadMatrix holds {G.weight!r} but weight={weight!r} was asked; "
                f"build one with road_matrix(G, {weight!r})"
            )
        return G
    return road_matrix(G, weight)


@dataclass(frozen=True, eq=False, repr=False)
class TravelTimes(ResultMixin):
    """Shortest travel times between sets of nodes.

    Attributes
    ----------
    sources, targets : numpy.ndarray
        Node ids.
    direction : {"from_sources", "to_sources"}
        ``"from_sources"``: times from each source to each target;
        ``"to_sources"``: from each target to each source (evacuees going to centres).
    time_s : numpy.ndarray or None
        ``(n_sources, n_targets)`` shortest times (weight units, s for
        ``travel_time``); ``inf`` where unreachable. None when only the
        nearest source was asked.
    nearest_time_s : numpy.ndarray
        Time between each target and its nearest source.
    nearest_source : numpy.ndarray
        Index into ``sources`` of that nearest source, -1 where none is reachable.
    matrix : RoadMatrix
        The graph the times were computed on (reuse it for further queries).
    """

    sources: np.ndarray
    targets: np.ndarray
    direction: Direction
    time_s: np.ndarray | None
    nearest_time_s: np.ndarray
    nearest_source: np.ndarray
    matrix: RoadMatrix
    _target_pos: np.ndarray = field(repr=False)
    _source_pos: np.ndarray = field(repr=False)
    _nearest_pred: np.ndarray | None = field(repr=False, default=None)

    def _summary(self) -> list[tuple[str, Any]]:
        reach = np.isfinite(self.nearest_time_s)
        finite = self.nearest_time_s[reach]
        return [
            ("direction", self.direction),
            ("sources", fmt_number(self.sources.size)),
            ("targets", fmt_number(self.targets.size)),
            ("reachable targets", f"{fmt_number(reach.sum())} ({reach.mean():.1%})"),
            ("median nearest time", fmt_seconds(float(np.median(finite))) if finite.size else "-"),
            ("max nearest time", fmt_seconds(float(finite.max())) if finite.size else "-"),
            ("weight", self.matrix.weight),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("nearest source", self.to_frame())]

    def plot(self) -> Any:
        """Cumulative share of the targets within each time of their nearest source.

        Returns
        -------
        matplotlib.figure.Figure
            One curve: the share of all targets (unreachable ones included, so it may
            stay below 100 %) against the time in minutes.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge("school", "a", travel_time=300.0); _ = G.add_edge("a", "b", travel_time=600.0)
        >>> fig = travel_times(G, ["school"]).plot()
        >>> fig.axes[0].get_xlabel()
        'time from the nearest source (min)'
        """
        import matplotlib.pyplot as plt

        from drm.plotting import OKABE_ITO

        n = self.targets.size
        times = np.sort(self.nearest_time_s[np.isfinite(self.nearest_time_s)]) / 60.0
        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
        ax.step(
            np.r_[0.0, times],
            100.0 * np.arange(times.size + 1) / max(n, 1),
            where="post",
            color=OKABE_ITO[4],
        )
        way = "from" if self.direction == "from_sources" else "to"
        ax.set_xlabel(f"time {way} the nearest source (min)")
        ax.set_ylabel("targets within that time (%)")
        ax.set_ylim(0, 102)
        ax.set_title(f"{n:,} targets, {n - times.size:,} unreachable")
        return fig

    def to_frame(self) -> pd.DataFrame:
        """Return one row per target: its nearest source and the time (inf: unreachable).

        Returns
        -------
        pandas.DataFrame
            Indexed by target node; columns ``nearest_source`` (node id or
            None) and ``time_s``.
        """
        src = np.empty(self.targets.size, dtype=object)
        ok = self.nearest_source >= 0
        src[ok] = self.sources[self.nearest_source[ok]]
        src[~ok] = None
        return pd.DataFrame(
            {"nearest_source": src, "time_s": self.nearest_time_s},
            index=pd.Index(self.targets, name="target"),
        )

    def route(self, target: Any, source: Any = None) -> list[Any]:
        """Return the nodes of a shortest route, in the direction of travel.

        Parameters
        ----------
        target : node id
            One of ``targets``.
        source : node id, optional
            One of ``sources``; default: the target's nearest source.

        Returns
        -------
        list
            Node ids from start to end (``[]`` when unreachable). With
            ``direction="to_sources"`` the route starts at the target.
        """
        M = self.matrix
        t = int(M.positions([target], "target")[0])
        if source is None:
            hits = np.flatnonzero(self._target_pos == t)
            if hits.size == 0:
                raise InputError(f"{target!r} is not one of the targets; pass source= to route to it")
            j = int(hits[0])
            if self.nearest_source[j] < 0:
                return []
            s = int(self._source_pos[self.nearest_source[j]])
            pred = self._nearest_pred
            if pred is None:
                pred = self._predecessors(s, float(self.nearest_time_s[j]))
        else:
            s = int(M.positions([source], "source")[0])
            pred = self._predecessors(s, np.inf)
        chain = [t]
        while chain[-1] != s:
            p = int(pred[chain[-1]])
            if p < 0:
                return []
            chain.append(p)
        if self.direction == "from_sources":
            chain.reverse()
        return M.nodes[chain].tolist()

    def _predecessors(self, s: int, limit: float) -> np.ndarray:
        csr = self.matrix.csr if self.direction == "from_sources" else self.matrix.transposed
        lim = limit * (1 + 1e-9) + 1e-9 if np.isfinite(limit) else np.inf
        _, pred = dijkstra(csr, indices=s, return_predecessors=True, limit=lim)
        return pred


def travel_times(
    G: nx.Graph | RoadMatrix,
    sources: Any,
    targets: Any = None,
    weight: str = "travel_time",
    *,
    direction: Direction = "from_sources",
    nearest_only: bool = False,
) -> TravelTimes:
    """Shortest travel times between sources and targets (multi-source Dijkstra).

    Parameters
    ----------
    G : networkx graph or RoadMatrix
        Road graph with the ``weight`` on every edge, or a matrix from
        :func:`~drm.network.road_matrix` (reused without conversion).
    sources : node id or sequence of node ids
        E.g. evacuation centres.
    targets : sequence of node ids, optional
        Default: every node of the graph.
    weight : str
        Edge attribute to minimise (``"travel_time"``, s).
    direction : {"from_sources", "to_sources"}
        Measure times from the sources to the targets, or from the targets
        to the sources (on the reversed graph: what evacuees need when
        sources are centres and roads are one-way).
    nearest_only : bool
        Compute only each target's nearest source in one multi-source search
        (fastest; ``time_s`` is then None).

    Returns
    -------
    TravelTimes

    Raises
    ------
    InputError
        Unknown nodes, no source, or a bad weight (see :func:`~drm.network.road_matrix`).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for u, v, t in [(0, 1, 10.0), (1, 2, 5.0), (2, 0, 1.0)]:
    ...     _ = G.add_edge(u, v, travel_time=t)
    >>> tt = travel_times(G, [0], [1, 2])
    >>> tt.time_s.tolist(), tt.route(2)
    ([[10.0, 15.0]], [0, 1, 2])
    >>> travel_times(G, [0], [1, 2], direction="to_sources").time_s.tolist()
    [[6.0, 1.0]]
    """
    if direction not in ("from_sources", "to_sources"):
        raise InputError(f"direction must be 'from_sources' or 'to_sources', got {direction!r}")
    M = as_matrix(G, weight)
    src_pos = M.positions(sources, "sources")
    if src_pos.size == 0:
        raise InputError("sources is empty; give at least one node")
    tgt_pos = np.arange(M.n_nodes) if targets is None else M.positions(targets, "targets")
    forward = M.csr if direction == "from_sources" else M.transposed
    pred = None
    if nearest_only:
        dist, pred, origin = dijkstra(
            forward, indices=src_pos, min_only=True, return_predecessors=True
        )
        first: dict[int, int] = {}
        for i, p in enumerate(src_pos.tolist()):
            first.setdefault(p, i)
        lut = np.full(M.n_nodes, -1, dtype=np.int64)
        lut[list(first)] = list(first.values())
        reached = origin[tgt_pos]
        nearest = np.where(reached >= 0, lut[np.maximum(reached, 0)], -1)
        time_s = None
        nearest_time = dist[tgt_pos]
    else:
        time_s = _time_block(M, src_pos, tgt_pos, direction)
        if time_s.shape[0]:
            nearest = np.argmin(time_s, axis=0)
            nearest_time = time_s[nearest, np.arange(tgt_pos.size)]
            nearest = np.where(np.isfinite(nearest_time), nearest, -1)
        else:
            nearest = np.full(tgt_pos.size, -1)
            nearest_time = np.full(tgt_pos.size, np.inf)
    return TravelTimes(
        sources=M.nodes[src_pos],
        targets=M.nodes[tgt_pos],
        direction=direction,
        time_s=time_s,
        nearest_time_s=nearest_time,
        nearest_source=nearest.astype(np.int64),
        matrix=M,
        _target_pos=tgt_pos,
        _source_pos=src_pos,
        _nearest_pred=pred,
    )


def _time_block(M: RoadMatrix, src: np.ndarray, tgt: np.ndarray, direction: Direction) -> np.ndarray:
    """Return times from ``src`` to ``tgt`` rows (or the reverse), searching from the smaller set."""
    n = M.n_nodes
    from_src = direction == "from_sources"
    flipped = tgt.size < src.size
    if flipped:  # search from the targets on the opposite graph, then transpose
        starts, ends, csr = tgt, src, (M.transposed if from_src else M.csr)
    else:
        starts, ends, csr = src, tgt, (M.csr if from_src else M.transposed)
    out = np.empty((starts.size, ends.size))
    step = max(1, _BLOCK_ENTRIES // n)
    for a in range(0, starts.size, step):
        out[a : a + step] = dijkstra(csr, indices=starts[a : a + step])[:, ends]
    return np.ascontiguousarray(out.T) if flipped else out


def route_edges(
    G: nx.MultiDiGraph, nodes: Sequence[Any], weight: str = "travel_time"
) -> list[tuple[Any, Any, Any]]:
    """Return the ``(u, v, key)`` edges of a node route, taking the cheapest parallel edge.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The graph the route was found on.
    nodes : sequence of node ids
        Route, in the direction of travel.
    weight : str
        Edge attribute used to choose between parallel edges.

    Returns
    -------
    list of tuple
        One ``(u, v, key)`` per leg.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(0, 1, travel_time=9.0); _ = G.add_edge(0, 1, travel_time=4.0)
    >>> route_edges(G, [0, 1])
    [(0, 1, 1)]
    """
    out = []
    for u, v in itertools.pairwise(nodes):
        if not G.has_edge(u, v):
            raise InputError(f"the route uses ({u!r}, {v!r}), which is not an edge of the graph")
        if not G.is_multigraph():
            out.append((u, v, 0))
            continue
        keys = G[u][v]
        key = min(keys, key=lambda k: float(keys[k].get(weight, np.inf)))
        out.append((u, v, key))
    return out
