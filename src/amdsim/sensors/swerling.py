"""Single-look detection probability of a square-law detector (Swerling 0 and 1).

A single complex sample per cell, square-law detection against a fixed threshold set by the
probability of false alarm ``pfa``.

Sources
-------
* Swerling 0 (steady target): Marcum's Q function,
  ``Pd = Q_1(sqrt(2 SNR), sqrt(-2 ln Pfa))`` (Richards, *Fundamentals of Radar Signal
  Processing*, 2nd ed., eq. 6.44); ``Q_1(a, b)`` is the survival function of a non-central
  chi-square with 2 degrees of freedom and non-centrality ``a^2`` evaluated at ``b^2``.
* Swerling 1 (slowly fluctuating, exponential RCS): ``Pd = Pfa^(1 / (1 + SNR))``
  (Richards, eq. 7.40; Skolnik, *Introduction to Radar Systems*, 3rd ed., §2.8).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

__all__ = ["pd_swerling", "snr_for_pd"]


def pd_swerling(snr: np.ndarray, pfa: float, swerling: int) -> np.ndarray:
    """Probability of detection for a linear signal-to-noise ratio ``snr`` (not dB).

    Parameters
    ----------
    snr : array_like
        Single-look SNR (linear power ratio, >= 0).
    pfa : float
        Probability of false alarm per cell, in (0, 1).
    swerling : {0, 1}
        Target fluctuation case.

    Returns
    -------
    numpy.ndarray
        Pd in [pfa, 1], same shape as ``snr``.
    """
    s = np.maximum(np.asarray(snr, dtype=float), 0.0)
    if not 0.0 < pfa < 1.0:
        raise ValueError(f"pfa must be in (0, 1) (got {pfa})")
    if swerling == 1:
        return np.power(pfa, 1.0 / (1.0 + s))
    if swerling == 0:
        thresh = -2.0 * np.log(pfa)
        # 1 - chndtr = survival function of the non-central chi-square (df=2, nc=2 SNR)
        return np.clip(1.0 - special.chndtr(thresh, 2.0, 2.0 * s), pfa, 1.0)
    raise ValueError(f"swerling must be 0 or 1 (got {swerling})")


def snr_for_pd(pd: float, pfa: float, swerling: int) -> float:
    """Linear single-look SNR that gives detection probability ``pd`` (inverse of
    :func:`pd_swerling`). Closed form for Swerling 1, root search for Swerling 0."""
    if not pfa < pd < 1.0:
        raise ValueError(f"pd must be in (pfa, 1) (got pd={pd}, pfa={pfa})")
    if swerling == 1:
        return float(np.log(pfa) / np.log(pd) - 1.0)
    if swerling == 0:
        return float(
            optimize.brentq(lambda s: float(pd_swerling(np.array(s), pfa, 0)) - pd, 0.0, 1e6)
        )
    raise ValueError(f"swerling must be 0 or 1 (got {swerling})")
