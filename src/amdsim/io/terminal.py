"""Terminal output with rich: the run summary table and a progress bar for long loops."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from amdsim.io.results import metric_rows

__all__ = ["Advance", "print_summary", "progress", "progress_callback", "summary_table"]


def _fmt(v: Any) -> str:
    if isinstance(v, str):
        return v
    x = float(v)
    if math.isnan(x):
        return "–"
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def summary_table(summary: dict[str, Any], title: str = "amdsim run summary") -> Table:
    """A rich table of a summary dict (plain numbers or ``{"value","unit"}``, nested ok)."""
    table = Table(title=title, show_lines=False)
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    table.add_column("unit", style="dim")
    for name, value, unit in metric_rows(summary):
        table.add_row(name, _fmt(value), unit)
    return table


def print_summary(
    summary: dict[str, Any], console: Console | None = None, title: str = "amdsim run summary"
) -> None:
    """Print a run's (or study's) summary as a table."""
    (console or Console()).print(summary_table(summary, title))


class Advance(Protocol):
    def __call__(self, n: int = 1) -> None: ...


@contextlib.contextmanager
def progress(
    total: int,
    description: str = "working",
    *,
    min_total: int = 20,
    console: Console | None = None,
    disable: bool = False,
) -> Iterator[Advance]:
    """A progress bar for a loop of ``total`` steps; yields ``advance(n=1)``.

    Does nothing (the yielded ``advance`` is a no-op) when ``total < min_total``, when
    ``disable`` is set, or when the console is not a terminal, so short runs and logs stay
    clean. The bar is removed when the block ends.

    Examples
    --------
    >>> with progress(3, "replications") as advance:
    ...     for _ in range(3):
    ...         advance()
    """
    con = console or Console(stderr=True)
    if disable or total < min_total or not con.is_terminal:

        def _noop(n: int = 1) -> None:
            return None

        yield _noop
        return
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=con,
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)

        def _advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield _advance


@contextlib.contextmanager
def progress_callback(
    description: str = "simulating",
    *,
    delay_s: float = 0.5,
    console: Console | None = None,
    disable: bool = False,
) -> Iterator[Callable[[float], None]]:
    """A progress bar driven by the fraction done: yields ``callback(fraction)`` (0..1).

    The bar appears only once ``delay_s`` seconds have passed with the work under 90 % done,
    so short runs print nothing; it is never shown when the console is not a terminal, and
    it is removed when the block ends. Fits ``amdsim.simulation.run(..., progress=callback)``.
    """
    con = console or Console(stderr=True)
    if disable or not con.is_terminal:

        def _noop(fraction: float) -> None:
            return None

        yield _noop
        return
    t0 = time.monotonic()
    state: dict[str, Any] = {"bar": None, "task": None}

    def _update(fraction: float) -> None:
        f = min(1.0, max(0.0, float(fraction)))
        bar = state["bar"]
        if bar is None:
            if time.monotonic() - t0 < delay_s or f >= 0.9:
                return
            bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=con,
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task(description, total=1.0)
        bar.update(state["task"], completed=f)

    try:
        yield _update
    finally:
        if state["bar"] is not None:
            state["bar"].stop()
