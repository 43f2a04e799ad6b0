"""Validation against theory and firm-level evidence (issue #7, ``bposim validate``).

Every check runs once at the quick size (:data:`experiments.validation.records.QUICK`:
common random numbers over 8 replications, never a single seed); each claim is then
asserted with the report's own statistical tolerance: the 95 % confidence interval of the
mean over replications lies on the predicted side of zero.

Each claim has one expectation, taken from the full-size reference report
(docs/validation/report.md):

* ``PASS`` - the claim holds and is resolved at the quick size: asserted as above;
* ``WEAK`` - the claim holds at full size, but its effect is too small to be resolved with
  250 firms and 8 replications; asserted only not to be significantly reversed (the 95 %
  interval must reach the predicted side);
* ``FAIL`` - the model fails the claim (diagnosis in docs/validation.md): the assertion is
  ``xfail(strict=True)``, so a model change that makes it pass shows up as a test failure
  and this table (and the docs) must be updated;
* ``QUICK`` - the model fails the claim at full size, but it holds at the quick size, whose
  market has abundant vendors (the known cause of the failure is vendor capacity,
  docs/validation.md): asserted as ``PASS``.
"""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import run_cli
from agents.firms import MODE_CAPTIVE, MODE_INHOUSE, MODE_VENDOR
from experiments import figures
from experiments.executors import make_executor
from experiments.validation import CHECKS, planned_runs
from experiments.validation import records as R
from experiments.validation.report import run_checks
from experiments.validation.statistics import Claim, Estimate
from simulation.model import BPOModel

PASS, WEAK, FAIL, QUICK = "pass", "weak", "fail", "quick"
#: At the quick size (250 firms to 2008) with the calibrated default (issue #13), the groups
#: the claim compares do not appear: firms that outsource offshore are (almost) absent by
#: 2008, so the estimate is missing (fewer than 2 replications with both groups) or
#: exactly zero. The full-size report observes them (docs/validation.md).
UNOBSERVED = "unobserved"

EXPECTED = {
    "sorting": {
        "firms: domestic outsourcing > in-house only": UNOBSERVED,
        "firms: offshore outsourcing > domestic outsourcing": UNOBSERVED,
        "firms: captive > offshore outsourcing": PASS,
        "firms: share offshoring rises with productivity": UNOBSERVED,
        "pairs: onshore vendor > in-house": FAIL,
        "pairs: foreign vendor > onshore vendor": WEAK,
        "pairs: captive centre > foreign vendor": PASS,
        "pairs, fixed cost captive > outsourcing: captive more productive": PASS,
        "pairs, reversed fixed costs: foreign vendor more productive (Defever & Toubal 2013)":
            WEAK,  # since issue #12 merged: +0.125 [-0.020, +0.271] at the quick size
    },
    "coordination": {
        "lower coordination index: offshored first and more": PASS,
        "lower coordination-cost scale raises the offshored share": PASS,
        "wider wage gap raises the offshored share": WEAK,  # since captives deliver with
        # the onsite mix (issue #12): quick +0.040 [-0.018, +0.099], full size passes
    },
    "dispersion": {
        # with the process table from BLS OES 2015, IT services included (issue #12): full
        # size passes both, pairs +0.00549 [+0.00064, +0.0103], firms +0.00269 [+0.00091,
        # +0.00446]; quick size positive but unresolved, pairs +0.024 [-0.006, +0.054],
        # firms +0.013 [-0.004, +0.030] (docs/validation.md, check 3)
        "more dispersion raises the share of pairs offshored": WEAK,
        "more dispersion raises the share of firms offshoring": WEAK,
    },
    "fixed_costs": {
        "higher fixed cost concentrates offshoring among the largest firms": WEAK,  # captives
        # on (issue #12): full size +0.0035 [+0.0020, +0.0050]
    },
    "specificity": {
        "higher asset specificity lowers outsourcing": PASS,
    },
    "tax": {
        "lower tax in a vendor country raises its share of work": WEAK,  # quick +0.125
        # [-0.012, +0.261] since the captive onsite mix; full size +0.24 [+0.21, +0.27]
        "lower tax in a vendor country raises its share of value": WEAK,
        "lower home-country tax reduces captive use": WEAK,
    },
    "breach": {
        "offshore breach risk cuts offshoring of data-sensitive processes more": PASS,
        "more breaches raise early terminations": PASS,
        "more breaches raise back-sourcing": PASS,
    },
    "drivers": {
        "higher coordination cost lowers outsourced volume": PASS,
        "higher breach hazard lowers outsourced volume": WEAK,
        "higher backlash lowers outsourced volume": WEAK,  # passes at full size with the
        # BLS OES process table, -0.0746 [-0.119, -0.0307]; quick -0.127 [-0.337, +0.084]
        "higher hidden costs lowers outsourced volume": WEAK,
    },
}
CASES = [(k, text, exp) for k, claims in EXPECTED.items() for text, exp in claims.items()]


