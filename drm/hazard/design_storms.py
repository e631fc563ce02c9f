"""Design hyetographs: how the rain depth of one coarse time step is spread over it.

A daily or 3-hourly rain product gives one depth per step; a flash flood answers to
the peak intensity inside the step. :func:`disaggregate` puts each step's depth
(per cell, kept exactly) onto a dimensionless design hyetograph at a fine step.
The shapes, stretched over the length of the coarse step:

``"scs-ii"``, ``"scs-iii"``
    The SCS 24-hour type II and type III rainfall distributions (USDA Soil
    Conservation Service, TR-55, 1986), as tabulated in Chow, Maidment & Mays
    (1988), *Applied Hydrology*, Table 14.4.1: cumulative fraction of the
    24-h depth at 0, 2, 4, 6, 7, 8, 8.5, 9, 9.5, 9.75, 10, 10.5, 11, 11.5,
    11.75, 12, 12.5, 13, 13.5, 14, 16, 20 and 24 h. Between ordinates the mass
    curve is interpolated linearly (constant intensity between tabulated
    times); the peak lies between 11.75 h and 12 h.
``"alternating-block"``
    The alternating block method (Chow, Maidment & Mays 1988, §14.4) applied to
    a Sherman-type intensity-duration shape ``i(d) ∝ 1 / (d + b)^c`` with
    ``b = 10 min`` and ``c = 0.66`` (the form and exponents of drm's sample-town
    IDF curves, typical of short tropical convective storms): the depth over
    the most intense ``k`` blocks is ``D(k) ∝ k dt i(k dt)``, scaled so that the
    whole step receives its depth; the block increments are placed largest first
    in the middle block (index ``(n - 1) // 2``), then alternately after and
    before it.
``"uniform"``
    The depth spread evenly (constant intensity through the step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from drm.errors import InputError

__all__ = [
    "SHAPES",
    "alternating_block_fractions",
    "disaggregate",
    "scs_mass_curve",
    "step_fractions",
]

#: Names of the hyetograph shapes :func:`disaggregate` knows.
SHAPES = ("scs-ii", "scs-iii", "alternating-block", "uniform")

#: Hours of the tabulated SCS 24-h ordinates (Chow, Maidment & Mays 1988, Table 14.4.1).
SCS_HOURS = np.array(
    [0, 2, 4, 6, 7, 8, 8.5, 9, 9.5, 9.75, 10, 10.5, 11, 11.5, 11.75, 12, 12.5, 13, 13.5, 14,
     16, 20, 24]
)  # fmt: skip
#: Cumulative fractions of the 24-h depth at :data:`SCS_HOURS`, type II and type III.
SCS_FRACTIONS = {
    "ii": np.array(
        [0.0, 0.022, 0.048, 0.080, 0.098, 0.120, 0.133, 0.147, 0.163, 0.172, 0.181, 0.204, 0.235,
         0.283, 0.357, 0.663, 0.735, 0.772, 0.799, 0.820, 0.880, 0.952, 1.0]
    ),
    "iii": np.array(
        [0.0, 0.020, 0.043, 0.072, 0.089, 0.115, 0.130, 0.148, 0.167, 0.178, 0.189, 0.216, 0.250,
         0.298, 0.339, 0.500, 0.702, 0.751, 0.785, 0.811, 0.886, 0.957, 1.0]
    ),
}  # fmt: skip

#: Sherman-shape constants of the alternating-block hyetograph: b (s) and exponent c.
SHERMAN_B_S = 600.0
SHERMAN_C = 0.66


def scs_mass_curve(kind: str, t_frac: Any) -> np.ndarray:
    """Cumulative fraction of an SCS 24-hour storm's depth fallen by ``t_frac`` of its duration.

    Parameters
    ----------
    kind : {"II", "III"}
        SCS distribution type (case-insensitive; ``"scs-ii"`` also accepted).
    t_frac : float or array_like
        Time as a fraction (0..1, dimensionless) of the storm duration.

    Returns
    -------
    numpy.ndarray
        Cumulative depth fraction (0..1, dimensionless), linear between the
        tabulated ordinates.

    Raises
    ------
    InputError
        Unknown type, or ``t_frac`` outside 0..1.

    Examples
    --------
    >>> float(scs_mass_curve("II", 0.5)), float(scs_mass_curve("III", 0.5))
    (0.663, 0.5)
    >>> round(float(scs_mass_curve("II", 11.875 / 24)), 4)  # halfway between 11.75 h and 12 h
    0.51
    """
    key = str(kind).lower().removeprefix("scs-").removeprefix("type ")
    if key not in SCS_FRACTIONS:
        raise InputError(f"unknown SCS distribution type {kind!r}; use 'II' or 'III'")
    t = np.asarray(t_frac, dtype=float)
    if np.any((t < 0) | (t > 1)):
        raise InputError("t_frac must lie between 0 and 1 (fraction of the storm duration)")
    return np.interp(t * 24.0, SCS_HOURS, SCS_FRACTIONS[key])


def alternating_block_fractions(
    n: int, step_s: float, b_s: float = SHERMAN_B_S, c: float = SHERMAN_C
) -> np.ndarray:
    """Fractions of a step's depth in each of ``n`` blocks, by the alternating block method.

    Parameters
    ----------
    n : int
        Number of blocks the step is cut into.
    step_s : float
        Length of the whole step (s).
    b_s : float
        Sherman constant b of the intensity-duration shape (s).
    c : float
        Sherman exponent c (dimensionless).

    Returns
    -------
    numpy.ndarray
        ``n`` fractions (dimensionless) summing to 1, largest in block ``(n - 1) // 2``.

    Examples
    --------
    >>> f = alternating_block_fractions(4, 7200.0)
    >>> int(f.argmax()), round(float(f.sum()), 12), bool(f[2] > f[0] > f[3])
    (1, 1.0, True)
    """
    d = step_s / n * np.arange(1, n + 1)
    depth = d / (d + b_s) ** c
    blocks = np.diff(depth / depth[-1], prepend=0.0)
    peak = (n - 1) // 2
    order = [peak]
    for k in range(1, n):
        order += [q for q in (peak + k, peak - k) if 0 <= q < n]
    out = np.zeros(n)
    out[order] = blocks
    return out


def step_fractions(shape: str, n: int, step_s: float) -> np.ndarray:
    """Fractions of one step's depth falling in each of its ``n`` equal sub-steps.

    Parameters
    ----------
    shape : {"scs-ii", "scs-iii", "alternating-block", "uniform"}
        Hyetograph shape (see the module docstring).
    n : int
        Number of sub-steps.
    step_s : float
        Length of the step (s); only the alternating-block shape depends on it.

    Returns
    -------
    numpy.ndarray
        ``n`` fractions (dimensionless) summing to 1.

    Raises
    ------
    InputError
        Unknown shape.

    Examples
    --------
    >>> f = step_fractions("scs-ii", 48, 86400.0)   # 30-min blocks of a day
    >>> round(float(f[23]), 3), int(f.argmax())      # 11:30-12:00 holds 0.663 - 0.283
    (0.38, 23)
    """
    if shape in ("scs-ii", "scs-iii"):
        return np.diff(scs_mass_curve(shape, np.arange(n + 1) / n))
    if shape == "alternating-block":
        return alternating_block_fractions(n, step_s)
    if shape == "uniform":
        return np.full(n, 1.0 / n)
    raise InputError(f"unknown hyetograph shape {shape!r}; use one of {', '.join(SHAPES)}")


def disaggregate(
    depth_per_step: Any, step_s: Any, shape: str, fine_step_s: float = 1800.0
) -> tuple[np.ndarray, np.ndarray]:
    """Spread each coarse step's rain depth onto a design hyetograph at a fine step.

    Every step longer than ``fine_step_s`` is cut into ``step / fine_step_s``
    sub-steps receiving the fractions of :func:`step_fractions`; shorter or equal
    steps are kept as they are. Each step's depth is kept in every cell (to
    floating-point rounding).

    Parameters
    ----------
    depth_per_step : array_like, shape (n_steps, ...)
        Rain depth of each step (mm, m or any units: the result keeps them), time first.
    step_s : float or array_like
        Length of each step (s), one value or one per step.
    shape : {"scs-ii", "scs-iii", "alternating-block", "uniform"}
        Hyetograph shape.
    fine_step_s : float
        Length of the sub-steps (s); each coarse step must be a whole multiple of it.

    Returns
    -------
    depth : numpy.ndarray, shape (n_fine, ...)
        Depth of each sub-step (same units as ``depth_per_step``).
    fine_s : numpy.ndarray, shape (n_fine,)
        Length of each sub-step (s).

    Raises
    ------
    InputError
        A step that is not a whole multiple of ``fine_step_s``, or an unknown shape.

    Examples
    --------
    >>> import numpy as np
    >>> d, dt = disaggregate(np.array([[100.0], [0.0]]), 86400.0, "scs-ii", 1800.0)
    >>> d.shape, float(dt[0]), round(float(d[:48].sum()), 9), round(float(d.max()), 3)
    ((96, 1), 1800.0, 100.0, 38.0)
    """
    depth = np.asarray(depth_per_step, dtype=float)
    steps = np.broadcast_to(np.asarray(step_s, dtype=float), depth.shape[:1])
    if not fine_step_s > 0:
        raise InputError(f"fine_step_s must be > 0 s, got {fine_step_s}")
    parts, lengths = [], []
    for k, length in enumerate(steps):
        n = round(length / fine_step_s)
        if length <= fine_step_s * (1 + 1e-9):
            n = 1
        elif abs(n * fine_step_s - length) > 1e-6 * length:
            raise InputError(
                f"rain step {k} lasts {length:g} s, not a whole number of {fine_step_s:g} s "
                "sub-steps; choose a fine step that divides it"
            )
        frac = step_fractions(shape, n, length)
        parts.append(frac.reshape((n,) + (1,) * (depth.ndim - 1)) * depth[k])
        lengths.append(np.full(n, length / n))
    return np.concatenate(parts), np.concatenate(lengths)
