"""Evacuation-centre operations over days: occupancy, consumption, stock and resupply (simpy).

MEND's evacuation-centre phase, run as a discrete-event simulation:

* **Occupancy.** Arrivals (from the evacuation simulation or any series) fill
  each centre; returns after the water recedes empty it. Occupants are counted
  in ``simpy.Container`` levels (persons and households), never one process
  per person, so a week for thousands of people runs in about a second.
* **Consumption.** Each consumable of the standard is used continuously at
  ``rate`` per basis (persons, households, women 15-49, ...) per period, the
  basis counts following occupancy through the demographic profile; items
  given ``once`` are handed out on arrival. Consumption is settled exactly
  between events (occupancy is piecewise constant), so the amount used is the
  integral of occupancy times rate, up to what stock allows. Unmet demand is
  counted in units and in basis-days (e.g. person-days without water); people
  not yet given a ``once`` item wait in a backlog served by the next delivery.
* **Resupply.** Every ``review`` interval each centre orders up to
  ``target_days`` of current consumption when its stock plus orders fall below
  ``reorder_days`` (and whatever its backlog lacks). Each item comes from the
  warehouse that can deliver it first; a warehouse's trucks
  (``simpy.Resource``) carry ``truck_capacity_kg`` each, after a loading lead
  time, over routes that the flood may close for a while.

The numbers of :class:`ResupplyPolicy` are planning assumptions to adapt, not
standards.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy

from drm.demographics import DemographicProfile, default_profile
from drm.errors import InputError, warn
from drm.shelter._inputs import check_centres, check_routes, check_stock, check_warehouses
from drm.shelter._ops_result import OperationsResult, build_result
from drm.shelter.standards import Standard, as_standard
from drm.units import DAY, parse_duration

if TYPE_CHECKING:
    from drm.evacuation import EvacuationResult

__all__ = ["OperationsResult", "ResupplyPolicy", "simulate_operations"]

_EPS = 1e-9


@dataclass(frozen=True)
class ResupplyPolicy:
    """How centres reorder and how warehouses ship (planning assumptions).

    Parameters
    ----------
    reorder_days : float
        Reorder when stock on hand plus on order covers fewer days of current
        consumption than this (default 2).
    target_days : float
        Order up to this many days of current consumption (default 4, >= reorder_days).
    lead_time : str or float
        Loading and dispatch time at the warehouse before a truck leaves
        (default "4h"; seconds or a duration string).
    review : str or float
        Interval between stock reviews (s, or a duration; default "6h").
    road_speed_kmh : float
        Truck speed used when no ``routes`` table is given (default 20 km/h)...
    detour_factor : float
        ...over the straight-line distance times this factor (default 1.4).
    travel_time_cv : float
        Coefficient of variation of each trip's travel time (lognormal, mean 1;
        default 0: deterministic). Draws use the ``seed`` of the simulation.

    Examples
    --------
    >>> ResupplyPolicy(lead_time="2h").lead_time_s
    7200.0
    """

    reorder_days: float = 2.0
    target_days: float = 4.0
    lead_time: str | float = "4h"
    review: str | float = "6h"
    road_speed_kmh: float = 20.0
    detour_factor: float = 1.4
    travel_time_cv: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "reorder_days",
            "target_days",
            "road_speed_kmh",
            "detour_factor",
            "travel_time_cv",
        ):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InputError(f"ResupplyPolicy: {name} must be a number >= 0, got {v!r}")
        if self.target_days < self.reorder_days:
            raise InputError("ResupplyPolicy: target_days must be >= reorder_days")
        if self.road_speed_kmh <= 0 or self.detour_factor < 1:
            raise InputError("ResupplyPolicy: road_speed_kmh must be > 0 and detour_factor >= 1")
        if parse_duration(self.review, "ResupplyPolicy.review") <= 0:
            raise InputError("ResupplyPolicy: review must be a positive duration")
        parse_duration(self.lead_time, "ResupplyPolicy.lead_time")

    @property
    def lead_time_s(self) -> float:
        """Lead time in seconds."""
        return parse_duration(self.lead_time)

    @property
    def review_s(self) -> float:
        """Review interval in seconds."""
        return parse_duration(self.review)


def _events_table(df: Any, centres: pd.Index, what: str) -> pd.DataFrame:
    """Arrivals or departures as rows ``time_s, centre, persons, households`` (households may be NaN)."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a DataFrame with columns time_s, centre, persons")
    if (
        "persons" not in df.columns
        and len(df.columns)
        and set(map(str, df.columns)) <= set(centres)
    ):
        wide = df.copy()  # a series per centre: index time_s, one column per centre
        wide.index.name = "time_s"
        wide.columns = wide.columns.astype(str)
        df = wide.reset_index().melt(id_vars="time_s", var_name="centre", value_name="persons")
    missing = {"time_s", "centre", "persons"} - set(df.columns)
    if missing:
        raise InputError(
            f"{what} needs columns time_s, centre, persons (households optional), or one column of persons per "
            f"centre indexed by time_s; missing {sorted(missing)}"
        )
    out = pd.DataFrame(
        {
            "time_s": pd.to_numeric(df["time_s"], errors="coerce"),
            "centre": df["centre"].astype(str).to_numpy(),
            "persons": pd.to_numeric(df["persons"], errors="coerce"),
            "households": pd.to_numeric(df["households"], errors="coerce")
            if "households" in df
            else np.nan,
        }
    )
    for col in ("time_s", "persons"):
        bad = ~(np.isfinite(out[col]) & (out[col] >= 0))
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{what} row {k + 1}: {col} = {df[col].iloc[k]!r}; it must be a number >= 0"
            )
    if (out["households"] < 0).any():
        raise InputError(f"{what}: households must be >= 0")
    unknown = sorted(set(out["centre"]) - set(centres))
    if unknown:
        raise InputError(
            f"{what}: centre {unknown[0]!r} is not in the centres table ({', '.join(centres)})"
        )
    return out[out["persons"] > 0].sort_values("time_s", kind="stable").reset_index(drop=True)


