"""Rain files shaped as real products deliver them: read right, or refused with the fix (issue 16)."""

import numpy as np
import pytest
import xarray as xr

from drm import io
from drm.errors import DrmWarning, GridError, InputError, UnitError
from drm.grids import get_crs, set_crs
from drm.hazard.design_storms import SCS_FRACTIONS, SCS_HOURS, disaggregate, scs_mass_curve

# A storm of 141 mm whose wettest hour holds 32.4 mm (hourly depths, mm).
STORM_MM = np.array([2, 5, 10, 20, 32.4, 25, 15, 10, 8, 5, 3, 2.6, 1.5, 1.0, 0.5])


def utm_dem(epsg, lon=-71.15, lat=8.6, n=20, dx=100.0):
    """A small DEM (elevation m) centred on (lon, lat) in the given UTM zone."""
    from pyproj import Transformer

    cx, cy = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    x0, y0 = round(cx / dx) * dx - n * dx / 2, round(cy / dx) * dx - n * dx / 2
    xs = x0 + dx * (np.arange(n) + 0.5)
    ys = y0 + dx * (np.arange(n)[::-1] + 0.5)
    dem = xr.DataArray(
        np.full((n, n), 1500.0), dims=("y", "x"), coords={"y": ys, "x": xs}, attrs={"units": "m"}
    )
    return set_crs(dem, f"EPSG:{epsg}")


def hours(start, n, step_h=1.0):
    base = np.datetime64(start, "ns")
    return base + (np.arange(n) * step_h * 3600e9).astype("timedelta64[ns]")


def lonlat_coords(lon0, lat0, nlon, nlat, step, *, lat_names=("lat", "lon"), north_up=True):
    lat = lat0 + step * np.arange(nlat)
    lat = lat[::-1] if north_up else lat
    lon = lon0 + step * np.arange(nlon)
    ylab, xlab = lat_names
    return {
        ylab: (ylab, lat, {"units": "degrees_north"}),
        xlab: (xlab, lon, {"units": "degrees_east"}),
    }


def write(tmp_path, name, var, values, dims, coords, attrs, *, time_attrs=None):
    ds = xr.Dataset({var: (dims, values, attrs)}, coords=coords)
    if time_attrs:
        ds[dims[0]].attrs.update(time_attrs)
    path = tmp_path / name
    ds.to_netcdf(path)
    return path


def ecmwf_tp(tmp_path, hourly_mm, name="tp.nc", dims=("time", "latitude", "longitude")):
    """ECMWF-like tp: m, accumulated since the start, valid times 01:00.. (ends), 0.1 deg."""
    n = hourly_mm.shape[0]
    weight = np.full((7, 7), 0.5)
    weight[1:6, 1:6] = 1.0  # the DEM sits in the uniform middle block
    depth_m = hourly_mm.reshape(n, 1, 1) * weight / 1000.0
    coords = lonlat_coords(-71.45, 8.3, 7, 7, 0.1, lat_names=dims[1:])
    coords[dims[0]] = (dims[0], hours("2026-10-03T01:00", n))
    attrs = {"units": "m", "long_name": "Total precipitation"}
    return write(tmp_path, name, "tp", np.cumsum(depth_m, axis=0), dims, coords, attrs)


def totals_mm(rain):
    steps = np.diff(np.append(rain["time"].values, rain.attrs["interval_end_s"]))
    return (rain.values * steps[:, None, None]).sum(axis=0) * 1000.0


# --- ECMWF / ERA5 ------------------------------------------------------------------------------


@pytest.mark.parametrize("epsg", [32619, 32618])
def test_ecmwf_accumulated_tp_is_deaccumulated(tmp_path, epsg):
    path = ecmwf_tp(tmp_path, STORM_MM)
    dem = utm_dem(epsg)
    r = io.read_rainfall(path, like=dem)
    assert get_crs(r).to_epsg() == epsg
    assert r.shape[1:] == dem.shape
    np.testing.assert_allclose(totals_mm(r), 141.0, rtol=1e-3)
    assert r.values.max() * 3.6e6 == pytest.approx(32.4, rel=1e-9)
    # value at valid time 05:00 is the hour 04:00-05:00: the peak interval starts at 4 h
    assert r["time"].values[int(r.values[:, 0, 0].argmax())] == 4 * 3600.0
    assert r.attrs["start_time"] == "2026-10-03T00:00:00"
    assert r.attrs["accumulated"] == 1
    assert r.attrs["units_in_file"] == "m"
    assert r.attrs["time_labels"] == "interval ends"


