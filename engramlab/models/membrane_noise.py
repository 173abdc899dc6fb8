r"""White membrane noise shared by the cell models that have it (Purkinje and DCN cells).

.. math:: \dot v = \dots + \sigma_v \sqrt{2/\tau_m}\,\xi(t), \qquad \tau_m = C/g_L

For the free (sub-threshold, unperturbed) membrane, :math:`\tau_m \dot u = -u + \dots` with
:math:`u = v - \bar v`, this makes ``u`` an Ornstein–Uhlenbeck process (Uhlenbeck & Ornstein
1930) with stationary variance :math:`(2\sigma_v^2/\tau_m)\cdot\tau_m/2 = \sigma_v^2`, so a
cell's ``noise`` parameter is stated in millivolts of membrane SD. ``ξ`` is Brian2's white noise:
drawn from its seeded generator, and integrated by Euler–Maruyama (``method="euler"``); without
noise the linear membrane is integrated exactly.
"""

from __future__ import annotations

from typing import Any

import brian2 as b2

__all__ = ["white_noise"]


def white_noise(sigma_v: b2.Quantity, C: b2.Quantity, g_L: b2.Quantity, namespace: dict[str, Any]) -> tuple[str, str]:
    """The term to add to ``dv/dt`` and the integration method, for membrane SD ``sigma_v``.

    Adds ``sigma_v`` and ``tau_m`` to ``namespace`` when ``sigma_v`` > 0. Returns ``("", "exact")``
    for no noise, else ``(" + sigma_v*sqrt(2/tau_m)*xi", "euler")``.
    """
    if float(sigma_v) <= 0:
        return "", "exact"
    namespace["sigma_v"] = sigma_v
    namespace["tau_m"] = C / g_L
    return " + sigma_v*sqrt(2/tau_m)*xi", "euler"
