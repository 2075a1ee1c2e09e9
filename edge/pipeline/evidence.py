"""Turn one detected violation into a signed evidence bundle on disk (edge side).

The frames an officer looks at carry a burned-in data bar (time, camera, place, signal, in
Vietnamese: edge.pipeline.data_bar) so a printed notice still shows the facts without the
manifest. The bar is added *below* the frame: no pixel of the scene is covered.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from common.bundle import (
    BundleFile,
    FileRole,
    build_bundle,
    dump_manifest,
    manifest_sha256,
    utc_ms,
    uuid7,
)
from common.chain import SequenceChain, atomic_write
from common.signing import load_private_key
from edge.pipeline.clip import CONTENT_TYPE as CLIP_TYPE
from edge.pipeline.clip import FILE_NAME as CLIP_NAME
from edge.pipeline.data_bar import burn_data_bar
from edge.pipeline.data_bar import facts as bar_facts

SOFTWARE_NAME = "dendo"
Image = np.ndarray


@dataclass(frozen=True)
class ViolationRecord:
    """What the red-light rule decided, with everything the manifest must explain."""

    camera_id: str
    site_name: str
    lat: float
    lon: float
    track_id: int
    vehicle_class: str
    cross_frame: int
    crossed_at: datetime  # UTC, timezone-aware
    red_since: datetime
    seconds_into_red: float
    signal_state: str
    signal_source: str
    config_hash: str  # hex sha256 of the camera's effective config
    decision: dict[str, Any]
    plate: dict[str, Any] | None  # {text, norm, confidence, lines}
    plate_reason: str | None  # why plate is None
    frame_boxes: list[dict[str, Any]]  # {role, frame_index, t, box}
    signal_debounce_frames: int | None = None
    signal_key_id: str | None = None  # the controller key that vouched for the phase
    cross_t: float | None = None  # stream seconds of the crossing (None: the cross frame's)
    # For the page's overlays (edge.pipeline.overlay_facts); None leaves them out.
    geometry: dict[str, Any] | None = None  # {frame_size, stop_line, direction}
    track: list[dict[str, Any]] | None = None  # [{frame_index, t, box}] around the crossing
    plate_box: dict[str, Any] | None = None  # {frame_index, box, at_cross}
    clip: dict[str, Any] | None = None  # {start_t, fps, frames}


@dataclass(frozen=True)
class EvidenceFrames:
    """The pictures for one violation: (frame_index, t seconds, BGR image) per frame."""

    before: tuple[int, float, Image]
    cross: tuple[int, float, Image]
    after: tuple[int, float, Image]
    plate_crop: Image | None = None
    signal_crop: Image | None = None  # the heads at the crossing
    signal_crop_before: Image | None = None  # ... in the `before` picture
    signal_crop_after: Image | None = None  # ... in the `after` picture
    clip: bytes | None = field(default=None, repr=False)  # WebM (edge.pipeline.clip)


def encode_jpeg(img: Image, quality: int = 90) -> bytes:
    """Baseline JPEG bytes; the same pixels and quality always give the same bytes."""
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality {quality} is not in 1..100")
    image = np.ascontiguousarray(img)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or 0 in image.shape[:2]:
        raise ValueError(f"expected a non-empty uint8 image, got {image.dtype} {image.shape}")
    params = [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 0]
    params += [cv2.IMWRITE_JPEG_PROGRESSIVE, 0]
    ok, buf = cv2.imencode(".jpg", image, params)
    if not ok:
        raise ValueError("OpenCV could not encode the image as JPEG")
    return buf.tobytes()


def _plain(value: Any) -> Any:
    """numpy scalars/arrays and tuples inside the decision, as plain JSON values."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _clock_time(ns: int) -> str:
    return utc_ms(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000))


def dead_letter_dir(state_dir: Path, camera_id: str) -> Path:
    """Where a camera's violations without a bundle are kept (see EvidenceWriter.dead_letter)."""
    return state_dir / "dead-letter" / camera_id


