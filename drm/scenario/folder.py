"""The output folder of a run: checked before the run, never mixed with another run's files.

Before anything is computed, :func:`prepare_output` checks that the folder can
be written (not a file, not read-only) and that it holds no other scenario's
results; it then puts an ``INCOMPLETE`` marker in it, which stays until the
run has written everything; the marker names the scenario, so a run stopped
before its manifest (killed, a crash, a power cut) is simply run again into the
same folder, no ``--overwrite`` needed. :func:`finish_output` writes the
manifest (``drm-manifest.json``: the scenario and every file this run wrote, by its
path in the folder, with its size and SHA-256), removes the files an earlier run of the same scenario wrote
that this one did not, and removes the marker. Files drm did not write are
never touched: ``--overwrite`` (``overwrite=True``) clears only the files an
earlier manifest lists, or, without a manifest, files with the names drm gives
its outputs.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from drm.errors import InputError
from drm.io import write_json
from drm.io._files import RUN_MANIFEST, read_run_manifest
from drm.scenario.inputs import file_sha256
from drm.scenario.schema import Scenario

__all__ = ["MANIFEST", "MARKER", "finish_output", "prepare_output"]

#: The manifest drm writes into every output folder.
MANIFEST = RUN_MANIFEST
#: The marker that stays in a folder while a run writes into it (and after a crash).
MARKER = "INCOMPLETE"
#: Names drm gives its outputs, to recognise a folder written before manifests existed.
_OUTPUT_NAMES = re.compile(
    r"^(summary\.json|map_layers\.json|report\.html|flood\.nc|drm\.gpkg|[a-z_0-9]+\.(csv|png|tif|geojson))$"
)


def _identity(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "source": str(scenario.source) if scenario.source is not None else None,
    }


def prepare_output(
    folder: str | os.PathLike[str], scenario: Scenario, *, overwrite: bool = False
) -> Path:
    """Check an output folder before a run and mark it incomplete.

    Parameters
    ----------
    folder : str or path-like
        The output folder (created when missing).
    scenario : Scenario
        The scenario about to run.
    overwrite : bool
        Clear another run's drm outputs first instead of refusing.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    InputError
        The path is a file, cannot be created or written, or holds another
        scenario's results and ``overwrite`` is False.

    Examples
    --------
    >>> import pathlib, tempfile, drm
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> prepare_output(out, drm.load_scenario("valle_alto")).name, (out / MARKER).exists()
    ('run', True)
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise InputError(f"output folder {out} is a file; give a folder (--out DIR)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(
            f"cannot create the output folder {out} ({err.strerror}); choose another --out"
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(
            f"output folder {out} is not writable; choose another --out or fix its permissions"
        )
    manifest = read_run_manifest(out)
    ours = _identity(scenario)
    if manifest is not None and manifest.get("scenario") != ours:
        other = manifest.get("scenario", {}).get("name", "?")
        if not overwrite:
            raise InputError(
                f"output folder {out} holds the results of another scenario ({other!r}); choose "
                "another --out, or pass --overwrite to replace them (only drm's files are removed)"
            )
        _remove(out, [out / f for f in manifest.get("files", [])] + [out / MANIFEST])
    elif manifest is None:
        found = sorted(p for p in out.iterdir() if p.is_file() and _OUTPUT_NAMES.match(p.name))
        # a run of this scenario stopped here before its manifest: run it again, no --overwrite
        stopped = _marker_scenario(out) == ours
        if found and not overwrite and not stopped:
            raise InputError(
                f"output folder {out} already holds outputs drm did not record ({found[0].name}, "
                f"{len(found)} files); choose another --out, or pass --overwrite to replace them"
            )
        if overwrite:
            _remove(out, found)
    for stale in out.glob("*.tmp"):  # left by a run that was killed while writing
        stale.unlink(missing_ok=True)
    (out / MARKER).write_text(
        f"drm is writing the outputs of {scenario.name!r} here; if this file stays, the run stopped "
        "before the end and the folder is incomplete\n"
        f"{_MARKER_KEY}{json.dumps(ours, ensure_ascii=False)}\n",
        encoding="utf-8",
    )
    return out


#: The line of the marker that names the scenario writing into the folder.
_MARKER_KEY = "scenario: "


def _marker_scenario(folder: Path) -> dict[str, Any] | None:
    """The scenario named in the folder's ``INCOMPLETE`` marker (None: no marker, or unreadable)."""
    try:
        lines = (folder / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        if line.startswith(_MARKER_KEY):
            try:
                found = json.loads(line[len(_MARKER_KEY) :])
            except ValueError:
                return None
            return found if isinstance(found, dict) else None
    return None


def _remove(folder: Path, paths: list[Path]) -> None:
    for p in paths:
        if p.resolve().is_relative_to(folder.resolve()) and p.is_file():
            p.unlink()


def finish_output(folder: Path, scenario: Scenario, files: dict[str, Path]) -> Path:
    """Write the manifest of a finished run, drop its own stale files and the marker.

    Parameters
    ----------
    folder : pathlib.Path
        The output folder given to :func:`prepare_output`.
    scenario : Scenario
        The scenario that ran.
    files : dict of str to pathlib.Path
        Every file the run wrote (inside ``folder``).

    Returns
    -------
    pathlib.Path
        The manifest (``drm-manifest.json``).
    """
    out = Path(folder)
    root = out.resolve()
    names = sorted(  # relative to the folder, "/"-separated: "zones.csv", "cap/drm-x-3-1.xml"
        {
            Path(p).resolve().relative_to(root).as_posix()
            for p in files.values()
            if Path(p).resolve().is_relative_to(root)
        }
    )
    before = read_run_manifest(out)
    if before is not None:  # an earlier run of this scenario: what it wrote and this one did not
        _remove(out, [out / f for f in before.get("files", []) if f not in names])
    manifest = {
        "scenario": _identity(scenario),
        "files": names,
        "sizes_bytes": {n: (out / n).stat().st_size for n in names},
        "sha256": {n: file_sha256(out / n) for n in names},
    }
    path = write_json(manifest, out / MANIFEST)
    (out / MARKER).unlink(missing_ok=True)
    return path
