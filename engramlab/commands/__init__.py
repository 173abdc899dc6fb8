"""Implementations of the ``engramlab`` subcommands (the parser lives in :mod:`engramlab.cli`)."""
