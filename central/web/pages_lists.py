"""The list of all cases with its search, filters and sortable columns, and the CSV export of
it and of the review queue, with the same filters (central.web.case_search).

A filter that cannot be used (a date that is not one, an unknown camera) is left out and the
page says so, in the officer's language, above the list. The CSV is streamed from its own
database session (the request's may be closed before the last row is sent) and audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.orm import Session

from central.db import REVIEW, STATES
from central.notices import site_vi
from central.users import User, audit
from central.web import case_csv
from central.web.auth import get_db, lang_of, require
from central.web.case_search import SORTS, CaseFilter, Parsed, camera_ids, parse
from central.web.i18n import M, reject_reasons, t
from central.web.queries import case_list, case_rows
from central.web.render import page

router = APIRouter()
CSV_LIMIT = 500_000  # rows in one export: far above a city's years of cases
PageNo = Annotated[int, Query(alias="page", ge=1, le=10**6)]


def vehicle_choices() -> list[str]:
    """The vehicle types a list offers: those the dictionary names."""
    return [key.split(".", 1)[1] for key in M if key.startswith("vehicle.")]


def list_filter(request: Request, db: Session) -> tuple[Parsed, list[str]]:
    """The filter of this request's query string, and the cameras it may name."""
    cameras = camera_ids(db, request.app.state.cameras)
    values = {k: v for k, v in request.query_params.items()}
    return parse(values, cameras, vehicle_choices()), cameras


def query_of(params: dict[str, str]) -> str:
    """`?a=1&b=2`, or nothing when there are no parameters."""
    return f"?{urlencode(params)}" if params else ""


def filter_context(request: Request, parsed: Parsed, cameras: list[str]) -> dict[str, Any]:
    """What the filter form and its messages need."""
    lang = lang_of(request)
    names: dict[str, str] = request.app.state.cameras
    name = site_vi if lang == "vi" else str
    return {
        "f": parsed.filter,
        "filter_errors": [t(key, lang, **values) for key, values in parsed.errors],
        "camera_choices": [(cid, name(names.get(cid, ""))) for cid in cameras],
        "vehicles": vehicle_choices(),
        "states": STATES,
        "query_of": query_of,
    }


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
    page_no: PageNo = 1,
) -> HTMLResponse:
    parsed, cameras = list_filter(request, db)
    f = parsed.filter
    found = case_list(db, page_no, request.app.state.page_size, f)
    offered = (("notice", "cases.notice"), ("reject", "cases.review"))
    context = filter_context(request, parsed, cameras) | {
        "cases": found,
        "now": datetime.now(UTC),
        "params": f.sort_params(),
        "sorts": list(SORTS),
        "bulk": [act for act, permission in offered if user.can(permission)],
        "reasons": reject_reasons(lang_of(request)),
        "back": query_of(f.sort_params() | ({"page": str(found.page)} if found.page > 1 else {})),
    }
    return page(request, "cases.html", context)


def _export(
    request: Request, db: Session, user: User, f: CaseFilter, name: str
) -> StreamingResponse:
    lang = lang_of(request)
    cameras: dict[str, str] = request.app.state.cameras
    audit(db, user.username, "cases.csv", name, {"filter": f.sort_params(), "lang": lang})
    db.commit()
    sessions = request.app.state.store.sessions
    site = site_vi if lang == "vi" else str

    def body() -> Iterator[bytes]:
        with sessions() as own:
            for chunk in case_csv.lines(case_rows(own, f, CSV_LIMIT), lang, cameras, site):
                yield chunk.encode("utf-8")

    headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/cases.csv")
def cases_csv(
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> StreamingResponse:
    """The cases of the list's filter, in its order, every page."""
    parsed, _ = list_filter(request, db)
    return _export(request, db, user, parsed.filter, "vu-viec")


@router.get("/review.csv")
def review_csv(
    request: Request,
    user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> StreamingResponse:
    """The review queue (within its filter), oldest first, as the queue shows it."""
    parsed, _ = list_filter(request, db)
    f = replace(parsed.filter, state=REVIEW, sort="crossed", desc=False)
    return _export(request, db, user, f, "hang-cho-duyet")
