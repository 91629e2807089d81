"""report.html opened in Debian's headless chromium (Playwright): it renders offline, loads
nothing but itself and its data: images, logs no error, and its figures are not blank."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _browser import BROWSER_MARKS
from _fixtures_results import (
    make_fake_campaign,
    make_fake_mc,
    make_fake_results,
    make_fake_siting,
    png_pixel_std,
)
from amdsim.io.report import write_mc_report, write_report
from amdsim.viewer import serve

pytestmark = BROWSER_MARKS


def _open(browser: Any, url: str, shot: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    urls: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: urls.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    page.screenshot(path=str(shot), full_page=True)
    return page, errors, urls


def test_run_report_in_browser(browser: Any, tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    make_fake_campaign(d)
    make_fake_siting(d)
    path = write_report(d)
    shot = tmp_path / "report.png"
    page, errors, urls = _open(browser, path.as_uri(), shot)
    assert errors == []
    assert [u for u in urls if not (u == path.as_uri() or u.startswith("data:"))] == []
    n_img, n_loaded = page.evaluate(
        "[document.images.length, [...document.images].filter(i => i.complete && i.naturalWidth > 100).length]"
    )
    assert n_img >= 6 and n_loaded == n_img
    headings = page.locator("h2").all_inner_texts()
    for h in (
        "Map",
        "Timeline",
        "Leakage",
        "Interceptor expenditure and cost",
        "Campaign: stock levels over days",
    ):
        assert h in headings
    assert png_pixel_std(shot.read_bytes()) > 0.02
    page.close()


def test_mc_report_in_browser(browser: Any, tmp_path: Path) -> None:
    path = write_mc_report(make_fake_mc(tmp_path / "mc"))
    page, errors, urls = _open(browser, path.as_uri(), tmp_path / "mc.png")
    assert (
        errors == []
        and [u for u in urls if not (u == path.as_uri() or u.startswith("data:"))] == []
    )
    assert page.evaluate("[...document.images].every(i => i.naturalWidth > 100)")
    page.close()


def test_report_served_by_viewer(browser: Any, tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    write_report(d)
    with serve(d) as srv:
        page, errors, urls = _open(browser, srv.url + "report.html", tmp_path / "served.png")
        assert errors == []
        assert all(u.startswith(srv.url) or u.startswith("data:") for u in urls)
        assert page.evaluate("[...document.images].every(i => i.naturalWidth > 100)")
        page.close()
