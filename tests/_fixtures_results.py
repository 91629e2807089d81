"""A small, plausible results folder written per the results contract (for report/viewer tests).

The folder is built from a hand-made story, so tests can check reports and viewers against
numbers known here independently of the code under test (``EXPECTED``):

* 6 threats: 4 ``qassam`` (raid "Salvo 1"), 2 ``grad`` (raid "Salvo 2").
* threats 0, 1, 4 are engaged and intercepted by one ``tamir`` each (battery 0);
* threat 2 is engaged, the interceptor misses, and it leaks into asset 0 ("City A", value 100);
* threat 3 is tracked, not engaged (predicted impact outside defended areas), impacts in the open;
* threat 5 is never detected and leaks into asset 1 ("Base B", value 50).

Also writes optional Monte Carlo, comparison, campaign and siting fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from amdsim.core.frames import LocalFrame

__all__ = [
    "EXPECTED",
    "make_empty_results",
    "make_fake_campaign",
    "make_fake_compare",
    "make_fake_mc",
    "make_fake_results",
    "make_fake_siting",
    "png_pixel_std",
]

ORIGIN = {"lat_deg": 31.5, "lon_deg": 34.6, "alt_m": 0.0}
TAMIR_COST_USD = 50_000.0

# id, type, raid, launch t, launch (e, n), aim (e, n), apex height, target asset or None
_THREATS: list[
    tuple[int, str, str, float, tuple[float, float], tuple[float, float], float, Any]
] = [
    (0, "qassam", "Salvo 1", 0.0, (-12000.0, -9000.0), (0.0, 0.0), 3000.0, "City A"),
    (1, "qassam", "Salvo 1", 4.0, (-12500.0, -8800.0), (500.0, -300.0), 3200.0, "City A"),
    (2, "qassam", "Salvo 1", 8.0, (-11800.0, -9500.0), (300.0, 400.0), 3100.0, "City A"),
    (3, "qassam", "Salvo 1", 12.0, (-12000.0, -9000.0), (-6000.0, 2000.0), 2500.0, None),
    (4, "grad", "Salvo 2", 20.0, (-18000.0, 5000.0), (8000.0, 1000.0), 6000.0, "Base B"),
    (5, "grad", "Salvo 2", 25.0, (-18000.0, 5500.0), (8200.0, 800.0), 6000.0, "Base B"),
]
_FLIGHT_S = {"qassam": 60.0, "grad": 80.0}
# threat id -> (engage t after launch, intercept fraction of flight or None for a miss)
_ENGAGED = {0: (15.0, 0.7), 1: (15.0, 0.7), 2: (15.0, None), 4: (20.0, 0.6)}

EXPECTED: dict[str, Any] = {
    "launched": 6,
    "intercepts": 3,
    "impacts": 3,
    "leaks": 2,
    "leaks_by_type": {"qassam": 1, "grad": 1},
    "launched_by_type": {"qassam": 4, "grad": 2},
    "leaks_by_asset": {"City A": 1, "Base B": 1},
    "value_lost": 150.0,
    "interceptors_fired": 4,
    "cost_usd": 4 * TAMIR_COST_USD,
    "never_detected": [5],
    "not_engaged_reason": "no-engage: predicted impact outside defended areas",
    "track_of": {0: 100, 1: 101, 2: 102, 3: 103, 4: 104},
}

_EVENT_INT = ("threat_id", "track_id", "sensor_id", "battery_id", "interceptor_id", "asset_id")
_EVENT_FLOAT = ("x_m", "y_m", "z_m", "value", "cost_usd", "p")


def _pos(th: tuple, t: np.ndarray) -> np.ndarray:
    """Parabolic flight: straight ground track, apex height at mid-flight (ENU, m)."""
    _, typ, _, t0, p0, aim, h, _ = th
    s = np.clip((np.asarray(t, float) - t0) / _FLIGHT_S[typ], 0.0, 1.0)
    e = p0[0] + (aim[0] - p0[0]) * s
    n = p0[1] + (aim[1] - p0[1]) * s
    return np.stack([e, n, 4.0 * h * s * (1.0 - s)], axis=-1)


def _assets() -> list[dict[str, Any]]:
    poly = [[7000.0, 0.0], [9500.0, 200.0], [9000.0, 2200.0], [7200.0, 1800.0]]
    return [
        {
            "name": "City A",
            "value": 100.0,
            "kind": "circle",
            "center_m": [200.0, 0.0],
            "radius_m": 3000.0,
            "polygon_m": None,
        },
        {
            "name": "Base B",
            "value": 50.0,
            "kind": "polygon",
            "center_m": [8175.0, 1050.0],
            "radius_m": None,
            "polygon_m": poly,
        },
    ]


def _meta() -> dict[str, Any]:
    return {
        "amdsim_version": "0.1.0",
        "scenario_name": "Fixture demo",
        "scenario_file": "fixture.yaml",
        "seed": 7,
        "origin": dict(ORIGIN),
        "duration_s": 120.0,
        "dt_s": 0.1,
        "assets": _assets(),
        "radars": [
            {
                "name": "MMR North",
                "type": "elm2084",
                "pos_m": [0.0, 6000.0, 0.0],
                "max_range_m": 40000.0,
            }
        ],
        "batteries": [
            {
                "name": "Battery 1",
                "system": "iron_dome",
                "pos_m": [1500.0, 1000.0, 0.0],
                "max_range_m": 15000.0,
                "min_range_m": 4000.0,
            }
        ],
        "threats": [
            {
                "id": th[0],
                "type": th[1],
                "raid": th[2],
                "target_asset": th[7],
                "aim_m": list(th[5]),
            }
            for th in _THREATS
        ],
    }


class _Events:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, kind: str, t: float, **kw: Any) -> None:
        row: dict[str, Any] = {"t_s": float(t), "kind": kind, "reason": kw.pop("reason", "")}
        pos = kw.pop("pos", None)
        if pos is not None:
            kw["x_m"], kw["y_m"], kw["z_m"] = (float(v) for v in pos)
        for c in _EVENT_INT:
            row[c] = int(kw.pop(c, -1))
        for c in _EVENT_FLOAT:
            row[c] = float(kw.pop(c, np.nan))
        assert not kw, kw
        self.rows.append(row)

    def table(self) -> pa.Table:
        rows = sorted(self.rows, key=lambda r: r["t_s"])
        cols = ["t_s", "kind", *_EVENT_INT, *_EVENT_FLOAT, "reason"]
        return pa.table({c: [r[c] for r in rows] for c in cols})


def _build() -> tuple[pa.Table, pa.Table, pa.Table, dict[str, Any]]:
    frame = LocalFrame(ORIGIN["lat_deg"], ORIGIN["lon_deg"], ORIGIN["alt_m"])
    ev = _Events()
    traj: dict[str, list[Any]] = {
        k: [] for k in ("t_s", "object", "id", "type", "x_m", "y_m", "z_m")
    }
    trk: dict[str, list[float]] = {
        k: [] for k in ("t_s", "track_id", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")
    }
    next_icpt = 1000
    asset_idx = {"City A": 0, "Base B": 1}
    asset_val = {0: 100.0, 1: 50.0}
    for th in _THREATS:
        tid, typ, _, t0, p0, aim, _, target = th
        t_end = t0 + _FLIGHT_S[typ]
        ev.add("launch", t0, threat_id=tid, pos=(*p0, 0.0))
        end = t_end
        frac_hit = _ENGAGED[tid][1] if tid in _ENGAGED else None
        if frac_hit is not None:
            end = t0 + frac_hit * _FLIGHT_S[typ]
        if tid != 5:
            for k in range(5, int(end - t0), 2):
                ev.add("detect", t0 + k, threat_id=tid, sensor_id=0, pos=_pos(th, np.array(t0 + k)))
            track = 100 + tid
            ev.add("track_init", t0 + 9, threat_id=tid, track_id=track, sensor_id=0)
            for t in np.arange(t0 + 9, end, 1.0):
                p = _pos(th, np.array(t)) + 15.0
                v = (_pos(th, np.array(t + 0.5)) - _pos(th, np.array(t - 0.5))).ravel()
                for key, val in zip(trk, [t, track, *p.ravel(), *v]):
                    trk[key].append(float(val))
            in_area = target is not None
            reason = (
                f"engage: predicted impact in {target}"
                if in_area
                else "no-engage: predicted impact outside defended areas"
            )
            for t in (t0 + 10, t0 + 11, t0 + 12):
                ev.add(
                    "decision",
                    t,
                    threat_id=tid,
                    track_id=track,
                    pos=(*aim, 0.0),
                    p=0.95 if in_area else 0.02,
                    asset_id=asset_idx[target] if in_area else -1,
                    reason=reason,
                )
            if tid in _ENGAGED:
                t_fire, frac = _ENGAGED[tid]
                iid = next_icpt
                next_icpt += 1
                ev.add("engage", t0 + t_fire, threat_id=tid, track_id=track, battery_id=0)
                bat = np.array([1500.0, 1000.0, 0.0])
                ev.add(
                    "interceptor_launch",
                    t0 + t_fire + 0.5,
                    threat_id=tid,
                    track_id=track,
                    battery_id=0,
                    interceptor_id=iid,
                    cost_usd=TAMIR_COST_USD,
                    pos=bat,
                    reason="tamir",
                )
                t_meet = t0 + (frac if frac is not None else 0.8) * _FLIGHT_S[typ]
                meet = _pos(th, np.array(t_meet)).ravel()
                ti = np.append(np.arange(t0 + t_fire + 0.5, t_meet, 1.0), t_meet)
                s = (ti - ti[0]) / (t_meet - ti[0])
                ip = bat[None, :] + (meet - bat)[None, :] * s[:, None]
                for t, p in zip(ti, ip):
                    for key, val in zip(
                        ("t_s", "object", "id", "type"), (t, "interceptor", iid, "tamir")
                    ):
                        traj[key].append(val)
                    for key, val in zip(("x_m", "y_m", "z_m"), p):
                        traj[key].append(float(val))
                if frac is not None:
                    ev.add(
                        "intercept",
                        t_meet,
                        threat_id=tid,
                        track_id=track,
                        battery_id=0,
                        interceptor_id=iid,
                        pos=meet,
                        p=0.9,
                    )
                else:
                    ev.add(
                        "miss",
                        t_meet,
                        threat_id=tid,
                        track_id=track,
                        battery_id=0,
                        interceptor_id=iid,
                        pos=meet,
                        p=12.0,
                        reason="miss: kill draw failed",
                    )
            ev.add("track_drop", end + 1.0, track_id=track, reason="coasted")
        ts = np.append(np.arange(t0, end, 1.0), end)
        for t, p in zip(ts, _pos(th, ts)):
            for key, val in zip(("t_s", "object", "id", "type"), (t, "threat", tid, typ)):
                traj[key].append(val)
            for key, val in zip(("x_m", "y_m", "z_m"), p):
                traj[key].append(float(val))
        if end == t_end:
            hit = asset_idx[target] if target is not None and tid in (2, 5) else -1
            ev.add("impact", t_end, threat_id=tid, asset_id=hit, pos=(*aim, 0.0))
            if hit >= 0:
                ev.add(
                    "leak",
                    t_end,
                    threat_id=tid,
                    asset_id=hit,
                    value=asset_val[hit],
                    pos=(*aim, 0.0),
                )
    ev.add("false_alarm", 33.0, sensor_id=0, pos=(3000.0, 9000.0, 1500.0))
    enu = np.stack([np.asarray(traj[k], float) for k in ("x_m", "y_m", "z_m")], axis=-1)
    lat, lon, alt = frame.enu_to_geodetic(enu)
    traj_t = pa.table(
        {
            "t_s": pa.array(traj["t_s"], pa.float64()),
            "object": pa.array(traj["object"], pa.string()),
            "id": pa.array(traj["id"], pa.int64()),
            "type": pa.array(traj["type"], pa.string()),
            "x_m": enu[:, 0],
            "y_m": enu[:, 1],
            "z_m": enu[:, 2],
            "lat_deg": lat,
            "lon_deg": lon,
            "alt_m": alt,
        }
    )
    trk_t = pa.table(
        {k: pa.array(v, pa.int64() if k == "track_id" else pa.float64()) for k, v in trk.items()}
    )
    summary = {
        "scenario": "Fixture demo",
        "seed": 7,
        "launched": {"value": 6, "unit": "threats"},
        "impacts": 3,
        "impacts_per_asset": {"City A": {"value": 1, "unit": "threats"}, "Base B": 1},
        "value_lost": {"value": 150.0, "unit": "value"},
        "intercepts": {"value": 3, "unit": "threats"},
        "interceptors_used": {"tamir": {"value": 4, "unit": "rounds"}},
        "cost_usd": {"value": 4 * TAMIR_COST_USD, "unit": "USD"},
    }
    return ev.table(), traj_t, trk_t, summary


def make_fake_results(run_dir: str | Path, *, skip: tuple[str, ...] = ()) -> Path:
    """Write a fixture results folder into ``run_dir`` (created); ``skip`` names files to omit."""
    out = Path(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    events, traj, tracks, summary = _build()
    files: dict[str, Any] = {
        "events.parquet": events,
        "trajectories.parquet": traj,
        "tracks.parquet": tracks,
        "summary.json": summary,
        "run.json": _meta(),
    }
    for name, obj in files.items():
        if name in skip:
            continue
        if name.endswith(".parquet"):
            pq.write_table(obj, out / name)
        else:
            (out / name).write_text(json.dumps(obj, indent=2), encoding="utf-8")
    return out


def make_fake_mc(study_dir: str | Path, n: int = 40, seed: int = 3) -> Path:
    """Monte Carlo fixture: ``replications.parquet`` and ``aggregate.json``."""
    out = Path(study_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    leaks = rng.binomial(20, 0.1, n).astype(float)
    cost = rng.normal(1.0e6, 1.0e5, n)
    reps = {
        "replication": np.arange(n),
        "seed": np.arange(n) + 100,
        "leakers": leaks,
        "cost_usd": cost,
    }
    pq.write_table(pa.table(reps), out / "replications.parquet")
    agg = {}
    for name, x, unit in (("leakers", leaks, "threats"), ("cost_usd", cost, "USD")):
        half = 1.96 * x.std(ddof=1) / np.sqrt(n)
        agg[name] = {
            "mean": float(x.mean()),
            "ci_low": float(x.mean() - half),
            "ci_high": float(x.mean() + half),
            "unit": unit,
        }
    (out / "aggregate.json").write_text(json.dumps(agg), encoding="utf-8")
    return out


def make_fake_compare(out_dir: str | Path) -> Path:
    """Comparison fixture: ``paired.json``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paired = {
        "leakers": {
            "a_mean": 4.0,
            "b_mean": 1.5,
            "diff_mean": -2.5,
            "ci_low": -3.1,
            "ci_high": -1.9,
            "unit": "threats",
        },
        "cost_usd": {
            "a_mean": 1.0e6,
            "b_mean": 1.4e6,
            "diff_mean": 4.0e5,
            "ci_low": 3.0e5,
            "ci_high": 5.0e5,
        },
    }
    (out / "paired.json").write_text(json.dumps(paired), encoding="utf-8")
    return out


