"""``bposim compare``: runs and sweep design points against a baseline, paired by seed."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import run_cli
from experiments.compare import effects, load_arm
from sweeputil import FAST_BASE, write

CRN = f"""
name = "crn"
seed = 21
replications = 4
end_year = 2003
common_random_numbers = true
outputs = ["market_acv_usd_bn", "tcv_signed_usd_bn", "share_offshore", "n_breaches"]
{FAST_BASE}
[design]
kind = "factorial"
[[parameters]]
name = "breach_hazard_scale"
values = [1.0, 4.0]
"""


@pytest.fixture(scope="module")
def crn_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crn")
    p = run_cli(["sweep", write(tmp / "crn.toml", CRN), "--out", tmp / "sw", "--executor",
                 "in-process", "--quiet"])
    assert p.returncode == 0, p.stderr
    return tmp / "sw"


def test_design_points_with_common_random_numbers_are_paired(crn_sweep, tmp_path):
    out = tmp_path / "cmp"
    p = run_cli(["compare", f"{crn_sweep}:0", f"{crn_sweep}:1", "--out", out])
    assert p.returncode == 0, p.stderr
    table = pd.read_csv(out / "effects.csv")
    assert table["paired"].all() and (table["n"] == 4).all()
    # independently: per replication (same seed) the difference, then its t interval
    a, b = load_arm(f"{crn_sweep}:0"), load_arm(f"{crn_sweep}:1")
    assert a.seeds == b.seeds and len(a.seeds) == 4
    for output in ("share_offshore", "n_breaches"):
        for year in (2001, 2003):
            xa = a.annual[a.annual["year"] == year].set_index("seed")[output]
            xb = b.annual[b.annual["year"] == year].set_index("seed")[output]
            d = (xb - xa.loc[xb.index]).to_numpy()
            lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
            row = table[(table["output"] == output) & (table["year"] == year)].iloc[0]
            assert row["effect"] == pytest.approx(d.mean(), rel=1e-12, abs=1e-12)
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
    names = sorted(f.name for f in out.iterdir())
    assert names == sorted(["COMPLETE", "effects.csv", "arms.csv"] + [
        f"compare_{o}.png" for o in ("market_acv_usd_bn", "tcv_signed_usd_bn",
                                     "share_offshore", "n_breaches")])
    assert "pairs)" in p.stdout and "wrote 6 files" in p.stdout


def test_counts_are_per_thousand_real_firms(crn_sweep):
    from experiments.storage import load_sweep

    arm = load_arm(f"{crn_sweep}:0")
    data = load_sweep(crn_sweep)
    ts = data.timeseries.merge(data.runs[["run_id", "point"]], on="run_id")
    raw = ts[(ts["point"] == 0) & (ts["year"] == 2002)].groupby("run_id")["n_breaches"].sum()
    got = arm.annual[arm.annual["year"] == 2002]["n_breaches"].to_numpy()
    np.testing.assert_allclose(np.sort(got), np.sort(raw.to_numpy() * 1000 / 40))


def test_a_rerun_of_a_sweep_run_pairs_with_it_and_differs_by_nothing(crn_sweep, tmp_path):
    run = tmp_path / "rerun"
    p = run_cli(["run", "--from-sweep", crn_sweep, "--run-id", "0", "--out", run, "--quiet"])
    assert p.returncode == 0, p.stdout + p.stderr
    table = effects(load_arm(f"{crn_sweep}:0"), load_arm(str(run)),
                    ["market_acv_usd_bn", "tcv_signed_usd_bn", "n_breaches"])
    assert table["paired"].all() and (table["n"] == 1).all()
    np.testing.assert_allclose(table["effect"], 0.0, atol=1e-12)
    assert table["ci_low"].isna().all()  # one pair: no interval


def test_runs_with_other_seeds_are_compared_unpaired(tmp_path):
    for seed in (1, 2):
        p = run_cli(["run", "--firms", "50", "--end-year", "2002", "--seed", seed, "--out",
                     tmp_path / f"s{seed}", "--quiet"])
        assert p.returncode == 0, p.stderr
    a, b = load_arm(str(tmp_path / "s1")), load_arm(str(tmp_path / "s2"))
    table = effects(a, b, ["market_acv_usd_bn"])
    assert not table["paired"].any() and table["ci_low"].isna().all()
    annual = [pd.read_csv(tmp_path / f"s{s}" / "annual.csv").set_index("year") for s in (1, 2)]
    want = annual[1]["market_acv_usd_bn"] - annual[0]["market_acv_usd_bn"]
    np.testing.assert_allclose(table.set_index("year")["effect"], want.loc[table["year"]],
                               rtol=1e-12)


@pytest.mark.parametrize("args, needle", [
    (["compare", "x", "--out", "o"], "give at least two arms"),
    (["compare", "/nonexistent", "/nonexistent", "--out", "o"], "neither a results folder"),
    (["compare", "CRN", "CRN:1", "--out", "o"], "a sweep folder; name one design point"),
    (["compare", "CRN:7", "CRN:1", "--out", "o"], "no design point '7'"),
    (["compare", "CRN:0", "CRN:1", "--out", "o", "--outputs", "hhi"], "--outputs: 'hhi'"),
])
def test_compare_bad_input_one_line(crn_sweep, tmp_path, args, needle):
    args = [a.replace("CRN", str(crn_sweep)) if isinstance(a, str) else a for a in args]
    args[args.index("o")] = tmp_path / "o"
    p = run_cli(args)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and needle in p.stderr, p.stderr
    assert not (tmp_path / "o").exists()
