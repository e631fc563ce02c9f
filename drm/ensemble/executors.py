"""Where ensemble members run: in this process, in local worker processes, or on dask.distributed.

Each executor takes member tasks and yields one :class:`Finished` per member
as members end, in the order they end. A member that raises is retried up to
``retries`` more times; a member that still fails is reported with its last
error, and the others go on. Members write their own outputs
(:func:`run_member`), so only small records travel back.

* :func:`run_serial`: one after the other in this process;
* :func:`run_processes`: a pool of local processes (forks of a fork server
  that has imported the pipeline, or ``spawn`` where there is none: never a
  plain ``fork``, which copies the parent's threads), at most one member per
  worker in flight; a worker that dies (killed, out of memory) costs its
  member one attempt, and the pool is rebuilt;
* :func:`run_dask`: a dask.distributed cluster (a new LocalCluster, an
  address, or a Client); dask retries failed members (``retries=``) and
  reruns those of a lost worker on the others.

To avoid oversubscribing the cores, each member's flood solver uses
``max(1, cores // members running at once on the machine)`` numba threads.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import socket
import time
import uuid
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from drm.ensemble.members import MemberSpec, member_scenario, write_member_rainfall
from drm.ensemble.store import clear_member, write_member
from drm.errors import InputError, missing_dependency
from drm.scenario.schema import Scenario

__all__ = [
    "Finished",
    "MemberTask",
    "available_cores",
    "check_scheduler",
    "run_dask",
    "run_member",
    "run_processes",
    "run_serial",
    "worker_context",
]

log = logging.getLogger("drm")

#: Imported once by the fork server, so that each worker starts with the pipeline loaded
#: (optional packages that xarray loads on first use included; absent ones are skipped)
#: and numba's CPU target set up (``_forkserver``).
_PRELOAD = (
    "rioxarray",
    "dask",
    "distributed",
    "drm.ensemble.executors",
    "drm.scenario.run",
    "drm.scenario.stages",
    "drm.scenario.result",
    "drm.hazard",
    "drm.warning",
    "drm.exposure",
    "drm.network",
    "drm.evacuation",
    "drm.shelter",
    "drm.ensemble._forkserver",
)


@dataclass(frozen=True)
class MemberTask:
    """One member to run: the scenario, the member, where its outputs go and how many threads it may use.

    ``numba_threads`` None leaves the thread count as it is, unless
    ``host_slots`` (members at once per dask worker host) says how to share
    the host's cores.
    """

    scenario: Scenario
    spec: MemberSpec
    folder: Path
    key: str
    points: pd.DataFrame | None = None
    numba_threads: int | None = None
    host_slots: dict[str, int] | None = None


@dataclass(frozen=True)
class Finished:
    """How a member ended: its record (from :func:`drm.ensemble.store.write_member`) or its error."""

    task: MemberTask
    record: dict[str, Any] | None
    error: str | None
    attempts: int | None


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. a batch job's share).

    Examples
    --------
    >>> available_cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _use_threads(threads: int) -> None:
    """Let numba's parallel kernels called from this thread use ``threads`` threads (at most its pool)."""
    import numba

    pool = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    numba.set_num_threads(max(1, min(threads, pool)))


def worker_context() -> multiprocessing.context.BaseContext:
    """The start method of worker processes: a fork server with the pipeline imported, else spawn.

    The fork server is started here, once per process, importing the
    pipeline's modules; every worker (of the process pool, or of a dask
    LocalCluster started with ``distributed.worker.multiprocessing-method =
    "forkserver"``) is then a fork of it and starts in milliseconds.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(_PRELOAD))
    forkserver.ensure_running()
    return ctx


def _set_threads(task: MemberTask) -> None:
    threads = task.numba_threads
    if threads is None and task.host_slots:
        from distributed import get_worker
        from distributed.comm import get_address_host

        worker = get_worker()
        slots = task.host_slots.get(get_address_host(worker.address), worker.state.nthreads)
        threads = max(1, available_cores() // max(1, slots))
    if threads is not None:
        _use_threads(threads)


def run_member(task: MemberTask) -> dict[str, Any]:
    """Run one member and write its outputs; return its completion record.

    Writes the member's rain, runs :func:`drm.run_scenario` on the member's
    scenario (flood frames cached in a scratch folder that is removed
    afterwards), then the member's outputs and completion marker
    (:func:`drm.ensemble.store.write_member`).
    """
    from drm.scenario.run import run_scenario

    _set_threads(task)
    start = time.perf_counter()
    clear_member(task.folder)
    rain = write_member_rainfall(task.scenario, task.spec, task.folder / "rain.nc")
    scratch = task.folder / ".cache"
    try:
        result = run_scenario(
            member_scenario(task.scenario, task.spec, rain), progress=False, cache_dir=scratch
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return write_member(
        result, task.folder, task.spec, task.key, task.points, time.perf_counter() - start
    )


def _message(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def run_serial(tasks: Iterable[MemberTask], retries: int) -> Generator[Finished, None, None]:
    """Run members one after the other in this process."""
    for task in tasks:
        for attempt in range(1, retries + 2):
            try:
                record = run_member(task)
            except Exception as err:
                if attempt > retries:
                    yield Finished(task, None, _message(err), attempt)
                else:
                    log.warning("member %d failed (%s); retrying", task.spec.index, _message(err))
                continue
            yield Finished(task, record, None, attempt)
            break


def _pool(n_workers: int, threads: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        n_workers, mp_context=worker_context(), initializer=_use_threads, initargs=(threads,)
    )


def _fill(
    pool: ProcessPoolExecutor,
    queue: deque[MemberTask],
    running: dict[Future[dict[str, Any]], MemberTask],
    attempts: dict[int, int],
    n_workers: int,
) -> bool:
    """Submit queued members until ``n_workers`` are in flight; True when the pool is broken."""
    while queue and len(running) < n_workers:
        try:
            fut = pool.submit(run_member, queue[0])
        except BrokenProcessPool:  # a worker died since the last look
            return True
        task = queue.popleft()
        attempts[task.spec.index] = attempts.get(task.spec.index, 0) + 1
        running[fut] = task
    return False


def run_processes(
    tasks: Iterable[MemberTask], retries: int, n_workers: int, threads: int
) -> Generator[Finished, None, None]:
    """Run members in ``n_workers`` local processes, each member's solver on ``threads`` threads."""
    queue = deque(tasks)
    attempts: dict[int, int] = {}
    running: dict[Future[dict[str, Any]], MemberTask] = {}
    pool = _pool(n_workers, threads)
    try:
        while queue or running:
            broken = _fill(pool, queue, running, attempts, n_workers)
            done = set() if broken else wait(running, return_when=FIRST_COMPLETED).done
            for fut in done:
                task = running.pop(fut)
                n = attempts[task.spec.index]
                try:
                    record = fut.result()
                except BrokenProcessPool:
                    broken, error = True, "a worker process died (killed, or out of memory)"
                except Exception as err:
                    error = _message(err)
                else:
                    yield Finished(task, record, None, n)
                    continue
                if n <= retries:
                    log.warning("member %d failed (%s); retrying", task.spec.index, error)
                    queue.appendleft(task)
                else:
                    yield Finished(task, None, error, n)
            if broken:  # the pool is unusable: the members still in flight are lost too
                for fut in list(running):
                    queue.appendleft(running.pop(fut))
                pool.shutdown(wait=True, cancel_futures=True)
                pool = _pool(n_workers, threads)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _probe(address: str) -> None:
    """Fail fast, with a clear message, when nothing listens at a TCP scheduler address."""
    rest = address.removeprefix("tcp://")
    if "://" in rest:
        return  # tls://, ucx://, ...: let dask connect
    host, _, port = rest.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout=10):
            return
    except (OSError, ValueError) as err:
        raise InputError(
            f"scheduler: cannot reach a dask scheduler at {address!r} ({_message(err)}); start one "
            "(`dask scheduler`, dask-jobqueue or the dask Helm chart) and pass the address it prints "
            "(tcp://host:8786), or use scheduler='local'"
        ) from None


