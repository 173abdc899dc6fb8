"""NWB (Neurodata Without Borders) export and import of a saved run.

An engramlab NWB file holds one run, in the places NWB tools look for them:

* ``units``: one row per neuron that fired, with its ``population``, its ``neuron`` index in
  that population and its ``part`` (the label of a series run, e.g. ``isi_250ms``; empty for a
  single run). Spike times are in seconds from the start of the run. A per-spike companion
  array (``spikes_<pop>_run``: the design of a capacity run, whose clock restarts at 0 for each)
  becomes a column, and a neuron gets one row per value.
* ``intervals``: the stimulus schedule. Runs with ``slot_start`` (SDM, continual) get a
  ``slots`` table (start, stop = start + slot length, every per-slot array as a column,
  the slot kind also by name); trial protocols (eyeblink, associative) get the NWB ``trials``
  table (stop = the next trial's start; the last trial lasts the median trial period). A series
  prefixes the part label (``isi_250ms_trials``).
* ``processing/behavior``: the foraging trajectory as a ``Position`` (metres, sampled every
  ``trajectory_dt``).
* ``scratch``: every other array of the Result, unchanged (weights, addresses, codes …), and
  the parameters, their units and the run metadata as JSON, so that :func:`load_nwb` gives back
  a Result that the analysis, figures and reports read as they read a results folder.

The per-slot and per-trial arrays are also kept in ``scratch``: the intervals tables are for
NWB viewers, the scratch copies make the round trip exact (dtypes included).

pynwb is an optional dependency (``pip install 'engramlab[nwb]'``). No Brian2 here.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from engramlab.errors import ConfigError, EngramlabError
from engramlab.export import populations
from engramlab.results import Result, atomic_write, to_jsonable

__all__ = ["load_nwb", "result_to_nwb", "validate_nwb"]

#: scratch names of the JSON tables (arrays are stored as ``<part>|<key>``)
_TABLES = ("protocol", "params", "units", "metadata")
_SEP = "|"


def _pynwb() -> Any:
    try:
        import pynwb
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise EngramlabError("NWB export needs the 'pynwb' package: pip install 'engramlab[nwb]'") from exc
    return pynwb


def _runs(result: Result) -> Iterator[tuple[str, Result]]:
    """(label, run) of every run in a Result: the parts of a series, or ('', the result)."""
    if result.parts:
        yield from result.parts.items()
    else:
        yield "", result


def _companions(run: Result, pop: str) -> list[str]:
    """Per-spike arrays beside ``spikes_<pop>_t``/``_i`` (e.g. ``_run``: the capacity design each spike is from)."""
    prefix, size = f"spikes_{pop}_", np.size(run[f"spikes_{pop}_t"])
    return sorted(k[len(prefix):] for k, v in run.arrays.items()
                  if k.startswith(prefix) and k[len(prefix):] not in ("t", "i") and np.ndim(v) == 1
                  and np.size(v) == size)


def _spike_keys(run: Result) -> set[str]:
    return {f"spikes_{p}_{s}" for p in populations(run) for s in ("t", "i", *_companions(run, p))}


def _check_storable(result: Result) -> None:
    """Refuse, before writing anything, arrays NWB would not give back unchanged (text, objects)."""
    for label, run in _runs(result):
        for key, value in run.arrays.items():
            if np.asarray(value).dtype.kind in "OUSVM":
                where = f"{label}/{key}" if label else key
                raise ConfigError(where, f"is a {np.asarray(value).dtype} array: the NWB export stores numbers "
                                         "and booleans only")


def _table_name(label: str, name: str) -> str:
    return f"{label}_{name}" if label else name


def _add_units(nwb: Any, result: Result) -> None:
    from pynwb.misc import Units

    units = Units(name="units", description="spike times (s) of every neuron that fired, by population")
    units.add_column("population", "population the neuron belongs to (e.g. granule, purkinje, grid)")
    units.add_column("neuron", "index of the neuron in its population")
    units.add_column("part", "label of the series run this neuron's spikes come from ('' for a single run)")
    extra = sorted({c for _, run in _runs(result) for pop in populations(run) for c in _companions(run, pop)})
    for name in extra:  # e.g. run: a capacity run restarts its clock for every design; -1: not recorded
        units.add_column(name, f"per-spike value {name!r} shared by this row's spikes (-1: none)")
    rows = 0
    for label, run in _runs(result):
        for pop in populations(run):
            t = np.asarray(run[f"spikes_{pop}_t"], dtype=np.float64)
            i = np.asarray(run[f"spikes_{pop}_i"], dtype=np.int64)
            if t.size == 0:
                continue
            comps = _companions(run, pop)
            keys = [np.asarray(run[f"spikes_{pop}_{c}"], dtype=np.int64) for c in comps]
            # one row per neuron and companion values, its spikes in time order
            order = np.lexsort((t, *reversed(keys), i))
            t, i, keys = t[order], i[order], [k[order] for k in keys]
            ident = np.stack([i, *keys], axis=1)
            change = np.flatnonzero(np.any(ident[1:] != ident[:-1], axis=1)) + 1
            for start, times in zip(np.concatenate([[0], change]), np.split(t, change), strict=True):
                values = {c: int(k[start]) for c, k in zip(comps, keys, strict=True)}
                units.add_unit(spike_times=times, population=pop, neuron=int(i[start]), part=label,
                               **{name: values.get(name, -1) for name in extra})
                rows += 1
    if rows:
        nwb.units = units


def _add_slots(nwb: Any, label: str, run: Result) -> None:
    from pynwb.epoch import TimeIntervals

    start = np.asarray(run["slot_start"], dtype=np.float64)
    slot = run.params.get("circuit.slot")
    if slot is None:
        raise ConfigError("result", "has slot_start but no circuit.slot parameter: cannot write slot intervals")
    table = TimeIntervals(name=_table_name(label, "slots"), description="stimulus slots of the run (write, "
                                                                            "read, rest, step …)")
    columns = {k: np.asarray(v) for k, v in run.arrays.items()
               if k.startswith("slot_") and k != "slot_start" and np.ndim(v) == 1 and len(v) == start.size}
    kinds = run.params.get("slot_kinds")
    if "slot_kind" in columns and isinstance(kinds, dict):
        names = {int(v): str(k) for k, v in kinds.items()}
        columns["slot_kind_name"] = np.array([names.get(int(k), str(int(k))) for k in columns["slot_kind"]])
    for key in columns:
        table.add_column(key, f"per-slot array {key!r} of the run")
    for s in range(start.size):
        table.add_interval(start_time=float(start[s]), stop_time=float(start[s] + float(slot)),
                           **{k: _scalar(v[s]) for k, v in columns.items()})
    nwb.add_time_intervals(table)


def _add_trials(nwb: Any, label: str, run: Result) -> None:
    from pynwb.epoch import TimeIntervals

    start = np.asarray(run["trial_start"], dtype=np.float64)
    if start.size == 0:
        return
    gaps = np.diff(start)
    period = run.params.get("trial_period", run.params.get("protocol.trial_period"))
    if gaps.size:
        last = float(np.median(gaps))
    elif period is not None:
        last = float(period)
    else:
        raise ConfigError("result", "has one trial and no trial_period parameter: cannot end its interval")
    stop = np.append(start[1:], start[-1] + last)
    columns = {k: np.asarray(v) for k, v in run.arrays.items()
               if k.startswith("trial_") and k != "trial_start" and np.ndim(v) == 1 and len(v) == start.size}
    table = TimeIntervals(name=_table_name(label, "trials"), description="conditioning trials (stop: the next "
                                                                             "trial's start)")
    for key in columns:
        table.add_column(key, f"per-trial array {key!r} of the run")
    for s in range(start.size):
        table.add_interval(start_time=float(start[s]), stop_time=float(stop[s]),
                           **{k: _scalar(v[s]) for k, v in columns.items()})
    nwb.add_time_intervals(table)


def _add_position(nwb: Any, label: str, run: Result) -> None:
    from pynwb.behavior import Position, SpatialSeries

    pos = np.asarray(run["position"], dtype=np.float64)
    dt = run.params.get("protocol.trajectory_dt", run.params.get("trajectory_dt"))
    if dt is None:
        raise ConfigError("result", "has a position array but no trajectory_dt parameter: cannot time it")
    series = SpatialSeries(name=_table_name(label, "position"), data=pos, reference_frame="box corner (0, 0)",
                           unit="m", rate=1.0 / float(dt), starting_time=0.0,
                           description="the animal's position along the foraging trajectory")
    module = nwb.processing.get("behavior") or nwb.create_processing_module("behavior", "the animal's trajectory")
    module.add(Position(name=_table_name(label, "Position"), spatial_series=series))


def _scalar(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _start_time(result: Result) -> datetime:
    created = result.metadata.get("created")
    try:
        return datetime.fromisoformat(created) if isinstance(created, str) else datetime.now(UTC)
    except ValueError:
        return datetime.now(UTC)


def _build(result: Result) -> Any:
    pynwb = _pynwb()
    from pynwb.core import ScratchData

    seed = result.metadata.get("seed")
    nwb = pynwb.NWBFile(
        session_description=f"engramlab {result.protocol} run (seed {seed})",
        identifier=str(result.metadata.get("run_id") or uuid.uuid4()),
        session_start_time=_start_time(result),
        session_id=None if seed is None else str(seed),
        source_script="engramlab", source_script_file_name="engramlab",
        notes=f"simulated by engramlab {result.metadata.get('versions', {}).get('engramlab', '')}; "
              "parameters and metadata as JSON in scratch")
    _add_units(nwb, result)
    for label, run in _runs(result):
        if "slot_start" in run.arrays:
            _add_slots(nwb, label, run)
        if "trial_start" in run.arrays:
            _add_trials(nwb, label, run)
        if "position" in run.arrays and np.ndim(run["position"]) == 2:
            _add_position(nwb, label, run)
        skip = _spike_keys(run)
        for key, value in run.arrays.items():
            if key not in skip:
                nwb.add_scratch(ScratchData(name=f"{label}{_SEP}{key}", data=np.asarray(value),
                                            description=f"Result array {key!r}" + (f" of part {label!r}"
                                                                                   if label else "")))
    tables: dict[str, Any] = {"protocol": result.protocol, "metadata": result.metadata,
                              "dtypes": {label: {k: np.asarray(v).dtype.str for k, v in run.arrays.items()}
                                         for label, run in _runs(result)},
                              # hdmf hands a 1-element array back as a scalar: shapes restore it
                              "shapes": {label: {k: list(np.shape(v)) for k, v in run.arrays.items()}
                                         for label, run in _runs(result)},
                              "companions": {label: {p: _companions(run, p) for p in populations(run)}
                                             for label, run in _runs(result)},
                              "params": {label: run.params for label, run in _runs(result)},
                              "units": {label: run.units for label, run in _runs(result)},
                              "parts": [label for label, _ in _runs(result) if label],
                              "part_metadata": {label: run.metadata for label, run in _runs(result) if label},
                              "populations": {label: populations(run) for label, run in _runs(result)}}
    nwb.add_scratch(ScratchData(name="engramlab", data=json.dumps(to_jsonable(tables)),
                                description="protocol, parameters (SI floats), units and metadata as JSON"))
    return nwb


def result_to_nwb(result: Result, path: str | os.PathLike[str]) -> Path:
    """Write ``result`` as one NWB 2 file at ``path``, atomically (a failed write leaves nothing).

    The layout is in this module's docstring; :func:`load_nwb` reads it back.
    """
    import h5py

    pynwb = _pynwb()
    _check_storable(result)
    nwb = _build(result)
    # HDF5 written in memory, then renamed into place whole like every other output
    buf = io.BytesIO()
    with h5py.File(buf, "w") as h5, pynwb.NWBHDF5IO(file=h5, mode="w") as nio:
        nio.write(nwb)
    data = buf.getvalue()
    return atomic_write(path, lambda fh: fh.write(data))


def validate_nwb(path: str | os.PathLike[str]) -> list[str]:
    """Schema errors pynwb's validator finds in the file (empty: the file is valid NWB)."""
    pynwb = _pynwb()
    errors = pynwb.validate(path=str(path))
    if isinstance(errors, tuple):  # older pynwb: (errors, status)
        errors = errors[0]
    return [str(e) for e in errors]


