"""Water points and latrines in and around a shelter site, checked against Sphere (2018).

:func:`site_wash` takes the shelters, the candidate WASH points a planner
proposes, the groundwater sources nearby, the depth to the water table and the
depth of the design flood (the 100-year flood with its climate uplift), and
says which candidates meet the Sphere Handbook's siting rules, why each other
one does not, and what each shelter still lacks:

* a water point within 500 m of every shelter, at most 250 people per tap
  (WASH water supply standard 2.1);
* latrines at least 30 m from any groundwater source (well, spring, borehole),
  the bottom of the pit at least 1.5 m above the water table (excreta
  management standard 3.1), within 50 m of the shelters, separate, lit and
  lockable for women and men, enough toilets for the people (standard 3.2);
* no WASH point where the design flood is deeper than a kerb (0.15 m, the
  limit drm uses for evacuation centres).

The per-person numbers (people per tap, people per toilet, the female share of
toilets) come from the standards tables (:func:`drm.shelter.load_standard`);
the distances and depths, which those tables do not hold, are the constants
below. Distances are straight lines in the projected x/y coordinates (m).

The plan is a check, not an optimisation: every acceptable candidate is kept,
each shelter is served by its nearest accepted point, and the shortfalls (taps,
toilets, lighting, missing points) are reported for the planner to fix.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm._display import ResultMixin, fmt_number
from drm.errors import GridError, InputError
from drm.grids import check_grid, grid_bounds, xy_to_rowcol
from drm.io.tables import check_sites
from drm.shelter.standards import DEFAULT_STANDARD, Standard, as_standard

__all__ = [
    "KINDS",
    "LATRINE_MAX_FROM_SHELTER_M",
    "LATRINE_MIN_FROM_SOURCE_M",
    "MAX_FLOOD_DEPTH_M",
    "MAX_WATER_TABLE_BELOW_BASE_M",
    "MAX_WATER_TABLE_DEPTH_M",
    "PIT_CLEARANCE_M",
    "PIT_DEPTH_M",
    "WATER_POINT_MAX_M",
    "WashPlan",
    "WashRules",
    "site_wash",
    "wash_candidates",
]

#: Sphere 2018, WASH water supply standard 2.1 (access and water quantity), key indicator:
#: distance from any household to the nearest water point at most 500 m.
WATER_POINT_MAX_M = 500.0
#: Sphere 2018, WASH excreta management standard 3.1 (environment free from human excreta),
#: guidance: toilets and pits at least 30 m from any groundwater source (well, spring, borehole).
LATRINE_MIN_FROM_SOURCE_M = 30.0
#: Sphere 2018, excreta management standard 3.1, guidance: the bottom of any pit at least
#: 1.5 m above the water table.
PIT_CLEARANCE_M = 1.5
#: Sphere 2018, excreta management standard 3.2 (access to and use of toilets), guidance:
#: toilets no more than 50 m from dwellings (here: shelters).
LATRINE_MAX_FROM_SHELTER_M = 50.0
#: Assumption (not a Sphere figure): depth of a latrine pit below the ground (m). Replace it
#: with the depth of the pits to be dug.
PIT_DEPTH_M = 2.0
#: drm's kerb-height convention (the default of drm.evacuation.locate_centres): no WASH point
#: where the design flood is deeper than this (m).
MAX_FLOOD_DEPTH_M = 0.15
#: Depths to the water table beyond this (m) are refused as a unit slip (cm or mm for m); a
#: deeper water table passes the pit check anyway: give this value for "deep".
MAX_WATER_TABLE_DEPTH_M = 200.0
#: With a DEM: the water table may lie at most this far (m) below the DEM's lowest ground,
#: the river or sea the groundwater of a flood-prone area drains to; deeper points at a depth
#: grid that holds elevations, or a unit slip.
MAX_WATER_TABLE_BELOW_BASE_M = 50.0
#: The candidate kinds :func:`site_wash` knows.
KINDS = ("water_point", "latrine")
_SEXES = ("female", "male")
#: Slack (m) on distance and depth comparisons, for coordinates that are not exact in binary.
_TOL = 1e-6
_TRUE = {"true", "yes", "y", "t", "1"}
_FALSE = {"false", "no", "n", "f", "0", ""}


@functools.cache
def _standard_numbers(standard: str | Standard, phase: str) -> tuple[float, float, float]:
    """(persons per tap, persons per toilet, female share of toilets) of a standard.

    An item the standard lacks (or a female share it does not give) falls back on
    Sphere 2018's.
    """
    std = as_standard(standard)
    sphere = as_standard(DEFAULT_STANDARD) if std.name != DEFAULT_STANDARD else std

    def rate(item: str) -> pd.Series:
        table = std.table(phase)
        return table.loc[item] if item in table.index else sphere.table(phase).loc[item]

    tap, toilet = rate("water_tap"), rate("toilet")
    share = toilet["female_share"]
    if pd.isna(share):
        share = sphere.table(phase).loc["toilet", "female_share"]
    return 1.0 / float(tap["rate"]), 1.0 / float(toilet["rate"]), float(share)


def _default(index: int) -> Any:
    return field(default_factory=lambda: _standard_numbers(DEFAULT_STANDARD, "acute")[index])


@dataclass(frozen=True)
class WashRules:
    """The siting rules :func:`site_wash` checks (defaults: Sphere 2018, first phase).

    Parameters
    ----------
    water_point_max_m : float
        Farthest a shelter may be from its water point (m); Sphere: 500 m.
    persons_per_tap : float
        Most people per tap; default from the ``sphere-2018`` standard's
        ``water_tap`` rate (1/250: 250 people per tap at 7.5 L/min).
    latrine_min_from_source_m : float
        Closest a latrine may be to a groundwater source (m); Sphere: 30 m.
    latrine_max_from_shelter_m : float
        Farthest a latrine may be from a shelter it serves (m); Sphere: 50 m.
    pit_clearance_m : float
        Least height of the pit bottom above the water table (m); Sphere: 1.5 m.
    pit_depth_m : float
        Depth of the pits below the ground (m); 2.0 m is an assumption, to be
        replaced by the depth of the pits to be dug.
    max_flood_depth_m : float
        Deepest design-flood water at a WASH point (m); 0.15 m (a kerb).
    persons_per_toilet : float or None
        Most people per toilet; default from the standard's ``toilet`` rate in
        the acute phase (1/50; 1/20 once stabilised: use
        :meth:`from_standard`). None: not checked.
    female_toilet_share : float
        Share of the toilets for women and girls (Sphere: 3:1, 0.75).

    Raises
    ------
    InputError
        A value that is not a finite number > 0 (``max_flood_depth_m`` may be
        0), or a share outside 0..1.

    Examples
    --------
    >>> r = WashRules()
    >>> r.water_point_max_m, r.persons_per_tap, r.persons_per_toilet, r.female_toilet_share
    (500.0, 250.0, 50.0, 0.75)
    >>> WashRules(pit_depth_m=1.2).pit_depth_m
    1.2
    """

    water_point_max_m: float = WATER_POINT_MAX_M
    persons_per_tap: float = _default(0)
    latrine_min_from_source_m: float = LATRINE_MIN_FROM_SOURCE_M
    latrine_max_from_shelter_m: float = LATRINE_MAX_FROM_SHELTER_M
    pit_clearance_m: float = PIT_CLEARANCE_M
    pit_depth_m: float = PIT_DEPTH_M
    max_flood_depth_m: float = MAX_FLOOD_DEPTH_M
    persons_per_toilet: float | None = _default(1)
    female_toilet_share: float = _default(2)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "persons_per_toilet" and value is None:
                continue
            ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
            ok = ok and math.isfinite(value)
            if f.name == "female_toilet_share":
                ok = ok and 0.0 <= value <= 1.0
                need = "a share between 0 and 1 (Sphere: 0.75, 3:1)"
            elif f.name == "max_flood_depth_m":
                ok = ok and value >= 0.0
                need = "a depth >= 0 m (drm's default: 0.15 m)"
            else:
                ok = ok and value > 0.0
                need = "a finite number > 0"
            if not ok:
                raise InputError(f"WashRules: {f.name} = {value!r}; it must be {need}")
            object.__setattr__(self, f.name, float(value))

    @classmethod
    def from_standard(
        cls, standard: str | Standard = DEFAULT_STANDARD, phase: str = "acute", **rules: float
    ) -> WashRules:
        """Rules with the people per tap and per toilet of a standard and phase.

        Parameters
        ----------
        standard : str or Standard
            A built-in profile (:func:`drm.shelter.list_standards`) or a
            loaded one; items it lacks take Sphere 2018's numbers.
        phase : {"acute", "stabilised"}
            ``"stabilised"``: the medium-term toilet ratio (1 per 20 people).
        **rules
            Other fields of :class:`WashRules` (distances and depths in m).

        Returns
        -------
        WashRules

        Examples
        --------
        >>> WashRules.from_standard(phase="stabilised").persons_per_toilet
        20.0
        """
        tap, toilet, share = _standard_numbers(standard, phase)
        base = {"persons_per_tap": tap, "persons_per_toilet": toilet, "female_toilet_share": share}
        return cls(**(base | rules))


@dataclass(frozen=True, eq=False, repr=False)
class WashPlan(ResultMixin):
    """Candidate WASH points checked by :func:`site_wash`, and what each shelter lacks.

    Attributes
    ----------
    points : pandas.DataFrame
        Every candidate (indexed by id): ``x``, ``y`` (m), ``kind``, ``sex``
        (latrines: ``"female"`` or ``"male"``; ``""`` for water points and
        rejected latrines without one), ``sex_assigned`` (True where the plan
        chose it), ``lit``, ``taps``, ``toilets``, ``accepted``, ``reason``
        (``""`` when accepted, else every failed rule joined with ``"; "``),
        ``nearest_source`` and ``source_distance_m``, ``nearest_shelter`` and
        ``shelter_distance_m``, ``water_table_depth_m`` and
        ``pit_clearance_m`` (latrines), ``flood_depth_m``, ``served_persons``
        (people of the shelters it serves), ``extra_taps`` (water points) and
        ``extra_toilets`` (latrines) still needed.
    shelters : pandas.DataFrame
        One row per shelter: ``persons``, ``water_point`` (nearest accepted),
        ``water_distance_m``, ``water_covered``, ``persons_per_tap`` and
        ``extra_taps`` at that water point; ``female_latrines``/``male_latrines``
        (accepted within reach) and ``female_lit``/``male_lit`` (of which lit);
        ``female_latrine``/``male_latrine`` (the one serving it: the nearest lit one
        within reach, else the nearest) and
        their ``female_extra_toilets``/``male_extra_toilets``; ``ok`` and
        ``missing`` (what to fix, ``""`` when ok).
    sources : pandas.DataFrame
        The groundwater sources checked (``x``, ``y``), accepted groundwater
        water points included.
    rules : WashRules
        The rules applied.
    unchecked : tuple of str
        Checks not made for want of an input (no water table, no flood grid, ...).
    """

    points: pd.DataFrame
    shelters: pd.DataFrame
    sources: pd.DataFrame
    rules: WashRules
    unchecked: tuple[str, ...]

    def _summary(self) -> list[tuple[str, Any]]:
        p = self.points
        rows = []
        for kind, label in (("water_point", "water points"), ("latrine", "latrines")):
            of = p[p["kind"] == kind]
            rows.append((label, f"{int(of['accepted'].sum())} accepted of {len(of)} candidates"))
        rows += [
            (
                "shelters meeting every rule",
                f"{int(self.shelters['ok'].sum())} of {len(self.shelters)}",
            ),
            ("extra taps needed", fmt_number(float(p["extra_taps"].sum()))),
            ("extra toilets needed", fmt_number(float(p["extra_toilets"].sum()))),
            ("not checked", "; ".join(self.unchecked) or "-"),
        ]
        return rows

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("points", self.points), ("shelters", self.shelters)]

    def plot(self) -> Any:
        """Map of the shelters, the accepted and rejected points and the sources' 30 m rings.

        Returns
        -------
        matplotlib.figure.Figure
            One map in the x/y coordinates (m), equal axes.

        Examples
        --------
        >>> shelters = pd.DataFrame({"x": [0.0], "y": [0.0], "persons": [100]}, index=["S1"])
        >>> cands = pd.DataFrame({"x": [100.0, 20.0], "y": [0.0, 0.0],
        ...                       "kind": ["water_point", "latrine"]}, index=["T1", "L1"])
        >>> fig = site_wash(shelters, cands).plot()
        >>> fig.axes[0].get_xlabel()
        'x (m)'
        """
        import matplotlib.pyplot as plt
        from matplotlib.patches import Circle

        from drm.plotting import OKABE_ITO

        fig, ax = plt.subplots(figsize=(7, 6), layout="constrained")
        s, p = self.shelters, self.points
        ax.scatter(s["x"], s["y"], marker="s", s=60, color=OKABE_ITO[7], label="shelter")
        for kind, marker, color in (
            ("water_point", "o", OKABE_ITO[4]),
            ("latrine", "^", OKABE_ITO[2]),
        ):
            ok = p[(p["kind"] == kind) & p["accepted"]]
            ax.scatter(
                ok["x"], ok["y"], marker=marker, s=50, color=color, label=kind.replace("_", " ")
            )
        bad = p[~p["accepted"]]
        ax.scatter(bad["x"], bad["y"], marker="x", s=50, color=OKABE_ITO[5], label="rejected")
        if len(self.sources):
            ax.scatter(
                self.sources["x"],
                self.sources["y"],
                marker="*",
                s=90,
                color=OKABE_ITO[1],
                label="groundwater source",
            )
            for x, y in zip(self.sources["x"], self.sources["y"], strict=True):
                ring = Circle(
                    (x, y),
                    self.rules.latrine_min_from_source_m,
                    fill=False,
                    linestyle="--",
                    color=OKABE_ITO[1],
                )
                ax.add_patch(ring)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
        ax.set_title(f"WASH siting: {int(s['ok'].sum())} of {len(s)} shelters meet every rule")
        ax.legend(loc="best", fontsize="small")
        return fig


# --------------------------------------------------------------------------- inputs
def _ids(index: Any, limit: int = 10) -> str:
    items = [str(i) for i in index]
    return ", ".join(items[:limit]) + (
        f" and {len(items) - limit} more" if len(items) > limit else ""
    )


def _points(df: Any, what: str, example: str) -> pd.DataFrame:
    """A copy indexed by str id with float ``x``/``y`` (m), or an InputError naming the fix."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            f"{what} must be a pandas DataFrame with columns {example}, got {type(df).__name__}"
        )
    out = df.set_index("id") if "id" in df.columns else df.copy()
    out.index = out.index.astype(str)
    out.index.name = "id"
    for col in ("x", "y"):
        if col not in out.columns:
            raise InputError(
                f"{what}: column {col!r} is missing; give {example}, x/y in metres in the grids' CRS "
                "(drm.io.read_table projects lon/lat)"
            )
    dup = out.index[out.index.duplicated()]
    if len(dup):
        raise InputError(f"{what}: id {dup[0]!r} appears more than once; give each row its own id")
    for col in ("x", "y"):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(float))
        if bad.any():
            raise InputError(
                f"{what}: {_ids(out.index[bad])} have no number in column {col!r} (m); fill it in"
            )
        out[col] = values.astype(float)
    return out


