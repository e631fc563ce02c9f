"""GIS layers of a run: one GeoPackage (drm.gpkg) that pyogrio/QGIS open, or GeoJSON in lon/lat."""

from __future__ import annotations

import dataclasses
import json
import sys

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from drm.errors import DrmWarning, InputError
from drm.grids import check_grid, get_crs
from drm.io import read_zones
from drm.io.vectors import write_geojson, write_layers
from drm.scenario.gis import DEPTH_CLASSES_M, gis_layers

LAYERS = {"zones", "centres", "roads", "routes", "warehouses", "flood_extent"}
#: The tests that read the module's one scenario run (about 10 s).
slow = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory, jacksboro_run):
    """The session's Kettle Ford run (jacksboro), its layers, drm.gpkg and the GeoJSON fallback."""
    result = jacksboro_run
    layers = gis_layers(result)
    out = tmp_path_factory.mktemp("gis")
    gpkg = write_layers(layers, out / "gpkg")
    geojson = write_layers(layers, out / "geojson", gpkg=False)
    return result, layers, gpkg, geojson


def read(run, name):
    return pyogrio.read_dataframe(run[2][name], layer=name)


def features(run, name):
    return json.loads(run[3][name].read_text(encoding="utf-8"))


def to_lonlat(result):
    return Transformer.from_crs(get_crs(result.inputs.dem), "EPSG:4326", always_xy=True)


@slow
def test_one_geopackage_with_every_layer_in_the_dem_crs(run):
    result, layers, gpkg, _ = run
    assert set(layers) == LAYERS
    path = gpkg["zones"]
    assert path.name == "drm.gpkg"
    assert set(gpkg.values()) == {path}
    assert sorted(p.name for p in path.parent.iterdir()) == ["drm.gpkg"]  # no temporary file left
    assert {str(n) for n, _ in pyogrio.list_layers(path)} == LAYERS
    epsg = get_crs(result.inputs.dem).to_epsg()
    assert epsg == 32616
    for name in LAYERS:
        assert read(run, name).crs.to_epsg() == epsg, name


@slow
def test_feature_counts(run):
    result = run[0]
    assert len(read(run, "centres")) == len(result.centres) == 12
    assert len(read(run, "zones")) == len(result.zones_table()) == 13
    assert len(read(run, "roads")) == result.roads.number_of_edges()
    assert len(read(run, "warehouses")) == len(result.inputs.warehouses) == 3
    assert len(read(run, "flood_extent")) == 4  # the flood reaches over 2 m


@slow
def test_a_centre_lies_where_the_centres_table_says(run):
    result = run[0]
    layer = read(run, "centres").set_index("centre")
    table = result.centres
    for centre in ("C01", "C12"):
        point = layer.loc[centre, "geometry"]
        assert np.hypot(point.x - table.loc[centre, "x"], point.y - table.loc[centre, "y"]) < 1.0
        lon, lat = to_lonlat(result).transform(table.loc[centre, "x"], table.loc[centre, "y"])
        assert layer.loc[centre, "lon"] == pytest.approx(lon, abs=1e-7)
        assert layer.loc[centre, "lat"] == pytest.approx(lat, abs=1e-7)
    assert layer["used"].tolist() == table["used"].tolist()
    assert layer.loc["C02", "excluded_because"] == "site floods 1.09 m deep"
    assert layer.loc["C01", "stock_water_l"] == 3000.0  # L held at the centre (stock.csv)


@slow
def test_zones_carry_people_at_risk_by_group_and_clock_times(run):
    result = run[0]
    layer = read(run, "zones").set_index("zone")
    table = result.zones_table()
    np.testing.assert_allclose(layer["persons_at_risk"], table["persons_at_risk"], rtol=1e-12)
    np.testing.assert_allclose(layer.loc[2, "persons_at_risk"], 1008.41, rtol=1e-9)
    both = layer["at_risk_female"] + layer["at_risk_male"]
    np.testing.assert_allclose(both, table["persons_at_risk"], rtol=1e-9)
    clock = result.clock
    assert layer.loc[2, "first_at_risk_local"] == clock.label(table.loc[2, "first_at_risk_s"])
    assert layer.loc[2, "first_at_risk_local"] == "2026-05-09 12:15 -04"
    assert layer.loc[1, "latest_order_local"] == clock.label(table.loc[1, "latest_order_s"])
    assert layer["status"].tolist() == table["status"].tolist()


