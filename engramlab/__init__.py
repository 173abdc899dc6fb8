"""engramlab: spiking cerebellar and hippocampal circuits held against SDM, attention and Hopfield."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("engramlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
