"""The moves officers make, shared by the pages and the JSON API: each one is the checked
lifecycle function from `central.cases` (or `central.appeals`), made as the signed-in user
(the Transition's actor), plus one line in the audit trail, in the caller's transaction.

Every move carries `seen`, the case version the officer decided on (a stale one is refused
by `cases.expect`), and a review move is refused on a case another officer has claimed.
Issuing a notice or deciding a fine freezes the document (central.issued_documents).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from central import appeals, case_claims, cases, issued_documents
from central.config import CentralConfig
from central.db import DECISION, ISSUED, NOTICE, VOID, Case, IssuedDocument, utcnow
from central.fines import FinesTable, default_table
from central.notices import NoticeData, issuing_unit
from central.store import EvidenceStore
from central.users import User, audit


@dataclass(frozen=True)
class Rules:
    """Deployment settings the moves need: the central config and the fines table."""

    config: CentralConfig = field(default_factory=CentralConfig)
    fines: FinesTable = field(default_factory=default_table)


def notice_data(db: Session, case: Case, rules: Rules, store: EvidenceStore) -> NoticeData:
    """What the case's notice says now (a draft before issue; the frozen one after)."""
    config = rules.config
    return issued_documents.notice_data(
        db, case, store.root, config.notice_deadline_days, rules.fines, issuing_unit(config)
    )


def confirm(
    db: Session,
    user: User,
    case_id: int,
    plate: str | None,
    *,
    seen: int | None,
    reason: str = "",
) -> Case:
    """Confirm, correcting the plate when the officer typed another one (a confident camera
    read needs `reason`)."""
    plate = (plate or "").strip() or None
    case_claims.check(db, case_id, user.username)
    before = db.get(Case, case_id)
    read = before.plate_text if before is not None else None
    case = cases.confirm(db, case_id, user.username, plate=plate, seen=seen, reason=reason)
    case_claims.release(db, case_id)
    detail: dict[str, Any] = {"plate": case.plate_text, "version": case.version}
    if case.plate_text != read:
        detail |= {"plate_from": read, "plate_reason": reason.strip() or None}
    audit(db, user.username, "case.confirm", str(case_id), detail)
    return case


def reject(
    db: Session, user: User, case_id: int, reason: str, text: str = "", *, seen: int | None
) -> Case:
    case_claims.check(db, case_id, user.username)
    case = cases.reject(db, case_id, user.username, reason, text.strip(), seen=seen)
    case_claims.release(db, case_id)
    detail = {"reason": reason, "text": text or None, "version": case.version}
    audit(db, user.username, "case.reject", str(case_id), detail)
    return case


def reverse(db: Session, user: User, case_id: int, reason: str, *, seen: int | None) -> Case:
    """A supervisor's reversal of a confirmation: the case goes back to review."""
    case = cases.reverse_confirmation(db, case_id, user.username, reason, seen=seen)
    detail = {"reason": reason.strip(), "version": case.version}
    audit(db, user.username, "case.reverse", str(case_id), detail)
    return case


def _audit_document(db: Session, user: User, action: str, case: Case, doc: IssuedDocument) -> None:
    detail = {"number": doc.number, "version": doc.version, "pdf_sha256": doc.pdf_sha256}
    audit(db, user.username, action, str(case.id), detail | {"case_version": case.version})


def issue_notice(
    db: Session, user: User, case_id: int, rules: Rules, store: EvidenceStore, *, seen: int | None
) -> tuple[Case, IssuedDocument]:
    """Issue the notice and freeze it: what is downloaded from now on is these bytes."""
    config = rules.config
    case = cases.issue_notice(
        db, case_id, user.username, config.city_code, config.notice_deadline_days, seen=seen
    )
    doc = issued_documents.freeze_notice(
        db, store, case, user.username, notice_data(db, case, rules, store)
    )
    _audit_document(db, user, "case.notice", case, doc)
    return case, doc


def record_fine(
    db: Session,
    user: User,
    case_id: int,
    amount: int | None,
    rules: Rules,
    store: EvidenceStore,
    *,
    seen: int | None,
    signer: str,
) -> tuple[Case, IssuedDocument]:
    """The fine as decided (without an amount, the fines table's default for the vehicle),
    and its decision frozen with its number, date and signer."""
    if not signer.strip():
        raise cases.CaseError("a fine decision needs the name and title of who signs it")
    if amount is None:
        amount = rules.fines.fine_for(cases.get_case(db, case_id).vehicle_class).default_vnd
    case = cases.record_fine(
        db, case_id, user.username, amount, check=rules.fines.check_amount, seen=seen
    )
    data = notice_data(db, case, rules, store)
    notice = issued_documents.current(db, case.id, NOTICE)
    if notice is not None:
        data = replace(data, notice_number=notice.number)
    doc = issued_documents.freeze_decision(db, store, case, user.username, signer, data)
    _audit_document(db, user, "case.fine", case, doc)
    return case, doc


def record_payment(
    db: Session, user: User, case_id: int, amount: int, reference: str, *, seen: int | None
) -> Case:
    case = cases.record_payment(db, case_id, user.username, amount, reference.strip(), seen=seen)
    detail = {"amount_vnd": amount, "reference": reference.strip(), "version": case.version}
    audit(db, user.username, "case.pay", str(case_id), detail)
    return case


def file_appeal(
    db: Session, user: User, case_id: int, ground: str, text: str, *, seen: int | None
) -> Case:
    case = appeals.file_appeal(db, case_id, user.username, ground, text, seen=seen)
    detail = {"ground": ground, "text": text.strip() or None, "version": case.version}
    audit(db, user.username, "case.appeal", str(case_id), detail)
    return case


def decide_appeal(
    db: Session,
    user: User,
    case_id: int,
    outcome: str,
    text: str,
    rules: Rules,
    store: EvidenceStore,
    *,
    seen: int | None,
    addressee: dict[str, str] | None = None,
) -> tuple[Case, IssuedDocument | None]:
    """Cancel (the documents void), re-address (the next version of the notice, to the new
    addressee) or dismiss an appeal."""
    case = appeals.decide_appeal(
        db,
        case_id,
        user.username,
        outcome,
        text,
        seen=seen,
        addressee=addressee,
        deadline_days=rules.config.notice_deadline_days,
    )
    doc = None
    if outcome == "cancel":
        issued_documents.void_all(db, case.id, f"cancelled: {text.strip()}", utcnow())
    elif outcome == "readdress":
        data = notice_data(db, case, rules, store)
        doc = issued_documents.freeze_notice(
            db, store, case, user.username, data, reason=f"readdressed: {text.strip()}"
        )
        for old in issued_documents.history_of(db, case.id, DECISION):
            if old.status == ISSUED:  # the old addressee's decision no longer stands
                old.status, old.status_reason = VOID, f"readdressed: {text.strip()}"
    detail = {"outcome": outcome, "text": text.strip(), "version": case.version}
    if doc is not None:
        detail |= {"number": doc.number, "pdf_sha256": doc.pdf_sha256}
    audit(db, user.username, "case.appeal_decided", str(case_id), detail)
    return case, doc


def escalate_overdue(db: Session, user: User) -> list[int]:
    ids = cases.escalate_overdue(db, user.username)
    audit(db, user.username, "case.escalate_overdue", None, {"cases": ids[:500], "n": len(ids)})
    return ids


def triage(db: Session, rules: Rules) -> int:
    """Detected cases into the review queue (duplicates merge), as the system."""
    return len(cases.triage(db, rules.config.duplicate_window_minutes))
