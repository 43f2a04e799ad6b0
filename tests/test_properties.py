"""Invariants under random valid scenarios and extreme ones (property-based).

After every step: money never negative; shares in [0, 1] summing to 1; no vendor over
capacity; contracts conserved (signed = active + ended); no NaN or infinity
(:mod:`invariants`).
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invariants import run_checked
from simulation.model import BPOModel

TINY = dict(n_firms=15, start_year=2000, end_year=2003, spinup_years=1)

scenario_params = st.fixed_dictionaries({
    "review_hazard": st.floats(0, 1),
    "logit_intensity": st.floats(0, 50),
    "nest_scale": st.floats(0.01, 1),
    "status_quo_inertia": st.floats(0, 5),
    "consideration_set_size": st.integers(0, 8),
    "hidden_cost_bias": st.floats(0, 1),
    "coordination_cost_2000": st.floats(0, 10),
    "coordination_cost_decline": st.floats(-0.2, 0.5),
    "breach_hazard_scale": st.floats(0, 100),
    "offshore_breach_hazard_multiplier": st.floats(0, 20),
    "breach_termination_prob": st.floats(0, 1),
    "backlash_intensity": st.floats(0, 5),
    "political_risk_scale": st.floats(0, 5),
    "switching_cost_fraction": st.floats(0, 3),
    "vendor_efficiency": st.floats(0.05, 3),
    "n_initial_vendors": st.integers(0, 60),
    "entry_rate": st.floats(0, 20),
    "capacity_lag_quarters": st.integers(0, 6),
    "demand_growth": st.floats(-0.3, 0.5),
    "captives_enabled": st.booleans(),
    "offshore_labour_cost_growth": st.floats(-0.3, 0.5),
})


@settings(max_examples=60)
@given(params=scenario_params, seed=st.integers(0, 2 ** 32 - 1))
def test_invariants_random_valid_scenarios(params, seed):
    run_checked(BPOModel(rng=seed, **TINY, **params))


EXTREMES = {
    "200-year horizon": dict(n_firms=20, start_year=2000, end_year=2199, spinup_years=2),
    "tax 0 everywhere": dict(tax_rate_overrides={c: 0.0 for c in ("USA", "IND", "PHL")}),
    "tax 100 %": dict(tax_rate_overrides={c: 1.0 for c in ("USA", "IND", "PHL", "MEX")}),
    "wages x 100": dict(labour_cost_multiplier={"IND": 100.0, "USA": 100.0}),
    "wages x 0.01": dict(labour_cost_multiplier={"IND": 0.01, "PHL": 0.01, "USA": 0.01}),
    "breach hazard 0": dict(breach_hazard_scale=0.0),
    "breach hazard 1": dict(breach_hazard_scale=1000.0, breach_termination_prob=1.0),
    "one country": dict(buyer_home_weights={"USA": 1.0}, vendor_country_weights={"USA": 1.0}),
    "no vendors": dict(n_initial_vendors=0, entry_rate=0.0),
    "one process": dict(processes=["payroll"]),
    "captives, everything extreme": dict(captives_enabled=True, review_hazard=1.0,
                                         breach_hazard_scale=50.0, demand_growth=0.5),
}


@pytest.mark.parametrize("case", sorted(EXTREMES))
def test_invariants_extreme_scenarios(case):
    kw = dict(n_firms=40, end_year=2008, spinup_years=2) | EXTREMES[case]
    m = BPOModel(rng=3, **kw)
    run_checked(m)
    a = m.annual()
    if case == "no vendors":
        assert (a["market_acv_usd_bn"] == 0).all() and (a["n_vendors"] == 0).all()
    if case == "breach hazard 0":
        assert (a["n_breaches"] == 0).all()
    if case == "one country":
        assert (a["share_onshore"] == 1).all()
    if case == "200-year horizon":
        assert a["year"].max() == 2199
