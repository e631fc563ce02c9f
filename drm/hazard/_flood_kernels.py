"""Numba kernels of the 2-D local inertial flood solver (private; plain arrays in, arrays out).

Grid layout (row 0 is the north edge):

* cells ``(ny, nx)``: ground ``z``, depth ``h``; ``wall`` marks cells that take no water;
* x-faces ``qx[i, j]`` for ``j = 0..nx`` between cells ``(i, j-1)`` and ``(i, j)``,
  positive towards increasing ``j`` (east); ``j = 0`` and ``j = nx`` are the west
  and east boundary faces;
* y-faces ``qy[i, j]`` for ``i = 0..ny`` between cells ``(i-1, j)`` and ``(i, j)``,
  positive towards increasing ``i`` (south); ``i = 0`` and ``i = ny`` are the north
  and south boundary faces.

Unit discharges are in m²/s. One time step is three sweeps over the rows, each
parallel:

1. :func:`fluxes`: the momentum update of every face from the old depths and
   old fluxes (``q`` → ``q_new``), Froude-limited;
2. :func:`outflow_factor`: for each cell, the fraction of its planned outflow
   it can supply from the water it holds (1 almost everywhere);
3. :func:`continuity`: each face's flow scaled by its upwind cell's factor
   (written back into ``q``), new depths, statistics and volume bookkeeping.

Scaling outflows by the upwind cell's own water keeps depths non-negative
without ever changing a flow that its cell can supply, and conserves volume
exactly because both cells of a face see the same scaled flow.

Boundary faces carry a kind (0 closed, 1 free outflow, 2 water level) and a value
(free outflow: energy slope, level: water-surface elevation in m) and are
computed against a ghost cell outside the domain.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

CLOSED, FREE, LEVEL = 0, 1, 2


@njit(inline="always", cache=True)
def _pow73(x, buf, bits):
    """``x ** (7/3)`` for x > 0, to about 1e-14 relative, 2.5 times faster than ``pow``.

    The cube root starts from the classic exponent-bits estimate (the float's
    bit pattern divided by three, plus a bias: within 3 %) refined by two
    Halley steps (cubic convergence). ``buf`` is a 1-element float64 array and
    ``bits`` its int64 view.
    """
    buf[0] = x
    bits[0] = bits[0] // 3 + 0x2A9F7893782DA1CE
    y = buf[0]
    y3 = y * y * y
    y = y * (y3 + 2.0 * x) / (2.0 * y3 + x)
    y3 = y * y * y
    y = y * (y3 + 2.0 * x) / (2.0 * y3 + x)
    return x * x * y


@njit(inline="always", cache=True)
def _flux(q0, qavg, ea, eb, za, zb, n2, dt, inv_dist, g, hmin, froude2, buf, bits):
    """New unit discharge across one face from side a to side b (positive a→b).

    ``inv_dist`` is 1 / the distance between the two water levels (``dx``
    inside, half a cell to a level given on the boundary face); ``froude2`` the
    squared Froude limit.
    """
    hf = max(ea, eb) - max(za, zb)
    if hf <= hmin:
        return 0.0
    num = qavg - g * hf * dt * (eb - ea) * inv_dist
    den = 1.0 + g * dt * n2 * abs(q0) / _pow73(hf, buf, bits)
    q = num / den
    if q * q > froude2 * g * hf * hf * hf:
        qmax = np.sqrt(froude2 * g * hf) * hf
        q = qmax if q > 0.0 else -qmax
    return q


@njit(inline="always", cache=True)
def _boundary(kind, value, zc, hc, is_wall, q0, side, n2, dt, dx, g, hmin, froude2, buf, bits):
    """Discharge through one boundary face (sign of the axis).

    ``side`` is -1 for a face on the low-index edge (west/north: the ghost is at
    lower index) and +1 for the high-index edge.
    """
    if kind == CLOSED or is_wall:
        return 0.0
    ec = zc + hc
    if kind == FREE:
        # ghost one cell outside with the same depth, ground lower by slope * dx:
        # the face then carries the normal-depth discharge of that energy slope
        eg = ec - value * dx
        zg = zc - value * dx
        inv = 1.0 / dx
    else:
        # the level is given on the boundary face, half a cell from the centre
        eg = value
        zg = zc
        inv = 2.0 / dx
    if side < 0.0:  # ghost is side a, cell is side b
        q = _flux(q0, q0, eg, ec, zg, zc, n2, dt, inv, g, hmin, froude2, buf, bits)
        if kind == FREE and q > 0.0:
            q = 0.0  # a free boundary only lets water out
    else:  # cell is side a, ghost is side b
        q = _flux(q0, q0, ec, eg, zc, zg, n2, dt, inv, g, hmin, froude2, buf, bits)
        if kind == FREE and q < 0.0:
            q = 0.0
    return q


@njit(parallel=True, cache=True)
def fluxes(
    z, h, wall, n2, qx, qy, qx_new, qy_new,
    bkind_w, bval_w, bkind_e, bval_e, bkind_n, bval_n, bkind_s, bval_s,
    dt, dx, theta, g, hmin, froude,
):  # fmt: skip
    """Momentum update of every face for one step (de Almeida et al. 2012 scheme)."""
    ny, nx = h.shape
    w1 = 0.5 * (1.0 - theta)
    inv_dx = 1.0 / dx
    fr2 = froude * froude
    for i in prange(ny):
        buf = np.empty(1)
        bits = buf.view(np.int64)
        # interior x-faces of row i
        for j in range(1, nx):
            if wall[i, j - 1] or wall[i, j]:
                qx_new[i, j] = 0.0
                continue
            q0 = qx[i, j]
            qavg = theta * q0 + w1 * (qx[i, j - 1] + qx[i, j + 1])
            za = z[i, j - 1]
            zb = z[i, j]
            qx_new[i, j] = _flux(
                q0, qavg, za + h[i, j - 1], zb + h[i, j], za, zb, 0.5 * (n2[i, j - 1] + n2[i, j]),
                dt, inv_dx, g, hmin, fr2, buf, bits,
            )  # fmt: skip
        # interior y-face between rows i-1 and i
        if i > 0:
            for j in range(nx):
                if wall[i - 1, j] or wall[i, j]:
                    qy_new[i, j] = 0.0
                    continue
                q0 = qy[i, j]
                qavg = theta * q0 + w1 * (qy[i - 1, j] + qy[i + 1, j])
                za = z[i - 1, j]
                zb = z[i, j]
                qy_new[i, j] = _flux(
                    q0, qavg, za + h[i - 1, j], zb + h[i, j], za, zb, 0.5 * (n2[i - 1, j] + n2[i, j]),
                    dt, inv_dx, g, hmin, fr2, buf, bits,
                )  # fmt: skip
        qx_new[i, 0] = _boundary(
            bkind_w[i], bval_w[i], z[i, 0], h[i, 0], wall[i, 0], qx[i, 0], -1.0,
            n2[i, 0], dt, dx, g, hmin, fr2, buf, bits,
        )  # fmt: skip
        qx_new[i, nx] = _boundary(
            bkind_e[i], bval_e[i], z[i, nx - 1], h[i, nx - 1], wall[i, nx - 1], qx[i, nx], 1.0,
            n2[i, nx - 1], dt, dx, g, hmin, fr2, buf, bits,
        )  # fmt: skip
    for j in prange(nx):
        buf = np.empty(1)
        bits = buf.view(np.int64)
        qy_new[0, j] = _boundary(
            bkind_n[j], bval_n[j], z[0, j], h[0, j], wall[0, j], qy[0, j], -1.0,
            n2[0, j], dt, dx, g, hmin, fr2, buf, bits,
        )  # fmt: skip
        qy_new[ny, j] = _boundary(
            bkind_s[j], bval_s[j], z[ny - 1, j], h[ny - 1, j], wall[ny - 1, j], qy[ny, j], 1.0,
            n2[ny - 1, j], dt, dx, g, hmin, fr2, buf, bits,
        )  # fmt: skip


@njit(parallel=True, cache=True)
def outflow_factor(h, wall, qx, qy, dt, dx, factor):
    """Fraction (0..1) of each cell's planned outflow that its water can supply in one step."""
    ny, nx = h.shape
    for i in prange(ny):
        for j in range(nx):
            if wall[i, j]:
                factor[i, j] = 0.0
                continue
            out = (
                max(qx[i, j + 1], 0.0)
                + max(-qx[i, j], 0.0)
                + max(qy[i + 1, j], 0.0)
                + max(-qy[i, j], 0.0)
            )
            need = out * dt
            have = h[i, j] * dx
            factor[i, j] = 1.0 if need <= have else have / need


