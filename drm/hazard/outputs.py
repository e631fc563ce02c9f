"""Output frames of the flood solver, held in memory or streamed to NetCDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import netCDF4
import numpy as np
import xarray as xr

from drm.grids import get_crs, set_crs
from drm.hazard import _flood_kernels as K

__all__ = ["FrameWriter"]

_FRAME_VARS = {
    "depth": ("m", "water depth"),
    "velocity": ("m s-1", "depth-averaged speed"),
    "unit_discharge_x": ("m2 s-1", "unit discharge towards east"),
    "unit_discharge_y": ("m2 s-1", "unit discharge towards north"),
}


class FrameWriter:
    """Collect solver frames at output times (float32), in memory or in a NetCDF file.

    Parameters
    ----------
    dem : xarray.DataArray
        The DEM (coordinates, CRS and the ``elevation`` variable of the result).
    times : numpy.ndarray
        Output times (s), excluding time 0 which :meth:`write_initial` adds.
    attrs : dict
        Dataset attributes.
    path : str or Path, optional
        Stream frames to this NetCDF file; the result then reads from it lazily.
    """

    def __init__(
        self, dem: xr.DataArray, times: np.ndarray, attrs: dict[str, Any], path: str | Path | None
    ) -> None:
        self.dem = dem
        self.times = np.concatenate([[0.0], times])
        self.attrs = attrs
        self.path = Path(path) if path is not None else None
        shape = (self.times.size, *dem.shape)
        self._nc: netCDF4.Dataset | None = None
        self._tmp: Path | None = None
        if self.path is None:
            self._mem = {k: np.zeros(shape, dtype=np.float32) for k in _FRAME_VARS}
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = self.path.with_name(f".{self.path.name}.partial")
            nc = netCDF4.Dataset(self._tmp, "w")
            nc.createDimension("time", None)
            nc.createDimension("y", dem.sizes["y"])
            nc.createDimension("x", dem.sizes["x"])
            tv = nc.createVariable("time", "f8", ("time",))
            tv.units = "s"
            tv.long_name = "time since start of event"
            nc.createVariable("y", "f8", ("y",))[:] = dem["y"].values
            nc.createVariable("x", "f8", ("x",))[:] = dem["x"].values
            for name, (units, long_name) in _FRAME_VARS.items():
                v = nc.createVariable(
                    name, "f4", ("time", "y", "x"), zlib=True, complevel=1,
                    chunksizes=(1, *dem.shape), fill_value=np.float32(np.nan),
                )  # fmt: skip
                v.units = units
                v.long_name = long_name
            self._nc = nc

    def write_initial(self, h: np.ndarray) -> None:
        """Store the frame at time 0 (no flow)."""
        zeros = np.zeros_like(h)
        self._store(
            0, {"depth": h, "velocity": zeros, "unit_discharge_x": zeros, "unit_discharge_y": zeros}
        )

    def write(self, k: int, h: np.ndarray, qx: np.ndarray, qy: np.ndarray, hmin: float) -> None:
        """Store output frame ``k`` (0-based, excluding the initial frame)."""
        ux, uy, speed = K.cell_velocity(h, qx, qy, hmin)
        self._store(
            k + 1, {"depth": h, "velocity": speed, "unit_discharge_x": ux, "unit_discharge_y": uy}
        )

    def _store(self, k: int, frames: dict[str, np.ndarray]) -> None:
        wall = ~np.isfinite(self.dem.values)
        if self._nc is not None:
            self._nc["time"][k] = self.times[k]
            for name, a in frames.items():
                self._nc[name][k, :, :] = np.where(wall, np.nan, a).astype(np.float32)
        else:
            for name, a in frames.items():
                self._mem[name][k] = np.where(wall, np.nan, a)

    def finish(
        self, stats: dict[str, tuple[np.ndarray, str, str]], attrs: dict[str, Any]
    ) -> xr.Dataset:
        """Assemble the result Dataset (and close the NetCDF file, moved into place)."""
        coords = {"y": self.dem["y"].values, "x": self.dem["x"].values}
        data_vars: dict[str, Any] = {
            "elevation": (
                ("y", "x"),
                self.dem.values,
                {"units": "m", "long_name": "ground elevation"},
            )
        }
        for name, (values, units, long_name) in stats.items():
            data_vars[name] = (("y", "x"), values, {"units": units, "long_name": long_name})
        crs = get_crs(self.dem)
        if self._nc is None:
            for name, (units, long_name) in _FRAME_VARS.items():
                data_vars[name] = (
                    ("time", "y", "x"),
                    self._mem[name],
                    {"units": units, "long_name": long_name},
                )
            ds = xr.Dataset(data_vars, coords={**coords, "time": self.times}, attrs=attrs)
        else:
            for name, (values, units, long_name) in stats.items():
                var = self._nc.createVariable(name, "f8", ("y", "x"), zlib=True, complevel=1)
                var[:] = values
                var.units = units
                var.long_name = long_name
            ev = self._nc.createVariable("elevation", "f8", ("y", "x"), zlib=True, complevel=1)
            ev[:] = self.dem.values
            ev.units = "m"
            for key, value in attrs.items():
                self._nc.setncattr(key, value)
            self._nc.close()
            self._tmp.replace(self.path)  # type: ignore[union-attr]
            ds = xr.open_dataset(self.path)
        ds["time"].attrs = {"units": "s", "long_name": "time since start of event"}
        if crs is not None:
            ds = ds.assign_coords(spatial_ref=set_crs(self.dem, crs)["spatial_ref"])
        return ds
