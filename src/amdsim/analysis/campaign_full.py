"""Full campaign mode: every day of every replication is flown by the engine.

Day ``d`` of replication ``r`` (replication seed :math:`s_r` =
:func:`~amdsim.analysis.montecarlo.replication_seed` ``(study seed, r)``):

1. the day's threat count per type comes from the salvos, drawn from stream
   ``campaign/day/{d}`` of ``RngStreams(s_r)``: the same draws as fast mode, so both modes
   see the same attack in replication ``r``;
2. the base scenario's raids of each type are rescaled so that the type's total equals the
   day's count (:func:`split_whole`: largest remainder in proportion to the raids' own
   counts; a raid given none is dropped, explicit ``times_s`` are resampled over the same
   span); raids of a type no salvo names are dropped;
3. every battery whose round type (the interceptor of a missile system, the system name of
   a gun or laser) has a ``stockpile`` gets a share of the remaining stock
   (:func:`battery_magazines`); other batteries keep their catalog magazine (unlimited
   across days, as in fast mode);
4. the engine runs the day with the seed of stream ``campaign/engine/day/{d}``;
5. rounds per type are counted from the ``interceptor_launch`` events (battery id -> round
   type), leakers and value lost from the ``leak`` events, cost = rounds x unit cost;
6. the rounds fired leave the stock; the next day starts with the resupply.

Seeds depend only on the study seed, the replication and the day, so results do not depend
on the number or kind of workers. A day without threats is not run (nothing would fire).
A stock "runs out" on the first day it is empty at the end of a day with threats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.analysis._worker import RunFn
from amdsim.analysis.montecarlo import StudyInputError, StudyResult, resolve_scenario

__all__ = [
    "FullCampaignJob",
    "battery_magazines",
    "battery_round_types",
    "day_scenario",
    "engine_seed",
    "full_campaign_job",
    "run_full_replication",
    "split_whole",
]


def split_whole(total: int, weights: list[float]) -> list[int]:
    """``total`` split in whole parts proportional to ``weights`` (Hamilton's largest
    remainder method; ties go to the earlier entry). Sums to ``total`` exactly."""
    total = int(total)
    w = np.asarray(weights, float)
    if w.size == 0:
        return []
    if total <= 0 or w.sum() <= 0:
        return [0] * w.size
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    left = total - int(base.sum())
    order = sorted(range(w.size), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:left]:
        base[i] += 1
    return [int(x) for x in base]


def engine_seed(replication_seed: int, day: int) -> int:
    """Engine seed of day ``day`` (63 bits, as :func:`replication_seed`)."""
    from amdsim.core.rng import RngStreams

    ss = RngStreams(replication_seed).seed_sequence(f"campaign/engine/day/{int(day)}")
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def _round_type(system: Any, name: str) -> str:
    return str(system.interceptor) if system.kind == "missile" and system.interceptor else name


def battery_round_types(scenario: Any) -> list[str]:
    """Round type of each battery of ``scenario`` (scenario order)."""
    systems = scenario.catalog_resolved.systems
    return [_round_type(systems[b.system], b.system) for b in scenario.batteries]


def _nominal(b: Any, s: Any) -> tuple[int, int, int]:
    """(launchers, rounds per launcher, nominal magazine) of battery ``b`` of system ``s``;
    the default spare stock is one full reload, as in
    :func:`amdsim.interceptors.battery.build_batteries`."""
    launchers = int(b.launchers if b.launchers is not None else s.launchers)
    rpl = int(s.rounds_per_launcher)
    spare = int(b.inventory if b.inventory is not None else launchers * rpl)
    return launchers, rpl, launchers * rpl + spare


def battery_magazines(scenario: Any, stock: Mapping[str, int]) -> list[int | None]:
    """Rounds each battery holds for the day: the remaining stock of its round type split
    with :func:`split_whole` in proportion to the batteries' nominal magazines (launchers x
    rounds per launcher + spare rounds); ``None`` for a round type without a stockpile."""
    systems = scenario.catalog_resolved.systems
    types = battery_round_types(scenario)
    out: list[int | None] = [None] * len(types)
    for t in sorted(set(types) & set(stock)):
        idx = [i for i, x in enumerate(types) if x == t]
        w = [_nominal(scenario.batteries[i], systems[scenario.batteries[i].system])[2] for i in idx]
        for i, share in zip(idx, split_whole(int(stock[t]), [max(x, 1) for x in w])):
            out[i] = share
    return out


def _resample_times(times: list[float], k: int) -> list[float]:
    src = np.sort(np.asarray(times, float))
    if k == 1 or src.size == 1:
        return [float(src[0])] * k
    return [float(x) for x in np.interp(np.linspace(0, 1, k), np.linspace(0, 1, src.size), src)]


def day_scenario(
    base: Any, counts: Mapping[str, int], stock: Mapping[str, int]
) -> tuple[Any, list[str]] | None:
    """The base scenario with the day's threat ``counts`` and magazines from ``stock``, and
    the round type of each of its batteries; ``None`` when the day has no threats.

    A battery's share ``S`` of its type's stock (rounds per launcher ``r``, ``L``
    launchers): ``S = 0`` drops the battery for the day; ``S >= L r`` loads all ``L``
    launchers and keeps ``S - L r`` spare; ``r <= S < L r`` loads ``floor(S / r)``
    launchers and keeps ``S mod r`` spare; ``0 < S < r`` loads one launcher with ``S``
    rounds (a copy of the system, named ``"<system>@<S>"``, with ``rounds_per_launcher =
    S``). In every case the battery can fire exactly ``S`` rounds that day.
    """
    data = base.model_dump()
    raids = []
    for t, want in counts.items():
        idx = [i for i, r in enumerate(base.raids) if r.threat == t]
        if want > 0 and not idx:
            raise StudyInputError(f"the scenario has no raid of threat type {t!r}")
        for i, k in zip(idx, split_whole(want, [base.raids[i].count for i in idx])):
            if k <= 0:
                continue
            raid = dict(data["raids"][i], count=k)
            times = raid["schedule"].get("times_s")
            if times is not None:
                raid["schedule"] = dict(raid["schedule"], times_s=_resample_times(times, k))
            raids.append((i, raid))
    if not raids:
        return None
    data["raids"] = [r for _, r in sorted(raids, key=lambda x: x[0])]
    systems = base.catalog_resolved.systems
    types_all = battery_round_types(base)
    mags = battery_magazines(base, stock)
    batteries, types = [], []
    clones: dict[str, dict[str, Any]] = {}
    for b, row, t, s_b in zip(base.batteries, data["batteries"], types_all, mags):
        if s_b is None:
            batteries.append(row)
            types.append(t)
            continue
        if s_b <= 0:
            continue
        sys = systems[b.system]
        launchers, rpl, _ = _nominal(b, sys)
        if s_b >= launchers * rpl:
            row = dict(row, launchers=launchers, inventory=s_b - launchers * rpl)
        elif s_b >= rpl:
            row = dict(row, launchers=s_b // rpl, inventory=s_b % rpl)
        else:
            name = f"{b.system}@{s_b}"
            clone = sys.model_dump(exclude={"provenance"})
            clones[name] = dict(clone, rounds_per_launcher=s_b, launchers=1)
            row = dict(row, system=name, launchers=1, inventory=0)
        batteries.append(row)
        types.append(t)
    data["batteries"] = batteries
    if clones:
        data["catalog"] = dict(data["catalog"])
        data["catalog"]["systems"] = {**data["catalog"].get("systems", {}), **clones}
    return type(base).model_validate(data), types


def unit_costs(scenario: Any, override: Mapping[str, float]) -> dict[str, float]:
    """USD per round of each round type the scenario's batteries fire: ``override`` first,
    else the catalog (interceptor ``unit_cost_usd``; gun / laser ``round_cost_usd`` x rounds
    per burst, as :func:`amdsim.interceptors.battery.build_batteries` prices them)."""
    cat = scenario.catalog_resolved
    out: dict[str, float] = {}
    for b in scenario.batteries:
        s = cat.systems[b.system]
        t = _round_type(s, b.system)
        if t in override:
            out[t] = float(override[t])
        elif s.kind == "missile" and s.interceptor:
            out[t] = float(cat.interceptors[s.interceptor].unit_cost_usd or 0.0)
        else:
            out[t] = float((s.round_cost_usd or 0.0) * (s.rounds_per_burst or 1))
    return out


@dataclass(frozen=True)
class FullCampaignJob:
    """What a worker needs to play one replication (picklable; its ``repr`` identifies the
    study in the checkpoint, so the engine is named by ``engine_name``, not its address)."""

    scenario: Any
    days: int
    salvos: tuple[Any, ...]
    stockpile: tuple[tuple[str, int], ...]
    resupply_per_day: tuple[tuple[str, float], ...]
    unit_cost_usd: tuple[tuple[str, float], ...]
    round_types: tuple[str, ...]
    engine_name: str
    engine: RunFn = field(repr=False, compare=False)


def full_campaign_job(
    spec: Any, scenario: Any = None, engine: RunFn | None = None
) -> FullCampaignJob:
    """Build and check the job of ``spec`` before any work starts (salvo types present in
    the scenario, stockpiled types fired by some battery, the largest day fits in memory).
    Raises :class:`StudyInputError`."""
    if engine is None:
        from amdsim.simulation.engine import run

        engine = run
    src = scenario if scenario is not None else spec.scenario
    if src is None:
        raise StudyInputError("mode: full needs the `scenario` the days are flown on")
    scen = resolve_scenario(src)
    if not hasattr(scen, "raids") or not hasattr(scen, "catalog_resolved"):
        raise StudyInputError("mode: full needs an amdsim scenario (YAML file or preset)")
    raid_types = sorted({r.threat for r in scen.raids})
    missing = sorted({s.threat for s in spec.salvos} - set(raid_types))
    if missing:
        raise StudyInputError(
            f"salvos name threat type(s) {missing} but the scenario {spec.scenario!r} has no "
            f"raid of them (its raids: {raid_types}); full mode rescales the scenario's raids"
        )
    types = battery_round_types(scen)
    unused = sorted(set(spec.stockpile) - set(types))
    if unused:
        raise StudyInputError(
            f"stockpile names round type(s) {unused} that no battery of the scenario fires "
            f"(its batteries fire {sorted(set(types))})"
        )
    peak: dict[str, int] = {}
    for s in spec.salvos:
        mean = float(s.per_day)
        peak[s.threat] = peak.get(s.threat, 0) + (
            math.ceil(mean + 5 * math.sqrt(mean)) if s.poisson else round(mean)
        )
    built = day_scenario(scen, peak, {t: int(v) for t, v in spec.stockpile.items()})
    if built is not None:
        from amdsim.simulation.budget import check_memory

        check_memory(built[0])
    return FullCampaignJob(
        scenario=scen,
        days=int(spec.days),
        salvos=tuple(spec.salvos),
        stockpile=tuple(sorted((t, int(v)) for t, v in spec.stockpile.items())),
        resupply_per_day=tuple(sorted(spec.resupply_per_day.items())),
        unit_cost_usd=tuple(sorted(unit_costs(scen, spec.unit_cost_usd).items())),
        round_types=tuple(sorted(set(types))),
        engine_name=f"{getattr(engine, '__module__', '?')}.{getattr(engine, '__qualname__', '?')}",
        engine=engine,
    )


def active_days(spec: Any) -> int:
    """Days on which some salvo may launch threats (upper bound of engine runs per
    replication: a day whose draws come to zero threats is skipped)."""
    days = 0
    for d in range(1, spec.days + 1):
        for s in spec.salvos:
            last = s.last_day if s.last_day is not None else spec.days
            if s.first_day <= d <= last and ((s.poisson and s.per_day > 0) or round(s.per_day) > 0):
                days += 1
                break
    return days


def _play(job: FullCampaignJob, scen: Any, types: list[str], seed: int) -> dict[str, Any]:
    res = job.engine(scen, seed)
    ev = res.events
    kind = np.asarray(ev.kind)
    launch = kind == "interceptor_launch"
    leak = kind == "leak"
    bat = np.asarray(ev.battery_id)[launch].astype(np.int64)
    rounds: dict[str, int] = {}
    for b in bat.tolist():
        rounds[types[b]] = rounds.get(types[b], 0) + 1
    return {
        "rounds": rounds,
        "leakers": int(np.count_nonzero(leak)),
        "value_lost": float(np.nansum(np.asarray(ev.value, float)[leak])),
        "launched": int(np.count_nonzero(kind == "launch")),
        "intercepts": int(np.count_nonzero(kind == "intercept")),
    }


def run_full_replication(job: FullCampaignJob, seed: int) -> dict[str, float]:
    """One replication (worker task, ``run_fn`` of a study): metrics ``day.D.leakers``,
    ``day.D.value_lost``, ``day.D.cost_usd``, ``day.D.launched``, ``day.D.engine_runs``,
    ``day.D.rounds.T``, ``day.D.stock.T`` (end of day) per round type, ``stockout.T`` (day
    the stock ran out, 0 = never) and totals ``leakers``, ``value_lost``, ``cost_usd``."""
    from amdsim.analysis.campaign import day_counts
    from amdsim.core.rng import RngStreams

    streams = RngStreams(seed)
    stocked = dict(job.stockpile)
    stock = dict(stocked)
    carry = dict.fromkeys(stock, 0.0)
    resupply = dict(job.resupply_per_day)
    cost = dict(job.unit_cost_usd)
    out: dict[str, float] = {f"stockout.{t}": 0.0 for t in stock}
    totals = {"leakers": 0.0, "value_lost": 0.0, "cost_usd": 0.0}
    for day in range(1, job.days + 1):
        if day > 1:
            for t in stock:
                carry[t] += resupply.get(t, 0.0)
                whole = int(carry[t])
                stock[t] += whole
                carry[t] -= whole
        counts = day_counts(job.salvos, job.days, day, streams.get(f"campaign/day/{day}"))
        built = day_scenario(job.scenario, counts, stock)
        if built is None:
            res: dict[str, Any] = {"rounds": {}, "leakers": 0, "value_lost": 0.0, "launched": 0}
        else:
            res = _play(job, built[0], built[1], engine_seed(seed, day))
        for t, used in res["rounds"].items():
            if t in stock:
                if used > stock[t]:
                    raise RuntimeError(
                        f"day {day}: the engine fired {used} {t} rounds, the stock held {stock[t]}"
                    )
                stock[t] -= used
        day_cost = float(sum(cost.get(t, 0.0) * u for t, u in res["rounds"].items()))
        p = f"day.{day}."
        out[p + "leakers"] = float(res["leakers"])
        out[p + "value_lost"] = float(res["value_lost"])
        out[p + "cost_usd"] = day_cost
        out[p + "launched"] = float(res["launched"])
        out[p + "engine_runs"] = float(built is not None)
        for t in job.round_types:
            out[f"{p}rounds.{t}"] = float(res["rounds"].get(t, 0))
        for t in stock:
            out[f"{p}stock.{t}"] = float(stock[t])
            if stock[t] <= 0 and built is not None and out[f"stockout.{t}"] == 0:
                out[f"stockout.{t}"] = float(day)
        totals["leakers"] += res["leakers"]
        totals["value_lost"] += res["value_lost"]
        totals["cost_usd"] += day_cost
    out.update(totals)
    return out


def full_rows(
    job: FullCampaignJob, study: StudyResult
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From the study of :func:`run_full_replication`: the per (replication, day, type)
    rows of ``campaign.parquet`` and the arrays ``stockout (n, types)``, ``leak_day``,
    ``cost_day`` and ``value_day`` ``(n, days)`` (successful replications only)."""
    c = study.columns
    reps = c["replication"].astype(np.int64)
    n = reps.size
    stocked = [t for t, _ in job.stockpile]
    days = job.days

    def col(key: str) -> np.ndarray:
        return np.asarray(c.get(key, np.zeros(n)), float)

    leak_day = np.stack([col(f"day.{d}.leakers") for d in range(1, days + 1)], axis=1)
    cost_day = np.stack([col(f"day.{d}.cost_usd") for d in range(1, days + 1)], axis=1)
    value_day = np.stack([col(f"day.{d}.value_lost") for d in range(1, days + 1)], axis=1)
    stockout = np.stack([col(f"stockout.{t}") for t in stocked], axis=1).astype(np.int64)
    stockout = np.where(stockout > 0, stockout, -1) if stocked else np.zeros((n, 0), np.int64)
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "replication", "day", "interceptor_type", "stock", "rounds", "unmet", "leakers",
            "cost_usd", "value_lost",
        )
    }  # fmt: skip
    for i in range(n):
        for d in range(1, days + 1):
            for k, t in enumerate(stocked):
                st = int(col(f"day.{d}.stock.{t}")[i])
                for key, val in (
                    ("replication", int(reps[i])),
                    ("day", d),
                    ("interceptor_type", t),
                    ("stock", st),
                    ("rounds", int(col(f"day.{d}.rounds.{t}")[i])),
                    ("unmet", int(0 < stockout[i, k] <= d)),
                    ("leakers", int(leak_day[i, d - 1])),
                    ("cost_usd", float(cost_day[i, d - 1])),
                    ("value_lost", float(value_day[i, d - 1])),
                ):
                    cols[key].append(val)
    rows = {k: np.asarray(v) for k, v in cols.items()}
    return rows, stockout, leak_day, cost_day, value_day


