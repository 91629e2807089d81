"""The radar geometry kernels equal their NumPy references (Radar.look_numpy, measure_numpy)."""

from __future__ import annotations

import numpy as np

from amdsim.core.frames import LocalFrame
from amdsim.scenario import load_catalog
from amdsim.sensors.build import make_radar


def _radar() -> object:
    frame = LocalFrame(31.7, 34.6, 0.0)
    return make_radar(
        "r", 0, load_catalog().radars["elm2084"], frame, 31.72, 34.63, 30.0,
        boresight_az_rad=np.radians(225.0),
    )  # fmt: skip


def test_look_kernel_equals_numpy() -> None:
    radar = _radar()
    rng = np.random.default_rng(3)
    pos = np.column_stack(
        [
            rng.uniform(-150e3, 150e3, 4000),
            rng.uniform(-150e3, 150e3, 4000),
            rng.uniform(-500.0, 40e3, 4000),
        ]
    )
    pos[0] = radar.site_m  # at the antenna
    pos[1] = radar.site_m + np.array([0.0, 0.0, 100.0])  # straight above it
    got, ref = radar.look(pos), radar.look_numpy(pos)
    for g, r in zip(got[:3], ref[:3], strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(got[3], ref[3])
    assert 0 < got[3].sum() < len(pos)  # some inside, some outside the coverage


def test_measure_kernel_equals_numpy() -> None:
    radar = _radar()
    rng = np.random.default_rng(4)
    r = rng.uniform(0.0, 100e3, 3000)
    r[0] = 0.0  # the range floor of the cross-range terms
    a = rng.uniform(-np.pi, np.pi, 3000)
    e = rng.uniform(-0.1, 1.4, 3000)
    pos, cov = radar.measure(r, a, e)
    pos_ref, cov_ref = radar.measure_numpy(r, a, e)
    np.testing.assert_allclose(pos, pos_ref, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(cov, cov_ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(cov, np.swapaxes(cov, 1, 2))
    assert np.all(np.linalg.eigvalsh(cov) > 0)
