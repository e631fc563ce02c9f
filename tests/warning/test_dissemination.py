"""Dissemination (the last mile): informed shares against closed forms, and fed to departures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import drm
from drm.demographics import DemographicProfile, ZoneProfiles, default_profile
from drm.errors import InputError
from drm.evacuation import (
    Channel,
    DepartureModel,
    Fixed,
    Rayleigh,
    Uniform,
    make_households,
    sample_departures,
)
from drm.warning import (
    CATALOGUE,
    DisseminationChannel,
    catalogue_channel,
    channel_catalogue,
    departure_channels,
    group_traits,
    informed_share,
    reception_times,
)

ONE_ZONE = pd.DataFrame({"persons": [1000.0]}, index=pd.Index([1], name="zone"))
MIN = 60.0


def test_one_channel_fixed_delay_reaches_its_share_at_the_delay():
    a = DisseminationChannel("a", 0.6, Fixed("10min"))
    s = informed_share(ONE_ZONE, [a], order_time="1h", horizon="2h", step="1min")
    person = s.sel(zone=1, group="person")
    t = person["time"].values
    assert (t[0], t[-1]) == (3600.0, 7200.0)
    assert np.allclose(np.diff(t), 60.0)
    before = person.values[t < 3600.0 + 10 * MIN]
    after = person.values[t >= 3600.0 + 10 * MIN]
    assert np.all(before == 0.0)
    np.testing.assert_allclose(after, 0.6, atol=1e-12)
    # a full-coverage channel reaches every group alike, the deaf included
    np.testing.assert_allclose(s.sel(zone=1).isel(time=-1).values, 0.6, atol=1e-12)


def test_two_independent_channels_combine_as_one_minus_product():
    chans = [Channel("a", 0.6, Fixed("10min")), DisseminationChannel("b", 0.5, Fixed("20min"))]
    s = informed_share(ONE_ZONE, chans, order_time=0, horizon="1h")
    v = s.sel(zone=1, group="person")
    assert float(v.sel(time=15 * MIN)) == pytest.approx(0.6, abs=1e-12)
    assert float(v.sel(time=20 * MIN)) == pytest.approx(1 - 0.4 * 0.5, abs=1e-12)  # 0.8


def test_the_deaf_with_a_siren_only_are_never_informed():
    s = informed_share(ONE_ZONE, ["siren"], order_time=0, horizon="3h")
    assert float(s.sel(zone=1, group="hearing_impaired").max()) == 0.0
    # a group of one's own: everyone deaf
    deaf = pd.DataFrame(
        {"hearing_impaired": [1.0], "visually_impaired": [0.0], "without_phone": [0.0]},
        index=["deaf"],
    )
    s2 = informed_share(ONE_ZONE, ["siren"], order_time=0, horizon="3h", traits=deaf)
    assert list(s2["group"].values) == ["deaf"]
    assert float(s2.max()) == 0.0
    # text does reach them (this group all has phones and sight)
    s3 = informed_share(ONE_ZONE, ["siren", "sms"], order_time=0, horizon="6h", traits=deaf)
    sms = CATALOGUE["sms"]
    assert float(s3.sel(zone=1, group="deaf").isel(time=-1)) == pytest.approx(sms.reach, rel=1e-6)
    s4 = informed_share(ONE_ZONE, ["siren", "sms"], order_time=0, horizon="6h")
    phoneless = float(group_traits().loc["hearing_impaired", "without_phone"])
    vision = float(group_traits().loc["hearing_impaired", "visually_impaired"])
    expected = sms.reach * (1 - phoneless) * (1 - vision * (1 - sms.visual))
    assert float(s4.sel(zone=1, group="hearing_impaired").isel(time=-1)) == pytest.approx(
        expected, rel=1e-4
    )


def test_groups_mix_impairments_and_phone_ownership():
    """person = (1 - s60) I(under_60) + s60 I(older_60), each an 8-state average."""
    t = group_traits()
    s60 = default_profile().shares["older_60"]
    s = informed_share(ONE_ZONE, ["siren", "sms"], order_time=0, horizon="12h")
    end = s.sel(zone=1).isel(time=-1)
    siren, sms = CATALOGUE["siren"], CATALOGUE["sms"]

    def closed(h: float, v: float, p: float) -> float:
        # hearing loss and no phone: nothing; siren needs hearing, SMS needs a phone
        total = 0.0
        for hh in (0, 1):
            for vv in (0, 1):
                for pp in (0, 1):
                    w = (h if hh else 1 - h) * (v if vv else 1 - v) * (p if pp else 1 - p)
                    a = siren.reach * (0.0 if hh else 1.0)
                    b = sms.reach * (sms.visual if vv else 1.0) * (0.0 if pp else 1.0)
                    total += w * (1 - (1 - a) * (1 - b))
        return total

    under = closed(*t.loc["under_60", ["hearing_impaired", "visually_impaired", "without_phone"]])
    older = closed(*t.loc["older_60", ["hearing_impaired", "visually_impaired", "without_phone"]])
    assert float(end.sel(group="under_60")) == pytest.approx(under, rel=1e-6)
    assert float(end.sel(group="older_60")) == pytest.approx(older, rel=1e-6)
    assert float(end.sel(group="person")) == pytest.approx(
        (1 - s60) * under + s60 * older, rel=1e-6
    )
    assert float(end.sel(group="female")) == float(end.sel(group="person"))
    # older people hear sirens less: fewer informed
    assert float(end.sel(group="older_60")) < float(end.sel(group="under_60")) - 0.05
    # persons per group from the profile
    persons = s["persons"].sel(zone=1)
    assert float(persons.sel(group="person")) == 1000.0
    assert float(persons.sel(group="older_60")) == pytest.approx(1000 * s60)
    assert float(persons.sel(group="without_phone")) == pytest.approx(400.0)


def test_zone_profiles_change_the_mix_by_zone():
    old = DemographicProfile.from_census_row({"older_60": 0.4}, name="old")
    zones = pd.DataFrame({"persons": [500.0, 500.0]}, index=[1, 2])
    s = informed_share(
        zones, ["siren"], order_time=0, horizon="6h", population=ZoneProfiles({1: old})
    )
    end = s.sel(group="person").isel(time=-1)
    t = group_traits()["hearing_impaired"]
    s60 = default_profile().shares["older_60"]
    reach = CATALOGUE["siren"].reach
    assert float(end.sel(zone=1)) == pytest.approx(
        reach * (1 - (0.6 * t["under_60"] + 0.4 * t["older_60"])), rel=1e-6
    )
    assert float(end.sel(zone=2)) == pytest.approx(
        reach * (1 - ((1 - s60) * t["under_60"] + s60 * t["older_60"])), rel=1e-6
    )


def test_valle_alto_neighbourhoods_reach_by_kind_and_door_to_door_by_households():
    zones = pd.read_csv(
        drm.datasets.builtin_path("hazard_data/valle_alto/neighbourhoods.csv"), index_col="id"
    )
    s = informed_share(zones, ["loudspeaker", "door-to-door"], order_time=0, horizon="4h")
    assert s.sizes == {"zone": 12, "group": 10, "time": 49}
    end = s.sel(group="visually_impaired").isel(time=-1)  # neither channel needs hearing aside
    # loudspeaker: 0.7 formal, 0.4 informal; door-to-door: 0.9 x share visited by 4 h
    ls = CATALOGUE["loudspeaker"]
    d2d = CATALOGUE["door-to-door"]
    h = float(group_traits().loc["visually_impaired", "hearing_impaired"])
    for zone in (1, 5):  # Barrio La Ribera (informal, 1289 households), Los Samanes (formal, 328)
        kind, households = zones.loc[zone, "kind"], zones.loc[zone, "households"]
        visited = min(1.0, (4 * 3600 - 900) / (3600 * households / d2d.households_per_h))
        a = ls.reach[kind]
        b = d2d.reach * visited
        expected = h * b + (1 - h) * (1 - (1 - a) * (1 - b))
        assert float(end.sel(zone=zone)) == pytest.approx(expected, rel=1e-6)
    assert float(end.sel(zone=5)) > float(end.sel(zone=1)) + 0.3
    assert list(s["kind"].sel(zone=[1, 4, 5]).values) == ["informal", "historic", "formal"]


def test_informed_curve_fed_to_sample_departures_reproduces_the_share():
    zones = pd.DataFrame({"persons": [12_000.0, 8_000.0], "kind": ["informal", "formal"]}, [1, 2])
    s = informed_share(
        zones, ["siren", "sms", "whatsapp", "door-to-door"], order_time="1h", horizon="5h"
    )
    origins = pd.DataFrame({"zone": [1, 2], "persons": [12_000.0, 8_000.0]})
    hh = make_households(origins, household_size=4.0)
    assert len(hh) == 5000
    warned = reception_times(hh, s, seed=7)
    model = DepartureModel(departure_channels(s), Rayleigh("20min"), compliance=0.9)
    # the same seed: reception_times draws from a stream of its own, so compliance stays
    # independent of reception
    d = sample_departures(hh, model, order_time="1h", seed=7, reception=warned)
    got = d.households
    assert set(got.loc[got["warned"], "channel"]) == {"dissemination"}
    np.testing.assert_array_equal(got["warned_s"].to_numpy(), warned.to_numpy())
    for zone in (1, 2):
        curve = s.sel(zone=zone, group="person")
        times = got.loc[got["zone"] == zone, "warned_s"].to_numpy()
        for t in curve["time"].values[::6]:
            sampled = np.mean(times <= t - 3600.0)
            assert sampled == pytest.approx(float(curve.sel(time=t)), abs=0.02)
    # departures: only informed households leave, after reception
    leaving = got[got["leaves"]]
    assert np.all(leaving["departure_s"] >= 3600.0 + leaving["warned_s"])
    refuse = (got["outcome"] == "refuses").sum() / got["warned"].sum()
    assert refuse == pytest.approx(0.1, abs=0.015)
    # the town's channel reproduces the person-weighted curve
    town = (s.sel(group="person") * s["persons"].sel(group="person")).sum("zone") / 20_000.0
    tau = s["time"].values - 3600.0
    np.testing.assert_allclose(model.warned_share(tau), town.values, atol=1e-9)


def test_sample_departures_without_reception_is_unchanged_seed_for_seed():
    m = DepartureModel([Channel("siren", 0.6, 60.0), Channel("sms", 0.5, Uniform(0, 600))], 600.0)
    hh = pd.Series([4.0] * 200, name="persons")
    a = sample_departures(hh, m, order_time=100.0, seed=5).households
    # the same draws as the model's own channels, recomputed by hand
    rng = np.random.default_rng(5)
    t = np.full((2, 200), np.inf)
    for k, c in enumerate(m.channels):
        reached = rng.random(200) < c.reach
        t[k] = np.where(reached, c.delay.sample(200, rng), np.inf)
    first = t.min(axis=0)
    np.testing.assert_array_equal(a["warned_s"].fillna(np.inf).to_numpy(), first)


def test_catalogue_lists_every_channel_with_a_source_for_every_value():
    t = channel_catalogue()
    assert set(t.index.get_level_values("channel")) == {
        "siren",
        "sms",
        "radio",
        "loudspeaker",
        "church-bells",
        "door-to-door",
        "whatsapp",
    }
    assert t["source"].str.len().gt(10).all()
    assert (t.loc[(slice(None), "hearing"), "value"].to_dict()) == {
        ("siren", "hearing"): 0.0,
        ("sms", "hearing"): 1.0,
        ("radio", "hearing"): 0.0,
        ("loudspeaker", "hearing"): 0.0,
        ("church-bells", "hearing"): 0.0,
        ("door-to-door", "hearing"): 1.0,
        ("whatsapp", "hearing"): 1.0,
    }
    assert t.loc[("sms", "no_phone"), "value"] == 0.0
    assert t.loc[("sms", "visual"), "value"] == 0.5
    assert t.loc[("door-to-door", "no_phone"), "value"] == 1.0
    sources = group_traits()["source"]
    assert sources.str.len().gt(10).all()
    assert catalogue_channel("Cell broadcast") is CATALOGUE["sms"]
    assert catalogue_channel("bells", reach=0.1).sources["reach"] == "given by the user"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: catalogue_channel("pigeon"),
            ["unknown warning channel 'pigeon'", "siren", "whatsapp"],
        ),
        (
            lambda: informed_share(
                ONE_ZONE, ["siren", "carrier pigeon"], order_time=0, horizon="1h"
            ),
            ["carrier pigeon", "door-to-door"],
        ),
        (lambda: DisseminationChannel("x", 1.2), ["channel 'x'", "reach", "[0, 1]"]),
        (lambda: DisseminationChannel("x", {"informal": -0.1}), ["reach for 'informal'"]),
        (lambda: catalogue_channel("siren", reach=2.0), ["channel 'siren'", "reach"]),
        (lambda: DisseminationChannel("x", 0.5, -60.0), ["channel 'x'", "delay", ">= 0"]),
        (lambda: DisseminationChannel("x", 0.5, "-5min"), ["channel 'x'", "delay"]),
        (lambda: DisseminationChannel("x", 0.5, "10min", hearing=1.5), ["hearing"]),
        (
            lambda: DisseminationChannel("x", 0.5, Rayleigh(60.0), households_per_h=10.0),
            ["fixed delay"],
        ),
        (
            lambda: informed_share(
                pd.DataFrame({"population": [100.0, np.nan]}, index=[1, 2]),
                ["siren"],
                order_time=0,
                horizon="1h",
            ),
            ["zone 2", "no population", "'population' > 0"],
        ),
        (
            lambda: informed_share(
                pd.DataFrame({"persons": [0.0]}, index=[7]), ["siren"], order_time=0, horizon="1h"
            ),
            ["zone 7", "no population"],
        ),
        (
            lambda: informed_share(
                pd.DataFrame({"name": ["a"]}), ["siren"], order_time=0, horizon="1h"
            ),
            ["'persons' or 'population'"],
        ),
        (
            lambda: informed_share(ONE_ZONE, ["siren"], order_time="2h", horizon="1h"),
            ["horizon", "after order_time"],
        ),
        (
            lambda: informed_share(
                pd.DataFrame({"persons": [10.0], "kind": ["rural"]}, index=[3]),
                [DisseminationChannel("car", {"informal": 0.4})],
                order_time=0,
                horizon="1h",
            ),
            ["no reach for zone 3", "'rural'", "'default'"],
        ),
        (
            lambda: informed_share(ONE_ZONE, ["siren", "siren"], order_time=0, horizon="1h"),
            ["unique"],
        ),
    ],
)
def test_bad_inputs_name_the_field_and_the_fix(call, words):
    with pytest.raises(InputError) as err:
        call()
    for w in words:
        assert w in str(err.value)


def test_bad_feeding_inputs():
    s = informed_share(ONE_ZONE, ["sms"], order_time=0, horizon="1h")
    hh = pd.DataFrame({"zone": [1, 9], "persons": [4.0, 4.0]})
    with pytest.raises(InputError, match="zone 9 is not a zone of informed"):
        reception_times(hh, s, seed=1)
    with pytest.raises(InputError, match="no group 'martians'"):
        departure_channels(s, group="martians")
    m = DepartureModel(departure_channels(s), 600.0)
    with pytest.raises(InputError, match="one time per household"):
        sample_departures(hh, m, seed=1, reception=pd.Series([0.0], index=[0]))
    with pytest.raises(InputError, match=">= 0"):
        sample_departures(hh, m, seed=1, reception=pd.Series([-1.0, 0.0]))
