"""Readable text and HTML forms for drm's result objects (shared by every stage).

A result class lists what matters in ``_summary()`` as ``(label, value)``
pairs and its tables in ``_tables()``; :class:`ResultMixin` turns them into a
short text block for the console and a small table for Jupyter. Tables are
shown by their size in the text form and by their first rows in HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from drm.units import format_duration

__all__ = ["ResultMixin", "fmt_number", "fmt_seconds", "html_block", "text_block"]


def fmt_number(value: float | None, unit: str = "") -> str:
    """Format a number with thousands separators and a unit.

    Examples
    --------
    >>> fmt_number(12345.678, "persons"), fmt_number(0.25), fmt_number(float("nan"))
    ('12,346 persons', '0.25', '-')
    >>> fmt_number(float("inf"))
    'inf'
    """
    if value is None or np.isnan(value):
        return "-"
    if not np.isfinite(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.3g}"
    return f"{text} {unit}".strip()


def fmt_seconds(seconds: float | None) -> str:
    """Format a duration in seconds as ``'1h30m (5,400 s)'``.

    Examples
    --------
    >>> fmt_seconds(5400.0)
    '1h30m (5,400 s)'
    """
    if seconds is None or not np.isfinite(seconds):
        return "never" if seconds is not None and seconds > 0 else "-"
    return f"{format_duration(seconds)} ({fmt_number(seconds, 's')})"


def text_block(
    title: str, rows: Sequence[tuple[str, Any]], tables: Sequence[tuple[str, pd.DataFrame]] = ()
) -> str:
    """A title line, indented ``label: value`` lines and the size of each table."""
    lines = [f"{title}:"]
    lines += [f"  {label}: {value}" for label, value in rows]
    lines += [f"  {label}: table of {len(t)} rows x {t.shape[1]} columns" for label, t in tables]
    return "\n".join(lines)


def html_block(
    title: str, rows: Sequence[tuple[str, Any]], tables: Sequence[tuple[str, pd.DataFrame]] = ()
) -> str:
    """The content of :func:`text_block` as an HTML table, with the first rows of each table."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    parts = [f"<b>{html.escape(title)}</b><table>{body}</table>"]
    for label, table in tables:
        parts.append(f"<p><b>{html.escape(label)}</b> ({len(table)} rows)</p>")
        parts.append(table.head(12).to_html(max_cols=14, float_format=lambda v: f"{v:,.4g}"))
    return "".join(parts)


class ResultMixin:
    """Mixin giving a frozen result dataclass a readable text and HTML form."""

    def _summary(self) -> list[tuple[str, Any]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return []

    def __repr__(self) -> str:
        return text_block(type(self).__name__, self._summary(), self._tables())

    def _repr_html_(self) -> str:
        return html_block(type(self).__name__, self._summary(), self._tables())
