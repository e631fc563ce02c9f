"""Warning: alert levels, ensemble probabilities, lead time, decision clock, verification.

* :mod:`~drm.warning.levels`: :class:`ThresholdRule` (yellow/orange/red
  thresholds on rain accumulated over a window, or on depth or water level),
  :func:`rain_accumulation`, :func:`flood_series`, :func:`rain_alerts`,
  :func:`flood_alerts`, :func:`alert_levels`, :func:`combine_alerts` and the
  :class:`Alerts` result (levels over time per area or point);
* :mod:`~drm.warning.ensemble`: :func:`exceedance_probability` over members
  and :func:`ensemble_trigger` (trigger probability and persistence, EFAS/GloFAS
  style);
* :mod:`~drm.warning.timing`: :func:`onset_times`, :func:`lead_time` and
  :func:`decision_clock` (latest order time per zone, HURREVAC's decision arc);
* :mod:`~drm.warning.verification`: :func:`verify` (POD, FAR, CSI, bias,
  Brier score, lead-time distribution).
"""

from drm.warning.ensemble import EnsembleTrigger, ensemble_trigger, exceedance_probability
from drm.warning.levels import (
    LEVELS,
    Alerts,
    ThresholdRule,
    alert_levels,
    combine_alerts,
    flood_alerts,
    flood_series,
    rain_accumulation,
    rain_alerts,
)
from drm.warning.timing import DecisionClock, decision_clock, lead_time, onset_times
from drm.warning.verification import Verification, verify

__all__ = [
    "LEVELS",
    "Alerts",
    "DecisionClock",
    "EnsembleTrigger",
    "ThresholdRule",
    "Verification",
    "alert_levels",
    "combine_alerts",
    "decision_clock",
    "ensemble_trigger",
    "exceedance_probability",
    "flood_alerts",
    "flood_series",
    "lead_time",
    "onset_times",
    "rain_accumulation",
    "rain_alerts",
    "verify",
]
