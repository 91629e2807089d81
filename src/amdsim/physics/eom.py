"""3-DOF point-mass equations of motion in the rotating ECEF frame, and an RK4 step.

.. math::
    \\dot{\\mathbf r} = \\mathbf v, \\qquad
    \\dot{\\mathbf v} = \\mathbf g_{J2}(\\mathbf r) - 2\\boldsymbol\\omega\\times\\mathbf v
        - \\boldsymbol\\omega\\times(\\boldsymbol\\omega\\times\\mathbf r)
        - \\frac{\\rho(h) |\\mathbf v| C_d(M) A}{2 m}\\mathbf v
        + \\frac{T}{m}\\hat{\\mathbf v}, \\qquad \\dot m = -\\dot m_{prop}

(the standard rotating-frame form from the transport theorem; drag
equation public-figures §4.2). The air co-rotates with the Earth, so the air-relative
velocity is the ECEF velocity. Thrust acts along the velocity (gravity turn); when
``|v| = 0`` it acts along the local radial. ``h`` is the height above the WGS84 ellipsoid
(Bowring, :mod:`amdsim.physics.geodesy`), Mach ``M = |v| / a(h)`` (USSA76).

:class:`EomOptions` switches terms off for reference checks: ``j2=False`` (point-mass
gravity), ``rotation=False`` (inertial, non-rotating Earth), ``drag=False`` and
``sphere=True`` (heights measured from the 6371 km mean sphere instead of the ellipsoid).

Two implementations with identical physics: plain NumPy (:func:`accel_numpy`,
:func:`rk4_step_numpy`, the reference used by the tests) and Numba scalar kernels
(:func:`accel_scalar`, :func:`rk4_scalar`) used by the flight loop, plus the batch
:func:`rk4_step_batch` (``prange`` over objects). The gravity and rotating-frame part,
:func:`gravity_frame_scalar`, is shared with the impact-prediction kernel of battle management.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from amdsim.core.constants import GM_EARTH_M3PS2, J2_EARTH, OMEGA_EARTH_RADPS, WGS84_A_M
from amdsim.physics.atmosphere import atmosphere, density_and_sound_speed_fast
from amdsim.physics.drag import cd_of_mach, cd_scalar
from amdsim.physics.geodesy import geodetic_altitude_m, height_scalar

__all__ = [
    "DRAG_CEILING_M",
    "FULL_MODEL",
    "EomOptions",
    "accel_numpy",
    "accel_scalar",
    "gravity_frame_scalar",
    "rk4_scalar",
    "rk4_step_batch",
    "rk4_step_numpy",
]

DRAG_CEILING_M = 200_000.0
"""Above this height drag is not evaluated (USSA76 density < 3e-10 kg/m^3: for any threat
here the drag acceleration is below 1e-4 m/s^2)."""

PARALLEL_MIN = 2000
"""Batch size from which :func:`rk4_step_batch` uses threads."""

_K_J2 = 1.5 * J2_EARTH * GM_EARTH_M3PS2 * WGS84_A_M**2


@dataclass(frozen=True, slots=True)
class EomOptions:
    """Which terms of the equations of motion are on (all on by default)."""

    j2: bool = True
    rotation: bool = True
    drag: bool = True
    sphere: bool = False

    @property
    def omega_radps(self) -> float:
        return OMEGA_EARTH_RADPS if self.rotation else 0.0


FULL_MODEL = EomOptions()
"""The default: J2 gravity, Earth rotation, USSA76 drag, WGS84 ellipsoid heights."""


def accel_numpy(
    pos_ecef_m: np.ndarray,
    vel_ecef_mps: np.ndarray,
    mass_kg: np.ndarray,
    thrust_n: np.ndarray,
    area_m2: np.ndarray,
    cd_profile: np.ndarray,
    options: EomOptions = FULL_MODEL,
) -> np.ndarray:
    """Acceleration ``(n, 3)`` (m/s^2) in the rotating ECEF frame (NumPy reference)."""
    r = np.asarray(pos_ecef_m, float)
    v = np.asarray(vel_ecef_mps, float)
    m = np.asarray(mass_kg, float)
    r2 = np.sum(r * r, axis=-1)
    rn = np.sqrt(r2)
    acc = -(GM_EARTH_M3PS2 / (r2 * rn))[:, None] * r
    if options.j2:
        k = _K_J2 / (r2 * r2 * rn)
        zr2 = 5.0 * r[:, 2] ** 2 / r2
        acc[:, 0] -= k * r[:, 0] * (1.0 - zr2)
        acc[:, 1] -= k * r[:, 1] * (1.0 - zr2)
        acc[:, 2] -= k * r[:, 2] * (3.0 - zr2)
    w = options.omega_radps
    if w != 0.0:
        acc[:, 0] += 2.0 * w * v[:, 1] + w * w * r[:, 0]
        acc[:, 1] += -2.0 * w * v[:, 0] + w * w * r[:, 1]
    speed = np.sqrt(np.sum(v * v, axis=-1))
    if options.drag:
        h = geodetic_altitude_m(r, sphere=options.sphere)
        _, _, rho, a = atmosphere(h)
        rho = np.where(h < DRAG_CEILING_M, rho, 0.0)
        cd = cd_of_mach(np.asarray(cd_profile), speed / a)
        acc -= (0.5 * rho * speed * cd * np.asarray(area_m2, float) / m)[:, None] * v
    thrust = np.asarray(thrust_n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        vhat = np.where((speed > 0.0)[:, None], v / speed[:, None], r / rn[:, None])
    acc += (thrust / m)[:, None] * vhat
    return acc


def rk4_step_numpy(
    pos_ecef_m: np.ndarray,
    vel_ecef_mps: np.ndarray,
    mass_kg: np.ndarray,
    dt_s: float,
    thrust_n: np.ndarray,
    mdot_kgps: np.ndarray,
    area_m2: np.ndarray,
    cd_profile: np.ndarray,
    options: EomOptions = FULL_MODEL,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One classical RK4 step of all objects (NumPy reference). Returns ``(pos, vel, mass)``.

    Thrust and mass flow are held constant over the step (the caller splits steps at
    engine cut-off). Source: classical Runge–Kutta, e.g. Press et al., *Numerical Recipes*
    §17.1.
    """

    def f(r: np.ndarray, v: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return v, accel_numpy(r, v, m, thrust_n, area_m2, cd_profile, options)

    r0, v0 = np.asarray(pos_ecef_m, float), np.asarray(vel_ecef_mps, float)
    m0 = np.asarray(mass_kg, float)
    md = np.asarray(mdot_kgps, float)
    k1r, k1v = f(r0, v0, m0)
    k2r, k2v = f(r0 + 0.5 * dt_s * k1r, v0 + 0.5 * dt_s * k1v, m0 - 0.5 * dt_s * md)
    k3r, k3v = f(r0 + 0.5 * dt_s * k2r, v0 + 0.5 * dt_s * k2v, m0 - 0.5 * dt_s * md)
    k4r, k4v = f(r0 + dt_s * k3r, v0 + dt_s * k3v, m0 - dt_s * md)
    r1 = r0 + dt_s / 6.0 * (k1r + 2.0 * k2r + 2.0 * k3r + k4r)
    v1 = v0 + dt_s / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    return r1, v1, m0 - dt_s * md


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def gravity_frame_scalar(
    x: float, y: float, z: float, vx: float, vy: float, j2: bool, omega: float
) -> tuple[float, float, float, float]:
    """Gravity (point mass, plus J2 when ``j2``) and the Coriolis and centrifugal terms of the
    frame rotating at ``omega`` about z, of one object (Numba); also returns ``|r|``.

    The drag-free, thrust-free part of :func:`accel_scalar`, shared with other flight kernels
    (:mod:`amdsim.battle._impact_kernel`). Returns ``(ax, ay, az, |r|)``.
    """
    r2 = x * x + y * y + z * z
    rn = math.sqrt(r2)
    mu_r3 = GM_EARTH_M3PS2 / (r2 * rn)
    ax = -mu_r3 * x
    ay = -mu_r3 * y
    az = -mu_r3 * z
    if j2:
        k = _K_J2 / (r2 * r2 * rn)
        zr2 = 5.0 * z * z / r2
        ax -= k * x * (1.0 - zr2)
        ay -= k * y * (1.0 - zr2)
        az -= k * z * (3.0 - zr2)
    if omega != 0.0:
        ax += 2.0 * omega * vy + omega * omega * x
        ay += -2.0 * omega * vx + omega * omega * y
    return ax, ay, az, rn


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def accel_scalar(
    x: float,
    y: float,
    z: float,
    vx: float,
    vy: float,
    vz: float,
    m: float,
    thrust: float,
    area: float,
    cdp: int,
    j2: bool,
    omega: float,
    drag: bool,
    sphere: bool,
) -> tuple[float, float, float]:
    """Acceleration of one object (Numba); same physics as :func:`accel_numpy`."""
    ax, ay, az, rn = gravity_frame_scalar(x, y, z, vx, vy, j2, omega)
    speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    if drag and area > 0.0:
        h = height_scalar(x, y, z, sphere)
        if h < DRAG_CEILING_M:
            rho, a = density_and_sound_speed_fast(h)
            cd = cd_scalar(cdp, speed / a)
            kd = 0.5 * rho * speed * cd * area / m
            ax -= kd * vx
            ay -= kd * vy
            az -= kd * vz
    if thrust != 0.0:
        if speed > 0.0:
            kt = thrust / (m * speed)
            ax += kt * vx
            ay += kt * vy
            az += kt * vz
        else:
            kt = thrust / (m * rn)
            ax += kt * x
            ay += kt * y
            az += kt * z
    return ax, ay, az


@njit(cache=True, fastmath=False, error_model="numpy")
def rk4_scalar(
    x: float,
    y: float,
    z: float,
    vx: float,
    vy: float,
    vz: float,
    m: float,
    dt: float,
    thrust: float,
    mdot: float,
    area: float,
    cdp: int,
    j2: bool,
    omega: float,
    drag: bool,
    sphere: bool,
) -> tuple[float, float, float, float, float, float, float]:
    """One RK4 step of one object (Numba). Returns ``(x, y, z, vx, vy, vz, m)``."""
    h2 = 0.5 * dt
    a1x, a1y, a1z = accel_scalar(x, y, z, vx, vy, vz, m, thrust, area, cdp, j2, omega, drag, sphere)
    x2, y2, z2 = x + h2 * vx, y + h2 * vy, z + h2 * vz
    v2x, v2y, v2z = vx + h2 * a1x, vy + h2 * a1y, vz + h2 * a1z
    m2 = m - h2 * mdot
    a2x, a2y, a2z = accel_scalar(
        x2, y2, z2, v2x, v2y, v2z, m2, thrust, area, cdp, j2, omega, drag, sphere
    )
    x3, y3, z3 = x + h2 * v2x, y + h2 * v2y, z + h2 * v2z
    v3x, v3y, v3z = vx + h2 * a2x, vy + h2 * a2y, vz + h2 * a2z
    a3x, a3y, a3z = accel_scalar(
        x3, y3, z3, v3x, v3y, v3z, m2, thrust, area, cdp, j2, omega, drag, sphere
    )
    x4, y4, z4 = x + dt * v3x, y + dt * v3y, z + dt * v3z
    v4x, v4y, v4z = vx + dt * a3x, vy + dt * a3y, vz + dt * a3z
    m4 = m - dt * mdot
    a4x, a4y, a4z = accel_scalar(
        x4, y4, z4, v4x, v4y, v4z, m4, thrust, area, cdp, j2, omega, drag, sphere
    )
    s = dt / 6.0
    return (
        x + s * (vx + 2.0 * v2x + 2.0 * v3x + v4x),
        y + s * (vy + 2.0 * v2y + 2.0 * v3y + v4y),
        z + s * (vz + 2.0 * v2z + 2.0 * v3z + v4z),
        vx + s * (a1x + 2.0 * a2x + 2.0 * a3x + a4x),
        vy + s * (a1y + 2.0 * a2y + 2.0 * a3y + a4y),
        vz + s * (a1z + 2.0 * a2z + 2.0 * a3z + a4z),
        m4,
    )


@njit(cache=True, fastmath=False, error_model="numpy", parallel=True)
def _rk4_batch(pos, vel, mass, dt, thrust, mdot, area, cdp, j2, omega, drag, sphere):  # type: ignore[no-untyped-def]
    n = pos.shape[0]
    pos1 = np.empty_like(pos)
    vel1 = np.empty_like(vel)
    mass1 = np.empty_like(mass)
    for i in prange(n):
        out = rk4_scalar(
            pos[i, 0], pos[i, 1], pos[i, 2], vel[i, 0], vel[i, 1], vel[i, 2], mass[i], dt,
            thrust[i], mdot[i], area[i], cdp[i], j2, omega, drag, sphere,
        )  # fmt: skip
        pos1[i, 0], pos1[i, 1], pos1[i, 2] = out[0], out[1], out[2]
        vel1[i, 0], vel1[i, 1], vel1[i, 2] = out[3], out[4], out[5]
        mass1[i] = out[6]
    return pos1, vel1, mass1


@njit(cache=True, fastmath=False, error_model="numpy")
def _rk4_batch_serial(pos, vel, mass, dt, thrust, mdot, area, cdp, j2, omega, drag, sphere):  # type: ignore[no-untyped-def]
    n = pos.shape[0]
    pos1 = np.empty_like(pos)
    vel1 = np.empty_like(vel)
    mass1 = np.empty_like(mass)
    for i in range(n):
        out = rk4_scalar(
            pos[i, 0], pos[i, 1], pos[i, 2], vel[i, 0], vel[i, 1], vel[i, 2], mass[i], dt,
            thrust[i], mdot[i], area[i], cdp[i], j2, omega, drag, sphere,
        )  # fmt: skip
        pos1[i, 0], pos1[i, 1], pos1[i, 2] = out[0], out[1], out[2]
        vel1[i, 0], vel1[i, 1], vel1[i, 2] = out[3], out[4], out[5]
        mass1[i] = out[6]
    return pos1, vel1, mass1


def rk4_step_batch(
    pos_ecef_m: np.ndarray,
    vel_ecef_mps: np.ndarray,
    mass_kg: np.ndarray,
    dt_s: float,
    thrust_n: np.ndarray,
    mdot_kgps: np.ndarray,
    area_m2: np.ndarray,
    cd_profile: np.ndarray,
    options: EomOptions = FULL_MODEL,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numba RK4 step of all objects (same arguments and result as :func:`rk4_step_numpy`).

    Multi-threaded from ``PARALLEL_MIN`` objects on (thread start-up costs more than it
    saves on small batches); results are identical either way.
    """
    f = np.ascontiguousarray
    kernel = _rk4_batch if np.shape(mass_kg)[0] >= PARALLEL_MIN else _rk4_batch_serial
    return kernel(  # type: ignore[no-any-return]
        f(pos_ecef_m, dtype=float), f(vel_ecef_mps, dtype=float), f(mass_kg, dtype=float),
        float(dt_s), f(thrust_n, dtype=float), f(mdot_kgps, dtype=float),
        f(area_m2, dtype=float), f(cd_profile, dtype=np.int64),
        options.j2, options.omega_radps, options.drag, options.sphere,
    )  # fmt: skip
