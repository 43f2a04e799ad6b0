"""Issue #12, part 2: the composition mechanisms (delivery mix, in-house cost dispersion,
non-labour content of IT) and the published composition targets.

Pure functions are tested for their direction; model-level tests use small paired runs
(common random numbers: the same seeds in both arms)."""

import numpy as np
import pytest

from simulation import mechanisms as mech
from simulation.world import Processes, composition_targets


# ------------------------------------------------------------------ delivery mix
def test_delivery_mix_onshore_vendor_pays_its_own_wage():
    out = mech.delivery_labour_cost(np.array([15.5, 2.0]), np.array([15.5, 15.5]), 0.26,
                                    np.array([False, False]))
    assert np.allclose(out, [15.5, 2.0])


def test_delivery_mix_raises_a_low_wage_vendors_cost_towards_the_buyers():
    host, buyer = 1.86, 15.5
    costs = [float(mech.delivery_labour_cost(host, buyer, s, True)) for s in (0.0, 0.1, 0.26, 1.0)]
    assert costs[0] == pytest.approx(host) and costs[-1] == pytest.approx(buyer)
    assert all(a < b for a, b in zip(costs, costs[1:]))
    assert host < costs[2] < buyer
    assert costs[2] == pytest.approx(0.74 * host + 0.26 * buyer)


def test_delivery_mix_broadcasts_reviews_by_options():
    host = np.full((3, 4), 2.0)
    buyer = np.full((3, 1), 10.0)
    cross = np.zeros((3, 4), bool)
    cross[:, 1:] = True
    out = mech.delivery_labour_cost(host, buyer, 0.5, cross)
    assert out.shape == (3, 4)
    assert np.allclose(out[:, 0], 2.0) and np.allclose(out[:, 1:], 6.0)


def test_captive_delivers_the_vendors_cross_border_mix():
    """A captive centre pays onsite effort at home-country cost like a cross-border vendor
    (issue #12: before, it delivered everything at host cost and was cheapest exactly
    where labour is most of the cost, the BPO processes)."""
    host, home, nl = 1.86, 15.5, np.array([0.05, 0.3])
    cap = mech.captive_input_cost(host, home, 0.26, nl)
    assert np.allclose(cap, mech.vendor_input_cost(host, home, 0.26, True, nl))
    assert (cap > host + mech.nonlabour_cost(home, nl)).all()
    # the onsite share raises a labour-heavy (BPO-like) process's captive cost more,
    # relative to its all-offshore cost, than an IT-intensive one's
    rel = cap / (host + mech.nonlabour_cost(home, nl))
    assert rel[0] > rel[1]
    assert np.allclose(mech.captive_input_cost(host, home, 0.0, nl),
                       host + mech.nonlabour_cost(home, nl))


def test_captives_take_less_bpo_work_with_the_onsite_share(monkeypatch):
    """Paired runs (same seeds): the captive's cross-border delivery mix lowers captive
    centres' share of cross-border BPO hours against the old all-offshore captive (the
    same rule with the captive's onsite share set to 0; vendors unchanged)."""
    from simulation.config import load_scenario
    from simulation.run import run_model

    def bpo_captive_share():
        out = []
        for seed in (1, 2, 3):
            f = run_model(load_scenario(n_firms=600, end_year=2010), seed).flows_bilateral
            f = f[(f.year == 2010) & (f.home_iso3 != f.vendor_iso3)
                  & f.process_group.str.startswith("bpo")]
            out.append(f.captive_hours.sum() / (f.captive_hours.sum() + f.hours.sum()))
        return np.array(out)

    with_mix = bpo_captive_share()
    rule = mech.captive_input_cost
    monkeypatch.setattr(mech, "captive_input_cost",
                        lambda host, home, onsite, nl: rule(host, home, 0.0, nl))
    all_offshore = bpo_captive_share()
    assert (with_mix < all_offshore).all(), (with_mix, all_offshore)


# ------------------------------------------------------------------ in-house cost dispersion
def test_inhouse_cost_factor_has_mean_one_and_the_given_dispersion():
    z = np.random.default_rng(0).standard_normal(400_000)
    for sigma in (0.27, 0.49):
        f = mech.inhouse_cost_factor(z, sigma)
        assert (f > 0).all()
        assert f.mean() == pytest.approx(1.0, abs=0.005)
        assert np.log(f).std() == pytest.approx(sigma, rel=0.01)
    assert np.array_equal(mech.inhouse_cost_factor(z[:10], 0.0), np.ones(10))


def test_inhouse_cost_factor_is_monotone_in_the_draw():
    z = np.linspace(-3, 3, 50)
    f = mech.inhouse_cost_factor(z, 0.27)
    assert (np.diff(f) > 0).all()


