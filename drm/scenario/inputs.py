"""Load every input a scenario names, check them against each other, summarise them."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import xarray as xr
from pyproj import CRS, Transformer

from drm import io
from drm.errors import DrmError, DrmWarning, InputError, warn
from drm.grids import check_grid, check_same_grid, grid_bounds
from drm.io.rainfall import check_covers
from drm.regrid import onto
from drm.scenario.budget import check_run, check_settings
from drm.scenario.schema import MANNING_N_RANGE, Scenario
from drm.shelter import capacity, catalogue_units, load_standard
from drm.units import format_duration

__all__ = ["RECORD_RAIN", "ScenarioInputs", "file_sha256", "load_inputs", "record_rain_mm"]

#: The world-record point rainfall envelope R = a·D^b (R in mm, D in hours): a = 422 mm,
#: b = 0.475 (Jennings 1950, the envelope of the world's greatest observed point rainfalls,
#: as the WMO Manual on Estimation of Probable Maximum Precipitation, WMO-No. 1045, draws it).
RECORD_RAIN = (422.0, 0.475)


def record_rain_mm(duration_s: float | np.ndarray) -> float | np.ndarray:
    """The world-record point rainfall for a duration, from the envelope of observed records.

    R = 422·D^0.475 mm with D the duration in hours (Jennings 1950, "World's
    greatest observed point rainfalls", Monthly Weather Review 78: 4-5; the
    envelope the WMO Manual on Estimation of Probable Maximum Precipitation,
    WMO-No. 1045, plots the records against). No rain gauge has measured more
    over any duration from a minute to two years; a grid cell's mean, over an
    area, is lower still. :func:`load_inputs` refuses rain above it.

    Parameters
    ----------
    duration_s : float or numpy.ndarray
        Duration (s), > 0.

    Returns
    -------
    float or numpy.ndarray
        The record depth (mm) over that duration.

    Examples
    --------
    >>> round(record_rain_mm(3600.0)), round(record_rain_mm(600.0)), round(record_rain_mm(86400.0))
    (422, 180, 1909)
    """
    a, b = RECORD_RAIN
    out = a * (np.asarray(duration_s, dtype=float) / 3600.0) ** b
    return float(out) if np.ndim(out) == 0 else out


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ScenarioInputs:
    """Every input of a scenario, read, checked and in drm's conventions.

    Attributes
    ----------
    scenario : Scenario
        The validated scenario.
    dem : xarray.DataArray
        Elevation (m).
    rainfall : xarray.DataArray
        Rain rate (m s-1) on its own grid, covering the DEM.
    population : xarray.DataArray
        Persons per cell on the DEM grid.
    roads : networkx.MultiDiGraph
        Road graph in the DEM's CRS.
    centres : pandas.DataFrame
        Candidate evacuation centres.
    inflows : tuple of pandas.DataFrame
        Inflow hydrographs (``time_s``, ``discharge_m3s``), one per scenario inflow.
    stock, warehouses : pandas.DataFrame or None
        Stock on hand and warehouses, when the scenario names them.
    landcover : xarray.DataArray or None
        Land-cover class codes on the DEM grid.
    landcover_classes : pandas.DataFrame or None
        Class table (``code``, ``name``, ``manning_n``, ``curve_number``).
    inflow_points : tuple of (float, float)
        Each inflow's point (m) in the DEM's CRS (from ``x``, ``y`` or ``lon``, ``lat``).
    zones : xarray.DataArray or None
        Zone id per DEM cell (0: no zone), when the scenario names zones.
    zone_layer : ZoneLayer or None
        Polygon zones with their exact cell fractions (:func:`drm.io.read_zones`).
    zone_table : pandas.DataFrame or None
        One row per zone id: ``name`` (and, from polygons, areas).
    census : pandas.DataFrame or None
        The census per zone (:func:`drm.io.read_census`).
    profiles : ZoneProfiles or None
        Each zone's :class:`~drm.demographics.DemographicProfile`, from the census.
    connectivity : ConnectivityReport or None
        How well the roads connect people, centres and warehouses.
    observers : pandas.DataFrame or None
        The community's observation points (:func:`drm.warning.read_observers`), on the DEM.
    reports : pandas.DataFrame or None
        The community's own reports (:func:`drm.warning.read_reports`), when the
        scenario names them (otherwise they are simulated from the run).
    notes : tuple of str
        The warnings raised while reading, one per distinct message.
    hashes : dict
        SHA-256 of every input file by its scenario field.
    """

    scenario: Scenario
    dem: xr.DataArray
    rainfall: xr.DataArray
    population: xr.DataArray
    roads: nx.MultiDiGraph
    centres: pd.DataFrame
    inflows: tuple[pd.DataFrame, ...] = ()
    stock: pd.DataFrame | None = None
    warehouses: pd.DataFrame | None = None
    landcover: xr.DataArray | None = None
    landcover_classes: pd.DataFrame | None = None
    inflow_points: tuple[tuple[float, float], ...] = ()
    zones: xr.DataArray | None = None
    zone_layer: Any = None
    zone_table: pd.DataFrame | None = None
    census: pd.DataFrame | None = None
    profiles: Any = None
    connectivity: Any = None
    observers: pd.DataFrame | None = None
    reports: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    hashes: dict[str, str] = field(default_factory=dict)

    def _dem_mean_mm(self, depth_m: np.ndarray) -> float:
        """The storm's depth averaged over the DEM's valid cells (mm), rain volume kept."""
        depth = self.rainfall.isel(time=0, drop=True).copy(data=depth_m)
        on_dem = onto(depth, self.dem, method="conservative").values
        valid = np.isfinite(self.dem.values) & np.isfinite(on_dem)
        return float(on_dem[valid].mean() * 1000.0) if valid.any() else float("nan")

    def _coverage(self) -> dict[str, float]:
        return _coverage_of(self)

    def summary(self) -> dict[str, Any]:
        """Return the key magnitudes of the inputs as plain numbers (JSON-ready)."""
        spec = check_grid(self.dem, "DEM")
        xmin, ymin, xmax, ymax = grid_bounds(self.dem)
        z = self.dem.values
        rain = self.rainfall
        t = rain["time"].values
        dt = np.diff(np.append(t, rain.attrs["interval_end_s"]))
        depth_m = (rain.values * dt[:, None, None]).sum(axis=0)
        lengths = [d["length"] for u, v, d in self.roads.edges(data=True) if not d.get("reversed")]
        out: dict[str, Any] = {
            "dem": {
                "rows": spec.ny,
                "cols": spec.nx,
                "cell_size_m": spec.dx,
                "crs": spec.crs.to_string() if spec.crs else None,
                "extent_m": [xmin, ymin, xmax, ymax],
                "elevation_min_m": float(np.nanmin(z)),
                "elevation_max_m": float(np.nanmax(z)),
                "nodata_cells": int(np.isnan(z).sum()),
            },
            "rainfall": {
                "time_steps": int(t.size),
                "duration_h": float(rain.attrs["interval_end_s"] - t[0]) / 3600.0,
                "cell_size_m": check_grid(rain, "rainfall", time=True).dx,
                "total_mean_mm": float(depth_m.mean() * 1000.0),
                "total_dem_mean_mm": self._dem_mean_mm(depth_m),
                "total_max_mm": float(depth_m.max() * 1000.0),
                "peak_intensity_mm_h": float(rain.values.max() * 3.6e6),
            },
            "population": {"total_persons": float(np.nansum(self.population.values))},
            "roads": {
                "nodes": self.roads.number_of_nodes(),
                "directed_edges": self.roads.number_of_edges(),
                "length_km": float(sum(lengths) / 1000.0),
            },
            "centres": {
                "count": len(self.centres),
                "available": int(self.centres["available"].sum())
                if "available" in self.centres
                else len(self.centres),
                "floor_area_m2": float(np.nansum(self.centres["floor_area_m2"])),
            },
            "coverage": self._coverage(),
            "inflows": [
                {
                    "peak_m3s": float(f["discharge_m3s"].max()),
                    "peak_time_h": float(f.loc[f["discharge_m3s"].idxmax(), "time_s"]) / 3600.0,
                }
                for f in self.inflows
            ],
        }
        if self.warehouses is not None:
            out["warehouses"] = {"count": len(self.warehouses)}
        if self.zone_table is not None:
            out["zones"] = {"count": len(self.zone_table), "census": self.census is not None}
        if self.stock is not None:
            out["stock"] = {
                f"{item} ({unit})": float(q)
                for (item, unit), q in self.stock.groupby(["item", "unit"])["quantity"]
                .sum()
                .items()
            }
        return out


def _coverage_of(inputs: ScenarioInputs) -> dict[str, float]:
    attrs = inputs.population.attrs
    on_dem = float(np.nansum(inputs.population.values))
    in_file = float(attrs.get("persons_in_file", on_dem))
    report = inputs.connectivity
    return {
        "population_share_on_dem": on_dem / in_file if in_file > 0 else 1.0,
        "persons_outside_dem": float(attrs.get("persons_outside_dem", 0.0)),
        "persons_on_dem_nodata": float(attrs.get("persons_on_nodata", 0.0)),
        "road_share_inside_dem": _road_share_inside(inputs.roads, inputs.dem),
        "roads_largest_share": float(report.share_length) if report is not None else 1.0,
        "warehouse_centre_pairs_unreachable": len(report.unreachable) if report is not None else 0,
    }


def _road_share_inside(G: nx.MultiDiGraph, dem: xr.DataArray) -> float:
    x = np.array([d["x"] for _, d in G.nodes(data=True)], dtype=float)
    y = np.array([d["y"] for _, d in G.nodes(data=True)], dtype=float)
    return float(_inside(x, y, dem).mean()) if x.size else 0.0


def _inside(x: np.ndarray, y: np.ndarray, dem: xr.DataArray) -> np.ndarray:
    xmin, ymin, xmax, ymax = grid_bounds(dem)
    return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)


class _Problems:
    """Collects the problems of every input, so that one run of validate names them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    @contextmanager
    def field(self, name: str, path: Path | None = None) -> Iterator[None]:
        try:
            yield
        except DrmError as err:
            text = str(err)
            where = f"{name} ({path.name})" if path is not None and path.name not in text else name
            self.items.append(f"{where}: {text}")

    def add(self, name: str, text: str) -> None:
        self.items.append(f"{name}: {text}")

    def raise_any(self) -> None:
        if not self.items:
            return
        n = len(self.items)
        head = (
            "1 problem in the scenario's inputs"
            if n == 1
            else f"{n} problems in the scenario's inputs"
        )
        raise InputError(head + ":\n  " + "\n  ".join(f"- {p}" for p in self.items))


