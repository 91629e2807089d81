"""3-DOF point-mass interceptor kinematics in the scenario ENU frame (pure array kernels).

Forces on each round (per unit mass):

* thrust along the velocity, boost then sustain then coast; propellant burns at a constant
  rate in each phase with the same specific impulse (mass falls linearly with impulse);
* drag :math:`D = \\tfrac12 \\rho V^2 C_d(M) A` (public-figures §4.2) against the velocity, with
  the USSA76 atmosphere (:func:`amdsim.physics.atmosphere.density_and_sound_speed`) and ``C_d(M) = cd0 *``
  the shape of the ``slender_rocket`` profile of :mod:`amdsim.physics.drag` (ASSUMPTION: one
  shape for every interceptor, scaled by its low-speed ``cd0``);
* gravity of a spherical Earth, :math:`-\\mu (p - c)/|p - c|^3`, with the Earth centre ``c``
  straight below the ENU origin (interceptor flights last minutes at most: J2 changes g by
  ~0.1 %, the Coriolis term ``2 Omega x v`` is < 0.05 g and is left to guidance to absorb);
* a lateral control acceleration normal to the velocity: the guidance command (which
  carries any gravity compensation, see :mod:`amdsim.interceptors.homing`), limited to ``max(divert, min(max_accel, q S cl_max / m))`` so an
  aerodynamic interceptor loses manoeuvrability with dynamic pressure at altitude while an
  exo-atmospheric kill vehicle keeps its divert thrust.

Integration is Heun's second-order method (RK2) with the guidance command held over the
step ``h``; callers use small steps (10-50 ms).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numba import njit

from amdsim.core.constants import GM_EARTH_M3PS2, R_MEAN_EARTH_M
from amdsim.physics.atmosphere import density_and_sound_speed
from amdsim.physics.drag import CD_MACH, CD_PROFILES
from amdsim.scenario.types.interceptor import InterceptorType

__all__ = ["InterceptorTable", "altitude_m", "gravity_mps2", "heun", "launch_velocity", "step"]

_CD_SHAPE = CD_PROFILES["slender_rocket"] / CD_PROFILES["slender_rocket"][0]
_FLOAT_FIELDS = (
    "mass_launch_kg",
    "mass_burnout_kg",
    "boost_thrust_n",
    "boost_time_s",
    "sustain_thrust_n",
    "sustain_time_s",
    "ref_area_m2",
    "cd0",
    "max_accel_mps2",
    "cl_max",
    "divert_accel_mps2",
    "nav_gain",
    "loft_rad",
    "guidance_delay_s",
    "seeker_range_m",
    "lethal_radius_m",
    "pk",
    "max_flight_time_s",
    "min_speed_mps",
    "unit_cost_usd",
)


@dataclass(frozen=True)
class InterceptorTable:
    """Parameters of several interceptor types as arrays (one row per type), for kernels.

    Attributes are the float fields of :class:`InterceptorType` (same names, ``(k,)``
    arrays), plus ``names`` and ``guidance`` (law names) and the derived propellant burn
    rates ``mdot_boost_kgps`` and ``mdot_sustain_kgps``.
    """

    names: tuple[str, ...]
    guidance: tuple[str, ...]
    values: Mapping[str, np.ndarray]
    mdot_boost_kgps: np.ndarray
    mdot_sustain_kgps: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("__") or name == "values":  # unpickling, copying: no table yet
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @functools.cached_property
    def kinematic_params(self) -> np.ndarray:
        """``(k, 13)`` parameters of the kinematics kernels, one row per type (columns: boost
        and sustain time, their burn rates, launch and burnout mass, boost and sustain thrust,
        reference area, cd0, max accel, cl_max, divert accel)."""
        return np.ascontiguousarray(
            np.stack(
                [
                    self.boost_time_s, self.sustain_time_s, self.mdot_boost_kgps,
                    self.mdot_sustain_kgps, self.mass_launch_kg, self.mass_burnout_kg,
                    self.boost_thrust_n, self.sustain_thrust_n, self.ref_area_m2, self.cd0,
                    self.max_accel_mps2, self.cl_max, self.divert_accel_mps2,
                ],
                axis=1,
            ).reshape(len(self), 13),
            dtype=float,
        )  # fmt: skip

    def index(self, name: str) -> int:
        """Row of interceptor type ``name``."""
        return self.names.index(name)

    @staticmethod
    def from_types(types: Mapping[str, InterceptorType]) -> InterceptorTable:
        """Build the table from ``{name: InterceptorType}`` (order kept)."""
        names = tuple(types)
        vals = {f: np.array([float(getattr(types[n], f)) for n in names]) for f in _FLOAT_FIELDS}
        prop = vals["mass_launch_kg"] - vals["mass_burnout_kg"]
        imp_b = vals["boost_thrust_n"] * vals["boost_time_s"]
        imp_s = vals["sustain_thrust_n"] * vals["sustain_time_s"]
        frac_b = imp_b / (imp_b + imp_s)
        mdot_b = prop * frac_b / vals["boost_time_s"]
        with np.errstate(divide="ignore", invalid="ignore"):
            mdot_s = np.where(
                vals["sustain_time_s"] > 0, prop * (1 - frac_b) / vals["sustain_time_s"], 0.0
            )
        return InterceptorTable(
            names=names,
            guidance=tuple(types[n].guidance for n in names),
            values=vals,
            mdot_boost_kgps=mdot_b,
            mdot_sustain_kgps=mdot_s,
        )


@njit(cache=True)
def _density_sound_speed(alt_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    rho = np.empty(alt_m.shape[0])
    a = np.empty(alt_m.shape[0])
    for i in range(alt_m.shape[0]):
        rho[i], a[i] = density_and_sound_speed(alt_m[i])
    return rho, a


def density_sound_speed(alt_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """USSA76 density (kg/m^3) and speed of sound (m/s) at altitudes ``(n,)`` (m)."""
    return _density_sound_speed(np.ascontiguousarray(alt_m, dtype=float))  # type: ignore[no-any-return]


def _centre(origin_alt_m: float) -> np.ndarray:
    return np.array([0.0, 0.0, -(R_MEAN_EARTH_M + origin_alt_m)])


def altitude_m(pos_m: np.ndarray, origin_alt_m: float = 0.0) -> np.ndarray:
    """Height above a spherical Earth of ENU positions ``(n, 3)`` (m)."""
    d = pos_m - _centre(origin_alt_m)
    return np.sqrt(np.einsum("ij,ij->i", d, d)) - R_MEAN_EARTH_M


def gravity_mps2(pos_m: np.ndarray, origin_alt_m: float = 0.0) -> np.ndarray:
    """Spherical-Earth gravity ``(n, 3)`` (m/s^2) in ENU axes at ENU positions ``(n, 3)``."""
    d = pos_m - _centre(origin_alt_m)
    r = np.sqrt(np.einsum("ij,ij->i", d, d))
    return -GM_EARTH_M3PS2 * d / (r * r * r)[:, None]


def mass_thrust(
    tab: InterceptorTable, k: np.ndarray, t_flight_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mass (kg) and thrust (N) of rows of types ``k`` at flight times ``t_flight_s``."""
    tb = tab.boost_time_s[k]
    ts = tab.sustain_time_s[k]
    t = np.maximum(t_flight_s, 0.0)
    in_b = t < tb
    in_s = (~in_b) & (t < tb + ts)
    burnt_b = tab.mdot_boost_kgps[k] * np.minimum(t, tb)
    burnt_s = tab.mdot_sustain_kgps[k] * np.clip(t - tb, 0.0, ts)
    mass = np.maximum(tab.mass_launch_kg[k] - burnt_b - burnt_s, tab.mass_burnout_kg[k])
    thrust = np.where(in_b, tab.boost_thrust_n[k], np.where(in_s, tab.sustain_thrust_n[k], 0.0))
    return mass, thrust


