"""The report's map a person can pan: inline SVG layers and a few lines of inline JavaScript.

Nothing is loaded from outside the page (no tiles, no library): the maximum
depth is a small PNG embedded under the SVG, and zone outlines, streets,
each zone's main route and the centres are SVG paths in metres of the DEM's
CRS (``x - xmin``, ``ymax - y``). Mouse drag pans, the wheel zooms, check
boxes toggle the layers (they work without JavaScript too).

The flood and the centres come from the output folder's own files
(``flood.nc``, ``centres.csv``); what the tables do not carry (zone
outlines, street geometry, the route of each zone and the roads the water
cuts) a run writes into ``map_layers.json`` with :func:`write_map_layers`.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.ndimage import binary_closing, binary_fill_holes

from drm.evacuation.routes import zone_routes
from drm.grids import grid_bounds
from drm.io import atomic_path
from drm.report import _draw
from drm.report.i18n import Text

if TYPE_CHECKING:
    from drm.report.tables import RunOutputs
    from drm.scenario.result import ScenarioResult

__all__ = [
    "DEPTH_CLASSES_M",
    "LAYERS_FILE",
    "map_layers",
    "read_map_layers",
    "svg_map",
    "write_map_layers",
]

#: The file :func:`write_map_layers` writes into an output folder.
LAYERS_FILE = "map_layers.json"
#: Depth classes (m) of the flood layer, as on the static maps.
DEPTH_CLASSES_M = (0.05, 0.15, 0.3, 0.5, 1.0, 2.0)
#: Longest side (pixels) of the embedded flood image.
_IMAGE_PX = 480
#: Longest side (cells) of the zone grid traced for outlines.
_ZONE_CELLS = 600
_LAYER_ORDER = ("flood", "zones", "streets", "routes", "centres")


def _svg_xy(xy: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    """Map metres to SVG user units (m from the top-left corner, y down), rounded to 1 m."""
    return np.column_stack([xy[:, 0] - origin[0], origin[1] - xy[:, 1]]).round(0).astype(int)


def _polyline(xy: np.ndarray) -> str:
    return "M" + "L".join(f"{x} {y}" for x, y in xy)


def _runs(mask: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of True along the last axis: (row, first, end) with end exclusive."""
    out = []
    for i, row in enumerate(mask):
        d = np.diff(np.concatenate([[0], row.astype(np.int8), [0]]))
        out += [
            (i, a, b) for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True)
        ]
    return out


def zone_outline(ids: np.ndarray, zone: int, cell: float, corner: tuple[float, float]) -> str:
    """SVG path ``d`` of the cell edges around one zone of a north-up id grid.

    Parameters
    ----------
    ids : numpy.ndarray
        Zone id per cell (rows north to south).
    zone : int
        The zone to outline.
    cell : float
        Cell size (m).
    corner : tuple of float
        Top-left corner of the grid in SVG units (m).

    Returns
    -------
    str
        Straight runs ``M x y H x2`` / ``M x y V y2`` (1 m precision); empty when the zone has no cell.

    Examples
    --------
    >>> zone_outline(np.array([[1, 0], [1, 1]]), 1, 10.0, (0.0, 0.0))
    'M0 0H10M10 10H20M0 20H20M0 0V20M10 0V10M20 10V20'
    """
    m = binary_fill_holes(binary_closing(np.pad(ids == zone, 2)))[1:-1, 1:-1]  # no street-wide gaps
    horizontal = m[1:, 1:-1] != m[:-1, 1:-1]  # (rows + 1, cols): edge above row i
    vertical = (m[1:-1, 1:] != m[1:-1, :-1]).T  # (cols + 1, rows): edge left of column j
    x0, y0 = corner
    parts = [
        f"M{x0 + a * cell:.0f} {y0 + i * cell:.0f}H{x0 + b * cell:.0f}"
        for i, a, b in _runs(horizontal)
    ]
    parts += [
        f"M{x0 + j * cell:.0f} {y0 + a * cell:.0f}V{y0 + b * cell:.0f}"
        for j, a, b in _runs(vertical)
    ]
    return "".join(parts)