def _counts(df: pd.DataFrame, col: str, what: str, rows: np.ndarray) -> np.ndarray:
    """Column ``col`` as counts >= 1 on ``rows`` (default 1 where absent or empty)."""
    if col not in df.columns:
        return np.where(rows, 1.0, np.nan)
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
    given = df[col].notna().to_numpy()
    bad = rows & given & ~(np.isfinite(values) & (values >= 1))
    if bad.any():
        raise InputError(
            f"{what}: {_ids(df.index[bad])} have {col} that is not a number >= 1; give a count"
        )
    return np.where(rows, np.where(given, values, 1.0), np.nan)


def _flags(df: pd.DataFrame, col: str, what: str) -> np.ndarray:
    """A True/False column (yes/no, 1/0 accepted; empty: False)."""
    if col not in df.columns:
        return np.zeros(len(df), bool)
    out = np.zeros(len(df), bool)
    for i, v in enumerate(df[col]):
        if isinstance(v, (bool, np.bool_)):
            out[i] = bool(v)
        elif v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = False
        elif str(v).strip().lower() in _TRUE | _FALSE:
            out[i] = str(v).strip().lower() in _TRUE
        else:
            raise InputError(f"{what}: {df.index[i]!r} has {col} = {v!r}; use True or False")
    return out


