import json
import sys

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from drm import io
from drm.errors import DataNotFoundError, GridError, InputError, MissingDependencyError, UnitError
from drm.grids import check_grid, get_crs, set_crs


def dem_grid(ny=6, nx=7, dx=10.0, x0=258000.0, y0=946000.0, crs="EPSG:32619", seed=1):
    r = np.random.default_rng(seed)
    xs = x0 + dx * (np.arange(nx) + 0.5)
    ys = y0 + dx * (np.arange(ny)[::-1] + 0.5)
    z = 1500.0 + np.round(r.random((ny, nx)) * 100, 2)
    da = xr.DataArray(
        z, dims=("y", "x"), coords={"y": ys, "x": xs}, name="elevation", attrs={"units": "m"}
    )
    return set_crs(da, crs) if crs else da


def rain_file(
    tmp_path,
    values,
    *,
    units="mm/h",
    times=None,
    x0=257900.0,
    y0=945900.0,
    dx=50.0,
    crs="EPSG:32619",
    name="rain.nc",
):
    nt, ny, nx_ = values.shape
    times = np.arange(nt) * 600.0 if times is None else np.asarray(times)
    da = xr.DataArray(
        values,
        dims=("time", "y", "x"),
        coords={
            "time": times,
            "y": y0 + dx * (np.arange(ny)[::-1] + 0.5),
            "x": x0 + dx * (np.arange(nx_) + 0.5),
        },
        name="rainfall",
        attrs={"units": units} if units else {},
    )
    if crs:
        da = set_crs(da, crs)
    return io.write_grid(da, tmp_path / name)


# --- rasters -----------------------------------------------------------------------------------


def test_dem_netcdf_round_trip(tmp_path):
    dem = dem_grid()
    io.write_grid(dem, tmp_path / "dem.nc")
    back = io.read_dem(tmp_path / "dem.nc")
    np.testing.assert_array_equal(back.values, dem.values)
    assert back.attrs["units"] == "m"
    assert get_crs(back).to_epsg() == 32619
    assert back.dims == ("y", "x")


def test_dem_south_up_file_is_returned_north_up(tmp_path):
    dem = dem_grid()
    io.write_grid(dem.isel(y=slice(None, None, -1)), tmp_path / "dem.nc")
    back = io.read_dem(tmp_path / "dem.nc")
    np.testing.assert_array_equal(back.values, dem.values)
    assert back["y"].values[0] > back["y"].values[-1]


def test_dem_in_feet_is_converted(tmp_path):
    dem = dem_grid()
    io.write_grid(dem.assign_attrs(units="ft"), tmp_path / "dem.nc")
    back = io.read_dem(tmp_path / "dem.nc")
    np.testing.assert_allclose(back.values, dem.values * 0.3048)


def test_asc_parser_with_nodata_and_prj(tmp_path):
    text = (
        "ncols 3\nnrows 2\nxllcorner 1000\nyllcorner 2000\ncellsize 5\nNODATA_value -9999\n"
        "1 2 3\n4 -9999 6\n"
    )
    (tmp_path / "dem.asc").write_text(text)
    from pyproj import CRS

    (tmp_path / "dem.prj").write_text(CRS.from_epsg(32619).to_wkt())
    dem = io.read_dem(tmp_path / "dem.asc")
    assert dem.shape == (2, 3)
    np.testing.assert_array_equal(dem["x"].values, [1002.5, 1007.5, 1012.5])
    np.testing.assert_array_equal(dem["y"].values, [2007.5, 2002.5])  # first row is the north row
    assert dem.values[0].tolist() == [1.0, 2.0, 3.0]
    assert np.isnan(dem.values[1, 1])
    assert get_crs(dem).to_epsg() == 32619


