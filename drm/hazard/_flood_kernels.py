"""Numba kernels of the 2-D local inertial flood solver (private; plain arrays in, arrays out).

Grid layout (row 0 is the north edge):

* cells ``(ny, nx)``: ground ``z``, depth ``h``;
* x-faces ``qx[i, j]`` for ``j = 0..nx`` between cells ``(i, j-1)`` and ``(i, j)``,
  positive towards increasing ``j`` (east); ``j = 0`` and ``j = nx`` are the west
  and east boundary faces;
* y-faces ``qy[i, j]`` for ``i = 0..ny`` between cells ``(i-1, j)`` and ``(i, j)``,
  positive towards increasing ``i`` (south); ``i = 0`` and ``i = ny`` are the north
  and south boundary faces.

Unit discharges are in m²/s. Walls (cells that take no water) have the ground
elevation :data:`WALL_Z` and no rain: every face touching one then has a zero
flow depth and carries nothing, so no wall mask is read. Manning's n², rain and
loss rates are either one value per cell ``(ny, nx)`` or a single row ``(1, nx)``
that applies to every row (a uniform field costs no memory traffic).

One time step is one call of :func:`continuity`, a single sweep over the rows.
For each row it

1. plans the discharge of every face from the old depths and old discharges
   (the momentum equation, Froude-limited: :func:`_plan_x`, :func:`_plan_y`);
2. computes each cell's outflow factor, the share of its planned outflow that
   its water can supply (1 almost everywhere: :func:`_factor`);
3. scales each face's planned flow by its upwind cell's factor, writes it back
   into ``qx``/``qy`` and updates depths, statistics and the volume bookkeeping
   (:func:`_cells`).

Scaling outflows by the upwind cell's own water keeps depths non-negative
without ever changing a flow that its cell can supply, and conserves volume
exactly because both cells of a face see the same scaled flow (each face is
scaled once and stored).

The rows are split into one chunk per thread. A chunk walks its rows from north
to south keeping the planned faces and factors of the rows around the current
one in small ring buffers, and updates the state in place one row behind the
planning, so only the state, the statistics and the inputs travel to and from
memory. The two rows on each side of a chunk boundary are planned beforehand
(:func:`_plan_halo`) because the neighbouring chunk overwrites them; the result
does not depend on the number of threads.

Every loop over a row is branch-free (selects, ``min``/``max``) so that LLVM
vectorises it; ``error_model="numpy"`` removes the divide-by-zero checks that
would stop it (no denominator here can be zero where its result is used).

Boundary faces carry a kind (0 closed, 1 free outflow, 2 water level) and a value
(free outflow: energy slope, level: water-surface elevation in m) and are
computed against a ghost cell outside the domain.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

CLOSED, FREE, LEVEL = 0, 1, 2
WEST, EAST, NORTH, SOUTH = 0, 1, 2, 3  # rows of the boundary kind/value arrays

WALL_Z = 1e30
"""Ground elevation of wall cells (m): any depth on a neighbour is lost in its rounding."""

MIN_CELLS_PER_THREAD = 40_000
"""Smaller grids use fewer threads: starting a thread costs more than the rows it would do."""

MIN_ROWS_PER_CHUNK = 4

_FAST = {"contract"}  # fused multiply-adds: rounding-level changes only, no NaN/inf assumptions

# rows of one chunk's workspace (each nx + 1 long); the halo rows of chunk c hold the
# plans of the two rows on each side of its top boundary b = bounds[c]
_PX = 0  # planned x-faces of rows k (slot k % 2)
_PY = 2  # planned y-faces k (slot k % 3)
_F = 5  # outflow factors of rows k (slot k % 3)
_SN = 8  # scaled north faces of the chunk's first row
_TMP = 9  # losses or clamped depths of one row
_ONES = 10  # factor 1: the missing neighbour of an edge row
_HALO_PX = 11  # Px[b - 1], Px[b]
_HALO_PY = 13  # Py[b - 1], Py[b], Py[b + 1]
_HALO_F = 16  # F[b - 1], F[b]
WORK_ROWS = 18


def chunk_bounds(ny: int, nx: int, threads: int) -> np.ndarray:
    """First row of each chunk of the sweep, and ``ny`` (one chunk per thread, fewer on small grids)."""
    n = max(1, min(threads, ny * nx // MIN_CELLS_PER_THREAD, ny // MIN_ROWS_PER_CHUNK))
    return np.linspace(0, ny, n + 1).round().astype(np.int64)


def staggered(shape: tuple[int, ...], dtype: type, k: int) -> np.ndarray:
    """An empty C-contiguous array whose data starts ``320 k`` bytes (k < 12) past a page boundary.

    Large arrays are page-aligned, so the same cell of every state array sits at
    the same address modulo 4 KiB: the arrays then compete for the same cache
    sets, and a load from one array that matches a pending store to another in
    its low 12 address bits waits for it (4K aliasing). Giving each array its
    own offset avoids most of both.
    """
    itemsize = np.dtype(dtype).itemsize
    size = int(np.prod(shape))
    buf = np.empty(size + (4096 + 320 * k) // itemsize + 1, dtype=dtype)
    start = ((-buf.ctypes.data) % 4096 + 320 * k) // itemsize
    return buf[start : start + size].reshape(shape)


def workspace(bounds: np.ndarray, nx: int) -> np.ndarray:
    """Ring buffers, halo and temporaries of every chunk of :func:`continuity`."""
    work = np.zeros((bounds.size - 1, WORK_ROWS, nx + 1))
    work[:, _ONES] = 1.0
    return work


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FAST)
def _inv_cbrt(x):
    """``x ** (-1/3)`` for x > 0, to about 1 ulp, with no division, pow or cube root.

    The start comes from the float's upper 32 bits divided by -3 plus a bias
    (the classic exponent-bits estimate, within 3.5 %; ``hi // 3`` as a 32-bit
    multiply-shift so that it vectorises); two fourth-order Householder steps
    (with ``e = 1 - x r³``, ``r ← r (1 + e/3 + 2e²/9 + 14e³/81)``: error
    3.5 % → 2e-5 → 1e-18) refine it, written as short dependency chains.
    """
    hi = np.float64(x).view(np.uint64) >> np.uint64(32)
    hi = np.uint64(0x553EF0FE) - ((hi * np.uint64(0xAAAAAAAB)) >> np.uint64(33))
    r = np.uint64(hi << np.uint64(32)).view(np.float64)
    for _ in range(2):
        e = 1.0 - (x * r) * (r * r)
        p = (1.0 / 3.0 + e * (2.0 / 9.0)) + (e * e) * (14.0 / 81.0)
        r = r + (r * e) * p
    return r


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FAST)
def _flux(q0, qavg, ea, eb, za, zb, n2, gdt, slope, hmin, fr2g):
    """New unit discharge across one face from side a to side b (positive a→b).

    ``q0`` is the face's old discharge, ``qavg`` its θ-weighted average with its
    neighbours, ``ea``/``eb`` and ``za``/``zb`` the water levels and ground on
    either side, ``n2`` Manning's n² on the face; ``gdt`` is g Δt, ``slope``
    g Δt / (the distance between the two water levels: ``dx`` inside, half a
    cell to a level given on a boundary face), ``fr2g`` g times the squared
    Froude limit. Faces with a flow depth of ``hmin`` or less carry nothing.
    """
    crest = max(za, zb)
    hf = max(ea, eb) - crest  # water above the higher bed (Bates et al. 2010)
    # Sheet flow down a slope the grid resolves: both sides wet and the lower water
    # surface below the crest. The water above the crest alone puts every cell's depth
    # half a cell downstream (+8 % storage on a 20 m grid). The face then takes
    # (2 h_up + h_down) / 3 (h_up = hf there), raised by at most hf / 2 and by no more
    # than the lower level lies below the crest, so that it joins the plain rule
    # continuously. The weight 1/3 on the lower side (not 1/2) keeps the steady profile
    # free of an odd-even mode.
    lower = min(ea - za, eb - zb)
    mixed = (hf + (ea - za) + (eb - zb)) * (1.0 / 3.0)
    rise = min(mixed - hf, 0.5 * hf, crest - min(ea, eb))
    hf = hf + (max(rise, 0.0) if lower > hmin else 0.0)
    r = _inv_cbrt(max(hf, hmin))  # hf ** (-1/3), finite on dry faces too
    r2 = r * r
    b = gdt * n2 * (r2 * r2 * r2 * r)  # g Δt n² / hf^(7/3)
    qt = qavg - slope * hf * (eb - ea)
    # Manning friction implicit in the new discharge, q (1 + b |q|) = qt, solved exactly
    # (the root written without cancellation): stable at any step however thin the flow,
    # where friction taken with the old |q| makes q flip-flop from step to step
    q = 2.0 * qt / (1.0 + np.sqrt(1.0 + 4.0 * b * abs(qt)))
    qmax = np.sqrt(fr2g * hf) * hf
    q = min(max(q, -qmax), qmax)
    return q if hf > hmin else 0.0


@njit(inline="always", cache=True, error_model="numpy", fastmath=_FAST)
def _boundary(kind, value, zc, hc, q0, side, n2, gdt, dx, hmin, fr2g):
    """Discharge through one boundary face (sign of the axis).

    ``side`` is -1 for a face on the low-index edge (west/north: the ghost is at
    lower index) and +1 for the high-index edge.
    """
    if kind == CLOSED:
        return 0.0
    ec = zc + hc
    if kind == FREE:
        # ghost one cell outside with the same depth, ground lower by slope * dx:
        # the face then carries the normal-depth discharge of that energy slope
        eg = ec - value * dx
        zg = zc - value * dx
        slope = gdt / dx
    else:
        # the level is given on the boundary face, half a cell from the centre
        eg = value
        zg = zc
        slope = 2.0 * gdt / dx
    if side < 0.0:  # ghost is side a, cell is side b
        q = _flux(q0, q0, eg, ec, zg, zc, n2, gdt, slope, hmin, fr2g)
        if kind == FREE and q > 0.0:
            q = 0.0  # a free boundary only lets water out
    else:  # cell is side a, ghost is side b
        q = _flux(q0, q0, ec, eg, zc, zg, n2, gdt, slope, hmin, fr2g)
        if kind == FREE and q < 0.0:
            q = 0.0
    return q


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _plan_x(i, z, h, qx, n2, wx, bkind, bval, par, out):
    """Planned discharge of the ``nx + 1`` x-faces of row ``i`` into ``out``.

    ``par`` is ``(dt, dx, theta, g, hmin, froude2)``; ``wx`` (1 or 0 per x-face,
    one row for every row or one per row) says which faces take the θ-average with
    their two neighbours (see :func:`theta_masks`).
    """
    dt, dx, theta, g, hmin, froude2 = par
    gdt, fr2g = g * dt, froude2 * g
    slope = gdt / dx
    w1 = 0.5 * (1.0 - theta)
    nx = h.shape[1]
    m = i if n2.shape[0] > 1 else 0
    k = i if wx.shape[0] > 1 else 0
    for j in range(1, nx):
        za = z[i, j - 1]
        zb = z[i, j]
        q0 = qx[i, j]
        qavg = q0 + (w1 * wx[k, j]) * ((qx[i, j - 1] + qx[i, j + 1]) - 2.0 * q0)
        out[j] = _flux(
            q0, qavg, za + h[i, j - 1], zb + h[i, j], za, zb, 0.5 * (n2[m, j - 1] + n2[m, j]),
            gdt, slope, hmin, fr2g,
        )  # fmt: skip
    out[0] = _boundary(
        bkind[WEST, i], bval[WEST, i], z[i, 0], h[i, 0], qx[i, 0], -1.0, n2[m, 0],
        gdt, dx, hmin, fr2g,
    )  # fmt: skip
    out[nx] = _boundary(
        bkind[EAST, i], bval[EAST, i], z[i, nx - 1], h[i, nx - 1], qx[i, nx], 1.0, n2[m, nx - 1],
        gdt, dx, hmin, fr2g,
    )  # fmt: skip


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _plan_y(i, z, h, qy, n2, wy, bkind, bval, par, out):
    """Planned discharge of the y-faces between rows ``i - 1`` and ``i`` into ``out``.

    ``i = 0`` is the north boundary, ``i = ny`` the south boundary; ``wy`` as
    ``wx`` in :func:`_plan_x` (one row for every face row, or one per face row).
    """
    dt, dx, theta, g, hmin, froude2 = par
    gdt, fr2g = g * dt, froude2 * g
    ny, nx = h.shape
    uniform = n2.shape[0] == 1
    if i == 0 or i == ny:
        edge, side, c = (NORTH, -1.0, 0) if i == 0 else (SOUTH, 1.0, ny - 1)
        m = 0 if uniform else c
        for j in range(nx):
            out[j] = _boundary(
                bkind[edge, j], bval[edge, j], z[c, j], h[c, j], qy[i, j], side, n2[m, j],
                gdt, dx, hmin, fr2g,
            )  # fmt: skip
        return
    slope = gdt / dx
    w1 = 0.5 * (1.0 - theta)
    if wy.shape[0] == 1 and (i == 1 or i == ny - 1):  # next to a boundary face
        w1 = 0.0
    k = i if wy.shape[0] > 1 else 0
    ma = 0 if uniform else i - 1
    mb = 0 if uniform else i
    for j in range(nx):
        za = z[i - 1, j]
        zb = z[i, j]
        q0 = qy[i, j]
        qavg = q0 + (w1 * wy[k, j]) * ((qy[i - 1, j] + qy[i + 1, j]) - 2.0 * q0)
        out[j] = _flux(
            q0, qavg, za + h[i - 1, j], zb + h[i, j], za, zb, 0.5 * (n2[ma, j] + n2[mb, j]),
            gdt, slope, hmin, fr2g,
        )  # fmt: skip


def theta_masks(wall: np.ndarray, sources: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which faces take the θ-average with their two neighbours along the axis (1) and which do not (0).

    The average ``θ q + (1 - θ)/2 (q_before + q_after)`` damps the checkerboard
    mode of the scheme, but across a jump in discharge (a neighbour face that
    is a boundary face or touches a wall, or lies across a source cell whose
    inflow makes the jump) it holds the face's flow back and raises a
    spurious head (31 mm at the inflow cell of the backwater validation case at
    θ = 0.8); such faces take θ = 1.

    Parameters
    ----------
    wall : numpy.ndarray of bool
        Wall cells (ny, nx).
    sources : numpy.ndarray of bool, optional
        Cells that receive point or line inflows (ny, nx).

    Returns
    -------
    wx, wy : numpy.ndarray of uint8
        ``(ny, nx + 1)`` and ``(ny + 1, nx)``; or, on a grid without walls and
        sources, one row ``(1, nx + 1)`` for every row of x-faces and ``(1, nx)``
        for the y-faces (whose rows next to the edges the kernel handles itself).

    Examples
    --------
    >>> wx, wy = theta_masks(np.zeros((3, 5), dtype=bool))
    >>> wx.tolist(), wy.shape
    ([[0, 0, 1, 1, 0, 0]], (1, 5))
    """
    ny, nx = wall.shape
    special = wall if sources is None else wall | sources
    if not special.any():
        wx = np.ones((1, nx + 1), dtype=np.uint8)
        wx[0, [0, 1, nx - 1, nx]] = 0
        return wx, np.ones((1, nx), dtype=np.uint8)
    # a face between cells a and b averages faces across a and b: neither may be a source,
    # and the faces beyond (the other sides of a and b) must not be boundary or wall faces
    pad = np.pad(wall, 1, constant_values=True)  # outside the grid counts as a wall
    src = np.zeros_like(wall) if sources is None else sources
    wx = np.zeros((ny, nx + 1), dtype=np.uint8)
    ok = ~pad[1:-1, :-3] & ~pad[1:-1, 3:] & ~src[:, :-1] & ~src[:, 1:]
    wx[:, 1:nx] = ok
    wy = np.zeros((ny + 1, nx), dtype=np.uint8)
    ok = ~pad[:-3, 1:-1] & ~pad[3:, 1:-1] & ~src[:-1, :] & ~src[1:, :]
    wy[1:ny, :] = ok
    return wx, wy


