"""The generated validation report: how the model compares with what is publicly known.

``build_validation_report(out_dir, quick=False)`` writes ``out_dir/validation.md`` and its
plots (``out_dir/validation_plots/*.png``), and with ``docs_dir`` copies both there (CI runs
``amdsim validate-model -o out/validation --docs docs`` to regenerate ``docs/validation.md``).
The report has two parts, both computed by calling the package, never typed by hand:

1. **Physics rows** (:mod:`amdsim.analysis._validation_physics`): USSA76 atmosphere, vacuum
   minimum-energy flight, proportional navigation (Zarchan), reentry tracking
   (Athans-Wishner-Bertolini) -- reference value and source, our value, error, tolerance,
   pass/fail.
2. **Preset rows** (:mod:`amdsim.analysis._validation_anchors`): each preset runs as a short
   copy (:func:`amdsim.analysis._validation_presets.shortened`; smaller in ``quick`` mode)
   and its counts are put next to the public figures of public-figures.md with their
   confidence tags and caveats; a model share carries its 95 % Clopper-Pearson interval.
"""

from __future__ import annotations

import argparse
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amdsim.analysis._validation_anchors import PLANS, Anchor, PresetPlan, anchor_value, verdict
from amdsim.analysis._validation_physics import CheckRow, physics_rows
from amdsim.analysis._validation_presets import shortened
from amdsim.analysis._validation_runs import RunMetrics, run_metrics
from amdsim.analysis.stats import clopper_pearson

__all__ = [
    "PresetOutcome",
    "add_validate_model_parser",
    "build_validation_report",
    "preset_outcome",
    "validate_model_command",
]

PLOTS_DIR = "validation_plots"


@dataclass(frozen=True)
class PresetOutcome:
    """One preset's short run: what ran, its counts and its comparisons."""

    plan: PresetPlan
    scenario: Any
    metrics: RunMetrics
    seed: int
    cpu_s: float
    comparisons: tuple[tuple[Anchor, int, int, tuple[float, float], str], ...]
    siting: dict[str, float] | None = None


def preset_outcome(plan: PresetPlan, quick: bool = True, seed: int = 1) -> PresetOutcome:
    """Run the short copy of ``plan``'s preset and compare it with the public figures."""
    from amdsim.scenario import load_preset
    from amdsim.simulation import run

    sc = shortened(load_preset(plan.name), **(plan.quick if quick else plan.full))
    t0 = time.process_time()
    result = run(sc, seed=seed)
    cpu = time.process_time() - t0
    m = run_metrics(result, sc)
    comps = []
    for a in plan.anchors:
        num, den = anchor_value(a, m)
        ci = clopper_pearson(num, den) if den > 0 else (math.nan, math.nan)
        comps.append((a, num, den, ci, verdict(a, m, ci)))
    siting = _siting(plan.name) if plan.siting else None
    return PresetOutcome(plan, sc, m, seed, cpu, tuple(comps), siting)


def _siting(name: str) -> dict[str, float]:
    """Covered value of the preset's own battery positions vs the covering-problem optimum
    (:mod:`amdsim.analysis.siting`): candidate sites 2.5 km north-east of every base,
    intercepts 10 km in front of each base towards each launch area."""
    import numpy as np

    from amdsim.analysis.siting import coverage_matrix, solve_greedy, solve_milp
    from amdsim.analysis.siting_study import SitingSpec, problem_from_scenario
    from amdsim.scenario import load_preset

    sc = load_preset(name)
    sites: list[dict[str, Any]] = []
    for a in sc.assets:
        if a.circle is None:
            continue
        lat = a.circle.lat_deg + 2500.0 * math.cos(math.radians(45)) / 111_195.0
        lon = a.circle.lon_deg + 2500.0 * math.sin(math.radians(45)) / (
            111_195.0 * math.cos(math.radians(a.circle.lat_deg))
        )
        sites.append({"name": a.name, "lat_deg": round(lat, 4), "lon_deg": round(lon, 4)})
    counts: dict[str, int] = {}
    for b in sc.batteries:
        counts[b.system] = counts.get(b.system, 0) + 1
    spec = SitingSpec(
        scenario=f"preset:{name}",
        candidate_sites=sites,  # type: ignore[arg-type]
        batteries=[{"system": s, "count": c} for s, c in counts.items()],  # type: ignore[misc]
        standoff_m=10_000.0,
    )
    problem = problem_from_scenario(spec, sc)
    cov, vals = coverage_matrix(problem)
    types = [t.system for t in problem.types]
    placed = set()
    for b in sc.batteries:  # naive placement: the preset's positions, matched to the nearest site
        d = [(s["lat_deg"] - b.lat_deg) ** 2 + (s["lon_deg"] - b.lon_deg) ** 2 for s in sites]
        placed.add((int(np.argmin(d)), types.index(b.system)))
    covered = np.zeros(vals.shape[0], bool)
    for i, t in placed:
        covered |= cov[i, t]
    best, greedy = solve_milp(problem), solve_greedy(problem)
    return {
        "total": float(vals.sum()),
        "preset": float(vals[covered].sum()),
        "milp": float(best.objective) if best is not None else math.nan,
        "greedy": float(greedy.objective),
        "lp_bound": float(greedy.upper_bound),
    }


