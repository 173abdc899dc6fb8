"""The protocol registry: one :class:`ProtocolSpec` per protocol, the only list of protocols there is.

The command line (``engramlab run NAME``, ``params``, ``sweep``, ``report``), the Python front
door (:mod:`engramlab.api`) and the labs all iterate this registry. Adding a protocol is one
module (its configs and run function) and one :func:`register` call.

A spec refers to code by ``"module:attribute"`` strings (or plain callables), imported only when
used, so listing the protocols (``engramlab --help``) imports neither Brian2 nor Matplotlib.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engramlab.errors import ConfigError

__all__ = ["CliOption", "FigureSpec", "ProtocolSpec", "Ref", "get", "names", "register", "resolve", "unregister"]

#: code referred to by a spec: ``"package.module:attribute"`` or the object itself
Ref = str | Callable[..., Any]


def resolve(ref: Ref) -> Any:
    """The object a :data:`Ref` names (importing its module on first use)."""
    if not isinstance(ref, str):
        return ref
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class FigureSpec:
    """One figure a protocol draws: file stem, caption, and ``draw(result) -> matplotlib Figure``.

    ``scope``: ``"single"`` (drawn for one run), ``"series"`` (drawn once for a series of runs,
    e.g. several ISIs) or ``"both"``.
    """

    name: str
    caption: str
    draw: Ref
    scope: str = "single"


@dataclass(frozen=True)
class CliOption:
    """A protocol-specific command-line option that sets one configuration key.

    ``parse`` turns the option's text into the value (default: the text itself, which the
    configuration layer parses like a ``--set`` value).
    """

    flag: str
    key: str
    help: str
    parse: Ref | None = None
    metavar: str | None = None


@dataclass(frozen=True)
class ProtocolSpec:
    """Everything engramlab needs to know about one protocol.

    Parameters
    ----------
    name : str
        Command name (``engramlab run NAME``), also the ``protocol`` of its Results.
    help : str
        One line for ``engramlab --help``.
    title : str or callable
        Report title: a format string over the summary's keys, or ``f(summary) -> str``.
    intro : str
        What the run does, for the report page.
    circuit : Ref
        Zero-argument factory of the default circuit configuration (a :class:`Params` dataclass).
    run : Ref
        ``run(circuit, protocol, report) -> Result``, or ``run(config, report)`` for a protocol
        without a ``schedule`` (one configuration holds everything).
    summarise : Ref
        ``summarise(result) -> dict``: the key numbers written to summary.json.
    schedule : Ref, optional
        The protocol configuration class (the ``[protocol]`` table, ``protocol.KEY`` settings).
    prepare : Ref, optional
        ``prepare(circuit, protocol, quick) -> (circuit, protocol)``: resolve design choices and
        check that the two fit together, before anything is simulated.
    analyse : Ref, optional
        ``analyse(result) -> analysis``, computed once per Result (``Result.analysis``).
    run_series : Ref, optional
        ``run_series(circuit, protocols, report) -> [Result]``: several protocols on one built
        circuit (one compiled program on cpp_standalone); default: :attr:`run` for each.
    aggregate : Ref, optional
        ``aggregate([Result]) -> dict``: summary keys that compare the runs of a series.
    memory : Ref, optional
        ``memory(circuit, protocol) -> (bytes, key)``: the network's estimated peak memory and
        the setting that drives it; a run that would not fit is refused before it is built.
    figures : tuple of FigureSpec
    table : Ref, optional
        ``table(summary) -> {row: value}``: the lines printed and written to summary.md.
    quick : mapping
        The ``--quick`` preset (configuration keys, ``protocol`` table included).
    presets : mapping
        ``{key: {value: settings}}``: when the settings give ``key`` that value (e.g.
        ``regime = "ideal"``), ``settings`` are applied beneath everything the user set (but
        above the defaults), so one switch selects a coherent set of defaults.
    headline : tuple of str
        Summary keys a sweep tabulates and plots (the first is the default metric).
    series_key : str, optional
        Configuration key whose list of values runs one part per value (eyeblink's ISIs).
    repeat_key : str, optional
        Seed key that ``repeats=N`` steps through (N pattern sets on one circuit).
    options : tuple of CliOption
        Extra command-line options of ``engramlab run NAME``.
    lab : int, optional
        The teaching lab built on this protocol.
    summary_keys : tuple of str
        Keys every summary of this protocol has (documented; checked by the tests).
    aliases : tuple of str
        Older names of the protocol found in saved Results.
    """

    name: str
    help: str
    title: str | Callable[[Mapping[str, Any]], str]
    intro: str
    circuit: Ref
    run: Ref
    summarise: Ref
    schedule: Ref | None = None
    prepare: Ref | None = None
    analyse: Ref | None = None
    run_series: Ref | None = None
    aggregate: Ref | None = None
    memory: Ref | None = None
    figures: tuple[FigureSpec, ...] = ()
    table: Ref | None = None
    quick: Mapping[str, Any] = field(default_factory=dict)
    presets: Mapping[str, Mapping[Any, Mapping[str, Any]]] = field(default_factory=dict)
    headline: tuple[str, ...] = ()
    series_key: str | None = None
    repeat_key: str | None = None
    options: tuple[CliOption, ...] = ()
    lab: int | None = None
    summary_keys: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def title_for(self, summary: Mapping[str, Any]) -> str:
        """The report title for ``summary``."""
        if callable(self.title):
            return self.title(summary)
        try:
            return self.title.format(**summary)
        except (KeyError, IndexError, ValueError, TypeError):  # a key missing or None: the plain title
            return self.title


_REGISTRY: dict[str, ProtocolSpec] = {}
#: the protocols engramlab ships, as registered (:func:`ships`)
_SHIPPED: dict[str, ProtocolSpec] = {}
_BUILTINS_LOADED = False


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        importlib.import_module("engramlab.builtin_protocols")
        _SHIPPED.update(_REGISTRY)


def ships(name: str) -> bool:
    """Whether protocol ``name`` is one engramlab ships, unchanged: a new process knows it too.

    A protocol registered (or replaced) in this process is unknown to a sweep's worker process.
    """
    spec = get(name)
    return _SHIPPED.get(spec.name) is spec


def register(spec: ProtocolSpec, *, replace: bool = False) -> ProtocolSpec:
    """Add ``spec`` to the registry (``replace=True`` to redefine an existing name)."""
    _load_builtins()
    if spec.name in _REGISTRY and not replace:
        raise ConfigError("protocol", f"{spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a protocol from the registry."""
    _REGISTRY.pop(name, None)


def names() -> list[str]:
    """Names of every registered protocol, in registration order."""
    _load_builtins()
    return list(_REGISTRY)


def get(name: str) -> ProtocolSpec:
    """The spec of protocol ``name`` (or of a protocol that used to be called ``name``)."""
    _load_builtins()
    if name in _REGISTRY:
        return _REGISTRY[name]
    for spec in _REGISTRY.values():
        if name in spec.aliases:
            return spec
    raise ConfigError("protocol", f"{name!r} is unknown; choose from {', '.join(_REGISTRY)}")
