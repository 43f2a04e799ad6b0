"""Fuzzing the new classes of bad input (hypothesis): nesting depth, file kinds, name
length and control characters, and huge designs. (Malformed values are fuzzed in
``test_fuzz_config.py`` and ``test_fuzz_specs.py``.)

Every case must end at once in one printable line of bounded length, exit status 2, no
traceback and no output folder.
"""

import json
import os
import socket
import time
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from experiments.design import build_design
from experiments.spec import MAX_RUNS, check_size, load_spec, n_points
from simulation.config import ConfigError
from simulation.inputs import MAX_NESTING
from simulation.messages import LINE_LIMIT
from test_inputs import SWEEP, assert_one_line, cli

# ------------------------------------------------------------------- nesting depth


@st.composite
def nested_value(draw):
    """A TOML value nested ``depth`` levels: arrays and inline tables, mixed."""
    depth = draw(st.one_of(st.integers(1, MAX_NESTING + 5), st.integers(1, 3000)))
    kinds = draw(st.lists(st.sampled_from("[{"), min_size=depth, max_size=depth))
    opening = "".join("[" if k == "[" else "{ a = " for k in kinds)
    closing = "".join("]" if k == "[" else " }" for k in reversed(kinds))
    return depth, f"{opening}1{closing}"


@settings(max_examples=150)
@given(case=nested_value(), where=st.sampled_from(["scenario", "sweep spec"]))
def test_any_nesting_depth_gives_one_line(case, where, tmp_path_factory):
    depth, value = case
    tmp = tmp_path_factory.mktemp("nest")
    p = tmp / "f.toml"
    if where == "scenario":
        p.write_text(f"[risk]\nbreach_hazard_scale = {value}\n")
        args = ["run", "--config", p]
    else:
        p.write_text(SWEEP + f'[[parameters]]\nname = "review_hazard"\nvalues = [{value}]\n')
        args = ["sweep", p]
    rc, err = cli(args + ["--out", tmp / "out", "--quiet"])
    assert_one_line(rc, err)
    if depth + 2 > MAX_NESTING:  # the document and the section or list add two levels
        assert "nested more than" in err, err
    assert not (tmp / "out").exists()


# ----------------------------------------------------------------------- file kinds
def _make(kind: str, tmp: Path) -> Path:
    p = tmp / "input.toml"
    if kind == "folder":
        p.mkdir()
    elif kind == "fifo":
        os.mkfifo(p)
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(p))
        s.close()
    elif kind == "symlink to a folder":
        (tmp / "d").mkdir()
        p.symlink_to(tmp / "d")
    elif kind == "dangling symlink":
        p.symlink_to(tmp / "nowhere")
    elif kind in ("/dev/zero", "/dev/null", "/dev/urandom"):
        p.symlink_to(kind)
    elif kind == "empty":
        p.write_bytes(b"")
    return p


KINDS = ["folder", "fifo", "socket", "symlink to a folder", "dangling symlink", "/dev/zero",
         "/dev/null", "/dev/urandom", "empty"]
COMMANDS = ["run", "config", "sweep", "calibrate"]


