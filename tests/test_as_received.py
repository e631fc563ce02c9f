"""Tests of Kettle Ford as a planner receives it: ``hazard_data/kettle_ford_raw/``.

Each file is opened with a plain reader (rasterio, xarray, pandas, json), never with drm's
own readers, and must hold what ``truth.json`` says; the shipped folder must be what the
writer writes.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from pyproj import Transformer

from drm.datasets import real_terrain_town, write_as_received
from drm.datasets._as_received import START
from drm.errors import InputError

rasterio = pytest.importorskip("rasterio")
from rasterio.features import rasterize  # noqa: E402
from rasterio.transform import from_origin  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "hazard_data" / "kettle_ford_raw"
SCENARIO = ROOT / "scenarios" / "kettle_ford_raw.toml"
FILES = (
    "dem_srtm.tif",
    "rain_imerg.nc",
    "rain_chirps.nc",
    "rain_ecmwf.nc",
    "population_worldpop.tif",
    "barrios.geojson",
    "censo.csv",
    "escuelas_ministerio.csv",
    "vias_osmnx.geojson",
    "almacenes.csv",
    "inventario.csv",
    "truth.json",
)
HINT = "run python -m drm.datasets (or drm.datasets.write_as_received())"
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True)
CSV = {"sep": ";", "decimal": ","}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    return write_as_received(tmp_path_factory.mktemp("raw"))


@pytest.fixture(scope="module")
def truth(written) -> dict:
    return json.loads(written["truth"].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def town():
    return real_terrain_town(0)


@pytest.fixture(scope="module")
def dem_points(written) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat (deg) of 2 x 2 points in each valid pixel of dem_srtm.tif.

    Product cell edges run through pixel centres (whole multiples of 0.05 deg are of 3"),
    so a quarter of each pixel is what ``truth.json`` gives each cell it overlaps.
    """
    with rasterio.open(written["dem_srtm"]) as src:
        z = src.read(1)
        rows, cols = np.nonzero(z != src.nodata)
        lon, lat = [], []
        for dr in (0.25, 0.75):
            for dc in (0.25, 0.75):
                x, y = src.transform * (cols + dc, rows + dr)
                lon.append(x)
                lat.append(y)
    return np.concatenate(lon), np.concatenate(lat)


def _cell_mean(field: np.ndarray, lon: np.ndarray, lat: np.ndarray, points: tuple) -> np.ndarray:
    """Mean of ``field[..., lat, lon]`` over points, each at the cell (regular centres) holding it."""
    plon, plat = points

    def index(p: np.ndarray, c: np.ndarray) -> np.ndarray:
        step = c[1] - c[0]
        i = np.floor((p - (c[0] - step / 2)) / step).astype(int)
        assert i.min() >= 0, "a DEM pixel lies outside the rain cells"
        assert i.max() < c.size, "a DEM pixel lies outside the rain cells"
        return i

    return field[..., index(plat, lat), index(plon, lon)].mean(axis=-1)


# ----------------------------------------------------------------------------- the folder
def test_two_writes_are_identical(written, tmp_path):
    again = write_as_received(tmp_path)
    assert sorted(p.name for p in again.values()) == sorted(FILES)
    for key, path in written.items():
        assert path.read_bytes() == again[key].read_bytes(), path.name


def test_folder_is_small(written):
    assert sorted(p.name for p in written.values()) == sorted(FILES)
    assert 0.3e6 < sum(p.stat().st_size for p in written.values()) < 3e6
    assert not list(written["truth"].parent.glob(".*.tmp"))


def test_shipped_folder_is_what_the_writer_writes(written):
    for name in FILES:
        fresh, shipped = written[name.split(".")[0]], SHIPPED / name
        assert shipped.is_file(), f"{shipped} is missing: {HINT}"
        if name.endswith(".nc"):
            with xr.open_dataset(shipped) as a, xr.open_dataset(fresh) as b:
                xr.testing.assert_identical(a.load(), b.load())
        elif name.endswith(".tif"):
            with rasterio.open(shipped) as a, rasterio.open(fresh) as b:
                assert a.profile == b.profile, f"{name} differs: {HINT}"
                np.testing.assert_array_equal(a.read(1), b.read(1), err_msg=f"{name}: {HINT}")
        else:
            assert shipped.read_bytes() == fresh.read_bytes(), f"{name} differs: {HINT}"


