"""Memory estimate and up-front refusal of runs too large for the machine (issue 9)."""

from __future__ import annotations

import pytest

from amdsim.core.errors import AmdsimError
from amdsim.scenario import Scenario
from amdsim.simulation.budget import (
    available_memory_bytes,
    check_memory,
    estimate_detect_events,
    estimate_memory_bytes,
)


def _scenario(count: int, n_radars: int = 1, duration_s: float = 120.0) -> Scenario:
    radars = [
        {"name": f"R{i}", "type": "elm2084", "lat_deg": 31.56 + 0.01 * i, "lon_deg": 34.57}
        for i in range(n_radars)
    ]
    return Scenario.model_validate(
        {
            "name": "budget test",
            "origin": {"lat_deg": 31.55, "lon_deg": 34.55},
            "duration_s": duration_s,
            "dt_s": 0.1,
            "assets": [
                {
                    "name": "Town",
                    "circle": {"lat_deg": 31.5515, "lon_deg": 34.5394, "radius_m": 1500.0},
                }
            ],
            "radars": radars,
            "raids": [
                {
                    "name": "r",
                    "threat": "qassam",
                    "launch": {"lat_deg": 31.53, "lon_deg": 34.47},
                    "target": {"lat_deg": 31.5515, "lon_deg": 34.5394},
                    "count": count,
                    "schedule": {"start_s": 0.0, "end_s": 10.0},
                }
            ],
        }
    )


def test_estimate_grows_linearly_with_threats_and_radars() -> None:
    small, big = _scenario(1000), _scenario(100_000)
    base = estimate_memory_bytes(_scenario(1))
    grow_small = estimate_memory_bytes(small) - base
    grow_big = estimate_memory_bytes(big) - base
    assert grow_big / grow_small == pytest.approx(100_000 / 1000, rel=0.02)
    assert estimate_detect_events(_scenario(100, n_radars=4)) == pytest.approx(
        4 * estimate_detect_events(_scenario(100, n_radars=1)), rel=1e-12
    )


def test_refused_up_front_with_what_it_needs() -> None:
    sc = _scenario(200_000, n_radars=10, duration_s=3600.0)
    need = estimate_memory_bytes(sc)
    assert need > 4e9  # 200k Qassams, 10 radars: several GB of detect events
    with pytest.raises(
        AmdsimError, match=r"needs about [\d.]+ GB, this machine has 1\.0 GB available"
    ):
        check_memory(sc, available_b=1_000_000_000)
    assert check_memory(_scenario(10), available_b=1_000_000_000) == estimate_memory_bytes(
        _scenario(10)
    )


def test_available_memory_reads_meminfo(tmp_path: object) -> None:
    from pathlib import Path

    p = Path(str(tmp_path)) / "meminfo"
    p.write_text("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   2048 kB\n")
    assert available_memory_bytes(p) == 2048 * 1024
    p.write_text("MemTotal: 1 kB\n")
    assert available_memory_bytes(p) is None
    assert available_memory_bytes(Path(str(tmp_path)) / "missing") is None


def test_detect_bound_holds_on_a_real_run() -> None:
    """The estimate bounds the detect events of an actual run (one radar, 30 Qassams)."""
    from amdsim.simulation.engine import run

    sc = _scenario(30, n_radars=1, duration_s=90.0)
    res = run(sc, seed=3)
    n_detect = int((res.events.kind == "detect").sum())
    assert n_detect > 0
    assert n_detect <= estimate_detect_events(sc)