@pytest.fixture(scope="module")
def quick_run():
    """All checks at the quick size, sharing one run cache (about 30 s on one core)."""
    return run_checks(R.QUICK)


@pytest.fixture(scope="module")
def quick(quick_run):
    return {r.key: r for r in quick_run[0]}


def test_quick_claims_that_cannot_tell_are_underpowered_not_failed(quick):
    """Quick size: 8 replications, below the minimum of 10."""
    from experiments.samples import MIN_REPLICATIONS

    assert R.QUICK.replications < MIN_REPLICATIONS
    for r in quick.values():
        for c in r.claims:
            e = c.estimate
            covers_zero = not (e.lo > 0 or e.hi < 0)
            want = "PASS" if c.passed else "UNDERPOWERED" if covers_zero else "FAIL"
            assert c.status == want, (r.key, c.text)


def test_the_declared_arms_are_the_runs_made(quick_run):
    """``ARMS`` gives ``bposim validate`` the total of its progress."""
    assert quick_run[1].n_runs == planned_runs(CHECKS, R.QUICK)
    assert planned_runs(["fixed_costs"], R.QUICK) == 2 * R.QUICK.replications


def test_the_declared_diagnostic_arms_are_the_runs_made():
    size = R.Size("d", n_firms=30, replications=2, start_year=2000, end_year=2001,
                  diagnostics=True)
    keys = ["sorting", "dispersion"]  # the checks with diagnostic arms
    _, reps = run_checks(size, keys)
    assert reps.n_runs == planned_runs(keys, size) == 7 * 2


def test_every_check_and_claim_is_covered(quick):
    assert list(quick) == list(CHECKS) == list(EXPECTED)
    for key, r in quick.items():
        assert [c.text for c in r.claims] == list(EXPECTED[key]), key
        assert r.figure is not None and len(r.data) == R.QUICK.replications
        assert r.source and r.experiment and r.claim
        assert CHECKS[key].__doc__ and "Source" in CHECKS[key].__doc__


def _claim(quick, key, text):
    (c,) = [c for c in quick[key].claims if c.text == text]
    e = c.estimate
    print(f"{key}: {text}: mean {e.mean:+.4g} CI [{e.lo:+.4g}, {e.hi:+.4g}] n {e.n}")
    return c, e


@pytest.mark.parametrize("key,text,expected",
                         [pytest.param(*c, marks=pytest.mark.xfail(
                             strict=True, reason="known model failure, docs/validation.md"))
                          if c[2] == FAIL else c for c in CASES],
                         ids=[f"{k}:{t[:60]}" for k, t, _ in CASES])
def test_claim(quick, key, text, expected):
    c, e = _claim(quick, key, text)
    if expected == UNOBSERVED:
        assert e.n < 2 or (e.lo == e.hi == e.mean == 0.0), e
        return
    assert e.n >= 2, "not observed in enough replications"
    if expected == WEAK:  # not significantly reversed
        assert (e.hi > 0) if c.expected > 0 else (e.lo < 0), e
    else:
        assert c.passed, e


# ------------------------------------------------------------------ the machinery
def test_estimate_is_a_student_t_interval():
    x = np.array([0.1, 0.3, 0.2, 0.5, 0.4])
    e = Estimate.of(np.r_[x, np.nan])
    half = stats.t.ppf(0.975, 4) * x.std(ddof=1) / np.sqrt(5)
    assert e.n == 5 and e.mean == pytest.approx(0.3)
    assert (e.lo, e.hi) == pytest.approx((0.3 - half, 0.3 + half))
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    assert (e.lo, e.hi) == pytest.approx((ci.low, ci.high))


def test_claim_passes_only_when_the_interval_is_on_the_predicted_side():
    up = np.array([1.0, 1.2, 0.9, 1.1])
    assert Claim("", "", +1, up).passed and not Claim("", "", -1, up).passed
    assert Claim("", "", -1, -up).passed
    straddle = np.array([1.0, -0.9, 0.5, -0.4])
    assert not Claim("", "", +1, straddle).passed
    assert not Claim("", "", -1, straddle).passed
    assert not Claim("", "", +1, np.array([np.nan, 1.0])).passed  # n = 1


def test_sourcing_status_combines_mode_and_location(small_run):
    m = small_run
    st = R.year_end_state(m).status
    f = m.firms
    loc = m.world.location[f.pair_home, f.country]
    assert st.shape == f.mode.shape
    assert ((st == R.INHOUSE) == (f.mode == MODE_INHOUSE)).all()
    v = f.mode == MODE_VENDOR
    assert (st[v] == R.VENDOR_ONSHORE + loc[v]).all()
    cap = f.mode == MODE_CAPTIVE  # captives are on by default since issue #12
    assert cap.any() and (st[cap] == R.CAPTIVE_NEARSHORE + loc[cap] - R.NEARSHORE).all()
    assert (R.is_offshored(st) == (f.country != f.pair_home)).all()


