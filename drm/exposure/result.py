"""The result of an exposure count: :class:`ExposureResult`, its tables, grids, summary and plot.

Who they are: :meth:`ExposureResult.demographics` splits the persons of each
zone into groups (sex, infants, children under 5, women 15-49, people aged
60+, pregnant women, people with disabilities) with
:func:`drm.demographics.split_population` and its documented default profile,
or, with :class:`~drm.demographics.ZoneProfiles` (e.g. from a census), each
zone's people by that zone's own profile (zone 0 and zones without one by the
default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from drm._display import ResultMixin
from drm.demographics import GROUPS, DemographicProfile, ZoneProfiles, split_population
from drm.errors import InputError
from drm.exposure.criterion import RiskCriterion
from drm.units import format_duration

__all__ = ["ExposureResult"]


@dataclass(frozen=True, eq=False, repr=False)
class ExposureResult(ResultMixin):
    """People at risk from a flood (see :func:`people_at_risk`).

    Attributes
    ----------
    zones : pandas.DataFrame
        By zone id: ``residents``, ``persons_at_risk`` (ever), ``peak_at_risk``
        (most at one time), ``first_at_risk_s`` (first time with people at
        risk; NaN if none), ``cells_at_risk``, ``area_at_risk_m2``, ``x``,
        ``y`` (centre of the people at risk, m), ``displaced``,
        ``shelter_seekers`` (NaN when no shelter fraction was given). With
        zone polygons (a :class:`~drm.io.zones.ZoneLayer`) every count and
        ``area_at_risk_m2`` share each cell among its zones by area fraction,
        while ``cells_at_risk`` counts the at-risk cells of the zone in
        ``zone_id`` (majority cells).
    timeline : pandas.DataFrame
        Persons at risk at each output time (index ``time_s``), one column per
        zone and ``total``.
    persons_at_risk : xarray.DataArray
        Persons per cell ever at risk (0 elsewhere).
    first_at_risk_s : xarray.DataArray
        First output time (s) each cell is at risk; NaN if never.
    zone_id : xarray.DataArray
        Zone id of each cell (0 = none); with zone polygons, the zone covering
        most of the cell (the label :meth:`cells` gives each origin).
    elevation : xarray.DataArray
        The flood's ground elevation (m, for maps).
    criterion : RiskCriterion
        The criterion applied.
    profile : DemographicProfile or ZoneProfiles
        Profile used by :meth:`demographics`: one for everyone, or one per zone.

    Examples
    --------
    >>> from drm.exposure import people_at_risk
    >>> c = {"y": [15.0, 5.0], "x": [5.0, 15.0]}
    >>> ds = xr.Dataset({"depth": (("time", "y", "x"), [[[0, 0], [0, 0]], [[0.5, 0], [0.2, 0.1]]]),
    ...                  "elevation": (("y", "x"), np.zeros((2, 2)))}, coords={"time": [0.0, 600.0], **c})
    >>> r = people_at_risk(xr.DataArray([[10.0, 20.0], [30.0, 40.0]], dims=("y", "x"), coords=c), ds)
    >>> r.total_at_risk, r.cumulative().tolist()  # persons
    (40.0, [0.0, 40.0])
    >>> r.cells()[["x", "y", "persons", "first_at_risk_s"]].values.tolist()  # m, m, persons, s
    [[5.0, 15.0, 10.0, 600.0], [5.0, 5.0, 30.0, 600.0]]
    >>> d = r.demographics()
    >>> float(d.loc["total", "female"] + d.loc["total", "male"])
    40.0
    """

    zones: pd.DataFrame
    timeline: pd.DataFrame
    persons_at_risk: xr.DataArray
    first_at_risk_s: xr.DataArray
    zone_id: xr.DataArray
    elevation: xr.DataArray
    criterion: RiskCriterion
    profile: DemographicProfile | ZoneProfiles

    @property
    def total_at_risk(self) -> float:
        """Persons ever at risk, all zones (persons)."""
        return float(self.zones["persons_at_risk"].sum())

    def cells(self) -> pd.DataFrame:
        """At-risk cells as evacuation origins: ``x``, ``y``, ``persons``, ``zone``, ``first_at_risk_s``.

        Returns
        -------
        pandas.DataFrame
            One row per cell with people ever at risk: cell centre ``x``, ``y`` (m),
            ``persons`` at risk, ``zone`` id and ``first_at_risk_s`` (s).
        """
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
        """Persons at risk so far (first time at risk <= t), at each output time.

        Returns
        -------
        pandas.Series
            Persons ever at risk up to each output time (index ``time_s``, s).
        """
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
            :data:`drm.demographics.GROUPS` (persons). With one profile per
            zone, each zone's row uses its own profile (zone 0, outside every
            zone, the default) and ``total`` is the sum of the rows.
        """
        if of not in ("persons_at_risk", "displaced", "shelter_seekers"):
            raise InputError(
                f"of must be persons_at_risk, displaced or shelter_seekers, got {of!r}"
            )
        counts = self.zones[of]
        if counts.isna().any():
            raise InputError(f"{of} were not estimated: give shelter_fraction to people_at_risk")
        if isinstance(self.profile, ZoneProfiles):
            rows = {
                z: split_population(float(v), profile=self.profile.for_zone(z))
                for z, v in counts.items()
            }
            table = pd.DataFrame(rows, index=list(GROUPS)).T
            table.loc["total"] = table.sum(axis=0)
            return table.rename_axis("zone")
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

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("zones", self.zones), ("timeline", self.timeline)]

    def _datasets(self) -> list[tuple[str, xr.Dataset]]:
        grids = xr.Dataset(
            {
                "persons_at_risk": self.persons_at_risk,
                "first_at_risk_s": self.first_at_risk_s,
                "zone_id": self.zone_id,
            }
        )
        return [("exposure", grids)]

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
