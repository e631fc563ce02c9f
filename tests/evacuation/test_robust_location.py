"""Robust centre choice across a storm set: the MILP against brute force over every subset."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from drm.errors import InputError
from drm.evacuation import (
    LocationResult,
    RobustLocationResult,
    choice_changes,
    locate_centres,
    locate_centres_robust,
)

STORMS = ["present", "rcp45", "rcp85"]
SITES = list("ABCDE")
POINTS = [f"z{i}" for i in range(1, 7)]
INF = np.inf

# Travel times (s), 6 demand points x 5 candidate sites; the bigger storms slow the roads and cut some.
TIMES = {
    "present": [
        [1193, 181, 1142, 518, 421],
        [692, 440, 641, 103, 200],
        [371, 761, 320, 424, 521],
        [883, 249, 832, 207, 110],
        [93, 1105, 144, 768, 865],
        [610, 521, 560, 185, 282],
    ],
    "rcp45": [
        [INF, 208, INF, 596, 484],
        [796, 506, 737, 118, 230],
        [427, 875, INF, 488, 599],
        [1015, 286, INF, 238, INF],
        [107, 1271, 166, 883, 995],
        [702, 599, 644, 213, INF],
    ],
    "rcp85": [
        [1551, 235, 1485, 673, 547],
        [900, 572, 833, 134, 260],
        [482, 989, 416, 551, INF],
        [1148, INF, 1082, 269, 143],
        [INF, 1436, 187, 998, INF],
        [INF, INF, INF, 240, INF],
    ],
}
# Persons at risk grow with the storm; B floods from rcp45 on, D under rcp85 (m).
PERSONS = {
    "present": [8, 28, 15, 22, 25, 25],
    "rcp45": [10, 36, 20, 29, 32, 32],
    "rcp85": [13, 45, 24, 35, 40, 40],
}
DEPTH = {"present": [0, 0, 0, 0, 0], "rcp45": [0, 0.3, 0, 0, 0], "rcp85": [0, 0.8, 0, 0.5, 0]}
CAPACITY = [70.0, 60.0, 80.0, 90.0, 75.0]
PENALTY = 10 * 1551.0  # the default: 10 x the largest finite time


def costs() -> dict[str, pd.DataFrame]:
    return {s: pd.DataFrame(np.array(TIMES[s], float), index=POINTS, columns=SITES) for s in STORMS}


def demand() -> dict[str, pd.Series]:
    return {s: pd.Series(np.array(PERSONS[s], float), index=POINTS) for s in STORMS}


def depth() -> dict[str, pd.Series]:
    return {s: pd.Series(DEPTH[s], index=SITES, dtype=float) for s in STORMS}


def usable() -> np.ndarray:
    """Sites (rows) x storms: dry to 0.15 m and reachable from some demand point."""
    D = np.array([TIMES[s] for s in STORMS], float)
    dry = np.array([DEPTH[s] for s in STORMS]).T <= 0.15
    return dry & np.isfinite(D).any(axis=1).T


def storm_totals(sites, cap=None) -> np.ndarray:
    """Each storm's cost + penalty x unmet persons for one set of open sites, in plain numpy."""
    ok = usable()
    out = []
    for s, name in enumerate(STORMS):
        D = np.array(TIMES[name], float)
        a = np.array(PERSONS[name], float)
        open_ = [j for j in sites if ok[j, s]]
        if cap is None:
            best = D[:, open_].min(axis=1) if open_ else np.full(len(a), np.inf)
            out.append(float(np.where(np.isfinite(best), a * best, a * PENALTY).sum()))
        else:
            out.append(_capacitated_total(D, a, open_, cap))
    return np.array(out)


def _capacitated_total(D, a, open_, cap) -> float:
    """Transportation problem as an assignment of single persons to places (integer data: exact)."""
    person = np.repeat(np.arange(len(a)), a.astype(int))
    total = person.size
    slot_site = np.concatenate([np.full(min(int(cap[j]), total), j) for j in open_] or [[]]).astype(
        int
    )
    travel = D[np.ix_(person, slot_site)] if slot_site.size else np.zeros((total, 0))
    travel = np.where(np.isfinite(travel), travel, 1e12)
    matrix = np.hstack([travel, np.full((total, total), PENALTY)])  # a place 'unmet' for everyone
    rows, cols = linear_sum_assignment(matrix)
    return float(matrix[rows, cols].sum())


