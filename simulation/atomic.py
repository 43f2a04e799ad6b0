"""Atomic results folders: written under a temporary name, renamed when complete.

A folder that exists under its final name is complete: it was renamed only after its
``COMPLETE`` marker was written. A crash (an exception, Ctrl-C, kill -9) leaves at most a
hidden ``.NAME.tmp-PID`` folder beside it, without a marker, which is never mistaken for a
result. While a folder is being written, an exclusive lock (``.NAME.lock``) makes a second
process pointed at the same folder refuse at once instead of corrupting it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

COMPLETE_MARKER = "COMPLETE"


class OutputExistsError(FileExistsError):
    """The output folder already exists and is not empty."""


class OutputBusyError(OutputExistsError):
    """Another process is writing the same output folder."""


@contextmanager
def exclusive_lock(lock_path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive, non-blocking ``flock`` on ``lock_path`` for the block.

    Raises
    ------
    OutputBusyError
        If another process holds the lock (one line, names ``what``).
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputBusyError(f"{what}: another bposim process is writing it now; wait "
                                  "for it to finish or choose another folder") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def check_output_dir(path: Path) -> None:
    """Refuse an existing non-empty folder (one line, names the path).

    Raises
    ------
    OutputExistsError
    """
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise OutputExistsError(f"--out: {path} already exists and is not empty; choose "
                                "another folder or remove it")


@contextmanager
def atomic_dir(final: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``final``; rename it to ``final`` on success.

    On any exception (including ``KeyboardInterrupt``) the temporary folder is removed
    and the exception propagates. ``final`` must not exist or be an empty folder.

    Raises
    ------
    OutputExistsError
        If ``final`` exists and is not empty.
    """
    final = Path(final)
    check_output_dir(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    lock = final.parent / f".{final.name}.lock"
    with exclusive_lock(lock, f"--out: {final}"):
        check_output_dir(final)  # another process may have finished it meanwhile
        tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        try:
            yield tmp
            (tmp / COMPLETE_MARKER).write_text("complete\n")
            if final.exists():  # an empty folder given by the user
                final.rmdir()
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    try:
        lock.unlink()
    except OSError:
        pass


def is_complete(path: str | Path) -> bool:
    """True if ``path`` is a finished results folder (has the ``COMPLETE`` marker)."""
    return (Path(path) / COMPLETE_MARKER).is_file()


def write_json(path: Path, obj) -> None:
    """Write JSON (sorted keys, indented) and fsync it."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
