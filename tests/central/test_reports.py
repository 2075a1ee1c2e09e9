"""The weekly report on a real SQLite file: exact funnel counts per camera and in total, ISO
week bounds in Vietnam's local time, the trend, and the CSV / HTML / JSON / PDF renderings."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from central.db import (
    ESCALATED,
    FINED,
    MERGED,
    NOTICE_ISSUED,
    PAID,
    REJECTED,
    REVIEW,
    Base,
    Bundle,
    Case,
    Transition,
    create_engine_for,
)
from central.notices import LOCAL_TZ
from central.reports import (
    ReportError,
    WeeklyReport,
    parse_week,
    render_csv,
    render_html,
    render_json,
    render_pdf,
    weekly_report,
)

CAMERAS = {
    "MT-01": "Ấp Bắc – Lê Văn Phẩm, hướng từ phía Bắc",
    "MT-02": "Ấp Bắc – Lê Văn Phẩm, hướng từ phía Đông",
    "MT-04": "Ấp Bắc – Lê Văn Phẩm, hướng từ phía Nam",
}


def local(y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LOCAL_TZ)


class Db:
    """Cases as the collector and the officers leave them: stored in UTC, moves recorded."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.n = 0

    def case(self, camera: str, crossed: datetime, state: str = REVIEW, **kw: object) -> Case:
        self.n += 1
        vid = f"00000000-0000-7000-8000-{self.n:012d}"
        at = crossed.astimezone(UTC)
        self.s.add(
            Bundle(
                violation_id=vid, camera_id=camera, box="EB-01", key_id="k" * 16,
                sha256=f"{self.n:064x}", manifest_sha256="0" * 64, sequence=self.n,
                size=1, path=f"b/{vid}.zip", manifest={}, crossed_at=at,
            )
        )  # fmt: skip
        self.s.flush()
        case = Case(
            violation_id=vid, camera_id=camera, crossed_at=at, vehicle_class="car",
            signal_state="red", state=state, **kw,
        )  # fmt: skip
        self.s.add(case)
        self.s.flush()
        return case

    def move(self, case: Case, to: str, at: datetime, **kw: object) -> None:
        self.s.add(
            Transition(
                case_id=case.id, from_state=case.state, to_state=to, actor="cb.nguyen",
                at=at.astimezone(UTC),
            )
        )  # fmt: skip
        case.state = to
        for k, v in kw.items():
            setattr(case, k, v)
        self.s.flush()


@pytest.fixture()
def session(tmp_path: Path):
    engine = create_engine_for("sqlite:///" + str(tmp_path / "c.db"))
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.fixture()
def filled(session: Session) -> Session:
    """Six weeks at three cameras; the report week is 2026-W47 (Mon 16 – Sun 22 Nov 2026)."""
    db = Db(session)
    for _ in range(2):  # W42
        db.case("MT-03", local(2026, 10, 14))
    w43 = [db.case("MT-03", local(2026, 10, 21)) for _ in range(4)]
    # W44: nothing
    w45 = [db.case("MT-02", local(2026, 11, 4)) for _ in range(3)]
    w46 = [db.case("MT-01", local(2026, 11, 11)) for _ in range(5)]
    w46.append(db.case("MT-01", local(2026, 11, 15, 23, 50)))  # Sunday night: still W46
    # W47 detections: MT-01 three (Monday 00:05 local is Sunday 17:05 UTC, Sunday 23:30 local
    # is Sunday 16:30 UTC), MT-02 one plus a merged duplicate that does not count.
    db.case("MT-01", local(2026, 11, 16, 0, 5))
    rejected = db.case("MT-01", local(2026, 11, 18))
    db.case("MT-01", local(2026, 11, 22, 23, 30))
    db.case("MT-02", local(2026, 11, 17, 10, 0))
    db.case("MT-02", local(2026, 11, 17, 10, 2), state=MERGED)
    db.case("MT-01", local(2026, 11, 23, 0, 10))  # Monday 00:10 local: W48
    # W47 moves.
    db.move(rejected, REJECTED, local(2026, 11, 19, 9))
    db.move(w46[0], NOTICE_ISSUED, local(2026, 11, 17, 9))
    db.move(w46[1], NOTICE_ISSUED, local(2026, 11, 22, 23, 30))
    db.move(w46[2], NOTICE_ISSUED, local(2026, 11, 23, 0, 10))  # W48
    db.move(w45[0], FINED, local(2026, 11, 12), fine_vnd=19_000_000)  # W46
    db.move(w45[0], PAID, local(2026, 11, 18), paid_vnd=19_000_000)
    db.move(w45[1], ESCALATED, local(2026, 11, 20))
    db.move(w43[0], FINED, local(2026, 11, 16, 8), fine_vnd=5_000_000)
    db.move(w43[0], PAID, local(2026, 11, 20, 15), paid_vnd=5_000_000)
    session.commit()
    return session


