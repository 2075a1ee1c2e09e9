"""The case lifecycle: review, notice, fine, payment, escalation — and nothing else.

    detected → review → confirmed → notice_issued → fined → paid
                      ↘ rejected (reason)      ↘ escalated (deadline passed) → fined / paid
    detected → merged (same plate, same camera, within the duplicate window)
    confirmed → review (a supervisor reverses the confirmation, with a reason)
    notice_issued / fined / escalated → appealed (khiếu nại) → cancelled, or re-addressed
                                          (notice_issued again), or dismissed (back)

Every move is checked against this table and written as a Transition with who and when, so
a contested case shows its whole history. Functions work inside the caller's transaction
(`with session.begin():`); a refused move raises `CaseError` and changes nothing. Notice
numbers (`MT-2026-000123`) come from central.numbering, gap-free under concurrent issues.

Every move also raises the case's `version`. An action taken from a page carries the version
its officer saw; `expect` refuses it with `StaleCase` (what happened since, and who did it)
when someone else moved the case first, so no decision is ever silently overwritten. The case
row is read with FOR UPDATE (PostgreSQL) or under SQLite's write lock, so the check and the
move are one step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.case_errors import CaseError, PlateReasonNeeded, StaleCase
from central.db import (
    APPEALED,
    CANCELLED,
    CONFIRMED,
    DETECTED,
    ESCALATED,
    FINED,
    MERGED,
    NOTICE_ISSUED,
    PAID,
    REJECTED,
    REVIEW,
    Case,
    Owner,
    Transition,
    utcnow,
)
from central.numbering import take_number
from common import plate_text

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Clock = Callable[[], datetime]

ALLOWED: dict[str, tuple[str, ...]] = {
    DETECTED: (REVIEW, MERGED),
    REVIEW: (CONFIRMED, REJECTED),
    CONFIRMED: (NOTICE_ISSUED, REVIEW),
    NOTICE_ISSUED: (FINED, ESCALATED, APPEALED),
    FINED: (PAID, ESCALATED, APPEALED),
    ESCALATED: (FINED, PAID, APPEALED),
    APPEALED: (CANCELLED, NOTICE_ISSUED, FINED, ESCALATED),
    REJECTED: (),
    PAID: (),
    MERGED: (),
    CANCELLED: (),
}
# A camera read at least this sure is only changed with a reason written down.
CONFIDENT_READ = 0.9

# Reasons an officer picks from when rejecting (free text is kept beside the code).
REJECT_REASONS: dict[str, str] = {
    "not_a_violation": "Không vi phạm (xe đã dừng / đi khi đèn xanh)",
    "plate_unreadable": "Không đọc được biển số",
    "emergency_vehicle": "Xe ưu tiên đang làm nhiệm vụ",
    "signal_fault": "Đèn tín hiệu hỏng hoặc sai pha",
    "directed_by_police": "Có người điều khiển giao thông",
    "evidence_unclear": "Hình ảnh không rõ",
    "other": "Lý do khác",
}


def check_code(code: str, text: str, table: dict[str, str], what: str) -> None:
    """A reason picked from `table` (reject reasons, appeal grounds); "other" needs it
    written out."""
    if code not in table:
        raise CaseError(f"unknown {what} {code!r}; one of: {', '.join(table)}")
    if code == "other" and not text.strip():
        raise CaseError(f"{what} 'other' needs the reason written out")


def get_case(session: Session, case_id: int) -> Case:
    """The case, read afresh and locked for the transaction (FOR UPDATE on PostgreSQL)."""
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise CaseError(f"no case {case_id}")
    return case


def expect(session: Session, case: Case, seen: int | None) -> None:
    """Refuse an action decided on version `seen` when the case has moved on since (None: the
    caller acts on the current case, as the command line and the demo do)."""
    if seen is None or seen == case.version:
        return
    since = session.scalars(
        select(Transition)
        .where(Transition.case_id == case.id, Transition.version > seen)
        .order_by(Transition.id)
    ).all()
    raise StaleCase(case, seen, list(since))


def move(
    session: Session,
    case: Case,
    to: str,
    actor: str,
    clock: Clock = utcnow,
    note: dict[str, Any] | None = None,
) -> Transition:
    """Record one checked move of `case` to state `to`."""
    if not actor:
        raise CaseError("every move needs the name of who makes it")
    if to not in ALLOWED.get(case.state, ()):
        allowed = ", ".join(ALLOWED.get(case.state, ())) or "nothing (final state)"
        raise CaseError(
            f"case {case.id} is {case.state}: it cannot become {to} (allowed: {allowed})"
        )
    case.version = (case.version or 1) + 1
    t = Transition(
        case_id=case.id,
        from_state=case.state,
        to_state=to,
        actor=actor,
        at=clock(),
        note=note,
        version=case.version,
    )
    case.state = to
    session.add(t)
    return t


def open_for_review(
    session: Session, case: Case, window_min: float, actor: str = "system", clock: Clock = utcnow
) -> Case:
    """A detected case goes to review, or is merged into an earlier case of the same plate at
    the same camera within `window_min` minutes (the earlier one stays the case)."""
    if case.plate_norm:
        since = case.crossed_at - timedelta(minutes=window_min)
        earlier = session.scalars(
            select(Case)
            .where(
                Case.plate_norm == case.plate_norm,
                Case.camera_id == case.camera_id,
                Case.crossed_at >= since,
                Case.crossed_at <= case.crossed_at,
                Case.id != case.id,
                Case.state.not_in((MERGED, DETECTED)),
            )
            .order_by(Case.crossed_at, Case.id)
            .limit(1)
        ).first()
        if earlier is not None:
            case.merged_into = earlier.id
            move(session, case, MERGED, actor, clock, {"merged_into": earlier.id})
            return case
    move(session, case, REVIEW, actor, clock)
    return case


def triage(session: Session, window_min: float, clock: Clock = utcnow) -> list[Case]:
    """Move every detected case on (oldest first), so duplicates merge into the first seen.
    Rows another collector is triaging right now are skipped (PostgreSQL), not waited for."""
    pending = session.scalars(
        select(Case)
        .where(Case.state == DETECTED)
        .order_by(Case.crossed_at, Case.id)
        .with_for_update(skip_locked=True)
    ).all()
    for case in pending:
        open_for_review(session, case, window_min, clock=clock)
    return list(pending)


def confirm(
    session: Session,
    case_id: int,
    actor: str,
    plate: str | None = None,
    clock: Clock = utcnow,
    demo: bool = False,
    *,
    seen: int | None = None,
    reason: str = "",
) -> Case:
    """An officer confirms the violation, correcting the plate if `plate` is given; changing
    a read the camera was sure of (CONFIDENT_READ) needs `reason`."""
    case = get_case(session, case_id)
    expect(session, case, seen)
    note: dict[str, Any] = {}
    if plate is not None:
        try:
            parsed = plate_text.parse(plate)
        except plate_text.PlateError as exc:
            raise CaseError(f"plate {plate!r} is not a valid Vietnamese plate: {exc}") from None
        if parsed.norm != case.plate_norm:
            confident = (case.plate_confidence or 0.0) >= CONFIDENT_READ
            if confident and case.plate_read_text and not reason.strip():
                raise PlateReasonNeeded(case, parsed.display)
            note = {"plate_from": case.plate_text, "plate_to": parsed.display}
            if reason.strip():
                note["plate_reason"] = reason.strip()
            case.plate_text, case.plate_norm = parsed.display, parsed.norm
            case.plate_corrected = True
    if not case.plate_norm:
        raise CaseError(f"case {case.id} has no plate: read it from the evidence and give it")
    if demo:
        case.demo = True
        note["demo"] = "confirmed automatically by the demo, not by an officer"
    move(session, case, CONFIRMED, actor, clock, note or None)
    return case


def reject(
    session: Session,
    case_id: int,
    actor: str,
    reason: str,
    text: str = "",
    clock: Clock = utcnow,
    *,
    seen: int | None = None,
) -> Case:
    case = get_case(session, case_id)
    expect(session, case, seen)
    check_code(reason, text, REJECT_REASONS, "reject reason")
    case.reject_reason = f"{reason}: {text}".strip(": ") if text else reason
    move(session, case, REJECTED, actor, clock, {"reason": reason, "text": text or None})
    return case


def reverse_confirmation(
    session: Session,
    case_id: int,
    actor: str,
    reason: str,
    clock: Clock = utcnow,
    *,
    seen: int | None = None,
) -> Case:
    """A supervisor sends a confirmed case (no notice yet) back to review, saying why; the
    caller checks that `actor` may (the web's `cases.reverse`)."""
    case = get_case(session, case_id)
    expect(session, case, seen)
    if not reason.strip():
        raise CaseError(f"case {case.id}: reversing a confirmation needs the reason written out")
    if case.state != CONFIRMED:
        raise CaseError(f"case {case.id} is {case.state}: only a confirmed case can be reversed")
    move(session, case, REVIEW, actor, clock, {"reversed": True, "reason": reason.strip()})
    return case


def issue_notice(
    session: Session,
    case_id: int,
    actor: str,
    city: str = "MT",
    deadline_days: int = 20,
    clock: Clock = utcnow,
    *,
    seen: int | None = None,
) -> Case:
    """Confirmed → notice issued: the owner from the registry, a gap-free number, a deadline."""
    case = get_case(session, case_id)
    expect(session, case, seen)
    if case.state != CONFIRMED:
        move(session, case, NOTICE_ISSUED, actor, clock)  # raises with the allowed moves
    owner = session.get(Owner, case.plate_norm) if case.plate_norm else None
    if owner is None:
        raise CaseError(
            f"case {case.id}: plate {case.plate_text} is not in the vehicle registry "
            "(import it with `dendo-central registry import FILE`)"
        )
    now = clock()
    number = take_number(session, city, now.astimezone(LOCAL_TZ).year)
    case.owner_plate = owner.plate_norm
    case.notice_number = f"{city}-{now.astimezone(LOCAL_TZ).year}-{number:06d}"
    case.notice_issued_at = now
    case.deadline_at = now + timedelta(days=deadline_days)
    move(session, case, NOTICE_ISSUED, actor, clock, {"notice_number": case.notice_number})
    return case


def record_fine(
    session: Session,
    case_id: int,
    actor: str,
    amount_vnd: int,
    check: Callable[[str, int], None] | None = None,
    clock: Clock = utcnow,
    *,
    seen: int | None = None,
) -> Case:
    """Record the fine decided for the case; `check(vehicle_class, amount)` may refuse it."""
    case = get_case(session, case_id)
    expect(session, case, seen)
    if amount_vnd <= 0:
        raise CaseError(f"a fine must be a positive amount of VND, got {amount_vnd}")
    if check is not None:
        try:
            check(case.vehicle_class, amount_vnd)
        except ValueError as exc:
            raise CaseError(f"case {case.id}: {exc}") from None
    move(session, case, FINED, actor, clock, {"amount_vnd": amount_vnd})
    case.fine_vnd, case.fined_at = amount_vnd, clock()
    return case


def record_payment(
    session: Session,
    case_id: int,
    actor: str,
    amount_vnd: int,
    reference: str,
    clock: Clock = utcnow,
    *,
    seen: int | None = None,
) -> Case:
    case = get_case(session, case_id)
    expect(session, case, seen)
    if case.fine_vnd is None:
        raise CaseError(f"case {case.id} has no fine recorded yet: record the fine first")
    if amount_vnd != case.fine_vnd:
        raise CaseError(
            f"case {case.id}: payment {amount_vnd:,} VND differs from the fine {case.fine_vnd:,}"
        )
    if not reference.strip():
        raise CaseError("a payment needs its receipt or transaction reference")
    move(session, case, PAID, actor, clock, {"amount_vnd": amount_vnd, "reference": reference})
    case.paid_vnd, case.paid_at, case.payment_ref = amount_vnd, clock(), reference
    return case


def escalate(session: Session, case_id: int, actor: str, clock: Clock = utcnow) -> Case:
    case = get_case(session, case_id)
    now = clock()
    if case.deadline_at is None or _aware(case.deadline_at) > now:
        when = case.deadline_at.isoformat() if case.deadline_at else "none (no notice)"
        raise CaseError(f"case {case.id}: deadline {when} has not passed; cannot escalate")
    deadline = _aware(case.deadline_at).isoformat()
    move(session, case, ESCALATED, actor, clock, {"deadline_at": deadline})
    return case


def escalate_overdue(session: Session, actor: str = "system", clock: Clock = utcnow) -> list[int]:
    """Every notice or fine whose deadline passed without payment becomes escalated."""
    now = clock()
    due = session.scalars(
        select(Case)
        .where(Case.state.in_((NOTICE_ISSUED, FINED)), Case.deadline_at < now)
        .order_by(Case.deadline_at)
    ).all()
    for case in due:
        escalate(session, case.id, actor, clock)
    return [c.id for c in due]


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
