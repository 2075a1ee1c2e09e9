"""Edge-box public keys: register, list, revoke, and the lookup the bundle check uses.

A bundle is only accepted when its manifest is signed by a registered, unrevoked key of the
box its camera is assigned to (with a camera config; without one, of any registered box).
Keys live in the `edge_keys` table; keys named in the central config are registered there at
start, so the CLI and the config give the same result and a revocation always wins.

`KeyRing` is the lookup `(camera_id, key_id) -> public key | None` for `open_bundle`. It caches
the table in memory: a new key is seen at once (a miss reloads, at most once a second), a
revocation within `refresh_s` seconds. Database errors propagate, so an outage never
quarantines good evidence as `unknown_key`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.db import EdgeKey
from common.config.city import CityConfig, UnknownCamera
from common.signing import Ed25519PublicKey, key_id, load_public_key
from common.strict import BOX_IDENT_RE

if TYPE_CHECKING:
    from central.store import Store


class KeyRegistryError(ValueError):
    """A key cannot be registered or revoked as asked; the message says why."""


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    box: str
    added_at: datetime
    added_by: str
    revoked_at: datetime | None


def _pem(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return raw.decode("ascii")


def register_key(
    sessions: sessionmaker[Session], box: str, pem_file: str | os.PathLike[str], by: str = "cli"
) -> str:
    """Register the Ed25519 public key in `pem_file` for `box`; returns its key_id.

    Idempotent for the same key and box. Refuses (KeyRegistryError) a key registered for another box
    and a revoked key: a revoked key comes back only as a new key, never silently.
    """
    if not BOX_IDENT_RE.fullmatch(box):
        raise KeyRegistryError(f"box {box!r} is not a box id like EB-01")
    key = load_public_key(pem_file)  # KeyFileError (a ValueError) names the file
    kid = key_id(key)
    with sessions.begin() as s:
        row = s.get(EdgeKey, kid)
        if row is not None:
            if row.box != box:
                raise KeyRegistryError(
                    f"key {kid} ({pem_file}) is already registered for box {row.box}"
                )
            if row.revoked_at is not None:
                raise KeyRegistryError(f"key {kid} of box {box} was revoked at {row.revoked_at}")
            return kid
        s.add(EdgeKey(key_id=kid, box=box, public_key_pem=_pem(key), added_by=by))
    return kid


def list_keys(sessions: sessionmaker[Session]) -> list[KeyInfo]:
    """Every registered key, revoked ones included, by box then time added."""
    with sessions() as s:
        rows = s.scalars(select(EdgeKey).order_by(EdgeKey.box, EdgeKey.added_at)).all()
        return [KeyInfo(r.key_id, r.box, r.added_at, r.added_by, r.revoked_at) for r in rows]


def revoke_key(sessions: sessionmaker[Session], kid: str, now: datetime | None = None) -> bool:
    """Revoke a key: bundles it signs are quarantined from now on. False if already revoked."""
    with sessions.begin() as s:
        row = s.get(EdgeKey, kid)
        if row is None:
            raise KeyRegistryError(f"no key {kid} is registered")
        if row.revoked_at is not None:
            return False
        row.revoked_at = now or datetime.now(UTC)
    return True


class KeyRing:
    """The cached key lookup for open_bundle; thread-safe."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cameras: CityConfig | None = None,
        *,
        refresh_s: float = 5.0,
        miss_refresh_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions, self.cameras = sessions, cameras
        self.refresh_s, self.miss_refresh_s = refresh_s, miss_refresh_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[str, Ed25519PublicKey]] = {}  # unrevoked: id -> (box, key)
        self._revoked: dict[str, str] = {}
        self._loaded_at = -1e18

    def refresh(self) -> None:
        """Reload the keys from the database now."""
        with self._sessions() as s:
            rows = s.execute(
                select(EdgeKey.key_id, EdgeKey.box, EdgeKey.public_key_pem, EdgeKey.revoked_at)
            ).all()
        keys, revoked = {}, {}
        for kid, box, pem, revoked_at in rows:
            if revoked_at is not None:
                revoked[kid] = box
                continue
            key = serialization.load_pem_public_key(pem.encode("ascii"))
            if isinstance(key, Ed25519PublicKey) and key_id(key) == kid:
                keys[kid] = (box, key)
        with self._lock:
            self._keys, self._revoked, self._loaded_at = keys, revoked, self._monotonic()

    def _entry(self, kid: str) -> tuple[str, Ed25519PublicKey] | None:
        age = self._monotonic() - self._loaded_at
        if age > self.refresh_s or (kid not in self._keys and age > self.miss_refresh_s):
            self.refresh()  # two threads may both reload at once: harmless
        return self._keys.get(kid)

    def camera_box(self, camera_id: str) -> str | None:
        """The box a camera is assigned to in the camera config (None: unknown, or no config)."""
        if self.cameras is None:
            return None
        try:
            return self.cameras.camera(camera_id).box
        except UnknownCamera:
            return None

    def __call__(self, camera_id: str, kid: str) -> Ed25519PublicKey | None:
        entry = self._entry(kid)
        if entry is None:
            return None
        box, key = entry
        if self.cameras is not None and self.camera_box(camera_id) != box:
            return None
        return key

    def box_of(self, kid: str) -> str | None:
        """The box an unrevoked key belongs to."""
        entry = self._entry(kid)
        return None if entry is None else entry[0]

    def explain(self, camera_id: str, kid: str) -> str:
        """Why the lookup refused this key for this camera, in words for the quarantine."""
        entry = self._entry(kid)
        if entry is None:
            if kid in self._revoked:
                return f"key {kid} of box {self._revoked[kid]} is revoked"
            return f"key {kid} is not registered (dendo-central keys add --box ... PEM)"
        camera_box = self.camera_box(camera_id)
        if self.cameras is not None and camera_box is None:
            return f"camera {camera_id} is not in the camera config"
        return f"key {kid} belongs to box {entry[0]}, camera {camera_id} to box {camera_box}"


