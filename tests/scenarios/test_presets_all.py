"""Every built-in preset validates, carries its public magnitudes, and its short copy runs.

The magnitudes checked here are those of shared/reference/public-figures.md (sections named
per test); the short copies are made by :func:`amdsim.analysis._validation_presets.shortened`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from amdsim.analysis._validation_presets import estimated_flight_s, shortened
from amdsim.core.errors import ScenarioError
from amdsim.scenario import list_presets, load_scenario, preset_names, preset_text
from amdsim.scenario.checks import aim_point, ground_distance_m

EXPECTED = {
    "default",
    "rocket_campaign",
    "opening_barrage",
    "mixed_raid",
    "ballistic_salvo",
    "ballistic_salvo_thaad",
    "dispersed_bases",
    "forward_base_cram",
}
HEAVY = {"mixed_raid", "ballistic_salvo", "ballistic_salvo_thaad", "dispersed_bases"}


def _by_type(name: str) -> dict[str, int]:
    sc = load_scenario(f"preset:{name}")
    out: dict[str, int] = {}
    for r in sc.raids:
        out[r.threat] = out.get(r.threat, 0) + r.count
    return out


def test_all_presets_listed_with_descriptions() -> None:
    assert EXPECTED <= set(preset_names())
    for name, desc in list_presets():
        assert len(desc) > 40, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_validates_and_cites_public_figures(name: str) -> None:
    sc = load_scenario(f"preset:{name}")
    assert sc.n_threats > 0 and sc.batteries and sc.radars and sc.assets
    text = preset_text(name)
    assert "public-figures" in text or "PF §" in text
    if name != "default":  # every preset names its public-figures sections
        assert text.count("PF §") >= 3


def test_unknown_preset_lists_available_ones() -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("preset:no_such_preset")
    msg = str(exc.value)
    assert "unknown preset" in msg
    for name in EXPECTED:
        assert name in msg


def test_cli_presets_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    from amdsim.cli import main

    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in EXPECTED:
        assert name in out


# ---- magnitudes from public reporting -----------------------------------------------------
def test_rocket_campaign_may_2021_magnitudes() -> None:
    """PF §3.2: 4,360 launched (H), ~680 fell short (15.6 %, H), about half of the rest at
    populated areas (M), >1,050 in the first ~48 h (M), 11 days."""
    sc = load_scenario("preset:rocket_campaign")
    assert sc.n_threats == 4360
    assert sc.duration_s == pytest.approx(11 * 86400, rel=0.01)
    short = sum(r.count for r in sc.raids if r.name.lower().startswith("short falls"))
    assert short / sc.n_threats == pytest.approx(0.156, abs=0.005)
    at_assets = sum(r.count for r in sc.raids if r.target.asset is not None)
    assert at_assets / (sc.n_threats - short) == pytest.approx(0.5, abs=0.05)
    first_48h = sum(
        r.count for r in sc.raids if r.schedule.end_s is not None and r.schedule.end_s <= 172800
    )
    assert first_48h > 1050
    assert {b.system for b in sc.batteries} == {"iron_dome"}


def test_opening_barrage_7_october_magnitudes() -> None:
    """PF §3.3: >2,200 in the first hours (H), >=3,000 by the evening (M), ~12 % fell short."""
    sc = load_scenario("preset:opening_barrage")
    assert sc.n_threats == 3000
    first = sum(
        r.count for r in sc.raids if r.schedule.end_s is not None and r.schedule.end_s <= 4 * 3600
    )
    assert first == 2200
    short = sum(r.count for r in sc.raids if "short" in r.name.lower())
    assert short / sc.n_threats == pytest.approx(0.12, abs=0.01)
    assert all(b.inventory is not None for b in sc.batteries)  # stocks run down


def test_mixed_raid_april_2024_magnitudes() -> None:
    """PF §3.4: ~170 drones, ~30 cruise missiles, ~120 ballistic missiles; ~1,300 km."""
    assert _by_type("mixed_raid") == {"shahed136": 170, "cruise": 30, "mrbm": 120}
    sc = load_scenario("preset:mixed_raid")
    systems = {b.system for b in sc.batteries}
    assert {"arrow2", "arrow3", "davids_sling", "iron_dome"} <= systems
    assert systems & {"patriot_mse", "patriot_gemt"}
    for i, r in enumerate(sc.raids):
        lat, lon = aim_point(sc, i)
        assert 1.1e6 < ground_distance_m(r.launch.lat_deg, r.launch.lon_deg, lat, lon) < 1.5e6


def test_ballistic_salvo_pair_differs_only_by_thaad() -> None:
    """PF §3.5: ~180-200 ballistic missiles within an hour; the THAAD variant adds one
    battery of 6 x 8 (PF §1.4) and its radar, nothing else."""
    a = load_scenario("preset:ballistic_salvo")
    b = load_scenario("preset:ballistic_salvo_thaad")
    assert 180 <= a.n_threats <= 200
    assert a.raids == b.raids and a.assets == b.assets
    assert all(r.schedule.end_s is not None and r.schedule.end_s <= 3600 for r in a.raids)
    extra = [x for x in b.batteries if x not in a.batteries]
    assert [x.system for x in extra] == ["thaad"]
    assert len(b.radars) == len(a.radars) + 1
    assert (
        b.catalog_resolved.systems["thaad"].launchers
        * b.catalog_resolved.systems["thaad"].rounds_per_launcher
        == 48
    )


def test_dispersed_bases_dozen_batteries_twenty_bases() -> None:
    """PF §3.7: "nearly a dozen" systems, Patriot and one THAAD; drones, rockets, missiles."""
    sc = load_scenario("preset:dispersed_bases")
    assert len(sc.assets) == 20
    systems = [b.system for b in sc.batteries]
    assert 10 <= len(systems) <= 13 and systems.count("thaad") == 1
    kinds = {sc.catalog_resolved.threats[r.threat].kind for r in sc.raids}
    assert kinds == {"drone", "rocket", "ballistic"}


def test_forward_base_cram() -> None:
    """PF §1.6 C-RAM point defence; PF §2 mortar ~15 s flights: mortar ranges of a few km."""
    sc = load_scenario("preset:forward_base_cram")
    assert {b.system for b in sc.batteries} == {"c_ram"}
    assert any(r.target.asset is None for r in sc.raids)  # rounds the guns must leave alone
    for i, r in enumerate(sc.raids):
        if r.threat == "mortar120":
            lat, lon = aim_point(sc, i)
            assert ground_distance_m(r.launch.lat_deg, r.launch.lon_deg, lat, lon) < 7000


# ---- short copies --------------------------------------------------------------------------
def test_shortened_keeps_raids_and_geometry() -> None:
    sc = load_scenario("preset:mixed_raid")
    q = shortened(sc, max_threats=16, window_s=30.0, max_approach_s=240.0)
    assert [r.name for r in q.raids] == [r.name for r in sc.raids]
    assert all(r.count >= 1 for r in q.raids)
    assert q.n_threats <= 16 + len(sc.raids)
    cat = q.catalog_resolved
    for i, (r0, r1) in enumerate(zip(sc.raids, q.raids, strict=True)):
        assert r1.schedule.start_s is not None and r1.schedule.end_s is not None
        assert 0.0 <= r1.schedule.start_s <= r1.schedule.end_s <= 30.0 + 1e-9
        t = cat.threats[r1.threat]
        lat, lon = aim_point(q, i)
        d = ground_distance_m(r1.launch.lat_deg, r1.launch.lon_deg, lat, lon)
        if t.kind in ("drone", "cruise"):  # brought closer, never inside the minimum range
            want = max(t.cruise_speed_mps * 240.0, t.min_range_m * 1.1 + r1.launch.radius_m)
            assert t.min_range_m <= d <= want * 1.005  # spherical placement vs ellipsoid distance
        else:  # ballistic missiles keep their launch point
            assert (r1.launch.lat_deg, r1.launch.lon_deg) == (r0.launch.lat_deg, r0.launch.lon_deg)
        assert q.duration_s >= estimated_flight_s(t, d)
    assert q.assets == sc.assets and q.batteries == sc.batteries


def test_shortened_scales_counts_in_proportion() -> None:
    sc = load_scenario("preset:rocket_campaign")
    q = shortened(sc, max_threats=436, window_s=100.0)
    for r0, r1 in zip(sc.raids, q.raids, strict=True):
        assert r1.count == max(1, round(r0.count / 10))
    assert math.isclose(q.n_threats, 436, rel_tol=0.02)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in sorted(EXPECTED)]
)
def test_short_copy_runs_every_stage(name: str) -> None:
    """The short copy runs end to end: every threat launches and is accounted for, radars
    detect and the tracker confirms tracks."""
    from amdsim.simulation import run

    sc = load_scenario(f"preset:{name}")
    q = shortened(
        sc, max_threats=4, window_s=5.0, max_approach_s=120.0, dt_s=0.2 if name in HEAVY else None
    )
    r = run(q, seed=3)
    s = r.summary
    assert s["launched"]["value"] == q.n_threats
    assert s["detections"]["value"] > 0
    assert s["tracks_initiated"]["value"] > 0
    ev = r.events
    gone = np.isin(ev.kind, ["impact", "intercept"])
    assert len(set(ev.threat_id[gone].tolist())) <= q.n_threats
