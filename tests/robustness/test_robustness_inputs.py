"""Malformed inputs end in a clear ``file:line`` error within bounded time and memory.

Every scenario in ``corpus/`` and ``tests/unit/malformed/``, and every detections CSV in
``corpus/``, runs in one child process limited to 3 GiB of address space and 20 s per input
(``_probe.py``); the hostile ones too big to commit (YAML anchor bomb, deep nesting, a 5 MB
scenario, a 200,000-row CSV) are generated here. Outcomes are recorded for
docs/robustness.md (``_records.py``).
"""

from __future__ import annotations

import pathlib

from tests.robustness._probe import probe_many
from tests.robustness._records import record

CORPUS = pathlib.Path(__file__).parent / "corpus"
MALFORMED = pathlib.Path(__file__).parents[1] / "unit" / "malformed"
TIME_BOUND_S = 10.0  # per input, far above what a clear refusal needs
MEM_BOUND_MB = 1024.0  # peak resident memory of the probe process

# a fragment of the message each corpus scenario must produce (after "file:line: ")
SCENARIO_EXPECT = {
    "alias_undefined": "undefined alias",
    "binary_garbage": "not valid UTF-8",
    "bom_only": "empty scenario file",
    "bool_key": "keys must be text",
    "complex_key": "keys must be text",
    "control_char": "U+0007 is not allowed",
    "huge_count": "must be <= 1000000",
    "huge_duration": "duration_s: must be <=",
    "huge_hex": "integer out of range",
    "huge_int_digits": "invalid value",
    "huge_radius": "radius_m: must be <=",
    "inf_count": "must be an integer",
    "latin1": "not valid UTF-8",
    "lone_surrogate": "not valid UTF-8",
    "long_key": "YAML syntax error",
    "merge_non_map": "merging",
    "nan_duration": "finite",
    "nan_lat": "finite",
    "nan_text": "must be a number",
    "neg_inf_lon": "finite",
    "negative_dt": "dt_s: must be > 0",
    "negative_duration": "duration_s: must be > 0",
    "negative_radius": "must be > 0",
    "negative_value": "must be >= 0",
    "nul_bytes": "U+0000 is not allowed",
    "null_key": "keys must be text",
    "overflow_float": "finite",
    "tab_indent": "YAML syntax error",
    "tag_binary": "not allowed",
    "tag_custom_map": "tags are not allowed",
    "tag_python_module": "tags are not allowed",
    "tag_python_name": "tags are not allowed",
    "tag_python_object": "tags are not allowed",
    "tag_set": "not allowed",
    "tag_timestamp_bad": "month must be in 1..12",
    "tag_verbatim": "tags are not allowed",
    "tiny_dt": "too many time steps",
    "two_documents": "single document",
    "type_assets_scalar": "must be a list",
    "type_count_bool": "must be an integer",
    "type_count_float": "must be an integer",
    "type_duration_text": "must be a number",
    "type_lat_date": "must be a number",
    "type_name_list": "must be text",
    "type_origin_list": "must be a mapping",
    "type_raids_mapping": "must be a list",
    "unclosed_flow": "YAML syntax error",
    "unclosed_quote": "YAML syntax error",
    "utf16": "not valid UTF-8",
    "zero_dt": "dt_s: must be > 0",
    "zero_duration": "duration_s: must be > 0",
}
CSV_EXPECT = {
    "csv_binary": "not valid UTF-8",
    "csv_duplicate_header": "duplicate column(s) x_m",
    "csv_empty": "empty file",
    "csv_inf": "not finite",
    "csv_latin1": "not valid UTF-8",
    "csv_nan": "not finite",
    "csv_no_header": "missing column",
    "csv_nul": "not a number",
    "csv_out_of_order": "out of order",
    "csv_overflow": "not finite",
    "csv_semicolon": "missing column",
    "csv_sensor_fraction": "sensor: not an integer",
    "csv_sensor_huge": "sensor: not an integer",
    "csv_sensor_negative": "sensor: not an integer",
    "csv_sigma_negative": "sigma_m: must be >= 0",
    "csv_text_value": "not a number",
    "csv_unclosed_quote": "expected 4 fields",
    "csv_wrong_fields": "expected 4 fields",
}
# valid but extreme: must be accepted without a crash or hang
CSV_ACCEPT = {"csv_huge_time"}