def test_forecast_step_zero_starts_the_event(tmp_path):
    path = ecmwf_tp(tmp_path, np.concatenate([[0.0], STORM_MM]))  # 01:00 holds 0: the start
    r = io.read_rainfall(path, like=utm_dem(32619))
    assert r.sizes["time"] == STORM_MM.size
    assert r.attrs["start_time"] == "2026-10-03T01:00:00"
    np.testing.assert_allclose(totals_mm(r), 141.0, rtol=1e-3)


def test_era5_hourly_tp_with_cell_methods_is_per_interval(tmp_path):
    dims = ("valid_time", "latitude", "longitude")
    coords = lonlat_coords(-71.45, 8.3, 7, 7, 0.1, lat_names=dims[1:])
    coords["valid_time"] = ("valid_time", hours("2026-10-03T01:00", STORM_MM.size))
    depth = np.broadcast_to(STORM_MM.reshape(-1, 1, 1) / 1000.0, (STORM_MM.size, 7, 7))
    attrs = {"units": "m", "long_name": "Total precipitation", "cell_methods": "time: sum"}
    path = write(tmp_path, "era5.nc", "tp", depth.copy(), dims, coords, attrs)
    r = io.read_rainfall(path, like=utm_dem(32619))
    assert r.attrs["accumulated"] == 0
    np.testing.assert_allclose(r.values[:, 0, 0] * 3.6e6, STORM_MM, rtol=1e-9)
    assert r.attrs["start_time"] == "2026-10-03T00:00:00"  # labels are interval ends


def test_per_interval_label_on_an_accumulated_looking_series_warns(tmp_path):
    rising = np.cumsum(np.full(8, 2.0))  # 2, 4, ... 16 mm: grows at every step
    path = ecmwf_tp(tmp_path, np.diff(rising, prepend=0.0))
    ds = xr.open_dataset(path).load()
    ds["tp"].attrs["cell_methods"] = "time: sum"
    ds.to_netcdf(tmp_path / "sum.nc")
    with pytest.warns(DrmWarning, match=r"labelled per interval \(cell_methods 'time: sum'\)"):
        r = io.read_rainfall(tmp_path / "sum.nc", like=utm_dem(32619))
    assert r.attrs["accumulated"] == 0


def test_negative_deaccumulated_step_beyond_noise_is_refused(tmp_path):
    path = ecmwf_tp(tmp_path, STORM_MM)
    ds = xr.open_dataset(path).load()
    ds["tp"][3, 2, 4] = ds["tp"][2, 2, 4] - 0.002  # falls by 2 mm at step 3
    ds.to_netcdf(tmp_path / "dip.nc")
    lat, lon = float(ds["latitude"][2]), float(ds["longitude"][4])
    with pytest.raises(
        InputError,
        match=rf"falls by 2 mm at step 3 .* cell \(y={lat:g}, x={lon:g}\).*accumulated=False",
    ):
        io.read_rainfall(tmp_path / "dip.nc")


@pytest.mark.parametrize("dip_m", [5e-7, 5e-5])  # under 1e-6 m; under 0.1 % of a 141 mm total
def test_packing_noise_is_clipped(tmp_path, dip_m):
    path = ecmwf_tp(tmp_path, STORM_MM)
    ds = xr.open_dataset(path).load()
    ds["tp"][10, 3, 3] = ds["tp"][9, 3, 3] - dip_m
    ds.to_netcdf(tmp_path / "noise.nc")
    r = io.read_rainfall(tmp_path / "noise.nc", like=utm_dem(32619))
    assert r.values.min() >= 0.0
    np.testing.assert_allclose(totals_mm(r), 141.0, rtol=1e-3)


# --- IMERG, CHIRPS, degrees ----------------------------------------------------------------------


def test_imerg_half_hourly_lon_lat_order_south_up(tmp_path):
    coords = lonlat_coords(-71.65, 8.25, 10, 8, 0.1, north_up=False)  # lat increasing
    lat, lon = coords["lat"][1], coords["lon"][1]
    field = np.where(lat[None, :] > 8.55, 20.0, 5.0) * np.where(lon[:, None] < -71.0, 2.0, 1.0)
    values = np.broadcast_to(field, (4, 10, 8)).copy()  # (time, lon, lat)
    coords["time"] = ("time", np.arange(4) * 30.0)
    tunits = {"units": "minutes since 2026-10-03 00:00:00 -04:00"}
    path = write(
        tmp_path, "imerg.nc", "precipitation", values, ("time", "lon", "lat"), coords,
        {"units": "mm/hr"}, time_attrs=tunits,
    )  # fmt: skip
    r = io.read_rainfall(path, like=utm_dem(32619, lon=-71.35, lat=8.8))
    np.testing.assert_allclose(r.values * 3.6e6, 40.0, rtol=1e-9)  # north-west quarter
    np.testing.assert_array_equal(r["time"].values, [0.0, 1800.0, 3600.0, 5400.0])
    assert r.attrs["interval_end_s"] == 7200.0
    assert r.attrs["start_time"] == "2026-10-03T00:00:00-04:00"
    assert r.attrs["time_labels"] == "interval starts"


