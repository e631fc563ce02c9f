"""Evacuation simulation: households move over a road network that the water is cutting.

A discrete-event model (SimPy) at the level of households:

* each household leaves its origin node at its departure time (from
  :func:`drm.evacuation.departure.sample_departures`), unless the water reached
  its home first (then it is *caught at home*);
* it routes to the centre it can reach earliest (time-dependent Dijkstra on
  free-flow travel times). *Informed* travellers avoid roads that will close
  before they could finish them (they know the flood forecast); uninformed ones
  only avoid roads already closed when they plan, and plan again when they find
  the next road closed;
* each road is a FIFO point queue at its downstream end (Vickrey 1969): a
  household reaches the end after the free-flow time and leaves it no earlier
  than the previous one plus its own load divided by the road's capacity, so a
  bottleneck discharges at capacity. Walkers load roads in persons, drivers in
  vehicles (``persons_per_vehicle``);
* a household on a road when it closes (water above the mode's limit, see
  :func:`drm.network.road_closure_times`) is *caught by water*;
* at the centre, space is reserved on arrival and people register at the desks
  (a second point queue, ``desks x registration_persons_h``); a full or closed
  centre sends them on to the next one they can reach;
* a household with no route left is *stranded* (it stays, and is caught if
  its home floods).

Training injects close roads (by ``road_id``) or centres at given times; the
travellers learn of them only then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import simpy
import xarray as xr

from drm._display import ResultMixin
from drm.errors import ArgumentError, InputError, warn
from drm.evacuation._td_dijkstra import earliest_route
from drm.units import format_duration, parse_duration

__all__ = ["EvacuationResult", "simulate_evacuation"]

#: ``centre`` of households that reached safe ground instead of a centre.
SAFE_GROUND = "safe ground"
OUTCOMES = ("safe", "caught", "stranded", "no space", "stayed", "en route")
_EVENTS = (
    "depart",
    "replan",
    "redirected",
    "safe",
    "caught at home",
    "caught on road",
    "stranded",
    "no space",
)


@dataclass(frozen=True)
class _Network:
    """The prepared road graph as arrays in CSR order (edge id = CSR position)."""

    nodes: np.ndarray
    row: dict[Any, int]
    indptr: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    tt: np.ndarray
    cap_per_s: np.ndarray
    closes: np.ndarray
    road_id: np.ndarray
    key: np.ndarray
    mid_x: np.ndarray
    mid_y: np.ndarray


def _network(G: nx.MultiDiGraph, mode: str) -> _Network:
    cap_key = {"walk": "capacity_persons_h", "drive": "capacity_veh_h"}[mode]
    nodes = np.array(list(G.nodes))
    row = {n: i for i, n in enumerate(nodes.tolist())}
    rows = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if "travel_time" not in d or cap_key not in d:
            raise InputError(
                f"road edge {u}->{v} has no 'travel_time' or {cap_key!r}; prepare the graph with "
                f"drm.network.prepare_roads(G, mode={mode!r}) first"
            )
        rows.append(
            (row[u], row[v], float(d["travel_time"]), float(d[cap_key]) / 3600.0,
             float(d.get("closure_time_s", np.inf)), d.get("road_id"), k)
        )  # fmt: skip
    if not rows:
        raise InputError("the road graph has no edges")
    table = pd.DataFrame(
        rows, columns=["u", "v", "tt", "cap", "closes", "road_id", "key"]
    ).sort_values(["u", "v"], kind="stable")
    if (table["tt"] < 0).any() or not np.isfinite(table["tt"]).all():
        raise InputError("road travel times must be finite and >= 0 s")
    if (table["cap"] <= 0).any():
        raise InputError(f"every road needs a {cap_key} > 0")
    u = table["u"].to_numpy(np.int64)
    indptr = np.zeros(nodes.size + 1, dtype=np.int64)
    np.add.at(indptr, u + 1, 1)
    xs = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
    ys = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
    v = table["v"].to_numpy(np.int64)
    return _Network(
        nodes=nodes,
        row=row,
        indptr=np.cumsum(indptr),
        head=v,
        tail=u,
        tt=table["tt"].to_numpy(float),
        cap_per_s=table["cap"].to_numpy(float),
        closes=table["closes"].to_numpy(float),
        road_id=table["road_id"].to_numpy(object),
        key=table["key"].to_numpy(object),
        mid_x=(xs[u] + xs[v]) / 2,
        mid_y=(ys[u] + ys[v]) / 2,
    )


def _home_flood_times(households: pd.DataFrame, flood: Any, depth_m: float) -> np.ndarray:
    """First time (s) the depth at each household's home reaches ``depth_m`` (inf if never)."""
    out = np.full(len(households), np.inf)
    if flood is None:
        return out
    if not {"x", "y"} <= set(households.columns):
        raise InputError(
            "households need x and y (their home, m) to tell who the water reaches at home"
        )
    ds = flood.ds if hasattr(flood, "ds") else flood
    from drm.grids import xy_to_rowcol

    rows, cols = xy_to_rowcol(
        ds["depth"],
        households["x"].to_numpy(float),
        households["y"].to_numpy(float),
        name="household",
    )
    depth = np.nan_to_num(ds["depth"].values[:, rows, cols])  # (time, household)
    times = ds["time"].values.astype(float)
    above = depth >= depth_m
    hit = above.any(axis=0)
    k = np.argmax(above, axis=0)
    for j in np.flatnonzero(hit):  # interpolate between the frames around the crossing
        i = k[j]
        if i == 0:
            out[j] = times[0]
        else:
            d0, d1 = depth[i - 1, j], depth[i, j]
            out[j] = times[i - 1] + (times[i] - times[i - 1]) * (depth_m - d0) / (d1 - d0)
    return out


