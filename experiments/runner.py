"""Run a sweep: create or resume the sweep folder, run what is missing, report.

``bposim sweep SPEC --out DIR`` on a new folder plans every run and stores results as
they come (see :mod:`experiments.storage`). On an existing folder it runs only the runs
that have no record yet, so a sweep resumes after a crash, a ``kill -9`` or Ctrl-C with
no run lost or duplicated. ``--retry-failed`` also re-runs failed and timed-out runs. If
the spec no longer defines the same runs (its spec hash changed), resuming is refused
unless ``--force``: then stored runs that the new spec still defines identically (same
run key) are kept and the others are run.

Failures are data: a run that raises or times out is recorded with its error and the
sweep goes on; a worker process that dies is replaced and the runs it held are retried
one at a time, so only the run that kills its worker is recorded as failed. The exit
status is 0 when every run is ``ok``, 1 when some failed or timed out, 130 when
interrupted (2 for bad input, from the CLI).

Faults of the file system are not failures of runs: a full disk, a missing permission
or a damaged folder stops the session with one
:class:`~simulation.faults.EnvironmentFault` line naming the folder, and the runs not yet
stored are run on resume.

Two sweeps on the same folder at once are prevented by an exclusive lock
(:func:`experiments.storage.sweep_lock`). The folder's state and spec hash are read
before planning (so that mistakes are reported before anything is written) and again
once the lock is held, so that a sweep that started meanwhile is never taken over. A
sweep plans at most :data:`experiments.spec.MAX_RUNS` runs unless ``--allow-large``.
"""

from __future__ import annotations

import math
import re
import signal
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from experiments import storage
from experiments.executors import Executor, ExecutorError, WorkerLost, make_executor
from experiments.plan import Plan, PlannedRun, build_plan
from experiments.seeds import root_entropy
from experiments.spec import LoadedSpec, check_size, load_spec
from experiments.worker import ChunkTask, run_chunk
from simulation.config import render_scenario_toml
from simulation.faults import NO_SPACE, faults_named
from simulation.messages import echo
from simulation.run import environment, utc_now

EXIT_OK, EXIT_FAILED_RUNS, EXIT_INTERRUPTED = 0, 1, 130
#: Temporary files of interrupted writes (:func:`experiments.storage.write_json_atomic`)
_TMP_FILE = re.compile(r"^\..+\.tmp-")
#: What to do after a fault of the file system has stopped a sweep.
_RESUME = "run the same command again to resume the sweep"
_INIT_FILES = {storage.LOCK, storage.WORKERS_LOCK, storage.SPEC_COPY, storage.BASE_SCENARIO,
               storage.PLAN, storage.RUNS_DIR, storage.TS_DIR}


class SweepError(Exception):
    """A user error about the sweep folder or options: one line, exit status 2."""


@dataclass
class SweepOptions:
    """Options of ``bposim sweep`` (see ``bposim sweep --help``)."""

    out: Path | None = None
    executor: str = "pool"
    workers: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None
    start_method: str | None = None
    chunk_size: int | None = None
    retry_failed: bool = False
    force: bool = False
    quiet: bool = False
    allow_large: bool = False


