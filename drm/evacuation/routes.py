"""The evacuation route of each zone, as the report's map and the GeoPackage draw it.

The simulation moves households edge by edge but does not keep each one's
path, so a zone's route is rebuilt from what it does keep: for every (zone,
centre) pair of households that reached a centre, the quickest path by free-flow
travel time from the pair's most used origin node to the centre's node, over
the streets the evacuees used (any street when those do not connect them).
One rule for every output, so a map and a GIS layer show the same line.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from drm.evacuation.simulation import SAFE_GROUND, EvacuationResult

__all__ = ["route_edges_of", "zone_routes"]


def route_edges_of(G: nx.MultiDiGraph, nodes: list[Any]) -> list[tuple[Any, Any, Any]]:
    """The edges ``(u, v, key)`` of a node path, the quickest of parallel edges.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Roads with ``travel_time`` (s) on the edges.
    nodes : list
        A path of node ids.

    Returns
    -------
    list of (u, v, key)

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(1, 2, travel_time=60.0)
    >>> _ = G.add_edge(1, 2, travel_time=30.0)
    >>> route_edges_of(G, [1, 2])
    [(1, 2, 1)]
    """
    return [
        (u, v, min(G[u][v], key=lambda k: G[u][v][k].get("travel_time", np.inf)))
        for u, v in pairwise(nodes)
    ]


def _path(G: nx.MultiDiGraph, used: nx.MultiDiGraph, origin: Any, target: Any) -> list[Any] | None:
    for graph in (used, G):
        try:
            return nx.shortest_path(graph, origin, target, weight="travel_time")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            continue
    return None


def zone_routes(
    evacuation: EvacuationResult, G: nx.MultiDiGraph, centre_nodes: pd.Series
) -> pd.DataFrame:
    """One route per (zone, centre) pair of households that reached a centre.

    Parameters
    ----------
    evacuation : EvacuationResult
        From :func:`drm.evacuation.simulate_evacuation` (households with
        ``zone``, ``node``, ``centre``, ``persons``, ``departure_s``).
    G : networkx.MultiDiGraph
        The road graph the evacuation ran on (``travel_time`` in s).
    centre_nodes : pandas.Series
        Road node of each centre id.

    Returns
    -------
    pandas.DataFrame
        ``zone``, ``centre``, ``persons`` (who went that way), ``households``
        (count), ``origin_node``, ``departure_s`` (median departure, s since
        the start of the event), ``main`` (True for the centre that took most
        of the zone's people) and ``edges`` (the path as ``(u, v, key)``),
        most persons first within each zone; pairs with no path are left out.

    Examples
    --------
    >>> from drm.evacuation import simulate_evacuation
    >>> G = nx.MultiDiGraph(crs="EPSG:32619")
    >>> for i in range(3):
    ...     G.add_node(i, x=100.0 * i, y=0.0)
    >>> for i in range(2):
    ...     _ = G.add_edge(i, i + 1, travel_time=60.0, capacity_persons_h=3600.0)
    >>> homes = pd.DataFrame({"node": [0, 0], "persons": [3.0, 2.0], "departure_s": 0.0,
    ...                       "zone": 7, "x": 0.0, "y": 0.0})
    >>> school = pd.DataFrame({"node": [2], "capacity_persons": [100.0]}, index=["C1"])
    >>> ev = simulate_evacuation(G, homes, school, registration_persons_h=1e9, progress=False)
    >>> r = zone_routes(ev, G, school["node"])
    >>> r[["zone", "centre", "persons", "main"]].values.tolist(), len(r.loc[0, "edges"])
    ([[7, 'C1', 5.0, True]], 2)
    """
    h = evacuation.households
    h = h[(h["outcome"] == "safe") & (h["centre"] != SAFE_GROUND) & h["centre"].isin(centre_nodes.index)]
    columns = ["zone", "centre", "persons", "households", "origin_node", "departure_s", "main", "edges"]
    if h.empty or "zone" not in h.columns:
        return pd.DataFrame(columns=columns)
    r = evacuation.roads
    used = G.edge_subgraph([(e.u, e.v, e.key) for e in r.itertuples() if e.persons_or_vehicles > 0])
    rows = []
    for zone, in_zone in h.groupby("zone"):
        by_centre = in_zone.groupby("centre")["persons"].sum().sort_values(ascending=False)
        for rank, (centre, persons) in enumerate(by_centre.items()):
            group = in_zone[in_zone["centre"] == centre]
            origin = group.groupby("node")["persons"].sum().idxmax()
            nodes = _path(G, used, origin, centre_nodes[centre])
            if nodes is None or len(nodes) < 2:
                continue
            rows.append({
                "zone": zone, "centre": centre, "persons": float(persons), "households": len(group),
                "origin_node": origin, "departure_s": float(group["departure_s"].median()),
                "main": rank == 0, "edges": route_edges_of(G, nodes),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
