"""The pipeline's stages: each turns a scenario section and the earlier stages' results into its own.

Data flows one way, in the order :func:`drm.scenario.run_scenario` calls them:
:func:`hazard_setup` → :func:`flood_stage` → :func:`decide_order` →
:func:`exposure_stage` → :func:`road_network` → :func:`centre_table` →
:func:`evacuation_stage` → :func:`decision_stage` → :func:`community_stage` →
:func:`shelter_stage`.
Each function is small glue over the stage's public API (the science lives in
:mod:`drm.hazard`, :mod:`drm.warning`, :mod:`drm.exposure`, :mod:`drm.network`,
:mod:`drm.evacuation` and :mod:`drm.shelter`); the exercise mode and the
ensemble members use the same functions.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import xarray as xr

from drm import io
from drm.errors import DrmWarning, InputError
from drm.grids import check_grid, xy_to_rowcol
from drm.scenario.cache import flood_key, read_cached_flood, write_cached_flood
from drm.scenario.inputs import ScenarioInputs
from drm.scenario.schema import Scenario

__all__ = [
    "CommunityStage",
    "EvacuationStage",
    "HazardSetup",
    "ShelterStage",
    "centre_table",
    "community_stage",
    "decide_order",
    "decision_stage",
    "evacuation_stage",
    "exposure_stage",
    "failed_channels",
    "flood_stage",
    "hazard_setup",
    "households",
    "inject_road_closures",
    "resupply_routes",
    "road_network",
    "shelter_stage",
]

log = logging.getLogger("drm")


@dataclass(frozen=True)
class HazardSetup:
    """Everything the flood solver needs, on the grid it runs on."""

    dem: xr.DataArray
    rainfall: xr.DataArray
    manning_n: Any
    curve_number: Any
    infiltration: Any
    inflows: tuple[Any, ...]


def _class_grid(landcover: xr.DataArray, table: pd.DataFrame, column: str) -> xr.DataArray:
    codes = landcover.values
    valid = np.isfinite(codes)
    known = set(table.index.astype(int))
    present = set(np.unique(codes[valid]).astype(int))
    unknown = sorted(present - known)
    if unknown:
        raise InputError(f"land cover codes {unknown} are not in the land-cover class table")
    lookup = np.full(max(known | present) + 1, np.nan)
    lookup[table.index.astype(int)] = table[column].to_numpy(float)
    values = np.where(valid, lookup[np.where(valid, codes, 0).astype(int)], np.nan)
    return (
        landcover.copy(data=values)
        .rename(column)
        .assign_attrs(units="1", long_name=column.replace("_", " "))
    )


def _coarsen(da: xr.DataArray, k: int) -> xr.DataArray:
    crs = da.coords.get("spatial_ref")
    out = da.coarsen(y=k, x=k, boundary="trim").mean()
    out.attrs = da.attrs
    return out.assign_coords(spatial_ref=crs) if crs is not None else out


def hazard_setup(scenario: Scenario, inputs: ScenarioInputs) -> HazardSetup:
    """Prepare the solver's inputs: resolution, roughness, curve numbers, rain factor and injects, inflows."""
    from drm.hazard import Inflow

    hz = scenario.hazard
    dem = inputs.dem
    n: Any = hz.manning_n if hz.manning_n is not None else 0.04
    cn: Any = hz.curve_number
    if inputs.landcover is not None and inputs.landcover_classes is not None:
        if hz.manning_n is None:
            n = _class_grid(inputs.landcover, inputs.landcover_classes, "manning_n")
        if hz.curve_number is None:
            cn = _class_grid(inputs.landcover, inputs.landcover_classes, "curve_number")
    dx = check_grid(dem, "DEM").dx
    if hz.resolution_m is not None and hz.resolution_m > dx * 1.0001:
        k = round(hz.resolution_m / dx)
        if abs(k * dx - hz.resolution_m) > 1e-6 * dx:
            raise InputError(
                f"hazard.resolution_m = {hz.resolution_m} must be a whole multiple of the DEM's {dx:g} m cells"
            )
        dem = _coarsen(dem, k)
        n = _coarsen(n, k) if isinstance(n, xr.DataArray) else n
        cn = _coarsen(cn, k) if isinstance(cn, xr.DataArray) else cn
    rain = inputs.rainfall * hz.rain_factor
    rain.attrs = inputs.rainfall.attrs
    for inject in scenario.injects:
        if inject.extra_rain is not None:
            later = rain["time"].values >= inject.at
            rain = rain.copy(
                data=rain.values * np.where(later, inject.extra_rain, 1.0)[:, None, None]
            )
    if hz.infiltration == "scs":
        infiltration: Any = "scs" if cn is not None else None
    elif hz.infiltration == "green-ampt":
        infiltration = "green-ampt"
    else:
        infiltration = None
    inflows = tuple(
        Inflow(
            x,
            y,
            table.assign(discharge_m3s=table["discharge_m3s"] * spec.scale),
            name=spec.name,
        )
        for spec, table, (x, y) in zip(hz.inflows, inputs.inflows, inputs.inflow_points, strict=True)
    )
    return HazardSetup(
        dem=dem,
        rainfall=rain,
        manning_n=n,
        curve_number=cn,
        infiltration=infiltration,
        inflows=inflows,
    )


