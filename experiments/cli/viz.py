"""``bposim viz``: serve the dashboard (:mod:`simulation.viz`) with Solara.

Replaces itself (``exec``) with ``python -m solara run simulation.viz``, on 127.0.0.1 by
default, without Solara's version check and usage telemetry (no traffic beyond the address
served). Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from experiments.cli.common import Command, UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _viz_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"TCP port (default {DEFAULT_PORT}; 0 = any free port)")
    p.add_argument("--config", type=Path,
                   help="TOML scenario the dashboard starts from (default: the default "
                        "scenario)")
    p.add_argument("--open", action="store_true", help="open a web browser on the dashboard")


def solara_command(host: str, port: int, open_browser: bool = False) -> list[str]:
    """The command line that serves the dashboard (``solara run simulation.viz ...``)."""
    return [sys.executable, "-m", "solara", "run", "simulation.viz", "--host", host,
            "--port", str(port), "--production", "--no-check-version",
            "--open" if open_browser else "--no-open"]


def cmd_viz(args) -> int:
    """Serve the interactive dashboard until interrupted."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: must be in 0-65535, got {args.port}")
    if not args.host.strip():
        raise UsageError("--host: must not be empty")
    if args.config is not None:
        from simulation.config import load_scenario

        load_scenario(args.config)  # a bad file stops here with one line, exit 2
    missing = [m for m in ("solara", "mesa.visualization") if find_spec(m) is None]
    if missing:
        raise UsageError(f"the dashboard needs the 'viz' extra ({missing[0]} is missing); "
                         "install it with: pip install 'bposim[viz]'")
    from simulation.viz import CONFIG_ENV

    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.pop(CONFIG_ENV, None)
    if args.config is not None:
        env[CONFIG_ENV] = str(args.config.resolve())
    print(f"bposim dashboard: http://{args.host}:{args.port} (Ctrl-C to stop)"
          if args.port else "bposim dashboard: starting on a free port (see below)",
          flush=True)
    cmd = solara_command(args.host, args.port, args.open)
    if os.name == "posix":  # become the server: signals (Ctrl-C, SIGTERM) reach it directly
        os.execve(cmd[0], cmd, env)
    proc = subprocess.Popen(cmd, env=env)  # pragma: no cover (not POSIX)
    try:  # pragma: no cover
        return proc.wait()
    except KeyboardInterrupt:  # pragma: no cover
        proc.terminate()
        proc.wait()
        return 0


COMMANDS = (Command("viz", "serve the interactive dashboard (Mesa SolaraViz)", cmd_viz,
                    _viz_args),)
