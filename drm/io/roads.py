"""Road networks: GeoJSON lines, GraphML and OpenStreetMap XML to an OSMnx-style graph.

The graph is a :class:`networkx.MultiDiGraph` in OSMnx conventions, so an
OSMnx graph and a drm graph are interchangeable:

* graph attribute ``crs`` (a string pyproj understands);
* node attributes ``x``, ``y`` (m) and ``street_count``;
* edge attributes ``length`` (m), ``highway``, ``lanes`` (int when known),
  ``oneway`` (bool), ``reversed`` (bool), ``name``, ``maxspeed``, ``bridge``,
  ``geometry`` (:class:`shapely.LineString`, from ``u`` to ``v``) and drm's
  ``road_id`` (the feature's id, used to close a road in a scenario).

Two-way roads become two directed edges; ``oneway`` roads one (``-1`` means
one-way against the drawing direction). Degree coordinates are projected to
the local UTM zone.
"""

from __future__ import annotations

import ast
import itertools
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from pyproj import CRS, Transformer
from shapely import LineString, wkt

from drm.errors import InputError, missing_dependency
from drm.grids import utm_crs
from drm.io._files import file_format, resolve_input
from drm.io.vectors import read_geojson, write_geojson

__all__ = ["graph_from_lines", "project_graph", "read_roads", "write_roads"]

log = logging.getLogger("drm")

#: Coordinates closer than this (m) are the same node when building from lines.
NODE_TOLERANCE_M = 0.01

_ONEWAY_TRUE = {"yes", "true", "1", "t"}


def _oneway(value: Any) -> int:
    """Return 1 (one-way along the line), -1 (against it) or 0 (two-way)."""
    if isinstance(value, bool):
        return int(value)
    text = str(value).strip().lower() if value is not None else ""
    if text in _ONEWAY_TRUE:
        return 1
    if text in ("-1", "reverse"):
        return -1
    return 0


def _lanes(value: Any) -> Any:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return value


def graph_from_lines(
    lines: list[tuple[np.ndarray, dict[str, Any]]], crs: Any, *, source: str = "roads"
) -> nx.MultiDiGraph:
    """Build a road graph from polylines with attributes.

    A node is placed at every line end and at every vertex shared by two or
    more lines (an intersection drawn as a common vertex); lines are split
    there. Lines crossing without a common vertex (bridges over roads) stay
    unconnected, as in OSM.

    Parameters
    ----------
    lines : list of (array of shape (n, 2), dict)
        Vertices in metres and the line's attributes (``highway``, ``lanes``,
        ``oneway``, ``name``, ``road_id``, ...).
    crs : str or pyproj.CRS
        Projected CRS of the coordinates.
    source : str
        Name for messages.

    Returns
    -------
    networkx.MultiDiGraph
        OSMnx-style graph: node ``x``, ``y`` (m), edge ``length`` (m) and the
        lines' attributes; two-way lines give an edge in each direction.

    Examples
    --------
    >>> import numpy as np
    >>> G = graph_from_lines([(np.array([[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]]), {"highway": "residential"}),
    ...                       (np.array([[100.0, 0.0], [100.0, 80.0]]), {"highway": "residential", "oneway": "yes"})],
    ...                      "EPSG:32619")
    >>> G.number_of_nodes(), sorted(round(d["length"]) for *_, d in G.edges(data=True))  # m
    (4, [80, 100, 100, 100, 100])
    """
    keyed = []
    counts: Counter[tuple[int, int]] = Counter()
    for coords, props in lines:
        xy = np.asarray(coords, dtype=float)
        keys = [tuple(k) for k in np.round(xy / NODE_TOLERANCE_M).astype(np.int64).tolist()]
        dedup = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]]
        xy = xy[dedup]
        keys = [keys[i] for i in dedup]
        if len(keys) < 2:
            continue
        keyed.append((xy, keys, props))
        counts.update(set(keys))
        counts.update([keys[0], keys[-1]])  # ends are always nodes
    if not keyed:
        raise InputError(
            f"{source}: contains no road lines (LineString features with two or more points)"
        )
    node_id: dict[tuple[int, int], int] = {}
    G = nx.MultiDiGraph(
        crs=CRS.from_user_input(crs).to_string(), created_with="drm", simplified=True
    )

    def node(key: tuple[int, int], xy: np.ndarray) -> int:
        if key not in node_id:
            node_id[key] = len(node_id)
            G.add_node(node_id[key], x=float(xy[0]), y=float(xy[1]))
        return node_id[key]

    for xy, keys, props in keyed:
        cuts = [0] + [i for i in range(1, len(keys) - 1) if counts[keys[i]] > 1] + [len(keys) - 1]
        direction = _oneway(props.get("oneway"))
        attrs = {k: v for k, v in props.items() if v is not None and k != "oneway"}
        attrs.setdefault("highway", "unclassified")
        if "lanes" in attrs:
            attrs["lanes"] = _lanes(attrs["lanes"])
        for a, b in itertools.pairwise(cuts):
            seg = xy[a : b + 1]
            u, v = node(keys[a], seg[0]), node(keys[b], seg[-1])
            if u == v and len(seg) < 3:
                continue
            length = float(np.sum(np.hypot(*np.diff(seg, axis=0).T)))
            geom = LineString(seg)
            base = {**attrs, "length": length, "oneway": direction != 0}
            if direction >= 0:
                G.add_edge(u, v, **base, reversed=False, geometry=geom)
            if direction <= 0:
                G.add_edge(v, u, **base, reversed=direction == 0, geometry=geom.reverse())
    for n, deg in _street_counts(G).items():
        G.nodes[n]["street_count"] = deg
    return G


