"""The errors engramlab raises on purpose.

Every error that a user's input can cause derives from :class:`EngramlabError`; the command
line prints such an error as one line and exits with status 2. Anything else that escapes is
a bug and shows its traceback.

* :class:`ConfigError` — a value outside its allowed range, an unknown key, a malformed file
  or path. It is also a ``ValueError`` and carries the offending ``key``.
* :class:`ConfigTypeError` — a value of the wrong type (a string where a number belongs, a
  number without its unit). It is also a ``TypeError`` and carries the ``key``.
"""

from __future__ import annotations

__all__ = ["ConfigError", "ConfigTypeError", "EngramlabError", "RunInterrupted"]


class EngramlabError(Exception):
    """Root of every error engramlab raises on purpose (bad input, impossible settings)."""


class _KeyedError(EngramlabError):
    """An error about one named key (a parameter, an argument, a file)."""

    def __init__(self, key: str | None, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(self._text())

    def _text(self) -> str:
        return f"{self.key} {self.problem}" if self.key else self.problem

    def __str__(self) -> str:
        return self._text()

    def __reduce__(self) -> tuple[type, tuple[str | None, str]]:  # picklable across processes
        return (type(self), (self.key, self.problem))

    def with_key(self, key: str) -> _KeyedError:
        """The same error about ``key`` (e.g. the dotted configuration key of a field)."""
        return type(self)(key, self.problem)


class ConfigError(_KeyedError, ValueError):
    """A value outside its allowed range, an unknown key, or an impossible combination.

    Parameters
    ----------
    key : str or None
        What is wrong: a parameter key (``"granule.tau_exc"``), an argument or a file name.
    problem : str
        The rest of the sentence, e.g. ``"must lie in (0, inf) ms, got -1 ms"``.
    """


class ConfigTypeError(_KeyedError, TypeError):
    """A value of the wrong type for ``key`` (e.g. text where a number belongs)."""


class RunInterrupted(EngramlabError):
    """A simulation stopped before its end (Ctrl+C, ``Network.stop``, a time limit): nothing is saved.

    The command line exits with status 130 (128 + SIGINT).
    """
