"""Markdown of the validation report (see :mod:`amdsim.analysis.validation`)."""

from __future__ import annotations

import math
from typing import Any

from amdsim.analysis._validation_physics import CheckRow

__all__ = ["render"]


def _num(x: float, digits: int = 6) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.{digits - 2}e}"
    return f"{x:.{digits}g}"


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.0f} %"


def _physics(rows: list[CheckRow], plots: dict[str, str]) -> list[str]:
    out = [
        "## 1. Physics and algorithms against references",
        "",
        "Each row calls the package's own code; the reference values are those of "
        "`shared/reference/public-figures.md` §4 with their source. Tolerances are in the "
        "row's unit and are the same as in the reference tests under `tests/reference/`.",
        "",
    ]
    groups: dict[str, list[CheckRow]] = {}
    for r in rows:
        groups.setdefault(r.group, []).append(r)
    for g, rs in groups.items():
        n_ok = sum(r.passed for r in rs)
        out += [f"### {g} ({n_ok}/{len(rs)} pass)", "", f"Source: {rs[0].source}.", ""]
        out += [
            "| Quantity | Unit | Reference | Ours | Error | Tolerance | Result |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rs:
            ref = r.reference_text or _num(r.reference)
            err = "-" if math.isnan(r.reference) else _num(r.error, 3)
            res = "PASS" if r.passed else "FAIL"
            out.append(
                f"| {r.quantity} | {r.unit} | {ref} | {_num(r.ours)} | {err} | {r.tolerance_text} | {res} |"
            )
        out.append("")
    for key, title in (("atmosphere", "USSA76 density"), ("vacuum", "Minimum-energy flights")):
        if key in plots:
            out += [f"![{title}]({plots[key]})", ""]
    return out


def _counts(o: Any) -> list[str]:
    m = o.metrics
    sc = o.scenario
    return [
        f"Short copy run: {sc.n_threats} threats in {len(sc.raids)} raids, {sc.duration_s:.0f} s "
        f"simulated at dt {sc.dt_s:g} s, {len(sc.batteries)} batteries, {len(sc.radars)} radars, "
        f"seed {o.seed} ({o.cpu_s:.1f} s CPU).",
        "",
        "| Launched | Aimed at assets | Falls short | Engaged | Intercepted | Leakers | Rounds fired | Defence cost (USD) |",
        "|---|---|---|---|---|---|---|---|",
        f"| {m.launched} | {m.aimed_at_assets} | {m.falls_short} | {m.engaged} | {m.intercepted} | "
        f"{m.leakers} | {m.rounds_fired} | {m.cost_usd:,.0f} |",
        "",
    ]


def _preset(o: Any, plots: dict[str, str]) -> list[str]:
    p = o.plan
    out = [f"### {p.situation}", "", f"Preset `{p.name}` (`amdsim run preset:{p.name}`).", ""]
    out += _counts(o)
    out += [
        "| Quantity | Public figure | Conf. | Source | Model | Model 95 % CI | Verdict | Note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a, num, den, ci, verdict in o.comparisons:
        share = num / den if den else math.nan
        model = f"{num}/{den} = {_pct(share)}" if den else "-"
        ci_txt = "-" if math.isnan(ci[0]) else f"{_pct(ci[0])} - {_pct(ci[1])}"
        out.append(
            f"| {a.quantity} | {a.public} | {a.conf} | {a.source} | {model} | {ci_txt} | {verdict} | {a.note} |"
        )
    out.append("")
    if o.siting is not None:
        s = o.siting
        tot = s["total"] or math.nan
        out += [
            "Battery siting (maximal covering location problem, `amdsim.analysis.siting`): share "
            "of the defended value covered (intercept points 10 km in front of each base towards "
            "each launch area inside a battery's range ring).",
            "",
            "| Placement | Covered value | Share of total |",
            "|---|---|---|",
            f"| preset's own positions | {s['preset']:.1f} | {_pct(s['preset'] / tot)} |",
            f"| greedy | {s['greedy']:.1f} | {_pct(s['greedy'] / tot)} |",
            f"| optimal (MILP) | {s['milp']:.1f} | {_pct(s['milp'] / tot)} |",
            f"| LP upper bound | {s['lp_bound']:.1f} | {_pct(s['lp_bound'] / tot)} |",
            "",
        ]
    key = f"timeline_{p.name}"
    if key in plots:
        out += [f"![Timeline of {p.name}]({plots[key]})", ""]
    if p.caveats:
        out += ["Caveats:", ""] + [f"* {c}" for c in p.caveats] + [""]
    return out


def render(
    rows: list[CheckRow], outcomes: list[Any], plots: dict[str, str], *, quick: bool, seed: int
) -> str:
    """The whole report as Markdown."""
    from amdsim import __version__

    n_ok = sum(r.passed for r in rows)
    verdicts: dict[str, int] = {}
    for o in outcomes:
        for *_, v in o.comparisons:
            verdicts[v.split(":")[0]] = verdicts.get(v.split(":")[0], 0) + 1
    mode = "quick" if quick else "full"
    cmd = f"amdsim validate-model -o DIR{' --quick' if quick else ''} --seed {seed}"
    out = [
        "# Model validation",
        "",
        f"*Generated by `{cmd}` (amdsim {__version__}, {mode} mode). Do not edit by hand: "
        "regenerate it (CI does).*",
        "",
        "This report says, for the physics the model rests on and for each preset situation, how "
        "the model compares with published references and with what public reporting says. "
        "Public figures are approximate and often claims by one party; each carries the "
        "confidence tag of `shared/reference/public-figures.md` (H, M, L, D, CLAIM, CALC). "
        "A model number that differs from a public one is reported as such; no tolerance is "
        "tuned to hide it.",
        "",
        "## Summary",
        "",
        f"* Physics and algorithm rows: **{n_ok} of {len(rows)} pass** their stated tolerance.",
        "* Preset comparisons: "
        + (", ".join(f"{k}: {v}" for k, v in sorted(verdicts.items())) or "none run")
        + ".",
        "* The preset runs are *short copies* of the presets (fewer threats in a shorter window; "
        "slow drones and cruise missiles launched closer), single runs with one seed: their "
        "shares carry wide binomial intervals, shown beside each.",
        "",
    ]
    out += _physics(rows, plots)
    out += [
        "## 2. Presets against public reporting",
        "",
        "Definitions: *engaged* = a fire order was given on a track of the threat (tracks are "
        "mapped to the nearest true threat); *intercepted* = an interceptor killed it; "
        "*leaker* = it hit a defended asset; *falls short* = raids aimed at open ground within "
        "5 km of their launch point (the presets' stand-in for failed launches).",
        "",
    ]
    if "presets" in plots:
        out += [f"![Model shares against public ranges]({plots['presets']})", ""]
    for o in outcomes:
        out += _preset(o, plots)
    out += [
        "## 3. What the comparisons cannot tell",
        "",
        "* Interceptor envelopes, speeds, reaction and reload times and kill probabilities are "
        "not public (public-figures §5 gaps 1-2); the catalog values are labelled assumptions "
        "calibrated to public envelopes, so agreement with a public rate is partly by "
        "construction (e.g. the Tamir pk is derived from the ~90 % claim).",
        "* Public success rates are claims by the defending side, mix several shots per "
        "threat and threat filtering, and differ in definition (the 1991 Patriot dispute, "
        "public-figures §3.8).",
        "* Leaker counts of April and October 2024 are open-source estimates, not official "
        "(public-figures §5 gap 5); the presets' geography is synthetic.",
        "",
        "## How to regenerate",
        "",
        "```",
        "amdsim validate-model -o out/validation --docs docs      # full: larger short copies (tens of minutes)",
        "amdsim validate-model -o out/validation --quick          # quick: a few CPU minutes",
        "```",
        "",
    ]
    return "\n".join(out)
