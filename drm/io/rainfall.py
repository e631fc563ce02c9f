"""Rainfall grids: read NetCDF rain products, convert to m/s, bring them onto a DEM.

Time convention: each time label is the *start* of an interval over which the
rate is constant; the interval ends at the next label, and the last interval
has the length of the one before it (or ``attrs["interval_end_s"]``). Inside
drm, ``time`` is float seconds since the start of the first interval; a
datetime start is kept in ``attrs["start_time"]``.

Files label time in two ways, and :func:`read_rainfall` turns both into interval
starts:

* interval starts (drm, CHIRPS, IMERG and most CF files): a value at ``t`` is the
  rain of ``[t, next t)``;
* interval ends (ECMWF/ERA5 ``tp``, ``cp``, ``lsp`` and any accumulated series):
  a value at valid time ``t`` is the rain up to ``t`` — since the forecast start
  when accumulated, over the step ending at ``t`` when per interval. Interval
  ``k`` is then ``(t[k-1], t[k]]``; the first interval is as long as the second
  one and ends at ``t[0]``, except that an accumulated series starting at zero
  everywhere (a forecast's step 0) starts at ``t[0]``.

De-accumulation: per-interval depths are the differences of the accumulated
depths (the first value is the first interval's depth). Decreases of at most
1e-6 m or 0.1 % of the cell's final total are packing noise (GRIB/NetCDF
scale-offset packing) and are set to zero; larger ones are refused.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import xarray as xr
from pyproj import CRS, Transformer

from drm.errors import GridError, InputError, UnitError, warn
from drm.grids import as_north_up, check_grid, get_crs, grid_bounds, set_crs
from drm.io._cf import SpatialAxes, spatial_axes
from drm.io._files import file_format, resolve_input
from drm.io.rasters import _open_netcdf, _pick_variable
from drm.io.vectors import file_crs as file_crs_or_given
from drm.regrid import Regridder, regrid, reproject, to_metric
from drm.units import HOUR, convert, format_duration, rain_to_m_per_s, rain_units

__all__ = ["check_covers", "rainfall_grid", "read_rainfall"]

_VARIABLES = ("rainfall", "precipitation", "precip", "pr", "rain", "tp", "cp", "lsp")
_ECMWF_NAMES = frozenset({"tp", "cp", "lsp"})
_ECMWF_LONG_NAMES = frozenset(
    {"total precipitation", "convective precipitation", "large-scale precipitation",
     "large scale precipitation"}
)  # fmt: skip
_RATE_NAMES = frozenset(
    {"precipitation_flux", "lwe_precipitation_rate", "rainfall_flux", "rainfall_rate",
     "convective_precipitation_flux", "large_scale_precipitation_flux",
     "lwe_convective_precipitation_rate", "lwe_large_scale_precipitation_rate"}
)  # fmt: skip
_DEPTH_NAMES = frozenset(
    {"precipitation_amount", "lwe_thickness_of_precipitation_amount", "rainfall_amount",
     "thickness_of_rainfall_amount", "convective_precipitation_amount",
     "large_scale_precipitation_amount", "lwe_thickness_of_convective_precipitation_amount",
     "lwe_thickness_of_large_scale_precipitation_amount"}
)  # fmt: skip
_ACCUMULATION_NOTE = re.compile(
    r"accumulat\w*\s+(?:since|from)|since\s+(?:the\s+)?(?:start|beginning)"
    r"|from\s+(?:the\s+)?(?:start|beginning)",
    re.IGNORECASE,
)
_TIME_METHOD = re.compile(r"\btime\s*:\s*(\w+)(?:\s*\(([^)]*)\))?", re.IGNORECASE)
_TIME_ZONE = re.compile(
    r"since\s+\d{1,4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)\s*$",
    re.IGNORECASE,
)
#: Packing noise tolerated in a de-accumulated step: this depth (m) ...
NOISE_M = 1e-6
#: ... or this fraction of the cell's total, whichever is larger.
NOISE_FRACTION = 1e-3
#: Rain steps longer than this (s) are coarse for a flash-flood model.
COARSE_STEP_S = 3 * HOUR
_ASK = "pass accumulated=True/False (scenario key hazard.rainfall_accumulated)"
_SHAPES = "'scs-ii', 'scs-iii', 'alternating-block' or 'uniform'"


def _check_values(a: np.ndarray, t: np.ndarray, units: str, source: str) -> None:
    """Refuse NaN and negative rain."""
    bad = ~np.isfinite(a)
    if bad.any():
        k = int(np.flatnonzero(bad.reshape(a.shape[0], -1).any(axis=1))[0])
        raise InputError(
            f"{source}: rainfall has {int(bad.sum())} NaN/nodata values (first at time step {k}, "
            f"t = {t[k]:g} s); fill gaps (0 where it did not rain) before using it"
        )
    if (a < 0).any():
        raise InputError(
            f"{source}: rainfall has {int((a < 0).sum())} negative values (min {a.min():g} {units}); "
            "rain cannot be negative: check the units and clip processing artefacts to 0"
        )


def _check_increasing(t: np.ndarray, source: str, labels: np.ndarray | None = None) -> None:
    """Refuse a time axis that does not strictly increase, naming the first bad step."""
    if t.size > 1 and np.any(np.diff(t) <= 0):
        i = int(np.flatnonzero(np.diff(t) <= 0)[0])
        shown = labels if labels is not None else [f"{v:g} s" for v in t]
        raise InputError(
            f"{source}: time is not strictly increasing (step {i + 1} at {shown[i + 1]} follows "
            f"{shown[i]}); sort the file by time and drop duplicates"
        )


def rainfall_grid(
    values: Any,
    *,
    x: Any,
    y: Any,
    time_s: Any,
    units: str = "mm/h",
    crs: Any = None,
    interval_end_s: float | None = None,
    source: str = "rainfall",
) -> xr.DataArray:
    """Build a drm rainfall grid (rate in m/s) from an array, checking it.

    Parameters
    ----------
    values : array_like, shape (time, y, x)
        Rainfall in ``units``.
    x, y : array_like
        Cell-centre coordinates in metres.
    time_s : array_like
        Interval starts in seconds since the start of the event.
    units : str
        ``"mm/h"``, ``"m/s"``, ``"kg m-2 s-1"`` or a depth per interval (``"mm"``).
    crs : optional
        CRS of ``x``/``y``.
    interval_end_s : float, optional
        End of the last interval (s); default: one more step.
    source : str
        Name used in messages.

    Returns
    -------
    xarray.DataArray
        Named ``rainfall``, units ``m s-1``, dims ``("time", "y", "x")``.

    Raises
    ------
    InputError
        NaN or negative rain, fewer than one time step, bad time axis.

    Examples
    --------
    >>> import numpy as np
    >>> r = rainfall_grid(np.full((2, 2, 2), 36.0), x=[5.0, 15.0], y=[15.0, 5.0],
    ...                   time_s=[0.0, 3600.0])
    >>> float(r.max()) * 3.6e6, r.attrs["units"], r.attrs["interval_end_s"]  # back in mm/h
    (36.0, 'm s-1', 7200.0)
    """
    a = np.asarray(values, dtype=float)
    t = np.asarray(time_s, dtype=float)
    if a.ndim != 3 or a.shape[0] != t.size:
        raise InputError(
            f"{source}: rainfall must have shape (time, y, x) with {t.size} times, got {a.shape}"
        )
    if t.size == 0:
        raise InputError(f"{source}: rainfall has no time steps")
    _check_increasing(t, source)
    if interval_end_s is None:
        if t.size < 2:
            raise InputError(
                f"{source}: a single time step needs attrs['interval_end_s'] (its end, s)"
            )
        interval_end_s = float(2 * t[-1] - t[-2])
    if not interval_end_s > t[-1]:
        raise InputError(
            f"{source}: interval_end_s ({interval_end_s}) must follow the last time ({t[-1]})"
        )
    _check_values(a, t, units, source)
    intervals = np.diff(np.append(t, interval_end_s))
    rate = rain_to_m_per_s(a, units, interval_s=intervals[:, None, None])
    da = xr.DataArray(
        rate,
        dims=("time", "y", "x"),
        coords={"time": t, "y": np.asarray(y, dtype=float), "x": np.asarray(x, dtype=float)},
        name="rainfall",
    )
    da["time"].attrs = {"units": "s", "long_name": "start of rain interval, since start of event"}
    da.attrs = {
        "units": "m s-1",
        "long_name": "rainfall rate",
        "standard_name": "lwe_precipitation_rate",
        "interval_end_s": float(interval_end_s),
    }
    if crs is not None:
        da = set_crs(da, crs)
    da = as_north_up(da)
    check_grid(da, source, time=True)
    return da


@dataclass(frozen=True)
class _Raw:
    """A rain variable as found in the file, arranged (time, y, x), cropped."""

    values: np.ndarray
    x: np.ndarray
    y: np.ndarray
    labels: xr.DataArray
    attrs: dict[str, Any]
    crs: CRS | None
    degrees: bool
    evidence: str


def _arrange(ds: xr.Dataset, name: str, crs: Any, source: str) -> _Raw:
    """Find the time and horizontal axes (any order) and the file's CRS."""
    da = ds[name]
    if "spatial_ref" in ds.variables and "spatial_ref" not in da.coords:
        da = da.assign_coords(spatial_ref=ds["spatial_ref"])
    axes: SpatialAxes = spatial_axes(da, source)
    others = [str(d) for d in da.dims if d not in (axes.x, axes.y)]
    if len(others) > 1:
        da = da.isel({d: 0 for d in others if da.sizes[d] == 1 and d not in ("time", "valid_time")})
        others = [str(d) for d in da.dims if d not in (axes.x, axes.y)]
    if len(others) != 1 or axes.x not in da.coords or axes.y not in da.coords:
        raise GridError(
            f"{source}: rainfall variable {name!r} has dims {tuple(map(str, da.dims))}; expected "
            "one time axis and two horizontal axes with coordinates (select one ensemble member "
            "or level first)"
        )
    tdim = others[0]
    vt = da.coords.get("valid_time")
    labels = vt if vt is not None and vt.dims == (tdim,) else da[tdim]
    file_crs = file_crs_or_given(get_crs(da), crs, source)
    degrees, evidence = axes.degrees, axes.evidence
    if degrees is None and file_crs is not None:
        degrees, evidence = bool(file_crs.is_geographic), f"CRS {file_crs.name}"
    if degrees and file_crs is not None and not file_crs.is_geographic:
        raise GridError(
            f"{source}: the coordinates are degrees ({evidence}) but the CRS is projected "
            f"({file_crs.name}); fix the coordinate attributes or pass the right crs="
        )
    if degrees and file_crs is None:
        file_crs = CRS.from_epsg(4326)
    return _Raw(
        values=np.asarray(da.transpose(tdim, axes.y, axes.x).values, dtype=float),
        x=np.asarray(da[axes.x].values, dtype=float),
        y=np.asarray(da[axes.y].values, dtype=float),
        labels=labels,
        attrs=dict(da.attrs),
        crs=file_crs,
        degrees=bool(degrees),
        evidence=evidence,
    )


