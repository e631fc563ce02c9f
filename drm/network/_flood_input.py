"""Read flood results for the road model: depth and velocity grids, snapshots and series.

Accepted inputs:

* an :class:`xarray.DataArray` of depth, dims ``("y", "x")`` or ``("time", "y", "x")``;
* an :class:`xarray.Dataset` as written by drm's flood solver: ``depth`` and
  ``velocity`` ``(time, y, x)``, ``max_depth``, ``max_velocity`` and
  ``arrival_time`` ``(y, x)``, time in seconds (any subset of them);
* any object with a ``.ds`` attribute holding such a Dataset (the solver's result).

Depth and velocity without a ``units`` attribute are taken as m and m/s;
other length or speed units (``"cm"``, ``"mm"``, ``"km/h"``) are converted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from drm.errors import GridError, InputError
from drm.grids import GridSpec, check_grid
from drm.units import parse_duration, parse_units

__all__ = ["FloodSeries", "flood_series", "flood_snapshot"]


def _dataset(flood: Any) -> xr.Dataset | xr.DataArray:
    if isinstance(flood, (xr.Dataset, xr.DataArray)):
        return flood
    ds = getattr(flood, "ds", None)
    if isinstance(ds, xr.Dataset):
        return ds
    raise InputError(
        f"flood: expected a depth DataArray, a Dataset with 'depth'/'max_depth', or a flood "
        f"result with a .ds Dataset; got {type(flood).__name__}"
    )


def _si(da: xr.DataArray, name: str, dims: tuple[int, int, int]) -> xr.DataArray:
    units = da.attrs.get("units")
    if units is None:
        return da.astype(float)
    factor, found = parse_units(str(units))
    if found != dims:
        raise InputError(f"flood {name} has units {units!r}; expected {'m' if dims[1] == 0 else 'm/s'}")
    return da.astype(float) * factor


def _times_s(da: xr.DataArray) -> np.ndarray:
    t = np.asarray(da["time"].values)
    if np.issubdtype(t.dtype, np.timedelta64):
        return t / np.timedelta64(1, "s")
    if np.issubdtype(t.dtype, np.datetime64):
        return (t - t[0]) / np.timedelta64(1, "s")
    return t.astype(float)


def _at_time(da: xr.DataArray, t: float, name: str) -> xr.DataArray:
    times = _times_s(da)
    if not times[0] <= t <= times[-1]:
        raise InputError(
            f"flood {name}: at={t:g} s lies outside the simulated times "
            f"{times[0]:g}..{times[-1]:g} s; choose a time inside the run or at='max'"
        )
    k = int(np.searchsorted(times, t, side="right")) - 1
    if k >= times.size - 1 or times[k] == t:
        return da.isel(time=min(k, times.size - 1))
    f = (t - times[k]) / (times[k + 1] - times[k])
    return da.isel(time=k) * (1 - f) + da.isel(time=k + 1) * f


def flood_snapshot(
    flood: Any, at: str | float = "max"
) -> tuple[xr.DataArray, xr.DataArray | None, GridSpec]:
    """Return depth (m) and velocity (m/s, or None) grids at one time or their maxima.

    ``at="max"`` uses ``max_depth``/``max_velocity`` (or the maximum over
    time); the two maxima may come from different times, which is on the safe
    side. A time (seconds or a duration such as ``"2h"``) is interpolated
    linearly between the two saved frames around it.

    Raises
    ------
    InputError
        No depth in the input, a time outside the run, or a static grid with a time.
    GridError
        If the grid breaks drm's conventions.
    """
    obj = _dataset(flood)
    ds = obj.to_dataset(name="depth") if isinstance(obj, xr.DataArray) else obj
    if "depth" not in ds and "max_depth" not in ds:
        raise InputError(f"flood: no 'depth' or 'max_depth' variable (found {list(ds.data_vars)})")
    velocity = None
    if at == "max":
        if "max_depth" in ds:
            depth = ds["max_depth"]
        else:
            depth = ds["depth"].max("time") if "time" in ds["depth"].dims else ds["depth"]
        if "max_velocity" in ds:
            velocity = ds["max_velocity"]
        elif "velocity" in ds:
            velocity = ds["velocity"].max("time") if "time" in ds["velocity"].dims else ds["velocity"]
    else:
        t = parse_duration(at, "at")
        if "depth" not in ds or "time" not in ds["depth"].dims:
            raise InputError(
                "flood: a time was asked (at=...) but the flood has no depth time series; "
                "use at='max' or pass the solver's result with depth(time, y, x)"
            )
        depth = _at_time(ds["depth"], t, "depth")
        if "velocity" in ds and "time" in ds["velocity"].dims:
            velocity = _at_time(ds["velocity"], t, "velocity")
    depth = _si(depth, "depth", (1, 0, 0))
    spec = check_grid(depth, "flood depth", allow_all_nan=True)
    if velocity is not None:
        velocity = _si(velocity, "velocity", (1, -1, 0))
        if velocity.shape != depth.shape:
            raise GridError(f"flood velocity {velocity.shape} and depth {depth.shape} differ in shape")
    return depth, velocity, spec


@dataclass(frozen=True)
class FloodSeries:
    """A flood's depth and velocity over time, or only its arrival time."""

    spec: GridSpec
    times_s: np.ndarray | None
    depth: np.ndarray | None  # (time, y, x) m
    velocity: np.ndarray | None  # (time, y, x) m/s
    arrival_s: np.ndarray | None  # (y, x) s, NaN where never


def flood_series(flood: Any) -> FloodSeries:
    """Return the depth/velocity time series of a flood (or its arrival time when that is all).

    Raises
    ------
    InputError
        If the input holds neither a depth time series nor an arrival time.
    """
    obj = _dataset(flood)
    ds = obj.to_dataset(name="depth") if isinstance(obj, xr.DataArray) else obj
    if "depth" in ds and "time" in ds["depth"].dims:
        depth = _si(ds["depth"].transpose("time", "y", "x"), "depth", (1, 0, 0))
        spec = check_grid(depth, "flood depth", time=True, allow_all_nan=True)
        vel = None
        if "velocity" in ds and "time" in ds["velocity"].dims:
            vel = _si(ds["velocity"].transpose("time", "y", "x"), "velocity", (1, -1, 0)).values
        return FloodSeries(spec, _times_s(depth), depth.values, vel, None)
    if "arrival_time" in ds:
        arrival = _si(ds["arrival_time"], "arrival_time", (0, 1, 0))
        spec = check_grid(arrival, "flood arrival_time", allow_all_nan=True)
        return FloodSeries(spec, None, None, None, arrival.values)
    raise InputError(
        "flood: closure times need depth(time, y, x) or arrival_time(y, x); "
        f"found {list(ds.data_vars)}"
    )
