"""Siting on the default preset: problem built from the scenario, MILP placements, and
Monte Carlo verification ranked with CIs (engine replaced by a known-answer stand-in)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amdsim.analysis.campaign_check import cross_check_scenario
from amdsim.analysis.montecarlo import StudyInputError
from amdsim.analysis.siting_study import (
    SitingSpec,
    load_siting_spec,
    placement_scenario,
    run_siting,
)
from amdsim.analysis.synthetic import COVER_PK, coverage_run

SPEC = {
    "scenario": "preset:default",
    "candidate_sites": [
        {"name": "far east", "lat_deg": 31.5, "lon_deg": 34.85},  # ~24 km from every asset
        {"name": "town", "lat_deg": 31.5045, "lon_deg": 34.6158},  # centre of Town A
        {"name": "base", "lat_deg": 31.468, "lon_deg": 34.641},  # inside Base B
    ],
    "batteries": [
        {
            "system": "iron_dome",
            "count": 1,
            "max_range_m": 3000.0,
            "min_range_m": 0.0,
            "with_radar": False,
        }
    ],
    "keep_existing": False,
    "top": 3,
}


def test_placements_and_verification(tmp_path: Path) -> None:
    res = run_siting(
        SitingSpec.model_validate(SPEC),
        out_dir=tmp_path,
        n=12,
        workers=1,
        run_fn=coverage_run,
        progress=False,
    )
    # 3 km ring: the town site covers Town A (100) and Village C (20, 2.5 km away); the
    # base site Base B (50) only
    assert res["objective"]["value"] == pytest.approx(120.0)
    assert res["placements"][0]["site"] == "town"
    assert [a["objective"] for a in res["alternatives"]] == pytest.approx([120.0, 50.0, 0.0])
    ver = res["verification"]
    assert ver[-1]["placements"][0]["site"] == "far east"
    # unprotected: every threat aimed at an asset leaks: 30*100 + 20*100 + 8*50
    assert ver[-1]["value_lost"]["mean"] == pytest.approx(5400.0)
    best = ver[0]["value_lost"]
    assert best["ci_low"] <= (1 - COVER_PK) * 5400.0 <= best["ci_high"]
    assert ver[-1]["diff_vs_best"]["ci_low"] > 0
    saved = json.loads((tmp_path / "siting.json").read_text())
    assert saved["placements"][0]["system"] == "iron_dome"
    assert {"center_m", "value", "name"} <= set(saved["assets"][0])
    assert (tmp_path / "verify-1" / "replications.parquet").exists()


def test_placement_scenario_adds_batteries_and_keeps_template(tmp_path: Path) -> None:
    spec = SitingSpec.model_validate({**SPEC, "keep_existing": True})
    from amdsim.analysis.montecarlo import resolve_scenario

    base = resolve_scenario("preset:default")
    placed = [
        {
            "name": "x",
            "system": "iron_dome",
            "lat_deg": 31.5,
            "lon_deg": 34.6,
            "alt_m": 0.0,
            "x_m": 0.0,
            "y_m": 0.0,
        }
    ]
    s = placement_scenario(spec, base, placed)
    assert len(s.batteries) == len(base.batteries) + 1
    assert s.batteries[-1].system == "iron_dome"


def test_spec_file_errors(tmp_path: Path) -> None:
    p = tmp_path / "site.yaml"
    p.write_text("scenario: preset:default\ncandidate_sites: []\nbatteries: []\n")
    with pytest.raises(StudyInputError, match=r"site\.yaml"):
        load_siting_spec(p)
    too_many = {**SPEC, "batteries": [{"system": "iron_dome", "count": 4, "max_range_m": 3000.0}]}
    with pytest.raises(StudyInputError, match="candidate sites"):
        run_siting(SitingSpec.model_validate(too_many), run_fn=coverage_run, progress=False)
    with pytest.raises(StudyInputError, match="max_range_m"):
        run_siting(
            SitingSpec.model_validate({**SPEC, "batteries": [{"system": "nope", "count": 1}]}),
            run_fn=coverage_run,
            progress=False,
        )


def test_fast_mode_cross_check_on_the_default_preset(tmp_path: Path) -> None:
    """Tables derived per threat type from the preset (stand-in engine), then fast mode
    against an independent full study of the whole preset: agree within 99 % intervals."""
    res = cross_check_scenario(
        "preset:default",
        40,
        out_dir=tmp_path,
        workers=1,
        run_fn=coverage_run,
        progress=False,
        n_fast=1000,
    )
    assert res["agree"], res
    assert set(res["table"]["rows"]) == {"qassam", "grad", "mortar120"}
    qassam = res["table"]["rows"]["qassam"]
    assert qassam["p_endanger"] == pytest.approx(30 / 45)  # 15 of 45 aimed at open ground
    assert qassam["pk"] == pytest.approx(COVER_PK, abs=0.05)
    assert res["table"]["unit_cost_usd"]["coverage"] == pytest.approx(50_000.0)
    assert (tmp_path / "cross_check.json").exists() and (
        tmp_path / "derive-grad" / "aggregate.json"
    ).exists()