def flood_stage(
    scenario: Scenario,
    inputs: ScenarioInputs,
    setup: HazardSetup,
    cache: Path,
    progress: bool | None = None,
) -> Any:
    """The flood of the scenario, from the cache when an identical run is there (:func:`drm.scenario.cache.flood_key`).

    A new flood is written to ``cache/flood-<key>.nc`` for the next run, with its
    checksum; a cached flood that fails its checksum is run again
    (:func:`drm.scenario.cache.read_cached_flood`).
    """
    from drm.hazard import simulate_flood

    path = Path(cache) / f"flood-{flood_key(scenario, inputs, setup)}.nc"
    cached = read_cached_flood(path)
    if cached is not None:
        return cached
    hz = scenario.hazard
    result = simulate_flood(
        setup.dem,
        setup.rainfall,
        manning_n=setup.manning_n,
        infiltration=setup.infiltration,
        curve_number=setup.curve_number,
        soil=hz.soil,
        duration=hz.duration,
        output_interval=hz.output_interval,
        boundaries=hz.boundaries,
        inflows=list(setup.inflows),
        arrival_depth_m=hz.arrival_depth_m,
        theta=hz.theta,
        alpha=hz.alpha,
        progress=progress,
    )
    write_cached_flood(result, path)
    return result


def decide_order(
    scenario: Scenario, rainfall: xr.DataArray, dem: xr.DataArray
) -> tuple[Any, float | None]:
    """Rain alerts over the DEM and the order time (fixed, or the first alert at ``order_on``)."""
    from drm.warning import ThresholdRule, rain_alerts

    w = scenario.warning
    rules = [
        ThresholdRule(
            "rain",
            yellow_m=None if r.yellow_mm is None else r.yellow_mm / 1000.0,
            orange_m=None if r.orange_mm is None else r.orange_mm / 1000.0,
            red_m=None if r.red_mm is None else r.red_mm / 1000.0,
            duration_s=r.duration,
        )
        for r in w.rain_thresholds
    ]
    area = xr.DataArray(
        np.ones(dem.shape, dtype=bool), dims=("y", "x"), coords={"y": dem["y"], "x": dem["x"]}
    )
    alerts = rain_alerts(rainfall, rules, areas={"town": area}) if rules else None
    if w.order_time is not None:
        return alerts, float(w.order_time)
    if alerts is None:
        return None, None
    first = alerts.first_time(w.order_on)["town"]
    return alerts, None if not np.isfinite(first) else float(first)


def exposure_stage(scenario: Scenario, inputs: ScenarioInputs, flood: Any) -> Any:
    """People at risk per cell and zone, with shelter seekers; each zone's own profile with a census."""
    from drm.exposure import RiskCriterion, people_at_risk

    pop = scenario.population
    population = inputs.population
    same = population.shape == flood.ds["max_depth"].shape
    zones: Any = "connected"
    if inputs.zone_layer is not None:
        # polygons: exact cell fractions on the solver's own grid
        zones = (
            inputs.zone_layer
            if same
            else io.read_zones(
                pop.zones,
                flood.ds["max_depth"],
                id_field=pop.zone_id_field,
                name_field=pop.zone_name_field,
                crs=pop.zones_crs,
            )
        )
    elif inputs.zones is not None:
        zones = inputs.zones if same else _mode_coarsen(inputs.zones, flood)
    result = people_at_risk(
        population,
        flood,
        criterion=RiskCriterion(depth_m=pop.risk_depth_m),
        zones=zones,
        aggregate=not same,
        shelter_fraction=pop.shelter_fraction,
        profile=inputs.profiles,
    )
    table = inputs.zone_table
    if table is not None and "name" in table.columns and "name" not in result.zones.columns:
        label = table["name"].reindex(result.zones.index).fillna("outside the named zones")
        result.zones.insert(0, "name", label)
    elif "name" in result.zones.columns:
        result.zones["name"] = result.zones["name"].fillna("outside the named zones")
    return result


