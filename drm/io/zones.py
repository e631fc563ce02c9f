"""Neighbourhoods as polygons, and a census table per neighbourhood.

:func:`read_zones` reads zone polygons (GeoJSON or GeoPackage, any CRS),
brings them into the DEM's CRS and rasterises them with exact area fractions:
each polygon is intersected with the cell boxes inside its bounding box
(shapely 2, vectorised), so the share of every cell inside every zone is
known and people can be counted per zone by fraction, not by majority cell.
It returns a :class:`ZoneLayer`.

:func:`read_census` reads a CSV of persons per zone by sex and age group
(Spanish headers accepted), as counts or as shares, and returns each zone's
shares, from which :class:`drm.demographics.ZoneProfiles` builds one
demographic profile per zone.

Rules, in short
---------------
* Ids: the ``id_field`` property, else the first of ``id``, ``zone_id``,
  ``zone``, ``codigo``, ``cod``, ``code``, ``fid``, ``objectid`` (any case);
  else the GeoJSON feature ``id`` or the GeoPackage fid; else 1..n in file
  order. Whole-number ids are kept (they must be > 0: 0 means "no zone");
  text codes (``"B-07"``) are numbered 1..n in file order and kept in the
  table's ``code`` column. Names: ``name_field``, else ``name``, ``nombre``,
  ``barrio``, ``sector``, ``zona``, ``neighbourhood`` (else empty).
* CRS: the file's own (a GeoJSON ``crs`` member, the GeoPackage's SRS); else
  ``crs=``; else, for GeoJSON whose coordinates fit in lon/lat, WGS 84 (RFC
  7946). Coordinates that look projected with no CRS are refused.
* Zone-id grid: a cell belongs to the zone covering most of it, and only when
  the zones together cover at least half of it (ties: the smallest id).
* Overlapping polygons: warned (with the overlap areas); in a cell covered
  more than once the fractions are scaled down to add up to 1, so the people
  of the overlap are split between the zones by area, never counted twice.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import xarray as xr
from pyproj import CRS, Transformer
from scipy import sparse

from drm.errors import DrmWarning, GridError, InputError, missing_dependency
from drm.grids import GridSpec, check_grid, get_crs, grid_bounds, new_grid_like
from drm.io._files import resolve_input
from drm.io.vectors import file_crs, read_geojson

__all__ = ["CENSUS_GROUPS", "ZoneLayer", "read_census", "read_zones"]

_ID_FIELDS = ("id", "zone_id", "zone", "codigo", "cod", "code", "fid", "objectid")
_NAME_FIELDS = ("name", "nombre", "barrio", "sector", "zona", "neighbourhood", "neighborhood")
#: Overlaps smaller than this share of the smaller polygon are taken as digitising noise.
_OVERLAP_RTOL = 1e-4  # overlaps under 0.01 % of the smaller zone: slivers of digitising


@dataclass(frozen=True, eq=False)
class ZoneLayer:
    """Zones rasterised onto a grid with exact area fractions (see :func:`read_zones`).

    Attributes
    ----------
    zone_id : xarray.DataArray
        Zone id of each cell (int32; 0 = no zone): the zone covering most of
        the cell, when the zones together cover at least half of it.
    fractions : scipy.sparse.csr_array
        Share (0-1) of each cell inside each zone, shape (cells, zones): row
        ``i * nx + j`` is cell (y index i, x index j) of ``zone_id``, column k
        is zone ``table.index[k]``. Each row adds up to at most 1.
    table : pandas.DataFrame
        One row per zone (index ``zone``, ascending): ``name``, ``code`` (only
        for text ids), ``area_m2`` (polygon area in the grid's CRS, m²),
        ``area_inside_m2`` (its part inside the grid, m²), ``area_raster_m2``
        (sum of fractions x cell area, m²) and ``cells`` (number of cells of
        the zone in ``zone_id``).
    source : str
        The file read.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> import numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> dem = set_crs(xr.DataArray(np.zeros((2, 2)), dims=("y", "x"),
    ...                            coords={"y": [15.0, 5.0], "x": [5.0, 15.0]}), "EPSG:32619")
    >>> square = [[[0, 0], [15, 0], [15, 20], [0, 20], [0, 0]]]
    >>> doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:32619"}},
    ...        "features": [{"type": "Feature", "properties": {"id": 4, "nombre": "Centro"},
    ...                      "geometry": {"type": "Polygon", "coordinates": square}}]}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "barrios.geojson"
    >>> _ = path.write_text(json.dumps(doc))
    >>> z = read_zones(path, dem)
    >>> z.fractions.toarray().ravel().tolist(), z.zone_id.values.tolist()
    ([1.0, 0.5, 1.0, 0.5], [[4, 4], [4, 4]])
    """

    zone_id: xr.DataArray
    fractions: sparse.csr_array
    table: pd.DataFrame
    source: str

    @property
    def ids(self) -> np.ndarray:
        """Zone ids in column order of :attr:`fractions` (ascending)."""
        return self.table.index.to_numpy(dtype=np.int64)

    def __repr__(self) -> str:
        t = self.table
        return (
            f"ZoneLayer({len(t)} zones from {Path(self.source).name}: "
            f"{t['area_m2'].sum() / 1e6:.3g} km², {t['area_raster_m2'].sum() / 1e6:.3g} km² on the grid)"
        )

    def _repr_html_(self) -> str:
        return f"<b>{self!r}</b>" + self.table.to_html(max_rows=20)


@dataclass(frozen=True)
class _Features:
    """Polygons of a zone file in the file's CRS, with their properties."""

    geoms: np.ndarray
    props: list[dict[str, Any]]
    member_ids: list[Any]
    crs: CRS | None
    rfc7946: bool


