"""Scenario loading speed: the default preset and a large synthetic scenario.

Anchor: parsing the same text with ruamel.yaml's safe loader alone (no line
numbers, no validation), measured side by side in this process. The ratio is the cost of
line tracking, unit conversion, schema and cross-field checks and catalog resolution.

Run: ``.venv/bin/python benchmarks/bench_scenario.py`` (writes docs/benchmarks/scenario.md).
"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from ruamel.yaml import YAML

from amdsim.scenario import build_areas, load_scenario_text, preset_text

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def large_text(n_assets: int = 1000, n_raids: int = 1000) -> str:
    """A synthetic scenario: ``n_assets`` circles/polygons and ``n_raids`` qassam raids."""
    out = ["name: Large", "origin: {lat_deg: 31.5, lon_deg: 34.6}", "duration_s: 3600", "assets:"]
    for i in range(n_assets):
        lat, lon = 31.45 + 0.0001 * (i % 100), 34.62 + 0.0001 * (i // 100)
        if i % 2:
            out.append(
                f"  - {{name: A{i}, value: {i}, circle: {{lat_deg: {lat:.5f}, lon_deg: {lon:.5f}, radius_m: 300}}}}"
            )
        else:
            out.append(
                f"  - {{name: A{i}, value: {i}, polygon: [[{lat:.5f}, {lon:.5f}], [{lat + 0.002:.5f}, {lon:.5f}],"
                f" [{lat + 0.002:.5f}, {lon + 0.002:.5f}], [{lat:.5f}, {lon + 0.002:.5f}]]}}"
            )
    out += ["radars:", "  - {name: R, type: elm2084, lat_deg: 31.5, lon_deg: 34.64}", "raids:"]
    for i in range(n_raids):
        out.append(
            f"  - {{name: S{i}, threat: qassam, launch: {{lat_deg: 31.5, lon_deg: 34.53, radius_m: 100}},"
            f" target: {{asset: A{i % n_assets}}}, count: 10, schedule: {{start_s: 0, end_s: 600}}}}"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    rows = []
    safe = YAML(typ="safe")
    for label, text, repeat in [
        ("preset:default (5 raids, 83 threats)", preset_text("default"), 30),
        ("synthetic: 500 assets, 500 raids (5,000 threats)", large_text(500, 500), 3),
    ]:
        t_anchor = _best(lambda text=text: safe.load(text), repeat)
        t_load = _best(lambda text=text: load_scenario_text(text, "bench.yaml"), repeat)
        sc = load_scenario_text(text, "bench.yaml")
        t_areas = _best(lambda sc=sc: build_areas(sc), repeat)
        rows.append((label, t_load, t_anchor, t_load / t_anchor, t_areas))
        print(
            f"{label}: load {t_load * 1e3:.1f} ms, anchor {t_anchor * 1e3:.1f} ms, ratio {t_load / t_anchor:.1f}, build_areas {t_areas * 1e3:.1f} ms"
        )
    lines = [
        "## scenario",
        "",
        "Loading a scenario file (`load_scenario_text`: line-tracking parse, unit conversion, schema,",
        "cross-field and reachability checks, catalog) against the anchor of a bare",
        "`ruamel.yaml` safe parse of the same text; CPU time (process_time), best of several runs, same process.",
        "",
        "| scenario | load (CPU ms) | anchor: bare YAML parse (CPU ms) | ratio | build_areas (CPU ms) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {a} | {b * 1e3:.1f} | {c * 1e3:.1f} | {d:.1f} | {e * 1e3:.2f} |"
        for a, b, c, d, e in rows
    ]
    lines += [
        "",
        "Command: `.venv/bin/python benchmarks/bench_scenario.py`; machine: "
        f"{_cpu()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
    ]
    out = ROOT / "docs" / "benchmarks" / "scenario.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
