"""Paper-ready figures: one style sheet (sizes, fonts), the Okabe-Ito palette and no
red/green, readable numbers, counts per 1,000 real firms, ``--figure-format``."""

import matplotlib
import matplotlib.markers
import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from experiments import figures
from simulation import plotting
from simulation.collector import acv_flow_matrix
from simulation.world import published_market_size

GREYS = {"#222222", "#555555", "#7f7f7f", "#000000", "#ffffff"}
ALLOWED = {c.lower() for c in plotting.PALETTE} | GREYS


def _all_figures(small_run):
    """One figure of every kind bposim draws."""
    annual = small_run.annual()
    n = small_run.scenario_config.population.n_firms
    runs = pd.DataFrame({"run_id": np.repeat(np.arange(6), 3), "year": [2000, 2001, 2002] * 6,
                         "x": np.repeat([0.01, 0.02667, 0.05, 0.01, 0.02667, 0.05], 3),
                         "y": np.repeat([1.0, 1.0, 1.0, 2.0, 2.0, 2.0], 3),
                         "v": np.linspace(0, 1, 18), "g": np.repeat(list("aabbcc"), 3)})
    idx = pd.DataFrame({"output": "o", "method": "morris", "index": ["mu_star", "sigma"] * 2,
                        "parameter": ["p", "p", "q", "q"], "value": [1.0, 0.5, 2.0, 0.2],
                        "conf": [0.1, np.nan, 0.2, np.nan]})
    band = pd.DataFrame({"year": [2017, 2018, 2019], "median": [1, 2, 3], "lo": [0, 1, 2],
                         "hi": [2, 3, 4], "mean": [1, 2, 3], "ci_low": [-1, 0, 1],
                         "ci_high": [1, 2, 3]})
    share = pd.DataFrame({"year": [2017, 2018, 2019], "usa_vendor_share": [0.1, 0.2, 0.2],
                          "usa_vendor_share_no_cut": [0.1, 0.1, 0.1]})
    eff = pd.DataFrame({"arm": "b", "year": [2000, 2001, 2002], "effect": [0.1, 0.2, 0.1],
                        "ci_low": [0, 0.1, 0], "ci_high": [0.2, 0.3, 0.2], "paired": True,
                        "n": 3})
    arm = runs[["year", "v"]].rename(columns={"v": "value"})
    panel = figures.ReplicationPanel("t", ["a", "b"], np.array([[1.0, 2.0], [1.5, 2.5]]), "y")
    drivers = pd.DataFrame({"driver": ["coordination cost", "India's tax rate"],
                            "kind": ["elasticity", "semi-elasticity"],
                            "volume": [-0.5, 0.1], "volume_lo": [-0.7, -0.1],
                            "volume_hi": [-0.3, 0.3], "value": [0.2, 0.0],
                            "value_lo": [0.0, -0.2], "value_hi": [0.4, 0.2]})
    reproduction = _reproduction_figures(annual, n)
    return {
        **plotting.run_figures(annual, small_run.acv_by_country(), n),
        **reproduction,
        "office": plotting.office_shares_figure(annual),
        "flows": plotting.flow_matrix_figure(acv_flow_matrix(small_run)),
        "baseline": plotting.baseline_difference_figure(
            annual.assign(**{c: 0.0 for c in ("market_acv_usd_bn",)}),
            ("market_acv_usd_bn", "share_offshore")),
        "heatmap": figures.heatmap_figure(runs, "x", "y", "v"),
        "fan": figures.fan_chart_figure(runs, "v", group="g", published=published_market_size()),
        "sensitivity": figures.sensitivity_figure(idx, "o"),
        "difference": figures.difference_figure([("a", arm), ("b", arm)], eff, "v"),
        "panels": figures.replication_panels_figure([panel, panel], title="t"),
        "validation": figures.validation_summary_figure(
            ["1. a claim whose text is long enough to need two lines in the summary figure",
             "2. b", "3. c"], np.array([3.0, -1.0, 0.5]), ["PASS", "FAIL", "UNDERPOWERED"],
            np.array([2.0, 2.0, 2.3])),
        "growth": figures.growth_figure(band.assign(median=[0.1, 0.2, 0.1])),
        "counterfactual": figures.counterfactual_figure(band, band, share, 2018, band),
        "sensitivity_all_methods": figures.sensitivity_figure(pd.concat([idx, *(
            idx[idx["index"] == "mu_star"].assign(method=m, index=i) for m, i in (
                ("pawn", "median"), ("extra_trees", "feature_score")))]), "o"),
        "drivers": figures.elasticity_figure(drivers),
    }


def _reproduction_figures(annual, n_firms):
    """Every figure of ``bposim reproduce`` (composition overlays and figures 7-8 too) from
    two tiny replicated runs."""
    from experiments import composition, reproduce

    comp = pd.DataFrame(
        [(y, q, g, 0.3) for y in (2000, 2001, 2002)
         for q, g in (("location_share", "IND"), ("front_office_share_bpo", ""),
                      ("outsourcing_rate", "payroll"), ("outsourcing_rate", "accounting"))],
        columns=list(composition.COLUMNS))
    two = lambda t: pd.concat([t.assign(replication=r) for r in (0, 1)],  # noqa: E731
                              ignore_index=True)
    rep = reproduce.Replicated(
        annual=two(annual), acv_by_country=two(pd.DataFrame(
            {"year": annual["year"], "vendor_iso3": "USA", "acv_usd_bn": 1.0})),
        n_firms=n_firms, composition=two(comp))
    figs = reproduce.reproduction_figures(rep, rep)
    return {f"reproduce_{name}": fig for name, (fig, _) in figs.items()}


