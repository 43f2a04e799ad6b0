"""Keep freed memory for reuse instead of handing it back to the system (issue #16).

A quarter of the model allocates and frees many arrays of more than 128 KiB (numpy
temporaries, the kernels' outputs). glibc's allocator serves such a request with a fresh
``mmap`` when the top of its heap has no room, and hands freed memory at the top of the
heap back to the system, so the next quarter's arrays are fresh pages again, and the
first touch of every page is a page fault. On the benchmark machine (a virtual machine)
that cost up to half the CPU time of a numpy pass over a few MB, and 8 of the 20 ms of
the pricing kernel at 100,000 firms. :func:`keep_freed_memory` raises glibc's
``M_TOP_PAD`` so that the heap grows, and keeps, a margin at its top: the arrays of one
quarter reuse the pages of the last. It changes where arrays live, never a value: the
results are the same bit for bit. The memory kept is freed memory, at most the pad, so a
process's resident memory may stay up to that much above what it uses after a peak.

The setting is process-wide; :class:`simulation.model.BPOModel` applies it once per
process. ``BPOSIM_MALLOC_TOP_PAD`` (bytes) overrides the pad; ``0`` leaves the allocator
as it is. Other C libraries than glibc (and other systems than Linux) are left alone.
"""

from __future__ import annotations

import ctypes
import os
import sys

from simulation.inputs import ConfigError
from simulation.messages import echo

#: The margin kept at the top of the heap, bytes (64 MiB). 256 MiB saved no more page
#: faults at 20,000 and 100,000 firms (43,099 and 65,374 against 43,095 and 65,601 a whole
#: run) but kept up to 256 MiB of freed memory resident (the compiled kernels' arrays),
#: which added to the peak at a million firms (docs/performance.md).
TOP_PAD_BYTES = 64 * 2**20
#: glibc's ``mallopt`` parameter number of ``M_TOP_PAD`` (``malloc.h``).
_M_TOP_PAD = -2
#: The pad applied in this process (None: not tried yet; 0: left alone).
_applied: int | None = None


def top_pad_from_env() -> int:
    """The pad asked for by ``BPOSIM_MALLOC_TOP_PAD`` (bytes), else :data:`TOP_PAD_BYTES`.

    Raises
    ------
    simulation.inputs.ConfigError
        One line naming the variable, when it is not a whole number of bytes >= 0.
    """
    raw = os.environ.get("BPOSIM_MALLOC_TOP_PAD")
    if raw is None:
        return TOP_PAD_BYTES
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"BPOSIM_MALLOC_TOP_PAD: must be a whole number of bytes >= 0 "
                          f"(0 leaves the allocator alone), got {echo(repr(raw))}")
    return value


def keep_freed_memory(top_pad: int | None = None) -> int:
    """Set glibc's ``M_TOP_PAD`` once per process (see the module docstring).

    Parameters
    ----------
    top_pad : int, optional
        Bytes to keep at the top of the heap; default ``BPOSIM_MALLOC_TOP_PAD`` if set,
        else :data:`TOP_PAD_BYTES`. ``0`` leaves the allocator alone.

    Raises
    ------
    simulation.inputs.ConfigError
        If ``BPOSIM_MALLOC_TOP_PAD`` is set to anything but a whole number >= 0
        (:func:`top_pad_from_env`).

    Returns
    -------
    int
        The pad now in force by this module, bytes; 0 if the allocator was left alone
        (asked to, not Linux, or no glibc ``mallopt``). Later calls return the first
        call's result without changing anything.
    """
    global _applied
    if _applied is not None:
        return _applied
    if top_pad is None:
        top_pad = top_pad_from_env()
    _applied = 0
    if top_pad <= 0 or not sys.platform.startswith("linux"):
        return _applied
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's C library
    except (OSError, AttributeError):
        return _applied
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    if mallopt(_M_TOP_PAD, min(int(top_pad), 2**31 - 1)) == 1:
        _applied = int(top_pad)
    return _applied
