"""λ (share of threats that would hit an asset) from the engine's truth: the undefended twin.

A stand-in engine with an event log on the default preset: every threat is engaged with one
round and killed with probability 1/2, whether it is aimed at Town A or at open ground;
undefended, each lands where it is aimed. The preset launches 30 Qassams at Town A and 15
into open ground, so the true λ is 30/45, while the old bound (K + L)/N is
(0.5 * 45 + 15) / 45 ≈ 0.83.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from amdsim.analysis.campaign import engage_day
from amdsim.analysis.campaign_tables import engagement_table_from_scenario
from amdsim.core.events import EventBatch
from amdsim.core.rng import RngStreams
from amdsim.simulation.result import RunResult


def _standin(scenario: Any, seed: int) -> Any:
    assets = [a.name for a in scenario.assets]
    defended = bool(scenario.batteries)
    rng = RngStreams(seed).get("kill")
    events, tid = [], 0
    launched: dict[str, int] = {}
    for raid in scenario.raids:
        launched[raid.threat] = launched.get(raid.threat, 0) + raid.count
        aim = assets.index(raid.target.asset) if raid.target.asset is not None else -1
        for _ in range(raid.count):
            events.append(EventBatch.make("launch", 0.0, threat_id=tid))
            if defended:
                events.append(
                    EventBatch.make("interceptor_launch", 1.0, threat_id=tid, battery_id=0)
                )
                if rng.random() < 0.5:
                    events.append(EventBatch.make("intercept", 2.0, threat_id=tid))
                    tid += 1
                    continue
            events.append(EventBatch.make("impact", 3.0, threat_id=tid, asset_id=aim))
            if aim >= 0:
                events.append(EventBatch.make("leak", 3.0, threat_id=tid, asset_id=aim))
            tid += 1
    ev = EventBatch.concat(events)
    kind = np.asarray(ev.kind)
    rounds = int(np.count_nonzero(kind == "interceptor_launch"))
    t = next(iter(launched))
    summary = {
        "launched": {"value": len(kind[kind == "launch"])},
        "leakers": {"value": int(np.count_nonzero(kind == "leak"))},
        "intercepts": {"value": int(np.count_nonzero(kind == "intercept"))},
        "interceptors_used": {"coverage": {"value": rounds}} if rounds else {},
        "cost_usd": {"value": 1000.0 * rounds},
        "launched_by_type": {t: {"value": launched[t]}},
    }
    return RunResult(scenario_name=scenario.name, seed=seed, events=ev, summary=summary)


@pytest.fixture(scope="module")
def tables():
    from amdsim.analysis.overrides import with_overrides
    from amdsim.scenario import load_scenario

    base = load_scenario("preset:default")
    qassams = with_overrides(
        base, {"raids": [r.model_dump() for r in base.raids if r.threat == "qassam"]}
    )
    kw = {"workers": 1, "run_fn": _standin, "progress": False}
    truth, _ = engagement_table_from_scenario(qassams, 20, truth=True, **kw)
    upper, _ = engagement_table_from_scenario(qassams, 20, truth=False, **kw)
    return truth.rows["qassam"], upper.rows["qassam"]


def test_lambda_from_the_undefended_twin_is_exact(tables) -> None:
    truth, upper = tables
    assert truth.lambda_method == "truth" and upper.lambda_method == "upper"
    assert truth.p_endanger == pytest.approx(30 / 45)
    # the bound counts the open-ground kills as endangering: (K + L) / N = 0.5 + 0.5 * 30 / 45
    # in expectation; 900 threats, sd ≈ 0.012
    assert upper.p_endanger == pytest.approx(0.5 + 0.5 * 30 / 45, abs=0.05)
    assert upper.p_endanger > truth.p_endanger + 0.1
    assert upper.p_engage_open == 0.0 and truth.p_engage_open > 0.5


def test_both_tables_give_the_derivation_salvo_back_but_differ_without_rounds(tables) -> None:
    """With ample stock both tables reproduce the leakers and rounds of the derivation salvo
    (moment matching); with no rounds left only the truth table gives the undefended answer:
    the 30 Qassams aimed at Town A."""
    truth, upper = tables
    from amdsim.analysis.campaign_tables import EngagementTable

    res: dict[str, dict[str, list[float]]] = {}
    for name, row in (("truth", truth), ("upper", upper)):
        table = EngagementTable(rows={"qassam": row})
        out: dict[str, list[float]] = {"leak": [], "rounds": [], "leak0": []}
        for r in range(800):
            rng = RngStreams(r).get("t")
            a = engage_day(table, {"qassam": 45}, {}, rng)
            b = engage_day(table, {"qassam": 45}, {"coverage": 0}, rng)
            out["leak"].append(a["leakers"])
            out["rounds"].append(a["rounds"].get("coverage", 0))
            out["leak0"].append(b["leakers"])
        res[name] = out
    # derivation salvo: 15 leakers (half of 30) and, in the stand-in, 45 rounds; the fast
    # model's shoot-look-shoot m = 2 needs about the same rounds (moment matched)
    for name in ("truth", "upper"):
        m = {k: float(np.mean(v)) for k, v in res[name].items()}
        assert m["leak"] == pytest.approx(15.0, abs=0.6), name
        assert m["rounds"] == pytest.approx(45.0, abs=1.5), name
    assert np.mean(res["truth"]["leak0"]) == pytest.approx(30.0, abs=0.5)
    assert np.mean(res["upper"]["leak0"]) > 35.0  # the bound over-counts
