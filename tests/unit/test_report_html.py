"""report.html: self-contained (no external resource, no script), right sections and numbers,
figures that are real (non-blank) PNGs; Monte Carlo, comparison, campaign and siting reports."""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _fixtures_results import (
    make_fake_campaign,
    make_fake_compare,
    make_fake_mc,
    make_fake_results,
    make_fake_siting,
    png_pixel_std,
)
from amdsim.io.report import (
    build_report,
    write_compare_report,
    write_mc_report,
    write_report,
)
from amdsim.io.results import ResultsError


def _assert_self_contained(text: str) -> list[bytes]:
    """No URL that a browser would fetch; returns the decoded embedded PNGs."""
    assert "<script" not in text.lower()
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", text, flags=re.I)
    assert refs, "expected at least the embedded images"
    for ref in refs:
        assert ref.startswith("data:"), f"external reference {ref[:80]!r}"
    assert not re.search(r"url\(\s*['\"]?(?!data:)", text), "CSS url() to an external resource"
    assert "@import" not in text
    assert "default-src 'none'" in text  # CSP forbids any fetch
    pngs = [
        base64.b64decode(m)
        for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    ]
    for png in pngs:
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert png_pixel_std(png) > 0.02, "blank figure"
    return pngs


def _cell_after(text: str, label: str) -> str:
    m = re.search(rf"<td[^>]*>{re.escape(label)}</td>((?:<td[^>]*>[^<]*</td>)+)", text)
    assert m, f"no table row {label!r}"
    return m.group(1)


def test_run_report(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    path = write_report(d)
    assert path == d / "report.html"
    text = path.read_text(encoding="utf-8")
    pngs = _assert_self_contained(text)
    assert len(pngs) >= 4  # map, timeline, leakage by type, by asset
    for title in (
        "Summary",
        "Map",
        "Timeline",
        "Leakage",
        "Interceptor expenditure and cost",
        "Threat by threat",
    ):
        assert f"<h2>{title}</h2>" in text
    assert "Fixture demo" in text
    # leakage by type row for grad: launched 2, detected 1, engaged 1, intercepted 1, impacts 1, leaks 1
    assert re.findall(r">(\d+)<", _cell_after(text, "grad"))[:6] == ["2", "1", "1", "1", "1", "1"]
    assert re.findall(r">([\d,]+)<", _cell_after(text, "City A"))[:3] == ["100", "1", "100"]
    exp = _cell_after(text, "Battery 1")
    assert "tamir" in exp and ">4<" in exp and "200,000" in exp
    assert "Cost per intercept: 66,667 USD" in text


def test_run_report_includes_campaign_and_siting_when_present(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    make_fake_campaign(d)
    make_fake_siting(d)
    text = write_report(d).read_text(encoding="utf-8")
    _assert_self_contained(text)
    assert "Campaign: stock levels over days" in text
    assert "Siting: chosen placements" in text


def test_run_report_missing_file_message(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run", skip=("events.parquet",))
    with pytest.raises(ResultsError, match=r"missing events\.parquet"):
        write_report(d)
    assert not (d / "report.html").exists()


def test_mc_report(tmp_path: Path) -> None:
    d = make_fake_mc(tmp_path / "mc", n=40)
    text = write_mc_report(d).read_text(encoding="utf-8")
    assert len(_assert_self_contained(text)) == 1
    assert "40 replications" in text
    assert "Monte Carlo: means and confidence intervals" in text
    agg = json.loads((d / "aggregate.json").read_text())
    row = _cell_after(text, "leakers")
    for key in ("mean", "ci_low", "ci_high"):
        assert f">{agg['leakers'][key]:.3g}<" in row
    assert ">threats<" in row
    assert "USD" in _cell_after(text, "cost_usd")


def test_mc_report_names_missing_file(tmp_path: Path) -> None:
    d = make_fake_mc(tmp_path / "mc")
    (d / "replications.parquet").unlink()
    with pytest.raises(ResultsError, match=r"missing replications\.parquet"):
        write_mc_report(d)


def test_compare_report(tmp_path: Path) -> None:
    text = write_compare_report(make_fake_compare(tmp_path / "cmp")).read_text(encoding="utf-8")
    _assert_self_contained(text)
    row = _cell_after(text, "leakers")
    assert "-2.5" in row and ">yes<" in row  # CI [-3.1, -1.9] excludes 0


def test_build_report_dispatches(tmp_path: Path) -> None:
    for maker, marker in (
        (make_fake_results, "Threat by threat"),
        (make_fake_mc, "Monte Carlo: distributions"),
        (make_fake_compare, "Comparison: paired differences"),
        (make_fake_campaign, "Campaign: stock levels"),
        (make_fake_siting, "Siting: chosen placements"),
    ):
        d = maker(tmp_path / maker.__name__)
        text = build_report(d).read_text(encoding="utf-8")
        assert marker in text, maker.__name__
        _assert_self_contained(text)


def test_build_report_on_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="holds no amdsim results"):
        build_report(tmp_path)
    with pytest.raises(ResultsError, match="does not exist"):
        build_report(tmp_path / "nope")


def test_campaign_bad_columns_named(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"day": [1, 2], "stock": [3.0, 2.0]}), tmp_path / "campaign.parquet")
    with pytest.raises(ResultsError, match="missing column \\(one of interceptor_type"):
        build_report(tmp_path)


