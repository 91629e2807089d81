"""CZML export: valid JSON, document packet first, one packet per threat / interceptor with
time-tagged cartographicDegrees samples matching the trajectories, assets as ellipse/polygon."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _fixtures_results import make_fake_results
from amdsim.io.czml import write_czml
from amdsim.io.results import ResultsError


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_czml_structure(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    out = write_czml(d, tmp_path / "out" / "run.czml")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(doc, list) and doc[0]["id"] == "document" and doc[0]["version"] == "1.0"
    start, stop = (_iso(x) for x in doc[0]["clock"]["interval"].split("/"))
    assert (stop - start).total_seconds() == pytest.approx(120.0)
    ids = [p["id"] for p in doc]
    assert len(ids) == len(set(ids))
    byid = {p["id"]: p for p in doc}
    traj = pq.read_table(d / "trajectories.parquet").to_pydict()
    for oid in (0, 3, 5):
        pkt = byid[f"threat/{oid}"]
        s = np.asarray(pkt["position"]["cartographicDegrees"]).reshape(-1, 4)
        rows = [
            k
            for k in range(len(traj["id"]))
            if traj["object"][k] == "threat" and traj["id"][k] == oid
        ]
        assert s.shape[0] == len(rows)
        assert np.all(np.diff(s[:, 0]) > 0)
        # CZML order is longitude, latitude, height
        np.testing.assert_allclose(s[:, 1], [traj["lon_deg"][k] for k in rows], atol=1e-6)
        np.testing.assert_allclose(s[:, 2], [traj["lat_deg"][k] for k in rows], atol=1e-6)
        np.testing.assert_allclose(s[:, 3], [traj["alt_m"][k] for k in rows], atol=0.01)
        a0, a1 = (_iso(x) for x in pkt["availability"].split("/"))
        assert (a0 - start).total_seconds() == pytest.approx(s[0, 0])
        assert (a1 - start).total_seconds() == pytest.approx(s[-1, 0])
        assert "path" in pkt and "point" in pkt
    assert "Outcome" in byid["threat/2"]["description"]
    assert sum(i.startswith("interceptor/") for i in ids) == 4
    assert byid["asset/0"]["ellipse"]["semiMajorAxis"] == 3000.0
    poly = byid["asset/1"]["polygon"]["positions"]["cartographicDegrees"]
    assert len(poly) == 4 * 3
    # asset 0 centre (200 m east of the origin at 31.5 N, 34.6 E): lon ~ +0.0021 deg
    lon, lat, _ = byid["asset/0"]["position"]["cartographicDegrees"]
    assert lat == pytest.approx(31.5, abs=1e-5)
    assert lon == pytest.approx(
        34.6 + 200.0 / (6378137.0 * np.cos(np.radians(31.5)) * np.pi / 180), abs=1e-5
    )
    assert sum(i.startswith("intercept/") for i in ids) == 3
    assert sum(i.startswith("leak/") for i in ids) == 2
    assert "ellipse" in byid["radar/0"] and "ellipse" in byid["battery/0"]


def test_czml_default_path_and_epoch(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    run = json.loads((d / "run.json").read_text())
    run["epoch"] = "2025-06-01T12:00:00Z"
    (d / "run.json").write_text(json.dumps(run))
    out = write_czml(d)
    assert out == d / "run.czml"
    doc = json.loads(out.read_text())
    assert doc[0]["clock"]["currentTime"].startswith("2025-06-01T12:00:00")


def test_czml_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="does not exist"):
        write_czml(tmp_path / "nope", tmp_path / "x.czml")
