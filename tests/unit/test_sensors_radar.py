"""Radar network: scan schedule, coverage, noise, false alarms, degenerate geometry, catalog."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from ruamel.yaml import YAML
from scipy import stats

from amdsim.core.frames import LocalFrame
from amdsim.scenario.types.radar import RadarType
from amdsim.sensors import RadarNetwork, build_radars, make_radar
from amdsim.sensors.radar import polar_covariance_local

FRAME = LocalFrame(31.5, 34.6, 0.0)
CATALOG = Path(__file__).resolve().parents[2] / "src/amdsim/scenario/catalog/radars.yaml"


def _rtype(**kw) -> RadarType:
    base = dict(label="t", detection_range_m=100e3, max_range_m=300e3, n_cells=0.0, revisit_s=1.0)
    base.update(kw)
    return RadarType(**base)


def _net(**kw) -> RadarNetwork:
    return RadarNetwork((make_radar("r", 0, _rtype(**kw), FRAME, 31.5, 34.6, 0.0),))


def _load_catalog() -> dict[str, RadarType]:
    raw = YAML(typ="safe").load(CATALOG.read_text())
    out = {}
    for name, entry in raw.items():
        fields = {k: (v["value"] if isinstance(v, dict) else v) for k, v in entry.items()}
        out[name] = RadarType(**fields)
    return out


def test_catalog_entries_parse_and_carry_provenance() -> None:
    raw = YAML(typ="safe").load(CATALOG.read_text())
    assert set(raw) == {"elm2084", "mpq65", "tpy2"}
    allowed = {"H", "M", "L", "D", "CLAIM", "CALC", "ASSUMPTION"}
    for entry in raw.values():
        for key, val in entry.items():
            if key == "label":
                continue
            assert val["conf"] in allowed and len(val["source"]) > 10, key
        assert "public-figures" in entry["detection_range_m"]["source"]
    types = _load_catalog()
    assert types["elm2084"].detection_range_m == 400e3
    assert types["mpq65"].detection_range_m == 150e3
    assert types["tpy2"].detection_range_m == 600e3


def test_degree_and_km_fields_are_converted() -> None:
    rt = RadarType(label="x", detection_range_km=100, max_range_km=200, az_half_width_deg=60)
    assert rt.detection_range_m == 100e3 and rt.max_range_m == 200e3
    assert rt.az_half_width_rad == pytest.approx(np.pi / 3)
    with pytest.raises(ValueError):
        RadarType(label="x", detection_range_m=1e5, max_range_m=100.0, min_range_m=500.0)


def test_scans_fall_in_half_open_step() -> None:
    net = _net()
    pos = np.array([[0.0, 20e3, 2e3]])
    n_scans = 0
    for k in range(30):
        det, _ = net.detect(
            0.1 * k,
            0.1,
            np.array([7]),
            pos,
            np.zeros((1, 3)),
            np.array([100.0]),
            np.random.default_rng(k),
        )
        n_scans += len(np.unique(det.t_s))
        assert np.all((det.t_s > 0.1 * k) & (det.t_s <= 0.1 * k + 0.1 + 1e-12))
    assert n_scans == 3  # scans at 1, 2, 3 s (0 is not in (0, 3])


@pytest.mark.parametrize("n", [0, 1, 50])
def test_detect_shapes_and_events(n: int) -> None:
    net = _net(n_cells=2e6, pfa=1e-6)
    rng = np.random.default_rng(1)
    pos = np.column_stack([rng.uniform(-5e4, 5e4, n), rng.uniform(-5e4, 5e4, n), np.full(n, 3e3)])
    det, ev = net.detect(0.5, 1.0, np.arange(n) + 100, pos, np.zeros((n, 3)), np.full(n, 10.0), rng)
    m = len(det)
    assert det.pos_m.shape == (m, 3) and det.cov_m2.shape == (m, 3, 3)
    real = det.truth_id >= 0
    assert np.all(np.isin(det.truth_id[real], np.arange(n) + 100))
    kinds = ev.kind.tolist()
    assert kinds.count("detect") == int(real.sum()) and kinds.count("false_alarm") == int(
        (~real).sum()
    )
    assert np.all(np.linalg.eigvalsh(det.cov_m2) > 0)


def test_sector_radar_sees_only_its_field_of_regard() -> None:
    radar = make_radar(
        "s", 0, _rtype(az_half_width_rad=np.radians(60)), FRAME, 31.5, 34.6, boresight_az_rad=0.0
    )
    net = RadarNetwork((radar,))
    pos = np.array(
        [[0.0, 30e3, 3e3], [0.0, -30e3, 3e3], [30e3 * np.sin(1.2), 30e3 * np.cos(1.2), 3e3]]
    )
    det, _ = net.detect(
        0.0, 1.0, np.arange(3), pos, np.zeros((3, 3)), np.full(3, 1e3), np.random.default_rng(0)
    )
    assert det.truth_id.tolist() == [0]


def test_target_at_radar_and_zero_noise_give_no_nan() -> None:
    net = _net(min_range_m=0.0, sigma_range_m=0.0, sigma_az_rad=0.0, sigma_el_rad=0.0)
    site = net.radars[0].site_m
    pos = np.array([site, site + np.array([0.0, 10e3, 1e3])])
    det, _ = net.detect(
        0.0, 1.0, np.arange(2), pos, np.zeros((2, 3)), np.full(2, 1e3), np.random.default_rng(0)
    )
    assert np.all(np.isfinite(det.pos_m)) and np.all(np.isfinite(det.cov_m2))
    assert np.all(np.linalg.eigvalsh(det.cov_m2) > 0)
    far = det.truth_id == 1
    assert np.allclose(det.pos_m[far], pos[1], atol=1e-6)  # zero noise: exact position


def test_polar_covariance_against_monte_carlo() -> None:
    rng = np.random.default_rng(3)
    r, a, e, sr, sa, se = 50e3, 0.7, 0.1, 20.0, 1e-3, 2e-3
    n = 200_000
    rr, aa, ee = (
        r + sr * rng.standard_normal(n),
        a + sa * rng.standard_normal(n),
        e + se * rng.standard_normal(n),
    )
    pts = np.column_stack(
        [rr * np.cos(ee) * np.sin(aa), rr * np.cos(ee) * np.cos(aa), rr * np.sin(ee)]
    )
    emp = np.cov(pts.T)
    cov = polar_covariance_local(np.array(r), np.array(a), np.array(e), sr, sa, se)
    # sampling standard deviation of each covariance element (Gaussian approximation)
    d = np.diag(cov)
    sd = np.sqrt((np.outer(d, d) + cov**2) / n)
    assert np.all(np.abs(cov - emp) < 5 * sd)  # m^2


def test_empirical_pd_at_reference_range_and_false_alarm_rate() -> None:
    """Reference target at the detection range: Pd = pd_ref (99.9 % Clopper-Pearson);
    false alarms per scan: Poisson(pfa * n_cells) (99.9 % bound on the mean)."""
    rt = _rtype(pd_ref=0.7, n_cells=3e6, pfa=1e-6, swerling=1, ref_rcs_m2=2.0)
    net = RadarNetwork((make_radar("r", 0, rt, FRAME, 31.5, 34.6),))
    n_t, scans = 200, 20
    az = np.linspace(0, 2 * np.pi, n_t, endpoint=False)
    pos = np.column_stack([1e5 * np.sin(az), 1e5 * np.cos(az), np.full(n_t, 5e3)])
    pos *= rt.detection_range_m / np.linalg.norm(pos - net.radars[0].site_m, axis=1)[:, None]
    rng = np.random.default_rng(11)
    det, _ = net.detect(
        0.0, float(scans), np.arange(n_t), pos, np.zeros((n_t, 3)), np.full(n_t, 2.0), rng
    )
    k, n = int(np.sum(det.truth_id >= 0)), n_t * scans
    assert stats.beta.ppf(0.0005, k, n - k + 1) <= 0.7 <= stats.beta.ppf(0.9995, k + 1, n - k)
    fa = int(np.sum(det.truth_id < 0))
    lam = 3.0 * scans
    assert stats.poisson.ppf(0.0005, lam) <= fa <= stats.poisson.ppf(0.9995, lam)


def test_same_seed_same_detections() -> None:
    net = _net(n_cells=1e6)
    pos = np.array([[1e4, 2e4, 3e3]])
    a = net.detect(
        0.0, 5.0, np.array([1]), pos, np.ones((1, 3)), np.array([1.0]), np.random.default_rng(5)
    )[0]
    b = net.detect(
        0.0, 5.0, np.array([1]), pos, np.ones((1, 3)), np.array([1.0]), np.random.default_rng(5)
    )[0]
    assert np.array_equal(a.pos_m, b.pos_m) and np.array_equal(a.truth_id, b.truth_id)


def test_build_radars_from_scenario_entries_and_rng_lookup() -> None:
    types = _load_catalog()
    scen = SimpleNamespace(
        radars=[
            SimpleNamespace(
                name="North",
                type="elm2084",
                lat_deg=31.6,
                lon_deg=34.6,
                alt_m=10.0,
                boresight_az_deg=180.0,
            ),
            {
                "name": "South",
                "type": "mpq65",
                "lat_deg": 31.4,
                "lon_deg": 34.6,
                "boresight_az_rad": 0.5,
            },
        ]
    )
    net = build_radars(scen, SimpleNamespace(radars=types), FRAME)
    assert net.names == ["North", "South"]
    assert net.radars[0].boresight_az_rad == pytest.approx(np.pi)
    assert net.radars[1].index == 1
    rngs = {"radar/North": np.random.default_rng(1), "South": np.random.default_rng(2)}
    det, _ = net.detect(
        0.0,
        1.0,
        np.array([0]),
        np.array([[0.0, 0.0, 5e3]]),
        np.zeros((1, 3)),
        np.array([1.0]),
        rngs,
    )
    assert set(det.sensor.tolist()) <= {0, 1}
    bad = SimpleNamespace(radars=[{"name": "X", "type": "nope", "lat_deg": 0, "lon_deg": 0}])
    with pytest.raises(KeyError, match="unknown radar type"):
        build_radars(bad, SimpleNamespace(radars=types), FRAME)


def test_callable_rng_source_gives_independent_repeatable_scans() -> None:
    from amdsim.core.rng import RngStreams

    net = _net(n_cells=0.0)
    pos = np.array([[1e4, 2e4, 3e3]])

    def noise(seed: int) -> list[np.ndarray]:
        get = RngStreams(seed).get  # returns a fresh generator on every call
        out = []
        for k in range(3):
            det, _ = net.detect(
                float(k), 1.0, np.array([1]), pos, np.zeros((1, 3)), np.array([1e3]), get
            )
            out.append(det.pos_m - pos)
        return out

    a, b = noise(9), noise(9)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])