def _mode_coarsen(zones: xr.DataArray, flood: Any) -> xr.DataArray:
    """Zone ids on the flood's coarser grid: the most common id in each block."""
    like = flood.ds["max_depth"]
    k = round(abs(float(like["x"][1] - like["x"][0])) / abs(float(zones["x"][1] - zones["x"][0])))
    ny, nx = like.shape
    block = (
        zones.values[: ny * k, : nx * k]
        .reshape(ny, k, nx, k)
        .transpose(0, 2, 1, 3)
        .reshape(ny, nx, k * k)
    )
    out = np.zeros((ny, nx), dtype=np.int64)
    for i in range(ny):
        for j in range(nx):
            ids, counts = np.unique(block[i, j], return_counts=True)
            out[i, j] = ids[np.argmax(counts)]
    return xr.DataArray(out, dims=("y", "x"), coords={"y": like["y"], "x": like["x"]})


def road_network(scenario: Scenario, inputs: ScenarioInputs, flood: Any) -> nx.MultiDiGraph:
    """Roads for the evacuation mode, with the time each closes under the flood."""
    from drm.network import prepare_roads, road_closure_times

    mode = scenario.evacuation.mode
    G = prepare_roads(inputs.roads, mode)
    return road_closure_times(G, flood, mode)


def _depth_at(flood: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    md = flood.ds["max_depth"]
    rows, cols = xy_to_rowcol(md, x, y, name="site")
    return np.nan_to_num(md.values[rows, cols])


def centre_table(
    scenario: Scenario, inputs: ScenarioInputs, flood: Any, G: nx.MultiDiGraph
) -> pd.DataFrame:
    """Candidate centres with capacity, flood depth at the site, road node and whether they are used (and why not).

    ``excluded_code`` is ``""`` (used), ``"flooded"``, ``"far_from_road"``,
    ``"unavailable"`` (capacity 0 in the centres file) or ``"no_capacity"``;
    ``excluded_because`` says it in words.
    """
    from drm.network import snap_points
    from drm.shelter import capacity

    c = inputs.centres.copy()
    cap = capacity(c, scenario.shelter.standard)
    c["capacity_persons"] = cap["capacity_persons"]
    c["capacity_binding"] = cap["binding"]
    c["max_depth_m"] = _depth_at(flood, c["x"].to_numpy(float), c["y"].to_numpy(float))
    c = snap_points(G, c, max_distance_m=500.0, on_far="warn", name="centres")
    reasons, codes = [], []
    for _, row in c.iterrows():
        if not row.get("available", True):
            codes.append("unavailable")
            reasons.append(str(row.get("unavailable_reason") or "not available"))
        elif row["max_depth_m"] > scenario.evacuation.centre_max_depth_m:
            codes.append("flooded")
            reasons.append(f"site floods {row['max_depth_m']:.2f} m deep")
        elif not row["snapped"]:
            codes.append("far_from_road")
            reasons.append(f"{row['snap_distance_m']:.0f} m from the nearest road")
        elif row["capacity_persons"] <= 0:
            codes.append("no_capacity")
            reasons.append("no capacity under the standard")
        else:
            codes.append("")
            reasons.append("")
    c["excluded_code"] = codes
    c["excluded_because"] = reasons
    c["used"] = c["excluded_code"] == ""
    return c


def households(
    scenario: Scenario,
    exposure: Any,
    G: nx.MultiDiGraph,
    order_time_s: float,
    sizes: pd.Series | None = None,
) -> Any:
    """At-risk people as households on the roads, with seeded shelter needs and departure times.

    ``sizes`` (persons per household by zone, from a census) wins over the
    scenario's ``household_size`` in the zones it names.
    """
    from drm.demographics import default_profile
    from drm.evacuation.departure import (
        Channel,
        DepartureModel,
        Rayleigh,
        make_households,
        sample_departures,
    )
    from drm.network import snap_points

    ev = scenario.evacuation
    origins = snap_points(
        G, exposure.cells(), max_distance_m=500.0, on_far="warn", name="people at risk"
    )
    origins = origins[origins["snapped"]]
    size: Any = scenario.population.household_size
    if sizes is not None and len(sizes):
        fallback = size if size is not None else default_profile().household_size
        size = origins["zone"].map(sizes.dropna()).fillna(fallback).astype(float)
    hh = make_households(origins, household_size=size)
    rng = np.random.default_rng([scenario.seed, 1])
    hh["shelter"] = rng.random(len(hh)) < scenario.population.shelter_fraction
    failed = failed_channels(scenario, order_time_s)
    channels = [
        Channel(
            c.name,
            reach=0.0 if c.name in failed else c.reach,
            delay=Rayleigh(max(c.delay, 1.0) / np.sqrt(np.pi / 2)),
        )
        for c in ev.channels
    ]
    model = DepartureModel(channels, Rayleigh(ev.response_sigma), compliance=ev.compliance)
    return sample_departures(hh, model, order_time=order_time_s, seed=scenario.seed)


def failed_channels(scenario: Scenario, order_time_s: float) -> set[str]:
    """Warning channels out of order when the order goes out (``fail_channel`` injects at or before it)."""
    return {
        i.fail_channel
        for i in scenario.injects
        if i.fail_channel is not None and i.at <= order_time_s
    }


def inject_road_closures(scenario: Scenario, G: nx.MultiDiGraph) -> dict[str, float]:
    """Roads closed by the scenario's training injects: road id to the time it closes (s)."""
    from drm.network import road_ids_named

    out: dict[str, float] = {}
    for inject in scenario.injects:
        if inject.close_road is not None:
            for rid in road_ids_named(G, inject.close_road):
                out[rid] = min(out.get(rid, np.inf), inject.at)
    return out


@dataclass(frozen=True)
class EvacuationStage:
    """What the evacuation stage produced.

    Attributes
    ----------
    departures : Departures or None
        Households with their departure times (None without an order or without people at risk).
    evacuation : EvacuationResult or None
        The simulated movement (None when nobody was ordered out).
    notes : list of str
        The warnings raised while simulating, one per distinct message.
    """

    departures: Any
    evacuation: Any
    notes: list[str]


def evacuation_stage(
    scenario: Scenario,
    exposure: Any,
    G: nx.MultiDiGraph,
    centres: pd.DataFrame,
    flood: Any,
    order_time_s: float | None,
    progress: bool | None = None,
    household_sizes: pd.Series | None = None,
) -> EvacuationStage:
    """Households leave after the order and move to the centres in use, on roads the flood and injects close.

    Nothing moves without an order or without people at risk. Warnings
    raised on the way (people far from any road, origins that reach no
    centre) are logged once each and returned as notes for the summary.
    """
    from drm.evacuation import simulate_evacuation
    from drm.network import safe_nodes

    used = centres[centres["used"]]
    ev = scenario.evacuation
    departures = evacuation = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DrmWarning)
        if order_time_s is not None and exposure.total_at_risk > 0:
            departures = households(scenario, exposure, G, order_time_s, household_sizes)
            evacuation = simulate_evacuation(
                G,
                departures,
                used,
                mode=ev.mode,
                flood=flood,
                informed=ev.informed,
                persons_per_vehicle=ev.persons_per_vehicle,
                desks=ev.desks,
                registration_persons_h=ev.registration_persons_h,
                road_closures=inject_road_closures(scenario, G),
                centre_closures={
                    i.close_centre: i.at
                    for i in scenario.injects
                    if i.close_centre is not None and i.close_centre in used.index
                },
                safe_nodes=safe_nodes(G, flood),
                progress=progress,
            )
    notes = sorted({str(w.message) for w in caught})
    for note in notes:
        log.warning("%s", note)
    return EvacuationStage(departures, evacuation, notes)


