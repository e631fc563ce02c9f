"""CSV tables: evacuation centres, warehouses, stock, hydrographs.

Each reader checks the columns it needs (naming the file, the missing column
and close matches), their types and ranges, fills optional columns with
documented defaults and returns a :class:`pandas.DataFrame` indexed by ``id``
where the table has one.

Files are read as a ministry or a spreadsheet sends them: comma, semicolon or
tab separated (sniffed from the first lines); UTF-8 with or without a BOM, or
Windows-1252 / Latin-1; decimal commas (``12,5`` and ``1.234,5``) in a file
separated by semicolons or tabs; headers matched whatever their case, accents
and spacing (``Capacidad``, ``CÓDIGO``, ``Área m2``), with the Spanish and
English aliases each column lists. Every conversion happens here, at read
time: coordinates go to the working CRS (``to_crs``, the DEM's) and stock
quantities to the item catalogue's units, or the file is refused with the fix.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from pyproj import CRS, Transformer

from drm.errors import InputError, warn
from drm.grids import get_crs, grid_bounds, xy_to_rowcol
from drm.io._files import file_format, read_text, resolve_input
from drm.units import parse_duration

__all__ = [
    "Column",
    "check_sites",
    "read_centres",
    "read_hydrograph",
    "read_landcover_classes",
    "read_stock",
    "read_table",
    "read_warehouses",
    "site_problems",
]

WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True)
class Column:
    """One column of a table schema.

    Attributes
    ----------
    name : str
        Column header (the name the column has in the returned table).
    kind : {"str", "float", "int", "bool"}
        Type the values must convert to.
    required : bool
        Whether the column must be present.
    default : Any
        Value for a missing optional column.
    minimum : float, optional
        Smallest allowed value, in the column's own units (``doc``).
    exclusive : bool
        Whether ``minimum`` itself is forbidden (``> minimum``).
    doc : str
        What the column means (units included), shown in error messages.
    aliases : tuple of str
        Other headers accepted for the column (``"nombre"`` for ``name``); headers
        are compared without case, accents, spaces or punctuation.
    """

    name: str
    kind: str = "float"
    required: bool = True
    default: Any = None
    minimum: float | None = None
    exclusive: bool = False
    doc: str = ""
    aliases: tuple[str, ...] = ()


_TRUE = {"true", "yes", "y", "1", "t", "si", "sí"}
_FALSE = {"false", "no", "n", "0", "f"}
#: Thousands grouped with dots, optional decimal comma: 1.234 / 12.345.678,9 (Spanish locale).
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def _key(header: str) -> str:
    """A header reduced for matching: no accents, lower case, runs of other signs as ``_``."""
    text = unicodedata.normalize("NFKD", str(header).replace("\ufeff", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _rows(mask: Any) -> list[int]:
    """Data-row numbers (1 = first row under the header) where ``mask`` is true."""
    return [int(i) + 1 for i in np.flatnonzero(np.asarray(mask, dtype=bool))]


def _listed(items: list[Any], limit: int = 10) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _numbers_text(series: pd.Series, decimal: str) -> pd.Series:
    """Number strings in Python's notation, decimal commas and dot-grouped thousands undone."""
    text = series.astype(str).str.strip()
    if decimal != ",":
        return text
    text = text.str.replace(_SPACES, "", regex=True)
    grouped = text.str.match(_GROUPED)
    text = text.where(~grouped, text.str.replace(".", "", regex=False))
    return text.str.replace(",", ".", regex=False)