@dataclass(frozen=True, repr=False)
class EvacuationResult(ResultMixin):
    """The outcome of :func:`simulate_evacuation`.

    Attributes
    ----------
    households : pandas.DataFrame
        One row per household: ``node``, ``persons``, ``departure_s``,
        ``outcome`` (``safe``, ``caught``, ``stranded``, ``stayed``, ``en
        route``), ``centre``, ``arrival_s`` (registered), ``caught_s``,
        ``caught_x``/``caught_y`` (where the water reached them), ``replans``.
    events : pandas.DataFrame
        The event log: ``time_s``, ``household``, ``event``, ``where``, ``persons``.
    timeline : pandas.DataFrame
        Persons departed, safe, caught, stranded and without space (cumulative) and en route
        and queued on roads, at every ``record_interval``; index ``time_s``.
    arrivals : xarray.DataArray
        Cumulative persons registered per centre, dims ``(time, centre)``.
    roads : pandas.DataFrame
        Per directed road used: the graph edge (``u``, ``v``, ``key``), its
        ``road_id``, persons (walking) or vehicles (driving) carried, largest
        queue and longest wait (s).
    order_time_s : float
        Time of the evacuation order (s since the start of the event).
    mode : str
        ``"walk"`` or ``"drive"``.
    """

    households: pd.DataFrame
    events: pd.DataFrame
    timeline: pd.DataFrame
    arrivals: xr.DataArray
    roads: pd.DataFrame
    order_time_s: float
    mode: str

    def persons_by_outcome(self) -> pd.Series:
        """Persons per outcome (safe, caught, stranded, no space, stayed, en route)."""
        return (
            self.households.groupby("outcome")["persons"]
            .sum()
            .reindex(list(OUTCOMES), fill_value=0.0)
        )

    @property
    def clearance_time_s(self) -> float:
        """Order to last registration at a centre (s); NaN if nobody arrived."""
        t = self.households["arrival_s"].max()
        return float(t - self.order_time_s) if np.isfinite(t) else float("nan")

    def centre_arrivals(self) -> pd.DataFrame:
        """Households registered at a centre, as :func:`drm.shelter.simulate_operations` takes them.

        Households that went to safe ground (no shelter needed) are left out.

        Returns
        -------
        pandas.DataFrame
            Rows ``time_s`` (registration, s since the start of the event),
            ``centre``, ``persons``, one per household, in time order.
        """
        hh = self.households
        at = hh[(hh["outcome"] == "safe") & (hh["centre"] != "safe ground")]
        out = at.rename(columns={"arrival_s": "time_s"})[["time_s", "centre", "persons"]]
        return out.sort_values("time_s", kind="stable").reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Key numbers (JSON-ready)."""
        by = self.persons_by_outcome()
        arrival = self.households["arrival_s"]
        return {
            "households": len(self.households),
            "persons": float(self.households["persons"].sum()),
            **{f"persons_{k.replace(' ', '_')}": float(v) for k, v in by.items()},
            "clearance_time_s": self.clearance_time_s,
            "time_90pct_safe_s": float(arrival.quantile(0.9) - self.order_time_s)
            if arrival.notna().any()
            else float("nan"),
            "largest_road_queue": float(self.roads["max_queue"].max()) if len(self.roads) else 0.0,
        }

    def persons_safe_by_place(self) -> pd.Series:
        """Persons safe, split by where: registered at a centre or on safe ground.

        Returns
        -------
        pandas.Series
            ``centres`` and ``safe ground`` (persons); they add up to the
            ``persons_safe`` of :meth:`summary`.

        Examples
        --------
        >>> import networkx as nx, pandas as pd
        >>> G = nx.MultiDiGraph(crs="EPSG:32619")
        >>> G.add_node(0, x=0.0, y=0.0); G.add_node(1, x=600.0, y=0.0)
        >>> _ = G.add_edge(0, 1, travel_time=500.0, capacity_persons_h=3600.0)
        >>> h = pd.DataFrame({"node": [0, 0], "persons": [4.0, 3.0], "departure_s": [0.0, 60.0]})
        >>> c = pd.DataFrame({"node": [1], "capacity_persons": [100]}, index=["school"])
        >>> r = simulate_evacuation(G, h, c, registration_persons_h=3600, progress=False)
        >>> r.persons_safe_by_place().to_dict()
        {'centres': 7.0, 'safe ground': 0.0}
        """
        safe = self.households[self.households["outcome"] == "safe"]
        on_ground = safe["centre"] == SAFE_GROUND
        return pd.Series(
            {
                "centres": float(safe.loc[~on_ground, "persons"].sum()),
                SAFE_GROUND: float(safe.loc[on_ground, "persons"].sum()),
            },
            name="persons",
        )

    def _summary(self) -> list[tuple[str, Any]]:
        s = self.summary()
        place = self.persons_safe_by_place()
        return [
            ("households / persons", f"{s['households']:,} / {s['persons']:,.0f} ({self.mode})"),
            ("safe in a centre", f"{place['centres']:,.0f}"),
            ("safe on safe ground (no shelter needed)", f"{place[SAFE_GROUND]:,.0f}"),
            ("caught by water", f"{s['persons_caught']:,.0f}"),
            ("stranded (no open road)", f"{s['persons_stranded']:,.0f}"),
            ("turned away (every centre full)", f"{s['persons_no_space']:,.0f}"),
            ("did not leave", f"{s['persons_stayed']:,.0f}"),
            ("still on the way", f"{s['persons_en_route']:,.0f}"),
            ("clearance (order to last arrival)", format_duration(s["clearance_time_s"])),
            ("90 % safe after the order", format_duration(s["time_90pct_safe_s"])),
            (
                "largest queue on a road",
                f"{s['largest_road_queue']:,.0f} {'persons' if self.mode == 'walk' else 'vehicles'}",
            ),
        ]

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("households", self.households),
            ("timeline", self.timeline),
            ("arrivals", self.arrivals.to_pandas()),
            ("roads", self.roads),
            ("events", self.events),
        ]

    def plot(self) -> Any:
        """Evacuation curve, arrivals per centre and where people were caught.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        from drm.plotting import OKABE_ITO

        fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), layout="constrained")
        tl = self.timeline
        hours = (tl.index.to_numpy() - self.order_time_s) / 3600.0
        for k, (col, label) in enumerate(
            [
                ("departed", "departed"),
                ("safe", "safe (centres and safe ground)"),
                ("en_route", "on the way"),
                ("caught", "caught by water"),
            ]
        ):
            axes[0].plot(hours, tl[col], color=OKABE_ITO[k], label=label)
        axes[0].set_xlabel("hours after the order")
        axes[0].set_ylabel("persons")
        axes[0].set_title("Evacuation curve")
        axes[0].legend(fontsize=8)
        arr = self.arrivals
        t_arr = (arr["time"].values - self.order_time_s) / 3600.0
        for k, c in enumerate(arr["centre"].values):
            axes[1].plot(
                t_arr, arr.sel(centre=c).values, color=OKABE_ITO[k % len(OKABE_ITO)], label=str(c)
            )
        axes[1].set_xlabel("hours after the order")
        axes[1].set_ylabel("persons registered")
        axes[1].set_title("Arrivals per centre")
        if arr.sizes["centre"] <= 15:
            axes[1].legend(fontsize=7, ncol=2)
        caught = self.households[self.households["outcome"] == "caught"]
        axes[2].set_aspect("equal")
        axes[2].scatter(
            caught["caught_x"],
            caught["caught_y"],
            s=np.clip(caught["persons"] * 4, 4, 80),
            color=OKABE_ITO[5],
            alpha=0.7,
        )
        axes[2].set_title(f"Where {caught['persons'].sum():,.0f} people were caught")
        axes[2].set_xlabel("x (m)")
        axes[2].set_ylabel("y (m)")
        return fig


