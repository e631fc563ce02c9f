"""Choose evacuation centres that work across a set of storms (climate scenarios) at once.

:func:`locate_centres` plans for one flood. Under a bigger storm (a climate
uplift of the rainfall, a higher surge) more people are at risk, some
candidate buildings flood and some roads to them are cut, so the plan that is
best today may leave people without a centre tomorrow.
:func:`locate_centres_robust` chooses one set of ``p`` sites for the whole
storm set, in a single integer program solved by HiGHS
(:func:`scipy.optimize.milp`): the open sites ``y_j`` are shared, each storm
``s`` has its own assignment of demand to the open sites usable in it, and the
demand ``u_is`` of a point that has no usable open site (flooded, cut off, or
full under ``capacity``) is *unmet* and priced at ``penalty`` per person (a
big-M, by default 10 times the largest finite cost). The total of storm ``s``
is

    T_s = sum_i,j a_is d_ijs x_ijs + penalty * sum_i a_is u_is   (persons x s)

and three criteria choose between plans (Snyder 2006, IIE Trans. 38: stochastic
and minimax location):

* ``"expected"``: minimise ``sum_s w_s T_s``, the storms weighted by their
  probabilities ``w_s``;
* ``"worst"``: minimise ``max_s T_s`` (an epigraph variable ``t >= T_s``);
* ``"all-dry"``: keep only the candidates that are dry and reachable in every
  storm, then minimise the expected total.

A site is *usable* in a storm when its flood depth is at most ``max_depth_m``
and some demand point can reach it. Without capacities every (demand point,
storm) pair goes to its nearest usable open site, so the expected total is one
p-median over the storms' demand points stacked (weights ``w_s a_is``, the
unmet price where a site cannot serve), solved exactly by
:mod:`drm.evacuation.location` (heuristic, Lagrangian bound and fixing, then
HiGHS); the worst case writes each storm with the same sorted-distance rows
(the unmet price as the last distance level) under one epigraph variable. With
capacities each storm has split assignments ``x_ijs``, unmet ``u_is`` and
capacity rows. After the solve, each storm's allocation is re-optimised for the
chosen sites, so that the storms that do not set the worst case are reported
at their best. The worst case is the hardest to prove optimal: a few hundred
demand points, tens of candidates and several storms may take minutes
(``time_limit_s`` then returns the best plan with its gap).
:func:`choice_changes` tabulates which sites each plan opens, e.g. the plan
for each storm alone beside the robust one.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds

from drm._display import ResultMixin, fmt_number
from drm.errors import InputError
from drm.evacuation.location import (
    LocationResult,
    _as_frame,
    _nearest_flows,
    _pmedian_milp,
    _pmedian_model,
    _solve,
)

__all__ = ["RobustLocationResult", "choice_changes", "locate_centres_robust"]

Criterion = Literal["expected", "worst", "all-dry"]

#: Default price of a person left without a usable centre, in multiples of the largest finite cost.
PENALTY_FACTOR = 10.0


@dataclass(frozen=True, eq=False, repr=False)
class RobustLocationResult(ResultMixin):
    """Centres chosen by :func:`locate_centres_robust` for a whole storm set.

    Attributes
    ----------
    criterion : str
        ``"expected"``, ``"worst"`` or ``"all-dry"``.
    open_sites : list
        Labels of the candidates to open (the same in every storm).
    objective : float
        The criterion's value (persons x s): the weighted mean of the storms'
        totals (``"expected"``, ``"all-dry"``) or the largest total
        (``"worst"``); a storm's total is its travel cost plus ``penalty``
        times its unmet persons.
    per_storm : pandas.DataFrame
        One row per storm: ``weight`` (probability, a fraction; NaN under
        ``"worst"``), ``cost`` (demand-weighted travel cost of the served
        demand, persons x s), ``served`` and ``unmet`` (persons), ``cut_off``
        (persons who can reach no usable candidate at all, unmet whatever is
        opened), ``sites_usable`` (number of open sites usable in the storm),
        ``mean_time_s`` (mean cost per served person, s) and ``total``
        (``cost + penalty * unmet``, persons x s).
    assignment : pandas.DataFrame
        Site serving each demand point (rows) in each storm (columns): the
        nearest usable open site, or with capacities the one taking the
        largest share; None where unmet.
    allocation : pandas.DataFrame
        Demand sent to each site: ``storm``, ``demand_point``, ``site``,
        ``demand`` (persons) and ``cost`` (per person, s).
    usable : pandas.DataFrame
        Whether each candidate (rows) is dry and reachable in each storm
        (columns), bool.
    excluded : pandas.DataFrame
        Candidates left out of the choice, with ``reason``.
    penalty : float
        Price of one unmet person (same units as the costs, s).
    gap : float
        Relative optimality gap proven by HiGHS (a fraction; 0: optimal).
    status : str
        Solver status.
    solve_time_s : float
        Wall-clock time of the solve (s).
    """

    criterion: str
    open_sites: list[Any]
    objective: float
    per_storm: pd.DataFrame
    assignment: pd.DataFrame
    allocation: pd.DataFrame
    usable: pd.DataFrame
    excluded: pd.DataFrame
    penalty: float
    gap: float
    status: str
    solve_time_s: float

    def _summary(self) -> list[tuple[str, Any]]:
        worst = self.per_storm["total"].idxmax()
        shown = ", ".join(map(str, self.open_sites[:8])) + (
            " ..." if len(self.open_sites) > 8 else ""
        )
        return [
            ("criterion", self.criterion),
            ("storms", len(self.per_storm)),
            ("open sites", f"{len(self.open_sites)}: {shown}"),
            ("objective", fmt_number(self.objective, "persons x s")),
            (
                "worst storm",
                f"{worst} ({fmt_number(float(self.per_storm.loc[worst, 'unmet']))} unmet)",
            ),
            ("unmet penalty", fmt_number(self.penalty, "s per person")),
            ("optimality gap", "unknown" if np.isnan(self.gap) else f"{self.gap:.2%}"),
            ("status", self.status),
            ("candidates excluded", len(self.excluded)),
            ("solve time", f"{self.solve_time_s:.2f} s"),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("per storm", self.per_storm),
            ("assignment", self.assignment),
            ("allocation", self.allocation),
            ("usable", self.usable),
            ("excluded", self.excluded),
        ]

    def plot(self) -> Any:
        """Served and unmet persons, and the mean travel time, in each storm.

        Returns
        -------
        matplotlib.figure.Figure
            Left: persons served and unmet per storm (stacked bars). Right:
            the mean travel time of a served person per storm, in minutes for
            costs in seconds.

        Examples
        --------
        >>> costs = {"now": pd.DataFrame([[60.0, 300.0], [240.0, 90.0]])}
        >>> r = locate_centres_robust(costs, pd.Series([10.0, 20.0]), 1)
        >>> [ax.get_ylabel() for ax in r.plot().axes]
        ['persons', 'mean travel time (min)']
        """
        import matplotlib.pyplot as plt

        from drm.plotting import OKABE_ITO

        t = self.per_storm
        labels = [str(k) for k in t.index]
        fig, ax = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
        ax[0].bar(labels, t["served"].to_numpy(), color=OKABE_ITO[4], label="served")
        ax[0].bar(
            labels,
            t["unmet"].to_numpy(),
            bottom=t["served"].to_numpy(),
            color=OKABE_ITO[5],
            label="unmet",
        )
        ax[0].set_xlabel("storm")
        ax[0].set_ylabel("persons")
        ax[0].legend(fontsize=8)
        ax[0].set_title(f"{self.criterion}: {len(self.open_sites)} sites")
        ax[1].bar(labels, t["mean_time_s"].fillna(0.0).to_numpy() / 60.0, color=OKABE_ITO[2])
        ax[1].set_xlabel("storm")
        ax[1].set_ylabel("mean travel time (min)")
        ax[1].set_title("Travel to the open sites")
        return fig


def _frames(costs: Any) -> tuple[list[Any], list[pd.DataFrame]]:
    """Storm names and cost frames (NaN read as unreachable), on the first storm's labels."""
    if not isinstance(costs, Mapping) or len(costs) == 0:
        raise InputError(
            "costs must be a non-empty dict of storm name -> demand x candidate cost matrix "
            "(e.g. {'present': location_costs(G_now, ...), 'rcp85': location_costs(G_85, ...)})"
        )
    names = list(costs)
    frames: list[pd.DataFrame] = []
    for name in names:
        value = costs[name]
        try:
            if isinstance(value, pd.DataFrame):
                raw = value.astype(float)
            else:
                arr = np.asarray(value, dtype=float)
                raw = pd.DataFrame(arr) if arr.ndim == 2 else arr
            if isinstance(raw, pd.DataFrame):
                raw = raw.fillna(np.inf)
            df = _as_frame(raw)
        except (InputError, ValueError, TypeError) as err:
            raise InputError(f"costs[{name!r}]: {err}") from None
        if not (df.index.is_unique and df.columns.is_unique):
            raise InputError(f"costs[{name!r}]: demand point and candidate labels must be unique")
        if frames:
            first = frames[0]
            for axis, mine, ref in (
                ("demand points (rows)", df.index, first.index),
                ("candidates (columns)", df.columns, first.columns),
            ):
                if not mine.equals(ref) and set(mine) != set(ref):
                    extra, missing = list(mine.difference(ref))[:5], list(ref.difference(mine))[:5]
                    raise InputError(
                        f"costs[{name!r}] has other {axis} than costs[{names[0]!r}] "
                        f"(extra {extra}, missing {missing}); build every storm's matrix "
                        "from the same demand points and candidates"
                    )
            df = df.loc[first.index, first.columns]
        frames.append(df)
    return names, frames


