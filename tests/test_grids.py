import numpy as np
import pytest
import xarray as xr
from pyproj import CRS, Transformer

from drm.errors import GridError
from drm.grids import (
    as_north_up,
    cell_area,
    cell_size,
    check_grid,
    check_same_grid,
    get_crs,
    grid_bounds,
    new_grid_like,
    set_crs,
    utm_crs,
    xy_to_rowcol,
)
from drm.regrid import Regridder, regrid, to_metric


def grid(ny=4, nx=5, dx=10.0, x0=1000.0, y0=2000.0, crs="EPSG:32619", values=None):
    xs = x0 + dx * (np.arange(nx) + 0.5)
    ys = y0 + dx * (np.arange(ny)[::-1] + 0.5)
    v = np.arange(ny * nx, dtype=float).reshape(ny, nx) if values is None else values
    da = xr.DataArray(v, dims=("y", "x"), coords={"y": ys, "x": xs})
    return set_crs(da, crs) if crs else da


def test_check_grid_describes_a_good_grid():
    g = grid()
    spec = check_grid(g, "DEM")
    assert (spec.ny, spec.nx, spec.dx, spec.ystep) == (4, 5, 10.0, -10.0)
    assert spec.crs.to_epsg() == 32619
    np.testing.assert_allclose(spec.x, g["x"].values)
    np.testing.assert_allclose(spec.y, g["y"].values)
    assert cell_size(g) == 10.0
    assert cell_area(g) == 100.0
    assert grid_bounds(g) == (1000.0, 2000.0, 1050.0, 2040.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda g: g.values, "expected an xarray.DataArray"),
        (lambda g: g.rename(y="lat", x="lon"), "geographic coordinates"),
        (lambda g: g.transpose("x", "y"), "transpose"),
        (lambda g: g.drop_vars("x"), "coordinate 'x' is missing"),
        (lambda g: g.assign_coords(x=g["x"].values * [1, 1, 1, 1, 1.2]), "irregular"),
        (lambda g: g.assign_coords(y=g["y"].values * 0 + 5), "not strictly monotonic"),
        (lambda g: g.assign_coords(y=2000 + 20.0 * np.arange(4)), "not square"),
        (lambda g: g.isel(x=[0]), "at least 2 cells"),
        (lambda g: g * np.nan, "every cell is nodata"),
        (lambda g: set_crs(g, "EPSG:4326"), "geographic"),
        (lambda g: set_crs(g, "EPSG:2264"), "axis units"),  # NC State Plane, US feet
        (lambda g: g.assign_coords(x=g["x"].values[::-1]), "'x' decreases"),
    ],
)
def test_check_grid_names_the_problem(make, message):
    with pytest.raises(GridError, match=message):
        check_grid(make(grid()), "DEM")


def test_check_grid_detects_degrees_without_crs():
    lon = -71.2 + 0.001 * np.arange(5)
    lat = 8.6 - 0.001 * np.arange(4)
    g = xr.DataArray(np.zeros((4, 5)), dims=("y", "x"), coords={"y": lat, "x": lon})
    with pytest.raises(GridError, match="look like degrees"):
        check_grid(g, "DEM")


def test_time_axis_must_increase():
    g = grid()
    stack = xr.concat([g, g, g], dim="time").assign_coords(time=[0.0, 600.0, 300.0])
    with pytest.raises(GridError, match="time is not strictly increasing"):
        check_grid(stack, "rain", time=True)
    with pytest.raises(GridError, match="dims are"):
        check_grid(stack, "rain", time=False)
    check_grid(stack.sortby("time"), "rain", time=True)


def test_crs_round_trip_and_attrs_fallback():
    g = grid()
    assert get_crs(g) == CRS.from_epsg(32619)
    plain = grid(crs=None)
    assert get_crs(plain) is None
    plain.attrs["crs"] = "EPSG:32719"
    assert get_crs(plain).to_epsg() == 32719
    plain.attrs["crs"] = "not a crs"
    with pytest.raises(GridError, match="not a valid CRS"):
        get_crs(plain)


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (-71.15, 8.6, 32619),
        (-66.9, 10.5, 32619),
        (-84.2, 36.6, 32616),
        (151.2, -33.9, 32756),
        (2.35, 48.85, 32631),
    ],
)
def test_utm_zone(lon, lat, epsg):
    assert utm_crs(lon, lat).to_epsg() == epsg


def test_new_grid_like_sets_fresh_attrs():
    g = grid()
    g.attrs = {"units": "m", "long_name": "elevation", "stale": 1}
    out = new_grid_like(g, 0.0, name="depth", units="m", long_name="water depth")
    assert out.attrs == {"units": "m", "long_name": "water depth"}
    assert get_crs(out) == get_crs(g)
    check_same_grid(g, out)
    with pytest.raises(GridError, match="shape"):
        new_grid_like(g, data=np.zeros((2, 2)))


def test_check_same_grid_reports_differences():
    g = grid()
    with pytest.raises(GridError, match="shapes"):
        check_same_grid(g, grid(ny=3), ("DEM", "population"))
    with pytest.raises(GridError, match="cell centres differ"):
        check_same_grid(g, grid(x0=1005.0), ("DEM", "population"))
    with pytest.raises(GridError, match="CRS"):
        check_same_grid(g, grid(crs="EPSG:32618"), ("DEM", "population"))