def brute_force(criterion, weights=None, cap=None):
    """Best pair of sites and its value over all C(5, 2) subsets, with the value of the runner-up."""
    w = np.full(3, 1 / 3) if weights is None else np.asarray(weights, float) / np.sum(weights)
    pool = range(5) if criterion != "all-dry" else np.flatnonzero(usable().all(axis=1))
    values = {}
    for pair in itertools.combinations(pool, 2):
        t = storm_totals(pair, cap)
        values[pair] = t.max() if criterion == "worst" else float(w @ t)
    ranked = sorted(values, key=values.get)
    return (
        [SITES[j] for j in ranked[0]],
        values[ranked[0]],
        values[ranked[1]],
        storm_totals(ranked[0], cap),
    )


@pytest.mark.parametrize("criterion", ["expected", "worst", "all-dry"])
def test_each_criterion_equals_brute_force_over_all_subsets(criterion):
    sites, best, runner_up, totals = brute_force(criterion)
    assert runner_up > 1.01 * best  # the instance has a clear optimum
    r = locate_centres_robust(costs(), demand(), 2, site_depth=depth(), objective=criterion)
    assert isinstance(r, RobustLocationResult)
    assert r.open_sites == sites
    assert r.objective == pytest.approx(best, rel=1e-9)
    assert r.penalty == PENALTY
    assert r.status.startswith("optimal")
    assert r.gap <= 1e-7
    t = r.per_storm
    np.testing.assert_allclose(t["total"], totals, rtol=1e-12)
    np.testing.assert_allclose(t["cost"] + PENALTY * t["unmet"], t["total"], rtol=1e-12)
    np.testing.assert_allclose(t["served"] + t["unmet"], [sum(PERSONS[s]) for s in STORMS])
    # every demand point goes to its nearest usable open site, or is unmet
    ok = usable()
    for s, name in enumerate(STORMS):
        D = np.array(TIMES[name], float)
        open_ = [SITES.index(x) for x in sites if ok[SITES.index(x), s]]
        sub = D[:, open_]
        expect = [
            SITES[open_[k]] if np.isfinite(sub[i, k]) else None
            for i, k in enumerate(sub.argmin(axis=1))
        ]
        assert r.assignment[name].tolist() == expect
        assert t.loc[name, "sites_usable"] == len(open_)
        no_way = ~np.isfinite(np.where(ok[:, s], D, np.inf)).any(axis=1)
        assert t.loc[name, "cut_off"] == np.array(PERSONS[name])[no_way].sum()


def test_the_criteria_choose_differently_on_this_instance():
    chosen = {
        c: locate_centres_robust(costs(), demand(), 2, site_depth=depth(), objective=c).open_sites
        for c in ("expected", "worst", "all-dry")
    }
    assert chosen == {"expected": ["C", "D"], "worst": ["C", "E"], "all-dry": ["A", "C"]}
    # all-dry opens only sites usable in every storm (B and D flood) and says why the others are out
    r = locate_centres_robust(costs(), demand(), 2, site_depth=depth(), objective="all-dry")
    assert r.excluded.index.tolist() == ["B", "D"]
    assert r.excluded.loc["D", "reason"] == "flooded in 'rcp85': 0.50 m > 0.15 m"
    assert r.usable.loc["D"].tolist() == [True, True, False]


def test_weights_are_probabilities_normalised():
    sites, best, runner_up, _ = brute_force("expected", weights=[6, 3, 1])
    assert runner_up > 1.01 * best
    r = locate_centres_robust(
        costs(), demand(), 2, site_depth=depth(), weights={"present": 6, "rcp45": 3, "rcp85": 1}
    )
    assert r.open_sites == sites
    assert r.objective == pytest.approx(best, rel=1e-9)
    np.testing.assert_allclose(r.per_storm["weight"], [0.6, 0.3, 0.1], rtol=1e-12)
    same = locate_centres_robust(costs(), demand(), 2, site_depth=depth(), weights=[0.6, 0.3, 0.1])
    assert same.open_sites == r.open_sites
    assert same.objective == pytest.approx(r.objective, rel=1e-12)


