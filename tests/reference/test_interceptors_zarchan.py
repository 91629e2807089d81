"""Proportional navigation against Zarchan's textbook results (public-figures §4.3).

Source: P. Zarchan, *Tactical and Strategic Missile Guidance* (AIAA), ch. 2 (zero-lag PN
closed forms, listing C2L1) and ch. 3/8 (single-lag linear homing loop, listing C8L1); the
numeric tables are the CALC values of shared/reference/public-figures.md §4.3 (independent
integrations). Tolerances are in the table's units (ft/s^2, g, s, normalised miss).
"""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.interceptors.guidance import TruePN
from amdsim.interceptors.homing import closest_approach
from amdsim.interceptors.linear_homing import simulate_linear_homing

G_FTPS2 = 32.2
VM, VC, NT = 3000.0, 4000.0, 96.6
HE = np.radians(-20.0)


# (a) zero-lag linearised PN: closed forms ------------------------------------------------
@pytest.mark.parametrize("n", [3.0, 4.0, 5.0])
def test_zero_lag_heading_error_matches_closed_form(n: float) -> None:
    tf = 10.0
    res = simulate_linear_homing(n, tf, VC, VM, heading_error_rad=HE)
    t = res.t_s[:, 0]
    closed = -VM * HE * n / tf * (1.0 - t / tf) ** (n - 2.0)
    use = t < tf - 0.1  # the command is singular in the last instants (public-figures §4.3)
    assert np.max(np.abs(res.n_c[use, 0] - closed[use])) < 0.5  # ft/s^2
    # public-figures §4.3 table: linear n_c(0) = 314.2 / 418.9 / 523.6 ft/s^2
    assert res.n_c[0, 0] == pytest.approx({3.0: 314.2, 4.0: 418.9, 5.0: 523.6}[n], abs=0.1)
    assert abs(res.miss[0]) < 1e-3  # ft: zero miss for N' > 2


@pytest.mark.parametrize("n", [3.0, 4.0, 5.0])
def test_zero_lag_step_manoeuvre_matches_closed_form(n: float) -> None:
    tf = 10.0
    res = simulate_linear_homing(n, tf, VC, VM, target_accel=NT)
    t = res.t_s[:, 0]
    closed = NT * n / (n - 2.0) * (1.0 - (1.0 - t / tf) ** (n - 2.0))
    use = t < tf - 0.1
    assert np.max(np.abs(res.n_c[use, 0] - closed[use])) < 0.5
    # n_c(t_F)/n_T -> N'/(N'-2) = 3.000 / 2.000 / 1.667 (public-figures §4.3)
    assert closed[use][-1] / NT == pytest.approx(n / (n - 2.0), abs=0.05)
    assert abs(res.miss[0]) < 1e-3


# (c) single-lag linear homing loop, normalised miss --------------------------------------
RATIOS = np.array([1, 2, 3, 4, 5, 6, 8, 10], float)
TABLE_HE = {
    3: [-0.184, -0.000, 0.075, 0.073, 0.051, 0.030, 0.008, 0.002],
    4: [-0.061, 0.090, 0.075, 0.024, -0.006, -0.015, -0.010, -0.003],
    5: [0.015, 0.090, 0.019, -0.024, -0.027, -0.015, 0.001, 0.003],
}
TABLE_NT = {
    3: [0.184, 0.271, 0.224, 0.147, 0.084, 0.045, 0.011, 0.002],
    4: [0.123, 0.090, 0.000, -0.049, -0.056, -0.045, -0.018, -0.005],
    5: [0.077, 0.000, -0.056, -0.049, -0.021, 0.000, 0.011, 0.006],
}


def test_single_lag_normalised_miss_table() -> None:
    """Listing C8L1 set-up (tau = 1 s); sign convention: y = target minus missile,
    HE miss / (V_M HE tau), manoeuvre miss / (n_T tau^2), as in the public-figures table."""
    tau = 1.0
    gains = np.repeat([3.0, 4.0, 5.0], RATIOS.size)
    tf = np.tile(RATIOS, 3) * tau
    he = simulate_linear_homing(gains, tf, VC, VM, heading_error_rad=HE, tau_s=tau)
    nt = simulate_linear_homing(gains, tf, VC, VM, target_accel=NT, tau_s=tau)
    got_he = (he.miss / (VM * HE * tau)).reshape(3, -1)
    got_nt = (nt.miss / (NT * tau**2)).reshape(3, -1)
    for i, n in enumerate((3, 4, 5)):
        np.testing.assert_allclose(got_he[i], TABLE_HE[n], atol=0.003)
        np.testing.assert_allclose(got_nt[i], TABLE_NT[n], atol=0.003)
    # textbook behaviour: both misses ~0 once t_F >= 10 tau
    assert np.all(np.abs(got_he[:, -1]) < 0.01) and np.all(np.abs(got_nt[:, -1]) < 0.01)


