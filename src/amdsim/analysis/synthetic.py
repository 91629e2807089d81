"""Small synthetic "run functions" with a known answer.

They have the signature of :func:`amdsim.simulation.run` (``run_fn(scenario, seed)``) and
return a metrics mapping, so every study of this package (Monte Carlo, comparison,
campaign tables, sensitivity) can be tested and benchmarked against closed-form results
without the full engine. They are module-level and picklable, so they also run in worker
processes and on a Dask cluster.

:class:`SyntheticRaid` is the "scenario": ``n_threats`` threats, each endangering a
defended asset with probability ``p_endanger``; an endangering threat is engaged with
probability ``p_engage`` by shoot-look-shoot with up to ``max_shots`` rounds, each killing
with probability ``pk``; an endangering threat that is not killed leaks. The leak
probability per threat is therefore

.. math:: p_{leak} = \\lambda\\,[1 - q\\,(1 - (1 - p_k)^m)]

and the expected rounds per threat :math:`\\lambda q (1 - (1-p_k)^m)/p_k`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amdsim.core.rng import RngStreams

__all__ = ["SyntheticRaid", "expected_leak_probability", "synthetic_run"]


@dataclass(frozen=True)
class SyntheticRaid:
    """Parameters of the synthetic known-answer model (see the module docstring).

    ``catalog`` mirrors a scenario's ``catalog:`` overrides so sensitivity sweeps can set
    ``catalog.systems.<name>.pk``-style paths; when present, ``systems.synthetic.pk`` and
    ``threats.synthetic.p_endanger`` override the fields.
    """

    n_threats: int = 20
    p_endanger: float = 0.8
    p_engage: float = 0.9
    pk: float = 0.7
    max_shots: int = 2
    value_per_leak: float = 10.0
    cost_per_round_usd: float = 50_000.0
    threat_cost_usd: float = 800.0
    threat_type: str = "synthetic"
    interceptor_type: str = "tamir"
    sleep_s: float = 0.0
    busy_s: float = 0.0
    fail_seeds: tuple[int, ...] = ()
    exit_seeds: tuple[int, ...] = ()
    exit_marker: str = ""
    catalog: dict = field(default_factory=dict)

    def raid_signature(self) -> tuple[tuple[str, int], ...]:
        """Threat type and count of the raid (what :func:`compare` checks for a match)."""
        return ((self.threat_type, self.n_threats),)

    def effective(self) -> tuple[float, float, float]:
        """``(p_endanger, p_engage, pk)`` after catalog overrides."""
        sysd = self.catalog.get("systems", {}).get("synthetic", {})
        thr = self.catalog.get("threats", {}).get("synthetic", {})
        return (
            float(thr.get("p_endanger", self.p_endanger)),
            float(sysd.get("p_engage", self.p_engage)),
            float(sysd.get("pk", self.pk)),
        )


def expected_leak_probability(s: SyntheticRaid) -> float:
    """Closed-form leak probability per threat of :class:`SyntheticRaid`."""
    lam, q, pk = s.effective()
    return lam * (1.0 - q * (1.0 - (1.0 - pk) ** s.max_shots))


def _burn_cpu(seconds: float, seed: int) -> None:
    """Busy CPU work (small dense solves) for about ``seconds``, to stand in for an engine
    run in scaling benchmarks; draws from its own stream, so results are unaffected."""
    rng = RngStreams(seed).get("synthetic/busy")
    a = rng.random((64, 64)) + 64 * np.eye(64)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        np.linalg.solve(a, rng.random(64))


def synthetic_run(scenario: SyntheticRaid, seed: int) -> dict[str, float]:
    """One replication of the synthetic model; draws only from ``RngStreams(seed)``.

    Returns the metric names of :meth:`amdsim.simulation.result.RunResult.metrics`.
    Raises ``RuntimeError`` for seeds listed in ``fail_seeds`` and ends the process for
    seeds in ``exit_seeds`` (once only when ``exit_marker`` names a file to create), to
    test failure handling.
    """
    if seed in scenario.fail_seeds:
        raise RuntimeError(f"synthetic failure for seed {seed}")
    if seed in scenario.exit_seeds and not (
        scenario.exit_marker and os.path.exists(scenario.exit_marker)
    ):
        # a worker process dying (use with worker processes only); once, if a marker is set
        if scenario.exit_marker:
            open(scenario.exit_marker, "w").close()
        os._exit(3)
    if scenario.sleep_s > 0:
        time.sleep(scenario.sleep_s)
    if scenario.busy_s > 0:
        _burn_cpu(scenario.busy_s, seed)
    lam, q, pk = scenario.effective()
    streams = RngStreams(seed)
    n = scenario.n_threats
    endanger = streams.get("threats").random(n) < lam
    engaged = endanger & (streams.get("battle").random(n) < q)
    shots_u = streams.get("kill").random((n, scenario.max_shots)) < pk
    killed_at = np.where(shots_u.any(axis=1), np.argmax(shots_u, axis=1), -1)
    killed = engaged & (killed_at >= 0)
    rounds = np.where(engaged, np.where(killed, killed_at + 1, scenario.max_shots), 0)
    leak = endanger & ~killed
    used = float(rounds.sum())
    n_kill = float(killed.sum())
    cost = used * scenario.cost_per_round_usd
    threat_cost = n * scenario.threat_cost_usd
    return {
        "launched": float(n),
        "leakers": float(leak.sum()),
        "impacts": float(n),
        "value_lost": float(leak.sum()) * scenario.value_per_leak,
        "intercepts": n_kill,
        f"interceptors_used.{scenario.interceptor_type}": used,
        "cost_usd": cost,
        "cost_exchange_ratio": cost / threat_cost if threat_cost > 0 else float("nan"),
        "rounds_per_kill": used / n_kill if n_kill > 0 else float("nan"),
        f"leakers_by_type.{scenario.threat_type}": float(leak.sum()),
        f"launched_by_type.{scenario.threat_type}": float(n),
        f"intercepts_by_type.{scenario.threat_type}": n_kill,
        "any_leak": float(leak.any()),
    }


COVER_RADIUS_M = 8_000.0
""":func:`coverage_run`: a battery protects an asset whose centre is within this range."""
COVER_PK = 0.8
""":func:`coverage_run`: kill probability of a threat aimed at a protected asset."""


def coverage_run(scenario: Any, seed: int) -> dict[str, float]:
    """Known-answer stand-in for the engine on a real :class:`~amdsim.scenario.Scenario`.

    Each threat of a raid aimed at an asset is killed with probability :data:`COVER_PK` if
    any battery lies within :data:`COVER_RADIUS_M` of the asset centre, and otherwise
    leaks, losing the asset's value; threats aimed at open ground never leak. Each threat
    aimed at a protected asset costs one round (``interceptors_used.coverage``, USD 50,000
    each: an ASSUMPTION for the test, not a catalog figure). Used to test
    siting verification and scenario plumbing without the full engine.
    """
    from amdsim.scenario import build_areas

    frame = scenario.frame()
    areas = build_areas(scenario, frame)
    names = [str(x) for x in areas.names]
    bat = np.array(
        [frame.geodetic_to_enu(b.lat_deg, b.lon_deg, 0.0).ravel()[:2] for b in scenario.batteries]
    )
    rng = RngStreams(seed).get("kill")
    by_type: dict[str, dict[str, float]] = {}
    value_lost = rounds = 0.0
    for raid in scenario.raids:
        t = by_type.setdefault(raid.threat, {"launched": 0.0, "leakers": 0.0, "intercepts": 0.0})
        t["launched"] += raid.count
        draws = rng.random(raid.count)
        if raid.target.asset is None:
            continue
        j = names.index(raid.target.asset)
        dist = np.linalg.norm(bat - areas.center_m[j], axis=1) if bat.size else np.zeros(0)
        covered = bool(np.any(dist <= COVER_RADIUS_M))
        k = int(np.count_nonzero(draws < COVER_PK)) if covered else 0
        rounds += raid.count if covered else 0
        t["intercepts"] += k
        t["leakers"] += raid.count - k
        value_lost += (raid.count - k) * float(areas.value[j])
    out = {
        m: float(sum(t[m] for t in by_type.values())) for m in ("launched", "leakers", "intercepts")
    }
    out |= {
        "value_lost": value_lost,
        "interceptors_used.coverage": rounds,
        "cost_usd": rounds * 50_000.0,
    }
    for name, t in by_type.items():
        out |= {f"{m}_by_type.{name}": v for m, v in t.items()}
    return out
