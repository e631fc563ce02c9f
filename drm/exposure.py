"""People at risk from a modelled flood: where, when, in which zone, who, and who needs a shelter.

A cell's residents are **at risk** at an output time of the flood when the
cell meets a :class:`RiskCriterion` then: a depth, and optionally a hazard
class (FD2320 hazard rating or ARR 2019 H1-H6, from depth and velocity, see
:mod:`drm.hazard.classify`). :func:`people_at_risk` evaluates it on every
output frame of a :class:`~drm.hazard.flood.FloodResult` and gives

* per cell: persons ever at risk and the first time at risk;
* per zone: residents, persons ever at risk, the peak at risk at one time,
  the first time the zone has people at risk (what the decision clock of
  :func:`drm.warning.decision_clock` counts back from), displaced people and
  shelter seekers;
* over time: persons at risk at each output time, per zone and in total.

Zones are the connected flooded areas (:func:`evacuation_zones`, by
:func:`scipy.ndimage.label`), or a zone-id grid the user gives (e.g. the
neighbourhoods). At-risk people in cells outside every given zone are kept
in a zone ``0`` row, so zone totals always add up to the grid total.

Who they are: :meth:`ExposureResult.demographics` splits the persons of each
zone into groups (sex, infants, children under 5, women 15-49, people aged
60+, pregnant women, people with disabilities) with
:func:`drm.demographics.split_population` and its documented default profile.

Displaced people are a fraction of the persons at risk; shelter seekers a
fraction of the displaced, given directly or estimated with
:func:`hazus_shelter_fraction`, the weighting of the FEMA Hazus methodology
for short-term shelter needs (Hazus-MH 2.1 Technical Manual, modification
factors by household income, age and tenure): a weighted sum, over income,
age and tenure classes, of each class's share times its modification factor.

A population grid that is not on the flood's grid is refused with a
:class:`~drm.errors.GridError`, unless ``aggregate=True`` asks for a
conservative transfer of the counts (:func:`population_on_grid`).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage

from drm.demographics import DemographicProfile, default_profile, split_population
from drm.errors import DrmWarning, GridError, InputError
from drm.grids import check_grid, check_same_grid, new_grid_like
from drm.hazard.classify import arr_hazard_class, hazard_rating, hazard_rating_class
from drm.regrid import Regridder
from drm.units import format_duration

__all__ = [
    "HAZUS_FACTORS",
    "HAZUS_WEIGHTS",
    "ExposureResult",
    "RiskCriterion",
    "evacuation_zones",
    "hazus_shelter_fraction",
    "people_at_risk",
    "population_on_grid",
]

#: Hazus short-term shelter modification factors by class (Hazus-MH 2.1 Technical Manual; income in
#: US dollars per household per year, the bands of the 2000 census). Age and tenure factors are
#: equal in Hazus: they weigh nothing between classes until a user changes them.
HAZUS_FACTORS: dict[str, dict[str, float]] = {
    "income": {
        "under_15k": 0.62,
        "15k_20k": 0.42,
        "20k_35k": 0.29,
        "35k_50k": 0.22,
        "over_50k": 0.13,
    },
    "age": {"under_16": 0.40, "16_65": 0.40, "over_65": 0.40},
    "tenure": {"owner": 0.40, "renter": 0.40},
}
#: Weights of the income, age and tenure terms (they add up to 1). Hazus weighs income 0.73 and
#: ethnicity 0.27 (age and tenure 0); drm has no ethnicity group, so the default moves that 0.27 to
#: age, whose equal factors make it a constant 0.27 x 0.40 = 0.108. Override for local evidence.
HAZUS_WEIGHTS: dict[str, float] = {"income": 0.73, "age": 0.27, "tenure": 0.0}


@dataclass(frozen=True)
class RiskCriterion:
    """When a cell's residents count as at risk.

    Parameters
    ----------
    depth_m : float
        Water at least this deep (m, >= 0; any water when 0). The default
        0.15 m is a planning choice (water over a doorstep), the same as the
        flooded-centre limit of :func:`drm.evacuation.locate_centres`.
    hazard : {"fd2320", "arr"} or None
        Also require a hazard class: FD2320 rating class (1 low .. 4 extreme)
        or ARR 2019 class (1 H1 .. 6 H6).
    min_class : int, optional
        Lowest class at risk (default 2 for FD2320, "danger for some"; 3 for
        ARR, "unsafe for children and the elderly").
    land_use : str
        Land use of the FD2320 debris factor.

    Examples
    --------
    >>> RiskCriterion(hazard="fd2320").mask(np.array([0.2, 0.5]), np.array([0.1, 1.0])).tolist()  # HR 0.12, 1.75
    [False, True]
    """

    depth_m: float = 0.15
    hazard: Literal["fd2320", "arr"] | None = None
    min_class: int | None = None
    land_use: str = "urban"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.depth_m) and self.depth_m >= 0):
            raise InputError(f"RiskCriterion.depth_m must be >= 0 m, got {self.depth_m!r}")
        top = {"fd2320": 4, "arr": 6, None: None}
        if self.hazard not in top:
            raise InputError(
                f"RiskCriterion.hazard must be 'fd2320', 'arr' or None, got {self.hazard!r}"
            )
        if self.hazard is None:
            if self.min_class is not None:
                raise InputError("RiskCriterion.min_class needs hazard='fd2320' or 'arr'")
            return
        cls = self.min_class if self.min_class is not None else {"fd2320": 2, "arr": 3}[self.hazard]
        if int(cls) != cls or not 1 <= cls <= top[self.hazard]:
            raise InputError(
                f"RiskCriterion.min_class for {self.hazard} must be 1-{top[self.hazard]}, got {cls!r}"
            )
        object.__setattr__(self, "min_class", int(cls))

    def mask(self, depth: np.ndarray, velocity: np.ndarray) -> np.ndarray:
        """True where depth (m) and speed (m/s) put people at risk; NaN cells never are."""
        d = np.nan_to_num(np.asarray(depth, dtype=float), nan=0.0)
        d = np.maximum(d, 0.0)
        out = (d > 0) & (d >= self.depth_m)
        if self.hazard is not None:
            v = np.maximum(np.nan_to_num(np.asarray(velocity, dtype=float), nan=0.0), 0.0)
            if self.hazard == "fd2320":
                cls = hazard_rating_class(hazard_rating(d, v, land_use=self.land_use))
            else:
                cls = arr_hazard_class(d, v)
            out &= np.asarray(cls) >= self.min_class
        return out & np.isfinite(np.asarray(depth, dtype=float))

    def describe(self) -> str:
        """One line for reports, e.g. ``"depth >= 0.15 m"``."""
        text = f"depth >= {self.depth_m:g} m"
        if self.hazard is not None:
            text += f" and {self.hazard.upper()} class >= {self.min_class}"
        return text


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


def evacuation_zones(
    at_risk: xr.DataArray, *, buffer_m: float = 0.0, connectivity: int = 8
) -> xr.DataArray:
    """Number the connected areas of at-risk cells as evacuation zones.

    Parameters
    ----------
    at_risk : xarray.DataArray
        Boolean (or 0/1) grid of cells at risk at some time.
    buffer_m : float
        Grow the areas by this distance (m) first (a disk), so that people
        next to the water are in the zone; areas that touch then merge.
    connectivity : {4, 8}
        Cells touching by an edge only (4) or also by a corner (8).

    Returns
    -------
    xarray.DataArray
        Zone id per cell (int32, 1..n, 0 outside every zone), largest area first.

    Examples
    --------
    >>> m = xr.DataArray([[1, 0, 0, 1], [1, 0, 0, 0], [0, 0, 1, 1]], dims=("y", "x"),
    ...                  coords={"y": [25.0, 15.0, 5.0], "x": [5.0, 15.0, 25.0, 35.0]})
    >>> evacuation_zones(m).values.tolist()
    [[1, 0, 0, 3], [1, 0, 0, 0], [0, 0, 2, 2]]
    """
    spec = check_grid(at_risk, "at_risk", allow_all_nan=True)
    if connectivity not in (4, 8):
        raise InputError(f"connectivity must be 4 or 8, got {connectivity!r}")
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise InputError(f"buffer_m must be >= 0, got {buffer_m!r}")
    mask = np.nan_to_num(np.asarray(at_risk.values, dtype=float)) > 0
    if buffer_m > 0:
        r = int(np.floor(buffer_m / spec.dx))
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
        mask = ndimage.binary_dilation(mask, structure=(yy**2 + xx**2) * spec.dx**2 <= buffer_m**2)
    structure = ndimage.generate_binary_structure(2, 2 if connectivity == 8 else 1)
    labels, n = ndimage.label(mask, structure=structure)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    order = np.argsort(-sizes, kind="stable")  # largest first, ties in scan order
    rank = np.zeros(n + 1, dtype=np.int32)
    rank[order + 1] = np.arange(1, n + 1, dtype=np.int32)
    return new_grid_like(
        at_risk,
        data=rank[labels],
        dtype=np.int32,
        name="zone_id",
        units="1",
        long_name="evacuation zone (connected at-risk area; 0 = none)",
    )


def hazus_shelter_fraction(
    income: Mapping[str, float] | pd.DataFrame,
    age: Mapping[str, float] | pd.DataFrame | None = None,
    tenure: Mapping[str, float] | pd.DataFrame | None = None,
    *,
    weights: Mapping[str, float] | None = None,
    factors: Mapping[str, Mapping[str, float]] | None = None,
) -> float | pd.Series:
    """Share of displaced people seeking public shelter, Hazus style.

    ``fraction = Σ_g w_g Σ_k share_gk × factor_gk`` over the groups g =
    income, age, tenure and their classes k (:data:`HAZUS_FACTORS`,
    :data:`HAZUS_WEIGHTS`).

    Parameters
    ----------
    income, age, tenure : dict class -> share, or DataFrame (rows: zones, columns: classes)
        Shares of the displaced population in each class (each row adds up to
        1). Income classes are Hazus's US-dollar bands: map local income
        groups onto them or give your own ``factors``. Age and tenure may be
        left out while their factors are equal across classes (the Hazus
        defaults) or their weight is 0.
    weights : dict, optional
        Weight of each group (adding up to 1); default :data:`HAZUS_WEIGHTS`.
    factors : dict of dict, optional
        Modification factor of each class; default :data:`HAZUS_FACTORS`.

    Returns
    -------
    float, or pandas.Series by zone when a DataFrame is given
        Share of the displaced who seek public shelter (fraction in [0, 1]).

    Examples
    --------
    >>> round(hazus_shelter_fraction({"under_15k": 1.0}), 4)  # 0.73 x 0.62 + 0.27 x 0.40
    0.5606
    """
    w = dict(HAZUS_WEIGHTS if weights is None else weights)
    f = {g: dict(v) for g, v in (HAZUS_FACTORS if factors is None else factors).items()}
    if set(w) != {"income", "age", "tenure"} or any(
        not (np.isfinite(v) and v >= 0) for v in w.values()
    ):
        raise InputError(f"weights need income, age and tenure, each >= 0; got {w}")
    if abs(sum(w.values()) - 1.0) > 1e-9:
        raise InputError(f"weights must add up to 1, got {sum(w.values()):g}")
    frames = any(isinstance(s, pd.DataFrame) for s in (income, age, tenure))
    total: Any = 0.0
    for group, shares in (("income", income), ("age", age), ("tenure", tenure)):
        fac = f.get(group, {})
        if w[group] == 0:
            continue
        if shares is None:
            if len(set(fac.values())) != 1:
                raise InputError(f"give {group} shares: its factors differ between classes")
            total = total + w[group] * next(iter(fac.values()))
            continue
        table = shares if isinstance(shares, pd.DataFrame) else pd.DataFrame([dict(shares)])
        unknown = set(table.columns) - set(fac)
        if unknown:
            raise InputError(f"unknown {group} classes {sorted(unknown)}; use {sorted(fac)}")
        values = table.to_numpy(dtype=float)
        if np.any(values < 0) or np.any(np.abs(values.sum(axis=1) - 1.0) > 1e-6):
            raise InputError(f"{group} shares must be >= 0 and add up to 1 in every row")
        term = w[group] * (table * pd.Series(fac)[table.columns]).sum(axis=1)
        total = total + (
            term if frames and isinstance(shares, pd.DataFrame) else float(term.iloc[0])
        )
    return total.rename("shelter_fraction") if isinstance(total, pd.Series) else float(total)


@dataclass(frozen=True, eq=False, repr=False)
class ExposureResult:
    """People at risk from a flood (see :func:`people_at_risk`).

    Attributes
    ----------
    zones : pandas.DataFrame
        By zone id: ``residents``, ``persons_at_risk`` (ever), ``peak_at_risk``
        (most at one time), ``first_at_risk_s`` (first time with people at
        risk; NaN if none), ``cells_at_risk``, ``area_at_risk_m2``, ``x``,
        ``y`` (centre of the people at risk, m), ``displaced``,
        ``shelter_seekers`` (NaN when no shelter fraction was given).
    timeline : pandas.DataFrame
        Persons at risk at each output time (index ``time_s``), one column per
        zone and ``total``.
    persons_at_risk : xarray.DataArray
        Persons per cell ever at risk (0 elsewhere).
    first_at_risk_s : xarray.DataArray
        First output time (s) each cell is at risk; NaN if never.
    zone_id : xarray.DataArray
        Zone id of each cell (0 = none).
    elevation : xarray.DataArray
        The flood's ground elevation (m, for maps).
    criterion : RiskCriterion
        The criterion applied.
    profile : DemographicProfile
        Profile used by :meth:`demographics`.
    """

    zones: pd.DataFrame
    timeline: pd.DataFrame
    persons_at_risk: xr.DataArray
    first_at_risk_s: xr.DataArray
    zone_id: xr.DataArray
    elevation: xr.DataArray
    criterion: RiskCriterion
    profile: DemographicProfile

    @property
    def total_at_risk(self) -> float:
        """Persons ever at risk, all zones."""
        return float(self.zones["persons_at_risk"].sum())

    def cells(self) -> pd.DataFrame:
        """At-risk cells as evacuation origins: ``x``, ``y``, ``persons``, ``zone``, ``first_at_risk_s``."""
        p = self.persons_at_risk.values
        rows, cols = np.nonzero(p > 0)
        return pd.DataFrame(
            {
                "x": self.persons_at_risk["x"].values[cols],
                "y": self.persons_at_risk["y"].values[rows],
                "persons": p[rows, cols],
                "zone": self.zone_id.values[rows, cols],
                "first_at_risk_s": self.first_at_risk_s.values[rows, cols],
            }
        )

    def cumulative(self) -> pd.Series:
        """Persons at risk so far (first time at risk <= t), at each output time."""
        first = self.first_at_risk_s.values.ravel()
        persons = self.persons_at_risk.values.ravel()
        ok = np.isfinite(first)
        t = self.timeline.index.to_numpy(dtype=float)
        order = np.argsort(first[ok])
        cum = np.concatenate([[0.0], np.cumsum(persons[ok][order])])
        k = np.searchsorted(first[ok][order], t, side="right")
        return pd.Series(cum[k], index=self.timeline.index, name="persons_at_risk_so_far")

    def demographics(
        self, of: Literal["persons_at_risk", "displaced", "shelter_seekers"] = "persons_at_risk"
    ) -> pd.DataFrame:
        """Persons of each zone by group (overlapping groups; female + male = the total).

        Parameters
        ----------
        of : {"persons_at_risk", "displaced", "shelter_seekers"}
            Which count to split.

        Returns
        -------
        pandas.DataFrame
            One row per zone plus ``total``, one column per group of
            :data:`drm.demographics.GROUPS`.
        """
        if of not in ("persons_at_risk", "displaced", "shelter_seekers"):
            raise InputError(
                f"of must be persons_at_risk, displaced or shelter_seekers, got {of!r}"
            )
        counts = self.zones[of]
        if counts.isna().any():
            raise InputError(f"{of} were not estimated: give shelter_fraction to people_at_risk")
        rows = {z: split_population(float(v), profile=self.profile) for z, v in counts.items()}
        rows["total"] = split_population(float(counts.sum()), profile=self.profile)
        return pd.DataFrame(rows).T.rename_axis("zone")

    def _summary(self) -> list[tuple[str, str]]:
        z = self.zones
        first = z["first_at_risk_s"].min()
        seekers = z["shelter_seekers"].sum() if z["shelter_seekers"].notna().all() else np.nan
        return [
            ("criterion", self.criterion.describe()),
            ("residents", f"{z['residents'].sum():,.0f}"),
            (
                "persons at risk",
                f"{self.total_at_risk:,.0f} in {int((z['persons_at_risk'] > 0).sum())} zones",
            ),
            ("peak at one time", f"{self.timeline['total'].max():,.0f}"),
            ("first at risk", format_duration(first) if np.isfinite(first) else "never"),
            ("displaced", f"{z['displaced'].sum():,.0f}"),
            ("shelter seekers", f"{seekers:,.0f}" if np.isfinite(seekers) else "not estimated"),
        ]

    def __repr__(self) -> str:
        return "ExposureResult:\n" + "\n".join(f"  {k}: {v}" for k, v in self._summary())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._summary()
        )
        top = self.zones.sort_values("persons_at_risk", ascending=False).head(10)
        return f"<b>ExposureResult</b><table>{rows}</table><p><b>zones</b></p>{top.to_html()}"

    def plot(self) -> Any:
        """Map of persons at risk per cell with zone outlines, and persons at risk over time.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        from drm.grids import grid_bounds
        from drm.plotting import add_scale_bar, plot_hillshade

        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.6), layout="constrained")
        plot_hillshade(self.elevation, ax)
        xmin, ymin, xmax, ymax = grid_bounds(self.elevation)
        p = self.persons_at_risk.where(self.persons_at_risk > 0)
        im = ax.imshow(
            p.values, extent=(xmin, xmax, ymin, ymax), cmap="magma_r", interpolation="nearest"
        )
        fig.colorbar(im, ax=ax, shrink=0.75, label="persons at risk per cell")
        zid = self.zone_id.values
        if zid.max() > 0:
            ax.contour(
                self.zone_id["x"].values,
                self.zone_id["y"].values,
                (zid > 0).astype(float),
                levels=[0.5],
                colors="#0072B2",
                linewidths=0.8,
            )
        ax.set_title(f"People at risk ({self.criterion.describe()})")
        add_scale_bar(ax)
        hours = self.timeline.index.to_numpy(dtype=float) / 3600
        ax2.plot(hours, self.timeline["total"], color="black", label="at risk now")
        ax2.plot(hours, self.cumulative(), color="black", ls="--", label="at risk so far")
        top = self.zones["persons_at_risk"].nlargest(5).index
        for z in top:
            if z in self.timeline.columns and self.zones.loc[z, "persons_at_risk"] > 0:
                ax2.plot(hours, self.timeline[z], lw=1, label=f"zone {z}")
        ax2.set_xlabel("time since the start of the event (h)")
        ax2.set_ylabel("persons")
        ax2.legend(fontsize="small")
        return fig


