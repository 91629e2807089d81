"""Faults injected into studies and results folders: nothing finished is lost or duplicated.

* SIGKILL of a real Monte Carlo study of the built-in default scenario (``preset:default``,
  4 replications, two worker processes) in a child process after the first replication is
  journalled; the resumed study equals an uninterrupted one bit for bit.
* A full disk (``OSError(ENOSPC)`` injected into the checkpoint journal and into the
  results writer), an unwritable output folder (a path under a regular file; permission
  bits cannot be used because the tests may run as root): a clear amdsim error naming the
  folder, finished replications kept, and the study completes when run again.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from amdsim.analysis._journal import Journal
from amdsim.analysis.montecarlo import StudyInputError, StudyRunError, monte_carlo
from amdsim.analysis.synthetic import SyntheticRaid, synthetic_run
from amdsim.core.errors import AmdsimError
from tests.robustness._records import record

N_REAL = 4
SCRIPT = textwrap.dedent(
    """
    import sys
    from amdsim.analysis.montecarlo import monte_carlo

    if __name__ == "__main__":
        monte_carlo(sys.argv[1], int(sys.argv[3]), out_dir=sys.argv[2], workers=2, seed=11,
                    progress=False, chunk_size=1)
    """
)


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.mark.slow
def test_sigkill_real_default_study_then_resume(tmp_path: Path) -> None:
    scen = "preset:default"
    out = tmp_path / "study"
    script = tmp_path / "study.py"
    script.write_text(SCRIPT)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(script), scen, str(out), str(N_REAL)], start_new_session=True
    )
    journal = out / "journal.jsonl"
    try:
        end = time.monotonic() + 240
        while _lines(journal) < 1 and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "study finished (or failed) before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the study and its worker processes
    finally:
        proc.wait(timeout=60)
    before = _lines(journal)
    assert 1 <= before < N_REAL
    assert not (out / "replications.parquet").exists()

    resumed = monte_carlo(scen, N_REAL, out_dir=out, workers=1, seed=11, progress=False)
    assert resumed.n_resumed >= before and resumed.n_resumed + resumed.n_computed == N_REAL
    reps = [json.loads(x)["replication"] for x in journal.read_text().splitlines()]
    assert sorted(reps) == list(range(N_REAL))  # nothing lost, nothing run twice
    assert not resumed.failures

    fresh = monte_carlo(scen, N_REAL, workers=2, seed=11, progress=False)
    assert fresh.columns.keys() == resumed.columns.keys()
    for k in fresh.columns:
        np.testing.assert_array_equal(fresh.columns[k], resumed.columns[k])
    assert json.loads((out / "aggregate.json").read_text()).keys() == fresh.aggregate.keys()
    record(
        "fault",
        f"SIGKILL of a {N_REAL}-replication study of preset:default (2 workers) after "
        f"{before} replications, then resume",
        "resumed; identical to an uninterrupted study",
        f"{resumed.n_resumed} kept + {resumed.n_computed} run; journal holds each index once",
        time.perf_counter() - t0,
    )


RAID = SyntheticRaid(n_threats=8)


def test_full_disk_in_the_journal_keeps_finished_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "study"
    real_append = Journal.append
    calls = {"n": 0}

    def append(self: Journal, records: list) -> None:
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_append(self, records)

    monkeypatch.setattr(Journal, "append", append)
    with pytest.raises(StudyRunError) as info:
        monte_carlo(RAID, 20, out_dir=out, workers=1, seed=2, run_fn=synthetic_run,
                    progress=False, chunk_size=1)  # fmt: skip
    msg = str(info.value)
    assert "No space left on device" in msg and "journal.jsonl" in msg and "5 finished" in msg
    assert isinstance(info.value, AmdsimError)
    assert _lines(out / "journal.jsonl") == 5
    monkeypatch.setattr(Journal, "append", real_append)  # space freed
    resumed = monte_carlo(
        RAID, 20, out_dir=out, workers=1, seed=2, run_fn=synthetic_run, progress=False
    )
    assert resumed.n_resumed == 5 and resumed.n_computed == 15
    fresh = monte_carlo(RAID, 20, workers=1, seed=2, run_fn=synthetic_run, progress=False)
    for k in fresh.columns:
        np.testing.assert_array_equal(fresh.columns[k], resumed.columns[k])
    record("fault", "ENOSPC writing the Monte Carlo checkpoint after 5 of 20 replications",
           "StudyRunError; 5 kept; resume completes identically", msg)  # fmt: skip


def test_full_disk_writing_study_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "study"

    def full(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(StudyRunError) as info:
        monte_carlo(RAID, 6, out_dir=out, workers=1, seed=2, run_fn=synthetic_run, progress=False)
    msg = str(info.value)
    assert "No space left on device" in msg and "6 finished" in msg and "journal.jsonl" in msg
    assert _lines(out / "journal.jsonl") == 6
    assert not (out / "replications.parquet").exists()
    monkeypatch.undo()
    again = monte_carlo(
        RAID, 6, out_dir=out, workers=1, seed=2, run_fn=synthetic_run, progress=False
    )
    assert again.n_resumed == 6 and again.n_computed == 0
    assert (out / "replications.parquet").exists()
    record("fault", "ENOSPC writing replications.parquet at the end of a study",
           "StudyRunError; all 6 kept in the journal; rerun writes results without rerunning", msg)  # fmt: skip


def test_unwritable_study_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(StudyInputError, match="is not writable") as info:
        monte_carlo(
            RAID, 3, out_dir=blocker / "study", workers=1, run_fn=synthetic_run, progress=False
        )
    assert str(blocker / "study") in str(info.value)
    record("fault", "Monte Carlo output folder under a regular file (unwritable)",
           "StudyInputError before any work", str(info.value))  # fmt: skip


def _result():  # a tiny RunResult
    from amdsim.core.events import EventBatch
    from amdsim.simulation.result import RunResult

    ev = EventBatch.make("launch", [0.0, 1.0], threat_id=[0, 1], pos_m=np.zeros((2, 3)))
    return RunResult("t", 1, ev, {"launched": {"value": 2, "unit": "threats"}}, meta={"a": 1})


def test_full_disk_writing_run_results_keeps_previous(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from amdsim.io import writer

    out = writer.write_results(_result(), tmp_path / "run")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(writer, "write_parquet", full)
    with pytest.raises(AmdsimError) as info:
        writer.write_results(_result(), out)
    msg = str(info.value)
    assert (
        "No space left on device" in msg and str(out.resolve()) in msg and "left as it was" in msg
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no partial folder left behind
    record("fault", "ENOSPC while writing a run's results folder over an existing one",
           "AmdsimError; previous folder intact; no partial folder", msg)  # fmt: skip


def test_unwritable_run_folder_is_a_clear_cli_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from amdsim.io import writer

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(AmdsimError, match="cannot write results") as info:
        writer.write_results(_result(), blocker / "run")
    record("fault", "run results folder under a regular file (unwritable)", "AmdsimError",
           str(info.value))  # fmt: skip
