"""Send the people of each origin to evacuation centres with room for them.

The optimal assignment solves the transportation problem: move as many people
as the centres' capacities and the passable roads allow, and among those plans
the one with the least total travel time (person-seconds). It is one linear
program solved by HiGHS' dual simplex (:func:`scipy.optimize.linprog`), with a
bonus per placed person large enough to put placing people first. The
constraint matrix is a network matrix and the simplex returns a vertex, so with
whole numbers of people and places the plan is in whole persons.

The nearest-centre baseline sends everybody to the closest reachable centre,
ignoring capacity, and reports the overflow: the usual plan made without this tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from drm._display import ResultMixin, fmt_number, fmt_seconds
from drm.errors import InputError, SolverError, warn
from drm.network._matrix import RoadMatrix
from drm.network.roads import snap_points
from drm.network.routing import as_matrix, travel_times

__all__ = ["Assignment", "assign"]

REASON_FAR = "farther than max_snap_m from any road"
REASON_NO_ROAD = "no passable road to any centre"
REASON_FULL = "reachable centres are full"


@dataclass(frozen=True, eq=False, repr=False)
class Assignment(ResultMixin):
    """People sent from origins to centres.

    Attributes
    ----------
    method : {"optimal", "nearest"}
        How the plan was made.
    flows : pandas.DataFrame
        One row per (origin, centre) pair used: ``origin``, ``centre``,
        ``persons``, ``time_s`` (travel time on the route).
    origins : pandas.DataFrame
        Per origin: ``node``, ``snap_distance_m``, ``persons``, ``assigned``,
        ``unassigned`` and ``reason`` (why people were left, or "").
    centres : pandas.DataFrame
        Per centre: ``node``, ``capacity_persons``, ``load_persons``,
        ``spare_persons`` and ``over_capacity_persons`` (only the nearest
        baseline can overfill a centre).
    """

    method: str
    flows: pd.DataFrame
    origins: pd.DataFrame
    centres: pd.DataFrame

    @property
    def total_persons(self) -> float:
        """Everybody at the origins."""
        return float(self.origins["persons"].sum())

    @property
    def assigned_persons(self) -> float:
        """People with a centre."""
        return float(self.origins["assigned"].sum())

    @property
    def unassigned_persons(self) -> float:
        """People left without a centre (see ``origins["reason"]``)."""
        return float(self.origins["unassigned"].sum())

    @property
    def person_time_s(self) -> float:
        """Total travel time of the assigned people (person-seconds)."""
        return float((self.flows["persons"] * self.flows["time_s"]).sum())

    @property
    def max_time_s(self) -> float:
        """Longest travel time of anybody assigned (s)."""
        return float(self.flows["time_s"].max()) if len(self.flows) else np.nan

    def _summary(self) -> list[tuple[str, Any]]:
        mean = self.person_time_s / self.assigned_persons if self.assigned_persons else np.nan
        reasons = self.origins.groupby("reason")["unassigned"].sum()
        out = [
            ("method", self.method),
            ("persons", fmt_number(self.total_persons)),
            ("assigned", fmt_number(self.assigned_persons)),
            ("unassigned", fmt_number(self.unassigned_persons)),
            ("mean travel time", fmt_seconds(mean)),
            ("longest travel time", fmt_seconds(self.max_time_s)),
        ]
        out += [(f"  left: {r}", fmt_number(n)) for r, n in reasons.items() if r and n > 0]
        over = float(self.centres["over_capacity_persons"].sum())
        if over > 0:
            out.append(("persons over centre capacity", fmt_number(over)))
        return out

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("flows", self.flows), ("centres", self.centres), ("origins", self.origins)]

    def plot(self) -> Any:
        """Persons sent to each centre against its capacity.

        Returns
        -------
        matplotlib.figure.Figure
            Bars of persons assigned (persons over capacity in red) inside the
            outline of each centre's capacity (persons).

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge("a", "c1", travel_time=60.0); _ = G.add_edge("a", "c2", travel_time=300.0)
        >>> plan = assign(G, pd.DataFrame({"node": ["a"], "persons": [150]}),
        ...               pd.DataFrame({"node": ["c1", "c2"], "capacity_persons": [100, 100]}))
        >>> plan.plot().axes[0].get_ylabel()
        'persons'
        """
        import matplotlib.pyplot as plt

        from drm.plotting import OKABE_ITO

        c = self.centres
        names = [str(k) for k in c.index]
        load = c["load_persons"].to_numpy(dtype=float)
        cap = c["capacity_persons"].to_numpy(dtype=float)
        fig, ax = plt.subplots(figsize=(max(5.0, 0.5 * len(c) + 2), 4), layout="constrained")
        ax.bar(names, np.minimum(load, cap), color=OKABE_ITO[4], label="assigned")
        over = np.maximum(load - cap, 0.0)
        ax.bar(names, over, bottom=cap, color=OKABE_ITO[5], label="over capacity")
        ax.bar(names, cap, fill=False, edgecolor="black", label="capacity")
        ax.set_xlabel("centre")
        ax.set_ylabel("persons")
        ax.tick_params(axis="x", labelrotation=45 if len(c) > 8 else 0)
        ax.set_title(
            f"{self.method}: {self.assigned_persons:,.0f} of {self.total_persons:,.0f} persons assigned"
        )
        ax.legend(fontsize="small")
        return fig


def _persons(origins: pd.DataFrame) -> np.ndarray:
    col = "persons" if "persons" in origins.columns else "population"
    if col not in origins.columns:
        raise InputError(f"origins: needs a 'persons' column; got {list(origins.columns)}")
    values = pd.to_numeric(origins[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"origins: {int(bad.sum())} origin(s) have a missing or non-finite number of persons "
            f"(first: {origins.index[i]!r} = {origins[col].iloc[i]!r}); people cannot be left out "
            "silently: fill them (0 if nobody lives there) or drop the rows yourself"
        )
    if (values < 0).any():
        i = int(np.flatnonzero(values < 0)[0])
        raise InputError(f"origins: negative persons at {origins.index[i]!r} ({values[i]:g})")
    return values


def _capacity(centres: pd.DataFrame, capacity: Any) -> np.ndarray:
    if capacity is None:
        if "capacity_persons" not in centres.columns:
            hint = (
                " (e.g. centres['capacity_persons'] = centres['floor_area_m2'] // 3.5, Sphere's "
                "3.5 m² per person)"
                if "floor_area_m2" in centres.columns
                else ""
            )
            raise InputError(f"centres: no 'capacity_persons' column and no capacity= given{hint}")
        capacity = centres["capacity_persons"]
    if isinstance(capacity, pd.Series):
        capacity = capacity.reindex(centres.index)
    values = np.broadcast_to(np.asarray(capacity, dtype=float), (len(centres),)).copy()
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"centres: capacity must be a positive number of persons; {centres.index[i]!r} has "
            f"{values[i]!r}; remove centres that cannot take anybody"
        )
    return values


def _nodes(
    G: nx.Graph | RoadMatrix, table: pd.DataFrame, name: str, max_snap_m: float, on_far: str
) -> pd.DataFrame:
    if "node" in table.columns:
        out = table.copy()
        out["snap_distance_m"] = out.get("snap_distance_m", 0.0)
        out["snapped"] = out.get("snapped", True)
        return out
    if isinstance(G, RoadMatrix):
        raise InputError(f"{name}: give a 'node' column, or pass the graph so points can be snapped")
    return snap_points(G, table, max_distance_m=max_snap_m, on_far=on_far, name=name)  # type: ignore[arg-type]


def assign(
    G: nx.Graph | RoadMatrix,
    origins: pd.DataFrame,
    centres: pd.DataFrame,
    *,
    capacity: Any = None,
    weight: str = "travel_time",
    method: Literal["optimal", "nearest"] = "optimal",
    max_snap_m: float = 500.0,
) -> Assignment:
    """Assign the people of each origin to evacuation centres.

    Parameters
    ----------
    G : networkx graph or RoadMatrix
        Prepared (and possibly flooded) road graph; a matrix needs ``node``
        columns in both tables.
    origins : pandas.DataFrame
        ``persons`` and either ``node`` or ``x``, ``y`` (m); e.g. from
        :func:`~drm.network.population_origins`. Origins farther than
        ``max_snap_m`` from a road are reported, not dropped.
    centres : pandas.DataFrame
        ``node`` or ``x``, ``y``; ``capacity_persons`` unless ``capacity`` is given.
    capacity : float, array_like or pandas.Series, optional
        Places per centre (persons, > 0).
    weight : str
        Edge travel cost (``"travel_time"``, s).
    method : {"optimal", "nearest"}
        Least total travel time within capacities, or everybody to the
        nearest centre (baseline, may overfill centres).
    max_snap_m : float
        Farthest snap from a point to a road node (m). A centre farther than
        this raises an error; origins are reported.

    Returns
    -------
    Assignment

    Raises
    ------
    InputError
        NaN or negative persons, non-positive capacity, a centre far from
        any road, missing columns.
    SolverError
        If HiGHS fails.

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> G = nx.MultiDiGraph()
    >>> for u, v, t in [("a", "c1", 60.0), ("a", "c2", 300.0), ("b", "c1", 100.0)]:
    ...     _ = G.add_edge(u, v, travel_time=t)
    >>> origins = pd.DataFrame({"node": ["a", "b"], "persons": [50, 80]})
    >>> centres = pd.DataFrame({"node": ["c1", "c2"], "capacity_persons": [100, 100]})
    >>> plan = assign(G, origins, centres)
    >>> plan.flows["persons"].tolist(), plan.person_time_s
    ([20.0, 30.0, 80.0], 18200.0)
    """
    if method not in ("optimal", "nearest"):
        raise InputError(f"method must be 'optimal' or 'nearest', got {method!r}")
    persons = _persons(origins)
    cap = _capacity(centres, capacity)
    o = _nodes(G, origins, "origins", max_snap_m, "warn")
    c = _nodes(G, centres, "centres", max_snap_m, "raise")
    M = as_matrix(G, weight)
    snapped = o["snapped"].to_numpy(dtype=bool)
    cost = np.full((len(o), len(c)), np.inf)
    if snapped.any():
        tt = travel_times(M, c["node"].tolist(), o["node"][snapped].tolist(), weight, direction="to_sources")
        cost[snapped] = cast(np.ndarray, tt.time_s).T
    reachable = np.isfinite(cost)
    if method == "optimal":
        flow = _optimal(cost, persons, cap)
    else:
        flow = np.zeros_like(cost)
        best = np.argmin(cost, axis=1)
        ok = reachable[np.arange(len(o)), best]
        flow[np.flatnonzero(ok), best[ok]] = persons[ok]
    return _result(method, flow, cost, persons, cap, o, c)


def _optimal(cost: np.ndarray, supply: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Solve the transportation problem with unmet demand allowed, in one LP.

    Costs are scaled to at most 1 and every placed person earns a bonus of
    ``k + 1`` (``k`` = the smaller of the numbers of origins and centres): an
    augmenting path places one more person at a cost of at most ``k`` (it has
    at most ``k`` forward legs), so the LP first places as many people as
    possible and then minimises the travel time of that many.
    """
    flow = np.zeros_like(cost)
    oi, ci = np.nonzero(np.isfinite(cost) & (supply[:, None] > 0))
    if oi.size == 0:
        return flow
    nvar = oi.size
    cols = np.arange(nvar)
    A = sp.vstack(
        [
            sp.csr_array((np.ones(nvar), (oi, cols)), shape=(cost.shape[0], nvar)),
            sp.csr_array((np.ones(nvar), (ci, cols)), shape=(cost.shape[1], nvar)),
        ]
    ).tocsr()
    scale = max(1.0, float(np.max(cost[oi, ci])))
    bonus = min(cost.shape) + 1.0
    res = linprog(
        cost[oi, ci] / scale - bonus,
        A_ub=A,
        b_ub=np.r_[supply, cap],
        bounds=(0, None),
        method="highs-ds",
    )
    if res.status != 0:
        raise SolverError(f"assignment: HiGHS failed on the transportation problem ({res.message})")
    x = np.where(res.x > 1e-9 * max(1.0, supply.max()), res.x, 0.0)
    flow[oi, ci] = x
    return flow