def _read_tables(nwb: Any) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]]]:
    """The JSON tables and every array (scratch arrays and spikes rebuilt from the units table)."""
    raw = nwb.scratch["engramlab"].data
    tables = json.loads(raw[()] if hasattr(raw, "shape") else raw)
    dtypes = tables["dtypes"]
    arrays: dict[str, dict[str, np.ndarray]] = {label: {} for label in tables["params"]}
    for name, item in nwb.scratch.items():
        if _SEP in name:
            label, key = name.split(_SEP, 1)
            data = item.data
            value = np.asarray(data[()] if hasattr(data, "shape") else data).astype(dtypes[label][key])
            arrays[label][key] = value.reshape(tables["shapes"][label][key])
    rows: dict[tuple[str, str], list[int]] = {}
    table = nwb.units
    if table is not None:
        for row, (part, pop) in enumerate(zip(table["part"][:], table["population"][:], strict=True)):
            rows.setdefault((str(part), str(pop)), []).append(row)
    for label, comps_of in tables["companions"].items():
        for pop, comps in comps_of.items():
            mine = rows.get((label, pop), [])
            times = [np.asarray(table["spike_times"][r], dtype=np.float64) for r in mine]
            sizes = [x.size for x in times]
            t = np.concatenate(times) if times else np.zeros(0)
            i = np.repeat([int(table["neuron"][r]) for r in mine], sizes).astype(np.int64)
            keys = [np.repeat([int(table[c][r]) for r in mine], sizes).astype(np.int64) for c in comps]
            # the monitors' order: companion (e.g. the capacity design), then time, then neuron
            order = np.lexsort((i, t, *reversed(keys)))
            for key, values in (("t", t), ("i", i), *zip(comps, keys, strict=True)):
                name = f"spikes_{pop}_{key}"
                arrays[label][name] = values[order].astype(dtypes[label][name])
    return tables, arrays