def test_bad_seed_is_refused(tmp_path):
    with pytest.raises(InputError, match="seed"):
        write_as_received(tmp_path, seed=-1)


# ----------------------------------------------------------------------------- terrain and rain
def test_dem_is_the_real_srtm_like_grid(written, truth, town):
    from matplotlib import cbook

    with rasterio.open(written["dem_srtm"]) as src:
        z, nodata, crs, t = src.read(1), src.nodata, src.crs, src.transform
        assert (src.dtypes[0], src.compression.value) == ("int16", "DEFLATE")
    assert crs.to_epsg() == 4326
    assert nodata == -32768
    assert t.a == pytest.approx(1 / 1200, rel=1e-9)
    assert t.e == pytest.approx(-1 / 1200, rel=1e-9)
    assert int((z == nodata).sum()) == truth["dem"]["void_pixels"] == 6
    with cbook.get_sample_data("jacksboro_fault_dem.npz") as npz:
        source, west = npz["elevation"], float(npz["xmin"])
        north = max(float(npz["ymin"]), float(npz["ymax"]))
    r0, c0 = round((north - t.f) * 1200), round((t.c - west) * 1200)
    crop = source[r0 : r0 + z.shape[0], c0 : c0 + z.shape[1]]
    np.testing.assert_array_equal(z[z != nodata], crop[z != nodata])  # the real elevations
    # the town's DEM lies inside, with a margin
    x, y = np.meshgrid(town.dem["x"].values, town.dem["y"].values)
    lon, lat = Transformer.from_crs("EPSG:32616", "EPSG:4326", always_xy=True).transform(x, y)
    assert t.c + 5 / 1200 < lon.min()
    assert lon.max() < t.c + z.shape[1] / 1200 - 5 / 1200
    assert t.f - z.shape[0] / 1200 + 5 / 1200 < lat.min()
    assert lat.max() < t.f - 5 / 1200


def _plain_lon_lat(ds: xr.Dataset, lon: str, lat: str) -> None:
    assert ds[lon].attrs["units"] == "degrees_east"
    assert ds[lat].attrs["units"] == "degrees_north"
    assert not {"crs", "spatial_ref"} & set(ds.variables)
    assert all("grid_mapping" not in v.attrs for v in ds.data_vars.values())


def test_imerg_is_half_hourly_mm_per_hour(written, truth, dem_points):
    with xr.open_dataset(written["rain_imerg"]) as ds:
        p = ds["precipitation"].load()
        assert ds["time"].encoding["units"].startswith("minutes since")
        _plain_lon_lat(ds, "lon", "lat")
        bounds = ds["time_bnds"].values
    assert p.dims == ("time", "lon", "lat")
    assert p.attrs["units"] == "mm/hr"
    np.testing.assert_allclose(np.diff(p["lon"]), 0.1)
    np.testing.assert_allclose(np.diff(p["lat"]), 0.1)
    assert p["time"].values[0] == START
    assert (np.diff(p["time"].values) == np.timedelta64(30, "m")).all()
    assert (bounds[:, 1] - bounds[:, 0] == np.timedelta64(30, "m")).all()
    rate = p.transpose("time", "lat", "lon").values.astype(float)
    want = truth["rain"]["rain_imerg.nc"]
    total = _cell_mean(rate.sum(axis=0) * 0.5, p["lon"].values, p["lat"].values, dem_points)
    peak = _cell_mean(rate, p["lon"].values, p["lat"].values, dem_points).max()
    assert total == pytest.approx(want["dem_mean_total_mm"], abs=0.01)
    assert peak == pytest.approx(want["peak_dem_mean_mm_h"], abs=0.01)
    # the town's own storm, averaged: same depth, a lower peak at the longer step
    assert total == pytest.approx(truth["rain"]["source"]["dem_mean_total_mm"], rel=0.01)
    assert 100 < peak < truth["rain"]["source"]["peak_dem_mean_mm_h"]


