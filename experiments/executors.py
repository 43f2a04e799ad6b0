"""Executors: where runs execute (the chunks of a sweep, and the runs of calibration, the
reproduction and validation).

- :class:`InProcessExecutor`: in the calling process, one chunk after another (for
  debugging: breakpoints and tracebacks work as usual);
- :class:`PoolExecutor`: a local process pool (:class:`concurrent.futures.ProcessPoolExecutor`
  with an explicit :mod:`multiprocessing` context object; the start method is never set
  globally). The default, with one worker per available core;
- :class:`DaskExecutor`: Dask distributed, either an existing cluster (``--scheduler
  ADDRESS``) or a :class:`distributed.LocalCluster` started for the sweep
  (``--dask-local N``). Needs the ``dask`` extra.

Every executor runs the same function on the same chunks (see
:func:`experiments.worker.run_chunk`), and each run's random numbers depend only on its
own seed, so results are identical whatever the executor and the number of workers.
Workers write their results to the sweep folder themselves; only a small per-run summary
comes back to the coordinator.

Usage::

    with make_executor("pool", workers=2) as ex:
        ex.submit_all(run_chunk, tasks)
        for task, outcome in ex.completed():
            ...

or, for runs whose results come back to the caller (:class:`RunTask`, :func:`map_runs`)::

    with make_executor("pool", workers=2) as ex:
        annuals = map_runs(ex, annual_of, [RunTask((r,), scenario, seed) for ...])
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterator, Sequence

from simulation.messages import echo

if TYPE_CHECKING:
    from simulation.config import Scenario
    from simulation.run import Seed


#: Seconds to reach a Dask scheduler (``--scheduler``) before giving up.
CONNECT_TIMEOUT_S = 10


class WorkerLost(Exception):
    """The process running a chunk died (killed, out of memory, crashed)."""


class ExecutorError(Exception):
    """Bad executor options, a missing extra, or a cluster that cannot be reached (one
    line; the command line exits with status 2)."""


def available_cores() -> int:
    """Cores this process may use (affinity-aware), at least 1."""
    if hasattr(os, "process_cpu_count"):
        return max(1, os.process_cpu_count() or 1)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Executor:
    """Common interface (see the module docstring)."""

    kind = "base"
    workers = 1

    def __enter__(self) -> "Executor":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the workers."""

    def close(self) -> None:
        """Stop the workers (after the chunks in progress)."""

    def restart(self) -> None:
        """Replace workers that died."""

    def submit_all(self, fn: Callable, tasks: list) -> None:
        """Queue ``fn(task)`` for every task."""
        raise NotImplementedError

    def completed(self) -> Iterator[tuple[Any, Any]]:
        """Yield ``(task, result)`` as chunks finish; ``result`` is ``fn``'s return value
        or a :class:`WorkerLost` / other exception instance."""
        raise NotImplementedError

    def interrupt(self) -> None:
        """Cancel queued chunks; chunks already running go on (collect them with
        :meth:`completed`)."""

    def abort(self) -> None:
        """Stop running chunks now (their results are not stored)."""

    def describe(self) -> str:
        """Short description for the summary and the manifest."""
        return f"{self.kind} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class InProcessExecutor(Executor):
    """Runs each chunk in the calling process, in order."""

    kind = "in-process"

    def __init__(self) -> None:
        self._queue: list = []
        self._fn: Callable | None = None

    def submit_all(self, fn, tasks):
        self._fn = fn
        self._queue.extend(tasks)

    def completed(self):
        while self._queue:
            task = self._queue[0]
            try:  # KeyboardInterrupt propagates: the chunk in progress is not stored
                result = self._fn(task)
            except Exception as err:  # noqa: BLE001 - reported per chunk, as elsewhere
                result = err
            self._queue.pop(0)
            yield task, result

    def interrupt(self):
        self._queue.clear()

    def abort(self):
        self._queue.clear()


