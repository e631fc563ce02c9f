"""Member rain and seeds: reproducible draws, lognormal intensity, shift in metres, delay in seconds."""

import numpy as np
import pytest
import xarray as xr

from drm.ensemble import MemberSpec, Perturbation, member_specs
from drm.ensemble.members import (
    delay_rainfall,
    ensemble_size,
    perturb_rainfall,
    shift_rainfall,
    write_member_rainfall,
)
from drm.errors import InputError
from drm.io import read_rainfall
from drm.io.rainfall import rainfall_grid


def blob_rain(times=(0.0, 600.0, 1200.0), rates=(36.0, 72.0, 0.0)):
    """Rain (mm/h) falling on a 2 x 2 block of a 10 x 10 grid of 500 m cells, changing over time."""
    field = np.zeros((10, 10))
    field[3:5, 4:6] = 1.0
    values = np.array(rates)[:, None, None] * field
    x = 250_000.0 + 500.0 * np.arange(10)
    y = 950_000.0 - 500.0 * np.arange(10)
    return rainfall_grid(values, x=x, y=y, time_s=times, crs="EPSG:32619")


def centroid(rain):
    total = rain.sum("time")
    w = total.values / total.values.sum()
    return float((w.sum(axis=0) * rain["x"].values).sum()), float(
        (w.sum(axis=1) * rain["y"].values).sum()
    )


def test_member_draws_are_seeded_and_independent_of_the_ensemble_size():
    p = Perturbation(intensity_sigma=0.3, shift_m=500.0, timing_shift_s=1800.0)
    a = member_specs(42, 4, p)
    assert a == member_specs(42, 4, p)
    assert member_specs(42, 10, p)[:4] == a  # member k does not depend on how many there are
    assert member_specs(43, 4, p) != a
    assert len({m.seed for m in member_specs(42, 50, p)}) == 50
    # the draws do not depend on which perturbations are on: the factor stays when shifts are off
    assert [m.intensity_factor for m in member_specs(42, 4, Perturbation(0.3))] == [
        m.intensity_factor for m in a
    ]
    assert {(m.shift_east_m, m.delay_s) for m in member_specs(42, 4, Perturbation(0.3))} == {
        (0.0, 0.0)
    }


def test_intensity_factor_is_lognormal_with_the_requested_median_and_sigma():
    n, sigma = 4000, 0.4
    specs = member_specs(
        7, n, Perturbation(intensity_sigma=sigma, shift_m=300.0, timing_shift_s=900.0)
    )
    logs = np.log([m.intensity_factor for m in specs])
    # tolerance: 4 standard errors (median of a normal: 1.2533 sigma/sqrt(n); sample sd: sigma/sqrt(2n))
    assert abs(np.median(logs)) < 4 * 1.2533 * sigma / np.sqrt(n)
    assert abs(np.std(logs, ddof=1) - sigma) < 4 * sigma / np.sqrt(2 * n)
    east = np.array([m.shift_east_m for m in specs])
    delay = np.array([m.delay_s for m in specs])
    assert abs(np.std(east, ddof=1) - 300.0) < 4 * 300.0 / np.sqrt(2 * n)
    assert abs(np.std(delay, ddof=1) - 900.0) < 4 * 900.0 / np.sqrt(2 * n)
    assert abs(np.corrcoef(logs, delay)[0, 1]) < 4 / np.sqrt(n)


def test_shift_moves_the_rain_field_by_the_requested_metres():
    rain = blob_rain()
    x0, y0 = centroid(rain)
    moved = shift_rainfall(rain, 1000.0, -500.0)  # two cells east, one south
    x1, y1 = centroid(moved)
    assert (x1 - x0, y1 - y0) == (1000.0, -500.0)
    assert float(moved.sum()) == pytest.approx(float(rain.sum()), rel=1e-12)
    assert moved.attrs["units"] == "m s-1"
    x2, y2 = centroid(shift_rainfall(rain, 250.0, 125.0))  # half and a quarter cell: bilinear
    assert (x2 - x0, y2 - y0) == (pytest.approx(250.0, abs=1e-6), pytest.approx(125.0, abs=1e-6))


def test_timing_shift_moves_the_hyetograph():
    rain = blob_rain()
    for delay in (900.0, -300.0):
        moved = delay_rainfall(rain, delay)
        for t in (0.0, 450.0, 700.0, 1000.0, 1300.0, 2000.0):
            was = t - delay
            assert _rate_at(moved, t) == _rate_at(rain, was), (delay, t)
    later = delay_rainfall(rain, 900.0)
    assert _depth(later) == pytest.approx(_depth(rain), rel=1e-12)
    earlier = delay_rainfall(rain, -300.0)  # the first 300 s of the storm are cut
    assert _depth(earlier) == pytest.approx(_depth(rain) - 300.0 * _rate_at(rain, 0.0), rel=1e-12)
    assert float(delay_rainfall(rain, -5000.0).max()) == 0.0


def _rate_at(rain, t):
    """Areal-mean rate at time t (0 outside the storm)."""
    starts = rain["time"].values
    if t < 0 or t >= rain.attrs["interval_end_s"]:
        return 0.0
    return float(rain.isel(time=int(np.searchsorted(starts, t, side="right") - 1)).mean())


def _depth(rain):
    steps = np.diff(np.append(rain["time"].values, rain.attrs["interval_end_s"]))
    return float((rain.mean(("y", "x")).values * steps).sum())


def test_member_rain_file_applies_the_factor_and_is_reproducible(tiny, tmp_path):
    base = read_rainfall(tiny.hazard.rainfall)
    spec = MemberSpec(0, 1, intensity_factor=1.7)
    path = write_member_rainfall(tiny, spec, tmp_path / "a.nc")
    member = read_rainfall(path)
    np.testing.assert_allclose(member.values, 1.7 * base.values, rtol=1e-15)
    spec = member_specs(tiny.seed, 2, Perturbation.of(tiny.ensemble))[1]
    a = read_rainfall(write_member_rainfall(tiny, spec, tmp_path / "b.nc"))
    b = read_rainfall(write_member_rainfall(tiny, spec, tmp_path / "c.nc"))
    assert np.array_equal(a.values, b.values)
    assert a.equals(perturb_rainfall(base, spec))


def test_members_from_an_ensemble_file(tiny, tmp_path):
    base = read_rainfall(tiny.hazard.rainfall)
    ens = xr.concat([base, 2.0 * base], dim="member").rename("rainfall")
    ens.attrs = {**base.attrs}
    path = tmp_path / "ens.nc"
    ens.to_dataset().to_netcdf(path)
    assert ensemble_size(path) == 2
    spec = member_specs(tiny.seed, 2, source=path)[1]
    assert (spec.source_member, spec.perturbed) == (1, False)
    member = read_rainfall(write_member_rainfall(tiny, spec, tmp_path / "m1.nc"))
    np.testing.assert_allclose(member.values, 2.0 * base.values, rtol=1e-15)
    with pytest.raises(InputError, match="needs a 'member' dimension"):
        ensemble_size(tiny.hazard.rainfall)


def test_bad_perturbations_and_member_counts_are_refused():
    with pytest.raises(InputError, match="intensity_sigma must be a number >= 0"):
        Perturbation(intensity_sigma=-0.1)
    with pytest.raises(InputError, match="unknown setting 'sigma'"):
        Perturbation.of({"sigma": 0.3})
    with pytest.raises(InputError, match="members must be a whole number >= 1"):
        member_specs(42, 0)
    with pytest.raises(InputError, match="seed must be a whole number >= 0"):
        member_specs(-1, 3)
