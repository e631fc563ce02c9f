"""Roads as a planner receives them: OSMnx edge files, lon/lat and projected GeoJSON, connectivity (issue 16.8)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod, Transformer

from drm.errors import DrmWarning, InputError
from drm.io.roads import back_edges, read_roads
from drm.io.vectors import read_geojson
from drm.network import prepare_roads
from drm.network.connectivity import connectivity_report

LON0, LAT0, STEP = -71.20, 8.60, 0.002  # a town in UTM zone 19N; 0.002 deg is about 220 m
GEOD = Geod(ellps="WGS84")


def write(path: Path, features: list[dict], crs: str | None = None) -> Path:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def line(coords, **props) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": [list(map(float, c)) for c in coords]},
    }


def grid_segments(n: int = 4) -> list[tuple[int, int, tuple[float, float], tuple[float, float]]]:
    """Street segments of an n x n lon/lat grid: (node a, node b, lon/lat of a, lon/lat of b)."""
    at = {i * n + j: (LON0 + j * STEP, LAT0 + i * STEP) for i in range(n) for j in range(n)}
    segs = []
    for i in range(n):
        for j in range(n):
            a = i * n + j
            if j + 1 < n:
                segs.append((a, a + 1, at[a], at[a + 1]))
            if i + 1 < n:
                segs.append((a, a + n, at[a], at[a + n]))
    return segs


def geodesic_m(a, b) -> float:
    return float(GEOD.line_length([a[0], b[0]], [a[1], b[1]]))


def undirected_length_m(G: nx.MultiDiGraph) -> float:
    """The summary's convention (drm/scenario/inputs.py): edges with reversed False, each road once."""
    return sum(d["length"] for *_, d in G.edges(data=True) if not d.get("reversed"))


def osmnx_edge_features(segs, one_way: int) -> list[dict]:
    """Edges as OSMnx writes them: one feature per direction, u/v/key, stringified lists."""
    feats = []
    for k, (a, b, pa, pb) in enumerate(segs):
        common = {
            "key": 0,
            "osmid": 1000 + k,
            "lanes": "2",
            "length": geodesic_m(pa, pb),
            "highway": "residential",
            "maxspeed": None,
        }
        if k == one_way:
            feats.append(line([pa, pb], u=a, v=b, oneway=True, reversed=False, **common))
            continue
        # OSMnx after simplification merges ways drawn both ways: reversed becomes "[False, True]"
        fwd, back = ("[False, True]", "[False, True]") if k % 3 == 0 else ("False", "True")
        feats.append(line([pa, pb], u=a, v=b, oneway=False, reversed=fwd, **common))
        feats.append(line([pb, pa], u=b, v=a, oneway=False, reversed=back, **common))
    return feats


def test_osmnx_edge_geojson_does_not_double_lanes_capacity_or_length(tmp_path):
    segs = grid_segments()
    one_way = 5
    edges = write(
        tmp_path / "edges.geojson",
        osmnx_edge_features(segs, one_way),
        "urn:ogc:def:crs:OGC:1.3:CRS84",
    )
    plain = write(
        tmp_path / "lines.geojson",
        [
            line([pa, pb], highway="residential", lanes=2, oneway="yes" if k == one_way else "no")
            for k, (_, _, pa, pb) in enumerate(segs)
        ],
    )
    E, L = read_roads(edges), read_roads(plain)
    truth = sum(geodesic_m(pa, pb) for _, _, pa, pb in segs)
    assert E.graph["crs"] == L.graph["crs"] == "EPSG:32619"
    assert E.number_of_nodes() == L.number_of_nodes() == 16
    # 24 streets, 23 two-way: 47 directed edges each way of reading (not 4 per street)
    assert E.number_of_edges() == L.number_of_edges() == 2 * len(segs) - 1
    assert undirected_length_m(E) == pytest.approx(undirected_length_m(L), rel=1e-3)
    assert undirected_length_m(E) == pytest.approx(truth, rel=1e-3)
    assert sum(d["reversed"] for *_, d in E.edges(data=True)) == len(segs) - 1
    assert sorted(d["lanes"] for *_, d in E.edges(data=True)) == sorted(
        d["lanes"] for *_, d in L.edges(data=True)
    )
    cap_e = sorted(d["capacity_veh_h"] for *_, d in prepare_roads(E).edges(data=True))
    cap_l = sorted(d["capacity_veh_h"] for *_, d in prepare_roads(L).edges(data=True))
    assert cap_e == cap_l
    assert sum(cap_e) == pytest.approx(
        (2 * (len(segs) - 1) * 1 + 2) * 600.0
    )  # 1 lane each way, 2 one-way
    ow = [d for *_, d in E.edges(data=True) if d["oneway"]]
    assert len(ow) == 1
    assert ow[0]["road_id"] == str(1000 + one_way)
    # both directions of a street share its id, so closing the road closes both
    assert {d["road_id"] for u, v, d in E.edges(data=True) if {u, v} == {0, 1}} == {"1000"}


