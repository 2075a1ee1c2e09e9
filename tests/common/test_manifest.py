"""The manifest's optional overlay facts (geometry, track, plate box, clip timing) and the
signal crops before and after the crossing: new bundles carry them signed, bundles written
before them still verify, and what would mislead the page is refused at the edge."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from common.bundle import (
    MAX_TRACK_POINTS,
    BundleError,
    BundleFile,
    build_bundle,
    canonical_container,
    open_bundle,
)
from common.manifest import _CANONICAL, parse_manifest
from common.signing import sign
from tests.common.test_bundle import FILES, KEY, KEYS, fields, jpeg

GEOMETRY = {"frame_size": [640, 360], "stop_line": [[40, 300], [600, 296]], "direction": [0, -1]}
TRACK = [
    {"frame_index": 100, "t": 4.0, "box": [300, 320, 340, 380]},
    {"frame_index": 120, "t": 4.8, "box": [302, 250, 342, 305]},
    {"frame_index": 130, "t": 5.2, "box": [304, 200, 344, 250]},
]
PLATE_BOX = {"frame_index": 112, "box": [310, 360, 330, 372], "at_cross": [312, 290, 331, 300]}
SIGNALS = [
    BundleFile("signal_crop_before.jpg", "signal_crop_before", jpeg(6, 200), "image/jpeg"),
    BundleFile("signal_crop_after.jpg", "signal_crop_after", jpeg(7, 200), "image/jpeg"),
]
CLIP = BundleFile("clip.webm", "clip", b"\x1a\x45\xdf\xa3" + bytes(64), "video/webm")
OVERLAY = {"geometry": GEOMETRY, "track": TRACK, "plate_box": PLATE_BOX}


def test_the_overlay_facts_and_three_signal_crops_are_signed_and_read_back() -> None:
    clip = {"start_t": 2.0, "fps": 10.0, "frames": 60}
    data, _ = build_bundle(fields(**OVERLAY, clip=clip), [*FILES, *SIGNALS, CLIP], KEY)
    m = open_bundle(data, KEYS).manifest
    assert m.geometry is not None and m.geometry.stop_line == [(40, 300), (600, 296)]
    assert m.track is not None and [p.frame_index for p in m.track] == [100, 120, 130]
    assert m.plate_box is not None and m.plate_box.at_cross == (312, 290, 331, 300)
    assert m.clip is not None and (m.clip.start_t, m.clip.fps) == (2.0, 10.0)
    roles = [f.role.value for f in m.files]
    assert {"signal_crop_before", "signal_crop", "signal_crop_after"} <= set(roles)


def test_a_bundle_written_before_the_overlay_facts_existed_still_verifies() -> None:
    """Its manifest.json has no such keys at all (not even null): the signed bytes are
    those, and they must open unchanged."""
    _, built = build_bundle(fields(), FILES, KEY)
    old = json.loads(built.model_dump_json(by_alias=True))
    for key in ("geometry", "track", "plate_box", "clip"):
        del old[key]
    raw = json.dumps(old, **_CANONICAL).encode()
    files = [(f.name, f.data) for f in FILES]
    data = canonical_container(raw, sign(KEY, raw), files)
    opened = open_bundle(data, KEYS)
    assert opened.manifest_bytes == raw and opened.manifest.geometry is None
    assert opened.manifest.track is None and opened.manifest.plate_box is None


def _track(n: int) -> list[dict[str, Any]]:
    return [{"frame_index": i, "t": i / 30, "box": [0, 0, 10, 10]} for i in range(n)]


@pytest.mark.parametrize(
    ("override", "extra", "match"),
    [
        ({"geometry": {**GEOMETRY, "stop_line": [[40, 300]]}}, [], "stop_line"),
        ({"geometry": {**GEOMETRY, "frame_size": [0, 360]}}, [], "frame_size"),
        ({"geometry": {**GEOMETRY, "zoom": 2}}, [], "zoom"),
        ({"track": [TRACK[1], TRACK[0]]}, [], "frame indices must increase"),
        ({"track": [TRACK[0], TRACK[0]]}, [], "frame indices must increase"),
        ({"track": _track(MAX_TRACK_POINTS + 1)}, [], "track"),
        ({"track": [{**TRACK[0], "box": [0, 0, 1]}]}, [], "box"),
        ({"plate_box": {"box": [1, 2, 3, 4]}}, [], "frame_index"),
        ({"clip": {"start_t": 0.0, "fps": 10.0, "frames": 5}}, [], "without a clip file"),
        ({"clip": {"start_t": 0.0, "fps": 0.0, "frames": 5}}, [CLIP], "fps"),
        ({}, [SIGNALS[0], replace(SIGNALS[0], name="again.jpg")], "signal_crop_before appears 2"),
    ],
)
def test_overlay_facts_that_would_mislead_the_page_are_refused(
    override: dict[str, Any], extra: list[BundleFile], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        build_bundle(fields(**override), [*FILES, *extra], KEY)


def test_a_stop_line_moved_after_signing_does_not_verify() -> None:
    data, _ = build_bundle(fields(**OVERLAY), FILES, KEY)
    opened = open_bundle(data, KEYS)
    raw = opened.manifest_bytes
    moved = raw.replace(b'"stop_line":[[40.0,300.0]', b'"stop_line":[[40.0,310.0]')
    assert moved != raw, "the test did not find the stop line in the manifest"
    assert parse_manifest(moved).geometry is not None, "still a well-formed manifest"
    signature = sign(KEY, raw)
    forged = canonical_container(moved, signature, [(f.name, f.data) for f in FILES])
    with pytest.raises(BundleError) as refused:
        open_bundle(forged, KEYS)
    assert refused.value.reason == "bad_signature"
