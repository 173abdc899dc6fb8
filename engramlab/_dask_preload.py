"""Dask worker preload: import Brian2 at worker start-up.

Importing Brian2 for the first time inside a task thread fails on its signal handling, so every
worker imports it in its main thread before it accepts tasks.
"""

import brian2  # noqa: F401
