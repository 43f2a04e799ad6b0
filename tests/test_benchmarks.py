"""The benchmark scripts run and print their figures (tiny sizes; no timing asserted)."""

import re
import sys
from pathlib import Path

import numpy as np
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


def test_reference_ratios_and_goal():
    """Ratios of the reference's CPU seconds to this checkout's, min and median; the
    goal is met only when both are at least 3."""
    from bench_reference import ratios

    r_min, r_med, met = ratios([9.0, 12.0, 30.0], [3.0, 3.5, 4.0])
    assert r_min == pytest.approx(3.0) and r_med == pytest.approx(12.0 / 3.5) and met
    r_min, r_med, met = ratios([8.0, 12.0, 12.5], [3.0, 3.5, 4.0])
    assert r_min == pytest.approx(8.0 / 3.0) and not met  # the median alone is not enough
    assert not ratios([1.6, 1.6, 1.7], [1.0, 1.0, 1.0])[2]


def test_reference_child_refuses_code_imported_from_elsewhere(tmp_path):
    """A child whose ``simulation`` does not come from the checkout it was given (here an
    empty folder, so any ``simulation`` it finds is an installed copy) is not timed."""
    import subprocess

    from bench_reference import run_child

    with pytest.raises((RuntimeError, subprocess.CalledProcessError)):
        run_child(tmp_path, 20, 1)


def _bounds_after_one_quarter(n_firms, year, seed):
    """The numpy and the compiled bound, each advanced one quarter from the same model
    state and random-generator state."""
    from _common import model_at
    from compiled_bound import CompiledQuarter
    from numpy_bound import NumpyQuarter

    m = model_at(n_firms, year, seed, captives_enabled=False, tax_regimes_enabled=False)
    a, b = NumpyQuarter(m), CompiledQuarter(m)
    a.quarter()
    b.quarter()
    return m, a, b


def test_compiled_bound_follows_the_numpy_bound_for_one_quarter():
    """From the same state and draws, the compiled bound's pair pass makes the same
    breaches, poor-value counts and reviews as the numpy bound (same arithmetic order:
    exactly), its choices are the same but at a razor's edge, and its vendor accounts and
    output sums agree to rounding."""
    m, a, b = _bounds_after_one_quarter(1500, 2006, 5)
    assert a.n_reviews == b.n_reviews > 100
    # pair pass: breaches (reputation), poor-value counts of pairs not reviewed, draws
    np.testing.assert_array_equal(a.v_reputation, b.v_reputation)
    assert a.breach_loss == pytest.approx(b.breach_loss, rel=1e-12)
    np.testing.assert_array_equal(a.u, b.u)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    # the reviews' choices: the same contracts but for rounding at a razor's edge
    same = (a.p_mode == b.p_mode) & (a.p_vendor == b.p_vendor)
    assert same.mean() > 0.999 and abs(a.n_signed - b.n_signed) <= 2
    assert a.n_signed > 50
    np.testing.assert_allclose(b.p_acv[same], a.p_acv[same], rtol=1e-12)
    np.testing.assert_allclose(b.p_true[same], a.p_true[same], rtol=1e-12)
    np.testing.assert_array_equal(b.p_end[same & (a.p_mode == 1)],
                                  a.p_end[same & (a.p_mode == 1)])
    np.testing.assert_array_equal(a.p_poor, b.p_poor)
    np.testing.assert_array_equal(a.firm_experience[same.reshape(-1, a.P).all(1)],
                                  b.firm_experience[same.reshape(-1, a.P).all(1)])
    # outputs: ACV by location and office, vendor sums
    if same.all():
        for x, y in zip(a.outputs, b.outputs):
            np.testing.assert_allclose(y, x, rtol=1e-12)
        np.testing.assert_allclose(b.v_profit, a.v_profit, rtol=1e-9, atol=1e-6)
        np.testing.assert_array_equal(a.v_margin, b.v_margin)
    # both bounds worked on copies: the model's state is untouched
    assert m.t == a.t - 1 == b.t - 1
    assert not np.shares_memory(m.firms.mode, b.p_mode)


def test_compiled_bound_output_pass_is_the_numpy_sums():
    """The compiled bound's pass after the reviews (firms' experience, vendor revenue and
    work, ACV by location, office and country) gives the numpy bound's sums on the numpy
    bound's state: bincount adds in pair order, as the loop does, so exactly; the front
    office total (numpy's pairwise sum) to rounding."""
    from compiled_bound import _after

    m, a, _ = _bounds_after_one_quarter(800, 2004, 2)
    w, sc = m.world, m.scenario_config
    pr = w.processes
    yi = (a.t - 1) // 4
    labour = w.labour_cost[:, yi] * sc.labour.cost_to_wage_ratio
    lab_hc = (1.0 - a.onsite) * labour[None, :] + a.onsite * labour[:, None]
    exp0 = a.firm_experience - np.count_nonzero(a.p_mode.reshape(-1, a.P), axis=1) / 4.0
    exp = exp0.copy()
    nv = len(a.v_country)
    revenue, work, by_loc, by_country, front = _after(
        a.p_mode, a.p_vendor, a.p_acv, a.p_hours, a.p_home, a.p_country, a.p_process, exp,
        pr.wage_multiplier, lab_hc, labour, a.nl_ratio, w.location, pr.front_office, nv,
        w.n_countries, a.P)
    np.testing.assert_array_equal(exp, a.firm_experience)
    loc, front_a, rev_a, country_a = a.outputs
    assert (a.p_mode == 1).sum() > 100
    np.testing.assert_array_equal(by_loc, loc)
    np.testing.assert_array_equal(revenue, rev_a)
    np.testing.assert_array_equal(by_country, country_a)
    assert front == pytest.approx(front_a, rel=1e-12) and front > 0
    vc = sc.vendors
    np.testing.assert_allclose(revenue / 4.0 - work * vc.vendor_efficiency * a.v_learning
                               / 4.0, a.v_profit, rtol=1e-12, atol=1e-6)


def test_scaling_benchmark_runs_a_size_in_a_child(capsys):
    import bench_scaling
    bench_scaling.main(["--sizes", "200"])
    out = capsys.readouterr().out
    assert re.search(r"^ +200 +[\d.]+ +[\d.]+s +[\d,]+MB", out, re.M), out


def test_benchmark_market_keeps_the_default_vendor_ratio():
    """The benchmark market of any size has the default scenario's vendors per firm (the
    model's own vendor sampling: n_initial_vendors x n_firms / real_buyer_firms)."""
    from _common import benchmark_model

    for n in (2_000, 20_000):
        m = benchmark_model(n, 1, spinup_years=0, end_year=2000)
        po, ve = m.scenario_config.population, m.scenario_config.vendors
        assert m.vendors.n == round(ve.n_initial_vendors * n / po.real_buyer_firms)
    assert m.vendors.n > 10 * benchmark_model(2_000, 1, spinup_years=0,
                                              end_year=2000).vendors.n - 10