"""CPU seconds per whole default run: the reference commit against this checkout (issue #16).

A git worktree of the reference commit (default d987d55) is made in a temporary directory;
then the two codes run alternately (reference, this checkout, reference, ...), each run in
its own child process with ``PYTHONPATH`` set to its code. In the child, timing starts
after the imports (timed and printed apart) and after a warm-up run of 200 firms over two
years, which compiles this checkout's kernels or loads them from numba's cache (timed and
printed apart as "first call"); then one whole default run (the 10-year spin-up and
2000-2030, 164 quarters: ``BPOModel(n_firms=N, rng=seed)`` and ``run()``) is timed with
``time.process_time`` (CPU seconds of the process) and ``time.perf_counter`` (wall).
Every figure is repeated ``--repeats`` times (at least 3); the table gives min and median
and the ratio reference / this checkout (goal: >= 3x fewer CPU seconds).

Run: ``python benchmarks/bench_reference.py [--sizes 2000 100000] [--repeats 3]
[--ref d987d55]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
c0, w0 = time.process_time(), time.perf_counter()
from simulation.model import BPOModel
import simulation
imports = (time.process_time() - c0, time.perf_counter() - w0)
n, seed = int(sys.argv[1]), int(sys.argv[2])
c0, w0 = time.process_time(), time.perf_counter()
BPOModel(n_firms=200, rng=seed, end_year=2001).run()
first = (time.process_time() - c0, time.perf_counter() - w0)
c0, w0 = time.process_time(), time.perf_counter()
m = BPOModel(n_firms=n, rng=seed)
m.run()
cpu, wall = time.process_time() - c0, time.perf_counter() - w0
q = m.quarterly()
print(json.dumps(dict(code=simulation.__file__, imports=imports, first=first, cpu=cpu,
                      wall=wall, quarters=m.t,
                      acv_2030=float(q["market_acv_usd_bn"].iloc[-1]))))
"""


def run_child(src: Path, n: int, seed: int) -> dict:
    """Time one whole default run of the code in ``src`` in a child process.

    Parameters
    ----------
    src : Path
        A checkout of bposim; the child runs with ``PYTHONPATH`` set to it and in it.
    n : int
        Number of firms.
    seed : int
        Seed of the model's random generator.

    Returns
    -------
    dict
        What the child printed: ``code`` (the ``simulation`` package it imported),
        ``imports`` and ``first`` (CPU and wall seconds of the imports and of the warm-up
        run), ``cpu`` and ``wall`` (of the timed run), ``quarters`` and ``acv_2030``.

    Raises
    ------
    RuntimeError
        If the child imported ``simulation`` from anywhere but ``src`` (an installed
        copy shadowing the checkout would time the wrong code).
    """
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(seed)], env=env,
                         cwd=src, check=True, capture_output=True, text=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    if not Path(r["code"]).resolve().is_relative_to(Path(src).resolve()):
        raise RuntimeError(f"child imported {r['code']}, not the code in {src}")
    return r


def ratios(ref_cpu: list[float], head_cpu: list[float]) -> tuple[float, float, bool]:
    """The reference's CPU seconds over this checkout's, and whether the goal is met.

    Parameters
    ----------
    ref_cpu, head_cpu : list of float
        CPU seconds of the repeated runs of the reference commit and of this checkout.

    Returns
    -------
    ratio_min : float
        ``min(ref_cpu) / min(head_cpu)``.
    ratio_median : float
        ``median(ref_cpu) / median(head_cpu)``.
    met : bool
        True when both ratios are at least 3 (issue #16: at least 3x fewer CPU seconds).
    """
    ratio_min = min(ref_cpu) / min(head_cpu)
    ratio_med = statistics.median(ref_cpu) / statistics.median(head_cpu)
    return ratio_min, ratio_med, ratio_min >= 3 and ratio_med >= 3


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ref", default="d987d55")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args(argv)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    print("== CPU seconds per whole default run: reference vs this checkout ==")
    print("machine:", machine())
    print(f"reference {a.ref}; this checkout {head}{' (with uncommitted changes)' if dirty else ''}"
          f"; seed {a.seed}; {a.repeats} repeats, alternating")
    with tempfile.TemporaryDirectory(prefix="bposim-ref-") as tmp:
        ref = Path(tmp) / "ref"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(ref), a.ref],
                       cwd=ROOT, check=True)
        try:
            for n in a.sizes:
                res = {"ref": [], "head": []}
                for _ in range(a.repeats):
                    for side, src in (("ref", ref), ("head", ROOT)):
                        res[side].append(run_child(src, n, a.seed))
                print(f"-- {n:,} firms ({res['head'][0]['quarters']} quarters); "
                      f"load average now {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
                print(f"   {'code':<10} {'CPU s min':>9} {'median':>8} {'wall s min':>10} "
                      f"{'median':>8} {'imports s':>9} {'first call s':>12}  runs (CPU s)")
                for side in ("ref", "head"):
                    rs = res[side]
                    cpu = [r["cpu"] for r in rs]
                    wall = [r["wall"] for r in rs]
                    print(f"   {a.ref if side == 'ref' else head:<10} {min(cpu):>9.2f} "
                          f"{statistics.median(cpu):>8.2f} {min(wall):>10.2f} "
                          f"{statistics.median(wall):>8.2f} "
                          f"{statistics.median(r['imports'][0] for r in rs):>9.2f} "
                          f"{statistics.median(r['first'][0] for r in rs):>12.2f}  "
                          + ", ".join(f"{x:.2f}" for x in cpu))
                ratio_min, ratio_med, met = ratios([r["cpu"] for r in res["ref"]],
                                                   [r["cpu"] for r in res["head"]])
                print(f"   ratio reference / this checkout, CPU: {ratio_min:.2f}x (min), "
                      f"{ratio_med:.2f}x (median); goal >= 3x: "
                      f"{'met' if met else 'NOT met'}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(ref)], cwd=ROOT)


if __name__ == "__main__":
    main()
