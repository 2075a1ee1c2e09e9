"""The officers' pages: the review queue, a case with its evidence and timeline, and the moves
(confirm, correct and confirm, reject, notice, fine, payment).

A move is a POST form (CSRF-checked app-wide) carrying the case version the officer saw, done
in one transaction, then a redirect (post/redirect/get) with a flash saying what happened or,
in the officer's language, why it was refused (central.web.refusals). Opening a case in the
review queue claims it for a few minutes (central.case_claims), so two officers on the queue
are handed different cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from central import case_claims, cases, issued_documents
from central.appeals import APPEALABLE
from central.db import (
    APPEALED,
    CONFIRMED,
    DETECTED,
    ESCALATED,
    FINED,
    NOTICE_ISSUED,
    REVIEW,
    Case,
    Transition,
    utcnow,
)
from central.fines import FineError, format_vnd
from central.issued_documents import DocumentError
from central.notices import NOTICE_STATES, NoticeError
from central.store import EvidenceStore
from central.users import User
from central.web import actions, typed
from central.web.auth import NotFound, get_db, lang_of, require, safe_next
from central.web.case_search import CaseFilter
from central.web.i18n import reject_reasons, t
from central.web.pages_lists import filter_context, list_filter, query_of
from central.web.queries import (
    evidence_of,
    next_unclaimed,
    queue_neighbours,
    review_queue,
    timeline,
)
from central.web.refusals import said
from central.web.render import flash, local, page
from common.manifest import parse_utc_ms

router = APIRouter()
REFUSALS = (cases.CaseError, NoticeError, FineError, DocumentError)
VersionField = Annotated[int | None, Form(ge=1, le=2**31 - 1)]


def rules_of(request: Request) -> actions.Rules:
    return request.app.state.rules


def store_of(request: Request) -> EvidenceStore:
    return request.app.state.store.evidence


def case_or_404(db: Session, case_id: int) -> Case:
    case = db.get(Case, case_id) if 0 < case_id < 2**31 else None
    if case is None:
        raise NotFound(f"case {case_id}")
    return case


def _red_since(manifest: dict[str, Any]) -> str:
    try:
        return local(parse_utc_ms(manifest["red_since"]), "%d/%m/%Y %H:%M:%S.%f")[:-3]
    except (KeyError, TypeError, ValueError):
        return "–"


def _claim_head(db: Session, user: User, minutes: float, filt: CaseFilter) -> Case | None:
    """The oldest case (within the queue's filter) nobody else holds, claimed for `user`
    (another officer claiming the same case in the same instant sends us on to the next one)."""
    tried: tuple[int, ...] = ()
    for _ in range(5):
        head = next_unclaimed(db, user.username, utcnow(), tried, filt)
        if head is None:
            return None
        if case_claims.claim(db, head.id, user.username, minutes).username == user.username:
            return head
        tried += (head.id,)
    return None


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
    case: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> Response:
    """The queue, oldest first, and one case in full: frames, crops, facts, the review forms.
    An officer's case is claimed for them; one another officer holds is shown read-only. The
    queue can be filtered as the cases list is (central.web.case_search): the case handed out
    is then the oldest unclaimed one that matches, and every link and move keeps the filter."""
    reviewer = user.can("cases.review")
    parsed, cameras = list_filter(request, db)
    filt = parsed.filter
    if reviewer and db.scalar(select(exists().where(Case.state == DETECTED))):
        actions.triage(db, rules_of(request))
        db.commit()
    minutes = rules_of(request).config.review_claim_minutes
    if case:
        current = db.get(Case, case)
        if current is None:
            raise NotFound(f"case {case}")
    elif reviewer:
        current = _claim_head(db, user, minutes, filt)
    else:
        current = next_unclaimed(db, user.username, utcnow(), filt=filt)
    if current is not None and current.state != REVIEW:
        db.commit()
        return RedirectResponse(f"/cases/{current.id}", 303)
    claim = None
    if current is not None and reviewer:
        claim = case_claims.claim(db, current.id, user.username, minutes)
    db.commit()
    now = utcnow()
    queue = review_queue(db, page_no, request.app.state.page_size, filt)
    context: dict[str, Any] = filter_context(request, parsed, cameras) | {
        "params": filt.params(),
        "queue": queue,
        "case": current,
        "prev_id": None,
        "next_id": None,
        "held": case_claims.claimed_by_others(db, user.username, now),
    }
    if current is not None:
        ev = evidence_of(db, current, store_of(request))
        prev_id, next_id = queue_neighbours(db, current, user.username, now, filt)
        mine = claim is not None and claim.username == user.username
        context.update(
            ev=ev,
            red_since=_red_since(ev.manifest),
            prev_id=prev_id,
            next_id=next_id,
            next_url="/review" + query_of(filt.params()),
            can_review=reviewer and (claim is None or mine),
            claim=claim,
            claim_mine=mine,
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
        APPEALED: ("decide", "cases.appeal_decide"),
    }
    acts = []
    if case.state in offered and user.can(offered[case.state][1]):
        acts.append(offered[case.state][0])
    if case.state == ESCALATED:
        if case.fine_vnd is None and user.can("cases.fine"):
            acts.append("fine")
        elif case.fine_vnd is not None and user.can("cases.pay"):
            acts.append("pay")
    if case.state == CONFIRMED and user.can("cases.reverse"):
        acts.append("reverse")
    if case.state in APPEALABLE and user.can("cases.appeal"):
        acts.append("appeal")
    return acts


def plate_change(transitions: list[Transition]) -> dict[str, Any] | None:
    """The officer's plate correction (from, to, reason) as the timeline recorded it."""
    for tr in reversed(transitions):
        if tr.note and "plate_to" in tr.note:
            return tr.note
    return None


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> HTMLResponse:
    case = case_or_404(db, case_id)
    ev = evidence_of(db, case, store_of(request))
    rules = rules_of(request)
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
    transitions = timeline(db, case.id)
    documents = issued_documents.history(db, case.id)
    context = {
        "case": case,
        "ev": ev,
        "red_since": _red_since(ev.manifest),
        "transitions": transitions,
        "plate_change": plate_change(transitions),
        "acts": acts,
        "readonly": not acts and not user.can("cases.review"),
        "fine": fine,
        "owner": owner,
        "reasons": reject_reasons(lang_of(request)),
        "documents": documents,
        "numbers": {d.id: d.number for d in documents},
        "claim": case_claims.holder(db, case.id, utcnow()),
        "show_notice": case.state in NOTICE_STATES and (owner is not None or case.addressee),
    }
    return page(request, "case.html", context)


def back_to_case(case_id: int, next_url: str) -> str:
    """Where a refused move sends the officer: the same case, in the queue when the form was
    on the queue (never on to the next case)."""
    if not next_url.startswith("/review"):
        return f"/cases/{case_id}"
    query = next_url.partition("?")[2]  # the queue's filter, kept
    return f"/review?case={case_id}" + (f"&{query}" if query else "")


def refuse(
    request: Request,
    case_id: int,
    exc: Exception,
    back: str,
    form: str = "",
    entered: dict[str, str] | None = None,
) -> RedirectResponse:
    """Flash why (in the officer's language, with the link that helps), keep what was typed
    into `form` for the page it goes back to, and go back to the case."""
    why = said(exc, lang_of(request))
    flash(request, "error", why.text, why.link)
    if form and entered:
        typed.keep(request, case_id, form, entered)
    return RedirectResponse(back, 303)


def run_move(
    request: Request,
    db: Session,
    case_id: int,
    done: Callable[[], str],
    next_url: str,
    form: str = "",
    entered: dict[str, str] | None = None,
) -> RedirectResponse:
    """Run one move and commit, then go to `next_url`. A refusal rolls back, is flashed with
    its reason and sends the officer back to the same case with what they typed into `form`
    (`entered`) still in it; a stale case goes to the case page, to see what happened."""
    try:
        message = done()
        db.commit()
        flash(request, "ok", message)
    except REFUSALS as exc:
        db.rollback()
        back = back_to_case(case_id, next_url)
        if isinstance(exc, cases.StaleCase):
            back = f"/cases/{case_id}"
        return refuse(request, case_id, exc, back, form, entered)
    return RedirectResponse(next_url, 303)


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


def required_version(version: int | None) -> int:
    """The case version the form was made on (refusal_texts says this refusal in Vietnamese)."""
    if version is None:
        raise cases.CaseError("the form did not say which version of the case it was made on")
    return version


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