def _centres(centres: pd.DataFrame, net: _Network, G: nx.MultiDiGraph) -> pd.DataFrame:
    c = centres.copy()
    if "node" not in c.columns:
        from drm.network import snap_points

        if not {"x", "y"} <= set(c.columns):
            raise InputError(
                "centres need a 'node' column or x, y coordinates to snap to the roads"
            )
        c = snap_points(G, c, name="centres")
    missing = [n for n in c["node"] if n not in net.row]
    if missing:
        raise InputError(f"centre node {missing[0]!r} is not in the road graph")
    if "capacity_persons" not in c.columns or c["capacity_persons"].isna().all():
        if "floor_area_m2" not in c.columns:
            raise InputError("centres need capacity_persons or floor_area_m2")
        c["capacity_persons"] = np.floor(c["floor_area_m2"] / 3.5)
    cap = c["capacity_persons"].to_numpy(float)
    if np.any(~np.isfinite(cap)) or np.any(cap < 0):
        raise InputError("centre capacity_persons must be finite and >= 0")
    if np.all(cap <= 0):
        raise InputError("every centre has zero capacity: nobody can be sheltered")
    return c


def _households(households: Any, net: _Network) -> tuple[pd.DataFrame, float]:
    order = 0.0
    if hasattr(households, "households") and hasattr(households, "order_time_s"):
        order = float(households.order_time_s)
        households = households.households
    if not isinstance(households, pd.DataFrame):
        raise ArgumentError(
            "simulate_evacuation(): argument 'households' must be a Departures (from "
            "drm.evacuation.sample_departures) or a pandas.DataFrame with node, persons and "
            f"departure_s, got {type(households).__name__}: build it with sample_departures"
        )
    h = households.copy().reset_index(drop=True)
    for col in ("node", "persons", "departure_s"):
        if col not in h.columns:
            raise InputError(
                f"households need a {col!r} column (see drm.evacuation.departure.sample_departures)"
            )
    for col, unit in (("persons", "persons"), ("departure_s", "s since the start")):
        if not pd.api.types.is_numeric_dtype(h[col]) and not h[col].isna().all():
            text = h[col][pd.to_numeric(h[col], errors="coerce").isna() & h[col].notna()]
            example = ", e.g. drm.units.parse_duration('10min') gives 600.0 s" if col == "departure_s" else ""
            raise InputError(
                f"households[{col!r}] must hold numbers ({unit}), got text such as "
                f"{(text.iloc[0] if len(text) else h[col].iloc[0])!r}: convert it{example}"
            )
    persons = h["persons"].to_numpy(float)
    if np.any(~np.isfinite(persons)) or np.any(persons < 0):
        raise InputError("household persons must be finite and >= 0")
    missing = [n for n in h["node"] if n not in net.row]
    if missing:
        raise InputError(
            f"household node {missing[0]!r} is not in the road graph; snap origins with drm.network.population_origins"
        )
    return h, order


