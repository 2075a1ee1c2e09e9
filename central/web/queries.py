"""The reads behind the pages, written to stay fast with 100,000 cases: every list is a page
(LIMIT/OFFSET) walking an index of `cases` in the order asked for, filtered as
central.web.case_search says, and counts are separate queries. Nothing here writes."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, load_only

from central.db import (
    ESCALATED,
    FINED,
    MERGED,
    NOTICE_ISSUED,
    REVIEW,
    Bundle,
    Case,
    CaseClaim,
    EvidenceFile,
    Quarantined,
    Transition,
)
from central.notice_images import road_user_boxes
from central.store import EvidenceStore
from central.web.case_search import CaseFilter, conditions, filtered, ordered
from common import plate_text

FRAME_ROLES = ("frame_before", "frame_cross", "frame_after")
CROP_ROLES = ("plate_crop", "signal_crop")
DUE_STATES = (NOTICE_ISSUED, FINED)


@dataclass
class Page:
    """One page of a list, with what the pager needs."""

    items: list[Any]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paged(session: Session, query: Select[Any], count: Select[Any], page: int, size: int) -> Page:
    total = session.scalar(count) or 0
    page = max(1, min(page, max(1, -(-total // size))))
    items = list(session.scalars(query.limit(size).offset((page - 1) * size)))
    return Page(items, total, page, size)


def count_of(query: Select[Any]) -> Select[Any]:
    """SELECT count(*) over a query's filters (no ORDER BY: the count needs none)."""
    return select(func.count()).select_from(query.order_by(None).subquery())


_CASE_LIST_COLUMNS = (
    Case.id,
    Case.camera_id,
    Case.crossed_at,
    Case.vehicle_class,
    Case.seconds_into_red,
    Case.red_lower_bound,
    Case.plate_text,
    Case.plate_confidence,
    Case.state,
    Case.notice_number,
    Case.deadline_at,
    Case.fine_vnd,
    Case.paid_vnd,
    Case.chain_flag,
    Case.demo,
    Case.version,  # the bulk checkboxes carry it
)


def _queue_filter(filt: CaseFilter | None) -> CaseFilter:
    """The review queue's filter: whatever was asked, within the cases in review."""
    return replace(filt or CaseFilter(), state=REVIEW)


def review_queue(session: Session, page: int, size: int, filt: CaseFilter | None = None) -> Page:
    """Cases waiting for an officer, oldest crossing first (index: state, crossed_at), within
    the filter if one is given."""
    query = (
        select(Case)
        .options(load_only(*_CASE_LIST_COLUMNS))
        .where(*conditions(_queue_filter(filt)))
        .order_by(Case.crossed_at, Case.id)
    )
    return paged(session, query, count_of(query), page, size)


def _unclaimed(username: str, now: datetime) -> Any:
    """Not held by another officer's live claim."""
    held = select(CaseClaim.case_id).where(
        CaseClaim.case_id == Case.id, CaseClaim.expires_at > now, CaseClaim.username != username
    )
    return ~held.exists()


def next_unclaimed(
    session: Session,
    username: str,
    now: datetime,
    skip: tuple[int, ...] = (),
    filt: CaseFilter | None = None,
) -> Case | None:
    """The oldest case in review (within the filter) that no other officer holds: the queue's
    head for them."""
    query = select(Case).where(*conditions(_queue_filter(filt)), _unclaimed(username, now))
    if skip:
        query = query.where(Case.id.not_in(skip))
    return session.scalars(query.order_by(Case.crossed_at, Case.id).limit(1)).first()


def queue_neighbours(
    session: Session, case: Case, username: str, now: datetime, filt: CaseFilter | None = None
) -> tuple[int | None, int | None]:
    """The review cases (within the filter) just before and after `case` in queue order that
    no other officer holds (for j / k)."""
    at, cid = case.crossed_at, case.id
    before = or_(Case.crossed_at < at, and_(Case.crossed_at == at, Case.id < cid))
    after = or_(Case.crossed_at > at, and_(Case.crossed_at == at, Case.id > cid))
    base = select(Case.id).where(*conditions(_queue_filter(filt)), _unclaimed(username, now))
    prev = session.scalar(base.where(before).order_by(Case.crossed_at.desc(), Case.id.desc()))
    nxt = session.scalar(base.where(after).order_by(Case.crossed_at, Case.id))
    return prev, nxt


def case_list(
    session: Session,
    page: int,
    size: int,
    filt: CaseFilter | None = None,
    *,
    state: str | None = None,
    camera: str | None = None,
    plate: str | None = None,
    full: bool = False,
) -> Page:
    """Cases filtered and sorted as `filt` says (default: all, newest crossing first); `state`,
    `camera`, `plate` narrow it further (a plate fragment); `full`: every column, for the API;
    otherwise only what the list shows."""
    filt = filt or CaseFilter()
    if state or camera or plate:
        norm = plate_text.normalize(plate) if plate else ""
        filt = replace(
            filt, state=state or filt.state, camera=camera or filt.camera, plate=norm or filt.plate
        )
    query = select(Case) if full else select(Case).options(load_only(*_CASE_LIST_COLUMNS))
    query = ordered(filtered(query, filt), filt)
    return paged(session, query, count_of(query), page, size)


def case_rows(session: Session, filt: CaseFilter, limit: int) -> Iterator[Case]:
    """Every case of the filter in its order, a batch at a time (the CSV export)."""
    query = ordered(filtered(select(Case).options(load_only(*_CASE_LIST_COLUMNS)), filt), filt)
    yield from session.scalars(query.limit(limit).execution_options(yield_per=1000))


