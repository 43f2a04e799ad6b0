"""The compiled kernels (simulation/kernels.py, issue #16) against the numpy rules they
implement: exact equality, on random inputs and on whole runs."""

import numpy as np
import pandas as pd
import pytest

from agents.vendors import CAPACITY_TOLERANCE_HOURS, ConsiderationIndex
from agents.vendors import resolve_capacity as resolve_capacity_numpy
from simulation import collector, kernels
from simulation import market
from simulation import mechanisms as mech
from simulation.config import load_scenario
from simulation.context import QuarterContext
from simulation.model import BPOModel


@pytest.fixture
def numpy_rules(monkeypatch):
    """Call ``f()`` with the numpy rules instead of the kernels."""
    def run(f):
        monkeypatch.setattr(kernels, "USE_KERNELS", False)
        try:
            return f()
        finally:
            monkeypatch.setattr(kernels, "USE_KERNELS", True)
    return run


def _assert_same(a, b):
    """Two results (arrays, or dataclasses of arrays) equal bit for bit, dtypes included."""
    if hasattr(a, "__dataclass_fields__"):
        for name in a.__dataclass_fields__:
            _assert_same(getattr(a, name), getattr(b, name))
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


def _state(m):
    return {f"{pop}.{k}": v for pop in ("firms", "vendors")
            for k, v in vars(getattr(m, pop)).items()
            if isinstance(v, np.ndarray) and not k.startswith("_")}


@pytest.mark.parametrize("seed,kw", [
    (1, dict(n_firms=300, end_year=2006)),
    (2, dict(n_firms=300, end_year=2006, captives_enabled=True)),
    (3, dict(n_firms=250, end_year=2005, initial_capacity_fte_median=20.0,
             captives_enabled=True)),   # scarce capacity: many requests refused
])
def test_whole_runs_are_bit_identical_with_and_without_kernels(numpy_rules, seed, kw):
    a = BPOModel(rng=seed, **kw)
    a.run()
    b = numpy_rules(lambda: (m := BPOModel(rng=seed, **kw), m.run())[0])
    pd.testing.assert_frame_equal(a.quarterly(), b.quarterly(), check_exact=True)
    pd.testing.assert_frame_equal(a.bilateral_flows(), b.bilateral_flows(), check_exact=True)
    sa, sb = _state(a), _state(b)
    assert sa.keys() == sb.keys()
    for name in sa:
        assert sa[name].dtype == sb[name].dtype, name
        np.testing.assert_array_equal(sa[name], sb[name], err_msg=name)
    assert a.quarterly()["n_contracts_signed_cum"].iloc[-1] > 100


def test_confined_demand_shock_is_bit_identical(numpy_rules, tmp_path):
    """A shock confined to some homes and processes: the review hazard per pair comes from
    the demand table (``QuarterContext.demand_by_review``)."""
    p = tmp_path / "s.toml"
    p.write_text('[demand]\nshocks = [{ year = 2002, quarter = 1, depth = 0.5, '
                 'recovery_quarters = 6, processes = "bpo", home = ["USA", "GBR"] }]\n')
    sc = load_scenario(p, n_firms=300, end_year=2004)
    a = BPOModel(sc, rng=4)
    a.run()
    b = numpy_rules(lambda: (m := BPOModel(sc, rng=4), m.run())[0])
    pd.testing.assert_frame_equal(a.quarterly(), b.quarterly(), check_exact=True)
    np.testing.assert_array_equal(a.firms.mode, b.firms.mode)


# ------------------------------------------------------------------ kernel by kernel
def _random_index(rng, n_vendors, P):
    capacity = rng.lognormal(10, 1, n_vendors) * (rng.random(n_vendors) > 0.1)
    reputation = rng.random(n_vendors)
    active = rng.random(n_vendors) > 0.2
    spec = rng.random((n_vendors, P)) < 0.3
    return capacity, reputation, active, spec


