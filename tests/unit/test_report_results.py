"""Reading a results folder: clear messages for missing / partial folders, tolerant metrics."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _fixtures_results import EXPECTED, make_fake_results
from amdsim.io.results import ResultsError, load_run, metric_rows, metric_value


def test_load_run_reads_every_file(tmp_path: Path) -> None:
    res = load_run(make_fake_results(tmp_path / "run"))
    assert res.run["scenario_name"] == "Fixture demo"
    assert int((res.events["kind"] == "launch").sum()) == EXPECTED["launched"]
    assert set(res.trajectories["object"].tolist()) == {"threat", "interceptor"}
    assert res.tracks["track_id"].size > 0
    assert res.missing_optional == ()
    assert res.names("assets") == ["City A", "Base B"]
    assert res.threat_types()[4] == "grad"
    assert set(res.interceptor_types().values()) == {"tamir"}


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="does not exist"):
        load_run(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "missing", [("events.parquet",), ("run.json", "summary.json"), ("trajectories.parquet",)]
)
def test_partial_folder_names_what_is_missing(tmp_path: Path, missing: tuple[str, ...]) -> None:
    d = make_fake_results(tmp_path / "run", skip=missing)
    with pytest.raises(ResultsError) as err:
        load_run(d)
    msg = str(err.value)
    assert "incomplete" in msg
    for name in missing:
        assert name in msg.split("(expected")[0]


def test_tracks_are_optional(tmp_path: Path) -> None:
    res = load_run(make_fake_results(tmp_path / "run", skip=("tracks.parquet",)))
    assert res.missing_optional == ("tracks.parquet",)
    assert res.tracks == {}


def test_missing_columns_are_named(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    pq.write_table(pa.table({"t_s": [0.0], "kind": ["launch"]}), d / "events.parquet")
    with pytest.raises(ResultsError, match=r"events.parquet: missing column\(s\) threat_id"):
        load_run(d)


def test_malformed_json_is_named(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    (d / "summary.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultsError, match=r"summary\.json: not valid JSON"):
        load_run(d)
    (d / "summary.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ResultsError, match=r"summary\.json: expected a JSON object"):
        load_run(d)


def test_not_parquet_is_named(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    (d / "trajectories.parquet").write_bytes(b"garbage")
    with pytest.raises(ResultsError, match=r"trajectories\.parquet: not a readable Parquet file"):
        load_run(d)


def test_metric_value_accepts_both_forms() -> None:
    assert metric_value(3) == (3.0, "")
    assert metric_value({"value": 2.5, "unit": "USD"}) == (2.5, "USD")
    assert math.isnan(metric_value("x")[0])
    assert math.isnan(metric_value(None)[0])
    assert math.isnan(metric_value(True)[0])


def test_metric_rows_flattens_nested_summaries(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    rows = {n: (v, u) for n, v, u in metric_rows(json.loads((d / "summary.json").read_text()))}
    assert rows["launched"] == (6.0, "threats")
    assert rows["impacts"] == (3.0, "")
    assert rows["impacts_per_asset.City A"] == (1.0, "threats")
    assert rows["impacts_per_asset.Base B"] == (1.0, "")
    assert rows["interceptors_used.tamir"] == (4.0, "rounds")
    assert rows["scenario"] == ("Fixture demo", "")
