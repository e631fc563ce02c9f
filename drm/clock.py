"""The event's clock: elapsed seconds inside drm, local date-times where a person reads them.

Inside drm every time is seconds since the start of the event (``time_s``). A
planner briefs the mayor with clock times, so every table, report, situation
report and alert shows the local date-time beside the elapsed time, e.g.
``2026-10-03 14:30 -04`` next to ``14h30m``. The start comes from the
scenario's ``start`` key or from the rain file's time axis; the time zone
from the scenario's ``timezone`` key (an IANA name such as
``"America/Caracas"`` or a fixed offset such as ``"-04:00"``), else from the
start's own offset, else UTC. Without a start there are elapsed times only.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from drm.errors import InputError

__all__ = ["EventClock", "parse_start", "parse_timezone"]

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_timezone(value: Any, name: str = "timezone") -> _dt.tzinfo:
    """Read a time zone: an IANA name (``"America/Caracas"``), ``"UTC"`` or an offset (``"-04:00"``).

    Parameters
    ----------
    value : str or datetime.tzinfo
        The zone.
    name : str
        Field name for messages.

    Returns
    -------
    datetime.tzinfo

    Raises
    ------
    InputError
        Neither a known IANA zone nor an offset.

    Examples
    --------
    >>> parse_timezone("-04:00").utcoffset(None)
    datetime.timedelta(days=-1, seconds=72000)
    >>> str(parse_timezone("America/Caracas"))
    'America/Caracas'
    """
    if isinstance(value, _dt.tzinfo):
        return value
    text = str(value).strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return _dt.UTC
    m = _OFFSET.match(text)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise InputError(f"{name}: offset {text!r} is out of range (-14:00 to +14:00)")
        return _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(text)
    except (KeyError, ValueError, OSError):
        raise InputError(
            f"{name}: unknown time zone {text!r}; use an IANA name such as 'America/Caracas' "
            "or an offset such as '-04:00'"
        ) from None


def parse_start(value: Any, name: str = "start") -> _dt.datetime:
    """Read the event start: an ISO 8601 date-time, with or without an offset.

    Parameters
    ----------
    value : str, datetime.datetime or numpy.datetime64
        E.g. ``"2026-10-03T00:00-04:00"``; without an offset it is taken as UTC
        (as CF time axes are).
    name : str
        Field name for messages.

    Returns
    -------
    datetime.datetime
        Time-zone aware.

    Raises
    ------
    InputError
        Not a date-time.

    Examples
    --------
    >>> parse_start("2026-10-03T00:00-04:00").isoformat()
    '2026-10-03T00:00:00-04:00'
    """
    if isinstance(value, np.datetime64):
        value = str(np.datetime_as_string(value, unit="s"))
    if isinstance(value, _dt.datetime):
        t = value
    else:
        text = str(value).strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            t = _dt.datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                f"{name}: {value!r} is not an ISO 8601 date-time; write e.g. "
                "'2026-10-03T00:00-04:00'"
            ) from None
    return t if t.tzinfo is not None else t.replace(tzinfo=_dt.UTC)


@dataclass(frozen=True)
class EventClock:
    """Turns seconds since the start of the event into local date-times.

    Attributes
    ----------
    start : datetime.datetime or None
        The event start (aware); None: elapsed times only.
    tz : datetime.tzinfo
        Zone clock times are shown in.

    Examples
    --------
    >>> clock = EventClock.of("2026-10-03T00:00-04:00")
    >>> clock.label(14.5 * 3600)
    '2026-10-03 14:30 -04'
    >>> clock.iso(3600.0)
    '2026-10-03T01:00:00-04:00'
    >>> EventClock.of(None).label(3600.0) is None
    True
    """

    start: _dt.datetime | None
    tz: _dt.tzinfo

    @classmethod
    def of(cls, start: Any, timezone: Any = None) -> EventClock:
        """Build a clock from a start (or None) and an optional time zone.

        Parameters
        ----------
        start : str, datetime or None
            Event start, see :func:`parse_start`.
        timezone : str or tzinfo, optional
            Zone to show times in; default: the start's own offset (UTC when it has none).

        Returns
        -------
        EventClock
        """
        t = parse_start(start) if start is not None else None
        tz = parse_timezone(timezone) if timezone is not None else (
            t.tzinfo if t is not None and t.tzinfo is not None else _dt.UTC
        )  # fmt: skip
        return cls(t, tz)

    @property
    def known(self) -> bool:
        """Whether the event start is known (clock times can be shown)."""
        return self.start is not None

    def datetime(self, seconds: float) -> _dt.datetime | None:
        """Local date-time ``seconds`` after the start (None without a start or for NaN)."""
        if self.start is None or seconds is None or not np.isfinite(seconds):
            return None
        return (self.start + _dt.timedelta(seconds=float(seconds))).astimezone(self.tz)

    def label(self, seconds: float) -> str | None:
        """``"2026-10-03 14:30 -04"``: the local clock time a person reads (None without a start)."""
        t = self.datetime(seconds)
        if t is None:
            return None
        offset = t.strftime("%z")  # +hhmm
        short = offset[:3] if offset.endswith("00") else f"{offset[:3]}:{offset[3:]}"
        return f"{t:%Y-%m-%d %H:%M} {short}"

    def iso(self, seconds: float) -> str | None:
        """ISO 8601 with the offset, e.g. ``"2026-10-03T14:30:00-04:00"`` (None without a start)."""
        t = self.datetime(seconds)
        return None if t is None else t.isoformat()

    def labels(self, seconds: Any) -> list[str | None]:
        """:meth:`label` of each value (for a table column)."""
        return [self.label(float(s)) if s is not None else None for s in np.asarray(seconds, float)]