def _wrap_longitudes(raw: _Raw) -> _Raw:
    """Longitudes 0..360 (ERA5) as -180..180, columns sorted west to east."""
    if not raw.degrees or raw.x.max() <= 180.0:
        return raw
    lon = (raw.x + 180.0) % 360.0 - 180.0
    order = np.argsort(lon, kind="stable")
    return replace(raw, x=lon[order], values=raw.values[:, :, order])


def _outline(
    x0: float, y0: float, x1: float, y1: float, n: int = 21
) -> tuple[np.ndarray, np.ndarray]:
    """Points along the edges of a box, to transform it between CRSs."""
    ex, ey = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    px = np.concatenate([ex, np.full(n, x1), ex, np.full(n, x0)])
    py = np.concatenate([np.full(n, y0), ey, np.full(n, y1), ey])
    return px, py


def _edges_of(centres: np.ndarray) -> tuple[float, float]:
    half = abs(centres[1] - centres[0]) / 2 if centres.size > 1 else 0.0
    return float(centres.min() - half), float(centres.max() + half)


def _not_covered(
    source: str, share: float, dem: tuple[float, ...], rain: tuple[float, ...], crs: CRS | None
) -> GridError:
    """The error for rain that does not cover the DEM: share and both extents, DEM's CRS."""
    where = f"in {crs.name} " if crs is not None else ""
    return GridError(
        f"{source}: the rainfall grid covers {100 * share:.1f}% of the DEM; it must cover all of "
        f"it. Extents {where}(m): DEM x {dem[0]:.0f}..{dem[2]:.0f}, y {dem[1]:.0f}..{dem[3]:.0f}; "
        f"rain x {rain[0]:.0f}..{rain[2]:.0f}, y {rain[1]:.0f}..{rain[3]:.0f}. Check the CRS and "
        "coordinates of both files (crs= / hazard.rainfall_crs is the CRS of a rain file that "
        "records none)"
    )