@dataclass
class SweepOutcome:
    """What a sweep session did and what the folder holds afterwards."""

    sweep_dir: Path
    planned: int
    ok: int
    failed: int
    timeout: int
    missing: int
    ran: int
    seconds: float
    executor: str
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)
    plan: Plan | None = field(default=None, repr=False)

    @property
    def exit_status(self) -> int:
        """0 all ok, 1 failed/timed-out runs, 130 interrupted."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED_RUNS if (self.failed or self.timeout or self.missing) else EXIT_OK

    def summary(self, name: str) -> str:
        """Human-readable summary (several lines)."""
        lines = [f"sweep {name!r} in {self.sweep_dir}: {self.planned} runs planned; "
                 f"stored {self.planned - self.missing}: {self.ok} ok, {self.failed} failed, "
                 f"{self.timeout} timed out; {self.missing} missing",
                 f"this session: {self.ran} runs in {self.seconds:.1f} s with {self.executor}"]
        if self.failed or self.timeout:
            lines.append(f"{self.failed + self.timeout} runs failed or timed out: see the runs "
                         "table (columns status, error); `--retry-failed` runs them again")
        if self.interrupted:
            lines.append(f"interrupted: {self.missing} runs are not stored yet; run the same "
                         "command again to resume")
        return "\n".join(lines)


def default_sweep_dir(loaded: LoadedSpec) -> Path:
    """``results/sweep-<name>``: the same folder each time, so re-running resumes."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", loaded.name).strip("._") or "sweep"
    return Path("results") / f"sweep-{name}"


def folder_state(path: Path) -> str:
    """``"new"`` (absent, empty, or an interrupted creation), ``"sweep"`` or ``"foreign"``."""
    if not path.exists():
        return "new"
    if not path.is_dir():
        return "foreign"
    if (path / storage.MANIFEST).is_file():
        return "sweep"
    names = {p.name for p in path.iterdir() if not _TMP_FILE.match(p.name)}
    if names <= _INIT_FILES and not any((path / storage.RUNS_DIR).glob("part-*")):
        return "new"
    return "foreign"


def _new_manifest(loaded: LoadedSpec, plan: Plan, started: str) -> dict:
    spec = loaded.spec
    return {
        "sweep_format_version": storage.SWEEP_FORMAT_VERSION,
        **environment(),
        "name": loaded.name,
        "spec_path": str(loaded.path) if loaded.path else None,
        "spec": spec.model_dump(mode="json"),
        "spec_text": loaded.text,
        "spec_hash": loaded.spec_hash(),
        "base_config_hash": loaded.base.config_hash(),
        "seed_entropy": str(plan.entropy),
        "design": spec.design.kind,
        "n_points": len(plan.design.points),
        "replications": spec.replications,
        "n_runs": len(plan.runs),
        "parameters": {n: a.canonical for n, a in loaded.addresses.items()},
        "encodings": plan.encodings,
        "outputs": list(loaded.outputs),
        "common_random_numbers": spec.common_random_numbers,
        "timeout_s": spec.timeout_s,
        "design_notes": plan.design.notes,
        "started_utc": started,
        "finished_utc": None,
        "sessions": [],
        "spec_history": [],
    }


def _write_definition(sweep_dir: Path, loaded: LoadedSpec, plan: Plan) -> None:
    for sub in (storage.RUNS_DIR, storage.TS_DIR):
        (sweep_dir / sub).mkdir(exist_ok=True)
    storage.write_text_atomic(loaded.text, sweep_dir / storage.SPEC_COPY)
    storage.write_text_atomic(render_scenario_toml(loaded.base, header=(
        "# Effective base scenario of this sweep (all fields). Each run = this scenario",
        "# + its parameters (plan.parquet).")), sweep_dir / storage.BASE_SCENARIO)
    storage.write_table_atomic(plan.table(), sweep_dir / storage.PLAN)