def _inflow_points(hz: Any, crs: CRS | None) -> list[tuple[float, float]]:
    points = []
    for inflow in hz.inflows:
        if inflow.x is not None:
            points.append((float(inflow.x), float(inflow.y)))
        else:
            if crs is None:
                raise InputError("hazard.inflows: lon/lat points need a DEM with a CRS")
            fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
            x, y = fwd.transform(inflow.lon, inflow.lat)
            points.append((float(x), float(y)))
    return points


def load_inputs(scenario: Scenario) -> ScenarioInputs:
    """Read and cross-check every input file of a scenario, reporting every problem at once.

    Every input is brought into the DEM's working CRS (a DEM in degrees or in
    a scale-distorted projection goes to its local UTM zone first). Checks
    beyond each reader's own: rainfall covers the DEM; population, zones and
    land cover go onto the DEM grid (people conserved); roads, centres,
    warehouses and inflow points lie inside the DEM; stock units convert to
    the catalogue's and the standard is one drm can load; land-cover codes
    are in the class table and its Manning's n within
    ``drm.scenario.schema.MANNING_N_RANGE``; injects close centres and
    delay warehouses that exist; the rain, after ``rain_factor`` and
    ``extra_rain`` injects, stays below the world-record envelope in every
    time step (:func:`record_rain_mm`); the roads connect the centres and
    warehouses (reported, see :attr:`ScenarioInputs.connectivity`).
    Recoverable oddities are warned (:class:`~drm.errors.DrmWarning`) and
    kept in :attr:`ScenarioInputs.notes`, among them an inflow hydrograph
    that ends before ``hazard.duration`` (the solver holds its last value).
    A ``warning.order_time`` after the end of ``hazard.duration`` is refused.
    The run's size is checked (:mod:`drm.scenario.budget`): a duration of
    years of solver steps before any file is read, the frames, steps and
    peak memory against the memory at hand last; a run that would not fit,
    or would run away, is refused before anything big is allocated.

    Parameters
    ----------
    scenario : Scenario
        From :func:`drm.scenario.load_scenario`.

    Returns
    -------
    ScenarioInputs
        The inputs in drm's conventions (DEM in m, rain in m/s, persons per
        cell, roads in metres), with their SHA-256 hashes.

    Raises
    ------
    InputError
        Listing every problem found, one per line, each naming the scenario
        key, the file and the fix; or naming the key that makes the run too
        big, its size and the memory at hand.

    Examples
    --------
    >>> import drm
    >>> inputs = load_inputs(drm.load_scenario("valle_alto"))
    >>> inputs.dem.shape, inputs.rainfall.attrs["units"], round(float(inputs.population.sum()))
    ((400, 400), 'm s-1', 34758)
    """
    check_settings(scenario)  # a duration of years of solver steps: refused before any file is read
    problems = _Problems()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DrmWarning)
        read = _read_all(scenario, problems)
    notes = tuple(
        dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, DrmWarning))
    )
    for note in notes:  # shown even when problems follow: a warning may explain an error
        warn(note)
    problems.raise_any()
    hashes = {k: file_sha256(v) for k, v in scenario.input_files().items()}
    inputs = ScenarioInputs(scenario=scenario, hashes=hashes, notes=notes, **read)
    check_run(inputs)  # the run's frames, steps and memory, before the solver allocates any
    return inputs


