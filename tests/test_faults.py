"""Faults of the machine end as one line naming the path and what to do, exit status 2,
no traceback, and no leftovers but a resumable sweep folder (simulation/faults.py).

A full disk and a read-only file system are real: a small tmpfs mounted in a private
mount namespace (``unshare -m``, as root). A folder without write permission is real too:
as root, the command runs without the capabilities that bypass permissions (``setpriv``).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, bposim_exe
from sweeputil import FAST_BASE, in_process_sweep, sorted_ts, write
from test_inputs import assert_one_line, cli

ROOT_USER = os.geteuid() == 0

SPEC_6 = f"""
name = "six"
seed = 3
replications = 2
end_year = 2002
outputs = ["market_acv_usd_bn", "share_offshore"]
{FAST_BASE}
[[parameters]]
name = "review_hazard"
values = [0.01, 0.03, 0.05]
"""
RUN = ["run", "--firms", "20", "--end-year", "2001", "--quiet"]


def _mounts_allowed() -> bool:
    if not ROOT_USER or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "mount", "-t", "tmpfs", "tmpfs", "/mnt"],
                          capture_output=True).returncode == 0


needs_mount_namespace = pytest.mark.skipif(
    not _mounts_allowed(), reason="a tmpfs in a private mount namespace needs root and "
    "`unshare -m` (the full-disk and read-only cases are not run here)")


def in_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace (its mounts vanish with it)."""
    return subprocess.run(["unshare", "-m", "sh", "-euc", script], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def _sh(args) -> str:
    import shlex
    return " ".join(shlex.quote(str(a)) for a in bposim_exe() + list(args))


@pytest.fixture(scope="module")
def spec6(tmp_path_factory):
    return write(tmp_path_factory.mktemp("spec") / "six.toml", SPEC_6)


@pytest.fixture(scope="module")
def reference6(spec6, tmp_path_factory):
    return in_process_sweep(spec6, tmp_path_factory.mktemp("ref") / "sweep")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".tmp-" in p.name or
                  p.name.endswith(".lock") and p.parent == folder)


