"""End to end on a real engine run (preset:default): the results folder the engine writes is
read by the report, the viewer and the CZML export, and they agree with the engine's summary.

Needs the whole engine (``amdsim.io.outputs.run_to_dir``); the browser part needs Debian's
chromium like ``test_viewer_browser.py``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _fixtures_results import png_pixel_std
from amdsim.io.czml import write_czml
from amdsim.io.results import load_run, metric_value
from amdsim.viewer import serve
from amdsim.viewer._data import build_payloads

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from amdsim.io.outputs import run_to_dir
    from amdsim.scenario import load_scenario_text, preset_text

    # the default preset's defence against a smaller, shorter raid (keeps the test quick)
    text = preset_text("default")
    head = re.sub(r"(?m)^duration_(s|min):.*$", "duration_s: 50", text[: text.index("\nraids:")])
    raids = """
raids:
  - name: Qassam on Town A
    threat: qassam
    launch: {lat_deg: 31.5045, lon_deg: 34.5579, radius_m: 500}
    target: {asset: Town A}
    count: 6
    schedule: {start_s: 0, end_s: 15, pattern: uniform}
  - name: Qassam into open ground
    threat: qassam
    launch: {lat_deg: 31.5045, lon_deg: 34.5579, radius_m: 500}
    target: {lat_deg: 31.5406, lon_deg: 34.5947}
    count: 3
    schedule: {times_s: [5, 10, 15]}
"""
    sc = load_scenario_text(head + raids, "small-demo.yaml")
    d = tmp_path_factory.mktemp("real") / "demo"
    run_to_dir(sc, d, seed=1)
    return d


def test_engine_output_is_read_by_report_viewer_and_czml(run_dir: Path) -> None:
    res = load_run(run_dir)
    launched = metric_value(res.summary["launched"])[0]
    assert launched > 0
    n_launch_events = int((res.events["kind"] == "launch").sum())
    assert n_launch_events == launched
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert all(u.startswith("data:") for u in re.findall(r'(?:src|href)="([^"]*)"', text))
    m = re.search(r"<b>([\d,]+)</b><span>threats launched</span>", text)
    assert m and int(m.group(1).replace(",", "")) == launched
    stories = json.loads(build_payloads(run_dir)["stories.json"])["stories"]
    assert len(stories) == launched == 9
    leaked = {int(i) for i in res.events["threat_id"][res.events["kind"] == "leak"]}
    assert {s["id"] for s in stories if s["outcome"] == "leaked"} == leaked
    doc = json.loads(write_czml(run_dir, run_dir / "x.czml").read_text())
    assert sum(p["id"].startswith("threat/") for p in doc) == len(
        set(res.trajectories["id"][res.trajectories["object"] == "threat"].tolist())
    )


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_real_run_in_the_viewer(run_dir: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    urls: list[str] = []
    with serve(run_dir) as srv, sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page: Any = b.new_page(viewport={"width": 1280, "height": 800})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: urls.append(r.url))
        page.goto(srv.url)
        page.wait_for_function("() => window.amdsim && window.amdsim.ready", timeout=30000)
        page.select_option("#speed", "60")
        page.click("#play")
        page.wait_for_function("() => window.amdsim.state.t > 30", timeout=30000)
        page.click("#play")
        page.click("#threats li:first-child button")
        story = page.inner_text("#storybox")
        assert "Launched" in story and "Outcome" in story
        shot = tmp_path / "real.png"
        page.screenshot(path=str(shot))
        assert png_pixel_std(shot.read_bytes()) > 0.02
        b.close()
    assert errors == []
    assert all(u.startswith(srv.url) or u.startswith("data:") for u in urls)