def chirps(tmp_path, days_mm):
    coords = lonlat_coords(-71.4, 8.4, 11, 9, 0.05, lat_names=("latitude", "longitude"))
    lat, lon = coords["latitude"][1], coords["longitude"][1]
    pattern = 1.0 + 0.5 * np.sin(lat[:, None] * 20.0) * np.cos(lon[None, :] * 30.0)
    values = np.asarray(days_mm, dtype=float).reshape(-1, 1, 1) * pattern
    coords["time"] = ("time", hours("2026-10-03", len(days_mm), 24.0))
    return write(
        tmp_path, "chirps.nc", "precip", values, ("time", "latitude", "longitude"), coords,
        {"units": "mm/day"},
    )  # fmt: skip


def test_chirps_daily_warns_and_disaggregates_onto_scs_ii(tmp_path):
    path = chirps(tmp_path, [50.0, 20.0])
    dem = utm_dem(32619)
    with pytest.warns(
        DrmWarning, match=r"daily \(24 h\) rain steps .*peak intensity \d\.\d mm/h.*scs-ii"
    ):
        daily = io.read_rainfall(path, like=dem)
    d1 = daily.values[0] * 86400.0  # m on day 1 in each DEM cell
    r = io.read_rainfall(path, like=dem, disaggregate="scs-ii")
    assert r.sizes["time"] == 96
    assert r.attrs["disaggregated"] == "scs-ii"
    np.testing.assert_array_equal(np.diff(r["time"].values), 1800.0)
    day1 = r.values[:48].sum(axis=0) * 1800.0
    day2 = r.values[48:].sum(axis=0) * 1800.0
    np.testing.assert_allclose(day1, d1, rtol=1e-9)
    np.testing.assert_allclose(day2, daily.values[1] * 86400.0, rtol=1e-9)
    # SCS II by hand (Table 14.4.1): 11:30 holds 0.283, 12:00 holds 0.663 of the day's depth,
    # so the wettest half hour gets 0.380 of it: 0.76 of the daily depth per hour
    peak_mm_h = r.values[:48].max(axis=0) * 3.6e6
    np.testing.assert_allclose(peak_mm_h, (0.663 - 0.283) / 0.5 * d1 * 1000.0, rtol=1e-9)
    assert r["time"].values[int(r.values[:48, 0, 0].argmax())] == 11.5 * 3600.0


def test_coarse_steps_against_the_response_time(tmp_path):
    path = ecmwf_tp(tmp_path, STORM_MM)
    with pytest.warns(DrmWarning, match=r"1-hourly \(1 h\) rain steps are longer than the "
                      r"catchment's response time \(30min\)"):  # fmt: skip
        io.read_rainfall(path, response_time_s=1800.0)
    r = io.read_rainfall(
        path, like=utm_dem(32619), disaggregate="uniform", disaggregate_step_s=900.0
    )
    assert r.sizes["time"] == 4 * STORM_MM.size
    np.testing.assert_allclose(totals_mm(r), 141.0, rtol=1e-3)


def test_degrees_from_cf_units_alone_onto_dems_in_two_zones(tmp_path):
    coords = {
        "gy": ("gy", 8.9 - 0.1 * np.arange(7), {"units": "degrees_north"}),
        "gx": ("gx", -71.45 + 0.1 * np.arange(7), {"units": "degrees_east"}),
        "time": ("time", np.arange(3) * 3600.0, {"units": "s"}),
    }
    path = write(
        tmp_path, "deg.nc", "rain", np.full((3, 7, 7), 10.0), ("time", "gy", "gx"), coords,
        {"units": "mm/h"},
    )  # fmt: skip
    for epsg in (32619, 32618):
        dem = utm_dem(epsg)
        r = io.read_rainfall(path, like=dem)
        assert get_crs(r).to_epsg() == epsg
        np.testing.assert_allclose(r.values * 3.6e6, 10.0, rtol=1e-12)
    coarse = io.read_rainfall(path, to_crs="EPSG:32618")  # kept coarse, in the DEM's CRS
    assert get_crs(coarse).to_epsg() == 32618
    assert 10_000 < float(coarse["x"][1] - coarse["x"][0]) < 11_500  # 0.1 deg, not 0.1 m


