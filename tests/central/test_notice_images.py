"""The notice's pictures: the offender's box drawn on copies of the three frames (the signed
evidence files byte for byte unchanged), and the plate picture: the camera's crop, or the
plate's region of the crossing frame when the officer typed the plate or there is no crop."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import EvidenceFile
from central.fines import load_fines
from central.notice_images import (
    BOX_COLOUR,
    PLATE_CROP_LABEL,
    PLATE_REGION_LABEL,
    PLATE_REGION_WIDTH,
    Box,
    line_width,
    mark_offender,
    plate_region_box,
    road_user_box,
)
from central.notices import IMAGE_ROLES, notice_data_for, render_notice_html
from tests.central.notice_fixtures import (
    FRAME_ROLES,
    evidence_images,
    frame_boxes_field,
    html_images,
    notice_session,
    offender_boxes,
    store_case,
)

FINES = load_fines()


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    yield from notice_session(tmp_path)


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _edge_points(box: tuple[float, float, float, float]) -> dict[str, tuple[int, int]]:
    """The middle of each of the box's four edges, where the drawn line is centred."""
    x1, y1, x2, y2 = (round(v) for v in box)
    return {
        "top": ((x1 + x2) // 2, y1),
        "bottom": ((x1 + x2) // 2, y2),
        "left": (x1, (y1 + y2) // 2),
        "right": (x2, (y1 + y2) // 2),
    }


def _is_box_red(pixel: tuple[int, ...]) -> bool:
    r, g, b = pixel[:3]
    return r > 170 and g < 90 and b < 90


def _render(session: Session, root: Path, **kw: object) -> str:
    case = store_case(session, root, **kw)  # type: ignore[arg-type]
    return render_notice_html(notice_data_for(session, case, root, 20, FINES))


@pytest.mark.parametrize("role", FRAME_ROLES)
def test_offender_box_is_drawn_on_the_notice_frame(
    session: Session, tmp_path: Path, role: str
) -> None:
    html = _render(session, tmp_path)
    shown = _image(html_images(html)[IMAGE_ROLES[role]])
    original = _image(evidence_images()[role])
    assert shown.size == original.size, f"{role}: the notice's copy changed the frame's size"
    for edge, (x, y) in _edge_points(offender_boxes()[role]).items():
        pixel = shown.getpixel((x, y))
        assert isinstance(pixel, tuple)
        assert _is_box_red(pixel), (
            f"{role}: no red box line at the {edge} edge ({x}, {y}): pixel {pixel}, "
            f"original {original.getpixel((x, y))}"
        )
    # away from the box, the copy is the frame (only re-encoded)
    far = (40, 40, 400, 200)
    diff = ImageStat.Stat(ImageChops.difference(shown.crop(far), original.crop(far))).mean
    assert max(diff) < 4, f"{role}: the copy differs from the frame away from the box: {diff}"
    assert "Khung đỏ: phương tiện nêu trong thông báo này" in html, "the box is not explained"


def _with_riders() -> tuple[list[dict[str, Any]], dict[str, Box]]:
    """frame_boxes whose machine carries a rider standing above it and a little wider, and
    the road user's box (machine and rider) per role."""
    fields: list[dict[str, Any]] = []
    union: dict[str, Box] = {}
    for entry in frame_boxes_field():
        x1, y1, x2, y2 = entry["box"]
        h = y2 - y1
        rider = [x1 - 10.0, y1 - 0.5 * h, x2 + 10.0, y1 + 0.4 * h]
        fields.append({**entry, "rider": rider})
        union[entry["role"]] = (x1 - 10.0, y1 - 0.5 * h, x2 + 10.0, y2)
    return fields, union


def test_a_rider_seen_on_the_machine_is_inside_the_drawn_box(
    session: Session, tmp_path: Path
) -> None:
    fields, union = _with_riders()
    html = _render(session, tmp_path, vehicle_class="motorcycle", registered_class="motorcycle",
                   frame_boxes=fields, plate_corrected=True)  # fmt: skip
    shown = html_images(html)
    for role in FRAME_ROLES:
        picture = _image(shown[IMAGE_ROLES[role]])
        for edge, (x, y) in _edge_points(union[role]).items():
            pixel = picture.getpixel((x, y))
            assert isinstance(pixel, tuple)
            assert _is_box_red(pixel), f"{role}: the rider is outside the drawn box ({edge} edge)"
    cross = _image(evidence_images()["frame_cross"])
    where = plate_region_box(offender_boxes()["frame_cross"], cross.size)
    assert where is not None
    region = _image(shown[PLATE_REGION_LABEL])
    source = cross.crop((where[0], where[1], where[2] + 1, where[3] + 1))
    back = region.resize(source.size, Image.Resampling.LANCZOS)
    diff = ImageStat.Stat(ImageChops.difference(back, source)).mean
    assert max(diff) < 12, f"the plate region is not the machine's lower part: diff {diff}"


@pytest.mark.parametrize(
    ("case", "entry", "expected"),
    [
        ("no rider (older bundles)", {"box": [10, 20, 30, 40]}, (10.0, 20.0, 30.0, 40.0)),
        ("rider null", {"box": [10, 20, 30, 40], "rider": None}, (10.0, 20.0, 30.0, 40.0)),
        ("rider above and wider", {"box": [10, 20, 30, 40], "rider": [5, 0, 35, 30]},
         (5.0, 0.0, 35.0, 40.0)),
        ("an empty rider box is ignored", {"box": [10, 20, 30, 40], "rider": [5, 5, 5, 5]},
         (10.0, 20.0, 30.0, 40.0)),
        ("no machine box: nothing to draw", {"rider": [5, 0, 35, 30]}, None),
    ],
)  # fmt: skip
def test_the_road_users_box_is_the_machine_with_its_rider(
    case: str, entry: dict[str, object], expected: tuple[float, ...] | None
) -> None:
    assert road_user_box(entry) == expected, case


def test_evidence_files_stay_byte_identical_after_rendering(
    session: Session, tmp_path: Path
) -> None:
    before = {p: p.read_bytes() for p in tmp_path.rglob("files/*/*")}
    html = _render(session, tmp_path)
    shown = html_images(html)
    rows = session.scalars(select(EvidenceFile)).all()
    assert {r.role for r in rows} >= set(FRAME_ROLES)
    for row in rows:
        data = (tmp_path / row.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256, f"{row.name} was changed on disk"
        assert data == evidence_images()[row.role], f"{row.name} is not the original bytes"
        if row.role in FRAME_ROLES:
            assert shown[IMAGE_ROLES[row.role]] != data, f"{row.role}: the notice shows no mark"
    after = {p: p.read_bytes() for p in tmp_path.rglob("files/*/*")}
    assert after.keys() >= before.keys() and all(after[p] == before[p] for p in before)


def test_a_frame_without_a_box_is_shown_unmarked_and_said_so(
    session: Session, tmp_path: Path
) -> None:
    html = _render(session, tmp_path, frame_boxes=frame_boxes_field(("frame_cross",)))
    shown = html_images(html)
    assert shown[IMAGE_ROLES["frame_before"]] == evidence_images()["frame_before"]
    assert shown[IMAGE_ROLES["frame_cross"]] != evidence_images()["frame_cross"]
    assert html.count("(không có khung đánh dấu)") == 2, "the unmarked frames are not named"


def test_a_bundle_without_boxes_shows_the_frames_as_they_are(
    session: Session, tmp_path: Path
) -> None:
    html = _render(session, tmp_path, frame_boxes=[])
    shown = html_images(html)
    for role in FRAME_ROLES:
        assert shown[IMAGE_ROLES[role]] == evidence_images()[role], role
    assert "Khung đỏ" not in html and "không có khung đánh dấu" not in html


@pytest.mark.parametrize(
    ("plate_corrected", "roles", "expected"),
    [
        (False, None, "crop"),
        (True, None, "region"),  # the officer typed or corrected the plate
        (False, ("frame_before", "frame_cross", "frame_after", "signal_crop"), "region"),
    ],
    ids=["camera-read-with-crop", "plate-typed", "no-crop"],
)
def test_plate_picture_is_the_crop_or_the_region_of_the_crossing_frame(
    session: Session,
    tmp_path: Path,
    plate_corrected: bool,
    roles: tuple[str, ...] | None,
    expected: str,
) -> None:
    html = _render(session, tmp_path, plate_corrected=plate_corrected, roles=roles)
    shown = html_images(html)
    if expected == "crop":
        assert shown.get(PLATE_CROP_LABEL) == evidence_images()["plate_crop"], (
            "the camera's plate crop is not on the notice as stored"
        )
        assert PLATE_REGION_LABEL not in shown
        return
    assert PLATE_CROP_LABEL not in shown, "a typed plate must not sit beside the camera's crop"
    assert PLATE_REGION_LABEL in shown, f"no plate region on the notice: {sorted(shown)}"
    region = _image(shown[PLATE_REGION_LABEL])
    cross = _image(evidence_images()["frame_cross"])
    where = plate_region_box(offender_boxes()["frame_cross"], cross.size)
    assert where is not None
    x1, y1, x2, y2 = where
    assert y1 > offender_boxes()["frame_cross"][1], "the region is not the box's lower part"
    source = cross.crop((x1, y1, x2 + 1, y2 + 1))
    legible = min(PLATE_REGION_WIDTH, 6 * source.width) - 1
    assert region.width >= legible and region.width > source.width, (
        f"the region is not enlarged to a legible size: {region.size} from {source.size}"
    )
    back = region.resize(source.size, Image.Resampling.LANCZOS)
    diff = ImageStat.Stat(ImageChops.difference(back, source)).mean
    assert max(diff) < 12, f"the region does not show that part of frame_cross: diff {diff}"


def test_no_plate_picture_when_there_is_neither_crop_nor_crossing_box(
    session: Session, tmp_path: Path
) -> None:
    html = _render(
        session,
        tmp_path,
        plate_corrected=True,
        frame_boxes=frame_boxes_field(("frame_before", "frame_after")),
    )
    shown = html_images(html)
    assert PLATE_CROP_LABEL not in shown and PLATE_REGION_LABEL not in shown, sorted(shown)


def test_the_bundles_plate_box_at_the_crossing_locates_the_region(
    session: Session, tmp_path: Path
) -> None:
    x1, y1, x2, y2 = offender_boxes()["frame_cross"]
    w, h = x2 - x1, y2 - y1
    at_cross = (x1 + 0.3 * w, y1 + 0.62 * h, x2 - 0.3 * w, y1 + 0.72 * h)
    plate_box = {"frame_index": 108, "box": [1.0, 2.0, 30.0, 12.0], "at_cross": list(at_cross)}
    html = _render(session, tmp_path, plate_corrected=True, plate_box=plate_box)
    region = _image(html_images(html)[PLATE_REGION_LABEL])
    cross = _image(evidence_images()["frame_cross"])
    where = plate_region_box(offender_boxes()["frame_cross"], cross.size, at_cross)
    assert where is not None and where != plate_region_box((x1, y1, x2, y2), cross.size)
    source = cross.crop((where[0], where[1], where[2] + 1, where[3] + 1))
    back = region.resize(source.size, Image.Resampling.LANCZOS)
    diff = ImageStat.Stat(ImageChops.difference(back, source)).mean
    assert max(diff) < 12, f"the region is not around plate_box.at_cross: diff {diff}"


def test_a_plate_box_of_its_own_locates_the_region() -> None:
    box = (800.0, 300.0, 900.0, 450.0)
    plate = (830.0, 400.0, 860.0, 415.0)
    assert plate_region_box(box, (1620, 720), plate) == (812, 385, 878, 430)
    assert plate_region_box(box, (1620, 720)) == (794, 368, 906, 459)


@pytest.mark.parametrize(
    ("box", "marked"),
    [
        ((5000.0, 5000.0, 5100.0, 5100.0), False),  # outside the frame
        ((-50.0, -50.0, 60.0, 60.0), True),  # partly outside: clipped
    ],
    ids=["outside", "partly-outside"],
)
def test_a_box_outside_the_frame_is_not_drawn(
    box: tuple[float, float, float, float], marked: bool
) -> None:
    result = mark_offender(evidence_images()["frame_cross"], box)
    assert (result is not None) == marked, f"box {box}: marked={result is not None}"


def test_line_width_grows_with_the_frame() -> None:
    assert [line_width(w) for w in (640, 1620, 1920, 3840)] == [3, 4, 5, 10]
    assert BOX_COLOUR[0] > 200 and max(BOX_COLOUR[1:]) < 50
