"""Benchmark group 2: time per model step against a pure-numpy and a compiled lower bound.

All three start from the same state (a model run to ``--from-year``) with the same random
generator state and then advance quarter by quarter, alternately, in one process: the
model with ``model.step()`` (Mesa step, outputs collected), the numpy bound with
:meth:`benchmarks.numpy_bound.NumpyQuarter.quarter` and the compiled bound with
:meth:`benchmarks.compiled_bound.CompiledQuarter.quarter` (numba; compiled on a small
model first, and the compile time printed apart). Goals: step time <= 2x the numpy bound
(issue #6) and <= 2x the compiled bound (issue #16).

Run: ``python benchmarks/bench_numpy_bound.py [--firms 100000] [--quarters 12]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import time  # noqa: E402

from _common import machine, model_at  # noqa: E402
from numpy_bound import NumpyQuarter  # noqa: E402


def compile_bound(seed: int) -> float:
    """Compile (or load from numba's cache) the compiled bound and the model's kernels on
    a small model; seconds taken."""
    from compiled_bound import CompiledQuarter
    t = time.perf_counter()
    small = model_at(200, 2002, seed, captives_enabled=False, tax_regimes_enabled=False)
    CompiledQuarter(small).quarter()
    small.step()
    return time.perf_counter() - t


def measure(n_firms: int, quarters: int, from_year: int, seed: int) -> dict:
    """Seconds per quarter of the model and of the bound, side by side (captive centres
    and BPO tax regimes off: the bound does not cover captives, and it prices at the
    statutory rate; both are on in the default scenario since issue #12)."""
    model = model_at(n_firms, from_year, seed, captives_enabled=False,
                     tax_regimes_enabled=False)
    from compiled_bound import CompiledQuarter
    bound = NumpyQuarter(model)
    compiled = CompiledQuarter(model)
    signed0 = model.firms.contracts_signed
    check = []
    times = [0.0, 0.0, 0.0]
    for i in range(quarters):
        for k, step in enumerate((model.step, bound.quarter, compiled.quarter)):
            t = time.perf_counter()
            step()
            times[k] += time.perf_counter() - t
        if i == 0:  # same state, same draws: the same reviews, about the same choices
            check.extend([model.firms.contracts_signed - signed0, bound.n_signed,
                          compiled.n_signed, bound.n_reviews, compiled.n_reviews])
    t_model, t_bound, t_comp = (x / quarters for x in times)
    return dict(firms=n_firms, model=t_model, bound=t_bound, compiled=t_comp, check=check)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--quarters", type=int, default=12)
    ap.add_argument("--from-year", type=int, default=2015)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    print("== group 2: model step vs pure-numpy and compiled lower bounds ==")
    print("machine:", machine())
    print(f"compile (or load from cache) the kernels: {compile_bound(a.seed):.1f} s")
    print(f"{'firms':>9} {'step s':>9} {'numpy s':>9} {'ratio':>6} {'compiled s':>10} "
          f"{'ratio':>6} {'goal':>7}   check, 1st quarter: contracts signed model / numpy / "
          f"compiled (reviews numpy / compiled)")
    for f in a.firms:
        r = measure(f, a.quarters, a.from_year, a.seed)
        ratio, ratio_c = r["model"] / r["bound"], r["model"] / r["compiled"]
        c = r["check"]
        print(f"{f:>9,} {r['model']:>9.4f} {r['bound']:>9.4f} {ratio:>5.2f}x "
              f"{r['compiled']:>10.4f} {ratio_c:>5.2f}x {'met' if ratio_c <= 2 else 'NOT met':>7}"
              f"   {c[0]:,} / {c[1]:,} / {c[2]:,} ({c[3]:,} / {c[4]:,})", flush=True)


if __name__ == "__main__":
    main()
