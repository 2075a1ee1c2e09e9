"""Documents that leave the building, frozen at issue: notices and fine decisions.

When a notice is issued (or a fine decided), the document is rendered once — HTML, and the
PDF made from that same HTML — and both are stored by sha256 in the evidence store beside
an `IssuedDocument` row holding what it said: the addressee, the plate (the camera's read
beside the officer's), the fine, the deadline and the hashes of the evidence it printed.
Every later download serves those bytes, checked against their hash, whatever the registry
or the templates say by then. A correction is a new version with its own number (the first
number with `-2`, `-3`, …); the old one stays, marked superseded by the new one. A cancelled
case's documents are marked void. Nothing here rewrites a document's bytes or facts.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from central.db import DECISION, ISSUED, NOTICE, SUPERSEDED, VOID, Case, IssuedDocument, utcnow
from central.notices import (
    LOCAL_TZ,
    TEMPLATES,
    IssuingUnit,
    NoticeData,
    html_to_pdf,
    notice_data_for,
    render_notice_html,
    template_env,
)
from central.numbering import take_number
from central.store import EvidenceStore


class DocumentError(ValueError):
    """A stored document is missing or not what was issued."""


def current(session: Session, case_id: int, kind: str = NOTICE) -> IssuedDocument | None:
    """The document of `kind` in force for the case (the newest issued version)."""
    return session.scalars(
        select(IssuedDocument)
        .where(
            IssuedDocument.case_id == case_id,
            IssuedDocument.kind == kind,
            IssuedDocument.status == ISSUED,
        )
        .order_by(IssuedDocument.version.desc())
        .limit(1)
    ).first()


def history(session: Session, case_id: int) -> list[IssuedDocument]:
    """Every document issued for the case, in the order issued."""
    return list(
        session.scalars(
            select(IssuedDocument)
            .where(IssuedDocument.case_id == case_id)
            .order_by(IssuedDocument.id)
        )
    )


def read(store: EvidenceStore, doc: IssuedDocument, fmt: str) -> bytes:
    """The issued bytes ("pdf" or "html"), refused if they are not what was issued."""
    path, sha = (doc.pdf_path, doc.pdf_sha256) if fmt == "pdf" else (doc.html_path, doc.html_sha256)
    try:
        data = store.absolute(path).read_bytes()
    except OSError as exc:
        missing = f"document {doc.number} ({fmt}) is missing from the store: {exc}"
        raise DocumentError(missing) from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise DocumentError(f"document {doc.number} ({fmt}) does not match its sha256")
    return data


def _facts(case: Case, data: NoticeData) -> dict[str, Any]:
    images = {role: hashlib.sha256(b).hexdigest() for role, b in sorted(data.images.items())}
    return {
        "addressee": {
            "name": data.owner_name,
            "address": data.owner_address,
            "id_number": data.owner_id_number,
        },
        "plate": data.plate,
        "plate_read": case.plate_read_text,
        "plate_confidence": case.plate_confidence,
        "plate_corrected": bool(case.plate_corrected),
        "vehicle_class": data.vehicle_class,
        "fine": {
            "min_vnd": data.fine.min_vnd,
            "max_vnd": data.fine.max_vnd,
            "legal_basis": data.fine.legal_basis,
        },
        "amount_vnd": data.amount_vnd,
        "deadline": data.deadline.isoformat(),
        "evidence": {"bundle_sha256": data.bundle_sha256, "images": images},
    }


def _next_version(session: Session, case_id: int, kind: str) -> int:
    last = session.scalar(
        select(func.max(IssuedDocument.version)).where(
            IssuedDocument.case_id == case_id, IssuedDocument.kind == kind
        )
    )
    return int(last or 0) + 1


def _number(session: Session, case: Case, kind: str, version: int) -> str:
    """The document's number: the notice's own number, or a new one in the city's decision
    series; `-2`, `-3`, … on later versions."""
    first = session.scalars(
        select(IssuedDocument.number)
        .where(IssuedDocument.case_id == case.id, IssuedDocument.kind == kind)
        .order_by(IssuedDocument.version)
        .limit(1)
    ).first()
    if first is None and kind == NOTICE:
        assert case.notice_number, f"case {case.id} has no notice number"
        first = case.notice_number
    elif first is None:
        city = (case.notice_number or "MT").split("-")[0]
        year = utcnow().astimezone(LOCAL_TZ).year
        first = f"{city}-{year}-QĐ-{take_number(session, f'{city}-QD', year):06d}"
    return first if version == 1 else f"{first}-{version}"


@dataclasses.dataclass(frozen=True)
class _Draft:
    kind: str
    number: str
    version: int
    html: str
    facts: dict[str, Any]
    signer: str | None = None


def _store(
    session: Session,
    store: EvidenceStore,
    case: Case,
    draft: _Draft,
    actor: str,
    now: datetime,
    reason: str | None,
) -> IssuedDocument:
    """Store one rendered document, superseding the one of its kind in force."""
    pdf = html_to_pdf(draft.html)
    pdf_file, html_file = store.put_many([(pdf, ".pdf"), (draft.html.encode("utf-8"), ".html")])
    before = current(session, case.id, draft.kind)
    doc = IssuedDocument(
        case_id=case.id,
        kind=draft.kind,
        number=draft.number,
        version=draft.version,
        issued_at=now,
        issued_by=actor,
        signer=draft.signer,
        pdf_sha256=pdf_file.sha256,
        pdf_path=pdf_file.path,
        html_sha256=html_file.sha256,
        html_path=html_file.path,
        facts=draft.facts,
        status=ISSUED,
    )
    session.add(doc)
    session.flush()
    if before is not None:
        before.status, before.superseded_at, before.superseded_by = SUPERSEDED, now, doc.id
        before.status_reason = reason or "corrected"
    return doc


def notice_data(
    session: Session,
    case: Case,
    evidence_root: Path,
    deadline_days: int,
    fines: Any,
    unit: IssuingUnit | None,
) -> NoticeData:
    """What the notice says now, with the addressee an appeal gave (if any)."""
    data = notice_data_for(session, case, evidence_root, deadline_days, fines, unit=unit)
    if case.addressee:
        person = case.addressee
        data = dataclasses.replace(
            data,
            owner_name=person["name"],
            owner_address=person["address"],
            owner_id_number=person.get("id_number") or None,
        )
    return data


def freeze_notice(
    session: Session,
    store: EvidenceStore,
    case: Case,
    actor: str,
    data: NoticeData,
    *,
    reason: str | None = None,
    clock: Any = utcnow,
) -> IssuedDocument:
    """Render and store the notice of an issued case; a later call issues the next version
    (`reason`: why the one in force is superseded)."""
    version = _next_version(session, case.id, NOTICE)
    number = _number(session, case, NOTICE, version)
    shown = dataclasses.replace(data, notice_number=number)
    draft = _Draft(NOTICE, number, version, render_notice_html(shown), _facts(case, shown))
    return _store(session, store, case, draft, actor, clock(), reason)


def freeze_decision(
    session: Session,
    store: EvidenceStore,
    case: Case,
    actor: str,
    signer: str,
    data: NoticeData,
    *,
    clock: Any = utcnow,
) -> IssuedDocument:
    """Render and store the fine decision just recorded (number, date, signer, amount)."""
    signer = signer.strip()
    if not signer:
        raise DocumentError("a fine decision needs the name and title of who signs it")
    now = clock()
    version = _next_version(session, case.id, DECISION)
    number = _number(session, case, DECISION, version)
    html = (
        template_env()
        .get_template("decision.html")
        .render(
            d=data,
            number=number,
            signer=signer,
            decided_on=now.astimezone(LOCAL_TZ).date(),
            css=(TEMPLATES / "decision.css").read_text(encoding="utf-8"),
        )
    )
    facts = _facts(case, data) | {"signer": signer}
    draft = _Draft(DECISION, number, version, html, facts, signer)
    return _store(session, store, case, draft, actor, now, "corrected")


def history_of(session: Session, case_id: int, kind: str) -> list[IssuedDocument]:
    return [d for d in history(session, case_id) if d.kind == kind]


def void_all(session: Session, case_id: int, reason: str, now: datetime) -> int:
    """Mark every document in force for the case void (the case was cancelled)."""
    result = session.execute(
        update(IssuedDocument)
        .where(IssuedDocument.case_id == case_id, IssuedDocument.status == ISSUED)
        .values(status=VOID, superseded_at=now, status_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)