@pytest.fixture()
def report(filled: Session) -> WeeklyReport:
    return weekly_report(filled, "2026-W47", CAMERAS, now=datetime(2026, 11, 23, 2, tzinfo=UTC))


def funnel(report: WeeklyReport, camera: str) -> tuple[int, ...]:
    row = next(r for r in report.cameras if r.camera_id == camera)
    f = row.funnel
    return (f.detected, f.rejected, f.notices, f.fined, f.paid, f.paid_vnd, f.escalated)


def test_week_bounds_are_monday_to_monday_local_time() -> None:
    week = parse_week("2026-W47")
    assert week.start == local(2026, 11, 16, 0) and week.end == local(2026, 11, 23, 0)
    assert week.start.astimezone(UTC) == datetime(2026, 11, 15, 17, tzinfo=UTC)
    assert week.days == (date(2026, 11, 16), date(2026, 11, 22))
    assert parse_week("2026-W53").days == (date(2026, 12, 28), date(2027, 1, 3))
    assert parse_week("2027-W01").start == local(2027, 1, 4, 0)


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2026-47", "week must look like 2026-W47"),
        ("2026-W7", "week must look like 2026-W47"),
        ("W47-2026", "week must look like 2026-W47"),
        ("", "week must look like 2026-W47"),
        ("2026-W00", "ISO year 2026 has weeks 01 to 53"),
        ("2025-W53", "ISO year 2025 has weeks 01 to 52"),
        ("0000-W01", "year must be between 0001 and 9998"),
        ("9999-W52", "year must be between 0001 and 9998"),
    ],
)
def test_invalid_week_is_refused_with_what_a_week_looks_like(week: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse_week(week)


def test_invalid_week_is_refused_by_weekly_report(session: Session) -> None:
    with pytest.raises(ReportError, match="got '2026-11-16'"):
        weekly_report(session, "2026-11-16")


def test_funnel_per_camera_is_exact(report: WeeklyReport) -> None:
    assert report.week == "2026-W47"
    assert (report.start, report.end) == (date(2026, 11, 16), date(2026, 11, 22))
    # detected, rejected, notices, fined, paid, paid VND, escalated
    assert funnel(report, "MT-01") == (3, 1, 2, 0, 0, 0, 0)
    assert funnel(report, "MT-02") == (1, 0, 0, 0, 1, 19_000_000, 1)
    assert funnel(report, "MT-03") == (0, 0, 0, 1, 1, 5_000_000, 0)
    assert funnel(report, "MT-04") == (0, 0, 0, 0, 0, 0, 0)  # listed, nothing happened


def test_total_is_the_sum_of_the_cameras(report: WeeklyReport) -> None:
    t = report.total
    assert (t.detected, t.rejected, t.notices, t.fined, t.paid) == (4, 1, 2, 1, 2)
    assert (t.paid_vnd, t.escalated) == (24_000_000, 1)


def test_cameras_are_listed_in_order_with_names(report: WeeklyReport) -> None:
    assert [r.camera_id for r in report.cameras] == ["MT-01", "MT-02", "MT-03", "MT-04"]
    assert report.cameras[0].name == CAMERAS["MT-01"] and report.cameras[2].name == ""


def test_sunday_night_and_monday_morning_fall_in_their_local_weeks(filled: Session) -> None:
    w48 = weekly_report(filled, "2026-W48")
    assert [(r.camera_id, r.funnel.detected, r.funnel.notices) for r in w48.cameras] == [
        ("MT-01", 1, 1)
    ]
    w46 = weekly_report(filled, "2026-W46")
    assert (w46.total.detected, w46.total.fined) == (6, 1)


def test_trend_shows_four_weeks_before_with_change_in_percent(report: WeeklyReport) -> None:
    trend = [(t.week, t.funnel.detected, t.change_pct) for t in report.trend]
    assert trend == [
        ("2026-W43", 4, 100.0),
        ("2026-W44", 0, -100.0),
        ("2026-W45", 3, None),  # the week before had no detections
        ("2026-W46", 6, 100.0),
        ("2026-W47", 4, -33.3),
    ]
    assert report.trend[-1].funnel == report.total
    assert report.trend[3].funnel.fined == 1 and report.trend[0].start == date(2026, 10, 19)


def test_lifetime_funnel_counts_everything_up_to_the_end_of_the_week(
    report: WeeklyReport,
) -> None:
    life = report.lifetime
    assert (life.detected, life.notices, life.fined, life.paid) == (19, 2, 2, 2)
    assert (life.paid_vnd, life.rejected) == (24_000_000, 1)


def test_demo_cases_are_counted_apart(session: Session) -> None:
    db = Db(session)
    db.case("MT-05", local(2026, 11, 18), demo=True)
    db.case("MT-05", local(2026, 11, 18))
    report = weekly_report(session, "2026-W47")
    assert report.total.detected == 2 and report.demo_cases == 1
    assert "1 trường hợp dữ liệu thử nghiệm (demo)" in render_html(report)


def test_empty_database_gives_zeros(session: Session) -> None:
    report = weekly_report(session, "2026-W01")
    assert report.cameras == [] and report.total.detected == 0
    assert all(t.change_pct is None for t in report.trend)
    assert "Không có dữ liệu trong tuần" in render_html(report)


def test_csv_has_bom_and_parses_back(report: WeeklyReport) -> None:
    text = render_csv(report)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0])[:5] == ["Tuần", "Từ ngày", "Đến ngày", "Mã camera", "Tên camera"]
    cams = {r["Mã camera"]: r for r in rows if r["Tuần"] == "2026-W47" and r["Mã camera"] != "TỔNG"}
    assert cams["MT-02"]["Số tiền đã nộp (VND)"] == "19000000"
    assert cams["MT-01"]["Phát hiện"] == "3" and cams["MT-01"]["Loại bỏ"] == "1"
    assert cams["MT-01"]["Tên camera"] == CAMERAS["MT-01"]
    totals = [r for r in rows if r["Mã camera"] == "TỔNG"]
    assert [r["Tuần"] for r in totals] == [f"2026-W{n}" for n in (47, 46, 45, 44, 43)]
    assert totals[0]["Phát hiện"] == "4" and totals[0]["Đã nộp phạt"] == "2"
    assert totals[0]["Thay đổi phát hiện so với tuần trước (%)"] == "-33.3"
    assert totals[2]["Thay đổi phát hiện so với tuần trước (%)"] == ""
    assert totals[0]["Từ ngày"] == "2026-11-16" and totals[0]["Đến ngày"] == "2026-11-22"


