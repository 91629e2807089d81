"""PNG plots of the validation report (matplotlib, Agg backend, no display needed)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from amdsim.analysis._validation_physics import CheckRow

__all__ = ["write_plots"]


def _fig(w: float = 6.4, h: float = 4.0) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, plt.figure(figsize=(w, h), dpi=100)


def _atmosphere(path: Path, rows: list[CheckRow]) -> bool:
    rs = [r for r in rows if r.quantity.startswith("density at H = ")]
    if not rs:
        return False
    h = [float(r.quantity.split("= ")[1].split(" ")[0]) for r in rs]
    plt, fig = _fig()
    ax = fig.add_subplot(1, 1, 1)
    ax.semilogx(
        [r.reference for r in rs], h, "o", mfc="none", ms=9, label="USSA76 (public-figures §4.1)"
    )
    ax.semilogx([r.ours for r in rs], h, "x", ms=7, label="amdsim.physics.atmosphere")
    ax.set_xlabel("density (kg/m³)")
    ax.set_ylabel("geopotential height (km)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def _vacuum(path: Path, rows: list[CheckRow]) -> bool:
    tof = [r for r in rows if r.quantity.startswith("time of flight, ")]
    apo = [r for r in rows if r.quantity.startswith("apogee, ")]
    if not tof:
        return False
    rng = [float(r.quantity.split(", ")[1].split(" ")[0].replace(",", "")) for r in tof]
    plt, fig = _fig(8.0, 3.6)
    for k, (rs, lab) in enumerate(((tof, "time of flight (s)"), (apo, "apogee (km)"))):
        ax = fig.add_subplot(1, 2, k + 1)
        ax.plot(rng, [r.reference for r in rs], "o", mfc="none", ms=9, label="public-figures §4.4")
        ax.plot(rng, [r.ours for r in rs], "x", ms=7, label="threats kernel (vacuum, sphere)")
        ax.set_xlabel("ground range (km)")
        ax.set_ylabel(lab)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def _presets(path: Path, outcomes: list[Any]) -> bool:
    items = []
    for o in outcomes:
        for a, num, den, ci, verdict in o.comparisons:
            if (
                den
                and not math.isnan(a.low)
                and not verdict.startswith(("not comparable", "too few"))
            ):
                items.append((f"{o.plan.name}: {a.quantity}", a.low, a.high, num / den, ci))
    if not items:
        return False
    plt, fig = _fig(8.0, 0.6 * len(items) + 1.4)
    ax = fig.add_subplot(1, 1, 1)
    for i, (_, lo, hi, v, ci) in enumerate(items):
        ax.barh(
            i,
            hi - lo,
            left=lo,
            height=0.5,
            color="#c9d9ef",
            label="public range" if i == 0 else None,
        )
        ax.errorbar(v, i, xerr=[[v - ci[0]], [ci[1] - v]], fmt="o", color="k", capsize=3,
                    label="model (95 % CI)" if i == 0 else None)  # fmt: skip
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([t[0] for t in items], fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share")
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def _timeline(path: Path, o: Any) -> bool:
    tl = o.metrics.timeline
    if tl["launch_s"].size == 0:
        return False
    plt, fig = _fig(7.0, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    for key, lab in (("launch_s", "threats launched"), ("round_s", "interceptors fired"),
                     ("intercept_s", "intercepts"), ("leak_s", "leakers (asset hits)")):  # fmt: skip
        t = tl[key]
        if t.size:
            ax.step(np.concatenate([[0.0], t]), np.arange(t.size + 1), where="post", label=lab)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("cumulative count")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def write_plots(folder: Path, rows: list[CheckRow], outcomes: list[Any]) -> dict[str, str]:
    """Write the plots into ``folder``; returns ``{key: path relative to folder's parent}``."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, str] = {}
    jobs: list[tuple[str, Any]] = [
        ("atmosphere", lambda p: _atmosphere(p, rows)),
        ("vacuum", lambda p: _vacuum(p, rows)),
        ("presets", lambda p: _presets(p, outcomes)),
    ]
    for o in outcomes:
        if o.plan.timeline:
            jobs.append((f"timeline_{o.plan.name}", lambda p, o=o: _timeline(p, o)))
    for key, job in jobs:
        p = folder / f"{key}.png"
        if job(p):
            out[key] = f"{folder.name}/{key}.png"
    return out
