"""Where the time of a model step goes: cProfile of some quarters of the benchmark market.

Prints the functions with the most cumulative time (the phases of a quarter) and the
most internal time (the work itself). numpy operators (``a * b``) are not function calls,
so their time counts as internal time of the function that runs them.

Run: ``python benchmarks/profile_step.py [--firms 100000] [--from-year 2015] [--quarters 8]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, model_at  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--from-year", type=int, default=2015)
    ap.add_argument("--quarters", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=18)
    a = ap.parse_args(argv)
    m = model_at(a.firms, a.from_year, a.seed)
    prof = cProfile.Profile()
    prof.enable()
    m.run_for(a.quarters)
    prof.disable()
    print(f"== profile: {a.firms:,} firms, {a.quarters} quarters from {a.from_year}Q1 ==")
    print("machine:", machine())
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(a.top)
        text = out.getvalue()
        print(f"-- by {key} time --")
        print(text[text.index("   ncalls"):].rstrip())


if __name__ == "__main__":
    main()
