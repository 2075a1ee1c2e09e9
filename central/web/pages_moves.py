"""The moves an officer makes on a case page or in the queue: confirm (or correct and
confirm), reject, issue the notice, record the fine and the payment. Each is a POST form
(CSRF-checked app-wide) carrying the case version it was made on, run by central.web.moves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from central.fines import format_vnd
from central.users import User
from central.web import actions, typed
from central.web.auth import get_db, lang_of, require, safe_next
from central.web.i18n import t
from central.web.moves import (
    VersionField,
    case_or_404,
    required_version,
    rules_of,
    run_move,
    store_of,
)
from central.web.render import flash, local

router = APIRouter()


@router.post("/cases/{case_id}/confirm")
def confirm_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.review"))],
    db: Annotated[Session, Depends(get_db)],
    version: VersionField = None,
    plate: Annotated[str, Form(max_length=64)] = "",
    plate_reason: Annotated[str, Form(max_length=300)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    case_or_404(db, case_id)

    def done() -> str:
        seen = required_version(version)
        case = actions.confirm(db, user, case_id, plate, seen=seen, reason=plate_reason)
        return t("done.confirmed", lang, id=case.id, plate=case.plate_text)

    entered = {"plate": plate, "plate_reason": plate_reason}
    where = safe_next(next, f"/cases/{case_id}")
    return run_move(request, db, case_id, done, where, "confirm", entered)


@router.post("/cases/{case_id}/reject")
def reject_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.review"))],
    db: Annotated[Session, Depends(get_db)],
    version: VersionField = None,
    reason: Annotated[str, Form(max_length=64)] = "",
    text: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    case_or_404(db, case_id)

    def done() -> str:
        actions.reject(db, user, case_id, reason, text, seen=required_version(version))
        return t("done.rejected", lang, id=case_id)

    where = safe_next(next, f"/cases/{case_id}")
    entered = {"reason": reason, "text": text}
    return run_move(request, db, case_id, done, where, "reject", entered)


@router.post("/cases/{case_id}/notice")
def notice_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.notice"))],
    db: Annotated[Session, Depends(get_db)],
    version: VersionField = None,
) -> RedirectResponse:
    lang = lang_of(request)
    case_or_404(db, case_id)

    def done() -> str:
        case, _ = actions.issue_notice(
            db, user, case_id, rules_of(request), store_of(request), seen=required_version(version)
        )
        deadline = local(case.deadline_at, "%d/%m/%Y")
        return t("done.notice", lang, number=case.notice_number, id=case.id, deadline=deadline)

    return run_move(request, db, case_id, done, f"/cases/{case_id}")


def _bad_amount(
    request: Request, case_id: int, form: str, entered: dict[str, str]
) -> RedirectResponse:
    flash(request, "error", t("bad_amount", lang_of(request)))
    typed.keep(request, case_id, form, entered)
    return RedirectResponse(f"/cases/{case_id}", 303)


def _amount(text: str) -> int | None:
    digits = text.strip().replace(".", "").replace(",", "").replace(" ", "")
    return int(digits) if digits.isdigit() and 0 < len(digits) <= 15 else None


@router.post("/cases/{case_id}/fine")
def fine_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.fine"))],
    db: Annotated[Session, Depends(get_db)],
    version: VersionField = None,
    amount: Annotated[str, Form(max_length=32)] = "",
    signer: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    case_or_404(db, case_id)
    value = _amount(amount)
    entered = {"amount": amount, "signer": signer}
    if value is None:
        return _bad_amount(request, case_id, "fine", entered)

    def done() -> str:
        actions.record_fine(
            db,
            user,
            case_id,
            value,
            rules_of(request),
            store_of(request),
            seen=required_version(version),
            signer=signer,
        )
        return t("done.fined", lang, id=case_id, amount=format_vnd(value))

    return run_move(request, db, case_id, done, f"/cases/{case_id}", "fine", entered)


@router.post("/cases/{case_id}/pay")
def pay_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.pay"))],
    db: Annotated[Session, Depends(get_db)],
    version: VersionField = None,
    amount: Annotated[str, Form(max_length=32)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    case_or_404(db, case_id)
    value = _amount(amount)
    entered = {"amount": amount, "reference": reference}
    if value is None:
        return _bad_amount(request, case_id, "pay", entered)

    def done() -> str:
        actions.record_payment(db, user, case_id, value, reference, seen=required_version(version))
        return t("done.paid", lang, id=case_id, amount=format_vnd(value))

    return run_move(request, db, case_id, done, f"/cases/{case_id}", "pay", entered)