def test_asc_round_trip(tmp_path):
    dem = dem_grid()
    dem.values[2, 3] = np.nan
    io.write_asc(dem, tmp_path / "d.asc")
    back = io.read_dem(tmp_path / "d.asc")
    np.testing.assert_array_equal(back.values, dem.values)
    np.testing.assert_array_equal(back["x"].values, dem["x"].values)
    assert get_crs(back) == get_crs(dem)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n", "body has 3"),
        ("ncols 2\nnrows 2\nxllcorner 0\ncellsize 1\n1 2 3 4\n", "lacks 'yllcorner'"),
        ("ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ndx 1\ndy 2\n1 2 3 4\n", "not square"),
        ("ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 x 4\n", "non-numeric"),
        (
            "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 10\nNODATA_value -1\n-1 -1\n-1 -1\n",
            "every cell is nodata",
        ),
    ],
)
def test_bad_asc_files(tmp_path, text, message):
    (tmp_path / "bad.asc").write_text(text)
    with pytest.raises(InputError, match=message):
        io.read_dem(tmp_path / "bad.asc", crs="EPSG:32619")


def test_one_cell_dem_is_rejected(tmp_path):
    (tmp_path / "one.asc").write_text(
        "ncols 1\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 10\n5\n"
    )
    with pytest.raises(GridError, match="at least 2"):
        io.read_dem(tmp_path / "one.asc", crs="EPSG:32619")


def test_irregular_dem_is_rejected(tmp_path):
    dem = dem_grid()
    x = dem["x"].values.copy()
    x[-1] += 3.0
    io.write_grid(dem.assign_coords(x=x), tmp_path / "irr.nc")
    with pytest.raises(GridError, match="irregular"):
        io.read_dem(tmp_path / "irr.nc")


def test_non_square_dem_is_rejected(tmp_path):
    dem = dem_grid()
    io.write_grid(dem.assign_coords(y=946000.0 + 20.0 * np.arange(6)[::-1]), tmp_path / "ns.nc")
    with pytest.raises(GridError, match="not square"):
        io.read_dem(tmp_path / "ns.nc")


def test_all_nodata_dem_is_rejected(tmp_path):
    io.write_grid(dem_grid() * np.nan, tmp_path / "nan.nc")
    with pytest.raises(GridError, match="every cell is nodata"):
        io.read_dem(tmp_path / "nan.nc")


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(DataNotFoundError, match="DEM file not found"):
        io.read_dem(tmp_path / "nope.nc")
    with pytest.raises(FileNotFoundError):  # the builtin works too
        io.read_dem(tmp_path / "nope.nc")
    (tmp_path / "dem.xyz").write_text("1 2 3")
    with pytest.raises(InputError, match=r"unknown DEM format '\.xyz'"):
        io.read_dem(tmp_path / "dem.xyz")
    (tmp_path / "garbage.nc").write_text("not netcdf")
    with pytest.raises(InputError, match="not a readable NetCDF"):
        io.read_dem(tmp_path / "garbage.nc")


def test_degree_dem_is_reprojected_with_a_log_line(tmp_path, caplog):
    lon = -71.2 + 0.0005 * (np.arange(40) + 0.5)
    lat = 8.62 - 0.0005 * (np.arange(30) + 0.5)
    da = xr.DataArray(
        np.full((30, 40), 1600.0),
        dims=("lat", "lon"),
        coords={"lat": lat, "lon": lon},
        name="elevation",
    )
    io.write_grid(da, tmp_path / "geo.nc")
    with caplog.at_level("INFO", logger="drm"):
        dem = io.read_dem(tmp_path / "geo.nc")
    assert get_crs(dem).to_epsg() == 32619
    assert any("reprojected" in r.message for r in caplog.records)
    spec = check_grid(dem)
    assert 50 < spec.dx < 60
    assert np.nanmax(dem.values) == pytest.approx(1600.0)


