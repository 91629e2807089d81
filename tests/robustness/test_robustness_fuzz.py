"""Property-based fuzzing (hypothesis) of the scenario loader and the detections CSV reader.

Properties: any text, any bytes, any single-field mutation of a valid scenario and any CSV
either loads (and then every number in it is finite and in range) or raises the amdsim
error type whose every line starts with ``file:line:``; never another exception, never
longer than a few seconds (``signal.alarm``). Fixed seed (``derandomize``) for repeatable CI.
"""

from __future__ import annotations

import copy
import io
import math
import pathlib
import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from amdsim.core.errors import InputError, ScenarioError
from amdsim.scenario import load_scenario, load_scenario_text
from amdsim.tracking.interchange import read_detections_csv
from tests.robustness._records import record

BASE_TEXT = (
    (pathlib.Path(__file__).parents[1] / "unit" / "malformed" / "unknown_threat.yaml")
    .read_text(encoding="utf-8")
    .replace("qasam", "qassam")
)
FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ALARM_S = 10


class _Hang(Exception):
    pass


@contextmanager
def _bounded(seconds: int = ALARM_S) -> Iterator[None]:
    def _raise(signum: int, frame: Any) -> None:
        raise _Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _clear(exc: Exception, name: str) -> None:
    lines = str(exc).splitlines()
    assert lines, "empty error message"
    pat = re.compile(rf"^{re.escape(name)}:\d+: \S")
    for line in lines:
        assert pat.match(line), f"no file:line in {line!r}"


class _Stats:
    def __init__(self, category: str) -> None:
        self.category = category
        self.n = {"accepted": 0, "error": 0}
        self.slowest = 0.0
        self.example = ""

    def run(self, fn: Callable[[], Any], err: type[Exception], name: str) -> Any:
        t0 = time.perf_counter()
        try:
            with _bounded():
                out = fn()
            self.n["accepted"] += 1
            return out
        except err as exc:
            _clear(exc, name)
            self.n["error"] += 1
            self.example = self.example or str(exc).splitlines()[0]
            return None
        finally:
            self.slowest = max(self.slowest, time.perf_counter() - t0)

    def record(self, case: str) -> None:
        record(
            self.category,
            case,
            f"{self.n['error']} clear errors, {self.n['accepted']} accepted, 0 other",
            f"e.g. {self.example}",
            self.slowest,
        )


def _sane_scenario(sc: Any) -> None:
    assert math.isfinite(sc.duration_s) and sc.duration_s > 0
    assert math.isfinite(sc.dt_s) and 0 < sc.dt_s <= sc.duration_s
    for a in sc.assets:
        assert math.isfinite(a.value) and a.value >= 0


@FUZZ
@given(text=st.text(max_size=400))
def test_any_text_is_loaded_or_refused_with_file_line(text: str) -> None:
    stats = _TEXT
    sc = stats.run(lambda: load_scenario_text(text, "fuzz.yaml"), ScenarioError, "fuzz.yaml")
    if sc is not None:
        _sane_scenario(sc)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_from_a_file(tmp_path_factory: Any, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fz") / "fuzz.yaml"
    path.write_bytes(data)
    sc = _BYTES.run(lambda: load_scenario(path), ScenarioError, str(path))
    if sc is not None:
        _sane_scenario(sc)


_yaml = YAML(typ="safe", pure=True)
BASE = _yaml.load(BASE_TEXT)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(BASE)
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@FUZZ
@given(path=st.sampled_from(PATHS), value=VALUES)
def test_any_single_field_mutation(path: tuple[Any, ...], value: Any) -> None:
    doc = copy.deepcopy(BASE)
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    buf = io.StringIO()
    _yaml.dump(doc, buf)
    sc = _FIELDS.run(
        lambda: load_scenario_text(buf.getvalue(), "mutant.yaml"), ScenarioError, "mutant.yaml"
    )
    if sc is not None:
        _sane_scenario(sc)


CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
)


@FUZZ
@given(
    header=st.permutations(["t_s", "x_m", "y_m", "z_m", "sensor", "sigma_m"]),
    rows=st.lists(st.lists(CELL, min_size=5, max_size=7), max_size=8),
)
def test_any_detections_csv(
    tmp_path_factory: Any, header: list[str], rows: list[list[str]]
) -> None:
    path = tmp_path_factory.mktemp("fz") / "dets.csv"
    lines = [",".join(header)] + [",".join(c.replace(",", ";") for c in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tab = _CSV.run(lambda: read_detections_csv(path), InputError, "dets.csv")
    if tab is None:
        return
    for c in ("t_s", "x_m", "y_m", "z_m"):
        assert np.isfinite(tab[c]).all()
    assert (np.diff(tab["t_s"]) >= 0).all()
    assert (tab["sensor"] >= 0).all()
    assert not (tab["sigma_m"] < 0).any()


_TEXT = _Stats("fuzz")
_BYTES = _Stats("fuzz")
_FIELDS = _Stats("fuzz")
_CSV = _Stats("fuzz")


def test_zz_record_fuzz_totals() -> None:
    """Runs after the properties (file order): one record per property for the report."""
    for stats, case in (
        (_TEXT, "scenario: random text (hypothesis, 80 examples)"),
        (_BYTES, "scenario: random bytes in a file (hypothesis, 80 examples)"),
        (_FIELDS, "scenario: one field of a valid scenario set to a random value (80)"),
        (_CSV, "detections CSV: random cells under a shuffled header (80)"),
    ):
        if sum(stats.n.values()):
            stats.record(case)
