"""Benchmark group 1: the model's vectorised market against the agent-by-agent oracle.

The oracle (``tests/oracle_agents.py``) clears each quarter's market firm by firm and
vendor by vendor, with plain loops, and gives the same results bit for bit. Same scenario
(the benchmark market, 10,000 firms by default), same seed, one process. Two models are
built and run with the vectorised market to ``--from-year``; then one of them clears its
markets with the oracle, the same ``--quarters`` quarters are timed with each, alternately,
and their outputs checked to be identical (switching mid-run is allowed because both give
the same results). ``--full`` also times a whole run (2000-2030 and the spin-up) of each;
the oracle takes minutes. Goal: speed-up >= 50x.

Run: ``python benchmarks/bench_paths.py [--firms 10000] [--quarters 8] [--full]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the oracle

from _common import benchmark_model, machine, model_at, side_by_side  # noqa: E402
from oracle_agents import AgentByAgentModel, clear_agent_by_agent  # noqa: E402



def clear_by_agents(model):
    """The oracle's market clearing for ``model`` (to replace its ``_clear_market``)."""
    def clear(due, draws, ctx):
        reviews, outcomes, _ = clear_agent_by_agent(due, draws, model.firms, model.vendors,
                                                    model.world, model.scenario_config, ctx)
        return reviews, outcomes
    return clear


def window(n_firms: int, quarters: int, from_year: int, seed: int) -> tuple[float, float]:
    """Seconds per quarter (vectorised, agents) over the same quarters from one state."""
    fast = model_at(n_firms, from_year, seed)
    ref = model_at(n_firms, from_year, seed)
    ref._clear_market = clear_by_agents(ref)
    t_fast, t_ref = side_by_side(fast.step, ref.step, quarters)
    pd.testing.assert_frame_equal(fast.quarterly(), ref.quarterly(), check_exact=True)
    return t_fast, t_ref


def full_run(n_firms: int, seed: int, oracle: bool) -> float:
    """Seconds for a whole run (construction with spin-up, then 2000-2030), of the model
    (built through the run door) or of the agent-by-agent test oracle."""
    t = time.perf_counter()
    m = AgentByAgentModel(rng=seed, n_firms=n_firms) if oracle else benchmark_model(n_firms, seed)
    m.run()
    return time.perf_counter() - t


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=10_000)
    ap.add_argument("--quarters", type=int, default=8)
    ap.add_argument("--from-year", type=int, default=2015)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--full", action="store_true", help="also time whole runs (slow)")
    a = ap.parse_args(argv)
    print("== group 1: vectorised market vs the agent-by-agent oracle ==")
    print("machine:", machine())
    fast, ref = window(a.firms, a.quarters, a.from_year, a.seed)
    print(f"{a.firms:,} firms, {a.quarters} quarters from {a.from_year}Q1 (outputs identical):")
    print(f"  vectorised {fast:.4f} s/quarter, agents {ref:.3f} s/quarter, speed-up "
          f"{ref / fast:.0f}x (goal >= 50x: {'met' if ref / fast >= 50 else 'NOT met'})",
          flush=True)
    if a.full:
        fast = full_run(a.firms, a.seed, oracle=False)
        ref = full_run(a.firms, a.seed, oracle=True)
        print(f"  whole run: vectorised {fast:.1f} s, agents {ref:.1f} s, speed-up "
              f"{ref / fast:.0f}x")


if __name__ == "__main__":
    main()