def read_zones(
    path: str | os.PathLike[str],
    like: xr.DataArray,
    *,
    id_field: str | None = None,
    name_field: str | None = None,
    crs: Any = None,
    layer: str | None = None,
) -> ZoneLayer:
    """Read zone polygons and rasterise them onto a grid with exact area fractions.

    Parameters
    ----------
    path : str or path-like
        GeoJSON (``.geojson``/``.json``; RFC 7946 lon/lat, or the legacy
        ``crs`` member) or GeoPackage (``.gpkg``, needs pyogrio) of Polygon
        or MultiPolygon features.
    like : xarray.DataArray
        The grid to rasterise onto (the DEM, or the flood's grid); its CRS,
        which must be recorded, is the target. Only its coordinates (m) are used.
    id_field : str, optional
        Property holding the zone ids (default: see the module notes).
    name_field : str, optional
        Property holding the zone names.
    crs : str, int or pyproj.CRS, optional
        CRS of the file's coordinates when the file does not say.
    layer : str, optional
        GeoPackage layer; needed when the file has more than one.

    Returns
    -------
    ZoneLayer
        Zone-id grid, cell fractions and zone table.

    Raises
    ------
    InputError
        Unknown format, no features, a geometry that is not a (valid) polygon,
        duplicated or non-positive ids, a missing id/name field, projected
        coordinates with no CRS ("pass crs=").
    GridError
        ``like`` records no CRS, or a geographic one.
    MissingDependencyError
        A GeoPackage without pyogrio installed.

    Warns
    -----
    DrmWarning
        Overlapping polygons (with the overlap areas); zones partly or wholly
        outside the grid (with the area inside).

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> import numpy as np, xarray as xr
    >>> from drm.grids import set_crs
    >>> dem = set_crs(xr.DataArray(np.zeros((2, 3)), dims=("y", "x"),
    ...                            coords={"y": [15.0, 5.0], "x": [5.0, 15.0, 25.0]}), "EPSG:32619")
    >>> def square(x0, x1):
    ...     return {"type": "Polygon", "coordinates": [[[x0, 0], [x1, 0], [x1, 20], [x0, 20], [x0, 0]]]}
    >>> doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:32619"}},
    ...        "features": [{"type": "Feature", "properties": {"codigo": 1, "barrio": "Arriba"},
    ...                      "geometry": square(0, 15)},
    ...                     {"type": "Feature", "properties": {"codigo": 2, "barrio": "Abajo"},
    ...                      "geometry": square(15, 30)}]}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "barrios.geojson"
    >>> _ = path.write_text(json.dumps(doc))
    >>> z = read_zones(path, dem)
    >>> z.zone_id.values.tolist()  # the middle column is half in each: the smaller id
    [[1, 1, 2], [1, 1, 2]]
    >>> z.table[["name", "area_m2", "area_raster_m2"]].values.tolist()
    [['Arriba', 300.0, 300.0], ['Abajo', 300.0, 300.0]]
    """
    p = resolve_input(path, "zones")
    target = _target_crs(like)
    spec = check_grid(like, "zone grid (like)", time=None, allow_all_nan=True)
    feats = _read_features(p, layer)
    ids, codes = _zone_ids(feats, id_field, p)
    names = _zone_names(feats, name_field, p)
    src, assumed = _source_crs(feats, crs, p)
    geoms = _to_crs(feats, src, target, spec.dx)
    if assumed and not shapely.intersects(
        shapely.box(*grid_bounds(like)), shapely.union_all(geoms)
    ):
        raise InputError(
            f"{p}: declares no CRS and, read as lon/lat (RFC 7946), its zones fall outside the DEM; "
            "if its coordinates are projected, pass crs='EPSG:....' (the CRS of the file)"
        )
    for k, g in enumerate(geoms):
        if not shapely.is_valid(g):
            raise InputError(
                f"{p}: zone {ids[k]} has an invalid polygon ({shapely.is_valid_reason(g)}); "
                "repair it (e.g. QGIS 'Fix geometries') and read it again"
            )
    order = np.argsort(ids, kind="stable")
    ids, geoms, names = ids[order], geoms[order], [names[k] for k in order]
    codes = [codes[k] for k in order] if codes is not None else None
    _warn_overlaps(geoms, ids, p)
    fractions = _fractions(geoms, spec)
    table = _zone_table(ids, names, codes, geoms, fractions, like, spec.dx)
    zone_id = _majority(fractions, ids, spec.shape)
    table["cells"] = np.bincount(np.searchsorted(ids, zone_id[zone_id > 0]), minlength=len(ids))
    _warn_outside(table, p)
    return ZoneLayer(
        zone_id=new_grid_like(
            like,
            data=zone_id,
            dtype=np.int32,
            name="zone_id",
            units="1",
            long_name=f"zone id ({p.name}; 0 = none)",
        ),
        fractions=fractions,
        table=table,
        source=str(p),
    )


