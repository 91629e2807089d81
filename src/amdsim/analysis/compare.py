"""What-if comparisons with common random numbers.

Both scenarios run replication ``i`` with the same seed (:func:`replication_seed`), so the
random draws a change does not touch (threat dispersion, radar noise, kill draws of the
engagements both sides make) are shared, and paired differences have a much smaller
variance than the difference of two independent means (Law, *Simulation Modeling and
Analysis*, 5th ed., §11.2 "common random numbers").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from amdsim.analysis.overrides import portable, with_overrides
from amdsim.analysis.stats import paired_diff_ci

__all__ = [
    "Comparison",
    "compare",
    "compare_variants",
    "load_variants",
    "paired_table",
    "raid_signature",
    "summary_lines",
]

KEY_METRICS = ("leakers", "value_lost", "intercepts", "cost_usd", "cost_exchange_ratio")
KEY_PREFIXES = ("leakers_by_type.", "interceptors_used.")


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare`: both studies, the paired table and its English summary."""

    label_a: str
    label_b: str
    a: StudyResult
    b: StudyResult
    paired: dict[str, dict[str, float]]
    lines: list[str]


def raid_signature(scenario: Any) -> Counter[str]:
    """Threats launched per threat type: what must match for two variants to be compared.

    Uses ``scenario.raid_signature()`` when the object has it, else ``scenario.raids``
    (objects or mappings with ``threat`` and ``count``).
    """
    if hasattr(scenario, "raid_signature"):
        sig = scenario.raid_signature()
    else:
        raids = (
            scenario.get("raids", [])
            if isinstance(scenario, Mapping)
            else getattr(scenario, "raids", [])
        )
        sig = []
        for r in raids or []:
            if isinstance(r, Mapping):
                sig.append((str(r["threat"]), int(r["count"])))
            else:
                sig.append((str(r.threat), int(r.count)))
    c: Counter[str] = Counter()
    for threat, count in sig:
        c[threat] += count
    return c


def _check_comparable(a: Any, b: Any, labels: tuple[str, str]) -> None:
    sa, sb = raid_signature(a), raid_signature(b)
    if sa != sb:
        diff = ", ".join(
            f"{t}: {sa.get(t, 0)} in {labels[0]} vs {sb.get(t, 0)} in {labels[1]}"
            for t in sorted(set(sa) | set(sb))
            if sa.get(t, 0) != sb.get(t, 0)
        )
        raise StudyInputError(
            f"variants {labels[0]!r} and {labels[1]!r} face different raids ({diff}); their "
            "metrics are not comparable. Change only the defence between variants, or pass "
            "allow_mismatch=True"
        )


def paired_table(
    a: StudyResult, b: StudyResult, alpha: float = 0.05
) -> dict[str, dict[str, float]]:
    """Paired ``b - a`` difference with a t-interval for every metric both studies have,
    pairing replications by index (failed replications on either side are dropped)."""
    ia = {int(r): k for k, r in enumerate(a.columns["replication"])}
    ib = {int(r): k for k, r in enumerate(b.columns["replication"])}
    common = sorted(set(ia) & set(ib))
    out: dict[str, dict[str, float]] = {}
    for m in sorted(set(a.aggregate) & set(b.aggregate)):
        xa = a.columns[m][[ia[i] for i in common]]
        xb = b.columns[m][[ib[i] for i in common]]
        out[m] = paired_diff_ci(xa, xb, alpha)
    return out


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1e6:
        return f"{x / 1e6:.3g} M"
    if ax >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if ax < 10 else f"{x:.1f}"


def summary_lines(
    paired: Mapping[str, Mapping[str, float]], label_a: str, label_b: str, alpha: float = 0.05
) -> list[str]:
    """One English sentence per key metric, e.g. ``'THAAD added' vs 'baseline': leakers
    changes from 12.3 to 4.1 (difference -8.2, 95% CI -9.0 to -7.4)``."""
    level = f"{100 * (1 - alpha):.0f}%"
    keys = [k for k in KEY_METRICS if k in paired]
    keys += sorted(k for k in paired if k.startswith(KEY_PREFIXES))
    lines = []
    for k in keys:
        p = paired[k]
        lo, hi = p["ci_low"], p["ci_high"]
        sig = "" if (lo > 0 or hi < 0 or (lo == hi == 0)) else "; not significant"
        if lo == hi == p["diff_mean"] == 0:
            sig = "; identical in every replication"
        lines.append(
            f"{label_b} vs {label_a}: {k} changes from {_fmt(p['a_mean'])} to {_fmt(p['b_mean'])} "
            f"(difference {_fmt(p['diff_mean'])}, {level} CI {_fmt(lo)} to {_fmt(hi)}{sig})"
        )
    return lines


