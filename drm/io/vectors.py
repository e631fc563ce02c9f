"""GeoJSON features: read with their CRS, write atomically.

RFC 7946 GeoJSON is longitude/latitude (WGS 84). Files in a projected CRS
carry the older ``"crs"`` member (``{"type": "name", "properties": {"name":
"urn:ogc:def:crs:EPSG::32619"}}``), which drm reads and writes so that
metric files round-trip without loss.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pyproj import CRS

from drm.errors import InputError
from drm.io._files import atomic_path, file_format, resolve_input

__all__ = ["read_geojson", "write_geojson"]


def read_geojson(
    path: str | os.PathLike[str], *, what: str = "GeoJSON"
) -> tuple[list[dict[str, Any]], CRS | None]:
    """Read the features of a GeoJSON file and the CRS it declares.

    Parameters
    ----------
    path : str or path-like
        ``.geojson`` or ``.json`` file holding a FeatureCollection, a Feature or a bare geometry.
    what : str
        What the file holds, for messages.

    Returns
    -------
    features : list of dict
        GeoJSON Feature dicts (``geometry``, ``properties``, optional ``id``).
    crs : pyproj.CRS or None
        From the ``crs`` member; None when absent (RFC 7946: WGS 84).

    Raises
    ------
    InputError
        If the file is not valid JSON or not GeoJSON.

    Examples
    --------
    >>> import drm
    >>> features, crs = read_geojson(drm.datasets.builtin_path("hazard_data/valle_alto/roads.geojson"))
    >>> len(features), crs.to_epsg(), features[0]["geometry"]["type"]
    (114, 32619, 'LineString')
    """
    p = resolve_input(path, what)
    file_format(p, ("geojson",), what)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(
            f"{p}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    if not isinstance(data, dict) or "type" not in data:
        raise InputError(f"{p}: not GeoJSON (no 'type' member at the top level)")
    kind = data["type"]
    if kind == "FeatureCollection":
        features = list(data.get("features") or [])
    elif kind == "Feature":
        features = [data]
    elif kind in (
        "LineString",
        "MultiLineString",
        "Point",
        "MultiPoint",
        "Polygon",
        "MultiPolygon",
    ):
        features = [{"type": "Feature", "geometry": data, "properties": {}}]
    else:
        raise InputError(f"{p}: unsupported GeoJSON type {kind!r}")
    crs = None
    member = data.get("crs")
    if member:
        name = (member.get("properties") or {}).get("name")
        try:
            crs = CRS.from_user_input(name)
        except Exception:  # pyproj's CRSError
            raise InputError(f"{p}: cannot understand the 'crs' member {name!r}") from None
    return features, crs


def write_geojson(
    features: list[dict[str, Any]],
    path: str | os.PathLike[str],
    *,
    crs: Any = None,
    indent: int | None = None,
) -> Path:
    """Write features as a GeoJSON FeatureCollection, atomically.

    Parameters
    ----------
    features : list of dict
        GeoJSON Feature dicts, coordinates in the units of ``crs`` (m, or degrees for WGS 84).
    path : str or path-like
        Target file.
    crs : optional
        CRS of the coordinates; recorded in a ``crs`` member unless it is WGS 84.
    indent : int, optional
        Number of spaces of JSON indentation (None: compact).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> point = {"type": "Feature", "properties": {"name": "C01"},
    ...          "geometry": {"type": "Point", "coordinates": [259306.1, 948420.8]}}
    >>> path = write_geojson([point], pathlib.Path(tempfile.mkdtemp()) / "centres.geojson", crs="EPSG:32619")
    >>> features, crs = read_geojson(path)
    >>> features[0]["properties"]["name"], crs.to_epsg()
    ('C01', 32619)
    """
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if crs is not None:
        c = CRS.from_user_input(crs)
        epsg = c.to_epsg()
        if epsg != 4326:
            name = f"urn:ogc:def:crs:EPSG::{epsg}" if epsg else c.to_wkt()
            doc["crs"] = {"type": "name", "properties": {"name": name}}
    doc["features"] = features
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(doc, indent=indent, ensure_ascii=False), encoding="utf-8")
    return target