def simulate_evacuation(
    G: nx.MultiDiGraph,
    households: Any,
    centres: pd.DataFrame,
    *,
    mode: str = "walk",
    flood: Any = None,
    caught_depth_m: float | None = None,
    informed: bool = True,
    persons_per_vehicle: float = 2.5,
    desks: int = 2,
    registration_persons_h: float = 120.0,
    road_closures: Mapping[str, Any] | None = None,
    centre_closures: Mapping[Any, Any] | None = None,
    safe_nodes: Any = None,
    order_time_s: float | None = None,
    horizon: Any = None,
    record_interval: Any = "5min",
    progress: bool | None = True,
) -> EvacuationResult:
    """Simulate households evacuating to centres over a flooding road network.

    See the module docstring for the model.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Roads prepared with :func:`drm.network.prepare_roads` for ``mode``
        (``travel_time`` s, ``capacity_persons_h`` or ``capacity_veh_h``), with
        ``closure_time_s`` from :func:`drm.network.road_closure_times` when a
        flood cuts them.
    households : Departures or pandas.DataFrame
        From :func:`drm.evacuation.departure.sample_departures`, or a table with
        ``node``, ``persons`` and ``departure_s`` (NaN: stays), plus ``x``, ``y``
        (home, m) to tell who the water reaches at home, and ``shelter``
        (bool, default True: the household needs a place in a centre).
    centres : pandas.DataFrame
        Indexed by centre id, with ``node`` (or ``x``, ``y`` to snap) and
        ``capacity_persons`` (or ``floor_area_m2``, at 3.5 m² per person);
        optional ``desks``.
    mode : {"walk", "drive"}
        Travel mode the graph was prepared for.
    flood : FloodResult or xarray.Dataset, optional
        For the depth at people's homes.
    caught_depth_m : float, optional
        Depth at home that catches people who are still there (m); default 0.5
        on foot (children's stability limit, ARR 2019), 0.3 by car.
    informed : bool
        Whether travellers know which roads will close (see the module docstring).
    persons_per_vehicle : float
        Car occupancy when driving (persons per vehicle).
    desks : int
        Number of registration desks per centre (a ``desks`` column overrides it).
    registration_persons_h : float
        Persons one desk registers per hour.
    road_closures : dict road_id -> time, optional
        Training injects: roads (``road_id``) closed from the given time.
    centre_closures : dict centre id -> time, optional
        Training injects: centres that stop receiving people from the given time.
    safe_nodes : iterable of node ids, optional
        Safe ground (e.g. road nodes the flood never reaches): households with
        ``shelter`` False go to the nearest one instead of a centre (to
        relatives or open high ground; no space is needed there).
    order_time_s : float, optional
        Time of the order, for the clearance time; default: from the
        ``Departures``, else 0.
    horizon : str or float, optional
        End of the simulation (s since the start of the event, or a duration);
        default: everyone has arrived or stopped.
    record_interval : str or float
        Step of the timeline (s, or a duration such as ``"5min"``).
    progress : bool or None
        Progress bar over simulated time (None: only on a terminal).

    Returns
    -------
    EvacuationResult

    Raises
    ------
    InputError
        An unprepared graph, unknown nodes, centres without capacity, bad parameters.

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> G = nx.MultiDiGraph(crs="EPSG:32619")
    >>> G.add_node(0, x=0.0, y=0.0); G.add_node(1, x=600.0, y=0.0)
    >>> _ = G.add_edge(0, 1, travel_time=500.0, capacity_persons_h=3600.0)
    >>> h = pd.DataFrame({"node": [0, 0], "persons": [4.0, 3.0], "departure_s": [0.0, 60.0]})
    >>> c = pd.DataFrame({"node": [1], "capacity_persons": [100]}, index=["school"])
    >>> r = simulate_evacuation(G, h, c, registration_persons_h=3600, progress=False)
    >>> r.households["outcome"].tolist(), r.clearance_time_s
    (['safe', 'safe'], 561.5)
    """
    if mode not in ("walk", "drive"):
        raise InputError(f"mode must be 'walk' or 'drive', got {mode!r}")
    if not persons_per_vehicle > 0 or not registration_persons_h > 0 or desks < 1:
        raise InputError(
            "persons_per_vehicle and registration_persons_h must be > 0 and desks >= 1"
        )
    net = _network(G, mode)
    hh, order_from_departures = _households(households, net)
    order = float(order_time_s) if order_time_s is not None else order_from_departures
    cent = _centres(centres, net, G)
    depth_limit = caught_depth_m if caught_depth_m is not None else (0.5 if mode == "walk" else 0.3)
    home_flood = _home_flood_times(hh, flood, depth_limit)
    step = parse_duration(record_interval, "record_interval")

    closes = net.closes.copy()
    n_nodes = net.nodes.size
    # centres by node; space and service rate per centre
    c_ids = list(cent.index)
    c_node = np.array([net.row[n] for n in cent["node"]], dtype=np.int64)
    space = cent["capacity_persons"].to_numpy(float).copy()
    desk_n = (
        cent["desks"].to_numpy(float)
        if "desks" in cent.columns
        else np.full(len(cent), float(desks))
    )
    service = desk_n * registration_persons_h / 3600.0  # persons per s
    desk_free = np.zeros(len(cent))
    open_centre = space > 0
    is_target = np.zeros(n_nodes, dtype=bool)

    def refresh_targets() -> None:
        is_target[:] = False
        is_target[c_node[open_centre & (space > 0)]] = True

    refresh_targets()
    free_at = np.zeros(net.tt.size)
    best = np.full(n_nodes, np.inf)
    pred = np.full(n_nodes, -1, dtype=np.int64)
    touched = np.empty(n_nodes, dtype=np.int64)
    heap_t = np.empty(net.tt.size + 2)
    heap_n = np.empty(net.tt.size + 2, dtype=np.int64)

    persons = hh["persons"].to_numpy(float)
    wants_shelter = (
        hh["shelter"].to_numpy(bool) if "shelter" in hh.columns else np.ones(len(hh), dtype=bool)
    )
    is_safe = np.zeros(n_nodes, dtype=bool)
    if safe_nodes is not None:
        nodes_in = [n for n in safe_nodes if n in net.row]
        if len(nodes_in) == 0 and not wants_shelter.all():
            raise InputError("safe_nodes: none of the given nodes is in the road graph")
        is_safe[[net.row[n] for n in nodes_in]] = True
    elif not wants_shelter.all():
        raise InputError("households with shelter=False need safe_nodes (safe ground to go to)")
    load = persons if mode == "walk" else np.maximum(persons / persons_per_vehicle, 1.0)
    origin = np.array([net.row[n] for n in hh["node"]], dtype=np.int64)
    departure = hh["departure_s"].to_numpy(float)
    n_h = len(hh)
    outcome = np.array(["stayed"] * n_h, dtype=object)
    centre_of = np.full(n_h, None, dtype=object)
    arrival = np.full(n_h, np.nan)
    caught_t = np.full(n_h, np.nan)
    caught_x = np.full(n_h, np.nan)
    caught_y = np.full(n_h, np.nan)
    replans = np.zeros(n_h, dtype=np.int64)
    events: list[tuple[float, int, str, Any, float]] = []
    trav: list[tuple[int, float, float, float, float]] = []  # edge, enter, reach end, leave, load
    node_x = np.array([G.nodes[n]["x"] for n in net.nodes], dtype=float)
    node_y = np.array([G.nodes[n]["y"] for n in net.nodes], dtype=float)

    env = simpy.Environment()

    def catch(h: int, t: float, x: float, y: float, where: Any, kind: str) -> None:
        outcome[h] = "caught"
        caught_t[h] = t
        caught_x[h], caught_y[h] = x, y
        events.append((t, h, kind, where, persons[h]))

    def trip(h: int):
        if departure[h] > env.now:
            yield env.timeout(departure[h] - env.now)
        if home_flood[h] <= env.now:
            catch(
                h,
                home_flood[h],
                node_x[origin[h]],
                node_y[origin[h]],
                hh["node"].iat[h],
                "caught at home",
            )
            return
        outcome[h] = "en route"
        events.append((env.now, h, "depart", hh["node"].iat[h], persons[h]))
        node = origin[h]
        first = True
        to_safe_ground = not wants_shelter[h]
        while True:
            targets = is_safe if to_safe_ground else is_target
            route = earliest_route(
                net.indptr, net.head, net.tail, net.tt, closes, targets, node, env.now, informed,
                best, pred, touched, heap_t, heap_n,
            )  # fmt: skip
            if not first:
                replans[h] += 1
                events.append((env.now, h, "replan", net.nodes[node], persons[h]))
            first = False
            if route.size == 1 and route[0] < 0:
                # no centre with space left anywhere, or none reachable on open roads
                why = "stranded" if targets.any() else "no space"
                outcome[h] = why
                events.append((env.now, h, why, net.nodes[node], persons[h]))
                if home_flood[h] < np.inf and node == origin[h]:
                    yield env.timeout(max(home_flood[h] - env.now, 0.0))
                    catch(h, env.now, node_x[node], node_y[node], net.nodes[node], "caught at home")
                return
            replanned = False
            for e in route:
                now = env.now
                if closes[e] <= now or (informed and now + net.tt[e] > closes[e]):
                    replanned = True  # the road closed, or queues made us too late for it
                    break
                reach = now + net.tt[e]
                leave = max(reach, free_at[e])
                free_at[e] = leave + load[h] / net.cap_per_s[e]
                trav.append((e, now, reach, leave, load[h]))
                if closes[e] < leave:
                    yield env.timeout(max(closes[e] - now, 0.0))
                    catch(h, env.now, net.mid_x[e], net.mid_y[e], net.road_id[e], "caught on road")
                    return
                yield env.timeout(leave - now)
                node = net.head[e]
            if replanned:
                continue
            if to_safe_ground:
                outcome[h] = "safe"
                centre_of[h] = SAFE_GROUND
                arrival[h] = env.now
                events.append((env.now, h, "safe", SAFE_GROUND, persons[h]))
                return
            # at a centre node: the first centre there that is open and has space
            here = [k for k in np.flatnonzero(c_node == node) if open_centre[k] and space[k] > 0]
            if not here:
                events.append((env.now, h, "redirected", net.nodes[node], persons[h]))
                continue
            k = here[0]
            space[k] -= persons[h]
            if space[k] <= 0:
                refresh_targets()
            done = max(env.now, desk_free[k]) + persons[h] / service[k]
            desk_free[k] = done
            yield env.timeout(done - env.now)
            outcome[h] = "safe"
            centre_of[h] = c_ids[k]
            arrival[h] = env.now
            events.append((env.now, h, "safe", c_ids[k], persons[h]))
            return

    def inject_road(edges: np.ndarray, at: float):
        yield env.timeout(max(at - env.now, 0.0))
        closes[edges] = np.minimum(closes[edges], at)

    def inject_centre(k: int, at: float):
        yield env.timeout(max(at - env.now, 0.0))
        open_centre[k] = False
        refresh_targets()

    for rid, when in (road_closures or {}).items():
        edges = np.flatnonzero(net.road_id == rid)
        if edges.size == 0:
            raise InputError(f"road_closures: no road with road_id {rid!r}")
        env.process(inject_road(edges, parse_duration(when, f"road_closures[{rid!r}]")))
    for cid, when in (centre_closures or {}).items():
        if cid not in c_ids:
            raise InputError(f"centre_closures: unknown centre {cid!r}; centres are {c_ids}")
        env.process(
            inject_centre(c_ids.index(cid), parse_duration(when, f"centre_closures[{cid!r}]"))
        )
    leaving = np.flatnonzero(np.isfinite(departure))
    active = [int(leaving.size)]

    def tracked(h: int):
        yield env.process(trip(h))
        active[0] -= 1

    for h in leaving:
        env.process(tracked(int(h)))
    for h in np.flatnonzero(~np.isfinite(departure) & np.isfinite(home_flood)):
        events.append((home_flood[h], int(h), "caught at home", hh["node"].iat[h], persons[h]))
        outcome[h] = "caught"
        caught_t[h] = home_flood[h]
        caught_x[h], caught_y[h] = node_x[origin[h]], node_y[origin[h]]

    end = parse_duration(horizon, "horizon") if horizon is not None else None
    _run(env, end, progress, active)
    hh_out = hh.copy()
    hh_out["outcome"] = outcome
    hh_out["centre"] = centre_of
    hh_out["arrival_s"] = arrival
    hh_out["caught_s"] = caught_t
    hh_out["caught_x"] = caught_x
    hh_out["caught_y"] = caught_y
    hh_out["replans"] = replans
    ev = pd.DataFrame(events, columns=["time_s", "household", "event", "where", "persons"])
    ev = ev.sort_values(["time_s", "household"], kind="stable").reset_index(drop=True)
    ev["event"] = pd.Categorical(ev["event"], categories=_EVENTS)
    t_end = max(
        env.now, float(np.nanmax(np.r_[departure[leaving], order])) if leaving.size else order
    )
    times = np.arange(
        min(order, float(np.nanmin(departure)) if leaving.size else order), t_end + step, step
    )
    tr = np.array(trav, dtype=float).reshape(-1, 5)
    timeline = _timeline(times, hh_out, ev, tr)
    arrivals = _arrivals(times, hh_out, c_ids + ([SAFE_GROUND] if not wants_shelter.all() else []))
    roads = _road_stats(tr, net)
    for why, text in (
        ("stranded", "found no open road to a centre with space"),
        ("no space", "found every centre full"),
    ):
        n = hh_out.loc[hh_out["outcome"] == why, "persons"].sum()
        if n > 0:
            warn(f"{n:,.0f} persons {text}")
    return EvacuationResult(
        households=hh_out,
        events=ev,
        timeline=timeline,
        arrivals=arrivals,
        roads=roads,
        order_time_s=order,
        mode=mode,
    )


