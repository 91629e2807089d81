"""Memory stays flat over a long study (``scripts/soak.py``; ``make soak`` runs 1,000).

The slow test runs 100 replications on two workers of a tiny scenario with every stage on
(``tests/data/tiny.yaml``: radar, tracker, battle management, interceptors), so it fits in
``make test``; ``make soak`` runs the same check with 1,000 replications of the default
scenario. It fails if any worker's or the parent's resident memory grows by more than the
stated bound (64 MB or 10 % after warm-up). ``AMDSIM_SOAK_REPLICATIONS`` and
``AMDSIM_SOAK_SCENARIO`` change the count and the scenario. The growth
rule itself is checked on synthetic series: flat, noisy and leaking.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.robustness._records import record

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"


def _soak() -> Any:
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module("soak")


def test_growth_rule_on_synthetic_series() -> None:
    check = _soak().check_growth
    rng = np.random.default_rng(3)
    warm_up = list(np.linspace(60, 200, 10))  # imports, JIT, caches
    flat = warm_up + list(200 + rng.normal(0, 5, 190))
    assert check(flat)["ok"]
    spiky = list(flat)
    spiky[150] = 900.0  # one large transient run
    assert check(spiky)["ok"]
    leak = warm_up + [200 + 1.0 * i for i in range(190)]  # 1 MB per replication
    g = check(leak)
    assert not g["ok"] and g["growth_mb"] == pytest.approx(170, abs=15)
    small_leak = warm_up + [200 + 0.1 * i for i in range(190)]  # 0.1 MB: 17 MB over the run
    assert check(small_leak)["ok"]
    assert check([1.0, 2.0])["ok"]  # too few samples to judge


@pytest.mark.slow
def test_soak_100_replications() -> None:
    n = int(os.environ.get("AMDSIM_SOAK_REPLICATIONS", "100"))
    scenario = os.environ.get("AMDSIM_SOAK_SCENARIO", str(TINY))
    out = _soak().soak(n, scenario, workers=2, seed=0, sample_s=1.0)
    lines = [
        f"{name}: {g['warm_mb']:.0f} -> {g['end_mb']:.0f} MB (bound +{g['bound_mb']:.0f} MB)"
        for name, g in out["processes"].items()
    ]
    record(
        "soak",
        f"{n} replications of {Path(scenario).name}, 2 workers ({out['s_per_replication']:.1f} s each)",
        "memory flat" if out["ok"] else "GROWTH",
        "; ".join(lines),
        out["elapsed_s"],
        max(g["end_mb"] for g in out["processes"].values()),
    )
    assert out["failed"] == 0
    assert out["ok"], lines
