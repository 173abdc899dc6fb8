"""A standalone program's scalar parameters as values it reads at start-up, not constants of its code.

Brian2 writes every external constant a group's equations use (a capacitance, a time constant,
a threshold: the ``namespace`` each circuit passes) into the C++ source of the code objects
that read it (``const double C = 7e-12;``). A sweep over such a parameter then recompiled those
files at every value (``granule.C``: 1 of 80 files, 0.9 s per value on 2026-12-04), although
nothing about the network's structure had changed.

:func:`constants_read_at_start_up` turns each such constant into a one-element shared variable of
its group (the same name, unit and dtype; Brian2 resolves a group's own variables before its
namespace) and returns the values for Brian2's ``run_args``: the program sets them from its
command line before anything else runs (``set_from_command_line``, moved to the top of
``main``). The code then reads ``const double C = _ptr_array_granule_C[0];`` where it had the
literal: the same arithmetic on the same double (``repr`` round-trips), and the same text for
every value. A neuron group's refractory period, which Brian2 writes into its state updater as a
literal, is read the same way. :func:`initial_values_as_data` does the same for the scalar
initial values and delays Brian2 writes into ``main.cpp`` (``v = E_L``, ``w = w0``): each
becomes a one-element data file.

What stays in the code: constants already used when the network was built (a ``connect``
condition, an initial-value *expression*) are written into those code objects then; a value
that is not a finite int or float (a TimedArray, a function, a boolean, an array); and a
TimedArray's step and length. Scanned on 2026-12-04 (code generated for each numeric
non-structural parameter at its default and +10 %): eyeblink 77 of 81, the SDM 66 of 70, the
memory pool 39 of 40 and foraging 19 of 19 give byte-identical sources; the rest are 0 against
non-zero for the parameters marked ``switch`` (a mechanism switched on), tables or spike lists
that grow past a padding boundary (``layers.spike_capacity``, ``layers.gate_table``), and the
memory pool's step (marked structural).
"""

from __future__ import annotations

import math
from typing import Any

import brian2 as b2
import numpy as np
from brian2.core.functions import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS
from brian2.core.namespace import DEFAULT_UNITS
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
from brian2.groups.group import Group
from brian2.units.fundamentalunits import get_dimensions

#: the line Brian2 puts before the network's run when ``run_args`` were not applied earlier
SET_FROM_COMMAND_LINE = "set_from_command_line(args);"
#: the name a neuron group's refractory period is read under (:func:`constants_read_at_start_up`)
REFRACTORY = "refractory_period"


