"""What the delivery benchmarks share: an outbox that times receipts, percentiles, progress."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path

from edge.delivery.outbox import Outbox


class TimedOutbox(Outbox):
    """An Outbox that notes when each receipt was applied (the end of a bundle's journey)."""

    def __init__(self, path: Path, quota_bytes: int) -> None:
        super().__init__(path, quota_bytes)
        self.acked_at: dict[str, float] = {}

    def ack_many(self, violation_ids: Iterable[str]) -> int:
        ids = list(violation_ids)
        n = super().ack_many(ids)
        now = time.perf_counter()
        for vid in ids:
            self.acked_at.setdefault(vid, now)
        return n


def say(*parts: object) -> None:
    """Progress on stderr: stdout carries only the JSON result."""
    print(*parts, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]
