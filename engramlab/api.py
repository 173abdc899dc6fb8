"""The Python front door: list protocols, show their parameters, run one, load a saved run.

>>> import engramlab as el                                          # doctest: +SKIP
>>> el.protocols()                                                  # doctest: +SKIP
['sdm', 'sdm-capacity', 'eyeblink', 'associative', 'navigation', 'foraging', 'pattern-completion', 'continual']
>>> r = el.run("sdm", quick=True, seed=3, r=3000)                   # doctest: +SKIP
>>> r.summary["numpy_agreement"], r.figures()["4_readout"]          # doctest: +SKIP
>>> r.save("results/sdm"); el.load("results/sdm")                   # doctest: +SKIP

The command line is a thin shell over these functions, so ``engramlab run sdm --set r=3000``
and ``el.run("sdm", r=3000)`` build the same configuration.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engramlab import registry
from engramlab.errors import ConfigError, ConfigTypeError
from engramlab.results import Result, run_metadata

__all__ = ["ParamTable", "Plan", "check_out", "execute", "load", "params", "plan", "progress_bar", "protocols", "run"]


def protocols() -> list[str]:
    """Names of the runnable protocols (``engramlab run NAME``)."""
    return registry.names()


class ParamTable(list[Any]):
    """Rows (:class:`~engramlab.models._params.ParamRow`) of a protocol's parameters; prints as a table."""

    def __init__(self, name: str, rows: Sequence[Any]) -> None:
        super().__init__(rows)
        self.name = name

    def keys(self) -> list[str]:
        """The settable keys, in order."""
        return [row.key for row in self]

    def __str__(self) -> str:
        width = max(len(r.key) for r in self)
        vwidth = min(24, max(len(r.value) for r in self))
        lines = [f"Parameters of `engramlab run {self.name}` (set with --config FILE.toml, --set KEY=VALUE "
                 "or engramlab.run(name, KEY=VALUE)); * = changes the network's structure (another compiled "
                 "program); ° = 0 switches its mechanism off (zero and non-zero values are two programs); the "
                 "others are data a compiled program reads at start-up, unless a schedule or spike list grows "
                 "past a padding boundary"]
        for r in self:
            allowed = f"  (allowed: {r.allowed})" if r.allowed else ""
            mark = "*" if r.structural else "°" if r.switch else " "
            lines.append(f" {mark}{r.key:<{width}}  {r.value:<{vwidth}}  {r.doc}{allowed}")
        return "\n".join(lines)


def params(name: str) -> ParamTable:
    """Every parameter of protocol ``name``: key, default with unit, allowed range, meaning and source."""
    from engramlab.models._params import param_rows

    spec = registry.get(name)
    rows = param_rows(registry.resolve(spec.circuit)())
    if spec.schedule is not None:
        rows += param_rows(registry.resolve(spec.schedule)(), "protocol.")
    return ParamTable(spec.name, rows)


