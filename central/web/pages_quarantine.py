"""The quarantine pages: the entries (open first), their original bytes for the IT team, and
what an operator does with one: acknowledge it with a note, or re-ingest it once the missing
key is registered (central.quarantine_actions).

Who may act: `quarantine.handle`, held by operators and supervisors (the operations centre's
work; officers do not see the quarantine at all). Every action is audited."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from central.db import Quarantined
from central.keys import KeyRing
from central.quarantine_actions import (
    RANK,
    STATUSES,
    HandlingError,
    IngestRules,
    QuarantineHandling,
    acknowledge,
    describe,
    reingest,
)
from central.users import User, audit
from central.web.auth import NotFound, get_db, lang_of, require
from central.web.camera_view import city_config
from central.web.i18n import t
from central.web.quarantine_detail import detail_text, render_detail
from central.web.quarantine_match import with_code
from central.web.queries import Page, count_of, paged, quarantine_reasons
from central.web.render import flash, page

router = APIRouter()
_LISTED = (
    Quarantined.id,
    Quarantined.received_at,
    Quarantined.topic,
    Quarantined.camera_id,
    Quarantined.violation_id,
    Quarantined.reason_code,
    Quarantined.reason,
    Quarantined.sha256,
    Quarantined.size,
)  # fmt: skip  (everything but the payload)


def listing(
    session: Session, page_no: int, size: int, reason: str | None, status: str | None
) -> Page:
    """One page of entries: open ones first, then acknowledged, then re-ingested; newest
    first within each; without their payloads."""
    query = select(Quarantined).outerjoin(
        QuarantineHandling, QuarantineHandling.quarantine_id == Quarantined.id
    )
    if reason:
        query = query.where(Quarantined.reason_code == reason)
    if status in STATUSES:
        query = query.where(RANK == STATUSES.index(status))
    count = count_of(query)
    query = query.options(load_only(*_LISTED)).order_by(RANK, Quarantined.id.desc())
    found = paged(session, query, count, page_no, size)
    found.items = describe(session, found.items)
    return found


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(RANK, func.count())
        .select_from(Quarantined)
        .outerjoin(QuarantineHandling, QuarantineHandling.quarantine_id == Quarantined.id)
        .group_by(RANK)
    )
    counts = dict.fromkeys(STATUSES, 0)
    for rank, n in rows:
        counts[STATUSES[int(rank)]] = n
    return counts


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine_list(
    request: Request,
    user: Annotated[User, Depends(require("quarantine.view"))],
    db: Annotated[Session, Depends(get_db)],
    reason: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> HTMLResponse:
    size = request.app.state.page_size
    status = status if status in STATUSES else ""
    params = {k: v for k, v in (("reason", reason), ("status", status)) if v}
    kept = request.session.pop("qa_note", None)  # a refused note, to type on from
    context = {
        "kept_note": tuple(kept) if isinstance(kept, list) and len(kept) == 2 else (0, ""),
        "page_": listing(db, page_no, size, reason or None, status or None),
        "reasons": quarantine_reasons(db),
        "counts": status_counts(db),
        "statuses": STATUSES,
        "params": params,
        "can_handle": user.can("quarantine.handle"),
        "detail": partial(render_detail, lang=lang_of(request)),  # the verifier's words, said again
        "with_code": with_code,
    }
    return page(request, "quarantine.html", context)


@router.get("/quarantine/{item_id}/download")
def quarantine_download(
    item_id: int,
    user: Annotated[User, Depends(require("quarantine.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """The original bytes as received, for the IT team to examine."""
    row = db.get(Quarantined, item_id) if 0 < item_id < 2**31 else None
    if row is None:
        raise NotFound(f"quarantine item {item_id}")
    audit(db, user.username, "quarantine.download", str(item_id), {"sha256": row.sha256})
    db.commit()
    name = f"quarantine-{row.id}-{row.sha256[:12]}.bin"
    return Response(
        bytes(row.payload),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _back(request: Request, item_id: int) -> RedirectResponse:
    """Back to the list the form was on (its filters and page), at the entry."""
    back = request.headers.get("referer", "")
    path = "/quarantine"
    if "/quarantine?" in back:
        path += "?" + back.split("/quarantine?", 1)[1].split("#", 1)[0]
    return RedirectResponse(f"{path}#q-{item_id}", 303)


@router.post("/quarantine/{item_id}/acknowledge")
def quarantine_acknowledge(
    item_id: int,
    request: Request,
    user: Annotated[User, Depends(require("quarantine.handle"))],
    db: Annotated[Session, Depends(get_db)],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    try:
        acknowledge(db, item_id, user.username, note)
        db.commit()
        flash(request, "ok", t("qa.acknowledged", lang, id=item_id))
    except HandlingError as exc:
        db.rollback()
        flash(request, "error", t(exc.key, lang, **exc.values))
        request.session["qa_note"] = [item_id, note[:1000]]  # typed text comes back in the form
    return _back(request, item_id)


@router.post("/quarantine/{item_id}/reingest")
def quarantine_reingest(
    item_id: int,
    request: Request,
    user: Annotated[User, Depends(require("quarantine.handle"))],
    db: Annotated[Session, Depends(get_db)],
) -> RedirectResponse:
    """The original bytes through the collector's checks again (central.ingest)."""
    lang = lang_of(request)
    actor = user.username
    db.rollback()  # the ingest writes in its own transactions: hold no lock meanwhile
    config = request.app.state.rules.config
    store = request.app.state.store
    rules = IngestRules(
        future_tolerance=timedelta(seconds=config.ingest.future_tolerance_s),
        max_age=timedelta(days=config.ingest.max_age_days),
        duplicate_window_min=config.duplicate_window_minutes,
    )
    try:
        outcome = reingest(store, KeyRing(store.sessions, city_config(config.cameras)), item_id,
                           actor, rules)  # fmt: skip
    except HandlingError as exc:
        flash(request, "error", t(exc.key, lang, **exc.values))
        return _back(request, item_id)
    if outcome.result == "refused":
        detail = detail_text(outcome.reason_code, outcome.reason, lang)[:600]
        reason = t("qa.reason_detail", lang, reason=t(f"qreason.{outcome.reason_code}", lang),
                   detail=detail)  # fmt: skip
        key = (
            "qa.still_refused_same"
            if outcome.reason_code == outcome.previous_code
            else "qa.still_refused"
        )
        flash(request, "error", t(key, lang, id=item_id, reason=reason))
    else:
        flash(request, "ok", t(f"qa.{outcome.result}", lang, id=item_id, case=outcome.case_id))
    return _back(request, item_id)