def test_html_is_a_filed_report_with_tables_chart_and_signatures(report: WeeklyReport) -> None:
    html = render_html(report)
    for text in (
        "BÁO CÁO TUẦN 47/2026 XỬ LÝ VI PHẠM ĐÈN ĐỎ",
        "CÔNG AN TỈNH TIỀN GIANG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Mỹ Tho, ngày 23 tháng 11 năm 2026",
        "từ 00:00 ngày 16/11/2026 đến 24:00 ngày 22/11/2026",
        "I. Kết quả trong tuần theo từng camera",
        "Tổng cộng",
        "24.000.000",
        "III. Diễn biến 5 tuần gần nhất",
        "-33,3 %",
        "+100,0 %",
        "Lũy kế đến hết tuần:</b> 19 vi phạm được phát hiện",
        "Người lập báo cáo",
        "Thủ trưởng đơn vị",
        CAMERAS["MT-01"],
    ):
        assert text in html, text
    assert html.count("<svg") == 1 and html.count("<rect") == 5
    assert not re.search(r'(src|href)="', html)  # self-contained


def test_json_round_trips(report: WeeklyReport) -> None:
    data = json.loads(render_json(report))
    assert data["week"] == "2026-W47" and data["start"] == "2026-11-16"
    assert data["total"]["paid_vnd"] == 24_000_000
    assert [c["camera_id"] for c in data["cameras"]] == ["MT-01", "MT-02", "MT-03", "MT-04"]
    assert data["trend"][2]["change_pct"] is None and data["cameras"][0]["name"].startswith("Ấp")


def test_pdf_is_a4_landscape(report: WeeklyReport, tmp_path: Path) -> None:
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF")
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler-utils) is not installed: page size not checked")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts", info.stdout)
    pages = re.search(r"Pages:\s+(\d+)", info.stdout)
    assert pages is not None, info.stdout
    assert int(pages.group(1)) <= 2


def test_moves_count_each_case_once_per_week(session: Session) -> None:
    db = Db(session)
    case = db.case("MT-06", local(2026, 11, 16))
    db.move(case, NOTICE_ISSUED, local(2026, 11, 17))
    session.add(
        Transition(case_id=case.id, to_state=NOTICE_ISSUED, actor="x", at=local(2026, 11, 18))
    )
    session.flush()
    assert weekly_report(session, "2026-W47").total.notices == 1
    assert weekly_report(session, "2026-W47").trend[-1].funnel.notices == 1


def test_local_day_boundary_helper_matches_the_week(report: WeeklyReport) -> None:
    assert report.generated_at.utcoffset() == timedelta(hours=7)
