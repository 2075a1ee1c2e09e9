"""What a case list is filtered and sorted by, shared by the cases list, the review queue, their
CSV exports and the JSON API, so a filter means the same thing everywhere.

Plates are matched on `plate_norm` (uppercase A-Z 0-9, the plate's identity), with the typed
fragment normalised the same way: "51K", "678.90", "67890" and "51k-678" all find 51K-678.90.
Alone, the fragment is looked up as a sub-select of case ids over `plate_norm`: a scan of the
covering index ix_cases_plate_norm (a few ms at 100,000 cases) instead of a walk of the whole
table in the list's order. With a state or camera (the review queue is one state) the rows of
that index are fewer than the plates, so the plate is read on them. Dates are Mỹ Tho calendar
days (a "to" day is included whole). Every sort has a tie-break in the same direction that an
index of `cases` serves (migration 0011 adds the missing ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Select, select, text
from sqlalchemy.orm import Session, aliased

from central.db import STATES, Case
from central.notices import LOCAL_TZ
from common import plate_text

SortKey = Literal[
    "id", "crossed", "camera", "plate", "vehicle", "into_red", "confidence", "state", "notice",
    "deadline", "fine",
]  # fmt: skip
# sort key -> the columns ordered by (the first is the one shown), each served by an index
SORTS: dict[str, tuple[Any, ...]] = {
    "id": (Case.id,),
    "crossed": (Case.crossed_at, Case.id),
    "camera": (Case.camera_id, Case.crossed_at, Case.id),
    "plate": (Case.plate_norm, Case.camera_id, Case.crossed_at, Case.id),
    "vehicle": (Case.vehicle_class, Case.crossed_at, Case.id),
    "into_red": (Case.seconds_into_red, Case.id),
    "confidence": (Case.plate_confidence, Case.id),
    "state": (Case.state, Case.crossed_at, Case.id),
    "notice": (Case.notice_number, Case.id),
    "deadline": (Case.deadline_at, Case.id),
    "fine": (Case.fine_vnd, Case.id),
}
assert set(get_args(SortKey)) == set(SORTS), "every sort key is in the API's enum"
# the direction of a column's first click: newest, longest into red, biggest fine first
FIRST_DESC = frozenset({"id", "crossed", "into_red", "fine"})
DEFAULT_SORT: SortKey = "crossed"
VEHICLE_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # what a date filter may say
_DATE_FORMS = (
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), (3, 2, 1)),  # 05/12/2026
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),  # 2026-12-05 (ISO, the API)
)


@dataclass(frozen=True)
class CaseFilter:
    """One list's filter and sort. `plate` is the normalised fragment, `plate_typed` what the
    officer typed (shown back in the form); `conf_below` is a percentage."""

    plate: str = ""
    plate_typed: str = ""
    camera: str = ""
    date_from: date | None = None
    date_to: date | None = None
    state: str = ""
    vehicle: str = ""
    unread: bool = False
    conf_below: float | None = None
    sort: str = DEFAULT_SORT
    desc: bool = True

    def params(self) -> dict[str, str]:
        """The filter as query parameters (without the sort): links keep it."""
        out = {
            "plate": self.plate_typed or self.plate,
            "camera": self.camera,
            "from": show_date(self.date_from),
            "to": show_date(self.date_to),
            "state": self.state,
            "vehicle": self.vehicle,
            "unread": "1" if self.unread else "",
            "conf": _percent(self.conf_below),
        }
        return {k: v for k, v in out.items() if v}

    def sort_params(self) -> dict[str, str]:
        """The filter and the sort, when it is not the default."""
        out = self.params()
        if (self.sort, self.desc) != (DEFAULT_SORT, True):
            out |= {"sort": self.sort, "dir": "desc" if self.desc else "asc"}
        return out

    def sorted_by(self, key: str) -> CaseFilter:
        """This filter sorted by `key`: the other direction if it is sorted by it already."""
        if key == self.sort:
            return replace(self, desc=not self.desc)
        return replace(self, sort=key, desc=key in FIRST_DESC)

    @property
    def active(self) -> bool:
        return bool(self.params())


@dataclass
class Parsed:
    """A filter read from a form, and what in it could not be used (i18n key, values)."""

    filter: CaseFilter
    errors: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def show_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _percent(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",")


def parse_date(raw: str) -> date | None:
    """dd/mm/yyyy (also with . or -, the way officers write it) or ISO yyyy-mm-dd; None if
    it is neither or outside 2000-2099."""
    raw = raw.strip()
    for pattern, (y, m, d) in _DATE_FORMS:
        found = pattern.match(raw)
        if found:
            try:
                day = date(int(found.group(y)), int(found.group(m)), int(found.group(d)))
            except ValueError:
                return None
            return day if FIRST_DAY <= day <= LAST_DAY else None
    return None


def canonical_camera(raw: str, known: list[str]) -> str | None:
    """The known camera id `raw` names, ignoring case ("mt-01" is MT-01); None if unknown."""
    wanted = raw.strip().upper()
    return next((cid for cid in known if cid.upper() == wanted), None)


def parse(values: dict[str, str], cameras: list[str], vehicles: list[str]) -> Parsed:
    """The filter of a page's query string; what cannot be used is left out and reported."""
    errors: list[tuple[str, dict[str, str]]] = []
    get = lambda key: (values.get(key) or "").strip()  # noqa: E731
    typed = get("plate")[:32]
    fragment = plate_text.normalize(typed) if typed else ""
    if typed and not fragment:
        errors.append(("lists.err.plate", {"value": typed}))
    camera = ""
    if get("camera"):
        camera = canonical_camera(get("camera"), cameras) or ""
        if not camera:
            errors.append(("lists.err.camera", {"value": get("camera")[:64]}))
    days: dict[str, date | None] = {}
    for key in ("from", "to"):
        days[key] = parse_date(get(key)) if get(key) else None
        if get(key) and days[key] is None:
            errors.append(("lists.err.date", {"value": get(key)[:32]}))
    if days["from"] and days["to"] and days["from"] > days["to"]:
        errors.append(
            ("lists.err.range", {"a": show_date(days["from"]), "b": show_date(days["to"])})
        )
        days["to"] = None
    state = get("state") if get("state") in STATES else ""
    if get("state") and not state:
        errors.append(("lists.err.state", {"value": get("state")[:32]}))
    vehicle = get("vehicle") if get("vehicle") in vehicles else ""
    if get("vehicle") and not vehicle:
        errors.append(("lists.err.vehicle", {"value": get("vehicle")[:32]}))
    conf = None
    if get("conf"):
        try:
            conf = float(get("conf").replace(",", ".").rstrip("% "))
        except ValueError:
            conf = None
        if conf is None or not 0 < conf <= 100:
            errors.append(("lists.err.conf", {"value": get("conf")[:16]}))
            conf = None
    sort = get("sort") if get("sort") in SORTS else DEFAULT_SORT
    desc = get("dir") != "asc" if get("dir") else sort in FIRST_DESC
    found = CaseFilter(
        plate=fragment,
        plate_typed=typed if fragment else "",
        camera=camera,
        date_from=days["from"],
        date_to=days["to"],
        state=state,
        vehicle=vehicle,
        unread=get("unread") in ("1", "on", "true", "yes"),
        conf_below=conf,
        sort=sort,
        desc=desc,
    )
    return Parsed(found, errors)


