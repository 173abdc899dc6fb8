"""``engramlab sweep``: a protocol over a grid of parameters and seeds, resumable, local or on Dask."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

import numpy as np

from engramlab.analysis.figures.sweep import map_figure, sort_key
from engramlab.commands._common import finish_run, print_table, write_table

__all__ = ["sweep_cmd"]


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


def sweep_cmd(args: argparse.Namespace) -> int:
    """Plan, validate, run (resuming) and summarise a sweep."""
    from engramlab import registry
    from engramlab.errors import ConfigError
    from engramlab.results import run_metadata, save_figure
    from engramlab.sweep import parse_params, plan_sweep, run_sweep, sweep_build_totals, sweep_table, validate_points

    spec = registry.get(args.protocol)
    params = parse_params(args.param or [])
    points = plan_sweep(args.protocol, params, args.seeds, args.quick, tuple(args.set or ()))
    scheduler = "local" if args.dask == "local" else args.scheduler
    validate_points(points, workers=args.workers, local=scheduler in (None, "local"))
    headline = list(spec.headline)
    if args.metric is not None:
        if args.metric not in headline:
            headline.insert(0, args.metric)
        else:
            headline.remove(args.metric)
            headline.insert(0, args.metric)
    out = Path(args.out)
    if not str(args.out).strip() or (out.exists() and not out.is_dir()):
        raise ConfigError("--out", f"{str(args.out)!r} must name a folder (an existing sweep folder resumes)")
    from engramlab.folders import invalidate
    invalidate(out)  # the sweep's own manifest is written again when it finishes
    run_sweep(points, out, workers=args.workers, scheduler=scheduler,
              log=(lambda s: None) if args.quiet else print, figures=args.point_figures,
              own_process=getattr(args, "own_process", False))
    rows = sweep_table(points, out, headline)
    if args.metric is not None and rows and all(r.get(args.metric) is None for r in rows):
        raise ConfigError("--metric", f"{args.metric!r} is not a number in {args.protocol}'s summary.json")
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
               "params": params, "seeds": args.seeds, "metrics": metrics, "rows": rows,
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