def _read_all(scenario: Scenario, problems: _Problems) -> dict[str, Any]:
    """Read every input, recording problems instead of stopping at the first."""
    hz, pop, ev, sh = scenario.hazard, scenario.population, scenario.evacuation, scenario.shelter
    out: dict[str, Any] = {}
    order = scenario.warning.order_time
    if order is not None and order > hz.duration:
        problems.add(
            "warning.order_time",
            f"{format_duration(order)} is after the end of the simulation, hazard.duration = "
            f"{format_duration(hz.duration)}: nothing would be simulated after the order; shorten "
            f"order_time to under {format_duration(hz.duration)} or lengthen hazard.duration past "
            f"{format_duration(order)} (and the evacuation's hours after it)",
        )
    dem = None
    with problems.field("hazard.dem", hz.dem):
        dem = io.read_dem(hz.dem, crs=hz.dem_crs)
    crs = check_grid(dem, "DEM").crs if dem is not None else None
    out["dem"] = dem
    if dem is not None and hz.resolution_m is not None:
        dx = check_grid(dem, "DEM").dx
        k = round(hz.resolution_m / dx)
        if hz.resolution_m > dx * 1.0001 and abs(k * dx - hz.resolution_m) > 1e-6 * dx:
            problems.add(
                "hazard.resolution_m",
                f"{hz.resolution_m:g} m is not a whole multiple of the DEM's {dx:g} m cells "
                f"(as read, in {crs.name if crs else 'its CRS'}); use {max(k, 1) * dx:g} or "
                f"{(max(k, 1) + 1) * dx:g}",
            )
    with problems.field("hazard.rainfall", hz.rainfall):
        out["rainfall"] = io.read_rainfall(
            hz.rainfall,
            crs=hz.rainfall_crs,
            var=hz.rainfall_var,
            accumulated=hz.rainfall_accumulated,
            disaggregate=hz.rainfall_disaggregate,
            to_crs=crs,
        )
        if dem is not None:
            check_covers(out["rainfall"], dem, str(hz.rainfall))
    if out.get("rainfall") is not None:
        for text in _rain_problems(out["rainfall"], scenario):
            problems.add(f"hazard.rainfall ({hz.rainfall.name})", text)
    with problems.field("population.grid", pop.grid):
        out["population"] = io.read_population(
            pop.grid, like=dem, crs=pop.grid_crs, var=pop.grid_var
        )
        if dem is not None:
            check_same_grid(
                dem, out["population"], (f"DEM ({hz.dem.name})", f"population ({pop.grid.name})")
            )
    if pop.zones is not None and dem is not None:
        with problems.field("population.zones", pop.zones):
            out.update(_zones(pop, dem))
        if out.get("census") is not None and out.get("population") is not None:
            zones = out.get("zone_layer", out.get("zones"))
            with problems.field("population.census", pop.census):
                _check_census(out["population"], zones, out["census"], pop.census)
    if hz.landcover is not None:
        with problems.field("hazard.landcover", hz.landcover):
            landcover = io.read_grid(
                hz.landcover, name="land cover", preferred=("landcover",), crs=hz.landcover_crs
            )
            if dem is not None:
                landcover = onto(landcover, dem, method="nearest")
            out["landcover"] = landcover
    if hz.landcover_classes is not None:
        with problems.field("hazard.landcover_classes", hz.landcover_classes):
            out["landcover_classes"] = io.read_landcover_classes(hz.landcover_classes)
            _check_manning(out["landcover_classes"], hz.landcover_classes)
    if out.get("landcover") is not None and out.get("landcover_classes") is not None:
        with problems.field("hazard.landcover", hz.landcover):
            _check_codes(out["landcover"], out["landcover_classes"], hz.landcover_classes)
    inflows = []
    for i, inflow in enumerate(hz.inflows):
        with problems.field(f"hazard.inflows[{i}].hydrograph", inflow.hydrograph):
            inflows.append(io.read_hydrograph(inflow.hydrograph))
            _check_hydrograph_end(inflows[-1], f"hazard.inflows[{i}]", inflow, hz.duration)
    out["inflows"] = tuple(inflows)
    if dem is not None:
        with problems.field("hazard.inflows"):
            points = _inflow_points(hz, crs)
            for i, (x, y) in enumerate(points):
                if not _inside(np.array([x]), np.array([y]), dem)[0]:
                    problems.add(
                        f"hazard.inflows[{i}]", f"point x={x:.1f}, y={y:.1f} is outside the DEM"
                    )
            out["inflow_points"] = tuple(points)
    with problems.field("evacuation.roads", ev.roads):
        roads = io.read_roads(ev.roads, crs=ev.roads_crs, to_crs=crs)
        if dem is not None:
            share = _road_share_inside(roads, dem)
            if share < 0.5:
                raise InputError(
                    f"only {100 * share:.0f}% of road nodes lie inside the DEM; check both files' CRS"
                )
        out["roads"] = roads
        from drm.network import road_ids_named

        for i, inject in enumerate(scenario.injects):
            if inject.close_road is not None:
                with problems.field(f"injects[{i}].close_road"):
                    road_ids_named(roads, inject.close_road)
    with problems.field("evacuation.centres", ev.centres):
        out["centres"] = io.read_centres(ev.centres, crs=ev.centres_crs, to_crs=crs)
        if dem is not None:
            for text in io.tables.site_problems(out["centres"], dem, what="centre"):
                problems.add("evacuation.centres", text)
    if sh.warehouses is not None:
        with problems.field("shelter.warehouses", sh.warehouses):
            out["warehouses"] = io.read_warehouses(sh.warehouses, crs=sh.warehouses_crs, to_crs=crs)
            if dem is not None:
                for text in io.tables.site_problems(out["warehouses"], dem, what="warehouse"):
                    problems.add("shelter.warehouses", text)
    _check_injects(scenario, out, problems)
    if scenario.observers is not None and dem is not None:
        _observers(scenario, dem, out, problems)
    standard = None
    with problems.field("shelter.standard"):
        # the run sizes every centre under it (drm.shelter.capacity), stock or not
        standard = load_standard(sh.standard)
        if "centres" in out:
            capacity(out["centres"], standard)
    if sh.stock is not None and standard is not None:
        with problems.field("shelter.stock", sh.stock):
            stock = catalogue_units(io.read_stock(sh.stock), standard, source=str(sh.stock))
            out["stock"] = stock
            if "centres" in out:
                known = set(out["centres"].index) | set(
                    out["warehouses"].index if out.get("warehouses") is not None else []
                )
                unknown = sorted(set(stock["site_id"]) - known)
                if unknown:
                    raise InputError(
                        f"stock held at unknown site(s) {unknown}; use a centre or warehouse id"
                    )
    if "roads" in out and "centres" in out:
        from drm.network.connectivity import connectivity_report

        with problems.field("evacuation.roads", ev.roads):
            report = connectivity_report(
                out["roads"], centres=out["centres"], warehouses=out.get("warehouses"), mode=ev.mode
            )
            out["connectivity"] = report
            # gaps in the network are results to plan around (people caught, stock not
            # delivered), not reasons to refuse the run: warned here, reported in the summary
            for text in (*report.problems(), *report.notes()):
                warn(f"{ev.roads.name}: {text}")
    return out