def make_fake_campaign(out_dir: str | Path, days: int = 10, reps: int = 3) -> Path:
    """Campaign fixture as ``amdsim.analysis.campaign`` writes it: ``campaign.parquet``
    (replication, day, interceptor_type, stock, rounds, unmet, leakers, cost_usd; leakers and
    cost are per day, repeated on each type's row) and ``campaign.json``.

    Stock of replication r on day d: tamir ``500 - 40 d - 10 r``, stunner ``80 - 5 d``
    (clipped at 0); leakers ``d // 3 + r``; cost 2e6 USD a day.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
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
    for r in range(reps):
        for d in range(1, days + 1):
            for t in ("stunner", "tamir"):
                st = max(0, 500 - 40 * d - 10 * r) if t == "tamir" else max(0, 80 - 5 * d)
                for k, v in zip(cols, (r, d, t, st, 10, 0, d // 3 + r, 2.0e6)):
                    cols[k].append(v)
    pq.write_table(pa.table(cols), out / "campaign.parquet")
    summary = {"days": days, "n": reps, "mean_leakers": {"value": 7.5, "unit": "threats"}}
    (out / "campaign.json").write_text(json.dumps(summary), encoding="utf-8")
    return out


def make_fake_siting(out_dir: str | Path) -> Path:
    """Siting fixture: ``siting.json`` with a placements list."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    siting = {
        "objective": {"value": 142.0, "unit": "value protected"},
        "placements": [
            {
                "name": "Battery 1",
                "system": "iron_dome",
                "pos_m": [1000.0, 500.0, 0.0],
                "protected_value": 100.0,
            },
            {
                "name": "Battery 2",
                "system": "iron_dome",
                "pos_m": [8000.0, 1500.0, 0.0],
                "protected_value": 42.0,
            },
            {  # the form amdsim.analysis.siting_study writes
                "name": "c_ram @ Site 3",
                "system": "c_ram",
                "site": "Site 3",
                "lat_deg": 31.49,
                "lon_deg": 34.61,
                "alt_m": 0.0,
                "x_m": -3000.0,
                "y_m": -1100.0,
                "max_range_m": 1500.0,
                "min_range_m": 0.0,
            },
        ],
        "method": "milp",
        "alternatives": [{"rank": 1, "objective": 142.0, "placements": []}],
        "origin": dict(ORIGIN),
        "assets": _assets(),
    }
    (out / "siting.json").write_text(json.dumps(siting), encoding="utf-8")
    return out