@pytest.mark.parametrize("seed", range(5))
def test_consideration_tables_and_draws_equal_numpy(seed):
    rng = np.random.default_rng(seed)
    P, nv, n, k = 5, int(rng.integers(1, 60)), 400, 4
    capacity, reputation, active, spec = _random_index(rng, nv, P)
    w = capacity * reputation * active
    vendors = [np.flatnonzero(w * spec[:, p] > 0) for p in range(P)]
    cumw = [np.cumsum((w * spec[:, p])[ids]) for p, ids in enumerate(vendors)]
    ids, cw, off = kernels.consideration_tables(capacity, reputation, active, spec)
    for p in range(P):
        np.testing.assert_array_equal(ids[off[p]:off[p + 1]], vendors[p])
        np.testing.assert_array_equal(cw[off[p]:off[p + 1]], cumw[p])
    process = rng.integers(0, P, n)
    u = rng.random((n, k))
    u[:5] = np.nextafter(1.0, 0.0)  # the top of the CDF
    u[5:10, 1:] = u[5:10, :1]       # repeats within a row
    incumbent = np.where(rng.random(n) < 0.5, rng.integers(-1, nv, n), -1)
    expected = market.sample_consideration(ConsiderationIndex(vendors, cumw, nv), process, u)
    expected[expected == incumbent[:, None]] = -1
    got = kernels.sample_consideration(ids, cw, off, nv, process, u, incumbent)
    _assert_same(got, expected)


