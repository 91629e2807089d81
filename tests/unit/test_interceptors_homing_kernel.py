"""The Numba flyout kernel (amdsim.interceptors._homing_kernel) against the NumPy reference.

``advance(..., reference=True)`` runs the NumPy code the kernel transcribes; both are run in
lockstep on the same inputs each step and must agree to rounding (1e-9 relative), with the
same ends, reasons, kill draws and random stream.
"""

from __future__ import annotations

import pickle
from dataclasses import fields

import numpy as np
import pytest

from amdsim.interceptors import _homing_kernel as hk
from amdsim.interceptors.flyouts import MODE_MISSILE, Flyouts
from amdsim.interceptors.homing import advance, closest_approach
from amdsim.interceptors.kinematics import (
    _CD_SHAPE,
    CD_MACH,
    InterceptorTable,
    _interp,
    gravity_mps2,
    launch_velocity,
)
from amdsim.scenario import load_catalog
from amdsim.tracking.batches import Tracks

RTOL = 1e-9


def _table(types: list[str]) -> InterceptorTable:
    inter = dict(load_catalog().interceptors)
    inter["tamir_ppn"] = inter["tamir"].model_copy(update={"guidance": "ppn"})
    inter["tamir_short"] = inter["tamir"].model_copy(update={"max_flight_time_s": 8.0})
    return InterceptorTable.from_types({t: inter[t] for t in types})


