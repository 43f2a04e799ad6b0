"""The ``bposim`` command line.

Subcommands register themselves in :data:`COMMANDS` (name -> (add_arguments, handler)), so
that later features add a module rather than editing one big function. Every user error
ends with one line ``bposim: error: ...`` on stderr and exit status 2; no traceback and no
output folder is left behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

EXIT_USAGE = 2


class UsageError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints usage too)
        raise UsageError(message)


COMMANDS: dict[str, tuple[Callable, Callable, str]] = {}


def command(name: str, help: str):
    """Register a subcommand: decorate its handler; ``handler.add_arguments(parser)``."""
    def deco(fn):
        COMMANDS[name] = (getattr(fn, "add_arguments", lambda p: None), fn, help)
        return fn
    return deco


# ---------------------------------------------------------------------------- run
def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML scenario overriding the defaults")
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


def cmd_run(args) -> int:
    """Run one scenario and write its results folder."""
    if args.from_sweep is not None or args.run_id is not None:
        from experiments.rerun import cmd_run_from_sweep
        return cmd_run_from_sweep(args)
    from simulation.atomic import atomic_dir
    from simulation.config import load_scenario
    from simulation.output import default_out_dir, simulate, summary, utc_now, write_run_files

    flat = {k: v for k, v in (("n_firms", args.firms), ("start_year", args.start_year),
                              ("end_year", args.end_year)) if v is not None}
    scenario = load_scenario(args.config, **flat)
    if args.seed < 0:
        raise UsageError(f"--seed: must be >= 0, got {args.seed}")
    out = args.out or default_out_dir(args.seed)
    started = utc_now()
    with atomic_dir(out) as tmp:  # locked, written under a temporary name, renamed at the end
        result = simulate(scenario, args.seed, progress=not args.quiet)
        write_run_files(tmp, result, scenario, args.seed, started)
    if not args.quiet:
        print(summary(result, scenario))
        print(f"results: {out}")
    return 0


cmd_run.add_arguments = _run_args
command("run", "run a scenario (default: the embedded default scenario)")(cmd_run)


# ------------------------------------------------------------------------- config
def _config_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--dump", action="store_true", help="print the default scenario TOML")
    g.add_argument("--check", type=Path, metavar="FILE", help="validate a scenario file")
    g.add_argument("--reference", action="store_true",
                   help="print the configuration reference (markdown, docs/configuration.md)")


def cmd_config(args) -> int:
    """Print the default scenario, or validate a scenario file."""
    from simulation.config import load_scenario, render_default_toml, render_reference_markdown

    if args.dump:
        sys.stdout.write(render_default_toml())
        return 0
    if args.reference:
        try:  # the sweep and calibration specs live in experiments/
            from experiments.reference import render_full_reference
        except ModuleNotFoundError:  # pragma: no cover - core-only installs
            sys.stdout.write(render_reference_markdown())
        else:
            sys.stdout.write(render_full_reference() + "\n")
        return 0
    sc = load_scenario(args.check)
    print(f"{args.check}: valid (config hash {sc.config_hash()[:12]})")
    return 0


cmd_config.add_arguments = _config_args
command("config", "print or check scenario files")(cmd_config)


# --------------------------------------------------------------------------- data
def cmd_data(args) -> int:
    """Report the data: the labour-cost fit and every gap-filling rule applied."""
    from simulation.config import load_scenario
    from simulation.world import World

    w = World.build(load_scenario())
    print(w.labour_fit.summary())
    print(w.labour_fit.points.to_string(index=False))
    print()
    for line in w.fill_log:
        print(line)
    return 0


command("data", "report the data fits and gap-filling rules")(cmd_data)


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    from simulation import __version__

    parser = _Parser(prog="bposim", description="Agent-based simulator of the business "
                     "process outsourcing (BPO) market.")
    parser.add_argument("--version", action="version", version=f"bposim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (add_args, _, help_) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_, description=help_)
        add_args(sp)
    return parser


#: Modules that register further subcommands with :func:`command` when imported. A module
#: that does not exist (a feature not built yet) is skipped.
PLUGINS = ("experiments.cli", "experiments.cli_calibrate", "experiments.cli_validate",
           "simulation.cli_viz")


def _load_plugins() -> None:
    """Import the subcommand modules in :data:`PLUGINS` that exist."""
    import importlib

    for mod in PLUGINS:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as err:
            if err.name != mod:
                raise


def threading_is_main() -> bool:
    """True in the main thread (signal handlers can only be set there)."""
    import threading
    return threading.current_thread() is threading.main_thread()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bposim`` console script. Returns the exit status."""
    import signal

    def _terminate(signum, frame):  # SIGTERM: unwind like Ctrl-C, so nothing half-written
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate) if threading_is_main() else None
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    from simulation.atomic import OutputExistsError
    from simulation.config import ConfigError

    _load_plugins()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return EXIT_USAGE
        return COMMANDS[args.command][1](args) or 0
    except (UsageError, ConfigError, OutputExistsError) as err:
        msg = " ".join(str(err).split())
        print(f"bposim: error: {msg}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bposim: interrupted; no partial output was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `bposim data | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