@njit(inline="always", cache=True)
def _outflow(px, pn, ps, j):
    """Planned outflow (m²/s summed over its four faces) of cell ``j`` of a row."""
    return max(px[j + 1], 0.0) + max(-px[j], 0.0) + max(ps[j], 0.0) + max(-pn[j], 0.0)


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _factor(i, h, px, pn, ps, par, out):
    """Fraction (0..1) of each cell of row ``i``'s planned outflow that its water can supply.

    ``px`` are the row's planned x-faces, ``pn``/``ps`` its north and south faces.
    Almost every cell can supply its outflow (factor 1), so the division runs
    in a second pass only on rows that have a cell that cannot.
    """
    dt, dx = par[0], par[1]
    nx = h.shape[1]
    short = 0
    for j in range(nx):
        short += _outflow(px, pn, ps, j) * dt > h[i, j] * dx
        out[j] = 1.0
    if short:
        for j in range(nx):
            need = _outflow(px, pn, ps, j) * dt
            have = h[i, j] * dx
            out[j] = 1.0 if need <= have else have / need


@njit(inline="always", cache=True, fastmath=_FAST)
def _upwind(q, f_positive, f_negative):
    """``q`` times the factor of its upwind cell: ``f_positive`` if q > 0, else ``f_negative``.

    Written as ``max(q, 0) f₊ + min(q, 0) f₋`` (exactly one term is non-zero)
    rather than a select between two loads, which LLVM turns into a branch.
    """
    return max(q, 0.0) * f_positive + min(q, 0.0) * f_negative


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _scale_x(px, f, out):
    """A row's x-faces scaled by the factor of their upwind cell (boundary faces: outflows only)."""
    nx = out.shape[0] - 1
    for j in range(1, nx):
        out[j] = _upwind(px[j], f[j - 1], f[j])
    out[0] = _upwind(px[0], 1.0, f[0])
    out[nx] = _upwind(px[nx], f[nx - 1], 1.0)


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _scale_y(py, f_north, f_south, out):
    """A row of y-faces scaled by the factor of their upwind cell (north if the flow is southward)."""
    for j in range(out.shape[0]):
        out[j] = _upwind(py[j], f_north[j], f_south[j])