def _raid(n: int, seed: int) -> tuple[Flyouts, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` rounds of mixed types (PN, pure PN, augmented PN) each fired at its own threat;
    returns the flyouts, truth position / velocity and a per-threat track bias (m)."""
    tab = _table(["tamir", "tamir_ppn", "pac3_mse", "stunner", "tamir_short"])
    rng = np.random.default_rng(seed)
    ids = np.arange(n, dtype=np.int64)
    k = ids % len(tab)
    launcher = np.column_stack([rng.uniform(-20e3, 20e3, (n, 2)), np.zeros(n)])
    az = rng.uniform(0, 2 * np.pi, n)
    ground = rng.uniform(6e3, 25e3, n)
    tgt = launcher + np.column_stack(
        [ground * np.sin(az), ground * np.cos(az), rng.uniform(2e3, 12e3, n)]
    )
    speed = rng.uniform(150.0, 1000.0, n)
    tvel = np.column_stack([-speed * np.sin(az), -speed * np.cos(az), rng.uniform(-300.0, 0.0, n)])
    tvel[::7, :2] *= -1.0  # some fly away
    bias = rng.normal(0.0, 40.0, (n, 3))
    bias[::11] += 4000.0  # tracks far from the truth: no seeker acquisition
    vel0 = launch_velocity(launcher, tgt + tvel * 12.0, tab.loft_rad[k])
    f = Flyouts(
        tab, ids, ids % 3, k, np.full(n, MODE_MISSILE, np.int8), ids, np.full(n, -1, np.int64),
        launcher, vel0, rng.uniform(-0.6, 0.0, n), tgt + bias, tvel.copy(), np.zeros(n, bool),
        np.full(n, np.inf), np.full(n, np.nan), np.full(n, np.inf), np.zeros(n),
    )  # fmt: skip
    return f, tgt, tvel, bias


def _same(a: object, b: object, what: str) -> None:
    for name in [x.name for x in fields(a) if x.name != "table"]:  # type: ignore[arg-type]
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape and x.dtype == y.dtype, (what, name)
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=RTOL, atol=1e-9, err_msg=f"{what}.{name}")
        else:
            assert np.array_equal(x, y), (what, name, x, y)


def test_kernel_matches_reference_in_lockstep() -> None:
    f, p, v, bias = _raid(80, seed=3)
    n = len(f)
    ids = np.arange(n, dtype=np.int64)
    beta = np.where(ids % 2 == 0, 1500.0, np.nan)  # ballistic and non-ballistic tracks
    rng_k = np.random.Generator(np.random.PCG64(11))
    rng_r = np.random.Generator(np.random.PCG64(11))
    t, dt = 0.0, 0.1
    reasons: set[str] = set()
    for step in range(450):
        if not len(f):
            break
        p = p + v * dt + 0.5 * gravity_mps2(p) * dt**2
        v = v + gravity_mps2(p) * dt
        alive = np.flatnonzero((ids % 13 != 5) | (t < 6.0))  # some threats vanish (impact)
        held = np.flatnonzero((ids % 17 != 3) | (t < 2.0))  # some tracks are dropped
        tracks = Tracks(ids[held], np.hstack([p + bias, v])[held], np.zeros((held.size, 6, 6)),
                        np.ones(held.size, np.int8), np.full(held.size, t + dt), beta[held])  # fmt: skip
        args = (f, t, dt, tracks, ids[alive], p[alive], v[alive])
        fk, ok, ek = advance(*args, rng_k)
        fr, orf, er = advance(*args, rng_r, reference=True)
        _same(fk, fr, f"step {step} flyouts")
        _same(ok, orf, f"step {step} outcomes")
        ck, cr = ek.columns(), er.columns()
        for c in ck:
            if ck[c].dtype.kind == "f":
                np.testing.assert_allclose(ck[c], cr[c], rtol=RTOL, atol=1e-9, err_msg=c)
            else:
                assert np.array_equal(ck[c], cr[c]), (step, c, ck[c], cr[c])
        assert rng_k.bit_generator.state == rng_r.bit_generator.state
        reasons |= {" ".join(r.split()[:2]) for r in er.reason}
        f, t = fr, t + dt
    # the comparison covered the ways a missile engagement ends
    expected = {"kill (Pk", "miss distance", "no kill:", "target no", "passed the", "zero closing",
                "fuel/time exhausted", "hit the", "target behind"}  # fmt: skip
    assert expected <= reasons, expected - reasons


def test_scalar_closest_approach_matches_numpy() -> None:
    rng = np.random.default_rng(2)
    r0, w0 = rng.normal(size=(50, 3)) * 100.0, rng.normal(size=(50, 3)) * 1000.0
    r1, w1 = r0 + w0 * 0.01 + rng.normal(size=(50, 3)), w0 + rng.normal(size=(50, 3)) * 10.0
    s_ref, d_ref = closest_approach(r0, w0, r1, w1, 0.01)
    got = np.array([hk.closest(r0[i], w0[i], r1[i], w1[i], 0.01) for i in range(50)])
    np.testing.assert_allclose(got[:, 0], s_ref, rtol=0, atol=0)
    np.testing.assert_allclose(got[:, 1], d_ref, rtol=1e-12)


def test_scalar_interp_is_numpy_interp() -> None:
    x = np.concatenate([CD_MACH, CD_MACH[:-1] + np.diff(CD_MACH) / 3, [-1.0, 0.0, 1e9, np.nan]])
    got = np.array([_interp(xi, CD_MACH, _CD_SHAPE) for xi in x])
    ref = np.interp(x, CD_MACH, _CD_SHAPE)
    assert np.array_equal(got, ref, equal_nan=True)


def test_table_pickles() -> None:
    tab = _table(["tamir", "thaad"] if "thaad" in load_catalog().interceptors else ["tamir"])
    back = pickle.loads(pickle.dumps(tab))
    assert back.names == tab.names and np.array_equal(back.kinematic_params, tab.kinematic_params)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_batch_sizes(n: int) -> None:
    f, p, v, _ = _raid(max(n, 1), seed=1)
    f = f.select(np.arange(n))
    ids = np.arange(n, dtype=np.int64)
    tracks = Tracks(ids, np.hstack([p[:n], v[:n]]), np.zeros((n, 6, 6)), np.ones(n, np.int8),
                    np.full(n, 0.1), np.full(n, np.nan))  # fmt: skip
    out = [advance(f, 0.0, 0.1, tracks, ids, p[:n], v[:n], np.random.default_rng(0), reference=r)
           for r in (False, True)]  # fmt: skip
    _same(out[0][0], out[1][0], "flyouts")
    assert len(out[0][0]) == n
