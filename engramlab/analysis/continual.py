r"""Continual learning of the class-incremental digits task: spikes against the SDM and an MLP.

Three learners see the same encoded addresses in the same order, each training example once:

* **the spiking cerebellum** (the Result's spikes): the class of a read is the output line whose
  DCN cells fired most in the read window (ties broken at random, seeded) — the circuit's own
  output. Every spiking number (accuracy matrix, forgetting, agreement) uses this rule. Beside
  it, ``final_mean_accuracy_first_to_count`` reads the same spikes with count ties told apart
  by when each line reached its count (the first to get there wins; ties in count and time at
  random): tried as the default on 2026-12-05 and measured no better (README);
* **the NumPy SDM** (the equation; Kanerva 1988, with Top-K activation as in Bricken et al. 2023):
  the ``k`` hard locations with the most matching bits are active; a write adds the one-hot label
  to their counters, a read sums the counters of its own active set and takes the largest,

  .. math:: \hat y(q) = \arg\max_c \sum_{a \in \mathrm{top}_k(q)} C_{a c}, \qquad
            C_{a c} = \#\{\text{writes of class } c \text{ with } a \in \mathrm{top}_k(x)\};

  the same counters on the granule cells that actually fired are a consistency check of the
  plasticity, not a prediction;
* **an MLP** with one hidden layer of ``r`` ReLU units (matching the granule layer), trained
  online by scikit-learn's ``partial_fit`` (Adam, one example per step, each once), and the
  same MLP trained jointly on all tasks, shuffled, for 50 epochs: the i.i.d. upper bound.

The continual-learning matrix ``A[i, j]`` is the accuracy on task ``j``'s test examples after
training on tasks ``0 … i``; the final mean accuracy is the mean of its last row (the ACC of
Lopez-Paz & Ranzato 2017), and forgetting is the mean over earlier tasks of the best accuracy
they had before the last task minus the final one (Chaudhry et al. 2018; negative when old tasks
improved). No Brian2 here.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engramlab.analysis.readout import window_counts, window_reach_times
from engramlab.analysis.spikes import counts_per_window
from engramlab.errors import ConfigError
from engramlab.results import Result
from engramlab.schedules import SLOT_KINDS

__all__ = ["BackgroundBaselines", "BaselinesCancelled", "ContinualAnalysis",
           "accuracy_matrix", "analyse_continual", "choose_lines", "choose_lines_by_time", "continual_summary",
           "continual_table", "forgetting", "mlp_accuracy_matrices", "mlp_inputs", "sdm_predictions", "topk_sets"]

REST, WRITE, READ = SLOT_KINDS["rest"], SLOT_KINDS["write"], SLOT_KINDS["read"]
#: epochs of the jointly trained (i.i.d.) MLP bound
IID_EPOCHS = 50


def topk_sets(addresses: NDArray[np.bool_], targets: NDArray[np.bool_], k: int) -> NDArray[np.bool_]:
    """The ``k`` hard locations with the most bits matching each address (ties: lower index first).

    Returns a (addresses, r) boolean matrix of active sets.
    """
    r = targets.shape[0]
    if not 1 <= k <= r:
        raise ConfigError("top_k", f"must lie in [1, r = {r}], got {k}")
    a = addresses.astype(np.float32)
    h = targets.astype(np.float32)
    match = a @ h.T + (1 - a) @ (1 - h).T
    order = np.argsort(-match, axis=1, kind="stable")[:, :k]
    active = np.zeros((addresses.shape[0], r), dtype=bool)
    np.put_along_axis(active, order, True, axis=1)
    return active


def sdm_predictions(write_sets: NDArray[np.bool_], write_labels: NDArray[np.int64], write_eval: NDArray[np.int64],
                    read_sets: list[NDArray[np.bool_]], classes: int) -> NDArray[np.int64]:
    """Class read by the counter SDM at each evaluation point.

    ``write_eval[w]`` is the evaluation that follows write ``w``; ``read_sets[e]`` holds the
    active sets (reads × r) of evaluation ``e``. Returns (evaluations, reads) predicted classes
    (ties: the lower class).
    """
    r = write_sets.shape[1]
    counters = np.zeros((r, classes))
    out = np.zeros((len(read_sets), read_sets[0].shape[0]), dtype=np.int64)
    for e, sets in enumerate(read_sets):
        new = write_eval == e
        for c in range(classes):
            counters[:, c] += write_sets[new & (write_labels == c)].sum(axis=0)
        out[e] = np.argmax(sets.astype(np.float64) @ counters, axis=1)
    return out


def accuracy_matrix(predicted: NDArray[np.int64], labels: NDArray[np.int64], task_of_class: NDArray[np.int64]
                    ) -> NDArray[np.float64]:
    """``A[i, j]``: accuracy on task ``j``'s examples of the predictions made after task ``i``.

    ``predicted`` is (evaluations, examples); every evaluation reads the same ``labels``.
    """
    tasks = int(task_of_class.max()) + 1
    task = task_of_class[labels]
    correct = predicted == labels[None, :]
    return np.array([[correct[i, task == j].mean() for j in range(tasks)] for i in range(predicted.shape[0])])


def forgetting(matrix: NDArray[np.float64]) -> float:
    """Mean over all but the last task of (best accuracy before the last task − final accuracy).

    Chaudhry et al. (2018): f_j = max_{j ≤ i < T} A[i, j] − A[T, j]; negative when a task's
    accuracy rose after it was learned (backward transfer).
    """
    tasks = matrix.shape[1]
    if tasks < 2 or matrix.shape[0] < tasks:
        return float("nan")
    return float(np.mean([matrix[j:-1, j].max() - matrix[-1, j] for j in range(tasks - 1)]))


def choose_lines(counts: NDArray[np.int64], rng: np.random.Generator) -> tuple[NDArray[np.int64], float]:
    """The line with the most spikes in each row, ties broken uniformly at random; and the tie fraction.

    Every line's DCN cell has the same parameters, so a common baseline would not change the
    choice: the raw counts are compared (a per-line rest mean from a few rest slots would only add
    its own estimation noise as a fixed per-line offset).
    """
    top = counts.max(axis=1, keepdims=True)
    tied = counts == top
    jitter = rng.random(counts.shape)  # < 1: breaks ties between equal integer counts only
    return np.argmax(counts + jitter, axis=1), float(np.mean(tied.sum(axis=1) > 1))


def choose_lines_by_time(counts: NDArray[np.int64], reach: NDArray[np.float64], rng: np.random.Generator
                         ) -> tuple[NDArray[np.int64], float]:
    """The line with the most spikes in each row; between equal counts, the one that reached it first.

    ``reach[s, l]`` is when line ``l`` reached row ``s``'s largest count
    (:func:`engramlab.analysis.readout.window_reach_times` with ``needed = counts.max(axis=1)``;
    not checked here). A reader that counts spikes until the
    window closes and, on a tie, goes with the line that got there first uses nothing but the
    DCN spikes: the rule has no parameter, and unlike a coin it reads the same spikes the same
    way (but for ties in count and time). Lines tied in count *and* time are broken uniformly at
    random. Returns the choices and the fraction of rows still tied after timing.
    """
    top = counts.max(axis=1, keepdims=True)
    timed = np.where(counts == top, reach, np.inf)
    first = timed.min(axis=1, keepdims=True)
    tied = (counts == top) & (timed == first)
    jitter = rng.random(counts.shape)
    return np.argmax(tied + jitter, axis=1), float(np.mean(tied.sum(axis=1) > 1))  # tied rows: 1 + jitter


def mlp_accuracy_matrices(train_x: NDArray[np.bool_], train_y: NDArray[np.int64], train_task: NDArray[np.int64],
                          test_x: NDArray[np.bool_], test_y: NDArray[np.int64], task_of_class: NDArray[np.int64],
                          hidden: int, seed: int, cancel: threading.Event | None = None
                          ) -> tuple[NDArray[np.float64], float]:
    """The online MLP's continual-learning matrix and the jointly trained MLP's test accuracy.

    The online learner takes one ``partial_fit`` step per training example, in presentation
    order; the i.i.d. bound is ``fit`` on all training examples (shuffled each epoch) for
    :data:`IID_EPOCHS` epochs. Both: one hidden layer of ``hidden`` ReLU units, Adam, default
    learning rate, ``random_state = seed``.

    BLAS runs on one thread, so the numbers do not depend on the machine's core count and the
    baselines can run beside a single-threaded simulation (:class:`BackgroundBaselines`), one
    core each (the full continual run simulated 5 % slower with them beside it).
    ``cancel`` (set from another thread) stops the work early with :class:`BaselinesCancelled`.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier  # a well-kept, standard MLP: not hand-written
    from threadpoolctl import threadpool_limits

    classes = np.arange(task_of_class.size)
    x, tx = train_x.astype(np.float64), test_x.astype(np.float64)
    tasks = int(task_of_class.max()) + 1
    with threadpool_limits(limits=1, user_api="blas"):
        online = MLPClassifier(hidden_layer_sizes=(hidden,), random_state=seed)
        predicted = np.zeros((tasks, test_y.size), dtype=np.int64)
        for t in range(tasks):
            for i in np.flatnonzero(train_task == t):
                if cancel is not None and cancel.is_set():
                    raise BaselinesCancelled
                online.partial_fit(x[i:i + 1], train_y[i:i + 1], classes=classes)
            predicted[t] = online.predict(tx)
        if cancel is not None and cancel.is_set():
            raise BaselinesCancelled
        joint = MLPClassifier(hidden_layer_sizes=(hidden,), random_state=seed, max_iter=IID_EPOCHS)
        # a fixed epoch budget, by design. (catch_warnings swaps the process's filter list, so a
        # filter another thread sets in this window may be lost or kept: the main thread is then
        # waiting for the compiled program or simulating, which sets none)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            joint.fit(x, train_y)
        iid = float(np.mean(joint.predict(tx) == test_y))
    return accuracy_matrix(predicted, test_y, task_of_class), iid


