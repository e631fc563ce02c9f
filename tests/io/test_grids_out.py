"""Grids a GIS places: CF-1.8 NetCDF with a grid mapping GDAL reads, and Cloud-Optimised GeoTIFFs.

One small flood (a 40 x 50 valley of 20 m cells in UTM 19N with a nodata corner, one hour of
rain) feeds every test; files are opened with rasterio (GDAL) and xarray, and the NetCDF is
run through the IOOS compliance checker's CF-1.8 suite (offline: it ships the standard-name
table).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
import xarray as xr

from drm.errors import GridError, MissingDependencyError
from drm.grids import get_crs, grid_bounds, set_crs
from drm.hazard import hazard_rating, hazard_rating_class, simulate_flood
from drm.hazard.store import load_flood, save_flood
from drm.io import write_grid

rasterio = pytest.importorskip("rasterio")
geotiff = pytest.importorskip("drm.io.geotiff")

START = "2026-10-03T00:00-04:00"
EPSG = 32619
DX = 20.0
#: Cell corners from the DEM's coordinates to GDAL's (m).
CORNER_TOL_M = 1e-6


@pytest.fixture(scope="module")
def dem() -> xr.DataArray:
    ny, nx = 40, 50
    yy, xx = np.mgrid[0:ny, 0:nx]
    z = 100.0 + 0.5 * np.abs(yy - 20) + 0.05 * xx
    z[0:3, 0:3] = np.nan  # outside the DEM
    da = xr.DataArray(
        z, dims=("y", "x"), name="elevation", attrs={"units": "m"},
        coords={"y": 900_000.0 + DX * (np.arange(ny)[::-1] + 0.5), "x": 500_000.0 + DX * (np.arange(nx) + 0.5)},
    )  # fmt: skip
    return set_crs(da, f"EPSG:{EPSG}")


@pytest.fixture(scope="module")
def flood(dem):
    return simulate_flood(dem, 40 / 1000 / 3600, duration="1h", output_interval="15min")


@pytest.fixture(scope="module")
def flood_nc(flood, tmp_path_factory):
    return save_flood(flood, tmp_path_factory.mktemp("nc") / "flood.nc", start=START)


@pytest.fixture(scope="module")
def cogs(flood, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cog")
    return folder, geotiff.flood_cogs(flood, folder, start=START)


def _placed(src, dem) -> None:
    """CRS, cell size and corners of a GDAL raster equal the DEM's."""
    assert src.crs.to_epsg() == get_crs(dem).to_epsg() == EPSG
    assert src.res == pytest.approx((DX, DX), abs=CORNER_TOL_M)
    left, bottom, right, top = grid_bounds(dem)
    b = src.bounds
    for got, want in ((b.left, left), (b.bottom, bottom), (b.right, right), (b.top, top)):
        assert got == pytest.approx(want, abs=CORNER_TOL_M)


def _cf_errors(path) -> list[str]:
    """Messages of the failed high-priority (error) checks of the CF-1.8 suite."""
    runner = pytest.importorskip("compliance_checker.runner")
    from compliance_checker.base import BaseCheck

    suite = runner.CheckSuite()
    with warnings.catch_warnings():  # its deprecated SOS checkers load too
        warnings.simplefilter("ignore", DeprecationWarning)
        suite.load_all_available_checkers()
    results, errors = suite.run_all(suite.load_dataset(str(path)), ["cf:1.8"], skip_checks=[])[
        "cf:1.8"
    ]
    assert not errors, errors

    def failed(r) -> bool:
        return r.value[0] < r.value[1] if isinstance(r.value, tuple) else not r.value

    return [
        f"{r.name}: {m}"
        for r in results
        if r.weight == BaseCheck.HIGH and failed(r)
        for m in r.msgs
    ]


# --- NetCDF ---------------------------------------------------------------------------------


def test_gdal_places_every_flood_grid(flood_nc, flood, dem):
    for var in ("max_depth", "arrival_time", "elevation", "depth"):
        with rasterio.open(f'NETCDF:"{flood_nc}":{var}') as src:
            _placed(src, dem)
            band = src.read(src.count if var == "depth" else 1)
    want = flood.ds["depth"].values[-1]
    np.testing.assert_allclose(band, want, atol=1e-6, equal_nan=True)  # last frame, north-up


