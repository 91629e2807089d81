"""Report sections for studies: Monte Carlo, paired comparison, campaign, siting.

Readers are tolerant: the files may carry extra keys or columns, metrics may be plain numbers
or ``{"value", "unit"}``, and column names have a few accepted spellings.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.core.frames import LocalFrame
from amdsim.io import _report_html as H
from amdsim.io import _report_plots as P
from amdsim.io.results import ResultsError, metric_rows, metric_value, read_json, read_table

__all__ = ["campaign_section", "compare_section", "mc_section", "siting_section"]


def _num(x: Any) -> float:
    return metric_value(x)[0]


def _failures_note(study_dir: Path) -> str:
    path = study_dir / "failures.json"
    if not path.is_file():
        return ""
    fails = read_json(path)
    k = len(fails) if isinstance(fails, (list, dict)) else 0
    return f" <b>{k} replication(s) failed</b> (see failures.json)." if k else ""


def mc_section(study_dir: Path) -> list[str]:
    """Monte Carlo: CI table from ``aggregate.json``, histograms from ``replications.parquet``."""
    agg = read_json(study_dir / "aggregate.json")
    if not isinstance(agg, dict):
        raise ResultsError(
            f"{study_dir / 'aggregate.json'}: expected a JSON object {{metric: {{...}}}}"
        )
    agg = {k: v for k, v in agg.items() if isinstance(v, dict) and "mean" in v}
    reps = read_table(study_dir / "replications.parquet")
    n = len(next(iter(reps.values()))) if reps else 0
    keys = ("mean", "ci_low", "ci_high", "std", "n")
    rows = [[m, *(_num(a.get(k)) for k in keys), str(a.get("unit", ""))] for m, a in agg.items()]
    out = [
        H.section(
            "Monte Carlo: means and confidence intervals",
            f"<p>{n} replications.{_failures_note(study_dir)}</p>"
            + H.table(["metric", "mean", "CI low", "CI high", "std", "n", "unit"], rows)
            + '<p class="note">Intervals as written by the study (aggregate.json).</p>',
            "mc-ci",
        ),
        H.section(
            "Monte Carlo: distributions over replications",
            H.img(
                P.data_uri(P.plot_histograms(reps, agg)), "histograms of metrics over replications"
            )
            + '<p class="note">Red: mean (solid) and CI bounds (dashed).</p>',
            "mc-hist",
        ),
    ]
    if n:
        cols = list(reps)
        # seeds are labels, not quantities: no thousands separators
        show = [
            [str(reps[c][i]) if c == "seed" else reps[c][i] for c in cols]
            for i in range(min(n, 200))
        ]
        more = f"<p class='note'>First 200 of {n} rows.</p>" if n > 200 else ""
        out.append(H.section("Monte Carlo: replications", H.table(cols, show) + more, "mc-reps"))
    return out


def compare_section(cmp_dir: Path) -> list[str]:
    """Paired comparison from ``paired.json``: table of a, b, b − a with CI, and a forest plot."""
    paired = read_json(cmp_dir / "paired.json")
    if not isinstance(paired, dict):
        raise ResultsError(f"{cmp_dir / 'paired.json'}: expected a JSON object {{metric: {{...}}}}")
    variants = paired.get("variants")
    labels: list[str] = [str(v) for v in variants] if isinstance(variants, list) else []
    metrics = {k: v for k, v in paired.items() if isinstance(v, dict) and "diff_mean" in v}
    rows, forest = [], []
    for m, d in metrics.items():
        diff, lo, hi = _num(d.get("diff_mean")), _num(d.get("ci_low")), _num(d.get("ci_high"))
        sig = "yes" if (lo > 0 or hi < 0) else "no"
        rows.append(
            [
                m,
                _num(d.get("a_mean")),
                _num(d.get("b_mean")),
                diff,
                lo,
                hi,
                sig,
                str(d.get("unit", "")),
            ]
        )
        if all(math.isfinite(v) for v in (diff, lo, hi)):
            forest.append((m, diff, lo, hi))
    a, b = (str(x) for x in [*labels, "a", "b"][:2])
    body = H.table(
        [
            "metric",
            f"mean ({a})",
            f"mean ({b})",
            "diff b − a",
            "CI low",
            "CI high",
            "CI excludes 0",
            "unit",
        ],
        rows,
    )
    if forest:
        body += H.img(
            P.data_uri(P.plot_forest(forest)), "paired differences with confidence intervals"
        )
    return [H.section(f"Comparison: paired differences ({b} − {a})", body, "compare")]


def _col(cols: dict[str, np.ndarray], names: tuple[str, ...], path: Path) -> str:
    for n in names:
        if n in cols:
            return n
    raise ResultsError(f"{path}: missing column (one of {', '.join(names)})")


def campaign_section(cdir: Path) -> list[str]:
    """Campaign from ``campaign.parquet``: rows of (replication, day, interceptor type, stock,
    ..., leakers, cost_usd); ``leakers`` and ``cost_usd`` are per day (repeated on each type's
    row). Replications are averaged; the stock band spans the 10th-90th percentile."""
    path = cdir / "campaign.parquet"
    cols = read_table(path)
    day_c = _col(cols, ("day", "day_index"), path)
    typ_c = _col(cols, ("interceptor_type", "interceptor", "type"), path)
    stock_c = _col(cols, ("stock", "stock_rounds", "inventory"), path)
    day = np.asarray(cols[day_c], float)
    typ = np.asarray(cols[typ_c]).astype(str)
    rep = np.asarray(cols["replication"]) if "replication" in cols else np.zeros(day.size, int)
    stock = np.asarray(cols[stock_c], float)
    days = np.unique(day)
    types = sorted(set(typ.tolist()))
    n_rep = int(np.unique(rep).size)
    bands: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    rows = []
    for t in types:
        per_day = [stock[(typ == t) & (day == d)] for d in days]
        mean = np.array([x.mean() if x.size else math.nan for x in per_day])
        lo = np.array([np.percentile(x, 10) if x.size else math.nan for x in per_day])
        hi = np.array([np.percentile(x, 90) if x.size else math.nan for x in per_day])
        bands[t] = (mean, lo, hi)
        last = stock[(typ == t) & (day == days[-1])] if days.size else np.empty(0)
        zero = days[mean <= 0]
        rows.append(
            [t, mean[0] if mean.size else math.nan, mean[-1] if mean.size else math.nan,
             zero[0] if zero.size else "not exhausted",
             float(np.mean(last <= 0)) if last.size else math.nan]
        )  # fmt: skip
    daily: dict[str, np.ndarray] = {}
    for names in (("leakers", "leaks"), ("cost_usd", "cost")):
        found = [n for n in names if n in cols]
        if not found:
            continue
        v = np.asarray(cols[found[0]], float)
        daily[found[0]] = np.array(
            [
                np.mean([v[(rep == r) & (day == d)].mean() for r in np.unique(rep[day == d])])
                for d in days
            ]
        )
    body = f"<p>{n_rep} replication(s), {days.size} day(s).</p>"
    summ_path = cdir / "campaign.json"
    if summ_path.is_file():
        summ = read_json(summ_path)
        if isinstance(summ, dict):
            srows = [[n, v, u] for n, v, u in metric_rows(summ) if not isinstance(v, str)]
            if srows:
                body += H.table(["campaign result (campaign.json)", "value", "unit"], srows)
    body += H.table(
        ["interceptor", "mean stock, first day", "mean stock, last day",
         "first day mean stock is zero", "share of replications empty at the end"],
        rows,
    )  # fmt: skip
    body += H.img(
        P.data_uri(P.plot_campaign(days, bands, daily)), "campaign stock levels over days"
    )
    return [H.section("Campaign: stock levels over days", body, "campaign")]


def siting_section(sdir: Path, run: dict[str, Any] | None = None) -> list[str]:
    """Siting from ``siting.json``: the chosen placements (table and map)."""
    path = sdir / "siting.json"
    data = read_json(path)
    places = data.get("placements") if isinstance(data, dict) else data
    if not isinstance(places, list):
        raise ResultsError(f"{path}: expected a 'placements' list")
    run = run or {}
    origin = (data.get("origin") if isinstance(data, dict) else None) or run.get("origin")
    assets = (data.get("assets") if isinstance(data, dict) else None) or run.get("assets") or []
    frame = None
    if origin:
        frame = LocalFrame(
            float(origin["lat_deg"]), float(origin["lon_deg"]), float(origin.get("alt_m", 0.0))
        )
    elif any("lat_deg" in p for p in places if isinstance(p, dict)):
        p0 = next(p for p in places if isinstance(p, dict) and "lat_deg" in p)
        frame = LocalFrame(float(p0["lat_deg"]), float(p0["lon_deg"]))
    rows, shown = [], []
    skip = {"name", "system", "pos_m", "x_m", "y_m", "lat_deg", "lon_deg", "alt_m"}
    extra = sorted({k for p in places if isinstance(p, dict) for k in p if k not in skip})
    for k, p in enumerate(places):
        if not isinstance(p, dict):
            continue
        xy = None
        if p.get("pos_m") is not None:
            xy = np.asarray(p["pos_m"], float)[:2] / 1000.0
        elif "x_m" in p and "y_m" in p:
            xy = np.array([float(p["x_m"]), float(p["y_m"])]) / 1000.0
        elif "lat_deg" in p and frame is not None:
            xy = (
                frame.geodetic_to_enu(p["lat_deg"], p["lon_deg"], p.get("alt_m", 0.0)).ravel()[:2]
                / 1000.0
            )
        shown.append(
            {**p, "name": p.get("name", f"#{k + 1}"), "_xy_km": None if xy is None else xy.tolist()}
        )
        rows.append(
            [p.get("name", f"#{k + 1}"), str(p.get("system", "")),
             xy[0] if xy is not None else math.nan, xy[1] if xy is not None else math.nan]
            + [_num(p.get(e)) if not isinstance(p.get(e), str) else p.get(e) for e in extra]
        )  # fmt: skip
    body = ""
    if isinstance(data, dict):
        summ = [
            [k, *metric_value(v)]
            for k, v in data.items()
            if k not in ("placements", "assets", "origin")
        ]
        summ = [r for r in summ if math.isfinite(r[1])]
        if summ:
            body += H.table(["result", "value", "unit"], summ)
    body += H.table(["battery", "system", "east (km)", "north (km)", *extra], rows)
    body += H.img(P.data_uri(P.plot_placements(shown, assets)), "chosen battery placements")
    return [H.section("Siting: chosen placements", body, "siting")]