def mlp_inputs(kind: NDArray[np.int8], example: NDArray[np.int64], evaluation: NDArray[np.int64],
               addresses: NDArray[np.bool_], labels: NDArray[np.int64], task_of_class: NDArray[np.int64]
               ) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_],
                          NDArray[np.int64]]:
    """What the MLPs see of a run's schedule: the written digits in order, and the digits read after task 0.

    Returns ``train_x, train_y, train_task, test_x, test_y`` for :func:`mlp_accuracy_matrices`
    (every evaluation reads the same digits in the same order; :func:`analyse_continual` checks).
    """
    written = example[kind == WRITE]
    test = example[(kind == READ) & (evaluation == 0)]
    return (addresses[written], labels[written], task_of_class[labels[written]], addresses[test], labels[test])


class BaselinesCancelled(Exception):
    """The MLP baselines were stopped before they finished (the run they belonged to failed)."""


#: held by the thread of :class:`BackgroundBaselines` while it computes
_ONE_AT_A_TIME = threading.Lock()


class BackgroundBaselines:
    """:func:`mlp_accuracy_matrices` computed on a daemon thread while the circuit simulates.

    The baselines need only the encoded inputs and their order, which are known before the
    simulation starts, so a protocol can start them first and collect them after its run: on
    two cores they take no wall time (the compiled program runs in its own process; on the
    runtime device the two share the interpreter lock). A daemon thread, so an interrupted
    run never waits for them; :meth:`cancel` stops them at the next training example.

    One computation at a time in a process (a lock): the BLAS thread limit is process-wide and
    is restored when a computation ends, so two overlapping ones (a retried run while a
    cancelled one finishes its last fit) could leave it at one thread. scikit-learn is imported
    here, on the caller's thread, not concurrently with the caller's own imports.
    """

    def __init__(self, train_x: NDArray[np.bool_], train_y: NDArray[np.int64], train_task: NDArray[np.int64],
                 test_x: NDArray[np.bool_], test_y: NDArray[np.int64], task_of_class: NDArray[np.int64],
                 hidden: int, seed: int) -> None:
        import sklearn.neural_network  # noqa: F401
        import threadpoolctl  # noqa: F401

        self._cancel = threading.Event()
        self._outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                with _ONE_AT_A_TIME:
                    self._outcome["value"] = mlp_accuracy_matrices(train_x, train_y, train_task, test_x, test_y,
                                                                   task_of_class, hidden, seed, cancel=self._cancel)
            except BaseException as error:  # handed to result(): raised in the caller's thread
                self._outcome["error"] = error

        self._thread = threading.Thread(target=work, name="engramlab-mlp-baselines", daemon=True)
        self._thread.start()

    def result(self) -> tuple[NDArray[np.float64], float]:
        """Wait for the baselines; re-raise here whatever stopped them (and stop them if the wait is)."""
        try:
            self._thread.join()
        except BaseException:  # Ctrl+C while waiting: nobody will collect them
            self.cancel()
            raise
        if "error" in self._outcome:
            raise self._outcome["error"]
        value: tuple[NDArray[np.float64], float] = self._outcome["value"]
        return value

    def cancel(self) -> None:
        """Ask the thread to stop at its next training example (it does not wait)."""
        self._cancel.set()


