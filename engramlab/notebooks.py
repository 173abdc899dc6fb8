"""Teaching labs as Jupyter notebooks: write one from its jupytext script, execute it on a fresh kernel.

A lab script (``labs/labN_*.py``, jupytext "percent" format) becomes a notebook cell for cell;
its ``parameters`` cell (``QUICK``, ``OUT``) is replaced by the chosen settings, as papermill
injects parameters. Execution uses nbclient on a new ``python3`` kernel (the interpreter that
runs engramlab), so a notebook runs exactly as a student's Jupyter would run it.

Needs the ``labs`` extra (jupytext, nbclient, ipykernel).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engramlab.errors import ConfigError, EngramlabError

__all__ = ["NotebookFailed", "execute_notebook", "lab_notebook", "script_notebook", "write_notebook"]

PARAMETERS_TAG = "parameters"


class NotebookFailed(EngramlabError):
    """A cell of an executed notebook raised; the message names the cell and the error."""


def _require() -> tuple[Any, Any, Any]:
    try:
        import ipykernel  # noqa: F401  (the kernel the notebooks run on)
        import jupytext
        import nbclient
        import nbformat
    except ImportError as exc:  # an optional extra
        raise EngramlabError(f"lab notebooks need jupytext, nbclient and ipykernel ({exc.name} is missing): "
                             "pip install 'engramlab[labs]'") from None
    return jupytext, nbclient, nbformat


def lab_notebook(script: str | os.PathLike[str], quick: bool, out: str) -> Any:
    """The notebook of a lab script with its parameters cell set to ``QUICK = quick``, ``OUT = out``."""
    return script_notebook(script, {"QUICK": bool(quick), "OUT": str(out)},
                           "settings written by `engramlab lab notebook` (QUICK = True: the small, fast version)")


def script_notebook(script: str | os.PathLike[str], parameters: Mapping[str, Any], comment: str) -> Any:
    """The notebook of a jupytext script with its ``parameters`` cell replaced by ``parameters``."""
    jupytext, _, _ = _require()
    path = Path(script)
    nb = jupytext.read(path)
    cells = [c for c in nb.cells if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ConfigError(str(path), f"must have exactly one cell tagged {PARAMETERS_TAG!r}, found {len(cells)}")
    cells[0].source = "\n".join([f"# {comment}"] + [f"{k} = {v!r}" for k, v in parameters.items()])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_notebook(nb: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``nb`` as an .ipynb file, atomically (a killed write leaves the old file or none)."""
    _, _, nbformat = _require()
    from engramlab.results import atomic_write

    text = nbformat.writes(nb).encode()
    return atomic_write(path, lambda f: f.write(text))


def execute_notebook(nb: Any, cwd: str | os.PathLike[str], timeout: float = 3600.0) -> Any:
    """Run every cell of ``nb`` in order on a new kernel started in ``cwd``; returns the executed notebook.

    Raises :class:`NotebookFailed` naming the first failing cell (its outputs, traceback
    included, stay in ``nb``).
    """
    _, nbclient, _ = _require()
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager
    from nbclient.exceptions import CellControlSignal, CellExecutionError, CellTimeoutError, DeadKernelError

    # the kernel runs this interpreter (the one with engramlab), whatever kernels Jupyter knows
    manager = KernelManager()
    manager._kernel_spec = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                      display_name="engramlab", language="python")
    client = nbclient.NotebookClient(nb, km=manager, timeout=timeout, resources={"metadata": {"path": str(cwd)}})
    try:
        # nbclient leaves a kernel it did not create running (here: one per notebook, each
        # holding its lab's simulation in memory until this process ends); ask it to stop it
        client.execute(cleanup_kc=True)
    except CellExecutionError as exc:
        value = str(getattr(exc, "evalue", "") or "").splitlines()
        raise NotebookFailed(f"{_failed_cell(nb)} failed: {getattr(exc, 'ename', 'error')}: "
                             f"{value[0] if value else ''}") from None
    except CellTimeoutError:
        raise NotebookFailed(f"{_failed_cell(nb, running=True)} ran longer than {timeout:g} s") from None
    except (DeadKernelError, CellControlSignal) as exc:
        raise NotebookFailed(f"the kernel stopped during {_failed_cell(nb, running=True)} "
                             f"({type(exc).__name__}; out of memory?)") from None
    finally:
        if manager.has_kernel:  # a failure before nbclient's own clean-up
            manager.shutdown_kernel(now=True)
    return nb


def _failed_cell(nb: Any, running: bool = False) -> str:
    """``code cell N (first line …)`` of the cell with an error output (or, ``running``, the last one started)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    if running:
        started = [k for k, c in enumerate(code) if c.get("execution_count") or c.get("outputs")]
        k = started[-1] if started else 0
    else:
        k = next((k for k, c in enumerate(code)
                  if any(o.get("output_type") == "error" for o in c.get("outputs", []))), -1)
    if not code or k < 0:
        return "a cell"
    first = next((line for line in str(code[k].source).splitlines() if line.strip()), "")
    return f"code cell {k + 1} ({first[:60]!r})"