@slow
def test_zone_polygons_are_the_zone_cells(run):
    result = run[0]
    layer = read(run, "zones").set_index("zone")
    zid = result.exposure.zone_id
    cell = check_grid(zid, "zones").dx ** 2
    for zone, geom in layer["geometry"].items():
        assert geom.area == pytest.approx(int((zid.values == zone).sum()) * cell, rel=1e-9)
        assert geom.contains(shapely.Point(*_xy(layer.loc[zone], result)))


def _xy(row, result):
    back = Transformer.from_crs("EPSG:4326", get_crs(result.inputs.dem), always_xy=True)
    return back.transform(row["lon"], row["lat"])  # the label point lies inside the zone


@slow
def test_roads_closure_depth_and_flow(run):
    result = run[0]
    layer = read(run, "roads")
    closure = np.array([d["closure_time_s"] for _, _, d in result.roads.edges(data=True)])
    assert np.isnan(layer["closure_time_s"]).sum() == np.isinf(closure).sum() > 0  # open: empty
    shut = layer["closure_time_s"].notna()
    np.testing.assert_allclose(layer.loc[shut, "closure_time_s"], closure[np.isfinite(closure)])
    first = layer.loc[shut].iloc[0]
    assert first["closure_time_local"] == result.clock.label(first["closure_time_s"])
    flows = result.evacuation.roads
    assert layer["persons_or_vehicles"].sum() == pytest.approx(flows["persons_or_vehicles"].sum())
    assert (layer.loc[shut, "max_depth_m"] > 0.0).all()
    assert layer["max_depth_m"].max() <= float(result.flood.ds["max_depth"].max()) + 1e-12


@slow
def test_routes_run_from_the_zone_to_its_centre(run):
    result = run[0]
    layer = read(run, "routes")
    G, centres = result.roads, result.centres
    h = result.evacuation.households
    safe = h[(h["outcome"] == "safe") & h["centre"].isin(centres.index)]
    assert layer["persons"].sum() == pytest.approx(safe["persons"].sum(), rel=1e-9)
    for _, row in layer.iterrows():
        start, end = row["geometry"].coords[0], row["geometry"].coords[-1]
        origin, target = G.nodes[row["origin_node"]], G.nodes[centres.loc[row["centre"], "node"]]
        assert start == pytest.approx((origin["x"], origin["y"]))
        assert end == pytest.approx((target["x"], target["y"]))
        assert row["length_m"] >= row["geometry"].length - 1e-6
    assert layer["departure_local"].str.startswith("2026-05-09").all()


@slow
def test_flood_extent_areas_per_depth_class(run):
    result = run[0]
    layer = read(run, "flood_extent")
    md = result.flood.ds["max_depth"]
    depth, cell = md.values, check_grid(md, "max depth").dx ** 2
    bounds = [*DEPTH_CLASSES_M, np.inf]
    for k, row in layer.iterrows():
        n = int(((depth >= bounds[k]) & (depth < bounds[k + 1])).sum())
        assert row["area_m2"] == pytest.approx(n * cell)
        assert row["geometry"].area == pytest.approx(n * cell)
    assert layer["depth_class"].tolist() == ["0.15-0.5 m", "0.5-1 m", "1-2 m", "over 2 m"]


@slow
def test_geojson_fallback_is_lonlat_with_the_same_features(run):
    result, _, _, geojson = run
    assert set(geojson) == LAYERS
    for name, path in geojson.items():
        assert path.name == f"{name}.geojson"
        doc = features(run, name)
        assert "crs" not in doc  # RFC 7946: WGS 84 lon/lat
        assert len(doc["features"]) == len(read(run, name)), name
        xy = shapely.get_coordinates(
            [shapely.geometry.shape(f["geometry"]) for f in doc["features"]]
        )
        assert ((xy[:, 0] > -85) & (xy[:, 0] < -84)).all(), name  # Kettle Ford, lon/lat
        assert ((xy[:, 1] > 36) & (xy[:, 1] < 37)).all(), name
    centres = {f["properties"]["centre"]: f for f in features(run, "centres")["features"]}
    assert [f["properties"]["name"] for f in centres.values()] == result.centres["name"].tolist()
    lon, lat = to_lonlat(result).transform(
        result.centres.loc["C01", "x"], result.centres.loc["C01", "y"]
    )
    assert centres["C01"]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-7)
    roads = features(run, "roads")["features"]
    assert any(f["properties"]["closure_time_s"] is None for f in roads)  # inf -> null, valid JSON


