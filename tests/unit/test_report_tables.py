"""Leakage, expenditure, timeline and per-threat stories, checked against the fixture's
hand-made story (tests/_fixtures_results.py: EXPECTED), not against the code under test."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _fixtures_results import EXPECTED, make_fake_results
from amdsim.io._report_story import threat_stories
from amdsim.io._report_tables import (
    expenditure,
    leakage_by_asset,
    leakage_by_type,
    timeline_counts,
)
from amdsim.io.results import RunResults, load_run


@pytest.fixture(scope="module")
def res(tmp_path_factory: pytest.TempPathFactory) -> RunResults:
    return load_run(make_fake_results(tmp_path_factory.mktemp("run")))


def test_leakage_by_type(res: RunResults) -> None:
    rows = {r["type"]: r for r in leakage_by_type(res)}
    assert {t: r["launched"] for t, r in rows.items()} == EXPECTED["launched_by_type"]
    assert {t: r["leaks"] for t, r in rows.items()} == EXPECTED["leaks_by_type"]
    assert sum(r["intercepted"] for r in rows.values()) == EXPECTED["intercepts"]
    assert rows["grad"]["detected"] == 1  # threat 5 never detected
    assert rows["qassam"]["engaged"] == 3
    assert rows["qassam"]["leak_rate"] == pytest.approx(0.25)
    assert sum(r["value_lost"] for r in rows.values()) == pytest.approx(EXPECTED["value_lost"])


def test_leakage_by_asset(res: RunResults) -> None:
    rows = {r["asset"]: r for r in leakage_by_asset(res)}
    assert {a: r["leaks"] for a, r in rows.items()} == EXPECTED["leaks_by_asset"]
    assert rows["City A"]["value_lost"] == pytest.approx(100.0)
    assert rows["Base B"]["value_lost"] == pytest.approx(50.0)


def test_expenditure(res: RunResults) -> None:
    (row,) = expenditure(res)
    assert row["battery"] == "Battery 1" and row["interceptor"] == "tamir"
    assert row["fired"] == EXPECTED["interceptors_fired"]
    assert (row["intercepts"], row["misses"]) == (3, 1)
    assert row["cost_usd"] == pytest.approx(EXPECTED["cost_usd"])


def test_timeline_counts_sum_to_totals(res: RunResults) -> None:
    tc = timeline_counts(res, bin_s=10.0)
    assert tc["edges_s"][0] == 0.0 and tc["edges_s"][-1] >= 105.0
    assert tc["launch"].sum() == EXPECTED["launched"]
    assert tc["intercept"].sum() == EXPECTED["intercepts"]
    assert tc["leak"].sum() == EXPECTED["leaks"]
    # launches at 0, 4, 8 s -> first bin; 12 s -> second; 20, 25 s -> third
    assert tc["launch"][:3].tolist() == [3, 1, 2]


def test_stories(res: RunResults) -> None:
    st = threat_stories(res)
    assert sorted(st) == [0, 1, 2, 3, 4, 5]
    assert [st[i]["outcome"] for i in range(6)] == [
        "intercepted", "intercepted", "leaked", "impact", "intercepted", "leaked",
    ]  # fmt: skip
    text = {i: {ln["label"]: ln["text"] for ln in s["lines"]} for i, s in st.items()}
    assert text[5]["Detected"] == "never detected"
    assert text[5]["Not engaged"] == "never detected"
    assert text[3]["Not engaged"] == "last decision: " + EXPECTED["not_engaged_reason"]
    assert text[0]["Detected"].startswith("first at t = 5.0 s by MMR North")
    assert f"track {EXPECTED['track_of'][4]} confirmed at t = 29.0 s" in text[4]["Tracked"]
    assert "(0.3, 0.4) km" in text[2]["Predicted impact"]
    assert "endangering City A" in text[2]["Predicted impact"]
    assert "Battery 1" in text[2]["Engaged"]
    assert "kill draw failed" in text[2]["Miss"]
    assert "in City A" in text[2]["Outcome"] and "value lost 100" in text[2]["Outcome"]
    assert text[0]["Outcome"].startswith("intercepted at t = 42.0 s by #1000")


def test_story_of_threat_still_flying(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = make_fake_results(tmp_path / "run")
    tab = pq.read_table(d / "events.parquet")
    kind = np.array(tab.column("kind").to_pylist(), dtype=object)
    tid = tab.column("threat_id").to_numpy()
    keep = ~(np.isin(kind, ["impact", "leak"]) & (tid == 3))
    pq.write_table(tab.filter(pa.array(keep)), d / "events.parquet")
    st = threat_stories(load_run(d))
    assert st[3]["outcome"] == "in flight"


def test_match_tracks_by_position(res: RunResults) -> None:
    from amdsim.io._report_story import match_tracks

    assert match_tracks(res) == {trk: th for th, trk in EXPECTED["track_of"].items()}
    assert match_tracks(res, gate_m=10.0) == {}  # estimates sit 26 m (15 m per axis) off truth


def test_story_links_tracks_by_position_when_events_do_not(tmp_path: Path) -> None:
    """The engine's tracker events carry no threat id: the story matches tracks by position."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = make_fake_results(tmp_path / "run")
    tab = pq.read_table(d / "events.parquet")
    kind = np.array(tab.column("kind").to_pylist(), dtype=object)
    tid = tab.column("threat_id").to_numpy().copy()
    trk = tab.column("track_id").to_numpy().copy()
    tid[np.isin(kind, ["track_init", "track_drop"])] = -1
    keep = ~np.isin(kind, ["decision", "engage", "interceptor_launch", "intercept", "miss"])
    tab = tab.set_column(tab.column_names.index("threat_id"), "threat_id", pa.array(tid))
    tab = tab.set_column(tab.column_names.index("track_id"), "track_id", pa.array(trk))
    pq.write_table(tab.filter(pa.array(keep)), d / "events.parquet")
    st = threat_stories(load_run(d))
    text = {ln["label"]: ln["text"] for ln in st[4]["lines"]}
    assert text["Tracked"].startswith(
        "track 104 (matched to this threat by position) confirmed at t = 29.0 s"
    )
    assert text["Not engaged"] == "no engagement decision in the event log"
    assert {ln["label"]: ln["text"] for ln in st[5]["lines"]}["Tracked"] == "no confirmed track"


def test_story_predicted_impact_point(res: RunResults) -> None:
    st = threat_stories(res)
    assert st[2]["predicted_impact_m"] == [300.0, 400.0]  # fixture aim point of threat 2
    assert st[5]["predicted_impact_m"] is None  # never tracked, no decision