def _run(
    env: simpy.Environment, end: float | None, progress: bool | None, active: list[int]
) -> None:
    """Run to ``end`` (or until every household has finished), with a progress bar over simulated time."""
    from drm._display import progress_bar

    bar = progress_bar(None if progress else False, unit="s", desc="evacuation", leave=False)

    def monitor():
        last = env.now
        while active[0] > 0:
            yield env.timeout(600.0)
            bar.update(env.now - last)
            last = env.now

    env.process(monitor())
    try:
        env.run(until=end)
    finally:
        bar.close()


def _timeline(
    times: np.ndarray, hh: pd.DataFrame, ev: pd.DataFrame, tr: np.ndarray
) -> pd.DataFrame:
    def cumulative(kind: Any) -> np.ndarray:
        sel = ev[ev["event"].isin(kind)]
        t = sel["time_s"].to_numpy(float)
        o = np.argsort(t, kind="stable")
        csum = np.concatenate([[0.0], np.cumsum(sel["persons"].to_numpy(float)[o])])
        return csum[np.searchsorted(t[o], times, side="right")]

    departed = cumulative(["depart"])
    safe = cumulative(["safe"])
    caught = cumulative(["caught at home", "caught on road"])
    caught_road = cumulative(["caught on road"])
    stranded = cumulative(["stranded"])
    no_space = cumulative(["no space"])
    queued = np.zeros(times.size)
    if tr.size:
        reach, leave, load = tr[:, 2], tr[:, 3], tr[:, 4]
        waiting = leave > reach
        for k, t in enumerate(times):
            m = waiting & (reach <= t) & (leave > t)
            queued[k] = load[m].sum()
    return pd.DataFrame(
        {
            "departed": departed,
            "safe": safe,
            "caught": caught,
            "stranded": stranded,
            "no_space": no_space,
            "en_route": departed - safe - caught_road - stranded - no_space,
            "queued": queued,
        },
        index=pd.Index(times, name="time_s"),
    )


