"""Infiltration losses inside the flood solver.

The solver asks a :class:`Losses` object for a *potential* loss rate field
(m/s) whenever the rain interval changes or the object asks to be refreshed;
the solver takes at most the water present, and records what it took.

``None``
    No losses.
constant rate (number or grid, m/s)
    A fixed potential infiltration rate, e.g. a saturated conductivity.
``"scs"``
    The SCS curve-number method applied cumulatively to the rain falling on
    each cell: during a rain interval the loss is the rain minus the increase of
    runoff ``Q(P)`` (USDA NRCS TR-55, 1986), so the net rain is the time-varying
    rainfall excess. Losses apply to the rain only, not to water running on.
``"green-ampt"``
    Green-Ampt infiltration of the water on each cell (Green & Ampt 1911;
    Chow, Maidment & Mays 1988 §4.3). Every ``update_s`` seconds the potential
    rate of each cell is the mean ponded infiltration rate over the next
    ``update_s`` from its cumulative infiltrated depth ``F``: ``F'`` solves
    ``F' − ψΔθ ln((ψΔθ + F')/(ψΔθ + F)) = F + K Δt``. While a cell stays
    ponded this is exact; where less water is there, the cell takes what it
    has and ``F`` grows less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from drm.errors import InputError
from drm.grids import check_same_grid

__all__ = ["Losses", "make_losses"]


def _field(value: Any, dem: xr.DataArray, name: str) -> np.ndarray:
    if isinstance(value, xr.DataArray):
        check_same_grid(dem, value, ("DEM", name))
        return value.values.astype(float)
    try:
        return np.full(dem.shape, float(value))
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number or a grid on the DEM, got {value!r}") from None


@dataclass
class Losses:
    """Potential loss rates for the solver (see the module docstring).

    Attributes
    ----------
    method : str
        ``"none"``, ``"constant"``, ``"scs"`` or ``"green-ampt"``.
    track : bool
        Whether the solver must record each cell's infiltrated depth in ``cumulative``.
    cumulative : numpy.ndarray
        Infiltrated depth per cell (m), kept by the solver when ``track``.
    """

    method: str
    shape: tuple[int, int]
    constant: np.ndarray | None = None
    curve_number: np.ndarray | None = None
    ia_ratio: float = 0.2
    ks: np.ndarray | None = None
    suction: np.ndarray | None = None
    update_s: float = 60.0
    track: bool = False
    cumulative: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))
    _rain_depth: np.ndarray | None = None
    _interval: int = -(10**9)
    _scs_last: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))

    def describe(self) -> str:
        """One-line description for result attributes."""
        if self.method == "scs":
            return f"SCS curve number, lambda = {self.ia_ratio:g}"
        if self.method == "green-ampt":
            return f"Green-Ampt, refreshed every {self.update_s:g} s"
        return self.method

    def next_change(self, t: float) -> float:
        """Next time (s) at which the potential rate must be refreshed (besides rain changes)."""
        if self.method == "green-ampt":
            return (np.floor(t / self.update_s + 1e-9) + 1.0) * self.update_s
        return np.inf

    def rate(self, t: float, rain: Any, k: int) -> np.ndarray:
        """Potential loss rate (m/s) from time ``t`` on, during rain interval ``k``."""
        if self.method == "none":
            return np.zeros(self.shape)
        if self.method == "constant":
            assert self.constant is not None
            return self.constant
        if self.method == "scs":
            return self._scs_rate(rain, k)
        grown = _ponded_growth(self.cumulative, self.update_s, self.ks, self.suction)  # type: ignore[arg-type]
        return (grown - self.cumulative) / self.update_s

    def _scs_rate(self, rain: Any, k: int) -> np.ndarray:
        from drm.hazard.runoff import scs_runoff

        if self._rain_depth is None:
            self._rain_depth = np.zeros(self.shape)
        if k == self._interval:
            return self._scs_last
        # close the previous interval: its whole rain has fallen
        if 0 <= self._interval < len(rain.starts):
            self._rain_depth += rain.field(self._interval) * self._length(rain, self._interval)
        self._interval = k
        if k < 0 or k >= len(rain.starts):
            self._scs_last = np.zeros(self.shape)
            return self._scs_last
        length = self._length(rain, k)
        p0 = self._rain_depth * 1000.0
        p1 = p0 + rain.field(k) * length * 1000.0
        q0 = scs_runoff(p0, self.curve_number, ia_ratio=self.ia_ratio)
        q1 = scs_runoff(p1, self.curve_number, ia_ratio=self.ia_ratio)
        loss_mm = (p1 - p0) - (np.asarray(q1) - np.asarray(q0))
        self._scs_last = np.clip(loss_mm, 0.0, None) / 1000.0 / length
        return self._scs_last

    @staticmethod
    def _length(rain: Any, k: int) -> float:
        return float(
            (rain.starts[k + 1] if k + 1 < len(rain.starts) else rain.end) - rain.starts[k]
        )


def _ponded_growth(f0: np.ndarray, dt: float, k: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Cumulative Green-Ampt infiltration (m) after ``dt`` s of ponding, from ``f0`` (m).

    Newton's method on ``F − a ln((a + F)/(a + f0)) − f0 − k dt = 0`` with
    ``a = ψΔθ``; the function is convex and increasing in ``F``, so iterates
    from above converge monotonically.
    """
    target = f0 + k * dt
    f = target + np.sqrt(2.0 * a * k * dt)  # above the root
    for _ in range(30):
        step = (f - a * np.log((a + f) / (a + f0)) - target) * (a + f) / np.maximum(f, 1e-300)
        f = f - step
        if np.all(np.abs(step) <= 1e-12 * np.maximum(f, 1e-9)):
            break
    return np.maximum(f, f0)


