"""Campaign fast mode: table derivation, cross-check with the (synthetic) full model,
exact stock arithmetic, salvo doctrine, outputs and input errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from amdsim.analysis.campaign import CampaignSpec, Salvo, campaign, engage_day
from amdsim.analysis.campaign_check import cross_check, salvo_counts
from amdsim.analysis.campaign_tables import (
    EngagementRow,
    EngagementTable,
    derive_engagement_row,
    derive_engagement_table,
)
from amdsim.analysis.montecarlo import StudyInputError, monte_carlo
from amdsim.analysis.synthetic import SyntheticRaid, synthetic_run

RAID = SyntheticRaid(n_threats=20, p_endanger=0.8, p_engage=0.9, pk=0.7, max_shots=2)


def _table(**kw: float) -> EngagementTable:
    row = {"threat": "synthetic", "p_endanger": 1.0, "p_engage": 1.0, "pk": 1.0, "max_shots": 1,
           "interceptor_shares": {"tamir": 1.0}} | kw  # fmt: skip
    return EngagementTable(
        rows={"synthetic": EngagementRow.model_validate(row)}, unit_cost_usd={"tamir": 50_000.0}
    )


@pytest.fixture(scope="module")
def full_study():
    return monte_carlo(RAID, 400, workers=1, seed=21, run_fn=synthetic_run, progress=False)


def test_derived_row_recovers_the_model_parameters(full_study) -> None:
    row = derive_engagement_row("synthetic", full_study, max_shots=2)
    # 8000 threats: standard errors are below 0.01 for each estimate
    assert row.p_endanger == pytest.approx(0.8, abs=0.02)
    assert row.p_engage == pytest.approx(0.9, abs=0.03)
    assert row.pk == pytest.approx(0.7, abs=0.03)
    assert row.interceptor_shares == {"tamir": 1.0}
    table = derive_engagement_table({"synthetic": full_study})
    assert table.unit_cost_usd["tamir"] == pytest.approx(50_000.0)


def _welch_contains_zero(a: np.ndarray, b: np.ndarray) -> bool:
    """Does the 99 % (normal-approximation Welch) interval of mean(a) - mean(b) contain 0?"""
    d = a.mean() - b.mean()
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return abs(d) <= 2.576 * se


def test_fast_mode_agrees_with_full_model_within_ci(full_study) -> None:
    table = derive_engagement_table({"synthetic": full_study})
    full = monte_carlo(RAID, 400, workers=1, seed=99, run_fn=synthetic_run, progress=False)
    assert salvo_counts(full) == {"synthetic": 20}
    check = cross_check(table, full, n_fast=1000, seed=5)
    assert check["agree"], check
    assert set(check) >= {"leakers", "intercepts", "interceptors_used.tamir"}
    # the same check by hand (Welch, 99 %) on leakers
    rng = np.random.default_rng(5)
    fast = np.array(
        [engage_day(table, {"synthetic": 20}, {}, rng)["leakers"] for _ in range(400)], float
    )
    assert _welch_contains_zero(fast, full.metric("leakers"))
    # and the cross-check can fail: a table with a wrong Pk disagrees
    wrong = table.model_copy(
        update={"rows": {"synthetic": table.rows["synthetic"].model_copy(update={"pk": 0.5})}}
    )
    assert not cross_check(wrong, full, n_fast=1000, seed=5)["agree"]


def test_stock_arithmetic_is_exact(tmp_path: Path) -> None:
    spec = CampaignSpec(days=5, salvos=[Salvo(threat="synthetic", per_day=20)], stockpile={"tamir": 50},
                        resupply_per_day={"tamir": 5}, table=_table())  # fmt: skip
    res = campaign(spec, 3, out_dir=tmp_path)
    r0 = {k: v[res.rows["replication"] == 0] for k, v in res.rows.items()}
    assert r0["stock"].tolist() == [30, 15, 0, 0, 0]
    assert r0["rounds"].tolist() == [20, 20, 20, 5, 5]
    assert r0["leakers"].tolist() == [0, 0, 0, 15, 15]
    assert r0["cost_usd"].tolist() == [1e6, 1e6, 1e6, 2.5e5, 2.5e5]
    s = res.summary["stocks"]["tamir"]
    assert s["days_to_runout_median"] == 4 and s["p_runs_out"]["mean"] == 1.0
    cols = pq.read_table(tmp_path / "campaign.parquet").column_names
    assert {"day", "replication", "interceptor_type", "stock", "leakers", "cost_usd"} <= set(cols)
    saved = json.loads((tmp_path / "campaign.json").read_text())
    assert saved["per_day"][3]["leakers"]["mean"] == 15


def test_stock_that_lasts_is_censored_after_the_campaign() -> None:
    spec = CampaignSpec(days=3, salvos=[Salvo(threat="synthetic", per_day=2)], stockpile={"tamir": 100},
                        table=_table())  # fmt: skip
    s = campaign(spec, 4).summary["stocks"]["tamir"]
    assert s["p_runs_out"]["mean"] == 0.0 and s["days_to_runout_median"] == 4


def test_salvo_doctrine_fires_all_rounds_and_leaks_with_product_probability() -> None:
    table = _table(pk=0.5, max_shots=2, doctrine="salvo")
    rng = np.random.default_rng(0)
    res = [engage_day(table, {"synthetic": 1000}, {"tamir": 10**6}, rng) for _ in range(5)]
    assert all(r["rounds"]["tamir"] == 2000 for r in res)
    leak = sum(r["leakers"] for r in res) / 5000
    assert leak == pytest.approx(0.25, abs=0.02)  # sd ~ 0.006


def test_results_depend_only_on_seed() -> None:
    spec = CampaignSpec(days=4, salvos=[Salvo(threat="synthetic", per_day=30, poisson=True)],
                        stockpile={"tamir": 80}, resupply_per_day={"tamir": 10}, table=_table(pk=0.6, max_shots=2))  # fmt: skip
    a, b = campaign(spec, 5, seed=3), campaign(spec, 5, seed=3)
    for k in a.rows:
        np.testing.assert_array_equal(a.rows[k], b.rows[k])
    assert not np.array_equal(a.rows["leakers"], campaign(spec, 5, seed=4).rows["leakers"])


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="table"):
        CampaignSpec(days=1, salvos=[Salvo(threat="x", per_day=1)], stockpile={})
    with pytest.raises(ValueError, match="without a stockpile"):
        CampaignSpec(
            days=1,
            salvos=[Salvo(threat="x", per_day=1)],
            stockpile={},
            resupply_per_day={"a": 1},
            table=_table(),
        )
    spec = CampaignSpec(
        days=1, salvos=[Salvo(threat="grad", per_day=1)], stockpile={"tamir": 1}, table=_table()
    )
    with pytest.raises(StudyInputError, match="no row"):
        campaign(spec, 1)
    with pytest.raises(StudyInputError, match="positive integer"):
        campaign(spec, 0)


def test_row_without_interceptor_never_kills() -> None:
    table = _table(pk=1.0)
    row = table.rows["synthetic"].model_copy(update={"interceptor_shares": {}})
    bare = table.model_copy(update={"rows": {"synthetic": row}})
    res = engage_day(bare, {"synthetic": 50}, {}, np.random.default_rng(1))
    assert res["kills"] == 0 and res["leakers"] == 50 and res["rounds"] == {}