@dataclass
class ContinualAnalysis:
    """Accuracy matrices of the three learners and the circuit's activity."""

    tasks: int
    r: int
    top_k: int
    n: int
    train_examples: int
    test_examples: int
    spiking: NDArray[np.float64]
    numpy_sdm: NDArray[np.float64]
    numpy_sdm_measured: NDArray[np.float64]
    mlp: NDArray[np.float64]
    iid_upper_bound: float
    agreement: float
    active_mean: float
    dcn_increase: NDArray[np.float64]
    read_labels: NDArray[np.int64]
    dcn_baseline_hz: float
    weights_at_zero: float
    weights_at_max: float
    tie_fraction: float = 0.0
    spiking_first_to_count: NDArray[np.float64] | None = None
    time_tie_fraction: float = 0.0


def _param(result: Result, key: str) -> Any:
    if key not in result.params:
        raise ConfigError("result", f"lacks parameter {key!r}: not a continual-learning result")
    return result.params[key]


def analyse_continual(result: Result) -> ContinualAnalysis:
    """Decode every read from DCN spikes and run the NumPy SDM and the MLPs on the same inputs."""
    if result.protocol != "continual":
        raise ConfigError("result", f"must come from the continual protocol, got {result.protocol!r}")
    p = result.params
    r, m = int(_param(result, "circuit.r")), int(_param(result, "circuit.m"))
    slot = float(_param(result, "circuit.slot"))
    k = int(_param(result, "top_k"))
    kind, start = result["slot_kind"], result["slot_start"]
    example, evaluation = result["slot_example"], result["slot_eval"]
    addresses, labels = result["addresses"], result["labels"]
    task_of_class = result["task_of_class"]
    tasks = int(task_of_class.max()) + 1
    writes, reads, rests = (np.flatnonzero(kind == v) for v in (WRITE, READ, REST))
    if reads.size == 0 or rests.size == 0:
        raise ConfigError("result", "has no reads or no rest slots: nothing to decode")

    # the circuit's output: DCN spikes of each line in the read window, against rest slots
    # earliest arrival of a read's input at the nuclei: volley, mossy, parallel-fibre and PC→DCN delays
    arrival = sum(float(p[f"circuit.{key}"]) for key in ("volley_time", "mossy.delay", "plasticity.delay_pf",
                                                         "nuclei.delay_pc"))
    width = min(float(p["protocol.read_window"]), slot - arrival)
    dcn_cells = int(p.get("circuit.dcn_per_line", 1))  # a line's DCN cells: the read sums their spikes
    dcn = window_counts(result["spikes_nuclei_t"], result["spikes_nuclei_i"], start, arrival, width, m, dcn_cells)
    baseline = float(dcn[rests].mean())  # one population mean: all lines' cells share their parameters
    increase = np.asarray((dcn[reads] - baseline) / (width * dcn_cells), dtype=np.float64)  # Hz per cell
    read_eval = evaluation[reads]
    read_example = example[reads]
    per_eval = [np.flatnonzero(read_eval == e) for e in range(tasks)]
    if any(idx.size != per_eval[0].size for idx in per_eval) or \
            any(not np.array_equal(read_example[idx], read_example[per_eval[0]]) for idx in per_eval):
        raise ConfigError("result", "every evaluation must read the same test examples in the same order")
    test = read_example[per_eval[0]]
    test_y = labels[test]
    tie_rng = np.random.default_rng([int(p["protocol.seed"]), 17])
    chosen = [choose_lines(dcn[reads[idx]], tie_rng) for idx in per_eval]
    spiking_pred = np.array([c for c, _ in chosen])
    tie_fraction = float(np.mean([t for _, t in chosen]))
    # the alternative read: count ties go to the line that reached the count first
    reach = window_reach_times(result["spikes_nuclei_t"], result["spikes_nuclei_i"], start[reads], arrival, width,
                               m, dcn_cells, dcn[reads].max(axis=1))
    time_rng = np.random.default_rng([int(p["protocol.seed"]), 18])
    timed = [choose_lines_by_time(dcn[reads[idx]], reach[idx], time_rng) for idx in per_eval]
    timed_pred = np.array([c for c, _ in timed])
    time_tie_fraction = float(np.mean([t for _, t in timed]))

    # the equation on the same addresses and hard locations, and on the measured active sets
    write_example = example[writes]
    write_eval = evaluation[writes]
    targets = result["targets"]
    ideal = topk_sets(addresses[np.concatenate([write_example, test])], targets, k)
    ideal_write, ideal_read = ideal[:writes.size], ideal[writes.size:]
    numpy_pred = sdm_predictions(ideal_write, labels[write_example], write_eval, [ideal_read] * tasks, m)
    fired = counts_per_window(result["spikes_granule_t"], result["spikes_granule_i"], start, slot, r) > 0
    measured_pred = sdm_predictions(fired[writes], labels[write_example], write_eval,
                                    [fired[reads[idx]] for idx in per_eval], m)

    if "mlp_accuracy_matrix" in result.arrays:  # computed beside the simulation by the protocol
        mlp, iid = np.asarray(result["mlp_accuracy_matrix"], dtype=np.float64), float(p["iid_upper_bound"])
    else:  # a result saved before the protocol computed them
        mlp, iid = mlp_accuracy_matrices(*mlp_inputs(kind, example, evaluation, addresses, labels, task_of_class),
                                         task_of_class, hidden=r, seed=int(p["protocol.seed"]))
    dcn_rate = baseline / (width * dcn_cells)  # per cell
    return ContinualAnalysis(
        tasks=tasks, r=r, top_k=k, n=int(p["circuit.n"]), train_examples=int(writes.size),
        test_examples=int(test.size),
        spiking=accuracy_matrix(spiking_pred, test_y, task_of_class),
        numpy_sdm=accuracy_matrix(numpy_pred, test_y, task_of_class),
        numpy_sdm_measured=accuracy_matrix(measured_pred, test_y, task_of_class),
        mlp=mlp, iid_upper_bound=iid,
        agreement=float(np.mean(spiking_pred[-1] == numpy_pred[-1])),
        active_mean=float(fired[reads].sum(axis=1).mean()),
        dcn_increase=increase[per_eval[-1]], read_labels=test_y, dcn_baseline_hz=dcn_rate,
        weights_at_zero=float(p["weights_at_zero"]), weights_at_max=float(p["weights_at_max"]),
        tie_fraction=tie_fraction, spiking_first_to_count=accuracy_matrix(timed_pred, test_y, task_of_class),
        time_tie_fraction=time_tie_fraction)


