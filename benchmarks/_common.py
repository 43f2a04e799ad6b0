"""Shared helpers of the benchmark scripts: the benchmark market, timing, memory, machine.

The benchmark market is the default scenario with the vendor population scaled with the
buyer population (``n_initial_vendors`` and ``entry_rate`` x n_firms / 2000, the default
ratio), so that every size simulates the same market with more agents. With the default
300 vendors, a million firms would meet a fixed vendor capacity and hardly outsource,
which is a different (and cheaper) workload per firm.
"""

from __future__ import annotations

import os
import platform
import resource
import time

import numpy as np

DEFAULT_FIRMS = 2000  # n_firms of the default scenario


def scaled_market(n_firms: int) -> dict:
    """Keyword arguments of :class:`BPOModel` for the benchmark market of ``n_firms``.

    The model samples vendors at the same rate as firms (``n_initial_vendors`` and
    ``entry_rate`` are real-world figures scaled by ``n_firms / real_buyer_firms``), so the
    benchmark market of any size is the default scenario with more or fewer agents: 300
    vendors per 2,000 firms. (The figures in docs/performance.md were taken when this
    function set that ratio itself; the model's rule gives the same market.)
    """
    return dict(n_firms=n_firms)


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


def model_at(n_firms: int, year: int, seed: int, **kw):
    """A benchmark-market model run up to the start of ``year``."""
    from simulation.model import BPOModel

    m = BPOModel(rng=seed, **scaled_market(n_firms), **kw)
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
