"""The notice's pictures: the offender's box drawn on copies of the signed frames, and the plate.

A frame of a busy junction shows several motorbikes, and the owner must see which one is theirs:
the box the edge tracked (the manifest's `frame_boxes`, in the frame's own pixels, with the
rider's box when one was seen on the machine; the data bar is added below the scene, so the
scene's coordinates stay those of the JPEG) is drawn on a copy for the notice only. The
evidence files are signed and are never touched: every picture here is decoded from their bytes
and encoded anew.

The plate picture is the edge's plate crop when the camera's reading stands. When the officer
typed or corrected the plate, or there is no crop, the crop cannot show what the notice says:
the notice then shows the region of the crossing frame where the plate is (the lower part of
the offender's box, or the plate's own box moved to that frame when the bundle carries one),
enlarged to a legible size and captioned as such, so the owner can compare the plate on the
photograph with the one printed above it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in the frame's pixels

FRAME_ROLES = ("frame_before", "frame_cross", "frame_after")
BOX_COLOUR = (230, 0, 0)  # the offender's box: red, with a white edge to show on dark asphalt
HALO_COLOUR = (255, 255, 255)
JPEG_QUALITY = 90
# The plate region: the lower part of the box (a car's plate, a motorbike's rear plate under
# the seat), a little wider than the box, enlarged to this width at most 6 times.
PLATE_REGION_TOP = 0.45  # fraction of the box height from its top where the region starts
PLATE_REGION_PAD = 0.06  # of the box size, on each side
PLATE_BOX_PAD = (0.6, 1.0)  # around a plate box of its own: of its width, of its height
PLATE_REGION_WIDTH = 480
PLATE_REGION_MAX_SCALE = 6.0

PLATE_CROP_LABEL = "Biển kiểm soát (ảnh camera)"
PLATE_REGION_LABEL = "Vùng biển số trên ảnh lúc vượt vạch"


@dataclass(frozen=True)
class NoticePicture:
    """One picture as printed: its role, caption and encoded bytes (JPEG)."""

    role: str
    label: str
    data: bytes
    marked: bool = False  # the offender's box is drawn on it


def _as_box(value: Any) -> Box | None:
    """Four finite numbers making a box of some size, or None."""
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    finite = all(math.isfinite(v) for v in (x1, y1, x2, y2))
    return (x1, y1, x2, y2) if finite and x2 > x1 and y2 > y1 else None


def _per_role(
    manifest: Mapping[str, Any], box_of: Callable[[Mapping[str, Any]], Box | None]
) -> dict[str, Box]:
    boxes: dict[str, Box] = {}
    for entry in manifest.get("frame_boxes") or []:
        role, box = entry.get("role"), box_of(entry)
        if role in FRAME_ROLES and box is not None:
            boxes[str(role)] = box
    return boxes


def frame_boxes(manifest: Mapping[str, Any]) -> dict[str, Box]:
    """The offender's box per evidence frame, from a stored manifest (already validated at
    ingest); a frame without a usable box is left out, so its picture goes unmarked. For a
    two-wheeler this is the machine's box, which holds the plate."""
    return _per_role(manifest, lambda entry: _as_box(entry.get("box")))


def road_user_box(entry: Mapping[str, Any]) -> Box | None:
    """The box to draw around the offender on one frame: the machine's box with its rider's
    (`rider`, newer bundles) when the edge saw one on it. Seen from behind in a queue, a
    motorbike's box is a strip under its rider; the rider is what tells it from the next."""
    box = _as_box(entry.get("box"))
    rider = _as_box(entry.get("rider"))
    if box is None or rider is None:
        return box
    return (min(box[0], rider[0]), min(box[1], rider[1]),
            max(box[2], rider[2]), max(box[3], rider[3]))  # fmt: skip


def road_user_boxes(manifest: Mapping[str, Any]) -> dict[str, Box]:
    """`road_user_box` per evidence frame role (frames without a usable box left out)."""
    return _per_role(manifest, road_user_box)


