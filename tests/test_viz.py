"""The dashboard without a browser: its data functions, figures, controls, and the Solara
app rendered headless with ``solara.render``."""

import subprocess

import numpy as np
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

from conftest import bposim_exe, run_cli
from experiments.cli.viz import missing_assets, needed_assets, solara_command
from simulation import plotting
from simulation.collector import (FLOW_COLUMNS, acv_flow_matrix, annual_frame,
                                  trailing_year_frame)
from simulation.config import ConfigError, load_scenario
from simulation.model import BPOModel
from simulation.viz import (DashboardModel, home_countries, initial_kwargs, model_params,
                            run_description, tax_rate_overrides, vendor_countries)


# ------------------------------------------------------------------ collector additions
def test_flow_matrix_adds_up_to_the_market(small_run):
    m = acv_flow_matrix(small_run)
    q = small_run.quarterly().iloc[-1]
    assert m.to_numpy().sum() == pytest.approx(q["market_acv_usd_bn"], rel=1e-12)
    assert (m.to_numpy() >= 0).all() and (m.sum(axis=1) > 0).all() and (m.sum(axis=0) > 0).all()
    iso = set(small_run.world.iso3)
    assert set(m.index) <= iso and set(m.columns) <= iso
    # onshore = same country (classify_location), so the diagonal is the onshore share
    diag = sum(m.at[c, c] for c in m.index if c in m.columns)
    assert diag / m.to_numpy().sum() == pytest.approx(q["share_onshore"], abs=1e-12)


def test_flow_matrix_of_an_empty_market_is_empty():
    model = BPOModel(rng=1, n_firms=20)
    model.firms.mode[:] = 0  # everything in-house
    assert acv_flow_matrix(model).shape == (0, 0)


def test_trailing_year_frame_matches_the_annual_table(small_run):
    q = small_run.quarterly()
    live = trailing_year_frame(q)
    a = annual_frame(q).set_index("year")
    q4 = live[q["quarter"] == 4]
    for col in FLOW_COLUMNS:  # a Q4's trailing four quarters are its calendar year
        np.testing.assert_allclose(q4[col].to_numpy(), a.loc[q4["year"].astype(int), col],
                                   rtol=1e-12)
    np.testing.assert_array_equal(live["market_acv_usd_bn"], q["market_acv_usd_bn"])
    assert list(live["year"][:5]) == [2000.0, 2000.25, 2000.5, 2000.75, 2001.0]
    # first quarters: mean of what exists x 4
    assert live["n_breaches"].iloc[1] == pytest.approx(2 * q["n_breaches"].iloc[:2].sum())


# --------------------------------------------------------------------------- figure
def test_flow_matrix_figure_keeps_the_largest_countries(small_run):
    m = acv_flow_matrix(small_run)
    fig = plotting.flow_matrix_figure(m, top_home=3, top_vendor=4)
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    assert rows == list(m.sum(axis=1).sort_values(ascending=False).index[:3])
    assert cols == list(m.sum(axis=0).sort_values(ascending=False).index[:4])
    assert "shown" in ax.get_title()  # some ACV is left out and the title says so
    full = plotting.flow_matrix_figure(m, top_home=99, top_vendor=99).axes[0]
    assert "shown" not in full.get_title()


def test_flow_matrix_figure_of_nothing_says_so():
    fig = plotting.flow_matrix_figure(pd.DataFrame())
    assert "no active vendor contracts" in " ".join(t.get_text() for t in fig.axes[0].texts)


# ------------------------------------------------------------------ dashboard controls
def test_tax_controls_translate_to_tax_rate_overrides():
    base = load_scenario()
    homes = home_countries(base)
    assert "USA" in homes and "IND" in homes and "PHL" not in homes
    assert tax_rate_overrides(base, "PHL", False, 0.1, False, 0.3) == {}
    assert tax_rate_overrides(base, "PHL", True, 0.1, False, 0.3) == {"PHL": 0.1}
    both = tax_rate_overrides(base, "IND", True, 0.05, True, 0.3)
    assert both["IND"] == 0.05  # the vendor-country control wins for a home country
    assert all(both[c] == 0.3 for c in homes if c != "IND") and len(both) == len(homes)
    kept = base.with_overrides(tax_rate_overrides={"POL": 0.19})
    assert tax_rate_overrides(kept, "PHL", True, 0.1, False, 0.3) == {"POL": 0.19, "PHL": 0.1}