# ------------------------------------------------------------------ non-labour content
def test_nonlabour_cost_makes_labour_the_share_one_minus_n():
    labour = np.array([100.0, 100.0, 100.0])
    n = np.array([0.0, 0.64, 0.5])
    nl = mech.nonlabour_cost(labour, n)
    assert nl[0] == 0.0 and nl[2] == pytest.approx(100.0)
    assert labour[1] / (labour[1] + nl[1]) == pytest.approx(0.36)


def test_it_services_carries_the_gartner_nonlabour_share_and_bpo_none():
    pr = Processes.load()
    it = pr.names.index("it_services")
    assert pr.nonlabour_share[it] == pytest.approx(0.64)
    assert (np.delete(pr.nonlabour_share, it) == 0).all()


def test_process_table_reproduces_bls_oes_2015():
    """Labour intensities and wage multipliers of processes.csv are the BLS OES May 2015
    figures of oes_occupations_2015.csv under the rules of PROCESSES.md: employment of the
    mapped occupations / all occupations; employment-weighted mean wage / the mean wage of
    customer service representatives (the model's base wage). Every process but quality
    assurance (an assumption) is mapped, IT services included, and no occupation is counted
    for two processes (computer user support specialists are technical support, not IT)."""
    import pandas as pd
    from simulation.world import DATA_DIR
    oes = pd.read_csv(DATA_DIR / "oes_occupations_2015.csv", dtype={"soc_code": str})
    assert (oes.status == "verified").all() and oes.source.str.contains("Occupational Employment Statistics, May 2015").all()
    total = oes.loc[oes.soc_code == "00-0000", "employment"].item()
    base = oes.loc[oes.soc_code == "43-4051", "mean_wage_usd_per_hour"].item()
    pr = Processes.load()
    done = set()
    for proc, g in oes[oes.process != "total"].groupby("process"):
        i = pr.names.index(proc)
        wage = (g.employment * g.mean_wage_usd_per_hour).sum() / g.employment.sum()
        assert pr.wage_multiplier[i] == pytest.approx(wage / base, abs=0.005), proc
        assert pr.labour_intensity[i] == pytest.approx(g.employment.sum() / total,
                                                       abs=5e-6), proc
        done.add(proc)
    assert not oes.soc_code.duplicated().any()
    assert done == set(pr.names) - {"quality_assurance"}


# ------------------------------------------------------------------ targets
def test_composition_targets_are_fractions_with_sources():
    t = composition_targets()
    assert len(t) >= 60
    assert t["value"].between(0, 1).all()
    assert t["source"].str.len().gt(10).all()
    assert set(t["status"]) <= {"verified", "secondary", "estimate", "unverified"}
    procs = set(Processes.load().names)
    rates = t[t["target"].isin(["outsourcing_rate", "offshoring_rate"])]
    assert set(rates["group"]) <= procs
    bpo = composition_targets("bpo_share")
    statista = bpo[(bpo["year"] == 2015) & bpo["series"].str.startswith("Statista")]
    assert statista["value"].tolist() == [0.286]


# ------------------------------------------------------------------ model level, paired
from functools import lru_cache  # noqa: E402

from agents.firms import MODE_INHOUSE, MODE_VENDOR  # noqa: E402
from simulation.model import BPOModel  # noqa: E402

SEEDS = range(6)
#: Small market that keeps the default's vendor population (300 firms standing for 300
#: real ones), a short spin-up and span: seconds per run.
SMALL = dict(n_firms=300, real_buyer_firms=300.0, end_year=2008, spinup_years=5)
T_MIN = 2.0


def _t(d: np.ndarray) -> float:
    return float(d.mean() / (d.std(ddof=1) / np.sqrt(len(d))))


def _run(seed: int, **kw) -> BPOModel:
    m = BPOModel(rng=seed, **(SMALL | kw))
    m.run()
    return m


#: Paired seeds of the volume-elasticity tests. 6 seeds did not resolve breach risk after
#: the tax channel and captive centres were merged in (t = -1.8 at 6 seeds, -2.7 at 12);
#: with the process table from BLS OES 12 seeds do not either: the effect is the same size
#: (-0.080 at 12 seeds, -0.078 at 24) but noisier, t = -1.6 at 12 and -2.7 at 24 (backlash
#: -2.3 / -3.3, hidden costs -7.0 / -9.4, coordination -10 / -18).
VOLUME_SEEDS = range(24)


@lru_cache(maxsize=None)
def _log_volume(items: tuple) -> np.ndarray:
    """ln of the mean outsourced volume (hours under vendor contracts) 2003-2008, per seed."""
    out = []
    for s in VOLUME_SEEDS:
        a = _run(s, **dict(items)).annual()
        out.append(np.log(a.loc[a["year"] >= 2003, "outsourced_hours_m"].mean()))
    return np.array(out)


DOWNSIDES = {  # every cost or risk of outsourcing x 3 (a contrast resolved at this size)
    "coordination cost": dict(coordination_cost_2000=7.5, coordination_cost_floor=1.5),
    "breach hazard": dict(breach_hazard_scale=3.0),
    "backlash": dict(backlash_intensity=0.3),
    "hidden costs": dict(governance_cost_scale=0.3, switching_cost_fraction=0.45),
}


