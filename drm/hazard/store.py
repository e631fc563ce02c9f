"""Save a :class:`~drm.hazard.flood.FloodResult` to NetCDF and read it back whole."""

from __future__ import annotations

import os
from pathlib import Path

import xarray as xr

from drm.errors import InputError
from drm.hazard.flood import FloodResult, VolumeBalance
from drm.io import write_grid
from drm.io._files import resolve_input

__all__ = ["load_flood", "save_flood"]

_VOLUMES = ("initial_m3", "rain_m3", "inflow_m3", "infiltration_m3", "outflow_m3", "stored_m3")


def save_flood(result: FloodResult, path: str | os.PathLike[str]) -> Path:
    """Write a flood result (every variable, the solver attributes and the volume balance) atomically.

    The file holds :meth:`FloodResult.to_dataset`: it is the ``flood.nc`` of
    :meth:`FloodResult.to_files`.

    Parameters
    ----------
    result : FloodResult
        From :func:`drm.hazard.simulate_flood`.
    path : str or path-like
        Target ``.nc`` file.

    Returns
    -------
    pathlib.Path
    """
    return write_grid(result.to_dataset(), path)


def load_flood(path: str | os.PathLike[str]) -> FloodResult:
    """Read a flood result written by :func:`save_flood` (or streamed by the solver).

    Raises
    ------
    InputError
        If the file is not a drm flood result.
    """
    p = resolve_input(path, "flood result")
    with xr.open_dataset(p) as ds:
        ds = ds.load()
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
