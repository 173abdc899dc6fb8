"""engramlab: spiking cerebellar and hippocampal circuits held against SDM, attention and Hopfield.

The front door::

    import engramlab as el
    el.protocols()                                  # ['sdm', 'eyeblink', ...]
    el.params("sdm")                                # every parameter, default, range and source
    r = el.run("sdm", quick=True, seed=3, r=3000)   # a Result; settings by their --set key names
    r.summary["numpy_agreement"]; r.figures(); r.save("results/sdm")
    el.load("results/sdm")
    el.load_nwb("results/sdm/run.nwb")              # the same Result from `engramlab export --format nwb`
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("engramlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["ConfigError", "ConfigTypeError", "EngramlabError", "Result", "__version__", "load", "load_nwb",
           "params", "protocols", "run"]

from engramlab.errors import ConfigError, ConfigTypeError, EngramlabError

_API = {"protocols", "params", "run", "load"}


def __getattr__(name: str) -> Any:
    # the front door is imported on first use, so `import engramlab` stays light
    if name in _API:
        from engramlab import api
        return getattr(api, name)
    if name == "Result":
        from engramlab.results import Result
        return Result
    if name == "load_nwb":
        from engramlab.nwb import load_nwb
        return load_nwb
    raise AttributeError(f"module 'engramlab' has no attribute {name!r}")