def decision_stage(scenario: Scenario, exposure: Any, evacuation: EvacuationStage,
                   order_time_s: float | None) -> Any:  # fmt: skip
    """Decision clock per zone: arrival − (dissemination + response + clearance) − margin.

    The response time is the 90th percentile of the households' delay from
    the order to departure, the clearance of each zone the 90th percentile of
    its households' travel times (zones nobody left from take the longest).
    Returns None when no zone has people at risk.
    """
    from drm.warning import decision_clock

    zones = exposure.zones
    at_risk = zones[zones["persons_at_risk"] > 0]
    if at_risk.empty:
        return None
    response = 0.0
    departures = evacuation.departures
    if departures is not None:
        leaving = departures.households[departures.households["outcome"] == "departs"]
        if len(leaving):
            response = float(np.quantile(leaving["departure_s"] - departures.order_time_s, 0.9))
    clearance_by_zone = pd.Series(0.0, index=at_risk.index)
    if evacuation.evacuation is not None:
        hh = evacuation.evacuation.households
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
        dissemination=scenario.warning.dissemination,
        response=response,
        clearance=clearance_by_zone,
        margin=scenario.warning.margin,
        order_time=order_time_s,
    )


@dataclass(frozen=True)
class CommunityStage:
    """What the community saw and what the warning protocol said.

    Attributes
    ----------
    observations : pandas.DataFrame or None
        Every report that reached the committee, by ``reported_s`` (s): simulated
        from the run (or the community's own, ``observers.reports``), with the
        inject reports and rumours (``source``: ``"simulated"``, ``"reported"``
        or ``"inject"``; rumours have kind ``"rumour"`` and no value). None
        without ``[observers]``.
    triggers : TriggerAlerts or None
        The ``[[triggers]]`` protocol's levels per zone (None without triggers).
    protocol : pandas.DataFrame or None
        Per zone: ``first_yellow_s``, ``first_orange_s``, ``first_red_s`` (s, NaN:
        never) and the source of each (``*_source``: model, observed or both),
        the modelled ``arrival_s`` (NaN where the water never comes) and the
        ``latest_order_s`` of the decision clock, ``lead_time_s`` = arrival − first
        time at ``warning.order_on``, and ``<order_on>_by_model_s`` /
        ``<order_on>_by_observed_s``: when the protocol's model conditions alone, or
        the community's alone, would have reached that level (NaN: never; no
        column when the protocol has no condition of that kind).
    """

    observations: pd.DataFrame | None
    triggers: Any
    protocol: pd.DataFrame | None


