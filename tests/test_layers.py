"""Layers: the model (simulation/, agents/) never imports the experiments (experiments/),
which hold the command line on top of both."""

import ast

import pytest

from conftest import ROOT


def _imported_modules(path):
    """Absolute module names imported by a file (import statements and
    ``importlib.import_module("...")`` calls)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"):
            yield node.args[0].value


@pytest.mark.parametrize("package", ["simulation", "agents"])
def test_the_model_never_imports_experiments(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert len(files) > 1
    bad = [(str(f.relative_to(ROOT)), m) for f in files for m in _imported_modules(f)
           if m == "experiments" or m.startswith("experiments.")]
    assert bad == []
