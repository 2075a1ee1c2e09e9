"""The case lifecycle on a real SQLite file: every move checked, recorded, and numbered."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from central import cases
from central.db import (
    CONFIRMED,
    DETECTED,
    ESCALATED,
    MERGED,
    NOTICE_ISSUED,
    PAID,
    REJECTED,
    REVIEW,
    Bundle,
    Case,
    Owner,
    Transition,
)

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def add_case(
    session: Session,
    plate: str | None = "63A-123.45",
    camera: str = "MT-07",
    at: datetime = T0,
    vehicle: str = "car",
) -> Case:
    vid = str(uuid.uuid4())
    session.add(
        Bundle(
            violation_id=vid,
            camera_id=camera,
            box="EB-02",
            key_id="k",
            sha256=uuid.uuid4().hex + uuid.uuid4().hex,
            manifest_sha256="0" * 64,
            sequence=1,
            prev_sha256=None,
            size=1,
            path="x",
            manifest={},
            crossed_at=at,
        )
    )
    norm = "".join(c for c in plate if c.isalnum()) if plate else None
    case = Case(
        violation_id=vid,
        camera_id=camera,
        crossed_at=at,
        vehicle_class=vehicle,
        seconds_into_red=2.5,
        signal_state="red",
        plate_text=plate,
        plate_norm=norm,
        plate_read_text=plate,
        state=DETECTED,
    )
    session.add(case)
    session.flush()
    return case


def add_owner(session: Session, plate: str = "63A-123.45") -> None:
    norm = "".join(c for c in plate if c.isalnum())
    session.add(
        Owner(
            plate_norm=norm,
            plate_text=plate,
            name="Nguyễn Văn An",
            address="12 Ấp Bắc, Phường 5, Mỹ Tho",
        )
    )


def test_the_whole_process_is_recorded_with_who_and_when(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        case = add_case(s)
        add_owner(s)
        cases.open_for_review(s, case, window_min=5, clock=lambda: T0)
        cases.confirm(s, case.id, "officer.lan", clock=lambda: T0 + timedelta(hours=1))
        cases.issue_notice(s, case.id, "officer.lan", clock=lambda: T0 + timedelta(hours=2))
        cases.record_fine(s, case.id, "officer.lan", 18_000_000)
        cases.record_payment(s, case.id, "cashier.minh", 18_000_000, "KB-2026-7781")
        case_id = case.id
    with Session(engine) as s:
        paid = s.get(Case, case_id)
        assert paid is not None and paid.state == PAID
        assert paid.notice_number == "MT-2026-000001"
        assert paid.deadline_at is not None
        deadline = (
            paid.deadline_at.replace(tzinfo=UTC)
            if paid.deadline_at.tzinfo is None
            else paid.deadline_at
        )
        assert deadline == T0 + timedelta(hours=2, days=20)
        moves = [(t.from_state, t.to_state, t.actor) for t in paid.transitions]
        assert moves == [
            (DETECTED, REVIEW, "system"),
            (REVIEW, CONFIRMED, "officer.lan"),
            (CONFIRMED, NOTICE_ISSUED, "officer.lan"),
            (NOTICE_ISSUED, "fined", "officer.lan"),
            ("fined", PAID, "cashier.minh"),
        ]


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        ([], lambda s, c: cases.confirm(s, c, "o"), "is detected: it cannot become confirmed"),
        (["review"], lambda s, c: cases.issue_notice(s, c, "o"), "cannot become notice_issued"),
        (["review"], lambda s, c: cases.record_fine(s, c, "o", 1), "cannot become fined"),
        (["review", "reject"], lambda s, c: cases.confirm(s, c, "o"), "rejected: it cannot"),
        (["review"], lambda s, c: cases.reject(s, c, "o", "because"), "unknown reject reason"),
        (["review"], lambda s, c: cases.reject(s, c, "o", "other"), "needs the reason"),
        (["review"], lambda s, c: cases.confirm(s, c, "o", plate="00A-123.45"), "not a valid"),
        (["review"], lambda s, c: cases.confirm(s, c, ""), "who makes it"),
    ],
)
def test_illegal_moves_are_refused_with_a_clear_error(
    engine: Engine, setup: list[str], action: Callable[[Session, int], object], message: str
) -> None:
    with Session(engine) as s, s.begin():
        case = add_case(s)
        if "review" in setup:
            cases.open_for_review(s, case, 5)
        if "reject" in setup:
            cases.reject(s, case.id, "o", "not_a_violation")
        state, count = case.state, len(case.transitions)
        with pytest.raises(cases.CaseError, match=message):
            action(s, case.id)
        assert case.state == state, "a refused move must not change the state"
        assert (
            len(s.scalars(select(Transition).where(Transition.case_id == case.id)).all()) == count
        )


def test_plate_correction_at_review_is_validated_and_recorded(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        case = add_case(s, plate="63A-123.46")
        cases.open_for_review(s, case, 5)
        cases.confirm(s, case.id, "officer.lan", plate="63A 123.45")
        assert (case.plate_text, case.plate_norm, case.plate_corrected) == (
            "63A-123.45",
            "63A12345",
            True,
        )
        assert case.plate_read_text == "63A-123.46", "the edge's reading is kept"
        assert case.transitions[-1].note == {"plate_from": "63A-123.46", "plate_to": "63A-123.45"}


def test_unread_plate_must_be_given_before_confirming(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        case = add_case(s, plate=None)
        cases.open_for_review(s, case, 5)
        with pytest.raises(cases.CaseError, match="has no plate"):
            cases.confirm(s, case.id, "o")
        cases.confirm(s, case.id, "o", plate="59-D2 064.28")
        assert case.state == CONFIRMED and case.plate_norm == "59D206428"


def test_notice_needs_the_owner_in_the_registry(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        case = add_case(s)
        cases.open_for_review(s, case, 5)
        cases.confirm(s, case.id, "o")
        with pytest.raises(cases.CaseError, match="not in the vehicle registry"):
            cases.issue_notice(s, case.id, "o")
        assert case.state == CONFIRMED and case.notice_number is None


def test_duplicates_of_a_plate_at_a_camera_merge_into_the_first(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        first = add_case(s, at=T0)
        again = add_case(s, at=T0 + timedelta(minutes=3))  # same plate, same camera
        later = add_case(s, at=T0 + timedelta(minutes=30))  # outside the window
        other_cam = add_case(s, camera="MT-08", at=T0 + timedelta(minutes=1))
        unread = add_case(s, plate=None, at=T0 + timedelta(minutes=1))
        cases.triage(s, window_min=5)
        assert first.state == REVIEW
        assert (again.state, again.merged_into) == (MERGED, first.id)
        assert later.state == REVIEW and other_cam.state == REVIEW and unread.state == REVIEW


def test_escalation_after_the_deadline_with_an_injected_clock(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        case = add_case(s)
        add_owner(s)
        cases.open_for_review(s, case, 5)
        cases.confirm(s, case.id, "o")
        cases.issue_notice(s, case.id, "o", deadline_days=20, clock=lambda: T0)
        with pytest.raises(cases.CaseError, match="has not passed"):
            cases.escalate(s, case.id, "o", clock=lambda: T0 + timedelta(days=19))
        assert cases.escalate_overdue(s, clock=lambda: T0 + timedelta(days=19)) == []
        assert cases.escalate_overdue(s, clock=lambda: T0 + timedelta(days=20, seconds=1)) == [
            case.id
        ]
        assert case.state == ESCALATED
        cases.record_fine(s, case.id, "o", 18_000_000)  # a late fine is still recorded


def test_payment_must_match_the_fine(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        case = add_case(s)
        add_owner(s)
        cases.open_for_review(s, case, 5)
        cases.confirm(s, case.id, "o")
        cases.issue_notice(s, case.id, "o")
        cases.record_fine(s, case.id, "o", 18_000_000)
        with pytest.raises(cases.CaseError, match="differs from the fine"):
            cases.record_payment(s, case.id, "o", 1_000, "ref")
        with pytest.raises(cases.CaseError, match="reference"):
            cases.record_payment(s, case.id, "o", 18_000_000, " ")


def test_concurrent_notices_get_unique_gap_free_numbers(engine: Engine) -> None:
    n = 24
    with Session(engine) as s, s.begin():
        ids = []
        for i in range(n):
            plate = f"63A-{100 + i:03d}.{i % 90 + 10:02d}"
            case = add_case(s, plate=plate, at=T0 + timedelta(hours=i))
            add_owner(s, plate)
            cases.open_for_review(s, case, 5)
            cases.confirm(s, case.id, "o")
            ids.append(case.id)
    make = sessionmaker(engine)
    errors: list[BaseException] = []

    def officer(chunk: list[int]) -> None:
        try:
            for case_id in chunk:
                with make() as s, s.begin():
                    cases.issue_notice(s, case_id, "officer")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=officer, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, f"concurrent notices failed: {errors!r}"
    with Session(engine) as s:
        stored = s.scalars(select(Case.notice_number)).all()
        assert None not in stored, stored
        numbers = sorted(number for number in stored if number is not None)
    assert numbers == [f"MT-2026-{i:06d}" for i in range(1, n + 1)], numbers


def test_rejected_case_keeps_its_reason(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        case = add_case(s)
        cases.open_for_review(s, case, 5)
        cases.reject(s, case.id, "officer.lan", "other", "xe cứu thương")
        assert case.state == REJECTED and case.reject_reason == "other: xe cứu thương"
