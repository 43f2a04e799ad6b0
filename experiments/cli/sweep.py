"""``bposim sweep`` (run or resume a parameter sweep) and ``bposim sensitivity`` (the
sensitivity indices of a sweep spec, run first, or of a finished sweep folder); see
``docs/sweeps.md`` and ``docs/exploratory.md``."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from experiments.cli.common import (Command, UsageError, add_executor_args,
                                    add_figure_format_arg, figure_formats, written)


def _sweep_args(p: argparse.ArgumentParser, metavar: str = "SPEC",
                spec_help: str = "sweep spec (TOML); see docs/sweeps.md and "
                "experiments/sweeps/", out_help: str = "") -> None:
    p.add_argument("spec", type=Path, metavar=metavar, help=spec_help)
    p.add_argument("--out", type=Path, metavar="DIR", help="sweep folder (default "
                   "results/sweep-NAME); an existing one is resumed" + out_help)
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
    add_figure_format_arg(p)


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


def _summarize(args, outcome) -> None:
    """A finished sweep: write its summary table and figures, print where they are and
    how to load the results."""
    from experiments.summary import load_hint, write_sweep_summary

    if outcome.interrupted or outcome.missing:
        return
    paths, notes = write_sweep_summary(outcome.sweep_dir, figure_formats(args),
                                       plan=outcome.plan)
    for n in notes:
        print(f"bposim: warning: {n}", file=sys.stderr)
    if not args.quiet:
        print(written(paths))
        print(load_hint(outcome.sweep_dir))


def cmd_sweep(args) -> int:
    """Run (or resume) a parameter sweep, then write its summary table and figures. Exit 0
    all runs ok, 1 some failed or timed out, 2 bad input, 130 interrupted."""
    from experiments.spec import load_spec

    figure_formats(args)  # a bad --figure-format stops before any run
    outcome = _run(args, load_spec(args.spec))
    _summarize(args, outcome)
    return outcome.exit_status


def cmd_sensitivity(args) -> int:
    """Run a spec as a sweep, or take a finished sweep folder, and write its sensitivity
    indices (the methods of its design)."""
    from experiments.runner import SweepError
    from experiments.sensitivity import analyze_folder, format_table, run_sensitivity
    from experiments.spec import load_spec

    formats = figure_formats(args)  # a bad --figure-format stops before any run
    if args.spec.is_dir():
        result = analyze_folder(args.spec, args.out, formats=formats)
        if not args.quiet:
            print(format_table(result.indices))
            print(f"sensitivity indices: {result.paths[0]} (+ .parquet, one chart per "
                  "output)")
        return 0
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
    _summarize(args, outcome)
    return outcome.exit_status


COMMANDS = (
    Command("sweep", "run or resume a parameter sweep (resumable, failures kept as data)",
            cmd_sweep, _sweep_args),
    Command("sensitivity", "sensitivity analysis of a sweep spec or a finished sweep folder "
            "(Sobol, Morris, RBD-FAST, PAWN, extra-trees feature scores)", cmd_sensitivity,
            functools.partial(
                _sweep_args, metavar="SPEC|SWEEP_DIR",
                spec_help="a sweep spec (TOML), run as a sweep and then analysed, or a "
                "finished sweep folder, analysed as it is",
                out_help="; with a SWEEP_DIR: the folder of the results (default "
                "SWEEP_DIR/sensitivity)")),
)
