"""The one reader of input files: scenarios, sweep and calibration specs, JSON results.

Every loader reads its file through :func:`read_text` (and :func:`read_toml` or
:func:`read_json`), so every input file gets the same guards:

- only a regular file is read: a folder, a FIFO, a device (``/dev/zero``) or a socket is
  refused at once, and opening never blocks (``O_NONBLOCK``);
- at most :data:`MAX_INPUT_BYTES` are read;
- text is UTF-8, with or without a byte-order mark;
- TOML and JSON may nest at most :data:`MAX_NESTING` levels (tables, arrays, objects).

Every problem is a :class:`ConfigError` with one line that names the file and what is
allowed.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from simulation.messages import echo

#: Largest input file read, bytes (a scenario or spec is a few kilobytes).
MAX_INPUT_BYTES = 16 * 2 ** 20
#: Deepest nesting of tables and arrays (a scenario needs 3 levels).
MAX_NESTING = 64

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class ConfigError(ValueError):
    """An input that cannot be used. ``str(err)`` is one line naming the file or field."""


def read_text(path: str | Path, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    """The text of a regular UTF-8 file of at most ``limit`` bytes.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file is, for messages (``"scenario"``, ``"sweep spec"``, ...).
    limit : int
        Largest size read, bytes.

    Raises
    ------
    ConfigError
        Missing or unreadable, not a regular file, too large, or not UTF-8.
    """
    shown = echo(path, 160)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        reason = "no such file" if isinstance(err, FileNotFoundError) else \
            f"cannot read it: {err.strerror}"
        raise ConfigError(f"{shown}: {reason}; give a {what} file") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise ConfigError(f"{shown}: is {kind}; give a {what} file (a regular file)")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise ConfigError(f"{shown}: larger than {limit / 2 ** 20:g} MiB; a {what} is a "
                          "small text file")
    try:
        return raw.decode("utf-8-sig")  # a leading byte-order mark is allowed
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: not UTF-8 text; a {what} must be a UTF-8 file") \
            from None


def nesting(value: Any) -> int:
    """Levels of dicts and lists in ``value`` (0 for a scalar), counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((x, depth + 1) for x in item)
    return deepest


def _too_deep(path: str | Path, what: str) -> ConfigError:
    return ConfigError(f"{echo(path, 160)}: nested more than {MAX_NESTING} levels deep; a "
                       f"{what} needs only a few levels of tables and arrays")


def parse_toml(text: str, path: str | Path, what: str) -> dict[str, Any]:
    """Parse TOML text read from ``path`` (with :mod:`tomllib`, never evaluated).

    Raises
    ------
    ConfigError
        Invalid TOML, or nested more than :data:`MAX_NESTING` levels.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{echo(path, 160)}: invalid TOML ({echo(err, 200)})") from None
    except RecursionError:  # tomllib recurses once per level: far beyond MAX_NESTING
        raise _too_deep(path, what) from None
    if nesting(data) > MAX_NESTING:
        raise _too_deep(path, what)
    return data


def read_toml(path: str | Path, what: str = "scenario") -> dict[str, Any]:
    """Read a TOML file with the guards of :func:`read_text` and :func:`parse_toml`.

    Raises
    ------
    ConfigError
    """
    return parse_toml(read_text(path, what), path, what)


def read_json(path: str | Path, what: str, limit: int = MAX_INPUT_BYTES) -> Any:
    """Read a JSON file with the guards of :func:`read_text` and the nesting limit.

    Raises
    ------
    ConfigError
    """
    text = read_text(path, what, limit)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"{echo(path, 160)}: invalid JSON ({echo(err, 200)})") from None
    except RecursionError:
        raise _too_deep(path, what) from None
    if nesting(data) > MAX_NESTING:
        raise _too_deep(path, what)
    return data


__all__ = ["ConfigError", "read_text", "read_toml", "parse_toml", "read_json", "nesting",
           "MAX_INPUT_BYTES", "MAX_NESTING"]
