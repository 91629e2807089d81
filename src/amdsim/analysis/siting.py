"""Battery siting as a maximal covering location problem (MCLP).

Demand points are (asset, threat axis) pairs with value ``asset value × axis weight``.
A battery of type ``b`` at candidate site ``i`` covers demand ``d`` when the intercept
points in front of the asset -- at ``standoff_m`` from it, along directions sampled across
the axis sector -- all lie in the battery's ring ``min_range_m <= r <= max_range_m``.
The problem (Church & ReVelle 1974, "The maximal covering location problem", Papers of the
Regional Science Association 32:101):

.. math::

   \\max \\sum_d v_d y_d \\quad\\text{s.t.}\\quad y_d \\le \\sum_{(i,b)\\,\\text{covers}\\,d} x_{ib},
   \\quad \\sum_i x_{ib} = k_b,\\quad \\sum_b x_{ib} \\le 1 \\text{ (one per site)},
   \\quad x \\in \\{0,1\\},\\ 0 \\le y \\le 1

is solved exactly with :func:`scipy.optimize.milp` (HiGHS). The greedy heuristic adds the
battery of largest marginal covered value; coverage is monotone submodular, so with one
battery type greedy is within ``1 - 1/e`` of the optimum (Nemhauser, Wolsey & Fisher 1978),
and with several types (a partition matroid) within ``1/2`` (Fisher, Nemhauser & Wolsey
1978). The LP relaxation gives an instance-specific upper bound reported beside both.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "BatteryType",
    "Placement",
    "SitingProblem",
    "ThreatAxis",
    "brute_force",
    "coverage_matrix",
    "solve_greedy",
    "solve_milp",
    "top_placements",
]


@dataclass(frozen=True)
class BatteryType:
    """Batteries of one system to place: how many and their engagement ring (m)."""

    system: str
    count: int
    max_range_m: float
    min_range_m: float = 0.0

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"{self.system}: count must be >= 0 (got {self.count})")
        if not 0 <= self.min_range_m < self.max_range_m:
            raise ValueError(f"{self.system}: need 0 <= min_range_m < max_range_m")


@dataclass(frozen=True)
class ThreatAxis:
    """Threats arrive from azimuth ``az_rad`` (clockwise from north, direction from the asset
    towards the attacker) ± ``half_width_rad``; intercepts happen ``standoff_m`` in front of
    the asset on that side. ``weight`` shares the asset value among axes."""

    az_rad: float
    half_width_rad: float = 0.0
    standoff_m: float = 0.0
    weight: float = 1.0


@dataclass(frozen=True)
class SitingProblem:
    """Candidate sites and assets in the local ENU plane (east, north metres)."""

    site_xy_m: np.ndarray  # (s, 2)
    asset_xy_m: np.ndarray  # (m, 2)
    asset_value: np.ndarray  # (m,)
    types: tuple[BatteryType, ...]
    axes: tuple[ThreatAxis, ...] = (ThreatAxis(0.0, math.pi),)
    one_per_site: bool = True
    site_names: tuple[str, ...] = ()
    asset_names: tuple[str, ...] = ()
    n_directions: int = 7
    asset_axes: tuple[tuple[ThreatAxis, ...], ...] | None = None
    """Per-asset axes (e.g. the direction from each asset to each launch area); when given
    they replace ``axes``."""

    def __post_init__(self) -> None:
        s = np.asarray(self.site_xy_m, float).reshape(-1, 2)
        total = sum(t.count for t in self.types)
        cap = s.shape[0] if self.one_per_site else s.shape[0] * total
        if total > cap:
            raise ValueError(f"{total} batteries to place but only {s.shape[0]} candidate sites")
        if not self.types:
            raise ValueError("no battery types to place")
        m = np.asarray(self.asset_xy_m).reshape(-1, 2).shape[0]
        if self.asset_axes is not None and len(self.asset_axes) != m:
            raise ValueError(f"asset_axes has {len(self.asset_axes)} entries for {m} assets")
        axes_all = self.asset_axes if self.asset_axes is not None else (self.axes,)
        if any(len(a) == 0 or sum(x.weight for x in a) <= 0 for a in axes_all):
            raise ValueError("every asset needs at least one threat axis with positive weight")


@dataclass(frozen=True)
class Placement:
    """A solution: chosen ``(site index, type index)`` pairs and the value they protect."""

    chosen: tuple[tuple[int, int], ...]
    objective: float
    method: str
    upper_bound: float = math.nan
    guarantee: float = math.nan
    covered: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


def _demand(problem: SitingProblem) -> tuple[np.ndarray, np.ndarray]:
    """Demand values (m*a,) and intercept points (m*a, k, 2)."""
    k = max(1, problem.n_directions)
    pts = []
    vals = []
    for j in range(problem.asset_xy_m.shape[0]):
        ax = problem.asset_axes[j] if problem.asset_axes is not None else problem.axes
        w = np.array([a.weight for a in ax], float)
        w = w / w.sum()
        for a, axis in enumerate(ax):
            offs = (
                np.linspace(-axis.half_width_rad, axis.half_width_rad, k) if k > 1 else np.zeros(1)
            )
            th = axis.az_rad + offs
            d = np.stack([np.sin(th), np.cos(th)], axis=1) * axis.standoff_m
            pts.append(problem.asset_xy_m[j] + d)
            vals.append(problem.asset_value[j] * w[a])
    return np.asarray(vals, float), np.asarray(pts, float).reshape(len(vals), k, 2)


def coverage_matrix(problem: SitingProblem) -> tuple[np.ndarray, np.ndarray]:
    """Boolean ``(s, n_types, n_demand)`` coverage and the demand values ``(n_demand,)``."""
    vals, pts = _demand(problem)
    sites = np.asarray(problem.site_xy_m, float).reshape(-1, 2)
    r = np.linalg.norm(pts[None, :, :, :] - sites[:, None, None, :], axis=-1)  # (s, d, k)
    cov = np.empty((sites.shape[0], len(problem.types), vals.size), bool)
    for b, t in enumerate(problem.types):
        cov[:, b, :] = np.all((r >= t.min_range_m) & (r <= t.max_range_m), axis=-1)
    return cov, vals


def _objective(
    cov: np.ndarray, vals: np.ndarray, chosen: tuple[tuple[int, int], ...]
) -> tuple[float, np.ndarray]:
    covered = np.zeros(vals.size, bool)
    for i, b in chosen:
        covered |= cov[i, b]
    return float(vals[covered].sum()), covered


def _milp_arrays(problem: SitingProblem, cov: np.ndarray, vals: np.ndarray) -> tuple:
    from scipy.optimize import Bounds, LinearConstraint
    from scipy.sparse import lil_matrix

    s, nb, nd = cov.shape
    nx = s * nb
    c = np.concatenate([np.zeros(nx), -vals])
    rows = nd + nb + (s if problem.one_per_site else 0)
    a = lil_matrix((rows, nx + nd))
    lo, hi = np.empty(rows), np.empty(rows)
    for d in range(nd):  # y_d - sum x_ib <= 0
        ii, bb = np.nonzero(cov[:, :, d])
        a[d, ii * nb + bb] = -1.0
        a[d, nx + d] = 1.0
        lo[d], hi[d] = -np.inf, 0.0
    for b, t in enumerate(problem.types):  # sum_i x_ib = k_b
        a[nd + b, np.arange(s) * nb + b] = 1.0
        lo[nd + b] = hi[nd + b] = t.count
    if problem.one_per_site:
        for i in range(s):
            a[nd + nb + i, i * nb + np.arange(nb)] = 1.0
            lo[nd + nb + i], hi[nd + nb + i] = 0.0, 1.0
    cons = [LinearConstraint(a.tocsr(), lo, hi)]
    return c, cons, Bounds(np.zeros(nx + nd), np.ones(nx + nd)), nx


def lp_upper_bound(problem: SitingProblem) -> float:
    """Optimum of the LP relaxation: no placement can protect more value."""
    from scipy.optimize import milp

    cov, vals = coverage_matrix(problem)
    c, cons, bounds, _ = _milp_arrays(problem, cov, vals)
    res = milp(c, constraints=cons, bounds=bounds)
    if not res.success:
        raise RuntimeError(f"LP relaxation failed: {res.message}")
    return float(-res.fun)


def solve_milp(
    problem: SitingProblem,
    exclude: tuple[tuple[tuple[int, int], ...], ...] = (),
    time_limit_s: float = 60.0,
) -> Placement | None:
    """Exact optimum (HiGHS branch and bound); ``exclude`` lists placements to cut off
    (no-good cuts), which :func:`top_placements` uses to enumerate the next best."""
    from scipy.optimize import LinearConstraint, milp

    cov, vals = coverage_matrix(problem)
    c, cons, bounds, nx = _milp_arrays(problem, cov, vals)
    nb = cov.shape[1]
    for ex in exclude:
        row = np.zeros(c.size)
        for i, b in ex:
            row[i * nb + b] = 1.0
        cons.append(LinearConstraint(row[None, :], -np.inf, len(ex) - 1))
    integrality = np.concatenate([np.ones(nx), np.zeros(c.size - nx)])
    res = milp(
        c,
        constraints=cons,
        bounds=bounds,
        integrality=integrality,
        options={"time_limit": time_limit_s},
    )
    if res.x is None:
        return None
    x = np.round(res.x[:nx]).reshape(cov.shape[0], nb)
    chosen = tuple((int(i), int(b)) for i, b in zip(*np.nonzero(x > 0.5)))
    obj, covered = _objective(cov, vals, chosen)
    gap = getattr(res, "mip_gap", 0.0) or 0.0
    return Placement(
        chosen,
        obj,
        "milp",
        upper_bound=obj * (1 + gap) if res.status == 0 else math.nan,
        guarantee=1.0 if res.status == 0 else math.nan,
        covered=covered,
    )


def top_placements(problem: SitingProblem, k: int = 3) -> list[Placement]:
    """The ``k`` best distinct placements, best first (repeated MILP with no-good cuts)."""
    out: list[Placement] = []
    for _ in range(k):
        p = solve_milp(problem, exclude=tuple(q.chosen for q in out))
        if p is None:
            break
        out.append(p)
    return out


def solve_greedy(problem: SitingProblem) -> Placement:
    """Greedy marginal covered value; reports its worst-case guarantee and the LP bound."""
    cov, vals = coverage_matrix(problem)
    s, nb, _ = cov.shape
    left = [t.count for t in problem.types]
    used_site = np.zeros(s, bool)
    covered = np.zeros(vals.size, bool)
    chosen: list[tuple[int, int]] = []
    while sum(left) > 0:
        gain = (cov & ~covered[None, None, :]).astype(float) @ vals  # (s, nb)
        gain[:, [b for b in range(nb) if left[b] == 0]] = -np.inf
        if problem.one_per_site:
            gain[used_site, :] = -np.inf
        i, b = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if not np.isfinite(gain[i, b]):
            raise ValueError("not enough candidate sites for the batteries to place")
        chosen.append((int(i), int(b)))
        left[b] -= 1
        used_site[i] = True
        covered |= cov[i, b]
    guarantee = 1 - 1 / math.e if len([t for t in problem.types if t.count > 0]) <= 1 else 0.5
    return Placement(
        tuple(chosen),
        float(vals[covered].sum()),
        "greedy",
        upper_bound=lp_upper_bound(problem),
        guarantee=guarantee,
        covered=covered,
    )


def brute_force(problem: SitingProblem) -> Placement:
    """Enumerate every placement (small instances only; used to test the solvers)."""
    cov, vals = coverage_matrix(problem)
    s = cov.shape[0]
    best: tuple[float, tuple[tuple[int, int], ...]] = (-1.0, ())

    def rec(b: int, free: frozenset[int], acc: tuple[tuple[int, int], ...]) -> None:
        nonlocal best
        if b == len(problem.types):
            obj = _objective(cov, vals, acc)[0]
            if obj > best[0]:
                best = (obj, acc)
            return
        pool = sorted(free) if problem.one_per_site else range(s)
        for combo in itertools.combinations(pool, problem.types[b].count):
            nxt = free - set(combo) if problem.one_per_site else free
            rec(b + 1, frozenset(nxt), acc + tuple((i, b) for i in combo))

    rec(0, frozenset(range(s)), ())
    obj, covered = _objective(cov, vals, best[1])
    return Placement(best[1], obj, "brute-force", upper_bound=obj, guarantee=1.0, covered=covered)
