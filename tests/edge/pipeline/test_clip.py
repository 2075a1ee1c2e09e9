"""The short video around a crossing (`evidence.clip`): small frames kept in their own ring,
cut around the crossing, encoded as WebM that OpenCV reads back and the review page serves
as video/webm (the browser test plays it)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from central.db import EvidenceFile
from edge.pipeline.clip import ClipRecorder, encode_webm
from edge.pipeline.source import Frame
from tests.fixtures.browser import WebEnv
from tests.media import read_frames


def moving_square(index: int, fps: float = 30.0, size: tuple[int, int] = (1280, 720)) -> Frame:
    w, h = size
    image = np.full((h, w, 3), 70, np.uint8)
    x = 20 + index * 4 % (w - 120)
    cv2.rectangle(image, (x, 300), (x + 100, 400), (0, 200, 255), -1)
    return Frame(index, index / fps, image)


def read_back(data: bytes, tmp_path: Path) -> list[np.ndarray]:
    path = tmp_path / "clip.webm"
    path.write_bytes(data)
    return read_frames(path)


def test_a_clip_covers_half_its_length_each_side_of_the_crossing(tmp_path: Path) -> None:
    clip = ClipRecorder(seconds=4.0, source_fps=30.0, out_fps=10.0, width=640)
    for i in range(300):  # 10 s of 1280x720 at 30 fps
        clip.push(moving_square(i))
    assert len(clip.frames) <= (4.0 + 10.0) * 10 + 1, "the ring keeps more than it needs"
    held = sum(len(jpeg) for _, jpeg in clip.frames)
    assert held < 3_000_000, f"the ring holds {held} bytes: frames are not kept compressed"
    data = clip.cut(cross_t=7.0)
    assert data is not None and data[:4] == b"\x1a\x45\xdf\xa3", "not a WebM (EBML) file"
    frames = read_back(data, tmp_path)
    assert len(frames) == 41, f"5 s..9 s at 10 fps is 41 frames, got {len(frames)}"
    assert frames[0].shape == (360, 640, 3), "frames are scaled to 640 px wide"
    # The square moves right through the clip: the video is the scene, in order.
    xs = [int(np.argmax((f[175, :, 2] > 200) & (f[175, :, 0] < 100))) for f in frames[:10]]
    assert xs == sorted(xs) and xs[-1] > xs[0], f"square not moving right: {xs}"


def test_a_clip_ends_at_the_newest_frame_when_the_decision_comes_early(tmp_path: Path) -> None:
    clip = ClipRecorder(seconds=6.0, source_fps=25.0)
    for i in range(100):  # 4 s
        clip.push(moving_square(i, fps=25.0, size=(640, 480)))
    assert clip.out_fps == 12.5, "25 fps kept every 2nd frame: the clip plays at 12.5 fps"
    frames = read_back(clip.cut(cross_t=3.0) or b"", tmp_path)
    assert len(frames) == 50, f"0 s..3.92 s at 12.5 fps (the decision came first): {len(frames)}"
    assert clip.cut(cross_t=60.0) is None, "no frames near the crossing: no clip, not an error"


def test_a_clip_the_encoder_cannot_write_is_an_error_that_says_so() -> None:
    with pytest.raises(RuntimeError, match="cannot write WebM"):
        encode_webm([np.zeros((1, 1, 3), np.uint8)] * 3, 10.0)


def test_the_page_serves_each_demo_clip_as_webm(web_env: WebEnv) -> None:
    with web_env.store.sessions() as s:
        clips = s.scalars(select(EvidenceFile).where(EvidenceFile.role == "clip")).all()
        ids = [(c.id, c.name, c.size) for c in clips]
    assert len(ids) == len(web_env_bundles(web_env)), "a demo bundle without its clip"
    officer = web_env.client("officer")
    for file_id, name, size in ids:
        served = officer.get(f"/evidence/{file_id}")
        assert name == "clip.webm" and served.status_code == 200
        assert served.headers["content-type"] == "video/webm", served.headers
        assert len(served.content) == size > 10_000


def web_env_bundles(web_env: WebEnv) -> list[object]:
    from central.db import Bundle

    with web_env.store.sessions() as s:
        return list(s.scalars(select(Bundle)).all())
