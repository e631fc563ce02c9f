"""Every spatial output of `drm run` opens in GIS libraries, in the DEM's CRS, at the right place."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

rasterio = pytest.importorskip("rasterio")
pyogrio = pytest.importorskip("pyogrio")

pytestmark = pytest.mark.slow

EPSG = 32616  # jacksboro: UTM zone 16N
COGS = ("max_depth_m", "max_velocity_ms", "hazard_class", "arrival_time_min")


@pytest.fixture(scope="module")
def out(jacksboro_run):
    return jacksboro_run.out_dir


@pytest.fixture(scope="module")
def centre(out):
    c = pd.read_csv(out / "centres.csv").set_index("id").loc["C01"]
    return float(c["x"]), float(c["y"])


def test_flood_netcdf_is_placed_by_gdal(out, jacksboro_run):
    dem = jacksboro_run.flood.ds["max_depth"]
    with rasterio.open(f'NETCDF:"{out / "flood.nc"}":max_depth') as src:
        assert src.crs.to_epsg() == EPSG
        dx = abs(float(dem["x"][1] - dem["x"][0]))
        assert src.res == pytest.approx((dx, dx), abs=1e-9)
        assert src.bounds.left == pytest.approx(float(dem["x"].min()) - dx / 2, abs=1e-6)
        assert src.bounds.top == pytest.approx(float(dem["y"].max()) + dx / 2, abs=1e-6)


@pytest.mark.parametrize("stem", COGS)
def test_geotiffs_are_placed_and_hold_the_flood(out, jacksboro_run, centre, stem):
    with rasterio.open(out / f"{stem}.tif") as src:
        assert src.crs.to_epsg() == EPSG
        assert src.overviews(1)
        row, col = src.index(*centre)
        assert 0 <= row < src.height
        assert 0 <= col < src.width
        if stem == "max_depth_m":  # the centre's own cell, as the run saw it
            md = jacksboro_run.flood.ds["max_depth"]
            want = float(md.sel(x=centre[0], y=centre[1], method="nearest"))
            assert float(src.read(1)[row, col]) == pytest.approx(want, abs=1e-4)


def test_geopackage_layers_are_in_the_dem_crs_with_the_centres_in_place(out, centre):
    layers = dict(pyogrio.list_layers(out / "drm.gpkg"))
    assert {"zones", "centres", "roads", "routes", "warehouses", "flood_extent"} <= set(layers)
    for name in layers:
        info = pyogrio.read_info(out / "drm.gpkg", layer=name)
        assert info["crs"].endswith(str(EPSG)), (name, info["crs"])
    c = pyogrio.read_dataframe(out / "drm.gpkg", layer="centres").set_index("centre").loc["C01"]
    assert c.geometry.x == pytest.approx(centre[0], abs=1.0)
    assert c.geometry.y == pytest.approx(centre[1], abs=1.0)
    lon, lat = Transformer.from_crs(EPSG, 4326, always_xy=True).transform(*centre)
    assert (c["lon"], c["lat"]) == pytest.approx((lon, lat), abs=1e-5)


def test_manifest_lists_every_spatial_output(out):
    manifest = json.loads((out / "drm-manifest.json").read_text(encoding="utf-8"))
    for name in ("flood.nc", "drm.gpkg", "map_layers.json", *(f"{s}.tif" for s in COGS)):
        assert name in manifest["files"], name
    assert not (out / "INCOMPLETE").exists()
    assert np.all([manifest["sizes_bytes"][n] > 0 for n in manifest["files"]])