@contextmanager
def _sigterm_as_interrupt():
    """Treat SIGTERM (e.g. a cluster job's time limit) like Ctrl-C during a sweep."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _inspect(sweep_dir: Path) -> dict | None:
    """The manifest of the sweep in ``sweep_dir`` (None: a new sweep); writes nothing.

    Raises
    ------
    SweepError
        The folder is not a sweep folder, or one of another storage format.
    simulation.faults.DamagedFolder
        The manifest is damaged.
    """
    state = folder_state(sweep_dir)
    if state == "foreign":
        raise SweepError(f"--out: {echo(sweep_dir, 160)} exists and is not a bposim sweep "
                         "folder; choose another folder")
    if state == "new":
        return None
    try:
        storage.check_format(sweep_dir)
    except storage.SweepFormatError as err:
        raise SweepError(f"--out: {err}") from None
    return storage.read_manifest(sweep_dir)


def _refused(manifest: dict | None, loaded: LoadedSpec, force: bool) -> bool:
    """True if the folder holds a sweep of another spec, and not ``force``."""
    return manifest is not None and manifest["spec_hash"] != loaded.spec_hash() and not force


def prepare(loaded: LoadedSpec, sweep_dir: Path, force: bool = False
            ) -> tuple[Plan, dict | None]:
    """Check the folder against the spec and build the plan; writes nothing.

    Returns
    -------
    plan : Plan
    manifest : dict or None
        The existing manifest, or None for a new sweep.

    Raises
    ------
    SweepError
        The folder is not a sweep folder, or the spec changed (without ``force``).
    simulation.config.ConfigError
        Invalid parameter values.
    """
    manifest = _inspect(sweep_dir)
    seed = loaded.spec.seed
    if manifest is not None and seed is None:
        entropy = int(manifest["seed_entropy"])
    else:
        entropy = root_entropy(seed)
    if _refused(manifest, loaded, force):
        raise SweepError(
            f"--out: the spec changed since the sweep in {echo(sweep_dir, 160)} was started "
            f"(spec hash {manifest['spec_hash'][:12]} -> {loaded.spec_hash()[:12]}); use "
            "--force to resume with the new spec (stored runs it still defines are kept, "
            "the others are re-run) or choose another --out")
    return build_plan(loaded, entropy), manifest


def _recheck(loaded: LoadedSpec, sweep_dir: Path, plan: Plan, seen: dict | None,
             force: bool) -> tuple[Plan, dict | None]:
    """Under the sweep lock: :func:`prepare` again if another sweep changed the folder
    since it was looked at (while this one was planned)."""
    manifest = _inspect(sweep_dir)
    if manifest == seen:
        return plan, manifest
    if _refused(manifest, loaded, force):
        raise SweepError(
            f"--out: another sweep (spec hash {manifest['spec_hash'][:12]}) was started in "
            f"{echo(sweep_dir, 160)} while this one (spec hash {loaded.spec_hash()[:12]}) "
            "was being planned; its runs are kept; choose another --out, or use --force "
            "to take the folder over")
    return prepare(loaded, sweep_dir, force)


def _chunks(runs: list[PlannedRun], size: int) -> list[list[PlannedRun]]:
    return [runs[i:i + size] for i in range(0, len(runs), size)]


def _task(plan: Plan, sweep_dir: Path, runs: list[PlannedRun]) -> ChunkTask:
    loaded = plan.loaded
    return ChunkTask(
        sweep_dir=str(sweep_dir), part=storage.new_part_name(runs[0].run_id),
        base=loaded.base, addresses=loaded.addresses,
        rows=[plan.row(r) for r in runs], values=[plan.values(r.point) for r in runs],
        outputs=loaded.outputs, timeout_s=loaded.spec.timeout_s,
        runs_schema=storage.runs_schema(plan.schema()),
        ts_schema=storage.timeseries_schema(loaded.outputs))


def _record_lost(task: ChunkTask, error: str) -> None:
    """Store failure records for runs whose worker died (written by the coordinator)."""
    if (Path(task.sweep_dir) / storage.RUNS_DIR / task.part).exists():
        return  # the worker stored the chunk before the error: keep its records
    now = utc_now()
    recs = [dict(row, status="failed", error=error, traceback=None, wall_time_s=None,
                 started_utc=None, finished_utc=now, worker=None) for row in task.rows]
    storage.write_part(Path(task.sweep_dir), task.part,
                       pa.Table.from_pylist(recs, schema=task.runs_schema), None)


def _stop_if_full(err: BaseException) -> None:
    """Re-raise a chunk's "no space left" error: a full disk stops the sweep (every
    later chunk would fail too), and the runs stay missing, to be run on resume."""
    if isinstance(err, OSError) and err.errno in NO_SPACE:
        raise err


def _record_chunk_error(task: ChunkTask, err: BaseException, progress) -> None:
    """A chunk that raised outside the runs (e.g. bposim missing on a Dask worker, or the
    sweep folder not writable there): its runs are recorded as failed with the error."""
    msg = " ".join(f"{type(err).__name__}: {err}".split())
    _record_lost(task, f"ChunkError: the worker could not run this chunk: {msg}")
    progress.add([{"run_id": rid, "status": "failed"} for rid in task.run_ids])


class _Progress:
    """Progress (:class:`experiments.progress.Progress`) with ok / failed / timeout
    counts."""

    def __init__(self, total: int, done: Counter, name: str, quiet: bool, stream: TextIO):
        from experiments.progress import Progress

        self.counts = Counter(done)
        self.ran = 0
        self.bar = Progress(total, f"sweep {name}", stream=stream,
                            initial=sum(done.values()), disable=quiet)
        self._post()

    def _post(self) -> None:
        c = self.counts
        self.bar.set_postfix(f"ok={c['ok']} failed={c['failed']} timeout={c['timeout']}")

    def add(self, results: list[dict]) -> None:
        for r in results:
            self.counts[r["status"]] += 1
        self.ran += len(results)
        self._post()
        self.bar.update(len(results))

    def close(self) -> None:
        self.bar.close()


def _execute(ex: Executor, plan: Plan, sweep_dir: Path, todo: list[PlannedRun],
             chunk_size: int | None, progress: _Progress, say) -> None:
    """Run the missing runs; worker deaths are retried run by run (see module doc)."""
    size = chunk_size or max(1, min(64, math.ceil(len(todo) / (ex.workers * 4))))
    tasks = [_task(plan, sweep_dir, c) for c in _chunks(todo, size)]
    ex.submit_all(run_chunk, tasks)
    lost: list[ChunkTask] = []
    for task, result in ex.completed():
        if isinstance(result, WorkerLost):
            lost.append(task)
        elif isinstance(result, BaseException):  # the chunk could not run at all
            _stop_if_full(result)
            _record_chunk_error(task, result, progress)
        else:
            progress.add(result)
    if not lost:
        return
    # a chunk may have been stored just before its worker died: never run it twice
    recs = storage.read_records(sweep_dir)
    stored = {int(x) for x in recs["run_id"]} if not recs.empty else set()
    runs = sorted((r for t in lost for r in t.rows if int(r["run_id"]) not in stored),
                  key=lambda r: r["run_id"])
    say(f"bposim: a worker process died; re-running its {len(runs)} runs one at a time")
    by_id = {r.run_id: r for r in plan.runs}
    ex.restart()
    for row in runs:
        task = _task(plan, sweep_dir, [by_id[int(row["run_id"])]])
        ex.submit_all(run_chunk, [task])
        for t, result in ex.completed():
            if isinstance(result, WorkerLost):
                ex.restart()
                _record_lost(t, f"WorkerLost: the worker process died while running this "
                                f"run (out of memory, a crash or a kill signal): {result}")
                progress.add([{"run_id": t.run_ids[0], "status": "failed"}])
            elif isinstance(result, BaseException):
                _stop_if_full(result)
                _record_chunk_error(t, result, progress)
            else:
                progress.add(result)


def run_sweep(spec: str | Path | LoadedSpec, opts: SweepOptions,
              stdout: TextIO | None = None, stderr: TextIO | None = None) -> SweepOutcome:
    """Create or resume a sweep and run every missing run.

    Parameters
    ----------
    spec : path or LoadedSpec
        The sweep spec.
    opts : SweepOptions
    stdout, stderr : text streams, optional
        Summary (stdout) and progress bar / messages (stderr).

    Returns
    -------
    SweepOutcome

    Raises
    ------
    SweepError
        Folder in use by another sweep, not a sweep folder, spec changed (also by another
        sweep that started while this one was planned), bad options, unreachable cluster.
    simulation.config.ConfigError
        Invalid spec, or more runs than :data:`experiments.spec.MAX_RUNS` without
        ``opts.allow_large`` (one line naming the field); nothing is written.
    simulation.faults.EnvironmentFault
        The file system failed (no space, no permission, a damaged folder): one line
        naming the sweep folder; the stored runs are kept and the sweep resumes.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    loaded = spec if isinstance(spec, LoadedSpec) else load_spec(spec)
    check_size(loaded.spec, opts.allow_large)
    ex = _check_options(opts)
    sweep_dir = Path(opts.out) if opts.out is not None else default_sweep_dir(loaded)
    plan, manifest = prepare(loaded, sweep_dir, force=opts.force)

    def say(msg: str) -> None:
        print(msg, file=stderr, flush=True)

    try:  # before anything is written: an unreachable cluster leaves no folder behind
        ex.start()
    except ExecutorError as err:
        raise SweepError(str(err)) from None
    try:
        with faults_named(f"--out {sweep_dir}", sweep_dir.parent, then=_RESUME):
            sweep_dir.mkdir(parents=True, exist_ok=True)
            with storage.sweep_lock(sweep_dir):
                plan, manifest = _recheck(loaded, sweep_dir, plan, manifest, opts.force)
                outcome = _session(loaded, plan, manifest, sweep_dir, ex, opts, say, stderr)
    except storage.SweepLocked as err:
        raise SweepError(str(err)) from None
    finally:
        ex.close()
    if outcome.interrupted:
        say(f"bposim: interrupted; {outcome.planned - outcome.missing} of {outcome.planned} "
            f"runs are stored in {sweep_dir}; run the same command to resume")
    if not opts.quiet:
        print(outcome.summary(loaded.name), file=stdout, flush=True)
    elif outcome.failed or outcome.timeout:
        say(f"bposim: {outcome.failed} failed and {outcome.timeout} timed-out runs of "
            f"{outcome.planned} in {sweep_dir}")
    return outcome


