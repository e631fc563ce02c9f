"""Rainfall-runoff: how much rain becomes runoff (SCS Curve Number, Green-Ampt).

Two loss models turn a rainfall rate into a rainfall-excess rate (the water
left on the surface to run off):

SCS Curve Number (USDA-SCS 1986, TR-55, 2nd ed., chapter 2)
    Q = (P − Ia)² / (P − Ia + S) for P > Ia, else 0, with S = 25400/CN − 254
    (mm) and Ia = λS. λ = 0.2 is the handbook value; λ = 0.05 (Hawkins et al.
    2002; Woodward et al. 2003) comes with its own retention
    S₀.₀₅ = 1.33·S₀.₂^1.15 (S in inches). Applied to the cumulative rain of a
    storm, the increments of Q give a time-varying excess rate.

Green-Ampt (Green & Ampt 1911; as in Chow, Maidment & Mays 1988, §4.3-4.4)
    Infiltration capacity f = K(1 + ψΔθ/F) with cumulative infiltration F,
    hydraulic conductivity K, wetting-front suction head ψ and moisture
    deficit Δθ = (1 − Se)·θe. Under ponding F − ψΔθ·ln(1 + F/ψΔθ) = K·t;
    under rain of intensity i the surface ponds once f falls to i, at
    Fp = Kψ Δθ/(i − K). Parameters by soil texture come from Rawls,
    Brakensiek & Miller (1983) (:func:`soil_textures`).

Per storm, :func:`rainfall_excess` and :func:`green_ampt_excess` turn a drm
rainfall grid into an excess-rate grid on the same cells and intervals. Per
time step (for a flood solver that tracks its own state),
:func:`scs_excess_rate` and :func:`green_ampt_rate` give the rate over one step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from drm.errors import InputError
from drm.grids import check_grid, check_same_grid
from drm.units import convert, require_units

__all__ = [
    "GreenAmptSoil",
    "adjust_curve_number",
    "green_ampt_cumulative",
    "green_ampt_excess",
    "green_ampt_rate",
    "green_ampt_soil",
    "ponding_time",
    "rainfall_excess",
    "scs_excess_rate",
    "scs_runoff",
    "soil_textures",
]

_MM_PER_INCH = 25.4
_DATA = Path(__file__).resolve().parent / "data"

Array = Any  # float or numpy array (broadcasting)


# ---------------------------------------------------------------- SCS Curve Number


def _check_cn(curve_number: Array, name: str = "curve_number") -> np.ndarray:
    cn = np.asarray(curve_number, dtype=float)
    bad = ~np.isnan(cn) & ~((cn > 0) & (cn <= 100))
    if bad.any():
        raise InputError(
            f"{name} must lie in (0, 100]; got {cn[bad].ravel()[0]!r} "
            f"({int(bad.sum())} value(s) outside); typical values are 30-98 (TR-55 tables 2-2)"
        )
    return cn


def _check_ia_ratio(ia_ratio: float) -> float:
    if ia_ratio not in (0.2, 0.05):
        raise InputError(
            f"ia_ratio={ia_ratio!r}: use 0.2 (TR-55) or 0.05 (Hawkins et al. 2002, with the "
            "matching retention S0.05 = 1.33 S0.2^1.15)"
        )
    return float(ia_ratio)


def _retention_mm(cn: np.ndarray, ia_ratio: float) -> np.ndarray:
    """Potential maximum retention S (mm) for the given initial-abstraction ratio."""
    s20 = 25400.0 / cn - 254.0
    if ia_ratio == 0.05:
        return 1.33 * (s20 / _MM_PER_INCH) ** 1.15 * _MM_PER_INCH
    return s20


def _runoff_mm(p_mm: np.ndarray, s_mm: np.ndarray, ia_ratio: float) -> np.ndarray:
    ia = ia_ratio * s_mm
    excess = np.maximum(p_mm - ia, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(excess > 0, excess**2 / (excess + s_mm), 0.0)
    return np.where(np.isnan(p_mm) | np.isnan(s_mm), np.nan, q)


def scs_runoff(rain_mm: Array, curve_number: Array, ia_ratio: float = 0.2) -> Array:
    """Direct runoff depth from cumulative rain by the SCS Curve Number method.

    Parameters
    ----------
    rain_mm : float or array_like
        Cumulative storm rainfall P (mm), >= 0; NaN passes through.
    curve_number : float or array_like
        Curve number in (0, 100]; broadcasts against ``rain_mm``.
    ia_ratio : {0.2, 0.05}
        Initial abstraction ratio λ (Ia = λS). With 0.05 the retention is
        converted as S₀.₀₅ = 1.33·S₀.₂^1.15 (inches), so the same CN tables apply.

    Returns
    -------
    float or numpy.ndarray
        Runoff depth Q (mm); a float for scalar inputs.

    Raises
    ------
    InputError
        Negative rain, CN outside (0, 100], or another ``ia_ratio``.

    Examples
    --------
    TR-55 (1986) chapter 2: 6 in of rain on CN 70 gives 2.81 in of runoff.

    >>> round(scs_runoff(6 * 25.4, 70) / 25.4, 2)
    2.81
    """
    p = np.asarray(rain_mm, dtype=float)
    if (p < 0).any():
        raise InputError(f"rain_mm must be >= 0 mm, got {p[p < 0].ravel()[0]!r}")
    cn = _check_cn(curve_number)
    q = _runoff_mm(p, _retention_mm(cn, _check_ia_ratio(ia_ratio)), ia_ratio)
    return float(q) if q.ndim == 0 else q


def adjust_curve_number(
    curve_number: Array,
    amc: Literal["I", "II", "III"],
    method: Literal["chow", "hawkins"] = "chow",
) -> Array:
    """Curve number for dry (AMC I) or wet (AMC III) antecedent moisture.

    Tabled CNs are for average conditions (AMC II). Conversions:

    ``"chow"`` (Chow, Maidment & Mays 1988, §5.5)
        CN(I) = 4.2·CN / (10 − 0.058·CN);  CN(III) = 23·CN / (10 + 0.13·CN).
    ``"hawkins"`` (Hawkins, Hjelmfelt & Zevenbergen 1985, J. Irrig. Drain. Eng. 111(4))
        CN(I) = CN / (2.281 − 0.01281·CN);  CN(III) = CN / (0.427 + 0.00573·CN).

    Both approximate the AMC table of the SCS National Engineering Handbook,
    section 4 (table 10.1).

    Parameters
    ----------
    curve_number : float or array_like
        CN for AMC II, in (0, 100].
    amc : {"I", "II", "III"}
        Antecedent moisture condition (I dry, II average, III wet).
    method : {"chow", "hawkins"}
        Conversion formula.

    Returns
    -------
    float or numpy.ndarray
        Adjusted CN.

    Examples
    --------
    >>> round(adjust_curve_number(70, "III"), 2)
    84.29
    """
    cn = _check_cn(curve_number)
    if amc == "II":
        out = cn
    elif (amc, method) == ("I", "chow"):
        out = 4.2 * cn / (10.0 - 0.058 * cn)
    elif (amc, method) == ("III", "chow"):
        out = 23.0 * cn / (10.0 + 0.13 * cn)
    elif (amc, method) == ("I", "hawkins"):
        out = cn / (2.281 - 0.01281 * cn)
    elif (amc, method) == ("III", "hawkins"):
        out = cn / (0.427 + 0.00573 * cn)
    else:
        raise InputError(
            f"antecedent moisture amc={amc!r}, method={method!r}: use amc 'I', 'II' or 'III' "
            "and method 'chow' or 'hawkins'"
        )
    return float(out) if out.ndim == 0 else out


def scs_excess_rate(
    cum_rain_m: Array,
    rain_rate_m_s: Array,
    dt_s: float,
    curve_number: Array,
    ia_ratio: float = 0.2,
) -> Array:
    """Rainfall-excess rate over one time step by the SCS Curve Number method.

    For a solver that keeps the storm's cumulative rain per cell: the excess
    is Q(P + i·Δt) − Q(P), spread over the step.

    Parameters
    ----------
    cum_rain_m : float or array_like
        Rain fallen since the start of the storm, before this step (m).
    rain_rate_m_s : float or array_like
        Rain rate during the step (m/s), >= 0.
    dt_s : float
        Step length (s), > 0.
    curve_number : float or array_like
        CN (already adjusted for antecedent moisture if wanted).
    ia_ratio : {0.2, 0.05}
        Initial abstraction ratio.

    Returns
    -------
    float or numpy.ndarray
        Excess rate (m/s), between 0 and the rain rate.

    Examples
    --------
    Before the initial abstraction (CN 80: Ia = 12.7 mm) nothing runs off:

    >>> scs_excess_rate(0.0, 1e-5, 600.0, 80)
    0.0
    """
    if not dt_s > 0:
        raise InputError(f"dt_s must be > 0 s, got {dt_s!r}")
    p0 = np.asarray(cum_rain_m, dtype=float) * 1000.0
    rate = np.asarray(rain_rate_m_s, dtype=float)
    if (p0 < 0).any() or (rate < 0).any():
        raise InputError("cum_rain_m and rain_rate_m_s must be >= 0 (rain cannot be negative)")
    s = _retention_mm(_check_cn(curve_number), _check_ia_ratio(ia_ratio))
    dq_mm = _runoff_mm(p0 + rate * dt_s * 1000.0, s, ia_ratio) - _runoff_mm(p0, s, ia_ratio)
    out = dq_mm / 1000.0 / dt_s
    return float(out) if out.ndim == 0 else out


def _rain_intervals(rainfall: xr.DataArray) -> tuple[np.ndarray, np.ndarray, float]:
    """Rain rate (m/s) as float64 (time, y, x), interval lengths (s) and end (s) of a rain grid."""
    check_grid(rainfall, "rainfall", time=True)
    units = require_units(rainfall, "m/s", "rainfall")
    rate = convert(np.asarray(rainfall.values, dtype=float), units, "m/s")
    if np.isnan(rate).any() or (rate < 0).any():
        raise InputError(
            "rainfall has NaN or negative values; fill gaps with 0 and clip artefacts "
            "(drm.io.rainfall_grid checks this on reading)"
        )
    t = np.asarray(rainfall["time"].values, dtype=float)
    end = rainfall.attrs.get("interval_end_s")
    if end is None:
        if t.size < 2:
            raise InputError("rainfall: a single interval needs attrs['interval_end_s'] (s)")
        end = t[-1] + (t[-1] - t[-2])
    dt = np.diff(np.append(t, float(end)))
    if (dt <= 0).any():
        raise InputError(f"rainfall: interval_end_s={end!r} must follow the last time {t[-1]!r}")
    return rate, dt, float(end)


def _excess_grid(
    rainfall: xr.DataArray, excess: np.ndarray, end_s: float, long_name: str
) -> xr.DataArray:
    out = xr.DataArray(excess, dims=rainfall.dims, coords=rainfall.coords, name="rainfall_excess")
    out.attrs = {"units": "m s-1", "long_name": long_name, "interval_end_s": end_s}
    return out


def _cn_values(curve_number: Any, rainfall: xr.DataArray) -> np.ndarray:
    if isinstance(curve_number, xr.DataArray):
        check_same_grid(curve_number, rainfall, ("curve_number", "rainfall"))
        return np.asarray(curve_number.values, dtype=float)
    return np.asarray(curve_number, dtype=float)


def rainfall_excess(
    rainfall: xr.DataArray,
    curve_number: float | xr.DataArray,
    *,
    ia_ratio: float = 0.2,
    amc: Literal["I", "II", "III"] = "II",
    amc_method: Literal["chow", "hawkins"] = "chow",
) -> xr.DataArray:
    """Time-varying rainfall excess over a storm by the SCS Curve Number method.

    The runoff of the cumulative rain is computed at the end of every
    interval; its increments divided by the interval length are the excess
    rates (Chow, Maidment & Mays 1988, §5.5, cumulative abstractions).

    Parameters
    ----------
    rainfall : xarray.DataArray
        drm rainfall grid (``drm.io.rainfall_grid`` / ``read_rainfall``): rate
        in m s-1, dims ``("time", "y", "x")``, time = interval starts (s),
        ``attrs["interval_end_s"]`` = end of the last interval.
    curve_number : float or xarray.DataArray
        CN for average moisture (AMC II), a number or a grid on the rain's
        cells; NaN cells give NaN excess.
    ia_ratio : {0.2, 0.05}
        Initial abstraction ratio (see :func:`scs_runoff`).
    amc : {"I", "II", "III"}
        Antecedent moisture condition; CN is converted by :func:`adjust_curve_number`.
    amc_method : {"chow", "hawkins"}
        Conversion formula.

    Returns
    -------
    xarray.DataArray
        ``rainfall_excess`` in m s-1 on the rainfall's grid and intervals.

    Raises
    ------
    InputError
        Bad CN, negative or NaN rain, rain not in a rate unit.

    Examples
    --------
    >>> import numpy as np, drm
    >>> rain = drm.io.rainfall_grid(np.full((6, 2, 2), 25.4), x=[5.0, 15.0], y=[15.0, 5.0],
    ...                             time_s=np.arange(6) * 3600.0)  # 6 in in 6 h
    >>> q = rainfall_excess(rain, 70)
    >>> round(float((q[:, 0, 0] * 3600).sum()) * 1000 / 25.4, 2)  # inches
    2.81
    """
    rate, dt, end = _rain_intervals(rainfall)
    cn = adjust_curve_number(_cn_values(curve_number, rainfall), amc, amc_method)
    s = _retention_mm(np.asarray(cn, dtype=float), _check_ia_ratio(ia_ratio))
    cum_mm = np.cumsum(rate * dt[:, None, None], axis=0) * 1000.0
    q = _runoff_mm(cum_mm, s, ia_ratio)
    dq = np.diff(q, axis=0, prepend=0.0)
    excess = dq / 1000.0 / dt[:, None, None]
    return _excess_grid(
        rainfall, excess, end, f"rainfall excess rate (SCS-CN, λ={ia_ratio:g}, AMC {amc})"
    )


# ---------------------------------------------------------------- Green-Ampt


@dataclass(frozen=True)
class GreenAmptSoil:
    """Green-Ampt parameters of a soil, in SI units.

    Fields are floats or numpy arrays broadcasting against the grid they are
    used on (one value per cell for a soil map).

    Attributes
    ----------
    conductivity_m_s : float or numpy.ndarray
        Hydraulic conductivity K (m/s), > 0.
    suction_head_m : float or numpy.ndarray
        Wetting-front soil suction head ψ (m), >= 0.
    moisture_deficit : float or numpy.ndarray
        Δθ = (1 − Se)·θe (-), in [0, 1].

    Examples
    --------
    Silt loam at 30 % initial saturation as Chow et al. (1988) round it:

    >>> soil = GreenAmptSoil(conductivity_m_s=0.65 / 100 / 3600, suction_head_m=0.167,
    ...                      moisture_deficit=0.340)
    >>> round(soil.suction_deficit_m * 100, 2)  # ψΔθ in cm
    5.68
    """

    conductivity_m_s: Array
    suction_head_m: Array
    moisture_deficit: Array

    def __post_init__(self) -> None:
        k = np.asarray(self.conductivity_m_s, dtype=float)
        psi = np.asarray(self.suction_head_m, dtype=float)
        dth = np.asarray(self.moisture_deficit, dtype=float)
        if not (k > 0).all():
            raise InputError(f"GreenAmptSoil: conductivity_m_s must be > 0, got min {k.min()!r}")
        if not (psi >= 0).all():
            raise InputError(f"GreenAmptSoil: suction_head_m must be >= 0, got min {psi.min()!r}")
        if not ((dth >= 0) & (dth <= 1)).all():
            raise InputError("GreenAmptSoil: moisture_deficit must lie in [0, 1]")

    @property
    def suction_deficit_m(self) -> Array:
        """ψΔθ (m), the product that enters every Green-Ampt formula."""
        a = np.asarray(self.suction_head_m, dtype=float) * np.asarray(
            self.moisture_deficit, dtype=float
        )
        return float(a) if a.ndim == 0 else a


@lru_cache(maxsize=1)
def _texture_table() -> pd.DataFrame:
    table = pd.read_csv(_DATA / "green_ampt_rawls1983.csv", comment="#")
    return table.set_index("texture")


def soil_textures() -> pd.DataFrame:
    """Green-Ampt parameters of the 11 USDA soil textures (Rawls, Brakensiek & Miller 1983).

    Returns
    -------
    pandas.DataFrame
        Indexed by texture name (``"sand"`` ... ``"clay"``), with ``porosity``,
        ``effective_porosity`` (-), ``suction_head_m`` and ``conductivity_m_s``.
        ``attrs["source"]`` cites the table (see ``drm/hazard/data/README.md``).

    Examples
    --------
    >>> soil_textures().loc["silt loam", "effective_porosity"]
    np.float64(0.486)
    """
    raw = _texture_table()
    out = pd.DataFrame(
        {
            "porosity": raw["porosity"],
            "effective_porosity": raw["effective_porosity"],
            "suction_head_m": raw["suction_head_cm"] / 100.0,
            "conductivity_m_s": raw["conductivity_cm_h"] / 100.0 / 3600.0,
        }
    )
    out.attrs["source"] = (
        "Rawls, Brakensiek & Miller (1983), J. Hydraul. Eng. 109(1): 62-70; "
        "as in Chow, Maidment & Mays (1988), Applied Hydrology, Table 4.3.1"
    )
    return out


def green_ampt_soil(texture: str | Any, initial_saturation: Array = 0.3) -> GreenAmptSoil:
    """Green-Ampt parameters for a soil texture class and initial wetness.

    Parameters
    ----------
    texture : str or array_like of str
        USDA texture name(s), e.g. ``"silt loam"`` (case-insensitive); an array
        gives per-cell parameters.
    initial_saturation : float or array_like
        Initial effective saturation Se in [0, 1]; Δθ = (1 − Se)·θe.

    Returns
    -------
    GreenAmptSoil

    Examples
    --------
    >>> soil = green_ampt_soil("silt loam", 0.3)
    >>> round(soil.suction_deficit_m * 100, 2)  # ψΔθ in cm
    5.67
    """
    table = soil_textures()
    names = np.char.lower(np.asarray(texture, dtype=str))
    unknown = sorted(str(n) for n in set(names.ravel()) - set(table.index))
    if unknown:
        raise InputError(
            f"unknown soil texture {unknown[0]!r}; use one of {', '.join(table.index)}"
        )
    se = np.asarray(initial_saturation, dtype=float)
    if not ((se >= 0) & (se <= 1)).all():
        raise InputError(f"initial_saturation must lie in [0, 1], got {initial_saturation!r}")
    rows = table.loc[names.ravel()]

    def col(name: str) -> Array:
        v = rows[name].to_numpy().reshape(names.shape)
        return float(v) if v.ndim == 0 else v

    return GreenAmptSoil(
        conductivity_m_s=col("conductivity_m_s"),
        suction_head_m=col("suction_head_m"),
        moisture_deficit=(1.0 - se) * col("effective_porosity"),
    )


def _ponded_growth(f0: np.ndarray, tau: np.ndarray, k: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Cumulative infiltration after ponded time ``tau`` starting from ``f0`` (m).

    Solves F − F0 − a·ln((F + a)/(F0 + a)) = K·τ by Newton's method from
    F0 + Kτ + √(2aKτ), an upper bound of the root (the function is convex and
    increasing there, so the iterates decrease monotonically to it).
    """
    f = f0 + k * tau + np.sqrt(2.0 * a * k * tau)
    suction = a > 0
    for _ in range(100):
        with np.errstate(divide="ignore", invalid="ignore"):
            log_term = np.where(suction, a * np.log1p((f - f0) / (f0 + a)), 0.0)
            g = f - f0 - log_term - k * tau
            step = np.where(f > 0, g * (f + a) / f, 0.0)
        f = f - step
        if np.all(np.abs(step) <= 1e-13 * (f + a)):
            break
    return f


