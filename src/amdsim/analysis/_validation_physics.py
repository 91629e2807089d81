"""Physics rows of the validation report: the project's own kernels against published or
independently computed reference values (shared/reference/public-figures.md §4).

Every row calls package code (``amdsim.physics``, ``amdsim.threats``,
``amdsim.interceptors``, ``amdsim.tracking``); the reference numbers are copied from
public-figures §4 with their source. Tolerances are in the row's physical unit and are those
of the matching reference tests under ``tests/reference/``; they are not tuned here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CheckRow", "physics_rows"]


@dataclass(frozen=True)
class CheckRow:
    """One quantity: reference value and source, our value, tolerance and verdict.

    ``mode`` "abs": pass when ``|ours - reference| <= tolerance``; "at_least" / "at_most":
    pass when ``ours >= tolerance`` / ``ours <= tolerance`` (one-sided bounds, for
    qualitative published findings where ``reference`` is the ideal value).
    """

    group: str
    quantity: str
    unit: str
    reference: float
    source: str
    ours: float
    tolerance: float
    mode: str = "abs"
    reference_text: str = ""

    @property
    def error(self) -> float:
        """``ours - reference`` in the row's unit."""
        return self.ours - self.reference

    @property
    def passed(self) -> bool:
        if not math.isfinite(self.ours):
            return False
        if self.mode == "at_least":
            return self.ours >= self.tolerance
        if self.mode == "at_most":
            return self.ours <= self.tolerance
        return abs(self.error) <= self.tolerance

    @property
    def tolerance_text(self) -> str:
        if self.mode == "at_least":
            return f">= {self.tolerance:.4g}"
        if self.mode == "at_most":
            return f"<= {self.tolerance:.4g}"
        return f"± {self.tolerance:.3g}"


# ---------------------------------------------------------------- atmosphere (§4.1)
_PF41 = "public-figures §4.1 (USSA76, NASA-TM-X-74335; check values CALC, bases H)"
# geopotential km, T K, p Pa, rho kg/m^3, a m/s (public-figures §4.1 intermediate check values)
_ATM_CHECK = (
    (0, 288.15, 101325.0, 1.22500, 340.29),
    (1, 281.65, 89874.6, 1.11164, 336.43),
    (5, 255.65, 54019.9, 0.736115, 320.53),
    (10, 223.15, 26436.3, 0.412706, 299.46),
    (15, 216.65, 12044.6, 0.193674, 295.07),
    (25, 221.65, 2511.02, 0.0394658, 298.46),
    (30, 226.65, 1171.87, 0.0180119, 301.80),
    (40, 251.05, 277.522, 3.85101e-3, 317.63),
    (50, 270.65, 75.945, 9.77524e-4, 329.80),
    (60, 245.45, 20.314, 2.88321e-4, 314.07),
    (70, 217.45, 4.634, 7.42429e-5, 295.61),
)


def _atmosphere_rows() -> list[CheckRow]:
    from amdsim.physics.atmosphere import R0_M, atmosphere

    tab = np.array(_ATM_CHECK, float)
    h_m = tab[:, 0] * 1e3
    z_m = R0_M * h_m / (R0_M - h_m)  # geometric altitude of the geopotential height
    t, p, rho, a = atmosphere(z_m)
    rows = []
    g = "Atmosphere (USSA76)"
    for i, hk in enumerate(tab[:, 0]):
        rows.append(
            CheckRow(
                g,
                f"density at H = {hk:g} km",
                "kg/m³",
                tab[i, 3],
                _PF41,
                float(rho[i]),
                1e-4 * tab[i, 3],
            )
        )
    for i in (3, 8):
        hk = tab[i, 0]
        rows.append(
            CheckRow(
                g,
                f"temperature at H = {hk:g} km",
                "K",
                tab[i, 1],
                _PF41,
                float(t[i]),
                1e-4 * tab[i, 1],
            )
        )
        rows.append(
            CheckRow(
                g,
                f"pressure at H = {hk:g} km",
                "Pa",
                tab[i, 2],
                _PF41,
                float(p[i]),
                1e-4 * tab[i, 2],
            )
        )
        rows.append(
            CheckRow(
                g, f"speed of sound at H = {hk:g} km", "m/s", tab[i, 4], _PF41, float(a[i]), 0.006
            )
        )
    return rows


# ---------------------------------------------------- vacuum minimum-energy flight (§4.4)
_PF44 = "public-figures §4.4 (two-body minimum-energy trajectory, CALC)"
# ground range km, burnout speed m/s, gamma deg, apogee km, time of flight s
_MIN_ENERGY = (
    (10, 313, 45.0, 2.5, 45),
    (70, 827, 44.8, 17.5, 120),
    (300, 1696, 44.3, 74.1, 251),
    (1000, 3016, 42.8, 239.9, 474),
    (1300, 3401, 42.1, 307.9, 548),
    (2000, 4113, 40.5, 458.8, 702),
)