def _candidates(candidates: Any) -> pd.DataFrame:
    df = _points(candidates, "candidates", "x, y and kind ('water_point' or 'latrine')")
    if "kind" not in df.columns:
        raise InputError(
            "candidates: column 'kind' is missing; give each row 'water_point' or 'latrine'"
        )
    kind = df["kind"].astype(str).str.strip().str.lower()
    bad = ~kind.isin(KINDS)
    if bad.any():
        cid = df.index[bad.to_numpy()][0]
        raise InputError(
            f"candidates: {cid!r} has kind {df.loc[cid, 'kind']!r}; use 'water_point' or 'latrine'"
        )
    df["kind"] = kind
    latrine = (kind == "latrine").to_numpy()
    sex = np.full(len(df), "", dtype=object)
    if "sex" in df.columns:
        for i, v in enumerate(df["sex"]):
            text = "" if pd.isna(v) else str(v).strip().lower()
            if text and (text not in _SEXES or not latrine[i]):
                why = (
                    "use 'female', 'male' or leave it empty"
                    if latrine[i]
                    else "only latrines have a sex"
                )
                raise InputError(f"candidates: {df.index[i]!r} has sex {v!r}; {why}")
            sex[i] = text
    df["sex"] = sex
    df["lit"] = _flags(df, "lit", "candidates") & latrine
    df["groundwater"] = _flags(df, "groundwater", "candidates") & ~latrine
    df["taps"] = _counts(df, "taps", "candidates", ~latrine)
    df["toilets"] = _counts(df, "toilets", "candidates", latrine)
    return df


