"""Vehicle registry import into a real SQLite file: valid rows upserted by normalised plate,
bad rows reported by line number and left out, the file refused only when it is unusable."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.db import Base, Owner, create_engine_for
from central.registry import ImportResult, RegistryError, import_registry, owner_for
from tests.paths import REPO

EXAMPLE = REPO / "configs" / "registry.example.csv"
HEADER = "plate,owner_name,address,id_number,vehicle_class\n"
DEMO_PLATES = (
    "63A-123.45",
    "51K-678.90",
    "30H-246.81",
    "63C-579.13",
    "65A-246.80",
    "59-D2 064.28",
    "63-B1 234.56",
    "64-E1 357.91",
    "71-C3 802.46",
)  # fmt: skip  (the plates planted in scripts/make_demo_video.py)


@pytest.fixture()
def session(tmp_path: Path):
    engine = create_engine_for("sqlite:///" + str(tmp_path / "c.db"))
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def write(tmp_path: Path, body: str, name: str = "reg.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding=encoding)
    return path


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Owner)) or 0


def stored(session: Session, norm: str) -> Owner:
    """The registry row of `norm`; the test fails when there is none."""
    owner = session.get(Owner, norm)
    assert owner is not None, norm
    return owner


def found(session: Session, plate: str) -> Owner:
    """owner_for's answer for `plate`; the test fails when it is None."""
    owner = owner_for(session, plate)
    assert owner is not None, plate
    return owner


def test_example_file_imports_every_row_including_the_demo_plates(session: Session) -> None:
    result = import_registry(session, EXAMPLE)
    session.commit()
    rows = list(csv.DictReader(EXAMPLE.open(encoding="utf-8")))
    assert (result.imported, result.updated, result.rejected) == (len(rows), 0, [])
    for plate in DEMO_PLATES:
        owner = owner_for(session, plate)
        assert owner is not None and owner.plate_text == plate, plate
    truck = owner_for(session, "63C57913")
    assert truck is not None and truck.vehicle_class == "truck"
    assert truck.name.startswith("Công ty TNHH")


def test_plates_are_normalised_and_shown_canonically(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "63a 123.45,Nguyễn Văn An,1 Ấp Bắc,082085000001,car\n"
        "63-b1-23456,Trần Thị Bé,2 Ấp Bắc,082085000002,motorcycle\n"
        "63-MĐ1 234.56,Lê Văn Cường,3 Ấp Bắc,082085000003,xe máy\n",
    )
    result = import_registry(session, path)
    assert result.imported == 3 and not result.rejected
    assert stored(session, "63A12345").plate_text == "63A-123.45"
    assert stored(session, "63B123456").plate_text == "63-B1 234.56"
    electric = stored(session, "63MD123456")
    assert electric.plate_text == "63-MĐ1 234.56" and electric.vehicle_class == "motorcycle"


def test_bad_rows_are_reported_by_line_and_not_imported(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "63A-123.45,Nguyễn Văn An,1 Ấp Bắc,082085000001,car\n"  # line 2: good
        "63I-123.45,Trần Văn Bình,2 Ấp Bắc,082085000002,car\n"  # 3: letter I never issued
        "63A-555.55,,3 Ấp Bắc,082085000003,car\n"  # 4: no name
        "\n"  # 5: blank, skipped
        '63A-666.66,Lê Thị Cúc,"4 Ấp Bắc,\nPhường 5",,car\n'  # 6-7: no id number
        "63A-777.77,Phạm Văn Dũng,5 Ấp Bắc,082085000005,tractor\n"  # 8: unknown class
        "63-B1 234.56,Võ Văn Em,6 Ấp Bắc,082085000006,car\n"  # 9: a motorbike plate
        "63A 12345,Ngô Văn Phúc,7 Ấp Bắc,082085000007,car\n"  # 10: same plate as line 2
        "63A-888.88,Đỗ Văn Giàu,8 Ấp Bắc,082085000008,car,extra\n"  # 11: too many fields
        "63A-999.99,Huỳnh Thị Hoa,9 Ấp Bắc,082085000009,car\n",  # 12: good
    )
    result = import_registry(session, path)
    assert (result.imported, result.updated) == (2, 0)
    assert [(r.line, r.plate) for r in result.rejected] == [
        (3, "63I-123.45"),
        (4, "63A-555.55"),
        (6, "63A-666.66"),
        (8, "63A-777.77"),
        (9, "63-B1 234.56"),
        (10, "63A-123.45"),
        (11, "63A-888.88"),
    ]
    reasons = [r.reason for r in result.rejected]
    assert reasons[0] == "invalid plate: series letter I is never used"
    assert reasons[1] == "missing owner_name" and reasons[2] == "missing id_number"
    assert reasons[3].startswith("unknown vehicle_class 'tractor'")
    assert reasons[4].startswith("invalid plate: not a car plate: reads as motorbike")
    assert reasons[5] == "plate already given on line 2"
    assert reasons[6] == "more fields than the header"
    assert count(session) == 2 and owner_for(session, "63A99999") is not None
    assert "2 imported, 0 updated, 0 unchanged, 7 rejected" in result.summary()
    assert "line 3: 63I-123.45: invalid plate" in result.summary()


