"""``bposim run``: run one scenario and write its results folder, or re-run one run of a
sweep exactly (``--from-sweep DIR --run-id ID``) and compare it with the stored one."""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments.cli.common import (Command, UsageError, add_figure_format_arg,
                                    figure_formats)


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML scenario overriding the defaults")
    p.add_argument("--uncalibrated", action="store_true", help="leave out the shipped "
                   "calibration (simulation/scenarios/calibrated.toml): the base values of "
                   "default.toml")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--firms", type=int, help="number of simulated buyer firms")
    p.add_argument("--start-year", type=int, help="first reported year")
    p.add_argument("--end-year", type=int, help="last reported year")
    p.add_argument("--out", type=Path, help="results folder (default: a new folder under "
                                            "results/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--from-sweep", type=Path, metavar="DIR", help="re-run one run of a "
                   "sweep folder exactly (with --run-id) and compare with its stored results")
    p.add_argument("--run-id", type=int, metavar="ID", help="run id in the --from-sweep "
                   "folder")
    add_figure_format_arg(p)


class _QuarterProgress:
    """Progress of a run by quarter (:class:`experiments.progress.Progress`), fed as the
    ``on_quarter`` callback of :func:`simulation.run.run_model`."""

    def __init__(self) -> None:
        from experiments.progress import Progress

        self.progress = Progress(None, "simulating", unit="quarter")

    def __call__(self, model, done: int, total: int) -> None:
        if self.progress.total is None:
            self.progress.set_total(total)
        self.progress.update(1)

    def close(self) -> None:
        self.progress.close()


def _stored_run(args):
    """The sweep's run named by ``--from-sweep`` and ``--run-id`` (checks the options)."""
    from experiments.rerun import RerunError, load_run

    if args.from_sweep is None or args.run_id is None:
        raise UsageError("--from-sweep and --run-id: give both")
    clash = [f for f, v in (("--config", args.config), ("--firms", args.firms),
                            ("--start-year", args.start_year), ("--end-year", args.end_year))
             if v is not None]
    if clash:
        raise UsageError(f"{clash[0]}: not allowed with --from-sweep (the run's scenario "
                         "comes from the sweep)")
    try:
        return load_run(args.from_sweep, args.run_id)
    except RerunError as err:
        raise UsageError(str(err)) from None


def cmd_run(args) -> int:
    """Run one scenario and write its results folder.

    With ``--from-sweep DIR --run-id ID``: re-run that run of the sweep (its scenario and
    seed rebuilt from the sweep folder), write its results folder and compare its
    quarterly outputs with the stored ones; exit status 0 if they are identical bit for
    bit, 1 if not (or the stored run has no time series).
    """
    from simulation.atomic import atomic_dir
    from simulation.config import load_scenario
    from simulation.output import default_out_dir, summary, write_run_files
    from simulation.run import make_seed, run_model

    formats = figure_formats(args)
    stored = origin = None
    if args.from_sweep is not None or args.run_id is not None:
        stored = _stored_run(args)
        scenario, seed = stored.scenario, stored.seed
        origin = {"from_sweep": str(Path(args.from_sweep).resolve()), "run_id": args.run_id}
        out = args.out or default_out_dir(
            0, label=f"{Path(args.from_sweep).resolve().name}-run{args.run_id}")
    else:
        flat = {k: v for k, v in (("n_firms", args.firms), ("start_year", args.start_year),
                                  ("end_year", args.end_year)) if v is not None}
        scenario = load_scenario(args.config, calibrated=not args.uncalibrated, **flat)
        if args.seed < 0:
            raise UsageError(f"--seed: must be >= 0, got {args.seed}")
        seed = make_seed(args.seed)
        out = args.out or default_out_dir(args.seed)
    bar = None if args.quiet else _QuarterProgress()
    with atomic_dir(out) as tmp:  # locked, written under a temporary name, renamed at the end
        try:
            run = run_model(scenario, seed, on_quarter=bar)
        finally:
            if bar is not None:
                bar.close()
        write_run_files(tmp, run, origin, formats)
    if not args.quiet:
        print(summary(run))
        print(f"results: {out}")
    if stored is None:
        return 0
    from experiments.rerun import compare

    same, message = compare(stored, run.quarterly)
    print(message)
    return 0 if same else 1


COMMANDS = (Command("run", "run a scenario (default: the embedded default scenario)", cmd_run,
                    _run_args),)
