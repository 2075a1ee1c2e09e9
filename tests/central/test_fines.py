"""The fines table: the shipped file carries Decree 168/2024's red-light ranges, amounts outside
them are refused, and a broken file is refused with the field and line named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from central.fines import (
    DEFAULT_PATH,
    FineError,
    FinesConfigError,
    check_amount,
    fine_for,
    format_vnd,
    load_fines,
    main,
    parse_fines,
)

SHIPPED = load_fines(DEFAULT_PATH)
GOOD = """\
violation: "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông"
groups:
  - name: "Xe ô tô"
    vehicle_classes: {car: "Xe ô tô con"}
    min_vnd: 18000000
    max_vnd: 20000000
    default_vnd: 19000000
    legal_basis: "Điểm b khoản 9 Điều 6 Nghị định số 168/2024/NĐ-CP"
"""


def test_shipped_table_has_decree_168_red_light_ranges() -> None:
    for cls in ("car", "truck", "bus"):
        fine = SHIPPED.fine_for(cls)
        assert (fine.min_vnd, fine.max_vnd) == (18_000_000, 20_000_000), cls
        assert "168/2024/NĐ-CP" in fine.legal_basis and fine.group == "Xe ô tô"
    moto = SHIPPED.fine_for("motorcycle")
    assert (moto.min_vnd, moto.max_vnd) == (4_000_000, 6_000_000)
    assert moto.vehicle_label == "Xe mô tô, xe gắn máy" and "168/2024/NĐ-CP" in moto.legal_basis
    assert SHIPPED.violation == "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông"


def test_default_amount_is_the_middle_of_each_range() -> None:
    for cls in SHIPPED.vehicle_classes:
        fine = SHIPPED.fine_for(cls)
        assert fine.default_vnd == (fine.min_vnd + fine.max_vnd) // 2, cls


def test_module_functions_use_the_shipped_table() -> None:
    assert fine_for("car") == SHIPPED.fine_for("car")
    check_amount("motorcycle", 4_000_000)


@pytest.mark.parametrize("amount", [18_000_000, 19_000_000, 20_000_000])
def test_amounts_within_the_range_are_accepted(amount: int) -> None:
    SHIPPED.check_amount("car", amount)


@pytest.mark.parametrize(
    ("cls", "amount"),
    [("car", 17_999_999), ("car", 20_000_001), ("motorcycle", 19_000_000), ("bus", 5_000_000)],
)
def test_amounts_outside_the_range_are_refused_with_the_range(cls: str, amount: int) -> None:
    fine = SHIPPED.fine_for(cls)
    with pytest.raises(FineError) as exc:
        SHIPPED.check_amount(cls, amount)
    message = str(exc.value)
    assert f"{format_vnd(amount)} VND is outside the fine range for {cls}" in message
    assert f"{format_vnd(fine.min_vnd)}–{format_vnd(fine.max_vnd)} VND" in message
    assert fine.legal_basis in message


@pytest.mark.parametrize("amount", [18_500_000.0, "19000000", True, None])
def test_amount_must_be_a_whole_number_of_vnd(amount: object) -> None:
    with pytest.raises(FineError, match="whole number of VND"):
        SHIPPED.check_amount("car", amount)  # type: ignore[arg-type]  # not an int, on purpose


def test_unknown_vehicle_class_names_the_known_ones() -> None:
    with pytest.raises(FineError, match=r"'tractor' \(known: car, truck, bus, motorcycle"):
        SHIPPED.fine_for("tractor")


def test_fine_error_is_a_value_error_for_the_case_workflow() -> None:
    with pytest.raises(ValueError, match="outside the fine range"):
        check_amount("car", 1)


def test_vnd_is_grouped_with_dots() -> None:
    assert format_vnd(19_000_000) == "19.000.000" and format_vnd(150_000) == "150.000"


def test_unknown_key_is_named_with_its_line() -> None:
    text = GOOD.replace("    min_vnd:", "    minimum_vnd: 1\n    min_vnd:")
    with pytest.raises(FinesConfigError) as exc:
        parse_fines(text, "fines.yaml")
    assert "fines.yaml: groups.0 (Xe ô tô).minimum_vnd: unknown key 'minimum_vnd'" in str(exc.value)
    assert "(line 5)" in str(exc.value)


def test_default_outside_the_range_names_the_field() -> None:
    with pytest.raises(FinesConfigError, match=r"groups.0 \(Xe ô tô\): default_vnd 25.000.000 is"):
        parse_fines(GOOD.replace("default_vnd: 19000000", "default_vnd: 25000000"))


def test_min_above_max_is_refused() -> None:
    with pytest.raises(
        FinesConfigError, match=re.escape("min_vnd 21.000.000 is above max_vnd 20.000.000")
    ):
        parse_fines(GOOD.replace("min_vnd: 18000000", "min_vnd: 21000000"))


def test_missing_and_mistyped_fields_are_all_listed() -> None:
    text = GOOD.replace(
        '    legal_basis: "Điểm b khoản 9 Điều 6 Nghị định số 168/2024/NĐ-CP"\n', ""
    )
    text = text.replace("max_vnd: 20000000", 'max_vnd: "hai mươi triệu"')
    with pytest.raises(FinesConfigError) as exc:
        parse_fines(text)
    lines = str(exc.value).splitlines()
    assert any("groups.0 (Xe ô tô).max_vnd: Input should be a valid integer" in ln for ln in lines)
    assert any("groups.0 (Xe ô tô).legal_basis: is required but missing" in ln for ln in lines)


def test_negative_amount_is_refused() -> None:
    with pytest.raises(FinesConfigError, match="min_vnd: Input should be greater than 0"):
        parse_fines(GOOD.replace("min_vnd: 18000000", "min_vnd: -5"))


def test_a_vehicle_class_in_two_groups_is_refused() -> None:
    text = GOOD + GOOD.split("groups:\n")[1].replace('"Xe ô tô"', '"Xe ô tô (bản sao)"')
    with pytest.raises(FinesConfigError, match="vehicle class 'car' is in both 'Xe ô tô' and"):
        parse_fines(text)


def test_duplicate_yaml_key_is_refused() -> None:
    with pytest.raises(FinesConfigError, match="duplicate key 'min_vnd'"):
        parse_fines(GOOD.replace("    max_vnd:", "    min_vnd: 1\n    max_vnd:"))


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(FinesConfigError, match="expected a mapping"):
        parse_fines("- car\n- 18000000\n")


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(FinesConfigError, match="cannot read the fines table"):
        load_fines(tmp_path / "missing.yaml")


def test_check_command_prints_the_table_or_the_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(DEFAULT_PATH)]) == 0
    assert "18.000.000 –   20.000.000 VND" in capsys.readouterr().out
    bad = tmp_path / "fines.yaml"
    bad.write_text(GOOD.replace("default_vnd: 19000000", "default_vnd: 1"), encoding="utf-8")
    assert main([str(bad)]) == 1
    assert "default_vnd 1 is outside" in capsys.readouterr().err