def _inject_reports(scenario: Scenario, observers: pd.DataFrame) -> pd.DataFrame:
    """The gauge reports and rumours of the scenario's injects, as observation rows."""
    from drm.warning.observations import _finish, _word

    gauges, rumours = [], []
    for inj in scenario.injects:
        if inj.gauge_report is not None:
            value = inj.value_m
            if value is None:
                marks = {_word(k): v for k, v in (observers.at[inj.gauge_report, "marks"] or {}).items()}
                value = marks[_word(inj.mark)]
            gauges.append((inj.gauge_report, inj.at, inj.at, float(value), inj.note))
        elif inj.rumour is not None:
            rumours.append(inj)
    cols = ["point", "observed_s", "reported_s", "value", "note"]
    table = _finish(pd.DataFrame(gauges, columns=cols), observers) if gauges else None
    rows = [
        {"point": "", "name": "", "kind": "rumour", "observed_s": i.at, "reported_s": i.at,
         "value": np.nan, "unit": "", "mark": i.rumour, "level": 0, "channel": "", "note": i.note}
        for i in rumours
    ]  # fmt: skip
    parts = [t for t in (table, pd.DataFrame(rows) if rows else None) if t is not None]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out.assign(source="inject") if len(out) else out


def community_stage(
    scenario: Scenario,
    inputs: ScenarioInputs,
    flood: Any,
    rainfall: xr.DataArray,
    dem: xr.DataArray,
    exposure: Any,
    decision: Any,
    clock: Any = None,
) -> CommunityStage:
    """The community's reports during the run and the trigger protocol's levels per zone.

    Reports are the community's own (``observers.reports``) or simulated from
    the flood and the rain the solver used (:func:`drm.warning.simulate_observations`,
    seeded by the scenario's seed), plus the injects' gauge reports and rumours.
    The protocol (``[[triggers]]``) is evaluated per zone with those reports,
    the rain over the DEM (areal mean, as the rain alerts) and the decision
    clock's arrival and clearance (:func:`drm.warning.evaluate_triggers`); it
    is a check of the protocol beside the order the scenario gave, not what
    decided that order.
    """
    from drm.warning.observations import simulate_observations
    from drm.warning.triggers import Trigger, TriggerInputs, TriggerRule, evaluate_triggers

    observations = None
    if inputs.observers is not None:
        obs = inputs.observers
        if inputs.reports is not None:
            observations = inputs.reports.assign(source="reported")
        else:
            observations = simulate_observations(
                obs, flood=flood, rainfall=rainfall, seed=[scenario.seed, 18],
                interval=scenario.observers.interval,
            ).assign(source="simulated")  # fmt: skip
        extra = _inject_reports(scenario, obs)
        if len(extra):
            attrs = observations.attrs
            observations = pd.concat([observations, extra], ignore_index=True)
            observations = observations.sort_values(["reported_s", "point"], kind="stable")
            observations = observations.reset_index(drop=True)
            observations.attrs = attrs
    if not scenario.triggers:
        return CommunityStage(observations, None, None)
    triggers = [t.trigger() for t in scenario.triggers]
    rule = TriggerRule(triggers, name="scenario protocol")
    zones = exposure.zones.index  # every zone: a zone the water never reaches can be warned too
    area = xr.DataArray(
        np.ones(dem.shape, dtype=bool), dims=("y", "x"), coords={"y": dem["y"], "x": dem["x"]}
    )
    t = decision.table.reindex(zones) if decision is not None else pd.DataFrame(index=zones)
    arrival = t.get("arrival_s", pd.Series(np.nan, index=zones)).astype(float)
    clearance = t.get("clearance_s", pd.Series(0.0, index=zones)).astype(float).fillna(0.0)
    tin = TriggerInputs(
        zones=list(zones), observations=observations, observers=inputs.observers,
        rainfall=rainfall, areas=area, arrival=arrival, clearance=clearance, clock=clock,
        name=scenario.name,
    )  # fmt: skip
    alerts = evaluate_triggers(rule, tin)
    table = pd.DataFrame(index=alerts.levels.columns.rename("zone"))
    for level in ("yellow", "orange", "red"):
        table[f"first_{level}_s"] = alerts.first_time(level).reindex(table.index)
        table[f"{level}_source"] = alerts.first_source(level).reindex(table.index).fillna("")
    table["arrival_s"] = arrival.reindex(table.index)
    table["latest_order_s"] = t.get("latest_order_s", pd.Series(np.nan, index=zones)).reindex(
        table.index
    )
    order_on = scenario.warning.order_on
    table["lead_time_s"] = table["arrival_s"] - table[f"first_{order_on}_s"]
    # the same protocol with only its model conditions, or only the community's: which warns first
    for part in ("model", "observed"):
        kept = [
            Trigger(trig.level, cs, combine=trig.combine)
            for trig in triggers
            if (cs := [c for c in trig.conditions if c.source == part])
            and (trig.combine == "any" or len(cs) == len(trig.conditions))
        ]
        if kept:  # no column when the protocol has no condition of this kind
            first = evaluate_triggers(TriggerRule(kept), tin).first_time(order_on)
            table[f"{order_on}_by_{part}_s"] = first.reindex(table.index)
    return CommunityStage(observations, alerts, table)