# --- units -----------------------------------------------------------------------------------------


def metric_rain(tmp_path, values, units, *, name="rain.nc", extra=None, x0=0.0, dx=50.0):
    nt = values.shape[0]
    coords = {
        "time": ("time", np.arange(nt) * 3600.0, {"units": "s"}),
        "y": ("y", 200.0 - dx * (np.arange(values.shape[1]) + 0.5)),
        "x": ("x", x0 + dx * (np.arange(values.shape[2]) + 0.5)),
    }
    attrs = {"units": units, **(extra or {})} if units is not None else dict(extra or {})
    da = xr.DataArray(values, dims=("time", "y", "x"), coords=coords, attrs=attrs, name="rainfall")
    path = tmp_path / name
    set_crs(da, "EPSG:32619").to_netcdf(path)
    return path


@pytest.mark.parametrize(
    ("units", "m_per_s"),
    [
        ("m", 3.6 / 3600),
        ("mm", 3.6e-3 / 3600),
        ("kg m-2", 3.6e-3 / 3600),
        ("m of water equivalent", 3.6 / 3600),
        ("kg m-2 s-1", 3.6e-3),
        ("mm/h", 3.6e-3 / 3600),
        ("mm/hr", 3.6e-3 / 3600),
        ("mm h-1", 3.6e-3 / 3600),
        ("mm/day", 3.6e-3 / 86400),
        ("mm d-1", 3.6e-3 / 86400),
        ("in/h", 3.6 * 0.0254 / 3600),
        ("mm/3h", 3.6e-3 / 10800),
        ("m/s", 3.6),
    ],
)
def test_every_rain_unit_is_converted(tmp_path, units, m_per_s):
    r = io.read_rainfall(metric_rain(tmp_path, np.full((3, 4, 4), 3.6), units))
    np.testing.assert_allclose(r.values, m_per_s, rtol=1e-12)
    assert r.attrs["units_in_file"] == units


# --- bad inputs ------------------------------------------------------------------------------------


def test_no_units_attribute(tmp_path):
    with pytest.raises(UnitError, match=r"'rainfall' has no 'units' attribute; set it"):
        io.read_rainfall(metric_rain(tmp_path, np.ones((3, 4, 4)), None))


def test_not_a_rain_unit(tmp_path):
    with pytest.raises(UnitError, match=r"units 'K' of 'rainfall' are not a rain unit"):
        io.read_rainfall(metric_rain(tmp_path, np.ones((3, 4, 4)), "K"))


def test_units_contradicting_standard_name(tmp_path):
    path = metric_rain(
        tmp_path, np.ones((3, 4, 4)), "mm", extra={"standard_name": "precipitation_flux"}
    )
    with pytest.raises(UnitError, match="standard_name 'precipitation_flux'"):
        io.read_rainfall(path)


def test_accumulated_depth_that_cannot_be_told_is_refused(tmp_path):
    acc = np.cumsum(np.array([1.0, 4.0, 2.0, 3.0])).reshape(4, 1, 1) * np.ones((4, 4, 4))
    path = metric_rain(tmp_path, acc, "mm")
    with pytest.raises(
        InputError,
        match=r"pass accumulated=True/False \(scenario key hazard\.rainfall_accumulated\)",
    ):
        io.read_rainfall(path)
    r = io.read_rainfall(path, accumulated=True)
    np.testing.assert_allclose(r.values[:, 0, 0] * 3.6e6, [1.0, 4.0, 2.0, 3.0], rtol=1e-12)
    with pytest.warns(DrmWarning, match="accumulated=False was given"):
        r = io.read_rainfall(path, accumulated=False)
    np.testing.assert_allclose(r.values[:, 0, 0] * 3.6e6, acc[:, 0, 0], rtol=1e-12)


def test_rate_said_accumulated_is_refused(tmp_path):
    with pytest.raises(InputError, match="is a rate"):
        io.read_rainfall(metric_rain(tmp_path, np.ones((3, 4, 4)), "mm/h"), accumulated=True)