def _scalar(value: Any) -> tuple[float | int, Any, np.dtype] | None:
    """``(number, dimensions, dtype)`` of a finite int or float (with or without unit), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, b2.Quantity):
        if value.ndim != 0:
            return None
        number = float(np.asarray(value))
        return (number, get_dimensions(value), np.dtype(np.float64)) if math.isfinite(number) else None
    if isinstance(value, (int, np.integer)):
        return int(value), get_dimensions(1), np.dtype(np.int64)
    if isinstance(value, (float, np.floating)):
        return (float(value), get_dimensions(1), np.dtype(np.float64)) if math.isfinite(value) else None
    return None


def _movable(name: str) -> bool:
    """Whether a namespace name may become a group variable without changing what it resolves to.

    Brian2 looks up Brian2's own constants, units and functions (``pi``, ``e``, ``ms``) before a
    group's namespace, and a group's variables before both: a namespace entry named like one of
    them was never used, and must not start to be.
    """
    return not (name.startswith("_") or name in DEFAULT_CONSTANTS or name in DEFAULT_UNITS
                or name in DEFAULT_FUNCTIONS)


def constants_read_at_start_up(network: b2.Network, device: CPPStandaloneDevice) -> dict[Any, Any]:
    """Make the scalar namespace constants of ``network``'s groups run-time values; return the ``run_args``.

    Call once, just before ``network.run`` records the run into the program. Every group (and a
    synapse group's pathways, which share its namespace) gets a one-element constant variable per
    finite scalar of its namespace that it does not already have as a variable; the group keeps a
    namespace without them (a copy: circuits may pass one dictionary to several groups, and a
    subgroup keeps the original, so code written for it still finds the constants). The program
    applies the returned values (``{group.C: 7 pF, ...}``) first thing in ``main``. A monitor of a
    group gets its own copies (it holds the group's original namespace): redundant, not wrong.
    """
    run_args: dict[Any, Any] = {}
    for group in sorted((o for o in network.objects if isinstance(o, Group)), key=lambda o: o.name):
        namespace = getattr(group, "namespace", None) or {}
        moved: dict[str, tuple[float | int, Any, np.dtype]] = {}
        for name, value in namespace.items():
            scalar = _scalar(value)
            if scalar is not None and _movable(name) and name not in group.variables:
                moved[name] = scalar
        # a refractory period given as a quantity is a literal of the state updater's code
        # (``timestep(0.0015, dt)``); Brian2 reads ``_refractory`` when the run is recorded, and a
        # string names a value instead (NeuronGroup's own rule for string periods)
        refractory = getattr(group, "_refractory", False)
        if (isinstance(refractory, b2.Quantity) and (scalar := _scalar(refractory)) is not None
                and REFRACTORY not in group.variables and REFRACTORY not in namespace):
            moved[REFRACTORY] = scalar
            group._refractory = REFRACTORY
        if not moved:
            continue
        kept = {k: v for k, v in namespace.items() if k not in moved}
        if group.namespace is not None:
            group.namespace = kept
            for pathway in getattr(group, "_pathways", ()):
                pathway.namespace = kept
        for name, (_, dimensions, dtype) in sorted(moved.items()):
            # not read_only: Brian2 lets the command line set only writable arrays
            group.variables.add_array(name, size=1, dimensions=dimensions, dtype=dtype, scalar=True,
                                      constant=True, read_only=False)
            for pathway in getattr(group, "_pathways", ()):
                pathway.variables.add_reference(name, group)
        group._run_time_constants = {name: (b2.Quantity(number, dim=dimensions) if dtype.kind == "f" else number)
                                     for name, (number, dimensions, dtype) in moved.items()}
        run_args.update(_group_run_args(group))
    if run_args:
        # before every line of main: the values exist before any code object reads them. Brian2
        # still adds its own line before the run (run_args_applied stays as it is), so run_args
        # for a state variable keep overriding what main set earlier; the constants are set twice
        device.main_queue.insert(0, ("insert_code", SET_FROM_COMMAND_LINE))
    return run_args


def _group_run_args(group: Group) -> dict[Any, Any]:
    # Group.state, not getattr: a constant may share its name with an attribute of the group object
    return {group.state(name, use_units=True): value
            for name, value in getattr(group, "_run_time_constants", {}).items()}


def run_time_constants(network: b2.Network) -> dict[Any, Any]:
    """The ``run_args`` a re-run of ``network``'s program needs for its constants (:func:`constants_read_at_start_up`).

    A program re-run with new inputs (``device.run(run_args=...)``) is given its constants again:
    they are set from the command line of every run.
    """
    args: dict[Any, Any] = {}
    for group in network.objects:
        if isinstance(group, Group):
            args.update(_group_run_args(group))
    return args


#: arrays whose single-value assignment stays in ``main.cpp``: a clock's start. A clock's step is
#: data like any other value (the program reads it from its array at run time): a monitor sampling
#: every ``trials × trial period`` (eyeblink's end-of-acquisition weights) then compiles nothing
#: for another ISI (main.cpp was recompiled for it: 2.9 s, 2026-12-05)
_CLOCK_ARRAYS = ("clock_t", "clock_timestep")


def initial_values_as_data(device: CPPStandaloneDevice) -> int:
    """Rewrite the program's scalar initial values (``group.v = E_L``, ``syn.w = w0``, a delay) as data.

    Brian2 writes a value given to a whole array (``set_by_constant``) or to a one-element array
    (``set_by_single_value``: a synapse group's scalar delay) into ``main.cpp``, so another initial
    potential, initial weight or delay recompiled and relinked the program. Each becomes a
    one-element static array (a data file the program loads at start-up, its name fixed by the
    array it sets) copied into the array at the same point of ``main``: the same values in the
    same order. Booleans and the lines that start a clock (its t and time step) are left as
    Brian2 wrote them. Returns how many assignments were rewritten. Call after the run is
    recorded, before the project is written.
    """
    by_name: dict[str, Any] = {}
    for table in (device.arrays, device.dynamic_arrays, device.dynamic_arrays_2d):
        by_name.update({name: var for var, name in table.items()})
    rewritten = 0
    for k, (func, args) in enumerate(device.main_queue):
        if func == "set_by_constant":
            array_name, value, is_dynamic = args
            item = None
        elif func == "set_by_single_value":
            array_name, item, text = args
            is_dynamic = False
            try:
                value = float(str(text).replace(" ", ""))  # Brian2 renders -1 as "- 1.0"
            except ValueError:  # an expression or a boolean literal
                continue
        else:
            continue
        var = by_name.get(array_name)
        if (var is None or str(array_name).endswith(_CLOCK_ARRAYS) or np.dtype(var.dtype).kind not in "iuf"
                or isinstance(value, (bool, np.bool_))):
            continue
        static = device.static_array(f"value_of_{array_name.removeprefix('_')}", np.array([value], dtype=var.dtype))
        if item is not None:
            code = f"{array_name}[{item}] = {static}[0];"
        else:
            size = f"{array_name}.size()" if is_dynamic else f"_num_{array_name}"
            code = f"for(int _i=0; _i<{size}; _i++) {array_name}[_i] = {static}[0];"
        device.main_queue[k] = ("insert_code", code)
        rewritten += 1
    return rewritten
