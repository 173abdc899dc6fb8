"""The ``engramlab`` command.

Every subcommand that computes something writes ``summary.json`` (its key numbers) beside its
figures in the output folder and prints where they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engramlab import __version__

__all__ = ["main"]


def _neuron_count(text: str) -> int | float:
    """Parse a neuron count: an integer, a float (``1e6``) or a power (``2^64`` / ``2**64``)."""
    s = text.strip().replace(" ", "")
    power = re.fullmatch(r"(\d+)(?:\^|\*\*)(\d+)", s)
    try:
        if power:
            value: int | float = int(power.group(1)) ** int(power.group(2))
        elif re.fullmatch(r"\d+", s):
            value = int(s)
        else:
            value = float(s)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(
            f"--r must be a positive number such as 10000, 1e6 or 2^64, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"--r must be > 0, got {text!r}")
    return value


def _print_table(title: str, rows: Mapping[str, Any]) -> None:
    print(title)
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        if isinstance(value, float):
            shown = f"{value:.6g}"
        elif isinstance(value, int) and value.bit_length() > 64:
            shown = f"2^{value.bit_length() - 1}" if value & (value - 1) == 0 else f"{float(value):.6g}"
        else:
            shown = str(value)
        print(f"  {key:<{width}}  {shown}")


def _cmd_theory_sdm(args: argparse.Namespace) -> int:
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
    _print_table(f"SDM theory (n = {args.n}, d = {args.d})", {
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


def _cmd_theory_hopfield(args: argparse.Namespace) -> int:
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
    _print_table(f"Hopfield capacity (N = {args.n}, {trials} trials, {args.cue_flip:.0%} cue noise)", {
        "classic capacity (overlap < 0.9 first at P/N)": summary["classic_capacity"],
        "modern: largest load tested P/N": summary["modern_load_tested"],
        "modern: mean overlap there": summary["modern_mean_overlap"],
    })
    print(f"figures: {', '.join(str(p) for p in figures)}\nsummary: {path}")
    return 0


def _positive_int(name: str, low: int = 1) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{name} must be >= {low}, got {value}")
        return value
    return parse


def _fraction(name: str) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not 0.0 <= value < 0.5:
            raise argparse.ArgumentTypeError(f"{name} must lie in [0, 0.5), got {value}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``engramlab`` command."""
    parser = argparse.ArgumentParser(
        prog="engramlab",
        description="Spiking cerebellar and hippocampal circuits held against Sparse Distributed "
                    "Memory, attention and Hopfield equations.",
    )
    parser.add_argument("--version", action="version", version=f"engramlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    theory = sub.add_parser("theory", help="equations only: SDM geometry vs attention, Hopfield "
                                           "capacity (no spiking simulation)")
    tsub = theory.add_subparsers(dest="topic", metavar="TOPIC")
    tsub.required = True

    t_sdm = tsub.add_parser("sdm", help="circle intersection vs softmax: fitted beta, p(d), "
                                        "optimal radii, figure")
    t_sdm.add_argument("--n", type=_positive_int("--n", 3), default=64,
                       help="address dimension (default 64)")
    t_sdm.add_argument("--d", type=_positive_int("--d", 1), default=11,
                       help="Hamming radius, 1 <= d <= n (default 11)")
    t_sdm.add_argument("--r", type=_neuron_count, default=None,
                       help="number of neurons, e.g. 10000, 1e6 or 2^64 (default 2^n)")
    t_sdm.add_argument("--m", type=_positive_int("--m"), default=1024,
                       help="patterns stored, for the optimal radii (default 1024)")
    t_sdm.add_argument("--out", default="results/theory-sdm",
                       help="output folder (default results/theory-sdm)")
    t_sdm.set_defaults(func=_cmd_theory_sdm)

    t_hop = tsub.add_parser("hopfield", help="capacity curve: classic vs modern Hopfield")
    t_hop.add_argument("--n", type=_positive_int("--n", 10), default=200,
                       help="network size N (default 200)")
    t_hop.add_argument("--trials", type=_positive_int("--trials"), default=5,
                       help="pattern sets per load (default 5)")
    t_hop.add_argument("--cue-flip", type=_fraction("--cue-flip"), default=0.05,
                       help="fraction of cue bits flipped, in [0, 0.5) (default 0.05)")
    t_hop.add_argument("--seed", type=_positive_int("--seed", 0), default=0, help="seed (default 0)")
    t_hop.add_argument("--quick", action="store_true", help="2 trials per load")
    t_hop.add_argument("--out", default="results/theory-hopfield",
                       help="output folder (default results/theory-hopfield)")
    t_hop.set_defaults(func=_cmd_theory_hopfield)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``engramlab`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    if args.command == "theory" and args.topic == "sdm" and args.d > args.n:
        parser.error(f"--d must satisfy 1 <= d <= n = {args.n}, got {args.d}")
    try:
        return int(args.func(args))
    except ValueError as exc:
        print(f"engramlab: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