def test_dashboard_model_applies_the_tax_rates():
    m = DashboardModel(n_firms=20, seed=3, vendor_country="PHL", set_vendor_tax=True,
                       vendor_tax_rate=0.07, set_home_tax=True, home_tax_rate=0.33)
    w = m.world
    assert (w.tax_rate[w.index("PHL")] == 0.07).all()
    assert (w.tax_rate[w.index("USA")] == 0.33).all()
    assert m.scenario_config.countries.tax_rate_overrides["DEU"] == 0.33
    assert "PHL 7%" in run_description(m) and "20 firms" in run_description(m)


def test_dashboard_defaults_are_the_default_scenario():
    """Untouched controls run exactly the default scenario (bit-identical outputs)."""
    params = model_params(load_scenario())
    kw = initial_kwargs(params) | {"n_firms": 60}
    dash = DashboardModel(**kw)
    plain = BPOModel(rng=kw["seed"], n_firms=60)
    assert dash.scenario_config.with_overrides(n_firms=2000) == load_scenario()
    for _ in range(6):
        dash.step()
        plain.step()
    pd.testing.assert_frame_equal(dash.quarterly(), plain.quarterly())


def test_dashboard_model_accepts_mesa_reset_arguments():
    """Mesa's SolaraViz re-creates the model with an empty Mesa scenario on Reset."""
    m = DashboardModel(n_firms=20, seed=1, scenario=MesaScenario(), breach_hazard_scale=2.0)
    assert m.scenario_config.risk.breach_hazard_scale == 2.0


def test_dashboard_model_rejects_bad_values():
    with pytest.raises(ConfigError, match="breach_hazard_scale"):
        DashboardModel(n_firms=20, breach_hazard_scale=-1.0)
    with pytest.raises(ConfigError, match="XXX"):
        DashboardModel(n_firms=20, vendor_country="XXX", set_vendor_tax=True)


def test_every_control_is_a_driver_within_its_range():
    base = load_scenario()
    params = model_params(base)
    for name in ("n_firms", "seed", "vendor_country", "set_vendor_tax", "vendor_tax_rate",
                 "set_home_tax", "home_tax_rate", "offshore_labour_cost_growth",
                 "breach_hazard_scale", "coordination_cost_decline", "backlash_intensity"):
        assert name in params, name
    for name, spec in params.items():
        if isinstance(spec, dict) and spec["type"].startswith("Slider"):
            assert spec["min"] <= spec["value"] <= spec["max"], name
    assert params["vendor_country"]["values"] == vendor_countries(base)
    assert "IND" in vendor_countries(base) and "PHL" in vendor_countries(base)
    # the extremes of every slider are valid scenarios
    for end in ("min", "max"):
        kw = {k: (v[end] if isinstance(v, dict) and v["type"].startswith("Slider") else
                  initial_kwargs({k: v})[k]) for k, v in params.items()}
        kw |= {"n_firms": 20, "set_vendor_tax": True, "set_home_tax": True}
        DashboardModel(**kw)


# --------------------------------------------------------------------- the Solara app
def _summary(rc) -> str:
    import ipyvuetify as v

    return " ".join(str(c) for w in rc.find(v.Html, tag="span").widgets for c in w.children
                    if isinstance(c, str))


def _images(rc) -> list[bytes]:
    import ipywidgets

    return [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]


