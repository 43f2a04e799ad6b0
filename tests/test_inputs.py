"""Every loader reads its file through one guarded reader (simulation/inputs.py), and every
error line escapes and trims the user text it echoes (simulation/messages.py).

Each loader of the command line is tried with the same bad files: a folder, a FIFO with
no writer, an endless device, a file over the size limit, deeply nested TOML, and a file
with a UTF-8 byte-order mark (which is valid). Every bad case must end at once with one
line, exit status 2, and no traceback.
"""

import contextlib
import io
import os
import shutil
import threading
from pathlib import Path

import pytest

from experiments.cli import main
from simulation.inputs import MAX_INPUT_BYTES, MAX_NESTING, ConfigError, nesting, read_toml
from simulation.messages import LINE_LIMIT, echo, one_line

ROOT = Path(__file__).resolve().parent.parent
SWEEP = """name = "tiny"
seed = 1
end_year = 2001
[base.overrides]
n_firms = 20
"time.spinup_years" = 1
"""
CALIB = """n_firms = 20
replications = 1
seed = 1
[[parameters]]
name = "review_hazard"
lower = 0.01
upper = 0.1
[optimiser]
maxiter = 1
popsize = 2
"""


def cli(args, timeout=60):
    """``bposim ARGS`` in this process: (exit status, stderr). Fails if it hangs."""
    result = {}

    def target():
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            result["rc"] = main([str(a) for a in args])
        result["err"] = err.getvalue()

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"bposim {args} hangs"
    return result["rc"], result["err"]


def assert_one_line(rc, err, *needles):
    assert rc == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("bposim: error:"), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


# --------------------------------------------------------- the loaders of the command line
def _loaders(tmp: Path, bad: Path) -> dict[str, list]:
    """Each command-line loader pointed at the file ``bad``."""
    (tmp / "base.toml").write_text(SWEEP + f'[base]\nscenario = "{bad}"\n')
    (tmp / "calib_base.toml").write_text(f'scenario = "{bad}"\n' + CALIB)
    (tmp / "cal").mkdir(exist_ok=True)
    shutil.copy(ROOT / "simulation/scenarios/calibrated.toml", tmp / "cal")
    json_target = tmp / "cal" / "calibration.json"
    if json_target.exists() or json_target.is_symlink():
        json_target.unlink()
    json_target.symlink_to(bad)
    out = tmp / "out"
    return {
        "run --config": ["run", "--config", bad, "--out", out, "--quiet"],
        "config --check": ["config", "--check", bad],
        "viz --config": ["viz", "--config", bad],
        "sweep spec": ["sweep", bad, "--out", out, "--executor", "in-process", "--quiet"],
        "sweep base scenario": ["sweep", tmp / "base.toml", "--out", out, "--executor",
                                "in-process", "--quiet"],
        "calibrate spec": ["calibrate", bad, "--out", out, "--executor", "in-process",
                           "--quiet"],
        "calibrate scenario": ["calibrate", tmp / "calib_base.toml", "--out", out,
                               "--executor", "in-process", "--quiet"],
        "reproduce calibration.json": ["reproduce", "--calibration",
                                       tmp / "cal" / "calibrated.toml", "--out", out,
                                       "--executor", "in-process", "--quiet"],
    }


LOADERS = ["run --config", "config --check", "viz --config", "sweep spec",
           "sweep base scenario", "calibrate spec", "calibrate scenario",
           "reproduce calibration.json"]


def _bad_file(kind: str, tmp: Path) -> tuple[Path, str]:
    """A file of the given kind and the words its error line must hold."""
    if kind == "folder":
        (tmp / "adir").mkdir()
        return tmp / "adir", "is a folder"
    if kind == "fifo":
        os.mkfifo(tmp / "fifo")
        return tmp / "fifo", "is a FIFO"
    if kind == "endless device":
        return Path("/dev/zero"), "is a character device"
    if kind == "too large":
        p = tmp / "huge.toml"
        with open(p, "wb") as fh:
            fh.truncate(MAX_INPUT_BYTES + 1)  # sparse: no disk used
        return p, "larger than 16 MiB"
    if kind == "deeply nested":
        p = tmp / "deep.toml"
        p.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
        return p, f"nested more than {MAX_NESTING} levels"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["folder", "fifo", "endless device", "too large",
                                  "deeply nested"])