def test_robust_choice_differs_from_the_present_climate_optimum():
    present = locate_centres(costs()["present"], p=2, demand=demand()["present"])
    assert isinstance(present, LocationResult)
    alone = locate_centres_robust({"present": costs()["present"]}, demand()["present"], 2)
    # one storm alone is the p-median of :func:`locate_centres` (everyone reaches every site today)
    assert alone.open_sites == present.open_sites == ["A", "D"]
    assert alone.objective == pytest.approx(present.objective, rel=1e-12)
    robust = locate_centres_robust(costs(), demand(), 2, site_depth=depth())
    worst = locate_centres_robust(costs(), demand(), 2, site_depth=depth(), objective="worst")
    table = choice_changes({"present": present, "robust": robust, "worst": worst})
    assert table.index.tolist() == ["A", "C", "D", "E"]
    assert table.columns.tolist() == ["present", "robust", "worst"]
    assert table.dtypes.eq(bool).all()
    assert table.to_dict("list") == {
        "present": [True, False, True, False],
        "robust": [False, True, True, False],
        "worst": [False, True, False, True],
    }
    # the present plan leaves more people unmet under rcp85 than the robust one
    present_totals = storm_totals([0, 3])
    assert present_totals[2] > robust.per_storm.loc["rcp85", "total"] + 1000


@pytest.mark.parametrize("criterion", ["expected", "worst"])
def test_capacitated_robust_equals_brute_force(criterion):
    sites, best, runner_up, totals = brute_force(criterion, cap=CAPACITY)
    assert runner_up > 1.001 * best
    r = locate_centres_robust(
        costs(),
        demand(),
        2,
        capacity=pd.Series(CAPACITY, index=SITES),
        site_depth=depth(),
        objective=criterion,
    )
    assert r.open_sites == sites == {"expected": ["A", "C"], "worst": ["C", "E"]}[criterion]
    assert r.objective == pytest.approx(best, rel=1e-9)
    np.testing.assert_allclose(r.per_storm["total"], totals, rtol=1e-9)
    load = r.allocation.groupby(["storm", "site"])["demand"].sum()
    cap = pd.Series(CAPACITY, index=SITES)
    assert (load <= cap.reindex(load.index.get_level_values("site")).to_numpy() + 1e-6).all()
    assert r.per_storm.loc["rcp85", "unmet"] > 0  # the places run out in the biggest storm
    np.testing.assert_allclose(
        r.per_storm["served"] + r.per_storm["unmet"], [sum(PERSONS[s]) for s in STORMS]
    )


def test_shared_inputs_nan_and_column_order_read_as_the_same_instance():
    ref = locate_centres_robust(costs(), demand(), 2, site_depth=depth())
    c = costs()
    c["rcp45"] = c["rcp45"].replace(np.inf, np.nan).iloc[::-1, ::-1]  # NaN = unreachable, any order
    r = locate_centres_robust(c, demand(), 2, site_depth=depth())
    assert r.open_sites == ref.open_sites
    assert r.objective == pytest.approx(ref.objective, rel=1e-12)
    # one demand for every storm equals the dict with that demand in each
    one = demand()["rcp85"]
    a = locate_centres_robust(costs(), one, 2, site_depth=depth())
    b = locate_centres_robust(costs(), {s: one for s in STORMS}, 2, site_depth=depth())
    assert a.open_sites == b.open_sites
    assert a.objective == pytest.approx(b.objective, rel=1e-12)
    # a larger penalty prices the unmet persons of rcp85 higher
    big = locate_centres_robust(costs(), demand(), 2, site_depth=depth(), penalty=1e6)
    assert big.penalty == 1e6
    assert big.objective > ref.objective


def test_result_shows_writes_and_draws(tmp_path):
    r = locate_centres_robust(costs(), demand(), 2, site_depth=depth(), objective="worst")
    text = repr(r)
    assert text.startswith("RobustLocationResult:")
    assert "criterion: worst" in text
    assert "worst storm: rcp85" in text
    files = r.to_files(tmp_path)
    assert sorted(files) == ["allocation", "assignment", "excluded", "per_storm", "usable"]
    back = pd.read_csv(files["per_storm"], index_col=0)
    np.testing.assert_allclose(back["total"], r.per_storm["total"], rtol=1e-12)
    fig = r.plot()
    try:
        assert [ax.get_ylabel() for ax in fig.axes] == ["persons", "mean travel time (min)"]
    finally:
        plt.close(fig)


def _with(storm, frame):
    c = costs()
    c[storm] = frame
    return c


