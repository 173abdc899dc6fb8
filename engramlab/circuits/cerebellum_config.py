"""Configuration of the cerebellar SDM circuit and the plain record of a run (no Brian2 objects built).

:class:`CerebellumConfig` declares every size, timing and cell parameter once (default, unit,
allowed range, source); :class:`CerebellumRecord` is what :class:`~engramlab.circuits.cerebellum.CerebellarSDM`
returns. Both are re-exported by :mod:`engramlab.circuits.cerebellum`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms

from engramlab.circuits._device import DEVICES, threads_param
from engramlab.circuits.regimes import IDEAL_SDM
from engramlab.errors import ConfigError
from engramlab.models._params import Params, param
from engramlab.models.golgi import GolgiParams
from engramlab.models.granule import GranuleParams
from engramlab.models.mossy import MossyFibreParams
from engramlab.models.nuclei import NucleiParams
from engramlab.models.plasticity import PFPlasticityParams
from engramlab.models.purkinje import PurkinjeParams

__all__ = ["CerebellumConfig", "CerebellumRecord"]


@dataclass(frozen=True)
class CerebellumConfig(Params):
    """Sizes, address scheme, timing and cell parameters of the cerebellar SDM circuit.

    ``d = None`` (and ``top_k = None``) are design choices left to the protocol: it resolves
    them from the SDM equations before building (:func:`engramlab.protocols.sdm_memory.design_circuit`),
    so the circuit itself never consults the equations it is compared with.
    """

    n: int = param(64, "address bits (mossy-fibre bit lines)", low=1, high=100_000, structural=True)
    r: int = param(10_000, "granule cells (hard locations)", low=1, high=50_000_000, structural=True)
    m: int = param(64, "Purkinje cells (value bits / output lines), each with its own climbing fibre "
                       "and DCN cell", low=1, high=100_000, structural=True)
    scheme: str = param("kanerva", "'kanerva': a GrC samples all n bits (needs ON/OFF encoding) and fires "
                                   "within Hamming radius d; 'granule': a GrC samples k random bits and fires "
                                   "when all match (Jaeckel 1989)", choices=("kanerva", "granule"), structural=True)
    d: int | None = param(None, "radius of the 'kanerva' scheme (0 <= d < n); none: the SNR-optimal radius "
                                "for design_patterns patterns and r neurons (Bricken & Pehlevan 2021; the "
                                "continual protocol: the radius whose ball holds top_k cells)",
                          kind="int", low=0, structural=True)
    design_patterns: int = param(20, "patterns the default radius is optimised for", low=1)
    k: int = param(4, "inputs per GrC in the 'granule' scheme (≈ 4 in the cerebellum; Eccles et al. 1967)",
                   low=1, structural=True)
    activation: str = param("radius", "'radius': threshold activation; 'topk': Golgi feedback lets "
                                      "~top_k GrCs fire", choices=("radius", "topk"), structural=True)
    top_k: int | None = param(None, "target active GrCs in 'topk' mode (none: r·p(d))", kind="int", low=1)
    topk_radius: int | None = param(None, "widest radius a GrC can fire at in 'topk' mode (none: d + 4, "
                                          "at most n − 1; the continual protocol: d)", kind="int", low=0)
    n_golgi: int | None = param(None, "Golgi cells (none: r // 400, at least 1; GrC:GoC ≈ 400:1)", kind="int",
                                low=1, structural=True)
    regime: str = param("realistic", "'realistic': in-vivo noise (mossy bursts with jitter and background, "
                                     "irregular Purkinje cells, Golgi feedback, no resets); 'ideal': the "
                                     "noise-free mathematical limit (circuits.regimes.IDEAL_SDM)",
                        choices=("realistic", "ideal"))
    purkinje_per_dcn: int = param(20, "Purkinje cells per output line, converging on its DCN cell(s) (tens of "
                                      "PCs converge on a DCN cell; Person & Raman 2012)", low=1, high=1000,
                                  structural=True)
    dcn_per_line: int = param(1, "DCN cells per output line, each inhibited by all of the line's Purkinje cells "
                                 "(PC axons branch onto several nuclear cells); the read sums their spikes. "
                                 "More than one needs nuclei.noise > 0: noise-free copies fire identical spikes",
                              low=1, high=100, structural=True)
    gain_set_point: b2.Quantity = param(4 * b2.Hz, "mossy background rate the MF→GrC gain is set for: the "
                                                   "threshold sits half a line above n − d − 1 on top of its "
                                                   "mean drive (0: set without background)", unit=b2.Hz, low=0,
                                        high=1000)
    slot: b2.Quantity = param(100 * ms, "duration of one presentation (presentations at 10 Hz)", unit=ms, low=0,
                              low_open=True, structural=True)
    volley_time: b2.Quantity = param(5 * ms, "time of the mossy-fibre burst (volley) onset after the slot start",
                                     unit=ms, low=0)
    cf_time: b2.Quantity = param(35 * ms, "time of the climbing-fibre (olive) spike after the slot start in a "
                                          "write (after the granule cells' burst has reached the PCs)", unit=ms,
                                 low=0)
    dt: b2.Quantity = param(0.1 * ms, "simulation step", unit=ms, low=0, high=1, low_open=True, structural=True)
    reset_granule: bool = param(False, "return the granular layer to rest at every slot start (a shortcut of "
                                       "the ideal regime; no modelled mechanism does it)", structural=True)
    target: str = param("auto", "Brian2 runtime target: numpy needs no compiler and suits small networks; "
                                "cython compiles each model once (~30 s, cached in ~/.cython) and runs ~3× "
                                "faster; auto uses cython when a compiler works", choices=("numpy", "cython", "auto"))
    device: str = param("runtime", "'runtime' (numpy/cython target) or 'cpp_standalone' (one compiled C++ "
                                   "program for the whole schedule: build ~10 s, then several times faster)",
                        choices=DEVICES)
    threads: int = threads_param()
    seed: int = param(0, "seed of the connectivity (and of Poisson input); same seed → same spikes", low=0,
                      high=2**32 - 1)
    mossy: MossyFibreParams = field(default_factory=MossyFibreParams)
    granule: GranuleParams = field(default_factory=GranuleParams)
    golgi: GolgiParams = field(default_factory=GolgiParams)
    purkinje: PurkinjeParams = field(default_factory=lambda: PurkinjeParams(noise=14 * b2.mV))
    plasticity: PFPlasticityParams = field(default_factory=lambda: PFPlasticityParams(eligibility="burst",
                                                                                      window=40 * ms))
    nuclei: NucleiParams = field(default_factory=lambda: NucleiParams(I_e=500 * b2.pA, w_pc=1200 * b2.pA))

    def check(self) -> None:
        """Cross-field rules: radius below n, k at most n, ordered slot times, slot a multiple of dt."""
        if self.scheme == "kanerva":
            if self.d is not None and self.d > self.n - 1:
                raise self.fail("d", f"must lie in [0, n − 1 = {self.n - 1}], got {self.d}")
            if self.mossy.encoding != "onoff":
                raise self.fail("scheme", "'kanerva' needs mossy.encoding='onoff': with bit lines only a "
                                          "granule cell cannot count matches on 0")
        else:
            if self.k > self.n:
                raise self.fail("k", f"must lie in [1, n = {self.n}], got {self.k}")
            if self.activation == "topk":
                raise self.fail("activation", "'topk' needs scheme='kanerva'")
        if self.top_k is not None and self.top_k > self.r:
            raise self.fail("top_k", f"must lie in [1, r = {self.r}], got {self.top_k}")
        if self.topk_radius is not None and self.topk_radius > self.n - 1:
            raise self.fail("topk_radius", f"must lie in [0, n − 1 = {self.n - 1}], got {self.topk_radius}")
        if self.n_golgi is not None and self.n_golgi > self.r:
            raise self.fail("n_golgi", f"must lie in [1, r = {self.r}], got {self.n_golgi}")
        if not self.volley_time < self.cf_time < self.slot:
            raise self.fail("cf_time", f"needs volley_time < cf_time < slot, got {self.volley_time}, "
                                       f"{self.cf_time}, {self.slot}")
        slot_steps = float(self.slot / self.dt)
        if abs(slot_steps - round(slot_steps)) > 1e-6:
            raise self.fail("slot", f"({self.slot}) must be a multiple of dt ({self.dt})")
        if self.mossy.mode == "burst" and self.mossy.burst_spikes > 1 and \
                float(1 / self.mossy.burst_rate) < float(self.dt):
            raise self.fail("mossy.burst_rate", f"({self.mossy.burst_rate}) puts burst spikes less than one step "
                                                f"(dt = {self.dt}) apart")
        if self.regime == "ideal":
            noisy = {"mossy.mode": (self.mossy.mode, "volley"),
                     "mossy.background_rate": (float(self.mossy.background_rate), 0.0),
                     "purkinje.noise": (float(self.purkinje.noise), 0.0),
                     "purkinje_per_dcn": (self.purkinje_per_dcn, 1),
                     "nuclei.noise": (float(self.nuclei.noise), 0.0),
                     "dcn_per_line": (self.dcn_per_line, 1)}
            for key, (value, ideal) in noisy.items():
                if value != ideal:
                    raise self.fail(key, f"must be {ideal!r} in regime 'ideal' (got {value!r}); the ideal regime is "
                                         "noise-free: use regime='realistic', or CerebellumConfig.ideal() / "
                                         "--set regime=ideal, which set every ideal value")
        self._check_applies()
        if self.dcn_per_line > 1 and float(self.nuclei.noise) <= 0:
            raise self.fail("dcn_per_line", f"> 1 (got {self.dcn_per_line}) needs nuclei.noise > 0: without "
                                            "private noise every copy of a line fires the same spikes")

    def _check_applies(self) -> None:
        """Refuse a setting that the chosen scheme, activation or mossy mode would ignore.

        A value that differs from its default but has no effect would be ignored without a word.
        """
        # the field's declared default: building a default CerebellumConfig here would check itself again
        default_k = next(f.default for f in dataclasses.fields(self) if f.name == "k")
        golgi, mossy = GolgiParams(), MossyFibreParams()  # the defaults of the nested tables
        unused = []
        if self.scheme == "kanerva" and self.k != default_k:
            unused.append(("k", "scheme='granule'"))
        if self.scheme == "granule" and self.d is not None:
            unused.append(("d", "scheme='kanerva'"))
        if self.activation == "radius":
            if self.topk_radius is not None:
                unused.append(("topk_radius", "activation='topk'"))
            if self.golgi.topk_lines != golgi.topk_lines:
                unused.append(("golgi.topk_lines", "activation='topk'"))
            if self.top_k is not None and not self.golgi_cells:  # with Golgi feedback it sets their threshold
                unused.append(("top_k", "Golgi cells (activation='topk', or golgi.feedback_lines > 0)"))
        if self.mossy.mode != "poisson" and self.mossy.burst_duration != mossy.burst_duration:
            unused.append(("mossy.burst_duration", "mossy.mode='poisson'"))
        if self.mossy.mode != "burst":
            unused += [(f"mossy.{key}", "mossy.mode='burst'") for key in ("burst_spikes", "jitter", "spike_jitter")
                       if getattr(self.mossy, key) != getattr(mossy, key)]
        if unused:
            key, where = unused[0]
            raise self.fail(key, f"applies to {where} only: with scheme={self.scheme!r}, activation="
                                 f"{self.activation!r} and mossy.mode={self.mossy.mode!r} it would be ignored")

    @classmethod
    def ideal(cls, **changes: Any) -> CerebellumConfig:
        """The ideal (noise-free) regime (:data:`~engramlab.circuits.regimes.IDEAL_SDM`) with ``changes`` on top.

        ``changes`` are nested like a configuration file: ``ideal(r=2000, mossy={"delay": "2 ms"})``.
        """
        from engramlab.config import apply_mapping, merge

        return apply_mapping(cls(), merge(IDEAL_SDM, changes))

    @property
    def golgi_cells(self) -> bool:
        """Whether the circuit has Golgi cells (top-k activation, or radius mode with feedback)."""
        return self.activation == "topk" or self.golgi.feedback_lines > 0

    @property
    def inputs_per_cell(self) -> int:
        """Mossy lines a granule cell samples (n in the Kanerva scheme, k in the granule scheme)."""
        return self.n if self.scheme == "kanerva" else self.k

    @property
    def radius(self) -> int:
        """The Kanerva radius ``d`` (the protocol resolves ``d = None`` before building)."""
        if self.d is None:
            raise ConfigError("CerebellumConfig.d", "is not resolved: build through "
                              "engramlab.protocols.sdm_memory.design_circuit (or set d)")
        return self.d

    @property
    def threshold_inputs(self) -> int:
        """Matching inputs a granule cell needs to fire."""
        if self.scheme == "granule":
            return self.k
        if self.activation == "topk":
            return self.n - self.effective_topk_radius
        return self.n - self.radius

    @property
    def effective_topk_radius(self) -> int:
        """Widest radius at which a GrC may fire in top-k mode."""
        if self.topk_radius is not None:
            return self.topk_radius
        return min(self.n - 1, self.radius + 4)

    @property
    def effective_n_golgi(self) -> int:
        """Number of Golgi cells."""
        return self.n_golgi if self.n_golgi is not None else max(1, self.r // 400)

    def replace(self, **changes: Any) -> CerebellumConfig:
        """A copy with fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class CerebellumRecord:
    """Plain NumPy record of everything a run produced (no Brian2 objects).

    Spike times are in seconds; ``weights_initial``/``weights`` are (r, m) PF→PC weights in
    amperes at build time and now; ``selected``/``targets`` are the (r, n) hard-location
    connectivity (for ``kanerva`` every coordinate is selected and ``targets`` is the address).
    """

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]
    slot_start: np.ndarray
    slot_kind: np.ndarray
    slot_address: np.ndarray
    slot_value: np.ndarray
    selected: np.ndarray
    targets: np.ndarray
    weights_initial: np.ndarray
    weights: np.ndarray
    mf_weight: float
    duration: float
