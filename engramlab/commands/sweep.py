"""``engramlab sweep``: a protocol over a grid of parameters and seeds, resumable, local or on Dask."""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engramlab.analysis.figures.sweep import map_figure, sort_key
from engramlab.commands._common import finish_run, print_table, write_table

__all__ = ["sweep_cmd"]

#: a Dask scheduler address: optional protocol, a host and a port (what ``distributed.Client`` takes)
_SCHEDULER = re.compile(r"^(?:[a-z]+://)?(?:\[[0-9a-fA-F:.]+\]|[^\s/:\[\]]+):(?P<port>[1-9]\d{0,4})$")


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """One row per finished point; columns are the union of every row's keys, in first-seen order.

    ``csv`` quotes values holding commas or quotes (a list-valued parameter, an error message).
    """
    header: list[str] = []
    for row in rows:
        header.extend(k for k in row if k not in header)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)


def _figure(rows: list[dict[str, Any]], param: str, metric: str, others: list[str] | None = None) -> Any:
    """``metric`` against ``param``, one line per combination of the ``others`` swept parameters.

    Points are mean ± SD over seeds. ``others`` defaults to every other string-valued column.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    if others is None:
        others = [k for k in rows[0] if k not in (param, metric, "point", "seed") and isinstance(rows[0][k], str)]
    combos = sorted({tuple((k, str(r.get(k))) for k in others if k != param) for r in rows})
    for other in combos:
        sel = [r for r in rows if all(str(r.get(k)) == v for k, v in other) and r.get(metric) is not None]
        xs = sorted({r[param] for r in sel}, key=sort_key)
        means = [np.mean([r[metric] for r in sel if r[param] == x]) for x in xs]
        sds = [np.std([r[metric] for r in sel if r[param] == x]) for x in xs]
        label = ", ".join(f"{k}={v}" for k, v in other) or "all"
        xv = [float(x) for x in xs] if all(_isnum(x) for x in xs) else list(range(len(xs)))
        ax.errorbar(xv, means, yerr=sds, marker="o", capsize=3, label=label)
        if not all(_isnum(x) for x in xs):
            ax.set_xticks(xv, xs)
    ax.set_xlabel(param)
    ax.set_ylabel(metric)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(f"{metric} vs {param} (mean ± SD over seeds)")
    return fig


def _isnum(v: Any) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def _metric_check(metric: str | None, protocol: str, out: Path) -> Callable[[Any], None]:
    """A check of ``--metric`` against the first finished point's summary.json (then no more).

    A summary's keys are known only once a point has run: the sweep stops after its first point
    (or at once, when resuming) instead of after all of them.
    """
    from engramlab.errors import ConfigError
    from engramlab.folders import read_json

    state = {"checked": metric is None}

    def check(point: Any) -> None:
        if state["checked"]:
            return
        state["checked"] = True
        summary = read_json(out / "points" / point.key / "summary.json")
        value = summary.get(metric)
        number = value is None or (isinstance(value, int | float) and not isinstance(value, bool))  # NaN -> null
        if metric not in summary or not number:
            numbers = [k for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)]
            raise ConfigError("--metric", f"{metric!r} is not a number in {protocol}'s summary.json (its numbers: "
                                          f"{', '.join(numbers)}); the points already finished are kept")
    return check


def sweep_cmd(args: argparse.Namespace) -> int:
    """Plan, validate, run (resuming) and summarise a sweep."""
    from engramlab import registry
    from engramlab.errors import ConfigError
    from engramlab.results import run_metadata, save_figure
    from engramlab.sweep import (
        parse_params,
        plan_sweep,
        point_done,
        run_sweep,
        sweep_build_totals,
        sweep_table,
        validate_points,
    )

    spec = registry.get(args.protocol)
    if args.dask == "local" and args.scheduler is not None:
        raise ConfigError("--scheduler", "and --dask local both say where the points run: give one")
    address = _SCHEDULER.match(args.scheduler) if args.scheduler is not None else None
    if args.scheduler is not None and (address is None or int(address["port"]) > 65535):
        raise ConfigError("--scheduler", f"must be a Dask scheduler address [PROTOCOL://]HOST:PORT (e.g. "
                                         f"tcp://127.0.0.1:8786), got {args.scheduler!r}")
    params = parse_params(args.param or [])
    points = plan_sweep(args.protocol, params, args.seeds, args.quick, tuple(args.set or ()))
    scheduler = "local" if args.dask == "local" else args.scheduler
    local = scheduler in (None, "local")
    out = Path(args.out)
    to_run = [p for p in points if not point_done(p, out)]  # a resumed sweep: the points not done
    workers = validate_points(points, workers=args.workers, local=local, to_run=to_run)
    headline = list(spec.headline)
    if args.metric is not None:
        if args.metric not in headline:
            headline.insert(0, args.metric)
        else:
            headline.remove(args.metric)
            headline.insert(0, args.metric)
    if not str(args.out).strip() or (out.exists() and not out.is_dir()):
        raise ConfigError("--out", f"{str(args.out)!r} must name a folder (an existing sweep folder resumes)")
    from engramlab.folders import SWEEP_FILE, invalidate
    if out.is_dir() and any(out.iterdir()) and not (out / SWEEP_FILE).is_file():
        raise ConfigError("--out", f"{str(args.out)!r} holds files but no {SWEEP_FILE}: it is not a sweep's "
                                   "folder (a run's results would be lost); choose a new or empty folder, or "
                                   "an existing sweep folder to resume")
    check = _metric_check(args.metric, args.protocol, out)
    finished = [p for p in points if point_done(p, out)]
    if finished:  # resuming: the points already done say whether the metric exists
        check(finished[0])
    invalidate(out)  # the sweep's own manifest is written again when it finishes
    run_sweep(points, out, workers=workers, scheduler=scheduler,
              log=(lambda s: None) if args.quiet else print, figures=args.point_figures,
              own_process=getattr(args, "own_process", False), on_done=check)
    rows = sweep_table(points, out, headline)
    metrics = [m for m in headline if any(r.get(m) is not None for r in rows)]
    figures = []
    if params and metrics and rows:
        first = next(iter(params))
        save_figure(_figure(rows, first, metrics[0], list(params)), out, "sweep")
        figures.append(("sweep", f"{metrics[0]} against {first} for each combination of the other "
                                 "parameters, mean ± SD over seeds."))
        if len(params) >= 2:
            second = list(params)[1]
            save_figure(map_figure(rows, first, second, metrics[0]), out, "sweep_map")
            figures.append(("sweep_map", f"{metrics[0]} over {first} × {second}, the mean over seeds"
                                         + (" and the other parameters." if len(params) > 2 else ".")))
    _write_csv(out / "sweep.csv", rows)
    summary = {"protocol": args.protocol, "points": len(points), "finished": len(rows),
               "params": params, "seeds": args.seeds,
               "workers": workers if local else None,  # a remote cluster has the workers it has
               "metrics": metrics, "rows": rows,
               **sweep_build_totals(points, out),
               "metadata": run_metadata(None, command="sweep", scheduler=scheduler or "process-pool")}
    table = {f"{r['point']} seed {r['seed']} " + " ".join(f"{k}={r[k]}" for k in params): ", ".join(
        f"{m}={r.get(m)}" for m in metrics) for r in rows}
    write_table(out / "summary.md", f"Sweep of {args.protocol}", table)
    finish_run(out, f"Sweep of {args.protocol}", "One row per point; every point has its own "
               "results folder under points/" + ("." if args.point_figures else
                                                 " (data, summary and report; `engramlab report "
                                                 "points/KEY` draws its figures)."),
               figures, summary, quiet=True)
    if not args.quiet:
        print_table(f"Sweep of {args.protocol} ({len(rows)}/{len(points)} points)", table)
        print(f"table: {out / 'sweep.csv'}\nreport: {out / 'report.html'}")
    return 0