def test_grid_mapping_attributes(flood_nc, dem):
    with xr.open_dataset(flood_nc, decode_times=False) as ds:
        gm = ds["spatial_ref"].attrs
        assert gm["grid_mapping_name"] == "transverse_mercator"
        assert gm["crs_wkt"] == gm["spatial_ref"]
        numbers = [float(v) for v in gm["GeoTransform"].split()]
        left, _, _, top = grid_bounds(dem)
        assert numbers == pytest.approx([left, DX, 0.0, top, 0.0, -DX], abs=CORNER_TOL_M)
        for name, v in ds.data_vars.items():
            assert v.attrs["grid_mapping"] == "spatial_ref", name
            assert v.attrs["units"], name
            assert v.attrs["long_name"], name
        assert ds["x"].attrs["standard_name"] == "projection_x_coordinate"
        assert (ds["y"].attrs["units"], ds["y"].attrs["axis"]) == ("m", "Y")
        assert ds["elevation"].attrs["standard_name"] == "surface_altitude"
        assert "standard_name" not in ds["max_depth"].attrs  # CF has no name for a flood depth
        assert ds["time"].attrs["units"] == "seconds since 2026-10-03T00:00:00-04:00"
        assert ds.attrs["Conventions"] == "CF-1.8"


def test_time_axis_decodes_as_dates(flood_nc):
    with xr.open_dataset(flood_nc) as ds:
        times = ds["time"].values
    # 00:00 at -04:00 is 04:00 UTC; frames every 15 min
    assert times[0] == np.datetime64("2026-10-03T04:00")
    assert times[-1] == np.datetime64("2026-10-03T05:00")


def test_cf_checker_finds_no_error(flood_nc):
    assert _cf_errors(flood_nc) == []


def test_without_a_start_time_stays_plain_seconds(flood, tmp_path):
    path = save_flood(flood, tmp_path / "flood.nc")
    with xr.open_dataset(path) as ds:
        t = ds["time"]
        assert t.values.tolist() == [0.0, 900.0, 1800.0, 2700.0, 3600.0]
        assert t.attrs["units"] == "s"
        assert "start" in t.attrs["long_name"]
    # CF itself asks nothing more of an elapsed-time axis; the checker only guesses from the
    # name "time" that it should be a date axis
    assert all("'time' should have standard_name='time'" in m for m in _cf_errors(path))


def test_old_and_new_files_load_the_same(flood, flood_nc, tmp_path):
    old = tmp_path / "old.nc"
    flood.to_dataset().to_netcdf(old)  # what drm wrote before the CF grid mapping
    for path in (old, flood_nc):
        back = load_flood(path)
        assert back.volume_balance == flood.volume_balance
        assert back.steps == flood.steps
        assert get_crs(back.ds).to_epsg() == EPSG
        assert back.ds["time"].attrs == {"units": "s", "long_name": "time since start of event"}
        for name, v in flood.ds.drop_vars("spatial_ref").variables.items():
            np.testing.assert_array_equal(back.ds[name].values, v.values, err_msg=str(name))
            assert back.ds[name].dtype == v.dtype, name


def test_write_grid_of_a_dataset_with_points(dem, tmp_path):
    ds = xr.Dataset(
        {
            "elevation": dem,
            "point_depth": (
                ("time", "site"),
                np.zeros((2, 1)),
                {"units": "m", "long_name": "depth"},
            ),
        },
        coords={"time": ("time", [0.0, 60.0], {"units": "s"}), "site": ["a"]},
    )
    path = write_grid(ds, tmp_path / "g.nc", start=START)
    with xr.open_dataset(path, decode_times=False) as back:
        assert "grid_mapping" not in back["point_depth"].attrs
        assert back["time"].attrs["units"].startswith("seconds since 2026-10-03T00:00:00-04:00")
    with rasterio.open(f'NETCDF:"{path}":elevation') as src:
        _placed(src, dem)


# --- Cloud-Optimised GeoTIFFs -----------------------------------------------------------------


def _cog_layout(src) -> None:
    assert src.driver == "GTiff"
    assert src.profile["tiled"]
    assert src.block_shapes[0] == (256, 256)
    assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"  # GDAL recognises the COG layout
    assert src.compression.value == "DEFLATE"
    assert src.overviews(1) == [2, 4, 8]


def test_flood_cogs_are_placed_and_cloud_optimised(cogs, dem):
    folder, files = cogs
    assert {k: p.name for k, p in files.items()} == {
        "max_depth_m": "max_depth_m.tif",
        "max_velocity_ms": "max_velocity_ms.tif",
        "hazard_class": "hazard_class.tif",
        "arrival_time_min": "arrival_time_min.tif",
    }
    for path in files.values():
        with rasterio.open(path) as src:
            _placed(src, dem)
            _cog_layout(src)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in files.values())


