"""Protocol-level timings, one configuration per process (prints one ``RESULT {...}`` line).

* ``eyeblink``: 100 conditioning trials in one run vs one continuous run of the same biological
  time (the same network with no trials scheduled): the cost of the trial structure.
* ``navigation``: 1,000 steps of the memory-neuron circuit (``model``: "ideal", the default here, or
  "pool", the mechanism).
"""

from __future__ import annotations

import json
import resource
import sys
import time

from _yardstick import simulate_seconds


def eyeblink(cfg: dict) -> dict:
    from brian2 import ms

    from engramlab.circuits.microzone import CerebellarMicrozone, MicrozoneConfig
    from engramlab.protocols.eyeblink import EyeblinkConfig, schedule

    circuit = MicrozoneConfig(target=cfg.get("target", "cython"), device=cfg.get("device", "runtime"), seed=0)
    proto = EyeblinkConfig(trials=cfg.get("trials", 100))
    period = float(proto.period(circuit))
    zone = CerebellarMicrozone(circuit, trial_period=period)
    if cfg["mode"] == "trials":
        for _, paired, _probe in schedule(proto):
            zone.add_trial(period, "tone", float(proto.cs_onset), float(proto.isi + circuit.us_duration),
                           tuple(range(circuit.m)) if paired else (), float(proto.isi))
    else:
        for _ in range(proto.trials):
            zone.add_trial(period, None, 0.0, 0.0)
    compile_s = 0.0
    if circuit.device == "runtime":
        t0 = time.perf_counter()
        zone.network.run(0 * ms, namespace={})  # code generation and Cython compilation only
        compile_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    rec = zone.run()
    simulate = time.perf_counter() - t1
    if circuit.device == "cpp_standalone":
        compile_s, simulate = zone.timings["compile"] + zone.timings["run_call"], simulate_seconds(zone.timings)
    return dict(compile_s=compile_s, simulate_s=simulate, biological_s=rec.duration,
                granule_spikes=int(rec.spikes["granule"][0].size))


def navigation(cfg: dict) -> dict:
    from engramlab.protocols.navigation import NavigationConfig, run_navigation

    t0 = time.perf_counter()
    from engramlab.models.hippocampal import MemoryNeuronParams
    from engramlab.protocols.navigation import NavigationGridParams

    # the memory circuit alone: the attractor modules' path integration is measured elsewhere
    res = run_navigation(NavigationConfig(steps=cfg.get("steps", 1000), environments=1,
                                          grid=NavigationGridParams(path_integration="off"),
                                          memory=MemoryNeuronParams(model=cfg.get("model", "ideal")),
                                          target=cfg.get("target", "numpy"), device=cfg.get("device", "runtime")))
    timings = res.metadata.get("timings", {})
    return dict(build_s=res.metadata["build_seconds"], compile_s=timings.get("compile"),
                simulate_s=simulate_seconds(timings) if "simulate" in timings else res.metadata["run_seconds"],
                biological_s=res.metadata["biological_seconds"], wall_s=time.perf_counter() - t0)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    out = {"eyeblink": eyeblink, "navigation": navigation}[cfg["protocol"]](cfg)
    out.update(config=cfg, peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()
