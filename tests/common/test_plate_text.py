"""Plate-text rules: strict parse, confusable repair, and the real checked plate texts."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.plate_text import (
    BORDER_GLYPHS,
    CAR_SPECIAL_SERIES,
    ELECTRIC,
    MAX_CHANGES,
    NEVER_LETTERS,
    PROVINCES,
    SERIES_FORMS,
    TO_DIGIT,
    TO_LETTER,
    Plate,
    PlateError,
    Repair,
    _fit,
    confidence_penalty,
    normalize,
    parse,
    repair,
)
from tests.paths import PLATES_CSV


def _csv_rows() -> list:
    if not PLATES_CSV.is_file():
        reason = f"real plate texts not found at {PLATES_CSV} (../shared is absent)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason))]
    with PLATES_CSV.open(encoding="utf-8", newline="") as f:
        return [pytest.param(row, id=row["file"]) for row in csv.DictReader(f)]


# --- province table -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("29", "Hà Nội"), ("33", "Hà Nội"), ("40", "Hà Nội"), ("41", "TP Hồ Chí Minh"),
        ("50", "TP Hồ Chí Minh"), ("59", "TP Hồ Chí Minh"), ("63", "Tiền Giang"),
        ("60", "Đồng Nai"), ("39", "Đồng Nai"), ("15", "Hải Phòng"), ("16", "Hải Phòng"),
        ("43", "Đà Nẵng"), ("65", "Cần Thơ"), ("11", "Cao Bằng"), ("99", "Bắc Ninh"),
    ],
)  # fmt: skip
def test_province_names(code: str, name: str) -> None:
    assert PROVINCES[code] == name


@pytest.mark.parametrize("code", ["00", "10", "13", "42", "44", "45", "46", "87", "91", "96"])
def test_province_gaps(code: str) -> None:
    assert code not in PROVINCES


def test_province_codes_are_two_digits() -> None:
    assert all(len(c) == 2 and c.isdigit() and 11 <= int(c) <= 99 for c in PROVINCES)


# --- normalize --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("63A-123.45", "63A12345"),
        ("59-D2 064.28", "59D206428"),
        ("29-MĐ1 013.53", "29MD101353"),
        ("29-mđ1 013.53", "29MD101353"),
        ("  51g-123.45 ", "51G12345"),
        ("|60M\n8965:", "60M8965"),
        ("", ""),
    ],
)
def test_normalize(text: str, norm: str) -> None:
    assert normalize(text) == norm


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert set(once) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


# --- strict parse: valid forms -------------------------------------------------------------

VALID = [
    # text, kind, display, norm, series, number, province
    ("63A-123.45", "car", "63A-123.45", "63A12345", "A", "12345", "Tiền Giang"),
    ("51G-1234", "car", "51G-1234", "51G1234", "G", "1234", "TP Hồ Chí Minh"),
    ("30LD-012.34", "car", "30LD-012.34", "30LD01234", "LD", "01234", "Hà Nội"),
    ("60LD-4379", "car", "60LD-4379", "60LD4379", "LD", "4379", "Đồng Nai"),
    ("80NG-123.45", "car", "80NG-123.45", "80NG12345", "NG", "12345", PROVINCES["80"]),
    ("29QT-001.23", "car", "29QT-001.23", "29QT00123", "QT", "00123", "Hà Nội"),
    ("60M\n8965", "car", "60M-8965", "60M8965", "M", "8965", "Đồng Nai"),
    ("30E\n270.10", "car", "30E-270.10", "30E27010", "E", "27010", "Hà Nội"),
    ("59-D2 064.28", "motorbike", "59-D2 064.28", "59D206428", "D2", "06428", "TP Hồ Chí Minh"),
    ("54-T1 5417", "motorbike", "54-T1 5417", "54T15417", "T1", "5417", "TP Hồ Chí Minh"),
    ("50-HB 2282", "motorbike", "50-HB 2282", "50HB2282", "HB", "2282", "TP Hồ Chí Minh"),
    ("29-AA 123.45", "motorbike", "29-AA 123.45", "29AA12345", "AA", "12345", "Hà Nội"),
    ("29-MĐ1 013.53", "motorbike", "29-MĐ1 013.53", "29MD101353", "MĐ1", "01353", "Hà Nội"),
    ("29-MD1 013.53", "motorbike", "29-MĐ1 013.53", "29MD101353", "MĐ1", "01353", "Hà Nội"),
    ("43-c1 999.99", "motorbike", "43-C1 999.99", "43C199999", "C1", "99999", "Đà Nẵng"),
]


@pytest.mark.parametrize(("text", "kind", "display", "norm", "series", "number", "prov"), VALID)
def test_parse_valid(
    text: str, kind: str, display: str, norm: str, series: str, number: str, prov: str
) -> None:
    for given_kind in (None, kind):
        plate = parse(text, given_kind)
        assert (plate.display, plate.norm, plate.kind) == (display, norm, kind)
        assert (plate.series, plate.number, plate.province) == (series, number, prov)
        assert plate.province_code == norm[:2]
        assert parse(plate.display) == plate
        assert parse(plate.norm, kind) == plate


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("59-D2 064.28", ("59-D2", "064.28")),
        ("29-MĐ1 013.53", ("29-MĐ1", "013.53")),
        ("63A-123.45", ("63A-123.45",)),
        ("60M\n8965", ("60M", "8965")),
        ("30E\n270.10", ("30E", "270.10")),
    ],
)
def test_lines(text: str, lines: tuple[str, ...]) -> None:
    assert parse(text).lines() == lines


def test_square_is_layout_not_identity() -> None:
    assert parse("60M\n8965") == parse("60M-8965")
    assert parse("60M\n8965").square and not parse("60M-8965").square


@pytest.mark.parametrize(
    ("text", "kind", "display"),
    [
        ("63A12345", "car", "63A-123.45"),
        ("63A12345", "motorbike", "63-A1 2345"),
        ("63A 12345", None, "63A-123.45"),
        ("63A1 2345", None, "63-A1 2345"),
        ("54T-154.17", None, "54T-154.17"),
        ("30LD 012.34", "motorbike", "30-LD 012.34"),
        ("30-LD 012.34", None, "30-LD 012.34"),
    ],
)
def test_parse_layout_decides_kind(text: str, kind: str | None, display: str) -> None:
    assert parse(text, kind).display == display


@pytest.mark.parametrize("text", ["63A12345", "54T15417", "30LD01234"])
def test_parse_ambiguous_without_kind(text: str) -> None:
    with pytest.raises(PlateError, match="ambiguous"):
        parse(text)


# --- strict parse: rejections -------------------------------------------------------------

INVALID = [
    # text, kind, fragment of the reason
    ("13A-123.45", None, "unknown province code 13"),
    ("42-D1 123.45", None, "unknown province code 42"),
    ("10A-123.45", None, "unknown province code 10"),
    ("96-B1 1234", "motorbike", "unknown province code 96"),
    ("59-D0 064.28", None, "series digit must be 1-9, got 0"),
    ("59-D0 064.28", "motorbike", "series digit must be 1-9, got 0"),
    ("63A-123", None, "number must have 4 or 5 digits"),
    ("63A-123.4567", "car", "number must have 4 or 5 digits"),
    ("63A-123.456", "car", "not a car plate: reads as motorbike 63-A1 234.56"),
    ("51AB-123.45", "car", "AB is not a two-letter car series"),
    ("29-MĐ1 0135", None, "electric series"),
    ("29-MĐ 123.45", None, "electric series"),
    ("59-D2 064.28", "car", "not a car plate: reads as motorbike 59-D2 064.28"),
    ("63ABC-123.45", None, "too many letters"),
    ("5A-123.45", None, "2-digit province code"),
    ("63-123.45", None, "missing series letter"),
    ("63A-12B.45", None, "unexpected letter B"),
    ("", None, "empty"),
    ("--", None, "empty"),
]


@pytest.mark.parametrize(("text", "kind", "fragment"), INVALID)
def test_parse_invalid(text: str, kind: str | None, fragment: str) -> None:
    with pytest.raises(PlateError) as info:
        parse(text, kind)
    assert fragment in info.value.reason
    assert str(info.value) == info.value.reason


@pytest.mark.parametrize("letter", sorted(NEVER_LETTERS))
@pytest.mark.parametrize("template", ["51{}-123.45", "59-{}2 064.28", "50-H{} 2282"])
def test_never_used_series_letters(letter: str, template: str) -> None:
    with pytest.raises(PlateError, match=f"series letter {letter} is never used"):
        parse(template.format(letter))


def test_bad_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        parse("63A-123.45", "truck")


# --- repair ----------------------------------------------------------------------------

REPAIRED = [
    # lines, kind, display, changes
    # exact reads, one and two lines
    (["63A-123.45"], None, "63A-123.45", 0),
    (["51G-1234"], None, "51G-1234", 0),
    (["30LD-012.34"], None, "30LD-012.34", 0),
    (["60M", "8965"], None, "60M-8965", 0),
    (["30E", "270.10"], None, "30E-270.10", 0),
    (["59-D2", "064.28"], None, "59-D2 064.28", 0),
    (["54-T1", "5417"], None, "54-T1 5417", 0),
    (["50-HB", "2282"], None, "50-HB 2282", 0),
    (["29-MĐ1", "013.53"], None, "29-MĐ1 013.53", 0),
    (["29md1", "01353"], None, "29-MĐ1 013.53", 0),
    (["59d2", "06428"], None, "59-D2 064.28", 0),
    # O/0: O in a digit place is 0; 0 (or O, never issued) in a letter place is D
    (["51G-123.O5"], None, "51G-123.05", 1),
    (["510-123.45"], None, "51D-123.45", 1),
    (["51O-123.45"], None, "51D-123.45", 1),
    # I/1: I in a digit place is 1; 1 in a letter place is T (I is never issued)
    (["51G-I23.45"], None, "51G-123.45", 1),
    (["54TI", "5417"], None, "54-T1 5417", 1),
    (["5411", "5417"], None, "54-T1 5417", 1),
    (["541", "5417"], None, "54T-5417", 1),
    # B/8
    (["51G-123.4B"], None, "51G-123.48", 1),
    (["518-123.45"], None, "51B-123.45", 1),
    # D/0
    (["59-D2", "D64.28"], None, "59-D2 064.28", 1),
    (["59-02", "064.28"], None, "59-D2 064.28", 1),
    (["30L0-012.34"], None, "30LD-012.34", 1),
    (["29M01", "01353"], None, "29-MĐ1 013.53", 1),
    # S/5
    (["S9-D2", "064.28"], None, "59-D2 064.28", 1),
    (["59-52", "064.28"], None, "59-S2 064.28", 1),
    # Z/2
    (["59-D2", "064.Z8"], None, "59-D2 064.28", 1),
    (["502-1630"], None, "50Z-1630", 1),
    # G/6
    (["51G-123.4G"], None, "51G-123.46", 1),
    (["516-123.45"], None, "51G-123.45", 1),
    # A/4
    (["63A-1A3.45"], None, "63A-143.45", 1),
    (["634-123.45"], None, "63A-123.45", 1),
    # junk: separators and stray marks are free; a border glyph at an end is one change
    (["|51G-123.45:"], None, "51G-123.45", 0),
    ([" 63a - 123 . 45 "], None, "63A-123.45", 0),
    (["59-D2|", ":064.28."], None, "59-D2 064.28", 0),
    (["151G-123.45"], None, "51G-123.45", 1),
    (["51G-123.451"], None, "51G-123.45", 1),
    (["I59-D2", "064.28l"], None, "59-D2 064.28", 2),
    (["51G-123.45", ""], None, "51G-123.45", 0),
    (["", "60M", "8965", "  "], None, "60M-8965", 0),
    # one line: car unless told, or a hyphen follows the province code
    (["54T15417"], None, "54T-154.17", 0),
    (["54T15417"], "motorbike", "54-T1 5417", 0),
    (["59-D2 064.28"], None, "59-D2 064.28", 0),
    (["54-T1 5417"], None, "54-T1 5417", 0),
    (["29MD101353"], None, "29-MĐ1 013.53", 0),
    # two lines: motorbike unless told; a substitution beats dropping a character
    (["30LD", "012.34"], None, "30-LD 012.34", 0),
    (["30LD", "012.34"], "car", "30LD-012.34", 0),
    (["60MI", "8965"], None, "60-M1 8965", 1),
    (["60MI", "8965"], "car", "60M-8965", 1),
    # more changes when allowed
    (["5IG-I23.4S"], None, None, None),
]


@pytest.mark.parametrize(("lines", "kind", "display", "changes"), REPAIRED)
def test_repair(lines: list[str], kind: str | None, display: str | None, changes: int) -> None:
    result = repair(lines, kind)
    if display is None:
        assert result.plate is None and result.reason
        return
    assert result.plate is not None, result.reason
    assert (result.plate.display, result.changes, result.reason) == (display, changes, None)
    assert parse(result.plate.display, result.plate.kind) == result.plate


def test_repair_two_line_car_is_square() -> None:
    plate = repair(["60M", "8965"]).plate
    assert plate is not None and plate.square and plate.lines() == ("60M", "8965")


def test_repair_max_changes() -> None:
    assert repair(["5IG-I23.4S"]).plate is None
    assert "3 changes" in (repair(["5IG-I23.4S"]).reason or "")
    result = repair(["5IG-I23.4S"], max_changes=3)
    assert result.plate is not None and result.plate.display == "51G-123.45"
    assert result.changes == 3


REFUSED = [
    # lines, kind, fragment of the reason
    (["13A-123.45"], None, "unknown province code 13"),
    (["42-D1", "123.45"], None, "unknown province code 42"),
    (["42-D1 123.45"], None, "unknown province code 42"),
    (["59-D0", "064.28"], None, "series digit must be 1-9, got 0"),
    (["51I-123.45"], None, "series letter I is never used"),
    (["51J-123.45"], None, "series letter J is never used"),
    (["51W-123.45"], None, "series letter W is never used"),
    (["59-W2", "064.28"], None, "series letter W is never used"),
    (["X51G-123.45"], None, "2-digit province code"),
    (["51G-123.4567"], None, "number must have 4 or 5 digits"),
    (["59-D2", "064.28"], "car", "not a car plate"),
    ([], None, "no plate characters"),
    (["|", ":"], None, "no plate characters"),
    (["59", "D2", "06428"], None, "expected 1 or 2 lines, got 3"),
    (["51G-123", ".45"], None, "top line must hold the province code and series"),
]


@pytest.mark.parametrize(("lines", "kind", "fragment"), REFUSED)
def test_repair_refuses(lines: list[str], kind: str | None, fragment: str) -> None:
    result = repair(lines, kind)
    assert result.plate is None and result.changes == 0
    assert result.reason is not None and fragment in result.reason


def test_repair_accepts_a_bare_string() -> None:
    assert repair("63A-123.45") == repair(["63A-123.45"])


@pytest.mark.parametrize(("changes", "factor"), [(0, 1.0), (1, 0.8), (2, 0.64)])
def test_confidence_penalty(changes: int, factor: float) -> None:
    assert confidence_penalty(changes) == pytest.approx(factor)
    result = repair(["51G-123.45"])
    assert result.penalty == 1.0 and Repair(None, 0, "x").penalty == 0.0


def test_confidence_penalty_rejects_negative() -> None:
    with pytest.raises(ValueError):
        confidence_penalty(-1)


# --- the real checked plate texts ---------------------------------------------------------


@pytest.mark.parametrize("row", _csv_rows())
def test_public_csv_round_trip(row: dict[str, str]) -> None:
    plate = parse(row["norm"], row["kind"])
    assert plate.norm == row["norm"]
    assert plate.province_code in PROVINCES
    assert plate.display.replace("Đ", "D") == row["text"]
    assert parse(row["text"]) == plate  # the written layout alone decides the kind
    lines = row["text"].split(" ") if row["kind"] == "motorbike" else [row["text"]]
    assert repair(lines, row["kind"]) == Repair(plate, 0, None)


# --- properties -----------------------------------------------------------------------------


@st.composite
def plates(draw: st.DrawFn) -> Plate:
    """Any valid plate, built from the grammar's own tables."""
    form = draw(st.sampled_from(SERIES_FORMS))
    letters = "".join(sorted(set("ABCDEFGHKLMNPRSTUVXYZ")))
    series = draw(
        st.sampled_from(sorted(form.only))
        if form.only
        else st.text(letters, min_size=len(form.slots.replace("S", "")), max_size=2).filter(
            lambda s: len(s) == len(form.slots.replace("S", "")) and s not in form.never
        )
    )
    if "S" in form.slots:
        series += draw(st.sampled_from("123456789"))
    n = draw(st.sampled_from(form.numbers))
    number = draw(st.text("0123456789", min_size=n, max_size=n))
    code = draw(st.sampled_from(sorted(PROVINCES)))
    square = form.kind == "car" and draw(st.booleans())
    text = code + series + ("\n" if square else "-") + number
    return parse(text, form.kind)


