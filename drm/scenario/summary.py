"""The key numbers of a run (``summary.json``): one plain dictionary from every stage's results.

The report, the golden tests and the ensemble store read these numbers, so
their keys are stable: ``scenario``, ``drm_version``, ``input_sha256``,
``inputs``, ``flood``, ``warning``, ``exposure``, ``centres``, ``evacuation``,
``shelter``, ``notes``, ``clock``, when the centres were assessed, ``assessment``, and
with ``[observers]`` or ``[[triggers]]``, ``community``: ``points`` (count),
``reports`` (count, rumours apart), ``rumours``, ``first_report_s`` (by level:
the first report at that level or above to reach the committee),
``indicators_reported``, ``indicators_missed`` (their precursor held, they did
not report) and ``indicators_never`` (ids), ``protocol_first_s`` and
``protocol_first_source`` (by level, the first zone's), ``protocol_min_lead_time_s``
(the least, over zones, of arrival − first ``order_on`` level) and
``failed_channels``.
Times are seconds since the start of the event; NaN means "did not happen".

``clock`` is ``{"start": ISO 8601 with offset or None, "timezone": str or None,
"known": bool}``. When the start is known, a local clock time
(``"2026-10-03 01:30 -04"``, :meth:`drm.clock.EventClock.label`; None where
the time is NaN or None) sits beside each time: ``warning.order_time_local``,
``first_arrival_local``, ``latest_order_local``, ``first_alert_local`` (by
level), ``flood.end_local`` (the end of the flood run, ``duration_s``),
``evacuation.clearance_time_local`` and ``time_90pct_safe_local`` (the order
plus those durations) and ``inputs.inflows[i].peak_time_local``. When it is
not, no ``*_local`` key is written and ``notes`` says so once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from drm._version import __version__
from drm.clock import EventClock
from drm.scenario.inputs import ScenarioInputs
from drm.scenario.result import event_clock
from drm.scenario.schema import Scenario

__all__ = ["summarise"]


def summarise(
    sc: Scenario, inputs: ScenarioInputs, flood: Any, alerts: Any, order: float | None, exposure: Any,
    decision: Any, centres: pd.DataFrame, evacuation: Any, operations: Any, assessment: Any, notes: list[str],
    community: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """The summary of a run from its stages' results (see the module docstring for its keys).

    Parameters
    ----------
    sc : Scenario
        The scenario run.
    inputs : ScenarioInputs
        Its inputs (hashes and sizes).
    flood : FloodResult
        The flood.
    alerts : Alerts or None
        Rain alert levels.
    order : float or None
        Evacuation order time (s since the start), None without an order.
    exposure : ExposureResult
        People at risk.
    decision : DecisionClock or None
        Latest order time per zone.
    centres : pandas.DataFrame
        The centre table of :func:`drm.scenario.stages.centre_table`.
    evacuation : EvacuationResult or None
        The simulated evacuation.
    operations : OperationsResult or None
        Shelter operations.
    assessment : Assessment or None
        Centres against the standard.
    notes : list of str
        Warnings raised during the run.
    community : CommunityStage, optional
        The community's reports and the trigger protocol.

    Returns
    -------
    dict
        Plain numbers and strings (NaN where something did not happen).
    """
    zones = exposure.zones
    at_risk = zones[zones["persons_at_risk"] > 0]
    first_arrival = float(at_risk["first_at_risk_s"].min()) if len(at_risk) else float("nan")
    latest = float("nan")
    if decision is not None and "latest_order_s" in decision.table:
        latest = float(np.nanmin(decision.table["latest_order_s"]))
    out: dict[str, Any] = {
        "scenario": {
            "name": sc.name,
            "source": str(sc.source) if sc.source else None,
            "seed": sc.seed,
            "language": sc.language,
            "order_on": sc.warning.order_on,
        },
        "drm_version": __version__,
        "input_sha256": inputs.hashes,
        "inputs": inputs.summary(),
        "flood": flood.summary(),
        "warning": {
            "order_time_s": order,
            "first_arrival_s": first_arrival,
            "lead_time_s": first_arrival - order if order is not None else None,
            "latest_order_s": latest,
            "first_alert_s": {lvl: _first(alerts, lvl) for lvl in ("yellow", "orange", "red")}
            if alerts is not None
            else {},
        },
        "exposure": {
            "persons_at_risk": exposure.total_at_risk,
            "zones_at_risk": len(at_risk),
            "shelter_seekers": float(np.nansum(zones["shelter_seekers"]))
            if "shelter_seekers" in zones
            else None,
        },
        "centres": {
            "candidates": len(centres),
            "used": int(centres["used"].sum()),
            "capacity_persons": float(centres.loc[centres["used"], "capacity_persons"].sum()),
            "excluded": {
                str(k): v for k, v in centres.loc[~centres["used"], "excluded_because"].items()
            },
        },
        "evacuation": {**evacuation.summary(), "mode": evacuation.mode}
        if evacuation is not None
        else {},
        "shelter": _shelter_summary(operations),
        "notes": notes,
    }
    if assessment is not None:
        out["assessment"] = {"indicators_failed": len(assessment.failures())}
    if community is not None and (
        community.observations is not None or community.triggers is not None
    ):
        out["community"] = _community_summary(sc, inputs, community, order)
    return _with_clock(out, event_clock(sc, inputs), sc.timezone, order)


#: The note of a run whose event start is unknown.
NO_START = (
    "event start unknown: times are elapsed since the start of the event only; set the scenario's "
    "'start' key (e.g. start = \"2026-10-03T00:00-04:00\") or give the rain file a dated time axis"
)


def _with_clock(out: dict[str, Any], clock: EventClock, timezone: str | None,
                order: float | None) -> dict[str, Any]:  # fmt: skip
    """Add the ``clock`` block and a ``*_local`` clock time beside each time (s) of ``out``."""
    out["clock"] = {
        "start": clock.iso(0.0),
        "timezone": str(clock.tz) if clock.known else timezone,
        "known": clock.known,
    }
    if not clock.known:
        out["notes"] = [*out["notes"], NO_START]
        return out
    w = out["warning"]
    out["warning"] = _beside(w, clock, ("order_time_s", "first_arrival_s", "latest_order_s"))
    out["warning"]["first_alert_local"] = {k: clock.label(v) for k, v in w["first_alert_s"].items()}
    out["flood"] = _beside(out["flood"], clock, ("duration_s",), name="end_local")
    if "community" in out:
        c = out["community"]
        for key in ("first_report_s", "protocol_first_s"):
            if key in c:
                c[key.removesuffix("_s") + "_local"] = {
                    k: clock.label(v) for k, v in c[key].items()
                }
    if out["evacuation"] and order is not None:
        out["evacuation"] = _beside(
            out["evacuation"], clock, ("clearance_time_s", "time_90pct_safe_s"), offset=order
        )
    if "inflows" in out["inputs"]:
        out["inputs"] = {**out["inputs"], "inflows": [
            {**f, "peak_time_local": clock.label(f["peak_time_h"] * 3600.0)} for f in out["inputs"]["inflows"]
        ]}  # fmt: skip
    return out


def _beside(d: dict[str, Any], clock: EventClock, keys: tuple[str, ...], *, offset: float = 0.0,
            name: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A copy of ``d`` with ``<key>_local`` (or ``name``) right after each of ``keys`` present."""
    new: dict[str, Any] = {}
    for key, value in d.items():
        new[key] = value
        if key in keys:
            t = None if value is None else offset + float(value)
            new[name or key.removesuffix("_s") + "_local"] = clock.label(t)
    return new


