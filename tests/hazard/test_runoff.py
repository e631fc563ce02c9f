"""Rainfall-runoff: SCS Curve Number against TR-55, Green-Ampt against Chow et al. (1988)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import lambertw

from drm.errors import GridError, InputError, UnitError
from drm.hazard import (
    GreenAmptSoil,
    adjust_curve_number,
    green_ampt_cumulative,
    green_ampt_excess,
    green_ampt_rate,
    green_ampt_soil,
    ponding_time,
    rainfall_excess,
    scs_excess_rate,
    scs_runoff,
    soil_textures,
)
from drm.io import rainfall_grid

from .conftest import make_grid

IN = 25.4  # mm per inch
CM, HOUR = 0.01, 3600.0

# Chow, Maidment & Mays (1988), Applied Hydrology, examples 4.3.1 and 4.4.1-4.4.2:
# silt loam with initial effective saturation 0.3, as the book rounds it:
# K = 0.65 cm/h, psi = 16.7 cm, delta theta = (1 - 0.3) x 0.486 = 0.340 (psi delta theta = 5.68 cm)
SILT_LOAM_BOOK = GreenAmptSoil(0.65 * CM / HOUR, 16.7 * CM, 0.340)


def rain(values_mm_h, dt_s=3600.0, shape=(2, 3)):
    """A drm rainfall grid: the same hyetograph (mm/h per interval) on every cell."""
    v = np.asarray(values_mm_h, dtype=float)
    cube = np.broadcast_to(v[:, None, None], (v.size, *shape)).copy()
    like = make_grid(np.zeros(shape))
    return rainfall_grid(
        cube,
        x=like.x.values,
        y=like.y.values,
        time_s=np.arange(v.size) * dt_s,
        interval_end_s=v.size * dt_s,
        crs="EPSG:32619",
    )


# ---------------------------------------------------------------- SCS Curve Number


def test_tr55_chapter2_worked_examples():
    # TR-55 (USDA-SCS 1986), chapter 2: P = 6 in gives Q = 2.81 in on CN 70, 3.28 in on CN 75
    assert scs_runoff(6 * IN, 70) / IN == pytest.approx(2.81, abs=0.005)
    assert scs_runoff(6 * IN, 75) / IN == pytest.approx(3.28, abs=0.005)
    q = scs_runoff(np.full((2, 2), 6 * IN), np.array([[70, 75], [70, 75]]))
    np.testing.assert_allclose(q / IN, [[2.81, 3.28], [2.81, 3.28]], atol=0.005)
    assert isinstance(scs_runoff(10.0, 80), float)


def test_scs_limits():
    s = 25400 / 80 - 254  # mm
    assert scs_runoff(0.2 * s, 80) == 0.0  # all of it is initial abstraction
    assert scs_runoff(0.2 * s + 1.0, 80) > 0.0
    assert scs_runoff(123.0, 100) == pytest.approx(123.0)  # impervious: all runs off
    p = np.linspace(0, 300, 31)
    q = scs_runoff(p, 75)
    assert (np.diff(q) >= 0).all()
    assert (q <= p).all()
    assert np.isnan(scs_runoff(np.nan, 75))


@pytest.mark.parametrize("cn", [55.0, 70.0, 75.0, 90.0])
def test_initial_abstraction_ratio_005(cn):
    # Hawkins et al. (2009, ASCE "Curve Number Hydrology"): the lambda = 0.05 curve number
    # CN05 = 100 / (1.879 (100/CN20 - 1)^1.15 + 1), i.e. S05 = 1.33 S20^1.15 in inches
    cn05 = 100 / (1.879 * (100 / cn - 1) ** 1.15 + 1)
    s05 = 1000 / cn05 - 10
    p = 6.0
    expected = (p - 0.05 * s05) ** 2 / (p + 0.95 * s05)
    assert scs_runoff(p * IN, cn, ia_ratio=0.05) / IN == pytest.approx(expected, rel=1e-3)
    # a smaller initial abstraction: more runoff from small storms
    assert scs_runoff(25.0, cn, ia_ratio=0.05) > scs_runoff(25.0, cn)


def test_antecedent_moisture_conversions():
    # Chow et al. (1988) section 5.5: CN(I) = 4.2 CN / (10 - 0.058 CN), CN(III) = 23 CN / (10 + 0.13 CN)
    assert adjust_curve_number(70, "I") == pytest.approx(294 / 5.94)  # 49.49
    assert adjust_curve_number(70, "III") == pytest.approx(1610 / 19.1)  # 84.29
    # Hawkins et al. (1985): CN(I) = CN / (2.281 - 0.01281 CN), CN(III) = CN / (0.427 + 0.00573 CN)
    assert adjust_curve_number(70, "I", "hawkins") == pytest.approx(70 / 1.38430)
    assert adjust_curve_number(70, "III", "hawkins") == pytest.approx(70 / 0.82810)
    # two independent fits of the same NEH-4 table agree within 3 CN points
    cn = np.arange(40.0, 96.0)
    for amc in ("I", "III"):
        diff = adjust_curve_number(cn, amc) - adjust_curve_number(cn, amc, "hawkins")
        assert np.abs(diff).max() < 3.0
    assert adjust_curve_number(70, "II") == 70
    assert adjust_curve_number(100, "I") == pytest.approx(100)
    with pytest.raises(InputError, match="amc"):
        adjust_curve_number(70, "IV")


def test_rainfall_excess_follows_cumulative_runoff():
    hyeto = [2.0, 10.0, 40.0, 25.0, 5.0, 0.0]  # mm/h, hourly
    r = rain(hyeto)
    q = rainfall_excess(r, 75)
    cum_p = np.cumsum(hyeto)
    cum_q = np.cumsum(q.values[:, 0, 0] * 3600 * 1000)
    np.testing.assert_allclose(cum_q, scs_runoff(cum_p, 75), rtol=1e-12, atol=1e-12)
    s = 25400 / 75 - 254
    assert q.values[0].max() == 0.0  # 2 mm < Ia = 16.9 mm
    assert cum_p[1] < 0.2 * s < cum_p[2]
    assert q.values[1].max() == 0.0
    assert q.values[2].min() > 0.0
    assert (q.values <= r.values + 1e-15).all()
    assert q.attrs["units"] == "m s-1"
    assert q.attrs["interval_end_s"] == r.attrs["interval_end_s"]
    assert q.dims == ("time", "y", "x")
    assert q["spatial_ref"].attrs["crs_wkt"]


def test_rainfall_excess_curve_number_grid_and_moisture():
    r = rain([30.0, 30.0, 30.0])
    cn = make_grid(np.array([[60.0, 75, 90], [75, np.nan, 100]]), units="1")
    q = rainfall_excess(r, cn)
    total = (q * 3600 * 1000).sum("time", skipna=False).values  # mm
    np.testing.assert_allclose(total[0], scs_runoff(90.0, [60, 75, 90]), rtol=1e-12)
    assert np.isnan(total[1, 1])
    assert total[1, 2] == pytest.approx(90.0)
    wet = rainfall_excess(r, 75, amc="III").sum().item()
    dry = rainfall_excess(r, 75, amc="I").sum().item()
    assert dry < rainfall_excess(r, 75).sum().item() < wet
    with pytest.raises(GridError, match="not on the same grid"):
        rainfall_excess(r, make_grid(np.full((2, 3), 75.0), dx=20.0))


def test_scs_excess_rate_per_step_matches_per_storm():
    hyeto = np.array([5.0, 20.0, 60.0, 10.0])
    r = rain(hyeto, dt_s=1800.0)
    per_storm = rainfall_excess(r, 82, ia_ratio=0.05).values[:, 0, 0]
    cum, per_step = 0.0, []
    for rate_mm_h in hyeto:
        rate = rate_mm_h / 1000 / 3600
        per_step.append(scs_excess_rate(cum, rate, 1800.0, 82, ia_ratio=0.05))
        cum += rate * 1800.0
    np.testing.assert_allclose(per_step, per_storm, rtol=1e-12, atol=1e-20)
    assert scs_excess_rate(0.0, 1e-5, 600.0, 80) == 0.0


@pytest.mark.parametrize("cn", [0, -5, 100.5, 120])
def test_curve_number_outside_range_is_rejected(cn):
    with pytest.raises(InputError, match=r"\(0, 100\]"):
        scs_runoff(50.0, cn)
    with pytest.raises(InputError, match=r"\(0, 100\]"):
        rainfall_excess(rain([10.0]), cn)


def test_bad_rain_is_rejected():
    with pytest.raises(InputError, match="rain_mm must be >= 0"):
        scs_runoff(-1.0, 70)
    with pytest.raises(InputError, match="negative"):
        scs_excess_rate(0.0, -1e-6, 60.0, 70)
    with pytest.raises(InputError, match="ia_ratio"):
        scs_runoff(10.0, 70, ia_ratio=0.1)
    r = rain([10.0, 5.0])
    with pytest.raises(InputError, match="negative"):
        rainfall_excess(r * -1, 70)
    bare = r.copy()
    bare.attrs = {}
    with pytest.raises(UnitError, match="units"):
        rainfall_excess(bare, 70)


# ---------------------------------------------------------------- Green-Ampt


def test_soil_texture_table():
    t = soil_textures()
    assert len(t) == 11
    assert "Rawls" in t.attrs["source"]
    silt = t.loc["silt loam"]
    assert silt["effective_porosity"] == 0.486
    assert silt["suction_head_m"] == pytest.approx(0.1668)
    assert silt["conductivity_m_s"] == pytest.approx(0.65 * CM / HOUR)
    assert t["conductivity_m_s"].idxmax() == "sand"
    assert t["conductivity_m_s"].idxmin() == "clay"
    soil = green_ampt_soil("Silt Loam", 0.3)
    assert soil.moisture_deficit == pytest.approx(0.7 * 0.486)
    grid_soil = green_ampt_soil(np.array([["sand", "clay"]]), np.array([[0.2, 0.5]]))
    assert grid_soil.conductivity_m_s.shape == (1, 2)
    assert grid_soil.moisture_deficit[0, 1] == pytest.approx(0.5 * 0.385)
    with pytest.raises(InputError, match="unknown soil texture 'peat'"):
        green_ampt_soil("peat")
    with pytest.raises(InputError, match="initial_saturation"):
        green_ampt_soil("loam", 1.5)
    with pytest.raises(InputError, match="conductivity_m_s must be > 0"):
        GreenAmptSoil(0.0, 0.1, 0.3)


@pytest.mark.parametrize(
    ("soil", "tol"), [(SILT_LOAM_BOOK, 0.01), (green_ampt_soil("silt loam", 0.3), 0.02)]
)
def test_chow_1988_green_ampt_examples(soil, tol):
    """The book's answers are printed to 3 digits from rounded intermediate values (tol 0.01)."""
    # Example 4.3.1: ponded for 1 h -> F = 3.17 cm, f = 1.81 cm/h
    f = green_ampt_cumulative(HOUR, soil)
    assert f / CM == pytest.approx(3.17, abs=tol)
    capacity = green_ampt_rate(f, 1.0, 1e-3, soil)  # more supply than the soil can take
    assert capacity * HOUR / CM == pytest.approx(1.81, abs=tol)
    # Example 4.4.1: ponding time and infiltration at ponding,
    # (a) 1 cm/h: tp = 0.65 x 5.68 / (1 x 0.35) = 10.55 h, Fp = i tp = 10.55 cm
    tp, fp = ponding_time(1 * CM / HOUR, soil)
    assert tp / HOUR == pytest.approx(10.55, abs=tol)
    assert fp / CM == pytest.approx(10.55, abs=tol)
    # (b) 5 cm/h: tp = 0.17 h, Fp = 0.85 cm
    tp, fp = ponding_time(5 * CM / HOUR, soil)
    assert tp / HOUR == pytest.approx(0.17, abs=tol)
    assert fp / CM == pytest.approx(0.85, abs=tol)
    # Example 4.4.2: after 1 h of 5 cm/h, F = 3.02 cm and f = 1.87 cm/h
    f = green_ampt_rate(0.0, 5 * CM / HOUR, HOUR, soil) * HOUR
    assert f / CM == pytest.approx(3.02, abs=tol)
    assert green_ampt_rate(f, 1.0, 1e-3, soil) * HOUR / CM == pytest.approx(1.87, abs=tol)


