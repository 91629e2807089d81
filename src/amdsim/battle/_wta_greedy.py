"""Heuristic WTA solvers: greedy maximum marginal return and iterated assignment.

Greedy maximum marginal return (den Broeder, Ellison & Emerling, "On optimum target
assignments", Operations Research 7(3), 1959; Kolitz 1988): give one round at a time to the
pair with the largest marginal gain

.. math::  g_{ij} = v_j S_j p_{ij} - w_c c_i , \\qquad S_j = \\prod_i (1 - p_{ij})^{x_{ij}},

until no gain is positive or no round is left. With identical weapons (``p_ij = p_j``) this
is optimal (den Broeder et al. 1959). Gains only decrease as rounds are added, so after a round
goes to target ``j`` only the weapon types whose best target was ``j`` need a new row argmax.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from amdsim.battle.wta import WtaProblem

__all__ = ["solve_assignment", "solve_greedy"]

_TOL = 1e-12


def _fill_minimum(prob: WtaProblem, x: np.ndarray, left: np.ndarray, surv: np.ndarray) -> str:
    """Meet ``min_rounds`` first: most valuable targets first, best marginal weapon each round."""
    for j in np.argsort(-prob.value, kind="stable"):
        need = int(prob.min_rounds[j]) - int(x[:, j].sum())
        while need > 0:
            ok = (left > 0) & (x[:, j] < prob.cap[:, j])
            if not np.any(ok):
                return f"infeasible: cannot meet the minimum rounds of target {int(j)}"
            gain = np.where(
                ok, prob.value[j] * surv[j] * prob.pk[:, j] - prob.cost_weight * prob.cost, -np.inf
            )
            # prefer the weapon type whose rounds are least needed elsewhere (best gain here)
            i = int(np.argmax(gain))
            x[i, j] += 1
            left[i] -= 1
            surv[j] *= 1.0 - prob.pk[i, j]
            need -= 1
    return "ok"


def solve_greedy(prob: WtaProblem, polish: bool = True) -> tuple[np.ndarray, str]:
    """Greedy maximum marginal return, then (``polish``) :func:`improve_moves`.

    Returns (counts, "ok" or the reason there is no plan)."""
    n_w, n_t = prob.shape
    x = np.zeros((n_w, n_t), np.int64)
    left = prob.rounds.copy()
    surv = np.ones(n_t)
    why = _fill_minimum(prob, x, left, surv)
    if why != "ok":
        return np.zeros((n_w, n_t), np.int64), why
    p = prob.pk
    cw_cost = prob.cost_weight * prob.cost
    open_ = (x < prob.cap) & (x.sum(axis=0) < prob.max_per_target)[None, :]
    g = np.where(open_, (prob.value * surv)[None, :] * p, -np.inf)
    best_j = np.argmax(g, axis=1) if n_t else np.zeros(n_w, np.int64)
    best_g = g[np.arange(n_w), best_j] - cw_cost
    rows = np.arange(n_w)
    while True:
        cand = np.where(left > 0, best_g, -np.inf)
        i = int(np.argmax(cand))
        if not cand[i] > _TOL:
            break
        j = int(best_j[i])
        x[i, j] += 1
        left[i] -= 1
        surv[j] *= 1.0 - p[i, j]
        col = prob.value[j] * surv[j] * p[:, j]
        open_[i, j] = x[i, j] < prob.cap[i, j]
        if x[:, j].sum() >= prob.max_per_target[j]:
            open_[:, j] = False
        g[:, j] = np.where(open_[:, j], col, -np.inf)
        stale = rows[best_j == j]
        if stale.size:
            sub = g[stale]
            bj = np.argmax(sub, axis=1)
            best_j[stale] = bj
            best_g[stale] = sub[np.arange(stale.size), bj] - cw_cost[stale]
    if polish:
        x = improve_moves(prob, improve_swaps(prob, improve_moves(prob, x)))
    return x, "ok"


def improve_moves(prob: WtaProblem, x: np.ndarray, max_moves: int | None = None) -> np.ndarray:
    """Local search after greedy: move single rounds of a weapon type from one target to another
    while that lowers the objective (each move strictly improves, so this terminates).

    Removing a round of type ``i`` from ``j`` costs :math:`v_j S_j p_{ij}/(1-p_{ij})`; adding it
    to ``k`` gains :math:`v_k S_k p_{ik}` (``S`` the survival before the move).
    """
    x = x.copy()
    p = prob.pk
    with np.errstate(divide="ignore"):
        logq = np.where(p < 1.0, np.log1p(-np.minimum(p, 1.0)), -np.inf)
    surv = np.exp(np.where(x > 0, logq * x, 0.0).sum(axis=0))
    # each move costs O(n_w n_t): bound the total work to ~5e7 element operations
    budget = max(10, int(5e7 // max(x.size, 1)))
    limit = min(int(x.sum()) * 4, budget) if max_moves is None else max_moves
    for _ in range(limit):
        vs = prob.value * surv
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = np.where(p < 1.0, vs[None, :] * p / (1.0 - p), np.inf)
        removable = (x > 0) & (x.sum(axis=0) > prob.min_rounds)[None, :]
        loss = np.where(removable, loss, np.inf)
        room = (x.sum(axis=0) < prob.max_per_target)[None, :]
        gain = np.where((x < prob.cap) & room, vs[None, :] * p, -np.inf)
        j_out = np.argmin(loss, axis=1)
        rows = np.arange(x.shape[0])
        g2 = gain.copy()
        g2[rows, j_out] = -np.inf
        k_in = np.argmax(g2, axis=1)
        delta = g2[rows, k_in] - loss[rows, j_out]
        i = int(np.argmax(delta))
        if not delta[i] > 1e-9 * max(float(vs.sum()), 1e-300):
            break
        j, k = int(j_out[i]), int(k_in[i])
        x[i, j] -= 1
        x[i, k] += 1
        surv[j] = np.exp(np.where(x[:, j] > 0, logq[:, j] * x[:, j], 0.0).sum())
        surv[k] = np.exp(np.where(x[:, k] > 0, logq[:, k] * x[:, k], 0.0).sum())
    return x


def improve_swaps(prob: WtaProblem, x: np.ndarray, work: float = 2e7) -> np.ndarray:
    """Local search: exchange the targets of two rounds of different weapon types while that
    lowers the expected surviving value (round counts per type are unchanged, so costs too).

    For rounds ``(a, j)`` and ``(b, k)`` the new survivals are
    :math:`S_j (1-p_{bj})/(1-p_{aj})` and :math:`S_k (1-p_{ak})/(1-p_{bk})`; all pairs of
    assigned (type, target) cells are scored at once. ``work`` bounds the element operations.
    """
    x = x.copy()
    p = np.minimum(prob.pk, 1.0 - 1e-12)
    q = 1.0 - p
    logq = np.log(q)
    for _ in range(1000):
        wi, tj = np.nonzero(x)
        n = wi.size
        if n < 2 or work < n * n:
            break
        work -= 8.0 * n * n
        surv = np.exp((logq * x).sum(axis=0))
        vs = prob.value * surv
        a, j = wi[:, None], tj[:, None]
        b, k = wi[None, :], tj[None, :]
        ok = (a != b) & (j != k) & (prob.cap[b, j] > x[b, j]) & (prob.cap[a, k] > x[a, k])
        ok &= (x.sum(axis=0)[j] >= prob.min_rounds[j]) & (x.sum(axis=0)[k] >= prob.min_rounds[k])
        delta = vs[j] * (q[b, j] / q[a, j] - 1.0) + vs[k] * (q[a, k] / q[b, k] - 1.0)
        delta = np.where(ok & (prob.pk[b, j] > 0) & (prob.pk[a, k] > 0), delta, np.inf)
        m = int(np.argmin(delta))
        if not delta.flat[m] < -1e-9 * max(float(vs.sum()), 1e-300):
            break
        r, c = divmod(m, n)
        ia, ja, ib, kb = int(wi[r]), int(tj[r]), int(wi[c]), int(tj[c])
        x[ia, ja] -= 1
        x[ib, kb] -= 1
        x[ib, ja] += 1
        x[ia, kb] += 1
    return x


def solve_assignment(prob: WtaProblem) -> tuple[np.ndarray, str]:
    """Iterated linear-sum assignment: each stage gives every remaining round at most one target
    and every target at most one round, maximising the summed marginal gains (exact for the
    one-round-per-target case); survival is updated and the next stage takes the leakers."""
    n_w, n_t = prob.shape
    x = np.zeros((n_w, n_t), np.int64)
    left = prob.rounds.copy()
    surv = np.ones(n_t)
    why = _fill_minimum(prob, x, left, surv)
    if why != "ok":
        return np.zeros((n_w, n_t), np.int64), why
    cw_cost = prob.cost_weight * prob.cost
    while np.any(left > 0):
        reps = np.minimum(left, n_t)
        row_w = np.repeat(np.arange(n_w), reps)
        gain = (prob.value * surv)[None, :] * prob.pk - cw_cost[:, None]
        room = (x.sum(axis=0) < prob.max_per_target)[None, :]
        gain = np.where((x < prob.cap) & room, gain, -np.inf)[row_w]
        keep_cols = np.flatnonzero(np.any(gain > _TOL, axis=0))
        if keep_cols.size == 0:
            break
        sub = np.where(gain[:, keep_cols] > _TOL, gain[:, keep_cols], 0.0)
        r, c = linear_sum_assignment(sub, maximize=True)
        take = sub[r, c] > _TOL
        if not np.any(take):
            break
        # one weapon type may hold several rows: respect the per-pair cap inside a stage
        added = 0
        for ri, ci in zip(r[take], c[take]):
            i, j = int(row_w[ri]), int(keep_cols[ci])
            if x[i, j] < prob.cap[i, j] and left[i] > 0:
                x[i, j] += 1
                left[i] -= 1
                surv[j] *= 1.0 - prob.pk[i, j]
                added += 1
        if added == 0:
            break
    return x, "ok"