def _community_summary(sc: Scenario, inputs: ScenarioInputs, community: Any,
                       order: float | None) -> dict[str, Any]:  # fmt: skip
    from drm.scenario.stages import failed_channels

    levels = ("yellow", "orange", "red")
    out: dict[str, Any] = {}
    obs = community.observations
    if obs is not None:
        rumour = obs["kind"] == "rumour"
        seen = obs[~rumour]
        ind = seen[seen["kind"] == "indicator"]
        out.update(
            points=len(inputs.observers) if inputs.observers is not None else 0,
            reports=len(seen),
            rumours=int(rumour.sum()),
            first_report_s={
                lvl: _min(seen.loc[seen["level"] >= code, "reported_s"])
                for code, lvl in enumerate(levels, start=1)
            },
            indicators_reported=sorted(set(ind["point"].astype(str))),
            indicators_missed=[str(p) for p in obs.attrs.get("missed", [])],
            indicators_never=[str(p) for p in obs.attrs.get("never", [])],
        )
    table = community.protocol
    if table is not None:
        first, source = {}, {}
        for lvl in levels:
            t = table[f"first_{lvl}_s"]
            first[lvl] = _min(t)
            source[lvl] = str(table.loc[t.idxmin(), f"{lvl}_source"]) if t.notna().any() else None
        out.update(
            protocol_first_s=first,
            protocol_first_source=source,
            protocol_min_lead_time_s=_min(table["lead_time_s"]),
        )
    out["failed_channels"] = sorted(failed_channels(sc, order)) if order is not None else []
    return out


def _min(values: pd.Series) -> float | None:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return float(v.min()) if len(v) else None


def _shelter_summary(operations: Any) -> dict[str, Any]:
    if operations is None:
        return {}
    by_item = operations.summary.groupby("item")[["demand", "consumed", "unmet"]].sum()
    occupancy = operations.ds["occupancy"].max("time").to_series()
    return {
        "peak_occupancy": {str(k): float(v) for k, v in occupancy.items()},
        "items": {
            str(item): {
                "demand": float(row["demand"]),
                "unmet": float(row["unmet"]),
                "fill_rate": float(row["consumed"] / row["demand"]) if row["demand"] > 0 else 1.0,
            }
            for item, row in by_item.iterrows()
        },
        "stockout_periods": len(operations.stockouts),
    }


def _first(alerts: Any, level: str) -> float | None:
    t = float(alerts.first_time(level).min())
    return t if np.isfinite(t) else None
