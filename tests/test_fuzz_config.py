"""Fuzzing the scenario loader and the CLI with malformed configs (hypothesis).

Malformed means: wrong types, missing or unknown keys, out-of-range values, NaN and
infinity, huge numbers, empty files, binary junk and wrong encodings. Every case must end
in a one-line error naming the field, exit status 2 from the CLI, no traceback and no
output folder.
"""

import contextlib
import io
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.cli import main
from simulation.config import SECTIONS, ConfigError, _toml_value, load_scenario

FIELDS = [(sec, name, f) for sec, cls in SECTIONS.items() for name, f in cls.model_fields.items()]


def _bounds(field):
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        lo = getattr(m, "gt", None) if getattr(m, "gt", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
    return lo, hi


def _bad_values(field):
    """Values that the field must reject."""
    ann = field.annotation
    junk = ["text", [1, 2], {"a": 1}]
    if ann is bool:
        return junk + [1, 0, 1.5, "true"]
    if ann is int:
        lo, hi = _bounds(field)
        out = junk + [1.5, True, math.nan, math.inf, -math.inf]
        if lo is not None:
            out += [int(lo) - 1, -(10 ** 18)]
        if hi is not None:
            out += [int(hi) + 1, 10 ** 18]
        return out
    if ann is float:
        lo, hi = _bounds(field)
        out = junk + ["1.0", True, math.nan, math.inf, -math.inf]
        if lo is not None:
            out += [float(lo) - 1.0, -1e308]
        if hi is not None:
            out += [float(hi) * 10 + 1.0, 1e308]
        return out
    name = str(ann)
    if name.startswith("dict"):
        return [5, "x", [1], {"XXX": 0.5}, {"USA": "x"}, {"USA": -1.0}, {"USA": math.nan},
                {"USA": math.inf}, {"USA": 1e308}]
    if "DemandShock" in name:
        return [5, "x", [5], [{"year": 2009}], [{"year": "x", "quarter": 1, "depth": 0.1,
                                                "recovery_quarters": 4}],
                [{"year": 2009, "quarter": 5, "depth": 0.1, "recovery_quarters": 4}],
                [{"year": 2009, "quarter": 1, "depth": math.nan, "recovery_quarters": 4}],
                [{"year": 2009, "quarter": 1, "depth": 0.1, "recovery_quarters": 4,
                  "extra": 1}]]
    if "TaxChange" in name:
        return [5, "x", [{"iso3": "USA"}], [{"iso3": "XXX", "year": 2018, "rate": 0.2}],
                [{"iso3": "USA", "year": 2018, "rate": 2.0}],
                [{"iso3": "USA", "year": 2018, "rate": math.nan}]]
    if name.startswith("list"):  # population.processes
        return [5, "x", [], ["no_such_process"], ["payroll", "payroll"], [1, 2]]
    raise AssertionError(f"no bad values for {name}")


def _toml(doc: dict) -> str:
    lines = []
    for sec, body in doc.items():
        lines.append(f"[{sec}]")
        for k, v in body.items():
            lines.append(f"{k} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


@st.composite
def bad_field(draw):
    sec, name, field = draw(st.sampled_from(FIELDS))
    value = draw(st.sampled_from(_bad_values(field)))
    return f"{sec}.{name}", _toml({sec: {name: value}}).encode()


@st.composite
def unknown_key(draw):
    sec = draw(st.sampled_from(sorted(SECTIONS)))
    key = draw(st.from_regex(r"[a-z][a-z_]{2,15}", fullmatch=True))
    if key in SECTIONS[sec].model_fields:
        key += "_x"
    return f"{sec}.{key}", _toml({sec: {key: 1}}).encode()


@st.composite
def unknown_section(draw):
    sec = draw(st.from_regex(r"[a-z][a-z_]{2,15}", fullmatch=True))
    if sec in SECTIONS:
        sec += "_x"
    return sec, _toml({sec: {"x": 1}}).encode()


@st.composite
def cross_field(draw):
    start = draw(st.integers(1992, 2100))
    end = draw(st.integers(1991, start - 1))
    return "time.end_year", _toml({"time": {"start_year": start, "end_year": end}}).encode()


@st.composite
def junk_file(draw):
    kind = draw(st.sampled_from(["empty", "binary", "utf16", "latin1", "syntax", "comment"]))
    if kind == "empty":
        return "", draw(st.sampled_from([b"", b"   \n", b"\n\n"]))
    if kind == "comment":
        return "no settings", b"# just a comment\n"
    if kind == "binary":
        data = draw(st.binary(min_size=1, max_size=200))
        return "", data + b"\xff\xfe\x00"
    if kind == "utf16":
        return "UTF-8", "[risk]\nbreach_hazard_scale = 2.0 # é\n".encode("utf-16")
    if kind == "latin1":
        return "UTF-8", "[risk] # café\nbreach_hazard_scale = 2.0\n".encode("latin-1")
    needle, text = draw(st.sampled_from([
        ("TOML", "[risk\n"), ("TOML", "x = = 1"), ("TOML", "[risk]\nbreach_hazard_scale = \n"),
        ("risk", "[[risk]]\nx=1\n"),
        ("TOML", "[risk]\nbreach_hazard_scale = 1\nbreach_hazard_scale = 2\n")]))
    return needle, text.encode()


MALFORMED = st.one_of(bad_field(), unknown_key(), unknown_section(), cross_field(),
                      junk_file())


def _write(tmp: Path, data: bytes) -> Path:
    p = tmp / "scenario.toml"
    p.write_bytes(data)
    return p


@settings(max_examples=1000)
@given(case=MALFORMED)
def test_loader_rejects_malformed_configs(case, tmp_path_factory):
    needle, data = case
    path = _write(tmp_path_factory.mktemp("fz"), data)
    try:
        load_scenario(path)
    except ConfigError as err:
        msg = str(err)
        assert "\n" not in msg and msg
        assert needle.split(".")[0] in msg or needle == "", (needle, msg)
        if "." in needle:
            assert needle.split(".")[1] in msg or needle.split(".")[0] in msg, (needle, msg)
    else:
        raise AssertionError(f"accepted malformed config: {data[:200]!r}")


@settings(max_examples=1000)
@given(case=MALFORMED)
def test_cli_rejects_malformed_configs(case, tmp_path_factory):
    needle, data = case
    tmp = tmp_path_factory.mktemp("fzc")
    path = _write(tmp, data)
    out = tmp / "out"
    err, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(stdout):
        rc = main(["run", "--config", str(path), "--out", str(out), "--quiet"])
    text = err.getvalue()
    assert rc == 2, text
    assert len(text.strip().splitlines()) == 1 and text.startswith("bposim: error:"), text
    assert "Traceback" not in text
    if needle and needle != "":
        assert needle.split(".")[0] in text, (needle, text)
    assert not out.exists()
    assert not list(tmp.glob(".out*"))
