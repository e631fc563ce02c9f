"""Where to hold how much of each item before the flood: a two-stage stochastic LP.

In the manner of Rawls & Turnquist (2010, *Transportation Research B* 44:
521-534), with the facility-location binaries left out (the candidate sites are
given) so the model stays a linear programme solved by HiGHS:

* first stage, before the flood: hold ``q[i,k]`` units of item ``k`` at site ``i``;
* second stage, in each flood scenario ``s`` (probability ``p_s``): ship
  ``x[s,i,j,k]`` from site ``i`` to centre ``j`` over the routes left open,
  from what survives at the site (``1 - loss[s,i]`` of it); demand not covered
  is unmet, ``u[s,j,k]``.

minimise  Σ h_k q_ik + Σ_s p_s ( Σ c_ij m_k x_sijk + Σ π_k u_sjk )

subject to  Σ_j x_sijk <= (1 - loss_si) q_ik;   Σ_i x_sijk + u_sjk = d_sjk;
Σ_ik a_k q_ik <= budget;   Σ_k m_k q_ik <= capacity_i;   q, x, u >= 0,

with holding cost ``h``, transport cost ``c`` per kg, item mass ``m``, penalty
``π`` per unmet unit and purchase cost ``a``. Penalties well above the holding
and transport cost of a unit make unmet demand the first thing minimised; the
plan then never leaves more demand unmet with a larger budget.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from drm._display import ResultMixin, fmt_number
from drm.demographics import DemographicProfile
from drm.errors import InputError, SolverError
from drm.shelter.needs import needs
from drm.shelter.standards import Standard, as_standard

__all__ = ["PrepositionPlan", "preposition"]


@dataclass(frozen=True, eq=False, repr=False)
class PrepositionPlan(ResultMixin):
    """Result of :func:`preposition`.

    Attributes
    ----------
    plan : pandas.DataFrame
        Units of each item (columns) to hold at each site (index).
    expected_demand, expected_unmet : pandas.Series
        Probability-weighted demand and unmet demand over the scenarios, by item (item units).
    shipments : pandas.DataFrame
        ``scenario, site, centre, item, quantity`` of the second-stage shipments.
    costs : dict
        ``purchase`` (Σ unit cost x held), ``holding``, expected ``transport``
        and expected ``penalty``; ``objective`` = holding + transport + penalty.
    curve : pandas.DataFrame or None
        With a budget: one row per budget level, ``budget``, ``objective``,
        ``expected_penalty`` and ``unmet_<item>`` (expected unmet units).
    budget : float or None
        The budget of the plan, in the currency units of ``unit_cost``.
    """

    plan: pd.DataFrame
    expected_demand: pd.Series
    expected_unmet: pd.Series
    shipments: pd.DataFrame
    costs: dict[str, float]
    curve: pd.DataFrame | None
    budget: float | None

    def _summary(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("sites", len(self.plan)), ("items", len(self.plan.columns))]
        if self.budget is not None:
            rows.append(("budget", fmt_number(self.budget)))
        rows += [(k, fmt_number(v)) for k, v in self.costs.items()]
        for k in self.plan.columns:
            held = fmt_number(self.plan[k].sum())
            unmet = fmt_number(self.expected_unmet[k])
            rows.append((f"{k}", f"hold {held}; expected unmet {unmet} of {fmt_number(self.expected_demand[k])}"))
        return rows

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        expected = pd.DataFrame({"demand": self.expected_demand, "unmet": self.expected_unmet})
        tables = [
            ("plan", self.plan),
            ("expected by item", expected.rename_axis("item")),
            ("shipments", self.shipments),
        ]
        if self.curve is not None:
            tables.append(("budget curve", self.curve))
        return tables

    def plot(self) -> Any:
        """The plan (share of expected demand held at each site) and the budget curve.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
        share = self.plan / self.expected_demand.replace(0, np.nan)
        share.T.plot.bar(ax=ax[0], stacked=True)
        ax[0].set_xlabel("item")
        ax[0].set_ylabel("held / expected demand")
        ax[0].set_title("Prepositioned stock by site")
        if self.curve is not None:
            for k in self.plan.columns:
                d = self.expected_demand[k]
                if d > 0:
                    ax[1].plot(
                        self.curve["budget"], self.curve[f"unmet_{k}"] / d, marker="o", label=k
                    )
            ax[1].set_xlabel("budget")
            ax[1].set_ylabel("expected unmet / expected demand")
            ax[1].set_title("Expected unmet demand against budget")
            ax[1].legend(fontsize="small")
        else:
            ax[1].set_axis_off()
        return fig


