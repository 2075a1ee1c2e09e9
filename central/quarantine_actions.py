"""What an operator does with a quarantined message: acknowledge it with a note, or re-ingest it.

A quarantine entry stays as received (its bytes are never changed or deleted); how it was
handled is kept beside it in `QuarantineHandling`:
- acknowledged: an operator looked at it and wrote why it needs nothing more (a test box, a
  known fault); it is listed after the open entries;
- re-ingested: once the missing key is registered (or the camera config fixed), the original
  bytes go through the collector's own checks again (central.ingest.Ingestor, the same
  signature, hash, JPEG, topic and box checks as a fresh bundle). If they pass, the bundle is
  stored and becomes a case (sent to review like a collector's), and the entry links to it; if
  they fail, the entry stays open with the new reason (the first reason is kept, and every
  attempt is counted). Bytes already stored as a bundle (the box sent them again once its key
  was known) count as re-ingested too, linked to that case.

An entry kept only by its head (oversized) cannot be re-ingested. Each action is audited; who
may act is the web page's business (permission `quarantine.handle`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, Text, case, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.cases import open_for_review
from central.db import DETECTED, Base, Bundle, Case, EdgeKey, Quarantined, UtcDateTime, utcnow
from central.ingest import Ingestor
from central.keys import KeyRing
from central.store import Store
from central.users import audit
from common.bundle import KeyLookup
from common.reasons import QuarantineReason

MAX_NOTE = 1000
_KEY_IN_REASON = re.compile(r"key ([0-9a-f]{16,64}) is not registered")


class QuarantineHandling(Base):
    """How one quarantine entry was handled (none: still open)."""

    __tablename__ = "quarantine_handling"
    quarantine_id: Mapped[int] = mapped_column(ForeignKey("quarantine.id"), primary_key=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # re-ingests tried
    attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempted_by: Mapped[str | None] = mapped_column(String(64))
    first_reason_code: Mapped[str | None] = mapped_column(String(32))  # before a new reason
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))  # re-ingested as

    @property
    def status(self) -> str:
        if self.case_id is not None:
            return "reingested"
        return "acknowledged" if self.acknowledged_at is not None else "open"


class HandlingError(ValueError):
    """An action that cannot be done; `key` names the page's words for it, `values` fill them."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Outcome:
    """What a re-ingest came to: stored (a new case), duplicate (already a case) or refused."""

    result: str
    case_id: int | None
    reason_code: str
    reason: str
    previous_code: str


def _entry(session: Session, item_id: int) -> Quarantined:
    row = session.get(Quarantined, item_id) if 0 < item_id < 2**31 else None
    if row is None:
        raise HandlingError("qa.err.missing", id=item_id)
    return row


def _handling(session: Session, item_id: int) -> QuarantineHandling:
    found = session.get(QuarantineHandling, item_id)
    if found is None:
        found = QuarantineHandling(quarantine_id=item_id, attempts=0)
        session.add(found)
    return found


def acknowledge(
    session: Session, item_id: int, actor: str, note: str, now: datetime | None = None
) -> QuarantineHandling:
    """Mark the entry as looked at, with why (in the caller's transaction, audited)."""
    note = note.strip()
    if not note:
        raise HandlingError("qa.err.note_needed")
    if len(note) > MAX_NOTE:
        raise HandlingError("qa.err.note_long", n=MAX_NOTE)
    row = _entry(session, item_id)
    handled = _handling(session, item_id)
    if handled.case_id is not None:
        raise HandlingError("qa.err.done", id=item_id, case=handled.case_id)
    handled.acknowledged_at, handled.acknowledged_by = now or utcnow(), actor
    handled.note = note
    audit(session, actor, "quarantine.acknowledge", str(item_id),
          {"note": note, "reason_code": row.reason_code, "sha256": row.sha256})  # fmt: skip
    return handled


@dataclass(frozen=True)
class IngestRules:
    """The collector's settings a re-ingest must check by (central config `ingest`)."""

    future_tolerance: timedelta = timedelta(minutes=10)
    max_age: timedelta = timedelta(days=365)
    duplicate_window_min: float = 5.0


