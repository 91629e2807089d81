"""The replay viewer tested as a person would: Debian's headless chromium driven by Playwright
opens the viewer, plays the replay, clicks a threat on the map and reads its story.

Checks: no console errors, no request outside 127.0.0.1, screenshots not blank. Needs the
Debian package ``chromium`` (``/usr/bin/chromium``; ``.ci/run`` installs it) and the Python
package ``playwright`` (its bundled browsers are never downloaded: ``executable_path``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _browser import BROWSER_MARKS
from _fixtures_results import make_fake_results, png_pixel_std
from amdsim.viewer import ViewerServer, serve

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ViewerServer]:
    d = make_fake_results(tmp_path_factory.mktemp("viewer") / "run")
    with serve(d) as srv:
        yield srv


class Watch:
    """Console errors, page errors and every request URL of a page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        page.on("request", lambda r: self.urls.append(r.url))


def test_viewer_replay_and_story(browser: Any, server: ViewerServer, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = Watch(page)
    page.goto(server.url)
    page.wait_for_function("() => window.amdsim && window.amdsim.ready", timeout=15000)
    assert "Fixture demo" in page.inner_text("#title")
    assert "6 threats, 4 interceptors" in page.inner_text("#status")
    first = tmp_path / "viewer_start.png"
    page.locator("#map").screenshot(path=str(first))
    assert png_pixel_std(first.read_bytes()) > 0.02

    # play at 60x, watch the clock advance, pause
    page.select_option("#speed", "60")
    page.click("#play")
    assert page.inner_text("#play").startswith("❚❚")
    page.wait_for_function("() => window.amdsim.state.t > 20", timeout=15000)
    page.click("#play")
    t_paused = page.evaluate("window.amdsim.state.t")
    assert 20 < t_paused <= 120
    assert page.inner_text("#clock") == f"t = {t_paused:.1f} s"

    # drag the time slider to 50 s, then click threat 2 where it is drawn on the map
    page.locator("#slider").fill("50")
    assert page.inner_text("#clock") == "t = 50.0 s"
    x, y = page.evaluate("window.amdsim.threatScreenPos(2)")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    story = page.inner_text("#storybox")
    assert "Threat #2 (qassam): leaked" in story
    assert "first at t = 13.0 s by MMR North" in story
    assert "track 102 confirmed at t = 17.0 s" in story
    assert "(0.3, 0.4) km, hit probability 0.95, endangering City A" in story
    assert "engage: predicted impact in City A" in story
    assert "Battery 1" in story and "miss: kill draw failed" in story
    assert "LEAKED: impact at t = 68.0 s" in story

    # a threat never seen: its story says why it was not engaged
    page.click("#threats button[data-id='5']")
    story = page.inner_text("#storybox")
    assert "never detected" in story and "in Base B" in story

    shot = tmp_path / "viewer_story.png"
    page.screenshot(path=str(shot))
    assert png_pixel_std(shot.read_bytes()) > 0.02
    assert shot.read_bytes() != first.read_bytes()
    page.close()
    assert watch.errors == []
    base = f"http://127.0.0.1:{server.port}/"
    outside = [u for u in watch.urls if not (u.startswith(base) or u.startswith("data:"))]
    assert outside == []
    assert any(u.endswith("/data/stories.json") for u in watch.urls)


def test_viewer_reports_missing_data_without_crashing(browser: Any, tmp_path: Path) -> None:
    """A payload that cannot be fetched shows a clear message on the page."""
    d = make_fake_results(tmp_path / "run")
    with serve(d) as srv:
        srv._httpd.payloads.pop("stories.json")  # simulate a broken server answer
        page = browser.new_page()
        page.goto(srv.url)
        page.wait_for_selector(".status.error", timeout=15000)
        assert "stories.json: HTTP 404" in page.inner_text("#status")
        page.close()


def test_viewer_on_an_empty_run(browser: Any, tmp_path: Path) -> None:
    """n = 0: a run without threats opens cleanly and can be played."""
    from _fixtures_results import make_empty_results

    with serve(make_empty_results(tmp_path / "run")) as srv:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(srv.url)
        page.wait_for_function("() => window.amdsim && window.amdsim.ready", timeout=15000)
        assert "0 threats" in page.inner_text("#status")
        page.select_option("#speed", "60")
        page.click("#play")
        page.wait_for_function("() => window.amdsim.state.t > 5", timeout=15000)
        page.close()
        assert watch.errors == []
