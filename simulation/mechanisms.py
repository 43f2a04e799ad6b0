"""The economic mechanisms of bposim, one pure function each, over numpy arrays.

Every function works on one review or on all reviews of a quarter at once: arguments are
scalars or arrays that broadcast to a common shape ``(n,)`` or ``(n, k)`` (reviews x
options). Money is in USD per year unless stated; rates are fractions, not percent.
Nothing here draws random numbers: random draws are passed in, so that the vectorised
market and a per-agent loop consume exactly the same numbers.
"""

from __future__ import annotations

import numpy as np

from simulation import kernels as _kernels

HOURS_PER_FTE_YEAR = 2080.0
"""Paid hours of one full-time employee per year (BLS full-time convention: 40 h x 52)."""


def coordination_scale(year: float, scale_2000: float, decline: float,
                       floor: float = 0.0) -> float:
    """Coordination-cost scale in a year, as a multiple of the in-house cost.

    ``floor + (scale_2000 - floor) * exp(-decline * (year - 2000))``: improving ICT lowers
    the cost of coordinating tasks at a distance (Grossman & Rossi-Hansberg 2008, "Trading
    Tasks", AER 98(5), where a fall in this cost raises the range of tasks offshored),
    towards a floor that ICT cannot remove (face-to-face needs; assumption).
    """
    return float(floor + (scale_2000 - floor) * np.exp(-decline * (year - 2000.0)))


def location_friction(tz_gap_h, english_pair, distance_km, base, w_tz, w_lang, w_dist):
    """Friction of working with a vendor in another place (dimensionless, >= base).

    ``base + w_tz * gap/12 + w_lang * (1 - english_pair) + w_dist * km/10,000``.
    Time-zone gap in hours (0-12), ``english_pair`` 1 if both countries have English as an
    official language or are the same country, distance between capitals in km.
    """
    return (base + w_tz * np.asarray(tz_gap_h) / 12.0
            + w_lang * (1.0 - np.asarray(english_pair, float))
            + w_dist * np.asarray(distance_km) / 1e4)


def coordination_cost(inhouse_cost, coord_scale, coord_index, friction):
    """Annual coordination cost of a sourcing option, USD/year.

    ``inhouse_cost * coord_scale * coordination_index * friction`` (Grossman &
    Rossi-Hansberg 2008: the cost of offshoring task i is proportional to the wage bill
    times a task-specific coordination term).
    """
    return inhouse_cost * coord_scale * coord_index * friction


def vendor_price_per_hour(labour_cost, wage_multiplier, cost_to_wage, efficiency, learning,
                          after_tax_margin, tax_rate):
    """Vendor price per in-house-equivalent hour, USD/hour.

    Unit cost = host base wage x process wage multiplier x cost-to-wage ratio x hours
    needed per in-house hour x learning factor. The vendor prices so that its margin after
    the host's statutory corporate tax is ``after_tax_margin``:
    ``price = unit_cost * (1 + m / (1 - t))``. A higher host tax rate raises the price,
    which is how corporate tax enters the make-or-buy choice (assumption; the mark-up rule
    is the standard target after-tax return pricing).
    """
    unit = labour_cost * wage_multiplier * cost_to_wage * efficiency * learning
    t = np.minimum(tax_rate, 0.99)
    return unit * (1.0 + after_tax_margin / (1.0 - t))


def delivery_labour_cost(host_cost, buyer_cost, onsite_share, cross_border):
    """Labour cost per hour of a vendor's delivery mix (onsite / offshore), USD/hour.

    A vendor that serves a buyer from another country delivers part of the effort onsite,
    at the buyer's premises and at the buyer country's labour cost, and the rest from its
    own country: ``(1 - s) * host_cost + s * buyer_cost`` with ``s = onsite_share`` when
    ``cross_border`` and ``s = 0`` for an onshore vendor (the two costs are then the same).

    Parameters
    ----------
    host_cost, buyer_cost : float or ndarray
        Labour cost per hour in the vendor's country and in the buyer's home country
        (any common unit, e.g. the base wage in USD/hour); arrays broadcast, e.g. ``(n, k)``
        reviews x options.
    onsite_share : float
        Share of billed effort delivered onsite, in [0, 1].
    cross_border : bool or ndarray of bool
        True where the vendor works from another country than the buyer's home.

    Returns
    -------
    ndarray
        Blended labour cost per hour, broadcast shape of the inputs.

    Notes
    -----
    Source of the share: Infosys, offshore share of billed person-hours 72.4 % (quarter to
    March 2020) and 75.7 % (quarter to March 2021) (Livemint, 20 April 2021), i.e. 24-28 %
    of the effort of an Indian IT vendor is delivered onsite at client-country cost. Using
    one IT vendor's share for every cross-border vendor (nearshore ones and BPO too) is an
    assumption. The onsite staff are the vendor's own: they work at the vendor's efficiency
    and learning, and the vendor pays them (its accounts use the same blended cost).
    """
    s = np.where(np.asarray(cross_border, bool), onsite_share, 0.0)
    return (1.0 - s) * np.asarray(host_cost, float) + s * np.asarray(buyer_cost, float)


