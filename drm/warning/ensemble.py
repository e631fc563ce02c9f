"""Ensemble forecasts: exceedance probabilities and trigger rules with persistence.

An ensemble is an :class:`xarray.DataArray` with a ``member`` dimension (rain
accumulations, depths or discharges of each member). Two things are derived:

* :func:`exceedance_probability`: the fraction of members at or above each
  alert threshold, per level and time (and any other dimension, e.g. site);
* :func:`ensemble_trigger`: a decision rule in the manner of the European and
  Global Flood Awareness Systems (EFAS, GloFAS): for each forecast issue, the
  share of members that exceed a threshold (e.g. the 5-year discharge) at any
  lead time within a window; a trigger when that share reaches the trigger
  probability (e.g. 30 %) in ``persistence`` consecutive forecasts (e.g. 2).
  EFAS formal flood notifications use such a combination of a probability and
  a persistence over successive forecasts (Smith et al. 2016, "On the
  operational implementation of the European Flood Awareness System (EFAS)",
  in *Flood Forecasting: A Global Perspective*, Academic Press); GloFAS
  reports the probability of exceeding its 2-, 5- and 20-year return-period
  thresholds (Alfieri et al. 2013, Hydrol. Earth Syst. Sci. 17, 1161-1175).

Members whose value is NaN are left out of the shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm._display import ResultMixin
from drm.errors import InputError
from drm.units import format_duration
from drm.warning.levels import LEVELS, ThresholdRule

__all__ = ["EnsembleTrigger", "ensemble_trigger", "exceedance_probability"]


def _check_ensemble(ens: Any, member_dim: str, need: tuple[str, ...] = ()) -> None:
    if not isinstance(ens, xr.DataArray):
        raise InputError(f"the ensemble must be an xarray.DataArray, got {type(ens).__name__}")
    missing = [d for d in (member_dim, *need) if d not in ens.dims]
    if missing:
        raise InputError(f"the ensemble has dims {ens.dims}; it needs {missing}")


def _exceed_share(ens: xr.DataArray, threshold: Any, member_dim: str) -> xr.DataArray:
    """Fraction of valid members with a value at or above ``threshold``."""
    valid = ens.notnull()
    hits = (ens >= threshold) & valid
    n = valid.sum(member_dim)
    return (hits.sum(member_dim) / n).where(n > 0)


def exceedance_probability(
    ensemble: xr.DataArray, thresholds: ThresholdRule | Any, *, member_dim: str = "member"
) -> xr.DataArray:
    """Share of members at or above each threshold.

    Parameters
    ----------
    ensemble : xarray.DataArray
        Values (m, or m³/s for discharges) with a ``member`` dimension and any
        others (time, site, ...).
    thresholds : ThresholdRule, float or xarray.DataArray
        A rule gives one probability per alert level it defines (new dim
        ``level``, named yellow/orange/red); a number or a DataArray (e.g. per
        site) gives one probability.
    member_dim : str
        Name of the member dimension.

    Returns
    -------
    xarray.DataArray
        Probabilities in [0, 1], the member dimension reduced.

    Examples
    --------
    >>> ens = xr.DataArray([[0.01, 0.05], [0.03, 0.09], [0.05, 0.02], [0.0, 0.1]], dims=("member", "time"))
    >>> rule = ThresholdRule("rain", yellow_m=0.02, red_m=0.08, duration_s="1h")
    >>> exceedance_probability(ens, rule).values.tolist()
    [[0.5, 1.0], [0.0, 0.5]]
    """
    _check_ensemble(ensemble, member_dim)
    if isinstance(thresholds, ThresholdRule):
        given = thresholds.thresholds
        probs = [_exceed_share(ensemble, thr, member_dim) for thr in given.values()]
        out = xr.concat(probs, dim=pd.Index([LEVELS[c] for c in given], name="level"))
    else:
        out = _exceed_share(ensemble, thresholds, member_dim)
    out.name = "exceedance_probability"
    out.attrs = {"units": "1", "long_name": "share of ensemble members at or above the threshold"}
    return out


@dataclass(frozen=True, eq=False, repr=False)
class EnsembleTrigger(ResultMixin):
    """Outcome of :func:`ensemble_trigger`.

    Attributes
    ----------
    probability : xarray.DataArray
        Share of members exceeding the threshold within the lead-time window,
        per forecast issue (and site).
    consecutive : xarray.DataArray
        Number of consecutive issues, up to and including each one, whose
        probability reached the trigger probability.
    triggered : xarray.DataArray
        Boolean: True where ``consecutive >= persistence``.
    first_trigger : pandas.Series
        Issue time of the first trigger per site (NaN where none).
    trigger_probability : float
        The probability that counts as a hit.
    persistence : int
        Number of consecutive hits needed.
    """

    probability: xr.DataArray
    consecutive: xr.DataArray
    triggered: xr.DataArray
    first_trigger: pd.Series
    trigger_probability: float
    persistence: int

    def table(self) -> pd.DataFrame:
        """Probability, consecutive hits and trigger per issue (and site), as a long table."""
        return xr.Dataset(
            {
                "probability": self.probability,
                "consecutive": self.consecutive,
                "triggered": self.triggered,
            }
        ).to_dataframe()[["probability", "consecutive", "triggered"]]

    def _summary(self) -> list[tuple[str, Any]]:
        fired = self.first_trigger.dropna()
        times = ", ".join(
            f"{k}: {format_duration(v) if isinstance(v, (float, np.floating)) else v}"
            for k, v in fired.head(6).items()
        )
        return [
            (
                "rule",
                f">= {self.trigger_probability:.0%} of members in {self.persistence} consecutive forecasts",
            ),
            ("sites triggered", f"{len(fired)} of {len(self.first_trigger)}"),
            ("first triggers", times or "none"),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("by issue", self.table())]

    def plot(self, max_sites: int = 8) -> Any:
        """Exceedance probability per forecast issue against the trigger probability.

        Parameters
        ----------
        max_sites : int
            Number of sites drawn as lines (the first ones); with a single
            forecast issue every site is a bar.

        Returns
        -------
        matplotlib.figure.Figure
            The share of members (%) exceeding the threshold: one line per
            site over the issues (hours since the start, or dates), with stars
            where the rule triggered, or one bar per site for a single issue
            (triggered ones in red); and the trigger probability.

        Examples
        --------
        >>> f = xr.DataArray(np.array([10, 40, 40])[:, None, None] * np.ones((3, 10, 2)),
        ...                  dims=("issue_time", "member", "lead_time"),
        ...                  coords={"issue_time": 43200.0 * np.arange(3), "lead_time": [0, 3600]})
        >>> ensemble_trigger(f, 30.0).plot().axes[0].get_ylabel()
        'members exceeding the threshold (%)'
        """
        import matplotlib.pyplot as plt

        from drm.plotting import OKABE_ITO

        issue_dim = self.probability.dims[0]
        issues = np.asarray(self.probability[issue_dim].values)
        share = 100.0 * self.probability.to_numpy().reshape(issues.size, -1)
        fired = self.triggered.to_numpy().reshape(issues.size, -1)
        sites = [str(k) for k in self.first_trigger.index]
        fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
        if issues.size == 1:
            colours = np.where(fired[0], OKABE_ITO[5], OKABE_ITO[4])
            ax.bar(sites, share[0], color=colours)
            ax.tick_params(axis="x", labelrotation=45 if len(sites) > 8 else 0)
            ax.set_xlabel("site")
        else:
            numeric = issues.dtype.kind in "fiu"
            x = issues / 3600.0 if numeric else issues
            for k, site in enumerate(sites[:max_sites]):
                (line,) = ax.plot(x, share[:, k], marker="o", ms=3, label=site)
                hit = fired[:, k]
                mark = "triggered" if k == 0 else None
                ax.plot(x[hit], share[hit, k], "*", ms=11, color=line.get_color(), label=mark)
            ax.set_xlabel("forecast issue (h since the start)" if numeric else "forecast issue")
        ax.axhline(
            100.0 * self.trigger_probability, color="grey", ls="--", label="trigger probability"
        )
        ax.set_ylabel("members exceeding the threshold (%)")
        ax.set_ylim(0, 102)
        runs = (
            "a forecast" if self.persistence == 1 else f"{self.persistence} consecutive forecasts"
        )
        ax.set_title(f"Trigger: >= {self.trigger_probability:.0%} of members in {runs}")
        ax.legend(fontsize="small")
        return fig


def ensemble_trigger(
    forecasts: xr.DataArray,
    threshold: Any,
    *,
    probability: float = 0.3,
    persistence: int = 2,
    lead_window_s: tuple[float, float] | None = None,
    member_dim: str = "member",
    issue_dim: str = "issue_time",
    lead_dim: str = "lead_time",
) -> EnsembleTrigger:
    """Trigger when enough members exceed a threshold in enough consecutive forecasts.

    Parameters
    ----------
    forecasts : xarray.DataArray
        Dims ``issue_time`` (forecast issue, s since the start of the event or
        datetime), ``member``, ``lead_time`` (s after the issue) and at most
        one more (e.g. ``site``).
    threshold : float or xarray.DataArray
        E.g. the 5-year return-period discharge, per site if a DataArray.
    probability : float
        Trigger probability in [0, 1] (EFAS-like: 0.3).
    persistence : int
        Consecutive issues at or above ``probability`` needed (>= 1).
    lead_window_s : (float, float), optional
        Only lead times in this closed range count (s).
    member_dim, issue_dim, lead_dim : str
        Dimension names.

    Returns
    -------
    EnsembleTrigger

    Raises
    ------
    InputError
        Probability outside [0, 1], persistence below 1, missing dimensions,
        an empty lead-time window.

    Examples
    --------
    >>> f = xr.DataArray(np.array([10, 20, 40, 40, 40])[:, None, None] * np.ones((5, 10, 3)),
    ...                  dims=("issue_time", "member", "lead_time"),
    ...                  coords={"issue_time": 43200.0 * np.arange(5), "lead_time": [0, 3600, 7200]})
    >>> t = ensemble_trigger(f, 30.0, probability=0.3, persistence=2)
    >>> t.triggered.values.tolist(), float(t.first_trigger.iloc[0])
    ([False, False, False, True, True], 129600.0)
    """
    _check_ensemble(forecasts, member_dim, (issue_dim, lead_dim))
    if not (np.isfinite(probability) and 0.0 <= probability <= 1.0):
        raise InputError(f"probability must be in [0, 1], got {probability!r}")
    if int(persistence) != persistence or persistence < 1:
        raise InputError(f"persistence must be a whole number >= 1, got {persistence!r}")
    persistence = int(persistence)
    f = forecasts
    if lead_window_s is not None:
        lo, hi = (float(v) for v in lead_window_s)
        lead = np.asarray(f[lead_dim].values, dtype=float)
        f = f.isel({lead_dim: (lead >= lo) & (lead <= hi)})
        if f.sizes[lead_dim] == 0:
            raise InputError(f"no lead time lies in the window {lead_window_s}")
    peak = f.max(lead_dim, skipna=True)
    p = _exceed_share(peak, threshold, member_dim).fillna(0.0).transpose(issue_dim, ...)
    other = [d for d in p.dims if d != issue_dim]
    if len(other) > 1:
        raise InputError(
            f"besides {issue_dim}, {member_dim} and {lead_dim} the forecasts may have one "
            f"dimension (e.g. site), found {other}; stack them into one"
        )
    above = (p >= probability).to_numpy()
    run = np.zeros(above.shape, dtype=np.int64)
    for i in range(above.shape[0]):
        run[i] = np.where(above[i], (run[i - 1] if i else 0) + 1, 0)
    consecutive = p.copy(data=run).rename("consecutive")
    triggered = (consecutive >= persistence).rename("triggered")
    issues = np.asarray(p[issue_dim].values)
    fired = triggered.to_numpy().reshape(issues.size, -1)
    missing = np.nan if issues.dtype.kind in "fiu" else pd.NaT
    index = p.indexes[other[0]] if other else pd.Index(["all"])
    first_trigger = pd.Series(
        [issues[np.argmax(col)] if col.any() else missing for col in fired.T],
        index=index,
        name="first_trigger",
    )
    return EnsembleTrigger(
        probability=p.rename("probability"),
        consecutive=consecutive,
        triggered=triggered,
        first_trigger=first_trigger,
        trigger_probability=float(probability),
        persistence=persistence,
    )
