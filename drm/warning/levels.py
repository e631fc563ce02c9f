"""Alert levels from threshold rules on rain accumulations and on modelled depth or level.

A :class:`ThresholdRule` gives the values (m) at which a quantity raises the
alert to yellow, orange and red. Three quantities are supported:

``"rain"``
    Rain accumulated over a trailing window (intensity-duration rules such as
    "40 mm in 1 h" or "80 mm in 6 h"), from a drm rainfall grid, as an areal
    mean over a catchment mask or at points (:func:`rain_accumulation`).
``"depth"`` and ``"level"``
    Water depth, or water-surface elevation (ground + depth), at warning
    points of a :class:`~drm.hazard.flood.FloodResult` (:func:`flood_series`).

The alert level of a site at a time is the highest level whose threshold the
value reaches (``value >= threshold``); several rules combine by taking the
highest level of any rule (:func:`combine_alerts`), each holding its level
until it is evaluated again. Levels are coded 0 green, 1 yellow, 2 orange,
3 red (:data:`LEVELS`).

Rain accumulations are exact for drm's piecewise-constant rain rates: the
cumulative depth is linear within each interval, so a window that starts
inside an interval takes the right part of it. Rain before the first
interval counts as zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from drm._display import ResultMixin, fmt_when
from drm.clock import EventClock
from drm.errors import GridError, InputError
from drm.grids import check_grid, xy_to_rowcol
from drm.regrid import Regridder
from drm.units import format_duration, parse_duration

__all__ = [
    "LEVELS",
    "LEVEL_COLOURS",
    "Alerts",
    "ThresholdRule",
    "alert_levels",
    "combine_alerts",
    "flood_alerts",
    "flood_series",
    "level_code",
    "rain_accumulation",
    "rain_alerts",
]

#: Alert level names by code.
LEVELS = ("green", "yellow", "orange", "red")
#: Colours used in plots, by level.
LEVEL_COLOURS = ("#1a9850", "#fee08b", "#f46d43", "#a50026")

#: Relative tolerance of the threshold test.
REL_TOL = 1e-9

Quantity = Literal["rain", "depth", "level"]


def level_code(level: str | int) -> int:
    """Return the code (0-3) of a level name or code.

    Examples
    --------
    >>> level_code("orange"), level_code(3)
    (2, 3)
    """
    if isinstance(level, str) and level.lower() in LEVELS:
        return LEVELS.index(level.lower())
    if isinstance(level, (int, np.integer)) and 0 <= int(level) < len(LEVELS):
        return int(level)
    raise InputError(f"unknown alert level {level!r}; use one of {', '.join(LEVELS)} or 0-3")


def _window(seconds: float) -> str:
    """Short label of a window: '6h', '90min', else format_duration."""
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g}min"
    return format_duration(seconds)


@dataclass(frozen=True)
class ThresholdRule:
    """Thresholds (m) at which a quantity raises the alert level.

    Parameters
    ----------
    quantity : {"rain", "depth", "level"}
        Rain accumulated over ``duration_s``; water depth; water-surface
        elevation (same datum as the DEM).
    yellow_m, orange_m, red_m : float, optional
        Thresholds in metres (rain: metres of water, 40 mm = 0.040); give at
        least one; given thresholds must increase from yellow to red.
    duration_s : float or str, optional
        Accumulation window for rain (e.g. ``"6h"``); not used otherwise.
    name : str, optional
        Label; default e.g. ``"rain 6h"``, ``"depth"``.

    Raises
    ------
    InputError
        No threshold, thresholds not increasing, negative rain or depth
        thresholds, rain without a window.

    Examples
    --------
    >>> r = ThresholdRule("rain", orange_m=0.040, red_m=0.080, duration_s="6h")
    >>> r.name, r.classify([0.01, 0.04, 0.1]).tolist()
    ('rain 6h', [0, 2, 3])
    """

    quantity: Quantity
    yellow_m: float | None = None
    orange_m: float | None = None
    red_m: float | None = None
    duration_s: Any = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.quantity not in ("rain", "depth", "level"):
            raise InputError(f"quantity must be 'rain', 'depth' or 'level', got {self.quantity!r}")
        given = self.thresholds
        if not given:
            raise InputError(
                f"{self.quantity} rule: give at least one of yellow_m, orange_m, red_m"
            )
        values = list(given.values())
        if not all(np.isfinite(values)):
            raise InputError(f"{self.quantity} rule: thresholds must be finite, got {values}")
        if self.quantity != "level" and min(values) < 0:
            raise InputError(f"{self.quantity} rule: thresholds must be >= 0 m, got {values}")
        if any(b <= a for a, b in pairwise(values)):
            raise InputError(
                f"{self.quantity} rule: thresholds must increase yellow < orange < red, got {values}"
            )
        if self.quantity == "rain":
            if self.duration_s is None:
                raise InputError("rain rule: give duration_s, the accumulation window (e.g. '1h')")
            d = parse_duration(self.duration_s, "duration_s")
            if d <= 0:
                raise InputError("rain rule: duration_s must be > 0")
            object.__setattr__(self, "duration_s", d)
        elif self.duration_s is not None:
            raise InputError(f"{self.quantity} rule: duration_s applies to rain rules only")
        if not self.name:
            label = f"rain {_window(self.duration_s)}" if self.quantity == "rain" else self.quantity
            object.__setattr__(self, "name", label)

    @property
    def thresholds(self) -> dict[int, float]:
        """Given thresholds (m) by level code."""
        out = {}
        for code, value in ((1, self.yellow_m), (2, self.orange_m), (3, self.red_m)):
            if value is not None:
                out[code] = float(value)
        return out

    def classify(self, values: Any) -> np.ndarray:
        """Level code (0-3) of each value: the highest level whose threshold it reaches; NaN is 0.

        A value reaches a threshold when ``value >= threshold`` to within a
        relative 1e-9, so that rounding in unit conversions (60 mm summed from
        rates in m/s) does not hide an exact hit.
        """
        v = np.asarray(values, dtype=float)
        out = np.zeros(v.shape, dtype=np.int8)
        with np.errstate(invalid="ignore"):
            for code, thr in self.thresholds.items():
                out = np.where(v >= thr - REL_TOL * abs(thr), np.int8(code), out).astype(np.int8)
        return out


def _sites(points: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names and coordinates of points given as a DataFrame (x, y), a dict name -> (x, y) or pairs."""
    if isinstance(points, pd.DataFrame):
        if not {"x", "y"} <= set(points.columns):
            raise InputError("points table needs 'x' and 'y' columns (m)")
        return (
            [str(i) for i in points.index],
            points["x"].to_numpy(float),
            points["y"].to_numpy(float),
        )
    if isinstance(points, Mapping):
        xy = np.array([tuple(v) for v in points.values()], dtype=float).reshape(-1, 2)
        return [str(k) for k in points], xy[:, 0], xy[:, 1]
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    return [f"p{k}" for k in range(len(xy))], xy[:, 0], xy[:, 1]


