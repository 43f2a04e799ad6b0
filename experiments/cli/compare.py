"""``bposim compare A B [...] --out DIR``: compare runs, or design points of sweeps, with a
baseline (the first); see :mod:`experiments.compare`."""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments.cli.common import (Command, UsageError, add_figure_format_arg,
                                    figure_formats, written)


def _compare_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("arms", nargs="+", metavar="ARM", help="a results folder of bposim run, "
                   "or a design point of a sweep folder as SWEEP_DIR:POINT; the first is "
                   "the baseline")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="new folder for the figures and effects.csv")
    p.add_argument("--outputs", metavar="COLUMNS", help="comma list of outputs to draw "
                   "(default: ACV, TCV signed, offshore share, outsourcing rate, breaches, "
                   "back-sourcing)")
    add_figure_format_arg(p)


def cmd_compare(args) -> int:
    """Compare every arm with the first: effects per output and year (paired by seed where
    the arms share seeds), figures with a difference panel, ``effects.csv``."""
    from experiments.compare import CompareError, compare, describe
    from simulation.atomic import check_output_dir

    formats = figure_formats(args)
    check_output_dir(args.out)
    outputs = None if args.outputs is None else \
        [o.strip() for o in args.outputs.split(",") if o.strip()]
    try:
        table, drawn, paths = compare(args.arms, args.out, formats, outputs)
    except CompareError as err:
        raise UsageError(str(err)) from None
    print(describe(table, drawn))
    print(written(paths))
    return 0


COMMANDS = (Command("compare", "compare runs or sweep design points with a baseline "
                    "(paired by seed; figures and effects.csv)", cmd_compare,
                    _compare_args),)
