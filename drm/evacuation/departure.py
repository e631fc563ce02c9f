"""When households leave after an evacuation order: warning reception and response curves.

Time ``t`` runs from the order (``t = 0``). A household goes through three steps:

1. **Reception.** Each warning channel ``k`` (siren, SMS, radio, door-to-door)
   reaches it with probability ``reach_k``, after a delay drawn from the
   channel's delay distribution ``G_k``; channels act independently and the
   household is warned by the first one that reaches it. The share warned by
   ``t`` is therefore ``R(t) = 1 − Π_k (1 − reach_k G_k(t))``, and
   ``Π_k (1 − reach_k)`` is never warned.
2. **Decision.** A warned household leaves with probability ``compliance``;
   the others refuse and stay.
3. **Preparation.** A household that leaves departs a response time after it
   was warned, drawn from the response curve ``F``.

The share of all households gone by ``t`` is the convolution
``D(t) = compliance ∫₀ᵗ F(t − s) dR(s)``; :meth:`DepartureModel.cdf` gives it
among those who leave (it reaches 1), in the form the clearance estimate
(:func:`drm.network.clearance_time`) takes.

Response curves, each with its closed-form distribution function ``F(t)``
(``F = 0`` before the curve starts):

* :class:`Rayleigh` ``F(t) = 1 − exp(−(t − d)² / 2σ²)``, ``t ≥ d``;
* :class:`Weibull` ``F(t) = 1 − exp(−((t − d)/λ)^k)``, ``t ≥ d``;
* :class:`Logistic` ``F(t) = 1 / (1 + exp(−α (t − β)))`` for ``t ≥ 0``: the
  share ``F(0)`` leaves at once (the S-curve of evacuation planning); its
  median is ``β`` and it rises from 10 % to 90 % in ``ln 81 / α``;
* :class:`Uniform` (e.g. door-to-door canvassing over a fixed time),
  :class:`Fixed` (everyone at one time) and :class:`Empirical` (a
  piecewise-linear curve through surveyed points).

Logistic (logit) and Rayleigh S-curves fitted observed evacuation traffic
best in Li, Ozbay, Bartin et al. (2013, Transportation Research Record 2376,
"Empirical evacuation response curve during hurricane Irene in Cape May
County, New Jersey"); Sorensen (1991, Int. J. Mass Emergencies and Disasters
9(2), "When shall we leave?") separates warning receipt from mobilisation as
done here. Sampling draws every random number from one seeded
:class:`numpy.random.Generator`, so a seed gives identical departures.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import fftconvolve

from drm._display import ResultMixin, fmt_number, fmt_seconds
from drm.demographics import default_profile
from drm.errors import InputError
from drm.units import format_duration, parse_duration

__all__ = [
    "Channel",
    "DepartureModel",
    "Departures",
    "Empirical",
    "Fixed",
    "Logistic",
    "Rayleigh",
    "Uniform",
    "Weibull",
    "make_households",
    "sample_departures",
]

#: A curve's horizon is where its F(t) reaches 1 − this.
TAIL = 1e-9
#: Steps of the grid on which the departure convolution is evaluated.
GRID_STEPS = 8192


def _seconds(obj: Any, name: str) -> None:
    """Parse the duration field ``name`` of a frozen dataclass in place."""
    object.__setattr__(
        obj, name, parse_duration(getattr(obj, name), f"{type(obj).__name__}.{name}")
    )


class _Curve:
    """A departure-time distribution: F(t), its inverse and sampling."""

    def cdf(self, t: Any) -> np.ndarray:  # pragma: no cover - overridden
        """Cumulative share F(t) at times ``t`` (s)."""
        raise NotImplementedError

    def ppf(self, q: Any) -> np.ndarray:  # pragma: no cover - overridden
        """Time (s) by which the share ``q`` has gone (inverse of F)."""
        raise NotImplementedError

    def __call__(self, t: Any) -> np.ndarray:
        """Same as :meth:`cdf`, so a curve can be passed where F(t) is wanted."""
        return self.cdf(t)

    @property
    def horizon_s(self) -> float:
        """Time (s) by which all but a share 1e-9 have gone."""
        return float(self.ppf(1.0 - TAIL))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` times (s) by inversion: ``ppf(U)``, U uniform on [0, 1)."""
        return np.asarray(self.ppf(rng.random(n)), dtype=float)

    def _repr_html_(self) -> str:
        median = format_duration(float(self.ppf(0.5)))
        return f"<div><code>{html.escape(repr(self))}</code> (median {median})</div>"


