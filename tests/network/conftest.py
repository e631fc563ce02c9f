"""Fixtures for the road-network tests: small road-like graphs and flood grids."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import xarray as xr
from shapely import LineString

CRS = "EPSG:32619"


def make_grid_roads(size: int, *, spacing_m: float = 100.0, seed: int = 0, drop: float = 0.25) -> nx.MultiDiGraph:
    """Build a size x size street grid like peer-baselines section 3 (two-way, with geometry).

    Every 10th row and column is an 80 km/h primary road; other streets are
    residential at 30 or 50 km/h, a share ``drop`` of them removed; lengths are
    the spacing times U(1, 1.6) (curvy streets).
    """
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs=CRS)
    for r in range(size):
        for c in range(size):
            G.add_node(r * size + c, x=c * spacing_m, y=r * spacing_m)
    for r in range(size):
        for c in range(size):
            for dr, dc in ((0, 1), (1, 0)):
                r2, c2 = r + dr, c + dc
                if r2 >= size or c2 >= size:
                    continue
                arterial = (dr == 0 and r % 10 == 0) or (dc == 0 and c % 10 == 0)
                if not arterial and rng.random() < drop:
                    continue
                speed = 80.0 if arterial else (30.0 if rng.random() < 0.7 else 50.0)
                length = spacing_m * rng.uniform(1.0, 1.6)
                u, v = r * size + c, r2 * size + c2
                geom = LineString([(c * spacing_m, r * spacing_m), (c2 * spacing_m, r2 * spacing_m)])
                attrs = {
                    "highway": "primary" if arterial else "residential",
                    "length": length,
                    "maxspeed": str(int(speed)),
                    "oneway": False,
                    "road_id": f"r{u}-{v}",
                }
                G.add_edge(u, v, **attrs, reversed=False, geometry=geom)
                G.add_edge(v, u, **attrs, reversed=True, geometry=geom.reverse())
    return G


def depth_grid(values: np.ndarray, *, dx: float = 10.0, x0: float = 5.0, y0: float | None = None,
               crs: str | None = CRS) -> xr.DataArray:
    """Wrap a (ny, nx) array as a north-up depth grid in metres with cell centres at x0 + i dx."""
    ny, nx_ = values.shape
    y0 = y0 if y0 is not None else x0 + (ny - 1) * dx
    da = xr.DataArray(
        np.asarray(values, dtype=float),
        dims=("y", "x"),
        coords={"y": y0 - dx * np.arange(ny), "x": x0 + dx * np.arange(nx_)},
        attrs={"units": "m"},
    )
    if crs is not None:
        da.attrs["crs"] = crs
    return da


@pytest.fixture
def grid_roads() -> nx.MultiDiGraph:
    """A 12 x 12 street grid (144 nodes), unprepared."""
    return make_grid_roads(12, seed=7)


@pytest.fixture
def straight_road() -> nx.MultiDiGraph:
    """One 200 m two-way residential street along y = 50 m, from x = 0 to x = 200."""
    G = nx.MultiDiGraph(crs=CRS)
    G.add_node("a", x=0.0, y=50.0)
    G.add_node("b", x=200.0, y=50.0)
    geom = LineString([(0.0, 50.0), (100.0, 50.0), (200.0, 50.0)])
    for u, v, g in (("a", "b", geom), ("b", "a", geom.reverse())):
        G.add_edge(u, v, highway="residential", length=200.0, maxspeed="50", oneway=False, geometry=g)
    return G


@pytest.fixture
def make_roads():
    """The street-grid builder, for tests that need other sizes or seeds."""
    return make_grid_roads


@pytest.fixture
def make_depth():
    """The depth-grid builder."""
    return depth_grid