def _final(matrix: NDArray[np.float64]) -> float:
    return float(matrix[-1].mean())


def continual_summary(a: ContinualAnalysis) -> dict[str, Any]:
    """The numbers written to summary.json."""
    return {
        "tasks": a.tasks, "r": a.r, "top_k": a.top_k, "n": a.n,
        "train_examples": a.train_examples, "test_examples": a.test_examples,
        "accuracy_matrix": a.spiking.round(4).tolist(),
        "final_mean_accuracy": _final(a.spiking),
        "numpy_sdm_final_mean_accuracy": _final(a.numpy_sdm),
        "numpy_sdm_accuracy_matrix": a.numpy_sdm.round(4).tolist(),
        "numpy_sdm_measured_final_mean_accuracy": _final(a.numpy_sdm_measured),
        "mlp_final_mean_accuracy": _final(a.mlp),
        "mlp_accuracy_matrix": a.mlp.round(4).tolist(),
        "iid_upper_bound": a.iid_upper_bound,
        "forgetting": forgetting(a.spiking),
        "numpy_sdm_forgetting": forgetting(a.numpy_sdm),
        "mlp_forgetting": forgetting(a.mlp),
        "spiking_numpy_agreement": a.agreement,
        "active_granule_mean": a.active_mean,
        "dcn_baseline_hz": a.dcn_baseline_hz,
        "weights_at_zero": a.weights_at_zero,
        "weights_at_max": a.weights_at_max,
        "read_tie_fraction": a.tie_fraction,
        "read_time_tie_fraction": a.time_tie_fraction,
        "final_mean_accuracy_first_to_count": (_final(a.spiking_first_to_count)
                                               if a.spiking_first_to_count is not None else float("nan")),
    }