@njit(cache=True, fastmath={"reassoc", "contract"})
def _sum(x, n):
    """Sum of ``x[:n]`` (any order)."""
    s = 0.0
    for j in range(n):
        s += x[j]
    return s


@njit(cache=True)
def _row_max(x):
    """Largest value of a row and 0 (NaN ignored), in four interleaved lanes."""
    m0 = m1 = m2 = m3 = 0.0
    n4 = x.shape[0] // 4 * 4
    for j in range(0, n4, 4):
        m0 = max(m0, x[j])
        m1 = max(m1, x[j + 1])
        m2 = max(m2, x[j + 2])
        m3 = max(m3, x[j + 3])
    for j in range(n4, x.shape[0]):
        m0 = max(m0, x[j])
    return max(max(m0, m1), max(m2, m3))


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _cells(
    i, h, sx, sn, ss, rain, loss, has_loss, cum_loss, track_loss, dt, dx, t_new, arrival_depth,
    hmax, tmax, vmax2, arrival, tmp, rows, row_hmax,
):  # fmt: skip
    """New depths of row ``i`` from its scaled faces (west-east ``sx``, north ``sn``, south ``ss``).

    Then losses (at most the water there), clamping of rounding-level negative
    depths, the statistics, and the row's volumes into ``rows[:, i]`` (loss,
    clamped, boundary inflow, boundary outflow) and largest depth into
    ``row_hmax[i]``.
    """
    ny, nx = h.shape
    k = dt / dx
    m = i if rain.shape[0] > 1 else 0
    for j in range(nx):
        h[i, j] = h[i, j] + k * (sx[j] - sx[j + 1] + sn[j] - ss[j]) + rain[m, j] * dt
    if has_loss:
        m = i if loss.shape[0] > 1 else 0
        for j in range(nx):
            hn = h[i, j]
            f = loss[m, j] * dt
            tmp[j] = (max(hn, 0.0) if f > hn else f) if f > 0.0 else 0.0
        for j in range(nx):
            h[i, j] -= tmp[j]
        if track_loss:
            for j in range(nx):
                cum_loss[i, j] += tmp[j]
        rows[0, i] = _sum(tmp, nx)
    for j in range(nx):
        hn = h[i, j]
        tmp[j] = hn if hn < 0.0 else 0.0
        h[i, j] = max(hn, 0.0)
    rows[1, i] = -_sum(tmp, nx)
    for j in range(nx):
        hn = np.float32(h[i, j])  # the statistics are float32: compare as stored
        higher = hn > hmax[i, j]
        tmax[i, j] = t_new if higher else tmax[i, j]
        hmax[i, j] = hn if higher else hmax[i, j]
    for j in range(nx):
        a = arrival[i, j]
        arrival[i, j] = t_new if h[i, j] >= arrival_depth and np.isnan(a) else a
    for j in range(nx):
        hn = h[i, j]
        ux = 0.5 * (sx[j] + sx[j + 1])
        uy = 0.5 * (sn[j] + ss[j])
        q2 = ux * ux + uy * uy
        v = np.float64(vmax2[i, j])
        vmax2[i, j] = np.float32(q2 / (hn * hn)) if hn > 1e-3 and q2 > v * hn * hn else vmax2[i, j]
    row_hmax[i] = _row_max(h[i])
    # boundary faces: inflow (into the domain) and outflow
    b_in = 0.0
    b_out = 0.0
    q = sx[0]
    if q > 0.0:
        b_in += q
    else:
        b_out -= q
    q = sx[nx]
    if q < 0.0:
        b_in -= q
    else:
        b_out += q
    if i == 0:
        for j in range(nx):
            q = sn[j]
            if q > 0.0:
                b_in += q
            else:
                b_out -= q
    if i == ny - 1:
        for j in range(nx):
            q = ss[j]
            if q < 0.0:
                b_in -= q
            else:
                b_out += q
    rows[2, i] = b_in
    rows[3, i] = b_out


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _plan_halo(c, bounds, z, h, n2, wx, wy, qx, qy, bkind, bval, par, work):
    """Plan faces and factors of the two rows on each side of chunk ``c``'s top boundary."""
    b = bounds[c]
    w = work[c]
    for d in range(2):
        _plan_x(b - 1 + d, z, h, qx, n2, wx, bkind, bval, par, w[_HALO_PX + d])
    for d in range(3):
        _plan_y(b - 1 + d, z, h, qy, n2, wy, bkind, bval, par, w[_HALO_PY + d])
    _factor(b - 1, h, w[_HALO_PX], w[_HALO_PY], w[_HALO_PY + 1], par, w[_HALO_F])
    _factor(b, h, w[_HALO_PX + 1], w[_HALO_PY + 1], w[_HALO_PY + 2], par, w[_HALO_F + 1])


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _get_px(k, c, bounds, z, h, qx, n2, wx, bkind, bval, par, work):
    """Planned x-faces of row ``k`` of chunk ``c``: from a halo, or planned into the ring."""
    if k == bounds[c] and c > 0:
        return work[c, _HALO_PX + 1]
    if k == bounds[c + 1] - 1 and c < bounds.shape[0] - 2:
        return work[c + 1, _HALO_PX]
    out = work[c, _PX + k % 2]
    _plan_x(k, z, h, qx, n2, wx, bkind, bval, par, out)
    return out


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _get_py(k, c, bounds, z, h, qy, n2, wy, bkind, bval, par, work):
    """Planned y-faces ``k`` (above row ``k``) of chunk ``c``: from a halo, or planned into the ring."""
    r0 = bounds[c]
    r1 = bounds[c + 1]
    if c > 0 and k - r0 <= 1:
        return work[c, _HALO_PY + 1 + k - r0]
    if c < bounds.shape[0] - 2 and k >= r1 - 1:
        return work[c + 1, _HALO_PY + 1 + k - r1]
    out = work[c, _PY + k % 3]
    _plan_y(k, z, h, qy, n2, wy, bkind, bval, par, out)
    return out


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _get_f(k, c, bounds, h, px, pn, ps, par, work):
    """Outflow factors of row ``k`` of chunk ``c``: from a halo, or computed into the ring."""
    if k == bounds[c] and c > 0:
        return work[c, _HALO_F + 1]
    if k == bounds[c + 1] - 1 and c < bounds.shape[0] - 2:
        return work[c + 1, _HALO_F]
    out = work[c, _F + k % 3]
    _factor(k, h, px, pn, ps, par, out)
    return out


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def _sweep(
    c, bounds, z, h, n2, wx, wy, qx, qy, bkind, bval, rain, loss, has_loss, cum_loss, track_loss,
    par, t_new, arrival_depth, hmax, tmax, vmax2, arrival, work, rows, row_hmax,
):  # fmt: skip
    """One time step on the rows of chunk ``c`` (``bounds[c]`` to ``bounds[c + 1]``), north to south.

    Planning runs one row ahead of the update, so every plan reads the old
    state: row ``r + 1``'s faces and factors are ready before row ``r`` is
    updated in place.
    """
    dt, dx = par[0], par[1]
    r0 = bounds[c]
    r1 = bounds[c + 1]
    last = bounds.shape[0] - 2
    ones = work[c, _ONES]
    pn = _get_py(r0, c, bounds, z, h, qy, n2, wy, bkind, bval, par, work)
    f_north = work[c, _HALO_F] if c > 0 else ones
    px = _get_px(r0, c, bounds, z, h, qx, n2, wx, bkind, bval, par, work)
    ps = _get_py(r0 + 1, c, bounds, z, h, qy, n2, wy, bkind, bval, par, work)
    f = _get_f(r0, c, bounds, h, px, pn, ps, par, work)
    for r in range(r0, r1):
        px_next = px
        ps_next = ps
        if r + 1 < r1:
            px_next = _get_px(r + 1, c, bounds, z, h, qx, n2, wx, bkind, bval, par, work)
            ps_next = _get_py(r + 2, c, bounds, z, h, qy, n2, wy, bkind, bval, par, work)
            f_south = _get_f(r + 1, c, bounds, h, px_next, ps, ps_next, par, work)
        elif c < last:
            f_south = work[c + 1, _HALO_F + 1]
        else:
            f_south = ones
        # scaled faces: x-faces and south faces straight into the state; the north
        # faces are the previous row's south faces, except on the chunk's first row
        _scale_x(px, f, qx[r])
        if r == 0:
            _scale_y(pn, ones, f, qy[0])
            sn = qy[0]
        elif r == r0:
            sn = work[c, _SN]
            _scale_y(pn, f_north, f, sn)
        else:
            sn = qy[r]
        _scale_y(ps, f, f_south, qy[r + 1])
        _cells(
            r, h, qx[r], sn, qy[r + 1], rain, loss, has_loss, cum_loss, track_loss, dt, dx, t_new,
            arrival_depth, hmax, tmax, vmax2, arrival, work[c, _TMP], rows, row_hmax,
        )  # fmt: skip
        f_north = f
        f = f_south
        px = px_next
        pn = ps
        ps = ps_next


