"""The JSON API under /api/: the same moves as the pages, for scripts and the city's systems.

Authenticated by the same session cookie (POST /api/login), with the session's CSRF token in
the `X-CSRF-Token` header on every POST (GET /api/csrf hands it out). Refused moves answer 409
with the lifecycle's reason; a missing permission 403; no session 401; a sign-in try during a
delay 429 (with Retry-After). Described by OpenAPI at /api/openapi.json, to signed-in users
only: the document maps every move, which is no business of a stranger's.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from central.db import STATES, Case
from central.reports import ReportError, render_json
from central.users import User, audit
from central.web.auth import (
    NotFound,
    csrf_token,
    current_user,
    get_db,
    optional_user,
    require,
    sign_in,
    sign_out,
)
from central.web.case_search import (
    DEFAULT_SORT,
    FIRST_DAY,
    FIRST_DESC,
    LAST_DAY,
    VEHICLE_PATTERN,
    CaseFilter,
    SortKey,
    camera_ids,
    canonical_camera,
)
from central.web.pages_ops import WEEK_PATTERN, current_week
from central.web.queries import case_list, evidence_of, timeline
from central.web.sessions import client_address
from central.web.signin import attempt, wait_message, wait_seconds
from common import plate_text

router = APIRouter(prefix="/api", tags=["api"])
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the case number")]
REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "the move is not allowed now; `detail` says why"}
}
# a Literal of the runtime tuple (the OpenAPI enum): mypy takes only literal values here
State = Literal[STATES]  # type: ignore[valid-type]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseOut(_Out):
    id: int
    violation_id: str
    camera_id: str
    crossed_at: datetime
    vehicle_class: str
    seconds_into_red: float | None
    red_lower_bound: bool  # red was on as the recording began: seconds_into_red is "at least"
    signal_state: str
    plate_text: str | None
    plate_confidence: float | None  # of the camera's read, 0-1
    plate_read_text: str | None
    plate_corrected: bool
    state: str
    reject_reason: str | None
    notice_number: str | None
    deadline_at: datetime | None
    fine_vnd: int | None
    paid_vnd: int | None
    payment_ref: str | None
    chain_flag: str | None
    demo: bool
    version: int  # send it back with every move: a stale one is refused (409, `stale`)


class TransitionOut(_Out):
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    note: dict[str, Any] | None


class EvidenceOut(BaseModel):
    role: str
    name: str
    sha256: str
    url: str
    box: tuple[float, float, float, float] | None = None


class CaseDetail(CaseOut):
    transitions: list[TransitionOut]
    evidence: list[EvidenceOut]
    chain_status: str
    signature_verified: bool = True  # every stored bundle was verified on ingest


class CasePage(BaseModel):
    total: int
    page: int
    size: int
    items: list[CaseOut]


class Csrf(BaseModel):
    csrf: str


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


class Me(BaseModel):
    username: str
    role: str
    csrf: str


def get_case_or_404(db: Session, case_id: int) -> Case:
    case = db.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id}")
    return case


@router.get("/csrf", response_model=Csrf)
def get_csrf(request: Request) -> Csrf:
    """This session's CSRF token (send it as X-CSRF-Token on every POST, login included)."""
    return Csrf(csrf=csrf_token(request))


@router.get("/openapi.json", include_in_schema=False)
def openapi_document(
    request: Request, _user: Annotated[User, Depends(current_user)]
) -> JSONResponse:
    """This API's OpenAPI document (signed-in users only)."""
    return JSONResponse(request.app.openapi())


LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong credentials"},
    429: {"description": "too many failures lately: wait `retry_after` seconds, unverified"},
}


@router.post("/login", response_model=Me, responses=LOGIN_RESPONSES)
def api_login(body: LoginIn, request: Request, db: Annotated[Session, Depends(get_db)]) -> Any:
    rules = request.app.state.sign_in_rules
    outcome = attempt(db, rules, body.username, body.password, client_address(request), "api")
    if outcome.user is None:
        if outcome.wait > 0:
            seconds = wait_seconds(outcome.wait)
            detail = {
                "detail": wait_message(outcome.wait, "en"),
                "detail_vi": wait_message(outcome.wait, "vi"),
                "retry_after": seconds,
            }
            return JSONResponse(detail, 429, headers={"Retry-After": str(seconds)})
        return JSONResponse({"detail": "wrong user name or password"}, 401)
    sign_in(request, db, outcome.user)
    db.commit()
    return Me(username=outcome.user.username, role=outcome.user.role, csrf=csrf_token(request))


