"""A real RTSP camera stand-in for the tests: GStreamer's RTSP server playing a video file.

Run with the system Python, which has PyGObject and GstRtspServer (the project's venv does not):

    /usr/bin/python3 tests/servers/rtsp_server.py --port 8554 --path /cam --file VIDEO.mp4 --loop

The file's compressed video (H.264 or JPEG) is read into memory once and sent without
re-encoding; any other codec is encoded once to H.264 at start-up. Every client session gets
its own stream that starts at the file's first (key) frame, so a client that reconnects can
decode at once instead of waiting for the next key frame; `--loop` plays the file round and
round, with timestamps that keep increasing. Frames are paced in real time like a camera's.
Prints one line "ready rtsp://127.0.0.1:PORT/PATH" on stdout when listening; exits on SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import dataclass

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PASSTHROUGH_CAPS = (
    "video/x-h264,stream-format=avc,alignment=au;"
    "video/x-h264,stream-format=byte-stream,alignment=au;image/jpeg"
)
REENCODE = (
    "decodebin ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30"
    " ! h264parse ! video/x-h264,stream-format=avc,alignment=au"
)


@dataclass(frozen=True)
class Sample:
    """One compressed frame: its bytes and where it sits in the file's own timeline."""

    data: bytes
    pts: int
    dts: int
    duration: int
    delta: bool


class Clip:
    """The compressed frames of a file, read once, and the payloader that fits them."""

    def __init__(self, path: str) -> None:
        self.caps, self.samples = self._load(path, f"parsebin ! appsink name=sink caps={_q()}")
        if self.caps is None or not self.samples:
            self.caps, self.samples = self._load(path, f"{REENCODE} ! appsink name=sink")
        if self.caps is None or not self.samples:
            raise SystemExit(f"rtsp_server: no video frames could be read from {path}")
        name = self.caps.get_structure(0).get_name()
        self.payloader = "rtpjpegpay pt=26" if name == "image/jpeg" else "rtph264pay pt=96"
        if name != "image/jpeg":
            self.payloader += " config-interval=-1"  # parameter sets with every key frame
        first = self.samples[0]
        last = self.samples[-1]
        frame = last.duration or Gst.SECOND // 25
        self.length = max(s.pts for s in self.samples) + frame - first.dts  # one pass, in ns

    @staticmethod
    def _load(path: str, tail: str) -> tuple[Gst.Caps | None, list[Sample]]:
        location = GLib.strescape(path)
        pipe = Gst.parse_launch(f'filesrc location="{location}" ! {tail}')
        sink = pipe.get_by_name("sink")
        sink.set_property("sync", False)
        pipe.set_state(Gst.State.PLAYING)
        caps: Gst.Caps | None = None
        samples: list[Sample] = []
        bus = pipe.get_bus()
        while True:
            sample = sink.emit("try-pull-sample", Gst.SECOND // 2)
            if sample is None:
                if sink.get_property("eos") or bus.pop_filtered(Gst.MessageType.ERROR):
                    break
                continue
            buf = sample.get_buffer()
            caps = sample.get_caps()
            ok, info = buf.map(Gst.MapFlags.READ)
            if not ok:
                continue
            data = bytes(info.data)
            buf.unmap(info)
            duration = buf.duration if buf.duration != Gst.CLOCK_TIME_NONE else 0
            guess = samples[-1].dts + (samples[-1].duration or Gst.SECOND // 25) if samples else 0
            dts = buf.dts if buf.dts != Gst.CLOCK_TIME_NONE else buf.pts
            dts = guess if dts == Gst.CLOCK_TIME_NONE else dts
            pts = buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else dts
            delta = bool(buf.get_flags() & Gst.BufferFlags.DELTA_UNIT)
            samples.append(Sample(data, pts, dts, duration, delta))
        pipe.set_state(Gst.State.NULL)
        return caps, samples


def _q() -> str:
    return '"' + PASSTHROUGH_CAPS + '"'


class Feeder(threading.Thread):
    """Pushes one client's frames into its pipeline at the pace of their timestamps."""

    def __init__(self, clip: Clip, appsrc: Gst.Element, loop: bool) -> None:
        super().__init__(daemon=True)
        self.clip, self.appsrc, self.loop = clip, appsrc, loop
        self.stopped = threading.Event()
        self.wanted = threading.Event()
        appsrc.connect("need-data", lambda *_: self.wanted.set())

    def run(self) -> None:
        # A live source only asks for data once its pipeline plays: time starts there.
        while not self.wanted.wait(0.2):
            if self.stopped.is_set():
                return
        base = self.appsrc.get_current_running_time()
        base = 0 if base == Gst.CLOCK_TIME_NONE else base
        first = self.clip.samples[0].dts
        offset = base - first
        while not self.stopped.is_set():
            for s in self.clip.samples:
                due = s.dts + offset
                while not self.stopped.is_set():
                    now = self.appsrc.get_current_running_time()
                    if now == Gst.CLOCK_TIME_NONE or now >= due:
                        break
                    self.stopped.wait(min(0.05, (due - now) / Gst.SECOND))
                if self.stopped.is_set() or not self._push(s, offset):
                    return
            if not self.loop:
                self.appsrc.emit("end-of-stream")
                return
            offset += self.clip.length

    def _push(self, s: Sample, offset: int) -> bool:
        buf = Gst.Buffer.new_wrapped(s.data)
        buf.pts, buf.dts = s.pts + offset, s.dts + offset
        buf.duration = s.duration or Gst.CLOCK_TIME_NONE
        if s.delta:
            buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
        return self.appsrc.emit("push-buffer", buf) == Gst.FlowReturn.OK


class Factory(GstRtspServer.RTSPMediaFactory):
    """A fresh pipeline per client session (not shared), fed from the one clip in memory."""

    def __init__(self, clip: Clip, loop: bool) -> None:
        super().__init__()
        self.clip, self.loop = clip, loop
        self.set_shared(False)
        self.set_launch(
            f"( appsrc name=src is-live=true format=time do-timestamp=false "
            f"! {clip.payloader} name=pay0 )"
        )
        self.connect("media-configure", self._configure)

    def _configure(self, _factory: Factory, media: GstRtspServer.RTSPMedia) -> None:
        appsrc = media.get_element().get_by_name("src")
        appsrc.set_property("caps", self.clip.caps)
        feeder = Feeder(self.clip, appsrc, self.loop)
        media.connect("unprepared", lambda *_: feeder.stopped.set())
        feeder.start()


def _quit_on_eof(main_loop: GLib.MainLoop) -> None:
    while os.read(0, 4096):  # not sys.stdin: its lock would stall the interpreter's exit
        pass
    GLib.idle_add(main_loop.quit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/cam")
    parser.add_argument("--file", required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--loop", action="store_true", help="play the file round and round")
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="exit when stdin closes, so a test run that dies leaves no server behind",
    )
    args = parser.parse_args(argv)

    Gst.init(None)
    clip = Clip(args.file)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    path = args.path if args.path.startswith("/") else "/" + args.path
    server.get_mount_points().add_factory(path, Factory(clip, args.loop))
    main_loop = GLib.MainLoop()
    if server.attach(None) == 0:
        print(f"rtsp_server: cannot listen on {args.address}:{args.port}", file=sys.stderr)
        return 1
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, main_loop.quit)
    if args.exit_on_stdin_eof:
        threading.Thread(target=_quit_on_eof, args=(main_loop,), daemon=True).start()
    print(f"ready rtsp://{args.address}:{args.port}{path}", flush=True)
    main_loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
