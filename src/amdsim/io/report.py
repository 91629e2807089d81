"""Self-contained HTML reports of runs and studies (``report.html``).

A report is one HTML file with inline CSS and matplotlib (Agg) figures embedded as PNG
``data:`` URIs; it references nothing outside itself (no CDN, fonts or scripts) and its
Content-Security-Policy forbids any fetch, so it works offline and can be e-mailed.

Public functions (each returns the path of the written ``report.html``):

* :func:`write_report` — one run (``amdsim run``): key figures, map, timeline, leakage by
  threat type and by asset, interceptor expenditure and cost; campaign and siting sections
  too when ``campaign.parquet`` / ``siting.json`` sit in the folder.
* :func:`write_mc_report` — Monte Carlo study (``replications.parquet``, ``aggregate.json``).
* :func:`write_compare_report` — paired comparison (``paired.json``).
* :func:`write_campaign_report`, :func:`write_siting_report` — planning studies.
* :func:`build_report` — (``amdsim report DIR``) picks the right one from the files present.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from amdsim.io import _report_html as H
from amdsim.io._report_story import threat_stories
from amdsim.io._report_tables import expenditure, leakage_by_asset, leakage_by_type, timeline_counts
from amdsim.io.results import ResultsError, check_dir, load_run, metric_rows, read_json

__all__ = [
    "REPORT_NAME",
    "build_report",
    "rebuild_report",
    "write_campaign_report",
    "write_compare_report",
    "write_mc_report",
    "write_report",
    "write_siting_report",
]

REPORT_NAME = "report.html"
_KPIS = (
    ("launched", "threats launched"),
    ("intercepts", "intercepts"),
    ("impacts", "impacts"),
    ("leaks", "leakers"),
    ("value_lost", "value lost"),
    ("cost_usd", "interceptor cost (USD)"),
)


def _write(out_dir: Path, title: str, subtitle: str, sections: list[str]) -> Path:
    path = out_dir / REPORT_NAME
    path.write_text(H.page(title, subtitle, sections), encoding="utf-8")
    return path


def _run_sections(run_dir: Path) -> tuple[str, str, list[str]]:
    res = load_run(run_dir)
    # matplotlib is imported only once the inputs are known to be good (fast, clear errors)
    from amdsim.io import _report_plots as P
    from amdsim.io._report_studies import campaign_section, siting_section

    run, ev = res.run, res.events
    name = str(run.get("scenario_name") or res.summary.get("scenario") or run_dir.name)
    subtitle = (
        f"seed {run.get('seed', res.summary.get('seed', '?'))} · duration {H.fmt(run.get('duration_s'))} s"
        f" · step {H.fmt(run.get('dt_s'))} s · amdsim {run.get('amdsim_version', '?')}"
        + (f" · scenario file {run['scenario_file']}" if run.get("scenario_file") else "")
    )
    by_type = leakage_by_type(res)
    by_asset = leakage_by_asset(res)
    spend = expenditure(res)
    derived = {
        "launched": sum(r["launched"] for r in by_type),
        "intercepts": sum(r["intercepted"] for r in by_type),
        "impacts": sum(r["impacts"] for r in by_type),
        "leaks": sum(r["leaks"] for r in by_type),
        "value_lost": sum(r["value_lost"] for r in by_asset),
        "cost_usd": sum(r["cost_usd"] for r in spend),
    }
    kpis = "".join(
        f'<div class="kpi"><b>{html.escape(H.fmt(derived[k]))}</b><span>{html.escape(label)}</span></div>'
        for k, label in _KPIS
    )
    rows = [[n, v, u] for n, v, u in metric_rows(res.summary)]
    out = [
        H.section(
            "Summary",
            f'<div class="kpis">{kpis}</div>'
            '<p class="note">Counted from the event log (distinct threats / rounds).</p>'
            + H.table(["metric (summary.json)", "value", "unit"], rows),
            "summary",
        ),
        H.section(
            "Map",
            H.img(P.data_uri(P.plot_map(res)), "map of assets, sensors, batteries and tracks"),
            "map",
        ),
        H.section(
            "Timeline",
            H.img(
                P.data_uri(P.plot_timeline(timeline_counts(res))),
                "launches, intercepts and impacts over time",
            ),
            "timeline",
        ),
    ]
    cols = [
        "launched",
        "detected",
        "engaged",
        "intercepted",
        "impacts",
        "leaks",
        "leak_rate",
        "value_lost",
    ]
    body = H.table(["threat type", *cols], [[r["type"], *(r[c] for c in cols)] for r in by_type])
    body += H.table(
        ["asset", "asset value", "leakers", "value lost"],
        [[r["asset"], r["asset_value"], r["leaks"], r["value_lost"]] for r in by_asset],
    )
    if by_type:
        body += H.img(
            P.data_uri(
                P.plot_bars(
                    [r["type"] for r in by_type],
                    {
                        "launched": [r["launched"] for r in by_type],
                        "leaks": [r["leaks"] for r in by_type],
                    },
                    "threats",
                    "Leakage by threat type",
                )
            ),
            "leakage by threat type",
        )
    if by_asset:
        body += H.img(
            P.data_uri(
                P.plot_bars(
                    [r["asset"] for r in by_asset],
                    {"leakers": [r["leaks"] for r in by_asset]},
                    "threats",
                    "Leakers by asset",
                )
            ),
            "leakers by asset",
        )
    out.append(H.section("Leakage", body, "leakage"))
    if spend:
        tot = [
            "total",
            "",
            *(sum(r[c] for r in spend) for c in ("fired", "intercepts", "misses", "cost_usd")),
        ]
        body = H.table(
            ["battery", "interceptor", "fired", "intercepts", "misses", "cost (USD)"],
            [
                [
                    r["battery"],
                    r["interceptor"],
                    r["fired"],
                    r["intercepts"],
                    r["misses"],
                    r["cost_usd"],
                ]
                for r in spend
            ]
            + [tot],
        )
        per_kill = tot[5] / tot[3] if tot[3] else math.nan
        body += f'<p class="note">Cost per intercept: {html.escape(H.fmt(per_kill))} USD.</p>'
    else:
        body = "<p>No interceptor was launched.</p>"
    out.append(H.section("Interceptor expenditure and cost", body, "expenditure"))
    stories = threat_stories(res)
    story_rows = [
        [
            tid,
            s["type"],
            s["outcome"],
            "; ".join(f"{ln['label']}: {ln['text']}" for ln in s["lines"][1:]),
        ]
        for tid, s in list(stories.items())[:300]
    ]
    more = f"<p class='note'>First 300 of {len(stories)} threats.</p>" if len(stories) > 300 else ""
    out.append(
        H.section(
            "Threat by threat",
            H.table(["threat", "type", "outcome", "story"], story_rows) + more,
            "threats",
        )
    )
    if (run_dir / "campaign.parquet").is_file():
        out += campaign_section(run_dir)
    if (run_dir / "siting.json").is_file():
        out += siting_section(run_dir, run)
    if res.missing_optional:
        out.append(
            f'<p class="note">Not in the results folder: {html.escape(", ".join(res.missing_optional))}.</p>'
        )
    n_ev = int(ev["t_s"].shape[0])
    out.append(f'<p class="note">{n_ev:,} events read from events.parquet.</p>')
    return f"amdsim run report: {name}", subtitle, out


def write_report(run_dir: str | Path) -> Path:
    """Write ``run_dir/report.html`` for a run's results folder and return its path.

    Raises :class:`amdsim.io.results.ResultsError` naming any missing file.
    """
    d = Path(run_dir)
    title, subtitle, sections = _run_sections(d)
    return _write(d, title, subtitle, sections)


def _study_title(d: Path, kind: str) -> tuple[str, str]:
    meta = read_json(d / "study.json") if (d / "study.json").is_file() else {}
    name = (
        str(meta.get("scenario_name") or meta.get("name") or d.name)
        if isinstance(meta, dict)
        else d.name
    )
    return f"amdsim {kind}: {name}", f"results folder {d.name}"


def write_mc_report(study_dir: str | Path) -> Path:
    """Monte Carlo report from ``replications.parquet`` and ``aggregate.json``."""
    d = check_dir(study_dir, ("aggregate.json", "replications.parquet"), "Monte Carlo study")
    from amdsim.io._report_studies import mc_section

    title, sub = _study_title(d, "Monte Carlo study")
    return _write(d, title, sub, mc_section(d))


def write_compare_report(cmp_dir: str | Path) -> Path:
    """Comparison report from ``paired.json``."""
    d = check_dir(cmp_dir, ("paired.json",), "comparison")
    from amdsim.io._report_studies import compare_section

    title, sub = _study_title(d, "comparison")
    return _write(d, title, sub, compare_section(d))


def write_campaign_report(campaign_dir: str | Path) -> Path:
    """Campaign report from ``campaign.parquet``."""
    d = check_dir(campaign_dir, ("campaign.parquet",), "campaign")
    from amdsim.io._report_studies import campaign_section

    summ = read_json(d / "campaign.json") if (d / "campaign.json").is_file() else {}
    mode = summ.get("mode") if isinstance(summ, dict) else None
    title, sub = _study_title(d, f"campaign ({mode} mode)" if mode else "campaign")
    return _write(d, title, sub, campaign_section(d))


def write_siting_report(siting_dir: str | Path) -> Path:
    """Siting report from ``siting.json`` (assets from ``run.json`` beside it, if any)."""
    d = check_dir(siting_dir, ("siting.json",), "siting")
    run = read_json(d / "run.json") if (d / "run.json").is_file() else {}
    from amdsim.io._report_studies import siting_section

    title, sub = _study_title(d, "siting")
    return _write(d, title, sub, siting_section(d, run if isinstance(run, dict) else {}))


def build_report(results_dir: str | Path) -> Path:
    """(Re)build ``report.html`` in any results folder, choosing the report from its files.

    A run folder (``run.json``) gets the run report; otherwise ``aggregate.json`` means Monte
    Carlo, ``paired.json`` a comparison, ``campaign.parquet`` a campaign, ``siting.json``
    siting. Raises :class:`ResultsError` if the folder holds none of them.
    """
    d = Path(results_dir)
    if not d.is_dir():
        raise ResultsError(
            f"results folder {d} does not exist" if not d.exists() else f"{d} is not a folder"
        )
    if (d / "run.json").is_file() or (d / "events.parquet").is_file():
        return write_report(d)
    from amdsim.io._report_studies import (
        campaign_section,
        compare_section,
        mc_section,
        siting_section,
    )

    sections: list[str] = []
    kinds = []
    for fname, builder, kind in (
        ("aggregate.json", mc_section, "Monte Carlo study"),
        ("paired.json", compare_section, "comparison"),
        ("campaign.parquet", campaign_section, "campaign"),
    ):
        if (d / fname).is_file():
            if fname == "aggregate.json":
                check_dir(d, ("aggregate.json", "replications.parquet"), "Monte Carlo study")
            sections += builder(d)
            kinds.append(kind)
    if (d / "siting.json").is_file():
        sections += siting_section(d)
        kinds.append("siting")
    if not sections:
        raise ResultsError(
            f"{d} holds no amdsim results: expected run.json + events.parquet (a run), "
            "aggregate.json + replications.parquet (Monte Carlo), paired.json (comparison), "
            "campaign.parquet or siting.json"
        )
    title, sub = _study_title(d, " + ".join(kinds))
    return _write(d, title, sub, sections)


rebuild_report = build_report
"""Alias of :func:`build_report` (``amdsim report DIR``)."""
