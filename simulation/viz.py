"""The bposim dashboard: a Mesa app to move the market's drivers and watch it.

Start it with ``bposim viz`` (or ``solara run simulation/viz.py``) and open the printed
address, or show it inside Jupyter::

    from simulation.viz import Notebook
    Notebook()

Controls (sidebar, "Model parameters"; each shows its value with its unit and, on hover,
the scenario field's unit and description from the schema; they take effect when you
press **Reset**): the
statutory corporate tax rate of a chosen vendor country and of the buyers' home countries
(scenario field ``countries.tax_rate_overrides``), extra labour-cost growth in offshore
countries (``offshore_labour_cost_growth``), the breach hazard multiplier
(``breach_hazard_scale``), the yearly decline of the coordination cost
(``coordination_cost_decline``), the backlash intensity (``backlash_intensity``), the number
of simulated buyer firms (``n_firms``) and the seed. **Step** advances one year (four
quarters, one model step each); the play button runs on. **Pin as baseline** keeps the
run for comparison: the difference to it is then shown above the plots.

Live plots, all drawn by :mod:`simulation.plotting` from the model's ``datacollector``,
each with PNG and CSV downloads of what it shows: market size (ACV and TCV signed),
onshore / nearshore / offshore shares, ACV by vendor country, breaches and back-sourcing
(per 1,000 real firms), and the home x vendor-country ACV flow matrix.
See ``docs/dashboard.md``.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from simulation import plotting
from simulation.collector import (acv_by_country_frame, acv_flow_matrix, quarterly_frame,
                                  trailing_year_frame)
from simulation.config import SECTIONS, Scenario, field_index, load_scenario
from simulation.model import BPOModel
from simulation.run import make_seed
from simulation.world import published_market_size

#: Environment variable naming a scenario TOML the dashboard starts from (set by
#: ``bposim viz --config FILE``); unset = the default scenario.
CONFIG_ENV = "BPOSIM_VIZ_CONFIG"
#: Model steps (quarters) per press of "Step" and per redraw while playing.
QUARTERS_PER_RENDER = 4
#: Pause between redraws while playing, milliseconds.
PLAY_INTERVAL_MS = 50
#: Dashboard defaults that are not scenario fields.
DEFAULT_SEED = 42
DEFAULT_VENDOR_COUNTRY = "IND"
#: Initial position of the tax-rate sliders (used only once their override box is ticked).
DEFAULT_OVERRIDE_TAX_RATE = 0.25


def home_countries(base: Scenario) -> list[str]:
    """ISO3 codes of the buyers' home countries (weight > 0 in ``buyer_home_weights``)."""
    return [c for c, w in base.population.buyer_home_weights.items() if w > 0]


def vendor_countries(base: Scenario) -> list[str]:
    """ISO3 codes where vendors are founded (weight > 0 in ``vendor_country_weights``),
    sorted alphabetically: the choices of the dashboard's vendor-country control."""
    return sorted(c for c, w in base.vendors.vendor_country_weights.items() if w > 0)


def tax_rate_overrides(base: Scenario, vendor_country: str, set_vendor_tax: bool,
                       vendor_tax_rate: float, set_home_tax: bool,
                       home_tax_rate: float) -> dict[str, float]:
    """Translate the dashboard's tax controls into ``countries.tax_rate_overrides``.

    Parameters
    ----------
    base : Scenario
        The scenario the dashboard starts from; its own ``tax_rate_overrides`` are kept
        unless a control replaces them.
    vendor_country : str
        ISO3 code of the vendor country whose rate the vendor control sets.
    set_vendor_tax, set_home_tax : bool
        Whether each override is on; when off, the rates come from the data (Tax
        Foundation corporate tax rates, ``simulation/data/corporate_tax_rates.csv``).
    vendor_tax_rate, home_tax_rate : float
        Statutory corporate tax rate, fraction (0-1), applied in every year.

    Returns
    -------
    dict
        ISO3 -> rate. The home rate goes to every buyer home country
        (:func:`home_countries`); the vendor rate goes to ``vendor_country`` and wins when
        that country is also a buyer home country (e.g. India).
    """
    out = dict(base.countries.tax_rate_overrides)
    if set_home_tax:
        out.update({c: float(home_tax_rate) for c in home_countries(base)})
    if set_vendor_tax:
        out[vendor_country] = float(vendor_tax_rate)
    return out


