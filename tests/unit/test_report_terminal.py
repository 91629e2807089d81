"""rich summary table and the progress helper."""

from __future__ import annotations

import io

from rich.console import Console

from amdsim.io.terminal import print_summary, progress


def test_print_summary_accepts_both_metric_forms() -> None:
    buf = io.StringIO()
    con = Console(file=buf, width=100, color_system=None)
    print_summary(
        {"scenario": "Demo", "launched": 20, "cost_usd": {"value": 1234567.0, "unit": "USD"},
         "impacts_per_asset": {"City A": {"value": 3, "unit": "threats"}}},
        console=con,
    )  # fmt: skip
    out = buf.getvalue()
    assert "Demo" in out and "20" in out and "1,234,567" in out and "USD" in out
    assert "impacts_per_asset.City A" in out


def test_progress_is_silent_for_short_runs() -> None:
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=True, width=80)
    with progress(5, "short", console=con) as advance:
        for _ in range(5):
            advance()
    assert buf.getvalue() == ""


def test_progress_shows_for_long_runs() -> None:
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=True, width=80)
    with progress(100, "replications", console=con) as advance:
        for _ in range(100):
            advance()
    assert "replications" in buf.getvalue()


def test_progress_silent_when_not_a_terminal() -> None:
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=False, width=80)
    with progress(100, "x", console=con) as advance:
        advance(100)
    assert buf.getvalue() == ""


def test_progress_callback_quiet_for_short_runs_and_shows_for_long() -> None:
    from amdsim.io.terminal import progress_callback

    buf = io.StringIO()
    con = Console(file=buf, force_terminal=True, width=80)
    with progress_callback("simulating", console=con, delay_s=10.0) as cb:
        for k in range(11):
            cb(k / 10)
    assert buf.getvalue() == ""
    with progress_callback("simulating", console=con, delay_s=0.0) as cb:
        for k in range(11):
            cb(k / 10)
    assert "simulating" in buf.getvalue()
