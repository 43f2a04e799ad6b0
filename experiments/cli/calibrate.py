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
    p.add_argument("--fit-years", metavar="FIRST-LAST", help="fit window of published "
                   "years, e.g. 2000-2013 (overrides the spec's fit_years; a window "
                   "ending before 2017 adds an out-of-sample forecast of the later years)")
    p.add_argument("--identification", action="store_true", help="also check "
                   "identification by recovery: re-fit synthetic data generated at the "
                   "estimate (identification.csv; doubles the runtime)")
    _executor_args(p)


def _number(v) -> str:
    return "n/a" if v is None or v != v else f"{v:.4g}"


def _summary_lines(result) -> list[str]:
    """The end-of-run tables: parameters with SE and 90 % interval, identification,
    recovery and forecast."""
    lines = []
    u = result.uncertainty
    if u is None:
        return [f"{k} = {v:.6g}" for k, v in result.as_overrides().items()]
    w = max(len(n) for n in result.names)
    lines.append(f"{'parameter':<{w}}  {'estimate':>10}  {'SE':>10}  {'90 % interval':>23}"
                 "  J-noise  identified")
    for r in u.table.itertuples():
        ci = f"[{_number(r.ci_low)}, {_number(r.ci_high)}]"
        lines.append(f"{r.name:<{w}}  {r.estimate:>10.4g}  {_number(r.se):>10}  {ci:>23}  "
                     f"{_number(r.jacobian_noise_share):>7}  "
                     + ("yes" if r.identified else "NO (not identified locally)"))
    lines.append("J-noise: share of the Jacobian column that is simulation noise (near 1: "
                 "the SE is not reliable)")
    d = u.diagnostics
    lines.append("identification: singular values of W^1/2 D (per bound width) "
                 + ", ".join(f"{v:.3g}" for v in d["singular_values"])
                 + f"; condition number {_number(d['condition_number'])}"
                 + ("; D'WD singular" if d["dtwd_singular"] else ""))
    corr = u.correlation()
    if corr is not None and len(result.names) > 1:
        lines.append("correlation: " + "; ".join(
            f"{i + 1}-{j + 1} {corr[i, j]:+.2f}" for i in range(len(corr))
            for j in range(i + 1, len(corr))) + " (parameters numbered as above)")
    if result.recovery is not None:
        lines.append("recovery (synthetic data at the estimate, re-fitted):")
        for r in result.recovery.itertuples():
            lines.append(f"  {r.name:<{w}}  true {r.true:.4g}  recovered {r.recovered:.4g}"
                         f"  |error|/SE {_number(r.error_over_se)}  "
                         + ("pass" if r.passed else "FAIL"))
    if result.forecast is not None:
        info = result.forecast_info
        lines.append(f"forecast after the fit window ({info['replications']} replications"
                     + (", parameter uncertainty" if info["parameter_uncertainty"]
                        else ", simulation noise only: no covariance") + "):")
        lines.append("  year  published  median      5 %     95 %  inside")
        for r in result.forecast.itertuples():
            lines.append(f"  {r.year}  {r.published:9.1f}  {r.median:6.1f}  {r.lo:7.1f}  "
                         f"{r.hi:7.1f}  {'yes' if r.inside else 'no'}")
        lines.append(f"  {info['text']}")
    return lines


def cmd_calibrate(args) -> int:
    """Re-derive the calibration by simulated method of moments.

    The result is written to ``--out`` only; ``--install`` then copies its
    ``calibrated.toml`` and ``calibration.json`` over the calibration shipped with the
    package (the files ``bposim reproduce`` reads by default).
    """
    import datetime as _dt
    import shutil

    from experiments.calibration import (SHIPPED_RESULT, SHIPPED_SCENARIO, calibrate,
                                         identification_check, load_calibration_spec,
                                         parse_fit_years, save_calibration)
    from experiments.progress import Progress
    from simulation.atomic import atomic_dir
    from simulation.config import ConfigError
    from simulation.output import next_free_dir

    years = None
    if args.fit_years is not None:
        try:
            years = parse_fit_years(args.fit_years)
        except ConfigError as err:
            raise UsageError(f"--fit-years: {str(err).removeprefix('fit_years: ')}") from None
    loaded = load_calibration_spec(args.spec, fit_years=years)
    out = args.out or next_free_dir(
        Path("results") / f"calibration-{_dt.datetime.now():%Y%m%d-%H%M%S}")
    with atomic_dir(out) as tmp, executor_from_args(args) as ex:
        if not args.quiet:
            print(f"calibrating {len(loaded.spec.parameters)} parameters on "
                  f"{ex.describe()}", file=sys.stderr)
        with Progress(None, "calibrate", disable=args.quiet) as progress:
            result = calibrate(loaded, executor=ex, progress=progress)
        if args.identification:
            with Progress(None, "identification", disable=args.quiet) as progress:
                identification_check(loaded, result, executor=ex, progress=progress)
        save_calibration(result, tmp)
    if args.install:
        shutil.copyfile(out / SHIPPED_SCENARIO.name, SHIPPED_SCENARIO)
        shutil.copyfile(out / SHIPPED_RESULT.name, SHIPPED_RESULT)
    if not args.quiet:
        for line in _summary_lines(result):
            print(line)
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
    p.add_argument("--no-parameter-uncertainty", action="store_true", help="run every "
                   "replication at the calibrated parameters (default: at its own draw "
                   "from the calibration's covariance when calibration.json has one)")
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
                          quiet=args.quiet, formats=formats,
                          parameter_uncertainty=not args.no_parameter_uncertainty)
    warning = small_sample_warning(args.replications, "a 90 % band")
    if warning:
        print(f"bposim: warning: {warning} (also in the report)", file=sys.stderr)
    if not args.quiet:
        print(f"fit 2000-2017: MAPE {stats['mape']:.1f} %, published value inside the 90 % "
              f"band in {stats['n_inside']} of {stats['n_years']} years"
              + (f" (only {args.replications} replications)" if warning else ""))
        print(f"band half-width {stats['half_width']:.3f} of the median; median above the "
              f"data in {stats['n_above']} of {stats['n_years']} years; median 2012->2017 "
              f"{stats['change_2012_2017']:+.1%}, 2016->2017 "
              f"{stats['change_2016_2017']:+.1f} USD bn")
        print("band: parameter uncertainty and simulation noise"
              if stats["parameter_uncertainty"] else "band: simulation noise only")
        print(f"figures and report: {out}")
    return 0


COMMANDS = (
    Command("calibrate", "fit the model to the published market-size series (SMM)",
            cmd_calibrate, _calibrate_args),
    Command("reproduce", "regenerate the market-growth figures with the calibrated model",
            cmd_reproduce, _reproduce_args),
)