@pytest.mark.parametrize("seed", range(6))
def test_consideration_draws_equal_numpy_at_the_edges_of_the_guide_table(seed):
    """The guide table of the consideration kernel is a guess only: draws that fall
    exactly on a running sum, a vendor whose weight spans many guide intervals, equal
    weights, many vendors and very uneven ones all give numpy's ``searchsorted`` index."""
    rng = np.random.default_rng(100 + seed)
    P, nv, n, k = 4, int(rng.integers(200, 3000)), 3000, 5
    capacity, reputation, active, spec = _random_index(rng, nv, P)
    if seed % 3 == 0:
        capacity[rng.integers(0, nv)] *= 1e4  # one vendor takes most of the weight
    elif seed % 3 == 1:
        capacity[:], reputation[:] = 1.0, 0.5  # equal weights: evenly spaced sums
    else:
        capacity = rng.pareto(0.7, nv) * (rng.random(nv) > 0.1)  # very uneven
    w = capacity * reputation * active
    vendors = [np.flatnonzero(w * spec[:, p] > 0) for p in range(P)]
    cumw = [np.cumsum((w * spec[:, p])[ids]) for p, ids in enumerate(vendors)]
    ids, cw, off = kernels.consideration_tables(capacity, reputation, active, spec)
    process = rng.integers(0, P, n)
    u = rng.random((n, k))
    for r in range(0, n, 2):  # draws on (or a rounding away from) a running sum
        c = cumw[process[r]]
        if len(c):
            u[r, :3] = c[rng.integers(0, len(c), 3)] / c[-1]
            u[r, 3] = np.nextafter(u[r, 0], 0.0)
    u[-5:] = np.nextafter(1.0, 0.0)
    incumbent = np.where(rng.random(n) < 0.5, rng.integers(-1, nv, n), -1)
    expected = market.sample_consideration(ConsiderationIndex(vendors, cumw, nv), process, u)
    expected[expected == incumbent[:, None]] = -1
    got = kernels.sample_consideration(ids, cw, off, nv, process, u, incumbent)
    _assert_same(got, expected)
    # from any starting guess, the stepping search ends on searchsorted's index
    for p in range(P):
        lo, hi = off[p], off[p + 1]
        for x in np.r_[cw[lo:hi][::7], rng.random(20) * (cw[hi - 1] if hi > lo else 1.0)]:
            want = lo + np.searchsorted(cw[lo:hi], x, side="right")
            for start in (lo - 3, lo, (lo + hi) // 2, want, hi, hi + 3):
                assert kernels._upper_bound(cw, lo, hi, x, start) == want


@pytest.mark.parametrize("seed", range(6))
def test_logit_choice_kernels_equal_numpy(numpy_rules, seed):
    rng = np.random.default_rng(seed)
    n, k = 2000, 7
    cost = rng.lognormal(13, 0.5, (n, k))
    cost[rng.random((n, k)) < 0.3] = np.inf
    cost[:, 0] = rng.lognormal(13, 0.5, n)
    cost[:3, 1:] = np.inf
    nest = np.array([0, 1, 1, 1, 1, 1, 2])
    sq = rng.integers(-1, k, n)
    u = rng.random(n)
    u[:4] = [0.0, np.nextafter(1.0, 0.0), 0.5, 1e-300]
    intensity, inertia, mu = rng.uniform(1, 20), rng.uniform(0, 2), rng.uniform(0.1, 1.0)
    args = (cost, cost[:, 0], intensity, inertia, sq, u)
    got = mech.logit_choice(*args, nest=nest, nest_scale=mu)
    expected = numpy_rules(lambda: mech.logit_choice(*args, nest=nest, nest_scale=mu))
    _assert_same(got, expected)
    # no nests: every column its own
    _assert_same(mech.logit_choice(*args),
                 numpy_rules(lambda: mech.logit_choice(*args)))


@pytest.mark.parametrize("seed", range(5))
def test_resolve_capacity_kernel_equals_numpy(seed):
    rng = np.random.default_rng(seed)
    n, nv = 3000, 40
    chosen = np.where(rng.random(n) < 0.6, rng.integers(0, nv, n), -1)
    hours = rng.lognormal(8, 1.5, n)
    order = rng.permutation(n)
    spare = rng.lognormal(10, 1.5, nv) * (rng.random(nv) > 0.1)
    _assert_same(kernels.resolve_capacity(chosen, hours, order, spare,
                                          CAPACITY_TOLERANCE_HOURS),
                 resolve_capacity_numpy(chosen, hours, order, spare))


def _model_mid_run(seed, **kw):
    m = BPOModel(rng=seed, n_firms=300, end_year=2004, captives_enabled=True, **kw)
    m.run_for(12)
    return m


@pytest.mark.parametrize("seed", range(4))
def test_price_options_kernel_equals_numpy_on_random_states(numpy_rules, seed):
    """Random vendor states and consideration sets on a model's reviews."""
    m = _model_mid_run(seed)
    rng = np.random.default_rng(seed)
    f, v, sc, w = m.firms, m.vendors, m.scenario_config, m.world
    v.margin[:] = rng.uniform(0.0, 0.4, v.n)
    v.learning[:] = rng.uniform(0.6, 1.0, v.n)
    v.committed[:] = v.capacity * rng.uniform(0, 1.1, v.n)
    v.active[:] = rng.random(v.n) > 0.2
    f.experience[:] = rng.uniform(0, 30, f.n)
    f.captive[:] = np.where(rng.random(f.n) < 0.3, rng.integers(0, w.n_countries, f.n), -1)
    ctx = QuarterContext.of(m.t, m.first_year, sc, w)
    pairs = np.sort(rng.choice(f.n_pairs, 800, replace=False))
    ended = rng.random(800) < 0.3
    rv = market.build_reviews(f, v, sc, ctx, pairs, ended, ended & (rng.random(800) < 0.7))
    rv.prev_mode[:] = rng.integers(0, 3, 800)
    rv.status_quo[:] = rng.integers(-1, market.option_columns(sc), 800)
    sampled = np.where(rng.random((800, 4)) < 0.8, rng.integers(0, v.n, (800, 4)), -1)
    got = market.price_options(f, v, w, sc, ctx, rv, sampled)
    expected = numpy_rules(lambda: market.price_options(f, v, w, sc, ctx, rv, sampled))
    _assert_same(got, expected)
    col = rng.integers(0, market.option_columns(sc), 800)  # the options at one column a row
    _assert_same(got.at(col), numpy_rules(lambda: expected.at(col)))


@pytest.mark.parametrize("seed", range(4))
def test_pair_rule_kernels_equal_numpy_on_random_states(numpy_rules, seed):
    """in_force, breaches, end_contracts (with the firms' counts of early endings),
    due_reviews, learn, contracts, the vendors' accounts and the output sums over the
    pairs on random pair states."""
    rng = np.random.default_rng(seed)
    results = []
    for use in (True, False):
        m = _model_mid_run(seed)
        f = m.firms
        r = np.random.default_rng(seed + 100)  # the same random state both times
        f.mode[:] = r.choice(np.array([0, 1, 2], np.int8), f.n_pairs, p=[0.5, 0.4, 0.1])
        is_v = f.mode == 1
        f.vendor[:] = np.where(is_v, r.integers(0, m.vendors.n, f.n_pairs), -1)
        f.hours[:] = np.where(f.mode > 0, r.lognormal(8, 1, f.n_pairs), 0.0)
        f.acv[:] = f.hours * r.uniform(5, 80, f.n_pairs)
        f.true_cost[:] = f.acv * r.uniform(0.5, 2.0, f.n_pairs)
        f.hazard[:] = np.where(f.mode > 0, r.uniform(0, 0.3, f.n_pairs), 0.0)
        f.poor_quarters[:] = r.integers(0, 4, f.n_pairs)
        f.orphaned[:] = is_v & (r.random(f.n_pairs) < 0.05)
        f.end[:] = np.where(is_v, m.t + r.integers(-1, 3, f.n_pairs), -1)
        f.country[:] = np.where(f.mode > 0, r.integers(0, m.world.n_countries, f.n_pairs),
                                f.pair_home)
        ctx = QuarterContext.of(m.t, m.first_year, m.scenario_config, m.world)
        u = r.random((3, f.n_pairs))

        def rules(m=m, f=f, ctx=ctx, u=u):
            inf = f.in_force()
            br = f.breaches(inf, u[0], ctx)
            end = f.end_contracts(inf, br, u[1], ctx)
            due = f.due_reviews(inf, end, u[2], ctx)
            f.learn()
            c = f.contracts(ctx)
            m.vendors.keep_accounts(c.vendor, c.acv, c.work_hours, c.home, ctx)
            return (inf, br, end, due, c, f.experience.copy(), f.poor_quarters.copy(),
                    f.n_early_term.copy(), m.vendors.revenue_q.copy(),
                    m.vendors.profit_q.copy(), m.vendors.tax_q.copy(),
                    collector.pair_stocks(f, m.world, m.vendors.n))
        results.append(rules() if use else numpy_rules(rules))
    for a, b in zip(*results):
        _assert_same(a, b)
    assert len(results[0][2].pairs) > 0 and len(results[0][3].pairs) > 0


def test_numpy_sum_adds_as_numpy_does():
    """The pairwise sum of the output kernels equals ``ndarray.sum`` bit for bit."""
    rng = np.random.default_rng(0)
    sizes = list(range(0, 260)) + [1000, 4096, 8191, 8192, 8193, 65_537, 1_000_003]
    sizes += rng.integers(300, 300_000, 40).tolist()
    for n in sizes:
        a = rng.lognormal(10, 3, n) * rng.choice([1.0, -1.0], n)
        assert kernels.numpy_sum(a) == a.sum(), n
    assert str(kernels.numpy_sum(np.array([-0.0]))) == str(np.array([-0.0]).sum())


@pytest.mark.parametrize("seed", range(3))
def test_sorted_isin_equals_numpy(seed):
    rng = np.random.default_rng(seed)
    a = np.unique(rng.integers(0, 5000, 2000))
    b = np.unique(rng.integers(0, 5000, int(rng.integers(0, 3000))))
    _assert_same(kernels.sorted_isin(a, b), np.isin(a, b))


@pytest.mark.parametrize("seed", range(3))
def test_acv_by_vendor_country_equals_bincount(seed):
    rng = np.random.default_rng(seed)
    country = rng.integers(0, 40, 300)
    vendor = rng.integers(0, 300, int(rng.integers(0, 20000)))
    acv = rng.lognormal(12, 2, len(vendor))
    _assert_same(kernels.acv_by_vendor_country(vendor, acv, country, 40),
                 np.bincount(country[vendor], acv, minlength=40))


def test_a_replaced_mechanism_reaches_the_model(monkeypatch):
    """A kernel restates its mechanisms; when a test or an experiment replaces one, the
    model uses the numpy code, which calls the replacement."""
    from agents.firms import Firms
    kw = dict(n_firms=200, end_year=2003, captives_enabled=True)
    a = BPOModel(rng=1, **kw)
    a.run()
    calls = []
    rule = mech.captive_input_cost

    def spy(*args):
        calls.append(1)
        return rule(*args)
    monkeypatch.setattr(mech, "captive_input_cost", spy)
    b = BPOModel(rng=1, **kw)
    b.run()
    assert calls  # the replacement was called ...
    pd.testing.assert_frame_equal(a.quarterly(), b.quarterly(), check_exact=True)  # ... same rule
    own = Firms.own_inhouse_cost
    monkeypatch.setattr(Firms, "own_inhouse_cost",
                        lambda self, pairs, labour: own(self, pairs, labour) * 2.0)
    c = BPOModel(rng=1, **kw)
    c.run()
    assert not a.quarterly().equals(c.quarterly())
