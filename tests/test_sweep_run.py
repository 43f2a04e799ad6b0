"""Sweeps end to end: runs, storage, executors, resume, failures, re-runs, locking."""

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from experiments.cli import main
from experiments.runner import SweepOptions, run_sweep
from experiments.storage import connect_duckdb, load_sweep, sweep_lock
from sweeputil import (FAST_BASE, SPEC_24, fault_env, raw_runs, raw_timeseries, run_cli_env,
                       sorted_ts, write)

IND = "countries.tax_rate_overrides.IND"


@pytest.fixture(scope="module")
def spec24(tmp_path_factory):
    return write(tmp_path_factory.mktemp("spec") / "two_by_three.toml", SPEC_24)


@pytest.fixture(scope="module")
def reference(spec24, tmp_path_factory):
    """The 24-run sweep, in-process (the reference numbers)."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    outcome = run_sweep(spec24, SweepOptions(out=out, executor="in-process", quiet=True))
    assert outcome.exit_status == 0 and outcome.ok == 24
    return load_sweep(out)


@pytest.fixture(scope="module")
def pool24(spec24, tmp_path_factory):
    """The done-when sweep: 24 runs through the CLI with a 2-worker process pool."""
    out = tmp_path_factory.mktemp("pool") / "sweep"
    p = run_cli(["sweep", spec24, "--out", out, "--workers", 2])
    return p, out


def test_24_runs_with_two_workers_hold_the_right_parameters(pool24):
    p, out = pool24
    assert p.returncode == 0, p.stderr
    assert "24 runs planned; stored 24: 24 ok, 0 failed, 0 timed out; 0 missing" in p.stdout
    assert "process pool (2 workers" in p.stdout
    runs = raw_runs(out)  # straight from the Parquet files
    assert len(runs) == 24 and sorted(runs["run_id"]) == list(range(24))
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()
    grid = runs.groupby(["review_hazard", IND])["replication"].apply(sorted)
    assert set(grid.index) == {(h, t) for h in (0.01, 0.05) for t in (0.1, 0.2, 0.3)}
    assert all(reps == [0, 1, 2, 3] for reps in grid)
    assert runs["worker"].nunique() == 2  # both workers stored chunks
    assert (runs["wall_time_s"] > 0).all()
    ts = raw_timeseries(out)
    assert len(ts) == 24 * 20 and not ts.duplicated(["run_id", "year", "quarter"]).any()
    assert list(ts.columns) == ["run_id", "year", "quarter", "market_acv_usd_bn",
                                "tcv_signed_usd_bn", "share_offshore", "n_vendors",
                                "outsourcing_rate"]
    m = json.loads((out / "manifest.json").read_text())
    for key in ("spec", "spec_text", "spec_hash", "package_version", "git_revision",
                "platform", "python", "started_utc", "finished_utc", "seed_entropy"):
        assert m[key] not in (None, ""), key
    assert m["n_runs"] == 24 and m["spec"]["seed"] == 20240501
    assert (out / "COMPLETE").is_file()
    # each run's parameters really reached its scenario: the stored scenario hash
    plan = pq.read_table(out / "plan.parquet").to_pandas()
    assert plan.groupby("point")["scenario_hash"].nunique().eq(1).all()
    assert plan["scenario_hash"].nunique() == 6


def test_in_process_and_pool_give_identical_numbers(reference, pool24):
    _, out = pool24
    pd.testing.assert_frame_equal(sorted_ts(load_sweep(out).timeseries),
                                  sorted_ts(reference.timeseries), check_exact=True)


def test_replications_of_a_point_differ(reference):
    ts, runs = reference.timeseries, reference.runs
    for point, group in runs.groupby("point"):
        series = [ts.loc[ts["run_id"] == r, "market_acv_usd_bn"].to_numpy()
                  for r in group["run_id"]]
        assert len(series) == 4
        for i in range(4):
            for j in range(i + 1, 4):
                assert not np.array_equal(series[i], series[j]), (point, i, j)
    # ... and different points differ too (the parameters act)
    by_point = ts.merge(runs[["run_id", "point"]]).groupby("point")["outsourcing_rate"].mean()
    assert by_point.nunique() == 6


def test_rerun_from_sweep_reproduces_bit_for_bit(pool24, tmp_path):
    _, out = pool24
    run_dir = tmp_path / "rerun13"
    p = run_cli(["run", "--from-sweep", out, "--run-id", 13, "--out", run_dir, "--quiet"])
    assert p.returncode == 0, p.stderr
    assert "run 13: reproduces the stored time series exactly" in p.stdout
    q = pd.read_parquet(run_dir / "quarterly.parquet")
    stored = load_sweep(out).timeseries
    stored = stored[stored["run_id"] == 13].drop(columns="run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(q[stored.columns].reset_index(drop=True), stored,
                                  check_exact=True)
    m = json.loads((run_dir / "manifest.json").read_text())
    assert m["seed"]["run_id"] == 13 and m["seed"]["spawn_key"] == [1, 3, 1]
    assert (run_dir / "COMPLETE").is_file()


def test_rerun_bad_input(pool24, tmp_path, capsys):
    _, out = pool24
    assert main(["run", "--from-sweep", str(out), "--run-id", "99", "--quiet"]) == 2
    assert "no run 99" in capsys.readouterr().err
    assert main(["run", "--from-sweep", str(out), "--run-id", "1", "--firms", "9"]) == 2
    assert "--firms: not allowed with --from-sweep" in capsys.readouterr().err
    assert main(["run", "--from-sweep", str(tmp_path), "--run-id", "1"]) == 2
    assert "not a bposim sweep folder" in capsys.readouterr().err


def test_resume_runs_only_what_is_missing(pool24, reference, tmp_path, capsys):
    _, out = pool24
    d = tmp_path / "copy"
    shutil.copytree(out, d)
    parts = sorted((d / "runs").glob("part-*.parquet"))
    gone = set()
    for part in parts[1:3]:  # lose two chunks, as if never run
        gone |= set(pq.read_table(part).column("run_id").to_pylist())
        part.unlink()
        (d / "timeseries" / part.name).unlink()
    (d / "COMPLETE").unlink()
    assert main(["sweep", str(_spec_of(d)), "--out", str(d), "--executor",
                 "in-process"]) == 0
    stdout = capsys.readouterr().out
    assert f"this session: {len(gone)} runs" in stdout
    runs = raw_runs(d)
    assert sorted(runs["run_id"]) == list(range(24))
    pd.testing.assert_frame_equal(sorted_ts(raw_timeseries(d)),
                                  sorted_ts(reference.timeseries), check_exact=True)
    # nothing missing: a second resume runs nothing
    assert main(["sweep", str(_spec_of(d)), "--out", str(d), "--executor", "in-process"]) == 0
    assert "this session: 0 runs" in capsys.readouterr().out


def _spec_of(sweep_dir: Path) -> Path:
    """The spec a sweep folder was made from (its stored copy, placed beside it)."""
    spec = sweep_dir.parent / f"{sweep_dir.name}.toml"
    shutil.copy(sweep_dir / "spec.toml", spec)
    return spec


def test_spec_change_is_refused_unless_force(pool24, reference, tmp_path, capsys):
    _, out = pool24
    d = tmp_path / "copy"
    shutil.copytree(out, d)
    before = sorted(p.name for p in (d / "runs").iterdir())
    spec = write(tmp_path / "more.toml", SPEC_24.replace("replications = 4",
                                                         "replications = 5"))
    assert main(["sweep", str(spec), "--out", str(d), "--executor", "in-process"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "the spec changed" in err and "--force" in err
    assert sorted(p.name for p in (d / "runs").iterdir()) == before
    # --force keeps the 24 runs the new spec still defines (now under new run ids)
    assert main(["sweep", str(spec), "--out", str(d), "--executor", "in-process",
                 "--force"]) == 0
    assert "this session: 6 runs" in capsys.readouterr().out
    new = load_sweep(d)
    assert len(new.runs) == 30 and sorted(raw_runs(d)["run_id"]) == list(range(30))
    old = reference.runs.merge(reference.timeseries)
    now = new.runs[new.runs["replication"] < 4].merge(new.timeseries)
    key = ["point", "replication", "year", "quarter"]
    cols = key + ["market_acv_usd_bn", "n_vendors"]
    pd.testing.assert_frame_equal(old[cols].sort_values(key).reset_index(drop=True),
                                  now[cols].sort_values(key).reset_index(drop=True),
                                  check_exact=True)


def test_failed_runs_are_recorded_and_the_others_complete(tmp_path):
    """Runs made to fail on purpose, through the CLI and a 2-worker pool: one raises in
    the model, one kills its worker process (both injected from outside bposim, see
    sweeputil.fault_env). Both are stored as failed with their error; the pool is
    replaced; every other run completes; the exit status and the summary say so."""
    spec = write(tmp_path / "points.toml", f"""