# (b) nonlinear two-dimensional engagement, listing C2L1 geometry --------------------------
C2L1 = {  # N': (flight time s, n_c(0) g, n_c at 2/5/8 s in g), public-figures §4.3 (CALC)
    3.0: (10.63, 9.13, (7.32, 4.74, 2.21)),
    4.0: (10.58, 12.17, (7.92, 3.34, 0.71)),
    5.0: (10.56, 15.21, (8.02, 2.19, 0.21)),
}


GAINS = (3.0, 4.0, 5.0)


@pytest.fixture(scope="module")
def c2l1() -> dict[float, tuple[float, float, dict[float, float]]]:
    """RK4 integration (2 ms) of the planar engagement for N' = 3, 4, 5 at once, with the
    package's TruePN law; returns flight time, miss and |n_c| (g) at 0/2/5/8 s per gain."""
    law, h = TruePN(), 2e-3
    gain = np.array(GAINS)
    m = gain.size
    vt = np.tile([-1000.0, 0.0, 0.0], (m, 1))

    def accel(x: np.ndarray) -> np.ndarray:
        pm, vm, pt = x[:, 0:3], x[:, 3:6], x[:, 6:9]
        return law.command(pt - pm, vt - vm, vm, np.zeros((m, 3)), gain)

    def f(x: np.ndarray) -> np.ndarray:
        return np.hstack([x[:, 3:6], accel(x), vt])

    x = np.tile(
        np.concatenate(
            [
                [0.0, 10000.0, 0.0],
                VM * np.array([np.cos(HE), np.sin(HE), 0.0]),
                [40000.0, 10000.0, 0.0],
            ]
        ),
        (m, 1),
    )
    t, out, marks = 0.0, {}, {g: {} for g in GAINS}
    while len(out) < m and t < 20.0:
        for tm in (0.0, 2.0, 5.0, 8.0):
            if abs(t - tm) < h / 2:
                for i, g in enumerate(GAINS):
                    marks[g][tm] = float(np.linalg.norm(accel(x)[i])) / G_FTPS2
        k1 = f(x)
        k2 = f(x + h / 2 * k1)
        k3 = f(x + h / 2 * k2)
        k4 = f(x + h * k3)
        x1 = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        r0, r1 = x[:, 6:9] - x[:, 0:3], x1[:, 6:9] - x1[:, 0:3]
        w0, w1 = vt - x[:, 3:6], vt - x1[:, 3:6]
        for i, g in enumerate(GAINS):
            if g not in out and r1[i] @ w1[i] >= 0.0 > r0[i] @ w0[i]:
                s, d = closest_approach(
                    r0[i : i + 1], w0[i : i + 1], r1[i : i + 1], w1[i : i + 1], h
                )
                out[g] = (t + float(s[0]) * h, float(d[0]), marks[g])
        x, t = x1, t + h
    assert len(out) == m, "no closest approach"
    return out


@pytest.mark.parametrize("n", GAINS)
def test_c2l1_nonlinear_engagement(n: float, c2l1: dict) -> None:
    t_f, miss, marks = c2l1[n]
    tf_ref, nc0, (nc2, nc5, nc8) = C2L1[n]
    assert t_f == pytest.approx(tf_ref, abs=0.01)  # s
    assert miss < 1.0  # ft (reference ~0: what remains is the 2 ms integration step)
    assert marks[0.0] == pytest.approx(nc0, abs=0.02)  # g
    assert marks[2.0] == pytest.approx(nc2, abs=0.02)
    assert marks[5.0] == pytest.approx(nc5, abs=0.02)
    assert marks[8.0] == pytest.approx(nc8, abs=0.02)