def _observers(
    scenario: Scenario, dem: xr.DataArray, out: dict[str, Any], problems: _Problems
) -> None:
    """The observers on the DEM, their reports, and the marks and points the triggers and injects name."""
    from drm.warning.observations import read_observers, read_reports

    section = scenario.observers
    assert section is not None
    with problems.field("observers.file", section.file):
        out["observers"] = read_observers(section.file, crs=section.crs, dem=dem)
    observers = out.get("observers")
    if observers is None:
        return
    if section.reports is not None:
        with problems.field("observers.reports", section.reports):
            out["reports"] = read_reports(section.reports, observers, start=scenario.start)
    gauges = observers[observers["kind"] == "staff_gauge"]
    indicators = observers[observers["kind"] == "indicator"]
    known = {_mark_key(m): m for marks in gauges["marks"] for m in (marks or {})}
    for i, trig in enumerate(scenario.triggers):
        for j, cond in enumerate(trig.when):
            where = f"triggers[{i}].when[{j}]"
            if cond.gauge_mark is not None and _mark_key(cond.gauge_mark) not in known:
                problems.add(
                    where,
                    f"gauge_mark {cond.gauge_mark!r} is not a mark of any staff gauge in "
                    f"{section.file.name}; use one of its marks: {', '.join(sorted(known.values())) or 'none'}",
                )
            pool = indicators if cond.kind == "indicators" else gauges
            unknown = [p for p in cond.points or () if p not in pool.index]
            if unknown:
                problems.add(
                    where,
                    f"points {unknown} are not {'indicators' if cond.kind == 'indicators' else 'staff gauges'} "
                    f"in {section.file.name}; use ids among {', '.join(map(str, pool.index)) or 'none'}",
                )
            if cond.kind == "indicators" and cond.indicators > len(indicators):
                problems.add(
                    where,
                    f"indicators = {cond.indicators} but {section.file.name} has "
                    f"{len(indicators)} indicator point(s): the trigger could never hold",
                )
    for i, inj in enumerate(scenario.injects):
        if inj.gauge_report is None:
            continue
        where = f"injects[{i}].gauge_report"
        if inj.gauge_report not in gauges.index:
            problems.add(
                where,
                f"{inj.gauge_report!r} is not a staff gauge in {section.file.name}; use one of "
                f"{', '.join(map(str, gauges.index)) or 'none'}",
            )
        elif inj.mark is not None:
            marks = {_mark_key(k): k for k in gauges.at[inj.gauge_report, "marks"] or {}}
            if _mark_key(inj.mark) not in marks:
                problems.add(
                    f"injects[{i}].mark",
                    f"{inj.mark!r} is not a mark of gauge {inj.gauge_report}; use one of "
                    f"{', '.join(sorted(marks.values())) or 'none'}",
                )