def _area_weights(rain: xr.DataArray, mask: Any, name: str) -> np.ndarray:
    """Weights on the rain cells giving the areal mean of the rain over ``mask``'s cells."""
    if not isinstance(mask, xr.DataArray):
        raise InputError(
            f"area {name!r}: expected a mask grid (xarray.DataArray), got {type(mask).__name__}"
        )
    check_grid(mask, f"area {name!r}", allow_all_nan=True)
    m = np.nan_to_num(np.asarray(mask.values, dtype=float)) > 0
    if not m.any():
        raise InputError(f"area {name!r}: the mask selects no cell")
    w = Regridder.between(rain.isel(time=0), mask, "conservative")
    if np.min(w.coverage[m]) < 1.0 - 1e-6:
        raise GridError(f"area {name!r}: the rainfall grid does not cover the whole area")
    return (w.wy.T @ m.astype(float) @ w.wx) / m.sum()


def _check_rain(rainfall: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rain rates (time, y, x) in m/s and the interval edges (s) of a drm rainfall grid."""
    check_grid(rainfall, "rainfall", time=True)
    if rainfall.attrs.get("units") not in ("m s-1", "m/s"):
        raise InputError(
            f"rainfall has units {rainfall.attrs.get('units')!r}; build it with drm.io.rainfall_grid or "
            "read it with drm.io.read_rainfall (rate in m s-1)"
        )
    r = np.asarray(rainfall.values, dtype=float)
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise InputError("rainfall has NaN or negative rates")
    starts = np.asarray(rainfall["time"].values, dtype=float)
    if "interval_end_s" in rainfall.attrs:
        end = float(rainfall.attrs["interval_end_s"])
    elif starts.size > 1:
        end = float(2 * starts[-1] - starts[-2])
    else:
        raise InputError("rainfall with one interval needs attrs['interval_end_s']")
    return r, np.append(starts, end)


def rain_accumulation(
    rainfall: xr.DataArray, duration: Any, *, areas: Any = None, points: Any = None
) -> pd.DataFrame:
    """Rain (m) fallen over the ``duration`` before each interval end, over areas or at points.

    Parameters
    ----------
    rainfall : xarray.DataArray
        drm rainfall grid: rate (m s-1), dims (time, y, x), time = interval
        starts (s), ``attrs["interval_end_s"]``.
    duration : float or str
        Trailing window (s, or a duration such as ``"1h"``).
    areas : xarray.DataArray or dict of str to DataArray, optional
        Catchment masks (True/1 inside) on any grid the rain covers, e.g.
        :func:`drm.hazard.catchment`; a single mask is named ``"area"``. The
        areal mean weights each rain cell by its overlap with the mask's cells.
    points : DataFrame with x, y, dict name -> (x, y), or sequence of (x, y), optional
        Rain at the cell containing each point.

    Returns
    -------
    pandas.DataFrame
        Accumulations (m), one column per area then point, indexed by
        ``time_s`` (each interval end); ``attrs`` hold ``duration_s``.

    Examples
    --------
    >>> from drm.io import rainfall_grid
    >>> rain = rainfall_grid(np.array([10.0, 30.0, 0.0]).reshape(3, 1, 1) * np.ones((3, 2, 2)),
    ...                      x=[5.0, 15.0], y=[15.0, 5.0], time_s=[0.0, 3600.0, 7200.0])
    >>> (rain_accumulation(rain, "90min", points={"gauge": (5.0, 5.0)}) * 1000).round(6)["gauge"].tolist()
    [10.0, 35.0, 15.0]
    """
    if areas is None and points is None:
        raise InputError("give areas=... (catchment masks) and/or points=...")
    d = parse_duration(duration, "duration")
    if d <= 0:
        raise InputError("duration must be > 0")
    rates, edges = _check_rain(rainfall)
    names: list[str] = []
    columns: list[np.ndarray] = []
    if areas is not None:
        items = {"area": areas} if isinstance(areas, xr.DataArray) else dict(areas)
        for name, mask in items.items():
            w = _area_weights(rainfall, mask, str(name))
            names.append(str(name))
            columns.append(np.einsum("tyx,yx->t", rates, w))
    if points is not None:
        pnames, xs, ys = _sites(points)
        rows, cols = xy_to_rowcol(rainfall, xs, ys, name="rain point")
        names += pnames
        columns += list(rates[:, rows, cols].T)
    if len(set(names)) != len(names):
        raise InputError(f"area and point names must be unique, got {names}")
    site_rates = np.stack(columns, axis=1)
    cum = np.vstack([np.zeros(len(names)), np.cumsum(site_rates * np.diff(edges)[:, None], axis=0)])
    ends = edges[1:]
    before = np.column_stack(
        [np.interp(ends - d, edges, cum[:, k], left=0.0) for k in range(len(names))]
    )
    out = pd.DataFrame(cum[1:] - before, index=pd.Index(ends, name="time_s"), columns=names)
    out.attrs = {"duration_s": d, "units": "m"}
    return out


def _at_cells(da: xr.DataArray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Values (time, site) of a (time, y, x) variable at cells, reading only those cells."""
    return da.isel(y=xr.DataArray(rows, dims="site"), x=xr.DataArray(cols, dims="site")).values


def flood_series(
    flood: Any, points: Any, quantity: Literal["depth", "level"] = "depth"
) -> pd.DataFrame:
    """Depth or water-surface level (m) at points over the frames of a flood result.

    Parameters
    ----------
    flood : drm.hazard.flood.FloodResult or xarray.Dataset
        The result or its ``ds``: ``depth`` (time, y, x) and ``elevation`` are used.
    points : DataFrame with x, y, dict name -> (x, y), or sequence of (x, y)
        Warning points in the DEM's CRS (m).
    quantity : {"depth", "level"}
        ``"level"`` adds the ground elevation of the point's cell.

    Returns
    -------
    pandas.DataFrame
        One column per point, indexed by ``time_s``.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"depth": (("time", "y", "x"), np.full((2, 2, 2), 0.5)),
    ...                  "elevation": (("y", "x"), np.full((2, 2), 100.0))},
    ...                 coords={"time": [0.0, 600.0], "y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> flood_series(ds, {"bridge": (5, 5)}, "level")["bridge"].tolist()
    [100.5, 100.5]
    """
    if quantity not in ("depth", "level"):
        raise InputError(f"quantity must be 'depth' or 'level', got {quantity!r}")
    ds = flood if isinstance(flood, xr.Dataset) else flood.ds
    names, xs, ys = _sites(points)
    rows, cols = xy_to_rowcol(ds["elevation"], xs, ys, name="warning point")
    values = np.asarray(_at_cells(ds["depth"], rows, cols), dtype=float)
    if quantity == "level":
        values = values + np.asarray(ds["elevation"].values, dtype=float)[rows, cols]
    out = pd.DataFrame(
        values, index=pd.Index(np.asarray(ds["time"].values, float), name="time_s"), columns=names
    )
    out.attrs = {"units": "m", "quantity": quantity}
    return out


@dataclass(frozen=True, eq=False, repr=False)
class Alerts(ResultMixin):
    """Alert levels of sites (areas or points) over time.

    Attributes
    ----------
    levels : pandas.DataFrame
        Level codes (0 green .. 3 red, int8), one column per site, indexed by
        ``time_s``; a level holds until the next row.
    values : dict of str to pandas.DataFrame
        The quantity each rule was evaluated on (m), by rule name.
    rules : tuple of ThresholdRule
        The rules applied.
    clock : EventClock, optional
        The event's clock: the text form shows local clock times beside the
        elapsed ones (``dataclasses.replace(alerts, clock=result.clock)``).
    """

    levels: pd.DataFrame
    values: Mapping[str, pd.DataFrame]
    rules: tuple[ThresholdRule, ...]
    clock: EventClock | None = None

    def first_time(self, level: str | int = "yellow") -> pd.Series:
        """First time (s) each site reaches ``level`` or higher; NaN if never.

        Examples
        --------
        >>> a = alert_levels(pd.DataFrame({"s": [0.0, 0.05, 0.2]}, index=[0.0, 60.0, 120.0]),
        ...                  ThresholdRule("depth", yellow_m=0.05, red_m=0.15))
        >>> a.first_time("yellow")["s"], a.first_time("red")["s"]
        (np.float64(60.0), np.float64(120.0))
        """
        code = level_code(level)
        reached = self.levels.to_numpy() >= code
        times = self.levels.index.to_numpy(dtype=float)
        first = np.where(reached.any(axis=0), times[np.argmax(reached, axis=0)], np.nan)
        return pd.Series(first, index=self.levels.columns, name=f"first_{LEVELS[code]}_s")

    def highest(self) -> pd.Series:
        """Highest level name each site reaches."""
        top = self.levels.max(axis=0).astype(int)
        return top.map(lambda c: LEVELS[c]).rename("highest_level")

    def named(self) -> pd.DataFrame:
        """Levels as ordered categorical names (green < yellow < orange < red)."""
        cat = pd.CategoricalDtype(list(LEVELS), ordered=True)
        return self.levels.apply(lambda col: pd.Categorical.from_codes(col.to_numpy(), dtype=cat))

    def _summary(self) -> list[tuple[str, Any]]:
        top = self.highest()
        t = self.levels.index
        out: list[tuple[str, Any]] = [
            ("rules", ", ".join(r.name for r in self.rules)),
            ("sites", len(self.levels.columns)),
            ("times", f"{len(t)} from {fmt_when(t.min(), self.clock)} to {fmt_when(t.max(), self.clock)}"),
        ]
        for name in reversed(LEVELS[1:]):
            sites = top.index[top == name]
            if len(sites):
                first = self.first_time(name)[sites].min()
                out.append(
                    (f"sites reaching {name}", f"{len(sites)} (first at {fmt_when(first, self.clock)})")
                )
        return out

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("levels", self.levels)] + [(f"{k} values", v) for k, v in self.values.items()]

    def plot(self) -> Any:
        """One panel of values and thresholds per rule, then a strip of levels per site.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt
        from matplotlib.colors import BoundaryNorm, ListedColormap

        n = len(self.rules)
        fig, axes = plt.subplots(
            n + 1, 1, figsize=(8, 2.4 * (n + 1)), sharex=True, layout="constrained", squeeze=False
        )
        for ax, rule in zip(axes[:-1, 0], self.rules, strict=True):
            v = self.values[rule.name]
            for col in v.columns[:8]:
                ax.plot(
                    v.index / 3600,
                    v[col] * (1000 if rule.quantity == "rain" else 1),
                    label=str(col),
                )
            for code, thr in rule.thresholds.items():
                ax.axhline(
                    thr * (1000 if rule.quantity == "rain" else 1),
                    color=LEVEL_COLOURS[code],
                    ls="--",
                )
            ax.set_ylabel(f"{rule.name} ({'mm' if rule.quantity == 'rain' else 'm'})")
            ax.legend(fontsize="small", loc="upper left")
        t = self.levels.index.to_numpy(dtype=float)
        step = np.diff(t)[-1] if t.size > 1 else 3600.0
        edges = np.append(t, t[-1] + step) / 3600
        ax = axes[-1, 0]
        ax.pcolormesh(
            edges,
            np.arange(self.levels.shape[1] + 1),
            self.levels.to_numpy().T,
            cmap=ListedColormap(LEVEL_COLOURS),
            norm=BoundaryNorm(np.arange(-0.5, 4), 4),
        )
        ax.set_yticks(np.arange(self.levels.shape[1]) + 0.5, [str(c) for c in self.levels.columns])
        ax.set_xlabel("time since the start of the event (h)")
        ax.set_title("alert level", fontsize="medium")
        return fig


def alert_levels(values: pd.DataFrame | pd.Series, rule: ThresholdRule) -> Alerts:
    """Apply one rule to a table of values (one column per site, indexed by time in s).

    Parameters
    ----------
    values : pandas.DataFrame or pandas.Series
        The quantity the rule is on (m: rain accumulated over its window,
        depth, or level), one column per site, indexed by strictly increasing
        time (s since the start of the event).
    rule : ThresholdRule
        Thresholds (m).

    Returns
    -------
    Alerts
        Level codes 0 green .. 3 red per site and time.

    Examples
    --------
    >>> v = pd.DataFrame({"gauge": [0.01, 0.05, 0.09]}, index=pd.Index([3600.0, 7200.0, 10800.0], name="time_s"))
    >>> alert_levels(v, ThresholdRule("rain", 0.02, 0.04, 0.08, duration_s="1h")).levels["gauge"].tolist()
    [0, 2, 3]
    """
    if not isinstance(rule, ThresholdRule):
        raise InputError("rule must be a ThresholdRule")
    v = values.to_frame() if isinstance(values, pd.Series) else values
    if not v.index.is_monotonic_increasing or v.index.has_duplicates:
        raise InputError("values must be indexed by strictly increasing times (s)")
    levels = pd.DataFrame(
        rule.classify(v.to_numpy()), index=v.index.rename("time_s"), columns=v.columns
    )
    return Alerts(levels=levels, values={rule.name: v}, rules=(rule,))


def combine_alerts(*alerts: Alerts) -> Alerts:
    """Highest level of several alert sets at every time any of them is evaluated.

    Each set holds its level between its own times (green before its first);
    sites missing from a set are green in it.

    Parameters
    ----------
    *alerts : Alerts
        One or more alert sets, from rules with distinct names.

    Returns
    -------
    Alerts
        Level codes 0 green .. 3 red at the union of the sets' times (s).

    Examples
    --------
    >>> a = alert_levels(pd.Series([0.0, 0.5], index=[0.0, 600.0], name="s"), ThresholdRule("depth", red_m=0.3))
    >>> b = alert_levels(pd.Series([0.2], index=[300.0], name="s"), ThresholdRule("level", yellow_m=0.1))
    >>> combine_alerts(a, b).levels["s"].tolist()
    [0, 1, 3]
    """
    if not alerts or not all(isinstance(a, Alerts) for a in alerts):
        raise InputError("combine_alerts needs one or more Alerts")
    names = [r.name for a in alerts for r in a.rules]
    if len(set(names)) != len(names):
        raise InputError(f"rule names must differ between the sets combined, got {names}")
    index = alerts[0].levels.index
    columns = list(alerts[0].levels.columns)
    for a in alerts[1:]:
        index = index.union(a.levels.index)
        columns += [c for c in a.levels.columns if c not in columns]
    top = np.zeros((len(index), len(columns)), dtype=np.int8)
    for a in alerts:
        held = a.levels.reindex(index).ffill().reindex(columns=columns).fillna(0).to_numpy()
        top = np.maximum(top, held.astype(np.int8))
    levels = pd.DataFrame(top, index=index.rename("time_s"), columns=columns)
    values = {k: v for a in alerts for k, v in a.values.items()}
    clock = next((a.clock for a in alerts if a.clock is not None), None)
    return Alerts(levels=levels, values=values, rules=tuple(r for a in alerts for r in a.rules), clock=clock)


def rain_alerts(
    rainfall: xr.DataArray,
    rules: ThresholdRule | Sequence[ThresholdRule],
    *,
    areas: Any = None,
    points: Any = None,
) -> Alerts:
    """Alert levels from rain rules (intensity-duration thresholds) over areas or at points.

    Parameters
    ----------
    rainfall : xarray.DataArray
        drm rainfall grid: rate (m s-1), see :func:`rain_accumulation`.
    rules : ThresholdRule or sequence of them
        Rules with ``quantity="rain"``; each is evaluated on its own window.
    areas, points : optional
        As in :func:`rain_accumulation`.

    Returns
    -------
    Alerts

    Examples
    --------
    >>> from drm.io import rainfall_grid
    >>> rain = rainfall_grid(np.full((6, 2, 2), 45.0), x=[5.0, 15.0], y=[15.0, 5.0],
    ...                      time_s=3600.0 * np.arange(6))
    >>> rules = [ThresholdRule("rain", red_m=0.040, duration_s="1h"),
    ...          ThresholdRule("rain", orange_m=0.080, duration_s="6h")]
    >>> rain_alerts(rain, rules, points={"g": (5, 5)}).levels["g"].tolist()
    [3, 3, 3, 3, 3, 3]
    """
    items = [rules] if isinstance(rules, ThresholdRule) else list(rules)
    if not items or any(r.quantity != "rain" for r in items):
        raise InputError("rain_alerts takes rules with quantity='rain'")
    sets = [
        alert_levels(rain_accumulation(rainfall, r.duration_s, areas=areas, points=points), r)
        for r in items
    ]
    return combine_alerts(*sets)


def flood_alerts(flood: Any, rules: ThresholdRule | Sequence[ThresholdRule], points: Any) -> Alerts:
    """Alert levels from depth or level rules at warning points of a flood result.

    Parameters
    ----------
    flood : drm.hazard.flood.FloodResult or xarray.Dataset
        The modelled flood (or its ``ds``).
    rules : ThresholdRule or sequence of them
        Rules with ``quantity`` ``"depth"`` or ``"level"``.
    points : DataFrame with x, y, dict name -> (x, y), or sequence of (x, y)
        Warning points (m).

    Returns
    -------
    Alerts

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"depth": (("time", "y", "x"), np.array([0.0, 0.2, 0.6])[:, None, None] * np.ones((3, 2, 2))),
    ...                  "elevation": (("y", "x"), np.zeros((2, 2)))},
    ...                 coords={"time": [0.0, 600.0, 1200.0], "y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> rule = ThresholdRule("depth", yellow_m=0.1, orange_m=0.3, red_m=0.5)
    >>> flood_alerts(ds, rule, {"school": (5, 5)}).levels["school"].tolist()
    [0, 1, 3]
    """
    items = [rules] if isinstance(rules, ThresholdRule) else list(rules)
    if not items or any(r.quantity not in ("depth", "level") for r in items):
        raise InputError("flood_alerts takes rules with quantity 'depth' or 'level'")
    return combine_alerts(
        *[alert_levels(flood_series(flood, points, r.quantity), r) for r in items]
    )
