"""Readable ``repr`` and ``_repr_html_`` for drm's frozen result dataclasses.

A result class lists what matters in :meth:`_summary` as ``(label, value)``
pairs; this mixin turns them into a short text block for the console and a
small table for Jupyter. Tables (DataFrames) are shown by their size only in
the text form and by their first rows in the HTML form.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from drm.units import format_duration

__all__ = ["ResultMixin", "fmt_number", "fmt_seconds"]


def fmt_number(value: float, unit: str = "") -> str:
    """Format a number with a thousands separator and a unit.

    Examples
    --------
    >>> fmt_number(12345.678, "persons")
    '12,346 persons'
    >>> fmt_number(float("nan"))
    '-'
    """
    if value is None or not np.isfinite(value):
        return "-" if value is None or np.isnan(value) else ("inf" if value > 0 else "-inf")
    text = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.3g}"
    return f"{text} {unit}".strip()


def fmt_seconds(seconds: float) -> str:
    """Format a duration in seconds as ``'1h30m (5400 s)'``.

    Examples
    --------
    >>> fmt_seconds(5400.0)
    '1h30m (5,400 s)'
    """
    if seconds is None or not np.isfinite(seconds):
        return "never" if seconds is not None and seconds > 0 else "-"
    return f"{format_duration(seconds)} ({fmt_number(seconds, 's')})"


class ResultMixin:
    """Mixin giving a frozen result dataclass a readable text and HTML form."""

    def _summary(self) -> list[tuple[str, Any]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return []

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}:"]
        for label, value in self._summary():
            lines.append(f"  {label}: {value}")
        for label, table in self._tables():
            lines.append(f"  {label}: table of {len(table)} rows x {table.shape[1]} columns")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in self._summary()
        )
        parts = [f"<b>{type(self).__name__}</b><table>{rows}</table>"]
        for label, table in self._tables():
            parts.append(f"<p><b>{html.escape(label)}</b> ({len(table)} rows)</p>")
            parts.append(table.head(10).to_html(max_cols=12))
        return "".join(parts)