def nonlabour_cost(labour_cost, nonlabour_share):
    """Non-labour cost of a process's work (hardware, software, data centres), same unit
    as ``labour_cost``.

    ``labour_cost * n / (1 - n)`` with ``n`` the non-labour share of the process's total
    in-house cost, so that labour is the share ``1 - n`` of ``labour + non-labour``. These
    inputs are bought at the buyer's cost level wherever the labour sits: a vendor that
    takes over the function supplies them too (they are part of its fee and of an ITO
    contract's value) but gains no wage arbitrage on them.

    Parameters
    ----------
    labour_cost : float or ndarray
        Loaded labour cost of the work at the buyer's home, e.g. USD/year or USD/hour.
    nonlabour_share : float or ndarray
        Non-labour share ``n`` of the process's in-house cost, in [0, 1).

    Returns
    -------
    ndarray
        Non-labour cost, same unit and broadcast shape as the inputs.

    Notes
    -----
    Source for IT services: Gartner, "IT Key Metrics Data 2021: Industry Measures -
    Executive Summary" (G00737583, Dec 2020): personnel-related costs are 36 % of IT
    spending, so ``n = 0.64`` (the rest: hardware, software, data centres, cloud and
    external services). That the loaded labour cost of the model corresponds to Gartner's
    personnel-related costs, and ``n = 0`` for business processes (their facilities and IT
    are in the loaded cost-to-wage ratio), are assumptions (``processes.csv``).
    """
    n = np.asarray(nonlabour_share, float)
    return np.asarray(labour_cost, float) * n / (1.0 - n)


def vendor_input_cost(host_cost, buyer_cost, onsite_share, cross_border, nonlabour_share):
    """A vendor's input cost per in-house-equivalent hour, in labour-cost units (e.g. the
    base wage, USD/hour), before the process's wage multiplier, the cost-to-wage ratio,
    the vendor's efficiency and learning: its delivery mix
    (:func:`delivery_labour_cost`) plus the process's non-labour inputs at the buyer's cost
    level (:func:`nonlabour_cost` of the buyer's labour cost). Used alike for the vendor's
    price (:func:`vendor_price_per_hour`) and its accounts, so that they agree.

    Parameters
    ----------
    host_cost, buyer_cost : float or ndarray
        Labour cost per hour in the vendor's and in the buyer's country (broadcast).
    onsite_share : float
    cross_border : bool or ndarray of bool
    nonlabour_share : float or ndarray
        As in :func:`delivery_labour_cost` and :func:`nonlabour_cost`.

    Returns
    -------
    ndarray
        Cost per hour, broadcast shape of the inputs.
    """
    return delivery_labour_cost(host_cost, buyer_cost, onsite_share, cross_border) \
        + nonlabour_cost(buyer_cost, nonlabour_share)


def captive_input_cost(host_cost, home_cost, onsite_share, nonlabour_share):
    """A captive centre's input cost per in-house-equivalent hour, in labour-cost units
    (e.g. the base wage, USD/hour), before the process's wage multiplier, the cost-to-wage
    ratio and the captive's efficiency: the same cross-border delivery mix as a vendor's
    (:func:`vendor_input_cost` with ``cross_border=True``), without a vendor's margin,
    efficiency or learning.

    Parameters
    ----------
    host_cost : float or ndarray
        Labour cost per hour in the captive's host country.
    home_cost : float or ndarray
        Labour cost per hour in the parent firm's home country (onsite staff and the
        non-labour inputs are at this level).
    onsite_share : float
        Share of the effort delivered onsite, in [0, 1] (``labour.onsite_delivery_share``).
    nonlabour_share : float or ndarray
        The process's non-labour share (:func:`nonlabour_cost`).

    Returns
    -------
    ndarray
        Cost per hour, broadcast shape of the inputs.

    Notes
    -----
    A captive is offshore work like a vendor's: knowledge transfer, requirements and the
    client interface keep part of the effort onsite at home-country cost. Everest Research
    Institute (2007), "Comparison of outsourced and captive solutions for capturing value
    from outsourcing" (summarised by CIO magazine, 1 November 2007), finds offshore
    third-party IT services typically 5-15 % cheaper than an offshore captive in total cost
    of ownership, because captives need more overhead management and more investment in
    knowledge transfer, while third parties have scale and leaner processes. Giving the
    captive the vendor's onsite share (Infosys, see :func:`delivery_labour_cost`) is an
    assumption that encodes the knowledge-transfer part; the captive still saves the
    vendor's margin and keeps its own (lower) efficiency. Before this rule captives
    delivered everything from the host country, which made them cheapest where labour is
    most of the cost (BPO processes) and gave them 0.63 of cross-border value in 2015
    against 0.18-0.25 published (HSBC Global Research 2024; Everest Group 2019).
    """
    return vendor_input_cost(host_cost, home_cost, onsite_share, True, nonlabour_share)


def inhouse_cost_factor(z, sigma):
    """Persistent in-house cost factor of a firm-process pair (mean 1, lognormal).

    ``exp(sigma * z - sigma**2 / 2)`` for a standard normal draw ``z``: the pair's in-house
    cost is the process's standard in-house cost times this factor. Pairs with a factor
    below 1 are more efficient in-house than the average firm and keep their work, so the
    outsourcing rate of a process is interior (a share of firms, as the surveys of
    ``outsourcing_by_function.csv`` report) rather than all or nothing.

    Parameters
    ----------
    z : ndarray, shape (n_pairs,)
        Standard normal draws, one per firm-process pair, drawn once (the factor persists).
    sigma : float
        Lognormal dispersion (>= 0); 0 gives every pair the factor 1.

    Returns
    -------
    ndarray, shape (n_pairs,)
        Multiplier of the in-house cost (> 0, mean 1).

    Notes
    -----
    Dispersion: Syverson (2004), "Product Substitutability and Productivity Dispersion",
    Review of Economics and Statistics 86(2): the within-industry 90-10 TFP ratio is
    about 2 (Syverson 2011, JEL 49(2)), i.e. ``sigma = ln 2 / 2.563 = 0.27`` for a
    lognormal; the interquartile range of log labour productivity, 0.66, gives 0.49.
    Unit cost is the inverse of TFP, so the TFP figure is the default. Applying plant
    productivity dispersion to the in-house cost of a firm's *process* is an assumption.
    """
    sigma = float(sigma)
    return np.exp(sigma * np.asarray(z, float) - 0.5 * sigma * sigma)


