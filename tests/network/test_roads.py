"""Road preparation, snapping, population origins and connectivity."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from drm.errors import DrmWarning, InputError
from drm.network import (
    connectivity,
    nearest_nodes,
    parse_maxspeed,
    population_origins,
    prepare_roads,
    road_classes,
    snap_points,
)


def test_road_class_table_has_the_design_values_and_sources():
    t = road_classes()
    # design.md section 4: 2000 motorway, 1500 primary, 1000 secondary, 600 residential veh/h/lane
    assert t.loc[["motorway", "primary", "secondary", "residential"], "capacity_veh_h_lane"].tolist() == [
        2000, 1500, 1000, 600,
    ]
    assert t["capacity_source"].notna().all()
    assert not t.loc["footway", "drive"]
    assert not t.loc["motorway", "walk"]


def test_drive_speeds_lanes_and_capacity():
    G = nx.MultiDiGraph(crs="EPSG:32619")
    G.add_edge(0, 1, length=1000.0, highway="primary", lanes="4", oneway=False)  # 2 per direction
    G.add_edge(1, 2, length=500.0, highway="secondary", lanes=3, oneway=True, maxspeed="30 mph")
    G.add_edge(2, 3, length=100.0, highway=["residential", "service"], speed_kph=20.0)
    G.add_edge(3, 4, length=100.0, highway="footway")
    G.add_edge(4, 5, length=100.0)  # no highway tag: a land-use outline in an OSM extract
    H = prepare_roads(G)
    e01, e12, e23 = H.edges[0, 1, 0], H.edges[1, 2, 0], H.edges[2, 3, 0]
    assert e01["speed_kph"] == 60.0
    assert e01["travel_time"] == pytest.approx(60.0)
    assert e01["capacity_veh_h"] == 2 * 1500.0
    assert e12["speed_kph"] == pytest.approx(30 * 1.609344)
    assert e12["capacity_veh_h"] == 3 * 1000.0  # one-way: all lanes in one direction
    assert e23["speed_kph"] == 20.0  # OSMnx's own speed_kph wins
    assert e23["capacity_veh_h"] == 600.0
    assert not H.has_edge(3, 4)
    assert not H.has_edge(4, 5)
    assert H.graph["drm_removed"] == {"no highway tag": 1, "not usable by drive": 1}
    # the caller's graph is untouched
    assert "travel_time" not in G.edges[0, 1, 0]
    assert G.has_edge(3, 4)


def test_walk_mode_is_two_way_with_width_capacity():
    G = nx.MultiDiGraph(crs="EPSG:32619")
    G.add_edge(0, 1, length=120.0, highway="residential", oneway=True)
    G.add_edge(1, 2, length=60.0, highway="footway", width="3")
    G.add_edge(2, 3, length=60.0, highway="motorway")
    H = prepare_roads(G, "walk", walk_speed_m_s=1.2)
    assert H.has_edge(1, 0)
    assert not H.has_edge(2, 3)
    assert H.edges[0, 1, 0]["travel_time"] == pytest.approx(100.0)
    # specific flow 1.3 persons/m/s x width x 3600 s
    assert H.edges[1, 2, 0]["capacity_persons_h"] == pytest.approx(1.3 * 3 * 3600)
    assert H.edges[0, 1, 0]["capacity_persons_h"] == pytest.approx(1.3 * 6 * 3600)


def test_prepare_rejects_bad_input():
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, highway="residential")
    with pytest.raises(InputError, match="no length"):
        prepare_roads(G)
    with pytest.raises(InputError, match="mode"):
        prepare_roads(G, "boat")
    F = nx.MultiDiGraph()
    F.add_edge(0, 1, length=5.0, highway="footway")
    with pytest.raises(InputError, match="no road"):
        prepare_roads(F, "drive")


@pytest.mark.parametrize(
    ("tag", "kph"), [("50", 50.0), ("30 mph", 48.28032), ("50;30", 30.0), (["60", "40"], 40.0), ("none", None)]
)
def test_maxspeed_parsing(tag, kph):
    assert parse_maxspeed(tag) == (pytest.approx(kph) if kph else None)


def test_nearest_nodes_equals_brute_force(grid_roads, rng):
    x, y = rng.uniform(-200, 1400, 300), rng.uniform(-200, 1400, 300)
    nodes, dist = nearest_nodes(grid_roads, x, y)
    xy = np.array([(d["x"], d["y"]) for _, d in grid_roads.nodes(data=True)])
    ids = np.array(list(grid_roads.nodes))
    brute = np.hypot(x[:, None] - xy[None, :, 0], y[:, None] - xy[None, :, 1])
    np.testing.assert_allclose(dist, brute.min(axis=1), rtol=1e-12)
    np.testing.assert_allclose(brute[np.arange(300), np.searchsorted(ids, nodes)], dist, rtol=1e-12)


def test_snapping_reports_distance_and_refuses_far_centres(straight_road):
    pts = pd.DataFrame({"x": [10.0, 190.0, 5000.0], "y": [50.0, 80.0, 50.0]}, index=["p", "q", "far"])
    with pytest.raises(InputError, match="far"):
        snap_points(straight_road, pts, max_distance_m=500.0, name="centres")
    with pytest.warns(DrmWarning, match="not routable"):
        out = snap_points(straight_road, pts, max_distance_m=500.0, on_far="warn")
    assert out["node"].tolist() == ["a", "b", "b"]
    np.testing.assert_allclose(out["snap_distance_m"], [10.0, np.hypot(10, 30), 4800.0])
    assert out["snapped"].tolist() == [True, True, False]


def test_graph_without_coordinates_or_in_degrees_is_refused():
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, travel_time=1.0)
    with pytest.raises(InputError, match="no 'x'/'y'"):
        nearest_nodes(G, [0.0], [0.0])
    D = nx.MultiDiGraph(crs="EPSG:4326")
    D.add_node(0, x=-66.9, y=10.5)
    with pytest.raises(InputError, match="project_graph"):
        nearest_nodes(D, [-66.9], [10.5])


def test_population_origins_keep_everybody(straight_road):
    values = np.zeros((2, 30))
    values[0, :3] = [12.0, 0.0, np.nan]
    values[1, :2] = [3.5, 7.0]
    values[1, 29] = 1.0  # 2.75 km from the road
    pop = xr.DataArray(values, dims=("y", "x"), coords={"y": [100.0, 0.0], "x": 50.0 + 100.0 * np.arange(30)})
    with pytest.warns(DrmWarning, match="not routable"):
        o = population_origins(pop, straight_road, max_distance_m=500.0)
    assert o["persons"].sum() == pytest.approx(23.5)  # the NaN cell is nodata, the far cell is kept
    assert o.loc[~o["snapped"], "persons"].tolist() == [1.0]
    assert o.attrs["nodata_cells"] == 1
    with pytest.raises(InputError, match="negative"):
        population_origins(pop.where(pop != 7.0, -1.0), straight_road)


def test_connectivity_reports_stranded_nodes():
    G = nx.MultiDiGraph()
    for u, v in [(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (5, 6), (6, 5)]:
        G.add_edge(u, v, travel_time=1.0)
    G.add_edge(2, 0, travel_time=np.inf)  # closed by the flood
    c = connectivity(G)
    assert c.sizes.tolist() == [3, 2, 1]
    assert sorted(c.outside_largest) == [3, 5, 6]
    assert c.component[3] == 2
    assert "strongly connected components: 3" in repr(c)


def test_a_walk_graph_prepared_again_for_cars_gets_car_speeds():
    G = nx.MultiDiGraph(crs="EPSG:32619")
    G.add_edge(0, 1, length=500.0, highway="secondary", maxspeed="40")
    walk = prepare_roads(G, "walk")
    assert walk.edges[0, 1, 0]["speed_kph"] == pytest.approx(4.32)
    assert prepare_roads(walk, "drive").edges[0, 1, 0]["speed_kph"] == 40.0
