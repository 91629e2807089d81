"""One-at-a-time sensitivity (tornado) of a study metric to catalog or scenario parameters.

Each parameter is set to its low and to its high value (everything else at baseline) by
:func:`~amdsim.analysis.overrides.with_overrides`; all variants run with the same
replication seeds (common random numbers), so the swing ``metric(high) - metric(low)`` is
a paired difference with a t-interval. Rows are sorted by ``|swing|``, largest first: the
order of a tornado chart (e.g. Saltelli et al., *Global Sensitivity Analysis: The
Primer*, 2008, §1.2.1, for the one-at-a-time design and its limits: no interactions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.analysis.executors import open_executor
from amdsim.analysis.montecarlo import (
    RunFn,
    StudyInputError,
    StudyResult,
    _default_run_fn,
    _preload_of,
    check_n,
    prepare_out_dir,
    resolve_scenario,
    run_study,
    write_json,
)
from amdsim.analysis.overrides import normalise_path, portable, with_overrides
from amdsim.analysis.stats import paired_diff_ci

__all__ = ["Parameter", "SensitivityResult", "sensitivity"]


@dataclass(frozen=True)
class Parameter:
    """One swept parameter: dotted ``path`` (``systems.iron_dome.launchers``,
    ``radars.elm2084.max_range_m``, ``defence.command_latency_s``) and its two values."""

    path: str
    low: Any
    high: Any
    label: str | None = None

    @staticmethod
    def parse(spec: str) -> Parameter:
        """``"PATH=LOW:HIGH"`` (the CLI form), e.g. ``radars.elm2084.max_range_m=40000:80000``."""
        try:
            path, values = spec.split("=", 1)
            lo, hi = values.split(":", 1)
        except ValueError:
            raise StudyInputError(f"parameter {spec!r}: expected PATH=LOW:HIGH") from None
        return Parameter(path.strip(), _num(lo), _num(hi))


def _num(text: str) -> Any:
    t = text.strip()
    for conv in (int, float):
        try:
            return conv(t)
        except ValueError:
            pass
    return t


@dataclass(frozen=True)
class SensitivityResult:
    """Tornado rows (sorted by ``|swing|``) and the underlying studies."""

    metric: str
    baseline: dict[str, Any]
    rows: list[dict[str, Any]]
    studies: dict[str, StudyResult]


def sensitivity(
    scenario: Any,
    parameters: Sequence[Parameter],
    n: int,
    metric: str = "leakers",
    out_dir: str | Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    seed: int = 0,
    run_fn: RunFn | None = None,
    progress: bool = True,
    alpha: float = 0.05,
) -> SensitivityResult:
    """Run the baseline and each parameter at low and high; write ``sensitivity.json``.

    ``sensitivity.json``: ``{"metric", "baseline": {mean, ci_low, ci_high}, "rows": [
    {parameter, low_value, high_value, metric_low, metric_low_ci, metric_high,
    metric_high_ci, swing, swing_ci_low, swing_ci_high, n}]}``. Every variant is built and
    validated (catalog overrides resolved) before any replication runs.
    """
    n = check_n(n)
    if not parameters:
        raise StudyInputError("sensitivity needs at least one parameter")
    fn = run_fn if run_fn is not None else _default_run_fn()
    base = resolve_scenario(scenario)
    variants: dict[str, Any] = {"baseline": base}
    for k, p in enumerate(parameters):
        normalise_path(p.path)
        for side, value in (("low", p.low), ("high", p.high)):
            try:
                variants[f"p{k}-{side}"] = portable(with_overrides(base, {p.path: value}))
            except (ValueError, TypeError) as exc:
                raise StudyInputError(f"parameter {p.path}={value!r}: {exc}") from exc
    out = prepare_out_dir(out_dir) if out_dir is not None else None
    studies: dict[str, StudyResult] = {}
    with open_executor(workers, cluster, preload=_preload_of(fn)) as (ex, nw):
        for name, scen in variants.items():
            sub = prepare_out_dir(out / name) if out is not None else None
            studies[name] = run_study(
                scen, n, seed, fn, ex, nw, sub, progress, alpha=alpha, label=name
            )
    b = studies["baseline"]
    if metric not in b.aggregate:
        raise StudyInputError(
            f"metric {metric!r} not produced by the run; have {sorted(b.aggregate)}"
        )
    rows = []
    for k, p in enumerate(parameters):
        lo_s, hi_s = studies[f"p{k}-low"], studies[f"p{k}-high"]
        d = _paired(lo_s, hi_s, metric, alpha)
        rows.append(
            {
                "parameter": p.label or p.path,
                "path": p.path,
                "low_value": p.low,
                "high_value": p.high,
                "metric_low": d["a_mean"],
                "metric_low_ci": _ci(lo_s, metric),
                "metric_high": d["b_mean"],
                "metric_high_ci": _ci(hi_s, metric),
                "swing": d["diff_mean"],
                "swing_ci_low": d["ci_low"],
                "swing_ci_high": d["ci_high"],
                "n": d["n"],
            }
        )
    rows.sort(key=lambda r: -abs(r["swing"]) if r["swing"] == r["swing"] else 0.0)
    agg = b.aggregate[metric]
    baseline = {
        "mean": agg["mean"],
        "ci_low": agg["ci_low"],
        "ci_high": agg["ci_high"],
        "n": agg["n"],
    }
    if out is not None:
        write_json(
            out / "sensitivity.json",
            {"metric": metric, "unit": agg.get("unit", ""), "baseline": baseline, "rows": rows},
        )
    return SensitivityResult(metric, baseline, rows, studies)


def _ci(s: StudyResult, metric: str) -> list[float]:
    a: Mapping[str, Any] = s.aggregate.get(metric, {})
    return [a.get("ci_low", float("nan")), a.get("ci_high", float("nan"))]


def _paired(lo: StudyResult, hi: StudyResult, metric: str, alpha: float) -> dict[str, float]:
    il = {int(r): k for k, r in enumerate(lo.columns["replication"])}
    ih = {int(r): k for k, r in enumerate(hi.columns["replication"])}
    common = sorted(set(il) & set(ih))
    nan = np.full(len(common), np.nan)
    xl = lo.columns[metric][[il[i] for i in common]] if metric in lo.columns else nan
    xh = hi.columns[metric][[ih[i] for i in common]] if metric in hi.columns else nan
    return paired_diff_ci(xl, xh, alpha)
