"""Sphere WASH siting on hand-built layouts: every distance, depth and count worked out by hand.

Points lie on lines, so each distance is exact (a latrine at x=31 is 29 m from a well at x=60).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.figure import Figure

from drm.errors import GridError, InputError
from drm.shelter import WashPlan, WashRules, load_standard, site_wash


def _table(rows: dict[str, dict]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index")


def _shelter(persons=100.0, x=0.0, y=0.0, name="S1"):
    return _table({name: {"x": x, "y": y, "persons": persons}})


def _grid(values, x0=0.0, y0=0.0, cell=10.0):
    """A north-up grid whose lower-left corner is (x0, y0), cells of ``cell`` m (one row: doubled)."""
    values = np.asarray(values, dtype=float)
    if values.shape[0] == 1:  # drm grids have at least 2 x 2 cells
        values = np.vstack([values, values])
    ny, nx = values.shape
    ys = y0 + cell * (np.arange(ny)[::-1] + 0.5)
    xs = x0 + cell * (np.arange(nx) + 0.5)
    return xr.DataArray(values, dims=("y", "x"), coords={"y": ys, "x": xs})


WELL = _table({"W1": {"x": 60.0, "y": 0.0}})


# --------------------------------------------------------------------------- groundwater sources
def test_latrine_29_m_from_a_well_is_rejected_31_m_accepted():
    cands = _table(
        {
            "L29": {"x": 31.0, "y": 0.0, "kind": "latrine"},  # 29 m from W1, 31 m from S1
            "L30": {"x": 30.0, "y": 0.0, "kind": "latrine"},  # exactly 30 m: "at least 30 m"
            "L31": {"x": 29.0, "y": 0.0, "kind": "latrine"},
        }
    )
    plan = site_wash(_shelter(), cands, sources=WELL)
    p = plan.points
    assert p.loc["L29", "reason"] == "29.0 m from source W1, Sphere asks >= 30 m"
    assert p["accepted"].tolist() == [False, True, True]
    assert p["source_distance_m"].tolist() == [29.0, 30.0, 31.0]
    assert p.loc["L31", "reason"] == ""
    assert p["nearest_source"].tolist() == ["W1"] * 3
    assert p.loc["L31", "shelter_distance_m"] == 29.0


def test_an_accepted_groundwater_water_point_is_a_source_a_rejected_one_is_not():
    cands = _table(
        {
            "B1": {"x": 50.0, "y": 0.0, "kind": "water_point", "groundwater": True},
            "L1": {"x": 30.0, "y": 0.0, "kind": "latrine"},  # 20 m from the borehole B1
        }
    )
    plan = site_wash(_shelter(), cands)
    assert plan.points.loc["L1", "reason"] == "20.0 m from source B1, Sphere asks >= 30 m"
    flood = _grid([[0.0] * 5 + [1.0] + [0.0] * 2], x0=0.0, y0=-5.0)  # B1's cell (50..60 m): 1 m
    plan = site_wash(_shelter(), cands, flood_depth=flood)
    assert plan.points["accepted"].tolist() == [False, True]
    assert plan.points.loc["B1", "reason"] == "1.00 m deep in the design flood, above 0.15 m"
    assert len(plan.sources) == 0


# --------------------------------------------------------------------------- water points and taps
def test_water_point_at_499_m_covers_the_shelter_at_501_m_it_does_not():
    near = site_wash(_shelter(), _table({"T1": {"x": 499.0, "y": 0.0, "kind": "water_point"}}))
    assert bool(near.points.loc["T1", "accepted"])
    s = near.shelters.loc["S1"]
    assert (s["water_point"], s["water_distance_m"], bool(s["water_covered"])) == (
        "T1",
        499.0,
        True,
    )
    assert s["persons_per_tap"] == 100.0
    far = site_wash(_shelter(), _table({"T1": {"x": 501.0, "y": 0.0, "kind": "water_point"}}))
    assert (
        far.points.loc["T1", "reason"]
        == "501.0 m from the nearest shelter S1, Sphere asks <= 500 m"
    )
    s = far.shelters.loc["S1"]
    assert not s["water_covered"]
    assert not s["ok"]
    assert s["missing"].startswith("no water point within 500 m (none accepted)")


def test_a_water_point_kept_for_one_shelter_leaves_a_farther_one_uncovered():
    shelters = _table(
        {"S1": {"x": 0.0, "y": 0.0, "persons": 50}, "S2": {"x": 1000.0, "y": 0.0, "persons": 50}}
    )
    plan = site_wash(shelters, _table({"T1": {"x": 499.0, "y": 0.0, "kind": "water_point"}}))
    assert plan.shelters["water_covered"].tolist() == [True, False]
    assert plan.shelters.loc["S2", "water_distance_m"] == 501.0
    assert (
        "no water point within 500 m (nearest accepted: T1 at 501 m)"
        in plan.shelters.loc["S2", "missing"]
    )
    assert plan.points.loc["T1", "served_persons"] == 50.0  # the uncovered shelter is not counted


@pytest.mark.parametrize(
    ("taps", "per_tap", "extra"), [(2, 300.0, 1.0), (3, 200.0, 0.0), (1, 600.0, 2.0)]
)
def test_600_persons_on_a_water_point_need_3_taps(taps, per_tap, extra):
    shelters = _table(  # two shelters share the water point: 200 + 400 = 600 persons
        {"S1": {"x": 0.0, "y": 0.0, "persons": 200}, "S2": {"x": 0.0, "y": 100.0, "persons": 400}}
    )
    cands = _table({"T1": {"x": 100.0, "y": 0.0, "kind": "water_point", "taps": taps}})
    plan = site_wash(shelters, cands)
    assert plan.points.loc["T1", "served_persons"] == 600.0
    assert plan.points.loc["T1", "extra_taps"] == extra
    assert plan.shelters["persons_per_tap"].tolist() == [per_tap, per_tap]
    assert plan.shelters["extra_taps"].tolist() == [extra, extra]
    tap_text = [m for m in plan.shelters.loc["S2", "missing"].split("; ") if "tap" in m]
    if extra:
        assert tap_text == [
            f"{extra:.0f} more tap{'s' if extra > 1 else ''} at T1 (600 persons on {taps} "
            f"tap{'s' if taps > 1 else ''}, {per_tap:.0f} per tap, Sphere asks <= 250)"
        ]
    else:
        assert tap_text == []


def test_each_shelter_takes_its_nearest_accepted_water_point():
    shelters = _table(
        {"S1": {"x": 0.0, "y": 0.0, "persons": 300}, "S2": {"x": 400.0, "y": 0.0, "persons": 100}}
    )
    cands = _table(
        {
            "T1": {"x": 100.0, "y": 0.0, "kind": "water_point", "taps": 2},
            "T2": {"x": 350.0, "y": 0.0, "kind": "water_point"},
        }
    )
    plan = site_wash(shelters, cands)
    assert plan.shelters["water_point"].tolist() == ["T1", "T2"]
    assert plan.shelters["water_distance_m"].tolist() == [100.0, 50.0]
    assert plan.points["served_persons"].tolist() == [300.0, 100.0]
    assert plan.shelters["persons_per_tap"].tolist() == [150.0, 100.0]


# --------------------------------------------------------------------------- water table
def test_pit_clearance_above_the_water_table():
    cands = _table({"L1": {"x": 20.0, "y": 0.0, "kind": "latrine"}})
    shallow = site_wash(_shelter(), cands, water_table=3.0)  # 3.0 - 2.0 m pit = 1.0 m < 1.5 m
    p = shallow.points.loc["L1"]
    assert not p["accepted"]
    assert p["pit_clearance_m"] == pytest.approx(1.0, abs=1e-12)
    assert p["reason"] == (
        "pit bottom 1.00 m above the water table (3.00 m deep, pit 2 m), Sphere asks >= 1.5 m above"
    )
    deep = site_wash(_shelter(), cands, water_table=4.0)
    assert bool(deep.points.loc["L1", "accepted"])
    assert deep.points.loc["L1", "pit_clearance_m"] == pytest.approx(2.0, abs=1e-12)
    # a 1 m pit in the same 3 m: 2 m clearance; a 3.5 m pit: 0.5 m into the water table
    assert bool(
        site_wash(_shelter(), cands, water_table=3.0, rules=WashRules(pit_depth_m=1.0)).points.loc[
            "L1", "accepted"
        ]
    )
    into = site_wash(_shelter(), cands, water_table=3.0, rules=WashRules(pit_depth_m=3.5))
    assert into.points.loc["L1", "reason"].startswith("pit bottom 0.50 m below the water table")


def test_water_table_grid_is_sampled_at_the_candidate_cell():
    # 2 x 2 cells of 10 m over x 0..20, y -10..10; row 0 is the northern one
    table = _grid([[3.0, 4.0], [3.4, 3.6]], x0=0.0, y0=-10.0)
    cands = _table(
        {
            "NW": {"x": 5.0, "y": 5.0, "kind": "latrine"},  # 3.0 m: rejected
            "NE": {"x": 15.0, "y": 5.0, "kind": "latrine"},  # 4.0 m: accepted
            "SW": {"x": 5.0, "y": -5.0, "kind": "latrine"},  # 3.4 m: 1.4 m, rejected
            "SE": {"x": 15.0, "y": -5.0, "kind": "latrine"},  # 3.6 m: 1.6 m, accepted
            "T1": {"x": 30.0, "y": 0.0, "kind": "water_point"},  # outside the grid: not sampled
        }
    )
    plan = site_wash(_shelter(x=10.0, y=0.0), cands, water_table=table)
    p = plan.points
    assert p["water_table_depth_m"].iloc[:4].tolist() == [3.0, 4.0, 3.4, 3.6]
    assert np.isnan(p.loc["T1", "water_table_depth_m"])
    assert p["accepted"].tolist() == [False, True, False, True, True]
    np.testing.assert_allclose(p["pit_clearance_m"].iloc[:4], [1.0, 2.0, 1.4, 1.6], atol=1e-12)


# --------------------------------------------------------------------------- flooding
def test_flooded_candidate_is_rejected_dry_one_accepted():
    flood = _grid([[0.42, np.nan, 0.15]], x0=0.0, y0=-5.0)  # NaN: dry
    cands = _table(
        {
            "WET": {"x": 5.0, "y": 0.0, "kind": "water_point"},
            "DRY": {"x": 15.0, "y": 0.0, "kind": "latrine"},
            "KERB": {"x": 25.0, "y": 0.0, "kind": "latrine"},  # 0.15 m: at the limit, accepted
        }
    )
    plan = site_wash(_shelter(x=15.0), cands, flood_depth=flood)
    p = plan.points
    assert p.loc["WET", "reason"] == "0.42 m deep in the design flood, above 0.15 m"
    assert p["accepted"].tolist() == [False, True, True]
    assert p["flood_depth_m"].tolist() == [0.42, 0.0, 0.15]
    stricter = site_wash(
        _shelter(x=15.0), cands, flood_depth=flood, rules=WashRules(max_flood_depth_m=0.1)
    )
    assert stricter.points["accepted"].tolist() == [False, True, False]


def test_every_failed_rule_is_in_the_reason():
    flood = _grid([[0.5, 0.5, 0.5, 0.5]], x0=0.0, y0=-5.0)
    cands = _table({"L1": {"x": 35.0, "y": 0.0, "kind": "latrine"}})
    wells = _table({"W1": {"x": 40.0, "y": 0.0}})
    plan = site_wash(_shelter(x=-20.0), cands, sources=wells, water_table=2.5, flood_depth=flood)
    reasons = plan.points.loc["L1", "reason"].split("; ")
    assert reasons == [
        "0.50 m deep in the design flood, above 0.15 m",
        "55.0 m from the nearest shelter S1, Sphere asks <= 50 m",
        "5.0 m from source W1, Sphere asks >= 30 m",
        "pit bottom 0.50 m above the water table (2.50 m deep, pit 2 m), Sphere asks >= 1.5 m above",
    ]


# --------------------------------------------------------------------------- latrines per shelter
def _camp():
    """S1 with a lit female and a lit male latrine; S2 with one unlit female latrine only."""
    shelters = _table(
        {"S1": {"x": 0.0, "y": 0.0, "persons": 40}, "S2": {"x": 200.0, "y": 0.0, "persons": 40}}
    )
    cands = _table(
        {
            "T1": {"x": 100.0, "y": 0.0, "kind": "water_point"},
            "LF": {"x": 20.0, "y": 0.0, "kind": "latrine", "sex": "female", "lit": True},
            "LM": {"x": 0.0, "y": 30.0, "kind": "latrine", "sex": "male", "lit": True},
            "L51": {"x": 0.0, "y": -51.0, "kind": "latrine", "sex": "male", "lit": True},
            "L49": {"x": 200.0, "y": 49.0, "kind": "latrine", "sex": "female", "lit": False},
        }
    )
    return shelters, cands


def test_latrine_at_51_m_rejected_49_m_accepted_and_each_shelter_checked():
    plan = site_wash(*_camp(), water_table=5.0)
    p, s = plan.points, plan.shelters
    assert p.loc["L51", "reason"] == "51.0 m from the nearest shelter S1, Sphere asks <= 50 m"
    assert bool(p.loc["L49", "accepted"])
    assert p.loc["L49", "shelter_distance_m"] == 49.0
    assert s.loc["S1", ["female_latrines", "female_lit", "male_latrines", "male_lit"]].tolist() == [
        1,
        1,
        1,
        1,
    ]
    assert s.loc["S2", ["female_latrines", "female_lit", "male_latrines", "male_lit"]].tolist() == [
        1,
        0,
        0,
        0,
    ]
    assert s["ok"].tolist() == [True, False]
    assert s.loc["S1", "missing"] == ""
    assert s.loc["S2", "missing"].split("; ") == [
        "no lit female latrine within 50 m (add lighting at L49)",
        "no male latrine within 50 m",
    ]
    assert s.loc["S1", "female_latrine"] == "LF"
    assert s.loc["S1", "male_latrine"] == "LM"


def test_toilets_for_600_persons_at_1_per_50_three_to_one():
    # 600 persons / 50 = 12 toilets: 9 for women, 3 for men (Sphere, first phase)
    shelters = _shelter(persons=600)

    def cands(female):
        return _table(
            {
                "T1": {"x": 100.0, "y": 0.0, "kind": "water_point", "taps": 3},
                "LF": {
                    "x": 20.0,
                    "y": 0.0,
                    "kind": "latrine",
                    "sex": "female",
                    "lit": True,
                    "toilets": female,
                },
                "LM": {
                    "x": 0.0,
                    "y": 30.0,
                    "kind": "latrine",
                    "sex": "male",
                    "lit": True,
                    "toilets": 3,
                },
            }
        )

    enough = site_wash(shelters, cands(9))
    assert bool(enough.shelters.loc["S1", "ok"])
    assert enough.points.loc[["LF", "LM"], "extra_toilets"].tolist() == [0.0, 0.0]
    short = site_wash(shelters, cands(8))
    assert short.shelters.loc["S1", "female_extra_toilets"] == 1.0
    assert (
        short.shelters.loc["S1", "missing"]
        == "1 more female toilet at LF (9 needed for 600 persons)"
    )
    # once stabilised, 1 per 20: 30 toilets, 22.5 -> 23 for women, 7.5 -> 8 for men
    later = site_wash(shelters, cands(9), rules=WashRules.from_standard(phase="stabilised"))
    assert later.points.loc[["LF", "LM"], "extra_toilets"].tolist() == [14.0, 5.0]
    unchecked = site_wash(shelters, cands(1), rules=WashRules(persons_per_toilet=None))
    assert bool(unchecked.shelters.loc["S1", "ok"])
    assert "people per toilet (rules.persons_per_toilet is None)" in unchecked.unchecked


def test_latrines_without_a_sex_are_assigned():
    cands = _table(
        {
            "U1": {"x": 10.0, "y": 0.0, "kind": "latrine", "lit": "yes"},
            "U2": {"x": 20.0, "y": 0.0, "kind": "latrine", "lit": "yes"},
            "U3": {"x": 30.0, "y": 0.0, "kind": "latrine", "lit": "no"},
            "U4": {"x": 0.0, "y": 40.0, "kind": "latrine"},
            "T1": {"x": 100.0, "y": 0.0, "kind": "water_point"},
        }
    )
    plan = site_wash(_shelter(persons=20), cands)
    p = plan.points.loc[["U1", "U2", "U3", "U4"]]
    # the nearest takes women, the next men; the rest go towards 3:1 (2/3 <= 0.75 female, 3/4 female)
    assert p["sex"].tolist() == ["female", "male", "female", "female"]
    assert p["sex_assigned"].all()
    assert p["lit"].tolist() == [True, True, False, False]
    assert bool(plan.shelters.loc["S1", "ok"])
    # U1 given to men: the nearest other takes women, then 2/3 and 3/4 female
    given = cands.assign(sex=["male", None, None, None, None])
    p = site_wash(_shelter(persons=20), given).points
    assert p["sex"].tolist() == ["male", "female", "female", "female", ""]
    assert p["sex_assigned"].tolist() == [False, True, True, True, False]


# --------------------------------------------------------------------------- rules, result
def test_rules_come_from_the_standard_and_are_validated():
    std = load_standard("sphere-2018")
    rules = WashRules()
    assert rules.persons_per_tap == pytest.approx(1 / float(std.rate("water_tap")["rate"]))  # 250
    assert rules.persons_per_toilet == pytest.approx(50.0)
    assert rules.female_toilet_share == pytest.approx(0.75)
    assert (
        rules.water_point_max_m,
        rules.latrine_min_from_source_m,
        rules.latrine_max_from_shelter_m,
        rules.pit_clearance_m,
        rules.pit_depth_m,
        rules.max_flood_depth_m,
    ) == (500.0, 30.0, 50.0, 1.5, 2.0, 0.15)
    ph = WashRules.from_standard("philippines-2013")  # 1 toilet per 20; no female share: Sphere's
    assert (ph.persons_per_toilet, ph.female_toilet_share) == (pytest.approx(20.0), 0.75)
    for bad in (
        {"pit_depth_m": -1.0},
        {"persons_per_tap": float("nan")},
        {"female_toilet_share": 1.5},
        {"max_flood_depth_m": -0.1},
    ):
        with pytest.raises(InputError, match=next(iter(bad))):
            WashRules(**bad)


def test_plan_shows_summary_and_plots():
    shelters, cands = _camp()
    plan = site_wash(shelters, cands, sources=WELL)
    assert isinstance(plan, WashPlan)
    text = repr(plan)
    assert "latrines: 3 accepted of 4 candidates" in text
    assert "shelters meeting every rule: 1 of 2" in text
    assert "pit clearance above the water table (no water_table given)" in text
    assert "WashPlan" in plan._repr_html_()
    fig = plan.plot()
    try:
        assert isinstance(fig, Figure)
        assert len(fig.axes[0].patches) == 1  # the 30 m ring around W1
    finally:
        plt.close(fig)


def test_capacity_persons_and_an_id_column_are_read():
    shelters = pd.DataFrame({"id": ["C1"], "x": [0.0], "y": [0.0], "capacity_persons": [300.0]})
    cands = pd.DataFrame({"id": ["T1"], "x": [10.0], "y": [0.0], "kind": ["Water_Point"]})
    plan = site_wash(shelters, cands)
    assert plan.shelters.loc["C1", "persons_per_tap"] == 300.0
    assert plan.points.loc["T1", "extra_taps"] == 1.0


# --------------------------------------------------------------------------- bad input
def test_bad_water_tables_are_refused():
    cands = _table({"L1": {"x": 5.0, "y": 5.0, "kind": "latrine"}})
    with pytest.raises(InputError, match=r"water_table = -1\.0.*>= 0"):
        site_wash(_shelter(), cands, water_table=-1.0)
    with pytest.raises(InputError, match="water_table grid holds negative depths"):
        site_wash(_shelter(), cands, water_table=_grid([[3.0, -0.5]]))
    with pytest.raises(InputError, match="no value \\(NaN\\) at latrine candidates L1"):
        site_wash(_shelter(), cands, water_table=_grid([[np.nan, 3.0]]))
    with pytest.raises(InputError, match="cm or mm"):
        site_wash(_shelter(), cands, water_table=350.0)
    dem = _grid([[10.0, 12.0], [11.0, 10.5]], x0=-10.0, y0=-10.0)
    # ground 12 m, depth 70 m: the water table at -58 m, 68 m below the lowest ground (10 m)
    with pytest.raises(InputError, match=r"deep: the water table would lie at -58\.0 m"):
        site_wash(_shelter(), cands, water_table=70.0, dem=dem)
    ok = site_wash(_shelter(), cands, water_table=50.0, dem=dem)  # at -38 m: 48 m below, kept
    assert ok.points.loc["L1", "water_table_depth_m"] == 50.0


def test_points_off_the_grids_are_refused_by_id():
    dem = _grid([[10.0, 10.0], [10.0, 10.0]])  # x 0..20, y 0..20
    cands = _table(
        {
            "T1": {"x": 5.0, "y": 5.0, "kind": "water_point"},
            "L9": {"x": 45.0, "y": 5.0, "kind": "latrine"},
        }
    )
    with pytest.raises(InputError, match="candidates L9 lie outside the DEM"):
        site_wash(_shelter(x=10.0, y=10.0), cands, dem=dem)
    with pytest.raises(InputError, match="shelters S7 lie outside the DEM"):
        site_wash(_shelter(x=100.0, y=10.0, name="S7"), cands.iloc[:1], dem=dem)
    with pytest.raises(GridError, match="candidates L9 lie outside the flood_depth grid"):
        site_wash(_shelter(x=10.0, y=10.0), cands, flood_depth=dem * 0.0)
    with pytest.raises(GridError, match="latrine candidates L9 lie outside the water_table grid"):
        site_wash(_shelter(x=10.0, y=10.0), cands, water_table=dem * 0.0 + 5.0)


def test_bad_tables_are_refused_naming_the_row_or_column():
    good = {"x": 5.0, "y": 0.0, "kind": "latrine"}
    with pytest.raises(InputError, match="'L2' has kind 'toilet'; use 'water_point' or 'latrine'"):
        site_wash(_shelter(), _table({"L1": good, "L2": good | {"kind": "toilet"}}))
    with pytest.raises(InputError, match="candidates: column 'x' is missing"):
        site_wash(_shelter(), _table({"L1": {"y": 0.0, "kind": "latrine"}}))
    with pytest.raises(InputError, match="shelters: column 'y' is missing"):
        site_wash(_table({"S1": {"x": 0.0, "persons": 5}}), _table({"L1": good}))
    with pytest.raises(InputError, match="candidates: column 'kind' is missing"):
        site_wash(_shelter(), _table({"L1": {"x": 5.0, "y": 0.0}}))
    with pytest.raises(InputError, match="candidates: L3 have no number in column 'y'"):
        site_wash(_shelter(), _table({"L3": good | {"y": None}}))
    with pytest.raises(InputError, match="shelters: column 'persons'"):
        site_wash(_table({"S1": {"x": 0.0, "y": 0.0}}), _table({"L1": good}))
    with pytest.raises(InputError, match="'L1' has sex 'women'"):
        site_wash(_shelter(), _table({"L1": good | {"sex": "women"}}))
    with pytest.raises(InputError, match="T1 have taps that is not a number >= 1"):
        site_wash(_shelter(), _table({"T1": good | {"kind": "water_point", "taps": 0}}))
    with pytest.raises(InputError, match="id 'L1' appears more than once"):
        site_wash(_shelter(), pd.DataFrame([good, good], index=["L1", "L1"]))


def test_no_candidates_leaves_every_need_missing():
    empty = pd.DataFrame({"x": [], "y": [], "kind": []})
    plan = site_wash(_shelter(), empty, sources=pd.DataFrame({"x": [], "y": []}))
    assert len(plan.points) == 0
    assert plan.shelters.loc["S1", "missing"].split("; ") == [
        "no water point within 500 m (none accepted)",
        "no female latrine within 50 m",
        "no male latrine within 50 m",
    ]


def test_candidates_around_a_shelter_sit_where_the_rules_can_accept_them():
    from drm.shelter import wash_candidates

    shelters = pd.DataFrame({"x": [100.0], "y": [100.0], "persons": [1001]}, index=["C1"])
    cands = wash_candidates(shelters, toilets_per_block=4)
    d = np.hypot(cands["x"] - 100.0, cands["y"] - 100.0)
    water = cands["kind"] == "water_point"
    assert sorted(set(np.round(d[water], 9))) == [20.0, 60.0]
    assert sorted(set(np.round(d[~water], 9))) == [20.0, 40.0]
    assert cands.loc["C1-W1", "taps"] == 5  # ceil(1001 / 250)
    assert (cands.loc[~water, "sex"].value_counts() == 8).all()
    assert cands.loc[~water, "lit"].all()
    plan = site_wash(shelters, cands)
    assert plan.points["accepted"].all()  # nothing else constrains them here
    row = plan.shelters.loc["C1"]
    assert row["water_distance_m"] == pytest.approx(20.0)