def dashboard_scenario(config: Scenario | str | os.PathLike | None = None, *,
                       vendor_country: str = DEFAULT_VENDOR_COUNTRY,
                       set_vendor_tax: bool = False,
                       vendor_tax_rate: float = DEFAULT_OVERRIDE_TAX_RATE,
                       set_home_tax: bool = False,
                       home_tax_rate: float = DEFAULT_OVERRIDE_TAX_RATE,
                       **drivers: Any) -> Scenario:
    """The scenario the dashboard's controls describe.

    Parameters
    ----------
    config : Scenario, str, Path or None
        Scenario to start from (default: the default scenario).
    vendor_country : str
        ISO3 code of the vendor country whose tax rate ``vendor_tax_rate`` sets.
    set_vendor_tax, set_home_tax : bool
        Turn the vendor-country / home-country tax overrides on (default off: data rates).
    vendor_tax_rate, home_tax_rate : float
        Statutory corporate tax rates, fraction; see :func:`tax_rate_overrides`.
    **drivers
        Any scenario field by its flat name, e.g. ``n_firms``, ``breach_hazard_scale``,
        ``coordination_cost_decline``, ``backlash_intensity``,
        ``offshore_labour_cost_growth`` (see ``docs/configuration.md``).

    Raises
    ------
    simulation.config.ConfigError
        If a value is out of range or a country code unknown.
    """
    base = config if isinstance(config, Scenario) else load_scenario(config)
    taxes = tax_rate_overrides(base, vendor_country, set_vendor_tax, vendor_tax_rate,
                               set_home_tax, home_tax_rate)
    return base.with_overrides(tax_rate_overrides=taxes, **drivers)


class DashboardModel(BPOModel):
    """:class:`~simulation.model.BPOModel` driven by the dashboard's controls.

    Mesa's ``ModelController`` re-creates the model on Reset as
    ``type(model)(**controls)``, so the dashboard's model is a class whose constructor
    takes the controls. It builds the
    model of :func:`dashboard_scenario` with the seed ``make_seed(seed)``, exactly as
    :func:`simulation.run.build_model` does; Mesa steps it.

    Parameters
    ----------
    config : Scenario, str, Path or None
        Scenario to start from (default: the default scenario).
    seed : int
        Root seed of the run (:func:`simulation.run.make_seed`, no spawn key).
    scenario : mesa.experimental.scenarios.Scenario, optional
        Ignored. Mesa's ``ModelController`` passes an empty Mesa scenario when it
        re-creates the model on Reset; bposim's scenario comes from ``config`` and the
        controls.
    **controls
        The other controls: ``vendor_country``, ``set_vendor_tax``, ``vendor_tax_rate``,
        ``set_home_tax``, ``home_tax_rate`` and scenario fields by flat name; see
        :func:`dashboard_scenario`.

    Raises
    ------
    simulation.config.ConfigError
        If a value is out of range or a country code unknown.
    """

    def __init__(self, config: Scenario | str | os.PathLike | None = None, *,
                 seed: int = DEFAULT_SEED, scenario: Any = None, **controls: Any):
        super().__init__(dashboard_scenario(config, **controls), rng=make_seed(seed))
        self.dashboard_seed = int(seed)


