"""Launch solutions: launcher azimuth and elevation (or engine cut-off) that hit an aim point.

For each boosted threat one control sets the range and the azimuth sets the direction:

* rocket: launcher elevation on the *low* branch (below the elevation of maximum range),
  full motor burn (unguided rockets cannot cut off);
* mortar: elevation on the *high-angle* branch (above the elevation of maximum range);
* ballistic: engine cut-off time at a fixed pitch-over elevation (real missiles control range
  by cut-off).

Method (shooting, vectorised over all threats): a per-type table of range against the
control, flown with the full model from a representative launch point towards N, E, S and W
(mean + cos/sin terms in azimuth), gives the first guess of the control and of the azimuth
offset that cancels the deflection; then every threat is flown to impact with the full model
(ECEF, J2, rotation, drag) and corrected — azimuth by the bearing error of the impact, control
by a secant step on the great-circle range (table slope on the first step) — until the
impact is within
``max(2 m, 1e-5 range)`` of the aim point or ``max_iter`` is reached. Cruise missiles and
drones need no solution (they steer to the aim point).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from amdsim.core.errors import NumericalFault
from amdsim.physics.eom import FULL_MODEL, EomOptions
from amdsim.threats._kernel import KIND_CODES, fly_to_impact_batch, fly_to_impact_serial
from amdsim.threats.params import TypeArrays, bearing_range, local_axes

__all__ = ["FlightInit", "LaunchSolution", "fly_to_impact", "range_sensitivity", "solve_launch"]

ROCKET, MORTAR, BALLISTIC = KIND_CODES["rocket"], KIND_CODES["mortar"], KIND_CODES["ballistic"]
_N_TABLE = 33


@dataclass(frozen=True)
class FlightInit:
    """Per-threat static flight arrays (what the kernels need besides the dynamic state)."""

    kind: np.ndarray  # (n,) int8
    pos0_ecef_m: np.ndarray  # (n, 3)
    vel0_ecef_mps: np.ndarray  # (n, 3)
    mass0_kg: np.ndarray
    t_cut_s: np.ndarray  # engine cut-off, s after launch (0: unpowered / kinematic)
    thrust_n: np.ndarray
    mdot_kgps: np.ndarray
    area_m2: np.ndarray
    cd_profile: np.ndarray  # (n,) int64
    waypoints_ecef_m: np.ndarray  # (n, k, 3) ground points, the last is the aim point
    n_waypoints: np.ndarray  # (n,) int64
    speed_mps: np.ndarray
    cruise_alt_m: np.ndarray
    tan_dive: np.ndarray
    sin_climb: np.ndarray

    @staticmethod
    def build(
        types: TypeArrays,
        type_idx: np.ndarray,
        launch_ecef_m: np.ndarray,
        az_rad: np.ndarray,
        control: np.ndarray,
        waypoints_ecef_m: np.ndarray,
        n_waypoints: np.ndarray,
        impulse_factor: np.ndarray | None = None,
    ) -> FlightInit:
        """Initial state and constants; ``control`` is elevation (rocket, mortar) or cut-off
        time (ballistic), ignored for kinematic kinds. ``impulse_factor`` scales the thrust
        of rockets and the muzzle speed of mortars (dispersion; default 1)."""
        t = np.asarray(type_idx, dtype=np.int64)
        k = np.ones(t.shape[0]) if impulse_factor is None else np.asarray(impulse_factor, float)
        kind = types.kind[t]
        el = np.where(kind == BALLISTIC, types.el_launch_rad[t], control)
        t_cut = np.where(
            kind == BALLISTIC, control, np.where(kind == ROCKET, types.burn_time_s[t], 0.0)
        )
        east, north, up = local_axes(launch_ecef_m)
        ce = np.cos(el)
        d = (ce * np.sin(az_rad))[:, None] * east + (ce * np.cos(az_rad))[:, None] * north
        d += np.sin(el)[:, None] * up
        boosted = kind <= BALLISTIC
        speed0 = types.launch_speed_mps[t] * np.where(kind == MORTAR, k, 1.0)
        vel0 = np.where(boosted[:, None], speed0[:, None] * d, 0.0)
        return FlightInit(
            kind=kind.astype(np.int8),
            pos0_ecef_m=np.ascontiguousarray(launch_ecef_m, dtype=float),
            vel0_ecef_mps=np.ascontiguousarray(vel0),
            mass0_kg=types.mass0_kg[t].copy(),
            t_cut_s=np.asarray(t_cut, float),
            thrust_n=np.where(
                kind == MORTAR, 0.0, types.thrust_n[t] * np.where(kind == ROCKET, k, 1.0)
            ),
            mdot_kgps=np.where(kind == MORTAR, 0.0, types.mdot_kgps[t]),
            area_m2=types.area_m2[t].copy(),
            cd_profile=types.cd_profile[t].copy(),
            waypoints_ecef_m=np.ascontiguousarray(waypoints_ecef_m, dtype=float),
            n_waypoints=np.asarray(n_waypoints, dtype=np.int64),
            speed_mps=types.speed_mps[t].copy(),
            cruise_alt_m=types.cruise_alt_m[t].copy(),
            tan_dive=types.tan_dive[t].copy(),
            sin_climb=types.sin_climb[t].copy(),
        )

    def packed(
        self, t_launch_s: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Kernel arrays ``(S0 (n, 7), P (n, 9), Q (n, 3))`` (see :mod:`amdsim.threats._kernel`)."""
        n = self.kind.shape[0]
        s0 = np.empty((n, 7))
        s0[:, 0:3] = self.pos0_ecef_m
        s0[:, 3:6] = self.vel0_ecef_mps
        s0[:, 6] = self.mass0_kg
        tl = np.zeros(n) if t_launch_s is None else np.asarray(t_launch_s, float)
        p = np.stack(
            [self.t_cut_s, self.thrust_n, self.mdot_kgps, self.area_m2, self.speed_mps,
             self.cruise_alt_m, self.tan_dive, self.sin_climb, tl],
            axis=1,
        ).reshape(n, 9)  # fmt: skip
        q = np.stack(
            [self.kind.astype(np.int64), self.cd_profile, self.n_waypoints], axis=1
        ).reshape(n, 3)
        return s0, np.ascontiguousarray(p, dtype=float), np.ascontiguousarray(q, dtype=np.int64)


