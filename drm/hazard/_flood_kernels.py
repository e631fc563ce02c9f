"""Numba kernels of the 2-D local inertial flood solver (private; plain arrays in, arrays out).

Grid layout (row 0 is the north edge):

* cells ``(ny, nx)``: ground ``z``, depth ``h``; ``wall`` marks cells that take no water;
* x-faces ``qx[i, j]`` for ``j = 0..nx`` between cells ``(i, j-1)`` and ``(i, j)``,
  positive towards increasing ``j`` (east); ``j = 0`` and ``j = nx`` are the west
  and east boundary faces;
* y-faces ``qy[i, j]`` for ``i = 0..ny`` between cells ``(i-1, j)`` and ``(i, j)``,
  positive towards increasing ``i`` (south); ``i = 0`` and ``i = ny`` are the north
  and south boundary faces.

Unit discharges are in m²/s. One time step is :func:`fluxes` (momentum, from the
old depths and old fluxes into new flux arrays) followed by :func:`continuity`
(new depths, statistics and volume bookkeeping). Both sweep rows in parallel.

Boundary faces carry a kind (0 closed, 1 free outflow, 2 water level) and a value
(free outflow: energy slope, level: water-surface elevation in m) and are
computed against a ghost cell outside the domain.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

CLOSED, FREE, LEVEL = 0, 1, 2


@njit(inline="always", cache=True)
def _flux(q0, qavg, ea, eb, za, zb, ha, hb, n2, dt, dx, dist, g, hmin, froude):
    """New unit discharge across one face from side a to side b (positive a→b).

    ``dist`` is the distance between the two water levels (``dx`` inside, half a
    cell to a level given on the boundary face).
    """
    hf = max(ea, eb) - max(za, zb)
    if hf <= hmin:
        return 0.0
    num = qavg - g * hf * dt * (eb - ea) / dist
    den = 1.0 + g * dt * n2 * abs(q0) / hf ** (7.0 / 3.0)
    q = num / den
    qmax = froude * hf * np.sqrt(g * hf)
    if q > qmax:
        q = qmax
    elif q < -qmax:
        q = -qmax
    # positivity: no face may drain more than a quarter of its upwind cell per step
    if q > 0.0:
        cap = ha * dx / (4.0 * dt)
        if q > cap:
            q = cap
    elif q < 0.0:
        cap = hb * dx / (4.0 * dt)
        if -q > cap:
            q = -cap
    return q


@njit(parallel=True, cache=True)
def fluxes(
    z, h, wall, n2, qx, qy, qx_new, qy_new,
    bkind_w, bval_w, bkind_e, bval_e, bkind_n, bval_n, bkind_s, bval_s,
    dt, dx, theta, g, hmin, froude, bflow,
):  # fmt: skip
    """Update every face discharge for one step (de Almeida et al. 2012 scheme).

    ``bflow`` (length 4) receives the discharge summed over each boundary
    (west, east, north, south), positive *into* the domain, in m³/s.
    """
    ny, nx = h.shape
    w1 = 0.5 * (1.0 - theta)
    inflow_w = np.zeros(ny)
    inflow_e = np.zeros(ny)
    for i in prange(ny):
        # interior x-faces of row i
        for j in range(1, nx):
            if wall[i, j - 1] or wall[i, j]:
                qx_new[i, j] = 0.0
                continue
            q0 = qx[i, j]
            qavg = theta * q0 + w1 * (qx[i, j - 1] + qx[i, j + 1])
            za = z[i, j - 1]
            zb = z[i, j]
            ha = h[i, j - 1]
            hb = h[i, j]
            qx_new[i, j] = _flux(
                q0, qavg, za + ha, zb + hb, za, zb, ha, hb, 0.5 * (n2[i, j - 1] + n2[i, j]),
                dt, dx, dx, g, hmin, froude,
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
                ha = h[i - 1, j]
                hb = h[i, j]
                qy_new[i, j] = _flux(
                    q0, qavg, za + ha, zb + hb, za, zb, ha, hb, 0.5 * (n2[i - 1, j] + n2[i, j]),
                    dt, dx, dx, g, hmin, froude,
                )  # fmt: skip
        # west and east boundary faces of row i
        inflow_w[i] = _boundary(
            bkind_w[i], bval_w[i], z[i, 0], h[i, 0], wall[i, 0], qx[i, 0], -1.0,
            n2[i, 0], dt, dx, g, hmin, froude, qx_new, i, 0,
        )  # fmt: skip
        inflow_e[i] = -_boundary(
            bkind_e[i], bval_e[i], z[i, nx - 1], h[i, nx - 1], wall[i, nx - 1], qx[i, nx], 1.0,
            n2[i, nx - 1], dt, dx, g, hmin, froude, qx_new, i, nx,
        )  # fmt: skip
    inflow_n = np.zeros(nx)
    inflow_s = np.zeros(nx)
    for j in prange(nx):
        inflow_n[j] = _boundary(
            bkind_n[j], bval_n[j], z[0, j], h[0, j], wall[0, j], qy[0, j], -1.0,
            n2[0, j], dt, dx, g, hmin, froude, qy_new, 0, j,
        )  # fmt: skip
        inflow_s[j] = -_boundary(
            bkind_s[j], bval_s[j], z[ny - 1, j], h[ny - 1, j], wall[ny - 1, j], qy[ny, j], 1.0,
            n2[ny - 1, j], dt, dx, g, hmin, froude, qy_new, ny, j,
        )  # fmt: skip
    bflow[0] = inflow_w.sum() * dx
    bflow[1] = inflow_e.sum() * dx
    bflow[2] = inflow_n.sum() * dx
    bflow[3] = inflow_s.sum() * dx


@njit(inline="always", cache=True)
def _boundary(kind, value, zc, hc, is_wall, q0, side, n2, dt, dx, g, hmin, froude, out, fi, fj):
    """Discharge through one boundary face, stored in ``out[fi, fj]`` (sign of the axis).

    ``side`` is -1 for a face on the low-index edge (west/north: the ghost is at
    lower index) and +1 for the high-index edge. Returns the stored discharge.
    """
    if kind == CLOSED or is_wall:
        out[fi, fj] = 0.0
        return 0.0
    ec = zc + hc
    if kind == FREE:
        # ghost one cell outside with the same depth, ground lower by slope * dx:
        # the face then carries the normal-depth discharge of that energy slope
        eg = ec - value * dx
        zg = zc - value * dx
        dist = dx
    else:
        # the level is given on the boundary face, half a cell from the centre
        eg = value
        zg = zc
        dist = 0.5 * dx
    if side < 0.0:  # ghost is side a, cell is side b
        q = _flux(q0, q0, eg, ec, zg, zc, np.inf, hc, n2, dt, dx, dist, g, hmin, froude)
        if kind == FREE and q > 0.0:
            q = 0.0  # a free boundary only lets water out
    else:  # cell is side a, ghost is side b
        q = _flux(q0, q0, ec, eg, zc, zg, hc, np.inf, n2, dt, dx, dist, g, hmin, froude)
        if kind == FREE and q < 0.0:
            q = 0.0
    out[fi, fj] = q
    return q


@njit(parallel=True, cache=True)
def continuity(
    h, wall, qx, qy, rain, loss, source, dt, dx, t_new, arrival_depth,
    hmax, tmax, vmax, arrival, row_hmax, sums, cum_loss, track_loss,
):  # fmt: skip
    """Update depths from the new fluxes, rain, losses and point sources; keep statistics.

    ``rain`` and ``loss`` are rates (m/s); the loss takes at most the water
    available. ``source`` is a volume rate per cell (m³/s). ``sums`` (length 4)
    receives the step's rain, loss, source and clamped (negative-depth) volumes (m³).
    ``row_hmax`` receives each row's largest depth (for the next CFL step).
    With ``track_loss``, each cell's lost depth is added to ``cum_loss`` (m).
    """
    ny, nx = h.shape
    area = dx * dx
    r_rain = np.zeros(ny)
    r_loss = np.zeros(ny)
    r_src = np.zeros(ny)
    r_clamp = np.zeros(ny)
    k = dt / dx
    for i in prange(ny):
        hm = 0.0
        a_rain = 0.0
        a_loss = 0.0
        a_src = 0.0
        a_clamp = 0.0
        for j in range(nx):
            if wall[i, j]:
                continue
            hn = h[i, j] + k * (qx[i, j] - qx[i, j + 1] + qy[i, j] - qy[i + 1, j])
            r = rain[i, j] * dt
            s = source[i, j] * dt / area
            hn += r + s
            a_rain += r
            a_src += s
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
                ux = 0.5 * (qx[i, j] + qx[i, j + 1])
                uy = 0.5 * (qy[i, j] + qy[i + 1, j])
                v = np.sqrt(ux * ux + uy * uy) / hn
                if v > vmax[i, j]:
                    vmax[i, j] = v
        row_hmax[i] = hm
        r_rain[i] = a_rain
        r_loss[i] = a_loss
        r_src[i] = a_src
        r_clamp[i] = a_clamp
    sums[0] = r_rain.sum() * area
    sums[1] = r_loss.sum() * area
    sums[2] = r_src.sum() * area
    sums[3] = r_clamp.sum() * area


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
