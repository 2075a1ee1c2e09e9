"""Per-camera bundle sequence and hash chain, kept across restarts in one small JSON file.

Each bundle carries `sequence` (1, 2, 3 ... per camera) and `prev_sha256` (the previous
bundle's manifest hash) so the central service can see gaps and deletions. `next()` reserves a
sequence on disk before it is used and `commit()` records the manifest hash afterwards, so a
crash between the two costs one sequence number (a visible gap, with the hash chain still
pointing at the last committed bundle) and never hands out a committed number twice.

State file `<state_dir>/<camera_id>.chain.json`:
`{"camera_id", "sequence" (last committed), "prev_sha256" (its manifest hash), "reserved"}`.
Writes go to a temp file, fsync, os.replace, so a power cut leaves the old or the new state.
An flock serialises processes that share the file (one worker per camera normally).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common.strict import IDENT_RE

_SHA_RE = re.compile(r"[0-9a-f]{64}")


class ChainError(RuntimeError):
    """The chain state is unreadable or a commit would break the chain; never guessed around."""


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace `path` with `payload` so a crash leaves either the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


class SequenceChain:
    """The sequence/prev_sha256 chain of one camera."""

    def __init__(self, state_dir: str | os.PathLike[str], camera_id: str) -> None:
        if not IDENT_RE.fullmatch(camera_id):
            raise ValueError(f"camera id {camera_id!r} cannot name a state file")
        self.camera_id = camera_id
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.state_dir / f"{camera_id}.chain.json"
        self._lock_path = self.state_dir / f".{camera_id}.chain.lock"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self._lock_path, "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _load(self) -> dict[str, Any]:
        fresh = {"camera_id": self.camera_id, "sequence": 0, "prev_sha256": None, "reserved": 0}
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return fresh
        try:
            state = json.loads(raw)
            ok = (
                isinstance(state, dict)
                and state.get("camera_id") == self.camera_id
                and all(type(state.get(k)) is int for k in ("sequence", "reserved"))
                and 0 <= state["sequence"] <= state["reserved"]
                and (state["prev_sha256"] is None) == (state["sequence"] == 0)
                and (state["prev_sha256"] is None or _SHA_RE.fullmatch(state["prev_sha256"]))
            )
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            # Restarting at 1 would reuse committed numbers: make an operator look instead.
            raise ChainError(f"chain state {self.path} is corrupt; restore it or move it away")
        return state

    def _save(self, state: dict[str, Any]) -> None:
        atomic_write(self.path, json.dumps(state, sort_keys=True, indent=1).encode() + b"\n")

    def peek(self) -> tuple[int, str | None]:
        """(last committed sequence, its manifest sha256) without reserving anything."""
        state = self._load()
        return state["sequence"], state["prev_sha256"]

    def next(self) -> tuple[int, str | None]:
        """Reserve the next sequence: (sequence, prev_sha256 for its manifest)."""
        with self._locked():
            state = self._load()
            state["reserved"] = max(state["sequence"], state["reserved"]) + 1
            self._save(state)
            return state["reserved"], state["prev_sha256"]

    def commit(self, sequence: int, manifest_sha256: str) -> None:
        """Record that `sequence` was written with this manifest hash; the next bundle links it."""
        if not _SHA_RE.fullmatch(manifest_sha256):
            raise ValueError(f"{manifest_sha256!r} is not a hex sha256")
        with self._locked():
            state = self._load()
            if not state["sequence"] < sequence <= state["reserved"]:
                raise ChainError(
                    f"{self.camera_id}: cannot commit sequence {sequence} (last committed"
                    f" {state['sequence']}, last reserved {state['reserved']})"
                )
            state.update(sequence=sequence, prev_sha256=manifest_sha256)
            self._save(state)
