"""Scenario files: TOML validated with pydantic into frozen dataclasses, every problem reported at once.

A scenario names its inputs (paths relative to the scenario file) and the
settings of each stage; everything but the input files has a default, so a
short file runs. :func:`load_scenario` reads the TOML, validates it and
returns a frozen :class:`Scenario` (a dataclass) whose paths are absolute.
Every problem is collected into one :class:`~drm.errors.ScenarioError`, one
line listing items such as ``evacuation.centres: file not found: ...``,
``hazard.manning_nn: unknown key (did you mean 'manning_n'?)`` or
``injects[0].at: cannot parse duration 'soon'``, separated by semicolons.

The defaults and where they come from are documented on each section class.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import tomllib
import typing
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.dataclasses import dataclass

from drm.errors import DataNotFoundError, InputError, ScenarioError, warn
from drm.units import format_duration, parse_duration

__all__ = [
    "Channel",
    "EnsembleSection",
    "EvacuationSection",
    "HazardSection",
    "Inflow",
    "Inject",
    "ObserversSection",
    "PopulationSection",
    "RainThreshold",
    "Scenario",
    "ShelterSection",
    "TriggerCondition",
    "TriggerSection",
    "WarningSection",
    "load_scenario",
    "resolve_scenario_path",
    "scenario_from_dict",
]


def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except InputError as err:
        raise ValueError(str(err).split(": ", 1)[-1]) from None


Seconds = Annotated[float, BeforeValidator(_duration)]


def _crs(value: Any) -> str:
    from pyproj import CRS

    text = f"EPSG:{value}" if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f'expected a CRS such as "EPSG:4326" or 32619, got {value!r}')
    try:
        CRS.from_user_input(text)
    except Exception:  # pyproj's CRSError
        raise ValueError(
            f'{value!r} is not a CRS pyproj knows; use an EPSG code ("EPSG:32619") or WKT'
        ) from None
    return text


def _start(value: Any) -> str:
    from drm.clock import parse_start

    if isinstance(value, datetime.datetime):  # TOML writes date-times bare
        value = value.isoformat()
    try:
        return parse_start(value).isoformat()
    except InputError as err:
        raise ValueError(str(err).split(": ", 1)[-1]) from None


def _timezone(value: Any) -> str:
    from drm.clock import parse_timezone

    try:
        parse_timezone(value)
    except InputError as err:
        raise ValueError(str(err).split(": ", 1)[-1]) from None
    return str(value)


#: A coordinate reference system: ``"EPSG:32619"``, ``32619`` or WKT.
CrsText = Annotated[str, BeforeValidator(_crs)]

#: The Manning's n (s m^-1/3) a scenario may give, in a scenario key or a land-cover table:
#: from below smooth concrete or glass (0.010-0.013 in Chow 1959, table 5-6) to above the
#: highest values 2-D urban models give to building blocks (0.2-0.5). Outside it the number
#: is almost surely a unit or typing slip (e.g. 5 for 0.05) that would run silently wrong.
MANNING_N_RANGE = (0.005, 0.5)


def _manning_n(value: float) -> float:
    lo, hi = MANNING_N_RANGE
    if not lo <= value <= hi:
        raise ValueError(
            f"Manning's n must lie in {lo:g}-{hi:g} s m^-1/3 (0.013 concrete, 0.035 pasture, "
            "0.1 dense brush, 0.2-0.5 building blocks); check for a slip such as 5 for 0.05"
        )
    return value


def _soil(value: str) -> str:
    from drm.hazard.runoff import soil_textures

    names = soil_textures().index
    if value.lower() not in names:  # as drm.hazard.green_ampt_soil reads it: case-insensitive
        close = difflib.get_close_matches(value.strip().lower(), list(names), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"unknown soil texture; {hint}use one of {', '.join(names)} "
            "(the USDA textures of Rawls, Brakensiek & Miller 1983)"
        )
    return value


#: A Manning's n (s m^-1/3), finite and within ``MANNING_N_RANGE``.
ManningN = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_manning_n)]
#: A multiplier (rain, discharge): finite and > 0.
Factor = Annotated[float, Field(gt=0, allow_inf_nan=False)]
#: The design hyetographs that spread coarse rain steps (``hazard.rainfall_disaggregate``).
Disaggregation = Literal["scs-ii", "scs-iii", "alternating-block", "uniform"]
_CONFIG = ConfigDict(extra="forbid")


def section(cls: type) -> type:
    """Make ``cls`` a frozen pydantic dataclass that rejects unknown keys."""
    return dataclass(frozen=True, config=_CONFIG)(cls)


@section
class Inflow:
    """A hydrograph entering the DEM at a point.

    The point is ``x``, ``y`` (m, in the DEM's working CRS) or ``lon``, ``lat``
    (degrees, WGS 84), one pair or the other. ``scale`` multiplies the
    discharge (a what-if: a bigger river flood).
    """

    hydrograph: Path
    x: float | None = None
    y: float | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    name: str = "river"
    scale: Factor = 1.0

    @model_validator(mode="after")
    def _point(self) -> Inflow:
        xy = (self.x is not None, self.y is not None)
        ll = (self.lon is not None, self.lat is not None)
        if xy not in ((True, True), (False, False)) or ll not in ((True, True), (False, False)):
            raise ValueError("give both x and y, or both lon and lat")
        if xy[0] == ll[0]:
            raise ValueError(
                "give the point as x, y (m, DEM CRS) or as lon, lat (degrees), not both"
            )
        return self


@section
class HazardSection:
    """Flood inputs and solver settings.

    Roughness and curve number come from the land cover table when given
    (``manning_n``/``curve_number`` override them with one value); without
    either, n = 0.04 and no infiltration. A Manning's n, here or in the
    table, must lie in ``MANNING_N_RANGE`` (0.005-0.5 s m^-1/3). ``soil``
    is a USDA texture name (:func:`drm.hazard.soil_textures`) for Green-Ampt.
    ``rain_factor`` scales the storm (finite, > 0; the scaled rain must stay
    below the world-record envelope, see :func:`drm.scenario.load_inputs`);
    ``resolution_m`` runs the solver on coarser cells (block means of the
    DEM) to trade detail for speed.

    Real inputs: ``dem_crs``, ``rainfall_crs`` and ``landcover_crs`` are the
    CRS of a file that records none (never a target: every input is brought
    into the DEM's working CRS). ``rainfall_var`` picks the variable;
    ``rainfall_accumulated`` says whether depths are accumulated since the
    start (an ECMWF ``tp``) when the file cannot tell; ``rainfall_disaggregate``
    spreads coarse (e.g. daily) steps over a design hyetograph
    (``"scs-ii"``, ``"scs-iii"``, ``"alternating-block"`` or ``"uniform"``).
    """

    dem: Path
    rainfall: Path
    dem_crs: CrsText | None = None
    rainfall_crs: CrsText | None = None
    rainfall_var: str | None = None
    rainfall_accumulated: bool | None = None
    rainfall_disaggregate: Disaggregation | None = None
    landcover: Path | None = None
    landcover_crs: CrsText | None = None
    landcover_classes: Path | None = None
    manning_n: ManningN | None = None
    curve_number: float | None = Field(default=None, gt=0, le=100)
    infiltration: Literal["scs", "green-ampt", "none"] = "scs"
    soil: Annotated[str, AfterValidator(_soil)] | None = None
    rain_factor: Factor = 1.0
    resolution_m: float | None = Field(default=None, gt=0)
    duration: Seconds = Field(default=24 * 3600.0, gt=0)
    output_interval: Seconds = Field(default=900.0, gt=0)
    boundaries: Literal["free", "closed"] = "free"
    arrival_depth_m: float = Field(default=0.05, gt=0)
    theta: float = Field(default=0.8, gt=0, le=1)
    alpha: float = Field(default=0.7, gt=0, le=1)
    inflows: tuple[Inflow, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> HazardSection:
        if self.output_interval > self.duration:
            raise ValueError(
                f"output_interval ({format_duration(self.output_interval)}) is longer than duration "
                f"({format_duration(self.duration)}): shorten output_interval (e.g. 15min)"
            )
        if self.infiltration == "green-ampt" and not self.soil:
            raise ValueError(
                'infiltration = "green-ampt" needs soil = "<texture>", e.g. "silt loam"'
            )
        if (self.landcover is None) != (self.landcover_classes is None):
            raise ValueError("landcover and landcover_classes go together: give both or neither")
        return self


@section
class RainThreshold:
    """An intensity-duration rule: rain over ``duration`` (mm) that raises each alert level."""

    duration: Seconds = Field(gt=0)
    yellow_mm: float | None = Field(default=None, ge=0)
    orange_mm: float | None = Field(default=None, ge=0)
    red_mm: float | None = Field(default=None, ge=0)


@section
class WarningSection:
    """When the evacuation order is given.

    ``order_time`` fixes it; otherwise the order follows the first alert at
    level ``order_on`` from the rain rules (areal mean over the DEM). The
    defaults (40 mm in 1 h yellow, 60 orange; 60 mm in 6 h yellow, 90 orange,
    120 red) are planning examples to be replaced by the local thresholds.
    ``dissemination`` and ``margin`` enter the decision clock.
    """

    order_time: Seconds | None = None
    order_on: Literal["yellow", "orange", "red"] = "orange"
    rain_thresholds: tuple[RainThreshold, ...] = (
        RainThreshold(duration=3600.0, yellow_mm=40.0, orange_mm=60.0),
        RainThreshold(duration=6 * 3600.0, yellow_mm=60.0, orange_mm=90.0, red_mm=120.0),
    )
    dissemination: Seconds = 1800.0
    margin: Seconds = 1800.0


@section
class PopulationSection:
    """Where people live and who is at risk.

    People are at risk where the maximum depth reaches ``risk_depth_m``
    (0.15 m: water in ground floors; a planning choice). ``shelter_fraction``
    of them seek a public evacuation centre, the others go to relatives or
    open high ground (0.3 is a planning assumption in the middle of the
    Hazus range 0.2-0.56; replace it with local survey data). ``zones`` is a
    grid of zone ids (variable ``zone_var``, e.g. neighbourhoods) with names in
    the ``zone_names`` CSV (``id``, ``name``), or a polygon file (GeoJSON or
    GeoPackage) whose ``zone_id_field`` and ``zone_name_field`` properties
    give ids and names; without it, connected areas at risk are the zones.
    ``census`` is a CSV per zone with persons by sex and age group (Spanish
    headers accepted): each zone's people are then split by its own profile,
    and a census household size (``personas_por_hogar``, or persons over
    ``hogares``) wins over ``household_size`` in its zone.
    ``grid_crs`` and ``zones_crs`` are the CRS of files that record none;
    ``grid_var`` picks the population variable.
    """

    grid: Path
    grid_crs: CrsText | None = None
    grid_var: str | None = None
    zones: Path | None = None
    zones_crs: CrsText | None = None
    zone_var: str = "neighbourhood_id"
    zone_names: Path | None = None
    zone_id_field: str | None = None
    zone_name_field: str | None = None
    census: Path | None = None
    risk_depth_m: float = Field(default=0.15, gt=0)
    shelter_fraction: float = Field(default=0.3, ge=0, le=1)
    household_size: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> PopulationSection:
        polygons = self.zones is not None and self.zones.suffix.lower() in (
            ".geojson",
            ".json",
            ".gpkg",
        )
        if (self.zone_id_field or self.zone_name_field) and not polygons:
            raise ValueError(
                "zone_id_field and zone_name_field need zones = a .geojson or .gpkg file"
            )
        if self.census is not None and self.zones is None:
            raise ValueError("census needs zones (the census rows are per zone)")
        return self


@section
class Channel:
    """A warning channel: the share of people it reaches and its mean delay after the order."""

    name: str
    reach: float = Field(ge=0, le=1)
    delay: Seconds = 0.0


@section
class EvacuationSection:
    """Roads, candidate centres and how people move.

    Warning channels reach people after a delay (Rayleigh-distributed with
    that mean); people then get ready over a Rayleigh response time with
    scale ``response_sigma`` (the design notes' departure curve) and leave
    with probability ``compliance``. Centres whose site floods deeper than
    ``centre_max_depth_m`` are not used. ``roads_crs`` and ``centres_crs``
    are the CRS of files that record none (a GeoJSON without a ``crs`` member
    is lon/lat, as RFC 7946 says; a table with ``lat``/``lon`` columns too).
    """

    roads: Path
    centres: Path
    roads_crs: CrsText | None = None
    centres_crs: CrsText | None = None
    mode: Literal["walk", "drive"] = "walk"
    channels: tuple[Channel, ...] = (
        Channel(name="siren", reach=0.6, delay=600.0),
        Channel(name="sms", reach=0.5, delay=900.0),
        Channel(name="door-to-door", reach=0.8, delay=3600.0),
    )
    response_sigma: Seconds = Field(default=1200.0, gt=0)
    compliance: float = Field(default=0.9, ge=0, le=1)
    informed: bool = True
    # the same default as drm.evacuation.locate_centres (a kerb's height; tests check they agree)
    centre_max_depth_m: float = Field(default=0.15, ge=0)
    desks: int = Field(default=2, ge=1)
    registration_persons_h: float = Field(default=120.0, gt=0)
    persons_per_vehicle: float = Field(default=2.5, gt=0)


@section
class ShelterSection:
    """Standards and stock for the evacuation centres, and how long they stay open.

    ``warehouses_crs`` is the CRS of a warehouse table's x/y columns when the
    file does not say (``lat``/``lon`` columns are WGS 84).
    """

    standard: str = "sphere-2018"
    stock: Path | None = None
    warehouses: Path | None = None
    warehouses_crs: CrsText | None = None
    days: float = Field(default=7.0, gt=0)
    return_after: Seconds | None = None


@section
class ObserversSection:
    """The community's observation points: staff gauges, volunteer rain gauges, traditional signs.

    ``file`` is the observers CSV (:func:`drm.warning.read_observers`: positions,
    kinds, the community's marks in metres, thresholds, reporting delay, channel,
    reliability); ``crs`` its CRS when its x/y columns do not say (``lat``/``lon``
    columns are WGS 84). Without ``reports`` the reports are simulated from the
    run (:func:`drm.warning.simulate_observations`: gauges read every
    ``interval``, indicators fire at their modelled precursor with their
    reliability, seeded by the scenario's seed); with ``reports`` (a CSV of
    time-stamped reports, :func:`drm.warning.read_reports`) the community's own
    reports are used instead.
    """

    file: Path
    crs: CrsText | None = None
    reports: Path | None = None
    interval: Seconds = Field(default=900.0, gt=0)


_CONDITION_KINDS = ("rain_mm", "gauge_m", "gauge_mark", "indicators", "arrival_minus_clearance")


@section
class TriggerCondition:
    """One test of a trigger: one of rain, a staff gauge, indicators, arrival minus clearance.

    Exactly one of ``rain_mm``, ``gauge_m``, ``gauge_mark``, ``indicators`` or
    ``arrival_minus_clearance`` is given:

    * ``rain_mm`` with ``window`` (and ``ahead``, a forecast horizon): the rain over
      the window, areal mean over the DEM, reaches this depth (mm; model);
    * ``gauge_m`` or ``gauge_mark``: a staff gauge's latest report reaches this depth
      (m) or the community's mark of that name (observed);
    * ``indicators``: at least this many distinct traditional signs reported
      (``within``: a report counts for this long; observed);
    * ``arrival_minus_clearance``: the modelled arrival minus the zone's clearance
      time is at most this duration (model).

    ``points`` restricts gauge and indicator conditions to those observation points.
    """

    rain_mm: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    window: Seconds | None = Field(default=None, gt=0)
    ahead: Seconds = Field(default=0.0, ge=0)
    gauge_m: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    gauge_mark: str | None = None
    indicators: int | None = Field(default=None, ge=1)
    within: Seconds | None = Field(default=None, gt=0)
    points: tuple[str, ...] | None = None
    arrival_minus_clearance: Seconds | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_kind(self) -> TriggerCondition:
        kinds = [k for k in _CONDITION_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                f"a condition needs exactly one of {', '.join(_CONDITION_KINDS)}; got "
                f"{', '.join(kinds) or 'none'} (write two conditions in when = [...])"
            )
        kind = kinds[0]
        if kind == "rain_mm" and self.window is None:
            raise ValueError('rain_mm needs window, the accumulation time (e.g. window = "3h")')
        if kind != "rain_mm" and (self.window is not None or self.ahead):
            raise ValueError("window and ahead go with rain_mm only")
        if kind != "indicators" and self.within is not None:
            raise ValueError("within goes with indicators only")
        if self.points is not None and kind not in ("gauge_m", "gauge_mark", "indicators"):
            raise ValueError("points go with gauge_m, gauge_mark or indicators only")
        return self

    @property
    def kind(self) -> str:
        """The condition's key (``"rain_mm"``, ``"gauge_m"``...)."""
        return next(k for k in _CONDITION_KINDS if getattr(self, k) is not None)

    def condition(self) -> Any:
        """The :class:`drm.warning.Condition` this table describes."""
        from drm.warning.triggers import Condition

        kind = self.kind
        if kind == "rain_mm":
            return Condition.rain(self.rain_mm, self.window, ahead=self.ahead)
        if kind in ("gauge_m", "gauge_mark"):
            return Condition.gauge(self.gauge_m, mark=self.gauge_mark, points=self.points)
        if kind == "indicators":
            return Condition.indicators(self.indicators, within=self.within, points=self.points)
        return Condition.arrival_minus_clearance(self.arrival_minus_clearance)


@section
class TriggerSection:
    """A trigger of the warning protocol: raise the alert to ``level`` when the conditions hold.

    ``when`` lists the conditions (:class:`TriggerCondition`); ``combine`` says
    whether any one suffices (default) or all are needed. The protocol's level
    per zone over time is the highest level whose trigger holds
    (:func:`drm.warning.evaluate_triggers`).
    """

    level: Literal["yellow", "orange", "red"]
    when: tuple[TriggerCondition, ...] = Field(min_length=1)
    combine: Literal["any", "all"] = "any"
    name: str = ""

    def trigger(self) -> Any:
        """The :class:`drm.warning.Trigger` this table describes."""
        from drm.warning.triggers import Trigger

        return Trigger(
            self.level, [c.condition() for c in self.when], combine=self.combine, name=self.name
        )


_INJECT_ACTIONS = (
    "close_road",
    "close_centre",
    "extra_rain",
    "delay_warehouse",
    "gauge_report",
    "rumour",
    "fail_channel",
)


@section
class Inject:
    """A timed training event: exactly one action happens at ``at``.

    ``close_road`` (a road id such as ``"bridge-2"``), ``close_centre`` (a
    centre id), ``extra_rain`` (multiply the rain from then on, e.g. 1.5),
    ``delay_warehouse`` (a warehouse id whose trucks cannot leave for
    ``delay``); observer injects: ``gauge_report`` (an observation point's id:
    its observer reports ``value_m`` metres or the ``mark`` of that name at
    ``at``, which the triggers read like any report), ``rumour`` (the text of a
    rumour reaching the committee: shown, never counted by a trigger) and
    ``fail_channel`` (a warning channel of ``evacuation.channels``, e.g.
    ``"siren"``, out of order from ``at`` on: an order given at or after ``at``
    reaches nobody through it; an earlier order has already gone out on it).
    """

    at: Seconds
    close_road: str | None = None
    close_centre: str | None = None
    extra_rain: Factor | None = None
    delay_warehouse: str | None = None
    delay: Seconds | None = None
    gauge_report: str | None = None
    value_m: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    mark: str | None = None
    rumour: str | None = None
    fail_channel: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_action(self) -> Inject:
        actions = [a for a in _INJECT_ACTIONS if getattr(self, a) is not None]
        if len(actions) != 1:
            raise ValueError(
                f"an inject needs exactly one of {', '.join(_INJECT_ACTIONS)}; "
                f"got {actions or 'none'}"
            )
        if self.delay_warehouse is not None and self.delay is None:
            raise ValueError("delay_warehouse needs delay (e.g. '6h')")
        if self.gauge_report is not None and (self.value_m is None) == (self.mark is None):
            raise ValueError(
                "gauge_report needs what the observer read: value_m (metres on the gauge) or "
                "mark (a mark's name in the observers file), one of them"
            )
        if self.gauge_report is None and (self.value_m is not None or self.mark is not None):
            raise ValueError("value_m and mark go with gauge_report only")
        return self


@section
class EnsembleSection:
    """Many runs of the scenario under uncertain rain (:func:`drm.run_ensemble`, ``drm ensemble``).

    Each of ``members`` runs gets its own rain and its own seed. The rain comes
    from ``rainfall``, a NetCDF file with a ``member`` dimension (the first
    ``members`` members are used), or else from the scenario's rainfall
    perturbed per member: its intensity times a lognormal factor of median 1
    and log standard deviation ``intensity_sigma``; the field moved east and
    north by normal displacements of standard deviation ``shift_m`` (m); the
    hyetograph delayed by a normal time of standard deviation
    ``timing_shift_s`` (negative: earlier). The defaults (0.3, no shift, no
    delay) are a starting point, to be replaced by the spread of the local
    forecasts. ``thresholds`` are the maximum depths (m) whose probability is
    mapped, increasing (default 0.15 m: water in ground floors; 0.5 m: people
    and cars unstable; 1 m).
    """

    members: int = Field(default=20, ge=1)
    rainfall: Path | None = None
    intensity_sigma: float = Field(default=0.3, ge=0)
    shift_m: float = Field(default=0.0, ge=0)
    timing_shift_s: Seconds = Field(default=0.0, ge=0)
    thresholds: tuple[float, ...] = (0.15, 0.5, 1.0)

    @model_validator(mode="after")
    def _check(self) -> EnsembleSection:
        t = self.thresholds
        if not t or any(not (v > 0) for v in t) or any(b <= a for a, b in pairwise(t)):
            raise ValueError(
                "thresholds must be depths > 0 m in increasing order, e.g. [0.15, 0.5, 1.0]"
            )
        return self


@section
class Scenario:
    """A validated scenario (frozen); paths are absolute.

    Each section is a frozen dataclass documented on its own class; a file
    may leave out every section but ``hazard``, ``population`` and
    ``evacuation``, and every key that has a default.

    Attributes
    ----------
    name : str
        Title shown in reports.
    hazard : HazardSection
        The flood model: DEM, rainfall, land cover, infiltration, river
        inflows and solver settings (``[hazard]``, required).
    population : PopulationSection
        The population grid, its zones and the depth that puts people at
        risk (``[population]``, required).
    evacuation : EvacuationSection
        Roads, candidate centres, travel mode, warning channels and the
        departure model (``[evacuation]``, required).
    description : str
        Free text about the scenario, shown in reports.
    seed : int
        Feeds every random draw of the run.
    language : {"en", "es"}
        Report language.
    warning : WarningSection
        Rain alert thresholds and when the evacuation order is given
        (``[warning]``, optional).
    shelter : ShelterSection
        Relief standard, stock, warehouses and how many days the shelters
        run (``[shelter]``, optional).
    injects : tuple of Inject
        Timed training events (road or centre closures, extra rain, delayed
        deliveries, observer reports, rumours, failed channels) from
        ``[[injects]]``, in file order; empty when none.
    observers : ObserversSection or None
        The community's observation points and their reports (``[observers]``,
        optional).
    triggers : tuple of TriggerSection
        The warning protocol combining model and community (``[[triggers]]``,
        optional): evaluated after the run per zone, beside the order given.
    ensemble : EnsembleSection
        Members and rain perturbations of ensemble runs (optional section).
    start : str or None
        The event start, ISO 8601 (``"2026-10-03T00:00-04:00"``); default: the
        rain file's first time. Without either, outputs show elapsed times only.
    timezone : str or None
        Zone of the clock times shown (IANA ``"America/Caracas"`` or ``"-04:00"``);
        default: the start's own offset, else UTC.
    source : pathlib.Path or None
        The scenario file (None when built from plain data).
    """

    name: str
    hazard: HazardSection
    population: PopulationSection
    evacuation: EvacuationSection
    description: str = ""
    seed: int = 0
    language: Literal["en", "es"] = "en"
    warning: WarningSection = WarningSection()
    shelter: ShelterSection = ShelterSection()
    injects: tuple[Inject, ...] = ()
    ensemble: EnsembleSection = EnsembleSection()
    observers: ObserversSection | None = None
    triggers: tuple[TriggerSection, ...] = ()
    start: Annotated[str, BeforeValidator(_start)] | None = None
    timezone: Annotated[str, BeforeValidator(_timezone)] | None = None
    source: Path | None = None

    @model_validator(mode="after")
    def _community(self) -> Scenario:
        problems = []
        observed = [
            f"triggers[{i}].when[{j}]"
            for i, t in enumerate(self.triggers)
            for j, c in enumerate(t.when)
            if c.kind in ("gauge_m", "gauge_mark", "indicators")
        ]
        if observed and self.observers is None:
            problems.append(
                f"{observed[0]} reads the community's reports: add an [observers] section "
                "with file = the observers CSV"
            )
        problems += _trigger_order(self.triggers)
        channels = [c.name for c in self.evacuation.channels]
        for i, inj in enumerate(self.injects):
            if inj.gauge_report is not None and self.observers is None:
                problems.append(
                    f"injects[{i}].gauge_report: add an [observers] section naming the "
                    "observation points"
                )
            if inj.fail_channel is not None and inj.fail_channel not in channels:
                close = difflib.get_close_matches(inj.fail_channel, channels, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                problems.append(
                    f"injects[{i}].fail_channel: {inj.fail_channel!r} is not a channel of "
                    f"evacuation.channels; {hint}use one of {', '.join(channels)}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def input_files(self) -> dict[str, Path]:
        """Return every input file by its dotted field name."""
        files: dict[str, Path] = {}

        def walk(obj: Any, prefix: str) -> None:
            for f in dataclasses.fields(obj):
                value = getattr(obj, f.name)
                name = f"{prefix}{f.name}"
                if isinstance(value, Path) and f.name != "source":
                    files[name] = value
                elif dataclasses.is_dataclass(value):
                    walk(value, name + ".")
                elif isinstance(value, tuple):
                    for i, item in enumerate(value):
                        if dataclasses.is_dataclass(item):
                            walk(item, f"{name}[{i}].")

        walk(self, "")
        return files

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (paths as strings), e.g. for hashing or JSON."""

        def plain(v: Any) -> Any:
            if dataclasses.is_dataclass(v):
                return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
            if isinstance(v, tuple | list):
                return [plain(x) for x in v]
            if isinstance(v, Path):
                return str(v)
            return v

        return plain(self)


def _trigger_order(triggers: tuple[TriggerSection, ...]) -> list[str]:
    """Thresholds of one kind that fall as the level rises (an orange below its yellow)."""
    names = ("green", "yellow", "orange", "red")
    seen: list[tuple[tuple[Any, ...], int, float, str]] = []
    problems = []
    for i, t in enumerate(triggers):
        level = names.index(t.level)
        for j, c in enumerate(t.when):
            kind = c.kind
            if kind == "gauge_mark":
                continue  # marks are names; their heights are checked with the observers file
            key = (kind, c.window, c.ahead, c.points, c.within)
            value = float(getattr(c, kind))
            where = f"triggers[{i}].when[{j}]"
            for other_key, other_level, other_value, other in seen:
                if other_key != key or other_level == level:
                    continue
                (lo, v_lo), (hi, v_hi) = sorted([(level, value), (other_level, other_value)])
                # rain, gauges and indicators rise with the level; arrival - clearance falls
                falls = kind == "arrival_minus_clearance"
                if (v_hi > v_lo) if falls else (v_hi < v_lo):
                    problems.append(
                        f"{where}: {kind} = {value:g} at {t.level} against {other_value:g} at "
                        f"{names[other_level]} ({other}): {names[hi]} must be "
                        f"{'at most' if falls else 'at least'} {names[lo]}'s {v_lo:g}; swap them "
                        "or check the units"
                    )
            seen.append((key, level, value, where))
    return problems


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=True)


def _section_type(ann: Any) -> type | None:
    """The section dataclass inside an annotation (``X``, ``X | None``, ``tuple[X, ...]``)."""
    if isinstance(ann, type) and dataclasses.is_dataclass(ann):
        return ann
    for arg in typing.get_args(ann) or ():
        found = _section_type(arg)
        if found is not None:
            return found
    return None


def _is_path(ann: Any) -> bool:
    return ann is Path or Path in (typing.get_args(ann) or ())


def _absolute(data: Any, base: Path, cls: type) -> Any:
    """Make the Path fields of raw TOML data absolute, relative to ``base``."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, ann in _hints(cls).items():
        if key not in out:
            continue
        value = out[key]
        if _is_path(ann) and isinstance(value, str):
            if "\x00" in value:  # the file system refuses it with a bare ValueError
                raise ScenarioError(
                    f"{key}: {value!r} is not a file path (it holds a NUL character): give the "
                    "file's path, relative to the scenario file"
                )
            out[key] = str((base / value).resolve())
            continue
        sub = _section_type(ann)
        if sub is not None:
            out[key] = (
                [_absolute(v, base, sub) for v in value]
                if isinstance(value, list)
                else _absolute(value, base, sub)
            )
    return out


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    cls: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        ann = _hints(cls).get(part)
        cls = _section_type(ann) if ann is not None else None
        if cls is None:
            return []
    return [f.name for f in dataclasses.fields(cls) if f.name != "source"]


def _format_loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _messages(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        where = _format_loc(loc)
        if e["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
            known = _fields_at(loc)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = (
                f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(known)})"
            )
            lines.append(f"{where}: unknown key{hint}")
        elif e["type"] in ("missing", "missing_argument"):
            lines.append(f"{where}: required but missing; add it (see the sample scenarios: drm list)")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            got = e.get("input")
            # a whole section is not what the user got wrong: its message names the keys
            if not loc:  # the scenario's own checks name their keys
                lines.append(msg)
            else:
                lines.append(f"{where}: {msg}" if isinstance(got, dict) else f"{where}: {msg}, got {got!r}")
    return lines


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """Return the scenario file for a path or a built-in scenario name.

    Parameters
    ----------
    name_or_path : str or path-like
        A ``.toml`` path, or the name of a built-in scenario (``"valle_alto"``).

    Returns
    -------
    pathlib.Path
        The absolute path of the scenario file.

    Raises
    ------
    DataNotFoundError
        If neither a file nor a built-in scenario has that name.

    Examples
    --------
    >>> resolve_scenario_path("valle_alto").name
    'valle_alto.toml'
    """
    p = Path(name_or_path).expanduser()
    if p.is_file():
        return p.resolve()
    if p.is_dir():
        found = sorted(q.name for q in p.glob("*.toml"))
        raise DataNotFoundError(
            f"{p} is a folder, not a scenario file: give the .toml file"
            + (f" (there: {', '.join(found[:8])})" if found else "")
        )
    from drm._resources import builtin_root

    candidate = builtin_root() / "scenarios" / f"{p.stem}.toml"
    if p.suffix in ("", ".toml") and p.parent == Path(".") and candidate.is_file():
        return candidate
    names = sorted(q.stem for q in (builtin_root() / "scenarios").glob("*.toml"))
    raise DataNotFoundError(
        f"scenario not found: {name_or_path} (neither a file nor a built-in scenario); check the path, "
        f"or use a built-in one: {', '.join(names)}"
    )


def scenario_from_dict(
    data: dict[str, Any], *, base: Path | None = None, source: Path | None = None
) -> Scenario:
    """Validate plain data (as read from TOML) into a :class:`Scenario`.

    Parameters
    ----------
    data : dict
        The scenario's keys and sections.
    base : pathlib.Path, optional
        Folder that relative paths start from (default: the current one).
    source : pathlib.Path, optional
        The file the data came from, for messages.

    Returns
    -------
    Scenario
        The validated scenario, its paths absolute.

    Raises
    ------
    ScenarioError
        Listing every problem, each with its dotted path.

    Examples
    --------
    >>> import drm
    >>> town = drm.datasets.builtin_path("hazard_data/valle_alto")
    >>> sc = scenario_from_dict(
    ...     {"name": "Valle Alto, my copy",
    ...      "hazard": {"dem": "dem.nc", "rainfall": "rain_100yr.nc", "duration": "6h"},
    ...      "population": {"grid": "population.nc"},
    ...      "evacuation": {"roads": "roads.geojson", "centres": "centres.csv"}},
    ...     base=town)
    >>> sc.hazard.duration, sc.hazard.dem.name
    (21600.0, 'dem.nc')
    """
    where = str(source) if source else "scenario"
    if "source" in data:
        raise ScenarioError(f"{where}: 'source' is reserved (it is set to the scenario file)")
    raw = _absolute(data, (base or Path(".")).resolve(), Scenario)
    raw["source"] = str(source) if source else None
    try:
        return TypeAdapter(Scenario).validate_python(raw)
    except ValidationError as err:
        lines = _messages(err)
        raise ScenarioError(f"{where}: {len(lines)} problem(s): " + "; ".join(lines)) from None


#: The largest scenario file drm reads (bytes): scenarios are a few kilobytes of settings.
MAX_SCENARIO_BYTES = 1_000_000


def scenario_text(path: Path) -> str:
    r"""The text of a scenario file: UTF-8 (a byte-order mark allowed), or Latin-1 with a warning.

    Spanish scenario files saved by older editors are often Windows-1252/Latin-1;
    they are read as such (every byte is a valid Latin-1 character) and a warning
    says so, with the line of the first non-UTF-8 byte. Files that are neither
    text nor small (a binary, a UTF-16 file, a file over
    :data:`MAX_SCENARIO_BYTES`) are refused.

    Parameters
    ----------
    path : pathlib.Path
        The scenario file.

    Returns
    -------
    str

    Raises
    ------
    ScenarioError
        A file too large, binary, or UTF-16/32.

    Examples
    --------
    >>> import tempfile, warnings
    >>> p = Path(tempfile.mkdtemp()) / "s.toml"
    >>> _ = p.write_bytes(b'name = "Tormenta de 100 a\xf1os"\n')
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     scenario_text(p)
    'name = "Tormenta de 100 años"\n'
    >>> "Latin-1" in str(caught[0].message)
    True
    """
    size = path.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"{path}: {size / 1e6:.1f} MB is far more than a scenario file holds (a few KB of "
            f"settings; drm reads up to {MAX_SCENARIO_BYTES / 1e6:g} MB): check that this is "
            "the scenario and not a data file, or remove what was pasted into it"
        )
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data:
        raise ScenarioError(
            f"{path}: not a text file in UTF-8 (it holds NUL bytes or a UTF-16 byte-order mark, "
            "as a binary or a UTF-16 file does): save it as UTF-8 text"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        at = err.start
    line = data[:at].count(b"\n") + 1
    try:  # Windows-1252: Latin-1 plus the curly quotes and dashes Windows editors write
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if _controls(text):
        raise ScenarioError(
            f"{path}: not UTF-8 text (byte {data[at]:#04x} on line {line}) and not Latin-1 "
            "text either: save it as UTF-8 text"
        )
    warn(
        f"{path}: not UTF-8 (byte {data[at]:#04x} on line {line}); read as Latin-1 "
        "(Windows-1252), as Spanish files saved by older editors are: check the accents in names, "
        "and save the file as UTF-8 to silence this"
    )
    return text


def _controls(text: str) -> bool:
    """Whether ``text`` holds control characters (C0 or C1) other than tab, newline and return."""
    return any((ord(ch) < 0x20 and ch not in "\t\n\r") or 0x7F <= ord(ch) < 0xA0 for ch in text)


def load_scenario(path: str | Path, *, check_files: bool = True) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        TOML file, or the name of a built-in scenario.
    check_files : bool
        Also report input files that do not exist.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem, each with its dotted path.

    Examples
    --------
    >>> s = load_scenario("valle_alto")
    >>> s.hazard.dem.name, s.evacuation.mode
    ('dem.nc', 'walk')
    """
    p = resolve_scenario_path(path)
    try:
        raw = tomllib.loads(scenario_text(p))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{p}: not valid TOML: {err}; check the line it names (a TOML "
                            "scenario has key = value lines under [sections])") from None
    scenario = scenario_from_dict(raw, base=p.parent, source=p)
    if check_files:
        missing = [
            f"{k}: file not found: {v} (paths are relative to the scenario file; check it)"
            for k, v in scenario.input_files().items()
            if not v.is_file()
        ]
        if missing:
            raise ScenarioError(f"{p}: {len(missing)} problem(s): " + "; ".join(missing))
    return scenario
