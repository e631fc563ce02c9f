"""Save a :class:`~drm.hazard.flood.FloodResult` to NetCDF and read it back whole."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import xarray as xr

from drm.errors import InputError
from drm.hazard.flood import FloodResult, VolumeBalance
from drm.io import write_grid
from drm.io._files import resolve_input

__all__ = ["load_flood", "save_flood"]

_VOLUMES = ("initial_m3", "rain_m3", "inflow_m3", "infiltration_m3", "outflow_m3", "stored_m3")


#: Time axis attributes inside drm: seconds since the event start.
_TIME_ATTRS = {"units": "s", "long_name": "time since start of event"}


def save_flood(
    result: FloodResult, path: str | os.PathLike[str], *, start: Any = None
) -> Path:
    """Write a flood result (every variable, the solver attributes and the volume balance) atomically.

    The file holds :meth:`FloodResult.to_dataset` as CF-1.8 NetCDF that GDAL,
    rasterio and QGIS place on the map (:func:`drm.io.write_grid`: a
    ``spatial_ref`` grid mapping with the CRS and GeoTransform).

    Parameters
    ----------
    result : FloodResult
        From :func:`drm.hazard.simulate_flood`.
    path : str or path-like
        Target ``.nc`` file.
    start : str or datetime.datetime, optional
        Event start (time 0), e.g. ``"2026-10-03T00:00-04:00"`` or
        ``ScenarioResult.clock.start``: the time axis is then written as
        ``seconds since`` that instant, which xarray and GIS decode as dates;
        without it, plain seconds (``units = "s"``).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> from drm.hazard import simulate_flood
    >>> z = 10.0 + 0.01 * np.arange(20)[None, :] + np.zeros((12, 1))
    >>> dem = set_crs(xr.DataArray(z, dims=("y", "x"), name="elevation", attrs={"units": "m"},
    ...     coords={"y": 900_005.0 - 10 * np.arange(12), "x": 500_005.0 + 10 * np.arange(20)}),
    ...     "EPSG:32619")
    >>> flood = simulate_flood(dem, 0.05 / 3600, duration="20min", output_interval="10min")
    >>> path = save_flood(flood, pathlib.Path(tempfile.mkdtemp()) / "flood.nc",
    ...                   start="2026-10-03T00:00-04:00")
    >>> str(xr.open_dataset(path)["time"].values[1])[:19]  # 10 min after 04:00 UTC
    '2026-10-03T04:10:00'
    >>> load_flood(path).ds["time"].values.tolist()
    [0.0, 600.0, 1200.0]
    """
    return write_grid(result.to_dataset(), path, start=start)


def _elapsed_seconds(ds: xr.Dataset) -> xr.Dataset:
    """The time axis as drm holds it: float seconds since the event start (files with ``seconds since``)."""
    if "time" not in ds.coords:
        return ds
    units = str(ds["time"].attrs.get("units", "s"))
    if units.startswith("seconds since") or units in ("s", "seconds"):
        ds = ds.assign_coords(time=("time", ds["time"].values.astype(float), dict(_TIME_ATTRS)))
    return ds


def load_flood(path: str | os.PathLike[str]) -> FloodResult:
    """Read a flood result written by :func:`save_flood` (or streamed by the solver).

    Files written before the CF time axis (plain seconds) and after it
    (``seconds since <start>``) read the same: ``time`` in float seconds
    since the event start.

    Parameters
    ----------
    path : str or path-like
        A ``.nc`` file from :func:`save_flood`.

    Returns
    -------
    FloodResult
        Depths in m, speeds in m/s, times in s, as :func:`drm.hazard.simulate_flood` returned them.

    Raises
    ------
    InputError
        If the file is not a drm flood result.
    """
    p = resolve_input(path, "flood result")
    with xr.open_dataset(p, decode_times=False) as ds:
        ds = _elapsed_seconds(ds.load())
    missing = [f"volume_{k}" for k in _VOLUMES if f"volume_{k}" not in ds.attrs] + [
        v for v in ("depth", "max_depth", "arrival_time") if v not in ds
    ]
    if missing:
        raise InputError(f"{p}: not a drm flood result (missing {', '.join(missing)})")
    if "spatial_ref" in ds.data_vars:
        ds = ds.set_coords("spatial_ref")
    balance = VolumeBalance(**{k: float(ds.attrs[f"volume_{k}"]) for k in _VOLUMES})
    return FloodResult(
        ds=ds,
        volume_balance=balance,
        steps=int(ds.attrs.get("steps", 0)),
        wall_time_s=float(ds.attrs.get("wall_time_s", 0.0)),
    )
