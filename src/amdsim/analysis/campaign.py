"""Multi-day campaigns: stock depletion, leakage and cost per day.

Two engagement modes, chosen per study (``mode`` in the spec, ``--mode`` on the command
line): ``fast`` (below) and ``full``, which flies every day of every replication with the
engine (:mod:`amdsim.analysis.campaign_full`); both write the same outputs.

Fast mode: each day's threats are engaged with the per-type tables of
:mod:`amdsim.analysis.campaign_tables` (derived from the full engine). Per threat:
it endangers an asset with probability λ; an endangering threat is engaged with
probability q (one bound for open ground with probability q_o) by an interceptor type
drawn from the type's shares, and needs up to m
rounds (shoot-look-shoot: until the first kill; salvo: m at once), each killing with
probability pk. Rounds come out of that interceptor type's stock in arrival order; a
threat finding too few rounds gets what is left (possibly none). An endangering threat
not killed is a leaker. Stocks receive the daily resupply at the start of each day after
the first. A stock "runs out" on the first day a threat needed a round of it and found
none. All draws come from ``RngStreams(replication seed)``, per day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from amdsim.analysis.campaign_tables import EngagementRow, EngagementTable
from amdsim.analysis.montecarlo import (
    StudyInputError,
    check_n,
    prepare_out_dir,
    replication_seed,
    write_json,
)
from amdsim.analysis.stats import mean_ci, wilson
from amdsim.core.rng import RngStreams

__all__ = [
    "MODES",
    "CampaignResult",
    "CampaignSpec",
    "Salvo",
    "campaign",
    "day_counts",
    "engage_day",
    "load_campaign_spec",
]

MODES = ("fast", "full")
"""Engagement modes of a campaign study."""


class Salvo(BaseModel):
    """``per_day`` threats of type ``threat`` on days ``first_day..last_day`` (1-based,
    inclusive); with ``poisson`` the daily count is Poisson with that mean."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threat: str
    per_day: Annotated[float, Field(ge=0)]
    first_day: Annotated[int, Field(ge=1)] = 1
    last_day: Annotated[int, Field(ge=1)] | None = None
    poisson: bool = False


