"""The risk criterion: when a cell's residents count as at risk.

A cell's residents are **at risk** at an output time of the flood when the
cell meets a :class:`RiskCriterion` then: a depth, and optionally a hazard
class (FD2320 hazard rating or ARR 2019 H1-H6, from depth and velocity, see
:mod:`drm.hazard.classify`). :func:`drm.exposure.people_at_risk` evaluates it
on every output frame of a flood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from drm.errors import InputError
from drm.hazard.classify import arr_hazard_class, hazard_rating, hazard_rating_class

__all__ = ["RiskCriterion"]


@dataclass(frozen=True)
class RiskCriterion:
    """When a cell's residents count as at risk.

    Parameters
    ----------
    depth_m : float
        Water at least this deep (m, >= 0; any water when 0). The default
        0.15 m is a planning choice (water over a doorstep), the same as the
        flooded-centre limit of :func:`drm.evacuation.locate_centres`.
    hazard : {"fd2320", "arr"} or None
        Also require a hazard class: FD2320 rating class (1 low .. 4 extreme)
        or ARR 2019 class (1 H1 .. 6 H6).
    min_class : int, optional
        Lowest class at risk (default 2 for FD2320, "danger for some"; 3 for
        ARR, "unsafe for children and the elderly").
    land_use : str
        Land use of the FD2320 debris factor.

    Examples
    --------
    >>> RiskCriterion(hazard="fd2320").mask(np.array([0.2, 0.5]), np.array([0.1, 1.0])).tolist()  # HR 0.12, 1.75
    [False, True]
    """

    depth_m: float = 0.15
    hazard: Literal["fd2320", "arr"] | None = None
    min_class: int | None = None
    land_use: str = "urban"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.depth_m) and self.depth_m >= 0):
            raise InputError(f"RiskCriterion.depth_m must be >= 0 m, got {self.depth_m!r}")
        top = {"fd2320": 4, "arr": 6, None: None}
        if self.hazard not in top:
            raise InputError(
                f"RiskCriterion.hazard must be 'fd2320', 'arr' or None, got {self.hazard!r}"
            )
        if self.hazard is None:
            if self.min_class is not None:
                raise InputError("RiskCriterion.min_class needs hazard='fd2320' or 'arr'")
            return
        cls = self.min_class if self.min_class is not None else {"fd2320": 2, "arr": 3}[self.hazard]
        if int(cls) != cls or not 1 <= cls <= top[self.hazard]:
            raise InputError(
                f"RiskCriterion.min_class for {self.hazard} must be 1-{top[self.hazard]}, got {cls!r}"
            )
        object.__setattr__(self, "min_class", int(cls))

    def mask(self, depth: np.ndarray, velocity: np.ndarray) -> np.ndarray:
        """True where depth (m) and speed (m/s) put people at risk; NaN cells never are.

        Parameters
        ----------
        depth : numpy.ndarray
            Water depth per cell (m); NaN means no data (never at risk).
        velocity : numpy.ndarray
            Flow speed per cell (m/s), same shape; used only with a hazard class.

        Returns
        -------
        numpy.ndarray
            Boolean mask, True where the cell's residents are at risk.

        Examples
        --------
        >>> RiskCriterion(depth_m=0.15).mask(np.array([0.1, 0.15, np.nan]), np.zeros(3)).tolist()
        [False, True, False]
        """
        d = np.nan_to_num(np.asarray(depth, dtype=float), nan=0.0)
        d = np.maximum(d, 0.0)
        out = (d > 0) & (d >= self.depth_m)
        if self.hazard is not None:
            v = np.maximum(np.nan_to_num(np.asarray(velocity, dtype=float), nan=0.0), 0.0)
            if self.hazard == "fd2320":
                cls = hazard_rating_class(hazard_rating(d, v, land_use=self.land_use))
            else:
                cls = arr_hazard_class(d, v)
            out &= np.asarray(cls) >= self.min_class
        return out & np.isfinite(np.asarray(depth, dtype=float))

    def describe(self) -> str:
        """One line for reports, e.g. ``"depth >= 0.15 m"``.

        Returns
        -------
        str
            The depth (m) and, if any, the hazard class required.

        Examples
        --------
        >>> RiskCriterion(depth_m=0.3, hazard="arr").describe()
        'depth >= 0.3 m and ARR class >= 3'
        """
        text = f"depth >= {self.depth_m:g} m"
        if self.hazard is not None:
            text += f" and {self.hazard.upper()} class >= {self.min_class}"
        return text