def step(
    pos_m: np.ndarray,
    vel_mps: np.ndarray,
    t_flight_s: np.ndarray,
    k: np.ndarray,
    tab: InterceptorTable,
    cmd_mps2: np.ndarray,
    h_s: float,
    origin_alt_m: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Advance rows by ``h_s`` seconds under thrust, drag, gravity and the lateral command.

    Parameters
    ----------
    pos_m, vel_mps : (n, 3)
        ENU position (m) and velocity (m/s).
    t_flight_s : (n,)
        Time since launch (s).
    k : (n,) int
        Interceptor type row in ``tab``.
    cmd_mps2 : (n, 3)
        Guidance command (m/s^2); its component along the velocity is ignored; zero rows
        fly ballistically with thrust.

    Returns
    -------
    pos_m, vel_mps, lateral_mps2 : new position, velocity and the achieved lateral control
        acceleration magnitude (m/s^2).
    """
    return _step_kernel(  # type: ignore[no-any-return]
        np.ascontiguousarray(pos_m, dtype=float),
        np.ascontiguousarray(vel_mps, dtype=float),
        np.ascontiguousarray(t_flight_s, dtype=float),
        np.ascontiguousarray(k, dtype=np.int64),
        tab.kinematic_params,
        np.ascontiguousarray(cmd_mps2, dtype=float),
        float(h_s),
        R_MEAN_EARTH_M + float(origin_alt_m),
        GM_EARTH_M3PS2,
        CD_MACH,
        _CD_SHAPE,
    )


@njit(cache=True, inline="always")
def _interp(x, xp, fp):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``np.interp`` of one scalar (NumPy's algorithm, same results): Numba's ``np.interp``
    boxes a scalar into arrays, which cost more than the rest of the flyout step."""
    n = xp.shape[0]
    if x != x:
        return x
    if x >= xp[n - 1]:
        return fp[n - 1]
    if x < xp[0]:
        return fp[0]
    j, hi = 0, n - 1  # bisection: xp[j] <= x < xp[j + 1]
    while hi - j > 1:
        mid = (j + hi) >> 1
        if xp[mid] <= x:
            j = mid
        else:
            hi = mid
    if xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    out = slope * (x - xp[j]) + fp[j]
    if out != out:
        out = slope * (x - xp[j + 1]) + fp[j + 1]
        if out != out and fp[j] == fp[j + 1]:
            out = fp[j]
    return out


@njit(cache=True, inline="always")
def _accel(px, py, pz, vx, vy, vz, t, j, par, cx, cy, cz, rc, mu, cd_mach, cd_shape):  # type: ignore[no-untyped-def]  # pragma: no cover
    tb, ts, mdb, mds = par[j, 0], par[j, 1], par[j, 2], par[j, 3]
    m0, mb, thb, ths, area, cd0 = par[j, 4], par[j, 5], par[j, 6], par[j, 7], par[j, 8], par[j, 9]
    amax, clmax, adiv = par[j, 10], par[j, 11], par[j, 12]
    t = max(t, 0.0)
    burnt = mdb * min(t, tb) + mds * min(max(t - tb, 0.0), ts)
    mass = max(m0 - burnt, mb)
    thrust = thb if t < tb else (ths if t < tb + ts else 0.0)
    speed = np.sqrt(vx * vx + vy * vy + vz * vz)
    inv = 1.0 / max(speed, 1e-9)
    ux, uy, uz = vx * inv, vy * inv, vz * inv
    dx, dy, dz = px, py, pz + rc
    r = np.sqrt(dx * dx + dy * dy + dz * dz)
    rho, a_snd = density_and_sound_speed(r - R_MEAN_EARTH_M)
    cd = cd0 * _interp(speed / a_snd, cd_mach, cd_shape)
    q = 0.5 * rho * speed * speed
    axial = (thrust - q * cd * area) / mass
    g = -mu / (r * r * r)
    along = cx * ux + cy * uy + cz * uz
    wx, wy, wz = cx - along * ux, cy - along * uy, cz - along * uz
    mag = np.sqrt(wx * wx + wy * wy + wz * wz)
    limit = max(adiv, min(amax, q * area * clmax / mass))
    scale = limit / mag if mag > limit else 1.0
    ax = axial * ux + g * dx + wx * scale
    ay = axial * uy + g * dy + wy * scale
    az = axial * uz + g * dz + wz * scale
    return ax, ay, az, mag * scale


@njit(cache=True, inline="always")
def heun(px, py, pz, vx, vy, vz, t, j, par, cx, cy, cz, h, rc, mu, cd_mach, cd_shape):  # type: ignore[no-untyped-def]  # pragma: no cover
    """One Heun (RK2) step of one round of type row ``j`` (command held over the step).

    Scalar form of :func:`step` for kernels: returns the new position and velocity
    components and the achieved lateral acceleration (m/s^2) at the start of the step.
    """
    ax, ay, az, lat = _accel(
        px, py, pz, vx, vy, vz, t, j, par, cx, cy, cz, rc, mu, cd_mach, cd_shape
    )
    qx, qy, qz = vx + ax * h, vy + ay * h, vz + az * h
    bx, by, bz, _ = _accel(
        px + vx * h, py + vy * h, pz + vz * h, qx, qy, qz, t + h, j, par, cx, cy, cz, rc, mu,
        cd_mach, cd_shape,
    )  # fmt: skip
    return (
        px + 0.5 * (vx + qx) * h, py + 0.5 * (vy + qy) * h, pz + 0.5 * (vz + qz) * h,
        vx + 0.5 * (ax + bx) * h, vy + 0.5 * (ay + by) * h, vz + 0.5 * (az + bz) * h, lat,
    )  # fmt: skip


@njit(cache=True)
def _step_kernel(pos, vel, tfl, k, par, cmd, h, rc, mu, cd_mach, cd_shape):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Heun (RK2) step of every row with the command held over the step."""
    n = pos.shape[0]
    p_out = np.empty_like(pos)
    v_out = np.empty_like(vel)
    lat_out = np.empty(n)
    for i in range(n):
        (p_out[i, 0], p_out[i, 1], p_out[i, 2], v_out[i, 0], v_out[i, 1], v_out[i, 2],
         lat_out[i]) = heun(
            pos[i, 0], pos[i, 1], pos[i, 2], vel[i, 0], vel[i, 1], vel[i, 2], tfl[i], k[i], par,
            cmd[i, 0], cmd[i, 1], cmd[i, 2], h, rc, mu, cd_mach, cd_shape,
        )  # fmt: skip
    return p_out, v_out, lat_out


LAUNCH_SPEED_MPS = 30.0
"""ASSUMPTION: speed of a round leaving the launcher rail / canister (keeps the velocity
direction defined from the first step)."""
MAX_LAUNCH_ELEVATION_RAD = np.radians(88.0)


def launch_velocity(launcher_m: np.ndarray, aim_m: np.ndarray, loft_rad: np.ndarray) -> np.ndarray:
    """Initial velocity ``(n, 3)`` (m/s): toward the aim point, elevated by ``loft_rad``.

    The launch elevation is the line-of-sight elevation plus the loft, capped at 88 deg;
    the azimuth is the aim point's. A round with its aim straight above launches at 88 deg
    toward north.
    """
    d = np.asarray(aim_m, float) - np.asarray(launcher_m, float)
    horiz = np.hypot(d[:, 0], d[:, 1])
    az = np.where(horiz > 1e-6, np.arctan2(d[:, 0], d[:, 1]), 0.0)
    el = np.minimum(np.arctan2(d[:, 2], horiz) + loft_rad, MAX_LAUNCH_ELEVATION_RAD)
    ce = np.cos(el)
    u = np.stack([ce * np.sin(az), ce * np.cos(az), np.sin(el)], axis=1)
    return LAUNCH_SPEED_MPS * u
