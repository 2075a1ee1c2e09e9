"""How much one camera may put in quarantine: bytes and messages per clock hour.

The quarantine keeps what was refused, with its bytes, so nothing is lost; but a box that sends
garbage (broken, or in an attacker's hands) must not fill the central database. Each camera
(by the topic it sent on) has a budget per clock hour. Within it a refused message is kept
whole (an oversized one only by its first `OVERSIZED_HEAD` bytes: the rest was never evidence);
beyond it the message is still refused, answered and counted here, but its bytes are not
kept. The cameras page raises an alert for every camera over its budget in the last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base, UtcDateTime

OVERSIZED_HEAD = 64 * 1024  # of an oversized message, only this much is kept
NO_CAMERA = ""  # messages on no camera's topic share one budget


class QuarantineQuota(Base):
    """One camera's quarantine in one clock hour: what was kept and what was not."""

    __tablename__ = "quarantine_quota"
    camera_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    kept_count: Mapped[int] = mapped_column(Integer, default=0)
    kept_bytes: Mapped[int] = mapped_column(Integer, default=0)
    refused_count: Mapped[int] = mapped_column(Integer, default=0)  # over budget: not kept
    refused_bytes: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Budget:
    bytes_per_hour: int
    count_per_hour: int

    @classmethod
    def from_config(cls, mb_per_hour: float, count_per_hour: int) -> Budget:
        return cls(int(mb_per_hour * 1024 * 1024), count_per_hour)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def admit(s: Session, budget: Budget, camera: str | None, size: int, now: datetime) -> bool:
    """Count one refused message of `size` kept bytes for `camera` in this hour; True when its
    bytes may be kept. The row is locked on PostgreSQL (SQLite serialises writers anyway), so
    two collectors never both spend the last of a budget."""
    key = (camera or NO_CAMERA)[:16]
    hour = hour_of(now)
    row = s.execute(
        select(QuarantineQuota)
        .where(QuarantineQuota.camera_id == key, QuarantineQuota.hour == hour)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = QuarantineQuota(
            camera_id=key, hour=hour, kept_count=0, kept_bytes=0, refused_count=0, refused_bytes=0
        )
        s.add(row)
    fits = (
        row.kept_count + 1 <= budget.count_per_hour
        and row.kept_bytes + size <= budget.bytes_per_hour
    )
    if fits:
        row.kept_count += 1
        row.kept_bytes += size
    else:
        row.refused_count += 1
        row.refused_bytes += size
    s.flush()
    return fits


def over_budget(s: Session, now: datetime, hours: int = 24) -> dict[str, tuple[int, int]]:
    """camera -> (messages, bytes) refused beyond the budget in the last `hours` hours."""
    since = hour_of(now) - timedelta(hours=hours - 1)
    out: dict[str, tuple[int, int]] = {}
    rows = s.execute(
        select(QuarantineQuota).where(
            QuarantineQuota.hour >= since, QuarantineQuota.refused_count > 0
        )
    ).scalars()
    for row in rows:
        count, size = out.get(row.camera_id, (0, 0))
        out[row.camera_id] = (count + row.refused_count, size + row.refused_bytes)
    return out
