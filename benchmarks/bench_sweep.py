"""Benchmark: bposim's sweep engine against ``mesa.batch_run`` on the same model and design.

Not a test: it prints figures (copied into ``docs/sweeps.md``). Run from the repository:

    python benchmarks/bench_sweep.py            # about 5 minutes on 2 cores
    python benchmarks/bench_sweep.py --quick    # a smaller design, for a smoke check

Design: a full factorial over ``coordination_cost_decline`` (3 levels) and
``breach_hazard_scale`` (3 levels) x ``--reps`` replications, ``--firms`` firms, the
default 10-year spin-up, 2000 to ``--end-year``; every quarter's outputs are kept by both
engines (``data_collection_period=1`` for ``batch_run``; the time-series table for the
sweep engine).

Each configuration runs in a fresh Python process (its own session, so that
``mesa.batch_run``'s global ``set_start_method("spawn", force=True)`` cannot affect the
others), ``--repeat`` times; the best wall time is reported (the machine may be shared).

Measures
--------
wall time
    From the call to its return, in the child process: includes starting the worker
    processes, running every model and storing (sweep) or returning (batch_run) the
    results; excludes the interpreter start.
peak memory, total
    Peak of the resident set size (RSS) summed over every process of the configuration
    (coordinator and workers), sampled every 50 ms from ``/proc/<pid>/status`` by this
    script. Shared pages are counted once per process, so the total overstates physical
    memory by the shared libraries; the comparison is like for like.
CPU s
    User + system CPU time summed over the processes of the configuration (sampled from
    ``/proc/<pid>/stat``; the least of the repeats): the work done, which other processes
    on a shared machine do not inflate as much as the wall time.
peak memory, coordinator
    ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the coordinating process: where
    ``batch_run`` holds every result row and the sweep engine holds none.
parallel efficiency
    ``T(1 worker) / (2 x T(2 workers))`` of the sweep engine's process pool (goal >= 85 %),
    and the same for ``batch_run``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: (engine, workers): the sweep engine's process pool, its in-process executor (no worker
#: process, like batch_run with one process), and mesa.batch_run.
CONFIGS = (("sweep", 1), ("sweep", 2), ("sweep-inprocess", 1), ("batch_run", 1),
           ("batch_run", 2))
NAMES = {"sweep": "bposim sweep (pool)", "sweep-inprocess": "bposim sweep (in-process)",
         "batch_run": "mesa.batch_run"}
LEVELS = {"coordination_cost_decline": [0.0, 0.04, 0.08],
          "breach_hazard_scale": [0.5, 1.0, 2.0]}


def write_spec(folder: Path, firms: int, end_year: int, reps: int) -> Path:
    """The sweep spec of the benchmark design."""
    spec = folder / "bench.toml"
    params = "\n".join(f'[[parameters]]\nname = "{k}"\nvalues = {v}\n'
                       for k, v in LEVELS.items())
    spec.write_text(f"""name = "bench"
seed = 1
replications = {reps}
end_year = {end_year}
[base.overrides]
n_firms = {firms}
[design]
kind = "factorial"
{params}""")
    return spec


# ------------------------------------------------------------------ child process side
def child(engine: str, workers: int, folder: Path, firms: int, end_year: int,
          reps: int) -> dict:
    """Run one configuration in this process; return its figures."""
    t0 = time.perf_counter()
    if engine.startswith("sweep"):
        from experiments.runner import SweepOptions, run_sweep
        from experiments.storage import load_sweep

        out = folder / f"{engine}-{workers}-{os.getpid()}"
        opts = SweepOptions(out=out, workers=workers, quiet=True) if engine == "sweep" \
            else SweepOptions(out=out, executor="in-process", quiet=True)
        outcome = run_sweep(folder / "bench.toml", opts)
        wall = time.perf_counter() - t0
        assert outcome.ok == outcome.planned, outcome
        rows = len(load_sweep(out).timeseries)
        runs = outcome.planned
    else:
        import mesa

        from simulation.model import BPOModel

        data = mesa.batch_run(BPOModel, {"n_firms": firms, "end_year": end_year, **LEVELS},
                              rng=list(range(reps)), number_processes=workers,
                              data_collection_period=1, max_steps=100_000,
                              display_progress=False)
        wall = time.perf_counter() - t0
        rows = len(data)
        runs = len({r["RunId"] for r in data})
    return {"engine": engine, "workers": workers, "wall_s": wall, "runs": runs,
            "rows": rows,
            "coordinator_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# ----------------------------------------------------------------- parent process side
def _group_usage(pgid: int) -> dict[int, tuple[int, float]]:
    """RSS (KiB) and CPU time (user + system, s) of every process of a process group."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5 of stat: process group
                continue
            cpu = (int(fields[11]) + int(fields[12])) / tick  # fields 14-15: utime, stime
            with open(f"/proc/{d}/status") as fh:
                rss = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
            out[int(d)] = (rss, cpu)
        except (OSError, IndexError, ValueError, StopIteration):
            continue
    return out


