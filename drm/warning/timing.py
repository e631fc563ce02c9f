"""Warning time: flood onset, lead time of warnings and the decision clock per zone.

* :func:`onset_times`: when the water arrives at warning points.
* :func:`lead_time`: time from the first qualifying warning (a level reached,
  or an ensemble trigger) to the hazard onset, with each site's outcome (hit,
  late, miss, false alarm, correct negative) ready for :func:`drm.warning.verify`.
* :func:`decision_clock`: the latest time to order an evacuation in each zone,
  ``latest order = arrival − (dissemination + response + clearance) − margin``,
  the decision-arc idea of HURREVAC (the US National Hurricane Program's
  decision-support tool, whose evacuation clearance times count back from the
  arrival of tropical-storm-force winds); with an order time it flags the
  zones where the order comes too late.

All times are seconds since the start of the event; durations are seconds or
strings such as ``"45min"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm._display import ResultMixin, fmt_when
from drm.clock import EventClock
from drm.errors import InputError
from drm.grids import xy_to_rowcol
from drm.units import parse_duration
from drm.warning.ensemble import EnsembleTrigger
from drm.warning.levels import Alerts, _at_cells, _sites

__all__ = ["DecisionClock", "decision_clock", "lead_time", "onset_times"]


def onset_times(flood: Any, points: Any, *, depth_m: float | None = None) -> pd.Series:
    """Time (s) the water first reaches a depth at each point; NaN where never.

    Parameters
    ----------
    flood : drm.hazard.flood.FloodResult or xarray.Dataset
        The flood (its ``ds``).
    points : DataFrame with x, y, dict name -> (x, y), or sequence of (x, y)
        Points in the DEM's CRS (m).
    depth_m : float, optional
        Onset depth; by default the solver's ``arrival_time`` (tracked every
        time step at ``arrival_depth_m``); otherwise the first output frame at
        or above ``depth_m``.

    Returns
    -------
    pandas.Series
        Onset (s) by point name.

    Examples
    --------
    >>> ds = xr.Dataset({"depth": (("time", "y", "x"), np.array([0.0, 0.1, 0.4])[:, None, None] * np.ones((3, 2, 2))),
    ...                  "arrival_time": (("y", "x"), np.full((2, 2), 450.0))},
    ...                 coords={"time": [0.0, 600.0, 1200.0], "y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> float(onset_times(ds, {"a": (5, 5)})["a"]), float(onset_times(ds, {"a": (5, 5)}, depth_m=0.3)["a"])
    (450.0, 1200.0)
    """
    ds = flood if isinstance(flood, xr.Dataset) else flood.ds
    names, xs, ys = _sites(points)
    rows, cols = xy_to_rowcol(ds["depth"].isel(time=0), xs, ys, name="point")
    if depth_m is None:
        values = np.asarray(ds["arrival_time"].values, dtype=float)[rows, cols]
    else:
        if not (np.isfinite(depth_m) and depth_m > 0):
            raise InputError(f"depth_m must be > 0, got {depth_m!r}")
        d = np.asarray(_at_cells(ds["depth"], rows, cols), dtype=float)
        t = np.asarray(ds["time"].values, dtype=float)
        wet = d >= depth_m
        values = np.where(wet.any(axis=0), t[np.argmax(wet, axis=0)], np.nan)
    return pd.Series(values, index=pd.Index(names, name="site"), name="onset_s")


def _per_site(value: Any, name: str) -> pd.Series:
    if isinstance(value, pd.Series):
        s = value
    elif isinstance(value, Mapping):
        s = pd.Series(dict(value), dtype=float)
    else:
        raise InputError(
            f"{name} must be a pandas Series or a dict by site, got {type(value).__name__}"
        )
    if (
        pd.api.types.is_datetime64_any_dtype(s)
        or s.map(lambda v: isinstance(v, pd.Timestamp)).any()
    ):
        raise InputError(f"{name}: give times in seconds since the start of the event, not dates")
    return pd.to_numeric(s, errors="raise").astype(float)


def lead_time(warning: Any, onset: Any, *, level: str | int = "orange") -> pd.DataFrame:
    """Lead time from the first qualifying warning to the onset, per site.

    Parameters
    ----------
    warning : Alerts, EnsembleTrigger or pandas.Series
        Alert levels (the first time ``level`` is reached counts), an ensemble
        trigger (its first trigger), or first warning times (s) by site.
    onset : pandas.Series or dict
        Hazard onset (s) by site, NaN where it never came (see :func:`onset_times`).
    level : str or int
        Alert level that qualifies, for ``Alerts``.

    Returns
    -------
    pandas.DataFrame
        By site: ``warning_s``, ``onset_s``, ``lead_time_s`` (onset − warning),
        ``outcome`` (``"hit"``: warned at or before onset; ``"late"``: warned
        after; ``"miss"``; ``"false alarm"``; ``"correct negative"``),
        ``warned`` (warned in time or falsely) and ``observed`` (onset came).

    Examples
    --------
    >>> lt = lead_time(pd.Series({"a": 600.0, "b": 3000.0, "c": 100.0}), {"a": 3600.0, "b": 1800.0})
    >>> lt["lead_time_s"].tolist()[:2], lt["outcome"].tolist()
    ([3000.0, -1200.0], ['hit', 'late', 'false alarm'])
    """
    if isinstance(warning, Alerts):
        w = warning.first_time(level)
    elif isinstance(warning, EnsembleTrigger):
        w = warning.first_trigger
    else:
        w = _per_site(warning, "warning")
    o = _per_site(onset, "onset")
    sites = w.index.union(o.index, sort=False)
    w, o = w.reindex(sites).astype(float), o.reindex(sites).astype(float)
    has_w, has_o = w.notna().to_numpy(), o.notna().to_numpy()
    lead = (o - w).to_numpy()
    outcome = np.select(
        [has_w & has_o & (lead >= 0), has_w & has_o, has_o, has_w],
        ["hit", "late", "miss", "false alarm"],
        "correct negative",
    )
    return pd.DataFrame(
        {
            "warning_s": w.to_numpy(),
            "onset_s": o.to_numpy(),
            "lead_time_s": lead,
            "outcome": outcome,
            "warned": np.isin(outcome, ["hit", "false alarm"]),
            "observed": has_o,
        },
        index=pd.Index(sites, name="site"),
    )


def _duration(value: Any, zones: pd.Index, name: str) -> np.ndarray:
    """Seconds per zone from a scalar duration or a Series by zone."""
    if isinstance(value, (pd.Series, Mapping)):
        s = pd.Series(dict(value)) if isinstance(value, Mapping) else value
        missing = zones.difference(s.index)
        if len(missing):
            raise InputError(f"{name}: no value for zones {list(missing)[:5]}")
        return np.array([parse_duration(v, name) for v in s.reindex(zones)])
    return np.full(len(zones), parse_duration(value, name))


@dataclass(frozen=True, eq=False, repr=False)
class DecisionClock(ResultMixin):
    """Latest evacuation order time per zone, and whether a given order is in time.

    Attributes
    ----------
    table : pandas.DataFrame
        By zone, earliest deadline first: ``arrival_s``, ``dissemination_s``,
        ``response_s``, ``clearance_s``, ``margin_s``, ``latest_order_s``;
        with an order time also ``order_s``, ``slack_s`` (latest order −
        order), ``completion_s`` (order + dissemination + response +
        clearance) and ``status``: ``"in time"`` (slack >= 0), ``"margin
        used"`` (done before the water but inside the margin), ``"too late"``
        (the water arrives before the evacuation is done), ``"after arrival"``
        (ordered once the water is there) or ``"not flooded"``.
    order_time_s : float or None
        The order time checked.
    clock : EventClock, optional
        The event's clock: the text form shows local clock times beside the elapsed ones.
    """

    table: pd.DataFrame
    order_time_s: float | None
    clock: EventClock | None = None

    def late_zones(self) -> pd.Index:
        """Zones where the order comes too late or after the water (empty without an order)."""
        if self.order_time_s is None:
            return self.table.index[:0]
        return self.table.index[self.table["status"].isin(["too late", "after arrival"])]

    def _summary(self) -> list[tuple[str, Any]]:
        t = self.table.dropna(subset=["latest_order_s"])
        out: list[tuple[str, Any]] = [("zones", len(self.table)), ("zones flooded", len(t))]
        if len(t):
            first = t.index[0]
            out.append(
                (
                    "earliest deadline",
                    f"zone {first}: order by {fmt_when(t['latest_order_s'].iloc[0], self.clock)}",
                )
            )
        if self.order_time_s is not None:
            counts = self.table["status"].value_counts()
            out.append(("order at", fmt_when(self.order_time_s, self.clock)))
            out.append(("status", ", ".join(f"{k}: {v}" for k, v in counts.items())))
        return out

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("zones", self.table)]

    def plot(self, max_zones: int = 30) -> Any:
        """Decision arcs: per zone, the phases counted back from the arrival, and the order time.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        t = self.table.dropna(subset=["latest_order_s"]).head(max_zones)
        fig, ax = plt.subplots(figsize=(8, 0.4 * len(t) + 1.6), layout="constrained")
        phases = [
            ("dissemination_s", "#0072B2"),
            ("response_s", "#E69F00"),
            ("clearance_s", "#009E73"),
            ("margin_s", "#BBBBBB"),
        ]
        y = np.arange(len(t))[::-1]
        start = t["latest_order_s"].to_numpy() / 3600
        for col, colour in phases:
            width = t[col].to_numpy() / 3600
            ax.barh(y, width, left=start, color=colour, label=col.removesuffix("_s"))
            start = start + width
        ax.scatter(
            t["arrival_s"] / 3600, y, marker="v", color="#0072B2", zorder=3, label="water arrives"
        )
        if self.order_time_s is not None:
            ax.axvline(self.order_time_s / 3600, color="#D55E00", lw=1.5, label="order")
            late = set(self.late_zones())
            ax.set_yticks(y, [str(z) for z in t.index])
            for tick, z in zip(ax.get_yticklabels(), t.index, strict=True):
                tick.set_color("#D55E00" if z in late else "black")
        else:
            ax.set_yticks(y, [str(z) for z in t.index])
        ax.set_xlabel("time since the start of the event (h)")
        ax.set_ylabel("zone")
        ax.legend(fontsize="small", loc="lower right")
        return fig


def decision_clock(
    arrival: Any,
    *,
    dissemination: Any,
    response: Any,
    clearance: Any,
    margin: Any = 0.0,
    order_time: Any = None,
) -> DecisionClock:
    """Latest evacuation order per zone: arrival − (dissemination + response + clearance) − margin.

    Parameters
    ----------
    arrival : pandas.Series or dict
        Flood arrival (s since the start of the event) by zone, NaN where the
        water never comes (e.g. ``first_at_risk_s`` of the exposure zones).
    dissemination, response, clearance, margin : float, str or Series by zone
        Time to get the warning out, for people to get ready, to move everyone
        out (travel and queues), and a safety margin (s or durations).
    order_time : float or str, optional
        An order time to check (s since the start of the event).

    Returns
    -------
    DecisionClock

    Examples
    --------
    >>> c = decision_clock({"A": 14400.0, "B": 7200.0}, dissemination="30min", response="1h",
    ...                    clearance="45min", margin="15min", order_time="1h30m")
    >>> c.table["latest_order_s"].to_dict(), c.table["status"].to_dict()
    ({'B': -1800.0, 'A': 5400.0}, {'B': 'too late', 'A': 'in time'})
    """
    a = _per_site(arrival, "arrival")
    zones = a.index
    table = pd.DataFrame(index=pd.Index(zones, name="zone"))
    table["arrival_s"] = a.to_numpy()
    for name, value in (
        ("dissemination", dissemination),
        ("response", response),
        ("clearance", clearance),
        ("margin", margin),
    ):
        table[f"{name}_s"] = _duration(value, zones, name)
    needed = table[["dissemination_s", "response_s", "clearance_s"]].sum(axis=1)
    table["latest_order_s"] = table["arrival_s"] - needed - table["margin_s"]
    order_s = None
    if order_time is not None:
        order_s = parse_duration(order_time, "order_time")
        table["order_s"] = order_s
        table["slack_s"] = table["latest_order_s"] - order_s
        table["completion_s"] = order_s + needed
        arr = table["arrival_s"].to_numpy()
        table["status"] = np.select(
            [
                np.isnan(arr),
                order_s >= arr,
                table["completion_s"].to_numpy() > arr,
                table["slack_s"].to_numpy() < 0,
            ],
            ["not flooded", "after arrival", "too late", "margin used"],
            "in time",
        )
    table = table.sort_values("latest_order_s", na_position="last", kind="stable")
    return DecisionClock(table=table, order_time_s=order_s)