def build_validation_report(
    out_dir: str | Path,
    quick: bool = False,
    *,
    docs_dir: str | Path | None = None,
    seed: int = 1,
    presets: tuple[str, ...] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write ``out_dir/validation.md`` and ``out_dir/validation_plots/*.png``; return the
    Markdown path. ``quick`` runs smaller short copies of the presets and fewer guidance
    cases (seconds instead of minutes); ``docs_dir`` also copies the report there;
    ``presets`` restricts the preset part to these names (default: all)."""
    return _build(out_dir, quick, docs_dir, seed, presets, progress)[0]


def _build(
    out_dir: str | Path,
    quick: bool,
    docs_dir: str | Path | None,
    seed: int,
    presets: tuple[str, ...] | None,
    progress: Callable[[str], None] | None,
) -> tuple[Path, list[CheckRow]]:
    from amdsim.analysis._validation_plots import write_plots
    from amdsim.analysis._validation_report import render

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _msg: None)
    say("physics rows")
    rows: list[CheckRow] = physics_rows(quick)
    outcomes = []
    for plan in PLANS:
        if presets is not None and plan.name not in presets:
            continue
        say(f"preset {plan.name}")
        outcomes.append(preset_outcome(plan, quick, seed))
    plots = write_plots(out / PLOTS_DIR, rows, outcomes)
    md = out / "validation.md"
    md.write_text(render(rows, outcomes, plots, quick=quick, seed=seed), encoding="utf-8")
    if docs_dir is not None:
        d = Path(docs_dir)
        d.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(md, d / "validation.md")
        shutil.rmtree(d / PLOTS_DIR, ignore_errors=True)
        shutil.copytree(out / PLOTS_DIR, d / PLOTS_DIR)
    return md, rows


def add_validate_model_parser(
    sub: Any, func: Callable[[argparse.Namespace], int] | None = None
) -> Any:
    """Add ``validate-model -o DIR [--quick] [--docs DIR] [--seed N]`` to a sub-parser set."""
    p = sub.add_parser(
        "validate-model", help="generate the model validation report (validation.md + plots)"
    )
    p.add_argument("-o", "--output", required=True, help="folder for validation.md and its plots")
    p.add_argument("--quick", action="store_true", help="small preset runs (a few CPU minutes)")
    p.add_argument("--docs", default=None, help="also copy the report into this folder (e.g. docs)")
    p.add_argument("--seed", type=int, default=1, help="seed of the preset runs (default 1)")
    p.set_defaults(func=func or validate_model_command)
    return p


def validate_model_command(args: argparse.Namespace) -> int:
    """``amdsim validate-model``: build the report; exit status 1 if a physics row fails."""
    md, rows = _build(
        args.output,
        bool(getattr(args, "quick", False)),
        getattr(args, "docs", None),
        int(getattr(args, "seed", 1) or 1),
        None,
        lambda msg: print(f"validate-model: {msg}", flush=True),
    )
    failed = [r for r in rows if not r.passed]
    print(
        f"validation report written to {md} ({len(rows) - len(failed)}/{len(rows)} physics rows pass)"
    )
    for r in failed:
        print(
            f"validate-model: FAIL {r.group}: {r.quantity}: ours {r.ours:.6g}, reference {r.reference:.6g}"
        )
    return 1 if failed else 0