def test_time_not_monotonic(tmp_path):
    path = ecmwf_tp(tmp_path, STORM_MM[:4])
    ds = xr.open_dataset(path).load()
    ds = ds.assign_coords(time=hours("2026-10-03T01:00", 4)[[0, 2, 1, 3]])
    ds.to_netcdf(tmp_path / "shuffled.nc")
    with pytest.raises(
        InputError,
        match=r"not strictly increasing \(step 2 at 2026-10-03T02:00:00 follows 2026-10-03T03:00:00\)",
    ):
        io.read_rainfall(tmp_path / "shuffled.nc")


def test_rain_not_covering_the_dem_gives_share_and_extents(tmp_path):
    dem = utm_dem(32619, n=10)
    x0 = float(dem["x"][0]) - 50.0 + 600.0  # rain starts 6 cells in: covers 40 % of the DEM
    y_top = float(dem["y"][0]) + 50.0
    coords = {
        "time": ("time", [0.0, 3600.0], {"units": "s"}),
        "y": ("y", y_top - 100.0 * (np.arange(10) + 0.5)),
        "x": ("x", x0 + 100.0 * (np.arange(10) + 0.5)),
    }
    da = xr.DataArray(np.ones((2, 10, 10)), dims=("time", "y", "x"), coords=coords,
                      attrs={"units": "mm/h"}, name="rainfall")  # fmt: skip
    set_crs(da, "EPSG:32619").to_netcdf(tmp_path / "part.nc")
    with pytest.raises(GridError, match=r"covers 40\.0% of the DEM.*DEM x \d+\.\.\d+, y .*rain x"):
        io.read_rainfall(tmp_path / "part.nc", like=dem)
    path = ecmwf_tp(tmp_path, STORM_MM)
    with pytest.raises(GridError, match=r"covers 0\.0% of the DEM"):
        io.read_rainfall(path, like=utm_dem(32619, lon=-69.0))
    # a DEM across the northern edge of a degree file (cells to 8.95 N): about half covered
    with pytest.raises(GridError, match=r"covers (4[5-9]|5[0-5])\.\d% of the DEM.*UTM zone 18N"):
        io.read_rainfall(path, like=utm_dem(32618, lon=-71.0, lat=8.95))


def test_design_storm_helpers_by_hand():
    # the table itself, and the mass curve at its ordinates
    np.testing.assert_allclose(scs_mass_curve("II", SCS_HOURS / 24.0), SCS_FRACTIONS["ii"])
    depth, dt = disaggregate(np.array([24.0]), 86400.0, "scs-iii", 3600.0)
    assert depth.sum() == pytest.approx(24.0, rel=1e-12)
    assert dt.tolist() == [3600.0] * 24
    # type III, 11:00-12:00 holds 0.500 - 0.250 of the day
    assert depth[11] == pytest.approx(24.0 * 0.25, rel=1e-12)
    ab, _ = disaggregate(np.array([10.0]), 7200.0, "alternating-block", 600.0)
    assert ab.sum() == pytest.approx(10.0, rel=1e-12)
    assert int(ab.argmax()) == 5
    with pytest.raises(InputError, match="whole number"):
        disaggregate(np.array([1.0]), 3600.0, "uniform", 1700.0)


def test_projected_rain_in_another_zone_is_reprojected(tmp_path):
    dem = utm_dem(32619)
    from pyproj import Transformer

    cx, cy = Transformer.from_crs(32619, 32618, always_xy=True).transform(
        float(dem["x"].mean()), float(dem["y"].mean())
    )
    coords = {
        "time": ("time", [0.0, 3600.0, 7200.0], {"units": "s"}),
        "y": ("y", round(cy, -3) + 5000.0 - 1000.0 * (np.arange(10) + 0.5)),
        "x": ("x", round(cx, -3) - 5000.0 + 1000.0 * (np.arange(10) + 0.5)),
    }
    da = xr.DataArray(np.full((3, 10, 10), 12.0), dims=("time", "y", "x"), coords=coords,
                      attrs={"units": "mm/h"}, name="rainfall")  # fmt: skip
    da.to_netcdf(tmp_path / "utm18.nc")  # no CRS recorded: crs= says it
    r = io.read_rainfall(tmp_path / "utm18.nc", like=dem, crs="EPSG:32618")
    assert get_crs(r).to_epsg() == 32619
    np.testing.assert_allclose(r.values * 3.6e6, 12.0, rtol=1e-12)
    with pytest.raises(GridError, match=r"covers 0\.0% of the DEM"):
        io.read_rainfall(tmp_path / "utm18.nc", like=dem)  # taken as the DEM's CRS: elsewhere
