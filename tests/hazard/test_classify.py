"""Hazard classes at and around their published boundaries."""

import numpy as np
import pytest
import xarray as xr

from drm.errors import InputError
from drm.hazard.classify import (
    arr_hazard_class,
    debris_factor,
    hazard_rating,
    hazard_rating_class,
    people_stability,
    vehicle_stability,
)


@pytest.mark.parametrize(
    ("d", "v", "land_use", "df"),
    [
        (0.25, 0.5, "urban", 0.0),  # 0-0.25 m band includes 0.25
        (0.26, 0.5, "urban", 1.0),
        (0.26, 0.5, "woodland", 0.5),
        (0.26, 0.5, "pasture", 0.0),
        (0.75, 0.5, "pasture", 0.0),
        (0.76, 0.5, "pasture", 0.5),
        (0.1, 2.01, "pasture", 0.5),  # fast water carries debris at any depth
        (0.1, 2.01, "woodland", 1.0),
    ],
)
def test_debris_factor_table(d, v, land_use, df):
    assert float(debris_factor(d, v, land_use)) == df


def test_hazard_rating_formula_and_classes():
    # HR = d (v + 0.5) + DF
    assert float(hazard_rating(0.5, 1.5, land_use="urban")) == pytest.approx(0.5 * 2.0 + 1.0)
    assert float(hazard_rating(0.2, 0.3, land_use="urban")) == pytest.approx(0.16)
    assert float(hazard_rating(0.0, 0.0)) == 0.0
    assert float(hazard_rating(1.0, 1.0, debris=0.0)) == pytest.approx(1.5)
    hr = np.array([0.0, 0.01, 0.75, 0.7501, 1.25, 1.2501, 2.0, 2.0001, 9.0, np.nan])
    assert hazard_rating_class(hr).tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 4, -1]


@pytest.mark.parametrize(
    ("d", "v", "cls"),
    [
        (0.3, 1.0, 1),  # D x V = 0.3 is still H1
        (0.3, 1.01, 2),
        (0.29, 2.0, 2),  # depth fine, D x V = 0.58
        (0.3, 2.01, 5),  # over 2 m/s: only H5 allows it
        (0.5, 1.2, 2),
        (0.51, 0.1, 3),
        (1.2, 0.5, 3),
        (1.21, 0.1, 4),
        (2.0, 0.5, 4),
        (2.01, 0.1, 5),
        (4.0, 1.0, 5),
        (4.01, 0.0, 6),
        (1.0, 4.01, 6),
        (0.0, 3.0, 0),
    ],
)
def test_arr_2019_classes_at_their_limits(d, v, cls):
    assert int(arr_hazard_class(d, v)) == cls


def test_stability_limits():
    assert not vehicle_stability(0.3, 1.0)
    assert vehicle_stability(0.31, 0.0)
    assert vehicle_stability(0.2, 1.6)  # D x V = 0.32 > 0.3
    assert not vehicle_stability(0.45, 0.5, "large 4wd")
    assert not people_stability(1.2, 0.5, "adults")
    assert people_stability(1.21, 0.0, "adults")
    assert people_stability(0.3, 1.4, "children")  # 0.42 > 0.4
    assert not people_stability(0.3, 1.4, "adults")
    with pytest.raises(InputError, match="unknown vehicle"):
        vehicle_stability(0.1, 0.1, "bicycle")
    with pytest.raises(InputError, match="unknown group"):
        people_stability(0.1, 0.1, "cats")


def test_grids_keep_coordinates_and_set_units():
    d = xr.DataArray(
        np.array([[0.0, 0.5], [1.0, 3.0]]),
        dims=("y", "x"),
        coords={"y": [1.0, 0.0], "x": [0.0, 1.0]},
        attrs={"units": "m"},
    )
    v = d * 0 + 1.0
    hr = hazard_rating(d, v)
    assert isinstance(hr, xr.DataArray)
    assert hr.attrs["units"] == "1"
    assert hr.name == "hazard_rating"
    np.testing.assert_allclose(hr.values, [[0.0, 1.75], [2.5, 5.5]])
    cls = arr_hazard_class(d, v)
    assert cls.values.tolist() == [[0, 2], [4, 5]]


def test_bad_values():
    with pytest.raises(InputError, match="depth"):
        hazard_rating(-0.1, 1.0)
    with pytest.raises(InputError, match="speed"):
        arr_hazard_class(0.5, -1.0)
    with pytest.raises(InputError, match="unknown land use"):
        debris_factor(0.5, 1.0, "desert")