def _sphere_launch(v: np.ndarray, gamma: np.ndarray) -> tuple[object, np.ndarray]:
    """Unpowered point masses launched north from the surface of the mean-radius sphere."""
    from amdsim.core.constants import R_MEAN_EARTH_M
    from amdsim.threats.launch import FlightInit

    n = v.shape[0]
    la, lo = math.radians(20.0), math.radians(10.0)
    up = np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])
    north = np.array([-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)])
    vel = v[:, None] * (np.cos(gamma)[:, None] * north + np.sin(gamma)[:, None] * up)
    z = np.zeros(n)
    pos0 = np.repeat((R_MEAN_EARTH_M * up)[None], n, 0)
    init = FlightInit(
        kind=np.ones(n, dtype=np.int8), pos0_ecef_m=pos0, vel0_ecef_mps=vel, mass0_kg=np.ones(n),
        t_cut_s=z, thrust_n=z, mdot_kgps=z, area_m2=z, cd_profile=np.zeros(n, np.int64),
        waypoints_ecef_m=np.zeros((n, 1, 3)), n_waypoints=np.ones(n, np.int64), speed_mps=z,
        cruise_alt_m=z, tan_dive=z, sin_climb=z,
    )  # fmt: skip
    return init, pos0


def _vacuum_rows() -> list[CheckRow]:
    from amdsim.core.constants import GM_EARTH_M3PS2, R_MEAN_EARTH_M
    from amdsim.physics.eom import EomOptions, rk4_step_batch
    from amdsim.threats.launch import fly_to_impact

    mu, re = GM_EARTH_M3PS2, R_MEAN_EARTH_M
    opts = EomOptions(j2=False, rotation=False, drag=False, sphere=True)
    tab = np.array(_MIN_ENERGY, float)
    psi = tab[:, 0] * 1e3 / re
    v = np.sqrt(mu / re * 2 * np.sin(psi / 2) / (1 + np.sin(psi / 2)))
    gamma = (np.pi - psi) / 4
    init, pos0 = _sphere_launch(v, gamma)
    imp, tof, _ = fly_to_impact(init, opts, dt_s=0.1)  # type: ignore[arg-type]
    ua = pos0 / np.linalg.norm(pos0, axis=1, keepdims=True)
    ub = imp / np.linalg.norm(imp, axis=1, keepdims=True)
    rng_m = re * np.arctan2(np.linalg.norm(np.cross(ua, ub), axis=1), np.sum(ua * ub, axis=1))
    # apogee: step the same kernel and keep the highest sampled height
    pos, vel, mass = init.pos0_ecef_m.copy(), init.vel0_ecef_mps.copy(), init.mass0_kg.copy()  # type: ignore[attr-defined]
    zero = np.zeros(len(v))
    apo = np.zeros(len(v))
    # 0.5 s RK4 steps: sampling the top of the arc every 0.5 s misses at most g (0.25 s)^2 / 2
    # ~ 0.3 m of apogee, well inside the 50 m tolerance (table printed to 0.1 km)
    for _ in range(int(np.ceil(np.nanmax(tof) / 0.5))):
        pos, vel, mass = rk4_step_batch(
            pos, vel, mass, 0.5, zero, zero, zero, np.zeros(len(v), np.int64), opts
        )
        apo = np.maximum(apo, np.linalg.norm(pos, axis=1) - re)
    g = "Vacuum flight, spherical Earth"
    rows = []
    for i, r in enumerate(tab):
        k = f"{r[0]:,.0f} km"
        rows.append(
            CheckRow(
                g,
                f"ground range, {k} min-energy shot",
                "km",
                r[0],
                _PF44,
                float(rng_m[i] / 1e3),
                0.002,
            )
        )
        rows.append(CheckRow(g, f"time of flight, {k}", "s", r[4], _PF44, float(tof[i]), 0.5))
        rows.append(CheckRow(g, f"apogee, {k}", "km", r[3], _PF44, float(apo[i] / 1e3), 0.05))
    return rows


# ------------------------------------------------------ proportional navigation (§4.3)
_PF43A = "public-figures §4.3(a) (Zarchan ch. 2 closed form, CALC)"
_PF43B = "public-figures §4.3(b) (Zarchan listing C2L1 geometry, independent RK, CALC)"
_PF43C = "public-figures §4.3(c) (Zarchan listing C8L1 single-lag loop, CALC)"
_VM, _VC, _NT, _G = 3000.0, 4000.0, 96.6, 32.2
_HE = math.radians(-20.0)