def test_geotiff_round_trip_and_missing_extra(tmp_path, monkeypatch):
    rioxarray = pytest.importorskip("rioxarray")
    dem = dem_grid()
    dem.rio.write_crs("EPSG:32619", inplace=True)
    dem.rio.to_raster(tmp_path / "dem.tif")
    back = io.read_dem(tmp_path / "dem.tif")
    np.testing.assert_allclose(back.values, dem.values)
    assert get_crs(back).to_epsg() == 32619
    monkeypatch.setitem(sys.modules, "rioxarray", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'drm\[geo\]'"):
        io.read_dem(tmp_path / "dem.tif")
    assert rioxarray is not None


def test_population_reader(tmp_path):
    pop = dem_grid().rename("population") * 0 + 12.0
    io.write_grid(pop, tmp_path / "pop.nc")
    back = io.read_population(tmp_path / "pop.nc")
    assert back.attrs["units"] == "persons"
    assert float(back.sum()) == 12.0 * 42
    io.write_grid(pop * -1, tmp_path / "neg.nc")
    with pytest.raises(InputError, match="negative"):
        io.read_population(tmp_path / "neg.nc")


# --- rainfall ----------------------------------------------------------------------------------


def test_rainfall_units_are_converted(tmp_path):
    v = np.full((3, 4, 4), 36.0)
    for units, scale in (("mm/h", 1.0), ("mm h-1", 1.0), ("mm", 36.0 / 6.0 / 36.0)):
        path = rain_file(
            tmp_path, v * (6.0 / 36.0 if units == "mm" else 1.0), units=units, name=f"r{scale}.nc"
        )
        r = io.read_rainfall(path)
        np.testing.assert_allclose(r.values, 1e-5, rtol=1e-12)
        assert r.attrs["units"] == "m s-1"
        assert r.attrs["interval_end_s"] == 1800.0
    path = rain_file(tmp_path, v / 3.6e6 * 1000.0, units="kg m-2 s-1", name="flux.nc")
    np.testing.assert_allclose(io.read_rainfall(path).values, 1e-5, rtol=1e-12)


def test_rainfall_datetime_axis(tmp_path):
    times = np.array(
        ["2025-06-01T00:00", "2025-06-01T00:15", "2025-06-01T00:30"], dtype="datetime64[ns]"
    )
    path = rain_file(tmp_path, np.ones((3, 4, 4)), units="mm", times=times)
    r = io.read_rainfall(path)
    np.testing.assert_array_equal(r["time"].values, [0.0, 900.0, 1800.0])
    assert r.attrs["start_time"] == "2025-06-01T00:00:00"
    np.testing.assert_allclose(r.values, 1e-3 / 900.0)


def test_rainfall_regridded_onto_dem_keeps_volume(tmp_path, rng):
    dem = dem_grid(ny=20, nx=20, dx=10.0)
    vals = rng.random((2, 6, 6)) * 50
    path = rain_file(tmp_path, vals)  # 50 m cells from 257900: 300 m square covering the DEM
    r = io.read_rainfall(path, like=dem)
    assert r.shape == (2, 20, 20)
    assert "conservative" in r.attrs["regridded"]
    # volume over the DEM (258000..258200 in x and 946000..946200 in y) from the source
    # cells' overlaps, computed independently of the regridder
    src = io.read_rainfall(path)
    xs, ys = src["x"].values, src["y"].values
    wx = np.clip(np.minimum(xs + 25, 258200) - np.maximum(xs - 25, 258000), 0, None)
    wy = np.clip(np.minimum(ys + 25, 946200) - np.maximum(ys - 25, 946000), 0, None)
    expect = np.einsum("tij,i,j->t", src.values, wy, wx)
    np.testing.assert_allclose(r.values.sum(axis=(1, 2)) * 100.0, expect, rtol=1e-12)
    bil = io.read_rainfall(path, like=dem, method="bilinear")
    assert bil.shape == (2, 20, 20)


@pytest.mark.parametrize(
    ("mutate", "error", "message"),
    [
        (lambda v: np.where(np.arange(v.size).reshape(v.shape) == 5, np.nan, v), InputError, "NaN"),
        (lambda v: v - 10.0, InputError, "negative"),
    ],
)
def test_bad_rain_values(tmp_path, mutate, error, message):
    path = rain_file(tmp_path, mutate(np.full((3, 4, 4), 5.0)))
    with pytest.raises(error, match=message):
        io.read_rainfall(path)


def test_rain_time_not_increasing(tmp_path):
    path = rain_file(tmp_path, np.ones((3, 4, 4)), times=[0.0, 1200.0, 600.0])
    with pytest.raises(InputError, match="not strictly increasing"):
        io.read_rainfall(path)


def test_rain_without_units(tmp_path):
    path = rain_file(tmp_path, np.ones((3, 4, 4)), units=None)
    with pytest.raises(UnitError, match="no 'units'"):
        io.read_rainfall(path)


def test_rain_not_covering_the_dem(tmp_path):
    dem = dem_grid(ny=20, nx=20)
    path = rain_file(tmp_path, np.ones((2, 4, 4)), x0=258100.0)
    with pytest.raises(GridError, match=r"covers \d+\.\d% of the DEM"):
        io.read_rainfall(path, like=dem)
    far = rain_file(tmp_path, np.ones((2, 4, 4)), x0=100.0, name="far.nc")
    with pytest.raises(GridError, match=r"covers 0\.0%"):
        io.read_rainfall(far, like=dem)
    # another UTM zone is reprojected into the DEM's: these coordinates are far away there
    other = rain_file(tmp_path, np.ones((2, 8, 8)), crs="EPSG:32618", name="other.nc")
    with pytest.raises(GridError, match=r"covers 0\.0% of the DEM"):
        io.read_rainfall(other, like=dem)


# --- tables ------------------------------------------------------------------------------------


CENTRES = """id,name,type,x,y,floor_area_m2,toilets,taps,water_storage_l,accessible
c1,Escuela A,school,258100,946100,1200,12,6,20000,yes
c2,Iglesia B,church,258300,946400,350,2,1,2000,no
"""


def test_read_centres_with_defaults(tmp_path):
    (tmp_path / "c.csv").write_text(CENTRES)
    c = io.read_centres(tmp_path / "c.csv")
    assert list(c.index) == ["c1", "c2"]
    assert c.loc["c1", "floor_area_m2"] == 1200.0
    assert "showers" not in c.columns  # not surveyed: absent, so it limits nothing downstream
    assert c.loc["c2", "type"] == "church"
    assert bool(c.loc["c1", "accessible"])
    assert not bool(c.loc["c2", "accessible"])
    assert c["toilets"].dtype == np.int64


def test_read_centres_lon_lat(tmp_path):
    (tmp_path / "c.csv").write_text("id,name,lon,lat,floor_area_m2\nc1,A,-71.15,8.6,500\n")
    with pytest.raises(InputError, match="pass the project CRS"):
        io.read_centres(tmp_path / "c.csv")
    c = io.read_centres(tmp_path / "c.csv", crs="EPSG:32619")
    # spherical transverse Mercator (zone 19 central meridian -69) as an independent estimate
    lam, phi = np.radians(-71.15 + 69.0), np.radians(8.6)
    x = 500000.0 + 0.9996 * 6371000.0 * np.arctanh(np.cos(phi) * np.sin(lam))
    y = 0.9996 * 6371000.0 * np.arctan2(np.tan(phi), np.cos(lam))
    assert c.loc["c1", "x"] == pytest.approx(x, abs=1000)
    assert c.loc["c1", "y"] == pytest.approx(y, abs=6000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "id,name,x,y,floor_area\nc1,A,1,2,300\n",
            r"missing column 'floor_area_m2' \(did you mean 'floor_area'\?\)",
        ),
        ("id,name,x,y,floor_area_m2\nc1,A,1,2,0\n", "must be > 0"),
        ("id,name,x,y,floor_area_m2\nc1,A,1,2,lots\n", "needs numbers"),
        ("id,name,x,y,floor_area_m2,toilets\nc1,A,1,2,30,2.5\n", "whole numbers"),
        ("id,name,x,y,floor_area_m2\nc1,A,1,2,30\nc1,B,1,2,30\n", "more than once"),
        ("id,name,floor_area_m2\nc1,A,30\n", "coordinate columns"),
        ("id,name,x,y,floor_area_m2\n", "no rows"),
        ("id,name,x,y,floor_area_m2,accessible\nc1,A,1,2,30,maybe\n", "true/false"),
    ],
)
def test_bad_centre_tables(tmp_path, text, message):
    (tmp_path / "c.csv").write_text(text)
    with pytest.raises(InputError, match=message):
        io.read_centres(tmp_path / "c.csv")


