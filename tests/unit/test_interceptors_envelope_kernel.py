"""The Numba bilinear time-of-flight lookup equals its NumPy reference, point for point."""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.interceptors.envelope import envelope_for
from amdsim.scenario import load_catalog


@pytest.mark.parametrize("system", ["iron_dome", "patriot_mse", "thaad"])
def test_kernel_equals_numpy_reference(system: str) -> None:
    cat = load_catalog()
    env = envelope_for(system, cat)
    rng = np.random.default_rng(7)
    s = cat.systems[system]
    r = rng.uniform(-0.2, 1.4, 5000) * s.max_range_m
    z = rng.uniform(-0.2, 1.4, 5000) * s.max_alt_m
    r[:3], z[:3] = np.nan, 1000.0  # NaN inputs give NaN
    r[3:6], z[3:6] = env.range_m[-1], env.alt_m[-1]  # the grid's far corner
    got = env.time_of_flight(r, z)
    ref = env.time_of_flight_numpy(r, z)
    np.testing.assert_array_equal(got, ref)
    assert np.isfinite(got).sum() > 500  # the sample reaches inside the envelope
    # shapes: scalar, broadcast, 2-D
    assert np.shape(env.time_of_flight(1000.0, 500.0)) == ()
    assert env.time_of_flight(r[:20].reshape(4, 5), 500.0).shape == (4, 5)