class PoolExecutor(Executor):
    """A local process pool.

    At most one chunk per worker is handed to the pool at a time; the others wait here,
    so that :meth:`interrupt` cancels every chunk that has not started (the pool itself
    marks a chunk as running as soon as it queues it for a worker).

    Parameters
    ----------
    workers : int, optional
        Worker processes (default: the available cores).
    start_method : str, optional
        ``"forkserver"`` (default on POSIX), ``"spawn"`` or ``"fork"``. Passed as a
        context object to the pool; the global start method is left alone.
    """

    kind = "pool"

    def __init__(self, workers: int | None = None, start_method: str | None = None):
        self.workers = workers or available_cores()
        methods = multiprocessing.get_all_start_methods()
        self.start_method = start_method or ("forkserver" if "forkserver" in methods
                                             else "spawn")
        self._pool: cf.ProcessPoolExecutor | None = None
        self._pending: dict[cf.Future, Any] = {}
        self._waiting: list[tuple[Callable, Any]] = []

    def start(self):
        from experiments.worker import pool_worker_init

        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            # the fork server imports the model once; each worker forks from it warm
            ctx.set_forkserver_preload(["experiments.worker", "simulation.model"])
        self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                            initializer=pool_worker_init)

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def restart(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.start()

    def submit_all(self, fn, tasks):
        self._waiting.extend((fn, t) for t in tasks)
        self._top_up()

    def _top_up(self) -> None:
        """Hand waiting chunks to the pool until every worker has one."""
        while self._waiting and len(self._pending) < self.workers:
            fn, task = self._waiting.pop(0)
            self._pending[self._pool.submit(fn, task)] = task

    def completed(self):
        while self._pending:
            fut = next(cf.as_completed(list(self._pending)))
            task = self._pending.pop(fut)
            if fut.cancelled():
                continue
            try:
                result = fut.result()
            except cf.process.BrokenProcessPool as err:
                result = WorkerLost(f"worker process died ({err})")
            except Exception as err:  # noqa: BLE001 - reported per chunk
                result = err
            if not isinstance(result, WorkerLost):
                self._top_up()
                yield task, result
                continue
            # the pool is broken: chunks still waiting are lost with it (retried later)
            waiting, self._waiting = self._waiting, []
            yield task, result
            for _fn, t in waiting:
                yield t, WorkerLost("not started: the process pool broke")

    def interrupt(self):
        self._waiting.clear()
        for fut in list(self._pending):
            if fut.cancel():
                del self._pending[fut]

    def abort(self):
        self.interrupt()
        pool = self._pool
        if pool is not None:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.join(5)
            pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._pending.clear()

    def describe(self):
        return f"process pool ({self.workers} worker{'s' if self.workers != 1 else ''}, " \
               f"{self.start_method})"


class DaskExecutor(Executor):
    """Dask distributed: an existing scheduler, or a LocalCluster on loopback.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    local_workers : int, optional
        Start a :class:`distributed.LocalCluster` with this many single-threaded worker
        processes on 127.0.0.1 (no dashboard) for the duration of the sweep.

    Notes
    -----
    Workers write to the sweep folder, so every worker must see it at the same path (a
    shared file system on a cluster). Tasks are submitted with ``pure=False``.
    """

    kind = "dask"

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None):
        if (scheduler is None) == (local_workers is None):
            raise ValueError("give exactly one of scheduler or local_workers")
        self.scheduler = scheduler
        self.local_workers = local_workers
        self.workers = local_workers or 1
        self._client = None
        self._cluster = None
        self._pending: dict = {}

    def start(self):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("the Dask executor needs distributed: pip install "
                                "'bposim[dask]'") from None
        if self.local_workers is not None:
            # loopback only; no dashboard; the scheduler's small HTTP endpoint (health
            # checks) on a free loopback port
            self._cluster = LocalCluster(
                n_workers=self.local_workers, threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None,
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.scheduler, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError, ValueError) as err:  # ValueError: bad address
                raise ExecutorError(f"--scheduler: cannot connect to {echo(self.scheduler)} "
                                    f"({echo(err, 120)}); check the address and that the "
                                    "scheduler is running") from None
            n = len(self._client.scheduler_info().get("workers", {}))
            self.workers = max(1, n)

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def submit_all(self, fn, tasks):
        for t in tasks:
            fut = self._client.submit(fn, t, pure=False)
            self._pending[fut] = t

    def completed(self):
        from distributed import as_completed

        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover
            KilledWorker = ()  # noqa: N806
        for fut in as_completed(list(self._pending)):
            task = self._pending.pop(fut)
            if fut.cancelled():
                continue
            try:
                yield task, fut.result()
            except KilledWorker as err:
                yield task, WorkerLost(f"Dask worker died ({err})")
            except Exception as err:  # noqa: BLE001
                yield task, err

    def interrupt(self):
        # Dask cannot tell queued from running tasks cheaply: cancel every unfinished
        # task. Tasks already running on a worker finish and store their chunk; a resumed
        # sweep waits for them (the workers' lock) before it looks at the folder.
        futs = [f for f in self._pending if not f.done()]
        if futs:
            self._client.cancel(futs)
        for f in futs:
            self._pending.pop(f, None)

    def abort(self):
        self.interrupt()

    def describe(self):
        where = f"LocalCluster, {self.local_workers} workers" if self.local_workers \
            else f"scheduler {self.scheduler}, {self.workers} workers"
        return f"dask ({where})"


