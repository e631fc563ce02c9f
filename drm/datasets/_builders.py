"""Builders shared by both sample towns: hyetographs, road lines and graphs, stock units.

Valle Alto (:mod:`drm.datasets.valle_alto`) and Kettle Ford (:mod:`drm.datasets.kettle_ford`)
both arrange their IDF depths into a hyetograph with :func:`_alternating_blocks`, measure
their river hydrographs with :func:`_hydrograph_stats`, node their
road polylines with :func:`_node_lines`, build their road graph with :func:`_graph` and name
their stock items in the units of :data:`STOCK_UNITS`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np
import shapely

from drm.io import graph_from_lines

#: A road: vertices (m), properties, feature id.
Line = tuple[np.ndarray, dict[str, Any], str]


def _hydrograph_stats(q: Any, rain_peak_s: float, baseflow_m3s: float) -> dict[str, float]:
    """Peak (m³/s), its time (h) and lag after the rain peak (h), runoff volume above baseflow (hm³).

    ``q`` has ``time_s`` (s) and ``discharge_m3s`` columns; ``rain_peak_s`` is
    the middle of the rain's peak block (s).
    """
    k = int(q["discharge_m3s"].idxmax())
    t, flow = q["time_s"].to_numpy(), q["discharge_m3s"].to_numpy()
    return {
        "peak_m3s": float(flow[k]),
        "peak_time_h": round(float(t[k]) / 3600.0, 2),
        "lag_after_rain_peak_h": round((float(t[k]) - rain_peak_s) / 3600.0, 2),
        "runoff_volume_hm3": round(float(np.trapezoid(flow - baseflow_m3s, t)) / 1e6, 2),
    }


def _alternating_blocks(depth_mm: np.ndarray, step_s: float, peak_block: int) -> np.ndarray:
    """Rain rates (mm/h) by the alternating block method (Chow, Maidment & Mays 1988, 14.4).

    ``depth_mm[k]`` is the IDF depth over the first ``k + 1`` blocks of ``step_s``
    seconds; the block increments are placed largest first at ``peak_block``, then
    alternately after and before it.
    """
    n = depth_mm.size
    blocks = np.diff(depth_mm, prepend=0.0)
    order = [peak_block]
    for k in range(1, n):
        order += [q for q in (peak_block + k, peak_block - k) if 0 <= q < n]
    out = np.zeros(n)
    out[order[:n]] = blocks
    return out * 3600.0 / step_s


def _node_lines(lines: list[Line]) -> list[Line]:
    """Insert a shared vertex wherever two roads cross, so that the graph joins them there."""
    geoms = [shapely.LineString(c) for c, _, _ in lines]
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    extra: dict[int, list[np.ndarray]] = defaultdict(list)
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        for part in shapely.get_parts(shapely.intersection(geoms[i], geoms[j])):
            if part.geom_type != "Point":
                raise RuntimeError(f"roads {lines[i][2]} and {lines[j][2]} overlap along a line")
            p = np.round(shapely.get_coordinates(part)[0], 2)
            for c in (lines[i][0], lines[j][0]):
                gap = np.hypot(*(c - p).T)
                if gap.min() < 0.05:
                    p = c[int(np.argmin(gap))]
                    break
            extra[i].append(p)
            extra[j].append(p)
    out = []
    for i, (coords, props, fid) in enumerate(lines):
        new = [p for p in extra.get(i, []) if not np.any(np.all(coords == p, axis=1))]
        if new:
            new = list(np.unique(np.array(new), axis=0))
            cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
            at = [geoms[i].project(shapely.Point(p)) for p in new]
            order = np.argsort(np.concatenate([cum, at]), kind="stable")
            coords = np.concatenate([coords, np.array(new)])[order]
            coords = coords[np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]]
        out.append((coords, props, fid))
    return out


def _graph(lines: list[Line], crs: str) -> nx.MultiDiGraph:
    """Build the road graph exactly as :func:`drm.io.read_roads` builds it from the GeoJSON features."""
    return graph_from_lines(
        [(c, {**p, "road_id": fid}) for c, p, fid in lines], crs, source="roads"
    )


#: item id -> unit of its quantity (the vocabulary of drm's shelter standards).
STOCK_UNITS = {
    "water_l": "L",
    "food_ration": "ration",
    "hygiene_kit": "kit",
    "menstrual_hygiene_kit": "kit",
    "soap_bar_250g": "bar",
    "blanket": "piece",
    "sleeping_mat": "piece",
    "jerrycan": "piece",
    "tarpaulin": "piece",
    "emergency_health_kit": "kit",
}