def _target_crs(like: xr.DataArray) -> CRS:
    target = get_crs(like)
    if target is None:
        raise GridError(
            "zones: the grid (like) records no CRS, so the polygons cannot be placed on it; "
            "record it with drm.grids.set_crs(dem, 'EPSG:....') or read the DEM with crs="
        )
    if target.is_geographic:
        raise GridError(
            f"zones: the grid (like) is in degrees ({target.name}); use the DEM in metres"
        )
    return target


def _read_features(p: Path, layer: str | None) -> _Features:
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".json"):
        features, file_crs = read_geojson(p, what="zones")
        geoms, props, member_ids = [], [], []
        for k, f in enumerate(features):
            geom = f.get("geometry")
            try:
                geoms.append(shapely.geometry.shape(geom) if geom else None)
            except (AttributeError, TypeError, ValueError, shapely.errors.GEOSException):
                raise InputError(f"{p}: feature {k + 1} has a malformed geometry") from None
            props.append(dict(f.get("properties") or {}))
            member_ids.append(f.get("id"))
        feats = _Features(np.array(geoms, dtype=object), props, member_ids, file_crs, True)
    elif suffix == ".gpkg":
        feats = _read_gpkg(p, layer)
    else:
        raise InputError(
            f"{p}: unknown zones format {p.suffix or '(no extension)'!r}; drm reads polygons from "
            ".geojson, .json and .gpkg (a zone-id grid is read with drm.io.read_grid)"
        )
    if len(feats.geoms) == 0:
        raise InputError(f"{p}: holds no zone features")
    for k, g in enumerate(feats.geoms):
        kind = "no geometry" if g is None else g.geom_type
        if kind not in ("Polygon", "MultiPolygon"):
            raise InputError(
                f"{p}: feature {k + 1} is {kind}; zones must be Polygon or MultiPolygon features "
                "(buffer points or lines into areas first)"
            )
    return feats


def _read_gpkg(p: Path, layer: str | None) -> _Features:
    try:
        import pyogrio
    except ImportError:
        raise missing_dependency("pyogrio", "geo", f"reading GeoPackage zones {p.name}") from None
    layers = [str(name) for name, _ in pyogrio.list_layers(p)]
    if layer is None and len(layers) > 1:
        raise InputError(f"{p}: has layers {layers}; pass layer= (the scenario's zones layer)")
    if layer is not None and layer not in layers:
        raise InputError(f"{p}: has no layer {layer!r}; its layers are {layers}")
    meta, fids, wkb, fields = pyogrio.raw.read(p, layer=layer, return_fids=True)
    geoms = shapely.from_wkb(wkb)
    names = [str(n) for n in meta["fields"]]
    props = (
        [
            {
                n: (v.item() if isinstance(v, np.generic) else v)
                for n, v in zip(names, row, strict=True)
            }
            for row in zip(*fields, strict=True)
        ]
        if names
        else [{} for _ in geoms]
    )
    file_crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
    return _Features(
        np.asarray(geoms, dtype=object), props, [int(f) for f in fids], file_crs, False
    )


def _field(props: list[dict[str, Any]], given: str | None, candidates: tuple[str, ...],
           what: str, p: Path) -> str | None:  # fmt: skip
    """The property key to use: ``given`` (required in every feature) or the first candidate present."""
    keys = list(dict.fromkeys(k for pr in props for k in pr))
    if given is not None:
        if given not in keys:
            close = difflib.get_close_matches(given, keys, n=2, cutoff=0.6)
            hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
            raise InputError(
                f"{p}: no property {given!r} for the zone {what}{hint}; properties: {keys}"
            )
        return given
    lower = {k.lower(): k for k in keys}
    return next((lower[c] for c in candidates if c in lower), None)