def test_chirps_is_daily_mm_per_day(written, truth, dem_points):
    with xr.open_dataset(written["rain_chirps"]) as ds:
        p = ds["precip"].load()
        _plain_lon_lat(ds, "longitude", "latitude")
    assert p.dims == ("time", "latitude", "longitude")
    assert p.attrs["units"] == "mm/day"
    np.testing.assert_allclose(np.diff(p["latitude"]), 0.05)
    np.testing.assert_allclose(np.diff(p["longitude"]), 0.05)
    assert list(p["time"].values) == [START, START + np.timedelta64(1, "D")]
    daily = p.values.astype(float)
    assert (daily[1] == 0).all()  # the storm starts at midnight: one wet day
    total = _cell_mean(daily.sum(axis=0), p["longitude"].values, p["latitude"].values, dem_points)
    assert total == pytest.approx(truth["rain"]["rain_chirps.nc"]["dem_mean_total_mm"], abs=0.01)
    assert total / 24 == pytest.approx(
        truth["rain"]["rain_chirps.nc"]["peak_dem_mean_mm_h"], abs=0.01
    )


def test_ecmwf_is_accumulated_metres_with_packing_noise(written, truth, dem_points):
    with xr.open_dataset(written["rain_ecmwf"]) as ds:
        tp = ds["tp"].load()
        assert ds["tp"].encoding["dtype"] == np.int16
        assert "scale_factor" in ds["tp"].encoding
        _plain_lon_lat(ds, "longitude", "latitude")
    assert tp.attrs["units"] == "m"
    assert tp.attrs["long_name"] == "Total precipitation"
    assert tp.dims == ("valid_time", "latitude", "longitude")
    valid = tp["valid_time"].values
    assert valid[0] == START == tp["time"].values
    assert (np.diff(valid) == np.timedelta64(1, "h")).all()
    assert float(np.abs(tp.values[0]).max()) < 1e-5  # step 0: nothing accumulated yet
    assert (np.diff(tp["latitude"]) < 0).all()
    assert (tp["longitude"] > 180).all()
    step = np.diff(tp.values, axis=0)
    assert -1e-5 < step.min() < 0  # tiny negatives from packing, no more
    want = truth["rain"]["rain_ecmwf.nc"]
    assert int((step < 0).sum()) == want["negative_steps"]
    lon, lat = tp["longitude"].values - 360.0, tp["latitude"].values[::-1]
    south_first = tp.values[:, ::-1] * 1000.0
    total = _cell_mean(south_first[-1], lon, lat, dem_points)
    peak = _cell_mean(np.diff(south_first, axis=0), lon, lat, dem_points).max()
    assert total == pytest.approx(want["dem_mean_total_mm"], abs=0.01)
    assert peak == pytest.approx(want["peak_dem_mean_mm_h"], abs=0.01)
    assert total == pytest.approx(truth["rain"]["source"]["dem_mean_total_mm"], rel=0.01)


# ----------------------------------------------------------------------------- people and zones
def test_population_conserves_the_town(written, truth, town):
    with rasterio.open(written["population_worldpop"]) as src:
        pop, nodata, t = src.read(1), src.nodata, src.transform
        assert src.dtypes[0] == "float32"
        assert src.crs.to_epsg() == 4326
    assert nodata == -99999
    assert (pop == nodata).sum() == truth["population"]["raster_nodata_pixels"] > 0
    valid = pop[pop != nodata].astype(np.float64)
    total = float(town.population.values.sum())
    assert valid.sum() == pytest.approx(total, rel=1e-3)
    assert valid.sum() == pytest.approx(truth["population"]["raster_total_persons"], abs=0.01)
    # people only where the town has them: every populated pixel touches a populated cell
    rows, cols = np.nonzero(pop > 0)
    lon, lat = rasterio.transform.xy(t, rows, cols)
    x, y = TO_UTM.transform(np.asarray(lon), np.asarray(lat))
    grid = np.pad(town.population.values, 2)
    cell = 83.0
    r = np.floor((town.dem["y"].values[0] + cell / 2 - y) / cell).astype(int) + 2
    c = np.floor((x - (town.dem["x"].values[0] - cell / 2)) / cell).astype(int) + 2
    near = np.max([grid[r + dr, c + dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1)], axis=0)
    assert (near > 0).all()


