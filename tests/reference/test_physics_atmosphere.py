"""USSA76 against the published layer table and check values (public-figures §4.1) and the
independent ``ambiance`` implementation (test-only reference)."""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.physics.atmosphere import (
    R0_M,
    atmosphere,
    density_and_sound_speed,
    density_and_sound_speed_fast,
)

# public-figures §4.1, intermediate check values (geopotential km, T K, p Pa, rho kg/m3, a m/s)
CHECK = np.array(
    [
        [0, 288.15, 101325.0, 1.22500, 340.29],
        [1, 281.65, 89874.6, 1.11164, 336.43],
        [5, 255.65, 54019.9, 0.736115, 320.53],
        [10, 223.15, 26436.3, 0.412706, 299.46],
        [15, 216.65, 12044.6, 0.193674, 295.07],
        [25, 221.65, 2511.02, 0.0394658, 298.46],
        [30, 226.65, 1171.87, 0.0180119, 301.80],
        [40, 251.05, 277.522, 3.85101e-3, 317.63],
        [50, 270.65, 75.945, 9.77524e-4, 329.80],
        [60, 245.45, 20.314, 2.88321e-4, 314.07],
        [70, 217.45, 4.634, 7.42429e-5, 295.61],
    ]
)

# public-figures §4.1 layer bases (geometric km, T, p, rho), published table (H)
BASES = np.array(
    [
        [0.0, 288.150, 101325.0, 1.2250],
        [11.019, 216.650, 22632.0, 0.36392],
        [20.063, 216.650, 5474.8, 0.088035],
        [32.162, 228.650, 868.01, 0.013225],
        [47.350, 270.650, 110.90, 1.4275e-3],
        [51.413, 270.650, 66.938, 8.6160e-4],
        [71.802, 214.650, 3.9564, 6.4211e-5],
    ]
)


def _z_of_h(h_m: np.ndarray) -> np.ndarray:
    return R0_M * h_m / (R0_M - h_m)


def test_check_values_1e4() -> None:
    t, p, rho, a = atmosphere(_z_of_h(CHECK[:, 0] * 1e3))
    np.testing.assert_allclose(t, CHECK[:, 1], rtol=1e-4)
    # printed digits of p at 50-70 km are 5 significant figures at most
    np.testing.assert_allclose(p, CHECK[:, 2], rtol=1e-4)
    np.testing.assert_allclose(rho, CHECK[:, 3], rtol=1e-4)
    np.testing.assert_allclose(a, CHECK[:, 4], atol=0.006)  # printed to 0.01 m/s


def test_layer_bases_published() -> None:
    t, p, rho, _ = atmosphere(BASES[:, 0] * 1e3)
    # geometric base heights are printed to 1 m: allow the matching pressure change (~1.6e-4/m)
    np.testing.assert_allclose(t, BASES[:, 1], atol=0.01)
    np.testing.assert_allclose(p, BASES[:, 2], rtol=3e-4)
    np.testing.assert_allclose(rho, BASES[:, 3], rtol=3e-4)


def test_top_of_layer_model_86km() -> None:
    _, p, rho, _ = atmosphere(np.array([86_000.0]))
    assert p[0] == pytest.approx(0.37338, rel=2e-3)
    assert rho[0] == pytest.approx(6.958e-6, rel=2e-3)


def test_against_ambiance_0_81km() -> None:
    ambiance = pytest.importorskip("ambiance")
    z = np.linspace(-5000.0, 81000.0, 400)
    ref = ambiance.Atmosphere(z)
    t, p, rho, a = atmosphere(z)
    np.testing.assert_allclose(t, ref.temperature, rtol=1e-6)
    np.testing.assert_allclose(p, ref.pressure, rtol=1e-4)
    np.testing.assert_allclose(rho, ref.density, rtol=1e-4)
    np.testing.assert_allclose(a, ref.speed_of_sound, rtol=1e-5)


def test_continuation_above_86km_monotone_and_continuous() -> None:
    z = np.linspace(80_000.0, 1_500_000.0, 3000)
    _, _, rho, a = atmosphere(z)
    assert np.all(np.diff(rho) < 0)
    assert np.all(rho > 0) and np.all(np.isfinite(a))
    lo, hi = atmosphere(np.array([85_999.0, 86_001.0]))[2]
    assert hi == pytest.approx(lo, rel=1e-3)
    # USSA76 tabulated density at 500 km (5.215e-13 kg/m3)
    assert atmosphere(np.array([500e3]))[2][0] == pytest.approx(5.215e-13, rel=1e-6)


def test_scalar_and_table_versions_agree() -> None:
    z = np.concatenate([np.linspace(-6000.0, 210_000.0, 5001), [86_000.0, 11_019.0, 1.2e6]])
    _, _, rho, a = atmosphere(z)
    exact = np.array([density_and_sound_speed(v) for v in z])
    fast = np.array([density_and_sound_speed_fast(v) for v in z])
    np.testing.assert_allclose(exact[:, 0], rho, rtol=1e-12)
    np.testing.assert_allclose(exact[:, 1], a, rtol=1e-12)
    np.testing.assert_allclose(fast[:, 0], rho, rtol=5e-5)  # slope kinks at layer bases
    np.testing.assert_allclose(fast[:, 1], a, rtol=2e-5)


@pytest.mark.parametrize("shape", [(0,), (1,), (3, 4)])
def test_shapes(shape: tuple[int, ...]) -> None:
    out = atmosphere(np.full(shape, 1000.0))
    assert all(o.shape == shape for o in out)
