"""Pictures to label road users on by eye, for `scripts/eval_detections.py`.

For each chosen frame of a public video this draws, on an enlarged copy of the frame, the
stop line, a grid every 20 px of the original frame (so a missed road user's box can be read
off in frame pixels) and numbered candidate boxes: COCO YOLOv8n at the 640x640 input and a
very low score (0.05), every person, two-wheeler and car-like box. The candidates only save
typing: the labeller keeps, corrects, re-classes or drops each one by eye and adds what the
network missed; the labels are what the labeller saw, not what the network said. Writes
PNGs and a JSON of the candidates to `--out` (outside the project: frames are never kept).

    python scripts/label_proposals.py vn_giangvo 30 90 150 --out /tmp/labels [--scale 2]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from edge.perception.models import ModelRegistry  # noqa: E402
from edge.perception.vehicles import VehicleDetector  # noqa: E402

LABELS = ("person", "bicycle", "motorcycle", "car", "bus", "truck")
# The part of the frame drawn, in frame heights above and below the stop line (the public
# videos' traffic moves up the picture): the labelling band of eval_detections and the boxes
# of the road users in it.
ABOVE_H, BELOW_H = 0.3, 0.25
COLOURS = {"person": (255, 0, 255), "motorcycle": (0, 255, 255), "bicycle": (0, 255, 0)}


def read_frame(video: Path, index: int) -> np.ndarray:
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, frame = cap.read()
    cap.release()
    if not ok:
        raise SystemExit(f"cannot read frame {index} of {video}")
    return frame


def draw(
    frame: np.ndarray, cands: list[dict[str, Any]], line: list[list[float]], scale: float
) -> np.ndarray:
    h, w = frame.shape[:2]
    big = cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    for x in range(0, w, 20):
        cv2.line(big, (round(x * scale), 0), (round(x * scale), big.shape[0]), (90, 90, 90), 1)
        cv2.putText(big, str(x), (round(x * scale) + 1, 10), 0, 0.3, (255, 255, 255), 1)
    for y in range(0, h, 20):
        cv2.line(big, (0, round(y * scale)), (big.shape[1], round(y * scale)), (90, 90, 90), 1)
        cv2.putText(big, str(y), (1, round(y * scale) - 1), 0, 0.3, (255, 255, 255), 1)
    pts = np.array(line, np.float64) * scale
    cv2.polylines(big, [pts.round().astype(np.int32)], False, (0, 0, 255), 1)
    for c in cands:
        x1, y1, x2, y2 = (round(v * scale) for v in c["box"])
        colour = COLOURS.get(c["label"], (255, 160, 0))
        cv2.rectangle(big, (x1, y1), (x2, y2), colour, 1)
        cv2.putText(big, str(c["n"]), (x1 + 1, y1 + 10), 0, 0.35, colour, 1)
    return big


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("video", help="a public video's name, e.g. vn_giangvo")
    ap.add_argument("frames", nargs="+", type=int)
    ap.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    ap.add_argument("--out", type=Path, default=Path("/tmp/labels"))
    ap.add_argument("--scale", type=float, default=2.0)
    ap.add_argument("--min-score", type=float, default=0.05)
    args = ap.parse_args()
    truth = json.loads((args.media / f"{args.video}.json").read_text())
    cal = truth["calibration"]
    line = cal.get("stop_line_polyline") or cal["stop_line"]
    model = ModelRegistry().path("vehicles")
    detector = VehicleDetector(model, conf=args.min_score, labels=LABELS, square=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for index in args.frames:
        frame = read_frame(args.media / f"{args.video}.mp4", index)
        dets = detector.detect(frame)
        cands: list[dict[str, Any]] = [
            {"n": n, "label": d.label, "score": round(d.score, 2), "box": [round(v) for v in d.box]}
            for n, d in enumerate(dets)
        ]
        h = frame.shape[0]
        top = max(0, round(min(y for _, y in line) - ABOVE_H * h))
        bottom = min(h, round(max(y for _, y in line) + BELOW_H * h))
        cands = [c for c in cands if top <= c["box"][3] and c["box"][1] <= bottom]
        big = draw(frame, cands, line, args.scale)
        big = big[round(top * args.scale) : round(bottom * args.scale)]
        stem = args.out / f"{args.video}_{index:04d}"
        cv2.imwrite(f"{stem}.png", big)
        stem.with_suffix(".json").write_text(json.dumps(cands))
        print(f"{stem}.png: {len(cands)} candidates")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
