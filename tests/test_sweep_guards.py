"""Sweep guards: a racing sweep cannot take over a folder, huge designs are refused before
they are built, DuckDB views read their own folder only, a kill at any final write leaves
nothing that a resume does not clean, and Ctrl-C starts no queued run."""

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT
from experiments.runner import SweepOptions, run_sweep
from experiments.storage import load_sweep
from sweeputil import (FAST_BASE, in_process_sweep, popen_cli, raw_runs, run_cli_env,
                       signal_at_rename_env, slow_env, sorted_ts, wait_for_parts, write)
from test_inputs import assert_one_line, cli

SPEC_A = f"""
name = "a"
seed = 11
replications = 2
end_year = 2001
outputs = ["market_acv_usd_bn"]
{FAST_BASE}
"""
SPEC_B = SPEC_A.replace('name = "a"', 'name = "b"').replace("seed = 11", "seed = 12")


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    d = tmp_path_factory.mktemp("specs")
    return write(d / "a.toml", SPEC_A), write(d / "b.toml", SPEC_B)


@pytest.fixture(scope="module")
def sweep_a(specs, tmp_path_factory):
    out = tmp_path_factory.mktemp("a") / "sweep"
    in_process_sweep(specs[0], out)
    return out


# ------------------------------------------------------------------------- the race
def test_a_sweep_finished_while_another_was_planned_is_kept(specs, tmp_path, monkeypatch):
    """Sweep B looks at the folder (new), then plans; meanwhile sweep A runs in the same
    folder to completion. B must refuse under the lock, and A's runs stay intact."""
    import experiments.runner as runner

    spec_a, spec_b = specs
    out = tmp_path / "R"
    plan = runner.build_plan
    finished_a = {}

    def plan_while_a_runs(loaded, entropy):
        if loaded.name == "b" and not finished_a:
            a = run_sweep(spec_a, SweepOptions(out=out, executor="in-process", quiet=True))
            finished_a.update(runs=raw_runs(out), ts=load_sweep(out).timeseries,
                              status=a.exit_status)
        return plan(loaded, entropy)

    monkeypatch.setattr(runner, "build_plan", plan_while_a_runs)
    rc, err = cli(["sweep", spec_b, "--out", out, "--executor", "in-process", "--quiet"])
    assert finished_a["status"] == 0
    assert_one_line(rc, err, "another sweep", "while this one", "its runs are kept")
    assert load_sweep(out).manifest["name"] == "a"
    pd.testing.assert_frame_equal(raw_runs(out), finished_a["runs"])
    pd.testing.assert_frame_equal(load_sweep(out).timeseries, finished_a["ts"])
    assert (out / "COMPLETE").is_file()


# ------------------------------------------------------------------- the design bound
HUGE = {
    "factorial 3 x 100,000 levels": SPEC_A + "\n".join(
        f'[[parameters]]\nname = "{n}"\nrange = [0.01, 0.02]\nlevels = 100000'
        for n in ("review_hazard", "hidden_cost_bias", "breach_termination_prob")),
    "lhs 10^7 samples": SPEC_A + '[design]\nkind = "lhs"\nsamples = 10000000\n'
                        '[[parameters]]\nname = "review_hazard"\nrange = [0.01, 0.05]\n',
    "10^6 replications": SPEC_A.replace("replications = 2", "replications = 1000000"),
}


def test_huge_designs_are_refused_within_seconds_in_little_memory(tmp_path):
    """Each design in its own spec, refused by one process; its peak memory is measured."""
    paths = [write(tmp_path / f"huge{i}.toml", text) for i, text in enumerate(HUGE.values())]
    script = textwrap.dedent(f"""
        import contextlib, io, json, sys
        from experiments.cli import main
        out = []
        for p in {[str(p) for p in paths]!r}:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                rc = main(["sweep", p, "--out", p + ".out", "--quiet"])
            out.append([rc, err.getvalue()])
        print(json.dumps(out))
    """)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - t0
    results = json.loads(proc.stdout.read())
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read()
    for rc, err in results:
        assert_one_line(rc, err, "design:", "exceed the limit", "--allow-large")
    assert usage.ru_maxrss < 1.5 * 2 ** 20, f"{usage.ru_maxrss / 2 ** 10:.0f} MB"  # KiB
    assert seconds < 60, seconds
    assert not list(tmp_path.glob("*.out"))