def test_reimport_updates_changed_owners_and_counts_unchanged(
    session: Session, tmp_path: Path
) -> None:
    first = write(
        tmp_path,
        "63A-123.45,Nguyễn Văn An,1 Ấp Bắc,082085000001,car\n"
        "63A-999.99,Huỳnh Thị Hoa,9 Ấp Bắc,082085000009,car\n",
        "a.csv",
    )
    import_registry(session, first)
    session.commit()
    second = write(
        tmp_path,
        "63A-123.45,Nguyễn Văn An,12 Hùng Vương (chuyển nhà),082085000001,car\n"
        "63A-999.99,Huỳnh Thị Hoa,9 Ấp Bắc,082085000009,car\n"
        "63A-246.80,Bùi Văn Khoa,3 Trưng Trắc,082085000010,car\n",
        "b.csv",
    )
    result = import_registry(session, second)
    session.commit()
    assert (result.imported, result.updated, result.unchanged) == (1, 1, 1)
    assert found(session, "63A12345").address == "12 Hùng Vương (chuyển nhà)"
    assert count(session) == 3


def test_bom_windows_line_ends_and_decomposed_diacritics_are_accepted(
    session: Session, tmp_path: Path
) -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Thị   Ánh")
    path = tmp_path / "excel.csv"
    text = HEADER + f"63A-123.45,{decomposed},1 Ấp Bắc,082085000001,Car\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = import_registry(session, path)
    assert result.imported == 1
    owner = found(session, "63A12345")
    assert owner.name == "Nguyễn Thị Ánh" and owner.vehicle_class == "car"


def test_header_columns_may_come_in_any_order(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "reordered.csv"
    path.write_text(
        "vehicle_class,id_number,Plate,address,owner_name\n"
        "motorcycle,082085000001,59-D2 064.28,1 Lê Văn Sỹ,Võ Thị Thu Hà\n",
        encoding="utf-8",
    )
    assert import_registry(session, path).imported == 1
    assert found(session, "59D206428").name == "Võ Thị Thu Hà"


@pytest.mark.parametrize(
    "header",
    [
        "Biển số,Họ tên chủ xe,Địa chỉ,Số căn cước,Loại xe",
        "BIỂN SỐ, Chủ xe ,địa chỉ,Số CCCD,Loại phương tiện",
        "Biển kiểm soát,owner_name,Địa chỉ,Số định danh,vehicle_class",
    ],
)
def test_the_header_may_name_the_columns_in_vietnamese(
    session: Session, tmp_path: Path, header: str
) -> None:
    path = tmp_path / "vi.csv"
    path.write_text(f"{header}\n59-D2 064.28,Võ Thị Thu Hà,1 Lê Văn Sỹ,082085000001,xe máy\n")
    assert import_registry(session, path).imported == 1, f"{header!r} was not understood"
    owner = found(session, "59D206428")
    assert (owner.name, owner.id_number, owner.vehicle_class) == (
        "Võ Thị Thu Hà",
        "082085000001",
        "motorcycle",
    )


def test_missing_column_refuses_the_file(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("plate,owner_name,address\n63A-123.45,An,1 Ấp Bắc\n", encoding="utf-8")
    with pytest.raises(
        RegistryError, match=re.escape("missing column(s) id_number, vehicle_class")
    ):
        import_registry(session, path)
    assert count(session) == 0


def test_file_not_in_utf8_is_refused(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "63A-123.45,Nguyễn Văn An,1 Ấp Bắc,1,car\n", encoding="utf-16")
    with pytest.raises(RegistryError, match="not UTF-8"):
        import_registry(session, path)


def test_missing_file_is_a_registry_error(session: Session, tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read the registry file"):
        import_registry(session, tmp_path / "nope.csv")


def test_owner_for_accepts_any_spelling_and_returns_none_when_unknown(
    session: Session, tmp_path: Path
) -> None:
    import_registry(session, write(tmp_path, "63A-123.45,An,1 Ấp Bắc,1,car\n"))
    assert found(session, "63A12345").name == "An"
    assert found(session, "63a-123.45").name == "An"
    assert owner_for(session, "63A-000.01") is None
    assert owner_for(session, "") is None


def test_import_result_summary_for_a_clean_import() -> None:
    assert ImportResult(imported=3).summary() == "3 imported, 0 updated, 0 unchanged, 0 rejected"
