"""Readable text, HTML and data files for drm's result objects (shared by every stage).

A result class lists what matters in ``_summary()`` as ``(label, value)``
pairs, its tables in ``_tables()`` and its grids in ``_datasets()``;
:class:`ResultMixin` turns them into a short text block for the console, a
small table for Jupyter and files on disk (:meth:`ResultMixin.to_files`).
Tables are shown by their size in the text form and by their first rows in
HTML. Each result also draws itself with its own ``plot()``.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm.clock import EventClock
from drm.io import write_grid, write_table
from drm.units import format_duration

__all__ = [
    "ResultMixin",
    "add_clock_columns",
    "add_lonlat",
    "fmt_number",
    "fmt_seconds",
    "fmt_when",
    "html_block",
    "local_name",
    "text_block",
]


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


def fmt_when(seconds: float | None, clock: EventClock | None = None) -> str:
    """Format a time since the start of the event as ``'14h30m (2026-10-03 14:30 -04)'``.

    Parameters
    ----------
    seconds : float or None
        Time since the start of the event (s).
    clock : EventClock, optional
        The event's clock; without one, or with an unknown start, the elapsed time only.

    Returns
    -------
    str
        ``'-'`` for None or NaN.

    Examples
    --------
    >>> clock = EventClock.of("2026-10-03T00:00-04:00")
    >>> fmt_when(14.5 * 3600, clock), fmt_when(5400.0), fmt_when(None, clock)
    ('14h30m (2026-10-03 14:30 -04)', '1h30m', '-')
    """
    if seconds is None or not np.isfinite(seconds):
        return "-"
    label = clock.label(seconds) if clock is not None else None
    return format_duration(seconds) + (f" ({label})" if label else "")


def local_name(column: str) -> str:
    """Name of the clock-time column beside a time column: ``first_at_risk_s`` -> ``first_at_risk_local``.

    Examples
    --------
    >>> local_name("first_at_risk_s"), local_name("time")
    ('first_at_risk_local', 'time_local')
    """
    return (column[:-2] if column.endswith("_s") else column) + "_local"


def add_clock_columns(
    table: pd.DataFrame, clock: EventClock, columns: Sequence[str]
) -> pd.DataFrame:
    """A copy of ``table`` with a local clock-time column beside each time column.

    Parameters
    ----------
    table : pandas.DataFrame
        A table whose ``columns`` (and index, if it is named so) hold seconds since the start of the event.
    clock : EventClock
        The event's clock; with an unknown start the table comes back unchanged.
    columns : sequence of str
        Names of the time columns (s); those the table lacks are skipped. A time
        index gets its clock column first.

    Returns
    -------
    pandas.DataFrame
        ``<name>_local`` (see :func:`local_name`) right after each time column:
        ``"2026-10-03 14:30 -04"`` (:meth:`EventClock.label`), empty for NaN and inf.

    Examples
    --------
    >>> t = pd.DataFrame({"arrival_s": [5400.0, float("nan")]}, index=pd.Index([0.0, 60.0], name="time_s"))
    >>> add_clock_columns(t, EventClock.of("2026-10-03T00:00-04:00"), ["time_s", "arrival_s"]).columns.tolist()
    ['time_local', 'arrival_s', 'arrival_local']
    >>> add_clock_columns(t, EventClock.of("2026-10-03T00:00-04:00"), ["arrival_s"])["arrival_local"].tolist()
    ['2026-10-03 01:30 -04', nan]
    """
    if not clock.known:
        return table
    out = table.copy()
    for name in columns:
        if name in out.columns:
            out.insert(out.columns.get_loc(name) + 1, local_name(name), clock.labels(out[name]))
    if out.index.name in columns:
        out.insert(0, local_name(out.index.name), clock.labels(out.index.to_numpy(float)))
    return out


def add_lonlat(table: pd.DataFrame, crs: Any, x: str = "x", y: str = "y") -> pd.DataFrame:
    """A copy of ``table`` with WGS 84 ``lat``/``lon`` (degrees, 6 decimals) right after its ``x``/``y``.

    Parameters
    ----------
    table : pandas.DataFrame
        A table with projected coordinates in columns ``x`` and ``y`` (m).
    crs : pyproj.CRS or str or None
        Their CRS; None (or a table without the columns): the table comes back unchanged.
    x, y : str
        The coordinate columns; a prefix before ``x`` (``caught_x``) is kept
        (``caught_lat``, ``caught_lon``). Existing columns of those names are replaced.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> t = pd.DataFrame({"x": [500000.0], "y": [0.0], "persons": [3]})
    >>> add_lonlat(t, "EPSG:32619").columns.tolist(), add_lonlat(t, "EPSG:32619")["lon"].iloc[0]
    (['x', 'y', 'lat', 'lon', 'persons'], np.float64(-69.0))
    """
    if crs is None or x not in table.columns or y not in table.columns:
        return table
    from pyproj import Transformer

    prefix = x[:-1]
    lat_name, lon_name = f"{prefix}lat", f"{prefix}lon"
    out = table.drop(columns=[lat_name, lon_name], errors="ignore")
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    xs, ys = out[x].to_numpy(float), out[y].to_numpy(float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    lon, lat = np.full(len(out), np.nan), np.full(len(out), np.nan)
    if ok.any():
        lon[ok], lat[ok] = to_wgs84.transform(xs[ok], ys[ok])
    at = out.columns.get_loc(y) + 1
    out.insert(at, lat_name, np.round(lat, 6))
    out.insert(at + 1, lon_name, np.round(lon, 6))
    return out


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
    """Mixin giving a frozen result dataclass a text and HTML form and its data files.

    A subclass (``@dataclass(frozen=True, repr=False)``, so that the dataclass
    does not replace the mixin's ``__repr__``) lists ``_summary()``, the
    ``(label, value)`` rows that matter, and optionally ``_tables()``,
    ``(label, pandas.DataFrame)`` pairs, and ``_datasets()``, ``(label,
    xarray.Dataset)`` pairs; every label names its file in :meth:`to_files`.
    """

    def _summary(self) -> list[tuple[str, Any]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return []

    def _datasets(self) -> list[tuple[str, xr.Dataset]]:
        return []

    def __repr__(self) -> str:
        return text_block(type(self).__name__, self._summary(), self._tables())

    def _repr_html_(self) -> str:
        return html_block(type(self).__name__, self._summary(), self._tables())

    def to_files(self, folder: str | os.PathLike[str], *, prefix: str = "") -> dict[str, Path]:
        """Write the result's tables as CSV and its grids as NetCDF, each file atomically.

        Parameters
        ----------
        folder : str or path-like
            The output folder (created if needed).
        prefix : str
            Put before every file name, e.g. ``"evacuation_"``.

        Returns
        -------
        dict of str to pathlib.Path
            The files by name: the prefix and the table's or grid's label in
            snake case, which is also the file's stem (``<name>.csv``: UTF-8,
            with the index; ``<name>.nc``: NetCDF4, zlib-compressed, units and
            CRS kept as attributes).

        Examples
        --------
        >>> import tempfile
        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True, repr=False)
        ... class Count(ResultMixin):
        ...     zones: pd.DataFrame
        ...     def _summary(self):
        ...         return [("zones", len(self.zones))]
        ...     def _tables(self):
        ...         return [("persons by zone", self.zones)]
        >>> r = Count(pd.DataFrame({"persons": [3, 5]}, index=pd.Index(["Z1", "Z2"], name="zone")))
        >>> files = r.to_files(tempfile.mkdtemp(), prefix="town_")
        >>> files["town_persons_by_zone"].name
        'town_persons_by_zone.csv'
        >>> files["town_persons_by_zone"].read_text(encoding="utf-8").splitlines()
        ['zone,persons', 'Z1,3', 'Z2,5']
        """
        out = Path(folder)
        files: dict[str, Path] = {}
        for label, table in self._tables():
            name = prefix + _snake(label)
            files[name] = write_table(table, out / f"{name}.csv")
        for label, ds in self._datasets():
            name = prefix + _snake(label)
            files[name] = write_grid(ds, out / f"{name}.nc")
        return files


def _snake(label: str) -> str:
    """``label`` in snake case: ``'by issue'`` -> ``'by_issue'``."""
    return re.sub(r"[^0-9a-z]+", "_", label.lower()).strip("_")