def test_green_ampt_cumulative_equals_lambert_w_solution():
    # F - a ln(1 + F/a) = K t has the closed form F = a (-1 - W_-1(-exp(-1 - K t / a)))
    # (Barry et al. 2005, Adv. Water Resour. 28), with a = psi * delta theta
    t = np.array([60.0, 600.0, HOUR, 6 * HOUR, 24 * HOUR])
    for texture in soil_textures().index:
        soil = green_ampt_soil(texture, 0.2)
        k, a = soil.conductivity_m_s, soil.suction_deficit_m
        exact = a * (-1 - lambertw(-np.exp(-1 - k * t / a), k=-1).real)
        np.testing.assert_allclose(green_ampt_cumulative(t, soil), exact, rtol=1e-9)
    assert green_ampt_cumulative(0.0, SILT_LOAM_BOOK) == 0.0


def test_green_ampt_steps_compose():
    soil = green_ampt_soil("sandy loam", 0.25)
    supply = 4 * CM / HOUR  # ponds after about half an hour
    one = green_ampt_rate(0.0, supply, HOUR, soil) * HOUR
    f = 0.0
    for _ in range(60):
        f += green_ampt_rate(f, supply, 60.0, soil) * 60.0
    assert f == pytest.approx(one, rel=1e-9)
    tp, _ = ponding_time(supply, soil)
    assert 0 < tp < HOUR
    assert one < supply * HOUR  # some of the rain ran off
    # light rain (below K) all infiltrates; the rate never exceeds the supply
    light = 0.5 * soil.conductivity_m_s
    assert green_ampt_rate(0.01, light, HOUR, soil) == pytest.approx(light)
    fs = np.linspace(0.0, 0.2, 21)
    assert (green_ampt_rate(fs, supply, 600.0, soil) <= supply).all()


