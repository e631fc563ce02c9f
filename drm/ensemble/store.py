"""Ensemble outputs on disk: one folder per member, written as soon as it finishes, and a manifest.

Layout of an ensemble folder::

    manifest.json                the plan (scenario, members, seeds, keys) and each member's status
    members/m0003/rain.nc        the member's rain (its input)
    members/m0003/flood.nc       maximum depth and velocity, arrival time (y, x)
    members/m0003/points.csv     depth (m) at the warning points over time
    members/m0003/summary.json   the run's summary, with the member's spec and outcomes
    members/m0003/zones.csv, centres.csv, shelter_items.csv
    members/m0003/done.json      completion marker, written last

Every file is written atomically (a temporary file, then a rename), and
``done.json`` only after all the others, so a member is finished exactly when
its marker exists. The marker holds the member's *key*, a hash of everything
its results depend on (scenario settings, input file contents, the member's
seed and perturbation, warning points, drm version and flood solver source);
a rerun skips a member whose marker has the key it would have now.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from drm._version import __version__
from drm.grids import check_grid
from drm.io import write_grid, write_json, write_table
from drm.scenario.cache import digest, solver_digest
from drm.warning import flood_series

if TYPE_CHECKING:
    from drm.ensemble.members import MemberSpec
    from drm.scenario.result import ScenarioResult
    from drm.scenario.schema import Scenario

__all__ = [
    "MANIFEST",
    "clear_member",
    "finished",
    "member_dir",
    "member_key",
    "member_outcomes",
    "read_manifest",
    "write_manifest",
    "write_member",
]

MANIFEST = "manifest.json"
_DONE = "done.json"
#: Flood variables kept per member (the full frames stay in the run's scratch cache).
_FLOOD_VARS = ("elevation", "max_depth", "max_velocity", "arrival_time")
#: Tables kept per member.
_TABLES = ("zones", "centres", "shelter_items", "protocol")


def member_dir(out_dir: str | os.PathLike[str], index: int) -> Path:
    """The folder of member ``index`` (``members/m0003``).

    Examples
    --------
    >>> member_dir("results/ensemble", 3).as_posix()
    'results/ensemble/members/m0003'
    """
    return Path(out_dir) / "members" / f"m{index:04d}"


def member_key(
    scenario: Scenario, spec: MemberSpec, input_hashes: dict[str, str], points: Any
) -> str:
    """Hash of everything a member's results depend on (16 hex digits).

    Parameters
    ----------
    scenario : Scenario
        The ensemble's scenario (its ``[ensemble]`` section and file location
        do not enter: they do not change a member's results).
    spec : MemberSpec
        The member.
    input_hashes : dict
        SHA-256 of every input file by name (and of the ensemble file).
    points : pandas.DataFrame or None
        Warning points (None: the candidate centres).

    Examples
    --------
    >>> from drm.ensemble.members import MemberSpec
    >>> from drm.scenario import load_scenario
    >>> sc = load_scenario("valle_alto")
    >>> a = member_key(sc, MemberSpec(0, seed=1), {"hazard.dem": "0f3a"}, None)
    >>> len(a), a == member_key(sc, MemberSpec(0, seed=2), {"hazard.dem": "0f3a"}, None)
    (16, False)
    """
    settings = {k: v for k, v in scenario.to_dict().items() if k not in ("ensemble", "source")}
    pts = None if points is None else points[["x", "y"]].reset_index().to_dict("list")
    return digest(settings, input_hashes, spec.as_dict(), pts, __version__, solver_digest())


def finished(folder: Path, key: str) -> dict[str, Any] | None:
    """The completion record of a member folder if it finished with this key, else None."""
    marker = folder / _DONE
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if record.get("key") == key else None


def clear_member(folder: Path) -> None:
    """Forget a member's earlier outputs before it runs again (the marker first).

    Also removes what a run stopped mid-member left: its scratch cache and the
    temporary files of unfinished atomic writes (``.<name>.<random>.tmp``).
    """
    (folder / _DONE).unlink(missing_ok=True)
    shutil.rmtree(folder / ".cache", ignore_errors=True)
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _nan(value: Any) -> float:
    return float("nan") if value is None else float(value)


def member_outcomes(result: ScenarioResult) -> dict[str, float]:
    """The numbers an ensemble compares across members, from one run.

    ``persons_at_risk``; ``order_time_s`` and ``first_arrival_s`` (s after
    the start); ``flooded_area_m2`` (maximum depth at or above the arrival
    depth); ``clearance_time_s``, ``persons_safe``, ``persons_caught``,
    ``persons_no_space``, ``persons_stranded`` (NaN without an evacuation);
    ``peak_occupancy_persons`` (all centres together at their fullest);
    ``needs_unmet_share`` (unmet over demand, averaged over the items asked
    for) and ``unmet_<item>`` (item units over the shelter days); NaN
    without shelter operations.
    """
    s = result.summary
    ev = s.get("evacuation") or {}
    md = result.flood.ds["max_depth"]
    cell = check_grid(md, "max_depth").dx ** 2
    depth = np.nan_to_num(np.asarray(md.values, dtype=float))
    out = {
        "persons_at_risk": float(s["exposure"]["persons_at_risk"]),
        "order_time_s": _nan(s["warning"]["order_time_s"]),
        "first_arrival_s": _nan(s["warning"]["first_arrival_s"]),
        "flooded_area_m2": float((depth >= result.scenario.hazard.arrival_depth_m).sum() * cell),
    }
    for k in (
        "clearance_time_s",
        "persons_safe",
        "persons_caught",
        "persons_no_space",
        "persons_stranded",
    ):
        out[k] = _nan(ev.get(k))
    ops = result.operations
    if ops is not None:
        occ = ops.ds["occupancy"]
        out["peak_occupancy_persons"] = float(occ.sum([d for d in occ.dims if d != "time"]).max())
    else:
        out["peak_occupancy_persons"] = float("nan")
    items = (s.get("shelter") or {}).get("items") or {}
    shares = [row["unmet"] / row["demand"] for row in items.values() if row["demand"] > 0]
    out["needs_unmet_share"] = float(np.mean(shares)) if shares else float("nan")
    for item, row in items.items():
        out[f"unmet_{item}"] = float(row["unmet"])
    return out


def _peak_rss_mib() -> float | None:
    """Peak resident memory of this (worker) process so far, MiB; None where unknown."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (2.0**20 if sys.platform == "darwin" else 1024.0)


