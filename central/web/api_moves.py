"""The JSON API's case moves (under /api/, the same session and CSRF rules as central.web.api):
the same checked moves as the pages. Every body carries `version`, the case version the
decision was made on; a refused move answers 409 with the reason, and a stale one also with
`stale` (what happened since, who did it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from central import cases
from central.appeals import APPEAL_GROUNDS, OUTCOMES
from central.db import Case
from central.fines import FineError
from central.issued_documents import DocumentError
from central.notices import NoticeError
from central.users import User
from central.web import actions
from central.web.api import REFUSED, CaseId, CaseOut, get_case_or_404
from central.web.auth import get_db, require

router = APIRouter(prefix="/api", tags=["api"])


class MoveIn(BaseModel):
    version: int = Field(ge=1, le=2**31 - 1, description="the case version decided on")


class ConfirmIn(MoveIn):
    plate: str | None = Field(None, max_length=32, description="the corrected plate, if misread")
    plate_reason: str = Field("", max_length=300, description="why a confident read changed")


class RejectIn(MoveIn):
    # the table's keys as a Literal (the OpenAPI enum): mypy takes only literal values here
    reason: Literal[tuple(cases.REJECT_REASONS)]  # type: ignore[valid-type]
    text: str = Field("", max_length=500)


class FineIn(MoveIn):
    amount_vnd: int | None = Field(None, gt=0, le=10**12, description="default: the table's")
    signer: str = Field(min_length=1, max_length=200, description="who signs the decision")


class PayIn(MoveIn):
    amount_vnd: int = Field(gt=0, le=10**12)
    reference: str = Field(min_length=1, max_length=64)


def _refused(exc: Exception) -> JSONResponse:
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, cases.StaleCase):
        body["stale"] = {
            "seen": exc.seen,
            "version": exc.version,
            "state": exc.state,
            "since": [
                {"to_state": t.to_state, "actor": t.actor, "at": t.at.isoformat()}
                for t in exc.since
            ],
        }
    return JSONResponse(body, 409)


class ReasonIn(MoveIn):
    reason: str = Field(min_length=1, max_length=500, description="why, written out")


class AppealIn(MoveIn):
    ground: Literal[tuple(APPEAL_GROUNDS)]  # type: ignore[valid-type]
    text: str = Field("", max_length=500)


class Addressee(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500)
    id_number: str = Field("", max_length=32)


class DecideIn(MoveIn):
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=500, description="the decision's reasons")
    addressee: Addressee | None = Field(None, description="re-address only: the new addressee")


def _do(db: Session, move: Callable[[], Case]) -> CaseOut | JSONResponse:
    try:
        case = move()
        db.commit()
    except (cases.CaseError, NoticeError, FineError, DocumentError) as exc:
        db.rollback()
        return _refused(exc)
    return CaseOut.model_validate(case)


@router.post("/cases/{case_id}/confirm", response_model=CaseOut, responses=REFUSED)
def api_confirm(
    case_id: CaseId,
    body: ConfirmIn,
    user: Annotated[User, Depends(require("cases.review"))],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    get_case_or_404(db, case_id)
    return _do(
        db,
        lambda: actions.confirm(
            db, user, case_id, body.plate, seen=body.version, reason=body.plate_reason
        ),
    )


@router.post("/cases/{case_id}/reject", response_model=CaseOut, responses=REFUSED)
def api_reject(
    case_id: CaseId,
    body: RejectIn,
    user: Annotated[User, Depends(require("cases.review"))],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    get_case_or_404(db, case_id)
    return _do(
        db, lambda: actions.reject(db, user, case_id, body.reason, body.text, seen=body.version)
    )


@router.post("/cases/{case_id}/notice", response_model=CaseOut, responses=REFUSED)
def api_notice(
    case_id: CaseId,
    body: MoveIn,
    request: Request,
    user: Annotated[User, Depends(require("cases.notice"))],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    get_case_or_404(db, case_id)
    rules, store = request.app.state.rules, request.app.state.store.evidence
    return _do(
        db,
        lambda: actions.issue_notice(db, user, case_id, rules, store, seen=body.version)[0],
    )


@router.post("/cases/{case_id}/fine", response_model=CaseOut, responses=REFUSED)
def api_fine(
    case_id: CaseId,
    body: FineIn,
    request: Request,
    user: Annotated[User, Depends(require("cases.fine"))],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    get_case_or_404(db, case_id)
    rules, store = request.app.state.rules, request.app.state.store.evidence
    return _do(
        db,
        lambda: actions.record_fine(
            db, user, case_id, body.amount_vnd, rules, store, seen=body.version, signer=body.signer
        )[0],
    )


@router.post("/cases/{case_id}/pay", response_model=CaseOut, responses=REFUSED)
def api_pay(
    case_id: CaseId,
    body: PayIn,
    user: Annotated[User, Depends(require("cases.pay"))],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    get_case_or_404(db, case_id)
    return _do(
        db,
        lambda: actions.record_payment(
            db, user, case_id, body.amount_vnd, body.reference, seen=body.version
        ),
    )


@router.post("/cases/{case_id}/reverse", response_model=CaseOut, responses=REFUSED)
def api_reverse(
    case_id: CaseId,
    body: ReasonIn,
    user: Annotated[User, Depends(require("cases.reverse"))],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    """A supervisor sends a confirmed case back to review."""
    get_case_or_404(db, case_id)
    return _do(db, lambda: actions.reverse(db, user, case_id, body.reason, seen=body.version))


@router.post("/cases/{case_id}/appeal", response_model=CaseOut, responses=REFUSED)
def api_appeal(
    case_id: CaseId,
    body: AppealIn,
    user: Annotated[User, Depends(require("cases.appeal"))],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    """Record an appeal (khiếu nại) against the notice or fine."""
    get_case_or_404(db, case_id)
    return _do(
        db,
        lambda: actions.file_appeal(db, user, case_id, body.ground, body.text, seen=body.version),
    )


@router.post("/cases/{case_id}/decide", response_model=CaseOut, responses=REFUSED)
def api_decide(
    case_id: CaseId,
    body: DecideIn,
    request: Request,
    user: Annotated[User, Depends(require("cases.appeal_decide"))],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    """A supervisor's decision on an appeal: cancel, readdress (with `addressee`) or dismiss."""
    get_case_or_404(db, case_id)
    rules, store = request.app.state.rules, request.app.state.store.evidence
    person = body.addressee.model_dump() if body.addressee else None
    return _do(
        db,
        lambda: actions.decide_appeal(
            db,
            user,
            case_id,
            body.outcome,
            body.text,
            rules,
            store,
            seen=body.version,
            addressee=person,
        )[0],
    )
