"""Terrain conditioning: depression filling, D8 flow directions, accumulation, HAND.

Where does water go? These functions answer it on a DEM grid (see
:mod:`drm.grids`); the flood solver, HAND screening and gauge catchments build
on them. Returned grids are north-up (row 0 is the northern edge) whatever the
row order of the input.

Depression filling
    Priority-flood (Barnes, Lehman & Mulla 2014, Computers & Geosciences 62:
    117-127) with the queue economy of Zhou, Sun & Fu (2016, Computers &
    Geosciences 90: 87-96): a cell's filled elevation is the lowest level at
    which water standing on it could leave through an outlet. The filled
    surface is unique. Nodata (NaN) cells are holes in the domain: with
    ``outlets="edge"`` every valid cell on the grid edge or next to nodata is
    an outlet; otherwise only the cells given are, and the grid edge and
    nodata are walls.

D8 flow directions
    Codes (ESRI / pyflwdir power-of-two encoding, row 0 north)::

        32  64  128        NW  N  NE
        16   .    1        W   .  E
         8   4    2        SW  S  SE

    ``0`` is an outlet (water leaves the domain) and ``255`` is nodata.

    Rule: on the depression-filled surface each cell drains to the neighbour
    with the steepest descent, drop / distance, with distance ``dx`` to the
    four edge neighbours and ``sqrt(2)·dx`` to the diagonal ones (the D8 of
    O'Callaghan & Mark 1984 with distance weighting). Ties go to the first in
    the order E, SE, S, SW, W, NW, N, NE.

    Flats (cells with no lower neighbour on the filled surface: filled
    depressions and level ground) drain along the priority-flood order, as
    Barnes et al. (2014) suggest: each flat cell points to the neighbour
    through which the flood reached it. A filled depression thus drains along
    shortest chains of cells (8-connected) to its spill point; a level
    plateau drains towards the cell where the flood first reached it. Every
    valid cell reaches an outlet, with no cycles.

    Edges: an outlet cell (a grid-edge or nodata-adjacent cell with
    ``outlets="edge"``) that has a lower valid neighbour drains to it, so
    flow runs along the edge; one without drains out of the domain (code 0).
    Cells given explicitly as outlets are always code 0.

Flow accumulation
    Upstream cell count (the cell itself included) or a weighted sum, by a
    topological sweep driven by each cell's donor count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from drm.errors import GridError, InputError
from drm.grids import (
    as_north_up,
    cell_area,
    check_grid,
    check_same_grid,
    new_grid_like,
    xy_to_rowcol,
)
from drm.hazard import _kernels as K

__all__ = [
    "D8_CODES",
    "catchment",
    "condition_dem",
    "fill_depressions",
    "flow_accumulation",
    "flow_directions",
    "hand",
    "stream_network",
]

#: Direction names of the D8 codes (0 = outlet, 255 = nodata).
D8_CODES: dict[int, str] = {
    0: "outlet",
    1: "east",
    2: "southeast",
    4: "south",
    8: "southwest",
    16: "west",
    32: "northwest",
    64: "north",
    128: "northeast",
    255: "nodata",
}

Outlets = Any  # "edge", a boolean grid or array, or a sequence of (x, y) points


# ---------------------------------------------------------------- helpers


def _dem_values(dem: xr.DataArray, name: str) -> tuple[xr.DataArray, np.ndarray]:
    """Check a DEM; return it north-up and its values (any real dtype, not copied)."""
    check_grid(dem, name)
    dem = as_north_up(dem)
    values = np.asarray(dem.values)
    if not (np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)):
        raise InputError(f"{name}: values must be real numbers, got dtype {values.dtype}")
    if np.issubdtype(values.dtype, np.floating) and np.isinf(values).any():
        n = int(np.isinf(values).sum())
        raise InputError(
            f"{name}: {n} cell(s) are infinite; set nodata to NaN (dem.where(np.isfinite(dem)))"
        )
    return dem, values


def _padded(values: np.ndarray, fill: Any, dtype: Any = None) -> np.ndarray:
    """Copy ``values`` into a grid one cell larger on every side, filled with ``fill``."""
    shape = (values.shape[0] + 2, values.shape[1] + 2)
    out = np.full(shape, fill, dtype=values.dtype if dtype is None else dtype)
    out[1:-1, 1:-1] = values
    return out


def _rowcol(index: int, width: int) -> tuple[int, int]:
    """Row and column in the unpadded grid of a padded flat index."""
    return index // width - 1, index % width - 1


def _seeds(outlets: Outlets, dem: xr.DataArray, valid: np.ndarray, flipped: bool) -> np.ndarray:
    """Return the padded flat indices of the outlet cells (empty for ``"edge"``).

    ``dem`` is north-up; ``flipped`` says whether the caller's grid was south-up,
    so that a plain array mask in the caller's row order is flipped too.
    """
    if isinstance(outlets, str):
        if outlets != "edge":
            raise InputError(
                f"outlets={outlets!r} is not understood; use 'edge', a boolean grid, "
                "or a list of (x, y) points in metres"
            )
        return np.empty(0, dtype=np.int64)
    ny, nx = valid.shape
    if isinstance(outlets, xr.DataArray):
        check_same_grid(as_north_up(outlets), dem, ("outlets", "dem"))
        mask = np.asarray(as_north_up(outlets).values)
    elif isinstance(outlets, np.ndarray) and outlets.shape == (ny, nx):
        mask = outlets[::-1] if flipped else outlets
    else:
        try:
            points = np.asarray(outlets, dtype=float).reshape(-1, 2)
        except (TypeError, ValueError):
            raise InputError(
                "outlets must be 'edge', a boolean grid of the DEM's shape "
                f"{(ny, nx)} or a list of (x, y) points; got {type(outlets).__name__}"
            ) from None
        rows, cols = xy_to_rowcol(dem, points[:, 0], points[:, 1], name="outlet")
        mask = np.zeros((ny, nx), dtype=bool)
        mask[rows, cols] = True
    if mask.dtype != bool:
        raise InputError(f"outlets: a mask must be boolean, got dtype {mask.dtype}")
    if not mask.any():
        raise InputError("outlets: no outlet cell given; mark at least one, or use 'edge'")
    bad = mask & ~valid
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(
            f"outlets: {int(bad.sum())} outlet cell(s) are nodata, e.g. row {r}, column {c}; "
            "put outlets on valid DEM cells"
        )
    rows, cols = np.nonzero(mask)
    return ((rows + 1) * (nx + 2) + cols + 1).astype(np.int64)


def _flood(
    dem: xr.DataArray, outlets: Outlets, *, epsilon: bool
) -> tuple[xr.DataArray, np.ndarray, np.ndarray, bool]:
    """Run the priority-flood; return (north-up dem, padded filled z, padded codes, explicit)."""
    north_up, values = _dem_values(dem, "dem")
    flipped = north_up is not dem  # as_north_up returns its argument when already north-up
    dem = north_up
    valid = ~np.isnan(values)
    seeds = _seeds(outlets, dem, valid, flipped)
    z = _padded(values, np.nan, np.float64)
    width = z.shape[1]
    kernel = K.flood_epsilon if epsilon else K.flood
    code = kernel(z.ravel(), width, seeds).reshape(z.shape)
    unseen = code == K.UNSEEN
    if unseen.any():
        r, c = _rowcol(int(np.flatnonzero(unseen)[0]), width)
        raise GridError(
            f"dem: {int(unseen.sum())} valid cell(s) cannot drain to any outlet given "
            f"(e.g. row {r}, column {c}): they are cut off by nodata. Add an outlet in "
            "every separate area of valid cells, or use outlets='edge'"
        )
    return dem, z, code, seeds.size > 0


def _elevation_grid(dem: xr.DataArray, data: np.ndarray, long_name: str) -> xr.DataArray:
    units = str(dem.attrs.get("units", "m"))
    return new_grid_like(dem, data=data, name="elevation", units=units, long_name=long_name)


def _direction_grid(like: xr.DataArray, code: np.ndarray) -> xr.DataArray:
    out = new_grid_like(
        like,
        data=code,
        dtype=np.uint8,
        name="flow_dir",
        units="1",
        long_name="D8 flow direction",
    )
    out.attrs.update(
        flag_values=np.array(list(D8_CODES), dtype=np.uint8),
        flag_meanings=" ".join(D8_CODES.values()),
        nodata=255,
        comment="power-of-two D8 codes (ESRI/pyflwdir), row 0 north; see drm.hazard.terrain",
    )
    return out


def _codes(flow_dir: xr.DataArray, name: str = "flow_dir") -> tuple[xr.DataArray, np.ndarray]:
    """Check a D8 grid's layout and values; return it and its padded uint8 codes."""
    check_grid(flow_dir, name, allow_all_nan=True)
    y = flow_dir["y"].values
    if y[1] > y[0]:
        raise GridError(
            f"{name}: rows run south to north (y increases); D8 codes assume row 0 is north. "
            "Compute directions on the north-up grid (drm.grids.as_north_up(dem))"
        )
    values = np.asarray(flow_dir.values)
    if values.dtype != np.uint8:  # e.g. read back from a file as float with NaN
        if np.issubdtype(values.dtype, np.floating):
            values = np.where(np.isnan(values), 255, values)
        allowed = np.isin(values, list(D8_CODES))
        if not allowed.all():
            r, c = np.argwhere(~allowed)[0]
            raise GridError(
                f"{name}: {int((~allowed).sum())} cell(s) hold values that are not D8 codes "
                f"(e.g. {values[r, c]!r} at row {r}, column {c}); expected one of {list(D8_CODES)}"
            )
        values = values.astype(np.uint8)
    return flow_dir, _padded(values, K.NODATA)


