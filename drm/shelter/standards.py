"""Minimum standards as data: per-person rates with their source and edition.

MEND (CCCM Cluster 2014) gives the evacuation process; the numbers come from
the Sphere Handbook (2018) and national guidance. Every number lives in a table
under ``drm/shelter/data/`` with the document, edition and clause it comes
from, so a planner can check each one and swap in local rules.

A rate says how much of ``unit`` a ``basis`` needs per ``frequency``:

======== =============================================================
kind     meaning
======== =============================================================
consumable  a stock item handed out or used up (water, rations, kits)
requirement a target that is not a stock item (2,100 kcal per day)
facility    infrastructure counted for the people present at once
            (toilets, taps, showers); ``female_share`` splits it by sex
space       covered floor area for the people present at once (m²)
======== =============================================================

``basis`` is a group of :mod:`drm.demographics` (``person``, ``household``,
``woman_15_49``, ...). ``frequency`` is ``once`` (on arrival), ``concurrent``
(facilities and space), ``day``, ``week``, ``month`` (365.25/12 days),
``quarter`` (3 months) or a duration such as ``"10d"``. ``phase`` is ``all``,
``acute`` (first phase of a rapid-onset crisis) or ``stabilised``
(medium term). A rate may be written as a fraction, ``1/50``.

Built-in profiles (:func:`list_standards`): ``sphere-2018`` (default),
``sphere-2018-transit-overnight``, ``sphere-2018-transit-day``,
``philippines-2013`` and ``bnpb-2008``. Extend or override any of them from a
CSV or TOML file with :func:`load_standard`.
"""

from __future__ import annotations

import html
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drm.demographics import GROUPS
from drm.errors import InputError
from drm.io._files import file_format, resolve_input
from drm.io.tables import Column, read_table
from drm.units import DAY, parse_duration

