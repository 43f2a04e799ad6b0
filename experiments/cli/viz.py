"""``bposim viz``: serve the dashboard (:mod:`simulation.viz`) with Solara.

Replaces itself (``exec``) with ``python -m solara run simulation.viz``, on 127.0.0.1 by
default, without Solara's version check and usage telemetry (no traffic beyond the address
served). Stop it with Ctrl-C.

Every browser asset comes from installed packages: Solara's front-end packages (its Vuetify
app, RequireJS, Font Awesome) from ``solara-assets``, a Python package of the ``viz`` extra
pinned to the installed Solara's version, which puts them in Solara's asset cache
(``<venv>/share/solara/cdn``). Before serving, :func:`missing_assets` checks that every
package the installed Solara's page asks for is there; if not, the command stops with one
line saying what to install, instead of serving a blank page.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from experiments.cli.common import Command, UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

#: ``{{cdn}}/<name>@<exact version>/`` in Solara's page template.
_CDN_REF = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")


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


def needed_assets() -> list[str]:
    """``name@version`` of every front-end package the installed Solara's page loads.

    Read from Solara's page template (``solara/server/templates/solara.html.j2``: the
    Vuetify app of the installed ipyvue major version only) and its Font Awesome setting.
    """
    import ipyvue
    import solara.server
    from solara.server.settings import assets

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    skip = "solara-vuetify-app" if ipyvue.__version__.startswith("3") else \
        "solara-vuetify3-app"
    found = {f"{n}@{v}" for n, v in _CDN_REF.findall(template.read_text(encoding="utf-8"))
             if not n.endswith("/" + skip)}
    fa = re.match(r"/?((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/", assets.fontawesome_path)
    if assets.fontawesome_enabled and fa:
        found.add(fa.group(1))
    return sorted(found)


def missing_assets(cache: Path | None = None) -> list[str]:
    """The packages of :func:`needed_assets` that are not in Solara's asset cache.

    Parameters
    ----------
    cache : Path, optional
        The cache folder (default: Solara's, ``SOLARA_ASSETS_PROXY_CACHE_DIR`` or
        ``<sys.prefix>/share/solara/cdn``, where ``solara-assets`` installs them).
    """
    if cache is None:
        from solara.server.settings import assets

        cache = Path(assets.proxy_cache_dir)
    return [a for a in needed_assets() if not (cache / a).is_dir()]


def assets_hint() -> str:
    """What to run to install the browser assets of the installed Solara."""
    from importlib.metadata import version

    return f"pip install 'solara-assets=={version('solara')}'"


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
    missing = missing_assets()
    if missing:
        raise UsageError(f"the dashboard's browser assets are missing ({missing[0]} is not "
                         f"in Solara's asset cache); install them with: {assets_hint()}")
    from simulation.viz import CONFIG_ENV

    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env["SOLARA_ASSETS_PROXY"] = "True"  # the page loads its assets from this server
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
