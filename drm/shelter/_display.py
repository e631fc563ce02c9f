"""Text and HTML forms shared by the shelter result classes.

A result lists what matters as ``(label, value)`` pairs and a few tables; these
helpers turn them into a short console block and a small Jupyter table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["fmt", "html_block", "text_block"]


def fmt(value: float, unit: str = "") -> str:
    """Format a number with thousands separators and a unit.

    Examples
    --------
    >>> fmt(15000.0, "L"), fmt(0.25), fmt(float("inf"))
    ('15,000 L', '0.25', 'inf')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.3g}"
    return f"{text} {unit}".strip()


def text_block(title: str, rows: Sequence[tuple[str, Any]], tables: Sequence[tuple[str, pd.DataFrame]] = ()) -> str:
    """A title line, indented ``label: value`` lines and the size of each table."""
    lines = [f"{title}:"]
    lines += [f"  {label}: {value}" for label, value in rows]
    lines += [f"  {label}: table of {len(t)} rows x {t.shape[1]} columns" for label, t in tables]
    return "\n".join(lines)


def html_block(title: str, rows: Sequence[tuple[str, Any]], tables: Sequence[tuple[str, pd.DataFrame]] = ()) -> str:
    """The same content as :func:`text_block`, with the first rows of each table."""
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