def _session(loaded: LoadedSpec, plan: Plan, manifest: dict | None, sweep_dir: Path,
             ex: Executor, opts: SweepOptions, say, stderr: TextIO) -> SweepOutcome:
    """One session on a locked sweep folder, with a started executor, which it closes
    (see :func:`run_sweep`)."""
    t0 = time.perf_counter()
    started = utc_now()
    if manifest is None:
        _write_definition(sweep_dir, loaded, plan)
        manifest = _new_manifest(loaded, plan, started)
        storage.write_json_atomic(manifest, sweep_dir / storage.MANIFEST)
    else:
        env = environment()
        for key in ("package_version", "git_revision"):
            if manifest.get(key) != env[key]:
                say(f"bposim: warning: this sweep was started with {key} "
                    f"{manifest.get(key)}; resuming with {env[key]}, so its runs may come "
                    "from different code")
        if manifest["spec_hash"] != loaded.spec_hash():
            say(f"bposim: --force: resuming {sweep_dir} with the changed spec; stored runs "
                "it no longer defines are re-run")
            _write_definition(sweep_dir, loaded, plan)
            history = manifest.get("spec_history", []) + [
                {"spec_hash": manifest["spec_hash"], "replaced_utc": started}]
            new = _new_manifest(loaded, plan, manifest["started_utc"])
            new.update(sessions=manifest.get("sessions", []), spec_history=history)
            manifest = new
        else:  # settings outside the spec hash (timeout, sensitivity) may change
            manifest.update(spec=loaded.spec.model_dump(mode="json"), spec_text=loaded.text,
                            timeout_s=loaded.spec.timeout_s)
            _write_definition(sweep_dir, loaded, plan)  # also restores a lost plan

    storage.wait_for_workers(sweep_dir, on_wait=lambda: say(
        "bposim: waiting for workers of an interrupted session to store their runs"))
    fixed = storage.repair(sweep_dir, {r.run_id: plan.row(r) for r in plan.runs},
                           drop_failed=opts.retry_failed,
                           runs_schema_expected=storage.runs_schema(plan.schema()))
    notes = [f"{v} {k.replace('_', ' ')}" for k, v in fixed.items() if v]
    records = storage.select_records(storage.read_records(sweep_dir))
    done = Counter(records["status"]) if not records.empty else Counter()
    stored = {int(x) for x in records["run_id"]} if not records.empty else set()
    todo = [r for r in plan.runs if r.run_id not in stored]
    if todo:
        (sweep_dir / storage.COMPLETE).unlink(missing_ok=True)

    session = {"started_utc": started, "executor": ex.describe(), **environment(),
               "todo": len(todo), "repair": fixed}
    manifest.setdefault("sessions", []).append(session)
    storage.write_json_atomic(manifest, sweep_dir / storage.MANIFEST)

    interrupted = False
    progress = _Progress(len(plan.runs), done, loaded.name, opts.quiet, stderr)
    try:
        with _sigterm_as_interrupt():
            try:
                if todo:
                    try:
                        _execute(ex, plan, sweep_dir, todo, opts.chunk_size, progress, say)
                    except KeyboardInterrupt:
                        interrupted = True
                        _drain(ex, progress, say)
                ex.close()
            except KeyboardInterrupt:  # during executor shut-down
                interrupted = True
    finally:
        progress.close()

    c = storage.load_sweep(sweep_dir, timeseries=False).counts()
    finished = utc_now()
    session.update(finished_utc=finished, ran=progress.ran, interrupted=interrupted,
                   ok=c["ok"], failed=c["failed"], timeout=c["timeout"], missing=c["missing"])
    if c["missing"] == 0:
        manifest["finished_utc"] = finished
    storage.write_json_atomic(manifest, sweep_dir / storage.MANIFEST)
    if c["missing"] == 0:
        storage.write_text_atomic("complete\n", sweep_dir / storage.COMPLETE)
    return SweepOutcome(sweep_dir=sweep_dir, planned=c["planned"], ok=c["ok"],
                        failed=c["failed"], timeout=c["timeout"], missing=c["missing"],
                        ran=progress.ran, seconds=time.perf_counter() - t0,
                        executor=session["executor"], interrupted=interrupted, notes=notes,
                        plan=plan)