def green_ampt_cumulative(t_s: Array, soil: GreenAmptSoil) -> Array:
    """Cumulative infiltration under continuous ponding from t = 0.

    Solves F − ψΔθ·ln(1 + F/ψΔθ) = K·t (Chow, Maidment & Mays 1988, eq. 4.3.6).

    Parameters
    ----------
    t_s : float or array_like
        Time since ponding began (s), >= 0.
    soil : GreenAmptSoil
        Soil parameters.

    Returns
    -------
    float or numpy.ndarray
        F (m); the capacity rate is K(1 + ψΔθ/F).

    Examples
    --------
    Chow et al. (1988) example 4.3.1: silt loam, Se = 0.3, one hour: F = 3.17 cm.

    >>> soil = GreenAmptSoil(0.65 / 100 / 3600, 0.167, 0.340)
    >>> round(green_ampt_cumulative(3600.0, soil) * 100, 2)
    3.17
    """
    t = np.asarray(t_s, dtype=float)
    if (t < 0).any():
        raise InputError(f"t_s must be >= 0 s, got {t[t < 0].ravel()[0]!r}")
    k = np.asarray(soil.conductivity_m_s, dtype=float)
    a = np.asarray(soil.suction_deficit_m, dtype=float)
    f = _ponded_growth(np.zeros(np.broadcast(t, k, a).shape), t, k, a)
    return float(f) if f.ndim == 0 else f


