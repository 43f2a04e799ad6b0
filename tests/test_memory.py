"""simulation/memory.py: the allocator setting that keeps freed memory for reuse (issue
#16). That it leaves every result unchanged is checked by the golden outputs and by
``test_results_do_not_depend_on_the_allocator_setting``."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from simulation import memory

ROOT = Path(__file__).resolve().parent.parent
GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def test_zero_leaves_the_allocator_alone(monkeypatch):
    monkeypatch.setattr(memory, "_applied", None)
    monkeypatch.setenv("BPOSIM_MALLOC_TOP_PAD", "0")
    assert memory.keep_freed_memory() == 0
    # once per process: a later call changes nothing, whatever it asks
    assert memory.keep_freed_memory(2**20) == 0


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt only")
def test_the_pad_is_set_once_per_process(monkeypatch):
    monkeypatch.setattr(memory, "_applied", None)
    monkeypatch.delenv("BPOSIM_MALLOC_TOP_PAD", raising=False)
    assert memory.keep_freed_memory() == memory.TOP_PAD_BYTES
    assert memory.keep_freed_memory(0) == memory.TOP_PAD_BYTES
    monkeypatch.setattr(memory, "_applied", None)
    monkeypatch.setenv("BPOSIM_MALLOC_TOP_PAD", str(64 * 2**20))
    assert memory.keep_freed_memory() == 64 * 2**20


CHILD = r"""
import sys
import simulation.memory as mem
from simulation.model import BPOModel
m = BPOModel(n_firms=300, rng=9, end_year=2003)
m.run()
print(mem._applied, m.quarterly().to_csv(float_format=repr))
"""


def test_results_do_not_depend_on_the_allocator_setting():
    """The same run in two processes, one with the pad and one without: the same
    quarterly outputs to the last bit."""
    out = []
    for pad in ("0", str(memory.TOP_PAD_BYTES)):
        env = dict(os.environ, BPOSIM_MALLOC_TOP_PAD=pad,
                   PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        r = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT, check=True,
                           capture_output=True, text=True)
        applied, csv = r.stdout.split(" ", 1)
        out.append((applied, csv))
    assert out[0][0] == "0"
    if GLIBC:
        assert out[1][0] == str(memory.TOP_PAD_BYTES)
    assert out[0][1] == out[1][1] and out[0][1].count("\n") > 10


@pytest.mark.parametrize("raw", ["abc", "-5", "1.5"])
def test_a_bad_allocator_pad_is_one_line_and_exit_2(tmp_path, raw):
    """A bad ``BPOSIM_MALLOC_TOP_PAD`` stops the run with one line naming the variable,
    exit 2, and no output folder (it used to raise a ValueError traceback, exit 1)."""
    import os
    import subprocess

    from conftest import bposim_exe

    out = tmp_path / "run"
    p = subprocess.run(bposim_exe() + ["run", "--firms", "50", "--end-year", "2000",
                                       "--out", str(out), "--quiet"],
                       capture_output=True, text=True, timeout=300,
                       env=os.environ | {"BPOSIM_MALLOC_TOP_PAD": raw})
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "BPOSIM_MALLOC_TOP_PAD" in lines[0], p.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_top_pad_from_env(monkeypatch):
    from simulation.inputs import ConfigError
    from simulation.memory import TOP_PAD_BYTES, top_pad_from_env

    monkeypatch.delenv("BPOSIM_MALLOC_TOP_PAD", raising=False)
    assert top_pad_from_env() == TOP_PAD_BYTES
    monkeypatch.setenv("BPOSIM_MALLOC_TOP_PAD", " 0 ")
    assert top_pad_from_env() == 0
    monkeypatch.setenv("BPOSIM_MALLOC_TOP_PAD", "x")
    with pytest.raises(ConfigError, match="BPOSIM_MALLOC_TOP_PAD"):
        top_pad_from_env()
