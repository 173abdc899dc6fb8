"""The ``engramlab`` command: a thin shell over the Python front door (:mod:`engramlab.api`).

Every subcommand that computes something writes ``summary.json`` (its key numbers) beside its
figures in the output folder and prints where they are. The protocols offered by ``run``,
``params`` and ``sweep`` come from :mod:`engramlab.registry` alone.

Errors a user can cause (:class:`~engramlab.errors.EngramlabError`) print one line and exit
with status 2 (an interrupted run: 130, with nothing saved); anything else is a bug and shows
its traceback.
"""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

from engramlab import __version__, registry
from engramlab.errors import EngramlabError, RunInterrupted

__all__ = ["build_parser", "main"]


def _neuron_count(text: str) -> int | float:
    """Parse a neuron count: an integer, a float (``1e6``) or a power (``2^64`` / ``2**64``)."""
    s = text.strip().replace(" ", "")
    power = re.fullmatch(r"(\d+)(?:\^|\*\*)(\d+)", s)
    try:
        if power:
            base, exponent = int(power.group(1)), int(power.group(2))
            if base > 1 and exponent * math.log2(base) > 100_000:
                raise OverflowError
            value: int | float = base**exponent
        elif re.fullmatch(r"\d+", s):
            value = int(s)
        else:
            value = float(s)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(
            f"--r must be a positive number such as 10000, 1e6 or 2^64, got {text!r}") from None
    if not value >= 1:  # a count of neurons: 0.5 gave a radius outside 1 <= d <= n
        raise argparse.ArgumentTypeError(f"--r must be >= 1 (neurons), got {text!r}")
    return value


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


