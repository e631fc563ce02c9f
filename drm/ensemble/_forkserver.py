"""Imported only by the fork server of the ensemble's worker processes (see ``executors.worker_context``).

Compiling one trivial function sets up numba's CPU target (LLVM and the type
registries, about half a second), so that every worker forked from the
server starts with that done. Nothing parallel runs here, so the fork copies
no thread.
"""

import numba


@numba.njit(cache=False)
def _plus_one(x: float) -> float:
    return x + 1.0


_plus_one.compile("(float64,)")
