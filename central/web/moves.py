"""What every move form shares: the case version the officer saw, the case or a 404, and
running one move in one transaction with post/redirect/get. A refusal is flashed in the
officer's language (central.web.refusals) and sends them back to the same case, with what they
typed kept for the form (central.web.typed); a stale case goes to the case page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from central import cases
from central.db import Case
from central.fines import FineError
from central.issued_documents import DocumentError
from central.notices import NoticeError
from central.store import EvidenceStore
from central.web import actions, typed
from central.web.auth import NotFound, lang_of
from central.web.refusals import said
from central.web.render import flash

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


def required_version(version: int | None) -> int:
    """The case version the form was made on (refusal_texts says this refusal in Vietnamese)."""
    if version is None:
        raise cases.CaseError("the form did not say which version of the case it was made on")
    return version
