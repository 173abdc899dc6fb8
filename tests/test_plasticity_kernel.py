"""The PF eligibility kernel of CF-gated LTD (Brian2, tiny network)."""

import math

import brian2 as b2
import numpy as np
import pytest
from brian2 import ms, mV, pA

from engramlab.errors import ConfigError
from engramlab.models.granule import GranuleParams, granule_group
from engramlab.models.plasticity import (
    PFPlasticityParams,
    climbing_fibre_synapses,
    eligibility_state,
    pf_purkinje_synapses,
)
from engramlab.models.purkinje import PurkinjeParams, purkinje_group

pytestmark = pytest.mark.slow


def gamma_kernel(s, peak, order):
    tau = peak / order
    x = s / tau
    return x**order * math.exp(order - x) / order**order


def ltd_at_lags(plast, lags, t_cf=0.5):
    """Simulate one granule cell per lag (it spikes ``lag`` before the CF) onto one Purkinje cell.

    Returns the LTD of each synapse in units of a_minus (its own PF LTP removed) and the
    granule spike times.
    """
    b2.prefs.codegen.target = "numpy"
    clock = b2.Clock(dt=0.1 * ms)
    grc = granule_group(lags.size, GranuleParams(), golgi=False, eligibility=eligibility_state(plast, clock.dt),
                        clock=clock)
    kick_src = b2.SpikeGeneratorGroup(lags.size, np.arange(lags.size), (t_cf - lags) * b2.second, clock=clock)
    kick = b2.Synapses(kick_src, grc, on_pre="v_post += 50*mV", clock=clock)
    kick.connect(j="i")
    pc = purkinje_group(1, PurkinjeParams(), clock=clock)
    gate = b2.TimedArray(np.ones(2), dt=1 * b2.second)
    pf = pf_purkinje_synapses(grc, pc, plast, gate, clock=clock)
    pf.connect()
    pf.w = plast.w0
    olive = b2.SpikeGeneratorGroup(1, [0], [t_cf - float(plast.delay_cf)] * b2.second, clock=clock)
    cf = climbing_fibre_synapses(olive, pc, plast, clock=clock)
    cf.connect()
    mon = b2.SpikeMonitor(grc)
    net = b2.Network(grc, kick_src, kick, pc, pf, olive, cf, mon)
    net.run(0.6 * b2.second, namespace={"mV": mV})
    order = np.argsort(np.asarray(pf.i))
    dw = (np.asarray(pf.w_)[order] - float(plast.w0))
    assert np.all(np.bincount(np.asarray(mon.i), minlength=lags.size) == 1)
    t_spike = np.asarray(mon.t_)[np.argsort(np.asarray(mon.i))]
    ltd = -(dw - float(plast.a_plus)) / float(plast.a_minus)   # remove the PF's own LTP
    return ltd, t_spike


def test_cf_ltd_follows_the_gamma_kernel_peaking_100ms_before_the_cf():
    lags = np.array([20, 40, 60, 80, 100, 120, 140, 180, 250, 400]) * 1e-3
    plast = PFPlasticityParams(eligibility="kernel", a_plus=10 * pA, ltd_ltp_ratio=20.0)
    t_cf = 0.5
    ltd, t_spike = ltd_at_lags(plast, lags, t_cf)
    t_event = t_cf + 0.1e-3  # the complex event fires one step after the CF arrives
    expected = [gamma_kernel(t_event - ts, float(plast.kernel_peak), plast.kernel_order) for ts in t_spike]
    np.testing.assert_allclose(ltd, expected, atol=2e-3)
    # the kernel peaks ~100 ms before the CF; half-height ~60-140 ms
    assert lags[np.argmax(ltd)] == pytest.approx(0.1)
    assert ltd[lags == 0.06][0] > 0.4 and ltd[lags == 0.14][0] > 0.4
    assert ltd[lags == 0.02][0] < 0.05 and ltd[lags == 0.4][0] < 0.01


def test_window_eligibility_is_binary():
    """In 'window' mode a CF depresses by exactly a_minus the synapses whose PF spike arrived
    within ``window`` before the complex spike, and leaves every other synapse alone."""
    plast = PFPlasticityParams()
    assert plast.eligibility == "window" and plast.a_minus == 2 * plast.a_plus
    lags = np.array([2, 6, 10, 20, 28, 32, 40, 60]) * 1e-3
    t_cf = 0.5
    ltd, t_spike = ltd_at_lags(plast, lags, t_cf)
    # independent statement of the rule: eligible iff 0 <= t_event - (t_spike + delay_pf) < window
    since_arrival = (t_cf + 0.1e-3) - (t_spike + float(plast.delay_pf))
    eligible = (since_arrival >= 0) & (since_arrival < float(plast.window))
    assert eligible.any() and (~eligible).any()
    np.testing.assert_allclose(ltd, eligible.astype(float), atol=1e-9)


def test_plasticity_parameters_are_checked():
    with pytest.raises(ConfigError, match="eligibility must be one of"):
        PFPlasticityParams(eligibility="stdp")
    with pytest.raises(ConfigError, match="w0"):
        PFPlasticityParams(w0=900 * pA, w_max=800 * pA)
    with pytest.raises(ConfigError, match=r"kernel_order must lie in \[1, 30\]"):
        PFPlasticityParams(kernel_order=0)
    with pytest.raises(ConfigError, match="ltd_ltp_ratio must be finite"):
        PFPlasticityParams(ltd_ltp_ratio=float("nan"))
