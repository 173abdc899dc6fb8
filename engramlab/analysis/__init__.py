"""Equations and analysis in plain NumPy/SciPy (no Brian2): SDM, attention, Hopfield, figures.

Modules: :mod:`~engramlab.analysis.sdm` (Kanerva's Sparse Distributed Memory),
:mod:`~engramlab.analysis.attention` (softmax attention), :mod:`~engramlab.analysis.hopfield`
(classic, modern and memory-neuron Hopfield networks), :mod:`~engramlab.analysis.theory`
(the numbers behind ``engramlab theory``) and :mod:`~engramlab.analysis.figures`.
"""
