"""Benchmark group 2: time per model step against a pure-numpy lower bound.

Both start from the same state (a model run to ``--from-year``) with the same random
generator state and then advance quarter by quarter, alternately, in one process: the
model with ``model.step()`` (Mesa step, outputs collected) and the bound with
:meth:`benchmarks.numpy_bound.NumpyQuarter.quarter`. Goal: step time <= 2x the bound.

Run: ``python benchmarks/bench_numpy_bound.py [--firms 100000] [--quarters 12]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, model_at, side_by_side  # noqa: E402
from numpy_bound import NumpyQuarter  # noqa: E402


def measure(n_firms: int, quarters: int, from_year: int, seed: int) -> dict:
    """Seconds per quarter of the model and of the bound, side by side (captive centres
    and BPO tax regimes off: the bound does not cover captives, and it prices at the
    statutory rate; both are on in the default scenario since issue #12)."""
    model = model_at(n_firms, from_year, seed, captives_enabled=False,
                     tax_regimes_enabled=False)
    bound = NumpyQuarter(model)
    signed0 = model.firms.contracts_signed
    check = []

    def first_quarter(i):  # same state, same draws: the same reviews, about the same choices
        if i == 0:
            check.extend([model.firms.contracts_signed - signed0, bound.n_signed,
                          bound.n_reviews])

    t_model, t_bound = side_by_side(model.step, bound.quarter, quarters, first_quarter)
    return dict(firms=n_firms, model=t_model, bound=t_bound, check=check)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--quarters", type=int, default=12)
    ap.add_argument("--from-year", type=int, default=2015)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    print("== group 2: model step vs pure-numpy lower bound ==")
    print("machine:", machine())
    print(f"{'firms':>9} {'step s':>9} {'bound s':>9} {'ratio':>6} {'goal':>6}   "
          f"check, 1st quarter: contracts signed model / bound (reviews)")
    for f in a.firms:
        r = measure(f, a.quarters, a.from_year, a.seed)
        ratio = r["model"] / r["bound"]
        print(f"{f:>9,} {r['model']:>9.4f} {r['bound']:>9.4f} {ratio:>5.2f}x "
              f"{'met' if ratio <= 2 else 'NOT met':>7}   {r['check'][0]:,} / {r['check'][1]:,} "
              f"({r['check'][2]:,})", flush=True)


if __name__ == "__main__":
    main()
