"""Roads in flood water: slower, then closed, as the water rises.

Vehicles (Pregnolato et al. 2017, Transp. Res. D 55, 67-81): on water of depth
``w`` mm a car can drive at most

    v(w) = 0.0009 w² - 0.5529 w + 86.9448  km/h,

capped by the road's own speed; from 300 mm the road is impassable. Each edge
is cut into pieces along its geometry (see :mod:`drm.network._sampling`); the
edge's travel time is the sum of its pieces' times, and one piece at 300 mm or
more closes the edge.

People on foot are stopped by depth, velocity and their product, not slowed
(no published walking-speed-in-water curve is applied; walking speed stays as
set by :func:`~drm.network.prepare_roads`). A piece is impassable when any of
the three limits of the chosen profile is exceeded:

============ ======== ========== ============ ===========================================
profile      depth m  velocity   depth x vel  source
                      m/s        m²/s
============ ======== ========== ============ ===========================================
"general"    0.5      2.0        0.6          ARR 2019 (Book 6, Ch. 7; Smith et al. 2014):
                                              upper limit of class H2; beyond it (H3) the
                                              water is unsafe for children and the elderly
"adults"     1.2      3.0        0.6          Cox, Shand & Blacka 2010 (AR&R P10/S1/006):
                                              adults (height x mass > 50 m kg), low hazard
"children"   0.5      3.0        0.4          Cox et al. 2010: children (25-50 m kg), low
                                              hazard
============ ======== ========== ============ ===========================================

Bridges: an edge tagged ``bridge`` with a ``clearance_m`` attribute (height of
the deck above the ground or river bed under it, m) is judged by the water
*over the deck*, ``max(0, depth - clearance_m)``, where ``depth`` is the flood
depth on the grid under the bridge: the road closes only once the water surface
reaches the deck and rises 0.3 m above it (deck thickness is ignored, which errs
on the side of closing). A bridge without a clearance (and no
``bridge_clearance_m`` default) is judged like a road on the ground, which is
conservative; a :class:`~drm.errors.DrmWarning` says how many such bridges are wet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import networkx as nx
import numpy as np

from drm.errors import InputError, warn
from drm.network._flood_input import flood_series, flood_snapshot
from drm.network._sampling import EdgeSamples, read_pieces, sample_edges

__all__ = [
    "PEDESTRIAN_LIMITS",
    "VEHICLE_CLOSURE_DEPTH_M",
    "PedestrianLimits",
    "flood_roads",
    "pregnolato_speed_kph",
    "road_closure_times",
    "roads_at",
    "safe_nodes",
]

#: Depth from which a road is impassable to vehicles (Pregnolato et al. 2017), m.
VEHICLE_CLOSURE_DEPTH_M = 0.30


@dataclass(frozen=True)
class PedestrianLimits:
    """Largest depth, velocity and depth x velocity people can wade through safely.

    Attributes
    ----------
    depth_m : float
        Depth limit (m).
    velocity_m_s : float
        Velocity limit (m/s).
    depth_velocity_m2_s : float
        Limit of depth x velocity (m²/s).
    source : str
        Where the limits come from.

    Examples
    --------
    >>> PEDESTRIAN_LIMITS["children"].depth_velocity_m2_s
    0.4
    """

    depth_m: float
    velocity_m_s: float
    depth_velocity_m2_s: float
    source: str


#: Pedestrian profiles by name: depth (m), velocity (m/s) and depth x velocity (m²/s) limits with
#: their source ("general": ARR 2019 class H2; "adults", "children": Cox, Shand & Blacka 2010).
PEDESTRIAN_LIMITS = {
    "general": PedestrianLimits(0.5, 2.0, 0.6, "ARR 2019 Book 6 Ch. 7, hazard class H2 upper limit"),
    "adults": PedestrianLimits(1.2, 3.0, 0.6, "Cox, Shand & Blacka 2010, adults, low hazard"),
    "children": PedestrianLimits(0.5, 3.0, 0.4, "Cox, Shand & Blacka 2010, children, low hazard"),
}


def pregnolato_speed_kph(depth_m: Any) -> np.ndarray:
    """Return the highest safe vehicle speed on flooded road (Pregnolato et al. 2017).

    Parameters
    ----------
    depth_m : float or array_like
        Water depth on the road (m); NaN and negative values count as dry.

    Returns
    -------
    numpy.ndarray
        Speed in km/h: 86.9448 on a dry road (cap it with the road's own
        speed), 0 from 0.30 m.

    Examples
    --------
    >>> pregnolato_speed_kph([0.0, 0.1, 0.2, 0.29, 0.3]).round(4).tolist()
    [86.9448, 40.6548, 12.3648, 2.2938, 0.0]
    """
    d = np.nan_to_num(np.asarray(depth_m, dtype=float), nan=0.0)
    w = np.maximum(d, 0.0) * 1000.0
    speed = 0.0009 * w**2 - 0.5529 * w + 86.9448
    return np.where(w >= VEHICLE_CLOSURE_DEPTH_M * 1000.0 - 1e-9, 0.0, speed)


def _mode(G: nx.MultiDiGraph, mode: str | None) -> str:
    mode = mode or G.graph.get("drm_mode") or "drive"
    if mode not in ("drive", "walk"):
        raise InputError(f"mode must be 'drive' or 'walk', got {mode!r}")
    return mode


def _limits(people: str) -> PedestrianLimits:
    if people not in PEDESTRIAN_LIMITS:
        raise InputError(f"people must be one of {sorted(PEDESTRIAN_LIMITS)}, got {people!r}")
    return PEDESTRIAN_LIMITS[people]


def _on_road(samples: EdgeSamples, depth: np.ndarray) -> tuple[np.ndarray, set[int]]:
    """Depth on the road surface per piece (bridges: over the deck); NaN (outside) is dry.

    Also returns the edges that are wet bridges of unknown clearance.
    """
    d = np.nan_to_num(depth, nan=0.0)
    clearance = samples.clearance_m[samples.piece_edge]
    deck = np.isfinite(clearance)
    d = np.where(deck, np.maximum(0.0, d - np.where(deck, clearance, 0.0)), d)
    unknown = samples.bridge[samples.piece_edge] & ~deck & (d > 0).reshape(-1, d.shape[-1]).any(0)
    return d, set(np.unique(samples.piece_edge[unknown]).tolist())


def _severity(mode: str, limits: PedestrianLimits, d: np.ndarray, v: np.ndarray | None) -> np.ndarray:
    """Return a piece's closure ratio: 1 or more (vehicles) / above 1 (people) means closed."""
    if mode == "drive":
        return d / VEHICLE_CLOSURE_DEPTH_M
    r = d / limits.depth_m
    if v is not None:
        vel = np.where(d > 0, np.nan_to_num(v, nan=0.0), 0.0)
        r = np.maximum(r, np.maximum(vel / limits.velocity_m_s, d * vel / limits.depth_velocity_m2_s))
    return r