def test_reports_of_an_empty_run(tmp_path: Path) -> None:
    """n = 0: no threat, no event, no tracks file: every output still works."""
    from _fixtures_results import make_empty_results
    from amdsim.io.czml import write_czml
    from amdsim.viewer._data import build_payloads

    d = make_empty_results(tmp_path / "run")
    text = write_report(d).read_text(encoding="utf-8")
    _assert_self_contained(text)
    assert "No interceptor was launched." in text
    assert "Not in the results folder: tracks.parquet" in text
    payloads = build_payloads(d)
    assert json.loads(payloads["stories.json"]) == {"stories": []}
    assert json.loads(payloads["trajectories.json"]) == {"objects": []}
    doc = json.loads(write_czml(d).read_text())
    assert doc[0]["id"] == "document" and not any(p["id"].startswith("threat/") for p in doc)


def test_campaign_report_averages_replications(tmp_path: Path) -> None:
    from amdsim.io.report import write_campaign_report

    text = write_campaign_report(make_fake_campaign(tmp_path / "camp", days=10, reps=3)).read_text()
    _assert_self_contained(text)
    assert "3 replication(s), 10 day(s)." in text
    # tamir: mean over r = 0, 1, 2 of 500 - 40 d - 10 r -> day 1: 450, day 10: 90
    row = _cell_after(text, "tamir")
    assert re.findall(r">([\d,.]+|not exhausted)<", row)[:3] == ["450", "90", "not exhausted"]
    # stunner: 80 - 5 d -> day 10: 30
    assert re.findall(r">([\d,.]+|not exhausted)<", _cell_after(text, "stunner"))[1] == "30"
    assert "mean_leakers" in text


def test_siting_report_from_analysis_format(tmp_path: Path) -> None:
    from amdsim.io.report import write_siting_report

    d = make_fake_siting(tmp_path / "site")
    text = write_siting_report(d).read_text()
    _assert_self_contained(text)
    row = _cell_after(text, "Battery 2")
    assert ">iron_dome<" in row and ">8<" in row and ">1.5<" in row  # pos_m in km
    assert re.search(r">objective<.*?>142<", text)
    row = _cell_after(text, "c_ram @ Site 3")
    assert ">-3<" in row and ">-1.1<" in row and ">Site 3<" in row


def test_mc_report_mentions_failed_replications(tmp_path: Path) -> None:
    d = make_fake_mc(tmp_path / "mc")
    (d / "failures.json").write_text(json.dumps([{"replication": 3, "seed": 7, "error": "boom"}]))
    assert "1 replication(s) failed" in write_mc_report(d).read_text()


def test_names_are_escaped(tmp_path: Path) -> None:
    d = make_fake_results(tmp_path / "run")
    run = json.loads((d / "run.json").read_text())
    run["assets"][0]["name"] = "<script>alert(1)</script>"
    run["scenario_name"] = '<img src="http://evil.example/x.png">'
    (d / "run.json").write_text(json.dumps(run))
    text = write_report(d).read_text(encoding="utf-8")
    _assert_self_contained(text)  # no <script, no external src
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