@pytest.mark.parametrize("gpkg", [True, False])
def test_non_ascii_names_survive(tmp_path, gpkg):
    geopandas = pytest.importorskip("geopandas")
    names = ["Peñón de Ávila", "Escuela Año Nuevo — Ñaña"]
    layer = geopandas.GeoDataFrame(
        {"name": names, "capacity_persons": [120.0, np.nan]},
        geometry=[shapely.Point(259306.1, 948420.8), shapely.Point(259500.0, 948600.0)],
        crs="EPSG:32619",
    )
    files = write_layers({"centres": layer}, tmp_path / "out.gpkg", gpkg=gpkg)
    if gpkg:
        back = pyogrio.read_dataframe(files["centres"], layer="centres")
        assert back["name"].tolist() == names
        assert back.crs.to_epsg() == 32619
    else:
        assert files["centres"] == tmp_path / "centres.geojson"
        doc = json.loads(files["centres"].read_text(encoding="utf-8"))
        assert [f["properties"]["name"] for f in doc["features"]] == names
        assert doc["features"][1]["properties"]["capacity_persons"] is None
        assert "Peñón" in files["centres"].read_text(encoding="utf-8")  # UTF-8, not \\u escapes


@slow
def test_polygon_zones_keep_their_polygons(run, tmp_path):
    result = run[0]
    dem = result.inputs.dem
    x0, y0, x1, y1 = 744000.0, 4046000.0, 756000.0, 4058000.0
    width = (x1 - x0) / 13
    strips = [shapely.box(x0 + k * width, y0, x0 + (k + 1) * width, y1) for k in range(13)]
    feats = [
        {"type": "Feature", "properties": {"id": k + 1, "nombre": f"Barrio Ñ{k + 1}"},
         "geometry": shapely.geometry.mapping(g)}
        for k, g in enumerate(strips)
    ]  # fmt: skip
    path = write_geojson(feats, tmp_path / "barrios.geojson", crs="EPSG:32616")
    with pytest.warns(DrmWarning):  # the strips reach past the DEM
        zone_layer = read_zones(path, dem)
    inputs = dataclasses.replace(result.inputs, zone_layer=zone_layer)
    layers = gis_layers(dataclasses.replace(result, inputs=inputs))
    zones = layers["zones"].set_index("zone")
    for k, strip in enumerate(strips):
        assert zones.loc[k + 1, "geometry"].symmetric_difference(strip).area < 1e-6


@slow
def test_without_pyogrio_it_warns_and_writes_geojson(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyogrio", None)
    with pytest.warns(DrmWarning, match="drm.gpkg not written.*pip install 'drm\\[geo\\]'"):
        files = write_layers(run[1], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.geojson" for n in LAYERS)
    assert files["zones"] == tmp_path / "zones.geojson"


def test_bad_layers_are_refused(tmp_path):
    with pytest.raises(InputError, match="no layers"):
        write_layers({}, tmp_path)
    with pytest.raises(InputError, match=r"layer names \['flood extent'\] are not plain words"):
        write_layers({"flood extent": []}, tmp_path, gpkg=False)
    geopandas = pytest.importorskip("geopandas")
    layer = geopandas.GeoDataFrame(pd.DataFrame({"a": [1]}), geometry=[shapely.Point(0, 0)])
    with pytest.raises(InputError, match="layer 'zones' has no CRS"):
        write_layers({"zones": layer}, tmp_path)


@slow
def test_without_geopandas_the_layers_are_lonlat_features(run, tmp_path, monkeypatch):
    result = run[0]
    monkeypatch.setitem(sys.modules, "geopandas", None)
    layers = gis_layers(result)
    assert set(layers) == LAYERS
    centres = {f["properties"]["centre"]: f for f in layers["centres"]}
    lon, lat = centres["C01"]["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx(
        (centres["C01"]["properties"]["lon"], centres["C01"]["properties"]["lat"]), abs=1e-7
    )
    assert len(layers["zones"]) == 13
    with pytest.warns(DrmWarning, match="drm.gpkg not written"):
        files = write_layers(layers, tmp_path)
    doc = json.loads(files["centres"].read_text(encoding="utf-8"))
    assert doc["features"] == json.loads(json.dumps(layers["centres"]))
