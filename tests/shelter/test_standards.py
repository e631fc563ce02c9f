"""Standards as data: the built-in numbers, their sources, overrides from CSV and TOML, bad tables."""

from __future__ import annotations

import pandas as pd
import pytest

from drm.errors import DataNotFoundError, InputError
from drm.shelter import list_standards, load_standard
from drm.units import DAY


def test_every_builtin_row_has_a_source_and_an_edition():
    names = list(list_standards().index)
    assert names == ["sphere-2018", "sphere-2018-transit-overnight", "sphere-2018-transit-day",
                     "philippines-2013", "bnpb-2008"]
    for name in names:
        rates = load_standard(name).rates
        assert (rates["source"].str.len() > 10).all(), name
        assert (rates["edition"].str.len() == 4).all(), name


def test_sphere_2018_numbers():
    s = load_standard()
    assert s.rate("covered_space_m2")[["rate", "unit", "basis"]].tolist() == [3.5, "m2", "person"]
    assert s.rate("water_l")[["rate", "frequency"]].tolist() == [15.0, "day"]
    assert s.rate("water_tap")["rate"] == pytest.approx(1 / 250)
    acute, later = s.rate("toilet", "acute"), s.rate("toilet", "stabilised")
    assert acute["rate"] == pytest.approx(1 / 50)
    assert later["rate"] == pytest.approx(1 / 20)
    assert acute["female_share"] == later["female_share"] == 0.75  # 3:1 female to male
    assert s.rate("food_energy_kcal")["rate"] == 2100
    soap = s.rate("soap_bar_250g")  # 250 g of bathing soap per person per month
    assert soap["rate"] * s.mass_kg("soap_bar_250g") == pytest.approx(0.25)
    assert soap["period_s"] == pytest.approx(365.25 / 12 * DAY)
    assert s.rate("menstrual_hygiene_kit")[["rate", "basis"]].tolist() == [1.0, "woman_15_49"]


def test_transit_and_national_profiles():
    day, night = load_standard("sphere-2018-transit-day"), load_standard("sphere-2018-transit-overnight")
    assert day.rate("water_l")["rate"] == 3
    assert night.rate("water_l")["rate"] == 15
    assert "blanket" not in day.items
    assert "blanket" in night.items
    assert day.rate("toilet", "stabilised")["rate"] == pytest.approx(1 / 50)
    ph = load_standard("philippines-2013")
    assert "water_l" not in ph.items
    assert ph.rate("drinking_water_l")["rate"] + ph.rate("clean_water_l")["rate"] == 15
    assert ph.rate("toilet")["rate"] == pytest.approx(1 / 20)
    assert ph.rate("covered_space_m2")["rate"] == 3.5
    assert ph.rate("food_ration")["source"].startswith("Sphere")  # inherited rows keep their source
    bnpb = load_standard("bnpb-2008")
    weekly = {k: bnpb.rate(k)["rate"] for k in ("rice_kg", "drinking_water_l", "clean_water_l")}
    assert weekly == {"rice_kg": 2.8, "drinking_water_l": 17.5, "clean_water_l": 67.0}
    assert bnpb.rate("rice_kg")["period_s"] == 7 * DAY


def test_overrides_from_a_dataframe_csv_and_toml(tmp_path):
    csv = tmp_path / "local.csv"
    csv.write_text(
        "item,kind,unit,rate,basis,frequency,mass_kg,source\n"
        "water_l,consumable,L,20,person,day,,municipal rule 12\n"
        "nappy,consumable,piece,6,infant_under_2,day,0.04,municipal rule 13\n"
    )
    s = load_standard("sphere-2018", overrides=csv)
    assert s.rate("water_l")["rate"] == 20
    assert s.rate("water_l")["source"] == "municipal rule 12"
    assert s.rate("nappy")["basis"] == "infant_under_2"
    assert s.mass_kg("nappy") == 0.04
    assert s.rate("toilet")["rate"] == pytest.approx(1 / 50)  # the rest is kept
    toml = tmp_path / "ngo.toml"
    toml.write_text(
        'name = "ngo-2024"\ntitle = "An NGO profile"\nextends = "sphere-2018"\nexclude = ["shower"]\n'
        '[[rate]]\nitem = "toilet"\nkind = "facility"\nunit = "toilet"\nrate = "1/30"\nbasis = "person"\n'
        'frequency = "concurrent"\nsource = "NGO manual"\n'
    )
    t = load_standard(toml)
    assert t.name == "ngo-2024"
    assert "shower" not in t.items
    assert t.rate("toilet", "acute")["rate"] == pytest.approx(1 / 30)
    assert t.rate("toilet", "stabilised")["rate"] == pytest.approx(1 / 30)  # one row replaces both phases
    alone = load_standard(csv)  # a CSV on its own is a complete standard
    assert set(alone.items) == {"water_l", "nappy"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"basis": "teenager"}, "basis"),
        ({"kind": "gadget"}, "kind"),
        ({"frequency": "concurrent"}, "need frequency"),
        ({"rate": "-3"}, ">= 0"),
        ({"rate": "1/0"}, "fraction"),
        ({"phase": "later"}, "phase"),
        ({"item": "Water L"}, "item names"),
        ({"unit": "kg"}, "differs from the catalogue"),
        ({"item": "gizmo"}, "not in the item catalogue"),
    ],
)
def test_bad_rates_are_refused(row, message):
    base = {"item": "water_l", "kind": "consumable", "unit": "L", "rate": "15", "basis": "person",
            "frequency": "day"}
    with pytest.raises(InputError, match=message):
        load_standard("sphere-2018", overrides=pd.DataFrame([base | row]))


def test_unknown_names_and_items():
    with pytest.raises(InputError, match="unknown standard"):
        load_standard("sphere-2011")
    with pytest.raises(DataNotFoundError):
        load_standard("missing.csv")
    with pytest.raises(InputError, match="has no rate for item 'rice_kg'"):
        load_standard().rate("rice_kg")
    dup = pd.DataFrame([{"item": "x_kit", "kind": "requirement", "unit": "kit", "rate": 1, "basis": "person",
                         "frequency": "day"}] * 2)
    with pytest.raises(InputError, match="listed twice"):
        load_standard("sphere-2018", overrides=dup)


def test_readable_forms():
    s = load_standard()
    assert "water_l                15 L per person per day" in repr(s)
    assert "1/50 toilet per person present [acute]" in repr(s)
    assert "<table" in s._repr_html_()
