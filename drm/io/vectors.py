"""GeoJSON features: read with their CRS, write atomically.

RFC 7946 GeoJSON is longitude/latitude (WGS 84). Files in a projected CRS
carry the older ``"crs"`` member (``{"type": "name", "properties": {"name":
"urn:ogc:def:crs:EPSG::32619"}}``), which drm reads and writes so that
metric files round-trip without loss. A reader's ``crs=`` is the CRS of the
file when the file does not say; :func:`geojson_crs` settles the CRS of a
file that says nothing (lon/lat, or refused when its coordinates look projected).

Map layers for a GIS (:func:`write_layers`) go into one GeoPackage, in their
own (projected) CRS, with geopandas and pyogrio (the ``geo`` extra); without
them, or on request, into one RFC 7946 GeoJSON file per layer in lon/lat
(:func:`lonlat_features`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from drm.errors import InputError, warn
from drm.io._files import atomic_path, file_format, resolve_input

__all__ = [
    "file_crs",
    "geojson_crs",
    "lonlat_features",
    "read_geojson",
    "write_geojson",
    "write_layers",
]


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
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as err:
        raise InputError(
            f"{p}: not UTF-8 text (byte {err.object[err.start]:#04x} at {err.start}), as GeoJSON must "
            "be; is it a GeoJSON file? Export it again as GeoJSON (UTF-8)"
        ) from None
    except json.JSONDecodeError as err:
        raise InputError(
            f"{p}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); the file is "
            "cut short or not GeoJSON: export it again"
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
        warn(f"{source}: the file declares {own.name}; crs={given.name} is for files that declare "
            "none and is ignored")
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


#: Decimal places of lon/lat in GeoJSON layers: 1e-7 degrees is about 1 cm on the ground.
LONLAT_DECIMALS = 7


def lonlat_features(table: pd.DataFrame, geometries: Any, crs: Any) -> list[dict[str, Any]]:
    """Turn a table and its geometries into RFC 7946 GeoJSON features (WGS 84 lon/lat).

    Coordinates are projected from ``crs`` to lon/lat (rounded to 1e-7 degrees,
    about 1 cm), polygon rings are oriented counter-clockwise (exterior) as RFC
    7946 asks, and the properties become JSON values: NaN and infinite numbers
    become ``null``, numpy numbers plain numbers, other objects text.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per feature; its columns (not the index) become the properties.
    geometries : sequence of shapely geometries
        One per row (None: a feature without geometry), coordinates in ``crs`` (m or degrees).
    crs : str, int or pyproj.CRS
        CRS of the geometries.

    Returns
    -------
    list of dict
        GeoJSON Feature dicts, ready for :func:`write_geojson` (without ``crs=``).

    Raises
    ------
    InputError
        ``crs`` is None, or the table and the geometries differ in length.

    Examples
    --------
    >>> import pandas as pd, shapely
    >>> table = pd.DataFrame({"name": ["Peñón"], "closure_time_s": [float("inf")]})
    >>> [f] = lonlat_features(table, [shapely.Point(259306.1, 948420.8)], "EPSG:32619")
    >>> f["geometry"]["coordinates"], f["properties"]
    ([-71.1868278, 8.5738229], {'name': 'Peñón', 'closure_time_s': None})
    """
    if crs is None:
        raise InputError("lonlat_features: the geometries have no CRS; pass crs='EPSG:....'")
    geoms = np.asarray(list(geometries), dtype=object)
    if len(geoms) != len(table):
        raise InputError(
            f"lonlat_features: {len(table)} rows but {len(geoms)} geometries; give one geometry per row"
        )
    to_lonlat = Transformer.from_crs(CRS.from_user_input(crs), "EPSG:4326", always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.round(np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])), LONLAT_DECIMALS)

    lonlat = shapely.orient_polygons(shapely.transform(geoms, project), exterior_cw=False)
    records = table.to_dict(orient="records")
    return [
        {
            "type": "Feature",
            "properties": {str(k): _json_value(v) for k, v in row.items()},
            "geometry": json.loads(shapely.to_geojson(g)) if g is not None else None,
        }
        for row, g in zip(records, lonlat, strict=True)
    ]


def _json_value(value: Any) -> Any:
    """A property value as JSON: numbers, text, booleans or None (NaN, inf and missing)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    return str(value)


