"""The moves officers make, shared by the pages and the JSON API: each one is the checked
lifecycle function from `central.cases`, made as the signed-in user (the Transition's actor),
plus one line in the audit trail, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from central import cases
from central.config import CentralConfig
from central.db import Case
from central.fines import FinesTable, default_table
from central.users import User, audit


@dataclass(frozen=True)
class Rules:
    """Deployment settings the moves need: the central config and the fines table."""

    config: CentralConfig = field(default_factory=CentralConfig)
    fines: FinesTable = field(default_factory=default_table)


def confirm(db: Session, user: User, case_id: int, plate: str | None) -> Case:
    """Confirm, correcting the plate when the officer typed another one."""
    plate = (plate or "").strip() or None
    before = db.get(Case, case_id)
    read = before.plate_text if before is not None else None
    case = cases.confirm(db, case_id, user.username, plate=plate)
    detail: dict[str, Any] = {"plate": case.plate_text}
    if case.plate_text != read:
        detail["plate_from"] = read
    audit(db, user.username, "case.confirm", str(case_id), detail)
    return case


def reject(db: Session, user: User, case_id: int, reason: str, text: str = "") -> Case:
    case = cases.reject(db, case_id, user.username, reason, text.strip())
    audit(db, user.username, "case.reject", str(case_id), {"reason": reason, "text": text or None})
    return case


def issue_notice(db: Session, user: User, case_id: int, rules: Rules) -> Case:
    config = rules.config
    case = cases.issue_notice(
        db, case_id, user.username, config.city_code, config.notice_deadline_days
    )
    audit(db, user.username, "case.notice", str(case_id), {"notice_number": case.notice_number})
    return case


def record_fine(db: Session, user: User, case_id: int, amount: int | None, rules: Rules) -> Case:
    """The fine as decided; without an amount, the fines table's default for the vehicle."""
    if amount is None:
        amount = rules.fines.fine_for(cases.get_case(db, case_id).vehicle_class).default_vnd
    case = cases.record_fine(db, case_id, user.username, amount, check=rules.fines.check_amount)
    audit(db, user.username, "case.fine", str(case_id), {"amount_vnd": amount})
    return case


def record_payment(db: Session, user: User, case_id: int, amount: int, reference: str) -> Case:
    case = cases.record_payment(db, case_id, user.username, amount, reference.strip())
    detail = {"amount_vnd": amount, "reference": reference.strip()}
    audit(db, user.username, "case.pay", str(case_id), detail)
    return case


def escalate_overdue(db: Session, user: User) -> list[int]:
    ids = cases.escalate_overdue(db, user.username)
    audit(db, user.username, "case.escalate_overdue", None, {"cases": ids[:500], "n": len(ids)})
    return ids


def triage(db: Session, rules: Rules) -> int:
    """Detected cases into the review queue (duplicates merge), as the system."""
    return len(cases.triage(db, rules.config.duplicate_window_minutes))
