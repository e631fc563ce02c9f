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
    "ArgumentError",
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


class ArgumentError(InputError, TypeError):
    """An argument of a public function has the wrong type (the message names it and the fix)."""


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


def warn(message: str, category: type[Warning] = DrmWarning) -> None:
    """Warn the user, pointing at the first line of the call stack outside drm.

    drm's functions call each other at varying depths (and the public ones go
    through :mod:`drm._args`), so a fixed ``stacklevel`` would point inside drm;
    this one points at the user's own line: their notebook cell or script.

    Parameters
    ----------
    message : str
        What is odd, and what was done about it.
    category : type of Warning
        :class:`DrmWarning` unless stated.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("3 wet bridges have no clearance_m")
    >>> caught[0].category.__name__, str(caught[0].message)
    ('DrmWarning', '3 wet bridges have no clearance_m')
    """
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