def compare(
    scenario_a: Any,
    scenario_b: Any,
    n: int,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    seed: int = 0,
    run_fn: RunFn | None = None,
    progress: bool = True,
    labels: tuple[str, str] = ("A", "B"),
    allow_mismatch: bool = False,
    alpha: float = 0.05,
) -> Comparison:
    """Run both scenarios with common random numbers and pair the results.

    Writes (with ``out_dir``) ``A/`` and ``B/`` study folders (named by ``labels``, each
    resumable like :func:`monte_carlo`), ``paired.json`` ``{metric: {a_mean, b_mean,
    diff_mean, diff_std, ci_low, ci_high, n}, "variants": [label_a, label_b]}`` and
    ``summary.txt``.

    Raises
    ------
    StudyInputError
        ``n <= 0``, an unwritable ``out_dir``, equal labels, or variants facing different
        raids (unless ``allow_mismatch``) -- all before any replication runs.
    """
    n = check_n(n)
    if labels[0] == labels[1]:
        raise StudyInputError(f"the two variants need different labels (got {labels})")
    fn = run_fn if run_fn is not None else _default_run_fn()
    sa, sb = resolve_scenario(scenario_a), resolve_scenario(scenario_b)
    if not allow_mismatch:
        _check_comparable(sa, sb, labels)
    out = prepare_out_dir(out_dir) if out_dir is not None else None
    dirs = [prepare_out_dir(out / _safe(lb)) if out is not None else None for lb in labels]
    with open_executor(workers, cluster, preload=_preload_of(fn)) as (ex, nw):
        ra = run_study(sa, n, seed, fn, ex, nw, dirs[0], progress, alpha=alpha, label=labels[0])
        rb = run_study(sb, n, seed, fn, ex, nw, dirs[1], progress, alpha=alpha, label=labels[1])
    paired = paired_table(ra, rb, alpha)
    lines = summary_lines(paired, labels[0], labels[1], alpha)
    if out is not None:
        write_json(out / "paired.json", {"variants": list(labels), **paired})
        (out / "summary.txt").write_text("\n".join(lines) + "\n")
    return Comparison(labels[0], labels[1], ra, rb, paired, lines)


def _safe(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label) or "variant"


def load_variants(path: str | Path) -> tuple[str, dict[str, dict[str, Any]]]:
    """Read a variants file: ``base: FILE`` (relative to the variants file, or
    ``preset:NAME``) and ``variants: {name: {dotted.path: value, ...}}``."""
    from ruamel.yaml import YAML

    p = Path(path)
    try:
        data = YAML(typ="safe").load(p.read_text())
    except OSError as exc:
        raise StudyInputError(f"{p}: cannot read variants file: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("base"), str):
        raise StudyInputError(
            f"{p}: needs `base: SCENARIO` and `variants: {{name: {{path: value}}}}`"
        )
    variants = data.get("variants")
    if (
        not isinstance(variants, dict)
        or not variants
        or not all(isinstance(v, dict) for v in variants.values())
    ):
        raise StudyInputError(
            f"{p}: `variants` must map each variant name to {{dotted.path: value}}"
        )
    base = data["base"]
    if not base.startswith("preset:") and not Path(base).is_absolute():
        base = str(p.parent / base)
    return base, {str(k): dict(v) for k, v in variants.items()}


def compare_variants(
    base: Any,
    variants: Mapping[str, Mapping[str, Any]],
    n: int,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    seed: int = 0,
    run_fn: RunFn | None = None,
    progress: bool = True,
    allow_mismatch: bool = False,
    alpha: float = 0.05,
) -> dict[str, Comparison]:
    """One scenario and named variants of it (dotted-path overrides, as in
    :func:`~amdsim.analysis.overrides.with_overrides`), all with common random numbers;
    each variant is paired with the base. Writes ``base/``, one folder per variant, and
    ``<variant>/paired.json`` + ``summary.txt``. Every variant is built and checked
    (same raids as the base unless ``allow_mismatch``) before any replication runs."""
    n = check_n(n)
    if not variants or "base" in variants:
        raise StudyInputError("give at least one variant, none of them named 'base'")
    fn = run_fn if run_fn is not None else _default_run_fn()
    sb = resolve_scenario(base)
    built = {}
    for name, ov in variants.items():
        try:
            built[name] = portable(with_overrides(sb, ov))
        except (ValueError, TypeError) as exc:
            raise StudyInputError(f"variant {name!r}: {exc}") from exc
        if not allow_mismatch:
            _check_comparable(sb, built[name], ("base", name))
    out = prepare_out_dir(out_dir) if out_dir is not None else None
    result = {}
    with open_executor(workers, cluster, preload=_preload_of(fn)) as (ex, nw):
        sub = prepare_out_dir(out / "base") if out is not None else None
        rb = run_study(sb, n, seed, fn, ex, nw, sub, progress, alpha=alpha, label="base")
        for name, sv in built.items():
            vdir = prepare_out_dir(out / _safe(name)) if out is not None else None
            rv = run_study(sv, n, seed, fn, ex, nw, vdir, progress, alpha=alpha, label=name)
            paired = paired_table(rb, rv, alpha)
            lines = summary_lines(paired, "base", name, alpha)
            if vdir is not None:
                write_json(vdir / "paired.json", {"variants": ["base", name], **paired})
                (vdir / "summary.txt").write_text("\n".join(lines) + "\n")
            result[name] = Comparison("base", name, rb, rv, paired, lines)
    return result