@dataclass(frozen=True)
class LaunchSolution:
    """Result of :func:`solve_launch`, one row per threat."""

    az_rad: np.ndarray  # launcher azimuth, clockwise from north
    control: np.ndarray  # elevation (rad) or cut-off time (s); NaN for kinematic kinds
    miss_m: np.ndarray  # distance of the solved undispersed impact from the aim point
    time_of_flight_s: np.ndarray
    reachable: np.ndarray  # bool: aim range within the type's azimuth-mean range table
    range_m: np.ndarray  # great-circle range launch -> aim point (sphere of radius a)
    impact_range_m: np.ndarray  # great-circle range of the solved flight's impact


def fly_to_impact(
    init: FlightInit,
    options: EomOptions = FULL_MODEL,
    dt_s: float = 0.05,
    tau_max_s: float = 4000.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fly every threat of ``init`` from launch to ground impact (fixed-step RK4, Numba).

    Returns ``(impact_ecef_m (n, 3), time_of_flight_s (n,), code (n,))`` with code 1 impact,
    0 still flying at ``tau_max_s``, 2 numerical fault.
    """
    n = init.kind.shape[0]
    s0, p, q = init.packed()
    wp_idx = np.zeros(n, dtype=np.int64)
    imp = np.full((n, 3), np.nan)
    tau = np.full(n, np.nan)
    code = np.zeros(n, dtype=np.int64)
    if n:
        kernel = fly_to_impact_batch if n >= 16 else fly_to_impact_serial
        kernel(
            float(dt_s), float(tau_max_s), s0, p, q, init.waypoints_ecef_m, wp_idx,
            options.j2, options.omega_radps, options.drag, options.sphere, imp, tau, code,
        )  # fmt: skip
    return imp, tau, code


def _control_grid(types: TypeArrays, k: int) -> np.ndarray:
    if types.kind[k] == BALLISTIC:
        return np.linspace(0.15, 1.0, _N_TABLE) * types.burn_time_s[k]
    return np.linspace(types.el_min_rad[k], types.el_max_rad[k], _N_TABLE)


def _range_table(
    types: TypeArrays, k: int, launch: np.ndarray, options: EomOptions, dt_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Range table of type ``k`` flown from ``launch`` towards N, E, S and W.

    Returns the control grid of the monotone branch ``u (m,)`` and the first Fourier terms
    in azimuth of the range and of the azimuth offset that cancels the deflection (Coriolis,
    J2): ``range (3, m)`` and ``offset (3, m)`` as ``[mean, cos az, sin az]`` coefficients.
    Earth rotation makes the range of long flights depend on the azimuth (east longer).
    """
    u = _control_grid(types, k)
    m = u.shape[0]
    azs = np.repeat(np.array([0.0, 0.5, 1.0, 1.5]) * np.pi, m)
    uu = np.tile(u, 4)
    pos = np.repeat(launch[None, :], 4 * m, axis=0)
    wp = np.zeros((4 * m, 1, 3))
    init = FlightInit.build(types, np.full(4 * m, k), pos, azs, uu, wp, np.ones(4 * m))
    imp, _, code = fly_to_impact(init, options, dt_s)
    east, north, _ = local_axes(pos)
    brg, rng_m = bearing_range(pos, imp, east, north)
    r4 = np.where(code == 1, rng_m, np.nan).reshape(4, m)
    b4 = _wrap(azs - brg).reshape(4, m)
    four = np.array([[0.25, 0.25, 0.25, 0.25], [0.5, 0.0, -0.5, 0.0], [0.0, 0.5, 0.0, -0.5]])
    rc, bc = four @ r4, four @ b4
    imax = int(np.nanargmax(rc[0]))
    sl = slice(imax, None) if types.kind[k] == MORTAR else slice(0, imax + 1)
    u, rc, bc = u[sl], rc[:, sl], bc[:, sl]
    order = np.argsort(rc[0])
    return u[order], rc[:, order], bc[:, order]


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def solve_launch(
    types: TypeArrays,
    type_idx: np.ndarray,
    launch_ecef_m: np.ndarray,
    aim_ecef_m: np.ndarray,
    options: EomOptions = FULL_MODEL,
    dt_s: float | None = None,
    max_iter: int = 12,
    tol_m: float = 2.0,
    tol_frac: float = 1e-5,
) -> LaunchSolution:
    """Azimuth and control of every threat so that its undispersed impact is the aim point.

    Parameters
    ----------
    types, type_idx : catalog arrays and the type row of each threat ``(n,)``
    launch_ecef_m, aim_ecef_m : ``(n, 3)`` launch point and aim point (on the ground)
    options : the equations of motion the threats will be flown with
    dt_s : integration step of the shooting flights (default 0.1 s rockets/mortars,
        0.5 s ballistic missiles; RK4, steps split at engine cut-off)
    max_iter, tol_m, tol_frac : iterate until the miss is below ``max(tol_m, tol_frac * range)``
    """
    tix = np.asarray(type_idx, dtype=np.int64)
    n = tix.shape[0]
    launch = np.ascontiguousarray(launch_ecef_m, dtype=float).reshape(n, 3)
    aim = np.ascontiguousarray(aim_ecef_m, dtype=float).reshape(n, 3)
    east, north, _ = local_axes(launch) if n else (np.zeros((0, 3)),) * 3
    az_aim, r_aim = bearing_range(launch, aim, east, north) if n else (np.zeros(0), np.zeros(0))
    az = az_aim.copy()
    u = np.full(n, np.nan)
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    reach = np.ones(n, dtype=bool)
    tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    kind = types.kind[tix] if n else np.zeros(0, dtype=np.int8)
    boosted = kind <= BALLISTIC
    dt_row = np.where(kind == BALLISTIC, 0.5, 0.1) if dt_s is None else np.full(n, dt_s)
    for k in np.unique(tix[boosted]):
        rows = np.flatnonzero(boosted & (tix == k))
        cu, rc, bc = _range_table(types, int(k), launch[rows[0]], options, float(dt_row[rows[0]]))
        cr = rc[0]
        tables[int(k)] = (cu, cr)
        cs = np.stack([np.ones(rows.size), np.cos(az[rows]), np.sin(az[rows])], axis=1)
        r_rows, b_rows = cs @ rc, cs @ bc  # (rows, m): range and offset at each row's azimuth
        for j, i in enumerate(rows):
            order = np.argsort(r_rows[j])
            u[i] = np.interp(r_aim[i], r_rows[j][order], cu[order])
            az[i] += np.interp(r_aim[i], r_rows[j][order], b_rows[j][order])
        lo[rows], hi[rows] = cu.min(), cu.max()
        reach[rows] = (r_aim[rows] >= cr[0]) & (r_aim[rows] <= cr[-1])
    miss = np.zeros(n)
    tof = np.full(n, np.nan)
    active = np.flatnonzero(boosted)
    u_prev = np.full(n, np.nan)
    az_prev = np.full(n, np.nan)
    b_prev = np.full(n, np.nan)
    r_prev = np.full(n, np.nan)
    wp1 = np.zeros((n, 1, 3))
    for _ in range(max_iter):
        if active.size == 0:
            break
        a = active
        init = FlightInit.build(types, tix[a], launch[a], az[a], u[a], wp1[a], np.ones(a.size))
        imp = np.empty((a.size, 3))
        code = np.empty(a.size, dtype=np.int64)
        tau = np.empty(a.size)
        for dt in np.unique(dt_row[a]):
            s = dt_row[a] == dt
            sub = _subset(init, s)
            imp[s], tau[s], code[s] = fly_to_impact(sub, options, float(dt))
        if np.any(code != 1):
            bad = a[code != 1]
            raise NumericalFault(
                "threats.launch",
                0.0,
                bad.tolist(),
                "launch-solution flight did not reach the ground",
            )
        brg, r_imp = bearing_range(launch[a], imp, east[a], north[a])
        miss[a] = np.linalg.norm(imp - aim[a], axis=1)
        tof[a] = tau
        done = miss[a] <= np.maximum(tol_m, tol_frac * r_aim[a])
        slope = np.empty(a.size)
        for ty in np.unique(tix[a]):  # per type: one gradient, one vectorised lookup
            cu, cr = tables[int(ty)]
            sel = tix[a] == ty
            slope[sel] = np.interp(u[a[sel]], cu, np.gradient(cr, cu))
        with np.errstate(divide="ignore", invalid="ignore"):
            sec = (r_imp - r_prev[a]) / (u[a] - u_prev[a])
        use_sec = (
            np.isfinite(sec) & (np.sign(sec) == np.sign(slope)) & (np.abs(u[a] - u_prev[a]) > 1e-12)
        )
        slope = np.where(use_sec, sec, slope)
        u_prev[a], r_prev[a] = u[a], r_imp
        step = np.where(done, 0.0, (r_aim[a] - r_imp) / np.where(slope != 0, slope, np.inf))
        u[a] = np.clip(u[a] + step, lo[a], hi[a])
        # azimuth: Newton on the impact bearing, d(bearing)/d(az) by secant (1 at first)
        with np.errstate(divide="ignore", invalid="ignore"):
            gb = _wrap(brg - b_prev[a]) / (az[a] - az_prev[a])
        gb = np.where(np.isfinite(gb) & (gb > 0.5) & (gb < 2.0), gb, 1.0)
        az_prev[a], b_prev[a] = az[a], brg
        az[a] = az[a] + np.where(done, 0.0, _wrap(az_aim[a] - brg) / gb)
        active = a[~done]
    u_out = np.where(boosted, u, np.nan)
    return LaunchSolution(az, u_out, miss, tof, reach, r_aim, r_prev)


def _subset(init: FlightInit, sel: np.ndarray) -> FlightInit:
    return FlightInit(
        **{k: np.ascontiguousarray(getattr(init, k)[sel]) for k in init.__dataclass_fields__}
    )


def range_sensitivity(
    types: TypeArrays,
    type_idx: np.ndarray,
    launch_ecef_m: np.ndarray,
    sol: LaunchSolution,
    options: EomOptions = FULL_MODEL,
) -> np.ndarray:
    """Derivative of the great-circle range (m) with respect to the dispersion knob of each
    threat at its solution: the impulse factor (rockets: thrust, mortars: muzzle speed), or the
    cut-off time (ballistic, m/s). Forward difference (step 0.5 %) against the solution's own
    flight, with the solver's integration step; NaN for kinematic kinds."""
    tix = np.asarray(type_idx, dtype=np.int64)
    n = tix.shape[0]
    out = np.full(n, np.nan)
    kind = types.kind[tix]
    rows = np.flatnonzero(kind <= BALLISTIC)
    if rows.size == 0:
        return out
    launch = np.ascontiguousarray(launch_ecef_m, dtype=float)[rows]
    east, north, _ = local_axes(launch)
    ball = kind[rows] == BALLISTIC
    eps = np.where(ball, 0.005 * sol.control[rows], 0.005)
    wp = np.zeros((rows.size, 1, 3))
    ctrl = sol.control[rows] + np.where(ball, eps, 0.0)
    fac = 1.0 + np.where(ball, 0.0, eps)
    init = FlightInit.build(
        types, tix[rows], launch, sol.az_rad[rows], ctrl, wp, np.ones(rows.size), fac
    )
    imp = np.empty((rows.size, 3))
    for dt in (0.1, 0.5):
        s = ball == (dt == 0.5)
        if s.any():
            imp[s] = fly_to_impact(_subset(init, s), options, dt)[0]
    r_plus = bearing_range(launch, imp, east, north)[1]
    out[rows] = (r_plus - sol.impact_range_m[rows]) / eps
    return out
