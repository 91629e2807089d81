"""The tracker's Numba kernels against the NumPy reference code they replace.

Each kernel must reproduce the vectorised NumPy functions (``filters``, ``models``,
``association``, ``_management``) to rounding; the whole tracker with the kernels must give
the same events and tracks as with ``_kernels.ENABLED = False``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from amdsim.core.frames import LocalFrame
from amdsim.sensors.batches import Detections
from amdsim.tracking import _kernels as kern
from amdsim.tracking import make_tracker
from amdsim.tracking.association import gate, gnn_assign
from amdsim.tracking.build import enu_gravity
from amdsim.tracking.filters import kf_update_position, log_gaussian, mixture_moments
from amdsim.tracking.models import FlatAltitude


def _spd(rng: np.random.Generator, n: int, d: int, scale: np.ndarray) -> np.ndarray:
    a = rng.normal(size=(n, d, d)) * scale[None, :, None]
    return a @ np.swapaxes(a, 1, 2) + np.diag(scale**2 * 0.1)[None]


def _imm_state(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    d, m = 7, 2
    x = np.zeros((n, m, d))
    x[..., 0:3] = rng.uniform(-50e3, 50e3, (n, 1, 3)) + rng.normal(0, 50, (n, m, 3))
    x[..., 2] = np.abs(x[..., 2]) + 100.0
    x[..., 3:6] = rng.normal(0, 400, (n, 1, 3)) + rng.normal(0, 10, (n, m, 3))
    x[..., 6] = rng.uniform(1e-5, 5e-4, (n, m))
    scale = np.array([50.0, 50.0, 50.0, 20.0, 20.0, 20.0, 1e-4])
    p = _spd(rng, n * m, d, scale).reshape(n, m, d, d)
    mu = rng.uniform(0.05, 1.0, (n, m))
    mu /= mu.sum(axis=1, keepdims=True)
    return {"ms": x, "mc": p, "mu": mu}


def _trackers():
    frame = LocalFrame(31.5, 34.5, 120.0)
    yield make_tracker("imm")  # uniform gravity, flat altitude
    yield make_tracker("imm", gravity_mps2=enu_gravity(frame), altitude_m=FlatAltitude(frame.alt_m))
    yield make_tracker("ballistic")
    yield make_tracker("cv")


@pytest.mark.parametrize("mix", [True, False])
@pytest.mark.parametrize("dt", [0.0, 0.1, 1.3])
def test_imm_predict_matches_numpy(mix: bool, dt: float) -> None:
    rng = np.random.default_rng(1)
    for tr in _trackers():
        assert tr._spec.predict
        st = _imm_state(rng, 40)
        m = tr.n_modes
        d = tr.dim
        base = {
            "ids": np.arange(40),
            "ms": st["ms"][:, :m, :d].copy(),
            "mc": st["mc"][:, :m, :d, :d].copy(),
            "mu": st["mu"][:, :m] / st["mu"][:, :m].sum(axis=1, keepdims=True),
            "t_state": np.full(40, 10.0),
        }
        base["t_state"][::3] = 10.0 + dt  # some tracks already at the target time
        out = {}
        for on in (True, False):
            kern.ENABLED = on
            try:
                s = {k: v.copy() for k, v in base.items()}
                tr._predict_modes(s, 10.0 + dt, mix=mix)
                out[on] = s
            finally:
                kern.ENABLED = True
        for k in ("ms", "mc", "mu", "t_state"):
            np.testing.assert_allclose(out[True][k], out[False][k], rtol=1e-9, atol=1e-12)
        # the prediction did something (the comparison cannot pass vacuously)
        if dt > 0:
            assert not np.allclose(out[True]["ms"][1::3], base["ms"][1::3])


def test_negative_b_estimate_gives_no_anti_drag() -> None:
    """A negative ``b`` estimate (a boosting rocket fitted as negative drag) must not
    accelerate the track: the drag uses ``max(b, 0)``, in the NumPy model and the kernel.
    A fast track (3 km/s at 2 km, b = -5e-4) predicted over 3 s keeps its speed to within
    gravity (before the clamp it ran away to ~1e9 m/s)."""
    tr = make_tracker("imm")
    x = np.array([0.0, 0.0, 2000.0, 3000.0, 0.0, 0.0, -5e-4])
    speeds = {}
    for on in (True, False):
        kern.ENABLED = on
        try:
            s = {
                "ids": np.arange(1),
                "ms": np.tile(x, (1, 2, 1)),
                "mc": np.tile(np.eye(7) * 100.0, (1, 2, 1, 1)),
                "mu": np.array([[0.5, 0.5]]),
                "t_state": np.zeros(1),
            }
            tr._predict_modes(s, 3.0, mix=False)
            speeds[on] = np.linalg.norm(s["ms"][0, 1, 3:6])
            assert np.all(np.isfinite(s["mc"]))
        finally:
            kern.ENABLED = True
    assert speeds[True] == pytest.approx(speeds[False], rel=1e-12)
    assert speeds[True] <= 3000.0 + 3.0 * 9.81


def test_mixture_kernels_match_numpy() -> None:
    st = _imm_state(np.random.default_rng(2), 30)
    x_ref, p_ref = mixture_moments(st["mu"], st["ms"], st["mc"])
    x, p = kern.mixture(st["mu"], st["ms"], st["mc"])
    np.testing.assert_allclose(x, x_ref, rtol=1e-12)
    np.testing.assert_allclose(p, p_ref, rtol=1e-10, atol=1e-14)
    xp, pp = kern.mixture_pos(st["mu"], st["ms"], st["mc"])
    np.testing.assert_allclose(xp, x_ref[:, 0:3], rtol=1e-12)
    np.testing.assert_allclose(pp, p_ref[:, 0:3, 0:3], rtol=1e-10)


def _scene(rng: np.random.Generator, n: int, m: int):
    px = rng.uniform(-20e3, 20e3, (n, 3))
    pp = _spd(rng, n, 3, rng.uniform(20.0, 400.0, 3))
    pp[: n // 10] *= 400.0  # a few wide (tentative) tracks
    near = px[rng.integers(0, n, m)] + rng.normal(0, 150.0, (m, 3))
    z = np.where(rng.random((m, 1)) < 0.8, near, rng.uniform(-20e3, 20e3, (m, 3)))
    r = _spd(rng, m, 3, rng.uniform(10.0, 300.0, 3))
    r[: m // 8] *= 100.0  # a few far, noisy detections
    return px, pp, z, r


def test_gate_kernel_finds_the_same_pairs() -> None:
    rng = np.random.default_rng(3)
    gamma = 16.27
    for n, m in [(0, 5), (5, 0), (1, 1), (60, 50), (300, 220)]:
        px, pp, z, r = _scene(rng, max(n, 1), max(m, 1))
        px, pp, z, r = px[:n], pp[:n], z[:m], r[:m]
        ref = gate(px, pp, z, r, gamma)
        ti, dj, d2, ll, ok = kern.gate_pairs(px, pp, z, r, gamma)
        assert ok
        o_ref = np.lexsort((ref.det, ref.track))
        o = np.lexsort((dj, ti))
        np.testing.assert_array_equal(ti[o], ref.track[o_ref])
        np.testing.assert_array_equal(dj[o], ref.det[o_ref])
        np.testing.assert_allclose(d2[o], ref.d2[o_ref], rtol=1e-12)
        np.testing.assert_allclose(ll[o], ref.loglik[o_ref], rtol=1e-12)
        if n >= 60:
            assert ti.size > n // 2  # non-trivial: most tracks gate something


def test_gate_kernel_falls_back_for_singular_and_flags_failure() -> None:
    px = np.zeros((1, 3))
    z = np.array([[1.0, 0.0, 0.0]])
    r = np.zeros((1, 3, 3))
    pp = np.diag([1.0, 1.0, 0.0])[None]  # singular S: jittered Cholesky
    ti, _, d2, ll, ok = kern.gate_pairs(px, pp, z, r, 16.0)
    ref_d2, ref_ll = log_gaussian(z - px, pp + r)
    assert ok and ti.tolist() == [0]
    assert d2[0] == pytest.approx(ref_d2[0], rel=1e-9)
    assert ll[0] == pytest.approx(ref_ll[0], rel=1e-9)
    bad = np.diag([10.0, 10.0, -1.0])[None]  # indefinite: NumPy raises, the kernel flags it
    with pytest.raises(np.linalg.LinAlgError):
        gate(px, bad, z, r, 16.0)
    assert not kern.gate_pairs(px, bad, z, r, 16.0)[4]


def test_lsap_matches_scipy() -> None:
    rng = np.random.default_rng(4)
    for nr, nc in [(1, 1), (2, 5), (4, 4), (6, 12), (9, 20)]:
        for _ in range(20):
            c = rng.uniform(0, 10, (nr, nc))
            c[rng.random((nr, nc)) < 0.3] = kern._BIG
            cols = kern.lsap(c)
            rows_ref, cols_ref = linear_sum_assignment(c)
            assert len(set(cols.tolist())) == nr
            assert c[np.arange(nr), cols].sum() == pytest.approx(c[rows_ref, cols_ref].sum())


def test_gnn_kernel_matches_numpy_two_stage() -> None:
    rng = np.random.default_rng(5)
    gamma = 16.27
    for n, m in [(40, 30), (200, 160), (300, 320)]:
        px, pp, z, r = _scene(rng, n, m)
        status = (rng.random(n) < 0.7).astype(np.int8)
        pairs = gate(px, pp, z, r, gamma)
        conf = status[pairs.track] == 1
        t1, d1 = gnn_assign(pairs.subset(conf), n, m, gamma)
        used = np.zeros(m, bool)
        used[d1] = True
        t2, d2 = gnn_assign(pairs.subset(~conf & ~used[pairs.det]), n, m, gamma)
        ref = sorted(zip(np.r_[t1, t2].tolist(), np.r_[d1, d2].tolist(), strict=True))
        at, ad = kern.gnn_two_stage(
            pairs.track, pairs.det, pairs.d2, pairs.loglik, status, n, m, gamma
        )
        got = sorted(zip(at.tolist(), ad.tolist(), strict=True))
        assert got == ref
        assert len(got) > n // 4


def test_kf_update_kernel_matches_numpy() -> None:
    rng = np.random.default_rng(6)
    st = _imm_state(rng, 25)
    n = 25
    ti = rng.permutation(n)[:15]
    dj = np.arange(15)
    z = st["ms"][ti, 0, 0:3] + rng.normal(0, 60.0, (15, 3))
    r = _spd(rng, 15, 3, np.array([30.0, 30.0, 50.0]))
    ms, mc, mu = st["ms"].copy(), st["mc"].copy(), st["mu"].copy()
    assert kern.kf_update_imm(ms, mc, mu, ti, dj, z, r)
    ll = np.zeros((15, 2))
    for j in range(2):
        x_ref, p_ref, nu, s = kf_update_position(st["ms"][ti, j], st["mc"][ti, j], z, r)
        np.testing.assert_allclose(ms[ti, j], x_ref, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(mc[ti, j], p_ref, rtol=1e-8, atol=1e-12)
        ll[:, j] = log_gaussian(nu, s)[1]
    w = np.log(st["mu"][ti]) + ll
    w = np.exp(w - w.max(axis=1, keepdims=True))
    np.testing.assert_allclose(mu[ti], w / w.sum(axis=1, keepdims=True), rtol=1e-9)
    rest = np.setdiff1d(np.arange(n), ti)
    np.testing.assert_array_equal(ms[rest], st["ms"][rest])
    np.testing.assert_array_equal(mu[rest], st["mu"][rest])


def _raid(
    seed: int, lag_s: float = 0.2, radars: tuple[tuple[int, float], ...] = ((0, 40.0), (1, 90.0))
) -> list[Detections]:
    """Ten ballistic-ish targets seen by radars ``(index, sigma_m)`` at 1 Hz, with misses and
    clutter; radar ``i`` scans ``lag_s * i`` after the second (0: all at the same instant)."""
    rng = np.random.default_rng(seed)
    p0 = rng.uniform(-30e3, 30e3, (10, 3))
    p0[:, 2] = rng.uniform(3e3, 15e3, 10)
    v = rng.normal(0, 300, (10, 3))
    out = []
    for k in range(25):
        t = 1.0 + k
        rows_p, rows_s, rows_c = [], [], []
        for sensor, sig in radars:
            pos = p0 + v * t + np.array([0, 0, -4.9]) * t**2
            seen = rng.random(10) < 0.85
            meas = pos[seen] + rng.normal(0, sig, (seen.sum(), 3))
            clutter = rng.uniform(-40e3, 40e3, (rng.poisson(3), 3))
            for p in (meas, clutter):
                rows_p.append(p)
                rows_s.append(np.full(len(p), sensor))
                rows_c.append(np.tile(np.eye(3) * sig**2, (len(p), 1, 1)))
        pos_m = np.vstack(rows_p)
        nrow = len(pos_m)
        sens = np.concatenate(rows_s).astype(np.int64)
        nan = np.full(nrow, np.nan)
        out.append(
            Detections(
                np.full(nrow, t) + lag_s * sens,
                sens,
                nan,
                nan,
                nan,
                pos_m,
                np.concatenate(rows_c),
                np.full(nrow, -1, np.int64),
            )
        )
    return out


@pytest.mark.parametrize(
    "lag_s, radars",
    [
        (0.2, ((0, 40.0), (1, 90.0))),
        (0.0, ((0, 40.0), (1, 90.0), (2, 60.0))),  # several scans per instant
    ],
)
def test_tracker_with_kernels_equals_reference_path(
    lag_s: float, radars: tuple[tuple[int, float], ...]
) -> None:
    frame = LocalFrame(31.5, 34.5, 50.0)
    results = {}
    for on in (True, False):
        kern.ENABLED = on
        try:
            tr = make_tracker("imm", gravity_mps2=enu_gravity(frame), altitude_m=FlatAltitude(50.0))
            tracks = tr.initial()
            evs = []
            for k, d in enumerate(_raid(7, lag_s, radars)):
                tracks, ev = tr.update(tracks, d, 1.5 + k)
                evs.append(ev)
                if k == 12:
                    tracks, ev = tr.drop(tracks, tracks.track_id[:2], 1.5 + k)
                    evs.append(ev)
            results[on] = (tracks, evs)
        finally:
            kern.ENABLED = True
    (tk, ek), (tn, en) = results[True], results[False]
    n_init = sum(int((e.kind == "track_init").sum()) for e in ek)
    assert n_init >= 8  # the targets were tracked
    assert any((e.kind == "track_drop").any() for e in ek)
    for a, b in zip(ek, en, strict=True):
        assert a.kind.tolist() == b.kind.tolist()
        assert a.reason.tolist() == b.reason.tolist()
        np.testing.assert_array_equal(a.track_id, b.track_id)
        np.testing.assert_array_equal(a.t_s, b.t_s)
        np.testing.assert_allclose(a.x_m, b.x_m, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(tk.track_id, tn.track_id)
    np.testing.assert_array_equal(tk.status, tn.status)
    np.testing.assert_array_equal(tk.hist, tn.hist)
    np.testing.assert_allclose(tk.state, tn.state, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(tk.cov, tn.cov, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(tk.mode_prob, tn.mode_prob, rtol=1e-7, atol=1e-12)


def test_unsupported_filters_use_the_numpy_path() -> None:
    assert not make_tracker("cv", filter="ukf")._spec.predict
    assert not make_tracker("ca")._spec.predict
    assert not make_tracker("imm", gravity_mps2=lambda p: np.zeros_like(p))._spec.predict
    assert make_tracker("imm")._spec.predict


def test_gate_skips_a_track_predicted_to_infinity() -> None:
    """A track with an infinite covariance (e.g. predicted across 1e300 s) gates nothing and
    does not fail the scan; the finite track beside it still gates."""
    px = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    pp = np.stack([np.diag([np.inf, np.inf, np.inf]), np.eye(3) * 100.0])
    z = np.array([[5.0, 0.0, 0.0]])
    r = np.eye(3)[None] * 100.0
    ti, dj, _d2, _ll, ok = kern.gate_pairs(px, pp, z, r, 16.0)
    assert ok
    assert ti.tolist() == [1] and dj.tolist() == [0]