def _zone_layer(result: ScenarioResult, origin: tuple[float, float]) -> list[dict[str, Any]]:
    grid = result.inputs.zones
    if grid is None:
        return []
    if grid["y"].values[0] < grid["y"].values[-1]:
        grid = grid.isel(y=slice(None, None, -1))
    step = max(1, int(np.ceil(max(grid.shape) / _ZONE_CELLS)))
    coarse = grid.isel(y=slice(None, None, step), x=slice(None, None, step))
    xmin, _, _, ymax = grid_bounds(grid)
    cell = float(abs(grid["x"].values[1] - grid["x"].values[0])) * step
    ids = np.nan_to_num(np.asarray(coarse.values, dtype=float), nan=0.0).astype(int)
    zones = result.exposure.zones
    corner = (xmin - origin[0], origin[1] - ymax)
    out = []
    for zid in sorted(int(z) for z in np.unique(ids) if z > 0):
        row = zones.loc[zid] if zid in zones.index else None
        out.append({
            "zone": zid,
            "name": str(row["name"]) if row is not None and isinstance(row.get("name"), str) else "",
            "persons_at_risk": float(row["persons_at_risk"]) if row is not None else 0.0,
            "path": zone_outline(ids, zid, cell, corner),
        })  # fmt: skip
    return out


def _street_layer(G: nx.MultiDiGraph, origin: tuple[float, float]) -> dict[str, str]:
    seen: set[tuple[Any, ...]] = set()
    paths: dict[str, list[str]] = {"open": [], "flooded": []}
    for u, v, d in G.edges(data=True):
        a, b = sorted((u, v), key=str)
        key = (a, b, d.get("road_id"))
        if key in seen:
            continue
        seen.add(key)
        group = "flooded" if np.isfinite(d.get("closure_time_s", np.inf)) else "open"
        paths[group].append(_polyline(_svg_xy(_draw.edge_xy(G, u, v, d), origin)))
    return {k: "".join(v) for k, v in paths.items()}


def _road_name(d: dict[str, Any]) -> str:
    name = d.get("name")
    if isinstance(name, list | tuple):
        name = name[0] if name else None
    if isinstance(name, str) and name.strip():
        return name.strip()
    return str(d.get("road_id") or d.get("highway") or "?")


def _main_names(G: nx.MultiDiGraph, edges: list[tuple[Any, Any, Any]], most: int = 3) -> list[str]:
    """The names of the roads covering most of a path's length, in the path's order."""
    length: dict[str, float] = {}
    for u, v, k in edges:
        d = G.edges[u, v, k]
        name = _road_name(d)
        length[name] = length.get(name, 0.0) + float(d.get("length", 1.0))
    keep = set(sorted(length, key=length.get, reverse=True)[:most])  # type: ignore[arg-type]
    return [n for n in length if n in keep]


def _route_layer(result: ScenarioResult, origin: tuple[float, float]) -> list[dict[str, Any]]:
    """Each zone's main route (the one rule of :func:`drm.evacuation.routes.zone_routes`)."""
    ev = result.evacuation
    if ev is None or "node" not in result.centres:
        return []
    G = result.roads
    routes = zone_routes(ev, G, result.centres["node"])
    out = []
    for r in routes[routes["main"]].itertuples():
        edges = r.edges
        xy = np.vstack([_draw.edge_xy(G, u, v, G.edges[u, v, k]) for u, v, k in edges])
        closures = [float(G.edges[e].get("closure_time_s", np.inf)) for e in edges]
        out.append({
            "zone": int(r.zone),
            "centre": str(r.centre),
            "persons": float(r.persons),
            "roads": _main_names(G, edges),
            "first_cut_s": min(closures) if np.isfinite(min(closures)) else None,
            "path": _polyline(_svg_xy(xy, origin)),
        })  # fmt: skip
    return out