def continual_table(s: Mapping[str, Any]) -> dict[str, Any]:
    """Rows printed after a run and written to summary.md."""
    return {
        "tasks × classes": f"{s['tasks']} × {10 // s['tasks']}, {s['train_examples']} writes, "
                           f"{s['test_examples']} test digits",
        "final mean accuracy (DCN spikes)": f"{s['final_mean_accuracy']:.3f}",
        "the same spikes, count ties to the first to reach it": (
            f"{s['final_mean_accuracy_first_to_count']:.3f} ({100 * s['read_tie_fraction']:.1f} % of reads tied in "
            f"count, {100 * s['read_time_tie_fraction']:.1f} % in count and time)"),
        "NumPy SDM, same Top-K": f"{s['numpy_sdm_final_mean_accuracy']:.3f}",
        "NumPy SDM on the fired granule cells (consistency)": f"{s['numpy_sdm_measured_final_mean_accuracy']:.3f}",
        "online MLP (forgets)": f"{s['mlp_final_mean_accuracy']:.3f}",
        "i.i.d. MLP bound": f"{s['iid_upper_bound']:.3f}",
        "forgetting: spikes / SDM / MLP": f"{s['forgetting']:.3f} / {s['numpy_sdm_forgetting']:.3f} / "
                                          f"{s['mlp_forgetting']:.3f}",
        "active granule cells per read (top_k)": f"{s['active_granule_mean']:.0f} ({s['top_k']})",
    }
