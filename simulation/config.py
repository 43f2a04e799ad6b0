"""The scenario schema: every model parameter, its type, unit, bounds, default and source.

This module is the single place where a parameter is defined. The shipped default scenario
file ``simulation/scenarios/default.toml`` is generated from it (``bposim config --dump``) and
a test checks that the two agree. A user scenario is a TOML file that overrides any subset
of the fields; it is validated here, so an unknown key, a wrong type or an out-of-range value
stops with a one-line :class:`ConfigError` that names the field and what is allowed.

Values marked *assumption* are modelling choices, not empirical figures; values with a
dataset source are copied from ``simulation/data`` (see ``SOURCES.md`` there).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from pydantic import (BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from simulation.inputs import ConfigError, read_toml
from simulation.messages import echo

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "default.toml"
#: The shipped calibration (issue #13): an overlay of fitted values on ``default.toml``.
#: Together they are the default scenario (:func:`load_scenario`); ``bposim calibrate
#: --install`` replaces it and ``calibration.json`` beside it.
CALIBRATED_SCENARIO = SCENARIO_DIR / "calibrated.toml"


def P(default: Any, unit: str, source: str, **bounds: Any) -> Any:
    """Declare a parameter with its unit and source (used only inside this module)."""
    return Field(default, json_schema_extra={"unit": unit, "source": source}, **bounds)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True,
                              allow_inf_nan=False)


class TimeConfig(_Section):
    start_year: int = P(2000, "year", "issue #2: the default span starts 2000Q1", ge=1991, le=2100)
    end_year: int = P(2030, "year", "issue #2: the default span ends 2030Q4", ge=1991, le=2300)
    spinup_years: int = P(
        10, "years",
        "assumption: years simulated before start_year (all firms start in-house) and not "
        "reported, so the market of start_year emerges from the mechanics", ge=0, le=30)


class DemandShock(_Section):
    year: int = Field(ge=1900, le=2300)
    quarter: int = Field(ge=1, le=4)
    depth: float = Field(ge=0.0, le=1.0)
    recovery_quarters: int = Field(ge=1, le=200)
    #: Processes hit: a group ("all", "ito", "bpo", "front", "back") or a list of process
    #: names and/or groups (their union).
    processes: str | list[str] = "all"
    #: Buyer home countries hit: "all" or a list of ISO3 codes.
    home: str | list[str] = "all"

    @field_validator("processes")
    @classmethod
    def _known_processes(cls, v: str | list[str]) -> str | list[str]:
        from simulation.mechanisms import PROCESS_GROUPS
        from simulation.world import known_process_names

        items = [v] if isinstance(v, str) else v
        if not items:
            raise ValueError("must name at least one process or group")
        allowed = (*PROCESS_GROUPS, *known_process_names())
        for item in items:
            if item not in allowed:
                raise ValueError(f"unknown process or group {item!r}; allowed: "
                                 + ", ".join(allowed))
        return v

    @field_validator("home")
    @classmethod
    def _known_homes(cls, v: str | list[str]) -> str | list[str]:
        from simulation.world import known_country_codes

        if isinstance(v, str):
            if v != "all":
                raise ValueError('must be "all" or a list of ISO3 codes')
            return v
        if not v:
            raise ValueError("must list at least one country (or be \"all\")")
        known = known_country_codes()
        for code in v:
            if code not in known:
                raise ValueError(f"unknown country code {code!r}; allowed: "
                                 + ", ".join(sorted(known)))
        return v


class PopulationConfig(_Section):
    n_firms: int = P(2000, "simulated buyer firms", "assumption; any size >= 1 works", ge=1,
                     le=5_000_000)
    real_buyer_firms: float = P(
        2000.0, "real firms",
        "assumption: the buyers of large outsourcing contracts are the world's largest firms; "
        "order of magnitude after the Forbes Global 2000 list. Each simulated firm stands for "
        "real_buyer_firms / n_firms real firms", gt=0, le=1e9)
    employees_min: float = P(
        2000.0, "employees", "assumption: smallest buyer firm (Pareto scale)", gt=0, le=1e7)
    employees_max: float = P(
        2_500_000.0, "employees",
        "assumption: truncation of the size distribution near the largest employer (Walmart, "
        "about 2.1 million employees)", gt=0, le=1e8)
    productivity_pareto_shape: float = P(
        3.0, "-",
        "assumption: Pareto shape k of firm productivity (Helpman, Melitz & Yeaple 2004, AER "
        "94(1)); with size_elasticity 2.8 firm size is Pareto with shape k/2.8 = 1.07, close to "
        "Axtell (2001, Science 293) Zipf exponent 1.06", gt=0.1, le=100)
    stratified_sizes: bool = P(
        True, "-", "sampling design, not an assumption about the world: firms' productivity "
        "quantiles are drawn one per stratum (stratum i of n_firms equal-probability strata, "
        "in random order) instead of independently, so every run has the Pareto tail's "
        "share of giant firms; the distribution is the same, the run-to-run noise of "
        "totals smaller (issue #13)")
    size_elasticity: float = P(
        2.8, "-", "assumption: sigma - 1 with CES elasticity sigma = 3.8 (Bernard, Eaton, "
        "Jensen & Kortum 2003, AER 93(4)); employees = employees_min * productivity**(sigma-1)",
        gt=0, le=20)
    processes: list[str] = P(
        ["accounting", "payroll", "payment_processing", "it_services", "hr_administration",
         "compliance", "quality_assurance", "technical_support", "customer_service", "sales",
         "marketing"],
        "process names", "the processes every firm runs (a subset of the 11 in "
        "simulation/data/processes.csv; labour intensities and wage multipliers from BLS OES "
        "2015, IT's non-labour share from Gartner, the other attributes modelling "
        "assumptions)")
    buyer_home_weights: dict[str, float] = P(
        {"USA": 0.45, "CAN": 0.04, "GBR": 0.10, "DEU": 0.08, "FRA": 0.06, "NLD": 0.03,
         "IRL": 0.01, "JPN": 0.07, "AUS": 0.05, "SGP": 0.01, "ISR": 0.01, "CHN": 0.03,
         "IND": 0.02, "BRA": 0.02, "MEX": 0.01, "ZAF": 0.01},
        "relative weight",
        "assumption: the buyer mix by home country, with North America the largest buyer "
        "region (about half of contract value in industry indexes); weights are normalised")
    inhouse_cost_sigma: float = P(
        0.27, "log units",
        "lognormal dispersion (mean 1) of a firm-process pair's in-house cost, drawn once per "
        "pair: ln 2 / 2.563 from a within-industry 90-10 TFP ratio of about 2 (Syverson 2004, "
        "REStat 86(2); Syverson 2011, JEL 49(2)); 0.49 from the interquartile range of log "
        "labour productivity, 0.66. Applying plant dispersion to a process is an assumption",
        ge=0, le=5)


class DemandConfig(_Section):
    demand_growth: float = P(
        0.03, "fraction per year",
        "assumption: growth of the work volume of each firm-process (nominal, all sources of "
        "growth)", ge=-0.5, le=1.0)
    it_as_a_service_scale: float = P(
        1.0, "-", "assumption, calibrated: IT-services work bought as a service (cloud) "
        "instead of as labour = this x the ISG as-a-service share of IT spend "
        "(isg_index.csv; mechanisms.it_work_bought_as_a_service); 1 = one for one, 0 = off",
        ge=0, le=3)
    cloud_start_year: int = P(
        2006, "year", "assumption: no IT work is bought as a service before this year (the "
        "first IaaS offer, Amazon EC2, 2006)", ge=1900, le=2300)
    shocks: list[DemandShock] = P(
        [DemandShock(year=2009, quarter=1, depth=0.15, recovery_quarters=8),
         DemandShock(year=2020, quarter=2, depth=0.10, recovery_quarters=4)],
        "list", "assumption: exogenous demand shocks (the 2009 recession, the 2020 pandemic). "
        "A shock cuts the volume of newly signed work and the review hazard by depth, "
        "recovering linearly over recovery_quarters. Optional keys: processes (\"all\", "
        "\"ito\", \"bpo\", \"front\", \"back\" or a list of process names) and home (\"all\" "
        "or a list of ISO3 buyer home countries) confine a shock to those reviews. "
        "Parameters, not fitted")


class LabourConfig(_Section):
    cost_to_wage_ratio: float = P(
        1.8, "x base wage",
        "assumption: fully loaded cost per productive hour / base wage (employer benefits of "
        "20-50 % in labour_costs.csv, plus facilities, IT, supervision and utilisation)",
        gt=0, le=100)
    onsite_delivery_share: float = P(
        0.26, "fraction of billed effort",
        "Infosys, offshore share of billed person-hours 72.4 % (quarter to March 2020) and "
        "75.7 % (to March 2021) (Livemint, 2021-04-20): 24-28 % onsite, mean 0.26. A vendor "
        "working from another country than the buyer's delivers this share of the effort "
        "onsite at the buyer country's labour cost (applying it to every cross-border vendor "
        "is an assumption)", ge=0, le=1)
    gdp_growth_after_data_clip: float = P(
        0.08, "fraction per year",
        "assumption: after the last GDP-per-capita year each country grows at its own "
        "compound growth of the last 10 observed years, clipped to +/- this value", ge=0, le=1)
    offshore_labour_cost_growth: float = P(
        0.0, "fraction per year",
        "scenario lever (wage convergence): extra labour-cost growth, from start_year, in "
        "every low-cost vendor country (see low_cost_threshold), whether or not it is also a "
        "buyer home country (India, China, Mexico, Brazil, South Africa included)", ge=-0.5,
        le=1.0)
    wage_convergence_rate: float = P(
        0.0, "fraction of the log gap per year",
        "scenario lever (wage convergence): from start_year, the log gap between the labour "
        "cost of every low-cost vendor country (see low_cost_threshold) and the buyer-weighted "
        "mean labour cost of the buyers' home countries closes at this rate, so the poorest "
        "countries' labour costs rise most. Barro & Sala-i-Martin (1992, 'Convergence', JPE "
        "100(2)) estimate about 0.02 per year for incomes; applying it to labour cost is an "
        "assumption", ge=0, le=1.0)
    low_cost_threshold: float = P(
        0.5, "x buyer-weighted mean labour cost",
        "assumption: the countries offshore_labour_cost_growth and wage_convergence_rate "
        "apply to are those whose "
        "labour cost in start_year is below this fraction of the buyer-weighted mean labour "
        "cost of the buyers' home countries; with the shipped data any value from 0.44 to 0.81 "
        "selects the same 23 countries (all but the 11 high-income ones)", gt=0, le=100)
    labour_cost_multiplier: dict[str, float] = P(
        {}, "x", "scenario lever: multiplies a country's labour cost in every year")
    labour_cost_overrides_usd_per_hour: dict[str, float] = P(
        {}, "USD/hour",
        "scenario lever: replaces a country's base wage level (in the fit's anchor year, "
        "2024); other years follow GDP per capita with the fitted elasticity")


class DecisionConfig(_Section):
    review_hazard: float = P(
        0.03, "probability per quarter",
        "assumption: chance that a firm reviews an in-house process or a running contract in "
        "a quarter (besides reviews at contract expiry)", ge=0, le=1)
    logit_intensity: float = P(
        5.0, "1 / (cost relative to in-house)",
        "assumption: intensity of choice of the multinomial logit over all-in costs divided "
        "by the in-house cost (McFadden 1974)", ge=0, le=1000)
    nest_scale: float = P(
        0.3, "-", "assumption: nesting parameter mu of the nested logit (in-house / vendors "
        "/ captive nests; McFadden 1978). 1 = plain multinomial logit", gt=0, le=1)
    status_quo_inertia: float = P(
        0.4, "utility units", "assumption: utility bonus of the current arrangement "
        "(Samuelson & Zeckhauser 1988, status quo bias)", ge=0, le=100)
    consideration_set_size: int = P(
        4, "vendors", "assumption: vendors sampled per review besides the incumbent", ge=0,
        le=100)
    hidden_cost_bias: float = P(
        0.4, "fraction",
        "assumption: share of hidden costs (coordination, governance, transition) that an "
        "inexperienced firm overlooks; after Larsen, Manning & Pedersen (2013), 'Uncovering "
        "the hidden costs of offshoring', Strategic Management Journal 34(5)", ge=0, le=1)
    experience_scale_years: float = P(
        5.0, "outsourced process-years",
        "assumption: the bias falls as exp(-experience / scale); experience counts the "
        "firm's years of outsourced process-quarters", gt=0, le=1000)
    poor_value_tolerance: float = P(
        0.15, "fraction", "assumption: a contract is poor value in a quarter when its realised "
        "all-in cost exceeds the in-house cost by more than this", ge=0, le=10)
    poor_value_quarters: int = P(
        4, "quarters", "assumption: consecutive poor-value quarters before early termination",
        ge=1, le=400)


class CoordinationConfig(_Section):
    coordination_cost_2000: float = P(
        2.5, "x in-house cost",
        "assumption: coordination-cost scale in 2000 (Grossman & Rossi-Hansberg 2008, AER "
        "98(5): the cost of offshoring a task rises with its coordination need)", ge=0, le=100)
    coordination_cost_decline: float = P(
        0.04, "fraction per year",
        "assumption: exponential fall of the coordination-cost scale as ICT improves", ge=-1,
        le=1)
    coordination_cost_floor: float = P(
        0.5, "x in-house cost", "assumption: level the coordination-cost scale declines "
        "towards", ge=0, le=100)
    friction_base: float = P(0.1, "-", "assumption: friction of any outsourcing, onshore too",
                             ge=0, le=100)
    friction_timezone: float = P(0.5, "per 12 h gap", "assumption", ge=0, le=100)
    friction_language: float = P(
        0.3, "-", "assumption: added unless both countries have English as an official "
        "language or they are the same country", ge=0, le=100)
    friction_distance: float = P(0.2, "per 10,000 km between capitals", "assumption", ge=0,
                                 le=100)


class RiskConfig(_Section):
    breach_hazard_scale: float = P(
        1.0, "x", "scenario lever on the breach hazard. The base hazard per quarter comes from "
        "the IBM/Ponemon probability of a material breach within 24 months (breach_costs.csv)",
        ge=0, le=1000)
    offshore_breach_hazard_multiplier: float = P(
        1.5, "x", "assumption: breach hazard of offshore vendors relative to onshore ones "
        "(weaker legal recourse across jurisdictions)", ge=0, le=1000)
    breach_termination_prob: float = P(
        0.3, "probability", "assumption: chance that a breach ends the contract early", ge=0,
        le=1)
    backlash_intensity: float = P(
        0.10, "x in-house cost",
        "assumption: expected annual customer-backlash cost of sending customer-facing work "
        "offshore (Grappi, Romani & Bagozzi 2015, J. Acad. Marketing Science 43)", ge=0,
        le=100)
    political_risk_scale: float = P(
        0.15, "x vendor fee", "assumption: risk premium at the least stable country (WGI "
        "political stability -2.5); zero at +1 and above", ge=0, le=100)


class TransitionConfig(_Section):
    switching_cost_fraction: float = P(
        0.15, "x annual cost", "assumption: one-off transition cost of a change of "
        "arrangement, amortised over the contract term", ge=0, le=100)
    asset_specificity_scale: float = P(
        1.0, "-", "assumption: switching cost x (1 + scale * asset_specificity) (Williamson "
        "1985)", ge=0, le=100)
    governance_cost_scale: float = P(
        0.10, "x vendor fee", "assumption: annual governance cost of a contract = scale * "
        "asset_specificity * fee (Williamson 1985)", ge=0, le=100)
    fixed_cost_domestic_usd_m: float = P(
        0.2, "USD million", "assumption: fixed transition cost of outsourcing to an onshore "
        "vendor", ge=0, le=1e6)
    fixed_cost_offshore_usd_m: float = P(
        0.5, "USD million", "assumption: fixed transition cost of outsourcing to a nearshore "
        "or offshore vendor", ge=0, le=1e6)
    fixed_cost_captive_usd_m: float = P(
        3.0, "USD million", "assumption: fixed cost of setting up a captive centre in a "
        "country where the firm has none (Antras & Helpman 2004: f_V > f_O)", ge=0, le=1e6)
    fixed_cost_backsourcing_usd_m: float = P(
        0.3, "USD million", "assumption: fixed cost of taking work back in-house", ge=0,
        le=1e6)


class ContractConfig(_Section):
    term_mean_early_years: float = P(
        6.5, "years", "issue #2 stylised fact (TPI/ISG Index commentary): mean term about 6.5 "
        "years around 2000", gt=0, le=50)
    term_mean_late_years: float = P(
        3.75, "years", "derived (isg_index.csv): ACV-weighted mean term of the index's "
        "contracts in 2015 = Statista 189788 TCV 88.9 / ISG Index traditional-sourcing ACV "
        "23.7 (USD bn); ISG 4Q15: durations kept falling in 2015", gt=0, le=50)
    term_drift_start_year: int = P(2000, "year", "year of the early figure (TPI commentary)",
                                   ge=1900, le=2300)
    term_drift_end_year: int = P(2015, "year", "year of the late figure (ISG 4Q15 Index); "
                                 "assumption: linear drift between, constant after",
                                 ge=1900, le=2300)
    term_gamma_shape: float = P(8.0, "-", "assumption: gamma shape of the term distribution",
                                gt=0, le=1000)
    term_min_quarters: int = P(4, "quarters", "assumption: shortest term", ge=1, le=400)
    index_min_acv_usd_m: float = P(
        5.0, "USD million per year", "ISG Index threshold: the published deal index counts "
        "commercial contracts with ACV >= USD 5 M (ISG Index releases 2015-2021; "
        "isg_index.csv); measurement only, no agent sees it", ge=0, le=1e6)


class VendorConfig(_Section):
    n_initial_vendors: int = P(
        300, "real vendors", "assumption: vendors at the start of the spin-up; simulated "
        "vendors are sampled like firms: round(this x n_firms / real_buyer_firms), at least "
        "1", ge=0, le=1_000_000)
    initial_capacity_fte_median: float = P(
        300.0, "FTE", "assumption: median vendor capacity at entry (lognormal)", gt=0, le=1e7)
    capacity_sigma: float = P(1.0, "log units", "assumption: lognormal sigma of entry "
                              "capacity", ge=0, le=10)
    specialisation_prob: float = P(
        0.4, "probability", "assumption: chance that a vendor offers a given process (at "
        "least one)", gt=0, le=1)
    target_after_tax_margin: float = P(
        0.12, "fraction of cost", "assumption: vendors price at unit cost x (1 + m / (1 - "
        "t)) so that the after-tax margin is m whatever their effective tax rate t (the host's "
        "statutory rate, or the BPO export regime's rate for foreign buyers)", ge=0, le=10)
    margin_step: float = P(0.005, "per quarter", "assumption: margin adjustment to "
                           "utilisation", ge=0, le=1)
    margin_min: float = P(0.02, "fraction", "assumption", ge=0, le=10)
    margin_max: float = P(0.30, "fraction", "assumption", ge=0, le=10)
    vendor_efficiency: float = P(
        0.8, "vendor hours per in-house hour", "assumption: specialised vendors need fewer "
        "hours (scale, process know-how); savings of this order are the usual promise of "
        "onshore outsourcing", gt=0, le=100)
    progress_ratio: float = P(
        0.9, "-", "assumption within the range of Argote & Epple (1990, Science 247): unit "
        "cost falls to this fraction with each doubling of cumulative output", gt=0, le=1)
    learning_floor: float = P(0.6, "x", "assumption: learning never cuts cost below this",
                              gt=0, le=1)
    security_beta_a: float = P(4.0, "-", "assumption: vendor security ~ Beta(a, b); hazard "
                               "multiplier (1 - security) / mean(1 - security)", gt=0, le=1000)
    security_beta_b: float = P(4.0, "-", "assumption", gt=0, le=1000)
    reputation_initial: float = P(0.6, "0-1", "assumption", ge=0, le=1)
    reputation_breach_penalty: float = P(0.5, "fraction lost per breach", "assumption", ge=0,
                                         le=1)
    reputation_recovery: float = P(0.05, "per quarter", "assumption: pull back to the "
                                   "initial reputation", ge=0, le=1)
    capacity_growth: float = P(0.15, "fraction", "assumption: capacity added when "
                               "utilisation is high", ge=0, le=10)
    capacity_lag_quarters: int = P(2, "quarters", "assumption: delay before added "
                                   "capacity arrives", ge=0, le=100)
    utilisation_expand: float = P(0.8, "fraction", "assumption", gt=0, le=1)
    utilisation_shrink: float = P(0.4, "fraction", "assumption: below this, capacity "
                                  "shrinks by capacity_growth / 2", ge=0, le=1)
    idle_cost_fraction: float = P(0.3, "x unit cost", "assumption: cost of an idle "
                                  "capacity hour", ge=0, le=10)
    overhead_fte: float = P(
        15.0, "FTE at local cost", "assumption: fixed overhead of a vendor (management, "
        "sales, facilities), paid at the host country's loaded labour cost", ge=0, le=1e6)
    entry_grace_quarters: int = P(8, "quarters", "assumption: an entrant cannot exit before "
                                  "this many quarters", ge=0, le=400)
    exit_loss_quarters: int = P(4, "quarters", "assumption: consecutive loss quarters "
                                "before exit", ge=1, le=400)
    entry_rate: float = P(
        3.0, "real vendors per quarter", "assumption: mean of entrants when the market's "
        "margin equals the target; simulated entrants are Poisson with mean this x n_firms / "
        "real_buyer_firms x attractiveness", ge=0, le=1e5)
    vendor_country_weights: dict[str, float] = P(
        {"USA": 0.16, "GBR": 0.05, "CAN": 0.02, "DEU": 0.03, "FRA": 0.02, "NLD": 0.01,
         "IRL": 0.02, "JPN": 0.02, "AUS": 0.02, "IND": 0.20, "PHL": 0.08, "CHN": 0.04,
         "MYS": 0.02, "IDN": 0.01, "VNM": 0.01, "THA": 0.01, "LKA": 0.01, "BRA": 0.02,
         "MEX": 0.03, "CRI": 0.01, "COL": 0.01, "ARG": 0.01, "CHL": 0.01, "POL": 0.03,
         "ROU": 0.01, "CZE": 0.01, "HUN": 0.01, "BGR": 0.01, "UKR": 0.01, "ZAF": 0.01,
         "EGY": 0.01, "MAR": 0.01, "SGP": 0.01, "ISR": 0.01},
        "relative weight", "assumption: where vendors are founded, before tax; an entrant's "
        "country is drawn with probability proportional to weight x (1 + "
        "entry_agglomeration_weight x the country's ACV share) x exp(-entry_tax_semi_elasticity "
        "x the country's expected tax rate of a new unit)")
    entry_agglomeration_weight: float = P(
        10.0, "-", "assumption: entrants follow the market; weight of a country's ACV share in "
        "the location choice of entrants", ge=0, le=1e6)
    entry_tax_semi_elasticity: float = P(
        3.3, "per unit of tax rate", "de Mooij & Ederveen (2003), 'Taxation and foreign direct "
        "investment: a synthesis of empirical research', Int. Tax and Public Finance 10(6): "
        "673-693, median tax-rate semi-elasticity of FDI about -3.3 (a 1 pp lower host rate "
        "raises FDI by 3.3 %); low end 2.49, Feld & Heckemeyer (2011), J. Economic Surveys "
        "25(2): 233-272. Enters the entrants' location choice as exp(-s x t)", ge=0, le=100)
    entry_tax_discount_rate: float = P(
        0.10, "fraction per year", "assumption: discount rate of the present-value weights "
        "over a new unit's years (ages 1-60) when its expected tax rate is averaged across tax "
        "holidays (forward-looking effective average tax rate, Devereux & Griffith 2003; "
        "Klemm 2008, IMF WP 08/56)", gt=-0.5, le=10)


class CaptiveConfig(_Section):
    captives_enabled: bool = P(
        True, "switch", "Antras & Helpman (2004), 'Global sourcing', JPE 112(3): foreign "
        "integration. On: captive centres (GICs) are a large part of offshore delivery: about "
        "25 % of the global offshore services market (Everest Group, quoted by Moneycontrol "
        "2019-09-04), 18-23 % of India's IT exports 2015-2023 (HSBC Global Research, IANS "
        "2024-05-16), 58 % of US offshore implementations (Duke CIBER / Archstone 2005)")
    transfer_pricing_margin: float = P(
        0.10, "fraction of cost", "assumption: cost-plus mark-up the captive charges its "
        "parent; its profit is taxed at the host rate instead of the home rate", ge=0, le=10)
    captive_coordination_factor: float = P(0.8, "x", "assumption: integration eases "
                                           "coordination", ge=0, le=100)
    captive_efficiency: float = P(1.0, "captive hours per in-house hour", "assumption", gt=0,
                                  le=100)


class TaxChange(_Section):
    iso3: str
    year: int = Field(ge=1900, le=2300)
    rate: float = Field(ge=0.0, le=1.0)


class CountryConfig(_Section):
    tax_rate_overrides: dict[str, float] = P(
        {}, "fraction", "scenario lever: replaces a country's statutory corporate tax rate "
        "in every year")
    tax_rate_changes: list[TaxChange] = P(
        [], "list", "scenario lever: from `year` on, the country's rate is `rate` (fraction)")
    tax_regimes_enabled: bool = P(
        True, "switch", "BPO/IT-export tax regimes (tax holidays, SEZ schedules, India's MAT, "
        "the Philippines' PEZA 5 % of gross income) from simulation/data/tax_regimes.csv "
        "(sources in SOURCES.md); off = every vendor pays the statutory rate")


class Scenario(_Section):
    """A complete, validated scenario. Build it with :func:`load_scenario`."""

    time: TimeConfig = TimeConfig()
    population: PopulationConfig = PopulationConfig()
    demand: DemandConfig = DemandConfig()
    labour: LabourConfig = LabourConfig()
    decision: DecisionConfig = DecisionConfig()
    coordination: CoordinationConfig = CoordinationConfig()
    risk: RiskConfig = RiskConfig()
    transition: TransitionConfig = TransitionConfig()
    contracts: ContractConfig = ContractConfig()
    vendors: VendorConfig = VendorConfig()
    captives: CaptiveConfig = CaptiveConfig()
    countries: CountryConfig = CountryConfig()

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        t = self.time
        if t.end_year < t.start_year:
            raise ValueError(f"time.end_year: must be >= time.start_year ({t.start_year}), "
                             f"got {t.end_year}")
        if self.population.employees_max < self.population.employees_min:
            raise ValueError("population.employees_max: must be >= population.employees_min")
        c = self.contracts
        if c.term_drift_end_year < c.term_drift_start_year:
            raise ValueError("contracts.term_drift_end_year: must be >= "
                             "contracts.term_drift_start_year")
        v = self.vendors
        if v.margin_max < v.margin_min:
            raise ValueError("vendors.margin_max: must be >= vendors.margin_min")
        for name, weights in (("population.buyer_home_weights",
                               self.population.buyer_home_weights),
                              ("vendors.vendor_country_weights",
                               self.vendors.vendor_country_weights)):
            # relative weights; the bound keeps weight x (1 + 10 x share) finite (entry)
            if any(not math.isfinite(w) or not 0 <= w <= 1e9 for w in weights.values()):
                raise ValueError(f"{name}: weights must be finite, in [0, 1e9]")
            if sum(weights.values()) <= 0:
                raise ValueError(f"{name}: at least one weight must be > 0")
        for name, mapping, lo, hi in (
                ("countries.tax_rate_overrides", self.countries.tax_rate_overrides, 0, 1),
                ("labour.labour_cost_multiplier", self.labour.labour_cost_multiplier, 0, 1e6),
                ("labour.labour_cost_overrides_usd_per_hour",
                 self.labour.labour_cost_overrides_usd_per_hour, 0, 1e6)):
            for iso, val in mapping.items():
                if not (lo <= val <= hi):
                    raise ValueError(f"{name}.{iso}: must be in [{lo}, {hi:g}], got {val}")
                if name.startswith("labour") and val == 0:
                    raise ValueError(f"{name}.{iso}: must be > 0, got {val}")
        return self

    # ------------------------------------------------------------------ helpers
    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of the scenario, sections as nested dicts."""
        return self.model_dump(mode="python")

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of the scenario (hex, 64 characters)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def with_overrides(self, **flat: Any) -> "Scenario":
        """Return a copy with fields replaced by flat name (e.g. ``n_firms=500``).

        Raises
        ------
        ConfigError
            On an unknown name or a value the schema rejects.
        """
        nested = self.to_dict()
        index = field_index()
        for key, value in flat.items():
            if key not in index:
                raise ConfigError(f"{key}: unknown parameter; allowed: "
                                  + ", ".join(sorted(index)))
            nested[index[key]][key] = value
        return validate_scenario(nested, strict_types=False)


