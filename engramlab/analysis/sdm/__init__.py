r"""Kanerva's Sparse Distributed Memory: geometry, the attention approximation, and reference memories.

Everything here is plain NumPy/SciPy (no Brian2), so the spiking circuits can be held against it.

Notation follows Bricken & Pehlevan (2021) [1]_: ``n`` is the address dimension, ``d`` the Hamming
radius of a read/write ball, ``dv`` the Hamming distance between two ball centres (pattern and
query), ``r`` the number of hard locations (neurons) and ``m`` the number of stored patterns.

Counts of points in the Boolean cube are exact Python integers, so ``n = 10,000`` neither
overflows nor underflows; they are turned into expected neuron counts ``r·|·|/2^n`` with exact
rational arithmetic and a single, correctly rounded conversion to ``float`` at the end.

Every public name is importable from here; the code lives in:

* :mod:`~engramlab.analysis.sdm.geometry` — Hamming balls, circle intersections, expected and
  Jaeckel (selected-coordinate) intersections;
* :mod:`~engramlab.analysis.sdm.continuous` — the continuous SDM on spherical caps;
* :mod:`~engramlab.analysis.sdm.beta` — cosine ↔ Hamming, the softmax β, and the SDM read
  written as attention weights;
* :mod:`~engramlab.analysis.sdm.radii` — log ball fractions, the critical distance and the SNR/memory/critical-distance
  optimal radii;
* :mod:`~engramlab.analysis.sdm.memories` — Hamming distances, the pattern-view read and
  :class:`NeuronSDM`.

References
----------
.. [1] T. Bricken and C. Pehlevan, "Attention approximates sparse distributed memory",
   NeurIPS 2021.
.. [2] P. Kanerva, *Sparse Distributed Memory*, MIT Press 1988 (appendix B: the "lune" form).
.. [3] L. A. Jaeckel, "An alternative design for a sparse distributed memory", RIACS TR 89.28,
   NASA Ames 1989.
.. [4] S. Li, "Concise formulas for the area and volume of a hyperspherical cap", Asian J. Math.
   Stat. 4 (2011); Y. Lee and W. C. Kim, "Concise formulas for the surface area of the
   intersection of two hyperspherical caps", KAIST tech. report 2014.
"""

from __future__ import annotations

from engramlab.analysis.sdm.beta import Estimator as Estimator  # type alias: re-exported, not in __all__
from engramlab.analysis.sdm.beta import (
    beta_regression,
    cosine_to_hamming,
    fit_beta,
    fit_beta_to_weights,
    hamming_to_cosine,
    sdm_attention_weights,
    sdm_softmax_weights,
)
from engramlab.analysis.sdm.continuous import cap_fraction, cap_intersection
from engramlab.analysis.sdm.geometry import (
    EXACT_LIMIT_N,
    FLOAT_LIMIT_N,
    ball_fraction,
    ball_size,
    circle_intersection,
    expected_intersection,
    jaeckel_active,
    jaeckel_intersection,
    radius_for_fraction,
    soft_intersection,
)
from engramlab.analysis.sdm.memories import NeuronSDM, hamming_distances, pattern_read, pattern_weights
from engramlab.analysis.sdm.radii import (
    CRITICAL_MAX_N,
    critical_distance,
    log_ball_fraction,
    log_memory_capacity,
    memory_capacity,
    optimal_radius,
    read_accuracy,
    snr_optimal_fraction,
)
from engramlab.analysis.sdm.radii import Criterion as Criterion  # type alias: re-exported, not in __all__

__all__ = [
    "CRITICAL_MAX_N",
    "EXACT_LIMIT_N",
    "FLOAT_LIMIT_N",
    "NeuronSDM",
    "ball_fraction",
    "ball_size",
    "beta_regression",
    "cap_fraction",
    "cap_intersection",
    "circle_intersection",
    "cosine_to_hamming",
    "critical_distance",
    "expected_intersection",
    "fit_beta",
    "fit_beta_to_weights",
    "hamming_distances",
    "hamming_to_cosine",
    "jaeckel_active",
    "jaeckel_intersection",
    "log_ball_fraction",
    "log_memory_capacity",
    "memory_capacity",
    "optimal_radius",
    "pattern_read",
    "pattern_weights",
    "radius_for_fraction",
    "read_accuracy",
    "sdm_attention_weights",
    "sdm_softmax_weights",
    "snr_optimal_fraction",
    "soft_intersection",
]
