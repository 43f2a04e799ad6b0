"""Storage of a sweep: tidy Parquet tables under the sweep folder, written in chunks.

Layout of a sweep folder::

    DIR/
      manifest.json        spec, spec hash, package version, git revision, platform,
                           start/end times, one entry per session (start, resume)
      spec.toml            the spec as given
      base_scenario.toml   the effective base scenario (all fields)
      plan.parquet         every planned run: run_id, point, replication, parameters,
                           seed_entropy, spawn_key, scenario_hash, run_key
      runs/part-*.parquet        the runs table, one file per chunk of runs
      timeseries/part-*.parquet  the time-series table, same chunk names
      COMPLETE             present when every planned run has a record
      .sweep.lock          exclusive lock of the process that runs the sweep
      .workers.lock        shared lock of the workers writing chunks

The **runs table** has the plan's columns plus ``status`` (``ok``, ``failed`` or
``timeout``), ``error`` (``Type: message``), ``traceback``, ``wall_time_s``,
``started_utc``, ``finished_utc`` and ``worker`` (host:pid). The **time-series table**
has ``run_id``, ``year``, ``quarter`` and the kept output columns of
:mod:`simulation.collector`, one row per reported quarter of each ``ok`` run.

Workers write their own chunks: each file is written under a temporary name and renamed
(:func:`os.replace`, atomic on POSIX), the time-series part first and the runs part last,
so a runs record exists only when its time series is complete. The runs part is the
source of truth: :func:`load_sweep` (and the DuckDB views of :func:`connect_duckdb`)
keep one record per run and only the time-series rows of that record, so the tables are
exact even after a ``kill -9``; :func:`repair` (run under the sweep lock when a sweep
starts) also removes leftovers physically.
"""

from __future__ import annotations

import fcntl
import os
import socket
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.faults import DamagedFolder
from simulation.inputs import ConfigError, read_json
from simulation.messages import echo

MANIFEST = "manifest.json"
SPEC_COPY = "spec.toml"
BASE_SCENARIO = "base_scenario.toml"
PLAN = "plan.parquet"
RUNS_DIR = "runs"
TS_DIR = "timeseries"
COMPLETE = "COMPLETE"
LOCK = ".sweep.lock"
WORKERS_LOCK = ".workers.lock"
SWEEP_FORMAT_VERSION = 1
#: Largest manifest read, bytes (it holds the spec's text and one entry per session).
MANIFEST_LIMIT = 256 * 2 ** 20
STATUSES = ("ok", "failed", "timeout")

RESULT_FIELDS = [pa.field("status", pa.string()), pa.field("error", pa.string()),
                 pa.field("traceback", pa.string()), pa.field("wall_time_s", pa.float64()),
                 pa.field("started_utc", pa.string()), pa.field("finished_utc", pa.string()),
                 pa.field("worker", pa.string())]


def runs_schema(plan_schema: pa.Schema) -> pa.Schema:
    """Schema of the runs table: the plan's columns and the result columns."""
    return pa.schema(list(plan_schema) + RESULT_FIELDS)


def timeseries_schema(outputs: Iterable[str]) -> pa.Schema:
    """Schema of the time-series table: ``run_id``, ``year``, ``quarter``, outputs.

    Counts (columns named ``n_*``) are int64, everything else float64.
    """
    fields = [pa.field("run_id", pa.int64()), pa.field("year", pa.int64()),
              pa.field("quarter", pa.int64())]
    fields += [pa.field(c, pa.int64() if c.startswith("n_") else pa.float64())
               for c in outputs]
    return pa.schema(fields)


# ----------------------------------------------------------------------- atomic files
@contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success, remove it
    on any exception (Ctrl-C included)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_table_atomic(table: pa.Table, path: Path) -> Path:
    """Write a Parquet file under a temporary name, fsync it and rename it into place."""
    with _atomic_path(path) as tmp:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    return Path(path)


def write_json_atomic(obj: Any, path: Path) -> Path:
    """Write JSON (sorted keys, indented, fsynced) under a temporary name and rename it."""
    from simulation.atomic import write_json

    with _atomic_path(path) as tmp:
        write_json(tmp, obj)
    return Path(path)


