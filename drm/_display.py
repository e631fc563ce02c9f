"""Readable text, HTML and data files for drm's result objects (shared by every stage).

A result class lists what matters in ``_summary()`` as ``(label, value)``
pairs, its tables in ``_tables()`` and its grids in ``_datasets()``;
:class:`ResultMixin` turns them into a short text block for the console, a
small table for Jupyter and files on disk (:meth:`ResultMixin.to_files`).
Tables are shown by their size in the text form and by their first rows in
HTML, with times as durations (:func:`readable_times`); the files keep seconds.
Each result also draws itself with its own ``plot()``. :func:`progress_bar`
gives the long stages their bars, :class:`ReportView` shows a written
``report.html`` inside a notebook.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm.clock import EventClock
from drm.errors import DataNotFoundError
from drm.io import write_grid, write_table
from drm.units import format_duration

__all__ = [
    "ReportView",
    "ResultMixin",
    "add_clock_columns",
    "add_lonlat",
    "fmt_number",
    "fmt_seconds",
    "fmt_when",
    "html_block",
    "local_name",
    "progress_bar",
    "readable_times",
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


def progress_bar(show: bool | None, **options: Any) -> Any:
    """A tqdm progress bar that loads the notebook machinery only when it is shown.

    Parameters
    ----------
    show : bool or None
        True: shown; False: hidden (a disabled bar: its updates cost nothing and
        ``tqdm.auto`` is not imported); None: shown where someone watches it,
        on a terminal (standard error is a TTY) or in a Jupyter kernel.
    **options
        Passed to tqdm: ``total``, ``desc``, ``unit``, ``leave``, ...

    Returns
    -------
    tqdm.tqdm
        In a Jupyter kernel with ipywidgets installed, the notebook widget of
        ``tqdm.auto``; elsewhere, and in a kernel without ipywidgets, the plain
        text bar on standard error, without tqdm's "IProgress not found" warning.

    Examples
    --------
    >>> bar = progress_bar(False, total=3, desc="members")
    >>> bar.disable, type(bar).__module__
    (True, 'tqdm.std')
    >>> bar.update(3)
    >>> bar.close()
    """
    from tqdm.std import tqdm as plain

    if show is None:
        show = _in_kernel() or _on_terminal()
    if not show:
        return plain(disable=True, **options)
    if _in_kernel() and importlib.util.find_spec("ipywidgets") is not None:
        with warnings.catch_warnings():
            # tqdm.auto's notices on choosing the widget (or on an ipywidgets too old for it)
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm as auto
        return auto(disable=False, **options)
    return plain(disable=False, **options)


def _in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (the test tqdm.auto makes to choose its widget)."""
    return "ipykernel.zmqshell" in sys.modules or "IPython.utils._process_emscripten" in sys.modules


def _on_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False


