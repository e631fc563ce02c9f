"""Roads of Valle Alto: the main road and the avenue, the street grid, bridges and climbs.

Laid on the terrain and neighbourhoods of :mod:`drm.datasets._valle_alto_site`. The main
road (Troncal del Valle) and the avenue follow the north and south toes of the valley
walls and take a grid row in town; the streets form an 80 m x 100 m grid where there are
neighbourhoods, gentle ground and no river; three bridges cross the river; switchback
roads and tracks climb the walls to higher ground. Roads meet only at shared vertices, as
:func:`drm.io.read_roads` expects.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
from scipy import ndimage

from drm.datasets._builders import Line, _graph, _node_lines
from drm.datasets._town import SampleTown
from drm.datasets._valle_alto_site import (
    CELL_M,
    CRS,
    EXTENT_M,
    NCELLS,
    NEIGHBOURHOODS,
    X0,
    Y0,
    _river,
    _river_distance,
    _smoothstep,
    _Terrain,
    _wall_toe,
)

# --------------------------------------------------------------------------- roads
# street grid columns (carreras), m east of the west edge
LATTICE_U = np.arange(600.0, 3081.0, 80.0)
LATTICE_V = np.arange(1300.0, 2701.0, 100.0)  # street grid rows (calles), m north of the south edge
TRUNK_V, AVENUE_V = 2300.0, 1700.0  # rows taken by the main road and the avenue in town
TRUNK_NAME, AVENUE_NAME = "Troncal del Valle", "Avenida Los Fundadores"
RIVER_CLEARANCE_M = 35.0  # streets keep this far from the river centreline except at bridges
MAX_GRADE = 0.12  # steepest street grade
URBAN_REACH_M = 80.0  # streets reach this far beyond the neighbourhoods
ROAD_CLASSES: dict[str, dict[str, Any]] = {
    "trunk": {"highway": "trunk", "lanes": 2, "maxspeed": 60, "width_m": 7.3},
    "trunk_town": {"highway": "trunk", "lanes": 2, "maxspeed": 40, "width_m": 7.3},
    "secondary": {"highway": "secondary", "lanes": 2, "maxspeed": 40, "width_m": 7.0},
    "tertiary": {"highway": "tertiary", "lanes": 2, "maxspeed": 30, "width_m": 5.5},
    "historic": {"highway": "residential", "lanes": 1, "maxspeed": 30, "width_m": 6.0},
    "formal": {"highway": "residential", "lanes": 2, "maxspeed": 30, "width_m": 7.0},
    "informal": {"highway": "residential", "lanes": 1, "maxspeed": 20, "width_m": 4.5},
    "track": {"highway": "track", "lanes": 1, "maxspeed": 20, "width_m": 3.5},
}
#: id, name, u of the crossing (a street grid column), lanes, deck width (m), clearance of the
#: deck soffit above the river bed (m).
BRIDGES = (
    ("bridge-1", "Puente Los Samanes", 1000.0, 2, 7.0, 5.5),
    ("bridge-2", "Puente Bolívar", 1480.0, 2, 8.5, 6.5),
    ("bridge-3", "Puente Viejo", 2200.0, 1, 4.5, 4.0),
)
#: id, name, class, start (u, road it leaves), side (+1 climbs north), switchback centre u (m),
#: half-width of the switchbacks (m), end v (m), design grade.
CLIMBS = (
    ("road-los-altos", "Carretera a Los Altos", "tertiary", (1840.0, "trunk"), 1, 1900.0, 140.0, 3950.0, 0.09),
    ("road-santa-elena", "Vía a Santa Elena", "tertiary", (1680.0, "avenue"), -1, 1700.0, 150.0, 150.0, 0.09),
    ("track-las-acacias", "Camino Las Acacias", "track", (2480.0, "trunk"), 1, 2480.0, 120.0, 2950.0, 0.12),
    ("track-los-pinos", "Camino Los Pinos", "track", (2720.0, "avenue"), -1, 2720.0, 130.0, 650.0, 0.12),
    ("track-san-rafael", "Camino Real de San Rafael", "track", (405.0, "avenue"), -1, 420.0, 130.0, 150.0, 0.12),
)  # fmt: skip
# a Line's vertices are in local u, v (m) until _road_lines makes them EPSG:32619


def _props(cls: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if name:
        p["name"] = name
    c = ROAD_CLASSES[cls]
    p.update(
        highway=c["highway"],
        lanes=c["lanes"],
        oneway="no",
        maxspeed=c["maxspeed"],
        width_m=c["width_m"],
    )
    p.update(extra)
    return p


def _through_road(kind: str) -> np.ndarray:
    """Trace the main road (north toe) or the avenue (south toe): a grid row in town, curving outside."""
    side, row = (1, TRUNK_V) if kind == "trunk" else (-1, AVENUE_V)
    edge = CELL_M / 2  # the ends lie on the outermost cell centres, inside the DEM
    west = np.arange(edge, LATTICE_U[0], 20.0)
    east = np.append(np.arange(LATTICE_U[-1] + 20.0, EXTENT_M - edge, 20.0), EXTENT_M - edge)
    u = np.concatenate([west, LATTICE_U, east])
    toe = _wall_toe(u, side) + side * 30.0
    blend = np.maximum(
        _smoothstep((LATTICE_U[0] - u) / 500.0), _smoothstep((u - LATTICE_U[-1]) / 500.0)
    )
    return np.column_stack([u, row + (toe - row) * blend])


def _switchback(
    t: _Terrain,
    start: tuple[float, float],
    side: int,
    centre: float,
    half: float,
    v_end: float,
    grade: float,
) -> np.ndarray:
    """Trace a road climbing a valley wall from ``start`` in hairpin legs at about ``grade``.

    Each leg runs across the slope to ``centre`` ± ``half`` and climbs as far up the wall as
    keeps its end-to-end grade at most ``grade``; where the ground is gentler the road goes
    straight up in 100 m steps.
    """
    u, v = start[0], start[1] + side * 40.0
    pts = [start, (u, v)]
    east = 1 if u <= centre else -1
    while side * (v_end - v) > 1.0:
        left = side * (v_end - v)
        z0, z1 = t.sample([u, u], [v, v + side * min(100.0, left)])
        if abs(float(z1 - z0)) <= grade * min(100.0, left):
            nu, nv = u, v + side * min(100.0, left)
        else:
            nu = centre + east * half
            east = -east
            climbs = np.arange(5.0, min(2 * half, left) + 5.0, 5.0)
            rise = np.abs(t.sample(np.full(climbs.size, nu), v + side * climbs) - z0)
            ok = rise <= grade * np.hypot(nu - u, climbs)
            nv = v + side * float(climbs[ok][-1] if ok.any() else climbs[0])
        n = max(1, int(np.hypot(nu - u, nv - v) // 20.0))
        pts.extend(zip(np.linspace(u, nu, n + 1)[1:], np.linspace(v, nv, n + 1)[1:], strict=True))
        u, v = nu, nv
    return np.array(pts)


def _street_grid(t: _Terrain, ids: np.ndarray) -> list[Line]:
    """Town streets on an 80 m x 100 m grid where there are neighbourhoods, gentle ground and no river."""
    near, (ri, ci) = ndimage.distance_transform_edt(ids == 0, return_indices=True)
    nearest = ids[ri, ci]
    kinds = {k: n[1] for k, n in enumerate(NEIGHBOURHOODS, start=1)}

    def cell(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = np.clip(((EXTENT_M - v) // CELL_M).astype(int), 0, NCELLS - 1)
        return r, np.clip((u // CELL_M).astype(int), 0, NCELLS - 1)

    def segment_kind(a: tuple[float, float], b: tuple[float, float]) -> str | None:
        s = np.linspace(0.0, 1.0, 11)
        u, v = a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])
        r, c = cell(u, v)
        if np.any(near[r, c] * CELL_M > URBAN_REACH_M):
            return None
        if np.any(_river_distance(u, v)[0] < RIVER_CLEARANCE_M):  # also: never across the river
            return None
        z = t.sample(u, v)
        if abs(z[-1] - z[0]) > MAX_GRADE * 100.0 or np.max(np.abs(np.diff(z))) > 0.2 * 10.0:
            return None
        return kinds[int(nearest[r[5], c[5]])]

    bridge_u = {b[2] for b in BRIDGES}
    lines: list[Line] = []
    for j, v in enumerate(LATTICE_V):
        if v in (TRUNK_V, AVENUE_V):
            continue
        number = round((LATTICE_V[-1] - v) / 100.0) + 1
        runs = _runs([(a, v) for a in LATTICE_U], segment_kind)
        for k, (pts, kind) in enumerate(runs, start=1):
            extra: dict[str, Any] = {}
            if kind == "historic":  # one-way calles in the old centre, alternating direction
                extra["oneway"] = "yes"
                pts = pts if j % 2 == 0 else pts[::-1]
            lines.append(
                (np.array(pts), _props(kind, f"Calle {number}", **extra), f"calle-{number:02d}-{k}")
            )
    for u in LATTICE_U:
        number = round((u - LATTICE_U[0]) / 80.0) + 1
        nodes = [(u, b) for b in LATTICE_V]
        runs = _runs(nodes, segment_kind, forced=(u, AVENUE_V, TRUNK_V) if u in bridge_u else None)
        for k, (pts, kind) in enumerate(runs, start=1):
            lines.append(
                (np.array(pts), _props(kind, f"Carrera {number}"), f"carrera-{number:02d}-{k}")
            )
    return lines


def _runs(
    nodes: list[tuple[float, float]], kind_of: Any, forced: tuple[float, float, float] | None = None
) -> list[tuple[list[tuple[float, float]], str]]:
    """Merge consecutive kept grid segments of one row or column into runs of equal kind.

    ``forced`` = (u, v_from, v_to) inserts a bridge street from the avenue to the main road:
    its segments are always kept (class tertiary) and it is split at the bridge.
    """
    segs: list[tuple[tuple[float, float], tuple[float, float], str]] = []
    if forced is not None:
        u, lo, hi = forced
        r = float(_river(u))
        south = [(u, b) for b in LATTICE_V if lo <= b < r - RIVER_CLEARANCE_M] + [(u, r - 30.0)]
        north = [(u, r + 30.0)] + [(u, b) for b in LATTICE_V if r + RIVER_CLEARANCE_M < b <= hi]
        for part in (south, north):
            segs += [(a, b, "tertiary") for a, b in pairwise(part)]
        others = [
            (a, b, k)
            for a, b in pairwise(nodes)
            if not (lo <= a[1] and b[1] <= hi) and (k := kind_of(a, b))
        ]
        segs = sorted(segs + others, key=lambda s: s[0][1])
    else:
        segs = [(a, b, k) for a, b in pairwise(nodes) if (k := kind_of(a, b))]
    runs: list[tuple[list[tuple[float, float]], str]] = []
    for a, b, k in segs:
        if runs and runs[-1][0][-1] == a and runs[-1][1] == k:
            runs[-1][0].append(b)
        else:
            runs.append(([a, b], k))
    return runs


def _road_lines(t: _Terrain, ids: np.ndarray) -> list[Line]:
    """Every road of the town as polylines in absolute coordinates (m), rounded to 1 cm."""
    lines: list[Line] = []
    through = {}
    for kind, name, town_cls, out_cls in (
        ("trunk", TRUNK_NAME, "trunk_town", "trunk"),
        ("avenue", AVENUE_NAME, "secondary", "secondary"),
    ):
        pts = through[kind] = _through_road(kind)
        i0, i1 = (int(np.flatnonzero(pts[:, 0] == LATTICE_U[k])[0]) for k in (0, -1))
        lines += [
            (pts[: i0 + 1], _props(out_cls, name), f"{kind}-west"),
            (pts[i0 : i1 + 1], _props(town_cls, name), f"{kind}-town"),
            (pts[i1:], _props(out_cls, name), f"{kind}-east"),
        ]
    lines += _street_grid(t, ids)
    for bid, name, u, lanes, width, clearance in BRIDGES:
        r = float(_river(u))
        props = _props(
            "tertiary", name, lanes=lanes, width_m=width, bridge="yes", clearance_m=clearance
        )
        lines.append((np.array([(u, r - 30.0), (u, r + 30.0)]), props, bid))
    for cid, name, cls, (u0, road), side, centre, half, v_end, grade in CLIMBS:
        pts = through[road]  # a vertex of the road, or a point on its straight town section
        start = (u0, float(np.interp(u0, pts[:, 0], pts[:, 1])))
        path = _switchback(t, start, side, centre, half, v_end, grade)
        lines.append((path, _props(cls, name), cid))
    return [(np.round(pts + np.array([X0, Y0]), 2), props, fid) for pts, props, fid in lines]


def _roads(t: _Terrain, ids: np.ndarray) -> tuple[list[Line], nx.MultiDiGraph]:
    """Noded road lines and their graph, keeping only streets connected to the main road."""
    lines = _node_lines(_road_lines(t, ids))
    G = _graph(lines, CRS)
    main = max(nx.weakly_connected_components(G), key=len)
    keep = {d["road_id"] for u, _, d in G.edges(data=True) if u in main}
    lines = [line for line in lines if line[2] in keep]
    G = _graph(lines, CRS)
    while not nx.is_strongly_connected(G):  # a one-way street ending in a dead end: make it two-way
        main = max(nx.strongly_connected_components(G), key=len)
        stuck = {d["road_id"] for u, v, d in G.edges(data=True) if u not in main or v not in main}
        fix = {fid for _, p, fid in lines if fid in stuck and p["oneway"] == "yes"}
        if not fix:
            raise RuntimeError(f"road network is not strongly connected around {sorted(stuck)}")
        lines = [(c, {**p, "oneway": "no"} if fid in fix else p, fid) for c, p, fid in lines]
        G = _graph(lines, CRS)
    return lines, G


def _road_cells(lines: list[Line]) -> np.ndarray:
    """Boolean grid of the cells a road centreline passes through."""
    mask = np.zeros((NCELLS, NCELLS), dtype=bool)
    for coords, _, _ in lines:
        for (xa, ya), (xb, yb) in pairwise(coords):
            s = np.linspace(0.0, 1.0, max(2, int(np.hypot(xb - xa, yb - ya) // 2.0) + 2))
            cols = ((xa + s * (xb - xa) - X0) // CELL_M).astype(int)
            rows = ((Y0 + EXTENT_M - (ya + s * (yb - ya))) // CELL_M).astype(int)
            ok = (rows >= 0) & (rows < NCELLS) & (cols >= 0) & (cols < NCELLS)
            mask[rows[ok], cols[ok]] = True
    return mask


# --------------------------------------------------------------------------- measures
def _climb_grades(town: SampleTown) -> dict[str, dict[str, float]]:
    """Length (km) and median and steepest grade (%, between 20 m vertices) of the hill roads."""
    z = town.dem.values
    out = {}
    for f in town.road_features:
        if f["id"] in {c[0] for c in CLIMBS}:
            xy = np.array(f["geometry"]["coordinates"])
            rows = (Y0 + EXTENT_M - xy[:, 1]) / CELL_M - 0.5
            cols = (xy[:, 0] - X0) / CELL_M - 0.5
            ground = ndimage.map_coordinates(z, [rows, cols], order=1, mode="nearest")
            run = np.hypot(*np.diff(xy, axis=0).T)
            grade = 100 * np.abs(np.diff(ground)) / run
            out[f["id"]] = {
                "length_km": round(float(run.sum()) / 1000.0, 2),
                "median_grade_percent": round(float(np.median(grade)), 1),
                "max_grade_percent": round(float(grade.max()), 1),
            }
    return out