def test_osmnx_edge_file_without_crs_member_and_with_to_crs(tmp_path):
    segs = grid_segments(3)
    path = write(tmp_path / "edges.geojson", osmnx_edge_features(segs, one_way=-1))
    G = read_roads(path, to_crs="EPSG:32618")
    t = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)
    for a, _, pa, _ in segs:
        x, y = t.transform(*pa)
        assert (G.nodes[a]["x"], G.nodes[a]["y"]) == pytest.approx((x, y), abs=0.01)
    assert back_edges(G) == {
        (u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["reversed"]
    }


def lonlat_doc() -> list[dict]:
    return [
        line([(LON0, LAT0), (LON0 + 0.004, LAT0), (LON0 + 0.004, LAT0 + 0.003)], highway="primary"),
        line(
            [(LON0 + 0.004, LAT0), (LON0 + 0.008, LAT0 - 0.001)], highway="secondary", oneway="yes"
        ),
    ]


@pytest.mark.parametrize("to_crs", ["EPSG:32619", "EPSG:32618"])
def test_rfc7946_lonlat_goes_to_the_dem_crs(tmp_path, to_crs):
    path = write(tmp_path / "roads.geojson", lonlat_doc())
    G = read_roads(path, to_crs=to_crs)
    assert G.graph["crs"] == to_crs
    t = Transformer.from_crs("EPSG:4326", to_crs, always_xy=True)
    expected = [
        t.transform(*p)
        for p in [
            (LON0, LAT0),
            (LON0 + 0.004, LAT0),
            (LON0 + 0.004, LAT0 + 0.003),
            (LON0 + 0.008, LAT0 - 0.001),
        ]
    ]
    got = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)])
    assert len(got) == 4
    for x, y in expected:
        assert np.hypot(got[:, 0] - x, got[:, 1] - y).min() < 0.01
    for u, _v, d in G.edges(data=True):  # geometries in the target CRS too, from u to v
        assert d["geometry"].coords[0] == pytest.approx(
            (G.nodes[u]["x"], G.nodes[u]["y"]), abs=1e-6
        )


def test_lonlat_without_to_crs_goes_to_its_own_utm_zone(tmp_path):
    G = read_roads(write(tmp_path / "roads.geojson", lonlat_doc()))
    assert G.graph["crs"] == "EPSG:32619"


def test_legacy_crs_member_is_honoured(tmp_path):
    t = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)
    pts = [t.transform(LON0, LAT0), t.transform(LON0 + 0.004, LAT0)]
    path = write(
        tmp_path / "r18.geojson", [line(pts, highway="primary")], "urn:ogc:def:crs:EPSG::32618"
    )
    G = read_roads(path)
    assert G.graph["crs"] == "EPSG:32618"
    assert sorted(d["x"] for _, d in G.nodes(data=True)) == pytest.approx(
        sorted(p[0] for p in pts), abs=1e-9
    )
    H = read_roads(path, to_crs="EPSG:32619")
    t19 = Transformer.from_crs("EPSG:32618", "EPSG:32619", always_xy=True)
    xs = sorted(t19.transform(*p)[0] for p in pts)
    assert sorted(d["x"] for _, d in H.nodes(data=True)) == pytest.approx(xs, abs=0.01)
    # crs= is for files that say nothing: the member wins, with a warning
    with pytest.warns(
        DrmWarning,
        match="declares WGS 84 / UTM zone 18N; crs=WGS 84 / UTM zone 19N is for files that declare none",
    ):
        K = read_roads(path, crs="EPSG:32619")
    assert K.graph["crs"] == "EPSG:32618"


def test_projected_coordinates_without_crs_are_refused(tmp_path):
    path = write(
        tmp_path / "utm.geojson",
        [line([(749_800.0, 948_000.0), (749_900.0, 948_050.0)], highway="primary")],
    )
    msg = r"looks projected \(x up to 7\.5e5\); pass crs='EPSG:\.\.\.' \(scenario key evacuation\.roads_crs\)"
    with pytest.raises(InputError, match=msg) as err:
        read_roads(path)
    assert str(path) in str(err.value)
    # a member that says degrees for metre coordinates is refused too
    wrong = write(
        tmp_path / "wrong.geojson",
        [line([(749_800.0, 948_000.0), (749_900.0, 948_050.0)])],
        "EPSG:4326",
    )
    with pytest.raises(InputError, match=r"read as WGS 84 \(degrees\) but looks projected"):
        read_roads(wrong)


