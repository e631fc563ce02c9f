"""Run a scenario end to end: hazard, warning, exposure, roads, evacuation, shelters, outputs.

:func:`run_scenario` is the one entry point for the command line and for
notebooks: it calls the stages of :mod:`drm.scenario.stages` in order and,
given a folder, writes the outputs (:func:`drm.scenario.outputs.write_outputs`).
The flood, the slowest stage, is cached (:mod:`drm.scenario.cache`), so
changing only evacuation or shelter settings reruns in seconds.
"""

from __future__ import annotations

import dataclasses
import os

from drm.scenario import stages
from drm.scenario.budget import memory_limit, parse_memory
from drm.scenario.cache import cache_folder
from drm.scenario.folder import finish_output, prepare_output
from drm.scenario.inputs import load_inputs
from drm.scenario.result import ScenarioResult, event_clock
from drm.scenario.schema import Scenario, load_scenario
from drm.scenario.summary import summarise

__all__ = ["run_scenario"]


def run_scenario(
    scenario: str | os.PathLike[str] | Scenario,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    progress: bool | None = True,
    cache_dir: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    max_memory: int | float | str | None = None,
) -> ScenarioResult:
    """Run a scenario through every stage and write its outputs.

    Parameters
    ----------
    scenario : str, path-like or Scenario
        A scenario file, a built-in scenario name, or a loaded Scenario.
    out_dir : str or path-like, optional
        Folder for the outputs (created); nothing is written when None.
    progress : bool or None
        Progress bars on the long stages (None: only on a terminal).
    cache_dir : str or path-like, optional
        Where stage outputs are cached; default ``$DRM_CACHE`` if set, else
        ``out_dir/.cache``, else ``~/.cache/drm``.
    overwrite : bool
        Replace another scenario's drm outputs in ``out_dir`` instead of
        refusing (see :mod:`drm.scenario.folder`; other files are never touched).
    max_memory : int, float, str or None
        Refuse the run when its estimated peak memory is above this (bytes,
        or a size such as ``"8GiB"``); default: the memory this machine has
        available (see :mod:`drm.scenario.budget`). Checked with the inputs,
        before the flood solver starts.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    InputError
        Bad inputs, or a run too big for the memory limit or for drm's caps
        on frames and solver steps (:func:`drm.scenario.budget.check_run`).

    Examples
    --------
    >>> result = run_scenario("valle_alto", progress=False)  # doctest: +SKIP
    >>> result.summary["exposure"]["persons_at_risk"] > 0  # doctest: +SKIP
    True
    """
    limit = parse_memory(max_memory) if max_memory is not None else None  # a bad size: now
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    out = prepare_output(out_dir, sc, overwrite=overwrite) if out_dir is not None else None
    with memory_limit(limit):  # load_inputs checks the run's size (drm.scenario.budget)
        inputs = load_inputs(sc)
    setup = stages.hazard_setup(sc, inputs)
    flood = stages.flood_stage(sc, inputs, setup, cache_folder(out, cache_dir), progress)
    alerts, order = stages.decide_order(sc, setup.rainfall, setup.dem)
    exposure = stages.exposure_stage(sc, inputs, flood)
    roads = stages.road_network(sc, inputs, flood)
    centres = stages.centre_table(sc, inputs, flood, roads)
    census = inputs.census
    sizes = census["household_size"] if census is not None and "household_size" in census else None
    moved = stages.evacuation_stage(sc, exposure, roads, centres, flood, order, progress, sizes)
    decision = stages.decision_stage(sc, exposure, moved, order)
    clock = event_clock(sc, inputs)  # alerts and the decision clock say their times on it too
    alerts = dataclasses.replace(alerts, clock=clock) if alerts is not None else None
    decision = dataclasses.replace(decision, clock=clock) if decision is not None else None
    community = stages.community_stage(
        sc, inputs, flood, setup.rainfall, setup.dem, exposure, decision, clock
    )
    shelter = stages.shelter_stage(sc, inputs, flood, centres, moved.evacuation)
    result = ScenarioResult(
        scenario=sc,
        inputs=inputs,
        flood=flood,
        rainfall=setup.rainfall,
        alerts=alerts,
        order_time_s=order,
        exposure=exposure,
        roads=roads,
        decision=decision,
        centres=centres,
        evacuation=moved.evacuation,
        operations=shelter.operations,
        assessment=shelter.assessment,
        summary=summarise(sc, inputs, flood, alerts, order, exposure, decision, centres,
                          moved.evacuation, shelter.operations, shelter.assessment, moved.notes,
                          community),
        out_dir=out,
        observations=community.observations,
        triggers=community.triggers,
        protocol=community.protocol,
    )  # fmt: skip
    if out is None:
        return result
    from drm.scenario.outputs import write_outputs  # the report and matplotlib load only to write

    files = write_outputs(result, out)
    finish_output(out, sc, files)
    return dataclasses.replace(result, files=files)