def _near_dem(raw: _Raw, like: xr.DataArray | None, source: str) -> _Raw:
    """Check, in the file's CRS, that the rain covers the DEM; keep the cells around it.

    The share is that of DEM cell centres (at most 200 per axis) inside the rain's
    extent; 2 cells of margin are kept around the DEM.
    """
    dem_crs = get_crs(like) if like is not None else None
    if dem_crs is None or raw.crs is None or raw.x.size < 2 or raw.y.size < 2:
        return raw
    bounds = grid_bounds(like)  # type: ignore[arg-type]
    to_file = Transformer.from_crs(dem_crs, raw.crs, always_xy=True)
    (rx0, rx1), (ry0, ry1) = _edges_of(raw.x), _edges_of(raw.y)
    nx, ny = (min(like.sizes[d], 200) for d in ("x", "y"))  # type: ignore[union-attr]
    cx = bounds[0] + (bounds[2] - bounds[0]) * (np.arange(nx) + 0.5) / nx
    cy = bounds[1] + (bounds[3] - bounds[1]) * (np.arange(ny) + 0.5) / ny
    gx, gy = np.meshgrid(cx, cy)
    fx, fy = to_file.transform(gx, gy)
    share = float(np.mean((fx >= rx0) & (fx <= rx1) & (fy >= ry0) & (fy <= ry1)))
    if share < 1.0:
        ox, oy = Transformer.from_crs(raw.crs, dem_crs, always_xy=True).transform(
            *_outline(rx0, ry0, rx1, ry1)
        )
        rain = (np.min(ox), np.min(oy), np.max(ox), np.max(oy))
        raise _not_covered(source, share, bounds, rain, dem_crs)
    tx, ty = to_file.transform(*_outline(*bounds))
    dx, dy = abs(raw.x[1] - raw.x[0]), abs(raw.y[1] - raw.y[0])
    jx = np.flatnonzero((raw.x >= np.min(tx) - 2 * dx) & (raw.x <= np.max(tx) + 2 * dx))
    iy = np.flatnonzero((raw.y >= np.min(ty) - 2 * dy) & (raw.y <= np.max(ty) + 2 * dy))
    return replace(raw, x=raw.x[jx], y=raw.y[iy], values=raw.values[:, iy][:, :, jx])


