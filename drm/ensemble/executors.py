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

Stopping: when the run is interrupted (Ctrl-C, SIGTERM, an error in this
process) the local workers are stopped at once (SIGUSR1: they leave through
Python, cleaning up; SIGKILL for one still there 3 s later), their running members
lost (a member is complete only with its marker, so nothing half-written
counts) and queued ones never started; on dask, this run's members are
cancelled. A local worker also exits by itself within about half a second
when the process that started it is gone, even killed with SIGKILL: it
watches that process from a thread (and, on Linux, asks the kernel to kill
it when its own parent, the fork server, dies), so no orphan goes on
computing members for nobody. dask's own worker processes do the same when
their LocalCluster's process dies.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import threading
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


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """State letter and start time (clock ticks after boot) of a Linux process; None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (name) "
    return fields[0], int(fields[19])


def _identity(pid: int) -> tuple[int, int | None]:
    """A process as its id and, on Linux, its start time (so a recycled id is not mistaken for it)."""
    stat = _proc_stat(pid) if sys.platform.startswith("linux") else None
    return pid, None if stat is None else stat[1]


def _gone(pid: int, start: int | None) -> bool:
    """Whether the process ``(pid, start)`` of :func:`_identity` has ended (a zombie counts as ended)."""
    if start is not None:
        stat = _proc_stat(pid)
        return stat is None or stat[0] in "ZXx" or stat[1] != start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, not ours to signal
        return False
    return False


def _watch(pid: int, start: int | None, interval_s: float) -> None:
    """In a worker: when the run's process is gone, stop this worker (its member abandoned)."""
    while not _gone(pid, start):
        time.sleep(interval_s)
    if _STOP is not None and not _leaving:  # not already asked to stop by the run
        os.kill(os.getpid(), _STOP)  # leave through Python, cleaning up (_leave)
        time.sleep(1.0)
    os._exit(1)  # still here: nobody will hand this worker its end-of-work marker


def _die_with_parent() -> None:
    """On Linux, ask the kernel to kill this process when its parent process ends."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        pass


#: The signal that asks a local worker to stop (SIGTERM keeps its default, immediate end,
#: which the pool itself relies on when it breaks).
_STOP = getattr(signal, "SIGUSR1", None)
#: Set in a worker by :data:`_STOP`: it starts no member any more.
_leaving: list[int] = []


def _leave(signum: int, frame: Any) -> None:
    """The stop signal in a worker: leave through Python, so that files and semaphores are cleaned up.

    An idle worker exits at once; a busy one abandons its member (its
    scratch folder and temporary files removed on the way out), turns down
    any member still queued for it (:func:`_pool_member`) and exits when the
    stopping pool hands it its end-of-work marker.
    """
    if _leaving:  # asked twice (the run, then the watch thread): the first one is on its way out
        return
    _leaving.append(signum)
    raise SystemExit(128 + signum)


def _pool_member(task: MemberTask) -> dict[str, Any]:
    """:func:`run_member` in a pool worker, unless the worker is being stopped."""
    if _leaving:
        raise SystemExit(128 + _leaving[0])
    try:
        return run_member(task)
    except BaseException:
        if _leaving:  # the stop, however the member's libraries wrapped it (simpy chains it)
            raise SystemExit(128 + _leaving[0]) from None
        raise


def _init_worker(threads: int, run: tuple[int, int | None], interval_s: float = 0.5) -> None:
    """Start a local worker: numba threads, Ctrl-C left to the run, exit when the run is gone.

    The worker's parent is the fork server, which outlives the run as long as
    any worker lives; so the worker watches the run's own process (``run``,
    from :func:`_identity`) every ``interval_s`` seconds from a daemon thread,
    and stops itself when it is gone (SIGUSR1, see :func:`_leave`, then
    ``os._exit`` a second later). The kernel's parent-death signal covers the fork server's death.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C: the run stops the workers
    if _STOP is not None:
        signal.signal(_STOP, _leave)
    _die_with_parent()
    threading.Thread(
        target=_watch, args=(*run, interval_s), name="drm-watch-run", daemon=True
    ).start()
    _use_threads(threads)


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
        n_workers,
        mp_context=worker_context(),
        initializer=_init_worker,
        initargs=(threads, _identity(os.getpid())),
    )


def _stop(pool: ProcessPoolExecutor, grace_s: float = 3.0) -> None:
    """Stop a pool now: queued members cancelled, the workers asked to stop, killed after ``grace_s``."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for w in workers:
        if w.is_alive():
            if _STOP is None:  # pragma: no cover - Windows
                w.terminate()
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(w.pid, _STOP)  # type: ignore[arg-type]
    deadline = time.monotonic() + grace_s
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
        if w.is_alive():  # e.g. blocked on a queue lock that a killed worker held
            w.kill()
            w.join(1.0)


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
            fut = pool.submit(_pool_member, queue[0])
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
    ended = False
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
        ended = True
    finally:
        if ended:
            pool.shutdown(wait=True)
        else:  # interrupted, or the caller stopped reading: no member goes on running
            _stop(pool)


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
    futures: dict[Any, MemberTask] = {}
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
        if futures:  # interrupted: the cluster runs none of this run's members any more
            try:
                client.cancel(list(futures))
            except Exception as err:  # pragma: no cover - the cluster is gone already
                log.debug("ensemble: cancelling the members on dask failed: %s", _message(err))
        for thing in opened:
            thing.close()