def _mark_key(name: str) -> str:
    from drm.warning.observations import _word

    return _word(name)


def _zones(pop: Any, dem: xr.DataArray) -> dict[str, Any]:
    """Zone ids on the DEM grid, the zone table and the census, from a grid or polygons."""
    out: dict[str, Any] = {}
    if pop.zones.suffix.lower() in (".geojson", ".json", ".gpkg"):
        layer = io.read_zones(
            pop.zones, dem, id_field=pop.zone_id_field, name_field=pop.zone_name_field,
            crs=pop.zones_crs,
        )  # fmt: skip
        out.update(zones=layer.zone_id, zone_layer=layer, zone_table=layer.table)
    else:
        grid = io.read_grid(pop.zones, name="zones", var=pop.zone_var, crs=pop.zones_crs)
        grid = onto(grid, dem, method="nearest", source=str(pop.zones))
        ids = grid.fillna(0).astype(np.int64)
        table = pd.DataFrame(index=pd.Index(sorted(set(np.unique(ids.values)) - {0}), name="zone"))
        if pop.zone_names is not None:
            names = io.read_table(
                pop.zone_names,
                [io.tables.Column("id", "int"), io.tables.Column("name", "str")],
                what="zone names",
                index="id",
            )
            table["name"] = names["name"].reindex(table.index)
        out.update(zones=ids, zone_table=table)
    if pop.census is not None:
        from drm.demographics import ZoneProfiles

        census = io.read_census(pop.census, zones=out.get("zone_layer", out["zone_table"]))
        out.update(census=census, profiles=ZoneProfiles.from_census(census, source=pop.census.name))
    return out