def test_as_north_up_and_rowcol():
    g = grid()
    south_up = g.isel(y=slice(None, None, -1))
    np.testing.assert_array_equal(as_north_up(south_up).values, g.values)
    rows, cols = xy_to_rowcol(g, [1001.0, 1049.0], [2039.0, 2001.0])
    assert rows.tolist() == [0, 3]
    assert cols.tolist() == [0, 4]
    # the outer edges belong to the grid
    rows, cols = xy_to_rowcol(g, [1000.0, 1050.0], [2040.0, 2000.0])
    assert rows.tolist() == [0, 3]
    assert cols.tolist() == [0, 4]
    with pytest.raises(GridError, match="outside the grid"):
        xy_to_rowcol(g, 999.0, 2001.0, name="gauge")
    with pytest.raises(GridError, match="outside the grid"):
        xy_to_rowcol(g, 1050.01, 2001.0, name="gauge")


def test_conservative_regrid_keeps_the_integral(rng):
    coarse = grid(ny=6, nx=7, dx=30.0, values=rng.random((6, 7)))
    fine = grid(ny=18, nx=21, dx=10.0)
    out = regrid(coarse, fine, "conservative")
    # 3x3 refinement: each fine cell takes its coarse parent's value exactly
    np.testing.assert_allclose(
        out.values, np.repeat(np.repeat(coarse.values, 3, 0), 3, 1), rtol=1e-12
    )
    # offset, non-nested target fully inside: integral over the target equals the
    # analytic integral of the piecewise-constant source over the same area
    target = grid(ny=5, nx=6, dx=25.0, x0=1013.0, y0=2017.0)
    out2 = regrid(coarse, target, "conservative")
    sub = 200
    xs = np.linspace(1013.0, 1013.0 + 150.0, 6 * sub, endpoint=False) + 150.0 / (12 * sub)
    ys = np.linspace(2017.0, 2017.0 + 125.0, 5 * sub, endpoint=False) + 125.0 / (10 * sub)
    ci = np.floor((2000.0 + 180.0 - ys) / 30.0).astype(int)
    cj = np.floor((xs - 1000.0) / 30.0).astype(int)
    exact = coarse.values[np.ix_(ci, cj)].mean() * 150.0 * 125.0
    assert out2.values.sum() * 625.0 == pytest.approx(exact, rel=1e-4)


def test_bilinear_regrid_is_exact_for_linear_fields():
    src = grid(ny=10, nx=12, dx=20.0)
    X, Y = np.meshgrid(src["x"].values, src["y"].values)
    src = src.copy(data=3.0 * X - 2.0 * Y + 7.0)
    tgt = grid(ny=15, nx=17, dx=11.0, x0=1015.0, y0=2012.0)
    out = regrid(src, tgt, "bilinear")
    TX, TY = np.meshgrid(tgt["x"].values, tgt["y"].values)
    np.testing.assert_allclose(out.values, 3.0 * TX - 2.0 * TY + 7.0, rtol=1e-12)


def test_regrid_nan_is_left_out_and_time_stacks_work():
    coarse = grid(ny=2, nx=2, dx=20.0, values=np.array([[1.0, np.nan], [3.0, 5.0]]))
    fine = grid(ny=4, nx=4, dx=10.0)
    out = regrid(coarse, fine)
    assert np.isnan(out.values[0, 2])
    assert out.values[3, 3] == 5.0
    stack = xr.concat([coarse.fillna(0), coarse.fillna(0) * 2], dim="time").assign_coords(
        time=[0.0, 60.0]
    )
    out3 = regrid(stack, fine)
    assert out3.dims == ("time", "y", "x")
    np.testing.assert_allclose(out3.isel(time=1).values, 2 * out3.isel(time=0).values)
    w = Regridder.between(coarse, fine)
    np.testing.assert_allclose(w.coverage, 1.0)


def test_to_metric_samples_at_the_right_place():
    # field = latitude: after reprojection each cell must hold the latitude of its centre
    lon = -71.3 + 0.001 * (np.arange(120) + 0.5)
    lat = 8.7 - 0.001 * (np.arange(100) + 0.5)
    _, LAT = np.meshgrid(lon, lat)
    da = xr.DataArray(LAT, dims=("lat", "lon"), coords={"lat": lat, "lon": lon}, name="lat")
    out = to_metric(da)
    assert get_crs(out).to_epsg() == 32619
    spec = check_grid(out, allow_all_nan=True)
    assert 100.0 < spec.dx < 115.0  # 0.001 deg is ~110 m (lat) by ~110 m (lon) at 8.6 N
    inv = Transformer.from_crs("EPSG:32619", "EPSG:4326", always_xy=True)
    X, Y = np.meshgrid(out["x"].values, out["y"].values)
    qlon, qlat = inv.transform(X, Y)
    assert np.isfinite(out.values).mean() > 0.9
    # inside the hull of source cell centres bilinear sampling of a linear field is exact
    ok = (qlat > lat.min()) & (qlat < lat.max()) & (qlon > lon.min()) & (qlon < lon.max())
    assert ok.mean() > 0.85
    np.testing.assert_allclose(out.values[ok], qlat[ok], atol=1e-9)