def learning_factor(cumulative_hours, reference_hours, progress_ratio, floor):
    """Learning-by-doing multiplier on unit cost (<= 1).

    Wright's law: unit cost falls to ``progress_ratio`` with every doubling of cumulative
    output, ``(1 + cum/ref)^(-b)`` with ``b = -log2(progress_ratio)``, floored at
    ``floor`` (Argote & Epple 1990, "Learning curves in manufacturing", Science 247).
    """
    b = -np.log2(progress_ratio)
    return np.maximum(floor, (1.0 + cumulative_hours / reference_hours) ** (-b))


def expected_breach_loss(hazard_q, sensitivity, breach_cost_usd, third_party):
    """Expected annual breach loss, USD/year: 4 quarters x hazard x impact.

    ``impact = breach_cost * sensitivity * (1 + third_party)``; the hazard is already
    scaled by data sensitivity. Breach cost per breach from IBM/Ponemon "Cost of a Data
    Breach" (breach_costs.csv); ``third_party`` is the extra cost when a third party is
    involved (+USD 17 of USD 141 per record, IBM 2017), 0 for in-house work.
    """
    return 4.0 * hazard_q * breach_cost_usd * sensitivity * (1.0 + third_party)


def breach_hazard(base_hazard_q, sensitivity_share, security_multiplier, offshore_multiplier,
                  scale):
    """Probability of a breach of one process's work in one quarter (clipped to [0, 1]).

    The organisation-level hazard per quarter (from the 24-month probability of a
    material breach, IBM/Ponemon 2017-2018) is split over the firm's processes in
    proportion to their data sensitivity (``sensitivity_share`` = s_p / sum of s over
    processes, so a firm with all processes in-house has the published hazard), times
    the vendor's security multiplier, the offshore multiplier and the scenario scale.
    """
    return np.clip(base_hazard_q * sensitivity_share * security_multiplier
                   * offshore_multiplier * scale, 0.0, 1.0)


def backlash_cost(inhouse_cost, intensity, customer_facing, offshore):
    """Expected annual customer-backlash cost, USD/year.

    Only customer-facing work done offshore (Grappi, Romani & Bagozzi 2015, consumers
    punish offshoring of services they see; Thelen, Honeycutt & Murphy 2010).
    """
    return inhouse_cost * intensity * np.asarray(customer_facing, float) * np.asarray(
        offshore, float)


def political_risk_premium(fee, stability, scale):
    """Annual political-risk premium, USD/year, from the WGI political stability estimate.

    ``fee * scale * clip((1 - stability) / 3.5, 0, 1)``: zero for countries at +1 or
    above, ``scale`` at the bottom of the WGI range (-2.5) (World Bank Worldwide
    Governance Indicators; the linear premium is an assumption).
    """
    return fee * scale * np.clip((1.0 - np.asarray(stability)) / 3.5, 0.0, 1.0)


def governance_cost(fee, asset_specificity, scale):
    """Annual governance cost of a contract, USD/year (Williamson 1985): rises with asset
    specificity."""
    return fee * scale * asset_specificity


def transition_cost(fixed_usd, annual_cost, switching_fraction, asset_specificity,
                    specificity_scale, amortisation_years):
    """One-off cost of changing arrangement, amortised, USD/year.

    ``(fixed + switching_fraction * annual_cost * (1 + scale * asset_specificity)) /
    years`` (Williamson 1985: specific assets raise switching costs; fixed costs of
    sourcing modes after Antras & Helpman 2004).
    """
    return (fixed_usd + switching_fraction * annual_cost
            * (1.0 + specificity_scale * asset_specificity)) / amortisation_years


def hidden_cost_bias(bias0, experience_years, scale_years):
    """Share of hidden costs a firm overlooks: ``bias0 * exp(-experience / scale)``.

    Firms underestimate the hidden costs of offshoring and learn with experience (Larsen,
    Manning & Pedersen 2013, Strategic Management Journal 34(5)).
    """
    return bias0 * np.exp(-np.asarray(experience_years) / scale_years)


def captive_tax_saving(base_cost, home_tax, host_tax, transfer_margin):
    """Annual tax saving of a captive centre, USD/year (negative = extra tax).

    The captive charges its parent cost plus ``transfer_margin``; that profit is taxed at
    the host rate instead of being a deduction at the home rate:
    ``(t_home - t_host) * transfer_margin * base_cost`` (Antras & Helpman 2004 foreign
    integration; Desai, Foley & Hines 2006, "The demand for tax haven operations", J. Public
    Econ. 90(3): multinationals book profit in low-tax affiliates; the cost-plus
    transfer-pricing channel is an assumption). ``host_tax`` is the rate a new unit expects
    in the host country (:func:`entrant_tax_rate`), so BPO export regimes count.
    """
    return (home_tax - host_tax) * transfer_margin * base_cost


#: Rules of a tax-regime row (``simulation/data/tax_regimes.csv``, column ``rule``).
TAX_RULES = ("statutory_share", "profit_rate", "gross_income_rate", "min_profit_rate")


