"""The result of :func:`drm.shelter.simulate_operations`: time series, summaries and a figure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm._display import ResultMixin, fmt_number
from drm.shelter.standards import Standard
from drm.units import DAY

__all__ = ["OperationsResult", "build_result"]

_UNMET = "unmet demand (item units): cumulative for periodic items, handouts owed now for items given once"


@dataclass(frozen=True, eq=False, repr=False)
class OperationsResult(ResultMixin):
    """Occupancy, consumption, stock and resupply of evacuation centres over time.

    Attributes
    ----------
    ds : xarray.Dataset
        Coordinates ``time`` (s), ``centre``, ``item`` (with ``item_unit`` and
        ``item_basis``) and ``site``. Variables: ``occupancy``, ``households``
        and ``person_days`` (cumulative) per centre; ``stock`` on hand per site
        and item; cumulative ``demand``, ``consumed``, ``unmet`` (item units)
        and ``unmet_basis_days`` (e.g. person-days without water) per centre
        and item (for items given once, ``unmet`` is what is owed to the people
        present, and basis-days count the wait); ``backlog`` (handouts owed to people present) and
        ``on_order``; ``days_of_cover`` (stock at the centre over current daily
        use); ``persons_per_toilet``, ``persons_per_tap`` and
        ``litres_per_person_per_day`` (water used over each record interval).
    summary : pandas.DataFrame
        Indexed by (centre, item): ``unit``, ``basis``, ``demand``,
        ``consumed``, ``unmet``, ``unmet_basis_days``, ``fill_rate``,
        ``delivered``, ``first_stockout_s``, ``stockout_s``, ``min_days_of_cover``.
    stockouts : pandas.DataFrame
        ``centre, item, start_s, end_s``: periods (at the record resolution)
        with unmet demand.
    deliveries : pandas.DataFrame
        ``time_s, warehouse, centre, item, quantity`` of each truckload item delivered.
    orders : pandas.DataFrame
        ``time_s, warehouse, centre, item, quantity`` reserved at warehouses.
    standard : str
        Name of the standard used.
    phase : str
        Phase of its rates.
    """

    ds: xr.Dataset
    summary: pd.DataFrame
    stockouts: pd.DataFrame
    deliveries: pd.DataFrame
    orders: pd.DataFrame
    standard: str
    phase: str

    def _summary(self) -> list[tuple[str, Any]]:
        occ = self.ds["occupancy"].sum("centre")
        days = float(self.ds["time"][-1]) / DAY
        short = self.summary[self.summary["unmet"] > 1e-6]
        worst = short.groupby(level="item")["unmet_basis_days"].sum().sort_values(ascending=False)
        return [
            ("centres", len(self.ds["centre"])),
            ("simulated", f"{days:g} days, standard {self.standard} ({self.phase})"),
            ("peak occupancy", fmt_number(float(occ.max()), "persons")),
            ("person-days", fmt_number(float(self.ds["person_days"].isel(time=-1).sum()))),
            (
                "deliveries",
                f"{len(self.deliveries)} item loads, {fmt_number(float(self.deliveries['quantity'].sum()))} units",
            ),
            (
                "items short",
                ", ".join(f"{k} ({fmt_number(v)} basis-days)" for k, v in worst.items()) or "none",
            ),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("summary", self.summary),
            ("items", self.items_table()),
            ("stockouts", self.stockouts),
            ("deliveries", self.deliveries),
            ("orders", self.orders),
        ]

    def _datasets(self) -> list[tuple[str, xr.Dataset]]:
        return [("operations", self.ds)]

    def items_table(self) -> pd.DataFrame:
        """Stock and needs per item, all centres together.

        Returns
        -------
        pandas.DataFrame
            Indexed by item: ``unit``, ``basis``, ``stock_start`` (every site,
            start of the run), ``demand``, ``delivered``, ``consumed``,
            ``unmet`` (item units), ``fill_rate``, ``first_stockout_s``,
            ``centres_short`` (centres with unmet demand),
            ``peak_need_per_day`` (the largest daily need of all centres
            together, items used per day only) and ``days_of_cover_at_peak``
            (``stock_start`` over that need; NaN for items handed out once).
        """
        ds = self.ds
        by = self.summary.groupby(level="item", sort=False)
        out = by[["unit", "basis"]].first()
        out["stock_start"] = ds["stock"].isel(time=0).sum("site").to_series()
        out = out.join(by[["demand", "delivered", "consumed", "unmet"]].sum())
        out["fill_rate"] = (out["consumed"] / out["demand"]).where(out["demand"] > 0)
        out["first_stockout_s"] = by["first_stockout_s"].min()
        out["centres_short"] = by["unmet"].agg(lambda u: int((u > 1e-6).sum()))
        demand = ds["demand"].sum("centre")
        per_day = (demand.diff("time") / ds["time"].diff("time") * DAY).max("time")
        used_daily = ds["days_of_cover"].notnull().any(("time", "centre"))
        out["peak_need_per_day"] = per_day.where(used_daily).to_series()
        need = out["peak_need_per_day"]
        out["days_of_cover_at_peak"] = (out["stock_start"] / need).where(need > 0, np.nan)
        return out

    def plot(self) -> Any:
        """Occupancy, stock on hand, unmet needs and water and sanitation ratios over days.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(2, 2, figsize=(13, 8), sharex=True, layout="constrained")
        t = self.ds["time"].values / DAY
        for c in self.ds["centre"].values:
            ax[0, 0].plot(t, self.ds["occupancy"].sel(centre=c), label=str(c))
        ax[0, 0].set_ylabel("occupants (persons)")
        ax[0, 0].set_title("Occupancy")
        ax[0, 0].legend(fontsize="small", ncol=2)
        stock = self.ds["stock"].sum("site")
        first = stock.isel(time=0).where(stock.isel(time=0) > 0)
        for k in self.ds["item"].values:
            ax[0, 1].plot(t, stock.sel(item=k) / first.sel(item=k), label=str(k))
        ax[0, 1].set_ylabel("stock on hand / initial")
        ax[0, 1].set_title("Stock, all sites")
        ax[0, 1].legend(fontsize="small", ncol=2)
        unmet = self.ds["unmet_basis_days"].sum("centre")
        for k in self.ds["item"].values:
            if float(unmet.sel(item=k)[-1]) > 0:
                ax[1, 0].plot(t, unmet.sel(item=k), label=str(k))
        ax[1, 0].set_ylabel("cumulative unmet (basis-days)")
        ax[1, 0].set_title("Unmet needs")
        if ax[1, 0].lines:
            ax[1, 0].legend(fontsize="small")
        for c in self.ds["centre"].values:
            ax[1, 1].plot(t, self.ds["litres_per_person_per_day"].sel(centre=c), lw=1)
        ax[1, 1].set_ylabel("water used (L/person/day)")
        ax[1, 1].set_title("Water per person, by centre")
        for a in ax[1]:
            a.set_xlabel("time (days)")
        return fig