@njit(parallel=True, cache=True)
def continuity(
    h, wall, qx_new, qy_new, factor, qx, qy, rain, loss, has_loss, dt, dx, t_new, arrival_depth,
    hmax, tmax, vmax2, arrival, row_hmax, sums, cum_loss, track_loss,
):  # fmt: skip
    """Scale outflows by their upwind factor, update depths, statistics and bookkeeping.

    Reads the planned fluxes ``qx_new``/``qy_new`` and writes the scaled ones
    into ``qx``/``qy`` (each cell writes its east and south faces, edge cells
    also their boundary faces). ``rain`` and ``loss`` are rates (m/s); the
    loss (read only when ``has_loss``) takes at most the water available.
    ``vmax2`` keeps the largest squared speed (m²/s²). ``sums`` (length 6)
    receives the step's rain, loss, (unused), clamped (negative-depth),
    boundary-inflow and boundary-outflow volumes (m³).
    ``row_hmax`` receives each row's largest depth (for the next CFL step).
    With ``track_loss``, each cell's lost depth is added to ``cum_loss`` (m).
    """
    ny, nx = h.shape
    area = dx * dx
    rows = np.zeros((6, ny))
    k = dt / dx
    for i in prange(ny):
        hm = 0.0
        a_rain = 0.0
        a_loss = 0.0
        a_clamp = 0.0
        b_in = 0.0
        b_out = 0.0
        for j in range(nx):
            if wall[i, j]:
                continue
            f_here = factor[i, j]
            # west face: flow into this cell from the west neighbour, or out of it
            q = qx_new[i, j]
            if q > 0.0 and j > 0:
                q *= factor[i, j - 1]
            elif q < 0.0:
                q *= f_here
            qw = q
            # east face
            q = qx_new[i, j + 1]
            if q > 0.0:
                q *= f_here
            elif q < 0.0 and j < nx - 1:
                q *= factor[i, j + 1]
            qe = q
            # north face (positive southward = into this cell)
            q = qy_new[i, j]
            if q > 0.0 and i > 0:
                q *= factor[i - 1, j]
            elif q < 0.0:
                q *= f_here
            qn = q
            # south face
            q = qy_new[i + 1, j]
            if q > 0.0:
                q *= f_here
            elif q < 0.0 and i < ny - 1:
                q *= factor[i + 1, j]
            qs = q
            qx[i, j + 1] = qe
            qy[i + 1, j] = qs
            if j == 0:
                qx[i, 0] = qw
                if qw > 0.0:
                    b_in += qw
                else:
                    b_out -= qw
            if j == nx - 1:
                if qe < 0.0:
                    b_in -= qe
                else:
                    b_out += qe
            if i == 0:
                qy[0, j] = qn
                if qn > 0.0:
                    b_in += qn
                else:
                    b_out -= qn
            if i == ny - 1:
                if qs < 0.0:
                    b_in -= qs
                else:
                    b_out += qs
            r = rain[i, j] * dt
            hn = h[i, j] + k * (qw - qe + qn - qs) + r
            a_rain += r
            if has_loss:
                f = loss[i, j] * dt
                if f > 0.0:
                    if f > hn:
                        f = max(hn, 0.0)
                    hn -= f
                    a_loss += f
                    if track_loss:
                        cum_loss[i, j] += f
            if hn < 0.0:
                a_clamp -= hn
                hn = 0.0
            h[i, j] = hn
            if hn > hm:
                hm = hn
            if hn > hmax[i, j]:
                hmax[i, j] = hn
                tmax[i, j] = t_new
            if hn >= arrival_depth and np.isnan(arrival[i, j]):
                arrival[i, j] = t_new
            if hn > 1e-3:
                ux = 0.5 * (qw + qe)
                uy = 0.5 * (qn + qs)
                q2 = ux * ux + uy * uy
                if q2 > vmax2[i, j] * hn * hn:
                    vmax2[i, j] = q2 / (hn * hn)
        row_hmax[i] = hm
        rows[0, i] = a_rain
        rows[1, i] = a_loss
        rows[3, i] = a_clamp
        rows[4, i] = b_in
        rows[5, i] = b_out
    for m in range(4):
        sums[m] = rows[m].sum() * area
    sums[4] = rows[4].sum() * dx * dt
    sums[5] = rows[5].sum() * dx * dt


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
