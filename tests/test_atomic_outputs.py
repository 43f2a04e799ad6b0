"""Atomic results folders: interruption (SIGINT, SIGTERM, SIGKILL), concurrent writers,
and safe loading of results folders."""

import json
import signal
import subprocess
import time

import pytest

from conftest import bposim_exe, default_sigint, run_cli
from simulation.atomic import COMPLETE_MARKER
from simulation.output import RESULTS_FORMAT_VERSION
from simulation.results import ResultsError, load_run

LONG = ["run", "--firms", "3000", "--end-year", "2290", "--quiet"]


def _start(out):
    return subprocess.Popen(bposim_exe() + LONG + ["--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)


def _wait_for_tmp(out, proc, timeout=60):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if list(out.parent.glob(f".{out.name}.tmp-*")):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the run never started writing")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_nothing(tmp_path, sig):
    out = tmp_path / "run"
    p = _start(out)
    _wait_for_tmp(out, p)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130
    assert err.strip().splitlines()[-1] == "bposim: interrupted; no partial output was kept"
    assert "Traceback" not in err
    assert not out.exists()
    assert not list(tmp_path.glob(".run.tmp-*"))
    assert not (tmp_path / ".run.lock").exists()


def test_killed_run_leaves_nothing_that_looks_complete(tmp_path):
    out = tmp_path / "run"
    p = _start(out)
    _wait_for_tmp(out, p)
    p.kill()  # SIGKILL: no cleanup possible
    p.wait(timeout=30)
    assert not out.exists()
    leftovers = list(tmp_path.glob(".run.tmp-*"))
    assert leftovers  # SIGKILL cannot clean up; what is left must not look complete
    for d in leftovers:
        assert d.name.startswith(".") and not (d / COMPLETE_MARKER).exists()
        with pytest.raises(ResultsError, match="incomplete"):
            load_run(d)
    # the folder can be written afterwards: the dead process's lock is gone
    q = run_cli(["run", "--firms", "30", "--end-year", "2002", "--quiet", "--out", out])
    assert q.returncode == 0, q.stderr
    assert load_run(out).annual["year"].max() == 2002
    assert [x.name for x in tmp_path.iterdir()] == ["run"]  # its leftovers are removed


def test_second_writer_to_the_same_folder_refuses(tmp_path):
    out = tmp_path / "run"
    p = _start(out)
    try:
        _wait_for_tmp(out, p)
        q = run_cli(["run", "--firms", "30", "--end-year", "2002", "--quiet", "--out", out])
        assert q.returncode == 2
        assert "another bposim process is writing" in q.stderr
        assert len(q.stderr.strip().splitlines()) == 1
    finally:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=60)
    assert not out.exists()


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("fin") / "run"
    p = run_cli(["run", "--firms", "30", "--end-year", "2003", "--quiet", "--out", out])
    assert p.returncode == 0, p.stderr
    return out


def test_load_run(finished):
    r = load_run(finished)
    assert list(r.annual["year"]) == [2000, 2001, 2002, 2003]
    assert r.manifest["results_format_version"] == RESULTS_FORMAT_VERSION == 2
    assert {"home_iso3", "vendor_iso3", "process_group"} <= set(r.flows_bilateral.columns)


def test_results_from_another_format_version_fail_naming_it(finished, tmp_path):
    import shutil
    old = tmp_path / "old"
    shutil.copytree(finished, old)
    m = json.loads((old / "manifest.json").read_text())
    m["results_format_version"] = 0
    m["package_version"] = "0.0.9"
    (old / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ResultsError, match=r"bposim 0\.0\.9 in results format 0"):
        load_run(old)


def test_damaged_table_fails_with_one_line(finished, tmp_path):
    import shutil
    bad = tmp_path / "bad"
    shutil.copytree(finished, bad)
    (bad / "annual.parquet").write_bytes(b"not parquet")
    with pytest.raises(ResultsError) as err:
        load_run(bad)
    assert "\n" not in str(err.value) and "cannot read" in str(err.value)


# ---------------------------------------------- signals landing on the final rename
SMALL = ["run", "--firms", "30", "--end-year", "2002", "--quiet"]


def test_ctrl_c_on_the_final_rename_keeps_the_complete_folder(tmp_path):
    """SIGINT right after the rename: reported as kept (not "no partial output"), no lock
    file left, and the folder is a complete result."""
    from sweeputil import run_cli_env, signal_at_rename_env

    out = tmp_path / "run"
    p = run_cli_env(SMALL + ["--out", out], signal_at_rename_env(tmp_path, "run",
                                                                 "interrupt"))
    assert p.returncode == 130, p.stderr
    assert p.stderr.strip().splitlines() == [
        f"bposim: interrupted; the results in {out} are complete and kept"], p.stderr
    assert load_run(out).annual["year"].max() == 2002
    assert sorted(x.name for x in tmp_path.iterdir()) == ["run", "signal-interrupt"]


def test_kill_9_on_the_final_rename_leaves_nothing_that_looks_complete(tmp_path):
    from simulation.atomic import is_complete
    from sweeputil import run_cli_env, signal_at_rename_env

    out = tmp_path / "run"
    p = run_cli_env(SMALL + ["--out", out], signal_at_rename_env(tmp_path, "run", "kill"))
    assert p.returncode == -signal.SIGKILL
    (left,) = tmp_path.glob(".run.tmp-*")
    assert (left / COMPLETE_MARKER).exists()  # killed after its marker was written
    assert not is_complete(left)
    with pytest.raises(ResultsError, match="incomplete"):
        load_run(left)
    # the next run into the same folder removes what the killed one left
    q = run_cli(SMALL + ["--out", out])
    assert q.returncode == 0, q.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["run", "signal-kill"]
