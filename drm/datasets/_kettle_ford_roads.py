"""Roads of the real-terrain sample (Kettle Ford): routes, streets, drives and bridges.

Laid out for :mod:`drm.datasets.kettle_ford`, on the terrain of
:mod:`drm.datasets._kettle_ford_site`. Every road runs from cell centre to cell centre of the
83 m DEM. Named routes follow the cheapest path between their waypoints, where a step
costs its length times ``1 + (grade / GRADE_SCALE)²`` and entering a river cell adds
``RIVER_PENALTY_M``; streets form a grid over the neighbourhoods; drives join any
leftover piece to the network by the cheapest path. Where a road crosses the river, its
two steps over the river cell become a bridge ``2 BRIDGE_HALF_M`` long. Roads meet only
at shared vertices, as :func:`drm.io.read_roads` expects.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from drm.datasets._builders import Line, _graph, _node_lines
from drm.datasets._kettle_ford_site import Site

#: OSM tags per road class; speeds are US posted limits in km/h (55, 45, 35, 25 and 15 mph).
ROAD_CLASSES: dict[str, dict[str, Any]] = {
    "primary": {"highway": "primary", "lanes": 2, "maxspeed": 89, "width_m": 7.3},
    "secondary": {"highway": "secondary", "lanes": 2, "maxspeed": 72, "width_m": 6.7},
    "tertiary": {"highway": "tertiary", "lanes": 2, "maxspeed": 56, "width_m": 6.1},
    "residential": {"highway": "residential", "lanes": 2, "maxspeed": 40, "width_m": 6.1},
    "track": {"highway": "track", "lanes": 1, "maxspeed": 24, "width_m": 3.7},
}
TOWN_SPEED_KPH = {"primary": 56, "secondary": 48, "tertiary": 48}  # 35 and 30 mph in settlements
#: Bridge deck soffit above the river bed under it (m), by the class of the road it carries.
CLEARANCE_M = {"primary": 7.0, "secondary": 6.0, "tertiary": 4.5, "residential": 3.5, "track": 3.0}
GRADE_SCALE = 0.06  # a step costs twice its length at a 6 % grade, five times at 12 %
RIVER_PENALTY_M = 3000.0  # a river crossing costs as much as this much flat road
BRIDGE_HALF_M = 40.0  # a bridge spans this far either side of the centre of the river cell
MAX_STREET_GRADE = 0.15
#: Streets every this many cells (83 m) in each kind of neighbourhood.
STREET_STEP = {"downtown": 2, "older": 2, "mobile_home": 2, "suburban": 3, "village": 4}
#: Names of the east-west streets (grid rows, north to south); north-south ones are numbered.
STREET_NAMES = (
    "Main", "Church", "Walnut", "Maple", "Spring", "Hickory", "Mill", "Poplar", "Dogwood",
    "Locust", "Sycamore", "Cherry", "Laurel", "Cedar", "Willow", "Magnolia", "Beech", "Ash",
)  # fmt: skip
#: Named routes in order of priority: id | name | class | waypoints "x y; x y; ..." (m).
ROUTES = """
kettle-valley-hwy | Kettle Valley Highway | primary |
    745300 4058000; 747300 4054600; 749500 4053900; 751300 4055700; 753000 4058000
river-road | River Road | secondary |
    749500 4053900; 752000 4054200; 754100 4051950; 754900 4049900; 756000 4049300
harmon-road | Harmon Road | tertiary | 749000 4053100; 752700 4050700; 751800 4046000
ridgeview-road | Ridgeview Road | tertiary |
    750200 4054600; 752000 4054200; 754200 4055300; 755300 4057000; 756000 4056000
pleasant-ridge-road | Pleasant Ridge Road | tertiary |
    754900 4049900; 754500 4047500; 754500 4046000