def _times(t: Any) -> np.ndarray:
    return np.asarray(t, dtype=float)


def _shares(q: Any) -> np.ndarray:
    a = np.asarray(q, dtype=float)
    if np.any((a < 0) | (a > 1)):
        raise InputError("shares given to ppf must lie in [0, 1]")
    return a


@dataclass(frozen=True)
class Rayleigh(_Curve):
    """Rayleigh curve ``F(t) = 1 − exp(−(t − delay)² / (2 σ²))`` for ``t ≥ delay``.

    Parameters
    ----------
    sigma_s : float or str
        Scale σ (s, or a duration such as ``"20min"``); the mode of the
        departure rate is at ``delay + σ``, the median at ``delay + σ √(2 ln 2)``.
    delay_s : float or str
        Time before anyone leaves (s).

    Examples
    --------
    >>> r = Rayleigh("20min")
    >>> round(float(r.cdf(1200.0)), 4), round(float(r.ppf(0.5)), 1)  # 1 - e^-0.5; σ √(2 ln 2)
    (0.3935, 1412.9)
    """

    sigma_s: float
    delay_s: float = 0.0

    def __post_init__(self) -> None:
        _seconds(self, "sigma_s")
        _seconds(self, "delay_s")
        if self.sigma_s <= 0:
            raise InputError(f"Rayleigh.sigma_s must be > 0 s, got {self.sigma_s!r}")

    def cdf(self, t: Any) -> np.ndarray:
        """F(t) (see the class)."""
        u = np.maximum(_times(t) - self.delay_s, 0.0)
        return -np.expm1(-(u**2) / (2.0 * self.sigma_s**2))

    def ppf(self, q: Any) -> np.ndarray:
        """``delay + σ √(−2 ln(1 − q))``."""
        return self.delay_s + self.sigma_s * np.sqrt(-2.0 * np.log1p(-_shares(q)))


@dataclass(frozen=True)
class Weibull(_Curve):
    """Weibull curve ``F(t) = 1 − exp(−((t − delay)/scale)^shape)`` for ``t ≥ delay``.

    ``shape = 1`` is the exponential, ``shape = 2`` the Rayleigh with
    ``scale = σ √2``.

    Parameters
    ----------
    scale_s : float or str
        Scale λ (s): 63.2 % have gone by ``delay + λ``.
    shape : float
        Shape k > 0 (dimensionless).
    delay_s : float or str
        Time before anyone leaves (s).

    Examples
    --------
    >>> w = Weibull("1h", shape=1.5)
    >>> round(float(w.cdf(3600.0)), 4)  # 1 - 1/e
    0.6321
    """

    scale_s: float
    shape: float
    delay_s: float = 0.0

    def __post_init__(self) -> None:
        _seconds(self, "scale_s")
        _seconds(self, "delay_s")
        if self.scale_s <= 0 or not (np.isfinite(self.shape) and self.shape > 0):
            raise InputError(
                f"Weibull needs scale_s > 0 and shape > 0, got {self.scale_s!r} and {self.shape!r}"
            )

    def cdf(self, t: Any) -> np.ndarray:
        """F(t) (see the class)."""
        u = np.maximum(_times(t) - self.delay_s, 0.0) / self.scale_s
        return -np.expm1(-(u**self.shape))

    def ppf(self, q: Any) -> np.ndarray:
        """``delay + λ (−ln(1 − q))^(1/k)``."""
        return self.delay_s + self.scale_s * (-np.log1p(-_shares(q))) ** (1.0 / self.shape)


