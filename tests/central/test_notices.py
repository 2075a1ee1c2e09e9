"""The violation notice: gathered from a stored case, its signed bundle, the evidence files and
the registry; rendered as self-contained HTML and as an A4 PDF with intact Vietnamese text."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from central.db import (
    CONFIRMED,
    FINED,
    NOTICE_ISSUED,
    REJECTED,
    Base,
    Bundle,
    Case,
    EvidenceFile,
    Owner,
    create_engine_for,
)
from central.fines import load_fines
from central.notices import (
    NoticeData,
    NoticeError,
    notice_data_for,
    render_notice_html,
    render_notice_pdf,
    site_vi,
)
from common.bundle import BundleFile, build_bundle, manifest_sha256, uuid7
from common.manifest import dump_manifest
from common.signing import Ed25519PrivateKey
from tests.paths import MEDIA

VIDEO = MEDIA / "vn_a.mp4"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
CROSSED = datetime(2026, 11, 22, 7, 15, 3, 120_000, tzinfo=UTC)  # 14:15:03 in Mỹ Tho
ISSUED = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 on 24/11/2026 local
FINES = load_fines()


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=88)
    return out.getvalue()


def _video_frames() -> list[Image.Image] | None:
    """Three frames of the real Vietnamese intersection video, when it and OpenCV are here."""
    try:
        import cv2
    except ImportError:
        return None
    if not VIDEO.is_file():
        return None
    cap = cv2.VideoCapture(str(VIDEO))
    frames = []
    for index in (100, 110, 120):
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, bgr = cap.read()
        if not ok:
            return None
        frames.append(Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    cap.release()
    return frames


def _drawn_frames() -> list[Image.Image]:
    """Stand-ins when the video is absent: road, stop line, a car moving up past it, red lamp."""
    frames = [Image.new("RGB", (1620, 720), (96, 100, 104)) for _ in range(3)]
    for i, img in enumerate(frames):
        draw = ImageDraw.Draw(img)
        draw.line([(110, 395), (1290, 387)], fill=(240, 240, 240), width=8)
        draw.rectangle([600, 520 - 150 * i, 860, 700 - 150 * i], fill=(30, 60, 170))
        draw.ellipse([1547, 24, 1577, 54], fill=(230, 20, 20))
    return frames


@functools.cache
def evidence_images() -> dict[str, bytes]:
    """before / crossing / after frames, the plate crop and the signal crop, as JPEG bytes."""
    frames = _video_frames() or _drawn_frames()
    plate = Image.new("RGB", (260, 60), (235, 235, 235))
    draw = ImageDraw.Draw(plate)
    draw.rectangle([1, 1, 258, 58], outline=(20, 20, 20), width=3)
    draw.text((30, 18), "63A-123.45", fill=(10, 10, 10), font_size=26)
    signal = frames[1].crop((1545, 20, 1579, 106))  # the signal head's ROI in vn_a
    roles = ("frame_before", "frame_cross", "frame_after")
    return {**{r: _jpeg(f) for r, f in zip(roles, frames, strict=True)},
            "plate_crop": _jpeg(plate), "signal_crop": _jpeg(signal)}  # fmt: skip


def manifest_fields(vehicle_class: str, plate: str, norm: str) -> dict[str, Any]:
    site = {
        "name": "Ấp Bắc – Nguyễn Trãi, approach from the west",
        "location": {"lat": 10.36, "lon": 106.356},
    }
    return {
        "violation_id": uuid7(lambda: 1_795_000_000_000_000_000), "camera_id": "MT-07",
        "site": site, "sequence": 42, "prev_sha256": "ab" * 32,
        "crossed_at": "2026-11-22T07:15:03.120Z", "red_since": "2026-11-22T07:15:00.775Z",
        "seconds_into_red": 2.345,
        "signal": {"state": "red", "source": "vision", "debounce_frames": 3},
        "vehicle": {"class": vehicle_class, "track_id": 17}, "cross_frame": 110,
        "frame_boxes": [], "plate_reason": None,
        "plate": {"text": plate, "norm": norm, "confidence": 0.93, "lines": [plate]},
        "decision": {"rule": "crossed on red", "continued_frames": 6},
        "software": {"name": "dendo", "version": "0.1.0"}, "config_hash": "c" * 64,
        "model_hashes": {"yolov8n": "d" * 64}, "edge": {"box": "EB-02"},
        "created_at": "2026-11-22T07:15:04.002Z",
    }  # fmt: skip


def store_case(
    session: Session,
    root: Path,
    *,
    state: str = NOTICE_ISSUED,
    vehicle_class: str = "car",
    registered_class: str = "car",
    plate: str = "63A-123.45",
    norm: str = "63A12345",
) -> Case:
    """A case as the collector and the review leave it: bundle, evidence files, owner."""
    images = evidence_images()
    files = [BundleFile(f"{role}.jpg", role, data, "image/jpeg") for role, data in images.items()]
    zipped, manifest = build_bundle(manifest_fields(vehicle_class, plate, norm), files, KEY)
    vid = manifest.violation_id
    session.add(
        Bundle(
            violation_id=vid, camera_id="MT-07", box="EB-02", key_id=manifest.edge.key_id,
            sha256=hashlib.sha256(zipped).hexdigest(), sequence=42, size=len(zipped),
            manifest_sha256=manifest_sha256(dump_manifest(manifest)), crossed_at=CROSSED,
            path=f"bundles/{vid}.zip", manifest=manifest.model_dump(mode="json", by_alias=True),
        )
    )  # fmt: skip
    for f in files:
        sha = hashlib.sha256(f.data).hexdigest()
        rel = f"files/{sha[:2]}/{sha}"  # stored by content hash, relative to the store root
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(f.data)
        session.add(
            EvidenceFile(
                violation_id=vid, name=f.name, role=str(f.role), sha256=sha, size=len(f.data),
                path=rel,
            )
        )  # fmt: skip
    session.add(
        Owner(
            plate_norm=norm, plate_text=plate, name="Nguyễn Văn Hùng",
            address="12 Ấp Bắc, Phường 5, TP Mỹ Tho, Tiền Giang", id_number="082085001234",
            vehicle_class=registered_class,
        )
    )  # fmt: skip
    session.flush()  # no relationship orders these inserts before the case's foreign keys
    issued = state != CONFIRMED
    case = Case(
        violation_id=vid, camera_id="MT-07", crossed_at=CROSSED, vehicle_class=vehicle_class,
        seconds_into_red=2.345, signal_state="red", plate_text=plate, plate_norm=norm,
        state=state, owner_plate=norm if issued else None,
        notice_number="MT-2026-000123" if issued else None,
        notice_issued_at=ISSUED if issued else None,
        deadline_at=ISSUED + timedelta(days=20) if issued else None,
    )  # fmt: skip
    session.add(case)
    session.flush()
    return case


@pytest.fixture()
def session(tmp_path: Path):
    engine = create_engine_for("sqlite:///" + str(tmp_path / "c.db"))
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


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
