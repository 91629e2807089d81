"""``amdsim site FILE``: build the covering problem from a siting spec and its scenario,
solve it, and verify the best few placements by Monte Carlo with common random numbers.

A siting spec (YAML)::

    scenario: preset:default          # template: origin, assets, raids, catalog, fixed defences
    candidate_sites:
      - {name: Hill 1, lat_deg: 31.52, lon_deg: 34.60}
    batteries:
      - {system: iron_dome, count: 2}   # ranges from the catalog unless given
    threat_axes: null                 # default: from every asset to every raid launch area
    standoff_m: 2000                  # intercepts this far in front of the asset
    keep_existing: true               # keep the template's own batteries when verifying
    top: 3                            # placements verified by Monte Carlo
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from amdsim.analysis.compare import paired_table
from amdsim.analysis.executors import open_executor
from amdsim.analysis.montecarlo import (
    RunFn,
    StudyInputError,
    _default_run_fn,
    _preload_of,
    check_n,
    prepare_out_dir,
    resolve_scenario,
    run_study,
    write_json,
)
from amdsim.analysis.overrides import portable, with_overrides
from amdsim.analysis.siting import (
    BatteryType,
    Placement,
    SitingProblem,
    ThreatAxis,
    solve_greedy,
    top_placements,
)

__all__ = [
    "SitingSpec",
    "load_siting_spec",
    "placement_scenario",
    "problem_from_scenario",
    "run_siting",
]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSpec(_M):
    name: str
    lat_deg: Annotated[float, Field(ge=-90, le=90)]
    lon_deg: Annotated[float, Field(ge=-180, le=180)]
    alt_m: float = 0.0


class BatterySpec(_M):
    system: str
    count: Annotated[int, Field(ge=1)]
    max_range_m: Annotated[float, Field(gt=0)] | None = None
    min_range_m: Annotated[float, Field(ge=0)] | None = None
    with_radar: bool = True


class AxisSpec(_M):
    az_deg: float
    half_width_deg: Annotated[float, Field(ge=0, le=180)] = 0.0
    standoff_m: Annotated[float, Field(ge=0)] = 0.0
    weight: Annotated[float, Field(gt=0)] = 1.0


class SitingSpec(_M):
    """The siting question (see the module docstring)."""

    scenario: str
    candidate_sites: Annotated[list[SiteSpec], Field(min_length=1)]
    batteries: Annotated[list[BatterySpec], Field(min_length=1)]
    threat_axes: list[AxisSpec] | None = None
    standoff_m: Annotated[float, Field(ge=0)] = 0.0
    sector_half_width_deg: Annotated[float, Field(ge=0, le=180)] = 10.0
    one_per_site: bool = True
    keep_existing: bool = True
    top: Annotated[int, Field(ge=1, le=20)] = 3


def load_siting_spec(path: str | Path) -> SitingSpec:
    """Read a siting spec; a relative ``scenario`` path is taken relative to the spec file."""
    from ruamel.yaml import YAML

    p = Path(path)
    try:
        data = YAML(typ="safe").load(p.read_text())
    except OSError as exc:
        raise StudyInputError(f"{p}: cannot read siting spec: {exc}") from exc
    try:
        spec = SitingSpec.model_validate(data)
    except ValueError as exc:
        raise StudyInputError(f"{p}: {exc}") from exc
    if not spec.scenario.startswith("preset:") and not Path(spec.scenario).is_absolute():
        spec = spec.model_copy(update={"scenario": str(p.parent / spec.scenario)})
    return spec


def _az(dx: float, dy: float) -> float:
    return math.atan2(dx, dy)  # clockwise from north


def problem_from_scenario(spec: SitingSpec, scenario: Any) -> SitingProblem:
    """The covering problem: assets (centres, values) and threat axes from the scenario,
    ranges from its resolved catalog unless the spec gives them."""
    from amdsim.scenario import build_areas

    frame = scenario.frame()
    areas = build_areas(scenario, frame)
    if len(areas) == 0:
        raise StudyInputError("the scenario has no defended assets to protect")
    sites = np.array(
        [
            frame.geodetic_to_enu(s.lat_deg, s.lon_deg, s.alt_m).ravel()[:2]
            for s in spec.candidate_sites
        ]
    )
    systems = scenario.catalog_resolved.systems
    types = []
    for b in spec.batteries:
        sysd = systems.get(b.system)
        hi = b.max_range_m if b.max_range_m is not None else getattr(sysd, "max_range_m", None)
        lo = b.min_range_m if b.min_range_m is not None else getattr(sysd, "min_range_m", 0.0)
        if hi is None:
            raise StudyInputError(
                f"{b.system}: no max_range_m (not in the catalog systems {sorted(systems)}); give it in the spec"
            )
        types.append(BatteryType(b.system, b.count, float(hi), float(lo or 0.0)))
    centre = np.asarray(areas.center_m, float)
    hw = math.radians(spec.sector_half_width_deg)
    if spec.threat_axes:
        axes = tuple(
            ThreatAxis(
                math.radians(a.az_deg), math.radians(a.half_width_deg), a.standoff_m, a.weight
            )
            for a in spec.threat_axes
        )
        asset_axes = None
    else:
        launches = [
            (frame.geodetic_to_enu(r.launch.lat_deg, r.launch.lon_deg, 0.0).ravel()[:2], r.count)
            for r in scenario.raids
        ]
        if not launches:
            raise StudyInputError(
                "no threat_axes given and the scenario has no raids to derive them from"
            )
        axes = (ThreatAxis(0.0, math.pi),)
        asset_axes = tuple(
            tuple(
                ThreatAxis(_az(*(xy - centre[j])), hw, spec.standoff_m, float(c))
                for xy, c in launches
            )
            for j in range(len(areas))
        )
    try:
        return SitingProblem(
            sites,
            centre,
            np.asarray(areas.value, float),
            tuple(types),
            axes,
            spec.one_per_site,
            tuple(s.name for s in spec.candidate_sites),
            tuple(str(n) for n in areas.names),
            asset_axes=asset_axes,
        )
    except ValueError as exc:
        raise StudyInputError(str(exc)) from exc


def _placed(
    spec: SitingSpec, problem: SitingProblem, p: Placement, frame: Any
) -> list[dict[str, Any]]:
    out = []
    for i, b in p.chosen:
        site, t = spec.candidate_sites[i], problem.types[b]
        xy = problem.site_xy_m[i]
        out.append(
            {
                "name": f"{t.system} @ {site.name}",
                "system": t.system,
                "site": site.name,
                "lat_deg": site.lat_deg,
                "lon_deg": site.lon_deg,
                "alt_m": site.alt_m,
                "x_m": float(xy[0]),
                "y_m": float(xy[1]),
                "max_range_m": t.max_range_m,
                "min_range_m": t.min_range_m,
            }
        )
    return out


def placement_scenario(spec: SitingSpec, scenario: Any, placed: Sequence[dict[str, Any]]) -> Any:
    """The template scenario with the placed batteries (and a co-located radar of the
    system's catalog radar type facing the mean launch direction, unless ``with_radar`` is off)."""
    frame = scenario.frame()
    data = scenario.model_dump()
    batteries = list(data["batteries"]) if spec.keep_existing else []
    radars = list(data["radars"])
    launch_xy = [
        frame.geodetic_to_enu(r.launch.lat_deg, r.launch.lon_deg, 0.0).ravel()[:2]
        for r in scenario.raids
    ]
    mean_launch = np.mean(launch_xy, axis=0) if launch_xy else None
    systems = scenario.catalog_resolved.systems
    radar_of = {b.system: b.with_radar for b in spec.batteries}
    for k, p in enumerate(placed):
        bat: dict[str, Any] = {
            "name": f"sited {k + 1}: {p['name']}",
            "system": p["system"],
            "lat_deg": p["lat_deg"],
            "lon_deg": p["lon_deg"],
            "alt_m": p["alt_m"],
        }
        rtype = getattr(systems.get(p["system"]), "radar", None)
        if radar_of.get(p["system"], True) and rtype:
            rname = f"sited radar {k + 1}"
            az = (
                0.0
                if mean_launch is None
                else _az(mean_launch[0] - p["x_m"], mean_launch[1] - p["y_m"])
            )
            radars.append(
                {
                    "name": rname,
                    "type": rtype,
                    "lat_deg": p["lat_deg"],
                    "lon_deg": p["lon_deg"],
                    "alt_m": p["alt_m"],
                    "boresight_az_rad": az,
                }
            )
            bat["radars"] = [rname]
        batteries.append(bat)
    return with_overrides(scenario, {"batteries": batteries, "radars": radars})


def run_siting(
    spec: SitingSpec | str | Path,
    out_dir: str | Path | None = None,
    n: int = 0,
    workers: int | None = None,
    cluster: str | None = None,
    seed: int = 0,
    run_fn: RunFn | None = None,
    progress: bool = True,
    metric: str = "value_lost",
) -> dict[str, Any]:
    """Solve the siting spec; with ``n > 0`` verify the ``top`` placements by Monte Carlo
    (common random numbers) and rank them by ``metric`` (lower is better). Writes and
    returns the content of ``siting.json``."""
    sp = load_siting_spec(spec) if isinstance(spec, (str, Path)) else spec
    if n:
        check_n(n)
    out = prepare_out_dir(out_dir) if out_dir is not None else None
    scen = resolve_scenario(sp.scenario)
    problem = problem_from_scenario(sp, scen)
    frame = scen.frame()
    tops = top_placements(problem, sp.top)
    if not tops:
        raise StudyInputError("the covering MILP found no feasible placement")
    greedy = solve_greedy(problem)
    best = tops[0]
    areas_out = _assets_json(scen, frame)
    result: dict[str, Any] = {
        "method": "milp",
        "objective": {"value": best.objective, "unit": "value protected"},
        "total_value": {"value": float(sum(a["value"] for a in areas_out)), "unit": "value"},
        "lp_upper_bound": {"value": greedy.upper_bound, "unit": "value protected"},
        "greedy_objective": {"value": greedy.objective, "unit": "value protected"},
        "greedy_guarantee": {"value": greedy.guarantee, "unit": "fraction of optimum"},
        "placements": _placed(sp, problem, best, frame),
        "alternatives": [
            {"rank": r + 1, "objective": p.objective, "placements": _placed(sp, problem, p, frame)}
            for r, p in enumerate(tops)
        ],
        "origin": {
            "lat_deg": scen.origin.lat_deg,
            "lon_deg": scen.origin.lon_deg,
            "alt_m": scen.origin.alt_m,
        },
        "assets": areas_out,
    }
    if n:
        result["verification"] = _verify(
            sp,
            scen,
            result["alternatives"],
            n,
            out,
            workers,
            cluster,
            seed,
            run_fn,
            progress,
            metric,
        )
    if out is not None:
        write_json(out / "siting.json", result)
    return result


def _verify(
    sp: SitingSpec,
    scen: Any,
    alts: list[dict[str, Any]],
    n: int,
    out: Path | None,
    workers: int | None,
    cluster: str | None,
    seed: int,
    run_fn: RunFn | None,
    progress: bool,
    metric: str,
) -> list[dict[str, Any]]:
    fn = run_fn if run_fn is not None else _default_run_fn()
    variants = [portable(placement_scenario(sp, scen, a["placements"])) for a in alts]
    studies = []
    with open_executor(workers, cluster, preload=_preload_of(fn)) as (ex, nw):
        for r, v in enumerate(variants):
            sub = prepare_out_dir(out / f"verify-{r + 1}") if out is not None else None
            studies.append(
                run_study(v, n, seed, fn, ex, nw, sub, progress, label=f"placement {r + 1}")
            )
    order = sorted(
        range(len(studies)),
        key=lambda r: studies[r].aggregate.get(metric, {}).get("mean", math.inf),
    )
    best = studies[order[0]]
    rows = []
    for rank, r in enumerate(order):
        s = studies[r]
        agg = s.aggregate.get(metric)
        diff = paired_table(best, s).get(metric, {}) if agg is not None else {}
        rows.append(
            {
                "rank": rank + 1,
                "coverage_rank": r + 1,
                "objective": alts[r]["objective"],
                metric: {k: agg[k] for k in ("mean", "ci_low", "ci_high", "n")} if agg else None,
                "leakers": {k: s.aggregate["leakers"][k] for k in ("mean", "ci_low", "ci_high")}
                if "leakers" in s.aggregate
                else None,
                "diff_vs_best": {k: diff.get(k) for k in ("diff_mean", "ci_low", "ci_high")},
                "failures": len(s.failures),
                "placements": alts[r]["placements"],
            }
        )
    return rows


def _assets_json(scen: Any, frame: Any) -> list[dict[str, Any]]:
    from amdsim.scenario import build_areas

    areas = build_areas(scen, frame)
    out = []
    for j in range(len(areas)):
        poly = areas.polygons[j]
        out.append(
            {
                "name": str(areas.names[j]),
                "value": float(areas.value[j]),
                "center_m": [float(v) for v in areas.center_m[j]],
                "radius_m": None if poly is not None else float(areas.radius_m[j]),
                "polygon_m": None if poly is None else np.asarray(poly, float).tolist(),
            }
        )
    return out