def readable_times(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with its times as :class:`pandas.Timedelta`, for people to read.

    drm's tables, and the CSV files written from them, hold times in seconds:
    times since the start of the event (``arrival_s``) and durations
    (``clearance_s``), all named ``*_s`` (or ``time``). This is the form shown
    in Jupyter and by :meth:`drm.scenario.ScenarioResult.tables` with
    ``readable=True``.

    Parameters
    ----------
    table : pandas.DataFrame
        A table whose numeric columns (and index) named ``*_s`` or ``time`` hold seconds.

    Returns
    -------
    pandas.DataFrame
        Those columns (and the index) as ``timedelta64``, rounded to the
        second and named without the ``_s`` (``first_at_risk_s`` ->
        ``first_at_risk``; a name already taken keeps the ``_s``); NaN and inf
        ("never") become NaT. Every other column, the clock times
        (``*_local``) included, is kept as it is.

    Examples
    --------
    >>> t = pd.DataFrame({"arrival_s": [12180.0, float("inf")], "persons": [3.0, 4.0]},
    ...                  index=pd.Index([0.0, 90.0], name="time_s"))
    >>> r = readable_times(t)
    >>> r.columns.tolist(), r.index.name, r["arrival"].dtype.kind  # m: timedelta64
    (['arrival', 'persons'], 'time', 'm')
    >>> r["arrival"].tolist()
    [Timedelta('0 days 03:23:00'), NaT]
    """
    out = table.copy()
    renames = {}
    for name in out.columns:
        if _is_seconds(name, out[name]):
            out[name] = _timedelta(out[name].to_numpy(float))
            short = name.removesuffix("_s")
            if short != name and short not in out.columns:
                renames[name] = short
    if _is_seconds(out.index.name, out.index):
        short = out.index.name.removesuffix("_s")
        taken = short != out.index.name and short in out.columns
        out.index = pd.Index(
            _timedelta(out.index.to_numpy(float)), name=out.index.name if taken else short
        )
    return out.rename(columns=renames)


def _is_seconds(name: Any, values: Any) -> bool:
    return (
        isinstance(name, str)
        and (name.endswith("_s") or name == "time")
        and pd.api.types.is_numeric_dtype(values.dtype)
        and not pd.api.types.is_bool_dtype(values.dtype)
    )


def _timedelta(seconds: np.ndarray) -> pd.TimedeltaIndex:
    finite = np.where(np.isfinite(seconds), seconds, np.nan)
    return pd.to_timedelta(finite, unit="s").round("s")


def _fmt_timedelta(value: Any) -> str:
    return "-" if pd.isna(value) else format_duration(value.total_seconds())


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
        head = table.head(12)
        # durations as 3h23m, not pandas' "0 days 03:23:00" (nor "-1 days +22:44:00")
        formatters = {c: _fmt_timedelta for c, dtype in head.dtypes.items() if dtype.kind == "m"}
        if isinstance(head.index, pd.TimedeltaIndex):
            head = head.set_axis(
                pd.Index([_fmt_timedelta(v) for v in head.index], name=head.index.name)
            )
        parts.append(
            head.to_html(
                max_cols=14,
                float_format=lambda v: f"{v:,.4g}",
                formatters=formatters or None,
            )
        )
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
        tables = [(label, readable_times(table)) for label, table in self._tables()]
        return html_block(type(self).__name__, self._summary(), tables)

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


@dataclass(frozen=True)
class ReportView:
    """A written ``report.html``, shown in place by Jupyter.

    :meth:`drm.scenario.ScenarioResult.report` returns one. The report is one
    self-contained page (its figures are inside it), so the notebook shows it
    in a frame of its own (``srcdoc``), its styles apart from the notebook's.

    Attributes
    ----------
    path : pathlib.Path
        The report file.
    height : int
        Height of the frame in the notebook (CSS pixels).

    Raises
    ------
    DataNotFoundError
        ``path`` is not a file.

    Examples
    --------
    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "report.html"
    >>> _ = page.write_text("<html><body><h1>Valle Alto</h1></body></html>", encoding="utf-8")
    >>> view = ReportView(page, height=600)
    >>> view._repr_html_()[:59]
    '<iframe title="report.html" style="width:100%;height:600px;'
    >>> "&lt;h1&gt;Valle Alto&lt;/h1&gt;" in view._repr_html_()
    True
    """

    path: Path
    height: int = 800

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        if not self.path.is_file():
            raise DataNotFoundError(
                f"report not found: {self.path}; run drm.run_scenario(scenario, out_dir) "
                "to write report.html into out_dir"
            )

    @property
    def html(self) -> str:
        """The page, as written (UTF-8)."""
        return self.path.read_text(encoding="utf-8")

    def __repr__(self) -> str:
        return f"ReportView({str(self.path)!r}): open it in a browser, or show it in Jupyter"

    def _repr_html_(self) -> str:
        # srcdoc keeps the page apart from the notebook; scripts run, in a null origin
        return (
            f'<iframe title="{html.escape(self.path.name)}" '
            f'style="width:100%;height:{int(self.height)}px;border:1px solid #ccc" '
            f'sandbox="allow-scripts allow-popups" srcdoc="{html.escape(self.html, quote=True)}">'
            "</iframe>"
        )


def _snake(label: str) -> str:
    """``label`` in snake case: ``'by issue'`` -> ``'by_issue'``."""
    return re.sub(r"[^0-9a-z]+", "_", label.lower()).strip("_")
