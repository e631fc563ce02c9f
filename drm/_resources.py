"""Where the built-in scenarios and sample data live.

In a source checkout they are the repository's ``scenarios/`` and
``hazard_data/`` folders; an installed wheel carries copies under
``drm/_builtin/``. :func:`builtin_path` finds them either way.
"""

from __future__ import annotations

from pathlib import Path

from drm.errors import DataNotFoundError

__all__ = ["builtin_path", "builtin_root"]

_PACKAGE = Path(__file__).resolve().parent


def builtin_root() -> Path:
    """Return the folder holding ``scenarios/`` and ``hazard_data/``.

    The wheel's ``drm/_builtin`` wins; otherwise the source tree's root.

    Raises
    ------
    DataNotFoundError
        If neither exists (a broken installation).
    """
    for root in (_PACKAGE / "_builtin", _PACKAGE.parent):
        if (root / "scenarios").is_dir():
            return root
    raise DataNotFoundError(
        "drm's built-in scenarios were not found; reinstall drm (pip install --force-reinstall drm)"
    )


def builtin_path(relative: str) -> Path:
    """Return the path of a built-in file, e.g. ``"hazard_data/valle_alto/dem.nc"``.

    Parameters
    ----------
    relative : str
        Path relative to the folder holding ``scenarios/`` and ``hazard_data/``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataNotFoundError
        If the file does not exist.

    Examples
    --------
    >>> builtin_path("scenarios/valle_alto.toml").name
    'valle_alto.toml'
    """
    p = builtin_root() / relative
    if not p.exists():
        raise DataNotFoundError(f"built-in file {relative!r} not found under {builtin_root()}")
    return p
