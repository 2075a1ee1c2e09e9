"""Verified ingest: a received bundle becomes a stored bundle and a case, or a quarantine row.

Nothing is accepted before it is fully checked: `open_bundle` (size and ZIP limits, schema,
registered key of the camera's box, signature, every file's size and hash), every JPEG decodes,
the topic names the manifest's camera, and the manifest's strings fit the database. A refusal
is kept in `quarantine` with a reason code and the original bytes, and answered with a
"quarantined" receipt; nothing raises for any input bytes. Database and key-store failures do
raise, so the collector leaves the message unacknowledged and the broker redelivers it.

Two things are noted, never refused, because the evidence is genuine and signed:
- clock: crossed_at more than `future_tolerance` ahead of the centre's clock, or more than
  `max_age` before it, is a warning on the bundle (clock_note). Edge outboxes may legitimately
  hold bundles for days, and a box with a wrong clock is something the reviewing officer must
  see beside the evidence; refusing would hide the fault and lose a real violation.
- chain: a sequence gap or a fork (another bundle at the same sequence, or prev_sha256 that is
  not the stored predecessor's manifest hash) sets chain_status/chain_note on the bundle and
  chain_flag on the case. A predecessor that arrives late (resends, two collectors) clears the
  gap it closes.

Idempotent on violation_id: the same bytes again are a "duplicate" and change nothing; the same
id with other bytes is quarantined as "conflict". A batch goes through three stages: the
checks (on `workers` threads: signatures, hashes and JPEG decoding release the GIL), one
durable write of every verified bundle's files to the evidence store, then one transaction that
decides each message against the stored bundles and inserts all rows with one INSERT per table.
Concurrent collectors meet at unique constraints: an IntegrityError rolls back and the batch is
retried message by message, where the re-check finds the other collector's row (duplicate).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from central.db import Bundle, Quarantined
from central.ingest_rules import (
    UUID_RE,
    ChainView,
    Checked,
    Refused,
    Rows,
    check_images,
    check_storable,
    clock_note,
)
from central.keys import KeyRing
from central.quarantine_quota import OVERSIZED_HEAD, Budget, admit
from central.store import Store
from common.bundle import (
    MANIFEST_NAME,
    MAX_FILES,
    MAX_MEMBER,
    MAX_SIZE,
    BundleError,
    KeyLookup,
    open_bundle,
)
from common.reasons import QuarantineReason
from common.signing import Ed25519PublicKey
from common.strict import IDENT_RE
from common.topics import Receipt, camera_of
from common.zipsafe import read_members

log = logging.getLogger(__name__)


class _LookupFailed(Exception):
    """The key store itself failed: an infrastructure error, never a verdict on the bundle."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class Ingestor:
    """Checks, stores and records bundles; one instance per collector process."""

    def __init__(
        self,
        store: Store,
        keys: KeyRing | KeyLookup,
        *,
        clock: Callable[[], datetime] = utcnow,
        future_tolerance: timedelta = timedelta(minutes=10),
        max_age: timedelta = timedelta(days=365),
        workers: int = 1,
        max_size: int = MAX_SIZE,
        quota: Budget | None = None,
        keep_refused: bool = True,
    ) -> None:
        """`quota`: how much of refused messages each camera may have kept per hour (None:
        no limit; tests of the checks themselves). `keep_refused` False: a refusal is answered
        but adds no quarantine row (a re-ingest of a quarantined entry, which already holds
        the bytes: central.quarantine_actions)."""
        self.store, self.keys, self.clock, self.quota = store, keys, clock, quota
        self.keep_refused = keep_refused
        self.future_tolerance, self.max_age, self.max_size = future_tolerance, max_age, max_size
        self._pool = ThreadPoolExecutor(workers, "ingest-check") if workers > 1 else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def ingest(self, payload: bytes, topic: str | None = None) -> Receipt | None:
        """Check and record one message. None only when it names no violation id to answer."""
        return self.ingest_many([(payload, topic)])[0]

    def ingest_many(self, messages: Sequence[tuple[bytes, str | None]]) -> list[Receipt | None]:
        """ingest for a batch, in order, committed in one transaction (durable on return)."""
        return self.record(self.check_many(messages))

    def check_many(self, messages: Sequence[tuple[bytes, str | None]]) -> list[Checked]:
        """Stage 1 alone (CPU: signatures, hashes, JPEG decoding); writes nothing, so a caller
        may run it for the next batch while `record` stores this one."""
        if self._pool is not None and len(messages) > 1:
            return list(self._pool.map(lambda m: self._check(*m), messages))
        return [self._check(p, t) for p, t in messages]

    def record(self, checked: list[Checked]) -> list[Receipt | None]:
        """Stages 2 and 3: the evidence files, then the transaction; durable on return."""
        self._store_files(checked)
        return self._commit(checked)

    # --- stage 1: checks (threads; nothing written) ----------------------------------------

    def _lookup(self, camera_id: str, kid: str) -> Ed25519PublicKey | None:
        try:
            return self.keys(camera_id, kid)
        except Exception as exc:
            raise _LookupFailed(str(exc)) from exc

    def _box_of(self, kid: str) -> str | None:
        assert isinstance(self.keys, KeyRing)  # asked only of a key ring
        try:
            return self.keys.box_of(kid)
        except Exception as exc:
            raise _LookupFailed(str(exc)) from exc

    def _check(self, payload: bytes, topic: str | None) -> Checked:
        data = bytes(payload)
        c = Checked(data, hashlib.sha256(data).hexdigest(), topic)
        try:
            self._verify(c)
        except Refused as exc:
            c.refusal = (exc.code, exc.detail)
        except BundleError as exc:
            detail = exc.detail
            if exc.reason == QuarantineReason.UNKNOWN_KEY and isinstance(self.keys, KeyRing):
                m = _peek(data)
                if m.get("camera_id") and m.get("key_id"):
                    detail += f": {self.keys.explain(m['camera_id'], m['key_id'])}"
            c.refusal = (exc.reason, detail)
        except _LookupFailed as exc:
            raise exc.__cause__ or exc from None
        except Exception as exc:  # a parser bug must not wedge the queue: keep it, say why
            log.exception("unexpected error checking a message on %s", topic)
            c.refusal = (QuarantineReason.UNVERIFIABLE, f"{type(exc).__name__}: {exc}")
        if c.refusal is not None:
            peeked = _peek(data) if len(data) <= self.max_size else {}
            c.violation_id = c.violation_id or peeked.get("violation_id")
            c.address = c.address or peeked.get("camera_id")
        return c

    def _verify(self, c: Checked) -> None:
        if c.topic is not None:
            try:
                c.address = camera_of(c.topic)
            except ValueError:
                raise Refused(
                    QuarantineReason.BAD_TOPIC, f"{c.topic[:200]!r} is not a violation topic"
                ) from None
        vb = open_bundle(c.payload, self._lookup, max_size=self.max_size)
        m = vb.manifest
        c.violation_id, c.address = m.violation_id, c.address or m.camera_id
        if c.topic is not None and c.address != m.camera_id:
            raise Refused(
                QuarantineReason.CAMERA_MISMATCH, f"camera {m.camera_id} sent on {c.topic}"
            )
        c.box = self._box_of(m.edge.key_id) if isinstance(self.keys, KeyRing) else m.edge.box
        if c.box != m.edge.box:
            raise Refused(
                QuarantineReason.BOX_MISMATCH, f"manifest says box {m.edge.box}, key is box {c.box}"
            )
        check_images(vb)
        check_storable(m)
        c.bundle = vb
        c.clock_note = clock_note(m, self.clock(), self.future_tolerance, self.max_age)

    def _store_files(self, checked: list[Checked]) -> None:
        """The ZIP and the members of every verified bundle, in one durable write, before the
        rows that point at them are committed."""
        accepted = [c for c in checked if c.bundle is not None]
        items: list[tuple[bytes, str]] = []
        for c in accepted:
            vb = c.bundle
            assert vb is not None
            items.append((c.payload, ".zip"))
            items += [(vb.files[f.name], _suffix(f.name)) for f in vb.manifest.files]
        stored = iter(self.store.evidence.put_many(items))
        for c in accepted:
            vb = c.bundle
            assert vb is not None
            c.zip_file = next(stored)
            c.files = [next(stored) for _ in vb.manifest.files]

    # --- stage 2: one transaction per batch -------------------------------------------------

    def _commit(self, checked: list[Checked]) -> list[Receipt | None]:
        for attempt in range(4):
            try:
                with self.store.sessions.begin() as s:
                    return self._record(s, checked)
            except (IntegrityError, DataError) as exc:
                if len(checked) > 1:  # find the one that clashed: each on its own
                    return [r for c in checked for r in self._commit([c])]
                if isinstance(exc, DataError) or attempt >= 2:
                    checked[0].refusal = (
                        QuarantineReason.UNSTORABLE,
                        f"the database refused it: {exc.orig}",
                    )
                    checked[0].bundle = None
                # IntegrityError: another collector stored the same id meanwhile; look again
            except SQLAlchemyError:
                raise
            except Exception as exc:  # a bug on one message must not wedge the whole queue
                if len(checked) > 1:
                    return [r for c in checked for r in self._commit([c])]
                log.exception("unexpected error recording %s", checked[0].violation_id)
                checked[0].refusal = (QuarantineReason.UNVERIFIABLE, f"{type(exc).__name__}: {exc}")
                checked[0].bundle = None
        raise RuntimeError(f"could not record {checked[0].violation_id} after 4 attempts")

    def _record(self, s: Session, checked: list[Checked]) -> list[Receipt | None]:
        """Decide every message of the batch against what is stored, then insert the rows."""
        manifests = [c.bundle.manifest for c in checked if c.bundle is not None]
        # Collectors side by side: serialise per camera, so two batches never judge one chain
        # at once (SQLite needs nothing: BEGIN IMMEDIATE serialises every writer already).
        if self.store.dialect == "postgresql":
            for camera in sorted({m.camera_id for m in manifests}):
                s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": camera})
        shas = {c.sha256 for c in checked}
        vids = {m.violation_id for m in manifests}
        known = s.execute(
            select(Bundle.violation_id, Bundle.sha256, Bundle.camera_id).where(
                or_(Bundle.sha256.in_(shas), Bundle.violation_id.in_(vids))
            )
        ).all()
        by_sha = {r.sha256: (r.violation_id, r.camera_id) for r in known}
        sha_of = {r.violation_id: r.sha256 for r in known}
        kept = {
            (r.sha256, r.reason_code)
            for r in s.execute(
                select(Quarantined.sha256, Quarantined.reason_code).where(
                    Quarantined.sha256.in_(shas)
                )
            )
        }
        chains, rows = ChainView(s, manifests), Rows()
        receipts: list[Receipt | None] = []
        for c in checked:
            on_topic = c.refusal is None or c.refusal[0] not in (
                QuarantineReason.BAD_TOPIC,
                QuarantineReason.CAMERA_MISMATCH,
            )
            if (dup := by_sha.get(c.sha256)) is not None and on_topic:
                c.refusal, c.address = None, c.address or dup[1]  # stored, whatever the key says
                receipts.append(self._receipt(c, "duplicate", dup[0]))
                continue
            if c.bundle is not None and (other := sha_of.get(c.violation_id or "")) is not None:
                c.refusal = (
                    QuarantineReason.CONFLICT,
                    f"violation {c.violation_id} is already stored with"
                    f" sha256 {other}; these bytes have sha256 {c.sha256}",
                )
            if c.refusal is not None:
                if self.keep_refused and (c.sha256, c.refusal[0]) not in kept:  # kept once
                    kept.add((c.sha256, c.refusal[0]))
                    row = self._quarantine_row(c)
                    if self.quota is None or admit(
                        s, self.quota, row["camera_id"], len(row["payload"]), self.clock()
                    ):
                        rows.quarantine.append(row)
                receipts.append(self._receipt(c, "quarantined"))
                continue
            rows.accept(c, chains, self.clock())
            by_sha[c.sha256] = (c.violation_id, c.address)
            sha_of[c.violation_id] = c.sha256
            receipts.append(self._receipt(c, "stored"))
        rows.insert(s)
        chains.apply()
        return receipts

    def _receipt(self, c: Checked, status: str, vid: str | None = None) -> Receipt | None:
        vid, camera = vid or c.violation_id, c.address
        if not (vid and UUID_RE.fullmatch(vid) and camera and IDENT_RE.fullmatch(camera)):
            return None  # nobody to answer: the quarantine row is all there is
        reason = None if c.refusal is None else f"{c.refusal[0]}: {c.refusal[1]}"[:500]
        return Receipt(
            violation_id=vid,
            camera_id=camera,
            sha256=c.sha256,
            status=status,
            reason=reason,
            at=self.clock(),
        )

    def _quarantine_row(self, c: Checked) -> dict[str, Any]:
        assert c.refusal is not None  # only refused messages are quarantined
        code, reason = c.refusal
        kept = c.payload[:OVERSIZED_HEAD] if code == QuarantineReason.OVERSIZED else c.payload
        if len(kept) < len(c.payload):
            reason += f" (only the first {len(kept)} of {len(c.payload)} bytes are kept)"
        vid = c.violation_id if c.violation_id and UUID_RE.fullmatch(c.violation_id) else None
        return {
            "received_at": self.clock(),
            "topic": _clean(c.topic, 256),
            "camera_id": c.address if c.address and len(c.address) <= 16 else None,
            "violation_id": vid,
            "reason_code": code,
            "reason": _clean(reason, 4000),
            "sha256": c.sha256,
            "size": len(c.payload),
            "payload": kept,
        }


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot > 0 else ""
    return ext if re.fullmatch(r"\.[a-z0-9]{1,8}", ext) else ""


def _clean(value: str | None, limit: int) -> str | None:
    """Text the database accepts: no NUL (PostgreSQL refuses it), bounded length."""
    return None if value is None else value.replace("\x00", "\\x00")[:limit]


def _peek(data: bytes) -> dict[str, str]:
    """violation_id, camera_id and key_id from an unverified manifest, best effort, to address
    the receipt of a refused bundle (the edge only forgets it if the sha256 matches too)."""
    try:
        manifest = json.loads(read_members(data, MAX_FILES, MAX_MEMBER, MAX_SIZE)[MANIFEST_NAME])
        out = {
            "violation_id": manifest.get("violation_id"),
            "camera_id": manifest.get("camera_id"),
            "key_id": (manifest.get("edge") or {}).get("key_id"),
        }
    except Exception:
        return {}
    return {k: v for k, v in out.items() if isinstance(v, str) and IDENT_RE.fullmatch(v)}
