"""Community observations: staff gauges, volunteer rain gauges and traditional indicators.

In Andean valleys a warning often starts with a neighbour: someone who reads a
staff gauge on the bridge pier, a volunteer who empties a rain gauge, or people
who know the river's signs (its colour and sound, boulders knocking, water at a
known stone, animals moving uphill). This module reads who watches what
(:func:`read_observers`), the reports they send (:func:`read_reports`) and
simulates those reports from a model run (:func:`simulate_observations`), so
that :mod:`drm.warning.triggers` can combine them with the model's forecasts.

Observation points
------------------
Each point has a ``kind``:

``staff_gauge``
    Reads the water depth (m) on a gauge; thresholds in metres on the gauge, or
    as the community's own *marks* ("piedra grande=0.4; pilar del puente=1.2"),
    each mapped to metres on the gauge once by the planner.
``rain_gauge``
    Reads the rain (mm) fallen over its ``window`` (default 1 h); thresholds in
    mm over that window.
``indicator``
    A traditional sign, named in the community's words ("el río suena a
    piedras"), that reflects a modelled quantity, its ``precursor``:
    ``depth_m>=X`` at its point, or ``rain_mm_3h>=X`` / ``rain_mm_1h>=X`` (any
    window: ``rain_mm_30min>=X``) at its point; people notice it ``lead``
    before the precursor holds.

Every point has a reporting ``delay`` (from the reading to the committee) and
a ``channel`` (radio, phone, sms, whatsapp, messenger: in person).

Simulated observations
----------------------
From a flood result and a rainfall grid, gauges report every ``interval``
from the start of the event: a staff gauge the depth at its cell (the flood
grid's cell containing it; linear in time between the flood's output frames),
a rain gauge the rain over its window at its cell (exact for drm's
piecewise-constant rain rates). A report reaches the committee its ``delay``
later (``reported_s = observed_s + delay``). An indicator is noticed at
``max(0, t_precursor - lead)``, where ``t_precursor`` is the first time its
precursor holds on the same piecewise-linear signals (the depth between
frames, the windowed rain between its breakpoints), and is reported with the
probability given by its ``reliability``: one seeded uniform draw per point,
in table order, so a reliability of 1 always reports and 0 never does. False
reports (a sign reported when its precursor does not hold) are not modelled,
nor are missed gauge readings: a gauge's ``reliability`` is kept in the table
for the planner, but gauges report every reading.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import unicodedata
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm.clock import EventClock, parse_start
from drm.errors import GridError, InputError
from drm.grids import get_crs, grid_bounds, xy_to_rowcol
from drm.io.tables import (
    _COORDINATE_COLUMNS,
    Column,
    _key,
    _listed,
    _positions,
    _read_sites,
    check_sites,
    read_table,
)
from drm.units import format_duration, parse_duration
from drm.warning.levels import LEVELS, REL_TOL, _at_cells, _check_rain, _window

__all__ = [
    "CHANNELS",
    "KINDS",
    "OBSERVATION_COLUMNS",
    "key_reports",
    "read_observers",
    "read_reports",
    "simulate_observations",
]

#: Kinds of observation points and what they read.
KINDS = {
    "rain_gauge": "volunteer rain gauge: rain (mm) over its window",
    "staff_gauge": "staff gauge: water depth (m) on the gauge",
    "indicator": "traditional indicator: a sign seen or not",
}
#: Reporting channels (``messenger``: a person walks or rides with the message).
CHANNELS = ("radio", "phone", "sms", "whatsapp", "messenger")
#: Columns of an observations table (:func:`simulate_observations`, :func:`read_reports`).
OBSERVATION_COLUMNS = (
    "point",
    "name",
    "kind",
    "observed_s",
    "reported_s",
    "value",
    "unit",
    "mark",
    "level",
    "channel",
)

_KIND_ALIASES = {
    "rain_gauge": ("rain_gauge", "rain", "raingauge", "pluviometro", "pluviometro_voluntario"),
    "staff_gauge": (
        "staff_gauge", "staff", "gauge", "regla", "regla_limnimetrica", "limnimetro", "mira",
        "escala",
    ),
    "indicator": ("indicator", "indicador", "senal", "indicador_tradicional", "saber_local"),
}  # fmt: skip
_CHANNEL_ALIASES = {
    "radio": ("radio", "radio_vhf", "radio_hf", "radioaficionado"),
    "phone": ("phone", "telephone", "call", "telefono", "llamada", "celular", "movil"),
    "sms": ("sms", "text", "text_message", "mensaje_de_texto", "mensaje"),
    "whatsapp": ("whatsapp", "wasap", "whatsap"),
    "messenger": (
        "messenger", "in_person", "messenger_in_person", "mensajero", "en_persona", "a_pie",
        "de_palabra",
    ),
}  # fmt: skip
_LEVEL_WORDS = {
    "green": 0, "verde": 0, "yellow": 1, "amarillo": 1, "amarilla": 1, "orange": 2,
    "naranja": 2, "anaranjado": 2, "red": 3, "rojo": 3, "roja": 3,
}  # fmt: skip
_SEEN = {"seen", "yes", "y", "1", "true", "x", "visto", "vista", "si", "observado", "observada"}
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")
_PRECURSOR = re.compile(
    r"^(depth_m|rain_mm_(\d+(?:\.\d+)?\s*[a-z]+))\s*>=\s*([+-]?\d+(?:[.,]\d+)?)$", re.IGNORECASE
)
_PRECURSOR_FIX = (
    "write the precursor as depth_m>=X (water depth at the point, m), rain_mm_1h>=X or "
    "rain_mm_3h>=X (rain at the point over that window, mm)"
)

OBSERVER_COLUMNS = [
    Column(
        "id", "str", doc="unique identifier of the observation point",
        aliases=("codigo", "cod", "code", "id_punto"),
    ),
    Column("name", "str", required=False, doc="place name", aliases=("nombre", "lugar", "sitio")),
    Column(
        "observer", "str", required=False, default="", doc="who reads it (name or role)",
        aliases=("observador", "observadora", "responsable", "vigia"),
    ),
    Column("kind", "str", doc="rain_gauge, staff_gauge or indicator", aliases=("tipo", "clase")),
    Column(
        "reliability", required=False,
        doc="chance (0-1) that the point reports what it sees; default 1 for gauges",
        aliases=("confiabilidad", "fiabilidad"),
    ),
    Column(
        "delay", "str", required=False, default="0",
        doc="reporting delay, a duration such as '10min'", aliases=("demora", "retraso", "retardo"),
    ),
    Column(
        "channel", "str", doc="radio, phone, sms, whatsapp or messenger (in person)",
        aliases=("canal", "medio"),
    ),
    Column(
        "indicator", "str", required=False, doc="the community's name of the sign",
        aliases=("indicador", "senal", "nombre_local"),
    ),
    Column(
        "precursor", "str", required=False,
        doc="modelled quantity the sign reflects: depth_m>=X, rain_mm_1h>=X or rain_mm_3h>=X",
        aliases=("precursora", "refleja"),
    ),
    Column(
        "lead", "str", required=False, default="0",
        doc="how long before the precursor people notice the sign (duration)",
        aliases=("anticipacion", "antelacion", "adelanto"),
    ),
    Column(
        "level", "str", required=False, doc="alert level a report of the sign means",
        aliases=("nivel",),
    ),
    Column(
        "marks", "str", required=False,
        doc="the community's marks on a staff gauge, 'piedra grande=0.4; pilar del puente=1.2' (m)",
        aliases=("marcas", "referencias"),
    ),
    Column("yellow", "str", required=False, doc="a mark or a number", aliases=("amarillo", "amarilla")),
    Column("orange", "str", required=False, doc="a mark or a number", aliases=("naranja",)),
    Column("red", "str", required=False, doc="a mark or a number", aliases=("rojo", "roja")),
    Column(
        "window", "str", required=False, default="1h",
        doc="rain gauge: window of the rain thresholds (duration)", aliases=("ventana", "periodo"),
    ),
    Column(
        "zones", "str", required=False, doc="zones the point warns, 'Z1; Z2' (empty: all)",
        aliases=("zonas", "sectores", "barrios"),
    ),
    *_COORDINATE_COLUMNS,
]  # fmt: skip


def _word(text: Any) -> str:
    """A community word reduced for matching: no accents, lower case, single spaces."""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    return " ".join(t.split())


def _number(text: Any) -> float | None:
    """A number written with a decimal point or comma; None if the text is not one."""
    t = str(text).strip()
    if not _NUMBER.match(t):
        return None
    v = float(t.replace(",", "."))
    return v if np.isfinite(v) else None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


class _Row:
    """Error messages about one row of the observers file."""

    def __init__(self, where: str, pid: Any, row: int):
        self.where, self.pid, self.row = where, pid, row

    def error(self, problem: str, fix: str) -> InputError:
        return InputError(
            f"{self.where}: point {self.pid!r} (data row {self.row}): {problem}; {fix}"
        )


def _choice(
    value: Any, aliases: dict[str, tuple[str, ...]], row: _Row, what: str, known: str
) -> str:
    k = _key(value)
    for name, words in aliases.items():
        if k in words:
            return name
    raise row.error(f"unknown {what} {value!r}", f"use one of {known}")


def _duration(value: Any, row: _Row, what: str) -> float:
    text = str(value).strip()
    if text.startswith("-"):
        raise row.error(
            f"{what} {text!r} is negative", f"give the {what} as a duration >= 0 such as '10min'"
        )
    try:
        return parse_duration(text, what)
    except InputError:
        raise row.error(
            f"{what} {text!r} is not a duration",
            f"write the {what} as e.g. '10min', '1h30m' or seconds",
        ) from None


def _marks(text: Any, row: _Row) -> dict[str, float]:
    out: dict[str, float] = {}
    seen: set[str] = set()
    for part in str(text).split(";"):
        part = part.strip()
        if not part:
            continue
        name, eq, value = part.rpartition("=")
        v = _number(value) if eq else None
        if not eq or not name.strip() or v is None or v < 0:
            raise row.error(
                f"mark {part!r} is not 'name=metres'",
                "write marks as 'piedra grande=0.4; pilar del puente=1.2' (metres on the gauge, >= 0)",
            )
        if _word(name) in seen:
            raise row.error(f"mark {name.strip()!r} is given twice", "give each mark once")
        seen.add(_word(name))
        out[name.strip()] = v
    return out


def _thresholds(
    cells: dict[str, Any], kind: str, marks: dict[str, float], row: _Row
) -> dict[str, float]:
    """Thresholds (m: depth on the gauge, or rain) by level name, from marks or numbers."""
    by_word = {_word(k): v for k, v in marks.items()}
    unit = "m" if kind == "staff_gauge" else "mm"
    out: dict[str, float] = {}
    for level in ("yellow", "orange", "red"):
        cell = cells.get(level)
        if _empty(cell) or not str(cell).strip():
            continue
        v = _number(cell)
        if v is not None:
            if v < 0:
                raise row.error(
                    f"{level} threshold {cell!r} is negative", f"give it in {unit}, >= 0"
                )
            out[level] = v if kind == "staff_gauge" else v / 1000.0
        elif kind == "staff_gauge" and _word(cell) in by_word:
            out[level] = by_word[_word(cell)]
        else:
            names = ", ".join(repr(k) for k in marks) or "none given"
            hint = (
                f"name one of its marks ({names}) or give a number in {unit}"
                if kind == "staff_gauge"
                else "give a number in mm over the gauge's window (marks are for staff gauges)"
            )
            raise row.error(
                f"{level} threshold {str(cell).strip()!r} is not one of its marks", hint
            )
    given = list(out.items())
    for (lo, a), (hi, b) in pairwise(given):
        if b <= a:
            raise row.error(
                f"thresholds out of order: {hi} ({cells[hi]}) is not above {lo} ({cells[lo]})",
                "give increasing thresholds yellow < orange < red",
            )
    return out


def _precursor(text: Any, row: _Row) -> tuple[str, float, float]:
    """(quantity, threshold in m, window in s) of a precursor such as ``rain_mm_3h>=40``."""
    m = _PRECURSOR.match(" ".join(str(text).split()))
    if m is None:
        raise row.error(f"precursor {str(text).strip()!r} is not understood", _PRECURSOR_FIX)
    value = float(m.group(3).replace(",", "."))
    if value <= 0:
        raise row.error(
            f"precursor {str(text).strip()!r} has a threshold <= 0", "give a threshold > 0"
        )
    if m.group(1).lower() == "depth_m":
        return "depth", value, float("nan")
    window = parse_duration(m.group(2), "precursor window")
    if window <= 0:
        raise row.error(f"precursor {str(text).strip()!r} has an empty window", _PRECURSOR_FIX)
    return "rain", value / 1000.0, window


def read_observers(
    path: str | os.PathLike[str],
    *,
    crs: Any = None,
    to_crs: Any = None,
    dem: xr.DataArray | None = None,
) -> pd.DataFrame:
    r"""Read the community's observation points (gauges and traditional indicators) from CSV.

    Columns (headers in any case, accents or spacing; Spanish aliases in brackets):

    * ``id`` [``codigo``] (``O01``, ``O02``... when absent), ``name`` [``nombre``] (default
      the id), ``observer`` [``observador``, ``responsable``]: who reads it;
    * a position, as :func:`drm.io.read_centres` reads it: ``lon``/``lat`` (degrees) or
      ``x``/``y`` [``este``/``norte``] (m);
    * ``kind`` [``tipo``]: ``rain_gauge`` [``pluviometro``], ``staff_gauge`` [``regla``,
      ``limnimetro``] or ``indicator`` [``indicador``, ``senal``];
    * ``channel`` [``canal``]: radio, phone [``telefono``], sms, whatsapp or messenger
      [``mensajero``, ``en persona``];
    * ``delay`` [``demora``]: reporting delay, e.g. ``10min`` (default 0);
    * ``reliability`` [``confiabilidad``]: chance (0-1) that the point reports what it
      sees; default 1 for gauges, required for indicators;
    * staff and rain gauges: ``marks`` [``marcas``] (staff gauges: ``"piedra grande=0.4;
      pilar del puente=1.2"``, metres on the gauge) and ``yellow``/``orange``/``red``
      [``amarillo``/``naranja``/``rojo``]: a mark's name or a number (m for staff gauges, mm
      over ``window`` [``ventana``], default ``1h``, for rain gauges);
    * indicators: ``indicator`` [``indicador``] (the community's name of the sign),
      ``precursor`` (``depth_m>=X``, ``rain_mm_1h>=X``, ``rain_mm_3h>=X``), ``lead``
      [``anticipacion``] (default 0) and ``level`` [``nivel``] (what a report means,
      default yellow);
    * optional ``zones`` [``zonas``]: the zones the point warns (``"3; 5"``; empty: all).

    Parameters
    ----------
    path : str or path-like
        CSV file (see :func:`drm.io.read_table` for delimiters, encodings and decimal commas).
    crs : optional
        The file's CRS when the file does not say (as in :func:`drm.io.read_centres`).
    to_crs : optional
        The working CRS (the DEM's); by default the CRS of ``dem`` when given.
    dem : xarray.DataArray, optional
        The DEM (m): every point must lie on it, on a cell with a ground elevation.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``: ``name``, ``observer``, ``kind``, ``x``, ``y`` (m), ``lon``,
        ``lat`` (degrees, when a CRS is known), ``channel``, ``delay_s`` (s), ``reliability``
        (0-1), ``marks`` (dict of mark name to m on the gauge), ``yellow_m``, ``orange_m``,
        ``red_m`` (thresholds in m: depth for staff gauges, rain over ``window_s`` for rain
        gauges; NaN where not given), ``window_s`` (s), ``indicator``, ``precursor``,
        ``precursor_quantity`` ("depth", "rain" or ""), ``precursor_m`` (m),
        ``precursor_window_s`` (s), ``lead_s`` (s), ``indicator_level`` (code 0-3) and
        ``zones`` (tuple of zone ids; empty: all).

    Raises
    ------
    InputError
        Each naming the file, the point's id and data row, and the fix: an unknown kind or
        channel, a reliability outside 0-1 (or missing for an indicator), a negative delay or
        lead, a mark that is not in the point's marks, thresholds out of order, a precursor
        not understood, a point outside the DEM.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "observers.csv"
    >>> _ = path.write_text(
    ...     "id,name,kind,x,y,channel,delay,marks,yellow,orange,red,reliability,indicator,precursor\n"
    ...     "G1,Puente,staff_gauge,5,5,radio,10min,piedra grande=0.4; pilar=1.2,piedra grande,0.8,pilar,,,\n"
    ...     "I1,Quebrada,indicator,15,5,en persona,30min,,,,,0.7,el río suena a piedras,depth_m>=0.5\n",
    ...     encoding="utf-8")
    >>> obs = read_observers(path)
    >>> obs.loc["G1", ["yellow_m", "orange_m", "red_m", "delay_s"]].tolist()
    [0.4, 0.8, 1.2, 600.0]
    >>> i1 = obs.loc["I1"]
    >>> i1["channel"], i1["precursor_quantity"], float(i1["precursor_m"]), float(i1["reliability"])
    ('messenger', 'depth', 0.5, 0.7)
    """
    where = str(path)
    df = _read_sites(path, OBSERVER_COLUMNS, "observers", "O", crs)
    if to_crs is None and dem is not None and get_crs(dem) is not None:
        to_crs = dem
    df = _positions(df, crs, to_crs, where)
    source = df.attrs.get("source", where)
    kinds, channels, reliabilities, delays, leads = [], [], [], [], []
    marks_col: list[dict[str, float]] = []
    thresholds: dict[str, list[float]] = {"yellow": [], "orange": [], "red": []}
    windows, pq, pm, pw, ilevel, zones = [], [], [], [], [], []
    names, indicators, precursors = [], [], []
    known_kinds = ", ".join(KINDS)
    known_channels = "radio, phone, sms, whatsapp, messenger (in person)"
    for i, (pid, rec) in enumerate(df.iterrows()):
        row = _Row(source, pid, i + 1)
        kind = _choice(rec["kind"], _KIND_ALIASES, row, "kind", known_kinds)
        kinds.append(kind)
        channels.append(_choice(rec["channel"], _CHANNEL_ALIASES, row, "channel", known_channels))
        delays.append(_duration(rec["delay"], row, "delay"))
        name = rec.get("name")
        names.append(str(pid) if _empty(name) or not str(name).strip() else str(name).strip())
        rel = rec.get("reliability")
        if _empty(rel):
            if kind == "indicator":
                raise row.error(
                    "an indicator needs a reliability",
                    "give reliability (0-1): the share of times the sign is seen and reported "
                    "when its precursor holds",
                )
            rel = 1.0
        if not 0.0 <= float(rel) <= 1.0:
            raise row.error(
                f"reliability {float(rel):g} is outside 0-1", "give a share between 0 and 1"
            )
        reliabilities.append(float(rel))
        cells = {k: rec.get(k) for k in ("yellow", "orange", "red")}
        has_marks = not _empty(rec.get("marks")) and str(rec.get("marks")).strip()
        if kind == "indicator":
            if has_marks or any(not _empty(v) and str(v).strip() for v in cells.values()):
                raise row.error(
                    "marks and yellow/orange/red thresholds apply to gauges",
                    "give an indicator its level (the alert a report of it means) instead",
                )
            for col, what in (
                ("indicator", "the community's name of the sign"),
                ("precursor", _PRECURSOR_FIX),
            ):
                if _empty(rec.get(col)) or not str(rec.get(col)).strip():
                    raise row.error(f"an indicator needs {col!r}", f"give {what}")
            quantity, value, window = _precursor(rec["precursor"], row)
            lvl_text = rec.get("level")
            lvl = (
                1
                if _empty(lvl_text) or not str(lvl_text).strip()
                else _LEVEL_WORDS.get(_word(lvl_text))
            )
            if lvl is None:
                raise row.error(f"unknown level {lvl_text!r}", f"use one of {', '.join(LEVELS)}")
            marks: dict[str, float] = {}
            given: dict[str, float] = {}
            indicators.append(str(rec["indicator"]).strip())
            precursors.append(" ".join(str(rec["precursor"]).split()))
            leads.append(_duration(rec["lead"], row, "lead"))
            win = float("nan")
        else:
            for col in ("precursor", "indicator", "level"):
                if not _empty(rec.get(col)) and str(rec.get(col)).strip():
                    raise row.error(
                        f"{col!r} applies to indicators", f"leave {col!r} empty for a {kind}"
                    )
            if has_marks and kind != "staff_gauge":
                raise row.error(
                    "marks apply to staff gauges", "give the rain gauge's thresholds in mm"
                )
            marks = _marks(rec["marks"], row) if has_marks else {}
            given = _thresholds(cells, kind, marks, row)
            quantity, value, window, lvl = "", float("nan"), float("nan"), 0
            indicators.append("")
            precursors.append("")
            leads.append(0.0)
            win = _duration(rec["window"], row, "window") if kind == "rain_gauge" else float("nan")
            if kind == "rain_gauge" and not win > 0:
                raise row.error(
                    "window is 0", "give the rain gauge's window as a duration such as '1h'"
                )
        marks_col.append(marks)
        for level in thresholds:
            thresholds[level].append(given.get(level, float("nan")))
        windows.append(win)
        pq.append(quantity)
        pm.append(value)
        pw.append(window)
        ilevel.append(lvl)
        z = rec.get("zones")
        zones.append(() if _empty(z) else tuple(p.strip() for p in str(z).split(";") if p.strip()))
    raw = ["delay", "lead", "level", "yellow", "orange", "red", "window", "marks"]
    out = df.drop(columns=[c for c in raw if c in df.columns])
    out["name"], out["kind"], out["channel"] = names, kinds, channels
    out["delay_s"], out["reliability"] = np.array(delays), np.array(reliabilities)
    out["marks"] = pd.Series(marks_col, index=out.index, dtype=object)
    for level, values in thresholds.items():
        out[f"{level}_m"] = np.array(values, dtype=float)
    out["window_s"] = np.array(windows, dtype=float)
    out["indicator"], out["precursor"] = indicators, precursors
    out["precursor_quantity"] = pq
    out["precursor_m"], out["precursor_window_s"] = np.array(pm, float), np.array(pw, float)
    out["lead_s"] = np.array(leads, dtype=float)
    out["indicator_level"] = np.array(ilevel, dtype=np.int8)
    out["zones"] = pd.Series(zones, index=out.index, dtype=object)
    if dem is not None:
        check_sites(out, dem, what="observer", source=source)
    return out


# --------------------------------------------------------------------------- reports
REPORT_COLUMNS = [
    Column("point", "str", doc="id of the observation point", aliases=("punto", "id_punto", "point_id", "codigo")),
    Column(
        "time", "str", doc="when the report reached the committee: ISO date-time or duration since the start",
        aliases=("hora", "tiempo", "fecha_hora", "fecha", "time_s"),
    ),
    Column(
        "value", "str", doc="m on a staff gauge (or a mark), mm of rain, or 'seen' for a sign",
        aliases=("valor", "lectura", "reporte"),
    ),
    Column("note", "str", required=False, default="", doc="free text", aliases=("nota", "comentario")),
]  # fmt: skip


def _start(start: Any) -> _dt.datetime | None:
    if start is None:
        return None
    if isinstance(start, EventClock):
        return start.start
    return parse_start(start, "start")


def _report_time(text: str, start: _dt.datetime | None, where: str, row: int, point: str) -> float:
    at = f"{where}: report on data row {row} (point {point!r})"
    t = text.strip()
    if t.startswith("-"):
        raise InputError(f"{at}: time {t!r} is before the event start; give a time >= 0")
    try:
        return parse_duration(t, "time")
    except InputError:
        pass
    try:
        when = _dt.datetime.fromisoformat(t.replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{at}: time {t!r} is neither a duration since the start ('2h30m') nor an ISO date-time "
            "('2026-10-03T02:30-04:00'); write it as one of them"
        ) from None
    if start is None:
        raise InputError(
            f"{at}: time {t!r} is a date-time; pass the event start (start='2026-10-03T00:00-04:00' or "
            "the scenario's clock) to turn it into time since the start"
        )
    if when.tzinfo is None:
        when = when.replace(tzinfo=start.tzinfo)
    seconds = (when - start).total_seconds()
    if seconds < 0:
        raise InputError(
            f"{at}: time {t!r} is {format_duration(-seconds)} before the event start "
            f"({start.isoformat()}); check the date or the start"
        )
    return seconds


def _level_of(values: np.ndarray, obs: pd.DataFrame, points: np.ndarray) -> np.ndarray:
    out = np.zeros(values.shape, dtype=np.int8)
    for code, level in enumerate(("yellow", "orange", "red"), start=1):
        thr = obs[f"{level}_m"].reindex(points).to_numpy(float)
        with np.errstate(invalid="ignore"):
            hit = values >= thr - REL_TOL * np.abs(thr)
        out = np.where(hit, np.int8(code), out).astype(np.int8)
    return out


def _mark_of(value: float, marks: dict[str, float]) -> str:
    best, height = "", -np.inf
    for name, m in marks.items():
        if value >= m - REL_TOL * abs(m) and m > height:
            best, height = name, m
    return best


def _unit(kind: str, window_s: float) -> str:
    if kind == "staff_gauge":
        return "m"
    if kind == "rain_gauge":
        return f"m of rain in {_window(window_s)}"
    return "seen"


def _finish(rows: pd.DataFrame, obs: pd.DataFrame) -> pd.DataFrame:
    """The observations table: name, unit, mark and level from the points' thresholds and marks."""
    points = rows["point"].to_numpy(object)
    info = obs.reindex(points)
    kinds = info["kind"].to_numpy(object)
    values = rows["value"].to_numpy(float)
    level = _level_of(values, obs, points)
    ind = kinds == "indicator"
    level[ind] = info["indicator_level"].to_numpy()[ind]
    marks = [
        info["indicator"].iloc[k] if kinds[k] == "indicator"
        else (_mark_of(values[k], info["marks"].iloc[k]) if kinds[k] == "staff_gauge" else "")
        for k in range(len(points))
    ]  # fmt: skip
    table = pd.DataFrame(
        {
            "point": points.astype(str),
            "name": info["name"].to_numpy(object),
            "kind": kinds,
            "observed_s": rows["observed_s"].to_numpy(float),
            "reported_s": rows["reported_s"].to_numpy(float),
            "value": values,
            "unit": [_unit(k, w) for k, w in zip(kinds, info["window_s"], strict=True)],
            "mark": marks,
            "level": level.astype(np.int8),
            "channel": info["channel"].to_numpy(object),
        }
    )
    for extra in rows.columns.difference(table.columns, sort=False):
        table[extra] = rows[extra].to_numpy()
    table = table.sort_values(["reported_s", "point"], kind="stable").reset_index(drop=True)
    return table


def _check_observers(observers: pd.DataFrame) -> pd.DataFrame:
    need = {"kind", "x", "y", "delay_s", "reliability", "marks", "yellow_m", "precursor_quantity"}
    missing = sorted(need - set(observers.columns))
    if missing:
        raise InputError(
            f"observers table lacks columns {missing}; read it with drm.warning.read_observers(path)"
        )
    return observers


def read_reports(
    path: str | os.PathLike[str], observers: pd.DataFrame, *, start: Any = None
) -> pd.DataFrame:
    r"""Read time-stamped reports from the observation points (a committee's log) from CSV.

    Columns: ``point`` [``punto``, ``id_punto``]: the point's id in ``observers``;
    ``time`` [``hora``, ``fecha_hora``]: when the report reached the committee, an ISO
    date-time (with ``start``) or a duration since the start of the event (``"2h30m"``);
    ``value`` [``valor``, ``lectura``]: metres on a staff gauge or one of its marks' names,
    mm of rain on a rain gauge (over its window), ``seen`` [``visto``, ``sí``] for an
    indicator; optional ``note`` [``nota``].

    Parameters
    ----------
    path : str or path-like
        CSV file (see :func:`drm.io.read_table`).
    observers : pandas.DataFrame
        The points, as :func:`read_observers` returns them.
    start : str, datetime or EventClock, optional
        The event start, to turn date-times into seconds since it; a date-time without an
        offset is in the start's zone.

    Returns
    -------
    pandas.DataFrame
        One row per report, by time reported: ``point``, ``name``, ``kind``, ``observed_s``
        (s; the report time less the point's delay, at least 0), ``reported_s`` (s),
        ``value`` (m: depth on a staff gauge, rain over a rain gauge's window; 1 for a sign
        seen), ``unit``, ``mark`` (the highest mark reached, the sign's name for an
        indicator), ``level`` (code 0-3 from the point's thresholds), ``channel``, ``note``.

    Raises
    ------
    InputError
        A report for a point not in ``observers``, a time before the event start, a date-time
        without ``start``, a value that is not a number, a mark or "seen" for its kind.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "obs.csv").write_text(
    ...     "id,kind,x,y,channel,delay,marks,orange\nG1,regla,5,5,radio,10min,piedra grande=0.4,0.8\n")
    >>> _ = (folder / "log.csv").write_text(
    ...     "punto,hora,valor\nG1,2026-10-03T02:10-04:00,piedra grande\nG1,3h,0.9\n")
    >>> r = read_reports(folder / "log.csv", read_observers(folder / "obs.csv"), start="2026-10-03T00:00-04:00")
    >>> r[["reported_s", "observed_s", "value", "mark", "level"]].values.tolist()
    [[7800.0, 7200.0, 0.4, 'piedra grande', 0], [10800.0, 10200.0, 0.9, 'piedra grande', 2]]
    """
    obs = _check_observers(observers)
    df = read_table(path, REPORT_COLUMNS, what="reports")
    where = df.attrs.get("source", str(path))
    t0 = _start(start)
    known = {str(i): i for i in obs.index}
    points, reported, values = [], [], []
    for i, rec in enumerate(df.itertuples(index=False)):
        row, point = i + 1, str(rec.point).strip()
        if point not in known:
            raise InputError(
                f"{where}: report on data row {row} names point {point!r}, which is not in the observers "
                f"file ({_listed(list(known))}); correct the id or add the point"
            )
        pid = known[point]
        kind = obs.at[pid, "kind"]
        seconds = _report_time(str(rec.time), t0, where, row, point)
        text = str(rec.value).strip()
        v = _number(text)
        at = f"{where}: report on data row {row} (point {point!r}, a {kind})"
        if kind == "indicator":
            if _word(text) not in _SEEN and v != 1.0:
                raise InputError(
                    f"{at}: value {text!r} is not 'seen'; write seen (visto) for a sign seen"
                )
            value = 1.0
        elif v is not None:
            if v < 0:
                raise InputError(f"{at}: value {text!r} is negative; give the reading (>= 0)")
            value = v if kind == "staff_gauge" else v / 1000.0
        else:
            marks = obs.at[pid, "marks"] if kind == "staff_gauge" else {}
            by_word = {_word(k): m for k, m in marks.items()}
            if _word(text) not in by_word:
                unit = "m or one of its marks" if kind == "staff_gauge" else "mm"
                raise InputError(
                    f"{at}: value {text!r} is neither a number nor one of its marks "
                    f"({', '.join(map(repr, marks)) or 'none'}); give the reading in {unit}"
                )
            value = by_word[_word(text)]
        points.append(pid)
        reported.append(seconds)
        values.append(value)
    rep = np.array(reported, dtype=float)
    delay = obs["delay_s"].reindex(points).to_numpy(float)
    rows = pd.DataFrame(
        {
            "point": points,
            "observed_s": np.maximum(rep - delay, 0.0),
            "reported_s": rep,
            "value": values,
            "note": df["note"].to_numpy(object),
        }
    )
    table = _finish(rows, obs)
    table.attrs = {"source": where}
    return table


# --------------------------------------------------------------------------- simulation
def _cells(grid: xr.DataArray, obs: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each point's cell in ``grid``, naming the points outside it."""
    x, y = obs["x"].to_numpy(float), obs["y"].to_numpy(float)
    xmin, ymin, xmax, ymax = grid_bounds(grid)
    outside = (x < xmin) | (x > xmax) | (y < ymin) | (y > ymax)
    if outside.any():
        raise InputError(
            f"observation points {_listed(list(obs.index[outside]))} lie outside the {what} "
            f"(x {xmin:.0f}..{xmax:.0f} m, y {ymin:.0f}..{ymax:.0f} m); move them onto it or drop them"
        )
    try:
        return xy_to_rowcol(grid, x, y, name="observation point")
    except GridError as err:  # pragma: no cover - the bounds test above comes first
        raise InputError(str(err)) from None


def _first_reach(t: np.ndarray, v: np.ndarray, threshold: float) -> float:
    """First time a piecewise-linear signal (values ``v`` at times ``t``) reaches ``threshold``."""
    reached = v >= threshold - REL_TOL * abs(threshold)
    if not reached.any():
        return float("nan")
    k = int(np.argmax(reached))
    if k == 0:
        return float(t[0])
    v0, v1 = v[k - 1], v[k]
    frac = np.clip((threshold - v0) / (v1 - v0), 0.0, 1.0) if v1 > v0 else 1.0
    return float(t[k - 1] + frac * (t[k] - t[k - 1]))


def _rain_windows(rainfall: xr.DataArray, obs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative rain (m) at each point's cell at the interval edges, and the edges (s)."""
    rates, edges = _check_rain(rainfall)
    rows, cols = _cells(rainfall.isel(time=0), obs, "rainfall grid")
    site = rates[:, rows, cols]
    cum = np.vstack([np.zeros(len(rows)), np.cumsum(site * np.diff(edges)[:, None], axis=0)])
    return cum, edges


def _window_rain(cum: np.ndarray, edges: np.ndarray, t: np.ndarray, window: float) -> np.ndarray:
    return np.interp(t, edges, cum, left=0.0) - np.interp(t - window, edges, cum, left=0.0)


def _report_times(step: float, end: float, first: float) -> np.ndarray:
    n = int(np.floor(end / step + 1e-9))
    t = step * np.arange(n + 1)
    return t[t >= first - 1e-9]


def simulate_observations(
    observers: pd.DataFrame,
    *,
    flood: Any = None,
    rainfall: xr.DataArray | None = None,
    seed: Any,
    interval: Any = "15min",
    until: Any = None,
) -> pd.DataFrame:
    r"""Simulate what the observation points would report during a modelled event.

    Staff gauges report the depth at their cell of the flood grid, rain gauges the rain
    over their window at their cell of the rainfall grid, every ``interval`` from the start
    of the event; an indicator reports once, when noticed (``lead`` before its precursor
    holds), with probability ``reliability``; every report reaches the committee its point's
    ``delay`` later (see the module docstring for the exact rules). False reports are not
    modelled.

    Parameters
    ----------
    observers : pandas.DataFrame
        The points, as :func:`read_observers` returns them (``x``, ``y`` in the grids' CRS, m).
    flood : drm.hazard.flood.FloodResult or xarray.Dataset, optional
        The modelled flood (``depth`` (time, y, x), m; time in s); needed by staff gauges
        and by indicators on ``depth_m``.
    rainfall : xarray.DataArray, optional
        drm rainfall grid (rate in m s-1, see :func:`drm.warning.rain_accumulation`); needed
        by rain gauges and by indicators on rain.
    seed : int or numpy.random.Generator
        Seed of the draws deciding which indicators report.
    interval : float or str
        Time between two gauge readings (s or a duration), > 0.
    until : float or str, optional
        Last reading time (s since the start of the event); default the last flood frame
        (staff gauges) or the end of the rain (rain gauges).

    Returns
    -------
    pandas.DataFrame
        One row per report, by ``reported_s``: ``point``, ``name``, ``kind``, ``observed_s``
        (s), ``reported_s`` (s, observed + delay), ``value`` (m: depth on a staff gauge, rain
        over a rain gauge's window; 1 for a sign seen), ``unit``, ``mark`` (highest community
        mark reached; the sign's name for an indicator), ``level`` (code 0-3 from the point's
        thresholds; the indicator's level) and ``channel``. ``attrs["missed"]`` lists the
        indicators whose precursor held but which were not reported, ``attrs["never"]`` those
        whose precursor never held.

    Raises
    ------
    InputError
        A point outside its grid, a staff gauge on a cell never modelled, no flood for staff
        gauges or depth indicators, no rainfall for rain gauges or rain indicators.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "obs.csv"
    >>> _ = path.write_text("id,kind,x,y,channel,delay,orange,reliability,indicator,precursor\n"
    ...                     "G1,staff_gauge,5,5,radio,5min,0.3,,,\n"
    ...                     "I1,indicator,15,5,radio,0,,1,el río suena,depth_m>=0.4\n")
    >>> ds = xr.Dataset({"depth": (("time", "y", "x"), np.array([0.0, 0.2, 0.6])[:, None, None] * np.ones((3, 2, 2)))},
    ...                 coords={"time": [0.0, 900.0, 1800.0], "y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> r = simulate_observations(read_observers(path), flood=ds, seed=1)
    >>> r[["point", "observed_s", "reported_s", "value", "level"]].values.tolist()
    [['G1', 0.0, 300.0, 0.0, 0], ['G1', 900.0, 1200.0, 0.2, 0],
     ['I1', 1350.0, 1350.0, 1.0, 1], ['G1', 1800.0, 2100.0, 0.6, 2]]
    """
    obs = _check_observers(observers)
    step = parse_duration(interval, "interval")
    if step <= 0:
        raise InputError(f"interval must be > 0, got {interval!r}")
    end = None if until is None else parse_duration(until, "until")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    draws = rng.random(len(obs))
    kinds = obs["kind"].to_numpy(object)
    pq = obs["precursor_quantity"].to_numpy(object)
    needs_flood = (kinds == "staff_gauge") | ((kinds == "indicator") & (pq == "depth"))
    needs_rain = (kinds == "rain_gauge") | ((kinds == "indicator") & (pq == "rain"))
    if needs_flood.any() and flood is None:
        raise InputError(
            f"points {_listed(list(obs.index[needs_flood]))} read the water depth; pass flood= "
            "(a FloodResult or its ds)"
        )
    if needs_rain.any() and rainfall is None:
        raise InputError(
            f"points {_listed(list(obs.index[needs_rain]))} read the rain; pass rainfall= (a drm "
            "rainfall grid)"
        )
    parts: list[pd.DataFrame] = []
    delay = obs["delay_s"].to_numpy(float)
    signal: dict[Any, tuple[np.ndarray, np.ndarray]] = {}  # point -> (times, precursor values)
    if needs_flood.any():
        ds = flood if isinstance(flood, xr.Dataset) else getattr(flood, "ds", None)
        if not isinstance(ds, xr.Dataset) or "depth" not in ds:
            raise InputError(
                "flood must be a FloodResult or an xarray.Dataset with 'depth' (time, y, x)"
            )
        sub = obs[needs_flood]
        rows, cols = _cells(ds["depth"].isel(time=0), sub, "flood grid")
        depth = np.asarray(_at_cells(ds["depth"], rows, cols), dtype=float)  # only these cells
        tf = np.asarray(ds["time"].values, dtype=float)
        never = np.all(np.isnan(depth), axis=0)
        if never.any():
            raise InputError(
                f"points {_listed(list(sub.index[never]))} stand on cells the flood never modelled "
                "(depth NaN); move them onto the modelled area"
            )
        depth = np.nan_to_num(depth)
        gauges = sub["kind"].to_numpy(object) == "staff_gauge"
        if gauges.any():
            t = _report_times(step, tf[-1] if end is None else min(end, tf[-1]), tf[0])
            for k in np.flatnonzero(gauges):
                pid = sub.index[k]
                parts.append(
                    pd.DataFrame(
                        {
                            "point": pid,
                            "observed_s": t,
                            "reported_s": t + float(sub["delay_s"].iloc[k]),
                            "value": np.interp(t, tf, depth[:, k]),
                        }
                    )
                )
        for k in np.flatnonzero(~gauges):
            signal[sub.index[k]] = (tf, depth[:, k])
    if needs_rain.any():
        sub = obs[needs_rain]
        cum, edges = _rain_windows(rainfall, sub)
        gauges = sub["kind"].to_numpy(object) == "rain_gauge"
        if gauges.any():
            t = _report_times(step, edges[-1] if end is None else end, 0.0)
            for k in np.flatnonzero(gauges):
                pid = sub.index[k]
                w = float(sub["window_s"].iloc[k])
                parts.append(
                    pd.DataFrame(
                        {
                            "point": pid,
                            "observed_s": t,
                            "reported_s": t + float(sub["delay_s"].iloc[k]),
                            "value": np.clip(_window_rain(cum[:, k], edges, t, w), 0.0, None),
                        }
                    )
                )
        for k in np.flatnonzero(~gauges):
            w = float(sub["precursor_window_s"].iloc[k])
            b = np.unique(np.concatenate([edges, edges + w]))  # the windowed rain is linear between
            signal[sub.index[k]] = (b, _window_rain(cum[:, k], edges, b, w))
    missed, never_held = [], []
    fired = []
    for k in np.flatnonzero(kinds == "indicator"):
        pid = obs.index[k]
        t, v = signal[pid]
        t_prec = _first_reach(t, v, float(obs["precursor_m"].iloc[k]))
        if not np.isfinite(t_prec) or (end is not None and t_prec > end):
            never_held.append(pid)
            continue
        if not draws[k] < float(obs["reliability"].iloc[k]):
            missed.append(pid)
            continue
        seen = max(t_prec - float(obs["lead_s"].iloc[k]), 0.0)
        fired.append((pid, seen, seen + delay[k], 1.0))
    if fired:
        parts.append(pd.DataFrame(fired, columns=["point", "observed_s", "reported_s", "value"]))
    rows = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({"point": [], "observed_s": [], "reported_s": [], "value": []})
    )
    table = _finish(rows, obs)
    table.attrs = {"interval_s": step, "missed": missed, "never": never_held}
    return table


def key_reports(observations: pd.DataFrame) -> pd.DataFrame:
    """The reports worth a line: each point's first at each level it reached, every inject and rumour.

    A gauge that reports every 15 min would fill pages; the committee acts on
    changes, so each point keeps its first report at each level above green
    (an indicator its report), and every report from a training inject
    (``source == "inject"``) and every rumour (kind ``"rumour"``) is kept.

    Parameters
    ----------
    observations : pandas.DataFrame
        Reports with ``point``, ``kind``, ``reported_s`` (s) and ``level`` (code 0-3), as
        :func:`simulate_observations`, :func:`read_reports` or a scenario run give them.

    Returns
    -------
    pandas.DataFrame
        Those rows, by ``reported_s``.

    Examples
    --------
    >>> obs = pd.DataFrame({"point": ["G1"] * 4, "kind": ["staff_gauge"] * 4,
    ...                     "reported_s": [0.0, 900.0, 1800.0, 2700.0], "level": [0, 1, 1, 2]})
    >>> key_reports(obs)["reported_s"].tolist()
    [900.0, 2700.0]
    """
    need = {"point", "kind", "reported_s", "level"} - set(observations.columns)
    if need:
        raise InputError(f"observations lack columns {sorted(need)}; see drm.warning.simulate_observations")
    level = pd.to_numeric(observations["level"], errors="coerce").fillna(0).astype(int)
    source = observations.get("source", pd.Series("", index=observations.index))
    first = (level > 0) & ~observations.assign(_level=level).duplicated(["point", "_level"])
    keep = first | (source == "inject") | (observations["kind"] == "rumour")
    return observations[keep].sort_values("reported_s", kind="stable")
