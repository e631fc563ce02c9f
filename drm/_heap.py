"""A binary min-heap of (key, value) pairs in two preallocated arrays (numba, private).

Shared by the priority-flood (terrain), the CCRP search and the time-dependent
Dijkstra of the evacuation simulation. The caller owns the arrays and the
item count: after :func:`heap_push` it adds one, after :func:`heap_pop` it
subtracts one.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def heap_push(keys, vals, size, key, val):
    """Insert ``(key, val)`` into a heap holding ``size`` items."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        vals[i] = vals[parent]
        i = parent
    keys[i] = key
    vals[i] = val


@njit(cache=True)
def heap_pop(keys, vals, size):
    """Remove the smallest item of a heap holding ``size`` items; return its value."""
    top = vals[0]
    size -= 1
    last_k = keys[size]
    last_v = vals[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= last_k:
            break
        keys[i] = keys[child]
        vals[i] = vals[child]
        i = child
    keys[i] = last_k
    vals[i] = last_v
    return top
