"""End-to-end invariants of the whole chain, read from the event log alone.

threats -> radars -> tracker -> battle management -> batteries -> interceptors: whatever the
numbers, a run's log must tell a consistent story. Two runs are checked: ``preset:default``
(rockets and mortars vs Iron Dome- and C-RAM-class batteries) and a small ballistic raid
built here (SRBMs vs THAAD- and Patriot-class batteries with AN/TPY-2- and AN/MPQ-65-class
radars), so the upper-tier path is exercised.

Invariants (each one a test, over both runs):

* every ``interceptor_launch`` is resolved by exactly one ``intercept`` or ``miss`` (or is
  still flying at the end), never before it was launched;
* no threat is intercepted twice, and an intercepted threat never impacts;
* rounds launched per battery never exceed the rounds loaded plus those reloaded
  (``reload`` events), and reloads never exceed the spare stock (catalog + scenario);
* no round is fired at a track whose latest battle-management ``decision`` was "no engage"
  (the engage-only-threatening rule, end to end);
* every ``engage`` is followed by an ``interceptor_launch`` of that battery at that track,
  no earlier than decision time + command latency + reaction time and within one step
  after it (or by an explicit order refusal);
* launch costs are rounds x the catalog unit cost; ``engage`` costs and the summary agree;
* the track of a killed threat is dropped at the intercept.

Not checked here, on purpose: that *other* tracks of a killed or impacted threat go away.
The only link from a track to a threat in the log is the label of its ``track_init``, and
tracks swap and duplicate (a round fired at a track labelled threat A may lock on threat B),
so such checks would fail on legitimate runs. Measured on ``preset:default`` (seed 1): those
tracks coast until the tracker deletes them on missed updates, at most ~5 s after the
threat's end, and no round was ordered at them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pytest

from amdsim.core.events import EventBatch
from amdsim.scenario import load_scenario
from amdsim.scenario.loader import load_scenario_text
from amdsim.simulation import run

BALLISTIC_YAML = """
name: Chain test - SRBM raid vs THAAD and Patriot
epoch: 2026-01-01T00:00:00Z
origin: {lat_deg: 31.5, lon_deg: 35.0, alt_m: 0}
duration_s: 205
dt_s: 0.1
seed: 7
assets:
  - {name: Base, value: 100, circle: {lat_deg: 31.5, lon_deg: 35.0, radius_km: 4.0}}
radars:
  - {name: TPY-2, type: tpy2, lat_deg: 31.5, lon_deg: 34.80, boresight_az_deg: 90}
  - {name: MPQ-65, type: mpq65, lat_deg: 31.5, lon_deg: 34.99, boresight_az_deg: 90}
batteries:
  - {name: THAAD, system: thaad, lat_deg: 31.5, lon_deg: 34.80, radars: [TPY-2]}
  - {name: Patriot, system: patriot_mse, lat_deg: 31.5, lon_deg: 34.99, radars: [MPQ-65]}
defence: {decision_period_s: 1.0, command_latency_s: 0.5, wta: greedy, doctrine: shoot-look-shoot}
raids:
  - name: SRBM on Base
    threat: srbm
    launch: {lat_deg: 31.5, lon_deg: 37.4, radius_km: 5}
    target: {asset: Base}
    count: 4
    schedule: {start_s: 0, end_s: 20}
