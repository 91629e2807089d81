"""Campaign full mode: every day flown by the real engine on tests/data/tiny.yaml (one Iron
Dome battery, four Grads a day at Town A; about 1 s of CPU per engine run).

Engine runs in this file: 6 (carry-over) + 3 (resumed with two workers) + 12 (fast vs
full) + 1 (CLI) = 22.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from amdsim.analysis.campaign import CampaignSpec, campaign, load_campaign_spec
from amdsim.analysis.campaign_full import (
    battery_magazines,
    day_scenario,
    engine_seed,
    split_whole,
)
from amdsim.analysis.montecarlo import StudyInputError, replication_seed
from amdsim.cli import main
from amdsim.scenario import load_scenario

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"

# 3 Tamir rounds for 4 Grads on day 1 (exhausted on day 1); half a round of resupply a day:
# none on day 2, one on day 3.
CARRY = {
    "name": "tiny full",
    "days": 3,
    "salvos": [{"threat": "grad", "per_day": 4}],
    "stockpile": {"tamir": 3},
    "resupply_per_day": {"tamir": 0.5},
    "scenario": str(TINY),
    "mode": "full",
}


def _never(scenario: object, seed: int) -> object:
    raise AssertionError("the engine must not run for bad input")


@pytest.fixture(scope="module")
def carried(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("full1")
    res = campaign(CampaignSpec.model_validate(CARRY), 2, out_dir=out, workers=1, progress=False)
    return out, res


def test_split_and_magazines_are_exact() -> None:
    assert split_whole(7, [1, 1, 1]) == [3, 2, 2]
    assert split_whole(0, [5, 1]) == [0, 0]
    assert split_whole(5, []) == []
    assert sum(split_whole(1001, [3.0, 7.0, 11.0])) == 1001
    scen = load_scenario(TINY)
    assert battery_magazines(scen, {}) == [None]  # no stockpile: the catalog magazine
    assert battery_magazines(scen, {"tamir": 17}) == [17]
    # share S of a battery with 3 launchers x 20 rounds: all loaded + spare / fewer launchers
    # / one launcher holding S / battery dropped
    for s_b, (launchers, inventory, rpl) in {
        90: (3, 30, 20),
        45: (2, 5, 20),
        7: (1, 0, 7),
    }.items():
        built, types = day_scenario(scen, {"grad": 6}, {"tamir": s_b})
        b = built.batteries[0]
        sys_ = built.catalog_resolved.systems[b.system]
        assert (b.launchers, b.inventory, sys_.rounds_per_launcher) == (launchers, inventory, rpl)
        assert b.launchers * rpl + b.inventory == s_b and types == ["tamir"]
        assert sum(r.count for r in built.raids) == 6
    built, types = day_scenario(scen, {"grad": 2}, {"tamir": 0})
    assert built.batteries == [] and types == []
    assert day_scenario(scen, {"grad": 0}, {"tamir": 5}) is None


def test_full_mode_gives_per_day_results(carried) -> None:
    out, res = carried
    s = res.summary
    assert s["mode"] == "full" and s["days"] == 3 and s["replications"] == 2
    assert len(s["per_day"]) == 3 and s["engine_runs"] == 6 and s["failures"] == []
    for day in s["per_day"]:
        assert day["leakers"]["ci_low"] <= day["leakers"]["mean"] <= day["leakers"]["ci_high"]
        assert "value_lost" in day
    saved = json.loads((out / "campaign.json").read_text())
    assert saved["mode"] == "full" and saved["stocks"]["tamir"]["histogram"] == {"1": 2}
    table = pq.read_table(out / "campaign.parquet").to_pydict()
    assert len(table["day"]) == 2 * 3
    # 100 value units per Grad that hits Town A (tests/data/tiny.yaml)
    assert table["value_lost"] == [100.0 * x for x in table["leakers"]]
    assert (out / "runs" / "journal.jsonl").exists()


def test_stock_carries_over_and_runs_out_on_the_day_it_is_exhausted(carried) -> None:
    _, res = carried
    r = res.rows
    for rep in (0, 1):
        sel = r["replication"] == rep
        rounds, stock, unmet = r["rounds"][sel], r["stock"][sel], r["unmet"][sel]
        # day 1: all 3 rounds fired at 4 Grads; day 2: no resupply yet, nothing launches;
        # day 3: the one resupplied round is fired
        assert rounds.tolist() == [3, 0, 1]
        assert stock.tolist() == [0, 0, 0]
        assert unmet.tolist() == [1, 1, 1]
        assert r["cost_usd"][sel].tolist() == [3 * 50_000.0, 0.0, 50_000.0]
        # with no round on day 2 every Grad aimed at Town A gets through
        assert r["leakers"][sel][1] == 4
    st = res.summary["stocks"]["tamir"]
    assert st["p_runs_out"]["mean"] == 1.0 and st["days_to_runout_median"] == 1.0


def test_results_do_not_depend_on_workers_and_a_killed_study_resumes(
    carried, tmp_path: Path
) -> None:
    """The study of ``carried`` (1 worker) killed after its first replication, resumed with 2
    worker processes: replication 1 is computed in a worker process and everything equals
    the 1-worker study; the journal holds each replication once."""
    out1, res1 = carried
    resumed = tmp_path / "resumed"
    shutil.copytree(out1, resumed)
    journal = resumed / "runs" / "journal.jsonl"
    lines = journal.read_text().splitlines()
    assert len(lines) == 2
    journal.write_text(lines[0] + "\n")
    (resumed / "campaign.json").unlink()
    (resumed / "campaign.parquet").unlink()
    res2 = campaign(
        CampaignSpec.model_validate(CARRY), 2, out_dir=resumed, workers=2, progress=False
    )
    for k, v in res1.rows.items():
        assert np.array_equal(v, res2.rows[k]), k
    assert res2.summary == res1.summary
    recs = [json.loads(x) for x in journal.read_text().splitlines()]
    assert sorted(x["replication"] for x in recs) == [0, 1]  # nothing lost or run twice
    assert json.loads((resumed / "campaign.json").read_text()) == json.loads(
        (out1 / "campaign.json").read_text()
    )


def test_day_seeds_come_from_the_replication_seed() -> None:
    a = engine_seed(replication_seed(0, 0), 1)
    assert a == engine_seed(replication_seed(0, 0), 1)
    assert (
        len({a, engine_seed(replication_seed(0, 0), 2), engine_seed(replication_seed(0, 1), 1)})
        == 3
    )
    assert 0 <= a < 2**63


def test_fast_and_full_agree_within_their_intervals(tmp_path: Path) -> None:
    """One day of the tiny raid with ample stock: fast mode (table derived from 6 full runs)
    and full mode (6 replications) give the same daily leakers and rounds within a 99 %
    Welch interval that includes the table's own estimation error (as
    :func:`amdsim.analysis.campaign_check.cross_check`)."""
    spec = CampaignSpec.model_validate(
        {**CARRY, "days": 1, "stockpile": {"tamir": 1000}, "resupply_per_day": {}, "derive_n": 6}
    )
    kw = {"workers": 1, "progress": False, "seed": 3}
    fast = campaign(spec, 2000, out_dir=tmp_path / "fast", mode="fast", **kw)
    full = campaign(spec, 6, out_dir=tmp_path / "full", mode="full", **kw)
    assert fast.summary["mode"] == "fast" and full.summary["mode"] == "full"
    derive = pq.read_table(tmp_path / "fast" / "derive-grad" / "replications.parquet")
    derive_cols = {"leakers": "leakers", "rounds": "interceptors_used.tamir"}
    for col in ("leakers", "rounds"):
        f = fast.rows[col].astype(float)
        s = full.rows[col].astype(float)
        t = np.asarray(derive.column(derive_cols[col]).to_numpy(), float)
        # the derivation runs and the full campaign's days are samples of the same engine
        # day: their pooled variance is the variance of both the full mean and the table
        vs = np.concatenate([s - s.mean(), t - t.mean()]).var(ddof=2)
        d = f.mean() - s.mean()
        se = math.sqrt(f.var(ddof=1) / f.size + vs / s.size + vs / t.size)
        assert abs(d) <= 2.576 * se, (col, f.mean(), s.mean(), se)
    assert fast.rows["rounds"].mean() > 1.0  # the battery really engages


def test_bad_input_is_refused_before_any_run(tmp_path: Path) -> None:
    kw = {"workers": 1, "progress": False, "run_fn": _never}
    other = CampaignSpec.model_validate({**CARRY, "salvos": [{"threat": "qassam", "per_day": 3}]})
    with pytest.raises(StudyInputError, match="qassam"):
        campaign(other, 2, out_dir=tmp_path / "a", **kw)
    with pytest.raises(StudyInputError, match="mode must be one of"):
        campaign(CampaignSpec.model_validate(CARRY), 2, mode="slow", **kw)
    with pytest.raises(ValueError, match="mode"):
        CampaignSpec.model_validate({**CARRY, "mode": "slow"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("days: 2\nsalvos: [{threat: grad, per_day: 1}]\nstockpile: {}\nmode: slow\n")
    with pytest.raises(StudyInputError, match=r"(?s)bad\.yaml.*mode"):
        load_campaign_spec(bad)
    with pytest.raises(ValueError, match="scenario"):
        CampaignSpec.model_validate({**CARRY, "scenario": None, "table": {"rows": {}}})
    big = CampaignSpec.model_validate({**CARRY, "days": 30, "max_engine_runs": 100})
    with pytest.raises(StudyInputError, match="6,000 engine runs"):
        campaign(big, 200, **kw)
    arrow = CampaignSpec.model_validate(
        {**CARRY, "stockpile": {"arrow3": 4}, "resupply_per_day": {}}
    )
    with pytest.raises(StudyInputError, match="arrow3"):
        campaign(arrow, 1, **kw)
    assert not (tmp_path / "a" / "runs" / "journal.jsonl").exists()


def test_cli_full_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "c.yaml"
    spec.write_text(
        "days: 1\nsalvos: [{threat: grad, per_day: 2}]\nstockpile: {tamir: 10}\n"
        f"scenario: {TINY}\n"
    )
    out = tmp_path / "out"
    rc = main(
        ["campaign", str(spec), "--mode", "full", "-n", "1", "-o", str(out), "--workers", "1"]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "full mode" in text and "1 engine runs" in text
    assert json.loads((out / "campaign.json").read_text())["mode"] == "full"
    assert "full mode" in (out / "report.html").read_text()
    with pytest.raises(SystemExit):
        main(["campaign", str(spec), "--mode", "slow", "-o", str(out)])
    spec.write_text(spec.read_text().replace("grad", "qassam"))
    assert main(["campaign", str(spec), "--mode", "full", "-n", "1", "-o", str(out)]) == 2
    assert "qassam" in capsys.readouterr().err


def test_docs_full_mode_example_is_a_valid_job() -> None:
    """The `campaign-full.yaml` block of docs/analysis.md validates and its job builds on the
    default preset (salvo types present, stockpiled type fired by a battery): no engine run."""
    import re

    from ruamel.yaml import YAML

    from amdsim.analysis.campaign_full import active_days, full_campaign_job

    doc = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"
    body = re.search(r"```yaml\n(# campaign-full.yaml\n.*?)```", doc.read_text(), re.S)
    spec = CampaignSpec.model_validate(YAML(typ="safe").load(body.group(1)))
    assert spec.mode == "full" and active_days(spec) == 7
    job = full_campaign_job(spec, engine=_never)
    assert dict(job.stockpile) == {"tamir": 120} and "tamir" in job.round_types
