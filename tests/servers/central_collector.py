"""The real central collector in a subprocess, for tests that SIGKILL it; and the bundle maker the
central tests and scripts/bench_central.py share.

    central_collector.py --config central.yaml [--client-id ID]

Runs `central.collector.serve_main` (what `dendo-central serve` runs) and prints "ready" once
subscribed. `BundleMaker` builds real signed bundles whose frames are JPEGs that decode (noise,
so their size is what the caller asks for), chained per camera like an edge box chains them.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives import serialization
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from common.bundle import (  # noqa: E402
    BundleFile,
    Manifest,
    build_bundle,
    dump_manifest,
    manifest_sha256,
    utc_ms,
    uuid7,
)
from common.signing import Ed25519PrivateKey  # noqa: E402

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # the test box's signing key
BOX, CAMERA = "EB-02", "MT-07"  # MT-07 is on EB-02 in configs/cameras.yaml
T0 = datetime(2026, 11, 22, 7, 15, 3, 120000, tzinfo=UTC)


def key_file(directory: Path, key: Ed25519PrivateKey = KEY, name: str = "eb-02") -> Path:
    """Write the key's public half as PEM (what `keys add` and the config take)."""
    path = Path(directory) / f"{name}.pub.pem"
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.write_bytes(pem)
    return path


def jpeg(width: int, height: int, quality: int = 80, seed: int = 0) -> bytes:
    """A noise image as JPEG: incompressible, so width x height sets the size."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def manifest_fields(camera: str, sequence: int, prev: str | None, **over: Any) -> dict[str, Any]:
    """Valid manifest fields (build_bundle fills files[] and the key id)."""
    crossed = over.pop("crossed_at", T0 + timedelta(seconds=sequence))
    fields: dict[str, Any] = {
        "violation_id": uuid7(),
        "camera_id": camera,
        "site": {"name": "Ấp Bắc – Nguyễn Trãi", "location": {"lat": 10.36, "lon": 106.356}},
        "sequence": sequence,
        "prev_sha256": prev,
        "crossed_at": utc_ms(crossed),
        "red_since": utc_ms(crossed - timedelta(seconds=2.345)),
        "seconds_into_red": 2.345,
        "signal": {"state": "red", "source": "vision", "debounce_frames": 3},
        "vehicle": {"class": "car", "track_id": sequence},
        "cross_frame": 120,
        "frame_boxes": [
            {"role": "frame_cross", "frame_index": 120, "t": 4.8, "box": [12, 40, 112, 240]}
        ],
        "plate": {"text": "63A-123.45", "norm": "63A12345", "confidence": 0.93, "lines": ["63A"]},
        "plate_reason": None,
        "decision": {"rule": "crossed on red", "continued_frames": 6},
        "software": {"name": "dendo", "version": "0.1.0"},
        "config_hash": "c" * 64,
        "model_hashes": {"yolov8n": "d" * 64},
        "edge": {"box": BOX},
        "created_at": utc_ms(crossed + timedelta(seconds=1)),
    }
    fields.update(over)
    return fields


@dataclass
class BundleMaker:
    """Signed, chained bundles with decodable JPEG frames; `frame` sets each frame's pixels."""

    key: Ed25519PrivateKey = KEY
    frame: tuple[int, int] = (64, 48)
    crop: tuple[int, int] = (32, 16)
    quality: int = 80
    unique: bool = False  # a comment segment per file: no two bundles share a stored file
    chains: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    _frames: dict[tuple[int, int], bytes] = field(default_factory=dict)

    def _jpeg(self, size: tuple[int, int], seed: int) -> bytes:
        key = (size[0] * 1_000_003 + size[1], seed)
        if key not in self._frames:  # encoding noise is slow: reuse a few per size
            self._frames[key] = jpeg(*size, self.quality, seed)
        return self._frames[key]

    def files(self, sequence: int, **replace: bytes) -> list[BundleFile]:
        roles = [("frame_before", self.frame), ("frame_cross", self.frame),
                 ("frame_after", self.frame), ("plate_crop", self.crop),
                 ("signal_crop", self.crop)]  # fmt: skip
        out = []
        for i, (role, size) in enumerate(roles):
            data = replace.get(role) or self._jpeg(size, (sequence + i) % 7)
            if self.unique and role not in replace:
                note = f"{uuid7()} {role}".encode()
                data = data[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + data[2:]
            out.append(BundleFile(f"{role}.jpg", role, data, "image/jpeg"))
        return out

    def make(
        self,
        camera: str = CAMERA,
        *,
        sequence: int | None = None,
        prev: str | bool | None = True,
        files: list[BundleFile] | None = None,
        **over: Any,
    ) -> tuple[str, bytes, Manifest]:
        """The next bundle of `camera` (or at `sequence`); prev=True links to the last one made."""
        last_seq, last_sha = self.chains.get(camera, (0, None))
        seq = last_seq + 1 if sequence is None else sequence
        link = last_sha if prev is True else (prev or None)
        fields = manifest_fields(camera, seq, link, **over)
        data, manifest = build_bundle(fields, files or self.files(seq), self.key)
        self.chains[camera] = (seq, manifest_sha256(dump_manifest(manifest)))
        return manifest.violation_id, data, manifest


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM (or SIGKILL)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--client-id")
    ap.add_argument(
        "--health", action="store_true", help="store camera health too (serve's default)"
    )
    args = ap.parse_args(argv)
    from central.collector import serve_main

    ready = lambda: print("ready", flush=True)  # noqa: E731
    return serve_main(args.config, client_id=args.client_id, ready=ready, health=args.health)


if __name__ == "__main__":
    sys.exit(main())