def _zone_ids(
    feats: _Features, id_field: str | None, p: Path
) -> tuple[np.ndarray, list[str] | None]:
    """Zone ids (int64 > 0) and, for text codes, the codes (ids are then 1..n)."""
    key = _field(feats.props, id_field, _ID_FIELDS, "ids", p)
    if key is not None:
        raw = [pr.get(key) for pr in feats.props]
        where = f"property {key!r}"
    elif all(m is not None for m in feats.member_ids):
        raw, where = list(feats.member_ids), "feature id"
    else:
        return np.arange(1, len(feats.geoms) + 1, dtype=np.int64), None
    missing = [
        k + 1 for k, v in enumerate(raw) if v is None or (isinstance(v, float) and math.isnan(v))
    ]
    if missing:
        raise InputError(f"{p}: features {missing[:5]} have no {where}; every zone needs an id")
    ints = [_whole(v) for v in raw]
    if all(v is not None for v in ints):
        ids = np.array(ints, dtype=np.int64)
        codes = None
    else:
        codes = [str(v).strip() for v in raw]
        ids = np.arange(1, len(raw) + 1, dtype=np.int64)
    labels = codes if codes is not None else ids.tolist()
    seen: dict[Any, int] = {}
    for k, v in enumerate(labels):
        if v in seen:
            raise InputError(
                f"{p}: zone id {v!r} ({where}) is used by features {seen[v] + 1} and {k + 1}; ids must be "
                "unique (merge the parts into one MultiPolygon, or fix the ids)"
            )
        seen[v] = k
    if codes is None and (ids <= 0).any():
        raise InputError(
            f"{p}: zone id {int(ids[ids <= 0][0])} ({where}) must be > 0 (0 means no zone)"
        )
    return ids, codes


def _whole(value: Any) -> int | None:
    """``value`` as a whole number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    return None


def _zone_names(feats: _Features, name_field: str | None, p: Path) -> list[str]:
    key = _field(feats.props, name_field, _NAME_FIELDS, "names", p)
    if key is None:
        return [""] * len(feats.props)
    return ["" if pr.get(key) is None else str(pr.get(key)).strip() for pr in feats.props]


def _source_crs(feats: _Features, crs: Any, p: Path) -> tuple[CRS, bool]:
    """The file's CRS, and whether it was assumed (RFC 7946 lon/lat for a GeoJSON that says none)."""
    chosen = file_crs(feats.crs, crs, p)
    if chosen is not None:
        return chosen, False
    xmin, ymin, xmax, ymax = shapely.total_bounds(feats.geoms)
    degrees = xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90
    if feats.rfc7946 and degrees:
        return CRS.from_epsg(4326), True
    raise InputError(
        f"{p}: coordinates look projected (x {xmin:,.0f} to {xmax:,.0f}, y {ymin:,.0f} to {ymax:,.0f}) "
        "but the file declares no CRS; pass crs='EPSG:....' (the CRS of the file; the scenario's "
        "population.zones_crs)"
        if not degrees
        else f"{p}: the GeoPackage layer records no CRS; pass crs='EPSG:....' (the CRS of the file)"
    )


def _to_crs(feats: _Features, src: CRS, dst: CRS, dx: float) -> np.ndarray:
    """Polygons in ``dst``, edges densified first so that they stay true to the source lines."""
    geoms = feats.geoms
    if src == dst:
        return geoms
    step = 10.0 * dx / (111_320.0 if src.is_geographic else 1.0)
    t = Transformer.from_crs(src, dst, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(shapely.segmentize(geoms, step), project)


def _warn_overlaps(geoms: np.ndarray, ids: np.ndarray, p: Path) -> None:
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    pair = i < j
    i, j = i[pair], j[pair]
    if not i.size:
        return
    area = shapely.area(shapely.intersection(geoms[i], geoms[j]))
    small = np.minimum(shapely.area(geoms[i]), shapely.area(geoms[j]))
    big = area > np.maximum(_OVERLAP_RTOL * small, 1.0)
    if not big.any():
        return
    listed = ", ".join(
        f"{ids[a]} & {ids[b]} by {s:,.1f} m²"
        for a, b, s in zip(i[big][:10], j[big][:10], area[big][:10], strict=True)
    )
    more = f" (and {int(big.sum()) - 10} more pairs)" if big.sum() > 10 else ""
    warnings.warn(
        DrmWarning(
            f"{p}: zones overlap: {listed}{more}; the people of an overlap are split between "
            "its zones by area, never counted twice - fix the polygons if they should not overlap"
        ),
        stacklevel=3,
    )


def _fractions(geoms: np.ndarray, spec: GridSpec) -> sparse.csr_array:
    """Share of each cell in each polygon (cells x zones), rows scaled to add up to at most 1."""
    xs, ys, h = spec.x, spec.y, spec.dx / 2
    rows, cols, vals = [], [], []
    for k, g in enumerate(geoms):
        xmin, ymin, xmax, ymax = g.bounds
        jj = np.flatnonzero((xs + h > xmin) & (xs - h < xmax))
        ii = np.flatnonzero((ys + h > ymin) & (ys - h < ymax))
        if not (ii.size and jj.size):
            continue
        cols_j, rows_i = np.meshgrid(jj, ii)
        cx, cy = xs[cols_j.ravel()], ys[rows_i.ravel()]
        boxes = shapely.box(cx - h, cy - h, cx + h, cy + h)
        shapely.prepare(g)
        inside = shapely.covers(g, boxes)
        frac = inside.astype(float)
        edge = ~inside & shapely.intersects(g, boxes)
        frac[edge] = shapely.area(shapely.intersection(boxes[edge], g)) / (spec.dx * spec.dx)
        keep = frac > 0
        rows.append((rows_i.ravel() * spec.nx + cols_j.ravel())[keep])
        cols.append(np.full(int(keep.sum()), k))
        vals.append(np.minimum(frac[keep], 1.0))
    n_cells = spec.ny * spec.nx
    if not rows:
        return sparse.csr_array((n_cells, len(geoms)))
    w = sparse.coo_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_cells, len(geoms)),
    ).tocsr()
    total = np.asarray(w.sum(axis=1)).ravel()
    scale = np.where(total > 1.0, 1.0 / np.where(total > 0, total, 1.0), 1.0)
    w = sparse.csr_array(sparse.diags_array(scale) @ w)
    w.sort_indices()
    return w