seed = 4
end_year = 2003
replications = 2
{FAST_BASE}
[design]
kind = "points"
[[design.points]]
review_hazard = 0.02
[[design.points]]
review_hazard = 0.05
[[design.points]]
review_hazard = 0.08
[[design.points]]
review_hazard = 0.03
""")
    out = tmp_path / "faulty"
    p = run_cli_env(["sweep", spec, "--out", out, "--workers", 2, "--chunk-size", 1],
                    fault_env({0.05: "raise", 0.08: "exit"}, tmp_path))
    assert p.returncode == 1, p.stderr
    assert "stored 8: 4 ok, 4 failed, 0 timed out; 0 missing" in p.stdout
    assert "4 runs failed or timed out" in p.stdout and "--retry-failed" in p.stdout
    assert "a worker process died" in p.stderr
    runs = raw_runs(out)
    assert sorted(runs["run_id"]) == list(range(8))  # each run stored exactly once
    by = runs.groupby("review_hazard")
    assert (by.get_group(0.05)["status"] == "failed").all()
    assert by.get_group(0.05)["error"].str.contains("ValueError: injected fault").all()
    assert by.get_group(0.05)["traceback"].str.contains("_advance_quarter").all()
    assert (by.get_group(0.08)["status"] == "failed").all()
    assert by.get_group(0.08)["error"].str.startswith("WorkerLost").all()
    for ok in (0.02, 0.03):
        assert (by.get_group(ok)["status"] == "ok").all()
    ts = load_sweep(out).timeseries
    assert set(ts["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])
    # without the fault, --retry-failed runs exactly the failed runs again
    outcome = run_sweep(spec, SweepOptions(out=out, executor="in-process", quiet=True,
                                           retry_failed=True))
    assert outcome.ran == 4 and outcome.ok == 8 and outcome.exit_status == 0
    assert sorted(raw_runs(out)["run_id"]) == list(range(8))


def test_a_chunk_that_cannot_run_is_recorded_as_failed(spec24, monkeypatch, tmp_path):
    """If a worker cannot run a chunk at all (e.g. bposim missing on a Dask worker), its
    runs are recorded as failed with the error and the sweep goes on."""
    import experiments.runner as runner

    real = runner.run_chunk

    def flaky(task):
        if 0 in task.run_ids:
            raise ModuleNotFoundError("No module named 'experiments'")
        return real(task)

    monkeypatch.setattr(runner, "run_chunk", flaky)
    out = tmp_path / "chunky"
    outcome = run_sweep(spec24, SweepOptions(out=out, executor="in-process", quiet=True,
                                             chunk_size=5))
    assert outcome.failed == 5 and outcome.ok == 19 and outcome.exit_status == 1
    runs = load_sweep(out).runs
    bad = runs[runs["status"] == "failed"]
    assert list(bad["run_id"]) == [0, 1, 2, 3, 4]
    assert bad["error"].str.contains("ChunkError: .*ModuleNotFoundError").all()


def test_timeout_is_recorded_and_the_sweep_goes_on(tmp_path):
    spec = write(tmp_path / "t.toml", f"""
