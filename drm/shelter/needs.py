"""Needs of a number of people under a standard, and the capacity of each centre.

:func:`needs` turns people (a number or a demographic breakdown) into
quantities per item: consumables and requirements for ``days``, facilities
(toilets, taps, showers, split by sex where the standard says so) and covered
space for the people present at once. :func:`capacity` asks the reverse for
each centre: how many people its floor area, toilets, taps and water storage
can serve, and which of them binds first.

Arithmetic (Sphere 2018, 1,000 people, one day): covered space 1,000 x 3.5 =
3,500 m²; water 1,000 x 15 = 15,000 L; toilets 1,000 / 50 = 20, of which
3/4 = 15 for women and 5 for men; taps 1,000 / 250 = 4; food 2.1 million kcal.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drm._display import ResultMixin, fmt_number
from drm.demographics import GROUPS, DemographicProfile, default_profile, split_population
from drm.errors import InputError
from drm.shelter._inputs import check_centres
from drm.shelter.standards import Standard, as_standard
from drm.units import DAY

__all__ = ["Needs", "capacity", "group_counts", "needs", "whole_units"]

_EPS = 1e-9


def whole_units(x: float | np.ndarray) -> Any:
    """Round up to whole units, forgiving float noise (1000 x 0.02 is 20, not 21).

    Examples
    --------
    >>> int(whole_units(1000 * 0.02)), int(whole_units(20.2))
    (20, 21)
    """
    x = np.asarray(x, dtype=float)
    return np.ceil(x - _EPS * np.maximum(1.0, np.abs(x)))


def group_counts(
    people: float | Mapping[str, float] | pd.Series, profile: DemographicProfile | None = None
) -> pd.Series:
    """Counts of every demographic group for ``people``.

    Parameters
    ----------
    people : float, mapping or pandas.Series
        A number of persons, or counts by group (``person`` required; other
        groups missing from it are filled in from ``profile``).
    profile : DemographicProfile, optional
        Shares used to fill in groups; the default (Venezuela) profile when omitted.

    Returns
    -------
    pandas.Series
        Indexed by :data:`drm.demographics.GROUPS`.

    Examples
    --------
    >>> float(group_counts({"person": 100, "woman_15_49": 40})["woman_15_49"])
    40.0
    """
    p = profile if profile is not None else default_profile()
    if isinstance(people, (Mapping, pd.Series)):
        given = {str(k): v for k, v in dict(people).items()}
        unknown = sorted(set(given) - set(GROUPS))
        if unknown or "person" not in given:
            raise InputError(
                f"a demographic breakdown needs 'person' and groups among {', '.join(GROUPS)}; "
                + (f"unknown: {unknown}" if unknown else "'person' is missing")
            )
        base = split_population(given["person"], households=given.get("household"), profile=p)
        for g, v in given.items():
            if not (isinstance(v, (int, float, np.number)) and np.isfinite(v) and v >= 0):
                raise InputError(f"demographic breakdown: {g!r} = {v!r} must be a number >= 0")
            if v > base["person"] + _EPS and g != "household":
                raise InputError(
                    f"demographic breakdown: {g!r} = {v!r} is more than person = {base['person']!r}"
                )
            base[g] = float(v)
        return base
    return split_population(people, profile=p)


@dataclass(frozen=True, eq=False, repr=False)
class Needs(ResultMixin):
    """Quantities per item for a group of people (result of :func:`needs`).

    Attributes
    ----------
    people : pandas.Series
        Counts by demographic group used.
    standard : str
        Name of the standard.
    days : float
        Period the consumables cover (days).
    phase : str
        Phase whose rates apply.
    table : pandas.DataFrame
        Indexed by item: ``category, kind, unit, quantity, female, male,
        basis, basis_count, rate, frequency, source, edition``. ``quantity``
        is whole units for facilities; ``female``/``male`` split facilities
        that the standard splits by sex (NaN otherwise).
    """

    people: pd.Series
    standard: str
    days: float
    phase: str
    table: pd.DataFrame

    def quantity(self, item: str) -> float:
        """Total quantity of ``item`` (its unit is in ``table``).

        Examples
        --------
        >>> needs(1000).quantity("water_tap")
        4.0
        """
        if item not in self.table.index:
            raise InputError(
                f"no need computed for item {item!r}; items: {', '.join(self.table.index)}"
            )
        return float(self.table.loc[item, "quantity"])

    def _summary(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("people", fmt_number(self.people["person"], "persons")),
            ("households", fmt_number(self.people["household"])),
            ("standard", f"{self.standard} ({self.phase} phase)"),
            ("period", f"{self.days:g} days"),
        ]
        for item, r in self.table.iterrows():
            split = (
                f" ({fmt_number(r['female'])} female, {fmt_number(r['male'])} male)"
                if pd.notna(r["female"])
                else ""
            )
            rows.append((str(item), fmt_number(r["quantity"], r["unit"]) + split))
        return rows

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("needs by item", self.table)]

    def plot(self) -> Any:
        """Horizontal bars of the quantity of each item (log scale), coloured by category.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        from drm.plotting import OKABE_ITO

        t = self.table[self.table["quantity"] > 0]
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(t) + 1.5), layout="constrained")
        cats = list(dict.fromkeys(t["category"]))
        colours = [OKABE_ITO[cats.index(c) % len(OKABE_ITO)] for c in t["category"]]
        ax.barh(
            [f"{i} ({u})" for i, u in zip(t.index, t["unit"], strict=True)],
            t["quantity"],
            color=colours,
        )
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("quantity")
        ax.set_title(
            f"Needs of {fmt_number(self.people['person'])} people, {self.days:g} days ({self.standard})"
        )
        return fig