def _majority(fractions: sparse.csr_array, ids: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Zone id per cell: the largest fraction (ties: smallest id) where the cover is >= 0.5."""
    coo = fractions.tocoo()
    out = np.zeros(shape[0] * shape[1], dtype=np.int64)
    if coo.nnz:
        order = np.lexsort((coo.col, -coo.data, coo.row))
        r, c = coo.row[order], coo.col[order]
        first = np.r_[True, r[1:] != r[:-1]]
        out[r[first]] = ids[c[first]]
    cover = np.asarray(fractions.sum(axis=1)).ravel()
    out[cover < 0.5] = 0
    return out.reshape(shape)


def _zone_table(ids: np.ndarray, names: list[str], codes: list[str] | None, geoms: np.ndarray,
                fractions: sparse.csr_array, like: xr.DataArray, dx: float) -> pd.DataFrame:  # fmt: skip
    extent = shapely.box(*grid_bounds(like))
    table = pd.DataFrame({"name": names}, index=pd.Index(ids, name="zone"))
    if codes is not None:
        table["code"] = codes
    table["area_m2"] = shapely.area(geoms)
    table["area_inside_m2"] = shapely.area(shapely.intersection(geoms, extent))
    table["area_raster_m2"] = np.asarray(fractions.sum(axis=0)).ravel() * dx * dx
    return table


def _warn_outside(table: pd.DataFrame, p: Path) -> None:
    share = table["area_inside_m2"] / table["area_m2"]
    out = table[share < 1.0 - 1e-9]
    if out.empty:
        return
    parts = [
        f"{r.Index}{f' ({r.name})' if r.name else ''}: {r.area_inside_m2 / 1e6:.4g} of "
        f"{r.area_m2 / 1e6:.4g} km² inside ({100 * r.area_inside_m2 / r.area_m2:.1f} %)"
        for r in out.head(10).itertuples()
    ]
    more = f" and {len(out) - 10} more" if len(out) > 10 else ""
    warnings.warn(
        DrmWarning(
            f"{p}: zones reach outside the DEM - {'; '.join(parts)}{more}; only the part inside is "
            "rasterised (people outside the DEM are not counted)"
        ),
        stacklevel=3,
    )


# --------------------------------------------------------------------------- census

#: Census columns drm understands, by the group names of :mod:`drm.demographics` (plus the age
#: bands 5-14 / 5-17, kept for reports) and their accepted headers (compared without case,
#: accents, spaces or punctuation: ``Población``, ``poblacion`` and ``POBLACION`` are one header).
CENSUS_GROUPS: dict[str, tuple[str, ...]] = {
    "person": ("total", "poblacion", "poblacion_total", "total_personas", "personas", "habitantes",
               "population", "persons", "people", "pop_total"),
    "female": ("mujeres", "female", "females", "women", "mujer", "f", "total_mujeres",
               "poblacion_femenina"),
    "male": ("hombres", "male", "males", "men", "hombre", "varones", "m", "total_hombres",
             "poblacion_masculina"),
    "infant_under_2": ("infant_under_2", "0_1", "menores_2", "menores_de_2", "under_2"),
    "child_under_5": ("child_under_5", "0_4", "00_04", "0a4", "menores_5", "menores_de_5",
                      "under_5", "children_under_5", "edad_0_4", "age_0_4", "ninos_0_4"),
    "child_5_14": ("child_5_14", "5_14", "05_14", "5a14", "edad_5_14", "age_5_14", "ninos_5_14"),
    "child_5_17": ("child_5_17", "5_17", "05_17", "5a17", "edad_5_17", "age_5_17", "ninos_5_17"),
    "woman_15_49": ("woman_15_49", "women_15_49", "female_15_49", "mujeres_15_49", "mef",
                    "mujeres_edad_fertil", "mujeres_en_edad_fertil"),
    "older_60": ("older_60", "60+", "60_y_mas", "60_mas", "60ymas", "mas_de_60", "mayores_60",
                 "mayores_de_60", "adultos_mayores", "adulto_mayor", "over_60", "60_plus", "age_60+"),
    "pregnant": ("pregnant", "embarazadas", "gestantes"),
    "disability": ("disability", "discapacidad", "con_discapacidad", "personas_con_discapacidad",
                   "disabled", "disabilities"),
    "household": ("household", "households", "hogares", "numero_de_hogares"),
    "household_size": ("household_size", "tamano_hogar", "tamano_del_hogar", "personas_por_hogar"),
}  # fmt: skip
_CENSUS_ID = (
    "zone",
    "zone_id",
    "id",
    "codigo",
    "cod",
    "code",
    "codigo_barrio",
    "cod_barrio",
    "id_zona",
)
_CENSUS_NAME = ("name", "nombre", "barrio", "sector", "zona", "nombre_barrio", "neighbourhood")
_SHARE_COLUMNS = tuple(
    g for g in CENSUS_GROUPS if g not in ("person", "household", "household_size")
)


def read_census(
    path: str | os.PathLike[str], *, zones: ZoneLayer | pd.DataFrame | None = None
) -> pd.DataFrame:
    r"""Read a census table per zone: persons by sex and age group, as counts or as shares.

    Headers may be English or Spanish (see :data:`CENSUS_GROUPS`): e.g.
    ``codigo, barrio, poblacion, mujeres, hombres, 0-4, 5-14, mujeres_15_49,
    60+, discapacidad``. A table whose group values are all <= 1 holds
    shares; otherwise a column of values all <= 1 with a fraction among them
    is a share column and the others are counts (divided by the zone's total).
    The table's own total (``total``/``poblacion``) is the zone's persons;
    without one, female + male. Where female + male differ from the total,
    a warning names the zones and the sexes are scaled to the total. A blank
    cell leaves that group to the default profile.

    Parameters
    ----------
    path : str or path-like
        Comma-separated CSV (UTF-8, UTF-8 with BOM, or Windows-1252/Latin-1),
        one row per zone, with a zone id column (``zone``, ``id``,
        ``codigo``...) or, with ``zones``, a name column (``barrio``...).
    zones : ZoneLayer or pandas.DataFrame, optional
        The zone layer (or its table, indexed by zone id, with ``name`` and
        optional ``code``): census ids are matched to it (text codes to
        ``code``, names to ``name`` when the census has no id), census rows
        of unknown zones are dropped and zones without a row are named.

    Returns
    -------
    pandas.DataFrame
        Index ``zone`` (int); ``name`` when given; ``person`` (persons in the
        census; NaN when the table gives only shares); one share (fraction
        0-1 of ``person``) per group found, named as in
        :data:`CENSUS_GROUPS`; ``household_size`` (persons per household) when
        households or a household size are given.

    Raises
    ------
    InputError
        Unreadable file, no zone column, duplicated zones, a value that is not
        a number or is negative, a group larger than the zone's total, a
        header that two columns claim.

    Warns
    -----
    DrmWarning
        Sexes not adding up to the total (zones and gaps); census zones not in
        ``zones`` (ignored); zones without a census row or with 0 persons (they
        get the default profile).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "censo.csv"
    >>> _ = path.write_text("codigo,barrio,Población,Mujeres,Hombres,0-4,60 y más\n"
    ...                     "1,Centro,1000,520,480,90,150\n2,La Loma,400,200,200,40,30\n", encoding="utf-8")
    >>> c = read_census(path)
    >>> c.loc[1, ["person", "female", "child_under_5", "older_60"]].tolist()
    [1000.0, 0.52, 0.09, 0.15]
    """
    p = resolve_input(path, "census")
    raw = _read_csv(p)
    columns = _census_columns(raw, p)
    table = _zone_index(raw, columns, p, zones)
    values = {g: _numbers(raw[c], c, p) for g, c in columns.items() if g in CENSUS_GROUPS}
    out = _as_shares(values, table.index, p)
    if "name" in columns:
        out.insert(0, "name", raw[columns["name"]].fillna("").astype(str).str.strip().to_numpy())
    out = out[table["keep"].to_numpy()]
    return _check_zones(out, zones, p)


def _read_csv(p: Path) -> pd.DataFrame:
    """The census cells as text, read as :func:`drm.io.read_table` reads any CSV.

    Comma, semicolon or tab separated, UTF-8 (with or without BOM) or
    Windows-1252; decimal commas in files separated by ``;`` or tab are
    turned into points (``attrs["decimal"]``).
    """
    from drm.io.tables import _numbers_text, _parse_csv

    if p.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise InputError(f"{p}: the census must be a CSV file (.csv)")
    df, how = _parse_csv(p, "census")
    if df.empty:
        raise InputError(f"{p}: the census has a header but no rows; add a row per zone")
    if how["delimiter"] != "," and any(
        df[c].dropna().astype(str).str.fullmatch(r"\s*-?[\d.]*,\d+\s*").any() for c in df.columns
    ):
        for c in df.columns:
            numeric = df[c].dropna().astype(str).str.fullmatch(r"\s*-?[\d.,\s]+\s*")
            if len(numeric) and numeric.all():
                df[c] = _numbers_text(df[c], ",").where(df[c].notna())
    df.attrs.update(how)
    return df


def _key(header: str) -> str:
    """A header without accents, case, spaces or punctuation (``+`` kept): ``'60 y más'`` -> ``'60_y_mas'``."""
    plain = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9+]+", "_", plain.lower()).strip("_")


def _census_columns(raw: pd.DataFrame, p: Path) -> dict[str, str]:
    """Census group (or ``id``/``name``) -> the file's header."""
    lookup = {a: g for g, aliases in CENSUS_GROUPS.items() for a in aliases}
    lookup.update(dict.fromkeys(_CENSUS_NAME, "name"))
    lookup.update(dict.fromkeys(_CENSUS_ID, "id"))
    found: dict[str, str] = {}
    for header in raw.columns:
        group = lookup.get(_key(header))
        if group is None:
            continue
        if group in found:
            raise InputError(
                f"{p}: columns {found[group]!r} and {header!r} both give the census {group!r}; keep one"
            )
        found[group] = str(header)
    if not any(g in found for g in _SHARE_COLUMNS):
        raise InputError(
            f"{p}: the census has none of the groups drm reads (e.g. mujeres/female, hombres/male, "
            f"0-4, 60+, discapacidad); its columns are {list(raw.columns)}"
        )
    return found


def _zone_index(raw: pd.DataFrame, columns: dict[str, str], p: Path, zones: Any) -> pd.DataFrame:
    """Zone id of each census row and whether the zone is in ``zones`` (column ``keep``)."""
    table = zones.table if isinstance(zones, ZoneLayer) else zones
    if "id" in columns:
        col = columns["id"]
        text = raw[col].fillna("").astype(str).str.strip()
        if (text == "").any():
            raise InputError(
                f"{p}: census column {col!r} is empty on data row {int(np.argmax(text == '')) + 1}"
            )
        if table is not None and "code" in table:
            by_code = pd.Series(table.index, index=table["code"].astype(str))
            ids = text.map(by_code)
        else:
            whole = text.map(_whole)
            if whole.isna().any():
                bad = text[whole.isna()].iloc[0]
                raise InputError(
                    f"{p}: census zone id {bad!r} (column {col!r}) is not a whole number"
                )
            ids = whole.astype(float)
            if table is not None:
                ids = ids.where(ids.isin(table.index))
        labels = text
    elif "name" in columns and table is not None:
        names = table["name"].astype(str).map(_key)
        if names.duplicated().any():
            raise InputError(
                f"{p}: the census has no zone id and the zone names repeat; add a zone id column"
            )
        labels = raw[columns["name"]].fillna("").astype(str).str.strip()
        ids = labels.map(_key).map(pd.Series(table.index, index=names.to_numpy()))
    else:
        raise InputError(
            f"{p}: the census needs a zone id column (zone, id, codigo...) matching the zone layer"
            + (
                ""
                if table is None
                else ", or a name column (barrio, nombre...) matching the zone names"
            )
        )
    dup = labels[labels.duplicated()]
    if not dup.empty:
        raise InputError(
            f"{p}: census zone {dup.iloc[0]!r} appears more than once; one row per zone"
        )
    unknown = labels[ids.isna()].tolist()
    if unknown:
        warnings.warn(
            DrmWarning(
                f"{p}: census zones {unknown[:10]} are not in the zone layer; their rows are ignored"
            ),
            stacklevel=3,
        )
    index = pd.Index(ids.fillna(-1).astype(np.int64).to_numpy(), name="zone")
    return pd.DataFrame({"keep": ids.notna().to_numpy()}, index=index)


def _numbers(series: pd.Series, col: str, p: Path) -> np.ndarray:
    values = pd.to_numeric(series.str.strip(), errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise InputError(
            f"{p}: census column {col!r} needs numbers; data row {row + 1} has {series.iloc[row]!r} "
            "(decimal point '.', no thousands separator)"
        )
    if (values < 0).any():
        row = int(np.argmax((values < 0).to_numpy()))
        raise InputError(f"{p}: census column {col!r} has a negative value on data row {row + 1}")
    return values.to_numpy(dtype=float)


def _as_shares(values: dict[str, np.ndarray], index: pd.Index, p: Path) -> pd.DataFrame:
    """Group shares of each zone's persons, and the persons."""
    groups = [g for g in _SHARE_COLUMNS if g in values]
    all_shares = all(np.nanmax(values[g], initial=0.0) <= 1.0 for g in groups)
    share_col = {g: all_shares or _looks_shares(values[g]) for g in groups}
    person = values.get("person")
    if person is None and not all(share_col.values()):
        if (
            not ("female" in values and "male" in values)
            or share_col["female"]
            or share_col["male"]
        ):
            raise InputError(
                f"{p}: the census gives counts but no total; add a total/poblacion column"
            )
        person = values["female"] + values["male"]
    n = len(index)
    out = pd.DataFrame(index=index)
    out["person"] = person if person is not None else np.full(n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {
            g: values[g] if share_col[g] else values[g] / out["person"].to_numpy() for g in groups
        }
    _check_sexes(shares, values, share_col, out, p)
    for g in groups:
        over = shares[g] > 1.0 + 1e-9
        if over.any():
            z = index[int(np.argmax(over))]
            raise InputError(
                f"{p}: census zone {z}: {g} ({values[g][over][0]:g}) is more than the zone's total"
            )
        out[g] = shares[g]
    if "household" in values:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["household_size"] = out["person"] / np.where(
                values["household"] > 0, values["household"], np.nan
            )
    elif "household_size" in values:
        out["household_size"] = values["household_size"]
    return out


def _looks_shares(v: np.ndarray) -> bool:
    """All values <= 1 and at least one fraction: a column of shares in a table of counts."""
    ok = v[np.isfinite(v)]
    return bool(ok.size) and bool(np.all(ok <= 1.0)) and bool(np.any(ok != np.round(ok)))


def _check_sexes(shares: dict[str, np.ndarray], values: dict[str, np.ndarray], share_col: dict[str, bool],
                 out: pd.DataFrame, p: Path) -> None:  # fmt: skip
    """Warn where female + male is not the total; scale the two to add up to it (in place)."""
    if "female" not in shares or "male" not in shares:
        return
    f, m = shares["female"], shares["male"]
    both = f + m
    counts = not (share_col["female"] and share_col["male"])
    person = out["person"].to_numpy()
    gap = both * person - person if counts else both - 1.0
    tol = np.maximum(1.0, 1e-3 * person) if counts else 5e-3
    bad = np.isfinite(gap) & (np.abs(gap) > tol)
    if bad.any():
        zones = out.index[bad][:10]
        if counts:
            what = ", ".join(
                f"zone {z}: {values['female'][k] + values['male'][k]:,.0f} vs {person[k]:,.0f} ({gap[k]:+,.0f})"
                for z, k in zip(zones, np.flatnonzero(bad)[:10], strict=True)
            )
        else:
            what = ", ".join(
                f"zone {z}: {both[k]:.3f}"
                for z, k in zip(zones, np.flatnonzero(bad)[:10], strict=True)
            )
        warnings.warn(
            DrmWarning(
                f"{p}: female + male is not the total in {int(bad.sum())} zones ({what}); the table's "
                "own total is used and the sexes are scaled to add up to it"
            ),
            stacklevel=4,
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        shares["female"] = np.where(both > 0, f / both, np.nan)
        shares["male"] = np.where(both > 0, m / both, np.nan)


def _check_zones(census: pd.DataFrame, zones: Any, p: Path) -> pd.DataFrame:
    from drm.demographics import default_profile

    empty = census["person"].to_numpy() == 0
    if empty.any():
        warnings.warn(
            DrmWarning(
                f"{p}: census zones {census.index[empty].tolist()[:10]} have 0 persons; they get the "
                f"default profile ({default_profile().name})"
            ),
            stacklevel=3,
        )
        census = census[~empty]
    if zones is not None:
        ids = zones.ids if isinstance(zones, ZoneLayer) else np.asarray(zones.index)
        missing = sorted({int(v) for v in ids} - set(census.index))
        if missing:
            warnings.warn(
                DrmWarning(
                    f"{p}: no census row for zones {missing[:10]}"
                    + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
                    + f"; their people get the default profile ({default_profile().name})"
                ),
                stacklevel=3,
            )
    return census
