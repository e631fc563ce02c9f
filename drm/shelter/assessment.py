"""Centre assessment: each centre against the minimum standards, as a site-monitoring checklist.

For every centre and indicator the table gives the value at the assessed
occupancy (usually the simulated peak), the target from the standard, a
status (``meets``, ``fails``, ``no data``, ``not occupied``) and the shortfall
in things to add: m² of covered space, toilets, female toilets, litres of water
a day, taps, showers, persons over capacity. Indicators follow the CCCM
site-monitoring practice of the MEND guide (CCCM Cluster 2014): living space,
sanitation, water, accessibility and a location outside the hazard zone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drm._display import ResultMixin
from drm.errors import InputError
from drm.shelter._inputs import check_centres
from drm.shelter._ops_result import OperationsResult
from drm.shelter.needs import capacity, daily_water_l, whole_units
from drm.shelter.standards import Standard, as_standard

__all__ = ["Assessment", "assess"]

_MEND = "CCCM site monitoring (MEND guide, CCCM Cluster 2014)"
_SYMBOL = {"meets": "✓", "fails": "✗", "no data": "?", "not occupied": "-"}


@dataclass(frozen=True, eq=False, repr=False)
class Assessment(ResultMixin):
    """Compliance of each centre with a standard (result of :func:`assess`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per centre and indicator: ``centre, indicator, value, unit,
        comparison, target, status, shortfall, shortfall_unit, source``.
    occupancy : pandas.Series
        Persons assessed per centre.
    standard : str
        Name of the standard.
    """

    table: pd.DataFrame
    occupancy: pd.Series
    standard: str

    def checklist(self) -> pd.DataFrame:
        """Centre x indicator grid of status marks (✓ meets, ✗ fails, ? no data, - not occupied).

        Examples
        --------
        >>> c = pd.DataFrame({"id": ["A"], "floor_area_m2": [350.0], "toilets": [1], "taps": [1]})
        >>> assess(c, {"A": 100}).checklist().loc["A", "covered space"]
        '✓'
        """
        marks = self.table.assign(mark=self.table["status"].map(_SYMBOL))
        order = list(dict.fromkeys(self.table["indicator"]))
        return marks.pivot(index="centre", columns="indicator", values="mark")[order]

    def failures(self) -> pd.DataFrame:
        """The rows that fail, with their shortfall."""
        return self.table[self.table["status"] == "fails"].reset_index(drop=True)

    def _summary(self) -> list[tuple[str, Any]]:
        counts = self.table["status"].value_counts()
        worst = self.failures().groupby("centre").size().sort_values(ascending=False)
        return [
            ("standard", self.standard),
            ("centres", len(self.occupancy)),
            ("persons assessed", f"{self.occupancy.sum():,.0f}"),
            ("checks", ", ".join(f"{counts.get(s, 0)} {s}" for s in _SYMBOL)),
            ("most failures", ", ".join(f"{c} ({n})" for c, n in worst.head(5).items()) or "none"),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("checklist", self.checklist()), ("indicators", self.table)]

    def plot(self) -> Any:
        """The checklist as a coloured grid (green meets, red fails, grey no data or empty).

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt
        from matplotlib.colors import ListedColormap

        grid = self.table.pivot(index="centre", columns="indicator", values="status")
        grid = grid[list(dict.fromkeys(self.table["indicator"]))]
        order = {"meets": 0, "fails": 1, "no data": 2, "not occupied": 3}
        codes = np.vectorize(order.get)(grid.to_numpy()).astype(float)
        fig, ax = plt.subplots(figsize=(1.0 * grid.shape[1] + 3, 0.4 * grid.shape[0] + 2), layout="constrained")
        ax.imshow(codes, cmap=ListedColormap(["#009E73", "#D55E00", "#BBBBBB", "#EEEEEE"]), vmin=0, vmax=3)
        ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=35, ha="right")
        ax.set_yticks(range(grid.shape[0]), grid.index)
        for (r, c), s in np.ndenumerate(grid.to_numpy()):
            ax.text(c, r, _SYMBOL[s], ha="center", va="center", fontsize=9)
        ax.set_xlabel("indicator")
        ax.set_ylabel("centre")
        ax.set_title(f"Centres against {self.standard}")
        return fig


