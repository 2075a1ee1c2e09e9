"""The officers' pages: the review queue, a case with its evidence and timeline, the moves
(confirm, correct and confirm, reject, notice, fine, payment) and the evidence files.

A move is a POST form (CSRF-checked app-wide), done in one transaction, then a redirect
(post/redirect/get) with a flash saying what happened or why it was refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from central import cases
from central.db import CONFIRMED, DETECTED, ESCALATED, FINED, NOTICE_ISSUED, REVIEW, Case
from central.fines import FineError, format_vnd
from central.notices import (
    NOTICE_STATES,
    NoticeData,
    NoticeError,
    notice_data_for,
    render_notice_html,
)
from central.users import User, audit
from central.web import actions
from central.web.auth import NotFound, get_db, lang_of, require, safe_next
from central.web.i18n import reject_reasons, t
from central.web.queries import evidence_of, queue_neighbours, review_queue, timeline
from central.web.render import flash, local, page
from common.manifest import parse_utc_ms

router = APIRouter()
REFUSALS = (cases.CaseError, NoticeError, FineError)
NOTICE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _rules(request: Request) -> actions.Rules:
    return request.app.state.rules


def _case_or_404(db: Session, case_id: int) -> Case:
    case = db.get(Case, case_id) if 0 < case_id < 2**31 else None
    if case is None:
        raise NotFound(f"case {case_id}")
    return case


def _red_since(manifest: dict[str, Any]) -> str:
    try:
        return local(parse_utc_ms(manifest["red_since"]), "%d/%m/%Y %H:%M:%S.%f")[:-3]
    except (KeyError, TypeError, ValueError):
        return "–"


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
    case: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> Response:
    """The queue, oldest first, and one case in full: frames, crops, facts, the review forms."""
    if user.can("cases.review") and db.scalar(select(exists().where(Case.state == DETECTED))):
        actions.triage(db, _rules(request))
        db.commit()
    queue = review_queue(db, page_no, request.app.state.page_size)
    current = db.get(Case, case) if case else (queue.items[0] if queue.items else None)
    if case and current is None:
        raise NotFound(f"case {case}")
    if current is not None and current.state != REVIEW:
        return RedirectResponse(f"/cases/{current.id}", 303)
    context: dict[str, Any] = {"queue": queue, "case": current, "prev_id": None, "next_id": None}
    if current is not None:
        ev = evidence_of(db, current, request.app.state.store.evidence)
        prev_id, next_id = queue_neighbours(db, current)
        context.update(
            ev=ev,
            red_since=_red_since(ev.manifest),
            prev_id=prev_id,
            next_id=next_id,
            next_url=f"/review?case={next_id}" if next_id else "/review",
            can_review=user.can("cases.review"),
            reasons=reject_reasons(lang_of(request)),
        )
    return page(request, "review.html", context)


def _acts(user: User, case: Case) -> list[str]:
    """Which forms the case page offers this user for this case's state."""
    offered = {
        REVIEW: ("review", "cases.review"),
        CONFIRMED: ("notice", "cases.notice"),
        NOTICE_ISSUED: ("fine", "cases.fine"),
        FINED: ("pay", "cases.pay"),
    }
    acts = []
    if case.state in offered and user.can(offered[case.state][1]):
        acts.append(offered[case.state][0])
    if case.state == ESCALATED:
        if case.fine_vnd is None and user.can("cases.fine"):
            acts.append("fine")
        elif case.fine_vnd is not None and user.can("cases.pay"):
            acts.append("pay")
    return acts


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> HTMLResponse:
    case = _case_or_404(db, case_id)
    ev = evidence_of(db, case, request.app.state.store.evidence)
    rules = _rules(request)
    try:
        fine = rules.fines.fine_for(case.vehicle_class)
    except FineError:
        fine = None
    acts = _acts(user, case)
    if fine is None:
        acts = [a for a in acts if a != "fine"]
    owner = case.owner
    if owner is None and case.plate_norm:
        from central.registry import owner_for

        owner = owner_for(db, case.plate_norm)
    context = {
        "case": case,
        "ev": ev,
        "red_since": _red_since(ev.manifest),
        "transitions": timeline(db, case.id),
        "acts": acts,
        "readonly": not acts and not user.can("cases.review"),
        "fine": fine,
        "owner": owner,
        "reasons": reject_reasons(lang_of(request)),
        "show_notice": case.state in NOTICE_STATES and owner is not None,
    }
    return page(request, "case.html", context)


def _move(
    request: Request, db: Session, done: Callable[[], str], next_url: str
) -> RedirectResponse:
    """Run one move and commit; a refusal rolls back and is flashed with its reason."""
    lang = lang_of(request)
    try:
        message = done()
        db.commit()
        flash(request, "ok", message)
    except REFUSALS as exc:
        db.rollback()
        flash(request, "error", t("refused", lang, reason=str(exc)))
    return RedirectResponse(next_url, 303)


