"""``engramlab run eyeblink`` and ``engramlab run associative``: conditioning protocols."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from engramlab.commands._common import finish_run, print_table, progress, write_table

__all__ = ["build_microzone", "run_associative_cmd", "run_eyeblink_cmd"]

#: ``--quick``: few, short trials on the NumPy target (no compiler); each command adds its
#: size and a faster learning rate (``quick_circuit``).
QUICK_CIRCUIT: dict[str, Any] = {"target": "numpy"}


EYEBLINK_INTRO = ("Delay eyeblink conditioning of a spiking cerebellar microzone: a 40 Hz tone on "
                  "mossy fibres (CS) and a 500 Hz, 30 ms US to the olive, co-terminating; every "
                  "trial runs inside one network run.")
EYEBLINK_FIGURES = [
    ("raster_psth", "Purkinje rasters (one row per trial, green: CS-alone probes) and the Purkinje "
                    "and DCN peri-stimulus rates in the first and last block of acquisition. Grey: "
                    "CS; dashed: US onset; dotted: the CR threshold."),
    ("learning_curve", "Left: % conditioned responses per block (acquisition, extinction, "
                       "reacquisition). Right: depth of the Purkinje pause, trial by trial."),
]
PAUSE_CAPTION = ("Learned Purkinje pauses (last block) for each ISI and the time of their minimum "
                 "against the US onset: adaptive timing.")


def build_microzone(defaults: Any, protocol_cls: type, config_file: str | None, sets: list[str] | None,
                    seed: int | None, quick: bool, quick_protocol: dict[str, Any],
                    extra_protocol: dict[str, Any] | None = None,
                    quick_circuit: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """Microzone and protocol configs from defaults, ``--quick``, TOML, ``--set`` and ``--seed``."""
    from engramlab.config import apply_mapping, load_toml, merge, parse_set, split_protocol

    mapping: dict[str, Any] = merge(dict(QUICK_CIRCUIT), quick_circuit or {}) if quick else {}
    if quick:
        mapping = merge(mapping, {"protocol": quick_protocol})
    if extra_protocol:
        mapping = merge(mapping, {"protocol": extra_protocol})
    if config_file:
        mapping = merge(mapping, load_toml(config_file))
    mapping = merge(mapping, parse_set(sets))
    if seed is not None:
        mapping["seed"] = seed
    circuit_map, proto_map = split_protocol(mapping, protocol_cls)
    circuit = apply_mapping(defaults, circuit_map)
    protocol = apply_mapping(protocol_cls(), proto_map, "protocol.")
    return circuit, protocol


def _isi_list(text: str | None) -> list[str]:
    if not text:
        return []
    out = []
    for part in text.split(","):
        p = part.strip()
        if not p:
            continue
        out.append(p if any(c.isalpha() for c in p) else f"{p} ms")
    return out


def run_eyeblink_cmd(args: argparse.Namespace) -> int:
    """Eyeblink conditioning; several ``--isi`` values add the adaptive-timing figure."""
    from engramlab.analysis.eyeblink import analyse_eyeblink, eyeblink_summary
    from engramlab.analysis.figures import conditioning as figs
    from engramlab.circuits.microzone import MicrozoneConfig
    from engramlab.protocols.eyeblink import EyeblinkConfig, run_eyeblink
    from engramlab.results import run_metadata, save_figure

    quick_proto = {"trials": 20, "trial_period": "0.6 s", "cs_onset": "100 ms", "probe_every": 5}
    extra: dict[str, Any] = {}
    if args.trials is not None:
        extra["trials"] = args.trials
    if args.extinction is not None:
        extra["extinction_trials"] = args.extinction
    if args.reacquisition is not None:
        extra["reacquisition_trials"] = args.reacquisition
    isis = _isi_list(args.isi) or [None]
    out = Path(args.out)
    t0 = time.perf_counter()
    analyses, summaries = [], []
    for isi in isis:
        proto_extra = dict(extra, **({"isi": isi} if isi else {}))
        circuit, protocol = build_microzone(MicrozoneConfig(), EyeblinkConfig, args.config, args.set,
                                            args.seed, args.quick, quick_proto, proto_extra,
                                            # the full-size microzone: with fewer cells the
                                            # pause stays too shallow for CRs
                                            quick_circuit={"plasticity": {"a_plus": "0.9 pA"}})
        protocol.check_fits(circuit)
        if not args.quiet:
            print(f"eyeblink: ISI {float(protocol.isi) * 1e3:.0f} ms, {protocol.trials} acquisition + "
                  f"{protocol.extinction_trials} extinction + {protocol.reacquisition_trials} "
                  f"reacquisition trials, r = {circuit.r} granule cells, m = {circuit.m} Purkinje "
                  f"cells, target {circuit.target}")
        result = run_eyeblink(circuit, protocol, report=progress(args.quiet))
        sub = out if len(isis) == 1 else out / f"isi_{float(protocol.isi) * 1e3:.0f}ms"
        result.save(sub, "result")
        a = analyse_eyeblink(result)
        analyses.append(a)
        s = eyeblink_summary(a)
        s["biological_seconds"] = result.metadata["biological_seconds"]
        s["run_seconds"] = result.metadata["run_seconds"]
        summaries.append(s)
        save_figure(figs.psth_figure(result, a), sub, "raster_psth")
        save_figure(figs.learning_curve_figure(a), sub, "learning_curve")
        if len(isis) > 1:
            finish_run(sub, f"Eyeblink conditioning, ISI {s['isi_ms']:.0f} ms", EYEBLINK_INTRO,
                       EYEBLINK_FIGURES, dict(s, metadata=run_metadata(circuit.seed)), quiet=True)
    save_figure(figs.pause_timing_figure(analyses), out, "pause_timing")
    summary: dict[str, Any] = dict(summaries[0])
    if len(isis) > 1:
        summary["adaptive_timing"] = [{"isi_ms": s["isi_ms"], "pause_min_ms": s["pause_min_ms"],
                                       "cr_percent_by_block": s["cr_percent_by_block"]}
                                      for s in summaries]
    summary["wall_seconds"] = time.perf_counter() - t0
    summary["quick"] = bool(args.quick)
    summary["metadata"] = run_metadata(args.seed, command="run eyeblink")
    figures = [("pause_timing", PAUSE_CAPTION)] + (EYEBLINK_FIGURES if len(isis) == 1 else [])
    finish_run(out, "Eyeblink conditioning", EYEBLINK_INTRO, figures, summary, quiet=True)
    path = out / "summary.json"
    table: dict[str, Any] = {}
    for s in summaries:
        tag = f"ISI {s['isi_ms']:.0f} ms"
        table[f"{tag}: %CR per block"] = ", ".join(f"{v:.0f}" for v in s["cr_percent_by_block"])
        table[f"{tag}: pause minimum (ms after CS) / US"] = (
            f"{s['pause_min_ms']:.0f} / {s['us_onset_ms']:.0f}")
        table[f"{tag}: CR onset (median, last block, ms)"] = s["cr_onset_ms"]
        if "extinction_cr_percent_by_block" in s:
            table[f"{tag}: extinction %CR"] = ", ".join(
                f"{v:.0f}" for v in s["extinction_cr_percent_by_block"])
        if "reacquisition_cr_percent_by_block" in s:
            table[f"{tag}: reacquisition %CR"] = ", ".join(
                f"{v:.0f}" for v in s["reacquisition_cr_percent_by_block"])
    table["wall time (s)"] = summary["wall_seconds"]
    write_table(out / "summary.md", "Eyeblink conditioning", table)
    if not args.quiet:
        print_table("Eyeblink conditioning", table)
        print(f"summary: {path}\nreport: {out / 'report.html'}")
    return 0


def run_associative_cmd(args: argparse.Namespace) -> int:
    """Tone A → left, tone B → right, then the reversed mapping."""
    from engramlab.analysis.associative import analyse_associative, associative_summary
    from engramlab.analysis.figures import conditioning as figs
    from engramlab.protocols.associative import AssociativeConfig, associative_circuit, run_associative
    from engramlab.results import run_metadata, save_figure

    # quick: 40 short trials with faster learning, so the NumPy target stays well under a minute
    quick_proto = {"trials": 20, "reversal_trials": 20, "trial_period": "0.6 s", "cs_onset": "100 ms"}
    circuit, protocol = build_microzone(associative_circuit(), AssociativeConfig, args.config, args.set,
                                        args.seed, args.quick, quick_proto,
                                        quick_circuit={"r": 800, "plasticity": {"a_plus": "0.6 pA"}})
    if not args.quiet:
        print(f"associative task: {protocol.trials} trials, then {protocol.reversal_trials} reversed; "
              f"r = {circuit.r}, m = {circuit.m}, target {circuit.target}")
    t0 = time.perf_counter()
    result = run_associative(circuit, protocol, report=progress(args.quiet))
    out = Path(args.out)
    result.save(out, "result")
    a = analyse_associative(result)
    save_figure(figs.associative_accuracy_figure(a), out, "accuracy")
    save_figure(figs.associative_weights_figure(a), out, "weights")
    summary = associative_summary(a)
    summary["wall_seconds"] = time.perf_counter() - t0
    summary["biological_seconds"] = result.metadata["biological_seconds"]
    summary["quick"] = bool(args.quick)
    summary["metadata"] = run_metadata(circuit.seed, command="run associative")
    finish_run(out, "Associative left/right task with reversal",
               "Tone A is taught to the left Purkinje group and tone B to the right one through "
               "their climbing fibres; then the mapping is reversed. The choice is the side whose "
               "DCN cell fires more during the tone.",
               [("accuracy", "Left: fraction of correct choices per block before and after the "
                             "reversal (dotted). Right: left − right DCN rate increase per trial "
                             "(> 0 means 'left'), coloured by the taught side."),
                ("weights", "Mean PF→Purkinje weight of the granule cells driven only by tone A "
                            "(or B) onto the left and right groups, trial by trial: the reversal "
                            "overwrites the old memory.")], summary, quiet=True)
    path = out / "summary.json"
    table = {
        "accuracy by block": ", ".join(f"{v:.2f}" for v in summary["accuracy_by_block"]),
        "reversal accuracy by block": ", ".join(f"{v:.2f}" for v in summary["reversal_accuracy_by_block"]),
        "A → left weight, start / mid / end (pA)": summary["weight_pA_A_to_left_start_mid_end"],
        "wall time (s)": summary["wall_seconds"],
    }
    write_table(out / "summary.md", "Associative left/right task", table)
    if not args.quiet:
        print_table("Associative left/right task", table)
        print(f"summary: {path}\nreport: {out / 'report.html'}")
    return 0
