"""Counting rules of the validation report on a hand-made event log (known answer)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from amdsim.analysis._validation_runs import run_metrics
from amdsim.core.events import EventBatch
from amdsim.scenario import load_scenario


def test_counts_from_a_known_event_log() -> None:
    sc = load_scenario("preset:forward_base_cram")
    raids = [r.name for r in sc.raids]
    # threats 0-2 aimed at the base (raid 0), 3 at open ground near its launch point (raid 2:
    # 2 km from launch, so "falls short"), 4 at open ground far away (raid 4)
    threats = [
        {"id": 0, "type": "mortar120", "raid": raids[0], "target_asset": "Forward Base"},
        {"id": 1, "type": "mortar120", "raid": raids[0], "target_asset": "Forward Base"},
        {"id": 2, "type": "mortar120", "raid": raids[0], "target_asset": "Forward Base"},
        {"id": 3, "type": "mortar120", "raid": raids[2], "target_asset": None},
        {"id": 4, "type": "qassam", "raid": raids[4], "target_asset": None},
    ]
    ev = EventBatch.concat(
        [
            EventBatch.make("launch", np.zeros(5), threat_id=np.arange(5)),
            # track 10 follows threat 0 and is engaged at t = 2 s; track 11 follows threat 4
            EventBatch.make(
                "engage", np.array([2.0, 3.0]), track_id=np.array([10, 11]), battery_id=0
            ),
            EventBatch.make(
                "interceptor_launch", np.array([2.5, 3.5]), battery_id=0, cost_usd=30.0
            ),
            EventBatch.make(
                "intercept", np.array([6.0]), threat_id=np.array([1]), track_id=np.array([12])
            ),
            EventBatch.make(
                "impact",
                np.array([9.0, 9.0]),
                threat_id=np.array([2, 4]),
                asset_id=np.array([0, -1]),
            ),
            EventBatch.make(
                "leak", np.array([9.0]), threat_id=np.array([2]), asset_id=np.array([0])
            ),
        ]
    )
    t = np.array([2.0, 2.0, 3.0, 3.0, 3.0])
    traj = {
        "t_s": np.array([2.0, 2.0, 3.0, 3.0, 3.0]),
        "object": np.array(["threat"] * 5, dtype=object),
        "id": np.array([0, 4, 0, 4, 1]),
        "x_m": np.array([0.0, 9000.0, 10.0, 9100.0, 500.0]),
        "y_m": np.zeros(5),
        "z_m": np.full(5, 500.0),
    }
    tracks = {
        "t_s": t[[0, 2, 3]],
        "track_id": np.array([10, 10, 11]),
        "x_m": np.array([30.0, 40.0, 9080.0]),
        "y_m": np.zeros(3),
        "z_m": np.full(3, 500.0),
    }
    res = SimpleNamespace(events=ev, tracks=tracks, trajectories=traj, meta={"threats": threats})
    m = run_metrics(res, sc)
    assert m.launched == 5 and m.aimed_at_assets == 3 and m.falls_short == 1 and m.crossing == 4
    # engaged: 0 (track 10), 4 (track 11) and 1 (named by its intercept)
    assert m.engaged == 3 and m.engaged_at_assets == 2 and m.engaged_open_ground == 1
    assert m.intercepted == 1 and m.leakers == 1
    assert m.rounds_fired == 2 and m.cost_usd == 60.0
    assert m.by_kind["mortar"]["launched"] == 4 and m.by_kind["rocket"]["engaged"] == 1
    assert m.share("intercepted", "engaged") == 1 / 3