def png_pixel_std(data: bytes) -> float:
    """Standard deviation of a PNG's pixel values (0..1): ~0 for a blank image."""
    import io

    from matplotlib import image as mpimg

    arr = mpimg.imread(io.BytesIO(data), format="png")
    return float(np.asarray(arr, float)[..., :3].std())


def make_empty_results(run_dir: str | Path) -> Path:
    """A results folder of a run in which nothing happened (no threat, no event)."""
    out = Path(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    f64, i64, st = pa.float64(), pa.int64(), pa.string()
    ev_schema = [
        ("t_s", f64),
        ("kind", st),
        *((c, i64) for c in _EVENT_INT),
        *((c, f64) for c in _EVENT_FLOAT),
        ("reason", st),
    ]
    pq.write_table(pa.table({c: pa.array([], t) for c, t in ev_schema}), out / "events.parquet")
    tr_schema = [
        ("t_s", f64),
        ("object", st),
        ("id", i64),
        ("type", st),
        ("x_m", f64),
        ("y_m", f64),
        ("z_m", f64),
        ("lat_deg", f64),
        ("lon_deg", f64),
        ("alt_m", f64),
    ]
    pq.write_table(
        pa.table({c: pa.array([], t) for c, t in tr_schema}), out / "trajectories.parquet"
    )
    meta = _meta()
    meta["threats"] = []
    (out / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    (out / "summary.json").write_text(json.dumps({"launched": 0}), encoding="utf-8")
    return out