def scheme_tax_rate(statutory, rule, value):
    """Rate a vendor's export income bears under one row of a tax regime (fraction).

    ``statutory_share``: ``value`` x the statutory rate (the share of export profit that is
    taxable: 0 in a tax holiday, 0.5 when half the profit is exempt, e.g. India s.10AA
    years 6-10); ``profit_rate`` and ``min_profit_rate``: ``value``, a rate on profit
    (``min_profit_rate`` is a floor such as India's Minimum Alternate Tax on book profit);
    ``gross_income_rate``: ``value``, a rate on gross income (revenue less direct costs,
    e.g. the Philippines' PEZA 5 % of gross income earned in lieu of all taxes, RA 7916
    s.24). Rows and sources: ``simulation/data/tax_regimes.csv``.

    Parameters
    ----------
    statutory : float or ndarray
        Statutory corporate tax rate of the host country and year (fraction).
    rule : str
        One of :data:`TAX_RULES`.
    value : float
        The row's ``value``.
    """
    if rule == "statutory_share":
        return value * np.asarray(statutory, float)
    if rule in ("profit_rate", "min_profit_rate", "gross_income_rate"):
        return np.broadcast_to(np.asarray(value, float), np.shape(statutory)).copy()
    raise ValueError(f"unknown tax rule {rule!r}; allowed: {', '.join(TAX_RULES)}")


def combine_tax_schemes(statutory, relief, floor, on_gross):
    """Effective tax rate on export income when several schemes may apply (fraction).

    Within a scheme the rate is ``max(relief, floor)``: the best relief row that applies
    (lowest rate), raised to a minimum tax where one applies (India's MAT on the book
    profit of s.10A/10B units from FY 2007-08 and of SEZ units from FY 2011-12). A vendor
    uses the scheme that taxes it least, and never pays more than the statutory rate
    (assumption: every vendor in a country qualifies for the regimes of its entry year
    and age, i.e. it is a registered export unit; its domestic income is taxed at the
    statutory rate, see :func:`vendor_profit_tax`).

    Parameters
    ----------
    statutory : ndarray, shape (...)
        Statutory rate.
    relief, floor : ndarray, shape (n_schemes, ...)
        Per scheme: lowest relief rate of the rows that apply (``inf`` where none applies)
        and the highest floor (0 where none applies).
    on_gross : ndarray of bool, shape (n_schemes, ...)
        Per scheme: the relief is a rate on gross income, not on profit.

    Returns
    -------
    rate : ndarray, shape (...)
        Effective rate on export income.
    gross : ndarray of bool, shape (...)
        The rate is levied on gross income (``vendor_profit_tax``) rather than on profit.
    """
    statutory = np.asarray(statutory, float)
    relief = np.asarray(relief, float)
    if relief.shape[0] == 0:
        return statutory.copy(), np.zeros(statutory.shape, dtype=bool)
    per_scheme = np.where(np.isfinite(relief), np.maximum(relief, np.where(
        on_gross, 0.0, floor)), np.inf)
    best = np.argmin(per_scheme, axis=0)
    rate = np.take_along_axis(per_scheme, best[None], axis=0)[0]
    gross = np.take_along_axis(np.asarray(on_gross, bool), best[None], axis=0)[0]
    use = rate < statutory
    return np.where(use, rate, statutory), use & gross


def vendor_profit_tax(profit, gross_income, export_share, statutory, export_rate,
                      export_on_gross):
    """Corporate tax a vendor pays on a quarter's accounts, USD (>= 0).

    Domestic income (share ``1 - export_share`` of the accounts) pays the statutory rate on
    positive profit; export income pays the effective export rate (:func:`combine_tax_schemes`)
    on positive profit, or on positive gross income where the regime taxes gross income
    (PEZA). Losses pay nothing and are not carried forward (assumption). Public finance
    convention: the tax falls on profit, and after-tax profit is what the vendor keeps
    (e.g. Devereux & Griffith 1998, J. Public Econ. 68(3)).

    Parameters
    ----------
    profit : ndarray, shape (n,)
        Pre-tax profit of the quarter, USD.
    gross_income : ndarray, shape (n,)
        Revenue less direct costs (work and idle capacity), before overhead, USD.
    export_share : ndarray, shape (n,)
        Share of the vendor's revenue from buyers in other countries (0-1).
    statutory, export_rate : ndarray, shape (n,)
        Statutory and effective export rates of each vendor (fraction).
    export_on_gross : ndarray of bool, shape (n,)
        The export rate is levied on gross income.
    """
    pos = np.maximum(profit, 0.0)
    x = np.clip(export_share, 0.0, 1.0)
    export_base = np.where(export_on_gross, np.maximum(gross_income, 0.0), pos)
    return (1.0 - x) * statutory * pos + x * export_rate * export_base


def entrant_tax_rate(rate_by_age, discount_rate):
    """Expected tax rate of a new unit: present-value weighted mean of its rates by age.

    ``sum_a d^a t_a / sum_a d^a`` over ages a = 1..A, ``d = 1 / (1 + discount_rate)``, with
    ``t_a`` the effective rate at age a under the current law held fixed (the convention of
    forward-looking effective average tax rates: Devereux & Griffith 2003, "Evaluating tax
    policy for location decisions", Int. Tax Public Finance 10(2); Klemm 2008, IMF WP 08/56,
    extends the EATR to tax holidays by the same present-value weighting). A 10-year
    holiday thus lowers the expected rate by the holiday's share of the discounted
    horizon, not to zero.

    Parameters
    ----------
    rate_by_age : ndarray, shape (..., A)
        Effective rate at ages 1..A (fraction).
    discount_rate : float
        Annual discount rate (> -1).

    Returns
    -------
    ndarray, shape (...)
    """
    rate_by_age = np.asarray(rate_by_age, float)
    a = np.arange(1, rate_by_age.shape[-1] + 1)
    w = (1.0 + discount_rate) ** (-a)
    return (rate_by_age * w).sum(axis=-1) / w.sum()


