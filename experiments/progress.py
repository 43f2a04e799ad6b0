"""Progress of long commands: a tqdm bar in a terminal, periodic plain lines elsewhere.

Every ``bposim`` command that runs many models (``sweep``, ``sensitivity``, ``calibrate``,
``reproduce``, ``validate``) and ``bposim run`` report through :class:`Progress`. On a
terminal it is a tqdm bar; when the stream is not a terminal (output piped to a file, a
batch job's log, a notebook cell) it prints plain lines such as::

    sweep tax: 12/40 runs (30 %), elapsed 41 s, ETA 1 min 36 s; ok=12 failed=0 timeout=0

one each time another tenth of the work is done, at least every :data:`EVERY_S` seconds
while work goes on, and one at the end.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Callable, TextIO

#: Longest pause between two plain progress lines while work goes on, seconds.
EVERY_S = 30.0


def duration(seconds: float) -> str:
    """``seconds`` for people: ``"41 s"``, ``"3 min 05 s"``, ``"2 h 04 min"``."""
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Progress:
    """Progress of ``total`` units of work (runs, quarters) on ``stream``.

    Parameters
    ----------
    total : int or None
        Units of work; None until known (:meth:`set_total`).
    desc : str
        What is being done, e.g. ``"sweep tax"``.
    unit : str
        Name of one unit (``"run"``); plural with an ``s``.
    stream : text stream, optional
        Where progress goes (default ``sys.stderr``).
    initial : int
        Units already done before this session (a resumed sweep): counted as done, not
        in the rate behind the ETA.
    disable : bool
        Show nothing (``--quiet``).
    every_s : float
        Longest pause between plain lines while work goes on.
    clock : callable
        Seconds, monotonic (tests pass a fake clock).
    """

    def __init__(self, total: int | None, desc: str, unit: str = "run", *,
                 stream: TextIO | None = None, initial: int = 0, disable: bool = False,
                 every_s: float = EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        self.total, self.desc, self.unit = total, desc, unit
        self.initial = self.done = initial
        self.disable, self.every_s, self.clock = disable, every_s, clock
        self.postfix = ""
        self.start = self._last_line = clock()
        self._last_tenth = self._tenth()
        self._closed = False
        self._printed = -1  # units done at the last plain line
        self.bar = None
        if not disable and _is_terminal(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=desc, unit=unit,
                            file=self.stream, dynamic_ncols=True, smoothing=0.1,
                            leave=False)

    # ---------------------------------------------------------------- reporting
    def set_total(self, total: int) -> None:
        """Set (or correct) the number of units once it is known."""
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def set_postfix(self, text: str) -> None:
        """Short status shown after the counts (``ok=12 failed=0``, the current arm)."""
        self.postfix = text
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)

    def update(self, n: int = 1) -> None:
        """``n`` more units are done."""
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif not self.disable:
            tenth, now = self._tenth(), self.clock()
            if tenth > self._last_tenth or now - self._last_line >= self.every_s:
                self._line(now)
            self._last_tenth = max(self._last_tenth, tenth)

    def refresh(self) -> None:
        """Redraw the bar now (plain lines are printed only as work is done)."""
        if self.bar is not None:
            self.bar.refresh()

    def close(self) -> None:
        """Finish: remove the bar, or print the last plain line (if any work was done
        since the last one)."""
        if self._closed:
            return
        self._closed = True
        if self.bar is not None:
            self.bar.close()
        elif not self.disable and self.done > self.initial and self._printed != self.done:
            self._line(self.clock())

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- plain lines
    def _tenth(self) -> int:
        if not self.total:
            return 0
        return math.floor(10 * self.done / self.total)

    def line(self, now: float | None = None) -> str:
        """The plain progress line: done/total, percent, elapsed, ETA and the postfix."""
        now = self.clock() if now is None else now
        elapsed = now - self.start
        units = f"{self.unit}s" if self.total != 1 else self.unit
        if self.total:
            text = (f"{self.desc}: {self.done}/{self.total} {units} "
                    f"({100 * self.done / self.total:.0f} %), elapsed {duration(elapsed)}")
            ran = self.done - self.initial
            if self.done >= self.total:
                text += ", done"
            elif ran > 0 and elapsed > 0:
                text += f", ETA {duration(elapsed / ran * (self.total - self.done))}"
        else:
            text = f"{self.desc}: {self.done} {units}, elapsed {duration(elapsed)}"
        return text + (f"; {self.postfix}" if self.postfix else "")

    def _line(self, now: float) -> None:
        print(self.line(now), file=self.stream, flush=True)
        self._last_line = now
        self._printed = self.done


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
