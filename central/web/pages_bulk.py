"""The bulk actions of the cases list (central.web.bulk) and the print files of their notices.

The forms carry each ticked case as "case:version" (the version the list showed), the page to
go back to and, for a rejection, the one reason. The answer is a page of its own saying which
cases were done and, for each one refused, why, in the officer's language; it is rendered in
answer to the POST (no redirect: the outcome does not fit in a session cookie), and sending
the form again changes nothing, since every case it names has moved on and is refused as
stale. Permissions are those of the single moves: cases.notice, cases.review.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.case_claims import ClaimedCase
from central.case_errors import CaseError, StaleCase
from central.db import IssuedDocument
from central.issued_documents import DocumentError
from central.users import User, audit
from central.web import bulk, bulk_print
from central.web.auth import NotFound, get_db, lang_of, require, safe_next
from central.web.i18n import reject_reasons, t, t_opt
from central.web.moves import rules_of, store_of
from central.web.refusals import explain
from central.web.render import error_page, flash, page

router = APIRouter()
Picks = Annotated[list[str], Form(max_length=bulk.MAX_CASES + 1)]
Back = Annotated[str, Form(max_length=600)]
DocIds = Annotated[list[int], Query(max_length=bulk_print.MAX_DOCUMENTS)]


def why(refused: bulk.Refused, action: str, lang: str) -> str:
    """One refused case, said in `lang`."""
    cid = refused.case_id
    if refused.code == "not_found":
        return t("bulk.why.not_found", lang, id=cid)
    if refused.code == "state":
        state = t_opt("state", refused.detail.get("state"), lang)
        return t(f"bulk.why.state_{action}", lang, id=cid, state=state)
    if refused.code in ("no_owner", "no_plate"):
        return t(f"bulk.why.{refused.code}", lang, id=cid, **refused.detail)
    error = refused.error or CaseError(refused.code)
    if isinstance(error, (StaleCase, ClaimedCase)):
        return explain(error, lang)  # these name the case themselves
    return t("bulk.why.other", lang, id=cid, reason=explain(error, lang))


def _picks(request: Request, sel: list[str], back: str) -> list[tuple[int, int]] | Response:
    """The ticked cases, or the way back to the list with what is wrong with them."""
    lang = lang_of(request)
    picks, bad = bulk.parse_picks(sel)
    problem = None
    if bad:
        problem = t("bulk.bad_item", lang, value=bad[0])
    elif not picks:
        problem = t("bulk.none_selected", lang)
    elif len(picks) > bulk.MAX_CASES:
        problem = t("bulk.too_many", lang, n=bulk.MAX_CASES)
    if problem:
        flash(request, "error", problem)
        return RedirectResponse(safe_next(back, "/cases"), 303)
    return picks


def _result(
    request: Request, action: str, outcome: bulk.Outcome, back: str, docs: list[IssuedDocument]
) -> HTMLResponse:
    lang = lang_of(request)
    context: dict[str, Any] = {
        "action": action,
        "outcome": outcome,
        "refusals": [(r.case_id, why(r, action, lang)) for r in outcome.refused],
        "docs": docs,
        "doc_query": "&".join(f"doc={d.id}" for d in docs),
        "back": safe_next(back, "/cases"),
    }
    return page(request, "bulk_result.html", context)


@router.post("/cases/bulk/notice", response_class=HTMLResponse)
def bulk_notice(
    request: Request,
    user: Annotated[User, Depends(require("cases.notice"))],
    db: Annotated[Session, Depends(get_db)],
    sel: Picks = [],  # noqa: B006 (FastAPI copies a form default)
    back: Back = "",
) -> Response:
    picks = _picks(request, sel, back)
    if isinstance(picks, Response):
        return picks
    outcome = bulk.issue_notices(db, user, picks, rules_of(request), store_of(request))
    docs = _documents(db, outcome.documents)
    return _result(request, "notice", outcome, back, docs)


@router.post("/cases/bulk/reject", response_class=HTMLResponse)
def bulk_reject(
    request: Request,
    user: Annotated[User, Depends(require("cases.review"))],
    db: Annotated[Session, Depends(get_db)],
    sel: Picks = [],  # noqa: B006
    reason: Annotated[str, Form(max_length=64)] = "",
    text: Annotated[str, Form(max_length=500)] = "",
    back: Back = "",
) -> Response:
    lang = lang_of(request)
    picks = _picks(request, sel, back)
    if isinstance(picks, Response):
        return picks
    codes = {code for code, _ in reject_reasons(lang)}
    if reason not in codes or (reason == "other" and not text.strip()):
        missing = "bulk.no_reason" if reason not in codes else "bulk.other_text"
        flash(request, "error", t(missing, lang))
        return RedirectResponse(safe_next(back, "/cases"), 303)
    outcome = bulk.reject(db, user, picks, reason, text.strip())
    return _result(request, "reject", outcome, back, [])


def _documents(db: Session, ids: list[int]) -> list[IssuedDocument]:
    """The documents of `ids`, in that order."""
    if not ids:
        return []
    found = {d.id: d for d in db.scalars(select(IssuedDocument).where(IssuedDocument.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _unprintable(request: Request, exc: Exception) -> HTMLResponse:
    lang = lang_of(request)
    return error_page(request, 409, t("bulk.pdf_failed", lang, reason=explain(exc, lang)))


def _asked(db: Session, doc: list[int]) -> list[IssuedDocument]:
    docs = _documents(db, [d for d in dict.fromkeys(doc) if 0 < d < 2**31])
    if not docs:
        raise NotFound("documents")
    return docs


@router.get("/bulk/notices.pdf")
def notices_pdf(
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
    doc: DocIds = [],  # noqa: B006
) -> Response:
    """The documents asked for, one after the other, in one PDF to print."""
    docs = _asked(db, doc)
    try:
        pdf, pages = bulk_print.print_pdf(store_of(request), docs)
    except DocumentError as exc:
        return _unprintable(request, exc)
    numbers = [d.number for d in docs]
    audit(db, user.username, "bulk.print", None, {"numbers": numbers, "pages": pages})
    db.commit()
    headers = {"Content-Disposition": f'inline; filename="thong-bao-{len(docs)}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/bulk/notices.zip")
def notices_zip(
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
    doc: DocIds = [],  # noqa: B006
) -> Response:
    """The issued PDFs themselves, in one ZIP with their SHA-256 sums."""
    docs = _asked(db, doc)
    try:
        data = bulk_print.zip_of(store_of(request), docs)
    except DocumentError as exc:
        return _unprintable(request, exc)
    audit(db, user.username, "bulk.zip", None, {"numbers": [d.number for d in docs]})
    db.commit()
    headers = {"Content-Disposition": f'attachment; filename="thong-bao-{len(docs)}.zip"'}
    return Response(data, media_type="application/zip", headers=headers)
