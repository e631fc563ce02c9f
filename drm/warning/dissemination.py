r"""Dissemination, the last mile: who gets the evacuation order, through which channel, and when.

An order is only as good as the share of people it reaches before the water does. This
module holds a catalogue of warning channels (siren, SMS or cell broadcast, community
radio, loudspeaker car, church bells, door-to-door brigades, WhatsApp groups), each with

* a **reach** ``r``: the share of a zone's people within its range (or subscribed to it)
  who get it, which may differ by zone kind (``"informal"``, ``"formal"``... as in the
  sample town's ``neighbourhoods.csv``) or by zone id;
* a **delay** distribution ``F(τ)`` after the order, one of the curves of
  :mod:`drm.evacuation.departure` (:class:`~drm.evacuation.Rayleigh`,
  :class:`~drm.evacuation.Uniform`, :class:`~drm.evacuation.Fixed`...), or for
  door-to-door a rate in households per hour, so that the time to visit a zone grows
  with its households;
* a **coverage** of three kinds of people: with disabling hearing loss (sirens, radio and
  bells: 0; text: 1), with a vision impairment (text: partly; sound: 1) and without a
  mobile phone (SMS and WhatsApp: 0; door-to-door: 1).

Every default carries its ``source``: a published figure, or ``assumption`` with what to
replace it by (:func:`channel_catalogue`, :func:`group_traits`).

Model
-----
A person of zone ``z`` with hearing loss ``H``, vision impairment ``V`` and no phone ``P``
(each 0 or 1) is reached by channel ``c`` with the coverage
``k_c(H, V, P) = hearing_c^H · visual_c^V · no_phone_c^P``. Channels act independently,
so the share informed by ``t`` (at least one channel reached them) is

.. math::

    I_{z}(t \mid H, V, P) = 1 - \prod_c \left(1 - r_{c,z}\, k_c(H, V, P)\,
        F_{c,z}(t - t_0)\right)

with ``t₀`` the order time, and the share of a group ``g`` whose members have hearing
loss, a vision impairment and no phone with the independent shares ``h_g``, ``v_g``,
``p_g`` (:func:`group_traits`) is the average over the eight kinds of people,

.. math::

    I_{z,g}(t) = \sum_{H,V,P \in \{0,1\}} h_g^H (1-h_g)^{1-H}\, v_g^V (1-v_g)^{1-V}\,
        p_g^P (1-p_g)^{1-P}\; I_z(t \mid H, V, P).

For a group of one kind (all deaf, say) this is the product formula itself. The whole
population (``person``), women and men mix the ``under_60`` and ``older_60`` traits by the
zone's share of people aged 60 and over (:class:`~drm.demographics.DemographicProfile`);
no sex-specific figures are used, so ``female`` and ``male`` equal ``person``.

Feeding the evacuation
----------------------
:func:`reception_times` draws, for each household, the time it is informed from its
zone's curve (the ``person`` curve by default), and
``drm.evacuation.sample_departures(..., reception=...)`` uses these times instead of
drawing reception from the model's channels; :func:`departure_channels` turns a zone's
curve (or the town's) into the one :class:`~drm.evacuation.Channel` a
:class:`~drm.evacuation.DepartureModel` needs for its expected curves. Between the times
of the grid the curve is taken as linear, so choose ``step`` finer than the delays'
spread. A household is informed with the probability that one of its people is: the
share of households informed is the share of people informed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm.demographics import DemographicProfile, ZoneProfiles, default_profile
from drm.errors import InputError
from drm.evacuation.departure import Channel, Empirical, Fixed, Rayleigh, Uniform, _Curve
from drm.units import format_duration, parse_duration

__all__ = [
    "CATALOGUE",
    "DisseminationChannel",
    "catalogue_channel",
    "channel_catalogue",
    "departure_channels",
    "group_traits",
    "informed_share",
    "reception_times",
]

#: Columns of a traits table: shares (0-1) of a group's people in each condition.
TRAITS = ("hearing_impaired", "visually_impaired", "without_phone")
#: The coverage fields of a channel, in the order of :data:`TRAITS`.
_COVERAGE = ("hearing", "visual", "no_phone")
#: Groups mixed from ``under_60`` and ``older_60`` by the zone's share of people aged 60+.
_MIXED = ("person", "female", "male")
_USER = "given by the user"
#: Spawn key of the random stream of :func:`reception_times` ("diss" in ASCII).
_STREAM = 0x64697373


def _share(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{what} must be a share in [0, 1], got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise InputError(f"{what} must be a share in [0, 1], got {value!r}")
    return v


def _delay_curve(value: Any, what: str) -> Any:
    """A curve of :mod:`drm.evacuation.departure`, or a fixed delay >= 0 s."""
    if isinstance(value, _Curve):
        curve = value
    elif isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise InputError(
            f"{what} must be a curve (Rayleigh, Weibull, Logistic, Uniform, Fixed, Empirical) "
            f"or a delay such as '10min', got {value!r}"
        )
    else:
        if isinstance(value, numbers.Real) and not value >= 0:
            raise InputError(f"{what} must be >= 0 s after the order, got {value!r}")
        try:
            curve = Fixed(parse_duration(value, what))
        except InputError as err:
            raise InputError(f"{err}; give a delay >= 0 such as '10min' or 600") from None
    if not float(curve.ppf(0.0)) >= 0.0:
        raise InputError(f"{what} must not start before the order (>= 0 s), got {curve!r}")
    return curve


@dataclass(frozen=True)
class DisseminationChannel:
    """A warning channel: whom it reaches, by zone, and how long after the order.

    Parameters
    ----------
    name : str
        Label, e.g. ``"siren"``; unique among the channels of a call.
    reach : float or mapping of str or int to float
        Share (fraction in [0, 1]) of a zone's people within range or subscribed who get
        it; a mapping gives it by zone id or zone kind (``"informal"``...), with
        ``"default"`` for the other zones. For SMS and WhatsApp: among people with a
        phone (the phone itself is the ``no_phone`` coverage).
    delay : curve, float or str
        Reception delay after the order for those it reaches: a curve of
        :mod:`drm.evacuation.departure` or a fixed delay (s, or a duration such as
        ``"10min"``), >= 0. With ``households_per_h``: the time the visits start.
    hearing, visual, no_phone : float
        Coverage (fraction in [0, 1]) of people with disabling hearing loss, with a vision
        impairment and without a mobile phone: the share of those the channel would
        reach who still get it (siren ``hearing`` 0, SMS ``no_phone`` 0). Default 1.
    households_per_h : float, optional
        Households per hour the zone's visits cover (door-to-door): the delay in a zone
        of ``H`` households is uniform from ``delay`` to ``delay + H / households_per_h``.
    sources : mapping of str to str, optional
        Where each value comes from, by field name (``"reach"``, ``"delay"``...).

    Examples
    --------
    >>> c = DisseminationChannel("megaphone", {"informal": 0.5, "default": 0.8}, "15min", hearing=0.0)
    >>> c.reach_for(3, "informal"), c.reach_for(5, "formal"), float(c.delay_for(100.0).cdf(900.0))
    (0.5, 0.8, 1.0)
    """

    name: str
    reach: Any
    delay: Any = 0.0
    hearing: float = 1.0
    visual: float = 1.0
    no_phone: float = 1.0
    households_per_h: float | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"a channel needs a name (a non-empty str), got {self.name!r}")
        label = f"channel {self.name!r}"
        if isinstance(self.reach, Mapping):
            if not self.reach:
                raise InputError(
                    f"{label}: reach is an empty mapping; give e.g. {{'default': 0.6}}"
                )
            reach: Any = MappingProxyType(
                {k: _share(v, f"{label}: reach for {k!r}") for k, v in self.reach.items()}
            )
        else:
            reach = _share(self.reach, f"{label}: reach")
        object.__setattr__(self, "reach", reach)
        object.__setattr__(self, "delay", _delay_curve(self.delay, f"{label}: delay"))
        for name in _COVERAGE:
            object.__setattr__(self, name, _share(getattr(self, name), f"{label}: {name}"))
        rate = self.households_per_h
        if rate is not None:
            if (
                isinstance(rate, bool)
                or not isinstance(rate, numbers.Real)
                or not (math.isfinite(rate) and rate > 0)
            ):
                raise InputError(
                    f"{label}: households_per_h must be > 0 households per hour, got {rate!r}"
                )
            if not isinstance(self.delay, Fixed):
                raise InputError(
                    f"{label}: with households_per_h the delay is the time the visits start: give a "
                    f"fixed delay such as '15min', not {self.delay!r}"
                )
            object.__setattr__(self, "households_per_h", float(rate))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    def reach_for(self, zone: Any, kind: Any = None) -> float:
        """Reach (fraction in [0, 1]) in a zone: by its id, else its kind, else ``"default"``.

        Parameters
        ----------
        zone : int or str
            Zone id.
        kind : str, optional
            Zone kind, e.g. ``"informal"``.

        Returns
        -------
        float
            Share of the zone's people the channel reaches (fraction in [0, 1]).

        Examples
        --------
        >>> DisseminationChannel("bells", {"default": 0.3, 7: 0.0}).reach_for(7)
        0.0
        """
        if not isinstance(self.reach, Mapping):
            return float(self.reach)
        for key in (zone, kind, "default"):
            if key is not None and _hashable(key) and key in self.reach:
                return float(self.reach[key])
        raise InputError(
            f"channel {self.name!r}: no reach for zone {zone!r} (kind {kind!r}); its reach is "
            f"given for {sorted(map(str, self.reach))}: add a 'default' entry or one for that kind"
        )

    def delay_for(self, households: float | None = None) -> Any:
        """Delay curve in a zone of ``households`` households (needed with ``households_per_h``).

        Parameters
        ----------
        households : float, optional
            Households in the zone (households).

        Returns
        -------
        curve
            The reception delay after the order (s).

        Examples
        --------
        >>> c = DisseminationChannel("brigades", 0.9, "15min", households_per_h=60.0)
        >>> c.delay_for(120.0)
        Uniform(start_s=900.0, end_s=8100.0)
        """
        if self.households_per_h is None:
            return self.delay
        if households is None or not (math.isfinite(households) and households > 0):
            raise InputError(
                f"channel {self.name!r} visits households at a rate: the zone needs a number of "
                f"households > 0, got {households!r}"
            )
        start = float(self.delay.time_s)
        return Uniform(start, start + 3600.0 * float(households) / self.households_per_h)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _rayleigh_mean(mean_s: float) -> Rayleigh:
    """The Rayleigh curve of mean ``mean_s`` (s): σ = mean / √(π/2)."""
    return Rayleigh(mean_s / math.sqrt(math.pi / 2.0))


_SOUND = {
    "hearing": "by design: a sound signal does not reach people with disabling hearing loss",
    "visual": "by design: a sound signal needs no sight",
    "no_phone": "by design: needs no phone",
}
_TEXT = {
    "hearing": "by design: a text message needs no hearing",
    "no_phone": "by design: needs a mobile phone",
}
_FACTBOOK_PHONES = (
    "CIA World Factbook, Venezuela, Communications: 60 mobile-cellular subscriptions per 100 "
    "inhabitants (2021 est., ITU data); Conatel reported 60.6 % of the population with a mobile "
    "line in 2019"
)

#: The default channels by name (see :func:`channel_catalogue` for their values and sources).
CATALOGUE: Mapping[str, DisseminationChannel] = MappingProxyType(
    {
        "siren": DisseminationChannel(
            "siren",
            0.6,
            _rayleigh_mean(600.0),
            hearing=0.0,
            sources={
                "reach": "assumption: the scenario's default siren reach; outdoor sirens are designed "
                "to alert people outdoors, not indoors (FEMA CPG 1-17, Outdoor Warning Systems "
                "Guide, 1980; FEMA Outdoor Warning Systems Technical Bulletin, 2006): replace with "
                "a local audibility test",
                "delay": "assumption: Rayleigh of mean 10 min (the scenario's default); replace with "
                "a drill's timings",
                **_SOUND,
            },
        ),
        "sms": DisseminationChannel(
            "sms",
            0.8,
            _rayleigh_mean(900.0),
            visual=0.5,
            no_phone=0.0,
            sources={
                "reach": "NL-Alert national test of 3 December 2018: 83 % of people aged 12 and over "
                "in the Netherlands received it (Dutch government figures): a mature cell-broadcast "
                "system, an upper bound where none is in place; among people with a phone",
                "delay": "assumption: Rayleigh of mean 15 min (the scenario's default): cell broadcast "
                "arrives in seconds, bulk SMS over minutes, and people read it later",
                "visual": "assumption: screen readers read messages aloud to some people with a "
                "vision impairment",
                **_TEXT,
            },
        ),
        "radio": DisseminationChannel(
            "radio",
            0.25,
            _rayleigh_mean(1200.0),
            hearing=0.0,
            sources={
                "reach": "assumption: share of people listening to the community station while the "
                "message is repeated; replace with the station's audience figures",
                "delay": "assumption: Rayleigh of mean 20 min (the message repeated between programmes)",
                **_SOUND,
            },
        ),
        "loudspeaker": DisseminationChannel(
            "loudspeaker",
            {"formal": 0.7, "informal": 0.4, "default": 0.6},
            Uniform("10min", "1h30m"),
            hearing=0.0,
            sources={
                "reach": "assumption: a car passes every street of a formal grid; the stairs and "
                "footpaths of hillside barrios keep it out of much of an informal zone",
                "delay": "assumption: uniform from 10 min to 1 h 30 min, one round of the zone",
                **_SOUND,
            },
        ),
        "church-bells": DisseminationChannel(
            "church-bells",
            0.3,
            _rayleigh_mean(600.0),
            hearing=0.0,
            sources={
                "reach": "assumption: people within earshot who take the ringing for an alarm "
                "(bells also ring for services)",
                "delay": "assumption: Rayleigh of mean 10 min (someone has to reach the church)",
                **_SOUND,
            },
        ),
        "door-to-door": DisseminationChannel(
            "door-to-door",
            0.9,
            Fixed("15min"),
            households_per_h=60.0,
            sources={
                "reach": "assumption: share of visited households found at home that open the door",
                "delay": "assumption: brigades start 15 min after the order",
                "households_per_h": "assumption: 60 households an hour per zone, e.g. six brigades "
                "of two each visiting a household every 6 min; replace with the brigades the zone "
                "really has (Protección Civil, Red Cross volunteers, consejos comunales)",
                "hearing": "assumption: face to face, with gestures or a written note",
                "visual": "by design: spoken face to face",
                "no_phone": "by design: needs no phone",
            },
        ),
        "whatsapp": DisseminationChannel(
            "whatsapp",
            {"informal": 0.6, "default": 0.5},
            _rayleigh_mean(1800.0),
            visual=0.5,
            no_phone=0.0,
            sources={
                "reach": "assumption: share of phone owners in a neighbourhood group (consejo "
                "comunal, street chats) who read it in time; informal networks carried about half "
                "of all warnings in the events reviewed by Sorensen & Mileti (1988, Industrial "
                "Crisis Quarterly 2)",
                "delay": "assumption: Rayleigh of mean 30 min (forwarded from group to group)",
                "visual": "assumption: voice notes and screen readers reach some people with a "
                "vision impairment",
                "hearing": "by design: text (voice notes aside)",
                "no_phone": "by design: needs a smartphone",
            },
        ),
    }
)

_ALIASES = {
    "cell-broadcast": "sms",
    "text": "sms",
    "community-radio": "radio",
    "loudspeaker-car": "loudspeaker",
    "perifoneo": "loudspeaker",
    "bells": "church-bells",
    "brigades": "door-to-door",
    "door-to-door-brigades": "door-to-door",
    "whatsapp-groups": "whatsapp",
}


def _key(name: str) -> str:
    return "-".join(name.strip().lower().replace("_", " ").split())


def catalogue_channel(name: str, **overrides: Any) -> DisseminationChannel:
    """A channel of the catalogue, with some of its values replaced.

    Parameters
    ----------
    name : str
        ``"siren"``, ``"sms"`` (also ``"cell broadcast"``), ``"radio"`` (``"community
        radio"``), ``"loudspeaker"`` (``"loudspeaker car"``), ``"church-bells"``
        (``"bells"``), ``"door-to-door"`` (``"brigades"``) or ``"whatsapp"``.
    **overrides
        Fields of :class:`DisseminationChannel` to replace (``reach``, ``delay``,
        ``households_per_h``...); their source becomes "given by the user".

    Returns
    -------
    DisseminationChannel

    Raises
    ------
    InputError
        An unknown channel name (the message lists the known ones) or field.

    Examples
    --------
    >>> c = catalogue_channel("door-to-door", households_per_h=120.0)
    >>> c.households_per_h, c.sources["households_per_h"], c.hearing
    (120.0, 'given by the user', 1.0)
    """
    if not isinstance(name, str):
        raise InputError(f"a channel name is a str, got {name!r}")
    key = _ALIASES.get(_key(name), _key(name))
    if key not in CATALOGUE:
        raise InputError(
            f"unknown warning channel {name!r}; known channels: {', '.join(CATALOGUE)} "
            "(or build your own with drm.warning.DisseminationChannel(name, reach, delay))"
        )
    allowed = {f.name for f in fields(DisseminationChannel)} - {"name", "sources"}
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise InputError(
            f"catalogue_channel({name!r}): unknown fields {unknown}; use {sorted(allowed)}"
        )
    base = CATALOGUE[key]
    if not overrides:
        return base
    sources = {**base.sources, **dict.fromkeys(overrides, _USER)}
    return replace(base, **overrides, sources=sources)


def _describe(curve: Any) -> str:
    if isinstance(curve, Fixed):
        return f"Fixed at {format_duration(curve.time_s)}"
    median, p90 = (format_duration(float(curve.ppf(q))) for q in (0.5, 0.9))
    return f"{type(curve).__name__}, median {median}, 90 % by {p90}"


def channel_catalogue() -> pd.DataFrame:
    """The default channels' values, one row per channel and parameter, with their sources.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``channel`` and ``parameter`` (``reach`` or ``reach (kind)``,
        ``delay``, ``households_per_h``, ``hearing``, ``visual``, ``no_phone``), with
        ``value`` (shares in [0, 1], households per hour, or the delay curve in words)
        and ``source`` (a citation, or ``assumption: ...`` with what to replace it by).

    Examples
    --------
    >>> t = channel_catalogue()
    >>> t.loc[("siren", "hearing"), "value"], t.loc[("loudspeaker", "reach (informal)"), "value"]
    (0.0, 0.4)
    >>> bool(t["source"].str.len().gt(0).all())
    True
    """
    rows = []
    for c in CATALOGUE.values():
        src = c.sources
        if isinstance(c.reach, Mapping):
            for k, v in c.reach.items():
                label = (
                    "reach"
                    if k == "default" and len(c.reach) == 1
                    else ("reach (other zones)" if k == "default" else f"reach ({k})")
                )
                rows.append((c.name, label, v, src.get("reach", "")))
        else:
            rows.append((c.name, "reach", c.reach, src.get("reach", "")))
        rows.append((c.name, "delay", _describe(c.delay), src.get("delay", "")))
        if c.households_per_h is not None:
            rows.append(
                (c.name, "households_per_h", c.households_per_h, src.get("households_per_h", ""))
            )
        rows += [(c.name, k, getattr(c, k), src.get(k, "")) for k in _COVERAGE]
    return pd.DataFrame(rows, columns=["channel", "parameter", "value", "source"]).set_index(
        ["channel", "parameter"]
    )


# --------------------------------------------------------------------------- groups
_HEARING_ALL, _HEARING_60 = 0.05, 0.25
_SHARE_60_WORLD = 1.0 / 7.8
_HEARING_UNDER_60 = round((_HEARING_ALL - _HEARING_60 * _SHARE_60_WORLD) / (1 - _SHARE_60_WORLD), 3)
_VISION = round((43.3 + 295.0) / 7800.0, 3)
_NO_PHONE = 0.40
_WHO_HEARING = (
    "WHO fact sheet 'Deafness and hearing loss' (2021): over 5 % of all people and over 25 % of "
    "those older than 60 have disabling hearing loss (> 35 dB in the better ear)"
)
_VLEG = (
    "GBD 2019 Blindness and Vision Impairment Collaborators / Vision Loss Expert Group, Lancet "
    "Global Health 9 (2021) e130-e143: 43.3 million blind and 295 million with moderate or severe "
    "vision impairment in 2020, 4.3 % of 7.8 billion"
)
_TRAITS_DEFAULT = {
    "under_60": (
        _HEARING_UNDER_60,
        _VISION,
        _NO_PHONE,
        f"hearing: derived from {_WHO_HEARING}, with 1 billion of 7.8 billion people aged 60+ in "
        "2020 (WHO fact sheet 'Ageing and health'): (0.05 - 0.25 x 0.128) / 0.872; vision: "
        f"{_VLEG}, not split by age (assumption); phone: 1 - 0.60 from {_FACTBOOK_PHONES} "
        "(assumption: one subscription per owner, same at all ages)",
    ),
    "older_60": (
        _HEARING_60,
        _VISION,
        _NO_PHONE,
        f"hearing: {_WHO_HEARING}; vision: {_VLEG}, not split by age (assumption: higher among "
        f"older people); phone: 1 - 0.60 from {_FACTBOOK_PHONES} (assumption: same at all ages)",
    ),
    "child_under_5": (
        _HEARING_UNDER_60,
        _VISION,
        _NO_PHONE,
        "assumption: young children are informed through the adults they live with (their "
        "hearing and sight, the household's phone): the under_60 values",
    ),
    "disability": (
        round(_HEARING_ALL / 0.15, 3),
        round(_VISION / 0.15, 3),
        _NO_PHONE,
        f"derived: hearing 5 % ({_WHO_HEARING}) and vision {_VISION:.1%} ({_VLEG}) of all people, "
        "all counted among the 15 % with a disability (WHO & World Bank, World Report on "
        "Disability, 2011); phone as under_60 (assumption)",
    ),
    "hearing_impaired": (
        1.0,
        _VISION,
        _NO_PHONE,
        "by definition: everyone has disabling hearing loss; vision and phone as under_60",
    ),
    "visually_impaired": (
        _HEARING_UNDER_60,
        1.0,
        _NO_PHONE,
        "by definition: everyone has a vision impairment; hearing and phone as under_60",
    ),
    "without_phone": (
        _HEARING_UNDER_60,
        _VISION,
        1.0,
        "by definition: nobody has a phone; hearing and vision as under_60",
    ),
}


def group_traits() -> pd.DataFrame:
    """Default shares of each group's people with hearing loss, vision impairment, no phone.

    ``person``, ``female`` and ``male`` are not rows: :func:`informed_share` mixes
    ``under_60`` and ``older_60`` by each zone's share of people aged 60 and over.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``group``; ``hearing_impaired``, ``visually_impaired`` and
        ``without_phone`` (fractions 0-1 of the group's people, taken as independent)
        and ``source``.

    Examples
    --------
    >>> t = group_traits()
    >>> t.loc[["older_60", "under_60"], "hearing_impaired"].tolist()
    [0.25, 0.021]
    >>> t.loc["under_60", ["visually_impaired", "without_phone"]].tolist()
    [0.043, 0.4]
    """
    t = pd.DataFrame.from_dict(_TRAITS_DEFAULT, orient="index", columns=[*TRAITS, "source"])
    return t.rename_axis("group")


# --------------------------------------------------------------------------- informed share
#: The eight kinds of people: hearing loss, vision impairment, no phone (each 0 or 1).
_STATES = np.array([[h, v, p] for h in (0, 1) for v in (0, 1) for p in (0, 1)], dtype=float)


def _channels(channels: Any) -> list[DisseminationChannel]:
    if isinstance(channels, (str, DisseminationChannel, Channel)):
        channels = [channels]
    if not isinstance(channels, Sequence) or not channels:
        raise InputError(
            f"channels must be a list of channel names ({', '.join(CATALOGUE)}), "
            f"DisseminationChannel or Channel objects, got {channels!r}"
        )
    out = []
    for c in channels:
        if isinstance(c, str):
            out.append(catalogue_channel(c))
        elif isinstance(c, DisseminationChannel):
            out.append(c)
        elif isinstance(c, Channel):
            out.append(DisseminationChannel(c.name, c.reach, c.delay))
        else:
            raise InputError(
                f"channels: {c!r} is not a channel; give a name ({', '.join(CATALOGUE)}), a "
                "DisseminationChannel or a drm.evacuation.Channel"
            )
    names = [c.name for c in out]
    if len(set(names)) != len(names):
        raise InputError(f"channels: names must be unique, got {names}")
    return out


def _zone_table(zones: Any) -> pd.DataFrame:
    if isinstance(zones, pd.Series):
        df = zones.to_frame("persons")
    elif isinstance(zones, pd.DataFrame):
        df = zones.copy()
    else:
        raise InputError(
            "zones must be a pandas.DataFrame with one row per zone and a 'persons' (or "
            f"'population') column, e.g. neighbourhoods.csv, got {type(zones).__name__}"
        )
    if isinstance(df.index, pd.RangeIndex):
        for col in ("id", "zone"):
            if col in df.columns:
                df = df.set_index(col)
                break
    if len(df) == 0:
        raise InputError("zones: the table has no rows; give one row per zone")
    if df.index.has_duplicates:
        dup = df.index[df.index.duplicated()].unique().tolist()
        raise InputError(f"zones: zone ids must be unique, {dup} appear more than once")
    col = next((c for c in ("persons", "population") if c in df.columns), None)
    if col is None:
        raise InputError(
            f"zones need a 'persons' or 'population' column (persons per zone), got {list(df.columns)}"
        )
    persons = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    for z, p, raw in zip(df.index, persons, df[col], strict=True):
        if not (math.isfinite(p) and p > 0):
            raise InputError(
                f"zones: zone {z!r} has no population ({col} = {raw!r}); give '{col}' > 0 persons "
                "for every zone, or drop the row"
            )
    out = pd.DataFrame({"persons": persons}, index=df.index)
    kinds = df["kind"] if "kind" in df.columns else pd.Series(None, index=df.index, dtype=object)
    out["kind"] = [None if pd.isna(k) else str(k) for k in kinds]
    if "households" in df.columns:
        hh = pd.to_numeric(df["households"], errors="coerce").to_numpy(dtype=float)
        for z, h in zip(df.index, hh, strict=True):
            if not (math.isfinite(h) and h > 0):
                raise InputError(
                    f"zones: zone {z!r} has households = {h!r}; give households > 0, or leave the "
                    "column out to derive them from the household size"
                )
        out["households"] = hh
    return out


def _profiles(zones: pd.DataFrame, population: Any) -> list[DemographicProfile]:
    if population is None:
        return [default_profile()] * len(zones)
    if isinstance(population, DemographicProfile):
        return [population] * len(zones)
    if isinstance(population, ZoneProfiles):
        out = []
        for z in zones.index:
            if isinstance(z, bool) or not isinstance(z, numbers.Integral):
                raise InputError(
                    f"population: ZoneProfiles are keyed by whole zone ids, but zone {z!r} is not one; "
                    "index zones by the census zone ids"
                )
            out.append(population.for_zone(int(z)))
        return out
    raise InputError(
        "population must be a DemographicProfile, ZoneProfiles or None (the default profile), "
        f"got {type(population).__name__}"
    )


def _traits(traits: Any) -> pd.DataFrame:
    if traits is None:
        return group_traits()
    if not isinstance(traits, pd.DataFrame):
        raise InputError(
            f"traits must be a pandas.DataFrame like group_traits(), got {type(traits).__name__}"
        )
    missing = [c for c in TRAITS if c not in traits.columns]
    if missing or len(traits) == 0:
        raise InputError(
            f"traits: need rows (groups) and the columns {list(TRAITS)} (shares 0-1); missing {missing}"
        )
    for g, row in traits[list(TRAITS)].iterrows():
        for col in TRAITS:
            _share(row[col], f"traits: {col} of group {g!r}")
    if traits.index.has_duplicates:
        raise InputError("traits: group names (the index) must be unique")
    return traits


def _state_weights(row: np.ndarray) -> np.ndarray:
    """Share of a group's people in each of the eight kinds, for independent traits ``row``."""
    return np.prod(np.where(_STATES == 1.0, row, 1.0 - row), axis=1)


def informed_share(
    zones: pd.DataFrame | pd.Series,
    channels: Sequence[Any],
    *,
    order_time: Any,
    horizon: Any,
    step: Any = "5min",
    population: DemographicProfile | ZoneProfiles | None = None,
    traits: pd.DataFrame | None = None,
) -> xr.DataArray:
    """Share of each zone's people informed over time (reached by at least one channel), by group.

    See the module docstring for the formula: channels act independently; a person's
    coverage by a channel depends on hearing loss, vision impairment and phone ownership.

    Parameters
    ----------
    zones : pandas.DataFrame or pandas.Series
        One row per zone, indexed by zone id (or with an ``id`` or ``zone`` column), with
        ``persons`` or ``population`` (persons, > 0), and optionally ``kind`` (e.g.
        ``"informal"``: picks the reach of channels that differ by kind) and
        ``households`` (households, for door-to-door; default persons / household size).
        The sample town's ``neighbourhoods.csv`` has all of them. A Series: persons by zone.
    channels : sequence of str, DisseminationChannel or drm.evacuation.Channel
        Names from the catalogue (:func:`channel_catalogue`), channels of your own, or
        the evacuation's channels (taken to reach everyone within their reach).
    order_time : float or str
        Time of the evacuation order (s since the start of the event, or a duration).
    horizon : float or str
        End of the curve (s since the start of the event, or a duration), after the order.
    step : float or str
        Step of the time grid (s, or a duration such as ``"5min"``).
    population : DemographicProfile or ZoneProfiles, optional
        Who lives in each zone (share of people aged 60+, of women...; household size);
        :func:`drm.demographics.default_profile` when omitted.
    traits : pandas.DataFrame, optional
        Share of each group's people with hearing loss, vision impairment and no phone,
        like :func:`group_traits` (its default); every row is a group of the result.

    Returns
    -------
    xarray.DataArray
        ``informed_share`` (fraction 0-1) with dims ``zone``, ``group`` and ``time`` (s
        since the start of the event, from the order to the horizon); coordinates
        ``persons`` (zone, group: expected persons in the group, NaN for groups the
        profile does not count) and ``kind``; ``attrs["order_time_s"]``.

    Raises
    ------
    InputError
        Unknown channel names (listing the known ones), reach outside [0, 1], negative
        delays, zones without population, a horizon not after the order.

    Examples
    --------
    >>> from drm.evacuation import Fixed
    >>> zones = pd.DataFrame({"persons": [1000.0]}, index=pd.Index([1], name="zone"))
    >>> a = DisseminationChannel("a", 0.6, Fixed("10min"))
    >>> b = DisseminationChannel("b", 0.5, Fixed("20min"))
    >>> s = informed_share(zones, [a, b], order_time="1h", horizon="2h")
    >>> s.sel(zone=1, group="person", time=[3600.0, 4200.0, 4800.0]).values.round(3).tolist()
    [0.0, 0.6, 0.8]
    >>> s = informed_share(zones, ["siren"], order_time=0, horizon="1h")
    >>> float(s.sel(zone=1, group="hearing_impaired").max())   # sirens do not reach the deaf
    0.0
    """
    order_s = parse_duration(order_time, "order_time")
    end_s = parse_duration(horizon, "horizon")
    step_s = parse_duration(step, "step")
    if not end_s > order_s:
        raise InputError(
            f"horizon ({format_duration(end_s)}) must come after order_time "
            f"({format_duration(order_s)}): both are times since the start of the event"
        )
    if not step_s > 0:
        raise InputError(f"step must be > 0 s, got {step!r}")
    chans = _channels(channels)
    table = _zone_table(zones)
    profiles = _profiles(table, population)
    tr = _traits(traits)
    n = math.floor((end_s - order_s) / step_s + 1e-9)
    tau = step_s * np.arange(n + 1)
    if tau[-1] < end_s - order_s - 1e-9:
        tau = np.append(tau, end_s - order_s)

    rows = list(tr.index)
    mixed = "under_60" in rows and "older_60" in rows
    groups = [g for g in _MIXED if mixed and g not in rows] + rows
    trait_rows = tr[list(TRAITS)].to_numpy(dtype=float)
    weights = np.array([_state_weights(r) for r in trait_rows])  # (rows, 8)
    coverage = np.array([[getattr(c, k) for k in _COVERAGE] for c in chans])  # (C, 3)
    # k[s, c]: coverage of channel c for the kind of people s
    k = np.prod(np.where(_STATES[:, None, :] == 1.0, coverage[None, :, :], 1.0), axis=2)

    share = np.zeros((len(table), len(groups), tau.size))
    persons = np.full((len(table), len(groups)), np.nan)
    for i, (zone, row) in enumerate(table.iterrows()):
        p = profiles[i]
        hh = (
            row["households"]
            if "households" in table.columns
            else row["persons"] / p.household_size
        )
        kind = row["kind"]
        a = np.array(
            [
                c.reach_for(zone, kind) * np.asarray(c.delay_for(hh).cdf(tau), dtype=float)
                for c in chans
            ]
        )  # (C, T)
        miss = np.prod(1.0 - k[:, :, None] * a[None, :, :], axis=1)  # (8, T)
        by_row = weights @ (1.0 - miss)  # (rows, T)
        s60 = p.shares["older_60"]
        mix = np.array([1.0 - s60, s60])
        for j, g in enumerate(groups):
            if g in rows:
                share[i, j] = by_row[rows.index(g)]
            else:
                share[i, j] = mix @ by_row[[rows.index("under_60"), rows.index("older_60")]]
            persons[i, j] = _persons(g, row["persons"], p, tr, mix if mixed else None)
    da = xr.DataArray(
        np.clip(share, 0.0, 1.0),
        dims=("zone", "group", "time"),
        coords={
            "zone": table.index.to_numpy(),
            "group": groups,
            "time": order_s + tau,
            "persons": (("zone", "group"), persons),
            "kind": ("zone", table["kind"].to_numpy(dtype=object)),
        },
        name="informed_share",
        attrs={
            "long_name": "share of people informed of the order (at least one channel)",
            "units": "1",
            "order_time_s": order_s,
            "channels": ", ".join(c.name for c in chans),
        },
    )
    da["time"].attrs["units"] = "s"
    return da


def _persons(
    group: str, persons: float, p: DemographicProfile, traits: pd.DataFrame, mix: np.ndarray | None
) -> float:
    """Expected persons of ``group`` in a zone of ``persons`` people with profile ``p``."""
    if group == "person":
        return float(persons)
    if group == "under_60":
        return float(persons * (1.0 - p.shares["older_60"]))
    if group in p.shares:
        return float(persons * p.shares[group])
    if group in TRAITS and mix is not None:
        return float(persons * (mix @ traits.loc[["under_60", "older_60"], group].to_numpy(float)))
    return math.nan


# --------------------------------------------------------------------------- into the evacuation
def _check_informed(informed: Any) -> None:
    if not isinstance(informed, xr.DataArray) or set(informed.dims) != {"zone", "group", "time"}:
        raise InputError(
            "informed must be the DataArray of drm.warning.informed_share(...) (dims zone, group, "
            f"time), got {type(informed).__name__}"
        )


def _curve(informed: xr.DataArray, zone: Any, group: str) -> tuple[np.ndarray, np.ndarray]:
    """Times after the order (s) and the informed share of ``zone`` (None: all zones, by persons)."""
    _check_informed(informed)
    groups = [str(g) for g in informed["group"].values]
    if group not in groups:
        raise InputError(f"informed has no group {group!r}; its groups: {groups}")
    s = informed.sel(group=group)
    if zone is None:
        w = np.asarray(s["persons"].values, dtype=float)
        if not (np.all(np.isfinite(w)) and w.sum() > 0):
            raise InputError(
                f"group {group!r} has no persons per zone to weight the town's curve; pick a zone"
            )
        r = (np.asarray(s.values, dtype=float) * w[:, None]).sum(axis=0) / w.sum()
    else:
        zones = informed["zone"].values.tolist()
        if zone not in zones:
            raise InputError(f"informed has no zone {zone!r}; its zones: {zones}")
        r = np.asarray(s.sel(zone=zone).values, dtype=float)
    order_s = float(informed.attrs.get("order_time_s", informed["time"].values[0]))
    return np.asarray(informed["time"].values, dtype=float) - order_s, r


def _channel_from(tau: np.ndarray, r: np.ndarray, name: str) -> Channel:
    total = float(np.clip(r[-1], 0.0, 1.0))
    if total <= 0 or tau.size < 2:
        return Channel(name, total, 0.0)
    f = np.maximum.accumulate(np.clip(r / total, 0.0, 1.0))
    f[-1] = 1.0
    return Channel(name, total, Empirical(tuple(tau.tolist()), tuple(f.tolist())))


def departure_channels(
    informed: xr.DataArray, zone: Any = None, *, group: str = "person"
) -> list[Channel]:
    """The informed curve of a zone (or of the town) as the reception of a departure model.

    One :class:`~drm.evacuation.Channel` named ``"dissemination"`` whose reach is the
    share informed by the horizon and whose delay is the curve rescaled to 1
    (:class:`~drm.evacuation.Empirical`, linear between the times of the grid), so that
    ``DepartureModel(departure_channels(informed, zone), response).warned_share`` is
    the zone's informed share.

    Parameters
    ----------
    informed : xarray.DataArray
        Informed share (fraction 0-1) by zone, group and time, from :func:`informed_share`.
    zone : int or str, optional
        Zone id; the town's curve (zones weighted by their persons) when omitted.
    group : str
        Group whose curve is used (default ``"person"``: everyone).

    Returns
    -------
    list of drm.evacuation.Channel
        One channel, for :class:`drm.evacuation.DepartureModel`.

    Examples
    --------
    >>> from drm.evacuation import DepartureModel, Rayleigh
    >>> zones = pd.DataFrame({"persons": [500.0, 1500.0]}, index=[1, 2])
    >>> s = informed_share(zones, [DisseminationChannel("sms", {1: 0.4, 2: 0.8}, "5min")],
    ...                    order_time=0, horizon="1h")
    >>> [round(c.reach, 3) for c in departure_channels(s)], departure_channels(s, 1)[0].reach
    ([0.7], 0.4)
    >>> round(float(DepartureModel(departure_channels(s, 2), Rayleigh("10min")).warned_share(600.0)), 3)
    0.8
    """
    tau, r = _curve(informed, zone, group)
    return [_channel_from(tau, r, "dissemination")]


def reception_times(
    households: pd.DataFrame,
    informed: xr.DataArray,
    *,
    group: str = "person",
    seed: Any,
) -> pd.Series:
    """Draw when each household is informed, from its zone's informed curve.

    Pass the result as ``reception=`` to :func:`drm.evacuation.sample_departures`: the
    departures then follow the dissemination model (compliance and response as the
    departure model says). The share of households informed by ``t`` is, in
    expectation, the zone's informed share at ``t`` (exactly at the times of the grid,
    linear between them); households never informed by the horizon get NaN.

    Parameters
    ----------
    households : pandas.DataFrame
        One row per household (:func:`drm.evacuation.make_households`), with a ``zone``
        column holding zone ids of ``informed`` (optional when it has a single zone).
    informed : xarray.DataArray
        Informed share (fraction 0-1) by zone, group and time, from :func:`informed_share`.
    group : str
        Group whose curve is used (default ``"person"``).
    seed : int, numpy.random.Generator or None
        Seed (the same seed gives the same draw). An int seeds a stream of its own, so
        giving :func:`~drm.evacuation.sample_departures` the same seed does not tie
        compliance to reception.

    Returns
    -------
    pandas.Series
        ``warned_s``: reception time (s after the order, NaN: never), on the households' index.

    Examples
    --------
    >>> from drm.evacuation import DepartureModel, Rayleigh, sample_departures
    >>> zones = pd.DataFrame({"persons": [4000.0]}, index=[1])
    >>> s = informed_share(zones, ["sms", "door-to-door"], order_time="1h", horizon="6h")
    >>> hh = pd.DataFrame({"zone": 1, "persons": [4.0] * 1000})
    >>> t = reception_times(hh, s, seed=1)
    >>> model = DepartureModel(departure_channels(s), Rayleigh("20min"), compliance=0.9)
    >>> d = sample_departures(hh, model, order_time="1h", seed=1, reception=t)
    >>> round(float(s.sel(zone=1, group="person").max()), 3), float(d.households["warned"].mean())
    (0.606, 0.614)
    >>> d.households["outcome"].value_counts().to_dict()  # 65 / 614 refuse: compliance 0.9
    {'departs': 549, 'not warned': 386, 'refuses': 65}
    """
    if not isinstance(households, pd.DataFrame):
        raise InputError("households must be a pandas.DataFrame (drm.evacuation.make_households)")
    _check_informed(informed)
    zones = informed["zone"].values.tolist()
    if "zone" in households.columns:
        zone_of = households["zone"].to_numpy()
    elif len(zones) == 1:
        zone_of = np.full(len(households), zones[0], dtype=object)
    else:
        raise InputError(
            "households need a 'zone' column (the zone ids of informed) when informed has several zones"
        )
    rng = (
        seed
        if isinstance(seed, np.random.Generator)
        else np.random.default_rng(
            # a stream of its own: the same seed given to sample_departures then draws compliance
            # independently of reception
            np.random.SeedSequence(seed, spawn_key=(_STREAM,))
        )
    )
    u = rng.random(len(households))
    out = np.full(len(households), np.nan)
    for z in pd.unique(zone_of):
        z = z.item() if isinstance(z, np.generic) else z
        if z not in zones:
            raise InputError(
                f"households: zone {z!r} is not a zone of informed ({zones}); add it to the zones "
                "of informed_share or drop its households"
            )
        c = _channel_from(*_curve(informed, z, group), "dissemination")
        idx = np.flatnonzero(zone_of == z)
        hit = idx[u[idx] < c.reach]
        if hit.size:
            out[hit] = c.delay.ppf(u[hit] / c.reach)
    return pd.Series(out, index=households.index, name="warned_s")