# ------------------------------------------------------------------------ full disk
@needs_mount_namespace
def test_sweep_on_a_full_disk_stops_with_one_line_and_resumes(spec6, reference6, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    sweep = disk / "sw"
    p = in_namespace(f"""
mount -t tmpfs -o size=56k tmpfs {disk}
rc=0; {_sh(["sweep", spec6, "--out", sweep, "--workers", 2, "--chunk-size", 1,
            "--quiet"])} 2> {tmp_path}/full.err || rc=$?; echo $rc > {tmp_path}/full.rc
ls -A {sweep} {sweep}/runs {sweep}/timeseries > {tmp_path}/full.ls
ls {sweep}/runs | wc -l > {tmp_path}/full.stored
mount -o remount,size=64m {disk}
{_sh(["sweep", spec6, "--out", sweep, "--executor", "in-process", "--quiet"])}
cp -a {sweep} {tmp_path}/copy
""")
    assert p.returncode == 0, p.stderr
    err = (tmp_path / "full.err").read_text()
    assert (tmp_path / "full.rc").read_text().strip() == "2", err
    assert_one_line(2, err, f"--out {sweep}: no space left on the device",
                    "run the same command again to resume")
    assert ".tmp-" not in (tmp_path / "full.ls").read_text()  # no half-written file
    assert 0 < int((tmp_path / "full.stored").read_text()) < 6
    from experiments.storage import load_sweep
    data = load_sweep(tmp_path / "copy")
    assert len(data.runs) == 6 and (data.runs["status"] == "ok").all()  # none failed
    pd.testing.assert_frame_equal(sorted_ts(data.timeseries), reference6, check_exact=True)


@needs_mount_namespace
def test_run_on_a_full_disk_leaves_nothing(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    p = in_namespace(f"""
mount -t tmpfs -o size=40k tmpfs {disk}
rc=0; {_sh(RUN + ["--out", disk / "run"])} 2> {tmp_path}/err || rc=$?; echo $rc > {tmp_path}/rc
ls -A {disk} > {tmp_path}/ls
""")
    assert p.returncode == 0, p.stderr
    err = (tmp_path / "err").read_text()
    assert (tmp_path / "rc").read_text().strip() == "2", err
    assert_one_line(2, err, f"--out {disk / 'run'}: no space left on the device")
    assert (tmp_path / "ls").read_text() == ""  # no folder, no .run.lock, no .run.tmp-PID


@needs_mount_namespace
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_read_only_file_system(command, spec6, tmp_path):
    disk = tmp_path / "ro"
    disk.mkdir()
    args = RUN + ["--out", disk / "x"] if command == "run" else \
        ["sweep", spec6, "--out", disk / "x", "--quiet"]
    p = in_namespace(f"""
mount -t tmpfs -o ro tmpfs {disk}
rc=0; {_sh(args)} 2> {tmp_path}/err || rc=$?; echo $rc > {tmp_path}/rc
""")
    assert p.returncode == 0, p.stderr
    err = (tmp_path / "err").read_text()
    assert (tmp_path / "rc").read_text().strip() == "2", err
    assert_one_line(2, err, "read-only file system", "give a folder on a writable")


# ----------------------------------------------------------- permission, path under a file
def _without_permission_bypass(args) -> list[str]:
    """The command, run without the capabilities with which root ignores permissions."""
    cmd = bposim_exe() + [str(a) for a in args]
    if ROOT_USER:
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] + cmd
    return cmd


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_folder_without_write_permission(command, spec6, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    args = RUN + ["--out", locked / "x"] if command == "run" else \
        ["sweep", spec6, "--out", locked / "x", "--quiet"]
    p = subprocess.run(_without_permission_bypass(args), capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    locked.chmod(0o755)
    assert_one_line(p.returncode, p.stderr, f"{locked / 'x'}: permission denied")
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "sweep"])
@pytest.mark.parametrize("where", ["under a file", "under /proc"])
def test_out_where_no_folder_can_be(command, where, spec6, tmp_path):
    if where == "under a file":
        (tmp_path / "afile").write_text("x")
        out, needle = tmp_path / "afile" / "x", "a part of the path is a file"
    else:
        out, needle = Path("/proc/bposim-test/x"), "no such file or folder"
    args = RUN + ["--out", out] if command == "run" else \
        ["sweep", spec6, "--out", out, "--executor", "in-process", "--quiet"]
    rc, err = cli(args)
    assert_one_line(rc, err, f"--out {out}:", needle)
    assert len(err) < 400


# ---------------------------------------------------------------- damaged sweep folder
@pytest.fixture(scope="module")
def finished(spec6, reference6, tmp_path_factory):
    out = tmp_path_factory.mktemp("fin") / "sweep"
    in_process_sweep(spec6, out)
    return out


def _damage(folder: Path, how: str) -> None:
    if how == "truncated manifest":
        m = folder / "manifest.json"
        m.write_bytes(m.read_bytes()[:100])
    elif how == "empty manifest":
        (folder / "manifest.json").write_bytes(b"")
    elif how == "0-byte part":
        next((folder / "runs").glob("part-*")).write_bytes(b"")
    elif how == "missing plan":
        (folder / "plan.parquet").unlink()
    elif how == "another format":
        m = json.loads((folder / "manifest.json").read_text())
        m.update(sweep_format_version=0, package_version="0.0.1")
        (folder / "manifest.json").write_text(json.dumps(m))


DAMAGE = {"truncated manifest": "manifest.json", "empty manifest": "manifest.json",
          "0-byte part": "runs/part-", "missing plan": "plan.parquet",
          "another format": "sweep format 0"}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_damaged_sweep_folder_on_rerun(how, finished, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(finished, folder)
    _damage(folder, how)
    rc, err = cli(["run", "--from-sweep", folder, "--run-id", 0, "--out", tmp_path / "r",
                   "--quiet"])
    assert_one_line(rc, err, DAMAGE[how])
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("how", list(DAMAGE))
def test_damaged_sweep_folder_on_resume(how, finished, spec6, reference6, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(finished, folder)
    _damage(folder, how)
    args = ["sweep", spec6, "--out", folder, "--executor", "in-process", "--quiet"]
    rc, err = cli(args)
    if how == "missing plan":  # derived from the spec: the resume rewrites it
        assert rc == 0, err
    else:
        assert_one_line(rc, err, DAMAGE[how])
    if how == "0-byte part":  # doing what the line says completes the sweep again
        assert "remove that file" in err
        next((folder / "runs").glob("part-*")).unlink()
        rc, err = cli(args)
        assert rc == 0, err
    if how in ("missing plan", "0-byte part"):
        from experiments.storage import load_sweep
        pd.testing.assert_frame_equal(sorted_ts(load_sweep(folder).timeseries), reference6,
                                      check_exact=True)


def test_malformed_calibration_json(tmp_path):
    shutil.copy(ROOT / "simulation/scenarios/calibrated.toml", tmp_path)
    (tmp_path / "calibration.json").write_text('{"parameters": {"review_hazard": 0.0')
    rc, err = cli(["reproduce", "--calibration", tmp_path / "calibrated.toml", "--out",
                   tmp_path / "out", "--executor", "in-process", "--quiet"])
    assert_one_line(rc, err, "calibration.json: invalid JSON")
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_leaves_no_folder(spec6, tmp_path, monkeypatch):
    import socket

    from experiments import executors
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1, raising=False)
    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "sweep"
    rc, err = cli(["sweep", spec6, "--out", out, "--scheduler", f"tcp://127.0.0.1:{port}",
                   "--quiet"])
    assert_one_line(rc, err, "--scheduler: cannot connect")
    assert not out.exists()
