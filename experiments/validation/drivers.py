"""Check 8: the downsides of outsourcing lower its volume; the volume and value
elasticities of every driver (issue #12)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments import figures
from experiments.validation.records import Replications, RunRecord, is_offshore_location
from experiments.validation.statistics import (CheckResult, Claim, Diagnostic, Estimate,
                                               per_rep, window_mean)

#: Multiplicative step of a scale driver: elasticities are arc elasticities over a 50 % rise.
STEP = 1.5
#: Step of a tax rate, in rate points (semi-elasticity per unit of the rate).
TAX_STEP = 0.10


def outsourced_hours(rec: RunRecord) -> float:
    """Volume: hours per year under vendor contracts (in-house-equivalent hours, every
    vendor country), mean over the window's year-end states."""
    return window_mean(rec.vendor_hours.sum(axis=1))


def offshore_hours(rec: RunRecord) -> float:
    """The part of :func:`outsourced_hours` bought from vendors at the offshore location
    class (relative to the buyer's home), window mean."""
    return window_mean(rec.offshore_vendor_hours)


def domestic_nearshore_hours(rec: RunRecord) -> float:
    """The part of :func:`outsourced_hours` bought from onshore and nearshore vendors."""
    return outsourced_hours(rec) - offshore_hours(rec)


def market_value(rec: RunRecord) -> float:
    """Value: ACV of active vendor contracts (USD bn), mean over the window's years."""
    return float(rec.annual["market_acv_usd_bn"].mean())


def offshore_pairs(rec: RunRecord) -> float:
    """Share of pairs done at the offshore location class (vendor or captive), window
    mean."""
    return window_mean(is_offshore_location(rec.status).mean(axis=1))


@dataclass(frozen=True)
class Driver:
    """One driver of the market: its treatment arm and how its elasticity is measured.

    Attributes
    ----------
    name : str
    change : dict
        Flat scenario overrides of the treatment arm.
    step : float
        ln(treatment / base) of the driver for an elasticity (d ln Y / d ln x), or the
        change of the rate for a semi-elasticity (d ln Y / d t).
    kind : str
        ``"elasticity"`` or ``"semi-elasticity"``.
    expected_volume : int
        -1 where a rise must lower the outsourced volume (a claim); 0 where the direction
        is reported, not judged.
    """

    name: str
    change: dict
    step: float
    kind: str = "elasticity"
    expected_volume: int = 0


def drivers(reps: Replications) -> list[Driver]:
    """The drivers and their treatment arms: each raised by 50 %, India's tax rate by 10
    points in every year (the data's path + 0.10, as dated changes)."""
    from simulation.world import World

    sc = reps.scenario()
    co, risk, tr, dc = sc.coordination, sc.risk, sc.transition, sc.decision
    ln = float(np.log(STEP))
    w = World.build(sc)
    ind = w.index("IND")
    ind_tax = [{"iso3": "IND", "year": int(w.first_year + j), "rate": float(min(r + TAX_STEP, 1))}
               for j, r in enumerate(w.tax_rate[ind])]
    bias = min(dc.hidden_cost_bias * STEP, 1.0)
    return [
        Driver("coordination cost",
               dict(coordination_cost_2000=co.coordination_cost_2000 * STEP,
                    coordination_cost_floor=co.coordination_cost_floor * STEP), ln, "elasticity",
               -1),
        Driver("breach hazard", dict(breach_hazard_scale=risk.breach_hazard_scale * STEP), ln,
               "elasticity", -1),
        Driver("backlash", dict(backlash_intensity=risk.backlash_intensity * STEP), ln,
               "elasticity", -1),
        Driver("hidden costs", dict(governance_cost_scale=tr.governance_cost_scale * STEP,
                                    switching_cost_fraction=tr.switching_cost_fraction * STEP),
               ln, "elasticity", -1),
        Driver("hidden-cost bias", dict(hidden_cost_bias=bias),
               float(np.log(bias / dc.hidden_cost_bias))),
        Driver("labour cost of India", dict(labour_cost_multiplier={"IND": STEP}), ln),
        Driver("tax rate of India", dict(tax_rate_changes=ind_tax), TAX_STEP, "semi-elasticity"),
    ]


def elasticities(base: list[RunRecord], treat: list[RunRecord], step: float) -> dict:
    """Per-replication (semi-)elasticities of volume, value and the average price per hour
    (value / volume), of the volume bought offshore and onshore or nearshore, and the
    change of the share of pairs done offshore."""
    def dln(f):
        return np.log(per_rep(treat, f)) - np.log(per_rep(base, f))

    dv, da = dln(outsourced_hours), dln(market_value)
    return {"volume": dv / step, "value": da / step, "price": (da - dv) / step,
            "volume_offshore": dln(offshore_hours) / step,
            "volume_onshore_nearshore": dln(domestic_nearshore_hours) / step,
            "offshore": per_rep(treat, offshore_pairs) - per_rep(base, offshore_pairs)}