def test_crs_argument_reads_a_projected_file_without_crs(tmp_path):
    path = write(
        tmp_path / "utm.geojson",
        [line([(749_800.0, 948_000.0), (749_900.0, 948_000.0)], highway="primary")],
    )
    G = read_roads(path, crs="EPSG:32619")
    assert G.graph["crs"] == "EPSG:32619"
    assert sorted(d["x"] for _, d in G.nodes(data=True)) == [749_800.0, 749_900.0]
    assert undirected_length_m(G) == pytest.approx(100.0, abs=1e-9)
    H = read_roads(path, crs="EPSG:32619", to_crs="EPSG:32618")
    t = Transformer.from_crs("EPSG:32619", "EPSG:32618", always_xy=True)
    assert sorted(d["x"] for _, d in H.nodes(data=True)) == pytest.approx(
        sorted(t.transform(x, 948_000.0)[0] for x in (749_800.0, 749_900.0)), abs=0.01
    )
    features, crs = read_geojson(path, crs="EPSG:32619")
    assert crs.to_epsg() == 32619
    assert len(features) == 1


def test_to_crs_in_degrees_is_refused(tmp_path):
    with pytest.raises(InputError, match="to_crs=WGS 84 is in degrees"):
        read_roads(write(tmp_path / "roads.geojson", lonlat_doc()), to_crs="EPSG:4326")


def test_unknown_oneway_values_warn_and_spanish_si_is_one_way(tmp_path):
    feats = [
        line([(0, 0), (100, 0)], highway="primary", oneway="reversible"),
        line([(100, 0), (200, 0)], highway="primary", oneway="si"),
        line([(200, 0), (300, 0)], highway="primary", oneway="no"),
    ]
    path = write(tmp_path / "r.geojson", feats, "EPSG:32619")
    with pytest.warns(
        DrmWarning,
        match=r"oneway values 'reversible' \(1\) .* read as two-way; set oneway to yes, no or -1",
    ):
        G = read_roads(path)
    assert G.number_of_edges() == 2 + 1 + 2


def test_mixed_edge_and_line_features_are_refused(tmp_path):
    feats = [
        *osmnx_edge_features(grid_segments(2), one_way=-1)[:2],
        line([(LON0, LAT0), (LON0, LAT0 + 0.01)]),
    ]
    with pytest.raises(InputError, match=r"2 of 3 line features have 'u'/'v' node ids"):
        read_roads(write(tmp_path / "mixed.geojson", feats))


def island_town(tmp_path) -> nx.MultiDiGraph:
    """A 3 x 3 grid of 100 m streets, a one-way spur out of it, and an island whose end stops 0.5 m short."""
    feats = []
    for i in range(3):
        feats.append(line([(0, 100 * i), (100, 100 * i), (200, 100 * i)], highway="residential"))
        feats.append(line([(100 * i, 0), (100 * i, 100), (100 * i, 200)], highway="residential"))
    feats.append(line([(200, 200), (300, 300)], highway="residential", oneway="yes"))  # the spur
    feats.append(line([(200.5, 50), (400, 50), (400, 150)], highway="residential"))  # the island
    return read_roads(write(tmp_path / "town.geojson", feats, "EPSG:32619"))


def test_connectivity_reports_island_centre_and_unreachable_pairs(tmp_path):
    G = island_town(tmp_path)
    centres = pd.DataFrame(
        {"x": [10.0, 395.0], "y": [0.0, 150.0]}, index=pd.Index(["C1", "C2"], name="id")
    )
    warehouses = pd.DataFrame({"x": [200.0], "y": [190.0]}, index=pd.Index(["W1"], name="id"))
    origins = pd.DataFrame({"x": [100.0, 299.0], "y": [100.0, 301.0], "persons": [40.0, 7.0]})
    r = connectivity_report(G, centres=centres, warehouses=warehouses, origins=origins)
    # nodes: 9 grid + 1 spur end + 2 island ends; the grid is the largest part
    assert (r.n_nodes, r.n_nodes_largest, r.n_components) == (12, 9, 3)
    assert r.share_nodes == pytest.approx(9 / 12)
    grid_m, spur_m, island_m = 1200.0, np.hypot(100, 100), 199.5 + 100.0
    assert r.length_m == pytest.approx(grid_m + spur_m + island_m, abs=1e-6)
    assert r.share_length == pytest.approx(grid_m / (grid_m + spur_m + island_m), rel=1e-9)
    assert r.centres_outside == ["C2"]
    assert r.unreachable.to_dict("records") == [{"warehouse": "W1", "centre": "C2"}]
    assert r.warehouses.loc["W1", "centres_reached"] == 1
    assert r.origins["reaches_centre"].tolist() == [True, False]  # the spur's end goes nowhere
    assert len(r.near_misses) == 1
    assert r.near_misses["distance_m"].iloc[0] == pytest.approx(0.5)
    problems = r.problems()
    assert len(problems) == 3
    assert (
        "75.0% of its nodes and 73.1% of its length (3 node(s) in 2 other part(s))" in problems[0]
    )
    assert "1 line end(s) stop within 1 m of another road without sharing a vertex" in problems[0]
    assert problems[1].startswith(
        "centre(s) C2 snap to road nodes outside the largest connected part"
    )
    assert problems[2].startswith("warehouse W1 has no drivable path to centre(s) C2")
    assert r.notes() == ["1 of 2 origins (7 persons) have no drivable path to any centre"]
    text = repr(r)
    assert "centres outside it: C2" in text
    assert "warehouse -> centre pairs without a path: 1" in text
    assert "<table>" in r._repr_html_()


