"""Read YAML into plain Python values plus a map of node line numbers.

ruamel.yaml's round-trip loader keeps the position of every key and list item; we keep
those (1-based) in a ``{path: line}`` dictionary and hand the rest of the loader plain
``dict``/``list``/scalar values. The round-trip constructor builds no arbitrary Python
objects; explicit tags (``!foo``) are refused.

Hostile or broken input is refused with ``file:line`` before it can exhaust time or memory:
texts over :data:`MAX_TEXT_CHARS`, flow nesting deeper than :data:`MAX_DEPTH` (checked on
the raw text, before parsing), alias ("billion laughs") expansion beyond :data:`MAX_NODES`
values, and values the YAML constructor cannot build (a 5,000-digit integer, 2024-13-45).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from amdsim.core.errors import ScenarioError

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_TEXT_CHARS",
    "Lines",
    "Path",
    "decode_utf8",
    "format_path",
    "read_yaml",
]

MAX_TEXT_CHARS = 1024 * 1024
"""Longest scenario text accepted (characters); hand-written scenarios are a few kB."""
MAX_DEPTH = 64
"""Deepest nesting of mappings / lists accepted (a scenario needs fewer than 10)."""
MAX_NODES = 500_000
"""Most values (after alias expansion) a document may hold; stops "billion laughs"."""

Path = tuple[str | int, ...]
Lines = dict[Path, int]


def format_path(path: Path) -> str:
    """``('batteries', 2, 'launchers')`` -> ``'batteries[2].launchers'``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        elif not p.isprintable() or not p.strip() or p != p.strip():
            out += f"[{p!r}]"  # keeps control characters and blanks out of the message
        else:
            out += f".{p}" if out else str(p)
    return out


def decode_utf8(raw: bytes, filename: str) -> str:
    """Decode ``raw`` as UTF-8 (a BOM is allowed) or raise ``file:line: ...``."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            [
                (
                    filename,
                    line,
                    "",
                    f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {col}); "
                    "save it as UTF-8",
                )
            ]
        ) from None


def read_yaml(text: str, filename: str) -> tuple[Any, Lines]:
    """Parse ``text``; return the plain value and the 1-based line of every node path.

    Raises
    ------
    ScenarioError
        ``file:line: message`` for syntax errors, duplicate keys, tags and
        unsupported values.
    """
    _check_size_and_depth(text, filename)
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    try:
        doc = yaml.load(text)
    except _ValueAt as exc:
        raise ScenarioError([(filename, exc.line, "", f"invalid value: {exc.message}")]) from None
    except RecursionError:
        raise ScenarioError(
            [(filename, _deepest_line(text), "", f"nested too deeply (limit {MAX_DEPTH} levels)")]
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = str(exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in problem:
            key = problem.split(" with value")[0].replace("found duplicate key", "").strip()
            problem = f"duplicate key {key} (a key may appear only once in a mapping)"
        else:
            ctx = f" {exc.context}" if exc.context else ""
            problem = f"YAML syntax error: {problem}{ctx}".rstrip()
        raise ScenarioError([(filename, line, "", problem)]) from None
    except ReaderError as exc:  # a character YAML forbids (NUL, control characters)
        pos = int(getattr(exc, "position", 0) or 0)
        line = text.count("\n", 0, pos) + 1
        ch = getattr(exc, "character", "")
        if isinstance(ch, str) and len(ch) == 1:
            ch = ord(ch)
        code = f"U+{ch:04X}" if isinstance(ch, int) else repr(ch)
        raise ScenarioError(
            [(filename, line, "", f"character {code} is not allowed in a YAML file")]
        ) from None
    except YAMLError as exc:  # pragma: no cover - unmarked ruamel errors are rare
        raise ScenarioError([(filename, 1, "", f"YAML error: {exc}")]) from None
    lines: Lines = {(): 1}
    problems: list[tuple[str, int | None, str, str]] = []
    try:
        value = _plain(doc, (), lines, filename, problems, [0])
    except _TooBig as exc:
        raise ScenarioError([(filename, exc.line, exc.where, exc.message)]) from None
    if problems:
        raise ScenarioError(problems)
    return value, lines


class _ValueAt(Exception):
    """A scalar the YAML constructor could not build, with its 1-based line."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _TooBig(Exception):
    def __init__(self, line: int | None, where: str, message: str):
        super().__init__(message)
        self.line, self.where, self.message = line, where, message


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that reports the line of a value it cannot build."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:
            mark = getattr(node, "start_mark", None)
            raise _ValueAt(mark.line + 1 if mark is not None else 1, str(exc)) from None


