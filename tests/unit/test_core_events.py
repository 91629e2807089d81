"""The typed event table."""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.core.events import EVENT_KINDS, EventBatch


def test_make_broadcasts_and_fills_defaults() -> None:
    ev = EventBatch.make("launch", 1.5, threat_id=[1, 2, 3])
    assert len(ev) == 3
    np.testing.assert_array_equal(ev.t_s, [1.5, 1.5, 1.5])
    np.testing.assert_array_equal(ev.threat_id, [1, 2, 3])
    np.testing.assert_array_equal(ev.track_id, [-1, -1, -1])
    assert (
        np.isnan(ev.x_m).all() and list(ev.kind) == ["launch"] * 3 and list(ev.reason) == [""] * 3
    )
    assert ev.threat_id.dtype == np.int64 and ev.t_s.dtype == np.float64


def test_pos_m_fills_xyz() -> None:
    ev = EventBatch.make("impact", [1.0, 2.0], pos_m=np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    np.testing.assert_array_equal(ev.x_m, [1.0, 4.0])
    np.testing.assert_array_equal(ev.z_m, [3.0, 6.0])


def test_bad_kind_and_column() -> None:
    with pytest.raises(ValueError, match="unknown event kind 'boom'"):
        EventBatch.make("boom", 0.0)
    with pytest.raises(TypeError, match="unknown event columns"):
        EventBatch.make("launch", 0.0, colour="red")


def test_concat_empty_and_columns() -> None:
    assert len(EventBatch.empty()) == 0
    assert len(EventBatch.concat([])) == 0
    a = EventBatch.make("launch", [0.0, 1.0], threat_id=[1, 2])
    b = EventBatch.make("impact", 3.0, threat_id=1, asset_id=0, reason="hit")
    c = EventBatch.concat([a, EventBatch.empty(), b])
    assert len(c) == 3
    assert list(c.kind) == ["launch", "launch", "impact"]
    np.testing.assert_array_equal(c.asset_id, [-1, -1, 0])
    cols = c.columns()
    assert set(cols) >= {"t_s", "kind", "threat_id", "reason"} and len(cols["t_s"]) == 3
    assert set(EVENT_KINDS) >= {"launch", "impact", "leak", "intercept", "miss"}


def test_make_copies_its_inputs() -> None:
    ids = np.array([1, 2])
    ev = EventBatch.make("launch", 0.0, threat_id=ids)
    ids[0] = 99
    assert ev.threat_id[0] == 1


def test_make_with_a_kind_per_row() -> None:
    ev = EventBatch.make(np.array(["detect", "false_alarm"], dtype=object), 1.0, sensor_id=2)
    assert ev.kind.tolist() == ["detect", "false_alarm"] and ev.sensor_id.tolist() == [2, 2]
    with pytest.raises(ValueError, match="unknown event kind"):
        EventBatch.make(np.array(["detect", "boom"], dtype=object), [1.0, 2.0])
