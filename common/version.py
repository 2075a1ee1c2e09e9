"""The software version stamped into every evidence manifest: the installed package's own.

Read from the package metadata (what `pip install` recorded from pyproject.toml), so the
version an appeal sees in a bundle is the one that was installed, never a copy kept by hand.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def software_version() -> str:
    try:
        return version("dendo")
    except PackageNotFoundError:  # run from a source tree that was never installed
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


SOFTWARE_VERSION = software_version()
