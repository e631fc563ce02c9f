"""Run a scenario end to end: hazard, warning, exposure, roads, evacuation, shelters, outputs.

:func:`run_scenario` is the one entry point for the command line and for
notebooks. The flood, the slowest stage, is cached by a hash of everything it
depends on (input file contents, hazard settings, rain injects, drm version),
so changing only evacuation or shelter settings reruns in seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drm._version import __version__
from drm.errors import DrmWarning
from drm.io import atomic_path
from drm.scenario import stages
from drm.scenario.inputs import ScenarioInputs, load_inputs
from drm.scenario.schema import Scenario, load_scenario
from drm.units import format_duration

__all__ = ["ScenarioResult", "run_scenario"]

log = logging.getLogger("drm")


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``data`` as indented UTF-8 JSON (NaN and inf as null), atomically."""

    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not np.isfinite(v):
            return None
        return v

    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(
            json.dumps(clean(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return target


def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def _solver_digest() -> str:
    """Digest of the flood solver's source, so a changed solver never reuses old cached floods."""
    import drm.hazard

    folder = Path(drm.hazard.__file__).parent
    h = hashlib.sha256()
    for name in (
        "flood.py",
        "_flood_kernels.py",
        "boundaries.py",
        "losses.py",
        "runoff.py",
        "outputs.py",
    ):
        h.update((folder / name).read_bytes())
    return h.hexdigest()[:16]


def default_cache_dir() -> Path:
    """Where cached stage outputs live when no output folder is given (``$DRM_CACHE`` or ``~/.cache/drm``)."""
    return Path(os.environ.get("DRM_CACHE", Path.home() / ".cache" / "drm"))


@dataclass(frozen=True)
class ScenarioResult:
    """Everything a scenario run produced (see :func:`run_scenario`).

    Attributes
    ----------
    scenario : Scenario
        The scenario run.
    inputs : ScenarioInputs
        The checked inputs.
    flood : FloodResult
        Depth, velocity and arrival time on the solver grid.
    rainfall : xarray.DataArray
        The rain the solver used (m s-1), after ``rain_factor`` and rain injects.
    alerts : Alerts or None
        Rain alert levels over the town.
    order_time_s : float or None
        When the evacuation order was given (None: no alert reached the
        order level and no time was fixed).
    exposure : ExposureResult
        People at risk per cell and zone.
    roads : networkx.MultiDiGraph
        The road graph prepared for the evacuation mode, with each edge's
        ``closure_time_s`` under the flood (``inf``: stays open).
    decision : DecisionClock or None
        Latest order time per zone.
    centres : pandas.DataFrame
        Candidate centres: capacity, depth at the site, used or why not.
    evacuation : EvacuationResult or None
        The simulated movement (None without an order).
    operations : OperationsResult or None
        Occupancy and stock over days (None without arrivals or stock).
    assessment : Assessment or None
        Centres against the standard at their peak occupancy.
    summary : dict
        The key numbers (also ``summary.json``).
    out_dir : pathlib.Path or None
        Where the outputs went.
    files : dict
        Output files by name.
    """

    scenario: Scenario
    inputs: ScenarioInputs
    flood: Any
    rainfall: Any
    alerts: Any
    order_time_s: float | None
    exposure: Any
    roads: Any
    decision: Any
    centres: pd.DataFrame
    evacuation: Any
    operations: Any
    assessment: Any
    summary: dict[str, Any]
    out_dir: Path | None
    files: dict[str, Path] = field(default_factory=dict)

    def __repr__(self) -> str:
        s = self.summary
        ev = s["evacuation"]
        return (
            f"ScenarioResult({self.scenario.name!r}: {s['exposure']['persons_at_risk']:,.0f} people at risk, "
            f"order {_clock(s['warning']['order_time_s'])}, "
            f"{ev.get('persons_safe', 0):,.0f} safe, {ev.get('persons_caught', 0):,.0f} caught; "
            f"out_dir={self.out_dir})"
        )

    def _repr_html_(self) -> str:
        from drm._display import html_block

        s = self.summary
        rows = [
            ("scenario", self.scenario.name),
            ("people at risk", f"{s['exposure']['persons_at_risk']:,.0f} in {s['exposure']['zones_at_risk']} zones"),
            ("evacuation order", _clock(s["warning"]["order_time_s"])),
            ("first water in a zone with people", _clock(s["warning"]["first_arrival_s"])),
            ("latest safe order (earliest zone)", _clock(s["warning"]["latest_order_s"])),
            ("safe / caught / no place", f"{s['evacuation'].get('persons_safe', 0):,.0f} / "
             f"{s['evacuation'].get('persons_caught', 0):,.0f} / {s['evacuation'].get('persons_no_space', 0):,.0f}"),
            ("clearance after the order", format_duration(s["evacuation"].get("clearance_time_s", float("nan")))),
            ("centres used", f"{s['centres']['used']} of {s['centres']['candidates']}"),
        ]  # fmt: skip
        return html_block("ScenarioResult", rows)


def _clock(seconds: float | None) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "none"
    return f"{format_duration(seconds)} after the start"


def _flood(
    scenario: Scenario,
    inputs: ScenarioInputs,
    setup: stages.HazardSetup,
    cache: Path,
    progress: bool | None,
) -> Any:
    from drm.hazard import simulate_flood
    from drm.hazard.store import load_flood, save_flood

    hz = scenario.to_dict()["hazard"]
    key = _digest(
        {
            k: v
            for k, v in hz.items()
            if k not in ("dem", "rainfall", "landcover", "landcover_classes", "inflows")
        },
        [{k: v for k, v in i.items() if k != "hydrograph"} for i in hz["inflows"]],
        {k: v for k, v in inputs.hashes.items() if k.startswith("hazard.")},
        [(i.at, i.extra_rain) for i in scenario.injects if i.extra_rain is not None],
        __version__,
        _solver_digest(),
    )
    path = cache / f"flood-{key}.nc"
    if path.exists():
        log.info("flood: reusing the cached run %s", path.name)
        return load_flood(path)
    hzs = scenario.hazard
    result = simulate_flood(
        setup.dem,
        setup.rainfall,
        manning_n=setup.manning_n,
        infiltration=setup.infiltration,
        curve_number=setup.curve_number,
        soil=hzs.soil,
        duration=hzs.duration,
        output_interval=hzs.output_interval,
        boundaries=hzs.boundaries,
        inflows=list(setup.inflows),
        arrival_depth_m=hzs.arrival_depth_m,
        theta=hzs.theta,
        alpha=hzs.alpha,
        progress=progress,
    )
    save_flood(result, path)
    return result


def run_scenario(
    scenario: str | os.PathLike[str] | Scenario,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    progress: bool | None = True,
    cache_dir: str | os.PathLike[str] | None = None,
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

    Returns
    -------
    ScenarioResult

    Examples
    --------
    >>> result = run_scenario("valle_alto", progress=False)  # doctest: +SKIP
    >>> result.summary["exposure"]["persons_at_risk"] > 0  # doctest: +SKIP
    True
    """
    from drm.evacuation import simulate_evacuation
    from drm.shelter import assess, simulate_operations

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    out = Path(out_dir) if out_dir is not None else None
    if cache_dir is not None:
        cache = Path(cache_dir)
    elif "DRM_CACHE" in os.environ or out is None:
        cache = default_cache_dir()
    else:
        cache = out / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    inputs = load_inputs(sc)
    setup = stages.hazard_setup(sc, inputs)
    flood = _flood(sc, inputs, setup, cache, progress)
    alerts, order = stages.decide_order(sc, setup.rainfall, setup.dem)
    exposure = stages.exposure_stage(sc, inputs, flood)
    G = stages.road_network(sc, inputs, flood)
    centres = stages.centre_table(sc, inputs, flood, G)
    used = centres[centres["used"]]
    evacuation = departures = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DrmWarning)
        if order is not None and exposure.total_at_risk > 0:
            departures = stages.households(sc, exposure, G, order)
            evacuation = simulate_evacuation(
                G,
                departures,
                used,
                mode=sc.evacuation.mode,
                flood=flood,
                informed=sc.evacuation.informed,
                persons_per_vehicle=sc.evacuation.persons_per_vehicle,
                desks=sc.evacuation.desks,
                registration_persons_h=sc.evacuation.registration_persons_h,
                road_closures={i.close_road: i.at for i in sc.injects if i.close_road is not None},
                centre_closures={
                    i.close_centre: i.at
                    for i in sc.injects
                    if i.close_centre is not None and i.close_centre in used.index
                },
                safe_nodes=stages.safe_nodes(G, flood),
                progress=progress,
            )
    notes = sorted({str(w.message) for w in caught})
    for note in notes:
        log.warning("%s", note)
    decision = _decision(sc, exposure, evacuation, departures, order)
    operations = assessment = None
    if evacuation is not None and inputs.stock is not None:
        safe = evacuation.households[
            (evacuation.households["outcome"] == "safe")
            & (evacuation.households["centre"] != "safe ground")
        ]
        arrivals = safe.rename(columns={"arrival_s": "time_s"})[["time_s", "centre", "persons"]]
        if len(arrivals):
            routes = stages.resupply_routes(sc, inputs, flood, used)
            operations = simulate_operations(
                arrivals,
                used,
                inputs.stock[
                    inputs.stock["site_id"].isin(
                        set(used.index)
                        | set(inputs.warehouses.index if inputs.warehouses is not None else [])
                    )
                ],
                inputs.warehouses,
                sc.shelter.standard,
                days=sc.shelter.days,
                returns=sc.shelter.return_after,
                routes=routes,
                seed=sc.seed,
            )
            assessment = assess(
                used,
                operations,
                sc.shelter.standard,
                hazard=used["max_depth_m"],
                depth_threshold_m=0.0,
            )
    summary = _summary(
        sc,
        inputs,
        flood,
        alerts,
        order,
        exposure,
        decision,
        centres,
        evacuation,
        operations,
        assessment,
        notes,
    )
    result = ScenarioResult(
        scenario=sc,
        inputs=inputs,
        flood=flood,
        rainfall=setup.rainfall,
        alerts=alerts,
        order_time_s=order,
        exposure=exposure,
        roads=G,
        decision=decision,
        centres=centres,
        evacuation=evacuation,
        operations=operations,
        assessment=assessment,
        summary=summary,
        out_dir=out,
    )
    if out is not None:
        from drm.scenario.outputs import write_outputs

        files = write_outputs(result, out)
        result = ScenarioResult(**{**result.__dict__, "files": files})
    return result


def _decision(
    sc: Scenario, exposure: Any, evacuation: Any, departures: Any, order: float | None
) -> Any:
    """Decision clock per zone: arrival − (dissemination + response + clearance) − margin."""
    from drm.warning import decision_clock

    zones = exposure.zones
    at_risk = zones[zones["persons_at_risk"] > 0]
    if at_risk.empty:
        return None
    response = 0.0
    if departures is not None:
        leaving = departures.households[departures.households["outcome"] == "departs"]
        if len(leaving):
            response = float(np.quantile(leaving["departure_s"] - departures.order_time_s, 0.9))
    clearance_by_zone = pd.Series(0.0, index=at_risk.index)
    if evacuation is not None:
        hh = evacuation.households
        moved = hh[hh["outcome"] == "safe"]
        if len(moved) and "zone" in moved.columns:
            travel = (
                (moved["arrival_s"] - moved["departure_s"]).groupby(moved["zone"]).quantile(0.9)
            )
            clearance_by_zone = travel.reindex(at_risk.index).fillna(
                travel.max() if len(travel) else 0.0
            )
    return decision_clock(
        at_risk["first_at_risk_s"],
        dissemination=sc.warning.dissemination,
        response=response,
        clearance=clearance_by_zone,
        margin=sc.warning.margin,
        order_time=order,
    )


def _summary(
    sc: Scenario, inputs: ScenarioInputs, flood: Any, alerts: Any, order: float | None, exposure: Any,
    decision: Any, centres: pd.DataFrame, evacuation: Any, operations: Any, assessment: Any, notes: list[str],
) -> dict[str, Any]:  # fmt: skip
    zones = exposure.zones
    at_risk = zones[zones["persons_at_risk"] > 0]
    first_arrival = float(at_risk["first_at_risk_s"].min()) if len(at_risk) else float("nan")
    latest = float("nan")
    if decision is not None:
        latest = (
            float(np.nanmin(decision.table["latest_order_s"]))
            if "latest_order_s" in decision.table
            else float("nan")
        )
    out: dict[str, Any] = {
        "scenario": {
            "name": sc.name,
            "source": str(sc.source) if sc.source else None,
            "seed": sc.seed,
            "language": sc.language,
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
        failures = assessment.failures()
        out["assessment"] = {"indicators_failed": len(failures)}
    return out


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
