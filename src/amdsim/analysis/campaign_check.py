"""Cross-check of the fast engagement mode against the full simulation.

The fast mode plays the same salvo as a full-simulation study (same threat counts per
type) many times with the engagement table; for each compared metric the difference of
the two means gets a Welch interval,

.. math:: (\\bar x_f - \\bar x_s) \\pm z_{1-\\alpha/2}\\sqrt{s_f^2/n_f + s_s^2/n_s},

and the two modes agree on that metric when the interval contains 0 (Welch 1947,
Biometrika 34:28; normal quantile since both samples are large). The table itself is an
estimate from ``n_d`` full-simulation replications (``n_launched`` of its rows divided by
the salvo size); its error adds about :math:`s_s^2/n_d` to the variance, which is included
so that a table derived from an independent study is not held to a tighter standard than
its own precision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.analysis._worker import RunFn
from amdsim.analysis.campaign import engage_day
from amdsim.analysis.campaign_tables import EngagementTable
from amdsim.analysis.montecarlo import StudyResult, replication_seed
from amdsim.core.rng import RngStreams

__all__ = ["cross_check", "cross_check_scenario", "salvo_counts"]


def salvo_counts(study: StudyResult) -> dict[str, int]:
    """Threats launched per type in one replication of the study (its first one)."""
    counts = {
        c.split(".", 1)[1]: int(v[0])
        for c, v in study.columns.items()
        if c.startswith("launched_by_type.")
    }
    if not counts:
        raise ValueError("the study has no launched_by_type.* metrics; give the salvo counts")
    return counts


def cross_check(
    table: EngagementTable,
    full: StudyResult,
    counts: Mapping[str, int] | None = None,
    stock: Mapping[str, int] | None = None,
    n_fast: int = 2000,
    seed: int = 0,
    alpha: float = 0.01,
) -> dict[str, Any]:
    """Compare fast mode with a full-simulation study of the same salvo.

    Returns ``{metric: {"full_mean", "fast_mean", "diff", "ci_low", "ci_high", "agree"}}``
    for ``leakers``, ``intercepts`` and each ``interceptors_used.<type>``, plus ``"agree"``
    (all metrics agree). ``stock`` limits rounds per interceptor type (default: unlimited).
    """
    from scipy.special import ndtri

    cts = dict(counts) if counts is not None else salvo_counts(full)
    z = float(ndtri(1 - alpha / 2))
    fast: dict[str, list[float]] = {"leakers": [], "intercepts": []}
    used_types = sorted({i for r in table.rows.values() for i in r.interceptor_shares})
    for i in used_types:
        fast[f"interceptors_used.{i}"] = []
    for r in range(n_fast):
        rng = RngStreams(replication_seed(seed, r)).get("campaign/cross-check")
        res = engage_day(table, cts, dict(stock or {}), rng)
        fast["leakers"].append(res["leakers"])
        fast["intercepts"].append(res["kills"])
        for i in used_types:
            fast[f"interceptors_used.{i}"].append(res["rounds"].get(i, 0))
    reps = [
        table.rows[t].n_launched / c
        for t, c in cts.items()
        if c > 0 and table.rows[t].n_launched > 0
    ]
    table_reps = min(reps) if reps else math.inf
    out: dict[str, Any] = {}
    for m, vals in fast.items():
        f = np.asarray(vals, float)
        s = full.columns.get(m, np.zeros(len(full.columns["replication"])))
        d = float(f.mean() - s.mean())
        vs = s.var(ddof=1) if s.size > 1 else 0.0
        se = math.sqrt(f.var(ddof=1) / f.size + vs / max(s.size, 1) + vs / table_reps)
        out[m] = {
            "full_mean": float(s.mean()),
            "fast_mean": float(f.mean()),
            "diff": d,
            "ci_low": d - z * se,
            "ci_high": d + z * se,
            "agree": abs(d) <= z * se,
        }
    out["agree"] = all(v["agree"] for v in out.values() if isinstance(v, dict))
    return out


def cross_check_scenario(
    scenario: Any,
    n: int,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    seed: int = 0,
    run_fn: RunFn | None = None,
    progress: bool = True,
    n_fast: int = 2000,
    alpha: float = 0.01,
) -> dict[str, Any]:
    """Derive the engagement table from single-threat-type studies of ``scenario`` (study
    seed ``seed``), run an independent full study of the whole scenario (seed ``seed + 1``)
    and compare it with fast mode on the same salvo (:func:`cross_check`, unlimited stock).
    Writes ``cross_check.json`` (and the studies) under ``out_dir``."""
    from amdsim.analysis.campaign_tables import engagement_table_from_scenario
    from amdsim.analysis.montecarlo import monte_carlo, prepare_out_dir, write_json

    out = prepare_out_dir(out_dir) if out_dir is not None else None
    kw: dict[str, Any] = {
        "workers": workers,
        "cluster": cluster,
        "run_fn": run_fn,
        "progress": progress,
    }
    table, _ = engagement_table_from_scenario(scenario, n, out_dir=out, seed=seed, **kw)
    full = monte_carlo(
        scenario, n, out_dir=out / "full" if out is not None else None, seed=seed + 1, **kw
    )
    res = cross_check(table, full, n_fast=n_fast, seed=seed + 2, alpha=alpha)
    res["table"] = table.model_dump()
    if out is not None:
        write_json(out / "cross_check.json", res)
    return res