def test_allow_large_lifts_the_bound(specs, tmp_path, monkeypatch):
    import experiments.runner as runner
    from experiments.runner import SweepError
    from experiments.spec import MAX_RUNS, check_size, load_spec

    spec = write(tmp_path / "big.toml", SPEC_A.replace("replications = 2",
                                                       f"replications = {MAX_RUNS + 1}"))
    assert check_size(load_spec(spec).spec, allow_large=True) == MAX_RUNS + 1

    def planned(*args, **kw):
        raise SweepError("reached planning")

    monkeypatch.setattr(runner, "prepare", planned)
    base = ["sweep", spec, "--out", tmp_path / "out", "--quiet"]
    assert_one_line(*cli(base), "exceed the limit of 50,000 runs")
    assert_one_line(*cli(base + ["--allow-large"]), "reached planning")


# ------------------------------------------------------------------------ DuckDB views
def _shifted_copy(src, dst, shift: int) -> None:
    """A copy of a sweep folder whose runs have other ids (another sweep)."""
    shutil.copytree(src, dst)
    for sub in ("runs", "timeseries"):
        for part in (dst / sub).glob("part-*.parquet"):
            t = pq.read_table(part)
            i = t.schema.get_field_index("run_id")
            t = t.set_column(i, "run_id", pa.array([r + shift for r in
                                                    t.column("run_id").to_pylist()]))
            pq.write_table(t, part)


@pytest.mark.parametrize("name, other", [("br[1]", "br1"), ("st*r", "stXr"),
                                         ("q?x", "qax"), ("it's", "its")])
def test_duckdb_views_read_their_own_folder_only(name, other, sweep_a, tmp_path):
    pytest.importorskip("duckdb")
    from experiments.storage import connect_duckdb

    shutil.copytree(sweep_a, tmp_path / name)
    _shifted_copy(sweep_a, tmp_path / other, 100)
    con = connect_duckdb(tmp_path / name)
    assert [r[0] for r in con.sql("SELECT run_id FROM runs ORDER BY run_id").fetchall()] \
        == [0, 1]
    ts = con.sql("SELECT * FROM timeseries").df()
    pd.testing.assert_frame_equal(sorted_ts(ts), sorted_ts(load_sweep(tmp_path / name)
                                                           .timeseries), check_dtype=False)
    assert con.sql("SELECT count(*) FROM plan").fetchall() == [(2,)]


# ---------------------------------------------------- a kill at the coordinator's writes
@pytest.mark.parametrize("target", ["plan.parquet", "manifest.json", "COMPLETE"])
def test_kill_9_at_a_final_write_leaves_what_resume_cleans(target, specs, sweep_a,
                                                           tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", specs[0], "--out", out, "--executor", "in-process", "--quiet"]
    p = run_cli_env(args, signal_at_rename_env(tmp_path, target, "kill"))
    assert p.returncode == -signal.SIGKILL, p.stderr
    assert list(out.glob(f".{target}.tmp-*")), "the kill did not land on the write"
    rc, err = cli(args)
    assert rc == 0, err
    assert not [x.name for x in out.rglob("*") if ".tmp-" in x.name]
    assert (out / "COMPLETE").is_file()
    pd.testing.assert_frame_equal(sorted_ts(load_sweep(out).timeseries),
                                  sorted_ts(load_sweep(sweep_a).timeseries), check_exact=True)


# ------------------------------------------------------------------ Ctrl-C, queued runs
def test_ctrl_c_starts_no_queued_run(tmp_path):
    """One Ctrl-C: the run in progress is stored, no queued run is started."""
    spec = write(tmp_path / "q.toml", SPEC_A.replace("replications = 2", "replications = 6"))
    out = tmp_path / "sweep"
    proc = popen_cli(["sweep", spec, "--out", out, "--workers", 1, "--chunk-size", 1,
                      "--quiet"], env=slow_env(tmp_path, 0.1))  # 16 quarters: 1.6 s a run
    try:
        wait_for_parts(out, 1, proc)
        proc.send_signal(signal.SIGINT)
        signalled = dt.datetime.now(dt.timezone.utc)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    started = pd.to_datetime(load_sweep(out).runs["started_utc"], utc=True)
    assert len(started) < 6
    assert (started < signalled + dt.timedelta(seconds=0.5)).all(), (started, signalled)
