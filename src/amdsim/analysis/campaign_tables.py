"""Engagement tables for the fast campaign mode, derived from full-simulation studies.

Per threat type ``t`` the fast mode needs four numbers and a split:

* ``p_endanger`` (λ): share of launched threats that would hit a defended asset;
* ``p_engage`` (q): share of endangering threats the defence engages (stock permitting);
* ``pk``: kill probability of one round;
* ``max_shots`` (m) and the doctrine: shoot-look-shoot fires again after a miss, up to m
  rounds; salvo fires m rounds at once;
* ``interceptor_shares``: share of the rounds fired at type ``t`` by interceptor type.

They are estimated from studies of the full engine in which only type ``t`` is launched,
summed over replications (K kills, L leakers, U rounds, N launched):

.. math::

   \\hat\\lambda = \\frac{K + L}{N}, \\qquad
   \\hat p_k = \\frac{K}{U}\\ \\text{(shoot-look-shoot)}, \\qquad
   \\hat q = \\frac{K}{(K + L)\\,[1 - (1 - \\hat p_k)^m]}

The shoot-look-shoot estimator follows from E[rounds | engaged] = (1 − (1−pk)^m)/pk and
P(kill | engaged) = 1 − (1−pk)^m, whose ratio is pk. For salvo, E = U/m engagements,
P(kill | engaged) = K/E and pk = 1 − (1 − K/E)^{1/m}.

λ from the engine's truth. A kill hides where the threat would have landed, so K + L
counts every intercepted threat as endangering: an upper estimate of λ whenever the defence
also kills threats bound for open ground. With the real engine each derivation run is
therefore paired with its *undefended twin*: the same scenario and seed without batteries
and radars. The engine draws threats from their own named random streams
(:class:`~amdsim.core.rng.RngStreams`), so the twin flies exactly the same threats, and
its ``impact`` events (with ``asset_id``) say which threats would have hit an asset: E of
them, of which K_E were killed in the defended run (the rest, L = E − K_E, leaked), and
K_O = K − K_E kills spent on threats bound for open ground. Then

.. math::

   \\hat\\lambda = \\frac{E}{N}, \\qquad
   \\hat q = \\frac{K_E}{E\\,[1 - (1 - \\hat p_k)^m]}, \\qquad
   \\hat q_o = \\frac{K_O}{(N - E)\\,[1 - (1 - \\hat p_k)^m]}

(salvo: the same with the engagements split in proportion to K_E : K_O), and fast mode
also engages threats bound for open ground with probability q_o (rounds spent, no leaker
saved). Expected rounds and leakers of the salvo the table was derived from are unchanged;
what changes is the case that matters for stockpiles: with no rounds left, fast mode no
longer counts the open-ground kills as leakers. A run function without an event log
(the known-answer stand-ins) keeps the upper estimate and q_o = 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

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
)
from amdsim.analysis.overrides import portable, with_overrides

__all__ = [
    "EngagementRow",
    "EngagementTable",
    "WithTruth",
    "derive_engagement_row",
    "derive_engagement_table",
    "engagement_table_from_scenario",
]

Prob = Annotated[float, Field(ge=0.0, le=1.0)]


class EngagementRow(BaseModel):
    """Fast-mode parameters of one threat type (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threat: str
    p_endanger: Prob
    p_engage: Prob
    pk: Prob
    max_shots: Annotated[int, Field(ge=1, le=10)] = 2
    doctrine: Literal["shoot-look-shoot", "salvo"] = "shoot-look-shoot"
    interceptor_shares: dict[str, Prob] = {}
    n_launched: Annotated[int, Field(ge=0)] = 0
    source: str = "user"
    p_engage_open: Prob = 0.0
    """q_o: share of threats bound for open ground that the defence engages anyway."""
    lambda_method: Literal["truth", "upper"] = "upper"
    """How ``p_endanger`` was estimated (see the module docstring)."""


class EngagementTable(BaseModel):
    """Rows by threat type and the cost of one round per interceptor type (USD)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rows: dict[str, EngagementRow]
    unit_cost_usd: dict[str, Annotated[float, Field(ge=0.0)]] = {}


def _sum(s: StudyResult, key: str) -> float:
    return float(s.columns[key].sum()) if key in s.columns else 0.0


def derive_engagement_row(
    threat: str, study: StudyResult, max_shots: int = 2, doctrine: str = "shoot-look-shoot"
) -> EngagementRow:
    """Estimate one row from a study whose runs launched only ``threat``."""
    n = _sum(study, f"launched_by_type.{threat}") or _sum(study, "launched")
    k = _sum(study, f"intercepts_by_type.{threat}") or _sum(study, "intercepts")
    leak = _sum(study, f"leakers_by_type.{threat}") or _sum(study, "leakers")
    used = {
        c.split(".", 1)[1]: float(v.sum())
        for c, v in study.columns.items()
        if c.startswith("interceptors_used.")
    }
    u = sum(used.values())
    if n <= 0:
        raise StudyInputError(f"{threat}: the derivation study launched no threats")
    truth = "truth.endangering" in study.columns
    e = _sum(study, "truth.endangering") if truth else k + leak
    k_e = _sum(study, "truth.kills_endangering") if truth else k
    k_o = max(k - k_e, 0.0)
    lam = min(1.0, e / n)
    m = max_shots
    q_o = 0.0
    if u <= 0 or k <= 0:
        pk, q = 0.0, 0.0
    elif doctrine == "salvo":
        engaged = u / m
        p_kill = min(1.0, k / engaged)
        pk = 1.0 - (1.0 - p_kill) ** (1.0 / m)
        q = min(1.0, engaged * (k_e / k) / e) if e > 0 else 0.0
        q_o = min(1.0, engaged * (k_o / k) / (n - e)) if n > e else 0.0
    else:
        pk = min(1.0, k / u)
        p_m = 1.0 - (1.0 - pk) ** m
        q = min(1.0, k_e / (e * p_m)) if e > 0 else 0.0
        q_o = min(1.0, k_o / ((n - e) * p_m)) if n > e else 0.0
    shares = {i: v / u for i, v in sorted(used.items()) if v > 0} if u > 0 else {}
    return EngagementRow.model_validate(
        {
            "threat": threat,
            "p_endanger": lam,
            "p_engage": q,
            "pk": pk,
            "max_shots": m,
            "doctrine": doctrine,
            "interceptor_shares": shares,
            "n_launched": int(n),
            "source": f"derived from {study.n} full-simulation replications",
            "p_engage_open": q_o,
            "lambda_method": "truth" if truth else "upper",
        }
    )


def derive_engagement_table(
    studies: Mapping[str, StudyResult],
    max_shots: int = 2,
    doctrine: str = "shoot-look-shoot",
    unit_cost_usd: Mapping[str, float] | None = None,
) -> EngagementTable:
    """Rows for each ``{threat type: single-type study}``; the cost per round of each
    interceptor type defaults to ``cost_usd / rounds`` of the studies that fired only it."""
    rows = {t: derive_engagement_row(t, s, max_shots, doctrine) for t, s in studies.items()}
    costs = dict(unit_cost_usd or {})
    costs.update({k: v for k, v in _fit_costs(studies).items() if k not in costs})
    return EngagementTable(rows=rows, unit_cost_usd=costs)


def _fit_costs(studies: Mapping[str, StudyResult]) -> dict[str, float]:
    """Cost per round of each interceptor type by least squares over all replications:
    ``cost_usd = sum_i c_i * interceptors_used.i`` (exact when each run's cost is that sum)."""
    types = sorted(
        {
            c.split(".", 1)[1]
            for s in studies.values()
            for c in s.columns
            if c.startswith("interceptors_used.")
        }
    )
    if not types:
        return {}
    a_rows, b_rows = [], []
    for s in studies.values():
        if "cost_usd" not in s.columns:
            continue
        n = s.columns["cost_usd"].size
        a_rows.append(
            np.stack([s.columns.get(f"interceptors_used.{t}", np.zeros(n)) for t in types], axis=1)
        )
        b_rows.append(s.columns["cost_usd"])
    if not a_rows:
        return {}
    a, b = np.concatenate(a_rows), np.concatenate(b_rows)
    ok = np.isfinite(b) & np.all(np.isfinite(a), axis=1)
    coef = np.linalg.lstsq(a[ok], b[ok], rcond=None)[0]
    fired = a[ok].sum(axis=0) > 0
    return {t: float(max(c, 0.0)) for t, c, f in zip(types, coef, fired) if f}


@dataclass(frozen=True)
class WithTruth:
    """Run function of a derivation study: ``fn(scenario, seed)`` and, when it returns an
    event log, the same seed on the undefended twin (no batteries, no radars), adding
    ``truth.endangering`` (threats whose undefended impact is on an asset) and
    ``truth.kills_endangering`` (those of them intercepted) to the metrics."""

    fn: RunFn

    def __call__(self, scenario: Any, seed: int) -> Any:
        res = self.fn(scenario, seed)
        events = getattr(res, "events", None)
        if events is None or not hasattr(scenario, "batteries"):
            return res
        twin = self.fn(with_overrides(scenario, {"batteries": [], "radars": []}), seed)
        tev = twin.events
        hit = (np.asarray(tev.kind) == "impact") & (np.asarray(tev.asset_id) >= 0)
        endangering = set(np.asarray(tev.threat_id)[hit].tolist())
        killed = np.asarray(events.threat_id)[np.asarray(events.kind) == "intercept"]
        k_e = sum(1 for t in killed.tolist() if t in endangering)
        unit = {"unit": "threats"}
        return {
            **res.summary,
            "truth": {
                "endangering": {"value": len(endangering), **unit},
                "kills_endangering": {"value": k_e, **unit},
            },
        }


def _single_threat(scenario: Any, threat: str) -> Any:
    raids = [r.model_dump() for r in scenario.raids if r.threat == threat]
    return with_overrides(scenario, {"raids": raids})


def engagement_table_from_scenario(
    scenario: Any,
    n: int,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    seed: int = 0,
    run_fn: RunFn | None = None,
    progress: bool = True,
    truth: bool = True,
) -> tuple[EngagementTable, dict[str, StudyResult]]:
    """Run one full-simulation study per threat type of the scenario (its raids of that
    type only, everything else unchanged) and derive the table. The doctrine and the
    catalog interceptor costs are taken from the scenario. With ``truth`` each run is
    paired with its undefended twin (:class:`WithTruth`) so that λ is estimated from the
    engine's truth rather than bounded from above."""
    n = check_n(n)
    inner = run_fn if run_fn is not None else _default_run_fn()
    fn = WithTruth(inner) if truth else inner
    scen = resolve_scenario(scenario)
    threats = sorted({r.threat for r in scen.raids})
    if not threats:
        raise StudyInputError("the scenario has no raids to derive engagement tables from")
    variants = {t: portable(_single_threat(scen, t)) for t in threats}
    out = prepare_out_dir(out_dir) if out_dir is not None else None
    studies = {}
    with open_executor(workers, cluster, preload=_preload_of(inner)) as (ex, nw):
        for t, v in variants.items():
            sub = prepare_out_dir(out / f"derive-{t}") if out is not None else None
            studies[t] = run_study(v, n, seed, fn, ex, nw, sub, progress, label=f"derive {t}")
    doctrine = str(getattr(getattr(scen, "defence", None), "doctrine", "shoot-look-shoot"))
    costs: dict[str, float] = {}
    cat = getattr(scen, "catalog_resolved", None)
    for name, it in (getattr(cat, "interceptors", {}) or {}).items():
        c = getattr(it, "unit_cost_usd", None)
        if c is not None and math.isfinite(float(c)):
            costs[str(name)] = float(c)
    table = derive_engagement_table(studies, 2, doctrine, costs)
    if out is not None:
        (out / "engagement_table.json").write_text(table.model_dump_json(indent=2))
    return table, studies
