"""Fuzzing the sweep-spec and calibration-spec loaders and their commands (hypothesis).

Each generated spec is a valid example with one part broken: a field set to a wrong type,
NaN/infinity, a huge or out-of-range number, an unknown key, a missing required key, or a
file that is empty, binary junk or in the wrong encoding. Every case must end in a
:class:`ConfigError` with a one-line message and, from the CLI, exit status 2 with one
line on stderr, no traceback and no output folder. (The scenario surface is fuzzed in
``test_fuzz_config.py``.)
"""

import contextlib
import io
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.calibration import load_calibration_spec
from experiments.cli import main
from experiments.spec import load_spec
from simulation.config import ConfigError, _toml_value

SWEEP = {"name": "fz", "replications": 2, "end_year": 2002, "seed": 1,
         "base": {"overrides": {"n_firms": 20}},
         "design": {"kind": "factorial"},
         "parameters": [{"name": "review_hazard", "values": [0.02, 0.05]}]}
CALIB = {"n_firms": 20, "replications": 1, "seed": 1,
         "parameters": [{"name": "review_hazard", "lower": 0.01, "upper": 0.1}],
         "optimiser": {"maxiter": 1, "popsize": 2}}

# values no field of either spec accepts where a number, flag or name is expected
BAD = ["text", [1, "x"], {"a": 1}, math.nan, math.inf, -math.inf, -(10 ** 18), 10 ** 30,
       1e308, -1.5, True]
SEED_BAD = ["text", [1, "x"], {"a": 1}, math.nan, math.inf, -(10 ** 18), 1e308, -1.5, True,
            -1, 2 ** 128]
# (path, bad values) pairs: the path names the broken field
SWEEP_TARGETS = [
    (("replications",), BAD), (("end_year",), BAD), (("seed",), SEED_BAD),
    (("timeout_s",), BAD[:-3] + [0.0, -1.5]), (("common_random_numbers",), BAD[:-1] + [1]),
    (("design", "kind"), ["nope", 3, [1]]),
    (("parameters", 0, "name"), ["no_such_field", 3, ["x"], ""]),
    (("parameters", 0, "values"), [[], "x", 3, [math.nan], [-1.0], [5.0]]),
    (("base", "overrides"), [3, "x", {"n_firms": -1}, {"nope": 1}]),
    (("outputs",), [[], ["no_such_output"], 3]),
]
CALIB_TARGETS = [
    (("n_firms",), BAD), (("replications",), BAD), (("seed",), SEED_BAD[:-1]),
    (("parameters", 0, "name"), ["no_such_field", 3, ""]),
    (("parameters", 0, "lower"), BAD[:-5] + [0.5, 5.0]),
    (("parameters", 0, "upper"), BAD[:-5] + [0.001, 5.0]),
    (("optimiser", "maxiter"), BAD), (("optimiser", "popsize"), BAD),
    (("optimiser", "mutation"), [[0.5], "x", [math.nan, 1.0]]),
    (("parameters",), [[], "x", 3]),
]


