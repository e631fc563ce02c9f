"""Readable ``repr`` and ``_repr_html_`` for the warning results.

A result lists what matters as ``(label, value)`` pairs in ``_summary`` and its
tables in ``_tables``; the text form shows the pairs and the size of each
table, the HTML form a small table and the first rows of each table.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

__all__ = ["Display"]


class Display:
    """Mixin giving a frozen result dataclass a text and an HTML form."""

    def _summary(self) -> list[tuple[str, Any]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return []

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}:"]
        lines += [f"  {label}: {value}" for label, value in self._summary()]
        lines += [
            f"  {label}: table of {len(t)} rows x {t.shape[1]} columns"
            for label, t in self._tables()
        ]
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
