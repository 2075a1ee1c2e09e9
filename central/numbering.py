"""Gap-free document numbers: one counter row per series (a city's notices, its fine
decisions) and year, locked for the transaction that takes a number, so numbers stay unique
and without holes however many officers issue at once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.db import NoticeCounter


def take_number(session: Session, series: str, year: int) -> int:
    """The next number of `series` (≤ 8 characters, e.g. "MT" or "MT-QD") in `year`."""
    query = select(NoticeCounter).where(NoticeCounter.city == series, NoticeCounter.year == year)
    counter = session.scalars(query.with_for_update()).first()
    if counter is None:
        try:
            with session.begin_nested():
                session.add(NoticeCounter(city=series, year=year, last=0))
        except IntegrityError:  # another transaction created it first
            pass
        counter = session.scalars(query.with_for_update()).one()
    counter.last += 1
    return counter.last
