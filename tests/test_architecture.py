"""Imports go one way (docs/architecture.md): world -> populations -> market -> collector ->
model; the populations do not call each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ("simulation/mechanisms.py", "simulation/world.py", "simulation/context.py",
        "simulation/market.py", "simulation/collector.py", "simulation/model.py")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (at any depth of the file)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "agents").glob("*.py")), ids=lambda p: p.name)
def test_populations_import_neither_the_model_nor_what_comes_after_them(path):
    later = {"simulation.model", "simulation.market", "simulation.collector", "experiments"}
    assert not {m for m in imported_modules(path) if m.split(".")[0] == "experiments"
                or m in later}


def test_the_populations_do_not_import_each_other():
    assert "agents.vendors" not in imported_modules(ROOT / "agents/firms.py")
    assert "agents.firms" not in imported_modules(ROOT / "agents/vendors.py")


@pytest.mark.parametrize("name", CORE)
def test_core_modules_do_not_import_experiments(name):
    assert not {m for m in imported_modules(ROOT / name) if m.split(".")[0] == "experiments"}


def test_market_and_collector_do_not_import_the_model():
    for name in ("simulation/market.py", "simulation/collector.py", "simulation/context.py"):
        assert "simulation.model" not in imported_modules(ROOT / name), name


def test_kernels_sit_below_everything():
    """simulation/kernels.py (issue #16) imports only numpy, numba and math: the
    mechanisms, populations, market and collector call it, never the other way."""
    assert imported_modules(ROOT / "simulation/kernels.py") <= {"__future__", "numpy",
                                                                "numba", "math"}
