"""Frame sources: pictures at a rate, every frame still decoded and counted; the ring by time."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.pipeline.source import FileSource, Frame, FrameRing, picture_stride

FPS = 30.0
FRAMES = 40


def numbered_video(path: Path, fps: float = FPS, frames: int = FRAMES) -> Path:
    """A video whose frame k is grey level 5 * k: a picture says which frame it is."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (64, 48))
    for k in range(frames):
        writer.write(np.full((48, 64, 3), 5 * k, np.uint8))
    writer.release()
    return path


def frame_shown(image: np.ndarray) -> int:
    return round(float(image.mean()) / 5)


@pytest.mark.parametrize(
    ("fps", "picture_fps", "stride"),
    [
        (30.0, 10.0, 3),  # a city camera: every third frame
        (25.0, 10.0, 2),  # 12.5 pictures a second: never fewer than asked
        (60.0, 10.0, 6),
        (6.0, 10.0, 1),  # a stream no faster than the rate: every frame
        (10.0, 10.0, 1),
        (30.0, 0.0, 1),  # 0: every frame
    ],
)
def test_picture_stride(fps: float, picture_fps: float, stride: int) -> None:
    got = picture_stride(fps, picture_fps)
    assert got == stride, f"{fps} fps at {picture_fps} pictures/s: stride {got}, not {stride}"


def test_file_source_makes_pictures_of_every_third_frame_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    source = FileSource(numbered_video(tmp_path / "n.avi"), picture_fps=10.0)
    frames = list(source)
    assert [f.index for f in frames] == list(range(0, FRAMES, 3))
    shown = [frame_shown(f.image) for f in frames]
    assert shown == [f.index for f in frames], f"a picture shows another frame: {shown}"
    assert [f.t for f in frames] == [f.index / FPS for f in frames]
    assert source.stats.frames_in == len(frames)
    assert source.stats.frames_unconverted == FRAMES - len(frames), source.stats
    assert source.stats.frames_corrupt == 0


def test_file_source_every_frame_by_default_and_from_a_start(tmp_path: Path) -> None:
    video = numbered_video(tmp_path / "n.avi")
    assert [f.index for f in FileSource(video)] == list(range(FRAMES))
    later = FileSource(video, start_s=0.5, picture_fps=10.0)  # from frame 15
    frames = list(later)
    assert [f.index for f in frames] == list(range(15, FRAMES, 3))
    assert [frame_shown(f.image) for f in frames] == [f.index for f in frames]


@pytest.mark.parametrize("every", [1, 3], ids=["every frame", "every third frame"])
def test_ring_holds_the_same_span_whatever_the_rate(every: int) -> None:
    ring = FrameRing(1.0)
    image = np.zeros((2, 2, 3), np.uint8)
    for k in range(0, 90, every):
        ring.push(Frame(k, k / FPS, image))
    last = 90 - every
    kept = [f.index for f in ring.frames]
    assert kept == list(range(last - 30, last + 1, every)), f"not the last second: {kept}"
    nearest = ring.nearest(61)
    assert nearest is not None and abs(nearest.index - 61) <= every // 2, nearest
