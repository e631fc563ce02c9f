"""Static clearance time: departure curve + routes + bottleneck capacities.

Clearance time is the time from the evacuation order until the last evacuee
(or a chosen fraction of them) reaches a centre. The estimate combines:

1. the departure curve ``F(t)``, the cumulative fraction of people who have
   left by ``t`` seconds after the order (a callable, e.g. a Rayleigh curve from
   :mod:`drm.evacuation.departure`, or an array of departure times); it is
   followed until 99.99 % have left, the rest leaving at that moment;
2. each group's shortest route (origin -> assigned centre) at free-flow speed;
3. a point queue at the entrance of every road used (Newell's cumulative
   curves): with ``A(t)`` people arriving at a road of capacity ``C``, the
   number through by ``t`` is ``D(t) = min over s <= t of [A(s-) + C (t - s)]``
   (``A(s-)``: arrivals before ``s``), and a person's delay is how long ``D``
   takes to catch up with their place in the queue. People who leave at the
   order arrive at a road together; the others arrive spread evenly within each
   time step.

A group's arrival time is departure + free-flow time + the largest delay
along its route. Taking the largest delay, not the sum, is exact for a single
route (queues in series behave like their tightest one) but optimistic where
streams merge at several bottlenecks in turn, and spillback of queues onto
upstream roads is not modelled; use the evacuation simulation for those.
Capacities are per hour; ``persons_per_unit`` converts vehicle capacities
(``capacity_veh_h``) to persons (about 2.5 persons per vehicle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import networkx as nx
import numpy as np
import pandas as pd

from drm._display import ResultMixin, fmt_number, fmt_seconds
from drm.errors import InputError
from drm.network.assignment import Assignment
from drm.network.routing import route_edges, travel_times

__all__ = ["ClearanceResult", "clearance_time"]

#: The departure curve is followed until this share of people has left.
DEPARTED_SHARE = 0.9999
#: Longest departure curve followed (s): 7 days.
MAX_DEPARTURE_S = 7 * 86400.0


@dataclass(frozen=True, eq=False, repr=False)
class ClearanceResult(ResultMixin):
    """Static estimate of evacuation clearance time.

    Attributes
    ----------
    clearance_time_s : float
        Time after the order when ``fraction`` of the evacuees have arrived (s).
    fraction : float
        The share of evacuees that ``clearance_time_s`` refers to.
    departure_end_s : float
        When the departure curve was cut (99.99 % departed).
    arrivals : pandas.Series
        Cumulative persons arrived by time (s).
    groups : pandas.DataFrame
        Per (origin, centre) group: ``persons``, ``free_flow_s``,
        ``last_arrival_s``.
    bottlenecks : pandas.DataFrame
        Per road used, most delaying first: ``u``, ``v``, ``key``,
        ``persons``, ``capacity_persons_h``, ``max_delay_s``, ``max_queue_persons``.
    """

    clearance_time_s: float
    fraction: float
    departure_end_s: float
    arrivals: pd.Series
    groups: pd.DataFrame
    bottlenecks: pd.DataFrame

    def time_to_fraction(self, fraction: float) -> float:
        """Return when ``fraction`` (0-1] of the evacuees have arrived (s), from ``arrivals``.

        Resolution is the calculation's time step; ``fraction=1`` gives the
        last arrival exactly.
        """
        if not 0 < fraction <= 1:
            raise InputError(f"fraction must be in (0, 1], got {fraction!r}")
        if fraction == 1:
            return float(self.groups["last_arrival_s"].max())
        return _time_to(self.arrivals, fraction * float(self.groups["persons"].sum()))

    def _summary(self) -> list[tuple[str, Any]]:
        worst = self.bottlenecks.iloc[0] if len(self.bottlenecks) else None
        out = [
            (f"clearance time ({self.fraction:.0%} arrived)", fmt_seconds(self.clearance_time_s)),
            ("evacuees", fmt_number(float(self.groups["persons"].sum()))),
            ("departures end", fmt_seconds(self.departure_end_s)),
            ("longest free-flow trip", fmt_seconds(float(self.groups["free_flow_s"].max()))),
        ]
        if worst is not None and worst["max_delay_s"] > 0:
            out.append(
                (
                    "worst bottleneck",
                    f"({worst['u']}, {worst['v']}): {fmt_seconds(worst['max_delay_s'])} delay",
                )
            )
        return out

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("bottlenecks", self.bottlenecks),
            ("groups", self.groups),
            ("arrivals", self.arrivals.to_frame()),
        ]

    def plot(self) -> Any:
        """Cumulative arrivals after the order, with the clearance time marked.

        Returns
        -------
        matplotlib.figure.Figure
            Persons arrived against minutes after the order, and all evacuees.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph()
        >>> _ = G.add_edge("a", "c", travel_time=300.0, capacity_persons_h=600.0)
        >>> flows = pd.DataFrame({"origin_node": ["a"], "centre_node": ["c"], "persons": [100.0]})
        >>> clearance_time(G, flows, [0.0]).plot().axes[0].get_xlabel()
        'minutes after the order'
        """
        from drm.plotting import plot_arrivals

        ax = plot_arrivals(
            self.arrivals.index.to_numpy(dtype=float),
            self.arrivals.to_numpy(dtype=float),
            total=float(self.groups["persons"].sum()),
            clearance_s=self.clearance_time_s,
            clearance_label=f"clearance ({self.fraction:.0%})",
        )
        ax.set_title("Static clearance estimate")
        return ax.figure


def _departure_grid(departure: Any, dt: float) -> np.ndarray:
    """Cumulative departed share at t = 0, dt, 2 dt, ... until 99.99 % (last value 1)."""
    if callable(departure):
        f: Callable[[np.ndarray], Any] = departure
    else:
        times = np.sort(np.asarray(departure, dtype=float).ravel())
        if times.size == 0 or not np.isfinite(times).all() or (times < 0).any():
            raise InputError(
                "departure: give F(t) (a callable) or departure times in seconds (finite, >= 0)"
            )
        def f(t: np.ndarray) -> np.ndarray:
            return np.searchsorted(times, t, side="right") / times.size
    k = 256
    while True:
        t = np.arange(k) * dt
        values = np.asarray(f(t), dtype=float)
        if values.shape != t.shape:
            values = np.array([float(f(x)) for x in t])
        if not np.isfinite(values).all() or (values < -1e-9).any() or (values > 1 + 1e-9).any():
            raise InputError("departure: F(t) must return fractions between 0 and 1")
        if (np.diff(values) < -1e-9).any():
            raise InputError("departure: F(t) must not decrease (it is a cumulative share)")
        done = np.flatnonzero(values >= DEPARTED_SHARE)
        if done.size:
            grid = np.clip(values[: done[0] + 1], 0.0, 1.0)
            grid[-1] = 1.0
            return grid
        if t[-1] >= MAX_DEPARTURE_S:
            raise InputError(
                f"departure: F(t) is still {values[-1]:.3f} after 7 days; check its time unit (seconds)"
            )
        k *= 2


def _groups(flows: Assignment | pd.DataFrame) -> pd.DataFrame:
    if isinstance(flows, Assignment):
        f = flows.flows
        return pd.DataFrame(
            {
                "origin_node": flows.origins.loc[f["origin"], "node"].to_numpy(),
                "centre_node": flows.centres.loc[f["centre"], "node"].to_numpy(),
                "persons": f["persons"].to_numpy(dtype=float),
            }
        )
    need = {"origin_node", "centre_node", "persons"}
    if not need <= set(flows.columns):
        raise InputError(f"flows: needs columns {sorted(need)} or an Assignment; got {list(flows.columns)}")
    out = flows[list(need)].copy()
    persons = pd.to_numeric(out["persons"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(persons).all() or (persons < 0).any():
        raise InputError("flows: persons must be finite and >= 0")
    out["persons"] = persons
    return out[["origin_node", "centre_node", "persons"]]


def clearance_time(
    G: nx.MultiDiGraph,
    flows: Assignment | pd.DataFrame,
    departure: Callable[[np.ndarray], Any] | Any,
    *,
    weight: str = "travel_time",
    capacity: str = "capacity_persons_h",
    persons_per_unit: float = 1.0,
    fraction: float = 1.0,
    time_step_s: float = 60.0,
) -> ClearanceResult:
    """Estimate the clearance time of an evacuation plan.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Prepared road graph with ``weight`` and ``capacity`` on every edge.
    flows : Assignment or pandas.DataFrame
        Who goes where: an :class:`~drm.network.Assignment`, or a table with
        ``origin_node``, ``centre_node``, ``persons``.
    departure : callable or array_like
        ``F(t)``: cumulative share departed ``t`` s after the order
        (vectorised or scalar), or the departure times (s) of a sample of people.
    weight : str
        Edge travel time attribute (s).
    capacity : str
        Edge capacity attribute, per hour (``"capacity_persons_h"`` on foot,
        ``"capacity_veh_h"`` by car with ``persons_per_unit`` of about 2.5).
    persons_per_unit : float
        Persons per capacity unit (1 for people, ~2.5 for vehicles).
    fraction : float
        Share of evacuees whose arrival defines the clearance time (0-1].
    time_step_s : float
        Resolution of the calculation (s).

    Returns
    -------
    ClearanceResult

    Raises
    ------
    InputError
        Bad departure curve, missing attributes, a group without a route.

    Examples
    --------
    600 people leave at once over one road of 1,200 persons/h taking 5 minutes:
    the last one arrives after 5 + 30 = 35 minutes.

    >>> import networkx as nx, numpy as np, pandas as pd
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("a", "b", travel_time=300.0, capacity_persons_h=1200.0)
    >>> flows = pd.DataFrame({"origin_node": ["a"], "centre_node": ["b"], "persons": [600.0]})
    >>> clearance_time(G, flows, np.zeros(10)).clearance_time_s
    2100.0
    """
    if not 0 < fraction <= 1:
        raise InputError(f"fraction must be in (0, 1], got {fraction!r}")
    if not (time_step_s > 0 and persons_per_unit > 0):
        raise InputError("time_step_s and persons_per_unit must be > 0")
    dt = float(time_step_s)
    groups = _groups(flows)
    groups = groups[groups["persons"] > 0].reset_index(drop=True)
    if groups.empty:
        raise InputError("flows: nobody to evacuate (no group with persons > 0)")
    F = _departure_grid(departure, dt)
    legs, free = _routes(G, groups, weight)
    groups["free_flow_s"] = free
    per_edge: dict[tuple[Any, Any, Any], list[tuple[int, float]]] = {}
    for g, route in enumerate(legs):
        for e, offset in route:
            per_edge.setdefault(e, []).append((g, offset))
    caps = {e: _capacity(G, e, capacity) * persons_per_unit / 3600.0 for e in per_edge}
    total = float(groups["persons"].sum())
    slowest = min((c for c in caps.values() if c > 0), default=np.inf)
    n_steps = int(np.ceil((F.size * dt + free.max() + total / slowest) / dt)) + 2
    t = np.arange(n_steps) * dt
    Fx = np.r_[F, np.ones(max(0, n_steps - F.size))][:n_steps]
    persons = groups["persons"].to_numpy()
    # delay of the first and of the last person of each (group, departure step) parcel
    first = np.zeros((len(groups), F.size))
    last = np.zeros((len(groups), F.size))
    rows = []
    for e, users in per_edge.items():
        g_idx = np.array([g for g, _ in users])
        shift = np.round(np.array([o for _, o in users]) / dt).astype(np.int64)
        idx = np.arange(n_steps)[None, :] - shift[:, None]
        arrive = (persons[g_idx, None] * np.where(idx >= 0, Fx[np.maximum(idx, 0)], 0.0)).sum(0)
        before = np.r_[0.0, arrive[:-1]]
        # people who left at the order arrive together (a jump in A); the rest arrive spread
        # evenly over each step, so A is piecewise linear with jumps and
        # D(t) = min(A(t), min over grid s <= t of A(s-) + C (t - s))
        jump = np.bincount(np.minimum(shift, n_steps - 1), weights=persons[g_idx] * F[0], minlength=n_steps)
        c = caps[e]
        queue_free = c * t + np.minimum.accumulate(arrive - jump - c * t) if np.isfinite(c) else arrive
        served = np.minimum(arrive, queue_free)
        wait_last = _wait(served, arrive, t, dt)
        wait_first = _wait(served, np.minimum(before + 1e-9 * total, arrive), t, dt)
        rows.append(
            (*e, float(persons[g_idx].sum()), c * 3600.0, float(wait_last.max()), float((arrive - served).max()))
        )
        for g, sh in zip(g_idx, shift, strict=True):
            k = np.minimum(np.arange(F.size) + sh, n_steps - 1)
            first[g] = np.maximum(first[g], wait_first[k])
            last[g] = np.maximum(last[g], wait_last[k])
    mass = persons[:, None] * np.diff(np.r_[0.0, F])[None, :]
    start = np.arange(F.size)[None, :] * dt + free[:, None]
    arrivals = _arrival_curve(start + first, start + last, mass, dt)
    live = mass > 0
    groups["last_arrival_s"] = np.where(live, start + last, -np.inf).max(axis=1)
    end = float(groups["last_arrival_s"].max())
    bottlenecks = pd.DataFrame(
        rows, columns=["u", "v", "key", "persons", "capacity_persons_h", "max_delay_s", "max_queue_persons"]
    ).sort_values("max_delay_s", ascending=False, ignore_index=True)
    return ClearanceResult(
        clearance_time_s=end if fraction == 1 else _time_to(arrivals, fraction * total),
        fraction=fraction,
        departure_end_s=(F.size - 1) * dt,
        arrivals=arrivals,
        groups=groups,
        bottlenecks=bottlenecks,
    )


def _wait(served: np.ndarray, position: np.ndarray, t: np.ndarray, dt: float) -> np.ndarray:
    """Time until the queue has served everybody up to ``position`` (0 where nobody came)."""
    catch = np.minimum(np.searchsorted(served, position * (1 - 1e-12), side="left"), t.size - 1)
    return np.where(position > 0, np.maximum(catch * dt - t, 0.0), 0.0)


def _arrival_curve(a: np.ndarray, b: np.ndarray, mass: np.ndarray, dt: float) -> pd.Series:
    """Cumulative arrivals on a ``dt`` grid; each parcel spread evenly between its times a and b."""
    a, b, mass = a.ravel(), b.ravel(), mass.ravel()
    keep = mass > 0
    a, b, mass = a[keep], b[keep], mass[keep]
    n = int(np.ceil(b.max() / dt)) + 2
    ia = np.clip(a / dt, 0, n - 1)
    ib = np.clip(b / dt, 0, n - 1)
    grid = np.arange(n, dtype=float)
    cum = np.zeros(n)
    for lo, hi, w in zip(ia, ib, mass, strict=True):
        cum += w * (np.clip((grid - lo) / (hi - lo), 0.0, 1.0) if hi > lo else (grid >= lo))
    return pd.Series(cum, index=pd.Index(grid * dt, name="time_s"), name="arrived_persons")


def _time_to(arrivals: pd.Series, persons: float) -> float:
    values = arrivals.to_numpy()
    reached = np.flatnonzero(values >= persons * (1 - 1e-12))
    if reached.size == 0:
        return np.inf
    k = int(reached[0])
    if k == 0 or values[k] == values[k - 1]:
        return float(arrivals.index[k])
    t0, t1 = arrivals.index[k - 1], arrivals.index[k]
    return float(t0 + (persons - values[k - 1]) / (values[k] - values[k - 1]) * (t1 - t0))


def _capacity(G: nx.MultiDiGraph, e: tuple[Any, Any, Any], name: str) -> float:
    value = G.edges[e].get(name)
    if value is None:
        raise InputError(
            f"edge {e!r} has no {name!r}; run drm.network.prepare_roads(G, mode) or choose "
            "capacity='capacity_veh_h' with persons_per_unit"
        )
    value = float(value)
    if not value > 0:
        raise InputError(
            f"edge {e!r} on an evacuation route has {name} = {value!r}; capacities must be > 0 "
            "(close the road instead: travel_time = inf)"
        )
    return value


def _routes(
    G: nx.MultiDiGraph, groups: pd.DataFrame, weight: str
) -> tuple[list[list[tuple[tuple[Any, Any, Any], float]]], np.ndarray]:
    """Shortest route of each group as (edge, time from the origin to its entry), and its time."""
    legs: list[list[tuple[tuple[Any, Any, Any], float]]] = [[] for _ in range(len(groups))]
    free = np.zeros(len(groups))
    for centre, idx in groups.groupby("centre_node").indices.items():
        tt = travel_times(G, [centre], groups["origin_node"].iloc[idx].tolist(), weight, direction="to_sources")
        times = cast(np.ndarray, tt.time_s)[0]
        for j, g in enumerate(idx):
            origin = groups["origin_node"].iloc[g]
            if not np.isfinite(times[j]):
                raise InputError(f"flows: no passable road from {origin!r} to {centre!r}")
            free[g] = times[j]
            elapsed = 0.0
            for e in route_edges(G, tt.route(origin, centre), weight):
                legs[g].append((e, elapsed))
                elapsed += float(G.edges[e][weight])
    return legs, free