def _per_storm(
    value: Any, names: list[Any], index: pd.Index, label: str, default: float | None
) -> list[np.ndarray]:
    """One vector per storm from a dict (keys = storms) or one value for every storm."""
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in names]
        missing = [k for k in names if k not in value]
        if unknown or missing:
            raise InputError(
                f"{label} has no entry for storm(s) {missing} and unknown storm(s) {unknown}; "
                f"give one per storm of costs ({names}) or one value for all"
            )
        items = [(f"{label}[{k!r}]", value[k]) for k in names]
    else:
        items = [(label, value)] * len(names)
    out = []
    for where, v in items:
        if v is None:
            if default is None:
                raise InputError(f"{where} is required: give one value per label (a pandas.Series)")
            out.append(np.full(len(index), default))
            continue
        try:
            arr = np.asarray(v.reindex(index) if isinstance(v, pd.Series) else v, dtype=float)
        except (ValueError, TypeError) as err:
            raise InputError(f"{where} must be numbers, one per label: {err}") from None
        if arr.ndim > 1 or (arr.ndim == 1 and arr.size != len(index)):
            raise InputError(
                f"{where} has {arr.size} values for {len(index)} labels; give a pandas.Series "
                "indexed by the cost matrix's labels, or one value per label in their order"
            )
        arr = np.broadcast_to(arr, (len(index),)).astype(float)
        out.append(arr)
    return out


