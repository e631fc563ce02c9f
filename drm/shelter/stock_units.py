"""Stock quantities in the units the item catalogue counts them in.

A stock list arrives in whatever units its author used: water in US gallons,
rice in pounds, kits as "unidades". :func:`catalogue_units` converts every
quantity to the unit the shelter standard's item catalogue counts the item in
(L, kg, ration, kit, piece), or refuses a unit it cannot convert, naming the
row, the item and the units it accepts. A US gallon is 3.785411784 L and a
pound 0.45359237 kg (exact, by definition).
"""

from __future__ import annotations

import os

import pandas as pd

from drm.errors import InputError, UnitError
from drm.io.tables import _key
from drm.shelter.standards import Standard, as_standard
from drm.units import convert, parse_units

__all__ = ["catalogue_units"]

#: Units :func:`drm.units.parse_units` does not know, as (factor, unit it knows).
_EXTRA_UNITS = {
    "gal": (3.785411784, "l"),  # US liquid gallon, as Venezuela and the Americas use it
    "gallon": (3.785411784, "l"),
    "gallons": (3.785411784, "l"),
    "us_gal": (3.785411784, "l"),
    "galon": (3.785411784, "l"),
    "galones": (3.785411784, "l"),
    "imp_gal": (4.54609, "l"),
    "ml": (1e-3, "l"),
    "lt": (1.0, "l"),
    "lts": (1.0, "l"),
    "litro": (1.0, "l"),
    "litros": (1.0, "l"),
    "litres": (1.0, "l"),
    "liters": (1.0, "l"),
    "lb": (0.45359237, "kg"),
    "lbs": (0.45359237, "kg"),
    "libras": (0.45359237, "kg"),
    "t": (1000.0, "kg"),
    "kilo": (1.0, "kg"),
    "kilos": (1.0, "kg"),
    "kilogramos": (1.0, "kg"),
}
#: Words that count things, accepted for any item the catalogue counts (ration, kit, bar, piece).
_COUNT_WORDS = {
    "unit",
    "units",
    "u",
    "each",
    "ea",
    "pc",
    "pcs",
    "piece",
    "pieces",
    "unidad",
    "unidades",
    "und",
    "pieza",
    "piezas",
}
_COUNT_SPANISH = {"ration": {"racion", "raciones"}, "bar": {"barra", "barras"}}


def _dims(unit: str) -> tuple[int, int, int] | None:
    """Dimensions of a unit drm.units knows; None for a count (kit, ration, piece) or an unknown word."""
    try:
        return parse_units(unit)[1]
    except UnitError:
        return None


def _unit_factor(unit: str, cat_unit: str) -> float | None:
    """The factor taking a quantity in ``unit`` to the catalogue's ``cat_unit``; None when it cannot."""
    given, target = _key(unit), _key(cat_unit)
    if given in ("", "nan", "unit", target):  # "unit": the default, the catalogue's own unit
        return 1.0
    factor, base = _EXTRA_UNITS.get(given, (1.0, unit))
    if _dims(cat_unit) is not None:
        try:
            return float(convert(factor, base, cat_unit))
        except UnitError:
            return None
    counts = _COUNT_WORDS | _COUNT_SPANISH.get(target, set()) | {target + "s", target + "es"}
    return 1.0 if given in counts else None


def _accepted(cat_unit: str) -> str:
    """The units a quantity of an item counted in ``cat_unit`` may be given in, for messages."""
    dims = _dims(cat_unit)
    if dims == (3, 0, 0):
        return f"{cat_unit}, mL, m3, gal (US), imp_gal"
    if dims == (0, 0, 1):
        return f"{cat_unit}, g, t, lb"
    if dims is not None:
        return f"a unit convertible to {cat_unit}"
    words = dict.fromkeys([cat_unit, f"{cat_unit}s", "units", "pieces"])
    return f"{', '.join(words)} (a count)"


def catalogue_units(
    stock: pd.DataFrame,
    standard: str | os.PathLike[str] | Standard = "sphere-2018",
    *,
    source: str | None = None,
) -> pd.DataFrame:
    """Convert every stock quantity to the unit its item is counted in by the catalogue.

    Parameters
    ----------
    stock : pandas.DataFrame
        Rows ``site_id, item, quantity[, unit]`` (as :func:`drm.io.read_stock`
        returns them); a missing ``unit`` or ``"unit"`` means the catalogue's own.
    standard : str, path or Standard
        The standard whose item catalogue names the items and their units.
    source : str, optional
        File name for messages; default: the table's ``attrs["source"]`` (set by
        :func:`drm.io.read_stock`), else ``"stock"``.

    Returns
    -------
    pandas.DataFrame
        A copy with ``quantity`` in ``unit``, the catalogue's unit of each item (L,
        kg, ration, kit, piece...); ``attrs["unit_conversions"]`` lists each conversion made.

    Raises
    ------
    InputError
        Every item the catalogue does not know and every unit it cannot convert
        to the item's, one row each, in one message.

    Examples
    --------
    >>> s = pd.DataFrame({"site_id": ["W1"], "item": ["water_l"], "quantity": [100.0], "unit": ["gal"]})
    >>> out = catalogue_units(s)
    >>> round(float(out.loc[0, "quantity"]), 3), out.loc[0, "unit"]
    (378.541, 'L')
    """
    catalogue = as_standard(standard).catalogue
    source = source or str(stock.attrs.get("source", "stock"))
    df = stock.reset_index(drop=True).copy()
    if "unit" not in df.columns:
        df["unit"] = "unit"
    notes, problems = [], []
    for k, row in df.iterrows():
        at = f"{source}: data row {k + 1} ({row['item']!r} at {row['site_id']!r})"
        if row["item"] not in catalogue.index:
            problems.append(
                f"{at}: unknown item; the catalogue has {', '.join(catalogue.index)}. Rename the item, "
                "or add it with a mass_kg column in a standard overrides file and pass standard="
            )
            continue
        cat_unit = str(catalogue.loc[row["item"], "unit"])
        factor = _unit_factor(str(row["unit"]), cat_unit)
        if factor is None:
            problems.append(
                f"{at}: unit {row['unit']!r} cannot be converted to {cat_unit!r}, the unit the "
                f"catalogue counts {row['item']!r} in; give the quantity in {_accepted(cat_unit)}"
            )
            continue
        if factor != 1.0:
            notes.append(
                f"data row {k + 1}: {row['quantity']:g} {row['unit']} of {row['item']} = "
                f"{row['quantity'] * factor:g} {cat_unit}"
            )
        df.loc[k, "quantity"] = float(row["quantity"]) * factor
        df.loc[k, "unit"] = cat_unit
    if problems:  # every bad row at once, so that one validate names them all
        raise InputError("; ".join(problems))
    df.attrs["unit_conversions"] = notes
    return df
