"""`amdsim report`, `amdsim export --czml` and `amdsim view` run as a person runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _fixtures_results import make_fake_results

CMD = [sys.executable, "-m", "amdsim.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120, check=False)


def test_report_command_rebuilds_the_report(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    r = _run("report", str(d))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"report written to {d / 'report.html'}"
    assert (d / "report.html").stat().st_size > 10_000


def test_report_command_names_missing_files(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run", skip=("trajectories.parquet",))
    r = _run("report", str(d))
    assert r.returncode == 2 and "missing trajectories.parquet" in r.stderr
    assert "Traceback" not in r.stderr


def test_export_czml_command(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    out = tmp_path / "x.czml"
    r = _run("export", str(d), "--czml", "-o", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc[0]["id"] == "document"


def test_view_command_serves_on_loopback(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    proc = subprocess.Popen(
        [*CMD, "view", str(d)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"Serving {d} at http://127.0.0.1:"), line
        url = line.rsplit(" ", 1)[1].strip()
        with urllib.request.urlopen(url + "data/run.json", timeout=10) as resp:
            assert json.loads(resp.read())["scenario_name"] == "Fixture demo"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_view_command_refuses_remote_without_flag(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    r = _run("view", str(d), "--host", "0.0.0.0")
    assert r.returncode == 2
    assert "--allow-remote" in r.stderr and "Traceback" not in r.stderr