def plate_box_at_cross(manifest: Mapping[str, Any]) -> Box | None:
    """The plate's box on the crossing frame, when the bundle says where it is (newer bundles:
    `plate_box.at_cross`); None otherwise, and the offender's box locates the plate."""
    plate_box = manifest.get("plate_box")
    box = plate_box.get("at_cross") if isinstance(plate_box, Mapping) else None
    if not isinstance(box, list | tuple) or len(box) != 4:
        return None
    x1, y1, x2, y2 = (float(v) for v in box)
    return (x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def line_width(image_width: int) -> int:
    """The box's line width in pixels: about 0.15 mm when the frame is printed 50 mm wide."""
    return max(3, round(image_width / 400))


def _clipped(box: Box, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    w, h = size
    x1, y1 = max(0, round(box[0])), max(0, round(box[1]))
    x2, y2 = min(w - 1, round(box[2])), min(h - 1, round(box[3]))
    return (x1, y1, x2, y2) if x2 - x1 >= 2 and y2 - y1 >= 2 else None


def mark_offender(data: bytes, box: Box) -> bytes | None:
    """A copy of a frame with the offender's box drawn on it, centred on the box's edges
    (a white halo either side of the red line); None when the box lies outside the frame."""
    image = _decode(data)
    rect = _clipped(box, image.size)
    if rect is None:
        return None
    width = line_width(image.width)
    draw = ImageDraw.Draw(image)
    for colour, w in ((HALO_COLOUR, width + 2), (BOX_COLOUR, width)):
        half = w // 2
        x1, y1, x2, y2 = rect
        draw.rectangle((x1 - half, y1 - half, x2 + half, y2 + half), outline=colour, width=w)
    return _encode(image)


def plate_region_box(
    box: Box, size: tuple[int, int], plate: Box | None = None
) -> tuple[int, int, int, int] | None:
    """Where the plate is in the frame: around the plate's own box when known, else the lower
    part of the offender's box, padded."""
    if plate is not None:
        x1, y1, x2, y2 = plate
        pad_x, pad_y = PLATE_BOX_PAD[0] * (x2 - x1), PLATE_BOX_PAD[1] * (y2 - y1)
        return _clipped((x1 - pad_x, y1 - pad_y, x2 + pad_x, y2 + pad_y), size)
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    pad_x, pad_y = PLATE_REGION_PAD * bw, PLATE_REGION_PAD * bh
    region = (x1 - pad_x, y1 + PLATE_REGION_TOP * bh, x2 + pad_x, y2 + pad_y)
    return _clipped(region, size)


def plate_region(data: bytes, box: Box, plate: Box | None = None) -> bytes | None:
    """The plate's region of a frame, enlarged (Lanczos) so the characters can be read on
    paper; None when the box lies outside the frame."""
    image = _decode(data)
    region = plate_region_box(box, image.size, plate)
    if region is None:
        return None
    crop = image.crop((region[0], region[1], region[2] + 1, region[3] + 1))
    scale = min(PLATE_REGION_MAX_SCALE, max(1.0, PLATE_REGION_WIDTH / crop.width))
    size = (round(crop.width * scale), round(crop.height * scale))
    return _encode(crop.resize(size, Image.Resampling.LANCZOS))


def frame_pictures(
    images: Mapping[str, bytes], boxes: Mapping[str, Box], labels: Mapping[str, str]
) -> list[NoticePicture]:
    """The three frames in print order, each marked with the offender's box when it has one
    (the original bytes, unmarked, otherwise)."""
    pictures = []
    for role in FRAME_ROLES:
        if role not in images:
            continue
        marked = mark_offender(images[role], boxes[role]) if role in boxes else None
        data = images[role] if marked is None else marked
        pictures.append(NoticePicture(role, labels[role], data, marked is not None))
    return pictures


def plate_picture(
    images: Mapping[str, bytes],
    boxes: Mapping[str, Box],
    plate_typed: bool,
    plate_at_cross: Box | None = None,
) -> NoticePicture | None:
    """The plate crop when the camera's reading stands; otherwise (the officer typed or
    corrected the plate, or there is no crop) the plate's region of the crossing frame. None
    when neither exists: the notice then shows no plate picture rather than a wrong one."""
    if not plate_typed and "plate_crop" in images:
        return NoticePicture("plate_crop", PLATE_CROP_LABEL, images["plate_crop"])
    if "frame_cross" in images and "frame_cross" in boxes:
        region = plate_region(images["frame_cross"], boxes["frame_cross"], plate_at_cross)
        if region is not None:
            return NoticePicture("plate_region", PLATE_REGION_LABEL, region)
    return None