@dataclass(frozen=True)
class Logistic(_Curve):
    """Logistic S-curve ``F(t) = 1 / (1 + exp(−α (t − β)))`` for ``t ≥ 0`` (0 before).

    The share ``F(0)`` leaves at the order itself (a sampled time of 0).

    Parameters
    ----------
    alpha_per_s : float
        Steepness α (1/s); 10 % to 90 % takes ``ln 81 / α``.
    beta_s : float or str
        Median β (s after the order).

    Examples
    --------
    >>> c = Logistic.from_rise("2h", "1h")
    >>> float(c.cdf(7200.0)), round(float(c.ppf(0.9) - c.ppf(0.1)), 6)
    (0.5, 3600.0)
    """

    alpha_per_s: float
    beta_s: float

    def __post_init__(self) -> None:
        _seconds(self, "beta_s")
        if not (np.isfinite(self.alpha_per_s) and self.alpha_per_s > 0):
            raise InputError(f"Logistic.alpha_per_s must be > 0, got {self.alpha_per_s!r}")

    @classmethod
    def from_rise(cls, median: Any, rise_10_90: Any) -> Logistic:
        """Build the curve from its median and its 10-90 % rise time (s or durations)."""
        rise = parse_duration(rise_10_90, "rise_10_90")
        if rise <= 0:
            raise InputError("rise_10_90 must be > 0")
        return cls(alpha_per_s=float(np.log(81.0)) / rise, beta_s=median)

    def cdf(self, t: Any) -> np.ndarray:
        """F(t) (see the class)."""
        ta = _times(t)
        f = 0.5 * (1.0 + np.tanh(0.5 * self.alpha_per_s * (ta - self.beta_s)))
        return np.where(ta >= 0, f, 0.0)

    def ppf(self, q: Any) -> np.ndarray:
        """``max(0, β + ln(q / (1 − q)) / α)``."""
        a = _shares(q)
        with np.errstate(divide="ignore"):
            t = self.beta_s + (np.log(a) - np.log1p(-a)) / self.alpha_per_s
        return np.maximum(t, 0.0)


@dataclass(frozen=True)
class Uniform(_Curve):
    """Times spread evenly between ``start_s`` and ``end_s`` (e.g. door-to-door canvassing).

    Parameters
    ----------
    start_s, end_s : float or str
        First and last time (s after the order, or durations such as ``"1h"``).

    Examples
    --------
    >>> float(Uniform(0, "1h").cdf(900.0))
    0.25
    """

    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        _seconds(self, "start_s")
        _seconds(self, "end_s")
        if not self.end_s > self.start_s:
            raise InputError(f"Uniform needs end_s > start_s, got {self.start_s} and {self.end_s}")

    def cdf(self, t: Any) -> np.ndarray:
        """F(t), linear from 0 at ``start_s`` to 1 at ``end_s``."""
        return np.clip((_times(t) - self.start_s) / (self.end_s - self.start_s), 0.0, 1.0)

    def ppf(self, q: Any) -> np.ndarray:
        """``start + q (end − start)``."""
        return self.start_s + _shares(q) * (self.end_s - self.start_s)


@dataclass(frozen=True)
class Fixed(_Curve):
    """Everyone at the same time ``time_s`` (a fixed warning delay, for example).

    Parameters
    ----------
    time_s : float or str
        The time (s after the order, or a duration such as ``"5min"``).

    Examples
    --------
    >>> Fixed("5min").cdf([299.0, 300.0]).tolist()
    [0.0, 1.0]
    """

    time_s: float

    def __post_init__(self) -> None:
        _seconds(self, "time_s")

    def cdf(self, t: Any) -> np.ndarray:
        """0 before ``time_s``, 1 from it."""
        return np.where(_times(t) >= self.time_s, 1.0, 0.0)

    def ppf(self, q: Any) -> np.ndarray:
        """``time_s`` for every share."""
        return np.full(np.shape(_shares(q)), self.time_s)


