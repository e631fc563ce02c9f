"""The steady screen against normal depth in a prismatic valley, and against the dynamic solver."""

import numpy as np
import pytest
import xarray as xr

from drm.errors import InputError
from drm.grids import set_crs
from drm.hazard.boundaries import Boundary, Inflow
from drm.hazard.flood import simulate_flood
from drm.hazard.screening import screen_flood


@pytest.fixture(scope="module")
def valley():
    """A 100 m wide flat-floored valley with steep walls, bed slope 0.002."""
    dx, nx, ny, slope = 10.0, 120, 30, 0.002
    x = dx * (np.arange(nx) + 0.5)
    y = (dx * (np.arange(ny) + 0.5))[::-1]
    X, Y = np.meshgrid(x, y)
    across = np.abs(Y - y.mean())
    z = slope * (nx * dx - X) + np.where(across < 50.0, 0.0, (across - 50.0) * 0.5)
    dem = set_crs(xr.DataArray(z, dims=("y", "x"), coords={"y": y, "x": x}), "EPSG:32619")
    inflow = Inflow([x[0], x[0]], [y.mean() - 45.0, y.mean() + 45.0], 100.0, name="river")
    return dem, inflow, slope


def test_screen_matches_normal_depth_and_the_dynamic_solver(valley):
    dem, inflow, slope = valley
    n = 0.035
    s = screen_flood(dem, None, inflows=[inflow], manning_n=n, drainage_area_m2=1e9)
    normal = (n * 1.0 / np.sqrt(slope)) ** 0.6  # q = 100 m3/s over 100 m
    mid = s["max_depth"].values[15, 30:90]
    np.testing.assert_allclose(mid, normal, rtol=0.02)
    assert np.all(s["max_depth"].values[:8] == 0.0)  # the walls stay dry
    dyn = simulate_flood(
        dem, None, manning_n=n, duration="2h", output_interval="1h", inflows=[inflow],
        boundaries=[Boundary("east", "free", slope=slope)], progress=False,
    )  # fmt: skip
    np.testing.assert_allclose(dyn.ds["depth"].isel(time=-1).values[15, 30:90], normal, rtol=0.005)
    # the flat floor carries the river in parallel D8 lines: 100 m3/s across the section
    assert np.nansum(s["discharge"].values[:, 60]) == pytest.approx(100.0)
    assert s.attrs["reaches"] >= 1


def test_rain_runoff_discharge_accumulates(valley):
    dem, _, _ = valley
    rate = 36.0 / 3.6e6  # 36 mm/h, all of it runs off
    s = screen_flood(dem, rate, drainage_area_m2=100.0)  # every cell is drainage
    q = s["discharge"].values
    area = dem.size * 100.0
    # everything drains down to the floor (rows 10-19) and leaves through the east edge
    assert np.sum(q[10:20, -1]) == pytest.approx(rate * area, rel=1e-9)
    assert s["max_depth"].attrs["units"] == "m"


def test_screen_bad_inputs(valley):
    dem, inflow, _ = valley
    with pytest.raises(InputError, match="manning_n"):
        screen_flood(dem, None, inflows=[inflow], manning_n=0.0)
    with pytest.raises(InputError, match="drainage_area_m2"):
        screen_flood(dem, None, drainage_area_m2=0.0)