@pytest.fixture(scope="module")
def every_figure(small_run):
    return _all_figures(small_run)


def _colours(fig) -> set[str]:
    """Hex colours of the lines, markers, bars and bands of a figure (not images)."""
    out = set()
    for ax in fig.axes:
        for ln in ax.get_lines():
            marker = ln.get_marker() not in ("None", "none", "", " ", None)
            if ln.get_linestyle() not in ("None", "", " "):
                out.add(mcolors.to_hex(ln.get_color()))
            if marker:
                filled = matplotlib.markers.MarkerStyle(ln.get_marker()).is_filled()
                faces = (ln.get_markerfacecolor(),) if filled else ()
                out |= {mcolors.to_hex(c) for c in (*faces, ln.get_markeredgecolor())
                        if c != "none"}
        for p in ax.patches:
            if p.get_fill():
                out.add(mcolors.to_hex(p.get_facecolor()))
        for coll in ax.collections:
            if coll.get_array() is None:  # bands and bars, not colour-mapped images
                out |= {mcolors.to_hex(c) for c in coll.get_facecolor()}
    return out


def test_every_figure_uses_the_palette_and_never_red_with_green(every_figure):
    for name, fig in every_figure.items():
        used = _colours(fig)
        assert used <= ALLOWED, f"{name}: colours outside Okabe-Ito: {used - ALLOWED}"
        # red next to green: vermillion with bluish green in one figure
        assert not {"#d55e00", "#009e73"} <= used, name


def test_every_figure_is_page_wide_with_readable_text(every_figure):
    for name, fig in every_figure.items():
        assert fig.get_figwidth() == pytest.approx(plotting.WIDTHS["two-column"]), name
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text)
                 if t.get_text().strip() and t.get_visible()]
        assert min(sizes) >= 7, (name, min(sizes))
    one = plotting.resize(every_figure["events"], "one-column")
    assert one.get_figwidth() == pytest.approx(3.5)


def test_legends_of_filled_panels_sit_below_the_data(every_figure):
    """The composition overlays leave no free corner in the stacked location and office
    shares: their legends are figure legends below the panel, not inside it."""
    for name in ("reproduce_3_location_shares", "reproduce_4_office_shares"):
        fig = every_figure[name]
        assert fig.axes[0].get_legend() is None, name
        (legend,) = fig.legends
        assert "model: " in " ".join(t.get_text() for t in legend.get_texts())


def test_the_style_sheet_does_not_leak_into_the_callers_settings(small_run):
    before = dict(matplotlib.rcParams)
    plotting.market_size_figure(small_run.annual())
    assert matplotlib.rcParams["font.size"] == before["font.size"]
    assert matplotlib.rcParams["axes.prop_cycle"] == before["axes.prop_cycle"]
    assert plotting.STYLE_SHEET.is_file()


def test_year_ticks_of_narrow_panels_do_not_run_together():
    """Three fan-chart panels side by side over 2000-2030: few enough year ticks that
    their labels keep apart once drawn."""
    years = np.arange(2000, 2031)
    runs = pd.DataFrame({"run_id": np.repeat(np.arange(6), len(years)),
                         "year": np.tile(years, 6), "v": 1.0,
                         "g": np.repeat(list("aabbcc"), len(years))})
    fig = figures.fan_chart_figure(runs, "v", group="g")
    fig.canvas.draw()
    for ax in fig.axes:
        boxes = sorted((t.get_window_extent() for t in ax.get_xticklabels()
                        if t.get_text()), key=lambda b: b.x0)
        assert len(boxes) >= 3
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), ax.get_title()


def test_heat_map_ticks_are_readable_numbers():
    runs = pd.DataFrame({"x": [0.0, 0.02666667, 0.05333333, 0.08] * 2,
                         "y": [1000.0] * 4 + [2500.0] * 4, "v": np.arange(8.0)})
    ax = figures.heatmap_figure(runs, "x", "y", "v").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.0267", "0.0533", "0.08"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1,000", "2,500"]


def test_event_counts_are_per_thousand_real_firms(small_run):
    annual = small_run.annual()
    n = small_run.scenario_config.population.n_firms
    fig = plotting.events_figure(annual, n)
    breaches = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(breaches.get_ydata(), annual["n_breaches"] * 1000 / n)
    assert "per 1,000 firms" in fig.axes[0].get_ylabel()


def test_run_figure_format_pdf_svg_writes_pdf_and_svg(tmp_path):
    out = tmp_path / "r"
    p = run_cli(["run", "--firms", "60", "--end-year", "2002", "--out", out, "--quiet",
                 "--figure-format", "pdf,svg"])
    assert p.returncode == 0, p.stderr
    for name in ("market_size", "location_shares", "events", "acv_by_country"):
        assert (out / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
        assert b"<svg" in (out / f"{name}.svg").read_bytes()[:2000]
        assert not (out / f"{name}.png").exists()


@pytest.mark.parametrize("command", [["run"], ["reproduce"], ["validate", "--quick"],
                                     ["sweep", "x.toml"], ["sensitivity", "x.toml"],
                                     ["compare", "a", "b", "--out", "o"], ["plot", "."],
                                     ["discover", ".", "--output", "o", "--where", "> 1"]])
def test_every_command_that_writes_figures_takes_figure_format(command):
    p = run_cli([*command, "--figure-format", "png,tiff"])
    assert p.returncode == 2 and p.stderr.count("\n") == 1
    assert "--figure-format: unknown format 'tiff'; allowed: a comma list of png, pdf, svg" \
        in p.stderr