def _weights(weights: Any, names: list[Any], criterion: str) -> np.ndarray:
    if weights is None:
        return np.full(len(names), 1.0 / len(names))
    if criterion == "worst":
        raise InputError(
            "weights do not apply to objective='worst' (every storm counts in the maximum); "
            "drop weights, or use objective='expected' to weigh the storms"
        )
    if isinstance(weights, Mapping):
        missing = [k for k in names if k not in weights]
        unknown = [k for k in weights if k not in names]
        if missing or unknown:
            raise InputError(
                f"weights has no entry for storm(s) {missing} and unknown storm(s) {unknown}; "
                f"give one probability per storm of costs ({names})"
            )
        values = [weights[k] for k in names]
    else:
        values = weights
    try:
        w = np.asarray(values, dtype=float).ravel()
    except (ValueError, TypeError) as err:
        raise InputError(f"weights must be numbers, one probability per storm: {err}") from None
    if w.size != len(names):
        raise InputError(f"weights has {w.size} values for {len(names)} storms; give one per storm")
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise InputError(
            f"weights must be finite, >= 0 and sum to more than 0 (storm probabilities), got {w.tolist()}"
        )
    return w / w.sum()


def locate_centres_robust(
    costs: Mapping[Any, Any],
    demand: Any,
    p: int,
    *,
    capacity: Any = None,
    site_depth: Any = None,
    max_depth_m: float = 0.15,
    objective: Criterion = "expected",
    weights: Any = None,
    penalty: float | None = None,
    time_limit_s: float = 60.0,
) -> RobustLocationResult:
    """Choose ``p`` evacuation centres that serve a whole set of storms.

    Parameters
    ----------
    costs : dict of storm name -> pandas.DataFrame or array_like
        Travel cost (s) from each demand point (rows) to each candidate
        (columns) in each storm, inf or NaN where that storm cuts the way
        (see :func:`location_costs`); the same labels in every storm.
    demand : pandas.Series or array_like, or dict of storm name -> those
        Persons at each demand point, per storm (bigger storms put more
        people at risk) or one for all storms.
    p : int
        Number of centres to open.
    capacity : pandas.Series, dict or array_like, optional
        Places at each candidate (persons, > 0; a Series or dict by site label,
        or one value per site in the order of the columns); demand beyond the places of
        the open sites is unmet. Without it the sites are uncapacitated.
    site_depth : pandas.Series or array_like, or dict of storm name -> those, optional
        Largest flood depth at each candidate (m) in each storm (or one for
        all); NaN or missing = dry.
    max_depth_m : float
        A candidate deeper than this (m) in a storm cannot serve in it
        (default 0.15 m, as :func:`locate_centres`).
    objective : {"expected", "worst", "all-dry"}
        ``"expected"``: minimise the probability-weighted total over storms;
        ``"worst"``: minimise the largest storm total; ``"all-dry"``: only
        candidates dry and reachable in every storm, then the expected total.
    weights : dict of storm name -> float, or sequence of float, optional
        Probabilities of the storms (non-negative, normalised to sum 1;
        default equal). Not for ``"worst"``.
    penalty : float, optional
        Price of one person left without a usable open site (s per person,
        the units of the costs); it must exceed the largest finite cost.
        Default 10 times the largest finite cost (at least 10).
    time_limit_s : float
        HiGHS time limit (s); the best plan found is returned with its gap.

    Returns
    -------
    RobustLocationResult

    Raises
    ------
    InputError
        An empty storm set, mismatched labels, negative costs, bad demand,
        depth, capacity, weights or penalty; ``p`` below 1 or above the
        number of usable candidates.
    SolverError
        If HiGHS ends without any feasible plan.

    Examples
    --------
    Site B is nearest for everyone today but floods in the bigger storm, so A is chosen:

    >>> present = pd.DataFrame([[600, 120, 900], [500, 60, 700], [900, 300, 200]], columns=["A", "B", "C"])
    >>> r = locate_centres_robust({"present": present, "rcp85": present}, [10, 10, 5], 1,
    ...                           site_depth={"present": [0, 0, 0], "rcp85": [0, 0.6, 0]})
    >>> r.open_sites, r.per_storm["unmet"].tolist()
    (['A'], [0.0, 0.0])
    >>> float(r.per_storm.loc["present", "cost"]), r.usable.loc["B"].tolist()
    (15500.0, [True, False])
    """
    if objective not in ("expected", "worst", "all-dry"):
        raise InputError(f"objective must be 'expected', 'worst' or 'all-dry', got {objective!r}")
    if not (np.isfinite(max_depth_m) and max_depth_m >= 0):
        raise InputError(f"max_depth_m must be a depth >= 0 (m), got {max_depth_m!r}")
    if not (np.isfinite(time_limit_s) and time_limit_s > 0):
        raise InputError(f"time_limit_s must be > 0 (s), got {time_limit_s!r}")
    names, frames = _frames(costs)
    index, columns = frames[0].index, frames[0].columns
    m = frames[0].shape[1]
    demands = _per_storm(demand, names, index, "demand", None)
    for name, a in zip(names, demands, strict=True):
        if not (np.isfinite(a).all() and (a >= 0).all()):
            raise InputError(
                f"demand for storm {name!r} must be finite and >= 0 at every demand point "
                "(persons; a Series missing a demand point gives NaN there)"
            )
    depths = _per_storm(site_depth, names, columns, "site_depth", np.nan)
    w = _weights(weights, names, objective)
    # a site serves in a storm when it is dry enough and some demand point can reach it
    dry = np.column_stack([~(np.isfinite(d) & (d > max_depth_m)) for d in depths])
    reach = np.column_stack([np.isfinite(df.to_numpy()).any(axis=0) for df in frames])
    usable = dry & reach
    play = usable.all(axis=1) if objective == "all-dry" else usable.any(axis=1)
    excluded = _excluded(names, columns, depths, dry, reach, play, objective, max_depth_m)
    whole = isinstance(p, (int, float, np.integer, np.floating)) and np.isfinite(p)
    if not whole or int(p) != p or p < 1:
        raise InputError(f"p must be a whole number >= 1 (centres to open), got {p!r}")
    p = int(p)
    J = np.flatnonzero(play)
    if p > J.size:
        where = (
            "dry and reachable in every storm" if objective == "all-dry" else "usable in some storm"
        )
        raise InputError(
            f"p = {p} but only {J.size} of {m} candidates are {where}; lower p, add candidates"
            + (" or use objective='expected'" if objective == "all-dry" else "")
        )
    finite = np.concatenate([df.to_numpy()[np.isfinite(df.to_numpy())] for df in frames])
    largest = float(finite.max()) if finite.size else 0.0
    if penalty is None:
        penalty = PENALTY_FACTOR * max(largest, 1.0)
    elif not (np.isfinite(penalty) and penalty > largest):
        raise InputError(
            f"penalty must be finite and exceed the largest finite cost ({largest:g}), got {penalty!r}; "
            "serving a person must cost less than leaving them unmet"
        )
    penalty = float(penalty)
    cap = None
    if capacity is not None:
        given = pd.Series(capacity) if isinstance(capacity, Mapping) else capacity
        cap = _per_storm(given, names[:1], columns, "capacity", None)[0]
        if not (np.isfinite(cap).all() and (cap > 0).all()):
            raise InputError(
                "capacity must be a positive number of places (persons) at every candidate"
            )
        cap = cap[J]
    # costs among the candidates in play, inf where the site cannot serve in that storm
    E = [
        np.where(usable[J, s][None, :], df.to_numpy()[:, J], np.inf) for s, df in enumerate(frames)
    ]
    start = time.perf_counter()
    worst = objective == "worst"
    if cap is None:
        if worst:
            y, gap, status = _worst_uncapacitated(E, demands, p, penalty, time_limit_s)
        else:
            y, gap, status = _expected_uncapacitated(E, demands, p, w, penalty, time_limit_s)
        flows = [_nearest_flows(e, a, y) for e, a in zip(E, demands, strict=True)]
    else:
        y, gap, status, _ = _capacitated(E, demands, cap, p, w, worst, penalty, time_limit_s, None)
        _, _, _, flows = _capacitated(
            E, demands, cap, p, np.ones(len(E)), False, penalty, time_limit_s, y
        )
    elapsed = time.perf_counter() - start
    return _result(
        names,
        index,
        columns,
        J,
        E,
        demands,
        usable,
        y,
        flows,
        w,
        objective,
        penalty,
        excluded,
        gap,
        status,
        elapsed,
    )