@dataclass(frozen=True)
class _Times:
    seconds: np.ndarray
    start: np.datetime64 | None
    offset: str | None
    shown: np.ndarray


def _time_zone(labels: xr.DataArray) -> str | None:
    """The UTC offset (``"+HH:MM"``) the file's CF time units name, if any."""
    units = str(labels.encoding.get("units") or labels.attrs.get("units") or "")
    m = _TIME_ZONE.search(units)
    if m is None:
        return None
    zone = m.group(1).upper()
    if zone in ("Z", "UTC", "GMT"):
        return "+00:00"
    digits = zone[1:].replace(":", "")
    hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "00")
    return f"{zone[0]}{int(hours):02d}:{minutes}"


def _time_axis(labels: xr.DataArray, source: str) -> _Times:
    """Seconds since the first label; datetime start and UTC offset when the file has them."""
    values = np.asarray(labels.values)
    if np.issubdtype(values.dtype, np.datetime64):
        seconds = ((values - values[0]) / np.timedelta64(1, "s")).astype(float)
        shown = np.datetime_as_string(values, unit="s")
        times = _Times(seconds, values[0], _time_zone(labels), shown)
    elif np.issubdtype(values.dtype, np.timedelta64):
        seconds = (values / np.timedelta64(1, "s")).astype(float)
        times = _Times(seconds, None, None, np.array([f"{v:g} s" for v in seconds]))
    elif np.issubdtype(values.dtype, np.number):
        units = str(labels.attrs.get("units", "s"))
        try:
            seconds = np.asarray(convert(values.astype(float), units.split(" since")[0], "s"))
        except UnitError as err:
            raise UnitError(f"{source}: time axis: {err}") from None
        times = _Times(seconds, None, None, np.array([f"{v:g} s" for v in seconds]))
    else:
        raise InputError(f"{source}: cannot understand the time axis (dtype {values.dtype})")
    _check_increasing(times.seconds, source, times.shown)
    return times


def _iso(start: np.datetime64, offset: str | None) -> str:
    """ISO 8601 of a UTC instant, in the file's time zone when it names one."""
    if offset is None:
        return str(np.datetime_as_string(start, unit="s"))
    sign = 1 if offset[0] == "+" else -1
    shift = sign * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60)
    local = start + np.timedelta64(shift, "s")
    return f"{np.datetime_as_string(local, unit='s')}{offset}"


@dataclass(frozen=True)
class _Meaning:
    kind: str  # "rate" or "depth"
    factor: float  # to m/s or m
    ecmwf: bool  # labels are interval ends
    method: str | None  # cell_methods over time: "sum", "mean", ...
    note: bool  # metadata says accumulated since the start


