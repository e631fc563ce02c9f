"""Road networks: GeoJSON lines, OSMnx edge GeoJSON, GraphML and OpenStreetMap XML to an OSMnx-style graph.

The graph is a :class:`networkx.MultiDiGraph` in OSMnx conventions, so an
OSMnx graph and a drm graph are interchangeable:

* graph attribute ``crs`` (a string pyproj understands);
* node attributes ``x``, ``y`` (m) and ``street_count``;
* edge attributes ``length`` (m), ``highway``, ``lanes`` (int when known),
  ``oneway`` (bool), ``reversed`` (bool), ``name``, ``maxspeed``, ``bridge``,
  ``geometry`` (:class:`shapely.LineString`, from ``u`` to ``v``) and drm's
  ``road_id`` (the feature's id, used to close a road in a scenario).

Two GeoJSON layouts are read. Plain road lines (one feature per road, as a
planner draws them): two-way roads become two directed edges, ``oneway``
roads one (``-1`` means one-way against the drawing direction). OSMnx edge
files (``osmnx.graph_to_gdfs(G)[1].to_file(...)``: properties ``u``, ``v``,
``key``; both directions of a two-way road are features of their own): each
feature is one directed edge, as given, so lanes, capacity and length are not
doubled.

``reversed`` follows one convention whatever the source: it is True on the
second edge of each two-way road only (see :func:`back_edges`), so the edges
with ``reversed`` False count each road once (a one-way road's single edge is
never ``reversed``).

CRS: ``crs=`` is the CRS of the file when the file does not say (RFC 7946
GeoJSON with no ``crs`` member is lon/lat WGS 84); ``to_crs=`` is the target,
the DEM's. Without ``to_crs``, degree coordinates go to the UTM zone of their
own centre and projected ones stay as they are.
"""

from __future__ import annotations

import ast
import itertools
import logging
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from pyproj import CRS, Transformer
from shapely import LineString, wkt

from drm.errors import InputError, missing_dependency, warn
from drm.grids import utm_crs
from drm.io._files import file_format, resolve_input
from drm.io.vectors import file_crs, geojson_crs, read_geojson, write_geojson
from drm.io.xml_safety import check_xml

__all__ = ["back_edges", "graph_from_lines", "project_graph", "read_roads", "write_roads"]

log = logging.getLogger("drm")

#: Coordinates closer than this (m) are the same node when building from lines.
NODE_TOLERANCE_M = 0.01
#: Scenario key that gives the CRS of a road file that records none (for messages).
ROADS_CRS_KEY = "evacuation.roads_crs"

_ONEWAY = {
    **dict.fromkeys(("yes", "true", "1", "t", "y", "si", "sí"), 1),
    **dict.fromkeys(("-1", "reverse"), -1),
    **dict.fromkeys(("no", "false", "0", "f", "n", ""), 0),
}


