"""The issuing unit from `configs/central.yaml` on the notice (HTML and PDF), and the notice's
wording against Decree 168/2024/NĐ-CP: the licence points cited from their own clause, "căn
cước" for the identity number, nothing that presumes or threatens a decision not yet made."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from central.config import CentralConfig, ConfigError, load_central_config
from central.db import CONFIRMED, FINED, NOTICE_ISSUED
from central.fines import load_fines
from central.notices import (
    IssuingUnit,
    id_label,
    issuing_unit,
    notice_data_for,
    render_notice_html,
    render_notice_pdf,
)
from tests.central.notice_fixtures import manifest_fields, notice_session, store_case
from tests.paths import REPO

FINES = load_fines()
UNIT_YAML = """\
database_url: sqlite:///central.db
issuing_unit:
  authority: CÔNG AN TỈNH ĐỒNG THÁP
  name: PHÒNG CẢNH SÁT GIAO THÔNG
  full_name: Phòng Cảnh sát giao thông Công an tỉnh Đồng Tháp
  address: "Số 7 đường Lê Lợi, phường Mỹ Tho, tỉnh Đồng Tháp"
  phone: "0273 3 999 111"
  hours: "Thứ Hai đến thứ Sáu, 7 giờ 30 – 16 giờ 30"
"""
# Words a notice sent before any fine decision must not carry.
FORBIDDEN = {
    "CCCD": "the identity document is the căn cước (Law on Identification 2023)",
    "Số định danh /": "the old 'Số định danh / CCCD' label",
    "cưỡng chế": "no enforcement is threatened before a decision exists",
    "hình thức bổ sung": "licence points are not an additional penalty under Decree 168",
    "hình thức xử phạt bổ sung": "no additional penalty applies to a red light without accident",
    "mà không đến giải quyết": "no consequence presumed for not coming",
    "chuyển xử lý": "no consequence presumed for not coming",
}


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    yield from notice_session(tmp_path)


def _flat(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces (PDF text wraps)."""
    return " ".join(text.split())


def _html_text(html: str) -> str:
    """The words a reader sees on the HTML notice: tags, the style sheet and images left out."""
    body = html.split("<body>", 1)[1]
    return _flat(re.sub(r"<[^>]+>", " ", body).replace("&amp;", "&"))


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: PDF text not checked")
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return _flat(out.stdout)


def test_default_unit_is_the_issuing_unit_defaults() -> None:
    assert issuing_unit(CentralConfig()) == IssuingUnit(), (
        "CentralConfig's issuing_unit defaults drifted from central.notices.IssuingUnit"
    )


def test_shipped_config_names_the_unit_with_an_address_and_a_phone() -> None:
    unit = issuing_unit(load_central_config(REPO / "configs" / "central.yaml"))
    assert unit.phone, "configs/central.yaml gives the unit no phone"
    assert unit.address != IssuingUnit().address, "configs/central.yaml keeps the default address"
    assert "Mỹ Tho" in unit.address and unit.place == "Mỹ Tho"


