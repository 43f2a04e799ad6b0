"""The ``bposim`` command line, on top of both packages (:mod:`simulation` and
:mod:`experiments`).

One module per group of subcommands, each listing its :class:`~experiments.cli.common.
Command` objects in ``COMMANDS``: :mod:`.run` (``run``), :mod:`.config` (``config``,
``data``), :mod:`.sweep` (``sweep``, ``sensitivity``), :mod:`.plot` (``plot``),
:mod:`.compare` (``compare``), :mod:`.calibrate` (``calibrate``, ``reproduce``),
:mod:`.validate` (``validate``), :mod:`.explore` (``discover``) and :mod:`.viz` (``viz``).
Every user error, and every fault of the machine (no space, no permission, a damaged
folder), ends with one line ``bposim: error: ...`` on stderr (escaped and trimmed by
:func:`simulation.messages.one_line`) and exit status 2; no traceback and no output folder
is left behind (see ``docs/robustness.md``).
"""

from __future__ import annotations

import argparse
import sys

from experiments.cli import (calibrate, compare, config, explore, plot, run, sweep, validate,
                             viz)
from experiments.cli.common import EXIT_USAGE, Command, UsageError

#: The command modules, in the order of ``bposim --help``.
GROUPS = (run, config, sweep, explore, plot, compare, calibrate, validate, viz)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints usage too)
        raise UsageError(message)


def commands() -> dict[str, Command]:
    """Every subcommand by name, in help order."""
    return {c.name: c for group in GROUPS for c in group.COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``bposim`` and its subcommands."""
    from simulation import __version__

    parser = _Parser(prog="bposim", description="Agent-based simulator of the business "
                     "process outsourcing (BPO) market.")
    parser.add_argument("--version", action="version", version=f"bposim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for c in commands().values():
        c.add_arguments(sub.add_parser(c.name, help=c.help, description=c.help))
    return parser


def _in_main_thread() -> bool:
    """True in the main thread (signal handlers can only be set there)."""
    import threading
    return threading.current_thread() is threading.main_thread()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bposim`` console script. Returns the exit status."""
    import signal

    def _terminate(signum, frame):  # SIGTERM: unwind like Ctrl-C, so nothing half-written
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate) if _in_main_thread() else None
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    from experiments.executors import ExecutorError
    from simulation.atomic import OutputExistsError
    from simulation.config import ConfigError
    from simulation.faults import EnvironmentFault, classify
    from simulation.messages import one_line

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return EXIT_USAGE
        return commands()[args.command].handler(args) or 0
    except (UsageError, ConfigError, OutputExistsError, ExecutorError,
            EnvironmentFault) as err:
        print(f"bposim: error: {one_line(err)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # a fault of the machine outside a command's own folders
        if err.errno is None:
            raise
        print(f"bposim: error: {one_line(classify(err))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as err:  # err names the output if it was complete
        print(f"bposim: interrupted; {one_line(err) or 'no partial output was kept'}",
              file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `bposim data | head`
        sys.stderr.close()
        return 0


__all__ = ["main", "build_parser", "commands", "GROUPS"]