def _occupancy(occupancy: Any, index: pd.Index) -> tuple[pd.Series, pd.Series | None]:
    """Persons per centre to assess and, from a simulation, the water used per person per day."""
    water = None
    if isinstance(occupancy, OperationsResult):
        ds = occupancy.ds
        occ = ds["occupancy"].max("time").to_series()
        person_days = ds["person_days"].isel(time=-1).to_series()
        is_water = (ds["item_unit"].str.lower() == "l") & (ds["item_basis"] == "person")
        litres = ds["consumed"].isel(time=-1).where(is_water, 0.0).sum("item").to_series()
        water = litres / person_days.where(person_days > 0)
        water.index = water.index.astype(str)
    elif isinstance(occupancy, pd.DataFrame):
        occ = occupancy.max(axis=0)
    elif isinstance(occupancy, (pd.Series, Mapping)):
        occ = pd.Series(occupancy, dtype=float)
    else:
        raise InputError(
            "occupancy must be persons per centre (a Series or dict), a time series (DataFrame, one column per "
            "centre) or an OperationsResult"
        )
    occ.index = occ.index.astype(str)
    unknown = sorted(set(occ.index) - set(index))
    if unknown:
        raise InputError(f"occupancy: centre {unknown[0]!r} is not in the centres table")
    occ = pd.to_numeric(occ, errors="coerce").reindex(index).fillna(0.0)
    if (occ < 0).any():
        raise InputError(f"occupancy of {occ.index[occ < 0][0]!r} is negative")
    return occ, water


def _judge(n: float, indicator: str, value: float, unit: str, comparison: str, target: float, shortfall: float,
           shortfall_unit: str, source: str, per_person: bool) -> tuple[Any, ...]:  # fmt: skip
    """Status and shortfall of one check; per-person checks of an empty centre are 'not occupied'."""
    if per_person and n <= 0:
        status, value, shortfall = "not occupied", np.nan, 0.0
    elif pd.isna(value):
        status, shortfall = "no data", np.nan
    else:
        ok = value >= target - 1e-9 if comparison == ">=" else value <= target + 1e-9
        status, shortfall = ("meets", 0.0) if ok else ("fails", float(shortfall))
    return indicator, float(value), unit, comparison, target, status, shortfall, shortfall_unit, source


def _centre_checks(r: pd.Series, n: float, std: Standard, phase: str, cap: float, litres: float, hazard: Any,
                   depth_threshold_m: float) -> list[tuple[Any, ...]]:  # fmt: skip
    """The checks of one centre as (indicator, value, unit, comparison, target, shortfall, unit, source, per person)."""
    t = std.table(phase)
    out: list[tuple[Any, ...]] = []
    space = t[t["kind"] == "space"]
    if len(space):
        rate = float(space["rate"].iloc[0])
        out.append(("covered space", r["floor_area_m2"] / n if n else np.nan, "m²/person", ">=", rate,
                    rate * n - r["floor_area_m2"], "m²", space["source"].iloc[0], True))  # fmt: skip
    for item, col, label in (("toilet", "toilets", "persons per toilet"), ("water_tap", "taps", "persons per tap"),
                             ("shower", "showers", "persons per shower")):  # fmt: skip
        if item in t.index:
            rate, have = float(t.loc[item, "rate"]), r.get(col, np.nan)
            value = np.nan if pd.isna(have) else (np.inf if have == 0 else n / have)
            out.append((label, value, "persons", "<=", 1.0 / rate, float(whole_units(n * rate)) - np.nan_to_num(have),
                        col, t.loc[item, "source"], True))  # fmt: skip
    if "toilet" in t.index and pd.notna(t.loc["toilet", "female_share"]):
        share = float(t.loc["toilet", "female_share"])
        f, m = r.get("toilets_female", np.nan), r.get("toilets_male", np.nan)
        value = np.nan if pd.isna(f) or pd.isna(m) or f + m == 0 else f / (f + m)
        need = float(whole_units(whole_units(n * t.loc["toilet", "rate"]) * share))
        out.append(("female share of toilets", value, "share", ">=", share, need - np.nan_to_num(f),
                    "female toilets", t.loc["toilet", "source"], True))  # fmt: skip
    target = daily_water_l(std, phase)
    if target > 0:
        out.append(("water per person per day", litres, "L/person/day", ">=", target,
                    (target - np.nan_to_num(litres)) * n, "L/day", "the standard's water rates", True))  # fmt: skip
    out.append(("occupancy within capacity", n, "persons", "<=", cap, n - cap, "persons over",
                f"capacity under {std.name}", False))  # fmt: skip
    acc = r.get("accessible", np.nan)
    out.append(("step-free access", np.nan if pd.isna(acc) else float(bool(acc)), "yes=1", ">=", 1.0, 1.0,
                "access to build", _MEND, False))  # fmt: skip
    if hazard is not None:  # hazard: depth (m), True/False, or NaN when unknown for this centre
        depth = (np.inf if hazard else 0.0) if isinstance(hazard, (bool, np.bool_)) else float(hazard)
        out.append(("outside hazard zone", depth, "m (max flood depth)", "<=", depth_threshold_m, 1.0,
                    "move or protect the centre", _MEND, False))  # fmt: skip
    return out