def test_app_renders_headless_and_reacts_to_its_controls():
    import ipyvuetify as v
    import solara

    from simulation.viz import Page

    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    labels = {w.label for w in rc.find(v.Slider).widgets}
    assert {"Firms", "Seed", "Its tax rate", "Home tax rate", "Offshore labour cost",
            "Breach hazard", "Coordination decline", "Backlash"} <= labels
    assert rc.find(v.Select, label="Vendor country").widget.v_model == "IND"
    first = _images(rc)
    assert len(first) == 5 and all(img[:4] == b"\x89PNG" for img in first)
    assert "Spin-up done" in _summary(rc)

    rc.find(v.Btn, children=["Step"]).widget.click()  # one year = four quarters
    stepped = _images(rc)
    assert "2000 Q4" in _summary(rc)
    assert all(a != b for a, b in zip(first, stepped))  # every plot was redrawn with data

    rc.find(v.Slider, label="Breach hazard").widget.v_model = 4.0
    rc.find(v.Checkbox, label="Set its tax rate").widget.v_model = True
    rc.find(v.Btn, children=["Reset"]).widget.click()
    text = _summary(rc)
    assert "Spin-up done" in text and "breach hazard x4.0" in text and "IND 25%" in text
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "2000 Q4" in _summary(rc)
    assert _images(rc)[3] != stepped[3]  # breaches and back-sourcing differ


def test_baseline_difference_is_this_run_minus_the_baseline():
    from simulation.viz import Baseline, baseline_difference, live_frame

    base = DashboardModel(n_firms=150)
    moved = DashboardModel(n_firms=150, breach_hazard_scale=4.0)
    for m in (base, moved):
        m.run_for(6)
    pinned = Baseline.of(base)
    assert "breach hazard x1.0" in pinned.description
    cols = ["market_acv_usd_bn", "tcv_signed_usd_bn", "share_offshore"]
    d = baseline_difference(moved, pinned)
    want = live_frame(moved)[cols] - live_frame(base)[cols]
    np.testing.assert_allclose(d[cols].to_numpy(), want.to_numpy(), rtol=0, atol=0)
    assert (d[cols] != 0).any().any()
    assert (baseline_difference(base, pinned)[cols] == 0).all().all()
    moved.run_for(4)  # only the quarters both runs have
    assert list(baseline_difference(moved, pinned)["year"]) == list(live_frame(base)["year"])


def test_the_app_pins_a_baseline_and_shows_the_difference():
    import ipyvuetify as v
    import solara

    from simulation.viz import Page

    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    pin = rc.find(v.Btn, children=["Pin as baseline"]).widget
    assert pin.disabled  # nothing simulated yet
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert not pin.disabled
    pin.click()
    assert len(_images(rc)) == 6 and "Baseline: 2000 firms" in _summary(rc)
    rc.find(v.Slider, label="Breach hazard").widget.v_model = 4.0
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    text = _summary(rc)
    assert "breach hazard x4.0" in text and "Baseline: 2000 firms" in text
    assert "breach hazard x1.0" in text.split("Baseline:")[1]
    rc.find(v.Btn, children=["Clear baseline"]).widget.click()
    assert len(_images(rc)) == 5 and "Baseline:" not in _summary(rc)


def _texts(rc) -> str:
    import ipyvuetify as v

    return " ".join(str(c) for w in rc.find(v.Html, tag="span").widgets
                    for c in w.children if isinstance(c, str))