# ----------------------------------------------------------------------------------------------
# planning: configuration → validated configs, before anything is simulated
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A validated run: the protocol, its circuit and protocol configs, and the series labels."""

    spec: registry.ProtocolSpec
    circuit: Any
    protocols: tuple[Any, ...]
    labels: tuple[str, ...]
    quick: bool
    seed: int | None
    series_key: str | None = None
    memory_bytes: float = 0.0
    """The largest network estimate of the series (0 when the protocol has no estimate)."""


def _label(key: str, value: Any) -> str:
    text = str(value).replace(" ", "").replace("*", "")
    return f"{key.rsplit('.', 1)[-1]}_{text}"


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    node: Any = mapping
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _without(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    from engramlab.config import flatten_keys, nest

    flat = flatten_keys(mapping)
    flat.pop(key, None)
    return nest(flat)


def _mapping(spec: registry.ProtocolSpec, schedule_cls: type | None, quick: bool, config: str | Path | None,
             overrides: Mapping[str, Any], seed: int | None, device: str | None,
             threads: int | None) -> dict[str, Any]:
    """Settings in precedence order: defaults < quick preset < chosen presets < config file < overrides < arguments.

    Every source is normalised on its own (one spelling per key) before they are merged, so a
    bare ``trials`` in a file and ``protocol.trials`` on the command line are the same key. A
    preset (``--set regime=ideal``) is a set of mechanism choices: it sits above the quick
    preset, which sizes the run (``--quick --set regime=ideal`` is the quick size in the ideal
    regime), and beneath every source that chose it.
    """
    from engramlab.config import load_toml, merge, nest, normalise

    sources: list[tuple[str, Mapping[str, Any]]] = []
    if config is not None:
        sources.append((f"config file {str(config)!r}", load_toml(config)))
    flat = {str(key).replace("__", "."): value for key, value in overrides.items()}
    sources.append(("the settings", nest(flat, source="setting")))
    explicit = {k: v for k, v in (("seed", seed), ("device", device), ("threads", threads)) if v is not None}
    sources.append(("the arguments", explicit))
    mapping: dict[str, Any] = {}
    for source, layer in sources:
        mapping = merge(mapping, normalise(layer, schedule_cls, source))
    for key, table in spec.presets.items():  # a preset sits beneath every source that chose it
        value = _get(mapping, key)
        if isinstance(value, str | int | float | bool) and value in table:
            preset = normalise(table[value], schedule_cls, f"the {key} = {value!r} preset")
            mapping = merge(preset, mapping)
    if quick:  # beneath everything above, presets included
        mapping = merge(normalise(spec.quick, schedule_cls, "the quick preset"), mapping)
    return mapping


def plan(name: str, settings: Mapping[str, Any] | None = None, /, *, quick: bool = False,
         seed: int | None = None, device: str | None = None, threads: int | None = None,
         config: str | Path | None = None, repeats: int = 1, **overrides: Any) -> Plan:
    """Build and validate the configs of a run without simulating (same arguments as :func:`run`)."""
    from engramlab import validate as V
    from engramlab.config import apply_mapping

    spec = registry.get(name)
    if not isinstance(quick, bool):
        raise ConfigTypeError("quick", f"must be True or False, got {quick!r}")
    if settings is not None and not isinstance(settings, Mapping):
        raise ConfigTypeError("settings", f"must be a mapping of setting names to values (e.g. {{'r': 3000}}), "
                                          f"got {settings!r}")
    merged = dict(settings or {})
    given = {str(key).replace("__", "."): key for key in merged}
    for keyword in overrides:  # one value per key: the last one would win without a word
        dotted = keyword.replace("__", ".")
        if dotted in given:
            raise ConfigError(dotted, f"is given twice, in settings ({given[dotted]!r}) and as the keyword "
                                      f"{keyword!r}: give it once")
    for argument, value in (("seed", seed), ("device", device), ("threads", threads)):
        if value is not None and (argument in given or argument in overrides):
            raise ConfigError(argument, f"is given twice, as the argument {argument}= and in the settings: "
                                        "give it once")
    merged.update(overrides)
    schedule_cls = registry.resolve(spec.schedule) if spec.schedule is not None else None
    mapping = _mapping(spec, schedule_cls, quick, config, merged, seed, device, threads)
    repeats = V.integer("repeats", repeats, 1, 10_000)
    series: list[Any] = [None]
    key = None
    if spec.series_key is not None and isinstance(_get(mapping, spec.series_key), list):
        key = spec.series_key
        series = list(_get(mapping, key))
        if not series:
            raise ConfigError(key, "must not be an empty list")
        mapping = _without(mapping, key)
    if repeats > 1:
        if spec.repeat_key is None:
            raise ConfigError("repeats", f"is not supported by protocol {spec.name!r}")
        if key is not None:
            raise ConfigError("repeats", f"cannot be combined with a list of {key} values")
        key = spec.repeat_key
        series = [None] * repeats
    circuit_map = {k: v for k, v in mapping.items() if k != "protocol"}
    proto_map = dict(mapping.get("protocol", {}))
    circuit = apply_mapping(registry.resolve(spec.circuit)(), circuit_map)
    base = apply_mapping(schedule_cls(), proto_map, "protocol.") if schedule_cls is not None else None
    prepare = registry.resolve(spec.prepare) if spec.prepare is not None else None
    prepared_circuit = None
    protocols_: list[Any] = []
    labels: list[str] = []
    memory_bytes = 0.0
    for k, value in enumerate(series):
        proto, circ = base, circuit
        if key is not None and repeats > 1 and base is not None:
            field = key.split(".", 1)[1]
            value = getattr(base, field) + k
            try:
                proto = apply_mapping(base, {field: value}, "protocol.")
            except ConfigError as exc:  # the repeat's own seed is out of range: say where it came from
                raise ConfigError(key, f"{exc.problem} (repeat {k + 1} of {repeats} uses {key} + {k}: lower "
                                       f"{key} or --repeats)") from None
        elif key is not None:
            if key.startswith("protocol."):
                proto = apply_mapping(base, {key.split(".", 1)[1]: value}, "protocol.")
            else:
                circ = apply_mapping(circuit, {key: value})
        if prepare is not None:
            circ, proto = prepare(circ, proto, quick)
        if spec.memory is not None:
            from engramlab.resources import check_memory

            needed, key_name = registry.resolve(spec.memory)(circ, proto)
            check_memory(needed, key_name, f"the {spec.name} network")
            memory_bytes = max(memory_bytes, float(needed))
        if prepared_circuit is not None and circ != prepared_circuit:
            raise ConfigError(key, "a series must run on one circuit: vary a protocol setting")
        prepared_circuit = circ
        protocols_.append(proto)
        labels.append(_label(key, value) if key is not None else "")
    if len(set(labels)) != len(labels):
        raise ConfigError(key, f"lists a value twice ({', '.join(labels)}): each run of a series needs its own")
    # the seed was validated with the circuit (an integral float is allowed): kept as the integer
    return Plan(spec, prepared_circuit, tuple(protocols_), tuple(labels), quick, None if seed is None else int(seed),
                key, memory_bytes)


def check_out(out: str | Path | None) -> Path | None:
    """Validate an output folder before anything runs.

    Not empty text, not a file, not inside a file, and not an existing folder of other files
    (a results folder is replaced as a whole).
    """
    from engramlab.folders import check_target

    if out is None:
        return None
    text = str(out)
    if not text.strip():
        raise ConfigError("out", "is empty; give a folder for the results, e.g. results/sdm")
    path = Path(text)
    parent = next((p for p in [path, *path.parents] if p.exists()), None)
    if parent is not None and parent != path and not parent.is_dir():
        raise ConfigError("out", f"{text!r} lies inside the file {str(parent)!r}")
    check_target(path)
    # can we write there at all? (a read-only or full file system fails now, not after the run)
    probe_in = path.parent if path.exists() else parent
    if probe_in is not None:
        try:
            tempfile.TemporaryDirectory(prefix=".engramlab-probe-", dir=probe_in).cleanup()
        except OSError as exc:
            raise ConfigError("out", f"{text!r} cannot be written: {exc.strerror or exc}") from None
    return path


def execute(p: Plan, report: Callable[..., Any] | None = None) -> Result:
    """Simulate a :class:`Plan` and return its Result (a series Result when it has several parts)."""
    spec = p.spec
    run_one = registry.resolve(spec.run)
    t0 = time.perf_counter()

    def one(proto: Any) -> Result:
        # a protocol without a schedule config takes its one config and the report
        return run_one(p.circuit, proto, report) if spec.schedule is not None else run_one(p.circuit, report)

    if len(p.protocols) == 1:
        result = one(p.protocols[0])
    else:
        if spec.run_series is not None:
            parts = registry.resolve(spec.run_series)(p.circuit, list(p.protocols), report)
        else:
            parts = [one(proto) for proto in p.protocols]
        result = Result(spec.name, {}, {}, run_metadata(p.seed, protocol=spec.name, series_key=p.series_key),
                        parts=dict(zip(p.labels, parts, strict=True)))
    result.metadata.update(quick=p.quick, wall_seconds=time.perf_counter() - t0)
    for part in result.parts.values():
        part.metadata.update(quick=p.quick)
    return result


def run(name: str, settings: Mapping[str, Any] | None = None, /, *, quick: bool = False,
        seed: int | None = None, out: str | Path | None = None, device: str | None = None,
        threads: int | None = None, config: str | Path | None = None, repeats: int = 1,
        progress: bool | Callable[..., Any] = False, figures: bool = True, **overrides: Any) -> Result:
    """Run protocol ``name`` and return its :class:`~engramlab.results.Result`.

    Parameters
    ----------
    name : str
        A protocol from :func:`protocols`.
    settings : mapping, optional
        Parameter settings by their dotted keys, e.g. ``{"granule.tau_exc": "6 ms"}``.
    quick : bool
        The protocol's small, fast preset (the command line's ``--quick``).
    seed : int, optional
        Seed of the circuit and of the protocol (default: the configuration's, 0).
    out : path, optional
        Save the results folder there (data, summary.json, figures, report.html).
    device : {"runtime", "cpp_standalone"}, optional
        Where Brian2 runs the network (default: the protocol's configuration; ``"runtime"`` for most,
        ``"cpp_standalone"`` for ``sdm``, ``continual`` and several quick presets).
    threads : int, optional
        OpenMP threads of cpp_standalone.
    config : path, optional
        A TOML configuration file (below ``settings`` and ``overrides`` in precedence).
    repeats : int
        Run this many pattern sets on one circuit (protocols with a ``repeat_key``).
    progress : bool or callable
        Draw a progress bar on stderr (or pass a Brian2 report callback).
    figures : bool
        With ``out``: draw the figures too (``False``: data, summary and report only; ``engramlab
        report OUT`` draws them later).
    **overrides
        Settings as keywords: ``r=5000``, ``granule__tau_exc="6 ms"`` (``__`` for ``.``),
        ``protocol__patterns=30``.

    Every setting is validated, and ``out`` checked, before anything is simulated.
    """
    if out is not None and not isinstance(out, str | os.PathLike):
        raise ConfigTypeError("out", f"must be a folder path, got {out!r}")
    if not (isinstance(progress, bool) or callable(progress)):
        raise ConfigTypeError("progress", f"must be True, False or a Brian2 report callback, got {progress!r}")
    if not isinstance(figures, bool):
        raise ConfigTypeError("figures", f"must be True or False, got {figures!r}")
    p = plan(name, settings, quick=quick, seed=seed, device=device, threads=threads, config=config,
             repeats=repeats, **overrides)
    folder = check_out(out)
    report = progress_bar() if progress is True else (progress or None)
    result = execute(p, report)
    if folder is not None:
        result.save(folder, figures=figures)
    return result


def load(path: str | Path) -> Result:
    """Read a results folder (or a ``result.npz``) written by :func:`run` or ``engramlab run``."""
    if not isinstance(path, str | os.PathLike) or not str(path).strip():
        raise ConfigTypeError("path", f"must name a results folder (or its result.npz), got {path!r}")
    p = Path(path)
    target = p / "result.json" if p.is_dir() else p
    if not target.exists() and not target.with_suffix(".json").exists():
        raise ConfigError(str(path), "is not an engramlab results folder (no result.json)")
    return Result.load(p)


def progress_bar() -> Callable[..., None]:
    """A Brian2 ``report`` callback drawing a progress bar with ETA on stderr."""
    import sys

    def report(elapsed: Any, completed: float, start: Any, duration: Any) -> None:
        width = 30
        done = round(width * completed)
        secs = float(elapsed)
        eta = f"{secs * (1 - completed) / completed:5.1f} s" if completed > 0 else "    ?"
        bar = "#" * done + "." * (width - done)
        sys.stderr.write(f"\r  [{bar}] {completed:4.0%} of {float(duration):.1f} s biology · "
                         f"{secs:5.1f} s elapsed · ETA {eta}")
        if completed >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report