def _result(
    method: str,
    flow: np.ndarray,
    cost: np.ndarray,
    persons: np.ndarray,
    cap: np.ndarray,
    o: pd.DataFrame,
    c: pd.DataFrame,
) -> Assignment:
    oi, ci = np.nonzero(flow > 0)
    flows = pd.DataFrame(
        {
            "origin": o.index[oi],
            "centre": c.index[ci],
            "persons": flow[oi, ci],
            "time_s": cost[oi, ci],
        }
    )
    assigned = flow.sum(axis=1)
    left = np.maximum(persons - assigned, 0.0)
    left[left < 1e-6 * np.maximum(persons, 1.0)] = 0.0
    snapped = o["snapped"].to_numpy(dtype=bool)
    any_road = np.isfinite(cost).any(axis=1)
    reason = np.where(left > 0, np.where(~snapped, REASON_FAR, np.where(~any_road, REASON_NO_ROAD, REASON_FULL)), "")
    origins = pd.DataFrame(
        {
            "node": o["node"].to_numpy(),
            "snap_distance_m": o["snap_distance_m"].to_numpy(dtype=float),
            "persons": persons,
            "assigned": assigned,
            "unassigned": left,
            "reason": reason,
        },
        index=o.index,
    )
    load = flow.sum(axis=0)
    centres = pd.DataFrame(
        {
            "node": c["node"].to_numpy(),
            "capacity_persons": cap,
            "load_persons": load,
            "spare_persons": np.maximum(cap - load, 0.0),
            "over_capacity_persons": np.maximum(load - cap, 0.0),
        },
        index=c.index,
    )
    stranded = (persons > 0) & snapped & ~any_road
    if stranded.any():
        warn(f"{int(stranded.sum())} origin(s) with {persons[stranded].sum():,.0f} persons have no "
            "passable road to any centre; they are reported in origins['reason']")
    return Assignment(method=method, flows=flows, origins=origins, centres=centres)