class CampaignSpec(BaseModel):
    """A campaign (YAML-able): days, salvos, stockpiles, resupply, engagement table.

    ``mode``: ``fast`` (engagement tables) or ``full`` (every day flown by the engine on
    ``scenario``; at most ``max_engine_runs`` engine runs per study, checked up front).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "campaign"
    days: Annotated[int, Field(ge=1, le=3650)]
    salvos: Annotated[list[Salvo], Field(min_length=1)]
    stockpile: dict[str, Annotated[int, Field(ge=0)]]
    resupply_per_day: dict[str, Annotated[float, Field(ge=0)]] = {}
    unit_cost_usd: dict[str, Annotated[float, Field(ge=0)]] = {}
    table: EngagementTable | None = None
    scenario: str | None = None
    derive_n: Annotated[int, Field(ge=1)] = 30
    mode: Literal["fast", "full"] = "fast"
    max_engine_runs: Annotated[int, Field(ge=1)] = 20_000

    @model_validator(mode="after")
    def _check(self) -> CampaignSpec:
        unknown = sorted(set(self.resupply_per_day) - set(self.stockpile))
        if unknown:
            raise ValueError(
                f"resupply_per_day names interceptor types without a stockpile: {unknown}"
            )
        if self.mode == "full" and self.scenario is None:
            raise ValueError("mode: full needs the `scenario` whose raids are flown every day")
        if self.table is None and self.scenario is None:
            raise ValueError("give an engagement `table` or a `scenario` to derive it from")
        return self


def load_campaign_spec(path: str | Path) -> CampaignSpec:
    """Read a campaign spec (YAML); a relative ``scenario`` path is relative to the file."""
    from ruamel.yaml import YAML

    p = Path(path)
    try:
        data = YAML(typ="safe").load(p.read_text())
        spec = CampaignSpec.model_validate(data)
    except (OSError, ValueError) as exc:
        raise StudyInputError(f"{p}: {exc}") from exc
    if (
        spec.scenario
        and not spec.scenario.startswith("preset:")
        and not Path(spec.scenario).is_absolute()
    ):
        spec = spec.model_copy(update={"scenario": str(p.parent / spec.scenario)})
    return spec


def engage_day(
    table: EngagementTable,
    counts: dict[str, int],
    stock: dict[str, int],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """One day (or one salvo) in fast mode.

    Returns ``leakers``, ``leakers_by_type``, ``kills``, ``rounds`` and ``unmet`` (threats
    that found no round) by interceptor type, and the new ``stock``. Interceptor types
    absent from ``stock`` are unlimited (e.g. gun ammunition).
    """
    types = [t for t, c in counts.items() if c > 0]
    missing = [t for t in types if t not in table.rows]
    if missing:
        raise StudyInputError(f"no engagement table row for threat type(s) {missing}")
    kind = (
        np.concatenate([np.full(counts[t], k) for k, t in enumerate(types)])
        if types
        else np.zeros(0, int)
    )
    kind = rng.permutation(kind)
    n = kind.size
    rows: list[EngagementRow] = [table.rows[t] for t in types]
    lam = np.array([r.p_endanger for r in rows])[kind] if n else np.zeros(0)
    q = np.array([r.p_engage for r in rows])[kind] if n else np.zeros(0)
    q_o = np.array([r.p_engage_open for r in rows])[kind] if n else np.zeros(0)
    pk = np.array([r.pk for r in rows])[kind] if n else np.zeros(0)
    m_max = max((r.max_shots for r in rows), default=1)
    m = np.array([r.max_shots for r in rows], int)[kind] if n else np.zeros(0, int)
    salvo = np.array([r.doctrine == "salvo" for r in rows])[kind] if n else np.zeros(0, bool)
    u = rng.random((n, 3 + m_max))
    endanger = u[:, 0] < lam
    # threats bound for open ground are engaged with q_o (rounds spent, no leaker saved)
    engage = np.where(endanger, u[:, 1] < q, u[:, 1] < q_o)
    shot_kills = (u[:, 3:] < pk[:, None]) & (np.arange(m_max)[None, :] < m[:, None])
    first = np.where(shot_kills.any(axis=1), np.argmax(shot_kills, axis=1), m_max)
    need = np.where(salvo, m, np.minimum(first + 1, m))
    interceptor = np.full(n, "", dtype=object)
    for k, r in enumerate(rows):
        sel = kind == k
        names = list(r.interceptor_shares)
        if names:
            p = np.array([r.interceptor_shares[x] for x in names], float)
            idx = np.searchsorted(np.cumsum(p / p.sum()), u[sel, 2], side="right")
            interceptor[sel] = np.array(names, dtype=object)[np.minimum(idx, len(names) - 1)]
    killed = np.zeros(n, bool)
    new_stock = dict(stock)
    rounds: dict[str, int] = {}
    unmet: dict[str, int] = {}
    for name in sorted({str(x) for x in interceptor[engage]} - {""}):  # "": no interceptor
        sel = np.nonzero(engage & (interceptor == name))[0]
        unlimited = name not in new_stock
        have = int(need[sel].sum()) if unlimited else int(new_stock[name])
        before = np.concatenate([[0], np.cumsum(need[sel])[:-1]])
        allowed = np.clip(have - before, 0, need[sel])
        # shots are fired in order; a threat dies iff its first killing shot is among those
        # fired (shoot-look-shoot stops there; a short salvo fires what is left)
        hits = first[sel] < allowed
        killed[sel] = hits
        used = int(allowed.sum())
        rounds[name] = used
        unmet[name] = int(np.count_nonzero(allowed == 0))
        if not unlimited:
            new_stock[name] = have - used
    leak = endanger & ~killed
    by_type = {t: int(np.count_nonzero(leak & (kind == k))) for k, t in enumerate(types)}
    return {
        "leakers": int(leak.sum()),
        "leakers_by_type": by_type,
        "kills": int(killed.sum()),
        "rounds": rounds,
        "unmet": unmet,
        "stock": new_stock,
    }


def day_counts(
    salvos: Sequence[Salvo], days: int, day: int, rng: np.random.Generator
) -> dict[str, int]:
    """Threats launched per type on ``day`` (both modes draw them from the same stream)."""
    counts: dict[str, int] = {}
    for s in salvos:
        last = s.last_day if s.last_day is not None else days
        if s.first_day <= day <= last:
            c = int(rng.poisson(s.per_day)) if s.poisson else round(s.per_day)
            counts[s.threat] = counts.get(s.threat, 0) + c
    return counts


def _day_counts(spec: CampaignSpec, day: int, rng: np.random.Generator) -> dict[str, int]:
    return day_counts(spec.salvos, spec.days, day, rng)


@dataclass(frozen=True)
class CampaignResult:
    """Per (replication, day, interceptor type) rows and the summary written to JSON."""

    rows: dict[str, np.ndarray]
    summary: dict[str, Any]
    table: EngagementTable | None
    """The engagement table (fast mode); ``None`` in full mode."""


def campaign(
    spec: CampaignSpec | str | Path,
    n: int,
    out_dir: str | Path | None = None,
    seed: int = 0,
    table: EngagementTable | None = None,
    mode: str | None = None,
    **derive_kw: Any,
) -> CampaignResult:
    """Run ``n`` replications of the campaign in ``mode`` (default: the spec's ``mode``).

    Fast mode: the engagement table is ``table``, else ``spec.table``, else derived from
    ``spec.scenario`` with :func:`~amdsim.analysis.campaign_tables.engagement_table_from_scenario`
    (``spec.derive_n`` full runs per threat type; ``derive_kw`` go to it: workers, cluster,
    run_fn, progress). Full mode: every day flown by the engine
    (:mod:`amdsim.analysis.campaign_full`; ``derive_kw`` go to its study: workers, cluster,
    progress, and ``run_fn`` replaces the engine; ``scenario`` a loaded scenario instead of
    ``spec.scenario``). Writes ``campaign.parquet`` (replication, day, interceptor_type,
    stock, rounds, unmet, leakers, cost_usd; full mode adds value_lost), ``campaign.json``
    (summary) and, in fast mode, ``engagement_table.json``; full mode keeps its checkpoint
    in ``runs/`` and resumes from it.
    """
    sp = load_campaign_spec(spec) if isinstance(spec, (str, Path)) else spec
    n = check_n(n)
    mode = sp.mode if mode is None else mode
    if mode not in MODES:
        raise StudyInputError(f"campaign mode must be one of {list(MODES)} (got {mode!r})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise StudyInputError(f"seed must be a non-negative integer (got {seed!r})")
    seed = int(seed)
    if mode == "full":
        return _campaign_full(sp, n, out_dir, seed, **derive_kw)
    derive_kw.pop("scenario", None)
    out = prepare_out_dir(out_dir) if out_dir is not None else None
    tab = table or sp.table
    if tab is None:
        from amdsim.analysis.campaign_tables import engagement_table_from_scenario

        tab, _ = engagement_table_from_scenario(
            sp.scenario, sp.derive_n, out_dir=out, seed=seed, **derive_kw
        )
    missing = sorted({s.threat for s in sp.salvos} - set(tab.rows))
    if missing:
        raise StudyInputError(f"engagement table has no row for threat type(s) {missing}")
    types = sorted(sp.stockpile)
    cost = {**tab.unit_cost_usd, **sp.unit_cost_usd}
    fired_types = {i for r in tab.rows.values() for i in r.interceptor_shares}
    no_cost = sorted(fired_types - set(cost))
    if no_cost:
        raise StudyInputError(f"no unit cost for interceptor type(s) {no_cost}; give unit_cost_usd")
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "replication",
            "day",
            "interceptor_type",
            "stock",
            "rounds",
            "unmet",
            "leakers",
            "cost_usd",
        )
    }
    stockout = np.full((n, len(types)), -1, dtype=np.int64)
    leak_day = np.zeros((n, sp.days))
    cost_day = np.zeros((n, sp.days))
    for r in range(n):
        streams = RngStreams(replication_seed(seed, r))
        stock = {t: int(sp.stockpile[t]) for t in types}
        carry = dict.fromkeys(types, 0.0)
        for day in range(1, sp.days + 1):
            if day > 1:
                for t in types:
                    carry[t] += sp.resupply_per_day.get(t, 0.0)
                    whole = int(carry[t])
                    stock[t] += whole
                    carry[t] -= whole
            rng = streams.get(f"campaign/day/{day}")
            res = engage_day(tab, _day_counts(sp, day, rng), stock, rng)
            stock = {t: int(res["stock"].get(t, stock[t])) for t in types}
            day_cost = float(sum(cost.get(i, 0.0) * u for i, u in res["rounds"].items()))
            leak_day[r, day - 1], cost_day[r, day - 1] = res["leakers"], day_cost
            for k, t in enumerate(types):
                if stockout[r, k] < 0 and res["unmet"].get(t, 0) > 0:
                    stockout[r, k] = day
                for key, val in (
                    ("replication", r),
                    ("day", day),
                    ("interceptor_type", t),
                    ("stock", stock[t]),
                    ("rounds", res["rounds"].get(t, 0)),
                    ("unmet", res["unmet"].get(t, 0)),
                    ("leakers", res["leakers"]),
                    ("cost_usd", day_cost),
                ):
                    cols[key].append(val)
    rows = {k: np.asarray(v) for k, v in cols.items()}
    summary = _summarise(sp, types, stockout, leak_day, cost_day, n, seed)
    summary["unlimited_interceptor_types"] = sorted(fired_types - set(types))
    if out is not None:
        _write_outputs(out, rows, summary)
        (out / "engagement_table.json").write_text(tab.model_dump_json(indent=2))
    return CampaignResult(rows, summary, tab)


def _write_outputs(out: Path, rows: dict[str, np.ndarray], summary: dict[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = out / "campaign.parquet.tmp"
    pq.write_table(
        pa.table({k: (v.astype(str) if k == "interceptor_type" else v) for k, v in rows.items()}),
        tmp,
    )
    tmp.replace(out / "campaign.parquet")
    write_json(out / "campaign.json", summary)


def _campaign_full(
    sp: CampaignSpec, n: int, out_dir: str | Path | None, seed: int, **kw: Any
) -> CampaignResult:
    from amdsim.analysis.campaign_full import full_rows, run_full_campaign

    out = prepare_out_dir(out_dir) if out_dir is not None else None
    job, study = run_full_campaign(sp, n, out, seed, **kw)
    if not study.columns["replication"].size:
        first = study.failures[0] if study.failures else {}
        raise StudyInputError(
            f"every replication of the full campaign failed; replication "
            f"{first.get('replication')} (seed {first.get('seed')}): {first.get('error')}"
        )
    rows, stockout, leak_day, cost_day, value_day = full_rows(job, study)
    stocked = [t for t, _ in job.stockpile]
    n_ok = int(study.columns["replication"].size)
    summary = _summarise(sp, stocked, stockout, leak_day, cost_day, n_ok, seed)
    summary["mode"] = "full"
    for d, row in enumerate(summary["per_day"]):
        vm, _, vlo, vhi = mean_ci(value_day[:, d])
        row["value_lost"] = {"mean": vm, "ci_low": vlo, "ci_high": vhi}
    vm, _, vlo, vhi = mean_ci(value_day.sum(axis=1))
    summary["total_value_lost"] = {"mean": vm, "ci_low": vlo, "ci_high": vhi}
    summary["unlimited_interceptor_types"] = sorted(set(job.round_types) - set(stocked))
    day_runs = [study.columns.get(f"day.{d}.engine_runs") for d in range(1, sp.days + 1)]
    summary["engine_runs"] = int(sum(float(x.sum()) for x in day_runs if x is not None))
    summary["unit_cost_usd"] = dict(job.unit_cost_usd)
    summary["failures"] = [
        {k: f[k] for k in ("replication", "seed", "error")} for f in study.failures
    ]
    if out is not None:
        _write_outputs(out, rows, summary)
    return CampaignResult(rows, summary, None)


def _summarise(
    sp: CampaignSpec,
    types: list[str],
    stockout: np.ndarray,
    leak_day: np.ndarray,
    cost_day: np.ndarray,
    n: int,
    seed: int,
) -> dict[str, Any]:
    per_day = []
    for d in range(sp.days):
        lm, _, llo, lhi = mean_ci(leak_day[:, d])
        cm, _, clo, chi = mean_ci(cost_day[:, d])
        per_day.append(
            {
                "day": d + 1,
                "leakers": {"mean": lm, "ci_low": llo, "ci_high": lhi},
                "cost_usd": {"mean": cm, "ci_low": clo, "ci_high": chi},
            }
        )
    stocks = {}
    for k, t in enumerate(types):
        days = stockout[:, k]
        ran_out = days > 0
        lo, hi = wilson(int(ran_out.sum()), n)
        censored = np.where(ran_out, days, sp.days + 1)  # not run out: later than the campaign
        q10, q50, q90 = (
            float(np.quantile(censored, p, method="inverted_cdf")) for p in (0.1, 0.5, 0.9)
        )
        stocks[t] = {
            "p_runs_out": {"mean": float(ran_out.mean()), "ci_low": lo, "ci_high": hi},
            "days_to_runout_p10": q10,
            "days_to_runout_median": q50,
            "days_to_runout_p90": q90,
            "note": f"a value of {sp.days + 1} means the stock lasted the whole campaign",
            "histogram": {
                str(int(v)): int(c) for v, c in zip(*np.unique(censored, return_counts=True))
            },
        }
    tl, _, tllo, tlhi = mean_ci(leak_day.sum(axis=1))
    tc, _, tclo, tchi = mean_ci(cost_day.sum(axis=1))
    return {
        "name": sp.name,
        "days": sp.days,
        "replications": n,
        "seed": seed,
        "mode": "fast",
        "total_leakers": {"mean": tl, "ci_low": tllo, "ci_high": tlhi},
        "total_cost_usd": {"mean": tc, "ci_low": tclo, "ci_high": tchi},
        "stocks": stocks,
        "per_day": per_day,
    }
