"""Shared fixtures: small, fast runs of the model."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulation.model import BPOModel

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def small_run():
    """One run of the default scenario with 300 firms, seed 7 (shared, read-only)."""
    m = BPOModel(rng=7, n_firms=300)
    m.run()
    return m


def bposim_exe() -> list[str]:
    """The installed console script, or ``python -m experiments.cli``."""
    exe = shutil.which("bposim", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "experiments.cli"]


def default_sigint() -> None:
    """``preexec_fn`` of a child the test will send SIGINT (Ctrl-C) to.

    A background job of a non-interactive shell (``cmd &``, e.g. CI started under nohup)
    inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler, so
    the child would run to the end. A terminal's Ctrl-C reaches a process whose SIGINT has
    the default disposition; the child starts with that disposition here."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(args, cwd=None, timeout=300):
    """Run ``bposim ARGS`` in a subprocess; returns CompletedProcess (text)."""
    return subprocess.run(bposim_exe() + [str(a) for a in args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


# Property-based tests run with a fixed, derandomised profile so the suite is
# deterministic and its run time bounded.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("bposim", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bposim")
