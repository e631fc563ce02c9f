"""Prepositioning LP: a hand-solved instance, its budget curve in closed form, monotone unmet demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from drm.errors import InputError
from drm.shelter import preposition

WATER = pd.DataFrame({"unit_cost": [1.0], "penalty": [10.0]}, index=["water_l"])
TRANSPORT = pd.DataFrame({"site": ["A", "A", "B", "B"], "centre": ["X", "Y", "X", "Y"],
                          "cost_per_kg": [1.0, 3.0, 3.0, 1.0]})


def _scenarios():
    # s1 (p 0.6): 100 L needed at X; s2 (p 0.4): 100 L needed at Y.
    return pd.DataFrame({"scenario": ["s1", "s1", "s2", "s2"], "probability": [0.6, 0.6, 0.4, 0.4],
                         "centre": ["X", "Y", "X", "Y"], "item": ["water_l"] * 4, "demand": [100.0, 0, 0, 100.0]})


def test_hand_solved_instance_and_its_budget_curve():
    # Road A-X is closed in s1. Holding a units at A and 60 - a at B costs, in expectation,
    # 0.6 [3 (60 - a) + 10 (40 + a)] + 0.4 [(60 - a) + 3 a + 10 x 40] = 532 + 5 a: best a = 0, cost 532.
    closed = pd.DataFrame({"scenario": ["s1"], "site": ["A"], "centre": ["X"]})
    r = preposition(_scenarios(), ["A", "B"], ["water_l"], budget=60.0, costs=WATER, transport=TRANSPORT,
                    closed=closed, budget_levels=[0, 20, 40, 60, 80, 100, 120])
    assert r.plan.loc["A", "water_l"] == pytest.approx(0.0, abs=1e-9)
    assert r.plan.loc["B", "water_l"] == pytest.approx(60.0)
    assert r.costs["objective"] == pytest.approx(532.0)
    assert r.costs["transport"] == pytest.approx(0.6 * 180 + 0.4 * 60)
    assert r.expected_unmet["water_l"] == pytest.approx(40.0)
    assert r.expected_demand["water_l"] == pytest.approx(100.0)
    # with B units, all at B: cost 0.6 [3B + 10 (100 - B)] + 0.4 [B + 10 (100 - B)] = 1000 - 7.8 B up to B = 100
    b = r.curve["budget"].to_numpy()
    assert r.curve["objective"].to_numpy() == pytest.approx(1000 - 7.8 * np.minimum(b, 100))
    assert r.curve["unmet_water_l"].to_numpy() == pytest.approx(100 - np.minimum(b, 100), abs=1e-9)
    assert set(r.shipments["site"]) == {"B"}


def test_losing_the_site_stock_is_like_closing_its_road():
    losses = pd.DataFrame({"scenario": ["s1"], "site": ["A"], "fraction": [1.0]})
    r = preposition(_scenarios(), ["A", "B"], ["water_l"], budget=60.0, costs=WATER, transport=TRANSPORT,
                    losses=losses)
    assert r.costs["objective"] == pytest.approx(532.0)
    assert r.plan.loc["B", "water_l"] == pytest.approx(60.0)


def test_capacities_without_a_budget():
    # 30 kg at each site, all shipped in both scenarios: 0.6 (30 + 90 + 400) + 0.4 (90 + 30 + 400) = 520.
    r = preposition(_scenarios(), ["A", "B"], ["water_l"], capacities={"A": 30.0, "B": 30.0}, costs=WATER,
                    transport=TRANSPORT)
    assert r.plan["water_l"].tolist() == pytest.approx([30.0, 30.0])
    assert r.costs["objective"] == pytest.approx(520.0)
    assert r.curve is None
    sites = pd.DataFrame({"capacity_kg": [30.0, 30.0]}, index=["A", "B"])
    same = preposition(_scenarios(), sites, ["water_l"], costs=WATER, transport=TRANSPORT)
    assert same.costs["objective"] == pytest.approx(520.0)


def test_persons_scenarios_use_the_standard():
    sc = pd.DataFrame({"scenario": ["big", "small"], "probability": [0.25, 0.75], "centre": ["X", "X"],
                       "persons": [1000.0, 200.0]})
    costs = pd.DataFrame({"unit_cost": [0.5, 1.0], "holding_cost": 0.01}, index=["water_l", "food_ration"])
    r = preposition(sc, ["A"], ["water_l", "food_ration"], budget=1e9, costs=costs, days=3)
    expected = 0.25 * 1000 + 0.75 * 200
    assert r.expected_demand["water_l"] == pytest.approx(45 * expected)  # 15 L x 3 days
    assert r.expected_demand["food_ration"] == pytest.approx(3 * expected)
    assert r.plan.loc["A", "water_l"] == pytest.approx(45000.0)  # enough for the big scenario
    assert r.expected_unmet.sum() == pytest.approx(0.0, abs=1e-6)
    assert "PrepositionPlan" in repr(r)
    assert "<table" in r._repr_html_()
    assert isinstance(r.plot(), Figure)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    demand=st.lists(st.floats(0.0, 100.0), min_size=12, max_size=12),
    weights=st.lists(st.floats(0.2, 1.0), min_size=3, max_size=3),
    transport=st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
    closed=st.lists(st.booleans(), min_size=6, max_size=6),
    budgets=st.tuples(st.floats(0.0, 300.0), st.floats(0.0, 300.0)),
)
def test_a_larger_budget_never_increases_expected_unmet_demand(demand, weights, transport, closed, budgets):
    p = np.array(weights) / sum(weights)
    rows = []
    for n, (s, c, k) in enumerate((s, c, k) for s in range(3) for c in ("X", "Y") for k in ("water_l", "blanket")):
        rows.append((f"s{s}", p[s], c, k, demand[n]))
    sc = pd.DataFrame(rows, columns=["scenario", "probability", "centre", "item", "demand"])
    tr = pd.DataFrame({"site": ["A", "A", "B", "B", "C", "C"], "centre": ["X", "Y"] * 3, "cost_per_kg": transport})
    shut = pd.DataFrame([(f"s{n % 3}", "ABC"[n // 2], "XY"[n % 2]) for n in range(6) if closed[n]],
                        columns=["scenario", "site", "centre"])
    costs = pd.DataFrame({"unit_cost": [0.5, 2.0], "holding_cost": [0.01, 0.05], "penalty": [1000.0, 1000.0]},
                         index=["water_l", "blanket"])
    low, high = sorted(budgets)
    r = preposition(sc, ["A", "B", "C"], ["water_l", "blanket"], budget=high, costs=costs, transport=tr,
                    closed=shut, budget_levels=[0.0, low, high])
    unmet = r.curve[["unmet_water_l", "unmet_blanket"]].to_numpy()
    weighted = unmet @ np.array([1000.0, 1000.0])
    assert np.all(np.diff(weighted) <= 1e-6 * max(1.0, weighted.max()))
    assert np.all(r.curve["objective"].diff().dropna() <= 1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scenarios": _scenarios().assign(item="rice_kg")}, "standard 'sphere-2018' does not rate"),
        ({"items": ["food_energy_kcal"]}, "not a stock item"),
        ({"scenarios": _scenarios().assign(probability=0.7)}, "add up to 1.4"),
        ({"budget": None}, "needs budget"),
        ({"costs": None}, "unit_cost"),
        ({"losses": pd.DataFrame({"scenario": ["s1"], "site": ["A"], "fraction": [1.5]})}, "fraction"),
        ({"capacities": {"Z": 10.0}}, "capacities"),
    ],
)
def test_bad_inputs(kwargs, message):
    args = {"scenarios": _scenarios(), "sites": ["A", "B"], "items": ["water_l"], "budget": 60.0, "costs": WATER}
    args |= kwargs
    with pytest.raises(InputError, match=message):
        preposition(args.pop("scenarios"), args.pop("sites"), args.pop("items"), **args)