def check_driver_elasticities(reps: Replications) -> CheckResult:
    """The downsides of outsourcing lower its volume; every driver's volume and value
    elasticities.

    Claim: a rise of a cost or risk of outsourcing - coordination cost, breach hazard,
    customer backlash, hidden (governance and switching) costs - lowers the volume of work
    bought from vendors (hours under contract). Value (ACV) need not fall with it: when the
    work that stays outsourced moves to dearer vendors (onshore or nearshore instead of
    offshore), the average price per hour rises, and value can rise while volume falls.

    Sources: Grossman, G. & Rossi-Hansberg, E. (2008), "Trading tasks: a simple theory of
    offshoring", AER 98(5) (coordination cost); IBM Security / Ponemon, Cost of a Data
    Breach, and Lacity, Khan & Willcocks (2009), "A review of the IT outsourcing
    literature", JSIS 18(3) (breach risk); Grappi, Romani & Bagozzi (2015), J. Academy of
    Marketing Science 43 (customer backlash); Larsen, Manning & Pedersen (2013),
    "Uncovering the hidden costs of offshoring", SMJ 34(5) (hidden costs).

    Design. For each driver, the default vs the driver raised by 50 % (India's tax rate:
    +10 points in every year), common random numbers. Per replication, with Y the window
    mean of volume (year-end hours under vendor contracts) or value (annual ACV):
    elasticity = ln(Y_treat / Y_base) / ln 1.5 (semi-elasticity for the tax: / 0.10); the
    price elasticity (average ACV per hour) is value minus volume. Claims: the volume
    elasticity is negative for coordination cost, breach hazard, backlash and hidden costs.
    Every value and price elasticity, the volume elasticities split into offshore and
    onshore-or-nearshore vendors (a downside of offshoring alone, such as customer
    backlash, moves work from offshore to domestic vendors, which offsets the fall of the
    total), and the volume elasticities of the hidden-cost bias, India's labour cost and
    India's tax rate, are reported, not judged.
    """
    base = reps.arm("default")
    claims, diags, rows, per = [], [], [], {}
    for d in drivers(reps):
        e = elasticities(base, reps.arm(d.name, **d.change), d.step)
        unit = "d ln Y / d t" if d.kind == "semi-elasticity" else "d ln Y / d ln x"
        est = {k: Estimate.of(v) for k, v in e.items()}
        if d.expected_volume:
            claims.append(Claim(f"higher {d.name} lowers outsourced volume",
                                f"volume {d.kind} ({unit}; Y = hours under vendor contracts)",
                                d.expected_volume, e["volume"]))
        else:
            diags.append(Diagnostic(f"{d.name}: volume {d.kind}",
                                    f"{unit}; Y = hours under vendor contracts", e["volume"]))
        diags.append(Diagnostic(f"{d.name}: value {d.kind}", f"{unit}; Y = ACV", e["value"]))
        for part, where in (("volume_offshore", "offshore"),
                            ("volume_onshore_nearshore", "onshore and nearshore")):
            diags.append(Diagnostic(f"{d.name}: {where} volume {d.kind}",
                                    f"{unit}; Y = hours under {where} vendor contracts",
                                    e[part]))
        diags.append(Diagnostic(f"{d.name}: price per hour {d.kind}"
                                + price_shift_note(est), f"{unit}; Y = ACV / hours "
                                "(value minus volume)", e["price"]))
        row = {"driver": d.name, "kind": d.kind, "step": d.step}
        for k in ("volume", "value", "price", "offshore"):
            row |= {k: est[k].mean, f"{k}_lo": est[k].lo, f"{k}_hi": est[k].hi}
            per[f"{d.name}: {k}"] = e[k]
        rows.append(row)
    table = pd.DataFrame(rows)
    return CheckResult(
        key="drivers", title="Drivers: volume and value elasticities",
        claim="Higher coordination cost, breach hazard, customer backlash and hidden costs "
              "lower the volume of outsourced work; the volume and value elasticities of "
              "every driver.",
        source="Grossman & Rossi-Hansberg (2008), AER 98(5); IBM/Ponemon, Cost of a Data "
               "Breach; Lacity, Khan & Willcocks (2009), JSIS 18(3); Grappi, Romani & "
               "Bagozzi (2015), JAMS 43; Larsen, Manning & Pedersen (2013), SMJ 34(5)",
        experiment="each driver x 1.5 vs the default (India's tax rate +10 points in every "
                   "year), paired; elasticity = ln(Y_treat / Y_base) / ln 1.5 of the window "
                   "means of volume (hours under vendor contracts) and value (ACV); price "
                   "per hour = value - volume.",
        claims=claims, figure=figures.elasticity_figure(table), data=pd.DataFrame(per),
        diagnostics=diags)


def price_shift_note(est: dict) -> str:
    """Explanation of a value that rises while volume falls (or the reverse): the price per
    hour moves against the volume, and with it the offshore share of the work."""
    vol, val, off = est["volume"].mean, est["value"].mean, est["offshore"].mean
    if not (np.isfinite(vol) and np.isfinite(val)) or np.sign(vol) == np.sign(val):
        return ""
    up = val > vol
    if (up and off < 0) or (not up and off > 0):
        why = (f"the work that stays outsourced moves {'away from' if off < 0 else 'towards'} "
               f"offshore vendors (offshore share of pairs {off:+.3f}), whose hours are the "
               "cheapest")
    else:
        why = (f"vendors' prices per hour of the same work change (offshore share of pairs "
               f"{off:+.3f})")
    return (f" (value {'rises' if val > 0 else 'falls'} while volume "
            f"{'falls' if vol < 0 else 'rises'}: the average price per hour moves "
            f"{'up' if up else 'down'}; {why})")