def check_scheduler(scheduler: Any) -> None:
    """Check a ``scheduler`` argument before any work starts (None, "local", an address or a Client).

    Raises
    ------
    MissingDependencyError
        A dask scheduler without dask.distributed installed.
    InputError
        Anything else than the four forms.
    """
    if scheduler is None:
        return
    try:
        import distributed
    except ImportError:
        raise missing_dependency(
            "distributed", "distributed", "running an ensemble on dask"
        ) from None
    if isinstance(scheduler, distributed.Client):
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise InputError(
            f"scheduler must be None (local processes), 'local' (a dask LocalCluster), a scheduler "
            f"address such as 'tcp://10.0.0.5:8786' or a distributed.Client; got {scheduler!r}"
        )


def _client(scheduler: Any, n_workers: int) -> tuple[Any, list[Any]]:
    """A dask Client for ``scheduler`` and what to close afterwards (what this call started)."""
    import distributed

    check_scheduler(scheduler)
    if isinstance(scheduler, distributed.Client):
        return scheduler, []
    if scheduler == "local":
        import dask

        method = worker_context().get_start_method()
        with dask.config.set({"distributed.worker.multiprocessing-method": method}):
            cluster = distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        client = distributed.Client(cluster)
        return client, [client, cluster]
    _probe(scheduler.strip())
    try:
        client = distributed.Client(scheduler.strip())
    except (OSError, TimeoutError) as err:
        raise InputError(
            f"scheduler: cannot connect to the dask scheduler at {scheduler!r} ({_message(err)})"
        ) from None
    return client, [client]


def _host_slots(client: Any) -> dict[str, int]:
    from distributed.comm import get_address_host

    slots: dict[str, int] = {}
    for address, info in client.scheduler_info(n_workers=-1)["workers"].items():
        host = get_address_host(address)
        slots[host] = slots.get(host, 0) + int(info.get("nthreads", 1))
    return slots


def run_dask(
    tasks: Iterable[MemberTask],
    retries: int,
    scheduler: Any,
    n_workers: int,
    threads: int | None,
) -> Generator[Finished, None, None]:
    """Run members on dask.distributed: ``scheduler`` is ``"local"``, an address or a Client.

    ``threads`` None shares each worker host's cores among the members it
    runs at once (its workers' threads).
    """
    from distributed import as_completed

    client, opened = _client(scheduler, n_workers)
    try:
        todo = list(tasks)
        if threads is not None:
            todo = [replace(t, numba_threads=threads) for t in todo]
        else:
            slots = _host_slots(client)
            todo = [replace(t, host_slots=slots) for t in todo]
        # keys unique to this run: the cluster may still hold those of an earlier one
        run = uuid.uuid4().hex[:8]
        futures = {
            client.submit(
                run_member, t, key=f"drm-member-{t.spec.index}-{run}", retries=retries, pure=False
            ): t
            for t in todo
        }
        for fut in as_completed(list(futures)):
            task = futures.pop(fut)
            try:
                record = fut.result()
            except Exception as err:
                yield Finished(task, None, _message(err), retries + 1)
            else:
                yield Finished(task, record, None, None)
            fut.release()
    finally:
        for thing in opened:
            thing.close()