def _drain(ex: Executor, progress: _Progress, say) -> None:
    """After Ctrl-C: cancel queued chunks and store those in progress; Ctrl-C again (or
    SIGTERM) stops them."""
    ex.interrupt()
    say("bposim: interrupted; storing the runs in progress (Ctrl-C again to stop them now)")
    try:
        for _task_, result in ex.completed():
            if isinstance(result, list):
                progress.add(result)
    except KeyboardInterrupt:
        ex.abort()


def _check_options(opts: SweepOptions) -> Executor:
    """Check the options; return the (not yet started) executor they name."""
    if opts.chunk_size is not None and opts.chunk_size < 1:
        raise SweepError(f"--chunk-size: must be >= 1, got {opts.chunk_size}")
    if opts.out is not None and Path(opts.out).exists() and not Path(opts.out).is_dir():
        raise SweepError(f"--out: {opts.out} is a file, not a folder")
    try:
        return make_executor(opts.executor, workers=opts.workers, scheduler=opts.scheduler,
                             dask_local=opts.dask_local, start_method=opts.start_method)
    except ExecutorError as err:
        raise SweepError(str(err)) from None


__all__ = ["run_sweep", "SweepOptions", "SweepOutcome", "SweepError", "prepare",
           "default_sweep_dir", "folder_state"]
