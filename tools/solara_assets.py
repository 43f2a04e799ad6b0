"""Put the browser assets of the installed Solara into its local cache, from the npm registry.

A Solara server sends the browser a few front-end packages (its Vuetify app bundle,
RequireJS, Font Awesome) that it normally fetches from a public CDN on first use and keeps
in ``<venv>/share/solara/cdn/``. On a machine without that CDN (offline clusters, this
project's CI) the dashboard page stays blank. This script fills the same cache with the
same package versions, fetched with the machine's ``npm pack`` from the npm registry, so
that ``bposim viz`` and ``solara run`` work offline. It reads the package versions from the
installed Solara's page template, skips packages already cached, and writes each package
atomically (a half-fetched package is never left behind).

Usage (with the project's virtual environment's Python)::

    python tools/solara_assets.py            # fill Solara's default cache
    python tools/solara_assets.py --dest DIR # another folder (then set
                                             # SOLARA_ASSETS_PROXY_CACHE_DIR=DIR)

Exit status: 0 when every package is cached, 1 when npm failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: ``{{cdn}}/<name>@<exact version>/`` in Solara's page template.
_CDN_REF = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")


def needed_packages() -> list[str]:
    """``name@version`` of every npm package the installed Solara's page loads.

    Read from ``solara/server/templates/solara.html.j2`` (the Vuetify app for the installed
    ipyvue major version only) and Solara's Font Awesome setting.
    """
    import ipyvue
    import solara.server
    from solara.server.settings import assets

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    vue3 = ipyvue.__version__.startswith("3")
    skip = "solara-vuetify-app" if vue3 else "solara-vuetify3-app"
    found = {f"{n}@{v}" for n, v in _CDN_REF.findall(template.read_text(encoding="utf-8"))
             if not n.endswith("/" + skip)}
    fa = re.match(r"/?((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/", assets.fontawesome_path)
    if assets.fontawesome_enabled and fa:
        found.add(fa.group(1))
    return sorted(found)


def default_dest() -> Path:
    """Solara's own asset cache (``SOLARA_ASSETS_PROXY_CACHE_DIR``, default
    ``<sys.prefix>/share/solara/cdn``)."""
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def fetch(spec: str, dest: Path, npm: str) -> Path:
    """Fetch one package with ``npm pack`` and unpack it to ``dest/<name>@<version>``."""
    target = dest / spec
    if target.is_dir():
        return target
    with tempfile.TemporaryDirectory(dir=dest, prefix=".fetch-") as tmp:
        out = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"npm pack {spec} failed: {out.stderr.strip()[-500:]}")
        (tgz,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tgz) as tar:
            tar.extractall(tmp, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        (Path(tmp) / "package").rename(target)
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dest", type=Path, help="cache folder (default: Solara's own)")
    p.add_argument("--list", action="store_true", help="only print the packages needed")
    args = p.parse_args(argv)
    specs = needed_packages()
    if args.list:
        print("\n".join(specs))
        return 0
    dest = args.dest or default_dest()
    missing = [s for s in specs if not (dest / s).is_dir()]
    if not missing:
        print(f"solara assets: all {len(specs)} packages already in {dest}")
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("solara_assets: error: npm not found; install Node.js and npm (Debian: "
              "apt-get install npm)", file=sys.stderr)
        return 1
    dest.mkdir(parents=True, exist_ok=True)
    for spec in missing:
        try:
            fetch(spec, dest, npm)
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as err:
            print(f"solara_assets: error: {' '.join(str(err).split())}", file=sys.stderr)
            return 1
        print(f"solara assets: {spec} -> {dest / spec}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
