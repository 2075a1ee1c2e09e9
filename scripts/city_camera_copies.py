"""The public videos as a city camera would send them: fewer frames a second, fewer pixels,
and JPEG-smeared; with their calibration and listed violations mapped onto the copy.

The public clips are few and mostly clean; the cameras of a city are not (vn_giangvo is
640x480 at 6 fps). Scoring `scripts/eval_videos.py --media OUT` on these copies asks whether
a judgement holds when the same traffic is seen worse, with labels a person already checked.
Frames are kept every round(fps / FPS)-th; coordinates scale with the picture; a listed frame
maps to the nearest kept one. Nothing here is chosen from a score: the defaults are the
worst of the cameras the design names (6 fps, 640 pixels across, quality 40). Prints JSON.

    python scripts/city_camera_copies.py OUT [--fps 6] [--long-side 640] [--quality 40]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import cv2

REPO = Path(__file__).resolve().parents[1]
CALIBRATION_POINTS = ("stop_line", "stop_line_polyline", "stop_line_painted_segment")
CALIBRATION_RECTS = ("right_turn_arrow_roi",)


def _scaled(value: Any, s: float) -> Any:
    if isinstance(value, int | float):
        return round(value * s)
    return [_scaled(v, s) for v in value]


def city_copy(truth_path: Path, out: Path, fps: float, long_side: int, quality: int) -> dict:
    """Writes OUT/NAME.mp4 and OUT/NAME.json for one public video; returns what it did."""
    truth = json.loads(truth_path.read_text())
    w, h, rate = truth["width"], truth["height"], float(truth["fps"])
    s = min(1.0, long_side / max(w, h))
    size = (int(round(w * s / 2) * 2), int(round(h * s / 2) * 2))
    every = max(1, round(rate / fps))
    capture = cv2.VideoCapture(str(truth_path.with_suffix(".mp4")))
    name = truth_path.stem
    writer = cv2.VideoWriter(
        str(out / f"{name}.mp4"), cv2.VideoWriter.fourcc(*"mp4v"), rate / every, size
    )
    index = kept = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index % every == 0:
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            _, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
            smeared = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
            if smeared is None:
                raise RuntimeError(f"{name}: frame {index} did not come back from JPEG")
            writer.write(smeared)
            kept += 1
        index += 1
    capture.release()
    writer.release()
    cal = truth["calibration"]
    for key in (*CALIBRATION_POINTS, *CALIBRATION_RECTS):
        if key in cal:
            cal[key] = _scaled(cal[key], s)
    for head in cal["signal_heads"]:
        head["roi"] = _scaled(head["roi"], s)
    for phase in truth["signal_timeline"]:
        phase["from_frame"] = math.ceil(phase["from_frame"] / every)
        phase["to_frame"] = phase["to_frame"] // every
    for v in truth["violations"]:
        for key in ("cross_frame", "front_cross_frame"):
            if v.get(key) is not None:
                v[key] = round(v[key] / every)
        if v.get("bbox_at_cross"):
            v["bbox_at_cross"] = _scaled(v["bbox_at_cross"], s)
    truth.update(video=f"{name}.mp4", width=size[0], height=size[1], fps=rate / every)
    truth.update(frames=kept, source=f"{truth['source']}; city-camera copy (dendo)")
    (out / f"{name}.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False))
    return {"video": name, "from": [w, h, rate], "to": [*size, round(rate / every, 3)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the copies (made if absent)")
    parser.add_argument("--media", type=Path, default=REPO.parent / "shared/media")
    parser.add_argument("--fps", type=float, default=6.0, help="frames a second kept")
    parser.add_argument("--long-side", type=int, default=640, help="pixels, at most")
    parser.add_argument("--quality", type=int, default=40, help="JPEG quality of every frame")
    args = parser.parse_args()
    videos = sorted(args.media.glob("*.json"))
    if not videos:
        print(json.dumps({"skipped": f"no public videos in {args.media}"}))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    done = [city_copy(v, args.out, args.fps, args.long_side, args.quality) for v in videos]
    print(json.dumps({"out": str(args.out), "copies": done}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