def reingest(
    store: Store,
    keys: KeyRing | KeyLookup,
    item_id: int,
    actor: str,
    rules: IngestRules | None = None,
) -> Outcome:
    """Run the entry's original bytes through the collector's checks again and record what
    came of it. Uses its own transactions (the ingest commits the bundle first): the caller
    must hold no open write transaction on `store`."""
    rules = rules or IngestRules()
    with store.sessions() as s:
        row = _entry(s, item_id)
        handled = s.get(QuarantineHandling, item_id)
        if handled is not None and handled.case_id is not None:
            raise HandlingError("qa.err.done", id=item_id, case=handled.case_id)
        if len(row.payload) < row.size:
            raise HandlingError("qa.err.truncated", kept=len(row.payload), size=row.size)
        payload, topic, previous = bytes(row.payload), row.topic, row.reason_code
    ingestor = Ingestor(store, keys, future_tolerance=rules.future_tolerance,
                        max_age=rules.max_age, keep_refused=False)  # fmt: skip
    try:
        checked = ingestor.check_many([(payload, topic)])
        receipt = ingestor.record(checked)[0]
    finally:
        ingestor.close()
    refusal = checked[0].refusal
    result: str = "refused"
    if receipt is not None and receipt.status in ("stored", "duplicate"):
        result, code, reason = receipt.status, previous, ""
    else:
        code, reason = refusal or (QuarantineReason.UNVERIFIABLE, "no receipt")
    with store.sessions.begin() as s:
        return _record(s, item_id, actor, Outcome(result, None, str(code), reason, previous),
                       receipt.violation_id if receipt else None, rules)  # fmt: skip


def _record(
    s: Session,
    item_id: int,
    actor: str,
    outcome: Outcome,
    violation_id: str | None,
    rules: IngestRules,
) -> Outcome:
    row = _entry(s, item_id)
    handled = _handling(s, item_id)
    now = utcnow()
    handled.attempts = (handled.attempts or 0) + 1
    handled.attempted_at, handled.attempted_by = now, actor
    case_id = None
    if outcome.result != "refused" and violation_id is not None:
        case = s.scalars(select(Case).where(Case.violation_id == violation_id)).first()
        if case is not None:
            if case.state == DETECTED:  # as the collector's triage would
                open_for_review(s, case, rules.duplicate_window_min, actor)
            case_id = handled.case_id = case.id
    elif outcome.reason_code != row.reason_code or outcome.reason != row.reason:
        handled.first_reason_code = handled.first_reason_code or row.reason_code
        row.reason_code, row.reason = outcome.reason_code, outcome.reason[:4000]
    detail = {"result": outcome.result, "reason_code": outcome.reason_code,
              "previous_reason_code": outcome.previous_code, "case_id": case_id,
              "sha256": row.sha256}  # fmt: skip
    audit(s, actor, "quarantine.reingest", str(item_id), detail, at=now)
    return Outcome(outcome.result, case_id, outcome.reason_code, outcome.reason,
                   outcome.previous_code)  # fmt: skip


@dataclass(frozen=True)
class Listed:
    """One entry as the page lists it."""

    entry: Quarantined
    handling: QuarantineHandling | None
    stored_case: int | None  # its bytes are a stored bundle's: the case they became
    key_now: EdgeKey | None  # for an unknown key: that key, if registered since

    @property
    def status(self) -> str:
        return self.handling.status if self.handling is not None else "open"

    @property
    def can_reingest(self) -> bool:
        """Not once re-ingested, nor when only the head of the message was kept."""
        return self.status != "reingested" and self.entry.reason_code != "oversized"


def key_in_reason(reason: str) -> str | None:
    """The key id an `unknown_key` reason names (central.keys.KeyRing.explain's words)."""
    found = _KEY_IN_REASON.search(reason)
    return found.group(1) if found else None


def describe(session: Session, entries: list[Quarantined]) -> list[Listed]:
    """Each entry with its handling, the case its bytes became, the key registered since."""
    ids = [e.id for e in entries]
    handled = {
        h.quarantine_id: h
        for h in session.scalars(
            select(QuarantineHandling).where(QuarantineHandling.quarantine_id.in_(ids))
        )
    }
    shas = {e.sha256 for e in entries}
    found = session.execute(
        select(Bundle.sha256, Case.id)
        .join(Case, Case.violation_id == Bundle.violation_id)
        .where(Bundle.sha256.in_(shas))
    )
    stored = {sha: case_id for sha, case_id in found}
    wanted = {e.id: key_in_reason(e.reason) for e in entries if e.reason_code == "unknown_key"}
    keys = {
        k.key_id: k
        for k in session.scalars(
            select(EdgeKey).where(
                EdgeKey.key_id.in_({k for k in wanted.values() if k}),
                EdgeKey.revoked_at.is_(None),
            )
        )
    }
    return [
        Listed(e, handled.get(e.id), stored.get(e.sha256), keys.get(wanted.get(e.id) or ""))
        for e in entries
    ]


# Open first, then acknowledged, then re-ingested: the listing's order (and its filter).
RANK = case(
    (QuarantineHandling.case_id.is_not(None), 2),
    (QuarantineHandling.acknowledged_at.is_not(None), 1),
    else_=0,
)
STATUSES = ("open", "acknowledged", "reingested")
