"""One contract suite over every static WTA solver (greedy, assignment, milp, auto).

The optimum of each small instance comes from brute-force enumeration of every integer
assignment, written here independently of the solvers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from amdsim.battle import solve_static_wta, solve_static_wta_detailed, wta_objective

METHODS = ["greedy", "assignment", "milp", "auto"]


def _splits(n: int, k: int):
    """All ways of putting at most n identical rounds into k targets."""
    for c in itertools.product(range(n + 1), repeat=k):
        if sum(c) <= n:
            yield c


def brute_force(pk, value, rounds, cost=None, cost_weight=0.0, min_rounds=None):
    pk, value = np.asarray(pk, float), np.asarray(value, float)
    n_w, n_t = pk.shape
    cost = np.zeros(n_w) if cost is None else np.asarray(cost, float)
    best, best_x = np.inf, None
    for combo in itertools.product(*[list(_splits(int(r), n_t)) for r in rounds]):
        x = np.array(combo, dtype=np.int64).reshape(n_w, n_t)
        if min_rounds is not None and np.any(x.sum(axis=0) < min_rounds):
            continue
        obj = wta_objective(x, pk, value) + cost_weight * float(cost @ x.sum(axis=1))
        if obj < best - 1e-12:
            best, best_x = obj, x
    return best, best_x


def _instances(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        n_w, n_t = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        pk = rng.uniform(0.0, 0.95, (n_w, n_t)) * (rng.random((n_w, n_t)) > 0.2)
        value = rng.uniform(0.0, 100.0, n_t)
        rounds = rng.integers(0, 4 if n_w * n_t <= 4 else 3, n_w)
        yield pk, value, rounds


def _check_feasible(x, pk, rounds, min_rounds=None):
    x = np.asarray(x)
    assert x.shape == np.asarray(pk).shape
    assert x.dtype.kind == "i"
    assert np.all(x >= 0)
    assert np.all(x.sum(axis=1) <= rounds)
    assert np.all(x[np.asarray(pk) == 0] == 0), "a round was wasted on a pk = 0 pair"
    if min_rounds is not None:
        assert np.all(x.sum(axis=0) >= min_rounds)


@pytest.mark.parametrize("method", METHODS)
def test_feasible_and_never_better_than_brute_force(method):
    for pk, value, rounds in _instances(25):
        opt, _ = brute_force(pk, value, rounds)
        res = solve_static_wta_detailed(pk, value, rounds, method)
        _check_feasible(res.counts, pk, rounds)
        assert res.surviving_value >= opt - 1e-9
        assert res.surviving_value == pytest.approx(wta_objective(res.counts, pk, value))


@pytest.mark.parametrize("method", ["milp", "auto"])
def test_exact_solvers_match_brute_force(method):
    for pk, value, rounds in _instances(25, seed=11):
        opt, _ = brute_force(pk, value, rounds)
        res = solve_static_wta_detailed(pk, value, rounds, method)
        assert res.objective == pytest.approx(opt, abs=1e-6 * max(1.0, opt))
        assert res.optimal
        assert res.bound <= opt + 1e-6 * max(1.0, opt)


def test_milp_matches_brute_force_with_costs_and_minimum_rounds():
    rng = np.random.default_rng(3)
    for _ in range(10):
        pk = rng.uniform(0.1, 0.9, (2, 3))
        value = rng.uniform(10.0, 100.0, 3)
        rounds = np.array([3, 2])
        cost = np.array([5.0, 1.0])
        mins = np.array([1, 0, 0])
        opt, _ = brute_force(pk, value, rounds, cost, 2.0, mins)
        res = solve_static_wta_detailed(
            pk, value, rounds, "milp", cost=cost, cost_weight=2.0, min_rounds=mins
        )
        assert res.objective == pytest.approx(opt, abs=1e-6 * opt)
        _check_feasible(res.counts, pk, rounds, mins)


@pytest.mark.parametrize("method", ["greedy", "milp"])
def test_identical_weapons_greedy_is_optimal(method):
    """den Broeder, Ellison & Emerling (1959): with pk depending on the target only, maximum
    marginal return is optimal."""
    rng = np.random.default_rng(5)
    for _ in range(15):
        n_t = int(rng.integers(2, 5))
        p_t = rng.uniform(0.05, 0.95, n_t)
        value = rng.uniform(1.0, 50.0, n_t)
        pk = np.tile(p_t, (2, 1))
        rounds = np.array([int(rng.integers(0, 4)), int(rng.integers(0, 3))])
        opt, _ = brute_force(pk, value, rounds)
        x = solve_static_wta(pk, value, rounds, method)
        assert wta_objective(x, pk, value) == pytest.approx(opt, rel=1e-9, abs=1e-9)


def test_assignment_exact_for_one_round_per_target():
    rng = np.random.default_rng(9)
    for _ in range(15):
        pk = rng.uniform(0.01, 1.0, (3, 3))
        value = rng.uniform(1.0, 10.0, 3)
        rounds = np.array([1, 1, 1])
        # with one round per weapon type and max one round per pair, the LSA stage is exact
        # when every target takes at most one round in the optimum: compare to brute force
        # restricted to one round per target
        best = np.inf
        for perm in itertools.permutations(range(3)):
            x = np.zeros((3, 3), np.int64)
            x[np.arange(3), perm] = 1
            best = min(best, wta_objective(x, pk, value))
        x = solve_static_wta(pk, value, rounds, "assignment", max_per_pair=1)
        assert np.all(x.sum(axis=0) <= 1)
        assert wta_objective(x, pk, value) == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("pk", "value", "rounds", "reason"),
    [
        (np.zeros((0, 3)), np.ones(3), np.zeros(0, int), "empty problem"),
        (np.full((2, 3), 0.5), np.ones(3), np.zeros(2, int), "no ammunition"),
        (np.zeros((2, 3)), np.ones(3), np.ones(2, int), "no feasible"),
        (np.full((2, 3), 0.5), np.zeros(3), np.ones(2, int), "nothing to protect"),
        (np.full((2, 0), 0.5), np.zeros(0), np.ones(2, int), "empty problem"),
    ],
)
def test_empty_or_infeasible_gives_zero_plan_with_reason(method, pk, value, rounds, reason):
    res = solve_static_wta_detailed(pk, value, rounds, method)
    assert res.counts.shape == pk.shape
    assert not res.counts.any()
    assert reason in res.reason
    assert solve_static_wta(pk, value, rounds, method).shape == pk.shape


@pytest.mark.parametrize("method", METHODS)
def test_unmeetable_minimum_is_a_reason_not_an_exception(method):
    res = solve_static_wta_detailed([[0.5, 0.5]], [1.0, 1.0], [1], method, min_rounds=[1, 1])
    assert "infeasible" in res.reason
    assert not res.counts.any()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pk": [[1.2]], "value": [1.0], "rounds": [1]}, "pk must be"),
        ({"pk": [[-0.1]], "value": [1.0], "rounds": [1]}, "pk must be"),
        ({"pk": [[np.nan]], "value": [1.0], "rounds": [1]}, "pk must be"),
        ({"pk": [0.5], "value": [1.0], "rounds": [1]}, "2-D"),
        ({"pk": [[0.5]], "value": [1.0], "rounds": [-1]}, "rounds must be >= 0"),
        ({"pk": [[0.5]], "value": [1.0], "rounds": [1.5]}, "whole numbers"),
        ({"pk": [[0.5]], "value": [1.0, 2.0], "rounds": [1]}, "value must have shape"),
        ({"pk": [[0.5]], "value": [1.0], "rounds": [1, 2]}, r"rounds must have shape"),
        ({"pk": [[0.5]], "value": [-1.0], "rounds": [1]}, "value must be"),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_bad_input_raises_clear_value_error(kwargs, match, method):
    with pytest.raises(ValueError, match=match):
        solve_static_wta(method=method, **kwargs)


def test_unknown_method_raises():
    with pytest.raises(ValueError, match="method"):
        solve_static_wta([[0.5]], [1.0], [1], method="magic")


@pytest.mark.parametrize("method", METHODS)
def test_cost_weight_stops_uneconomic_rounds(method):
    # one round gains 0.5 * 10 = 5 value; at cost 6 value units it must not be fired
    x = solve_static_wta([[0.5]], [10.0], [3], method, cost=[6.0], cost_weight=1.0)
    assert x.sum() == 0
    x = solve_static_wta([[0.5]], [10.0], [3], method, cost=[2.0], cost_weight=1.0)
    assert x.sum() == 2  # gains 5, 2.5 (> 2), then 1.25 (< 2)


@pytest.mark.parametrize("method", METHODS)
def test_max_per_pair_is_respected(method):
    pk = np.array([[0.6, 0.1], [0.5, 0.1]])
    x = solve_static_wta(pk, [100.0, 1.0], [5, 5], method, max_per_pair=2)
    assert x.max() <= 2


@pytest.mark.parametrize("method", METHODS)
def test_max_per_target_is_respected_and_milp_exact(method):
    rng = np.random.default_rng(13)
    for _ in range(10):
        pk = rng.uniform(0.05, 0.9, (3, 3))
        value = rng.uniform(1.0, 100.0, 3)
        rounds = np.array([2, 2, 1])
        res = solve_static_wta_detailed(pk, value, rounds, method, max_per_pair=1, max_per_target=1)
        assert res.counts.max() <= 1
        assert np.all(res.counts.sum(axis=0) <= 1)
        _check_feasible(res.counts, pk, rounds)
        if method in ("milp", "auto"):
            best = np.inf
            for combo in itertools.product(
                range(4), repeat=3
            ):  # target j <- weapon combo[j] (3 = none)
                x = np.zeros((3, 3), np.int64)
                for j, w in enumerate(combo):
                    if w < 3:
                        x[w, j] = 1
                if np.all(x.sum(axis=1) <= rounds):
                    best = min(best, wta_objective(x, pk, value))
            assert res.objective == pytest.approx(best, rel=1e-9)


def test_lagrangian_bound_is_a_valid_lower_bound():
    from amdsim.battle._wta_bound import lagrangian_bound
    from amdsim.battle.wta import make_wta_problem

    for pk, value, rounds in _instances(20, seed=17):
        opt, _ = brute_force(pk, value, rounds)
        prob = make_wta_problem(pk, value, rounds)
        lb = lagrangian_bound(prob, opt)
        assert lb <= opt + 1e-9 * max(1.0, opt)


def test_milp_respects_time_limit_on_large_problem():
    """Above MILP_MAX_PAIRS_WITH_LIMIT pairs a time-limited MILP returns the better heuristic
    plan and a Lagrangian bound at once instead of starting HiGHS."""
    rng = np.random.default_rng(2)
    pk = rng.uniform(0.05, 0.9, (120, 900))
    value = rng.uniform(1.0, 100.0, 900)
    rounds = rng.integers(1, 4, 120)
    res = solve_static_wta_detailed(pk, value, rounds, "milp", time_limit_s=1.0)
    assert "too large" in res.reason
    assert np.isfinite(res.bound) and res.bound <= res.objective
    _check_feasible(res.counts, pk, rounds)


def test_assignment_is_exact_for_the_decision_cycle_problem():
    """One engagement per target, at most one per (battery, target), several per battery, with
    costs: the battle manager's per-cycle problem. One LSA stage is exact there."""
    rng = np.random.default_rng(21)
    for _ in range(10):
        pk = rng.uniform(0.0, 0.95, (3, 5)) * (rng.random((3, 5)) < 0.7)
        value = rng.uniform(1.0, 100.0, 5)
        rounds = rng.integers(0, 3, 3)
        cost = rng.uniform(0.0, 20.0, 3)
        kw = {"cost": cost, "cost_weight": 1.0, "max_per_pair": 1, "max_per_target": 1}
        exact = solve_static_wta_detailed(pk, value, rounds, "milp", **kw)
        lsa = solve_static_wta_detailed(pk, value, rounds, "assignment", **kw)
        assert exact.optimal
        assert lsa.objective == pytest.approx(exact.objective, rel=1e-9, abs=1e-9)
