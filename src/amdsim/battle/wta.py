"""Static weapon-target assignment (WTA): objective, input checks, solvers, public front.

The static WTA problem (Manne 1958; den Broeder, Ellison & Emerling 1959) assigns integer
numbers of rounds :math:`x_{ij}` of weapon type :math:`i` to targets :math:`j` to minimise the
expected surviving target value plus a cost term,

.. math::
    \\min_x \\; \\sum_j v_j \\prod_i (1 - p_{ij})^{x_{ij}}
    \\; + \\; w_c \\sum_{ij} c_i x_{ij}
    \\quad \\text{s.t.} \\quad \\sum_j x_{ij} \\le r_i, \\;
    \\sum_i x_{ij} \\ge m_j, \\; 0 \\le x_{ij} \\le u_{ij}, \\; x \\in \\mathbb{Z},

which is the same as maximising the expected destroyed (protected) value
:math:`\\sum_j v_j (1 - \\prod_i (1 - p_{ij})^{x_{ij}})` minus the cost term.
In the defence reading a "target" is a threat, its value the value it would destroy if it leaks,
and a "weapon type" a battery (or interceptor type) with ``r_i`` rounds available.

Solvers (``method``):

``greedy``
    maximum marginal return: repeatedly give one round to the pair with the largest gain
    :math:`v_j S_j p_{ij} - w_c c_i` (``S_j`` the current survival); optimal when all weapons
    are identical (den Broeder et al. 1959), a heuristic otherwise. See :mod:`._wta_greedy`.
``assignment``
    rounds of linear-sum assignments (Hungarian / Jonker-Volgenant, one round per weapon and
    per target in each stage); exact when every target may take at most one round.
``milp``
    outer-approximation MILP through ``scipy.optimize.milp`` (HiGHS), exact within a stated
    tolerance, with a certified lower bound. See :mod:`._wta_milp`.
``auto``
    MILP (time-limited, 1 s by default, warm-started from the better heuristic) for problems
    with at most :data:`AUTO_MILP_MAX_PAIRS` feasible pairs, otherwise the better of greedy
    and assignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "AUTO_MILP_MAX_PAIRS",
    "WtaProblem",
    "WtaResult",
    "make_wta_problem",
    "solve_static_wta",
    "solve_static_wta_detailed",
    "wta_kill_value",
    "wta_objective",
]

AUTO_MILP_MAX_PAIRS = 5000
"""``method="auto"`` uses the MILP up to this many feasible (pk > 0) weapon-target pairs."""

MILP_MAX_PAIRS_WITH_LIMIT = 100_000
"""With a time limit, ``milp`` is not started above this many feasible pairs (HiGHS would not
return in time); the better heuristic plan and a Lagrangian lower bound come back instead."""

_METHODS = ("greedy", "milp", "assignment", "auto")


@dataclass(frozen=True, slots=True)
class WtaProblem:
    """A checked static WTA instance (all arrays float64 / int64, shapes consistent)."""

    pk: np.ndarray  # (n_w, n_t) single-shot kill probability
    value: np.ndarray  # (n_t,)
    rounds: np.ndarray  # (n_w,) int
    cost: np.ndarray  # (n_w,) cost of one round (e.g. USD)
    cost_weight: float  # value units per cost unit
    min_rounds: np.ndarray  # (n_t,) int
    cap: np.ndarray  # (n_w, n_t) int, max rounds per pair (0 where pk == 0)
    max_per_target: np.ndarray  # (n_t,) int, max rounds per target (all weapon types together)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.pk.shape[0]), int(self.pk.shape[1]))


@dataclass(frozen=True, slots=True)
class WtaResult:
    """Solution of a static WTA problem.

    Attributes
    ----------
    counts : (n_w, n_t) int64       rounds of weapon type i fired at target j
    surviving_value : float         expected surviving target value :func:`wta_objective`
    objective : float               surviving value + cost_weight * cost of the rounds
    bound : float                   certified lower bound on the optimal objective (NaN unknown)
    method : str                    solver that produced ``counts``
    reason : str                    why the plan is empty / how the solve ended
    optimal : bool                  proven optimal within the solver's tolerance
    """

    counts: np.ndarray
    surviving_value: float
    objective: float
    bound: float
    method: str
    reason: str
    optimal: bool

    @property
    def gap(self) -> float:
        """Absolute gap ``objective - bound`` (NaN when no bound is known)."""
        return float(self.objective - self.bound)


def _as_int_vector(x: Any, n: int, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 1 or a.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), got {a.shape}")
    af = a.astype(float)
    if not np.all(np.isfinite(af)) or np.any(af != np.round(af)):
        raise ValueError(f"{name} must be whole numbers, got {a!r}")
    if np.any(af < 0):
        raise ValueError(f"{name} must be >= 0, got {a!r}")
    return af.astype(np.int64)


def make_wta_problem(
    pk: Any,
    value: Any,
    rounds: Any,
    *,
    cost: Any = None,
    cost_weight: float = 0.0,
    min_rounds: Any = None,
    max_per_pair: Any = None,
    max_per_target: Any = None,
) -> WtaProblem:
    """Check and normalise a static WTA instance.

    Raises
    ------
    ValueError
        ``pk`` not 2-D or outside [0, 1], non-finite or negative values, negative or
        fractional rounds, or shapes that do not match ``pk``.
    """
    p = np.asarray(pk, dtype=float)
    if p.ndim != 2:
        raise ValueError(f"pk must be 2-D (weapon types x targets), got shape {p.shape}")
    n_w, n_t = p.shape
    if not np.all(np.isfinite(p)) or np.any(p < 0.0) or np.any(p > 1.0):
        raise ValueError("pk must be finite and inside [0, 1]")
    v = np.asarray(value, dtype=float)
    if v.ndim != 1 or v.shape[0] != n_t:
        raise ValueError(f"value must have shape ({n_t},) to match pk {p.shape}, got {v.shape}")
    if not np.all(np.isfinite(v)) or np.any(v < 0.0):
        raise ValueError("value must be finite and >= 0")
    r = _as_int_vector(rounds, n_w, "rounds")
    c = np.zeros(n_w) if cost is None else np.asarray(cost, dtype=float)
    if c.shape != (n_w,) or not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ValueError(f"cost must be finite, >= 0 and of shape ({n_w},)")
    cw = float(cost_weight)
    if not np.isfinite(cw) or cw < 0:
        raise ValueError(f"cost_weight must be finite and >= 0, got {cost_weight}")
    m = (
        np.zeros(n_t, np.int64)
        if min_rounds is None
        else _as_int_vector(min_rounds, n_t, "min_rounds")
    )
    if max_per_pair is None:
        cap = np.broadcast_to(r[:, None], (n_w, n_t)).copy()
    else:
        mp = np.asarray(max_per_pair, dtype=float)
        mp = np.broadcast_to(mp, (n_w, n_t)) if mp.ndim < 2 else mp
        if mp.shape != (n_w, n_t):
            raise ValueError(f"max_per_pair must broadcast to {(n_w, n_t)}, got {mp.shape}")
        if np.any(mp < 0) or np.any(mp != np.round(mp)):
            raise ValueError("max_per_pair must be whole numbers >= 0")
        cap = np.minimum(mp.astype(np.int64), r[:, None])
    cap = np.where(p > 0.0, cap, 0).astype(np.int64)
    if max_per_target is None:
        mt = np.full(n_t, np.iinfo(np.int64).max // 4, np.int64)
    else:
        mt = _as_int_vector(
            np.broadcast_to(np.asarray(max_per_target), (n_t,)), n_t, "max_per_target"
        )
    return WtaProblem(p, v, r, c, cw, m, cap, mt)


def wta_objective(counts: Any, pk: Any, value: Any) -> float:
    """Expected surviving target value :math:`\\sum_j v_j \\prod_i (1 - p_{ij})^{x_{ij}}`.

    ``counts`` and ``pk`` are (weapon types x targets), ``value`` is (targets,).
    """
    x = np.asarray(counts, dtype=float)
    p = np.asarray(pk, dtype=float)
    v = np.asarray(value, dtype=float)
    if x.shape != p.shape or v.shape != (p.shape[1] if p.ndim == 2 else -1,):
        raise ValueError(f"shape mismatch: counts {x.shape}, pk {p.shape}, value {v.shape}")
    if np.any(x < 0):
        raise ValueError("counts must be >= 0")
    # (1 - p)^x with 0^0 = 1: rounds never fired do not change survival.
    surv = np.prod(np.where(x > 0, (1.0 - p) ** x, 1.0), axis=0)
    return float(np.dot(v, surv))


def wta_kill_value(counts: Any, pk: Any, value: Any) -> float:
    """Expected destroyed (protected) value, ``sum(value) - wta_objective(...)``."""
    return float(np.sum(np.asarray(value, float)) - wta_objective(counts, pk, value))


def _objective(prob: WtaProblem, counts: np.ndarray) -> tuple[float, float]:
    surv = wta_objective(counts, prob.pk, prob.value)
    return surv, surv + prob.cost_weight * float(np.dot(prob.cost, counts.sum(axis=1)))


def _result(
    prob: WtaProblem, counts: np.ndarray, method: str, reason: str, bound: float, optimal: bool
) -> WtaResult:
    surv, obj = _objective(prob, counts)
    return WtaResult(counts.astype(np.int64), surv, obj, bound, method, reason, optimal)


def _empty_reason(prob: WtaProblem) -> str:
    n_w, n_t = prob.shape
    if n_w == 0 or n_t == 0:
        return "empty problem: no weapon types or no targets"
    if int(prob.rounds.sum()) == 0:
        return "no ammunition: every weapon type has 0 rounds"
    if not np.any(prob.cap > 0):
        return "no feasible weapon-target pair (all pk are 0 or pairs capped at 0)"
    if not np.any(prob.value > 0) and not np.any(prob.min_rounds > 0):
        return "nothing to protect: all target values are 0"
    if (
        np.any(prob.min_rounds > prob.cap.sum(axis=0))
        or prob.min_rounds.sum() > prob.rounds.sum()
        or np.any(prob.min_rounds > prob.max_per_target)
    ):
        return "infeasible: minimum rounds per target cannot be met"
    return ""


def _lagrangian(prob: WtaProblem, plan: np.ndarray) -> float:
    from amdsim.battle._wta_bound import initial_prices, lagrangian_bound

    return lagrangian_bound(prob, _objective(prob, plan)[1], initial_prices(prob, plan))


def solve_static_wta_detailed(
    pk: Any,
    value: Any,
    rounds: Any,
    method: str = "greedy",
    time_limit_s: float | None = None,
    *,
    cost: Any = None,
    cost_weight: float = 0.0,
    min_rounds: Any = None,
    max_per_pair: Any = None,
    max_per_target: Any = None,
) -> WtaResult:
    """Solve a static WTA problem and say how it went (see the module docstring).

    Parameters
    ----------
    pk : (n_w, n_t) array
        Single-shot kill probability of a round of weapon type i against target j, in [0, 1].
    value : (n_t,) array
        Target values (>= 0).
    rounds : (n_w,) int array
        Rounds available per weapon type (>= 0).
    method : {"greedy", "milp", "assignment", "auto"}
    time_limit_s : float, optional
        Wall-clock limit for the MILP (the best plan found so far and its bound are returned).
    cost, cost_weight : optional
        Cost of one round per weapon type and the value units per cost unit; the solvers
        minimise ``surviving value + cost_weight * total cost`` (never fire a round whose
        marginal protected value is below its weighted cost).
    min_rounds : (n_t,) int array, optional
        Minimum rounds that must be fired at each target (Bracken & McCormick's requirement).
    max_per_pair : int or (n_w, n_t) int array, optional
        Maximum rounds of one weapon type at one target (e.g. fire-control channels).
    max_per_target : int or (n_t,) int array, optional
        Maximum rounds at one target from all weapon types together (e.g. one engagement at a
        time under shoot-look-shoot).

    Returns
    -------
    WtaResult
        A zero plan with the reason when the problem is empty or infeasible; never raises
        from inside a solver.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if time_limit_s is not None and not time_limit_s > 0:
        raise ValueError(f"time_limit_s must be > 0, got {time_limit_s}")
    prob = make_wta_problem(
        pk, value, rounds, cost=cost, cost_weight=cost_weight, min_rounds=min_rounds,
        max_per_pair=max_per_pair, max_per_target=max_per_target,
    )  # fmt: skip
    reason = _empty_reason(prob)
    zero = np.zeros(prob.shape, np.int64)
    if reason:
        ok = not reason.startswith("infeasible")
        return _result(prob, zero, method, reason, _objective(prob, zero)[1] if ok else np.nan, ok)
    from amdsim.battle._wta_greedy import solve_assignment, solve_greedy

    if method == "greedy":
        counts, why = solve_greedy(prob)
        return _result(prob, counts, "greedy", why, np.nan, False)
    if method == "assignment":
        counts, why = solve_assignment(prob)
        return _result(prob, counts, "assignment", why, np.nan, False)
    from amdsim.battle._wta_milp import solve_milp

    n_pairs = int(np.count_nonzero(prob.cap))
    # the better of the two fast heuristics: the "auto" answer for large problems and the
    # MILP's incumbent (warm start) otherwise
    g_counts, g_why = solve_greedy(prob)
    a_counts, a_why = solve_assignment(prob)
    if a_why == "ok" and (
        g_why != "ok" or _objective(prob, a_counts)[1] < _objective(prob, g_counts)[1]
    ):
        h_counts, h_why, h_name = a_counts, a_why, "assignment"
    else:
        h_counts, h_why, h_name = g_counts, g_why, "greedy"
    if method == "auto" and n_pairs > AUTO_MILP_MAX_PAIRS:
        return _result(prob, h_counts, h_name, h_why + " (auto: too large for MILP)", np.nan, False)
    limit = time_limit_s if time_limit_s is not None else (1.0 if method == "auto" else None)
    if limit is not None and n_pairs > MILP_MAX_PAIRS_WITH_LIMIT:
        # HiGHS does not stop inside presolve / the root LP of such models: do not start it
        lb = _lagrangian(prob, h_counts) if h_why == "ok" else np.nan
        why = f"too large for the MILP within {limit:g} s ({n_pairs} pairs); {h_name} plan, Lagrangian bound"
        return _result(prob, h_counts, h_name, why, lb, False)
    m_counts, bound, why, optimal = solve_milp(prob, limit, h_counts if h_why == "ok" else None)
    if not optimal and h_why == "ok":
        bound = float(np.nanmax([bound, _lagrangian(prob, h_counts)]))
    if m_counts is None:
        return _result(
            prob, h_counts, h_name, f"MILP gave no plan ({why}); {h_name} plan", bound, False
        )
    return _result(prob, m_counts, "milp", why, bound, optimal)


def solve_static_wta(
    pk: Any,
    value: Any,
    rounds: Any,
    method: str = "greedy",
    time_limit_s: float | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """Static WTA: the (weapon types x targets) integer count of rounds.

    Same arguments as :func:`solve_static_wta_detailed` (which also returns the objective,
    bound and reason); an empty or infeasible problem returns all zeros.

    Examples
    --------
    >>> solve_static_wta([[0.5, 0.5]], [10.0, 1.0], [1]).tolist()
    [[1, 0]]
    """
    return solve_static_wta_detailed(pk, value, rounds, method, time_limit_s, **kwargs).counts
