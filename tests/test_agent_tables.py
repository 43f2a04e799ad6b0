"""Agent-level data without registered agents: the yearly firm and vendor tables."""

import numpy as np
import pandas as pd
import pytest

from simulation.collector import FIRM_TABLE_COLUMNS, VENDOR_TABLE_COLUMNS
from simulation.model import BPOModel

KW = dict(n_firms=80, start_year=2000, end_year=2002, spinup_years=3, captives_enabled=True)


@pytest.fixture(scope="module")
def tabled():
    m = BPOModel(rng=4, agent_tables=True, **KW)
    m.run()
    return m


def test_firm_table_has_one_row_per_firm_and_year(tabled):
    m = tabled
    ft = m.firm_table()
    assert tuple(ft.columns) == FIRM_TABLE_COLUMNS
    assert len(ft) == 80 * 3 and sorted(set(ft["year"])) == [2000, 2001, 2002]
    assert ft.dtypes["firm"] == np.int64 and ft.dtypes["acv_usd"] == np.float64
    pd.testing.assert_frame_equal(ft, m.datacollector.get_table_dataframe("firms"))
    last = ft[ft["year"] == 2002].reset_index(drop=True)
    f = m.firms
    assert last["firm"].tolist() == list(range(80))
    np.testing.assert_array_equal(last["productivity"], f.productivity)
    np.testing.assert_array_equal(last["experience_years"], f.experience)
    assert last["home_iso3"].tolist() == [m.world.iso3[h] for h in f.home]
    assert last["n_outsourced"].tolist() == [m.firms[i].n_outsourced for i in range(80)]
    assert last["n_captive"].sum() == int((f.mode == 2).sum())
    # the firms' ACV adds up to the market's ACV of each year's last quarter
    q = m.quarterly()
    q4 = q[q["quarter"] == 4].set_index("year")["market_acv_usd_bn"]
    by_year = ft.groupby("year")["acv_usd"].sum() * m.firms_per_agent / 1e9
    np.testing.assert_allclose(by_year.to_numpy(), q4.loc[by_year.index].to_numpy(), rtol=1e-9)


def test_vendor_table_has_one_row_per_vendor_slot_and_year(tabled):
    m = tabled
    vt = m.vendor_table()
    assert tuple(vt.columns) == VENDOR_TABLE_COLUMNS
    last = vt[vt["year"] == 2002].reset_index(drop=True)
    v = m.vendors
    assert len(last) == v.n and last["vendor"].tolist() == list(range(v.n))
    np.testing.assert_array_equal(last["capacity_hours"], v.capacity)
    np.testing.assert_array_equal(last["committed_hours"], v.committed)
    np.testing.assert_array_equal(last["profit_q_usd"], v.profit_q)
    assert last["iso3"].tolist() == [m.world.iso3[c] for c in v.country]
    q = m.quarterly()
    n_active = vt.groupby("year")["active"].sum()
    assert n_active.tolist() == q[q["quarter"] == 4]["n_vendors"].tolist()


def test_agent_tables_change_no_output_and_are_not_a_scenario_field(tabled):
    plain = BPOModel(rng=4, **KW)
    plain.run()
    assert plain.scenario_config.config_hash() == tabled.scenario_config.config_hash()
    pd.testing.assert_frame_equal(plain.quarterly(), tabled.quarterly(), check_exact=True)
    assert plain.datacollector.tables == {}
    with pytest.raises(ValueError, match="agent_tables=True"):
        plain.firm_table()
    with pytest.raises(ValueError, match="agent_tables=True"):
        plain.vendor_table()