@dataclass(frozen=True)
class Empirical(_Curve):
    """Piecewise-linear curve through surveyed points ``(times_s[i], fractions[i])``.

    ``F`` is 0 before the first time (a first fraction above 0 leaves at that
    time), 1 after the last; fractions must not decrease and must end at 1.

    Parameters
    ----------
    times_s : sequence of float or str
        Increasing times (s after the order, or durations), at least two.
    fractions : sequence of float
        Share of households gone by each time (fraction in [0, 1], ending at 1).

    Examples
    --------
    >>> e = Empirical([0, 1800, 3600], [0.0, 0.6, 1.0])
    >>> float(e.cdf(900.0)), float(e.ppf(0.8))
    (0.3, 2700.0)
    """

    times_s: tuple[float, ...]
    fractions: tuple[float, ...]

    def __post_init__(self) -> None:
        t = tuple(parse_duration(v, "Empirical.times_s") for v in self.times_s)
        f = tuple(float(v) for v in self.fractions)
        object.__setattr__(self, "times_s", t)
        object.__setattr__(self, "fractions", f)
        ta, fa = np.array(t), np.array(f)
        if ta.size < 2 or ta.size != fa.size:
            raise InputError("Empirical needs at least 2 points and as many fractions as times")
        if np.any(np.diff(ta) <= 0):
            raise InputError("Empirical.times_s must increase strictly")
        if np.any(np.diff(fa) < 0) or fa[0] < 0 or fa[-1] != 1.0:
            raise InputError("Empirical.fractions must not decrease, start >= 0 and end at 1")

    @classmethod
    def from_times(cls, times_s: Any) -> Empirical:
        """Curve through observed departure times: 0 at the earliest, ``i/n`` at the i-th."""
        t = np.sort(np.asarray(times_s, dtype=float).ravel())
        if t.size < 2 or not np.all(np.isfinite(t)) or t[0] < 0:
            raise InputError("from_times needs at least 2 finite times >= 0 s")
        t, counts = np.unique(t, return_counts=True)
        frac = np.cumsum(counts) / counts.sum()
        if t.size < 2:
            raise InputError("from_times needs at least 2 distinct times")
        frac = np.concatenate([[0.0], frac[1:]])
        return cls(tuple(t.tolist()), tuple(frac.tolist()))

    def cdf(self, t: Any) -> np.ndarray:
        """F(t) by linear interpolation."""
        ta = _times(t)
        return np.where(ta < self.times_s[0], 0.0, np.interp(ta, self.times_s, self.fractions))

    def ppf(self, q: Any) -> np.ndarray:
        """Earliest time at which F reaches ``q``, linear within segments."""
        a = _shares(q)
        tt, ff = np.array(self.times_s), np.array(self.fractions)
        k = np.clip(np.searchsorted(ff, a, side="left"), 1, ff.size - 1)
        lo, hi = ff[k - 1], ff[k]
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(hi > lo, (a - lo) / (hi - lo), 1.0)
        out = tt[k - 1] + np.clip(w, 0.0, 1.0) * (tt[k] - tt[k - 1])
        return np.where(a <= ff[0], tt[0], out)


Curve = Rayleigh | Weibull | Logistic | Uniform | Fixed | Empirical


def _as_curve(value: Any, name: str) -> Curve:
    if isinstance(value, _Curve):
        return value  # type: ignore[return-value]
    try:
        return Fixed(value)
    except InputError:
        raise InputError(
            f"{name} must be a curve (Rayleigh, Weibull, Logistic, Uniform, Fixed, Empirical) "
            f"or a fixed delay such as '5min', got {value!r}"
        ) from None


@dataclass(frozen=True)
class Channel:
    """A warning channel: who it reaches and how long reception takes after the order.

    Parameters
    ----------
    name : str
        E.g. ``"siren"``, ``"sms"``, ``"radio"``, ``"door-to-door"``.
    reach : float
        Share of households it reaches, in [0, 1].
    delay : curve, float or str
        Reception delay after the order: a curve of this module, or a fixed
        delay (s or a duration).

    Examples
    --------
    >>> Channel("door-to-door", 0.9, Uniform(0, "2h")).reach
    0.9
    """

    name: str
    reach: float
    delay: Any = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.reach) and 0.0 <= self.reach <= 1.0):
            raise InputError(f"channel {self.name!r}: reach must be in [0, 1], got {self.reach!r}")
        object.__setattr__(self, "delay", _as_curve(self.delay, f"channel {self.name!r} delay"))


