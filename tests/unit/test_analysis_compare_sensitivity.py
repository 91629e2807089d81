"""What-if comparison (common random numbers) and one-at-a-time sensitivity."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from amdsim.analysis.compare import compare, compare_variants, load_variants, raid_signature
from amdsim.analysis.montecarlo import StudyInputError, monte_carlo
from amdsim.analysis.overrides import with_overrides
from amdsim.analysis.sensitivity import Parameter, sensitivity
from amdsim.analysis.synthetic import SyntheticRaid, expected_leak_probability, synthetic_run

BASE = SyntheticRaid(n_threats=20, pk=0.6)
BETTER = replace(BASE, pk=0.8)


def test_paired_difference_matches_known_answer_and_beats_independent_sampling(
    tmp_path: Path,
) -> None:
    c = compare(
        BASE,
        BETTER,
        200,
        out_dir=tmp_path,
        workers=1,
        run_fn=synthetic_run,
        progress=False,
        labels=("baseline", "better Pk"),
    )
    p = c.paired["leakers"]
    truth = 20 * (expected_leak_probability(BETTER) - expected_leak_probability(BASE))
    assert p["ci_low"] <= truth <= p["ci_high"]
    assert p["ci_high"] < 0
    # common random numbers: the paired interval is narrower than that of independent runs
    indep = monte_carlo(BETTER, 200, workers=1, seed=777, run_fn=synthetic_run, progress=False)
    a = c.a.metric("leakers")
    se_indep = np.sqrt(a.var(ddof=1) / a.size + indep.metric("leakers").var(ddof=1) / 200)
    assert p["diff_std"] / np.sqrt(p["n"]) < 0.8 * se_indep
    saved = json.loads((tmp_path / "paired.json").read_text())
    assert saved["variants"] == ["baseline", "better Pk"]
    assert saved["leakers"]["diff_mean"] == pytest.approx(p["diff_mean"])
    line = next(x for x in c.lines if ": leakers changes" in x)
    assert line.startswith("better Pk vs baseline: leakers changes from")
    assert "95% CI" in line
    assert (tmp_path / "summary.txt").read_text().splitlines() == c.lines


def test_identical_variants_differ_by_exactly_zero() -> None:
    c = compare(BASE, BASE, 20, workers=1, run_fn=synthetic_run, progress=False)
    assert c.paired["leakers"]["diff_mean"] == 0.0
    assert "identical in every replication" in next(x for x in c.lines if ": leakers" in x)


def test_mismatched_variants_are_refused_before_work() -> None:
    with pytest.raises(StudyInputError, match="different raids"):
        compare(
            BASE, replace(BASE, n_threats=25), 10, workers=1, run_fn=synthetic_run, progress=False
        )
    with pytest.raises(StudyInputError, match="different labels"):
        compare(BASE, BASE, 10, run_fn=synthetic_run, labels=("x", "x"))
    with pytest.raises(StudyInputError, match="positive integer"):
        compare(BASE, BASE, 0, run_fn=synthetic_run)


def test_raid_signature_of_mappings() -> None:
    sig = raid_signature(
        {"raids": [{"threat": "qassam", "count": 3}, {"threat": "qassam", "count": 2}]}
    )
    assert sig == {"qassam": 5}


def test_overrides_on_dataclass_and_mapping() -> None:
    s = with_overrides(BASE, {"systems.synthetic.pk": 0.9, "n_threats": 3})
    assert s.catalog == {"systems": {"synthetic": {"pk": 0.9}}} and s.n_threats == 3
    assert s.effective()[2] == 0.9 and BASE.catalog == {}
    d = with_overrides(
        {"catalog": {}, "defence": {"dt": 1}}, {"defence.dt": 2, "radars.r.max_range_m": 5}
    )
    assert d == {"catalog": {"radars": {"r": {"max_range_m": 5}}}, "defence": {"dt": 2}}
    with pytest.raises(ValueError, match="no field"):
        with_overrides({"defence": {}}, {"nonsense.x": 1})


def test_tornado_ranks_parameters_by_swing(tmp_path: Path) -> None:
    params = [
        Parameter("systems.synthetic.p_engage", 0.85, 0.95),  # small effect
        Parameter("systems.synthetic.pk", 0.4, 0.9),  # large effect
        Parameter("value_per_leak", 5.0, 20.0),  # no effect on leakers
    ]
    r = sensitivity(
        BASE,
        params,
        60,
        metric="leakers",
        out_dir=tmp_path,
        workers=1,
        run_fn=synthetic_run,
        progress=False,
    )
    assert [row["path"] for row in r.rows] == [
        "systems.synthetic.pk",
        "systems.synthetic.p_engage",
        "value_per_leak",
    ]
    for row, (lo, hi) in zip(r.rows[:2], [(0.4, 0.9), (0.85, 0.95)]):
        key = "pk" if "pk" in row["path"] else "p_engage"
        truth = 20 * (
            expected_leak_probability(with_overrides(BASE, {row["path"]: hi}))
            - expected_leak_probability(with_overrides(BASE, {row["path"]: lo}))
        )
        assert row["swing_ci_low"] <= truth <= row["swing_ci_high"], key
    assert r.rows[2]["swing"] == 0.0
    saved = json.loads((tmp_path / "sensitivity.json").read_text())
    assert saved["metric"] == "leakers" and len(saved["rows"]) == 3
    assert Parameter.parse("radars.x.max_range_m=40000:8e4") == Parameter(
        "radars.x.max_range_m", 40000, 80000.0
    )


def test_sensitivity_refuses_bad_parameter_before_work() -> None:
    with pytest.raises(StudyInputError, match="no field"):
        sensitivity(
            BASE,
            [Parameter("nonsense.x", 1, 2)],
            5,
            workers=1,
            run_fn=synthetic_run,
            progress=False,
        )
    with pytest.raises(StudyInputError, match="PATH=LOW:HIGH"):
        Parameter.parse("radars.x.max_range_m")


def test_named_variants_pair_with_the_base_like_two_files(tmp_path: Path) -> None:
    res = compare_variants(
        BASE,
        {"better pk": {"systems.synthetic.pk": 0.8}},
        50,
        out_dir=tmp_path,
        workers=1,
        run_fn=synthetic_run,
        progress=False,
    )
    two = compare(
        BASE,
        with_overrides(BASE, {"systems.synthetic.pk": 0.8}),
        50,
        workers=1,
        run_fn=synthetic_run,
        progress=False,
    )
    assert res["better pk"].paired["leakers"] == two.paired["leakers"]
    assert json.loads((tmp_path / "better_pk" / "paired.json").read_text())["variants"] == [
        "base",
        "better pk",
    ]
    with pytest.raises(StudyInputError, match="different raids"):
        compare_variants(BASE, {"more": {"n_threats": 25}}, 5, run_fn=synthetic_run, progress=False)
    with pytest.raises(StudyInputError, match="variant 'bad'"):
        compare_variants(BASE, {"bad": {"nonsense.x": 1}}, 5, run_fn=synthetic_run, progress=False)


def test_variants_file(tmp_path: Path) -> None:
    p = tmp_path / "v.yaml"
    p.write_text("base: raid.yaml\nvariants:\n  thaad: {defence.command_latency_s: 0.2}\n")
    base, variants = load_variants(p)
    assert base == str(tmp_path / "raid.yaml") and variants == {
        "thaad": {"defence.command_latency_s": 0.2}
    }
    p.write_text("base: preset:default\nvariants: []\n")
    with pytest.raises(StudyInputError, match="variants"):
        load_variants(p)