def _shelters(shelters: Any) -> pd.DataFrame:
    df = _points(shelters, "shelters", "x, y and persons")
    col = "persons" if "persons" in df.columns else "capacity_persons"
    if col not in df.columns:
        raise InputError(
            "shelters: column 'persons' (people sheltered; 'capacity_persons' from "
            "drm.shelter.capacity also works) is missing"
        )
    persons = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(persons) & (persons >= 0))
    if bad.any():
        raise InputError(
            f"shelters: {_ids(df.index[bad])} have {col} that is not a number >= 0; fill it in"
        )
    if len(df) == 0:
        raise InputError(
            "shelters table has no rows; give at least one shelter with x, y and persons"
        )
    df["persons"] = persons
    return df


def _at_points(grid: Any, name: str, table: pd.DataFrame, what: str) -> np.ndarray:
    """Values of ``grid`` at the cells of the table's points; GridError naming those outside."""
    check_grid(grid, name)
    xmin, ymin, xmax, ymax = grid_bounds(grid)
    x, y = table["x"].to_numpy(float), table["y"].to_numpy(float)
    outside = ~((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))
    if outside.any():
        raise GridError(
            f"{what} {_ids(table.index[outside])} lie outside the {name} grid (x {xmin:.0f}..{xmax:.0f} m, "
            f"y {ymin:.0f}..{ymax:.0f} m): move them inside it, or give a grid that covers the site"
        )
    rows, cols = xy_to_rowcol(grid, x, y, name=what)
    return np.asarray(grid.values, dtype=float)[rows, cols]


def _water_table(water_table: Any, latrines: pd.DataFrame, dem: xr.DataArray | None) -> np.ndarray:
    """Depth to the water table (m) at each latrine candidate, checked."""
    if isinstance(water_table, xr.DataArray):
        values = np.asarray(water_table.values, dtype=float)
        if np.any(values[np.isfinite(values)] < 0):
            raise InputError(
                f"water_table grid holds negative depths (lowest {np.nanmin(values):g} m); it must hold the "
                "depth below the ground (m, >= 0), not an elevation or a height above the ground"
            )
        depth = _at_points(water_table, "water_table", latrines, "latrine candidates")
        nan = ~np.isfinite(depth)
        if nan.any():
            raise InputError(
                f"water_table has no value (NaN) at latrine candidates {_ids(latrines.index[nan])}; "
                "fill the grid there or move the candidates"
            )
    else:
        value = float(water_table)
        if not np.isfinite(value) or value < 0:
            raise InputError(
                f"water_table = {water_table!r}; give the depth to the water table below the ground "
                "(m, >= 0) or a grid of it"
            )
        depth = np.full(len(latrines), value)
    deep = depth > MAX_WATER_TABLE_DEPTH_M
    if deep.any():
        raise InputError(
            f"water_table is {depth[deep].max():g} m deep at latrine candidates {_ids(latrines.index[deep])}, "
            f"more than {MAX_WATER_TABLE_DEPTH_M:g} m: is it in cm or mm? Give metres (for a water table "
            f"really that deep, {MAX_WATER_TABLE_DEPTH_M:g} m passes the pit check just as well)"
        )
    if dem is not None and len(latrines):
        ground = _at_points(dem, "DEM", latrines, "latrine candidates")
        base = float(np.nanmin(np.asarray(dem.values, dtype=float)))
        below = (ground - depth) < base - MAX_WATER_TABLE_BELOW_BASE_M - _TOL
        if below.any():
            i = int(np.flatnonzero(below)[0])
            raise InputError(
                f"water_table at latrine candidate {latrines.index[i]!r} is {depth[i]:g} m deep: the water "
                f"table would lie at {ground[i] - depth[i]:.1f} m, more than {MAX_WATER_TABLE_BELOW_BASE_M:g} m "
                f"below the DEM's lowest ground ({base:.1f} m), which a flood-prone site drains to; give "
                f"the depth below the ground in metres, not the water table's elevation"
            )
    return depth