def test_replications_use_common_seeds_and_are_deterministic():
    size = R.Size("t", n_firms=40, replications=2, start_year=2000, end_year=2001)
    a, b = R.Replications(size), R.Replications(size)
    ra, rb = a.arm(), b.arm()
    assert a.arm() is ra and a.n_runs == 2  # cached
    for x, y in zip(ra, rb):
        assert (x.status == y.status).all() and x.annual.equals(y.annual)
    # common random numbers: the same firms in every arm of a replication
    rc = a.arm(backlash_intensity=0.5)
    assert (rc[0].productivity == ra[0].productivity).all()
    assert not (ra[0].productivity == ra[1].productivity).all()
    assert list(ra[0].years) == [2000, 2001]


def _same_records(xs, ys) -> None:
    assert len(xs) == len(ys)
    for x, y in zip(xs, ys):
        for f in ("years", "status", "productivity", "employees", "home", "vendor_hours",
                  "vendors"):
            a, b = getattr(x, f), getattr(y, f)
            assert a.dtype == b.dtype and np.array_equal(a, b), f
        pd.testing.assert_frame_equal(x.annual, y.annual, check_exact=True)
        pd.testing.assert_frame_equal(x.acv_by_country, y.acv_by_country, check_exact=True)
        assert x.iso3 == y.iso3 and x.n_processes == y.n_processes
        assert x.processes.names == y.processes.names


def test_records_are_the_same_in_process_and_on_a_pool():
    """Validation runs on any executor; its records do not depend on it."""
    size = R.Size("t", n_firms=30, replications=3, start_year=2000, end_year=2002)
    here = R.Replications(size)
    with make_executor("pool", workers=2) as ex:
        pool = R.Replications(size, executor=ex)
        for flat in ({}, {"captives_enabled": False}):
            _same_records(here.arm(**flat), pool.arm(**flat))
    assert here.n_runs == pool.n_runs == 6


def test_captive_status_is_never_onshore():
    m = BPOModel(rng=3, n_firms=60, start_year=2000, end_year=2002, captives_enabled=True)
    m.run()
    st = R.year_end_state(m).status
    assert (st >= R.CAPTIVE_NEARSHORE).any()
    cap = m.firms.mode == MODE_CAPTIVE
    assert (m.firms.country[cap] != m.firms.pair_home[cap]).all()
    assert (st[cap] >= R.CAPTIVE_NEARSHORE).all()


def test_replication_panels_figure_draws_one_axis_per_panel():
    vals = np.array([[1.0, 2.0], [1.5, np.nan], [1.2, 2.2]])
    fig = figures.replication_panels_figure(
        [figures.ReplicationPanel("a", ["x", "y"], vals, "v"),
         figures.ReplicationPanel("b", ["p", "q", "r"], np.ones((3, 3)), "w", zero_line=True,
                                   rotate=True)], title="t")
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["p", "q", "r"]


# ------------------------------------------------------------------ the command
def test_cli_validate_writes_the_report(tmp_path):
    out = tmp_path / "v"
    p = run_cli(["validate", "--quick", "--only", "fixed_costs", "--out", out, "--quiet"])
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    for f in ("report.md", "results.json", "manifest.json", "COMPLETE",
              "figures/summary.png", "figures/1_fixed_costs.png",
              "replications/fixed_costs.csv"):
        assert (out / f).is_file(), f
    md = (out / "report.md").read_text()
    for part in ("**Claim.**", "**Source.**", "**Experiment.**", "**Tolerance.**",
                 "figures/1_fixed_costs.png", "95 % CI", "Melitz (2003)"):
        assert part in md, part
    res = json.loads((out / "results.json").read_text())
    (check,) = res["checks"]
    assert check["key"] == "fixed_costs" and res["size"]["name"] == "quick"
    (claim,) = check["claims"]
    assert claim["ci_low"] <= claim["mean"] <= claim["ci_high"] and claim["n"] == 8
    assert claim["status"] in ("PASS", "FAIL", "UNDERPOWERED")
    assert f"**{claim['status']}**" in md
    assert "**Warning: small sample.** 8 replications are below the minimum of 10" in md
    assert res["min_replications"] == 10 and res["small_sample_warning"].startswith("8 ")


@pytest.mark.parametrize("args,needle", [
    (["--only", "nonsense"], "--only: unknown check 'nonsense'; allowed: sorting"),
    (["--only", ","], "--only: unknown check"),
])
def test_cli_validate_rejects_bad_input(tmp_path, args, needle):
    p = run_cli(["validate", "--quick", "--out", tmp_path / "x", *args])
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and needle in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "x").exists()


def test_cli_validate_refuses_a_non_empty_out_folder(tmp_path):
    (tmp_path / "full.txt").write_text("x")
    p = run_cli(["validate", "--quick", "--only", "specificity", "--out", tmp_path])
    assert p.returncode == 2 and "already exists and is not empty" in p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["full.txt"]