@dataclass(frozen=True)
class DepartureModel:
    """Warning channels, compliance and a response curve (see the module docstring).

    Parameters
    ----------
    channels : sequence of Channel
        Independent warning channels.
    response : curve
        Time from reception to departure for households that leave.
    compliance : float
        Share of warned households that leave, in [0, 1].

    Examples
    --------
    >>> m = DepartureModel([Channel("siren", 0.6, 60), Channel("sms", 0.5, "5min")],
    ...                    Rayleigh("15min"), compliance=0.9)
    >>> round(m.warned_total, 3), round(m.leaving_share, 3)  # 1 - 0.4 x 0.5; x 0.9
    (0.8, 0.72)
    """

    channels: Sequence[Channel]
    response: Any
    compliance: float = 1.0

    def __post_init__(self) -> None:
        chans = tuple(self.channels)
        if not chans or not all(isinstance(c, Channel) for c in chans):
            raise InputError("DepartureModel needs at least one Channel")
        names = [c.name for c in chans]
        if len(set(names)) != len(names):
            raise InputError(f"channel names must be unique, got {names}")
        object.__setattr__(self, "channels", chans)
        object.__setattr__(self, "response", _as_curve(self.response, "response"))
        if not (np.isfinite(self.compliance) and 0.0 <= self.compliance <= 1.0):
            raise InputError(f"compliance must be in [0, 1], got {self.compliance!r}")

    @property
    def warned_total(self) -> float:
        """Share of households ever warned: ``1 − Π (1 − reach_k)``."""
        return 1.0 - float(np.prod([1.0 - c.reach for c in self.channels]))

    @property
    def leaving_share(self) -> float:
        """Share of households that leave: ``compliance × warned_total``."""
        return self.compliance * self.warned_total

    def warned_share(self, t: Any) -> np.ndarray:
        """Share of households warned by ``t`` (s after the order): ``1 − Π (1 − reach_k G_k(t))``."""
        ta = _times(t)
        missed = np.ones_like(ta)
        for c in self.channels:
            missed = missed * (1.0 - c.reach * c.delay.cdf(ta))
        return 1.0 - missed

    @cached_property
    def _convolution(self) -> tuple[np.ndarray, np.ndarray]:
        """D(t) on a regular grid: Σ_j ΔR_j F(t − s_j,mid) (midpoint rule in s)."""
        horizon = max(c.delay.horizon_s for c in self.channels) + self.response.horizon_s
        horizon = max(horizon, 1.0)
        dt = horizon / GRID_STEPS
        edges = dt * np.arange(GRID_STEPS + 1)
        d_r = np.diff(self.warned_share(edges))
        f_mid = self.response.cdf(dt * (np.arange(GRID_STEPS) + 0.5))
        d = np.concatenate([[0.0], fftconvolve(d_r, f_mid)[:GRID_STEPS]])
        d = np.maximum.accumulate(np.clip(d, 0.0, None)) * self.compliance
        return edges, d

    def departed_share(self, t: Any) -> np.ndarray:
        """Share of all households gone by ``t`` (s after the order), ``D(t)``.

        Computed by numerical convolution on 8192 steps up to where every curve
        has reached 1 − 1e-9 (error of the order of a step squared).
        """
        edges, d = self._convolution
        return np.interp(_times(t), edges, d, left=0.0, right=d[-1])

    def cdf(self, t: Any) -> np.ndarray:
        """Share of the households that leave who have gone by ``t`` (reaches 1)."""
        if self.leaving_share <= 0:
            raise InputError("nobody leaves (no channel reaches anyone or compliance is 0)")
        edges, d = self._convolution
        return np.interp(_times(t), edges, d / d[-1], left=0.0, right=1.0)

    def __call__(self, t: Any) -> np.ndarray:
        """Same as :meth:`cdf` (the departure curve F(t) of the clearance estimate)."""
        return self.cdf(t)

    def quantile(self, q: float) -> float:
        """Time (s after the order) by which the share ``q`` of leavers has gone."""
        if not 0.0 <= q <= 1.0:
            raise InputError(f"q must be in [0, 1], got {q!r}")
        if self.leaving_share <= 0:
            raise InputError("nobody leaves (no channel reaches anyone or compliance is 0)")
        edges, d = self._convolution
        f = d / d[-1]
        return float(edges[min(int(np.searchsorted(f, q, side="left")), edges.size - 1)])

    def _repr_html_(self) -> str:
        rows = [(c.name, f"reach {c.reach:.0%}, delay {c.delay!r}") for c in self.channels]
        rows += [
            ("response", repr(self.response)),
            ("compliance", f"{self.compliance:.0%}"),
            ("warned / leaving", f"{self.warned_total:.1%} / {self.leaving_share:.1%}"),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<div><b>DepartureModel</b><table>{body}</table></div>"

    def plot(self, horizon: Any = None) -> Any:
        """Curves of the share warned and the share gone against time after the order.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        if horizon is not None:
            end = parse_duration(horizon, "horizon")
        elif self.leaving_share > 0:
            end = self.quantile(0.995)
        else:
            end = max(c.delay.horizon_s for c in self.channels)
        t = np.linspace(0.0, max(end, 1.0), 400)
        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
        ax.plot(t / 60, self.warned_share(t), label="warned", color="#0072B2")
        ax.plot(t / 60, self.departed_share(t), label="departed", color="#D55E00")
        ax.axhline(self.leaving_share, ls=":", color="grey", label="share that leaves")
        ax.set_xlabel("minutes after the order")
        ax.set_ylabel("share of households")
        ax.set_ylim(0, 1.02)
        ax.legend()
        return fig


def _allocate(expected: np.ndarray) -> np.ndarray:
    """Whole households per origin summing to ``max(1, round(sum))`` (largest remainder)."""
    total = max(1, int(np.rint(expected.sum())))
    n = np.floor(expected).astype(np.int64)
    short = total - int(n.sum())
    if short > 0:
        # ties go to the earlier origin (a stable sort), so the split is reproducible
        n[np.argsort(-(expected - n), kind="stable")[:short]] += 1
    elif short < 0:
        has = np.flatnonzero(n > 0)
        n[has[np.argsort(expected[has] - n[has], kind="stable")[:-short]]] -= 1
    return n


def _nearest_with(df: pd.DataFrame, has: np.ndarray, lacks: np.ndarray) -> np.ndarray:
    """For each origin in ``lacks``, the origin in ``has`` nearest to it (by x, y when given)."""
    if {"x", "y"} <= set(df.columns):
        from scipy.spatial import cKDTree

        xy = df[["x", "y"]].to_numpy(dtype=float)
        return has[cKDTree(xy[has]).query(xy[lacks])[1]]
    return has[np.clip(np.searchsorted(has, lacks), 0, has.size - 1)]


def make_households(
    origins: pd.DataFrame | pd.Series, *, household_size: Any = None
) -> pd.DataFrame:
    """Split the people of the origins into households of the given mean size.

    The number of households follows the household size, not the number of
    origins: the people of a group of origins (of each ``zone`` when the
    origins carry one, else of all of them) make ``H = max(1, round(P / size))``
    households, shared among the origins by the largest-remainder method on
    ``P_i / size``. An origin that gets no household (a cell with fewer people
    than half a household) joins its people to the nearest origin of the same
    group that has households (by ``x``, ``y`` when given). Each origin's
    households are of equal size, so persons are kept exactly.

    Parameters
    ----------
    origins : pandas.DataFrame with a ``persons`` column, or pandas.Series of persons
        E.g. :func:`drm.network.population_origins`, or people at risk per cell
        (``x``, ``y`` in m and ``zone`` are used when present).
    household_size : float or pandas.Series, optional
        Mean persons per household (per origin when a Series on the same
        index); default: that of :func:`drm.demographics.default_profile`.

    Returns
    -------
    pandas.DataFrame
        One row per household: ``origin`` (the label of the origin it leaves
        from), ``persons``, ``from_origins`` (how many origins' people it
        gathers: 1 unless neighbours joined), and the origin's other columns.

    Examples
    --------
    624 people spread thinly over 200 cells, 3.8 persons per household, make
    164 households (624 / 3.8 = 164.2), not one or more per cell:

    >>> cells = pd.DataFrame({"x": np.arange(200.0) * 10, "y": 0.0, "persons": 3.12})
    >>> h = make_households(cells, household_size=3.8)
    >>> len(h), round(float(h["persons"].sum()), 6)
    (164, 624.0)
    >>> h = make_households(pd.Series({"a": 10.0, "b": 3.0}, name="persons"), household_size=4)
    >>> h.groupby("origin")["persons"].agg(["size", "sum"]).values.tolist()
    [[2.0, 10.0], [1.0, 3.0]]
    """
    df = origins.to_frame("persons") if isinstance(origins, pd.Series) else origins.copy()
    if "persons" not in df.columns:
        raise InputError("origins need a 'persons' column")
    persons = df["persons"].to_numpy(dtype=float)
    if not np.all(np.isfinite(persons)) or np.any(persons < 0):
        raise InputError("origins: persons must be finite and >= 0")
    if household_size is None:
        household_size = default_profile().household_size
    size = (
        household_size.reindex(df.index).to_numpy(dtype=float)
        if isinstance(household_size, pd.Series)
        else np.full(len(df), float(household_size))
    )
    if not np.all(np.isfinite(size) & (size > 0)):
        raise InputError("household_size must be > 0 for every origin")
    n = np.zeros(len(df), dtype=np.int64)
    gathered = persons.copy()
    joined = np.ones(len(df), dtype=np.int64)
    groups = df["zone"].to_numpy() if "zone" in df.columns else np.zeros(len(df))
    for g in pd.unique(groups):
        idx = np.flatnonzero((groups == g) & (persons > 0))
        if idx.size == 0:
            continue
        n[idx] = _allocate(persons[idx] / size[idx])
        has, lacks = idx[n[idx] > 0], idx[n[idx] == 0]
        if lacks.size:
            target = _nearest_with(df, has, lacks)
            np.add.at(gathered, target, persons[lacks])
            np.add.at(joined, target, 1)
            gathered[lacks] = 0.0
    out = df.iloc[np.repeat(np.arange(len(df)), n)].copy()
    out["persons"] = np.repeat(np.divide(gathered, n, out=np.zeros_like(gathered), where=n > 0), n)
    out["from_origins"] = np.repeat(joined, n)
    if "origin" not in out.columns:
        out.insert(0, "origin", out.index)
    return out.reset_index(drop=True).rename_axis("household")


@dataclass(frozen=True, eq=False, repr=False)
class Departures(ResultMixin):
    """Sampled departures of households (see :func:`sample_departures`).

    Attributes
    ----------
    households : pandas.DataFrame
        The input households plus ``warned`` (bool), ``channel`` (first channel
        to reach it, None if none; ``"dissemination"`` when reception times were
        given to :func:`sample_departures`), ``warned_s`` (reception, s after the
        order), ``leaves`` (bool), ``departure_s`` (s since the start of the
        event; NaN for those who stay) and ``outcome`` (``"departs"``,
        ``"not warned"`` or ``"refuses"``).
    order_time_s : float
        Time of the evacuation order (s since the start of the event).
    model : DepartureModel
        The model sampled.
    seed : int or None
        Seed of the draw.
    """

    households: pd.DataFrame
    order_time_s: float
    model: DepartureModel
    seed: Any

    def persons_by_outcome(self) -> pd.Series:
        """Persons who depart, were never warned, or refused."""
        by = self.households.groupby("outcome")["persons"].sum()
        return by.reindex(["departs", "not warned", "refuses"], fill_value=0.0)

    def cumulative(self, times_s: Any = None) -> pd.Series:
        """Persons departed by each time (s since the start of the event)."""
        h = self.households[self.households["leaves"]].sort_values("departure_s")
        if times_s is None:
            return pd.Series(
                h["persons"].cumsum().to_numpy(), index=pd.Index(h["departure_s"], name="time_s")
            )
        t = np.asarray(times_s, dtype=float)
        cum = np.concatenate([[0.0], h["persons"].cumsum().to_numpy()])
        k = np.searchsorted(h["departure_s"].to_numpy(), t, side="right")
        return pd.Series(cum[k], index=pd.Index(t, name="time_s"), name="persons_departed")

    def _summary(self) -> list[tuple[str, Any]]:
        p = self.persons_by_outcome()
        gone = self.households.loc[self.households["leaves"], "departure_s"] - self.order_time_s
        q = (
            gone.quantile([0.1, 0.5, 0.9])
            if len(gone)
            else pd.Series(np.nan, index=[0.1, 0.5, 0.9])
        )
        return [
            ("order at", fmt_seconds(self.order_time_s)),
            ("households", fmt_number(len(self.households))),
            ("persons departing", fmt_number(float(p["departs"]))),
            ("persons never warned", fmt_number(float(p["not warned"]))),
            ("persons refusing", fmt_number(float(p["refuses"]))),
            (
                "departures 10/50/90 % after the order",
                " / ".join(format_duration(v) if np.isfinite(v) else "-" for v in q),
            ),
            ("seed", self.seed),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("households", self.households)]

    def plot(self) -> Any:
        """Persons departed over time (sample) with the model's expectation.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
        cum = self.cumulative()
        total = float(self.households["persons"].sum())
        end = float(cum.index.max()) if len(cum) else self.order_time_s + 3600.0
        t = np.linspace(self.order_time_s, max(end, self.order_time_s + 60.0), 400)
        since = t - self.order_time_s
        ax.plot(
            t / 3600,
            total * self.model.departed_share(since),
            color="grey",
            ls="--",
            label="model expectation",
        )
        ax.step(
            np.asarray(cum.index) / 3600,
            cum.to_numpy(),
            where="post",
            color="#D55E00",
            label="sampled households",
        )
        ax.axvline(self.order_time_s / 3600, color="black", lw=0.8, label="order")
        ax.set_xlabel("time since the start of the event (h)")
        ax.set_ylabel("persons departed")
        ax.legend()
        return fig


def sample_departures(
    households: pd.DataFrame | pd.Series,
    model: DepartureModel,
    *,
    order_time: Any = 0.0,
    seed: Any,
    reception: pd.Series | None = None,
) -> Departures:
    """Draw reception, decision and departure time of every household.

    Parameters
    ----------
    households : pandas.DataFrame with a ``persons`` column, or Series of persons
        One row per household (see :func:`make_households`); other columns are kept.
    model : DepartureModel
        Channels, compliance and response curve.
    order_time : float or str
        When the order is given (s since the start of the event, or a duration).
    seed : int, numpy.random.Generator or None
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same draw.
    reception : pandas.Series, optional
        Reception time of each household (s after the order; NaN or inf: never warned),
        on the households' index, e.g. from :func:`drm.warning.reception_times`: it
        replaces the draw from the model's channels (whose ``channel`` label becomes
        ``"dissemination"``); compliance and response still come from ``model``.
        Without it the draw is as before, seed for seed.

    Returns
    -------
    Departures

    Examples
    --------
    >>> m = DepartureModel([Channel("sms", 0.8, 0)], Rayleigh("10min"))
    >>> d = sample_departures(pd.Series([4.0] * 1000, name="persons"), m, order_time="1h", seed=1)
    >>> bool(0.75 < d.households["leaves"].mean() < 0.85), bool(d.households["departure_s"].min() >= 3600)
    (True, True)
    """
    if not isinstance(model, DepartureModel):
        raise InputError("model must be a DepartureModel")
    df = households.to_frame("persons") if isinstance(households, pd.Series) else households.copy()
    if "persons" not in df.columns:
        raise InputError("households need a 'persons' column")
    persons = df["persons"].to_numpy(dtype=float)
    if not np.all(np.isfinite(persons)) or np.any(persons < 0):
        raise InputError("households: persons must be finite and >= 0")
    order_s = parse_duration(order_time, "order_time")
    rng = np.random.default_rng(seed)
    n = len(df)
    if reception is None:
        times = np.full((len(model.channels), n), np.inf)
        for k, c in enumerate(model.channels):
            reached = rng.random(n) < c.reach
            delay = c.delay.sample(n, rng)
            times[k] = np.where(reached, delay, np.inf)
        first = times.min(axis=0) if n else np.zeros(0)
        names = np.array([c.name for c in model.channels], dtype=object)
        by = names[times.argmin(axis=0)] if n else names[:0]
    else:
        first = _given_reception(reception, df.index)
        by = np.full(n, "dissemination", dtype=object)
    warned = np.isfinite(first)
    complies = rng.random(n) < model.compliance
    response = model.response.sample(n, rng)
    leaves = warned & complies
    df["warned"] = warned
    df["channel"] = np.where(warned, by, None)
    df["warned_s"] = np.where(warned, first, np.nan)
    df["leaves"] = leaves
    df["departure_s"] = np.where(leaves, order_s + first + response, np.nan)
    df["outcome"] = np.where(leaves, "departs", np.where(warned, "refuses", "not warned"))
    return Departures(households=df, order_time_s=order_s, model=model, seed=seed)


def _given_reception(reception: Any, index: pd.Index) -> np.ndarray:
    """Reception times (s after the order; inf: never) of the households on ``index``."""
    if not isinstance(reception, pd.Series):
        raise InputError(
            "reception must be a pandas.Series of times (s after the order) on the households' "
            f"index, e.g. drm.warning.reception_times(households, informed, seed=...), got "
            f"{type(reception).__name__}"
        )
    missing = index[~index.isin(reception.index)]
    if len(missing) or reception.index.has_duplicates:
        raise InputError(
            f"reception: give one time per household on the households' index "
            f"({len(missing)} households have none, e.g. {missing[:3].tolist()})"
        )
    t = pd.to_numeric(reception.reindex(index), errors="coerce").to_numpy(dtype=float)
    if np.any(t < 0):
        raise InputError("reception: times are s after the order and must be >= 0 (NaN: never)")
    return np.where(np.isnan(t), np.inf, t)
