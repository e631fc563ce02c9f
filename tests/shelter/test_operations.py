"""Operations: consumption = integral of occupancy x rate, stock never negative, resupply timing by hand."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from drm.demographics import default_profile
from drm.errors import DrmWarning, InputError
from drm.shelter import ResupplyPolicy, capacity, load_standard, simulate_operations

DAY = 86400.0
HOUR = 3600.0
MONTH = 365.25 / 12 * DAY


def _centres(*ids):
    return pd.DataFrame({"id": list(ids), "floor_area_m2": 1000.0, "toilets": 4, "taps": 2})


def _plenty(ids, std):
    """A huge stock of every consumable at every centre: nothing ever runs out."""
    items = [k for k in std.items if k in std.catalogue.index]
    return pd.DataFrame(
        [(c, k, 1e12) for c in ids for k in items], columns=["site_id", "item", "quantity"]
    )


arrival_rows = st.lists(
    st.tuples(st.integers(0, 3 * 24 * 60 - 1), st.sampled_from(["A", "B"]), st.floats(1.0, 500.0)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=arrival_rows, leave_h=st.one_of(st.none(), st.integers(1, 71)))
def test_consumption_is_the_integral_of_occupancy_times_rate(rows, leave_h):
    std = load_standard()
    days, end = 3.0, 3 * DAY
    arrivals = pd.DataFrame(
        [(60.0 * m, c, p) for m, c, p in rows], columns=["time_s", "centre", "persons"]
    )
    leave = (
        None if leave_h is None else leave_h * HOUR + 30.0
    )  # never at the same second as an arrival
    r = simulate_operations(
        arrivals,
        _centres("A", "B"),
        _plenty(["A", "B"], std),
        standard=std,
        days=days,
        returns=None if leave is None else {"A": leave},
        record="6h",
    )
    share = default_profile().shares
    for c in ("A", "B"):
        mine = arrivals[arrivals["centre"] == c]
        stop = np.where(
            (c == "A") & (leave is not None) & (mine["time_s"] < (leave or 0)), leave or 0, end
        )
        person_s = float((mine["persons"] * (stop - mine["time_s"])).sum())
        s = r.summary.loc[c]
        assert s.loc["water_l", "consumed"] == pytest.approx(
            15.0 * person_s / DAY, rel=1e-9, abs=1e-9
        )
        assert s.loc["food_ration", "consumed"] == pytest.approx(person_s / DAY, rel=1e-9, abs=1e-9)
        assert s.loc["hygiene_kit", "consumed"] == pytest.approx(
            person_s / 4.0 / MONTH, rel=1e-9, abs=1e-12
        )
        assert s.loc["emergency_health_kit", "consumed"] == pytest.approx(
            person_s / 1000 / (3 * MONTH), rel=1e-9, abs=1e-12
        )
        once = float(mine["persons"].sum())
        assert s.loc["menstrual_hygiene_kit", "consumed"] == pytest.approx(
            once * share["woman_15_49"], rel=1e-9
        )
        assert s.loc["blanket", "consumed"] == pytest.approx(once, rel=1e-9)
        assert float(r.ds["person_days"].sel(centre=c)[-1]) == pytest.approx(
            person_s / DAY, rel=1e-9, abs=1e-9
        )
        assert (s["unmet"] <= 1e-6).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=arrival_rows,
    stock=st.lists(st.floats(0.0, 20000.0), min_size=4, max_size=4),
    travel=st.lists(st.floats(600.0, 6 * HOUR), min_size=4, max_size=4),
    closed=st.tuples(st.floats(0.0, 2 * DAY), st.floats(HOUR, 2 * DAY)),
    trucks=st.integers(0, 2),
    seed=st.integers(0, 10),
)
def test_stock_never_negative_and_mass_is_conserved(rows, stock, travel, closed, trucks, seed):
    arrivals = pd.DataFrame(
        [(60.0 * m, c, p) for m, c, p in rows], columns=["time_s", "centre", "persons"]
    )
    stock_table = pd.DataFrame(
        {
            "site_id": ["A", "W1", "W2", "W2"],
            "item": ["water_l", "water_l", "water_l", "blanket"],
            "quantity": stock,
        }
    )
    warehouses = pd.DataFrame(
        {"id": ["W1", "W2"], "trucks": [trucks, 1], "truck_capacity_kg": [3000.0, 1500.0]}
    )
    routes = pd.DataFrame(
        {
            "warehouse": ["W1", "W1", "W2", "W2"],
            "centre": ["A", "B", "A", "B"],
            "travel_time_s": travel,
            "closed_from_s": [closed[0], np.nan, np.nan, closed[0]],
            "closed_until_s": [closed[0] + closed[1], np.nan, np.nan, np.nan],
        }
    )
    r = simulate_operations(
        arrivals,
        _centres("A", "B"),
        stock_table,
        warehouses,
        days=3,
        routes=routes,
        policy=ResupplyPolicy(travel_time_cv=0.3),
        seed=seed,
        record="3h",
    )
    ds = r.ds
    assert float(ds["stock"].min()) >= 0.0
    assert (ds["consumed"] <= ds["demand"] + 1e-9).all()
    periodic = ds["item"] == "water_l"
    gap = (ds["consumed"] + ds["unmet"] - ds["demand"]).where(periodic)
    assert float(abs(gap).max()) <= 1e-6 * max(1.0, float(ds["demand"].max()))
    initial = stock_table.groupby("item")["quantity"].sum()
    final = ds.isel(time=-1)
    for item, total in initial.items():
        left = float(
            final["stock"].sel(item=item).sum()
            + final["consumed"].sel(item=item).sum()
            + final["on_order"].sel(item=item).sum()
        )
        assert left == pytest.approx(total, rel=1e-9, abs=1e-6)


def _one_centre(**route):
    centres = _centres("A")
    warehouses = pd.DataFrame({"id": ["W"], "trucks": [1], "truck_capacity_kg": [2000.0]})
    stock = pd.DataFrame({"site_id": ["W"], "item": ["water_l"], "quantity": [100000.0]})
    arrivals = pd.DataFrame({"time_s": [0.0], "centre": ["A"], "persons": [100.0]})
    routes = pd.DataFrame({"warehouse": ["W"], "centre": ["A"], "travel_time_s": [HOUR], **route})
    return arrivals, centres, stock, warehouses, routes


def test_resupply_timing_and_truckloads_by_hand():
    # 100 people arrive at 0 with no water. The review at 0 orders up to 4 days (6,000 L) = three loads of
    # 2,000 kg on one truck. Each trip: 4 h loading, 1 h out, 1 h back, so the loads arrive at 5 h, 11 h
    # and 17 h; before 5 h the people miss 100 x 15 x 5/24 L.
    arrivals, centres, stock, warehouses, routes = _one_centre()
    r = simulate_operations(arrivals, centres, stock, warehouses, days=3, routes=routes)
    first = r.deliveries[r.deliveries["item"] == "water_l"].head(3)
    assert first["time_s"].tolist() == [5 * HOUR, 11 * HOUR, 17 * HOUR]
    assert first["quantity"].tolist() == [2000.0] * 3
    s = r.summary.loc[("A", "water_l")]
    assert s["unmet"] == pytest.approx(100 * 15 * 5 / 24)
    assert s["unmet_basis_days"] == pytest.approx(100 * 5 / 24)  # person-days without water
    assert s["demand"] == pytest.approx(100 * 15 * 3)
    out = r.stockouts[(r.stockouts["item"] == "water_l")].iloc[0]
    assert (out["start_s"], out["end_s"]) == (0.0, 5 * HOUR)


def test_a_closed_road_delays_the_first_delivery():
    # Closed until 20 h: the truck loaded by 4 h waits, leaves at 20 h and arrives at 21 h.
    arrivals, centres, stock, warehouses, routes = _one_centre(
        closed_from_s=[0.0], closed_until_s=[20 * HOUR]
    )
    r = simulate_operations(arrivals, centres, stock, warehouses, days=3, routes=routes)
    assert r.deliveries["time_s"].iloc[0] == 21 * HOUR
    assert r.summary.loc[("A", "water_l"), "unmet"] == pytest.approx(100 * 15 * 21 / 24)
    closed = routes.assign(closed_from_s=[0.0], closed_until_s=[np.nan])  # closed for good
    r2 = simulate_operations(arrivals, centres, stock, warehouses, days=3, routes=closed)
    assert r2.deliveries.empty
    assert float(r2.ds["stock"].sel(site="W", item="water_l")[-1]) == 100000.0


def test_returns_empty_the_centres_and_stop_consumption():
    std = load_standard()
    arrivals = pd.DataFrame({"time_s": [0.0, 0.0], "centre": ["A", "B"], "persons": [100.0, 50.0]})
    r = simulate_operations(
        arrivals, _centres("A", "B"), _plenty(["A", "B"], std), days=4, returns="2d"
    )
    occ = r.ds["occupancy"]
    assert float(occ.sel(time=2 * DAY - HOUR).sum()) == 150
    assert float(occ.sel(time=2 * DAY).sum()) == 0
    assert r.summary.loc[("A", "water_l"), "consumed"] == pytest.approx(100 * 15 * 2)
    leave = pd.DataFrame({"time_s": [DAY], "centre": ["A"], "persons": [40.0]})
    r2 = simulate_operations(
        arrivals, _centres("A", "B"), _plenty(["A", "B"], std), days=4, returns=leave
    )
    assert r2.summary.loc[("A", "water_l"), "consumed"] == pytest.approx(15 * (100 * 1 + 60 * 3))
    with pytest.warns(DrmWarning, match="more persons to leave"):
        simulate_operations(
            arrivals,
            _centres("A", "B"),
            _plenty(["A", "B"], std),
            days=4,
            returns=leave.assign(persons=500.0),
        )


def test_series_per_centre_equals_rows():
    std = load_standard()
    wide = pd.DataFrame({"A": [10.0, 20.0], "B": [5.0, 0.0]}, index=[0.0, HOUR])
    rows = pd.DataFrame(
        {"time_s": [0.0, 0.0, HOUR], "centre": ["A", "B", "A"], "persons": [10.0, 5.0, 20.0]}
    )
    a = simulate_operations(wide, _centres("A", "B"), _plenty(["A", "B"], std), days=1)
    b = simulate_operations(rows, _centres("A", "B"), _plenty(["A", "B"], std), days=1)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_travel_time_draws_follow_the_seed():
    arrivals, centres, stock, warehouses, routes = _one_centre()
    policy = ResupplyPolicy(travel_time_cv=0.5)
    runs = [
        simulate_operations(
            arrivals, centres, stock, warehouses, days=3, routes=routes, policy=policy, seed=s
        )
        .deliveries["time_s"]
        .to_numpy()
        for s in (7, 7, 8)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_valley_town_week_end_to_end(town):
    # 10,000 evacuees arrive over 12 h, split between the centres in proportion to their capacity.
    cap = capacity(town.centres)["capacity_persons"]
    steps = np.arange(0.0, 12 * HOUR, 600.0)
    arrivals = pd.DataFrame(
        [(t, c, 10000 / len(steps) * w) for t in steps for c, w in (cap / cap.sum()).items()],
        columns=["time_s", "centre", "persons"],
    )
    started = time.perf_counter()
    r = simulate_operations(
        arrivals,
        town.centres,
        town.stock,
        town.warehouses,
        days=7,
        returns={c: "5d" for c in ("C03", "C05", "C10")},
    )
    elapsed = time.perf_counter() - started
    assert elapsed < 10.0  # a week for 12 centres and 10,000 people: about a second on one core
    ds = r.ds
    assert float(ds["occupancy"].sum("centre").max()) == pytest.approx(10000.0)
    person_s = sum(
        p * ((5 * DAY if c in ("C03", "C05", "C10") else 7 * DAY) - t)
        for t, c, p in arrivals.itertuples(index=False)
    )
    assert float(ds["person_days"].isel(time=-1).sum()) == pytest.approx(person_s / DAY, rel=1e-9)
    water = r.summary.xs("water_l", level="item")
    assert water["demand"].sum() == pytest.approx(15 * person_s / DAY, rel=1e-9)
    initial = town.stock.groupby("item")["quantity"].sum()
    final = ds.isel(time=-1)
    for item, total in initial.items():
        left = float(
            final["stock"].sel(item=item).sum()
            + final["consumed"].sel(item=item).sum()
            + final["on_order"].sel(item=item).sum()
        )
        assert left == pytest.approx(total, rel=1e-9)
    assert float(ds["stock"].min()) >= 0
    # the sample stock covers a few thousand people for a few days, not 10,000 for a week
    assert water["unmet"].sum() > 0.5 * water["demand"].sum()
    assert set(r.deliveries["warehouse"]) <= {"W1", "W2", "W3"}
    assert r.deliveries["time_s"].min() >= 4 * HOUR  # nothing arrives before the loading lead time
    assert "peak occupancy: 10,000 persons" in repr(r)
    assert "<table" in r._repr_html_()
    assert isinstance(r.plot(), Figure)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"stock": pd.DataFrame({"site_id": ["A"], "item": ["water_l"], "quantity": [-1.0]})},
            "negative stock",
        ),
        (
            {"stock": pd.DataFrame({"site_id": ["A"], "item": ["gizmo"], "quantity": [1.0]})},
            "unknown item 'gizmo'",
        ),
        (
            {"stock": pd.DataFrame({"site_id": ["Z"], "item": ["water_l"], "quantity": [1.0]})},
            "neither a centre",
        ),
        (
            {
                "stock": pd.DataFrame(
                    {"site_id": ["A"], "item": ["water_l"], "quantity": [1.0], "unit": ["kg"]}
                )
            },
            "unit 'kg' cannot be converted to 'L'",
        ),
        (
            {"arrivals": pd.DataFrame({"time_s": [0.0], "centre": ["Q"], "persons": [1.0]})},
            "centre 'Q'",
        ),
        (
            {"arrivals": pd.DataFrame({"time_s": [0.0], "centre": ["A"], "persons": [-3.0]})},
            "persons",
        ),
        ({"centres": pd.DataFrame({"id": ["A"], "floor_area_m2": [np.nan]})}, "floor_area_m2"),
        ({"days": 0}, "days"),
    ],
)
def test_bad_inputs_raise_clear_errors(change, message):
    args = {
        "arrivals": pd.DataFrame({"time_s": [0.0], "centre": ["A"], "persons": [10.0]}),
        "centres": _centres("A"),
        "stock": pd.DataFrame({"site_id": ["A"], "item": ["water_l"], "quantity": [10.0]}),
    } | change
    days = args.pop("days", 1)
    with pytest.raises(InputError, match=message):
        simulate_operations(args["arrivals"], args["centres"], args["stock"], days=days)


def test_a_stockout_starts_when_the_stock_runs_out_not_at_the_record_before():
    # 200 persons arrive at 1h30m with 1,000 L of water at 15 L/person/day (Sphere):
    # the water lasts 1000 / (200 * 15 / 86400 s) = 28,800 s, so it runs out at 34,200 s,
    # inside the hourly record interval that starts at 32,400 s; blankets (a handout)
    # are short the moment the 200 arrive with 150 in stock
    centres = pd.DataFrame({"id": ["A"], "floor_area_m2": [700.0], "toilets": [4], "taps": [1]})
    arrivals = pd.DataFrame({"time_s": [5400.0], "centre": ["A"], "persons": [200.0]})
    stock = pd.DataFrame(
        {"site_id": ["A", "A"], "item": ["water_l", "blanket"], "quantity": [1000.0, 150.0]}
    )
    r = simulate_operations(arrivals, centres, stock, days=3)
    start = r.stockouts.set_index("item")["start_s"]
    assert start["water_l"] == pytest.approx(34200.0, abs=1e-6)
    assert start["blanket"] == pytest.approx(5400.0, abs=1e-9)
    assert r.summary.loc[("A", "water_l"), "first_stockout_s"] == pytest.approx(34200.0, abs=1e-6)
