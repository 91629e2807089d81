"""Siting: the MILP equals brute force on small instances; greedy meets its guarantee."""

from __future__ import annotations

import math

import numpy as np
import pytest

from amdsim.analysis.siting import (
    BatteryType,
    SitingProblem,
    ThreatAxis,
    brute_force,
    coverage_matrix,
    lp_upper_bound,
    solve_greedy,
    solve_milp,
    top_placements,
)


def _random_problem(seed: int, one_per_site: bool = True, two_types: bool = True) -> SitingProblem:
    rng = np.random.default_rng(seed)
    types = [BatteryType("short", 2, max_range_m=12_000.0, min_range_m=1_000.0)]
    if two_types:
        types.append(BatteryType("long", 1, max_range_m=25_000.0, min_range_m=5_000.0))
    return SitingProblem(
        site_xy_m=rng.uniform(-30_000, 30_000, (8, 2)),
        asset_xy_m=rng.uniform(-30_000, 30_000, (10, 2)),
        asset_value=rng.integers(1, 100, 10).astype(float),
        types=tuple(types),
        axes=(
            ThreatAxis(math.radians(270), math.radians(20), standoff_m=3_000.0, weight=2.0),
            ThreatAxis(math.radians(180), 0.0, standoff_m=2_000.0),
        ),
        one_per_site=one_per_site,
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("one_per_site", [True, False])
def test_milp_matches_brute_force(seed: int, one_per_site: bool) -> None:
    p = _random_problem(seed, one_per_site)
    bf = brute_force(p)
    mi = solve_milp(p)
    assert mi is not None
    assert mi.objective == pytest.approx(bf.objective, abs=1e-9)
    gr = solve_greedy(p)
    assert gr.objective <= bf.objective + 1e-9
    assert gr.objective >= gr.guarantee * bf.objective - 1e-9
    assert bf.objective <= lp_upper_bound(p) + 1e-6
    counts = [sum(1 for _, b in mi.chosen if b == k) for k in range(len(p.types))]
    assert counts == [t.count for t in p.types]
    if one_per_site:
        assert len({i for i, _ in mi.chosen}) == len(mi.chosen)


@pytest.mark.parametrize("seed", range(4))
def test_single_type_greedy_within_1_minus_1_over_e(seed: int) -> None:
    p = _random_problem(seed, two_types=False)
    gr, bf = solve_greedy(p), brute_force(p)
    assert gr.guarantee == pytest.approx(1 - 1 / math.e)
    assert gr.objective >= gr.guarantee * bf.objective


def test_hand_made_instance_with_known_answer() -> None:
    # assets at x = 0, 10, 20 km (values 5, 1, 5); sites at 0, 10, 20 km; one battery of 10 km
    # reach: the site at 10 km covers all three (value 11), the others 6 each.
    p = SitingProblem(
        site_xy_m=np.array([[0.0, 0.0], [10e3, 0.0], [20e3, 0.0]]),
        asset_xy_m=np.array([[0.0, 0.0], [10e3, 0.0], [20e3, 0.0]]),
        asset_value=np.array([5.0, 1.0, 5.0]),
        types=(BatteryType("x", 1, max_range_m=10e3),),
    )
    best = solve_milp(p)
    assert best is not None and best.chosen == ((1, 0),) and best.objective == 11.0
    tops = top_placements(p, 3)
    assert [t.objective for t in tops] == [11.0, 6.0, 6.0]
    assert len({t.chosen for t in tops}) == 3


def test_threat_axis_standoff_and_min_range_shape_coverage() -> None:
    # asset at the origin attacked from the west; intercepts 5 km west of it.
    p = SitingProblem(
        site_xy_m=np.array([[-5e3, 0.0], [5e3, 0.0]]),
        asset_xy_m=np.zeros((1, 2)),
        asset_value=np.ones(1),
        types=(BatteryType("x", 1, max_range_m=6e3, min_range_m=0.0),),
        axes=(ThreatAxis(math.radians(270), 0.0, standoff_m=5e3),),
    )
    cov, _ = coverage_matrix(p)
    assert cov[:, 0, 0].tolist() == [True, False]  # the east site is 10 km from the intercept point


def test_too_many_batteries_is_an_error() -> None:
    with pytest.raises(ValueError, match="candidate sites"):
        SitingProblem(np.zeros((1, 2)), np.zeros((1, 2)), np.ones(1), (BatteryType("x", 2, 1e3),))