def write_text_atomic(text: str, path: Path) -> Path:
    """Write a UTF-8 text file under a temporary name and rename it."""
    with _atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def new_part_name(first_run_id: int) -> str:
    """A fresh chunk name, ``part-<first run id>-<random>.parquet``."""
    return f"part-{first_run_id:09d}-{uuid.uuid4().hex[:10]}.parquet"


def write_part(sweep_dir: Path, part: str, runs: pa.Table, timeseries: pa.Table | None
               ) -> None:
    """Store one chunk: the time-series part first, then the runs part (the commit)."""
    sweep_dir = Path(sweep_dir)
    if timeseries is not None and timeseries.num_rows:
        write_table_atomic(timeseries, sweep_dir / TS_DIR / part)
    write_table_atomic(runs, sweep_dir / RUNS_DIR / part)


def worker_id() -> str:
    """``host:pid`` of this process (recorded with each run)."""
    return f"{socket.gethostname()}:{os.getpid()}"


# ----------------------------------------------------------------------------- locks
class SweepLocked(RuntimeError):
    """Another process holds the sweep folder's lock. ``str(err)`` is one line."""


@contextmanager
def sweep_lock(sweep_dir: Path) -> Iterator[None]:
    """Hold the exclusive lock of a sweep folder (:func:`fcntl.flock`, non-blocking).

    Raises
    ------
    SweepLocked
        If another process holds it; the message names that process.
    """
    path = Path(sweep_dir) / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise SweepLocked(f"--out: {sweep_dir} is in use by another bposim sweep "
                              f"({holder}); wait for it to finish or choose another "
                              "folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def worker_lock(sweep_dir: Path) -> Iterator[None]:
    """Hold a shared lock while a worker runs and stores a chunk (blocking)."""
    fd = os.open(Path(sweep_dir) / WORKERS_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def wait_for_workers(sweep_dir: Path, on_wait: Callable[[], None] | None = None) -> None:
    """Block until no worker of an earlier, interrupted session is still storing a chunk.

    Takes the workers' lock exclusively and releases it. ``on_wait()`` is called once if
    the lock is busy.
    """
    fd = os.open(Path(sweep_dir) / WORKERS_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- reading
def _damaged(path: Path, problem: str) -> DamagedFolder:
    """The one-line fault of a missing or unreadable file of a sweep folder."""
    path = Path(path)
    folder = path.parent.parent if path.parent.name in (RUNS_DIR, TS_DIR) else path.parent
    name = path.relative_to(folder).as_posix()
    if name == MANIFEST:
        todo = (f"restore {MANIFEST} from a copy, or run the sweep again with another "
                "--out")
    elif name == PLAN:
        todo = "run the same bposim sweep command on this folder again: it rewrites the plan"
    else:
        todo = "remove that file and run the same bposim sweep command again: its runs are " \
               "run again"
    return DamagedFolder(f"{echo(folder, 160)}: damaged sweep folder: {echo(name, 80)} "
                         f"{problem}; {todo}")


def read_table(path: Path, **kw) -> pa.Table:
    """A Parquet table of a sweep folder (``columns=`` etc. passed on).

    Raises
    ------
    simulation.faults.DamagedFolder
        The file is missing or is not a readable Parquet file.
    """
    return _read(pq.read_table, path, **kw)


def _read(reader: Callable, path: Path, **kw):
    """``reader(path, **kw)`` (a :mod:`pyarrow.parquet` reader) with a missing or
    unreadable file reported as a damaged folder."""
    try:
        return reader(path, **kw)
    except FileNotFoundError:
        raise _damaged(path, "is missing") from None
    except pa.ArrowException as err:
        raise _damaged(path, f"is not a readable Parquet file ({echo(err, 80)})") from None


def _parts(sweep_dir: Path, sub: str) -> list[Path]:
    d = Path(sweep_dir) / sub
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("part-*.parquet") if not p.name.startswith("."))


def read_records(sweep_dir: Path) -> pd.DataFrame:
    """Every stored runs record, with its chunk name in column ``_part`` (duplicates
    included; see :func:`select_records`)."""
    frames = []
    for p in _parts(sweep_dir, RUNS_DIR):
        df = read_table(p).to_pandas()
        df["_part"] = p.name
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["run_id", "status", "run_key", "_part"])
    return pd.concat(frames, ignore_index=True)


def select_records(records: pd.DataFrame) -> pd.DataFrame:
    """One record per run: an ``ok`` record if there is one, else the first by chunk name.

    A run has two records only after an interruption at an unlucky moment (the same
    result stored twice) or a ``--retry-failed`` that was itself interrupted; results
    are deterministic, so either ``ok`` record is the same.
    """
    if records.empty:
        return records
    order = records.assign(_bad=(records["status"] != "ok").astype(int))
    order = order.sort_values(["run_id", "_bad", "_part"], kind="stable")
    return order.drop_duplicates("run_id", keep="first").drop(columns="_bad")


@dataclass
class SweepData:
    """A sweep's tables as pandas DataFrames.

    Attributes
    ----------
    runs : DataFrame
        One row per stored run, by ``run_id`` (see the module docstring for columns).
    timeseries : DataFrame
        ``run_id``, ``year``, ``quarter`` and the kept outputs of every ``ok`` run.
    plan : DataFrame
        Every planned run.
    manifest : dict
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    plan: pd.DataFrame
    manifest: dict = field(default_factory=dict)

    @property
    def missing(self) -> list[int]:
        """Run ids planned but not stored."""
        return sorted(set(self.plan["run_id"]) - set(self.runs["run_id"]))

    def counts(self) -> dict[str, int]:
        """Stored runs by status, plus ``planned`` and ``missing``."""
        c = {s: int((self.runs["status"] == s).sum()) for s in STATUSES}
        c["planned"] = len(self.plan)
        c["missing"] = len(self.missing)
        return c


def read_manifest(sweep_dir: Path) -> dict:
    """The sweep's manifest (``manifest.json``).

    Raises
    ------
    simulation.faults.DamagedFolder
        Missing, unreadable, truncated or not a JSON object.
    """
    path = Path(sweep_dir) / MANIFEST
    try:
        manifest = read_json(path, "sweep manifest", limit=MANIFEST_LIMIT)
    except ConfigError as err:
        raise _damaged(path, "cannot be read: " + str(err).split(": ", 1)[-1]) from None
    if not isinstance(manifest, dict) or "spec_hash" not in manifest:
        raise _damaged(path, "is not a sweep manifest")
    return manifest


class SweepFormatError(ValueError):
    """A sweep folder written in another storage format; the message names the version."""


def check_format(sweep_dir: Path) -> None:
    """Refuse a sweep folder of another storage format (one line naming its version).

    Raises
    ------
    SweepFormatError
    """
    m = read_manifest(sweep_dir)
    fmt = m.get("sweep_format_version")
    if fmt != SWEEP_FORMAT_VERSION:
        raise SweepFormatError(
            f"{sweep_dir}: written by bposim {m.get('package_version', 'unknown')} in sweep "
            f"format {fmt!r}; this bposim reads format {SWEEP_FORMAT_VERSION}")


def load_sweep(sweep_dir: str | Path, timeseries: bool = True) -> SweepData:
    """Load a sweep folder's tables (exact: one record per run).

    Parameters
    ----------
    sweep_dir : path
    timeseries : bool
        Also read the time-series table (default True).

    Raises
    ------
    FileNotFoundError
        If ``sweep_dir`` is not a sweep folder.
    SweepFormatError
        If it was written in another storage format.
    """
    sweep_dir = Path(sweep_dir)
    if not (sweep_dir / MANIFEST).is_file():
        raise FileNotFoundError(f"{sweep_dir}: not a bposim sweep folder (no {MANIFEST})")
    check_format(sweep_dir)
    recs = read_records(sweep_dir)
    plan = read_table(sweep_dir / PLAN).to_pandas()
    keep = select_records(recs)
    ts = pd.DataFrame()
    if timeseries:
        ts = _read_timeseries(sweep_dir, keep)
    runs = keep.drop(columns="_part").sort_values("run_id").reset_index(drop=True)
    if runs.empty:
        runs = runs_schema(_read(pq.read_schema, sweep_dir / PLAN)).empty_table().to_pandas()
    return SweepData(runs=runs, timeseries=ts, plan=plan, manifest=read_manifest(sweep_dir))


def _read_timeseries(sweep_dir: Path, keep: pd.DataFrame) -> pd.DataFrame:
    wanted = defaultdict(set)
    for part, rid, status in zip(keep.get("_part", []), keep.get("run_id", []),
                                 keep.get("status", [])):
        if status == "ok":
            wanted[part].add(int(rid))
    frames = []
    for part in sorted(wanted):
        path = Path(sweep_dir) / TS_DIR / part
        if not path.is_file():
            continue
        df = read_table(path).to_pandas()
        frames.append(df[df["run_id"].isin(wanted[part])])
    if not frames:
        manifest = read_manifest(sweep_dir)
        schema = timeseries_schema(manifest.get("outputs", []))
        return schema.empty_table().to_pandas()
    ts = pd.concat(frames, ignore_index=True)
    return ts.sort_values(["run_id", "year", "quarter"]).reset_index(drop=True)


# ---------------------------------------------------------------------------- repair
def _drop(sweep_dir: Path, drops: dict[str, set[int]]) -> int:
    """Remove the records of the given run ids from the given chunks (atomic rewrites;
    the runs part first, so a crash never leaves a record without its time series)."""
    n = 0
    for part, ids in drops.items():
        rp = Path(sweep_dir) / RUNS_DIR / part
        tp = Path(sweep_dir) / TS_DIR / part
        if not rp.is_file():
            continue
        t = read_table(rp)
        mask = ~pd.Series(t.column("run_id").to_pylist()).isin(ids).to_numpy()
        n += int((~mask).sum())
        if mask.any():
            write_table_atomic(t.filter(pa.array(mask)), rp)
        else:
            rp.unlink()
        if tp.is_file():
            ts = read_table(tp)
            keep_ids = set(t.filter(pa.array(mask)).column("run_id").to_pylist())
            tmask = pd.Series(ts.column("run_id").to_pylist()).isin(keep_ids).to_numpy()
            if not tmask.any():
                tp.unlink()
            elif not tmask.all():
                write_table_atomic(ts.filter(pa.array(tmask)), tp)
    return n


def _relabel(sweep_dir: Path, plan_rows: dict[int, dict], schema: pa.Schema) -> int:
    """Move records whose run is still planned, under another run id, to that id.

    After ``--force`` with more replications or levels, run ids shift while a run's
    definition (its run key) does not. Such records are written as a new chunk with the
    new ids and plan columns (time series first, then the runs part), then removed from
    their old chunk; a crash in between leaves a stale copy that the next repair drops.
    """
    key_ids: dict[str, list[int]] = defaultdict(list)
    for rid, row in plan_rows.items():
        key_ids[row["run_key"]].append(rid)
    recs = read_records(sweep_dir)
    if recs.empty:
        return 0
    valid = {int(r) for r, k in zip(recs["run_id"], recs["run_key"])
             if plan_rows.get(int(r), {}).get("run_key") == k}
    moves: dict[str, dict[int, int]] = defaultdict(dict)
    taken: set[int] = set()
    for rid, key, part in zip(recs["run_id"], recs["run_key"], recs["_part"]):
        rid = int(rid)
        if plan_rows.get(rid, {}).get("run_key") == key:
            continue
        ids = key_ids.get(key, [])
        if len(ids) == 1 and ids[0] not in valid and ids[0] not in taken:
            moves[part][rid] = ids[0]
            taken.add(ids[0])
    n = 0
    result_cols = [f.name for f in RESULT_FIELDS]
    for part, mapping in moves.items():
        old = read_table(Path(sweep_dir) / RUNS_DIR / part).to_pylist()
        new_recs = [dict(plan_rows[mapping[r["run_id"]]], **{c: r[c] for c in result_cols})
                    for r in old if r["run_id"] in mapping]
        ts = None
        tp = Path(sweep_dir) / TS_DIR / part
        if tp.is_file():
            t = read_table(tp).to_pandas()
            t = t[t["run_id"].isin(mapping)]
            t["run_id"] = t["run_id"].map(mapping).astype("int64")
            ts = pa.Table.from_pandas(t, preserve_index=False)
        write_part(sweep_dir, new_part_name(min(mapping.values())),
                   pa.Table.from_pylist(new_recs, schema=schema), ts)
        n += _drop(sweep_dir, {part: set(mapping)})
    return n


def repair(sweep_dir: Path, plan_rows: dict[int, dict], drop_failed: bool = False,
           runs_schema_expected: pa.Schema | None = None) -> dict[str, int]:
    """Bring a sweep folder to a clean state (call only under :func:`sweep_lock`, after
    :func:`wait_for_workers`).

    Removes temporary files of interrupted writes (of the coordinator's files too, such as
    ``.manifest.json.tmp-*``) and time-series rows without a runs
    record; moves records of runs that the plan still defines under another run id
    (after ``--force``); removes duplicate records of a run, records that no longer
    match the plan (their run key differs, or their chunk has another column layout)
    and, with ``drop_failed``, failed and timed-out records so that those runs are run
    again.

    Parameters
    ----------
    plan_rows : dict run_id -> plan row
        Rows of :meth:`experiments.plan.Plan.row` (``run_key`` identifies a run).
    drop_failed : bool
    runs_schema_expected : pyarrow.Schema, optional
        Schema of the runs table; chunks with another layout are dropped.

    Returns
    -------
    dict
        Counts: ``tmp_files``, ``orphans``, ``relabelled``, ``duplicates``, ``stale``,
        ``retried``.
    """
    sweep_dir = Path(sweep_dir)
    out = dict(tmp_files=0, orphans=0, relabelled=0, duplicates=0, stale=0, retried=0)
    for sub in (RUNS_DIR, TS_DIR):
        (sweep_dir / sub).mkdir(exist_ok=True)
    for d in (sweep_dir, sweep_dir / RUNS_DIR, sweep_dir / TS_DIR):
        for p in d.glob(".*.tmp-*"):  # of writes interrupted by a kill
            p.unlink(missing_ok=True)
            out["tmp_files"] += 1
    runs_parts = {p.name for p in _parts(sweep_dir, RUNS_DIR)}
    for p in _parts(sweep_dir, TS_DIR):
        if p.name not in runs_parts:
            p.unlink()
            out["orphans"] += 1
    if runs_schema_expected is not None:
        out["relabelled"] = _relabel(sweep_dir, plan_rows, runs_schema_expected)
    drops: dict[str, set[int]] = defaultdict(set)
    if runs_schema_expected is not None:
        for p in _parts(sweep_dir, RUNS_DIR):
            if not _read(pq.read_schema, p).equals(runs_schema_expected):
                ids = read_table(p, columns=["run_id"]).column("run_id").to_pylist()
                drops[p.name].update(ids)
                out["stale"] += len(ids)
    recs = read_records(sweep_dir)
    if not recs.empty:
        recs = recs[[int(r) not in drops.get(p, ()) for r, p in
                     zip(recs["run_id"], recs["_part"])]]
        kept_idx = set(select_records(recs).index)
        for idx, rid, part, key, status in zip(recs.index, recs["run_id"], recs["_part"],
                                               recs["run_key"], recs["status"]):
            rid = int(rid)
            if idx not in kept_idx:
                drops[part].add(rid)
                out["duplicates"] += 1
            elif plan_rows.get(rid, {}).get("run_key") != key:
                drops[part].add(rid)
                out["stale"] += 1
            elif drop_failed and status != "ok":
                drops[part].add(rid)
                out["retried"] += 1
    if drops:
        _drop(sweep_dir, {k: v for k, v in drops.items() if v})
    # time-series rows whose record is gone (a crash between the two rewrites of _drop)
    for p in _parts(sweep_dir, TS_DIR):
        rp = sweep_dir / RUNS_DIR / p.name
        if not rp.is_file():
            p.unlink()
            continue
        ids = set(read_table(rp, columns=["run_id", "status"]).to_pandas()
                  .query("status == 'ok'")["run_id"])
        ts = read_table(p)
        tmask = pd.Series(ts.column("run_id").to_pylist()).isin(ids).to_numpy()
        if not tmask.all():
            out["orphans"] += int((~tmask).sum())
            if tmask.any():
                write_table_atomic(ts.filter(pa.array(tmask)), p)
            else:
                p.unlink()
    return out


# ---------------------------------------------------------------------------- DuckDB
def connect_duckdb(sweep_dir: str | Path, database: str = ":memory:"):
    """A DuckDB connection with views ``runs``, ``timeseries`` and ``plan`` of a sweep.

    The views apply the same rule as :func:`load_sweep` (one record per run, time-series
    rows of that record only), so they are exact in every state of the folder. Needs the
    optional ``duckdb`` extra (``pip install bposim[duckdb]``).

    Examples
    --------
    >>> con = connect_duckdb("results/sweep-example")          # doctest: +SKIP
    >>> con.sql("SELECT status, count(*) FROM runs GROUP BY status").df()  # doctest: +SKIP

    Raises
    ------
    ImportError
        If duckdb is not installed (one line naming the extra).
    """
    try:
        import duckdb
    except ImportError:
        raise ImportError("connect_duckdb needs duckdb: pip install 'bposim[duckdb]'") \
            from None
    sweep_dir = Path(sweep_dir).resolve()
    con = duckdb.connect(database)
    plan = _q(sweep_dir / PLAN)
    con.execute(f"CREATE VIEW plan AS SELECT * FROM read_parquet('{plan}')")
    runs_glob = _q(sweep_dir / RUNS_DIR) + "/part-*.parquet"
    ts_glob = _q(sweep_dir / TS_DIR) + "/part-*.parquet"
    if _parts(sweep_dir, RUNS_DIR):
        con.execute(f"""
            CREATE VIEW _records AS
            SELECT *, regexp_extract(filename, '[^/]+$') AS _part
            FROM read_parquet('{runs_glob}', filename = true)""")
        con.execute("""
            CREATE VIEW _kept AS
            SELECT * FROM _records
            QUALIFY row_number() OVER (PARTITION BY run_id
                                       ORDER BY (status <> 'ok'), _part) = 1""")
        con.execute("CREATE VIEW runs AS SELECT * EXCLUDE (filename, _part) FROM _kept "
                    "ORDER BY run_id")
    else:
        con.execute("CREATE VIEW runs AS SELECT *, NULL::VARCHAR AS status FROM plan "
                    "WHERE false")
    if _parts(sweep_dir, TS_DIR) and _parts(sweep_dir, RUNS_DIR):
        con.execute(f"""
            CREATE VIEW _ts AS
            SELECT *, regexp_extract(filename, '[^/]+$') AS _tpart
            FROM read_parquet('{ts_glob}', filename = true)""")
        con.execute("""
            CREATE VIEW timeseries AS
            SELECT t.* EXCLUDE (filename, _tpart) FROM _ts t
            SEMI JOIN _kept k ON k.run_id = t.run_id AND k._part = t._tpart
                                AND k.status = 'ok'
            ORDER BY t.run_id, t.year, t.quarter""")
    else:
        con.execute("CREATE VIEW timeseries AS SELECT NULL::BIGINT AS run_id, "
                    "NULL::BIGINT AS year, NULL::BIGINT AS quarter WHERE false")
    return con


def _q(path: Path) -> str:
    """A path as a DuckDB string literal's text that matches only itself: DuckDB expands
    ``*``, ``?`` and ``[...]`` in every path it reads, so each is put in a character
    class, and quotes are doubled."""
    literal = "".join(f"[{c}]" if c in "*?[" else c for c in path.as_posix())
    return literal.replace("'", "''")


__all__ = ["load_sweep", "SweepData", "connect_duckdb", "read_manifest", "repair",
           "sweep_lock", "worker_lock", "wait_for_workers", "SweepLocked", "write_part",
           "runs_schema", "timeseries_schema", "new_part_name", "write_table_atomic",
           "write_json_atomic", "select_records", "read_records", "read_table"]
