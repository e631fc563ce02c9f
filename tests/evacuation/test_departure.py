"""Departure curves, warning reception and sampled departures against closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from drm.errors import InputError
from drm.evacuation.departure import (
    Channel,
    DepartureModel,
    Empirical,
    Fixed,
    Logistic,
    Rayleigh,
    Uniform,
    Weibull,
    make_households,
    sample_departures,
)

T = np.linspace(0.0, 4 * 3600.0, 97)
N = 20_000
# Kolmogorov-Smirnov critical value at the 0.1 % level: 1.95 / sqrt(n)
KS_CRIT = 1.95 / np.sqrt(N)


# --------------------------------------------------------------------------- closed forms


def test_rayleigh_matches_scipy_and_its_formula():
    r = Rayleigh(sigma_s=1200.0, delay_s=600.0)
    np.testing.assert_allclose(r.cdf(T), stats.rayleigh(loc=600.0, scale=1200.0).cdf(T), atol=1e-14)
    # F(delay + sigma) = 1 - exp(-1/2); median = delay + sigma sqrt(2 ln 2)
    assert float(r.cdf(1800.0)) == pytest.approx(1 - np.exp(-0.5), rel=1e-14)
    assert float(r.ppf(0.5)) == pytest.approx(600.0 + 1200.0 * np.sqrt(2 * np.log(2)), rel=1e-14)
    assert float(r.cdf(599.0)) == 0.0


def test_rayleigh_is_weibull_of_shape_two():
    r = Rayleigh("15min", delay_s="2min")
    w = Weibull(scale_s=900.0 * np.sqrt(2.0), shape=2.0, delay_s=120.0)
    np.testing.assert_allclose(r.cdf(T), w.cdf(T), atol=1e-14)


@pytest.mark.parametrize("shape", [0.7, 1.0, 3.5])
def test_weibull_matches_scipy(shape):
    w = Weibull(scale_s="40min", shape=shape, delay_s=300.0)
    ref = stats.weibull_min(c=shape, loc=300.0, scale=2400.0)
    np.testing.assert_allclose(w.cdf(T), ref.cdf(T), atol=1e-13)
    q = np.array([0.01, 0.3, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(w.ppf(q), ref.ppf(q), rtol=1e-12)


def test_logistic_median_rise_time_and_scipy():
    alpha, beta = 1e-3, 5400.0
    c = Logistic(alpha_per_s=alpha, beta_s=beta)
    assert float(c.cdf(beta)) == 0.5
    assert float(c.ppf(0.9) - c.ppf(0.1)) == pytest.approx(np.log(81.0) / alpha, rel=1e-12)
    np.testing.assert_allclose(
        c.cdf(T), stats.logistic(loc=beta, scale=1 / alpha).cdf(T), atol=1e-14
    )
    # before the order nobody leaves; the share F(0) leaves at the order
    assert float(c.cdf(-1.0)) == 0.0
    assert float(c.ppf(0.5 * float(c.cdf(0.0)))) == 0.0
    r = Logistic.from_rise("90min", "1h")
    assert float(r.ppf(0.9) - r.ppf(0.1)) == pytest.approx(3600.0, rel=1e-12)
    assert float(r.cdf(5400.0)) == 0.5


def test_uniform_fixed_empirical_by_hand():
    u = Uniform("10min", "50min")
    assert u.cdf([0.0, 600.0, 1800.0, 3000.0, 4000.0]).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]
    assert Fixed(300).cdf([299.9, 300.0]).tolist() == [0.0, 1.0]
    e = Empirical([600, 1800, 3600, 7200], [0.1, 0.5, 0.5, 1.0])
    # 10 % leave at 600 s, 40 % spread to 1800 s, a pause, the rest by 7200 s
    np.testing.assert_allclose(
        e.cdf([599.0, 600.0, 1200.0, 2700.0, 5400.0]), [0, 0.1, 0.3, 0.5, 0.75]
    )
    np.testing.assert_allclose(e.ppf([0.05, 0.3, 0.5, 0.75, 1.0]), [600, 1200, 1800, 5400, 7200])
    f = Empirical.from_times([60.0, 120.0, 120.0, 240.0])
    assert f.times_s == (60.0, 120.0, 240.0)
    assert f.fractions == (0.0, 0.75, 1.0)


@pytest.mark.parametrize(
    "curve",
    [
        Rayleigh(700.0, 60.0),
        Weibull(2000.0, 1.7, 30.0),
        Logistic(2e-3, 3600.0),
        Uniform(100.0, 900.0),
        Empirical([0.0, 600.0, 3600.0], [0.0, 0.2, 1.0]),
    ],
)
def test_ppf_inverts_cdf(curve):
    q = np.linspace(0.01, 0.99, 50)
    np.testing.assert_allclose(curve.cdf(curve.ppf(q)), q, atol=1e-12)


# --------------------------------------------------------------------------- sampling


@pytest.mark.parametrize(
    ("curve", "ref"),
    [
        (Rayleigh(1200.0, 300.0), stats.rayleigh(loc=300.0, scale=1200.0).cdf),
        (Weibull(1800.0, 0.8), stats.weibull_min(c=0.8, scale=1800.0).cdf),
        (Uniform(0.0, 7200.0), stats.uniform(loc=0.0, scale=7200.0).cdf),
    ],
)
def test_samples_follow_the_closed_form(curve, ref):
    x = curve.sample(N, np.random.default_rng(7))
    assert stats.kstest(x, ref).statistic < KS_CRIT


def test_logistic_samples_atom_at_the_order_then_the_s_curve():
    alpha, beta = 1.5e-3, 1800.0
    ref = stats.logistic(loc=beta, scale=1 / alpha)
    x = Logistic(alpha, beta).sample(N, np.random.default_rng(7))
    f0 = ref.cdf(0.0)  # 6.3 %: these leave at the order itself
    assert (x == 0).mean() == pytest.approx(f0, abs=4 * np.sqrt(f0 * (1 - f0) / N))
    later = x[x > 0]
    conditional = lambda t: (ref.cdf(t) - f0) / (1 - f0)  # noqa: E731
    assert stats.kstest(later, conditional).statistic < 1.95 / np.sqrt(later.size)


# --------------------------------------------------------------------------- reception and departure curves


def test_warned_share_closed_form_for_two_channels():
    m = DepartureModel(
        [Channel("siren", 0.6, 60.0), Channel("door-to-door", 0.9, Uniform(0, "1h"))],
        Rayleigh("10min"),
    )
    # at 30 min: 1 - (1 - 0.6 x 1)(1 - 0.9 x 0.5) = 0.78; before the siren: 1 - (1 - 0.9 x 30/3600)
    np.testing.assert_allclose(m.warned_share([1800.0, 30.0]), [0.78, 0.9 * 30 / 3600], rtol=1e-12)
    assert m.warned_total == pytest.approx(1 - 0.4 * 0.1, rel=1e-12)


def test_departures_convolution_matches_hypoexponential():
    # exponential reception (rate l1) then exponential response (rate l2):
    # D(t) = 1 - (l2 exp(-l1 t) - l1 exp(-l2 t)) / (l2 - l1)
    l1, l2 = 1 / 600.0, 1 / 1500.0
    m = DepartureModel([Channel("sms", 1.0, Weibull(1 / l1, 1.0))], Weibull(1 / l2, 1.0))
    exact = 1 - (l2 * np.exp(-l1 * T) - l1 * np.exp(-l2 * T)) / (l2 - l1)
    np.testing.assert_allclose(m.departed_share(T), exact, atol=2e-6)


def test_fixed_delay_shifts_the_rayleigh_curve():
    sigma, delay, reach, comply = 1200.0, 600.0, 0.8, 0.75
    m = DepartureModel([Channel("siren", reach, delay)], Rayleigh(sigma), compliance=comply)
    exact = stats.rayleigh(loc=delay, scale=sigma).cdf(T)
    # the grid step is about 1 s: a jump placed half a step off moves F by < f_max x 0.5 s
    np.testing.assert_allclose(m.departed_share(T), reach * comply * exact, atol=5e-4)
    np.testing.assert_allclose(m.cdf(T), exact, atol=5e-4)
    assert m.quantile(0.5) == pytest.approx(delay + sigma * np.sqrt(2 * np.log(2)), abs=2.0)
    assert float(m(1e6)) == 1.0  # the clearance estimate needs F to reach 1


def test_sampled_departures_follow_the_model():
    sigma, delay = 900.0, 120.0
    m = DepartureModel([Channel("sms", 1.0, delay)], Rayleigh(sigma))
    d = sample_departures(pd.Series(np.full(N, 3.0), name="persons"), m, order_time="2h", seed=11)
    gone = d.households["departure_s"].to_numpy()
    assert (
        stats.kstest(gone, stats.rayleigh(loc=7200.0 + delay, scale=sigma).cdf).statistic < KS_CRIT
    )


def test_outcomes_and_first_channel_shares():
    m = DepartureModel(
        [Channel("siren", 0.6, 60.0), Channel("sms", 0.5, 300.0)], Rayleigh(600.0), compliance=0.7
    )
    d = sample_departures(pd.Series(np.ones(N), name="persons"), m, seed=3)
    h = d.households
    # binomial shares, each within 4 standard errors sqrt(p(1-p)/N) (< 0.0142)
    tol = 4 * np.sqrt(0.25 / N)
    assert (h["channel"] == "siren").mean() == pytest.approx(0.6, abs=tol)
    assert (h["channel"] == "sms").mean() == pytest.approx(0.4 * 0.5, abs=tol)
    assert (h["outcome"] == "not warned").mean() == pytest.approx(0.2, abs=tol)
    assert (h["outcome"] == "refuses").mean() == pytest.approx(0.8 * 0.3, abs=tol)
    assert set(h.loc[h["channel"] == "siren", "warned_s"]) == {60.0}
    assert set(h.loc[h["channel"] == "sms", "warned_s"]) == {300.0}
    assert h.loc[~h["leaves"], "departure_s"].isna().all()
    assert d.persons_by_outcome().sum() == pytest.approx(N)
    assert d.cumulative([1e9]).iloc[0] == pytest.approx(float(h.loc[h["leaves"], "persons"].sum()))


def test_same_seed_same_departures_other_seed_differs():
    m = DepartureModel(
        [Channel("radio", 0.7, Rayleigh(300.0))], Logistic.from_rise("1h", "40min"), 0.9
    )
    hh = pd.DataFrame({"persons": np.arange(1.0, 501.0), "zone": np.repeat([1, 2], 250)})
    a = sample_departures(hh, m, order_time=3600, seed=42).households
    b = sample_departures(hh, m, order_time=3600, seed=42).households
    c = sample_departures(hh, m, order_time=3600, seed=43).households
    pd.testing.assert_frame_equal(a, b)
    assert not a["departure_s"].equals(c["departure_s"])
    assert (a["zone"] == hh["zone"]).all()


# --------------------------------------------------------------------------- households


def test_make_households_keeps_totals():
    origins = pd.DataFrame(
        {"persons": [10.0, 3.0, 0.0, 1.2], "node": [5, 6, 7, 8]}, index=["a", "b", "c", "d"]
    )
    h = make_households(origins, household_size=4.0)
    by = h.groupby("origin")["persons"].agg(["size", "sum"])
    # 14.2 / 4 = 3.55 -> 4 households; floors 2, 0, 0 and the two largest remainders
    # (b: 0.75, a: 0.5) get one more; d's 1.2 persons join the next origin with households (b)
    assert by["size"].to_dict() == {"a": 3, "b": 1}
    np.testing.assert_allclose(by["sum"].to_numpy(), [10.0, 4.2])
    assert h["from_origins"].tolist() == [1, 1, 1, 2]
    assert h.loc[h["origin"] == "a", "node"].tolist() == [5, 5, 5]
    # default: the demographic profile's 4 persons per household
    assert len(make_households(origins)) == len(h)
    sizes = pd.Series({"a": 2.0, "b": 1.0, "c": 1.0, "d": 1.0})
    assert len(make_households(origins, household_size=sizes)) == 5 + 3 + 1


def test_households_follow_household_size_not_cells():
    """The issue's case: 624 people at 3.8 persons per household give 164 households, not 497."""
    rng = np.random.default_rng(3)
    persons = rng.dirichlet(np.ones(497)) * 624.0
    cells = pd.DataFrame(
        {"x": rng.uniform(0, 2000, 497), "y": rng.uniform(0, 2000, 497), "persons": persons,
         "zone": rng.integers(1, 4, 497)}
    )
    h = make_households(cells, household_size=3.8)
    expected = sum(
        max(1, round(p / 3.8)) for p in cells.groupby("zone")["persons"].sum()
    )
    assert len(h) == expected
    assert abs(len(h) - 624 / 3.8) <= 3
    assert h["persons"].sum() == pytest.approx(624.0, rel=1e-12)
    # nobody changes zone when joining a neighbour
    np.testing.assert_allclose(
        h.groupby("zone")["persons"].sum().to_numpy(),
        cells.groupby("zone")["persons"].sum().to_numpy(),
        rtol=1e-12,
    )


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "build",
    [
        lambda: Channel("siren", 1.5),
        lambda: Channel("siren", -0.1),
        lambda: DepartureModel([Channel("a", 0.5)], Rayleigh(60.0), compliance=1.2),
        lambda: DepartureModel([Channel("a", 0.5), Channel("a", 0.2)], Rayleigh(60.0)),
        lambda: DepartureModel([], Rayleigh(60.0)),
        lambda: Rayleigh(0.0),
        lambda: Rayleigh(-5.0),
        lambda: Weibull(60.0, shape=0.0),
        lambda: Logistic(-1e-3, 60.0),
        lambda: Uniform(60.0, 60.0),
        lambda: Empirical([0.0, 60.0], [0.0, 0.9]),
        lambda: Empirical([0.0, 60.0], [0.5, 0.2]),
        lambda: Rayleigh(60.0).ppf(1.5),
        lambda: make_households(pd.Series([-1.0], name="persons"), household_size=4),
        lambda: make_households(pd.Series([4.0], name="persons"), household_size=0),
    ],
)
def test_bad_parameters_raise(build):
    with pytest.raises(InputError):
        build()


