"""Frame sources: a recorded file read frame by frame (no drops), and a ring of recent frames.

Every frame carries its 0-based index and its time in seconds from the start of the video, so
the rule's decisions and the evidence name the exact frame. A frame that fails to decode is
skipped and counted, never silently lost from the count of frames.

Pictures at a rate (`detector.picture_fps`): every frame must be decoded, since the next ones
are predicted from it, but turning a decoded frame into a BGR picture costs half as much
again (vn_a's 440 1620x720 frames: 0.57 CPU-s decoded, 0.87 converted too). Only every
`picture_stride`-th frame is converted and handed on; the others are grabbed and counted.
10 pictures a second time a lamp to 0.1 s (the debouncer dates a change from its first
reading) and leave the evidence's frames at most 0.05 s from the moment they show.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from common.config.sections import DetectorConfig, EvidenceConfig

# A frame that fails to decode makes OpenCV's grab() fail once, and the next grab goes on;
# this many failures in a row mean the file ends here (or is truncated).
MAX_CORRUPT_RUN = 25

# One decoding thread per camera: FFmpeg's frame threads cost 15-25 % more CPU in all for the
# same frames (vn_a's 440 1620x720 frames 0.97 -> 0.80 CPU-s), and a box with many cameras
# gets its parallelism from the cameras, not from inside one stream.
DECODER_PARAMS = [cv2.CAP_PROP_N_THREADS, 1]


def picture_rate(detector: DetectorConfig, evidence: EvidenceConfig) -> float:
    """A camera's pictures per second (0: every frame); one that records a clip needs every
    frame."""
    return 0.0 if evidence.clip else detector.picture_fps


def picture_stride(fps: float, picture_fps: float) -> int:
    """Every how many frames one is made a picture: at least `picture_fps` a second (all
    frames for 0, or for a stream no faster than that)."""
    if picture_fps <= 0 or fps <= picture_fps:
        return 1
    return max(1, int(fps // picture_fps))


class SourceError(RuntimeError):
    """The source cannot be opened or read."""


@dataclass(frozen=True)
class Frame:
    index: int
    t: float  # seconds since the start of the stream
    image: np.ndarray
    captured_at: datetime | None = None  # UTC wall time of a live frame's capture


@dataclass
class SourceStats:
    frames_in: int = 0  # pictures handed on
    frames_corrupt: int = 0
    frames_unconverted: int = 0  # decoded between pictures (picture_stride), never converted
    extra: dict[str, int] = field(default_factory=dict)


class FileSource:
    """A video file in order; `start_s`/`end_s` select a span by video time; every frame, or
    every `picture_stride`-th one for `picture_fps` pictures a second (0: every frame)."""

    def __init__(
        self,
        path: Path,
        start_s: float = 0.0,
        end_s: float | None = None,
        picture_fps: float = 0.0,
    ) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise SourceError(f"video {self.path} does not exist")
        self.capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG, DECODER_PARAMS)
        if not self.capture.isOpened():
            raise SourceError(f"video {self.path} cannot be opened (not a video, or no codec)")
        fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else 25.0
        self.frame_count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.width = int(self.capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self.capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.start_index = max(0, round(start_s * self.fps))
        self.end_index = None if end_s is None else round(end_s * self.fps)
        self.stride = picture_stride(self.fps, picture_fps)
        self.stats = SourceStats()

    def __iter__(self) -> Iterator[Frame]:
        if self.start_index:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, self.start_index)
        index = self.start_index
        failed = 0  # grabs failed in a row: corrupt frames if a good one follows, else the end
        try:
            while self.end_index is None or index < self.end_index:
                if not self.capture.grab():
                    failed += 1
                    index += 1
                    if failed > MAX_CORRUPT_RUN or 0 < self.frame_count <= index:
                        break
                    continue
                self.stats.frames_corrupt += failed
                failed = 0
                if index % self.stride:
                    self.stats.frames_unconverted += 1
                    index += 1
                    continue
                ok, image = self.capture.retrieve()
                if not ok or image is None or image.size == 0:
                    self.stats.frames_corrupt += 1
                else:
                    self.stats.frames_in += 1
                    yield Frame(index, index / self.fps, image)
                index += 1
        finally:
            self.capture.release()


class FrameRing:
    """The last `seconds` of frames, for evidence before a crossing is known to be one (by
    time, so it holds the same span whether it is given every frame or every third)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.frames: deque[Frame] = deque()

    def push(self, frame: Frame) -> None:
        self.frames.append(frame)
        while len(self.frames) > 2 and self.frames[0].t < frame.t - self.seconds - 1e-6:
            self.frames.popleft()

    def get(self, index: int) -> Frame | None:
        for frame in reversed(self.frames):
            if frame.index == index:
                return frame
            if frame.index < index:
                break
        return None

    def nearest(self, index: int) -> Frame | None:
        """The frame with the closest index (frames may have been skipped as corrupt)."""
        if not self.frames:
            return None
        return min(self.frames, key=lambda f: (abs(f.index - index), f.index))
