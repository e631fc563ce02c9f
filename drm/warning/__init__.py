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
  Brier score, lead-time distribution);
* :mod:`~drm.warning.observations`: community observations: staff gauges,
  volunteer rain gauges and traditional indicators (:func:`read_observers`,
  :func:`read_reports`, :func:`simulate_observations`);
* :mod:`~drm.warning.triggers`: rules combining model and community
  (:class:`Condition`, :class:`Trigger`, :class:`TriggerRule`,
  :func:`evaluate_triggers`, :func:`compare_rules`).
* :mod:`~drm.warning.dissemination`: the last mile, :func:`informed_share` (share of
  each zone's people informed over time by siren, SMS, radio, door-to-door... by group,
  with hearing and vision impairments and phone ownership), :func:`channel_catalogue`
  (default channels with sources) and :func:`reception_times` for
  :func:`drm.evacuation.sample_departures`.
* :mod:`~drm.warning.cap`: :func:`cap_messages`, :func:`scenario_cap` and
  :func:`write_cap` (and :func:`validate_cap`): each change of level per zone as a Common Alerting
  Protocol 1.2 message (:class:`CapMessage`) for alerting hubs and cell broadcast.
"""

from drm.warning.cap import (
    CapInfo,
    CapMessage,
    cap_messages,
    scenario_cap,
    validate_cap,
    write_cap,
)
from drm.warning.dissemination import (
    CATALOGUE,
    DisseminationChannel,
    catalogue_channel,
    channel_catalogue,
    departure_channels,
    group_traits,
    informed_share,
    reception_times,
)
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
from drm.warning.observations import (
    key_reports,
    read_observers,
    read_reports,
    simulate_observations,
)
from drm.warning.timing import DecisionClock, decision_clock, lead_time, onset_times
from drm.warning.triggers import (
    Condition,
    Trigger,
    TriggerAlerts,
    TriggerInputs,
    TriggerRule,
    compare_rules,
    evaluate_triggers,
)
from drm.warning.verification import Verification, verify

__all__ = [
    "CATALOGUE",
    "LEVELS",
    "Alerts",
    "CapInfo",
    "CapMessage",
    "Condition",
    "DecisionClock",
    "DisseminationChannel",
    "EnsembleTrigger",
    "ThresholdRule",
    "Trigger",
    "TriggerAlerts",
    "TriggerInputs",
    "TriggerRule",
    "Verification",
    "alert_levels",
    "cap_messages",
    "catalogue_channel",
    "channel_catalogue",
    "combine_alerts",
    "compare_rules",
    "decision_clock",
    "departure_channels",
    "ensemble_trigger",
    "evaluate_triggers",
    "exceedance_probability",
    "flood_alerts",
    "flood_series",
    "group_traits",
    "informed_share",
    "key_reports",
    "lead_time",
    "onset_times",
    "rain_accumulation",
    "rain_alerts",
    "read_observers",
    "read_reports",
    "reception_times",
    "scenario_cap",
    "simulate_observations",
    "validate_cap",
    "verify",
    "write_cap",
]

from drm._args import guard

guard(globals(), __all__)