def _cut_roads(result: ScenarioResult) -> list[dict[str, Any]]:
    """Streets evacuees used that the flood closed before the last of them arrived (earliest first)."""
    ev = result.evacuation
    if ev is None or result.order_time_s is None:
        return []
    clearance = (result.summary.get("evacuation") or {}).get("clearance_time_s")
    if clearance is None or not np.isfinite(clearance):
        return []
    done = float(result.order_time_s) + float(clearance)
    G = result.roads
    first: dict[str, float] = {}
    for r in ev.roads.itertuples():
        d = G.edges[r.u, r.v, r.key]
        t = float(d.get("closure_time_s", np.inf))
        if r.persons_or_vehicles > 0 and t < done:
            name = _road_name(d)
            first[name] = min(t, first.get(name, np.inf))
    return [{"name": n, "closure_s": t} for n, t in sorted(first.items(), key=lambda kv: kv[1])]


def map_layers(result: ScenarioResult) -> dict[str, Any]:
    """The vector layers of a run's map that its tables do not carry, ready for :func:`svg_map`.

    Parameters
    ----------
    result : ScenarioResult
        A completed run (from :func:`drm.run_scenario`).

    Returns
    -------
    dict
        ``crs``; ``origin`` (m: ``xmin``, ``ymax`` of the DEM, the SVG's
        top-left corner); ``view`` (m: ``xmin, xmax, ymin, ymax`` of the town);
        ``zones`` (id, name, persons at risk, outline path); ``streets``
        (``open`` and ``flooded`` paths); ``routes`` (per zone: its most used
        centre, persons, the main road names, the first closure on it (s) and
        its path); ``cut_roads`` (streets evacuees used that the flood closed
        before the clearance ended: name, ``closure_s``). Paths are SVG
        ``d`` strings in metres from the origin, y down.

    Examples
    --------
    >>> import drm
    >>> result = drm.run_scenario("jacksboro", "results/jacksboro")  # doctest: +SKIP
    >>> sorted(map_layers(result))  # doctest: +SKIP
    ['crs', 'cut_roads', 'origin', 'routes', 'streets', 'view', 'zones']
    """
    dem = result.inputs.dem
    xmin, ymin, xmax, ymax = grid_bounds(dem)
    origin = (float(xmin), float(ymax))
    pop = result.inputs.population
    rows, cols = np.nonzero(np.nan_to_num(pop.values) > 0)
    people = np.column_stack([pop["x"].values[cols], pop["y"].values[rows]])
    view = _draw.town_extent(
        [people, result.centres[["x", "y"]].to_numpy(float)], (xmin, ymin, xmax, ymax)
    )
    return {
        "crs": str(dem.rio.crs) if getattr(dem, "rio", None) is not None and dem.rio.crs else "",
        "origin": list(origin),
        "view": [float(v) for v in view],
        "zones": _zone_layer(result, origin),
        "streets": _street_layer(result.roads, origin),
        "routes": _route_layer(result, origin),
        "cut_roads": _cut_roads(result),
        "basemap": basemap_tiles(dem, view, origin),
    }


#: The optional online basemap: OpenStreetMap's standard tiles, requested only when the
#: reader ticks the layer (the report stays offline otherwise). Their use asks for the credit.
BASEMAP_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
BASEMAP_CREDIT = "© OpenStreetMap contributors"
_WEB_MERCATOR_HALF = 20037508.342789244  # m, half the Web Mercator world width