def _street_counts(G: nx.MultiDiGraph) -> dict[int, int]:
    pairs: dict[int, set[tuple[Any, Any, Any]]] = {n: set() for n in G.nodes}
    for u, v, _k, d in G.edges(keys=True, data=True):
        ident = (min(u, v), max(u, v), round(d.get("length", 0.0), 3))
        pairs[u].add(ident)
        pairs[v].add(ident)
    return {n: len(s) for n, s in pairs.items()}


def project_graph(G: nx.MultiDiGraph, to_crs: Any = None) -> nx.MultiDiGraph:
    """Return a copy of ``G`` with coordinates and geometries in ``to_crs`` (default: local UTM).

    Edge ``length`` is kept when present (OSMnx computes it on the sphere) and
    computed from the projected geometry otherwise.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph with node ``x``, ``y`` in its ``crs`` (degrees when geographic).
    to_crs : str, int or pyproj.CRS, optional
        Target CRS; default: the UTM zone of the nodes' mean position (a graph
        already in a projected CRS is then returned unchanged).

    Returns
    -------
    networkx.MultiDiGraph
        New graph with ``x``, ``y`` in metres of ``to_crs``, ``length`` in m.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=-71.18, y=8.57); G.add_node(2, x=-71.178, y=8.57)
    >>> _ = G.add_edge(1, 2, length=219.9)
    >>> P = project_graph(G)
    >>> P.graph["crs"], [(round(d["x"]), round(d["y"])) for _, d in P.nodes(data=True)]
    ('EPSG:32619', [(260056, 947994), (260276, 947992)])
    """
    src = CRS.from_user_input(G.graph.get("crs", "EPSG:4326"))
    xs = np.array([d["x"] for _, d in G.nodes(data=True)], dtype=float)
    ys = np.array([d["y"] for _, d in G.nodes(data=True)], dtype=float)
    if to_crs is None:
        if not src.is_geographic:
            return G.copy()
        to_crs = utm_crs(float(np.mean(xs)), float(np.mean(ys)))
    dst = CRS.from_user_input(to_crs)
    t = Transformer.from_crs(src, dst, always_xy=True)
    H = G.copy()
    px, py = t.transform(xs, ys)
    for (_, d), x, y in zip(H.nodes(data=True), px, py, strict=True):
        d["x"], d["y"] = float(x), float(y)
    for u, v, d in H.edges(data=True):
        if "geometry" in d:
            cx, cy = t.transform(*np.asarray(d["geometry"].coords).T)
            d["geometry"] = LineString(np.column_stack([cx, cy]))
        if "length" not in d:
            if "geometry" in d:
                d["length"] = float(d["geometry"].length)
            else:
                d["length"] = float(
                    np.hypot(H.nodes[u]["x"] - H.nodes[v]["x"], H.nodes[u]["y"] - H.nodes[v]["y"])
                )
    H.graph["crs"] = dst.to_string()
    log.info("road graph: projected from %s (degrees) to %s", src.name, dst.name)
    return H


