"""A stored case for the notice tests: a signed bundle of three frames of the real Vietnamese
intersection video (drawn stand-ins when it is absent), the offender's boxes, the evidence files
stored by content hash, and the owner in the registry."""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from central.db import (
    CONFIRMED,
    NOTICE_ISSUED,
    Base,
    Bundle,
    Case,
    EvidenceFile,
    Owner,
    create_engine_for,
)
from common.bundle import BundleFile, build_bundle, manifest_sha256, uuid7
from common.manifest import dump_manifest
from common.signing import Ed25519PrivateKey
from tests.paths import MEDIA

VIDEO = MEDIA / "vn_a.mp4"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
CROSSED = datetime(2026, 11, 22, 7, 15, 3, 120_000, tzinfo=UTC)  # 14:15:03 in Mỹ Tho
ISSUED = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 on 24/11/2026 local
FRAME_ROLES = ("frame_before", "frame_cross", "frame_after")
FRAME_INDEXES = (100, 110, 120)  # vn_a's second violator crosses at frame 110
CROSS_FRAME = 110
# The offender in vn_a at frames 100, 110, 120 (the crossing box is the ground truth's
# bbox_at_cross; the others were drawn by eye on the frames): the rider on the right, not the
# one who waits at the line on the left.
VIDEO_BOXES = ((860, 292, 948, 458), (859, 279, 933, 394), (850, 178, 915, 300))
DRAWN_BOXES = ((600, 520, 860, 700), (600, 370, 860, 550), (600, 220, 860, 400))
Box = tuple[float, float, float, float]


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=88)
    return out.getvalue()


