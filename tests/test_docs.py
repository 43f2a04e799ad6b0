"""Every code name the model documentation cites exists (docs/ODD.md, docs/architecture.md).

Checked: every backticked dotted name (``module.function``, ``Class.method``,
``section.field`` of the scenario), every ``file.py:function``, every backticked path, and
every backticked name inside a bracketed code reference (``[`price_options`]``: a function
of the model's modules, or a scenario parameter by its flat name).
"""

import importlib
import re
from pathlib import Path

import pytest

from simulation.config import field_index, load_scenario
from simulation.model import BPOModel

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("docs/ODD.md", "docs/architecture.md")
#: Modules searched for names cited without their module.
MODULES = ("simulation.mechanisms", "simulation.market", "simulation.world",
           "simulation.collector", "simulation.model", "simulation.context",
           "simulation.config", "agents.firms", "agents.vendors")
DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
BARE = re.compile(r"^[A-Za-z_]\w*$")
FILE_FUNCTION = re.compile(r"^([\w/]+)\.py:([\w.]+)$")
PATH = re.compile(r"^[\w./-]*(/|\.(md|csv|py|toml))$")


def cited_names(text: str) -> set[str]:
    """Code names cited in a markdown text (see the module docstring)."""
    names = {s for s in re.findall(r"`([^`\n]+)`", text)
             if DOTTED.match(s) or FILE_FUNCTION.match(s) or PATH.match(s)}
    for group in re.findall(r"\[([^\[\]]*`[^\[\]]*)\]", text):
        names |= {s for s in re.findall(r"`([^`]+)`", group) if BARE.match(s)}
    return names


def _chain(obj, attrs) -> bool:
    """``obj.a.b...`` exists (a dataclass's fields count as its attributes)."""
    for a in attrs:
        if hasattr(obj, a):
            obj = getattr(obj, a)
        elif a in getattr(obj, "__dataclass_fields__", {}):
            obj = None
        else:
            return False
    return True


@pytest.fixture(scope="module")
def instances():
    """Objects whose instance attributes the docs cite (state arrays, model attributes)."""
    m = BPOModel(rng=1, n_firms=20, start_year=2000, end_year=2000, spinup_years=1)
    m.step()
    return {"model": m, "BPOModel": m, "Firms": m.firms, "Vendors": m.vendors,
            "QuarterContext": m.context, "QuarterCollector": m.datacollector}


def resolves(name: str, instances: dict) -> bool:
    """True if ``name`` names a file, a module attribute, a (class or instance) attribute
    of the model's objects, or a scenario field."""
    if PATH.match(name):
        return (ROOT / name).exists() or any(p for p in ROOT.rglob(name)
                                             if ".venv" not in p.parts)
    m = FILE_FUNCTION.match(name)
    if m:
        module = importlib.import_module(m.group(1).replace("/", "."))
        return _chain(module, m.group(2).split("."))
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        if _chain(module, parts[i:]):
            return True
        break
    for mod in map(importlib.import_module, MODULES):
        if _chain(mod, parts):
            return True
    if parts[0] in instances and _chain(instances[parts[0]], parts[1:]):
        return True
    if len(parts) == 1:
        return name in field_index()
    return _chain(load_scenario(), parts)


@pytest.mark.parametrize("doc", DOCS)
def test_every_cited_code_name_exists(doc, instances):
    names = cited_names((ROOT / doc).read_text(encoding="utf-8"))
    assert len(names) > 30
    missing = sorted(n for n in names if not resolves(n, instances))
    assert not missing, f"{doc} cites names that do not exist: {missing}"


def test_the_checker_catches_what_it_should(instances):
    text = ("[`consideration_cumweights`] `BPOModel._apply` `agents.firm.Firm` "
            "`simulation/market.py:no_such` [`price_options`, `review_hazard`] "
            "`time.spinup_years` `Firms.mode` `agents/firms.py:Firms.breaches`")
    names = cited_names(text)
    assert names == {"consideration_cumweights", "BPOModel._apply", "agents.firm.Firm",
                     "simulation/market.py:no_such", "price_options", "review_hazard",
                     "time.spinup_years", "Firms.mode", "agents/firms.py:Firms.breaches"}
    assert sorted(n for n in names if not resolves(n, instances)) == [
        "BPOModel._apply", "agents.firm.Firm", "consideration_cumweights",
        "simulation/market.py:no_such"]
