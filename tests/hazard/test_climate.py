"""Climate uplift of design rain: the factor, the grid, and a flood that only grows with it.

The factor is the issue's ``1 + 0.07 x warming`` (1.14 at +2 degrees C); the flood's
response is checked on a small valley with the solver: more rain on the same DEM
never leaves any cell shallower at its maximum, nor floods it later.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import xarray as xr

from drm.errors import InputError
from drm.hazard import simulate_flood, uplift_factor, uplift_rainfall

from .conftest import make_grid


@pytest.mark.parametrize(
    ("warming", "factor"), [(0.0, 1.0), (1.5, 1.105), (2.0, 1.14), (3.0, 1.21), (4.0, 1.28)]
)
def test_the_factor_is_seven_percent_per_degree(warming, factor):
    assert uplift_factor(warming) == pytest.approx(factor, abs=1e-12)


def test_the_compounded_factor_and_another_rate():
    assert uplift_factor(2.0, compound=True) == pytest.approx(1.07**2, abs=1e-12)
    assert uplift_factor(2.0, rate_per_c=0.14) == pytest.approx(1.28, abs=1e-12)  # super-CC


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"warming_c": -1.0}, "degrees C above the present climate"),
        ({"warming_c": 288.0}, "not an absolute temperature"),
        ({"warming_c": float("nan")}, "0 to 6"),
        ({"warming_c": 2.0, "rate_per_c": 7.0}, "7 for 7 % is a slip"),
    ],
)
def test_bad_warming_or_rate_is_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        uplift_factor(**kwargs)


def _rain(rate_m_s: float, steps: int = 6, step_s: float = 600.0) -> xr.DataArray:
    """A uniform storm on a coarse grid covering the test DEM (m s-1)."""
    return xr.DataArray(
        np.full((steps, 2, 2), rate_m_s),
        dims=("time", "y", "x"),
        coords={"time": step_s * np.arange(steps), "y": [900_300.0, 900_100.0],
                "x": [500_100.0, 500_300.0]},
        attrs={"units": "m s-1", "interval_end_s": steps * step_s},
    )  # fmt: skip


def test_uplifted_grid_keeps_its_shape_and_records_the_warming():
    rain = _rain(2e-5)
    up = uplift_rainfall(rain, 1.5)
    assert up.dims == rain.dims
    assert np.allclose(up.values, 1.105 * rain.values, rtol=1e-12)
    assert (up.attrs["warming_c"], up.attrs["uplift_factor"]) == (1.5, 1.105)
    assert up.attrs["interval_end_s"] == rain.attrs["interval_end_s"]
    with pytest.raises(InputError, match="negative or infinite"):
        uplift_rainfall(rain * -1.0, 1.5)


def test_more_rain_never_makes_a_cell_safer():
    """Present, +1.5 and +3 degrees on a 40 x 40 valley: max depth and arrival are monotonic."""
    ny = nx = 40
    yy, xx = np.mgrid[0:ny, 0:nx]
    z = 10.0 + 0.02 * xx + 0.05 * np.abs(yy - ny / 2)  # a V valley draining west
    dem = make_grid(z, dx=10.0)
    rain = _rain(3e-5)  # 108 mm/h for an hour
    results = [
        simulate_flood(dem, uplift_rainfall(rain, w), duration="1h30m", output_interval="15min",
                       progress=False)
        for w in (0.0, 1.5, 3.0)
    ]  # fmt: skip
    maxima = [r.ds["max_depth"].values for r in results]
    arrivals = [np.nan_to_num(r.ds["arrival_time"].values, nan=np.inf) for r in results]
    for low, high in itertools.pairwise(maxima):
        assert np.all(high >= low - 1e-6)  # no cell shallower with more rain (1 um of round-off)
        assert float(high.sum()) > float(low.sum())
    for late, early in itertools.pairwise(arrivals):
        assert np.all(early <= late + 1e-6)  # and none wet later
    # more rain in the valley: the deepest water grows
    assert maxima[2].max() > maxima[1].max() > maxima[0].max()
