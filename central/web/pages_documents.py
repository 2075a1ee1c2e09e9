"""Files the pages hand out: evidence files (checked against their hash), and notices and
decisions — once issued, exactly the frozen bytes (central.issued_documents); before issue,
a draft rendered from the case as it stands, marked as a draft."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session

from central import issued_documents
from central.db import CONFIRMED, NOTICE, EvidenceFile, IssuedDocument
from central.issued_documents import DocumentError
from central.notices import NoticeError, html_to_pdf, render_notice_html
from central.users import User, audit
from central.web import actions
from central.web.auth import NotFound, get_db, lang_of, require
from central.web.downloads import disposition
from central.web.i18n import t
from central.web.moves import case_or_404, rules_of, store_of
from central.web.refusals import said
from central.web.render import error_page

router = APIRouter()
NOTICE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


@router.get("/evidence/{file_id}")
def evidence_file(
    file_id: int,
    request: Request,
    _user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """One stored evidence file, checked against its hash before it is served."""
    row = db.get(EvidenceFile, file_id) if 0 < file_id < 2**31 else None
    if row is None:
        raise NotFound(f"evidence file {file_id}")
    store = store_of(request)
    store.read(row.path)  # OSError (a 500 that says so) if the bytes on disk are not the original
    suffix = row.name.rsplit(".", 1)[-1].lower()
    media = {"webm": "video/webm", "mp4": "video/mp4", "png": "image/png"}.get(suffix, "image/jpeg")
    headers = {"Cache-Control": "private, max-age=86400, immutable"}
    return FileResponse(store.absolute(row.path), media_type=media, headers=headers)


def _refused(request: Request, exc: Exception, case_id: int) -> HTMLResponse:
    """A document that cannot be handed out, explained on a page in the page's language
    (what is wrong, the way back to its case): never a plain-text answer to a link."""
    lang = lang_of(request)
    why = said(exc, lang)
    title = t("doc.refused_title", lang)
    return error_page(request, 409, why.text, title=title, case_id=case_id, link=why.link)


def _serve(request: Request, doc: IssuedDocument, fmt: str) -> Response:
    data = issued_documents.read(store_of(request), doc, fmt)
    headers = {"X-Document-SHA256": doc.pdf_sha256 if fmt == "pdf" else doc.html_sha256}
    if fmt == "pdf":
        headers["Content-Disposition"] = disposition(f"{doc.number}.pdf")
        return Response(data, media_type="application/pdf", headers=headers)
    headers["Content-Security-Policy"] = NOTICE_CSP
    return HTMLResponse(data.decode("utf-8"), headers=headers)


def _notice(request: Request, db: Session, case_id: int, fmt: str, user: User) -> Response:
    """The notice in force (frozen), else the confirmed case's draft."""
    case = case_or_404(db, case_id)
    doc = issued_documents.current(db, case.id, NOTICE)
    try:
        if doc is not None:
            response = _serve(request, doc, fmt)
            number: str | None = doc.number
        elif case.state == CONFIRMED:
            data = actions.notice_data(db, case, rules_of(request), store_of(request))
            html = render_notice_html(data)
            number = None
            if fmt == "pdf":
                pdf = html_to_pdf(html)
                name = f'attachment; filename="draft-case-{case.id}.pdf"'
                response = Response(
                    pdf, media_type="application/pdf", headers={"Content-Disposition": name}
                )
            else:
                response = HTMLResponse(html, headers={"Content-Security-Policy": NOTICE_CSP})
        else:
            raise NoticeError(f"case {case.id} is {case.state}: it has no notice in force")
    except (NoticeError, DocumentError) as exc:
        return _refused(request, exc, case.id)
    if fmt == "pdf":
        audit(db, user.username, "notice.pdf", str(case_id), {"notice_number": number})
        db.commit()
    return response


@router.get("/cases/{case_id}/notice", response_class=HTMLResponse)
def notice_html(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    return _notice(request, db, case_id, "html", user)


@router.get("/cases/{case_id}/notice.pdf")
def notice_pdf(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    return _notice(request, db, case_id, "pdf", user)


@router.get("/documents/{doc_id}.{fmt}")
def document_file(
    doc_id: int,
    fmt: str,
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """Any issued document, superseded or void ones included: exactly what was issued."""
    doc = db.get(IssuedDocument, doc_id) if 0 < doc_id < 2**31 else None
    if doc is None or fmt not in ("pdf", "html"):
        raise NotFound(f"document {doc_id}")
    try:
        response = _serve(request, doc, fmt)
    except DocumentError as exc:
        return _refused(request, exc, doc.case_id)
    if fmt == "pdf":
        audit(db, user.username, "document.pdf", str(doc.case_id), {"number": doc.number})
        db.commit()
    return response
