"""The officers' pages: the review queue and a case with its evidence, timeline and the forms
of the moves it allows (the moves themselves: central.web.pages_moves). Opening a case in the
review queue claims it for a few minutes (central.case_claims), so two officers on the queue
are handed different cases.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from central import case_claims, issued_documents
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
from central.fines import FineError
from central.notices import NOTICE_STATES
from central.users import User
from central.web import actions
from central.web.auth import NotFound, get_db, lang_of, require
from central.web.case_search import CaseFilter
from central.web.i18n import reject_reasons
from central.web.moves import case_or_404, rules_of, store_of
from central.web.pages_lists import filter_context, list_filter, query_of
from central.web.queries import (
    evidence_of,
    next_unclaimed,
    queue_neighbours,
    review_queue,
    timeline,
)
from central.web.render import local, page
from common.manifest import parse_utc_ms

router = APIRouter()


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
