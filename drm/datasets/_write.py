"""Write the sample towns into ``hazard_data/``: the writers and ``python -m drm.datasets``.

:func:`write_valley_town` and :func:`write_real_terrain_town` generate a town and write its
files, by default into ``hazard_data/valle_alto/`` and ``hazard_data/jacksboro/`` of the
source checkout drm runs from; :func:`_main` is the command that regenerates them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from drm.datasets.kettle_ford import real_terrain_town
from drm.datasets.valle_alto import valley_town
from drm.errors import InputError


def write_valley_town(
    directory: str | os.PathLike[str] | None = None, seed: int = 0
) -> dict[str, Path]:
    """Generate Valle Alto and write its files (see :meth:`SampleTown.write`).

    Parameters
    ----------
    directory : str or path-like, optional
        Target folder; default: ``hazard_data/valle_alto/`` of the source checkout
        (what ``python -m drm.datasets`` regenerates).
    seed : int
        Seed passed to :func:`valley_town`.

    Returns
    -------
    dict of str to pathlib.Path
        File stem to written path.

    Raises
    ------
    InputError
        If no directory is given and drm is not running from a source checkout.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_valley_town(tempfile.mkdtemp())  # doctest: +SKIP
    >>> paths["dem"].name  # doctest: +SKIP
    'dem.nc'
    """
    target = _checkout_folder("valle_alto", "write_valley_town") if directory is None else directory
    return valley_town(seed).write(target)


def write_real_terrain_town(
    directory: str | os.PathLike[str] | None = None, seed: int = 0
) -> dict[str, Path]:
    """Generate Kettle Ford and write its files (see :meth:`SampleTown.write`).

    Parameters
    ----------
    directory : str or path-like, optional
        Target folder; default: ``hazard_data/jacksboro/`` of the source checkout.
    seed : int
        Seed passed to :func:`real_terrain_town`.

    Returns
    -------
    dict of str to pathlib.Path
        The paths written, keyed by file stem (``dem``, ``rain_100yr``, ...).

    Raises
    ------
    InputError
        Without ``directory`` outside a source checkout (there is no
        ``hazard_data/`` to write into).

    Examples
    --------
    >>> import tempfile
    >>> paths = write_real_terrain_town(tempfile.mkdtemp())  # doctest: +SKIP
    >>> paths["rain_100yr"].name  # doctest: +SKIP
    'rain_100yr.nc'
    """
    target = (
        _checkout_folder("jacksboro", "write_real_terrain_town") if directory is None else directory
    )
    return real_terrain_town(seed).write(target)


def _checkout_folder(name: str, writer: str) -> Path:
    """Return ``hazard_data/<name>`` of the source checkout drm runs from.

    Raises
    ------
    InputError
        If drm does not run from a source checkout (``writer`` names the function to call).
    """
    package = Path(__file__).resolve().parents[1]  # drm/
    root = package.parent
    if not (root / "pyproject.toml").is_file() or not (root / "hazard_data").is_dir():
        raise InputError(
            f"no source checkout around {package} to write hazard_data/{name} into; "
            f"pass a directory, e.g. {writer}('{name}')"
        )
    return root / "hazard_data" / name


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m drm.datasets", description="Regenerate the sample data files."
    )
    parser.add_argument(
        "directory", nargs="?", default=None,
        help="target folder (default: hazard_data/<town> of the source checkout)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--town", choices=("valle_alto", "jacksboro", "all"), default="all",
        help="which sample to write (default: all; a directory needs one town)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.directory is not None and args.town == "all":
        parser.error("give --town valle_alto or --town jacksboro with a directory")
    writers = {"valle_alto": write_valley_town, "jacksboro": write_real_terrain_town}
    for name in writers if args.town == "all" else (args.town,):
        for path in writers[name](args.directory, seed=args.seed).values():
            print(path)
