"""Make rules that make a standalone program compile faster; Brian2's makefile is untouched.

make reads a second makefile (:func:`make_arguments`) after the one Brian2 wrote.

**The shared header is compiled once (GCC precompiled header), not once per file.** Every C++
file Brian2 generates for a standalone program includes ``objects.h`` (every array, synapse
class and Brian2's own headers). Parsing it is most of the cost of compiling a code object:
0.58 of 0.61 s for a small one with GCC 12 at ``-O3`` (measured with ``-fsyntax-only``), so a
program of 61 code objects spends ~30 of its ~40 compiler-seconds reading the same header.
Precompiled once (``objects.h.gch``, ~1.5 s) and force-included in every C++ file
(``-include objects.h``), each code object compiles in 0.16–0.23 s. The rules

* build ``objects.h.gch`` from ``objects.h`` with the program's own ``CXXFLAGS`` (a
  precompiled header is used only when the flags match; GCC ignores it otherwise and parses
  the header, so a mismatch costs time, never correctness), again whenever a header or the
  makefile (its flags, e.g. OpenMP threads) changes;
* if that fails (a full disk: the header is 45 MB), leave an empty one, so the build goes on
  without it;
* make it an *order-only* prerequisite of every object file, so it is built first and its
  time stamp never forces a recompilation;
* append ``-include objects.h`` to ``CXXFLAGS`` (the sources' own ``#include "objects.h"`` then
  hits the include guard).

After a build the 45 MB header is emptied (:func:`shrink`): the program cache keeps up to 24
projects. An empty ``.gch`` is not a valid precompiled header, so a later partial rebuild of a
kept project parses ``objects.h`` as before (GCC ignores an invalid one; we checked).

**make.deps is assembled from one dependency file per source.** Brian2's makefile rebuilds
``make.deps`` by running the preprocessor over all sources, one after the other, whenever any
one of them changed (3.2–3.7 s for the 66 sources of the continual program), and every new seed
changes ``main.cpp`` and ``objects.cpp`` (their data sizes). Here each source's part is
regenerated only when the source or a header changed (in parallel, under ``make -j``) and the
parts are concatenated in Brian2's order: the same ``make.deps``, byte for byte (checked on the
continual program). make warns that the recipe is overridden; Brian2 hides make's output.

**Code that runs once is compiled at ``-O1``.** ``objects.cpp`` (allocating, loading and saving
the arrays: element copies and whole-buffer reads and writes), ``main.cpp`` (the calls in order)
and the code objects run before and after the run (spike queues set up, thresholds' spike
counts zeroed) are not in the time-step loop, and ``-O3`` doubles their compile time: with the
precompiled header, on the continual program, ``objects.cpp`` 5.0 → 2.7 s, ``main.cpp``
0.9 → 0.4 s, a ``before_run`` spike-queue object 0.9 → 0.4–0.5 s (GCC 12; the last ``-O`` wins, and
``-O1`` still uses the ``-O3`` header, which ``-O0`` would not). The whole continual program
(66 sources, ``make -j2`` from no object files, alternated twice on 2026-12-06): 20.0–21.0 s →
15.5–15.6 s. The loop's code objects and the synapse-creation code (random connectivity) keep
``-O3``. The spikes are the same: every array of a quick continual run (18) and a quick eyeblink
run (26) is equal, built either way from an empty home folder.

GCC only: clang treats an invalid precompiled header as an error, and MSVC builds with its own
makefile; with any other compiler the build is Brian2's, unchanged.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["MAKEFILE", "make_arguments", "shrink"]

#: the extra makefile, written into the project directory
MAKEFILE = "engramlab.mk"

_RULES = """\
# written by engramlab: objects.h precompiled once; make.deps in parts (engramlab/circuits/_make_rules.py)
PCH_FLAGS := $(CXXFLAGS)
objects.h.gch: objects.h $(H_SRCS) makefile
\t$(CXX) $(PCH_FLAGS) -x c++-header objects.h -o objects.h.gch || : > objects.h.gch
$(OBJS): | objects.h.gch
CXXFLAGS += -include objects.h
DEP_PARTS := $(patsubst %,.engramlab_deps/%.d,$(SRCS))
.engramlab_deps/%.d: % $(H_SRCS)
\t@mkdir -p $(dir $@)
\t$(CXX) $(PCH_FLAGS) -MM $< > $@.part && mv $@.part $@
make.deps: $(DEP_PARTS)
\tcat $(DEP_PARTS) > make.deps
ONE_SHOT := objects.o main.o $(filter code_objects/before_run_% code_objects/after_run_%,$(OBJS))
$(ONE_SHOT): CXXFLAGS += -O1
"""


@functools.lru_cache(maxsize=1)
def compiler_is_gcc() -> bool:
    """Whether make's C++ compiler (``$CXX``, default ``g++``) is GCC."""
    cxx = os.environ.get("CXX", "g++").split()
    if not cxx or shutil.which(cxx[0]) is None:
        return False
    try:
        version = subprocess.run([*cxx, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "Free Software Foundation" in version and "clang" not in version.lower()


def make_arguments(project: Path) -> list[str]:
    """Arguments for ``make`` in ``project`` that add the precompiled header (none if not GCC).

    Writes :data:`MAKEFILE` into the project (only when its text differs, so its time stamp
    stays put); Brian2 writes ``makefile`` itself when it builds.
    """
    if os.name == "nt" or not compiler_is_gcc():
        return []
    extra = project / MAKEFILE
    if not extra.exists() or extra.read_text() != _RULES:
        extra.write_text(_RULES)
    return ["-f", "makefile", "-f", MAKEFILE]


def shrink(project: Path) -> None:
    """Empty the built precompiled header (45 MB per program); keep the file, so make does not rebuild it."""
    header = project / "objects.h.gch"
    if header.exists() and header.stat().st_size > 0:
        header.write_bytes(b"")
