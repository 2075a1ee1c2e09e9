"""Every setting an operator can write in cameras.yaml or central.yaml is read by some code.

A field that nothing reads is a setting that silently does nothing: `signal.schedule.epoch`
was one, and a live camera on a fixed-time plan counted its cycle from the moment its stream
started. The test walks both schemas (every nested section) and looks, in the project's own
code, for an attribute read of each field name outside the schema's validators. It is a
static check: a field whose name is also read elsewhere for another object passes, so it
finds settings nobody reads, not every wrong reader; the behaviour tests cover those.
"""

from __future__ import annotations

import ast
import typing
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from central.config import CentralConfig
from common.config.city import CityConfig
from tests.paths import REPO

CODE = ("common", "edge", "central")
VALIDATORS = {"field_validator", "model_validator"}


def sections(root: type[BaseModel]) -> Iterator[tuple[str, type[BaseModel]]]:
    """(dotted path, model) for the root and every model nested in its fields."""
    todo: list[tuple[str, type[BaseModel]]] = [(root.__name__, root)]
    seen: set[type[BaseModel]] = set()
    while todo:
        path, model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        yield path, model
        for name, info in model.model_fields.items():
            for t in _types(info.annotation):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    todo.append((f"{path}.{name}", t))


def _types(annotation: object) -> Iterator[object]:
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _types(arg)


def _decorator_name(node: ast.expr) -> str | None:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id
    return target.attr if isinstance(target, ast.Attribute) else None


def attribute_reads() -> dict[str, list[str]]:
    """attribute name -> where it is read (file:line), validators left out."""
    reads: dict[str, list[str]] = {}
    for top in CODE:
        for path in sorted((REPO / top).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    _decorator_name(d) in VALIDATORS for d in node.decorator_list
                ):
                    skip.update(id(n) for n in ast.walk(node))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.ctx, ast.Load)
                    and id(node) not in skip
                ):
                    where = f"{path.relative_to(REPO)}:{node.lineno}"
                    reads.setdefault(node.attr, []).append(where)
    return reads


# One case per field of each section model (a model nested twice, like RuleConfig under
# defaults and under each camera, is one set of fields), named by the first path reaching it.
FIELDS = [
    (f"{path}.{name}", name)
    for root in (CityConfig, CentralConfig)
    for path, model in sections(root)
    for name in model.model_fields
]


@pytest.fixture(scope="module")
def reads() -> dict[str, list[str]]:
    return attribute_reads()


def test_the_walk_reaches_the_nested_sections() -> None:
    paths = {p for p, _ in FIELDS}
    for expected in (
        "CityConfig.cameras.signal.schedule.epoch",
        "CityConfig.edge.broker.tls.ca_file",
        "CentralConfig.keys.pem_file",
        "CentralConfig.ingest.max_age_days",
    ):
        assert expected in paths, f"the schema walk missed {expected}"
    assert any(p.endswith("rule.min_seconds_into_red") for p in paths), paths


@pytest.mark.parametrize(("path", "name"), FIELDS, ids=[p for p, _ in FIELDS])
def test_every_configured_field_is_read_by_code(
    path: str, name: str, reads: dict[str, list[str]]
) -> None:
    assert reads.get(name), (
        f"{path}: no code in {', '.join(CODE)} reads .{name} (outside validators): "
        "the setting would do nothing; use it or remove it from the schema"
    )


def test_the_check_fails_on_a_field_nobody_reads(reads: dict[str, list[str]]) -> None:
    assert "never_read_anywhere_xq" not in reads, "a made-up field name is read nowhere"
    assert "epoch" in reads, "schedule.epoch is read (the live fixed-time plan)"
    assert any(w.startswith("edge/pipeline/signal.py") for w in reads["epoch"]), reads["epoch"]
