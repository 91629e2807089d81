"""The YAML examples in docs/analysis.md are valid specs; the siting one solves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from amdsim.analysis.campaign import CampaignSpec
from amdsim.analysis.siting_study import SitingSpec, run_siting

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"


def _blocks() -> dict[str, dict]:
    text = DOC.read_text()
    out = {}
    for body in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        first = body.splitlines()[0]
        out[first.strip("# ").strip()] = YAML(typ="safe").load(body)
    return out


def test_campaign_example_is_a_valid_spec() -> None:
    spec = CampaignSpec.model_validate(_blocks()["campaign.yaml"])
    assert spec.days == 21 and spec.stockpile == {"tamir": 1500}


def test_siting_example_solves_on_the_default_preset(tmp_path: Path) -> None:
    spec = SitingSpec.model_validate(_blocks()["site.yaml"])
    res = run_siting(spec, out_dir=tmp_path, progress=False)
    assert len(res["placements"]) == 1 and res["placements"][0]["system"] == "iron_dome"
    # Iron Dome-class ring (catalog 1-70 km) with 2 km standoff covers every asset from either hill
    assert res["objective"]["value"] == pytest.approx(170.0)
    assert res["total_value"]["value"] == 170.0
    assert (tmp_path / "siting.json").exists()


def test_variants_example_builds_on_the_default_preset(tmp_path: Path) -> None:
    from amdsim.analysis.compare import load_variants
    from amdsim.analysis.montecarlo import resolve_scenario
    from amdsim.analysis.overrides import with_overrides

    p = tmp_path / "variants.yaml"
    text = DOC.read_text()
    p.write_text(re.search(r"```yaml\n(# variants.yaml\n.*?)```", text, flags=re.S).group(1))
    base, variants = load_variants(p)
    scen = resolve_scenario(base)
    built = {k: with_overrides(scen, v) for k, v in variants.items()}
    assert built["salvo doctrine"].defence.doctrine == "salvo"
    assert built["faster decisions"].defence.command_latency_s == 0.2
