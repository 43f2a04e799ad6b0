"""Dask executors against the real thing: a `dask scheduler` and two `dask worker`
processes on 127.0.0.1 started by the test, and a LocalCluster (`--dask-local`)."""

import os
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest
from distributed import Client

from conftest import ROOT, run_cli
from experiments.runner import SweepOptions, run_sweep
from experiments.storage import load_sweep
from sweeputil import SPEC_24, in_process_sweep, raw_runs, run_cli_env, sorted_ts, write

SPEC_12 = SPEC_24.replace("replications = 4", "replications = 2")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def spec12(tmp_path_factory):
    return write(tmp_path_factory.mktemp("spec") / "twelve.toml", SPEC_12)


@pytest.fixture(scope="module")
def reference(spec12, tmp_path_factory):
    return in_process_sweep(spec12, tmp_path_factory.mktemp("ref") / "sweep")


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers, on loopback, torn down afterwards."""
    tmp = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    logs = [open(tmp / f"{n}.log", "w") for n in ("scheduler", "w0", "w1")]
    procs = [subprocess.Popen(dask + ["scheduler", "--host", "127.0.0.1", "--port",
                                      str(port), "--no-dashboard",
                                      "--dashboard-address", "127.0.0.1:0"],
                              stdout=logs[0], stderr=subprocess.STDOUT, cwd=ROOT)]
    try:
        for i in (0, 1):
            procs.append(subprocess.Popen(
                dask + ["worker", address, "--host", "127.0.0.1", "--nworkers", "1",
                        "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}",
                        "--local-directory", str(tmp / f"w{i}")],
                stdout=logs[i + 1], stderr=subprocess.STDOUT, cwd=ROOT))
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        for f in logs:
            f.close()


def test_sweep_on_a_dask_cluster_via_scheduler(dask_cluster, spec12, reference, tmp_path):
    out = tmp_path / "on-dask"
    p = run_cli(["sweep", spec12, "--out", out, "--scheduler", dask_cluster])
    assert p.returncode == 0, p.stderr
    assert "12 runs planned; stored 12: 12 ok" in p.stdout
    assert f"dask (scheduler {dask_cluster}, 2 workers)" in p.stdout
    runs = raw_runs(out)
    assert sorted(runs["run_id"]) == list(range(12))
    assert runs["worker"].nunique() == 2  # both Dask workers stored chunks themselves
    pd.testing.assert_frame_equal(sorted_ts(load_sweep(out).timeseries), reference,
                                  check_exact=True)


def test_sweep_on_a_dask_local_cluster(spec12, reference, tmp_path):
    out = tmp_path / "local-dask"
    t0 = time.monotonic()
    outcome = run_sweep(spec12, SweepOptions(out=out, dask_local=2, quiet=True))
    assert outcome.exit_status == 0 and outcome.ok == 12
    assert outcome.executor == "dask (LocalCluster, 2 workers)"
    assert time.monotonic() - t0 < 300
    pd.testing.assert_frame_equal(sorted_ts(load_sweep(out).timeseries), reference,
                                  check_exact=True)


def test_unreachable_scheduler_is_a_one_line_error(spec12, tmp_path):
    out = tmp_path / "nowhere"
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s")
    p = run_cli_env(["sweep", spec12, "--out", out, "--scheduler",
                     f"tcp://127.0.0.1:{_free_port()}", "--quiet"], env, timeout=120)
    assert p.returncode == 2
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "--scheduler: cannot connect" in err[0], p.stderr
