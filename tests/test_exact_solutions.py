"""Brian2's exact integration steps kept on disk (engramlab.circuits._exact_solutions).

The reference is Brian2's own derivation (the wrapped ``LinearStateUpdater.__call__``): a kept
step must be that text, byte for byte, and the key must not depend on the process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import brian2 as b2
import pytest

import engramlab.circuits._device  # noqa: F401  (installs the disk cache)
from engramlab.circuits import _exact_solutions as xs

# a Purkinje-like membrane: two currents with one time constant (a repeated eigenvalue)
EQS = """
dI_a/dt = -I_a / tau_s : amp
dI_b/dt = -I_b / tau_s : amp
dv/dt = (g_L * (E_L - v) + I_a - I_b) / C : volt (unless refractory)
"""
NAMESPACE = {"tau_s": 5 * b2.ms, "g_L": 10 * b2.nS, "E_L": -60 * b2.mV, "C": 200 * b2.pF}


def _group() -> b2.NeuronGroup:
    return b2.NeuronGroup(3, EQS, threshold="v > -50*mV", reset="v = -60*mV", refractory=2 * b2.ms,
                          method="exact", namespace=NAMESPACE)


def _updater() -> object:
    return b2.StateUpdateMethod.stateupdaters["exact"]


def _derive_fresh(group: b2.NeuronGroup) -> str:
    """Brian2's derivation itself, past its per-process cache and past the disk."""
    derive = type(_updater()).__call__.__wrapped__
    return derive.__wrapped__(_updater(), group.equations, group.variables, None)


def _step(group: b2.NeuronGroup) -> str:
    return _updater()(group.equations, group.variables, None)


def test_a_kept_step_is_brian2s_text_and_is_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGRAMLAB_EXACT_CACHE", str(tmp_path))
    group = _group()
    first = _step(group)
    kept = list(tmp_path.glob("*.txt"))
    assert len(kept) == 1
    assert kept[0].read_text() == first == _derive_fresh(group)
    # the next derivation reads the file (a marker written into it comes back), not SymPy
    kept[0].write_text(first + "\n# read from disk")
    assert _step(_group()).endswith("# read from disk")


def test_the_key_is_the_same_in_every_process(tmp_path: Path) -> None:
    # through Brian2's own path (the variables it resolves for the run: dt, constants and its
    # built-in functions such as int() of "unless refractory"), in two processes
    script = (
        "import engramlab.circuits._device\n"
        "from tests.test_exact_solutions import _group\n"
        "group = _group()\n"
        "group.state_updater.update_abstract_code(run_namespace={})\n"
    )
    kept = []
    for hash_seed in ("1", "2"):  # string hashes, and so frozenset orders, differ between these
        folder = tmp_path / hash_seed
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, ENGRAMLAB_EXACT_CACHE=str(folder))
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
                       cwd=Path(__file__).resolve().parent.parent)
        kept.append(sorted(p.name for p in folder.glob("*.txt")))
    assert len(kept[0]) == 1 and kept[0] == kept[1]
    assert (tmp_path / "1" / kept[0][0]).read_text() == (tmp_path / "2" / kept[0][0]).read_text()


def test_another_equation_or_method_option_is_another_key() -> None:
    group = _group()
    digest = xs.step_digest(_updater(), group.equations, group.variables, None)
    other = b2.NeuronGroup(3, EQS.replace("- I_b", "+ I_b"), method="exact", namespace=NAMESPACE)
    assert xs.step_digest(_updater(), other.equations, other.variables, None) != digest
    options = xs.step_digest(_updater(), group.equations, group.variables, {"simplify": False})
    assert options != digest


def test_a_key_without_a_stable_text_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGRAMLAB_EXACT_CACHE", str(tmp_path))
    group = _group()
    variables = dict(group.variables)
    variables["some_object"] = object()  # hashed by identity: no text the same in another process
    assert xs.step_digest(_updater(), group.equations, variables, None) is None
    assert _updater()(group.equations, variables, None) == _derive_fresh(group)
    assert not list(tmp_path.glob("*"))


def test_an_empty_kept_file_is_derived_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGRAMLAB_EXACT_CACHE", str(tmp_path))
    group = _group()
    _step(group)
    (kept,) = tmp_path.glob("*.txt")
    kept.write_text("")  # a full disk, say
    assert _step(_group()) == _derive_fresh(group)
    assert kept.read_text() == _derive_fresh(group)


def test_off_and_an_unwritable_folder_derive_as_before_and_the_folder_is_named_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGRAMLAB_EXACT_CACHE", "off")
    assert xs.cache_dir() is None
    assert _step(_group()) == _derive_fresh(_group())
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("ENGRAMLAB_EXACT_CACHE", str(blocker / "exact"))
    monkeypatch.setitem(xs._WARNED, "unwritable", False)
    with pytest.warns(UserWarning, match=r"ENGRAMLAB_EXACT_CACHE: cannot write .*a_file/exact"):
        assert _step(_group()) == _derive_fresh(_group())
    with warnings.catch_warnings(record=True) as caught:  # named once per process, not at every group
        warnings.simplefilter("always")
        assert _step(_group()) == _derive_fresh(_group())
    assert not [w for w in caught if "ENGRAMLAB_EXACT_CACHE" in str(w.message)]
    assert blocker.read_text() == ""
