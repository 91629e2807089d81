"""Read YAML into plain Python values plus a map of node line numbers.

ruamel.yaml's round-trip loader keeps the position of every key and list item; we keep
those (1-based) in a ``{path: line}`` dictionary and hand the rest of the loader plain
``dict``/``list``/scalar values. The round-trip constructor builds no arbitrary Python
objects; explicit tags (``!foo``) are refused.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from amdsim.core.errors import ScenarioError

__all__ = ["Lines", "Path", "decode_utf8", "format_path", "read_yaml"]

Path = tuple[str | int, ...]
Lines = dict[Path, int]


def format_path(path: Path) -> str:
    """``('batteries', 2, 'launchers')`` -> ``'batteries[2].launchers'``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
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
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        doc = yaml.load(text)
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
    except YAMLError as exc:  # pragma: no cover - unmarked ruamel errors are rare
        raise ScenarioError([(filename, 1, "", f"YAML error: {exc}")]) from None
    lines: Lines = {(): 1}
    problems: list[tuple[str, int | None, str, str]] = []
    value = _plain(doc, (), lines, filename, problems)
    if problems:
        raise ScenarioError(problems)
    return value, lines


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
) -> Any:
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
            out[key] = _plain(node[key], sub, lines, filename, problems)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, item in enumerate(node):
            sub = (*path, i)
            pos = node.lc.item(i)
            lines[sub] = pos[0] + 1 if pos is not None else lines.get(path, 1)
            items.append(_plain(item, sub, lines, filename, problems))
        return items
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
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
