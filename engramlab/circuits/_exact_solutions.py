"""Brian2's exact (linear) integration steps, kept on disk from one process to the next.

For ``method="exact"`` Brian2 derives each group's update step with SymPy's matrix exponential
(:class:`brian2.stateupdaters.exact.LinearStateUpdater`) and keeps the result in the process's
memory only. For our membranes the derivation is slow: a leaky membrane with two synaptic
currents of one time constant (a repeated eigenvalue, so SymPy tests candidate pivots
numerically) took 1.0 s, the nuclear cell's three variables 1.0 s, and the four groups of the
quick associative microzone 2.5–4.5 s in all — in every new process: every ``engramlab run``,
every sweep worker and every test worker derived the same steps again.

The step is a pure function of Brian2's own cache key for it (the equations, the variables'
cache identities without their owner, the method options) and of the Brian2 and SymPy versions,
so it is stored under a digest of exactly those, in
``$ENGRAMLAB_EXACT_CACHE`` (``off``: not kept) or ``$XDG_CACHE_HOME/engramlab/exact``
(default ``~/.cache/engramlab/exact``). A key holding anything whose text is not the same in
every process (an object hashed by identity) is not kept, and a file that cannot be read is
derived again, never guessed; a folder that cannot be written is named once (a warning). The text of a kept step
is what Brian2 returned, byte for byte, so the generated code, the compiled program and the
spikes are the same (tests/test_exact_solutions.py; every array of a quick associative run is
equal with the cache off, filled and read). Measured 2026-12-06, quick associative with its
program compiled: Brian2's part of the run (``run_call``) 4.3–4.5 s → 0.76 s, the whole command
14.6 → 10.4 s.

Hand-written because Brian2 has no persistent cache for this (its ``cached`` decorator is a
per-process dictionary); :func:`install` wraps the class's ``__call__`` once, outside it.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from pathlib import Path
from typing import Any

import brian2
import numpy as np
import sympy
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.equations.codestrings import CodeString
from brian2.units.fundamentalunits import Dimension
from brian2.utils.caching import _hashable

from engramlab.folders import atomic_write, cache_folder

__all__ = ["cache_dir", "install", "step_digest"]

#: bump when what is stored changes meaning
_FORMAT = "1"
#: leaf types whose ``repr`` is the same in every process (with their type name in front);
#: a code string's repr is its code
_STABLE = (str, int, float, bool, complex, type(None), np.generic, np.dtype, type, Dimension, CodeString)
#: Brian2's built-in functions (exp, int, clip, rand, …) are hashed by identity: named instead
_DEFAULT_FUNCTION_NAMES = {id(f): name for name, f in DEFAULT_FUNCTIONS.items()}


def cache_dir() -> Path | None:
    """Where derived steps are kept, or None when ``$ENGRAMLAB_EXACT_CACHE`` is ``off``."""
    return cache_folder("ENGRAMLAB_EXACT_CACHE", "exact")


def _text(obj: Any) -> str | None:
    """A text of Brian2's hashable key that is the same in every process; None if there is none.

    Frozensets are sorted by their elements' texts (their iteration order follows string hashes,
    which Python salts per process); Brian2's built-in functions are named.
    """
    if isinstance(obj, tuple):
        parts = [_text(x) for x in obj]
        return None if any(p is None for p in parts) else "(" + ",".join(parts) + ")"  # type: ignore[arg-type]
    if isinstance(obj, frozenset):
        parts = [_text(x) for x in obj]
        return None if any(p is None for p in parts) else "{" + ",".join(sorted(parts)) + "}"  # type: ignore[arg-type]
    if isinstance(obj, _STABLE):
        return f"{type(obj).__qualname__}:{obj!r}"
    name = _DEFAULT_FUNCTION_NAMES.get(id(obj))  # those objects live as long as Brian2: an id is theirs
    return None if name is None else f"brian2 function:{name}"


def step_digest(updater: Any, equations: Any, variables: Any, method_options: Any) -> str | None:
    """SHA-256 of the versions and Brian2's cache key for this step, or None when it has no stable text."""
    try:
        key = (_hashable(equations), _hashable(variables), _hashable(method_options))
    except TypeError:
        return None
    text = _text(key)
    if text is None:
        return None
    head = f"{_FORMAT}|brian2 {brian2.__version__}|sympy {sympy.__version__}|{type(updater).__qualname__}|"
    return hashlib.sha256((head + text).encode()).hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


#: whether this process has said that the folder cannot be written (said once, not per group)
_WARNED = {"unwritable": False}


def _write(path: Path, text: str) -> None:
    """Write ``text`` whole or not at all (another process may be writing the same step).

    A folder that cannot be written is named once per process, like the program cache's; the
    step is used all the same, and derived again by the next process.
    """
    try:
        atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
    except OSError as exc:
        if not _WARNED["unwritable"]:
            _WARNED["unwritable"] = True
            warnings.warn(f"ENGRAMLAB_EXACT_CACHE: cannot write {path.parent} ({exc.strerror or exc}); Brian2's "
                          "integration steps are derived again in every process (set a writable folder, or 'off')",
                          stacklevel=2)


def install() -> None:
    """Keep :class:`LinearStateUpdater`'s steps on disk (idempotent)."""
    linear = type(brian2.StateUpdateMethod.stateupdaters["exact"])
    derive = linear.__call__
    if getattr(derive, "_engramlab_on_disk", False):
        return

    @functools.wraps(derive)
    def call(self: Any, equations: Any, variables: Any = None, method_options: Any = None) -> Any:
        try:
            root = cache_dir()
        except (RuntimeError, OSError):  # no home folder to put it in: derive as Brian2 does
            root = None
        digest = step_digest(self, equations, variables, method_options) if root is not None else None
        if digest is None or root is None:
            return derive(self, equations, variables, method_options)
        path = root / f"{digest}.txt"
        kept = _read(path)
        if kept:  # an empty file (a full disk, a hand-made one) is no step: derive it again
            return kept
        step = derive(self, equations, variables, method_options)
        if isinstance(step, str):
            _write(path, step)
        return step

    call._engramlab_on_disk = True  # type: ignore[attr-defined]
    linear.__call__ = call