@njit(parallel=True, cache=True, fastmath=_FAST)
def _sweep_chunks(
    bounds, z, h, n2, wx, wy, qx, qy, bkind, bval, rain, loss, has_loss, cum_loss, track_loss,
    par, t_new, arrival_depth, hmax, tmax, vmax2, arrival, work, rows, row_hmax,
):  # fmt: skip
    """:func:`_sweep` on every chunk, one per thread."""
    for c in prange(bounds.shape[0] - 1):
        _sweep(
            c, bounds, z, h, n2, wx, wy, qx, qy, bkind, bval, rain, loss, has_loss, cum_loss, track_loss,
            par, t_new, arrival_depth, hmax, tmax, vmax2, arrival, work, rows, row_hmax,
        )  # fmt: skip


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def continuity(
    h, z, n2, wx, wy, qx, qy, bkind, bval, rain, loss, has_loss, dt, dx, theta, g, hmin, froude,
    t_new, arrival_depth, hmax, tmax, vmax2, arrival, bounds, work, row_hmax, sums,
    cum_loss, track_loss,
):  # fmt: skip
    """One time step: momentum on every face, then continuity on every cell (de Almeida et al. 2012).

    Updates in place the depths ``h``, the discharges ``qx``/``qy`` (the scaled
    flows of this step), the statistics ``hmax``, ``tmax`` (time of the
    maximum), ``vmax2`` (largest squared speed, m²/s²) and ``arrival`` (first
    time the depth reached ``arrival_depth``; NaN before), and each row's
    largest depth ``row_hmax`` (for the next CFL step). ``rain`` and ``loss``
    are rates (m/s); the loss (read only when ``has_loss``) takes at most the
    water available, and with ``track_loss`` each cell's lost depth is added to
    ``cum_loss`` (m). ``sums`` (length 4) receives the step's loss, clamped
    (rounding-level negative depths), boundary-inflow and boundary-outflow
    volumes (m³). ``bounds`` are the chunks' first rows (:func:`chunk_bounds`)
    and ``work`` their :func:`workspace`; ``wx``/``wy`` the faces that take the
    θ-average (:func:`theta_masks`); run it with as many numba threads as
    chunks.
    """
    par = (dt, dx, theta, g, hmin, froude * froude)
    nchunks = bounds.shape[0] - 1
    for c in range(1, nchunks):
        _plan_halo(c, bounds, z, h, n2, wx, wy, qx, qy, bkind, bval, par, work)
    rows = np.zeros((4, h.shape[0]))
    if nchunks == 1:  # no thread start-up on small grids
        _sweep(
            0, bounds, z, h, n2, wx, wy, qx, qy, bkind, bval, rain, loss, has_loss, cum_loss, track_loss,
            par, t_new, arrival_depth, hmax, tmax, vmax2, arrival, work, rows, row_hmax,
        )  # fmt: skip
    else:
        _sweep_chunks(
            bounds, z, h, n2, wx, wy, qx, qy, bkind, bval, rain, loss, has_loss, cum_loss, track_loss,
            par, t_new, arrival_depth, hmax, tmax, vmax2, arrival, work, rows, row_hmax,
        )  # fmt: skip
    area = dx * dx
    sums[0] = rows[0].sum() * area
    sums[1] = rows[1].sum() * area
    sums[2] = rows[2].sum() * dx * dt
    sums[3] = rows[3].sum() * dx * dt


@njit(cache=True)
def cell_velocity(h, qx, qy, hmin):
    """Cell-centred unit discharges (east, north positive) and speed (m/s)."""
    ny, nx = h.shape
    ux = np.zeros((ny, nx))
    uy = np.zeros((ny, nx))
    speed = np.zeros((ny, nx))
    for i in range(ny):
        for j in range(nx):
            qe = 0.5 * (qx[i, j] + qx[i, j + 1])
            qn = -0.5 * (qy[i, j] + qy[i + 1, j])
            ux[i, j] = qe
            uy[i, j] = qn
            if h[i, j] > hmin:
                speed[i, j] = np.sqrt(qe * qe + qn * qn) / h[i, j]
    return ux, uy, speed