BAD = {
    "empty storm set": (lambda: ({}, demand(), 2), {}, "non-empty dict"),
    "not a dict": (lambda: (costs()["present"], demand(), 2), {}, "dict of storm name"),
    "other candidates": (
        lambda: (_with("rcp45", costs()["rcp45"].rename(columns={"E": "F"})), demand(), 2),
        {},
        "costs['rcp45'] has other candidates",
    ),
    "negative cost": (
        lambda: (_with("rcp85", costs()["rcp85"].replace(240.0, -1.0)), demand(), 2),
        {},
        "costs['rcp85']: costs must be >= 0",
    ),
    "p zero": (lambda: (costs(), demand(), 0), {}, "p must be a whole number"),
    "p fractional": (lambda: (costs(), demand(), 1.5), {}, "p must be a whole number"),
    "p above the dry sites": (
        lambda: (costs(), demand(), 4),
        {"site_depth": depth(), "objective": "all-dry"},
        "only 3 of 5 candidates are dry and reachable in every storm",
    ),
    "p above the candidates": (lambda: (costs(), demand(), 6), {}, "only 5 of 5 candidates"),
    "negative weight": (
        lambda: (costs(), demand(), 2),
        {"weights": [1, -1, 1]},
        "weights must be finite, >= 0",
    ),
    "weights sum to zero": (
        lambda: (costs(), demand(), 2),
        {"weights": [0, 0, 0]},
        "sum to more than 0",
    ),
    "weights miss a storm": (
        lambda: (costs(), demand(), 2),
        {"weights": {"present": 1, "rcp45": 1}},
        "no entry for storm(s) ['rcp85']",
    ),
    "weights of the wrong length": (
        lambda: (costs(), demand(), 2),
        {"weights": [1, 1]},
        "one per storm",
    ),
    "weights with worst": (
        lambda: (costs(), demand(), 2),
        {"weights": [1, 1, 1], "objective": "worst"},
        "weights do not apply to objective='worst'",
    ),
    "demand misses a storm": (
        lambda: (costs(), {"present": demand()["present"]}, 2),
        {},
        "demand has no entry for storm(s) ['rcp45', 'rcp85']",
    ),
    "demand misses a point": (
        lambda: (costs(), demand()["present"].drop("z3"), 2),
        {},
        "demand for storm 'present' must be finite",
    ),
    "demand of the wrong length": (
        lambda: (costs(), [1.0, 2.0], 2),
        {},
        "demand has 2 values for 6 labels",
    ),
    "demand missing": (lambda: (costs(), None, 2), {}, "demand is required"),
    "demand as text": (lambda: (costs(), "many", 2), {}, "demand must be numbers"),
    "weights as text": (
        lambda: (costs(), demand(), 2),
        {"weights": ["a", "b", "c"]},
        "weights must be numbers",
    ),
    "penalty below the costs": (
        lambda: (costs(), demand(), 2),
        {"penalty": 100.0},
        "penalty must be finite",
    ),
    "capacity zero": (
        lambda: (costs(), demand(), 2),
        {"capacity": [1, 1, 0, 1, 1]},
        "capacity must be a positive",
    ),
    "capacity of the wrong length": (
        lambda: (costs(), demand(), 2),
        {"capacity": [5, 5]},
        "capacity has 2 values",
    ),
    "capacity misses a site": (
        lambda: (costs(), demand(), 2),
        {"capacity": {"A": 5, "B": 5}},
        "capacity must be a positive",
    ),
    "p infinite": (lambda: (costs(), demand(), float("inf")), {}, "p must be a whole number"),
    "unknown objective": (lambda: (costs(), demand(), 2), {"objective": "mean"}, "objective"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_inputs_raise_input_error_naming_the_argument(case):
    args, kwargs, words = BAD[case]
    with pytest.raises(InputError) as err:
        locate_centres_robust(*args(), **kwargs)
    assert words in str(err.value)


def test_choice_changes_refuses_what_is_not_a_plan():
    with pytest.raises(InputError, match="non-empty dict"):
        choice_changes({})
    with pytest.raises(InputError, match=r"results\['x'\] is a list"):
        choice_changes({"x": ["A", "B"]})


def test_a_pure_lp_reports_a_zero_gap():
    """HiGHS gives no MIP gap for a problem without integers; drm's solver wrapper says 0, not a crash."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds

    from drm.evacuation.location import _solve

    res, gap, status = _solve(
        np.array([1.0, 2.0]), sp.csr_matrix([[1.0, 1.0]]), [1.0], [np.inf], np.zeros(2),
        Bounds(0, 10), 5,
    )  # fmt: skip
    assert res.x.tolist() == [1.0, 0.0]
    assert (gap, status) == (0.0, "optimal")
