"""Who is in a crowd: shares of women, men, infants, older people and others.

Shelter needs differ by group: menstrual-hygiene kits go to women of
reproductive age, nappies to infants, step-free access matters to people with
disabilities. This module holds a small demographic profile (the share of the
population in each group, plus the mean household size) and splits a number of
people, or of households, into those groups. The exposure stage uses the same
profile to describe who is at risk; the shelter stage uses it to size needs.

Groups (the vocabulary used as ``basis`` in the shelter standards)
------------------------------------------------------------------
``person``, ``household``, ``female``, ``male``, ``infant_under_2``,
``child_under_5``, ``woman_15_49`` (women of reproductive age), ``older_60``,
``pregnant`` and ``disability``. The groups overlap on purpose: an infant girl
counts in ``female``, ``infant_under_2`` and ``child_under_5``.

One profile per zone
--------------------
:class:`ZoneProfiles` maps zone ids to profiles built from a census table
(:meth:`DemographicProfile.from_census_row`, :func:`drm.io.zones.read_census`);
people outside every zone of it get its default profile.

Default profile: Venezuela
--------------------------
Built by :meth:`DemographicProfile.from_age_table` from the CIA World Factbook
entry "Venezuela: People and Society", age structure (July 2014 estimates, US
Census Bureau International Data Base): persons by sex in the bands 0-14,
15-24, 25-54, 55-64 and 65+, and a crude birth rate of 19.42 per 1,000. The
finer groups are derived with stated approximations:

* ages are spread uniformly within each band (under 2 = 2/15 of 0-14,
  women 15-49 = women 15-24 plus 25/30 of women 25-54, 60+ = half of 55-64
  plus 65+);
* pregnant women at any moment = crude birth rate x 9/12 of the population
  (births in the coming nine months, pregnancy losses ignored);
* people with disabilities = 15 % of every group, the global estimate of the
  WHO & World Bank *World Report on Disability* (2011);
* household size 4.0 persons: an assumption (the figure the sample town uses
  for barrios); replace it with a census figure for the place you plan for.

Those choices give, for Venezuela: 50.6 % women, 3.8 % infants under 2, 9.4 %
children under 5, 26.1 % women aged 15-49, 9.7 % aged 60 and over, 1.5 %
pregnant, 15 % with a disability.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import pandas as pd

from drm.errors import InputError

__all__ = [
    "GROUPS",
    "DemographicProfile",
    "ZoneProfiles",
    "default_profile",
    "split_population",
]

#: Group names, in display order. ``person`` and ``household`` are the totals.
GROUPS = (
    "person",
    "household",
    "female",
    "male",
    "infant_under_2",
    "child_under_5",
    "woman_15_49",
    "older_60",
    "pregnant",
    "disability",
)
_SHARE_GROUPS = GROUPS[2:]

_FACTBOOK = (
    "CIA World Factbook, 'Venezuela: People and Society', age structure and birth rate "
    "(July 2014 estimates)"
)
#: Persons by sex and age band (first age, last age or None for open-ended): Venezuela,
#: CIA World Factbook, July 2014 estimates.
VENEZUELA_2014 = pd.DataFrame(
    [
        ("female", 0, 14, 3_985_489),
        ("male", 0, 14, 4_143_840),
        ("female", 15, 24, 2_697_672),
        ("male", 15, 24, 2_723_856),
        ("female", 25, 54, 5_818_903),
        ("male", 25, 54, 5_614_922),
        ("female", 55, 64, 1_137_894),
        ("male", 55, 64, 1_030_898),
        ("female", 65, None, 959_829),
        ("male", 65, None, 755_183),
    ],
    columns=["sex", "age_from", "age_to", "persons"],
)
#: Births per 1,000 people per year, Venezuela, CIA World Factbook (2014 est.).
VENEZUELA_CRUDE_BIRTH_RATE = 19.42
#: Share of people with a disability: WHO & World Bank, World Report on Disability (2011).
DISABILITY_SHARE = 0.15
#: Persons per household: an assumption (the sample town's barrio figure), not a census value.
ASSUMED_HOUSEHOLD_SIZE = 4.0


@dataclass(frozen=True)
class DemographicProfile:
    """Shares of a population in each group, and the mean household size.

    Parameters
    ----------
    name : str
        Short label, e.g. ``"venezuela-2014"``.
    shares : mapping of str to float
        Fraction (0-1) of all persons in each of ``female``, ``male``,
        ``infant_under_2``, ``child_under_5``, ``woman_15_49``, ``older_60``,
        ``pregnant`` and ``disability``. ``female + male`` must be 1.
    household_size : float
        Mean persons per household (> 0).
    sources : mapping of str to str, optional
        Where each number comes from, by group (and ``household_size``).

    Raises
    ------
    InputError
        A share is missing, outside 0-1, or inconsistent (women 15-49 more than
        all women, infants more than children under 5, pregnant women more than
        women 15-49, female + male not 1).

    Examples
    --------
    >>> p = DemographicProfile("flat", {"female": 0.5, "male": 0.5, "infant_under_2": 0.04,
    ...     "child_under_5": 0.1, "woman_15_49": 0.25, "older_60": 0.1, "pregnant": 0.015,
    ...     "disability": 0.15}, household_size=4.0)
    >>> round(p.shares["woman_15_49"] * 1000)
    250
    """

    name: str
    shares: Mapping[str, float]
    household_size: float
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [g for g in _SHARE_GROUPS if g not in self.shares]
        unknown = [g for g in self.shares if g not in _SHARE_GROUPS]
        if missing or unknown:
            raise InputError(
                f"demographic profile {self.name!r}: "
                + (f"missing shares for {missing}" if missing else f"unknown groups {unknown}")
                + f"; give a share (0-1 of all persons) for each of {list(_SHARE_GROUPS)}"
            )
        shares = {g: float(self.shares[g]) for g in _SHARE_GROUPS}
        for g, v in shares.items():
            if not (math.isfinite(v) and 0.0 <= v <= 1.0):
                raise InputError(f"demographic profile {self.name!r}: share of {g!r} is {v!r}; use 0-1")
        if abs(shares["female"] + shares["male"] - 1.0) > 1e-6:
            raise InputError(
                f"demographic profile {self.name!r}: female ({shares['female']:g}) + male "
                f"({shares['male']:g}) must add up to 1"
            )
        for small, big in (
            ("infant_under_2", "child_under_5"),
            ("woman_15_49", "female"),
            ("pregnant", "woman_15_49"),
        ):
            if shares[small] > shares[big] + 1e-12:
                raise InputError(
                    f"demographic profile {self.name!r}: share of {small!r} ({shares[small]:g}) exceeds "
                    f"that of {big!r} ({shares[big]:g}), which contains it"
                )
        size = float(self.household_size)
        if not (math.isfinite(size) and size > 0):
            raise InputError(
                f"demographic profile {self.name!r}: household_size must be > 0, got {self.household_size!r}"
            )
        object.__setattr__(self, "shares", MappingProxyType(shares))
        object.__setattr__(self, "household_size", size)
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    @classmethod
    def from_age_table(
        cls,
        table: pd.DataFrame,
        *,
        crude_birth_rate: float,
        name: str,
        disability_share: float = DISABILITY_SHARE,
        household_size: float = ASSUMED_HOUSEHOLD_SIZE,
        source: str = "",
    ) -> DemographicProfile:
        """Build a profile from persons by sex and age band.

        Ages are spread uniformly within each band; pregnant women are the
        births of the next nine months (``crude_birth_rate`` / 1000 x 9/12 of
        the population); the disability share applies to everyone.

        Parameters
        ----------
        table : pandas.DataFrame
            Columns ``sex`` ("female"/"male"), ``age_from`` (years),
            ``age_to`` (last year of age in the band, NaN/None when open-ended)
            and ``persons``.
        crude_birth_rate : float
            Births per 1,000 people per year.
        name : str
            Profile label.
        disability_share : float
            Fraction of people with a disability (default 0.15, WHO 2011).
        household_size : float
            Mean persons per household.
        source : str
            Citation of the table, stored for every derived share.

        Returns
        -------
        DemographicProfile

        Examples
        --------
        >>> t = pd.DataFrame({"sex": ["female"] * 4 + ["male"] * 4, "age_from": [0, 15, 50, 60] * 2,
        ...                   "age_to": [14, 49, 59, None] * 2, "persons": [20, 25, 3, 2] * 2})
        >>> p = DemographicProfile.from_age_table(t, crude_birth_rate=20.0, name="x")
        >>> p.shares["woman_15_49"], round(p.shares["child_under_5"], 4), p.shares["pregnant"]
        (0.25, 0.1333, 0.015)
        """
        need = {"sex", "age_from", "age_to", "persons"}
        if not need <= set(table.columns):
            raise InputError(f"age table needs columns {sorted(need)}, has {list(table.columns)}")
        sexes = set(table["sex"])
        if not sexes <= {"female", "male"}:
            raise InputError(f"age table: column 'sex' must hold 'female' or 'male', found {sorted(sexes)}")
        total = float(table["persons"].sum())
        if not total > 0 or (table["persons"] < 0).any():
            raise InputError("age table: 'persons' must be >= 0 and add up to more than 0")

        def persons(lo: float, hi: float, sex: str | None = None) -> float:
            """Persons aged lo to hi (inclusive, whole years), spread uniformly within bands."""
            out = 0.0
            for row in table.itertuples():
                if sex is not None and row.sex != sex:
                    continue
                a = float(row.age_from)
                b = math.inf if row.age_to is None or pd.isna(row.age_to) else float(row.age_to) + 1.0
                overlap = max(0.0, min(b, hi + 1.0) - max(a, lo))
                if overlap <= 0:
                    continue
                if math.isinf(b):  # an open-ended band counts whole, or not at all
                    if not (math.isinf(hi) and lo <= a):
                        raise InputError(
                            f"age table: cannot take ages {lo:g}-{hi:g} out of the open-ended band "
                            f"{a:g}+; give bands that end at or below {lo:g}"
                        )
                    out += row.persons
                else:
                    out += row.persons * overlap / (b - a)
            return out

        cbr = float(crude_birth_rate)
        if not (math.isfinite(cbr) and 0 <= cbr < 100):
            raise InputError(f"crude_birth_rate is births per 1,000 per year (0-100), got {crude_birth_rate!r}")
        shares = {
            "female": persons(0, math.inf, "female") / total,
            "male": persons(0, math.inf, "male") / total,
            "infant_under_2": persons(0, 1) / total,
            "child_under_5": persons(0, 4) / total,
            "woman_15_49": persons(15, 49, "female") / total,
            "older_60": persons(60, math.inf) / total,
            "pregnant": cbr / 1000.0 * 9.0 / 12.0,
            "disability": float(disability_share),
        }
        sources = dict.fromkeys(shares, source)
        sources["pregnant"] = f"{source}: crude birth rate {cbr:g} per 1,000 x 9/12"
        sources["disability"] = "WHO & World Bank, World Report on Disability (2011): about 15 %"
        sources["household_size"] = "assumption"
        return cls(name, shares, household_size, sources)

    @classmethod
    def from_census_row(
        cls,
        row: Mapping[str, float] | pd.Series,
        *,
        name: str,
        base: DemographicProfile | None = None,
        source: str = "census",
    ) -> DemographicProfile:
        """Build a profile from one zone's census shares, filling the gaps from ``base``.

        ``female`` and ``male`` are scaled to add up to 1 (one alone gives the
        other). A group the row lacks (absent or NaN) comes from ``base``,
        scaled where a census group contains it: infants under 2 as
        ``base``'s share of them among children under 5, women 15-49 as its
        share of them among women, pregnant women as its share of them among
        women 15-49.

        Parameters
        ----------
        row : mapping of str to float or pandas.Series
            Shares (fraction 0-1 of the zone's persons) by group of :data:`GROUPS`,
            as :func:`drm.io.zones.read_census` gives them, and optionally
            ``household_size`` (persons per household). Other keys are ignored.
        name : str
            Profile label, e.g. ``"zone 3 (La Loma)"``.
        base : DemographicProfile, optional
            Where missing groups come from; :func:`default_profile` when omitted.
        source : str
            Citation of the census, stored for every share it gives.

        Returns
        -------
        DemographicProfile

        Raises
        ------
        InputError
            Inconsistent shares (e.g. women 15-49 more than all women).

        Examples
        --------
        >>> p = DemographicProfile.from_census_row({"female": 0.6, "male": 0.4, "child_under_5": 0.1},
        ...                                        name="zone 1")
        >>> p.shares["female"], p.shares["child_under_5"], round(p.shares["infant_under_2"], 3)
        (0.6, 0.1, 0.04)
        """
        b = base if base is not None else default_profile()
        given = {g: float(row[g]) for g in (*_SHARE_GROUPS, "household_size") if g in row and pd.notna(row[g])}
        shares: dict[str, float] = {}
        sources: dict[str, str] = {}

        def take(group: str, fallback: float, how: str) -> None:
            census = group in given
            shares[group] = given[group] if census else fallback
            sources[group] = source if census else how

        female, male = given.get("female"), given.get("male")
        if female is None and male is None:
            female, male = b.shares["female"], b.shares["male"]
            sources["female"] = sources["male"] = b.sources.get("female", b.name)
        else:
            female = 1.0 - male if female is None else female  # type: ignore[operator]
            male = 1.0 - female if male is None else male
            sources["female"] = sources["male"] = source
        total = female + male
        shares["female"], shares["male"] = (female / total, male / total) if total > 0 else (0.5, 0.5)
        for group in ("child_under_5", "older_60", "disability"):
            take(group, b.shares[group], b.sources.get(group, b.name))
        ratios = (
            ("infant_under_2", "child_under_5"),
            ("woman_15_49", "female"),
            ("pregnant", "woman_15_49"),
        )
        for small, big in ratios:
            ratio = b.shares[small] / b.shares[big] if b.shares[big] > 0 else 0.0
            take(small, ratio * shares[big], f"{b.name}: {ratio:.3g} of {big}")
        size = given.get("household_size", b.household_size)
        sources["household_size"] = source if "household_size" in given else b.sources.get(
            "household_size", b.name
        )
        return cls(name, shares, size, sources)

    def table(self) -> pd.DataFrame:
        """Shares and their sources as a DataFrame (one row per group).

        Examples
        --------
        >>> "woman_15_49" in default_profile().table().index
        True
        """
        rows = [(g, self.shares[g], self.sources.get(g, "")) for g in _SHARE_GROUPS]
        rows.append(("household_size", self.household_size, self.sources.get("household_size", "")))
        return pd.DataFrame(rows, columns=["group", "value", "source"]).set_index("group")

    def __repr__(self) -> str:
        parts = ", ".join(f"{g} {self.shares[g]:.1%}" for g in _SHARE_GROUPS)
        return f"DemographicProfile({self.name!r}: {parts}; {self.household_size:g} persons/household)"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(g))}</th><td>{v:.4g}</td>"
            f"<td style='text-align:left'>{html.escape(str(s))}</td></tr>"
            for g, v, s in self.table().itertuples()
        )
        return f"<b>DemographicProfile {html.escape(self.name)}</b><table>{rows}</table>"


@cache
def default_profile() -> DemographicProfile:
    """The default profile: Venezuela, CIA World Factbook July 2014 estimates (see module notes).

    Returns
    -------
    DemographicProfile

    Examples
    --------
    >>> p = default_profile()
    >>> p.name, round(p.shares["female"], 3), round(p.shares["child_under_5"], 3)
    ('venezuela-2014', 0.506, 0.094)
    """
    return DemographicProfile.from_age_table(
        VENEZUELA_2014,
        crude_birth_rate=VENEZUELA_CRUDE_BIRTH_RATE,
        name="venezuela-2014",
        source=_FACTBOOK,
    )


@dataclass(frozen=True, eq=False)
class ZoneProfiles(Mapping[int, DemographicProfile]):
    """One demographic profile per zone, and the default for people outside every listed zone.

    A read-only mapping of zone id to :class:`DemographicProfile`;
    :meth:`for_zone` gives a zone's own profile or the default. Pass it as
    ``profile=`` to :func:`drm.exposure.people_at_risk` so that
    :meth:`~drm.exposure.ExposureResult.demographics` splits each zone's
    people by that zone's shares.

    Parameters
    ----------
    profiles : mapping of int to DemographicProfile
        Profile by zone id.
    default : DemographicProfile, optional
        For zones without one (and zone 0, outside every zone);
        :func:`default_profile` when omitted.

    Examples
    --------
    >>> zp = ZoneProfiles({3: DemographicProfile.from_census_row({"female": 0.6}, name="zone 3")})
    >>> zp.for_zone(3).shares["female"], zp.for_zone(7).name, len(zp)
    (0.6, 'venezuela-2014', 1)
    """

    profiles: Mapping[int, DemographicProfile]
    default: DemographicProfile | None = None

    def __post_init__(self) -> None:
        profiles = {}
        for zone, p in dict(self.profiles).items():
            if not isinstance(p, DemographicProfile):
                raise InputError(f"zone profiles: zone {zone!r} has a {type(p).__name__}, not a DemographicProfile")
            if isinstance(zone, bool) or not isinstance(zone, numbers.Integral):
                raise InputError(f"zone profiles: zone ids are whole numbers, got {zone!r}")
            profiles[int(zone)] = p
        if self.default is not None and not isinstance(self.default, DemographicProfile):
            raise InputError("zone profiles: default must be a DemographicProfile")
        object.__setattr__(self, "profiles", MappingProxyType(profiles))
        object.__setattr__(self, "default", self.default or default_profile())

    @classmethod
    def from_census(
        cls,
        census: pd.DataFrame,
        *,
        default: DemographicProfile | None = None,
        source: str = "census",
    ) -> ZoneProfiles:
        """One profile per census row (see :meth:`DemographicProfile.from_census_row`).

        Parameters
        ----------
        census : pandas.DataFrame
            Shares by group (fraction 0-1), indexed by zone id, as
            :func:`drm.io.zones.read_census` returns them (``name`` used in labels).
        default : DemographicProfile, optional
            Fills the groups a row lacks, and serves zones without a row.
        source : str
            Citation of the census.

        Returns
        -------
        ZoneProfiles

        Raises
        ------
        InputError
            A row whose shares are inconsistent (the message names the zone).

        Examples
        --------
        >>> census = pd.DataFrame({"female": [0.52, 0.5], "older_60": [0.15, 0.07]},
        ...                       index=pd.Index([1, 2], name="zone"))
        >>> zp = ZoneProfiles.from_census(census)
        >>> zp[1].shares["older_60"], zp[2].shares["male"]
        (0.15, 0.5)
        """
        out = {}
        for zone, row in census.iterrows():
            label = f"zone {zone}" + (f" ({row['name']})" if row.get("name") else "")
            try:
                out[int(zone)] = DemographicProfile.from_census_row(row, name=label, base=default, source=source)
            except InputError as err:
                raise InputError(f"census {label}: {err}") from None
        return cls(out, default)

    def for_zone(self, zone: int) -> DemographicProfile:
        """The profile of ``zone`` (an id), or the default when it has none."""
        return self.profiles.get(int(zone), self.default)  # type: ignore[return-value]

    def __getitem__(self, zone: int) -> DemographicProfile:
        return self.profiles[zone]

    def __iter__(self) -> Iterator[int]:
        return iter(self.profiles)

    def __len__(self) -> int:
        return len(self.profiles)

    def table(self) -> pd.DataFrame:
        """Shares (0-1) and household size (persons) per zone, one row per zone.

        Examples
        --------
        >>> ZoneProfiles({}).table().shape
        (0, 9)
        """
        rows = {z: {**p.shares, "household_size": p.household_size} for z, p in self.profiles.items()}
        cols = [*_SHARE_GROUPS, "household_size"]
        return pd.DataFrame.from_dict(rows, orient="index", columns=cols).rename_axis("zone")

    def __repr__(self) -> str:
        return f"ZoneProfiles({len(self)} zones; default {self.default.name!r})"  # type: ignore[union-attr]

    def _repr_html_(self) -> str:
        return f"<b>{html.escape(repr(self))}</b>" + self.table().to_html(float_format="{:.3f}".format)


def split_population(
    people: float | None = None,
    *,
    households: float | None = None,
    profile: DemographicProfile | None = None,
) -> pd.Series:
    """Split a number of people, or of households, into groups.

    Parameters
    ----------
    people : float, optional
        Number of persons (>= 0).
    households : float, optional
        Number of households (>= 0). Alone, it gives ``people`` = households x
        household size; with ``people`` it is kept as given.
    profile : DemographicProfile, optional
        Shares to apply; :func:`default_profile` when omitted.

    Returns
    -------
    pandas.Series
        Expected persons in each group of :data:`GROUPS` (``household`` counts
        households), as floats: the groups overlap, so they do not add up.

    Raises
    ------
    InputError
        Neither count given, or a count is negative or not finite.

    Examples
    --------
    >>> s = split_population(1000)
    >>> round(s["female"]), round(s["woman_15_49"]), float(s["household"])
    (506, 261, 250.0)
    """
    p = profile if profile is not None else default_profile()
    if not isinstance(p, DemographicProfile):
        raise InputError(
            f"split_population needs one DemographicProfile, got a {type(p).__name__}; for one profile "
            "per zone split each zone's people by ZoneProfiles.for_zone(zone)"
        )
    if people is None and households is None:
        raise InputError("split_population needs people=... or households=...")
    for label, value in (("people", people), ("households", households)):
        if value is not None and not (_is_number(value) and math.isfinite(value) and value >= 0):
            raise InputError(f"split_population: {label} must be a finite number >= 0, got {value!r}")
    persons = float(people) if people is not None else float(households) * p.household_size  # type: ignore[arg-type]
    hh = float(households) if households is not None else persons / p.household_size
    values = {"person": persons, "household": hh}
    values.update({g: persons * p.shares[g] for g in _SHARE_GROUPS})
    return pd.Series(values, name="persons").reindex(list(GROUPS))


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
