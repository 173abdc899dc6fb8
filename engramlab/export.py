"""Export spike trains for the ecosystem: plain CSV and Neo (Elephant reads Neo).

No Brian2 here: exports read a saved :class:`~engramlab.results.Result`.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from engramlab.errors import EngramlabError
from engramlab.results import Result, atomic_write

__all__ = ["populations", "spikes_to_csv", "spikes_to_neo"]


def populations(result: Result) -> list[str]:
    """Names of the populations whose spikes a Result holds."""
    keys = [k for k in result.arrays if k.startswith("spikes_") and k.endswith("_t")]
    return sorted(k[len("spikes_"):-len("_t")] for k in keys)


def spikes_to_csv(result: Result, path: str | os.PathLike[str]) -> Path:
    """Write ``population,neuron,time_s`` rows, sorted by time, atomically."""
    rows = []
    for pop in populations(result):
        t = result[f"spikes_{pop}_t"]
        i = result[f"spikes_{pop}_i"]
        rows.append((np.full(t.size, pop, dtype=object), i, t))
    buf = io.StringIO()
    buf.write("population,neuron,time_s\n")
    if rows:
        pops = np.concatenate([r[0] for r in rows])
        idx = np.concatenate([r[1] for r in rows])
        times = np.concatenate([r[2] for r in rows])
        order = np.argsort(times, kind="stable")
        for p, n, t in zip(pops[order], idx[order], times[order], strict=True):
            buf.write(f"{p},{int(n)},{t:.6f}\n")
    data = buf.getvalue().encode("utf-8")
    return atomic_write(path, lambda fh: fh.write(data))


def spikes_to_neo(result: Result, path: str | os.PathLike[str] | None = None) -> Any:
    """Build a ``neo.Block`` (one Segment, one SpikeTrain per neuron that fired, grouped by population).

    With ``path`` the block is pickled there atomically (Neo's PickleIO format) and the path is
    returned; otherwise the Block. Needs the optional ``neo`` package (``pip install engramlab[neo]``).
    """
    try:
        import neo
        import quantities as pq
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise EngramlabError("Neo export needs the 'neo' package: pip install 'engramlab[neo]'") from exc
    duration = float(result.metadata.get("biological_seconds") or 0.0)
    block = neo.Block(name=result.protocol, description="engramlab spike trains",
                      file_origin="engramlab", seed=result.metadata.get("seed"))
    seg = neo.Segment(name="run")
    block.segments.append(seg)
    for pop in populations(result):
        t = result[f"spikes_{pop}_t"]
        i = result[f"spikes_{pop}_i"]
        stop = max(duration, float(t.max()) + 1e-6 if t.size else duration, 1e-6)
        group = neo.Group(name=pop)
        for neuron in np.unique(i):
            st = neo.SpikeTrain(np.sort(t[i == neuron]) * pq.s, t_stop=stop * pq.s,
                                name=f"{pop}[{int(neuron)}]", population=pop, neuron=int(neuron))
            seg.spiketrains.append(st)
            group.add(st)
        block.groups.append(group)
    if path is None:
        return block
    data = pickle.dumps(block)
    return atomic_write(path, lambda fh: fh.write(data))
