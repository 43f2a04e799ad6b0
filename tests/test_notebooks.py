"""The notebooks: stored without outputs, and run top to bottom (small) with nbclient."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Figures each notebook shows (its rendered copy in docs/notebooks/ holds them all).
RENDERED_FIGURES = {"01_quickstart": 6, "02_parameter_sweep": 6,
                    "03_reproduce_market_growth": 8, "04_when_does_reshoring_happen": 3}


def test_there_are_notebooks():
    assert (ROOT / "notebooks" / "01_quickstart.ipynb") in NOTEBOOKS
    assert (ROOT / "notebooks" / "02_parameter_sweep.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, \
                f"{path.name} cell {i} has outputs: clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_a_rendered_copy_with_its_outputs_in_docs(path):
    """docs/notebooks/NAME.md: every code cell of the notebook as it is now, its outputs
    and its figures (re-render after changing a notebook: docs/dashboard.md)."""
    import re

    md = ROOT / "docs" / "notebooks" / f"{path.stem}.md"
    text = md.read_text(encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        src = cell.source.strip()
        if cell.cell_type == "code":
            assert src in text, f"{md.name} is stale: re-render {path.name}"
        else:  # the markdown cells, up to a rendering detail
            assert src.splitlines()[0] in text
    images = re.findall(r"!\[png\]\(([^)]+)\)", text)
    assert len(images) >= RENDERED_FIGURES[path.stem]
    assert all((md.parent / i).is_file() for i in images)
    assert "## Conclusion" in text


def _run(path: Path, cwd: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def test_quickstart_runs_top_to_bottom(tmp_path, monkeypatch):
    monkeypatch.setenv("BPOSIM_NB_FIRMS", "150")
    monkeypatch.setenv("BPOSIM_NB_FIGDIR", str(tmp_path))
    nb = _run(ROOT / "notebooks" / "01_quickstart.ipynb", tmp_path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "150 firms" in text and "market 2017" in text  # the small size was used
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 6  # every figure is shown inline
    saved = sorted(p.name for p in tmp_path.glob("quickstart_*.png"))
    assert saved == sorted(f"quickstart_{n}.png" for n in (
        "market_size", "location_shares", "acv_by_country", "work_flows", "events",
        "events_breach_x3"))
    assert all((tmp_path / n).read_bytes()[:4] == b"\x89PNG" for n in saved)


def test_reproduce_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    monkeypatch.setenv("BPOSIM_NB_FIRMS", "120")
    monkeypatch.setenv("BPOSIM_NB_REPS", "2")
    nb = _run(ROOT / "notebooks" / "03_reproduce_market_growth.ipynb", tmp_path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "120 firms, 2 replications" in text and "MAPE" in text
    assert "runs: 4/4 runs (100 %)" in text  # progress shown
    # every figure of `bposim reproduce` (8 since issue #12 added the BPO share and the
    # outsourcing rate by process)
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 8


def test_parameter_sweep_runs_top_to_bottom(tmp_path, monkeypatch):
    sizes = {"BPOSIM_NB_FIRMS": "60", "BPOSIM_NB_LEVELS": "2", "BPOSIM_NB_REPLICATIONS": "2",
             "BPOSIM_NB_TRAJECTORIES": "2", "BPOSIM_NB_END_YEAR": "2010"}
    for k, v in sizes.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("BPOSIM_NB_OUT", str(tmp_path / "sweeps"))
    monkeypatch.setenv("BPOSIM_NB_FIGDIR", str(tmp_path))
    nb = _run(ROOT / "notebooks" / "02_parameter_sweep.ipynb", tmp_path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "60 firms per run, 2000-2010; grid 2 x 2 x 2 replications" in text
    # 2 x 2 grid x 2 replications; Morris: 2 trajectories x (5 + 1) points x 2 replications
    assert "8 runs planned; stored 8: 8 ok" in text
    assert "sweep nb02_grid: 8/8 runs (100 %)" in text  # progress shown
    assert "24 runs planned; stored 24: 24 ok" in text
    assert "mu_star" in text and "trajectories = 2 is below 10" in text
    sweeps = sorted(p.name for p in (tmp_path / "sweeps").iterdir() if p.is_dir())
    assert sweeps == ["grid-60f-2l-2r-2t-2010", "morris-60f-2l-2r-2t-2010"]
    assert (tmp_path / "sweeps" / sweeps[1] / "sensitivity" / "indices.csv").is_file()
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 6  # every figure is shown inline
    names = ("heatmap_offshore", "heatmap_tcv", "fan_tcv", "fan_acv",
             "sensitivity_share_offshore", "sensitivity_market_acv")
    saved = sorted(p.name for p in tmp_path.glob("sweep_*.png"))
    assert saved == sorted(f"sweep_{n}.png" for n in names)
    assert all((tmp_path / n).read_bytes()[:4] == b"\x89PNG" for n in saved)


def test_reshoring_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    sizes = {"BPOSIM_NB_FIRMS": "40", "BPOSIM_NB_SCENARIOS": "6",
             "BPOSIM_NB_REPLICATIONS": "1", "BPOSIM_NB_END_YEAR": "2010"}
    for k, v in sizes.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("BPOSIM_NB_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("BPOSIM_NB_FIGDIR", str(tmp_path))
    nb = _run(ROOT / "notebooks" / "04_when_does_reshoring_happen.ipynb", tmp_path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "40 firms per run, 2000-2010; 3 policies x 6 scenarios" in text
    assert "18 runs planned; stored 18: 18 ok" in text
    assert "outcome of interest: n_reshored >" in text and "PRIM box 1: coverage" in text
    assert "Reshoring is frequent" in text and "by US tax rate" in text
    assert "The strongest driver by feature score" in text
    out = tmp_path / "out"
    assert (out / "discovery-40f-6s-1r-2010" / "boxes.csv").is_file()
    assert (out / "sensitivity-40f-6s-1r-2010" / "indices.csv").is_file()
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 3
    saved = sorted(p.name for p in tmp_path.glob("reshoring_*.png"))
    assert saved == ["reshoring_feature_scores.png", "reshoring_prim_box1_limits.png",
                     "reshoring_prim_box1_tradeoff.png"]