def _stockouts(times: np.ndarray, unmet: np.ndarray, backlog: np.ndarray, onset: np.ndarray,
               centres: list[str], items: list[str]) -> pd.DataFrame:  # fmt: skip
    """Periods with unmet demand (periodic items) or people waiting (handouts), per centre and item.

    A period starts at the exact time the item ran out (``onset``: the first
    shortfall within each record interval) and ends at the record time after
    the last interval that was short.
    """
    short = np.zeros(unmet.shape, dtype=bool)
    short[1:] = np.diff(unmet, axis=0) > 1e-9
    short[1:] |= backlog[1:] > 1e-9
    rows = []
    for ci, c in enumerate(centres):
        for k, item in enumerate(items):
            flags = short[:, ci, k]
            if not flags.any():
                continue
            edges = np.diff(np.r_[0, flags.astype(int), 0])
            for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
                start = onset[a, ci, k]
                rows.append((c, item, start if np.isfinite(start) else times[a - 1], times[b - 1]))
    return pd.DataFrame(rows, columns=["centre", "item", "start_s", "end_s"])


def build_result(engine: Any, std: Standard, phase: str, centres: pd.DataFrame) -> OperationsResult:
    """Assemble the dataset and tables of a finished run (internal)."""
    r = {k: np.asarray(v) for k, v in engine.rec.items()}
    times, cen, items = engine.times, engine.centres, engine.items
    sites = cen + engine.warehouses
    units = [str(std.catalogue.loc[k, "unit"]) for k in items]
    coords = {"time": times, "centre": cen, "item": items, "site": sites,
              "item_unit": ("item", units), "item_basis": ("item", engine.basis)}  # fmt: skip
    tc, tck = ("time", "centre"), ("time", "centre", "item")
    occ = r["occupancy"]
    counts = np.where(
        engine.per_household, r["households"][..., None], occ[..., None] * engine.share
    )
    daily = counts * engine.rate_s * DAY
    at_centre = r["stock"][:, : len(cen), :]
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(daily > 0, at_centre / daily, np.where(engine.once, np.nan, np.inf))
        water = np.array(
            [u.lower() == "l" and b == "person" for u, b in zip(units, engine.basis, strict=True)]
        )
        used = r["served"][..., water].sum(-1)
        person_days = r["person_s"] / DAY
        lpd = np.full(occ.shape, np.nan)
        lpd[1:] = np.diff(used, axis=0) / np.diff(person_days, axis=0)
        ratios = {}
        for col, name in (("toilets", "persons_per_toilet"), ("taps", "persons_per_tap")):
            n = (
                centres[col].to_numpy(float)
                if col in centres.columns
                else np.full(len(cen), np.nan)
            )
            ratios[name] = (tc, np.where(occ > 0, occ / n, np.nan), {"units": "persons"})
    ds = xr.Dataset(
        {
            "occupancy": (tc, occ, {"units": "persons"}),
            "households": (tc, r["households"], {"units": "households"}),
            "person_days": (
                tc,
                person_days,
                {"units": "person-days", "long_name": "cumulative person-days"},
            ),
            "stock": (
                ("time", "site", "item"),
                r["stock"],
                {"long_name": "stock on hand (item units)"},
            ),
            "demand": (tck, r["demand"], {"long_name": "cumulative demand (item units)"}),
            "consumed": (tck, r["served"], {"long_name": "cumulative consumption (item units)"}),
            "unmet": (tck, r["unmet"] + r["backlog"], {"long_name": _UNMET}),
            "unmet_basis_days": (tck, r["unmet_bd"], {"long_name": "cumulative unmet basis-days"}),
            "backlog": (tck, r["backlog"], {"long_name": "handouts owed to people present"}),
            "on_order": (tck, r["on_order"], {"long_name": "reserved or in transit (item units)"}),
            "days_of_cover": (tck, cover, {"units": "days"}),
            "litres_per_person_per_day": (tc, lpd, {"units": "L/person/day"}),
            **ratios,
        },
        coords=coords,
        attrs={"standard": std.name, "phase": phase},
    )
    ds["time"].attrs["units"] = "s"
    deliveries = pd.DataFrame(
        engine.deliveries, columns=["time_s", "warehouse", "centre", "item", "quantity"]
    )
    orders = pd.DataFrame(
        engine.orders, columns=["time_s", "warehouse", "centre", "item", "quantity"]
    )
    stockouts = _stockouts(times, r["unmet"], r["backlog"], r["onset"], cen, items)
    idx = pd.MultiIndex.from_product([cen, items], names=["centre", "item"])
    last = {
        k: ds[k].isel(time=-1).values.ravel()
        for k in ("demand", "consumed", "unmet", "unmet_basis_days")
    }
    summary = pd.DataFrame(
        {
            "unit": np.tile(units, len(cen)),
            "basis": np.tile(engine.basis, len(cen)),
            **last,
        },
        index=idx,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        summary["fill_rate"] = summary["consumed"] / summary["demand"]
    summary["delivered"] = (
        deliveries.groupby(["centre", "item"])["quantity"].sum().reindex(idx).fillna(0.0)
    )
    grouped = stockouts.assign(d=stockouts["end_s"] - stockouts["start_s"]).groupby(
        ["centre", "item"]
    )
    summary["first_stockout_s"] = grouped["start_s"].min().reindex(idx)
    summary["stockout_s"] = grouped["d"].sum().reindex(idx).fillna(0.0)
    summary["min_days_of_cover"] = ds["days_of_cover"].min("time").values.ravel()
    return OperationsResult(ds, summary, stockouts, deliveries, orders, std.name, phase)
