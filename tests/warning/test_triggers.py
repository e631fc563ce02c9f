"""Trigger rules combining model and community: levels, sources, lead time, rule comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from drm.errors import InputError
from drm.io import rainfall_grid
from drm.warning import (
    Condition,
    Trigger,
    TriggerInputs,
    TriggerRule,
    compare_rules,
    decision_clock,
    evaluate_triggers,
    read_observers,
    simulate_observations,
)

H = 3600.0
NAN = float("nan")


def reports(*rows):
    """Observations table from (point, kind, reported_s, value) rows."""
    return pd.DataFrame(rows, columns=["point", "kind", "reported_s", "value"])


def gauge(point, t, v):
    return (point, "staff_gauge", t, v)


def sign(point, t):
    return (point, "indicator", t, 1.0)


ORANGE = Trigger("orange", [Condition.gauge(0.8), Condition.indicators(2)])


def test_lead_time_is_the_arrival_minus_the_first_orange():
    obs = reports(
        gauge("G1", 1800.0, 0.3), sign("I1", 2700.0), gauge("G1", 3600.0, 0.85),
        sign("I2", 4500.0), gauge("G1", 5400.0, 0.5),
    )  # fmt: skip
    inputs = TriggerInputs(observations=obs, arrival={"A": 5 * H, "B": NAN}, clearance="1h")
    ta = evaluate_triggers(TriggerRule(ORANGE), inputs)
    assert ta.levels.index.tolist() == [0.0, 1800.0, 2700.0, 3600.0, 4500.0, 5400.0]
    # the gauge gives orange at 1 h; two indicators hold it once the gauge drops at 1h30
    assert ta.levels["A"].tolist() == [0, 0, 0, 2, 2, 2]
    assert ta.first_time("orange").to_dict() == {"A": 3600.0, "B": 3600.0}
    lt = ta.lead_time({"A": 5 * H, "B": NAN})
    assert lt.loc["A", "lead_time_s"] == 5 * H - 3600.0  # arrival - first orange = 4 h
    assert lt["outcome"].tolist() == ["hit", "false alarm"]
    assert lt.loc["A", "source"] == "observed"
    # with "all", orange only while the gauge is high and two indicators are in: [1h15, 1h30)
    both = Trigger("orange", ORANGE.conditions, combine="all")
    ta = evaluate_triggers(TriggerRule(both), inputs)
    assert ta.levels["A"].tolist() == [0, 0, 0, 0, 2, 0]
    assert ta.lead_time({"A": 5 * H})["lead_time_s"]["A"] == 5 * H - 4500.0


def test_levels_and_the_source_of_each_first_trigger():
    # 20, 30, 10, 0, 0, 0 mm/h: 3-hour totals at the interval ends 20, 50, 60, 40, 10, 0 mm
    rates = np.array([20.0, 30.0, 10.0, 0.0, 0.0, 0.0])[:, None, None] * np.ones((6, 2, 2))
    rain = rainfall_grid(rates, x=[5.0, 15.0], y=[15.0, 5.0], time_s=H * np.arange(6))
    basin = xr.DataArray(
        np.ones((2, 2)), dims=("y", "x"), coords={"y": [15.0, 5.0], "x": [5.0, 15.0]}
    )
    clock = decision_clock(
        {"A": 7 * H}, dissemination="15min", response="15min", clearance="2h"
    )  # red from 7 h - 2 h - 1 h = 4 h
    rule = TriggerRule(
        [
            Trigger("yellow", Condition.rain(40, "3h")),
            Trigger("orange", Condition.gauge(0.8)),
            Trigger("red", Condition.arrival_minus_clearance("1h")),
        ],
        name="mixed",
    )
    obs = reports(gauge("G1", 3 * H, 0.9))
    inputs = TriggerInputs(observations=obs, rainfall=rain, areas=basin, decision=clock)
    ta = evaluate_triggers(rule, inputs)
    first = ta.sources.loc["A"]
    assert first["first_s"].to_dict() == {"yellow": 2 * H, "orange": 3 * H, "red": 4 * H}
    assert first["source"].to_dict() == {"yellow": "model", "orange": "observed", "red": "model"}
    assert first.loc["red", "conditions"] == "arrival - clearance <= 1h"
    assert ta.levels["A"].loc[2 * H] == 1
    assert ta.levels["A"].loc[5 * H] == 3
    # a forecast 1 h ahead raises yellow an hour earlier
    ahead = TriggerRule(Trigger("yellow", Condition.rain(40, "3h", ahead="1h")))
    assert evaluate_triggers(ahead, inputs).first_time("yellow")["A"] == 1 * H
    text = repr(ta)
    assert "zones reaching red" in text
    assert "first trigger model: 1" in text
    assert "TriggerAlerts" in ta._repr_html_()


def test_gauge_marks_and_the_zones_each_point_serves(tmp_path):
    path = tmp_path / "observers.csv"
    path.write_text(
        "id,name,kind,x,y,channel,marks,zones\n"
        "G1,Puente,staff_gauge,5,5,radio,pilar del puente=0.7,A\n"
        "G2,Vado,staff_gauge,15,5,radio,Pilar del Puente=1.5,B\n",
        encoding="utf-8",
    )
    observers = read_observers(path)
    obs = reports(gauge("G1", H, 0.8), gauge("G2", H, 0.8), gauge("G2", 2 * H, 1.6))
    rule = TriggerRule(Trigger("orange", Condition.gauge(mark="pilar del puente")))
    inputs = TriggerInputs(zones=["A", "B"], observations=obs, observers=observers)
    first = evaluate_triggers(rule, inputs).first_time("orange")
    assert first.to_dict() == {"A": H, "B": 2 * H}  # each gauge its own height of the mark
    with pytest.raises(InputError, match="no staff gauge has the mark 'piedra'"):
        evaluate_triggers(TriggerRule(Trigger("orange", Condition.gauge(mark="piedra"))), inputs)


def test_indicators_count_within_a_window():
    obs = reports(sign("I1", 1000.0), sign("I2", 5000.0), sign("I2", 6000.0))
    inputs = TriggerInputs(observations=obs)
    short = TriggerRule(Trigger("orange", Condition.indicators(2, within="1h")))
    assert np.isnan(evaluate_triggers(short, inputs).first_time("orange")["all"])
    long = evaluate_triggers(
        TriggerRule(Trigger("orange", Condition.indicators(2, within="2h"))), inputs
    )
    levels = long.levels["all"]
    assert levels.loc[5000.0] == 2
    assert levels.loc[1000.0 + 7200.0] == 0
    one = TriggerRule(Trigger("yellow", Condition.indicators(1, points=["I2"])))
    assert evaluate_triggers(one, inputs).first_time("yellow")["all"] == 5000.0


def test_simulated_reports_count_from_when_they_are_reported(tmp_path):
    # a gauge whose depth rises 0, 0.5, 1.0 m at 0, 15, 30 min, reported 20 min late
    path = tmp_path / "observers.csv"
    path.write_text("id,kind,x,y,channel,delay\nG1,staff_gauge,5,5,radio,20min\n", encoding="utf-8")
    ds = xr.Dataset(
        {
            "depth": (
                ("time", "y", "x"),
                np.array([0.0, 0.5, 1.0])[:, None, None] * np.ones((3, 2, 2)),
            )
        },
        coords={"time": [0.0, 900.0, 1800.0], "y": [15.0, 5.0], "x": [5.0, 15.0]},
    )
    obs = simulate_observations(read_observers(path), flood=ds, seed=0, interval="15min")
    rule = TriggerRule(Trigger("orange", Condition.gauge(0.8)))
    ta = evaluate_triggers(rule, TriggerInputs(observations=obs, arrival={"A": 2 * H}))
    assert ta.first_time("orange")["A"] == 1800.0 + 1200.0  # read at 30 min, known at 50 min


def member(forecast, onset, rows):
    return TriggerInputs(
        observations=reports(*rows), arrival={"A": forecast}, onset={"A": onset}, clearance="1h"
    )


def test_compare_rules_over_members_by_hand():
    members = [
        member(
            19800.0, 18000.0, [gauge("G1", 7200.0, 0.9), sign("I1", 3600.0), sign("I2", 5400.0)]
        ),
        member(
            12600.0, 10800.0, [gauge("G1", 9000.0, 0.9), sign("I1", 1800.0), sign("I2", 3600.0)]
        ),
        member(14400.0, NAN, [gauge("G1", 3000.0, 0.3), sign("I1", 3000.0), sign("I2", 4000.0)]),
        member(NAN, 7200.0, [gauge("G1", 9000.0, 0.9), sign("I1", 6000.0)]),
    ]
    rules = [
        TriggerRule(Trigger("orange", Condition.gauge(0.8)), name="gauge"),
        TriggerRule(Trigger("orange", Condition.indicators(2)), name="indicators"),
        TriggerRule(Trigger("orange", Condition.arrival_minus_clearance("1h")), name="clock"),
    ]
    t = compare_rules(rules, members)
    assert t.index.tolist() == ["gauge", "indicators", "clock"]
    # gauge: hits with 3 h and 30 min, one late (member 4), no false alarm
    g = t.loc["gauge"]
    counts = ["hits", "late", "misses", "false_alarms", "correct_negatives"]
    assert g[counts].tolist() == [2, 1, 1, 0, 1]
    assert (g["pod"], g["far"], g["csi"]) == pytest.approx((2 / 3, 0.0, 2 / 3))
    assert g["lead_time_median_s"] == pytest.approx((10800.0 + 1800.0) / 2)
    assert g["observed_first"] == 1.0
    # indicators: hits with 3h30 and 2 h, a false alarm in the dry member, a miss in the last
    i = t.loc["indicators"]
    assert (i["hits"], i["misses"], i["false_alarms"]) == (2, 1, 1)
    assert (i["pod"], i["far"], i["csi"]) == pytest.approx((2 / 3, 1 / 3, 0.5))
    assert i["lead_time_median_s"] == pytest.approx((12600.0 + 7200.0) / 2)
    # clock: forecast arrival - 1 h clearance - 1 h: 1h30 ahead each time, a false alarm, a miss
    c = t.loc["clock"]
    assert (c["hits"], c["misses"], c["false_alarms"]) == (2, 1, 1)
    assert c["lead_time_median_s"] == pytest.approx(5400.0)
    assert c["lead_time_min_s"] == 5400.0
    assert c["observed_first"] == 0.0
    ranked = compare_rules(rules, members, max_far=0.2)
    assert ranked.index.tolist() == ["gauge", "indicators", "clock"]
    assert ranked["acceptable"].tolist() == [True, False, False]
    ranked = compare_rules(rules, members, max_far=0.5)
    assert ranked.index.tolist() == ["indicators", "gauge", "clock"]  # most lead time first


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Condition.rain(0, "3h"), "must be > 0 mm"),
        (lambda: Condition("rain", 0.04), "give its window"),
        (lambda: Condition.gauge(), "either metres"),
        (lambda: Condition.gauge(0.8, mark="pilar"), "not both"),
        (lambda: Condition.indicators(0), "whole number >= 1"),
        (lambda: Condition.indicators(2, within=0), "within must be > 0"),
        (lambda: Condition("snow", 1.0), "kind must be one of"),
        (lambda: Trigger("green", Condition.gauge(0.8)), "use level yellow, orange or red"),
        (lambda: Trigger("orange", []), "one or more Condition"),
        (lambda: Trigger("orange", Condition.gauge(0.8), combine="most"), "'any' or 'all'"),
        (lambda: TriggerRule([]), "one or more Trigger"),
    ],
)
def test_bad_rules_are_refused(make, words):
    with pytest.raises(InputError, match=words):
        make()


def test_missing_inputs_name_the_rule_and_the_fix():
    rain = TriggerRule(Trigger("yellow", Condition.rain(40, "3h")), name="lluvia")
    with pytest.raises(InputError, match=r"rule 'lluvia'.*needs the forecast rain"):
        evaluate_triggers(rain, TriggerInputs(areas=xr.DataArray(np.ones((1, 1)), dims=("y", "x"))))
    gauge_rule = TriggerRule(Trigger("orange", Condition.gauge(0.8)), name="regla")
    with pytest.raises(InputError, match=r"rule 'regla'.*needs reports"):
        evaluate_triggers(gauge_rule, TriggerInputs())
    clock_rule = TriggerRule(Trigger("red", Condition.arrival_minus_clearance("1h")))
    with pytest.raises(
        InputError, match=r"needs TriggerInputs\(arrival=\.\.\., clearance=\.\.\.\)"
    ):
        evaluate_triggers(clock_rule, TriggerInputs(arrival={"A": H}))
    with pytest.raises(InputError, match="distinct names"):
        compare_rules([gauge_rule, gauge_rule], [TriggerInputs(arrival={"A": H})])