def make_executor(kind: str = "pool", workers: int | None = None,
                  scheduler: str | None = None, dask_local: int | None = None,
                  start_method: str | None = None) -> Executor:
    """Build an executor from command-line style options (not started yet).

    Parameters
    ----------
    kind : {"pool", "in-process", "dask"}
    workers : int, optional
        Pool size (``pool`` only; default the available cores).
    scheduler : str, optional
        Dask scheduler address (implies ``dask``).
    dask_local : int, optional
        Workers of a Dask LocalCluster (implies ``dask``).
    start_method : str, optional
        Pool start method.

    Raises
    ------
    ExecutorError
        Contradictory or out-of-range options (the message names the option).
    """
    if kind not in ("pool", "in-process", "dask"):
        raise ExecutorError(f"--executor: unknown executor {kind!r}")
    if workers is not None and workers < 1:
        raise ExecutorError(f"--workers: must be >= 1, got {workers}")
    if dask_local is not None and dask_local < 1:
        raise ExecutorError(f"--dask-local: must be >= 1, got {dask_local}")
    if scheduler is not None and dask_local is not None:
        raise ExecutorError("--scheduler and --dask-local: give one of them")
    dask = scheduler is not None or dask_local is not None
    if dask and kind not in ("pool", "dask"):
        raise ExecutorError(f"--executor {kind}: --scheduler/--dask-local use Dask")
    if kind == "dask" and not dask:
        raise ExecutorError("--executor dask: give --scheduler ADDRESS or --dask-local N")
    if workers is not None and kind != "pool":
        raise ExecutorError("--workers: sets the size of the local process pool only")
    if start_method is not None and start_method not in multiprocessing.get_all_start_methods():
        raise ExecutorError(f"--start-method: {start_method!r} is not available here")
    if dask:
        return DaskExecutor(scheduler=scheduler, local_workers=dask_local)
    if kind == "in-process":
        return InProcessExecutor()
    return PoolExecutor(workers=workers, start_method=start_method)


@dataclass(frozen=True)
class RunTask:
    """One model run whose result comes back to the caller (see :func:`map_runs`).

    Attributes
    ----------
    key : hashable
        The caller's name for the run, e.g. ``(candidate, replication)``; unique within
        one :func:`map_runs` call.
    scenario : Scenario
    seed : int or numpy.random.SeedSequence
        See :func:`simulation.run.make_seed`.
    """

    key: Hashable
    scenario: Scenario
    seed: Seed


def map_runs(executor: Executor | None, fn: Callable[[RunTask], Any],
             tasks: Sequence[RunTask],
             on_done: Callable[[RunTask, Any], None] | None = None) -> list:
    """``fn(task)`` for every task, on ``executor``; the results in task order.

    Parameters
    ----------
    executor : Executor or None
        Where the runs go (started); None: one after another in this process.
    fn : callable
        A module-level function (process pools and Dask send it by reference) that runs
        the task through :func:`simulation.run.run_model` and returns what the caller
        keeps. Each run's random numbers depend only on its seed, so the results do not
        depend on the executor.
    tasks : sequence of RunTask
    on_done : callable, optional
        ``on_done(task, result)`` as each run finishes (in completion order).

    Returns
    -------
    list
        ``fn(task)`` for each task, in the order of ``tasks``.

    Raises
    ------
    RuntimeError
        If a run raised (or its worker died); the message names the task's key.
    """
    if executor is None:
        results = []
        for task in tasks:
            results.append(fn(task))
            if on_done is not None:
                on_done(task, results[-1])
        return results
    executor.submit_all(fn, list(tasks))
    got: dict[Hashable, Any] = {}
    for task, result in executor.completed():
        if isinstance(result, BaseException):
            raise RuntimeError(f"run {task.key} failed: {result}") from result
        got[task.key] = result
        if on_done is not None:
            on_done(task, result)
    return [got[task.key] for task in tasks]


__all__ = ["Executor", "InProcessExecutor", "PoolExecutor", "DaskExecutor", "WorkerLost",
           "ExecutorError", "make_executor", "available_cores", "RunTask", "map_runs"]