def ponding_time(rain_rate_m_s: Array, soil: GreenAmptSoil) -> tuple[Array, Array]:
    """Time to ponding and infiltration at ponding under constant rain.

    tp = Kψ Δθ / (i(i − K)), Fp = Kψ Δθ / (i − K) for i > K (Mein & Larson
    1973; Chow, Maidment & Mays 1988, eq. 4.4.2-4.4.3); never (inf) for i <= K.

    Parameters
    ----------
    rain_rate_m_s : float or array_like
        Rain intensity i (m/s), >= 0.
    soil : GreenAmptSoil
        Soil parameters.

    Returns
    -------
    tp_s, fp_m : float or numpy.ndarray
        Ponding time (s) and cumulative infiltration at ponding (m); inf where
        the soil takes all the rain.

    Examples
    --------
    Chow et al. (1988) example 4.4.1(b): 5 cm/h on silt loam ponds after 0.17 h.

    >>> soil = GreenAmptSoil(0.65 / 100 / 3600, 0.167, 0.340)
    >>> tp, fp = ponding_time(5 / 100 / 3600, soil)
    >>> round(tp / 3600, 2), round(fp * 100, 2)
    (0.17, 0.85)
    """
    i = np.asarray(rain_rate_m_s, dtype=float)
    if (i < 0).any():
        raise InputError("rain_rate_m_s must be >= 0 (rain cannot be negative)")
    k = np.asarray(soil.conductivity_m_s, dtype=float)
    a = np.asarray(soil.suction_deficit_m, dtype=float)
    with np.errstate(divide="ignore"):
        fp = np.where(i > k, k * a / np.where(i > k, i - k, 1.0), np.inf)
        tp = np.where(i > k, fp / np.where(i > 0, i, 1.0), np.inf)
    if tp.ndim == 0:
        return float(tp), float(fp)
    return tp, fp


