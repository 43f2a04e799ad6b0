"""``bposim plot PATH``: draw the figures of a run folder or a sweep folder again (e.g. in
other formats, or after bposim's figures changed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.cli.common import (Command, UsageError, add_figure_format_arg,
                                    figure_formats, written)


def _plot_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, metavar="PATH", help="a results folder of `bposim "
                   "run` or a sweep folder of `bposim sweep` / `bposim sensitivity`")
    add_figure_format_arg(p)


def cmd_plot(args) -> int:
    """Redraw the figures of a run folder (into it) or of a sweep folder (its summary
    table and figures, :func:`experiments.summary.write_sweep_summary`)."""
    from experiments import storage

    formats = figure_formats(args)
    path = args.path
    if (path / storage.MANIFEST).is_file() and (path / storage.PLAN).is_file():
        from experiments.summary import load_hint, write_sweep_summary

        try:
            paths, notes = write_sweep_summary(path, formats)
        except storage.SweepFormatError as err:
            raise UsageError(f"PATH: {err}") from None
        for n in notes:
            print(f"bposim: warning: {n}", file=sys.stderr)
        missing = len(storage.load_sweep(path, timeseries=False).missing)
        if missing:
            print(f"bposim: warning: {missing} planned runs of {path} are not stored yet; "
                  "the figures show the stored ones", file=sys.stderr)
        print(written(paths))
        print(load_hint(path))
        return 0
    from simulation import plotting
    from simulation.results import ResultsError, load_run

    if not (path / "manifest.json").is_file():
        raise UsageError(f"PATH: {path} is neither a run folder (bposim run) nor a sweep "
                         "folder (bposim sweep)")
    try:
        run = load_run(path)
    except ResultsError as err:
        raise UsageError(f"PATH: {err}") from None
    figs = plotting.run_figures(run.annual, run.acv_by_country, run.manifest["n_firms"])
    paths = plotting.save_figures(figs, path, formats)
    print(written(paths))
    return 0


COMMANDS = (Command("plot", "redraw the figures of a run or sweep folder", cmd_plot,
                    _plot_args),)