# --------------------------------------------------------------------------- geometry
def _nearest(a: pd.DataFrame, b: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Index into ``b`` of the nearest point to each point of ``a`` (-1 if b is empty) and its distance (m)."""
    n = len(a)
    if len(b) == 0:
        return np.full(n, -1), np.full(n, np.inf)
    ax, ay = a["x"].to_numpy(float), a["y"].to_numpy(float)
    bx, by = b["x"].to_numpy(float), b["y"].to_numpy(float)
    idx, dist = np.empty(n, dtype=np.int64), np.empty(n)
    for start in range(0, n, 1024):  # bounded memory for large tables
        d = np.hypot(ax[start : start + 1024, None] - bx, ay[start : start + 1024, None] - by)
        idx[start : start + 1024] = d.argmin(axis=1)
        dist[start : start + 1024] = d.min(axis=1)
    return idx, dist


def _distances(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Every distance (m) from the points of ``a`` (rows) to those of ``b`` (columns)."""
    return np.hypot(
        a["x"].to_numpy(float)[:, None] - b["x"].to_numpy(float),
        a["y"].to_numpy(float)[:, None] - b["y"].to_numpy(float),
    )


def _ceil(value: float) -> float:
    return float(math.ceil(value - 1e-9))


# --------------------------------------------------------------------------- the plan
def site_wash(
    shelters: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    sources: pd.DataFrame | None = None,
    water_table: float | xr.DataArray | None = None,
    flood_depth: xr.DataArray | None = None,
    dem: xr.DataArray | None = None,
    rules: WashRules | None = None,
) -> WashPlan:
    """Check candidate water points and latrines against Sphere's siting rules.

    Each candidate is checked on its own: a latrine needs to be at least 30 m
    from every groundwater source, its pit bottom at least 1.5 m above the
    water table, and a shelter within 50 m; a water point needs a shelter within
    500 m; no point may stand in design-flood water deeper than 0.15 m (the
    numbers of ``rules``). Then each shelter is served by its nearest accepted
    water point and its nearest accepted female and male latrine (a lit one
    first), and the plan
    reports what each still lacks: a water point within 500 m, taps (at most
    250 people per tap, all the people its shelters hold), a lit female and a
    lit male latrine within 50 m, toilets (1 per 50 people in the acute phase,
    3:1 female:male). It keeps every acceptable candidate and optimises nothing.

    Parameters
    ----------
    shelters : pandas.DataFrame
        Indexed by id (or an ``id`` column): ``x``, ``y`` (m) and ``persons``
        (people sheltered; ``capacity_persons`` from
        :func:`drm.shelter.capacity` is used if there is no ``persons``).
    candidates : pandas.DataFrame
        Proposed points, indexed by id: ``x``, ``y`` (m), ``kind``
        (``"water_point"`` or ``"latrine"``). Water points may give ``taps``
        (default 1) and ``groundwater`` (True for a well or borehole: once
        accepted it is a source latrines keep away from). Latrines may give
        ``toilets`` (drop holes, default 1), ``sex`` (``"female"`` or
        ``"male"``) and ``lit`` (default False). An accepted latrine without a
        sex gets one: shelters in order of persons (most first) take the
        nearest such latrine within reach as female if they have no female
        latrine, the next as male if they have no male one; any left over are
        made female or male to bring the toilets towards the female share (3:1).
    sources : pandas.DataFrame, optional
        Groundwater sources (wells, springs, boreholes), indexed by id, with
        ``x``, ``y`` (m).
    water_table : float or xarray.DataArray, optional
        Depth to the water table below the ground (m, >= 0): one value for the
        site or a grid (dims ``y``, ``x`` in m) sampled at each latrine's cell.
        The pit bottom lies ``rules.pit_depth_m`` below the ground.
    flood_depth : xarray.DataArray, optional
        Maximum depth (m) of the design flood (the 100-year flood, climate
        uplift included); NaN cells are dry.
    dem : xarray.DataArray, optional
        Ground elevation (m); every shelter and candidate must lie on it, and
        the water table may not lie more than 50 m below its lowest ground.
    rules : WashRules, optional
        The rules; default :class:`WashRules` (Sphere 2018, acute phase).

    Returns
    -------
    WashPlan
        ``points``: each candidate, ``accepted`` and the ``reason`` it is not;
        ``shelters``: what each shelter has and lacks.

    Raises
    ------
    InputError
        A missing column, a row without coordinates, an unknown kind or sex,
        a shelter or candidate outside the DEM or a candidate outside the
        flood or water-table grid, a negative water-table depth, no value at a
        latrine, or one deeper than the DEM allows (see
        ``MAX_WATER_TABLE_DEPTH_M``, ``MAX_WATER_TABLE_BELOW_BASE_M``).

    Examples
    --------
    >>> shelters = pd.DataFrame({"x": [0.0], "y": [0.0], "persons": [600]}, index=["S1"])
    >>> cands = pd.DataFrame({"x": [120.0, 40.0, 0.0], "y": [0.0, 0.0, 30.0],
    ...                       "kind": ["water_point", "latrine", "latrine"], "taps": [2, None, None],
    ...                       "sex": [None, "female", "male"]}, index=["T1", "L1", "L2"])
    >>> wells = pd.DataFrame({"x": [69.0], "y": [0.0]}, index=["W1"])
    >>> plan = site_wash(shelters, cands, sources=wells, water_table=4.0)
    >>> plan.points.loc["L1", "reason"]
    '29.0 m from source W1, Sphere asks >= 30 m'
    >>> for item in plan.shelters.loc["S1", "missing"].split("; "):
    ...     print(item)
    1 more tap at T1 (600 persons on 2 taps, 300 per tap, Sphere asks <= 250)
    no female latrine within 50 m
    no lit male latrine within 50 m (add lighting at L2)
    2 more male toilets at L2 (3 needed for 600 persons)
    """
    rules = WashRules() if rules is None else rules
    sh = _shelters(shelters)
    cand = _candidates(candidates)
    src = (
        _points(sources, "sources", "x, y (wells, springs, boreholes)")
        if sources is not None
        else pd.DataFrame({"x": [], "y": []}, index=pd.Index([], name="id", dtype=str))
    )
    if dem is not None:
        check_sites(sh, dem, what="shelter", source="shelters")
        check_sites(cand, dem, what="candidate", source="candidates")
    is_lat = (cand["kind"] == "latrine").to_numpy()
    latrines = cand[is_lat]
    n = len(cand)
    unchecked: list[str] = []

    flood = np.full(n, np.nan)
    if flood_depth is not None:
        flood = np.nan_to_num(_at_points(flood_depth, "flood_depth", cand, "candidates"), nan=0.0)
    else:
        unchecked.append("flooding (no flood_depth given)")
    table_depth = np.full(n, np.nan)
    if water_table is not None:
        table_depth[is_lat] = _water_table(water_table, latrines, dem)
    elif is_lat.any():
        unchecked.append("pit clearance above the water table (no water_table given)")
    if sources is None:
        unchecked.append("distance of latrines to groundwater sources (no sources given)")
    if rules.persons_per_toilet is None:
        unchecked.append("people per toilet (rules.persons_per_toilet is None)")

    reasons: list[list[str]] = [[] for _ in range(n)]
    near_sh, sh_dist = _nearest(cand, sh)
    for i, depth in enumerate(flood):
        if depth > rules.max_flood_depth_m + _TOL:
            reasons[i].append(
                f"{depth:.2f} m deep in the design flood, above {rules.max_flood_depth_m:g} m"
            )
    for i in range(n):
        reach = rules.latrine_max_from_shelter_m if is_lat[i] else rules.water_point_max_m
        if sh_dist[i] > reach + _TOL:
            reasons[i].append(
                f"{sh_dist[i]:.1f} m from the nearest shelter {sh.index[near_sh[i]]}, Sphere asks <= {reach:g} m"
            )
    # water points first: accepted groundwater points become sources latrines must keep away from
    wp_ok = ~is_lat & np.array([not r for r in reasons], dtype=bool)
    wells = cand[wp_ok & cand["groundwater"].to_numpy()][["x", "y"]]
    all_src = pd.concat([src[["x", "y"]], wells]) if len(wells) else src[["x", "y"]]
    near_src, src_dist = _nearest(cand, all_src)
    clearance = table_depth - rules.pit_depth_m
    for i in np.flatnonzero(is_lat):
        if src_dist[i] < rules.latrine_min_from_source_m - _TOL:
            reasons[i].append(
                f"{src_dist[i]:.1f} m from source {all_src.index[near_src[i]]}, "
                f"Sphere asks >= {rules.latrine_min_from_source_m:g} m"
            )
        if np.isfinite(clearance[i]) and clearance[i] < rules.pit_clearance_m - _TOL:
            where = "above" if clearance[i] >= 0 else "below"
            reasons[i].append(
                f"pit bottom {abs(clearance[i]):.2f} m {where} the water table ({table_depth[i]:.2f} m deep, "
                f"pit {rules.pit_depth_m:g} m), Sphere asks >= {rules.pit_clearance_m:g} m above"
            )
    accepted = np.array([not r for r in reasons], dtype=bool)

    points = cand[["x", "y", "kind"]].copy()
    sex = cand["sex"].to_numpy(object).copy()
    assigned = _assign_sexes(sh, cand, sex, accepted & is_lat, rules)
    points["sex"] = sex
    points["sex_assigned"] = assigned
    points["lit"] = cand["lit"].to_numpy(bool)
    points["groundwater"] = cand["groundwater"].to_numpy(bool)
    points["taps"] = cand["taps"].to_numpy(float)
    points["toilets"] = cand["toilets"].to_numpy(float)
    points["accepted"] = accepted
    points["reason"] = ["; ".join(r) for r in reasons]
    has_src = len(all_src) > 0
    points["nearest_source"] = [all_src.index[k] if has_src else None for k in near_src]
    points["source_distance_m"] = src_dist if has_src else np.nan
    points["nearest_shelter"] = [sh.index[k] for k in near_sh]
    points["shelter_distance_m"] = sh_dist
    points["water_table_depth_m"] = table_depth
    points["pit_clearance_m"] = clearance
    points["flood_depth_m"] = flood
    points["served_persons"] = np.where(accepted, 0.0, np.nan)
    points["extra_taps"] = np.nan
    points["extra_toilets"] = np.nan

    table = _serve(sh, points, rules)
    return WashPlan(points, table, all_src.copy(), rules, tuple(unchecked))


def _assign_sexes(
    sh: pd.DataFrame, cand: pd.DataFrame, sex: np.ndarray, usable: np.ndarray, rules: WashRules
) -> np.ndarray:
    """Give the accepted latrines without a sex one (in ``sex``, in place); True where assigned."""
    assigned = np.zeros(len(cand), bool)
    free = usable & (sex == "")
    if not free.any():
        return assigned
    dist = _distances(sh, cand)
    reach = dist <= rules.latrine_max_from_shelter_m + _TOL
    order = sorted(range(len(sh)), key=lambda k: (-sh["persons"].iat[k], str(sh.index[k])))
    for k in order:
        for want in _SEXES:
            if (reach[k] & usable & (sex == want)).any():
                continue
            options = np.flatnonzero(reach[k] & free & ~assigned)
            if len(options):
                j = options[np.argmin(dist[k, options])]
                sex[j], assigned[j] = want, True
    toilets = cand["toilets"].to_numpy(float)
    for j in np.flatnonzero(free & ~assigned):
        f = toilets[usable & (sex == "female")].sum()
        m = toilets[usable & (sex == "male")].sum()
        share = (f + toilets[j]) / (f + m + toilets[j])
        sex[j] = "female" if share <= rules.female_toilet_share + 1e-9 else "male"
        assigned[j] = True
    return assigned


def _serve(sh: pd.DataFrame, points: pd.DataFrame, rules: WashRules) -> pd.DataFrame:
    """Serve each shelter from its nearest accepted points; fills the points' loads; the shelter table."""
    persons = sh["persons"].to_numpy(float)
    out = sh[["x", "y"]].copy()
    out["persons"] = persons
    missing: list[list[str]] = [[] for _ in range(len(sh))]

    taps_ok = points[(points["kind"] == "water_point") & points["accepted"]]
    k, dist = _nearest(sh, taps_ok)
    covered = dist <= rules.water_point_max_m + _TOL
    wp = np.array([taps_ok.index[j] if j >= 0 else None for j in k], dtype=object)
    load = pd.Series(persons[covered]).groupby(wp[covered]).sum()
    for pid, people in load.items():
        taps = points.at[pid, "taps"]
        points.at[pid, "served_persons"] = people
        points.at[pid, "extra_taps"] = max(0.0, _ceil(people / rules.persons_per_tap) - taps)
    points.loc[taps_ok.index, "extra_taps"] = points.loc[taps_ok.index, "extra_taps"].fillna(0.0)
    out["water_point"] = wp
    out["water_distance_m"] = dist
    out["water_covered"] = covered
    per_tap = np.full(len(sh), np.nan)
    extra_taps = np.full(len(sh), np.nan)
    for i in range(len(sh)):
        if not covered[i]:
            near = (
                f"nearest accepted: {wp[i]} at {dist[i]:.0f} m"
                if wp[i] is not None
                else "none accepted"
            )
            missing[i].append(f"no water point within {rules.water_point_max_m:g} m ({near})")
            continue
        p = points.loc[wp[i]]
        per_tap[i] = p["served_persons"] / p["taps"]
        extra_taps[i] = p["extra_taps"]
        if p["extra_taps"] > 0:
            extra = int(p["extra_taps"])
            missing[i].append(
                f"{extra} more tap{'s' if extra > 1 else ''} at {wp[i]} ({fmt_number(p['served_persons'])} "
                f"persons on {int(p['taps'])} tap{'s' if p['taps'] > 1 else ''}, {per_tap[i]:.0f} per tap, "
                f"Sphere asks <= {rules.persons_per_tap:g})"
            )
    out["persons_per_tap"] = per_tap
    out["extra_taps"] = extra_taps

    lat = points[(points["kind"] == "latrine") & points["accepted"]]
    dist = _distances(sh, lat)
    reach = dist <= rules.latrine_max_from_shelter_m + _TOL
    lit = lat["lit"].to_numpy(bool)
    ppt = rules.persons_per_toilet
    for want, share in (
        ("female", rules.female_toilet_share),
        ("male", 1.0 - rules.female_toilet_share),
    ):
        of = (lat["sex"] == want).to_numpy()
        near = reach & of
        out[f"{want}_latrines"] = near.sum(axis=1)
        out[f"{want}_lit"] = (near & lit).sum(axis=1)
        serving = np.full(len(sh), None, dtype=object)
        for i in range(len(sh)):
            options = np.flatnonzero(near[i])
            if len(options):  # the nearest lit one, else the nearest
                best = min(options, key=lambda j: (not lit[j], dist[i, j]))
                serving[i] = lat.index[best]
            if not len(options):
                missing[i].append(
                    f"no {want} latrine within {rules.latrine_max_from_shelter_m:g} m"
                )
            elif not (near[i] & lit).any():
                missing[i].append(
                    f"no lit {want} latrine within {rules.latrine_max_from_shelter_m:g} m "
                    f"(add lighting at {_ids(lat.index[options])})"
                )
        out[f"{want}_latrine"] = serving
        has = serving != None  # noqa: E711 - elementwise on an object array
        people = pd.Series(persons[has]).groupby(serving[has]).sum()
        extra_of = {}
        for lid, n in people.items():
            points.at[lid, "served_persons"] = n
            extra = (
                0.0 if ppt is None else max(0.0, _ceil(share * n / ppt) - points.at[lid, "toilets"])
            )
            points.at[lid, "extra_toilets"] = extra
            extra_of[lid] = extra
        extras = np.full(len(sh), np.nan)
        for i in np.flatnonzero(has):
            lid = serving[i]
            extras[i] = extra_of[lid]
            if extra_of[lid] > 0:
                need = int(points.at[lid, "toilets"] + extra_of[lid])
                missing[i].append(
                    f"{int(extra_of[lid])} more {want} toilet{'s' if extra_of[lid] > 1 else ''} at {lid} "
                    f"({need} needed for {fmt_number(points.at[lid, 'served_persons'])} persons)"
                )
        out[f"{want}_extra_toilets"] = extras
    points.loc[lat.index, "extra_toilets"] = points.loc[lat.index, "extra_toilets"].fillna(0.0)
    out["ok"] = [not m for m in missing]
    out["missing"] = ["; ".join(m) for m in missing]
    return out


#: Where :func:`wash_candidates` proposes points around a shelter: water points at these
#: distances (m), latrine blocks at these (m), each in eight directions.
WATER_POINT_RINGS_M = (20.0, 60.0)
LATRINE_RINGS_M = (20.0, 40.0)


def wash_candidates(
    shelters: pd.DataFrame, *, toilets_per_block: int = 5, rules: WashRules | None = None
) -> pd.DataFrame:
    """Candidate water points and latrine blocks around each shelter, to check with :func:`site_wash`.

    Around each shelter, in the eight compass directions: water points at
    ``WATER_POINT_RINGS_M`` (20 and 60 m) with taps for all its people on the
    first ring (``rules.persons_per_tap``, 250 in Sphere); latrine blocks at ``LATRINE_RINGS_M`` (20 and
    40 m, inside Sphere's 50 m), lit, alternately for women and men (women
    first), ``toilets_per_block`` drop holes each. Planners replace these with
    the spots they can build on; the rules then say which are acceptable.

    Parameters
    ----------
    shelters : pandas.DataFrame
        Indexed by id: ``x``, ``y`` (m) and ``persons`` (or ``capacity_persons``).
    toilets_per_block : int
        Drop holes per latrine block (count, >= 1).
    rules : WashRules, optional
        Where the persons per tap come from; default :class:`WashRules`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``<shelter>-W<k>`` / ``<shelter>-L<k>``: ``x``, ``y`` (m), ``kind``,
        ``taps``, ``toilets``, ``sex``, ``lit``, ``shelter`` (the shelter it was proposed for).

    Examples
    --------
    >>> c = wash_candidates(pd.DataFrame({"x": [0.0], "y": [0.0], "persons": [600]}, index=["C1"]))
    >>> c["kind"].value_counts().to_dict(), int(c.loc["C1-W1", "taps"]), c.loc["C1-L1", "sex"]
    ({'water_point': 16, 'latrine': 16}, 3, 'female')
    """
    sh = _shelters(shelters)
    if not isinstance(toilets_per_block, int | np.integer) or toilets_per_block < 1:
        raise InputError(f"toilets_per_block must be a whole number >= 1, got {toilets_per_block!r}")
    per_tap = (rules or WashRules()).persons_per_tap
    angles = np.deg2rad(np.arange(0.0, 360.0, 45.0))
    rows = []
    for sid, r in sh.iterrows():
        persons = float(r["persons"])
        k = 0
        for ring, radius in enumerate(WATER_POINT_RINGS_M):
            for a in angles:
                k += 1
                taps = max(1, int(np.ceil(persons / per_tap))) if ring == 0 else 1
                rows.append((f"{sid}-W{k}", r["x"] + radius * np.sin(a), r["y"] + radius * np.cos(a),
                             "water_point", taps, np.nan, None, False, sid))  # fmt: skip
        k = 0
        for radius in LATRINE_RINGS_M:
            for a in angles:
                k += 1
                sex = "female" if k % 2 else "male"
                rows.append((f"{sid}-L{k}", r["x"] + radius * np.sin(a), r["y"] + radius * np.cos(a),
                             "latrine", np.nan, toilets_per_block, sex, True, sid))  # fmt: skip
    cols = ["id", "x", "y", "kind", "taps", "toilets", "sex", "lit", "shelter"]
    return pd.DataFrame(rows, columns=cols).set_index("id")
