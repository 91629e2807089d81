"""The Athans–Wishner–Bertolini (1968) falling-body reentry problem.

A body falls vertically with unknown ballistic parameter; a radar at horizontal distance
``M_HORIZ`` and height ``A_HEIGHT`` measures slant range with variance ``R_VAR``. It is the
classic case where the EKF is biased and over-confident and the UKF stays consistent
(Julier & Uhlmann 2004). The reference test and the validation report both use it.

Source: M. Athans, R. P. Wishner, A. Bertolini, "Suboptimal state estimation for
continuous-time nonlinear systems from discrete noisy measurements", IEEE TAC 13(5), 1968.
State: ``[height (ft), speed (ft/s), ballistic parameter]``.
"""

from __future__ import annotations

import numpy as np

from amdsim.tracking.models import MotionModel

__all__ = [
    "A_HEIGHT",
    "GAMMA",
    "M_HORIZ",
    "R_VAR",
    "FallingBody",
    "slant_range",
    "slant_range_jacobian",
]

GAMMA, M_HORIZ, A_HEIGHT, R_VAR = 5e-5, 1e5, 1e5, 1e4


class FallingBody(MotionModel):
    """The 1968 dynamics, RK4 with sub-steps of at most ``h`` seconds."""

    dim = 3

    def __init__(self, h: float = 0.05):
        self.h = h

    def _f(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros_like(x)
        out[:, 0] = -x[:, 1]
        out[:, 1] = -np.exp(-GAMMA * x[:, 0]) * x[:, 1] ** 2 * x[:, 2]
        return out

    def _a(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(-GAMMA * x[:, 0])
        a = np.zeros((x.shape[0], 3, 3))
        a[:, 0, 1] = -1.0
        a[:, 1, 0] = GAMMA * e * x[:, 1] ** 2 * x[:, 2]
        a[:, 1, 1] = -2.0 * e * x[:, 1] * x[:, 2]
        a[:, 1, 2] = -e * x[:, 1] ** 2
        return a

    def _rk4(self, x: np.ndarray, h: float) -> np.ndarray:
        k1 = self._f(x)
        k2 = self._f(x + h / 2 * k1)
        k3 = self._f(x + h / 2 * k2)
        k4 = self._f(x + h * k3)
        return x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    def propagate(self, x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = int(np.ceil(float(np.max(dt)) / self.h))
        h = float(np.max(dt)) / n
        f = np.broadcast_to(np.eye(3), (x.shape[0], 3, 3)).copy()
        for _ in range(n):
            a = self._a(x) * h
            f = (np.eye(3) + a + 0.5 * a @ a) @ f
            x = self._rk4(x, h)
        return x, f

    def propagate_points(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        n = int(np.ceil(float(np.max(dt)) / self.h))
        for _ in range(n):
            x = self._rk4(x, float(np.max(dt)) / n)
        return x

    def noise(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        return np.zeros((x.shape[0], 3, 3))


def slant_range(x: np.ndarray) -> np.ndarray:
    return np.sqrt(M_HORIZ**2 + (x[:, 0] - A_HEIGHT) ** 2)[:, None]


def slant_range_jacobian(x: np.ndarray) -> np.ndarray:
    out = np.zeros((x.shape[0], 1, 3))
    out[:, 0, 0] = (x[:, 0] - A_HEIGHT) / slant_range(x)[:, 0]
    return out