def _demand(scenarios: pd.DataFrame, items: list[str], std: Standard, days: float, phase: str,
            profile: DemographicProfile | None) -> tuple[pd.Series, pd.DataFrame]:  # fmt: skip
    """Scenario probabilities and demand rows ``scenario, centre, item, demand``."""
    if not isinstance(scenarios, pd.DataFrame) or not {"scenario", "probability", "centre"} <= set(
        scenarios
    ):
        raise InputError(
            "scenarios needs columns scenario, probability, centre and either persons or item, demand"
        )
    df = scenarios.copy()
    df["scenario"], df["centre"] = df["scenario"].astype(str), df["centre"].astype(str)
    prob = pd.to_numeric(df["probability"], errors="coerce")
    per = prob.groupby(df["scenario"]).agg(["min", "max"])
    if per.isna().any().any() or (per["min"] != per["max"]).any() or (per["min"] < 0).any():
        raise InputError(
            "scenarios: each scenario needs one probability >= 0, the same on all its rows"
        )
    probs = per["min"].rename("probability")
    if abs(probs.sum() - 1.0) > 1e-6:
        raise InputError(
            f"scenarios: probabilities add up to {probs.sum():g}; they must add up to 1"
        )
    if "persons" in df.columns:
        persons = pd.to_numeric(df["persons"], errors="coerce")
        if not (np.isfinite(persons) & (persons >= 0)).all():
            raise InputError("scenarios: persons must be numbers >= 0")
        unit = needs(1.0, std, days, phase=phase, profile=profile).table["quantity"]
        rows = [(s, c, k, p * float(unit[k])) for s, c, p in zip(df["scenario"], df["centre"], persons, strict=True)
                for k in items]  # fmt: skip
        return probs, pd.DataFrame(rows, columns=["scenario", "centre", "item", "demand"])
    if not {"item", "demand"} <= set(df.columns):
        raise InputError("scenarios needs either a persons column or item and demand columns")
    df["item"] = df["item"].astype(str)
    for s, k in zip(df["scenario"], df["item"], strict=True):
        if k not in std.items:
            raise InputError(
                f"scenario {s!r} asks for item {k!r}, which standard {std.name!r} does not rate; add a rate for it "
                "(load_standard(..., overrides=...)) or drop those rows"
            )
        if k not in items:
            raise InputError(
                f"scenario {s!r} asks for item {k!r}, which is not among the items to preposition"
            )
    demand = pd.to_numeric(df["demand"], errors="coerce")
    if not (np.isfinite(demand) & (demand >= 0)).all():
        raise InputError("scenarios: demand must be numbers >= 0")
    return probs, df.assign(demand=demand)[["scenario", "centre", "item", "demand"]]


def _item_costs(costs: pd.DataFrame | None, items: list[str], need_unit_cost: bool) -> pd.DataFrame:
    out = pd.DataFrame(
        {"unit_cost": np.nan, "holding_cost": 0.0, "penalty": 1.0},
        index=pd.Index(items, name="item"),
    )
    if costs is not None:
        extra = sorted(set(costs.index) - set(items))
        if extra:
            raise InputError(f"costs: item {extra[0]!r} is not among the items to preposition")
        for col in out.columns:
            if col in costs.columns:
                out[col] = (
                    pd.to_numeric(costs[col], errors="coerce").reindex(items).fillna(out[col])
                )
    if need_unit_cost and out["unit_cost"].isna().any():
        first = out.index[out["unit_cost"].isna()][0]
        raise InputError(f"a budget needs costs['unit_cost'] for every item; missing for {first!r}")
    if (out.fillna(0.0) < 0).any().any():
        raise InputError("costs must be >= 0")
    return out