def test_unit_from_the_config_file_is_on_the_notice_html_and_pdf(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "central.yaml"
    path.write_text(UNIT_YAML, encoding="utf-8")
    unit = issuing_unit(load_central_config(path))
    case = store_case(session, tmp_path / "evidence")
    data = notice_data_for(session, case, tmp_path / "evidence", 20, FINES, unit=unit)
    html = _html_text(render_notice_html(data))
    pdf = _pdf_text(render_notice_pdf(data), tmp_path)
    for where, text in (("HTML", html), ("PDF", pdf)):
        for expected in (
            "CÔNG AN TỈNH ĐỒNG THÁP",
            "Phòng Cảnh sát giao thông Công an tỉnh Đồng Tháp",
            "Số 7 đường Lê Lợi, phường Mỹ Tho, tỉnh Đồng Tháp",
            "điện thoại 0273 3 999 111",
            "Thứ Hai đến thứ Sáu, 7 giờ 30 – 16 giờ 30",
            "Mỹ Tho, ngày 24 tháng 11 năm 2026",  # place: the default, not given in the file
        ):
            assert expected in text, f"{where}: {expected!r} is not on the notice"
        assert "Tiền Giang, TP Mỹ Tho" not in text, f"{where}: the default address is still on it"


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("  adress: Số 7 Lê Lợi\n", r"issuing_unit\.adress: .*(line 3)"),
        ('  name: "   "\n', r"issuing_unit\.name: "),
        ("  phone: 0273-CALL-NOW\n", r"issuing_unit\.phone: "),
        ("  signer_title: ''\n", r"issuing_unit\.signer_title: "),
    ],
    ids=["unknown-key", "blank-name", "letters-in-phone", "empty-signer"],
)
def test_a_bad_issuing_unit_is_refused_with_the_field_named(
    tmp_path: Path, section: str, expected: str
) -> None:
    path = tmp_path / "central.yaml"
    path.write_text("database_url: sqlite:///c.db\nissuing_unit:\n" + section, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_central_config(path)
    assert re.search(expected, str(caught.value)), f"expected {expected!r} in: {caught.value}"


@pytest.mark.parametrize(
    ("vehicle_class", "plate", "norm", "fine_clause", "points_clause"),
    [
        ("car", "63A-123.45", "63A12345", "Điểm b khoản 9 Điều 6", "điểm b khoản 16 Điều 6"),
        (
            "motorcycle",
            "63-B1 234.56",
            "63B123456",
            "Điểm c khoản 7 Điều 7",
            "điểm b khoản 13 Điều 7",
        ),
    ],
    ids=["car", "motorbike"],
)
def test_wording_follows_decree_168(
    session: Session,
    tmp_path: Path,
    vehicle_class: str,
    plate: str,
    norm: str,
    fine_clause: str,
    points_clause: str,
) -> None:
    case = store_case(
        session, tmp_path, vehicle_class=vehicle_class, registered_class=vehicle_class,
        plate=plate, norm=norm,
    )  # fmt: skip
    data = notice_data_for(session, case, tmp_path, 20, FINES)
    html = _html_text(render_notice_html(data))
    pdf = _pdf_text(render_notice_pdf(data), tmp_path)
    for where, text in (("HTML", html), ("PDF", pdf)):
        for word, why in FORBIDDEN.items():
            assert word.lower() not in text.lower(), f"{where}: {word!r} on the notice: {why}"
        assert f"{fine_clause} Nghị định số 168/2024/NĐ-CP" in text, f"{where}: fine clause"
        assert (
            f"Trừ điểm giấy phép lái xe 04 điểm ({points_clause} Nghị định số 168/2024/NĐ-CP)"
            in text
        ), f"{where}: the points are not cited from {points_clause}"
        assert "Số căn cước: 082085001234" in text, f"{where}: the id number is not the căn cước"
        assert "Mức phạt dự kiến" in text and "Mức phạt đã quyết định" not in text, where


@pytest.mark.parametrize(
    ("state", "fine_vnd", "shown", "absent"),
    [
        (CONFIRMED, None, "Mức phạt dự kiến", "Mức phạt đã quyết định"),
        (NOTICE_ISSUED, None, "Mức phạt dự kiến", "Mức phạt đã quyết định"),
        (FINED, 18_500_000, "Mức phạt đã quyết định", "Mức phạt dự kiến"),
    ],
)
def test_the_fine_is_expected_until_one_is_decided(
    session: Session, tmp_path: Path, state: str, fine_vnd: int | None, shown: str, absent: str
) -> None:
    case = store_case(session, tmp_path, state=state)
    case.fine_vnd = fine_vnd
    html = render_notice_html(notice_data_for(session, case, tmp_path, 20, FINES))
    assert shown in html and absent not in html, f"{state}: expected {shown!r}, not {absent!r}"
    if fine_vnd is None:
        assert "mức cụ thể do người có thẩm quyền quyết định khi xử phạt" in html, state


@pytest.mark.parametrize(
    ("number", "label"),
    [
        ("082085001234", "Số căn cước"),  # a person's 12-digit personal identification number
        ("1201234567", "Mã số thuế"),  # a company's tax code
        ("1201234567-001", "Mã số thuế"),  # a branch's
        ("B1234567", "Số căn cước / mã số thuế"),  # anything else: both named, no "CCCD"
    ],
)
def test_the_owner_number_is_named_by_its_kind(
    session: Session, tmp_path: Path, number: str, label: str
) -> None:
    assert id_label(number) == label
    case = store_case(session, tmp_path, id_number=number)
    html = render_notice_html(notice_data_for(session, case, tmp_path, 20, FINES))
    assert f"{label}: {number}" in html, f"{number} is not shown as {label}"


def test_time_into_red_is_a_lower_bound_when_red_was_on_as_recording_began(
    session: Session, tmp_path: Path
) -> None:
    decision = manifest_fields("car", "63A-123.45", "63A12345")["decision"]
    decision = decision | {"signal_at_cross": {"began_before_stream": True}}
    case = store_case(session, tmp_path, decision=decision)
    data = notice_data_for(session, case, tmp_path, 20, FINES)
    assert data.red_since_lower_bound
    html = render_notice_html(data)
    assert "đã đỏ ít nhất 2,3 giây" in html and "khi camera bắt đầu ghi hình" in html
    assert "đèn đỏ từ" not in html and "đã chuyển đỏ 2,3 giây" not in html, (
        "the start of red is unknown: the notice must not state it"
    )
