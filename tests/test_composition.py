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
    assert pr.labour_intensity[it] == pytest.approx(0.055)


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
