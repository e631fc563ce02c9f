"""Evacuation zones: connected at-risk areas numbered as zones, or a zone-id grid the user gives.

Zones are the connected flooded areas (:func:`evacuation_zones`, by
:func:`scipy.ndimage.label`), a zone-id grid the user gives (e.g. the
neighbourhoods), or neighbourhood polygons rasterised with exact cell
fractions (:class:`drm.io.zones.ZoneLayer`). At-risk people in cells outside
every given zone are kept in a zone ``0`` row, so zone totals always add up
to the grid total.

Counting by fraction: with a :class:`~drm.io.zones.ZoneLayer`, a cell's
persons are shared among the zones in proportion to the cell's area inside
each (the density is taken uniform within a cell), the rest to zone 0
(:func:`population_by_zone`). A zone-id grid puts each cell wholly in its zone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage, sparse

from drm.errors import InputError
from drm.grids import check_grid, check_same_grid, new_grid_like
from drm.io.zones import ZoneLayer

__all__ = ["evacuation_zones", "population_by_zone"]


def evacuation_zones(
    at_risk: xr.DataArray, *, buffer_m: float = 0.0, connectivity: int = 8
) -> xr.DataArray:
    """Number the connected areas of at-risk cells as evacuation zones.

    Parameters
    ----------
    at_risk : xarray.DataArray
        Boolean (or 0/1) grid of cells at risk at some time.
    buffer_m : float
        Grow the areas by this distance (m) first (a disk), so that people
        next to the water are in the zone; areas that touch then merge.
    connectivity : {4, 8}
        Cells touching by an edge only (4) or also by a corner (8).

    Returns
    -------
    xarray.DataArray
        Zone id per cell (int32, 1..n, 0 outside every zone), largest area first.

    Examples
    --------
    >>> m = xr.DataArray([[1, 0, 0, 1], [1, 0, 0, 0], [0, 0, 1, 1]], dims=("y", "x"),
    ...                  coords={"y": [25.0, 15.0, 5.0], "x": [5.0, 15.0, 25.0, 35.0]})
    >>> evacuation_zones(m).values.tolist()
    [[1, 0, 0, 3], [1, 0, 0, 0], [0, 0, 2, 2]]
    """
    spec = check_grid(at_risk, "at_risk", allow_all_nan=True)
    if connectivity not in (4, 8):
        raise InputError(f"connectivity must be 4 or 8, got {connectivity!r}")
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise InputError(f"buffer_m must be >= 0, got {buffer_m!r}")
    mask = np.nan_to_num(np.asarray(at_risk.values, dtype=float)) > 0
    if buffer_m > 0:
        r = int(np.floor(buffer_m / spec.dx))
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
        mask = ndimage.binary_dilation(mask, structure=(yy**2 + xx**2) * spec.dx**2 <= buffer_m**2)
    structure = ndimage.generate_binary_structure(2, 2 if connectivity == 8 else 1)
    labels, n = ndimage.label(mask, structure=structure)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    order = np.argsort(-sizes, kind="stable")  # largest first, ties in scan order
    rank = np.zeros(n + 1, dtype=np.int32)
    rank[order + 1] = np.arange(1, n + 1, dtype=np.int32)
    return new_grid_like(
        at_risk,
        data=rank[labels],
        dtype=np.int32,
        name="zone_id",
        units="1",
        long_name="evacuation zone (connected at-risk area; 0 = none)",
    )


def population_by_zone(population: xr.DataArray, zones: ZoneLayer | xr.DataArray) -> pd.Series:
    """Persons per zone: exactly by cell fractions for zone polygons, by cell for a zone-id grid.

    Parameters
    ----------
    population : xarray.DataArray
        Persons per cell (y, x), on the zones' grid; NaN counts as 0.
    zones : ZoneLayer or xarray.DataArray
        Zone polygons rasterised by :func:`drm.io.zones.read_zones` (each cell's
        persons shared by the area fractions), or a zone-id grid (0/NaN = none).

    Returns
    -------
    pandas.Series
        Persons per zone id (index ``zone``, ascending; zone 0 = outside every
        zone, always present); the values add up to the grid's total.

    Raises
    ------
    GridError
        The population is not on the zones' grid.
    InputError
        Zone ids that are not whole numbers.

    Examples
    --------
    >>> c = {"y": [15.0, 5.0], "x": [5.0, 15.0]}
    >>> pop = xr.DataArray([[10.0, 20.0], [30.0, 40.0]], dims=("y", "x"), coords=c)
    >>> population_by_zone(pop, xr.DataArray([[1, 2], [1, 0]], dims=("y", "x"), coords=c)).tolist()
    [40.0, 40.0, 20.0]
    """
    if not isinstance(zones, ZoneLayer | xr.DataArray):
        raise InputError("zones must be a ZoneLayer (drm.io.zones.read_zones) or a zone-id grid")
    like = zones.zone_id if isinstance(zones, ZoneLayer) else zones
    check_same_grid(like, population, ("zones", "population"))
    ids, weights, _ = _zone_assignment(zones, np.zeros(like.shape, dtype=bool), like)
    values = np.nan_to_num(np.asarray(population.values, dtype=float), nan=0.0).ravel()
    persons = weights.T @ values
    present = (ids == 0) | (np.diff(weights.tocsc().indptr) > 0)
    return pd.Series(persons[present], index=pd.Index(ids[present], name="zone"), name="persons")


def _zone_assignment(
    zones: Any, ever: np.ndarray, like: xr.DataArray
) -> tuple[np.ndarray, sparse.csr_array, np.ndarray]:
    """Zone ids (ascending, 0 first), the cells x zones weights and the zone-id grid.

    Row ``i`` of the weights holds the share of cell ``i`` in each zone (one
    1 for a zone-id grid; area fractions, the rest to zone 0, for a ZoneLayer).
    """
    if isinstance(zones, ZoneLayer):
        check_same_grid(like, zones.zone_id, ("flood DEM", "zones"))
        inside = np.asarray(zones.fractions.sum(axis=1)).ravel()
        outside = np.where(inside < 1.0 - 1e-12, 1.0 - inside, 0.0)
        weights = sparse.hstack([sparse.csr_array(outside[:, None]), zones.fractions], format="csr")
        ids = np.concatenate([[0], zones.ids])
        return ids, sparse.csr_array(weights), np.asarray(zones.zone_id.values, dtype=np.int64)
    zid = _zone_grid(zones, ever, like)
    n = int(zid.max()) + 1
    flat = zid.ravel()
    weights = sparse.csr_array(
        (np.ones(flat.size), (np.arange(flat.size), flat)), shape=(flat.size, n)
    )
    return np.arange(n, dtype=np.int64), weights, zid


def _zone_grid(zones: Any, ever: np.ndarray, like: xr.DataArray) -> np.ndarray:
    """Zone id per cell (int64, 0 = none) from 'connected', None or a zone grid."""
    if isinstance(zones, str) and zones == "connected":
        return evacuation_zones(new_grid_like(like, data=ever, dtype=bool)).values.astype(np.int64)
    if zones is None:
        return np.ones(like.shape, dtype=np.int64)
    if isinstance(zones, xr.DataArray):
        check_same_grid(like, zones, ("flood DEM", "zones"))
        z = np.asarray(zones.values, dtype=float)
        z = np.where(np.isfinite(z) & (z > 0), z, 0.0)
        if np.any(z != np.round(z)):
            raise InputError("zones must hold whole-number ids (0 or NaN outside every zone)")
        return z.astype(np.int64)
    raise InputError(
        "zones must be 'connected', None (one zone), a zone-id grid on the flood's grid or a "
        "ZoneLayer (drm.io.zones.read_zones)"
    )