def entry_location_weights(weight, acv_share, entrant_tax, semi_elasticity, agglomeration):
    """Relative chance that an entrant vendor locates in each country (not normalised).

    ``weight_c x (1 + agglomeration x ACV share_c) x exp(-s x t_c)``: a conditional-logit
    location choice (Devereux & Griffith 1998, "Taxes and the location of production",
    J. Public Econ. 68(3)) in which the expected effective tax rate t_c of a new unit
    (:func:`entrant_tax_rate`) enters with the tax semi-elasticity of foreign direct
    investment s: a 1 percentage-point lower rate raises the country's share of new
    investment by about s % (de Mooij & Ederveen 2003, Int. Tax Public Finance 10(6): median
    semi-elasticity 3.3; Feld & Heckemeyer 2011, J. Econ. Surveys 25(2): 2.49, the low
    end). ``weight_c`` (where vendors are founded) and the agglomeration term (entrants
    follow the market) are assumptions.

    Parameters
    ----------
    weight, acv_share, entrant_tax : ndarray, shape (n_countries,)
    semi_elasticity, agglomeration : float
    """
    return np.asarray(weight, float) * (1.0 + agglomeration * np.asarray(acv_share, float)) \
        * np.exp(-semi_elasticity * np.asarray(entrant_tax, float))


def capacity_order(utilisation, after_tax_profit, expand_threshold, order_pending):
    """Whether a vendor orders more capacity this quarter (bool per vendor).

    A vendor expands when it is busy (utilisation above ``expand_threshold``), has nothing
    on order, and its after-tax profit of the quarter is positive: investment is paid from
    retained after-tax earnings (assumption; financing constraints after Fazzari, Hubbard &
    Petersen 1988, Brookings Papers 1988(1)).

    Parameters
    ----------
    utilisation, after_tax_profit : ndarray, shape (n,)
    expand_threshold : float
    order_pending : ndarray of bool, shape (n,)
    """
    return (np.asarray(utilisation) > expand_threshold) & (np.asarray(after_tax_profit) > 0) \
        & ~np.asarray(order_pending, bool)


def logit_choice(cost, reference_cost, intensity, inertia, status_quo_col, u, nest=None,
                 nest_scale=1.0):
    """Nested multinomial logit choice with status-quo inertia.

    Utility of option j: ``-intensity * cost_j / reference_cost + inertia * [j is the
    status quo]``. Options are grouped in nests (in-house, vendors, captive); the
    probability of option j is P(nest) x P(j | nest), with the nest's inclusive value
    ``mu * log sum exp(U_j / mu)`` (McFadden 1978; Train 2009, "Discrete Choice Methods
    with Simulation", ch. 4). ``nest_scale`` mu = 1 gives the plain multinomial logit;
    mu -> 0 makes the make-or-buy step compare in-house with the best vendor only, so
    that adding vendors to a consideration set does not by itself raise outsourcing.

    Parameters
    ----------
    cost : ndarray, shape (n, k)
        Perceived all-in annual cost of each option, USD/year; ``inf`` marks an option
        that is not available.
    reference_cost : ndarray, shape (n,)
        Normaliser (the perceived in-house cost), so that ``intensity`` is scale-free.
    intensity : float
        Logit intensity of choice.
    inertia : float
        Utility bonus of the status-quo option.
    status_quo_col : ndarray of int, shape (n,)
        Column of the current arrangement, -1 if none.
    u : ndarray, shape (n,)
        Uniform draws in [0, 1).
    nest : ndarray of int, shape (k,), optional
        Nest of each column (default: every column its own nest).
    nest_scale : float
        Nesting parameter mu in (0, 1].

    Returns
    -------
    ndarray of int, shape (n,)
        Chosen column per review.
    """
    n, k = cost.shape
    if nest is None:
        nest = np.arange(k)
    nests, group = np.unique(nest, return_inverse=True)
    if _kernels.USE_KERNELS and n and np.bincount(group).max() < 8:
        # the same rule, compiled (simulation.kernels): bit-identical, since each nest's
        # sum has fewer than 8 terms (numpy sums those left to right); exp and log stay numpy
        mu = float(nest_scale)
        group = group.astype(np.int64)
        x, top, avail = _kernels.logit_utilities(
            np.ascontiguousarray(cost, dtype=float), np.asarray(reference_cost, dtype=float),
            float(intensity), float(inertia), np.asarray(status_quo_col, dtype=np.int64),
            group, len(nests), mu)
        e = np.exp(x)
        tot = _kernels.logit_nest_totals(e, top, group, len(nests))
        y = _kernels.logit_inclusive(top, np.log(tot), mu)
        return _kernels.logit_draw(np.exp(y), e, tot, top, group, np.asarray(u, dtype=float),
                                   avail)
    avail = np.isfinite(cost)
    util = -intensity * np.where(avail, cost, 0.0) / reference_cost[:, None]
    has_sq = status_quo_col >= 0
    rows = np.nonzero(has_sq)[0]
    util[rows, status_quo_col[has_sq]] += inertia
    util = np.where(avail, util, -np.inf)
    mu = float(nest_scale)
    prob = np.zeros((n, k))
    nests = np.unique(nest)
    iv = np.full((n, len(nests)), -np.inf)
    within = np.zeros((n, k))
    for i, g in enumerate(nests):
        cols = np.nonzero(nest == g)[0]
        s = util[:, cols] / mu
        top = s.max(axis=1, keepdims=True)
        ok = np.isfinite(top[:, 0])
        e = np.where(ok[:, None], np.exp(s - np.where(ok[:, None], top, 0.0)), 0.0)
        tot = e.sum(axis=1)
        within[:, cols] = np.where(ok[:, None], e / np.where(ok, tot, 1.0)[:, None], 0.0)
        iv[ok, i] = mu * (top[ok, 0] + np.log(tot[ok]))
    ivmax = iv.max(axis=1, keepdims=True)
    pn = np.exp(iv - ivmax)
    pn /= pn.sum(axis=1, keepdims=True)
    for i, g in enumerate(nests):
        cols = np.nonzero(nest == g)[0]
        prob[:, cols] = pn[:, i:i + 1] * within[:, cols]
    cdf = np.cumsum(prob, axis=1)
    cdf /= cdf[:, -1:]
    choice = (cdf < u[:, None]).sum(axis=1)
    # never land on an unavailable column through rounding at the top of the CDF
    choice = np.minimum(choice, k - 1)
    bad = ~avail[np.arange(n), choice]
    if bad.any():
        last_ok = k - 1 - np.argmax(avail[:, ::-1], axis=1)
        choice = np.where(bad, last_ok, choice)
    return choice


