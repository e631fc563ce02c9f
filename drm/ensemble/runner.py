"""Run an ensemble: plan the members, run those not finished yet, aggregate from disk, report.

:func:`run_ensemble` is the entry point of ``drm ensemble`` and of
notebooks. It checks the scenario's inputs once, plans the members (seeds,
perturbations, keys), skips those already finished in the output folder, runs
the others where it is told (:mod:`drm.ensemble.executors`), then reads the
members back to compute the aggregates (:mod:`drm.ensemble.aggregate`) and
writes them with the ensemble report.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from drm._version import __version__
from drm.ensemble import aggregate
from drm.ensemble.executors import (
    Finished,
    MemberTask,
    available_cores,
    check_scheduler,
    run_dask,
    run_processes,
    run_serial,
)
from drm.ensemble.members import Perturbation, ensemble_size, member_specs
from drm.ensemble.result import EnsembleResult
from drm.ensemble.store import finished, member_dir, member_key, write_manifest
from drm.errors import InputError, RunInterrupted
from drm.grids import get_crs
from drm.io import write_grid, write_table
from drm.scenario.inputs import file_sha256, load_inputs
from drm.scenario.schema import Scenario, load_scenario

__all__ = ["run_ensemble"]

log = logging.getLogger("drm")


def _whole(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InputError(f"{name} must be a whole number >= {low}, got {value!r}")
    return int(value)


def _members(members: Any, sc: Scenario) -> tuple[int, Path | None]:
    """Number of members and the ensemble file they come from (None: perturbed forecast)."""
    if isinstance(members, str | os.PathLike):
        path = Path(members)
        return ensemble_size(path), path
    n = sc.ensemble.members if members is None else _whole(members, "members", 1)
    source = sc.ensemble.rainfall
    if source is not None:
        available = ensemble_size(source)
        if n > available:
            raise InputError(
                f"members = {n}, but the rainfall ensemble {source} has {available}; ask for at most {available}"
            )
    return n, source


def _points(points: Any) -> pd.DataFrame | None:
    if points is None:
        return None
    if isinstance(points, Mapping):
        xy = np.array([tuple(v) for v in points.values()], dtype=float).reshape(-1, 2)
        points = pd.DataFrame(xy, index=[str(k) for k in points], columns=["x", "y"])
    if not isinstance(points, pd.DataFrame) or not {"x", "y"} <= set(points.columns):
        raise InputError(
            "points must be a DataFrame with x, y columns (m) or a mapping name -> (x, y)"
        )
    out = points[["x", "y"]].astype(float)
    out.index = out.index.astype(str)
    return out


def _show(progress: bool | None) -> bool:
    return bool(progress) if progress is not None else sys.stderr.isatty()


def _events(
    tasks: list[MemberTask], retries: int, scheduler: Any, n_workers: int, threads: int | None
) -> Generator[Finished, None, None]:
    if scheduler is None:
        if n_workers == 1:
            return run_serial(tasks, retries)
        return run_processes(
            tasks, retries, n_workers, threads or max(1, available_cores() // n_workers)
        )
    if scheduler == "local" and threads is None:
        threads = max(1, available_cores() // n_workers)
    return run_dask(tasks, retries, scheduler, n_workers, threads)


def run_ensemble(
    scenario: str | os.PathLike[str] | Scenario,
    members: int | str | os.PathLike[str] | None = None,
    perturb: Perturbation | Mapping[str, float] | None = None,
    *,
    scheduler: Any = None,
    n_workers: int | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    progress: bool | None = True,
    retries: int = 2,
    points: pd.DataFrame | Mapping[str, Sequence[float]] | None = None,
    thresholds: Sequence[float] | None = None,
    numba_threads: int | None = None,
    on_member: Callable[[dict[str, Any]], None] | None = None,
    report: bool = True,
) -> EnsembleResult:
    """Run a scenario for many rain members, in parallel, and aggregate the results.

    Parameters
    ----------
    scenario : str, path-like or Scenario
        A scenario file, a built-in scenario name, or a loaded Scenario.
    members : int, str or path-like, optional
        Number of members (default: the scenario's ``[ensemble] members``),
        or a rainfall ensemble file (NetCDF with a ``member`` dimension) to
        run all its members. With an int and ``[ensemble] rainfall``, the
        file's first members are used.
    perturb : Perturbation or mapping, optional
        ``intensity_sigma``, ``shift_m`` (m) and ``timing_shift_s`` (s) of
        generated members (default: the scenario's ``[ensemble]`` settings).
        Members from a file are used as they are unless this is given.
    scheduler : None, "local", str or distributed.Client
        None: local processes (``n_workers=1``: in this process, one after
        the other). ``"local"``: a new dask LocalCluster. An address such as
        ``"tcp://10.0.0.5:8786"``: a running dask scheduler. A Client: that one.
    n_workers : int, optional
        Local worker processes (default: the cores this process may use);
        not used with a scheduler address or Client.
    out_dir : str or path-like, optional
        Ensemble folder (default ``results/<scenario>_ensemble``); rerunning
        into the same folder reuses every member already finished there.
    progress : bool or None
        Progress bar over members (None: only on a terminal).
    retries : int
        Extra attempts for a member that fails (default 2).
    points : pandas.DataFrame or mapping, optional
        Warning points (``x``, ``y`` in m, or name -> (x, y)); default the
        candidate evacuation centres.
    thresholds : sequence of float, optional
        Depths (m) for the probabilities (default: ``[ensemble] thresholds``).
    numba_threads : int, optional
        Flood-solver threads per member (default: the cores of a machine
        shared among the members it runs at once).
    on_member : callable, optional
        Called in this process as each member ends, with a dict ``member``,
        ``status`` (``"done"``/``"failed"``), ``attempts``, ``error``.
    report : bool
        Also draw the figures and write ``ensemble_report.html``.

    Returns
    -------
    EnsembleResult

    Raises
    ------
    InputError
        Fewer than one member, an ensemble file without a ``member``
        dimension, bad thresholds, retries or workers, an unreachable scheduler.
    MissingDependencyError
        A dask scheduler without the ``distributed`` extra installed.
    ScenarioError, DrmError
        Problems with the scenario or its inputs (found before any member runs).
    RunInterrupted
        Ctrl-C (SIGINT) or SIGTERM while members ran (also a KeyboardInterrupt): the
        workers are stopped at once, the members finished so far are kept and the
        manifest says which; rerunning into the same folder runs the others.

    Examples
    --------
    >>> r = run_ensemble("valle_alto", members=10, scheduler="local", n_workers=2)  # doctest: +SKIP
    >>> r.probability["depth_probability"].sel(threshold=0.5).plot()  # doctest: +SKIP
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario))
    n, source = _members(members, sc)
    pert: Perturbation | None
    if perturb is not None:
        pert = Perturbation.of(perturb)
    else:
        pert = None if source is not None else Perturbation.of(sc.ensemble)
    check_scheduler(scheduler)
    retries = _whole(retries, "retries", 0)
    workers = available_cores() if n_workers is None else _whole(n_workers, "n_workers", 1)
    threads = None if numba_threads is None else _whole(numba_threads, "numba_threads", 1)
    thr = tuple(
        float(t) for t in (thresholds if thresholds is not None else sc.ensemble.thresholds)
    )
    if not thr or any(not t > 0 for t in thr) or any(b <= a for a, b in pairwise(thr)):
        raise InputError(f"thresholds must be depths > 0 m in increasing order, got {list(thr)}")
    pts = _points(points)
    stem = sc.source.stem if sc.source else "scenario"
    out = Path(out_dir) if out_dir is not None else Path("results") / f"{stem}_ensemble"
    out.mkdir(parents=True, exist_ok=True)
    inputs = load_inputs(sc)
    hashes = dict(inputs.hashes)
    if source is not None:
        hashes["ensemble.rainfall"] = file_sha256(source)
    specs = member_specs(sc.seed, n, pert, source=source)
    tasks = [
        MemberTask(sc, spec, member_dir(out, spec.index), member_key(sc, spec, hashes, pts), pts)
        for spec in specs
    ]
    records = {t.spec.index: r for t in tasks if (r := finished(t.folder, t.key)) is not None}
    todo = [t for t in tasks if t.spec.index not in records]
    status: dict[int, dict[str, Any]] = {
        t.spec.index: {"member": t.spec.index, "key": t.key, "seed": t.spec.seed,
                       "status": "done" if t.spec.index in records else "pending"}
        for t in tasks
    }  # fmt: skip
    manifest = {
        "scenario": sc.to_dict(),
        "drm_version": __version__,
        "members": n,
        "source": str(source) if source is not None else None,
        "perturbation": asdict(pert) if pert is not None else None,
        "thresholds_m": list(thr),
        "points": pts.reset_index().to_dict("list") if pts is not None else None,
        "input_sha256": hashes,
        "status": list(status.values()),
    }
    write_manifest(out, manifest)
    if records:
        log.info("ensemble: %d of %d members already finished in %s", len(records), n, out)
    events = _events(todo, retries, scheduler, workers, threads)
    try:
        with _stop_signals():
            failed = _run(todo, manifest, status, records, out, progress, on_member, events)
    except KeyboardInterrupt as stop:  # the workers are stopped already (closing the events)
        raise _interrupted(stop, tasks, manifest, status, out) from None
    result = _aggregate(sc, inputs, out, n, records, failed, thr, computed=len(todo) - len(failed))
    if report and records:
        from drm.report.ensemble import write_ensemble_report

        result = replace(
            result, files={**result.files, **write_ensemble_report(out, language=sc.language)}
        )
    return result


