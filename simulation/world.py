"""The world: countries and processes with their data, on the simulation's year axis.

Data flow: ``simulation/data/*.csv`` (copied from the project's shared data, sources in
``SOURCES.md``) -> :class:`World` -> agents -> market. Every gap-filling rule is a named
function here, and :attr:`World.fill_log` records where each rule was applied.

Gap-filling rules
-----------------
``carry_forward``  after the last observation, the last observed value holds
                   (tax rates after 2023; political stability after 2023; breach figures
                   after 2024).
``carry_back``     before the first observation, the first observed value holds
                   (political stability before 1996; breach cost before 2017; tax rates
                   of countries whose series starts late).
``interpolate``    between two observations, linear in the year (political stability
                   1997, 1999, 2001; breach cost 2020 and 2022).
``gdp_trend``      GDP per capita after 2025 grows at the country's own compound growth of
                   2015-2025, clipped (``labour.gdp_growth_after_data_clip``).
``labour_fit``     labour cost from GDP per capita, one log-log rule (see
                   :func:`fit_labour_cost_rule`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from simulation import mechanisms as mech

DATA_DIR = Path(__file__).parent / "data"

#: Direct BPO wage points used by the labour-cost fit. Call-centre agent base wage
#: (midpoint of low/high, USD/hour) for IND, PHL, MEX, COL, CRI in 2024 (Site Selection
#: Group, 2024-03-11) and the BLS median wage of US customer service representatives
#: (SOC 43-4051). Rows with status ``estimate``, means and entry wages are not used.
WAGE_METRICS = ("base_wage_usd_per_hour_low", "base_wage_usd_per_hour_high",
                "median_wage_usd_per_hour")

OFFSHORE, NEARSHORE, ONSHORE = 2, 1, 0
LOCATION_NAMES = ("onshore", "nearshore", "offshore")


@lru_cache(maxsize=None)
def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, keep_default_na=False, na_values=[""])


@lru_cache(maxsize=None)
def _regime_records() -> dict:
    """Each country's rows of ``tax_regimes.csv`` as records (``itertuples``), ``iso3 ->
    tuple``, made once per process (as the table is read once by :func:`_read`)."""
    return {c: tuple(g.itertuples()) for c, g in _read("tax_regimes.csv").groupby(
        "iso3", sort=False)}


@lru_cache(maxsize=None)
def _yearly_series(name: str, column: str) -> dict:
    """Each country's observations of ``column`` in the data table ``name``: ``iso3 ->
    (years, values)``, read-only arrays (int64 years, float values) in table order, made
    once per process. A country without rows has empty arrays."""
    out = {}
    for c, g in _read(name).groupby("iso3", sort=False):
        ys, vs = g["year"].to_numpy(np.int64), g[column].to_numpy(float)
        ys.flags.writeable = vs.flags.writeable = False
        out[c] = (ys, vs)
    return out


def _series_of(series: dict, iso3: str) -> tuple[np.ndarray, np.ndarray]:
    """``series[iso3]`` of :func:`_yearly_series`, empty arrays for a country without
    rows."""
    return series.get(iso3, (np.zeros(0, np.int64), np.zeros(0)))


@lru_cache(maxsize=4)
def _labour_fit(rule) -> "LabourFit":
    """``rule(labour_costs.csv, gdp_per_capita.csv)``: the fit of
    :func:`fit_labour_cost_rule`, made once per process and per rule (a rule put in its
    place, e.g. by an experiment, is fitted afresh)."""
    return rule(_read("labour_costs.csv"), _read("gdp_per_capita.csv"))


@lru_cache(maxsize=None)
def known_process_names() -> tuple[str, ...]:
    """Names of the processes in ``processes.csv``, in table order."""
    return tuple(_read("processes.csv")["process"])


@lru_cache(maxsize=None)
def known_country_codes() -> frozenset[str]:
    """ISO3 codes of the countries in ``countries.csv`` (34 countries)."""
    return frozenset(_read("countries.csv")["iso3"])


# ---------------------------------------------------------------- gap-filling rules
def fill_series(obs_years: np.ndarray, obs_values: np.ndarray, years: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Fill a yearly series on ``years`` by interpolate / carry_forward / carry_back.

    Parameters
    ----------
    obs_years, obs_values : ndarray, shape (n_obs,)
        Observed years (any order) and values.
    years : ndarray, shape (n_years,)
        Years wanted.

    Returns
    -------
    values : ndarray, shape (n_years,)
    rule : ndarray of str, shape (n_years,)
        ``observed``, ``interpolate``, ``carry_forward`` or ``carry_back`` per year.

    Raises
    ------
    ValueError
        If there is no observation.
    """
    if len(obs_years) == 0:
        raise ValueError("fill_series: no observations")
    order = np.argsort(obs_years)
    oy = np.asarray(obs_years, dtype=float)[order]
    ov = np.asarray(obs_values, dtype=float)[order]
    values = np.interp(years, oy, ov)  # np.interp holds the end values outside the range
    at = np.minimum(np.searchsorted(oy, years), len(oy) - 1)
    rule = np.where(oy[at] == years, "observed",
                    np.where(years > oy[-1], "carry_forward",
                             np.where(years < oy[0], "carry_back", "interpolate")))
    return values, rule