def mean_contract_term(year, early, late, start_year, end_year):
    """Mean contract term in years: linear drift from ``early`` at ``start_year`` to
    ``late`` at ``end_year``, constant outside.

    Sources: about 6.5 years around 2000 (issue #2 stylised fact, TPI Index commentary);
    3.75 years in 2015, the ACV-weighted mean term of the contracts the published series
    counts, derived from two published 2015 figures: Statista 189788's TCV (USD 88.9 bn)
    over the ISG Index's ACV of traditional sourcing contracts with ACV >= USD 5 M
    (USD 23.7 bn; ISG 4Q15 Index, 14 Jan 2016, which also says "average ACV and contract
    duration continued downward trend in 2015"); ``simulation/data/isg_index.csv``. The
    same ratio for 2014 (104.6 / 25.8 = 4.06 years) checks the straight line between
    them (3.93). A linear path, and a constant term after the last figure, are
    assumptions.
    """
    if end_year == start_year:
        frac = float(year >= end_year)
    else:
        frac = np.clip((year - start_year) / (end_year - start_year), 0.0, 1.0)
    return early + (late - early) * frac


def firm_productivity(rng, n, shape, stratified=True):
    """Productivity of ``n`` buyer firms, shape ``(n,)``: Pareto with scale 1 and
    ``shape`` (Helpman, Melitz & Yeaple 2004), by inversion ``(1 - u) ** (-1 / shape)``.

    With ``stratified`` the uniforms are stratified, ``u_i = (pi(i) + v_i) / n`` with a
    random permutation ``pi`` and independent ``v_i`` (McKay, Beckman & Conover 1979's
    Latin hypercube in one dimension): each of the n equal-probability strata holds one
    firm, so a run always has its share of the tail (the one firm of the top stratum
    stands for the largest real firms) while each firm's draw still has the Pareto
    distribution. Without it, the uniforms are independent (the model before issue #13).
    Draws: ``n`` uniforms, then (stratified) a permutation of ``n``.
    """
    u = rng.random(n)
    if stratified and n > 1:
        u = (rng.permutation(n) + u) / n
    return (1.0 - u) ** (-1.0 / shape)


def as_a_service_share_of_it(share_of_combined, ito_share_of_traditional):
    """As-a-service share of IT spend from its share of the combined sourcing market.

    ``s / (s + (1 - s) x ito)``: the ISG Index reports the as-a-service (IaaS, SaaS)
    share ``s`` of combined ACV (traditional sourcing + as-a-service); traditional
    sourcing is ITO + BPO with ITO a share ``ito`` of it (2015: 17.2 / 23.7). Both
    fractions; ``simulation/data/isg_index.csv``.
    """
    s = np.asarray(share_of_combined, float)
    return s / (s + (1.0 - s) * ito_share_of_traditional)


def it_work_bought_as_a_service(year, path_years, path_shares, scale):
    """Fraction of IT-services work bought as a service (cloud) instead of as labour, in
    ``year`` (float, may be fractional): ``scale`` x the path, clipped to [0, 1].

    The cloud-substitution rule (issue #13, the post-2012 plateau of the published
    series): IT infrastructure and software moved to as-a-service contracts (IaaS, SaaS)
    no longer need IT-services labour, in-house or outsourced, and as-a-service contracts
    are not in the traditional deal index. ISG 4Q15: ITO ACV fell 12 % in 2015 "as more
    infrastructure moves to the more flexibly priced cloud environment".

    Parameters
    ----------
    year : float
    path_years, path_shares : ndarray, shape (k,)
        Points of the path, increasing years (:attr:`simulation.world.World.cloud_years`):
        0 in ``demand.cloud_start_year`` (assumption: the first IaaS offer, Amazon EC2,
        2006), then the ISG as-a-service shares of IT spend
        (:func:`as_a_service_share_of_it`); linear between, constant after the last.
    scale : float
        ``demand.it_as_a_service_scale``: 1 reads each as-a-service dollar as one dollar of
        IT-services work less (assumption); 0 turns the rule off. Calibrated.
    """
    if scale == 0.0 or len(path_years) == 0:
        return 0.0
    return float(min(max(scale * np.interp(year, path_years, path_shares), 0.0), 1.0))


