"""``bposim discover``: scenario discovery (PRIM and CART boxes) on a finished sweep; see
``docs/exploratory.md``."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from experiments.cli.common import (Command, UsageError, add_figure_format_arg,
                                    figure_formats)


def _years(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", text)
    if not m:
        raise argparse.ArgumentTypeError(f"expected FIRST-LAST or YEAR, e.g. 2025-2030, "
                                         f"got {text!r}")
    return int(m.group(1)), int(m.group(2) or m.group(1))


def _discover_args(p: argparse.ArgumentParser) -> None:
    # defaults live in experiments.discovery.Settings (imported only when the command runs)
    p.add_argument("sweep", type=Path, metavar="SWEEP_DIR", help="a sweep folder (bposim "
                   "sweep or sensitivity)")
    p.add_argument("--output", required=True, metavar="NAME", help="output column of the "
                   "sweep, e.g. share_offshore")
    p.add_argument("--where", required=True, metavar="EXPR", help="condition that marks the "
                   "runs of interest: comparisons OP NUMBER joined by 'and', e.g. \"> 0.6\" "
                   "or \">= 0.2 and < 0.5\"")
    p.add_argument("--years", type=_years, metavar="FIRST-LAST", help="years of the "
                   "outcome, e.g. 2025-2030 (default: the sweep's last year)")
    p.add_argument("--stat", dest="statistic", metavar="STAT", help="statistic of the "
                   "yearly values over the years: mean (default), median, min, max, first "
                   "or last (flows are summed per year, stocks and shares averaged)")
    p.add_argument("--inputs", metavar="WHICH", help="the parameters that may define a "
                   "box: all (default), uncertainties or levers")
    p.add_argument("--boxes", dest="n_boxes", type=int, metavar="N", help="PRIM boxes to "
                   "find, one after the other (default 1)")
    p.add_argument("--min-density", type=float, metavar="D", help="the PRIM box reported "
                   "is the one of highest coverage with at least this density (default 0.8)")
    p.add_argument("--objective", metavar="NAME", help="PRIM's peeling objective: "
                   "lenient1 (default, EMA Workbench's), lenient2 or original (Friedman & "
                   "Fisher 1999)")
    p.add_argument("--peel-alpha", type=float, metavar="A", help="share of the cases PRIM "
                   "peels off per step (default 0.05)")
    p.add_argument("--paste-alpha", type=float, metavar="A", help="share of the cases PRIM "
                   "pastes back per step (default 0.05)")
    p.add_argument("--mass-min", type=float, metavar="M", help="smallest share of the cases "
                   "in a PRIM box or a CART leaf (default 0.05)")
    p.add_argument("--out", type=Path, metavar="DIR", help="new folder of the results "
                   "(default SWEEP_DIR/discovery-NAME)")
    add_figure_format_arg(p)


def cmd_discover(args) -> int:
    """Scenario discovery on a sweep folder: boxes, figures and CSV tables."""
    from experiments import storage
    from experiments.discovery import Settings, discover, write_discovery
    from simulation.atomic import check_output_dir

    formats = figure_formats(args)
    options = ("years", "statistic", "inputs", "n_boxes", "min_density", "objective",
               "peel_alpha", "paste_alpha", "mass_min")
    settings = Settings(output=args.output, where=args.where,
                        **{k: getattr(args, k) for k in options
                           if getattr(args, k) is not None})
    settings.check()
    out = args.out or args.sweep / f"discovery-{args.output}"
    check_output_dir(out)
    try:
        data = storage.load_sweep(args.sweep)
    except (FileNotFoundError, storage.SweepFormatError) as err:
        raise UsageError(f"SWEEP_DIR: {err}") from None
    result = discover(data, settings)
    paths = write_discovery(result, out, args.sweep, formats)
    print(result.summary())
    for note in result.notes:
        print(f"note: {note}")
    print(f"written to {out}: " + ", ".join(p.name for p in paths))
    return 0


COMMANDS = (
    Command("discover", "scenario discovery on a finished sweep: PRIM and CART boxes of the "
            "runs where an outcome of interest occurs", cmd_discover, _discover_args),
)
