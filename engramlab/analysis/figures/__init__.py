"""Figures: one function per figure, each returning a Matplotlib ``Figure`` (never shown).

Plot functions take an ``ax`` so they compose; ``*_figure`` functions build whole figures.
Matplotlib's object API is used directly (no pyplot state), so figures work headless.
"""
