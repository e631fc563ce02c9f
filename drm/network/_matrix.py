"""A road graph as a compressed sparse row (CSR) matrix, built once and reused.

networkx's ``to_scipy_sparse_array`` walks the graph edge by edge in Python
(3.2 s for a 1 M-node road graph on the project machine). :func:`road_matrix`
reads networkx's adjacency dictionaries with C-level iterators instead
(``itertools.chain`` + ``numpy.fromiter``), so only the unavoidable dictionary
lookups are paid; integer node ids (OSM ids, generated grids) are mapped to
rows with ``numpy.searchsorted`` instead of a dictionary.

Parallel edges between the same pair of nodes collapse to the cheapest one;
edges whose weight is infinite (roads closed by the flood) are left out, so
they never carry a path. Row ``i`` of the matrix is ``nodes[i]``, in the
graph's own node order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from drm.errors import InputError

__all__ = ["RoadMatrix", "object_array", "road_matrix"]

_INT_TYPES = (int, np.integer)


@dataclass(frozen=True, eq=False)
class RoadMatrix:
    """A road graph's cheapest edge weights as a CSR matrix, for repeated queries.

    Build it with :func:`road_matrix`; pass it wherever a graph is accepted
    (:func:`drm.network.travel_times`, :func:`drm.network.assign`) to skip the
    conversion.

    Attributes
    ----------
    nodes : numpy.ndarray
        Node id of each row (int64 when the graph's ids are integers, object otherwise).
    csr : scipy.sparse.csr_array
        ``csr[i, j]`` is the weight of the cheapest edge from ``nodes[i]`` to
        ``nodes[j]`` (explicit zeros are zero-weight edges).
    weight : str
        Edge attribute the matrix holds (``"travel_time"``: seconds).
    n_edges : int
        Number of directed edges in the graph, parallel edges included (an
        undirected edge counts twice).
    n_closed : int
        Edges left out because their weight is infinite (closed roads).
    """

    nodes: np.ndarray
    csr: sp.csr_array
    weight: str
    n_edges: int
    n_closed: int

    def __repr__(self) -> str:
        return (
            f"RoadMatrix({self.n_nodes} nodes, {self.csr.nnz} node pairs from {self.n_edges} edges, "
            f"weight={self.weight!r}, {self.n_closed} closed edges left out)"
        )

    @property
    def n_nodes(self) -> int:
        """Number of nodes (rows)."""
        return int(self.nodes.size)

    @cached_property
    def transposed(self) -> sp.csr_array:
        """The reversed graph as CSR (for times *to* a set of nodes)."""
        return self.csr.T.tocsr()

    @cached_property
    def _lookup(self) -> Any:
        if self.nodes.dtype != object:
            order = np.argsort(self.nodes, kind="stable")
            return order, self.nodes[order]
        return {n: i for i, n in enumerate(self.nodes.tolist())}

    def positions(self, nodes: Any, name: str = "nodes") -> np.ndarray:
        """Return the row of each node id.

        Parameters
        ----------
        nodes : node id or iterable of node ids
            Nodes of the graph.
        name : str
            What the nodes are, for messages (``"sources"``).

        Returns
        -------
        numpy.ndarray of int64

        Raises
        ------
        InputError
            If a node is not in the graph.
        """
        items = _as_list(nodes)
        lookup = self._lookup
        if isinstance(lookup, dict):
            missing = [x for x in items if x not in lookup]
            if not missing:
                return np.fromiter((lookup[x] for x in items), np.int64, len(items))
        else:
            order, sorted_ids = lookup
            missing = [x for x in items if not isinstance(x, _INT_TYPES) or isinstance(x, bool)]
            if not missing:
                wanted = np.asarray(items, dtype=np.int64)
                at = np.clip(np.searchsorted(sorted_ids, wanted), 0, sorted_ids.size - 1)
                found = sorted_ids[at] == wanted
                if found.all():
                    return order[at].astype(np.int64)
                missing = wanted[~found].tolist()
        raise InputError(
            f"{name}: {len(missing)} node(s) are not in the road graph (first: {missing[0]!r}); "
            "snap points to the graph with drm.network.nearest_nodes() first"
        )


def object_array(items: list[Any]) -> np.ndarray:
    """Return a 1-D object array of ``items`` (tuples stay elements, not rows)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _as_list(nodes: Any) -> list[Any]:
    if isinstance(nodes, np.ndarray):
        return nodes.ravel().tolist()
    if isinstance(nodes, (str, bytes, tuple)) or not isinstance(nodes, Iterable):
        return [nodes]  # a tuple is one node id (networkx grid graphs), not a list of nodes
    return list(nodes)


def _columns(adj: Mapping[Any, Any], order: list[Any], m: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the node-id array and the row of every adjacency entry's neighbour."""
    n = len(order)
    if set(map(type, order)) <= {int, np.int64, np.int32, np.intp}:
        ids = np.fromiter(order, np.int64, n)
        targets = np.fromiter(chain.from_iterable(adj.values()), np.int64, m)
        if np.array_equal(ids, np.arange(n)):
            return ids, targets
        if n > 1 and np.all(ids[1:] > ids[:-1]):
            return ids, np.searchsorted(ids, targets)
        sorter = np.argsort(ids, kind="stable")
        return ids, sorter[np.searchsorted(ids, targets, sorter=sorter)]
    index = dict(zip(order, range(n), strict=True))
    cols = np.fromiter(map(index.__getitem__, chain.from_iterable(adj.values())), np.int64, m)
    return object_array(order), cols


def _weights(
    G: nx.Graph, adj: Mapping[Any, Any], m: int, weight: str
) -> tuple[np.ndarray, int, int]:
    """Return the cheapest weight per adjacency entry, the edge count and the closed-edge count."""
    get = itemgetter(weight)
    try:
        if G.is_multigraph():
            datadicts = chain.from_iterable(
                map(dict.values, chain.from_iterable(map(dict.values, adj.values())))
            )
            w = np.fromiter(map(get, datadicts), np.float64)
            n_edges = w.size
            n_inf = int(np.isinf(w).sum())
            if n_edges > m:  # parallel edges: count them (a second pass), keep the cheapest
                keydicts = chain.from_iterable(map(dict.values, adj.values()))
                mult = np.fromiter(map(len, keydicts), np.int64, m)
                w = np.minimum.reduceat(w, np.r_[0, np.cumsum(mult)[:-1]])
        else:
            n_edges = m
            w = np.fromiter(map(get, chain.from_iterable(map(dict.values, adj.values()))), np.float64, m)
            n_inf = int(np.isinf(w).sum())
    except KeyError:
        u, v = next((u, v) for u, v, d in G.edges(data=True) if weight not in d)
        raise InputError(
            f"edge ({u!r}, {v!r}) has no {weight!r} attribute; run drm.network.prepare_roads(G) "
            f"to add speed_kph and travel_time, or choose another weight"
        ) from None
    except (TypeError, ValueError):
        u, v, bad = next(
            (u, v, d[weight]) for u, v, d in G.edges(data=True) if not _is_number(d[weight])
        )
        raise InputError(
            f"edge ({u!r}, {v!r}) has {weight} = {bad!r}, which is not a number; "
            "convert the attribute to float (GraphML stores text)"
        ) from None
    return w, n_edges, n_inf


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, str)


def road_matrix(G: nx.Graph, weight: str = "travel_time") -> RoadMatrix:
    """Convert a road graph to a :class:`RoadMatrix` for fast shortest paths.

    Parameters
    ----------
    G : networkx.Graph, DiGraph, MultiGraph or MultiDiGraph
        Road graph (OSMnx conventions). Undirected graphs give both directions.
    weight : str
        Edge attribute to hold, e.g. ``"travel_time"`` (s) or ``"length"`` (m).

    Returns
    -------
    RoadMatrix

    Raises
    ------
    InputError
        If the graph is empty, or an edge lacks the weight, or a weight is
        NaN, negative or not a number.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", travel_time=5.0)
    0
    >>> G.add_edge("a", "b", travel_time=3.0)
    1
    >>> M = road_matrix(G)
    >>> M.csr[[0], [1]]
    array([3.])
    """
    if not isinstance(G, nx.Graph):
        raise InputError(f"expected a networkx road graph, got {type(G).__name__}")
    adj = G._adj  # networkx's dict-of-dicts; read directly for speed, never modified
    n = len(adj)
    if n == 0:
        raise InputError("the road graph has no nodes")
    order = list(adj)
    deg = np.fromiter(map(len, adj.values()), np.int64, n)
    m = int(deg.sum())
    nodes, cols = _columns(adj, order, m)
    w, n_edges, n_closed = _weights(G, adj, m, weight)
    if np.isnan(w).any():
        u, v, bad = next(
            (u, v, x) for u, v, x in G.edges(data=weight) if x is None or np.isnan(float(x))
        )
        raise InputError(
            f"edge ({u!r}, {v!r}) has {weight} = {bad!r} (NaN or missing); fix or drop such edges "
            f"({int(np.isnan(w).sum())} entries)"
        )
    if (w < 0).any():
        raise InputError(
            f"{int((w < 0).sum())} edges have a negative {weight} (min {w.min():g}); "
            "travel costs must be >= 0"
        )
    open_ = np.isfinite(w)
    if not open_.all():
        rows = np.repeat(np.arange(n), deg)[open_]
        cols, w = cols[open_], w[open_]
        deg = np.bincount(rows, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(deg, out=indptr[1:])
    idx_dtype = np.int32 if max(n, indptr[-1]) < np.iinfo(np.int32).max else np.int64
    csr = sp.csr_array(
        (w, cols.astype(idx_dtype, copy=False), indptr.astype(idx_dtype, copy=False)), shape=(n, n)
    )
    return RoadMatrix(nodes=nodes, csr=csr, weight=weight, n_edges=n_edges, n_closed=n_closed)