_BRACKETS = re.compile(r"[\[\]{}]")


def _check_size_and_depth(text: str, filename: str) -> None:
    """Refuse over-long texts and deep flow nesting before the (recursive) parser sees them."""
    if len(text) > MAX_TEXT_CHARS:
        raise ScenarioError(
            [
                (
                    filename,
                    1,
                    "",
                    f"file too large ({len(text) / 1e6:.1f} million characters; "
                    f"scenario files are limited to {MAX_TEXT_CHARS / 1e6:.1f} million)",
                )
            ]
        )
    depth = 0
    for m in _BRACKETS.finditer(text):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            raise ScenarioError(
                [(filename, line, "", f"nested too deeply (limit {MAX_DEPTH} levels)")]
            )


_INDENT = re.compile(r"^(?:[ ]|-[ ])*")


def _deepest_line(text: str) -> int:
    """1-based line with the deepest block indentation (spaces and ``- `` markers)."""
    best, best_line = -1, 1
    for i, line in enumerate(text.splitlines(), start=1):
        m = _INDENT.match(line)
        depth = m.end() if m else 0
        if depth > best:
            best, best_line = depth, i
    return best_line


_PLAIN_TAGS = (None, "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _tag_of(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    return getattr(tag, "value", tag) if tag is not None else None


def _plain(
    node: Any,
    path: Path,
    lines: Lines,
    filename: str,
    problems: list[tuple[str, int | None, str, str]],
    count: list[int],
) -> Any:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _TooBig(
            lines.get(path),
            format_path(path),
            f"document expands to more than {MAX_NODES:,} values "
            "(YAML aliases nested too deeply, or a file far too large)",
        )
    if len(path) > MAX_DEPTH:
        raise _TooBig(
            lines.get(path), format_path(path), f"nested too deeply (limit {MAX_DEPTH} levels)"
        )
    if (
        isinstance(node, (CommentedMap, CommentedSeq, TaggedScalar))
        and _tag_of(node) not in _PLAIN_TAGS
    ):
        tag = str(_tag_of(node)).replace("tag:yaml.org,2002:", "!!")
        problems.append(
            (filename, lines.get(path), format_path(path), f"YAML tags are not allowed (got {tag})")
        )
        return None
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            pos = node.lc.key(key)
            line = pos[0] + 1 if pos is not None else lines.get(path, 1)
            if not isinstance(key, str):
                problems.append(
                    (filename, line, format_path(path), f"keys must be text (got {key!r})")
                )
                continue
            sub = (*path, key)
            lines[sub] = line
            out[key] = _plain(node[key], sub, lines, filename, problems, count)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, item in enumerate(node):
            sub = (*path, i)
            pos = node.lc.item(i)
            lines[sub] = pos[0] + 1 if pos is not None else lines.get(path, 1)
            items.append(_plain(item, sub, lines, filename, problems, count))
        return items
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        if node.bit_length() > 63:  # also keeps 5,000-digit integers out of error messages
            problems.append(
                (
                    filename,
                    lines.get(path),
                    format_path(path),
                    "integer out of range (|n| >= 2**63)",
                )
            )
            return None
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, _dt.datetime):
        tz = node.tzinfo or _dt.UTC
        return _dt.datetime(
            node.year,
            node.month,
            node.day,
            node.hour,
            node.minute,
            node.second,
            node.microsecond,
            tzinfo=tz,
        )
    if isinstance(node, _dt.date):
        return _dt.datetime(node.year, node.month, node.day, tzinfo=_dt.UTC)
    problems.append(
        (
            filename,
            lines.get(path),
            format_path(path),
            f"unsupported YAML value {type(node).__name__} (YAML tags like !name are not allowed)",
        )
    )
    return None