@settings(max_examples=60)
@given(kind=st.sampled_from(KINDS), command=st.sampled_from(COMMANDS))
def test_any_file_kind_gives_one_line_at_once(kind, command, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kind")
    p = _make(kind, tmp)
    out = tmp / "out"
    args = {"run": ["run", "--config", p, "--out", out, "--quiet"],
            "config": ["config", "--check", p],
            "sweep": ["sweep", p, "--out", out, "--quiet"],
            "calibrate": ["calibrate", p, "--out", out, "--quiet"]}[command]
    t0 = time.monotonic()
    rc, err = cli(args, timeout=30)
    assert_one_line(rc, err, *([] if kind == "empty" else ["input.toml"]))
    assert time.monotonic() - t0 < 10
    assert not out.exists()


# ---------------------------------------------- name length and control characters
NAME_CHARS = st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Z", "Cc", "Cf"])


def _toml_key(name: str) -> str:
    """A TOML basic string holding ``name`` (control characters as escapes)."""
    return json.dumps(name, ensure_ascii=False).replace("\x7f", "\\u007f")


@st.composite
def hostile_name(draw):
    base = draw(st.text(NAME_CHARS, min_size=1, max_size=40))
    return base * draw(st.sampled_from([1, 10, 1000, 5000]))


@settings(max_examples=150)
@given(name=hostile_name(), where=st.sampled_from(
    ["scenario key", "scenario section", "parameter name", "override name",
     "calibration parameter"]))
def test_names_are_echoed_trimmed_and_escaped(name, where, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("name")
    key = _toml_key(name)
    p = tmp / "f.toml"
    out = tmp / "out"
    if where == "scenario key":
        p.write_text(f"[risk]\n{key} = 1\n")
        args = ["run", "--config", p]
    elif where == "scenario section":
        p.write_text(f"[{key}]\nx = 1\n")
        args = ["run", "--config", p]
    elif where == "parameter name":
        p.write_text(SWEEP + f"[[parameters]]\nname = {key}\nvalues = [1]\n")
        args = ["sweep", p]
    elif where == "override name":
        p.write_text(SWEEP.replace("[base.overrides]", f"[base.overrides]\n{key} = 1"))
        args = ["sweep", p]
    else:
        p.write_text(f"n_firms = 20\n[[parameters]]\nname = {key}\nlower = 0.1\n"
                     "upper = 0.2\n")
        args = ["calibrate", p]
    rc, err = cli(args + ["--out", out, "--quiet"])
    assert_one_line(rc, err)
    line = err.rstrip("\n")
    assert len(line) <= len("bposim: error: ") + LINE_LIMIT
    assert line.isprintable(), repr(line[:300])
    assert not out.exists()


# ---------------------------------------------------------------------- huge designs
@st.composite
def design(draw, big=None):
    """A sweep spec with a random design; ``big``: sizes up to the field bounds."""
    kind = draw(st.sampled_from(["factorial", "lhs", "sobol", "morris", "points"]))
    big = draw(st.booleans()) if big is None else big
    k = draw(st.integers(2, 4))
    names = ["review_hazard", "hidden_cost_bias", "breach_termination_prob",
             "status_quo_inertia"][:k]
    reps = draw(st.integers(1, 1_000_000 if big else 3))
    params = "".join(f'[[parameters]]\nname = "{n}"\nrange = [0.01, 0.2]\n' for n in names)
    if kind == "factorial":
        levels = [draw(st.integers(2, 100_000 if big else 4)) for _ in names]
        params = "".join(f'[[parameters]]\nname = "{n}"\nrange = [0.01, 0.2]\nlevels = {v}\n'
                         for n, v in zip(names, levels))
        body = ""
    elif kind == "points":
        n = draw(st.integers(1, 3000 if big else 5))
        pts = "".join(f'[[design.points]]\nreview_hazard = {0.01 + i * 1e-6}\n'
                      for i in range(n))
        body, params = pts, ""
    else:
        size = draw(st.integers(2, 10_000_000 if big else 6))
        if kind == "morris":
            size = min(size, 1_000_000)
            body = f"trajectories = {size}\n"
        else:
            body = f"samples = {size}\n"
    spec = SWEEP.replace("seed = 1\n", f"seed = 1\nreplications = {reps}\n")
    return spec + f'[design]\nkind = "{kind}"\n{body}' + params


@settings(max_examples=200)
@given(text=design())
def test_design_size_is_counted_before_the_design_is_built(text, tmp_path_factory):
    p = tmp_path_factory.mktemp("design") / "spec.toml"
    p.write_text(text)
    loaded = load_spec(p)
    runs = n_points(loaded.spec) * loaded.spec.replications
    if runs > MAX_RUNS:
        t0 = time.monotonic()
        try:
            check_size(loaded.spec)
        except ConfigError as err:
            assert "exceed the limit" in str(err) and "\n" not in str(err)
        else:
            raise AssertionError(f"{runs} runs accepted")
        assert time.monotonic() - t0 < 1
        assert check_size(loaded.spec, allow_large=True) == runs
    elif n_points(loaded.spec) <= 2000:  # small enough to build: the count is exact
        assert len(build_design(loaded, 1).points) == n_points(loaded.spec)


@settings(max_examples=20)
@given(text=design(big=True))
def test_cli_refuses_huge_designs_at_once(text, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hugecli")
    p = tmp / "spec.toml"
    p.write_text(text)
    loaded = load_spec(p)
    assume(n_points(loaded.spec) * loaded.spec.replications > MAX_RUNS)
    t0 = time.monotonic()
    rc, err = cli(["sweep", p, "--out", tmp / "out", "--quiet"])
    assert_one_line(rc, err, "exceed the limit", "--allow-large")
    assert time.monotonic() - t0 < 10
    assert not (tmp / "out").exists()