def resupply_routes(
    scenario: Scenario, inputs: ScenarioInputs, flood: Any, centres: pd.DataFrame
) -> pd.DataFrame | None:
    """Truck travel time from each warehouse to each centre on the flooded road network, with closures and delays.

    ``closed_from_s`` is the first time a road on the route floods or an inject
    closes it (NaN: never)
    and ``closed_until_s`` when it reopens (NaN: never, the flood's roads stay
    closed for the run).
    """
    from scipy.sparse.csgraph import dijkstra

    from drm.network import prepare_roads, road_closure_times, road_matrix, snap_points

    if inputs.warehouses is None:
        return None
    with warnings.catch_warnings():
        # the same roads under the same flood: what they warn about (bridges without a
        # clearance) the evacuation stage has already said once
        warnings.simplefilter("ignore", DrmWarning)
        G = road_closure_times(prepare_roads(inputs.roads, "drive"), flood, "drive")
    w = snap_points(G, inputs.warehouses, name="warehouses")
    c = snap_points(G, centres[["x", "y"]], name="centres")
    M = road_matrix(G, "travel_time")
    row = {n: i for i, n in enumerate(M.nodes.tolist())}
    # first closure of each node pair (any of its parallel edges), by the flood or an inject
    injected = inject_road_closures(scenario, G)
    first_close: dict[tuple[int, int], float] = {}
    for a, b, d in G.edges(data=True):
        key = (row[a], row[b])
        shut = min(d.get("closure_time_s", np.inf), injected.get(str(d.get("road_id")), np.inf))
        first_close[key] = min(first_close.get(key, np.inf), shut)
    c_rows = np.array([row[n] for n in c["node"]])
    rows = []
    # one Dijkstra per warehouse (with predecessors), not one search per warehouse-centre pair
    for wid, wnode in zip(w.index, w["node"], strict=True):
        dist, pred = dijkstra(M.csr, directed=True, indices=row[wnode], return_predecessors=True)
        for cid, k in zip(c.index, c_rows, strict=True):
            if not np.isfinite(dist[k]):
                rows.append((wid, cid, np.inf, 0.0, np.nan))  # no road at all: closed for good
                continue
            close, node = np.inf, k
            while pred[node] >= 0:
                close = min(close, first_close.get((int(pred[node]), int(node)), np.inf))
                node = pred[node]
            rows.append((wid, cid, float(dist[k]), close if np.isfinite(close) else np.nan, np.nan))
    routes = pd.DataFrame(
        rows, columns=["warehouse", "centre", "travel_time_s", "closed_from_s", "closed_until_s"]
    ).set_index(["warehouse", "centre"])
    for inject in scenario.injects:
        if inject.delay_warehouse is not None:
            if inject.delay_warehouse not in w.index:
                raise InputError(
                    f"injects: unknown warehouse {inject.delay_warehouse!r}; warehouses are {list(w.index)}"
                )
            # the trucks cannot leave during [at, at + delay]; a route the flood also closes
            # (for good) stays closed from the inject on: one closure window per route, erring
            # on the side of fewer deliveries
            sel = routes.index.get_level_values("warehouse") == inject.delay_warehouse
            end = inject.at + float(inject.delay or 0.0)
            flood_close = routes.loc[sel, "closed_from_s"].to_numpy(float)
            routes.loc[sel, "closed_until_s"] = np.where(np.isfinite(flood_close), np.nan, end)
            routes.loc[sel, "closed_from_s"] = np.fmin(flood_close, inject.at)
    return routes


