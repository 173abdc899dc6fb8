r"""Granule cells (GrC): leaky integrate-and-fire neurons that are SDM hard locations.

A granule cell sums current-based mossy-fibre EPSCs and Golgi-cell IPSCs:

.. math::
    C \dot v = g_L (E_L - v) + I_{mf} - I_{go}, \qquad
    \dot I_{mf} = -I_{mf}/\tau_{exc}, \qquad \dot I_{go} = -I_{go}/\tau_{inh}

Membrane and synaptic constants from Casali et al. (2019, Front. Neuroinform. 13:37). The
model is linear between spikes, so Brian2 integrates it exactly with constant propagators —
the cheapest update there is, which matters because granule cells are by far the largest
population.

Because every mossy-fibre line of a synchronous volley arrives in the same time step, the
peak depolarisation is exactly proportional to the number of matching inputs. The MF→GrC
weight is calibrated on the membrane potential at the simulation steps (the exact solution
sampled every ``dt``, which is what the threshold sees) so that a cell fires if and only if
at least ``threshold_inputs`` of its inputs are active (:func:`volley_weight`): the cell is a
Hamming-ball (Kanerva) or all-``k``-match (Jaeckel) detector.
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import ms, mV, nS, pF

from engramlab.models._params import check_quantity, param

__all__ = ["GranuleParams", "granule_equations", "granule_group", "volley_response", "volley_weight"]


@dataclass(frozen=True)
class GranuleParams:
    """Granule-cell LIF parameters (defaults: Casali et al. 2019 unless stated)."""

    C: b2.Quantity = param(7 * pF, "membrane capacitance (Casali et al. 2019)")
    g_L: b2.Quantity = param(0.29 * nS, "leak conductance (Casali et al. 2019)")
    E_L: b2.Quantity = param(-62 * mV, "resting potential (Casali et al. 2019)")
    V_th: b2.Quantity = param(-41 * mV, "spike threshold (Casali et al. 2019)")
    V_reset: b2.Quantity = param(-70 * mV, "reset potential (Casali et al. 2019)")
    tau_exc: b2.Quantity = param(5.8 * ms, "MF→GrC EPSC decay (Casali et al. 2019)")
    tau_inh: b2.Quantity = param(13.6 * ms, "Golgi→GrC IPSC decay (Casali et al. 2019)")
    refractory: b2.Quantity = param(1.5 * ms, "absolute refractory period (Casali et al. 2019)")

    def __post_init__(self) -> None:
        o = "GranuleParams"
        check_quantity(o, "C", self.C, pF, 0, None, low_open=True)
        check_quantity(o, "g_L", self.g_L, nS, 0, None, low_open=True)
        check_quantity(o, "E_L", self.E_L, mV, -120, 0)
        check_quantity(o, "V_th", self.V_th, mV, -120, 0)
        check_quantity(o, "V_reset", self.V_reset, mV, -120, 0)
        check_quantity(o, "tau_exc", self.tau_exc, ms, 0, None, low_open=True)
        check_quantity(o, "tau_inh", self.tau_inh, ms, 0, None, low_open=True)
        check_quantity(o, "refractory", self.refractory, ms, 0, None)
        if not self.V_th > self.E_L:
            raise ValueError(f"GranuleParams.V_th ({self.V_th}) must lie above E_L ({self.E_L})")

    @property
    def tau_m(self) -> b2.Quantity:
        """Membrane time constant C / g_L."""
        return self.C / self.g_L


def granule_equations(golgi: bool = True) -> b2.Equations:
    """Brian2 equations of the granule cell (parameters come from the group's namespace).

    ``golgi=False`` leaves out the Golgi IPSC ``I_go`` for circuits without Golgi cells: one
    state variable less per cell is ~8 MB less memory traffic per step at 10^6 cells.
    """
    if not golgi:
        return b2.Equations("""
            dv/dt = (g_L*(E_L - v) + I_mf) / C : volt (unless refractory)
            dI_mf/dt = -I_mf / tau_exc : amp
        """)
    return b2.Equations("""
        dv/dt = (g_L*(E_L - v) + I_mf - I_go) / C : volt (unless refractory)
        dI_mf/dt = -I_mf / tau_exc : amp
        dI_go/dt = -I_go / tau_inh : amp
    """)


def granule_group(n: int, params: GranuleParams, name: str = "granule",
                  extra_equations: b2.Equations | None = None, extra_reset: str = "",
                  extra_namespace: dict[str, object] | None = None,
                  clock: b2.Clock | None = None, extra_update: str = "", golgi: bool = True
                  ) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` granule cells at rest (with the Golgi IPSC ``I_go`` if ``golgi``).

    ``extra_equations``/``extra_reset``/``extra_update`` add per-cell state driven by the
    cell's own spikes and updated every step (e.g. the PF eligibility kernel of
    :mod:`engramlab.models.plasticity`).
    """
    ns: dict[str, object] = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset",
                                                             "tau_exc")}
    if golgi:
        ns["tau_inh"] = params.tau_inh
    ns.update(extra_namespace or {})
    eqs = granule_equations(golgi)
    if extra_equations is not None and len(extra_equations):
        eqs = eqs + extra_equations
    reset = "v = V_reset" + (f"\n{extra_reset}" if extra_reset else "")
    group = b2.NeuronGroup(
        n, eqs, threshold="v > V_th", reset=reset,
        refractory=params.refractory, method="exact", namespace=ns, name=name, clock=clock)
    if extra_update:
        group.run_regularly(extra_update, when="groups", name=f"{name}_extra_update")
    group.v = params.E_L
    return group


def volley_response(params: GranuleParams, dt: b2.Quantity, duration: b2.Quantity = 60 * ms
                    ) -> np.ndarray:
    """Membrane depolarisation (volts above rest) after a unit (1 A) EPSC jump, at each step.

    The closed-form response of the linear membrane to an exponentially decaying current,
    sampled at the steps after the jump (the values the threshold is tested on):
    h(t) = τ_s τ_m / (C (τ_m − τ_s)) · (e^{−t/τ_m} − e^{−t/τ_s}).
    """
    c = float(params.C)
    tau_m, tau_s = float(params.tau_m), float(params.tau_exc)
    t = float(dt) * np.arange(1, round(float(duration / dt)) + 1)
    if abs(tau_m - tau_s) < 1e-12 * tau_m:
        return np.asarray(t / c * np.exp(-t / tau_m))
    return np.asarray(tau_s * tau_m / (c * (tau_m - tau_s)) * (np.exp(-t / tau_m) - np.exp(-t / tau_s)))


def volley_weight(params: GranuleParams, threshold_inputs: int, dt: b2.Quantity) -> b2.Quantity:
    """MF→GrC EPSC amplitude that makes a cell fire iff ≥ ``threshold_inputs`` volley inputs match.

    The peak of ``N·w·h`` (``h`` from :func:`volley_response`) crosses V_th − E_L for
    N = threshold_inputs and stays below it for N − 1: the threshold sits half an input above
    N − 1, a margin of 1/(2N) of the threshold.
    """
    if threshold_inputs < 1:
        raise ValueError(f"threshold_inputs must be >= 1, got {threshold_inputs}")
    peak = float(np.max(volley_response(params, dt)))
    gap = float(params.V_th - params.E_L)
    return gap / (peak * (threshold_inputs - 0.5)) * b2.amp
