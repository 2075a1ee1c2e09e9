"""Transport throughput and latency: Outbox → Publisher → Mosquitto → collector → receipt → ack.

Starts its own Mosquitto on a free loopback port and the receipt sender stand-in
(tests/servers/receipt_sender.py, a separate process that fsyncs its log line before each
receipt), then runs two phases with real signed ~300 KB bundles:

- burst: N bundles submitted back to back; bundles per second from the first submit to the
  last receipt (a busy intersection after a network outage, or a replay publishing).
- paced: M bundles at a steady rate far below capacity; latency from submit (the rule firing;
  this includes the durable SQLite put) to the receipt being applied to the outbox (p50, p95,
  max). In the burst phase latency is mostly queueing (N / rate), reported for completeness.
- put only: the outbox's durable put alone (one WAL fsync per bundle), the ceiling for the
  burst rate on this disk, so a miss can be told apart from a slow pipeline.

Prints one JSON object on stdout; progress goes to stderr.

    python scripts/bench_transport.py [--count 1000] [--size-kb 300] [--paced 200 --rate 20]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.config.box import BrokerConfig  # noqa: E402
from edge.delivery.outbox import Outbox  # noqa: E402
from edge.delivery.publish import Publisher  # noqa: E402
from scripts.bench_common import TimedOutbox, machine, percentile, say  # noqa: E402
from tests.fixtures.broker import MOSQUITTO, make_broker  # noqa: E402
from tests.keys import RECEIPT_KEYS  # noqa: E402
from tests.servers.edge_publisher import sample_bundle  # noqa: E402


def latency_ms(submitted: dict[str, float], acked: dict[str, float]) -> dict[str, float]:
    lat = [(acked[v] - t) * 1000 for v, t in submitted.items()]
    return {
        "p50": round(statistics.median(lat), 1),
        "p95": round(percentile(lat, 0.95), 1),
        "max": round(max(lat), 1),
    }


class PhaseResult(TypedDict):
    bundles: int
    seconds: float
    bundles_per_s: float
    mb_per_s: float
    submit_seconds: float
    submit_ms: dict[str, float]
    latency_ms: dict[str, float]


def run_phase(
    pub: Publisher, box: TimedOutbox, bundles: list[tuple[str, bytes]], rate: float | None
) -> PhaseResult:
    """Submit the bundles (back to back, or `rate` per second) and wait for every receipt."""
    submitted: dict[str, float] = {}
    put_s: list[float] = []
    start = time.perf_counter()
    for i, (vid, data) in enumerate(bundles):
        if rate:
            time.sleep(max(0.0, start + i / rate - time.perf_counter()))
        submitted[vid] = time.perf_counter()
        pub.submit(vid, data)
        put_s.append(time.perf_counter() - submitted[vid])
    submitted_all = time.perf_counter()
    deadline = time.monotonic() + 120
    while not all(v in box.acked_at for v in submitted):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {box.depth()} bundles without receipt")
        time.sleep(0.01)
    last = max(box.acked_at[v] for v in submitted)
    elapsed = last - min(submitted.values())
    return {
        "bundles": len(bundles),
        "seconds": round(elapsed, 3),
        "bundles_per_s": round(len(bundles) / elapsed, 1),
        "mb_per_s": round(sum(len(d) for _, d in bundles) / elapsed / 1e6, 1),
        "submit_seconds": round(submitted_all - start, 3),  # the durable puts alone
        "submit_ms": {
            "p50": round(statistics.median(put_s) * 1000, 2),
            "max": round(max(put_s) * 1000, 1),
        },
        "latency_ms": latency_ms(submitted, box.acked_at),
    }


def put_only(directory: Path, bundles: list[tuple[str, bytes]]) -> dict[str, float]:
    """The durable put alone (one fsync each): the ceiling for the whole pipeline on this disk."""
    box = Outbox(directory / "put-only.sqlite", 4 << 30)
    times = []
    for vid, data in bundles:
        t = time.perf_counter()
        box.put(vid, "MT-07", data)
        times.append(time.perf_counter() - t)
        box.ack(vid)  # keep the file small, as a draining outbox is
    box.close()
    return {
        "puts_per_s": round(len(times) / sum(times), 1),
        "put_ms_p50": round(statistics.median(times) * 1000, 2),
        "put_ms_p95": round(percentile(times, 0.95) * 1000, 2),
    }


def main() -> int:
    """Run both phases and print the JSON report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000, help="bundles in the burst phase")
    ap.add_argument("--size-kb", type=float, default=300)
    ap.add_argument("--paced", type=int, default=200, help="bundles in the paced phase")
    ap.add_argument("--rate", type=float, default=20.0, help="paced phase, bundles per second")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if not MOSQUITTO.exists():
        raise SystemExit(f"Mosquitto not found at {MOSQUITTO}")
    size = int(args.size_kb * 1000)
    with tempfile.TemporaryDirectory(prefix="dendo-bench-transport-") as tmp:
        broker = make_broker(Path(tmp) / "broker", extra="persistence false")
        broker.start()
        collector = subprocess.Popen(
            [sys.executable, str(REPO / "tests/servers/receipt_sender.py"), "--port",
             str(broker.port), "--log", str(Path(tmp) / "received.jsonl")],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert collector.stdout is not None
            if collector.stdout.readline().strip() != "ready":
                raise SystemExit("receipt sender did not start")
            say(f"building {args.count + args.paced} bundles of ~{args.size_kb:g} KB ...")
            burst = [sample_bundle("MT-07", i + 1, size) for i in range(args.count)]
            paced = [sample_bundle("MT-07", args.count + i + 1, size) for i in range(args.paced)]
            box = TimedOutbox(Path(tmp) / "outbox.sqlite", 4 << 30)
            pub = Publisher(
                BrokerConfig(port=broker.port), "MT-07", box,
                resend_after_s=30, resend_max_s=600, heartbeat_s=5, receipt_keys=RECEIPT_KEYS,
            )  # fmt: skip
            pub.start()
            while not pub.connected:
                time.sleep(0.01)
            say(f"burst: {args.count} bundles back to back ...")
            burst_result = run_phase(pub, box, burst, None)
            say(f"burst: {burst_result}")
            say(f"paced: {args.paced} bundles at {args.rate:g}/s ...")
            paced_result = run_phase(pub, box, paced, args.rate)
            say(f"paced: {paced_result}")
            pub.stop()
            say("outbox put alone ...")
            ceiling = put_only(Path(tmp), burst[:300])
            say(f"put only: {ceiling}")
            report = {
                "bundle_bytes": round(statistics.mean(len(d) for _, d in burst)),
                "burst": burst_result,
                "paced": {**paced_result, "rate_per_s": args.rate},
                "outbox_put_only": ceiling,
                "outbox_depth_at_end": box.depth(),
                "publisher": pub.counters(),
                "targets": {
                    "bundles_per_s>=200": burst_result["bundles_per_s"] >= 200,
                    "p95_ms<=200": paced_result["latency_ms"]["p95"] <= 200,
                },
            }
            box.close()
        finally:
            collector.terminate()
            collector.wait(10)
            broker.stop()
    report["machine"] = machine()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
