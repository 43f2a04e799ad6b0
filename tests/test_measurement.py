"""The measurement model of the published series and the cloud-substitution rule (issue #13)."""

import numpy as np
import pandas as pd
import pytest

from simulation import mechanisms as mech
from simulation.config import load_scenario
from simulation.context import QuarterContext
from simulation.run import make_seed, run_model
from simulation.world import World, _read, cloud_path, published_market_size


def _small(**kw):
    return load_scenario(n_firms=300, end_year=2017, **kw)


def test_deal_index_counts_contracts_at_or_above_the_threshold():
    acv = np.array([4.99e6, 5e6, 2e7, 0.0])
    assert mech.counted_in_deal_index(acv, 5e6).tolist() == [False, True, True, False]
    assert mech.counted_in_deal_index(acv, 0.0).all()


def test_index_series_is_the_large_contracts_part_of_the_tcv_signed():
    a = run_model(_small(), make_seed(3)).annual.set_index("year")
    assert (a["tcv_index_usd_bn"] <= a["tcv_signed_usd_bn"] + 1e-12).all()
    assert (a["tcv_index_bpo_usd_bn"] <= a["tcv_index_usd_bn"] + 1e-12).all()
    assert 0 < a.loc[2015, "tcv_index_usd_bn"] < a.loc[2015, "tcv_signed_usd_bn"]
    # TCV / ACV of the counted contracts is their mean term, near the term path
    ratio = a.loc[2016, "tcv_index_usd_bn"] / a.loc[2016, "acv_index_usd_bn"]
    assert 3.0 < ratio < 4.6
    # a zero threshold counts every contract signed
    b = run_model(_small(index_min_acv_usd_m=0.0), make_seed(3)).annual.set_index("year")
    np.testing.assert_allclose(b["tcv_index_usd_bn"], b["tcv_signed_usd_bn"], rtol=1e-12)
    np.testing.assert_array_equal(b["tcv_signed_usd_bn"], a["tcv_signed_usd_bn"])


def test_term_path_and_threshold_come_from_the_published_figures():
    """The late term is Statista's 2015 TCV over the ISG Index's 2015 ACV (same contracts)."""
    isg = _read("isg_index.csv")
    acv_2015 = float(isg[(isg.metric == "acv_usd_bn") & (isg.segment == "traditional")
                         & (isg.year == 2015)]["value"].iloc[0])
    tcv_2015 = float(published_market_size().set_index("year").at[2015, "value_usd_bn"])
    sc = load_scenario()
    assert sc.contracts.term_mean_late_years == round(tcv_2015 / acv_2015, 2)
    assert sc.contracts.term_drift_end_year == 2015
    assert sc.contracts.index_min_acv_usd_m == float(
        isg[isg.metric == "min_acv_usd_m"]["value"].iloc[0])
    # the 2014 ratio (ACV 2014 from the -8 % change) lies near the straight line
    change = float(isg[isg.metric == "acv_change"]["value"].iloc[0])
    ratio_2014 = published_market_size().set_index("year").at[2014, "value_usd_bn"] / (
        acv_2015 / (1 + change))
    line_2014 = mech.mean_contract_term(2014, 6.5, sc.contracts.term_mean_late_years,
                                        2000, 2015)
    assert abs(ratio_2014 - line_2014) < 0.2


def test_as_a_service_path():
    assert mech.as_a_service_share_of_it(0.25, 17.2 / 23.7) == pytest.approx(
        0.25 / (0.25 + 0.75 * 17.2 / 23.7))
    years, shares = cloud_path(2006)
    assert years.tolist() == [2006, 2013, 2016, 2017] and shares[0] == 0.0
    assert np.all(np.diff(shares) > 0) and shares[-1] < 0.5
    assert mech.it_work_bought_as_a_service(2005.0, years, shares, 1.0) == 0.0
    assert mech.it_work_bought_as_a_service(2013.0, years, shares, 1.0) == pytest.approx(
        shares[1])
    assert mech.it_work_bought_as_a_service(2030.0, years, shares, 1.0) == shares[-1]
    assert mech.it_work_bought_as_a_service(2016.0, years, shares, 0.0) == 0.0
    assert mech.it_work_bought_as_a_service(2016.0, years, shares, 3.0) == 1.0


def test_cloud_rule_cuts_only_it_work_and_only_after_its_start():
    sc = _small(it_as_a_service_scale=1.0)
    w = World.build(sc)
    t_2005 = (2005 - w.first_year) * 4
    t_2016 = (2016 - w.first_year) * 4
    assert QuarterContext.of(t_2005, w.first_year, sc, w).work_by_process is None
    f = QuarterContext.of(t_2016, w.first_year, sc, w).work_by_process
    assert np.all(f[~w.processes.ito] == 1.0)
    assert np.all((f[w.processes.ito] > 0.45) & (f[w.processes.ito] < 0.6))
    off = _small(it_as_a_service_scale=0.0)
    assert QuarterContext.of(t_2016, w.first_year, off, w).work_by_process is None


def test_cloud_rule_flattens_it_contract_value_on_paired_seeds():
    """IT outsourcing value after 2013 falls when IT work moves to as-a-service; the same
    seeds without the rule give identical years before the rule starts."""
    rows = []
    for seed in (1, 2, 3):
        on = run_model(_small(it_as_a_service_scale=1.0), make_seed(seed)).annual
        off = run_model(_small(it_as_a_service_scale=0.0), make_seed(seed)).annual
        pre = off["year"] < 2006
        np.testing.assert_array_equal(on.loc[pre, "tcv_index_usd_bn"],
                                      off.loc[pre, "tcv_index_usd_bn"])
        ito = lambda a: (a["tcv_index_usd_bn"] - a["tcv_index_bpo_usd_bn"])[  # noqa: E731
            a["year"].between(2014, 2017)].sum()
        rows.append(ito(on) / ito(off))
    assert np.mean(rows) < 0.85, rows