def _toml(doc: dict) -> str:
    scalars = {k: v for k, v in doc.items() if not isinstance(v, (dict, list))
               or (isinstance(v, list) and not (v and isinstance(v[0], dict)))}
    lines = [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]
    for k, v in doc.items():
        if k in scalars:
            continue
        if isinstance(v, dict):
            lines += [f"[{k}]"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
        else:
            for item in v:
                lines += [f"[[{k}]]"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in item.items()]
    return "\n".join(lines) + "\n"


def _set(doc, path, value):
    import copy
    d = copy.deepcopy(doc)
    cur = d
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return d


def _drop(doc, path):
    import copy
    d = copy.deepcopy(doc)
    cur = d
    for p in path[:-1]:
        cur = cur[p]
    del cur[path[-1]]
    return d


@st.composite
def broken(draw, valid, targets, required):
    kind = draw(st.sampled_from(["bad_value", "bad_value", "unknown_key", "missing", "junk"]))
    if kind == "bad_value":
        path, values = draw(st.sampled_from(targets))
        return str(path[0]), _toml(_set(valid, path, draw(st.sampled_from(values)))).encode()
    if kind == "unknown_key":
        key = draw(st.from_regex(r"[a-z][a-z_]{2,12}", fullmatch=True)) + "_zz"
        where = draw(st.sampled_from([(), ("parameters", 0)] +
                                     ([("optimiser",)] if "optimiser" in valid else
                                      [("base",)])))
        return key, _toml(_set(valid, where + (key,), 1)).encode()
    if kind == "missing":
        path = draw(st.sampled_from(required))
        return str(path[-1]), _toml(_drop(valid, path)).encode()
    junk = draw(st.sampled_from(["empty", "binary", "utf16", "latin1", "syntax"]))
    if junk == "empty":
        return "", draw(st.sampled_from([b"", b"\n\n", b"# only a comment\n"]))
    if junk == "binary":
        return "", draw(st.binary(min_size=1, max_size=100)) + b"\xff\xfe\x00"
    if junk == "utf16":
        return "UTF-8", _toml(valid).encode("utf-16")
    if junk == "latin1":
        return "UTF-8", ("# café\n" + _toml(valid)).encode("latin-1")
    return "TOML", (_toml(valid) + "\n[[[broken\n").encode()


SWEEP_CASES = broken(SWEEP, SWEEP_TARGETS, [("parameters", 0, "name")])
CALIB_CASES = broken(CALIB, CALIB_TARGETS, [("parameters",), ("parameters", 0, "lower"),
                                            ("parameters", 0, "name")])


def _check_loader(loader, case, tmp: Path):
    needle, data = case
    p = tmp / "spec.toml"
    p.write_bytes(data)
    try:
        loader(p)
    except ConfigError as err:
        msg = str(err)
        assert msg and "\n" not in msg, msg
        assert needle in msg, (needle, msg)
    else:
        raise AssertionError(f"accepted a broken spec: {data[:300]!r}")


def _check_cli(args, case, tmp: Path):
    _, data = case
    p = tmp / "spec.toml"
    p.write_bytes(data)
    out = tmp / "out"
    err, std = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
        rc = main([args[0], str(p), "--out", str(out), "--quiet", *args[1:]])
    text = err.getvalue()
    assert rc == 2, (rc, text, data[:200])
    assert len(text.strip().splitlines()) == 1 and text.startswith("bposim: error:"), text
    assert "Traceback" not in text
    assert not out.exists()


def test_valid_examples_load(tmp_path):
    (tmp_path / "s.toml").write_text(_toml(SWEEP))
    (tmp_path / "c.toml").write_text(_toml(CALIB))
    assert load_spec(tmp_path / "s.toml").spec.replications == 2
    assert load_calibration_spec(tmp_path / "c.toml").spec.n_firms == 20


def _load_and_plan(path):
    """What `bposim sweep` validates before writing anything: the spec, then its plan
    (every design point's scenario)."""
    from experiments.plan import build_plan
    return build_plan(load_spec(path), entropy=1)


@settings(max_examples=1000)
@given(case=SWEEP_CASES)
def test_sweep_spec_loader_rejects_broken_specs(case, tmp_path_factory):
    _check_loader(_load_and_plan, case, tmp_path_factory.mktemp("sw"))


@settings(max_examples=1000)
@given(case=SWEEP_CASES)
def test_sweep_cli_rejects_broken_specs(case, tmp_path_factory):
    _check_cli(["sweep", "--executor", "in-process"], case, tmp_path_factory.mktemp("swc"))


@settings(max_examples=1000)
@given(case=CALIB_CASES)
def test_calibration_spec_loader_rejects_broken_specs(case, tmp_path_factory):
    _check_loader(load_calibration_spec, case, tmp_path_factory.mktemp("ca"))


@settings(max_examples=1000)
@given(case=CALIB_CASES)
def test_calibrate_cli_rejects_broken_specs(case, tmp_path_factory):
    _check_cli(["calibrate", "--executor", "in-process"], case, tmp_path_factory.mktemp("cac"))