def day_start(day: date) -> datetime:
    """Midnight in Mỹ Tho at the start of `day`, in UTC (what the database keeps)."""
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


def conditions(f: CaseFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filter (all must hold)."""
    out: list[ColumnElement[bool]] = []
    if f.plate and (f.state or f.camera):  # walk that index, reading each row's plate
        out.append(Case.plate_norm.like(f"%{f.plate}%"))
    elif f.plate:  # the plates' index first (not the whole table in the list's order)
        inner = aliased(Case)
        ids = select(inner.id).where(inner.plate_norm.like(f"%{f.plate}%"))
        out.append(Case.id.in_(ids))
    if f.unread:
        out.append(Case.plate_norm.is_(None))
    if f.camera:
        out.append(Case.camera_id == f.camera)
    if f.date_from:
        out.append(Case.crossed_at >= day_start(f.date_from))
    if f.date_to:
        out.append(Case.crossed_at < day_start(f.date_to + timedelta(days=1)))
    if f.state:
        out.append(Case.state == f.state)
    if f.vehicle:
        out.append(Case.vehicle_class == f.vehicle)
    if f.conf_below is not None:
        out.append(Case.plate_confidence < f.conf_below / 100)
    return out


def filtered(query: Select[Any], f: CaseFilter) -> Select[Any]:
    clauses = conditions(f)
    return query.where(*clauses) if clauses else query


def ordered(query: Select[Any], f: CaseFilter) -> Select[Any]:
    columns = SORTS.get(f.sort, SORTS[DEFAULT_SORT])
    return query.order_by(*(c.desc() if f.desc else c.asc() for c in columns))


# Every camera that has a case, by a loose index scan of ix_cases_camera_crossed (one probe
# per camera: PostgreSQL has no skip scan, and DISTINCT would read every index entry).
_CAMERAS = text(
    "WITH RECURSIVE cams(id) AS ("
    " SELECT min(camera_id) FROM cases"
    " UNION ALL"
    " SELECT (SELECT min(c.camera_id) FROM cases c WHERE c.camera_id > cams.id)"
    " FROM cams WHERE cams.id IS NOT NULL)"
    " SELECT id FROM cams WHERE id IS NOT NULL"
)


def camera_ids(session: Session, configured: dict[str, str]) -> list[str]:
    """The cameras a list can be filtered by: the configured ones and any with cases."""
    seen = {str(cid) for cid in session.scalars(_CAMERAS)}
    return sorted(seen | set(configured))
