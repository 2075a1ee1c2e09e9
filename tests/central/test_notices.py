"""The violation notice: gathered from a stored case, its signed bundle, the evidence files and
the registry; rendered as self-contained HTML and as an A4 PDF with intact Vietnamese text."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from central.db import CONFIRMED, FINED, REJECTED, EvidenceFile, Owner
from central.fines import load_fines
from central.notices import (
    NoticeData,
    NoticeError,
    notice_data_for,
    render_notice_html,
    render_notice_pdf,
    site_vi,
)
from tests.central.notice_fixtures import notice_session, offender_boxes, store_case

FINES = load_fines()


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    yield from notice_session(tmp_path)


@pytest.fixture()
def notice(session: Session, tmp_path: Path) -> NoticeData:
    case = store_case(session, tmp_path / "evidence")
    return notice_data_for(session, case, tmp_path / "evidence", 20, FINES)


def test_notice_data_reads_case_manifest_evidence_and_owner(notice: NoticeData) -> None:
    assert notice.notice_number == "MT-2026-000123"
    assert notice.owner_name == "Nguyễn Văn Hùng" and notice.plate == "63A-123.45"
    assert notice.crossed_at.strftime("%Y-%m-%d %H:%M:%S %z") == "2026-11-22 14:15:03 +0700"
    assert notice.red_since is not None and notice.red_since.strftime("%H:%M:%S") == "14:15:00"
    assert notice.issued_on == date(2026, 11, 24) and notice.deadline == date(2026, 12, 14)
    assert notice.deadline_days == 20
    assert (notice.lat, notice.lon) == (10.36, 106.356)
    assert notice.fine.min_vnd == 18_000_000 and notice.fine.max_vnd == 20_000_000
    assert set(notice.images) == {
        "frame_before", "frame_cross", "frame_after", "plate_crop", "signal_crop"
    }  # fmt: skip
    assert notice.boxes == offender_boxes(), "the manifest's frame_boxes were not read"
    assert not notice.plate_typed and not notice.red_since_lower_bound


def test_notice_html_shows_vietnamese_text_plate_number_amounts_and_deadline(
    notice: NoticeData,
) -> None:
    html = render_notice_html(notice)
    for text in (
        "THÔNG BÁO",
        "VI PHẠM HÀNH CHÍNH VỀ TRẬT TỰ, AN TOÀN GIAO THÔNG ĐƯỜNG BỘ",
        "CÔNG AN TỈNH TIỀN GIANG",
        "PHÒNG CẢNH SÁT GIAO THÔNG",
        "Số: MT-2026-000123",
        "Mỹ Tho, ngày 24 tháng 11 năm 2026",
        "Nguyễn Văn Hùng",
        "12 Ấp Bắc, Phường 5, TP Mỹ Tho, Tiền Giang",
        "63A-123.45",
        "Xe ô tô con",
        "14:15:03 ngày 22/11/2026 (giờ Việt Nam, UTC+7)",
        "Ấp Bắc – Nguyễn Trãi, hướng từ phía Tây",
        "Camera MT-07",
        "10,36000",
        "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông",
        "Đèn đỏ, đã chuyển đỏ 2,3 giây",
        "Điểm b khoản 9 Điều 6 Nghị định số 168/2024/NĐ-CP",
        "Từ 18.000.000 đồng đến 20.000.000 đồng",
        "19.000.000 đồng",
        "trước ngày 14/12/2026",
        "Trước vạch dừng",
        "Thời điểm vượt vạch dừng",
        "Sau vạch dừng",
    ):
        assert text in html, text
    assert "BẢN NHÁP" not in html


def test_notice_html_is_self_contained(notice: NoticeData) -> None:
    html = render_notice_html(notice)
    assert len(re.findall(r'src="data:image/jpeg;base64,', html)) == 5
    assert not re.search(r'(src|href)="(https?:|file:|/)', html)
    assert "<style>" in html and "<link" not in html


def test_notice_pdf_is_a4_one_or_two_pages_with_intact_vietnamese_text(
    notice: NoticeData, tmp_path: Path
) -> None:
    pdf = render_notice_pdf(notice)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: PDF text not checked")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    found = re.search(r"Pages:\s+(\d+)", info.stdout)
    assert found is not None, info.stdout
    pages = int(found.group(1))
    assert 1 <= pages <= 2
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info.stdout)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "MT-2026-000123",
        "63A-123.45",
        "Nguyễn Văn Hùng",
        "Không chấp hành hiệu lệnh",
    ):
        assert expected in text, expected
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    assert list(tmp_path.glob("page*.png"))


def test_confirmed_case_renders_as_unnumbered_draft(session: Session, tmp_path: Path) -> None:
    case = store_case(session, tmp_path, state=CONFIRMED)
    data = notice_data_for(session, case, tmp_path, 20, FINES, today=date(2026, 11, 23))
    assert data.notice_number is None and data.deadline == date(2026, 12, 13)
    html = render_notice_html(data)
    assert "BẢN NHÁP" in html and "Số: …" in html


def test_recorded_fine_replaces_the_proposed_amount(session: Session, tmp_path: Path) -> None:
    case = store_case(session, tmp_path, state=FINED)
    case.fine_vnd = 18_500_000
    html = render_notice_html(notice_data_for(session, case, tmp_path, 20, FINES))
    assert "Mức phạt đã quyết định" in html and "18.500.000 đồng" in html
    assert "Mức phạt dự kiến" not in html


def test_motorbike_notice_uses_motorbike_range(session: Session, tmp_path: Path) -> None:
    case = store_case(
        session,
        tmp_path,
        vehicle_class="motorcycle",
        registered_class="motorcycle",
        plate="63-B1 234.56",
        norm="63B123456",
    )
    html = render_notice_html(notice_data_for(session, case, tmp_path, 20, FINES))
    assert "63-B1 234.56" in html and "Xe mô tô, xe gắn máy" in html
    assert "Từ 4.000.000 đồng đến 6.000.000 đồng" in html and "5.000.000 đồng" in html
    assert "Điểm c khoản 7 Điều 7 Nghị định số 168/2024/NĐ-CP" in html


def test_altered_evidence_file_is_refused(session: Session, tmp_path: Path) -> None:
    case = store_case(session, tmp_path)
    cross = session.query(EvidenceFile).filter_by(role="frame_cross").one()
    (tmp_path / cross.path).write_bytes(b"\xff\xd8 not the original")
    with pytest.raises(
        NoticeError, match=r"frame_cross\.jpg \(frame_cross\) does not match its sha256"
    ):
        notice_data_for(session, case, tmp_path, 20, FINES)


def test_missing_evidence_file_is_refused(session: Session, tmp_path: Path) -> None:
    case = store_case(session, tmp_path)
    after = session.query(EvidenceFile).filter_by(role="frame_after").one()
    (tmp_path / after.path).unlink()
    with pytest.raises(NoticeError, match=re.escape("frame_after.jpg (frame_after) is missing")):
        notice_data_for(session, case, tmp_path, 20, FINES)


def test_rejected_case_gets_no_notice(session: Session, tmp_path: Path) -> None:
    case = store_case(session, tmp_path, state=REJECTED)
    with pytest.raises(NoticeError, match="is rejected: only a confirmed case"):
        notice_data_for(session, case, tmp_path, 20, FINES)


def test_plate_missing_from_registry_is_refused(session: Session, tmp_path: Path) -> None:
    case = store_case(session, tmp_path, state=CONFIRMED)
    session.delete(session.get(Owner, "63A12345"))
    session.flush()
    with pytest.raises(NoticeError, match=re.escape("63A-123.45 is not in the vehicle registry")):
        notice_data_for(session, case, tmp_path, 20, FINES)


def test_registry_class_contradicting_the_camera_is_refused(
    session: Session, tmp_path: Path
) -> None:
    case = store_case(session, tmp_path, vehicle_class="motorcycle", registered_class="car")
    with pytest.raises(
        NoticeError, match=re.escape("camera saw a motorcycle but 63A-123.45 is registered")
    ):
        notice_data_for(session, case, tmp_path, 20, FINES)


def test_registry_class_refines_the_camera_class_in_the_same_group(
    session: Session, tmp_path: Path
) -> None:
    case = store_case(session, tmp_path, vehicle_class="car", registered_class="truck")
    data = notice_data_for(session, case, tmp_path, 20, FINES)
    assert data.vehicle_class == "truck" and data.vehicle_label == "Xe ô tô tải"


def test_owner_text_is_escaped_in_html(notice: NoticeData) -> None:
    html = render_notice_html(replace(notice, owner_name="<script>x</script> Lê Thị B"))
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt; Lê Thị B" in html


def test_site_direction_is_said_in_vietnamese() -> None:
    assert site_vi("Hùng Vương – Nguyễn Trãi, approach from the north") == (
        "Hùng Vương – Nguyễn Trãi, hướng từ phía Bắc"
    )
    assert site_vi("Cầu Quay") == "Cầu Quay"
