"""Sample a flood grid along every road edge's geometry.

Each edge is cut into equal pieces no longer than a third of a grid cell and
each piece reads the cell under its midpoint, so water anywhere along a road,
not only at its ends, is seen. A piece outside the grid reads nothing (NaN,
treated as dry by the callers, and counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import shapely
from pyproj import CRS

from drm.errors import GridError, InputError
from drm.grids import GridSpec

__all__ = ["EdgeSamples", "is_bridge", "read_pieces", "sample_edges"]


def is_bridge(value: Any) -> bool:
    """Return True for an OSM ``bridge`` tag that marks a bridge (``yes``, ``viaduct``, ...).

    Examples
    --------
    >>> is_bridge("yes"), is_bridge("no"), is_bridge(None), is_bridge(["no", "viaduct"])
    (True, False, False, True)
    """
    if isinstance(value, list):
        return any(is_bridge(v) for v in value)
    if value is None or value is False:
        return False
    if isinstance(value, float) and np.isnan(value):
        return False
    return str(value).strip().lower() not in ("no", "false", "0", "")


@dataclass(frozen=True)
class EdgeSamples:
    """Pieces of every edge and the grid cell each one reads.

    Attributes
    ----------
    edges : list of tuple
        ``(u, v, key)`` of each edge, in graph order.
    piece_edge : numpy.ndarray
        Edge index of each piece.
    piece_len_m : numpy.ndarray
        Length of each piece (the edge's ``length`` shared equally).
    flat : numpy.ndarray
        Flat cell index ``row * nx + col`` read by each piece, -1 outside the grid.
    clearance_m : numpy.ndarray
        Per edge: deck clearance above the ground under a bridge (m); NaN
        for ordinary roads and for bridges whose clearance is unknown.
    bridge : numpy.ndarray
        Per edge: True for bridges.
    """

    edges: list[tuple[Any, Any, Any]]
    piece_edge: np.ndarray
    piece_len_m: np.ndarray
    flat: np.ndarray
    clearance_m: np.ndarray
    bridge: np.ndarray

    @property
    def outside_fraction(self) -> float:
        """Share of the network's length lying outside the flood grid."""
        total = self.piece_len_m.sum()
        return float(self.piece_len_m[self.flat < 0].sum() / total) if total > 0 else 0.0


def _check_crs(G: nx.Graph, spec: GridSpec) -> None:
    gcrs = G.graph.get("crs")
    if gcrs is None or spec.crs is None:
        return
    graph_crs = CRS.from_user_input(gcrs)
    if graph_crs.is_geographic:
        raise InputError(f"the road graph is in degrees ({gcrs}); project it with drm.io.project_graph")
    if graph_crs != spec.crs:
        raise GridError(
            f"the road graph ({graph_crs.to_string()}) and the flood grid ({spec.crs.to_string()}) "
            "use different CRS; project the graph with drm.io.project_graph(G, flood_crs)"
        )


def sample_edges(
    G: nx.MultiDiGraph,
    spec: GridSpec,
    *,
    spacing_m: float | None = None,
    bridge_clearance_m: float | None = None,
) -> EdgeSamples:
    """Cut every edge into pieces and find the grid cell under each piece.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Projected road graph (edge ``geometry`` or node ``x``/``y``; ``length``).
    spec : GridSpec
        The flood grid (from :func:`drm.grids.check_grid`).
    spacing_m : float, optional
        Longest piece (m); default a third of the cell size.
    bridge_clearance_m : float, optional
        Clearance used for bridges without a ``clearance_m`` attribute.

    Returns
    -------
    EdgeSamples
    """
    _check_crs(G, spec)
    spacing = spec.dx / 3.0 if spacing_m is None else float(spacing_m)
    if not spacing > 0:
        raise InputError(f"spacing_m must be > 0, got {spacing_m!r}")
    edges, geoms, lengths, clearance, bridge = [], [], [], [], []
    for u, v, k, d in G.edges(keys=True, data=True):
        geom = d.get("geometry")
        if geom is None:
            try:
                a, b = G.nodes[u], G.nodes[v]
                geom = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
            except KeyError:
                raise InputError(
                    f"edge ({u!r}, {v!r}) has no geometry and its nodes have no x/y; "
                    "flooding roads needs coordinates in metres"
                ) from None
        edges.append((u, v, k))
        geoms.append(geom)
        lengths.append(float(d.get("length", geom.length)))
        b = is_bridge(d.get("bridge"))
        bridge.append(b)
        c = d.get("clearance_m", bridge_clearance_m) if b else None
        clearance.append(float(c) if c is not None else np.nan)
    if not edges:
        raise InputError("the road graph has no edges")
    geom_arr = np.empty(len(geoms), dtype=object)
    geom_arr[:] = geoms
    geom_len = shapely.length(geom_arr)
    count = np.maximum(1, np.ceil(geom_len / spacing)).astype(np.int64)
    piece_edge = np.repeat(np.arange(len(edges)), count)
    first = np.repeat(np.cumsum(count) - count, count)
    frac = (np.arange(piece_edge.size) - first + 0.5) / count[piece_edge]
    points = shapely.line_interpolate_point(geom_arr[piece_edge], frac * geom_len[piece_edge])
    xy = shapely.get_coordinates(points)
    col = np.floor((xy[:, 0] - spec.x0) / spec.dx + 0.5).astype(np.int64)
    row = np.floor((xy[:, 1] - spec.y0) / spec.ystep + 0.5).astype(np.int64)
    inside = (col >= 0) & (col < spec.nx) & (row >= 0) & (row < spec.ny)
    flat = np.where(inside, row * spec.nx + col, -1)
    piece_len = np.asarray(lengths)[piece_edge] / count[piece_edge]
    return EdgeSamples(
        edges=edges,
        piece_edge=piece_edge,
        piece_len_m=piece_len,
        flat=flat,
        clearance_m=np.asarray(clearance, dtype=float),
        bridge=np.asarray(bridge, dtype=bool),
    )


def read_pieces(samples: EdgeSamples, grid: np.ndarray) -> np.ndarray:
    """Return the value of a 2-D grid (or each frame of a 3-D one) under every piece (NaN outside)."""
    flat = samples.flat
    out_shape = (*grid.shape[:-2], flat.size)
    values = grid.reshape(*grid.shape[:-2], -1)
    out = np.full(out_shape, np.nan)
    inside = flat >= 0
    out[..., inside] = values[..., flat[inside]]
    return out
