"""What the command modules of :mod:`experiments.cli` share: the user error, the definition
of a command, and the executor options."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from experiments.executors import Executor

#: Exit status of a user error (bad option, bad input file, output folder in the way).
EXIT_USAGE = 2


class UsageError(Exception):
    """A user error: printed as one line, exit status 2."""


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command without options."""


@dataclass(frozen=True)
class Command:
    """A subcommand of ``bposim``.

    Attributes
    ----------
    name : str
    help : str
        One line for ``bposim --help`` (and the command's description).
    handler : callable
        ``handler(args) -> int``: runs the command, returns the exit status.
    add_arguments : callable
        ``add_arguments(parser)``: the command's options.
    """

    name: str
    help: str
    handler: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments


def add_executor_args(p: argparse.ArgumentParser) -> None:
    """The executor options shared by ``sweep``, ``sensitivity``, ``calibrate``,
    ``reproduce`` and ``validate``."""
    p.add_argument("--executor", choices=("pool", "in-process", "dask"), default="pool",
                   help="where runs execute (default: a local process pool)")
    p.add_argument("--workers", type=int, help="process-pool size (default: the available "
                   "cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster "
                   "(e.g. tcp://HOST:8786); workers must see --out at the same path")
    p.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster "
                   "of N workers on 127.0.0.1 for this run")


def executor_from_args(args: argparse.Namespace) -> "Executor":
    """The executor named by the options of :func:`add_executor_args` (not started).

    Raises
    ------
    experiments.executors.ExecutorError
        Contradictory or out-of-range options.
    """
    from experiments.executors import make_executor

    return make_executor(args.executor, workers=args.workers, scheduler=args.scheduler,
                         dask_local=args.dask_local)


def add_figure_format_arg(p: argparse.ArgumentParser) -> None:
    """``--figure-format``: the formats of the figures a command writes."""
    p.add_argument("--figure-format", metavar="FORMATS", default="png",
                   help="figure file formats, a comma list of png, pdf, svg (default png)")


def figure_formats(args: argparse.Namespace) -> tuple[str, ...]:
    """The formats named by ``--figure-format``, in order, without repeats.

    Raises
    ------
    UsageError
        An empty list or an unknown format (one line naming the allowed ones).
    """
    from simulation.plotting import FIGURE_FORMATS

    names = [f.strip().lower() for f in args.figure_format.split(",") if f.strip()]
    bad = [f for f in names if f not in FIGURE_FORMATS]
    if bad or not names:
        raise UsageError(f"--figure-format: unknown format {(bad[0] if bad else '')!r}; "
                         f"allowed: a comma list of {', '.join(FIGURE_FORMATS)}")
    return tuple(dict.fromkeys(names))


def written(paths: list) -> str:
    """One line naming the files a command wrote, by folder: ``wrote 3 files: DIR/
    (a.csv, b.png, c.pdf)``; a folder of more than six files by its count."""
    by: dict[str, list[str]] = {}
    for p in paths:
        by.setdefault(str(p.parent), []).append(p.name)
    return f"wrote {len(paths)} files: " + "; ".join(
        f"{d}/ ({', '.join(n) if len(n) <= 6 else f'{len(n)} files'})" for d, n in by.items())