def needs(
    people: float | Mapping[str, float] | pd.Series,
    standard: str | os.PathLike[str] | Standard = "sphere-2018",
    days: float = 1,
    *,
    phase: str = "acute",
    prorate: bool = True,
    profile: DemographicProfile | None = None,
) -> Needs:
    """Quantities of each item for ``people`` under ``standard``.

    Parameters
    ----------
    people : float, mapping or pandas.Series
        Number of persons, or counts by demographic group (see :func:`group_counts`).
    standard : str, path or Standard
        Built-in name, rates file or :class:`Standard` (default ``"sphere-2018"``).
    days : float
        Days the consumables must cover (> 0).
    phase : {"acute", "stabilised"}
        Which phase's rates apply (e.g. toilets 1:50 or 1:20 under Sphere).
    prorate : bool
        True: periodic items scale with ``days`` (a monthly kit over 7 days
        counts 7/30.44 kits). False: they are issued whole at the start of
        each period (one kit for any stay up to a month).
    profile : DemographicProfile, optional
        Shares for groups not given (default: Venezuela).

    Returns
    -------
    Needs

    Examples
    --------
    >>> n = needs(1000)
    >>> n.quantity("covered_space_m2"), n.quantity("water_l"), n.quantity("toilet")
    (3500.0, 15000.0, 20.0)
    >>> n.table.loc["toilet", ["female", "male"]].tolist()
    [15.0, 5.0]
    >>> needs(2341).table.loc["toilet", ["quantity", "female", "male"]].tolist()  # 46.8 at 1:50
    [48.0, 36.0, 12.0]
    """
    std = as_standard(standard)
    if not (isinstance(days, (int, float)) and np.isfinite(days) and days > 0):
        raise InputError(f"needs: days must be a number > 0, got {days!r}")
    groups = group_counts(people, profile)
    rows = []
    for item, r in std.table(phase).iterrows():
        count = float(groups[r["basis"]])
        female = male = np.nan
        if r["kind"] == "space":
            qty = r["rate"] * count
        elif r["kind"] == "facility":
            qty = float(whole_units(r["rate"] * count))
            if pd.notna(r["female_share"]):
                # each part rounded up from the exact need: splitting the rounded total
                # (47 toilets: 36 + 11) leaves the smaller part short
                female = float(whole_units(r["rate"] * count * r["female_share"]))
                male = float(whole_units(r["rate"] * count * (1.0 - r["female_share"])))
                qty = female + male
        elif r["frequency"] == "once":
            qty = r["rate"] * count
        else:
            periods = days * DAY / r["period_s"]
            qty = r["rate"] * count * (periods if prorate else math.ceil(periods - _EPS))
        rows.append(
            (item, r["category"], r["kind"], r["unit"], qty, female, male, r["basis"], count, r["rate"],
             r["frequency"], r["source"], r["edition"])
        )  # fmt: skip
    cols = ["item", "category", "kind", "unit", "quantity", "female", "male", "basis", "basis_count", "rate",
            "frequency", "source", "edition"]  # fmt: skip
    table = pd.DataFrame(rows, columns=cols).set_index("item")
    return Needs(groups, std.name, float(days), phase, table)


