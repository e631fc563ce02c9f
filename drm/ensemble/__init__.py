"""Ensembles: one scenario under many possible storms, run in parallel, summarised as probabilities.

* :mod:`~drm.ensemble.members`: member rain from a rainfall ensemble file or
  perturbed from one forecast (:class:`Perturbation`: lognormal intensity,
  shift in metres, delay in seconds), one seed per member;
* :mod:`~drm.ensemble.executors`: where members run: this process, local
  processes, or dask.distributed (optional extra ``distributed``);
* :mod:`~drm.ensemble.store`: one folder per member, written as it finishes,
  with a completion marker, so reruns resume;
* :mod:`~drm.ensemble.aggregate`: probabilities of depth per cell and at
  warning points, spread of outcomes, prepositioning across members;
* :func:`run_ensemble` (:mod:`~drm.ensemble.runner`) ties them together and
  returns an :class:`EnsembleResult`.
"""

from drm.ensemble.members import MemberSpec, Perturbation, member_scenario, member_specs
from drm.ensemble.result import EnsembleResult
from drm.ensemble.runner import run_ensemble

__all__ = [
    "EnsembleResult",
    "MemberSpec",
    "Perturbation",
    "member_scenario",
    "member_specs",
    "run_ensemble",
]

from drm._args import guard

guard(globals(), __all__)