"""

_EPS = 1e-6


class _Run:
    """One run and what the checks need from its scenario (catalog figures, settings)."""

    def __init__(self, scenario: Any) -> None:
        self.sc = scenario
        self.result = run(scenario)
        self.ev: EventBatch = self.result.events
        cat = scenario.catalog_resolved
        self.dt_s = float(scenario.dt_s)
        self.latency_s = float(scenario.defence.command_latency_s)
        self.systems = [cat.systems[b.system] for b in scenario.batteries]
        self.reaction_s = np.array([s.reaction_time_s for s in self.systems])
        self.unit_cost = np.array(
            [
                cat.interceptors[s.interceptor].unit_cost_usd
                if s.kind == "missile"
                else s.round_cost_usd * (s.rounds_per_burst or 1)
                for s in self.systems
            ]
        )
        self.loaded = np.array(
            [
                (b.launchers if b.launchers is not None else s.launchers) * s.rounds_per_launcher
                for b, s in zip(scenario.batteries, self.systems)
            ]
        )
        # spare rounds: the scenario's ``inventory``, else one full reload (docs/interceptors.md)
        self.spare = np.array(
            [
                b.inventory if b.inventory is not None else n
                for b, n in zip(scenario.batteries, self.loaded)
            ]
        )

    def kind(self, name: str) -> np.ndarray:
        return np.flatnonzero(self.ev.kind == name)


@pytest.fixture(scope="module", params=["default", "ballistic"])
def chain(request: pytest.FixtureRequest) -> _Run:
    if request.param == "default":
        return _Run(load_scenario("preset:default"))
    return _Run(load_scenario_text(BALLISTIC_YAML, "chain_ballistic.yaml"))


def test_the_chain_was_exercised(chain: _Run) -> None:
    """The invariants below are not vacuous: rounds were fired and threats killed; in the
    ballistic run the upper tier (THAAD) fired."""
    ev = chain.ev
    launches = chain.kind("interceptor_launch")
    assert launches.size >= 4
    assert chain.kind("intercept").size >= 2
    assert chain.kind("engage").size >= 4
    if chain.sc.name.startswith("Chain test"):
        assert np.any(ev.battery_id[launches] == 0), "THAAD never fired"


def check_every_launch_resolved_at_most_once(chain: _Run) -> None:
    ev = chain.ev
    launch = chain.kind("interceptor_launch")
    ids = ev.interceptor_id[launch]
    assert np.all(ids >= 0) and np.unique(ids).size == ids.size, "interceptor ids not unique"
    t_launch = dict(zip(ids.tolist(), ev.t_s[launch].tolist()))
    ends = np.concatenate([chain.kind("intercept"), chain.kind("miss")])
    end_ids = ev.interceptor_id[ends]
    assert set(end_ids.tolist()) <= set(t_launch), "outcome for a round never launched"
    uniq, counts = np.unique(end_ids, return_counts=True)
    assert np.all(counts == 1), f"rounds resolved twice: {uniq[counts > 1].tolist()}"
    for i in ends:
        assert ev.t_s[i] >= t_launch[int(ev.interceptor_id[i])] - _EPS
    # unresolved rounds are those still flying at the end: launched within their flight time
    unresolved = set(t_launch) - set(end_ids.tolist())
    t_end = float(chain.sc.duration_s)
    for iid in unresolved:
        assert t_end - t_launch[iid] < 200.0, f"round {iid} never resolved"


def check_no_double_kill_and_no_impact_after_intercept(chain: _Run) -> None:
    ev = chain.ev
    kills = chain.kind("intercept")
    killed = ev.threat_id[kills]
    assert np.all(killed >= 0), "an intercept without a threat id"
    assert np.unique(killed).size == killed.size, "a threat intercepted twice"
    impacts = chain.kind("impact")
    impacted = dict(zip(ev.threat_id[impacts].tolist(), ev.t_s[impacts].tolist()))
    assert np.unique(ev.threat_id[impacts]).size == impacts.size, "a threat impacted twice"
    both = set(killed.tolist()) & set(impacted)
    assert not both, f"threats both intercepted and impacted: {sorted(both)}"
    launched = set(ev.threat_id[chain.kind("launch")].tolist())
    assert set(killed.tolist()) <= launched


def check_inventory_never_negative(chain: _Run) -> None:
    """Rounds launched up to any time <= loaded + reloaded so far; reloads <= spare stock."""
    ev = chain.ev
    for b in range(len(chain.systems)):
        lt = np.sort(
            ev.t_s[chain.kind("interceptor_launch")][
                ev.battery_id[chain.kind("interceptor_launch")] == b
            ]
        )
        rel = chain.kind("reload")
        rel = rel[ev.battery_id[rel] == b]
        rt, radd = ev.t_s[rel], ev.value[rel]
        assert np.all(radd >= 0)
        assert radd.sum() <= chain.spare[b] + _EPS, f"battery {b} reloaded more than its stock"
        for n, t in enumerate(lt, start=1):
            avail = chain.loaded[b] + radd[rt <= t + _EPS].sum()
            assert n <= avail, f"battery {b}: round {n} at t={t:.1f} s with {avail:.0f} available"


def _bm_decisions(ev: EventBatch) -> np.ndarray:
    """Battle-management decisions (not the batteries' order refusals / cuts)."""
    d = np.flatnonzero(ev.kind == "decision")
    return d[[not str(r).startswith("order ") for r in ev.reason[d]]]


def check_no_round_at_a_track_the_manager_declined(chain: _Run) -> None:
    ev = chain.ev
    dec = _bm_decisions(ev)
    by_track: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for i in dec:
        by_track[int(ev.track_id[i])].append((float(ev.t_s[i]), str(ev.reason[i])))
    for i in chain.kind("interceptor_launch"):
        tr, t = int(ev.track_id[i]), float(ev.t_s[i])
        past = [r for (td, r) in by_track.get(tr, []) if td <= t + _EPS]
        assert past, f"round {ev.interceptor_id[i]} fired at track {tr} with no decision logged"
        latest = past[-1]
        assert latest.startswith(("engage:", "no new engagement")), (
            f"round {ev.interceptor_id[i]} at t={t:.1f} s fired at track {tr} whose latest "
            f"decision was {latest!r}"
        )


def check_engage_then_launch_after_latency_and_reaction(chain: _Run) -> None:
    ev = chain.ev
    launch = chain.kind("interceptor_launch")
    refused = np.flatnonzero(
        (ev.kind == "decision") & np.array([str(r).startswith("order refused") for r in ev.reason])
    )
    used: set[int] = set()
    for i in chain.kind("engage"):
        b, tr = int(ev.battery_id[i]), int(ev.track_id[i])
        t_plan = float(ev.t_s[i]) + chain.latency_s + chain.reaction_s[b]
        n_rounds = round(float(ev.cost_usd[i] / chain.unit_cost[b]))
        cand = launch[(ev.battery_id[launch] == b) & (ev.track_id[launch] == tr)]
        cand = [int(j) for j in cand if ev.t_s[j] >= t_plan - _EPS and int(j) not in used]
        if not cand:
            ref = refused[(ev.battery_id[refused] == b) & (ev.track_id[refused] == tr)]
            ok = np.any(np.abs(ev.t_s[ref] - t_plan) <= chain.dt_s + _EPS)
            assert ok or t_plan > float(chain.sc.duration_s) - chain.dt_s, (
                f"engage at t={ev.t_s[i]:.1f} s (battery {b}, track {tr}) never launched"
            )
            continue
        first = cand[0]
        assert ev.t_s[first] <= t_plan + chain.dt_s + _EPS, (
            f"engage at t={ev.t_s[i]:.1f} s launched at {ev.t_s[first]:.1f} s, "
            f"planned {t_plan:.1f} s"
        )
        same = [j for j in cand if ev.t_s[j] == ev.t_s[first]][:n_rounds]
        used.update(same)
    orphans = sorted(set(launch.tolist()) - used)
    assert not orphans, f"rounds launched without an engage order: {ev.interceptor_id[orphans]}"


def check_costs_are_rounds_times_unit_cost(chain: _Run) -> None:
    ev = chain.ev
    launch = chain.kind("interceptor_launch")
    expected = chain.unit_cost[ev.battery_id[launch]]
    np.testing.assert_allclose(ev.cost_usd[launch], expected, rtol=1e-12)
    eng = chain.kind("engage")
    per_round = chain.unit_cost[ev.battery_id[eng]]
    rounds = ev.cost_usd[eng] / per_round
    np.testing.assert_allclose(rounds, np.round(rounds), atol=1e-9)
    assert np.all(np.round(rounds) >= 1)
    total = float(chain.result.summary["cost_usd"]["value"])
    assert total == pytest.approx(float(expected.sum()), rel=1e-12)
    assert int(chain.result.summary["rounds_fired"]["value"]) == launch.size


def check_killed_threats_tracks_are_dropped(chain: _Run) -> None:
    """The track a killing round was fired at is dropped ("intercepted") at the kill, unless
    the tracker had already dropped it (the round was homing on its seeker by then); no
    round is launched at it afterwards."""
    ev = chain.ev
    drops = chain.kind("track_drop")
    launch = chain.kind("interceptor_launch")
    for i in chain.kind("intercept"):
        tr, t = int(ev.track_id[i]), float(ev.t_s[i])
        d = drops[ev.track_id[drops] == tr]
        assert d.size == 1, f"track {tr} dropped {d.size} times"
        t_drop = float(ev.t_s[d[0]])
        if t_drop < t - _EPS:
            assert ev.reason[d[0]] != "intercepted", f"track {tr} dropped as intercepted early"
        else:
            assert t_drop <= t + chain.dt_s + _EPS, (
                f"track {tr} of the threat killed at {t:.2f} s dropped at {t_drop:.2f} s"
            )
            assert ev.reason[d[0]] == "intercepted"
        later = launch[(ev.track_id[launch] == tr) & (ev.t_s[launch] > t + _EPS)]
        assert later.size == 0, f"rounds launched at track {tr} after its threat was killed"


CHECKS = {
    name[len("check_") :]: fn
    for name, fn in sorted(globals().items())
    if name.startswith("check_") and callable(fn)
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_invariant(chain: _Run, name: str) -> None:
    CHECKS[name](chain)


def _tampered(chain: _Run, **change: Any) -> _Run:
    """A shallow copy of ``chain`` whose event log has rows appended or edited."""
    ev = chain.ev
    cols = {k: v.copy() for k, v in ev.columns().items()}
    edit = change.pop("edit", None)
    if edit is not None:
        row, col, value = edit
        cols[col][row] = value
    extra = change.pop("append", None)
    new = EventBatch(**cols)
    if extra is not None:
        new = EventBatch.concat([new, extra])
    out = object.__new__(_Run)
    out.__dict__.update(chain.__dict__)
    out.ev = new
    return out


def test_the_checks_can_fail(chain: _Run) -> None:
    """Each check rejects a log with the fault it looks for (the runs above pass them)."""
    ev = chain.ev
    k = int(chain.kind("intercept")[0])
    lau = int(chain.kind("interceptor_launch")[0])
    row = {c: v[k : k + 1] for c, v in ev.columns().items()}
    late = dict(row, t_s=row["t_s"] + 1.0)
    faults: dict[str, dict[str, Any]] = {
        "every_launch_resolved_at_most_once": dict(append=EventBatch(**late)),
        "no_double_kill_and_no_impact_after_intercept": dict(
            append=EventBatch.make("impact", ev.t_s[k] + 1.0, threat_id=ev.threat_id[k])
        ),
        "inventory_never_negative": dict(
            append=EventBatch.make(
                "interceptor_launch",
                np.full(int(chain.loaded[0] + chain.spare[0]) + 1, ev.t_s[lau]),
                battery_id=0,
                interceptor_id=10_000 + np.arange(int(chain.loaded[0] + chain.spare[0]) + 1),
            )
        ),
        "no_round_at_a_track_the_manager_declined": dict(
            append=EventBatch.make(
                "decision",
                ev.t_s[lau] - 1e-3,
                track_id=ev.track_id[lau],
                reason="no engage: p_hit 0.00 < threshold 0.10 (predicted impact in open ground)",
            )
        ),
        "engage_then_launch_after_latency_and_reaction": dict(edit=(lau, "t_s", ev.t_s[lau] + 5.0)),
        "costs_are_rounds_times_unit_cost": dict(edit=(lau, "cost_usd", ev.cost_usd[lau] * 2)),
        "killed_threats_tracks_are_dropped": dict(
            append=EventBatch.make(
                "interceptor_launch",
                ev.t_s[k] + 1.0,
                track_id=ev.track_id[k],
                battery_id=0,
                interceptor_id=99_999,
                cost_usd=chain.unit_cost[0],
            )
        ),
    }
    assert set(faults) == set(CHECKS)
    for name, change in faults.items():
        bad = _tampered(chain, **change)
        bad.ev = _sorted(bad.ev)
        with pytest.raises(AssertionError):
            CHECKS[name](bad)


def _sorted(ev: EventBatch) -> EventBatch:
    order = np.argsort(ev.t_s, kind="stable")
    return EventBatch(**{c: v[order] for c, v in ev.columns().items()})
