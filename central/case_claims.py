"""Review claims: a case open in an officer's review is theirs for a few minutes.

Two officers on the queue must not both land on the oldest case and decide it twice. Opening
a case claims it (an officer holds one claim at a time; opening another case moves it), the
queue hands every other officer the next unclaimed case, and a move on a case that someone
else holds is refused (`ClaimedCase`). A claim expires by itself, so a closed tab or a
lunch break never locks a case for long; deciding the case releases it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.cases import CaseError
from central.db import CaseClaim, utcnow

DEFAULT_MINUTES = 5.0


class ClaimedCase(CaseError):
    """The case is open in another officer's review."""

    def __init__(self, case_id: int, holder: str, until: datetime) -> None:
        self.case_id, self.holder, self.until = case_id, holder, until
        super().__init__(
            f"case {case_id} is being reviewed by {holder} until {until:%H:%M:%S} UTC: "
            "take another case from the queue"
        )


def holder(session: Session, case_id: int, now: datetime) -> CaseClaim | None:
    """The live claim on a case, if any."""
    claim = session.get(CaseClaim, case_id, populate_existing=True)
    return claim if claim is not None and claim.expires_at > now else None


def claim(
    session: Session,
    case_id: int,
    username: str,
    minutes: float = DEFAULT_MINUTES,
    clock: Callable[[], datetime] = utcnow,
) -> CaseClaim:
    """Claim (or renew) `case_id` for `username`, giving up their other claims; the live
    claim of someone else is returned untouched instead."""
    now = clock()
    current = holder(session, case_id, now)
    if current is not None and current.username != username:
        return current
    session.execute(
        delete(CaseClaim).where(CaseClaim.username == username, CaseClaim.case_id != case_id)
    )
    until = now + timedelta(minutes=minutes)
    row = session.get(CaseClaim, case_id)
    if row is not None:  # ours, or expired
        row.username, row.claimed_at, row.expires_at = username, now, until
        return row
    try:
        with session.begin_nested():
            row = CaseClaim(case_id=case_id, username=username, claimed_at=now, expires_at=until)
            session.add(row)
    except IntegrityError:  # another officer claimed it in the same instant
        taken = session.get(CaseClaim, case_id, populate_existing=True)
        assert taken is not None
        return taken
    return row


def check(
    session: Session, case_id: int, username: str, clock: Callable[[], datetime] = utcnow
) -> None:
    """Refuse a move by `username` on a case someone else holds."""
    current = holder(session, case_id, clock())
    if current is not None and current.username != username:
        raise ClaimedCase(case_id, current.username, current.expires_at)


def release(session: Session, case_id: int) -> None:
    session.execute(delete(CaseClaim).where(CaseClaim.case_id == case_id))


def claimed_by_others(session: Session, username: str, now: datetime) -> set[int]:
    """Ids of the cases other officers hold now (for marking the queue)."""
    rows = session.scalars(
        select(CaseClaim.case_id).where(CaseClaim.expires_at > now, CaseClaim.username != username)
    )
    return set(rows)