def _oneway(value: Any) -> int | None:
    """Return 1 (one-way along the line), -1 (against it), 0 (two-way) or None (not understood)."""
    if value is None or isinstance(value, bool):
        return int(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (-1, 0, 1):
        return int(value)
    return _ONEWAY.get(str(value).strip().lower())


def _warn_oneway(unknown: Counter[str], source: str) -> None:
    if not unknown:
        return
    values = ", ".join(f"{v!r} ({n})" for v, n in unknown.most_common(5))
    warn(
        f"{source}: oneway values {values} are not yes/no/true/false/1/0/-1; those "
        f"{sum(unknown.values())} road(s) are read as two-way; set oneway to yes, no or -1"
    )


def _lanes(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("["):
        try:
            return [_lanes(v) for v in ast.literal_eval(value)]
        except (ValueError, SyntaxError):
            return value
    if isinstance(value, list):
        return [_lanes(v) for v in value]
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return value


def _metric(to_crs: Any, source: str) -> CRS | None:
    """The target CRS, which must be projected (metres); None when not given."""
    if to_crs is None:
        return None
    try:
        dst = CRS.from_user_input(to_crs)
    except Exception:  # pyproj's CRSError
        raise InputError(f"{source}: to_crs={to_crs!r} is not a CRS pyproj understands") from None
    if dst.is_geographic:
        raise InputError(
            f"{source}: to_crs={dst.name} is in degrees; the road graph needs metres "
            "(pass the DEM's projected CRS)"
        )
    return dst


def _target(src: CRS, to_crs: Any, x: np.ndarray, y: np.ndarray, source: str) -> CRS:
    """``to_crs``; without it, the UTM zone of the data's centre for degrees, else ``src``."""
    dst = _metric(to_crs, source)
    if dst is not None:
        return dst
    if src.is_geographic:
        return utm_crs(float(np.mean(x)), float(np.mean(y)))
    return src


def _projector(src: CRS, dst: CRS) -> Any:
    """A function mapping an (n, 2) array from ``src`` to ``dst`` (identity when equal)."""
    if src == dst:
        return lambda a: a
    t = Transformer.from_crs(src, dst, always_xy=True)
    return lambda a: np.column_stack(t.transform(a[:, 0], a[:, 1]))


def graph_from_lines(
    lines: list[tuple[np.ndarray, dict[str, Any]]],
    crs: Any,
    *,
    to_crs: Any = None,
    source: str = "roads",
) -> nx.MultiDiGraph:
    """Build a road graph from polylines with attributes.

    A node is placed at every line end and at every vertex shared by two or
    more lines (an intersection drawn as a common vertex); lines are split
    there. Lines crossing without a common vertex (bridges over roads) stay
    unconnected, as in OSM.

    Parameters
    ----------
    lines : list of (array of shape (n, 2), dict)
        Vertices in the units of ``crs`` (m, or degrees lon/lat) and the
        line's attributes (``highway``, ``lanes``, ``oneway``, ``name``,
        ``road_id``, ...).
    crs : str or pyproj.CRS
        CRS of the coordinates.
    to_crs : str or pyproj.CRS, optional
        Projected CRS of the graph (the DEM's); default: ``crs`` when it is
        projected, else the UTM zone of the lines' centre.
    source : str
        Name for messages.

    Returns
    -------
    networkx.MultiDiGraph
        OSMnx-style graph: node ``x``, ``y`` (m), edge ``length`` (m) and the
        lines' attributes; two-way lines give an edge in each direction.

    Raises
    ------
    InputError
        No line with two distinct points, or ``to_crs`` in degrees.

    Examples
    --------
    >>> import numpy as np
    >>> G = graph_from_lines([(np.array([[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]]), {"highway": "residential"}),
    ...                       (np.array([[100.0, 0.0], [100.0, 80.0]]), {"highway": "residential", "oneway": "yes"})],
    ...                      "EPSG:32619")
    >>> G.number_of_nodes(), sorted(round(d["length"]) for *_, d in G.edges(data=True))  # m
    (4, [80, 100, 100, 100, 100])
    """
    src = CRS.from_user_input(crs)
    if lines:
        allxy = np.concatenate([np.asarray(c, dtype=float)[:, :2] for c, _ in lines])
        dst = _target(src, to_crs, allxy[:, 0], allxy[:, 1], source)
    else:
        dst = _metric(to_crs, source) or src
    project = _projector(src, dst)
    keyed = []
    counts: Counter[tuple[int, int]] = Counter()
    for coords, props in lines:
        xy = project(np.asarray(coords, dtype=float)[:, :2])
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
    G = nx.MultiDiGraph(crs=dst.to_string(), created_with="drm", simplified=True)

    def node(key: tuple[int, int], xy: np.ndarray) -> int:
        if key not in node_id:
            node_id[key] = len(node_id)
            G.add_node(node_id[key], x=float(xy[0]), y=float(xy[1]))
        return node_id[key]

    unknown: Counter[str] = Counter()
    for xy, keys, props in keyed:
        cuts = [0] + [i for i in range(1, len(keys) - 1) if counts[keys[i]] > 1] + [len(keys) - 1]
        direction = _oneway(props.get("oneway"))
        if direction is None:
            unknown[str(props.get("oneway"))] += 1
            direction = 0
        attrs = {
            k: v for k, v in props.items() if v is not None and k not in ("oneway", "reversed")
        }
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
    _warn_oneway(unknown, source)
    if src != dst:
        log.info("%s: projected road lines from %s to %s", source, src.name, dst.name)
    _set_street_counts(G)
    return G


def _set_street_counts(G: nx.MultiDiGraph) -> None:
    pairs: dict[Any, set[tuple[Any, Any, Any]]] = {n: set() for n in G.nodes}
    for u, v, _k, d in G.edges(keys=True, data=True):
        a, b = sorted((u, v), key=str)
        ident = (a, b, round(d.get("length", 0.0), 3))
        pairs[u].add(ident)
        pairs[v].add(ident)
    for n, s in pairs.items():
        G.nodes[n]["street_count"] = len(s)


def _flag(value: Any) -> bool | None:
    """A ``reversed`` value as bool; None for OSMnx's merged lists (``[False, True]``)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None:
        return False
    text = str(value).strip().lower()
    if text.startswith("["):
        return None
    return text in ("true", "1", "yes")


def _length_or_none(d: dict[str, Any]) -> float | None:
    try:
        v = float(d.get("length"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _same_road(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two opposite edges of one two-way road: neither one-way, lengths within 0.1 % + 1 cm."""
    if _oneway(a.get("oneway")) or _oneway(b.get("oneway")):
        return False
    la, lb = _length_or_none(a), _length_or_none(b)
    return la is None or lb is None or abs(la - lb) <= 1e-3 * max(la, lb) + 0.01


def _pairs(
    fw: list[tuple[Any, dict[str, Any]]], bw: list[tuple[Any, dict[str, Any]]]
) -> Iterable[tuple[Any, Any, dict[str, Any], dict[str, Any]]]:
    """Match edges ``fw`` (keyed) to opposite edges ``bw`` of the same road, greedily."""
    left = list(bw)
    for kf, df in fw:
        for j, (kb, db) in enumerate(left):
            if _same_road(df, db):
                del left[j]
                yield kf, kb, df, db
                break


def back_edges(G: nx.MultiDiGraph) -> set[tuple[Any, Any, Any]]:
    """Return the second edge ``(u, v, key)`` of each two-way road of a graph.

    Two opposite edges ``u -> v`` and ``v -> u``, neither one-way, with the
    same length (within 0.1 % + 1 cm) are one two-way road. Of each such pair
    the edge whose own ``reversed`` is True (and its partner's False) is the
    back edge; when the flags do not tell (OSMnx's merged ``[False, True]``),
    the edge leaving the node that comes later in the graph's node order is.
    Summing ``length`` over the other edges counts each road once.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph in OSMnx conventions (edge ``length`` in m, ``oneway``, ``reversed``).

    Returns
    -------
    set of tuple
        ``(u, v, key)`` of the back edges.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(1, 2, length=100.0, oneway=False, reversed="[False, True]")
    >>> _ = G.add_edge(2, 1, length=100.0, oneway=False, reversed="[False, True]")
    >>> _ = G.add_edge(2, 3, length=50.0, oneway=True, reversed=True)  # one-way, drawn backwards
    >>> sorted(back_edges(G))
    [(2, 1, 0)]
    """
    order = {n: i for i, n in enumerate(G.nodes)}
    adj = G._adj  # networkx's adjacency dicts, read only (the views cost 3x)
    backs: set[tuple[Any, Any, Any]] = set()
    for u, nbrs in adj.items():
        for v, keyed in nbrs.items():
            if u == v:
                loops = sorted(keyed.items(), key=lambda kd: _length_or_none(kd[1]) or 0.0)
                pairs = _pairs(loops[0::2], loops[1::2])
            elif order[u] < order[v] and u in adj[v]:
                pairs = _pairs(list(keyed.items()), list(adj[v][u].items()))
            else:
                continue
            for kf, kb, df, db in pairs:
                forward_is_back = (
                    _flag(df.get("reversed")) is True and _flag(db.get("reversed")) is False
                )
                backs.add((u, v, kf) if forward_is_back else (v, u, kb))
    return backs


def _mark_reversed(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Set ``reversed`` to drm's convention (True on the back edge of a two-way road only)."""
    backs = back_edges(G)
    for u, v, k, d in G.edges(keys=True, data=True):
        d["reversed"] = (u, v, k) in backs
    return G


def project_graph(G: nx.MultiDiGraph, to_crs: Any = None) -> nx.MultiDiGraph:
    """Return a copy of ``G`` with coordinates and geometries in ``to_crs`` (default: local UTM).

    Edge ``length`` is kept when present (OSMnx computes it on the sphere) and
    computed from the projected geometry otherwise.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph with node ``x``, ``y`` in its ``crs`` (degrees when geographic).
    to_crs : str, int or pyproj.CRS, optional
        Projected target CRS (the DEM's); default: the UTM zone of the nodes'
        mean position (a graph already in a projected CRS is then returned
        unchanged).

    Returns
    -------
    networkx.MultiDiGraph
        New graph with ``x``, ``y`` in metres of ``to_crs``, ``length`` in m.

    Raises
    ------
    InputError
        ``to_crs`` in degrees.

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
    dst = _target(src, to_crs, xs, ys, "road graph")
    if dst == src:
        return G.copy()
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
    log.info("road graph: projected from %s to %s", src.name, dst.name)
    return H


def _parts(f: dict[str, Any]) -> list[np.ndarray]:
    """The (n, 2) vertex arrays of a LineString or MultiLineString feature (none for others)."""
    geom = f.get("geometry") or {}
    coords = geom.get("coordinates") or []
    parts = {"LineString": [coords], "MultiLineString": coords}.get(str(geom.get("type")), [])
    try:
        arrays = [np.asarray(part, dtype=float) for part in parts]
    except (TypeError, ValueError):
        raise InputError(
            f"feature {f.get('id') or f.get('properties')!r} has malformed {geom.get('type')} "
            "coordinates (want [[x, y], ...] numbers); fix or drop it"
        ) from None
    return [a[:, :2] for a in arrays if a.ndim == 2 and a.shape[0] >= 2 and a.shape[1] >= 2]


def _is_edge_file(features: list[dict[str, Any]], p: Path) -> bool:
    """True for an OSMnx edge file (every line feature has ``u`` and ``v``); refuse a mix."""
    lines = [f for f in features if _parts(f)]
    with_uv = sum(
        1
        for f in lines
        if {"u", "v"} <= {k for k, v in (f.get("properties") or {}).items() if v is not None}
    )
    if 0 < with_uv < len(lines):
        raise InputError(
            f"{p}: {with_uv} of {len(lines)} line features have 'u'/'v' node ids (an OSMnx edge "
            "file) and the others do not; write all edges of one graph "
            "(osmnx.graph_to_gdfs(G)[1]) or drop the u/v properties"
        )
    return bool(lines) and with_uv == len(lines)


def _from_geojson(p: Path, crs: Any, to_crs: Any) -> nx.MultiDiGraph:
    features, declared = read_geojson(p, what="roads", crs=crs)
    try:
        parts = [a for f in features for a in _parts(f)]
    except InputError as err:
        raise InputError(f"{p}: {err}") from None
    if not parts:
        raise InputError(
            f"{p}: contains no road lines (LineString or MultiLineString features); check that "
            "this is the road layer and export its lines (e.g. OSMnx's edges)"
        )
    allxy = np.concatenate(parts)
    src = geojson_crs(declared, allxy[:, 0], allxy[:, 1], source=str(p), key=ROADS_CRS_KEY)
    if _is_edge_file(features, p):
        return _graph_from_edges(features, src, to_crs, p)
    lines: list[tuple[np.ndarray, dict[str, Any]]] = []
    for i, f in enumerate(features):
        props = dict(f.get("properties") or {})
        rid = f.get("id", props.pop("id", None))
        props.setdefault("road_id", str(rid) if rid is not None else f"road-{i}")
        lines.extend((arr, props) for arr in _parts(f))
    return graph_from_lines(lines, src, to_crs=to_crs, source=str(p))


def _graph_from_edges(
    features: list[dict[str, Any]], src: CRS, to_crs: Any, p: Path
) -> nx.MultiDiGraph:
    """One directed edge per feature of an OSMnx edge file (``u``, ``v``, ``key``), as given."""
    allxy = np.concatenate([a for f in features for a in _parts(f)])
    dst = _target(src, to_crs, allxy[:, 0], allxy[:, 1], str(p))
    project = _projector(src, dst)
    G = nx.MultiDiGraph(crs=dst.to_string(), created_with="drm", simplified=True)
    unknown: Counter[str] = Counter()
    skipped = {"MultiLineString": 0, "no highway": 0}
    bad_length: list[tuple[Any, Any, float, float]] = []
    for i, f in enumerate(features):
        parts = _parts(f)
        if not parts:
            continue
        if len(parts) > 1:
            skipped["MultiLineString"] += 1
            continue
        props = {k: v for k, v in (f.get("properties") or {}).items() if v is not None}
        if "highway" not in props:  # land-use and building outlines an OSM extract carries
            skipped["no highway"] += 1
            continue
        u, v, key = props.pop("u"), props.pop("v"), props.pop("key", None)
        xy = project(parts[0])
        xy = _orient(G, u, v, xy)
        geom_len = float(np.sum(np.hypot(*np.diff(xy, axis=0).T)))
        length = _length_or_none(props)
        if length is None or length < 0 or abs(length - geom_len) > 0.02 * geom_len + 1.0:
            if length is not None:
                bad_length.append((u, v, length, geom_len))
            length = geom_len
        direction = _oneway(props.get("oneway"))
        if direction is None:
            unknown[str(props.get("oneway"))] += 1
        if "lanes" in props:
            props["lanes"] = _lanes(props["lanes"])
        rid = f.get("id", props.pop("id", None))
        osmid = props.get("osmid")
        props.setdefault(
            "road_id", str(osmid if osmid is not None else rid if rid is not None else f"road-{i}")
        )
        props.update(length=length, oneway=bool(direction), geometry=LineString(xy))
        G.add_edge(u, v, key=key, **props)
    _warn_oneway(unknown, str(p))
    if bad_length:
        u, v, got, geom_len = bad_length[0]
        warn(
            f"{p}: {len(bad_length)} edge(s) have a 'length' that differs from their geometry by "
            f"more than 2 % (first: ({u!r}, {v!r}) length {got:g} vs {geom_len:.1f} m); the "
            "geometry's length is used; 'length' must be metres"
        )
    if skipped["MultiLineString"]:
        raise InputError(
            f"{p}: {skipped['MultiLineString']} OSMnx edge feature(s) are MultiLineStrings; an edge "
            "from u to v must be one LineString (merge the parts)"
        )
    if G.number_of_edges() == 0:
        raise InputError(f"{p}: no edge has a 'highway' tag; the file holds no roads")
    if skipped["no highway"]:
        log.info("%s: %d edges without a highway tag left out", p, skipped["no highway"])
    if src != dst:
        log.info("%s: projected road edges from %s to %s", p, src.name, dst.name)
    _set_street_counts(G)
    return _mark_reversed(G)


def _orient(G: nx.MultiDiGraph, u: Any, v: Any, xy: np.ndarray) -> np.ndarray:
    """Place nodes ``u``, ``v`` at the line's ends (first come) and return the line from u to v."""
    for n in (u, v):
        if n not in G:
            G.add_node(n)
    pos_u, pos_v = G.nodes[u], G.nodes[v]
    if "x" in pos_u or "x" in pos_v:
        at_u = np.array([pos_u.get("x", np.nan), pos_u.get("y", np.nan)])
        at_v = np.array([pos_v.get("x", np.nan), pos_v.get("y", np.nan)])
        as_drawn = np.nansum(np.abs(xy[0] - at_u)) + np.nansum(np.abs(xy[-1] - at_v))
        flipped = np.nansum(np.abs(xy[-1] - at_u)) + np.nansum(np.abs(xy[0] - at_v))
        if flipped < as_drawn:
            xy = xy[::-1]
    for n, end in ((u, xy[0]), (v, xy[-1])):
        G.nodes[n].setdefault("x", float(end[0]))
        G.nodes[n].setdefault("y", float(end[1]))
    return xy


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


def _from_graphml(p: Path, crs: Any, to_crs: Any) -> nx.MultiDiGraph:
    check_xml(p, "roads")  # no entities or DTD: networkx's parser would expand them
    try:
        raw = nx.read_graphml(p)
    except Exception as err:  # networkx raises several parser errors
        raise InputError(
            f"{p}: not a readable GraphML file ({err}); the file is damaged or cut short: "
            "export it again"
        ) from None
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
    if G.number_of_edges() == 0:
        raise InputError(f"{p}: the road graph has no edges")
    missing = [n for n, d in G.nodes(data=True) if "x" not in d or "y" not in d]
    if missing:
        raise InputError(
            f"{p}: {len(missing)} nodes have no x/y coordinates (first: {missing[0]!r})"
        )
    G.graph["crs"] = _graph_crs(G.graph.get("crs"), crs, p).to_string()
    return _mark_reversed(project_graph(G, to_crs))


def _graph_crs(recorded: Any, crs: Any, p: Path) -> CRS:
    """The graph's own ``crs`` attribute, else ``crs=``; refuse neither."""
    found = file_crs(recorded, crs, p)
    if found is None:
        raise InputError(
            f"{p}: the graph has no 'crs' attribute; pass crs='EPSG:...' (scenario key {ROADS_CRS_KEY})"
        )
    return found


def _from_osm(p: Path, crs: Any, to_crs: Any) -> nx.MultiDiGraph:
    check_xml(p, "roads")  # no entities or DTD: OSMnx's parser would expand them
    if crs is not None and CRS.from_user_input(crs) != CRS.from_epsg(4326):
        warn(f"{p}: OpenStreetMap XML is always WGS 84 lon/lat; crs={crs!r} is ignored")
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
    return _mark_reversed(project_graph(G, to_crs))


def read_roads(
    path: str | os.PathLike[str], *, crs: Any = None, to_crs: Any = None
) -> nx.MultiDiGraph:
    """Read a road network into an OSMnx-compatible MultiDiGraph in metres.

    Formats: GeoJSON (``.geojson``) of road lines or of OSMnx edges (``u``,
    ``v``, ``key`` properties, each feature one directed edge), GraphML
    (``.graphml``, as written by OSMnx or :func:`write_roads`) and
    OpenStreetMap XML (``.osm``, ``.osm.bz2``; needs the ``geo`` extra for
    OSMnx).

    Parameters
    ----------
    path : str or path-like
        The road file.
    crs : str, int or pyproj.CRS, optional
        CRS of the file when the file does not say (no GeoJSON ``crs``
        member, no GraphML ``crs`` attribute); a GeoJSON without either is
        lon/lat WGS 84 (RFC 7946) unless its coordinates look projected, which
        is refused. Scenario key ``evacuation.roads_crs``.
    to_crs : str, int or pyproj.CRS, optional
        Projected CRS of the graph, the DEM's. Default: a file in degrees goes
        to the UTM zone of its centre, a projected one stays in its CRS.

    Returns
    -------
    networkx.MultiDiGraph
        See the module docstring for the attributes; node ``x``, ``y`` and
        edge ``length`` in metres of the graph's ``crs``.

    Raises
    ------
    InputError
        A file with no lines, no coordinates, no CRS where one is needed,
        projected-looking coordinates without a CRS, or ``to_crs`` in degrees.

    Examples
    --------
    >>> import drm
    >>> G = drm.io.read_roads(drm.datasets.builtin_path("hazard_data/valle_alto/roads.geojson"))
    >>> G.graph["crs"], G.number_of_nodes() > 100
    ('EPSG:32619', True)
    """
    p = resolve_input(path, "roads")
    fmt = file_format(p, ("geojson", "graphml", "osm"), "roads")
    reader = {"geojson": _from_geojson, "graphml": _from_graphml, "osm": _from_osm}[fmt]
    G = reader(p, crs, to_crs)
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
