"""The synthetic raid of the full-chain benchmark (issue 9), built in code.

Geography is synthetic (a coastal strip of six defended towns, launch areas 5-40 km to the
south-west), with magnitudes from public reporting: opening-day barrages of thousands of
rockets (public-figures §3.3), one EL/M-2084-class radar per Iron Dome battery (§1.1). The
split among rocket classes, the spacing of sites and the aim points are ASSUMPTIONS.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Defended towns: (name, lat, lon, radius_m, value). ASSUMPTION (synthetic geography).
_ASSETS = [
    ("Border Town", 31.5515, 34.5394, 1500.0, 60.0),
    ("Coastal City", 31.6317, 34.5895, 3000.0, 100.0),
    ("Port City", 31.8511, 34.6076, 3500.0, 120.0),
    ("Metro City", 32.0595, 34.7615, 5000.0, 300.0),
    ("Farm Village", 31.3940, 34.4211, 700.0, 10.0),
    ("Inland Town", 31.7000, 34.8000, 2500.0, 80.0),
]
# Launch areas (lat, lon). ASSUMPTION.
_LAUNCH = [(31.53, 34.47), (31.45, 34.40), (31.38, 34.36)]
# Threat mix: (catalog type, share). ASSUMPTION; ranges from public-figures §2.
_MIX = [("qassam", 0.5), ("grad", 0.35), ("fajr5", 0.15)]


def raid_dict(
    n_threats: int, window_s: float = 600.0, *, n_radars: int = 10, n_batteries: int = 20
) -> dict[str, Any]:
    """Scenario as a plain dict: ``n_threats`` rockets over ``window_s`` s, 10 radars, 20 batteries.

    Two of the batteries are C-RAM at the border town, the rest Iron Dome spread along the coast.
    The run lasts ``window_s + 200`` s so that the last rocket lands (a Fajr-5 flies < 150 s).
    """
    assets = [
        {"name": n, "value": v, "circle": {"lat_deg": la, "lon_deg": lo, "radius_m": r}}
        for n, la, lo, r, v in _ASSETS
    ]
    # sites on a line along the coast from the border to the metro, slightly inland
    lat_r = np.linspace(31.50, 32.08, n_radars)
    lon_r = np.linspace(34.52, 34.80, n_radars)
    radars = [
        {"name": f"MMR {i}", "type": "elm2084", "lat_deg": float(lat_r[i]), "lon_deg": float(lon_r[i]),
         "boresight_az_rad": float(np.radians(225.0))}
        for i in range(n_radars)
    ]  # fmt: skip
    lat_b = np.linspace(31.50, 32.08, n_batteries)
    lon_b = np.linspace(34.50, 34.82, n_batteries)
    batteries = []
    for i in range(n_batteries):
        system = "c_ram" if i < 2 else "iron_dome"
        la, lo = (
            (31.552 + 0.004 * i, 34.545)
            if system == "c_ram"
            else (float(lat_b[i]), float(lon_b[i]))
        )
        batteries.append({"name": f"Battery {i}", "system": system, "lat_deg": la, "lon_deg": lo})
    raids = _raids(n_threats, window_s)
    return {
        "name": f"Scale raid {n_threats}",
        "origin": {"lat_deg": 31.70, "lon_deg": 34.62, "alt_m": 0.0},
        "duration_s": float(window_s) + 200.0,
        "dt_s": 0.1,
        "seed": 9,
        "assets": assets,
        "radars": radars,
        "batteries": batteries,
        "defence": {"decision_period_s": 1.0, "command_latency_s": 0.5, "wta": "greedy"},
        "raids": raids,
    }


def _raids(n_threats: int, window_s: float) -> list[dict[str, Any]]:
    """Every (threat type, town, on/near) with a launch area in range; counts split by the mix."""
    from amdsim.scenario import ground_distance_m, load_catalog

    cat = load_catalog()
    combos: list[tuple[str, float, dict[str, Any], tuple[float, float], str]] = []
    for threat, share in _MIX:
        t = cat.threats[threat]
        lo_m, hi_m = float(t.min_range_m) + 2000.0, float(t.max_range_m) - 2000.0
        mine = []
        for name, la, lo, _r, _v in _ASSETS:
            for open_ground in (False, True):
                aim = (la - 0.03, lo - 0.02) if open_ground else (la, lo)
                for launch in _LAUNCH:
                    d = float(ground_distance_m(launch[0], launch[1], aim[0], aim[1]))
                    if lo_m <= d <= hi_m:
                        tgt = (
                            {"lat_deg": aim[0], "lon_deg": aim[1]}
                            if open_ground
                            else {"asset": name}
                        )
                        mine.append(
                            (launch, tgt, f"{threat} {'near' if open_ground else 'on'} {name}")
                        )
                        break
        for launch, tgt, label in mine:
            combos.append((threat, share / len(mine), tgt, launch, label))
    w = np.array([c[1] for c in combos])
    counts = np.floor(w / w.sum() * n_threats).astype(int)
    counts[: n_threats - counts.sum()] += 1
    return [
        {
            "name": label,
            "threat": threat,
            "launch": {"lat_deg": launch[0], "lon_deg": launch[1], "radius_m": 1000.0},
            "target": tgt,
            "count": int(c),
            "schedule": {"start_s": 0.0, "end_s": float(window_s), "pattern": "poisson"},
        }
        for (threat, _w, tgt, launch, label), c in zip(combos, counts, strict=True)
        if c > 0
    ]


def _split(n: int, parts: int) -> np.ndarray:
    base = np.full(parts, n // parts)
    base[: n - base.sum()] += 1
    return base


def raid_scenario(n_threats: int, window_s: float = 600.0) -> Any:
    """The loaded :class:`amdsim.scenario.Scenario` of :func:`raid_dict`."""
    from amdsim.scenario import Scenario

    return Scenario.model_validate(raid_dict(n_threats, window_s))