def _excluded(names, columns, depths, dry, reach, play, objective, max_depth_m) -> pd.DataFrame:
    reasons: dict[Any, str] = {}
    for j in np.flatnonzero(~play):
        why = []
        for s, name in enumerate(names):
            if not dry[j, s]:
                why.append(f"flooded in {name!r}: {depths[s][j]:.2f} m > {max_depth_m:g} m")
            elif not reach[j, s]:
                why.append(f"unreachable in {name!r}")
        prefix = "" if objective == "all-dry" else "usable in no storm: "
        reasons[columns[j]] = prefix + "; ".join(why)
    return pd.DataFrame({"reason": pd.Series(reasons, dtype=object)}).rename_axis("candidate")


def _expected_uncapacitated(
    E, demands, p, w, penalty, time_limit_s
) -> tuple[list[int], float, str]:
    """The expected total is one p-median over the storms' demand points stacked.

    Each pair (demand point, storm) goes to its nearest usable open site on
    its own, so the rows of all storms, weighted ``w_s a_is`` and priced at
    ``penalty`` where the site cannot serve, form one p-median, solved by
    :mod:`drm.evacuation.location` (heuristic, Lagrangian bound and fixing, MILP).
    """
    D = np.vstack([np.where(np.isfinite(e), e, penalty) for e in E])
    a = np.concatenate([ws * a for ws, a in zip(w, demands, strict=True)])
    return _pmedian_milp(D, a, p, time_limit_s)


