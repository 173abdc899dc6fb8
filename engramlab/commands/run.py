"""``engramlab run PROTOCOL``: the front door's :func:`engramlab.api.run`, with a printed table."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engramlab import api, registry
from engramlab.commands._common import print_table
from engramlab.config import flatten_keys, parse_set
from engramlab.errors import ConfigError

__all__ = ["run_cmd"]


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set`` values and the protocol's own options, as dotted keys.

    A key given both ways is refused: one of the two would be ignored.
    """
    flat = flatten_keys(parse_set(args.set))
    spec = registry.get(args.protocol)
    for opt in spec.options:
        value = getattr(args, f"opt_{opt.key}", None)
        if value is not None:
            if opt.key in flat:
                raise ConfigError(opt.key, f"is given by {opt.flag} and by --set: give it once")
            flat[opt.key] = value
    return flat


def run_cmd(args: argparse.Namespace) -> int:
    """Run one protocol, save its results folder and print its key numbers."""
    settings = settings_from(args)
    if not args.quiet:  # say where the results go only once the settings and the folder are accepted
        api.plan(args.protocol, settings, quick=args.quick, seed=args.seed, device=args.device,
                 threads=args.threads, config=args.config, repeats=getattr(args, "repeats", 1))
        api.check_out(args.out)
        print(f"engramlab run {args.protocol}" + (" --quick" if args.quick else "") + f": results in {args.out}/")
    result = api.run(args.protocol, settings, quick=args.quick, seed=args.seed, out=args.out,
                     device=args.device, threads=args.threads, config=args.config,
                     repeats=getattr(args, "repeats", 1), progress=not args.quiet)
    if not args.quiet:
        out = Path(args.out)
        print_table(result.title, result.table())
        print(f"summary: {out / 'summary.json'}\nreport: {out / 'report.html'}  (open it in a browser; works offline)")
    return 0
