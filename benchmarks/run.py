"""The benchmark suite: every configuration in a fresh process; JSON file + printed table.

    python benchmarks/run.py                 # the default suite (minutes; r = 1e6 takes longest)
    python benchmarks/run.py --quick         # r = 1e4 only, no NEST
    python benchmarks/run.py --only pool     # one family: sdm-standalone, plain, sdm-runtime, nest, numpy, protocols,
                                             # pool, grid, dale
    python benchmarks/run.py --max-r 100000  # skip the r = 1e6 rows (they take ~10 min and 4.5 GB)

NEST is the optional ``bench`` extra (``pip install -e '.[bench]'``); without it the NEST rows
are skipped. Results go to ``benchmarks/results.json`` (atomically) and ``benchmarks/README.md``
holds the last table measured on the reference machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one(script: str, cfg: dict, timeout: float = 3600) -> dict:
    cmd = [sys.executable, str(HERE / script), json.dumps(cfg)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, OMP_NUM_THREADS=str(max(1, cfg.get("threads", 1)))))
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not line:
        return {"config": cfg, "error": (proc.stderr or proc.stdout)[-2000:]}
    out = json.loads(line[-1][len("RESULT "):])
    out["process_wall_s"] = time.perf_counter() - t0
    return out


def suite(quick: bool, only: str | None, max_r: int, min_r: int = 0) -> list[tuple[str, str, dict]]:
    sizes = [r for r in ([10_000] if quick else [10_000, 100_000, 1_000_000]) if min_r <= r <= max_r]
    runs: list[tuple[str, str, dict]] = []
    for r in sizes:
        runs.append(("sdm-standalone", "bench_sdm.py", {"engine": "brian2", "device": "cpp_standalone", "r": r,
                                                         "phase": "write_read"}))
        # bare Brian2 standalone with the same populations, wiring and input: the throughput yardstick
        runs.append(("plain", "bench_sdm.py", {"engine": "plain", "r": r, "phase": "write_read"}))
    for r in sizes[:2]:
        runs.append(("sdm-runtime", "bench_sdm.py", {"engine": "brian2", "device": "runtime", "target": "cython",
                                                      "r": r, "phase": "write_read"}))
    for r in sizes:
        runs.append(("numpy", "bench_sdm.py", {"engine": "numpy", "r": r}))
    if not quick and importlib.util.find_spec("nest") is not None:
        for r in [x for x in (10_000, 100_000) if min_r <= x <= max_r]:
            for threads in (1, 2):
                runs.append(("nest", "bench_sdm.py", {"engine": "nest", "r": r, "threads": threads}))
                runs.append(("nest", "bench_sdm.py", {"engine": "brian2", "device": "cpp_standalone", "r": r,
                                                       "threads": threads if threads > 1 else 0, "phase": "read"}))
    if not quick:
        for device in ("cpp_standalone", "runtime"):
            for mode in ("trials", "continuous"):
                runs.append(("protocols", "bench_protocols.py", {"protocol": "eyeblink", "mode": mode,
                                                                 "device": device, "target": "cython"}))
            runs.append(("protocols", "bench_protocols.py", {"protocol": "navigation", "steps": 1000,
                                                             "device": device, "target": "numpy"}))
            runs.append(("protocols", "bench_protocols.py", {"protocol": "navigation", "steps": 1000, "model": "pool",
                                                             "device": device, "target": "cython"}))
    if not quick:
        # the memory-neuron pool (navigation's default) against the same network in bare Brian2
        for engine in ("engramlab", "plain"):
            runs.append(("pool", "bench_pool.py", {"bench": "pool", "engine": engine}))
        # the attractor grid modules (foraging's default), likewise
        for engine in ("engramlab", "plain"):
            runs.append(("grid", "bench_grid.py", {"bench": "grid", "engine": engine}))
        # the Dale's-law Hopfield networks (pattern completion's default), likewise
        for engine in ("engramlab", "plain"):
            runs.append(("dale", "bench_dale.py", {"bench": "dale", "engine": engine}))
        # the conditioning microzone (eyeblink's default schedule), likewise
        for engine in ("engramlab", "plain"):
            runs.append(("microzone", "bench_microzone.py", {"bench": "microzone", "engine": engine}))
        # the realistic cerebellar SDM: continual learning's network and the SDM protocol's at r = 10^4, 10^5
        for cfg in ({"protocol": "continual"}, {"protocol": "sdm", "set": {"r": 10_000}},
                    {"protocol": "sdm", "set": {"r": 100_000}}):
            for engine in ("engramlab", "plain"):
                runs.append(("cerebellum", "bench_cerebellum.py", {"bench": "cerebellum", "engine": engine, **cfg}))
    return [r for r in runs if only is None or r[0] == only]


def label(row: dict) -> str:
    c = row["config"]
    if c.get("bench") == "pool":
        who = "engramlab" if c.get("engine") == "engramlab" else "plain Brian2"
        return f"memory pool {c.get('environments', 2)}×{c.get('steps', 1000)} steps, {who} standalone"
    if c.get("bench") == "dale":
        who = "engramlab" if c.get("engine") == "engramlab" else "plain Brian2"
        return f"Dale Hopfield networks (pattern-completion default), {who} standalone"
    if c.get("bench") == "microzone":
        who = "engramlab" if c.get("engine") == "engramlab" else "plain Brian2"
        return f"conditioning microzone (eyeblink default), {who} standalone"
    if c.get("bench") == "cerebellum":
        who = "engramlab" if c.get("engine") == "engramlab" else "plain Brian2"
        sizes = f" r={c['set']['r']:.0e}" if "r" in c.get("set", {}) else ""
        return f"realistic cerebellar SDM ({c.get('protocol', 'continual')}{sizes}), {who} standalone"
    if c.get("bench") == "grid":
        who = "engramlab" if c.get("engine") == "engramlab" else "plain Brian2"
        return f"attractor grid modules {c.get('duration', '600 s')}, {who} standalone"
    if "protocol" in c:
        dev = "standalone" if c.get("device") == "cpp_standalone" else f"runtime/{c.get('target')}"
        what = (f"{c.get('mode', '')} 100 trials" if c["protocol"] == "eyeblink"
                else f"{c.get('steps')} steps{' (pool)' if c.get('model') == 'pool' else ''}")
        return f"{c['protocol']} {what} ({dev})"
    eng = c.get("engine")
    if eng == "brian2":
        dev = "standalone" if c.get("device") == "cpp_standalone" else f"runtime/{c.get('target')}"
        thr = f" {c['threads']}thr" if c.get("threads") else ""
        return f"engramlab {dev}{thr} r={c['r']:.0e} {c.get('phase', 'read')}"
    if eng == "plain":
        return f"plain Brian2 standalone r={c['r']:.0e} {c.get('phase', 'read')}"
    if eng == "nest":
        return f"NEST {c.get('threads', 1)}thr r={c['r']:.0e} read"
    return f"numpy NeuronSDM r={c['r']:.0e}"


def _fmt(row: dict, key: str, fmt: str = "{:.3g}") -> str:
    v = row.get(key)
    return fmt.format(v) if isinstance(v, (int, float)) else "–"


def table(rows: list[dict]) -> str:
    head = "| configuration | build s | compile s | simulate s | biology s | neuron-steps/s | syn. events/s | peak MB |"
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        if "error" in r:
            lines.append(f"| {label(r)} | error: {r['error'].splitlines()[-1][:80] if r['error'] else '?'} |||||||")
            continue

        lines.append(f"| {label(r)} | {_fmt(r, 'build_s')} | {_fmt(r, 'compile_s')} | {_fmt(r, 'simulate_s')} | "
                     f"{_fmt(r, 'biological_s')} | {_fmt(r, 'neuron_steps_per_s', '{:.2e}')} | "
                     f"{_fmt(r, 'synaptic_events_per_s', '{:.2e}')} | {_fmt(r, 'peak_memory_mb', '{:.0f}')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("sdm-standalone", "plain", "sdm-runtime", "nest", "numpy", "protocols",
                                                "pool", "grid", "dale"))
    parser.add_argument("--max-r", type=int, default=1_000_000, help="largest granule-cell count to run")
    parser.add_argument("--min-r", type=int, default=0, help="smallest granule-cell count to run")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    args = parser.parse_args()
    rows = []
    for family, script, cfg in suite(args.quick, args.only, args.max_r, args.min_r):
        print(f"running {family}: {cfg}", flush=True)
        row = one(script, cfg)
        row["family"] = family
        rows.append(row)
        print(table([row]).splitlines()[-1], flush=True)
    meta = {"machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    sys.path.insert(0, str(HERE.parent))
    from engramlab.results import atomic_write_json
    atomic_write_json(args.out, {"meta": meta, "rows": rows})
    print()
    print(table(rows))
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    main()