def test_green_ampt_excess_on_a_grid():
    r = rain([10.0] * 12 + [50.0] * 2, shape=(2, 2))  # 10 mm/h for 12 h, then a burst
    soils = green_ampt_soil(np.array([["silt loam", "clay"], ["silt loam", "clay"]]), 0.3)
    q = green_ampt_excess(r, soils)
    silt, clay = q.values[:, 0, 0], q.values[:, 0, 1]
    tp_silt, _ = ponding_time(10 / 1000 / HOUR, green_ampt_soil("silt loam", 0.3))
    assert 10 * HOUR < tp_silt < 11 * HOUR  # about 10.6 h at 1 cm/h (Chow example 4.4.1a)
    assert (silt[:10] == 0).all()
    assert silt[11] > 0
    assert (clay[1:] > 0).all()  # clay ponds almost at once
    assert (q.values >= 0).all()
    assert (q.values <= r.values).all()
    # mass balance: rain = infiltration + excess, infiltration as stepped by hand
    f = np.zeros((2, 2))
    for n in range(r.sizes["time"]):
        f += green_ampt_rate(f, r.values[n], HOUR, soils) * HOUR
    infiltrated = (r - q).sum("time").values * HOUR
    np.testing.assert_allclose(infiltrated, f, rtol=1e-12)
    np.testing.assert_array_equal(q.values[:, 0], q.values[:, 1])  # same soils, same answer
    assert q.attrs["units"] == "m s-1"


def test_green_ampt_bad_input():
    with pytest.raises(InputError, match="dt_s"):
        green_ampt_rate(0.0, 1e-6, 0.0, SILT_LOAM_BOOK)
    with pytest.raises(InputError, match=">= 0"):
        green_ampt_rate(-0.1, 1e-6, 60.0, SILT_LOAM_BOOK)
    with pytest.raises(InputError, match="negative"):
        ponding_time(-1e-6, SILT_LOAM_BOOK)
    with pytest.raises(InputError, match="t_s"):
        green_ampt_cumulative(-5.0, SILT_LOAM_BOOK)
    assert ponding_time(0.1 * CM / HOUR, SILT_LOAM_BOOK) == (np.inf, np.inf)
