"""Hazard to people, vehicles and buildings from flood depth and velocity.

Every function works on numbers, numpy arrays or xarray DataArrays (depth in
m, velocity in m/s) and returns the same kind of object.

* :func:`hazard_rating` and :func:`hazard_rating_class`: the UK DEFRA/Environment
  Agency rating of FD2320 (HR Wallingford & Flood Hazard Research Centre, 2006,
  *Flood Risks to People Phase 2*, FD2320/TR2, Table 3.1 debris factors and
  Table 13.1 classes; clarified in the 2008 supplementary note):
  ``HR = d (v + 0.5) + DF``; classes low (< 0.75, "caution"), moderate
  (0.75-1.25, "danger for some"), significant (1.25-2.0, "danger for most"),
  extreme (> 2.0, "danger for all").
* :func:`arr_hazard_class`: the combined hazard curves H1-H6 of Australian
  Rainfall and Runoff 2019, Book 6 Chapter 7 (Smith, Davey & Cox 2014),
  Table 6.7.4.
* :func:`vehicle_stability` and :func:`people_stability`: the stability limits
  behind those curves (Shand et al. 2011 for vehicles; Cox, Shand & Blacka 2010
  for people), as boolean "unsafe" masks.

A value exactly on a class boundary belongs to the lower class (the limits are
"less than or equal to").
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import xarray as xr

from drm.errors import InputError

__all__ = [
    "ARR_CLASSES",
    "DEBRIS_FACTORS",
    "HR_CLASSES",
    "arr_hazard_class",
    "debris_factor",
    "hazard_rating",
    "hazard_rating_class",
    "people_stability",
    "vehicle_stability",
]

LandUse = Literal["pasture", "woodland", "urban"]

#: FD2320/TR2 Table 3.1: debris factor by land use for depth bands
#: (0-0.25 m; 0.25-0.75 m; over 0.75 m or velocity over 2 m/s).
DEBRIS_FACTORS: dict[str, tuple[float, float, float]] = {
    "pasture": (0.0, 0.0, 0.5),
    "woodland": (0.0, 0.5, 1.0),
    "urban": (0.0, 1.0, 1.0),
}

#: FD2320 hazard-rating classes: (upper limit of HR, name, meaning).
HR_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.75, "low", "caution: shallow flowing or deep standing water"),
    (1.25, "moderate", "dangerous for some (children, the elderly, the infirm)"),
    (2.0, "significant", "dangerous for most people"),
    (np.inf, "extreme", "dangerous for all, including the emergency services"),
)

#: ARR 2019 Table 6.7.4: (class, depth limit m, velocity limit m/s, depth x velocity limit m²/s, meaning).
ARR_CLASSES: tuple[tuple[str, float, float, float, str], ...] = (
    ("H1", 0.3, 2.0, 0.3, "generally safe for people, vehicles and buildings"),
    ("H2", 0.5, 2.0, 0.6, "unsafe for small vehicles"),
    ("H3", 1.2, 2.0, 0.6, "unsafe for vehicles, children and the elderly"),
    ("H4", 2.0, 2.0, 1.0, "unsafe for vehicles and people"),
    (
        "H5",
        4.0,
        4.0,
        4.0,
        "unsafe for vehicles and people; buildings need special engineering design",
    ),
    (
        "H6",
        np.inf,
        np.inf,
        np.inf,
        "unsafe for vehicles and people; all buildings vulnerable to failure",
    ),
)

#: Vehicle stability (Shand et al. 2011, in ARR 2019 Table 6.7.2): still-water depth limit (m),
#: velocity limit (m/s), depth x velocity limit (m²/s).
VEHICLE_LIMITS: dict[str, tuple[float, float, float]] = {
    "small passenger": (0.3, 3.0, 0.3),
    "large passenger": (0.4, 3.0, 0.45),
    "large 4wd": (0.5, 3.0, 0.6),
}

#: People stability (Cox, Shand & Blacka 2010, in ARR 2019 Table 6.7.3): depth (m),
#: velocity (m/s) and depth x velocity (m²/s) limits; children have height x mass 25-50 m·kg.
PEOPLE_LIMITS: dict[str, tuple[float, float, float]] = {
    "children": (0.5, 3.0, 0.4),
    "adults": (1.2, 3.0, 0.6),
    "trained staff": (1.2, 3.0, 0.8),
}


def _arrays(depth: Any, velocity: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    template = (
        depth
        if isinstance(depth, xr.DataArray)
        else velocity
        if isinstance(velocity, xr.DataArray)
        else None
    )
    d = np.asarray(depth, dtype=float)
    v = np.asarray(velocity, dtype=float)
    if np.any(d[np.isfinite(d)] < 0):
        raise InputError("depth must be >= 0 m")
    if np.any(v[np.isfinite(v)] < 0):
        raise InputError("velocity is a speed here and must be >= 0 m/s")
    d, v = np.broadcast_arrays(d, v)
    return d, v, template


def _wrap(values: np.ndarray, template: Any, name: str, units: str, long_name: str) -> Any:
    if template is not None:
        out = template.copy(data=values)
        out.name = name
        out.attrs = {"units": units, "long_name": long_name}
        return out
    return values if values.ndim else values[()]


def debris_factor(depth: Any, velocity: Any, land_use: LandUse | Any = "urban") -> Any:
    """Debris factor DF of FD2320/TR2 Table 3.1 (dimensionless).

    Parameters
    ----------
    depth : float, array or DataArray
        Water depth (m).
    velocity : float, array or DataArray
        Speed (m/s).
    land_use : {"pasture", "woodland", "urban"} or array of those names
        Land use, per cell if an array.

    Returns
    -------
    Same kind as the inputs.

    Examples
    --------
    >>> float(debris_factor(0.5, 0.3, "urban")), float(debris_factor(0.5, 0.3, "pasture"))
    (1.0, 0.0)
    """
    d, v, template = _arrays(depth, velocity)
    lu = np.broadcast_to(np.asarray(land_use), d.shape)
    unknown = set(np.unique(lu).tolist()) - set(DEBRIS_FACTORS)
    if unknown:
        raise InputError(f"unknown land use {sorted(unknown)}; use {', '.join(DEBRIS_FACTORS)}")
    band = np.where((d > 0.75) | (v > 2.0), 2, np.where(d > 0.25, 1, 0))
    df = np.zeros(d.shape)
    for name, factors in DEBRIS_FACTORS.items():
        sel = lu == name
        df[sel] = np.asarray(factors)[band[sel]]
    df[~np.isfinite(d)] = np.nan
    return _wrap(df, template, "debris_factor", "1", "FD2320 debris factor")


def hazard_rating(depth: Any, velocity: Any, *, land_use: Any = "urban", debris: Any = None) -> Any:
    """FD2320 flood hazard rating ``HR = d (v + 0.5) + DF`` (dimensionless).

    Parameters
    ----------
    depth, velocity : float, array or DataArray
        Depth (m) and speed (m/s).
    land_use : str or array
        For the debris factor (see :func:`debris_factor`).
    debris : float or array, optional
        A debris factor to use instead of the table.

    Returns
    -------
    Same kind as the inputs.

    Examples
    --------
    >>> round(float(hazard_rating(0.6, 1.0, land_use="urban")), 3)  # 0.6 x 1.5 + 1.0
    1.9
    """
    d, v, template = _arrays(depth, velocity)
    df = np.asarray(debris_factor(d, v, land_use) if debris is None else debris, dtype=float)
    hr = np.where(d > 0, d * (v + 0.5) + df, 0.0)
    hr = np.where(np.isfinite(d), hr, np.nan)
    return _wrap(hr, template, "hazard_rating", "1", "FD2320 flood hazard rating")


def hazard_rating_class(hr: Any) -> Any:
    """FD2320 class of a hazard rating: 0 none (dry), 1 low, 2 moderate, 3 significant, 4 extreme.

    Parameters
    ----------
    hr : float, array or DataArray
        Hazard rating from :func:`hazard_rating` (dimensionless).

    Returns
    -------
    int8 array or DataArray of the same kind
        Class code (dimensionless): 0 dry, 1 low (HR <= 0.75), 2 moderate (<= 1.25),
        3 significant (<= 2.0), 4 extreme; -1 where HR is NaN.

    Examples
    --------
    >>> hazard_rating_class(np.array([0.0, 0.5, 0.75, 0.76, 1.25, 2.0, 2.01])).tolist()
    [0, 1, 1, 2, 2, 3, 4]
    """
    template = hr if isinstance(hr, xr.DataArray) else None
    a = np.asarray(hr, dtype=float)
    limits = np.array([c[0] for c in HR_CLASSES])
    cls = np.searchsorted(limits, a, side="left") + 1
    cls = np.where(a > 0, cls, 0).astype(np.int8)
    cls = np.where(np.isfinite(a), cls, -1).astype(np.int8)
    names = ", ".join(f"{k + 1} {c[1]}" for k, c in enumerate(HR_CLASSES))
    return _wrap(
        cls, template, "hazard_class", "1", f"FD2320 hazard class (0 dry, {names}; -1 nodata)"
    )


def arr_hazard_class(depth: Any, velocity: Any) -> Any:
    """ARR 2019 combined hazard class 1-6 (H1-H6); 0 where dry, -1 where nodata.

    A cell is in the lowest class whose depth, velocity and depth x velocity
    limits it all meets (:data:`ARR_CLASSES`, ARR 2019 table 6.7.4).

    Parameters
    ----------
    depth : float, array or DataArray
        Water depth (m).
    velocity : float, array or DataArray
        Speed (m/s).

    Returns
    -------
    int8 array or DataArray of the same kind
        Class code (dimensionless): 1-6 for H1-H6, 0 dry, -1 nodata.

    Examples
    --------
    >>> arr_hazard_class(np.array([0.3, 0.31, 1.0, 1.0]), np.array([1.0, 0.1, 0.5, 0.61])).tolist()
    [1, 2, 3, 4]
    """
    d, v, template = _arrays(depth, velocity)
    dv = d * v
    cls = np.full(d.shape, 6, dtype=np.int8)
    for k in range(len(ARR_CLASSES) - 2, -1, -1):
        _, dl, vl, dvl, _ = ARR_CLASSES[k]
        cls = np.where((d <= dl) & (v <= vl) & (dv <= dvl), k + 1, cls).astype(np.int8)
    cls = np.where(d > 0, cls, 0).astype(np.int8)
    cls = np.where(np.isfinite(d) & np.isfinite(v), cls, -1).astype(np.int8)
    return _wrap(
        cls, template, "arr_hazard_class", "1", "ARR 2019 hazard class H1-H6 (0 dry, -1 nodata)"
    )


def _unsafe(d: np.ndarray, v: np.ndarray, limits: tuple[float, float, float]) -> np.ndarray:
    dl, vl, dvl = limits
    return (d > dl) | (v > vl) | (d * v > dvl)


def vehicle_stability(depth: Any, velocity: Any, vehicle: str = "small passenger") -> Any:
    """True where a parked or driven vehicle of this class becomes unstable.

    Parameters
    ----------
    depth, velocity : float, array or DataArray
        Depth (m) and speed (m/s).
    vehicle : {"small passenger", "large passenger", "large 4wd"}
        Vehicle class of Shand et al. (2011) (still-water depth limits 0.3, 0.4 and 0.5 m).

    Returns
    -------
    bool array or DataArray of the same kind
        True where the vehicle is unstable.

    Examples
    --------
    >>> bool(vehicle_stability(0.3, 1.0)), bool(vehicle_stability(0.31, 0.1))
    (False, True)
    """
    if vehicle not in VEHICLE_LIMITS:
        raise InputError(f"unknown vehicle class {vehicle!r}; use {', '.join(VEHICLE_LIMITS)}")
    d, v, template = _arrays(depth, velocity)
    return _wrap(
        _unsafe(d, v, VEHICLE_LIMITS[vehicle]),
        template,
        "vehicle_unsafe",
        "1",
        f"unsafe for {vehicle} vehicles",
    )


def people_stability(depth: Any, velocity: Any, group: str = "adults") -> Any:
    """True where people of this group cannot stand or wade safely.

    Parameters
    ----------
    depth, velocity : float, array or DataArray
        Depth (m) and speed (m/s).
    group : {"children", "adults", "trained staff"}
        Group of Cox, Shand & Blacka (2010) (depth x velocity limits 0.4, 0.6 and 0.8 m²/s).

    Returns
    -------
    bool array or DataArray of the same kind
        True where people of the group are unsafe.

    Examples
    --------
    >>> bool(people_stability(0.5, 1.0, "adults")), bool(people_stability(0.5, 1.0, "children"))
    (False, True)
    """
    if group not in PEOPLE_LIMITS:
        raise InputError(f"unknown group {group!r}; use {', '.join(PEOPLE_LIMITS)}")
    d, v, template = _arrays(depth, velocity)
    return _wrap(
        _unsafe(d, v, PEOPLE_LIMITS[group]), template, "people_unsafe", "1", f"unsafe for {group}"
    )
