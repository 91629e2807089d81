"""The validation report: every physics row within its stated tolerance, the comparison
logic can fail, and the report builds (Markdown + plots, docs copy).

References are those of shared/reference/public-figures.md §4 (USSA76 §4.1, Zarchan §4.3,
minimum-energy table §4.4) and Athans-Wishner-Bertolini (1968) / Julier-Uhlmann (2004);
tolerances are stated per row in physical units (see amdsim.analysis._validation_physics).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pytest

from amdsim.analysis._validation_anchors import PLANS, Anchor, verdict
from amdsim.analysis._validation_physics import CheckRow, physics_rows
from amdsim.analysis._validation_runs import RunMetrics
from amdsim.analysis.stats import clopper_pearson


@pytest.fixture(scope="module")
def rows() -> list[CheckRow]:
    return physics_rows(quick=True)


def test_every_physics_row_within_tolerance(rows: list[CheckRow]) -> None:
    failed = [
        f"{r.group}: {r.quantity}: ours {r.ours!r} ref {r.reference!r} tol {r.tolerance_text}"
        for r in rows
        if not r.passed
    ]
    assert not failed, "\n".join(failed)


def test_physics_rows_cover_each_reference(rows: list[CheckRow]) -> None:
    groups: dict[str, int] = {}
    for r in rows:
        groups[r.group] = groups.get(r.group, 0) + 1
    assert groups["Atmosphere (USSA76)"] >= 11
    assert groups["Vacuum flight, spherical Earth"] == 18
    assert groups["Proportional navigation"] >= 17
    assert groups["Reentry tracking (Athans-Wishner-Bertolini)"] == 4
    # the reference values are those of public-figures §4.4 and §4.3 (not recomputed)
    tof = {r.quantity: r.reference for r in rows if r.quantity.startswith("time of flight")}
    assert tof["time of flight, 1,300 km"] == 548
    nc0 = [r for r in rows if r.quantity.startswith("zero-lag PN, N' = 4: n_c(0)")]
    assert nc0[0].reference == pytest.approx(418.9)


def test_check_row_can_fail() -> None:
    ok = CheckRow("g", "q", "m", 10.0, "src", 10.4, 0.5)
    bad = CheckRow("g", "q", "m", 10.0, "src", 10.6, 0.5)
    assert ok.passed and not bad.passed and bad.error == pytest.approx(0.6)
    assert not CheckRow("g", "q", "-", 0.9, "s", 0.7, 0.75, "at_least").passed
    assert not CheckRow("g", "q", "-", 0.0, "s", 0.2, 0.1, "at_most").passed
    assert not CheckRow("g", "q", "-", 1.0, "s", float("nan"), 1.0).passed


def _metrics(**kw: int) -> RunMetrics:
    base = dict(
        launched=100, aimed_at_assets=50, falls_short=10, engaged=50, engaged_at_assets=45,
        engaged_open_ground=5, intercepted=45, leakers=5, rounds_fired=90, cost_usd=0.0, batteries=1,
    )  # fmt: skip
    base.update(kw)
    return RunMetrics(**base)  # type: ignore[arg-type]


def test_verdicts_use_the_binomial_interval() -> None:
    a = Anchor("x", "~90 %", "H", "s", 0.85, 0.95, lambda m: m.intercepted, lambda m: m.engaged)
    m = _metrics()  # 45/50 = 90 %
    assert verdict(a, m, clopper_pearson(45, 50)) == "consistent"
    m = _metrics(intercepted=20)  # 40 %: CI ~26-55 %, far below 85 %
    assert verdict(a, m, clopper_pearson(20, 50)) == "differs"
    m = _metrics(rounds_fired=0)
    assert verdict(a, m, clopper_pearson(45, 50)).startswith("not comparable")
    m = _metrics(engaged=0)
    assert verdict(a, m, (math.nan, math.nan)).startswith("not comparable")
    m = _metrics(engaged=4, intercepted=4)
    assert verdict(a, m, clopper_pearson(4, 4)).startswith("too few")


def test_every_preset_has_a_plan() -> None:
    from amdsim.scenario import preset_names

    planned = {p.name for p in PLANS}
    assert planned == set(preset_names()) - {"default"}
    for p in PLANS:
        assert p.anchors and all(a.source.startswith("public-figures") for a in p.anchors)


def test_report_builds_with_plots_and_docs_copy(tmp_path: Path) -> None:
    from amdsim.analysis.validation import build_validation_report

    docs = tmp_path / "docs"
    md = build_validation_report(
        tmp_path / "out", quick=True, docs_dir=docs, presets=("forward_base_cram",)
    )
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Model validation")
    assert "Do not edit by hand" in text
    assert "| PASS |" in text and "| FAIL |" not in text
    assert "forward_base_cram" in text and "public-figures §1.6" in text
    for png in ("atmosphere.png", "vacuum.png"):
        p = tmp_path / "out" / "validation_plots" / png
        assert p.stat().st_size > 1000
        assert f"validation_plots/{png}" in text
    assert (docs / "validation.md").read_text(encoding="utf-8") == text
    assert (docs / "validation_plots" / "atmosphere.png").is_file()


def test_cli_parser() -> None:
    from amdsim.analysis.validation import add_validate_model_parser, validate_model_command

    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    add_validate_model_parser(sub)
    args = p.parse_args(["validate-model", "-o", "x", "--quick", "--docs", "docs"])
    assert args.output == "x" and args.quick and args.docs == "docs" and args.seed == 1
    assert args.func is validate_model_command
    assert np.isfinite(args.seed)