def _bomb(levels: int = 9, fan: int = 9) -> str:
    """The "billion laughs" YAML: ``fan**levels`` strings from ``levels`` short lines."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * fan) + "]")
    return "\n".join(lines) + "\n"


def _generated(tmp: pathlib.Path) -> dict[str, tuple[str, str, str]]:
    """name -> (kind, file name, expected fragment)."""
    files = {
        "anchor_bomb.yaml": (_bomb(), "more than 500,000 values"),
        "anchor_bomb_wide.yaml": (_bomb(levels=4, fan=200), "more than 500,000 values"),
        "deep_flow.yaml": ("name: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested too deeply"),
        "deep_block.yaml": (
            "".join(" " * i + f"k{i}:\n" for i in range(1000)) + " " * 1000 + "v\n",
            "nested too deeply",
        ),
        "deep_compact_seq.yaml": ("name:\n" + "- " * 5000 + "x\n", "nested too deeply"),
        "very_large.yaml": (
            "name: x\nfoo:\n" + "  - 123456789\n" * 400_000,
            "file too large",
        ),
    }
    out = {}
    for name, (text, frag) in files.items():
        (tmp / name).write_text(text, encoding="utf-8")
        out[name] = ("scenario", name, frag)
    (tmp / "csv_huge_field.csv").write_text(
        "t_s,x_m,y_m,z_m\n0,1,2,3\n1," + "9" * 200_000 + ",3,4\n", encoding="utf-8"
    )
    out["csv_huge_field.csv"] = ("csv", "csv_huge_field.csv", "field larger than field limit")
    rows = "".join(f"{i * 0.1:.1f},{i},{2 * i},{1000 + i}\n" for i in range(200_000))
    (tmp / "csv_200k_rows.csv").write_text("t_s,x_m,y_m,z_m\n" + rows, encoding="utf-8")
    out["csv_200k_rows.csv"] = ("csv", "csv_200k_rows.csv", "")  # valid: accepted
    return out


def _check(kind: str, name: str, res: dict, expect: str | None, category: str) -> list[str]:
    """Record one outcome; return what is wrong with it (empty when fine)."""
    record(
        category, f"{kind}: {name}", res["outcome"], res["message"], res["seconds"], res["peak_mb"]
    )
    wrong = []
    if expect is None:
        if res["outcome"] != "accepted":
            wrong.append(f"{name}: expected to be accepted, got {res['outcome']}: {res['message']}")
    else:
        if res["outcome"] != "error":
            wrong.append(f"{name}: {res['outcome']}: {res['message']}")
        elif not all(x.startswith(f"{name}:") for x in res["message"].splitlines()):
            wrong.append(f"{name}: message does not start with the file name: {res['message']}")
        elif expect and expect not in res["message"]:
            wrong.append(f"{name}: {expect!r} not in {res['message']!r}")
    if res["seconds"] is not None and res["seconds"] > TIME_BOUND_S:
        wrong.append(f"{name}: took {res['seconds']:.1f} s")
    if res["peak_mb"] is not None and res["peak_mb"] > MEM_BOUND_MB:
        wrong.append(f"{name}: peak {res['peak_mb']:.0f} MB")
    return wrong


def test_corpus_is_complete() -> None:
    names = {p.stem for p in CORPUS.iterdir()}
    assert names == set(SCENARIO_EXPECT) | set(CSV_EXPECT) | CSV_ACCEPT


def test_committed_corpus_and_unit_malformed_cases() -> None:
    """The corpus and the loader's own malformed cases (tests/unit/malformed), one child.

    ``tag_python_object.yaml`` would run ``touch /tmp/amdsim-pwned`` if YAML constructed
    Python objects; the marker file must not appear.
    """
    marker = pathlib.Path("/tmp/amdsim-pwned")
    marker.unlink(missing_ok=True)
    cases = [("scenario", f"{n}.yaml") for n in sorted(SCENARIO_EXPECT)]
    cases += [("csv", f"{n}.csv") for n in sorted(set(CSV_EXPECT) | CSV_ACCEPT)]
    cases += [("track", f"{n}.csv") for n in sorted(set(CSV_EXPECT) | CSV_ACCEPT)]
    malformed = sorted(p.name for p in MALFORMED.glob("*.yaml"))
    assert len(malformed) >= 30
    paths = [(k, CORPUS / n) for k, n in cases] + [("scenario", MALFORMED / n) for n in malformed]
    results = probe_many(paths, cwd=CORPUS)
    wrong: list[str] = []
    for (kind, path), res in zip(paths, results):
        if path.parent == MALFORMED:
            res["message"] = res["message"].replace(f"{MALFORMED}/", "")
            wrong += _check(kind, path.name, res, "", "malformed")
            continue
        stem = path.stem
        expect = SCENARIO_EXPECT.get(stem, CSV_EXPECT.get(stem))
        res["message"] = res["message"].replace(f"{CORPUS}/", "")
        wrong += _check(kind, path.name, res, expect, "corpus")
    assert not marker.exists(), "a YAML tag constructed a Python object"
    assert not wrong, "\n".join(wrong)


def test_generated_hostile_inputs(tmp_path: pathlib.Path) -> None:
    gen = _generated(tmp_path)
    cases = [(kind, fname) for kind, fname, _ in gen.values()]
    results = probe_many(cases, cwd=tmp_path)
    wrong: list[str] = []
    for (kind, fname, frag), res in zip(gen.values(), results):
        wrong += _check(kind, fname, res, frag or None, "generated")
    assert not wrong, "\n".join(wrong)