def test_stock_warehouses_hydrograph(tmp_path):
    (tmp_path / "s.csv").write_text(
        "site_id,item,quantity,unit\nw1,water_l,5000,L\nw1,blanket,300,pieces\n"
    )
    s = io.read_stock(tmp_path / "s.csv")
    assert s["quantity"].sum() == 5300
    (tmp_path / "neg.csv").write_text("site_id,item,quantity\nw1,water_l,-5\n")
    with pytest.raises(InputError, match="must be >= 0"):
        io.read_stock(tmp_path / "neg.csv")
    (tmp_path / "dup.csv").write_text("site_id,item,quantity\nw1,water_l,5\nw1,water_l,6\n")
    with pytest.raises(InputError, match="listed twice"):
        io.read_stock(tmp_path / "dup.csv")
    (tmp_path / "w.csv").write_text("id,name,x,y\nw1,Depot,1,2\n")
    w = io.read_warehouses(tmp_path / "w.csv")
    assert w.loc["w1", "trucks"] == 1
    assert w.loc["w1", "truck_capacity_kg"] == 5000.0
    (tmp_path / "h.csv").write_text("time,discharge_m3s\n0,10\n1h,250\n2h30m,40\n")
    h = io.read_hydrograph(tmp_path / "h.csv")
    assert h["time_s"].tolist() == [0.0, 3600.0, 9000.0]
    (tmp_path / "h2.csv").write_text("time,discharge_m3s\n0,10\n0,250\n")
    with pytest.raises(InputError, match="strictly increase"):
        io.read_hydrograph(tmp_path / "h2.csv")


