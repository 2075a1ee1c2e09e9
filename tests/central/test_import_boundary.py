"""The central service stands on `common` alone: it imports nothing of `edge` and none of the
edge's computer-vision libraries, so it installs and runs on a server without them."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.paths import REPO

# What only the edge box installs (the `edge` extra), and the edge package itself.
EDGE_ONLY = (
    "edge",
    "cv2",
    "onnxruntime",
    "openvino",
    "onnx",
    "shapely",
    "lap",
    "prometheus_client",
)

BLOCK_AND_IMPORT = """
import importlib, pkgutil, sys

BLOCKED = {blocked!r}

class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{{name}} is not installed on the central server")
        return None

sys.meta_path.insert(0, Absent())
import central, common
names = []
for package in (central, common):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".migrations." in info.name:  # run by Alembic, not imported by the service
            continue
        importlib.import_module(info.name)
        names.append(info.name)
print(len(names))
"""


def test_every_central_and_common_module_imports_without_the_edge() -> None:
    code = BLOCK_AND_IMPORT.format(blocked=set(EDGE_ONLY))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, (
        f"a central module needs the edge or its CV libraries:\n{out.stderr}"
    )
    assert int(out.stdout) > 40, f"only {out.stdout.strip()} modules imported: the walk is broken"


def test_no_central_or_common_source_names_the_edge_package() -> None:
    offenders = []
    for top in ("central", "common"):
        for path in sorted((REPO / top).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names: list[str] = []
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif node.module and node.level == 0:
                    names = [node.module]
                for name in names:
                    if name.split(".")[0] in EDGE_ONLY:
                        offenders.append(f"{path.relative_to(REPO)}:{node.lineno} imports {name}")
    assert not offenders, "\n".join(offenders)