def test_max_depth_and_speed_values(cogs, flood):
    _, files = cogs
    md = flood.ds["max_depth"].values
    row, col = np.unravel_index(np.nanargmax(md), md.shape)
    with rasterio.open(files["max_depth_m"]) as src:
        depth = src.read(1)
        assert np.isnan(src.nodata)
        assert src.tags()["units"] == "m"
    assert depth[row, col] == pytest.approx(md[row, col], abs=1e-6)
    assert np.isnan(depth[0, 0])
    assert np.isnan(md[0, 0])
    with rasterio.open(files["max_velocity_ms"]) as src:
        np.testing.assert_allclose(
            src.read(1), flood.ds["max_velocity"].values, atol=1e-6, equal_nan=True
        )
        assert src.tags()["units"] == "m s-1"


def test_hazard_class_map_is_the_reports(cogs, flood):
    _, files = cogs
    ds = flood.ds
    # what drm.report.figures.hazard_map draws
    hr = hazard_rating(
        ds["max_depth"].fillna(0.0), ds["max_velocity"].fillna(0.0), land_use="urban"
    )
    report = np.asarray(hazard_rating_class(hr), dtype=int)
    report[ds["max_depth"].values < ds.attrs["arrival_depth_m"]] = 0
    with rasterio.open(files["hazard_class"]) as src:
        codes = src.read(1)
        assert src.dtypes[0] == "uint8"
        assert src.nodata == 255
        assert src.tags()["classes"] == "0 dry, 1 low, 2 moderate, 3 significant, 4 extreme"
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    inside = np.isfinite(ds["elevation"].values)
    np.testing.assert_array_equal(codes[inside], report[inside])
    assert (codes[~inside] == 255).all()
    assert (~inside).sum() == 9
    assert set(np.unique(codes[inside]).tolist()) >= {0, 1}


def test_arrival_minutes_nodata_where_never_wet(cogs, flood):
    _, files = cogs
    at = flood.ds["arrival_time"].values
    with rasterio.open(files["arrival_time_min"]) as src:
        minutes = src.read(1)
        assert src.tags()["units"] == "min"
        assert src.tags()["time_origin"] == "2026-10-03T00:00:00-04:00"
    np.testing.assert_array_equal(np.isnan(minutes), np.isnan(at))
    wet = np.isfinite(at)
    assert 0 < wet.sum() < at.size
    np.testing.assert_allclose(minutes[wet], at[wet] / 60.0, rtol=1e-6)


def test_ensemble_probability_cogs(flood, dem, tmp_path):
    from drm.ensemble.aggregate import depth_probability

    folders = []
    for k, scale in enumerate((1.0, 0.5)):
        ds = flood.ds[["elevation", "max_depth"]].copy()
        ds["max_depth"] = ds["max_depth"] * scale
        folders.append(tmp_path / f"m{k}")
        write_grid(ds, folders[-1] / "flood.nc")
    prob = depth_probability(folders, [0.05, 0.2])
    files = geotiff.probability_cogs(xr.Dataset({"depth_probability": prob}), tmp_path / "out")
    assert sorted(p.name for p in files.values()) == [
        "flood_probability_0.05m.tif", "flood_probability_0.2m.tif",
    ]  # fmt: skip
    md = flood.ds["max_depth"].values
    want = ((md >= 0.2).astype(float) + (0.5 * md >= 0.2)) / 2
    with rasterio.open(files["flood_probability_0.2m"]) as src:
        _placed(src, dem)
        _cog_layout(src)
        got = src.read(1)
        assert src.tags()["units"] == "1"
        assert src.tags()["members"] == "2"
    inside = np.isfinite(md)
    np.testing.assert_allclose(got[inside], want[inside], atol=1e-6)
    assert 0.5 in got
    assert 1.0 in got
    assert geotiff.probability_cogs(xr.Dataset(), tmp_path / "none") == {}


def test_cog_without_overviews_and_without_crs(dem, tmp_path):
    path = geotiff.write_cog(dem, tmp_path / "dem.tif", overviews=False)
    with rasterio.open(path) as src:
        assert src.overviews(1) == []
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    bare = dem.drop_vars("spatial_ref")
    with pytest.raises(GridError, match="records no CRS; pass crs="):
        geotiff.write_cog(bare, tmp_path / "bare.tif")
    path = geotiff.write_cog(bare, tmp_path / "bare.tif", crs=f"EPSG:{EPSG}")
    with rasterio.open(path) as src:
        _placed(src, dem)


def test_cog_needs_the_geo_extra(dem, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rioxarray", None)
    with pytest.raises(MissingDependencyError, match=r"drm\[geo\]"):
        geotiff.write_cog(dem, tmp_path / "dem.tif")
    assert not list(tmp_path.iterdir())


def test_rio_cogeo_validates_when_installed(cogs):
    validate = pytest.importorskip("rio_cogeo.cogeo").cog_validate
    _, files = cogs
    for path in files.values():
        valid, errors, _ = validate(path)
        assert valid, errors
