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
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm.demographics import DemographicProfile, ZoneProfiles, default_profile
from drm.errors import DrmWarning, GridError, InputError
from drm.exposure.criterion import RiskCriterion
from drm.exposure.displacement import _fraction
from drm.exposure.result import ExposureResult
from drm.exposure.zones import _zone_assignment
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
    profile: DemographicProfile | Mapping[int, DemographicProfile] | None = None,
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
    zones : "connected", None, xarray.DataArray or ZoneLayer
        Connected at-risk areas (:func:`evacuation_zones`), one zone for the
        whole grid, a zone-id grid on the flood's grid (0/NaN = none), or zone
        polygons rasterised on the flood's grid (:func:`drm.io.zones.read_zones`):
        each cell's persons are then shared among the zones by the cell's
        area fractions (the rest in zone 0), for every count per zone.
    aggregate : bool
        Accept a population grid not on the flood's grid by moving its counts
        conservatively (:func:`population_on_grid`); otherwise such a grid is an error.
    displaced_fraction : float or Series by zone
        Share of the persons at risk who leave their homes, in [0, 1].
    shelter_fraction : float, Series by zone, or None
        Share of the displaced who seek a public shelter, in [0, 1] (see
        :func:`hazus_shelter_fraction`); None leaves it unestimated (NaN).
    profile : DemographicProfile, ZoneProfiles or mapping of int to DemographicProfile, optional
        For :meth:`ExposureResult.demographics`: one profile for everyone, or
        one per zone id (a plain mapping becomes a
        :class:`~drm.demographics.ZoneProfiles` whose default, for zone 0 and
        zones not in it, is :func:`drm.demographics.default_profile`); default
        :func:`drm.demographics.default_profile`.

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
        frames.append(m.ravel())
    ever = np.isfinite(first)
    ids, weights, zid = _zone_assignment(zones, ever, elevation)
    n = ids.size
    wt = weights.T.tocsr()
    timeline = np.array([wt @ np.where(m, pop.ravel(), 0.0) for m in frames]).reshape(len(times), n)
    at_risk_pop = np.where(ever, pop, 0.0)
    dx = check_grid(elevation, "flood DEM").dx
    xs, ys = np.meshgrid(elevation["x"].values, elevation["y"].values)
    persons = wt @ at_risk_pop.ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = wt @ (at_risk_pop * xs).ravel() / persons
        cy = wt @ (at_risk_pop * ys).ravel() / persons
    first_people = np.where(ever & (pop > 0), first, np.inf).ravel()
    zone_first = np.full(n, np.inf)
    cells = weights.tocoo()
    np.minimum.at(zone_first, cells.col, first_people[cells.row])
    table = pd.DataFrame(
        {
            "residents": wt @ pop.ravel(),
            "persons_at_risk": persons,
            "peak_at_risk": timeline.max(axis=0) if len(times) else np.zeros(n),
            "first_at_risk_s": np.where(np.isfinite(zone_first), zone_first, np.nan),
            "cells_at_risk": np.bincount(
                np.searchsorted(ids, zid.ravel()), weights=ever.ravel(), minlength=n
            ).astype(np.int64),
            "x": cx,
            "y": cy,
        },
        index=pd.Index(ids, name="zone"),
    )
    keep = (ids > 0) & (np.diff(weights.tocsc().indptr) > 0)
    keep |= (ids == 0) & (table["persons_at_risk"].to_numpy() > 0)
    table = table[keep]
    table["area_at_risk_m2"] = (wt @ ever.ravel().astype(float))[keep] * dx * dx
    table["displaced"] = table["persons_at_risk"] * _fraction(
        displaced_fraction, table.index, "displaced_fraction"
    )
    table["shelter_seekers"] = (
        np.nan
        if shelter_fraction is None
        else table["displaced"] * _fraction(shelter_fraction, table.index, "shelter_fraction")
    )
    tl = pd.DataFrame(timeline[:, keep], index=pd.Index(times, name="time_s"), columns=table.index)
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
        profile=_as_profile(profile),
    )


def _as_profile(profile: Any) -> DemographicProfile | ZoneProfiles:
    """The profile argument of :func:`people_at_risk` as one profile or a ZoneProfiles."""
    if profile is None:
        return default_profile()
    if isinstance(profile, DemographicProfile | ZoneProfiles):
        return profile
    if isinstance(profile, Mapping):
        return ZoneProfiles(profile)
    raise InputError(
        f"profile must be a DemographicProfile or a mapping of zone id to one, got {type(profile).__name__}"
    )