#: A zone whose people on the population grid differ from its census by more than this share is
#: named in a warning (WorldPop pixels straddling zone edges move a few percent; more is a sign
#: of zones or a raster from another year or place).
CENSUS_GAP = 0.5


def _check_census(population: xr.DataArray, zones: Any, census: pd.DataFrame, path: Path) -> None:
    """Warn where the population grid and the census disagree on a zone's people."""
    from drm.exposure import population_by_zone

    if "person" not in census.columns or census["person"].isna().all():
        return
    on_grid = population_by_zone(population, zones).reindex(census.index)
    gap = (on_grid - census["person"]) / census["person"]
    off = gap[gap.abs() > CENSUS_GAP].dropna()
    if len(off):
        listed = ", ".join(
            f"{z} ({on_grid[z]:,.0f} on the grid vs {census.loc[z, 'person']:,.0f})"
            for z in off.index[:5]
        )
        warn(
            f"{path.name}: {len(off)} zone(s) hold over {CENSUS_GAP:.0%} more or fewer people on "
            f"the population grid than in the census: {listed}; the grid's people are used and the "
            "census gives only their shares by sex and age; check that both describe the same place "
            "and year"
        )


def _check_codes(landcover: xr.DataArray, classes: pd.DataFrame, table: Path | None) -> None:
    codes = landcover.values
    present = {int(c) for c in np.unique(codes[np.isfinite(codes)])}
    unknown = sorted(present - {int(c) for c in classes.index})
    if unknown:
        cells = int(np.isin(codes, unknown).sum())
        raise InputError(
            f"land-cover codes {', '.join(map(str, unknown))} ({cells} cells) are not in the class "
            f"table{f' {table.name}' if table is not None else ''} (codes "
            f"{', '.join(str(int(c)) for c in classes.index)}); add a row for each"
        )


