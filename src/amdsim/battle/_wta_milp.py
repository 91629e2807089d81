"""Exact static WTA by outer approximation with ``scipy.optimize.milp`` (HiGHS).

With :math:`s_j = \\sum_i x_{ij} \\ln(1 - p_{ij})` (linear in the integer counts) a target's
survival is :math:`e^{s_j}`, convex in :math:`s_j`. Every tangent
:math:`e^{a}(1 + s_j - a)` lies below it, so the MILP

.. math::
    \\min \\sum_j v_j y_j + w_c \\sum_{ij} c_i x_{ij}
    \\quad \\text{s.t.}\\quad y_j \\ge e^{a}(1 + s_j - a) \\;\\; \\forall a \\in A_j,

is a relaxation of the WTA problem: its optimum (and HiGHS' dual bound) is a certified lower
bound. The true objective of its solution is an upper bound. Adding the tangent at each
target's :math:`s_j^*` and solving again closes the gap (Kelley's cutting planes / outer
approximation for convex MINLP: Duran & Grossmann, Math. Prog. 36, 1986); the counts are
integers and bounded, so this ends in finitely many rounds with the exact optimum. The loop
stops when the gap is below ``rel_tol`` of the objective, or at the time limit with the best
plan found and its bound.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import coo_array, csr_array, vstack

from amdsim.battle.wta import WtaProblem, wta_objective

__all__ = ["solve_milp"]

_SURVIVAL_LEVELS = np.array(
    [1.0, 0.8, 0.6, 0.45, 0.3, 0.2, 0.12, 0.07, 0.04, 0.02, 0.01, 1e-3, 1e-4]
)
_DENSE_MAX_NNZ = 0
_PRESOLVE_MAX_PAIRS = 100_000
_OFFSETS = np.array([-0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2])
_LOGQ_MIN = np.log(1e-12)  # pk = 1 is treated as survival 1e-12 per round inside the MILP


def _objective(prob: WtaProblem, x: np.ndarray) -> float:
    return wta_objective(x, prob.pk, prob.value) + prob.cost_weight * float(
        np.dot(prob.cost, x.sum(axis=1))
    )


def solve_milp(
    prob: WtaProblem,
    time_limit_s: float | None,
    warm: np.ndarray | None,
    rel_tol: float = 1e-5,
    max_rounds: int = 50,
    integer: bool = True,
) -> tuple[np.ndarray | None, float, str, bool]:
    """Outer-approximation MILP. Returns (counts or None, lower bound, reason, optimal).

    ``integer=False`` solves the continuous relaxation (Bracken & McCormick's original NLP);
    the returned counts are then the real-valued optimum (float array).
    """
    t0 = time.perf_counter()
    n_w, n_t = prob.shape
    wi, tj = np.nonzero(prob.cap)
    n_p = wi.size
    logq = np.maximum(np.log1p(-np.minimum(prob.pk[wi, tj], 1.0 - 1e-12)), _LOGQ_MIN)
    targets = np.unique(tj)
    n_y = targets.size
    y_of = np.full(n_t, -1)
    y_of[targets] = np.arange(n_y)
    # constant part: value of targets that no weapon can reach survives for sure
    v_fixed = float(prob.value[y_of < 0].sum())
    s_min = np.zeros(n_t)
    np.add.at(s_min, tj, logq * prob.cap[wi, tj])

    # objective over [x (n_p), y (n_y)]
    c = np.concatenate([prob.cost_weight * prob.cost[wi], prob.value[targets]])
    integrality = np.concatenate([np.full(n_p, 1.0 if integer else 0.0), np.zeros(n_y)])
    lb = np.zeros(n_p + n_y)
    ub = np.concatenate([prob.cap[wi, tj].astype(float), np.ones(n_y)])

    # ammunition rows (n_w) and minimum-rounds rows (targets with m_j > 0)
    a_ammo = coo_array((np.ones(n_p), (wi, np.arange(n_p))), shape=(n_w, n_p + n_y)).tocsr()
    need = np.flatnonzero(prob.min_rounds > 0)
    need_row = np.full(n_t, -1)
    need_row[need] = np.arange(need.size)
    sel = need_row[tj] >= 0
    a_min = coo_array(
        (np.ones(int(sel.sum())), (need_row[tj][sel], np.flatnonzero(sel))),
        shape=(need.size, n_p + n_y),
    ).tocsr()
    fixed = [
        LinearConstraint(a_ammo, -np.inf, prob.rounds.astype(float)),
    ]
    if need.size:
        fixed.append(LinearConstraint(a_min, prob.min_rounds[need].astype(float), np.inf))
    capped = targets[prob.max_per_target[targets] < prob.cap[:, targets].sum(axis=0)]
    if capped.size:
        cap_row = np.full(n_t, -1)
        cap_row[capped] = np.arange(capped.size)
        sel_c = cap_row[tj] >= 0
        a_cap = coo_array(
            (np.ones(int(sel_c.sum())), (cap_row[tj][sel_c], np.flatnonzero(sel_c))),
            shape=(capped.size, n_p + n_y),
        ).tocsr()
        fixed.append(LinearConstraint(a_cap, -np.inf, prob.max_per_target[capped].astype(float)))

    # tangent points per target: survival levels inside the reachable range, plus the warm start
    # small problems: a dense grid (step 0.15 in log-survival: tangent error < 0.3 %) saves
    # re-solves; large ones: a coarse grid, refined by the cuts.
    dense = n_p * 60 <= _DENSE_MAX_NNZ
    pts: list[np.ndarray] = []
    for j in targets:
        lo = max(float(s_min[j]), np.log(1e-4))
        a = (
            np.arange(0.0, lo, -0.15)
            if dense
            else np.log(_SURVIVAL_LEVELS[_SURVIVAL_LEVELS >= np.exp(lo)])
        )
        pts.append(np.unique(np.concatenate([a, [lo, s_min[j]]])))
    if warm is not None:
        s_w = (np.log1p(-np.minimum(prob.pk, 1.0 - 1e-12)) * warm).sum(axis=0)
        pts = [np.unique(np.append(pts[k], max(s_w[j], _LOGQ_MIN))) for k, j in enumerate(targets)]
    if integer and time_limit_s is None and n_p <= _PRESOLVE_MAX_PAIRS:
        # cheap start: the continuous relaxation's optimum (LPs only) and tangents around it,
        # where the integer optimum's log-survival lies; saves MILP re-solves (only without a
        # time limit: the extra rows slow the first MILP's root LP)
        xc, _, _, _ = solve_milp(prob, None, None, rel_tol=1e-6, max_rounds=40, integer=False)
        if xc is not None:
            s_c = (np.log1p(-np.minimum(prob.pk, 1.0 - 1e-12)) * xc).sum(axis=0)
            pts = [
                np.unique(
                    np.concatenate([pts[k], np.maximum(s_c[j] + _OFFSETS, _LOGQ_MIN)]).clip(max=0.0)
                )
                for k, j in enumerate(targets)
            ]

    # the tangent rows of one target j share the pattern of its pairs
    pair_rows = [np.flatnonzero(tj == j) for j in targets]

    def tangent_rows(points: list[np.ndarray]) -> tuple[csr_array, np.ndarray]:
        ri, ci, vals, rhs = [], [], [], []
        r = 0
        for k, a_k in enumerate(points):
            cols = pair_rows[k]
            for a in a_k:
                ea = float(np.exp(a))
                ri.append(np.full(cols.size + 1, r))
                ci.append(np.append(cols, n_p + k))
                vals.append(np.append(-ea * logq[cols], 1.0))
                rhs.append(ea * (1.0 - a))
                r += 1
        if r == 0:
            return csr_array((0, n_p + n_y)), np.empty(0)
        m = coo_array(
            (np.concatenate(vals), (np.concatenate(ri), np.concatenate(ci))), shape=(r, n_p + n_y)
        ).tocsr()
        return m, np.array(rhs)

    best_x = warm.copy() if warm is not None else None
    best_obj = _objective(prob, best_x) if best_x is not None else np.inf
    bound = -np.inf
    reason = "time limit"
    a_tan, rhs = tangent_rows(pts)
    for _it in range(max_rounds):
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            break
        opts: dict[str, float | bool] = {"mip_rel_gap": rel_tol * 0.1, "disp": False}
        if left is not None:
            opts["time_limit"] = max(left, 1e-3)
        cons = [*fixed, LinearConstraint(a_tan, rhs, np.inf)]
        res = milp(c, integrality=integrality, bounds=(lb, ub), constraints=cons, options=opts)
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            bound = max(bound, float(dual) + v_fixed)
        if res.x is None:
            reason = f"HiGHS stopped without a plan: {res.message}"
            break
        x = np.zeros((n_w, n_t), np.int64 if integer else float)
        x[wi, tj] = np.round(res.x[:n_p]) if integer else np.maximum(res.x[:n_p], 0.0)
        obj = _objective(prob, x)
        if obj < best_obj:
            best_x, best_obj = x, obj
        if res.status == 0 and dual is None:
            bound = max(bound, float(res.fun) + v_fixed - abs(float(res.fun)) * rel_tol * 0.1)
        if best_obj - bound <= rel_tol * max(abs(best_obj), 1e-9) + 1e-12:
            reason = "optimal"
            break
        if res.status != 0:
            reason = f"HiGHS: {res.message}"
            break
        s = np.zeros(n_t)
        np.add.at(s, tj, logq * x[wi, tj])
        new = [np.unique(np.append(pts[k], max(s[j], _LOGQ_MIN))) for k, j in enumerate(targets)]
        if all(new[k].size == pts[k].size for k in range(n_y)):
            reason = "optimal (no new cut)"
            break
        extra, extra_rhs = tangent_rows([np.setdiff1d(new[k], pts[k]) for k in range(n_y)])
        a_tan, rhs = vstack([a_tan, extra]).tocsr(), np.concatenate([rhs, extra_rhs])
        pts = new
    else:
        reason = "iteration limit"
    optimal = reason.startswith("optimal")
    return best_x, (bound if np.isfinite(bound) else np.nan), reason, optimal
