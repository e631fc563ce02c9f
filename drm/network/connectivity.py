"""Connectivity of a road network as the data comes, reported before any flood is run.

:func:`connectivity_report` answers, for a road graph as read (or prepared):

* how much of the network is one strongly connected part (every node reaches
  every other): its share of the nodes and of the road length, each two-way
  road counted once (:func:`drm.io.roads.back_edges`);
* which centres snap (to their nearest node, as the scenario snaps them) outside it;
* which warehouse -> centre pairs have no drivable path (one
  :func:`scipy.sparse.csgraph.dijkstra` per warehouse over the road matrix);
* which origins (population cells) reach no centre at all;
* line ends that stop within :data:`NEAR_MISS_M` of another road without
  sharing a vertex, the usual reason hand-drawn roads fall apart.

Nothing here raises for a disconnected network: the report's
:meth:`ConnectivityReport.problems` gives the messages a scenario's
``validate`` lists, :meth:`ConnectivityReport.notes` the softer ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from drm._display import ResultMixin, fmt_number
from drm.errors import InputError
from drm.io.roads import back_edges
from drm.network._matrix import RoadMatrix, road_matrix
from drm.network.roads import connectivity, nearest_nodes, prepare_roads

__all__ = ["MIN_CONNECTED_SHARE", "NEAR_MISS_M", "ConnectivityReport", "connectivity_report"]

#: Below this share of road length in the largest strongly connected part, the network is a problem.
MIN_CONNECTED_SHARE = 0.9
#: A dead end this close (m) to another road that it does not touch is a junction drawn unsnapped.
NEAR_MISS_M = 1.0
_LIST = 8  # ids named in one message


def _ids(values: list[Any]) -> str:
    head = ", ".join(str(v) for v in values[:_LIST])
    return head + (f" and {len(values) - _LIST} more" if len(values) > _LIST else "")


@dataclass(frozen=True, eq=False, repr=False)
class ConnectivityReport(ResultMixin):
    """How well a road network holds together, and who cannot reach whom.

    Attributes
    ----------
    mode : str or None
        Travel mode the network was checked for (``"drive"``, ``"walk"``; None: as given).
    n_nodes : int
        Nodes with at least one road usable by the mode (count).
    n_nodes_largest : int
        Of those, nodes in the largest strongly connected part (count).
    n_unusable_nodes : int
        Nodes only on roads the mode cannot use (footways for cars), left out of the shares (count).
    n_components : int
        Strongly connected parts among the usable nodes (count).
    length_m : float
        Length of the usable roads, each two-way road once (m).
    length_largest_m : float
        Of it, the length inside the largest part (m).
    near_misses : pandas.DataFrame
        Dead ends lying within :data:`NEAR_MISS_M` of a road they do not
        touch: index ``node``; columns ``x``, ``y`` (m) and ``distance_m``.
    centres : pandas.DataFrame
        Index: centre id; ``x``, ``y`` (m), ``node`` (nearest road node),
        ``snap_distance_m`` (m) and ``in_largest`` (bool).
    warehouses : pandas.DataFrame
        Index: warehouse id; ``x``, ``y``, ``node``, ``snap_distance_m`` (m), ``in_largest``
        and ``centres_reached`` (count); empty without warehouses.
    unreachable : pandas.DataFrame
        Warehouse -> centre pairs with no path for the mode: columns ``warehouse``, ``centre``.
    origins : pandas.DataFrame
        The origins given (``x``, ``y`` in m, ``persons`` when given) with
        ``node``, ``snap_distance_m`` (m) and ``reaches_centre`` (bool); empty without origins.
    """

    mode: str | None
    n_nodes: int
    n_nodes_largest: int
    n_unusable_nodes: int
    n_components: int
    length_m: float
    length_largest_m: float
    near_misses: pd.DataFrame
    centres: pd.DataFrame
    warehouses: pd.DataFrame
    unreachable: pd.DataFrame
    origins: pd.DataFrame

    def plot(self) -> Any:
        """Map of the centres, warehouses, origins and near misses, red where cut off.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 6), layout="constrained")
        layers = [
            (self.centres, "in_largest", "s", "centres"),
            (self.warehouses, "in_largest", "^", "warehouses"),
            (self.origins, "reaches_centre", ".", "origins"),
        ]
        for table, ok_column, marker, label in layers:
            if len(table) == 0:
                continue
            ok = table[ok_column].to_numpy(bool)
            for mask, colour, state in ((ok, "#009E73", "connected"), (~ok, "#D55E00", "cut off")):
                if mask.any():
                    ax.scatter(table["x"][mask], table["y"][mask], marker=marker, color=colour,
                               edgecolor="k", linewidths=0.4, label=f"{label}, {state}")  # fmt: skip
        if len(self.near_misses):
            ax.scatter(self.near_misses["x"], self.near_misses["y"], marker="x", color="#CC79A7",
                       label="dead end near another road")  # fmt: skip
        ax.set_aspect("equal")
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
        ax.set_title(
            f"Largest connected part: {100 * self.share_nodes:.1f} % of nodes, "
            f"{100 * self.share_length:.1f} % of length"
        )
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best")
        return fig

    @property
    def share_nodes(self) -> float:
        """Share of the usable nodes in the largest strongly connected part (fraction)."""
        return self.n_nodes_largest / self.n_nodes if self.n_nodes else 0.0

    @property
    def share_length(self) -> float:
        """Share of the road length in the largest strongly connected part (fraction)."""
        return self.length_largest_m / self.length_m if self.length_m > 0 else 0.0

    @property
    def nodes_outside(self) -> int:
        """Usable nodes outside the largest part (count)."""
        return self.n_nodes - self.n_nodes_largest

    @property
    def centres_outside(self) -> list[Any]:
        """Ids of the centres whose road node is outside the largest part."""
        return self.centres.index[~self.centres["in_largest"].to_numpy(bool)].tolist()

    @property
    def warehouses_without_centre(self) -> list[Any]:
        """Ids of the warehouses that reach no centre at all."""
        if self.warehouses.empty or self.centres.empty:
            return []
        return self.warehouses.index[self.warehouses["centres_reached"].to_numpy() == 0].tolist()

    def problems(self, min_share: float = MIN_CONNECTED_SHARE) -> list[str]:
        """Messages for what must be fixed before a run: a network in pieces, centres off it, unreachable pairs.

        Parameters
        ----------
        min_share : float
            Smallest acceptable share of road length in the largest part (fraction).

        Returns
        -------
        list of str
            One line each, naming the ids and the fix; empty when all is well.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph(crs="EPSG:32619")
        >>> for n, x in enumerate([0.0, 100.0, 500.0, 600.0]):
        ...     G.add_node(n, x=x, y=0.0)
        >>> for u, v in [(0, 1), (1, 0), (2, 3), (3, 2)]:
        ...     _ = G.add_edge(u, v, length=100.0, highway="residential", oneway=False)
        >>> r = connectivity_report(G)
        >>> r.problems()[0][:71]
        'the largest connected part of the road network holds 50.0% of its nodes'
        """
        out = []
        if self.share_length < min_share:
            hint = self._near_miss_text()
            out.append(
                f"the largest connected part of the road network holds {self.share_nodes:.1%} of its "
                f"nodes and {self.share_length:.1%} of its length ({fmt_number(self.nodes_outside)} "
                f"node(s) in {self.n_components - 1:,} other part(s)){hint}; join the parts (lines must "
                "share a vertex where roads meet), check the oneway tags, or clip the extract wider"
            )
        if self.centres_outside:
            out.append(
                f"centre(s) {_ids(self.centres_outside)} snap to road nodes outside the largest connected "
                f"part of the network (mode {self.mode}): most of the town cannot reach them; check "
                "the roads at those centres or their coordinates"
            )
        for wid, group in self.unreachable.groupby("warehouse", sort=False):
            centres = group["centre"].tolist()
            out.append(
                f"warehouse {wid} has no {self._by()} path to centre(s) {_ids(centres)}; supplies "
                "cannot be routed there: check the roads between them (one-way streets, gaps)"
            )
        return out

    def notes(self, min_share: float = MIN_CONNECTED_SHARE) -> list[str]:
        """Softer findings: small detached parts, unsnapped junctions, origins that reach no centre.

        Parameters
        ----------
        min_share : float
            The share of road length below which the network is a problem
            (then in :meth:`problems`, not here) (fraction).

        Returns
        -------
        list of str
            One line each; empty when there is nothing to say.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph(crs="EPSG:32619")
        >>> G.add_node(0, x=0.0, y=0.0); G.add_node(1, x=100.0, y=0.0)
        >>> _ = G.add_edge(0, 1, length=100.0, highway="residential", oneway=True)
        >>> print(connectivity_report(G).notes(min_share=0.0)[0])
        the largest connected part of the road network holds 0.0% of its length; 1 node(s) lie outside it
        """
        out = []
        below = self.share_length < min_share  # a problem, reported with the near misses
        if not below and self.share_length < 1.0:
            out.append(
                f"the largest connected part of the road network holds {self.share_length:.1%} of its "
                f"length; {fmt_number(self.nodes_outside)} node(s) lie outside it"
            )
        if not below and not self.near_misses.empty:
            out.append(self._near_miss_text().removeprefix("; ") + "; snap them where roads meet")
        if not self.origins.empty and not self.centres.empty:
            stuck = self.origins[~self.origins["reaches_centre"].to_numpy(bool)]
            if len(stuck):
                persons = (
                    f" ({fmt_number(float(stuck['persons'].sum()), 'persons')})"
                    if "persons" in stuck
                    else ""
                )
                out.append(
                    f"{len(stuck):,} of {len(self.origins):,} origins{persons} have no {self._by()} "
                    "path to any centre"
                )
        return out

    def _by(self) -> str:
        return {"drive": "drivable", "walk": "walkable"}.get(self.mode or "", "road")

    def _near_miss_text(self) -> str:
        if self.near_misses.empty:
            return ""
        first = self.near_misses.iloc[0]
        return (
            f"; {len(self.near_misses):,} line end(s) stop within {NEAR_MISS_M:g} m of another road "
            f"without sharing a vertex (first: node {self.near_misses.index[0]!r} at "
            f"x={first['x']:.1f}, y={first['y']:.1f})"
        )

    def _summary(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("mode", self.mode or "as given"),
            ("usable nodes", fmt_number(self.n_nodes)),
            ("strongly connected parts", fmt_number(self.n_components)),
            (
                "largest part",
                f"{self.share_nodes:.1%} of nodes, {self.share_length:.1%} of "
                f"{fmt_number(self.length_m / 1000.0, 'km')}",
            ),
            ("nodes outside it", fmt_number(self.nodes_outside)),
            ("nodes on roads the mode cannot use", fmt_number(self.n_unusable_nodes)),
            ("unsnapped junctions", fmt_number(len(self.near_misses))),
        ]
        if not self.centres.empty:
            rows.append(("centres outside it", _ids(self.centres_outside) or "none"))
        if not self.warehouses.empty:
            rows.append(
                ("warehouse -> centre pairs without a path", fmt_number(len(self.unreachable)))
            )
        if not self.origins.empty:
            stuck = int((~self.origins["reaches_centre"].to_numpy(bool)).sum())
            rows.append(("origins reaching no centre", f"{stuck:,} of {len(self.origins):,}"))
        return rows

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        tables = [
            ("centres", self.centres),
            ("warehouses", self.warehouses),
            ("unreachable", self.unreachable),
            ("origins", self.origins),
            ("near misses", self.near_misses),
        ]
        return [(label, t) for label, t in tables if not t.empty]


