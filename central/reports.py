"""The weekly report the city receives: the enforcement funnel per camera and in total.

Weeks are ISO weeks in Vietnam's local time (Monday 00:00 to the next Monday 00:00,
Asia/Ho_Chi_Minh), because that is the week the city office files under. Detections count by
when the vehicle crossed; every later step (rejected, notice issued, fined, paid, escalated)
counts by when its transition was recorded, so a week's figures never change once the week
is over, whatever happens to its cases later.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, literal, select
from sqlalchemy.orm import Session

from central.db import ESCALATED, FINED, MERGED, NOTICE_ISSUED, PAID, REJECTED, Case, Transition
from central.notices import LOCAL_TZ, TEMPLATES, IssuingUnit, site_vi, template_env

TREND_WEEKS = 4  # weeks before the report's week shown in the trend
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
# Transition target state -> Funnel field it counts in.
MOVES = {
    REJECTED: "rejected",
    NOTICE_ISSUED: "notices",
    FINED: "fined",
    PAID: "paid",
    ESCALATED: "escalated",
}
LABELS = {
    "detected": "Phát hiện",
    "rejected": "Loại bỏ",
    "notices": "Thông báo đã gửi",
    "fined": "Quyết định xử phạt",
    "paid": "Đã nộp phạt",
    "paid_vnd": "Số tiền đã nộp (VND)",
    "escalated": "Quá hạn (chuyển cưỡng chế)",
}


class ReportError(ValueError):
    """The report cannot be made as asked (a week string that is no ISO week)."""


@dataclass
class Funnel:
    detected: int = 0
    rejected: int = 0
    notices: int = 0
    fined: int = 0
    paid: int = 0
    paid_vnd: int = 0
    escalated: int = 0

    def add(self, other: Funnel) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class CameraRow:
    camera_id: str
    name: str
    funnel: Funnel


@dataclass
class TrendRow:
    week: str
    start: date  # Monday
    end: date  # Sunday
    funnel: Funnel
    change_pct: float | None  # detections against the week before; None when that had none


@dataclass
class WeeklyReport:
    week: str
    start: date  # Monday, local
    end: date  # Sunday, local
    cameras: list[CameraRow]
    total: Funnel
    trend: list[TrendRow]  # the TREND_WEEKS weeks before, oldest first, then this week
    lifetime: Funnel  # everything up to the end of this week
    demo_cases: int = 0  # detections of the week made by the demo (test data)
    generated_at: datetime = field(default_factory=lambda: datetime.now(LOCAL_TZ))


@dataclass(frozen=True)
class Week:
    name: str
    start: datetime  # Monday 00:00 local
    end: datetime  # next Monday 00:00 local

    @property
    def days(self) -> tuple[date, date]:
        return self.start.date(), (self.end - timedelta(days=1)).date()

    def shift(self, weeks: int) -> Week:
        start = self.start + timedelta(weeks=weeks)
        year, num, _ = start.date().isocalendar()
        return Week(f"{year}-W{num:02d}", start, start + timedelta(weeks=1))


def parse_week(week: str) -> Week:
    """'2026-W47' -> its local bounds; ReportError says what a week looks like."""
    m = _WEEK.fullmatch(week.strip()) if isinstance(week, str) else None
    if m is None:
        raise ReportError(
            f"week must look like 2026-W47 (ISO year, 'W', 2-digit week), got {week!r}"
        )
    year, num = int(m.group(1)), int(m.group(2))
    if not 1 <= year <= 9998:
        raise ReportError(f"{week}: the year must be between 0001 and 9998")
    try:
        monday = date.fromisocalendar(year, num, 1)
    except ValueError:
        last = date(year, 12, 28).isocalendar()[1]
        raise ReportError(f"{week}: ISO year {year} has weeks 01 to {last}") from None
    start = datetime.combine(monday, time(0), LOCAL_TZ)
    return Week(f"{year}-W{num:02d}", start, start + timedelta(weeks=1))


def _between(column: Any, start: datetime | None, end: datetime) -> ColumnElement[bool]:
    """Bounds in UTC: SQLite stores UTC wall-clock digits and compares them as text."""
    upper = column < end.astimezone(UTC)
    return upper if start is None else (column >= start.astimezone(UTC)) & upper


CITY = "*"  # the key of the city-wide funnel


def _funnels(
    session: Session, start: datetime | None, end: datetime, by_camera: bool = True
) -> dict[str, Funnel]:
    """The funnel per camera for [start, end) (start None: since the beginning); with
    `by_camera=False` one city-wide funnel under CITY, counted without joining every move to
    its case, so the trend and the lifetime line stay fast at hundreds of thousands of moves."""
    key = Case.camera_id if by_camera else literal(CITY)
    keys = [Case.camera_id] if by_camera else []
    out: dict[str, Funnel] = {} if by_camera else {CITY: Funnel()}
    detected = (
        select(key, func.count(Case.id))
        .where(_between(Case.crossed_at, start, end), Case.state != MERGED)
        .group_by(*keys)
    )
    for camera, n in session.execute(detected):
        out.setdefault(camera, Funnel()).detected = n
    in_time = _between(Transition.at, start, end)
    moves = select(key, Transition.to_state, func.count(distinct(Transition.case_id)))
    if by_camera:
        moves = moves.join(Case, Case.id == Transition.case_id)
    moves = moves.where(in_time, Transition.to_state.in_(MOVES)).group_by(
        *keys, Transition.to_state
    )
    for camera, state, n in session.execute(moves):
        setattr(out.setdefault(camera, Funnel()), MOVES[state], n)
    paid_ids = select(Transition.case_id).where(in_time, Transition.to_state == PAID)
    amounts = (
        select(key, func.coalesce(func.sum(Case.paid_vnd), 0))
        .where(Case.id.in_(paid_ids))
        .group_by(*keys)
    )
    for camera, amount in session.execute(amounts):
        assert amount is not None  # coalesce(..., 0)
        out.setdefault(camera, Funnel()).paid_vnd = int(amount)
    return out


def _city_total(session: Session, start: datetime | None, end: datetime) -> Funnel:
    return _funnels(session, start, end, by_camera=False)[CITY]


def _total(per_camera: dict[str, Funnel]) -> Funnel:
    total = Funnel()
    for funnel in per_camera.values():
        total.add(funnel)
    return total


def _change(now: int, before: int) -> float | None:
    return None if before == 0 else round((now - before) / before * 100, 1)


def weekly_report(
    session: Session,
    week: str,
    cameras: dict[str, str] | None = None,
    *,
    now: datetime | None = None,
) -> WeeklyReport:
    """The report for ISO week `week` ('2026-W47'). `cameras` (id -> name) lists cameras that
    had nothing that week too: a camera with no detections is worth a look."""
    this = parse_week(week)
    names = cameras or {}
    per_camera = _funnels(session, this.start, this.end)
    rows = [
        CameraRow(cid, names.get(cid, ""), per_camera.get(cid, Funnel()))
        for cid in sorted(set(names) | set(per_camera))
    ]
    weeks = [this.shift(-i) for i in range(TREND_WEEKS + 1, -1, -1)]
    totals = [_city_total(session, w.start, w.end) for w in weeks]
    trend = [
        TrendRow(w.name, *w.days, totals[i], _change(totals[i].detected, totals[i - 1].detected))
        for i, w in enumerate(weeks)
        if i > 0
    ]
    demo = session.scalar(
        select(func.count(Case.id)).where(
            _between(Case.crossed_at, this.start, this.end), Case.state != MERGED, Case.demo
        )
    )
    return WeeklyReport(
        week=this.name,
        start=this.days[0],
        end=this.days[1],
        cameras=rows,
        total=_total(per_camera),
        trend=trend,
        lifetime=_city_total(session, None, this.end),
        demo_cases=demo or 0,
        generated_at=(now or datetime.now(UTC)).astimezone(LOCAL_TZ),
    )


# --- rendering -------------------------------------------------------------------------------

CSV_HEAD = ["Tuần", "Từ ngày", "Đến ngày", "Mã camera", "Tên camera"] + [
    LABELS[f.name] for f in fields(Funnel)
]
CSV_HEAD.append("Thay đổi phát hiện so với tuần trước (%)")
TOTAL = "TỔNG"


def _csv_row(week: str, days: tuple[date, date], cid: str, name: str, f: Funnel) -> list[Any]:
    """One row; a camera named the old way ('…, approach from the west') in Vietnamese."""
    days_iso = (days[0].isoformat(), days[1].isoformat())
    return [week, *days_iso, cid, site_vi(name), *asdict(f).values()]


def render_csv(report: WeeklyReport) -> str:
    """One table for Excel (UTF-8 with BOM): the week's cameras, its total row, then the total
    rows of the weeks before (camera 'TỔNG'), each with its change in detections."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEAD)
    days = (report.start, report.end)
    for row in report.cameras:
        writer.writerow([*_csv_row(report.week, days, row.camera_id, row.name, row.funnel), ""])
    for t in reversed(report.trend):
        change = "" if t.change_pct is None else f"{t.change_pct:.1f}"
        writer.writerow([*_csv_row(t.week, (t.start, t.end), TOTAL, "", t.funnel), change])
    return "\ufeff" + out.getvalue()


