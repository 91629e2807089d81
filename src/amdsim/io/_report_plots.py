"""Matplotlib (Agg, no pyplot global state) figures for reports, embedded as PNG data URIs.

Every figure is a fresh :class:`matplotlib.figure.Figure` drawn on an Agg canvas, so report
generation is offline, headless and safe in worker threads.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Polygon

from amdsim.io.results import Columns, RunResults

__all__ = [
    "data_uri",
    "plot_bars",
    "plot_campaign",
    "plot_forest",
    "plot_histograms",
    "plot_map",
    "plot_placements",
    "plot_timeline",
]

_TYPE_COLORS = (
    "#d62728",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#7f7f7f",
)
_KM = 1e-3


def _figure(w: float = 8.0, h: float = 4.5) -> Figure:
    fig = Figure(figsize=(w, h), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (the figure is then discarded)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _draw_assets(ax: Any, assets: Sequence[dict[str, Any]]) -> list[np.ndarray]:
    pts = []
    for a in assets:
        c = np.asarray(a.get("center_m") or [0.0, 0.0], float) * _KM
        if a.get("polygon_m"):
            poly = np.asarray(a["polygon_m"], float) * _KM
            ax.add_patch(Polygon(poly, closed=True, fc="#2ca02c", alpha=0.25, ec="#2ca02c", lw=1.5))
            pts.append(poly)
        else:
            r = float(a.get("radius_m") or 0.0) * _KM
            ax.add_patch(Circle(tuple(c), r, fc="#2ca02c", alpha=0.25, ec="#2ca02c", lw=1.5))
            pts.append(np.array([c - r, c + r]))
        ax.annotate(
            str(a.get("name", "")), tuple(c), ha="center", va="center", fontsize=8, color="#145214"
        )
    return pts


def plot_map(res: RunResults) -> Figure:
    """Plan view (east/north, km): assets, radars and range rings, batteries and envelope
    rings, threat and interceptor tracks, intercept points, impacts (leak / no leak)."""
    fig = _figure(8.0, 7.0)
    ax = fig.add_subplot(1, 1, 1)
    run = res.run
    pts = _draw_assets(ax, run.get("assets") or [])
    for rd in run.get("radars") or []:
        p = np.asarray(rd.get("pos_m", [0, 0, 0]), float)[:2] * _KM
        ax.plot(*p, marker="^", color="#1f77b4", ms=9, ls="none")
        ax.annotate(
            str(rd.get("name", "")), tuple(p), xytext=(5, 5), textcoords="offset points", fontsize=7
        )
        if rd.get("max_range_m"):
            ax.add_patch(
                Circle(tuple(p), rd["max_range_m"] * _KM, fill=False, ec="#1f77b4", ls="--", lw=0.8)
            )
        pts.append(p[None, :])
    for b in run.get("batteries") or []:
        p = np.asarray(b.get("pos_m", [0, 0, 0]), float)[:2] * _KM
        ax.plot(*p, marker="s", color="#17344f", ms=8, ls="none")
        ax.annotate(
            str(b.get("name", "")),
            tuple(p),
            xytext=(5, -10),
            textcoords="offset points",
            fontsize=7,
        )
        if b.get("max_range_m"):
            ax.add_patch(Circle(tuple(p), b["max_range_m"] * _KM, fill=False, ec="#17344f", lw=1.0))
        if b.get("min_range_m"):
            ax.add_patch(
                Circle(tuple(p), b["min_range_m"] * _KM, fill=False, ec="#17344f", ls=":", lw=0.8)
            )
        pts.append(p[None, :])
    tr = res.trajectories
    handles = []
    if len(tr.get("t_s", ())):
        order = np.lexsort((tr["t_s"], tr["id"], tr["object"].astype(str)))
        obj, ids = tr["object"][order].astype(str), tr["id"][order]
        typ = tr["type"][order].astype(str)
        xy = np.stack([tr["x_m"][order], tr["y_m"][order]], axis=-1) * _KM
        pts.append(xy)
        key = np.char.add(obj, ids.astype(str))
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        ends = np.r_[starts[1:], key.size]
        ttypes = sorted({t for o, t in zip(obj[starts], typ[starts]) if o == "threat"})
        colors = {t: _TYPE_COLORS[i % len(_TYPE_COLORS)] for i, t in enumerate(ttypes)}
        for t in ttypes:
            segs = [xy[s:e] for s, e in zip(starts, ends) if obj[s] == "threat" and typ[s] == t]
            ax.add_collection(LineCollection(segs, colors=colors[t], lw=0.9, alpha=0.8))
            handles.append(ax.plot([], [], color=colors[t], label=f"threat: {t}")[0])
        isegs = [xy[s:e] for s, e in zip(starts, ends) if obj[s] == "interceptor"]
        if isegs:
            ax.add_collection(LineCollection(isegs, colors="#1f77b4", lw=0.7, alpha=0.8))
            handles.append(ax.plot([], [], color="#1f77b4", label="interceptor")[0])
    ev = res.events
    styles: tuple[tuple[str, dict[str, Any]], ...] = (
        (
            "intercept",
            {
                "marker": "*",
                "color": "#ffbf00",
                "mec": "k",
                "mew": 0.4,
                "ms": 9,
                "label": "intercept",
            },
        ),
        (
            "leak",
            {
                "marker": "X",
                "color": "#d62728",
                "mec": "k",
                "mew": 0.4,
                "ms": 8,
                "label": "impact: leak",
            },
        ),
    )
    for kind, style in styles:
        sel = ev["kind"] == kind
        if sel.any():
            handles.append(
                ax.plot(ev["x_m"][sel] * _KM, ev["y_m"][sel] * _KM, ls="none", **style)[0]
            )
    leak_ids = set(ev["threat_id"][ev["kind"] == "leak"].tolist())
    sel = (ev["kind"] == "impact") & ~np.isin(ev["threat_id"], list(leak_ids))
    if sel.any():
        handles.append(
            ax.plot(
                ev["x_m"][sel] * _KM,
                ev["y_m"][sel] * _KM,
                "x",
                color="#555555",
                ms=6,
                label="impact: no leak",
            )[0]
        )
    allp = np.concatenate([p.reshape(-1, 2) for p in pts]) if pts else np.zeros((1, 2))
    allp = allp[np.isfinite(allp).all(axis=1)]
    if allp.size:
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = max(1.0, 0.08 * float(np.max(hi - lo)))
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("east (km)")
    ax.set_ylabel("north (km)")
    ax.grid(True, lw=0.3)
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="best")
    ax.set_title(
        "Map: assets (green), radars ▲ (range, dashed), batteries ■ (envelope)", fontsize=9
    )
    return fig


def plot_timeline(counts: dict[str, np.ndarray]) -> Figure:
    """Launches, intercepts, impacts and leaks per time bin."""
    fig = _figure(8.0, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    edges = counts["edges_s"]
    width = (edges[1] - edges[0]) if edges.size > 1 else 1.0
    kinds = (
        ("launch", "#7f7f7f"),
        ("intercept", "#ffbf00"),
        ("impact", "#8c564b"),
        ("leak", "#d62728"),
    )
    for k, (kind, color) in enumerate(kinds):
        off = (k - 1.5) * width / 4.5
        ax.bar(
            edges[:-1] + width / 2 + off, counts[kind], width=width / 4.5, color=color, label=kind
        )
    ax.set_xlabel(f"time (s), {width:g} s bins")
    ax.set_ylabel("count")
    ax.legend(fontsize=7, ncols=4)
    ax.grid(True, axis="y", lw=0.3)
    return fig


def plot_bars(
    labels: Sequence[str], series: dict[str, Sequence[float]], ylabel: str, title: str
) -> Figure:
    """Grouped bars: one group per label, one bar per series."""
    fig = _figure(6.0, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(labels))
    w = 0.8 / max(1, len(series))
    for k, (name, vals) in enumerate(series.items()):
        ax.bar(x + (k - (len(series) - 1) / 2) * w, vals, width=w, label=name)
    ax.set_xticks(x, [str(s) for s in labels], fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        ax.legend(fontsize=7)
    ax.grid(True, axis="y", lw=0.3)
    return fig


def plot_histograms(reps: Columns, aggregate: dict[str, dict[str, Any]]) -> Figure:
    """One histogram per metric of a Monte Carlo study, with its mean and CI marked."""
    names = [m for m in aggregate if m in reps] or [
        c
        for c in reps
        if c not in ("replication", "seed") and np.issubdtype(reps[c].dtype, np.number)
    ]
    n = max(1, len(names))
    ncol = min(3, n)
    nrow = math.ceil(n / ncol)
    fig = _figure(3.2 * ncol, 2.6 * nrow)
    for k, name in enumerate(names):
        ax = fig.add_subplot(nrow, ncol, k + 1)
        x = np.asarray(reps[name], float)
        x = x[np.isfinite(x)]
        if x.size:
            ax.hist(x, bins=min(30, max(5, int(np.sqrt(x.size)))), color="#9ecae1", ec="#3182bd")
        a = aggregate.get(name, {})
        for key, style in (("mean", "-"), ("ci_low", "--"), ("ci_high", "--")):
            if isinstance(a.get(key), (int, float)) and math.isfinite(a[key]):
                ax.axvline(a[key], color="#d62728", ls=style, lw=1)
        unit = a.get("unit", "")
        ax.set_title(f"{name}" + (f" ({unit})" if unit else ""), fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def plot_forest(rows: list[tuple[str, float, float, float]]) -> Figure:
    """Paired differences (b - a) with their confidence intervals, one row per metric,
    each scaled by its largest absolute value so metrics of different units share an axis."""
    fig = _figure(7.0, 0.5 + 0.45 * max(1, len(rows)))
    ax = fig.add_subplot(1, 1, 1)
    for k, (_name, d, lo, hi) in enumerate(rows):
        s = max(abs(d), abs(lo), abs(hi)) or 1.0
        color = "#2ca02c" if lo > 0 or hi < 0 else "#7f7f7f"
        ax.plot([lo / s, hi / s], [k, k], color=color, lw=2)
        ax.plot(d / s, k, "o", color=color)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=8)
    ax.set_xlim(-1.1, 1.1)
    ax.set_xlabel("difference b − a (scaled per metric; CI not crossing 0 in green)", fontsize=8)
    ax.invert_yaxis()
    return fig


def plot_campaign(
    days: np.ndarray,
    stock: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    daily: dict[str, np.ndarray],
) -> Figure:
    """Campaign: mean stock per interceptor type over days with a (low, high) band, and one
    bar chart per daily series (mean over replications)."""
    fig = _figure(8.0, 3.0 * (1 + len(daily)))
    ax = fig.add_subplot(1 + len(daily), 1, 1)
    for t, (mean, lo, hi) in stock.items():
        line = ax.step(days, mean, where="post", label=str(t))[0]
        ax.fill_between(days, lo, hi, step="post", color=line.get_color(), alpha=0.2, lw=0)
    ax.set_ylabel("stock (rounds)")
    ax.set_title("Interceptor stock over the campaign (mean, 10–90 % band)", fontsize=9)
    if stock:
        ax.legend(fontsize=7)
    ax.grid(True, lw=0.3)
    for k, (name, vals) in enumerate(daily.items()):
        ax2 = fig.add_subplot(1 + len(daily), 1, k + 2)
        ax2.bar(days, vals, color="#9ecae1", ec="#3182bd")
        ax2.set_ylabel(f"{name} per day")
        ax2.grid(True, axis="y", lw=0.3)
    fig.axes[-1].set_xlabel("day")
    fig.tight_layout()
    return fig


def plot_placements(placements: list[dict[str, Any]], assets: Sequence[dict[str, Any]]) -> Figure:
    """Chosen battery placements (east/north km) over the defended assets."""
    fig = _figure(7.0, 6.0)
    ax = fig.add_subplot(1, 1, 1)
    pts = _draw_assets(ax, assets)
    for p in placements:
        xy = p.get("_xy_km")
        if xy is None:
            continue
        ax.plot(*xy, marker="s", color="#17344f", ms=9, ls="none")
        ax.annotate(
            str(p.get("name", "")), tuple(xy), xytext=(5, 5), textcoords="offset points", fontsize=8
        )
        if p.get("max_range_m"):
            ax.add_patch(Circle(tuple(xy), p["max_range_m"] * _KM, fill=False, ec="#17344f"))
        pts.append(np.asarray(xy, float)[None, :])
    if pts:
        allp = np.concatenate([q.reshape(-1, 2) for q in pts])
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = max(1.0, 0.1 * float(np.max(hi - lo)))
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("east (km)")
    ax.set_ylabel("north (km)")
    ax.grid(True, lw=0.3)
    ax.set_title("Chosen battery placements", fontsize=9)
    return fig
