"""``engramlab theory sdm|hopfield``: the equations layer, no spiking simulation."""

from __future__ import annotations

import argparse
from pathlib import Path

from engramlab.commands._common import print_table

__all__ = ["theory_hopfield", "theory_sdm"]


def theory_sdm(args: argparse.Namespace) -> int:
    """Fitted β, p(d), optimal radii and the SDM-vs-softmax figure."""
    from engramlab.analysis.figures.theory import sdm_weights_figure
    from engramlab.analysis.theory import sdm_attention_comparison, sdm_theory
    from engramlab.results import run_metadata, save_figure, write_summary

    summary = sdm_theory(args.n, args.d, args.r, args.m)
    out = Path(args.out)
    fig = sdm_weights_figure(sdm_attention_comparison(args.n, args.d, summary["beta_ols"]))
    figures = save_figure(fig, out, "sdm_weights")
    record = dict(summary)
    if isinstance(record["r"], int) and record["r"].bit_length() > 53:
        record["r"] = float(record["r"]) if record["r"].bit_length() < 1024 else str(record["r"])
    record["figures"] = [p.name for p in figures]
    record["metadata"] = run_metadata(None, command="theory sdm")
    path = write_summary(out, record)
    print_table(f"SDM theory (n = {args.n}, d = {args.d})", {
        "p(d) = ball fraction": summary["ball_fraction"],
        "expected neurons per ball r·p(d)": summary["expected_active"],
        "beta (OLS, default)": summary["beta_ols"],
        "beta (published estimator)": summary["beta_published"],
        "beta (fit to normalised weights)": summary["beta_weights"],
        "max |SDM − softmax| weight, d_v <= d": summary["softmax_weight_error"],
        f"d* SNR-optimal (m = {args.m}, r)": summary["d_snr"],
        "d* memory-capacity-optimal": summary["d_memory"],
        "r (neurons)": summary["r"],
    })
    print(f"figures: {', '.join(str(p) for p in figures)}\nsummary: {path}")
    return 0


def theory_hopfield(args: argparse.Namespace) -> int:
    """Capacity curve of the classic vs the modern Hopfield network."""
    from engramlab.analysis.figures.theory import capacity_figure
    from engramlab.analysis.theory import hopfield_capacity
    from engramlab.results import run_metadata, save_figure, write_summary

    trials = 2 if args.quick else args.trials
    classic, modern, summary = hopfield_capacity(args.n, trials, args.cue_flip, args.seed)
    out = Path(args.out)
    figures = save_figure(capacity_figure([classic, modern]), out, "hopfield_capacity")
    record = dict(summary, figures=[p.name for p in figures],
                  metadata=run_metadata(args.seed, command="theory hopfield", quick=args.quick))
    path = write_summary(out, record)
    print_table(f"Hopfield capacity (N = {args.n}, {trials} trials, {args.cue_flip:.0%} cue noise)", {
        "classic capacity (overlap < 0.9 first at P/N)": summary["classic_capacity"],
        "modern: largest load tested P/N": summary["modern_load_tested"],
        "modern: mean overlap there": summary["modern_mean_overlap"],
    })
    print(f"figures: {', '.join(str(p) for p in figures)}\nsummary: {path}")
    return 0
