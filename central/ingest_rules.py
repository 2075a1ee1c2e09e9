"""The rules a received bundle is judged by, and the rows a batch of verdicts becomes.

Split from central.ingest (which runs the stages and the transaction): the stateless checks
that run before anything is stored (every JPEG decodes, the manifest fits the database, the
edge clock is plausible); `ChainView`, which compares a batch with the camera chains already
stored; and `Rows`, which collects a batch's inserts so one INSERT per table writes them.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import simplejpeg
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from central.db import DETECTED, Bundle, Case, EvidenceFile, Quarantined, Transition
from central.store import StoredFile
from common.bundle import (
    FileRole,
    Manifest,
    VerifiedBundle,
    parse_utc_ms,
    utc_ms,
)
from common.reasons import QuarantineReason

MAX_PIXELS = 40_000_000  # an 8K frame is 33 Mpx; more is a decompression bomb, not a camera
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_LIMITS = {"camera_id": 16, "edge.box": 16, "plate.text": 24}  # central.db column sizes


class Refused(Exception):
    """A bundle is refused by the centre's own checks; `detail` says what exactly."""

    def __init__(self, code: QuarantineReason, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


@dataclass
class Checked:
    """One received message as the checks left it (stage 1), for the transaction (stage 2)."""

    payload: bytes
    sha256: str
    topic: str | None
    address: str | None = None  # the camera whose receipt topic answers this message
    violation_id: str | None = None
    bundle: VerifiedBundle | None = None
    box: str | None = None
    refusal: tuple[QuarantineReason, str] | None = None
    clock_note: str | None = None
    zip_file: StoredFile | None = None
    files: list[StoredFile] = field(default_factory=list)


def clock_note(m: Manifest, now: datetime, future: timedelta, max_age: timedelta) -> str | None:
    """A warning when crossed_at is implausible against the centre's clock, else None."""
    crossed = parse_utc_ms(m.crossed_at)
    if crossed - now > future:
        ahead = (crossed - now).total_seconds() / 60
        return (
            f"crossed_at {m.crossed_at} is {ahead:.1f} min ahead of the centre's clock"
            f" ({utc_ms(now)}): the edge box clock may be fast"
        )
    if now - crossed > max_age:
        days = (now - crossed).total_seconds() / 86400
        return (
            f"crossed_at {m.crossed_at} is {days:.0f} days before it arrived"
            f" ({utc_ms(now)}): the edge box clock may be wrong"
        )
    return None


@dataclass
class Link:
    """One bundle in a camera's chain, stored already (row None) or added by this batch."""

    violation_id: str
    sequence: int
    manifest_sha256: str
    prev_sha256: str | None
    status: str
    note: str | None
    rows: tuple[dict[str, Any], dict[str, Any]] | None = None  # (bundle, case) to insert


class ChainView:
    """The chains around one batch: the stored neighbours (sequence -1, 0, +1) of every bundle
    in it, loaded in one query per camera, plus the batch's own bundles as they are added.

    `judge` gives ok / first / gap / fork; `add` records a bundle and lets it close a gap its
    successor had (or show that the successor forked); `apply` writes those changes to
    bundles already stored.
    """

    def __init__(self, s: Session, manifests: list[Manifest]) -> None:
        self.s = s
        self.at: dict[tuple[str, int], list[Link]] = defaultdict(list)
        self.changed: dict[str, Link] = {}
        wanted: dict[str, set[int]] = defaultdict(set)
        for m in manifests:
            wanted[m.camera_id].update((m.sequence - 1, m.sequence, m.sequence + 1))
        for cam, seqs in wanted.items():
            rows = s.execute(
                select(
                    Bundle.violation_id,
                    Bundle.sequence,
                    Bundle.manifest_sha256,
                    Bundle.prev_sha256,
                    Bundle.chain_status,
                    Bundle.chain_note,
                ).where(Bundle.camera_id == cam, Bundle.sequence.in_(sorted(seqs)))
            )
            for r in rows:
                self.at[(cam, r.sequence)].append(Link(*r))

    def judge(self, m: Manifest) -> tuple[str, str | None]:
        """ok / first / gap / fork for a new bundle, and a note saying why when not ok."""
        cam, seq = m.camera_id, m.sequence
        if same := self.at.get((cam, seq)):
            return (
                "fork",
                f"sequence {seq} of {cam} is already held by bundle {same[0].violation_id}",
            )
        if prevs := self.at.get((cam, seq - 1)):
            if any(p.manifest_sha256 == m.prev_sha256 for p in prevs):
                return "ok", None
            return "fork", (
                f"prev_sha256 {m.prev_sha256} is not the manifest hash of bundle"
                f" {prevs[0].violation_id} at sequence {seq - 1}"
            )
        if seq == 1:
            if m.prev_sha256 is None:
                return "ok", None
            return "fork", "sequence 1 links to an earlier manifest: the edge chain was restarted"
        stored = self.s.scalar(
            select(func.max(Bundle.sequence)).where(Bundle.camera_id == cam, Bundle.sequence < seq)
        )
        batch = [q for (c, q), links in self.at.items() if c == cam and q < seq and links]
        last = max([q for q in [stored, *batch] if q is not None], default=None)
        if last is None:
            return "first", f"no earlier bundle of {cam} is known (this is sequence {seq})"
        return "gap", f"sequence {seq} follows {last}: {seq - last - 1} bundle(s) missing"

    def add(self, m: Manifest, link: Link) -> None:
        """Record a new bundle; a successor waiting on a gap is closed (or shown to fork)."""
        self.at[(m.camera_id, m.sequence)].append(link)
        for nxt in self.at.get((m.camera_id, m.sequence + 1), []):
            if nxt.status not in ("gap", "first"):
                continue
            ok = nxt.prev_sha256 == link.manifest_sha256
            nxt.status = "ok" if ok else "fork"
            nxt.note = (
                f"{nxt.note}; closed by {link.violation_id} arriving later"
                if ok
                else f"prev_sha256 is not the manifest hash of {link.violation_id} at"
                f" sequence {m.sequence}"
            )
            if nxt.rows is None:
                self.changed[nxt.violation_id] = nxt
            else:
                nxt.rows[0].update(chain_status=nxt.status, chain_note=nxt.note)
                nxt.rows[1]["chain_flag"] = flag_for(nxt.status)

    def apply(self) -> None:
        """Write the changed chain status of bundles stored before this batch."""
        for vid, link in self.changed.items():
            self.s.execute(
                update(Bundle)
                .where(Bundle.violation_id == vid)
                .values(chain_status=link.status, chain_note=link.note)
            )
            self.s.execute(
                update(Case)
                .where(Case.violation_id == vid)
                .values(chain_flag=flag_for(link.status))
            )


def flag_for(status: str) -> str | None:
    """The case's chain_flag for a bundle's chain status (only gaps and forks are flagged)."""
    return status if status in ("gap", "fork") else None


def check_images(vb: VerifiedBundle) -> None:
    """Every frame and crop is a JPEG that decodes to its end (bounded in pixels)."""
    for entry in vb.manifest.files:
        if entry.role == FileRole.CLIP:
            continue
        if entry.content_type != "image/jpeg":
            raise Refused(
                QuarantineReason.JPEG_CORRUPT,
                f"{entry.name} ({entry.role.value}) is declared"
                f" {entry.content_type}; frames and crops must be JPEG",
            )
        data = vb.files[entry.name]
        if not data.rstrip(b"\0")[-2:] == b"\xff\xd9":
            raise Refused(
                QuarantineReason.JPEG_CORRUPT, f"{entry.name} is cut off (no end-of-image marker)"
            )
        # libjpeg-turbo in strict mode: damaged entropy data ("premature end of data segment",
        # a file cut short and given a new end marker) is an error, not a grey patch. Decoded
        # at 1/8 scale: every block is still read, at 1.7 ms a 1080p frame instead of 4.
        try:
            height, width, _, _ = simplejpeg.decode_jpeg_header(data)
            if width * height > MAX_PIXELS:
                raise Refused(QuarantineReason.JPEG_CORRUPT, f"{entry.name} is {width}x{height}")
            simplejpeg.decode_jpeg(data, strict=True, min_height=1, min_width=1, min_factor=8)
        except ValueError as exc:
            raise Refused(
                QuarantineReason.JPEG_CORRUPT, f"{entry.name} does not decode as JPEG: {exc}"
            ) from None


def check_storable(m: Manifest) -> None:
    values = {
        "camera_id": m.camera_id,
        "edge.box": m.edge.box,
        "plate.text": m.plate.text if m.plate else "",
    }
    for name, limit in _LIMITS.items():
        if len(values[name]) > limit or "\x00" in values[name]:
            raise Refused(
                QuarantineReason.UNSTORABLE,
                f"{name} {values[name]!r} is over {limit} characters"
                " or holds a NUL; the database cannot keep it as a case",
            )


class Rows:
    """The rows one batch inserts, kept as dicts until the end so a late predecessor in the
    same batch can still change a bundle's chain status; then one INSERT per table."""

    def __init__(self) -> None:
        self.quarantine: list[dict[str, Any]] = []
        self.bundles: list[dict[str, Any]] = []
        self.files: list[dict[str, Any]] = []
        self.cases: list[dict[str, Any]] = []

    def accept(self, c: Checked, chains: ChainView, now: datetime) -> None:
        vb, zf = c.bundle, c.zip_file
        assert vb is not None and zf is not None
        m, vid = vb.manifest, vb.manifest.violation_id
        status, note = chains.judge(m)
        crossed, plate = parse_utc_ms(m.crossed_at), m.plate
        bundle = {
            "violation_id": vid,
            "camera_id": m.camera_id,
            "box": c.box,
            "key_id": m.edge.key_id,
            "sha256": c.sha256,
            "manifest_sha256": vb.manifest_sha256,
            "sequence": m.sequence,
            "prev_sha256": m.prev_sha256,
            "size": len(c.payload),
            "path": zf.path,
            "manifest": json.loads(vb.manifest_bytes),
            "crossed_at": crossed,
            "received_at": now,
            "chain_status": status,
            "chain_note": note,
            "clock_note": c.clock_note,
        }
        case = {
            "violation_id": vid,
            "camera_id": m.camera_id,
            "crossed_at": crossed,
            "vehicle_class": m.vehicle.vehicle_class,
            "seconds_into_red": m.seconds_into_red,
            "red_lower_bound": red_was_on_at_start(m.decision),
            "signal_state": m.signal.state,
            "plate_text": plate.text if plate else None,
            "plate_norm": plate.norm if plate else None,
            "plate_confidence": plate.confidence if plate else None,
            "plate_read_text": plate.text if plate else None,
            "plate_corrected": False,
            "state": DETECTED,
            "chain_flag": flag_for(status),
            "created_at": now,
            "updated_at": now,
            "demo": False,
        }
        self.bundles.append(bundle)
        self.cases.append(case)
        self.files += [
            {
                "violation_id": vid,
                "name": e.name,
                "role": e.role.value,
                "sha256": f.sha256,
                "size": f.size,
                "path": f.path,
            }
            for e, f in zip(m.files, c.files, strict=True)
        ]
        link = Link(
            vid, m.sequence, vb.manifest_sha256, m.prev_sha256, status, note, (bundle, case)
        )
        chains.add(m, link)

    def insert(self, s: Session) -> None:
        conn = s.connection()
        if self.quarantine:
            conn.execute(insert(Quarantined), self.quarantine)
        if not self.bundles:
            return
        conn.execute(insert(Bundle), self.bundles)
        conn.execute(insert(EvidenceFile), self.files)
        ids = (
            conn.execute(insert(Case).returning(Case.id, sort_by_parameter_order=True), self.cases)
            .scalars()
            .all()
        )
        moves = []
        for case_id, b in zip(ids, self.bundles, strict=True):
            note = {
                "violation_id": b["violation_id"],
                "chain": b["chain_status"],
                "chain_note": b["chain_note"],
                "clock_note": b["clock_note"],
            }
            moves.append(
                {
                    "case_id": case_id,
                    "from_state": None,
                    "to_state": DETECTED,
                    "actor": "ingest",
                    "at": b["received_at"],
                    "note": note,
                }
            )
        conn.execute(insert(Transition), moves)


def red_was_on_at_start(decision: dict[str, Any]) -> bool:
    """Red was already on as the recording began: the time into red is only a lower bound."""
    signal = decision.get("signal_at_cross")
    return isinstance(signal, dict) and bool(signal.get("began_before_stream"))
