"""Regression guard (issue 9): small kernels timed against an anchor measured in the same run.

Each check times one of our kernels and a plain reference implementation of the same work
(the anchor) side by side, and compares the ratio ``ours / anchor`` with the ratio stored in
``benchmarks/guard_baseline.json``. It fails when the ratio grew more than ``TOLERANCE``
(5) times: an accidental 10x slowdown (a lost Numba kernel, a gate gone quadratic, a Python loop
per object) fails, machine speed and load do not (they move both sides). Times are CPU time of
this process (``time.process_time``), best of a few repeats; Numba kernels run serial.

Refresh the stored figures after a deliberate change with
``.venv/bin/python tests/unit/test_bench_guard.py --update``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

BASELINE = Path(__file__).resolve().parents[2] / "benchmarks" / "guard_baseline.json"
TOLERANCE = 5.0


def _best(fn: Callable[[], Any], repeats: int = 5) -> float:
    fn()  # warm (Numba compile / cache load, allocations)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return max(best, 1e-6)


# ---------------------------------------------------------------------------- cases
def case_flight() -> tuple[float, float]:
    """Numba RK4 step of 2,000 threats vs the NumPy reference step (physics.eom)."""
    import amdsim.physics.eom as eom

    rng = np.random.default_rng(1)
    n = 2000
    lat, lon = np.radians(31.5), np.radians(34.5)
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    pos = up * (6_372_000.0 + rng.uniform(1e3, 2e4, (n, 1)))
    vel = rng.normal(0.0, 400.0, (n, 3))
    mass = rng.uniform(20.0, 900.0, n)
    z = np.zeros(n)
    area = rng.uniform(0.005, 0.1, n)
    prof = np.zeros(n, np.int64)
    old = eom.PARALLEL_MIN
    eom.PARALLEL_MIN = 10**12
    try:
        ours = _best(lambda: eom.rk4_step_batch(pos, vel, mass, 0.1, z, z, area, prof))
        anchor = _best(lambda: eom.rk4_step_numpy(pos, vel, mass, 0.1, z, z, area, prof))
    finally:
        eom.PARALLEL_MIN = old
    return ours, anchor


def _gate_instance(n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(2)
    truth = rng.uniform(-50e3, 50e3, (n, 3))
    pred = truth + rng.normal(0.0, 50.0, (n, 3))
    pc = np.tile(np.diag([60.0**2, 60.0**2, 60.0**2]), (n, 1, 1))
    det = truth + rng.normal(0.0, 30.0, (n, 3))
    dc = np.tile(np.diag([30.0**2, 30.0**2, 30.0**2]), (n, 1, 1))
    return pred, pc, det, dc


def case_gate() -> tuple[float, float]:
    """k-d tree gate of 800 tracks x 800 detections vs the dense all-pairs Mahalanobis test."""
    from amdsim.tracking.association import gate

    pred, pc, det, dc = _gate_instance(800)

    def dense() -> np.ndarray:
        nu = det[None, :, :] - pred[:, None, :]
        s = pc[:, None] + dc[None, :]
        d2 = np.einsum("tdi,tdi->td", nu, np.linalg.solve(s, nu[..., None])[..., 0])
        return np.argwhere(d2 <= 11.34)

    assert len(gate(pred, pc, det, dc, 11.34).track) == len(dense())
    return _best(lambda: gate(pred, pc, det, dc, 11.34), 3), _best(dense, 2)


def case_log_gaussian() -> tuple[float, float]:
    """log N(nu; 0, S) of 20,000 3-vectors vs inverse + log-determinant by LAPACK."""
    from amdsim.tracking.filters import log_gaussian

    rng = np.random.default_rng(3)
    a = rng.normal(size=(20_000, 3, 3))
    s = a @ np.swapaxes(a, 1, 2) + 0.1 * np.eye(3)
    nu = rng.normal(size=(20_000, 3))

    def ref() -> np.ndarray:
        d2 = np.einsum("ni,nij,nj->n", nu, np.linalg.inv(s), nu)
        return -0.5 * (d2 + np.linalg.slogdet(s)[1] + 3 * np.log(2 * np.pi))

    np.testing.assert_allclose(log_gaussian(nu, s)[1], ref(), rtol=1e-7, atol=1e-7)
    return _best(lambda: log_gaussian(nu, s)), _best(ref)


def case_wta_greedy() -> tuple[float, float]:
    """Greedy marginal-return WTA, 20 weapon types x 300 targets, vs a naive NumPy greedy."""
    from amdsim.battle import solve_static_wta_detailed

    rng = np.random.default_rng(4)
    pk = rng.uniform(0.05, 0.9, (20, 300)) * (rng.random((20, 300)) < 0.6)
    value = rng.uniform(1.0, 100.0, 300)
    rounds = rng.integers(1, 6, 20)

    def naive() -> np.ndarray:
        left = rounds.copy()
        surv = np.ones(300)
        x = np.zeros((20, 300), np.int64)
        while left.any():
            gain = value * surv * pk * (left > 0)[:, None]
            i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
            if gain[i, j] <= 0:
                break
            x[i, j] += 1
            left[i] -= 1
            surv[j] *= 1.0 - pk[i, j]
        return x

    return _best(lambda: solve_static_wta_detailed(pk, value, rounds, "greedy")), _best(naive)


def _scene(n: int, n_scans: int, radars: int) -> list[Any]:
    """``n`` falling targets seen by ``radars`` radars scanning together at 1 Hz (Pd 0.9)."""
    from amdsim.sensors.batches import Detections

    rng = np.random.default_rng(5)
    p0 = np.column_stack([rng.uniform(-40e3, 40e3, (n, 2)), rng.uniform(3e3, 15e3, n)])
    v = rng.normal(0.0, 250.0, (n, 3))
    out = []
    for k in range(n_scans):
        t = 1.0 + k
        pos = p0 + v * t + np.array([0.0, 0.0, -4.9]) * t**2
        rows = [pos[rng.random(n) < 0.9] + rng.normal(0, 40.0, (1, 3)) for _ in range(radars)]
        z = np.vstack(rows)
        sens = np.concatenate([np.full(len(r), i, np.int64) for i, r in enumerate(rows)])
        nan = np.full(len(z), np.nan)
        cov = np.tile(np.eye(3) * 40.0**2, (len(z), 1, 1))
        out.append(Detections(np.full(len(z), t), sens, nan, nan, nan, z, cov, np.full(len(z), -1)))
    return out


def case_tracker() -> tuple[float, float]:
    """IMM tracker, 100 targets x 3 radars x 6 scans: Numba kernels vs the NumPy path."""
    import amdsim.tracking._kernels as kern
    from amdsim.core.frames import LocalFrame
    from amdsim.tracking.build import enu_gravity, make_tracker

    tr = make_tracker("imm", gravity_mps2=enu_gravity(LocalFrame(31.5, 34.5, 0.0)))
    scans = _scene(100, 6, 3)

    def run() -> None:
        tracks = tr.initial()
        for d in scans:
            tracks, _ = tr.update(tracks, d, float(d.t_s[0]))

    def numpy_path() -> None:
        kern.ENABLED = False
        try:
            run()
        finally:
            kern.ENABLED = True

    return _best(run, 3), _best(numpy_path, 2)


def case_radar() -> tuple[float, float]:
    """Radar look geometry of 200 targets, 50 scans: Numba kernel vs the NumPy reference."""
    from amdsim.core.frames import LocalFrame
    from amdsim.scenario import load_catalog
    from amdsim.sensors.build import make_radar

    frame = LocalFrame(31.7, 34.6, 0.0)
    radar = make_radar("r", 0, load_catalog().radars["elm2084"], frame, 31.72, 34.63)
    pos = np.random.default_rng(6).uniform(-60e3, 60e3, (200, 3))

    def ours() -> None:
        for _ in range(50):
            radar.look(pos)

    def anchor() -> None:
        for _ in range(50):
            radar.look_numpy(pos)

    return _best(ours), _best(anchor)


CASES: dict[str, Callable[[], tuple[float, float]]] = {
    "flight_rk4_numba_vs_numpy": case_flight,
    "tracking_gate_kdtree_vs_dense": case_gate,
    "tracking_log_gaussian_vs_lapack": case_log_gaussian,
    "battle_wta_greedy_vs_naive": case_wta_greedy,
    "tracking_imm_kernels_vs_numpy": case_tracker,
    "sensors_look_kernel_vs_numpy": case_radar,
}


def _baseline() -> dict[str, float]:
    return {k: float(v) for k, v in json.loads(BASELINE.read_text())["ratios"].items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ratio_not_regressed(name: str) -> None:
    stored = _baseline()
    assert name in stored, f"no stored ratio for {name}: run {__file__} --update"
    ours, anchor = CASES[name]()
    ratio = ours / anchor
    assert ratio <= TOLERANCE * stored[name], (
        f"{name}: ours/anchor = {ratio:.3g} ({ours * 1e3:.2f} ms / {anchor * 1e3:.2f} ms), "
        f"stored {stored[name]:.3g}: more than {TOLERANCE:g}x slower relative to the anchor"
    )


def _update() -> None:
    import datetime as dt

    ratios = {}
    for name, fn in CASES.items():
        ours, anchor = fn()
        ratios[name] = round(ours / anchor, 5)
        print(
            f"{name}: ours {ours * 1e3:.2f} ms, anchor {anchor * 1e3:.2f} ms, ratio {ratios[name]}"
        )
    BASELINE.write_text(
        json.dumps(
            {
                "note": "ours/anchor CPU-time ratios of tests/unit/test_bench_guard.py; "
                "the test fails when a ratio grows more than 5x",
                "measured": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "ratios": ratios,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    if "--update" in sys.argv:
        _update()