def _c2l1(n: float, h: float = 1e-3) -> tuple[float, float, float]:
    """Planar C2L1 engagement flown with the package's TruePN law (RK4, step ``h`` s):
    flight time (s), initial command (g), miss distance (ft)."""
    from amdsim.interceptors.guidance import TruePN
    from amdsim.interceptors.homing import closest_approach

    law, gain, vt = TruePN(), np.array([n]), np.array([-1000.0, 0.0, 0.0])

    def accel(x: np.ndarray) -> np.ndarray:
        return law.command(
            (x[6:9] - x[0:3])[None], (vt - x[3:6])[None], x[3:6][None], np.zeros((1, 3)), gain
        )[0]

    def f(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x[3:6], accel(x), vt])

    x = np.concatenate(
        [
            [0.0, 10000.0, 0.0],
            _VM * np.array([math.cos(_HE), math.sin(_HE), 0.0]),
            [40000.0, 10000.0, 0.0],
        ]
    )
    nc0 = float(np.linalg.norm(accel(x))) / _G
    t = 0.0
    for _ in range(30000):
        k1 = f(x)
        k2 = f(x + h / 2 * k1)
        k3 = f(x + h / 2 * k2)
        k4 = f(x + h * k3)
        x1 = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        r0, r1 = x[6:9] - x[0:3], x1[6:9] - x1[0:3]
        w0, w1 = vt - x[3:6], vt - x1[3:6]
        if r1 @ w1 >= 0.0 > r0 @ w0:
            s, d = closest_approach(r0[None], w0[None], r1[None], w1[None], h)
            return t + float(s[0]) * h, nc0, float(d[0])
        x, t = x1, t + h
    return float("nan"), nc0, float("nan")


def _pn_rows(quick: bool) -> list[CheckRow]:
    from amdsim.interceptors.linear_homing import simulate_linear_homing

    g = "Proportional navigation"
    rows = []
    gains = np.array([3.0, 4.0, 5.0])
    res = simulate_linear_homing(gains, 10.0, _VC, _VM, heading_error_rad=_HE)
    for i, (n, ref) in enumerate(zip(gains, (314.2, 418.9, 523.6), strict=True)):
        rows.append(
            CheckRow(
                g,
                f"zero-lag PN, N' = {n:g}: n_c(0) for HE -20°, t_F 10 s",
                "ft/s²",
                ref,
                _PF43A,
                float(res.n_c[0, i]),
                0.1,
            )
        )
        rows.append(
            CheckRow(
                g,
                f"zero-lag PN, N' = {n:g}: miss distance (HE)",
                "ft",
                0.0,
                _PF43A,
                float(res.miss[i]),
                1e-3,
            )
        )
    # single-lag loop, N' = 4, tau = 1 s: normalised misses at t_F/tau = 1, 2, 5, 10
    ratios = np.array([1.0, 2.0, 5.0, 10.0])
    ref_he = (-0.061, 0.090, -0.006, -0.003)
    ref_nt = (0.123, 0.090, -0.056, -0.005)
    he = simulate_linear_homing(4.0, ratios, _VC, _VM, heading_error_rad=_HE, tau_s=1.0)
    nt = simulate_linear_homing(4.0, ratios, _VC, _VM, target_accel=_NT, tau_s=1.0)
    for i, r in enumerate(ratios):
        rows.append(
            CheckRow(g, f"single-lag loop N' = 4, t_F/τ = {r:g}: HE miss / (V_M HE τ)", "-", ref_he[i], _PF43C,
                     float(he.miss[i] / (_VM * _HE)), 0.003)
        )  # fmt: skip
        rows.append(
            CheckRow(g, f"single-lag loop N' = 4, t_F/τ = {r:g}: manoeuvre miss / (n_T τ²)", "-", ref_nt[i], _PF43C,
                     float(nt.miss[i] / _NT), 0.003)
        )  # fmt: skip
    c2l1 = {3.0: (10.63, 9.13), 4.0: (10.58, 12.17), 5.0: (10.56, 15.21)}
    for n in (4.0,) if quick else (3.0, 4.0, 5.0):
        tf, nc0, miss = _c2l1(n, 2e-3 if quick else 1e-3)
        ref_tf, ref_nc0 = c2l1[n]
        rows.append(
            CheckRow(
                g,
                f"nonlinear C2L1, N' = {n:g} (true PN): flight time",
                "s",
                ref_tf,
                _PF43B,
                tf,
                0.01,
            )
        )
        rows.append(
            CheckRow(g, f"nonlinear C2L1, N' = {n:g}: n_c(0)", "g", ref_nc0, _PF43B, nc0, 0.02)
        )
        rows.append(
            CheckRow(g, f"nonlinear C2L1, N' = {n:g}: miss distance", "ft", 0.0, _PF43B, miss, 0.5)
        )
    return rows


def physics_rows(quick: bool = False) -> list[CheckRow]:
    """Every physics row of the report (see the module docstring)."""
    from amdsim.analysis._validation_tracking import tracking_rows

    return [*_atmosphere_rows(), *_vacuum_rows(), *_pn_rows(quick), *tracking_rows(quick)]