SECTIONS: dict[str, type[_Section]] = {
    name: field.annotation for name, field in Scenario.model_fields.items()}


def field_index() -> dict[str, str]:
    """Map each flat parameter name to its section (names are unique across sections)."""
    out: dict[str, str] = {}
    for section, cls in SECTIONS.items():
        for name in cls.model_fields:
            assert name not in out, name
            out[name] = section
    return out


def _format_error(err: ValidationError) -> str:
    e = err.errors()[0]
    loc = ".".join(echo(x) for x in e["loc"])
    msg = e["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
        if ":" in msg.split(" ")[0]:  # message already names its field
            return msg
    inp = e.get("input")
    shown = repr(inp) if not isinstance(inp, (dict, list)) else type(inp).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    where = loc or "scenario"
    if e["type"] == "extra_forbidden":
        section = SECTIONS.get(str(e["loc"][0])) if len(e["loc"]) == 2 else None
        if section is not None:
            return (f"{where}: unknown key; allowed in [{echo(e['loc'][0])}]: "
                    + ", ".join(section.model_fields))
        return f"{where}: unknown key; see docs/configuration.md for the allowed keys"
    return f"{where}: {msg.lower()} (got {shown})"


def validate_scenario(data: dict[str, Any], strict_types: bool = True) -> Scenario:
    """Validate a nested mapping (as read from TOML) into a :class:`Scenario`.

    Country codes are checked against the shipped country table.

    Raises
    ------
    ConfigError
        One line: ``section.field: what is wrong (got value)``.
    """
    if not isinstance(data, dict):
        raise ConfigError("scenario: must be a table of sections")
    try:
        if strict_types:
            sc = Scenario.model_validate(data)
        else:
            sc = Scenario.model_validate(data, strict=False)
    except ValidationError as err:
        raise ConfigError(_format_error(err)) from None
    _check_country_codes(sc)
    return sc


def _check_country_codes(sc: Scenario) -> None:
    from simulation.world import known_country_codes, known_process_names

    procs = sc.population.processes
    allowed_p = known_process_names()
    for name in procs:
        if name not in allowed_p:
            raise ConfigError(f"population.processes: unknown process {echo(repr(name))}; "
                              "allowed: " + ", ".join(allowed_p))
    if not procs or len(set(procs)) != len(procs):
        raise ConfigError("population.processes: must list at least one process, each once")

    known = known_country_codes()
    allowed = ", ".join(sorted(known))
    groups = {
        "population.buyer_home_weights": sc.population.buyer_home_weights.keys(),
        "vendors.vendor_country_weights": sc.vendors.vendor_country_weights.keys(),
        "countries.tax_rate_overrides": sc.countries.tax_rate_overrides.keys(),
        "countries.tax_rate_changes": [c.iso3 for c in sc.countries.tax_rate_changes],
        "labour.labour_cost_multiplier": sc.labour.labour_cost_multiplier.keys(),
        "labour.labour_cost_overrides_usd_per_hour":
            sc.labour.labour_cost_overrides_usd_per_hour.keys(),
    }
    for name, codes in groups.items():
        for code in codes:
            if code not in known:
                raise ConfigError(f"{name}: unknown country code {echo(repr(code))}; "
                                  f"allowed: {allowed}")


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key in SECTIONS:
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def load_scenario(path: str | Path | None = None, *, calibrated: bool = True,
                  **flat: Any) -> Scenario:
    """Load the default scenario, overlay a TOML file and flat overrides, validate.

    The default scenario is ``default.toml`` (every field, with its source) with the
    shipped calibration :data:`CALIBRATED_SCENARIO` overlaid (issue #13: one scenario for
    ``bposim run``, the dashboard, sweeps and ``bposim validate``).

    Parameters
    ----------
    path
        Optional TOML scenario; any subset of the sections of ``default.toml``, overlaid
        on the default scenario.
    calibrated
        False leaves out the calibration overlay (the uncalibrated base values of
        ``default.toml``; ``bposim run --uncalibrated``, and the calibration itself, whose
        result must not depend on the calibration installed before it).
    **flat
        Field overrides by flat name, e.g. ``n_firms=500``.

    Raises
    ------
    ConfigError
        On any invalid input, with a one-line message naming the field.
    """
    data = read_toml(DEFAULT_SCENARIO)
    if calibrated and CALIBRATED_SCENARIO.is_file():
        data = _deep_merge(data, read_toml(CALIBRATED_SCENARIO))
    if path is not None:
        user = read_toml(path)
        if not user:
            raise ConfigError(f"{echo(path, 160)}: the scenario file has no settings; give "
                              "at least one section such as [risk], or leave out --config")
        for key in user:
            if key not in SECTIONS:
                raise ConfigError(f"{echo(key)}: unknown section; allowed: "
                                  f"{', '.join(SECTIONS)}")
            if not isinstance(user[key], dict):
                raise ConfigError(f"{key}: must be a table, e.g. [{key}]")
        data = _deep_merge(data, user)
    sc = validate_scenario(data)
    if flat:
        sc = sc.with_overrides(**flat)
    return sc


# ---------------------------------------------------------------- default.toml generator
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(type(value))


def render_default_toml() -> str:
    """Render the default scenario as commented TOML (unit and source of every field)."""
    return render_scenario_toml(Scenario(), header=(
        "# bposim default scenario. GENERATED from simulation/config.py by",
        "# `bposim config --dump`; edit the schema, not this file."))


def render_scenario_toml(scenario: Scenario, header: tuple[str, ...] = (
        "# bposim effective scenario (all fields; loadable with --config)",)) -> str:
    """Render a scenario as commented TOML that :func:`load_scenario` reads back."""
    import textwrap

    lines = [*header,
             "# Every field: unit | source or rationale. 'assumption' = modelling choice.", ""]
    defaults = scenario.model_dump(mode="json")
    for section, cls in SECTIONS.items():
        lines.append(f"[{section}]")
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra or {}
            note = f"{extra.get('unit', '')} | {extra.get('source', '')}"
            for chunk in textwrap.wrap(note, 88):
                lines.append(f"# {chunk}")
            lines.append(f"{name} = {_toml_value(defaults[section][name])}")
        lines.append("")
    return "\n".join(lines)


def render_reference_markdown() -> str:
    """The configuration reference (``docs/configuration.md``), generated from the schema."""
    lines = ["# Configuration reference", "",
             "GENERATED from `simulation/config.py` by `bposim config --reference`; do not edit.",
             "", "A scenario file is TOML with any subset of the sections below; every field "
             "not given keeps its default. Validation is strict: unknown keys, wrong types "
             "and out-of-range values stop with a one-line error naming the field (exit "
             "status 2). Fields can also be passed to `BPOModel(...)` by their flat name.",
             "", "'assumption' marks a modelling choice, not an empirical figure.", ""]
    defaults = Scenario().model_dump(mode="json")
    for section, cls in SECTIONS.items():
        lines += [f"## `[{section}]`", "", "| field | type | default | bounds | unit | source "
                  "or rationale |", "| --- | --- | --- | --- | --- | --- |"]
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra or {}
            bounds = []
            for m in field.metadata:
                for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
                    if getattr(m, attr, None) is not None:
                        bounds.append(f"{sym} {getattr(m, attr)}")
            typ = getattr(field.annotation, "__name__", str(field.annotation))
            typ = str(field.annotation).replace("simulation.config.", "") \
                if "[" in str(field.annotation) else typ
            val = _toml_value(defaults[section][name]).replace("|", "\\|")
            lines.append(f"| `{name}` | {typ} | `{val}` | {', '.join(bounds)} | "
                         f"{extra.get('unit', '')} | {extra.get('source', '')} |")
        lines.append("")
    lines += ["## Nested tables", "",
              "`demand.shocks` items: `year` (int), `quarter` (1-4), `depth` (fraction 0-1), "
              "`recovery_quarters` (>= 1), optional `processes` (`\"all\"` (default), "
              "`\"ito\"`, `\"bpo\"`, `\"front\"`, `\"back\"`, or a list of process names "
              "and groups) and `home` (`\"all\"` (default) or a list of ISO3 buyer home "
              "countries). A shock with `processes` or `home` multiplies only the volume and "
              "review hazard of those firm-process pairs.", "",
              "`countries.tax_rate_changes` items: `iso3` (a known country code), `year` "
              "(int), `rate` (fraction 0-1).", "",
              "Country codes are the 34 ISO3 codes of `simulation/data/countries.csv`.", ""]
    return "\n".join(lines)
