"""Road graphs for evacuation: speeds, travel times, capacities, snapping, connectivity.

Graphs follow OSMnx conventions (see :mod:`drm.io.roads`), so a graph from
``osmnx.graph_from_place`` works unchanged. Every function returns a new graph
or table and never modifies the caller's graph.

Defaults per OSM ``highway`` class (speed, lane capacity, lanes, walkable
width) come from the table ``drm/network/data/road_classes.csv``, which records
where each number comes from; :func:`road_classes` returns it so that a
planner can inspect it and pass a corrected copy.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
import xarray as xr
from pyproj import CRS
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from drm._display import ResultMixin, fmt_number
from drm.errors import InputError, warn
from drm.grids import check_grid
from drm.network._matrix import RoadMatrix, object_array, road_matrix

__all__ = [
    "Connectivity",
    "connectivity",
    "nearest_nodes",
    "parse_maxspeed",
    "population_origins",
    "prepare_roads",
    "road_classes",
    "road_ids_named",
    "snap_points",
]

log = logging.getLogger("drm")

#: Walking speed of a mixed evacuating population (m/s); adults walk 1.2-1.33 m/s.
WALK_SPEED_M_S = 1.2
#: Maximum specific flow of pedestrians on a level walkway, persons per metre of width per second.
SPECIFIC_FLOW_P_M_S = 1.3

_DATA = Path(__file__).resolve().parent / "data" / "road_classes.csv"
_MPH = 1.609344


def road_classes() -> pd.DataFrame:
    """Return the default speeds, capacities and widths per OSM highway class.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``highway``; columns ``speed_kph``, ``capacity_veh_h_lane``,
        ``lanes`` (per direction), ``walk_width_m``, ``drive``, ``walk`` and
        ``capacity_source``. The file's header comments give the sources.

    Examples
    --------
    >>> road_classes().loc["primary", "capacity_veh_h_lane"]
    np.int64(1500)
    """
    df = pd.read_csv(_DATA, comment="#", skipinitialspace=True)
    for col in ("drive", "walk"):
        df[col] = df[col].astype(str).str.lower().eq("true")
    return df.set_index("highway")


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _road_class(value: Any, rows: dict[str, Any]) -> str | None:
    """Pick the class of an edge; OSMnx merges ways into lists, take the first known one."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, str) and v in rows:
            return v
    return None if all(v is None or (isinstance(v, float) and np.isnan(v)) for v in values) else "?"


