"""The main job, ``bposim run``: files, columns, determinism, and bad input."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from simulation.collector import (BILATERAL_COLUMNS, OUTPUT_COLUMNS,
                                  PROCESS_GROUP_NAMES)
from simulation.config import (DEFAULT_SCENARIO, load_scenario, render_default_toml)

FILES = ["quarterly.csv", "annual.csv", "quarterly.parquet", "annual.parquet",
         "acv_by_country.csv", "flows_bilateral.csv", "config.toml", "manifest.json",
         "market_size.png", "COMPLETE"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    p = run_cli(["run", "--firms", 150, "--seed", 5, "--out", out])
    assert p.returncode == 0, p.stderr
    assert "market 2017" in p.stdout and "runtime" in p.stdout and "offshore share" in p.stdout
    return out


def test_run_writes_every_file_and_column(run_dir):
    for f in FILES:
        assert (run_dir / f).is_file(), f
    q = pd.read_csv(run_dir / "quarterly.csv")
    a = pd.read_parquet(run_dir / "annual.parquet")
    for col in ("year", *OUTPUT_COLUMNS):
        assert col in q.columns and col in a.columns
    assert "quarter" in q.columns
    assert a["year"].min() == 2000 and a["year"].max() == 2030
    c = pd.read_csv(run_dir / "acv_by_country.csv")
    assert list(c.columns) == ["year", "vendor_iso3", "acv_usd_bn"]
    f = pd.read_csv(run_dir / "flows_bilateral.csv")
    assert list(f.columns) == list(BILATERAL_COLUMNS)
    assert set(f["process_group"]) <= set(PROCESS_GROUP_NAMES)
    # the bilateral table adds up to the market: ACV by year equals the annual ACV
    tot = f.groupby("year")["acv_usd_bn"].sum().reindex(a["year"], fill_value=0.0)
    assert np.allclose(tot.to_numpy(), a["market_acv_usd_bn"].to_numpy(), rtol=1e-9, atol=1e-12)
    m = json.loads((run_dir / "manifest.json").read_text())
    for key in ("package_version", "git_revision", "seed", "config_hash", "started_utc",
                "finished_utc", "runtime_s"):
        assert key in m
    assert m["seed"] == 5


def test_effective_config_round_trips(run_dir):
    sc = load_scenario(run_dir / "config.toml")
    m = json.loads((run_dir / "manifest.json").read_text())
    assert sc.config_hash() == m["config_hash"]
    assert sc.population.n_firms == 150


def test_same_seed_gives_identical_files(run_dir, tmp_path):
    out = tmp_path / "again"
    p = run_cli(["run", "--firms", 150, "--seed", 5, "--out", out, "--quiet"])
    assert p.returncode == 0 and p.stdout == ""
    for f in ("quarterly.csv", "annual.csv", "acv_by_country.csv", "config.toml"):
        assert (out / f).read_bytes() == (run_dir / f).read_bytes(), f


def test_default_toml_is_generated_from_schema():
    assert DEFAULT_SCENARIO.read_text() == render_default_toml()


def test_configuration_reference_is_generated_from_schema():
    from conftest import ROOT
    from experiments.reference import render_full_reference
    text = (ROOT / "docs" / "configuration.md").read_text()
    assert text == render_full_reference() + "\n"
    for needle in ("## `[risk]`", "## Sweep spec", "`[[parameters]]`", "## Calibration spec",
                   "`breach_hazard_scale`", "`replications`", "`maxiter`"):
        assert needle in text


BAD = {
    "unknown key": ("[decision]\nreview_hazzard = 0.1\n", "decision.review_hazzard"),
    "unknown section": ("[nonsense]\nx = 1\n", "nonsense"),
    "wrong type": ("[population]\nn_firms = \"many\"\n", "population.n_firms"),
    "tax rate above 1": ("[countries]\ntax_rate_overrides = { IND = 1.5 }\n",
                         "countries.tax_rate_overrides"),
    "tax rate below 0": ("[countries]\ntax_rate_changes = [{ iso3 = \"USA\", year = 2018, "
                         "rate = -0.1 }]\n", "countries.tax_rate_changes"),
    "negative wage": ("[labour]\nlabour_cost_overrides_usd_per_hour = { IND = -2.0 }\n",
                      "labour.labour_cost_overrides_usd_per_hour"),
    "unknown country": ("[countries]\ntax_rate_overrides = { XXX = 0.2 }\n", "'XXX'"),
    "end before start": ("[time]\nstart_year = 2010\nend_year = 2005\n", "time.end_year"),
    "not toml": ("this is = = not toml", "invalid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_one_line_exit_2_no_output(case, tmp_path):
    text, needle = BAD[case]
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    out = tmp_path / "out"
    p = run_cli(["run", "--config", cfg, "--out", out, "--quiet"])
    assert p.returncode == 2
    err = p.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("bposim: error:"), err
    assert needle in err
    assert "Traceback" not in p.stderr
    assert not out.exists()
    assert not any(tmp_path.glob(".out.tmp-*"))


@pytest.mark.parametrize("args,needle", [
    (["--end-year", "1999"], "end_year"),
    (["--firms", "0"], "n_firms"),
    (["--firms", "abc"], "--firms"),
    (["--seed", "-1"], "--seed"),
])
def test_bad_options_one_line_exit_2(args, needle, tmp_path):
    out = tmp_path / "out"
    p = run_cli(["run", *args, "--out", out, "--quiet"])
    assert p.returncode == 2, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and needle in p.stderr
    assert not out.exists()


def test_existing_output_folder_is_refused(run_dir):
    p = run_cli(["run", "--out", run_dir, "--quiet"])
    assert p.returncode == 2 and "already exists" in p.stderr


def test_config_check_and_dump(tmp_path):
    p = run_cli(["config", "--dump"])
    assert p.returncode == 0 and p.stdout == render_default_toml()
    good = tmp_path / "good.toml"
    good.write_text("[risk]\nbreach_hazard_scale = 2.0\n")
    p = run_cli(["config", "--check", good])
    assert p.returncode == 0 and "valid" in p.stdout