@dataclass(frozen=True)
class LabourFit:
    """Result of :func:`fit_labour_cost_rule`.

    ``log w[c, y] = alpha_c + beta * log gdp_pc[c, y]``, where ``alpha_c`` is the country's
    own intercept if it has direct wage points and the common ``alpha`` otherwise.
    """

    beta: float
    beta_se: float
    alpha: float
    r2: float
    n_points: int
    country_alpha: dict[str, float]
    points: pd.DataFrame  # iso3, year, wage_usd_per_hour, gdp_per_capita_usd, fitted

    def summary(self) -> str:
        """Human-readable report of the fit (one paragraph)."""
        resid = np.log(self.points["wage_usd_per_hour"]) - np.log(self.points["fitted"])
        return (f"labour cost = exp(alpha) * GDP_pc^beta: beta = {self.beta:.3f} "
                f"(s.e. {self.beta_se:.3f}), alpha = {self.alpha:.3f}, R^2 = {self.r2:.3f} "
                f"on {self.n_points} direct wage points in "
                f"{self.points['iso3'].nunique()} countries; RMS log residual of the common "
                f"rule {np.sqrt(np.mean(resid ** 2)):.3f}. Warner (2006) reports elasticities "
                "of 0.6-1.0.")


def fit_labour_cost_rule(labour: pd.DataFrame, gdp: pd.DataFrame) -> LabourFit:
    """Fit the one rule that derives BPO labour cost from GDP per capita.

    Weighted least squares of ``log wage`` on ``log GDP per capita`` over the direct wage
    points, each country weighted equally (the USA has seven yearly points, the others
    one). The elasticity ``beta`` is then used for every country and year; countries with
    direct points keep their own level (mean residual), the rest use the common intercept.

    Source of the rule: wages scale with GDP per capita with elasticities of 0.6-1.0
    (Warner 2006, "Wage Dynamics and Economic Development", Brookings Trade Forum,
    pp. 97-127), as suggested in ``SOURCES.md`` (gdp_per_capita.csv).

    Parameters
    ----------
    labour : DataFrame
        ``labour_costs.csv``.
    gdp : DataFrame
        ``gdp_per_capita.csv``.

    Returns
    -------
    LabourFit
    """
    rows = labour[labour["metric"].isin(WAGE_METRICS) & (labour["status"] != "estimate")]
    mid = rows.assign(metric=rows["metric"].str.replace(r"_(low|high)$", "", regex=True))
    pts = (mid.groupby(["iso3", "year"], as_index=False)["value"].mean()
           .rename(columns={"value": "wage_usd_per_hour"}))
    pts = pts.merge(gdp[["iso3", "year", "gdp_per_capita_usd"]], on=["iso3", "year"])
    x = np.log(pts["gdp_per_capita_usd"].to_numpy())
    y = np.log(pts["wage_usd_per_hour"].to_numpy())
    w = 1.0 / pts.groupby("iso3")["iso3"].transform("size").to_numpy()
    X = np.column_stack([np.ones_like(x), x])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    alpha, beta = float(coef[0]), float(coef[1])
    resid = y - X @ coef
    dof = max(len(y) - 2, 1)
    sigma2 = float(np.sum(w * resid ** 2) / dof * len(y) / w.sum())
    cov = sigma2 * np.linalg.inv((X * w[:, None]).T @ X) * (w.sum() / len(y))
    ybar = np.sum(w * y) / w.sum()
    r2 = 1.0 - np.sum(w * resid ** 2) / np.sum(w * (y - ybar) ** 2)
    country_alpha = {iso: alpha + float(r.mean())
                     for iso, r in pd.Series(resid).groupby(pts["iso3"].to_numpy())}
    pts = pts.assign(fitted=np.exp(X @ coef))
    return LabourFit(beta=beta, beta_se=float(np.sqrt(cov[1, 1])), alpha=alpha,
                     r2=float(r2), n_points=len(pts), country_alpha=country_alpha, points=pts)


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points in decimal degrees (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def timezone_gap_hours(offset_a, offset_b):
    """Hours between two standard UTC offsets, the short way round the clock (0-12)."""
    d = np.abs(np.asarray(offset_a, float) - np.asarray(offset_b, float)) % 24
    return np.minimum(d, 24 - d)


def classify_location(home: str, vendor: str, borders: dict[str, set[str]],
                      subregion: dict[str, str], utc_offset: dict[str, float]) -> int:
    """Classify a vendor's country against a buyer's home country.

    The ONE classification rule of the model (issue #2):

    * onshore (0): the same country;
    * nearshore (1): the countries share a land border, or they are in the same UN M49
      subregion and their capitals' standard UTC offsets differ by at most 3 hours;
    * offshore (2): everything else.

    Parameters
    ----------
    home, vendor : str
        ISO3 codes.
    borders, subregion, utc_offset : dict
        Country attributes from ``countries.csv``.

    Returns
    -------
    int
        0, 1 or 2 (see :data:`LOCATION_NAMES`).
    """
    if home == vendor:
        return ONSHORE
    if vendor in borders[home] or home in borders[vendor]:
        return NEARSHORE
    if (subregion[home] == subregion[vendor]
            and timezone_gap_hours(utc_offset[home], utc_offset[vendor]) <= 3):
        return NEARSHORE
    return OFFSHORE


#: Ages (years since a unit started, 1 = its first year) over which a new unit's expected
#: tax rate is averaged (:func:`mechanisms.entrant_tax_rate`); at a 10 % discount rate the
#: weight of the years after 60 is below 0.4 %.
ENTRANT_TAX_AGES = 60


def tax_regime_rates(rows, statutory, entry_year, year, age
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Effective tax rate on export income under a country's BPO tax regimes.

    Parameters
    ----------
    rows : DataFrame or sequence of records
        The country's rows of ``tax_regimes.csv`` (may be empty), or those rows as records
        (``DataFrame.itertuples()``).
    statutory : ndarray
        Statutory rate per cell (fraction).
    entry_year, year, age : ndarray of int
        Calendar year the unit started, calendar year whose law applies, and the unit's
        age in that year (1 = its first year). All arrays broadcast to one shape.

    Returns
    -------
    rate : ndarray
        Effective rate (:func:`mechanisms.combine_tax_schemes`); the statutory rate where
        no regime applies.
    gross : ndarray of bool
        The rate is levied on gross income.

    Notes
    -----
    A row applies when ``entry_from <= entry_year <= entry_to``, ``year_from <= year <=
    year_to`` and ``age_from <= age <= age_to`` (an empty bound is open). Rows of one
    ``scheme`` combine as the scheme's lowest relief raised to its highest floor.
    """
    entry_year, year, age, statutory = np.broadcast_arrays(
        np.asarray(entry_year), np.asarray(year), np.asarray(age),
        np.asarray(statutory, float))
    records = list(rows.itertuples()) if isinstance(rows, pd.DataFrame) else list(rows)
    schemes = list(dict.fromkeys(r.scheme for r in records))
    shape = statutory.shape
    relief = np.full((len(schemes),) + shape, np.inf)
    floor = np.zeros((len(schemes),) + shape)
    on_gross = np.zeros((len(schemes),) + shape, dtype=bool)

    def within(x, lo, hi):
        ok = np.ones(shape, dtype=bool)
        if pd.notna(lo):
            ok &= x >= lo
        if pd.notna(hi):
            ok &= x <= hi
        return ok

    for r in records:
        k = schemes.index(r.scheme)
        ok = (within(entry_year, r.entry_from, r.entry_to) & within(year, r.year_from, r.year_to)
              & within(age, r.age_from, r.age_to))
        rate = mech.scheme_tax_rate(statutory, r.rule, float(r.value))
        if r.rule == "min_profit_rate":
            floor[k] = np.where(ok, np.maximum(floor[k], rate), floor[k])
        else:
            better = ok & (rate < relief[k])
            relief[k] = np.where(better, rate, relief[k])
            on_gross[k] = np.where(better, r.rule == "gross_income_rate", on_gross[k])
    return mech.combine_tax_schemes(statutory, relief, floor, on_gross)


@dataclass
class Processes:
    """The process table (``processes.csv``; every value an assumption, see PROCESSES.md).

    All arrays have shape ``(n_processes,)``.
    """

    names: list[str]
    front_office: np.ndarray          # bool
    labour_intensity: np.ndarray      # FTE per buyer employee
    wage_multiplier: np.ndarray       # x call-centre agent wage
    coordination_index: np.ndarray    # 0-1 (Grossman & Rossi-Hansberg 2008)
    data_sensitivity: np.ndarray      # 0-1
    customer_facing: np.ndarray       # bool
    asset_specificity: np.ndarray     # 0-1 (Williamson 1985)
    ito: np.ndarray                   # bool: IT outsourcing (ITO) rather than BPO
    nonlabour_share: np.ndarray       # non-labour share of in-house cost (Gartner for IT)

    #: Processes counted as IT outsourcing when the published ITO/BPO split (2015) is
    #: compared with the model; all others are business process outsourcing.
    ITO_PROCESSES = ("it_services",)

    @property
    def n(self) -> int:
        return len(self.names)

    @classmethod
    def load(cls, names: list[str] | None = None) -> "Processes":
        """Read ``processes.csv``, keeping only ``names`` (in table order) if given."""
        df = _read("processes.csv")
        if names is not None:
            df = df[df["process"].isin(names)]
        truth = {"true": True, "false": False, True: True, False: False}
        return cls(
            names=list(df["process"]),
            front_office=(df["office"] == "front").to_numpy(),
            labour_intensity=df["labour_intensity_fte_per_employee"].to_numpy(float),
            wage_multiplier=df["wage_multiplier"].to_numpy(float),
            coordination_index=df["coordination_index"].to_numpy(float),
            data_sensitivity=df["data_sensitivity"].to_numpy(float),
            customer_facing=df["customer_facing"].map(truth).to_numpy(bool),
            asset_specificity=df["asset_specificity"].to_numpy(float),
            ito=df["process"].isin(cls.ITO_PROCESSES).to_numpy(bool),
            nonlabour_share=df["nonlabour_cost_share"].to_numpy(float),
        )


@dataclass
class World:
    """Countries and processes on the simulation's year axis.

    Arrays indexed ``[country, year - first_year]`` have shape ``(n_countries, n_years)``;
    pair arrays ``[home, vendor]`` have shape ``(n_countries, n_countries)``.

    Attributes
    ----------
    tax_rate : statutory corporate tax rate, fraction (Tax Foundation 2023 compilation).
    export_tax_rate : ``[country, entry year, year]`` effective rate on a vendor's export
        income under the BPO tax regimes of ``tax_regimes.csv`` (statutory where none
        applies, and everywhere when ``countries.tax_regimes_enabled`` is off); the axes
        are the year axis, the vendor's age being ``year - entry year + 1``.
    export_tax_gross : same shape, bool: that rate is levied on gross income.
    entrant_tax_rate : ``[country, year]`` expected rate of a unit that starts in that
        year (:func:`mechanisms.entrant_tax_rate`, current law held fixed).
    labour_cost : call-centre-agent base wage, USD/hour (fit to GDP per capita).
    gdp_per_capita : current USD (World Bank WDI NY.GDP.PCAP.CD).
    stability : WGI political stability estimate, about -2.5 to 2.5 (World Bank WGI 2024).
    breach_cost_usd_m : average cost of one breach at a firm of that home country, USD m
        (IBM/Ponemon Cost of a Data Breach; global series x 2018 country ratio).
    breach_hazard_q : base probability of a material breach per quarter (from the
        24-month probability in IBM/Ponemon 2017-2018; country ratio where reported).
    third_party_premium : extra breach cost when a third party is involved, fraction
        (IBM 2017: +USD 17 per record on USD 141).
    location : ``[home, vendor]`` onshore/nearshore/offshore code (:func:`classify_location`).
    timezone_gap : hours; distance_km : between capitals; english_pair : both English.
    cloud_years, cloud_it_shares : shape (k,): the path of the as-a-service share of IT
        spend (:func:`cloud_path`), read by :func:`mechanisms.it_work_bought_as_a_service`.
    """

    iso3: list[str]
    first_year: int
    last_year: int
    tax_rate: np.ndarray
    export_tax_rate: np.ndarray
    export_tax_gross: np.ndarray
    entrant_tax_rate: np.ndarray
    labour_cost: np.ndarray
    gdp_per_capita: np.ndarray
    stability: np.ndarray
    breach_cost_usd_m: np.ndarray
    breach_hazard_q: np.ndarray
    third_party_premium: float
    location: np.ndarray
    timezone_gap: np.ndarray
    distance_km: np.ndarray
    english_pair: np.ndarray
    subregion: list[str]
    labour_fit: LabourFit
    processes: Processes
    fill_log: list[str] = field(default_factory=list)
    cloud_years: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cloud_it_shares: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_countries(self) -> int:
        return len(self.iso3)

    def index(self, iso3: str) -> int:
        """Row of a country. Raises ``KeyError`` for an unknown code."""
        return self.iso3.index(iso3)

    def yi(self, year: int) -> int:
        """Column of a year, clipped to the axis."""
        return int(min(max(year - self.first_year, 0), self.last_year - self.first_year))

    @classmethod
    def build(cls, scenario) -> "World":
        """Build the world for a validated :class:`~simulation.config.Scenario`."""
        t = scenario.time
        first = t.start_year - t.spinup_years
        last = t.end_year
        years = np.arange(first, last + 1)
        countries = _read("countries.csv")
        iso = list(countries["iso3"])
        n = len(iso)
        log: list[str] = []

        # --- statutory corporate tax rate (fraction)
        tax = np.empty((n, len(years)))
        tax_series = _yearly_series("corporate_tax_rates.csv", "rate_pct")
        for i, c in enumerate(iso):
            ty, tv = _series_of(tax_series, c)
            tax[i], rule = fill_series(ty, tv / 100, years)
            _log_rules(log, "tax_rate", c, years, rule)
        for c, rate in scenario.countries.tax_rate_overrides.items():
            tax[iso.index(c)] = rate
            log.append(f"tax_rate {c}: all years overridden by the scenario ({rate})")
        for ch in sorted(scenario.countries.tax_rate_changes, key=lambda x: x.year):
            tax[iso.index(ch.iso3), years >= ch.year] = ch.rate
            log.append(f"tax_rate {ch.iso3}: scenario change to {ch.rate} from {ch.year}")
        export_tax, export_gross, entrant_tax = _effective_tax_tables(
            iso, years, tax, scenario, log)

        # --- GDP per capita (current USD) and its trend after the data
        gdp_df = _read("gdp_per_capita.csv")
        gdp = np.empty((n, len(years)))
        clip = scenario.labour.gdp_growth_after_data_clip
        gdp_series = _yearly_series("gdp_per_capita.csv", "gdp_per_capita_usd")
        for i, c in enumerate(iso):
            gy, gv = _series_of(gdp_series, c)
            order = np.argsort(gy)  # by year (one row per country and year)
            gy, gv = gy[order], gv[order]
            vals, rule = fill_series(gy, gv, years)
            last_y = gy[-1]
            base_y = last_y - 10
            g = (gv[-1] / gv[gy == base_y][0]) ** (1 / 10) - 1 if base_y in gy else 0.0
            g = float(np.clip(g, -clip, clip))
            after = years > last_y
            vals[after] = gv[-1] * (1 + g) ** (years[after] - last_y)
            gdp[i] = vals
            if after.any():
                log.append(f"gdp_per_capita {c}: gdp_trend {g:+.4f}/yr after {last_y}")
            _log_rules(log, "gdp_per_capita", c, years, np.where(after, "gdp_trend", rule))

        # --- labour cost (USD/hour, base wage of a call-centre agent)
        fit = _labour_fit(fit_labour_cost_rule)
        alpha = np.array([fit.country_alpha.get(c, fit.alpha) for c in iso])
        anchor_year = 2024
        for c, wage in scenario.labour.labour_cost_overrides_usd_per_hour.items():
            i = iso.index(c)
            g_anchor = gdp_df[(gdp_df["iso3"] == c) & (gdp_df["year"] == anchor_year)]
            alpha[i] = np.log(wage) - fit.beta * np.log(float(g_anchor["gdp_per_capita_usd"]
                                                               .iloc[0]))
            log.append(f"labour_cost {c}: level overridden by the scenario ({wage} USD/h in "
                       f"{anchor_year})")
        labour = np.exp(alpha[:, None] + fit.beta * np.log(gdp))
        for c, mult in scenario.labour.labour_cost_multiplier.items():
            labour[iso.index(c)] *= mult
        log.append("labour_cost: " + fit.summary())
        # wage-convergence levers: every low-cost vendor country, buyer home or not
        lab = scenario.labour
        extra, rate = lab.offshore_labour_cost_growth, lab.wage_convergence_rate
        if extra != 0.0 or rate != 0.0:
            bw = np.array([scenario.population.buyer_home_weights.get(c, 0.0) for c in iso])
            low = mech.low_cost_countries(labour[:, t.start_year - first], bw,
                                          lab.low_cost_threshold)
            names = ", ".join(iso[i] for i in np.flatnonzero(low))
            if rate != 0.0:
                frontier = (labour * bw[:, None]).sum(axis=0) / bw.sum()
                labour = mech.wage_convergence(labour, frontier, years, t.start_year, rate, low)
                log.append(f"labour_cost: log gap to the buyer-weighted mean closes at {rate:g}"
                           f"/yr from {t.start_year} in {names}")
            if extra != 0.0:
                labour[low] *= mech.wage_convergence_multiplier(years, t.start_year,
                                                                extra)[None, :]
                log.append(f"labour_cost: {extra:+g}/yr from {t.start_year} in {names}")

        # --- political stability (WGI estimate)
        stab = np.empty((n, len(years)))
        pv_series = _yearly_series("political_stability.csv", "pv_est")
        for i, c in enumerate(iso):
            stab[i], rule = fill_series(*_series_of(pv_series, c), years)
            _log_rules(log, "stability", c, years, rule)

        # --- data breaches (IBM / Ponemon)
        br = _read("breach_costs.csv")
        glob = br[(br["scope"] == "global") & (br["metric"] == "avg_cost_per_breach_usd_m")]
        gcost, rule = fill_series(glob["year"].to_numpy(), glob["value"].to_numpy(float), years)
        _log_rules(log, "breach_cost_global", "ALL", years, rule)
        c2018 = br[(br["year"] == 2018) & (br["metric"] == "avg_cost_per_breach_usd_m")]
        g2018 = float(c2018[c2018["scope"] == "global"]["value"].iloc[0])
        ratio = {r.scope: r.value / g2018 for r in c2018.itertuples() if r.scope != "global"}
        breach_cost = np.array([gcost * ratio.get(c, 1.0) for c in iso])
        log.append("breach_cost: global series x 2018 country/global ratio for "
                   + ", ".join(f"{k} {v:.2f}" for k, v in sorted(ratio.items()))
                   + "; ratio 1 elsewhere")
        prob = br[br["metric"] == "prob_breach_24m_pct"]
        pglob = float(prob[prob["scope"] == "global"]["value"].mean()) / 100
        pratio = {r.scope: (r.value / 100) / pglob for r in prob.itertuples()
                  if r.scope != "global"}
        p24 = np.array([min(pglob * pratio.get(c, 1.0), 0.999) for c in iso])
        hazard_q = 1.0 - (1.0 - p24) ** (1 / 8)  # 24 months = 8 quarters
        log.append(f"breach_hazard: 24-month probability {pglob:.3f} (mean of the global "
                   "2017/2018 figures) -> per quarter 1-(1-p)^(1/8); country ratio for "
                   + ", ".join(sorted(pratio)))
        tp = br[br["metric"] == "third_party_increase_per_record_usd"]
        per_record = br[(br["metric"] == "cost_per_record_usd") & (br["scope"] == "global")]
        tp_year = int(tp["year"].iloc[0])
        third_party = float(tp["value"].iloc[0]) / float(
            per_record[per_record["year"] == tp_year]["value"].iloc[0])

        # --- country pairs
        lat = countries["capital_lat"].to_numpy(float)
        lon = countries["capital_lon"].to_numpy(float)
        off = countries["utc_offset_hours"].to_numpy(float)
        eng = countries["english_official"].astype(str).str.lower().eq("true").to_numpy()
        borders = {r.iso3: set(str(r.borders).split(";")) if isinstance(r.borders, str) else set()
                   for r in countries.itertuples()}
        subreg = dict(zip(countries["iso3"], countries["subregion"]))
        utc = dict(zip(countries["iso3"], off))
        loc = np.array([[classify_location(a, b, borders, subreg, utc) for b in iso]
                        for a in iso], dtype=np.int8)
        dist = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        np.fill_diagonal(dist, 0.0)
        tzgap = timezone_gap_hours(off[:, None], off[None, :])
        engpair = (eng[:, None] & eng[None, :]) | np.eye(n, dtype=bool)

        cloud_years, cloud_shares = cloud_path(scenario.demand.cloud_start_year)
        return cls(iso3=iso, first_year=int(first), last_year=int(last), tax_rate=tax,
                   export_tax_rate=export_tax, export_tax_gross=export_gross,
                   entrant_tax_rate=entrant_tax,
                   labour_cost=labour, gdp_per_capita=gdp, stability=stab,
                   breach_cost_usd_m=breach_cost, breach_hazard_q=hazard_q,
                   third_party_premium=third_party, location=loc, timezone_gap=tzgap,
                   distance_km=dist, english_pair=engpair,
                   subregion=list(countries["subregion"]), labour_fit=fit,
                   processes=Processes.load(scenario.population.processes),
                   fill_log=log, cloud_years=cloud_years, cloud_it_shares=cloud_shares)


def cloud_path(start_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Points of the as-a-service share of IT spend, from ``isg_index.csv``.

    0 in ``start_year`` (``demand.cloud_start_year``, an assumption), then each year's
    ISG as-a-service share of combined ACV converted to a share of IT spend with the 2015
    ITO share of traditional ACV (:func:`mechanisms.as_a_service_share_of_it`).

    Returns
    -------
    years : ndarray of float, shape (k,), increasing
    shares : ndarray of float, shape (k,), fractions
    """
    isg = _read("isg_index.csv")
    acv = isg[(isg["metric"] == "acv_usd_bn") & (isg["year"] == 2015)].set_index("segment")
    ito = float(acv.at["ito", "value"] / acv.at["traditional", "value"])
    aas = isg[isg["metric"] == "as_a_service_share"].sort_values("year")
    years = aas["year"].to_numpy(float)
    shares = mech.as_a_service_share_of_it(aas["value"].to_numpy(float), ito)
    keep = years > start_year
    return np.concatenate([[float(start_year)], years[keep]]), \
        np.concatenate([[0.0], shares[keep]])


def _effective_tax_tables(iso: list[str], years: np.ndarray, tax: np.ndarray, scenario,
                          log: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The export and entrant tax tables of :class:`World` (see its attributes)."""
    n, ny = tax.shape
    export = np.repeat(tax[:, None, :], ny, axis=1)
    gross = np.zeros((n, ny, ny), dtype=bool)
    entrant = tax.copy()
    if not scenario.countries.tax_regimes_enabled:
        log.append("tax regimes: off (countries.tax_regimes_enabled = false)")
        return export, gross, entrant
    e = years[:, None]
    y = years[None, :]
    ages = np.arange(1, ENTRANT_TAX_AGES + 1)
    disc = scenario.vendors.entry_tax_discount_rate
    regime_rows = _regime_records()
    for i, c in enumerate(iso):
        rows = regime_rows.get(c, ())
        if len(rows) == 0:
            continue
        export[i], gross[i] = tax_regime_rates(rows, tax[i][None, :], e, y, y - e + 1)
        by_age, _ = tax_regime_rates(rows, tax[i][:, None], years[:, None], years[:, None],
                                     ages[None, :])
        entrant[i] = mech.entrant_tax_rate(by_age, disc)
        log.append(f"tax regimes {c}: {', '.join(dict.fromkeys(r.scheme for r in rows))}")
    return export, gross, entrant


def _log_rules(log: list[str], what: str, iso: str, years: np.ndarray, rule: np.ndarray) -> None:
    for r in ("carry_back", "interpolate", "carry_forward", "gdp_trend"):
        ys = years[rule == r]
        if len(ys):
            log.append(f"{what} {iso}: {r} for {_ranges(ys)}")


def _ranges(ys: np.ndarray) -> str:
    ys = sorted(int(y) for y in ys)
    out, start, prev = [], ys[0], ys[0]
    for y in ys[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(out)


def published_market_size() -> pd.DataFrame:
    """The published outsourcing contract-value series, 2000-2017 (USD bn, TCV awarded).

    Statista statistic 189788 (2000-2015 verified; 2016 secondary; 2017 unverified; see
    ``simulation/data/SOURCES.md``). Columns: ``year``, ``value_usd_bn``,
    ``ito_usd_bn``, ``bpo_usd_bn``, ``status``.
    """
    df = _read("market_size_outsourcing.csv")
    return df[["year", "value_usd_bn", "ito_usd_bn", "bpo_usd_bn", "status"]].copy()


def composition_targets(target: str | None = None) -> pd.DataFrame:
    """Published composition figures set beside the model's outputs (issue #12).

    ``simulation/data/composition_targets.csv`` (sources in ``SOURCES.md``): the ITO/BPO
    split of contract value (``bpo_share``), survey shares of organisations outsourcing or
    offshoring a function mapped to the model's processes (``outsourcing_rate``,
    ``offshoring_rate``), country and region shares of offshore delivery
    (``location_share``), captive shares (``captive_share``), realised savings
    (``realised_saving``, ``realised_saving_above_30pct``) and a front-office share
    (``front_office_share_bpo``). ``value`` is a fraction; ``model_quantity`` says which
    model output it is compared with (or that it is shown for context only).

    Parameters
    ----------
    target : str, optional
        Keep only the rows of this target.

    Returns
    -------
    DataFrame
        Columns ``target``, ``model_quantity``, ``year`` (float, NaN if undated),
        ``group``, ``value``, ``series``, ``status``, ``source``, ``note``, ``origin``.
    """
    df = _read("composition_targets.csv").copy()
    return df[df["target"] == target].reset_index(drop=True) if target else df
