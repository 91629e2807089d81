"""The study commands work from the command line and write their files and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from amdsim.cli import main

TINY = str(Path(__file__).resolve().parent.parent / "data" / "tiny.yaml")


def test_run_command_writes_results(tmp_path, capsys):
    assert main(["run", TINY, "-o", str(tmp_path / "r"), "--seed", "3", "-q"]) == 0
    names = {p.name for p in (tmp_path / "r").iterdir()}
    assert {
        "events.parquet",
        "summary.json",
        "run.json",
        "report.html",
        "trajectories.parquet",
    } <= names
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["launched"]["value"] == 4


def test_mc_command_and_report(tmp_path, capsys):
    out = tmp_path / "mc"
    assert main(["mc", TINY, "-n", "3", "-o", str(out), "--workers", "1", "--seed", "5"]) == 0
    assert pq.read_table(out / "replications.parquet").num_rows == 3
    agg = json.loads((out / "aggregate.json").read_text())
    assert (
        "leakers" in agg
        and agg["leakers"]["ci_low"] <= agg["leakers"]["mean"] <= agg["leakers"]["ci_high"]
    )
    assert (out / "report.html").exists()


def test_compare_command_paired(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", TINY, TINY, "-n", "2", "-o", str(out), "--workers", "1"]) == 0
    paired = json.loads((out / "paired.json").read_text())
    # the same scenario with common random numbers: every paired difference is exactly zero
    assert paired["leakers"]["diff_mean"] == 0.0
    assert (out / "report.html").exists()


def test_bad_study_inputs_are_clear_errors(tmp_path, capsys):
    assert main(["mc", TINY, "-n", "0", "-o", str(tmp_path / "x")]) == 2
    assert "n" in capsys.readouterr().err.lower()
    assert main(["compare", TINY, "-n", "2", "-o", str(tmp_path / "y")]) == 2
    assert "two scenario files" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["validate", TINY], ["presets"]])
def test_small_commands(argv, capsys):
    assert main(argv) == 0
    assert capsys.readouterr().out.strip()
