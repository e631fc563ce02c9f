"""Displaced people and shelter seekers: their fractions, and the Hazus shelter-seeking estimate.

Displaced people are a fraction of the persons at risk; shelter seekers a
fraction of the displaced, given directly or estimated with
:func:`hazus_shelter_fraction`, the weighting of the FEMA Hazus methodology
for short-term shelter needs (Hazus-MH 2.1 Technical Manual, modification
factors by household income, age and tenure): a weighted sum, over income,
age and tenure classes, of each class's share times its modification factor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from drm.errors import InputError

__all__ = ["HAZUS_FACTORS", "HAZUS_WEIGHTS", "hazus_shelter_fraction"]

#: Hazus short-term shelter modification factors by class (Hazus-MH 2.1 Technical Manual; income in
#: US dollars per household per year, the bands of the 2000 census). Age and tenure factors are
#: equal in Hazus: they weigh nothing between classes until a user changes them.
HAZUS_FACTORS: dict[str, dict[str, float]] = {
    "income": {
        "under_15k": 0.62,
        "15k_20k": 0.42,
        "20k_35k": 0.29,
        "35k_50k": 0.22,
        "over_50k": 0.13,
    },
    "age": {"under_16": 0.40, "16_65": 0.40, "over_65": 0.40},
    "tenure": {"owner": 0.40, "renter": 0.40},
}
#: Weights of the income, age and tenure terms (they add up to 1). Hazus weighs income 0.73 and
#: ethnicity 0.27 (age and tenure 0); drm has no ethnicity group, so the default moves that 0.27 to
#: age, whose equal factors make it a constant 0.27 x 0.40 = 0.108. Override for local evidence.
HAZUS_WEIGHTS: dict[str, float] = {"income": 0.73, "age": 0.27, "tenure": 0.0}


def hazus_shelter_fraction(
    income: Mapping[str, float] | pd.DataFrame,
    age: Mapping[str, float] | pd.DataFrame | None = None,
    tenure: Mapping[str, float] | pd.DataFrame | None = None,
    *,
    weights: Mapping[str, float] | None = None,
    factors: Mapping[str, Mapping[str, float]] | None = None,
) -> float | pd.Series:
    """Share of displaced people seeking public shelter, Hazus style.

    ``fraction = Σ_g w_g Σ_k share_gk × factor_gk`` over the groups g =
    income, age, tenure and their classes k (:data:`HAZUS_FACTORS`,
    :data:`HAZUS_WEIGHTS`).

    Parameters
    ----------
    income, age, tenure : dict class -> share, or DataFrame (rows: zones, columns: classes)
        Shares of the displaced population in each class (each row adds up to
        1). Income classes are Hazus's US-dollar bands: map local income
        groups onto them or give your own ``factors``. Age and tenure may be
        left out while their factors are equal across classes (the Hazus
        defaults) or their weight is 0.
    weights : dict, optional
        Weight of each group (adding up to 1); default :data:`HAZUS_WEIGHTS`.
    factors : dict of dict, optional
        Modification factor of each class; default :data:`HAZUS_FACTORS`.

    Returns
    -------
    float, or pandas.Series by zone when a DataFrame is given
        Share of the displaced who seek public shelter (fraction in [0, 1]).

    Examples
    --------
    >>> round(hazus_shelter_fraction({"under_15k": 1.0}), 4)  # 0.73 x 0.62 + 0.27 x 0.40
    0.5606
    """
    w = dict(HAZUS_WEIGHTS if weights is None else weights)
    f = {g: dict(v) for g, v in (HAZUS_FACTORS if factors is None else factors).items()}
    if set(w) != {"income", "age", "tenure"} or any(
        not (np.isfinite(v) and v >= 0) for v in w.values()
    ):
        raise InputError(f"weights need income, age and tenure, each >= 0; got {w}")
    if abs(sum(w.values()) - 1.0) > 1e-9:
        raise InputError(f"weights must add up to 1, got {sum(w.values()):g}")
    frames = any(isinstance(s, pd.DataFrame) for s in (income, age, tenure))
    total: Any = 0.0
    for group, shares in (("income", income), ("age", age), ("tenure", tenure)):
        fac = f.get(group, {})
        if w[group] == 0:
            continue
        if shares is None:
            if len(set(fac.values())) != 1:
                raise InputError(f"give {group} shares: its factors differ between classes")
            total = total + w[group] * next(iter(fac.values()))
            continue
        table = shares if isinstance(shares, pd.DataFrame) else pd.DataFrame([dict(shares)])
        unknown = set(table.columns) - set(fac)
        if unknown:
            raise InputError(f"unknown {group} classes {sorted(unknown)}; use {sorted(fac)}")
        values = table.to_numpy(dtype=float)
        if np.any(values < 0) or np.any(np.abs(values.sum(axis=1) - 1.0) > 1e-6):
            raise InputError(f"{group} shares must be >= 0 and add up to 1 in every row")
        term = w[group] * (table * pd.Series(fac)[table.columns]).sum(axis=1)
        total = total + (
            term if frames and isinstance(shares, pd.DataFrame) else float(term.iloc[0])
        )
    return total.rename("shelter_fraction") if isinstance(total, pd.Series) else float(total)


def _fraction(value: Any, index: pd.Index, name: str) -> np.ndarray:
    if isinstance(value, pd.Series):
        v = value.reindex(index).to_numpy(dtype=float)
    else:
        v = np.full(len(index), float(value))
    if np.any(~np.isfinite(v)) or np.any((v < 0) | (v > 1)):
        raise InputError(f"{name} must be in [0, 1] for every zone")
    return v