def notices_due(session: Session, page: int, size: int) -> Page:
    """Notices and fines still open, nearest deadline first."""
    query = (
        select(Case)
        .options(load_only(*_CASE_LIST_COLUMNS))
        .where(Case.state.in_(DUE_STATES))
        .order_by(Case.deadline_at, Case.id)
    )
    return paged(session, query, count_of(query), page, size)


def state_counts(session: Session, states: tuple[str, ...]) -> dict[str, int]:
    rows = session.execute(
        select(Case.state, func.count()).where(Case.state.in_(states)).group_by(Case.state)
    )
    counts = dict.fromkeys(states, 0)
    counts.update({state: n for state, n in rows})
    return counts


def overdue_count(session: Session, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count()).where(Case.state.in_(DUE_STATES), Case.deadline_at < now)
        )
        or 0
    )


def escalated(session: Session, page: int, size: int) -> Page:
    query = (
        select(Case)
        .options(load_only(*_CASE_LIST_COLUMNS))
        .where(Case.state == ESCALATED)
        .order_by(Case.deadline_at, Case.id)
    )
    return paged(session, query, count_of(query), page, size)


def recent_crossings(session: Session, since: datetime) -> list[tuple[str, datetime]]:
    """(camera, crossed_at) of every non-merged case since `since` (the cameras page buckets
    them per hour; a day is a few thousand rows at most)."""
    rows = session.execute(
        select(Case.camera_id, Case.crossed_at).where(
            Case.crossed_at >= since, Case.state != MERGED
        )
    )
    return [(camera, at) for camera, at in rows]


def quarantine_page(session: Session, page: int, size: int, reason: str | None) -> Page:
    """Refused messages, newest first, without their payloads (downloaded one by one)."""
    query = select(Quarantined).options(
        load_only(
            Quarantined.id,
            Quarantined.received_at,
            Quarantined.topic,
            Quarantined.camera_id,
            Quarantined.violation_id,
            Quarantined.reason_code,
            Quarantined.reason,
            Quarantined.sha256,
            Quarantined.size,
        )
    )
    if reason:
        query = query.where(Quarantined.reason_code == reason)
    query = query.order_by(Quarantined.id.desc())
    count = select(func.count(Quarantined.id))
    if reason:
        count = count.where(Quarantined.reason_code == reason)
    return paged(session, query, count, page, size)


def quarantine_reasons(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Quarantined.reason_code, func.count())
        .group_by(Quarantined.reason_code)
        .order_by(Quarantined.reason_code)
    )
    return [(code, n) for code, n in rows]


# --- one case's evidence ---------------------------------------------------------------------


@dataclass
class Shown:
    """One evidence file as the page shows it: its URL, size in pixels, and the vehicle box."""

    id: int
    role: str
    name: str
    sha256: str
    url: str
    width: int = 0
    height: int = 0
    box: tuple[float, float, float, float] | None = None  # x, y, w, h in the image's pixels


# The crops in page order: the plate, then the heads before, at and after the crossing.
EVIDENCE_CROPS = ("plate_crop", "signal_crop_before", "signal_crop", "signal_crop_after")


@dataclass
class Evidence:
    bundle: Bundle
    frames: list[Shown] = field(default_factory=list)
    crops: list[Shown] = field(default_factory=list)  # every crop (the API lists them all)
    clip: Shown | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    overlay: Any = None  # central.web.evidence_view.Overlay: what the page draws over them

    @property
    def plate_crop(self) -> Shown | None:
        return next((c for c in self.crops if c.role == "plate_crop"), None)

    @property
    def signal_crops(self) -> list[Shown]:
        return [c for c in self.crops if c.role != "plate_crop"]


@functools.lru_cache(maxsize=4096)
def _image_size(path: Path) -> tuple[int, int]:
    """Pixel size from the JPEG header (content-addressed files never change, so cache it)."""
    try:
        with Image.open(path) as image:
            return image.size
    except OSError:
        return (0, 0)


def evidence_of(session: Session, case: Case, store: EvidenceStore) -> Evidence:
    from central.web.evidence_view import overlay_of  # the drawing, apart from the reads

    bundle = session.get(Bundle, case.violation_id)
    assert bundle is not None, f"case {case.id} without its bundle"
    manifest = bundle.manifest or {}
    boxes = road_user_boxes(manifest)  # drawn around the offender with their rider
    out = Evidence(bundle=bundle, manifest=manifest, overlay=overlay_of(manifest))
    files = session.scalars(
        select(EvidenceFile)
        .where(EvidenceFile.violation_id == case.violation_id)
        .order_by(EvidenceFile.id)
    )
    for f in files:
        shown = Shown(f.id, f.role, f.name, f.sha256, f"/evidence/{f.id}")
        if f.role in FRAME_ROLES or f.role in EVIDENCE_CROPS:
            shown.width, shown.height = _image_size(store.absolute(f.path))
        box = boxes.get(f.role)
        if f.role in FRAME_ROLES and box is not None:
            x1, y1, x2, y2 = box
            shown.box = (x1, y1, max(0.0, x2 - x1), max(0.0, y2 - y1))
        if f.role in FRAME_ROLES:
            out.frames.append(shown)
        elif f.role in EVIDENCE_CROPS:
            out.crops.append(shown)
        elif f.role == "clip":
            out.clip = shown
    out.frames.sort(key=lambda s: FRAME_ROLES.index(s.role))
    out.crops.sort(key=lambda s: EVIDENCE_CROPS.index(s.role))
    return out


def timeline(session: Session, case_id: int) -> list[Transition]:
    return list(
        session.scalars(
            select(Transition).where(Transition.case_id == case_id).order_by(Transition.id)
        )
    )
