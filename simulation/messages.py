"""Error lines that are safe to print: user text echoed trimmed and escaped.

Every error message of bposim is one line. Names and paths in it come from user input
(a key of a TOML file, a parameter name, an ``--out`` path), so they may be huge or hold
control characters that would clear or colour a terminal. :func:`echo` is applied to each
piece of user text put into a message, and :func:`one_line` to the whole line before it
is printed.
"""

from __future__ import annotations

#: Characters of user text kept in a message (the middle of longer text is elided).
ECHO_LIMIT = 60
#: Characters of a whole error line.
LINE_LIMIT = 400


def _escaped(text: str) -> str:
    """``text`` with every non-printable character written as its escape (``\\x1b``)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def _trimmed(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters by replacing its middle with ``...``."""
    if len(text) <= limit:
        return text
    head = (limit - 3) // 2
    return f"{text[:head]}...{text[len(text) - (limit - 3 - head):]}"


def echo(text: object, limit: int = ECHO_LIMIT) -> str:
    """User text (a key, a name, a path) as it may appear in an error message.

    Non-printable characters are escaped, then the middle of text longer than ``limit``
    characters is replaced by ``...`` (the start and the end, e.g. a file name, stay).
    """
    return _trimmed(_escaped(str(text)), limit)


def one_line(message: object, limit: int = LINE_LIMIT) -> str:
    """An error message as one printable line of at most ``limit`` characters."""
    return echo(" ".join(str(message).split()), limit)


__all__ = ["echo", "one_line", "ECHO_LIMIT", "LINE_LIMIT"]
