"""Catalog entries, battery construction, fire orders, channels, inventory and reloads."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pytest
from pydantic import ValidationError

from amdsim.core.errors import ScenarioError
from amdsim.core.frames import LocalFrame
from amdsim.interceptors import Flyouts, build_batteries, envelope_for, fire, tick
from amdsim.scenario import load_catalog, load_scenario_text
from amdsim.scenario.types.interceptor import InterceptorType, WeaponSystem
from amdsim.tracking.batches import Tracks

FRAME = LocalFrame(31.5, 34.6, 0.0)
SYSTEMS = ["iron_dome", "davids_sling", "patriot_gemt", "patriot_mse", "thaad", "arrow2", "arrow3",
           "c_ram", "iron_beam"]  # fmt: skip
TYPES = ["tamir", "stunner", "pac2_gemt", "pac3_mse", "thaad", "arrow2", "arrow3"]


def _bat(system: str, **kw: object) -> NS:
    base = dict(name=f"B-{system}", system=system, lat_deg=31.5, lon_deg=34.6, alt_m=0.0,
                radars=None, launchers=None, inventory=None, engage_threshold=None)  # fmt: skip
    base.update(kw)
    return NS(**base)


def _tracks(ids, p, v, t=0.0):  # type: ignore[no-untyped-def]
    p = np.asarray(p, float).reshape(-1, 3)
    v = np.asarray(v, float).reshape(-1, 3)
    n = len(ids)
    return Tracks(np.asarray(ids, np.int64), np.hstack([p, v]), np.zeros((n, 6, 6)),
                  np.ones(n, np.int8), np.full(n, t), np.full(n, np.nan))  # fmt: skip


def test_catalog_has_every_system_with_provenance() -> None:
    cat = load_catalog()
    assert set(TYPES) <= set(cat.interceptors) and set(SYSTEMS) <= set(cat.systems)
    for name in SYSTEMS:
        s = cat.systems[name]
        for field in (
            "launchers",
            "rounds_per_launcher",
            "max_range_m",
            "max_alt_m",
            "reaction_time_s",
        ):
            assert s.provenance[field].conf in {"H", "M", "L", "D", "CLAIM", "CALC", "ASSUMPTION"}
        if s.kind == "missile":
            assert s.interceptor in cat.interceptors
    # public figures (public-figures §0/§1)
    assert cat.systems["iron_dome"].launchers * cat.systems["iron_dome"].rounds_per_launcher == 60
    assert cat.systems["thaad"].launchers * cat.systems["thaad"].rounds_per_launcher == 48
    assert cat.systems["thaad"].max_alt_m == 150_000 and cat.systems["thaad"].max_range_m == 200_000
    assert cat.systems["c_ram"].rate_rds_per_s == pytest.approx(4500 / 60)
    assert 2.0 <= cat.systems["iron_beam"].round_cost_usd <= 4.0
    assert cat.interceptors["thaad"].unit_cost_usd == 12e6


@pytest.mark.parametrize(
    ("model", "name", "update", "needle"),
    [
        (InterceptorType, "tamir", {"boost_thrust_n": -1.0}, "greater than 0"),
        (InterceptorType, "tamir", {"min_speed_mps": -5.0}, "greater than or equal to 0"),
        (InterceptorType, "tamir", {"pk": 1.2}, "less than or equal to 1"),
        (InterceptorType, "tamir", {"mass_burnout_kg": 200.0}, "must be below mass_launch_kg"),
        (WeaponSystem, "iron_dome", {"launchers": 0}, "greater than or equal to 1"),
        (WeaponSystem, "iron_dome", {"engage_threshold": -0.1}, "greater than or equal to 0"),
        (WeaponSystem, "iron_dome", {"min_range_m": 80000.0}, "must be below max_range_m"),
        (WeaponSystem, "c_ram", {"pk_burst": [0.5, 1.5, 0.1, 0.1, 0.1, 0.0]}, "pk_burst values"),
    ],
)
def test_impossible_values_are_refused(model, name, update, needle) -> None:  # type: ignore[no-untyped-def]
    cat = load_catalog()
    entry = (cat.interceptors if model is InterceptorType else cat.systems)[name]
    data = entry.model_dump()
    data.update(update)
    with pytest.raises(ValidationError, match=needle):
        model.model_validate(data)


def test_scenario_override_error_names_file_and_line() -> None:
    text = (
        "name: t\norigin: {lat_deg: 31.5, lon_deg: 34.6}\nduration_s: 10\n"
        "catalog:\n  interceptors:\n    tamir:\n      pk: 1.5\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text, "bad.yaml").catalog_resolved  # noqa: B018
    assert "bad.yaml:7" in str(err.value) and "pk" in str(err.value)


def test_build_batteries_overrides_and_attributes() -> None:
    cat = load_catalog()
    sc = NS(batteries=[_bat("iron_dome", launchers=2, inventory=5, engage_threshold=0.5, radars=["R2"]),
                       _bat("c_ram", lat_deg=31.51)],
            radars=[NS(name="R1"), NS(name="R2")])  # fmt: skip
    b = build_batteries(sc, cat, FRAME)
    assert len(b) == 2
    assert b.ready_rounds.tolist() == [40, 15] and b.spare_rounds.tolist() == [5, 15]
    assert (
        b.engage_threshold[0] == 0.5
        and b.radars[0].tolist() == [1]
        and b.radars[1].tolist() == [0, 1]
    )
    assert b.tier.tolist() == ["lower", "point"] and b.kind.tolist() == ["missile", "gun"]
    assert b.cost_per_round_usd[0] == 50000.0 and b.cost_per_round_usd[1] == 30.0 * 100
    np.testing.assert_allclose(b.pos_m[0], 0.0, atol=1e-6)
    assert b.pos_m[1, 1] == pytest.approx(1109.0, abs=5.0)  # 0.01 deg of latitude north (m)
    with pytest.raises(KeyError, match="unknown weapon system"):
        build_batteries(NS(batteries=[_bat("nope")], radars=[]), cat, FRAME)


def test_fire_cuts_to_ready_rounds_and_channels_and_tick_reloads() -> None:
    cat = load_catalog()
    b = build_batteries(NS(batteries=[_bat("thaad", launchers=1)], radars=[]), cat, FRAME)
    f = Flyouts.empty(b.table)
    tr = _tracks(
        range(8), [[150e3 + 1e3 * i, 0.0, 100e3] for i in range(8)], [[-2000.0, 0.0, -1000.0]] * 8
    )
    # 8 rounds ready, 6 channels: 7 orders of 1 round -> 6 launched, 1 refused (channels)
    b, f, ev = fire(b, f, np.zeros(7, np.int64), np.arange(7), np.ones(7, np.int64), 0.0, tr)
    assert (ev.kind == "interceptor_launch").sum() == 6
    assert ev.reason[ev.kind == "decision"].tolist() == ["order refused: no free fire channel"]
    assert b.ready_rounds[0] == 2 and b.channels_free(f)[0] == 0
    # a second order at an engaged track needs no channel, but only 2 rounds are left
    b, f, ev = fire(b, f, np.array([0]), np.array([0]), np.array([3]), 0.0, tr)
    assert (ev.kind == "interceptor_launch").sum() == 2 and "cut to 2 of 3" in ev.reason[0]
    assert set(ev.cost_usd[ev.kind == "interceptor_launch"]) == {12e6}
    ids = f.interceptor_id.tolist()
    assert ids == list(range(8)) and b.next_interceptor_id == 8
    # reload: one launcher of 8 from the 8 spares after the reload time
    b, ev = tick(b, 1.0)
    assert len(ev) == 0 and b.reload_done_s[0] == pytest.approx(1.0 + b.reload_time_s[0])
    b, ev = tick(b, 1.0 + b.reload_time_s[0])
    assert ev.kind.tolist() == ["reload"] and b.ready_rounds[0] == 8 and b.spare_rounds[0] == 0


def test_fire_refuses_unknown_track() -> None:
    cat = load_catalog()
    b = build_batteries(NS(batteries=[_bat("c_ram")], radars=[]), cat, FRAME)
    b, f, ev = fire(b, Flyouts.empty(b.table), np.array([0]), np.array([99]), np.array([1]), 0.0,
                    _tracks([1], [[1000.0, 0, 200.0]], [[-100.0, 0, 0]]))  # fmt: skip
    assert len(f) == 0 and ev.reason.tolist() == ["order refused: track not held"]


def test_gun_and_laser_envelopes() -> None:
    cat = load_catalog()
    gun = envelope_for("c_ram", cat)
    assert gun.single_shot_pk(np.array([300.0]), np.array([20.0]))[0] == pytest.approx(
        0.55, abs=0.01
    )
    assert np.isnan(gun.time_of_flight(np.array([2000.0]), np.array([100.0]))[0])
    laser = envelope_for("iron_beam", cat)
    t1, t2 = laser.time_of_flight(np.array([1000.0, 2000.0]), np.array([20.0, 20.0]))
    assert t1 == pytest.approx(2.0, rel=1e-3) and t2 == pytest.approx(8.0, rel=1e-3)  # range^2
    assert laser.single_shot_pk(np.array([11000.0]), np.array([0.0]))[0] == 0.0
