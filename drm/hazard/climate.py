"""Climate uplift of design rainfall: storms scaled for a warmer climate.

Warmer air holds more water: the Clausius-Clapeyron relation gives about 7 %
more saturation vapour pressure per degree Celsius near the surface, and
observed short-duration rainfall extremes scale at about that rate, locally
more (Trenberth et al. 2003, *The changing character of precipitation*, BAMS
84; Westra et al. 2014, *Future changes to the intensity and frequency of
short-duration extreme rainfall*, Rev. Geophys. 52, review of the scaling
studies). Planning guidance applies it as an uplift of the design storm's
intensities, here the linear form the issue asks for:

``factor = 1 + rate x warming``, ``rate = 0.07 per degree C`` by default,

so +1.5 degrees C gives 1.105, +2 gives 1.14 and +3 gives 1.21 (the
compounded form ``1.07 ** warming`` gives 1.1449 at +2; pass
``compound=True`` for it). Warming is relative to the climate the present
design storm describes. The uplift scales the rain rate at every time and
cell; the storm's timing and extent stay as they are, which is the usual
simplification of such screening, not a climate projection.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from drm.errors import InputError

__all__ = ["CC_RATE_PER_C", "MAX_WARMING_C", "uplift_factor", "uplift_rainfall"]

#: Clausius-Clapeyron scaling of extreme rain intensity, per degree C of warming (1/°C).
CC_RATE_PER_C = 0.07
#: The largest warming drm accepts (°C): beyond the high-emission end-of-century range,
#: a larger number is almost surely a slip (kelvin instead of a difference, tenths of a degree).
MAX_WARMING_C = 6.0


def uplift_factor(warming_c: float, *, rate_per_c: float = CC_RATE_PER_C, compound: bool = False) -> float:
    """The factor on rain intensity for ``warming_c`` degrees of warming.

    Parameters
    ----------
    warming_c : float
        Warming relative to the present design storm's climate (degrees C), 0 to ``MAX_WARMING_C``.
    rate_per_c : float
        Intensity increase per degree (1/°C); 0.07 (Clausius-Clapeyron) by default.
    compound : bool
        False: ``1 + rate x warming`` (linear, the default); True: ``(1 + rate) ** warming``.

    Returns
    -------
    float
        The factor (dimensionless, >= 1).

    Raises
    ------
    InputError
        Warming negative, not finite or above ``MAX_WARMING_C``; a rate outside 0-0.2 per °C.

    Examples
    --------
    >>> uplift_factor(2.0), uplift_factor(1.5), uplift_factor(3.0)
    (1.14, 1.105, 1.21)
    >>> round(uplift_factor(2.0, compound=True), 4)
    1.1449
    """
    w = float(warming_c)
    if not np.isfinite(w) or w < 0 or w > MAX_WARMING_C:
        raise InputError(
            f"warming_c = {warming_c!r}: give the warming in degrees C above the present climate, "
            f"0 to {MAX_WARMING_C:g} (e.g. 1.5, 2 or 3), not an absolute temperature"
        )
    r = float(rate_per_c)
    if not np.isfinite(r) or not 0 <= r <= 0.2:
        raise InputError(
            f"rate_per_c = {rate_per_c!r}: give the intensity increase per degree as a fraction, "
            "0 to 0.2 (0.07 is Clausius-Clapeyron; 7 for 7 % is a slip)"
        )
    return round((1.0 + r) ** w if compound else 1.0 + r * w, 12)


def uplift_rainfall(
    rainfall: xr.DataArray, warming_c: float, *, rate_per_c: float = CC_RATE_PER_C, compound: bool = False
) -> xr.DataArray:
    """A rainfall grid with its intensities uplifted for ``warming_c`` degrees of warming.

    Parameters
    ----------
    rainfall : xarray.DataArray
        drm rainfall grid: rate (m s-1) on (time, y, x), as :func:`drm.io.read_rainfall` gives.
    warming_c : float
        Warming (degrees C), see :func:`uplift_factor`.
    rate_per_c : float
        Intensity increase per degree (1/°C).
    compound : bool
        Compounded instead of linear scaling.

    Returns
    -------
    xarray.DataArray
        The same grid times the factor, with attributes ``warming_c`` (°C) and
        ``uplift_factor`` added (the others kept).

    Raises
    ------
    InputError
        Not a DataArray, a negative or non-finite rate, or a bad warming (see :func:`uplift_factor`).

    Examples
    --------
    >>> rain = xr.DataArray(np.full((2, 1, 1), 1e-5), dims=("time", "y", "x"),
    ...                     coords={"time": [0.0, 600.0], "y": [5.0], "x": [5.0]}, attrs={"units": "m s-1"})
    >>> up = uplift_rainfall(rain, 3.0)
    >>> float(up[0, 0, 0] / rain[0, 0, 0]), up.attrs["uplift_factor"], up.attrs["units"]
    (1.21, 1.21, 'm s-1')
    """
    if not isinstance(rainfall, xr.DataArray):
        raise InputError("rainfall must be a drm rainfall grid (xarray.DataArray, m s-1)")
    factor = uplift_factor(warming_c, rate_per_c=rate_per_c, compound=compound)
    values = np.asarray(rainfall.values, dtype=float)
    if np.any(values[np.isfinite(values)] < 0) or np.isinf(values).any():
        raise InputError("rainfall holds negative or infinite rates; check the rain file first")
    out = rainfall * factor
    attrs: dict[str, Any] = dict(rainfall.attrs)
    attrs.update(warming_c=float(warming_c), uplift_factor=factor)
    out.attrs = attrs
    return out.rename(rainfall.name)
