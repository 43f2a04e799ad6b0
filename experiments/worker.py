"""The work done by a sweep worker: run a chunk of runs and store it.

The same function, :func:`run_chunk`, runs in-process, in a local process pool and on
Dask workers, so results do not depend on the executor. A run that raises or exceeds
the per-run timeout is recorded as data (``status`` ``failed`` or ``timeout`` with its
error text) and the chunk goes on with the next run.

Runs go through the run door, :func:`simulation.run.run_model`, whose per-run timeout is a
cooperative wall-clock check before every simulated quarter, spin-up included.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from experiments.parameters import Address, scenario_with
from experiments.storage import worker_id, worker_lock, write_part
from simulation.config import Scenario
from simulation.run import Clock, RunTimeout, make_seed, run_model, utc_now


@dataclass
class ChunkTask:
    """A chunk of runs for one worker, written as one part of each table.

    Attributes
    ----------
    sweep_dir : str
        The sweep folder (shared by the workers: a local disk or a cluster file system).
    part : str
        Chunk file name (see :func:`experiments.storage.new_part_name`).
    base : Scenario
        The sweep's base scenario.
    addresses : dict name -> Address
    rows : list of dict
        Plan-table rows of the runs (see :meth:`experiments.plan.Plan.row`).
    values : list of dict
        Parameter values of each run (name -> value, decoded).
    outputs : tuple of str
        Output columns to keep.
    timeout_s : float or None
        Per-run wall-clock limit, seconds.
    runs_schema, ts_schema : pyarrow.Schema
        Schemas of the two tables.
    """

    sweep_dir: str
    part: str
    base: Scenario
    addresses: dict[str, Address]
    rows: list[dict[str, Any]]
    values: list[dict[str, Any]]
    outputs: tuple[str, ...]
    timeout_s: float | None
    runs_schema: pa.Schema
    ts_schema: pa.Schema

    @property
    def run_ids(self) -> list[int]:
        """Run ids of the chunk."""
        return [int(r["run_id"]) for r in self.rows]


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def _run(task: ChunkTask, row: dict, values: dict) -> tuple[dict, pd.DataFrame | None]:
    clock = Clock()
    rec = dict(row, status="ok", error=None, traceback=None, started_utc=clock.started_utc,
               worker=worker_id())
    q = None
    try:
        sc = scenario_with(task.base, {task.addresses[n]: v for n, v in values.items()})
        if sc.config_hash() != row["scenario_hash"]:
            raise RuntimeError("the scenario rebuilt by the worker does not match the plan "
                               "(different bposim version on this worker?)")
        run = run_model(sc, make_seed(row["seed_entropy"], row["spawn_key"]),
                        timeout_s=task.timeout_s)
        q = run.quarterly[["year", "quarter", *task.outputs]].copy()
        q.insert(0, "run_id", int(row["run_id"]))
    except RunTimeout:
        rec.update(status="timeout", error=f"RunTimeout: exceeded timeout_s = "
                   f"{task.timeout_s:g} s (checked before each quarter)")
    except Exception as exc:  # a failed run is data; the chunk goes on
        rec.update(status="failed", error=_one_line(exc), traceback=traceback.format_exc())
        q = None
    rec["wall_time_s"] = clock.seconds
    rec["finished_utc"] = utc_now()
    return rec, q


def run_chunk(task: ChunkTask) -> list[dict[str, Any]]:
    """Run every run of a chunk and store the chunk (see :mod:`experiments.storage`).

    Holds the sweep folder's shared workers' lock while running, so that a resumed
    sweep waits for chunks of an interrupted session still in flight.

    Returns
    -------
    list of dict
        Per run: ``run_id``, ``status``, ``error``, ``wall_time_s`` (small, for the
        coordinator's progress bar; the tables themselves go to disk, never through the
        scheduler).
    """
    with worker_lock(task.sweep_dir):
        recs, frames = [], []
        for row, values in zip(task.rows, task.values):
            rec, q = _run(task, row, values)
            recs.append(rec)
            if q is not None:
                frames.append(q)
        runs = pa.Table.from_pylist(recs, schema=task.runs_schema)
        ts = None
        if frames:
            ts = pa.Table.from_pandas(pd.concat(frames, ignore_index=True),
                                      schema=task.ts_schema, preserve_index=False)
        write_part(task.sweep_dir, task.part, runs, ts)
    return [{"run_id": int(r["run_id"]), "status": r["status"], "error": r["error"],
             "wall_time_s": r["wall_time_s"]} for r in recs]


def pool_worker_init() -> None:
    """Initializer of local pool workers.

    Ignores SIGINT (the coordinator handles Ctrl-C and lets chunks in progress finish)
    and exits the worker if its parent process goes away (the coordinator was killed),
    so no orphan keeps computing.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The process that started this worker (the sweep's coordinator, also with the
    # forkserver start method, where the OS parent is the fork server, which outlives
    # the coordinator as long as workers hold its pipe). Its sentinel becomes ready
    # when it dies.
    parent = multiprocessing.parent_process()

    def watch() -> None:
        if parent is not None and parent.sentinel is not None:
            wait([parent.sentinel])
        else:  # pragma: no cover - not started by multiprocessing
            ppid = os.getppid()
            while os.getppid() == ppid:
                time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch, name="bposim-parent-watch", daemon=True).start()


__all__ = ["ChunkTask", "run_chunk", "pool_worker_init"]
