"""``bposim config`` (print or check scenario files, print the configuration reference)
and ``bposim data`` (the data fits and gap-filling rules)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.cli.common import Command


def _config_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--dump", action="store_true", help="print the default scenario TOML")
    g.add_argument("--check", type=Path, metavar="FILE", help="validate a scenario file")
    g.add_argument("--reference", action="store_true",
                   help="print the configuration reference (markdown, docs/configuration.md)")


def cmd_config(args) -> int:
    """Print the default scenario or the configuration reference, or validate a scenario
    file."""
    from simulation.config import load_scenario, render_default_toml

    if args.dump:
        sys.stdout.write(render_default_toml())
        return 0
    if args.reference:
        from experiments.reference import render_full_reference

        sys.stdout.write(render_full_reference() + "\n")
        return 0
    sc = load_scenario(args.check)
    print(f"{args.check}: valid (config hash {sc.config_hash()[:12]})")
    return 0


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


COMMANDS = (Command("config", "print or check scenario files", cmd_config, _config_args),
            Command("data", "report the data fits and gap-filling rules", cmd_data))
