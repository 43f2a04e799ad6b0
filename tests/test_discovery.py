"""`bposim discover`: scenario discovery with PRIM and CART on a finished sweep; a known
box of inputs is recovered; the files and figures are written; bad input is one line."""

import json

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.discovery import BOX_COLUMNS, PEELING_COLUMNS, Settings, discover
from experiments.outcomes import parse_where, run_outcome
from experiments.storage import load_sweep
from exploreutil import run_known, unit
from simulation.config import ConfigError
from sweeputil import FAST_BASE, write

#: Four inputs on a Latin hypercube; the outcome is high exactly inside a known box of the
#: first two (in unit coordinates: 0.2 <= a <= 0.6 and b >= 0.5), whatever c and d are.
BOX_SPEC = """
name = "known_box"
seed = 11
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
[[parameters]]
name = "status_quo_inertia"
range = [0.0, 1.0]
"""
A_BOX, B_BOX = (0.2, 0.6), (0.5, 1.0)
RANGES = {"review_hazard": (0.0, 0.2), "backlash_intensity": (0.0, 1.0)}
TOL = 0.05  # of a parameter's range


def _in_box(sc) -> float:
    a = unit(sc.decision.review_hazard, *RANGES["review_hazard"])
    b = unit(sc.risk.backlash_intensity, *RANGES["backlash_intensity"])
    return 0.9 if A_BOX[0] <= a <= A_BOX[1] and b >= B_BOX[0] else 0.2


@pytest.fixture(scope="module")
def box_sweep(tmp_path_factory):
    """A real sweep folder whose outcome is defined by the known box."""
    tmp = tmp_path_factory.mktemp("box")
    assert run_known(["sweep", write(tmp / "box.toml", BOX_SPEC), "--out", tmp / "sweep",
                      "--executor", "in-process", "--quiet"], _in_box) == 0
    return tmp / "sweep"


def _limits(boxes, method, name):
    r = boxes[(boxes["method"] == method) & (boxes["parameter"] == name)].iloc[0]
    lo, hi = RANGES[name]
    return unit(r["low"], lo, hi), unit(r["high"], lo, hi), bool(r["restricted"])


def test_prim_and_cart_recover_a_known_box(box_sweep, tmp_path, capsys):
    out = tmp_path / "d"
    assert main(["discover", str(box_sweep), "--output", "share_offshore", "--where",
                 "> 0.5", "--out", str(out)]) == 0
    boxes = pd.read_csv(out / "boxes.csv")
    assert list(boxes.columns) == list(BOX_COLUMNS)
    prim = boxes[boxes["method"] == "prim"]
    assert set(prim.loc[prim["restricted"], "parameter"]) == {"review_hazard",
                                                              "backlash_intensity"}
    a_lo, a_hi, _ = _limits(boxes, "prim", "review_hazard")
    b_lo, b_hi, _ = _limits(boxes, "prim", "backlash_intensity")
    assert abs(a_lo - A_BOX[0]) < TOL and abs(a_hi - A_BOX[1]) < TOL
    assert abs(b_lo - B_BOX[0]) < TOL and b_hi > 1 - TOL
    first = prim.iloc[0]
    assert first["coverage"] > 0.95 and first["density"] >= 0.8  # the reported box
    # the lever is tagged as such and left unrestricted
    lever = prim[prim["parameter"] == "breach_hazard_scale"].iloc[0]
    assert lever["kind"] == "lever" and not lever["restricted"]
    cart = boxes[(boxes["method"] == "cart") & boxes["of_interest"]]
    assert set(cart.loc[cart["restricted"], "parameter"]) == {"review_hazard",
                                                              "backlash_intensity"}
    for box, rows in cart.groupby("box"):
        assert rows["density"].iloc[0] == 1.0
        a_lo, a_hi, _ = _limits(rows, "cart", "review_hazard")
        b_lo, _, _ = _limits(rows, "cart", "backlash_intensity")
        assert a_lo > A_BOX[0] - TOL and a_hi < A_BOX[1] + TOL and b_lo > B_BOX[0] - TOL
    assert cart.groupby("box")["coverage"].first().sum() == pytest.approx(1.0)
    printed = capsys.readouterr().out
    assert "PRIM box 1: coverage" in printed and "review_hazard (uncertainty)" in printed


def test_discovery_is_deterministic_and_keeps_the_trajectory(box_sweep):
    data = load_sweep(box_sweep)
    s = Settings(output="share_offshore", where="> 0.5", n_boxes=2)
    r1, r2 = discover(data, s), discover(data, s)
    pd.testing.assert_frame_equal(r1.boxes, r2.boxes)
    pd.testing.assert_frame_equal(r1.peeling, r2.peeling)
    assert list(r1.peeling.columns) == list(PEELING_COLUMNS)
    assert r1.peeling["selected"].sum() == r1.peeling["box"].nunique()
    # the reported box is the one of highest coverage with density >= 0.8
    t = r1.peeling[r1.peeling["box"] == 1]
    dense = t[(t["density"] >= 0.8) & (t["res_dim"] > 0)]
    assert t.loc[t["selected"], "coverage"].item() == dense["coverage"].max()
    assert r1.cases["of_interest"].sum() == (r1.cases["outcome"] > 0.5).sum()