def basemap_tiles(
    dem: Any, view: Any, origin: tuple[float, float], tiles_across: int = 4
) -> list[list[float]]:
    """The Web Mercator tiles covering the map's view, placed in the map's SVG coordinates.

    Each tile's corners are transformed from Web Mercator to the DEM's CRS and the
    tile is drawn as the rectangle between them (at town scale the rotation
    between the two grids, under 2°, is not visible at tile size).

    Parameters
    ----------
    dem : xarray.DataArray
        The DEM (its CRS places the tiles).
    view : sequence of float
        ``xmin, xmax, ymin, ymax`` of the view (m, the DEM's CRS).
    origin : tuple of float
        The SVG's top-left corner (m, the DEM's CRS).
    tiles_across : int
        About how many tiles span the view's width (sets the zoom level).

    Returns
    -------
    list of list of float
        ``[z, x, y, left, top, width, height]`` per tile (tile numbers, then m
        from the origin, y down); empty when the DEM records no CRS.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> dem = set_crs(xr.DataArray(np.zeros((2, 2)), dims=("y", "x"),
    ...               coords={"y": [948_005.0, 947_995.0], "x": [259_995.0, 260_005.0]}), 32619)
    >>> tiles = basemap_tiles(dem, (258_000.0, 262_000.0, 946_000.0, 950_000.0), (258_000.0, 950_000.0))
    >>> tiles[0][0], len(tiles) >= 4  # zoom 15: tiles of about 1.2 km for a 4 km view
    (15, True)
    """
    from pyproj import Transformer

    from drm.grids import get_crs

    crs = get_crs(dem)
    if crs is None:
        return []
    to_merc = Transformer.from_crs(crs, 3857, always_xy=True)
    back = Transformer.from_crs(3857, crs, always_xy=True)
    x0, x1, y0, y1 = (float(v) for v in view)
    mx, my = to_merc.transform([x0, x1, x0, x1], [y0, y0, y1, y1])
    world = 2 * _WEB_MERCATOR_HALF
    z = int(np.clip(np.floor(np.log2(world * tiles_across / max(max(mx) - min(mx), 1.0))), 0, 19))
    size = world / 2**z
    cols = range(int((min(mx) + _WEB_MERCATOR_HALF) // size), int((max(mx) + _WEB_MERCATOR_HALF) // size) + 1)
    rows = range(int((_WEB_MERCATOR_HALF - max(my)) // size), int((_WEB_MERCATOR_HALF - min(my)) // size) + 1)
    out = []
    for ty in rows:
        for tx in cols:
            left_m, top_m = tx * size - _WEB_MERCATOR_HALF, _WEB_MERCATOR_HALF - ty * size
            (xl, xr), (yt, yb) = back.transform([left_m, left_m + size], [top_m, top_m - size])
            out.append([z, tx, ty, round(xl - origin[0], 1), round(origin[1] - yt, 1),
                        round(xr - xl, 1), round(yt - yb, 1)])  # fmt: skip
    return out


def write_map_layers(result: ScenarioResult, out_dir: str | os.PathLike[str]) -> Path:
    """Write :func:`map_layers` as ``map_layers.json`` into an output folder (atomically).

    Parameters
    ----------
    result : ScenarioResult
        A completed run.
    out_dir : str or path-like
        Its output folder (where :func:`drm.report.write_report` will look).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import drm
    >>> result = drm.run_scenario("jacksboro", "results/jacksboro")  # doctest: +SKIP
    >>> write_map_layers(result, "results/jacksboro").name  # doctest: +SKIP
    'map_layers.json'
    """
    target = Path(out_dir) / LAYERS_FILE
    with atomic_path(target) as tmp:
        tmp.write_text(
            json.dumps(map_layers(result), ensure_ascii=False, allow_nan=False), encoding="utf-8"
        )
    return target


def read_map_layers(folder: Path) -> dict[str, Any]:
    """The layers an output folder holds in ``map_layers.json`` (empty without it)."""
    path = Path(folder) / LAYERS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


# -- rendering ------------------------------------------------------------------------------------


def depth_colours() -> list[str]:
    """Hex colours of the depth classes of :data:`DEPTH_CLASSES_M` (the last: deeper than 2 m)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    n = len(DEPTH_CLASSES_M)
    cmap = plt.get_cmap("Blues", n + 2)
    return [to_hex(cmap(i)) for i in range(2, n + 2)]


def _flood_image(path: Path) -> tuple[str, tuple[float, float, float, float]] | None:
    """Base64 PNG of the maximum depth by class (dry: transparent) and its bounds (m)."""
    if not path.is_file():
        return None
    import matplotlib.image as mpimg
    import xarray as xr
    from matplotlib.colors import to_rgba

    with xr.open_dataset(path) as ds:
        md = ds["max_depth"].load()
    if md["y"].values[0] < md["y"].values[-1]:
        md = md.isel(y=slice(None, None, -1))
    step = max(1, int(np.ceil(max(md.shape) / _IMAGE_PX)))
    depth = np.asarray(md.values[::step, ::step], dtype=float)
    k = np.digitize(np.nan_to_num(depth, nan=0.0), DEPTH_CLASSES_M)  # 0: dry
    palette = np.array([(0, 0, 0, 0), *(to_rgba(c, 0.8) for c in depth_colours())])
    buf = io.BytesIO()
    mpimg.imsave(buf, palette[k], format="png")
    xmin, ymin, xmax, ymax = grid_bounds(md)
    return base64.b64encode(buf.getvalue()).decode("ascii"), (xmin, ymin, xmax, ymax)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _centre_marks(centres: pd.DataFrame | None, origin: tuple[float, float], text: Text) -> str:
    if centres is None or centres.empty:
        return ""
    xy = _svg_xy(centres[["x", "y"]].to_numpy(float), origin)
    marks = []
    for (cid, c), (x, y) in zip(centres.iterrows(), xy, strict=True):
        used = bool(c.get("used", True))
        why = "" if used else f" — {text.data(c.get('excluded_because', ''))}"
        tip = text("map_centre_tip", id=cid, name=c.get("name", ""), cap=text.number(c.get("capacity_persons")),
                   peak=text.number(c.get("peak_occupancy"))) + why  # fmt: skip
        css = "c-used" if used else "c-out"
        marks.append(
            f"<circle class='{css}' cx='{x}' cy='{y}' r='30'><title>{_e(tip)}</title></circle>"
        )
    return "".join(marks)


def _zone_marks(
    layers: dict[str, Any], zones: pd.DataFrame | None, origin: tuple[float, float], text: Text
) -> str:
    parts = []
    for z in layers.get("zones", []):
        tip = text(
            "map_zone_tip",
            zone=text.zone_name(z["zone"], z["name"]),
            n=text.number(z["persons_at_risk"]),
        )
        css = "z-risk" if z["persons_at_risk"] >= 0.5 else "z"
        parts.append(f"<path class='{css}' d='{z['path']}'><title>{_e(tip)}</title></path>")
    if zones is not None and "x" in zones:
        at_risk = zones[(zones["persons_at_risk"] >= 0.5) & zones["x"].notna() & (zones.index != 0)]
        xy = _svg_xy(at_risk[["x", "y"]].to_numpy(float), origin)
        for (zid, z), (x, y) in zip(at_risk.iterrows(), xy, strict=True):
            name = text.zone_name(zid, z.get("name"))
            tip = text("map_zone_tip", zone=name, n=text.number(z["persons_at_risk"]))
            parts.append(
                f"<text class='zl' x='{x}' y='{y}'>{_e(name)}<title>{_e(tip)}</title></text>"
            )
    return "".join(parts)


def _route_marks(layers: dict[str, Any], zones: pd.DataFrame | None, text: Text) -> str:
    parts = []
    for r in layers.get("routes", []):
        name = (
            zones.loc[r["zone"], "name"] if zones is not None and r["zone"] in zones.index else None
        )
        tip = text("map_route_tip", zone=text.zone_name(r["zone"], name), centre=r["centre"],
                   roads=", ".join(r["roads"]), n=text.number(r["persons"]))  # fmt: skip
        parts.append(f"<path d='{r['path']}'><title>{_e(tip)}</title></path>")
    return "".join(parts)


def _legend(text: Text, layers: dict[str, Any]) -> str:
    colours = depth_colours()
    bounds = [f"{b:g}" for b in DEPTH_CLASSES_M]
    labels = [f"{a}–{b}" for a, b in pairwise(bounds)] + [f"> {bounds[-1]}"]
    swatches = "".join(f"<span class='sw' style='background:{c}'></span>{_e(lab)} " for c, lab in
                       zip(colours, labels, strict=True))  # fmt: skip
    items = [f"<b>{_e(text('fig_max_depth'))}</b> {swatches}"]
    items.append(f"<span class='sw c-used'></span>{_e(text('fig_centre_used'))} "
                 f"<span class='sw c-out'></span>{_e(text('fig_centre_excluded'))}")  # fmt: skip
    if layers.get("zones"):
        items.append(f"<span class='ln z-risk'></span>{_e(text('map_zone_legend'))}")
    if layers.get("streets"):
        items.append(f"<span class='ln st'></span>{_e(text('fig_road_open'))} "
                     f"<span class='ln fl'></span>{_e(text('fig_road_flooded'))}")  # fmt: skip
    if layers.get("routes"):
        items.append(f"<span class='ln rt'></span>{_e(text('map_route_legend'))}")
    return "<div class='maplegend'>" + " · ".join(items) + "</div>"


_NORTH = (
    "<svg class='north' viewBox='0 0 20 30' width='20' height='30' aria-label='N'>"
    "<path d='M10 0L18 22L10 17L2 22Z' fill='#111'/><text x='10' y='30' text-anchor='middle' "
    "font-size='9' font-weight='700'>N</text></svg>"
)

#: Pan (drag), zoom (wheel, about the pointer), reset, scale bar; layer toggles are CSS only.
_SCRIPT = """
(function () {
  var svg = document.getElementById('drm-map'); if (!svg) return;
  var home = svg.getAttribute('viewBox').split(' ').map(Number), v = home.slice(), drag = null;
  var bar = document.getElementById('drm-bar'), lab = document.getElementById('drm-bar-label');
  function show() {
    svg.setAttribute('viewBox', v.join(' '));
    var px = svg.getBoundingClientRect().width || 1, m = v[2] / 5, p = Math.pow(10, Math.floor(Math.log10(m)));
    var len = [5, 2, 1].map(function (k) { return k * p; }).filter(function (l) { return l <= m; })[0] || p;
    bar.style.width = (len * px / v[2]).toFixed(0) + 'px';
    lab.textContent = len >= 1000 ? (len / 1000) + ' km' : len + ' m';
    svg.style.setProperty('--r', (v[2] / 140).toFixed(1));
  }
  function at(e) {
    var r = svg.getBoundingClientRect(), s = Math.max(v[2] / r.width, v[3] / r.height);
    return [v[0] + (e.clientX - r.left - (r.width - v[2] / s) / 2) * s,
            v[1] + (e.clientY - r.top - (r.height - v[3] / s) / 2) * s, s];
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault(); var p = at(e), k = e.deltaY > 0 ? 1.25 : 0.8;
    v = [p[0] - (p[0] - v[0]) * k, p[1] - (p[1] - v[1]) * k, v[2] * k, v[3] * k]; show();
  }, {passive: false});
  svg.addEventListener('pointerdown', function (e) { drag = at(e); svg.setPointerCapture(e.pointerId); });
  svg.addEventListener('pointermove', function (e) {
    if (!drag) return; var p = at(e); v[0] -= p[0] - drag[0]; v[1] -= p[1] - drag[1]; show();
  });
  svg.addEventListener('pointerup', function () { drag = null; });
  document.getElementById('drm-reset').addEventListener('click', function () { v = home.slice(); show(); });
  var base = document.getElementById('drm-basemap'), tick = document.getElementById('lay-basemap');
  if (base && tick) tick.addEventListener('change', function () {
    if (!tick.checked || base.childNodes.length) return;
    JSON.parse(base.dataset.tiles).forEach(function (t) {
      var im = document.createElementNS('http://www.w3.org/2000/svg', 'image');
      im.setAttribute('href', base.dataset.url.replace('{z}', t[0]).replace('{x}', t[1]).replace('{y}', t[2]));
      ['x', 'y', 'width', 'height'].forEach(function (a, i) { im.setAttribute(a, t[3 + i]); });
      im.setAttribute('preserveAspectRatio', 'none'); base.appendChild(im);
    });
  });
  show();
})();
"""


def _view(
    layers: dict[str, Any], origin: tuple[float, float], bounds: tuple[float, float, float, float]
) -> str:
    x0, x1, y0, y1 = layers.get("view") or (bounds[0], bounds[2], bounds[1], bounds[3])
    return f"{x0 - origin[0]:.0f} {origin[1] - y1:.0f} {x1 - x0:.0f} {y1 - y0:.0f}"


def svg_map(out: RunOutputs, text: Text) -> str:
    """The report's interactive map of an output folder: HTML with inline SVG and script.

    Parameters
    ----------
    out : RunOutputs
        From :func:`drm.report.tables.load_outputs`; uses ``flood.nc``,
        ``centres.csv``, ``zones.csv`` and ``map_layers.json`` when there.
    text : Text
        The language of the labels.

    Returns
    -------
    str
        A ``<figure>`` with layer toggles, the SVG (layers ``flood``,
        ``zones``, ``streets``, ``routes``, ``centres``), a legend with units,
        a north arrow and a scale bar; empty without ``flood.nc``.

    Examples
    --------
    >>> from drm.report.tables import load_outputs
    >>> html = svg_map(load_outputs("results/jacksboro"), Text("en"))  # doctest: +SKIP
    >>> "<svg id='drm-map'" in html  # doctest: +SKIP
    True
    """
    flood = _flood_image(out.folder / "flood.nc")
    if flood is None:
        return ""
    png, bounds = flood
    layers = read_map_layers(out.folder)
    origin = tuple(layers.get("origin") or (bounds[0], bounds[3]))
    zones = out.table("zones")
    groups = {
        "flood": (f"<image href='data:image/png;base64,{png}' x='{bounds[0] - origin[0]:.0f}' "
                  f"y='{origin[1] - bounds[3]:.0f}' width='{bounds[2] - bounds[0]:.0f}' "
                  f"height='{bounds[3] - bounds[1]:.0f}' preserveAspectRatio='none'/>"),
        "zones": _zone_marks(layers, zones, origin, text),
        "streets": "".join(f"<path class='{'fl' if k == 'flooded' else 'st'}' d='{d}'/>"
                           for k, d in (layers.get("streets") or {}).items() if d),
        "routes": _route_marks(layers, zones, text),
        "centres": _centre_marks(out.table("centres"), origin, text),
    }  # fmt: skip
    present = [k for k in _LAYER_ORDER if groups[k]]
    toggles = "".join(
        f"<label><input type='checkbox' id='lay-{k}' checked> {_e(text(f'map_layer_{k}'))}</label>"
        for k in present
    )
    body = "".join(f"<g class='lay-{k}'>{groups[k]}</g>" for k in present)
    tiles = layers.get("basemap") or []
    if tiles:  # off by default: nothing is requested unless the reader ticks it, online
        toggles = (
            f"<label><input type='checkbox' id='lay-basemap'> {_e(text('map_layer_basemap'))}</label>"
            + toggles
        )
        body = (
            f"<g class='lay-basemap' id='drm-basemap' data-url='{_e(BASEMAP_URL)}' "
            f"data-tiles='{json.dumps(tiles)}'></g>" + body
        )
    note = "" if layers else f"<p class='note'>{_e(text('map_no_layers'))}</p>"
    return (
        f"<figure id='fig-webmap' class='webmap'><div class='maptools'>{toggles}"
        f"<button type='button' id='drm-reset'>{_e(text('map_reset'))}</button></div>"
        f"<div class='mapbox'><svg id='drm-map' viewBox='{_view(layers, origin, bounds)}' "
        f"preserveAspectRatio='xMidYMid meet' role='img' aria-label='{_e(text('cap_webmap'))}'>{body}</svg>"
        f"{_NORTH}<div class='scalebar'><div id='drm-bar'></div><span id='drm-bar-label'></span></div></div>"
        f"{_legend(text, layers)}<p class='credit'>{_e(text('map_basemap_credit'))} "
        f"{_e(BASEMAP_CREDIT)}</p><figcaption>{_e(text('cap_webmap'))}</figcaption>{note}"
        f"<script>{_SCRIPT}</script></figure>"
    )


#: The map's CSS (the report's stylesheet includes it); layer check boxes hide layers without script.
CSS = """
.webmap .maptools { font-size: .85rem; display: flex; gap: .8rem; flex-wrap: wrap; align-items: center; }
.webmap .mapbox { position: relative; border: 1px solid var(--line); background: #f4f2ec; }
#drm-map { width: 100%; height: 560px; display: block; cursor: grab; touch-action: none; --r: 30; }
#drm-map path { fill: none; vector-effect: non-scaling-stroke; }
#drm-map .z { stroke: #777; stroke-width: .8; } #drm-map .z-risk { stroke: #6a1b9a; stroke-width: 1.6; }
#drm-map .st { stroke: #8a8a8a; stroke-width: .7; }
#drm-map .fl { stroke: #000; stroke-width: 1.2; stroke-dasharray: 4 2; }
#drm-map .lay-routes path { stroke: #E69F00; stroke-width: 3.2; stroke-linecap: round; }
#drm-map circle { r: calc(var(--r) * 1px); stroke: #000; stroke-width: 1; vector-effect: non-scaling-stroke; }
#drm-map .c-used { fill: #009E73; } #drm-map .c-out { fill: #fff; }
#drm-map .zl { font-size: calc(var(--r) * 2.4px); font-style: italic; text-anchor: middle; paint-order: stroke;
               stroke: #fff; stroke-width: calc(var(--r) * .25px); fill: #222; }
.webmap .north { position: absolute; top: 8px; right: 10px; }
.webmap .scalebar { position: absolute; bottom: 8px; right: 10px; font-size: .75rem;
                   background: #fffc; padding: 2px 4px; }
.webmap #drm-bar { height: 5px; border: 1px solid #000; border-top: 0; }
.maplegend { font-size: .8rem; margin: .3rem 0; }
.maplegend .sw { display: inline-block; width: 12px; height: 12px; border: 1px solid #555;
                 vertical-align: middle; margin: 0 2px; }
.maplegend .sw.c-used { background: #009E73; border-radius: 50%; }
.maplegend .sw.c-out { background: #fff; border-radius: 50%; }
.maplegend .ln { display: inline-block; width: 22px; vertical-align: middle; margin: 0 3px;
                 border-top: 3px solid #777; }
.maplegend .ln.z-risk { border-top: 2px solid #6a1b9a; } .maplegend .ln.st { border-top: 1px solid #8a8a8a; }
.maplegend .ln.fl { border-top: 2px dashed #000; } .maplegend .ln.rt { border-top: 3px solid #E69F00; }
""" + "".join(
    f"body:has(#lay-{k}:not(:checked)) #drm-map .lay-{k} {{ display: none; }}\n"
    for k in (*_LAYER_ORDER, "basemap")
) + (
    ".webmap .credit { font-size: .7rem; display: none; }\n"
    "body:has(#lay-basemap:checked) .webmap .credit { display: block; }\n"
)
