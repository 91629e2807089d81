"""Generic fixed-step integrators and the drag-acceleration formula (NumPy).

The flight kernels inline their own RK4 (:mod:`amdsim.physics.eom`); these generic forms
serve reference checks of other equations (e.g. Zarchan's falling object) and small models.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["drag_acceleration", "rk4_step"]


def rk4_step(
    f: Callable[[float, np.ndarray], np.ndarray], t: float, y: np.ndarray, dt: float
) -> np.ndarray:
    """One classical Runge–Kutta step of ``dy/dt = f(t, y)`` (any array shape).

    .. math::
        y_{n+1} = y_n + \\frac{\\Delta t}{6}(k_1 + 2k_2 + 2k_3 + k_4)

    Source: Press et al., *Numerical Recipes*, 3rd ed., eq. 17.1.3.
    """
    k1 = f(t, y)
    k2 = f(t + 0.5 * dt, y + 0.5 * dt * k1)
    k3 = f(t + 0.5 * dt, y + 0.5 * dt * k2)
    k4 = f(t + dt, y + dt * k3)
    return y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def drag_acceleration(
    density_kgpm3: np.ndarray,
    speed_mps: np.ndarray,
    cd: np.ndarray,
    area_m2: np.ndarray,
    mass_kg: np.ndarray,
) -> np.ndarray:
    """Magnitude of the drag deceleration ``rho V^2 Cd A / (2 m)`` (m/s^2), broadcast.

    Equivalent to ``rho V^2 / (2 beta)`` with ballistic coefficient ``beta = m / (Cd A)``
    (public-figures §4.2).
    """
    return (
        0.5
        * np.asarray(density_kgpm3)
        * np.asarray(speed_mps) ** 2
        * np.asarray(cd)
        * np.asarray(area_m2)
        / np.asarray(mass_kg)
    )
