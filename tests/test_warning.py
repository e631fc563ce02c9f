"""Warning: thresholds, accumulations, ensembles, lead time, decision clock and verification."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from drm.errors import GridError, InputError
from drm.hazard.flood import simulate_flood
from drm.io import rainfall_grid
from drm.warning import (
    ThresholdRule,
    alert_levels,
    combine_alerts,
    decision_clock,
    ensemble_trigger,
    exceedance_probability,
    flood_alerts,
    flood_series,
    lead_time,
    onset_times,
    rain_accumulation,
    rain_alerts,
    verify,
)

H = 3600.0


def point_rain(mm_per_h, step_s=H):
    """Uniform rain on a 2 x 2 grid of 10 m cells, one rate (mm/h) per interval."""
    rates = np.asarray(mm_per_h, dtype=float)
    return rainfall_grid(
        rates[:, None, None] * np.ones((rates.size, 2, 2)),
        x=[5.0, 15.0],
        y=[15.0, 5.0],
        time_s=step_s * np.arange(rates.size),
    )


@pytest.fixture(scope="module")
def rained_box():
    """Closed flat box under 36 mm/h: no flow, so the depth is exactly 1e-5 m/s x t everywhere."""
    x = 5.0 + 10.0 * np.arange(6)
    dem = xr.DataArray(np.zeros((6, 6)), dims=("y", "x"), coords={"y": x[::-1], "x": x})
    return simulate_flood(
        dem,
        1e-5,
        duration="1h",
        output_interval="5min",
        boundaries="closed",
        arrival_depth_m=0.02,
        progress=False,
    )


# --------------------------------------------------------------------------- rules


def test_rule_classifies_by_highest_threshold_reached():
    rule = ThresholdRule("depth", yellow_m=0.1, orange_m=0.3, red_m=0.5)
    assert rule.classify([0.0, 0.0999, 0.1, 0.3, 0.49, 0.5, 2.0, np.nan]).tolist() == [
        0,
        0,
        1,
        2,
        2,
        3,
        3,
        0,
    ]
    # a rule with yellow and red only jumps from 1 to 3
    assert ThresholdRule("level", yellow_m=-1.0, red_m=2.0).classify([-2.0, 0.0, 2.0]).tolist() == [
        0,
        1,
        3,
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quantity": "depth"},
        {"quantity": "depth", "yellow_m": -0.1},
        {"quantity": "rain", "red_m": -0.04, "duration_s": "1h"},
        {"quantity": "depth", "yellow_m": 0.5, "orange_m": 0.3},
        {"quantity": "rain", "red_m": 0.04},
        {"quantity": "depth", "red_m": 0.5, "duration_s": "1h"},
        {"quantity": "rain", "red_m": 0.04, "duration_s": "-1h"},
        {"quantity": "speed", "red_m": 1.0},
    ],
)
def test_bad_rules_raise(kwargs):
    with pytest.raises(InputError):
        ThresholdRule(**kwargs)


# --------------------------------------------------------------------------- rain accumulation


def test_accumulation_over_windows_by_hand():
    rain = point_rain([10.0, 30.0, 0.0])  # mm/h over three hours
    acc = rain_accumulation(rain, "90min", points={"g": (5.0, 5.0)})["g"] * 1000
    # at 1 h: 10; at 2 h: 30 + half of 10; at 3 h: 0 + half of 30
    np.testing.assert_allclose(acc.to_numpy(), [10.0, 35.0, 15.0], rtol=1e-12)
    assert acc.index.tolist() == [H, 2 * H, 3 * H]
    long = rain_accumulation(rain, "6h", points=[(15.0, 15.0)])["p0"] * 1000
    np.testing.assert_allclose(long.to_numpy(), [10.0, 40.0, 40.0], rtol=1e-12)


def test_accumulation_with_uneven_intervals():
    # 10 min at 60 mm/h (10 mm), then 50 min at 12 mm/h (10 mm), then 1 h at 0
    rain = rainfall_grid(
        np.array([60.0, 12.0, 0.0])[:, None, None] * np.ones((3, 2, 2)),
        x=[5.0, 15.0],
        y=[15.0, 5.0],
        time_s=[0.0, 600.0, 3600.0],
        interval_end_s=7200.0,
    )
    acc = rain_accumulation(rain, "30min", points={"g": (5, 5)})["g"] * 1000
    # at 10 min: 10 mm; at 60 min: last 30 min of the 12 mm/h = 6 mm; at 120 min: 0
    np.testing.assert_allclose(acc.to_numpy(), [10.0, 6.0, 0.0], atol=1e-12)


def test_areal_mean_over_a_finer_mask():
    # 2 x 2 rain cells of 500 m: 10 20 / 30 40 mm/h
    rain = rainfall_grid(
        np.array([[[10.0, 20.0], [30.0, 40.0]]]),
        x=[250.0, 750.0],
        y=[750.0, 250.0],
        time_s=[0.0],
        interval_end_s=H,
    )
    fine = 50.0 + 100.0 * np.arange(10)
    grid = xr.DataArray(np.zeros((10, 10)), dims=("y", "x"), coords={"y": fine[::-1], "x": fine})
    west = grid.copy(data=(grid["x"] < 500).broadcast_like(grid).values)
    straddle = grid.copy(data=((grid["y"] > 500) & (grid["x"] > 250) & (grid["x"] < 750)).values)
    acc = rain_accumulation(rain, "1h", areas={"west": west, "straddle": straddle}) * 1000
    assert acc.loc[H, "west"] == pytest.approx((10 + 30) / 2, rel=1e-12)
    assert acc.loc[H, "straddle"] == pytest.approx((10 + 20) / 2, rel=1e-12)
    outside = xr.DataArray(
        np.ones((2, 2)), dims=("y", "x"), coords={"y": [1550.0, 1450.0], "x": [50.0, 150.0]}
    )
    with pytest.raises(GridError, match="does not cover"):
        rain_accumulation(rain, "1h", areas=outside)


def test_intensity_duration_rules_combine():
    rain = point_rain([15, 15, 15, 15, 15, 15, 45])
    rules = [
        ThresholdRule(
            "rain", yellow_m=0.020, orange_m=0.030, red_m=0.040, duration_s="1h"
        ),  # 40 mm in 1 h
        ThresholdRule(
            "rain", yellow_m=0.040, orange_m=0.060, red_m=0.080, duration_s="6h"
        ),  # 80 mm in 6 h
    ]
    a = rain_alerts(rain, rules, points={"g": (5, 5)})
    # 6-h sums 15, 30, 45, 60, 75, 90, 120 mm; the 1-h rule only fires at 45 mm in hour 7
    assert a.levels["g"].tolist() == [0, 0, 1, 2, 2, 3, 3]
    assert a.first_time("orange")["g"] == 4 * H
    assert a.first_time("red")["g"] == 6 * H
    assert list(a.values) == ["rain 1h", "rain 6h"]
    assert a.highest()["g"] == "red"
    assert a.named()["g"].iloc[2] == "yellow"


def test_combine_holds_levels_between_evaluations():
    a = alert_levels(
        pd.DataFrame({"s": [0.0, 0.6], "t": [0.4, 0.0]}, index=[0.0, 1200.0]),
        ThresholdRule("depth", yellow_m=0.1, red_m=0.5),
    )
    b = alert_levels(
        pd.DataFrame({"s": [0.3]}, index=[600.0]), ThresholdRule("level", orange_m=0.2)
    )
    c = combine_alerts(a, b)
    assert c.levels.index.tolist() == [0.0, 600.0, 1200.0]
    assert c.levels["s"].tolist() == [0, 2, 3]
    assert c.levels["t"].tolist() == [1, 1, 0]
    with pytest.raises(InputError, match="rule names"):
        combine_alerts(a, a)


# --------------------------------------------------------------------------- flood alerts


def test_flood_alerts_on_a_rained_box(rained_box):
    rule = ThresholdRule("depth", yellow_m=0.010, orange_m=0.020, red_m=0.031)
    a = flood_alerts(rained_box, rule, {"school": (25.0, 25.0), "market": (45.0, 5.0)})
    # depth = 1e-5 m/s x t, saved every 300 s: first frames at or above 10, 20, 31 mm
    for site in ("school", "market"):
        assert a.first_time("yellow")[site] == 1200.0
        assert a.first_time("orange")[site] == 2100.0
        assert a.first_time("red")[site] == 3300.0
    lv = flood_series(rained_box, {"s": (25.0, 25.0)}, "level")["s"]
    np.testing.assert_allclose(lv.to_numpy(), 1e-5 * lv.index.to_numpy(), atol=1e-6)
    # the solver tracks arrival every step (10 s at most): 0.02 m at 2000 s
    assert onset_times(rained_box, {"s": (25.0, 25.0)})["s"] == pytest.approx(2000.0, abs=10.0)
    assert onset_times(rained_box, {"s": (25.0, 25.0)}, depth_m=0.025)["s"] == 2700.0


def test_alert_display_and_plot(rained_box):
    rules = [
        ThresholdRule("depth", yellow_m=0.01, red_m=0.03),
        ThresholdRule("level", orange_m=0.02, name="stage"),
    ]
    a = flood_alerts(rained_box, rules, {"s": (25.0, 25.0)})
    assert "sites reaching red" in repr(a)
    assert "<table>" in a._repr_html_()
    assert len(a.plot().axes) == 3


# --------------------------------------------------------------------------- ensembles


def test_exceedance_probability_per_level_and_time():
    values = np.vstack([np.arange(1.0, 11.0), np.arange(1.0, 11.0) / 10]).T  # members x time
    values[0, 1] = np.nan
    ens = xr.DataArray(values, dims=("member", "time"), coords={"time": [0.0, 3600.0]})
    p = exceedance_probability(ens, ThresholdRule("depth", yellow_m=3, orange_m=6, red_m=9))
    assert p.sel(time=0.0).values.tolist() == [0.8, 0.5, 0.2]
    assert p["level"].values.tolist() == ["yellow", "orange", "red"]
    # at the second time one member is missing: 0.6 and above is 5 of 9 valid members
    assert exceedance_probability(ens, 0.6).sel(time=3600.0).item() == pytest.approx(5 / 9)
    assert exceedance_probability(ens, 5.0).sel(time=0.0).item() == 0.6


def make_forecasts(exceeding):
    """10 members x 3 lead times; at issue i the first exceeding[i] members reach 100 at lead 2 h."""
    f = np.zeros((len(exceeding), 10, 3))
    for i, k in enumerate(exceeding):
        f[i, :k, 2] = 100.0
    return xr.DataArray(
        f,
        dims=("issue_time", "member", "lead_time"),
        coords={"issue_time": 21600.0 * np.arange(len(exceeding)), "lead_time": [0, H, 2 * H]},
    )


def test_trigger_needs_probability_and_persistence():
    f = make_forecasts([2, 4, 1, 3, 5, 6])
    t = ensemble_trigger(f, 50.0, probability=0.3, persistence=2)
    assert t.probability.values.tolist() == [0.2, 0.4, 0.1, 0.3, 0.5, 0.6]
    assert t.consecutive.values.tolist() == [0, 1, 0, 1, 2, 3]
    assert t.triggered.values.tolist() == [False, False, False, False, True, True]
    assert t.first_trigger["all"] == 4 * 21600.0
    assert ensemble_trigger(f, 50.0, probability=0.3, persistence=1).first_trigger["all"] == 21600.0
    # the exceedances are at lead 2 h: a window up to 1 h sees none
    assert not ensemble_trigger(f, 50.0, lead_window_s=(0, H)).triggered.any()
    assert "sites triggered" in repr(t)


def test_trigger_per_site_thresholds():
    f = xr.concat(
        [make_forecasts([3, 3, 3]), make_forecasts([9, 9, 9]) * 0.5],
        dim=pd.Index(["a", "b"], name="site"),
    )
    thr = xr.DataArray([50.0, 60.0], dims="site", coords={"site": ["a", "b"]})
    t = ensemble_trigger(f, thr, probability=0.3, persistence=2)
    assert t.first_trigger["a"] == 21600.0
    assert np.isnan(t.first_trigger["b"])  # 50 < 60: never exceeded
    assert len(t.table()) == 6


@pytest.mark.parametrize(
    "kwargs", [{"probability": 1.2}, {"probability": -0.1}, {"persistence": 0}]
)
def test_trigger_bad_parameters(kwargs):
    with pytest.raises(InputError):
        ensemble_trigger(make_forecasts([1, 2]), 50.0, **kwargs)


# --------------------------------------------------------------------------- lead time


def test_lead_time_outcomes_by_hand():
    warnings = pd.Series({"a": 1800.0, "b": 9000.0, "c": 600.0, "d": np.nan, "e": np.nan})
    onset = {"a": 5400.0, "b": 7200.0, "d": 3000.0, "e": np.nan}
    lt = lead_time(warnings, onset)
    assert lt.loc["a", "lead_time_s"] == 3600.0
    assert lt.loc["b", "lead_time_s"] == -1800.0
    assert lt["outcome"].to_dict() == {
        "a": "hit",
        "b": "late",
        "c": "false alarm",
        "d": "miss",
        "e": "correct negative",
    }
    v = verify(
        lt["warned"], lt["observed"], lead_time_s=lt.loc[lt["outcome"] == "hit", "lead_time_s"]
    )
    # a late warning is a miss: a = 1 (a), b = 1 (c), c = 2 (b, d), d = 1 (e)
    assert v.contingency().to_numpy().tolist() == [[1, 1], [2, 1]]
    assert v.lead_time_summary()["median"] == 3600.0


def test_lead_time_from_alerts_and_triggers():
    a = alert_levels(
        pd.DataFrame({"s": [0.0, 0.2, 0.6]}, index=[0.0, 600.0, 1200.0]),
        ThresholdRule("depth", yellow_m=0.1, orange_m=0.5),
    )
    assert lead_time(a, {"s": 1500.0}, level="yellow").loc["s", "lead_time_s"] == 900.0
    assert lead_time(a, {"s": 1500.0}).loc["s", "lead_time_s"] == 300.0
    t = ensemble_trigger(make_forecasts([5, 5]), 50.0, persistence=2)
    assert lead_time(t, {"all": 86400.0}).loc["all", "lead_time_s"] == 86400.0 - 21600.0


# --------------------------------------------------------------------------- decision clock


def test_decision_clock_by_hand():
    arrival = pd.Series({"A": 20000.0, "B": 12000.0, "C": 9000.0, "D": 3000.0, "E": np.nan})
    clearance = pd.Series({"A": 3600.0, "B": 2700.0, "C": 3600.0, "D": 1800.0, "E": 1800.0})
    c = decision_clock(
        arrival,
        dissemination="30min",
        response="1h",
        clearance=clearance,
        margin="30min",
        order_time="1h",
    )
    t = c.table
    # latest order = arrival - (1800 + 3600 + clearance) - 1800
    assert t["latest_order_s"].dropna().to_dict() == {
        "D": -6000.0,
        "C": -1800.0,
        "B": 2100.0,
        "A": 9200.0,
    }
    assert t.index.tolist() == ["D", "C", "B", "A", "E"]
    assert t["status"].to_dict() == {
        "D": "after arrival",
        "C": "too late",
        "B": "margin used",
        "A": "in time",
        "E": "not flooded",
    }
    assert t.loc["A", "slack_s"] == 5600.0
    assert t.loc["B", "completion_s"] == 3600.0 + 1800.0 + 3600.0 + 2700.0
    assert c.late_zones().tolist() == ["D", "C"]
    assert "after arrival: 1" in repr(c)
    assert len(c.plot().axes[0].patches) == 4 * 4  # four phases for each flooded zone


def test_decision_clock_without_order_and_bad_input():
    c = decision_clock({"z": 7200.0}, dissemination=600, response=1200, clearance=1800)
    assert c.table.loc["z", "latest_order_s"] == 3600.0
    assert "status" not in c.table.columns
    assert c.late_zones().empty
    with pytest.raises(InputError):
        decision_clock({"z": 7200.0}, dissemination=-600, response=0, clearance=0)
    with pytest.raises(InputError, match="no value for zones"):
        decision_clock(
            {"z": 7200.0, "y": 1.0}, dissemination=0, response=0, clearance=pd.Series({"z": 1.0})
        )


# --------------------------------------------------------------------------- verification


def test_scores_on_a_hand_built_contingency_table():
    a, b, c, d = 30, 10, 5, 55
    forecast = [1] * a + [1] * b + [0] * c + [0] * d
    observed = [1] * a + [0] * b + [1] * c + [0] * d
    v = verify(forecast, observed)
    assert v.contingency().to_numpy().tolist() == [[30, 10], [5, 55]]
    assert v.pod == pytest.approx(30 / 35)
    assert v.far == pytest.approx(10 / 40)
    assert v.csi == pytest.approx(30 / 45)
    assert v.bias == pytest.approx(40 / 35)
    assert v.pofd == pytest.approx(10 / 65)
    assert v.brier == pytest.approx((b + c) / 100)  # yes/no forecasts: the share wrong


def test_brier_score_by_hand():
    v = verify(
        [0.9, 0.7, 0.2, 0.1, 0.5],
        [1, 0, 0, 0, 1],
        lead_time_s=[600.0, 1200.0, np.nan, 1800.0, 3600.0],
    )
    # (0.01 + 0.49 + 0.04 + 0.01 + 0.25) / 5; climatology 0.4 x 0.6
    assert v.brier == pytest.approx(0.16, abs=1e-12)
    assert v.brier_skill == pytest.approx(1 - 0.16 / 0.24, abs=1e-12)
    # warnings at p >= 0.5: cases 1, 2 and 5
    assert v.contingency().to_numpy().tolist() == [[2, 1], [0, 2]]
    s = v.lead_time_summary()
    assert (s["count"], s["mean"], s["median"]) == (4.0, 1800.0, 1500.0)
    assert v.probabilistic
    assert len(v.plot().axes) == 3


def test_scores_without_events_are_nan():
    v = verify([0, 0, 1], [0, 0, 0])
    assert np.isnan(v.pod)
    assert np.isnan(v.bias)
    assert v.far == 1.0


@pytest.mark.parametrize(
    ("forecast", "observed"),
    [
        ([0.5, 1.2], [0, 1]),
        ([-0.1, 0.5], [0, 1]),
        ([0.5, np.nan], [0, 1]),
        ([0.5, 0.5], [0, 2]),
        ([1], [1, 0]),
    ],
)
def test_verify_bad_input(forecast, observed):
    with pytest.raises(InputError):
        verify(forecast, observed)