@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_refuses_bad_files_at_once(loader, kind, tmp_path):
    bad, needle = _bad_file(kind, tmp_path)
    if loader == "reproduce calibration.json" and kind == "deeply nested":
        bad.write_text("[" * 5000 + "]" * 5000)  # the same, as JSON
    rc, err = cli(_loaders(tmp_path, bad)[loader])
    named = "calibration.json" if loader.startswith("reproduce") else bad.name
    assert_one_line(rc, err, needle, named)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("loader", ["run --config", "config --check", "sweep spec",
                                    "calibrate spec"])
def test_a_byte_order_mark_is_allowed(loader, tmp_path):
    from experiments.calibration import load_calibration_spec
    from experiments.spec import load_spec
    from simulation.config import load_scenario

    text = {"run --config": "[risk]\nbreach_hazard_scale = 2.0\n",
            "config --check": "[risk]\nbreach_hazard_scale = 2.0\n",
            "sweep spec": SWEEP, "calibrate spec": CALIB}[loader]
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode())
    load = {"sweep spec": load_spec, "calibrate spec": load_calibration_spec}.get(
        loader, load_scenario)
    load(p)  # no "Invalid statement ... column 1"
    if loader == "config --check":
        rc, err = cli(["config", "--check", p])
        assert rc == 0, err


def test_a_non_utf8_spec_is_called_a_sweep_spec(tmp_path):
    p = tmp_path / "latin1.toml"
    p.write_bytes(("# café\n" + SWEEP).encode("latin-1"))
    rc, err = cli(["sweep", p, "--out", tmp_path / "out", "--quiet"])
    assert_one_line(rc, err, "not UTF-8", "a sweep spec must be")
    assert "scenario" not in err


def test_a_folder_as_base_scenario_is_called_a_folder(tmp_path):
    (tmp_path / "scen").mkdir()
    p = tmp_path / "spec.toml"
    p.write_text(SWEEP + '[base]\nscenario = "scen"\n')
    rc, err = cli(["sweep", p, "--out", tmp_path / "out", "--quiet"])
    assert_one_line(rc, err, "base.scenario", "is a folder")
    assert "no such file" not in err


def test_nesting_limit_is_exact(tmp_path):
    def nested(depth):  # a = [[...]]: the document table plus depth - 1 arrays
        return "a = " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"

    p = tmp_path / "n.toml"
    p.write_text(nested(MAX_NESTING))
    assert nesting(read_toml(p)) == MAX_NESTING
    p.write_text(nested(MAX_NESTING + 1))
    with pytest.raises(ConfigError, match="nested more than"):
        read_toml(p)


# --------------------------------------------------------------- echoed user text
@pytest.mark.parametrize("where", ["scenario key", "scenario section", "parameter name",
                                   "override name", "country code"])
def test_echoed_names_are_trimmed_and_escaped(where, tmp_path):
    name = "\\u001b[2J\\u001b[31m" + "k" * 100_000 + "\\u0007"
    text, args = {
        "scenario key": (f'[risk]\n"{name}" = 1\n', "run"),
        "scenario section": (f'["{name}"]\nx = 1\n', "run"),
        "country code": (f'[countries.tax_rate_overrides]\n"{name}" = 0.2\n', "run"),
        "parameter name": (SWEEP + f'[[parameters]]\nname = "{name}"\nvalues = [1]\n',
                           "sweep"),
        "override name": (SWEEP.replace("[base.overrides]", f'[base.overrides]\n"{name}" = 1'),
                          "sweep"),
    }[where]
    p = tmp_path / "f.toml"
    p.write_text(text)
    cmd = ["run", "--config", p] if args == "run" else ["sweep", p]
    rc, err = cli(cmd + ["--out", tmp_path / "out", "--quiet"])
    assert_one_line(rc, err)
    line = err.rstrip("\n")
    assert len(line) <= len("bposim: error: ") + LINE_LIMIT, len(line)
    assert all(c.isprintable() for c in line), repr(line[:200])
    assert "\\x1b[2J" in line  # shown, escaped


def test_echo_and_one_line():
    assert echo("a\x1bb\nc\u202e") == "a\\x1bb\\nc\\u202e"
    long = echo("x" * 1000 + "/file.toml", 40)
    assert len(long) == 40 and long.endswith("file.toml") and "..." in long
    assert one_line("two\nlines\t and  spaces") == "two lines and spaces"
    assert len(one_line("y" * 10_000)) == LINE_LIMIT
