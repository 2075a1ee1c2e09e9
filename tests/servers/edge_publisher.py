"""An edge camera worker reduced to its delivery half, for tests that SIGKILL the edge process.

    edge_publisher.py --port P --outbox FILE --camera MT-07 --count N [--keepalive 5]

Starts a Publisher on the outbox, submits N small real bundles (signed, valid manifests), prints
"submitted N" and then "connected" once the broker has it (if it ever does), and runs until
killed. Also home of `sample_bundle`, the bundle maker the transport tests and benchmark share.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the tests package, for the shared test keys
    sys.path.insert(0, str(REPO))

from common.bundle import BundleFile, build_bundle, utc_ms, uuid7  # noqa: E402
from common.config.box import BrokerConfig  # noqa: E402
from common.signing import Ed25519PrivateKey  # noqa: E402
from edge.delivery.outbox import Outbox  # noqa: E402
from edge.delivery.publish import Publisher  # noqa: E402
from tests.keys import RECEIPT_KEYS  # noqa: E402

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
_ROLES = [
    ("frame_before", 0.3),
    ("frame_cross", 0.3),
    ("frame_after", 0.3),
    ("plate_crop", 0.06),
    ("signal_crop", 0.04),
]


def sample_bundle(camera_id: str, sequence: int, size: int = 4000) -> tuple[str, bytes]:
    """(violation_id, ZIP bytes) of a valid signed bundle of roughly `size` bytes."""
    vid = uuid7()
    crossed = datetime(2026, 11, 22, 7, 15, 3, 120000, tzinfo=UTC) + timedelta(seconds=sequence)
    red_since = crossed - timedelta(seconds=2.345)
    fields = {
        "violation_id": vid,
        "camera_id": camera_id,
        "site": {"name": "Ấp Bắc – Nguyễn Trãi", "location": {"lat": 10.36, "lon": 106.356}},
        "sequence": sequence,
        "prev_sha256": hashlib.sha256(str(sequence).encode()).hexdigest(),
        "crossed_at": utc_ms(crossed),
        "red_since": utc_ms(red_since),
        "seconds_into_red": 2.345,
        "signal": {"state": "red", "source": "vision", "debounce_frames": 3},
        "vehicle": {"class": "motorbike", "track_id": sequence},
        "cross_frame": 120,
        "frame_boxes": [
            {"role": "frame_cross", "frame_index": 120, "t": 4.8, "box": [12, 40, 112, 240]}
        ],
        "plate": None,
        "plate_reason": "test bundle",
        "decision": {"rule": "crossed on red"},
        "software": {"name": "dendo", "version": "0.1.0"},
        "config_hash": "c" * 64,
        "model_hashes": {"yolov8n": "d" * 64},
        "edge": {"box": "EB-01"},
        "created_at": utc_ms(crossed + timedelta(seconds=1)),
    }
    files = [
        BundleFile(
            f"{role}.jpg", role, b"\xff\xd8" + os.urandom(max(16, int(size * share))), "image/jpeg"
        )
        for role, share in _ROLES
    ]
    data, _ = build_bundle(fields, files, KEY)
    return vid, data


def main(argv: list[str] | None = None) -> int:
    """Submit the bundles and keep delivering until killed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--outbox", type=Path, required=True)
    ap.add_argument("--camera", default="MT-07")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--keepalive", type=int, default=5)
    ap.add_argument("--resend-after", type=float, default=30.0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    broker = BrokerConfig(
        host=args.host,
        port=args.port,
        keepalive_s=args.keepalive,
        reconnect_min_s=1,
        reconnect_max_s=2,
    )
    outbox = Outbox(args.outbox, 1 << 30)
    publisher = Publisher(
        broker,
        args.camera,
        outbox,
        resend_after_s=args.resend_after,
        resend_max_s=600,
        heartbeat_s=30,
        receipt_keys=RECEIPT_KEYS,
    ).start()
    for i in range(args.count):
        publisher.submit(*sample_bundle(args.camera, i + 1))
    print(f"submitted {args.count}", flush=True)
    while not publisher.connected:
        time.sleep(0.05)
    print("connected", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