def test_landcover_classes(tmp_path):
    (tmp_path / "lc.csv").write_text(
        "code,name,manning_n,curve_number\n1,forest,0.1,70\n2,urban,0.05,92\n"
    )
    t = io.read_landcover_classes(tmp_path / "lc.csv")
    assert t.loc[2, "curve_number"] == 92
    (tmp_path / "bad.csv").write_text("code,name,manning_n,curve_number\n1,forest,0.1,170\n")
    with pytest.raises(InputError, match="above 100"):
        io.read_landcover_classes(tmp_path / "bad.csv")


# --- roads -------------------------------------------------------------------------------------


def _roads_doc(crs=True):
    feats = [
        {
            "type": "Feature",
            "id": "main",
            "properties": {"name": "Av. Principal", "highway": "primary", "lanes": "2"},
            "geometry": {"type": "LineString", "coordinates": [[0, 0], [100, 0], [200, 0]]},
        },
        {
            "type": "Feature",
            "id": "side",
            "properties": {"highway": "residential", "oneway": "yes"},
            "geometry": {"type": "LineString", "coordinates": [[100, 0], [100, 100]]},
        },
        {
            "type": "Feature",
            "properties": {
                "id": "bridge-1",
                "highway": "secondary",
                "bridge": "yes",
                "oneway": "-1",
            },
            "geometry": {"type": "LineString", "coordinates": [[200, 0], [200, 50], [260, 80]]},
        },
    ]
    doc = {"type": "FeatureCollection", "features": feats}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32619"}}
    return doc


def test_geojson_roads_graph(tmp_path):
    (tmp_path / "roads.geojson").write_text(json.dumps(_roads_doc()))
    G = io.read_roads(tmp_path / "roads.geojson")
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:32619"
    # nodes: 3 on the main road (split at the shared vertex (100, 0)), side end, bridge end
    assert G.number_of_nodes() == 5
    # main: 2 segments x 2 directions; side: one way; bridge: one way against drawing
    assert G.number_of_edges() == 6
    lengths = sorted(round(d["length"], 6) for _, _, d in G.edges(data=True))
    assert lengths == [100.0, 100.0, 100.0, 100.0, 100.0, round(50 + np.hypot(60, 30), 6)]
    n100 = next(n for n, d in G.nodes(data=True) if (d["x"], d["y"]) == (100.0, 0.0))
    assert G.nodes[n100]["street_count"] == 3
    bridge = [d for _, _, d in G.edges(data=True) if d.get("road_id") == "bridge-1"]
    assert len(bridge) == 1
    assert bridge[0]["oneway"]
    assert not bridge[0]["reversed"]
    assert tuple(bridge[0]["geometry"].coords[0]) == (
        260.0,
        80.0,
    )  # drawn backwards: starts at the end
    main = [d for _, _, d in G.edges(data=True) if d.get("road_id") == "main"]
    assert {d["lanes"] for d in main} == {2}
    assert sorted(d["reversed"] for d in main) == [False, False, True, True]