def _zone_grid(zones: Any, ever: np.ndarray, like: xr.DataArray) -> np.ndarray:
    """Zone id per cell (int64, 0 = none) from 'connected', None or a zone grid."""
    if isinstance(zones, str) and zones == "connected":
        return evacuation_zones(new_grid_like(like, data=ever, dtype=bool)).values.astype(np.int64)
    if zones is None:
        return np.ones(like.shape, dtype=np.int64)
    if isinstance(zones, xr.DataArray):
        check_same_grid(like, zones, ("flood DEM", "zones"))
        z = np.asarray(zones.values, dtype=float)
        z = np.where(np.isfinite(z) & (z > 0), z, 0.0)
        if np.any(z != np.round(z)):
            raise InputError("zones must hold whole-number ids (0 or NaN outside every zone)")
        return z.astype(np.int64)
    raise InputError(
        "zones must be 'connected', None (one zone) or a zone-id grid on the flood's grid"
    )


def _fraction(value: Any, index: pd.Index, name: str) -> np.ndarray:
    if isinstance(value, pd.Series):
        v = value.reindex(index).to_numpy(dtype=float)
    else:
        v = np.full(len(index), float(value))
    if np.any(~np.isfinite(v)) or np.any((v < 0) | (v > 1)):
        raise InputError(f"{name} must be in [0, 1] for every zone")
    return v


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
