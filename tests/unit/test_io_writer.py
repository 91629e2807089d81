"""Results folders are written atomically and deterministically."""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.core.events import EventBatch
from amdsim.io.writer import atomic_dir, write_results
from amdsim.simulation.result import RunResult, flatten_summary


def _result() -> RunResult:
    ev = EventBatch.concat(
        [
            EventBatch.make("launch", [0.0, 1.0], threat_id=[0, 1], pos_m=np.zeros((2, 3))),
            EventBatch.make("impact", [5.0], threat_id=[0], asset_id=[0], value=10.0, reason="x"),
        ]
    )
    return RunResult("t", 1, ev, {"launched": {"value": 2, "unit": "threats"}}, meta={"a": 1})


def test_write_results_is_byte_identical(tmp_path):
    a = write_results(_result(), tmp_path / "a")
    b = write_results(_result(), tmp_path / "b")
    for name in ("events.parquet", "summary.json", "run.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_interrupted_write_leaves_nothing(tmp_path):
    out = tmp_path / "out"

    def boom(_tmp):
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_results(_result(), out, extra=boom)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_interrupted_rewrite_keeps_previous(tmp_path):
    out = write_results(_result(), tmp_path / "out")
    before = (out / "events.parquet").read_bytes()
    with pytest.raises(KeyboardInterrupt), atomic_dir(out) as tmp:
        (tmp / "events.parquet").write_bytes(b"partial")
        raise KeyboardInterrupt
    assert (out / "events.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_flatten_summary():
    s = {
        "a": {"value": 1, "unit": "m"},
        "b": {"x": {"value": 2.5, "unit": "s"}},
        "c": "text",
        "d": 3,
    }
    assert flatten_summary(s) == {"a": 1.0, "b.x": 2.5, "d": 3.0}


def test_event_batch_rejects_unknown_kind_and_columns():
    with pytest.raises(ValueError, match="unknown event kind"):
        EventBatch.make("explode", [0.0])
    with pytest.raises(TypeError, match="unknown event columns"):
        EventBatch.make("launch", [0.0], colour=[1])
