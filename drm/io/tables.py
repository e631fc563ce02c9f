"""CSV tables: evacuation centres, warehouses, stock, hydrographs.

Each reader checks the columns it needs (naming the file, the missing column
and close matches), their types and ranges, fills optional columns with
documented defaults and returns a :class:`pandas.DataFrame` indexed by ``id``
where the table has one. Coordinates are ``x``/``y`` in metres in the
project's CRS, or ``lon``/``lat`` in degrees (then converted with pyproj to
``crs``).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from drm.errors import InputError
from drm.io._files import file_format, resolve_input
from drm.units import parse_duration

__all__ = [
    "Column",
    "read_centres",
    "read_hydrograph",
    "read_landcover_classes",
    "read_stock",
    "read_table",
    "read_warehouses",
]


@dataclass(frozen=True)
class Column:
    """One column of a table schema.

    Attributes
    ----------
    name : str
        Column header.
    kind : {"str", "float", "int", "bool"}
        Type the values must convert to.
    required : bool
        Whether the column must be present.
    default : Any
        Value for a missing optional column.
    minimum : float, optional
        Smallest allowed value.
    exclusive : bool
        Whether ``minimum`` itself is forbidden (``> minimum``).
    doc : str
        What the column means (units included), shown in error messages.
    """

    name: str
    kind: str = "float"
    required: bool = True
    default: Any = None
    minimum: float | None = None
    exclusive: bool = False
    doc: str = ""


_TRUE = {"true", "yes", "y", "1", "t", "si", "sí"}
_FALSE = {"false", "no", "n", "0", "f"}


def _convert(series: pd.Series, col: Column, where: str) -> pd.Series:
    if col.kind == "str":
        if series.isna().any():
            row = int(np.flatnonzero(series.isna().to_numpy())[0])
            raise InputError(f"{where}: column {col.name!r} is empty on data row {row + 1}")
        return series.astype(str).str.strip()
    if col.kind == "bool":
        text = series.astype(str).str.strip().str.lower()
        ok = text.isin(_TRUE | _FALSE)
        if not ok.all():
            row = int(np.flatnonzero(~ok.to_numpy())[0])
            raise InputError(
                f"{where}: column {col.name!r} has {series.iloc[row]!r} on data row {row + 1}; use true/false"
            )
        return text.isin(_TRUE)
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() | ~np.isfinite(values.astype(float))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where}: column {col.name!r} needs numbers ({col.doc or col.kind}); data row {row + 1} has "
            f"{series.iloc[row]!r}"
        )
    if col.minimum is not None:
        low = values <= col.minimum if col.exclusive else values < col.minimum
        if low.any():
            row = int(np.flatnonzero(low.to_numpy())[0])
            op = ">" if col.exclusive else ">="
            raise InputError(
                f"{where}: column {col.name!r} must be {op} {col.minimum:g}; data row {row + 1} has "
                f"{series.iloc[row]!r}"
            )
    if col.kind == "int":
        if (values != np.round(values)).any():
            row = int(np.flatnonzero((values != np.round(values)).to_numpy())[0])
            raise InputError(
                f"{where}: column {col.name!r} needs whole numbers; data row {row + 1} has {series.iloc[row]!r}"
            )
        return values.astype(np.int64)
    return values.astype(float)


def read_table(
    path: str | os.PathLike[str],
    columns: list[Column],
    *,
    what: str,
    index: str | None = None,
) -> pd.DataFrame:
    r"""Read a CSV file and check it against ``columns``.

    Parameters
    ----------
    path : str or path-like
        The CSV file (UTF-8, comma separated, one header row; ``#`` starts a comment line).
    columns : list of Column
        The schema. Extra columns are kept as they are.
    what : str
        What the table holds, for messages (``"centres"``).
    index : str, optional
        Column to use as the index; its values must be unique.

    Returns
    -------
    pandas.DataFrame
        The table with every column converted to its kind; values keep the
        units the schema's ``doc`` gives them.

    Raises
    ------
    DataNotFoundError
        If the file does not exist.
    InputError
        Missing column (with close matches), bad or out-of-range value, duplicate id, no rows.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from drm.io.tables import Column
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "gauges.csv"
    >>> _ = path.write_text("id,threshold_m\nG1,1.5\nG2,2.0\n")
    >>> t = read_table(path, [Column("id", "str"), Column("threshold_m", minimum=0.0)], what="gauges", index="id")
    >>> t["threshold_m"].to_dict()
    {'G1': 1.5, 'G2': 2.0}
    """
    p = resolve_input(path, what)
    file_format(p, ("csv",), what)
    try:
        df = pd.read_csv(
            p, comment="#", skipinitialspace=True, dtype=str, keep_default_na=False, na_values=[""]
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(f"{p}: cannot parse {what} CSV ({err})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{p}: {what} file is empty") from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise InputError(f"{p}: {what} table has a header but no rows")
    where = f"{p}"
    for col in columns:
        if col.name not in df.columns:
            if col.required:
                close = difflib.get_close_matches(col.name, list(df.columns), n=2, cutoff=0.6)
                hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
                raise InputError(
                    f"{where}: {what} table is missing column {col.name!r}{hint}; "
                    f"it needs {', '.join(c.name for c in columns if c.required)}"
                    + (f" - {col.name}: {col.doc}" if col.doc else "")
                )
            if col.default is None:
                continue  # an optional column without a default stays absent
            df[col.name] = col.default
        if col.default is None and not col.required:
            present = df[col.name].notna()
            if present.any():
                converted = _convert(df.loc[present, col.name], col, where)
                df[col.name] = converted.reindex(df.index)
            continue
        df[col.name] = _convert(
            df[col.name].fillna(col.default) if col.default is not None else df[col.name],
            col,
            where,
        )
    if index is not None:
        dup = df[index].duplicated()
        if dup.any():
            raise InputError(
                f"{where}: {what} id {df[index][dup].iloc[0]!r} appears more than once; ids must be unique"
            )
        df = df.set_index(index)
    df.attrs["source"] = p.name
    return df


def _coordinates(df: pd.DataFrame, crs: Any, where: str) -> pd.DataFrame:
    if {"x", "y"} <= set(df.columns):
        for c in ("x", "y"):
            df[c] = _convert(df[c], Column(c, doc="metres in the project CRS"), where)
        return df
    if {"lon", "lat"} <= set(df.columns):
        lon = _convert(df["lon"], Column("lon", doc="degrees east"), where)
        lat = _convert(df["lat"], Column("lat", doc="degrees north"), where)
        if crs is None:
            raise InputError(
                f"{where}: coordinates are lon/lat in degrees; pass the project CRS (crs=...) to convert them to metres"
            )
        t = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(crs), always_xy=True)
        df["x"], df["y"] = t.transform(lon.to_numpy(), lat.to_numpy())
        return df
    raise InputError(f"{where}: needs coordinate columns x and y (metres) or lon and lat (degrees)")


CENTRE_COLUMNS = [
    Column("id", "str", doc="unique identifier"),
    Column("name", "str", doc="building name"),
    Column("type", "str", required=False, default="other", doc="school, church, sports_hall, ..."),
    Column("floor_area_m2", minimum=0.0, exclusive=True, doc="usable covered floor area in m²"),
    Column(
        "capacity_persons",
        "int",
        required=False,
        minimum=0,
        exclusive=True,
        doc="declared capacity, persons",
    ),
    # not surveyed (column absent): left out, so it limits neither capacity nor the assessment
    Column("toilets", "int", required=False, minimum=0, doc="working toilets"),
    Column("showers", "int", required=False, minimum=0, doc="showers or bathing spaces"),
    Column("taps", "int", required=False, minimum=0, doc="water taps"),
    Column("water_storage_l", required=False, minimum=0.0, doc="water storage in litres"),
    Column(
        "accessible",
        "bool",
        required=False,
        default="true",
        doc="step-free access for people with disabilities",
    ),
]


def read_centres(path: str | os.PathLike[str], *, crs: Any = None) -> pd.DataFrame:
    """Read candidate evacuation centres from CSV.

    Required columns: ``id``, ``name``, ``floor_area_m2`` (> 0) and ``x``, ``y``
    (m) or ``lon``, ``lat`` (degrees, converted to ``crs``). Optional, with
    defaults: ``type`` ("other"), ``accessible`` (true); optional without a
    default (a column that is absent was not surveyed, and limits neither the
    capacity nor the assessment): ``capacity_persons`` (declared, > 0),
    ``toilets``, ``showers``, ``taps``, ``water_storage_l`` (L).

    Parameters
    ----------
    path : str or path-like
        CSV file.
    crs : optional
        Project CRS, needed when the file gives lon/lat.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``.

    Examples
    --------
    >>> import drm
    >>> c = drm.io.read_centres(drm.datasets.builtin_path("hazard_data/valle_alto/centres.csv"))
    >>> {"name", "x", "y", "floor_area_m2"} <= set(c.columns)
    True
    """
    df = read_table(path, CENTRE_COLUMNS, what="centres", index="id")
    return _coordinates(df, crs, str(path))


WAREHOUSE_COLUMNS = [
    Column("id", "str", doc="unique identifier"),
    Column("name", "str", doc="warehouse name"),
    Column(
        "trucks", "int", required=False, default=1, minimum=0, doc="trucks available for resupply"
    ),
    Column(
        "truck_capacity_kg",
        required=False,
        default=5000.0,
        minimum=0.0,
        exclusive=True,
        doc="payload per truck, kg",
    ),
]


def read_warehouses(path: str | os.PathLike[str], *, crs: Any = None) -> pd.DataFrame:
    """Read warehouses (stock holding sites) from CSV.

    Required: ``id``, ``name``, coordinates (``x``/``y`` in m or ``lon``/``lat``
    in degrees). Optional: ``trucks`` (1), ``truck_capacity_kg`` (5000 kg).

    Parameters
    ----------
    path : str or path-like
        CSV file.
    crs : optional
        Project CRS, needed when the file gives lon/lat.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``: ``x``, ``y`` (m), ``trucks``, ``truck_capacity_kg`` (kg).

    Examples
    --------
    >>> import drm
    >>> w = read_warehouses(drm.datasets.builtin_path("hazard_data/valle_alto/warehouses.csv"))
    >>> int(w.loc["W1", "trucks"]), float(w.loc["W1", "truck_capacity_kg"])
    (2, 8000.0)
    """
    df = read_table(path, WAREHOUSE_COLUMNS, what="warehouses", index="id")
    return _coordinates(df, crs, str(path))


STOCK_COLUMNS = [
    Column("site_id", "str", doc="warehouse or centre id holding the stock"),
    Column("item", "str", doc="item name, as in the shelter standard"),
    Column("quantity", minimum=0.0, doc="amount on hand (negative stock is an error)"),
    Column(
        "unit", "str", required=False, default="unit", doc="unit of quantity (kg, L, kits, ...)"
    ),
]


def read_stock(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read stock on hand from CSV: ``site_id``, ``item``, ``quantity`` (>= 0), ``unit``.

    Parameters
    ----------
    path : str or path-like
        CSV file.

    Returns
    -------
    pandas.DataFrame
        One row per site and item, ``quantity`` in that row's ``unit`` (L,
        ration, kit, piece: the item catalogue's units); a repeated (site, item)
        pair is an error.

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
