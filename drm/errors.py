"""Exceptions and warnings raised by drm.

Every error drm raises on purpose is a :class:`DrmError`. The subclasses also
derive from the matching builtin exception, so callers may catch either the drm
type or the builtin one::

    try:
        dem = drm.io.read_dem("dem.nc")
    except FileNotFoundError:  # DataNotFoundError is one
        ...

Messages name the file, field or argument at fault, the value found and how to
fix it. The command line turns a :class:`DrmError` into one line and exit code 2.
"""

from __future__ import annotations

__all__ = [
    "DataNotFoundError",
    "DrmError",
    "DrmWarning",
    "GridError",
    "InputError",
    "MissingDependencyError",
    "RunInterrupted",
    "ScenarioError",
    "SolverError",
    "UnitError",
]


class DrmError(Exception):
    """Base class of every error raised deliberately by drm."""


class InputError(DrmError, ValueError):
    """An input value, file content or argument is invalid."""


class GridError(InputError):
    """A grid breaks drm's grid conventions (dims, spacing, CRS, nodata, alignment)."""


class UnitError(InputError):
    """A unit is missing, unknown or not convertible to the SI unit drm needs."""


class ScenarioError(InputError):
    """A scenario file is invalid; the message lists every problem with its path."""


class DataNotFoundError(DrmError, FileNotFoundError):
    """A file or built-in dataset named by the user does not exist."""


class MissingDependencyError(DrmError, ImportError):
    """An optional dependency needed for this call is not installed."""


class SolverError(DrmError, RuntimeError):
    """A numerical method failed (instability, infeasibility) in a way the user can act on."""


class RunInterrupted(DrmError, KeyboardInterrupt):
    """A run stopped by Ctrl-C (SIGINT) or SIGTERM, its workers stopped; what had finished is kept.

    Also a :class:`KeyboardInterrupt`, so ``except KeyboardInterrupt`` sees it;
    being a :class:`DrmError`, ``drm`` prints it as one line with exit code 2.
    """


class DrmWarning(UserWarning):
    """A recoverable oddity in the inputs or results (e.g. an unreachable origin)."""


def missing_dependency(package: str, extra: str, purpose: str) -> MissingDependencyError:
    """Build the error raised when an optional package is absent.

    Parameters
    ----------
    package : str
        Import name of the missing package, e.g. ``"rioxarray"``.
    extra : str
        drm extra that installs it, e.g. ``"geo"``.
    purpose : str
        What the user tried to do, e.g. ``"reading GeoTIFF files"``.

    Returns
    -------
    MissingDependencyError
        The error, ready to be raised.

    Examples
    --------
    >>> err = missing_dependency("rioxarray", "geo", "reading GeoTIFF files")
    >>> "pip install 'drm[geo]'" in str(err)
    True
    """
    return MissingDependencyError(
        f"{purpose} needs the optional package '{package}', which is not installed; "
        f"install it with: pip install 'drm[{extra}]'"
    )
