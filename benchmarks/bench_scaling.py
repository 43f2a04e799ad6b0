"""Benchmark group 3: scaling with the number of firms (time per simulated year, memory).

Each size runs the benchmark market (vendors scaled with firms, 11 processes) over the
whole span, 2000-2030 after the 10-year spin-up, in its own child process, so that the
peak resident memory (RSS) reported is that run's alone; the sizes run one after the
other from this script. Goals: close to linear; 1M firms within 8 GB and in minutes.

Run: ``python benchmarks/bench_scaling.py [--sizes 1000 10000 100000 1000000]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import benchmark_model, machine, peak_rss_mb  # noqa: E402

GOAL_RSS_MB = 8 * 1024


def one(n_firms: int, seed: int) -> dict:
    """Run one size in this process; figures as a dict. A run of 200 firms over two years
    first compiles the kernels or loads them from numba's cache (``first_call_s``, not in
    the other figures)."""
    t0 = time.perf_counter()
    benchmark_model(200, seed, end_year=2001).run()
    first_call = time.perf_counter() - t0
    t0 = time.perf_counter()
    c0 = time.process_time()
    m = benchmark_model(n_firms, seed)
    t1 = time.perf_counter()
    m.run()
    t2 = time.perf_counter()
    cpu = time.process_time() - c0
    years = m.n_total_quarters / 4
    a = m.annual()
    return dict(firms=n_firms, pairs=m.firms.n_pairs, years=years, setup_s=t1 - t0,
                total_s=t2 - t0, per_year_s=(t2 - t0) / years, rss_mb=peak_rss_mb(),
                cpu_s=cpu, first_call_s=first_call,
                vendors=int(a["n_vendors"].iloc[-1]),
                outsourcing_2030=float(a["outsourcing_rate"].iloc[-1]))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: run one size
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(one(a.one, a.seed)))
        return
    print("== group 3: scaling (whole run, spin-up included; one child process per size) ==")
    print("machine:", machine())
    print(f"{'firms':>10} {'s/sim.year':>11} {'whole run':>10} {'peak RSS':>10} "
          f"{'us/firm-yr':>10} {'exponent':>8}  vendors, outsourcing 2030")
    prev = None
    for f in a.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(f), "--seed", str(a.seed)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        per_firm = r["per_year_s"] / f * 1e6
        exp = (math.log(r["per_year_s"] / prev["per_year_s"]) / math.log(f / prev["firms"])
               if prev else float("nan"))
        print(f"{f:>10,} {r['per_year_s']:>11.3f} {r['total_s']:>9.1f}s "
              f"{r['rss_mb']:>8,.0f}MB {per_firm:>10.1f} {exp:>8.2f}  {r['vendors']:,}, "
              f"{r['outsourcing_2030']:.1%}", flush=True)
        if f >= 1_000_000:
            ok = r["rss_mb"] <= GOAL_RSS_MB
            print(f"{'':>10} 1M-firm goal: within 8 GB {'met' if ok else 'NOT met'}; whole "
                  f"run {r['total_s'] / 60:.1f} min ({r['years']:.0f} simulated years)")
            ok16 = r["rss_mb"] <= 1.5 * 1024 and r["total_s"] <= 60
            print(f"{'':>10} issue #16 goal (<= 1 min wall, <= 1.5 GB): "
                  f"{'met' if ok16 else 'NOT met'}")
        print(f"{'':>10} CPU {r['cpu_s']:.1f} s; first call (compile or load the kernels, "
              f"not counted above) {r['first_call_s']:.1f} s; load average now "
              + ", ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
        prev = r


if __name__ == "__main__":
    main()
