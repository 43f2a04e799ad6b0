"""A sweep survives kill -9 and Ctrl-C: no run lost or duplicated, same numbers."""

import os
import signal
import time

import pandas as pd
import pytest

from experiments.cli import main
from experiments.runner import SweepOptions, run_sweep
from experiments.storage import load_sweep
from sweeputil import (SPEC_18, in_process_sweep, popen_cli, raw_runs, raw_timeseries, sorted_ts,
                       wait_for_parts, write)

N = 18


@pytest.fixture(scope="module")
def spec18(tmp_path_factory):
    return write(tmp_path_factory.mktemp("spec") / "three_by_three.toml", SPEC_18)


@pytest.fixture(scope="module")
def uninterrupted(spec18, tmp_path_factory):
    """The same sweep, never interrupted (in-process)."""
    return in_process_sweep(spec18, tmp_path_factory.mktemp("ref") / "sweep")


def _group_gone(pgid: int, timeout: float = 20) -> bool:
    """True once no process of the sweep's process group is left."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _assert_exactly_once_and_equal(out, reference):
    runs = raw_runs(out)  # every record on disk, not de-duplicated
    assert sorted(runs["run_id"]) == list(range(N)), "a run is missing or duplicated"
    assert (runs["status"] == "ok").all()
    ts = raw_timeseries(out)
    assert not ts.duplicated(["run_id", "year", "quarter"]).any()
    pd.testing.assert_frame_equal(sorted_ts(ts), reference, check_exact=True)
    assert (out / "COMPLETE").is_file()


def test_kill_9_then_resume(spec18, uninterrupted, tmp_path):
    out = tmp_path / "killed"
    proc = popen_cli(["sweep", spec18, "--out", out, "--workers", 2, "--chunk-size", 1,
                      "--quiet"])
    try:
        wait_for_parts(out, 3, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    # the pool's workers notice that the coordinator is gone and exit
    assert _group_gone(proc.pid), "orphaned worker processes are still running"
    stored = len(set(raw_runs(out)["run_id"]))
    assert 0 < stored < N, stored
    assert not (out / "COMPLETE").exists()

    resume = popen_cli(["sweep", spec18, "--out", out, "--executor", "in-process"])
    stdout, stderr = resume.communicate(timeout=300)
    assert resume.returncode == 0, stderr
    assert f"this session: {N - stored} runs" in stdout
    _assert_exactly_once_and_equal(out, uninterrupted)


def test_ctrl_c_keeps_stored_runs_and_resumes(spec18, uninterrupted, tmp_path, capsys):
    out = tmp_path / "interrupted"
    proc = popen_cli(["sweep", spec18, "--out", out, "--workers", 2, "--chunk-size", 1])
    try:
        wait_for_parts(out, 3, proc)
        # a second sweep on the same folder meanwhile is refused (exit 2, one line)
        assert main(["sweep", str(spec18), "--out", str(out), "--workers", "1"]) == 2
        err2 = capsys.readouterr().err
        assert len(err2.strip().splitlines()) == 1 and "in use by another" in err2
        os.kill(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, f"not interrupted (finished first?): {stderr}"
    assert "interrupted" in stderr and "run the same command to resume" in stderr
    assert "Traceback" not in stderr
    assert _group_gone(proc.pid)
    data = load_sweep(out)
    assert 0 < len(data.runs) < N and (data.runs["status"] == "ok").all()
    assert sorted(raw_runs(out)["run_id"]) == sorted(data.runs["run_id"])  # no duplicates
    assert not list((out / "runs").glob(".*tmp*"))

    outcome = run_sweep(spec18, SweepOptions(out=out, executor="in-process", quiet=True))
    assert outcome.ran == N - len(data.runs) and outcome.exit_status == 0
    _assert_exactly_once_and_equal(out, uninterrupted)


def test_sigterm_is_handled_like_ctrl_c(spec18, uninterrupted, tmp_path):
    """A cluster job's time limit sends SIGTERM: stored runs are kept, exit 130."""
    out = tmp_path / "terminated"
    proc = popen_cli(["sweep", spec18, "--out", out, "--executor", "in-process",
                      "--chunk-size", 1])
    try:
        wait_for_parts(out, 2, proc)
        os.kill(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert "run the same command to resume" in stderr and "Traceback" not in stderr
    stored = len(load_sweep(out).runs)
    assert 2 <= stored < N
    outcome = run_sweep(spec18, SweepOptions(out=out, executor="in-process", quiet=True))
    assert outcome.ran == N - stored
    _assert_exactly_once_and_equal(out, uninterrupted)