def _pairs(table: pd.DataFrame | None, cols: list[str], what: str) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(columns=cols)
    df = table.reset_index() if not set(cols[:-1]) <= set(table.columns) else table.copy()
    if not set(cols) <= set(df.columns):
        raise InputError(f"{what} needs columns {cols}; has {list(df.columns)}")
    for c in cols[:-1]:
        df[c] = df[c].astype(str)
    return df[cols]


def _solve(probs: pd.Series, demand: pd.DataFrame, sites: list[str], items: list[str], cost: pd.DataFrame,
           mass: np.ndarray, budget: float | None, capacity: dict[str, float], transport: dict[tuple[str, str], float],
           closed: set[tuple[str, str, str]], loss: dict[tuple[str, str], float]) -> dict[str, Any]:  # fmt: skip
    """Build and solve the LP; return the plan, expected unmet and costs."""
    ni, nk = len(sites), len(items)
    d = (
        demand[demand["demand"] > 0]
        .groupby(["scenario", "centre", "item"], sort=False)["demand"]
        .sum()
    )
    kidx = {k: n for n, k in enumerate(items)}
    nq = ni * nk
    x_keys = [(s, i, j, k) for (s, j, k) in d.index for i in sites if (s, i, j) not in closed]
    nx_, nu = len(x_keys), len(d)
    c = np.zeros(nq + nx_ + nu)
    c[:nq] = np.tile(cost["holding_cost"].to_numpy(float), ni)
    p = probs.to_dict()
    for n, (s, i, j, k) in enumerate(x_keys):
        c[nq + n] = p[s] * transport.get((i, j), 0.0) * mass[kidx[k]]
    c[nq + nx_ :] = [p[s] * cost.loc[k, "penalty"] for s, _, k in d.index]
    # demand: Σ_i x + u = d
    urow = {key: n for n, key in enumerate(d.index)}
    rows = [urow[(s, j, k)] for s, _, j, k in x_keys] + list(range(nu))
    a_eq = sp.csr_array((np.ones(nx_ + nu), (rows, np.r_[np.arange(nq, nq + nx_), np.arange(nq + nx_, nq + nx_ + nu)])),
                        shape=(nu, nq + nx_ + nu))  # fmt: skip
    # supply: Σ_j x_sijk - (1 - loss) q_ik <= 0
    srow: dict[tuple[str, str, str], int] = {}
    r_idx, c_idx, vals = [], [], []
    for n, (s, i, _, k) in enumerate(x_keys):
        key = (s, i, k)
        if key not in srow:
            srow[key] = len(srow)
            r_idx.append(srow[key])
            c_idx.append(sites.index(i) * nk + kidx[k])
            vals.append(-(1.0 - loss.get((s, i), 0.0)))
        r_idx.append(srow[key])
        c_idx.append(nq + n)
        vals.append(1.0)
    n_rows, b_ub = len(srow), [0.0] * len(srow)
    if budget is not None:
        for i in range(ni):
            r_idx += [n_rows] * nk
            c_idx += list(range(i * nk, (i + 1) * nk))
            vals += cost["unit_cost"].tolist()
        b_ub.append(budget)
        n_rows += 1
    for i, site in enumerate(sites):
        if site in capacity:
            r_idx += [n_rows] * nk
            c_idx += list(range(i * nk, (i + 1) * nk))
            vals += mass.tolist()
            b_ub.append(capacity[site])
            n_rows += 1
    a_ub = sp.csr_array((vals, (r_idx, c_idx)), shape=(n_rows, nq + nx_ + nu))
    res = linprog(c, A_ub=a_ub if n_rows else None, b_ub=b_ub if n_rows else None, A_eq=a_eq if nu else None,
                  b_eq=d.to_numpy() if nu else None, bounds=(0, None), method="highs")  # fmt: skip
    if res.status != 0:
        raise SolverError(f"prepositioning LP failed: {res.message}")
    q = res.x[:nq].reshape(ni, nk)
    xs, us = res.x[nq : nq + nx_], res.x[nq + nx_ :]
    probs_u = np.array([p[s] for s, _, _ in d.index])
    unmet = (
        pd.Series(probs_u * us, index=d.index)
        .groupby(level="item")
        .sum()
        .reindex(items)
        .fillna(0.0)
    )
    return {
        "q": q,
        "x": xs,
        "x_keys": x_keys,
        "unmet": unmet,
        "objective": float(res.fun),
        "holding": float(c[:nq] @ res.x[:nq]),
        "transport": float(c[nq : nq + nx_] @ xs),
        "penalty": float(c[nq + nx_ :] @ us),
        "purchase": float(np.tile(cost["unit_cost"].fillna(0.0).to_numpy(float), ni) @ res.x[:nq]),
    }