def test_connectivity_of_a_whole_network_has_no_problems(tmp_path):
    G = island_town(tmp_path)
    G.remove_nodes_from([n for n, d in G.nodes(data=True) if d["x"] > 200.0])
    centres = pd.DataFrame({"x": [0.0], "y": [0.0]}, index=pd.Index(["C1"], name="id"))
    r = connectivity_report(G, centres=centres, warehouses=centres.rename(index={"C1": "W1"}))
    assert r.share_nodes == 1.0
    assert r.share_length == 1.0
    assert r.problems() == []
    assert r.notes() == []


def osm_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "osm").glob("*.osm*")) if (shared_data / "osm").is_dir() else []
    if not files:
        pytest.skip("no OSM extracts in the shared data")
    return files


def test_real_osm_extracts(tmp_path, shared_data):
    ox = pytest.importorskip("osmnx")
    for path in osm_files(shared_data):
        G = read_roads(path)
        assert G.graph["crs"].startswith("EPSG:326")
        total = sum(d["length"] for *_, d in G.edges(data=True))
        once = undirected_length_m(G)
        assert total / 2 - 1e-6 <= once <= total
        # the same roads as an OSMnx edge GeoJSON read to the same length, not doubled
        raw = ox.graph.graph_from_xml(path, simplify=True, retain_all=True)
        gdf = ox.graph_to_gdfs(raw, nodes=False)
        for col in gdf.columns:
            if col != "geometry" and gdf[col].map(lambda v: isinstance(v, list)).any():
                gdf[col] = gdf[col].astype(str)
        out = tmp_path / f"{path.name.split('.')[0]}_edges.geojson"
        gdf.to_file(out, driver="GeoJSON")
        E = read_roads(out, to_crs=G.graph["crs"])
        assert undirected_length_m(E) == pytest.approx(once, rel=1e-3)
        assert E.number_of_edges() == G.number_of_edges()
        r = connectivity_report(G)
        assert 0.0 < r.share_length <= 1.0
        assert r.n_nodes > 0


def test_graphml_keeps_its_crs_and_goes_to_to_crs(tmp_path):
    ox = pytest.importorskip("osmnx")
    G = read_roads(write(tmp_path / "roads.geojson", lonlat_doc()), to_crs="EPSG:32619")
    ox.save_graphml(G, tmp_path / "roads.graphml")
    H = read_roads(tmp_path / "roads.graphml", to_crs="EPSG:32618")
    t = Transformer.from_crs("EPSG:32619", "EPSG:32618", always_xy=True)
    for n, d in G.nodes(data=True):
        assert (H.nodes[n]["x"], H.nodes[n]["y"]) == pytest.approx(
            t.transform(d["x"], d["y"]), abs=0.01
        )
    assert undirected_length_m(H) == pytest.approx(undirected_length_m(G), rel=1e-12)
    with pytest.warns(
        DrmWarning, match="declares WGS 84 / UTM zone 19N; crs=WGS 84 / UTM zone 18N"
    ):
        read_roads(tmp_path / "roads.graphml", crs="EPSG:32618")
    del G.graph["crs"]
    ox.save_graphml(G, tmp_path / "nocrs.graphml")
    with pytest.raises(
        InputError, match=r"no 'crs' attribute; pass crs='EPSG:\.\.\.' \(scenario key evacuation"
    ):
        read_roads(tmp_path / "nocrs.graphml")
    assert read_roads(tmp_path / "nocrs.graphml", crs="EPSG:32619").graph["crs"] == "EPSG:32619"


def test_malformed_coordinates_are_refused(tmp_path):
    bad = {
        "type": "Feature",
        "id": "r1",
        "properties": {},
        "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, "a"]]},
    }
    path = write(tmp_path / "bad.geojson", [bad], "EPSG:32619")
    with pytest.raises(
        InputError, match=r"bad\.geojson: feature 'r1' has malformed LineString coordinates"
    ):
        read_roads(path)
