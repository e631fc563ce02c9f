"""Trigger rules that combine the model's forecasts with the community's observations.

A warning protocol reads like "yellow when the forecast says 40 mm in 3 h;
orange when a gauge observer reports 0.8 m or two indicators agree; red when
the modelled arrival minus the clearance time is under 1 h". Here:

* a :class:`Condition` is one test, of one of four kinds:

  ``rain`` (model)
      The rain accumulated over a window, as an areal mean over the zone's
      area (or a named catchment), reaches a depth: :meth:`Condition.rain`.
      It is evaluated at the rainfall grid's interval ends, as
      :func:`drm.warning.rain_alerts` does, and holds until the next one; with
      ``ahead`` the forecast is that far ahead of the clock (at time ``t`` the
      committee knows the window ending at ``t + ahead``).
  ``gauge`` (observed)
      The latest report of a staff gauge serving the zone reaches a depth in
      metres or one of the community's marks: :meth:`Condition.gauge`.
  ``indicators`` (observed)
      At least N distinct indicators serving the zone have been reported
      (optionally within a trailing window): :meth:`Condition.indicators`.
  ``arrival_minus_clearance`` (model)
      The time left before the modelled arrival, less the clearance time, is at
      most a duration: ``arrival − clearance − t <= under``, i.e. from
      ``t = arrival − clearance − under`` on: :meth:`Condition.arrival_minus_clearance`.

* a :class:`Trigger` raises the alert to its level when ``any`` (or ``all``) of
  its conditions hold;
* a :class:`TriggerRule` is a candidate protocol: a set of triggers.

:func:`evaluate_triggers` runs a rule on one event (:class:`TriggerInputs`):
observations count from their ``reported_s``, when the committee knows them.
The level of a zone at a time is the highest level of the triggers that hold
then (a level follows its conditions, as :class:`~drm.warning.Alerts` does);
the result (:class:`TriggerAlerts`) also says, per zone and level, whether the
first trigger came from the model, from the observers or from both.
:func:`compare_rules` scores candidate rules over ensemble members (each
member one possible event) with :func:`drm.warning.verify`: POD, FAR, CSI and
the lead time ``onset − first warning`` at ``level`` (orange by default), so a
planner sees which combination warns earliest at an acceptable false-alarm
ratio.

All times are seconds since the start of the event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from drm._display import ResultMixin, fmt_when
from drm.clock import EventClock
from drm.errors import InputError
from drm.units import parse_duration
from drm.warning.levels import LEVELS, REL_TOL, Alerts, _window, level_code, rain_accumulation
from drm.warning.observations import _word
from drm.warning.timing import DecisionClock, _duration, _per_site, lead_time
from drm.warning.verification import verify

__all__ = [
    "Condition",
    "Trigger",
    "TriggerAlerts",
    "TriggerInputs",
    "TriggerRule",
    "compare_rules",
    "evaluate_triggers",
]

ConditionKind = Literal["rain", "gauge", "indicators", "arrival_minus_clearance"]
#: Where each kind of condition comes from.
SOURCE = {
    "rain": "model",
    "arrival_minus_clearance": "model",
    "gauge": "observed",
    "indicators": "observed",
}


def _opt_duration(value: Any, name: str) -> float | None:
    return None if value is None else parse_duration(value, name)


@dataclass(frozen=True)
class Condition:
    """One test of a trigger: rain, a staff gauge, indicators, or arrival minus clearance.

    Build it with :meth:`rain`, :meth:`gauge`, :meth:`indicators` or
    :meth:`arrival_minus_clearance`.

    Attributes
    ----------
    kind : {"rain", "gauge", "indicators", "arrival_minus_clearance"}
        What is tested (see the module docstring).
    threshold : float
        Rain in m over ``window_s``; depth on a staff gauge in m (NaN with a ``mark``); the
        number of distinct indicators (count); the duration ``under`` in s.
    window_s : float, optional
        Rain: the accumulation window (s).
    mark : str, optional
        Gauge: the community's mark (a name in the observers' marks) to reach.
    points : tuple of str, optional
        Gauge or indicators: only these observation points count (default all serving the zone).
    area : str, optional
        Rain: the name of the area in :attr:`TriggerInputs.areas` (default the zone's own).
    ahead_s : float
        Rain: how far ahead of the clock the forecast is (s).
    within_s : float, optional
        Indicators: a report counts for this long (s; default the rest of the event).
    name : str
        Label, e.g. ``"rain >= 40 mm in 3h"``.

    Examples
    --------
    >>> Condition.rain(40, "3h").name, Condition.gauge(mark="pilar del puente").name
    ('rain >= 40 mm in 3h', "gauge at 'pilar del puente'")
    >>> Condition.indicators(2).source, Condition.arrival_minus_clearance("1h").threshold
    ('observed', 3600.0)
    """

    kind: ConditionKind
    threshold: float = float("nan")
    window_s: Any = None
    mark: str | None = None
    points: Any = None
    area: str | None = None
    ahead_s: Any = 0.0
    within_s: Any = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in SOURCE:
            raise InputError(
                f"condition kind must be one of {', '.join(SOURCE)}, got {self.kind!r}"
            )
        set_ = object.__setattr__
        set_(self, "window_s", _opt_duration(self.window_s, "window"))
        set_(self, "ahead_s", parse_duration(self.ahead_s, "ahead"))
        set_(self, "within_s", _opt_duration(self.within_s, "within"))
        if self.points is not None:
            pts = (self.points,) if isinstance(self.points, str) else tuple(self.points)
            if not pts:
                raise InputError(f"{self.kind} condition: points is empty; give point ids or None")
            set_(self, "points", tuple(str(p) for p in pts))
        thr = float(self.threshold)
        set_(self, "threshold", thr)
        if self.kind == "gauge":
            if (self.mark is not None) == bool(np.isfinite(thr)):
                raise InputError(
                    "gauge condition: give either metres (a depth on the gauge) or mark (a "
                    "community mark's name), not both or neither"
                )
            if np.isfinite(thr) and thr < 0:
                raise InputError(f"gauge condition: metres must be >= 0, got {thr:g}")
        elif not np.isfinite(thr):
            raise InputError(f"{self.kind} condition: give its threshold (a finite number)")
        if self.kind == "rain":
            if thr <= 0:
                raise InputError(f"rain condition: the depth must be > 0 mm, got {thr * 1000:g} mm")
            if not self.window_s:
                raise InputError("rain condition: give its window, a duration > 0 such as '3h'")
        if self.kind == "indicators" and (thr < 1 or thr != round(thr)):
            raise InputError(
                f"indicators condition: at_least must be a whole number >= 1, got {thr:g}"
            )
        if self.kind == "arrival_minus_clearance" and thr < 0:
            raise InputError("arrival_minus_clearance condition: under must be >= 0")
        if self.within_s is not None and self.within_s <= 0:
            raise InputError(
                "indicators condition: within must be > 0 (or None: the rest of the event)"
            )
        if not self.name:
            set_(self, "name", self._label())

    def _label(self) -> str:
        if self.kind == "rain":
            ahead = f", {_window(self.ahead_s)} ahead" if self.ahead_s else ""
            where = f" over {self.area}" if self.area else ""
            return f"rain >= {self.threshold * 1000:g} mm in {_window(self.window_s)}{where}{ahead}"
        if self.kind == "gauge":
            return f"gauge at {self.mark!r}" if self.mark else f"gauge >= {self.threshold:g} m"
        if self.kind == "indicators":
            n = int(self.threshold)
            within = f" within {_window(self.within_s)}" if self.within_s else ""
            return f"{n} indicator{'s' if n > 1 else ''}{within}"
        return f"arrival - clearance <= {_window(self.threshold)}"

    @property
    def source(self) -> str:
        """``"model"`` (rain, arrival minus clearance) or ``"observed"`` (gauge, indicators)."""
        return SOURCE[self.kind]

    @classmethod
    def rain(
        cls, mm: float, window: Any, *, area: str | None = None, ahead: Any = 0.0, name: str = ""
    ) -> Condition:
        """Rain over ``window`` (areal mean) reaches ``mm`` (mm).

        Parameters
        ----------
        mm : float
            Rain depth in mm (> 0).
        window : float or str
            Accumulation window (s or a duration such as ``"3h"``).
        area : str, optional
            Name of the area in :attr:`TriggerInputs.areas`; default the zone's own area.
        ahead : float or str
            Forecast horizon (s or a duration): at ``t`` the window ending at ``t + ahead``.
        name : str
            Label.

        Returns
        -------
        Condition
        """
        return cls("rain", mm / 1000.0, window_s=window, area=area, ahead_s=ahead, name=name)

    @classmethod
    def gauge(
        cls,
        metres: float | None = None,
        *,
        mark: str | None = None,
        points: Any = None,
        name: str = "",
    ) -> Condition:
        """A staff gauge's latest report reaches ``metres`` (m) or the community's ``mark``.

        Parameters
        ----------
        metres : float, optional
            Depth on the gauge (m).
        mark : str, optional
            A mark's name, as in the observers' ``marks`` (each gauge its own height; gauges
            without that mark do not count).
        points : str or sequence of str, optional
            Only these gauges count.
        name : str
            Label.

        Returns
        -------
        Condition
        """
        thr = float("nan") if metres is None else float(metres)
        return cls("gauge", thr, mark=mark, points=points, name=name)

    @classmethod
    def indicators(
        cls, at_least: int = 2, *, within: Any = None, points: Any = None, name: str = ""
    ) -> Condition:
        """At least ``at_least`` distinct traditional indicators have been reported.

        Parameters
        ----------
        at_least : int
            Number of distinct indicator points (count, >= 1).
        within : float or str, optional
            A report counts for this long (s or a duration); default the rest of the event.
        points : str or sequence of str, optional
            Only these indicators count.
        name : str
            Label.

        Returns
        -------
        Condition
        """
        return cls("indicators", float(at_least), within_s=within, points=points, name=name)

    @classmethod
    def arrival_minus_clearance(cls, under: Any, *, name: str = "") -> Condition:
        """The time left before the modelled arrival, less the clearance time, is at most ``under``.

        Parameters
        ----------
        under : float or str
            Duration (s or e.g. ``"1h"``).
        name : str
            Label.

        Returns
        -------
        Condition
        """
        return cls("arrival_minus_clearance", parse_duration(under, "under"), name=name)


@dataclass(frozen=True)
class Trigger:
    """Raise the alert to ``level`` when any (or all) of the conditions hold.

    Attributes
    ----------
    level : str or int
        ``"yellow"``, ``"orange"``, ``"red"`` or the code 1-3; stored as the code.
    conditions : Condition or sequence of Condition
        The tests.
    combine : {"any", "all"}
        Whether one condition suffices or all are needed.
    name : str
        Label; default e.g. ``"orange: gauge >= 0.8 m or 2 indicators"``.

    Examples
    --------
    >>> t = Trigger("orange", [Condition.gauge(0.8), Condition.indicators(2)])
    >>> t.level, t.name
    (2, 'orange: gauge >= 0.8 m or 2 indicators')
    """

    level: Any
    conditions: Any
    combine: Literal["any", "all"] = "any"
    name: str = ""

    def __post_init__(self) -> None:
        code = level_code(self.level)
        if code == 0:
            raise InputError("a trigger raises the alert: use level yellow, orange or red (1-3)")
        object.__setattr__(self, "level", code)
        conds = (
            (self.conditions,) if isinstance(self.conditions, Condition) else tuple(self.conditions)
        )
        if not conds or not all(isinstance(c, Condition) for c in conds):
            raise InputError(f"{LEVELS[code]} trigger: give one or more Condition objects")
        object.__setattr__(self, "conditions", conds)
        if self.combine not in ("any", "all"):
            raise InputError(f"combine must be 'any' or 'all', got {self.combine!r}")
        if not self.name:
            joint = " or " if self.combine == "any" else " and "
            label = f"{LEVELS[code]}: {joint.join(c.name for c in conds)}"
            object.__setattr__(self, "name", label)


@dataclass(frozen=True)
class TriggerRule:
    """A candidate warning protocol: a set of triggers (typically one per level).

    Attributes
    ----------
    triggers : Trigger or sequence of Trigger
        The triggers; the alert level is the highest of those that hold.
    name : str
        Label; default the triggers' names.

    Examples
    --------
    >>> rule = TriggerRule([Trigger("yellow", Condition.rain(40, "3h")),
    ...                     Trigger("orange", [Condition.gauge(0.8), Condition.indicators(2)]),
    ...                     Trigger("red", Condition.arrival_minus_clearance("1h"))], name="mixed")
    >>> [t.level for t in rule.triggers], sorted(rule.sources)
    ([1, 2, 3], ['model', 'observed'])
    """

    triggers: Any
    name: str = ""

    def __post_init__(self) -> None:
        items = (self.triggers,) if isinstance(self.triggers, Trigger) else tuple(self.triggers)
        if not items or not all(isinstance(t, Trigger) for t in items):
            raise InputError("a TriggerRule needs one or more Trigger objects")
        object.__setattr__(self, "triggers", items)
        if not self.name:
            object.__setattr__(self, "name", "; ".join(t.name for t in items))

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """Every condition of every trigger."""
        return tuple(c for t in self.triggers for c in t.conditions)

    @property
    def sources(self) -> set[str]:
        """The sources the rule draws on: ``"model"`` and/or ``"observed"``."""
        return {c.source for c in self.conditions}


@dataclass(frozen=True)
class TriggerInputs:
    """What a committee has during one event (one ensemble member): forecasts and reports.

    Attributes
    ----------
    zones : sequence of str, optional
        The zones warned; default the zones of ``arrival`` / ``decision``, else of ``areas``,
        else one zone ``"all"``.
    observations : pandas.DataFrame, optional
        Reports (:func:`drm.warning.simulate_observations` or
        :func:`drm.warning.read_reports`): ``point``, ``kind``, ``reported_s`` (s), ``value``
        (m).
    observers : pandas.DataFrame, optional
        The observation points (:func:`drm.warning.read_observers`): their marks (for
        :meth:`Condition.gauge` with a ``mark``) and the zones each serves.
    rainfall : xarray.DataArray, optional
        The forecast rain (rate in m s-1, drm rainfall grid).
    areas : xarray.DataArray or dict of str to DataArray, optional
        Masks (True/1 inside): one per zone (by zone id), named catchments, or a single mask
        for every zone.
    arrival : pandas.Series or dict, optional
        Modelled flood arrival (s) by zone, NaN where it never comes.
    clearance : float, str or pandas.Series, optional
        Clearance time (s or a duration; or by zone).
    decision : DecisionClock, optional
        Instead of ``arrival`` and ``clearance``: their columns ``arrival_s`` and ``clearance_s``.
    onset : pandas.Series or dict, optional
        What happened: the flood's arrival (s) by zone, for lead times and verification;
        default ``arrival``. With the member's own arrival as ``arrival`` the model-based
        conditions are a perfect forecast; give the forecast's arrival as ``arrival`` and the
        member's as ``onset`` to score them honestly.
    clock : EventClock, optional
        The event's clock, for the text form.
    name : str
        Label of the event (member).

    Examples
    --------
    >>> TriggerInputs(arrival={"A": 7200.0, "B": float("nan")}, clearance="30min").zone_index().tolist()
    ['A', 'B']
    """

    zones: Any = None
    observations: pd.DataFrame | None = None
    observers: pd.DataFrame | None = None
    rainfall: xr.DataArray | None = None
    areas: Any = None
    arrival: Any = None
    clearance: Any = None
    decision: DecisionClock | None = None
    onset: Any = None
    clock: EventClock | None = None
    name: str = ""

    def zone_index(self) -> pd.Index:
        """The zones warned (see :attr:`zones`).

        Returns
        -------
        pandas.Index
        """
        if self.zones is not None:
            z = [self.zones] if isinstance(self.zones, str) else list(self.zones)
            return pd.Index(z, name="zone")
        if self.decision is not None:
            return pd.Index(self.decision.table.index, name="zone")
        if self.arrival is not None:
            return pd.Index(_per_site(self.arrival, "arrival").index, name="zone")
        if isinstance(self.areas, Mapping):
            return pd.Index(list(self.areas), name="zone")
        return pd.Index(["all"], name="zone")

    def arrival_clearance(self, zones: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        """Modelled arrival (s) and clearance time (s) per zone.

        Parameters
        ----------
        zones : pandas.Index
            The zones.

        Returns
        -------
        tuple of numpy.ndarray
            Arrival (s, NaN where the water never comes) and clearance (s).
        """
        if self.decision is not None:
            t = self.decision.table
            missing = zones.difference(t.index)
            if len(missing):
                raise InputError(f"decision clock has no zones {list(missing)[:5]}")
            return (
                t["arrival_s"].reindex(zones).to_numpy(float),
                t["clearance_s"].reindex(zones).to_numpy(float),
            )
        if self.arrival is None or self.clearance is None:
            raise InputError(
                "arrival_minus_clearance needs TriggerInputs(arrival=..., clearance=...) or "
                "decision=drm.warning.decision_clock(...)"
            )
        a = _per_site(self.arrival, "arrival")
        missing = zones.difference(a.index)
        if len(missing):
            raise InputError(f"arrival: no value for zones {list(missing)[:5]}")
        return a.reindex(zones).to_numpy(float), _duration(self.clearance, zones, "clearance")

    def onset_times(self, zones: pd.Index) -> pd.Series:
        """What happened: flood arrival (s) per zone (``onset``, else the modelled arrival).

        Parameters
        ----------
        zones : pandas.Index
            The zones.

        Returns
        -------
        pandas.Series
            Onset (s) by zone, NaN where the water never came.
        """
        if self.onset is not None:
            o = _per_site(self.onset, "onset")
        elif self.decision is not None:
            o = self.decision.table["arrival_s"]
        elif self.arrival is not None:
            o = _per_site(self.arrival, "arrival")
        else:
            raise InputError(
                "lead times need what happened: TriggerInputs(onset=...) or arrival=..."
            )
        return o.reindex(zones).astype(float)


@dataclass(frozen=True, eq=False, repr=False)
class TriggerAlerts(ResultMixin):
    """Alert levels per zone over time from a trigger rule, and where each level first came from.

    Attributes
    ----------
    levels : pandas.DataFrame
        Level codes (0 green .. 3 red, int8), one column per zone, indexed by ``time_s``
        (s); a level holds until the next row.
    sources : pandas.DataFrame
        One row per zone and level reached (index ``zone``, ``level``): ``first_s`` (s),
        ``source`` (``"model"``, ``"observed"`` or ``"model and observed"``: the kinds of
        the conditions that held when the level was first reached) and ``conditions``.
    rule : TriggerRule
        The rule evaluated.
    clock : EventClock, optional
        The event's clock: the text form shows local clock times beside the elapsed ones.
    """

    levels: pd.DataFrame
    sources: pd.DataFrame
    rule: TriggerRule
    clock: EventClock | None = None

    def as_alerts(self) -> Alerts:
        """The levels as :class:`~drm.warning.Alerts` (for combine_alerts, lead_time, plots).

        Returns
        -------
        Alerts
        """
        return Alerts(levels=self.levels, values={}, rules=(), clock=self.clock)

    def first_time(self, level: str | int = "orange") -> pd.Series:
        """First time (s) each zone reaches ``level`` or higher; NaN if never.

        Parameters
        ----------
        level : str or int
            Alert level.

        Returns
        -------
        pandas.Series
        """
        return self.as_alerts().first_time(level)

    def first_source(self, level: str | int = "orange") -> pd.Series:
        """Source of the first trigger at ``level`` or higher per zone ("" where never reached).

        Parameters
        ----------
        level : str or int
            Alert level.

        Returns
        -------
        pandas.Series
        """
        name = LEVELS[level_code(level)]
        out = pd.Series("", index=self.levels.columns, dtype=object, name="source")
        s = self.sources.reset_index()
        s = s[s["level"] == name]
        out.loc[s["zone"].to_numpy()] = s["source"].to_numpy()
        return out

    def lead_time(self, onset: Any, *, level: str | int = "orange") -> pd.DataFrame:
        """Lead time ``onset − first time at level`` per zone, with its outcome and source.

        Parameters
        ----------
        onset : pandas.Series or dict
            Flood arrival (s) by zone, NaN where it never came.
        level : str or int
            The level that counts as the warning.

        Returns
        -------
        pandas.DataFrame
            As :func:`drm.warning.lead_time` (``warning_s``, ``onset_s``, ``lead_time_s`` (s),
            ``outcome``...), plus ``source`` of the first warning.
        """
        out = lead_time(self.first_time(level), onset)
        out["source"] = self.first_source(level).reindex(out.index).fillna("").to_numpy()
        return out

    def _summary(self) -> list[tuple[str, Any]]:
        t = self.levels.index
        out: list[tuple[str, Any]] = [
            ("rule", self.rule.name),
            ("zones", len(self.levels.columns)),
            (
                "times",
                f"{len(t)} from {fmt_when(t.min(), self.clock)} to {fmt_when(t.max(), self.clock)}",
            ),
        ]
        for name in reversed(LEVELS[1:]):
            first = self.first_time(name).dropna()
            if len(first):
                counts = self.first_source(name)[first.index].value_counts()
                by = ", ".join(f"{k}: {v}" for k, v in counts.items())
                out.append(
                    (
                        f"zones reaching {name}",
                        f"{len(first)} (first at {fmt_when(first.min(), self.clock)}; first trigger {by})",
                    )
                )
        return out

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("levels", self.levels), ("sources", self.sources)]

    def plot(self) -> Any:
        """A strip of levels per zone over time.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return self.as_alerts().plot()


# --------------------------------------------------------------------------- evaluation
def _reports(inputs: TriggerInputs, kind: str, rule: TriggerRule, cond: Condition) -> pd.DataFrame:
    obs = inputs.observations
    if obs is None:
        raise InputError(
            f"rule {rule.name!r}: condition {cond.name!r} needs reports: "
            "TriggerInputs(observations=drm.warning.simulate_observations(...) or read_reports(...))"
        )
    missing = {"point", "kind", "reported_s", "value"} - set(obs.columns)
    if missing:
        raise InputError(
            f"observations lack columns {sorted(missing)}; build them with "
            "drm.warning.simulate_observations or drm.warning.read_reports"
        )
    r = obs[obs["kind"] == kind]
    if cond.points is not None:
        r = r[r["point"].astype(str).isin(cond.points)]
    if "observed_s" in r.columns:
        return r.sort_values(["reported_s", "observed_s"], kind="stable")
    return r.sort_values("reported_s", kind="stable")


def _serves(inputs: TriggerInputs, points: Sequence[str], zones: pd.Index) -> np.ndarray:
    """(point, zone) matrix: whether each observation point warns each zone."""
    out = np.ones((len(points), len(zones)), dtype=bool)
    obs = inputs.observers
    if obs is None or "zones" not in obs.columns:
        return out
    by_id = {str(i): z for i, z in obs["zones"].items()}
    names = [str(z) for z in zones]
    for k, p in enumerate(points):
        served = by_id.get(p)
        if served is None:
            raise InputError(f"observations name point {p!r}, which is not in the observers table")
        if served:
            out[k] = np.isin(names, [str(s) for s in served])
    return out


def _held(times: np.ndarray, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values of a step signal (``values`` from times ``at``) at ``times``; NaN before the first."""
    idx = np.searchsorted(at, times, side="right") - 1
    out = np.full(times.shape, np.nan)
    ok = idx >= 0
    out[ok] = values[idx[ok]]
    return out


def _gauge_heights(
    inputs: TriggerInputs, cond: Condition, points: list[str], rule: TriggerRule
) -> np.ndarray:
    if cond.mark is None:
        return np.full(len(points), cond.threshold)
    obs = inputs.observers
    if obs is None or "marks" not in obs.columns:
        raise InputError(
            f"rule {rule.name!r}: condition {cond.name!r} names a mark; pass "
            "TriggerInputs(observers=drm.warning.read_observers(...)) to know its height"
        )
    word = _word(cond.mark)
    out = np.full(len(points), np.nan)
    for k, p in enumerate(points):
        marks = obs["marks"].get(p) if p in obs.index else None
        for name, metres in (marks or {}).items():
            if _word(name) == word:
                out[k] = metres
    gauges = obs.index[obs["kind"] == "staff_gauge"] if "kind" in obs.columns else obs.index
    has = [i for i in gauges if any(_word(n) == word for n in (obs.at[i, "marks"] or {}))]
    if not has:
        raise InputError(
            f"rule {rule.name!r}: no staff gauge has the mark {cond.mark!r}; name a mark listed in "
            "the observers' marks column"
        )
    return out


class _Evaluator:
    """One rule on one event: the time grid, then each condition as a (time, zone) bool array."""

    def __init__(self, rule: TriggerRule, inputs: TriggerInputs):
        self.rule, self.inputs = rule, inputs
        self.zones = inputs.zone_index()
        if self.zones.has_duplicates:
            raise InputError(f"zones must be unique, got {list(self.zones)}")
        self._rain: dict[tuple[float, str], tuple[np.ndarray, np.ndarray]] = {}
        self._arrival: tuple[np.ndarray, np.ndarray] | None = None
        times = {0.0}
        for cond in rule.conditions:
            times |= set(self._times(cond).tolist())
        self.times = np.array(sorted(t for t in times if np.isfinite(t) and t >= 0.0))

    # ---- the times at which a condition may change
    def _times(self, cond: Condition) -> np.ndarray:
        if cond.kind == "rain":
            ends, _ = self._rain_series(cond)
            return np.maximum(ends - cond.ahead_s, 0.0)
        if cond.kind == "arrival_minus_clearance":
            a, c = self._arrival_clearance()
            return np.maximum(a - c - cond.threshold, 0.0)
        kind = "staff_gauge" if cond.kind == "gauge" else "indicator"
        r = _reports(self.inputs, kind, self.rule, cond)["reported_s"].to_numpy(float)
        if np.any(r < 0):
            raise InputError(
                "observations: reported_s must be >= 0 (s since the start of the event)"
            )
        if cond.kind == "indicators" and cond.within_s is not None:
            r = np.concatenate([r, r + cond.within_s])
        return r

    def _arrival_clearance(self) -> tuple[np.ndarray, np.ndarray]:
        if self._arrival is None:
            self._arrival = self.inputs.arrival_clearance(self.zones)
        return self._arrival

    def _areas(self, cond: Condition) -> dict[Any, xr.DataArray]:
        """The mask used for each zone."""
        areas = self.inputs.areas
        if areas is None:
            raise InputError(
                f"rule {self.rule.name!r}: condition {cond.name!r} needs areas: "
                "TriggerInputs(areas={zone: mask} or a catchment mask)"
            )
        if isinstance(areas, xr.DataArray):
            return dict.fromkeys(self.zones, areas)
        if cond.area is not None:
            if cond.area not in areas:
                raise InputError(
                    f"rule {self.rule.name!r}: condition {cond.name!r} names area {cond.area!r}, "
                    f"not in TriggerInputs.areas ({', '.join(map(str, areas))})"
                )
            return dict.fromkeys(self.zones, areas[cond.area])
        missing = [z for z in self.zones if z not in areas]
        if missing:
            raise InputError(
                f"rule {self.rule.name!r}: condition {cond.name!r} has no area for zones "
                f"{missing[:5]}; give areas for every zone or Condition.rain(..., area=name)"
            )
        return {z: areas[z] for z in self.zones}

    def _rain_series(self, cond: Condition) -> tuple[np.ndarray, np.ndarray]:
        """Interval ends (s) and rain (m) over the window, per zone (time, zone)."""
        key = (float(cond.window_s), str(cond.area))
        if key not in self._rain:
            if self.inputs.rainfall is None:
                raise InputError(
                    f"rule {self.rule.name!r}: condition {cond.name!r} needs the forecast rain: "
                    "TriggerInputs(rainfall=...)"
                )
            masks = self._areas(cond)
            unique: dict[int, xr.DataArray] = {id(m): m for m in masks.values()}
            acc = rain_accumulation(
                self.inputs.rainfall, cond.window_s, areas={str(k): m for k, m in unique.items()}
            )
            values = np.column_stack([acc[str(id(masks[z]))].to_numpy(float) for z in self.zones])
            self._rain[key] = (acc.index.to_numpy(float), values)
        return self._rain[key]

    # ---- each condition at the grid times
    def holds(self, cond: Condition) -> np.ndarray:
        t = self.times
        if cond.kind == "rain":
            ends, values = self._rain_series(cond)
            idx = np.searchsorted(ends - cond.ahead_s, t, side="right") - 1
            out = np.zeros((t.size, len(self.zones)), dtype=bool)
            ok = idx >= 0
            thr = cond.threshold - REL_TOL * cond.threshold
            out[ok] = values[idx[ok]] >= thr
            return out
        if cond.kind == "arrival_minus_clearance":
            a, c = self._arrival_clearance()
            start = a - c - cond.threshold
            with np.errstate(invalid="ignore"):
                return t[:, None] >= np.where(np.isfinite(start), start, np.inf)[None, :]
        kind = "staff_gauge" if cond.kind == "gauge" else "indicator"
        r = _reports(self.inputs, kind, self.rule, cond)
        points = list(dict.fromkeys(r["point"].astype(str)))
        serves = _serves(self.inputs, points, self.zones)
        out = np.zeros((t.size, len(self.zones)), dtype=bool)
        if cond.kind == "gauge":
            heights = _gauge_heights(self.inputs, cond, points, self.rule)
            for k, p in enumerate(points):
                if not np.isfinite(heights[k]):
                    continue
                rp = r[r["point"].astype(str) == p]
                v = _held(t, rp["reported_s"].to_numpy(float), rp["value"].to_numpy(float))
                with np.errstate(invalid="ignore"):
                    hit = v >= heights[k] - REL_TOL * abs(heights[k])
                out |= hit[:, None] & serves[k][None, :]
            return out
        count = np.zeros((t.size, len(self.zones)), dtype=int)
        for k, p in enumerate(points):
            at = np.sort(r.loc[r["point"].astype(str) == p, "reported_s"].to_numpy(float))
            last = _held(t, at, at)
            active = np.isfinite(last)
            if cond.within_s is not None:
                active &= last > t - cond.within_s
            count += active[:, None] & serves[k][None, :]
        return count >= int(cond.threshold)


def _source(kinds: set[str]) -> str:
    return "model and observed" if len(kinds) > 1 else next(iter(kinds), "")


def evaluate_triggers(rule: TriggerRule, inputs: TriggerInputs) -> TriggerAlerts:
    """Alert levels per zone over one event under a trigger rule, and the source of each level.

    Parameters
    ----------
    rule : TriggerRule
        The protocol.
    inputs : TriggerInputs
        The event's forecasts and reports; observations count from ``reported_s``.

    Returns
    -------
    TriggerAlerts
        Levels at every time a condition may change (s), and per zone and level the first
        time and its source.

    Raises
    ------
    InputError
        A condition whose inputs are missing (rain without rainfall or areas, a gauge
        condition without observations, arrival without arrival and clearance...).

    Examples
    --------
    >>> obs = pd.DataFrame({"point": ["G1", "I1", "I2"], "kind": ["staff_gauge", "indicator", "indicator"],
    ...                     "reported_s": [3600.0, 5400.0, 6000.0], "value": [0.9, 1.0, 1.0]})
    >>> rule = TriggerRule([Trigger("orange", [Condition.gauge(0.8), Condition.indicators(2)]),
    ...                     Trigger("red", Condition.arrival_minus_clearance("1h"))])
    >>> ta = evaluate_triggers(rule, TriggerInputs(observations=obs, arrival={"A": 18000.0},
    ...                                            clearance="2h"))
    >>> ta.levels["A"].to_dict()
    {0.0: 0, 3600.0: 2, 5400.0: 2, 6000.0: 2, 7200.0: 3}
    >>> ta.sources["source"].tolist(), ta.lead_time({"A": 18000.0})["lead_time_s"].tolist()
    (['observed', 'observed', 'model'], [14400.0])
    """
    if not isinstance(rule, TriggerRule):
        raise InputError("rule must be a TriggerRule")
    ev = _Evaluator(rule, inputs)
    t, zones = ev.times, ev.zones
    cond_holds = {id(c): ev.holds(c) for c in rule.conditions}
    level = np.zeros((t.size, len(zones)), dtype=np.int8)
    trig_holds = []
    for trig in rule.triggers:
        arrays = [cond_holds[id(c)] for c in trig.conditions]
        h = np.logical_or.reduce(arrays) if trig.combine == "any" else np.logical_and.reduce(arrays)
        trig_holds.append(h)
        level = np.maximum(level, np.where(h, np.int8(trig.level), np.int8(0))).astype(np.int8)
    rows = []
    for j, zone in enumerate(zones):
        for code in (1, 2, 3):
            reached = level[:, j] >= code
            if not reached.any():
                continue
            i = int(np.argmax(reached))
            kinds: set[str] = set()
            names: list[str] = []
            for trig, h in zip(rule.triggers, trig_holds, strict=True):
                if trig.level >= code and h[i, j]:
                    for c in trig.conditions:
                        if cond_holds[id(c)][i, j]:
                            kinds.add(c.source)
                            names.append(c.name)
            rows.append(
                (zone, LEVELS[code], float(t[i]), _source(kinds), "; ".join(dict.fromkeys(names)))
            )
    sources = pd.DataFrame(rows, columns=["zone", "level", "first_s", "source", "conditions"])
    sources = sources.set_index(["zone", "level"])
    levels = pd.DataFrame(level, index=pd.Index(t, name="time_s"), columns=zones)
    return TriggerAlerts(levels=levels, sources=sources, rule=rule, clock=inputs.clock)


def compare_rules(
    rules: Any,
    members: Any,
    *,
    level: str | int = "orange",
    max_far: float | None = None,
) -> pd.DataFrame:
    """Score candidate trigger rules over ensemble members: POD, FAR, CSI and lead time.

    Each (member, zone) is a case: the rule warned when it reached ``level`` at or before
    the onset (a hit) or without an onset (a false alarm); a warning after the onset
    counts as a miss (``late``), as :func:`drm.warning.lead_time` and
    :func:`drm.warning.verify` count them. The lead time of a hit is ``onset − first time
    at level``.

    Parameters
    ----------
    rules : sequence of TriggerRule or dict of str to TriggerRule
        The candidates, with distinct names.
    members : sequence of TriggerInputs or dict of str to TriggerInputs
        The events (ensemble members), each with its ``onset`` (or ``arrival``).
    level : str or int
        The level that counts as the warning.
    max_far : float, optional
        Acceptable false alarm ratio (0-1): adds ``acceptable`` and sorts the acceptable
        rules first, most median lead time first.

    Returns
    -------
    pandas.DataFrame
        By rule: ``cases``, ``hits``, ``late``, ``misses`` (late included),
        ``false_alarms``, ``correct_negatives`` (counts), ``pod``, ``far``, ``csi``
        (fractions), ``lead_time_median_s``, ``lead_time_p10_s``, ``lead_time_mean_s``,
        ``lead_time_min_s`` (s, over the hits), ``observed_first`` (share of the warnings
        whose first trigger drew on the observers) and, with ``max_far``, ``acceptable``.

    Examples
    --------
    >>> obs = pd.DataFrame({"point": ["G1"], "kind": ["staff_gauge"], "reported_s": [3600.0], "value": [0.9]})
    >>> wet = TriggerInputs(observations=obs, arrival={"A": 9000.0}, clearance="1h")
    >>> dry = TriggerInputs(observations=obs.assign(value=0.2), arrival={"A": np.nan}, clearance="1h")
    >>> gauge = TriggerRule(Trigger("orange", Condition.gauge(0.8)), name="gauge")
    >>> clock = TriggerRule(Trigger("orange", Condition.arrival_minus_clearance("2h")), name="clock")
    >>> t = compare_rules([gauge, clock], [wet, dry])
    >>> t[["hits", "false_alarms", "pod", "far", "lead_time_median_s"]].to_dict("index")
    {'gauge': {'hits': 1, 'false_alarms': 0, 'pod': 1.0, 'far': 0.0, 'lead_time_median_s': 5400.0},
     'clock': {'hits': 1, 'false_alarms': 0, 'pod': 1.0, 'far': 0.0, 'lead_time_median_s': 9000.0}}
    """
    items = dict(rules) if isinstance(rules, Mapping) else {r.name: r for r in rules}
    if isinstance(rules, Sequence) and len(items) != len(rules):
        raise InputError("rules must have distinct names: give each TriggerRule its name=")
    if not items or not all(isinstance(r, TriggerRule) for r in items.values()):
        raise InputError("rules: give one or more TriggerRule objects")
    events = list(members.values()) if isinstance(members, Mapping) else list(members)
    if not events or not all(isinstance(m, TriggerInputs) for m in events):
        raise InputError("members: give one or more TriggerInputs (one per ensemble member)")
    if max_far is not None and not 0 <= max_far <= 1:
        raise InputError(f"max_far must be in [0, 1], got {max_far!r}")
    rows = {}
    for name, rule in items.items():
        tables = []
        for m in events:
            ta = evaluate_triggers(rule, m)
            tables.append(ta.lead_time(m.onset_times(ta.levels.columns), level=level))
        lt = pd.concat(tables, ignore_index=True)
        hit = (lt["outcome"] == "hit").to_numpy()
        v = verify(lt["warned"], lt["observed"], lead_time_s=lt.loc[hit, "lead_time_s"])
        a, b, c, d = v._counts()
        s = v.lead_time_summary()
        warned = lt["warning_s"].notna()
        rows[name] = {
            "cases": len(lt),
            "hits": a,
            "late": int((lt["outcome"] == "late").sum()),
            "misses": c,
            "false_alarms": b,
            "correct_negatives": d,
            "pod": v.pod,
            "far": v.far,
            "csi": v.csi,
            "lead_time_median_s": float(s.get("median", np.nan)),
            "lead_time_p10_s": float(s.get("p10", np.nan)),
            "lead_time_mean_s": float(s.get("mean", np.nan)),
            "lead_time_min_s": float(s.get("min", np.nan)),
            "observed_first": (
                float(lt.loc[warned, "source"].str.contains("observed").mean())
                if warned.any()
                else float("nan")
            ),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "rule"
    if max_far is not None:
        table["acceptable"] = table["far"].fillna(0.0) <= max_far + 1e-12
        table = table.sort_values(
            ["acceptable", "lead_time_median_s"], ascending=[False, False], kind="stable"
        )
    return table