def _arrivals(times: np.ndarray, hh: pd.DataFrame, centres: list[Any]) -> xr.DataArray:
    data = np.zeros((times.size, len(centres)))
    safe = hh[hh["outcome"] == "safe"]
    for k, c in enumerate(centres):
        sel = safe[safe["centre"] == c]
        t = np.sort(sel["arrival_s"].to_numpy(float))
        p = sel["persons"].to_numpy(float)[
            np.argsort(sel["arrival_s"].to_numpy(float), kind="stable")
        ]
        csum = np.concatenate([[0.0], np.cumsum(p)])
        data[:, k] = csum[np.searchsorted(t, times, side="right")]
    return xr.DataArray(
        data,
        dims=("time", "centre"),
        coords={"time": times, "centre": [str(c) for c in centres]},
        name="arrivals",
        attrs={"units": "persons", "long_name": "persons registered at each centre (cumulative)"},
    )


def _road_stats(tr: np.ndarray, net: _Network) -> pd.DataFrame:
    """Per road: load carried, largest queue (a sweep over arrivals and departures) and longest wait."""
    cols = ["u", "v", "key", "road_id", "persons_or_vehicles", "max_queue", "max_wait_s"]
    if not tr.size:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="edge"))
    edge = tr[:, 0].astype(np.int64)
    order = np.argsort(edge, kind="stable")
    tr = tr[order]
    edge = edge[order]
    starts = np.flatnonzero(np.r_[True, edge[1:] != edge[:-1]])
    ends = np.r_[starts[1:], edge.size]
    out = []
    for a, b in zip(starts, ends, strict=True):
        reach, leave, load = tr[a:b, 2], tr[a:b, 3], tr[a:b, 4]
        waiting = leave > reach
        t = np.concatenate([reach[waiting], leave[waiting]])
        d = np.concatenate([load[waiting], -load[waiting]])
        o = np.lexsort((d, t))  # departures before arrivals at the same instant
        queue = float(np.cumsum(d[o]).max()) if t.size else 0.0
        e = int(edge[a])
        out.append(
            (e, net.nodes[net.tail[e]], net.nodes[net.head[e]], net.key[e], net.road_id[e],
             float(load.sum()), queue, float((leave - reach).max()))
        )  # fmt: skip
    return pd.DataFrame(out, columns=["edge", *cols]).set_index("edge")