__all__ = [
    "FREQUENCIES",
    "KINDS",
    "PHASES",
    "Standard",
    "list_standards",
    "load_standard",
]

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_STANDARD = "sphere-2018"
KINDS = ("consumable", "requirement", "facility", "space")
PHASES = ("all", "acute", "stabilised")
_MONTH_S = 365.25 / 12 * DAY
#: Period in seconds of each frequency keyword (None: not a periodic rate).
FREQUENCIES: dict[str, float | None] = {
    "once": None,
    "concurrent": None,
    "day": DAY,
    "week": 7 * DAY,
    "month": _MONTH_S,
    "quarter": 3 * _MONTH_S,
}
_COLUMNS = [
    "item", "category", "kind", "unit", "rate", "basis", "frequency", "phase",
    "female_share", "source", "edition", "note",
]  # fmt: skip
_CSV_SCHEMA = [
    Column("item", "str", doc="item name, e.g. water_l"),
    Column("kind", "str", doc="consumable, requirement, facility or space"),
    Column("unit", "str", doc="unit of the rate, e.g. L"),
    Column("rate", "str", doc="amount per basis per frequency, e.g. 15 or 1/50"),
    Column("basis", "str", doc="person, household, woman_15_49, ..."),
    Column("frequency", "str", doc="once, concurrent, day, week, month, quarter or '10d'"),
]
_ITEM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, eq=False)
class Standard:
    """A set of minimum-standard rates, checked on construction.

    Parameters
    ----------
    name : str
        Profile name, e.g. ``"sphere-2018"``.
    title : str
        One-line description.
    rates : pandas.DataFrame
        One row per item and phase: ``item, category, kind, unit, rate,
        basis, frequency, phase, female_share, source, edition, note``.
        ``rate`` may hold fractions written ``"1/50"``.
    catalogue : pandas.DataFrame
        Stock items, indexed by ``item``: ``unit``, ``mass_kg`` (per unit),
        ``description``, ``source``.

    Attributes
    ----------
    rates : pandas.DataFrame
        As given, with ``rate`` as float and an added ``period_s`` column
        (seconds per frequency period; NaN for ``once`` and ``concurrent``).

    Raises
    ------
    InputError
        A bad kind, basis, frequency, phase or rate; an item listed twice for a
        phase; a consumable that is missing from the catalogue or whose unit
        differs from the catalogue's.

    Examples
    --------
    >>> s = load_standard("sphere-2018")
    >>> float(s.rate("water_l")["rate"]), float(s.rate("toilet", phase="stabilised")["rate"])
    (15.0, 0.05)
    """

    name: str
    title: str
    rates: pd.DataFrame
    catalogue: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", _check_rates(self.rates, self.name, self.catalogue))
        object.__setattr__(self, "catalogue", self.catalogue.copy())

    @property
    def items(self) -> tuple[str, ...]:
        """Every item the standard rates, in table order."""
        return tuple(dict.fromkeys(self.rates["item"]))

    def table(self, phase: str = "acute") -> pd.DataFrame:
        """The rates that apply in ``phase``, one row per item (indexed by item).

        Parameters
        ----------
        phase : {"acute", "stabilised"}
            Rows marked ``all`` apply in both.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> float(load_standard().table("acute").loc["toilet", "rate"])
        0.02
        """
        if phase not in PHASES[1:]:
            raise InputError(f"phase must be 'acute' or 'stabilised', got {phase!r}")
        keep = self.rates["phase"].isin(["all", phase])
        return self.rates[keep].set_index("item")

    def rate(self, item: str, phase: str = "acute") -> pd.Series:
        """The rate row of ``item`` in ``phase``.

        Raises
        ------
        InputError
            If the standard has no rate for ``item``, naming the items it has.

        Examples
        --------
        >>> r = load_standard("bnpb-2008").rate("rice_kg")
        >>> float(r["rate"]), r["unit"], r["frequency"]
        (2.8, 'kg', 'week')
        """
        table = self.table(phase)
        if item not in table.index:
            raise InputError(
                f"standard {self.name!r} has no rate for item {item!r}; it rates {', '.join(self.items)}. "
                "Add one with load_standard(..., overrides=...)"
            )
        return table.loc[item]

    def mass_kg(self, item: str) -> float:
        """Mass of one unit of a stock item (kg), from the catalogue.

        Examples
        --------
        >>> load_standard().mass_kg("water_l")
        1.0
        """
        if item not in self.catalogue.index:
            raise InputError(
                f"item {item!r} is not in the item catalogue of standard {self.name!r}; known items: "
                f"{', '.join(self.catalogue.index)}. Add it with a mass_kg column in an overrides file"
            )
        return float(self.catalogue.loc[item, "mass_kg"])

    def __repr__(self) -> str:
        lines = [f"Standard {self.name!r}: {self.title}"]
        for r in self.rates.itertuples():
            phase = "" if r.phase == "all" else f" [{r.phase}]"
            when = {"concurrent": "present", "once": "on arrival"}.get(r.frequency, f"per {r.frequency}")
            lines.append(f"  {r.item:<22} {_fmt_rate(r.rate)} {r.unit} per {r.basis} {when}{phase}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cols = ["item", "kind", "rate", "unit", "basis", "frequency", "phase", "source", "edition"]
        body = self.rates[cols].to_html(index=False, float_format=_fmt_rate)
        return f"<b>Standard {html.escape(self.name)}</b>: {html.escape(self.title)}{body}"


def _fmt_rate(value: float) -> str:
    if value > 0 and value < 1 and abs(1 / value - round(1 / value)) < 1e-9:
        return f"1/{round(1 / value)}"
    return f"{value:g}"


def _parse_rate(value: Any, where: str) -> float:
    text = str(value).strip()
    try:
        if "/" in text:
            num, den = text.split("/")
            out = float(num) / float(den)
        else:
            out = float(text)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{where}: rate {value!r} is not a number or a fraction like 1/50") from None
    if not np.isfinite(out) or out < 0:
        raise InputError(f"{where}: rate must be finite and >= 0, got {value!r}")
    return out


def _period_s(freq: str, where: str) -> float:
    if freq in FREQUENCIES:
        period = FREQUENCIES[freq]
        return float("nan") if period is None else period
    seconds = parse_duration(freq, f"{where}: frequency")
    if seconds <= 0:
        raise InputError(f"{where}: frequency {freq!r} must be a positive duration")
    return seconds


def _check_rates(rates: pd.DataFrame, name: str, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Validate and normalise a rates table (see :class:`Standard`)."""
    where = f"standard {name!r}"
    missing = [c.name for c in _CSV_SCHEMA if c.name not in rates.columns]
    if missing:
        raise InputError(f"{where}: rates table is missing columns {missing}")
    df = rates.copy().reset_index(drop=True)
    for col, default in (
        ("category", "other"), ("phase", "all"), ("female_share", np.nan),
        ("source", ""), ("edition", ""), ("note", ""),
    ):  # fmt: skip
        if col not in df.columns:
            df[col] = default
        elif col != "female_share":
            df[col] = df[col].fillna(default).astype(str).str.strip()
    for col in ("item", "kind", "unit", "basis", "frequency"):
        df[col] = df[col].astype(str).str.strip()
    rows = []
    for k, r in df.iterrows():
        at = f"{where}, item {r['item']!r} (row {k + 1})"
        if not _ITEM_NAME.match(r["item"]):
            raise InputError(f"{at}: item names are lower case letters, digits and '_', e.g. water_l")
        if r["kind"] not in KINDS:
            raise InputError(f"{at}: kind {r['kind']!r} is not one of {', '.join(KINDS)}")
        if r["basis"] not in GROUPS:
            raise InputError(f"{at}: basis {r['basis']!r} is not one of {', '.join(GROUPS)}")
        if r["phase"] not in PHASES:
            raise InputError(f"{at}: phase {r['phase']!r} is not one of {', '.join(PHASES)}")
        concurrent = r["kind"] in ("facility", "space")
        if concurrent != (r["frequency"] == "concurrent"):
            raise InputError(
                f"{at}: {r['kind']} rates need frequency "
                + ("'concurrent'" if concurrent else "once, day, week, month, quarter or a duration")
            )
        share = pd.to_numeric(pd.Series([r["female_share"]]), errors="coerce").iloc[0]
        if pd.notna(share) and (r["kind"] != "facility" or not 0 <= share <= 1):
            raise InputError(f"{at}: female_share must be within 0-1 and only on facilities, got {share!r}")
        if r["kind"] == "consumable":
            if r["item"] not in catalogue.index:
                raise InputError(
                    f"{at}: consumable item is not in the item catalogue; add a mass_kg column (kg per unit) "
                    "to your rates file so it can be stocked and trucked"
                )
            cat_unit = str(catalogue.loc[r["item"], "unit"])
            if cat_unit.lower() != r["unit"].lower():
                raise InputError(f"{at}: unit {r['unit']!r} differs from the catalogue unit {cat_unit!r}")
        rows.append((_parse_rate(r["rate"], at), _period_s(r["frequency"], at), share))
    parsed = np.array(rows, dtype=float).reshape(-1, 3)
    df["rate"], df["period_s"], df["female_share"] = parsed[:, 0], parsed[:, 1], parsed[:, 2]
    dup = df.duplicated(["item", "phase"])
    if dup.any():
        raise InputError(f"{where}: item {df.loc[dup, 'item'].iloc[0]!r} is listed twice for one phase")
    for item, phases in df.groupby("item")["phase"]:
        if "all" in set(phases) and len(phases) > 1:
            raise InputError(f"{where}: item {item!r} has a rate for phase 'all' and for a single phase")
    return df[[*_COLUMNS, "period_s"]]


def _builtin_profiles() -> dict[str, dict[str, Any]]:
    with open(DATA / "profiles.toml", "rb") as fh:
        return tomllib.load(fh)


def list_standards() -> pd.DataFrame:
    """The built-in standard profiles.

    Returns
    -------
    pandas.DataFrame
        Indexed by name: ``title``, ``extends``, ``file``.

    Examples
    --------
    >>> "sphere-2018" in list_standards().index
    True
    """
    profiles = _builtin_profiles()
    rows = [(n, p["title"], p.get("extends", ""), p["file"]) for n, p in profiles.items()]
    return pd.DataFrame(rows, columns=["name", "title", "extends", "file"]).set_index("name")


def _catalogue() -> pd.DataFrame:
    df = read_table(
        DATA / "items.csv",
        [Column("item", "str"), Column("unit", "str"), Column("mass_kg", minimum=0.0)],
        what="item catalogue",
        index="item",
    )
    df.attrs = {}
    return df


def _read_rates_csv(path: Path) -> pd.DataFrame:
    schema = [
        *_CSV_SCHEMA,
        *(Column(c, "str", required=False) for c in _COLUMNS if c not in {s.name for s in _CSV_SCHEMA}),
        Column("mass_kg", required=False, minimum=0.0, doc="kg per unit, for new stock items"),
    ]
    df = read_table(path, schema, what="standard rates")
    df.attrs = {}
    return df.astype({c: object for c in df.columns if c != "mass_kg"})


def _merge(base: pd.DataFrame, new: pd.DataFrame, exclude: list[str]) -> pd.DataFrame:
    """Base rows less ``exclude``; an item that ``new`` lists takes the place of all its base rows."""
    parts, done = [], set()
    for item in dict.fromkeys(base["item"]):
        if item in exclude:
            continue
        source = new if item in set(new["item"]) else base
        parts.append(source[source["item"] == item])
        done.add(item)
    parts.append(new[~new["item"].isin(done)])
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _extend_catalogue(catalogue: pd.DataFrame, rows: pd.DataFrame, origin: str) -> pd.DataFrame:
    if "mass_kg" not in rows.columns:
        return catalogue
    given = rows[rows["mass_kg"].notna()]
    if given.empty:
        return catalogue
    add = pd.DataFrame(
        {
            "unit": given["unit"].to_numpy(),
            "mass_kg": given["mass_kg"].astype(float).to_numpy(),
            "description": given["item"].to_numpy(),
            "source": f"mass from {origin}",
        },
        index=pd.Index(given["item"], name="item"),
    )
    add = add[~add.index.duplicated(keep="last")]
    return pd.concat([catalogue.drop(add.index, errors="ignore"), add])


def _load_toml(path: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: cannot parse standard TOML ({err})") from None
    rows = doc.get("rate", [])
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{path}: a standard TOML needs [[rate]] tables (item, kind, unit, rate, basis, frequency)")
    return doc, pd.DataFrame(rows)


def load_standard(
    standard: str | os.PathLike[str] | Standard = DEFAULT_STANDARD,
    *,
    base: str | Standard | None = None,
    overrides: str | os.PathLike[str] | pd.DataFrame | None = None,
) -> Standard:
    """Load a built-in profile or a standard file, optionally with overrides.

    Parameters
    ----------
    standard : str, path or Standard
        A built-in name (see :func:`list_standards`), a CSV file of rates, a
        TOML file (keys ``name``, ``title``, optional ``extends`` and
        ``exclude``, and ``[[rate]]`` tables), or a Standard.
    base : str or Standard, optional
        Profile a CSV file extends (its rows win item by item).
    overrides : path or pandas.DataFrame, optional
        Rates that replace, item by item, those of ``standard`` (every phase
        of a listed item) or add new items. A ``mass_kg`` column adds new stock
        items to the catalogue.

    Returns
    -------
    Standard

    Raises
    ------
    DataNotFoundError
        A file that does not exist.
    InputError
        An unknown built-in name, a bad file, or bad rates.

    Examples
    --------
    >>> import pandas as pd
    >>> extra = pd.DataFrame({"item": ["water_l"], "kind": ["consumable"], "unit": ["L"],
    ...     "rate": [20], "basis": ["person"], "frequency": ["day"], "source": ["local rule"]})
    >>> float(load_standard("sphere-2018", overrides=extra).rate("water_l")["rate"])
    20.0
    """
    if isinstance(standard, Standard):
        std = standard
    elif isinstance(standard, str) and standard in _builtin_profiles():
        std = _load_builtin(standard)
    elif isinstance(standard, (str, os.PathLike)) and Path(standard).suffix.lower() in (".csv", ".toml"):
        std = _load_file(resolve_input(standard, "standard"), base)
    else:
        raise InputError(
            f"unknown standard {standard!r}; use one of {', '.join(_builtin_profiles())} "
            "or the path of a .csv or .toml rates file"
        )
    if overrides is None:
        return std
    if isinstance(overrides, pd.DataFrame):
        rows, origin = overrides.copy(), "overrides table"
    else:
        path = resolve_input(overrides, "standard overrides")
        origin = path.name
        is_toml = file_format(path, ("csv", "toml"), "overrides") == "toml"
        rows = _load_toml(path)[1] if is_toml else _read_rates_csv(path)
    rows = _with_source(rows, origin)
    catalogue = _extend_catalogue(std.catalogue, rows, origin)
    merged = _merge(std.rates.drop(columns="period_s"), rows.drop(columns="mass_kg", errors="ignore"), [])
    return Standard(f"{std.name}+{Path(origin).stem}", std.title + f" (with {origin})", merged, catalogue)


def _with_source(rows: pd.DataFrame, origin: str) -> pd.DataFrame:
    rows = rows.copy()
    if "source" not in rows.columns:
        rows["source"] = origin
    rows["source"] = rows["source"].fillna(origin)
    return rows


def _load_builtin(name: str) -> Standard:
    profile = _builtin_profiles()[name]
    rows = _read_rates_csv(DATA / profile["file"])
    catalogue = _catalogue()
    if "extends" in profile:
        parent = _load_builtin(profile["extends"])
        rows = _merge(parent.rates.drop(columns="period_s"), rows, list(profile.get("exclude", [])))
    return Standard(name, profile["title"], rows.drop(columns="mass_kg", errors="ignore"), catalogue)


def _load_file(path: Path, base: str | Standard | None) -> Standard:
    if path.suffix.lower() == ".toml":
        doc, rows = _load_toml(path)
        parent_ref = doc.get("extends", base)
        exclude = list(doc.get("exclude", []))
        name, title = str(doc.get("name", path.stem)), str(doc.get("title", path.name))
    else:
        rows, parent_ref, exclude = _read_rates_csv(path), base, []
        name, title = path.stem, path.name
    rows = _with_source(rows, path.name)
    if parent_ref is None:
        catalogue = _extend_catalogue(_catalogue(), rows, path.name)
        return Standard(name, title, rows.drop(columns="mass_kg", errors="ignore"), catalogue)
    if isinstance(parent_ref, str) and parent_ref not in _builtin_profiles():
        parent_ref = path.parent / parent_ref  # a file next to this one
    parent = load_standard(parent_ref)
    catalogue = _extend_catalogue(parent.catalogue, rows, path.name)
    merged = _merge(parent.rates.drop(columns="period_s"), rows.drop(columns="mass_kg", errors="ignore"), exclude)
    return Standard(name, title, merged, catalogue)


def as_standard(standard: str | os.PathLike[str] | Standard) -> Standard:
    """Return ``standard`` as a :class:`Standard` (a name or path is loaded).

    Examples
    --------
    >>> as_standard("bnpb-2008").name
    'bnpb-2008'
    """
    return standard if isinstance(standard, Standard) else load_standard(standard)
