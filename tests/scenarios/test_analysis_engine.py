"""Monte Carlo over the real engine on the default preset: the scenario travels to a worker
process, and the replication equals a direct ``run(scenario, replication_seed(...))``."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from amdsim.analysis.montecarlo import monte_carlo, replication_seed
from amdsim.scenario import load_scenario
from amdsim.simulation import run


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.slow
def test_default_preset_study_in_a_worker_process_equals_direct_run(tmp_path: Path) -> None:
    # the direct run goes on in this process while the study runs in a worker process
    with ThreadPoolExecutor(1) as pool:
        direct_f = pool.submit(
            lambda: run(load_scenario("preset:default"), replication_seed(3, 0)).metrics()
        )
        study = monte_carlo(
            "preset:default", 1, out_dir=tmp_path, workers=2, seed=3, progress=False
        )
        direct = direct_f.result()
    assert study.failures == []
    assert list(study.columns["replication"]) == [0]
    direct.pop("seed", None)
    for k, v in direct.items():
        assert _same(study.columns[k][0], v), k
    assert study.aggregate["launched"]["unit"] == "threats"
    assert (
        study.aggregate["launched"]["mean"] == 83.0
    )  # 30 + 15 + 20 + 10 + 8 threats in the preset
    cols = pq.read_table(tmp_path / "replications.parquet").column_names
    assert {"replication", "seed", "leakers", "value_lost", "cost_usd"} <= set(cols)
