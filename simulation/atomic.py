"""Atomic results folders: written under a temporary name, renamed when complete.

A folder that exists under its final name is complete: it was renamed only after its
``COMPLETE`` marker was written. While a folder is being written, an exclusive lock
(``.NAME.lock``) makes a second process pointed at the same folder refuse at once instead
of corrupting it; the lock file is removed when the writer ends, however it ends, except
after ``kill -9``, and the next writer of the folder removes it then.

What a crash leaves behind:

- an exception, Ctrl-C or SIGTERM: nothing (the temporary folder is removed). Ctrl-C or
  SIGTERM during the final rename is held back until the rename is done, and then
  reported with the complete folder kept (:class:`InterruptedAfterCommit`);
- ``kill -9``: at most a hidden ``.NAME.tmp-PID`` folder and ``.NAME.lock`` beside it.
  A temporary folder is never taken for a result, even one killed after its marker was
  written (:func:`is_complete` refuses its name), and the next run into ``NAME``
  removes both.

Faults of the file system (no space, no permission, a path under a file) end as one
:class:`~simulation.faults.EnvironmentFault` naming the folder.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import re
import shutil
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from simulation.faults import faults_named
from simulation.messages import echo

COMPLETE_MARKER = "COMPLETE"
_TEMP_NAME = re.compile(r"^\..+\.tmp-\d+$")


class OutputExistsError(FileExistsError):
    """The output folder already exists and is not empty."""


class OutputBusyError(OutputExistsError):
    """Another process is writing the same output folder."""


class InterruptedAfterCommit(KeyboardInterrupt):
    """Ctrl-C or SIGTERM arrived while a folder was being renamed into place: the folder
    is complete and kept. ``str(err)`` says where."""


@contextmanager
def exclusive_lock(lock_path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive, non-blocking ``flock`` on ``lock_path`` for the block; the lock
    file is removed when the block ends.

    The file is removed while it is still locked, and a process that locked a file
    that is no longer at ``lock_path`` tries again, so two processes never both hold it.

    Raises
    ------
    OutputBusyError
        If another process holds the lock (one line, names ``what``).
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputBusyError(f"{what}: another bposim process is writing it now; wait "
                                  "for it to finish or choose another folder") from None
        try:
            if os.stat(lock_path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)  # its holder removed it meanwhile: lock the file now at lock_path
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        try:
            lock_path.unlink()
        finally:
            os.close(fd)


def check_output_dir(path: Path) -> None:
    """Refuse an existing non-empty folder (one line, names the path).

    Raises
    ------
    OutputExistsError
    """
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise OutputExistsError(f"--out: {echo(path, 160)} already exists and is not empty; "
                                "choose another folder or remove it")


@contextmanager
def interrupts_held(done_message: str) -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back during the block (in the main thread).

    A signal that arrives meanwhile is raised when the block has ended, as
    :class:`InterruptedAfterCommit` with ``done_message``.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum))
                for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if caught:
        raise InterruptedAfterCommit(done_message)


@contextmanager
def atomic_dir(final: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``final``; rename it to ``final`` on success.

    On any exception (including ``KeyboardInterrupt``) the temporary folder is removed
    and the exception propagates. ``final`` must not exist or be an empty folder.
    Temporary folders of earlier writers of ``final`` that were killed are removed.

    Raises
    ------
    OutputExistsError
        If ``final`` exists and is not empty.
    simulation.faults.EnvironmentFault
        The file system refused (no space, no permission, ...): one line naming ``final``.
    InterruptedAfterCommit
        Ctrl-C or SIGTERM during the final rename: ``final`` is complete.
    """
    final = Path(final)
    with faults_named(f"--out {final}", final.parent, then="run the same command again"):
        check_output_dir(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        lock = final.parent / f".{final.name}.lock"
        with exclusive_lock(lock, f"--out: {echo(final, 160)}"):
            check_output_dir(final)  # another process may have finished it meanwhile
            for stale in glob.glob(glob.escape(str(final.parent / f".{final.name}.tmp-"))
                                   + "*"):  # we hold the lock: their writers are gone
                shutil.rmtree(stale, ignore_errors=True)
            tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
            tmp.mkdir()
            try:
                yield tmp
                with interrupts_held(f"the results in {echo(final, 160)} are complete and "
                                     "kept"):
                    (tmp / COMPLETE_MARKER).write_text("complete\n")
                    if final.exists():  # an empty folder given by the user
                        final.rmdir()
                    os.replace(tmp, final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise


def is_complete(path: str | Path) -> bool:
    """True if ``path`` is a finished results folder: it has the ``COMPLETE`` marker and
    is not a temporary ``.NAME.tmp-PID`` folder left by a killed writer."""
    path = Path(path)
    return (path / COMPLETE_MARKER).is_file() and not _TEMP_NAME.match(path.resolve().name)


def write_json(path: Path, obj) -> None:
    """Write JSON (sorted keys, indented) and fsync it."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