@router.post("/logout", status_code=204)
def api_logout(
    request: Request,
    user: Annotated[User | None, Depends(optional_user)],
    db: Annotated[Session, Depends(get_db)],
) -> None:
    if user is not None:
        audit(db, user.username, "logout", user.username, {"via": "api"})
    sign_out(request, db)
    db.commit()


@router.get("/cases", response_model=CasePage)
def list_cases(
    request: Request,
    _user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
    state: State | None = None,
    camera: Annotated[str | None, Query(max_length=64, description="camera id, any case")] = None,
    plate: Annotated[
        str | None,
        Query(max_length=32, description="any part of the plate, with or without separators"),
    ] = None,
    date_from: Annotated[
        date | None,
        Query(alias="from", ge=FIRST_DAY, le=LAST_DAY, description="first day (Mỹ Tho)"),
    ] = None,
    date_to: Annotated[
        date | None, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, description="last day, included")
    ] = None,
    vehicle: Annotated[str | None, Query(pattern=VEHICLE_PATTERN)] = None,
    unread: Annotated[bool, Query(description="only cases whose plate was not read")] = False,
    conf: Annotated[
        float | None,
        Query(gt=0, le=100, allow_inf_nan=False, description="plate confidence below, in %"),
    ] = None,
    sort: SortKey = DEFAULT_SORT,
    direction: Annotated[Literal["asc", "desc"] | None, Query(alias="dir")] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    """Cases filtered as the cases list filters them (central.web.case_search), newest crossing
    first unless `sort` and `dir` say otherwise. An unknown camera, or a plate without a letter
    or digit, finds nothing."""
    fragment = plate_text.normalize(plate) if plate else ""
    if plate and not fragment:
        return CasePage(total=0, page=1, size=size, items=[])
    cameras = camera_ids(db, request.app.state.cameras)
    filt = CaseFilter(
        plate=fragment,
        camera=(canonical_camera(camera, cameras) or camera.strip()) if camera else "",
        date_from=date_from,
        date_to=date_to,
        state=state or "",
        vehicle=vehicle or "",
        unread=unread,
        conf_below=conf,
        sort=sort,
        desc=(direction == "desc") if direction else sort in FIRST_DESC,
    )
    found = case_list(db, page, size, filt, full=True)
    items = [CaseOut.model_validate(c) for c in found.items]
    return CasePage(total=found.total, page=found.page, size=size, items=items)


@router.get("/cases/{case_id}", response_model=CaseDetail)
def get_case(
    case_id: CaseId,
    request: Request,
    _user: Annotated[User, Depends(require("cases.view"))],
    db: Annotated[Session, Depends(get_db)],
) -> CaseDetail:
    """One case with its history and evidence (file URLs are the page's, same session)."""
    case = get_case_or_404(db, case_id)
    ev = evidence_of(db, case, request.app.state.store.evidence)
    files = [*ev.frames, *ev.crops, *([ev.clip] if ev.clip else [])]
    return CaseDetail(
        **CaseOut.model_validate(case).model_dump(),
        transitions=[TransitionOut.model_validate(t) for t in timeline(db, case.id)],
        evidence=[EvidenceOut(role=f.role, name=f.name, sha256=f.sha256, url=f.url) for f in files],
        chain_status=ev.bundle.chain_status,
    )


@router.get("/report", responses={404: {"description": "not an ISO week"}})
def api_report(
    request: Request,
    _user: Annotated[User, Depends(require("report.view"))],
    db: Annotated[Session, Depends(get_db)],
    week: Annotated[str | None, Query(pattern=WEEK_PATTERN)] = None,
) -> dict[str, Any]:
    """The weekly report as JSON (the funnel per camera, the total, the trend)."""
    try:
        cache = request.app.state.report_cache
        week = week or current_week()
        report = cache.get(db, week, request.app.state.cameras, fresh=True).report
    except (ReportError, ValueError) as exc:  # parse_week raises ValueError for year 0
        raise NotFound(str(exc)) from None
    return json.loads(render_json(report))
