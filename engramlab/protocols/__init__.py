"""Learning protocols: schedules and teaching signals that run a circuit and return a Result.

``engramlab.protocols`` is both this package and the front door's ``engramlab.protocols()``
(the names of the runnable protocols): once the package is imported, Python binds the name
``engramlab.protocols`` to it, so the package itself answers the call.
"""

from __future__ import annotations

import sys
import types


class _ProtocolsPackage(types.ModuleType):
    """The ``engramlab.protocols`` package, callable as :func:`engramlab.api.protocols`."""

    def __call__(self) -> list[str]:
        from engramlab.api import protocols

        return protocols()


sys.modules[__name__].__class__ = _ProtocolsPackage