@pytest.mark.parametrize("driver", list(DOWNSIDES))
def test_outsourced_volume_falls_when_a_downside_rises(driver):
    """Issue #12: outsourced volume (hours) falls when coordination cost, breach risk,
    backlash or hidden costs rise: negative volume elasticities, paired seeds, |t| > 2."""
    d = _log_volume(tuple(DOWNSIDES[driver].items())) - _log_volume(())
    assert d.mean() < 0 and _t(d) < -T_MIN, (d.mean(), _t(d))


def test_pairs_kept_in_house_are_the_efficient_ones():
    """The in-house cost factor selects: pairs kept in-house have a lower factor (cheaper
    own work) than pairs under a vendor contract, in every seed."""
    diffs = []
    for s in SEEDS[:3]:
        f = _run(s).firms
        lf = np.log(f.inhouse_factor)
        diffs.append(lf[f.mode == MODE_INHOUSE].mean() - lf[f.mode == MODE_VENDOR].mean())
    assert max(diffs) < 0, diffs


def test_no_dispersion_means_every_pair_of_a_process_alike():
    f = BPOModel(rng=1, inhouse_cost_sigma=0.0, n_firms=50, end_year=2000,
                 spinup_years=0).firms
    assert np.array_equal(f.inhouse_factor, np.ones(f.n_pairs))


def _cross_border_price(m: BPOModel) -> float:
    """ACV per contracted hour of cross-border vendor contracts, USD/hour."""
    f = m.firms
    v = (f.mode == MODE_VENDOR) & (f.country != f.pair_home)
    return float(f.acv[v].sum() / f.hours[v].sum())


def test_onsite_delivery_raises_the_input_cost_of_cross_border_work():
    """The delivery mix (:func:`mechanisms.vendor_input_cost`): more effort onsite at the
    buyer's wage raises a cross-border vendor's input cost per hour when the buyer's wage is
    the higher one, and leaves a domestic vendor's unchanged. (The market-level average
    price per hour of cross-border contracts also moves with which contracts are signed, so
    it is not a test of this mechanism.)"""
    host = np.array([1.86, 4.0, 15.5])
    buyer = np.array([15.5, 15.5, 15.5])
    cross = np.array([True, True, False])
    nl = np.zeros(3)
    lo = mech.vendor_input_cost(host, buyer, 0.0, cross, nl)
    hi = mech.vendor_input_cost(host, buyer, 0.26, cross, nl)
    assert (hi[:2] > lo[:2]).all()
    assert hi[2] == lo[2]


def test_vendor_accounts_use_the_priced_inputs():
    """A contract's work cost in the vendors' accounts is priced on the same inputs as its
    fee: the delivery mix for cross-border work, non-labour inputs for IT services."""
    m = _run(3)
    f, w, ctx = m.firms, m.world, m.context
    c = f.contracts(ctx)
    pr, yi = w.processes, ctx.year_index
    host = w.labour_cost[f.country[c.pairs], yi]
    inputs = mech.vendor_input_cost(
        host, w.labour_cost[f.pair_home[c.pairs], yi],
        m.scenario_config.labour.onsite_delivery_share,
        f.country[c.pairs] != f.pair_home[c.pairs], pr.nonlabour_share[f.process[c.pairs]])
    expect = f.hours[c.pairs] * pr.wage_multiplier[f.process[c.pairs]] * inputs
    np.testing.assert_allclose(c.work_hours * host, expect, rtol=1e-12)
    it = pr.ito[f.process[c.pairs]]
    ratio = c.work_hours / (f.hours[c.pairs] * pr.wage_multiplier[f.process[c.pairs]])
    onshore_bpo = ~it & (f.country[c.pairs] == f.pair_home[c.pairs])
    assert np.allclose(ratio[onshore_bpo], 1.0)
    assert (ratio[it] > 1.5).all()


def test_nonlabour_content_of_it_lowers_the_bpo_share(monkeypatch):
    """IT contracts carry the function's non-labour inputs (Gartner: personnel 36 % of IT
    spending), so without them ITO is worth less and BPO's share of TCV is higher."""
    def bpo_share(m):
        a = m.annual()
        a = a[a["year"] >= 2003]
        return a["tcv_signed_bpo_usd_bn"].sum() / a["tcv_signed_usd_bn"].sum()

    with_nl = np.array([bpo_share(_run(s)) for s in SEEDS[:4]])
    original = Processes.load.__func__

    def no_nonlabour(cls, names=None):
        p = original(cls, names)
        p.nonlabour_share = np.zeros_like(p.nonlabour_share)
        return p

    monkeypatch.setattr(Processes, "load", classmethod(no_nonlabour))
    without = np.array([bpo_share(_run(s)) for s in SEEDS[:4]])
    assert (without - with_nl > 0.1).all(), (with_nl, without)