def _water_available(centre: pd.Series, storage_days: float) -> float:
    """Litres a day from piped or trucked supply plus storage refilled every ``storage_days`` (NaN: unknown)."""
    supply = pd.to_numeric(pd.Series([centre.get("water_supply_l_per_day", np.nan)])).iloc[0]
    store = pd.to_numeric(pd.Series([centre.get("water_storage_l", np.nan)])).iloc[0]
    if pd.isna(supply) and pd.isna(store):
        return np.nan
    return float(np.nan_to_num(supply) + np.nan_to_num(store) / storage_days)


def assess(
    centres: pd.DataFrame,
    occupancy: Any,
    standard: str | os.PathLike[str] | Standard = "sphere-2018",
    *,
    hazard: pd.Series | Mapping[str, float | bool] | None = None,
    depth_threshold_m: float = 0.0,
    phase: str = "acute",
    storage_days: float = 1.0,
) -> Assessment:
    """Check every centre against the standard at a given occupancy.

    Parameters
    ----------
    centres : pandas.DataFrame
        As :func:`drm.io.read_centres` returns: ``floor_area_m2`` and, when
        known, ``toilets`` (``toilets_female``/``toilets_male`` for the split),
        ``taps``, ``showers``, ``water_storage_l``, ``water_supply_l_per_day``,
        ``accessible``.
    occupancy : pandas.Series, dict, pandas.DataFrame or OperationsResult
        Persons per centre; a time series (its peak per centre is used); or a
        simulation, whose peak occupancy and average water used per person per
        day are assessed.
    standard : str, path or Standard
        Default ``"sphere-2018"``.
    hazard : pandas.Series or mapping, optional
        Per centre: maximum flood depth (m) or True/False for "inside the hazard zone".
    depth_threshold_m : float
        A depth above this puts a centre in the hazard zone (default 0 m).
    phase : {"acute", "stabilised"}
        Phase of the ratios.
    storage_days : float
        Without a simulation, water available a day = ``water_supply_l_per_day``
        + ``water_storage_l`` / ``storage_days`` (storage refilled that often; default 1).

    Returns
    -------
    Assessment

    Examples
    --------
    >>> c = pd.DataFrame({"id": ["A"], "floor_area_m2": [350.0], "toilets": [1], "taps": [1],
    ...                   "water_storage_l": [1000.0], "accessible": [True]})
    >>> a = assess(c, {"A": 120})
    >>> row = a.table.set_index("indicator").loc["persons per toilet"]
    >>> float(row["value"]), row["status"], float(row["shortfall"])
    (120.0, 'fails', 2.0)
    """
    std = as_standard(standard)
    cen = check_centres(centres)
    occ, water = _occupancy(occupancy, cen.index)
    if (std.table(phase)["kind"] == "space").any():
        cap = capacity(cen, std, phase=phase, storage_days=storage_days)["capacity_persons"]
    else:  # a standard without a space rate cannot size capacity
        cap = pd.Series(np.nan, index=cen.index)
    haz = None
    if hazard is not None:
        haz = pd.Series(hazard)
        haz.index = haz.index.astype(str)
    rows = []
    for cid, r in cen.iterrows():
        n = float(occ[cid])
        litres = water.get(cid, np.nan) if water is not None else _water_available(r, storage_days) / max(n, 1e-300)
        h = None if haz is None else haz.get(cid, np.nan)
        checks = _centre_checks(r, n, std, phase, float(cap[cid]), litres, h, depth_threshold_m)
        rows += [(cid, *_judge(n, *c)) for c in checks]
    cols = ["centre", "indicator", "value", "unit", "comparison", "target", "status", "shortfall", "shortfall_unit",
            "source"]  # fmt: skip
    return Assessment(pd.DataFrame(rows, columns=cols), occ.rename("persons"), std.name)

