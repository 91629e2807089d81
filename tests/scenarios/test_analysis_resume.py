"""Kill a running study with SIGKILL and resume it: no replication lost or run twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from amdsim.analysis.montecarlo import monte_carlo
from amdsim.analysis.synthetic import SyntheticRaid, synthetic_run

RAID = SyntheticRaid(n_threats=12, sleep_s=0.05)
N = 60

SCRIPT = textwrap.dedent(
    """
    import sys
    from amdsim.analysis.montecarlo import monte_carlo
    from amdsim.analysis.synthetic import SyntheticRaid, synthetic_run

    if __name__ == "__main__":
        monte_carlo(SyntheticRaid(n_threats=12, sleep_s=0.05), int(sys.argv[2]), out_dir=sys.argv[1],
                    workers=2, seed=5, run_fn=synthetic_run, progress=False, chunk_size=1)
    """
)


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_sigkill_mid_study_then_resume(tmp_path: Path) -> None:
    out = tmp_path / "study"
    script = tmp_path / "study_script.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(N)], start_new_session=True)
    journal = out / "journal.jsonl"
    try:
        end = time.monotonic() + 60
        while _lines(journal) < 10 and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "study finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the study and its worker processes
    finally:
        proc.wait(timeout=30)
    before = _lines(journal)
    assert 10 <= before < N
    assert not (out / "replications.parquet").exists()

    resumed = monte_carlo(
        RAID, N, out_dir=out, workers=1, seed=5, run_fn=synthetic_run, progress=False
    )
    assert resumed.n_resumed >= before  # a torn line, if any, is the only thing dropped
    assert resumed.n_resumed + resumed.n_computed == N
    reps = [json.loads(x)["replication"] for x in journal.read_text().splitlines()]
    assert sorted(reps) == list(range(N))  # nothing lost, nothing twice

    fresh = monte_carlo(RAID, N, workers=2, seed=5, run_fn=synthetic_run, progress=False)
    for k in fresh.columns:
        np.testing.assert_array_equal(fresh.columns[k], resumed.columns[k])