def run_full_campaign(
    spec: Any,
    n: int,
    out: Path | None,
    seed: int,
    workers: int | None = None,
    cluster: str | None = None,
    run_fn: RunFn | None = None,
    progress: bool = True,
    scenario: Any = None,
) -> tuple[FullCampaignJob, StudyResult]:
    """Check the job, then run ``n`` replications through the study machinery (executors,
    checkpoint ``out/runs/journal.jsonl``, resume). ``run_fn`` replaces the engine."""
    from amdsim.analysis.executors import open_executor
    from amdsim.analysis.montecarlo import prepare_out_dir, run_study

    job = full_campaign_job(spec, scenario, run_fn)
    runs = n * active_days(spec)
    if runs > spec.max_engine_runs:
        raise StudyInputError(
            f"mode: full implies up to {runs:,} engine runs ({n} replications x "
            f"{active_days(spec)} days with threats), more than max_engine_runs = "
            f"{spec.max_engine_runs:,}; raise max_engine_runs, use fewer replications or "
            "days, or mode: fast"
        )
    sub = prepare_out_dir(out / "runs") if out is not None else None
    mod = getattr(job.engine, "__module__", None)
    preload = ("amdsim.analysis.campaign_full", *((mod,) if mod and mod != "__main__" else ()))
    with open_executor(workers, cluster, preload=preload) as (ex, nw):
        study = run_study(
            job, n, seed, run_full_replication, ex, nw, sub, progress, label="campaign (full)"
        )
    return job, study
