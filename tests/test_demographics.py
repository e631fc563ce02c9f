"""Demographic profile: the Factbook figures, the stated derivation rules, splitting people and households."""

from __future__ import annotations

import pandas as pd
import pytest

from drm.demographics import (
    GROUPS,
    VENEZUELA_2014,
    DemographicProfile,
    default_profile,
    split_population,
)
from drm.errors import InputError

# CIA World Factbook, "Venezuela: People and Society" (July 2014 est.), as printed on the page.
FACTBOOK_TOTAL = 28_868_486
FACTBOOK_PERCENT = {(0, 14): 28.2, (15, 24): 18.8, (25, 54): 39.6}


def test_factbook_counts_add_up_to_the_published_total_and_percentages():
    assert VENEZUELA_2014["persons"].sum() == FACTBOOK_TOTAL
    for (lo, hi), pct in FACTBOOK_PERCENT.items():
        band = VENEZUELA_2014[(VENEZUELA_2014["age_from"] == lo) & (VENEZUELA_2014["age_to"] == hi)]
        assert 100 * band["persons"].sum() / FACTBOOK_TOTAL == pytest.approx(pct, abs=0.05)


def test_default_shares_follow_the_stated_rules():
    s = default_profile().shares
    t = FACTBOOK_TOTAL
    assert s["female"] == pytest.approx(14_599_787 / t, rel=1e-12)
    assert s["female"] + s["male"] == pytest.approx(1.0)
    children = 3_985_489 + 4_143_840  # both sexes aged 0-14
    assert s["infant_under_2"] == pytest.approx(children * 2 / 15 / t, rel=1e-12)
    assert s["child_under_5"] == pytest.approx(children * 5 / 15 / t, rel=1e-12)
    assert s["woman_15_49"] == pytest.approx((2_697_672 + 5_818_903 * 25 / 30) / t, rel=1e-12)
    assert s["older_60"] == pytest.approx(((1_137_894 + 1_030_898) / 2 + 959_829 + 755_183) / t, rel=1e-12)
    assert s["pregnant"] == pytest.approx(19.42 / 1000 * 9 / 12, rel=1e-12)
    assert s["disability"] == 0.15
    assert default_profile().household_size == 4.0


def test_uniform_population_gives_age_fractions_in_closed_form():
    # 100 single years with the same number of people: under-2 = 2 %, under-5 = 5 %,
    # women 15-49 = 35 % of the women, 60+ = 40 %.
    rows = [(sex, a, a + 9, 1000) for sex in ("female", "male") for a in range(0, 90, 10)]
    rows += [(sex, 90, 99, 1000) for sex in ("female", "male")]
    table = pd.DataFrame(rows, columns=["sex", "age_from", "age_to", "persons"])
    p = DemographicProfile.from_age_table(table, crude_birth_rate=12.0, name="flat")
    assert p.shares["infant_under_2"] == pytest.approx(0.02)
    assert p.shares["child_under_5"] == pytest.approx(0.05)
    assert p.shares["woman_15_49"] == pytest.approx(0.5 * 0.35)
    assert p.shares["older_60"] == pytest.approx(0.40)
    assert p.shares["pregnant"] == pytest.approx(0.009)


def test_split_people_and_households():
    p = default_profile()
    s = split_population(2000)
    assert list(s.index) == list(GROUPS)
    assert s["person"] == 2000
    assert s["household"] == 500
    for g in GROUPS[2:]:
        assert s[g] == pytest.approx(2000 * p.shares[g])
    h = split_population(households=300)
    assert h["person"] == 1200
    assert h["household"] == 300
    both = split_population(1000, households=200)
    assert both["household"] == 200
    assert both["female"] == pytest.approx(1000 * p.shares["female"])


def test_custom_household_size_and_profile_table():
    p = DemographicProfile(
        "test",
        {"female": 0.52, "male": 0.48, "infant_under_2": 0.05, "child_under_5": 0.12, "woman_15_49": 0.26,
         "older_60": 0.08, "pregnant": 0.02, "disability": 0.15},
        household_size=5.0,
    )
    assert split_population(households=10, profile=p)["person"] == 50
    assert p.table().loc["household_size", "value"] == 5.0
    assert "woman_15_49" in repr(p)
    assert "<table>" in p._repr_html_()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"female": 0.6}, "add up to 1"),
        ({"pregnant": 0.5}, "exceeds"),
        ({"infant_under_2": 0.2}, "exceeds"),
        ({"disability": -0.1}, "use 0-1"),
        ({"teenagers": 0.1}, "unknown groups"),
    ],
)
def test_bad_profiles_are_refused(change, message):
    shares = dict(default_profile().shares) | change
    with pytest.raises(InputError, match=message):
        DemographicProfile("bad", shares, household_size=4.0)


def test_bad_inputs_are_refused():
    with pytest.raises(InputError, match="needs people"):
        split_population()
    with pytest.raises(InputError, match=">= 0"):
        split_population(-5)
    with pytest.raises(InputError, match="household_size"):
        DemographicProfile("x", dict(default_profile().shares), household_size=0)
    open_band = pd.DataFrame({"sex": ["female", "male"], "age_from": [0, 0], "age_to": [None, None],
                              "persons": [1, 1]})
    with pytest.raises(InputError, match="open-ended"):
        DemographicProfile.from_age_table(open_band, crude_birth_rate=20, name="x")