def _video_frames() -> list[Image.Image] | None:
    """Three frames of the real Vietnamese intersection video, when it and OpenCV are here."""
    try:
        import cv2
    except ImportError:
        return None
    if not VIDEO.is_file():
        return None
    cap = cv2.VideoCapture(str(VIDEO))
    frames = []
    for index in FRAME_INDEXES:
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, bgr = cap.read()
        if not ok:
            return None
        frames.append(Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    cap.release()
    return frames


def _drawn_frames() -> list[Image.Image]:
    """Stand-ins when the video is absent: road, stop line, a car moving up past it, red lamp,
    and a second car beside it that is not the offender."""
    frames = [Image.new("RGB", (1620, 720), (96, 100, 104)) for _ in range(3)]
    for img, box in zip(frames, DRAWN_BOXES, strict=True):
        draw = ImageDraw.Draw(img)
        draw.line([(110, 395), (1290, 387)], fill=(240, 240, 240), width=8)
        draw.rectangle(box, fill=(30, 60, 170))
        draw.rectangle((1000, 420, 1240, 600), fill=(150, 40, 40))
        x1, _, x2, y2 = box
        draw.rectangle((x1 + 80, y2 - 50, x2 - 80, y2 - 20), fill=(235, 235, 235))  # its plate
        draw.ellipse([1547, 24, 1577, 54], fill=(230, 20, 20))
    return frames


@functools.cache
def _evidence() -> tuple[dict[str, bytes], tuple[Box, ...]]:
    video = _video_frames()
    frames = video or _drawn_frames()
    boxes = VIDEO_BOXES if video else DRAWN_BOXES
    plate = Image.new("RGB", (260, 60), (235, 235, 235))
    draw = ImageDraw.Draw(plate)
    draw.rectangle([1, 1, 258, 58], outline=(20, 20, 20), width=3)
    draw.text((30, 18), "63A-123.45", fill=(10, 10, 10), font_size=26)
    signal = frames[1].crop((1545, 20, 1579, 106))  # the signal head's ROI in vn_a
    images = {r: jpeg(f) for r, f in zip(FRAME_ROLES, frames, strict=True)}
    images |= {"plate_crop": jpeg(plate), "signal_crop": jpeg(signal)}
    return images, tuple((float(a), float(b), float(c), float(d)) for a, b, c, d in boxes)


def evidence_images() -> dict[str, bytes]:
    """before / crossing / after frames, the plate crop and the signal crop, as JPEG bytes."""
    return dict(_evidence()[0])


def offender_boxes() -> dict[str, Box]:
    """The offender's box in each of the three frames, by role."""
    return dict(zip(FRAME_ROLES, _evidence()[1], strict=True))


def frame_boxes_field(roles: tuple[str, ...] = FRAME_ROLES) -> list[dict[str, Any]]:
    """The manifest's frame_boxes for the given frames, as the edge writes them."""
    boxes = offender_boxes()
    return [
        {"role": role, "frame_index": index, "t": round(index / 30, 3), "box": list(boxes[role]),
         "offset_frames": index - CROSS_FRAME}
        for role, index in zip(FRAME_ROLES, FRAME_INDEXES, strict=True)
        if role in roles
    ]  # fmt: skip


def manifest_fields(vehicle_class: str, plate: str, norm: str, **changes: Any) -> dict[str, Any]:
    site = {
        "name": "Ấp Bắc – Nguyễn Trãi, approach from the west",
        "location": {"lat": 10.36, "lon": 106.356},
    }
    fields = {
        "violation_id": uuid7(lambda: 1_795_000_000_000_000_000), "camera_id": "MT-07",
        "site": site, "sequence": 42, "prev_sha256": "ab" * 32,
        "crossed_at": "2026-11-22T07:15:03.120Z", "red_since": "2026-11-22T07:15:00.775Z",
        "seconds_into_red": 2.345,
        "signal": {"state": "red", "source": "vision", "debounce_frames": 3},
        "vehicle": {"class": vehicle_class, "track_id": 17}, "cross_frame": CROSS_FRAME,
        "frame_boxes": frame_boxes_field(), "plate_reason": None,
        "plate": {"text": plate, "norm": norm, "confidence": 0.93, "lines": [plate]},
        "decision": {"rule": "crossed on red", "continued_frames": 6},
        "software": {"name": "dendo", "version": "0.1.0"}, "config_hash": "c" * 64,
        "model_hashes": {"yolov8n": "d" * 64}, "edge": {"box": "EB-02"},
        "created_at": "2026-11-22T07:15:04.002Z",
    }  # fmt: skip
    return fields | changes


def store_case(
    session: Session,
    root: Path,
    *,
    state: str = NOTICE_ISSUED,
    vehicle_class: str = "car",
    registered_class: str = "car",
    plate: str = "63A-123.45",
    norm: str = "63A12345",
    plate_corrected: bool = False,
    roles: tuple[str, ...] | None = None,
    id_number: str = "082085001234",
    **manifest_changes: Any,
) -> Case:
    """A case as the collector and the review leave it: bundle, evidence files, owner.
    `roles` limits the evidence files (e.g. no plate_crop); manifest fields may be changed."""
    images = {r: d for r, d in evidence_images().items() if roles is None or r in roles}
    files = [BundleFile(f"{role}.jpg", role, data, "image/jpeg") for role, data in images.items()]
    fields = manifest_fields(vehicle_class, plate, norm, **manifest_changes)
    zipped, manifest = build_bundle(fields, files, KEY)
    vid = manifest.violation_id
    session.add(
        Bundle(
            violation_id=vid, camera_id="MT-07", box="EB-02", key_id=manifest.edge.key_id,
            sha256=hashlib.sha256(zipped).hexdigest(), sequence=42, size=len(zipped),
            manifest_sha256=manifest_sha256(dump_manifest(manifest)), crossed_at=CROSSED,
            path=f"bundles/{vid}.zip", manifest=manifest.model_dump(mode="json", by_alias=True),
        )
    )  # fmt: skip
    for f in files:
        sha = hashlib.sha256(f.data).hexdigest()
        rel = f"files/{sha[:2]}/{sha}"  # stored by content hash, relative to the store root
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(f.data)
        session.add(
            EvidenceFile(
                violation_id=vid, name=f.name, role=str(f.role), sha256=sha, size=len(f.data),
                path=rel,
            )
        )  # fmt: skip
    session.add(
        Owner(
            plate_norm=norm, plate_text=plate, name="Nguyễn Văn Hùng",
            address="12 Ấp Bắc, Phường 5, TP Mỹ Tho, Tiền Giang", id_number=id_number,
            vehicle_class=registered_class,
        )
    )  # fmt: skip
    session.flush()  # no relationship orders these inserts before the case's foreign keys
    issued = state != CONFIRMED
    case = Case(
        violation_id=vid, camera_id="MT-07", crossed_at=CROSSED, vehicle_class=vehicle_class,
        seconds_into_red=2.345, signal_state="red", plate_text=plate, plate_norm=norm,
        plate_corrected=plate_corrected, state=state, owner_plate=norm if issued else None,
        notice_number="MT-2026-000123" if issued else None,
        notice_issued_at=ISSUED if issued else None,
        deadline_at=ISSUED + timedelta(days=20) if issued else None,
    )  # fmt: skip
    session.add(case)
    session.flush()
    return case


def notice_session(tmp_path: Path) -> Iterator[Session]:
    """A fresh SQLite database with the schema, for one test."""
    engine = create_engine_for("sqlite:///" + str(tmp_path / "c.db"))
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def html_images(html: str) -> dict[str, bytes]:
    """The images a rendered notice embeds, by their alt text (their caption)."""
    found = re.findall(r'<img src="data:image/[a-z]+;base64,([^"]+)" alt="([^"]+)">', html)
    return {alt: base64.b64decode(data) for data, alt in found}
