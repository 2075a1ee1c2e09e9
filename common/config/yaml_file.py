"""Reading camera-config YAML strictly, and turning validation errors into messages that name
the file, the camera, the field and the line: what an operator needs to fix a config."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import PydanticCustomError


class ConfigError(ValueError):
    """A config that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def fields_error(problems: list[tuple[str, str]]) -> PydanticCustomError:
    """Cross-field problems, each with its sub-path, so the report still names the field."""
    text = "; ".join(f"{f}: {m}" for f, m in problems)
    return PydanticCustomError("dendo_fields", "{text}", {"text": text, "problems": problems})


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which YAML would silently collapse."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float):
                continue
            if key in seen:
                problem = f"duplicate key {key!r} (first at line {seen[key] + 1})"
                raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest YAML node an error location reaches."""
    line = None
    for key in loc:
        items = node.value if isinstance(node, yaml.MappingNode | yaml.SequenceNode) else []
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in items if getattr(k, "value", None) == str(key)), None)
        else:
            pair = (items[key],) * 2 if isinstance(key, int) and key < len(items) else None
        if pair is None:
            break
        line, node = pair[0].start_mark.line + 1, pair[1]  # the key's line, not its value's
    return line


def message(err: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown key {loc[-1]!r}: extra inputs are not permitted (check the spelling)"
    if err["type"] == "missing":
        return "is required but missing"
    msg, value = str(err["msg"]).removeprefix("Value error, "), err.get("input")
    secret = loc[-1:] == ("source",) and loc[-2:-1] != ("signal",)  # may hold a password
    if isinstance(value, str | int | float) and err["type"] != "value_error" and not secret:
        msg += f" (got {value!r})"
    return msg


def split_field(field: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in field.split("."))


def format_errors(
    exc: ValidationError, data: dict[str, Any], path: Path, root: Any, id_pattern: re.Pattern[str]
) -> list[str]:
    cameras = data.get("cameras")
    cams: list[Any] = cameras if isinstance(cameras, list) else []
    lines = []
    for err in exc.errors(include_url=False):
        base = tuple(err["loc"])
        parts = [(base, message(err, base))]
        if err["type"] == "dendo_fields":
            parts = [(base + split_field(f), m) for f, m in err["ctx"]["problems"]]
        for loc, msg in parts:
            who, field = None, loc
            if loc[:1] == ("cameras",) and len(loc) > 1 and isinstance(loc[1], int):
                cid = cams[loc[1]].get("id") if isinstance(cams[loc[1]], dict) else None
                good = isinstance(cid, str) and id_pattern.match(cid)
                who = f"camera {cid} (index {loc[1]})" if good else f"camera at index {loc[1]}"
                field = loc[2:]
            elif loc[:1] == ("defaults",):
                who, field = "defaults", loc[1:]
            head = ": ".join(s for s in (str(path), who, ".".join(map(str, field))) if s)
            line = line_of(root, loc)
            lines.append(f"{head}: {msg}" + (f" (line {line})" if line else ""))
    return lines


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """A config file's document and its node tree (for line numbers in later errors);
    ConfigError naming the file and the line when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read the file: {exc}"]) from exc
    try:
        loader = StrictLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark, ctx = exc.problem_mark or exc.context_mark, exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        started = ""
        if ctx and mark and ctx.line != mark.line:  # mark is ctx when problem_mark is None
            started = f" (started at line {ctx.line + 1})"
        what = ", ".join(s for s in (exc.context and exc.context + started, exc.problem) if s)
        raise ConfigError([f"{path}: invalid YAML at {where}: {what}"]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        bad = f"character #x{exc.character:04x}" if isinstance(exc.character, int) else "byte"
        raise ConfigError([f"{path}: invalid YAML at line {line}: {bad} is not allowed"]) from None
    return data, root
