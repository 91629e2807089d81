"""A cheap certified lower bound of the static WTA problem (Lagrangian dual of the ammunition
constraints of its continuous relaxation), for problems too large for the MILP.

Relax integrality, the per-pair caps and the ammunition rows with multipliers
:math:`\\lambda_i \\ge 0`. With :math:`L_{ij} = \\ln(1 - p_{ij}) < 0` and
:math:`\\mu_i = w_c c_i + \\lambda_i`, each target's subproblem
:math:`\\min_{x \\ge 0} v_j e^{s_j} + \\sum_i \\mu_i x_{ij}` (:math:`s_j = \\sum_i L_{ij} x_{ij}`)
buys log-survival at the cheapest rate :math:`\\rho_j = \\min_i \\mu_i / |L_{ij}|`, so

.. math::
    h_j = \\min_{s \\le 0} v_j e^{s} + \\rho_j |s|
        = \\begin{cases} v_j & \\rho_j \\ge v_j \\\\
          \\rho_j (1 + \\ln(v_j/\\rho_j)) & \\rho_j < v_j \\end{cases}

and :math:`g(\\lambda) = \\sum_j h_j - \\sum_i \\lambda_i r_i` is a lower bound of the optimum
for every :math:`\\lambda \\ge 0` (weak duality; e.g. Bertsekas, *Nonlinear Programming*, 2nd
ed., §5.1). :math:`g` is concave; it is maximised by projected subgradient ascent with Polyak
steps towards a known upper bound. Dropping ``min_rounds``, ``max_per_target`` and the caps
only enlarges the feasible set, so the bound stays valid with them.
"""

from __future__ import annotations

import numpy as np

from amdsim.battle.wta import WtaProblem

__all__ = ["initial_prices", "lagrangian_bound"]


def _dual(prob: WtaProblem, neg_l: np.ndarray, lam: np.ndarray) -> tuple[float, np.ndarray]:
    mu = prob.cost_weight * prob.cost + lam
    with np.errstate(divide="ignore"):
        ratio = np.where(neg_l > 0, mu[:, None] / np.where(neg_l > 0, neg_l, 1.0), np.inf)
    best = np.argmin(ratio, axis=0) if ratio.shape[0] else np.zeros(ratio.shape[1], np.int64)
    rho = (
        ratio[best, np.arange(ratio.shape[1])]
        if ratio.shape[0]
        else np.full(ratio.shape[1], np.inf)
    )
    v = prob.value
    active = rho < v
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(
            active, rho * (1.0 + np.log(np.where(rho > 0, v / np.maximum(rho, 1e-300), 1.0))), v
        )
        h = np.where(active & (rho <= 0), 0.0, h)
        s_abs = np.where(active & (rho > 0), np.log(v / np.maximum(rho, 1e-300)), 0.0)
    use = np.zeros(prob.shape[0])
    cols = np.flatnonzero(active & (rho > 0))
    np.add.at(use, best[cols], s_abs[cols] / neg_l[best[cols], cols])
    return float(h.sum() - lam @ prob.rounds), use - prob.rounds


def initial_prices(prob: WtaProblem, counts: np.ndarray) -> np.ndarray:
    """Multipliers from a plan: the marginal value of one more round of each type."""
    x = np.asarray(counts, float)
    with np.errstate(divide="ignore"):
        surv = np.exp(
            np.where(x > 0, np.log1p(-np.minimum(prob.pk, 1.0 - 1e-12)) * x, 0.0).sum(axis=0)
        )
    gain = np.where(prob.cap > 0, (prob.value * surv)[None, :] * prob.pk, 0.0)
    return gain.max(axis=1) if gain.shape[1] else np.zeros(prob.shape[0])


def lagrangian_bound(
    prob: WtaProblem, upper: float, lam0: np.ndarray | None = None, iters: int = 300
) -> float:
    """Best :math:`g(\\lambda)` found (a valid lower bound of the WTA optimum objective)."""
    n_w, n_t = prob.shape
    if n_w == 0 or n_t == 0:
        return float(prob.value.sum())
    with np.errstate(divide="ignore"):
        neg_l = np.where(prob.cap > 0, -np.log1p(-np.minimum(prob.pk, 1.0 - 1e-12)), 0.0)
    # lambda >= eps > 0: at lambda = 0 a free weapon would make the subgradient uninformative
    eps = 1e-6 * float(prob.value.max(initial=1.0)) / max(float(prob.rounds.max(initial=1)), 1.0)
    lam = np.full(n_w, eps) if lam0 is None else np.maximum(np.asarray(lam0, float), eps)
    best = -np.inf
    theta = 1.0
    stall = 0
    for _ in range(iters):
        g, sub = _dual(prob, neg_l, lam)
        if not np.isfinite(best) or g > best + 1e-12 * max(1.0, abs(best)):
            best, stall = g, 0
        else:
            stall += 1
            if stall >= 10:
                theta *= 0.5
                stall = 0
        norm2 = float(sub @ sub)
        if norm2 <= 0 or theta < 1e-6:
            break
        step = theta * max(upper - g, 1e-9 * max(1.0, abs(upper))) / norm2
        lam = np.maximum(lam + step * sub, eps)
    return float(best)
