"""Detections CSV in, tracks CSV out: row-numbered errors and an end-to-end run."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pytest

from amdsim.core.errors import InputError
from amdsim.tracking.interchange import (
    TRACK_COLUMNS,
    add_track_command,
    read_detections_csv,
    track_detections,
    write_tracks_csv,
)


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "detections.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("t_s,x_m,y_m\n0,1,2\n", r"detections.csv:1: missing column\(s\) z_m"),
        ("t_s,x_m,y_m,z_m\n0,1,2,3\n1,abc,2,3\n", r"detections.csv:3: x_m: not a number \('abc'\)"),
        ("t_s,x_m,y_m,z_m\n0,1,2,3\n1,1,nan,3\n", r"detections.csv:3: y_m: not finite \('nan'\)"),
        (
            "t_s,x_m,y_m,z_m\n0,1,2,3\n2,1,2,3\n1,1,2,3\n",
            r"detections.csv:4: t_s: times out of order",
        ),
        ("t_s,x_m,y_m,z_m\n0,1,2,3\n1,1,2\n", r"detections.csv:3: expected 4 fields, got 3"),
        ("t_s,x_m,y_m,z_m,sigma_m\n0,1,2,3,-1\n", r"detections.csv:2: sigma_m: must be >= 0"),
        ("t_s,x_m,y_m,z_m,sensor\n0,1,2,3,1.5\n", r"detections.csv:2: sensor: not an integer"),
        ("", r"detections.csv:1: empty file"),
    ],
)
def test_malformed_files_name_the_row(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_detections_csv(_write(tmp_path, text))


def test_optional_columns_and_blank_lines(tmp_path: Path) -> None:
    p = _write(tmp_path, "x_m,t_s,y_m,z_m,sensor,sigma_m,note\n1,0,2,3,2,5,a\n\n4,0.5,5,6,1,7,b\n")
    tab = read_detections_csv(p)
    assert tab["t_s"].tolist() == [0.0, 0.5] and tab["x_m"].tolist() == [1.0, 4.0]
    assert tab["sensor"].tolist() == [2, 1] and tab["sigma_m"].tolist() == [5.0, 7.0]


def _two_targets_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = ["t_s,x_m,y_m,z_m"]
    for k in range(15):
        for p in (np.array([100.0 * k, 0, 2000]), np.array([0, -150.0 * k, 4000])):
            if rng.random() < 0.9:
                z = p + rng.normal(0, 10, 3)
                rows.append(f"{k},{z[0]},{z[1]},{z[2]}")
        c = rng.uniform(-2e4, 2e4, 3)
        rows.append(f"{k},{c[0]},{c[1]},{c[2]}")
    return _write(tmp_path, "\n".join(rows) + "\n")


@pytest.mark.parametrize("model", ["cv", "ca", "ballistic", "imm"])
def test_track_detections_file_and_arrays_agree(tmp_path: Path, model: str) -> None:
    p = _two_targets_csv(tmp_path)
    a = track_detections(p, sigma_m=10.0, model=model, q_cv_m2ps3=1.0)
    tab = read_detections_csv(p)
    b = track_detections(
        {k: tab[k] for k in ("t_s", "x_m", "y_m", "z_m")}, sigma_m=10.0, model=model, q_cv_m2ps3=1.0
    )
    assert set(a) == set(TRACK_COLUMNS)
    for k in TRACK_COLUMNS:
        assert np.array_equal(a[k], b[k])
    last = a["t_s"] == 14.0
    if model in ("cv", "ca", "imm"):  # level flight: gravity-driven 'ballistic' may lag
        assert last.sum() == 2
        v = np.column_stack([a["vx_mps"][last], a["vy_mps"][last]])
        assert np.allclose(np.sort(np.abs(v).max(axis=1)), [100.0, 150.0], atol=10.0)


def test_write_tracks_csv_and_cli_command(tmp_path: Path) -> None:
    p = _two_targets_csv(tmp_path)
    parser = argparse.ArgumentParser()
    add_track_command(parser.add_subparsers())
    out = tmp_path / "tracks.csv"
    args = parser.parse_args(
        ["track", str(p), "-o", str(out), "--sigma-m", "10", "--model", "cv", "--pd", "0.9"]
    )
    assert args.func(args) == 0
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == TRACK_COLUMNS and len(rows) > 10
    ref = track_detections(p, sigma_m=10.0)
    assert len(rows) - 1 == ref["t_s"].size
    assert float(rows[1][2]) == ref["x_m"][0] and int(rows[1][1]) == ref["track_id"][0]
    write_tracks_csv(tmp_path / "empty.csv", {c: np.empty(0) for c in TRACK_COLUMNS})
    assert (tmp_path / "empty.csv").read_text().strip() == ",".join(TRACK_COLUMNS)


def test_array_input_checks() -> None:
    with pytest.raises(InputError, match="row 1: t_s: times out of order"):
        track_detections(np.array([[1.0, 0, 0, 0], [0.0, 0, 0, 0]]))
    with pytest.raises(InputError, match="not finite"):
        track_detections(np.array([[0.0, np.inf, 0, 0]]))
    with pytest.raises(InputError, match="missing column"):
        track_detections({"t_s": [0.0]})
