"""Units at the boundary: parse unit strings and durations, convert to SI.

drm works in SI inside (m, s, m³/s, m/s). Files arrive in whatever units their
authors chose (rain in mm/h, mm per interval or kg m-2 s-1; durations as
``"12h"``); this module turns them into SI once, at read time, and checks the
``units`` attribute of grids handed to drm.

Unit strings follow CF/UDUNITS habits: products separated by spaces, ``*`` or
``.``, powers as trailing integers (``m3``, ``s-1``, ``m^2``, ``m**2``) and ``/``
dividing by the next factor (``mm/h``, ``kg/m2/s``); a number written before a
unit scales it (``mm/3h``: millimetres per three hours).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from drm.errors import InputError, UnitError

__all__ = [
    "DAY",
    "HOUR",
    "MINUTE",
    "WATER_DENSITY_KG_M3",
    "convert",
    "format_duration",
    "is_length_unit",
    "parse_duration",
    "parse_units",
    "rain_to_m_per_s",
    "rain_units",
    "require_units",
]

#: Seconds in a minute (s).
MINUTE = 60.0
#: Seconds in an hour (s).
HOUR = 3600.0
#: Seconds in a day (s).
DAY = 86400.0
#: Density of water (kg/m³), converting rain as a mass flux (kg m-2 s-1) to a depth rate (m/s).
WATER_DENSITY_KG_M3 = 1000.0

# name -> (factor to SI, (length, time, mass) exponents)
_BASE: dict[str, tuple[float, tuple[int, int, int]]] = {
    "m": (1.0, (1, 0, 0)),
    "meter": (1.0, (1, 0, 0)),
    "metre": (1.0, (1, 0, 0)),
    "meters": (1.0, (1, 0, 0)),
    "metres": (1.0, (1, 0, 0)),
    "mm": (1e-3, (1, 0, 0)),
    "cm": (1e-2, (1, 0, 0)),
    "km": (1e3, (1, 0, 0)),
    "in": (0.0254, (1, 0, 0)),
    "inch": (0.0254, (1, 0, 0)),
    "inches": (0.0254, (1, 0, 0)),
    "ft": (0.3048, (1, 0, 0)),
    "foot": (0.3048, (1, 0, 0)),
    "feet": (0.3048, (1, 0, 0)),
    "us-ft": (1200.0 / 3937.0, (1, 0, 0)),
    "s": (1.0, (0, 1, 0)),
    "sec": (1.0, (0, 1, 0)),
    "second": (1.0, (0, 1, 0)),
    "seconds": (1.0, (0, 1, 0)),
    "min": (MINUTE, (0, 1, 0)),
    "minute": (MINUTE, (0, 1, 0)),
    "minutes": (MINUTE, (0, 1, 0)),
    "h": (HOUR, (0, 1, 0)),
    "hr": (HOUR, (0, 1, 0)),
    "hour": (HOUR, (0, 1, 0)),
    "hours": (HOUR, (0, 1, 0)),
    "d": (DAY, (0, 1, 0)),
    "day": (DAY, (0, 1, 0)),
    "days": (DAY, (0, 1, 0)),
    "kg": (1.0, (0, 0, 1)),
    "g": (1e-3, (0, 0, 1)),
    "l": (1e-3, (3, 0, 0)),
    "litre": (1e-3, (3, 0, 0)),
    "liter": (1e-3, (3, 0, 0)),
    "1": (1.0, (0, 0, 0)),
}

_TERM = re.compile(r"^(\d+(?=[a-z]))?([a-z]+(?:-[a-z]+)?|1)(?:\^|\*\*)?([+-]?\d+)?$")


def parse_units(units: str) -> tuple[float, tuple[int, int, int]]:
    """Parse a unit string into a factor to SI and its dimensions.

    Parameters
    ----------
    units : str
        Unit string such as ``"mm/h"``, ``"mm h-1"``, ``"kg m-2 s-1"`` or ``"m3/s"``.

    Returns
    -------
    factor : float
        Multiply a value in ``units`` by this to get SI.
    dims : tuple of int
        Exponents of (length, time, mass).

    Raises
    ------
    UnitError
        If a part of the string is not a known unit.

    Examples
    --------
    >>> factor, dims = parse_units("mm/h")
    >>> round(factor * 3.6e6, 12), dims
    (1.0, (1, -1, 0))
    >>> parse_units("kg m-2 s-1")[1]
    (-2, -1, 1)
    >>> round(parse_units("mm/3h")[0] * 3.6e6, 12)  # 3 mm in three hours = 1 mm/h
    0.333333333333
    """
    if not isinstance(units, str) or not units.strip():
        raise UnitError(f"empty or missing unit string: {units!r}")
    text = units.strip().lower().replace("·", " ").replace("⁻¹", "-1").replace("²", "2")
    text = text.replace("³", "3").replace("**", "^")
    # split into (sign, term) pairs: '/' applies to the next term only
    tokens = re.findall(r"/|[^\s*/.]+(?:\.\d+)?", text.replace(" . ", " "))
    factor = 1.0
    dims = [0, 0, 0]
    divide = False
    for tok in tokens:
        if tok == "/":
            divide = True
            continue
        m = _TERM.match(tok.replace("^", ""))
        if m is None or m.group(2) not in _BASE:
            raise UnitError(
                f"unknown unit {tok!r} in {units!r}; use SI or common units such as "
                "'mm/h', 'mm', 'm/s', 'kg m-2 s-1', 'm3/s'"
            )
        base_factor, base_dims = _BASE[m.group(2)]
        base_factor *= float(m.group(1) or 1)
        power = int(m.group(3)) if m.group(3) else 1
        if divide:
            power = -power
            divide = False
        factor *= base_factor**power
        for k in range(3):
            dims[k] += base_dims[k] * power
    if divide:
        raise UnitError(f"unit string {units!r} ends with '/'")
    return factor, (dims[0], dims[1], dims[2])


def is_length_unit(units: str) -> bool:
    """Return True if ``units`` is a length (m, mm, ft, ...).

    Parameters
    ----------
    units : str
        A unit string (CF/UDUNITS habits, see the module docstring).

    Returns
    -------
    bool
        True for a length; False for anything else, unknown units included.

    Examples
    --------
    >>> is_length_unit("mm"), is_length_unit("mm/h")
    (True, False)
    """
    try:
        return parse_units(units)[1] == (1, 0, 0)
    except UnitError:
        return False


def convert(values: Any, from_units: str, to_units: str) -> Any:
    """Convert ``values`` between two units of the same dimension.

    Parameters
    ----------
    values : float or array_like
        Values in ``from_units``.
    from_units, to_units : str
        Unit strings understood by :func:`parse_units`.

    Returns
    -------
    float or numpy.ndarray
        Values in ``to_units``.

    Raises
    ------
    UnitError
        If the dimensions differ (e.g. ``"mm"`` to ``"m/s"``).

    Examples
    --------
    >>> round(convert(36.0, "mm/h", "m/s"), 12)
    1e-05
    """
    f1, d1 = parse_units(from_units)
    f2, d2 = parse_units(to_units)
    if d1 != d2:
        raise UnitError(f"cannot convert {from_units!r} to {to_units!r}: different dimensions")
    scale = f1 / f2
    if isinstance(values, (int, float)):
        return float(values) * scale
    return np.asarray(values, dtype=float) * scale


_WATER_EQUIVALENT = re.compile(r"\s+(?:of\s+)?water[\s_]+equivalent\s*$", re.IGNORECASE)


def rain_units(units: str) -> tuple[str, float]:
    """Tell whether a rain unit is a rate or a depth, and its factor to SI.

    Rates: a speed (``mm/h``, ``mm/hr``, ``mm h-1``, ``mm/day``, ``mm d-1``,
    ``in/h``, ``mm/3h``, ``m/s``) or a mass flux (``kg m-2 s-1``); depths: a
    length (``m``, ``mm``, ``in``; ECMWF's ``m of water equivalent``) or a mass
    per area (``kg m-2``). Mass is turned into depth with a water density of
    1000 kg/m³.

    Parameters
    ----------
    units : str
        The unit string of a rain variable.

    Returns
    -------
    kind : str
        ``"rate"`` or ``"depth"``.
    factor : float
        Multiply by this to get m/s (a rate) or m (a depth).

    Raises
    ------
    UnitError
        If ``units`` is neither a rain rate nor a rain depth.

    Examples
    --------
    >>> kind, f = rain_units("mm/day")
    >>> kind, round(f * 86400 * 1000, 12)
    ('rate', 1.0)
    >>> rain_units("kg m-2"), rain_units("m of water equivalent")
    (('depth', 0.001), ('depth', 1.0))
    """
    factor, dims = parse_units(_WATER_EQUIVALENT.sub("", str(units)))
    if dims == (1, -1, 0):
        return "rate", factor
    if dims == (-2, -1, 1):
        return "rate", factor / WATER_DENSITY_KG_M3
    if dims == (1, 0, 0):
        return "depth", factor
    if dims == (-2, 0, 1):
        return "depth", factor / WATER_DENSITY_KG_M3
    raise UnitError(
        f"{units!r} is not a rainfall unit; use a rate ('mm/h', 'mm/day', 'm/s'), a flux "
        "('kg m-2 s-1') or a depth per interval ('mm', 'm', 'kg m-2')"
    )


def rain_to_m_per_s(values: Any, units: str, interval_s: Any = None) -> Any:
    """Convert rainfall to a rate in m/s (metres of water depth per second).

    Accepts a rate (``mm/h``, ``m/s``, ``mm/day``), a mass flux
    (``kg m-2 s-1``, converted with a water density of 1000 kg/m³) or a depth
    per time interval (``mm``, ``m``, ``kg m-2``), which needs ``interval_s``;
    see :func:`rain_units`.

    Parameters
    ----------
    values : float or array_like
        Rainfall values, in ``units``.
    units : str
        Their unit.
    interval_s : float or array_like, optional
        Length of the accumulation interval in seconds, for depth units
        (an array broadcasts against ``values``).

    Returns
    -------
    float or numpy.ndarray
        Rain rate in m/s.

    Raises
    ------
    UnitError
        If the unit is not a rate, flux or depth, or a depth comes without an interval.

    Examples
    --------
    >>> round(rain_to_m_per_s(36.0, "mm/h"), 12)
    1e-05
    >>> round(rain_to_m_per_s(6.0, "mm", interval_s=600.0), 12)
    1e-05
    """
    kind, factor = rain_units(units)
    scale: Any = factor
    if kind == "depth":
        if interval_s is None or not np.all(np.asarray(interval_s) > 0):
            raise UnitError(
                f"rain in {units!r} is a depth per interval, but the interval length is "
                "unknown; give a regular time axis or store the rain as a rate (mm/h)"
            )
        scale = factor / np.asarray(interval_s, dtype=float)
    if isinstance(values, (int, float)) and np.ndim(scale) == 0:
        return float(values) * float(scale)
    return np.asarray(values, dtype=float) * scale


def require_units(obj: Any, expected: str | Iterable[str], name: str = "input") -> str:
    """Check that ``obj.attrs['units']`` has the dimension of ``expected``.

    Parameters
    ----------
    obj : xarray.DataArray or object with ``attrs``
        The object to check; its ``units`` attribute is read.
    expected : str or iterable of str
        One unit, or several acceptable units; the dimension must match one of them.
    name : str
        Name used in the error message (file or argument).

    Returns
    -------
    str
        The unit string found.

    Raises
    ------
    UnitError
        If there is no ``units`` attribute or its dimension does not match.

    Examples
    --------
    >>> import xarray as xr
    >>> require_units(xr.DataArray(1.0, attrs={"units": "mm/h"}), "m/s")
    'mm/h'
    """
    wanted = [expected] if isinstance(expected, str) else list(expected)
    units = getattr(obj, "attrs", {}).get("units")
    if units is None:
        raise UnitError(
            f"{name} has no 'units' attribute; set it, e.g. da.attrs['units'] = {wanted[0]!r}"
        )
    try:
        dims = parse_units(str(units))[1]
    except UnitError as err:
        raise UnitError(f"{name}: {err}") from None
    if all(parse_units(w)[1] != dims for w in wanted):
        raise UnitError(f"{name} has units {units!r}; expected units like {' or '.join(wanted)}")
    return str(units)


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]+)")


def parse_duration(value: Any, name: str = "duration") -> float:
    """Parse a duration into seconds.

    Parameters
    ----------
    value : str, float, int, datetime.timedelta or numpy.timedelta64
        ``"12h"``, ``"90 min"``, ``"1h30m"``, ``"2 days"``, ISO 8601 ``"PT2H30M"``,
        or a number of seconds.
    name : str
        Name used in error messages.

    Returns
    -------
    float
        Seconds.

    Raises
    ------
    InputError
        If the value cannot be parsed or is negative.

    Examples
    --------
    >>> parse_duration("1h30m"), parse_duration("PT2H"), parse_duration(45)
    (5400.0, 7200.0, 45.0)
    """
    seconds: float
    if isinstance(value, bool):
        raise InputError(f"{name}: expected a duration such as '6h', got {value!r}")
    if isinstance(value, np.timedelta64):  # before the integer test: it subclasses np.integer
        seconds = float(value / np.timedelta64(1, "s"))
    elif isinstance(value, (int, float, np.integer, np.floating)):
        seconds = float(value)
    elif isinstance(value, _dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str):
        text = value.strip()
        iso = text.upper()
        if iso.startswith("P"):
            m = re.fullmatch(
                r"P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                r"(?:(\d+(?:\.\d+)?)S)?)?",
                iso,
            )
            if m is None or not any(m.groups()):
                raise InputError(f"{name}: cannot parse ISO 8601 duration {value!r}")
            d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
            seconds = d * DAY + h * HOUR + mi * MINUTE + s
        else:
            seconds = _duration_text(text, name)
    else:
        raise InputError(f"{name}: expected a duration such as '6h', got {value!r}")
    if not np.isfinite(seconds) or seconds < 0:
        raise InputError(f"{name}: duration must be finite and >= 0, got {value!r}")
    return seconds


def _duration_text(text: str, name: str) -> float:
    """Seconds in a duration written as a number or as number-unit parts ('1h30m')."""
    try:
        return float(text)
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or _DURATION_PART.sub("", text).strip(" ,"):
        raise InputError(
            f"{name}: cannot parse duration {text!r}; write it like '6h', "
            "'90min', '1h30m', '2d' or give seconds"
        )
    seconds = 0.0
    for number, unit in parts:
        key = "min" if unit.lower() == "m" else unit.lower()
        if key not in _BASE or _BASE[key][1] != (0, 1, 0):
            raise InputError(f"{name}: unknown time unit {unit!r} in {text!r}")
        seconds += float(number) * _BASE[key][0]
    return seconds


def format_duration(seconds: float) -> str:
    """Format seconds as a short human-readable duration.

    Parameters
    ----------
    seconds : float
        A duration (s); inf is written ``"never"``, NaN and -inf ``"-"``.

    Returns
    -------
    str
        Days, hours, minutes (and seconds under a minute), e.g. ``"1h30m"``.

    Examples
    --------
    >>> format_duration(5400), format_duration(42), format_duration(90061)
    ('1h30m', '42s', '1d01h01m')
    """
    if not np.isfinite(seconds):
        return "never" if seconds > 0 else "-"
    s = round(float(seconds))
    sign = "-" if s < 0 else ""
    s = abs(s)
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    if d:
        return f"{sign}{d}d{h:02d}h{m:02d}m"
    if h:
        return f"{sign}{h}h{m:02d}m"
    if m:
        return f"{sign}{m}min" if not sec else f"{sign}{m}m{sec:02d}s"
    return f"{sign}{sec}s"