def _graph_for(G: nx.MultiDiGraph, mode: str | None) -> tuple[nx.MultiDiGraph, str]:
    """The graph as the mode sees it and the weight to route on."""
    if mode is None:
        return G, "length"
    if G.graph.get("drm_mode") == mode:
        return G, "travel_time"
    return prepare_roads(G, mode), "travel_time"  # type: ignore[arg-type]


def _snap(
    H: nx.MultiDiGraph, M: RoadMatrix, points: pd.DataFrame | None, name: str, largest: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """``points`` with their nearest node (as drm snaps them), distance and ``in_largest``; matrix rows."""
    if points is None or len(points) == 0:
        return pd.DataFrame(columns=["node", "snap_distance_m", "in_largest"]), np.zeros(
            0, np.int64
        )
    if not {"x", "y"} <= set(points.columns):
        raise InputError(f"{name}: needs columns 'x' and 'y' (metres); got {list(points.columns)}")
    nodes, dist = nearest_nodes(H, points["x"].to_numpy(float), points["y"].to_numpy(float))
    rows = M.positions(nodes, name)
    out = points[[c for c in ("x", "y", "persons") if c in points.columns]].copy()
    out["node"], out["snap_distance_m"], out["in_largest"] = nodes, dist, largest[rows]
    return out, rows


def _near_misses(H: nx.MultiDiGraph, tol: float) -> pd.DataFrame:
    """Dead-end nodes within ``tol`` of an edge that touches neither them nor their one neighbour."""
    empty = pd.DataFrame(columns=["x", "y", "distance_m"], index=pd.Index([], name="node"))
    succ, pred = H._succ, H._pred  # networkx's adjacency dicts, read only (views are slow)
    nbrs = {n: (succ[n].keys() | pred[n].keys()) - {n} for n in H}
    dead = [n for n, s in nbrs.items() if len(s) == 1]
    if not dead:
        return empty
    edges = [(u, v) for u, v in H.edges()]
    geoms = [
        d.get("geometry")
        or shapely.LineString(
            [(H.nodes[u]["x"], H.nodes[u]["y"]), (H.nodes[v]["x"], H.nodes[v]["y"])]
        )
        for u, v, d in H.edges(data=True)
    ]
    points = shapely.points([(H.nodes[n]["x"], H.nodes[n]["y"]) for n in dead])
    hits = shapely.STRtree(geoms).query(points, predicate="dwithin", distance=tol)
    found: dict[Any, float] = {}
    for i, j in hits.T:
        n = dead[i]
        near = {n} | nbrs[n]
        if edges[j][0] in near or edges[j][1] in near:
            continue
        d = float(shapely.distance(points[i], geoms[j]))
        found[n] = min(d, found.get(n, np.inf))
    if not found:
        return empty
    ids = list(found)
    return pd.DataFrame(
        {
            "x": [H.nodes[n]["x"] for n in ids],
            "y": [H.nodes[n]["y"] for n in ids],
            "distance_m": [found[n] for n in ids],
        },
        index=pd.Index(ids, name="node"),
    )


def _lengths(H: nx.MultiDiGraph, in_largest: dict[Any, bool]) -> tuple[float, float]:
    """Road length (each two-way road once) in all and in the largest part (m)."""
    backs = back_edges(H)
    total = inside = 0.0
    for u, v, k, d in H.edges(keys=True, data=True):
        if (u, v, k) in backs:
            continue
        length = float(d.get("length", 0.0))
        total += length
        if in_largest[u] and in_largest[v]:
            inside += length
    return total, inside


def connectivity_report(
    G: nx.MultiDiGraph,
    *,
    centres: pd.DataFrame | None = None,
    warehouses: pd.DataFrame | None = None,
    origins: pd.DataFrame | None = None,
    mode: Literal["drive", "walk"] | None = "drive",
) -> ConnectivityReport:
    """Report how a road network holds together and which places cannot reach which.

    The graph is checked for ``mode`` as :func:`drm.network.prepare_roads`
    makes it (a graph already prepared for that mode, flooded or not, is used
    as it is; closed roads do not connect). Centres, warehouses and origins are
    snapped to their nearest node with :func:`drm.network.nearest_nodes`, as
    the scenario snaps them. Unreachable pairs are reported, never raised.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Projected road graph (node ``x``, ``y`` in m, edge ``length`` in m), e.g. from
        :func:`drm.io.read_roads`.
    centres : pandas.DataFrame, optional
        Evacuation centres indexed by id, columns ``x``, ``y`` (m, graph CRS).
    warehouses : pandas.DataFrame, optional
        Warehouses indexed by id, columns ``x``, ``y`` (m); each gets one
        Dijkstra search to find the centres it cannot reach.
    origins : pandas.DataFrame, optional
        Where people start (e.g. population cells), columns ``x``, ``y`` (m)
        and optionally ``persons``; checked for a path to any centre.
    mode : {"drive", "walk"} or None
        Travel mode; None checks the graph as given, every edge usable.

    Returns
    -------
    ConnectivityReport

    Raises
    ------
    InputError
        No road usable for the mode, nodes without coordinates, or points without ``x``/``y``.

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> G = nx.MultiDiGraph(crs="EPSG:32619")
    >>> for n, x in enumerate([0.0, 100.0, 200.0, 900.0, 1000.0]):
    ...     G.add_node(n, x=x, y=0.0)
    >>> for u, v in [(0, 1), (1, 0), (1, 2), (2, 1), (3, 4), (4, 3)]:  # an island: 3-4
    ...     _ = G.add_edge(u, v, length=100.0, highway="residential", oneway=False)
    >>> r = connectivity_report(G, centres=pd.DataFrame({"x": [0.0, 1000.0], "y": [0.0, 0.0]},
    ...                                                 index=pd.Index(["C1", "C2"], name="id")),
    ...                         warehouses=pd.DataFrame({"x": [200.0], "y": [0.0]},
    ...                                                 index=pd.Index(["W1"], name="id")))
    >>> round(r.share_nodes, 2), round(r.share_length, 2), r.centres_outside
    (0.6, 0.67, ['C2'])
    >>> r.unreachable.to_dict("records")
    [{'warehouse': 'W1', 'centre': 'C2'}]
    """
    if mode not in ("drive", "walk", None):
        raise InputError(f"mode must be 'drive', 'walk' or None, got {mode!r}")
    H, weight = _graph_for(G, mode)
    M = road_matrix(H, weight)
    comp = connectivity(M).component.to_numpy()
    used = np.diff(M.csr.indptr) > 0
    used[M.csr.indices] = True
    # the largest part among nodes with a usable road (isolated nodes are parts of one)
    labels, counts = np.unique(comp[used], return_counts=True)
    top = labels[np.argmax(counts)] if labels.size else -1
    largest = used & (comp == top)
    in_largest = dict(zip(M.nodes.tolist(), largest.tolist(), strict=True))
    length_m, length_largest_m = _lengths(H, in_largest)
    c_table, c_rows = _snap(H, M, centres, "centres", largest)
    w_table, w_rows = _snap(H, M, warehouses, "warehouses", largest)
    pairs = []
    reached = []
    if len(w_table) and c_rows.size:
        for wid, row in zip(w_table.index, w_rows, strict=True):
            dist = dijkstra(M.csr, directed=True, indices=int(row))[c_rows]
            reached.append(int(np.isfinite(dist).sum()))
            pairs += [(wid, cid) for cid in c_table.index[~np.isfinite(dist)]]
    if len(w_table):
        w_table["centres_reached"] = reached or 0
    o_table, o_rows = _snap(H, M, origins, "origins", largest)
    if len(o_table):
        if c_rows.size:
            to_centre = dijkstra(M.transposed, directed=True, indices=c_rows, min_only=True)
            o_table["reaches_centre"] = np.isfinite(to_centre[o_rows])
        else:
            o_table["reaches_centre"] = False
    return ConnectivityReport(
        mode=mode,
        n_nodes=int(used.sum()),
        n_nodes_largest=int(largest.sum()),
        n_unusable_nodes=int((~used).sum()),
        n_components=int(labels.size),
        length_m=length_m,
        length_largest_m=length_largest_m,
        near_misses=_near_misses(H, NEAR_MISS_M),
        centres=c_table,
        warehouses=w_table,
        unreachable=pd.DataFrame(pairs, columns=["warehouse", "centre"]),
        origins=o_table,
    )