def _closed(mode: str, ratio: np.ndarray) -> np.ndarray:
    return ratio >= 1.0 - 1e-12 if mode == "drive" else ratio > 1.0 + 1e-12


def _check_prepared(G: nx.MultiDiGraph) -> None:
    for u, v, d in G.edges(data=True):
        if "speed_kph" not in d or "travel_time" not in d:
            raise InputError(
                f"edge ({u!r}, {v!r}) has no speed_kph/travel_time; run "
                "drm.network.prepare_roads(G, mode) before flooding the roads"
            )


def _warn_bridges(n: int) -> None:
    if n:
        warn(f"{n} wet bridge(s) have no clearance_m; they were judged by the water depth under "
            "them as if they were roads on the ground (set clearance_m on the edges or "
            "bridge_clearance_m)")


def flood_roads(
    G: nx.MultiDiGraph,
    flood: Any,
    at: str | float = "max",
    mode: Literal["drive", "walk"] | None = None,
    *,
    people: str = "general",
    bridge_clearance_m: float | None = None,
    drop_closed: bool = False,
    spacing_m: float | None = None,
) -> nx.MultiDiGraph:
    """Return a copy of a prepared road graph slowed and closed by a flood.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph from :func:`~drm.network.prepare_roads` (``speed_kph``,
        ``travel_time``), in the flood grid's CRS.
    flood : xarray.DataArray, xarray.Dataset or flood result
        Depth grid (m), or the solver's Dataset / result with ``depth``,
        ``velocity``, ``max_depth``, ``max_velocity``.
    at : "max", float or str
        ``"max"`` for the flood's maxima, or a time after the start (seconds
        or ``"2h"``), interpolated between saved frames.
    mode : {"drive", "walk"}, optional
        Default: the mode the graph was prepared for.
    people : {"general", "adults", "children"}
        Pedestrian stability limits (walk mode), see the module notes.
    bridge_clearance_m : float, optional
        Clearance for bridges without ``clearance_m``.
    drop_closed : bool
        Remove closed edges instead of keeping them with infinite travel time.
    spacing_m : float, optional
        Longest sampled piece of road (default a third of a cell).

    Returns
    -------
    networkx.MultiDiGraph
        New graph. Edges gain ``flood_depth_m`` (deepest water on the road
        surface), ``flood_velocity_m_s`` (when known) and ``closed``; ``travel_time`` and ``speed_kph`` (average)
        reflect the water, ``inf`` and 0 when closed. ``travel_time_dry`` and
        ``speed_kph_dry`` keep the dry values, so flooding a flooded graph
        again (another time) starts from the dry road.

    Raises
    ------
    InputError
        Unprepared graph, bad mode or profile, flood without depth.
    GridError
        Graph and flood in different CRS, or a bad grid.

    Examples
    --------
    >>> import networkx as nx, numpy as np, xarray as xr
    >>> G = nx.MultiDiGraph(crs="EPSG:32619")
    >>> G.add_node(0, x=0.0, y=50.0); G.add_node(1, x=100.0, y=50.0)
    >>> _ = G.add_edge(0, 1, length=100.0, speed_kph=50.0, travel_time=7.2)
    >>> depth = xr.DataArray(np.full((2, 2), 0.1), dims=("y", "x"),
    ...                      coords={"y": [75.0, 25.0], "x": [25.0, 75.0]})
    >>> H = flood_roads(G, depth)
    >>> round(H[0][1][0]["speed_kph"], 4), H[0][1][0]["closed"]
    (40.6548, False)
    """
    mode_ = _mode(G, mode)
    limits = _limits(people)
    _check_prepared(G)
    depth, velocity, spec = flood_snapshot(flood, at)
    if mode_ == "walk" and velocity is None:
        warn("the flood has no velocity; people on foot are judged by depth alone "
            f"(limit {limits.depth_m} m)")
    samples = sample_edges(G, spec, spacing_m=spacing_m, bridge_clearance_m=bridge_clearance_m)
    if samples.outside_fraction >= 1.0:
        warn("no road lies on the flood grid; check that the graph and the grid cover the same "
            "area in the same CRS")
    d, unknown_bridges = _on_road(samples, read_pieces(samples, depth.values))
    v = read_pieces(samples, velocity.values) if velocity is not None else None
    _warn_bridges(len(unknown_bridges))
    closed_piece = _closed(mode_, _severity(mode_, limits, d, v))
    n = len(samples.edges)
    edge = samples.piece_edge
    starts = np.r_[0, np.flatnonzero(np.diff(edge)) + 1]
    # a graph flooded before keeps its dry speeds: start again from them
    road_speed = np.array(
        [G.edges[e].get("speed_kph_dry", G.edges[e]["speed_kph"]) for e in samples.edges], dtype=float
    )
    piece_speed = road_speed[edge]
    if mode_ == "drive":
        piece_speed = np.minimum(piece_speed, pregnolato_speed_kph(d))
    with np.errstate(divide="ignore"):
        piece_time = np.where(closed_piece, np.inf, samples.piece_len_m * 3.6 / piece_speed)
    time_s = np.add.reduceat(piece_time, starts)
    length = np.add.reduceat(samples.piece_len_m, starts)
    closed = np.bincount(edge, weights=closed_piece, minlength=n) > 0
    max_depth = np.maximum.reduceat(d, starts)
    max_vel = None
    if v is not None:
        max_vel = np.maximum.reduceat(np.where(d > 0, np.nan_to_num(v, nan=0.0), 0.0), starts)
    H = G.copy()
    for i, e in enumerate(samples.edges):
        attrs = H.edges[e]
        attrs.setdefault("travel_time_dry", attrs["travel_time"])
        attrs.setdefault("speed_kph_dry", attrs["speed_kph"])
        attrs["travel_time"], attrs["speed_kph"] = attrs["travel_time_dry"], attrs["speed_kph_dry"]
        attrs["flood_depth_m"] = float(max_depth[i])
        if max_vel is not None:
            attrs["flood_velocity_m_s"] = float(max_vel[i])
        attrs["closed"] = bool(closed[i])
        if closed[i]:
            attrs["travel_time"], attrs["speed_kph"] = np.inf, 0.0
        elif max_depth[i] > 0 and time_s[i] > 0:
            attrs["travel_time"] = float(time_s[i])
            attrs["speed_kph"] = float(length[i] * 3.6 / time_s[i])
    if drop_closed:
        H.remove_edges_from([e for i, e in enumerate(samples.edges) if closed[i]])
    H.graph.update(
        drm_flood_at=at,
        drm_flood_closed_edges=int(closed.sum()),
        drm_flood_outside_fraction=samples.outside_fraction,
    )
    return H