def test_nobody_leaves_is_counted_and_cdf_refuses():
    m = DepartureModel([Channel("siren", 0.0, 60.0)], Rayleigh(600.0))
    d = sample_departures(pd.Series([2.0, 3.0], name="persons"), m, seed=0)
    assert d.persons_by_outcome().to_dict() == {"departs": 0.0, "not warned": 5.0, "refuses": 0.0}
    with pytest.raises(InputError, match="nobody leaves"):
        m.cdf(60.0)
    with pytest.raises(InputError, match="nobody leaves"):
        m.quantile(0.5)
    assert len(m.plot().axes[0].lines) == 3


def test_result_display_and_plots():
    m = DepartureModel([Channel("sms", 0.9, Uniform(0, 600))], Rayleigh(600.0))
    d = sample_departures(pd.Series(np.full(200, 4.0), name="persons"), m, order_time=1800, seed=5)
    assert "persons departing" in repr(d)
    assert "<table>" in d._repr_html_()
    assert "DepartureModel" in m._repr_html_()
    ax = d.plot().axes[0]
    # the expectation curve ends, at the last sampled departure, near 800 persons x 0.9 reached
    assert ax.lines[0].get_ydata()[-1] == pytest.approx(720.0, rel=0.02)
    assert len(m.plot().axes[0].lines) == 3
