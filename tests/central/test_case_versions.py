"""No silent overwrites, on SQLite and PostgreSQL: every move raises the case's version, an
action decided on an older version is refused with what happened since and who did it, a case
open in one officer's review is not handed to another, a reversal needs a reason, a confident
camera read is only changed with one, and an appeal ends or re-addresses the case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central import appeals, case_claims, cases
from central.db import (
    APPEALED,
    CANCELLED,
    CONFIRMED,
    FINED,
    NOTICE_ISSUED,
    REVIEW,
    Case,
    Owner,
)
from tests.central.test_cases import T0, add_case, add_owner


def in_review(engine: Engine, confidence: float = 0.5) -> int:
    with Session(engine) as s, s.begin():
        n = s.scalar(select(func.count(Case.id))) or 0
        case = add_case(s, at=T0 + timedelta(hours=n))  # hours apart: never merged
        case.plate_confidence = confidence
        if s.get(Owner, case.plate_norm) is None:
            add_owner(s)
        cases.open_for_review(s, case, 5)
        return case.id


def test_every_move_raises_the_version_and_a_stale_action_is_refused_with_who(
    engine: Engine,
) -> None:
    cid = in_review(engine)
    with Session(engine) as s:
        seen = s.get_one(Case, cid).version  # what officer B's page shows
    with Session(engine) as s, s.begin():
        cases.confirm(s, cid, "lan.nguyen", seen=seen)  # officer A, first
    with Session(engine) as s, s.begin(), pytest.raises(cases.StaleCase) as stale:
        cases.reject(s, cid, "tuan.pham", "not_a_violation", seen=seen)
    assert stale.value.seen == seen and stale.value.version == seen + 1
    assert [(t.actor, t.to_state) for t in stale.value.since] == [("lan.nguyen", CONFIRMED)]
    with Session(engine) as s:
        case = s.get_one(Case, cid)
        assert case.state == CONFIRMED, "the stale rejection overwrote the confirmation"
        assert [t.version for t in case.transitions] == [2, 3], "each move records its version"


@pytest.mark.parametrize(
    ("confidence", "reason", "refused"),
    [
        (0.95, "", True),  # a sure read changed without a word
        (0.95, "the crop shows 6, not 5", False),
        (0.40, "", False),  # an unsure read is corrected freely
    ],
)
def test_changing_a_confident_read_needs_a_reason(
    engine: Engine, confidence: float, reason: str, refused: bool
) -> None:
    cid = in_review(engine, confidence)
    with Session(engine) as s, s.begin():
        if refused:
            with pytest.raises(cases.PlateReasonNeeded, match=r"63A-123\.45"):
                cases.confirm(s, cid, "lan", plate="63A-123.46", reason=reason)
            return
        case = cases.confirm(s, cid, "lan", plate="63A-123.46", reason=reason)
        note = case.transitions[-1].note or {}
        read, plate = case.plate_read_text, case.plate_text
    assert read == "63A-123.45" and plate == "63A-123.46", "the camera's read was lost"
    assert note.get("plate_reason") == (reason or None), f"the reason is not recorded: {note}"


def test_the_queue_hands_a_claimed_case_to_nobody_else_until_it_expires(engine: Engine) -> None:
    first, second = in_review(engine), in_review(engine)
    now = T0 + timedelta(days=1)
    with Session(engine) as s, s.begin():
        assert case_claims.claim(s, first, "lan", 5, lambda: now).username == "lan"
        held = case_claims.claim(s, first, "tuan", 5, lambda: now)
        assert held.username == "lan", "a second officer took over a live claim"
        with pytest.raises(case_claims.ClaimedCase, match="lan"):
            case_claims.check(s, first, "tuan", lambda: now)
        case_claims.check(s, first, "lan", lambda: now)  # the holder may act
        assert case_claims.claim(s, second, "tuan", 5, lambda: now).username == "tuan"
        assert case_claims.claimed_by_others(s, "tuan", now) == {first}
        later = now + timedelta(minutes=6)
        assert case_claims.claim(s, first, "tuan", 5, lambda: later).username == "tuan"
        assert case_claims.holder(s, second, later) is None, "tuan holds one claim at a time"


def test_a_reversal_needs_a_reason_and_sends_the_case_back_to_review(engine: Engine) -> None:
    cid = in_review(engine)
    with Session(engine) as s, s.begin():
        cases.confirm(s, cid, "lan")
    with Session(engine) as s, s.begin(), pytest.raises(cases.CaseError, match="reason"):
        cases.reverse_confirmation(s, cid, "hoa.le", "  ")
    with Session(engine) as s, s.begin():
        case = cases.reverse_confirmation(s, cid, "hoa.le", "the plate belongs to a bus")
        assert case.state == REVIEW
        assert case.transitions[-1].note == {
            "reversed": True,
            "reason": "the plate belongs to a bus",
        }
    with Session(engine) as s, s.begin(), pytest.raises(cases.CaseError, match="review"):
        cases.reverse_confirmation(s, cid, "hoa.le", "again")  # nothing confirmed to reverse


def _noticed(engine: Engine, fined: bool = False) -> int:
    cid = in_review(engine)
    with Session(engine) as s, s.begin():
        cases.confirm(s, cid, "lan")
        cases.issue_notice(s, cid, "lan", clock=lambda: T0)
        if fined:
            cases.record_fine(s, cid, "lan", 18_000_000)
    return cid


@pytest.mark.parametrize(
    ("fined", "outcome", "addressee", "state", "check"),
    [
        (False, "cancel", None, CANCELLED, lambda c: c.addressee is None),
        (
            True,
            "readdress",
            {"name": "Trần Thị Bình", "address": "5 Lê Lợi, Mỹ Tho", "id_number": "0"},
            NOTICE_ISSUED,
            lambda c: c.addressee["name"] == "Trần Thị Bình" and c.fine_vnd is None,
        ),
        (True, "dismiss", None, FINED, lambda c: c.fine_vnd == 18_000_000),
    ],
)
def test_an_appeal_is_cancelled_readdressed_or_dismissed_with_its_reasons(
    engine: Engine,
    fined: bool,
    outcome: str,
    addressee: dict[str, str] | None,
    state: str,
    check: Callable[[Case], Any],
) -> None:
    cid = _noticed(engine, fined)
    with Session(engine) as s, s.begin():
        appeals.file_appeal(s, cid, "lan", "vehicle_sold", "bán xe ngày 01/11/2026")
        assert s.get_one(Case, cid).state == APPEALED
    with Session(engine) as s, s.begin(), pytest.raises(cases.CaseError, match="reasons"):
        appeals.decide_appeal(s, cid, "hoa.le", outcome, "", addressee=addressee)
    with Session(engine) as s, s.begin():
        case = appeals.decide_appeal(
            s, cid, "hoa.le", outcome, "hợp đồng mua bán", addressee=addressee
        )
        assert case.state == state and check(case), f"{outcome}: {case.state}, {case.addressee}"
        assert (case.transitions[-1].note or {}).get("outcome") == outcome


def test_an_appeal_needs_a_notice_and_a_known_ground(engine: Engine) -> None:
    cid = in_review(engine)
    with Session(engine) as s, s.begin(), pytest.raises(cases.CaseError, match="only a notice"):
        appeals.file_appeal(s, cid, "lan", "vehicle_sold")
    cid = _noticed(engine)
    with Session(engine) as s, s.begin(), pytest.raises(cases.CaseError, match="unknown appeal"):
        appeals.file_appeal(s, cid, "lan", "bored")
