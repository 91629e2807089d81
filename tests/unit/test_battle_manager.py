"""Battle manager: engage / no-engage rule, doctrine, reservations, inventory, decision log.

Interceptors are replaced by a test double envelope (constant average speed inside a
range/altitude box), so the expected intercept times can be computed by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from amdsim.battle import (
    BatteryView,
    BattleManager,
    BattleSettings,
    BattleState,
    ImpactPredictor,
    build_battle_manager,
    engagement_feasibility,
)
from amdsim.core.areas import DefendedAreas
from amdsim.core.frames import LocalFrame
from amdsim.tracking.batches import Tracks

FRAME = LocalFrame(31.5, 34.6, 0.0)
AREAS = DefendedAreas(
    np.array(["City"], object),
    np.array([100.0]),
    np.array([[10000.0, 0.0]]),
    np.array([2500.0]),
    (None,),
)


class ConstantSpeedEnvelope:
    """Test double: straight-line flyout at ``speed_mps`` inside a range/altitude box."""

    def __init__(self, speed_mps=1000.0, max_range_m=12000.0, max_alt_m=10000.0, pk=0.9):
        self.speed, self.max_range, self.max_alt, self.pk = speed_mps, max_range_m, max_alt_m, pk

    def _inside(self, r, z):
        return (
            (np.asarray(r) <= self.max_range)
            & (np.asarray(z) >= 0)
            & (np.asarray(z) <= self.max_alt)
        )

    def time_of_flight(self, ground_range_m, altitude_m):
        r, z = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
        return np.where(self._inside(r, z), np.hypot(r, z) / self.speed, np.nan)

    def single_shot_pk(self, ground_range_m, altitude_m):
        r, z = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
        return np.where(self._inside(r, z), self.pk, 0.0)


def batteries(
    pos,
    tier=None,
    ready=None,
    spare=None,
    channels=None,
    threshold=0.2,
    reaction=2.0,
    cost=50_000.0,
):
    pos = np.asarray(pos, float).reshape(-1, 3)
    b = pos.shape[0]

    def arr(x, default, dtype=float):
        return np.full(b, default, dtype) if x is None else np.asarray(x, dtype)

    return BatteryView(
        pos_m=pos, envelope=np.zeros(b, np.int64), tier=arr(tier, 0, np.int64),
        engage_threshold=np.full(b, threshold), reaction_s=np.full(b, reaction),
        ready_rounds=arr(ready, 20, np.int64), spare_rounds=arr(spare, 0, np.int64),
        free_channels=arr(channels, 4, np.int64), cost_usd=np.full(b, cost),
        min_range_m=np.full(b, 200.0), max_range_m=np.full(b, 12000.0),
        min_alt_m=np.full(b, 50.0), max_alt_m=np.full(b, 10000.0),
    )  # fmt: skip


def _aim(range_x_m, range_y_m=0.0, vz=300.0):
    """A rocket state launched at the origin that lands near (range_x, range_y) (vacuum)."""
    pred = ImpactPredictor(FRAME, AREAS)
    d = np.array([range_x_m, range_y_m])
    dist = np.hypot(*d)
    u = d / dist
    vh = dist * 9.81 / (2 * vz)
    for _ in range(4):
        st = np.array([0.0, 0.0, 10.0, vh * u[0], vh * u[1], vz])
        tr = Tracks(
            np.array([0]),
            st[None],
            np.zeros((1, 6, 6)),
            np.ones(1, np.int8),
            np.zeros(1),
            np.full(1, np.nan),
        )
        got = np.hypot(*pred.predict(tr, np.ones(1, bool)).assessment.impact_m[0])
        vh *= dist / got
    return np.array([0.0, 0.0, 10.0, vh * u[0], vh * u[1], vz])


def tracks(states, ids=None, t_s=0.0, sigma_pos=30.0, sigma_vel=3.0):
    s = np.asarray(states, float).reshape(-1, 6)
    n = s.shape[0]
    cov = np.tile(np.diag([sigma_pos] * 3 + [sigma_vel] * 3) ** 2, (n, 1, 1))
    ids = np.arange(n) if ids is None else np.asarray(ids)
    return Tracks(ids, s, cov, np.ones(n, np.int8), np.full(n, t_s), np.full(n, np.nan))


ENV = [ConstantSpeedEnvelope()]
TO_CITY = _aim(10000.0)
TO_FIELD = _aim(10000.0, 6000.0)  # lands ~11.7 km away, 6 km north of the city: open ground


def test_engages_threat_to_city_and_lets_open_ground_through():
    mgr = BattleManager(BattleSettings(), AREAS, FRAME)
    bat = batteries([[6000.0, 2000.0, 0.0]])
    plan, ev, st = mgr.decide(0.0, tracks([TO_CITY, TO_FIELD]), bat, ENV)
    assert plan.track_id.tolist() == [0]
    assert plan.rounds.tolist() == [1]
    assert plan.t_launch_s[0] == pytest.approx(0.0 + 0.5 + 2.0)
    assert plan.t_intercept_s[0] > plan.t_launch_s[0]
    dec = {int(t): r for t, r, k in zip(ev.track_id, ev.reason, ev.kind) if k == "decision"}
    assert dec[0].startswith("engage: p_hit")
    assert "open ground" in dec[1] and dec[1].startswith("no engage")
    eng = ev.kind == "engage"
    assert eng.sum() == 1 and ev.battery_id[eng][0] == 0 and ev.cost_usd[eng][0] == 50_000.0
    assert st.reserved(np.array([0, 1])).tolist() == [True, False]


def test_decision_period_and_no_double_engagement():
    mgr = BattleManager(BattleSettings(decision_period_s=1.0, look_s=2.0), AREAS, FRAME)
    bat = batteries([[6000.0, 2000.0, 0.0], [6000.0, -2000.0, 0.0]])
    tr = tracks([TO_CITY])
    plan, _, st = mgr.decide(0.0, tr, bat, ENV)
    assert len(plan) == 1
    # before the next cycle: nothing happens
    plan2, ev2, st2 = mgr.decide(0.5, tr, bat, ENV, st)
    assert len(plan2) == 0 and len(ev2) == 0 and st2 is st
    # next cycles while the interceptor is in flight: neither battery fires again
    for t in (1.0, 2.0, 3.0):
        plan3, ev3, st = mgr.decide(t, tr, bat, ENV, st)
        assert len(plan3) == 0
    assert any("in flight" in r for r in ev3.reason) or len(ev3) == 0


def test_shoot_look_shoot_re_engages_after_look_time():
    mgr = BattleManager(BattleSettings(look_s=1.0), AREAS, FRAME)
    bat = batteries([[6000.0, 2000.0, 0.0]])
    tr = tracks([TO_CITY])
    plan, _, st = mgr.decide(0.0, tr, bat, ENV)
    t_release = float(plan.t_intercept_s[0]) + 1.0
    assert st.res_release_s[0] == pytest.approx(t_release)
    # look: before the release, hold fire; after it, the surviving track is engaged again
    before, ev_b, st = mgr.decide(t_release - 0.5, tr, bat, ENV, replace_t(st, t_release - 0.5))
    assert len(before) == 0 and "in flight" in ev_b.reason[0]
    after, _ev_a, _ = mgr.decide(t_release + 0.1, tr, bat, ENV, replace_t(st, t_release + 0.1))
    assert after.track_id.tolist() == [0]
    assert after.t_launch_s[0] == pytest.approx(t_release + 0.1 + 2.5)
    assert after.t_intercept_s[0] > plan.t_intercept_s[0]


def replace_t(st, t):
    from dataclasses import replace

    return replace(st, t_next_s=t)


def test_salvo_fires_two_rounds():
    mgr = BattleManager(BattleSettings(doctrine="salvo"), AREAS, FRAME)
    plan, _, _ = mgr.decide(0.0, tracks([TO_CITY]), batteries([[6000.0, 2000.0, 0.0]]), ENV)
    assert plan.rounds.tolist() == [2]


def test_inventory_channels_and_reserve_never_exceeded():
    rng = np.random.default_rng(4)
    states = [_aim(10000.0 + dx, dy) for dx, dy in rng.uniform(-1500, 1500, (12, 2))]
    tr = tracks(states)
    bat = batteries(
        [[6000.0, 2000.0, 0.0], [6000.0, -2000.0, 0.0]],
        ready=[3, 5],
        spare=[0, 5],
        channels=[2, 10],
    )
    for doctrine in ("shoot-look-shoot", "salvo"):
        mgr = BattleManager(BattleSettings(doctrine=doctrine, reserve_fraction=0.3), AREAS, FRAME)
        plan, _, _ = mgr.decide(0.0, tr, bat, ENV)
        used = np.bincount(plan.battery, weights=plan.rounds, minlength=2)
        # reserve: ceil(0.3 * stock) held back -> battery 0: 3 - 1 = 2, battery 1: min(5, 10 - 3) = 5
        assert used[0] <= 2 and used[1] <= 5
        assert np.all(bat.ready_rounds - used >= 0)
        assert np.bincount(plan.battery, minlength=2)[0] <= 2  # channels
        assert len(np.unique(plan.track_id)) == len(plan)  # one engagement per track


def test_upper_tier_first_lower_tier_takes_the_rest():
    rng = np.random.default_rng(5)
    states = [_aim(10000.0 + dx, dy) for dx, dy in rng.uniform(-1000, 1000, (4, 2))]
    bat = batteries([[6000.0, 2000.0, 0.0], [6000.0, -2000.0, 0.0]], tier=[1, 0], channels=[2, 4])
    mgr = BattleManager(BattleSettings(), AREAS, FRAME)
    plan, _, _ = mgr.decide(0.0, tracks(states), bat, ENV)
    per = np.bincount(plan.battery, minlength=2)
    assert per.tolist() == [2, 2]


def test_no_battery_in_range_reason():
    mgr = BattleManager(BattleSettings(), AREAS, FRAME)
    far = batteries([[60000.0, 0.0, 0.0]])
    plan, ev, _ = mgr.decide(0.0, tracks([TO_CITY]), far, ENV)
    assert len(plan) == 0
    assert ev.reason[0] == "no engage: no battery in range"
    assert ev.battery_id[0] == -1 and ev.p[0] > 0.5


def test_decision_logged_only_when_it_changes():
    mgr = BattleManager(BattleSettings(), AREAS, FRAME)
    bat = batteries([[6000.0, 2000.0, 0.0]])
    tr = tracks([TO_FIELD])
    _, ev, st = mgr.decide(0.0, tr, bat, ENV)
    _, ev2, _ = mgr.decide(1.0, tr, bat, ENV, st)
    assert (ev.kind == "decision").sum() == 1
    assert len(ev2) == 0


def test_randomised_no_round_below_threshold():
    """Engagement rule: never a round at a threat whose hit probability is below threshold."""
    rng = np.random.default_rng(6)
    aims = rng.uniform([4000.0, -9000.0], [14000.0, 9000.0], (25, 2))
    states = [_aim(x, y) for x, y in aims]
    tr = tracks(states, sigma_pos=80.0, sigma_vel=8.0)
    bat = batteries([[6000.0, 2000.0, 0.0], [6000.0, -2000.0, 0.0]], threshold=0.3)
    mgr = BattleManager(BattleSettings(), AREAS, FRAME)
    plan, _ev, _ = mgr.decide(0.0, tr, bat, ENV)
    pred, _ = mgr.assess(tr)
    p_any = dict(zip(pred.assessment.track_id.tolist(), pred.p_any.tolist()))
    assert len(plan) > 0
    assert all(p_any[int(t)] >= 0.3 for t in plan.track_id)
    below = [t for t, p in p_any.items() if p < 0.3]
    assert below and not set(below) & set(plan.track_id.tolist())


def test_feasibility_latency_costs_intercept_time():
    pred = ImpactPredictor(FRAME, AREAS).predict(tracks([TO_CITY]))
    bat = batteries([[6000.0, 2000.0, 0.0]])
    fast = engagement_feasibility(pred, bat, ENV, 0.0, 0.0)
    slow = engagement_feasibility(pred, bat, ENV, 0.0, 10.0)
    assert fast.ok[0, 0] and slow.t_intercept_s[0, 0] > fast.t_intercept_s[0, 0]
    # hand check of the rule at the chosen sample: ready + tof <= t_k
    p = fast.point_m[0, 0]
    tof = np.hypot(np.hypot(p[0] - 6000.0, p[1] - 2000.0), p[2]) / 1000.0
    assert 2.0 + tof <= fast.t_intercept_s[0, 0] + 1e-9
    hopeless = engagement_feasibility(pred, bat, ENV, 0.0, 1000.0)
    assert not hopeless.ok.any()


@pytest.mark.parametrize("n", [0, 1])
def test_small_batches(n):
    mgr = BattleManager(BattleSettings(), AREAS, FRAME)
    plan, _ev, _st = mgr.decide(0.0, tracks([TO_CITY] * n), batteries([[6000.0, 2000.0, 0.0]]), ENV)
    assert len(plan) == n
    plan, ev, _st = mgr.decide(0.0, tracks([TO_CITY]), batteries(np.empty((0, 3))), [])
    assert len(plan) == 0 and ev.reason[0] == "no engage: no battery in range"


def test_cost_weight_blocks_uneconomic_engagement():
    # threat value at stake ~100; a 50,000 USD round at 0.01 value/USD costs 500 value units
    mgr = BattleManager(BattleSettings(cost_weight=0.01), AREAS, FRAME)
    plan, ev, _ = mgr.decide(0.0, tracks([TO_CITY]), batteries([[6000.0, 2000.0, 0.0]]), ENV)
    assert len(plan) == 0
    assert "not assigned" in ev.reason[0]


def test_build_from_scenario_defence():
    sc = SimpleNamespace(defence=SimpleNamespace(
        decision_period_s=2.0, command_latency_s=1.5, wta="milp", doctrine="salvo", cost_weight=0.0, reserve_fraction=0.1,
    ))  # fmt: skip
    mgr = build_battle_manager(sc, AREAS, FRAME)
    assert mgr.settings.decision_period_s == 2.0 and mgr.settings.wta == "milp"
    plan, _, st = mgr.decide(0.0, tracks([TO_CITY]), batteries([[6000.0, 2000.0, 0.0]]), ENV)
    assert plan.rounds.tolist() == [2]
    assert plan.t_launch_s[0] == pytest.approx(1.5 + 2.0)
    assert st.t_next_s == 2.0
    with pytest.raises(ValueError, match="doctrine"):
        BattleSettings(doctrine="spray")
    assert isinstance(BattleState.empty(), BattleState)
