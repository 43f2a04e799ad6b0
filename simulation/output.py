"""The results folder of one run (the files behind ``bposim run``) and its text summary."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from simulation.atomic import write_json
from simulation.config import render_scenario_toml
from simulation.run import Run, provenance

RESULTS_FORMAT_VERSION = 2  # 2: early-termination columns, flows_bilateral.csv


def default_out_dir(seed: int, label: str | None = None) -> Path:
    """A new folder under ``results/``: ``results/run-YYYYmmdd-HHMMSS-seedN`` (or
    ``...-LABEL`` when a label is given)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return next_free_dir(Path("results") / f"run-{stamp}-{label or f'seed{seed}'}")


def next_free_dir(base: Path) -> Path:
    """``base``, or ``base-1``, ``base-2``, ... : the first that does not exist yet."""
    out, i = base, 1
    while out.exists():
        out = base.with_name(f"{base.name}-{i}")
        i += 1
    return out


def write_run_files(folder: Path, run: Run, origin: dict | None = None,
                    formats: tuple[str, ...] = ("png",)) -> None:
    """Write a run's files into ``folder`` (normally the temporary folder of
    :func:`simulation.atomic.atomic_dir`).

    Files: ``quarterly.csv``/``.parquet``, ``annual.csv``/``.parquet``,
    ``acv_by_country.csv``, ``flows_bilateral.csv``, ``config.toml`` (effective scenario),
    ``manifest.json`` and the figures of :func:`simulation.plotting.run_figures` in each of
    ``formats``.

    Parameters
    ----------
    folder : Path
    run : Run
    origin : dict, optional
        Where the run's seed comes from (e.g. the sweep and run id of a re-run), added to
        the manifest's ``seed`` record.
    formats : tuple of str
        Figure formats (:data:`simulation.plotting.FIGURE_FORMATS`).
    """
    from simulation import plotting  # matplotlib: imported only when a figure is drawn

    scenario = run.scenario
    run.quarterly.to_csv(folder / "quarterly.csv", index=False)
    run.annual.to_csv(folder / "annual.csv", index=False)
    run.quarterly.to_parquet(folder / "quarterly.parquet", index=False)
    run.annual.to_parquet(folder / "annual.parquet", index=False)
    run.acv_by_country.to_csv(folder / "acv_by_country.csv", index=False)
    run.flows_bilateral.to_csv(folder / "flows_bilateral.csv", index=False)
    (folder / "config.toml").write_text(render_scenario_toml(scenario), encoding="utf-8")
    plotting.save_figures(plotting.run_figures(run.annual, run.acv_by_country,
                                               scenario.population.n_firms), folder, formats)
    manifest = provenance(
        run.clock, runtime_s=run.runtime_s, seed=run.seed, scenario=scenario,
        results_format_version=RESULTS_FORMAT_VERSION,
        n_firms=scenario.population.n_firms,
        firms_per_agent=scenario.population.real_buyer_firms / scenario.population.n_firms,
        span=[scenario.time.start_year, scenario.time.end_year],
        labour_cost_fit=run.model.world.labour_fit.summary())
    if origin is not None:
        manifest["seed"] = origin | manifest["seed"]
    write_json(folder / "manifest.json", manifest)


def scenario_label(scenario) -> str:
    """Whether a scenario carries the shipped calibration (one line, for the screen)."""
    from simulation.config import CALIBRATED_SCENARIO, load_scenario, read_toml

    if not CALIBRATED_SCENARIO.is_file():
        return "uncalibrated (no shipped calibration)"
    fitted = read_toml(CALIBRATED_SCENARIO)
    sc, cal = scenario.model_dump(), load_scenario().model_dump()
    same = all(sc[sec][k] == cal[sec][k] for sec, body in fitted.items() for k in body)
    return ("calibrated default (simulation/scenarios/calibrated.toml: "
            + ", ".join(k for body in fitted.values() for k in body) + ")") if same \
        else "the calibrated parameters are changed (not the calibrated default)"


def summary(run: Run) -> str:
    """A short text summary of a run (span, market size, offshore share, vendors)."""
    scenario = run.scenario
    a = run.annual.set_index("year")
    lines = [f"scenario: {scenario_label(scenario)}",
             f"span: {scenario.time.start_year}Q1-{scenario.time.end_year}Q4 "
             f"({len(run.quarterly)} quarters, {scenario.population.n_firms} firms)"]
    for y in sorted({scenario.time.start_year, 2017, scenario.time.end_year}):
        if y in a.index:
            lines.append(f"market {y}: ACV {a.at[y, 'market_acv_usd_bn']:.1f} USD bn, "
                         f"TCV signed {a.at[y, 'tcv_signed_usd_bn']:.1f} USD bn, of which "
                         f"index contracts {a.at[y, 'tcv_index_usd_bn']:.1f}")
    last = a.index.max()
    lines.append(f"offshore share of ACV {last}: {a.at[last, 'share_offshore']:.1%}; "
                 f"vendors: {a.at[last, 'n_vendors']:.0f}")
    lines.append(f"runtime: {run.runtime_s:.1f} s")
    return "\n".join(lines)


__all__ = ["write_run_files", "summary", "default_out_dir", "next_free_dir",
           "RESULTS_FORMAT_VERSION"]