def daily_water_l(std: Standard, phase: str = "acute") -> float:
    """Litres per person per day that the standard asks for (sum of its per-person water rates).

    Examples
    --------
    >>> daily_water_l(as_standard("philippines-2013"))
    15.0
    """
    t = std.table(phase)
    water = t[
        (t["kind"] == "consumable") & (t["unit"].str.lower() == "l") & (t["basis"] == "person")
    ]
    return float((water["rate"] * DAY / water["period_s"]).sum())


def capacity(
    centres: pd.DataFrame,
    standard: str | os.PathLike[str] | Standard = "sphere-2018",
    *,
    phase: str = "acute",
    storage_days: float = 1.0,
) -> pd.DataFrame:
    """Persons each centre can hold under the standard, and what limits it.

    Parameters
    ----------
    centres : pandas.DataFrame
        As :func:`drm.io.read_centres` returns: ``floor_area_m2`` (required),
        and if present ``toilets``, ``taps``, ``water_storage_l``,
        ``water_supply_l_per_day`` (piped or trucked supply) and a declared
        ``capacity_persons``.
    standard : str, path or Standard
        Needs a ``space`` rate (m² per person); its toilet, tap and water rates
        are used when present.
    phase : {"acute", "stabilised"}
        Which phase's ratios apply.
    storage_days : float
        Days of water the storage must hold for its occupants (> 0); 1 day by
        default (an assumption: refilled daily).

    Returns
    -------
    pandas.DataFrame
        Indexed by centre: ``by_space``, ``by_toilets``, ``by_taps``,
        ``by_water_storage``, ``by_water_supply``, ``by_declared`` (those that
        apply), ``capacity_persons`` (the smallest, whole persons; 0 for a
        centre with ``available = False``) and ``binding`` (the name of the
        limiting constraint, or ``"not available"``).

    Raises
    ------
    InputError
        A centre without a positive floor area, or a standard without a space rate.

    Examples
    --------
    >>> c = pd.DataFrame({"id": ["A"], "floor_area_m2": [350.0], "toilets": [1], "taps": [1]})
    >>> cap = capacity(c)
    >>> cap.loc["A", ["by_space", "by_toilets", "by_taps", "capacity_persons"]].astype(float).tolist()
    [100.0, 50.0, 250.0, 50.0]
    >>> cap.loc["A", "binding"]
    'toilets'

    """
    std = as_standard(standard)
    df = check_centres(centres)
    if not (np.isfinite(storage_days) and storage_days > 0):
        raise InputError(f"capacity: storage_days must be > 0, got {storage_days!r}")
    t = std.table(phase)
    space = t[t["kind"] == "space"]
    if space.empty:
        raise InputError(
            f"standard {std.name!r} has no covered-space rate (kind 'space', m² per person); "
            "use a standard that has one (e.g. sphere-2018) or add it with overrides"
        )
    out = pd.DataFrame(index=df.index)
    out["by_space"] = np.floor(df["floor_area_m2"] / space["rate"].iloc[0] + _EPS)
    for item, col in (("toilet", "toilets"), ("water_tap", "taps")):
        if item in t.index and col in df.columns and t.loc[item, "rate"] > 0:
            out[f"by_{col}"] = np.floor(df[col] / t.loc[item, "rate"] + _EPS)
    litres = daily_water_l(std, phase)
    if litres > 0 and "water_storage_l" in df.columns:
        out["by_water_storage"] = np.floor(df["water_storage_l"] / (litres * storage_days) + _EPS)
    if litres > 0 and "water_supply_l_per_day" in df.columns:
        out["by_water_supply"] = np.floor(
            pd.to_numeric(df["water_supply_l_per_day"]).fillna(0.0) / litres + _EPS
        )
    if "capacity_persons" in df.columns:
        declared = pd.to_numeric(df["capacity_persons"], errors="coerce")
        if declared.notna().any():
            out["by_declared"] = declared.fillna(np.inf)
    out["by_space"] = out["by_space"].fillna(np.inf)  # floor area not surveyed: declared rules
    limits = out.copy()
    out["capacity_persons"] = limits.min(axis=1)
    out["binding"] = limits.idxmin(axis=1).str.removeprefix("by_")
    if "available" in df.columns:
        closed = ~df["available"].astype(bool).to_numpy()
        out.loc[closed, "capacity_persons"] = 0.0
        out.loc[closed, "binding"] = "not available"
    return out