def _workers(text: str) -> int | str:
    """``--workers``: a whole number >= 1, or ``auto``."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"--workers must be a whole number >= 1 or 'auto', got {text!r}")
    return value


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


def _option_parser(opt: registry.CliOption) -> Any:
    parse = registry.resolve(opt.parse) if opt.parse is not None else None

    def convert(text: str) -> Any:
        if parse is None:
            return text
        try:
            return parse(text)
        except EngramlabError as err:  # a parser that names what it expects
            raise argparse.ArgumentTypeError(f"cannot read {text!r}: {err}") from None
        except (TypeError, ValueError) as err:  # argparse names the option before this
            detail = ": must be a whole number" if parse is int else (f": {err}" if str(err) else "")
            raise argparse.ArgumentTypeError(f"cannot read {text!r}{detail}") from None
    return convert


def _add_theory(sub: Any) -> None:
    theory = sub.add_parser("theory", help="equations only: SDM geometry vs attention, Hopfield "
                                           "capacity (no spiking simulation)")
    tsub = theory.add_subparsers(dest="topic", metavar="TOPIC")
    tsub.required = True
    t_sdm = tsub.add_parser("sdm", help="circle intersection vs softmax: fitted beta, p(d), optimal radii, figure")
    t_sdm.add_argument("--n", type=_positive_int("--n", 3), default=64,
                       help="address dimension, 3 <= n <= 20000 (default 64)")
    t_sdm.add_argument("--d", type=_positive_int("--d", 1), default=11, help="Hamming radius, 1 <= d <= n (default 11)")
    t_sdm.add_argument("--r", type=_neuron_count, default=None,
                       help="number of neurons, e.g. 10000, 1e6 or 2^64 (default 2^n)")
    t_sdm.add_argument("--m", type=_positive_int("--m"), default=1024,
                       help="patterns stored, for the optimal radii (default 1024)")
    t_sdm.add_argument("--out", default="results/theory-sdm", help="output folder (default results/theory-sdm)")
    t_sdm.set_defaults(func=_lazy("theory", "theory_sdm"))
    t_hop = tsub.add_parser("hopfield", help="capacity curve: classic vs modern Hopfield")
    t_hop.add_argument("--n", type=_positive_int("--n", 10), default=200, help="network size N (default 200)")
    t_hop.add_argument("--trials", type=_positive_int("--trials"), default=5, help="pattern sets per load (default 5)")
    t_hop.add_argument("--cue-flip", type=_fraction("--cue-flip"), default=0.05,
                       help="fraction of cue bits flipped, in [0, 0.5) (default 0.05)")
    t_hop.add_argument("--seed", type=_positive_int("--seed", 0), default=0, help="seed (default 0)")
    t_hop.add_argument("--quick", action="store_true", help="2 trials per load")
    t_hop.add_argument("--out", default="results/theory-hopfield",
                       help="output folder (default results/theory-hopfield)")
    t_hop.set_defaults(func=_lazy("theory", "theory_hopfield"))


def _add_run(sub: Any) -> None:
    run = sub.add_parser("run", help="run a spiking protocol: figures, summary.json and the Result")
    rsub = run.add_subparsers(dest="protocol", metavar="PROTOCOL")
    rsub.required = True
    for name in registry.names():
        spec = registry.get(name)
        p = rsub.add_parser(name, help=spec.help, description=spec.help)
        out = f"results/{name}"
        p.add_argument("--config", metavar="FILE.toml", help="TOML file of parameters (see engramlab params)")
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override one parameter, e.g. --set r=5000 --set 'granule.tau_exc=\"6 ms\"'")
        p.add_argument("--seed", type=_positive_int("--seed", 0), default=None, help="seed (default 0)")
        p.add_argument("--quick", action="store_true", help="small, fast version (for CI and a first look)")
        p.add_argument("--out", default=out, help=f"output folder (default {out})")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress or table output")
        p.add_argument("--device", choices=("runtime", "cpp_standalone"), default=None,
                       help="runtime (numpy/cython target) or cpp_standalone (the whole protocol as one compiled "
                            "C++ program: a build of ~10-30 s, then several times faster); default: the "
                            "protocol's (engramlab params NAME shows it)")
        p.add_argument("--threads", type=_positive_int("--threads", 0), default=None,
                       help="OpenMP threads of cpp_standalone (default 0: none; another compiled program, "
                            "and other spikes)")
        if spec.repeat_key is not None:
            p.add_argument("--repeats", type=_positive_int("--repeats"), default=1,
                           help=f"run N sets ({spec.repeat_key} = seed … seed+N-1) on the same circuit and report "
                                "the spread of the key numbers; with --device cpp_standalone the program is "
                                "compiled once and re-run")
        for opt in spec.options:
            p.add_argument(opt.flag, dest=f"opt_{opt.key}", type=_option_parser(opt), default=None,
                           metavar=opt.metavar, help=opt.help)
        p.set_defaults(func=_lazy("run", "run_cmd"))


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so every ``finally`` and staged folder cleans up."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints its usage text first).

    Subcommand parsers are made by the same class (argparse's default ``parser_class``).
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``engramlab`` command (protocols from the registry)."""
    parser = _OneLineParser(
        prog="engramlab",
        description="Spiking cerebellar and hippocampal circuits held against Sparse Distributed "
                    "Memory, attention and Hopfield equations.",
        epilog=f"protocols: {', '.join(registry.names())} (engramlab run PROTOCOL --help; "
               "engramlab params PROTOCOL)",
    )
    parser.add_argument("--version", action="version", version=f"engramlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_theory(sub)
    _add_run(sub)
    protocols = registry.names()

    sw = sub.add_parser("sweep", help="run a protocol over a grid of parameters and seeds (resumable; "
                                      "process pool or Dask)")
    sw.add_argument("protocol", choices=protocols)
    sw.add_argument("--param", action="append", metavar="NAME=V1,V2,...",
                    help="values of one parameter (repeat for a grid), e.g. --param d=18,21,24")
    sw.add_argument("--set", action="append", metavar="KEY=VALUE", help="a fixed override applied to every point")
    sw.add_argument("--metric", default=None,
                    help="a number in the points' summary.json, plotted (default: the protocol's headline); "
                         "checked when the first point is saved")
    sw.add_argument("--seeds", type=_positive_int("--seeds"), default=1, help="seeds per point (0 … N-1)")
    sw.add_argument("--workers", type=_workers, default="auto",
                    help="parallel workers, or 'auto' (default): one per core for a shipped protocol, as many as fit "
                         "in memory (compiled programs: at most 3). The first point of each network structure compiles "
                         "before the rest of it starts; the others re-use its program")
    sw.add_argument("--scheduler", default=None,
                    help="Dask scheduler address [PROTOCOL://]HOST:PORT, e.g. tcp://host:8786 (not with --dask)")
    sw.add_argument("--dask", choices=("local",), default=None,
                    help="run on a Dask LocalCluster (not with --scheduler)")
    sw.add_argument("--quick", action="store_true", help="quick version of every point")
    sw.add_argument("--out", required=True, help="sweep folder: new, empty, or a sweep's folder to resume")
    sw.add_argument("--point-figures", action="store_true",
                    help="draw every point's figures too (default: each point keeps its data, summary and "
                         "report; engramlab report OUT/points/KEY draws them later)")
    sw.add_argument("-q", "--quiet", action="store_true")
    sw.set_defaults(func=_lazy("sweep", "sweep_cmd"))

    lab = sub.add_parser("lab", help="teaching labs: list them, run one, write one as a notebook")
    lsub = lab.add_subparsers(dest="lab_command", metavar="ACTION")
    lsub.required = True
    lsub.add_parser("list", help="list the labs").set_defaults(func=_lazy("misc", "lab_list"))
    l_run = lsub.add_parser("run", help="run lab N (writes figures and report.html)")
    l_run.add_argument("number", type=_positive_int("N"), help="lab number (see lab list)")
    l_run.add_argument("--quick", action="store_true", help="small and fast version")
    l_run.add_argument("--out", default=None, help="output folder (default results/labs/<lab>)")
    l_run.add_argument("--notebook", action="store_true",
                       help="run it as a Jupyter notebook on a fresh kernel and save the executed notebook "
                            "in the output folder (needs the labs extra)")
    l_run.add_argument("--solutions", action="store_true",
                       help="with --notebook: then run the lab's solutions notebook, which checks the answers "
                            "against what its exercise cells measured")
    l_run.set_defaults(func=_lazy("misc", "lab_run"))
    l_nb = lsub.add_parser("notebook", help="write lab N as a Jupyter notebook (.ipynb) to open in Jupyter")
    l_nb.add_argument("number", type=_positive_int("N"), help="lab number (see lab list)")
    l_nb.add_argument("--quick", action="store_true", help="set the notebook to the small and fast version")
    l_nb.add_argument("--out", default=None, help="the notebook's output folder (default results/labs/<lab>)")
    l_nb.add_argument("--to", default=None, help="notebook file to write (default ./<lab>.ipynb)")
    l_nb.add_argument("--force", action="store_true", help="replace an existing notebook file")
    l_nb.set_defaults(func=_lazy("misc", "lab_notebook_cmd"))

    rep = sub.add_parser("report", help="rebuild report.html of a results folder")
    rep.add_argument("folder", help="a folder written by engramlab (has summary.json)")
    rep.set_defaults(func=_lazy("misc", "report_cmd"))

    par = sub.add_parser("params", help="every parameter of a protocol with its default, range and source")
    par.add_argument("protocol", choices=protocols)
    par.set_defaults(func=_lazy("misc", "params_cmd"))

    exp = sub.add_parser("export", help="export a run: its spike trains (CSV, Neo) or the whole run as "
                                                "NWB (spikes, schedule, positions, parameters)")
    exp.add_argument("folder", help="results folder (with result.npz) or the .npz itself")
    exp.add_argument("--format", choices=("csv", "neo", "nwb"), default="csv",
                     help="csv: population,neuron,time_s rows; neo: a pickled neo.Block; nwb: run.nwb, read back "
                          "by engramlab.load_nwb (needs pip install 'engramlab[nwb]')")
    exp.add_argument("--out", default=None, help="output folder: the run's own (default), or a new or empty one")
    exp.add_argument("--force", action="store_true", help="read a folder without a manifest (written by an "
                                                         "older engramlab)")
    exp.set_defaults(func=_lazy("misc", "export_cmd"))
    return parser


def _lazy(module: str, func: str) -> Any:
    """Import a command's module only when it runs (keeps --help fast, Brian2 out of theory)."""
    def call(args: argparse.Namespace) -> int:
        import importlib
        mod = importlib.import_module(f"engramlab.commands.{module}")
        return int(getattr(mod, func)(args))
    return call


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``engramlab`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    # invoked as the command (console script, python -m): the process is the command's own, which
    # lets a sweep freeze its heap (engramlab.sweep); main([...]) from Python leaves the caller's alone
    args.own_process = argv is None
    if args.own_process and threading.current_thread() is threading.main_thread():
        # `kill` or `timeout` sends SIGTERM: unwind like Ctrl+C, so a staged results folder is
        # removed instead of left half-written (Python's default would exit without cleaning up)
        signal.signal(signal.SIGTERM, _terminate)
    if args.command == "theory" and args.topic == "sdm" and args.d > args.n:
        parser.error(f"--d must satisfy 1 <= d <= n = {args.n}, got {args.d}")
    try:
        return int(args.func(args))
    except EngramlabError as exc:
        print(f"engramlab: error: {exc}", file=sys.stderr)
        return 130 if isinstance(exc, RunInterrupted) else 2
    except KeyboardInterrupt as exc:  # Ctrl+C outside a simulation (or twice), or SIGTERM: nothing half-written
        if isinstance(exc, Terminated):
            print("engramlab: terminated (SIGTERM): nothing was saved", file=sys.stderr)
            return 143
        print("engramlab: interrupted: nothing was saved", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `engramlab params sdm | head`
        sys.stderr.close()
        return 0
    except OSError as exc:  # the machine, not the model: a full disk, a folder we may not write
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(f"engramlab: error: cannot write or read{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
