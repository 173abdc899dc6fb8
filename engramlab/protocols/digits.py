r"""The class-incremental digits task: scikit-learn's bundled 8×8 digits, split and encoded as addresses.

Data: the 1,797 8×8 handwritten digits shipped inside scikit-learn (``load_digits``, the UCI
optical-recognition test set; Alpaydin & Kaynak 1998), so nothing is downloaded. They are split
once into training and test examples, stratified by class, from the protocol's seed.

Tasks: the ten classes in natural order, ``10 / tasks`` per task (five tasks: 0–1, 2–3, …, 8–9,
the split-MNIST layout of Zenke et al. 2017 and Bricken et al. 2023). Training examples are
presented task after task, each exactly once, shuffled within their task.

Encoding (fixed, never learned, the same for every learner): a random Gaussian projection of the
64 pixel values onto ``n`` directions whose weights sum to zero (so overall brightness does not
set a bit), thresholded at zero — sign random projections, whose bits differ between two images
with probability θ/π for the angle θ between the mean-removed images (Charikar 2002; Goemans &
Williamson 1995).
Hamming distance between addresses thus estimates the angle between the images, the geometry an
SDM reads by.

.. math:: a_i = \mathbb{1}\left[\sum_p P_{ip} x_p > 0\right], \quad P_{ip} = g_{ip} - \tfrac{1}{64}\sum_q g_{iq},
          \quad g_{ip} \sim \mathcal{N}(0, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engramlab import validate as V
from engramlab.errors import ConfigError

__all__ = ["CLASSES", "DigitsTask", "class_incremental_task", "sign_projection"]

#: digit classes of the data set
CLASSES = 10


@dataclass(frozen=True)
class DigitsTask:
    """The encoded data set and its class-incremental split (plain arrays).

    Attributes
    ----------
    addresses : (examples, n) bool
        Encoded address of every example.
    labels : (examples,) int
        Digit class 0–9.
    train : (examples,) bool
        True for training examples, False for test examples.
    task_of_class : (10,) int
        The task that teaches each class.
    train_order : (train examples,) int
        Indices of the training examples in presentation order (task by task, shuffled within a task).
    """

    addresses: NDArray[np.bool_]
    labels: NDArray[np.int64]
    train: NDArray[np.bool_]
    task_of_class: NDArray[np.int64]
    train_order: NDArray[np.int64]

    @property
    def tasks(self) -> int:
        """Number of tasks."""
        return int(self.task_of_class.max()) + 1

    @property
    def test_indices(self) -> NDArray[np.int64]:
        """Indices of the test examples, by class then data-set order."""
        idx = np.flatnonzero(~self.train)
        return idx[np.argsort(self.labels[idx], kind="stable")]


def sign_projection(pixels: NDArray[np.float64], n: int, rng: np.random.Generator) -> NDArray[np.bool_]:
    """Sign random projection of images onto ``n`` zero-sum Gaussian directions (see the module doc)."""
    n = V.integer("n", n, 1)
    g = rng.standard_normal((n, pixels.shape[1]))
    g -= g.mean(axis=1, keepdims=True)
    return np.asarray(pixels @ g.T > 0)


def class_incremental_task(n: int, tasks: int, test_fraction: float, seed: int) -> DigitsTask:
    """Load, split (stratified), order and encode the digits from ``seed``.

    Parameters
    ----------
    n : int
        Address bits.
    tasks : int
        Number of tasks; must divide the 10 classes.
    test_fraction : float
        Fraction of each class held out for testing, in (0, 1).
    seed : int
        Seed of the split, the order within each task and the projection.
    """
    from sklearn.datasets import load_digits  # the data ship with scikit-learn: no download

    tasks = V.integer("protocol.tasks", tasks, 1, CLASSES)
    if CLASSES % tasks:
        raise ConfigError("protocol.tasks", f"must divide the {CLASSES} classes (1, 2, 5 or 10), got {tasks}")
    pixels, labels = load_digits(return_X_y=True)
    labels = labels.astype(np.int64)
    rng = np.random.default_rng([seed, 11])
    train = np.ones(labels.size, dtype=bool)
    for c in range(CLASSES):
        members = rng.permutation(np.flatnonzero(labels == c))
        held = max(1, round(test_fraction * members.size))
        train[members[:held]] = False
    task_of_class = np.arange(CLASSES) // (CLASSES // tasks)
    order = []
    for t in range(tasks):
        in_task = np.flatnonzero(train & (task_of_class[labels] == t))
        order.append(rng.permutation(in_task))
    addresses = sign_projection(pixels.astype(np.float64), n, rng)
    return DigitsTask(addresses, labels, train, task_of_class, np.concatenate(order).astype(np.int64))