def canonical_edges(G):
    """Edges by coordinates, so graphs with different node numbering compare equal."""
    out = []
    for u, v, d in G.edges(data=True):
        a, b = G.nodes[u], G.nodes[v]
        out.append(
            (
                a["x"],
                a["y"],
                b["x"],
                b["y"],
                round(d["length"], 6),
                d["highway"],
                d["oneway"],
                d["reversed"],
                d.get("road_id"),
                tuple(map(tuple, d["geometry"].coords)),
            )
        )
    return sorted(out)


def test_roads_round_trip_geojson_and_graphml(tmp_path):
    (tmp_path / "roads.geojson").write_text(json.dumps(_roads_doc()))
    G = io.read_roads(tmp_path / "roads.geojson")
    io.write_roads(G, tmp_path / "again.geojson")
    H = io.read_roads(tmp_path / "again.geojson")
    assert H.number_of_nodes() == G.number_of_nodes()
    assert canonical_edges(H) == canonical_edges(G)
    ox = pytest.importorskip("osmnx")
    ox.save_graphml(G, tmp_path / "roads.graphml")
    K = io.read_roads(tmp_path / "roads.graphml")
    assert K.number_of_edges() == G.number_of_edges()
    for u, v, k, d in G.edges(keys=True, data=True):
        e = K.edges[u, v, k]
        assert e["length"] == pytest.approx(d["length"])
        assert e["oneway"] == d["oneway"]
        assert e["geometry"].equals(d["geometry"])
    assert K.nodes[0]["x"] == G.nodes[0]["x"]


def test_geojson_roads_in_degrees_are_projected(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"highway": "primary"},
                "geometry": {"type": "LineString", "coordinates": [[-71.15, 8.60], [-71.14, 8.60]]},
            }
        ],
    }
    (tmp_path / "r.geojson").write_text(json.dumps(doc))
    G = io.read_roads(tmp_path / "r.geojson")
    assert G.graph["crs"] == "EPSG:32619"
    (d,) = [d for *_, d in G.edges(data=True) if not d["reversed"]]
    assert d["length"] == pytest.approx(1100.8, rel=2e-3)  # 0.01 deg of longitude at 8.6 N


def test_bad_road_files(tmp_path):
    (tmp_path / "empty.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [0, 0]},
                    }
                ],
            }
        )
    )
    with pytest.raises(InputError, match="no road lines"):
        io.read_roads(tmp_path / "empty.geojson")
    (tmp_path / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError, match="not valid JSON"):
        io.read_roads(tmp_path / "broken.geojson")
    (tmp_path / "nocrs.geojson").write_text(
        json.dumps(_roads_doc(crs=False)).replace("[260, 80]", "[260000, 80]")
    )
    with pytest.raises(InputError, match="declares no 'crs'"):
        io.read_roads(tmp_path / "nocrs.geojson")
    (tmp_path / "r.shp").write_text("")
    with pytest.raises(InputError, match="unknown roads format"):
        io.read_roads(tmp_path / "r.shp")


def test_osm_xml_needs_osmnx(tmp_path, monkeypatch, shared_data):
    osm = shared_data / "osm" / "planet_10.068_48.135_10.071_48.137.osm"
    if not osm.exists():
        pytest.skip("OSM extract absent")
    pytest.importorskip("osmnx")
    G = io.read_roads(osm)
    assert G.number_of_edges() > 0
    assert G.graph["crs"].startswith("EPSG:326")  # UTM zone, metres
    assert all(d["length"] > 0 for *_, d in G.edges(data=True))
    monkeypatch.setitem(sys.modules, "osmnx", None)
    with pytest.raises(MissingDependencyError, match="geo"):
        io.read_roads(osm)


def test_write_outputs_atomically(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    def crash_while_writing():
        with io.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash while writing")

    with pytest.raises(RuntimeError):
        crash_while_writing()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "x.csv")
