"""A stand-in for the central collector until it exists: log each bundle, then send its receipt.

Run as a subprocess with the venv python:
    receipt_sender.py --host H --port P --log FILE [--username U --password PW] [--public-key PEM]

Subscribes to the central shared subscription with QoS 1 and a persistent MQTT 5 session
(clean_start False, session expiry), so bundles published while it is down wait at the broker.
For every bundle it reads the manifest (or fully verifies the bundle with --public-key),
appends one JSON line {violation_id, sha256, topic, status} to FILE and flushes it to the OS
BEFORE publishing the receipt: a receipt always means "written" (the real collector's will mean
"committed"). No fsync: on a test machine the collector would share the edge's disk flushes,
which a real one on its own server does not. Prints "ready" once subscribed. SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the tests package, for the shared test keys
    sys.path.insert(0, str(REPO))

from common.bundle import (  # noqa: E402
    MANIFEST_NAME,
    MAX_FILES,
    MAX_MEMBER,
    MAX_SIZE,
    BundleError,
    open_bundle,
)
from common.manifest import parse_manifest  # noqa: E402
from common.reasons import QuarantineReason  # noqa: E402
from common.signing import key_id, load_public_key  # noqa: E402
from common.topics import CENTRAL_SUBSCRIPTION, Receipt, camera_of, receipt_topic  # noqa: E402
from common.zipsafe import read_members  # noqa: E402
from tests.keys import RECEIPT_KEY  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM/SIGINT."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True, help="append one JSON line per bundle received")
    ap.add_argument("--username")
    ap.add_argument("--password")
    ap.add_argument("--public-key", help="verify signatures with this PEM (else manifest only)")
    ap.add_argument("--client-id", default="dendo-central-test")
    args = ap.parse_args(argv)
    keys = {}
    if args.public_key:
        key = load_public_key(args.public_key)
        keys[key_id(key)] = key
    seen: set[str] = set()
    out = open(args.log, "a", encoding="utf-8")
    ready = [False]

    def on_connect(client: mqtt.Client, _u: Any, flags: Any, rc: Any, _p: Any) -> None:
        if rc.is_failure:
            print(f"receipt_sender: connect refused: {rc}", file=sys.stderr, flush=True)
            return
        sock = client.socket()
        if isinstance(sock, socket.socket):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.subscribe(CENTRAL_SUBSCRIPTION, qos=1)  # again: a crashed broker may lose it

    def on_subscribe(_c: mqtt.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        if not ready[0] and not codes[0].is_failure:
            ready[0] = True
            print("ready", flush=True)

    def on_message(client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        data = bytes(msg.payload)
        digest = hashlib.sha256(data).hexdigest()
        try:
            camera = camera_of(msg.topic)
            members = read_members(data, MAX_FILES, MAX_MEMBER, MAX_SIZE)
            if MANIFEST_NAME not in members:
                raise BundleError(QuarantineReason.MISSING_MANIFEST, "no manifest.json")
            vid = parse_manifest(members[MANIFEST_NAME]).violation_id
        except (BundleError, ValueError) as exc:  # no id to answer to: the edge will resend
            print(f"receipt_sender: unreadable bundle on {msg.topic}: {exc}", file=sys.stderr)
            return
        status, reason = ("duplicate" if vid in seen else "stored"), None
        if keys:
            try:
                open_bundle(data, keys)
            except BundleError as exc:  # kept with its reason, as the collector will
                status, reason = "quarantined", str(exc)
        seen.add(vid)
        line = {"violation_id": vid, "sha256": digest, "topic": msg.topic, "status": status}
        out.write(json.dumps(line) + "\n")
        out.flush()  # in the OS before the receipt: survives this process being killed
        receipt = Receipt(violation_id=vid, camera_id=camera, sha256=digest, status=status,
                          reason=reason, at=datetime.now(UTC))  # fmt: skip
        signed = receipt.signed_with(RECEIPT_KEY)  # the centre signs every receipt
        client.publish(receipt_topic(camera), signed.to_bytes(), qos=1)

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=args.client_id, protocol=mqtt.MQTTv5
    )
    if args.username:
        client.username_pw_set(args.username, args.password)
    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    client.max_inflight_messages_set(100)
    client.reconnect_delay_set(1, 2)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    client.connect_async(args.host, args.port, keepalive=10, clean_start=False, properties=props)

    def stop(*_a: Any) -> None:
        client.disconnect()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    client.loop_forever(retry_first_connection=True)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