def _run(
    todo: list[MemberTask], manifest: dict[str, Any], status: dict[int, dict[str, Any]],
    records: dict[int, dict[str, Any]], out: Path, progress: bool | None,
    on_member: Callable[[dict[str, Any]], None] | None, events: Generator[Finished, None, None],
) -> list[dict[str, Any]]:  # fmt: skip
    """Take the members' ends as they come: records kept, manifest rewritten; return the failures."""
    failed: list[dict[str, Any]] = []
    if not todo:
        return failed
    from drm._display import progress_bar

    bar = progress_bar(_show(progress), total=len(todo), desc="ensemble members", unit="member")
    with closing(events), bar:
        for ev in events:
            k = ev.task.spec.index
            status[k].update(_status(ev))
            if ev.record is not None:
                records[k] = ev.record
            else:
                failed.append({"member": k, "attempts": ev.attempts, "error": ev.error})
                log.warning("ensemble: member %d failed: %s", k, ev.error)
            write_manifest(out, {**manifest, "status": list(status.values())})
            bar.update()
            if on_member is not None:
                on_member({"member": k, **_status(ev)})
    return failed


class _Stop(KeyboardInterrupt):
    """SIGINT or SIGTERM received while members run (its name in ``args[0]``)."""


@contextmanager
def _stop_signals() -> Iterator[None]:
    """While members run: SIGINT (Ctrl-C) and SIGTERM raise :class:`_Stop` in this thread, once.

    Only where this is the main thread and the signal still has Python's
    default handler (another program's handler is left alone). A second
    signal while the workers are being stopped is ignored, so that the
    stopping finishes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    seen: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        if not seen:
            seen.append(signum)
            raise _Stop(signal.Signals(signum).name)

    saved = {}
    for sig, default in (
        (signal.SIGINT, signal.default_int_handler),
        (signal.SIGTERM, signal.SIG_DFL),
    ):
        if signal.getsignal(sig) is default:
            saved[sig] = signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


def _interrupted(
    stop: KeyboardInterrupt, tasks: list[MemberTask], manifest: dict[str, Any],
    status: dict[int, dict[str, Any]], out: Path,
) -> RunInterrupted:  # fmt: skip
    """After a stop: the manifest brought up to the members' markers on disk, and the error to raise.

    A member whose worker wrote its marker just before being stopped is done:
    the manifest says so, and a rerun reuses it.
    """
    for t in tasks:
        if status[t.spec.index]["status"] != "done" and finished(t.folder, t.key) is not None:
            status[t.spec.index]["status"] = "done"
    write_manifest(out, {**manifest, "status": list(status.values())})
    n = len(tasks)
    done = sum(s["status"] == "done" for s in status.values())
    how = f" by {stop.args[0]}" if isinstance(stop, _Stop) and stop.args else ""
    log.debug("ensemble: stopped%s", how)
    return RunInterrupted(
        f"ensemble interrupted{how}: {done} of {n} members finished, kept in {out}; run the "
        f"same ensemble into the same folder to run the other {n - done}"
    )


def _status(ev: Finished) -> dict[str, Any]:
    return {
        "status": "done" if ev.record is not None else "failed",
        "attempts": ev.attempts,
        "error": ev.error,
    }


def _aggregate(
    sc: Scenario, inputs: Any, out: Path, n: int, records: dict[int, dict[str, Any]],
    failed: list[dict[str, Any]], thr: tuple[float, ...], computed: int,
) -> EnsembleResult:  # fmt: skip
    """Read the finished members back, compute the aggregates and write them."""
    members = sorted(records)
    folders = [member_dir(out, k) for k in members]
    outcomes = aggregate.outcome_table([records[k] for k in members]) if members else pd.DataFrame()
    quantiles = aggregate.outcome_quantiles(outcomes) if members else pd.DataFrame()
    failed_table = pd.DataFrame(failed, columns=["member", "attempts", "error"]).set_index("member")
    probability = xr.Dataset(
        attrs={"Conventions": "CF-1.8", "title": f"{sc.name}: ensemble of {n} members"}
    )
    plan = None
    if members:
        depth = aggregate.point_depth(folders, members)
        with xr.open_dataset(folders[0] / "flood.nc") as ds:
            elevation = ds["elevation"].load()
        probability = probability.assign(
            depth_probability=aggregate.depth_probability(folders, thr),
            point_probability=aggregate.point_probability(depth, thr),
            point_depth=depth,
            elevation=elevation,
        )
        plan = aggregate.member_preposition(sc, inputs, folders, members)
    files = {
        "probability": write_grid(probability, out / "probability.nc"),
        "outcomes": write_table(outcomes, out / "outcomes.csv"),
        "outcome_quantiles": write_table(quantiles, out / "outcome_quantiles.csv"),
        "failed": write_table(failed_table, out / "failed.csv"),
    }
    if members:  # the probability maps a GIS opens directly
        from drm.io.geotiff import probability_cogs

        files.update(probability_cogs(probability, out, crs=get_crs(inputs.dem)))
    if plan is not None:
        files["preposition_plan"] = write_table(plan.plan, out / "preposition_plan.csv")
    else:  # not one left from an earlier run
        (out / "preposition_plan.csv").unlink(missing_ok=True)
    verification = None
    protocols = [f / "protocol.csv" for f in folders if (f / "protocol.csv").is_file()]
    if sc.triggers and protocols:  # the scenario's warning protocol scored over the members
        tables = [pd.read_csv(f, index_col="zone") for f in protocols]
        verification = aggregate.protocol_verification(tables, sc.warning.order_on)
        files["protocol_verification"] = write_table(
            verification, out / "protocol_verification.csv"
        )
    else:
        (out / "protocol_verification.csv").unlink(missing_ok=True)
    return EnsembleResult(
        name=sc.name,
        members=n,
        probability=probability,
        outcomes=outcomes,
        quantiles=quantiles,
        failed=failed_table,
        preposition=plan,
        computed=computed,
        reused=len(records) - computed,
        out_dir=out,
        files=files,
        protocol_verification=verification,
    )