def make_losses(
    infiltration: Any,
    dem: xr.DataArray,
    *,
    curve_number: Any = None,
    ia_ratio: float = 0.2,
    soil: Any = None,
    update_s: float = 60.0,
) -> Losses:
    """Build the :class:`Losses` for a solver run from the user's arguments.

    Parameters
    ----------
    infiltration : None, float, xarray.DataArray, "scs" or "green-ampt"
        See the module docstring.
    dem : xarray.DataArray
        The DEM (grids must be on it).
    curve_number : float or xarray.DataArray
        CN in (0, 100] for ``"scs"``.
    ia_ratio : float
        λ for ``"scs"``: 0.2 (TR-55) or 0.05.
    soil : str, GreenAmptSoil or dict
        For ``"green-ampt"``: a texture class name from the Rawls et al. (1983)
        table (initial effective saturation 0.3), a
        :class:`drm.hazard.runoff.GreenAmptSoil`, or ``ks_m_s`` (hydraulic
        conductivity, m/s), ``suction_m`` (wetting-front suction head ψ, m) and
        ``moisture_deficit`` (Δθ, -) as numbers or grids.
    update_s : float
        Refresh interval of the Green-Ampt capacity (s).

    Returns
    -------
    Losses
    """
    shape = dem.shape
    if infiltration is None:
        return Losses("none", shape)
    if isinstance(infiltration, str):
        if infiltration == "scs":
            if curve_number is None:
                raise InputError(
                    'infiltration="scs" needs curve_number= (a number or a grid in (0, 100])'
                )
            cn = _field(curve_number, dem, "curve_number")
            valid = np.isfinite(dem.values)
            if np.any(~((cn[valid] > 0) & (cn[valid] <= 100))):
                raise InputError("curve_number must lie in (0, 100] on every valid DEM cell")
            if ia_ratio not in (0.2, 0.05):
                raise InputError(f"ia_ratio must be 0.2 or 0.05, got {ia_ratio}")
            return Losses("scs", shape, curve_number=np.where(valid, cn, 100.0), ia_ratio=ia_ratio)
        if infiltration in ("green-ampt", "green_ampt"):
            ks, suction = _green_ampt_fields(soil, dem)
            return Losses(
                "green-ampt", shape, ks=ks, suction=suction, update_s=update_s, track=True,
                cumulative=np.zeros(shape),
            )  # fmt: skip
        raise InputError(
            f"infiltration={infiltration!r}: use None, a rate (m/s), 'scs' or 'green-ampt'"
        )
    rate = _field(infiltration, dem, "infiltration")
    if np.any(rate[np.isfinite(dem.values)] < 0):
        raise InputError("an infiltration rate must be >= 0 m/s")
    return Losses("constant", shape, constant=np.nan_to_num(rate))


def _green_ampt_fields(soil: Any, dem: xr.DataArray) -> tuple[np.ndarray, np.ndarray]:
    """Conductivity (m/s) and suction x moisture deficit (m) on the DEM grid."""
    from drm.hazard.runoff import GreenAmptSoil, green_ampt_soil

    if soil is None:
        raise InputError(
            'infiltration="green-ampt" needs soil=: a texture name (e.g. "silt loam"), a '
            "drm.hazard.runoff.GreenAmptSoil, or a dict with ks_m_s, suction_m, moisture_deficit"
        )
    if isinstance(soil, str):
        soil = green_ampt_soil(soil)
    if isinstance(soil, GreenAmptSoil):
        soil = {
            "ks_m_s": soil.conductivity_m_s,
            "suction_m": soil.suction_head_m,
            "moisture_deficit": soil.moisture_deficit,
        }
    try:
        ks = _field(soil["ks_m_s"], dem, "soil ks_m_s")
        psi = _field(soil["suction_m"], dem, "soil suction_m")
        dtheta = _field(soil["moisture_deficit"], dem, "soil moisture_deficit")
    except (KeyError, TypeError):
        raise InputError(
            "soil needs ks_m_s, suction_m and moisture_deficit (numbers or grids)"
        ) from None
    valid = np.isfinite(dem.values)
    if (
        np.any(ks[valid] < 0)
        or np.any(psi[valid] < 0)
        or np.any((dtheta[valid] < 0) | (dtheta[valid] > 1))
    ):
        raise InputError("soil parameters must be >= 0 (moisture_deficit in [0, 1])")
    return np.nan_to_num(ks), np.nan_to_num(psi * dtheta)
