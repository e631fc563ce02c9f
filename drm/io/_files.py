"""File plumbing shared by the readers and writers: paths, formats, atomic writes."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drm.errors import DataNotFoundError, InputError

__all__ = [
    "RUN_MANIFEST",
    "atomic_path",
    "file_format",
    "read_run_manifest",
    "read_text",
    "resolve_input",
    "write_json",
    "write_table",
]

#: The manifest ``drm run`` writes into its output folder: the scenario and every file it wrote.
RUN_MANIFEST = "drm-manifest.json"

_FORMATS = {
    ".nc": "netcdf",
    ".nc4": "netcdf",
    ".cdf": "netcdf",
    ".netcdf": "netcdf",
    ".asc": "asc",
    ".tif": "geotiff",
    ".tiff": "geotiff",
    ".geojson": "geojson",
    ".json": "geojson",
    ".graphml": "graphml",
    ".osm": "osm",
    ".xml": "osm",
    ".csv": "csv",
    ".tsv": "csv",
    ".toml": "toml",
}


def resolve_input(path: str | os.PathLike[str], what: str) -> Path:
    """Return ``path`` as a Path after checking that it is an existing file.

    Raises
    ------
    DataNotFoundError
        If the path does not exist or is a directory, naming ``what`` it should be.
    """
    p = Path(path).expanduser()
    if not p.exists():
        parent = p.parent if str(p.parent) else Path(".")
        hint = ""
        if parent.is_dir():
            close = sorted(q.name for q in parent.iterdir() if q.suffix == p.suffix)[:5]
            if close:
                hint = f"; files with that extension there: {', '.join(close)}"
        raise DataNotFoundError(f"{what} file not found: {p}; check the path{hint}")
    if p.is_dir():
        raise DataNotFoundError(f"{what} path {p} is a folder; give the file inside it")
    return p


def file_format(path: Path, allowed: tuple[str, ...], what: str) -> str:
    """Return the format of ``path`` from its extension, checking it is one of ``allowed``.

    ``.bz2`` and ``.gz`` compressions are looked through (``roads.osm.bz2`` is OSM).
    """
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".bz2", ".gz"):
        suffixes = suffixes[:-1]
    fmt = _FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt not in allowed:
        exts = sorted(k for k, v in _FORMATS.items() if v in allowed)
        raise InputError(
            f"{path}: unknown {what} format {''.join(path.suffixes) or '(no extension)'!r}; "
            f"drm reads {', '.join(exts)}"
        )
    return fmt


def read_text(path: Path) -> tuple[str, str]:
    r"""Return the text of a file as a ministry or a spreadsheet writes it, and the encoding used.

    UTF-16 with a byte-order mark (a spreadsheet's "Unicode text") is read as such; anything
    else is tried as UTF-8 (with or without a BOM) first, then as Windows-1252 / Latin-1, so
    ``"Ña Ramón"`` reads right whichever of them wrote it.

    Parameters
    ----------
    path : pathlib.Path
        An existing text file.

    Returns
    -------
    text : str
        The decoded text (without a BOM).
    encoding : str
        ``"utf-16"``, ``"utf-8-sig"``, ``"cp1252"`` or ``"latin-1"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("nombre\nÑa Ramón\n".encode("cp1252"))
    >>> read_text(p)
    ('nombre\nÑa Ramón\n', 'cp1252')
    """
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: plain Latin-1
        return data.decode("latin-1"), "latin-1"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only on success.

    A reader never sees a half-written file, and an error leaves any previous
    file untouched.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder is created if needed.

    Yields
    ------
    pathlib.Path
        A temporary file in the same folder, to write to; it replaces ``path``
        when the ``with`` block ends without an error, and is deleted otherwise.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o644)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers and NaN/inf as None, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(x) for x in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``data`` as indented UTF-8 JSON, atomically.

    Parameters
    ----------
    data : dict
        Plain data; numpy scalars become numbers and NaN or infinite floats
        ``null`` (JSON has neither).
    path : str or path-like
        The file to write (its folder is created).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> p = write_json({"depth_m": np.float64(0.5), "arrival_s": float("nan")},
    ...                pathlib.Path(tempfile.mkdtemp()) / "s.json")
    >>> json.loads(p.read_text())
    {'depth_m': 0.5, 'arrival_s': None}
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(
            json.dumps(_plain(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return target


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as UTF-8 CSV with its index, atomically.

    Parameters
    ----------
    df : pandas.DataFrame
        The table; units belong in its column names (``depth_m``).
    path : str or path-like
        Where the CSV goes; missing folders are made.

    Returns
    -------
    pathlib.Path
        The file written (``path``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_table(pd.DataFrame({"persons": [3]}, index=pd.Index(["Z1"], name="zone")),
    ...                 pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text().splitlines()
    ['zone,persons', 'Z1,3']
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        df.to_csv(tmp, encoding="utf-8")
    return target


def read_run_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of the run that wrote ``folder`` (None without one; unreadable: an empty one).

    Examples
    --------
    >>> import tempfile
    >>> read_run_manifest(tempfile.mkdtemp()) is None
    True
    """
    path = Path(folder) / RUN_MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"scenario": {"name": "?", "source": "?"}, "files": []}
