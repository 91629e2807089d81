"""A campaign whose engagement tables are derived from the default preset (engine replaced
by the known-answer stand-in :func:`amdsim.analysis.synthetic.coverage_run`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amdsim.analysis.campaign import campaign, load_campaign_spec
from amdsim.analysis.synthetic import COVER_PK, coverage_run

SPEC = """
name: two weeks
days: 14
salvos:
  - {threat: qassam, per_day: 45}
  - {threat: grad, per_day: 30, first_day: 8}
stockpile: {coverage: 300}
resupply_per_day: {coverage: 10}
scenario: preset:default
derive_n: 20
"""


def test_campaign_with_tables_derived_from_the_preset(tmp_path: Path) -> None:
    p = tmp_path / "campaign.yaml"
    p.write_text(SPEC)
    res = campaign(
        load_campaign_spec(p),
        50,
        out_dir=tmp_path / "out",
        workers=1,
        run_fn=coverage_run,
        progress=False,
    )
    rows = res.table.rows
    # in the preset 30 of 45 Qassams and 20 of 30 Grads are aimed at Town A, which is covered
    assert rows["qassam"].p_endanger == pytest.approx(30 / 45)
    assert rows["grad"].p_endanger == pytest.approx(20 / 30)
    assert res.table.unit_cost_usd["coverage"] == pytest.approx(50_000.0)
    # one round per endangering threat on average: 30 a day on days 1-7, 50 from day 8, with
    # 10 a day resupply: 300 - 7*30 + 6*10 = 150 left after day 7, then -40 a day -> day 11
    s = res.summary["stocks"]["coverage"]
    assert s["p_runs_out"]["mean"] == 1.0
    assert 10 <= s["days_to_runout_median"] <= 12
    day1 = res.summary["per_day"][0]["leakers"]
    assert day1["ci_low"] <= 30 * (1 - COVER_PK) <= day1["ci_high"]
    saved = json.loads((tmp_path / "out" / "campaign.json").read_text())
    assert saved["days"] == 14 and len(saved["per_day"]) == 14
    assert (tmp_path / "out" / "derive-qassam" / "replications.parquet").exists()
