"""Numba kernels for terrain analysis on padded, flattened arrays.

Every kernel works on a grid padded with a one-cell border of nodata and
flattened in C order, so the eight neighbours of cell ``i`` are ``i + off[k]``
without bounds checks (see :func:`neighbour_offsets`). The public functions in
:mod:`drm.hazard.terrain` do the padding, checking and georeferencing.

D8 codes are powers of two, ``code = 1 << k`` with ``k`` the neighbour index
0..7 = E, SE, S, SW, W, NW, N, NE (row 0 is north); 0 marks an outlet and
255 nodata. Kernels that meet a broken input return the flat index of the
first offending cell (``-1`` when all is well) so the caller can name it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from drm._heap import heap_pop, heap_push

OUTLET = np.uint8(0)
UNSEEN = np.uint8(254)
NODATA = np.uint8(255)
DONE = np.uint8(255)

_INV_SQRT2 = 1.0 / np.sqrt(2.0)
#: Inverse distance to each neighbour, in cell sizes (E, SE, S, SW, W, NW, N, NE).
INV_DIST = np.array([1.0, _INV_SQRT2, 1.0, _INV_SQRT2, 1.0, _INV_SQRT2, 1.0, _INV_SQRT2])

#: Neighbour index of each D8 code; -1 for codes that are not a direction.
CODE_TO_K = np.full(256, -1, dtype=np.int8)
for _k in range(8):
    CODE_TO_K[1 << _k] = _k


@njit(cache=True)
def neighbour_offsets(width: int) -> np.ndarray:
    """Flat-index offsets of the eight neighbours E, SE, S, SW, W, NW, N, NE."""
    w = np.int64(width)
    return np.array([1, w + 1, w, w - 1, -1, -w - 1, -w, -w + 1], dtype=np.int64)


# ---------------------------------------------------------------- flooding


@njit(cache=True)
def _init_codes(z, width, seeds):
    """Mark nodata and seeds; return the codes and the seed list.

    With an empty ``seeds`` every valid cell touching nodata (the padding
    included) is a seed.
    """
    n = z.size
    off = neighbour_offsets(width)
    code = np.empty(n, dtype=np.uint8)
    for i in range(n):
        code[i] = NODATA if np.isnan(z[i]) else UNSEEN
    if seeds.size > 0:
        for s in seeds:
            code[s] = OUTLET
        return code, seeds
    count = 0
    for i in range(n):
        if code[i] != NODATA:
            for k in range(8):
                if code[i + off[k]] == NODATA:
                    code[i] = OUTLET
                    count += 1
                    break
    found = np.empty(count, dtype=np.int64)
    count = 0
    for i in range(n):
        if code[i] == OUTLET:
            found[count] = i
            count += 1
    return code, found


@njit(cache=True)
def flood(z, width, seeds):
    """Fill depressions in place (priority-flood) and record flood parents.

    A variant of the priority-flood of Barnes, Lehman & Mulla (2014) in the
    manner of Zhou, Sun & Fu (2016). Each cell popped from the heap starts a
    wave through a FIFO queue. In a wave, a cell at the popped level closes
    every unclosed neighbour, raising lower ones to the level (they drain
    through it); a cell above the level closes only its neighbours that are
    not lower than itself, whose filled elevation is their own (a path never
    above them leads to an outlet). After the wave, the cells still touching
    an unclosed lower cell wait in the heap for their level. Only these and
    the seeds go through the heap, so most cells never do.

    Parameters
    ----------
    z : float64 array
        Padded, flattened elevations (NaN = nodata); overwritten with the
        filled surface.
    width : int
        Row length of the padded grid.
    seeds : int64 array
        Outlet cells; empty for "every cell touching nodata".

    Returns
    -------
    code : uint8 array
        For every closed cell, the D8 code pointing to the cell that closed
        it; ``OUTLET`` at seeds, ``NODATA`` at nodata and ``UNSEEN`` where no
        outlet could be reached.
    """
    off = neighbour_offsets(width)
    code, seed_list = _init_codes(z, width, seeds)
    keys = np.empty(z.size, dtype=np.float64)
    vals = np.empty(z.size, dtype=np.int64)
    size = 0
    for s in seed_list:
        heap_push(keys, vals, size, z[s], s)
        size += 1
    # each cell enters the queue once; cells waiting for the heap are noted
    # in the already consumed front part of the same array
    queue = np.empty(z.size, dtype=np.int64)
    while size > 0:
        c = heap_pop(keys, vals, size)
        size -= 1
        level = z[c]
        head = 0
        tail = 0
        waiting = 0
        for k in range(8):
            nb = c + off[k]
            if code[nb] == UNSEEN:
                code[nb] = np.uint8(1 << ((k + 4) & 7))
                if z[nb] < level:
                    z[nb] = level
                queue[tail] = nb
                tail += 1
        while head < tail:
            p = queue[head]
            head += 1
            zp = z[p]
            if zp <= level:
                for k in range(8):
                    nb = p + off[k]
                    if code[nb] == UNSEEN:
                        code[nb] = np.uint8(1 << ((k + 4) & 7))
                        if z[nb] < zp:
                            z[nb] = zp
                        queue[tail] = nb
                        tail += 1
            else:
                lower = False
                for k in range(8):
                    nb = p + off[k]
                    if code[nb] == UNSEEN:
                        if z[nb] >= zp:
                            code[nb] = np.uint8(1 << ((k + 4) & 7))
                            queue[tail] = nb
                            tail += 1
                        else:
                            lower = True
                if lower:
                    queue[waiting] = p
                    waiting += 1
        for e in range(waiting):
            p = queue[e]
            for k in range(8):
                if code[p + off[k]] == UNSEEN:
                    heap_push(keys, vals, size, z[p], p)
                    size += 1
                    break
    return code


@njit(cache=True)
def flood_epsilon(z, width, seeds):
    """Priority-flood+epsilon (Barnes, Lehman & Mulla 2014, Algorithm 3), in place.

    Every raised or flat cell ends one floating-point step (``nextafter``)
    above the cell it drains to, so the filled surface has no flats. Returns
    the codes as :func:`flood` does.
    """
    off = neighbour_offsets(width)
    code, seed_list = _init_codes(z, width, seeds)
    keys = np.empty(z.size, dtype=np.float64)
    vals = np.empty(z.size, dtype=np.int64)
    size = 0
    for s in seed_list:
        heap_push(keys, vals, size, z[s], s)
        size += 1
    pit = np.empty(z.size, dtype=np.int64)
    head = 0
    tail = 0
    while size > 0 or head < tail:
        if head < tail:
            c = pit[head]
            head += 1
        else:
            c = heap_pop(keys, vals, size)
            size -= 1
            head = 0
            tail = 0
        step = np.nextafter(z[c], np.inf)
        for k in range(8):
            nb = c + off[k]
            if code[nb] == UNSEEN:
                code[nb] = np.uint8(1 << ((k + 4) & 7))
                if z[nb] <= step:
                    z[nb] = step
                    pit[tail] = nb
                    tail += 1
                else:
                    heap_push(keys, vals, size, z[nb], nb)
                    size += 1
    return code


@njit(cache=True)
def steepest_descent(z, code, width, keep_outlets):
    """Point every cell with a lower neighbour to its steepest descent, in place.

    The slope to neighbour ``k`` is ``(z[i] - z[nb]) * INV_DIST[k]``; the first
    strictly largest in the order E, SE, S, SW, W, NW, N, NE wins. Cells with
    no lower neighbour keep their code (the flood parent on flats, ``OUTLET``
    at seeds). With ``keep_outlets`` seeds stay outlets.
    """
    off = neighbour_offsets(width)
    for i in range(z.size):
        c = code[i]
        if c == NODATA or (keep_outlets and c == OUTLET):
            continue
        zi = z[i]
        best = 0.0
        best_k = -1
        for k in range(8):
            drop = zi - z[i + off[k]]  # NaN (nodata) never compares greater
            if drop > 0.0:
                slope = drop * INV_DIST[k]
                if slope > best:
                    best = slope
                    best_k = k
        if best_k >= 0:
            code[i] = np.uint8(1 << best_k)


# ---------------------------------------------------------------- accumulation


@njit(cache=True)
def accumulate(code, width, acc):
    """Add every cell's value to all cells downstream of it, in place.

    Topological order from the donor counts: a cell passes its total on once
    all its donors have passed theirs; nodata cells end as NaN. With an empty
    ``acc`` the codes are only checked. Returns the index of the first bad
    cell (a code that is no D8 code or points into nodata) or of a cell on a
    cycle (never finished), or -1.
    """
    off = neighbour_offsets(width)
    counts = np.zeros(code.size, dtype=np.uint8)
    for i in range(code.size):
        c = code[i]
        if c in (NODATA, OUTLET):
            continue
        k = CODE_TO_K[c]
        if k < 0 or code[i + off[k]] == NODATA:
            return i
        counts[i + off[k]] += 1
    add = acc.size > 0
    for i in range(code.size):
        if code[i] == NODATA or counts[i] != 0:
            continue
        j = i
        while True:
            counts[j] = DONE
            c = code[j]
            if c == OUTLET:
                break
            nxt = j + off[CODE_TO_K[c]]
            if add:
                acc[nxt] += acc[j]
            counts[nxt] -= 1
            if counts[nxt] != 0:
                break
            j = nxt
    for i in range(code.size):
        if code[i] == NODATA:
            if add:
                acc[i] = np.nan
        elif counts[i] != DONE:
            return i
    return -1


@njit(cache=True)
def strahler(code, width, stream):
    """Strahler order of stream cells (0 elsewhere).

    Sources (stream cells without stream donors) have order 1; where two or
    more tributaries of the highest incoming order meet, the order grows by
    one, otherwise it carries on. A stream ends where its next cell is an
    outlet or not a stream cell. ``code`` must be free of cycles.
    """
    off = neighbour_offsets(width)
    n = code.size
    counts = np.zeros(n, dtype=np.uint8)
    for i in range(n):
        if stream[i] and code[i] != OUTLET:
            nxt = i + off[CODE_TO_K[code[i]]]
            if stream[nxt]:
                counts[nxt] += 1
    order = np.zeros(n, dtype=np.uint8)
    top = np.zeros(n, dtype=np.uint8)  # highest incoming order
    ntop = np.zeros(n, dtype=np.uint8)  # number of tributaries with that order
    for i in range(n):
        if not stream[i] or counts[i] != 0:
            continue
        j = i
        while True:
            counts[j] = DONE
            if ntop[j] == 0:
                order[j] = 1
            elif ntop[j] >= 2:
                order[j] = top[j] + 1
            else:
                order[j] = top[j]
            c = code[j]
            if c == OUTLET:
                break
            nxt = j + off[CODE_TO_K[c]]
            if not stream[nxt]:
                break
            if order[j] > top[nxt]:
                top[nxt] = order[j]
                ntop[nxt] = 1
            elif order[j] == top[nxt]:
                ntop[nxt] += 1
            counts[nxt] -= 1
            if counts[nxt] != 0:
                break
            j = nxt
    return order


# ---------------------------------------------------------------- HAND, catchments


@njit(cache=True)
def drain_elevation(code, width, z, drain):
    """Elevation of the first drainage cell downstream of every cell (NaN if none).

    Follows each flow path once: cells on a path are stacked until a cell
    whose answer is known, then unstacked with that answer.
    """
    off = neighbour_offsets(width)
    n = code.size
    out = np.full(n, np.nan)
    known = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    for i in range(n):
        if code[i] == NODATA or known[i]:
            continue
        top = 0
        j = i
        value = np.nan
        while True:
            if known[j]:
                value = out[j]
                break
            if drain[j]:
                value = z[j]
                out[j] = value
                known[j] = True
                break
            stack[top] = j
            top += 1
            c = code[j]
            if c == OUTLET:
                break
            j = j + off[CODE_TO_K[c]]
        for s in range(top):
            out[stack[s]] = value
            known[stack[s]] = True
    return out


@njit(cache=True)
def upstream_mask(code, width, target):
    """Boolean mask of the cells whose flow passes through ``target``."""
    off = neighbour_offsets(width)
    mask = np.zeros(code.size, dtype=np.bool_)
    queue = np.empty(code.size, dtype=np.int64)
    mask[target] = True
    queue[0] = target
    head = 0
    tail = 1
    while head < tail:
        p = queue[head]
        head += 1
        for k in range(8):
            nb = p + off[k]
            if code[nb] == np.uint8(1 << ((k + 4) & 7)) and not mask[nb]:
                mask[nb] = True
                queue[tail] = nb
                tail += 1
    return mask
