"""Exposure: people at risk per cell, zone and time; zones; demographics; shelter seekers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from drm.errors import DrmWarning, GridError, InputError
from drm.exposure import (
    RiskCriterion,
    evacuation_zones,
    hazus_shelter_fraction,
    people_at_risk,
    population_on_grid,
)
from drm.hazard.flood import simulate_flood

X = [5.0, 15.0, 25.0, 35.0]
Y = [35.0, 25.0, 15.0, 5.0]


def grid(values, x=X, y=Y):
    return xr.DataArray(np.asarray(values, dtype=float), dims=("y", "x"), coords={"y": y, "x": x})


def flood(depth_frames, velocity_frames=None, times=None):
    d = np.asarray(depth_frames, dtype=float)
    v = np.zeros_like(d) if velocity_frames is None else np.asarray(velocity_frames, dtype=float)
    t = 600.0 * np.arange(d.shape[0]) if times is None else times
    return xr.Dataset(
        {
            "depth": (("time", "y", "x"), d),
            "velocity": (("time", "y", "x"), v),
            "elevation": (("y", "x"), np.zeros(d.shape[1:])),
        },
        coords={"time": t, "y": Y, "x": X},
    )


POP = grid([[10, 20, 0, 5], [30, 40, 0, 5], [0, 0, 0, 0], [1, 2, 3, 4]])
# two wet areas: the north-west block (wet from 600 s, the east half of it dries at 1200 s) and the south-east corner
DEPTH = [
    np.zeros((4, 4)),
    [[0.5, 0.2, 0.0, 0.0], [0.3, 0.1, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]],
    [[0.6, 0.0, 0.0, 0.0], [0.4, 0.3, 0.0, 0.0], [0.0, 0.0, 0.0, 0.2], [0.0, 0.0, 0.0, 0.9]],
]


def test_people_at_risk_by_hand():
    r = people_at_risk(POP, flood(DEPTH))
    # at 600 s: cells 10, 20, 30 (0.1 m is below 0.15); at 1200 s: 10, 30, 40 and 4 (0.2 m has no people)
    assert r.timeline["total"].tolist() == [0.0, 60.0, 84.0]
    # ever at risk: 10 + 20 + 30 + 40 + 4 (the cell with 0 people counts as area only)
    assert r.total_at_risk == 104.0
    first = r.first_at_risk_s.values
    assert first[0, :2].tolist() == [600.0, 600.0]
    assert first[1, 1] == 1200.0
    assert np.isnan(first[3, 0])
    # two connected areas, the larger (4 cells) first
    assert r.zones.index.tolist() == [1, 2]
    assert r.zones["persons_at_risk"].tolist() == [100.0, 4.0]
    assert r.zones["first_at_risk_s"].tolist() == [600.0, 1200.0]
    assert r.zones["peak_at_risk"].tolist() == [80.0, 4.0]
    assert r.zones["cells_at_risk"].tolist() == [4, 2]
    assert r.zones["area_at_risk_m2"].tolist() == [400.0, 200.0]
    # people-weighted centre of zone 1: x = (10*5 + 20*15 + 30*5 + 40*15)/100
    assert r.zones.loc[1, "x"] == pytest.approx(11.0)
    assert r.zones["residents"].sum() == pytest.approx(100.0 + 4.0)


def test_totals_conserved_with_given_zones():
    zones = grid([[1, 1, 2, 2], [0, 1, 2, 2], [3, 3, 3, 3], [3, 3, 0, 0]])
    r = people_at_risk(POP, flood(DEPTH), zones=zones)
    # the at-risk cells outside every zone (30 persons at row 1, col 0; the 4 at the corner) form zone 0
    assert r.zones.loc[0, "persons_at_risk"] == 34.0
    assert r.zones.loc[1, "persons_at_risk"] == 70.0
    assert r.zones["persons_at_risk"].sum() == pytest.approx(float(r.persons_at_risk.sum()))
    zone_cols = [c for c in r.timeline.columns if c != "total"]
    np.testing.assert_allclose(r.timeline[zone_cols].sum(axis=1), r.timeline["total"])
    # every resident is counted once: zones 1-3 plus zone 0 (only its at-risk part is listed)
    assert r.zones.loc[[1, 2, 3], "residents"].sum() == pytest.approx(float(POP.sum()) - 30.0 - 7.0)
    assert r.cells()["persons"].sum() == pytest.approx(104.0)
    assert r.cumulative().tolist() == [0.0, 60.0, 104.0]


def test_hazard_class_criteria():
    depth = [np.zeros((4, 4)), np.full((4, 4), 0.2)]
    depth[1][0, :] = [0.2, 0.5, 0.8, 0.3]
    speed = [np.zeros((4, 4)), np.zeros((4, 4))]
    speed[1][0, :] = [3.0, 1.0, 0.5, 0.2]
    pop = grid(np.vstack([[1.0, 2.0, 4.0, 8.0], np.zeros((3, 4))]))
    ds = flood(depth, speed)
    # FD2320, urban: HR = d (v + 0.5) + DF = 0.2 x 3.5 + 1 (v > 2), 0.5 x 1.5 + 1, 0.8 x 1 + 1, 0.3 x 0.7 + 1
    #              = 1.70, 1.75, 1.80 (significant, 3) and 1.21 (moderate, 2)
    fd = people_at_risk(pop, ds, criterion=RiskCriterion(depth_m=0.0, hazard="fd2320", min_class=3))
    assert fd.total_at_risk == 1.0 + 2.0 + 4.0
    # ARR 2019: (0.2, 3.0) H5 by its speed, (0.5, 1.0) H2, (0.8, 0.5) H3, (0.3, 0.2) H1
    arr = people_at_risk(pop, ds, criterion=RiskCriterion(depth_m=0.0, hazard="arr"))
    assert arr.total_at_risk == 1.0 + 4.0
    assert people_at_risk(pop, ds, criterion=RiskCriterion(depth_m=0.45)).total_at_risk == 2.0 + 4.0


def test_exposure_on_a_simulated_flood():
    # closed flat box under 36 mm/h: depth 1e-5 m/s x t everywhere, frames every 300 s
    x = 5.0 + 10.0 * np.arange(6)
    dem = xr.DataArray(np.zeros((6, 6)), dims=("y", "x"), coords={"y": x[::-1], "x": x})
    res = simulate_flood(
        dem, 1e-5, duration="40min", output_interval="5min", boundaries="closed", progress=False
    )
    pop = dem.copy(data=np.arange(36.0).reshape(6, 6))
    r = people_at_risk(pop, res, criterion=RiskCriterion(depth_m=0.016))
    # 16 mm first reached in the frame at 1800 s (18 mm)
    assert r.zones["first_at_risk_s"].tolist() == [1800.0]
    assert r.timeline["total"].loc[1500.0] == 0.0
    assert r.timeline["total"].loc[1800.0] == pytest.approx(630.0)
    assert "persons at risk: 630 in 1 zones" in repr(r)
    assert "<table>" in r._repr_html_()
    assert len(r.plot().axes) == 3  # map, colour bar, curve


def test_population_on_another_grid():
    coarse = xr.DataArray(
        [[40.0, 80.0], [0.0, 4.0]], dims=("y", "x"), coords={"y": [30.0, 10.0], "x": [10.0, 30.0]}
    )
    ds = flood(DEPTH)
    with pytest.raises(GridError, match="aggregate=True"):
        people_at_risk(coarse, ds)
    r = people_at_risk(coarse, ds, aggregate=True)
    # each coarse cell's people spread over its four 10 m cells: 10 per north-west cell, 20 north-east, 1 south-east
    assert r.total_at_risk == pytest.approx(4 * 10.0 + 2 * 1.0)
    assert r.zones["residents"].sum() == pytest.approx(4 * 10.0 + 2 * 1.0)
    wide = xr.DataArray(
        np.full((2, 3), 10.0), dims=("y", "x"), coords={"y": [30.0, 10.0], "x": [10.0, 30.0, 50.0]}
    )
    with pytest.warns(DrmWarning, match="20.0 of 60.0 persons lie outside"):
        moved = population_on_grid(wide, grid(np.zeros((4, 4))))
    assert float(moved.sum()) == pytest.approx(40.0)


def test_demographic_breakdown_adds_up():
    r = people_at_risk(POP, flood(DEPTH), displaced_fraction=0.5, shelter_fraction=0.2)
    d = r.demographics()
    np.testing.assert_allclose(d["female"] + d["male"], d["person"])
    np.testing.assert_allclose(d.loc[[1, 2], "person"], r.zones["persons_at_risk"])
    assert d.loc["total", "person"] == pytest.approx(104.0)
    np.testing.assert_allclose(d.loc["total"], d.drop(index="total").sum())
    s = r.demographics("shelter_seekers")
    assert s.loc["total", "person"] == pytest.approx(104.0 * 0.5 * 0.2)
    with pytest.raises(InputError, match="not estimated"):
        people_at_risk(POP, flood(DEPTH)).demographics("shelter_seekers")


def test_displaced_and_shelter_fractions_per_zone():
    r = people_at_risk(
        POP, flood(DEPTH), displaced_fraction=pd.Series({1: 0.8, 2: 1.0}), shelter_fraction=0.25
    )
    assert r.zones["displaced"].tolist() == [80.0, 4.0]
    assert r.zones["shelter_seekers"].tolist() == [20.0, 1.0]


def test_hazus_shelter_fraction_by_hand():
    income = {"under_15k": 0.4, "15k_20k": 0.3, "over_50k": 0.3}
    # 0.73 (0.4 x 0.62 + 0.3 x 0.42 + 0.3 x 0.13) + 0.27 x 0.40
    assert hazus_shelter_fraction(income) == pytest.approx(0.73 * 0.413 + 0.108, abs=1e-12)
    by_zone = pd.DataFrame(
        {"under_15k": [1.0, 0.0], "over_50k": [0.0, 1.0]}, index=["barrio", "centro"]
    )
    f = hazus_shelter_fraction(by_zone)
    assert f.to_dict() == pytest.approx(
        {"barrio": 0.73 * 0.62 + 0.108, "centro": 0.73 * 0.13 + 0.108}
    )
    tenure_matters = {
        "income": {"low": 0.5},
        "age": {"all": 0.4},
        "tenure": {"owner": 0.2, "renter": 0.6},
    }
    got = hazus_shelter_fraction(
        {"low": 1.0},
        tenure={"owner": 0.25, "renter": 0.75},
        factors=tenure_matters,
        weights={"income": 0.5, "age": 0.0, "tenure": 0.5},
    )
    assert got == pytest.approx(0.5 * 0.5 + 0.5 * (0.25 * 0.2 + 0.75 * 0.6))
    with pytest.raises(InputError, match="tenure shares"):
        hazus_shelter_fraction(
            {"low": 1.0}, factors=tenure_matters, weights={"income": 0.5, "age": 0.0, "tenure": 0.5}
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda: hazus_shelter_fraction({"under_15k": 0.5}),
        lambda: hazus_shelter_fraction({"poor": 1.0}),
        lambda: hazus_shelter_fraction(
            {"under_15k": 1.0}, weights={"income": 0.5, "age": 0.2, "tenure": 0.0}
        ),
        lambda: RiskCriterion(depth_m=-0.1),
        lambda: RiskCriterion(hazard="fd2320", min_class=5),
        lambda: RiskCriterion(min_class=2),
        lambda: people_at_risk(grid(-np.ones((4, 4))), flood(DEPTH)),
        lambda: people_at_risk(POP, flood(DEPTH), displaced_fraction=1.2),
        lambda: people_at_risk(POP, flood(DEPTH), shelter_fraction=-0.1),
        lambda: people_at_risk(POP, flood(DEPTH), zones=grid(np.full((4, 4), 1.5))),
        lambda: evacuation_zones(grid(np.ones((4, 4))), connectivity=6),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(InputError):
        call()


def test_zone_grid_on_another_grid_is_refused():
    other = xr.DataArray(
        np.ones((2, 2)), dims=("y", "x"), coords={"y": [30.0, 10.0], "x": [10.0, 30.0]}
    )
    with pytest.raises(GridError):
        people_at_risk(POP, flood(DEPTH), zones=other)


def test_evacuation_zones_connectivity_and_buffer():
    m = grid([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]])
    assert evacuation_zones(m).values.max() == 2  # the diagonal pair joins by a corner
    four = evacuation_zones(m, connectivity=4).values
    assert four.max() == 3
    assert sorted(np.bincount(four.ravel())[1:].tolist()) == [1, 1, 1]
    # a 15 m disk around each cell reaches its 8 neighbours: all three areas meet at row 2, column 2
    buffered = evacuation_zones(m, buffer_m=15.0).values
    assert buffered.max() == 1
    assert buffered[2, 2] == 1
    assert buffered[0, 3] == 0
