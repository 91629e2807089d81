"""Motion models of the tracker, vectorised over tracks.

Every model maps a stack of states ``x (n, d)`` over per-track time steps ``dt (n,)``:
:meth:`propagate` gives the predicted states and the transition Jacobians ``F (n, d, d)``,
:meth:`noise` the process-noise covariances ``Q (n, d, d)``. The first six state terms are
always ``[x, y, z, vx, vy, vz]`` in the scenario ENU frame (m, m/s); a model may act on a
longer state (for the IMM's common state) and then leaves the extra terms unchanged.

* :class:`ConstantVelocity` — continuous white-noise acceleration (Bar-Shalom, Li and
  Kirubarajan, *Estimation with Applications to Tracking and Navigation*, 2001, §6.2.2).
* :class:`ConstantAcceleration` — continuous Wiener-process acceleration (ibid. §6.2.3),
  state ``[p, v, a]`` (d = 9); also the manoeuvring-target model.
* :class:`BallisticDrag` — point mass under gravity and drag with the inverse ballistic
  coefficient ``b = 1/beta = Cd A / m`` (m^2/kg) estimated as the 7th state:
  ``dv/dt = g(p) - rho(h) |v| v b / 2``, ``db/dt = w_b`` (Bar-Shalom et al. §10.5; Athans,
  Wishner and Bertolini, IEEE TAC 13(5), 1968). Integrated with RK4 sub-steps; the
  transition Jacobian is the product of second-order expansions ``I + A h + A^2 h^2 / 2``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from amdsim.core.constants import G0_MPS2, R_MEAN_EARTH_M
from amdsim.core.frames import LocalFrame
from amdsim.physics.gravity import gravity_j2_ecef

__all__ = [
    "BallisticDrag",
    "ConstantAcceleration",
    "ConstantVelocity",
    "EnuJ2Gravity",
    "FlatAltitude",
    "MotionModel",
    "air_density_kgpm3",
    "flat_altitude_m",
    "uniform_gravity",
]

RHO0_KGPM3 = 1.225
"""Sea-level density of the US Standard Atmosphere 1976 (kg/m^3)."""
SCALE_HEIGHT_M = 7200.0
"""Density scale height of the exponential atmosphere used by the tracker (m)."""


def air_density_kgpm3(h_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exponential atmosphere ``rho = 1.225 exp(-h / 7200 m)`` and ``d rho / d h``.

    The tracker's own model of the air (the truth uses USSA76 in :mod:`amdsim.physics`);
    a filter model need not match truth exactly and this one is smooth and differentiable.
    Heights below 0 are clamped to 0.
    """
    h = np.maximum(np.asarray(h_m, float), 0.0)
    rho = RHO0_KGPM3 * np.exp(-h / SCALE_HEIGHT_M)
    drho = np.where(np.asarray(h_m) > 0.0, -rho / SCALE_HEIGHT_M, 0.0)
    return rho, drho


def uniform_gravity(pos_m: np.ndarray) -> np.ndarray:
    """``[0, 0, -9.80665]`` m/s^2 at every position ``(n, 3)``."""
    g = np.zeros_like(np.asarray(pos_m, float))
    g[..., 2] = -G0_MPS2
    return g