class EvidenceWriter:
    """Writes one signed, chained bundle per violation into `out_dir` (the edge outbox).

    One writer may serve many cameras; each camera has its own SequenceChain in `state_dir`.
    """

    def __init__(
        self,
        private_key_path: str | os.PathLike[str],
        state_dir: str | os.PathLike[str],
        out_dir: str | os.PathLike[str],
        software_version: str,
        model_hashes: Mapping[str, str],
        edge_box: str,
        *,
        jpeg_quality: int,
        clock: Callable[[], int] = time.time_ns,
        models_run: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._key = load_private_key(private_key_path)
        self.state_dir = Path(state_dir)
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.software_version = software_version
        self.model_hashes = dict(model_hashes)
        self.models_run = {k: dict(v) for k, v in (models_run or {}).items()}
        self.edge_box = edge_box
        self.jpeg_quality = jpeg_quality
        self._clock = clock
        self._chains: dict[str, SequenceChain] = {}

    def _chain(self, camera_id: str) -> SequenceChain:
        if camera_id not in self._chains:
            self._chains[camera_id] = SequenceChain(self.state_dir, camera_id)
        return self._chains[camera_id]

    def facts(
        self, v: ViolationRecord, role: str, frame_index: int, t: float, t_cross: float
    ) -> list[tuple[str, str]]:
        """The data-bar facts for one frame (see edge.pipeline.data_bar)."""
        return bar_facts(v, role, frame_index, t, t_cross)

    def _files(self, v: ViolationRecord, frames: EvidenceFrames) -> list[BundleFile]:
        t_cross = frames.cross[1] if v.cross_t is None else v.cross_t
        files = []
        for role, (index, t, image) in (
            ("before", frames.before),
            ("cross", frames.cross),
            ("after", frames.after),
        ):
            picture = burn_data_bar(image, self.facts(v, role, index, t, t_cross))
            data = encode_jpeg(picture, self.jpeg_quality)
            files.append(BundleFile(f"frame_{role}.jpg", f"frame_{role}", data, "image/jpeg"))
        crops = (
            (FileRole.PLATE_CROP, frames.plate_crop),
            (FileRole.SIGNAL_CROP_BEFORE, frames.signal_crop_before),
            (FileRole.SIGNAL_CROP, frames.signal_crop),
            (FileRole.SIGNAL_CROP_AFTER, frames.signal_crop_after),
        )
        for role, crop in crops:
            if crop is not None:
                data = encode_jpeg(crop, self.jpeg_quality)
                files.append(BundleFile(f"{role.value}.jpg", role, data, "image/jpeg"))
        if frames.clip is not None:
            files.append(BundleFile(CLIP_NAME, FileRole.CLIP, bytes(frames.clip), CLIP_TYPE))
        return files

    def manifest_fields(
        self, v: ViolationRecord, sequence: int, prev_sha256: str | None
    ) -> dict[str, Any]:
        """Manifest fields for build_bundle (files[] and edge.key_id are filled there)."""
        return {
            "violation_id": uuid7(self._clock),
            "camera_id": v.camera_id,
            "site": {"name": v.site_name, "location": {"lat": float(v.lat), "lon": float(v.lon)}},
            "sequence": sequence,
            "prev_sha256": prev_sha256,
            "crossed_at": utc_ms(v.crossed_at),
            "red_since": utc_ms(v.red_since),
            "seconds_into_red": round(float(v.seconds_into_red), 3),
            "signal": {
                "state": v.signal_state,
                "source": v.signal_source,
                "debounce_frames": v.signal_debounce_frames,
                "controller_key_id": v.signal_key_id,
            },
            "vehicle": {"class": v.vehicle_class, "track_id": int(v.track_id)},
            "cross_frame": int(v.cross_frame),
            "frame_boxes": _plain(list(v.frame_boxes)),
            "plate": _plain(v.plate),
            "plate_reason": v.plate_reason,
            "decision": _plain(v.decision),
            "software": {"name": SOFTWARE_NAME, "version": self.software_version},
            "config_hash": v.config_hash,
            "model_hashes": self.model_hashes,
            **({"models": self.models_run} if self.models_run else {}),
            "edge": {"box": self.edge_box},
            "created_at": _clock_time(self._clock()),
            "geometry": _plain(v.geometry),
            "track": _plain(v.track),
            "plate_box": _plain(v.plate_box),
            "clip": _plain(v.clip),
        }

    def write(self, violation: ViolationRecord, frames: EvidenceFrames) -> Path:
        """Render, sign, chain and write one bundle; returns `<camera>_<seq>_<id>.zip`.

        The file is written before the chain commits: a crash in between leaves a complete
        bundle in the outbox (the next bundle then links to the one before it) rather than a
        chain entry for evidence that never reached the disk.
        """
        files = self._files(violation, frames)  # rendering errors reserve no sequence
        chain = self._chain(violation.camera_id)
        sequence, prev = chain.next()
        fields = self.manifest_fields(violation, sequence, prev)
        data, manifest = build_bundle(fields, files, self._key)
        name = f"{violation.camera_id}_{sequence:06d}_{manifest.violation_id}.zip"
        path = self.out_dir / name
        atomic_write(path, data)
        chain.commit(sequence, manifest_sha256(dump_manifest(manifest)))
        return path

    def dead_letter(
        self, camera_id: str, what: Mapping[str, Any], pictures: Mapping[str, Image]
    ) -> Path:
        """Keep a violation whose bundle could not be built: `what` is known of it (the
        decision, the plate, the error) as JSON, and the pictures there are as JPEG, in
        `<state_dir>/dead-letter/<camera>/<time>/`. Nothing here is signed or sent: it is for
        an operator to look at (`dendo-edge` logs the path), not evidence."""
        stamp = _clock_time(self._clock()).replace(":", "").replace("-", "")
        parent = dead_letter_dir(self.state_dir, camera_id)
        parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{stamp}_", dir=parent))
        for name, image in pictures.items():
            try:
                atomic_write(folder / f"{name}.jpg", encode_jpeg(image, self.jpeg_quality))
            except (ValueError, cv2.error):  # a picture that cannot be encoded is left out
                continue
        text = json.dumps(_plain(dict(what)), ensure_ascii=False, indent=1, default=str)
        atomic_write(folder / "violation.json", text.encode())
        return folder
