"""Central ingest throughput and latency: edge Outbox → Publisher → Mosquitto → collector → receipt.

Starts its own Mosquitto on a free loopback port and the real collector (`central.collector`,
in a subprocess, as `dendo-central serve` runs it), then pushes real signed ~300 KB bundles
(noise JPEG frames that decode, each file unique so nothing is de-duplicated on disk):

- burst: N bundles submitted back to back; bundles per second from the first submit to the
  last receipt, i.e. each bundle verified, its JPEGs decoded, its files fsynced and its rows
  committed before the ack.
- paced: M bundles at a steady rate below capacity; latency from submit (the edge's durable
  outbox put included) to the receipt being applied at the edge (p50, p95, max).
- drain: N bundles queued at the broker while the collector is stopped, then the collector is
  started: its own rate, with the edge idle (in burst, the edge's outbox puts and Mosquitto
  share the two cores with it; `cpu_ms_per_bundle` says how much each took).

Runs once on SQLite and once on a throw-away PostgreSQL cluster (fsync on; skipped with the
reason when it cannot be started). A profile of the collector's stages, measured in-process,
says where the time goes. One JSON object on stdout; progress on stderr.

    python scripts/bench_central.py [--count 300] [--paced 100 --rate 30] [--db sqlite]
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from central.ingest import Ingestor  # noqa: E402
from central.ingest_rules import check_images  # noqa: E402
from central.keys import KeyRing, register_key  # noqa: E402
from central.store import open_store  # noqa: E402
from common.bundle import open_bundle  # noqa: E402
from common.config.box import BrokerConfig  # noqa: E402
from common.config.city import load_config  # noqa: E402
from edge.delivery.publish import Publisher  # noqa: E402
from scripts.bench_common import TimedOutbox, machine, say  # noqa: E402
from scripts.bench_common import percentile as pct  # noqa: E402
from tests.fixtures.broker import MOSQUITTO, make_broker  # noqa: E402
from tests.fixtures.postgres import PostgresUnavailable, start_cluster  # noqa: E402
from tests.keys import RECEIPT_KEY, RECEIPT_KEYS, private_pem  # noqa: E402
from tests.servers.central_collector import BOX, CAMERA, BundleMaker, key_file  # noqa: E402

CAMERAS = REPO / "configs" / "cameras.yaml"


def run_phase(
    pub: Publisher, box: TimedOutbox, bundles: list[tuple[str, bytes]], rate: float | None
) -> dict[str, Any]:
    """Submit the bundles (back to back, or `rate` per second) and wait for every receipt."""
    submitted: dict[str, float] = {}
    start = time.perf_counter()
    for i, (vid, data) in enumerate(bundles):
        if rate:
            time.sleep(max(0.0, start + i / rate - time.perf_counter()))
        submitted[vid] = time.perf_counter()
        pub.submit(vid, data)
    deadline = time.monotonic() + 300
    while not all(v in box.acked_at for v in submitted):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {box.depth()} bundles without receipt")
        time.sleep(0.01)
    elapsed = max(box.acked_at[v] for v in submitted) - min(submitted.values())
    lat = [(box.acked_at[v] - t) * 1000 for v, t in submitted.items()]
    return {
        "bundles": len(bundles),
        "seconds": round(elapsed, 3),
        "bundles_per_s": round(len(bundles) / elapsed, 1),
        "mb_per_s": round(sum(len(d) for _, d in bundles) / elapsed / 1e6, 1),
        "latency_ms": {
            "p50": round(statistics.median(lat), 1),
            "p95": round(pct(lat, 0.95), 1),
            "max": round(max(lat), 1),
        },
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CollectorProcess:
    """The real collector in a subprocess (tests/servers/central_collector.py)."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.proc: subprocess.Popen[str] | None = None
        self.counts: list[dict[str, int]] = []

    def start(self) -> float:
        """Start and wait until subscribed; returns that moment (perf_counter)."""
        err = self.log.open("a")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "tests/servers/central_collector.py"),
                "--config",
                str(self.config),
            ],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        err.close()
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"collector did not start: {self.log.read_text()[-3000:]}")
        return time.perf_counter()

    def stop(self) -> None:
        """SIGTERM (finish the batch in hand), then read the counters it logged."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        self.counts = []
        for line in self.log.read_text().splitlines():
            msg = json.loads(line).get("msg", "") if line.startswith("{") else ""
            if msg.startswith("stopped: "):
                self.counts.append(ast.literal_eval(msg.removeprefix("stopped: ")))


def run_db(
    kind: str, url: str, tmp: Path, phases: dict[str, list], args: argparse.Namespace
) -> dict[str, Any]:
    """burst, paced and drain against the database at `url`."""
    broker = make_broker(tmp / "broker")
    broker.start()
    config = {
        "database_url": url,
        "evidence_dir": str(tmp / "evidence"),
        "cameras": str(CAMERAS),
        "broker": {
            "port": broker.port,
            "keepalive_s": 10,
            "reconnect_min_s": 1,
            "reconnect_max_s": 2,
            "receive_maximum": args.receive_maximum,
        },
        "ingest": {"batch_max": args.batch, "workers": args.workers},
        "keys": [{"box": BOX, "pem_file": str(key_file(tmp))}],
        "receipt_key_file": str(private_pem(tmp, RECEIPT_KEY, "central-receipts")),
    }
    (tmp / "central.yaml").write_text(json.dumps(config))
    collector = CollectorProcess(tmp / "central.yaml", tmp / "collector.err")
    result: dict[str, Any] = {}
    try:
        collector.start()
        box = TimedOutbox(tmp / "outbox.sqlite", 4 << 30)
        pub = Publisher(
            BrokerConfig(port=broker.port), CAMERA, box,
            resend_after_s=30, resend_max_s=600, heartbeat_s=5, receipt_keys=RECEIPT_KEYS,
        ).start()  # fmt: skip
        while not pub.connected:
            time.sleep(0.01)
        assert collector.proc is not None and broker.proc is not None
        pids = {"collector": collector.proc.pid, "mosquitto": broker.proc.pid}
        cpu0 = {k: cpu_seconds(p) for k, p in pids.items()} | {"edge": time.process_time()}
        say(f"{kind}: burst of {len(phases['burst'])} bundles ...")
        result["burst"] = run_phase(pub, box, phases["burst"], None)
        cpu1 = {k: cpu_seconds(p) for k, p in pids.items()} | {"edge": time.process_time()}
        n = len(phases["burst"])
        result["burst"]["cpu_ms_per_bundle"] = {
            k: round((cpu1[k] - cpu0[k]) / n * 1000, 2) for k in cpu0
        }
        say(f"{kind}: burst {result['burst']}")
        say(f"{kind}: paced, {len(phases['paced'])} bundles at {args.rate:g}/s ...")
        result["paced"] = {
            **run_phase(pub, box, phases["paced"], args.rate),
            "rate_per_s": args.rate,
        }
        say(f"{kind}: paced {result['paced']}")
        say(f"{kind}: drain, {len(phases['drain'])} bundles queued while the collector is down")
        collector.stop()
        published = pub.counters()["published"]
        for vid, data in phases["drain"]:
            pub.submit(vid, data)
        while pub.counters()["published"] < published + len(phases["drain"]):
            time.sleep(0.01)
        started = collector.start()
        while not all(v in box.acked_at for v, _ in phases["drain"]):
            time.sleep(0.01)
        elapsed = max(box.acked_at[v] for v, _ in phases["drain"]) - started
        result["drain"] = {
            "bundles": len(phases["drain"]),
            "seconds": round(elapsed, 3),
            "bundles_per_s": round(len(phases["drain"]) / elapsed, 1),
        }
        say(f"{kind}: drain {result['drain']}")
        pub.stop()
        box.close()
    finally:
        if collector.proc is not None and collector.proc.poll() is None:
            collector.stop()
        broker.stop()
    total = sum(len(v) for v in phases.values())
    result["collector_counts"] = collector.counts
    result["all_stored_once"] = sum(c.get("stored", 0) for c in collector.counts) == total
    return result


def profile(tmp: Path, bundles: list[tuple[str, bytes]], batch: int) -> dict[str, float]:
    """The collector's stages in-process on one thread, in ms per bundle (SQLite, batches)."""
    store = open_store(f"sqlite:///{tmp / 'profile.db'}", tmp / "profile-ev")
    register_key(store.sessions, BOX, key_file(tmp, name="profile"))
    keys = KeyRing(store.sessions, load_config(CAMERAS))
    ingestor = Ingestor(store, keys)
    spent = dict.fromkeys(
        ("open_bundle", "jpeg_decode", "checks_total", "evidence_files", "db_transaction"), 0.0
    )
    topic = f"dendo/v1/{CAMERA}/violation"
    for i in range(0, len(bundles), batch):
        chunk = [d for _, d in bundles[i : i + batch]]
        for data in chunk:  # the two big parts of the checks, alone
            t0 = time.perf_counter()
            vb = open_bundle(data, keys)
            t1 = time.perf_counter()
            check_images(vb)
            spent["open_bundle"] += t1 - t0
            spent["jpeg_decode"] += time.perf_counter() - t1
        t0 = time.perf_counter()
        checked = [ingestor._check(d, topic) for d in chunk]
        t1 = time.perf_counter()
        ingestor._store_files(checked)  # one durable write per batch (syncfs)
        t2 = time.perf_counter()
        ingestor._commit(checked)
        t3 = time.perf_counter()
        spent["checks_total"] += t1 - t0
        spent["evidence_files"] += t2 - t1
        spent["db_transaction"] += t3 - t2
    store.close()
    out = {k: round(v / len(bundles) * 1000, 2) for k, v in spent.items()}
    out["ingest_one_thread"] = round(
        out["checks_total"] + out["evidence_files"] + out["db_transaction"], 2
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=300, help="bundles in the burst phase")
    ap.add_argument("--paced", type=int, default=100, help="bundles in the paced phase")
    ap.add_argument("--rate", type=float, default=30.0, help="paced phase, bundles per second")
    ap.add_argument("--frame", default="480x270", help="noise JPEG frame size (sets bundle size)")
    ap.add_argument("--quality", type=int, default=80)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--receive-maximum", type=int, default=64)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if not MOSQUITTO.exists():
        raise SystemExit(f"Mosquitto not found at {MOSQUITTO}")
    w, h = (int(v) for v in args.frame.split("x"))
    maker = BundleMaker(frame=(w, h), crop=(200, 60), quality=args.quality, unique=True)
    say("building bundles for the profile ...")
    bundles = [maker.make()[:2] for _ in range(96)]
    report: dict[str, Any] = {
        "bundle_bytes": round(statistics.mean(len(d) for _, d in bundles)),
        "frame": f"{w}x{h} noise JPEG q{args.quality}, x3 + 2 crops 200x60",
        "collector": {
            "workers": args.workers,
            "batch_max": args.batch,
            "receive_maximum": args.receive_maximum,
        },
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="dendo-bench-central-") as tmp_name:
        tmp = Path(tmp_name)
        say("profiling the stages in-process ...")
        report["profile_ms_per_bundle"] = profile(tmp, bundles, args.batch)
        for kind in args.db.split(","):
            say(f"{kind}: building {args.count * 2 + args.paced} bundles ...")
            made = [maker.make()[:2] for _ in range(args.count * 2 + args.paced)]
            phases = {
                "burst": made[: args.count],
                "paced": made[args.count : -args.count],
                "drain": made[-args.count :],
            }
            run_dir = tmp / kind
            run_dir.mkdir()
            if kind == "sqlite":
                url = f"sqlite:///{run_dir / 'central.db'}"
                report[kind] = run_db(kind, url, run_dir, phases, args)
                continue
            try:
                cluster = start_cluster(durable=True)
            except PostgresUnavailable as exc:
                report[kind] = {"skipped": str(exc)}
                say(f"postgresql skipped: {exc}")
                continue
            try:
                url = cluster.create_database("bench")
                report[kind] = run_db(kind, url, run_dir, phases, args)
            finally:
                cluster.stop()
    report["target_bundles_per_s"] = 100
    report["target_met"] = {
        k: report[k]["burst"]["bundles_per_s"] >= 100
        for k in ("sqlite", "postgresql")
        if "burst" in report.get(k, {})
    }
    report["machine"] = machine()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