def green_ampt_rate(
    cum_infiltration_m: Array,
    supply_rate_m_s: Array,
    dt_s: float,
    soil: GreenAmptSoil,
) -> Array:
    """Mean infiltration rate over one time step by Green-Ampt with ponding.

    The procedure of Chow, Maidment & Mays (1988, §4.4) for rain of varying
    intensity, with the supply constant over the step: if the surface is
    ponded at the start (capacity <= supply), F grows as under ponding; if
    not, all the supply infiltrates unless the capacity falls to the supply
    during the step, from which moment it grows as under ponding.

    Parameters
    ----------
    cum_infiltration_m : float or array_like
        Cumulative infiltration F at the start of the step (m), >= 0.
    supply_rate_m_s : float or array_like
        Water offered to the soil during the step (m/s): rain, plus ponded
        depth / dt for a flood solver.
    dt_s : float
        Step length (s), > 0.
    soil : GreenAmptSoil
        Soil parameters.

    Returns
    -------
    float or numpy.ndarray
        Mean infiltration rate over the step (m/s), at most the supply. The
        caller adds ``rate * dt_s`` to F; the excess is ``supply - rate``.

    Examples
    --------
    Chow et al. (1988) example 4.4.2: one hour of 5 cm/h on silt loam, Se = 0.3,
    infiltrates F = 3.02 cm.

    >>> soil = GreenAmptSoil(0.65 / 100 / 3600, 0.167, 0.340)
    >>> round(green_ampt_rate(0.0, 5 / 100 / 3600, 3600.0, soil) * 3600 * 100, 2)
    3.02
    """
    if not dt_s > 0:
        raise InputError(f"dt_s must be > 0 s, got {dt_s!r}")
    f0 = np.asarray(cum_infiltration_m, dtype=float)
    i = np.asarray(supply_rate_m_s, dtype=float)
    if (f0 < 0).any() or (i < 0).any():
        raise InputError("cum_infiltration_m and supply_rate_m_s must be >= 0")
    k = np.asarray(soil.conductivity_m_s, dtype=float)
    a = np.asarray(soil.suction_deficit_m, dtype=float)
    f0, i, k, a = np.broadcast_arrays(f0, i, k, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        capacity = np.where(f0 > 0, k * (1.0 + a / f0), np.inf)
        unponded_end = f0 + i * dt_s  # if all the supply infiltrates
        capacity_end = np.where(unponded_end > 0, k * (1.0 + a / unponded_end), np.inf)
        ponded_now = i >= capacity
        ponds_later = ~ponded_now & (i > capacity_end)
        # infiltration at ponding and the time taken to reach it (only where it ponds later)
        fp = np.where(ponds_later, k * a / np.where(ponds_later, i - k, 1.0), f0)
        t_to_pond = np.where(ponds_later, (fp - f0) / np.where(i > 0, i, 1.0), 0.0)
    ponded = ponded_now | ponds_later
    start = np.where(ponds_later, fp, f0)
    grown = _ponded_growth(start, np.where(ponded, dt_s - t_to_pond, 0.0), k, a)
    rate = np.where(ponded, np.minimum((grown - f0) / dt_s, i), i)
    return float(rate) if rate.ndim == 0 else rate


def green_ampt_excess(rainfall: xr.DataArray, soil: GreenAmptSoil) -> xr.DataArray:
    """Time-varying rainfall excess over a storm by Green-Ampt with ponding.

    Steps :func:`green_ampt_rate` through the rainfall intervals with the
    rain as supply (water left on the surface is not offered again: that is
    the flood solver's job).

    Parameters
    ----------
    rainfall : xarray.DataArray
        drm rainfall grid (rate in m s-1, dims ``("time", "y", "x")``).
    soil : GreenAmptSoil
        Soil parameters, scalars or arrays of shape ``(y, x)``.

    Returns
    -------
    xarray.DataArray
        ``rainfall_excess`` in m s-1 on the rainfall's grid and intervals.

    Examples
    --------
    >>> import numpy as np, drm
    >>> rain = drm.io.rainfall_grid(np.full((2, 2, 2), 50.0), x=[5.0, 15.0], y=[15.0, 5.0],
    ...                             time_s=[0.0, 3600.0])  # 50 mm/h for 2 h
    >>> q = green_ampt_excess(rain, green_ampt_soil("silt loam", 0.3))
    >>> bool((q[1] > q[0]).all())  # more runs off once the surface ponds
    True
    """
    rate, dt, end = _rain_intervals(rainfall)
    f = np.zeros(rate.shape[1:])
    excess = np.empty_like(rate)
    for n in range(rate.shape[0]):
        infil = green_ampt_rate(f, rate[n], float(dt[n]), soil)
        f = f + infil * dt[n]
        excess[n] = rate[n] - infil
    return _excess_grid(rainfall, excess, end, "rainfall excess rate (Green-Ampt)")
