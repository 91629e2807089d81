"""Named RNG streams: reproducible, independent of request order and of each other."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from amdsim.core.rng import RngStreams


def test_same_seed_same_name_same_draws() -> None:
    a = RngStreams(42).get("kill").random(100)
    b = RngStreams(42).get("kill").random(100)
    np.testing.assert_array_equal(a, b)


def test_streams_do_not_depend_on_request_order() -> None:
    s1, s2 = RngStreams(7), RngStreams(7)
    a1 = s1.get("radar/North").random(10)
    k1 = s1.get("kill").random(10)
    k2 = s2.get("kill").random(10)  # requested first here
    a2 = s2.get("radar/North").random(10)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(k1, k2)


def test_adding_a_stream_does_not_change_another() -> None:
    base = RngStreams(3).get("kill").random(5)
    s = RngStreams(3)
    for i in range(20):
        s.get(f"radar/extra {i}").random(100)
    np.testing.assert_array_equal(s.get("kill").random(5), base)


def test_different_names_and_seeds_differ() -> None:
    s = RngStreams(1)
    assert not np.array_equal(s.get("a").random(8), s.get("b").random(8))
    assert not np.array_equal(RngStreams(1).get("a").random(8), RngStreams(2).get("a").random(8))


def test_streams_are_statistically_independent() -> None:
    """Pearson correlation between two streams: under independence r*sqrt(n) ~ N(0, 1);
    refuse |r| beyond the two-sided 1e-4 quantile (fixed seeds, so not flaky)."""
    n = 20_000
    names = ["threats", "radar/A", "radar/B", "tracker", "battle", "kill", "interceptors"]
    s = RngStreams(12345)
    draws = np.array([s.get(nm).standard_normal(n) for nm in names])
    r = np.corrcoef(draws)
    bound = stats.norm.isf(0.5e-4) / np.sqrt(n)
    off = r[~np.eye(len(names), dtype=bool)]
    assert np.all(np.abs(off) < bound)
    # and each stream is uniform: Kolmogorov-Smirnov at the 1e-4 level
    for nm in names:
        assert stats.kstest(s.get(nm).random(n), "uniform").pvalue > 1e-4


@pytest.mark.parametrize("bad", [-1, 1.5, "1", None])
def test_bad_seed_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        RngStreams(bad)  # type: ignore[arg-type]


def test_numpy_integer_seed_is_accepted() -> None:
    assert RngStreams(np.int64(5)).seed == 5