def _check_manning(classes: pd.DataFrame, table: Path) -> None:
    """Refuse a class table whose Manning's n leaves ``MANNING_N_RANGE`` (0.005-0.5 s m^-1/3)."""
    lo, hi = MANNING_N_RANGE
    n = classes["manning_n"].astype(float)
    bad = n[~((n >= lo) & (n <= hi))]
    if len(bad):
        listed = ", ".join(f"code {int(c)}: {v:g}" for c, v in bad.items())
        raise InputError(
            f"manning_n outside {lo:g}-{hi:g} s m^-1/3 ({listed}); typical values are 0.013 "
            "concrete, 0.035 pasture, 0.1 dense brush, 0.2-0.5 building blocks: check for a slip "
            "such as 5 for 0.05"
        )


def _rain_problems(rain: xr.DataArray, scenario: Scenario) -> list[str]:
    """The rain the solver would get above the world-record envelope, one message (or none).

    The rain is the file's times ``hazard.rain_factor`` and, from their ``at``
    on, every ``extra_rain`` inject (as :func:`drm.scenario.stages.hazard_setup`
    scales it); each time step's peak cell is compared with
    :func:`record_rain_mm` for the step's length.
    """
    hz = scenario.hazard
    t = rain["time"].values.astype(float)
    if t.size == 0:
        return []
    dt = np.diff(np.append(t, float(rain.attrs.get("interval_end_s", t[-1]))))
    factor = np.full(t.size, float(hz.rain_factor))
    for inject in scenario.injects:
        if inject.extra_rain is not None:
            factor = np.where(t >= inject.at, factor * inject.extra_rain, factor)
    with np.errstate(over="ignore", invalid="ignore"):
        peak = np.nanmax(rain.values.reshape(t.size, -1), axis=1) * factor  # m/s
        depth_mm = peak * dt * 1000.0
        record = np.where(dt > 0, record_rain_mm(np.where(dt > 0, dt, 1.0)), np.inf)
        ratio = depth_mm / record
    over = np.flatnonzero(ratio > 1.0)
    if not over.size:
        return []
    k = int(over[np.argmax(ratio[over])])
    scaled_by = [f"hazard.rain_factor = {hz.rain_factor:g}"] if hz.rain_factor != 1 else []
    scaled_by += [
        f"injects[{i}].extra_rain = {inject.extra_rain:g}"
        for i, inject in enumerate(scenario.injects)
        if inject.extra_rain is not None and t[k] >= inject.at
    ]
    after = f"after {' and '.join(scaled_by)}, " if scaled_by else ""
    step = format_duration(dt[k])
    return [
        f"implausible rain: {after}the peak cell gets {_number(peak[k] * 3.6e6)} mm/h over the "
        f"{step} step starting at {format_duration(t[k])} ({_number(depth_mm[k])} mm in {step}), "
        f"above the world-record point rainfall for {step}, {record[k]:.0f} mm (the envelope "
        f"R = 422·D^0.475 mm, D in hours, Jennings 1950); steps above it: {over.size} of {t.size}. "
        "Check rain_factor and extra_rain injects, and the file's units (a depth read as a rate: "
        "rainfall_accumulated)"
    ]


