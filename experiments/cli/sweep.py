"""``bposim sweep`` (run or resume a parameter sweep) and ``bposim sensitivity`` (Sobol or
Morris indices of a sweep); see ``docs/sweeps.md``."""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments.cli.common import Command, UsageError, add_executor_args


def _sweep_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", type=Path, metavar="SPEC", help="sweep spec (TOML); see "
                   "docs/sweeps.md and experiments/sweeps/")
    p.add_argument("--out", type=Path, metavar="DIR", help="sweep folder (default "
                   "results/sweep-NAME); an existing one is resumed")
    add_executor_args(p)
    p.add_argument("--start-method", choices=("forkserver", "spawn", "fork"),
                   help="multiprocessing start method of the pool (default forkserver)")
    p.add_argument("--chunk-size", type=int, metavar="K", help="runs per stored chunk "
                   "(default: about 4 chunks per worker, at most 64 runs)")
    p.add_argument("--retry-failed", action="store_true", help="also re-run failed and "
                   "timed-out runs")
    p.add_argument("--force", action="store_true", help="resume even though the spec "
                   "changed (runs it no longer defines are re-run)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary (for "
                   "batch jobs); failures still go to stderr and the exit status")
    p.add_argument("--allow-large", action="store_true", help="plan a sweep of more runs "
                   "(design points x replications) than the limit in docs/sweeps.md (the "
                   "plan is held in memory, about 20 kB a design point)")


def _options(args):
    from experiments.runner import SweepOptions

    return SweepOptions(out=args.out, executor=args.executor, workers=args.workers,
                        scheduler=args.scheduler, dask_local=args.dask_local,
                        start_method=args.start_method, chunk_size=args.chunk_size,
                        retry_failed=args.retry_failed, force=args.force, quiet=args.quiet,
                        allow_large=args.allow_large)


def _run(args, loaded):
    from experiments.runner import SweepError, run_sweep

    try:
        return run_sweep(loaded, _options(args))
    except SweepError as err:
        raise UsageError(str(err)) from None


def cmd_sweep(args) -> int:
    """Run (or resume) a parameter sweep. Exit 0 all runs ok, 1 some failed or timed out,
    2 bad input, 130 interrupted."""
    from experiments.spec import load_spec

    return _run(args, load_spec(args.spec)).exit_status


def cmd_sensitivity(args) -> int:
    """Run a Sobol or Morris design as a sweep and write its sensitivity indices."""
    from experiments.runner import SweepError
    from experiments.sensitivity import format_table, run_sensitivity
    from experiments.spec import load_spec

    try:
        result = run_sensitivity(load_spec(args.spec), _options(args))
    except SweepError as err:
        raise UsageError(str(err)) from None
    outcome = result.outcome
    if outcome.interrupted:
        return outcome.exit_status
    if not args.quiet:
        print(format_table(result.indices))
        print(f"sensitivity indices: {outcome.sweep_dir / 'sensitivity' / 'indices.csv'} "
              "(+ .parquet, one chart per output)")
    return outcome.exit_status


COMMANDS = (
    Command("sweep", "run or resume a parameter sweep (resumable, failures kept as data)",
            cmd_sweep, _sweep_args),
    Command("sensitivity", "Sobol or Morris sensitivity analysis of a sweep spec (SALib)",
            cmd_sensitivity, _sweep_args),
)
