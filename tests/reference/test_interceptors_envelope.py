"""Envelope tables against the flyout, and each system's reach against its public box.

Public boxes (ground range x altitude) are the catalog's, from public-figures §0/§1 (e.g.
THAAD 200 km / 150 km (H), Patriot ~20 km altitude (M), Iron Dome 70 km / ~10 km (H/L)).
"""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.interceptors.envelope import GRID_MARGIN, TableEnvelope, envelope_for
from amdsim.interceptors.flyouts import MODE_MISSILE, Flyouts
from amdsim.interceptors.homing import advance
from amdsim.interceptors.kinematics import InterceptorTable, launch_velocity
from amdsim.scenario import load_catalog
from amdsim.tracking.batches import Tracks

MISSILE_SYSTEMS = [
    "iron_dome",
    "davids_sling",
    "patriot_gemt",
    "patriot_mse",
    "thaad",
    "arrow2",
    "arrow3",
]
FAST = {"patriot_mse"}


def _params(systems: list[str]) -> list[object]:
    return [s if s in FAST else pytest.param(s, marks=pytest.mark.slow) for s in systems]


@pytest.mark.parametrize("system", _params(MISSILE_SYSTEMS))
def test_system_reaches_its_public_box_and_no_further(system: str) -> None:
    cat = load_catalog()
    s = cat.systems[system]
    env = envelope_for(system, cat)
    z = np.linspace(s.min_alt_m, s.max_alt_m, 200)
    r = np.linspace(s.min_range_m, s.max_range_m, 400)
    # reaches: the far range edge at some altitude, the ceiling at some range (3 % inside)
    assert np.isfinite(env.time_of_flight(np.full_like(z, 0.97 * s.max_range_m), z)).any()
    assert np.isfinite(env.time_of_flight(r, np.full_like(r, 0.97 * s.max_alt_m))).any()
    # and no further: nothing beyond the box
    assert np.isnan(env.time_of_flight(np.full_like(z, 1.01 * s.max_range_m), z)).all()
    assert np.isnan(env.time_of_flight(r, np.full_like(r, 1.01 * s.max_alt_m))).all()
    # the interceptor's own kinematic reach in range ends before 1.3 x the public range
    kin = envelope_for(s.interceptor, cat)
    assert isinstance(kin, TableEnvelope)
    assert np.isnan(kin.tof_s[:, -1]).all(), f"{system}: flyout reaches {GRID_MARGIN} x max range"
    assert np.isfinite(kin.tof_s).any(axis=0)[kin.range_m <= s.max_range_m].all()


def _direct_flyouts(itype_name: str, pts: np.ndarray) -> np.ndarray:
    """Time of flight (s) of engine-resolution flyouts (0.1 s step, 0.01 s sub-step)."""
    itype = load_catalog().interceptors[itype_name]
    tab = InterceptorTable.from_types({itype_name: itype})
    n = pts.shape[0]
    ids = np.arange(n, dtype=np.int64)
    z3 = np.zeros((n, 3))
    f = Flyouts(tab, ids, np.zeros(n, np.int64), np.zeros(n, np.int64), np.full(n, MODE_MISSILE, np.int8),
                ids, np.full(n, -1, np.int64), z3.copy(), launch_velocity(z3, pts, np.full(n, itype.loft_rad)),
                np.zeros(n), pts.copy(), z3.copy(), np.zeros(n, bool), np.full(n, np.inf),
                np.full(n, np.nan), np.full(n, np.inf), np.zeros(n))  # fmt: skip
    tracks = Tracks(ids, np.hstack([pts, z3]), np.zeros((n, 6, 6)), np.ones(n, np.int8), np.zeros(n),
                    np.full(n, np.nan))  # fmt: skip
    tof = np.full(n, np.nan)
    rng = np.random.Generator(np.random.PCG64(0))
    t = 0.0
    while len(f) and t < itype.max_flight_time_s + 1:
        f, _, ev = advance(f, t, 0.1, tracks, ids, pts, z3, rng, substep_s=0.01)
        ok = np.isfinite(ev.p) & (ev.p <= itype.lethal_radius_m)
        tof[ev.interceptor_id[ok]] = ev.t_s[ok]
        t += 0.1
    return tof


@pytest.mark.parametrize("system", _params(["patriot_mse", "iron_dome", "thaad"]))
def test_table_agrees_with_direct_flyouts(system: str) -> None:
    """Table (0.1 s sub-step, bilinear) vs engine-resolution flyouts at random points inside
    the reachable region: within 0.5 s or 3 % of the time of flight."""
    cat = load_catalog()
    s = cat.systems[system]
    env = envelope_for(system, cat)
    rng = np.random.default_rng(5)
    r = rng.uniform(s.min_range_m, s.max_range_m, 400)
    z = rng.uniform(s.min_alt_m, s.max_alt_m, 400)
    t_tab = env.time_of_flight(r, z)
    keep = np.flatnonzero(np.isfinite(t_tab))[:24]
    assert keep.size >= 12
    pts = np.stack([r[keep], np.zeros(keep.size), z[keep]], axis=1)
    t_fly = _direct_flyouts(s.interceptor, pts)
    assert np.isfinite(t_fly).all(), "a point inside the table was not reached by the flyout"
    err = np.abs(t_fly - t_tab[keep])
    assert np.all(err <= np.maximum(0.5, 0.03 * t_fly)), f"max error {err.max():.2f} s"


def test_packaged_tables_cover_the_builtin_catalog() -> None:
    """Every table the built-in systems use is packaged (else it would be regenerated at run
    time); regenerate with ``python -m amdsim.interceptors.envelope``."""
    from amdsim.interceptors.envelope import _stored, builtin_table_keys

    missing = set(builtin_table_keys(load_catalog())) - set(_stored())
    assert not missing, (
        "packaged envelope tables are stale: run python -m amdsim.interceptors.envelope"
    )


@pytest.mark.parametrize("itype_name", ["pac3_mse", pytest.param("thaad", marks=pytest.mark.slow)])
def test_regenerating_a_packaged_table_gives_the_same_table(itype_name: str) -> None:
    from amdsim.interceptors.envelope import (
        _key,
        _kinematic_json,
        _stored,
        builtin_table_keys,
        generate_table,
    )

    cat = load_catalog()
    keys = [
        k for k, (it, _, _) in builtin_table_keys(cat).items() if it == cat.interceptors[itype_name]
    ]
    assert keys
    itype, r, z = builtin_table_keys(cat)[keys[0]]
    assert _key(_kinematic_json(itype), r, z) == keys[0]
    fresh = generate_table(itype, r, z).tof_s
    stored = _stored()[keys[0]]
    np.testing.assert_array_equal(np.isnan(fresh), np.isnan(stored))
    np.testing.assert_allclose(fresh[~np.isnan(fresh)], stored[~np.isnan(stored)], atol=1e-6)  # s
