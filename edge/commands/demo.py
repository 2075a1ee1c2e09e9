"""The perception demo: a rendered street scene run through every model, results printed.

Until the replay pipeline exists this is what the README's demo command shows: the signal
head read from its ROI, the vehicle detector, and the plate detector and reader on plates
drawn into the scene (the COCO detector does not see drawn vehicles; it is run and reported).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from edge.perception.models import ModelRegistry
from edge.perception.plate.finder import PlateFinder
from edge.perception.plate.render import paste, render_plate
from edge.perception.signal_heads import SignalHead, SignalHeadClassifier
from edge.perception.vehicles import VehicleDetector

SAMPLE_PLATES = (("63A-123.45",), ("59-D2", "064.28"))
HEAD = SignalHead(roi=(1180, 40, 44, 120), layout="vertical")


def render_scene() -> tuple[np.ndarray, list[str]]:
    """A 1280x720 road with a stop line, a red signal head and two vehicles carrying plates."""
    img = np.full((720, 1280, 3), (92, 96, 98), dtype=np.uint8)
    cv2.rectangle(img, (0, 0), (1280, 260), (170, 160, 140), -1)  # buildings / sky
    cv2.line(img, (80, 430), (1200, 430), (235, 235, 235), 8)  # stop line
    x, y, w, h = HEAD.roi
    cv2.rectangle(img, (x, y), (x + w, y + h), (25, 25, 25), -1)
    for i, colour in enumerate([(40, 40, 255), (20, 60, 70), (30, 70, 30)]):
        cv2.circle(img, (x + w // 2, y + 20 + i * 40), 15, colour, -1)  # red lamp lit
    truth = []
    # A car from behind, and a motorbike.
    cv2.rectangle(img, (260, 420), (620, 660), (40, 40, 150), -1)
    cv2.rectangle(img, (290, 440), (590, 520), (60, 60, 60), -1)
    paste(img, render_plate(SAMPLE_PLATES[0], 52), 330, 560)
    truth.append("63A-123.45")
    cv2.rectangle(img, (830, 450), (1010, 700), (30, 30, 30), -1)
    cv2.circle(img, (920, 470), 45, (60, 60, 60), -1)  # helmet
    paste(img, render_plate(SAMPLE_PLATES[1], 76), 869, 560)
    truth.append("59-D2 064.28")
    return img, truth


def run_perception_demo(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    registry = ModelRegistry()
    scene, truth = render_scene()
    reading = SignalHeadClassifier([HEAD]).classify(scene)
    vehicles = VehicleDetector(registry.path("vehicles")).detect(scene)
    plates = PlateFinder.from_registry(registry).find(scene)
    annotated = scene.copy()
    for v in vehicles:
        x1, y1, x2, y2 = (int(c) for c in v.box)
        cv2.rectangle(annotated, (x1, y1), (x2, y2), (255, 200, 0), 2)
        cv2.putText(
            annotated, v.label, (x1, y2 + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 200, 0), 2
        )
    for p in plates:
        x1, y1, x2, y2 = (int(v) for v in p.box)
        cv2.rectangle(annotated, (x1, y1), (x2, y2), (0, 255, 0), 2)
        label = p.read.text or "unread"
        cv2.putText(annotated, label, (x1, y1 - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 255, 0), 2)
    cv2.putText(annotated, f"signal: {reading.state}", (20, 40), 0, 1.0, (255, 255, 255), 2)
    picture = out_dir / "perception_demo.png"
    cv2.imwrite(str(picture), annotated)
    read = sorted(p.read.text for p in plates if p.read.text)
    summary = {
        "signal_state": str(reading.state),
        "vehicles_detected": [v.label for v in vehicles],
        "plates": [p.to_json() for p in plates],
        "planted_plates": truth,
        "plates_read_correctly": sum(t in read for t in truth),
        "picture": str(picture),
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    found = ", ".join(v.label for v in vehicles) or "nothing"
    print(
        f"signal {reading.state}; COCO detector found: {found} "
        f"(drawn shapes are not vehicles to it); plates read {summary['plates_read_correctly']}"
        f" of {len(truth)} planted: {', '.join(read) or 'none'}; picture {picture}"
    )
    return 0 if summary["plates_read_correctly"] == len(truth) else 1
