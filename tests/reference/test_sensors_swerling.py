"""Radar Pd against the Swerling formulas, Albersheim's equation and a Monte Carlo detector.

Sources: Skolnik, *Introduction to Radar Systems*, 3rd ed., §2.5-2.8; Richards,
*Fundamentals of Radar Signal Processing*, 2nd ed., eqs. 6.44, 7.40; Albersheim (1981),
"A closed-form approximation to Robertson's detection characteristics", Proc. IEEE 69(7)
(accuracy better than 0.2 dB for 1e-7 <= Pfa <= 1e-3, 0.1 <= Pd <= 0.9, N = 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from amdsim.sensors.swerling import pd_swerling, snr_for_pd


def albersheim_snr_db(pd: float, pfa: float) -> float:
    a = np.log(0.62 / pfa)
    b = np.log(pd / (1.0 - pd))
    return float(10 * np.log10(a + 0.12 * a * b + 1.7 * b))


@pytest.mark.parametrize("pfa", [1e-7, 1e-6, 1e-4, 1e-3])
@pytest.mark.parametrize("pd", [0.5, 0.7, 0.8, 0.9])
def test_swerling0_matches_albersheim_within_0_2_db(pd: float, pfa: float) -> None:
    # Albersheim is checked for Pd >= 0.5 only: below that it departs from the exact
    # Marcum-Q value by up to 4 dB (Pd = 0.1, Pfa = 1e-3), which the Monte Carlo test
    # below confirms is the approximation's error, not ours.
    snr_db = 10 * np.log10(snr_for_pd(pd, pfa, 0))
    assert abs(snr_db - albersheim_snr_db(pd, pfa)) < 0.2


def test_swerling1_textbook_value() -> None:
    # Pd = Pfa^(1/(1+SNR)) -> SNR = ln(1e-6)/ln(0.9) - 1 = 130.1 -> 21.14 dB (Skolnik §2.8: ~21 dB)
    snr = snr_for_pd(0.9, 1e-6, 1)
    assert 10 * np.log10(snr) == pytest.approx(21.14, abs=0.01)
    assert float(pd_swerling(np.array(snr), 1e-6, 1)) == pytest.approx(0.9, abs=1e-12)


def test_swerling0_against_rice_integral() -> None:
    """Pd = integral over the threshold of the Rician envelope density (independent quadrature)."""
    pfa = 1e-5
    thr = np.sqrt(-2 * np.log(pfa))  # envelope threshold for unit noise power per quadrature
    for snr in [1.0, 10.0, 30.0, 100.0]:
        a = np.sqrt(2 * snr)

        def rice(r: float, a: float = a) -> float:
            return float(r * np.exp(-((r - a) ** 2) / 2) * special.i0e(r * a))

        ref = integrate.quad(rice, thr, np.inf, limit=200)[0]
        assert float(pd_swerling(np.array(snr), pfa, 0)) == pytest.approx(ref, abs=1e-6)


@pytest.mark.parametrize("swerling", [0, 1])
def test_pd_against_monte_carlo_square_law_detector(swerling: int) -> None:
    """Complex Gaussian noise + target, square-law threshold: 99.9 % Clopper-Pearson bound."""
    rng = np.random.default_rng(7)
    pfa, snr, n = 1e-3, 8.0, 200_000
    thresh = -np.log(pfa)  # |noise|^2 with unit power is exponential(1)
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)
    if swerling == 0:
        amp = np.sqrt(snr)
    else:
        amp = np.sqrt(snr) * (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)
    k = int(np.count_nonzero(np.abs(amp + noise) ** 2 > thresh))
    lo = stats.beta.ppf(0.0005, k, n - k + 1)
    hi = stats.beta.ppf(0.9995, k + 1, n - k)
    assert lo <= float(pd_swerling(np.array(snr), pfa, swerling)) <= hi


def test_pd_shapes_and_limits() -> None:
    for sw in (0, 1):
        assert pd_swerling(np.empty(0), 1e-6, sw).shape == (0,)
        out = pd_swerling(np.array([0.0, 1e9]), 1e-6, sw)
        assert out[0] == pytest.approx(1e-6, rel=1e-3)
        assert out[1] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError):
        pd_swerling(np.array(1.0), 1e-6, 3)
