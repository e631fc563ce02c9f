"""GeoJSON features: read with their CRS, write atomically.

RFC 7946 GeoJSON is longitude/latitude (WGS 84). Files in a projected CRS
carry the older ``"crs"`` member (``{"type": "name", "properties": {"name":
"urn:ogc:def:crs:EPSG::32619"}}``), which drm reads and writes so that
metric files round-trip without loss. A reader's ``crs=`` is the CRS of the
file when the file does not say; :func:`geojson_crs` settles the CRS of a
file that says nothing (lon/lat, or refused when its coordinates look projected).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS

from drm.errors import DrmWarning, InputError
from drm.io._files import atomic_path, file_format, resolve_input

__all__ = ["file_crs", "geojson_crs", "read_geojson", "write_geojson"]


def read_geojson(
    path: str | os.PathLike[str], *, what: str = "GeoJSON", crs: Any = None
) -> tuple[list[dict[str, Any]], CRS | None]:
    """Read the features of a GeoJSON file and the CRS of its coordinates.

    Parameters
    ----------
    path : str or path-like
        ``.geojson`` or ``.json`` file holding a FeatureCollection, a Feature or a bare geometry.
    what : str
        What the file holds, for messages.
    crs : str, int or pyproj.CRS, optional
        CRS of the file when the file does not say (no ``crs`` member). A
        ``crs`` member wins; a different ``crs=`` is then ignored with a
        :class:`~drm.errors.DrmWarning`.

    Returns
    -------
    features : list of dict
        GeoJSON Feature dicts (``geometry``, ``properties``, optional ``id``).
    crs : pyproj.CRS or None
        From the ``crs`` member, else ``crs=``; None when neither says (RFC
        7946 lon/lat: settle it with :func:`geojson_crs`, which refuses
        coordinates that look projected).

    Raises
    ------
    InputError
        If the file is not valid JSON or not GeoJSON, or its ``crs`` member is not understood.

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
    member = data.get("crs")
    if not member:
        return features, file_crs(None, crs, p)
    name = (member.get("properties") or {}).get("name") if isinstance(member, dict) else None
    try:
        declared = CRS.from_user_input(name)
    except Exception:  # pyproj's CRSError
        raise InputError(
            f"{p}: cannot understand the 'crs' member {member!r}; give it as "
            '{"type": "name", "properties": {"name": "EPSG:...."}} or remove it and pass crs='
        ) from None
    return features, file_crs(declared, crs, p)


def file_crs(declared: Any, crs: Any, source: Any) -> CRS | None:
    """The CRS a file declares, else the caller's ``crs=``; a different ``crs=`` is ignored with a warning.

    Parameters
    ----------
    declared : str, pyproj.CRS or None
        What the file says (a GeoJSON ``crs`` member, a GraphML ``crs`` attribute).
    crs : str, int, pyproj.CRS or None
        The reader's ``crs=``: the CRS of the file when the file does not say.
    source : str or path-like
        The file, for messages.

    Returns
    -------
    pyproj.CRS or None
        None when neither says.

    Raises
    ------
    InputError
        ``crs=`` is not a CRS pyproj understands.

    Examples
    --------
    >>> file_crs(None, "EPSG:32619", "roads.geojson").to_epsg()
    32619
    """
    try:
        given = CRS.from_user_input(crs) if crs is not None else None
    except Exception:  # pyproj's CRSError
        raise InputError(
            f"{source}: crs={crs!r} is not a CRS pyproj understands; use 'EPSG:....'"
        ) from None
    if declared is None:
        return given
    own = CRS.from_user_input(declared)
    if given is not None and given != own:
        warnings.warn(
            f"{source}: the file declares {own.name}; crs={given.name} is for files that declare "
            "none and is ignored",
            DrmWarning,
            stacklevel=3,
        )
    return own


def geojson_crs(crs: CRS | None, x: Any, y: Any, *, source: str, key: str | None = None) -> CRS:
    """Return the CRS of GeoJSON coordinates, WGS 84 lon/lat when the file and caller say nothing.

    RFC 7946 GeoJSON has no ``crs`` member and is longitude/latitude. A file
    with no CRS whose coordinates cannot be degrees (``|x| > 180`` or ``|y| >
    90``) was written in a projected CRS and is refused with the fix: reading
    it as degrees would put every feature in the wrong place.

    Parameters
    ----------
    crs : pyproj.CRS or None
        The CRS :func:`read_geojson` returned (the file's, or the caller's ``crs=``).
    x, y : array_like
        All coordinates of the features (file units: degrees or m).
    source : str
        The file, for messages.
    key : str, optional
        The scenario key that sets the file's CRS (``"evacuation.roads_crs"``), for messages.

    Returns
    -------
    pyproj.CRS
        ``crs`` when given, else WGS 84 (EPSG:4326).

    Raises
    ------
    InputError
        Coordinates that look projected with no CRS, or with a geographic one.

    Examples
    --------
    >>> geojson_crs(None, [-71.2, -71.1], [8.5, 8.6], source="roads.geojson").to_epsg()
    4326
    >>> try:
    ...     geojson_crs(None, [259306.1], [948420.8], source="r.geojson")
    ... except InputError as err:
    ...     print(err)
    r.geojson: declares no 'crs' member but looks projected (x up to 2.6e5); pass crs='EPSG:...'
    """
    ax = np.abs(np.asarray(x, dtype=float))
    ay = np.abs(np.asarray(y, dtype=float))
    fits = ax.size == 0 or (ax.max() <= 180.0 and ay.max() <= 90.0)
    if fits or (crs is not None and not crs.is_geographic):
        return crs if crs is not None else CRS.from_epsg(4326)
    axis, top = ("x", ax.max()) if ax.max() > 180.0 else ("y", ay.max())
    mantissa, exponent = f"{top:.1e}".split("e")
    hint = f" (scenario key {key})" if key else ""
    if crs is None:
        said, fix = "declares no 'crs' member", f"pass crs='EPSG:...'{hint}"
    else:
        said = f"is read as {crs.name} (degrees)"
        fix = f"fix the file's 'crs' member or pass its projected crs='EPSG:...'{hint}"
    raise InputError(
        f"{source}: {said} but looks projected ({axis} up to {mantissa}e{int(exponent)}); {fix}"
    )


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