def field_help(flat_name: str) -> str:
    """A scenario field's unit and description from the schema (:mod:`simulation.config`),
    for a tooltip: ``"fraction per year. assumption: exponential fall of ..."``."""
    field = SECTIONS[field_index()[flat_name]].model_fields[flat_name]
    extra = field.json_schema_extra or {}
    return f"unit: {extra.get('unit', '')}. {extra.get('source', '')}"


def _slider(kind: str, label: str, value, lo, hi, step, fmt: str, help: str
            ) -> dict[str, Any]:
    """A slider spec (Mesa ``SolaraViz`` form plus ``format``, the value with its unit as
    a :meth:`str.format` string, and ``help``, its tooltip) whose range always contains
    ``value``."""
    return {"type": kind, "label": label, "value": value, "min": min(lo, value),
            "max": max(hi, value), "step": step, "format": fmt, "help": help}


def model_params(base: Scenario) -> dict[str, Any]:
    """The dashboard's controls in Mesa ``SolaraViz`` form, starting at ``base``'s values.

    Keys are :class:`DashboardModel` keyword arguments; the ``config`` entry is fixed.
    Every control also has ``help`` (its tooltip: the scenario field's unit and
    description from the schema) and sliders ``format`` (their value with its unit).
    Slider ranges (modelling choices for exploration, inside the schema's bounds, see
    ``docs/configuration.md``): firms 100-5000; seed 0-999; tax rates 0-0.5;
    offshore labour-cost growth -0.05 to 0.15 per year; breach hazard x0-x5;
    coordination-cost decline -0.05 to 0.15 per year; backlash 0-1 x in-house cost. A
    starting value outside a range widens it.
    """
    lab, coord, risk = base.labour, base.coordination, base.risk
    f, i = "SliderFloat", "SliderInt"
    tax = field_help("tax_rate_overrides")
    return {
        "config": base,
        "n_firms": _slider(i, "Firms", base.population.n_firms, 100, 5000, 100,
                           "{:,} simulated firms", field_help("n_firms") + ". Each stands "
                           "for real_buyer_firms / n_firms real firms: totals keep their "
                           "scale, more firms means less noise"),
        "seed": _slider(i, "Seed", DEFAULT_SEED, 0, 999, 1, "{}", "root seed of the "
                        "run's random numbers: the same seed and controls give the same "
                        "run; pinning a baseline and moving a control keeps the seed"),
        "vendor_country": {"type": "Select", "label": "Vendor country",
                           "value": DEFAULT_VENDOR_COUNTRY, "values": vendor_countries(base),
                           "help": "ISO3 code of the vendor country whose statutory "
                           "corporate tax rate 'Its tax rate' sets"},
        "set_vendor_tax": {"type": "Checkbox", "label": "Set its tax rate", "value": False,
                           "help": "on: the vendor country's rate is 'Its tax rate' in "
                           "every year; off: the data's rates (Tax Foundation)"},
        "vendor_tax_rate": _slider(f, "Its tax rate", DEFAULT_OVERRIDE_TAX_RATE, 0.0, 0.5,
                                   0.01, "{:.0%}", tax),
        "set_home_tax": {"type": "Checkbox", "label": "Set home-country tax rates",
                         "value": False, "help": "on: every buyer home country's rate is "
                         "'Home tax rate' in every year; off: the data's rates"},
        "home_tax_rate": _slider(f, "Home tax rate", DEFAULT_OVERRIDE_TAX_RATE, 0.0, 0.5,
                                 0.01, "{:.0%}", tax),
        "offshore_labour_cost_growth": _slider(
            f, "Offshore labour cost", lab.offshore_labour_cost_growth, -0.05, 0.15, 0.005,
            "{:+.1%} per year", field_help("offshore_labour_cost_growth")),
        "breach_hazard_scale": _slider(f, "Breach hazard", risk.breach_hazard_scale, 0.0,
                                       5.0, 0.1, "x{:.1f} the data's hazard",
                                       field_help("breach_hazard_scale")),
        "coordination_cost_decline": _slider(
            f, "Coordination decline", coord.coordination_cost_decline, -0.05, 0.15, 0.005,
            "{:.1%} per year", field_help("coordination_cost_decline")),
        "backlash_intensity": _slider(f, "Backlash", risk.backlash_intensity, 0.0, 1.0,
                                      0.02, "{:.2f} x in-house cost",
                                      field_help("backlash_intensity")),
    }


