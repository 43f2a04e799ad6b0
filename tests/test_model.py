"""The Mesa model: API, determinism, invariants, batch_run and SolaraViz."""

import mesa
import numpy as np
import pandas as pd
import pytest

from simulation.collector import OUTPUT_COLUMNS
from simulation.config import ConfigError, load_scenario
from invariants import run_checked
from simulation.model import BPOModel


def test_is_a_mesa_model_with_run_for():
    m = BPOModel(rng=1, n_firms=50, start_year=2000, end_year=2001)
    assert isinstance(m, mesa.Model)
    m.run_for(4)
    q = m.quarterly()
    assert list(q["year"]) == [2000] * 4 and list(q["quarter"]) == [1, 2, 3, 4]
    m.run_for(4)
    assert len(m.quarterly()) == 8 and not m.running


def test_output_columns_quarterly_and_annual(small_run):
    q, a = small_run.quarterly(), small_run.annual()
    for col in OUTPUT_COLUMNS:
        assert col in q.columns and col in a.columns
    assert "quarter" in q.columns and "quarter" not in a.columns
    assert len(q) == 124 and list(a["year"]) == list(range(2000, 2031))
    long = small_run.acv_by_country()
    assert list(long.columns) == ["year", "vendor_iso3", "acv_usd_bn"]
    # the country table adds up to the market's ACV
    tot = long.groupby("year")["acv_usd_bn"].sum()
    np.testing.assert_allclose(tot.to_numpy(), a.set_index("year").loc[tot.index,
                               "market_acv_usd_bn"].to_numpy(), rtol=1e-9)


def test_market_is_alive(small_run):
    a = small_run.annual()
    assert (a["market_acv_usd_bn"] > 0).all()
    assert (a["n_vendors"] > 0).all()
    assert a["outsourcing_rate"].iloc[-1] > a["outsourcing_rate"].iloc[0]


def test_same_seed_bit_identical_different_seed_differs():
    def run(seed):
        m = BPOModel(rng=seed, n_firms=120, end_year=2010)
        m.run()
        return m.quarterly(), m.acv_by_country()
    q1, c1 = run(3)
    q2, c2 = run(3)
    q3, _ = run(4)
    pd.testing.assert_frame_equal(q1, q2, check_exact=True)
    pd.testing.assert_frame_equal(c1, c2, check_exact=True)
    assert not q1["market_acv_usd_bn"].equals(q3["market_acv_usd_bn"])


def test_invariants_every_step():
    """No negative money, shares in [0, 1] summing to 1, no vendor over capacity,
    contracts conserved (signed = active + ended), nothing NaN, every quarter."""
    m = BPOModel(rng=11, n_firms=250, captives_enabled=True)
    run_checked(m)
    a = m.annual()
    assert a["share_captive"].max() > 0
    for group in (("share_onshore", "share_nearshore", "share_offshore"),
                  ("share_front_office", "share_back_office")):
        np.testing.assert_allclose(a[list(group)].sum(axis=1), 1.0)


def test_share_captive_zero_when_captives_off():
    m = BPOModel(n_firms=100, rng=5, end_year=2005, captives_enabled=False)
    m.run()
    assert (m.annual()["share_captive"] == 0).all()


def test_share_captive_positive_when_captives_on(small_run):
    """Captive centres are on by default (issue #12)."""
    assert small_run.scenario_config.captives.captives_enabled
    assert (small_run.annual()["share_captive"].iloc[-5:] > 0).all()


def test_populations_give_views_of_one_agent_and_register_no_mesa_agents(small_run):
    m = small_run
    assert len(m.agents) == 0  # no Mesa agent per firm or vendor
    assert len(m.firms) == 300 and len(m.vendors) == m.vendors.n
    f = m.firms[0]
    assert f.unique_id == 0 and f.modes.shape == (11,) and f.employees >= 2000
    assert f.home_iso3 == m.world.iso3[m.firms.home[0]] and len(f.countries) == 11
    np.testing.assert_array_equal(f.vendors, m.firms.vendor[:11])
    assert f.n_outsourced == int((m.firms.mode[:11] == 1).sum())
    j = int(np.flatnonzero(m.vendors.active)[0])
    v = m.vendors[j]
    assert v.active and 0 <= v.utilisation <= 1 and v.specialisations.any()
    assert v.capacity_hours == m.vendors.capacity[j]
    f.modes[:] = 2  # a view is a copy: it changes nothing
    assert not (m.firms.mode[:11] == 2).all()
    with pytest.raises(IndexError):
        m.firms[300]
    with pytest.raises(IndexError):
        m.vendors[m.vendors.n]


def test_keyword_parameters_and_overrides():
    m = BPOModel(rng=1, n_firms=10, end_year=2001, review_hazard=0.2)
    assert m.scenario_config.decision.review_hazard == 0.2
    with pytest.raises(ConfigError, match="no_such_parameter"):
        BPOModel(rng=1, no_such_parameter=3)
    with pytest.raises(ConfigError, match="n_firms"):
        BPOModel(rng=1, n_firms=-5)


def test_batch_run():
    rows = mesa.batch_run(BPOModel, {"n_firms": 60, "end_year": 2002,
                                     "coordination_cost_decline": [0.0, 0.1]},
                          rng=[1, 2], max_steps=100, number_processes=1,
                          data_collection_period=-1, display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 4
    assert set(df["coordination_cost_decline"]) == {0.0, 0.1}
    assert (df["year"] == 2002).all() and (df["quarter"] == 4).all()
    assert df["market_acv_usd_bn"].gt(0).all()


def test_solaraviz_accepts_the_model():
    import solara
    from mesa.visualization import SolaraViz, make_plot_component

    model = BPOModel(rng=1, n_firms=40, end_year=2002)
    page = SolaraViz(model, components=[make_plot_component("market_acv_usd_bn")],
                     model_params={"n_firms": 40, "end_year": 2002}, name="bposim")
    box, rc = solara.render(page, handle_error=False)
    # SolaraViz re-creates the model on Reset with Mesa's own `scenario` keyword
    from mesa.experimental.scenarios import Scenario as MesaScenario
    again = BPOModel(rng=1, n_firms=40, end_year=2002, scenario=MesaScenario())
    assert again.scenario_config.population.n_firms == 40
    try:
        html = repr(box)
        assert html
    finally:
        rc.close()


def test_vendors_are_sampled_like_firms():
    """Simulated vendors = real vendors x n_firms / real_buyer_firms (so the market does not
    hinge on n_firms), at least one."""
    for real in (2000.0, 1000.0):  # the uncalibrated and some other number of real firms
        kw = dict(rng=1, spinup_years=0, end_year=2000, real_buyer_firms=real)
        n_real = BPOModel(n_firms=1, **kw).scenario_config.vendors.n_initial_vendors
        assert BPOModel(n_firms=1000, **kw).vendors.n == round(n_real * 1000 / real)
        assert BPOModel(n_firms=2000, **kw).vendors.n == round(n_real * 2000 / real)
        assert BPOModel(n_firms=1, **kw).vendors.n == 1
    assert BPOModel(rng=1, n_firms=1000, spinup_years=0, end_year=2000,
                    real_buyer_firms=2000.0).vendors.n == 150


def test_hhi_of_a_single_vendor_is_one_not_more():
    m = BPOModel(rng=2, n_firms=30, n_initial_vendors=1, entry_rate=0.0, end_year=2003,
                 real_buyer_firms=30.0)
    m.run()
    hhi = m.quarterly()["hhi_vendors"]
    assert (hhi <= 1.0).all() and (hhi[m.quarterly()["market_acv_usd_bn"] > 0] == 1.0).all()