def counted_in_deal_index(acv_usd, min_acv_usd):
    """Which signed contracts the published contract-value series counts, shape like
    ``acv_usd`` (bool): those with annual contract value at or above the index's threshold.

    The measurement model of the published series (issue #13): Statista 189788 behaves as
    a deal index of large commercial contracts, not a market size. The ISG (formerly TPI)
    Index counts contracts with ACV >= USD 5 M (ISG Index press releases 2015-2021, e.g.
    4Q15, 14 Jan 2016); Statista's 2015 ITO/BPO split (63.5 / 25.4 of 88.9 USD bn TCV)
    is 3.7-3.8 times the ISG Index's 2015 ACV (17.2 / 6.6 of 23.7 USD bn), the same ratio
    for both, which is what TCV = ACV x term gives for one set of contracts. Nominal
    USD, like the model's prices; the threshold is not indexed to inflation, as in the
    index. Smaller contracts are real outsourcing but not part of the series.

    Parameters
    ----------
    acv_usd : ndarray
        ACV of each contract, USD per year (one simulated firm's contract; the firm stands
        for ``firms_per_agent`` real firms of its size, each with a contract this large).
    min_acv_usd : float
        Threshold, USD per year (``contracts.index_min_acv_usd_m`` x 1e6); 0 counts all.

    Returns
    -------
    ndarray of bool, shape like ``acv_usd``
        True for the contracts the series counts.
    """
    return np.asarray(acv_usd) >= min_acv_usd


def demand_multiplier(t_quarter_index, shocks, start_index_of):
    """Demand multiplier in a quarter from the scenario's shocks (1 = no shock).

    Each shock cuts demand by ``depth`` in its quarter and recovers linearly over
    ``recovery_quarters``; overlapping shocks multiply. ``start_index_of(year, quarter)``
    maps a shock's date to a quarter index.
    """
    m = 1.0
    for s in shocks:
        k = t_quarter_index - start_index_of(s.year, s.quarter)
        if 0 <= k < s.recovery_quarters:
            m *= 1.0 - s.depth * (1.0 - k / s.recovery_quarters)
    return m


# ---------------------------------------------------------------- shocks by group, contract endings
#: Named process groups a demand shock can target (``demand.shocks[].processes``): every
#: process, IT outsourcing (the processes of ``Processes.ITO_PROCESSES``), business process
#: outsourcing (all others), front office or back office (``processes.csv`` column ``office``).
PROCESS_GROUPS = ("all", "ito", "bpo", "front", "back")


def process_group_mask(spec, names, ito, front_office):
    """Which processes a shock's ``processes`` entry selects.

    Parameters
    ----------
    spec : str or list of str
        A group of :data:`PROCESS_GROUPS` or a list of process names (and/or groups; the
        selection is their union).
    names : sequence of str, length P
        Names of the scenario's processes, in model order.
    ito, front_office : ndarray of bool, shape (P,)
        IT-outsourcing and front-office flags of those processes
        (:class:`simulation.world.Processes`).

    Returns
    -------
    ndarray of bool, shape (P,)
        True for the selected processes. A process name the scenario does not run selects
        nothing.

    Raises
    ------
    ValueError
        On a name that is neither a group nor one of ``names`` nor a known process
        (the scenario schema checks names before a model is built).
    """
    ito = np.asarray(ito, bool)
    front = np.asarray(front_office, bool)
    groups = {"all": np.ones(len(names), bool), "ito": ito, "bpo": ~ito, "front": front,
              "back": ~front}
    items = [spec] if isinstance(spec, str) else list(spec)
    mask = np.zeros(len(names), bool)
    for item in items:
        if item in groups:
            mask |= groups[item]
        else:
            mask |= np.asarray([n == item for n in names], bool)
    return mask


def demand_multipliers(t_quarter_index, shocks, start_index_of, home_masks, process_masks,
                       shape):
    """Demand multiplier of each review in a quarter, by home country and process.

    The shock rule of :func:`demand_multiplier` (a cut of ``depth`` in the shock's quarter,
    recovering linearly over ``recovery_quarters``; overlapping shocks multiply), applied
    only to the buyers' home countries and processes each shock targets. With every shock
    targeting all homes and processes every cell equals :func:`demand_multiplier`, bit for
    bit (the same products in the same order). Assumption: a shock confined to a region or
    a process group has the same shape in time as an economy-wide one; its depth and dates
    are scenario parameters.

    Parameters
    ----------
    t_quarter_index : int
        Quarter index (since the spin-up start).
    shocks : sequence of DemandShock
        ``year``, ``quarter``, ``depth`` (fraction), ``recovery_quarters``.
    start_index_of : callable
        ``start_index_of(year, quarter)`` -> quarter index of a shock's date.
    home_masks : sequence of ndarray of bool, shape (C,)
        Per shock, the buyer home countries it hits (country order of the world).
    process_masks : sequence of ndarray of bool, shape (P,)
        Per shock, the processes it hits (:func:`process_group_mask`).
    shape : tuple of int
        ``(C, P)``: countries x processes.

    Returns
    -------
    ndarray, shape (C, P)
        Multiplier of the work volume and of the review hazard for a buyer at home ``h``
        and process ``p`` (1 = no shock).
    """
    m = np.ones(shape)
    for s, hm, pm in zip(shocks, home_masks, process_masks):
        k = t_quarter_index - start_index_of(s.year, s.quarter)
        if 0 <= k < s.recovery_quarters:
            m[np.ix_(np.asarray(hm, bool), np.asarray(pm, bool))] *= \
                1.0 - s.depth * (1.0 - k / s.recovery_quarters)
    return m


#: Codes of :func:`early_termination_cause`.
EARLY_TERM_NONE, EARLY_TERM_VENDOR_EXIT, EARLY_TERM_BREACH, EARLY_TERM_POOR_VALUE = 0, 1, 2, 3