def _convert(series: pd.Series, col: Column, where: str, decimal: str = ".") -> pd.Series:
    if col.kind == "str":
        if series.isna().any():
            row = _rows(series.isna())[0]
            raise InputError(f"{where}: column {col.name!r} is empty on data row {row}")
        return series.astype(str).str.strip()
    if col.kind == "bool":
        text = series.astype(str).str.strip().str.lower()
        ok = text.isin(_TRUE | _FALSE)
        if not ok.all():
            row = _rows(~ok)[0]
            raise InputError(
                f"{where}: column {col.name!r} has {series.iloc[row - 1]!r} on data row {row}; use true/false"
            )
        return text.isin(_TRUE)
    values = pd.to_numeric(_numbers_text(series, decimal), errors="coerce")
    bad = values.isna() | ~np.isfinite(values.astype(float))
    if bad.any():
        row = _rows(bad)[0]
        raise InputError(
            f"{where}: column {col.name!r} needs numbers ({col.doc or col.kind}); data row {row} has "
            f"{series.iloc[row - 1]!r}"
        )
    if col.minimum is not None:
        low = values <= col.minimum if col.exclusive else values < col.minimum
        if low.any():
            row = _rows(low)[0]
            op = ">" if col.exclusive else ">="
            raise InputError(
                f"{where}: column {col.name!r} must be {op} {col.minimum:g}; data row {row} has "
                f"{series.iloc[row - 1]!r}"
            )
    if col.kind == "int":
        fractional = values != np.round(values)
        if fractional.any():
            row = _rows(fractional)[0]
            raise InputError(
                f"{where}: column {col.name!r} needs whole numbers; data row {row} has {series.iloc[row - 1]!r}"
            )
        return values.astype(np.int64)
    return values.astype(float)


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter (``,``, ``;`` or tab) that splits the first lines into equal, widest rows."""
    sample = [ln for ln in lines[:20] if ln.strip()]
    best, best_score = ",", (False, 0)
    for sep in (",", ";", "\t"):
        widths = [len(r) for r in csv.reader(sample, delimiter=sep)]
        if not widths:
            continue
        score = (len(set(widths)) == 1 and widths[0] > 1, widths[0])
        if score > best_score:
            best, best_score = sep, score
    return best


def _parse_csv(path: Any, what: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every cell of a CSV as text (NaN when empty), and how the file was written."""
    text, encoding = read_text(path)
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    if not any(ln.strip() for ln in lines):
        raise InputError(f"{path}: {what} file is empty; give the file with its header and rows")
    sep = _sniff_delimiter(lines)
    try:
        df = pd.read_csv(
            io.StringIO("\n".join(lines)),
            sep=sep,
            skipinitialspace=True,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
    except pd.errors.ParserError as err:
        raise InputError(
            f"{path}: cannot parse {what} CSV ({err}); check the line it names (an unclosed "
            "quote, or the file cut short) or export it again"
        ) from None
    df.columns = [str(c).replace("\ufeff", "").strip() for c in df.columns]
    blank = [c for c in df.columns if (not c or c.startswith("Unnamed:")) and df[c].isna().all()]
    df = df.drop(columns=blank).dropna(how="all").reset_index(drop=True)
    return df, {"encoding": encoding, "delimiter": sep}


def _rename_aliases(df: pd.DataFrame, columns: list[Column], where: str) -> pd.DataFrame:
    """Headers matching a column's name or aliases (case, accents, spacing aside) renamed to it."""
    wanted = {}
    for col in columns:
        for alias in (col.name, *col.aliases):
            wanted.setdefault(_key(alias), col.name)
    found: dict[str, list[str]] = {}
    for header in df.columns:
        if _key(header) in wanted:
            found.setdefault(wanted[_key(header)], []).append(header)
    for name, headers in found.items():
        if len(headers) > 1:
            raise InputError(
                f"{where}: columns {' and '.join(map(repr, headers))} both mean {name!r}; keep one of them"
            )
    return df.rename(columns={h[0]: name for name, h in found.items()})


def _decimal_mark(df: pd.DataFrame, columns: list[Column], sep: str) -> str:
    """``","`` when a file separated by ``;`` or tab writes a number column with decimal commas."""
    if sep == ",":
        return "."
    numeric = [c.name for c in columns if c.kind in ("float", "int") and c.name in df.columns]
    for name in numeric:
        if df[name].dropna().astype(str).str.contains(",", regex=False).any():
            return ","
    return "."


def _missing(
    where: str, what: str, name: str, headers: list[str], needs: str, doc: str = ""
) -> InputError:
    """The error for a missing column, with the close matches among ``headers``."""
    close = difflib.get_close_matches(name, headers, n=2, cutoff=0.6)
    hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
    return InputError(
        f"{where}: {what} table is missing column {name!r}{hint}; it needs {needs}"
        + (f" - {name}: {doc}" if doc else "")
    )


def _set_index(
    df: pd.DataFrame, index: str, id_prefix: str | None, where: str, what: str
) -> pd.DataFrame:
    if index not in df.columns:
        width = max(2, len(str(len(df))))
        df[index] = [f"{id_prefix}{i + 1:0{width}d}" for i in range(len(df))]
    dup = df[index].duplicated(keep=False)
    if dup.any():
        ids = list(dict.fromkeys(df.loc[dup, index]))
        rows = "; ".join(f"{i!r}: data rows {_listed(_rows(df[index] == i))}" for i in ids[:10])
        raise InputError(
            f"{where}: {what} ids {_listed([repr(i) for i in ids])} appear more than once ({rows}); "
            "ids must be unique: give each row its own id"
        )
    return df.set_index(index)


def read_table(
    path: str | os.PathLike[str],
    columns: list[Column],
    *,
    what: str,
    index: str | None = None,
    id_prefix: str | None = None,
) -> pd.DataFrame:
    r"""Read a CSV file and check it against ``columns``.

    Parameters
    ----------
    path : str or path-like
        The CSV file: one header row; ``#`` starts a comment line; comma, semicolon or tab
        separated (sniffed); UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1252 /
        Latin-1; decimal commas accepted in number columns of a file separated by ``;`` or tabs.
        Empty rows and empty unnamed columns (spreadsheet leftovers) are dropped.
    columns : list of Column
        The schema. Headers are matched to a column's name or aliases whatever their case,
        accents and spacing, and renamed to the name; extra columns are kept as they are.
    what : str
        What the table holds, for messages (``"centres"``).
    index : str, optional
        Column to use as the index; its values must be unique.
    id_prefix : str, optional
        When the ``index`` column is absent, ids ``<prefix>01``, ``<prefix>02``... in file
        order (without a prefix the column is required as the schema says).

    Returns
    -------
    pandas.DataFrame
        The table with every column converted to its kind; values keep the
        units the schema's ``doc`` gives them. ``attrs`` records ``source`` (the
        file name), ``encoding``, ``delimiter`` and ``decimal``.

    Raises
    ------
    DataNotFoundError
        If the file does not exist.
    InputError
        Missing column (with close matches), two headers for one column, bad or
        out-of-range value, duplicated ids (all of them, with their rows), no rows.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from drm.io.tables import Column
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "gauges.csv"
    >>> _ = path.write_text("id,threshold_m\nG1,1.5\nG2,2.0\n")
    >>> t = read_table(path, [Column("id", "str"), Column("threshold_m", minimum=0.0)], what="gauges", index="id")
    >>> t["threshold_m"].to_dict()
    {'G1': 1.5, 'G2': 2.0}
    >>> _ = path.write_text("Código;Umbral (m)\nG1;1,5\n", encoding="cp1252")
    >>> schema = [Column("id", "str", aliases=("codigo",)), Column("threshold_m", aliases=("umbral_m",))]
    >>> read_table(path, schema, what="gauges", index="id")["threshold_m"].to_dict()
    {'G1': 1.5}
    """
    p = resolve_input(path, what)
    file_format(p, ("csv",), what)
    where = f"{p}"
    df, written = _parse_csv(p, what)
    if df.empty:
        raise InputError(f"{p}: {what} table has a header but no rows; add its rows (one per line)")
    df = _rename_aliases(df, columns, where)
    decimal = _decimal_mark(df, columns, written["delimiter"])
    for col in columns:
        if col.name not in df.columns:
            if col.required and not (col.name == index and id_prefix):
                needs = ", ".join(c.name for c in columns if c.required)
                raise _missing(where, what, col.name, list(df.columns), needs, col.doc)
            if col.default is None:
                continue  # an optional column without a default stays absent
            df[col.name] = pd.Series(pd.NA, index=df.index, dtype=object)  # filled below
        if col.default is None and not col.required:
            present = df[col.name].notna()
            if present.any():
                converted = _convert(df.loc[present, col.name], col, where, decimal)
                df[col.name] = converted.reindex(df.index)
            continue
        # every cell is read as text: the default goes in as text too, written with the file's
        # decimal mark so that it converts with the rest
        default = None if col.default is None else str(col.default)
        if default is not None and col.kind not in ("str", "bool"):
            default = default.replace(".", decimal)
        filled = df[col.name].fillna(default) if default is not None else df[col.name]
        df[col.name] = _convert(filled, col, where, decimal)
    if index is not None:
        df = _set_index(df, index, id_prefix, where, what)
    df.attrs.update(source=p.name, decimal=decimal, **written)
    return df


# --------------------------------------------------------------------------- coordinates
_COORDINATE_COLUMNS = [
    Column(
        "x",
        required=False,
        doc="easting, m in the file's CRS",
        aliases=("este", "easting", "coord_x", "utm_este", "utm_x"),
    ),
    Column(
        "y",
        required=False,
        doc="northing, m in the file's CRS",
        aliases=("norte", "northing", "coord_y", "utm_norte", "utm_y"),
    ),
    Column(
        "lon",
        required=False,
        doc="longitude, degrees east",
        aliases=("longitude", "longitud", "lng", "long"),
    ),
    Column("lat", required=False, doc="latitude, degrees north", aliases=("latitude", "latitud")),
]


def _as_crs(value: Any, name: str, where: str) -> CRS | None:
    if value is None:
        return None
    if isinstance(value, xr.DataArray):  # a grid: its CRS (``to_crs=dem``)
        crs = get_crs(value)
        if crs is None:
            raise InputError(f"{where}: {name} is a grid that records no CRS; pass a CRS")
        return crs
    try:
        return CRS.from_user_input(value)
    except Exception as err:  # pyproj raises CRSError, a plain Exception subclass
        raise InputError(
            f"{where}: {name}={value!r} is not a CRS ({err}); use e.g. 'EPSG:32619'"
        ) from None


def _look_like_degrees(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether x/y read as metres look like lon/lat instead: in range, with decimals, a few degrees apart."""
    in_range = bool(np.all(np.abs(x) <= 180.0) and np.all(np.abs(y) <= 90.0))
    decimals = bool(np.any(x != np.round(x)) or np.any(y != np.round(y)))
    compact = bool(np.ptp(x) <= 5.0 and np.ptp(y) <= 5.0)
    return in_range and decimals and compact


def _check_degrees(lon: np.ndarray, lat: np.ndarray, where: str, names: str) -> None:
    """Refuse longitudes outside ±180 or latitudes outside ±90, naming the rows and the likely fix."""
    bad = (np.abs(lon) > 180.0) | (np.abs(lat) > 90.0)
    if not bad.any():
        return
    rows = _rows(bad)
    if np.all(np.abs(lat) > 90.0) and np.all(np.abs(lat) <= 180.0) and np.all(np.abs(lon) <= 90.0):
        fix = "the latitudes and longitudes look swapped: exchange the two columns"
    elif np.all(np.abs(lon) > 1000.0) or np.all(np.abs(lat) > 1000.0):
        fix = "these look like projected metres: name the columns x/y and pass the file's crs="
    else:
        fix = "correct those rows (longitude -180..180, latitude -90..90 degrees)"
    i = rows[0] - 1
    raise InputError(
        f"{where}: {names} out of range on data rows {_listed(rows)} (row {rows[0]}: lon={lon[i]:g}, "
        f"lat={lat[i]:g}); {fix}"
    )


def _values(df: pd.DataFrame, names: tuple[str, str], where: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = (df[n].to_numpy(dtype=float) for n in names)
    empty = np.isnan(a) | np.isnan(b)
    if empty.any():
        raise InputError(
            f"{where}: columns {names[0]}/{names[1]} are empty on data rows {_listed(_rows(empty))}; "
            "every row needs its coordinates"
        )
    return a, b


def _project(
    src: CRS, dst: CRS, a: np.ndarray, b: np.ndarray, where: str
) -> tuple[np.ndarray, np.ndarray]:
    if src == dst:
        return a.copy(), b.copy()
    u, v = Transformer.from_crs(src, dst, always_xy=True).transform(a, b)
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    bad = ~np.isfinite(u) | ~np.isfinite(v)
    if bad.any():
        raise InputError(
            f"{where}: data rows {_listed(_rows(bad))} cannot be projected from {src.name} to {dst.name}; "
            "check the coordinates and the file's crs="
        )
    return u, v


def _from_lon_lat(df: pd.DataFrame, file_crs: CRS | None, target: CRS | None, where: str) -> tuple:
    """(x, y, target, lon, lat) of a table with lon/lat columns."""
    lon, lat = _values(df, ("lon", "lat"), where)
    _check_degrees(lon, lat, where, "lon/lat")
    if file_crs is not None and not file_crs.is_geographic:
        if target is not None:
            raise InputError(
                f"{where}: columns lon/lat hold degrees but crs={file_crs.to_string()!r} says the file is "
                "projected; drop crs= (lon/lat are read as WGS 84) or give the file's geographic CRS"
            )
        target, file_crs = file_crs, None  # the old call: crs= was the project CRS
    src = file_crs or WGS84
    if target is None:
        raise InputError(
            f"{where}: coordinates are lon/lat in degrees; pass the project CRS (to_crs=..., the DEM's) "
            "to convert them to metres"
        )
    x, y = _project(src, target, lon, lat, where)
    if src != WGS84:
        lon, lat = _project(src, WGS84, lon, lat, where)
    return x, y, target, lon, lat


def _from_xy(df: pd.DataFrame, file_crs: CRS | None, target: CRS | None, where: str) -> tuple:
    """(x, y, target, lon, lat) of a table with x/y columns (lon/lat None when no CRS is known)."""
    a, b = _values(df, ("x", "y"), where)
    if file_crs is not None and file_crs.is_geographic:
        _check_degrees(a, b, where, "x/y (degrees under crs=)")
        if target is None:
            raise InputError(
                f"{where}: crs={file_crs.to_string()!r} makes x/y lon/lat degrees; pass the project CRS "
                "(to_crs=..., the DEM's) to convert them to metres"
            )
    elif _look_like_degrees(a, b):
        raise InputError(
            f"{where}: columns x/y hold values like x={a[0]:g}, y={b[0]:g}; these look like lon/lat: "
            "name the columns lon/lat or pass crs='EPSG:4326'"
        )
    src = file_crs or target
    target = target or src
    if src is None:
        return a, b, None, None, None
    x, y = _project(src, target, a, b, where)
    lon, lat = _project(src, WGS84, a, b, where)
    return x, y, target, lon, lat


def _positions(df: pd.DataFrame, crs: Any, to_crs: Any, where: str) -> pd.DataFrame:
    """``df`` with ``x``/``y`` in metres of the working CRS and, where a CRS is known, ``lon``/``lat``."""
    file_crs, target = _as_crs(crs, "crs", where), _as_crs(to_crs, "to_crs", where)
    has_xy, has_ll = {"x", "y"} <= set(df.columns), {"lon", "lat"} <= set(df.columns)
    if not (has_xy or has_ll):
        raise InputError(
            f"{where}: needs coordinate columns x and y (metres; este/norte) or lon and lat "
            "(degrees; longitud/latitud, longitude/latitude)"
        )
    use_ll = has_ll and (target is not None or not has_xy)
    x, y, target, lon, lat = (_from_lon_lat if use_ll else _from_xy)(df, file_crs, target, where)
    df["x"], df["y"] = x, y
    if lon is not None:
        df["lon"], df["lat"] = lon, lat
    if target is not None:
        df.attrs["crs"] = target.to_string()
    return df


# --------------------------------------------------------------------------- centres
CENTRE_COLUMNS = [
    Column("id", "str", doc="unique identifier", aliases=("codigo", "cod", "code", "id_centro")),
    Column("name", "str", doc="building name", aliases=("nombre", "nombre_centro")),
    Column(
        "type",
        "str",
        required=False,
        default="other",
        doc="school, church, sports_hall, ...",
        aliases=("tipo",),
    ),
    Column(
        "floor_area_m2",
        required=False,
        minimum=0.0,
        exclusive=True,
        doc="usable covered floor area in m²",
        aliases=("area_m2", "superficie_m2", "area_util_m2"),
    ),
    Column(
        "capacity_persons",
        "int",
        required=False,
        minimum=0,
        doc="declared capacity, persons (0: not available)",
        aliases=("capacidad", "capacidad_personas", "capacity"),
    ),
    # not surveyed (column absent): left out, so it limits neither capacity nor the assessment
    Column(
        "toilets",
        "int",
        required=False,
        minimum=0,
        doc="working toilets",
        aliases=("banos", "sanitarios", "inodoros"),
    ),
    Column(
        "showers",
        "int",
        required=False,
        minimum=0,
        doc="showers or bathing spaces",
        aliases=("duchas",),
    ),
    Column(
        "taps", "int", required=False, minimum=0, doc="water taps", aliases=("grifos", "llaves")
    ),
    Column(
        "water_storage_l",
        required=False,
        minimum=0.0,
        doc="water storage in litres",
        aliases=("almacenamiento_agua_l",),
    ),
    Column(
        "accessible",
        "bool",
        required=False,
        default="true",
        doc="step-free access for people with disabilities",
        aliases=("accesible",),
    ),
    *_COORDINATE_COLUMNS,
]


def _capacities(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Check each centre has a capacity or a floor area; mark capacity 0 unavailable."""
    source = df.attrs.get("source", where)
    if "capacity_persons" not in df.columns and "floor_area_m2" not in df.columns:
        raise _missing(
            where, "centres", "floor_area_m2", [str(c) for c in df.columns],
            "capacity_persons (persons) or floor_area_m2 (usable covered floor area, m²)",
        )  # fmt: skip
    nan = pd.Series(np.nan, index=df.index)
    declared = df.get("capacity_persons", nan).astype(float)
    area = df.get("floor_area_m2", nan).astype(float)
    neither = declared.isna() & area.isna()
    if neither.any():
        raise InputError(
            f"{where}: centres {_listed(list(df.index[neither]))} (data rows {_listed(_rows(neither))}) have neither "
            "capacity_persons nor floor_area_m2; give the declared capacity (persons) or the usable floor area (m²)"
        )
    closed = declared == 0
    if closed.any():
        warn(f"{source}: centres {_listed(list(df.index[closed]))} have capacity 0: kept as not available "
            "(available = False); give their capacity to open them")
    df["floor_area_m2"] = area
    # no declared capacity: NaN here; drm.shelter.capacity sizes it from the floor area per the standard
    df["capacity_persons"] = declared
    df["capacity_source"] = np.where(declared.isna(), "floor_area", "declared")
    df["available"] = ~closed.to_numpy()
    df["unavailable_reason"] = np.where(closed, f"capacity 0 in {source}", "")
    return df


def read_centres(
    path: str | os.PathLike[str], *, crs: Any = None, to_crs: Any = None
) -> pd.DataFrame:
    """Read candidate evacuation centres from CSV (a ministry's school list as it comes).

    Columns (headers in any case, accents or spacing; Spanish aliases in brackets):

    * ``id`` [``codigo``, ``cod``]: unique; when absent, ``C01``, ``C02``... in file order;
    * ``name`` [``nombre``]; ``type`` [``tipo``] (default "other");
    * a position: ``lon``/``lat`` [``longitud``/``latitud``, ``longitude``/``latitude``],
      degrees WGS 84, or ``x``/``y`` [``este``/``norte``], metres in the file's CRS;
    * ``capacity_persons`` [``capacidad``, ``capacidad_personas``, ``capacity``] and/or
      ``floor_area_m2`` [``area_m2``, ``superficie_m2``], per row at least one: where only the
      floor area is given, ``capacity_persons`` is left NaN and :func:`drm.shelter.capacity`
      sizes it by the standard's covered space (Sphere 2018: 3.5 m² per person);
      ``capacity_persons = 0`` means "not available": the centre is kept with
      ``available = False`` and a :class:`~drm.errors.DrmWarning` names it;
    * optional: ``accessible`` (true), and without a default (a column that is absent was not
      surveyed, and limits neither the capacity nor the assessment): ``toilets``, ``showers``,
      ``taps``, ``water_storage_l`` (L).

    Parameters
    ----------
    path : str or path-like
        CSV file (see :func:`read_table` for delimiters, encodings and decimal commas).
    crs : optional
        The file's CRS when the file does not say: of ``x``/``y`` (a geographic CRS makes
        them lon/lat); lon/lat columns are WGS 84 unless a geographic ``crs`` says otherwise.
        Without ``to_crs``, a projected ``crs`` with lon/lat columns is the target (the old
        call ``read_centres(path, crs=project_crs)``).
    to_crs : optional
        The working CRS (the DEM's): ``x``/``y`` are returned in it. Without it, ``x``/``y``
        columns are returned as they are and lon/lat need a target.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``: ``x``, ``y`` (m, working CRS), ``lon``, ``lat`` (degrees WGS 84,
        when a CRS is known), ``floor_area_m2`` (m², NaN where not given),
        ``capacity_persons`` (persons declared; NaN where only the floor area is given),
        ``capacity_source`` ("declared" or "floor_area"),
        ``available`` (bool), ``unavailable_reason`` ("" or "capacity 0 in <file>") and the
        optional columns. ``attrs["crs"]`` names the CRS of ``x``/``y`` when known.

    Raises
    ------
    InputError
        Missing or bad columns; duplicated ids (all listed); degrees out of range; x/y that
        look like degrees; a row with neither capacity nor floor area.

    Examples
    --------
    >>> import drm
    >>> c = drm.io.read_centres(drm.datasets.builtin_path("hazard_data/valle_alto/centres.csv"))
    >>> {"name", "x", "y", "floor_area_m2", "capacity_persons", "available"} <= set(c.columns)
    True
    >>> c.loc["C01", "capacity_source"], int(drm.shelter.capacity(c).loc["C01", "capacity_persons"])
    ('floor_area', 528)
    """
    where = str(path)
    df = _read_sites(path, CENTRE_COLUMNS, "centres", "C", crs)
    df = _positions(df, crs, to_crs, where)
    return _capacities(df, where)


def _read_sites(path: Any, columns: list[Column], what: str, prefix: str, crs: Any) -> pd.DataFrame:
    """:func:`read_table` of a site table; coordinates in degrees are said first, whatever else is wrong.

    A lon/lat table under x/y names is one cause of many errors (capacities,
    positions); its own message comes first so that the user fixes the cause.
    """
    try:
        return read_table(path, columns, what=what, index="id", id_prefix=prefix)
    except InputError as err:
        if crs is not None:
            raise
        try:
            xy = read_table(path, [Column("id", "str"), *_COORDINATE_COLUMNS], what=what)
        except InputError:
            raise err from None
        if not {"x", "y"} <= set(xy.columns):
            raise
        a, b = (pd.to_numeric(xy[c], errors="coerce").to_numpy(float) for c in ("x", "y"))
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.any() and _look_like_degrees(a[ok], b[ok]):
            raise InputError(
                f"{path}: columns x/y hold values like x={a[ok][0]:g}, y={b[ok][0]:g}; these look like "
                f"lon/lat: name the columns lon/lat or pass crs='EPSG:4326' (then also: {err})"
            ) from None
        raise


# --------------------------------------------------------------------------- sites on the DEM
def _within(x: np.ndarray, y: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    xmin, ymin, xmax, ymax = bounds
    return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)


def _outside_hint(
    rows: pd.DataFrame, dem: xr.DataArray, bounds: tuple[float, float, float, float]
) -> str:
    """Why points outside the DEM may be there: x/y that are degrees, or latitude and longitude swapped."""
    x, y = rows["x"].to_numpy(float), rows["y"].to_numpy(float)
    if "lon" not in rows.columns:
        degrees = _look_like_degrees(x, y)
        return (
            "; their x/y look like lon/lat: name the columns lon/lat or pass crs='EPSG:4326'"
            if degrees
            else ""
        )
    lon, lat = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
    crs = get_crs(dem)
    if crs is None or np.any(np.abs(lon) > 90.0):
        return ""
    sx, sy = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lat, lon)
    swapped = np.all(_within(np.asarray(sx, dtype=float), np.asarray(sy, dtype=float), bounds))
    return (
        "; their latitude and longitude look swapped: exchange the two columns" if swapped else ""
    )


def site_problems(
    table: pd.DataFrame, dem: xr.DataArray, *, what: str = "centre", source: str | None = None
) -> list[str]:
    """Every problem of a table's points on the DEM: outside it, or on a nodata cell.

    Rows with ``available == False`` (closed centres) are not checked.

    Parameters
    ----------
    table : pandas.DataFrame
        As :func:`read_centres` or :func:`read_warehouses` return it: ``x``, ``y`` (m, in the
        DEM's CRS), indexed by id.
    dem : xarray.DataArray
        The DEM (m), NaN for nodata.
    what : str
        What the rows are (``"centre"``, ``"warehouse"``), for messages.
    source : str, optional
        The file, for messages; ``table.attrs["source"]`` by default.

    Returns
    -------
    list of str
        One message per kind of problem, naming the ids and the fix; empty when all is well.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> dem = xr.DataArray([[1.0, np.nan], [2.0, 3.0]], dims=("y", "x"),
    ...                    coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> t = pd.DataFrame({"x": [5.0, 15.0, 50.0], "y": [5.0, 15.0, 5.0]}, index=["C1", "C2", "C3"])
    >>> for text in site_problems(t, dem, source="centres.csv"):
    ...     print(text.split(" (")[0])
    centres.csv: centres C3 lie outside the DEM
    centres.csv: centres C2 stand on DEM nodata cells: move them to a cell with a ground elevation or fill the DEM there
    """
    source = source or table.attrs.get("source", f"{what}s")
    rows = table if "available" not in table.columns else table[table["available"].astype(bool)]
    x, y = rows["x"].to_numpy(float), rows["y"].to_numpy(float)
    bounds = grid_bounds(dem)
    outside = ~_within(x, y, bounds)
    problems = []
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        xmin, ymin, xmax, ymax = bounds
        problems.append(
            f"{source}: {what}s {_listed(list(rows.index[outside]))} lie outside the DEM (x {xmin:.0f}..{xmax:.0f} m, "
            f"y {ymin:.0f}..{ymax:.0f} m; {rows.index[i]} at x={x[i]:.0f}, y={y[i]:.0f}): check the file's CRS "
            f"(crs=) or drop them{_outside_hint(rows[outside], dem, bounds)}"
        )
    inside = ~outside
    r, c = xy_to_rowcol(dem, x[inside], y[inside], name=what)
    nodata = np.isnan(np.asarray(dem.values, dtype=float)[r, c])
    if nodata.any():
        problems.append(
            f"{source}: {what}s {_listed(list(rows.index[inside][nodata]))} stand on DEM nodata cells: move them "
            "to a cell with a ground elevation or fill the DEM there"
        )
    return problems


def check_sites(
    table: pd.DataFrame, dem: xr.DataArray, *, what: str = "centre", source: str | None = None
) -> None:
    """Raise if any point of a table lies outside the DEM or on a nodata cell (see :func:`site_problems`).

    Parameters
    ----------
    table : pandas.DataFrame
        ``x``, ``y`` (m, in the DEM's CRS), indexed by id.
    dem : xarray.DataArray
        The DEM (m), NaN for nodata.
    what : str
        What the rows are, for messages.
    source : str, optional
        The file, for messages.

    Raises
    ------
    InputError
        Every problem found, in one message.

    Examples
    --------
    >>> import pandas as pd, xarray as xr
    >>> dem = xr.DataArray([[1.0, 2.0], [3.0, 4.0]], dims=("y", "x"),
    ...                    coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> check_sites(pd.DataFrame({"x": [12.0], "y": [4.0]}, index=["W1"]), dem, what="warehouse")
    >>> from drm.errors import InputError
    >>> try:
    ...     check_sites(pd.DataFrame({"x": [12.0], "y": [40.0]}, index=["W2"]), dem, what="warehouse")
    ... except InputError as err:
    ...     print(str(err).split(" (")[0])
    warehouses: warehouses W2 lie outside the DEM
    """
    problems = site_problems(table, dem, what=what, source=source)
    if problems:
        raise InputError("; ".join(problems))


# --------------------------------------------------------------------------- warehouses
WAREHOUSE_COLUMNS = [
    Column("id", "str", doc="unique identifier", aliases=("codigo", "cod", "code")),
    Column("name", "str", doc="warehouse name", aliases=("nombre",)),
    Column(
        "trucks", "int", required=False, default=1, minimum=0, doc="trucks available for resupply",
        aliases=("camiones",),
    ),
    Column(
        "truck_capacity_kg",
        required=False,
        default=5000.0,
        minimum=0.0,
        exclusive=True,
        doc="payload per truck, kg",
        aliases=("capacidad_camion_kg", "carga_camion_kg", "carga_kg"),
    ),
    *_COORDINATE_COLUMNS,
]  # fmt: skip


def read_warehouses(
    path: str | os.PathLike[str], *, crs: Any = None, to_crs: Any = None
) -> pd.DataFrame:
    """Read warehouses (stock holding sites) from CSV.

    Required: ``name`` [``nombre``] and a position, as :func:`read_centres` reads it
    (``lon``/``lat`` in degrees or ``x``/``y`` in metres). Optional: ``id`` [``codigo``]
    (``W01``, ``W02``... when absent), ``trucks`` [``camiones``] (1), ``truck_capacity_kg``
    [``capacidad_camion_kg``] (5000 kg).

    Parameters
    ----------
    path : str or path-like
        CSV file (see :func:`read_table` for delimiters, encodings and decimal commas).
    crs : optional
        The file's CRS when the file does not say (as in :func:`read_centres`).
    to_crs : optional
        The working CRS (the DEM's).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``: ``x``, ``y`` (m), ``lon``, ``lat`` (degrees, when a CRS is known),
        ``trucks``, ``truck_capacity_kg`` (kg).

    Examples
    --------
    >>> import drm
    >>> w = read_warehouses(drm.datasets.builtin_path("hazard_data/valle_alto/warehouses.csv"))
    >>> int(w.loc["W1", "trucks"]), float(w.loc["W1", "truck_capacity_kg"])
    (2, 8000.0)
    """
    df = _read_sites(path, WAREHOUSE_COLUMNS, "warehouses", "W", crs)
    return _positions(df, crs, to_crs, str(path))


# --------------------------------------------------------------------------- stock
STOCK_COLUMNS = [
    Column("site_id", "str", doc="warehouse or centre id holding the stock", aliases=("site", "sitio", "id_sitio")),
    Column("item", "str", doc="item name, as in the shelter standard", aliases=("articulo", "rubro")),
    Column("quantity", minimum=0.0, doc="amount on hand (negative stock is an error)", aliases=("cantidad",)),
    Column(
        "unit", "str", required=False, default="unit", doc="unit of quantity (kg, L, kits, ...)", aliases=("unidad",)
    ),
]  # fmt: skip

def read_stock(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read stock on hand from CSV.

    Columns: ``site_id`` [``sitio``], ``item`` [``articulo``], ``quantity`` (>= 0)
    [``cantidad``] and ``unit`` [``unidad``] (default ``"unit"``: the catalogue's
    own). Quantities keep the file's units here; :func:`drm.shelter.catalogue_units`
    converts them to the unit the item catalogue counts each item in (``gal`` to L,
    ``lb`` to kg...) or refuses a unit it cannot convert, and a scenario does it when
    its inputs are loaded, so ``drm validate`` catches a bad unit before any flood.

    Parameters
    ----------
    path : str or path-like
        CSV file (see :func:`read_table` for delimiters, encodings and decimal commas).

    Returns
    -------
    pandas.DataFrame
        One row per site and item: ``site_id``, ``item``, ``quantity`` (in ``unit``), ``unit``.

    Raises
    ------
    InputError
        A missing column, a negative or non-numeric quantity, a (site, item) pair listed twice.

    Examples
    --------
    >>> import drm
    >>> s = read_stock(drm.datasets.builtin_path("hazard_data/valle_alto/stock.csv"))
    >>> row = s.iloc[0]
    >>> row["site_id"], row["item"], float(row["quantity"]), row["unit"]
    ('W1', 'water_l', 30000.0, 'L')
    """
    df = read_table(path, STOCK_COLUMNS, what="stock")
    dup = df.duplicated(["site_id", "item"])
    if dup.any():
        row = df[dup].iloc[0]
        raise InputError(
            f"{path}: stock of {row['item']!r} at {row['site_id']!r} is listed twice; merge the rows"
        )
    return df.reset_index(drop=True)


HYDROGRAPH_COLUMNS = [
    Column("time", "str", doc="time since the start of the event: seconds or '2h30m'"),
    Column("discharge_m3s", minimum=0.0, doc="discharge in m³/s"),
]


def read_hydrograph(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an inflow hydrograph from CSV: ``time`` (s or a duration) and ``discharge_m3s``.

    Parameters
    ----------
    path : str or path-like
        CSV file; ``time`` counts from the start of the event.

    Returns
    -------
    pandas.DataFrame
        Columns ``time_s`` (s, strictly increasing) and ``discharge_m3s`` (m³/s).

    Examples
    --------
    >>> import drm
    >>> h = read_hydrograph(drm.datasets.builtin_path("hazard_data/valle_alto/river_inflow_100yr.csv"))
    >>> float(h["discharge_m3s"].max()), float(h.loc[h["discharge_m3s"].idxmax(), "time_s"]) / 3600
    (899.18, 8.666666666666666)
    """
    df = read_table(path, HYDROGRAPH_COLUMNS, what="hydrograph")
    seconds = np.array([parse_duration(v, f"{path}: time") for v in df["time"]])
    if np.any(np.diff(seconds) <= 0):
        raise InputError(f"{path}: hydrograph times must strictly increase")
    return pd.DataFrame({"time_s": seconds, "discharge_m3s": df["discharge_m3s"].to_numpy()})


LANDCOVER_COLUMNS = [
    Column("code", "int", minimum=0, doc="class code used in the land-cover grid"),
    Column("name", "str", doc="class name"),
    Column("manning_n", minimum=0.0, exclusive=True, doc="Manning roughness, s m^-1/3"),
    Column("curve_number", minimum=0.0, exclusive=True, doc="SCS curve number (0, 100]"),
]


def read_landcover_classes(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a land-cover class table: ``code``, ``name``, ``manning_n`` (> 0), ``curve_number`` (0, 100].

    Parameters
    ----------
    path : str or path-like
        CSV file; a ``source`` column (where each number comes from) is kept.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``manning_n`` (s m^-1/3), ``curve_number`` (dimensionless).

    Examples
    --------
    >>> import drm
    >>> c = read_landcover_classes(drm.datasets.builtin_path("hazard_data/valle_alto/landcover_classes.csv"))
    >>> c.loc[2, "name"], float(c.loc[2, "manning_n"]), float(c.loc[2, "curve_number"])
    ('dense_urban', 0.12, 92.0)
    """
    df = read_table(path, LANDCOVER_COLUMNS, what="land-cover classes", index="code")
    if (df["curve_number"] > 100).any():
        bad = df.index[df["curve_number"] > 100][0]
        raise InputError(f"{path}: curve_number of class {bad} is above 100")
    return df