def write_member(
    result: ScenarioResult,
    folder: Path,
    spec: MemberSpec,
    key: str,
    points: pd.DataFrame | None,
    wall_s: float,
) -> dict[str, Any]:
    """Write one finished member's outputs, then its completion marker; return the marker's record.

    Parameters
    ----------
    result : ScenarioResult
        The member's run.
    folder : pathlib.Path
        Its folder (from :func:`member_dir`).
    spec : MemberSpec
        The member.
    key : str
        Its key (:func:`member_key`).
    points : pandas.DataFrame or None
        Warning points with ``x``, ``y`` (m); None: the candidate centres.
    wall_s : float
        Computing time of the member (s).

    Returns
    -------
    dict
        ``member``, ``key``, ``seed``, ``spec``, ``outcomes``, ``wall_s``,
        ``peak_rss_mib`` (of the process that ran it, so far), ``files``.
    """
    ds = result.flood.ds
    files = {"flood": write_grid(ds[[v for v in _FLOOD_VARS if v in ds]], folder / "flood.nc")}
    pts = points if points is not None else result.centres[["x", "y"]]
    files["points"] = write_table(flood_series(result.flood, pts), folder / "points.csv")
    outcomes = member_outcomes(result)
    record = {
        "member": spec.index,
        "key": key,
        "seed": spec.seed,
        "spec": spec.as_dict(),
        "outcomes": outcomes,
        "wall_s": wall_s,
        "peak_rss_mib": _peak_rss_mib(),
    }
    files["summary"] = write_json({**result.summary, "member": record}, folder / "summary.json")
    for stem, table in result.tables().items():
        if stem in _TABLES:
            files[stem] = write_table(table, folder / f"{stem}.csv")
    record["files"] = {k: v.name for k, v in files.items()}
    write_json(record, folder / _DONE)
    return record


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json`` atomically."""
    return write_json(manifest, out_dir / MANIFEST)


def read_manifest(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an ensemble folder's ``manifest.json``.

    Raises
    ------
    DataNotFoundError
        The folder holds no ensemble.
    """
    from drm.errors import DataNotFoundError

    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise DataNotFoundError(
            f"{path} not found: {out_dir} holds no ensemble; run `drm ensemble SCENARIO --out {out_dir}` first"
        )
    return json.loads(path.read_text(encoding="utf-8"))
