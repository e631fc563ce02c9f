"""What a scenario run produced: :class:`ScenarioResult`, its tables, and its data files.

The result is built by :func:`drm.scenario.run_scenario` and read by the
report (:mod:`drm.report`), the exercise mode and the ensemble store; it
imports none of them. :meth:`ScenarioResult.to_files` writes the machine
outputs (``summary.json``, ``flood.nc``, one CSV per table); the figures and
``report.html`` are added by :func:`drm.scenario.outputs.write_outputs`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drm._display import ReportView, ResultMixin, add_clock_columns, add_lonlat, readable_times
from drm.clock import EventClock
from drm.errors import DrmError
from drm.grids import get_crs
from drm.hazard.store import save_flood
from drm.io import write_json, write_table
from drm.scenario.inputs import ScenarioInputs
from drm.scenario.schema import Scenario
from drm.units import format_duration

__all__ = ["CLOCK_COLUMNS", "ScenarioResult", "event_clock"]

#: Columns (or a table's index) that hold times since the start of the event (s), in any
#: table of :meth:`ScenarioResult.tables`; each gets a ``<name>_local`` clock-time column
#: (``first_at_risk_s`` -> ``first_at_risk_local``, the ``time_s`` index -> ``time_local``).
#: Durations (``clearance_s``, ``slack_s``, ``warned_s`` after the order, ``stockout_s``) do not.
CLOCK_COLUMNS = (
    "time_s", "time", "first_at_risk_s", "latest_order_s", "order_s", "completion_s",
    "departure_s", "arrival_s", "caught_s", "first_stockout_s", "start_s", "end_s",
    "observed_s", "reported_s", "first_yellow_s", "first_orange_s", "first_red_s",
)  # fmt: skip
#: Coordinate columns (m, working CRS) that get WGS 84 ``lat``/``lon`` beside them.
_SITES = (("x", "y"), ("caught_x", "caught_y"))


def event_clock(scenario: Scenario, inputs: ScenarioInputs) -> EventClock:
    """The event's clock of a scenario: its ``start`` (else the rain file's first time) and ``timezone``.

    Parameters
    ----------
    scenario : Scenario
        The scenario (keys ``start``, ``timezone``).
    inputs : ScenarioInputs
        Its inputs (the rain's ``start_time`` attribute, from a dated time axis).

    Returns
    -------
    EventClock
        ``known`` is False when neither gives a start.

    Examples
    --------
    >>> from drm.scenario import load_scenario, load_inputs
    >>> sc = load_scenario("jacksboro")
    >>> event_clock(sc, load_inputs(sc)).label(5400.0)  # doctest: +SKIP
    '2026-05-09 01:30 -04'
    """
    start = scenario.start or inputs.rainfall.attrs.get("start_time")
    return EventClock.of(start, scenario.timezone)


@dataclass(frozen=True, repr=False)
class ScenarioResult(ResultMixin):
    """Everything a scenario run produced (see :func:`drm.scenario.run_scenario`).

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
    observations : pandas.DataFrame or None
        What the community reported and when (``[observers]``; see
        :class:`drm.scenario.stages.CommunityStage`).
    triggers : TriggerAlerts or None
        The ``[[triggers]]`` protocol's alert levels per zone.
    protocol : pandas.DataFrame or None
        Per zone: when the protocol reached each level and from which source,
        beside the modelled arrival and the latest safe order.
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
    observations: pd.DataFrame | None = None
    triggers: Any = None
    protocol: pd.DataFrame | None = None

    @property
    def clock(self) -> EventClock:
        """The event's clock: the scenario's ``start`` (else the rain file's first time) and ``timezone``."""
        return event_clock(self.scenario, self.inputs)

    def _summary(self) -> list[tuple[str, Any]]:
        s = self.summary
        ev = s["evacuation"]
        clock = self.clock
        return [
            ("scenario", self.scenario.name),
            ("event start", clock.label(0.0) if clock.known else "unknown (elapsed times only)"),
            ("people at risk", f"{s['exposure']['persons_at_risk']:,.0f} in {s['exposure']['zones_at_risk']} zones"),
            ("evacuation order", _clock(s["warning"]["order_time_s"], clock)),
            ("first water in a zone with people", _clock(s["warning"]["first_arrival_s"], clock)),
            ("latest safe order (earliest zone)", _clock(s["warning"]["latest_order_s"], clock)),
            *self._outcomes(),
            ("clearance after the order", format_duration(ev.get("clearance_time_s", float("nan")))),
            ("centres used", f"{s['centres']['used']} of {s['centres']['candidates']}"),
            ("outputs", str(self.out_dir) if self.out_dir is not None else "not written"),
        ]  # fmt: skip

    def _outcomes(self) -> list[tuple[str, str]]:
        """Where the people ended, as the evacuation's own summary counts them."""
        if self.evacuation is None:
            return [("evacuation", "none (no order)")]
        ev = self.evacuation.summary()
        place = self.evacuation.persons_safe_by_place()
        return [
            ("in centres / on safe ground", f"{place['centres']:,.0f} / {place['safe ground']:,.0f}"),
            ("caught / turned away (no space) / stranded / stayed",
             f"{ev['persons_caught']:,.0f} / {ev['persons_no_space']:,.0f} / "
             f"{ev['persons_stranded']:,.0f} / {ev['persons_stayed']:,.0f}"),
        ]  # fmt: skip

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("zones", self.zones_table())]

    def zones_table(self) -> pd.DataFrame:
        """People at risk per zone joined with the zone's decision clock (latest order time).

        Times in seconds, as ``zones.csv`` holds them; ``tables(readable=True)["zones"]``
        is the same table with its times as :class:`pandas.Timedelta`.
        """
        zones = self.exposure.zones.copy()
        if self.decision is not None:
            zones = zones.join(
                self.decision.table.drop(columns=["arrival_s"], errors="ignore"), how="left"
            )
        return zones

    def tables(self, *, readable: bool = False) -> dict[str, pd.DataFrame]:
        """The run's tables by file stem, with clock times and lat/lon; times as durations to read.

        Parameters
        ----------
        readable : bool
            False (default): the tables as the CSV files of :meth:`to_files` hold
            them, every time and duration in seconds (``*_s`` columns). True: the
            form for reading, in a notebook say (and the one the Jupyter display
            of the result shows): those columns as :class:`pandas.Timedelta`
            (``arrival_s`` -> ``arrival``, ``0 days 03:23:00``), rounded to the
            second, NaN and "never" (inf) as NaT (see
            :func:`drm._display.readable_times`).

        Returns
        -------
        dict of str to pandas.DataFrame
            ``zones``, ``centres``, ``warehouses``, ``alerts``, ``observations``,
            ``protocol``, ``protocol_levels``, ``evacuation_*``,
            ``shelter_*`` and ``assessment``: only the tables of the stages that ran (no evacuation tables
            without an order, no shelter tables without arrivals or stock). Beside
            every time since the start of the event (:data:`CLOCK_COLUMNS`, s) a
            ``<name>_local`` column holds the local clock time
            (``"2026-10-03 14:30 -04"``) when the event start is known; beside
            every site's ``x``/``y`` (m, the DEM's CRS) ``lat``/``lon`` (WGS 84 degrees,
            6 decimals; ``caught_lat``/``caught_lon`` beside ``caught_x``/``caught_y``).

        Examples
        --------
        >>> result = drm.run_scenario("valle_alto", progress=False)  # doctest: +SKIP
        >>> result.tables()["zones"]["first_at_risk_s"].iloc[0]  # doctest: +SKIP
        np.float64(5400.0)
        >>> result.tables(readable=True)["zones"]["first_at_risk"].iloc[0]  # doctest: +SKIP
        Timedelta('0 days 01:30:00')
        """
        clock, crs = self.clock, get_crs(self.inputs.dem)
        tables = {
            stem: _with_sites(
                add_clock_columns(table, clock, CLOCK_COLUMNS), crs
            )
            for stem, table in self._raw_tables().items()
        }
        return {k: readable_times(t) for k, t in tables.items()} if readable else tables

    def _raw_tables(self) -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {"zones": self.zones_table()}
        centres = self.centres.drop(columns=["geometry"], errors="ignore").copy()
        if self.operations is not None:
            centres["peak_occupancy"] = (
                self.operations.ds["occupancy"].max("time").to_series().reindex(centres.index)
            )
        out["centres"] = centres
        if self.inputs.warehouses is not None:
            out["warehouses"] = self.inputs.warehouses
        if self.alerts is not None:
            out["alerts"] = self.alerts.levels
        if self.observations is not None:
            out["observations"] = self.observations
        if self.triggers is not None:
            out["protocol"] = self.protocol
            out["protocol_levels"] = self.triggers.levels
        if self.evacuation is not None:
            ev = self.evacuation
            out["evacuation_households"] = ev.households
            out["evacuation_timeline"] = ev.timeline
            out["evacuation_arrivals"] = ev.arrivals.to_pandas()
            out["evacuation_roads"] = ev.roads
        if self.operations is not None:
            ops = self.operations
            out["shelter_summary"] = ops.summary
            out["shelter_items"] = ops.items_table()
            out["shelter_occupancy"] = ops.ds["occupancy"].to_pandas().rename_axis(index="time_s")
            out["shelter_stockouts"] = ops.stockouts
            out["shelter_deliveries"] = ops.deliveries
        if self.assessment is not None:
            out["assessment"] = self.assessment.table
        return out

    def to_files(self, folder: str | os.PathLike[str], *, prefix: str = "") -> dict[str, Path]:
        """Write the run's data files into ``folder`` (created), atomically.

        Parameters
        ----------
        folder : str or path-like
            The output folder.
        prefix : str
            Put before every file name.

        Returns
        -------
        dict of str to pathlib.Path
            ``summary`` (``summary.json``), ``flood`` (``flood.nc``, as
            :meth:`drm.hazard.FloodResult.to_files` writes it) and one CSV per
            table of :meth:`tables`, by name (with the prefix).

        Examples
        --------
        >>> result = drm.run_scenario("valle_alto", progress=False)  # doctest: +SKIP
        >>> sorted(result.to_files("out"))[:3]  # doctest: +SKIP
        ['alerts', 'assessment', 'centres']
        """
        out = Path(folder)
        files = {f"{prefix}summary": write_json(self.summary, out / f"{prefix}summary.json")}
        # the flood once, with its time axis on the event's clock (dates in a GIS)
        files[f"{prefix}flood"] = save_flood(
            self.flood, out / f"{prefix}flood.nc", start=self.clock.start
        )
        for stem, table in self.tables().items():
            files[prefix + stem] = write_table(table, out / f"{prefix}{stem}.csv")
        return files

    def report(self, height: int = 800) -> ReportView:
        """The run's ``report.html``, shown in place by Jupyter (``result.report()`` in a cell).

        Parameters
        ----------
        height : int
            Height of the frame in the notebook (CSS pixels).

        Returns
        -------
        ReportView
            Its ``path`` is the report file; its ``html`` the page.

        Raises
        ------
        DrmError
            The run wrote no output folder (``out_dir`` was None).
        DataNotFoundError
            The folder holds no ``report.html`` (deleted, or written by a run that stopped).

        Examples
        --------
        >>> result = drm.run_scenario("valle_alto", "results/valle_alto", progress=False)  # doctest: +SKIP
        >>> result.report()  # doctest: +SKIP
        """
        if self.out_dir is None:
            raise DrmError(
                f"{self.scenario.name}: this run wrote no output folder, so there is no report to "
                "show; run it with one, drm.run_scenario(scenario, out_dir), then call .report()"
            )
        return ReportView(self.files.get("report", self.out_dir / "report.html"), height=height)

    def plot(self) -> Any:
        """The run at a glance: maximum depth with the centres, and people at risk, safe and caught over time.

        The report's maps and timeline (:mod:`drm.report.figures`) draw the
        same run in more detail.

        Returns
        -------
        matplotlib.figure.Figure
            Left: maximum depth (m) over a hillshade, centres in use (triangles)
            and left out (crosses). Right: persons over hours since the start of
            the event, with the evacuation order marked.
        """
        import matplotlib.pyplot as plt

        from drm.grids import grid_bounds
        from drm.plotting import OKABE_ITO, add_scale_bar, plot_hillshade

        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.6), layout="constrained")
        ds = self.flood.ds
        plot_hillshade(ds["elevation"], ax)
        xmin, ymin, xmax, ymax = grid_bounds(ds["max_depth"])
        depth = ds["max_depth"].where(ds["max_depth"] >= ds.attrs.get("arrival_depth_m", 0.05))
        im = ax.imshow(depth.values, extent=(xmin, xmax, ymin, ymax), cmap="Blues",
                       interpolation="nearest", vmin=0)  # fmt: skip
        fig.colorbar(im, ax=ax, shrink=0.75, label="maximum depth (m)")
        c = self.centres
        for used, marker, label in ((True, "^", "centre in use"), (False, "x", "centre left out")):
            sel = c[c["used"] == used]
            if len(sel):
                ax.scatter(sel["x"], sel["y"], marker=marker, color=OKABE_ITO[5 if used else 7],
                           s=40, label=label, zorder=3)  # fmt: skip
        ax.legend(fontsize="small", loc="upper left")
        ax.set_title(self.scenario.name)
        add_scale_bar(ax)
        tl = self.exposure.timeline
        ax2.plot(tl.index.to_numpy(float) / 3600.0, tl["total"], color="black", label="in water now")
        if self.evacuation is not None:
            ev = self.evacuation.timeline
            hours = ev.index.to_numpy(float) / 3600.0
            for k, (col, label) in enumerate(
                (("departed", "left home"), ("safe", "safe"), ("caught", "caught by water"))
            ):
                ax2.plot(hours, ev[col], color=OKABE_ITO[k], label=label)
        if self.order_time_s is not None:
            ax2.axvline(self.order_time_s / 3600.0, color="grey", ls="--", label="order")
        ax2.set_xlabel("time since the start of the event (h)")
        ax2.set_ylabel("persons")
        ax2.legend(fontsize="small")
        return fig


def _clock(seconds: float | None, clock: EventClock) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "none"
    label = clock.label(seconds)
    return f"{format_duration(seconds)} after the start" + (f" ({label})" if label else "")


def _with_sites(table: pd.DataFrame, crs: Any) -> pd.DataFrame:
    for x, y in _SITES:
        table = add_lonlat(table, crs, x, y)
    return table