seed = 3
end_year = 2004
timeout_s = 2.0
{FAST_BASE}
[design]
kind = "points"
[[design.points]]
n_firms = 40
[[design.points]]
n_firms = 150000
[[design.points]]
n_firms = 50
""")
    out = tmp_path / "slow"
    outcome = run_sweep(spec, SweepOptions(out=out, executor="in-process", quiet=True))
    assert outcome.exit_status == 1 and outcome.timeout == 1 and outcome.ok == 2
    runs = load_sweep(out).runs.set_index("n_firms")
    assert runs.loc[150000, "status"] == "timeout"
    assert "timeout_s = 2 s" in runs.loc[150000, "error"]
    assert runs.loc[150000, "wall_time_s"] < 2.0 + 5.0  # stopped within a quarter or so
    assert (runs.loc[[40, 50], "status"] == "ok").all()


def test_second_sweep_on_a_locked_folder_is_refused(pool24, tmp_path):
    _, out = pool24
    d = tmp_path / "copy"
    shutil.copytree(out, d)
    (d / "COMPLETE").unlink()
    before = {p.name: p.stat().st_mtime_ns for p in (d / "runs").iterdir()}
    with sweep_lock(d):  # this test process plays the first sweep
        p = run_cli(["sweep", d / "spec.toml", "--out", d, "--quiet"])
    assert p.returncode == 2
    err = p.stderr.strip()
    assert len(err.splitlines()) == 1 and "in use by another bposim sweep" in err
    assert "pid" in err
    after = {p.name: p.stat().st_mtime_ns for p in (d / "runs").iterdir()}
    assert after == before and not (d / "COMPLETE").exists()


def test_loader_and_duckdb_agree(pool24):
    _, out = pool24
    data = load_sweep(out)
    assert data.counts() == {"ok": 24, "failed": 0, "timeout": 0, "planned": 24,
                             "missing": 0}
    con = connect_duckdb(out)
    n, ok = con.sql("SELECT count(*), count(*) FILTER (WHERE status = 'ok') FROM runs"
                    ).fetchall()[0]
    assert (n, ok) == (24, 24)
    df = con.sql(f"""
        SELECT r.review_hazard, r."{IND}" AS ind_tax, avg(t.share_offshore) AS off
        FROM timeseries t JOIN runs r USING (run_id)
        WHERE t.year = 2004 GROUP BY ALL ORDER BY ALL""").df()
    assert len(df) == 6
    ts = data.timeseries.merge(data.runs[["run_id", "review_hazard", IND]])
    expect = ts[ts["year"] == 2004].groupby(["review_hazard", IND])["share_offshore"].mean()
    np.testing.assert_allclose(df["off"].to_numpy(), expect.to_numpy(), rtol=1e-12)


def test_duckdb_and_loader_are_exact_with_leftovers(pool24, reference, tmp_path):
    """A duplicate chunk and an orphan time-series part (what a kill -9 at the wrong
    moment can leave) do not show in the loader or the DuckDB views, and the next sweep
    removes them from disk."""
    _, out = pool24
    d = tmp_path / "copy"
    shutil.copytree(out, d)
    part = sorted((d / "runs").glob("part-*.parquet"))[0]
    shutil.copy(part, d / "runs" / "part-999999999-duplicate.parquet")
    shutil.copy(d / "timeseries" / part.name, d / "timeseries" / "part-999999999-duplicate"
                ".parquet")
    shutil.copy(d / "timeseries" / part.name, d / "timeseries" / "part-999999998-orphan"
                ".parquet")
    assert len(raw_runs(d)) > 24
    data = load_sweep(d)
    assert len(data.runs) == 24
    pd.testing.assert_frame_equal(sorted_ts(data.timeseries), sorted_ts(reference.timeseries),
                                  check_exact=True)
    con = connect_duckdb(d)
    assert con.sql("SELECT count(*) FROM runs").fetchall()[0][0] == 24
    assert con.sql("SELECT count(*) FROM timeseries").fetchall()[0][0] == 24 * 20
    outcome = run_sweep(d / "spec.toml", SweepOptions(out=d, executor="in-process",
                                                      quiet=True))
    assert outcome.ran == 0 and any("duplicates" in n for n in outcome.notes)
    assert len(raw_runs(d)) == 24 and len(raw_timeseries(d)) == 24 * 20


def test_progress_bar_shows_counts_and_eta(tmp_path):
    """The bar (on a terminal-less stream when asked for) shows ok/failed counts and an
    ETA; --quiet prints nothing."""
    import io

    from experiments.runner import _Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    buf = Terminal()
    bar = _Progress(24, {"ok": 3}, "x", quiet=False, stream=buf)
    bar.add([{"status": "ok"}, {"status": "failed"}])
    time.sleep(0.01)
    bar.bar.refresh()
    bar.close()
    text = buf.getvalue()
    assert "5/24" in text and "ok=4" in text and "failed=1" in text and "<" in text
    tiny = write(tmp_path / "tiny.toml", f"seed = 1\nend_year = 2001\n{FAST_BASE}")
    p = run_cli(["sweep", tiny, "--out", tmp_path / "q", "--executor", "in-process",
                 "--quiet"])
    assert p.returncode == 0 and p.stdout == "" and p.stderr == ""
    assert len(load_sweep(tmp_path / "q").runs) == 1


def test_sweep_folder_of_another_format_version_is_refused(tmp_path):
    """An older (or newer) sweep folder fails with a message naming its version, both for
    loading and for resuming."""
    import json

    import pytest

    from experiments import storage
    from experiments.cli import main

    spec = tmp_path / "s.toml"
    spec.write_text('name = "v"\nreplications = 1\nend_year = 2001\n[base]\n'
                    'overrides = { n_firms = 15 }\n[[parameters]]\nname = "review_hazard"\n'
                    'values = [0.02]\n')
    out = tmp_path / "sw"
    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--executor",
                 "in-process"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    m["sweep_format_version"], m["package_version"] = 0, "0.0.1"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(storage.SweepFormatError, match=r"bposim 0\.0\.1 in sweep format 0"):
        storage.load_sweep(out)
    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--executor",
                 "in-process"]) == 2