def write_layers(
    layers: Mapping[str, Any], folder_or_path: str | os.PathLike[str], *, gpkg: bool = True
) -> dict[str, Path]:
    """Write map layers into one GeoPackage, or as one GeoJSON file per layer.

    The GeoPackage (``drm.gpkg``, one layer per name, each in its own CRS) is
    written whole into a temporary file and then renamed, so a reader never
    sees it half-written. It needs geopandas and pyogrio (the ``geo`` extra);
    without them, for layers given as feature lists, or with ``gpkg=False``, each layer
    goes to ``<name>.geojson`` beside it: RFC 7946, WGS 84 lon/lat, UTF-8.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame or list of dict
        Layers by name (letters, digits, ``_``): GeoDataFrames with a CRS, or
        GeoJSON Feature dicts already in lon/lat (from :func:`lonlat_features`).
    folder_or_path : str or path-like
        The output folder (the GeoPackage is ``drm.gpkg`` in it), or the
        ``.gpkg`` file itself (GeoJSON layers then go to its folder).
    gpkg : bool
        False: write the GeoJSON files even when a GeoPackage could be written.

    Returns
    -------
    dict of str to pathlib.Path
        The file holding each layer (the same ``drm.gpkg`` for every layer of a GeoPackage).

    Raises
    ------
    InputError
        No layers, a layer name that is not a plain word, or a GeoDataFrame without a CRS.

    Warns
    -----
    DrmWarning
        ``gpkg=True`` but the GeoPackage cannot be written (geopandas or pyogrio
        missing, or layers given as feature lists): GeoJSON files are written instead.

    Examples
    --------
    >>> import pathlib, tempfile, pandas as pd, shapely
    >>> layer = lonlat_features(pd.DataFrame({"name": ["Escuela Ñaña"]}),
    ...                         [shapely.Point(259306.1, 948420.8)], "EPSG:32619")
    >>> files = write_layers({"centres": layer}, pathlib.Path(tempfile.mkdtemp()), gpkg=False)
    >>> files["centres"].name, read_geojson(files["centres"])[0][0]["properties"]["name"]
    ('centres.geojson', 'Escuela Ñaña')
    """
    if not layers:
        raise InputError("write_layers: no layers to write")
    bad = [name for name in layers if not re.fullmatch(r"\w+", str(name), re.ASCII)]
    if bad:
        raise InputError(
            f"write_layers: layer names {bad} are not plain words; use letters, digits and '_'"
        )
    target = Path(folder_or_path)
    path = target if target.suffix.lower() == ".gpkg" else target / "drm.gpkg"
    frames = _geodataframes(layers) if gpkg else None
    if frames is not None:
        return _write_gpkg(frames, path)
    if gpkg:
        warn(f"{path.name} not written: it needs geopandas and pyogrio (install them with: "
            "pip install 'drm[geo]'); wrote the layers as GeoJSON files (lon/lat) instead")
    return {
        name: write_geojson(_features(name, layer), path.parent / f"{name}.geojson")
        for name, layer in layers.items()
    }


def _geodataframes(layers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The layers when all are GeoDataFrames and pyogrio can write them; else None."""
    try:
        import geopandas
        import pyogrio  # noqa: F401
    except ImportError:
        return None
    if not all(isinstance(layer, geopandas.GeoDataFrame) for layer in layers.values()):
        return None
    for name, layer in layers.items():
        _require_crs(name, layer)
    return dict(layers)


def _require_crs(name: str, layer: Any) -> None:
    if layer.crs is None:
        raise InputError(
            f"write_layers: layer {name!r} has no CRS; set it with layer.set_crs('EPSG:....')"
        )


def _write_gpkg(layers: dict[str, Any], path: Path) -> dict[str, Path]:
    """Every layer into one GeoPackage, staged under a ``.gpkg`` name GDAL accepts, then renamed."""
    import pyogrio

    with (
        atomic_path(path) as tmp,
        tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}-") as work,
    ):
        staged = Path(work) / path.name
        for name, layer in layers.items():
            pyogrio.write_dataframe(layer, staged, layer=name, driver="GPKG")
        os.replace(staged, tmp)
    return dict.fromkeys(layers, path)


def _features(name: str, layer: Any) -> list[dict[str, Any]]:
    """A layer as lon/lat Feature dicts (a GeoDataFrame is projected; a list is taken as it is)."""
    if isinstance(layer, list):
        return layer
    _require_crs(name, layer)
    geometry = layer.geometry.name
    return lonlat_features(
        pd.DataFrame(layer.drop(columns=geometry)), np.asarray(layer[geometry]), layer.crs
    )