def road_closure_times(
    G: nx.MultiDiGraph,
    flood: Any,
    mode: Literal["drive", "walk"] | None = None,
    *,
    people: str = "general",
    bridge_clearance_m: float | None = None,
    spacing_m: float | None = None,
) -> nx.MultiDiGraph:
    """Return a copy of the graph with the time each road closes (``closure_time_s``).

    With a depth (and velocity) time series, a piece of road closes when its
    closure ratio (depth / 0.30 m for vehicles; the largest of the three
    pedestrian ratios on foot) first reaches 1, the time interpolated linearly
    between the two frames around the crossing; an edge closes with its first
    piece. With only an ``arrival_time`` grid, a road closes when the water
    first arrives on it (on the safe side: arrival is usually defined at a
    few centimetres).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph (projected, same CRS as the flood).
    flood : xarray.DataArray, xarray.Dataset or flood result
        Depth ``(time, y, x)`` in m (and velocity in m/s), or a Dataset with
        ``arrival_time`` (s).
    mode : {"drive", "walk"}, optional
        Default: the mode the graph was prepared for.
    people : {"general", "adults", "children"}
        Pedestrian stability limits (walk mode), as in :func:`flood_roads`.
    bridge_clearance_m : float, optional
        Clearance (m) for bridges without ``clearance_m``.
    spacing_m : float, optional
        Longest sampled piece of road (m; default a third of a cell).

    Returns
    -------
    networkx.MultiDiGraph
        New graph; every edge gets ``closure_time_s`` (seconds after the
        flood's time origin, ``inf`` if it never closes). The graph records
        ``drm_closure_basis`` (``"depth series"`` or ``"arrival time"``).

    Examples
    --------
    >>> import networkx as nx, numpy as np, xarray as xr
    >>> G = nx.MultiDiGraph(crs="EPSG:32619")
    >>> G.add_node(0, x=0.0, y=50.0); G.add_node(1, x=100.0, y=50.0)
    >>> _ = G.add_edge(0, 1, length=100.0)
    >>> depth = xr.DataArray(np.array([0.0, 0.2, 0.4])[:, None, None] * np.ones((3, 2, 2)),
    ...                      dims=("time", "y", "x"),
    ...                      coords={"time": [0.0, 600.0, 1200.0], "y": [75.0, 25.0], "x": [25.0, 75.0]})
    >>> round(road_closure_times(G, depth)[0][1][0]["closure_time_s"], 6)
    900.0
    """
    mode_ = _mode(G, mode)
    limits = _limits(people)
    series = flood_series(flood)
    samples = sample_edges(G, series.spec, spacing_m=spacing_m, bridge_clearance_m=bridge_clearance_m)
    edge = samples.piece_edge
    starts = np.r_[0, np.flatnonzero(np.diff(edge)) + 1]
    if series.depth is None or series.times_s is None:
        arrival = read_pieces(samples, cast(np.ndarray, series.arrival_s))
        piece_close = np.where(np.isfinite(arrival), arrival, np.inf)
        basis = "arrival time"
    else:
        piece_close = np.full(edge.size, np.inf)
        times, depth = series.times_s, series.depth
        block = max(1, 5_000_000 // times.size)
        unknown: set[int] = set()
        for a in range(0, edge.size, block):
            part = EdgeSamples(
                samples.edges, edge[a : a + block], samples.piece_len_m[a : a + block],
                samples.flat[a : a + block], samples.clearance_m, samples.bridge,
            )
            d, wet_bridges = _on_road(part, read_pieces(part, depth))
            unknown |= wet_bridges
            v = read_pieces(part, series.velocity) if series.velocity is not None else None
            piece_close[a : a + block] = _crossing_times(times, _severity(mode_, limits, d, v), mode_)
        if mode_ == "walk" and series.velocity is None:
            warn("the flood has no velocity; people on foot are judged by depth alone")
        _warn_bridges(len(unknown))
        basis = "depth series"
    close = np.minimum.reduceat(piece_close, starts)
    H = G.copy()
    for i, e in enumerate(samples.edges):
        H.edges[e]["closure_time_s"] = float(close[i])
    H.graph["drm_closure_basis"] = basis
    return H


def _crossing_times(times: np.ndarray, ratio: np.ndarray, mode: str) -> np.ndarray:
    """First time each column of ``ratio`` (time x pieces) closes the road, interpolated."""
    closed = _closed(mode, ratio)
    ever = closed.any(axis=0)
    k = np.argmax(closed, axis=0)
    out = np.full(ratio.shape[1], np.inf)
    at_start = ever & (k == 0)
    out[at_start] = times[0]
    mid = ever & (k > 0)
    cols = np.flatnonzero(mid)
    r0, r1 = ratio[k[cols] - 1, cols], ratio[k[cols], cols]
    t0, t1 = times[k[cols] - 1], times[k[cols]]
    frac = np.clip((1.0 - r0) / np.where(r1 > r0, r1 - r0, 1.0), 0.0, 1.0)
    out[cols] = t0 + frac * (t1 - t0)
    return out


def roads_at(G: nx.MultiDiGraph, time_s: float) -> nx.MultiDiGraph:
    """Return a copy of a graph from :func:`road_closure_times` with the roads closed by ``time_s``.

    Closed edges keep their place with ``closed = True`` and an infinite
    ``travel_time`` (routing ignores them).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph whose edges have ``closure_time_s`` (s since the start of the event).
    time_s : float
        Time since the start of the event (s).

    Returns
    -------
    networkx.MultiDiGraph
        New graph; edges closed by ``time_s`` have ``closed = True`` and
        ``travel_time`` = inf (s).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(0, 1, travel_time=10.0, closure_time_s=900.0)
    >>> roads_at(G, 1000.0)[0][1][0]["travel_time"]
    inf
    """
    H = G.copy()
    for u, v, d in H.edges(data=True):
        if "closure_time_s" not in d:
            raise InputError(
                f"edge ({u!r}, {v!r}) has no closure_time_s; compute it with road_closure_times()"
            )
        shut = d["closure_time_s"] <= time_s
        d["closed"] = bool(shut)
        if shut:
            d["travel_time"] = np.inf
    return H


def safe_nodes(G: nx.MultiDiGraph, flood: Any, *, max_depth_m: float = 0.05) -> list[Any]:
    """Road nodes the flood never reaches: safe ground for households that need no shelter.

    Pass the result as ``safe_nodes=`` to :func:`drm.evacuation.simulate_evacuation`:
    households with ``shelter = False`` walk or drive to the nearest of them.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Road graph with node ``x``, ``y`` (m) in the flood's CRS.
    flood : FloodResult, xarray.Dataset or xarray.DataArray
        A flood run, or a depth grid (m); its maximum depth over time is used.
    max_depth_m : float
        Largest maximum depth (m) at a node still counted as dry (default 5 cm,
        the arrival depth of drm's flood runs).

    Returns
    -------
    list
        Node ids whose maximum depth stays under ``max_depth_m``; nodes outside
        the flood grid count as safe.

    Examples
    --------
    >>> import networkx as nx, numpy as np, xarray as xr
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("low", x=5.0, y=5.0)
    >>> G.add_node("high", x=15.0, y=5.0)
    >>> depth = xr.DataArray([[0.0, 0.0], [0.4, 0.0]], dims=("y", "x"),
    ...                      coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> safe_nodes(G, depth)
    ['high']
    """
    from drm.grids import grid_bounds, xy_to_rowcol

    if not max_depth_m > 0:
        raise InputError(f"safe_nodes: max_depth_m must be > 0 m, got {max_depth_m!r}")
    depth = flood_snapshot(flood, "max")[0]
    nodes = list(G.nodes)
    try:
        x = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
        y = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
    except KeyError:
        raise InputError("safe_nodes: road nodes need 'x' and 'y' (m)") from None
    xmin, ymin, xmax, ymax = grid_bounds(depth)
    inside = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    d = np.zeros(len(nodes))
    if inside.any():
        rows, cols = xy_to_rowcol(depth, x[inside], y[inside], name="road node")
        d[inside] = np.nan_to_num(np.asarray(depth.values)[rows, cols])
    return [n for n, dn in zip(nodes, d, strict=True) if dn < max_depth_m]