#: A small real sweep: two policies (captive centres allowed or not) x 8 scenarios of
#: offshore labour-cost growth and breach risk.
REAL_SPEC = f"""
name = "small_crossed"
seed = 4
end_year = 2004
outputs = ["share_offshore", "n_reshored"]
{FAST_BASE}
[design]
kind = "crossed"
scenarios = 8
[[parameters]]
name = "offshore_labour_cost_growth"
range = [0.0, 0.1]
[[parameters]]
name = "breach_hazard_scale"
range = [0.5, 5.0]
[[parameters]]
name = "captives_enabled"
kind = "lever"
values = [true, false]
"""


@pytest.fixture(scope="module")
def real_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real")
    assert main(["sweep", str(write(tmp / "s.toml", REAL_SPEC)), "--out", str(tmp / "sw"),
                 "--executor", "in-process", "--quiet"]) == 0
    return tmp / "sw"


def test_discover_on_a_small_sweep_writes_boxes_and_figures(real_sweep, capsys):
    data = load_sweep(real_sweep)
    y = run_outcome(data, "share_offshore", (2003, 2004))
    cut = float(np.median(y))
    assert main(["discover", str(real_sweep), "--output", "share_offshore", "--where",
                 f"> {cut!r}", "--years", "2003-2004"]) == 0
    out = real_sweep / "discovery-share_offshore"
    names = {p.name for p in out.iterdir()}
    assert {"boxes.csv", "peeling.csv", "cases.csv", "summary.txt", "discovery.json",
            "prim_box1_tradeoff.png", "prim_box1_limits.png", "COMPLETE"} <= names
    for png in (n for n in names if n.endswith(".png")):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    boxes = pd.read_csv(out / "boxes.csv")
    assert {"prim", "cart"} == set(boxes["method"])
    assert boxes[["coverage", "density", "mass"]].apply(lambda c: c.between(0, 1)).all().all()
    kinds = dict(zip(boxes["parameter"], boxes["kind"]))
    assert kinds == {"offshore_labour_cost_growth": "uncertainty",
                     "breach_hazard_scale": "uncertainty", "captives_enabled": "lever"}
    cases = pd.read_csv(out / "cases.csv")
    assert len(cases) == 16 and cases["of_interest"].sum() == (y > cut).sum()
    meta = json.loads((out / "discovery.json").read_text())
    assert meta["definition"].startswith("share_offshore > ") and meta["n_runs"] == 16
    assert "outcome of interest" in capsys.readouterr().out


def test_discover_writes_its_figures_in_every_figure_format(real_sweep, tmp_path):
    out = tmp_path / "d"
    cut = float(np.median(run_outcome(load_sweep(real_sweep), "share_offshore",
                                      (2003, 2004))))
    assert main(["discover", str(real_sweep), "--output", "share_offshore", "--where",
                 f"> {cut!r}", "--years", "2003-2004", "--out", str(out),
                 "--figure-format", "pdf,svg"]) == 0
    for name in ("prim_box1_tradeoff", "prim_box1_limits"):
        assert (out / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
        assert b"<svg" in (out / f"{name}.svg").read_bytes()[:2000]
        assert not (out / f"{name}.png").exists()
    # the reported box is circled in the house palette (Okabe-Ito vermillion), not red
    svg = (out / "prim_box1_tradeoff.svg").read_text()
    assert "#d55e00" in svg.lower() and "#c00000" not in svg.lower()


@pytest.mark.parametrize("args,needle", [
    (["--output", "share_offshore", "--where", "above 0.5"], "--where: cannot read"),
    (["--output", "share_offshore", "--where", "share_onshore > 0.5"], "--where: names"),
    (["--output", "market_acv_usd_bn", "--where", "> 0.5"], "--output: 'market_acv_usd_bn' "
                                                            "is not kept"),
    (["--output", "share_offshore", "--where", "> 2"], "no ok run (0 of 16)"),
    (["--output", "share_offshore", "--where", "> 0.5", "--years", "1990-2004"],
     "--years: must be FIRST LAST within the sweep's years 2000-2004"),
    (["--output", "share_offshore", "--where", "> 0.5", "--stat", "mode"], "--stat"),
    (["--output", "share_offshore", "--where", "> 0.5", "--inputs", "levers",
      "--min-density", "1.5"], "--min-density"),
])
def test_bad_input_is_one_line_and_writes_nothing(real_sweep, tmp_path, capsys, args,
                                                  needle):
    out = tmp_path / "d"
    assert main(["discover", str(real_sweep), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("bposim: error:") and needle in err
    assert not out.exists()


def test_not_a_sweep_folder(tmp_path, capsys):
    assert main(["discover", str(tmp_path), "--output", "share_offshore", "--where",
                 "> 0.5"]) == 2
    assert "not a bposim sweep folder" in capsys.readouterr().err


@pytest.mark.parametrize("expr,values,expected", [
    ("> 0.6", [0.5, 0.6, 0.7], [False, False, True]),
    ("share_offshore >= 0.6", [0.5, 0.6, 0.7], [False, True, True]),
    (">= 0.2 and < 0.5", [0.1, 0.2, 0.49, 0.5], [False, True, True, False]),
    ("!= 1e-3", [0.001, 0.002], [False, True]),
])
def test_where_conditions(expr, values, expected):
    assert parse_where(expr, "share_offshore")(np.array(values)).tolist() == expected


def test_where_is_never_evaluated():
    with pytest.raises(ConfigError, match="cannot read"):
        parse_where("__import__('os').system('true') > 0", "share_offshore")
