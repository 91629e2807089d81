"""Impact-point prediction against independent solutions.

1. Vacuum two-body flight over a spherical Earth (no J2, no rotation, no drag): the impact
   point and time are those of the Kepler conic through the state (Vallado, *Fundamentals of
   Astrodynamics and Applications*, 4th ed., §2.2-2.3: orbit elements from r, v; Kepler's
   equation for the time). Tolerance 1 m, 0.01 s.
2. The full model (J2, Earth rotation, USSA76 drag with a constant ballistic coefficient)
   against ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-11) on our own right-hand side
   written from the equations (gravity ``gravity_j2_ecef``, the exact USSA76 layer equations,
   the WGS84 ellipsoidal height of pymap3d). Tolerance 5 m.
"""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest
from scipy.integrate import solve_ivp

from amdsim.battle.impact import ImpactPredictor
from amdsim.core.areas import DefendedAreas
from amdsim.core.constants import GM_EARTH_M3PS2, OMEGA_EARTH_RADPS, R_MEAN_EARTH_M
from amdsim.core.frames import LocalFrame
from amdsim.physics.atmosphere import atmosphere
from amdsim.physics.gravity import gravity_j2_ecef
from amdsim.tracking.batches import Tracks

FRAME = LocalFrame(31.5, 34.6, 0.0)
NO_AREAS = DefendedAreas(np.empty(0, object), np.empty(0), np.empty((0, 2)), np.empty(0), ())

STATES = [  # ENU [x, y, z, vx, vy, vz]
    [0.0, 0.0, 100.0, 150.0, 100.0, 250.0],  # short-range rocket (~15 km)
    [0.0, 0.0, 2000.0, 400.0, -300.0, 400.0],  # ~50 km
    [5000.0, -3000.0, 30000.0, 1200.0, 500.0, 900.0],  # SRBM-like, ~300 km
    [0.0, 0.0, 20000.0, 300.0, 0.0, -600.0],  # already descending
]


def _tracks(states, beta=np.nan):
    s = np.asarray(states, float)
    n = s.shape[0]
    return Tracks(
        np.arange(n), s, np.zeros((n, 6, 6)), np.ones(n, np.int8), np.zeros(n), np.full(n, beta)
    )


def _kepler_impact(r0, v0, radius):
    mu = GM_EARTH_M3PS2
    h = np.cross(r0, v0)
    hn = np.linalg.norm(h)
    e_vec = np.cross(v0, h) / mu - r0 / np.linalg.norm(r0)
    e = np.linalg.norm(e_vec)
    p = hn * hn / mu
    a = p / (1.0 - e * e)
    pv = e_vec / e
    qv = np.cross(h / hn, pv)
    nu0 = np.arctan2(np.dot(r0, qv), np.dot(r0, pv))
    nu_i = -np.arccos((p / radius - 1.0) / e)  # descending branch
    r_i = radius * (np.cos(nu_i) * pv + np.sin(nu_i) * qv)

    def mean_anomaly(nu):
        big_e = 2.0 * np.arctan(np.sqrt((1 - e) / (1 + e)) * np.tan(nu / 2.0))
        return big_e - e * np.sin(big_e)

    dm = (mean_anomaly(nu_i) - mean_anomaly(nu0)) % (2 * np.pi)
    return r_i, dm / np.sqrt(mu / a**3)


def test_vacuum_two_body_matches_kepler_conic():
    pred = ImpactPredictor(FRAME, NO_AREAS, earth_rotation=False, j2=False, sphere=True)
    res = pred.predict(_tracks(STATES), ballistic=np.ones(len(STATES), bool))
    for k, st in enumerate(STATES):
        r0 = FRAME.enu_to_ecef(np.asarray(st[:3]))
        v0 = FRAME.vec_enu_to_ecef(np.asarray(st[3:]))
        r_i, t_i = _kepler_impact(r0, v0, R_MEAN_EARTH_M)
        enu = FRAME.ecef_to_enu(r_i)
        assert np.hypot(*(res.assessment.impact_m[k] - enu[:2])) < 1.0
        assert res.assessment.t_impact_s[k] == pytest.approx(t_i, abs=0.01)


def _rhs(_t, y, inv_beta):
    r, v = y[:3], y[3:]
    w = np.array([0.0, 0.0, OMEGA_EARTH_RADPS])
    a = gravity_j2_ecef(r) - 2.0 * np.cross(w, v) - np.cross(w, np.cross(w, r))
    alt = float(pymap3d.ecef2geodetic(*r)[2])
    rho = float(atmosphere(np.array([alt]))[2][0])
    a = a - 0.5 * rho * np.linalg.norm(v) * v * inv_beta
    return np.concatenate([v, a])


def _ground(_t, y, _inv_beta):
    return float(pymap3d.ecef2geodetic(*y[:3])[2])


_ground.terminal = True  # type: ignore[attr-defined]
_ground.direction = -1  # type: ignore[attr-defined]


@pytest.mark.parametrize("beta", [np.inf, 3000.0, 800.0])
def test_full_model_matches_independent_integration(beta):
    states = STATES[:2]
    pred = ImpactPredictor(FRAME, NO_AREAS)
    res = pred.predict(
        _tracks(states, beta if np.isfinite(beta) else np.nan), ballistic=np.ones(2, bool)
    )
    for k, st in enumerate(states):
        y0 = np.concatenate(
            [FRAME.enu_to_ecef(np.asarray(st[:3])), FRAME.vec_enu_to_ecef(np.asarray(st[3:]))]
        )
        sol = solve_ivp(
            _rhs, (0.0, 2000.0), y0, method="DOP853", rtol=1e-11, atol=1e-6,
            events=_ground, args=(1.0 / beta,),
        )  # fmt: skip
        r_i = sol.y_events[0][0][:3]
        enu = FRAME.ecef_to_enu(r_i)
        assert np.hypot(*(res.assessment.impact_m[k] - enu[:2])) < 5.0
        assert res.assessment.t_impact_s[k] == pytest.approx(sol.t_events[0][0], abs=0.05)
