"""Choose which candidate buildings to open as evacuation centres.

Three models, each an integer program solved by HiGHS (:func:`scipy.optimize.milp`):

* **p-median**: open ``p`` sites minimising the demand-weighted travel cost to
  the nearest open site. Formulated with sorted distances (Cornuéjols,
  Nemhauser & Wolsey 1980; Elloumi 2010, INFORMS J. Comput. 22): for demand
  ``i`` with distinct costs ``D1 < D2 < ...``, ``z_ik`` is 1 when no site within
  ``Dk`` is open; the chained rows ``z_ik >= z_i,k-1 - sum(y_j : d_ij = Dk)``
  keep it as tight as the classical formulation with a fraction of its
  non-zeros, and only the ``m - p + 1`` nearest candidates of each demand can
  matter;
* **MCLP** (maximal covering, Church & ReVelle 1974): open ``p`` sites covering
  the most demand within ``coverage`` (same units as the costs);
* **capacitated**: p-median with site capacities (``capacity`` persons,
  ``demand`` persons), demand split between sites unless ``single_source``.

The exact p-median first runs the heuristic below, then a Lagrangian
relaxation (Beasley 1993) whose bound often proves the heuristic plan optimal
outright and otherwise closes every candidate that cannot appear in a plan as
good (variable fixing); HiGHS then solves the much smaller MILP that is left.

A fast heuristic (greedy addition, then Teitz & Bart 1968 vertex substitution
until no swap improves) serves instances too large for the MILP (p-median and
MCLP). Candidates flooded deeper than ``max_depth_m`` or that no demand point
can reach are excluded before solving, with the reason. Demand points that can
reach no remaining candidate are reported as unserved (p-median and
capacitated price a demand point left without a reachable open site at
``(n + 1)`` times the largest finite cost per person, so serving comes first).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from drm._display import ResultMixin, fmt_number
from drm.errors import InputError, SolverError, warn
from drm.network.routing import travel_times

__all__ = ["LocationResult", "locate_centres", "location_costs"]

Method = Literal["p-median", "mclp", "capacitated"]

#: Instances with more demand x candidate pairs than this use the heuristic under solver="auto".
AUTO_MILP_PAIRS = 250_000


@dataclass(frozen=True, eq=False, repr=False)
class LocationResult(ResultMixin):
    """Centres chosen by :func:`locate_centres`.

    Attributes
    ----------
    method : str
        ``"p-median"``, ``"mclp"`` or ``"capacitated"``.
    solver : str
        ``"milp"`` (HiGHS) or ``"heuristic"``.
    open_sites : list
        Labels of the candidates to open.
    assignment : pandas.Series
        Site serving each demand point (nearest open site; for capacitated,
        the site taking the largest share); None where unserved.
    objective : float
        p-median and capacitated: total demand-weighted cost of the served
        demand (persons x s); MCLP: demand covered.
    gap : float
        Relative optimality gap proven by HiGHS (a fraction; 0: optimal); NaN for the heuristic.
    status : str
        Solver status.
    excluded : pandas.DataFrame
        Candidates left out, with ``reason``.
    unserved : pandas.DataFrame
        Demand points with no reachable open site (``demand``, ``reason``);
        for MCLP, the demand not covered.
    allocation : pandas.DataFrame
        Demand sent to each site: ``demand_point``, ``site``, ``demand``, ``cost``.
    solve_time_s : float
        Wall-clock time of the solve (s).
    """

    method: str
    solver: str
    open_sites: list[Any]
    assignment: pd.Series
    objective: float
    gap: float
    status: str
    excluded: pd.DataFrame
    unserved: pd.DataFrame
    allocation: pd.DataFrame
    solve_time_s: float

    def _summary(self) -> list[tuple[str, Any]]:
        label = "demand covered" if self.method == "mclp" else "total cost"
        return [
            ("method", f"{self.method} ({self.solver})"),
            ("open sites", f"{len(self.open_sites)}: {', '.join(map(str, self.open_sites[:8]))}"
             + (" ..." if len(self.open_sites) > 8 else "")),
            (label, fmt_number(self.objective)),
            ("optimality gap", "unknown" if np.isnan(self.gap) else f"{self.gap:.2%}"),
            ("status", self.status),
            ("candidates excluded", len(self.excluded)),
            ("unserved demand", fmt_number(float(self.unserved["demand"].sum()))),
            ("solve time", f"{self.solve_time_s:.2f} s"),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("excluded", self.excluded),
            ("allocation", self.allocation),
            ("unserved", self.unserved),
        ]

    def plot(self) -> Any:
        """Demand served by each open site, and the share of demand within each travel cost.

        Returns
        -------
        matplotlib.figure.Figure
            Left: demand (persons) served (MCLP: covered) by each open site,
            and the demand left. Right: the cumulative share of all demand (%)
            with an open site within a cost, in minutes for costs in seconds
            (as from :func:`location_costs`).

        Examples
        --------
        >>> r = locate_centres(np.array([[0, 5, 9], [5, 0, 4], [9, 4, 0]]) * 60.0, p=2)
        >>> [ax.get_xlabel() for ax in r.plot().axes]
        ['open site', 'travel time to the site (min)']
        """
        import matplotlib.pyplot as plt

        from drm.plotting import OKABE_ITO

        a = self.allocation
        mclp = self.method == "mclp"
        # MCLP sends demand it does not cover to the nearest open site too: count it only once
        uncovered = a["demand_point"].isin(self.unserved.index) if mclp else np.zeros(len(a), bool)
        served = a[~uncovered].groupby("site")["demand"].sum()
        served = served.reindex(self.open_sites, fill_value=0.0)
        left = float(self.unserved["demand"].sum())
        total = float(served.sum()) + left
        fig, ax = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
        labels = [str(k) for k in served.index]
        ax[0].bar(labels, served.to_numpy(), color=OKABE_ITO[4])
        if left > 0:
            ax[0].bar(["not covered" if mclp else "unserved"], [left], color=OKABE_ITO[5])
        ax[0].set_xlabel("open site")
        ax[0].set_ylabel("demand (persons)")
        ax[0].tick_params(axis="x", labelrotation=45 if len(labels) > 8 else 0)
        ax[0].set_title(f"{self.method} ({self.solver}): {len(self.open_sites)} sites")
        by_cost = a.sort_values("cost")
        ax[1].step(
            np.r_[0.0, by_cost["cost"].to_numpy() / 60.0],
            100.0 * np.r_[0.0, by_cost["demand"].cumsum().to_numpy()] / max(total, 1e-12),
            where="post",
            color=OKABE_ITO[4],
        )
        ax[1].set_xlabel("travel time to the site (min)")
        ax[1].set_ylabel("demand served within that time (%)")
        ax[1].set_ylim(0, 102)
        ax[1].set_title("Coverage")
        return fig


def location_costs(
    G: Any, demand: Any, candidates: Any, weight: str = "travel_time"
) -> pd.DataFrame:
    """Build the demand x candidate travel-time matrix for :func:`locate_centres`.

    Parameters
    ----------
    G : networkx graph or RoadMatrix
        Road graph (prepared, possibly flooded).
    demand, candidates : pandas.DataFrame with a ``node`` column, or sequences of nodes
        Demand points (e.g. from :func:`drm.network.population_origins`) and
        candidate sites (e.g. from :func:`drm.network.snap_points`).
    weight : str
        Edge travel cost (``"travel_time"``, s).

    Returns
    -------
    pandas.DataFrame
        Time from each demand point (rows) to each candidate (columns), inf
        where unreachable; labels from the tables' indexes (or the nodes).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(1, 2, travel_time=30.0); _ = G.add_edge(2, 1, travel_time=30.0)
    >>> location_costs(G, [1, 2], [2]).to_numpy().tolist()
    [[30.0], [0.0]]
    """
    def nodes_of(x: Any) -> tuple[list[Any], pd.Index]:
        if isinstance(x, pd.DataFrame):
            if "node" not in x.columns:
                raise InputError("location_costs: tables need a 'node' column (snap them first)")
            return x["node"].tolist(), x.index
        items = list(x)
        return items, pd.Index(items)

    d_nodes, d_index = nodes_of(demand)
    c_nodes, c_index = nodes_of(candidates)
    tt = travel_times(G, c_nodes, d_nodes, weight, direction="to_sources")
    return pd.DataFrame(cast(np.ndarray, tt.time_s).T, index=d_index, columns=c_index)


def _as_frame(costs: Any) -> pd.DataFrame:
    if isinstance(costs, pd.DataFrame):
        df = costs.astype(float)
    else:
        arr = np.asarray(costs, dtype=float)
        if arr.ndim != 2:
            raise InputError(f"costs must be a 2-D demand x candidate matrix, got shape {arr.shape}")
        df = pd.DataFrame(arr)
    values = df.to_numpy()
    if np.isnan(values).any():
        raise InputError("costs contain NaN; use inf for unreachable pairs")
    if (values < 0).any():
        raise InputError("costs must be >= 0")
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise InputError(f"costs is empty (shape {df.shape})")
    return df


def _vector(value: Any, index: pd.Index, name: str, default: float | None) -> np.ndarray:
    if value is None:
        if default is None:
            raise InputError(f"{name} is required for this method")
        return np.full(len(index), default)
    if isinstance(value, pd.Series):
        value = value.reindex(index)
    arr = np.broadcast_to(np.asarray(value, dtype=float), (len(index),)).copy()
    return arr


def locate_centres(
    costs: pd.DataFrame | np.ndarray,
    *,
    p: int | None = None,
    method: Method = "p-median",
    demand: Any = None,
    capacity: Any = None,
    coverage: float | None = None,
    candidate_depth_m: Any = None,
    max_depth_m: float = 0.15,
    solver: Literal["auto", "milp", "heuristic"] = "auto",
    single_source: bool = False,
    time_limit_s: float = 60.0,
) -> LocationResult:
    """Choose evacuation centres among candidates.

    Parameters
    ----------
    costs : pandas.DataFrame or array_like
        Travel cost from each demand point (rows) to each candidate
        (columns), inf where unreachable; see :func:`location_costs`.
    p : int
        Number of centres to open.
    method : {"p-median", "mclp", "capacitated"}
        Model, see the module notes.
    demand : array_like or pandas.Series, optional
        Persons per demand point (default 1 each).
    capacity : array_like or pandas.Series, optional
        Places per candidate (capacitated only; persons, > 0).
    coverage : float, optional
        Largest cost that counts as covered (MCLP; e.g. 1800 s).
    candidate_depth_m : array_like or pandas.Series, optional
        Flood depth at each candidate (m); NaN = dry.
    max_depth_m : float
        Candidates with deeper water are excluded (default 0.15 m: about a
        kerb, above which water reaches building thresholds).
    solver : {"auto", "milp", "heuristic"}
        ``"auto"``: MILP up to 250,000 demand x candidate pairs, heuristic beyond.
    single_source : bool
        Capacitated: send each demand point to one site only.
    time_limit_s : float
        HiGHS time limit; the best plan found is returned with its gap.

    Returns
    -------
    LocationResult

    Raises
    ------
    InputError
        Bad costs, missing or invalid p, demand, capacity or coverage; fewer
        usable candidates than p; heuristic asked for the capacitated model.
    SolverError
        If HiGHS ends without any feasible plan.

    Examples
    --------
    >>> import numpy as np
    >>> costs = np.array([[0, 5, 9], [5, 0, 4], [9, 4, 0], [8, 7, 2]])
    >>> r = locate_centres(costs, p=1)
    >>> r.open_sites, r.objective
    ([2], 15.0)
    """
    if method not in ("p-median", "mclp", "capacitated"):
        raise InputError(f"method must be 'p-median', 'mclp' or 'capacitated', got {method!r}")
    if solver not in ("auto", "milp", "heuristic"):
        raise InputError(f"solver must be 'auto', 'milp' or 'heuristic', got {solver!r}")
    df = _as_frame(costs)
    a = _vector(demand, df.index, "demand", 1.0)
    if not (np.isfinite(a).all() and (a >= 0).all()):
        raise InputError("demand must be finite and >= 0 at every demand point (NaN is not allowed)")
    excluded = _exclusions(df, candidate_depth_m, max_depth_m)
    keep = ~df.columns.isin(excluded.index)
    usable = df.loc[:, keep]
    if p is None or int(p) != p or p < 1:
        raise InputError(f"p must be a whole number >= 1 (centres to open), got {p!r}")
    p = int(p)
    if p > usable.shape[1]:
        raise InputError(
            f"p = {p} but only {usable.shape[1]} candidates remain after excluding {len(excluded)} "
            "(flooded or unreachable); lower p or add candidates"
        )
    D = usable.to_numpy()
    reach = np.isfinite(D).any(axis=1)
    unserved_rows = ~reach & (a > 0)
    if unserved_rows.any():
        warn(f"{int(unserved_rows.sum())} demand point(s) with {a[unserved_rows].sum():,.0f} persons "
            "cannot reach any usable candidate; they are reported in result.unserved")
    if method == "capacitated":
        cap = _vector(capacity, df.columns, "capacity", None)[keep]
        if not (np.isfinite(cap).all() and (cap > 0).all()):
            raise InputError("capacity must be a positive number of places at every candidate")
    if method == "mclp" and not (coverage is not None and coverage >= 0):
        raise InputError(f"mclp needs coverage >= 0 (largest covered cost), got {coverage!r}")
    big = D.shape[0] * D.shape[1] > AUTO_MILP_PAIRS
    use_milp = solver == "milp" or (solver == "auto" and (not big or method == "capacitated"))
    if method == "capacitated" and not use_milp:
        raise InputError("the capacitated model has no heuristic; use solver='milp' or 'auto'")
    start = time.perf_counter()
    if method == "mclp":
        cover = np.less_equal(D, float(cast(float, coverage)))
        sites, gap, status = (
            _mclp_milp(cover, a, p, time_limit_s) if use_milp else _mclp_heuristic(cover, a, p)
        )
        flows = _nearest_flows(D, a, sites)
    elif method == "p-median":
        if use_milp:
            sites, gap, status = _pmedian_milp(D, a, p, time_limit_s)
        else:
            sites, gap, status = _pmedian_heuristic(D, a, p)
        flows = _nearest_flows(D, a, sites)
    else:
        sites, flows, gap, status = _capacitated_milp(D, a, cap, p, single_source, time_limit_s)
    elapsed = time.perf_counter() - start
    return _result(method, "milp" if use_milp else "heuristic", usable, a, sites, flows, gap, status,
                   excluded, coverage, elapsed)


def _exclusions(df: pd.DataFrame, depth: Any, max_depth_m: float) -> pd.DataFrame:
    reasons: dict[Any, str] = {}
    if depth is not None:
        d = _vector(depth, df.columns, "candidate_depth_m", None)
        for label, value in zip(df.columns, d, strict=True):
            if np.isfinite(value) and value > max_depth_m:
                reasons[label] = f"flooded: {value:.2f} m > {max_depth_m:g} m"
    dead = ~np.isfinite(df.to_numpy()).any(axis=0)
    for label in df.columns[dead]:
        reasons.setdefault(label, "unreachable from every demand point")
    return pd.DataFrame({"reason": pd.Series(reasons, dtype=object)}).rename_axis("candidate")


def _scaled(D: np.ndarray) -> tuple[np.ndarray, float]:
    """Costs divided by the largest finite one; unreachable priced at n + 1."""
    finite = D[np.isfinite(D)]
    scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    return np.where(np.isfinite(D), D / scale, D.shape[0] + 1.0), scale


def _solve(c, A, lo, hi, integrality, bounds, time_limit_s) -> Any:
    res = milp(
        c,
        constraints=LinearConstraint(A, lo, hi),
        integrality=integrality,
        bounds=bounds,
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-7},
    )
    if res.x is None:
        raise SolverError(f"HiGHS found no feasible plan ({res.message})")
    gap = getattr(res, "mip_gap", None)
    # a problem with no integer variable is a plain LP: HiGHS reports no MIP gap, and its
    # optimum is exact
    gap = (0.0 if not np.any(integrality) else np.nan) if gap is None else float(gap)
    status = "optimal" if res.status == 0 else f"stopped: {res.message}"
    return res, (max(gap, 0.0) if np.isfinite(gap) else np.nan), status


def _lagrangian_fixing(
    S: np.ndarray, a: np.ndarray, p: int, sites: list[int]
) -> tuple[np.ndarray, np.ndarray, float, float, list[int]]:
    """Bound the p-median by Lagrangian relaxation and fix sites that cannot change.

    Relaxing "each demand point is assigned once" with multipliers ``lam``
    gives ``L(lam) = sum(lam) + sum of the p smallest rho_j``, with
    ``rho_j = sum_i min(0, a_i d_ij - lam_i)``, a lower bound (Beasley 1993,
    EJOR 65). Subgradient steps (Polyak) raise it; the p sites of the best
    bound, improved by swaps, may beat the heuristic plan (upper bound ``UB``).
    A site outside the bound's p cheapest with ``L + rho_j - rho_(p) > UB`` is
    in no plan as good as ``UB``, so it is closed; one inside with
    ``L - rho_j + rho_(p+1) > UB`` is opened.

    Returns the closed and forced-open masks, the bound, the upper bound and its sites.
    """
    W = a[:, None] * S
    m = W.shape[1]
    ub = float(W[:, sites].min(axis=1).sum())
    lam = np.sort(W, axis=1)[:, min(p, m - 1)]
    best, best_rho, best_sites = -np.inf, np.zeros(m), sites
    theta, stall = 2.0, 0
    for _ in range(2000):
        R = np.minimum(W - lam[:, None], 0.0)
        rho = R.sum(axis=0)
        chosen = np.argpartition(rho, p - 1)[:p]
        bound = float(lam.sum() + rho[chosen].sum())
        if bound > best + 1e-12 * abs(ub):
            best, best_rho, best_sites, stall = bound, rho, chosen.tolist(), 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
        g = 1.0 - (R[:, chosen] < 0).sum(axis=1)
        if ub - best <= 1e-9 * max(1.0, abs(ub)) or theta < 1e-4 or not g.any():
            break
        lam = lam + theta * (ub - bound) / float(g @ g) * g
    improved, _ = _swaps(S, a, best_sites)
    cost = float(W[:, improved].min(axis=1).sum())
    if cost < ub:
        ub, sites = cost, improved
    order = np.sort(best_rho)
    tol = 1e-9 * max(1.0, abs(ub))
    closed = best + best_rho - order[p - 1] > ub + tol
    forced = best - best_rho + (order[p] if p < m else np.inf) > ub + tol
    in_p = best_rho <= order[p - 1]
    return closed & ~in_p, forced & in_p, best, ub, sites


def _pmedian_milp(
    D: np.ndarray, a: np.ndarray, p: int, time_limit_s: float
) -> tuple[list[int], float, str]:
    """Exact p-median: heuristic plan, Lagrangian bound and fixing, MILP on what is left."""
    S, _ = _scaled(D)
    heuristic, _, _ = _pmedian_heuristic(D, a, p)
    closed, forced, bound, ub, heuristic = _lagrangian_fixing(S, a, p, heuristic)
    whole = np.allclose(D[np.isfinite(D)], np.round(D[np.isfinite(D)])) and np.allclose(a, np.round(a))
    scale = float(np.max(D[np.isfinite(D)], initial=1.0)) or 1.0
    if whole and np.ceil(bound * scale - 1e-6) >= round(ub * scale):  # integer costs: no gap left
        return heuristic, 0.0, "optimal (Lagrangian bound)"
    if ub - bound <= 1e-9 * max(1.0, ub):
        return heuristic, max(0.0, (ub - bound) / ub) if ub > 0 else 0.0, "optimal (Lagrangian bound)"
    keep = np.flatnonzero(~closed)
    c, A, lo, hi, m, base = _pmedian_model(S[:, keep], a, p)
    lower = np.r_[forced[keep].astype(float), np.zeros(c.size - m)]
    integrality = np.r_[np.ones(m), np.zeros(c.size - m)]
    try:
        res, _, status = _solve(c, A, lo, hi, integrality, Bounds(lower, 1), time_limit_s)
    except SolverError:  # stopped before HiGHS found any plan: keep the heuristic's
        return heuristic, max(0.0, (ub - bound) / ub), "stopped: time limit; heuristic plan"
    sites = keep[res.x[:m] > 0.5].tolist()
    cost = float((a * S[:, sites].min(axis=1)).sum())
    if cost > ub:  # stopped early with a worse plan than the heuristic's
        sites, cost, status = heuristic, ub, f"{status}; heuristic plan kept"
    dual = base + float(getattr(res, "mip_dual_bound", np.nan))
    lower_bound = max(bound, dual) if np.isfinite(dual) else bound
    gap = max(0.0, (cost - lower_bound) / cost) if cost > 0 else 0.0
    return sites, (0.0 if res.status == 0 else gap), status


def _pmedian_model(S: np.ndarray, a: np.ndarray, p: int) -> tuple[Any, Any, Any, Any, int, float]:
    """Build the sorted-distance (radius) p-median MILP: columns y (m) then z.

    Returns the objective, rows, bounds, the number of y columns and the
    objective's constant (every demand point's nearest cost), left out of ``c``.
    """
    m = S.shape[1]
    rows, cols, vals, lo = [], [], [], []
    cost = [np.zeros(m)]
    nz = m  # next z column
    r = 0
    keep_levels = m - p + 1
    base = 0.0
    for i in range(S.shape[0]):
        if a[i] == 0:
            continue
        order = np.argsort(S[i], kind="stable")[:keep_levels]
        levels, start = np.unique(S[i, order], return_index=True)
        groups = np.split(order, start[1:])
        base += a[i] * levels[0]
        # one of the m - p + 1 nearest candidates is open, so the last level needs no z
        n_z = levels.size - 1
        cost.append(a[i] * np.diff(levels))
        for k in range(n_z):
            # z_ik - z_i,k-1 + sum(y_j : d_ij = level k) >= 0, with z_i,-1 = 1
            rows += [r] * (1 + groups[k].size)
            cols += [nz + k, *groups[k].tolist()]
            vals += [1.0] * (1 + groups[k].size)
            if k > 0:
                rows.append(r)
                cols.append(nz + k - 1)
                vals.append(-1.0)
            lo.append(1.0 if k == 0 else 0.0)
            r += 1
        nz += n_z
    A = sp.vstack(
        [
            sp.csr_array((vals, (rows, cols)), shape=(r, nz)),
            sp.csr_array((np.ones(m), (np.zeros(m, dtype=int), np.arange(m))), shape=(1, nz)),
        ]
    )
    return np.concatenate(cost), A, np.r_[lo, p], np.r_[np.full(r, np.inf), p], m, base


def _mclp_milp(
    cover: np.ndarray, a: np.ndarray, p: int, time_limit_s: float
) -> tuple[list[int], float, str]:
    m = cover.shape[1]
    live = np.flatnonzero(cover.any(axis=1) & (a > 0))
    k = live.size
    ci, cj = np.nonzero(cover[live])
    # u_i - sum(y_j covering i) <= 0 ; sum y = p
    A = sp.vstack(
        [
            sp.hstack(
                [-sp.csr_array((np.ones(ci.size), (ci, cj)), shape=(k, m)), sp.eye_array(k, format="csr")]
            ),
            sp.hstack([sp.csr_array(np.ones((1, m))), sp.csr_array((1, k))]),
        ]
    ).tocsr()
    lo = np.r_[np.full(k, -np.inf), p]
    hi = np.r_[np.zeros(k), p]
    c = np.r_[np.zeros(m), -a[live]]
    res, gap, status = _solve(c, A, lo, hi, np.r_[np.ones(m), np.zeros(k)], Bounds(0, 1), time_limit_s)
    return np.flatnonzero(res.x[:m] > 0.5).tolist(), gap, status


def _capacitated_milp(
    D: np.ndarray, a: np.ndarray, cap: np.ndarray, p: int, single: bool, time_limit_s: float
) -> tuple[list[int], np.ndarray, float, str]:
    n, m = D.shape
    S, _ = _scaled(D)
    di, dj = np.nonzero(np.isfinite(D) & (a[:, None] > 0))
    nx_ = di.size
    served = np.flatnonzero(a > 0)
    nu = served.size
    # columns: y (m) | x (nx_) | u (nu)
    xcol = m + np.arange(nx_)
    ucol = m + nx_ + np.arange(nu)
    upos = np.full(n, -1)
    upos[served] = np.arange(nu)
    blocks = []
    # each demand point fully served or unserved: sum_j x_ij + u_i = 1
    blocks.append(
        (np.r_[upos[di], np.arange(nu)], np.r_[xcol, ucol], np.ones(nx_ + nu), np.ones(nu), np.ones(nu))
    )
    # capacity: sum_i a_i x_ij - K_j y_j <= 0
    blocks.append(
        (np.r_[dj, np.arange(m)], np.r_[xcol, np.arange(m)], np.r_[a[di], -cap], np.full(m, -np.inf), np.zeros(m))
    )
    # linking x_ij <= y_j
    blocks.append(
        (np.r_[np.arange(nx_), np.arange(nx_)], np.r_[xcol, dj], np.r_[np.ones(nx_), -np.ones(nx_)],
         np.full(nx_, -np.inf), np.zeros(nx_))
    )
    # sum y = p
    blocks.append((np.zeros(m, dtype=int), np.arange(m), np.ones(m), np.array([p]), np.array([p])))
    rows, cols, vals, lo, hi = [], [], [], [], []
    offset = 0
    for r_, c_, v_, l_, h_ in blocks:
        rows.append(r_ + offset)
        cols.append(c_)
        vals.append(v_)
        lo.append(l_)
        hi.append(h_)
        offset += l_.size
    ncol = m + nx_ + nu
    A = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(offset, ncol))
    c = np.r_[np.zeros(m), a[di] * S[di, dj], a[served] * (n + 1.0)]
    integrality = np.r_[np.ones(m), np.full(nx_, 1 if single else 0), np.zeros(nu)]
    res, gap, status = _solve(c, A, np.concatenate(lo), np.concatenate(hi), integrality, Bounds(0, 1), time_limit_s)
    share = np.zeros((n, m))
    share[di, dj] = np.where(res.x[xcol] > 1e-9, res.x[xcol], 0.0)
    return np.flatnonzero(res.x[:m] > 0.5).tolist(), share * a[:, None], gap, status


def _nearest_flows(D: np.ndarray, a: np.ndarray, sites: list[int]) -> np.ndarray:
    flows = np.zeros(D.shape)
    if not sites:
        return flows
    sub = D[:, sites]
    best = np.argmin(sub, axis=1)
    ok = np.isfinite(sub[np.arange(D.shape[0]), best])
    flows[np.flatnonzero(ok), np.asarray(sites)[best[ok]]] = a[ok]
    return flows


def _pmedian_heuristic(D: np.ndarray, a: np.ndarray, p: int) -> tuple[list[int], float, str]:
    """Greedy addition, then Teitz-Bart vertex substitution (best swap each round)."""
    S, _ = _scaled(D)
    best = np.full(S.shape[0], S.max() + 1.0)
    sites: list[int] = []
    for _ in range(p):
        gain = (a[:, None] * np.maximum(best[:, None] - S, 0.0)).sum(axis=0)
        gain[sites] = -np.inf
        j = int(np.argmax(gain))
        sites.append(j)
        best = np.minimum(best, S[:, j])
    sites, swaps = _swaps(S, a, sites)
    return sites, np.nan, f"heuristic: {swaps} swaps"


def _swaps(S: np.ndarray, a: np.ndarray, sites: list[int]) -> tuple[list[int], int]:
    """Swap an open site for a closed one while the best swap lowers the total cost."""
    n, m = S.shape
    p = len(sites)
    sites = list(sites)
    tol = 1e-12 * max(1.0, float((a[:, None] * S).sum()))
    rows = np.arange(n)
    for rounds in range(10 * m):
        sub = S[:, sites]
        near = np.argmin(sub, axis=1)
        d1 = sub[rows, near]
        d2 = np.partition(sub, 1, axis=1)[:, 1] if p > 1 else np.full(n, S.max() + 1.0)
        with_j = np.minimum(d1[:, None], S)
        gain = a @ d1 - a @ with_j
        extra = a[:, None] * (np.minimum(d2[:, None], S) - with_j)
        loss = sp.csr_array((np.ones(n), (near, rows)), shape=(p, n)) @ extra
        delta = loss - gain[None, :]
        delta[:, sites] = np.inf
        r, j = np.unravel_index(np.argmin(delta), delta.shape)
        if delta[r, j] >= -tol:
            return sorted(sites), rounds
        sites[int(r)] = int(j)
    return sorted(sites), 10 * m


def _mclp_heuristic(cover: np.ndarray, a: np.ndarray, p: int) -> tuple[list[int], float, str]:
    """Greedy addition by covered demand, then best swaps while they add coverage."""
    C = cover.astype(float)
    n, m = C.shape
    count = np.zeros(n)
    sites: list[int] = []
    for _ in range(p):
        gain = (a * (count == 0)) @ C
        gain[sites] = -np.inf
        j = int(np.argmax(gain))
        sites.append(j)
        count += C[:, j]
    rounds = 0
    while rounds < 10 * m:
        rounds += 1
        gain = (a * (count == 0)) @ C  # newly covered by adding j
        only = a * (count == 1)  # covered by exactly one open site
        loss = (C[:, sites] * only[:, None]).T @ (1.0 - C)  # lost when r leaves and j does not cover
        delta = gain[None, :] - loss
        delta[:, sites] = -np.inf
        out_, in_ = np.unravel_index(np.argmax(delta), delta.shape)
        if delta[out_, in_] <= 1e-12 * max(1.0, float(a.sum())):
            break
        count += C[:, in_] - C[:, sites[int(out_)]]
        sites[int(out_)] = int(in_)
    return sorted(sites), np.nan, f"heuristic: {rounds - 1} swaps"


def _result(
    method: str,
    solver: str,
    usable: pd.DataFrame,
    a: np.ndarray,
    sites: list[int],
    flows: np.ndarray,
    gap: float,
    status: str,
    excluded: pd.DataFrame,
    coverage: float | None,
    elapsed: float,
) -> LocationResult:
    D = usable.to_numpy()
    labels = usable.columns
    di, dj = np.nonzero(flows > 1e-9)
    allocation = pd.DataFrame(
        {"demand_point": usable.index[di], "site": labels[dj], "demand": flows[di, dj], "cost": D[di, dj]}
    )
    main = np.argmax(flows, axis=1)
    has = flows.max(axis=1) > 1e-9
    assignment = pd.Series(
        np.where(has, np.asarray(labels, dtype=object)[main], None), index=usable.index, name="site"
    )
    served = flows.sum(axis=1)
    left = np.maximum(a - served, 0.0)
    open_reach = np.isfinite(D[:, sites]).any(axis=1) if sites else np.zeros(D.shape[0], bool)
    reason = np.where(
        ~np.isfinite(D).any(axis=1),
        "no usable candidate reachable",
        np.where(open_reach, "open sites full", "no open site reachable"),
    )
    if method == "mclp":
        open_cost = D[:, sites] if sites else np.full((D.shape[0], 1), np.inf)
        covered = (open_cost <= coverage).any(axis=1)
        left = np.where(covered, 0.0, a)
        reason = np.where(covered, "", f"not covered within {coverage:g}")
        objective = float(a[covered].sum())
    else:
        objective = float((flows[di, dj] * D[di, dj]).sum())
    mask = left > 1e-9
    unserved = pd.DataFrame({"demand": left[mask], "reason": reason[mask]}, index=usable.index[mask])
    return LocationResult(
        method=method,
        solver=solver,
        open_sites=[labels[j] for j in sites],
        assignment=assignment,
        objective=objective,
        gap=gap,
        status=status,
        excluded=excluded,
        unserved=unserved,
        allocation=allocation,
        solve_time_s=elapsed,
    )