def slider_snap(spec: dict[str, Any], value: float) -> float:
    """``value`` as the browser's slider shows it: on the grid ``min + k * step`` and
    rounded to the step's decimals (Vuetify 2 ``VSlider.roundValue``). A starting value
    off the grid (a calibrated one, e.g. 0.02675 on a 0.005 grid) is snapped when the
    slider first renders; :func:`Controls` ignores that echo, so RESET keeps the exact
    value until the user moves the slider."""
    step = float(spec["step"])
    text = repr(step)
    decimals = len(text.partition(".")[2]) if "e" not in text else 12
    offset = math.fmod(float(spec["min"]), step)
    snapped = round((value - offset) / step) * step + offset
    return float(f"{min(snapped, float(spec['max'])):.{decimals}f}")


def initial_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """:class:`DashboardModel` keyword arguments at the controls' starting values."""
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}


def base_scenario() -> Scenario:
    """The scenario the dashboard starts from: ``$BPOSIM_VIZ_CONFIG`` or the default."""
    return load_scenario(os.environ.get(CONFIG_ENV) or None)


@lru_cache(maxsize=1)
def _published():
    return published_market_size()


# --------------------------------------------------------------------------- views
def live_frame(model: BPOModel):
    """The model's quarterly outputs on per-year units (:func:`trailing_year_frame`)."""
    return trailing_year_frame(quarterly_frame(model))


#: Outputs of the difference-to-baseline view.
DIFFERENCE_COLUMNS = ("market_acv_usd_bn", "tcv_signed_usd_bn", "share_offshore")


@dataclass(frozen=True)
class Baseline:
    """A run pinned for comparison: its quarterly outputs (:func:`live_frame`) and the
    line describing its drivers (:func:`run_description`)."""

    frame: pd.DataFrame
    description: str

    @classmethod
    def of(cls, model: BPOModel) -> "Baseline":
        return cls(live_frame(model), run_description(model))


def baseline_difference(model: BPOModel, baseline: Baseline,
                        columns: tuple[str, ...] = DIFFERENCE_COLUMNS) -> pd.DataFrame:
    """The running model's outputs minus the baseline's, in the quarters both have:
    ``year`` (decimal) and ``columns``. With the same seed (the default), both runs draw
    the same random numbers, so the difference is the effect of the moved controls."""
    cur = live_frame(model).set_index("year")[list(columns)]
    base = baseline.frame.set_index("year")[list(columns)]
    common = cur.index.intersection(base.index)
    return (cur.loc[common] - base.loc[common]).reset_index()


def _when(model: BPOModel) -> str:
    if model.datacollector.model_vars.get("year"):
        return f"{model.year} Q{model.quarter}"
    return f"start ({model.scenario_config.time.start_year} Q1 next)"


