"""Kill statistics match the configured Pk (Clopper-Pearson bounds, fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from amdsim.interceptors.flyouts import MODE_GUN, MODE_LASER, MODE_MISSILE, Flyouts
from amdsim.interceptors.homing import advance
from amdsim.interceptors.kinematics import InterceptorTable, launch_velocity
from amdsim.scenario import load_catalog
from amdsim.tracking.batches import Tracks

N = 400


def _clopper_pearson(k: int, n: int, alpha: float = 1e-3) -> tuple[float, float]:
    lo = beta.ppf(alpha / 2, k, n - k + 1) if k > 0 else 0.0
    hi = beta.ppf(1 - alpha / 2, k + 1, n - k) if k < n else 1.0
    return float(lo), float(hi)


def _setup(mode: int, pk: float) -> tuple[Flyouts, Tracks, np.ndarray, np.ndarray]:
    tab = InterceptorTable.from_types({"tamir": load_catalog().interceptors["tamir"]})
    ids = np.arange(N, dtype=np.int64)
    # independent shots on a 20 x 20 grid, 6 km apart so each seeker finds only its own target
    x, y = 6000.0 * (ids % 20) - 60_000.0, 6000.0 * (ids // 20) - 60_000.0
    tgt = np.stack([x + 8000.0, y, np.full(N, 3000.0)], axis=1)
    launcher = np.stack([x, y, np.zeros(N)], axis=1)
    zeros3 = np.zeros((N, 3))
    missile = mode == MODE_MISSILE
    f = Flyouts(
        tab, ids, np.zeros(N, np.int64), np.zeros(N, np.int64) if missile else np.full(N, -1),
        np.full(N, mode, np.int8), ids, np.full(N, -1, np.int64), launcher,
        launch_velocity(launcher, tgt, np.full(N, tab.loft_rad[0])) if missile else zeros3,
        np.zeros(N), tgt.copy(), zeros3.copy(), np.zeros(N, bool),
        np.full(N, np.inf) if missile else np.full(N, 0.05), np.full(N, np.nan if missile else pk),
        np.full(N, np.inf if missile else 10_000.0), np.zeros(N),
    )  # fmt: skip
    tracks = Tracks(ids, np.hstack([tgt, zeros3]), np.zeros((N, 6, 6)), np.ones(N, np.int8),
                    np.zeros(N), np.full(N, np.nan))  # fmt: skip
    return f, tracks, ids, tgt


def _kills(mode: int, pk: float, seed: int) -> tuple[int, int]:
    f, tracks, ids, tgt = _setup(mode, pk)
    rng = np.random.Generator(np.random.PCG64(seed))
    t, kills, ends = 0.0, 0, 0
    while len(f) and t < 60.0:
        f, out, _ev = advance(f, t, 0.1, tracks, ids, tgt, np.zeros_like(tgt), rng)
        kills += int(out.kill.sum())
        ends += len(out)
        t += 0.1
    return kills, ends


@pytest.mark.parametrize(("mode", "seed"), [(MODE_MISSILE, 11), (MODE_GUN, 12), (MODE_LASER, 13)])
def test_kill_fraction_matches_pk(mode: int, seed: int) -> None:
    pk = 0.68 if mode == MODE_MISSILE else 0.45  # Tamir's catalog Pk; a gun / laser Pk
    kills, ends = _kills(mode, pk, seed)
    assert ends == N  # every engagement resolved (stationary targets are always reached)
    lo, hi = _clopper_pearson(kills, N)
    assert lo <= pk <= hi, (
        f"{kills}/{N} kills: 99.9 % interval [{lo:.3f}, {hi:.3f}] excludes Pk {pk}"
    )


def test_kill_test_can_fail() -> None:
    """The same statistic rejects a Pk 0.15 away from the configured one."""
    kills, _ = _kills(MODE_GUN, 0.45, 12)
    lo, hi = _clopper_pearson(kills, N)
    assert not lo <= 0.60 <= hi and not lo <= 0.30 <= hi
