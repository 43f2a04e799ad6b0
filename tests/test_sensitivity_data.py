"""`bposim sensitivity` for any design: extra-trees feature scores and SALib's given-data
analysers (RBD-FAST, PAWN) on a Latin hypercube, checked on the Ishigami function, whose
ranking of the inputs is known; a finished sweep folder is analysed as it is."""

import math
import sys

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.sensitivity import INDEX_COLUMNS
from exploreutil import run_known, unit
from sweeputil import write

#: Three inputs on a Latin hypercube of 300 points, each range mapped onto [-pi, pi].
ISHIGAMI_SPEC = """
name = "ishigami"
seed = 5
end_year = 2001
outputs = ["share_offshore"]
[design]
kind = "lhs"
samples = 300
[[parameters]]
name = "review_hazard"
range = [0.0, 0.2]
[[parameters]]
name = "backlash_intensity"
range = [0.0, 1.0]
[[parameters]]
name = "breach_hazard_scale"
range = [0.5, 2.5]
kind = "lever"
[sensitivity]
resamples = 100
"""
X1, X2, X3 = "review_hazard", "backlash_intensity", "breach_hazard_scale"


def ishigami(sc, a=7.0, b=0.1) -> float:
    """Ishigami & Homma (1990): first-order indices S1 = 0.31, 0.44, 0 (x2 > x1 > x3),
    total indices ST = 0.56, 0.44, 0.24 (x1 > x2 > x3)."""
    x1, x2, x3 = (-math.pi + 2 * math.pi * unit(v, lo, hi) for v, lo, hi in (
        (sc.decision.review_hazard, 0.0, 0.2), (sc.risk.backlash_intensity, 0.0, 1.0),
        (sc.risk.breach_hazard_scale, 0.5, 2.5)))
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3 ** 4 * math.sin(x1)


@pytest.fixture(scope="module")
def ishigami_sweep(tmp_path_factory):
    """`bposim sensitivity SPEC` on the LHS spec (a real sweep folder of 300 runs)."""
    tmp = tmp_path_factory.mktemp("ishigami")
    assert run_known(["sensitivity", write(tmp / "i.toml", ISHIGAMI_SPEC), "--out",
                      tmp / "sweep", "--executor", "in-process", "--quiet"], ishigami) == 0
    return tmp / "sweep"


def _ranking(idx, method, index):
    rows = idx[(idx["method"] == method) & (idx["index"] == index)]
    return rows.sort_values("value", ascending=False)["parameter"].tolist()