def _worst_uncapacitated(E, demands, p, penalty, time_limit_s) -> tuple[list[int], float, str]:
    """Shared y, one block of sorted-distance p-median rows per storm, t above every storm's total.

    Columns: y (m), the z of each storm in turn, then t. The unmet price is the
    last distance level of each demand point.
    """
    m = E[0].shape[1]
    R, C, V, lo, hi = [], [], [], [], []
    totals = []  # (z columns, their costs, the storm's constant)
    offset, nrow = m, 0
    for e, a in zip(E, demands, strict=True):
        S = np.where(np.isfinite(e), e / penalty, 1.0)
        c, A, low, high, _, base = _pmedian_model(S, a, p)
        A = sp.coo_array(sp.csr_array(A)[:-1])  # its last row, sum(y) = p, is written once below
        R.append(A.row + nrow)
        C.append(np.where(A.col < m, A.col, A.col - m + offset))
        V.append(A.data)
        lo.append(low[:-1])
        hi.append(high[:-1])
        totals.append((offset + np.arange(c.size - m), c[m:], base))
        offset += c.size - m
        nrow += A.shape[0]
    tcol, ncol = offset, offset + 1
    for zcols, cz, base in totals:  # base_s + c_s z_s - t <= 0
        R.append(np.full(cz.size + 1, nrow))
        C.append(np.r_[zcols, tcol])
        V.append(np.r_[cz, -1.0])
        lo.append(np.array([-np.inf]))
        hi.append(np.array([-base]))
        nrow += 1
    R.append(np.full(m, nrow))  # sum(y) = p
    C.append(np.arange(m))
    V.append(np.ones(m))
    lo.append(np.array([p]))
    hi.append(np.array([p]))
    nrow += 1
    A = sp.csr_array(
        (np.concatenate(V), (np.concatenate(R), np.concatenate(C))), shape=(nrow, ncol)
    )
    c = np.zeros(ncol)
    c[tcol] = 1.0
    integrality = np.r_[np.ones(m), np.zeros(ncol - m)]
    res, gap, status = _solve(
        c,
        A,
        np.concatenate(lo),
        np.concatenate(hi),
        integrality,
        Bounds(0, np.r_[np.ones(ncol - 1), np.inf]),
        time_limit_s,
    )
    return np.flatnonzero(res.x[:m] > 0.5).tolist(), gap, status


