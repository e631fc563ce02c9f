"""Rainfall grids: read NetCDF (time, y, x), convert to m/s, regrid onto a DEM.

Time convention: each time label is the *start* of an interval over which the
rate is constant; the interval ends at the next label, and the last interval
has the length of the one before it (or ``attrs["interval_end_s"]``). Inside
drm, ``time`` is float seconds since the first label; a datetime start is kept
in ``attrs["start_time"]``.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np
import xarray as xr

from drm.errors import GridError, InputError, UnitError
from drm.grids import as_north_up, check_grid, get_crs, set_crs
from drm.io._files import file_format, resolve_input
from drm.io.rasters import _GEO_DIMS, _open_netcdf, _pick_variable
from drm.regrid import bounds_cover, regrid, to_metric
from drm.units import rain_to_m_per_s

__all__ = ["check_covers", "rainfall_grid", "read_rainfall"]


def _time_seconds(t: xr.DataArray, source: str) -> tuple[np.ndarray, str | None]:
    values = np.asarray(t.values)
    if np.issubdtype(values.dtype, np.datetime64):
        seconds = (values - values[0]) / np.timedelta64(1, "s")
        start = np.datetime_as_string(values[0], unit="s")
        return seconds.astype(float), str(start)
    if np.issubdtype(values.dtype, np.timedelta64):
        return (values / np.timedelta64(1, "s")).astype(float), None
    if np.issubdtype(values.dtype, np.number):
        units = t.attrs.get("units", "s")
        from drm.units import convert

        try:
            return convert(values.astype(float), str(units).split(" since")[0], "s"), None
        except UnitError as err:
            raise UnitError(f"{source}: time axis: {err}") from None
    raise InputError(f"{source}: cannot understand the time axis (dtype {values.dtype})")


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
        End of the last interval; default: one more step.
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
    if t.size > 1 and np.any(np.diff(t) <= 0):
        i = int(np.flatnonzero(np.diff(t) <= 0)[0])
        raise InputError(
            f"{source}: time is not strictly increasing (step {i + 1} at {t[i + 1]:g} s follows "
            f"{t[i]:g} s); sort the file by time and drop duplicates"
        )
    if interval_end_s is None:
        step = t[-1] - t[-2] if t.size > 1 else None
        if step is None:
            raise InputError(
                f"{source}: a single time step needs attrs['interval_end_s'] (its end, s)"
            )
        interval_end_s = float(t[-1] + step)
    if not interval_end_s > t[-1]:
        raise InputError(
            f"{source}: interval_end_s ({interval_end_s}) must follow the last time ({t[-1]})"
        )
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


def read_rainfall(
    path: str | os.PathLike[str],
    like: xr.DataArray | None = None,
    *,
    var: str | None = None,
    crs: Any = None,
    method: Literal["conservative", "bilinear"] = "conservative",
) -> xr.DataArray:
    """Read a rainfall NetCDF (time, y, x) as a rate in m/s, optionally on a DEM's grid.

    The ``units`` attribute decides the conversion: a rate (``mm/h``,
    ``mm/hr``, ``m/s``), a flux (``kg m-2 s-1``) or a depth per interval
    (``mm``), divided by each interval's length.

    Parameters
    ----------
    path : str or path-like
        NetCDF file with a 3-D variable ``rainfall``/``precipitation``/``pr``/``rain``
        (or ``var``).
    like : xarray.DataArray, optional
        A DEM (elevation in m); when given and the grids differ, the rain is regridded onto it
        with ``method``. The rain must cover the whole DEM.
    var : str, optional
        Variable name.
    crs : optional
        CRS when the file records none.
    method : {"conservative", "bilinear"}
        Regridding method (see :mod:`drm.regrid`); conservative keeps rain volume.

    Returns
    -------
    xarray.DataArray
        ``rainfall`` in ``m s-1``, dims ``("time", "y", "x")``, time in s.

    Raises
    ------
    InputError
        Missing units, NaN or negative rain, non-increasing time.
    GridError
        Rain grid not covering the DEM, or in another CRS.

    Examples
    --------
    >>> import drm
    >>> rain = drm.io.read_rainfall(drm.datasets.builtin_path("hazard_data/valle_alto/rain_100yr.nc"))
    >>> rain.attrs["units"]
    'm s-1'
    """
    p = resolve_input(path, "rainfall")
    file_format(p, ("netcdf",), "rainfall")
    ds = _open_netcdf(p)
    name = _pick_variable(
        ds, var, ("rainfall", "precipitation", "precip", "pr", "rain", "tp"), p, ndim=3
    )
    da = ds[name]
    if "spatial_ref" in ds.variables and "spatial_ref" not in da.coords:
        da = da.assign_coords(spatial_ref=ds["spatial_ref"])
    da = da.rename({k: v for k, v in _GEO_DIMS.items() if k in da.dims})
    if set(da.dims) != {"time", "y", "x"}:
        raise GridError(
            f"{p}: rainfall variable {name!r} has dims {da.dims}; expected (time, y, x)"
        )
    da = da.transpose("time", "y", "x")
    units = da.attrs.get("units")
    if not units:
        raise UnitError(
            f"{p}: rainfall variable {name!r} has no 'units' attribute; set it to e.g. 'mm/h' or 'mm'"
        )
    if crs is not None:
        da = set_crs(da, crs)
    file_crs = get_crs(da)
    if file_crs is not None and file_crs.is_geographic:
        da = to_metric(da, src_crs=file_crs, source=str(p))
        file_crs = get_crs(da)
    seconds, start = _time_seconds(da["time"], str(p))
    end = da.attrs.get("interval_end_s")
    out = rainfall_grid(
        da.values,
        x=da["x"].values,
        y=da["y"].values,
        time_s=seconds,
        units=str(units),
        crs=file_crs,
        interval_end_s=float(end) if end is not None else None,
        source=str(p),
    )
    if start is not None:
        out.attrs["start_time"] = start
    out.attrs["source"] = p.name
    if like is not None:
        out = _onto(out, like, method, str(p))
    return out


def check_covers(rain: xr.DataArray, dem: xr.DataArray, source: str = "rainfall") -> None:
    """Raise :class:`GridError` unless ``rain`` shares the DEM's CRS and covers all of it.

    Parameters
    ----------
    rain : xarray.DataArray
        Rainfall grid (time, y, x).
    dem : xarray.DataArray
        The DEM.
    source : str
        Name for messages.
    """
    spec = check_grid(dem, "DEM")
    rspec = check_grid(rain, source, time=True)
    if spec.crs is not None and rspec.crs is not None and spec.crs != rspec.crs:
        raise GridError(
            f"{source}: rainfall CRS {rspec.crs.to_string()} differs from the DEM's "
            f"{spec.crs.to_string()}; reproject one of them"
        )
    frac = bounds_cover(dem, rain)
    if frac < 1.0:
        raise GridError(
            f"{source}: the rainfall grid covers {100 * frac:.1f}% of the DEM; it must cover all of it "
            "(check the CRS and coordinates of both files)"
        )


def _onto(rain: xr.DataArray, like: xr.DataArray, method: str, source: str) -> xr.DataArray:
    check_covers(rain, like, source)
    spec = check_grid(like, "DEM")
    rspec = check_grid(rain, source, time=True)
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
