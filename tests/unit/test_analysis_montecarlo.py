"""Monte Carlo runner: seeds, ordering, outputs, failures, checkpoint, bad inputs."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from amdsim.analysis._worker import extract_metrics
from amdsim.analysis.executors import ClusterUnreachable
from amdsim.analysis.montecarlo import StudyInputError, StudyRunError, monte_carlo, replication_seed
from amdsim.analysis.synthetic import SyntheticRaid, synthetic_run
from amdsim.core.events import EventBatch
from amdsim.simulation.result import RunResult

RAID = SyntheticRaid(n_threats=10)


def _mc(n: int = 30, **kw: object):
    kw.setdefault("workers", 1)
    return monte_carlo(
        RAID if "scenario" not in kw else kw.pop("scenario"),
        n,
        run_fn=synthetic_run,
        progress=False,
        **kw,
    )


def test_replication_seeds_are_deterministic_distinct_and_study_dependent() -> None:
    s = [replication_seed(7, i) for i in range(1000)]
    assert s == [replication_seed(7, i) for i in range(1000)]
    assert len(set(s)) == 1000
    assert all(0 <= v < 2**63 for v in s)
    assert replication_seed(8, 0) != replication_seed(7, 0)


def test_results_are_in_replication_order_and_independent_of_chunking() -> None:
    a = _mc(40, chunk_size=1)
    b = _mc(40, chunk_size=7)
    assert list(a.columns["replication"]) == list(range(40))
    for k in a.columns:
        np.testing.assert_array_equal(a.columns[k], b.columns[k])
    # independent streams: replications are not all the same
    assert np.unique(a.metric("leakers")).size > 1


def test_one_and_two_worker_processes_give_identical_results() -> None:
    a = _mc(24, workers=1)
    b = _mc(24, workers=2)
    assert a.columns.keys() == b.columns.keys()
    for k in a.columns:
        np.testing.assert_array_equal(a.columns[k], b.columns[k])


def test_outputs_written(tmp_path: Path) -> None:
    r = _mc(12, out_dir=tmp_path / "study")
    table = pq.read_table(tmp_path / "study" / "replications.parquet").to_pydict()
    assert table["replication"] == list(range(12))
    assert table["seed"] == [replication_seed(0, i) for i in range(12)]
    assert table["leakers"] == list(r.metric("leakers"))
    agg = json.loads((tmp_path / "study" / "aggregate.json").read_text())
    assert {"mean", "std", "ci_low", "ci_high", "n", "unit"} <= set(agg["leakers"])
    assert agg["leakers"]["n"] == 12
    assert agg["any_leaker"]["interval"] == "wilson"
    assert json.loads((tmp_path / "study" / "failures.json").read_text()) == []


def test_failing_replication_is_reported_with_its_seed_and_others_kept(tmp_path: Path) -> None:
    bad = replication_seed(0, 3)
    r = _mc(8, scenario=replace(RAID, fail_seeds=(bad,)), out_dir=tmp_path)
    assert [f["seed"] for f in r.failures] == [bad]
    assert r.failures[0]["replication"] == 3
    assert "synthetic failure" in r.failures[0]["error"]
    assert list(r.columns["replication"]) == [0, 1, 2, 4, 5, 6, 7]
    # the rest are the same numbers as in a study without the failure
    ok = _mc(8)
    np.testing.assert_array_equal(r.metric("leakers"), np.delete(ok.metric("leakers"), 3))
    saved = json.loads((tmp_path / "failures.json").read_text())
    assert saved[0]["seed"] == bad


def test_resume_skips_done_replications_and_cuts_torn_line(tmp_path: Path) -> None:
    full = _mc(20)
    first = _mc(8, out_dir=tmp_path)
    assert first.n_computed == 8
    with open(tmp_path / "journal.jsonl", "ab") as f:
        f.write(b'{"replication": 9, "seed": 1, "metr')  # killed mid-write
    again = _mc(20, out_dir=tmp_path)
    assert again.n_resumed == 8 and again.n_computed == 12
    for k in full.columns:
        np.testing.assert_array_equal(full.columns[k], again.columns[k])
    lines = (tmp_path / "journal.jsonl").read_text().splitlines()
    assert sorted(json.loads(x)["replication"] for x in lines) == list(range(20))
    done = _mc(20, out_dir=tmp_path)
    assert done.n_computed == 0 and done.n_resumed == 20


def test_resume_refuses_a_different_study(tmp_path: Path) -> None:
    _mc(4, out_dir=tmp_path)
    with pytest.raises(StudyInputError, match="different study"):
        _mc(4, out_dir=tmp_path, seed=5)


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_bad_n_is_refused(n: object) -> None:
    with pytest.raises(StudyInputError, match="positive integer"):
        _mc(n)  # type: ignore[arg-type]


def test_unwritable_out_dir_is_refused_before_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StudyInputError, match="not writable"):
        _mc(4, out_dir=blocker / "sub")


def test_unreachable_cluster_is_refused_quickly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ClusterUnreachable, match="no Dask scheduler"):
        _mc(4, cluster=f"tcp://127.0.0.1:{port}")
    with pytest.raises(ValueError, match="tcp://HOST:PORT"):
        _mc(4, cluster="http://nowhere")


def test_dead_worker_process_is_reported_with_seeds_and_study_resumes(tmp_path: Path) -> None:
    bad = replication_seed(0, 5)
    raid = replace(RAID, exit_seeds=(bad,), exit_marker=str(tmp_path / "crashed-once"))
    out = tmp_path / "study"
    with pytest.raises(StudyRunError, match=str(bad)) as info:
        monte_carlo(
            raid, 12, out_dir=out, workers=2, chunk_size=1, run_fn=synthetic_run, progress=False
        )
    assert "run the study again" in str(info.value)
    kept = (out / "journal.jsonl").read_text().splitlines()
    again = _mc(12, scenario=raid, out_dir=out)  # the crash does not repeat: the study resumes
    assert again.n_resumed == len(kept) and again.n_computed == 12 - len(kept)
    np.testing.assert_array_equal(again.metric("leakers"), _mc(12).metric("leakers"))


def _runresult_run(scenario: object, seed: int) -> RunResult:
    summary = {
        "seed": seed,
        "leakers": {"value": seed % 3, "unit": "threats"},
        "interceptors_used": {"tamir": {"value": 2, "unit": "rounds"}},
        "scenario": "name",
    }
    return RunResult(scenario_name="x", seed=seed, events=EventBatch.empty(), summary=summary)


def test_runresult_metrics_units_and_reserved_names() -> None:
    metrics, units = extract_metrics(_runresult_run(None, 7))
    assert metrics == {"leakers": 1.0, "interceptors_used.tamir": 2.0}
    assert units == {"leakers": "threats", "interceptors_used.tamir": "rounds"}
    r = monte_carlo(None, 3, workers=1, run_fn=_runresult_run, progress=False)
    assert r.columns["seed"].dtype == np.int64
    assert list(r.columns["seed"]) == [replication_seed(0, i) for i in range(3)]
    assert r.aggregate["leakers"]["unit"] == "threats"
    assert r.aggregate["interceptors_used.tamir"]["unit"] == "rounds"
    assert "leakers: " in r.lines(("leakers",))[0]


def test_worker_flatten_follows_the_runresult_contract() -> None:
    from amdsim.analysis._worker import _flatten
    from amdsim.simulation.result import flatten_summary

    d = {
        "a": {"value": 1, "unit": "m"},
        "b": {"x": {"value": 2.5}, "y": 3},
        "c": "s",
        "d": True,
        "e": {"value": "s"},
        "f": {"value": float("nan")},
    }
    got, ref = _flatten(d), flatten_summary(d)
    assert got.keys() == ref.keys() and all(_same(got[k], ref[k]) for k in ref)


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)