def preposition(
    scenarios: pd.DataFrame,
    sites: Sequence[str] | pd.DataFrame,
    items: Sequence[str],
    *,
    budget: float | None = None,
    capacities: Mapping[str, float] | pd.Series | None = None,
    costs: pd.DataFrame | None = None,
    transport: pd.DataFrame | None = None,
    closed: pd.DataFrame | None = None,
    losses: pd.DataFrame | None = None,
    standard: str | os.PathLike[str] | Standard = "sphere-2018",
    days: float = 3.0,
    phase: str = "acute",
    profile: DemographicProfile | None = None,
    budget_levels: Sequence[float] | None = None,
) -> PrepositionPlan:
    """How much of each item to hold at each site, over a set of flood scenarios.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        Rows ``scenario, probability, centre`` and either ``persons`` (needs
        then follow the standard for ``days``) or ``item, demand`` (units).
        Probabilities are per scenario and add up to 1.
    sites : sequence of str or pandas.DataFrame
        Candidate holding sites (a DataFrame's index; its ``capacity_kg``
        column, if any, limits the mass held there).
    items : sequence of str
        Stock items to preposition; each must have a rate in the standard.
    budget : float, optional
        Purchase budget, in the currency units of ``unit_cost``:
        Σ unit_cost x units held <= budget.
    capacities : mapping or pandas.Series, optional
        Mass (kg) each site can hold. Give a budget, capacities or both.
    costs : pandas.DataFrame, optional
        Indexed by item: ``unit_cost`` (needed with a budget), ``holding_cost``
        per unit held (default 0) and ``penalty`` per unit of unmet demand
        (default 1; keep it well above holding plus transport costs).
    transport : pandas.DataFrame, optional
        Indexed by (site, centre): ``cost_per_kg``; missing pairs cost nothing.
    closed : pandas.DataFrame, optional
        Rows ``scenario, site, centre``: routes unusable in that scenario.
    losses : pandas.DataFrame, optional
        Rows ``scenario, site, fraction``: share of the stock at a site lost
        (e.g. flooded) in that scenario.
    standard : str, path or Standard
        Rates for ``persons`` scenarios and the item check (default sphere-2018).
    days : float
        Days of needs a ``persons`` scenario asks for (default 3).
    phase : {"acute", "stabilised"}
        Phase of the rates.
    profile : DemographicProfile, optional
        Demographic shares for ``persons`` scenarios.
    budget_levels : sequence of float, optional
        Budgets for the curve (default: 0 to ``budget`` in 5 steps).

    Returns
    -------
    PrepositionPlan

    Raises
    ------
    InputError
        Probabilities that do not add up to 1, an item the standard does not
        rate, unknown sites, negative costs or capacities, no budget and no capacities.
    SolverError
        If HiGHS fails.

    Examples
    --------
    >>> sc = pd.DataFrame({"scenario": ["wet", "dry"], "probability": [0.5, 0.5],
    ...                    "centre": ["C1", "C1"], "item": ["water_l", "water_l"], "demand": [1000.0, 0.0]})
    >>> r = preposition(sc, ["W1"], ["water_l"], budget=600.0, costs=pd.DataFrame({"unit_cost": [1.0]},
    ...                 index=["water_l"]))
    >>> float(r.plan.loc["W1", "water_l"]), float(r.expected_unmet["water_l"])
    (600.0, 200.0)
    """
    std = as_standard(standard)
    items = [str(k) for k in items]
    if not items or len(set(items)) != len(items):
        raise InputError("items must be a non-empty list of distinct item names")
    for k in items:
        if k not in std.items or k not in std.catalogue.index:
            raise InputError(
                f"item {k!r} is not a stock item rated by standard {std.name!r}; stock items it rates: "
                f"{', '.join(i for i in std.items if i in std.catalogue.index)}"
            )
    site_table = (
        sites if isinstance(sites, pd.DataFrame) else pd.DataFrame(index=pd.Index(list(sites)))
    )
    site_ids = [str(s) for s in site_table.index]
    if not site_ids or len(set(site_ids)) != len(site_ids):
        raise InputError("sites must be a non-empty list of distinct site ids")
    cap = {}
    if "capacity_kg" in site_table.columns:
        cap.update({str(s): float(v) for s, v in site_table["capacity_kg"].items() if pd.notna(v)})
    if capacities is not None:
        cap.update({str(s): float(v) for s, v in dict(capacities).items()})
    unknown = sorted(set(cap) - set(site_ids))
    if unknown or any(not (np.isfinite(v) and v >= 0) for v in cap.values()):
        raise InputError(
            f"capacities must be >= 0 kg for listed sites; check {unknown or sorted(cap)}"
        )
    if budget is None and not cap:
        raise InputError(
            "preposition needs budget=... (with costs unit_cost), capacities=... (kg per site) or both"
        )
    if budget is not None and not (np.isfinite(budget) and budget >= 0):
        raise InputError(f"budget must be a number >= 0, got {budget!r}")
    probs, demand = _demand(scenarios, items, std, days, phase, profile)
    cost = _item_costs(costs, items, budget is not None)
    mass = np.array([std.mass_kg(k) for k in items])
    tr = _pairs(transport, ["site", "centre", "cost_per_kg"], "transport")
    closed_t = _pairs(closed, ["scenario", "site", "centre"], "closed")
    loss_t = _pairs(losses, ["scenario", "site", "fraction"], "losses")
    frac = pd.to_numeric(loss_t["fraction"], errors="coerce")
    if not ((frac >= 0) & (frac <= 1)).all():
        raise InputError("losses: fraction must be within 0-1")
    args = {
        "probs": probs, "demand": demand, "sites": site_ids, "items": items, "cost": cost, "mass": mass,
        "capacity": cap,
        "transport": {(i, j): float(v) for i, j, v in tr.itertuples(index=False)},
        "closed": {tuple(r) for r in closed_t.itertuples(index=False)},
        "loss": {(s, i): float(f) for s, i, f in zip(loss_t["scenario"], loss_t["site"], frac, strict=True)},
    }  # fmt: skip
    best = _solve(budget=budget, **args)
    curve = None
    if budget is not None:
        levels = (
            np.linspace(0.0, budget, 6)
            if budget_levels is None
            else np.asarray(budget_levels, dtype=float)
        )
        rows = []
        for b in levels:
            sol = best if b == budget else _solve(budget=float(b), **args)
            rows.append({"budget": float(b), "objective": sol["objective"], "expected_penalty": sol["penalty"],
                         **{f"unmet_{k}": float(sol["unmet"][k]) for k in items}})  # fmt: skip
        curve = pd.DataFrame(rows)
    expected_demand = demand.merge(probs, left_on="scenario", right_index=True)
    expected_demand = (expected_demand["demand"] * expected_demand["probability"]).groupby(
        expected_demand["item"]).sum().reindex(items).fillna(0.0)  # fmt: skip
    ship = pd.DataFrame(best["x_keys"], columns=["scenario", "site", "centre", "item"]).assign(
        quantity=best["x"]
    )
    plan = pd.DataFrame(
        best["q"], index=pd.Index(site_ids, name="site"), columns=pd.Index(items, name="item")
    )
    costs_out = {k: best[k] for k in ("objective", "purchase", "holding", "transport", "penalty")}
    return PrepositionPlan(plan, expected_demand, best["unmet"], ship[ship["quantity"] > 1e-9].reset_index(drop=True),
                           costs_out, curve, budget)  # fmt: skip
