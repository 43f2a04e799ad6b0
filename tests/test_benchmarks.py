"""The benchmark scripts run and print their figures (tiny sizes; no timing asserted)."""

import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(autouse=True)
def _bench_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))


def test_paths_benchmark_prints_speed_up(capsys):
    import bench_paths
    bench_paths.main(["--firms", "300", "--quarters", "1", "--from-year", "2001"])
    out = capsys.readouterr().out
    assert re.search(r"vectorised [\d.]+ s/quarter, agents [\d.]+ s/quarter, speed-up \d+x",
                     out), out
    assert "outputs identical" in out


def test_numpy_bound_does_the_same_work(capsys):
    """Same state and draws: in the first quarter the bound signs the same number of
    contracts as the model (its arithmetic is the model's, reordered: equal up to
    rounding, which can flip a choice only at a razor's edge)."""
    import bench_numpy_bound
    r = bench_numpy_bound.measure(2000, 1, 2005, seed=3)
    signed_model, signed_bound, signed_compiled, reviews, reviews_compiled = r["check"]
    assert reviews > 100 and signed_model > 50 and reviews_compiled == reviews
    assert abs(signed_bound - signed_model) <= max(2, 0.005 * signed_model)
    # the compiled bound (issue #16) does the same work too
    assert abs(signed_compiled - signed_model) <= max(2, 0.005 * signed_model)
    bench_numpy_bound.main(["--firms", "1000", "--quarters", "1", "--from-year", "2001"])
    assert re.search(r"1,000 +[\d.]+ +[\d.]+ +[\d.]+x +[\d.]+ +[\d.]+x",
                     capsys.readouterr().out)


def test_reference_benchmark_runs_both_codes_alternately(capsys):
    """The reference commit in a temporary git worktree and this checkout, each run in
    its own child process (tiny size, one repeat)."""
    import bench_reference
    bench_reference.main(["--sizes", "100", "--repeats", "1"])
    out = capsys.readouterr().out
    assert re.search(r"^ +d987d55 +[\d.]+ +[\d.]+ +[\d.]+", out, re.M), out
    assert re.search(r"ratio reference / this checkout, CPU: [\d.]+x \(min\)", out), out


def test_scaling_benchmark_runs_a_size_in_a_child(capsys):
    import bench_scaling
    bench_scaling.main(["--sizes", "200"])
    out = capsys.readouterr().out
    assert re.search(r"^ +200 +[\d.]+ +[\d.]+s +[\d,]+MB", out, re.M), out


def test_benchmark_market_keeps_the_default_vendor_ratio():
    """The benchmark market of any size has 300 vendors per 2,000 firms (the model's own
    vendor sampling)."""
    from _common import benchmark_model

    m = benchmark_model(20_000, 1, spinup_years=0, end_year=2000)
    assert m.vendors.n == 3000