def _capacitated(E, demands, cap, p, w, worst, penalty, time_limit_s, fixed):
    """Shared y; per storm split assignments x, unmet u and capacity rows.

    With ``fixed`` (open site indices) the y are fixed and the LP gives each
    storm's best allocation; returns the sites, gap, status and flows per storm.
    """
    m = E[0].shape[1]
    blocks = []  # (di, dj, served) per storm
    ncol = m
    for e, a in zip(E, demands, strict=True):
        di, dj = np.nonzero(np.isfinite(e) & (a[:, None] > 0))
        served = np.flatnonzero(a > 0)
        blocks.append((di, dj, served, ncol, ncol + di.size))
        ncol += di.size + served.size
    tcol = ncol
    ncol += 1
    R, C, V, lo, hi = [], [], [], [], []
    c = np.zeros(ncol)
    r = 0

    def add(rows, cols, vals, low, high):
        nonlocal r
        R.append(np.asarray(rows) + r)
        C.append(np.asarray(cols))
        V.append(np.asarray(vals, dtype=float))
        lo.append(np.asarray(low, dtype=float))
        hi.append(np.asarray(high, dtype=float))
        r += len(low)

    for s, (di, dj, served, x0, u0) in enumerate(blocks):
        e, a = E[s], demands[s]
        nx_, nu = di.size, served.size
        xcol, ucol = x0 + np.arange(nx_), u0 + np.arange(nu)
        upos = np.full(e.shape[0], -1)
        upos[served] = np.arange(nu)
        # every demand point served or unmet: sum_j x_ijs + u_is = 1
        add(
            np.r_[upos[di], np.arange(nu)],
            np.r_[xcol, ucol],
            np.ones(nx_ + nu),
            np.ones(nu),
            np.ones(nu),
        )
        # capacity: sum_i a_is x_ijs - K_j y_j <= 0
        add(
            np.r_[dj, np.arange(m)],
            np.r_[xcol, np.arange(m)],
            np.r_[a[di], -cap],
            np.full(m, -np.inf),
            np.zeros(m),
        )
        # linking: x_ijs <= y_j
        add(
            np.r_[np.arange(nx_), np.arange(nx_)],
            np.r_[xcol, dj],
            np.r_[np.ones(nx_), -np.ones(nx_)],
            np.full(nx_, -np.inf),
            np.zeros(nx_),
        )
        cost = np.r_[a[di] * e[di, dj] / penalty, a[served]]
        cols = np.r_[xcol, ucol]
        if worst:  # T_s - t <= 0
            add(
                np.zeros(cols.size + 1, dtype=int),
                np.r_[cols, tcol],
                np.r_[cost, -1.0],
                [-np.inf],
                [0.0],
            )
        else:
            c[cols] += w[s] * cost
    add(np.zeros(m, dtype=int), np.arange(m), np.ones(m), [p], [p])
    if worst:
        c[tcol] = 1.0
    A = sp.csr_array((np.concatenate(V), (np.concatenate(R), np.concatenate(C))), shape=(r, ncol))
    lower, upper = np.zeros(ncol), np.r_[np.ones(ncol - 1), np.inf if worst else 0.0]
    integrality = np.r_[np.ones(m), np.zeros(ncol - m)]
    if fixed is not None:  # y fixed by its bounds (kept integer: _solve reads HiGHS's MIP gap)
        lower[:m] = upper[:m] = np.isin(np.arange(m), fixed)
    res, gap, status = _solve(
        c,
        A,
        np.concatenate(lo),
        np.concatenate(hi),
        integrality,
        Bounds(lower, upper),
        time_limit_s,
    )
    flows = []
    for s, (di, dj, _, x0, _) in enumerate(blocks):
        f = np.zeros(E[s].shape)
        x = res.x[x0 + np.arange(di.size)]
        f[di, dj] = np.where(x > 1e-9, x, 0.0) * demands[s][di]
        flows.append(f)
    sites = np.flatnonzero(res.x[:m] > 0.5).tolist() if fixed is None else list(fixed)
    return sites, gap, status, flows