def early_termination_cause(vendor_exit, breach, poor_value):
    """Cause of each early contract termination, one cause per contract.

    A contract ends before its expiry when its vendor exited the market (the contract is
    orphaned), when a breach ends it, or when it has been poor value for
    ``poor_value_quarters`` quarters in a row. When several hold in the same quarter the
    first in time is the cause: the vendor's exit (at the end of the previous quarter),
    then the breach (this quarter's event), then poor value (judged after the breaches).
    This precedence is a bookkeeping rule (assumption); it does not change which contracts
    end, only how they are counted.

    The causes are counted so that the model can be set beside surveys of early
    termination: Deloitte (2012), "Global Outsourcing and Insourcing Survey" (48 % of
    respondents had terminated an agreement early, mostly over quality of service; 34 % of
    them took the work back in-house); Dun & Bradstreet (2000), "Barometer of Global
    Outsourcing" (20-25 % of relationships fail in any two-year period); see
    ``simulation/data/contract_evidence.csv``.

    Parameters
    ----------
    vendor_exit, breach, poor_value : ndarray of bool, shape (n,)
        Per contract: its vendor has exited; a breach ended it this quarter; its
        poor-value counter reached the limit this quarter.

    Returns
    -------
    ndarray of int8, shape (n,)
        :data:`EARLY_TERM_VENDOR_EXIT`, :data:`EARLY_TERM_BREACH`,
        :data:`EARLY_TERM_POOR_VALUE`, or :data:`EARLY_TERM_NONE` (no early end).
    """
    vendor_exit = np.asarray(vendor_exit, bool)
    breach = np.asarray(breach, bool)
    poor_value = np.asarray(poor_value, bool)
    return np.where(vendor_exit, EARLY_TERM_VENDOR_EXIT,
                    np.where(breach, EARLY_TERM_BREACH,
                             np.where(poor_value, EARLY_TERM_POOR_VALUE,
                                      EARLY_TERM_NONE))).astype(np.int8)


def low_cost_countries(labour_cost, buyer_weight, threshold):
    """Countries that the wage-convergence lever applies to.

    A country is a low-cost (offshore-supplier) country when its labour cost is below
    ``threshold`` times the buyer-weighted mean labour cost of the buyers' home countries.
    Whether it also hosts buyers does not matter, so India, China, Mexico, Brazil and
    South Africa are included with the other supplier countries. Assumption: the split
    follows the data's own gap (with the shipped data and buyer weights, the labour cost of
    every high-income buyer country is above 0.8 times that mean in 2000, every other
    country's below 0.45 times it).

    Parameters
    ----------
    labour_cost : ndarray, shape (C,)
        Labour cost of each country in the reference year, USD/hour.
    buyer_weight : ndarray, shape (C,)
        Relative weight of each country as a buyer home (0 if none; not all 0).
    threshold : float
        Fraction of the buyer-weighted mean labour cost.

    Returns
    -------
    ndarray of bool, shape (C,)
    """
    labour_cost = np.asarray(labour_cost, float)
    wts = np.asarray(buyer_weight, float)
    mean = float((labour_cost * wts).sum() / wts.sum())
    return labour_cost < threshold * mean


def wage_convergence_multiplier(years, start_year, extra_growth):
    """Labour-cost multiplier of the wage-convergence lever, by year.

    ``(1 + extra_growth) ** max(year - start_year, 0)``: extra compound growth of labour
    cost from ``start_year`` on, on top of the path each country's GDP per capita gives
    (scenario lever; 0 = off). Applied to the countries of :func:`low_cost_countries`, it
    narrows their wage gap to the buyers' home countries.

    Parameters
    ----------
    years : ndarray of int, shape (Y,)
    start_year : int
    extra_growth : float
        Fraction per year.

    Returns
    -------
    ndarray, shape (Y,)
    """
    k = np.clip(np.asarray(years) - start_year, 0, None)
    return (1.0 + extra_growth) ** k


def wage_convergence(labour_cost, frontier, years, start_year, rate, converging):
    """Labour-cost paths with part of each low-cost country's wage gap closed.

    Conditional beta-convergence: the log gap between a country's labour cost and the
    frontier shrinks at ``rate`` per year, ``gap(t) = gap(t0) * exp(-rate * (t - t0))``
    (Barro & Sala-i-Martin 1992, "Convergence", JPE 100(2): 223-251, estimate about 2 % a
    year for incomes across US states and countries). Applied on top of the path GDP per
    capita gives, from ``start_year`` on, to the countries ``converging`` whose labour cost
    is below the frontier; so the poorest countries' labour costs rise the most. Scenario
    lever (0 = off); applying an income convergence rate to labour cost is an assumption.

    Parameters
    ----------
    labour_cost : ndarray, shape (C, Y)
        Labour cost, USD/hour.
    frontier : ndarray, shape (Y,)
        Frontier labour cost per year, USD/hour (the buyer-weighted mean of the buyers'
        home countries).
    years : ndarray of int, shape (Y,)
    start_year : int
    rate : float
        Convergence rate per year (>= 0).
    converging : ndarray of bool, shape (C,)
        Countries the lever applies to (:func:`low_cost_countries`).

    Returns
    -------
    ndarray, shape (C, Y)
        New labour costs (a copy); other countries and years before ``start_year`` are
        unchanged, and no country is raised above the frontier.
    """
    out = np.array(labour_cost, dtype=float, copy=True)
    k = np.clip(np.asarray(years) - start_year, 0, None)
    closed = 1.0 - np.exp(-rate * k)                      # share of the log gap closed
    gap = np.log(np.asarray(frontier)[None, :]) - np.log(out)
    rows = np.asarray(converging, bool)
    out[rows] *= np.exp(closed[None, :] * np.maximum(gap[rows], 0.0))
    return out