def _check_flow(code: np.ndarray, bad: int, name: str = "flow_dir") -> None:
    """Raise if the accumulation kernel reported a bad cell (``bad`` >= 0)."""
    if bad >= 0:
        r, c = _rowcol(bad, code.shape[1])
        raise GridError(
            f"{name}: the flow from row {r}, column {c} (code {code.flat[bad]}) is no D8 code, "
            "leaves the grid, runs into nodata or goes round in a cycle; compute directions "
            "with drm.hazard.flow_directions()"
        )


def _checked_codes(flow_dir: xr.DataArray) -> tuple[xr.DataArray, np.ndarray]:
    """Like :func:`_codes`, also checking that every flow path ends at an outlet."""
    flow_dir, code = _codes(flow_dir)
    _check_flow(code, K.accumulate(code.ravel(), code.shape[1], np.empty(0)))
    return flow_dir, code


def _unpad(a: np.ndarray) -> np.ndarray:
    return a[1:-1, 1:-1]


def _accumulated(code: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Return the padded accumulation of ``weights`` (ones when None), NaN on nodata."""
    acc = np.ones(code.shape) if weights is None else _padded(weights, 0.0, np.float64)
    _check_flow(code, K.accumulate(code.ravel(), code.shape[1], acc.ravel()))
    return acc


# ---------------------------------------------------------------- public API


def fill_depressions(
    dem: xr.DataArray, *, epsilon: bool = False, outlets: Outlets = "edge"
) -> xr.DataArray:
    """Fill closed depressions so that every cell can drain to an outlet.

    Priority-flood (Barnes, Lehman & Mulla 2014); see :mod:`drm.hazard.terrain`.

    Parameters
    ----------
    dem : xarray.DataArray
        Elevation (m), dims ``("y", "x")``, NaN for nodata.
    epsilon : bool
        If True, raise filled and flat cells by the smallest float64 step
        above the cell they drain to (Priority-Flood+ε), so that the surface
        has no flats; the change is below 1e-9 m for a few thousand steps.
    outlets : "edge", boolean grid or sequence of (x, y)
        Where water leaves: ``"edge"`` (grid edge and cells next to nodata),
        a boolean grid (DataArray on the DEM's cells or array of its shape),
        or points in the DEM's CRS (m). With explicit outlets the edge and
        nodata are walls.

    Returns
    -------
    xarray.DataArray
        Filled elevation (float64, ``units`` of the DEM, default m), north-up.

    Raises
    ------
    GridError
        A grid that breaks drm's conventions (all nodata, fewer than 2 x 2
        cells, non-square cells, degrees), or valid cells that cannot reach
        any explicit outlet.
    InputError
        Infinite elevations, unknown or misplaced outlets.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.array([[5., 5, 5], [5, 1, 5], [5, 4, 5]]), dims=("y", "x"),
    ...                    coords={"y": [25., 15, 5], "x": [5., 15, 25]}, attrs={"units": "m"})
    >>> fill_depressions(dem).values[1, 1]
    np.float64(4.0)
    """
    dem, z, _, _ = _flood(dem, outlets, epsilon=epsilon)
    name = "depression-filled elevation" + (" (epsilon gradient on flats)" if epsilon else "")
    return _elevation_grid(dem, _unpad(z), name)


def flow_directions(dem: xr.DataArray, *, outlets: Outlets = "edge") -> xr.DataArray:
    """D8 flow directions with depressions filled and flats resolved.

    Every valid cell drains, through its chain of directions, to an outlet
    (code 0). Encoding, steepest-descent rule, tie-break order, flat routing
    and edge behaviour are given in :mod:`drm.hazard.terrain`.

    Parameters
    ----------
    dem : xarray.DataArray
        Elevation (m), raw or already filled; NaN for nodata.
    outlets : "edge", boolean grid or sequence of (x, y)
        As in :func:`fill_depressions`.

    Returns
    -------
    xarray.DataArray
        uint8 D8 codes (1 E, 2 SE, 4 S, 8 SW, 16 W, 32 NW, 64 N, 128 NE,
        0 outlet, 255 nodata), north-up.

    Raises
    ------
    GridError, InputError
        As :func:`fill_depressions`.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.array([[3., 2, 1], [3, 2, 1], [3, 2, 1]]), dims=("y", "x"),
    ...                    coords={"y": [25., 15, 5], "x": [5., 15, 25]})
    >>> flow_directions(dem).values.tolist()
    [[1, 1, 0], [1, 1, 0], [1, 1, 0]]
    """
    return condition_dem(dem, outlets=outlets)["flow_dir"]


def condition_dem(dem: xr.DataArray, *, outlets: Outlets = "edge") -> xr.Dataset:
    """Fill depressions and derive D8 directions in one pass.

    Same results as :func:`fill_depressions` (without epsilon) and
    :func:`flow_directions`, for the price of one flood.

    Parameters
    ----------
    dem : xarray.DataArray
        Elevation (m); NaN for nodata.
    outlets : "edge", boolean grid or sequence of (x, y)
        As in :func:`fill_depressions`.

    Returns
    -------
    xarray.Dataset
        ``elevation`` (filled, float64) and ``flow_dir`` (uint8 D8 codes), north-up.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.array([[5., 5, 5], [5, 1, 5], [5, 4, 5]]), dims=("y", "x"),
    ...                    coords={"y": [25., 15, 5], "x": [5., 15, 25]})
    >>> ds = condition_dem(dem)
    >>> float(ds["elevation"][1, 1]), int(ds["flow_dir"][1, 1])
    (4.0, 4)
    """
    dem, z, code, explicit = _flood(dem, outlets, epsilon=False)
    K.steepest_descent(z.ravel(), code.ravel(), z.shape[1], explicit)
    filled = _elevation_grid(dem, _unpad(z), "depression-filled elevation")
    directions = _direction_grid(dem, _unpad(code))
    return xr.Dataset({"elevation": filled, "flow_dir": directions})


def flow_accumulation(flow_dir: xr.DataArray, weights: xr.DataArray | None = None) -> xr.DataArray:
    """Count the cells (or sum ``weights``) draining through each cell, itself included.

    Parameters
    ----------
    flow_dir : xarray.DataArray
        D8 codes from :func:`flow_directions`.
    weights : xarray.DataArray, optional
        Value per cell on the same grid, e.g. runoff volume in m³; NaN is not
        allowed on valid cells.

    Returns
    -------
    xarray.DataArray
        float64, NaN on nodata; ``units`` ``"1"`` (cells) or those of ``weights``.
        Multiply a count by :func:`drm.grids.cell_area` for an area in m².

    Raises
    ------
    GridError
        Codes that are not D8, point off the grid or into nodata, or form a
        cycle; ``weights`` on another grid.
    InputError
        NaN weights on valid cells.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.array([[3., 2, 1], [3, 2, 1], [3, 2, 1]]), dims=("y", "x"),
    ...                    coords={"y": [25., 15, 5], "x": [5., 15, 25]})
    >>> flow_accumulation(flow_directions(dem)).values[0].tolist()
    [1.0, 2.0, 3.0]
    """
    flow_dir, code = _codes(flow_dir)
    w = None
    if weights is not None:
        check_same_grid(as_north_up(weights), flow_dir, ("weights", "flow_dir"))
        w = np.asarray(as_north_up(weights).values, dtype=np.float64)
        holes = np.isnan(w) & (_unpad(code) != K.NODATA)
        if holes.any():
            raise InputError(
                f"weights: {int(holes.sum())} valid cell(s) are NaN; give them a value "
                "(e.g. weights.fillna(0)) so they do not spoil everything downstream"
            )
    acc = _unpad(_accumulated(code, w))
    if weights is None:
        return new_grid_like(
            flow_dir,
            data=acc,
            name="upstream_cells",
            units="1",
            long_name="number of upstream cells, the cell itself included",
        )
    label = weights.attrs.get("long_name") or weights.name or "weights"
    return new_grid_like(
        flow_dir,
        data=acc,
        name="accumulation",
        units=str(weights.attrs.get("units", "1")),
        long_name=f"accumulated {label}",
    )


def _drainage_mask(drainage: Any, flow_dir: xr.DataArray, code: np.ndarray) -> np.ndarray:
    """Return the padded drainage mask from a boolean grid or an accumulation threshold."""
    if isinstance(drainage, xr.DataArray):
        check_same_grid(as_north_up(drainage), flow_dir, ("drainage", "flow_dir"))
        mask = np.asarray(as_north_up(drainage).values)
        if mask.dtype != bool:
            raise InputError(f"drainage: a mask must be boolean, got dtype {mask.dtype}")
        return _padded(mask, False)
    if isinstance(drainage, (int, float, np.integer, np.floating)) and not isinstance(
        drainage, bool
    ):
        if not drainage >= 1:
            raise InputError(
                f"drainage threshold {drainage!r} must be >= 1 upstream cell, e.g. 1000"
            )
        return np.nan_to_num(_accumulated(code, None)) >= drainage
    raise InputError(
        "drainage must be a boolean grid or an upstream-cell threshold (number), "
        f"got {type(drainage).__name__}"
    )


def hand(dem: xr.DataArray, flow_dir: xr.DataArray, drainage: Any) -> xr.DataArray:
    """Height above nearest drainage (Rennó et al. 2008; Nobre et al. 2011).

    Each cell's elevation minus that of the first drainage cell reached by
    following the D8 directions downstream.

    Parameters
    ----------
    dem : xarray.DataArray
        Elevation (m) on the grid of ``flow_dir``; usually the filled DEM, so
        that HAND is never negative (with the raw DEM cells in depressions can
        lie below their drainage cell).
    flow_dir : xarray.DataArray
        D8 codes from :func:`flow_directions`.
    drainage : xarray.DataArray of bool or number
        Drainage cells, or a threshold: cells with at least this many upstream
        cells (themselves included) are drainage.

    Returns
    -------
    xarray.DataArray
        HAND in the DEM's units (m); 0 on drainage cells, NaN on nodata and on
        cells whose flow leaves the grid without meeting drainage.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.array([[3., 2, 1], [3, 2, 1], [3, 2, 1]]), dims=("y", "x"),
    ...                    coords={"y": [25., 15, 5], "x": [5., 15, 25]})
    >>> hand(dem, flow_directions(dem), drainage=3).values[0].tolist()
    [2.0, 1.0, 0.0]
    """
    flow_dir, code = _checked_codes(flow_dir)
    dem_nu, values = _dem_values(dem, "dem")
    check_same_grid(dem_nu, flow_dir, ("dem", "flow_dir"))
    mask = _drainage_mask(drainage, flow_dir, code) & (code != K.NODATA)
    z = _padded(values, np.nan, np.float64)
    base = K.drain_elevation(code.ravel(), code.shape[1], z.ravel(), mask.ravel())
    height = _unpad(z - base.reshape(z.shape))
    return new_grid_like(
        flow_dir,
        data=height,
        name="hand",
        units=str(dem.attrs.get("units", "m")),
        long_name="height above nearest drainage",
    )


def catchment(flow_dir: xr.DataArray, x: float, y: float, *, snap_m: float = 0.0) -> xr.DataArray:
    """Cells whose water passes through the point ``(x, y)``: its catchment.

    Parameters
    ----------
    flow_dir : xarray.DataArray
        D8 codes from :func:`flow_directions`.
    x, y : float
        Point in the grid's CRS (m), e.g. a gauge or warning point.
    snap_m : float
        If > 0, move the point first to the cell with the largest upstream
        area within this distance (m), so that a gauge a little off the
        channel lands on it.

    Returns
    -------
    xarray.DataArray
        bool mask (True inside), with attrs ``outlet_x``, ``outlet_y`` (the
        cell centre used, m) and ``area_m2``.

    Raises
    ------
    GridError
        A point outside the grid; invalid ``flow_dir``.
    InputError
        A point on a nodata cell, or a negative ``snap_m``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.array([[3., 2, 1], [3, 2, 1], [3, 2, 1]]), dims=("y", "x"),
    ...                    coords={"y": [25., 15, 5], "x": [5., 15, 25]})
    >>> catchment(flow_directions(dem), 15.0, 25.0).values.astype(int).tolist()
    [[1, 1, 0], [0, 0, 0], [0, 0, 0]]
    """
    flow_dir, code = _checked_codes(flow_dir)
    if not snap_m >= 0:
        raise InputError(f"snap_m must be >= 0 m, got {snap_m!r}")
    rows, cols = xy_to_rowcol(flow_dir, x, y, name="catchment outlet")
    r, c = int(rows[0]), int(cols[0])
    if snap_m > 0:
        acc = _unpad(_accumulated(code, None))
        dx = cell_area(flow_dir) ** 0.5
        reach = int(snap_m // dx)
        r0, c0 = max(r - reach, 0), max(c - reach, 0)
        window = acc[r0 : r + reach + 1, c0 : c + reach + 1]
        ii, jj = np.mgrid[r0 : r0 + window.shape[0], c0 : c0 + window.shape[1]]
        near = (ii - r) ** 2 + (jj - c) ** 2 <= (snap_m / dx) ** 2
        window = np.where(near & ~np.isnan(window), window, -1.0)
        k = int(np.argmax(window))
        if window.flat[k] > 0:
            r, c = int(ii.flat[k]), int(jj.flat[k])
    width = code.shape[1]
    target = (r + 1) * width + c + 1
    if code.flat[target] == K.NODATA:
        raise InputError(
            f"catchment outlet at x={x:.1f}, y={y:.1f} falls on a nodata cell; "
            "move it onto the DEM or give snap_m"
        )
    mask = _unpad(K.upstream_mask(code.ravel(), width, target).reshape(code.shape))
    out = new_grid_like(
        flow_dir,
        data=mask,
        dtype=bool,
        name="catchment",
        units="1",
        long_name="catchment (cells draining through the outlet point)",
    )
    out.attrs.update(
        outlet_x=float(flow_dir["x"].values[c]),
        outlet_y=float(flow_dir["y"].values[r]),
        area_m2=float(mask.sum() * cell_area(flow_dir)),
    )
    return out


def stream_network(
    flow_dir: xr.DataArray,
    threshold: float,
    *,
    accumulation: xr.DataArray | None = None,
) -> xr.DataArray:
    """Streams (cells with accumulation >= ``threshold``) with their Strahler order.

    Strahler (1957): a stream without stream tributaries has order 1; where
    two or more tributaries of the highest order meet, the order grows by
    one; otherwise the highest incoming order continues.

    Parameters
    ----------
    flow_dir : xarray.DataArray
        D8 codes from :func:`flow_directions`.
    threshold : float
        Minimum accumulation of a stream cell, in upstream cells by default.
    accumulation : xarray.DataArray, optional
        Accumulation to threshold instead of the upstream cell count (e.g. a
        weighted :func:`flow_accumulation`); it must not decrease downstream.

    Returns
    -------
    xarray.DataArray
        uint8 Strahler order, 0 off the streams and on nodata; the stream mask
        is ``order > 0``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dem = xr.DataArray(np.array([[3., 2, 1], [3, 2, 1], [3, 2, 1]]), dims=("y", "x"),
    ...                    coords={"y": [25., 15, 5], "x": [5., 15, 25]})
    >>> stream_network(flow_directions(dem), 2).values[0].tolist()
    [0, 1, 1]
    """
    if not (isinstance(threshold, (int, float, np.integer, np.floating)) and threshold > 0):
        raise InputError(f"threshold must be a number > 0 (upstream cells), got {threshold!r}")
    flow_dir, code = _checked_codes(flow_dir)
    if accumulation is None:
        acc = _accumulated(code, None)
    else:
        check_same_grid(as_north_up(accumulation), flow_dir, ("accumulation", "flow_dir"))
        acc = _padded(np.asarray(as_north_up(accumulation).values, dtype=np.float64), np.nan)
    stream = np.nan_to_num(acc, nan=-np.inf) >= threshold
    order = K.strahler(code.ravel(), code.shape[1], stream.ravel())
    return new_grid_like(
        flow_dir,
        data=_unpad(order.reshape(code.shape)),
        dtype=np.uint8,
        name="strahler_order",
        units="1",
        long_name="Strahler stream order (0 = not a stream)",
    )
