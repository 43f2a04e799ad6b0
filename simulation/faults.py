"""Faults of the machine or the file system, reported as one line with what to do.

A full disk, a folder without write permission, a read-only file system, a path under a
file or a damaged results folder is not a bug and not bad input: the command stops with
one line that names the path, says what is wrong and what to do, and exit status 2
(:class:`EnvironmentFault`). :func:`classify` is the one mapping from an :class:`OSError`
to that line; :func:`faults_named` applies it to everything a block does to one folder.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from simulation.messages import echo

#: errno -> (what is wrong, what to do)
_CLASSES = {
    errno.EACCES: ("permission denied", "give a folder you may write to, or change its "
                   "permissions"),
    errno.EPERM: ("operation not permitted", "give a folder you may write to"),
    errno.EROFS: ("read-only file system", "give a folder on a writable file system"),
    errno.ENOSPC: ("no space left on the device", "free some space"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or raise the quota"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "give another path"),
    errno.EISDIR: ("is a folder where a file was expected", "give another path"),
    errno.EEXIST: ("a part of the path is a file, not a folder", "give another path"),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.ENAMETOOLONG: ("a name in the path is too long", "give a shorter path"),
    errno.ELOOP: ("too many levels of symbolic links", "check the path"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n)"),
    errno.ENFILE: ("too many open files on this machine", "close other programs"),
    errno.EIO: ("input/output error", "check the disk or the network file system"),
}
#: errno values that mean the storage is full: the work can go on once space is freed.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


class EnvironmentFault(Exception):
    """A fault of the machine or the file system. ``str(err)`` is one line: the path,
    what is wrong and what to do."""


class DamagedFolder(EnvironmentFault):
    """A results or sweep folder whose files are missing or unreadable."""


def classify(err: OSError, path: str | Path | None = None, then: str = "") -> EnvironmentFault:
    """The one-line fault of an :class:`OSError`.

    Parameters
    ----------
    err : OSError
    path : path, optional
        The path to name (default: the error's own file name).
    then : str
        What follows the fix, e.g. ``"run the same command again to resume"``.
    """
    where = path if path is not None else (err.filename or "?")
    wrong, todo = _CLASSES.get(err.errno, (err.strerror or type(err).__name__,
                                           "check the path and the machine"))
    return EnvironmentFault(f"{echo(where, 160)}: {wrong}; {todo}"
                            + (f", then {then}" if then else ""))


@contextmanager
def faults_named(label: str, scope: str | Path, then: str = "") -> Iterator[None]:
    """Turn an :class:`OSError` with an errno raised in the block into an
    :class:`EnvironmentFault`.

    Parameters
    ----------
    label : str
        How the line names the output, e.g. ``"--out results/run"``: used for errors on
        files inside ``scope`` (or without a file name, e.g. a write to a full disk).
    scope : path
        The folder that holds the output and its temporary files; an error on a file
        elsewhere names that file.
    then : str
        What follows the fix (see :func:`classify`).

    Notes
    -----
    Errors without an errno pass through: those raised on purpose with a message (such
    as :class:`simulation.atomic.OutputExistsError`) and timeouts.
    """
    try:
        yield
    except OSError as err:
        if err.errno is None:
            raise
        inside = err.filename is None or Path(os.fsdecode(err.filename)).resolve() \
            .is_relative_to(Path(scope).resolve())
        raise classify(err, label if inside else None, then) from None


__all__ = ["EnvironmentFault", "DamagedFolder", "classify", "faults_named", "NO_SPACE"]
