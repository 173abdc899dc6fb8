"""Memory estimates checked before anything is built: refuse what the machine cannot hold.

Estimates are deliberately simple sums (bytes per neuron, per synapse, per stored value), with
the per-synapse cost measured on this project's networks: Brian2 holds indices, weights,
delays and spike-queue entries for every synapse, about 48 bytes in all (the cerebellar SDM at
r = 10^6 granule cells, 1.3·10^8 synapses, peaked at 5.8 GB; benchmarks/README.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from engramlab.errors import ConfigError

__all__ = ["BYTES_PER_NEURON_VARIABLE", "BYTES_PER_SYNAPSE", "available_memory", "check_memory", "gib"]

#: bytes per synapse of a Brian2 network (indices, weight, delay, queue; measured, see above)
BYTES_PER_SYNAPSE = 48
#: bytes per state variable per neuron (float64 plus Brian2's working copy)
BYTES_PER_NEURON_VARIABLE = 16


def _cgroup_room() -> int | None:
    """Bytes this process's cgroup may still use (a container's limit), if it has one."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 1 << 60:
            return max(0, int(limit) - usage)
    return None


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. a Slurm allocation; else the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - not Linux


def available_memory() -> int:
    """Bytes of memory available to a new allocation now.

    ``MemAvailable`` of the machine (else its physical memory), and no more than what the
    process's cgroup (a container) still allows.
    """
    have = 1 << 62
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    have = int(line.split()[1]) * 1024
                    break
    except OSError:
        try:
            have = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
            pass
    room = _cgroup_room()
    return min(have, room) if room is not None else have


def gib(n_bytes: float) -> str:
    """``3.2 GiB``."""
    return f"{n_bytes / 2**30:.1f} GiB"


def check_memory(n_bytes: float, key: str, what: str) -> None:
    """Raise :class:`ConfigError` naming ``key`` when ``n_bytes`` exceed the memory available now."""
    have = available_memory()
    if n_bytes > have:
        raise ConfigError(key, f"makes {what} need about {gib(n_bytes)} (estimate), more than the "
                               f"{gib(have)} this machine has available")
