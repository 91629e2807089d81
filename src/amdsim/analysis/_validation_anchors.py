"""What the validation report compares for each preset: the public figure (value, confidence
tag, public-figures section), the model quantity that corresponds to it, and the caveats.

Public figures are quoted from shared/reference/public-figures.md; ``low``/``high`` bound the
public value as a fraction (NaN where the public side gives no number). A model share is
reported with its 95 % Clopper-Pearson interval over the threats of the run; the verdict is
"consistent" when that interval overlaps the public range, "differs" when it does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from amdsim.analysis._validation_runs import RunMetrics

__all__ = ["PLANS", "Anchor", "PresetPlan", "anchor_value"]

NAN = float("nan")


@dataclass(frozen=True)
class Anchor:
    """One model-vs-public comparison of a preset."""

    quantity: str
    public: str
    conf: str
    source: str
    low: float
    high: float
    num: Callable[[RunMetrics], int]
    den: Callable[[RunMetrics], int]
    needs_defence: bool = True
    note: str = ""


@dataclass(frozen=True)
class PresetPlan:
    """How the report runs a preset (``shortened`` keyword arguments) and what it compares."""

    name: str
    situation: str
    quick: dict[str, Any]
    full: dict[str, Any]
    anchors: tuple[Anchor, ...]
    caveats: tuple[str, ...] = ()
    siting: bool = False
    timeline: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def anchor_value(a: Anchor, m: RunMetrics) -> tuple[int, int]:
    """``(numerator, denominator)`` counts of the model share."""
    return int(a.num(m)), int(a.den(m))


def _kind(m: RunMetrics, kind: str, key: str) -> int:
    return int(m.by_kind.get(kind, {}).get(key, 0))


_ENGAGED_OF_CROSSING = Anchor(
    "rockets crossing that were engaged",
    "~60 % (1,000 intercepted of ~1,650 crossing, 14 May 2021)",
    "CALC",
    "public-figures §3.2 (derived check)",
    0.50,
    0.70,
    lambda m: m.engaged,
    lambda m: m.crossing,
    note="the CALC assumes every 'intercepted' count was an engagement; ±10 points taken as its spread",
)
_KILLED_OF_ENGAGED = Anchor(
    "engaged threats that were intercepted",
    "~90 % of engaged (IDF; 95 % claim in CSIS summary)",
    "H (claim)",
    "public-figures §1.1, §3.2",
    0.85,
    0.95,
    lambda m: m.intercepted,
    lambda m: m.engaged,
    note="the catalog Tamir pk (0.68 per round, two rounds 0.9) is itself derived from this claim",
)
_OPEN_GROUND_ENGAGED = Anchor(
    "threats aimed at open ground that were engaged",
    "only threats predicted to hit protected areas are engaged",
    "H",
    "public-figures §1.1 (CRS IN10158)",
    0.0,
    0.05,
    lambda m: m.engaged_open_ground,
    lambda m: m.launched - m.aimed_at_assets,
    note="public side is a rule, not a rate; 0-5 % taken as 'follows the rule'",
)

PLANS: tuple[PresetPlan, ...] = (
    PresetPlan(
        "rocket_campaign",
        "(a) long rocket campaign, Iron Dome-class defence (May 2021 magnitudes)",
        {"max_threats": 17, "window_s": 30.0},
        {"max_threats": 120, "window_s": 600.0},
        (_ENGAGED_OF_CROSSING, _KILLED_OF_ENGAGED, _OPEN_GROUND_ENGAGED),
        (
            "The short copy keeps every raid (rocket class and target) but compresses 11 days "
            "into minutes: the defence never runs short, as it did not in May 2021.",
            "Falls-short and open-ground shares are inputs of the preset (15.6 % and ~half, "
            "public-figures §3.2), not model outputs.",
        ),
    ),
    PresetPlan(
        "opening_barrage",
        "(b) opening-day saturation barrage (7 October 2023 magnitudes)",
        {"max_threats": 22, "window_s": 20.0},
        {"max_threats": 150, "window_s": 600.0},
        (
            _KILLED_OF_ENGAGED,
            Anchor(
                "rockets aimed at towns that hit them",
                "not published; the defence was described as overwhelmed",
                "D",
                "public-figures §3.3",
                NAN,
                NAN,
                lambda m: m.leakers,
                lambda m: m.aimed_at_assets,
            ),
        ),
        (
            "The short copy fires the opening ripple at a higher rate than the real one, to "
            "load the batteries in a few simulated minutes; leakage over time is shown in the "
            "timeline plot.",
            "Stocks do not run out in the short copy (5 batteries hold 5 x (60 + 40) rounds); "
            "in the full preset ~1,320 rockets aimed at towns need more than that, so stock "
            "exhaustion is only seen in the full 13-hour run (`amdsim run preset:opening_barrage`).",
        ),
        timeline=True,
    ),
    PresetPlan(
        "mixed_raid",
        "(c) mixed long-range raid on layered defences (13-14 April 2024 magnitudes)",
        {"max_threats": 8, "window_s": 20.0, "max_approach_s": 180.0, "dt_s": 0.2},
        {"max_threats": 80, "window_s": 600.0, "max_approach_s": 900.0},
        (
            Anchor(
                "ballistic missiles that hit a defended asset",
                ">= 9 of ~120 hit two air bases (>= 7.5 %)",
                "M",
                "public-figures §3.4",
                0.075,
                0.20,
                lambda m: _kind(m, "ballistic", "leakers"),
                lambda m: _kind(m, "ballistic", "launched"),
                needs_defence=False,
                note="public count is a lower bound; upper end 20 % taken for the comparison",
            ),
            Anchor(
                "all threats that hit a defended asset",
                "'99 % intercepted' (most drones and cruise missiles by aircraft)",
                "H (claim)",
                "public-figures §3.4",
                0.0,
                0.05,
                lambda m: m.leakers,
                lambda m: m.launched,
                needs_defence=False,
            ),
        ),
        (
            "No fighter aircraft, ships or partner forces are modelled; in April 2024 they "
            "shot down most drones and cruise missiles before the ground-based layers "
            "(public-figures §3.4), so model drone and cruise-missile leakage is an upper bound.",
            "The short copy launches drones and cruise missiles close to their targets; ballistic "
            "missiles keep the ~1,300 km geometry. Quick mode uses dt 0.2 s.",
        ),
    ),
    PresetPlan(
        "ballistic_salvo",
        "(d) ballistic salvo on upper-tier defences (1 October 2024 magnitudes)",
        {"max_threats": 6, "window_s": 10.0, "dt_s": 0.2},
        {"max_threats": 60, "window_s": 300.0},
        (
            Anchor(
                "ballistic missiles that hit a defended asset",
                ">= 25-32 ground impacts at/near targets of ~180-200 (>= 12-18 %)",
                "CALC / D",
                "public-figures §3.5",
                0.12,
                0.30,
                lambda m: m.leakers,
                lambda m: m.launched,
                needs_defence=False,
                note="impact counts may include debris of intercepted missiles; upper end 30 % taken",
            ),
        ),
        (
            "Not modelled: the ~dozen SM-3 shots from US destroyers (public-figures §3.5).",
            "Interceptor stocks at the batteries are assumptions (not published).",
        ),
    ),
    PresetPlan(
        "ballistic_salvo_thaad",
        "(d') the same salvo with an added THAAD-class battery",
        {"max_threats": 6, "window_s": 10.0, "dt_s": 0.2},
        {"max_threats": 60, "window_s": 300.0},
        (
            Anchor(
                "ballistic missiles that hit a defended asset",
                "no public figure (THAAD arrived two weeks after 1 Oct 2024)",
                "-",
                "public-figures §3.6",
                NAN,
                NAN,
                lambda m: m.leakers,
                lambda m: m.launched,
                needs_defence=False,
            ),
        ),
        (
            "Compare with (d): `amdsim compare preset:ballistic_salvo preset:ballistic_salvo_thaad`.",
        ),
    ),
    PresetPlan(
        "dispersed_bases",
        "(e) dispersed bases and about a dozen Patriot/THAAD-class batteries (Oct 2023 surge)",
        {"max_threats": 10, "window_s": 20.0, "max_approach_s": 180.0, "dt_s": 0.2},
        {"max_threats": 40, "window_s": 600.0, "max_approach_s": 900.0},
        (_OPEN_GROUND_ENGAGED,),
        (
            "Public reporting gives the number of systems (about a dozen, H) and of attacks "
            "(>160 by late January 2024, H), not outcomes per attack: the model's value here is "
            "the siting comparison below, not a rate to match.",
        ),
        siting=True,
    ),
    PresetPlan(
        "forward_base_cram",
        "(f) mortar and rocket fire on a forward base with C-RAM-class guns",
        {"max_threats": 40, "window_s": 180.0},
        {"max_threats": 40, "window_s": 180.0},
        (
            _OPEN_GROUND_ENGAGED,
            Anchor(
                "engaged rounds that were intercepted",
                "'>375 intercepts' (no rate published)",
                "M",
                "public-figures §1.6",
                NAN,
                NAN,
                lambda m: m.intercepted,
                lambda m: m.engaged,
            ),
        ),
        ("C-RAM burst kill probabilities by range are assumptions (not published).",),
    ),
)


def verdict(a: Anchor, m: RunMetrics, ci: tuple[float, float]) -> str:
    """ "consistent" / "differs" / "no public figure" / "not comparable" (see module doc)."""
    _, den = anchor_value(a, m)
    if den == 0:
        return "not comparable: no threats of this kind in the run"
    if den < 5:
        return "too few threats to judge (n < 5)"
    if a.needs_defence and m.batteries and m.rounds_fired == 0:
        return "not comparable: the defence fired no round in this run"
    if math.isnan(a.low):
        return "no public figure"
    return "consistent" if ci[1] >= a.low and ci[0] <= a.high else "differs"
