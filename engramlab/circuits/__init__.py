"""Wired Brian2 networks built from :mod:`engramlab.models` (cerebellar SDM, hippocampal memory)."""
