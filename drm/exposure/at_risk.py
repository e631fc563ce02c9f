"""Counting the people at risk from a modelled flood: per cell, per zone and over time.

:func:`people_at_risk` evaluates a :class:`~drm.exposure.RiskCriterion`
on every output frame of a :class:`~drm.hazard.flood.FloodResult` and gives

* per cell: persons ever at risk and the first time at risk;
* per zone: residents, persons ever at risk, the peak at risk at one time,
  the first time the zone has people at risk (what the decision clock of
  :func:`drm.warning.decision_clock` counts back from), displaced people and
  shelter seekers;
* over time: persons at risk at each output time, per zone and in total.

A population grid that is not on the flood's grid is refused with a
:class:`~drm.errors.GridError`, unless ``aggregate=True`` asks for a
conservative transfer of the counts (:func:`population_on_grid`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm.demographics import DemographicProfile, default_profile
from drm.errors import DrmWarning, GridError, InputError
from drm.exposure.criterion import RiskCriterion
from drm.exposure.displacement import _fraction
from drm.exposure.result import ExposureResult
from drm.exposure.zones import _zone_grid
from drm.grids import check_grid, check_same_grid, new_grid_like
from drm.regrid import Regridder

__all__ = ["people_at_risk", "population_on_grid"]


def population_on_grid(population: xr.DataArray, like: xr.DataArray) -> xr.DataArray:
    """Move population counts onto another grid, keeping totals (conservative transfer).

    Each source cell's persons are shared among the target cells in proportion
    to the overlapping area (the density is taken uniform within a cell). NaN
    counts as 0. Persons in source cells outside the target grid are lost,
    with a :class:`~drm.errors.DrmWarning` giving how many.

    Parameters
    ----------
    population : xarray.DataArray
        Persons per cell (y, x).
    like : xarray.DataArray
        Target grid (same CRS); only its coordinates (m) are used.

    Returns
    -------
    xarray.DataArray
        Persons per target cell (totals kept).

    Examples
    --------
    >>> coarse = xr.DataArray(np.full((2, 2), 100.0), dims=("y", "x"), coords={"y": [30.0, 10.0], "x": [10.0, 30.0]})
    >>> fine = xr.DataArray(np.zeros((4, 4)), dims=("y", "x"),
    ...                     coords={"y": [35.0, 25.0, 15.0, 5.0], "x": [5.0, 15.0, 25.0, 35.0]})
    >>> p = population_on_grid(coarse, fine)
    >>> float(p.sum()), float(p[0, 0])
    (400.0, 25.0)
    """
    src = check_grid(population, "population", allow_all_nan=True)
    dst = check_grid(like, "target grid", time=None, allow_all_nan=True)
    values = np.nan_to_num(np.asarray(population.values, dtype=float), nan=0.0)
    if np.any(values < 0):
        raise InputError("population has negative counts")
    w = Regridder.between(
        population, like.isel(time=0) if "time" in like.dims else like, "conservative"
    )
    persons = (w.wy @ (values / src.dx**2) @ w.wx.T) * dst.dx**2
    total, kept = float(values.sum()), float(persons.sum())
    if total - kept > 1e-9 * max(total, 1.0):
        warnings.warn(
            DrmWarning(
                f"population_on_grid: {total - kept:,.1f} of {total:,.1f} persons lie outside the target grid"
            ),
            stacklevel=2,
        )
    return new_grid_like(
        like,
        data=persons,
        name="population",
        units="persons",
        long_name="resident population per cell (conservative transfer)",
    )


def people_at_risk(
    population: xr.DataArray,
    flood: Any,
    *,
    criterion: RiskCriterion | None = None,
    zones: Any = "connected",
    aggregate: bool = False,
    displaced_fraction: float | pd.Series = 1.0,
    shelter_fraction: float | pd.Series | None = None,
    profile: DemographicProfile | None = None,
) -> ExposureResult:
    """Count the people at risk from a flood, per cell, per zone and over time.

    Parameters
    ----------
    population : xarray.DataArray
        Persons per cell (y, x); NaN counts as 0.
    flood : drm.hazard.flood.FloodResult or xarray.Dataset
        Needs ``depth`` (time, y, x), ``elevation`` and, for a hazard-class
        criterion, ``velocity`` (time, y, x).
    criterion : RiskCriterion, optional
        When people count as at risk; default ``RiskCriterion()`` (depth >= 0.15 m).
    zones : "connected", None or xarray.DataArray
        Connected at-risk areas (:func:`evacuation_zones`), one zone for the
        whole grid, or a zone-id grid on the flood's grid (0/NaN = none).
    aggregate : bool
        Accept a population grid not on the flood's grid by moving its counts
        conservatively (:func:`population_on_grid`); otherwise such a grid is an error.
    displaced_fraction : float or Series by zone
        Share of the persons at risk who leave their homes, in [0, 1].
    shelter_fraction : float, Series by zone, or None
        Share of the displaced who seek a public shelter, in [0, 1] (see
        :func:`hazus_shelter_fraction`); None leaves it unestimated (NaN).
    profile : DemographicProfile, optional
        For :meth:`ExposureResult.demographics`; default :func:`drm.demographics.default_profile`.

    Returns
    -------
    ExposureResult

    Raises
    ------
    GridError
        Population or zones not on the flood's grid (without ``aggregate``).
    InputError
        Negative population, fractions outside [0, 1], bad zone ids.

    Examples
    --------
    >>> xy = [15.0, 5.0]
    >>> depth = np.array([[[0.0, 0.0], [0.0, 0.0]], [[0.5, 0.0], [0.2, 0.1]]])
    >>> ds = xr.Dataset({"depth": (("time", "y", "x"), depth), "velocity": (("time", "y", "x"), 0 * depth),
    ...                  "elevation": (("y", "x"), np.zeros((2, 2)))},
    ...                 coords={"time": [0.0, 600.0], "y": xy, "x": xy[::-1]})
    >>> pop = xr.DataArray([[10.0, 20.0], [30.0, 40.0]], dims=("y", "x"), coords={"y": xy, "x": xy[::-1]})
    >>> r = people_at_risk(pop, ds, shelter_fraction=0.5)
    >>> r.total_at_risk, r.zones["first_at_risk_s"].tolist(), float(r.zones["shelter_seekers"].sum())
    (40.0, [600.0], 20.0)
    """
    ds = flood if isinstance(flood, xr.Dataset) else flood.ds
    crit = RiskCriterion() if criterion is None else criterion
    if not isinstance(crit, RiskCriterion):
        raise InputError("criterion must be a RiskCriterion")
    elevation = ds["elevation"]
    try:
        check_same_grid(elevation, population, ("flood DEM", "population"))
    except GridError as err:
        if not aggregate:
            raise GridError(
                f"{err}. For population counts, pass aggregate=True instead: it moves persons "
                "conservatively onto the flood's grid (totals kept)"
            ) from None
        population = population_on_grid(population, elevation)
    pop = np.nan_to_num(np.asarray(population.values, dtype=float), nan=0.0)
    if np.any(pop < 0):
        raise InputError(f"population has {int((pop < 0).sum())} negative cells")
    times = np.asarray(ds["time"].values, dtype=float)
    first = np.full(pop.shape, np.nan)
    frames: list[np.ndarray] = []
    if crit.hazard is not None and "velocity" not in ds:
        raise InputError(f"the {crit.hazard} criterion needs the flood's velocity")
    for k, t in enumerate(times):
        depth = ds["depth"].isel(time=k).values
        speed = ds["velocity"].isel(time=k).values if "velocity" in ds else np.zeros_like(depth)
        m = crit.mask(depth, speed)
        first[m & np.isnan(first)] = t
        frames.append(np.flatnonzero(m))
    ever = np.isfinite(first)
    zid = _zone_grid(zones, ever, elevation)
    n = int(zid.max()) + 1
    flat_z, flat_p = zid.ravel(), pop.ravel()
    timeline = np.array([np.bincount(flat_z[f], weights=flat_p[f], minlength=n) for f in frames])
    at_risk_pop = np.where(ever, pop, 0.0)
    dx = check_grid(elevation, "flood DEM").dx
    xs, ys = np.meshgrid(elevation["x"].values, elevation["y"].values)
    persons = np.bincount(flat_z, weights=at_risk_pop.ravel(), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = np.bincount(flat_z, weights=(at_risk_pop * xs).ravel(), minlength=n) / persons
        cy = np.bincount(flat_z, weights=(at_risk_pop * ys).ravel(), minlength=n) / persons
    first_people = np.where(ever & (pop > 0), first, np.inf).ravel()
    zone_first = np.full(n, np.inf)
    np.minimum.at(zone_first, flat_z, first_people)
    table = pd.DataFrame(
        {
            "residents": np.bincount(flat_z, weights=flat_p, minlength=n),
            "persons_at_risk": persons,
            "peak_at_risk": timeline.max(axis=0) if len(times) else np.zeros(n),
            "first_at_risk_s": np.where(np.isfinite(zone_first), zone_first, np.nan),
            "cells_at_risk": np.bincount(flat_z, weights=ever.ravel(), minlength=n).astype(
                np.int64
            ),
            "x": cx,
            "y": cy,
        },
        index=pd.RangeIndex(n, name="zone"),
    )
    keep = (table.index > 0) & np.isin(table.index, np.unique(zid[zid > 0]))
    keep |= (table.index == 0) & (table["persons_at_risk"] > 0)
    table = table[keep]
    table["area_at_risk_m2"] = table["cells_at_risk"] * dx * dx
    table["displaced"] = table["persons_at_risk"] * _fraction(
        displaced_fraction, table.index, "displaced_fraction"
    )
    table["shelter_seekers"] = (
        np.nan
        if shelter_fraction is None
        else table["displaced"] * _fraction(shelter_fraction, table.index, "shelter_fraction")
    )
    tl = pd.DataFrame(
        timeline[:, table.index], index=pd.Index(times, name="time_s"), columns=table.index
    )
    tl["total"] = timeline.sum(axis=1)
    return ExposureResult(
        zones=table,
        timeline=tl,
        persons_at_risk=new_grid_like(
            elevation,
            data=at_risk_pop,
            name="persons_at_risk",
            units="persons",
            long_name=f"persons at risk ({crit.describe()})",
        ),
        first_at_risk_s=new_grid_like(
            elevation,
            data=first,
            name="first_at_risk_s",
            units="s",
            long_name="first output time at risk",
        ),
        zone_id=new_grid_like(
            elevation,
            data=zid,
            dtype=np.int32,
            name="zone_id",
            units="1",
            long_name="evacuation zone (0 = none)",
        ),
        elevation=elevation,
        criterion=crit,
        profile=default_profile() if profile is None else profile,
    )
