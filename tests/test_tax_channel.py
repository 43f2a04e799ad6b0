"""The tax channel (issue #12, part 1): vendors pay tax, BPO tax regimes, tax-driven entry.

Pure mechanisms and the World's effective tax tables here; the model-level directions
(paired runs with common random numbers) further down.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation import mechanisms as mech
from simulation.config import load_scenario
from simulation.world import DATA_DIR, World, tax_regime_rates


# ------------------------------------------------------------------ pure mechanisms
def test_vendor_tax_is_statutory_rate_on_positive_profit():
    profit = np.array([100.0, -50.0, 0.0, 40.0])
    t = np.array([0.3, 0.3, 0.3, 0.25])
    tax = mech.vendor_profit_tax(profit, profit + 10.0, np.zeros(4), t, np.zeros(4),
                                 np.zeros(4, bool))
    assert np.allclose(profit - tax, np.where(profit > 0, (1 - t) * profit, profit))


def test_vendor_tax_export_income_pays_the_regime_rate():
    profit, gross = np.array([100.0, 100.0]), np.array([160.0, 160.0])
    stat, exp_rate = np.array([0.34, 0.34]), np.array([0.0, 0.05])
    on_gross = np.array([False, True])
    # all export: a holiday pays nothing, PEZA pays 5 % of gross income
    tax = mech.vendor_profit_tax(profit, gross, np.ones(2), stat, exp_rate, on_gross)
    assert np.allclose(tax, [0.0, 0.05 * 160.0])
    # half export: the domestic half pays the statutory rate on its share of profit
    tax = mech.vendor_profit_tax(profit, gross, np.full(2, 0.5), stat, exp_rate, on_gross)
    assert np.allclose(tax, [0.5 * 0.34 * 100, 0.5 * 0.34 * 100 + 0.5 * 0.05 * 160])
    # a loss-making PEZA vendor with positive gross income still pays the levy
    tax = mech.vendor_profit_tax(np.array([-10.0]), np.array([20.0]), np.ones(1),
                                 np.array([0.3]), np.array([0.05]), np.array([True]))
    assert np.allclose(tax, [1.0])


def test_combine_schemes_lowest_relief_raised_to_floor_capped_at_statutory():
    stat = np.array([0.34, 0.34, 0.34, 0.10])
    # scheme A: holiday (0) with a MAT floor 0.185 in columns 1-3; scheme B: 0.5 x statutory
    relief = np.array([[0.0, 0.0, np.inf, 0.0], [0.17, 0.17, 0.17, np.inf]])
    floor = np.array([[0.0, 0.185, 0.185, 0.185], [0.0, 0.0, 0.0, 0.0]])
    gross = np.zeros((2, 4), bool)
    rate, g = mech.combine_tax_schemes(stat, relief, floor, gross)
    assert np.allclose(rate, [0.0, 0.17, 0.17, 0.10])  # floor without relief: no scheme
    assert not g.any()


def test_scheme_rules():
    assert mech.scheme_tax_rate(0.3, "statutory_share", 0.5) == pytest.approx(0.15)
    assert mech.scheme_tax_rate(np.array([0.3, 0.4]), "gross_income_rate", 0.05).tolist() \
        == [0.05, 0.05]
    with pytest.raises(ValueError, match="unknown tax rule"):
        mech.scheme_tax_rate(0.3, "nonsense", 0.0)


def test_entrant_rate_discounts_a_holiday():
    stat = 0.3
    holiday = np.r_[np.zeros(10), np.full(50, stat)]
    r = mech.entrant_tax_rate(holiday, 0.10)
    assert 0 < r < stat
    assert mech.entrant_tax_rate(np.full(60, stat), 0.10) == pytest.approx(stat)
    # a longer holiday or a higher discount rate lowers the expected rate
    assert mech.entrant_tax_rate(np.r_[np.zeros(12), np.full(48, stat)], 0.10) < r
    assert mech.entrant_tax_rate(holiday, 0.20) < r


def test_entry_location_weights_fall_with_the_tax_rate():
    w = np.array([1.0, 1.0, 2.0])
    share = np.array([0.2, 0.2, 0.0])
    t = np.array([0.30, 0.20, 0.30])
    p = mech.entry_location_weights(w, share, t, 3.3, 10.0)
    assert p[1] > p[0]
    # the semi-elasticity: d log weight / d t = -s
    assert np.log(p[1] / p[0]) == pytest.approx(3.3 * 0.10)
    assert (mech.entry_location_weights(w, share, t, 0.0, 10.0)[:2] == 3.0).all()


def test_capacity_orders_need_positive_after_tax_profit():
    order = mech.capacity_order(np.array([0.9, 0.9, 0.5, 0.9]), np.array([1.0, -1.0, 1.0, 1.0]),
                                0.8, np.array([False, False, False, True]))
    assert order.tolist() == [True, False, False, False]


# ------------------------------------------------------------------ regimes from the data
@pytest.fixture(scope="module")
def world():
    return World.build(load_scenario(start_year=2000, end_year=2030))


def _export_rate(w, iso, entry, year):
    i = w.index(iso)
    return float(w.export_tax_rate[i, entry - w.first_year, year - w.first_year])


def test_regime_file_rules_are_known():
    df = pd.read_csv(DATA_DIR / "tax_regimes.csv")
    assert set(df["rule"]) <= set(mech.TAX_RULES)
    assert (df["value"].between(0, 1)).all()
    assert df["source"].notna().all()


def test_india_regimes_by_year_and_age(world):
    w = world
    stat = lambda y: float(w.tax_rate[w.index("IND"), y - w.first_year])  # noqa: E731
    # s.10A/10B: 10 consecutive years of holiday, to the FY 2010-11 sunset
    assert _export_rate(w, "IND", 2000, 2001) == 0.0
    assert _export_rate(w, "IND", 2000, 2002) == pytest.approx(0.1 * stat(2002))  # AY 2003-04
    # MAT on s.10A/10B units from FY 2007-08 (10 %); a new SEZ unit is exempt from MAT to 2010
    assert _export_rate(w, "IND", 2000, 2008) == pytest.approx(0.10)
    assert _export_rate(w, "IND", 2006, 2008) == 0.0
    # after the holiday: statutory
    assert _export_rate(w, "IND", 2000, 2011) == pytest.approx(stat(2011))
    # SEZ unit: MAT 18.5 % from 2011 in years 1-10, statutory from year 11
    assert _export_rate(w, "IND", 2012, 2013) == pytest.approx(0.185)
    assert _export_rate(w, "IND", 2012, 2017) == pytest.approx(max(0.185, 0.5 * stat(2017)))
    assert _export_rate(w, "IND", 2012, 2022) == pytest.approx(stat(2022))
    # no new SEZ units after FY 2019-20
    assert _export_rate(w, "IND", 2021, 2022) == pytest.approx(stat(2022))


def test_philippines_peza_holiday_then_gross_income(world):
    w = world
    i = w.index("PHL")
    e = 2005 - w.first_year
    assert _export_rate(w, "PHL", 2005, 2008) == 0.0
    assert _export_rate(w, "PHL", 2005, 2009) == pytest.approx(0.05)
    assert w.export_tax_gross[i, e, 2009 - w.first_year]
    assert not w.export_tax_gross[i, e, 2008 - w.first_year]


def test_costa_rica_free_trade_zone_schedule(world):
    w = world
    stat = float(w.tax_rate[w.index("CRI"), 2005 - w.first_year])
    assert _export_rate(w, "CRI", 2000, 2007) == 0.0             # year 8
    assert _export_rate(w, "CRI", 2000, 2008) == pytest.approx(0.5 * stat)  # year 9
    assert _export_rate(w, "CRI", 2000, 2012) == pytest.approx(stat)        # year 13


def test_regimes_switch_off_gives_statutory():
    sc = load_scenario(start_year=2000, end_year=2030, tax_regimes_enabled=False)
    w = World.build(sc)
    assert np.array_equal(w.entrant_tax_rate, w.tax_rate)
    assert np.array_equal(w.export_tax_rate[:, 5, :], w.tax_rate)
    assert not w.export_tax_gross.any()


def test_entrant_rate_below_statutory_where_holidays_apply(world):
    w = world
    y = 2005 - w.first_year
    for iso in ("IND", "PHL", "CRI", "MYS"):
        i = w.index(iso)
        assert w.entrant_tax_rate[i, y] < w.tax_rate[i, y], iso
    for iso in ("USA", "GBR", "POL"):
        i = w.index(iso)
        assert w.entrant_tax_rate[i, y] == w.tax_rate[i, y], iso


def test_a_statutory_cut_lowers_the_entrant_rate_of_india():
    base = World.build(load_scenario(start_year=2000, end_year=2030))
    cut = World.build(load_scenario(start_year=2000, end_year=2030, tax_rate_changes=[
        {"iso3": "IND", "year": 2005, "rate": 0.20}]))
    i = base.index("IND")
    ys = slice(2005 - base.first_year, None)
    assert (cut.entrant_tax_rate[i, ys] < base.entrant_tax_rate[i, ys]).all()


def test_regime_rates_function_open_bounds():
    rows = pd.DataFrame([dict(scheme="A", entry_from=np.nan, entry_to=np.nan, year_from=2000,
                              year_to=np.nan, age_from=1, age_to=2, rule="statutory_share",
                              value=0.0)])
    rate, gross = tax_regime_rates(rows, 0.3, np.array([1995, 2001]), np.array([1996, 2002]),
                                   np.array([2, 2]))
    assert rate.tolist() == [0.3, 0.0]
    assert not gross.any()


# ------------------------------------------------------------------ the model
from simulation.market import MODE_CAPTIVE  # noqa: E402
from simulation.model import BPOModel  # noqa: E402

SEEDS = range(1, 13)  # 12 paired replications (common random numbers: same seed per pair)


def _paired_t(diffs) -> tuple[float, float]:
    d = np.asarray(diffs, float)
    se = d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() / se)


@pytest.fixture(scope="module")
def short_run():
    m = BPOModel(n_firms=300, rng=3, start_year=2000, end_year=2012)
    m.run()
    return m


def test_vendor_accounts_pay_tax_on_positive_profit(short_run):
    m = short_run
    V, w = m.vendors, m.world
    yi = m.context.year_index
    act = V.active.copy()
    pre = V.profit_q + V.tax_q  # pre-tax profit
    assert act.any() and (V.tax_q >= 0).all()
    assert np.all(V.tax_q[act & (pre <= 0) & ~w.export_tax_gross[V.country, V.entered // 4, yi]]
                  == 0)
    # countries without a BPO regime: after-tax = (1 - statutory) x positive pre-tax profit
    plain = act & ~np.isin(V.country, [w.index(c) for c in ("IND", "PHL", "CRI", "MYS", "LKA")])
    t = w.tax_rate[V.country[plain], yi]
    assert plain.any()
    assert np.allclose(V.profit_q[plain], np.where(pre[plain] > 0, (1 - t) * pre[plain],
                                                   pre[plain]))


def test_vendor_prices_use_the_effective_rate(short_run):
    m = short_run
    V, w = m.vendors, m.world
    ind = w.index("IND")
    j = int(np.flatnonzero(V.active)[0])
    V.country[j], V.entered[j] = ind, (2006 - w.first_year) * 4
    y = 2008 - w.first_year
    assert V.tax_rate_for(np.array([j]), np.array([w.index("USA")]), y)[0] == 0.0  # SEZ holiday
    assert V.tax_rate_for(np.array([j]), np.array([ind]), y)[0] == w.tax_rate[ind, y]


def _india_acv_share(m: BPOModel) -> float:
    m.run()
    a = m.acv_by_country()
    a = a[(a["year"] >= 2010) & (a["year"] <= 2019)]
    tot = a.groupby("year")["acv_usd_bn"].sum()
    own = a[a["vendor_iso3"] == "IND"].groupby("year")["acv_usd_bn"].sum()
    return float((own.reindex(tot.index, fill_value=0.0) / tot).mean())


def test_lower_tax_in_a_vendor_country_raises_its_share_of_acv():
    """Issue #12's acceptance test: India 20 % from 2005 vs the data, default scenario, 12
    paired seeds, 2,000 firms (about 35 s on one idle core); statistic: India's share of
    ACV, mean of 2010-2019 (measured: +6.7 pp, t = 4.3; at 1,000 firms +5.0 pp, t = 2.05,
    too close to the threshold)."""
    cut = [{"iso3": "IND", "year": 2005, "rate": 0.20}]
    d = [_india_acv_share(BPOModel(n_firms=2000, rng=s, end_year=2019, tax_rate_changes=cut))
         - _india_acv_share(BPOModel(n_firms=2000, rng=s, end_year=2019)) for s in SEEDS]
    mean, t = _paired_t(d)
    assert mean > 0 and t > 2, (mean, t)


def _captive_share(m: BPOModel) -> float:
    vals = []
    while m.running:
        m.step()
        if m.quarter == 4 and m.year >= 2010:
            vals.append(float((m.firms.mode == MODE_CAPTIVE).mean()))
    return float(np.mean(vals))


def test_lower_home_tax_lowers_captive_use():
    """The buyer's home tax acts through the captive's transfer-pricing saving
    (t_home - t_host) x margin x cost: a lower US rate (0.20 from 2000 instead of about
    0.39) lowers US buyers' use of captive centres. All buyers in the USA and no US-based
    vendors, so that the home rate acts through captives only; 12 paired seeds, 1,000 firms
    (about 30 s); statistic: share of pairs in captive centres, mean of the Q4 states
    2010-2019 (measured: -0.62 pp, t = -5.4)."""
    vw = dict(load_scenario().vendors.vendor_country_weights)
    vw.pop("USA")
    kw = dict(n_firms=1000, end_year=2019, buyer_home_weights={"USA": 1.0},
              vendor_country_weights=vw)
    cut = [{"iso3": "USA", "year": 2000, "rate": 0.20}]
    d = [_captive_share(BPOModel(rng=s, tax_rate_changes=cut, **kw))
         - _captive_share(BPOModel(rng=s, **kw)) for s in SEEDS]
    mean, t = _paired_t(d)
    assert mean < 0 and t < -2, (mean, t)
