"""The report's words in English and Spanish, and numbers and times written the way each language does.

Every sentence, heading and label of the report and of its figures is a key
of the data file ``text.toml`` (next to this module) with its English and
Spanish forms side by side; sentences take their numbers as ``{named}``
fields. :class:`Text` looks them up and
formats numbers (``21,382`` / ``21.382``), shares and times ("3h20m after
the start" / "3h20m después del inicio"). Labels that come from the data
(decision status, assessment indicators, item names, reasons a centre was
excluded, the run's notes) are translated by :meth:`Text.data`,
:meth:`Text.item` and :meth:`Text.unit`; anything unknown is shown as it is.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np

from drm.errors import InputError
from drm.units import format_duration

__all__ = ["LANGUAGES", "TEXT", "Text"]

LANGUAGES = ("en", "es")

_GROUPS = ("label", "item", "unit")


def _load() -> dict[str, dict[str, tuple[str, ...]]]:
    """The tables of ``text.toml``: sentences (group ``""``), data labels, items and units."""
    raw = tomllib.loads(files("drm.report").joinpath("text.toml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, tuple[str, ...]]] = {g: {} for g in ("", *_GROUPS)}
    for key, value in raw.items():
        entries = value.items() if key in _GROUPS else [(key, value)]
        for k, forms in entries:
            out[key if key in _GROUPS else ""][k] = tuple(forms[lang] for lang in LANGUAGES)
    return out


_TABLES = _load()
#: Sentence key -> its form in each language of :data:`LANGUAGES` (from ``text.toml``).
TEXT: dict[str, tuple[str, ...]] = _TABLES[""]


def _amount(text: Text, match: re.Match[str]) -> str:
    return text.number(float(match.group(1).replace(",", "")), 2 if "." in match.group(1) else 0)


#: Sentences written by the pipeline, with a number in them -> Spanish.
_PATTERNS_ES: tuple[tuple[re.Pattern[str], Callable[[Text, re.Match[str]], str]], ...] = (
    (re.compile(r"^site floods ([\d.]+) m deep$"), lambda t, m: f"el sitio se inunda ({_amount(t, m)} m)"),
    (re.compile(r"^([\d.]+) m from the nearest road$"), lambda t, m: f"a {_amount(t, m)} m de la vía más cercana"),
    (re.compile(r"^([\d,]+) persons found no open road to a centre with space$"),
     lambda t, m: f"{_amount(t, m)} personas no encontraron una vía abierta hacia un centro con espacio"),
    (re.compile(r"^([\d,]+) persons found every centre full$"),
     lambda t, m: f"{_amount(t, m)} personas encontraron todos los centros llenos"),
)  # fmt: skip


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return not np.isfinite(float(value))
    except (TypeError, ValueError):
        return True


@dataclass(frozen=True)
class Text:
    """Words, numbers and times in one language (``"en"`` or ``"es"``).

    Parameters
    ----------
    language : {"en", "es"}
        Language of every sentence, number separator and duration; an unknown
        language raises :class:`~drm.errors.InputError`.

    Examples
    --------
    >>> Text("es").number(21381.75), Text("en").number(21381.75)
    ('21.382', '21,382')
    >>> Text("es").clock(12000.0)
    '3h20m después del inicio'
    """

    language: str = "en"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InputError(
                f"unknown report language {self.language!r}; use one of {', '.join(LANGUAGES)}"
            )

    @property
    def _k(self) -> int:
        return LANGUAGES.index(self.language)

    def __call__(self, key: str, **values: Any) -> str:
        """The sentence ``key`` with its ``{fields}`` filled in."""
        return TEXT[key][self._k].format(**values)

    def number(self, value: Any, decimals: int = 0) -> str:
        """A number rounded to ``decimals`` with the language's separators; "–" when missing."""
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "–"
        v = float(value)
        if not np.isfinite(v):
            return "∞" if v > 0 else "-∞"
        s = f"{v:,.{decimals}f}"
        if s.lstrip("-").strip("0.,") == "":
            s = s.lstrip("-")  # no "-0"
        return s.translate(str.maketrans(",.", ".,")) if self.language == "es" else s

    def amount(self, value: Any) -> str:
        """A quantity with as many decimals as it needs: 0 from 100 (and whole numbers), 1 from 1, else 2."""
        if _missing(value):
            return self.number(value)
        v = abs(float(value))
        decimals = 0 if v >= 100 or float(value).is_integer() else 1 if v >= 1 else 2
        return self.number(value, decimals)

    def percent(self, fraction: Any, decimals: int = 0) -> str:
        """A fraction as a percentage ("22%" / "22 %")."""
        if _missing(fraction):
            return "–"
        return self.number(100.0 * float(fraction), decimals) + (
            "%" if self.language == "en" else " %"
        )

    def duration(self, seconds: Any) -> str:
        """A duration such as "1h30m"; "–" when missing."""
        return "–" if _missing(seconds) else format_duration(float(seconds))

    def signed_duration(self, seconds: Any) -> str:
        """A duration with its sign ("+1h30m", "−45min")."""
        if _missing(seconds):
            return "–"
        return ("+" if float(seconds) >= 0 else "−") + format_duration(abs(float(seconds)))

    def clock(self, seconds: Any) -> str:
        """A time of the event: "3h20m after the start" (or "before the start" when negative)."""
        if _missing(seconds):
            return "–"
        s = float(seconds)
        d = format_duration(abs(s))
        if self.language == "es":
            return f"{d} después del inicio" if s >= 0 else f"{d} antes del inicio"
        return f"{d} after the start" if s >= 0 else f"{d} before the start"

    def data(self, label: Any) -> str:
        """A label the pipeline wrote (a status, an indicator, a reason), in this language."""
        s = str(label)
        labels = _TABLES["label"]
        if s in labels:
            return labels[s][self._k]
        if self.language == "en":
            return s
        for pattern, make in _PATTERNS_ES:
            m = pattern.match(s)
            if m:
                return make(self, m)
        return s

    def zone_name(self, zone: Any, name: Any) -> str:
        """A zone's name, or "zone 3" when it has none."""
        if name is None or (isinstance(name, float) and np.isnan(name)) or str(name).strip() == "":
            return self("zone_n", n=zone)
        return self.data(name)

    def item(self, item: str) -> str:
        """The name of a shelter item id (``water_l`` -> "water")."""
        items = _TABLES["item"]
        return items[item][self._k] if item in items else item.replace("_", " ")

    def unit(self, unit: str) -> str:
        """A unit as the report writes it (``piece`` -> "pieces")."""
        units = _TABLES["unit"]
        return units[unit][self._k] if unit in units else unit
