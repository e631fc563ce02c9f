"""Needs and capacity: Sphere arithmetic for 1,000 people, BNPB weekly rates, InaSAFE's Jakarta figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from matplotlib.figure import Figure

from drm.demographics import default_profile
from drm.errors import InputError
from drm.shelter import capacity, needs


def test_sphere_arithmetic_for_1000_people():
    n = needs(1000)
    assert n.quantity("covered_space_m2") == pytest.approx(3500.0)
    assert n.quantity("water_l") == pytest.approx(15000.0)
    assert n.quantity("toilet") == 20
    assert n.table.loc["toilet", ["female", "male"]].tolist() == [15, 5]  # 3:1
    assert n.quantity("water_tap") == 4
    assert n.quantity("food_energy_kcal") == pytest.approx(2.1e6)
    assert n.quantity("food_ration") == pytest.approx(1000)
    assert n.quantity("blanket") == 1000
    assert n.quantity("jerrycan") == 2 * 250


def test_medium_term_toilets_and_rounding_up():
    n = needs(1000, phase="stabilised")
    # 1 per 20 is 50 toilets, 3:1: 37.5 for women and 12.5 for men, each rounded up
    assert n.table.loc["toilet", ["female", "male"]].tolist() == [38, 13]
    assert n.quantity("toilet") == 51
    one_more = needs(1001)  # 20.02 toilets at 1:50: 15.015 -> 16 for women, 5.005 -> 6 for men
    assert one_more.table.loc["toilet", ["quantity", "female", "male"]].tolist() == [22, 16, 6]
    assert one_more.quantity("water_tap") == 5


def test_split_toilets_round_up_each_part():
    """2,341 people at 1:50 need 46.8 toilets: 35.1 for women, 11.7 for men. Splitting the rounded
    47 gave 36 + 11 (each men's toilet then serving 106 men, for 100 under 3:1); each part is
    rounded up instead."""
    t = needs(2341).table.loc["toilet"]
    assert (t["female"], t["male"], t["quantity"]) == (36, 12, 48)
    men = needs(2341).table.loc["toilet", "basis_count"] / 2
    assert men / t["male"] <= 100.0


def test_periods_scale_with_days():
    week = needs(1000, days=7)
    assert week.quantity("water_l") == pytest.approx(105000.0)
    assert week.quantity("blanket") == 1000  # given once
    assert week.quantity("covered_space_m2") == 3500  # for the people present at once
    month = 365.25 / 12
    assert needs(1000, days=month).quantity("soap_bar_250g") == pytest.approx(1000)  # 250 g per person per month
    issued = needs(1000, days=7, prorate=False)
    assert issued.quantity("hygiene_kit") == 250  # one per household for a stay up to a month
    assert issued.quantity("water_l") == pytest.approx(105000.0)
    assert needs(1000, days=40, prorate=False).quantity("hygiene_kit") == 500


def test_bnpb_weekly_rates_and_inasafe_jakarta_report():
    one = needs(1, "bnpb-2008", days=7)
    assert one.quantity("rice_kg") == pytest.approx(2.8)
    assert one.quantity("drinking_water_l") == pytest.approx(17.5)
    assert one.quantity("clean_water_l") == pytest.approx(67.0)
    # InaSAFE flood report, Jakarta 2007 event, 979,000 people to evacuate (BNPB regulation 7/2008):
    jakarta = needs(979_000, "bnpb-2008", days=7)
    expected = {"rice_kg": 2_741_200, "drinking_water_l": 17_132_500, "clean_water_l": 65_593_000,
                "family_kit": 195_800, "toilet": 48_950}
    for item, value in expected.items():
        assert jakarta.quantity(item) == pytest.approx(value, rel=1e-12), item


def test_national_profiles():
    ph = needs(1000, "philippines-2013")
    assert ph.quantity("drinking_water_l") == 3000
    assert ph.quantity("clean_water_l") == 12000
    assert ph.quantity("toilet") == 50
    assert math.isnan(ph.table.loc["toilet", "female"])
    assert needs(1000, "sphere-2018-transit-day").quantity("water_l") == 3000


def test_demographic_breakdown():
    n = needs({"person": 1000, "woman_15_49": 300, "household": 200})
    assert n.quantity("menstrual_hygiene_kit") == 300
    assert n.quantity("jerrycan") == 400
    default = needs(1000)
    assert default.quantity("menstrual_hygiene_kit") == pytest.approx(1000 * default_profile().shares["woman_15_49"])
    with pytest.raises(InputError, match="unknown"):
        needs({"person": 10, "teenagers": 3})
    with pytest.raises(InputError, match="more than person"):
        needs({"person": 10, "female": 30})
    with pytest.raises(InputError, match="days"):
        needs(10, days=0)


def test_needs_readable_forms():
    n = needs(1000)
    assert "toilet: 20 toilet (15 female, 5 male)" in repr(n)
    assert "<table" in n._repr_html_()
    assert isinstance(n.plot(), Figure)


def test_capacity_of_the_sample_centres(town):
    cap = capacity(town.centres)
    # hazard_data/README.md: nominal capacity at 3.5 m² per person
    nominal = [528, 657, 271, 148, 457, 62, 74, 342, 371, 80, 428, 120]
    assert cap["by_space"].tolist() == nominal
    assert (cap["by_toilets"] == town.centres["toilets"] * 50).all()
    assert (cap["by_taps"] == town.centres["taps"] * 250).all()
    assert cap.loc["C04", "by_water_storage"] == 133  # 2,000 L / 15 L per person per day
    assert cap.loc["C04", "binding"] == "water_storage"
    assert cap.loc["C04", "capacity_persons"] == 133
    assert cap.loc["C01", "binding"] == "space"
    assert (cap["capacity_persons"] == cap.drop(columns="binding").min(axis=1)).all()


def test_capacity_binding_constraints_and_errors():
    c = pd.DataFrame({"id": ["A", "B"], "floor_area_m2": [700.0, 700.0], "toilets": [2, 10], "taps": [1, 0],
                      "water_storage_l": [9000.0, 9000.0], "capacity_persons": [None, 150]})
    cap = capacity(c)
    assert cap.loc["A", ["capacity_persons", "binding"]].tolist() == [100, "toilets"]
    assert cap.loc["B", ["capacity_persons", "binding"]].tolist() == [0, "taps"]
    assert cap.loc["B", "by_declared"] == 150
    assert capacity(c, phase="stabilised").loc["A", "by_toilets"] == 40
    assert capacity(c, storage_days=3).loc["A", "by_water_storage"] == 200
    with pytest.raises(InputError, match="centre 'A' has floor_area_m2"):
        capacity(c.assign(floor_area_m2=[None, 700.0]))  # no floor area and nothing declared
    # a declared capacity stands in for an unsurveyed floor area: the other limits still apply
    unsurveyed = capacity(c.assign(floor_area_m2=[700.0, None], taps=[1, 1]))
    assert unsurveyed.loc["B", ["capacity_persons", "binding"]].tolist() == [150, "declared"]
    with pytest.raises(InputError, match="floor_area_m2"):
        capacity(c.drop(columns="floor_area_m2"))
    with pytest.raises(InputError, match="no covered-space rate"):
        capacity(c, "bnpb-2008")


def test_unsurveyed_facilities_limit_neither_capacity_nor_assessment(tmp_path):
    """A centres file without toilet, tap or water columns: capacity from floor area only."""
    from drm.io import read_centres
    from drm.shelter import assess

    path = tmp_path / "centres.csv"
    path.write_text("id,name,x,y,floor_area_m2\nA,Escuela,0,0,350\nB,Iglesia,100,0,700\n")
    centres = read_centres(path)
    cap = capacity(centres, "sphere-2018")
    # Sphere: 3.5 m² of covered space per person
    assert cap["capacity_persons"].tolist() == [100.0, 200.0]
    assert set(cap["binding"]) == {"space"}
    table = assess(centres, {"A": 80.0, "B": 150.0}, "sphere-2018").table
    assert len(table) > 0
