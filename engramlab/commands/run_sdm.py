"""``engramlab run sdm``: write patterns into the spiking cerebellum, read them back, check the maths."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from engramlab.commands._common import finish_run, print_table, progress, write_table

SDM_FIGURES = [
    ("1_active_granule_cells", "Granule cells active per presentation against the binomial "
     "distribution with mean r·p(d) (Kanerva) or r·2^-k (Jaeckel)."),
    ("2_overlap_vs_distance", "Left: granule cells active for both a query and the pattern it came "
     "from, against their Hamming distance, with the exact expected intersection. Right: "
     "(measured − expected)/binomial SE where the expected count is at least 5."),
    ("3_weights_vs_counters", "Learned PF→Purkinje weight changes against the counters of the NumPy "
     "SDM fed the same activation sets: with 2:1 LTD:LTP they are −a₊ × counter exactly."),
    ("4_readout", "Left: fraction of correct bits against query noise for the spiking circuit, the "
     "NumPy SDM on the same hard locations and the pattern-view read. Right: each Purkinje cell's "
     "simple spikes gained or lost in a read against the NumPy read sum (bit = sum > 0)."),
    ("5_spikes_vs_softmax", "Normalised overlaps from spikes against softmax(β cos) with β fitted "
     "to the spikes and the exact theory, linear and log scale: spikes approximate attention."),
    ("raster", "Spike rasters of mossy fibres, granule cells (active ones), climbing fibres, "
     "Purkinje and DCN cells over the first slots: presentations are schedules in one run."),
]

__all__ = ["QUICK", "build_configs", "run_sdm"]

#: Overrides of ``--quick``: small enough for the NumPy target (no compiler) in well under a minute.
QUICK: dict[str, Any] = {"r": 2000, "design_patterns": 10, "target": "numpy", "patterns": 10}


def build_configs(config_file: str | None, sets: list[str] | None, seed: int | None, quick: bool
                  ) -> tuple[Any, Any]:
    """Circuit and protocol configs from defaults, ``--quick``, a TOML file, ``--set`` and ``--seed``."""
    from engramlab.circuits.cerebellum import CerebellumConfig
    from engramlab.config import apply_mapping, load_toml, merge, parse_set, split_protocol
    from engramlab.protocols.sdm_memory import SDMMemoryConfig

    mapping: dict[str, Any] = dict(QUICK) if quick else {}
    if config_file:
        mapping = merge(mapping, load_toml(config_file))
    mapping = merge(mapping, parse_set(sets))
    if seed is not None:
        mapping["seed"] = seed
    circuit_map, proto_map = split_protocol(mapping, SDMMemoryConfig)
    circuit = apply_mapping(CerebellumConfig(), circuit_map)
    protocol = apply_mapping(SDMMemoryConfig(), proto_map, "protocol.")
    if quick and protocol.noise_levels is None:
        span = 2 * circuit.radius if circuit.scheme == "kanerva" else circuit.n // 2
        levels = sorted({*range(6), *range(8, min(circuit.n, span) + 1, 4)})
        protocol = apply_mapping(protocol, {"noise_levels": levels}, "protocol.")
    return circuit, protocol


#: the numbers compared across pattern sets by ``--repeats``
REPEAT_KEYS = ("bit_accuracy_noise_le_5", "numpy_agreement", "activation_agreement", "overlap_max_z",
               "softmax_weight_error", "beta_fit")


def _repeat_summary(results: list[Any]) -> dict[str, Any]:
    """Key numbers of every pattern set (one Result each), with their mean and SD."""
    import numpy as np

    from engramlab.analysis.cerebellar_sdm import analyse_sdm, sdm_summary

    rows = [sdm_summary(analyse_sdm(r)) for r in results]
    out: dict[str, Any] = {"protocol_seeds": [int(r.params["protocol.seed"]) for r in results],
                           "rerun_seconds": [r.metadata.get("timings", {}).get("rerun") for r in results]}
    for key in REPEAT_KEYS:
        values = [float(row[key]) for row in rows]
        out[key] = values
        out[f"{key}_mean"] = float(np.mean(values))
        out[f"{key}_sd"] = float(np.std(values, ddof=1))
    return out


def run_sdm(args: argparse.Namespace) -> int:
    """Run the SDM protocol, save the Result, the five figures, summary.json and summary.md."""
    from engramlab.analysis.cerebellar_sdm import analyse_sdm, sdm_summary
    from engramlab.analysis.figures import cerebellum as figs
    from engramlab.protocols.sdm_memory import run_sdm_memory_repeats
    from engramlab.results import run_metadata, save_figure

    circuit, protocol = build_configs(args.config, args.set, args.seed, args.quick)
    levels = protocol.levels(circuit)
    slots = protocol.rest_slots + protocol.patterns * (1 + len(levels))
    what = (f"radius d = {circuit.radius}" if circuit.scheme == "kanerva" else f"k = {circuit.k}")
    if not args.quiet:
        print(f"cerebellar SDM: n = {circuit.n} bits, r = {circuit.r} granule cells, m = {circuit.m} "
              f"Purkinje cells, {circuit.scheme} scheme ({what}), {circuit.activation} activation\n"
              f"  {protocol.patterns} writes + {protocol.patterns * len(levels)} reads "
              f"({len(levels)} noise levels) = {slots * float(circuit.slot):.1f} s of biology, "
              f"target {circuit.target}, seed {circuit.seed}")
    t0 = time.perf_counter()
    repeats = getattr(args, "repeats", 1) or 1
    results = run_sdm_memory_repeats(circuit, protocol, repeats, report=progress(args.quiet))
    result = results[0]
    out = Path(args.out)
    npz, sidecar = result.save(out, "result")
    analysis = analyse_sdm(result)
    figures = []
    for name, fig in (("1_active_granule_cells", figs.active_count_figure(analysis)),
                      ("2_overlap_vs_distance", figs.overlap_figure(analysis)),
                      ("3_weights_vs_counters", figs.weights_figure(analysis)),
                      ("4_readout", figs.readout_figure(analysis)),
                      ("5_spikes_vs_softmax", figs.attention_figure(analysis)),
                      ("raster", figs.raster_figure(result))):
        figures += save_figure(fig, out, name)
    summary = sdm_summary(analysis)
    summary["wall_seconds"] = time.perf_counter() - t0
    summary["biological_seconds"] = result.metadata["biological_seconds"]
    summary["quick"] = bool(args.quick)
    summary["figures"] = sorted({p.name for p in figures})
    summary["result"] = [npz.name, sidecar.name]
    summary["metadata"] = run_metadata(circuit.seed, command="run sdm", target=circuit.target,
                                       device=circuit.device)
    if repeats > 1:
        summary["repeats"] = _repeat_summary(results)
    finish_run(out, f"Cerebellar SDM: n = {analysis.n}, r = {analysis.r}, m = {analysis.m}",
               "A spiking cerebellar microcircuit (mossy fibres → granule cells → Purkinje cells, "
               "climbing-fibre writes) stores patterns and is held against Kanerva's SDM and "
               "softmax attention, number by number.", SDM_FIGURES, summary, quiet=True)
    path = out / "summary.json"
    table = {
        "n, r, m": f"{analysis.n}, {analysis.r}, {analysis.m}",
        "scheme": f"{analysis.scheme} ({what}), {analysis.activation}",
        "patterns written": analysis.patterns,
        "active granule cells (mean / expected)":
            f"{summary['active_mean']:.1f} / {summary['active_expected']:.1f}",
        "bit accuracy, queries <= 5 bits off": summary["bit_accuracy_noise_le_5"],
        "agreement with NumPy SDM (all reads)": summary["numpy_agreement"],
        "overlap max |z| (expected >= 5)": summary["overlap_max_z"],
        "weights = -a+ × counters, max error (pA)": summary["weight_counter_max_error_pA"],
        "beta fitted to spikes / theory": f"{summary['beta_fit']:.3g} / {summary['beta_theory']:.3g}",
        "softmax weight error (d_v <= d)": summary["softmax_weight_error"],
        "Purkinje / DCN baseline (Hz)":
            f"{summary['purkinje_baseline_hz']:.1f} / {summary['dcn_baseline_hz']:.1f}",
        "wall time (s) / biology (s)": f"{summary['wall_seconds']:.1f} / {summary['biological_seconds']:.2f}",
    }
    if repeats > 1:
        rep = summary["repeats"]
        table[f"over {repeats} pattern sets: bit accuracy <= 5 bits / NumPy agreement (mean ± SD)"] = (
            f"{rep['bit_accuracy_noise_le_5_mean']:.4f} ± {rep['bit_accuracy_noise_le_5_sd']:.4f} / "
            f"{rep['numpy_agreement_mean']:.4f} ± {rep['numpy_agreement_sd']:.4f}")
    write_table(out / "summary.md", "Cerebellar SDM run", table)
    if not args.quiet:
        print_table("Cerebellar SDM: spikes vs equations", table)
        print(f"results in {out}/: report.html, summary.json, summary.md, result.npz/.json, "
              f"{len(figures)} figure files\nsummary: {path}\nreport: {out / 'report.html'}")
    return 0
