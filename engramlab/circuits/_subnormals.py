"""Subnormal numbers flushed to zero while a network simulates, on both devices.

A variable that decays exponentially through a long silence reaches the subnormal range (below
2.2e-308: ``exp(-709)``, 709 time constants), and on x86 each arithmetic operation with a
subnormal operand or result can take a microcode assist, many times a normal operation. Measured
(2026-12-05, evening, this project's 2-core VM, warm caches): the quick eyeblink program
simulated its 45 s of biology in 72.2 s, 94 % of the program's ``perf`` samples in the granule
cells' nine-stage eligibility chain, which decays between tones; with the flags below set, in
7.7 s, with every spike and every summary number the same. Numbers that small are zero for any
physiological quantity. Compilers set the same flags for ``-ffast-math`` executables (GCC links
``crtfastmath.o``); Brian2 compiles with ``-ffast-math`` but does not link with it, and neither
Python nor Brian2's Cython modules set them.

The flags are the x86 MXCSR's flush-to-zero (bit 15: subnormal results become 0) and
denormals-are-zero (bit 6: subnormal inputs are read as 0). Other architectures keep IEEE
subnormals: slower only where they occur, the same numbers otherwise.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["MXCSR_FLUSH_BITS", "flush_in_program", "flushing_subnormals"]

#: MXCSR bits: flush-to-zero (0x8000) | denormals-are-zero (0x0040)
MXCSR_FLUSH_BITS = 0x8040

#: C++ a standalone program runs before ``brian_start()`` (GCC and Clang builtins: no header needed)
PROGRAM_CODE = f"""#if defined(__GNUC__) && (defined(__x86_64__) || (defined(__i386__) && defined(__SSE__)))
__builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() | {MXCSR_FLUSH_BITS:#06x});  // engramlab: subnormals flushed to zero
#endif"""


def flush_in_program(device: Any) -> None:
    """Make a cpp_standalone program set the flags before ``brian_start()`` and the simulation (threads inherit them).

    Linux copies a thread's SSE state into the threads it creates (``clone``; POSIX asks the
    same of ``pthread_create``), and OpenMP starts its threads later, inside the run.
    """
    lines = device.code_lines["before_start"]
    if PROGRAM_CODE not in lines:
        lines.insert(0, PROGRAM_CODE)


@functools.lru_cache(maxsize=1)
def _libm() -> Any | None:
    """The C maths library of glibc on x86-64 Linux (``fegetmode``/``fesetmode``, glibc ≥ 2.25), else None."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return None
    try:
        libm = ctypes.CDLL("libm.so.6")  # glibc's soname on every x86-64 Linux
    except OSError:
        return None
    return libm if hasattr(libm, "fegetmode") and hasattr(libm, "fesetmode") else None


@contextmanager
def flushing_subnormals() -> Iterator[bool]:
    """Set the flags in the calling thread for the block (the runtime device simulates there); yield whether set.

    Hand-written because no maintained Python library exposes the MXCSR: glibc's C2x
    ``fegetmode``/``fesetmode`` through ctypes, on ``femode_t`` as x86-64 glibc lays it out
    (``unsigned short`` control word, ``unsigned short`` reserved, ``unsigned int`` MXCSR). The
    thread's previous modes are restored afterwards, even on an exception, so NumPy outside the
    block keeps IEEE subnormals. Threads that exist already are never touched; a thread started
    inside the block inherits the flags for good (nothing in engramlab starts one during a run).
    Elsewhere (musl, glibc < 2.25, macOS, Windows, other processors) the block runs unchanged
    and yields False.
    """
    libm = _libm()
    saved = ctypes.create_string_buffer(8)
    if libm is None or libm.fegetmode(saved) != 0:
        yield False
        return
    control, reserved, mxcsr = struct.unpack("<HHI", saved.raw)
    flushed = ctypes.create_string_buffer(struct.pack("<HHI", control, reserved, mxcsr | MXCSR_FLUSH_BITS), 8)
    try:  # set inside the try: an interrupt right after setting them still restores the thread
        set_ok = libm.fesetmode(flushed) == 0  # glibc's x86-64 fesetmode always returns 0
        yield set_ok
    finally:
        libm.fesetmode(saved)