def load_nwb(path: str | os.PathLike[str]) -> Result:
    """Read an engramlab NWB file back into a :class:`~engramlab.results.Result`.

    Spikes come back per population sorted by time, then neuron (the order Brian2's monitors
    record in; first by a per-spike companion such as a capacity run's ``_run`` design, whose
    clock restarts); every array keeps its dtype; parameters, units and metadata come back unchanged.
    """
    pynwb = _pynwb()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(str(p), "does not exist or is not a file")
    try:
        reader = pynwb.NWBHDF5IO(str(p), "r")
    except Exception as exc:  # h5py/pynwb raise many types for a non-NWB file
        raise ConfigError(str(p), f"cannot be read as an NWB file ({type(exc).__name__}: {exc})") from None
    try:
        try:
            nwb = reader.read()
        except Exception as exc:
            raise ConfigError(str(p), f"cannot be read as an NWB file ({type(exc).__name__}: {exc})") from None
        if "engramlab" not in nwb.scratch:
            raise ConfigError(str(p), "is an NWB file but not one engramlab wrote (no 'engramlab' scratch table)")
        try:
            tables, arrays = _read_tables(nwb)
        except (ValueError, KeyError, TypeError) as exc:  # JSON errors are ValueErrors
            raise ConfigError(str(p), f"has a damaged engramlab table ({type(exc).__name__}: {exc})") from None
    finally:
        reader.close()
    protocol = tables["protocol"]
    if tables["parts"]:
        parts = {label: Result(protocol, arrays[label], tables["params"][label],
                               tables["part_metadata"].get(label, {}), tables["units"][label])
                 for label in tables["parts"]}
        return Result(protocol, {}, {}, tables["metadata"], parts=parts)
    return Result(protocol, arrays[""], tables["params"][""], tables["metadata"], tables["units"][""])