def render_json(report: WeeklyReport) -> str:
    """The report as JSON (dates ISO 8601), for the city's dashboards."""

    def plain(value: Any) -> Any:
        if isinstance(value, date | datetime):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON")

    return json.dumps(asdict(report), ensure_ascii=False, indent=2, default=plain)


def _pct(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}".replace(".", ",") + " %" if whole else "–"


def funnel_bars(f: Funnel, width: int = 400) -> list[dict[str, Any]]:
    """The bars of the funnel chart: label, value, length in px and share of detections."""
    steps = ["detected", "notices", "fined", "paid", "rejected"]
    top = max([getattr(f, s) for s in steps] + [1])
    return [
        {
            "label": LABELS[s],
            "value": getattr(f, s),
            "px": round(getattr(f, s) / top * width),
            "share": _pct(getattr(f, s), f.detected),
            "muted": s == "rejected",
        }
        for s in steps
    ]


def render_html(report: WeeklyReport, unit: IssuingUnit | None = None) -> str:
    """A self-contained page laid out like a filed city report (A4 landscape when printed)."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return (
        template_env()
        .get_template("report.html")
        .render(
            r=report,
            unit=unit or IssuingUnit(),
            css=css,
            labels=LABELS,
            site=site_vi,
            bars=funnel_bars(report.total),
            pct=_pct,
            week_no=int(report.week[-2:]),
            year=int(report.week[:4]),
        )
    )


def render_pdf(report: WeeklyReport, unit: IssuingUnit | None = None) -> bytes:
    """The same page as a PDF for filing."""
    from weasyprint import HTML

    pdf = HTML(string=render_html(report, unit)).write_pdf()
    assert pdf is not None
    return pdf