def measure(engine: str, workers: int, folder: Path, args) -> dict:
    """Run a configuration in a fresh process and sample its memory."""
    cmd = [sys.executable, __file__, "--child", engine, str(workers), str(folder),
           "--firms", str(args.firms), "--end-year", str(args.end_year),
           "--reps", str(args.reps)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=ROOT)
    peak = [0]
    cpu: dict[int, float] = {}

    def sample():
        while proc.poll() is None:
            usage = _group_usage(proc.pid)
            peak[0] = max(peak[0], sum(rss for rss, _ in usage.values()))
            for pid, (_, c) in usage.items():
                cpu[pid] = max(cpu.get(pid, 0.0), c)
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    th.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} x{workers} failed:\n{err}")
    res = json.loads(out.strip().splitlines()[-1])
    res["total_peak_mib"] = peak[0] / 1024
    res["load1"] = os.getloadavg()[0]  # other processes competing for the cores
    res["cpu_s"] = sum(cpu.values())
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--firms", type=int, default=300)
    ap.add_argument("--end-year", type=int, default=2015)
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration; the "
                    "best wall time is kept")
    ap.add_argument("--quick", action="store_true", help="small design (smoke check)")
    ap.add_argument("--child", nargs=3, metavar=("ENGINE", "WORKERS", "DIR"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.firms, args.end_year, args.reps, args.repeat = 60, 2004, 2, 1
    if args.child:
        engine, workers, folder = args.child
        print(json.dumps(child(engine, int(workers), Path(folder), args.firms,
                               args.end_year, args.reps)))
        return 0

    n_runs = 9 * args.reps
    print(f"design: 3 x 3 factorial x {args.reps} replications = {n_runs} runs; "
          f"{args.firms} firms, 10-year spin-up, 2000-{args.end_year}; all quarters kept")
    print(f"machine: {os.cpu_count()} cores, load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        folder = Path(tmp)
        write_spec(folder, args.firms, args.end_year, args.reps)
        for engine, workers in CONFIGS:
            tries = [measure(engine, workers, folder, args) for _ in range(args.repeat)]
            best = min(tries, key=lambda r: r["wall_s"])
            best["walls"] = [round(t["wall_s"], 2) for t in tries]
            best["loads"] = [round(t["load1"], 1) for t in tries]
            best["cpu_s"] = min(t["cpu_s"] for t in tries)
            best["total_peak_mib"] = max(t["total_peak_mib"] for t in tries)
            best["coordinator_peak_mib"] = max(t["coordinator_peak_mib"] for t in tries)
            results[(engine, workers)] = best
    print()
    print(f"{'engine':<27}{'workers':>8}{'wall s (best)':>15}{'runs/s':>8}{'CPU s':>8}"
          f"{'peak MiB total':>16}{'peak MiB coord.':>17}{'rows':>8}   all wall s (load avg)")
    for (engine, workers), r in results.items():
        print(f"{NAMES[engine]:<27}{workers:>8}{r['wall_s']:>15.2f}{r['runs'] / r['wall_s']:>8.2f}"
              f"{r['cpu_s']:>8.1f}"
              f"{r['total_peak_mib']:>16.0f}{r['coordinator_peak_mib']:>17.0f}"
              f"{r['rows']:>8}   {r['walls']} ({r['loads']})")
    for engine in ("sweep", "batch_run"):
        t1, t2 = results[(engine, 1)]["wall_s"], results[(engine, 2)]["wall_s"]
        print(f"parallel efficiency, {NAMES[engine]}, 2 workers vs 1: {t1 / (2 * t2):.0%} "
              f"(speed-up {t1 / t2:.2f}x)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
