"""The documentation site (``mkdocs.yml``): every page is in the navigation and every
module of the packages is in the API reference. (``.ci/run`` builds the site with
``mkdocs build --strict``, which checks links, anchors and docstrings.)"""

import importlib
import pkgutil
import re

import yaml

from conftest import ROOT

PACKAGES = ("simulation", "agents", "experiments")


def _nav_pages(nav) -> list[str]:
    out = []
    for item in nav:
        for value in (item.values() if isinstance(item, dict) else [item]):
            out += _nav_pages(value) if isinstance(value, list) else [value]
    return out


def _config() -> dict:
    class Loader(yaml.SafeLoader):
        pass
    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)


def test_every_page_is_in_the_navigation_and_exists():
    pages = _nav_pages(_config()["nav"])
    docs = ROOT / "docs"
    assert all((docs / p).is_file() for p in pages), [p for p in pages
                                                       if not (docs / p).is_file()]
    on_disk = {p.relative_to(docs).as_posix() for p in docs.rglob("*.md")}
    assert on_disk == set(pages), on_disk ^ set(pages)


def test_every_module_is_in_the_api_reference():
    documented = set()
    for page in (ROOT / "docs" / "api").glob("*.md"):
        documented |= set(re.findall(r"^::: ([\w.]+)$", page.read_text(), re.M))
    for name in documented:
        importlib.import_module(name)  # every reference is a real module
    modules = set()
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        modules |= {m.name for m in pkgutil.walk_packages(mod.__path__, f"{pkg}.")
                    if ".cli" not in m.name and m.name != "experiments.cli"}
    missing = {m for m in modules if m not in documented
               and not m.split(".")[-1].startswith("_")}
    assert not missing, f"modules missing from docs/api/*.md: {sorted(missing)}"
