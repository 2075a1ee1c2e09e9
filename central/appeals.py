"""After a notice: the addressee's appeal (khiếu nại) and how a supervisor decides it.

A notice goes to the registered owner, who may not be the one to answer for it: the vehicle
was sold or stolen, the plate was cloned onto another vehicle, the registry has the wrong
owner or address. `file_appeal` records the appeal and its ground and stops the clock
(`appealed`); `decide_appeal` ends it one of three ways, each a checked, versioned move:

- cancel: the notice is withdrawn and the case ends (`cancelled`); the issued documents are
  marked void by the caller (central.issued_documents);
- readdress: the notice goes to someone else (the new owner, the real driver): the case gets
  its addressee and a new deadline and is `notice_issued` again, and the caller issues the
  next version of the notice, superseding the old one;
- dismiss: the appeal is unfounded and the case goes back to where it was.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.cases import CaseError, Clock, check_code, expect, get_case, move
from central.db import (
    APPEALED,
    CANCELLED,
    ESCALATED,
    FINED,
    NOTICE_ISSUED,
    Case,
    Transition,
    utcnow,
)

APPEALABLE = (NOTICE_ISSUED, FINED, ESCALATED)
APPEAL_GROUNDS: dict[str, str] = {
    "vehicle_sold": "Xe đã bán, chuyển nhượng cho người khác",
    "vehicle_stolen": "Xe bị mất cắp vào thời điểm vi phạm",
    "cloned_plate": "Biển số bị làm giả, gắn trên xe khác",
    "wrong_owner": "Sai chủ phương tiện hoặc địa chỉ",
    "not_a_violation": "Không có hành vi vi phạm",
    "other": "Lý do khác",
}
OUTCOMES = ("cancel", "readdress", "dismiss")


def file_appeal(
    session: Session,
    case_id: int,
    actor: str,
    ground: str,
    text: str = "",
    clock: Clock = utcnow,
    *,
    seen: int | None = None,
) -> Case:
    """Record an appeal against the case's notice or fine."""
    case = get_case(session, case_id)
    expect(session, case, seen)
    check_code(ground, text, APPEAL_GROUNDS, "appeal ground")
    if case.state not in APPEALABLE:
        raise CaseError(f"case {case.id} is {case.state}: only a notice or a fine is appealed")
    note = {"ground": ground, "text": text.strip() or None, "state_before": case.state}
    move(session, case, APPEALED, actor, clock, note)
    return case


def _state_before(session: Session, case_id: int) -> str:
    appeal = session.scalars(
        select(Transition)
        .where(Transition.case_id == case_id, Transition.to_state == APPEALED)
        .order_by(Transition.id.desc())
        .limit(1)
    ).first()
    before = (appeal.note or {}).get("state_before") if appeal else None
    return str(before) if before in APPEALABLE else NOTICE_ISSUED


def decide_appeal(
    session: Session,
    case_id: int,
    actor: str,
    outcome: str,
    text: str,
    clock: Clock = utcnow,
    *,
    seen: int | None = None,
    addressee: dict[str, str] | None = None,
    deadline_days: int = 20,
) -> Case:
    """A supervisor's decision on the appeal (see the module docstring)."""
    case = get_case(session, case_id)
    expect(session, case, seen)
    if case.state != APPEALED:
        raise CaseError(f"case {case.id} is {case.state}: there is no appeal to decide")
    if outcome not in OUTCOMES:
        raise CaseError(f"unknown outcome {outcome!r}; one of: {', '.join(OUTCOMES)}")
    if not text.strip():
        raise CaseError(f"case {case.id}: the decision on an appeal needs its reasons written")
    note: dict[str, Any] = {"outcome": outcome, "text": text.strip()}
    if outcome == "cancel":
        move(session, case, CANCELLED, actor, clock, note)
    elif outcome == "readdress":
        person = {k: (addressee or {}).get(k, "").strip() for k in ("name", "address")}
        if not all(person.values()):
            raise CaseError(f"case {case.id}: re-addressing needs the new name and address")
        person["id_number"] = (addressee or {}).get("id_number", "").strip()
        person["reason"] = text.strip()
        case.addressee = person
        case.fine_vnd, case.fined_at = None, None  # a new addressee has no decision yet
        case.notice_issued_at = clock()
        case.deadline_at = case.notice_issued_at + timedelta(days=deadline_days)
        note["addressee"] = person["name"]
        move(session, case, NOTICE_ISSUED, actor, clock, note)
    else:
        move(session, case, _state_before(session, case_id), actor, clock, note)
    return case