def test_ranks_match_the_ishigami_function(ishigami_sweep):
    idx = pd.read_csv(ishigami_sweep / "sensitivity" / "indices.csv")
    assert list(idx.columns) == list(INDEX_COLUMNS)
    assert set(idx["method"]) == {"rbd_fast", "pawn", "extra_trees"}
    # given-data first-order indices: x2 > x1 > x3 (S1 = 0.44, 0.31, 0)
    assert _ranking(idx, "rbd_fast", "S1") == [X2, X1, X3]
    assert _ranking(idx, "pawn", "median") == [X2, X1, X3]
    s1 = idx[(idx["method"] == "rbd_fast")].set_index("parameter")
    assert s1.loc[X2, "value"] == pytest.approx(0.44, abs=0.1)
    assert s1.loc[X1, "value"] == pytest.approx(0.31, abs=0.1)
    assert abs(s1.loc[X3, "value"]) < 0.1 and (s1["conf"] > 0).all()
    # feature scores see interactions: x3 acts only through x1 (S1 = 0, ST = 0.24) and
    # scores lowest but well above zero; x1 and x2 (ST = 0.56, 0.44) are close
    scores = idx[idx["method"] == "extra_trees"].set_index("parameter")["value"]
    assert scores.sum() == pytest.approx(1.0)
    assert _ranking(idx, "extra_trees", "feature_score")[-1] == X3 and scores[X3] > 0.15
    png = (ishigami_sweep / "sensitivity" / "share_offshore.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


#: A 4 x 4 x 3 grid; the response 3 a + b (a, b in unit coordinates) ignores c.
GRID_SPEC = """
seed = 2
end_year = 2001
outputs = ["share_offshore"]
[[parameters]]
name = "review_hazard"
range = [0.0, 0.2]
levels = 4
[[parameters]]
name = "backlash_intensity"
range = [0.0, 1.0]
levels = 4
[[parameters]]
name = "breach_hazard_scale"
range = [0.5, 2.5]
levels = 3
"""


def test_feature_scores_rank_a_grid_by_effect(tmp_path):
    out = tmp_path / "grid"
    assert run_known(["sensitivity", write(tmp_path / "g.toml", GRID_SPEC), "--out", out,
                      "--executor", "in-process", "--quiet"],
                     lambda sc: 3 * unit(sc.decision.review_hazard, 0.0, 0.2)
                     + unit(sc.risk.backlash_intensity, 0.0, 1.0)) == 0
    idx = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert set(idx["method"]) == {"extra_trees"}  # no given-data index for a grid
    assert _ranking(idx, "extra_trees", "feature_score") == [X1, X2, X3]
    assert idx.set_index("parameter").loc[X3, "value"] < 0.05


def test_a_finished_sweep_folder_is_analysed_as_it_is(ishigami_sweep, tmp_path, capsys):
    out = tmp_path / "again"
    assert main(["sensitivity", str(ishigami_sweep), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "rbd_fast" in printed and "pawn" in printed and "extra_trees" in printed
    again = pd.read_csv(out / "indices.csv")
    first = pd.read_csv(ishigami_sweep / "sensitivity" / "indices.csv")
    pd.testing.assert_frame_equal(again, first)  # the same analysis, bit for bit
    assert {p.name for p in out.iterdir()} == {"indices.csv", "indices.parquet",
                                               "share_offshore.png", "warnings.txt"}
    svg = tmp_path / "svg"
    assert main(["sensitivity", str(ishigami_sweep), "--out", str(svg), "--quiet",
                 "--figure-format", "svg"]) == 0
    assert {p.name for p in svg.iterdir()} == {"indices.csv", "indices.parquet",
                                               "share_offshore.svg", "warnings.txt"}


def test_feature_scores_need_the_explore_extra(ishigami_sweep, tmp_path, monkeypatch,
                                               capsys):
    monkeypatch.setitem(sys.modules, "ema_workbench.analysis.feature_scoring", None)
    assert main(["sensitivity", str(ishigami_sweep), "--out", str(tmp_path / "o"),
                 "--quiet"]) == 0
    idx = pd.read_csv(tmp_path / "o" / "indices.csv")
    assert set(idx["method"]) == {"rbd_fast", "pawn"}
    err = capsys.readouterr().err
    assert "feature scores skipped" in err and "pip install 'bposim[explore]'" in err


def test_folder_errors_are_one_line(tmp_path, capsys, ishigami_sweep):
    (tmp_path / "f").write_text("x")
    for args, needle in ((["sensitivity", str(tmp_path)], "not a bposim sweep folder"),
                         (["sensitivity", str(ishigami_sweep), "--out", str(tmp_path / "f")],
                          "--out: " + str(tmp_path / "f") + " is a file, not a folder")):
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and needle in err, err


def test_the_analysed_response_is_the_stored_one(ishigami_sweep):
    """The plan rebuilt from the folder and the responses read from it are those of the
    known function, point by point."""
    from experiments.plan import stored_plan
    from experiments.sensitivity import responses
    from experiments.storage import load_sweep

    plan = stored_plan(ishigami_sweep)
    y = responses(plan, load_sweep(ishigami_sweep), "share_offshore", (2001, 2001))
    expected = [ishigami(sc) for sc in plan.scenarios]
    np.testing.assert_allclose(y, expected)