def png_bytes(fig) -> bytes:
    """A figure as PNG at the house resolution (for the PNG downloads)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=plotting.STYLE["dpi"])
    return buf.getvalue()


def _show(fig, name: str, table: pd.DataFrame, model: BPOModel) -> solara.Element:
    """A plot with its downloads: the figure as PNG and the table behind it as CSV, named
    after the plot and the quarter shown (``market_size_2001Q4.png``)."""
    stem = f"{name}_{_when(model).split(' (')[0].replace(' ', '')}"
    with solara.Column(gap="0px") as col:
        solara.FigureMatplotlib(fig, format="png", dpi=80)
        with solara.Row(gap="4px", classes=["bposim-downloads"]):
            solara.FileDownload(lambda: png_bytes(fig), filename=f"{stem}.png",
                                label="PNG", mime_type="image/png")
            solara.FileDownload(lambda: table.to_csv(index=False), filename=f"{stem}.csv",
                                label="CSV", mime_type="text/csv")
    return col


def run_description(model: BPOModel) -> str:
    """One line with the driver values the running model uses (set at its last Reset)."""
    sc = model.scenario_config
    tax = sc.countries.tax_rate_overrides
    taxes = ", ".join(f"{c} {r:.0%}" for c, r in sorted(tax.items())) if tax else "data"
    return (f"{sc.population.n_firms} firms · seed {model.dashboard_seed} · offshore "
            f"labour-cost growth {sc.labour.offshore_labour_cost_growth:+.1%}/yr · breach "
            f"hazard x{sc.risk.breach_hazard_scale:.1f} · coordination-cost decline "
            f"{sc.coordination.coordination_cost_decline:.1%}/yr · backlash "
            f"{sc.risk.backlash_intensity:.2f} · tax rates: {taxes}")


def Summary(model: BPOModel, baseline: Baseline | None = None) -> solara.Element:
    """The state of the market (quarter, ACV, offshore share, vendors), the run's driver
    values and the pinned baseline's, as plain text (``solara.Markdown`` would fetch a
    diagram library)."""
    q = model.datacollector.model_vars
    if not q.get("year"):
        state = (f"Spin-up done. Press STEP to simulate "
                 f"{model.scenario_config.time.start_year} (one year per press).")
    else:
        per = 1000 / model.scenario_config.population.n_firms
        state = (f"{model.year} Q{model.quarter} · ACV {q['market_acv_usd_bn'][-1]:.1f} "
                 f"USD bn · offshore {q['share_offshore'][-1]:.0%} of ACV · "
                 f"{q['n_vendors'][-1]} vendors · {q['n_breaches'][-1] * per:.0f} breaches "
                 "per 1,000 firms this quarter")
    with solara.Column(gap="4px", classes=["bposim-summary"]) as col:
        solara.Text(state, style={"font-weight": "bold", "font-size": "1.1em"})
        solara.Text(f"This run: {run_description(model)}")
        if baseline is not None:
            solara.Text(f"Baseline: {baseline.description}")
    return col


def MarketSize(model: BPOModel) -> solara.Element:
    """Market size: ACV of active contracts and TCV signed (trailing year), USD bn."""
    live = live_frame(model)
    return _show(plotting.market_size_figure(
        live, _published(), title=f"Outsourcing market size, {_when(model)}"), "market_size",
        live[["year", "market_acv_usd_bn", "tcv_signed_usd_bn"]], model)


def LocationShares(model: BPOModel) -> solara.Element:
    """Onshore / nearshore / offshore shares of ACV."""
    live = live_frame(model)
    return _show(plotting.location_shares_figure(live), "location_shares",
                 live[["year", "share_onshore", "share_nearshore", "share_offshore"]], model)


def AcvByCountry(model: BPOModel) -> solara.Element:
    """ACV by vendor country in the current year (mean of its quarters so far)."""
    table = acv_by_country_frame(model)
    if len(table):
        table = table[table["year"] == table["year"].max()].sort_values(
            "acv_usd_bn", ascending=False)
    return _show(plotting.acv_by_country_figure(table), "acv_by_country", table, model)


def Events(model: BPOModel) -> solara.Element:
    """Breaches, early terminations, back-sourcing and reshoring (trailing year), per
    1,000 real firms."""
    n = model.scenario_config.population.n_firms
    live = live_frame(model)
    table = plotting.per_thousand_firms(live[["year", *plotting.COUNT_COLUMNS]], n)
    return _show(plotting.events_figure(live, n), "events", table, model)


def WorkFlows(model: BPOModel) -> solara.Element:
    """Home x vendor-country ACV flow matrix of the current quarter."""
    matrix = acv_flow_matrix(model)
    return _show(plotting.flow_matrix_figure(
        matrix, title=f"Where the work flows (ACV, USD bn), {_when(model)}"), "work_flows",
        matrix.rename_axis(index="home_iso3").reset_index(), model)


def Difference(model: BPOModel, baseline: Baseline) -> solara.Element:
    """This run minus the pinned baseline: ACV, TCV signed, offshore share."""
    diff = baseline_difference(model, baseline)
    return _show(plotting.baseline_difference_figure(
        diff, DIFFERENCE_COLUMNS, title=f"Difference to the baseline, {_when(model)}"),
        "difference_to_baseline", diff, model)


#: The dashboard's plots, in display order (two per row on wide screens); with a pinned
#: baseline, :func:`Difference` comes first.
VIEWS = (MarketSize, LocationShares, AcvByCountry, Events, WorkFlows)

_CSS = """.bposim-views img {max-width: 100%; height: auto;}
.bposim-value {font-size: 0.85em; color: #555; margin: -14px 0 6px 0;}"""


@solara.component
def Views(model: BPOModel, baseline: Baseline | None = None):
    """The main area: :func:`Summary`, the difference to the baseline (if one is pinned)
    and the :data:`VIEWS`, redrawn after every step."""
    update_counter.get()  # Mesa bumps this after each step / reset: redraw
    solara.Style(_CSS)
    with solara.Column(classes=["bposim-views"]) as main:
        Summary(model, baseline)
        if baseline is not None:
            Difference(model, baseline)
        with solara.ColumnsResponsive(default=12, large=6):
            for view in VIEWS:
                view(model)
    return main


def use_dashboard_model(config: Scenario | None = None):
    """Hook: the controls (:func:`model_params`) and a reactive :class:`DashboardModel` at
    their starting values, created once per page or notebook cell."""
    params = solara.use_memo(lambda: model_params(config or base_scenario()), [])
    first = solara.use_memo(lambda: DashboardModel(**initial_kwargs(params)), [])
    return params, solara.use_reactive(first)


def format_value(spec: dict[str, Any], value: Any) -> str:
    """A control's value as shown beside it, with its unit (the spec's ``format``)."""
    fmt = spec.get("format")
    return fmt.format(value) if fmt else str(value)


@solara.component
def Control(spec: dict[str, Any], value: Any, on_value):
    """One control (slider, select or checkbox) with its value and unit, and the
    scenario field's unit and description from the schema as a tooltip."""
    kind = spec["type"]
    with solara.Tooltip(spec.get("help", spec["label"])) as tip:
        with solara.Column(gap="0px", classes=["bposim-control"]):
            if kind in ("SliderFloat", "SliderInt"):
                slider = solara.SliderFloat if kind == "SliderFloat" else solara.SliderInt
                slider(spec["label"], value=value, on_value=on_value, min=spec["min"],
                       max=spec["max"], step=spec["step"], thumb_label=False)
                solara.Text(format_value(spec, value), classes=["bposim-value"])
            elif kind == "Select":
                solara.Select(spec["label"], value=value, values=spec["values"],
                              on_value=on_value)
            elif kind == "Checkbox":
                solara.Checkbox(label=spec["label"], value=value, on_value=on_value)
            else:
                raise ValueError(f"{kind}: not a dashboard control type")
    return tip


@solara.component
def Controls(params: dict[str, Any], parameters: solara.Reactive[dict]):
    """The model's controls (:func:`model_params`): each a :func:`Control`. Their values
    go to ``parameters``, from which RESET builds the model."""
    user = {k: v for k, v in params.items() if isinstance(v, dict) and "type" in v}
    start = initial_kwargs(params)
    solara.use_effect(lambda: parameters.set(dict(start)), [])

    def change(name: str, value: Any) -> None:
        current = parameters.value.get(name, start[name])
        if user[name]["type"] == "SliderFloat" and value != current \
                and value == slider_snap(user[name], current):
            return  # the browser's slider put the exact (calibrated) value on its grid
        parameters.set({**start, **parameters.value, name: value})

    for name, spec in user.items():
        Control(spec, parameters.value.get(name, spec["value"]),
                lambda v, name=name: change(name, v))


@solara.component
def ControlPanel(model: solara.Reactive[BPOModel], params: dict[str, Any],
                 baseline: solara.Reactive[Baseline | None]):
    """RESET / ▶ / STEP (Mesa's ``ModelController``; one STEP = one year), the quarter
    simulated, PIN AS BASELINE / CLEAR BASELINE, and the model's controls
    (:func:`Controls`), which take effect on RESET."""
    parameters = solara.use_reactive({})
    play = solara.use_reactive(PLAY_INTERVAL_MS)
    render = solara.use_reactive(QUARTERS_PER_RENDER)
    threads = solara.use_reactive(False)
    update_counter.get()  # redraw the quarter; a step enables "Pin as baseline"
    stepped = bool(model.value.datacollector.model_vars.get("year"))
    with solara.Column() as col:
        with solara.Card("Run"):
            ModelController(model, model_parameters=parameters, play_interval=play,
                            render_interval=render, use_threads=threads)
            solara.Text(f"Simulated to: {_when(model.value)}", classes=["bposim-when"])
            with solara.Row(justify="space-between"):
                solara.Button("Pin as baseline", disabled=not stepped, text=True,
                              on_click=lambda: baseline.set(Baseline.of(model.value)))
                solara.Button("Clear baseline", disabled=baseline.value is None, text=True,
                              on_click=lambda: baseline.set(None))
        with solara.Card("Model parameters"):
            solara.Text("Hover over a control for its unit and source; RESET applies it.",
                        style={"font-size": "0.85em"})
            Controls(params, parameters)
    return col


@solara.component
def Page():
    """The dashboard in a browser (``bposim viz``, ``solara run simulation/viz.py``).

    Built from Mesa's ``SolaraViz`` parts (``ModelController`` owns the Step / Play /
    Reset logic; Reset re-creates :class:`DashboardModel` from the controls) in Solara's
    app layout: the controls in the sidebar, the plots in the main area. One model per
    browser session. ``SolaraViz`` itself is not used: its render-interval slider (step
    2 from 1) cannot hold one year (4 quarters) per STEP.
    """
    params, model = use_dashboard_model()
    baseline = solara.use_reactive(None)
    with solara.Column() as page:
        with solara.AppBar():
            solara.AppBarTitle("bposim: BPO market dashboard")
        with solara.Sidebar():
            ControlPanel(model, params, baseline)
        Views(model.value, baseline.value)
    return page


@solara.component
def Notebook(config: Scenario | None = None):
    """The dashboard inside Jupyter: ``from simulation.viz import Notebook; Notebook()``.

    The same controls and plots as :func:`Page`, laid out inline (a notebook cell has no
    app bar or sidebar).

    Parameters
    ----------
    config : Scenario, optional
        Scenario to start from (default: ``$BPOSIM_VIZ_CONFIG`` or the default scenario).
    """
    params, model = use_dashboard_model(config)
    baseline = solara.use_reactive(None)
    with solara.Columns([1, 3]) as main:
        with solara.Column(style={"min-width": "260px"}):
            ControlPanel(model, params, baseline)
        Views(model.value, baseline.value)
    return main


__all__ = ["Page", "Notebook", "Views", "DashboardModel", "dashboard_scenario",
           "model_params", "tax_rate_overrides", "home_countries", "vendor_countries",
           "initial_kwargs", "base_scenario", "use_dashboard_model", "ControlPanel", "live_frame",
           "run_description", "VIEWS", "CONFIG_ENV", "Baseline", "baseline_difference",
           "Difference", "DIFFERENCE_COLUMNS", "Control", "Controls", "format_value",
           "field_help", "png_bytes"]