def _from_geojson(p: Path, crs: Any) -> nx.MultiDiGraph:
    features, file_crs = read_geojson(p, what="roads")
    src = CRS.from_user_input(crs) if crs is not None else file_crs
    lines: list[tuple[np.ndarray, dict[str, Any]]] = []
    for i, f in enumerate(features):
        geom = f.get("geometry") or {}
        props = dict(f.get("properties") or {})
        rid = f.get("id", props.pop("id", None))
        props.setdefault("road_id", str(rid) if rid is not None else f"road-{i}")
        parts = []
        if geom.get("type") == "LineString":
            parts = [geom.get("coordinates") or []]
        elif geom.get("type") == "MultiLineString":
            parts = geom.get("coordinates") or []
        for part in parts:
            arr = np.asarray(part, dtype=float)
            if arr.ndim == 2 and arr.shape[0] >= 2:
                lines.append((arr[:, :2], props))
    if not lines:
        raise InputError(f"{p}: contains no road lines (LineString or MultiLineString features)")
    allxy = np.concatenate([a for a, _ in lines])
    degrees_like = bool(np.all(np.abs(allxy[:, 0]) <= 180) and np.all(np.abs(allxy[:, 1]) <= 90))
    if src is None:
        if not degrees_like:
            raise InputError(
                f"{p}: coordinates look projected (metres) but the file declares no 'crs'; "
                "pass crs='EPSG:....' to read_roads or add a crs member"
            )
        src = CRS.from_epsg(4326)
    if src.is_geographic:
        dst = utm_crs(float(np.mean(allxy[:, 0])), float(np.mean(allxy[:, 1])))
        t = Transformer.from_crs(src, dst, always_xy=True)
        lines = [(np.column_stack(t.transform(a[:, 0], a[:, 1])), props) for a, props in lines]
        log.info("%s: projected road lines from %s (degrees) to %s", p, src.name, dst.name)
        src = dst
    return graph_from_lines(lines, src, source=str(p))


_FLOAT_KEYS = {
    "x",
    "y",
    "length",
    "speed_kph",
    "travel_time",
    "capacity_veh_h",
    "lon",
    "lat",
    "grade",
    "grade_abs",
}
_BOOL_KEYS = {"oneway", "reversed"}