def _result(
    names,
    index,
    columns,
    J,
    E,
    demands,
    usable,
    y,
    flows,
    w,
    objective,
    penalty,
    excluded,
    gap,
    status,
    elapsed,
) -> RobustLocationResult:
    labels = np.asarray(columns[J], dtype=object)
    table, assignment, parts = [], {}, []
    for s, name in enumerate(names):
        e, a, f = E[s], demands[s], flows[s]
        di, dj = np.nonzero(f > 1e-9)
        served = float(f.sum())
        cost = float((f[di, dj] * e[di, dj]).sum())
        unmet = float(np.maximum(a - f.sum(axis=1), 0.0).sum())
        cut = float(a[~np.isfinite(e).any(axis=1)].sum())
        table.append(
            {
                "weight": np.nan if objective == "worst" else float(w[s]),
                "cost": cost,
                "served": served,
                "unmet": unmet,
                "cut_off": cut,
                "sites_usable": int(usable[J[y], s].sum()) if y else 0,
                "mean_time_s": cost / served if served > 0 else np.nan,
                "total": cost + penalty * unmet,
            }
        )
        has = f.max(axis=1) > 1e-9
        assignment[name] = np.where(has, labels[np.argmax(f, axis=1)], None)
        parts.append(
            pd.DataFrame(
                {
                    "storm": name,
                    "demand_point": index[di],
                    "site": labels[dj],
                    "demand": f[di, dj],
                    "cost": e[di, dj],
                }
            )
        )
    per_storm = pd.DataFrame(table, index=pd.Index(names, name="storm"))
    totals = per_storm["total"].to_numpy()
    value = float(totals.max()) if objective == "worst" else float(w @ totals)
    return RobustLocationResult(
        criterion=objective,
        open_sites=[labels[j] for j in y],
        objective=value,
        per_storm=per_storm,
        assignment=pd.DataFrame(assignment, index=index, dtype=object),
        allocation=pd.concat(parts, ignore_index=True),
        usable=pd.DataFrame(usable, index=pd.Index(columns, name="site"), columns=names),
        excluded=excluded,
        penalty=penalty,
        gap=gap,
        status=status,
        solve_time_s=elapsed,
    )


