"""A live camera stream over RTSP that survives camera and network faults.

A reader thread decodes every frame into a short queue (`buffer_s` of video, one second by
default): the pipeline takes frames in order when it is ready (`next_frame`), so the frames
that arrive while a detection runs are still judged a moment later, and the pipeline never
slows the reader down. Only when the queue is full, a box that cannot keep up, is a frame
dropped, counted, rather than the delay growing behind real time; a dropped frame is decoded
(the next ones depend on it) but never converted to a picture, which is most of the cost of
a frame nobody looks at; so only every `picture_stride`-th frame is a picture at all
(`detector.picture_fps`, edge.pipeline.source). A camera that is unreachable, goes away, or
stops sending is retried for ever with exponential backoff and jitter (so 48 workers do not
reconnect in step); nothing raises out of the thread, and `health()` says what is wrong.

A read blocked inside OpenCV (a camera that keeps the connection open but sends nothing) is
bounded by the read timeout; if it still has not returned after `stall_timeout_s`, a watchdog
abandons that reader thread and starts a fresh one with a new connection. The abandoned thread
releases its own capture whenever its read returns: a capture is never touched by two threads.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

import cv2
import numpy as np

from edge.delivery.camera_url import diagnose, redact_url, use_tcp
from edge.delivery.stream_clock import StreamClock
from edge.pipeline.source import DECODER_PARAMS, Frame, picture_stride

log = logging.getLogger("edge.delivery.rtsp")

DEFAULT_FPS = 25.0
MAX_READ_FAILURES = 3  # failed reads in a row that mean the connection is lost
ADOPT_SIZE_AFTER = 10  # frames in a row of one new size that mean the camera changed its size
WATCHDOG_TICK_S = 0.1
MIN_QUEUE = 8  # frames a stream may queue for its pipeline, whatever its rate


@dataclass
class StreamHealth:
    """What an operator needs to see about one camera's stream."""

    connected: bool
    frames_in: int  # good frames captured
    frames_processed: int  # handed out by next_frame
    frames_dropped: int  # decoded while the queue was full: never judged
    frames_corrupt: int  # failed to decode or of the wrong size: skipped
    frames_unconverted: int  # decoded between pictures (detector.picture_fps), by design
    reconnects: int  # connections lost (errors, end of stream, stalls) and re-made
    last_frame_at: datetime | None
    last_error: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, for the heartbeat and the metrics page."""
        d = asdict(self)
        if self.last_frame_at is not None:
            d["last_frame_at"] = self.last_frame_at.isoformat(timespec="milliseconds")
        return d


def late_read(began: float, ended: float, read_timeout_s: float) -> bool:
    """A read that returned only as it timed out: a frame the decoder held back (B-frames),
    flushed by the timeout, is no sign that the stream lives."""
    return ended - began >= 0.9 * read_timeout_s


class Backoff:
    """Delays that double from `initial_s` up to `max_s`, each times a random factor in [0.5, 1]."""

    def __init__(self, initial_s: float, max_s: float, rng: random.Random) -> None:
        self.initial_s, self.max_s, self.rng = initial_s, max_s, rng
        self.attempt = 0

    def next(self) -> float:
        base = min(self.max_s, self.initial_s * 2 ** min(self.attempt, 30))
        self.attempt += 1
        return base * self.rng.uniform(0.5, 1.0)


class RtspSource:
    """The newest frame of a camera stream (OpenCV's FFmpeg back end, RTSP over TCP)."""

    def __init__(
        self,
        url: str,
        *,
        name: str,
        open_timeout_s: float = 5.0,
        read_timeout_s: float = 5.0,
        stall_timeout_s: float,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        buffer_s: float = 1.0,
        picture_fps: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        """`buffer_s`: how much video may wait for the pipeline before frames are dropped;
        `picture_fps`: pictures made a second (0: every frame)."""
        self.url, self.name = url, name
        self.picture_fps = picture_fps
        self.stride = 1  # set from the stream's frame rate on each connection
        self.buffer_s = buffer_s
        self.safe_url = redact_url(url)
        self.open_timeout_s, self.read_timeout_s = open_timeout_s, read_timeout_s
        self.stall_timeout_s = stall_timeout_s
        self.backoff_initial_s, self.backoff_max_s = backoff_initial_s, backoff_max_s
        self.rng = rng or random.Random()
        self.fps = DEFAULT_FPS
        self.start_utc: datetime | None = None
        self.retry_delays: deque[float] = deque(maxlen=64)  # the latest backoff delays, in s
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._start_mono = 0.0
        self._gen = 0  # the current reader thread; older ones are abandoned
        self._reader: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._call: tuple[int, str, float] | None = None  # (gen, "open"/"read", started)
        self._queue: deque[Frame] = deque()
        self._h = StreamHealth(False, 0, 0, 0, 0, 0, 0, None, None)  # guarded by _cond

    # --- the consumer's side ---

    def start(self) -> None:
        """Start reading in the background; returns at once, connected or not."""
        if self._watchdog is not None:
            raise RuntimeError(f"source {self.name} is already started")
        self.start_utc = datetime.now(UTC)
        self._start_mono = time.monotonic()
        with self._cond:
            self._spawn_reader()
        self._watchdog = threading.Thread(
            target=self._watch, name=f"rtsp-watchdog-{self.name}", daemon=True
        )
        self._watchdog.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop reading and release the capture (a read stuck in OpenCV is left to finish)."""
        self._stop.set()
        with self._cond:
            self._gen += 1
            self._h.connected = False
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in (self._watchdog, self._reader):
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))

    def next_frame(self, timeout: float) -> Frame | None:
        """The oldest frame not handed out yet, waiting up to `timeout` s; None if none came."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._queue:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return None
                self._cond.wait(remaining)
            frame = self._queue.popleft()
            self._h.frames_processed += 1
            return frame

    def backlog(self) -> float:
        """How full the queue is, 0 to 1: the consumer's cue to shed work before frames drop."""
        with self._cond:
            return len(self._queue) / self._capacity()

    def _capacity(self) -> int:
        """`buffer_s` of frames, but never fewer than MIN_QUEUE: at 6 fps half a second is
        three frames, which one slow moment of a busy box overflows."""
        return max(MIN_QUEUE, round(self.buffer_s * self.fps / self.stride))

    def health(self) -> StreamHealth:
        """A snapshot of the counters; `last_error` stays set after the stream recovers."""
        with self._cond:
            return replace(self._h)

    # --- the threads ---

    def _spawn_reader(self) -> None:
        """A new reader thread; any older one is abandoned (called with the lock held)."""
        self._gen += 1
        name, gen = f"rtsp-reader-{self.name}-{self._gen}", self._gen
        self._reader = threading.Thread(target=self._read_forever, args=(gen,), name=name)
        self._reader.daemon = True
        self._reader.start()

    def _alive(self, gen: int) -> bool:
        return gen == self._gen and not self._stop.is_set()

    def _watch(self) -> None:
        """Abandon a reader stuck in OpenCV longer than the stall timeout allows."""
        while not self._stop.wait(WATCHDOG_TICK_S):
            with self._cond:
                call = self._call
                if call is None or call[0] != self._gen:
                    continue
                _, kind, started = call
                limit = self.stall_timeout_s + (self.open_timeout_s if kind == "open" else 0.0)
                stuck = time.monotonic() - started
                if stuck < limit:
                    continue
                self._lost(
                    f"{kind} blocked for {stuck:.1f} s; connection abandoned", kind == "read"
                )
                self._spawn_reader()

    def _lost(self, reason: str, count: bool = True) -> None:
        """Count and log a lost connection (called with the lock held)."""
        self._h.connected = False
        self._h.reconnects += int(count)
        self._h.last_error = reason
        log.warning("camera %s: stream %s lost: %s; reconnecting", self.name, self.safe_url, reason)

    def _enter(self, gen: int, kind: str) -> None:
        with self._cond:
            self._call = (gen, kind, time.monotonic())

    def _leave(self, gen: int) -> None:
        with self._cond:
            if self._call is not None and self._call[0] == gen:
                self._call = None

    def _read_forever(self, gen: int) -> None:
        backoff = Backoff(self.backoff_initial_s, self.backoff_max_s, self.rng)
        retry = False
        while self._alive(gen):
            if retry:
                delay = backoff.next()
                self.retry_delays.append(delay)
                if self._stop.wait(delay):
                    break
            retry = True
            try:
                capture = self._open(gen, backoff.attempt)
                if capture is None:
                    continue
                try:
                    if self._pump(gen, capture):
                        backoff.attempt = 0  # it worked: the next fault starts afresh
                finally:
                    capture.release()
            except Exception as exc:  # a camera's fault must never end the worker's thread
                reason = f"unexpected {type(exc).__name__}: {exc}".replace(self.url, self.safe_url)
                self._leave(gen)
                with self._cond:
                    if self._alive(gen):
                        self._h.connected, self._h.last_error = False, reason
                log.error("camera %s: %s; reconnecting", self.name, reason)

    def _open(self, gen: int, attempt: int) -> cv2.VideoCapture | None:
        use_tcp()
        open_ms, read_ms = round(self.open_timeout_s * 1000), round(self.read_timeout_s * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, open_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, read_ms]
        params += DECODER_PARAMS
        self._enter(gen, "open")
        try:
            capture = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
            opened = capture.isOpened()
        except cv2.error as exc:
            capture, opened = None, False
            reason = f"OpenCV: {str(exc).strip().splitlines()[-1]}".replace(self.url, self.safe_url)
        finally:
            self._leave(gen)
        if opened:
            return capture
        if capture is not None:
            capture.release()
            reason = diagnose(self.url, self.open_timeout_s)
        with self._cond:
            self._h.last_error = reason
        where = f"camera {self.name}: cannot open {self.safe_url}"
        log.error("%s: %s (attempt %d, retrying)", where, reason, attempt + 1)
        return None

    def _pump(self, gen: int, capture: cv2.VideoCapture) -> bool:
        """Read frames until the connection is lost; True if any frame came."""
        fps = capture.get(cv2.CAP_PROP_FPS)
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        size: tuple[int, ...] | None = (height, width, 3) if width > 0 and height > 0 else None
        last_good = time.monotonic()
        clock = StreamClock()  # this connection's stamps, on the box's clock
        failed = 0  # reads failed in a row: corrupt frames if a good one follows, else a loss
        odd: tuple[tuple[int, ...], int] | None = None  # a new frame size and how often seen
        delivered = False
        with self._cond:
            if not self._alive(gen):
                return False
            self.fps = fps if math.isfinite(fps) and 0 < fps <= 240 else DEFAULT_FPS
            self.stride = picture_stride(self.fps, self.picture_fps)
            self._h.connected = True
        what = f"{width}x{height}" if size else "size unknown"
        log.info(
            "camera %s: connected to %s (%s, %.3g fps)", self.name, self.safe_url, what, self.fps
        )
        while self._alive(gen):
            if time.monotonic() - last_good > self.stall_timeout_s:
                with self._cond:
                    if self._alive(gen):
                        self._lost(f"no frame for {self.stall_timeout_s:g} s (stream stalled)")
                return delivered
            began = time.monotonic()
            self._enter(gen, "read")
            with self._cond:
                between = self._h.frames_in % self.stride != 0  # no picture wanted of it
                full = len(self._queue) >= self._capacity()
            ok = capture.grab()
            image = None
            if ok and not full and not between:
                ok, image = capture.retrieve()
            self._leave(gen)
            mono, utc = time.monotonic(), datetime.now(UTC)
            if ok and (full or between):  # decoded, never converted
                with self._cond:
                    if self._alive(gen):
                        self._h.frames_in += 1
                        if between:
                            self._h.frames_unconverted += 1
                        else:  # the queue has no room for it
                            self._h.frames_dropped += 1
                last_good = last_good if late_read(began, mono, self.read_timeout_s) else mono
                failed = 0
                delivered = True
                continue
            # A picture that comes only once the read timed out is one the decoder held back
            # (B-frames), flushed by the timeout: delivered, but no sign that the stream lives.
            late = late_read(began, mono, self.read_timeout_s)
            if not ok or image is None:
                failed += 1
                if failed >= MAX_READ_FAILURES:
                    with self._cond:
                        if self._alive(gen):
                            self._lost(f"{failed} reads failed in a row (stream ended or broke)")
                    return delivered
                continue
            shape: tuple[int, ...] = (
                image.shape if isinstance(image, np.ndarray) and image.size else ()
            )
            if size is None and len(shape) == 3:
                size = shape
            if shape != size:
                # A camera that changed its resolution sends many frames of one new size.
                odd = (shape, odd[1] + 1) if odd and odd[0] == shape else (shape, 1)
                if len(shape) == 3 and odd[1] >= ADOPT_SIZE_AFTER:
                    log.warning("camera %s: frame size changed to %s", self.name, shape)
                    size = shape
                with self._cond:
                    self._h.frames_corrupt += failed + 1
                failed = 0
                continue
            odd = None
            last_good = last_good if late else mono
            delivered = True
            # judged on the camera's clock: a stall of this box does not bunch the times up
            t = clock.time_of(capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0, mono - self._start_mono)
            with self._cond:
                if not self._alive(gen):
                    break
                self._h.frames_corrupt += failed
                failed = 0
                frame = Frame(self._h.frames_in, t, image, utc)
                self._h.frames_in += 1
                self._queue.append(frame)
                self._h.last_frame_at = utc
                self._cond.notify_all()
        return delivered