def _typed(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _FLOAT_KEYS:
        return float(value)
    if key in _BOOL_KEYS:
        return value.strip().lower() in ("true", "1", "yes")
    if key == "geometry":
        return wkt.loads(value)
    if key == "lanes":
        if value.startswith("["):
            try:
                return [_lanes(v) for v in ast.literal_eval(value)]
            except (ValueError, SyntaxError):
                return value
        return _lanes(value)
    if key == "street_count":
        return int(value)
    return value


def _from_graphml(p: Path, crs: Any) -> nx.MultiDiGraph:
    try:
        raw = nx.read_graphml(p)
    except Exception as err:  # networkx raises several parser errors
        raise InputError(f"{p}: not a readable GraphML file ({err})") from None
    ids = list(raw.nodes)
    try:
        mapping = {n: int(n) for n in ids}
    except (TypeError, ValueError):
        mapping = {n: n for n in ids}
    G = nx.MultiDiGraph()
    G.graph.update(
        {
            k: v
            for k, v in raw.graph.items()
            if not k.startswith("node_default") and not k.startswith("edge_default")
        }
    )
    for n, d in raw.nodes(data=True):
        G.add_node(mapping[n], **{k: _typed(k, v) for k, v in d.items()})
    directed = raw.is_directed()
    for u, v, d in raw.edges(data=True):
        attrs = {k: _typed(k, val) for k, val in d.items() if k not in ("key", "id")}
        G.add_edge(mapping[u], mapping[v], **attrs)
        if not directed:
            back = dict(attrs)
            if "geometry" in back:
                back["geometry"] = back["geometry"].reverse()
            G.add_edge(mapping[v], mapping[u], **back)
    if crs is not None:
        G.graph["crs"] = CRS.from_user_input(crs).to_string()
    if G.number_of_edges() == 0:
        raise InputError(f"{p}: the road graph has no edges")
    missing = [n for n, d in G.nodes(data=True) if "x" not in d or "y" not in d]
    if missing:
        raise InputError(
            f"{p}: {len(missing)} nodes have no x/y coordinates (first: {missing[0]!r})"
        )
    if "crs" not in G.graph:
        raise InputError(f"{p}: the graph has no 'crs' attribute; pass crs=... to read_roads")
    return project_graph(G) if CRS.from_user_input(G.graph["crs"]).is_geographic else G


def _from_osm(p: Path) -> nx.MultiDiGraph:
    try:
        import osmnx as ox
    except ImportError:
        raise missing_dependency("osmnx", "geo", f"reading OpenStreetMap XML {p.name}") from None
    try:
        G = ox.graph.graph_from_xml(p, simplify=False, retain_all=True)
        # OSM extracts also hold land-use and building outlines as ways: keep roads only
        G.remove_edges_from(
            [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if "highway" not in d]
        )
        G.remove_nodes_from(list(nx.isolates(G)))
        G = ox.simplify_graph(G)
    except Exception as err:  # osmnx raises many kinds
        raise InputError(f"{p}: cannot build a road graph from this OSM file ({err})") from None
    if G.number_of_edges() == 0:
        raise InputError(f"{p}: the OSM file has no roads")
    return project_graph(G)


def read_roads(path: str | os.PathLike[str], *, crs: Any = None) -> nx.MultiDiGraph:
    """Read a road network into an OSMnx-compatible MultiDiGraph in metres.

    Formats: GeoJSON lines (``.geojson``), GraphML (``.graphml``, as written by
    OSMnx or :func:`write_roads`) and OpenStreetMap XML (``.osm``, ``.osm.bz2``;
    needs the ``geo`` extra for OSMnx).

    Parameters
    ----------
    path : str or path-like
        The road file.
    crs : optional
        CRS of the coordinates when the file records none.

    Returns
    -------
    networkx.MultiDiGraph
        See the module docstring for the attributes.

    Raises
    ------
    InputError
        A file with no lines, no coordinates, or no CRS where one is needed.

    Examples
    --------
    >>> import drm
    >>> G = drm.io.read_roads(drm.datasets.builtin_path("hazard_data/valle_alto/roads.geojson"))
    >>> G.graph["crs"], G.number_of_nodes() > 100
    ('EPSG:32619', True)
    """
    p = resolve_input(path, "roads")
    fmt = file_format(p, ("geojson", "graphml", "osm"), "roads")
    if fmt == "geojson":
        G = _from_geojson(p, crs)
    elif fmt == "graphml":
        G = _from_graphml(p, crs)
    else:
        G = _from_osm(p)
    G.graph["source"] = p.name
    return G


def write_roads(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> Path:
    """Write a road graph as GeoJSON lines (one feature per road, both directions merged).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph in drm/OSMnx conventions.
    path : str or path-like
        ``.geojson`` target, written atomically (coordinates in the graph's CRS, m).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import pathlib, tempfile, drm
    >>> G = drm.io.read_roads(drm.datasets.builtin_path("hazard_data/valle_alto/roads.geojson"))
    >>> path = write_roads(G, pathlib.Path(tempfile.mkdtemp()) / "roads.geojson")
    >>> drm.io.read_roads(path).number_of_edges() == G.number_of_edges()
    True
    """
    features = []
    seen: set[tuple[Any, Any, Any]] = set()
    skip = {"geometry", "length", "reversed", "oneway"}
    for u, v, d in G.edges(data=True):
        if d.get("reversed") and G.has_edge(v, u):
            continue
        ident = (u, v, round(float(d.get("length", 0.0)), 3))
        if ident in seen:
            continue
        seen.add(ident)
        geom = d.get("geometry")
        coords = (
            np.asarray(geom.coords).tolist()
            if geom is not None
            else [[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]]
        )
        props = {k: _jsonable(val) for k, val in d.items() if k not in skip}
        props["oneway"] = "yes" if d.get("oneway") else "no"
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
    return write_geojson(features, path, crs=G.graph.get("crs"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