def test_the_app_shows_values_units_tooltips_time_and_downloads():
    import ipyvuetify as v
    import solara

    from simulation.viz import Page

    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    text = _texts(rc)
    decline = load_scenario().coordination.coordination_cost_decline  # calibrated
    for shown in ("2,000 simulated firms", "x1.0 the data's hazard", f"{decline:.1%} per year",
                  "+0.0% per year", "0.10 x in-house cost", "25%",
                  "Simulated to: start (2000 Q1 next)"):
        assert shown in text, shown
    tips = [str(c) for w in rc.find(v.Tooltip).widgets for c in w.children
            if isinstance(c, str)]
    assert len(tips) == 11  # one per control
    assert any("IBM/Ponemon" in t and t.startswith("unit: x.") for t in tips)
    assert any("exponential fall of the coordination-cost scale" in t for t in tips)
    rc.find(v.Slider, label="Breach hazard").widget.v_model = 4.0
    assert "x4.0 the data's hazard" in _texts(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    text = _texts(rc)
    assert "Simulated to: 2000 Q4" in text and "Time:" not in text
    labels = [c for w in rc.find(v.Btn).widgets for c in w.children if isinstance(c, str)]
    assert labels.count("PNG") == labels.count("CSV") == 5


def test_downloads_hold_what_is_shown():
    from simulation.viz import live_frame, png_bytes

    m = DashboardModel(n_firms=120)
    m.run_for(4)
    fig = plotting.events_figure(live_frame(m), 120)
    png = png_bytes(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


# ------------------------------------------------------------------------------ CLI
def test_viz_command_serves_on_loopback_by_default():
    cmd = solara_command("127.0.0.1", 8765)
    assert cmd[1:5] == ["-m", "solara", "run", "simulation.viz"]
    assert "--no-check-version" in cmd and "--no-open" in cmd
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    p = run_cli(["viz", "--help"])
    assert p.returncode == 0 and "127.0.0.1" in p.stdout and "--port" in p.stdout


@pytest.mark.parametrize("args, msg", [
    (["--port", "70000"], "--port: must be in 0-65535"),
    (["--config", "/nonexistent/s.toml"], "/nonexistent/s.toml: no such file"),
])
def test_viz_command_rejects_bad_input_in_one_line(args, msg):
    p = run_cli(["viz", *args], timeout=60)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and msg in p.stderr and "Traceback" not in p.stderr

def test_viz_command_stops_when_the_browser_assets_are_missing(tmp_path):
    """Without Solara's browser assets the page would be blank: one line says what to run."""
    import os

    import solara

    env = dict(os.environ, SOLARA_ASSETS_PROXY_CACHE_DIR=str(tmp_path))
    p = subprocess.run(bposim_exe() + ["viz", "--port", "0"], capture_output=True,
                       text=True, timeout=60, env=env)
    assert p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr
    assert f"pip install 'solara-assets=={solara.__version__}'" in p.stderr
    assert "browser assets are missing" in p.stderr and "Traceback" not in p.stderr


def test_the_installed_assets_are_the_ones_solara_asks_for(tmp_path):
    from importlib.metadata import version

    import solara

    assert version("solara-assets") == solara.__version__
    needed = needed_assets()
    assert any("solara-vuetify" in a for a in needed) and any("requirejs" in a for a in needed)
    assert missing_assets() == []  # the default cache: filled by solara-assets
    assert missing_assets(tmp_path) == needed
    (tmp_path / needed[0]).mkdir(parents=True)
    assert missing_assets(tmp_path) == needed[1:]


def test_dashboard_starts_from_the_scenario_of_bposim_viz_config(tmp_path, monkeypatch):
    from simulation.viz import CONFIG_ENV, base_scenario

    toml = tmp_path / "s.toml"
    toml.write_text("[population]\nn_firms = 300\n[risk]\nbreach_hazard_scale = 2.5\n")
    monkeypatch.setenv(CONFIG_ENV, str(toml))
    params = model_params(base_scenario())
    assert params["n_firms"]["value"] == 300
    assert params["breach_hazard_scale"]["value"] == 2.5
    assert DashboardModel(**initial_kwargs(params)).scenario_config.population.n_firms == 300
    monkeypatch.delenv(CONFIG_ENV)
    assert base_scenario() == load_scenario()


def test_slider_snap_is_the_browser_sliders_grid():
    """A calibrated starting value off a slider's grid is snapped by the browser; the
    dashboard ignores that echo (``Controls``), so RESET keeps the exact value."""
    from simulation.viz import model_params, slider_snap

    spec = {"step": 0.005, "min": -0.05, "max": 0.15}
    assert slider_snap(spec, 0.02675231126232963) == 0.025
    assert slider_snap(spec, 0.04) == 0.04 and slider_snap(spec, 0.2) == 0.15
    assert slider_snap({"step": 0.1, "min": 0.0, "max": 5.0}, 1.0) == 1.0
    decline = model_params(load_scenario())["coordination_cost_decline"]
    assert decline["value"] == load_scenario().coordination.coordination_cost_decline
