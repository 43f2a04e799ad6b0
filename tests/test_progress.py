"""Progress (:mod:`experiments.progress`): a bar on a terminal, plain lines when piped; and
the commands that report through it, with their output piped."""

import io
import re

from conftest import run_cli
from experiments.progress import Progress, duration
from sweeputil import FAST_BASE, write

LINE = re.compile(r"^(?P<desc>[\w .-]+): (?P<done>\d+)/(?P<total>\d+) \w+ \((?P<pct>\d+) %\), "
                  r"elapsed [\w ]+(, ETA [\w ]+|, done)(; .*)?$")


class Clock:
    """A fake monotonic clock."""

    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_duration_reads_like_a_person_would_write_it():
    assert [duration(s) for s in (0, 41.4, 65, 3599, 7440)] == [
        "0 s", "41 s", "1 min 05 s", "59 min 59 s", "2 h 04 min"]


def test_plain_lines_every_tenth_and_every_interval_with_eta():
    clock, out = Clock(), io.StringIO()
    p = Progress(20, "sweep x", stream=out, every_s=30, clock=clock)
    p.set_postfix("ok=1")
    clock.t += 10
    p.update()                      # 1/20: 5 %, no new tenth, 10 s < 30 s: no line
    assert out.getvalue() == ""
    clock.t += 10
    p.update()                      # 2/20: the first tenth
    assert out.getvalue() == ("sweep x: 2/20 runs (10 %), elapsed 20 s, ETA 3 min 00 s; "
                              "ok=1\n")
    clock.t += 31
    p.update()                      # 3/20: 31 s since the last line
    assert out.getvalue().splitlines()[-1].startswith("sweep x: 3/20 runs (15 %), elapsed 51 s")
    p.update(17)
    p.close()
    lines = out.getvalue().splitlines()
    assert lines[-1] == "sweep x: 20/20 runs (100 %), elapsed 51 s, done; ok=1"
    assert all(LINE.match(x) for x in lines) and len(lines) == 3
    p.close()                       # closing twice prints nothing more
    assert len(out.getvalue().splitlines()) == 3


def test_eta_of_a_resumed_job_counts_only_this_session():
    clock, out = Clock(), io.StringIO()
    p = Progress(100, "sweep r", stream=out, initial=50, clock=clock)
    clock.t += 60
    p.update(10)                    # 10 runs a minute; 40 to go
    assert "60/100 runs (60 %), elapsed 1 min 00 s, ETA 4 min 00 s" in out.getvalue()


def test_unknown_total_and_quiet():
    clock, out = Clock(), io.StringIO()
    p = Progress(None, "calibrate", stream=out, every_s=5, clock=clock)
    clock.t += 6
    p.update()
    assert out.getvalue() == "calibrate: 1 runs, elapsed 6 s\n"
    p.set_total(4)
    p.update(3)
    p.close()
    assert out.getvalue().splitlines()[-1] == "calibrate: 4/4 runs (100 %), elapsed 6 s, done"
    quiet = io.StringIO()
    with Progress(3, "q", stream=quiet, disable=True) as q:
        q.update(3)
    assert quiet.getvalue() == ""


def test_a_terminal_gets_a_tqdm_bar():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    with Progress(8, "validate", stream=out) as p:
        assert p.bar is not None
        p.update(3)
        p.bar.refresh()
    assert "validate" in out.getvalue() and "3/8" in out.getvalue()
    assert not LINE.search(out.getvalue())


# ------------------------------------------------------------------ commands, piped
def _progress_lines(stderr: str, desc: str) -> list[tuple[int, int]]:
    got = [LINE.match(x) for x in stderr.splitlines()]
    return [(int(m["done"]), int(m["total"])) for m in got if m and m["desc"] == desc]


def test_sweep_piped_prints_progress_lines_as_it_goes(tmp_path):
    spec = write(tmp_path / "s.toml", f"""
name = "piped"
seed = 3
replications = 10
end_year = 2001
{FAST_BASE}
[design]
kind = "factorial"
[[parameters]]
name = "review_hazard"
values = [0.01, 0.05]
""")
    p = run_cli(["sweep", spec, "--out", tmp_path / "sw", "--executor", "in-process"])
    assert p.returncode == 0, p.stderr
    lines = _progress_lines(p.stderr, "sweep piped")
    # runs are stored in chunks (of 5 here): one line per chunk, as it is stored
    assert lines[-1] == (20, 20) and len(lines) >= 3 and lines[0][0] < 20
    assert [d for d, _ in lines] == sorted({d for d, _ in lines})
    assert all(t == 20 for _, t in lines)
    assert "ok=" in p.stderr


def test_calibrate_piped_prints_progress_lines(tmp_path):
    spec = write(tmp_path / "c.toml", """
n_firms = 20
replications = 1
seed = 5
[[parameters]]
name = "coordination_cost_decline"
lower = 0.0
upper = 0.08
[optimiser]
maxiter = 1
popsize = 2
""")
    p = run_cli(["calibrate", spec, "--out", tmp_path / "cal", "--executor", "in-process"])
    assert p.returncode == 0, p.stderr
    lines = _progress_lines(p.stderr, "calibrate")
    assert len(lines) >= 3 and lines[-1][0] == lines[-1][1]
    assert "generation 1, best objective" in p.stderr


def test_validate_piped_prints_progress_lines_with_a_total(tmp_path):
    """(``--quiet`` printing nothing: tests/test_validation.py.)"""
    from experiments.validation import planned_runs
    from experiments.validation.records import QUICK

    p = run_cli(["validate", "--quick", "--only", "fixed_costs", "--out", tmp_path / "v"])
    assert p.returncode == 0, p.stderr
    lines = _progress_lines(p.stderr, "validate")
    total = planned_runs(["fixed_costs"], QUICK)
    assert total == 16 and lines[-1] == (total, total) and len(lines) >= 5
    assert "report:" in p.stdout
    # 8 replications: the small-sample warning, and a verdict per claim with its n
    assert "bposim: warning: 8 replications are below the minimum of 10" in p.stderr
    assert re.search(r"^(PASS|FAIL|UNDERPOWERED) +fixed_costs .*\(n=8\)$", p.stdout, re.M)