@dataclass(frozen=True)
class ShelterStage:
    """What the shelter stage produced: operations over days and the centres' assessment (None when not run)."""

    operations: Any
    assessment: Any


def shelter_stage(
    scenario: Scenario,
    inputs: ScenarioInputs,
    flood: Any,
    centres: pd.DataFrame,
    evacuation: Any,
) -> ShelterStage:
    """Occupancy and stock of the centres in use over days, resupplied from the warehouses, and their assessment.

    Runs only when people reached a centre and the scenario has a stock file;
    people safe on high ground do not enter a centre.
    """
    from drm.shelter import assess, simulate_operations

    if evacuation is None or inputs.stock is None:
        return ShelterStage(None, None)
    arrivals = evacuation.centre_arrivals()
    if not len(arrivals):
        return ShelterStage(None, None)
    used = centres[centres["used"]]
    warehouses = inputs.warehouses
    sites = set(used.index) | set(warehouses.index if warehouses is not None else [])
    sh = scenario.shelter
    operations = simulate_operations(
        arrivals,
        used,
        inputs.stock[inputs.stock["site_id"].isin(sites)],
        warehouses,
        sh.standard,
        days=sh.days,
        returns=sh.return_after,
        routes=resupply_routes(scenario, inputs, flood, used),
        seed=scenario.seed,
    )
    assessment = assess(
        used,
        operations,
        sh.standard,
        hazard=used["max_depth_m"],
        depth_threshold_m=scenario.evacuation.centre_max_depth_m,  # the rule that excluded centres
    )
    return ShelterStage(operations, assessment)
