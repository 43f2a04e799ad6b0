"""Shared helpers of the benchmark scripts: the benchmark market, timing, memory, machine.

The benchmark market of ``n_firms`` is the default scenario with ``n_firms`` simulated
firms. The model samples vendors at the firms' rate (``n_initial_vendors`` and
``entry_rate`` are real-world figures scaled by ``n_firms / real_buyer_firms``), so every
size simulates the same market with more agents (with the calibrated default, about 200
vendors per 2,000 firms; 300 with the uncalibrated 2,000 real firms).
"""

from __future__ import annotations

import os
import platform
import resource
import time

import numpy as np

DEFAULT_FIRMS = 2000  # n_firms of the default scenario


def benchmark_model(n_firms: int, seed: int, **overrides):
    """The benchmark market of ``n_firms`` firms, spun up, built through the run door
    (:func:`simulation.run.build_model`); ``overrides`` are other scenario fields."""
    from simulation.config import load_scenario
    from simulation.run import build_model

    return build_model(load_scenario(None, n_firms=n_firms, **overrides), seed)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux ``ru_maxrss`` is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """One line on the machine: CPU, cores, memory, Python, numpy, load average."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{cpu}; {os.cpu_count()} cores; {mem:.0f} GiB; Python {platform.python_version()}; "
            f"numpy {np.__version__}; load average {load}")


def model_at(n_firms: int, year: int, seed: int, **overrides):
    """A benchmark-market model run up to the start of ``year``."""
    m = benchmark_model(n_firms, seed, **overrides)
    m.run_for(m.quarter_index(year, 1) - m.t)
    return m


def side_by_side(step_a, step_b, n: int, after=None) -> tuple[float, float]:
    """Mean seconds per call of two step functions, called alternately ``n`` times each
    (so that both see the same machine load); ``after(i)`` runs after the i-th pair."""
    ta = tb = 0.0
    for i in range(n):
        t = time.perf_counter()
        step_a()
        ta += time.perf_counter() - t
        t = time.perf_counter()
        step_b()
        tb += time.perf_counter() - t
        if after is not None:
            after(i)
    return ta / n, tb / n