@router.post("/cases/{case_id}/confirm")
def confirm_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.review"))],
    db: Annotated[Session, Depends(get_db)],
    plate: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    _case_or_404(db, case_id)

    def done() -> str:
        case = actions.confirm(db, user, case_id, plate)
        return t("done.confirmed", lang, id=case.id, plate=case.plate_text)

    return _move(request, db, done, safe_next(next, f"/cases/{case_id}"))


@router.post("/cases/{case_id}/reject")
def reject_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.review"))],
    db: Annotated[Session, Depends(get_db)],
    reason: Annotated[str, Form(max_length=64)] = "",
    text: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    _case_or_404(db, case_id)

    def done() -> str:
        actions.reject(db, user, case_id, reason, text)
        return t("done.rejected", lang, id=case_id)

    return _move(request, db, done, safe_next(next, f"/cases/{case_id}"))


@router.post("/cases/{case_id}/notice")
def notice_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.notice"))],
    db: Annotated[Session, Depends(get_db)],
) -> RedirectResponse:
    lang = lang_of(request)
    _case_or_404(db, case_id)

    def done() -> str:
        case = actions.issue_notice(db, user, case_id, _rules(request))
        deadline = local(case.deadline_at, "%d/%m/%Y")
        return t("done.notice", lang, number=case.notice_number, id=case.id, deadline=deadline)

    return _move(request, db, done, f"/cases/{case_id}")


def _amount(text: str) -> int | None:
    digits = text.strip().replace(".", "").replace(",", "").replace(" ", "")
    return int(digits) if digits.isdigit() and 0 < len(digits) <= 15 else None


@router.post("/cases/{case_id}/fine")
def fine_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.fine"))],
    db: Annotated[Session, Depends(get_db)],
    amount: Annotated[str, Form(max_length=32)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    _case_or_404(db, case_id)
    value = _amount(amount)
    if value is None:
        flash(request, "error", t("bad_amount", lang))
        return RedirectResponse(f"/cases/{case_id}", 303)

    def done() -> str:
        actions.record_fine(db, user, case_id, value, _rules(request))
        return t("done.fined", lang, id=case_id, amount=format_vnd(value))

    return _move(request, db, done, f"/cases/{case_id}")


@router.post("/cases/{case_id}/pay")
def pay_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.pay"))],
    db: Annotated[Session, Depends(get_db)],
    amount: Annotated[str, Form(max_length=32)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    _case_or_404(db, case_id)
    value = _amount(amount)
    if value is None:
        flash(request, "error", t("bad_amount", lang))
        return RedirectResponse(f"/cases/{case_id}", 303)

    def done() -> str:
        actions.record_payment(db, user, case_id, value, reference)
        return t("done.paid", lang, id=case_id, amount=format_vnd(value))

    return _move(request, db, done, f"/cases/{case_id}")


@router.get("/evidence/{file_id}")
def evidence_file(
    file_id: int,
    request: Request,
    _user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """One stored evidence file, checked against its hash before it is served."""
    from central.db import EvidenceFile

    row = db.get(EvidenceFile, file_id) if 0 < file_id < 2**31 else None
    if row is None:
        raise NotFound(f"evidence file {file_id}")
    store = request.app.state.store.evidence
    store.read(row.path)  # OSError (a 500 that says so) if the bytes on disk are not the original
    suffix = row.name.rsplit(".", 1)[-1].lower()
    media = {"webm": "video/webm", "mp4": "video/mp4", "png": "image/png"}.get(suffix, "image/jpeg")
    headers = {"Cache-Control": "private, max-age=86400, immutable"}
    return FileResponse(store.absolute(row.path), media_type=media, headers=headers)


def _notice_data(request: Request, db: Session, case_id: int) -> NoticeData:
    case = _case_or_404(db, case_id)
    rules = _rules(request)
    root = request.app.state.store.evidence.root
    return notice_data_for(db, case, root, rules.config.notice_deadline_days, rules.fines)


@router.get("/cases/{case_id}/notice", response_class=HTMLResponse)
def notice_html(
    case_id: int,
    request: Request,
    _user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    try:
        html = render_notice_html(_notice_data(request, db, case_id))
    except NoticeError as exc:
        return Response(str(exc), 409, media_type="text/plain; charset=utf-8")
    return HTMLResponse(html, headers={"Content-Security-Policy": NOTICE_CSP})


@router.get("/cases/{case_id}/notice.pdf")
def notice_pdf(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    from central.notices import render_notice_pdf

    try:
        data = _notice_data(request, db, case_id)
    except NoticeError as exc:
        return Response(str(exc), 409, media_type="text/plain; charset=utf-8")
    pdf = render_notice_pdf(data)
    name = data.notice_number or f"draft-case-{case_id}"
    audit(db, user.username, "notice.pdf", str(case_id), {"notice_number": data.notice_number})
    db.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )
