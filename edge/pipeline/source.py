"""Frame sources: a recorded file read frame by frame (no drops), and a ring of recent frames.

Every frame carries its 0-based index and its time in seconds from the start of the video, so
the rule's decisions and the evidence name the exact frame. A frame that fails to decode is
skipped and counted, never silently lost from the count of frames.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

# A frame that fails to decode makes OpenCV's grab() fail once, and the next grab goes on;
# this many failures in a row mean the file ends here (or is truncated).
MAX_CORRUPT_RUN = 25

# One decoding thread per camera: FFmpeg's frame threads cost 15-25 % more CPU in all for the
# same frames (vn_a's 440 1620x720 frames 0.97 -> 0.80 CPU-s), and a box with many cameras
# gets its parallelism from the cameras, not from inside one stream.
DECODER_PARAMS = [cv2.CAP_PROP_N_THREADS, 1]


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
    frames_in: int = 0
    frames_corrupt: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class FileSource:
    """A video file, every frame in order; `start_s`/`end_s` select a span by video time."""

    def __init__(self, path: Path, start_s: float = 0.0, end_s: float | None = None) -> None:
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
    """The last `seconds` of frames, for evidence before a crossing is known to be one."""

    def __init__(self, seconds: float, fps: float) -> None:
        self.frames: deque[Frame] = deque(maxlen=max(2, int(seconds * fps) + 1))

    def push(self, frame: Frame) -> None:
        self.frames.append(frame)

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