def flat_altitude_m(pos_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Height above a spherical Earth tangent at the ENU origin, second order in range:
    ``h = z + (x^2 + y^2) / (2 R)``, and its gradient ``(n, 3)``."""
    p = np.asarray(pos_m, float)
    h = p[..., 2] + (p[..., 0] ** 2 + p[..., 1] ** 2) / (2.0 * R_MEAN_EARTH_M)
    grad = np.empty_like(p)
    grad[..., 0] = p[..., 0] / R_MEAN_EARTH_M
    grad[..., 1] = p[..., 1] / R_MEAN_EARTH_M
    grad[..., 2] = 1.0
    return h, grad


@dataclass(frozen=True)
class EnuJ2Gravity:
    """J2 gravity in the axes of the scenario ENU ``frame``, ``pos (n, 3) -> (n, 3)`` (m/s^2).

    A class rather than a closure so that the tracker's Numba kernels recognise it and
    evaluate the same field per track (frame rotation and origin are constants)."""

    frame: LocalFrame

    def __call__(self, pos_m: np.ndarray) -> np.ndarray:
        f = self.frame
        return f.vec_ecef_to_enu(gravity_j2_ecef(f.enu_to_ecef(pos_m)))


@dataclass(frozen=True)
class FlatAltitude:
    """:func:`flat_altitude_m` plus the altitude ``alt0_m`` of the ENU origin."""

    alt0_m: float = 0.0

    def __call__(self, pos_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, g = flat_altitude_m(pos_m)
        return h + self.alt0_m, g


class MotionModel:
    """Role: ``propagate(x, dt) -> (x', F)`` and ``noise(x, dt) -> Q`` over stacks."""

    dim: int = 6

    def propagate(self, x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def propagate_points(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        """Propagate states only (used for sigma points); default calls :meth:`propagate`."""
        return self.propagate(x, dt)[0]

    def noise(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _cwna_blocks(dt: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return q * dt**3 / 3.0, q * dt**2 / 2.0, q * dt


@dataclass(frozen=True)
class ConstantVelocity(MotionModel):
    """Nearly constant velocity; ``q_m2ps3`` is the acceleration noise spectral density.

    ``dim`` may exceed 6 (extra terms constant, no noise), e.g. 7 in the IMM with
    :class:`BallisticDrag`.
    """

    q_m2ps3: float = 10.0
    dim: int = 6

    def propagate(self, x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dt = np.asarray(dt, float)
        xn = x.copy()
        xn[:, 0:3] += x[:, 3:6] * dt[:, None]
        f = np.broadcast_to(np.eye(self.dim), (x.shape[0], self.dim, self.dim)).copy()
        for k in range(3):
            f[:, k, k + 3] = dt
        return xn, f

    def noise(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, float)
        q = np.zeros((x.shape[0], self.dim, self.dim))
        a, b, c = _cwna_blocks(dt, self.q_m2ps3)
        for k in range(3):
            q[:, k, k], q[:, k, k + 3], q[:, k + 3, k], q[:, k + 3, k + 3] = a, b, b, c
        return q


@dataclass(frozen=True)
class ConstantAcceleration(MotionModel):
    """Nearly constant acceleration, state ``[p, v, a]`` (d = 9); ``q_m2ps5`` is the jerk
    noise spectral density."""

    q_m2ps5: float = 1.0
    dim: int = 9

    def propagate(self, x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dt = np.asarray(dt, float)
        f = np.broadcast_to(np.eye(9), (x.shape[0], 9, 9)).copy()
        for k in range(3):
            f[:, k, k + 3] = dt
            f[:, k, k + 6] = 0.5 * dt**2
            f[:, k + 3, k + 6] = dt
        return np.einsum("nij,nj->ni", f, x), f

    def noise(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        t = np.asarray(dt, float)
        q = self.q_m2ps5
        blk = [
            [t**5 / 20, t**4 / 8, t**3 / 6],
            [t**4 / 8, t**3 / 3, t**2 / 2],
            [t**3 / 6, t**2 / 2, t],
        ]
        out = np.zeros((x.shape[0], 9, 9))
        for r in range(3):
            for c in range(3):
                for k in range(3):
                    out[:, 3 * r + k, 3 * c + k] = q * blk[r][c]
        return out


@dataclass(frozen=True)
class BallisticDrag(MotionModel):
    """Ballistic flight with drag, state ``[p, v, b]`` with ``b = 1/beta`` (m^2/kg).

    Parameters
    ----------
    q_m2ps3 : acceleration noise spectral density on the velocity (m^2/s^3)
    q_b : spectral density of the random walk of ``b`` ((m^2/kg)^2 / s)
    gravity_mps2 : callable ``pos (n, 3) -> (n, 3)`` in the tracker frame
    altitude_m : callable ``pos (n, 3) -> (h (n,), dh/dpos (n, 3))``
    max_step_s : longest RK4 sub-step (s)

    The drag uses ``max(b, 0)``: ``b`` is positive by definition, and a negative estimate
    (the filter fitting a boosting rocket's thrust) would otherwise give an anti-drag whose
    acceleration grows with the speed and runs away within seconds.
    """

    q_m2ps3: float = 1.0
    q_b: float = 1e-10
    gravity_mps2: Callable[[np.ndarray], np.ndarray] = field(default=uniform_gravity)
    altitude_m: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] = field(
        default=flat_altitude_m
    )
    max_step_s: float = 0.5
    dim: int = 7

    def _deriv(self, x: np.ndarray) -> np.ndarray:
        v = x[:, 3:6]
        h, _ = self.altitude_m(x[:, 0:3])
        rho, _ = air_density_kgpm3(h)
        speed = np.linalg.norm(v, axis=1)
        b = np.maximum(x[:, 6], 0.0)  # no anti-drag from a negative estimate
        acc = self.gravity_mps2(x[:, 0:3]) - (0.5 * rho * speed * b)[:, None] * v
        out = np.zeros_like(x)
        out[:, 0:3] = v
        out[:, 3:6] = acc
        return out

    def _jac(self, x: np.ndarray) -> np.ndarray:
        """Continuous-time Jacobian ``A = d f / d x`` (n, 7, 7) (gravity gradient neglected;
        the column of ``b`` is the one-sided derivative at ``b >= 0``, so that measurements
        still move a negative estimate back)."""
        n = x.shape[0]
        v = x[:, 3:6]
        b = np.maximum(x[:, 6], 0.0)
        h, dh = self.altitude_m(x[:, 0:3])
        rho, drho = air_density_kgpm3(h)
        speed = np.maximum(np.linalg.norm(v, axis=1), 1e-9)
        a = np.zeros((n, 7, 7))
        a[:, 0, 3] = a[:, 1, 4] = a[:, 2, 5] = 1.0
        k = 0.5 * rho * b
        vvt = v[:, :, None] * v[:, None, :] / speed[:, None, None]
        a[:, 3:6, 3:6] = -k[:, None, None] * (speed[:, None, None] * np.eye(3) + vvt)
        a[:, 3:6, 6] = -(0.5 * rho * speed)[:, None] * v
        a[:, 3:6, 0:3] = -(0.5 * b * speed * drho)[:, None, None] * v[:, :, None] * dh[:, None, :]
        return a

    def _steps(self, dt: np.ndarray) -> tuple[int, np.ndarray]:
        dt = np.asarray(dt, float)
        n_sub = max(1, int(np.ceil(np.max(np.abs(dt), initial=0.0) / self.max_step_s)))
        return n_sub, dt / n_sub

    def _rk4(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        hh = h[:, None]
        k1 = self._deriv(x)
        k2 = self._deriv(x + 0.5 * hh * k1)
        k3 = self._deriv(x + 0.5 * hh * k2)
        k4 = self._deriv(x + hh * k3)
        return x + hh / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)

    def propagate(self, x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_sub, h = self._steps(dt)
        f = np.broadcast_to(np.eye(7), (x.shape[0], 7, 7)).copy()
        eye = np.eye(7)
        for _ in range(n_sub):
            a = self._jac(x) * h[:, None, None]
            f = (eye + a + 0.5 * a @ a) @ f
            x = self._rk4(x, h)
        return x, f

    def propagate_points(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        n_sub, h = self._steps(dt)
        for _ in range(n_sub):
            x = self._rk4(x, h)
        return x

    def noise(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, float)
        q = np.zeros((x.shape[0], 7, 7))
        a, b, c = _cwna_blocks(dt, self.q_m2ps3)
        for k in range(3):
            q[:, k, k], q[:, k, k + 3], q[:, k + 3, k], q[:, k + 3, k + 3] = a, b, b, c
        q[:, 6, 6] = self.q_b * dt
        return q
