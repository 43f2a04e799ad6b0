"""Contract dynamics, dated demand shocks by process group and home country, and the
wage-convergence lever (issue #12, parts 3 and 4): pure functions and the schema."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simulation import mechanisms as mech
from simulation.config import ConfigError, load_scenario
from simulation.contract_evidence import (compare_with_evidence, contract_measures,
                                          load_contract_evidence)
from simulation.world import Processes, World

NAMES = ["accounting", "it_services", "customer_service"]
ITO = np.array([False, True, False])
FRONT = np.array([False, False, True])


def shock(year=2009, quarter=1, depth=0.2, recovery=4):
    return SimpleNamespace(year=year, quarter=quarter, depth=depth, recovery_quarters=recovery)


@pytest.mark.parametrize("spec,expected", [
    ("all", [True, True, True]), ("ito", [False, True, False]), ("bpo", [True, False, True]),
    ("front", [False, False, True]), ("back", [True, True, False]),
    (["accounting", "front"], [True, False, True]), (["payroll"], [False, False, False])])
def test_process_group_mask(spec, expected):
    assert mech.process_group_mask(spec, NAMES, ITO, FRONT).tolist() == expected


def test_demand_multipliers_equal_the_scalar_rule_bit_for_bit():
    shocks = [shock(2009, 1, 0.15, 8), shock(2010, 2, 0.1, 4)]
    idx = lambda y, q: (y - 2000) * 4 + q - 1  # noqa: E731
    allh, allp = np.ones(5, bool), np.ones(3, bool)
    for t in range(30, 50):
        m = mech.demand_multipliers(t, shocks, idx, [allh, allh], [allp, allp], (5, 3))
        assert np.all(m == mech.demand_multiplier(t, shocks, idx))


def test_demand_multipliers_confined_to_homes_and_processes():
    idx = lambda y, q: (y - 2000) * 4 + q - 1  # noqa: E731
    home = np.array([False, True, False])
    bpo = mech.process_group_mask("bpo", NAMES, ITO, FRONT)
    t = idx(2009, 1)
    m = mech.demand_multipliers(t, [shock(depth=0.2)], idx, [home], [bpo], (3, 3))
    assert m[1, 0] == m[1, 2] == pytest.approx(0.8)
    assert m[1, 1] == 1.0 and np.all(m[[0, 2]] == 1.0)
    # recovery: a quarter later the cut is 3/4 of the depth, gone after recovery_quarters
    assert mech.demand_multipliers(t + 1, [shock(depth=0.2)], idx, [home], [bpo],
                                   (3, 3))[1, 0] == pytest.approx(0.85)
    assert np.all(mech.demand_multipliers(t + 4, [shock(depth=0.2)], idx, [home], [bpo],
                                          (3, 3)) == 1.0)


def test_early_termination_cause_precedence():
    exit_ = np.array([1, 1, 0, 0, 0, 1, 0], bool)
    breach = np.array([1, 0, 1, 1, 0, 0, 0], bool)
    poor = np.array([1, 0, 1, 0, 1, 1, 0], bool)
    cause = mech.early_termination_cause(exit_, breach, poor)
    assert cause.tolist() == [mech.EARLY_TERM_VENDOR_EXIT, mech.EARLY_TERM_VENDOR_EXIT,
                              mech.EARLY_TERM_BREACH, mech.EARLY_TERM_BREACH,
                              mech.EARLY_TERM_POOR_VALUE, mech.EARLY_TERM_VENDOR_EXIT,
                              mech.EARLY_TERM_NONE]
    # one cause per early ending: the causes partition the early terminations
    early = exit_ | breach | poor
    assert (cause != mech.EARLY_TERM_NONE).sum() == early.sum()


def test_shock_schema_accepts_groups_lists_and_homes(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[demand]\nshocks = [{ year = 2012, quarter = 1, depth = 0.3, '
                 'recovery_quarters = 4, processes = "bpo", home = ["USA", "GBR"] }, '
                 '{ year = 2014, quarter = 2, depth = 0.1, recovery_quarters = 2, '
                 'processes = ["sales", "ito"] }]\n')
    sc = load_scenario(p)
    assert sc.demand.shocks[0].processes == "bpo" and sc.demand.shocks[0].home == ["USA", "GBR"]
    assert sc.demand.shocks[1].home == "all"


@pytest.mark.parametrize("entry,needle", [
    ('processes = "middle"', "demand.shocks.0.processes"),
    ('processes = ["acounting"]', "demand.shocks.0.processes"),
    ("processes = []", "demand.shocks.0.processes"),
    ('home = ["XXX"]', "demand.shocks.0.home"),
    ('home = "USA"', "demand.shocks.0.home"),
    ("home = []", "demand.shocks.0.home")])
def test_shock_schema_rejects_bad_targets(tmp_path, entry, needle):
    p = tmp_path / "s.toml"
    p.write_text("[demand]\nshocks = [{ year = 2012, quarter = 1, depth = 0.3, "
                 f"recovery_quarters = 4, {entry} }}]\n")
    with pytest.raises(ConfigError) as err:
        load_scenario(p)
    assert str(err.value).startswith(needle) and "\n" not in str(err.value)


def test_low_cost_countries_split_on_the_buyer_mean():
    lc = np.array([20.0, 10.0, 2.0, 4.0])
    w = np.array([1.0, 0.0, 0.0, 1.0])   # mean of buyers = 12
    assert mech.low_cost_countries(lc, w, 0.5).tolist() == [False, False, True, True]


def test_growth_lever_reaches_buyer_homes_that_sell_services():
    base = World.build(load_scenario(end_year=2020))
    lever = World.build(load_scenario(end_year=2020, offshore_labour_cost_growth=0.05))
    y0, y1 = base.yi(2000), base.yi(2020)
    ratio = lever.labour_cost[:, y1] / base.labour_cost[:, y1]
    for c in ("IND", "CHN", "MEX", "BRA", "PHL", "POL"):
        assert ratio[base.index(c)] == pytest.approx(1.05 ** 20), c
    for c in ("USA", "GBR", "DEU", "JPN", "IRL"):
        assert ratio[base.index(c)] == 1.0, c
    # before start_year nothing changes
    assert np.array_equal(lever.labour_cost[:, y0], base.labour_cost[:, y0])
    assert any("labour_cost: +0.05/yr" in s and "IND" in s for s in lever.fill_log)


def test_processes_groups_match_the_table():
    pr = Processes.load()
    ito = mech.process_group_mask("ito", pr.names, pr.ito, pr.front_office)
    assert [n for n, x in zip(pr.names, ito) if x] == ["it_services"]
    front = mech.process_group_mask("front", pr.names, pr.ito, pr.front_office)
    assert set(np.array(pr.names)[front]) == {"technical_support", "customer_service",
                                              "sales", "marketing"}


def _synthetic_quarterly(years=range(2004, 2010)):
    rows, signed, ended = [], 0, 0
    for y in years:
        for qq in range(1, 5):
            signed += 10
            ended += 10
            rows.append(dict(year=y, quarter=qq, n_terminations=4, n_early_term_poor_value=2,
                             n_early_term_breach=1, n_early_term_vendor_exit=1,
                             n_backsourced_after_early_term=1, n_contracts_active=100,
                             n_contracts_signed_cum=signed, n_contracts_ended_cum=ended))
    return pd.DataFrame(rows)


def test_contract_measures_on_a_known_table():
    m = contract_measures(_synthetic_quarterly(), 2005, 2008)
    # windows 2005-06 and 2007-08: 32 early endings / (100 active + 80 signed)
    assert m["early_termination_share_two_years"] == pytest.approx(32 / 180)
    assert m["backsourced_share_of_early_terminations"] == pytest.approx(0.25)
    assert m["poor_value_share_of_early_terminations"] == pytest.approx(0.5)
    assert m["early_share_of_contract_endings"] == pytest.approx(0.4)
    cmp = compare_with_evidence(m)
    assert set(cmp["source_id"]) == {"deloitte_2012", "dnb_2000", "deloitte_2005"}
    q = cmp.set_index("model_measure")
    assert bool(q.loc["poor_value_share_of_early_terminations", "within"])  # the largest
    assert q.loc["backsourced_share_of_early_terminations", "value_low"] == 0.34
    assert q.loc["backsourced_share_of_early_terminations", "interval_low"] == pytest.approx(
        0.34 - 1.96 * np.sqrt(0.34 * 0.66 / 53))


def test_contract_evidence_file_has_sources():
    ev = load_contract_evidence()
    assert ev["url"].str.startswith("http").all() and ev["source"].str.len().gt(10).all()
    assert ((ev["value_low"] <= ev["value_high"]) & ev["value_low"].between(0, 1)).all()
    assert set(ev["status"]) <= {"verified", "secondary"}


def test_wage_convergence_closes_the_log_gap():
    lc = np.array([[1.0, 1.0, 1.0], [20.0, 20.0, 20.0], [4.0, 4.0, 4.0]])
    frontier = np.array([10.0, 10.0, 10.0])
    years = np.array([1999, 2000, 2010])
    out = mech.wage_convergence(lc, frontier, years, 2000, 0.05, np.array([True, True, False]))
    assert out[0, 0] == out[0, 1] == 1.0            # nothing before start_year + 0 years
    closed = 1 - np.exp(-0.05 * 10)
    assert np.log(10 / out[0, 2]) == pytest.approx((1 - closed) * np.log(10.0))
    assert np.all(out[1] == 20.0) and np.all(out[2] == 4.0)  # above frontier / not selected
    assert np.all(lc[0] == 1.0)                          # input unchanged
