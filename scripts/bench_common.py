"""What the delivery benchmarks share: an outbox that times receipts, percentiles, progress."""

from __future__ import annotations

import os
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


def machine() -> dict[str, object]:
    """The CPU the figures were measured on: model, cores, and the vector ISA that decides
    the models' speed (AVX2, AVX-512, bfloat16 in AVX-512 or AMX)."""
    model, flags = "unknown", set[str]()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile")
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "isa": [f for f in wanted if f in flags],
        "bfloat16": bool({"avx512_bf16", "amx_bf16"} & flags),
    }
