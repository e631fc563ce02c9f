"""Boundary conditions and inflows of the 2-D flood solver.

Edges are named by compass direction on a north-up grid: ``"north"`` is row 0,
``"south"`` the last row, ``"west"`` column 0, ``"east"`` the last column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from drm.errors import InputError
from drm.grids import GridSpec

__all__ = ["Boundary", "Inflow", "TimeSeries"]

Edge = Literal["north", "south", "east", "west"]
EDGES: tuple[Edge, ...] = ("west", "east", "north", "south")


@dataclass(frozen=True)
class TimeSeries:
    """A piecewise-linear time series (held constant before the first and after the last point).

    Attributes
    ----------
    time_s : numpy.ndarray
        Strictly increasing times (s since the start of the event).
    values : numpy.ndarray
        Values at those times, in the units of the series (m³/s for an
        inflow hydrograph, m for a water level).
    """

    time_s: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, data: Any, name: str, value_column: str = "discharge_m3s") -> TimeSeries:
        """Build from a number (constant), a ``(times, values)`` pair, a DataFrame or a TimeSeries."""
        if isinstance(data, TimeSeries):
            return data
        if isinstance(data, (int, float, np.integer, np.floating)):
            return cls(np.array([0.0]), np.array([float(data)]))
        if isinstance(data, pd.DataFrame):
            if "time_s" not in data or value_column not in data:
                raise InputError(f"{name}: a table needs columns 'time_s' and {value_column!r}")
            t, v = data["time_s"].to_numpy(float), data[value_column].to_numpy(float)
        else:
            try:
                t, v = (np.asarray(a, dtype=float) for a in data)
            except (TypeError, ValueError):
                raise InputError(
                    f"{name}: give a number, (times_s, values) or a DataFrame"
                ) from None
        if t.ndim != 1 or t.shape != v.shape or t.size == 0:
            raise InputError(f"{name}: times and values must be 1-D and of equal length")
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(v))):
            raise InputError(f"{name}: times and values must be finite")
        if np.any(np.diff(t) <= 0):
            raise InputError(f"{name}: times must strictly increase")
        return cls(t, v)

    def __call__(self, t: float) -> float:
        """Value at time ``t`` (s)."""
        return float(np.interp(t, self.time_s, self.values))

    def mean(self, t0: float, t1: float) -> float:
        """Exact mean over ``[t0, t1]`` of the piecewise-linear series."""
        if t1 <= t0:
            return self(t0)
        inner = self.time_s[(self.time_s > t0) & (self.time_s < t1)]
        ts = np.concatenate([[t0], inner, [t1]])
        vs = np.interp(ts, self.time_s, self.values)
        return float(np.trapezoid(vs, ts) / (t1 - t0))


@dataclass(frozen=True)
class Boundary:
    """A boundary condition on (a segment of) one edge of the grid.

    Parameters
    ----------
    edge : {"north", "south", "east", "west"}
        Which edge.
    kind : {"closed", "free", "level"}
        ``closed``: a wall. ``free``: free outflow at normal depth for the
        energy ``slope`` (default: the local ground slope towards the edge, at
        least ``min_slope``; where the ground rises towards the edge, as at the
        upstream end of a valley, the face stays closed). ``level``: a fixed or time-varying water-surface
        elevation (m), e.g. a river or sea level; water can flow in or out.
    start, end : float, optional
        Segment along the edge, as coordinates (m): x for north/south edges,
        y for east/west edges. Default: the whole edge.
    level : float, (times_s, levels_m) or TimeSeries, optional
        Water-surface elevation for ``kind="level"``, m.
    slope : float, optional
        Energy slope (m/m) for ``kind="free"``.
    min_slope : float
        Smallest slope (m/m) used when ``slope`` is taken from the ground.

    Examples
    --------
    >>> Boundary("west", "level", level=([0.0, 3600.0], [1500.0, 1502.0]))
    Boundary(edge='west', kind='level', ...)
    """

    edge: Edge
    kind: Literal["closed", "free", "level"] = "free"
    start: float | None = None
    end: float | None = None
    level: Any = None
    slope: float | None = None
    min_slope: float = 1e-3
    _series: TimeSeries | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.edge not in EDGES:
            raise InputError(f"boundary edge {self.edge!r} is not one of {', '.join(EDGES)}")
        if self.kind not in ("closed", "free", "level"):
            raise InputError(f"boundary kind {self.kind!r} is not 'closed', 'free' or 'level'")
        if self.kind == "level":
            if self.level is None:
                raise InputError(f"{self.edge} boundary of kind 'level' needs level= (m)")
            object.__setattr__(
                self, "_series", TimeSeries.of(self.level, f"{self.edge} boundary level")
            )
        if self.slope is not None and not self.slope > 0:
            raise InputError(f"{self.edge} boundary slope must be > 0, got {self.slope}")

    def __repr__(self) -> str:
        seg = (
            ""
            if self.start is None and self.end is None
            else f", start={self.start}, end={self.end}"
        )
        return f"Boundary(edge={self.edge!r}, kind={self.kind!r}, ...{seg})"

    def cells(self, spec: GridSpec) -> np.ndarray:
        """Indices along the edge (columns for north/south, rows for east/west) it covers."""
        along = spec.x if self.edge in ("north", "south") else spec.y
        lo = (
            -np.inf
            if self.start is None
            else min(self.start, self.end if self.end is not None else np.inf)
        )
        hi = (
            np.inf
            if self.end is None
            else max(self.end, self.start if self.start is not None else -np.inf)
        )
        half = spec.dx / 2
        idx = np.flatnonzero((along + half > lo) & (along - half < hi))
        if idx.size == 0:
            lo_edge, hi_edge = along.min() - half, along.max() + half
            raise InputError(
                f"{self.edge} boundary segment {self.start}..{self.end} m lies outside the grid's "
                f"{self.edge} edge ({lo_edge:.1f}..{hi_edge:.1f} m)"
            )
        return idx

    def level_at(self, t: float) -> float:
        """Water-surface elevation (m) at time ``t`` for a level boundary."""
        assert self._series is not None
        return self._series(t)


@dataclass(frozen=True)
class Inflow:
    """Water entering the grid at a point or along a line, with a hydrograph.

    Parameters
    ----------
    x, y : float or sequence of float
        A point, or the vertices of a line (m, the DEM's CRS); along a line the
        discharge is shared equally by the cells the line crosses.
    hydrograph : number, (times_s, discharge_m3s), DataFrame or TimeSeries
        Discharge in m³/s over time (a DataFrame needs ``time_s`` and ``discharge_m3s``).
    name : str
        Label for messages and reports.

    Examples
    --------
    >>> Inflow(258100.0, 949500.0, ([0.0, 7200.0, 21600.0], [20.0, 900.0, 60.0])).name
    'inflow'
    """

    x: Any
    y: Any
    hydrograph: Any
    name: str = "inflow"
    _series: TimeSeries | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        series = TimeSeries.of(self.hydrograph, f"inflow {self.name!r} hydrograph")
        if np.any(series.values < 0):
            raise InputError(f"inflow {self.name!r}: discharge must be >= 0 (m3/s)")
        object.__setattr__(self, "_series", series)

    @property
    def series(self) -> TimeSeries:
        """The hydrograph as a :class:`TimeSeries` (m³/s)."""
        assert self._series is not None
        return self._series

    def cells(self, spec: GridSpec) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of the cells receiving the inflow."""
        xs = np.atleast_1d(np.asarray(self.x, dtype=float))
        ys = np.atleast_1d(np.asarray(self.y, dtype=float))
        if xs.shape != ys.shape:
            raise InputError(f"inflow {self.name!r}: x and y must have the same length")
        if xs.size > 1:  # densify the line at a quarter cell
            pts_x, pts_y = [xs[:1]], [ys[:1]]
            for k in range(xs.size - 1):
                n = max(
                    int(np.ceil(np.hypot(xs[k + 1] - xs[k], ys[k + 1] - ys[k]) / (spec.dx / 4))), 1
                )
                f = np.arange(1, n + 1) / n
                pts_x.append(xs[k] + f * (xs[k + 1] - xs[k]))
                pts_y.append(ys[k] + f * (ys[k + 1] - ys[k]))
            xs, ys = np.concatenate(pts_x), np.concatenate(pts_y)
        cols = np.floor((xs - spec.x0) / spec.dx + 0.5).astype(np.int64)
        rows = np.floor((ys - spec.y0) / spec.ystep + 0.5).astype(np.int64)
        inside = (rows >= 0) & (rows < spec.ny) & (cols >= 0) & (cols < spec.nx)
        if not inside.all():
            k = int(np.flatnonzero(~inside)[0])
            raise InputError(
                f"inflow {self.name!r} at x={xs[k]:.1f}, y={ys[k]:.1f} lies outside the DEM"
            )
        cells = np.unique(rows * spec.nx + cols)
        return cells // spec.nx, cells % spec.nx