def choice_changes(results: Mapping[Any, Any]) -> pd.DataFrame:
    """Which sites each plan opens: the storms alone beside the robust plan.

    Parameters
    ----------
    results : dict of name -> LocationResult or RobustLocationResult
        The plans to compare, e.g. ``{"present": locate_centres(...),
        "rcp85": locate_centres(...), "robust": locate_centres_robust(...)}``.

    Returns
    -------
    pandas.DataFrame
        One row per site opened by any plan (index ``site``), one bool
        column per plan (True: open), in the order given. A row that is not
        all equal is a choice that changes.

    Raises
    ------
    InputError
        If ``results`` is empty or holds something that is not a location result.

    Examples
    --------
    >>> costs = pd.DataFrame([[60.0, 300.0], [240.0, 90.0]], columns=["A", "B"])
    >>> now = locate_centres_robust({"now": costs}, [30.0, 10.0], 1)
    >>> later = locate_centres_robust({"later": costs}, [10.0, 30.0], 1)
    >>> choice_changes({"now": now, "later": later})
            now  later
    site
    A      True  False
    B     False   True
    """
    if not isinstance(results, Mapping) or len(results) == 0:
        raise InputError("results must be a non-empty dict of plan name -> location result")
    sites: list[Any] = []
    for name, r in results.items():
        if not isinstance(r, (LocationResult, RobustLocationResult)):
            raise InputError(
                f"results[{name!r}] is a {type(r).__name__}; give the results of locate_centres "
                "or locate_centres_robust"
            )
        sites += [s for s in r.open_sites if s not in sites]
    with contextlib.suppress(TypeError):  # labels of mixed types: the order first opened in
        sites = sorted(sites)
    out = pd.DataFrame(
        {name: [s in r.open_sites for s in sites] for name, r in results.items()},
        index=pd.Index(sites, name="site"),
        dtype=bool,
    )
    return out