def _departures(returns: Any, centres: pd.Index) -> pd.DataFrame:
    """Departure rows from a return rule; ``persons`` = inf means everyone present leaves."""
    empty = pd.DataFrame({"time_s": [], "centre": [], "persons": [], "households": []})
    if returns is None:
        return empty
    if isinstance(returns, pd.DataFrame):
        return _events_table(returns, centres, "returns")
    rule = returns if isinstance(returns, Mapping) else dict.fromkeys(centres, returns)
    unknown = sorted(set(map(str, rule)) - set(centres))
    if unknown:
        raise InputError(f"returns: centre {unknown[0]!r} is not in the centres table")
    rows = [
        (parse_duration(t, f"returns[{c!r}]"), str(c), math.inf, np.nan) for c, t in rule.items()
    ]
    return pd.DataFrame(rows, columns=empty.columns).sort_values("time_s", kind="stable")


def _routes(
    routes: Any, warehouses: pd.DataFrame, centres: pd.DataFrame, policy: ResupplyPolicy
) -> pd.DataFrame:
    if routes is not None:
        return check_routes(routes, warehouses.index, centres.index)
    if warehouses.empty:
        return check_routes(
            pd.DataFrame({"warehouse": [], "centre": [], "travel_time_s": []}), warehouses.index, []
        )
    if not ({"x", "y"} <= set(warehouses.columns) and {"x", "y"} <= set(centres.columns)):
        raise InputError(
            "give routes=... (travel_time_s per warehouse and centre) or x, y coordinates of both"
        )
    w, c = warehouses[["x", "y"]].to_numpy(float), centres[["x", "y"]].to_numpy(float)
    dist = (
        np.hypot(w[:, None, 0] - c[None, :, 0], w[:, None, 1] - c[None, :, 1])
        * policy.detour_factor
    )
    idx = pd.MultiIndex.from_product(
        [warehouses.index, centres.index], names=["warehouse", "centre"]
    )
    table = pd.DataFrame(
        {"travel_time_s": (dist / (policy.road_speed_kmh / 3.6)).ravel()}, index=idx
    )
    return check_routes(table, warehouses.index, centres.index)


