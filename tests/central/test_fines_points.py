"""Licence points in the fines table: Decree 168/2024 deducts them in a clause of its own
(khoản 16 Điều 6 for cars, khoản 13 Điều 7 for motorbikes), so the table cites that clause and
refuses a deduction filed as an additional penalty ("hình thức xử phạt bổ sung")."""

from __future__ import annotations

import pytest

from central.fines import DEFAULT_PATH, FinesConfigError, load_fines, parse_fines

SHIPPED = load_fines(DEFAULT_PATH)
GROUP = """\
violation: "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông"
groups:
  - name: "Xe ô tô"
    vehicle_classes: {{car: "Xe ô tô con"}}
    min_vnd: 18000000
    max_vnd: 20000000
    default_vnd: 19000000
    legal_basis: "Điểm b khoản 9 Điều 6 Nghị định số 168/2024/NĐ-CP"
{extra}
"""


@pytest.mark.parametrize(
    ("vehicle_class", "basis", "points"),
    [
        ("car", "Điểm b khoản 9 Điều 6", "04 điểm (điểm b khoản 16 Điều 6 Nghị định số 168/2024"),
        ("truck", "Điểm b khoản 9 Điều 6", "04 điểm (điểm b khoản 16 Điều 6 Nghị định số 168/2024"),
        ("bus", "Điểm b khoản 9 Điều 6", "04 điểm (điểm b khoản 16 Điều 6 Nghị định số 168/2024"),
        ("motorcycle", "Điểm c khoản 7 Điều 7", "04 điểm (điểm b khoản 13 Điều 7 Nghị định số 168"),
    ],
)
def test_shipped_table_cites_the_fine_and_the_points_from_their_own_clauses(
    vehicle_class: str, basis: str, points: str
) -> None:
    fine = SHIPPED.fine_for(vehicle_class)
    assert fine.legal_basis.startswith(basis), f"{vehicle_class}: fine cited as {fine.legal_basis}"
    assert fine.licence_points.startswith(points), (
        f"{vehicle_class}: points cited as {fine.licence_points!r}, expected {points!r}..."
    )
    assert fine.additional == "", (
        f"{vehicle_class}: no additional penalty applies to running a red light, got "
        f"{fine.additional!r}"
    )


def test_bicycles_have_no_licence_points() -> None:
    assert SHIPPED.fine_for("bicycle").licence_points == ""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '    additional: "Trừ 04 điểm giấy phép lái xe"',
            "not a hình thức xử phạt bổ sung",
        ),
        ('    licence_points: "04 điểm"', "must cite the clause that deducts them"),
        ('    licence_pionts: "04 điểm (khoản 16 Điều 6)"', "unknown key 'licence_pionts'"),
    ],
    ids=["points-as-additional", "points-without-clause", "misspelt-key"],
)
def test_points_written_wrong_are_refused_with_the_reason(extra: str, expected: str) -> None:
    with pytest.raises(FinesConfigError) as caught:
        parse_fines(GROUP.format(extra=extra), "fines.yaml")
    assert expected in str(caught.value), f"expected {expected!r} in: {caught.value}"
    assert "groups.0 (Xe ô tô)" in str(caught.value), f"the group is not named: {caught.value}"


def test_points_with_their_clause_are_accepted() -> None:
    points = "04 điểm (điểm b khoản 16 Điều 6 Nghị định số 168/2024/NĐ-CP)"
    table = parse_fines(GROUP.format(extra=f'    licence_points: "{points}"'))
    assert table.fine_for("car").licence_points == points
