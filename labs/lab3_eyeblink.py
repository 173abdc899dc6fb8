# %% [markdown]
# # Lab 3 — Eyeblink conditioning: a timed Purkinje pause emerges; extinction
#
# A tone (40 Hz on mossy fibres) precedes an air-puff US (500 Hz, 30 ms to the inferior olive).
# Granule cells tell time: each fires in its own window after tone onset (spectral timing). The
# climbing fibre depresses the parallel-fibre synapses that were active ~100 ms before it (the
# eligibility kernel), so Purkinje cells learn to pause during the tone, disinhibiting the deep
# nuclei: the conditioned response (CR). CS-alone trials (extinction) potentiate the same
# synapses back and the CR fades.
#
# Run: `engramlab lab run 3 --quick` (the full version takes a few minutes).

# %%
import engramlab as el
from engramlab.analysis.eyeblink import analyse_eyeblink, eyeblink_summary
from engramlab.analysis.figures import conditioning as figs
from engramlab.results import save_figure

import _labkit

args = _labkit.lab_args("lab3_eyeblink", "Eyeblink conditioning")
# --quick: the protocol's quick preset (20 short trials, 6x learning rate, NumPy target) plus
# 10 CS-alone trials; the full lab trains 100 trials and extinguishes for 50
result = el.run("eyeblink", quick=args.quick, seed=2, out=f"{args.out}/run",
                extinction_trials=10 if args.quick else 50)

# %%
a = analyse_eyeblink(result, block=5 if args.quick else 10)
s = eyeblink_summary(a)
print("%CR per block:", s["cr_percent_by_block"], " extinction:", s.get("extinction_cr_percent_by_block"))
print(f"pause minimum {s['pause_min_ms']:.0f} ms after CS onset (US at {s['us_onset_ms']:.0f} ms)")

# %%
save_figure(figs.psth_figure(result, a), args.out, "raster_psth")
save_figure(figs.learning_curve_figure(a), args.out, "learning_curve")

# %% [markdown]
# ## Exercises
# 1. Change the ISI (`isi="400 ms"`, with `trial_period="1 s"` in quick mode): does the pause
#    follow the US?
# 2. Set `plasticity__kernel_peak="50 ms"`: where does the pause move, and why? (Hint: LTD hits
#    the granule cells active one kernel-peak before the climbing fibre.)
# 3. Set `plasticity__ltd_ltp_ratio=1.5`: why does learning stall?
# 4. Add `reacquisition_trials=50`. Is relearning faster (savings)? What would a second site of
#    plasticity (mossy fibre → nuclei) add?

# %%
_labkit.finish(args.out, "Lab 3 — Eyeblink conditioning", "A timed Purkinje pause emerges and extinguishes.",
               [("raster_psth", "Purkinje rasters and PC/DCN rates, first vs last block."),
                ("learning_curve", "%CR per block and pause depth.")], s)
