"""Verification of warnings against what happened: contingency scores, Brier score, lead times.

For yes/no warnings of yes/no events, the 2 x 2 contingency table counts
``a`` hits (warned, happened), ``b`` false alarms (warned, did not happen),
``c`` misses and ``d`` correct negatives. The scores (Wilks 2011, *Statistical
Methods in the Atmospheric Sciences*, 3rd ed., section 8.2; WMO/WWRP Joint
Working Group on Forecast Verification Research, "Forecast verification:
issues, methods and FAQ") are:

* probability of detection ``POD = a / (a + c)``;
* false alarm ratio ``FAR = b / (a + b)``;
* critical success index (threat score) ``CSI = a / (a + b + c)``;
* frequency bias ``(a + b) / (a + c)``;
* probability of false detection ``POFD = b / (b + d)``.

For probability forecasts ``p`` of events ``o`` (0 or 1) the Brier score is
``BS = mean((p − o)²)`` (Brier 1950, Monthly Weather Review 78, 1-3), 0 for a
perfect forecast; the Brier skill score ``1 − BS / (ō (1 − ō))`` compares it
with always forecasting the observed frequency ``ō``. A probability counts as
a warning in the contingency table when it reaches ``threshold``. A score
whose denominator is 0 is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drm._display import ResultMixin
from drm.errors import InputError
from drm.units import format_duration

__all__ = ["Verification", "verify"]


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else float("nan")


@dataclass(frozen=True, eq=False, repr=False)
class Verification(ResultMixin):
    """Scores of warnings against observed events (see the module docstring).

    Attributes
    ----------
    forecast : numpy.ndarray
        Forecast probabilities (0 or 1 for yes/no warnings), one per case.
    observed : numpy.ndarray
        Event indicator (dimensionless): 1 where the event happened, else 0.
    threshold : float
        Probability at which a forecast counts as a warning.
    lead_times_s : numpy.ndarray
        Lead times (s) given for the hits.
    """

    forecast: np.ndarray
    observed: np.ndarray
    threshold: float
    lead_times_s: np.ndarray

    @property
    def probabilistic(self) -> bool:
        """True if some forecast lies strictly between 0 and 1."""
        return bool(np.any((self.forecast > 0) & (self.forecast < 1)))

    def _counts(self) -> tuple[int, int, int, int]:
        warned = self.forecast >= self.threshold
        happened = self.observed > 0
        return (
            int(np.sum(warned & happened)),
            int(np.sum(warned & ~happened)),
            int(np.sum(~warned & happened)),
            int(np.sum(~warned & ~happened)),
        )

    def contingency(self) -> pd.DataFrame:
        """The 2 x 2 table: rows warned yes/no, columns observed yes/no."""
        a, b, c, d = self._counts()
        return pd.DataFrame(
            [[a, b], [c, d]],
            index=pd.Index(["yes", "no"], name="warned"),
            columns=pd.Index(["yes", "no"], name="observed"),
        )

    @property
    def pod(self) -> float:
        """Probability of detection a / (a + c)."""
        a, _, c, _ = self._counts()
        return _ratio(a, a + c)

    @property
    def far(self) -> float:
        """False alarm ratio b / (a + b)."""
        a, b, _, _ = self._counts()
        return _ratio(b, a + b)

    @property
    def csi(self) -> float:
        """Critical success index a / (a + b + c)."""
        a, b, c, _ = self._counts()
        return _ratio(a, a + b + c)

    @property
    def bias(self) -> float:
        """Frequency bias (a + b) / (a + c)."""
        a, b, c, _ = self._counts()
        return _ratio(a + b, a + c)

    @property
    def pofd(self) -> float:
        """Probability of false detection b / (b + d)."""
        _, b, _, d = self._counts()
        return _ratio(b, b + d)

    @property
    def brier(self) -> float:
        """Brier score mean((p − o)²)."""
        return float(np.mean((self.forecast - self.observed) ** 2))

    @property
    def brier_skill(self) -> float:
        """Brier skill score against the observed frequency: 1 − BS / (ō (1 − ō))."""
        base = float(np.mean(self.observed))
        return 1.0 - _ratio(self.brier, base * (1.0 - base))

    def scores(self) -> pd.Series:
        """All scores as a Series."""
        return pd.Series(
            {
                "pod": self.pod,
                "far": self.far,
                "csi": self.csi,
                "bias": self.bias,
                "pofd": self.pofd,
                "brier": self.brier,
                "brier_skill": self.brier_skill,
            },
            name="score",
        )

    def lead_time_summary(self) -> pd.Series:
        """Count, mean and quantiles (0, 10, 50, 90, 100 %) of the lead times (s)."""
        lt = self.lead_times_s
        if lt.size == 0:
            return pd.Series({"count": 0.0}, name="lead_time_s")
        q = np.quantile(lt, [0.0, 0.1, 0.5, 0.9, 1.0])
        keys = ["count", "mean", "min", "p10", "median", "p90", "max"]
        return pd.Series(
            dict(zip(keys, [float(lt.size), float(lt.mean()), *q], strict=True)), name="lead_time_s"
        )

    def _summary(self) -> list[tuple[str, Any]]:
        a, b, c, d = self._counts()
        out: list[tuple[str, Any]] = [
            ("cases", len(self.forecast)),
            ("hits / false alarms / misses / correct negatives", f"{a} / {b} / {c} / {d}"),
            ("POD / FAR / CSI", f"{self.pod:.2f} / {self.far:.2f} / {self.csi:.2f}"),
            ("frequency bias", f"{self.bias:.2f}"),
            ("Brier score (skill)", f"{self.brier:.3f} ({self.brier_skill:.2f})"),
        ]
        s = self.lead_time_summary()
        if s["count"] > 0:
            out.append(
                (
                    "lead time median (10-90 %)",
                    f"{format_duration(s['median'])} ({format_duration(s['p10'])}-{format_duration(s['p90'])})",
                )
            )
        return out

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("contingency", self.contingency()), ("scores", self.scores().to_frame())]

    def plot(self) -> Any:
        """Contingency counts, a reliability diagram (probabilities) and the lead times.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        panels = 1 + int(self.probabilistic) + int(self.lead_times_s.size > 0)
        fig, axes = plt.subplots(
            1, panels, figsize=(4 * panels, 3.6), layout="constrained", squeeze=False
        )
        ax = axes[0, 0]
        ax.bar(
            ["hits", "false alarms", "misses", "correct neg."],
            self._counts(),
            color=["#009E73", "#E69F00", "#D55E00", "#999999"],
        )
        ax.set_ylabel("cases")
        k = 1
        if self.probabilistic:
            ax = axes[0, k]
            bins = np.minimum((self.forecast * 10).astype(int), 9)
            df = (
                pd.DataFrame({"bin": bins, "p": self.forecast, "o": self.observed})
                .groupby("bin")
                .mean()
            )
            ax.plot([0, 1], [0, 1], color="grey", ls=":")
            ax.plot(df["p"], df["o"], marker="o", color="#0072B2")
            ax.set_xlabel("forecast probability")
            ax.set_ylabel("observed frequency")
            k += 1
        if self.lead_times_s.size:
            ax = axes[0, k]
            ax.hist(
                self.lead_times_s / 3600,
                bins=min(20, max(5, self.lead_times_s.size // 3)),
                color="#56B4E9",
            )
            ax.set_xlabel("lead time (h)")
            ax.set_ylabel("hits")
        return fig


def verify(
    forecast: Any, observed: Any, *, threshold: float = 0.5, lead_time_s: Any = None
) -> Verification:
    """Score warnings (yes/no or probabilities) against observed events.

    Parameters
    ----------
    forecast : array_like of bool or float
        Per case: warned (bool, 0/1) or the forecast probability in [0, 1].
    observed : array_like of bool or 0/1
        Per case: the event happened.
    threshold : float
        Probability at which a forecast counts as a warning, in (0, 1].
    lead_time_s : array_like, optional
        Lead times (s) of the hits, e.g. ``lead_time(...)["lead_time_s"]``
        where the outcome is a hit; NaN values are dropped.

    Returns
    -------
    Verification

    Raises
    ------
    InputError
        Different lengths, NaN, probabilities outside [0, 1], observations
        other than 0/1, or a threshold outside (0, 1].

    Examples
    --------
    >>> v = verify([1, 1, 1, 0, 0, 1], [1, 1, 0, 1, 0, 1])
    >>> v.pod, v.far, v.csi, v.bias  # a=3, b=1, c=1, d=1
    (0.75, 0.25, 0.6, 1.0)
    >>> round(verify([0.9, 0.2, 0.6], [1, 0, 0]).brier, 4)  # (0.01 + 0.04 + 0.36) / 3
    0.1367
    """
    f = np.asarray(forecast, dtype=float).ravel()
    o_raw = np.asarray(observed).ravel()
    if f.shape != o_raw.shape:
        raise InputError(
            f"forecast has {f.size} cases and observed {o_raw.size}; give one of each per case"
        )
    if f.size == 0:
        raise InputError("no cases to verify")
    if np.any(np.isnan(f)) or np.any((f < 0) | (f > 1)):
        raise InputError("forecast probabilities must lie in [0, 1] (no NaN)")
    o = np.asarray(o_raw, dtype=float)
    if not np.all(np.isin(o, [0.0, 1.0])):
        raise InputError("observed must be True/False or 0/1 for every case")
    if not (np.isfinite(threshold) and 0 < threshold <= 1):
        raise InputError(f"threshold must be in (0, 1], got {threshold!r}")
    lt = np.zeros(0) if lead_time_s is None else np.asarray(lead_time_s, dtype=float).ravel()
    lt = lt[np.isfinite(lt)]
    return Verification(forecast=f, observed=o, threshold=float(threshold), lead_times_s=lt)
