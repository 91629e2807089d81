"""Fault injection into the batches: every broken invariant raises with id, stage and time.

References: WGS84 semi-axes (NIMA TR8350.2); the eigenvalue repair is the nearest symmetric
matrix with floored eigenvalues (Higham 1988), checked against an independent construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from amdsim.core.errors import NumericalFault
from amdsim.core.frames import LocalFrame, geodetic_to_ecef
from amdsim.simulation.invariants import (
    check_finite,
    check_interceptors,
    check_threats,
    check_tracks,
    repair_covariances,
    repair_tracks,
)
from amdsim.tracking.batches import Tracks
from tests.robustness._records import record


@dataclass
class _Threats:
    id: np.ndarray
    status: np.ndarray
    dyn: np.ndarray


@dataclass
class _Flyouts:
    interceptor_id: np.ndarray
    pos_m: np.ndarray
    vel_mps: np.ndarray

    def __len__(self) -> int:
        return int(self.interceptor_id.shape[0])


def _threats(n: int = 4, alt_m: float = 20_000.0) -> _Threats:
    pos = geodetic_to_ecef(np.full(n, 31.5), np.linspace(34.0, 35.0, n), np.full(n, alt_m))
    dyn = np.zeros((n, 7))
    dyn[:, 0:3] = np.asarray(pos).reshape(n, 3)
    dyn[:, 3] = 1500.0
    dyn[:, 6] = 90.0
    return _Threats(np.arange(10, 10 + n), np.ones(n, np.int8), dyn)


def _tracks(n: int = 3) -> Tracks:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(n, 6, 6))
    cov = a @ np.swapaxes(a, 1, 2) + 6 * np.eye(6)
    return Tracks(
        track_id=np.arange(100, 100 + n),
        state=rng.normal(size=(n, 6)) * 1e3,
        cov=cov,
        status=np.ones(n, np.int8),
        t_update_s=np.zeros(n),
        beta_kg_m2=np.full(n, np.nan),
    )


def _expect_fault(fn, *args, stage: str, ids: list[int], t_s: float, words: str, **kw) -> None:
    with pytest.raises(NumericalFault) as info:
        fn(*args, **kw)
    e = info.value
    assert e.stage == stage and e.object_ids == ids and e.t_s == pytest.approx(t_s)
    assert words in str(e)
    level = "" if "cheap" not in kw else (" (cheap)" if kw["cheap"] else " (--check)")
    record("invariant", f"{fn.__name__}{level}: {words}", "NumericalFault", str(e))


@pytest.mark.parametrize("cheap", [True, False])
def test_sane_threats_pass(cheap: bool) -> None:
    check_threats(_threats(), 3.0, cheap=cheap)
    check_threats(_threats(alt_m=-400.0), 3.0, cheap=cheap)  # Dead Sea shore
    check_threats(_threats(alt_m=1_500_000.0), 3.0, cheap=cheap)  # high ballistic apogee
    check_threats(_threats(0), 3.0, cheap=cheap)


@pytest.mark.parametrize("cheap", [True, False])
def test_threat_faults(cheap: bool) -> None:
    st = _threats()
    st.dyn[2, 1] = np.nan
    _expect_fault(
        check_threats, st, 7.5, cheap=cheap, stage="threats", ids=[12], t_s=7.5, words="non-finite"
    )
    st = _threats()
    st.dyn[1, 3:6] = [8100.0, 0.0, 0.0]
    _expect_fault(
        check_threats, st, 1.0, cheap=cheap, stage="threats", ids=[11], t_s=1.0, words="speed"
    )
    st = _threats(alt_m=3_000_000.0)
    st.status[:2] = 2  # impacted rows are not checked
    words = "geocentric" if cheap else "altitude"
    _expect_fault(
        check_threats, st, 2.0, cheap=cheap, stage="threats", ids=[12, 13], t_s=2.0, words=words
    )
    st = _threats()
    st.dyn[3, 6] = 0.0
    _expect_fault(
        check_threats, st, 2.0, cheap=cheap, stage="threats", ids=[13], t_s=2.0, words="mass"
    )


def test_exact_altitude_band_edges() -> None:
    """-10 km is the floor: -9.9 km passes, -10.1 km fails (exact WGS84 height)."""
    check_threats(_threats(alt_m=-9_900.0), 0.0, cheap=False)
    _expect_fault(
        check_threats, _threats(alt_m=-10_100.0), 0.0, cheap=False,
        stage="threats", ids=[10, 11, 12, 13], t_s=0.0, words="altitude",
    )  # fmt: skip


def test_waiting_threats_are_not_checked() -> None:
    st = _threats()
    st.status[:] = 0
    st.dyn[:, :] = np.nan
    check_threats(st, 0.0, cheap=False)


@pytest.mark.parametrize("cheap", [True, False])
def test_track_faults(cheap: bool) -> None:
    check_tracks(_tracks(), 1.0, cheap=cheap)
    check_tracks(_tracks(0), 1.0, cheap=cheap)
    tr = _tracks()
    tr.state[1, 4] = np.inf
    _expect_fault(
        check_tracks, tr, 4.0, cheap=cheap, stage="tracking", ids=[101], t_s=4.0, words="non-finite"
    )
    tr = _tracks()
    tr.cov[2, 3, 3] = -1.0
    _expect_fault(
        check_tracks, tr, 4.0, cheap=cheap, stage="tracking", ids=[102], t_s=4.0, words="<= 0"
    )


def test_track_asymmetric_and_indefinite_only_in_full_check() -> None:
    tr = _tracks()
    tr.cov[0, 0, 1] += 5.0
    check_tracks(tr, 1.0, cheap=True)
    _expect_fault(
        check_tracks,
        tr,
        1.0,
        cheap=False,
        stage="tracking",
        ids=[100],
        t_s=1.0,
        words="not symmetric",
    )
    tr = _tracks()
    c = np.eye(6)
    c[0, 1] = c[1, 0] = 2.0  # eigenvalues 3 and -1: positive diagonal, indefinite
    tr.cov[1] = c
    check_tracks(tr, 1.0, cheap=True)
    _expect_fault(
        check_tracks,
        tr,
        1.0,
        cheap=False,
        stage="tracking",
        ids=[101],
        t_s=1.0,
        words="positive definite",
    )


def test_repair_matches_independent_construction() -> None:
    c = np.eye(3)
    c[0, 1], c[1, 0] = 2.0, 2.1  # asymmetric and indefinite
    ok = np.diag([4.0, 9.0, 1.0])
    fixed, rep = repair_covariances(np.stack([c, ok]), abs_floor=1e-6, rel_floor=0.0)
    assert rep.tolist() == [True, False]
    assert np.array_equal(fixed[1], ok)  # a good one is untouched, bit for bit
    s = 0.5 * (c + c.T)
    w, v = np.linalg.eig(s)  # independent route: general eig, then clip
    expect = (v * np.maximum(w.real, 1e-6)) @ v.T
    np.testing.assert_allclose(fixed[0], expect, atol=1e-12)
    assert np.linalg.eigvalsh(fixed[0]).min() >= 1e-6 * (1 - 1e-9)
    np.testing.assert_array_equal(fixed[0], fixed[0].T)
    record(
        "invariant",
        "repair_covariances: asymmetric indefinite 3x3",
        "repaired",
        "eigenvalues floored",
    )


def test_repair_tracks_names_ids_and_refuses_nan() -> None:
    tr = _tracks()
    same, ids = repair_tracks(tr, 1.0)
    assert same is tr and ids.size == 0
    tr.cov[2, 0, 0] = -3.0
    fixed, ids = repair_tracks(tr, 1.0)
    assert ids.tolist() == [102]
    check_tracks(fixed, 1.0, cheap=False)
    np.testing.assert_array_equal(fixed.cov[:2], tr.cov[:2])
    tr.cov[0, 1, 1] = np.nan
    _expect_fault(repair_tracks, tr, 1.0, stage="tracking", ids=[100], t_s=1.0, words="non-finite")
    with pytest.raises(ValueError, match="non-finite"):
        repair_covariances(tr.cov)
    with pytest.raises(ValueError, match=r"\(n, d, d\)"):
        repair_covariances(np.eye(3))


def test_interceptor_faults() -> None:
    frame = LocalFrame(31.5, 34.5)
    n = 3
    fl = _Flyouts(
        np.arange(7, 7 + n), np.array([[0.0, 0.0, 5e3]] * n), np.array([[0.0, 900.0, 400.0]] * n)
    )
    check_interceptors(fl, 2.0, frame=frame)
    check_interceptors(_Flyouts(np.zeros(0, int), np.zeros((0, 3)), np.zeros((0, 3))), 2.0)
    fl.vel_mps[1] = [np.nan, 0, 0]
    _expect_fault(
        check_interceptors,
        fl,
        2.0,
        frame=frame,
        stage="interceptors",
        ids=[8],
        t_s=2.0,
        words="non-finite",
    )
    fl.vel_mps[1] = [0, 9000.0, 0]
    _expect_fault(
        check_interceptors,
        fl,
        2.0,
        frame=frame,
        stage="interceptors",
        ids=[8],
        t_s=2.0,
        words="speed",
    )
    fl.vel_mps[1] = [0, 900.0, 0]
    fl.pos_m[2] = [0.0, 0.0, -50e3]
    _expect_fault(
        check_interceptors,
        fl,
        2.0,
        frame=frame,
        stage="interceptors",
        ids=[9],
        t_s=2.0,
        words="altitude",
    )


def test_many_offenders_are_counted_first_ten_named() -> None:
    a = np.full((25, 3), np.nan)
    with pytest.raises(NumericalFault) as info:
        check_finite("x", 0.0, np.arange(25), a)
    assert info.value.object_ids == list(range(10))
    assert "25 objects" in str(info.value)


def test_real_default_threat_flight_passes_both_levels() -> None:
    """The default preset's threats, flown for 60 s, satisfy every invariant at each step."""
    from amdsim.scenario import load_scenario
    from amdsim.threats import ThreatFlight, build_threats

    sc = load_scenario("preset:default")
    frame = sc.frame()
    st = build_threats(sc, sc.catalog_resolved, frame, np.random.default_rng(0))
    fl = ThreatFlight(dt_max_s=float(sc.dt_s))
    t, dt = 0.0, float(sc.dt_s)
    while t < 60.0:
        st, _ = fl.advance(st, t, dt)
        t += dt
        check_threats(st, t, cheap=True)
        check_threats(st, t, cheap=False)
    assert (st.status >= 1).any()