piney-gap-road | Piney Gap Road | tertiary | 747300 4054600; 746600 4053900
fire-tower-road | Fire Tower Road | track | 746600 4053900; 744717 4053263
knob-road | Knob Road | track | 749600 4054700; 748452 4056085
water-tank-road | Water Tank Road | track | 749000 4053100; 749780 4052101
tower-hill-road | Tower Hill Road | track | 750200 4054600; 750859 4054425
"""

#: A vertex: ``(cell,)`` at a cell centre, or ``(river cell, land cell)`` where a bridge lands.
Node = tuple[int, ...]
Road = tuple[str, str, str]  # id, name, class


def routes() -> list[tuple[str, str, str, list[tuple[float, float]]]]:
    """The named routes of ``ROUTES``: id, name, class and waypoints (m)."""
    out = []
    for row in ROUTES.replace("|\n", "| ").strip().splitlines():
        rid, name, cls, stops = (cell.strip() for cell in row.split("|"))
        points = [(float(p.split()[0]), float(p.split()[1])) for p in stops.split(";")]
        out.append((rid, name, cls, points))
    return out


def cost_graph(site: Site) -> csr_matrix:
    """Eight-neighbour cell graph weighted by the cost of building a road (m of flat road)."""
    z = site.dem.values.ravel()
    ny, nx_ = site.dem.shape
    river = (site.river_dist == 0).ravel()
    index = np.arange(ny * nx_).reshape(ny, nx_)
    rows, cols, cost = [], [], []
    for di, dj in ((0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1)):
        a = index[max(0, -di) : ny - max(0, di), max(0, -dj) : nx_ - max(0, dj)].ravel()
        b = a + di * nx_ + dj
        length = site.cell_m * np.hypot(di, dj)
        grade = np.abs(z[b] - z[a]) / length
        rows.append(a)
        cols.append(b)
        cost.append(length * (1 + (grade / GRADE_SCALE) ** 2) + RIVER_PENALTY_M * river[b])
    values = np.concatenate(cost)
    return csr_matrix((values, (np.concatenate(rows), np.concatenate(cols))), shape=(ny * nx_,) * 2)


def cheapest_path(graph: csr_matrix, sources: Any, targets: np.ndarray) -> list[int]:
    """Cheapest cell path from any of ``sources`` to the cheapest to reach of ``targets``."""
    dist, pred, origin = dijkstra(graph, indices=sources, return_predecessors=True, min_only=True)
    end = int(targets[np.argmin(dist[targets])])
    path = [end]
    while path[-1] != origin[end]:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def _props(cls: str, name: str, urban: bool, **extra: Any) -> dict[str, Any]:
    c = ROAD_CLASSES[cls]
    speed = TOWN_SPEED_KPH.get(cls, c["maxspeed"]) if urban else c["maxspeed"]
    return {
        "name": name,
        "highway": c["highway"],
        "lanes": c["lanes"],
        "oneway": "no",
        "maxspeed": speed,
        "width_m": c["width_m"],
        **extra,
    }


def _trails(edges: list[tuple[Node, Node]]) -> list[list[Node]]:
    """Split edges into trails (walks that use each edge once), deterministically."""
    g = nx.Graph(edges)
    out = []
    while g.number_of_edges():
        odd = sorted(n for n, d in g.degree if d % 2)
        node = odd[0] if odd else min(n for n, d in g.degree if d)
        trail = [node]
        while g.degree[node]:
            nxt = min(g.neighbors(node))
            g.remove_edge(node, nxt)
            trail.append(node := nxt)
        out.append(trail)
    return out


class _Network:
    """Road links between cell centres and bridge landings; the first road to claim one keeps it."""

    def __init__(self, site: Site, ids: np.ndarray) -> None:
        self.site = site
        self.river = (site.river_dist == 0).ravel()
        self.urban = ndimage.binary_dilation(ids > 0, np.ones((3, 3), bool)).ravel()
        self.links: dict[tuple[Node, Node], Road] = {}
        self.bridges: dict[tuple[Node, ...], Road] = {}

    def add(self, path: list[int], road: Road) -> None:
        """Add a cell path; each run of river cells on it becomes a bridge between two landings."""
        k = 0
        while k < len(path) - 1:
            a = path[k]
            if not self.river[path[k + 1]]:
                self._link((a,), (path[k + 1],), road)
                k += 1
                continue
            m = k + 1
            while self.river[path[m]]:
                m += 1
            span = ((path[k + 1], a), *((c,) for c in path[k + 1 : m]), (path[m - 1], path[m]))
            self.bridges.setdefault(min(span, span[::-1]), road)
            self._link((a,), span[0], road)
            self._link(span[-1], (path[m],), road)
            k = m

    def _link(self, a: Node, b: Node, road: Road) -> None:
        self.links.setdefault((a, b) if a <= b else (b, a), road)

    def pieces(self) -> list[set[Node]]:
        """Connected pieces of the network, the largest first."""
        g = nx.Graph(list(self.links))
        for span in self.bridges:
            g.add_edges_from(pairwise(span))
        return sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))

    def xy(self, node: Node) -> np.ndarray:
        """Coordinates (m) of a cell centre, or of a bridge landing near its river cell."""
        nx_ = self.site.dem.sizes["x"]
        x, y = self.site.dem["x"].values, self.site.dem["y"].values
        centre = np.array([x[node[0] % nx_], y[node[0] // nx_]])
        if len(node) == 1:
            return centre
        toward = np.array([x[node[1] % nx_], y[node[1] // nx_]]) - centre
        return centre + toward * BRIDGE_HALF_M / np.hypot(*toward)

    def lines(self) -> list[Line]:
        """Features: trails of links of one road and speed, then the bridges, upstream first."""
        groups: dict[tuple[str, str, str, bool], list[tuple[Node, Node]]] = defaultdict(list)
        for (a, b), (rid, name, cls) in self.links.items():
            groups[rid, name, cls, bool(self.urban[a[0]] and self.urban[b[0]])].append((a, b))
        lines: list[Line] = []
        count: dict[str, int] = defaultdict(int)
        for (rid, name, cls, urban), edges in sorted(groups.items()):
            for trail in _trails(edges):
                count[rid] += 1
                coords = np.round(np.array([self.xy(n) for n in trail]), 2)
                lines.append((coords, _props(cls, name, urban), f"{rid}-{count[rid]}"))
        width = self.site.dem.sizes["x"]
        order = {int(r * width + c): k for k, (r, c) in enumerate(self.site.river)}
        spans = sorted(self.bridges.items(), key=lambda item: order[item[0][1][0]])
        for k, (span, (_, name, cls)) in enumerate(spans, start=1):
            coords = np.round(np.array([self.xy(n) for n in span]), 2)
            extra = {"bridge": "yes", "clearance_m": CLEARANCE_M[cls]}
            lines.append((coords, _props(cls, f"{name} Bridge", False, **extra), f"bridge-{k}"))
        return lines


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _streets(site: Site, ids: np.ndarray, kinds: list[str], net: _Network) -> None:
    """A grid of residential streets over each neighbourhood, where the ground allows."""
    z = site.dem.values
    ny, nx_ = ids.shape
    for k, kind in enumerate(kinds, start=1):
        step = STREET_STEP[kind]
        area = ids == k
        for i, j in zip(*np.nonzero(area), strict=True):
            for di, dj, on_line in ((0, 1, i % step == 0), (1, 0, j % step == 0)):
                p, q = i + di, j + dj
                if not on_line or p >= ny or q >= nx_ or not area[p, q]:
                    continue
                if abs(z[p, q] - z[i, j]) > MAX_STREET_GRADE * site.cell_m:
                    continue
                if di == 0:
                    name = f"{STREET_NAMES[(i // step) % len(STREET_NAMES)]} Street"
                    road = (f"street-r{i:03d}", name, "residential")
                else:
                    road = (f"street-c{j:03d}", f"{_ordinal(j // step + 1)} Avenue", "residential")
                net.add([i * nx_ + j, p * nx_ + q], road)


def _connect(ids: np.ndarray, names: list[str], net: _Network, graph: csr_matrix) -> None:
    """Join every other piece of the network to the largest one by a drive on the cheapest path."""
    while len(parts := net.pieces()) > 1:
        main = np.array(sorted(n[0] for n in parts[0] if len(n) == 1))
        piece = sorted(n[0] for n in parts[1] if len(n) == 1)
        k = int(np.bincount(ids.ravel()[piece], minlength=len(names) + 1)[1:].argmax())
        path = cheapest_path(graph, piece, main)
        net.add(path, (f"drive-{path[0]}", f"{names[k].split(' Mobile')[0]} Drive", "residential"))


def build_roads(
    site: Site, ids: np.ndarray, neighbourhoods: list[tuple[str, str]], graph: csr_matrix, crs: str
) -> tuple[list[Line], nx.MultiDiGraph]:
    """Lay out every road of the sample.

    Parameters
    ----------
    site : Site
        The terrain analysis of :func:`drm.datasets._kettle_ford_site.site`.
    ids : numpy.ndarray
        Neighbourhood ids per cell (0 = none), 1-based in the order of ``neighbourhoods``.
    neighbourhoods : list of (str, str)
        Name and kind of each neighbourhood.
    graph : scipy.sparse.csr_matrix
        The cost graph of :func:`cost_graph`.
    crs : str
        CRS of the coordinates.

    Returns
    -------
    lines : list of (numpy.ndarray, dict, str)
        Vertices (m), properties and id of every road feature, noded where roads cross.
    graph : networkx.MultiDiGraph
        The road graph as :func:`drm.io.read_roads` builds it from those features.
    """
    net = _Network(site, ids)
    xx, yy = np.meshgrid(site.dem["x"].values, site.dem["y"].values)
    land = site.river_dist.ravel() > 0
    for rid, name, cls, stops in routes():
        cells = [
            int(np.argmin(np.where(land, np.hypot(xx - x, yy - y).ravel(), np.inf)))
            for x, y in stops
        ]
        path = [cells[0]]
        for target in cells[1:]:
            path += cheapest_path(graph, path[-1], np.array([target]))[1:]
        net.add(path, (rid, name, cls))
    _streets(site, ids, [kind for _, kind in neighbourhoods], net)
    _connect(ids, [name for name, _ in neighbourhoods], net, graph)
    lines = _node_lines(net.lines())
    return lines, _graph(lines, crs)