def _meaning(attrs: dict[str, Any], name: str, units: str, source: str) -> _Meaning:
    """What the values are, from units, standard_name, cell_methods and ECMWF names."""
    try:
        kind, factor = rain_units(units)
    except UnitError:
        raise UnitError(
            f"{source}: units {units!r} of {name!r} are not a rain unit; set the 'units' attribute "
            "to a rate ('mm/h', 'mm/day', 'kg m-2 s-1') or a depth per interval ('mm', 'm', 'kg m-2')"
        ) from None
    std = str(attrs.get("standard_name", "")).lower()
    if (std in _RATE_NAMES and kind == "depth") or (std in _DEPTH_NAMES and kind == "rate"):
        raise UnitError(
            f"{source}: {name!r} has standard_name {std!r} (a {'rate' if kind == 'depth' else 'depth'}) "
            f"but units {units!r} (a {kind}); fix one of the two attributes"
        )
    m = _TIME_METHOD.search(str(attrs.get("cell_methods", "")))
    text = " ".join(
        [(m.group(2) or "") if m else ""]
        + [str(attrs.get(k, "")) for k in ("comment", "long_name", "description")]
    )
    long_name = str(attrs.get("long_name", "")).strip().lower()
    ecmwf = (
        name.lower() in _ECMWF_NAMES
        or long_name in _ECMWF_LONG_NAMES
        or any(str(k).startswith("GRIB_") for k in attrs)
    )
    return _Meaning(
        kind=kind,
        factor=factor,
        ecmwf=ecmwf and kind == "depth",
        method=m.group(1).lower() if m else None,
        note=bool(_ACCUMULATION_NOTE.search(text)),
    )


def _cell_tolerance(acc_m: np.ndarray) -> np.ndarray:
    """Packing noise per cell (m): NOISE_M or NOISE_FRACTION of the cell's largest value."""
    return np.maximum(NOISE_M, NOISE_FRACTION * np.abs(acc_m).max(axis=0))


def _looks_accumulated(depth_m: np.ndarray) -> bool:
    """Over > 2 steps, never falling beyond noise in any cell and growing at most steps."""
    if depth_m.shape[0] < 3:
        return False
    d = np.diff(depth_m, axis=0)
    tol = _cell_tolerance(depth_m)
    grows = (d > tol).any(axis=(1, 2))
    return bool((d >= -tol).all() and grows.sum() * 2 >= d.shape[0])


def _accumulated(
    depth_m: np.ndarray, meaning: _Meaning, accumulated: bool | None, name: str, source: str
) -> tuple[bool, str]:
    """Decide whether depths are accumulated since the start; say why."""
    looks = _looks_accumulated(depth_m)
    if accumulated is not None:
        if not accumulated and looks:
            warn(f"{source}: {name!r} never falls and grows at most steps, as an accumulated series "
                "does, but accumulated=False was given: each value is taken as one interval's depth")
        return bool(accumulated), f"accumulated={accumulated} given"
    if meaning.note:
        return True, "metadata says accumulated since the start"
    if meaning.method is not None:
        if looks and depth_m.shape[0] >= 6:
            warn(f"{source}: {name!r} is labelled per interval (cell_methods 'time: {meaning.method}') "
                f"but never falls and grows over {depth_m.shape[0]} steps, as a series accumulated "
                "since the start does; if it is accumulated, pass accumulated=True "
                "(scenario key hazard.rainfall_accumulated)")
        return False, f"cell_methods 'time: {meaning.method}'"
    if meaning.ecmwf:
        return True, "ECMWF accumulated precipitation (name/long_name, units of depth)"
    d = np.diff(depth_m, axis=0)
    if (d < -_cell_tolerance(depth_m)).any():
        return False, "the series falls, so it is not accumulated"
    if depth_m.shape[0] < 2 or not (d > _cell_tolerance(depth_m)).any():
        return False, "a steady series (accumulated would put all rain before the first label)"
    raise InputError(
        f"{source}: {name!r} holds depths that never fall and grow over {depth_m.shape[0]} steps: "
        "they may be accumulated since the start or per interval, and "
        f"the file does not say (no cell_methods or standard accumulation note); {_ASK}"
    )


def _deaccumulate(
    acc_m: np.ndarray, raw: _Raw, times: _Times, name: str, hint: str, source: str
) -> np.ndarray:
    """Per-interval depths (m) from depths accumulated since the start (m)."""
    d = np.diff(acc_m, axis=0, prepend=0.0)
    tol = _cell_tolerance(acc_m)
    bad = d < -tol
    if bad.any():
        k, i, j = (int(v[0]) for v in np.nonzero(bad))
        raise InputError(
            f"{source}: accumulated {name!r} falls by {-1e3 * d[k, i, j]:.3g} mm at step {k} "
            f"({times.shown[k]}) in cell (y={raw.y[i]:g}, x={raw.x[j]:g}), more than packing noise "
            f"({1e3 * tol[i, j]:.3g} mm); an accumulated series never falls: {hint}"
        )
    return np.where(d < 0, 0.0, d)


def _intervals(times: _Times, ends: bool, attrs: dict[str, Any], source: str) -> np.ndarray:
    """Edges (s, len n + 1) of the intervals the values belong to."""
    t = times.seconds
    if t.size < 2 and (ends or attrs.get("interval_end_s") is None):
        raise InputError(f"{source}: a single time step needs attrs['interval_end_s'] (its end, s)")
    if ends:
        return np.concatenate([[2 * t[0] - t[1]], t])
    end = attrs.get("interval_end_s")
    last = float(end) if end is not None else float(2 * t[-1] - t[-2])
    return np.append(t, last)