def test_barrios_rasterise_back_to_the_neighbourhoods(written, town):
    doc = json.loads(written["barrios"].read_text(encoding="utf-8"))
    assert "crs" not in doc
    assert len(doc["features"]) == 13
    codes = [f["properties"]["codigo"] for f in doc["features"]]
    assert codes == [f"KF-{i:02d}" for i in range(1, 14)]
    assert [f["properties"]["nombre"] for f in doc["features"]] == list(town.neighbourhoods["name"])
    shapes = []
    for k, f in enumerate(doc["features"], start=1):
        geom = shapely.geometry.shape(f["geometry"])
        lon, lat = shapely.get_coordinates(geom).T
        assert (np.abs(lon + 84.2) < 0.1).all()
        assert (np.abs(lat - 36.58) < 0.1).all()
        utm = shapely.transform(geom, lambda xy: np.column_stack(TO_UTM.transform(*xy.T)))
        shapes.append((utm, k))
    x0, y0 = town.dem["x"].values[0] - 41.5, town.dem["y"].values[0] + 41.5
    ids = rasterize(shapes, out_shape=town.dem.shape, transform=from_origin(x0, y0, 83.0, 83.0))
    np.testing.assert_array_equal(ids, town.neighbourhood_id.values)


def test_census_counts_match_the_town(written, truth, town):
    censo = pd.read_csv(written["censo"], **CSV, encoding="utf-8")
    assert list(censo.columns[:10]) == [
        "codigo",
        "nombre",
        "poblacion",
        "mujeres",
        "hombres",
        "0-4",
        "5-14",
        "mujeres_15_49",
        "60_y_mas",
        "discapacidad",
    ]
    assert (censo["mujeres"] + censo["hombres"] == censo["poblacion"]).all()
    assert (censo["mujeres_15_49"] < censo["mujeres"]).all()
    assert (censo["0-4"] + censo["5-14"] + censo["60_y_mas"] < censo["poblacion"]).all()
    assert list(censo["poblacion"]) == list(town.neighbourhoods["population"])
    assert (
        dict(zip(censo["codigo"], censo["poblacion"], strict=True))
        == truth["population"]["persons_per_neighbourhood"]
    )
    assert censo["personas_por_hogar"].dtype == float  # decimal commas
    np.testing.assert_allclose(
        censo["personas_por_hogar"], censo["poblacion"] / censo["hogares"], atol=0.005
    )