def parse_maxspeed(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` tag into km/h, or None if it has no number.

    ``"50"``, ``"30 mph"``, ``"50;30"`` (the lowest), lists (the lowest) and
    numbers are understood; ``"none"``, ``"walk"``, ``"RU:urban"`` give None.

    Parameters
    ----------
    value : str, float, list or None
        The tag's value (km/h unless it says ``mph``).

    Returns
    -------
    float or None
        Speed in km/h, or None.

    Examples
    --------
    >>> parse_maxspeed("30 mph"), parse_maxspeed(["50", "30"]), parse_maxspeed("none")
    (48.28032, 30.0, None)
    """
    if value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return v if np.isfinite(v) and v > 0 else None
    parts = value if isinstance(value, list) else re.split(r"[;|,]", str(value))
    speeds = []
    for part in parts:
        m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", str(part).lower())
        if m:
            speeds.append(float(m.group(1)) * (_MPH if m.group(2) == "mph" else 1.0))
    speeds = [s for s in speeds if s > 0]
    return min(speeds) if speeds else None


def _number(value: Any) -> float | None:
    value = _first(value)
    try:
        v = float(str(value).replace("m", "").strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) and v > 0 else None


def _edge_length(G: nx.MultiDiGraph, u: Any, v: Any, d: dict[str, Any]) -> float:
    if "length" in d and _number(d["length"]) is not None:
        return float(d["length"])
    if d.get("geometry") is not None:
        return float(d["geometry"].length)
    try:
        return float(np.hypot(G.nodes[u]["x"] - G.nodes[v]["x"], G.nodes[u]["y"] - G.nodes[v]["y"]))
    except KeyError:
        raise InputError(
            f"edge ({u!r}, {v!r}) has no length and its nodes have no x/y coordinates; "
            "give edges a 'length' in metres or nodes projected 'x', 'y'"
        ) from None


def prepare_roads(
    G: nx.MultiDiGraph,
    mode: Literal["drive", "walk"] = "drive",
    *,
    walk_speed_m_s: float = WALK_SPEED_M_S,
    specific_flow_p_m_s: float = SPECIFIC_FLOW_P_M_S,
    classes: pd.DataFrame | None = None,
) -> nx.MultiDiGraph:
    """Return a copy of a road graph with speeds, travel times and capacities for a mode.

    Drive: ``speed_kph`` is the edge's own ``speed_kph`` (e.g. from OSMnx's
    ``add_edge_speeds``), else its ``maxspeed`` tag, else the class default;
    ``capacity_veh_h`` = lanes per direction x the class's capacity per lane
    (a two-way road's ``lanes`` tag counts both directions, so it is halved,
    at least 1). Walk: every edge walks at ``walk_speed_m_s`` in both
    directions (one-way streets get their missing reverse edge) and
    ``capacity_persons_h`` = ``specific_flow_p_m_s`` x width (the edge's
    ``width`` tag or the class default) x 3600.

    Edges the mode cannot use (footways for cars, motorways on foot) and
    edges with no ``highway`` tag at all (OSM extracts also hold land-use and
    building outlines) are removed; counts are kept in ``graph["drm_removed"]``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph with edge ``length`` (m) or geometry, and ``highway``.
    mode : {"drive", "walk"}
        Travel mode.
    walk_speed_m_s : float
        Walking speed on foot (m/s); 1.2 m/s suits a mixed population.
    specific_flow_p_m_s : float
        Pedestrian flow per metre of width (persons/m/s).
    classes : pandas.DataFrame, optional
        Replacement for :func:`road_classes`.

    Returns
    -------
    networkx.MultiDiGraph
        New graph; edges gain ``speed_kph``, ``travel_time`` (s) and
        ``capacity_veh_h`` (drive) or ``capacity_persons_h`` (walk); the
        graph gains ``drm_mode``.

    Raises
    ------
    InputError
        Unknown mode, non-positive speed or flow, an edge without length or
        coordinates, or no edge left for the mode.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(crs="EPSG:32619")
    >>> _ = G.add_edge(0, 1, length=1000.0, highway="primary", lanes=4, oneway=False)
    >>> H = prepare_roads(G)
    >>> H[0][1][0]["travel_time"], H[0][1][0]["capacity_veh_h"]
    (60.0, 3000.0)
    """
    if mode not in ("drive", "walk"):
        raise InputError(f"mode must be 'drive' or 'walk', got {mode!r}")
    if not walk_speed_m_s > 0 or not specific_flow_p_m_s > 0:
        raise InputError("walk_speed_m_s and specific_flow_p_m_s must be > 0")
    table = road_classes() if classes is None else classes
    rows = table.to_dict("index")
    H = G.copy()
    removed = {"no highway tag": 0, f"not usable by {mode}": 0}
    unknown: dict[str, int] = {}
    drop = []
    for u, v, k, d in H.edges(keys=True, data=True):
        cls = _road_class(d.get("highway"), rows)
        if cls is None:
            removed["no highway tag"] += 1
            drop.append((u, v, k))
            continue
        if cls == "?":
            unknown[str(d.get("highway"))] = unknown.get(str(d.get("highway")), 0) + 1
            cls = "unclassified"
        row = rows[cls]
        if not bool(row[mode]):
            removed[f"not usable by {mode}"] += 1
            drop.append((u, v, k))
            continue
        length = _edge_length(H, u, v, d)
        d["length"] = length
        if mode == "drive":
            own = _number(d.get("speed_kph")) if G.graph.get("drm_mode") != "walk" else None
            speed = own or parse_maxspeed(d.get("maxspeed")) or float(row["speed_kph"])
            lanes = _number(d.get("lanes"))
            if lanes is None:
                per_dir = float(row["lanes"])
            else:
                per_dir = lanes if _truthy(d.get("oneway")) else max(1.0, float(int(lanes) // 2))
            d["capacity_veh_h"] = float(row["capacity_veh_h_lane"]) * per_dir
        else:
            speed = walk_speed_m_s * 3.6
            width = _number(d.get("width")) or float(row["walk_width_m"])
            d["capacity_persons_h"] = specific_flow_p_m_s * width * 3600.0
        d["speed_kph"] = float(speed)
        d["travel_time"] = length * 3.6 / speed
    H.remove_edges_from(drop)
    if mode == "walk":
        _add_reverse_edges(H)
    if H.number_of_edges() == 0:
        raise InputError(f"no road in the graph is usable for mode={mode!r} ({removed})")
    if unknown:
        log.info("roads: unknown highway classes treated as 'unclassified': %s", unknown)
    H.graph["drm_mode"] = mode
    H.graph["drm_removed"] = {k: v for k, v in removed.items() if v}
    return H


def _truthy(value: Any) -> bool:
    value = _first(value)
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "1", "-1")
    return bool(value) if value is not None else False


def _add_reverse_edges(H: nx.MultiDiGraph) -> None:
    """On foot, one-way streets are two-way: add the missing reverse edges."""
    missing = [
        (v, u, {**d, "reversed": not d.get("reversed", False), "oneway": False})
        for u, v, d in H.edges(data=True)
        if not H.has_edge(v, u)
    ]
    for v, u, d in missing:
        if d.get("geometry") is not None:
            d["geometry"] = d["geometry"].reverse()
        H.add_edge(v, u, **d)


def _node_xy(G: nx.Graph) -> tuple[list[Any], np.ndarray]:
    crs = G.graph.get("crs")
    if crs is not None and CRS.from_user_input(crs).is_geographic:
        raise InputError(
            f"the road graph is in geographic coordinates ({crs}); project it to metres first "
            "with drm.io.project_graph(G)"
        )
    nodes = list(G.nodes)
    try:
        xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes], dtype=float)
    except KeyError:
        bad = next(n for n in nodes if "x" not in G.nodes[n] or "y" not in G.nodes[n])
        raise InputError(
            f"road graph node {bad!r} has no 'x'/'y' coordinates; snapping needs node "
            "coordinates in metres (read roads with drm.io.read_roads or OSMnx)"
        ) from None
    if xy.size == 0:
        raise InputError("the road graph has no nodes")
    if not np.isfinite(xy).all():
        raise InputError("some road graph nodes have non-finite x/y coordinates")
    return nodes, xy


def nearest_nodes(G: nx.Graph, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Find the graph node nearest to each point (KD-tree on node coordinates).

    Parameters
    ----------
    G : networkx graph
        Graph with node ``x``, ``y`` in metres (a projected CRS).
    x, y : float or array_like
        Point coordinates in the graph's CRS (m).

    Returns
    -------
    nodes : numpy.ndarray
        Nearest node id per point.
    distance_m : numpy.ndarray
        Straight-line distance to it (m).

    Raises
    ------
    InputError
        If nodes lack coordinates, the graph is in degrees, or a point is not finite.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(crs="EPSG:32619")
    >>> G.add_node("a", x=0.0, y=0.0); G.add_node("b", x=100.0, y=0.0)
    >>> nodes, dist = nearest_nodes(G, [90.0], [0.0])
    >>> nodes.tolist(), dist.tolist()
    (['b'], [10.0])
    """
    nodes, xy = _node_xy(G)
    px = np.atleast_1d(np.asarray(x, dtype=float))
    py = np.atleast_1d(np.asarray(y, dtype=float))
    if px.shape != py.shape:
        raise InputError(f"x and y have different shapes {px.shape} and {py.shape}")
    if not (np.isfinite(px).all() and np.isfinite(py).all()):
        raise InputError("some points have non-finite x/y coordinates; fix or drop them first")
    dist, idx = cKDTree(xy).query(np.column_stack([px.ravel(), py.ravel()]))
    if set(map(type, nodes)) <= {int, np.int64, np.int32, np.intp}:
        ids = np.asarray(nodes, dtype=np.int64)
    else:
        ids = object_array(nodes)
    return ids[idx], dist


def snap_points(
    G: nx.Graph,
    points: pd.DataFrame,
    *,
    max_distance_m: float = 500.0,
    on_far: Literal["raise", "warn"] = "raise",
    name: str = "points",
) -> pd.DataFrame:
    """Attach each point (centre, population cell) to its nearest road node.

    Parameters
    ----------
    G : networkx graph
        Projected road graph.
    points : pandas.DataFrame
        Columns ``x``, ``y`` (m, graph CRS).
    max_distance_m : float
        Farthest acceptable snap (m); people farther from any road than this
        cannot be routed.
    on_far : {"raise", "warn"}
        Raise :class:`~drm.errors.InputError` for points beyond the limit, or
        issue a :class:`~drm.errors.DrmWarning` and keep them with
        ``snapped = False`` (they are then reported, never dropped).
    name : str
        What the points are, for messages.

    Returns
    -------
    pandas.DataFrame
        Copy of ``points`` with ``node``, ``snap_distance_m`` and ``snapped``.

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> G = nx.MultiDiGraph(crs="EPSG:32619"); G.add_node(1, x=0.0, y=0.0)
    >>> snap_points(G, pd.DataFrame({"x": [30.0], "y": [40.0]}))["snap_distance_m"].tolist()
    [50.0]
    """
    if not {"x", "y"} <= set(points.columns):
        raise InputError(f"{name}: needs columns 'x' and 'y' (metres); got {list(points.columns)}")
    if not max_distance_m > 0:
        raise InputError(f"max_distance_m must be > 0, got {max_distance_m!r}")
    if on_far not in ("raise", "warn"):
        raise InputError(f"on_far must be 'raise' or 'warn', got {on_far!r}")
    nodes, dist = nearest_nodes(G, points["x"].to_numpy(), points["y"].to_numpy())
    out = points.copy()
    out["node"] = nodes
    out["snap_distance_m"] = dist
    out["snapped"] = dist <= max_distance_m
    far = ~out["snapped"].to_numpy()
    if far.any():
        i = int(np.flatnonzero(far)[0])
        msg = (
            f"{name}: {int(far.sum())} point(s) lie more than {max_distance_m:g} m from any road node "
            f"(first: {out.index[i]!r} at {dist[i]:.0f} m); check their coordinates and CRS, add the "
            "missing roads, or raise max_distance_m"
        )
        if on_far == "raise":
            raise InputError(msg)
        warn(msg + "; they are reported as not routable")
    return out


def population_origins(
    population: xr.DataArray,
    G: nx.Graph,
    *,
    max_distance_m: float = 500.0,
    min_persons: float = 0.0,
) -> pd.DataFrame:
    """Turn a population grid into evacuation origins snapped to the road graph.

    Every cell holding more than ``min_persons`` becomes one origin at its
    centre. NaN cells are nodata (no people counted there; their number is
    kept in ``attrs["nodata_cells"]``). Cells farther than ``max_distance_m``
    from any road node are kept with ``snapped = False`` and a
    :class:`~drm.errors.DrmWarning`, so their people are reported, not lost.

    Parameters
    ----------
    population : xarray.DataArray
        Persons per cell, dims ``("y", "x")``, metres, in the graph's CRS.
    G : networkx graph
        Projected road graph.
    max_distance_m : float
        Farthest acceptable snap (m).
    min_persons : float
        Cells with at most this many persons are skipped (counted in
        ``attrs["skipped_persons"]``).

    Returns
    -------
    pandas.DataFrame
        Columns ``x``, ``y``, ``persons``, ``node``, ``snap_distance_m``, ``snapped``.

    Raises
    ------
    InputError
        If a cell holds a negative population.

    Examples
    --------
    >>> import networkx as nx, numpy as np, xarray as xr
    >>> G = nx.MultiDiGraph(crs="EPSG:32619"); G.add_node(1, x=0.0, y=0.0)
    >>> pop = xr.DataArray([[5.0, 0.0], [np.nan, 2.0]], dims=("y", "x"),
    ...                    coords={"y": [150.0, 50.0], "x": [50.0, 150.0]})
    >>> population_origins(pop, G)["persons"].tolist()
    [5.0, 2.0]
    """
    check_grid(population, "population", allow_all_nan=True)
    values = np.asarray(population.values, dtype=float)
    finite = np.isfinite(values)
    if (values[finite] < 0).any():
        raise InputError(
            f"population: {int((values[finite] < 0).sum())} cells hold a negative number of "
            "persons; fix the grid"
        )
    keep = finite & (values > min_persons)
    rows, cols = np.nonzero(keep)
    table = pd.DataFrame(
        {
            "x": population["x"].values[cols].astype(float),
            "y": population["y"].values[rows].astype(float),
            "persons": values[rows, cols],
        }
    )
    out = snap_points(G, table, max_distance_m=max_distance_m, on_far="warn", name="population cells")
    out.attrs["nodata_cells"] = int((~finite).sum())
    out.attrs["skipped_persons"] = float(values[finite & ~keep].sum())
    return out


@dataclass(frozen=True, eq=False, repr=False)
class Connectivity(ResultMixin):
    """Strongly connected components of a road graph.

    Attributes
    ----------
    component : pandas.Series
        Component number of each node (0 = the largest), indexed by node id.
    sizes : numpy.ndarray
        Number of nodes in each component, largest first.
    """

    component: pd.Series
    sizes: np.ndarray

    @property
    def n_components(self) -> int:
        """Number of strongly connected components."""
        return int(self.sizes.size)

    @property
    def outside_largest(self) -> list[Any]:
        """Nodes not in the largest component (they cannot reach, or be reached from, all of it)."""
        return self.component.index[self.component.to_numpy() != 0].tolist()

    def _summary(self) -> list[tuple[str, Any]]:
        n = int(self.sizes.sum())
        return [
            ("nodes", fmt_number(n)),
            ("strongly connected components", self.n_components),
            ("largest component", f"{fmt_number(self.sizes[0])} nodes ({self.sizes[0] / n:.1%})"),
            ("nodes outside it", fmt_number(n - self.sizes[0])),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("components", self.component.to_frame())]

    def plot(self, max_components: int = 30) -> Any:
        """Sizes of the strongly connected components, largest first.

        Parameters
        ----------
        max_components : int
            Number of components drawn (the largest ones).

        Returns
        -------
        matplotlib.figure.Figure
            Bars of nodes per component (log scale when they span more than a
            factor 10), the largest one highlighted.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge(0, 1, travel_time=1.0); _ = G.add_edge(1, 0, travel_time=1.0)
        >>> _ = G.add_edge(1, 2, travel_time=1.0)
        >>> connectivity(G).plot().axes[0].get_ylabel()
        'nodes'
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        from drm.plotting import OKABE_ITO

        sizes = self.sizes[:max_components]
        n = int(self.sizes.sum())
        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
        colours = [OKABE_ITO[4]] + [OKABE_ITO[5]] * (sizes.size - 1)
        ax.bar(np.arange(sizes.size), sizes, color=colours)
        if sizes[0] > 10 * sizes[-1]:
            ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("component (0 = the largest)")
        ax.set_ylabel("nodes")
        ax.set_title(
            f"{self.n_components:,} components; {n - int(self.sizes[0]):,} of {n:,} nodes "
            "outside the largest"
        )
        return fig


def connectivity(G: nx.Graph | RoadMatrix, weight: str = "travel_time") -> Connectivity:
    """Report the strongly connected components of a road graph.

    Closed roads (infinite weight) do not connect. Nodes outside the largest
    component are where evacuees can be stranded (one-way traps, islands cut
    off by the flood).

    Parameters
    ----------
    G : networkx graph or RoadMatrix
        Road graph.
    weight : str
        Edge weight; edges where it is infinite are treated as absent.

    Returns
    -------
    Connectivity

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(0, 1, travel_time=1.0); _ = G.add_edge(1, 0, travel_time=1.0)
    >>> _ = G.add_edge(1, 2, travel_time=1.0)  # one way out, no way back
    >>> connectivity(G).outside_largest
    [2]
    """
    M = G if isinstance(G, RoadMatrix) else road_matrix(G, weight)
    n, labels = connected_components(M.csr, directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=n)
    rank = np.empty(n, dtype=np.int64)
    order = np.argsort(-sizes, kind="stable")
    rank[order] = np.arange(n)
    return Connectivity(
        component=pd.Series(rank[labels], index=pd.Index(M.nodes, name="node"), name="component"),
        sizes=sizes[order],
    )


def road_ids_named(G: nx.MultiDiGraph, name: str) -> list[str]:
    """The ``road_id`` of the roads an inject names: by ``road_id``, else OSM ``ref``, ``name`` or ``osmid``.

    OpenStreetMap roads read from an OSMnx file carry their way id as
    ``road_id``; a trainer names a bridge by its ``ref`` or ``name`` instead.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph (edges with ``road_id``).
    name : str
        What the inject or user calls the road.

    Returns
    -------
    list of str
        The ``road_id`` values of every edge that answers to ``name``, sorted.

    Raises
    ------
    InputError
        No road answers to ``name``; the message suggests close matches.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(1, 2, road_id="4471", ref="bridge-2", name="Harmon Road")
    >>> road_ids_named(G, "bridge-2"), road_ids_named(G, "4471")
    (['4471'], ['4471'])
    """
    seen: dict[str, set[str]] = {"road_id": set(), "ref": set(), "name": set(), "osmid": set()}
    hits: dict[str, set[str]] = {k: set() for k in seen}
    for _, _, d in G.edges(data=True):
        rid = str(d.get("road_id", ""))
        for key in seen:
            value = d.get(key)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if v is None:
                    continue
                seen[key].add(str(v))
                if str(v) == name:
                    hits[key].add(rid)
    for key in seen:
        if hits[key]:
            return sorted(hits[key])
    close = difflib.get_close_matches(name, sorted(set().union(*seen.values())), n=3)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    raise InputError(
        f"no road {name!r} among the roads' road_id, ref, name or osmid{hint}"
    )
