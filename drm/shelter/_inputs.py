"""Checks of the tables the shelter functions take: centres, stock, warehouses, routes.

Each function returns a cleaned copy or raises :class:`~drm.errors.InputError`
naming the table, the row (centre, site, item) and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from drm.errors import InputError
from drm.shelter.standards import Standard
from drm.shelter.stock_units import catalogue_units

__all__ = ["check_centres", "check_routes", "check_stock", "check_warehouses"]

_COUNTS = ("toilets", "toilets_female", "toilets_male", "showers", "taps", "water_storage_l")


def _indexed(df: pd.DataFrame, what: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame (e.g. from drm.io.read_{what}), got {type(df).__name__}")
    out = df.set_index("id") if "id" in df.columns else df.copy()
    out.index = out.index.astype(str)
    if out.index.duplicated().any():
        raise InputError(f"{what}: id {out.index[out.index.duplicated()][0]!r} appears more than once")
    if len(out) == 0:
        raise InputError(f"{what} table has no rows")
    return out


def check_centres(centres: pd.DataFrame) -> pd.DataFrame:
    """Centres indexed by id, with a positive ``floor_area_m2`` and counts >= 0.

    A centre with a declared ``capacity_persons`` may leave its floor area
    unsurveyed (NaN).

    Raises
    ------
    InputError
        No ``floor_area_m2`` column, or a centre whose floor area is not > 0
        (or missing without a declared capacity).

    Examples
    --------
    >>> check_centres(pd.DataFrame({"id": ["C1"], "floor_area_m2": [350.0]})).index.tolist()
    ['C1']
    """
    df = _indexed(centres, "centres")
    if "floor_area_m2" not in df.columns:
        raise InputError("centres: column 'floor_area_m2' (usable covered floor area, m²) is missing")
    area = pd.to_numeric(df["floor_area_m2"], errors="coerce")
    declared = (
        pd.to_numeric(df["capacity_persons"], errors="coerce")
        if "capacity_persons" in df.columns
        else pd.Series(np.nan, index=df.index)
    )
    # a declared capacity stands in for an unsurveyed floor area (NaN), not for a bad one
    bad = (~(area > 0) | ~np.isfinite(area)) & ~(area.isna() & (declared >= 0))
    if bad.any():
        cid = df.index[bad.to_numpy()][0]
        raise InputError(
            f"centres: centre {cid!r} has floor_area_m2 = {df.loc[cid, 'floor_area_m2']!r}; every centre needs "
            "its usable covered floor area in m² (> 0) to size its capacity"
        )
    df["floor_area_m2"] = area.astype(float)
    for col in _COUNTS:
        if col in df.columns:
            values = pd.to_numeric(df[col], errors="coerce").fillna(0.0)
            if (values < 0).any():
                cid = df.index[(values < 0).to_numpy()][0]
                raise InputError(f"centres: centre {cid!r} has {col} = {df.loc[cid, col]!r}; counts must be >= 0")
            df[col] = values.astype(float)
    return df


def check_warehouses(warehouses: pd.DataFrame | None) -> pd.DataFrame:
    """Warehouses indexed by id with ``trucks`` (>= 0) and ``truck_capacity_kg`` (> 0).

    Missing columns take the defaults of :func:`drm.io.read_warehouses` (1 truck of 5,000 kg).

    Examples
    --------
    >>> check_warehouses(pd.DataFrame({"id": ["W1"]}))["truck_capacity_kg"].tolist()
    [5000.0]
    """
    if warehouses is None:
        return pd.DataFrame({"trucks": [], "truck_capacity_kg": []}, index=pd.Index([], name="id", dtype=str))
    df = _indexed(warehouses, "warehouses")
    for col, default, low in (("trucks", 1.0, 0.0), ("truck_capacity_kg", 5000.0, 1e-9)):
        values = pd.to_numeric(df.get(col, default), errors="coerce")
        values = pd.Series(values, index=df.index).fillna(default)
        if (values < low).any():
            wid = df.index[(values < low).to_numpy()][0]
            raise InputError(f"warehouses: {wid!r} has {col} = {values[wid]!r}; it must be {'>' if low else '>='} 0")
        df[col] = values.astype(float)
    return df


def check_stock(stock: pd.DataFrame, sites: set[str], standard: Standard) -> pd.DataFrame:
    """Stock rows ``site_id, item, quantity[, unit]`` checked against sites and the item catalogue.

    Raises
    ------
    InputError
        A negative or non-numeric quantity, an unknown site or item, a unit
        that cannot be converted to the catalogue's (others are converted), or
        a (site, item) pair listed twice.

    Examples
    --------
    >>> from drm.shelter import load_standard
    >>> s = pd.DataFrame({"site_id": ["W1"], "item": ["water_l"], "quantity": [100.0]})
    >>> check_stock(s, {"W1"}, load_standard())["quantity"].tolist()
    [100.0]
    """
    if not isinstance(stock, pd.DataFrame) or not {"site_id", "item", "quantity"} <= set(stock.columns):
        raise InputError("stock must be a DataFrame with columns site_id, item, quantity (see drm.io.read_stock)")
    df = stock.reset_index(drop=True).copy()
    df["site_id"] = df["site_id"].astype(str)
    df["item"] = df["item"].astype(str)
    qty = pd.to_numeric(df["quantity"], errors="coerce")
    for k, row in df.iterrows():
        at = f"stock row {k + 1} ({row['item']!r} at {row['site_id']!r})"
        if not (np.isfinite(qty[k]) and qty[k] >= 0):
            raise InputError(f"{at}: quantity {row['quantity']!r} must be a number >= 0 (negative stock is an error)")
        if row["site_id"] not in sites:
            raise InputError(f"{at}: site {row['site_id']!r} is neither a centre nor a warehouse")
        if row["item"] not in standard.catalogue.index:
            raise InputError(
                f"{at}: unknown item {row['item']!r}; known items: {', '.join(standard.catalogue.index)}. "
                "Add new items with a mass_kg column in a standard overrides file"
            )
    df["quantity"] = qty.astype(float)
    df = catalogue_units(df, standard)
    dup = df.duplicated(["site_id", "item"])
    if dup.any():
        r = df[dup].iloc[0]
        raise InputError(f"stock of {r['item']!r} at {r['site_id']!r} is listed twice; merge the rows")
    return df[["site_id", "item", "quantity"]]


def check_routes(routes: pd.DataFrame, warehouses: pd.Index, centres: pd.Index) -> pd.DataFrame:
    """Routes indexed by (warehouse, centre) with ``travel_time_s`` and closure times.

    ``closed_from_s``/``closed_until_s`` are optional (NaN: open; a closure with
    no end lasts for ever). Every warehouse-centre pair must be present; a pair
    with no road has ``travel_time_s = inf`` and is closed from 0 for ever.

    Examples
    --------
    >>> r = pd.DataFrame({"warehouse": ["W1"], "centre": ["C1"], "travel_time_s": [600.0]})
    >>> check_routes(r, pd.Index(["W1"]), pd.Index(["C1"]))["closed_until_s"].tolist()
    [nan]
    """
    df = routes.reset_index() if not {"warehouse", "centre"} <= set(routes.columns) else routes.copy()
    need = {"warehouse", "centre", "travel_time_s"}
    if not need <= set(df.columns):
        raise InputError(
            f"routes needs an index or columns (warehouse, centre) and travel_time_s; has {list(df.columns)}"
        )
    df["warehouse"], df["centre"] = df["warehouse"].astype(str), df["centre"].astype(str)
    df = df.set_index(["warehouse", "centre"])
    for col in ("closed_from_s", "closed_until_s"):
        df[col] = pd.to_numeric(df[col], errors="coerce") if col in df.columns else np.nan
    tt = pd.to_numeric(df["travel_time_s"], errors="coerce")
    # no road at all: an infinite travel time is honest when the route is closed for good
    never = np.isposinf(tt) & (df["closed_from_s"] <= 0) & df["closed_until_s"].isna()
    ok = (np.isfinite(tt) & (tt >= 0)) | never
    if not ok.all():
        key = df.index[~ok.to_numpy()][0]
        raise InputError(
            f"routes: travel_time_s of {key} must be a number >= 0 (seconds), or inf for a pair "
            "with no road (then closed_from_s = 0 and no closed_until_s)"
        )
    df["travel_time_s"] = tt.astype(float)
    wrong = (df["closed_until_s"] <= df["closed_from_s"]).to_numpy()
    if wrong.any():
        raise InputError(f"routes: closure of {df.index[wrong][0]} ends before it starts")
    missing = [(w, c) for w in warehouses for c in centres if (w, c) not in df.index]
    if missing:
        raise InputError(f"routes: no travel time from warehouse {missing[0][0]!r} to centre {missing[0][1]!r}")
    return df