# ----------------------------------------------------------------------------- centres, roads, logistics
def test_ministry_school_list(written, truth, town):
    raw = written["escuelas_ministerio"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # Latin-1 / cp1252, as sent
    df = pd.read_csv(written["escuelas_ministerio"], **CSV, encoding="cp1252")
    assert list(df.columns) == [
        "codigo",
        "nombre",
        "tipo",
        "latitud",
        "longitud",
        "capacidad",
        "superficie_m2",
    ]
    assert len(df) == truth["centres"]["count"] == 12
    assert any("ñ" in n for n in df["nombre"])
    assert any("á" in n for n in df["nombre"])
    caps = dict(zip(df["codigo"], df["capacidad"], strict=True))
    assert caps["C07"] == 0
    assert np.isnan(caps["C03"])
    assert df.set_index("codigo").loc["C03", "superficie_m2"] == 1200
    written_caps = {k: (None if np.isnan(v) else int(v)) for k, v in caps.items()}
    assert written_caps == truth["centres"]["capacity_persons_as_written"]
    x, y = TO_UTM.transform(df["longitud"].to_numpy(), df["latitud"].to_numpy())
    np.testing.assert_allclose(x, town.centres["x"], atol=0.2)
    np.testing.assert_allclose(y, town.centres["y"], atol=0.2)


def test_osmnx_edges_come_in_both_directions(written, truth):
    doc = json.loads(written["vias_osmnx"].read_text(encoding="utf-8"))
    assert "crs" not in doc
    props = pd.DataFrame([f["properties"] for f in doc["features"]])
    assert len(props) == truth["roads"]["directed_features"] == 2 * truth["roads"]["two_way_edges"]
    assert not props.duplicated(["u", "v", "key"]).any()
    assert set(props.columns) >= {
        "u",
        "v",
        "key",
        "osmid",
        "highway",
        "oneway",
        "lanes",
        "maxspeed",
        "length",
        "name",
        "reversed",
    }
    forward, back = props[~props["reversed"]], props[props["reversed"]]
    assert len(forward) == len(back)
    pairs = set(zip(forward["u"], forward["v"], forward["length"], strict=True))
    assert pairs == set(zip(back["v"], back["u"], back["length"], strict=True))
    assert forward["length"].sum() / 1000 == pytest.approx(
        truth["roads"]["length_km_undirected"], abs=0.01
    )
    bridge = props[props["ref"] == "bridge-2"]
    assert len(bridge) > 0
    assert (bridge["bridge"] == "yes").all()
    assert (bridge["name"] == truth["roads"]["bridges"]["bridge-2"]).all()
    first = doc["features"][0]["geometry"]["coordinates"]
    assert -85 < first[0][0] < -84
    assert 36 < first[0][1] < 37


def test_warehouses_and_stock(written, truth):
    assert written["almacenes"].read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    w = pd.read_csv(written["almacenes"], **CSV, encoding="utf-8-sig")
    assert (
        list(w["codigo"])
        == ["W1", "W2", "W3"]
        == [f"W{i}" for i in range(1, truth["warehouses"] + 1)]
    )
    assert w["latitud"].between(36.5, 36.7).all()
    assert w["longitud"].between(-84.3, -84.1).all()
    stock = pd.read_csv(written["inventario"])
    assert (stock["unit"] == "gal").sum() == 1
    litres = np.where(stock["unit"] == "gal", stock["quantity"] * 3.785411784, stock["quantity"])
    water = litres[stock["item"] == "water_l"].sum()
    assert water == pytest.approx(truth["stock_totals_catalogue_units"]["water_l (L)"], abs=0.05)


# ----------------------------------------------------------------------------- scenario and README
def test_scenario_uses_the_raw_files(truth, town):
    s = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))
    paths = [
        s["hazard"]["dem"],
        s["hazard"]["rainfall"],
        s["population"]["grid"],
        s["population"]["zones"],
        s["population"]["census"],
        s["evacuation"]["roads"],
        s["evacuation"]["centres"],
        s["shelter"]["stock"],
        s["shelter"]["warehouses"],
        s["hazard"]["inflows"][0]["hydrograph"],
    ]
    for p in paths:
        assert (SCENARIO.parent / p).is_file(), p
    assert s["hazard"]["rainfall"].endswith("rain_imerg.nc")
    assert "rainfall_accumulated" not in s["hazard"]
    assert (s["population"]["zone_id_field"], s["population"]["zone_name_field"]) == (
        "codigo",
        "nombre",
    )
    inflow = s["hazard"]["inflows"][0]
    x, y = TO_UTM.transform(inflow["lon"], inflow["lat"])
    assert np.hypot(x - town.inflow_xy[0], y - town.inflow_xy[1]) < 1.0
    assert s["injects"][0]["close_road"] in truth["roads"]["bridges"]


def test_readme_describes_every_file_and_the_truth(truth):
    text = (ROOT / "hazard_data" / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## `kettle_ford_raw/`") :]
    for name in FILES:
        assert f"`{name}`" in section, name
    for key in ("rain_imerg.nc", "rain_chirps.nc", "rain_ecmwf.nc", "source"):
        for field in ("dem_mean_total_mm", "town_mean_total_mm", "peak_dem_mean_mm_h"):
            assert f"{truth['rain'][key][field]:.2f}" in section, (key, field)
