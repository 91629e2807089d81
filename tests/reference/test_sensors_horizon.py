"""Radar horizon masking against the 4/3-Earth horizon formula.

Source: Skolnik, *Introduction to Radar Systems*, 3rd ed., §8.2: with the effective Earth
radius k R (k = 4/3) the distance to the horizon of an antenna at height h is
sqrt(2 k R h); a target at height h_t is visible out to sqrt(2 k R h_r) + sqrt(2 k R h_t),
i.e. d[km] ~= 4.12 (sqrt(h_r[m]) + sqrt(h_t[m])).
"""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.core.frames import LocalFrame
from amdsim.scenario.types.radar import RadarType
from amdsim.sensors.build import make_radar

FRAME = LocalFrame(31.5, 34.6, 0.0)
RTYPE = RadarType(
    label="test",
    detection_range_m=1e6,
    max_range_m=2e6,
    min_range_m=0.0,
    el_min_rad=-0.5,
    antenna_height_m=0.0,
)


def _horizon_m(radar_h: float, target_h: float, earth_r: float) -> float:
    k = 4.0 / 3.0
    return float(np.sqrt(2 * k * earth_r * radar_h) + np.sqrt(2 * k * earth_r * target_h))


def _target_along_north(radar, ground_m: float, h_t: float) -> np.ndarray:
    """Target at ground arc ``ground_m`` north of the radar, height ``h_t``, on the local sphere."""
    r = radar.earth_radius_m
    th = ground_m / r
    rel_local = np.array(
        [0.0, (r + h_t) * np.sin(th), (r + h_t) * np.cos(th) - (r + radar.height_m)]
    )
    return (rel_local @ radar.rot + radar.site_m)[None, :]


@pytest.mark.parametrize(
    ("h_r", "h_t"), [(10.0, 1000.0), (30.0, 100.0), (5.0, 20000.0), (100.0, 100000.0)]
)
def test_horizon_distance_matches_4_3_earth_formula(h_r: float, h_t: float) -> None:
    radar = make_radar("r", 0, RTYPE, FRAME, 31.5, 34.6, alt_m=h_r)
    d_h = _horizon_m(radar.height_m, h_t, radar.earth_radius_m)
    # the formula drops terms of order h/R: 1 % either side is decisive
    inside = radar.look(_target_along_north(radar, 0.99 * d_h, h_t))[3]
    outside = radar.look(_target_along_north(radar, 1.01 * d_h, h_t))[3]
    assert inside[0] and not outside[0]


def test_horizon_with_geodetic_target_positions() -> None:
    """Targets placed by latitude on the WGS84 ellipsoid: the 4.12 km rule within 2 %."""
    h_r, h_t = 20.0, 3000.0
    radar = make_radar("r", 0, RTYPE, FRAME, 31.5, 34.6, alt_m=h_r)
    d_km = 4.12 * (np.sqrt(h_r) + np.sqrt(h_t))
    dlat = np.degrees(np.array([0.97, 1.03]) * d_km * 1000 / 6_371_000.0)
    pos = FRAME.geodetic_to_enu(31.5 + dlat, np.full(2, 34.6), np.full(2, h_t))
    cover = radar.look(pos)[3]
    assert cover.tolist() == [True, False]


def test_minimum_elevation_masks_low_targets() -> None:
    rt = RTYPE.model_copy(update={"el_min_rad": np.radians(2.0)})
    radar = make_radar("r", 0, rt, FRAME, 31.5, 34.6, alt_m=10.0)
    # 50 km away: 1 deg elevation is masked, 3 deg is seen
    pos = np.array(
        [[0.0, 50e3, 50e3 * np.tan(np.radians(1.0))], [0.0, 50e3, 50e3 * np.tan(np.radians(3.5))]]
    )
    assert radar.look(pos)[3].tolist() == [False, True]