def _number(value: float) -> str:
    """A number for messages, also one that overflowed float64."""
    return f"{value:.4g}" if np.isfinite(value) else "over 1.8e+308"


def _check_hydrograph_end(table: pd.DataFrame, key: str, spec: Any, duration_s: float) -> None:
    """Warn when a hydrograph ends before the flood run does, saying what the solver assumes."""
    end = float(table["time_s"].iloc[-1])
    if end >= duration_s:
        return
    last = float(table["discharge_m3s"].iloc[-1]) * float(spec.scale)
    scaled = f" (times scale = {spec.scale:g})" if spec.scale != 1 else ""
    warn(
        f"{key}.hydrograph ({spec.hydrograph.name}): the hydrograph ends at {format_duration(end)} "
        f"({end:g} s) but hazard.duration runs the flood to {format_duration(duration_s)} "
        f"({duration_s:g} s); after its last point the solver holds the discharge at its last "
        f"value, {last:g} m3/s{scaled}, to the end of the run. Extend the file to "
        f"{duration_s:g} s if the river falls (or rises) after that"
    )


def _check_injects(scenario: Scenario, out: dict[str, Any], problems: _Problems) -> None:
    """Injects must close centres and delay warehouses that exist (as close_road must name a road)."""
    sh, ev = scenario.shelter, scenario.evacuation
    centres, warehouses = out.get("centres"), out.get("warehouses")
    for i, inject in enumerate(scenario.injects):
        known = centres.index if centres is not None else None
        if (
            inject.close_centre is not None
            and known is not None
            and inject.close_centre not in known
        ):
            problems.add(
                f"injects[{i}].close_centre",
                f"unknown centre {inject.close_centre!r}; the centres in {ev.centres.name} are "
                f"{', '.join(map(str, known))}: use one of these ids",
            )
        if inject.delay_warehouse is not None:
            if sh.warehouses is None:
                problems.add(
                    f"injects[{i}].delay_warehouse",
                    f"warehouse {inject.delay_warehouse!r}, but the scenario has no "
                    "shelter.warehouses file: add one or drop the inject",
                )
            elif warehouses is not None and inject.delay_warehouse not in warehouses.index:
                problems.add(
                    f"injects[{i}].delay_warehouse",
                    f"unknown warehouse {inject.delay_warehouse!r}; the warehouses in "
                    f"{sh.warehouses.name} are {', '.join(map(str, warehouses.index))}: use one of "
                    "these ids",
                )
