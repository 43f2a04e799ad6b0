"""``bposim calibrate`` (fit the model to the published market-size series) and ``bposim
reproduce`` (the market-growth figures of the calibrated model); see
``docs/calibration.md``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.cli.common import (Command, UsageError, add_executor_args,
                                    add_figure_format_arg, executor_from_args,
                                    figure_formats)


def _executor_args(p: argparse.ArgumentParser) -> None:
    add_executor_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress or summary")


def _calibrate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", type=Path, help="calibration spec (TOML; default "
                   "experiments/calibration/default.toml)")
    p.add_argument("--out", type=Path, help="folder for the result (default: a new folder "
                   "under results/)")
    p.add_argument("--install", action="store_true", help="also replace the calibration "
                   "shipped with the package (simulation/scenarios/calibrated.toml)")
    _executor_args(p)


def cmd_calibrate(args) -> int:
    """Re-derive the calibration by simulated method of moments.

    The result is written to ``--out`` only; ``--install`` then copies its
    ``calibrated.toml`` and ``calibration.json`` over the calibration shipped with the
    package (the files ``bposim reproduce`` reads by default).
    """
    import datetime as _dt
    import shutil

    from experiments.calibration import (SHIPPED_RESULT, SHIPPED_SCENARIO, calibrate,
                                         load_calibration_spec, save_calibration)
    from experiments.progress import Progress
    from simulation.atomic import atomic_dir
    from simulation.output import next_free_dir

    loaded = load_calibration_spec(args.spec)
    out = args.out or next_free_dir(
        Path("results") / f"calibration-{_dt.datetime.now():%Y%m%d-%H%M%S}")
    with atomic_dir(out) as tmp, executor_from_args(args) as ex:
        if not args.quiet:
            print(f"calibrating {len(loaded.spec.parameters)} parameters on "
                  f"{ex.describe()}", file=sys.stderr)
        with Progress(None, "calibrate", disable=args.quiet) as progress:
            result = calibrate(loaded, executor=ex, progress=progress)
        save_calibration(result, tmp)
    if args.install:
        shutil.copyfile(out / SHIPPED_SCENARIO.name, SHIPPED_SCENARIO)
        shutil.copyfile(out / SHIPPED_RESULT.name, SHIPPED_RESULT)
    if not args.quiet:
        for k, v in result.as_overrides().items():
            print(f"{k} = {v:.6g}")
        print(f"objective {result.objective:.4f}; {result.provenance['evaluations']} "
              f"evaluations in {result.provenance['runtime_s']:.0f} s")
        print(f"results: {out}" + (" (installed as the shipped calibration)"
                                   if args.install else ""))
    return 0


def _reproduce_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, help="folder for figures and report (default: a new "
                   "folder under results/)")
    p.add_argument("--calibration", type=Path, help="calibrated scenario (default: the "
                   "shipped simulation/scenarios/calibrated.toml)")
    p.add_argument("--replications", type=int, default=20, help="replications (default 20)")
    p.add_argument("--firms", type=int, help="simulated firms (default: the scenario's)")
    p.add_argument("--seed", type=int, default=2024, help="root seed (default 2024)")
    _executor_args(p)
    add_figure_format_arg(p)


def cmd_reproduce(args) -> int:
    """Re-run the calibrated model and write the market-growth figures and report."""
    import datetime as _dt

    from experiments.calibration import SHIPPED_RESULT, calibrated_scenario
    from experiments.reproduce import reproduce
    from experiments.samples import small_sample_warning
    from simulation.inputs import read_json
    from simulation.output import next_free_dir

    formats = figure_formats(args)
    if args.replications < 2:
        raise UsageError(f"--replications: must be >= 2 for a band, got {args.replications}")
    if args.seed < 0:
        raise UsageError(f"--seed: must be >= 0, got {args.seed}")
    flat = {"n_firms": args.firms} if args.firms is not None else {}
    scenario = calibrated_scenario(args.calibration, **flat)
    calib = None
    src = (args.calibration.parent / "calibration.json") if args.calibration else SHIPPED_RESULT
    if src.exists():
        calib = read_json(src, "calibration result (calibration.json)")
        if not isinstance(calib, dict):
            raise UsageError(f"{src}: not a calibration result (a JSON object written by "
                             "bposim calibrate)")
    out = args.out or next_free_dir(
        Path("results") / f"reproduce-{_dt.datetime.now():%Y%m%d-%H%M%S}")
    with executor_from_args(args) as ex:
        stats = reproduce(out, scenario, args.replications, args.seed, ex, calib,
                          quiet=args.quiet, formats=formats)
    warning = small_sample_warning(args.replications, "a 90 % band")
    if warning:
        print(f"bposim: warning: {warning} (also in the report)", file=sys.stderr)
    if not args.quiet:
        print(f"fit 2000-2017: MAPE {stats['mape']:.1f} %, published value inside the 90 % "
              f"band in {stats['coverage']:.0%} of {stats['n_years']} years"
              + (f" (only {args.replications} replications)" if warning else ""))
        print(f"figures and report: {out}")
    return 0


COMMANDS = (
    Command("calibrate", "fit the model to the published market-size series (SMM)",
            cmd_calibrate, _calibrate_args),
    Command("reproduce", "regenerate the market-growth figures with the calibrated model",
            cmd_reproduce, _reproduce_args),
)