def _coarse(
    rate: np.ndarray,
    edges: np.ndarray,
    disaggregate: str | None,
    response_time_s: float | None,
    fine_step_s: float,
    source: str,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Warn about coarse steps, or disaggregate them onto a design hyetograph."""
    steps = np.diff(edges)
    if disaggregate is not None:
        from drm.hazard.design_storms import disaggregate as spread

        depth, fine = spread(rate * steps[:, None, None], steps, disaggregate, fine_step_s)
        new_edges = edges[0] + np.concatenate([[0.0], np.cumsum(fine)])
        info = {"disaggregated": disaggregate, "disaggregated_step_s": float(fine_step_s)}
        return depth / fine[:, None, None], new_edges, info
    limit = min(COARSE_STEP_S, response_time_s) if response_time_s else COARSE_STEP_S
    longest = float(steps.max())
    if longest > limit * (1 + 1e-9):
        hours = longest / HOUR
        label = "daily" if abs(hours - 24.0) < 1e-6 else f"{hours:g}-hourly"
        than = (
            "3 h"
            if limit == COARSE_STEP_S
            else (f"the catchment's response time ({format_duration(limit)})")
        )
        warn(f"{source}: {label} ({hours:g} h) rain steps are longer than {than}: each step's "
            f"depth falls evenly over it (peak intensity {rate.max() * 3.6e6:.1f} mm/h), which "
            "flattens a flash flood's peak and delays it; pass "
            f"disaggregate={_SHAPES} (scenario key hazard.rainfall_disaggregate) to put each "
            "step's depth on a design hyetograph")
    return rate, edges, {}


def read_rainfall(
    path: str | os.PathLike[str],
    like: xr.DataArray | None = None,
    *,
    var: str | None = None,
    crs: Any = None,
    method: Literal["conservative", "bilinear"] = "conservative",
    accumulated: bool | None = None,
    disaggregate: Literal["scs-ii", "scs-iii", "alternating-block", "uniform"] | None = None,
    response_time_s: float | None = None,
    disaggregate_step_s: float = 1800.0,
    to_crs: Any = None,
) -> xr.DataArray:
    """Read a rainfall NetCDF as a rate in m/s, in the DEM's CRS and optionally on its grid.

    What the values mean is read from the file, in this order:

    * units: a rate (``mm/h``, ``mm/hr``, ``mm h-1``, ``mm/day``, ``mm d-1``,
      ``in/h``, ``mm/3h``, ``m/s``, ``kg m-2 s-1``) or a depth (``m``, ``mm``,
      ``kg m-2``), see :func:`drm.units.rain_units`; ``standard_name``
      (``precipitation_flux``/``lwe_precipitation_rate`` vs
      ``precipitation_amount``/``lwe_thickness_of_precipitation_amount``) must agree;
    * a depth is accumulated since the start when ``accumulated=True``, when
      ``cell_methods``/``comment`` say so ("accumulated since the start of the
      forecast"), or for ECMWF ``tp``/``cp``/``lsp`` (or ``long_name`` "Total
      precipitation" ...) without ``cell_methods``; it is per interval when
      ``accumulated=False``, with ``cell_methods`` ``time: sum``/``time: mean``,
      or when the series falls somewhere or is steady. A depth series that
      never falls and grows, with none of these, is refused: pass ``accumulated``;
    * ECMWF variables and accumulated series label interval ends; others
      interval starts (see the module docstring).

    Axes are found by :func:`drm.io._cf.spatial_axes` (CF attributes, then
    names, then CRS), in any order and either latitude direction. Degree grids
    (WGS 84 unless the file or ``crs`` says otherwise) are reprojected with
    :func:`drm.regrid.to_metric` into the DEM's CRS (``like``'s, else ``to_crs``,
    else the grid's own UTM zone).

    Parameters
    ----------
    path : str or path-like
        NetCDF file with a 3-D variable ``rainfall``/``precipitation``/``precip``/``pr``/
        ``rain``/``tp``/``cp``/``lsp`` (or ``var``).
    like : xarray.DataArray, optional
        A DEM (elevation in m); the rain is brought into its CRS and regridded onto it with
        ``method``. The rain must cover the whole DEM.
    var : str, optional
        Variable name.
    crs : optional
        CRS of the file when it records none.
    method : {"conservative", "bilinear"}
        Regridding method (see :mod:`drm.regrid`); conservative keeps rain volume.
    accumulated : bool, optional
        Whether depths are accumulated since the start; overrides what the file suggests.
    disaggregate : {"scs-ii", "scs-iii", "alternating-block", "uniform"}, optional
        Spread each step's depth over a design hyetograph at ``disaggregate_step_s``
        (see :mod:`drm.hazard.design_storms`); without it, steps longer than 3 h or than
        ``response_time_s`` give a :class:`~drm.errors.DrmWarning`.
    response_time_s : float, optional
        Response time of the catchment (s), e.g. its time of concentration.
    disaggregate_step_s : float
        Step of the disaggregated rain (s); must divide each coarse step.
    to_crs : optional
        Target CRS when ``like`` is not given (the DEM's CRS), without regridding.

    Returns
    -------
    xarray.DataArray
        ``rainfall`` in ``m s-1``, dims ``("time", "y", "x")``, time in s since the start of
        the first interval; ``attrs`` record ``source``, ``variable``, ``units_in_file``,
        ``accumulated`` (1 or 0: NetCDF attributes hold no booleans) and why
        (``accumulated_evidence``), ``time_labels``, ``start_time`` (ISO 8601, with
        the file's UTC offset when it names one) and ``disaggregated`` when done.

    Raises
    ------
    UnitError
        Missing or non-rain units, units contradicting ``standard_name``.
    InputError
        NaN or negative rain, a time axis that does not increase, an accumulated series
        that falls beyond packing noise, a depth series that cannot be told accumulated
        or not.
    GridError
        Rain not covering the DEM, or in another projected CRS.

    Examples
    --------
    >>> import drm
    >>> rain = drm.io.read_rainfall(drm.datasets.builtin_path("hazard_data/valle_alto/rain_100yr.nc"))
    >>> rain.attrs["units"], rain.attrs["accumulated"], rain.attrs["time_labels"]
    ('m s-1', 0, 'interval starts')
    """
    p = resolve_input(path, "rainfall")
    file_format(p, ("netcdf",), "rainfall")
    ds = _open_netcdf(p)
    name = _pick_variable(ds, var, _VARIABLES, p, ndim=3)
    source = str(p)
    raw = _near_dem(_wrap_longitudes(_arrange(ds, name, crs, source)), like, source)
    units = raw.attrs.get("units")
    if not units:
        raise UnitError(
            f"{source}: rainfall variable {name!r} has no 'units' attribute; set it to the file's "
            "unit, e.g. 'mm/h' (a rate), 'mm' (depth per interval) or 'm' (ECMWF tp)"
        )
    times = _time_axis(raw.labels, source)
    _check_values(raw.values, times.seconds, str(units), source)
    meaning = _meaning(raw.attrs, name, str(units), source)
    values = raw.values * meaning.factor
    acc, why = False, "a rate"
    if meaning.kind == "depth":
        acc, why = _accumulated(values, meaning, accumulated, name, source)
        if acc:
            hint = (
                "pass accumulated=False if the values are per-interval depths"
                if (accumulated is None)
                else "check the file"
            )
            values = _deaccumulate(values, raw, times, name, hint, source)
    elif accumulated:
        raise InputError(
            f"{source}: accumulated=True but {name!r} is a rate ({units}), never accumulated; "
            "leave accumulated unset"
        )
    ends = acc or meaning.ecmwf
    edges = _intervals(times, ends, raw.attrs, source)
    if acc and edges.size > 2 and not values[0].any():
        values, edges = values[1:], edges[1:]  # step 0 of a forecast: the event starts there
    steps = np.diff(edges)
    rate = values / steps[:, None, None] if meaning.kind == "depth" else values
    rate, edges, info = _coarse(
        rate, edges, disaggregate, response_time_s, disaggregate_step_s, source
    )
    grid = xr.DataArray(
        rate,
        dims=("time", "y", "x"),
        coords={"time": edges[:-1] - edges[0], "y": raw.y, "x": raw.x},
        name="rainfall",
    )
    target = get_crs(like) if like is not None else None
    if target is None and to_crs is not None:
        target = CRS.from_user_input(to_crs)
    grid = _to_crs(grid, raw, target, source)
    grid = _onto(grid, like, method, source) if like is not None else _trim_nan_edges(grid)
    out = rainfall_grid(
        grid.values,
        x=grid["x"].values,
        y=grid["y"].values,
        time_s=grid["time"].values,
        units="m s-1",
        crs=get_crs(grid),
        interval_end_s=float(edges[-1] - edges[0]),
        source=source,
    )
    out.attrs.update(
        source=p.name,
        variable=name,
        units_in_file=str(units),
        accumulated=int(acc),  # 0/1: NetCDF attributes hold no booleans
        accumulated_evidence=why,
        time_labels="interval ends" if ends else "interval starts",
        **info,
    )
    if times.start is not None:
        out.attrs["start_time"] = _iso(
            times.start + np.timedelta64(round(edges[0]), "s"), times.offset
        )
    if "regridded" in grid.attrs:
        out.attrs["regridded"] = grid.attrs["regridded"]
    return out


def _to_crs(grid: xr.DataArray, raw: _Raw, target: CRS | None, source: str) -> xr.DataArray:
    """Put the native grid in metres of the target CRS (reprojected when it differs)."""
    if raw.degrees:
        assert raw.crs is not None
        return to_metric(grid, src_crs=raw.crs, crs=target, source=source)
    if raw.crs is None:
        return grid
    if target is not None and raw.crs != target:
        return reproject(grid, crs=target, src_crs=raw.crs, source=source)
    return set_crs(grid, raw.crs)


def _trim_nan_edges(grid: xr.DataArray) -> xr.DataArray:
    """Drop outer rows/columns holding NaN (corners left empty by a reprojection)."""
    valid = np.isfinite(grid.values).all(axis=0)
    while valid.size and not valid.all():
        edges = [(~valid[0]).sum(), (~valid[-1]).sum(), (~valid[:, 0]).sum(), (~valid[:, -1]).sum()]
        side = int(np.argmax(edges))
        cut = [slice(1, None), slice(None, -1)][side % 2]
        if side < 2:
            grid, valid = grid.isel(y=cut), valid[cut]
        else:
            grid, valid = grid.isel(x=cut), valid[:, cut]
    return grid


def _covered_share(rain: xr.DataArray, dem: xr.DataArray) -> tuple[float, tuple[float, ...]]:
    """Share of the DEM's area under valid rain cells, and the valid rain's extent (m)."""
    valid = np.isfinite(rain.values).all(axis=0) if rain.ndim == 3 else np.isfinite(rain.values)
    mask = xr.DataArray(
        valid.astype(float), dims=("y", "x"), coords={"y": rain["y"], "x": rain["x"]}
    )
    w = Regridder.between(mask, dem.drop_vars("spatial_ref", errors="ignore"), "conservative")
    share = float(np.clip(w.wy @ valid.astype(float) @ w.wx.T, 0.0, 1.0).mean())
    spec = check_grid(rain, time=None, allow_all_nan=True)
    rows, cols = np.flatnonzero(valid.any(axis=1)), np.flatnonzero(valid.any(axis=0))
    if rows.size == 0:
        return share, grid_bounds(rain)
    ys, xs = spec.y[rows], spec.x[cols]
    half = spec.dx / 2
    return share, (xs.min() - half, ys.min() - half, xs.max() + half, ys.max() + half)


def check_covers(rain: xr.DataArray, dem: xr.DataArray, source: str = "rainfall") -> None:
    """Raise :class:`GridError` unless ``rain`` shares the DEM's CRS and covers all of it.

    Parameters
    ----------
    rain : xarray.DataArray
        Rainfall grid (time, y, x), coordinates in m; NaN cells do not cover.
    dem : xarray.DataArray
        The DEM (elevation in m).
    source : str
        Name for messages.

    Raises
    ------
    GridError
        CRS differs, or the rain covers less than all of the DEM; the message gives the
        share covered and both extents in the DEM's CRS.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.ones((2, 2)), dims=("y", "x"), coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> rain = xr.DataArray(np.ones((1, 2, 2)), dims=("time", "y", "x"),
    ...                     coords={"time": [0.0], "y": [15.0, 5.0], "x": [15.0, 25.0]})
    >>> try:
    ...     check_covers(rain, dem)
    ... except Exception as err:
    ...     print(str(err)[:51])
    rainfall: the rainfall grid covers 50.0% of the DEM
    """
    spec = check_grid(dem, "DEM")
    rspec = check_grid(rain, source, time=True, allow_all_nan=True)
    if spec.crs is not None and rspec.crs is not None and spec.crs != rspec.crs:
        raise GridError(
            f"{source}: rainfall CRS {rspec.crs.to_string()} differs from the DEM's "
            f"{spec.crs.to_string()}; reproject one of them"
        )
    share, rain_bounds = _covered_share(rain, dem)
    if share < 1.0 - 1e-6:
        raise _not_covered(source, share, grid_bounds(dem), rain_bounds, spec.crs)


def _onto(rain: xr.DataArray, like: xr.DataArray, method: str, source: str) -> xr.DataArray:
    check_covers(rain, like, source)
    spec = check_grid(like, "DEM")
    rspec = check_grid(rain, source, time=True, allow_all_nan=True)
    same = (
        rspec.shape == spec.shape
        and abs(rspec.dx - spec.dx) <= 1e-6 * spec.dx
        and np.allclose(rspec.x, spec.x)
        and np.allclose(rspec.y, spec.y)
    )
    if same:
        return rain
    out = regrid(rain, like, method)  # type: ignore[arg-type]
    out.attrs["regridded"] = f"{method} from {rspec.dx:g} m cells"
    return out