def sync_config_keys(
    sessions: sessionmaker[Session], sources: Iterable[tuple[str, Path]]
) -> list[str]:
    """Register the (box, pem_file) keys listed in the config; returns their key ids.

    A key the database has revoked stays revoked (reported by KeyRegistryError like any refusal).
    """
    return [register_key(sessions, box, pem, by="config") for box, pem in sources]


# --- command line ------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> Store:
    from central.config import load_central_config
    from central.store import open_store

    config = load_central_config(args.config)
    return open_store(config.resolved_database_url(), config.evidence_dir)


def _cmd_add(args: argparse.Namespace) -> int:
    with _open(args) as store:
        kid = register_key(store.sessions, args.box, args.pem, by=args.by)
    print(f"{kid}  box {args.box}  registered")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        for k in list_keys(store.sessions):
            state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
            print(f"{k.key_id}  {k.box:<8} {state:<24} added {k.added_at:%Y-%m-%d} by {k.added_by}")
    return 0


def _cmd_revoke(args: argparse.Namespace) -> int:
    with _open(args) as store:
        done = revoke_key(store.sessions, args.key_id)
    print(f"{args.key_id} {'revoked' if done else 'was already revoked'}")
    return 0


def _friendly(cmd: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """An operator's mistake (bad key file, unknown key, bad config) is one line, exit 1."""
    from central.config import ConfigError

    def run(args: argparse.Namespace) -> int:
        try:
            return cmd(args)
        except (KeyRegistryError, ConfigError, ValueError) as exc:  # KeyFileError: ValueError
            print(f"dendo-central keys: {exc}", file=sys.stderr)
            return 1

    return run


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """`keys add|list|revoke` (the edge boxes' keys) and `receipt-keygen` (the centre's) for
    dendo-central; each sets `func(args) -> exit code`."""
    keys = subparsers.add_parser("keys", help="register, list and revoke edge-box public keys")
    sub = keys.add_subparsers(dest="keys_command", required=True)
    add = sub.add_parser("add", help="register an edge box's public key (PEM)")
    add.add_argument("pem", type=Path, help="the box's public key, e.g. edge.pub.pem")
    add.add_argument("--box", required=True, help="the edge box id, e.g. EB-02")
    add.add_argument("--by", default=os.environ.get("USER", "cli"), help="who registers it")
    add.set_defaults(func=_friendly(_cmd_add))
    lst = sub.add_parser("list", help="list registered keys")
    lst.set_defaults(func=_friendly(_cmd_list))
    rev = sub.add_parser("revoke", help="revoke a key: its bundles are quarantined from now on")
    rev.add_argument("key_id")
    rev.set_defaults(func=_friendly(_cmd_revoke))
    for p in (add, lst, rev):
        p.add_argument("--config", type=Path, default=Path("configs/central.yaml"))
    keygen = subparsers.add_parser(
        "receipt-keygen", help="make the key that signs every receipt (its .pub goes to the edges)"
    )
    keygen.add_argument("--out", type=Path, required=True)
    keygen.add_argument("--name", default="central-receipts")
    keygen.set_defaults(func=_receipt_keygen)


def _receipt_keygen(args: argparse.Namespace) -> int:
    from common.signing import generate_keypair

    try:
        private, public = generate_keypair(args.out, args.name)
    except (FileExistsError, ValueError, OSError) as exc:
        print(f"receipt-keygen: {exc}", file=sys.stderr)
        return 2
    print(f"key_id {key_id(load_public_key(public))}")
    print(f"private {private}  (central.yaml: receipt_key_file; keep on the central server)")
    print(f"public  {public}  (every edge box: edge.receipt_keys in cameras.yaml)")
    return 0
