"""Same scenario and seed give the same event log, byte for byte (DESIGN.md, randomness)."""

from __future__ import annotations

import hashlib

import pytest

from amdsim.io.outputs import run_to_dir
from amdsim.scenario import load_scenario


@pytest.fixture(scope="module")
def default_scenario():
    return load_scenario("preset:default")


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(tmp_path, default_scenario):
    a = tmp_path / "a"
    b = tmp_path / "b"
    run_to_dir(default_scenario, a, seed=7, report=False)
    run_to_dir(default_scenario, b, seed=7, report=False)
    for name in ("events.parquet", "summary.json", "trajectories.parquet"):
        assert _digest(a / name) == _digest(b / name), name


def test_different_seed_different_log(tmp_path, default_scenario):
    run_to_dir(default_scenario, tmp_path / "a", seed=1, report=False)
    run_to_dir(default_scenario, tmp_path / "b", seed=2, report=False)
    assert _digest(tmp_path / "a" / "events.parquet") != _digest(tmp_path / "b" / "events.parquet")


def test_every_launched_threat_ends(default_scenario):
    """Conservation: every launched threat impacts, is intercepted, or is still flying at the end."""
    from amdsim import run

    r = run(default_scenario, seed=3)
    ev = r.events
    launched = set(ev.threat_id[ev.kind == "launch"].tolist())
    ended = set(ev.threat_id[(ev.kind == "impact") | (ev.kind == "intercept")].tolist())
    assert ended <= launched
    impacts = ev.threat_id[ev.kind == "impact"]
    assert len(impacts) == len(set(impacts.tolist())), "a threat impacted twice"
    # leaks are impacts inside an asset
    leak_ids = set(ev.threat_id[ev.kind == "leak"].tolist())
    assert leak_ids <= set(impacts.tolist())
