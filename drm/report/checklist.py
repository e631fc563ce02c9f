"""A MEND-phase checklist ticked or flagged from a run's numbers.

The Camp Coordination and Camp Management (CCCM) Cluster's MEND guide (2014)
orders mass evacuations in six phases: pre-evacuation planning, the
evacuation decision, warning and alert, movement, evacuation centres, and
return. Each :class:`Check` below reads what the run wrote (``summary.json``
and the tables) and is ``"ok"`` (✓), ``"flag"`` (✗: act on it) or ``"na"``
(–: the run has nothing to judge it by), with the numbers behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from drm.report.i18n import Text
from drm.report.tables import LATE, RunOutputs, zones_with

__all__ = ["PHASES", "Check", "mend_checklist"]

#: MEND phases in order (keys of the translation table).
PHASES = (
    "phase_planning",
    "phase_decision",
    "phase_warning",
    "phase_movement",
    "phase_centres",
    "phase_return",
)


@dataclass(frozen=True)
class Check:
    """One checklist item: its MEND phase, what is checked, the verdict and the numbers behind it."""

    phase: str
    item: str
    status: str
    detail: str


def _get(d: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return d


def _finite(v: Any) -> bool:
    return v is not None and np.isfinite(float(v))


def _planning(out: RunOutputs, t: Text) -> list[Check]:
    s = out.summary
    c = s["centres"]
    excluded = c.get("excluded") or {}
    seekers = _get(s, "exposure", "shelter_seekers")
    checks = [
        Check("phase_planning", t("chk_sites"), "flag" if excluded else "ok",
              t("chk_sites_detail", used=c["used"], n=c["candidates"], excluded=len(excluded))),
    ]  # fmt: skip
    if _finite(seekers):
        short = c["capacity_persons"] < seekers
        checks.append(Check("phase_planning", t("chk_capacity"), "flag" if short else "ok",
                            t("chk_capacity_detail", cap=t.number(c["capacity_persons"]),
                              seekers=t.number(seekers))))  # fmt: skip
    items = _get(s, "shelter", "items") or {}
    if items:
        short = sorted(
            (k for k, v in items.items() if v["unmet"] > 1e-6 * max(v["demand"], 1.0)), key=str
        )
        checks.append(Check("phase_planning", t("chk_stock"), "flag" if short else "ok",
                            t("chk_stock_detail", short=len(short), n=len(items),
                              names=", ".join(t.item(k) for k in short) or t("none"))))  # fmt: skip
    else:
        checks.append(Check("phase_planning", t("chk_stock"), "na", t("chk_no_shelter_run")))
    return checks


def _decision(out: RunOutputs, t: Text) -> list[Check]:
    w = out.summary["warning"]
    order, first, latest = w.get("order_time_s"), w.get("first_arrival_s"), w.get("latest_order_s")
    if order is None:
        return [Check("phase_decision", t("chk_order"), "flag", t("chk_no_order"))]
    late = zones_with(out, t, LATE)
    names = ", ".join(late)
    checks = [
        Check("phase_decision", t("chk_order"), "ok", t("chk_order_detail", order=t.clock(order))),
        Check("phase_decision", t("chk_latest"), "flag" if late else "ok",
              t("chk_latest_late", n=len(late), zones=names, latest=t.clock(latest)) if late
              else t("chk_latest_ok", latest=t.clock(latest))),
    ]  # fmt: skip
    if _finite(first):
        lead = first - order
        checks.append(Check("phase_decision", t("chk_lead"), "ok" if lead > 0 else "flag",
                            t("chk_lead_detail", lead=t.signed_duration(lead), first=t.clock(first))))  # fmt: skip
    return checks


def _warning(out: RunOutputs, t: Text) -> list[Check]:
    w = out.summary["warning"]
    first_alert = _get(w, "first_alert_s", "yellow")
    first = w.get("first_arrival_s")
    checks = []
    if not w.get("first_alert_s"):
        checks.append(Check("phase_warning", t("chk_alert"), "na", t("chk_no_rules")))
    elif first_alert is None:
        checks.append(Check("phase_warning", t("chk_alert"), "flag", t("chk_no_alert")))
    else:
        ok = not _finite(first) or first_alert < first
        checks.append(Check("phase_warning", t("chk_alert"), "ok" if ok else "flag",
                            t("chk_alert_detail", alert=t.clock(first_alert), first=t.clock(first))))  # fmt: skip
    hh = out.table("evacuation_households")
    if hh is not None and "warned" in hh:
        total = float(hh["persons"].sum())
        warned = float(hh.loc[hh["warned"].astype(bool), "persons"].sum())
        share = warned / total if total > 0 else 1.0
        checks.append(Check("phase_warning", t("chk_warned"), "ok" if share >= 0.95 else "flag",
                            t("chk_warned_detail", share=t.percent(share), n=t.number(total - warned))))  # fmt: skip
    stayed = _get(out.summary, "evacuation", "persons_stayed")
    if _finite(stayed):
        checks.append(Check("phase_warning", t("chk_stayed"), "flag" if stayed >= 0.5 else "ok",
                            t("chk_stayed_detail", n=t.number(stayed))))  # fmt: skip
    return checks


def _movement(out: RunOutputs, t: Text) -> list[Check]:
    ev = out.summary.get("evacuation") or {}
    if not ev:
        return [Check("phase_movement", t("chk_caught"), "na", t("chk_no_evacuation"))]
    w = out.summary["warning"]
    checks = [
        Check("phase_movement", t("chk_caught"), "flag" if ev["persons_caught"] >= 0.5 else "ok",
              t("chk_caught_detail", n=t.number(ev["persons_caught"]), total=t.number(ev["persons"]))),
    ]  # fmt: skip
    clearance, order, first = (
        ev.get("clearance_time_s"),
        w.get("order_time_s"),
        w.get("first_arrival_s"),
    )
    if _finite(clearance) and order is not None and _finite(first):
        done = order + clearance
        checks.append(Check("phase_movement", t("chk_clearance"), "ok" if done <= first else "flag",
                            t("chk_clearance_detail", clearance=t.duration(clearance), done=t.clock(done),
                              first=t.clock(first))))  # fmt: skip
    checks.append(Check("phase_movement", t("chk_stranded"), "flag" if ev["persons_stranded"] >= 0.5 else "ok",
                        t("chk_stranded_detail", n=t.number(ev["persons_stranded"]))))  # fmt: skip
    return checks


def _centres(out: RunOutputs, t: Text) -> list[Check]:
    s = out.summary
    ev = s.get("evacuation") or {}
    checks = []
    if ev:
        checks.append(Check("phase_centres", t("chk_space"), "flag" if ev["persons_no_space"] >= 0.5 else "ok",
                            t("chk_space_detail", n=t.number(ev["persons_no_space"]))))  # fmt: skip
    failed = _get(s, "assessment", "indicators_failed")
    if failed is None:
        checks.append(Check("phase_centres", t("chk_standard"), "na", t("chk_no_shelter_run")))
    else:
        checks.append(Check("phase_centres", t("chk_standard"), "flag" if failed else "ok",
                            t("chk_standard_detail", n=failed)))  # fmt: skip
    items = out.table("shelter_items")
    if items is not None:
        first = items["first_stockout_s"].min()
        checks.append(Check("phase_centres", t("chk_stockout"), "flag" if np.isfinite(first) else "ok",
                            t("chk_stockout_detail", first=t.clock(first), n=int((items["centres_short"] > 0).sum()))
                            if np.isfinite(first) else t("chk_stockout_none")))  # fmt: skip
    return checks


def _return(out: RunOutputs, t: Text) -> list[Check]:
    checks = []
    fl = out.flood
    if fl:
        share = fl["wet_end"] / fl["wet_peak"] if fl["wet_peak"] else 0.0
        checks.append(Check("phase_return", t("chk_recede"), "flag" if share > 0.25 else "ok",
                            t("chk_recede_detail", share=t.percent(share), end=t.clock(fl["end_s"]))))  # fmt: skip
    occ = out.table("shelter_occupancy")
    if occ is not None and len(occ):
        left = float(occ.select_dtypes("number").iloc[-1].sum())  # not the clock column
        checks.append(Check("phase_return", t("chk_still_in"), "flag" if left >= 0.5 else "ok",
                            t("chk_still_in_detail", n=t.number(left), end=t.clock(float(occ.index[-1])))))  # fmt: skip
    if not checks:
        checks.append(Check("phase_return", t("chk_recede"), "na", t("chk_no_shelter_run")))
    return checks


_PHASE_CHECKS: tuple[Callable[[RunOutputs, Text], list[Check]], ...] = (
    _planning, _decision, _warning, _movement, _centres, _return,
)  # fmt: skip


def mend_checklist(out: RunOutputs, text: Text) -> list[Check]:
    """Every checklist item of the six MEND phases, in order, judged from the run's outputs.

    Parameters
    ----------
    out : RunOutputs
        From :func:`drm.report.tables.load_outputs`.
    text : Text
        The report's language.

    Returns
    -------
    list of Check
    """
    return [check for phase in _PHASE_CHECKS for check in phase(out, text)]