class _Engine:
    """State and processes of one run (internal; see :func:`simulate_operations`)."""

    def __init__(self, std: Standard, phase: str, centres: pd.DataFrame, warehouses: pd.DataFrame,
                 stock: pd.DataFrame, routes: pd.DataFrame, policy: ResupplyPolicy, profile: DemographicProfile,
                 end_s: float, record_s: float, seed: int | None) -> None:  # fmt: skip
        self.env = simpy.Environment()
        self.std, self.policy, self.profile, self.end_s = std, policy, profile, end_s
        table = std.table(phase)
        cons = table[(table["kind"] == "consumable") & (table["rate"] > 0)]
        self.items = list(dict.fromkeys([*cons.index, *stock["item"]]))
        self.centres, self.warehouses = list(centres.index), list(warehouses.index)
        nk = len(self.items)
        rated = cons.reindex(self.items)
        self.rate = rated["rate"].fillna(0.0).to_numpy(float)
        self.once = (rated["frequency"] == "once").to_numpy()
        self.rate_s = np.where(
            self.once, 0.0, self.rate / rated["period_s"].fillna(np.inf).to_numpy(float)
        )
        self.basis = rated["basis"].fillna("person").tolist()
        self.per_household = np.array([b == "household" for b in self.basis])
        self.share = np.array(
            [1.0 if b in ("person", "household") else profile.shares[b] for b in self.basis]
        )
        self.mass = np.array([std.mass_kg(k) for k in self.items])
        nc = len(self.centres)
        inf = float("inf")
        self.occ = {c: simpy.Container(self.env, capacity=inf) for c in self.centres}
        self.hh = {c: simpy.Container(self.env, capacity=inf) for c in self.centres}
        levels = stock.set_index(["site_id", "item"])["quantity"]
        self.stock = {
            (s, k): simpy.Container(self.env, capacity=inf, init=float(levels.get((s, k), 0.0)))
            for s in self.centres + self.warehouses
            for k in self.items
        }
        self.trucks = {
            w: simpy.Resource(self.env, capacity=int(n))
            for w, n in warehouses["trucks"].items()
            if n >= 1
        }
        self.truck_kg = warehouses["truck_capacity_kg"].to_dict()
        self.routes = {
            key: (r.travel_time_s, r.closed_from_s, r.closed_until_s)
            for key, r in routes.iterrows()
        }
        shape = (nc, nk)
        self.demand, self.served, self.unmet = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        self.unmet_bd, self.backlog, self.on_order = (
            np.zeros(shape),
            np.zeros(shape),
            np.zeros(shape),
        )
        self.person_s, self.last_t = np.zeros(nc), np.zeros(nc)
        # the exact time each item first fell short since the last record (NaN: it did not)
        self.onset = np.full(shape, np.nan)
        self.rng = np.random.default_rng(seed)
        self.times = np.unique(np.append(np.arange(0.0, end_s, record_s), end_s))
        self.rec: dict[str, list[np.ndarray]] = defaultdict(list)
        self.deliveries: list[tuple[Any, ...]] = []
        self.orders: list[tuple[Any, ...]] = []
        self.excess_departures = 0.0

    # ---- accounting -------------------------------------------------------------------------------
    def counts(self, c: str) -> np.ndarray:
        """Basis count of every item at centre ``c`` now (persons, households, women 15-49, ...)."""
        return np.where(self.per_household, self.hh[c].level, self.occ[c].level * self.share)

    def take(self, site: str, k: int, amount: float) -> float:
        """Draw up to ``amount`` from the stock of item ``k`` at ``site``; return what was drawn."""
        box = self.stock[(site, self.items[k])]
        got = min(box.level, amount)
        if got > 0:
            box.get(got)
        return got

    def settle(self, ci: int) -> None:
        """Use up consumables at centre ``ci`` from its last settlement until now."""
        c, now = self.centres[ci], self.env.now
        start = self.last_t[ci]
        dt = now - start
        if dt <= 0:
            return
        self.last_t[ci] = now
        self.person_s[ci] += self.occ[c].level * dt
        count = self.counts(c)
        for k in np.flatnonzero(~self.once & (self.rate_s > 0)):
            want = count[k] * self.rate_s[k] * dt
            if want <= 0:
                continue
            got = self.take(c, k, want)
            self.demand[ci, k] += want
            self.served[ci, k] += got
            self.unmet[ci, k] += want - got
            self.unmet_bd[ci, k] += (want - got) / (self.rate_s[k] * DAY)
            if want - got > _EPS * want:  # the stock ran out at a constant rate within [start, now]
                self.short_from(ci, k, start + dt * got / want)
        waiting = self.once & (self.backlog[ci] > 0)
        self.unmet_bd[ci, waiting] += self.backlog[ci, waiting] / self.rate[waiting] * dt / DAY

    def serve_backlog(self, ci: int) -> None:
        for k in np.flatnonzero(self.backlog[ci] > 0):
            got = self.take(self.centres[ci], k, self.backlog[ci, k])
            self.served[ci, k] += got
            self.backlog[ci, k] -= got

    def arrive(self, ci: int, persons: float, households: float) -> None:
        c = self.centres[ci]
        self.settle(ci)
        self.occ[c].put(persons)
        if households > 0:
            self.hh[c].put(households)
        newcomers = np.where(self.per_household, households, persons * self.share)
        for k in np.flatnonzero(self.once & (self.rate > 0)):
            want = newcomers[k] * self.rate[k]
            got = self.take(c, k, want)
            self.demand[ci, k] += want
            self.served[ci, k] += got
            self.backlog[ci, k] += want - got
            if want - got > _EPS * want:
                self.short_from(ci, k, self.env.now)

    def short_from(self, ci: int, k: int, t: float) -> None:
        """Note that item ``k`` fell short at centre ``ci`` at time ``t`` (s; the earliest since the last record)."""
        if not t >= self.onset[ci, k]:  # NaN or later
            self.onset[ci, k] = t

    def depart(self, ci: int, persons: float) -> None:
        c = self.centres[ci]
        self.settle(ci)
        present = self.occ[c].level
        if math.isfinite(persons) and persons > present + _EPS:
            self.excess_departures += persons - present
        leaving = min(persons, present)
        if leaving <= 0:
            return
        frac = leaving / present
        if self.hh[c].level > 0:
            self.hh[c].get(self.hh[c].level * frac)
        self.occ[c].get(leaving)
        self.backlog[ci] *= 1.0 - frac  # those leaving take their unmet handouts with them

    # ---- routes and trucks -----------------------------------------------------------------------
    def departure_time(self, w: str, c: str, t: float) -> float | None:
        """Earliest time >= t a truck can start the trip w-c without meeting a closure (None: never)."""
        tt, start, end = self.routes[(w, c)]
        if math.isnan(start):
            return t
        end = math.inf if math.isnan(end) else end
        if t < end and t + tt > start:
            return None if math.isinf(end) else end
        return t

    def travel(self, w: str, c: str) -> float:
        tt = self.routes[(w, c)][0]
        cv = self.policy.travel_time_cv
        if cv <= 0:
            return tt
        sigma2 = math.log1p(cv * cv)
        return tt * float(self.rng.lognormal(-sigma2 / 2, math.sqrt(sigma2)))

    def review(self) -> Any:
        p = self.policy
        nk = len(self.items)
        while True:
            request = np.zeros((len(self.centres), nk))
            for ci, c in enumerate(self.centres):
                self.settle(ci)
                daily = self.counts(c) * self.rate_s * DAY
                position = (
                    np.array([self.stock[(c, k)].level for k in self.items]) + self.on_order[ci]
                )
                short = np.where(
                    self.once, self.backlog[ci] - position, p.target_days * daily - position
                )
                due = self.once | ((daily > 0) & (position < p.reorder_days * daily))
                request[ci] = np.where(due & (short > _EPS), short, 0.0)
            # when warehouses hold less than asked, every centre gets the same fraction of its request
            held = np.array(
                [sum(self.stock[(w, k)].level for w in self.trucks) for k in self.items]
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.minimum(1.0, np.where(request.sum(0) > 0, held / request.sum(0), 1.0))
            shipments: dict[tuple[str, str], np.ndarray] = {}
            for ci, k in zip(*np.nonzero(request * scale > _EPS), strict=True):
                self.allocate(ci, k, request[ci, k] * scale[k], shipments)
            for (w, c), load in shipments.items():
                self.dispatch(w, c, load)
            yield self.env.timeout(p.review_s)

    def allocate(
        self, ci: int, k: int, qty: float, shipments: dict[tuple[str, str], np.ndarray]
    ) -> None:
        """Reserve ``qty`` of item ``k`` for centre ``ci`` from the warehouses that deliver it first."""
        c, now, lead = self.centres[ci], self.env.now, self.policy.lead_time_s
        options = []
        for w in self.trucks:
            if self.stock[(w, self.items[k])].level <= 0:
                continue
            start = self.departure_time(w, c, now + lead)
            if start is not None:
                options.append((start + self.routes[(w, c)][0], w))
        for _, w in sorted(options):
            got = self.take(w, k, qty)
            if got <= 0:
                continue
            load = shipments.setdefault((w, c), np.zeros(len(self.items)))
            load[k] += got
            self.on_order[ci, k] += got
            self.orders.append((now, w, c, self.items[k], got))
            qty -= got
            if qty <= _EPS:
                return

    def dispatch(self, w: str, c: str, load: np.ndarray) -> None:
        """Split a shipment into truckloads by mass and start one trip per truckload."""
        cap = self.truck_kg[w]
        left = load.copy()
        while left.sum() > _EPS:
            room, truck = cap, np.zeros_like(left)
            for k in np.flatnonzero(left > _EPS):
                units = left[k] if self.mass[k] <= 0 else min(left[k], room / self.mass[k])
                truck[k] += units
                left[k] -= units
                room -= units * self.mass[k]
                if room <= _EPS * cap:
                    break
            self.env.process(self.trip(w, c, truck))

    def trip(self, w: str, c: str, load: np.ndarray) -> Any:
        ci = self.centres.index(c)
        with self.trucks[w].request() as req:
            yield req
            yield self.env.timeout(self.policy.lead_time_s)
            start = self.departure_time(w, c, self.env.now)
            if start is None:  # the road will not reopen: the goods go back on the shelf
                for k in np.flatnonzero(load > 0):
                    self.stock[(w, self.items[k])].put(load[k])
                    self.on_order[ci, k] -= load[k]
                return
            yield self.env.timeout(start - self.env.now + self.travel(w, c))
            self.settle(ci)
            for k in np.flatnonzero(load > 0):
                self.stock[(c, self.items[k])].put(load[k])
                self.on_order[ci, k] -= load[k]
                self.deliveries.append((self.env.now, w, c, self.items[k], load[k]))
            self.serve_backlog(ci)
            back = self.departure_time(w, c, self.env.now)
            if back is None:
                yield self.env.event()  # stranded at the centre until the end of the run
            yield self.env.timeout(back - self.env.now + self.travel(w, c))

    # ---- people and records ----------------------------------------------------------------------
    def people(self, events: pd.DataFrame) -> Any:
        index = {c: i for i, c in enumerate(self.centres)}
        for t, c, persons, households, kind in events.itertuples(index=False):
            if t >= self.end_s:
                return
            if (
                t > self.env.now
            ):  # events at the same time are applied together, between two records
                yield self.env.timeout(t - self.env.now)
            if kind == "arrive":
                hh = (
                    households if np.isfinite(households) else persons / self.profile.household_size
                )
                self.arrive(index[c], persons, hh)
            else:
                self.depart(index[c], persons)

    def record(self) -> None:
        for ci in range(len(self.centres)):
            self.settle(ci)
        r = self.rec
        r["occupancy"].append(np.array([self.occ[c].level for c in self.centres]))
        r["households"].append(np.array([self.hh[c].level for c in self.centres]))
        r["stock"].append(
            np.array(
                [
                    [self.stock[(s, k)].level for k in self.items]
                    for s in self.centres + self.warehouses
                ]
            )
        )
        for name in ("demand", "served", "unmet", "unmet_bd", "backlog", "on_order", "onset"):
            r[name].append(getattr(self, name).copy())
        self.onset[:] = np.nan
        r["person_s"].append(self.person_s.copy())

    def recorder(self) -> Any:
        for t in self.times[:-1]:
            yield self.env.timeout(t - self.env.now)
            self.record()

    def run(self, events: pd.DataFrame) -> None:
        self.env.process(self.people(events))
        if self.trucks:
            self.env.process(self.review())
        self.env.process(self.recorder())
        self.env.run(until=self.end_s)
        self.record()


def simulate_operations(
    arrivals: EvacuationResult | pd.DataFrame,
    centres: pd.DataFrame,
    stock: pd.DataFrame,
    warehouses: pd.DataFrame | None = None,
    standard: str | os.PathLike[str] | Standard = "sphere-2018",
    *,
    days: float = 7.0,
    returns: Any = None,
    routes: pd.DataFrame | None = None,
    policy: ResupplyPolicy | None = None,
    phase: str = "acute",
    profile: DemographicProfile | None = None,
    record: str | float = "1h",
    seed: int | None = None,
) -> OperationsResult:
    """Simulate occupancy, consumption, stock and resupply of evacuation centres over days.

    Parameters
    ----------
    arrivals : EvacuationResult or pandas.DataFrame
        The result of :func:`drm.evacuation.simulate_evacuation` (its
        :meth:`~drm.evacuation.EvacuationResult.centre_arrivals` are used), or
        rows ``time_s, centre, persons`` (and optionally ``households``), or a
        series per centre: index ``time_s``, one column of arriving persons per centre id.
    centres : pandas.DataFrame
        As :func:`drm.io.read_centres` returns (``floor_area_m2``, ``toilets``,
        ``taps``, ``x``, ``y``, ...), indexed by id.
    stock : pandas.DataFrame
        ``site_id, item, quantity[, unit]`` at centres and warehouses (see
        :func:`drm.io.read_stock`).
    warehouses : pandas.DataFrame, optional
        ``trucks`` and ``truck_capacity_kg`` per warehouse id; without it
        there is no resupply.
    standard : str, path or Standard
        Rates to consume (default ``"sphere-2018"``).
    days : float
        Length of the run in days (> 0), counted from time 0 of ``arrivals``.
    returns : None, float, str, mapping or pandas.DataFrame
        Departures after the water recedes: a time (seconds or ``"3d"``) when
        everyone leaves every centre, a mapping centre -> such a time, or rows
        ``time_s, centre, persons`` of departures. None: nobody leaves.
    routes : pandas.DataFrame, optional
        Indexed by (warehouse, centre): ``travel_time_s`` and optionally
        ``closed_from_s``, ``closed_until_s`` (a flood closure; no end = for
        ever). Without it, travel times come from the x, y coordinates at the
        policy's road speed.
    policy : ResupplyPolicy, optional
        Reorder point, order-up-to level, lead time, review interval.
    phase : {"acute", "stabilised"}
        Which phase's rates apply.
    profile : DemographicProfile, optional
        Shares that turn occupants into basis groups (default: Venezuela).
    record : str or float
        Interval of the recorded time series (s, or a duration; default ``"1h"``).
    seed : int, optional
        Seed of the travel-time draws (used only when ``policy.travel_time_cv`` > 0).

    Returns
    -------
    OperationsResult
        Time series (``ds``), per centre-item ``summary``, ``stockouts``,
        ``deliveries`` and ``orders``.

    Raises
    ------
    InputError
        Bad arrivals (unknown centre, negative persons), negative stock, an
        unknown item or site, a centre without floor area, bad routes.

    Warns
    -----
    DrmWarning
        If departures ask for more people than a centre holds.

    Examples
    --------
    >>> import pandas as pd
    >>> centres = pd.DataFrame({"id": ["A"], "floor_area_m2": [700.0], "toilets": [4], "taps": [1]})
    >>> arrivals = pd.DataFrame({"time_s": [0.0], "centre": ["A"], "persons": [200.0]})
    >>> stock = pd.DataFrame({"site_id": ["A"], "item": ["water_l"], "quantity": [6000.0]})
    >>> r = simulate_operations(arrivals, centres, stock, days=3)
    >>> float(r.summary.loc[("A", "water_l"), "consumed"]), float(r.summary.loc[("A", "water_l"), "unmet"])
    (6000.0, 3000.0)
    """
    if hasattr(arrivals, "centre_arrivals"):  # an EvacuationResult
        arrivals = arrivals.centre_arrivals()
    std = as_standard(standard)
    policy = policy if policy is not None else ResupplyPolicy()
    profile = profile if profile is not None else default_profile()
    if not (isinstance(days, (int, float)) and math.isfinite(days) and days > 0):
        raise InputError(f"simulate_operations: days must be a number > 0, got {days!r}")
    record_s = parse_duration(record, "record")
    if record_s <= 0:
        raise InputError("simulate_operations: record must be a positive duration")
    cen = check_centres(centres)
    wh = check_warehouses(warehouses)
    overlap = set(cen.index) & set(wh.index)
    if overlap:
        raise InputError(
            f"id {sorted(overlap)[0]!r} is both a centre and a warehouse; ids must differ"
        )
    stk = check_stock(stock, set(cen.index) | set(wh.index), std)
    arr = _events_table(arrivals, cen.index, "arrivals").assign(kind="arrive")
    dep = _departures(returns, cen.index).assign(kind="depart")
    events = pd.concat([arr, dep], ignore_index=True).sort_values("time_s", kind="stable")
    engine = _Engine(std, phase, cen, wh, stk, _routes(routes, wh, cen, policy), policy, profile,
                     days * DAY, record_s, seed)  # fmt: skip
    engine.run(events[["time_s", "centre", "persons", "households", "kind"]])
    if engine.excess_departures > _EPS:
        warn(f"returns asked {engine.excess_departures:,.0f} more persons to leave than were present; "
            "only those present left")
    return build_result(engine, std, phase, cen)
