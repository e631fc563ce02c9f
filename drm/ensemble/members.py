"""Ensemble members: their seeds, their rain, and the scenario each one runs.

A member's rain comes either from a rainfall ensemble file (a NetCDF whose
rain variable has a ``member`` dimension besides ``time``, ``y`` and ``x``)
or from the scenario's one forecast, perturbed in three ways:

* intensity: every rate times a lognormal factor ``exp(σ·z)``, median 1 and
  log standard deviation ``intensity_sigma``;
* position: the field moved east and north by ``shift_m·z`` metres each
  (bilinear between cells, edge values carried outward);
* timing: the hyetograph delayed by ``timing_shift_s·z`` seconds (a dry
  spell added before it; a negative delay cuts the first part of the storm);

with ``z`` independent standard normal draws. Member ``k`` of a scenario with
seed ``s`` draws from ``numpy.random.SeedSequence(s, spawn_key=(k,))``, the
``k``-th child that ``SeedSequence(s).spawn`` would give: its draws and its
own run seed (evacuation and shelter randomness) do not depend on how many
members there are, on which machine they run, or in what order.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy import ndimage

from drm.errors import InputError
from drm.grids import check_grid, get_crs
from drm.io import write_grid
from drm.io._files import resolve_input
from drm.io.rainfall import rainfall_grid, read_rainfall
from drm.io.rasters import _pick_variable
from drm.scenario.schema import EnsembleSection, Scenario

__all__ = [
    "MemberSpec",
    "Perturbation",
    "delay_rainfall",
    "ensemble_size",
    "member_scenario",
    "member_specs",
    "perturb_rainfall",
    "shift_rainfall",
    "write_member_rainfall",
]

#: Names tried, in order, for the rain variable of an ensemble file.
_RAIN_NAMES = ("rainfall", "precipitation", "precip", "pr", "rain", "tp")


@dataclass(frozen=True)
class Perturbation:
    """How generated members differ from the scenario's forecast.

    Parameters
    ----------
    intensity_sigma : float
        Log standard deviation of the lognormal intensity factor (median 1);
        0 keeps the intensity.
    shift_m : float
        Standard deviation (m) of the east and of the north displacement of
        the rain field.
    timing_shift_s : float
        Standard deviation (s) of the delay of the hyetograph.

    Raises
    ------
    InputError
        A negative or non-finite setting.

    Examples
    --------
    >>> Perturbation(intensity_sigma=0.3, timing_shift_s=1800.0).is_none
    False
    >>> Perturbation(0.0, 0.0, 0.0).is_none
    True
    """

    intensity_sigma: float = 0.3
    shift_m: float = 0.0
    timing_shift_s: float = 0.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise InputError(
                    f"perturbation {f.name} must be a number >= 0 (0 turns it off), got {value!r}"
                )
            object.__setattr__(self, f.name, float(value))

    @property
    def is_none(self) -> bool:
        """True when every setting is 0 (members keep the forecast as it is)."""
        return self.intensity_sigma == 0 and self.shift_m == 0 and self.timing_shift_s == 0

    @classmethod
    def of(cls, value: Perturbation | Mapping[str, float] | EnsembleSection) -> Perturbation:
        """A Perturbation from itself, a mapping of its settings or a scenario's ``[ensemble]`` section."""
        if isinstance(value, Perturbation):
            return value
        if isinstance(value, EnsembleSection):
            return cls(value.intensity_sigma, value.shift_m, value.timing_shift_s)
        if isinstance(value, Mapping):
            known = {f.name for f in dataclasses.fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise InputError(
                    f"perturb: unknown setting {unknown[0]!r}; use {', '.join(sorted(known))}"
                )
            return cls(**value)
        raise InputError(
            f"perturb must be a Perturbation or a mapping of its settings, got {type(value).__name__}"
        )


@dataclass(frozen=True)
class MemberSpec:
    """Everything that makes one member differ from the others (small, sent to workers).

    Attributes
    ----------
    index : int
        Member number, from 0.
    seed : int
        The member's run seed (replaces the scenario seed in its run).
    intensity_factor : float
        Multiplies the rain rates (dimensionless).
    shift_east_m, shift_north_m : float
        Displacement of the rain field (m).
    delay_s : float
        Delay of the hyetograph (s; negative: earlier).
    source : pathlib.Path or None
        Rainfall ensemble file the member's rain comes from; None: the
        scenario's rainfall.
    source_member : int or None
        Position along the file's ``member`` dimension.
    """

    index: int
    seed: int
    intensity_factor: float = 1.0
    shift_east_m: float = 0.0
    shift_north_m: float = 0.0
    delay_s: float = 0.0
    source: Path | None = None
    source_member: int | None = None

    @property
    def perturbed(self) -> bool:
        """True when the member's rain differs from its source."""
        return (self.intensity_factor, self.shift_east_m, self.shift_north_m, self.delay_s) != (
            1.0,
            0.0,
            0.0,
            0.0,
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data (the source as a string), e.g. for JSON and hashing."""
        out = dataclasses.asdict(self)
        out["source"] = str(self.source) if self.source is not None else None
        return out


def member_specs(
    seed: int,
    n: int,
    perturb: Perturbation | None = None,
    *,
    source: str | os.PathLike[str] | None = None,
) -> list[MemberSpec]:
    """The specs of members ``0 .. n-1``: seeds and perturbation draws.

    Parameters
    ----------
    seed : int
        The scenario seed (>= 0).
    n : int
        Number of members (>= 1).
    perturb : Perturbation, optional
        Perturbation settings; None leaves the rain as it is.
    source : str or path-like, optional
        A rainfall ensemble file: member ``k`` takes its ``k``-th member.

    Returns
    -------
    list of MemberSpec

    Raises
    ------
    InputError
        A negative seed or fewer than one member.

    Examples
    --------
    >>> a = member_specs(42, 3, Perturbation(intensity_sigma=0.3))
    >>> b = member_specs(42, 5, Perturbation(intensity_sigma=0.3))
    >>> a == b[:3], len({m.seed for m in b})
    (True, 5)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"members must be a whole number >= 1, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"the scenario seed must be a whole number >= 0, got {seed!r}")
    p = perturb or Perturbation(0.0, 0.0, 0.0)
    specs = []
    for k in range(int(n)):
        draw_seq, run_seq = np.random.SeedSequence(int(seed), spawn_key=(k,)).spawn(2)
        z = np.random.default_rng(draw_seq).standard_normal(4)
        specs.append(
            MemberSpec(
                index=k,
                seed=int(run_seq.generate_state(1)[0]),
                intensity_factor=float(np.exp(p.intensity_sigma * z[0])),
                shift_east_m=float(p.shift_m * z[1]),
                shift_north_m=float(p.shift_m * z[2]),
                delay_s=float(p.timing_shift_s * z[3]),
                source=Path(source) if source is not None else None,
                source_member=k if source is not None else None,
            )
        )
    return specs


def _rebuild(
    rain: xr.DataArray, values: np.ndarray, time_s: np.ndarray, end_s: float
) -> xr.DataArray:
    """A checked rainfall grid (m/s) with the coordinates and CRS of ``rain`` and new values/times."""
    return rainfall_grid(
        values,
        x=rain["x"].values,
        y=rain["y"].values,
        time_s=time_s,
        units="m s-1",
        crs=get_crs(rain),
        interval_end_s=end_s,
    )


def shift_rainfall(rain: xr.DataArray, east_m: float, north_m: float) -> xr.DataArray:
    """Move a rain field east and north by some metres (bilinear between cells).

    Parameters
    ----------
    rain : xarray.DataArray
        Rainfall rate (m/s), dims ``("time", "y", "x")``.
    east_m, north_m : float
        Displacement (m); negative moves west or south. Cells the field
        leaves take the values at the upwind edge.

    Returns
    -------
    xarray.DataArray
        Same grid and times; rain in m/s.

    Examples
    --------
    >>> r = rainfall_grid(np.pad([[[36.0]]], ((0, 0), (1, 1), (1, 1))), x=[5.0, 15.0, 25.0],
    ...                   y=[25.0, 15.0, 5.0], time_s=[0.0], interval_end_s=3600.0)
    >>> (shift_rainfall(r, 10.0, 0.0)[0] > 0).values.astype(int).tolist()
    [[0, 0, 0], [0, 0, 1], [0, 0, 0]]
    """
    spec = check_grid(rain, "rainfall", time=True)
    shifted = ndimage.shift(
        np.asarray(rain.values, dtype=float),
        (0.0, north_m / spec.ystep, east_m / spec.dx),
        order=1,
        mode="nearest",
    )
    return _rebuild(
        rain, np.clip(shifted, 0.0, None), rain["time"].values, rain.attrs["interval_end_s"]
    )


def delay_rainfall(rain: xr.DataArray, delay_s: float) -> xr.DataArray:
    """Delay a hyetograph: rain that fell at ``t`` falls at ``t + delay_s``.

    A positive delay adds a dry interval of that length at the start; a
    negative one removes the first ``-delay_s`` seconds of the storm (rain
    before the start of the event is lost). Rates are piecewise constant, so
    both are exact.

    Parameters
    ----------
    rain : xarray.DataArray
        Rainfall rate (m/s), dims ``("time", "y", "x")``, with
        ``attrs["interval_end_s"]``.
    delay_s : float
        Delay (s).

    Returns
    -------
    xarray.DataArray

    Examples
    --------
    >>> r = rainfall_grid(np.full((2, 2, 2), 36.0), x=[5.0, 15.0], y=[15.0, 5.0], time_s=[0.0, 600.0])
    >>> d = delay_rainfall(r, 300.0)
    >>> d["time"].values.tolist(), d.attrs["interval_end_s"], float(d[0, 0, 0])
    ([0.0, 300.0, 900.0], 1500.0, 0.0)
    """
    t = np.asarray(rain["time"].values, dtype=float)
    end = float(rain.attrs["interval_end_s"])
    values = np.asarray(rain.values, dtype=float)
    if delay_s > 0:
        dry = np.zeros((1, *values.shape[1:]))
        return _rebuild(rain, np.concatenate([dry, values]), np.r_[0.0, t + delay_s], end + delay_s)
    if delay_s < 0:
        cut = -delay_s
        keep = np.append(t[1:], end) > cut
        if not keep.any():  # the whole storm falls before the event starts
            return _rebuild(rain, np.zeros_like(values[:1]), np.zeros(1), end)
        return _rebuild(rain, values[keep], np.maximum(t[keep] - cut, 0.0), end - cut)
    return rain


def perturb_rainfall(rain: xr.DataArray, spec: MemberSpec) -> xr.DataArray:
    """Apply a member's intensity factor, shift and delay to a rain grid (m/s).

    Examples
    --------
    >>> r = rainfall_grid(np.full((1, 2, 2), 36.0), x=[5.0, 15.0], y=[15.0, 5.0], time_s=[0.0],
    ...                   interval_end_s=3600.0)
    >>> round(float(perturb_rainfall(r, MemberSpec(0, 1, intensity_factor=2.0)).max()) * 3.6e6, 9)  # mm/h
    72.0
    """
    scaled = _rebuild(
        rain, rain.values * spec.intensity_factor, rain["time"].values, rain.attrs["interval_end_s"]
    )
    return delay_rainfall(
        shift_rainfall(scaled, spec.shift_east_m, spec.shift_north_m), spec.delay_s
    )


def ensemble_size(path: str | os.PathLike[str]) -> int:
    """Number of members in a rainfall ensemble file.

    Raises
    ------
    DataNotFoundError
        No such file.
    InputError
        Not a readable NetCDF, or its rain variable has no ``member`` dimension.

    Examples
    --------
    >>> ensemble_size("forecast_members.nc")  # doctest: +SKIP
    20
    """
    p = resolve_input(path, "rainfall ensemble")
    try:
        with xr.open_dataset(p) as ds:
            name = _pick_variable(ds, None, _RAIN_NAMES, p, ndim=4)
            dims = ds[name].dims
            n = int(ds.sizes.get("member", 0))
    except (OSError, ValueError) as err:
        raise InputError(f"{p}: not a readable NetCDF file ({err})") from None
    if "member" not in dims:
        raise InputError(
            f"{p}: rain variable {name!r} has dims {dims}; a rainfall ensemble needs a 'member' dimension "
            "(one (time, y, x) field per member); for one forecast, generate members with perturb=..."
        )
    return n


def write_member_rainfall(
    scenario: Scenario, spec: MemberSpec, path: str | os.PathLike[str]
) -> Path:
    """Write a member's rain as a NetCDF file that :func:`drm.io.read_rainfall` reads.

    A member taken from an ensemble file keeps the file's units and
    coordinates; a perturbed one is written as a rate in ``m s-1`` on the
    grid of its source.

    Parameters
    ----------
    scenario : Scenario
        The ensemble's scenario (its ``hazard.rainfall`` is the forecast).
    spec : MemberSpec
        The member.
    path : str or path-like
        Target ``.nc`` file (written atomically).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> from drm.scenario import load_scenario
    >>> sc = load_scenario("valle_alto")
    >>> spec = member_specs(sc.seed, 1, Perturbation(intensity_sigma=0.3))[0]
    >>> write_member_rainfall(sc, spec, "rain_m0000.nc")  # doctest: +SKIP
    PosixPath('rain_m0000.nc')
    """
    target = Path(path)
    if spec.source is not None:
        p = resolve_input(spec.source, "rainfall ensemble")
        with xr.open_dataset(p) as ds:
            name = _pick_variable(ds, None, _RAIN_NAMES, p, ndim=4)
            keep = [name] + (["spatial_ref"] if "spatial_ref" in ds.variables else [])
            write_grid(ds[keep].isel(member=spec.source_member, drop=True).load(), target)
        if not spec.perturbed:
            return target
        rain = read_rainfall(target)
    else:
        rain = read_rainfall(scenario.hazard.rainfall)
    out = perturb_rainfall(rain, spec).rename("rainfall")
    out.attrs.update(
        member=spec.index,
        intensity_factor=spec.intensity_factor,
        shift_east_m=spec.shift_east_m,
        shift_north_m=spec.shift_north_m,
        delay_s=spec.delay_s,
    )
    return write_grid(out, target)


def member_scenario(
    scenario: Scenario, spec: MemberSpec, rainfall: str | os.PathLike[str]
) -> Scenario:
    """The scenario one member runs: the member's rain file and run seed, all else unchanged.

    Parameters
    ----------
    scenario : Scenario
        The ensemble's scenario.
    spec : MemberSpec
        The member (its ``seed`` replaces the scenario's).
    rainfall : str or path-like
        The member's rain file (:func:`write_member_rainfall`).

    Returns
    -------
    Scenario
        A copy with ``hazard.rainfall`` and ``seed`` replaced.

    Examples
    --------
    >>> from drm.scenario import load_scenario
    >>> sc = load_scenario("valle_alto")
    >>> m = member_scenario(sc, MemberSpec(3, 12345), "/tmp/rain.nc")
    >>> m.seed, m.hazard.rainfall.name, m.hazard.dem == sc.hazard.dem
    (12345, 'rain.nc', True)
    """
    hazard = dataclasses.replace(scenario.hazard, rainfall=Path(rainfall).resolve())  # type: ignore[type-var]
    return dataclasses.replace(scenario, seed=int(spec.seed), hazard=hazard)  # type: ignore[type-var]