@given(plates())
def test_valid_plates_round_trip(plate: Plate) -> None:
    assert parse(plate.display) == plate
    assert parse(plate.norm, plate.kind) == plate
    assert parse("\n".join(plate.lines()), plate.kind) == plate
    result = repair(plate.lines(), plate.kind)
    assert result == Repair(plate, 0, None)
    assert result.plate is not None and result.plate.square == plate.square
    if not plate.square:
        assert repair(plate.lines()) == Repair(plate, 0, None)


@given(plates(), st.data())
def test_one_confusable_costs_one_change(plate: Plate, data: st.DataObject) -> None:
    """Swap one forced character for a look-alike: repair restores it at one change, unless
    the swap itself spells another valid plate."""
    lines = list(plate.lines())
    form = next(f for f in SERIES_FORMS if _fit(plate.norm, f)[1] == plate)
    head = 2 + len(form.slots)
    classes = "DD" + form.slots + "N" * len(plate.number)
    spots = []
    for i, cls in enumerate(classes):
        ch = plate.norm[i]
        pool = TO_LETTER if cls == "L" else TO_DIGIT if cls in "DN" else {}
        look = sorted(k for k, v in pool.items() if v == ch and k not in BORDER_GLYPHS)
        spots += [(i, x) for x in look]
    if not spots:
        return
    i, x = data.draw(st.sampled_from(spots))
    norm = plate.norm[:i] + x + plate.norm[i + 1 :]
    if len(lines) == 2:
        lines = [norm[:head], norm[head:]]
    else:
        lines = [norm[:head] + "-" + norm[head:]]
    result = repair(lines, plate.kind)
    assert result.plate is not None and result.changes <= 1
    if result.changes == 1:  # else the swap made another valid plate ("11KT-0000" -> 11K7...)
        assert result.plate == plate


PLATEISH = st.text("0123456789ABDGIJLOQSTZMĐđ8-. |:abc", max_size=14)


@given(
    st.lists(st.one_of(PLATEISH, st.text(max_size=14)), max_size=3),
    st.sampled_from([None, "car", "motorbike"]),
)
def test_repair_never_raises(lines: list[str], kind: str | None) -> None:
    result = repair(lines, kind)
    if result.plate is None:
        assert result.reason and result.changes == 0
    else:
        assert result.reason is None and 0 <= result.changes <= MAX_CHANGES
        assert parse(result.plate.display, result.plate.kind) == result.plate
        assert kind is None or result.plate.kind == kind
        assert result.plate.province_code in PROVINCES
        if result.plate.series not in CAR_SPECIAL_SERIES:
            assert not set(result.plate.series) & NEVER_LETTERS


def test_tables_are_consistent() -> None:
    assert all(len(s) == 2 and s.isalpha() and s.isupper() for s in CAR_SPECIAL_SERIES)
    assert not set(TO_LETTER.values()) & NEVER_LETTERS
    assert set(TO_DIGIT) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert ELECTRIC == normalize("MĐ")
