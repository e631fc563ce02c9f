"""Centre assessment: values, statuses and shortfalls worked out by hand; the sample town's centres."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from drm.errors import InputError
from drm.shelter import assess, capacity, load_standard, simulate_operations


def _centre(**extra):
    base = {"id": ["A"], "floor_area_m2": [350.0], "toilets": [1], "taps": [1], "water_storage_l": [1000.0],
            "accessible": [True]}
    return pd.DataFrame(base | {k: [v] for k, v in extra.items()})


def _row(a, indicator):
    return a.table.set_index("indicator").loc[indicator]


def test_one_centre_by_hand():
    a = assess(_centre(), {"A": 120})
    space = _row(a, "covered space")
    assert space["value"] == pytest.approx(350 / 120)
    assert space["status"] == "fails"
    assert space["shortfall"] == pytest.approx(3.5 * 120 - 350)  # 70 m² missing
    toilets = _row(a, "persons per toilet")
    assert (toilets["value"], toilets["status"], toilets["shortfall"]) == (120.0, "fails", 2.0)  # 3 needed
    assert _row(a, "persons per tap")["status"] == "meets"
    water = _row(a, "water per person per day")
    assert water["value"] == pytest.approx(1000 / 120)
    assert water["shortfall"] == pytest.approx((15 - 1000 / 120) * 120)  # 800 L a day
    cap = _row(a, "occupancy within capacity")  # min(100 by space, 50 by toilets, 66 by storage) = 50
    assert (cap["target"], cap["shortfall"]) == (50.0, 70.0)
    assert _row(a, "step-free access")["status"] == "meets"
    assert _row(a, "female share of toilets")["status"] == "no data"
    assert "outside hazard zone" not in a.table["indicator"].tolist()


def test_meeting_every_standard_and_the_female_share():
    c = _centre(floor_area_m2=3500.0, toilets=20, toilets_female=15, toilets_male=5, taps=4,
                water_storage_l=15000.0, showers=20)
    a = assess(c, {"A": 1000})
    assert (a.table["status"] == "meets").all()
    assert (a.table["shortfall"] == 0).all()
    short = assess(c.assign(toilets_female=10, toilets_male=10), {"A": 1000})
    female = _row(short, "female share of toilets")
    assert (female["value"], female["status"], female["shortfall"]) == (0.5, "fails", 5.0)
    later = assess(c, {"A": 1000}, phase="stabilised")
    assert _row(later, "persons per toilet")["shortfall"] == 30  # 1 per 20: 50 needed


def test_hazard_zone_and_empty_centres():
    c = pd.concat([_centre(), _centre().assign(id="B"), _centre().assign(id="C")])
    a = assess(c, {"A": 50, "B": 0}, hazard={"A": 0.4, "B": False})
    status = a.table.set_index(["centre", "indicator"])["status"]
    assert status[("A", "outside hazard zone")] == "fails"
    assert status[("B", "outside hazard zone")] == "meets"
    assert status[("C", "outside hazard zone")] == "no data"
    assert status[("B", "covered space")] == "not occupied"
    assert assess(c, {"A": 50}, hazard={"A": 0.4}, depth_threshold_m=0.5).table.set_index(
        ["centre", "indicator"]).loc[("A", "outside hazard zone"), "status"] == "meets"
    assert assess(c, {"A": 50}, hazard={"A": True}).table.set_index(
        ["centre", "indicator"]).loc[("A", "outside hazard zone"), "status"] == "fails"
    grid = a.checklist()
    assert grid.shape == (3, a.table["indicator"].nunique())
    assert grid.loc["A", "outside hazard zone"] == "✗"
    assert grid.loc["B", "covered space"] == "-"
    assert isinstance(a.plot(), Figure)
    assert "<table" in a._repr_html_()


def test_assessing_a_simulation_uses_its_peak_and_its_water():
    std = load_standard()
    stock = pd.DataFrame({"site_id": ["A"], "item": ["water_l"], "quantity": [6000.0]})
    arrivals = pd.DataFrame({"time_s": [0.0, 86400.0], "centre": ["A", "A"], "persons": [100.0, 100.0]})
    r = simulate_operations(arrivals, _centre(), stock, standard=std, days=3)
    a = assess(_centre(), r)
    assert a.occupancy["A"] == 200
    # 6,000 L over 100 x 1 + 200 x 2 = 500 person-days
    assert _row(a, "water per person per day")["value"] == pytest.approx(6000 / 500)


def test_sample_town_at_capacity_with_flood_depths(town):
    cap = capacity(town.centres)["capacity_persons"]
    depth = pd.Series(0.0, index=town.centres.index)
    depth[["C03", "C05", "C10"]] = [0.6, 0.9, 1.1]  # the three centres on the floodplain
    a = assess(town.centres, cap, hazard=depth)
    status = a.table.pivot(index="centre", columns="indicator", values="status")
    assert (status["covered space"] == "meets").all()  # capacity never exceeds floor area / 3.5
    assert (status["occupancy within capacity"] == "meets").all()
    assert sorted(status.index[status["outside hazard zone"] == "fails"]) == ["C03", "C05", "C10"]
    assert sorted(status.index[status["step-free access"] == "fails"]) == ["C06", "C12"]
    showers = a.table[(a.table["indicator"] == "persons per shower") & (a.table["centre"] == "C03")].iloc[0]
    assert np.isinf(showers["value"])
    assert showers["shortfall"] == np.ceil(cap["C03"] / 50)


def test_bad_occupancy():
    with pytest.raises(InputError, match="centre 'Z'"):
        assess(_centre(), {"Z": 10})
    with pytest.raises(InputError, match="negative"):
        assess(_centre(), {"A": -1})
    with pytest.raises(InputError, match="occupancy must be"):
        assess(_centre(), 12)
