"""Render the demo intersection: a synthetic red-light video, its camera config and its truth.

Why: the replay pipeline needs a scene whose right answer is known, that anyone can make on a
fresh machine with no footage. The scene is a rear view of one approach: three lanes, a stop
line, a vertical signal head cycling green -> amber -> red, and vehicles carrying readable
Vietnamese plates. Planted are red-light runners (cars and motorbikes) and the cases that must
not be flagged: crossing on green or amber, stopping just over the line, turning right on red
through the exit zone. The COCO vehicle detector does not see drawn vehicles, so the camera
config selects the motion detector (`detector: {kind: motion}`, MOG2 background subtraction
behind the same interface); the signal head is read by the real lamp classifier and plates by
the real plate detector and OCR. The background is constant and empty for the first seconds so
MOG2 learns it cleanly, and vehicles never touch so their motion blobs stay apart.

    python scripts/make_demo_video.py --out DIR [--seconds N] [--seed S]

writes DIR/demo.mp4, DIR/demo_camera.yaml (camera DEMO-01) and DIR/demo_truth.json.
Output is deterministic for the same seed and length.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from common.plate_text import parse
from edge.perception.plate.render import render_plate

W, H, FPS = 1280, 720, 15
LINE_Y = 330  # the stop line, across the approach road
ROAD = (200, 1140)  # approach road, x range
LANES = (357, 670, 983)  # lane centres, x
HEAD_ROI = (70, 380, 48, 132)  # the signal head on the left kerb, x y w h
DETECT_ROI = (190, 0, W - 190, H)  # the motion detector sees the road, not the signal head
EXIT_ZONE = [[1110, 60], [1279, 60], [1279, 318], [1110, 318]]  # right turn, top right
PHASES = (("green", 8.0), ("amber", 2.0), ("red", 10.0))  # the cycle, starting on green
CYCLE_S = sum(d for _, d in PHASES)
CAR_PLATES = ("63A-123.45", "51K-678.90", "30H-246.81", "63C-579.13", "65A-246.80")
BIKE_PLATES = ("59-D2 064.28", "63-B1 234.56", "64-E1 357.91", "71-C3 802.46")
COLOURS = ((40, 40, 170), (150, 70, 30), (30, 150, 200), (60, 130, 40), (20, 20, 110),
           (30, 30, 30), (120, 40, 120), (0, 110, 220))  # fmt: skip
LANE_NAMES = ("left", "middle", "right")
ROAD_GREY, KERB, WHITE = (92, 94, 96), (150, 155, 150), (235, 235, 235)
# (role, kind, lane, crossing second): roles decide what the pipeline must say.
SCRIPT = (
    ("green", "car", 1, 5.0),
    ("amber", "motorbike", 2, 9.0),
    ("runner", "car", 0, 12.0),
    ("runner", "motorbike", 1, 13.4),
    ("right_turn", "car", 2, 14.6),
    ("stopper", "car", 0, 17.2),
    ("green", "motorbike", 1, 22.5),
    ("runner", "motorbike", 2, 31.4),
    ("runner", "car", 1, 32.4),
)
WHY = {
    "green": "crosses on green",
    "amber": "crosses on amber (amber_policy ignore)",
    "stopper": "stops just over the line on red and stays",
    "right_turn": "turns right on red through the exit zone (exempt)",
}


def signal_at(t: float) -> str:
    pos = t % CYCLE_S
    for state, duration in PHASES:
        if pos < duration:
            return state
        pos -= duration
    return PHASES[-1][0]


@dataclass
class Vehicle:
    name: str
    role: str
    kind: str  # car | motorbike
    lane: int
    plate: str
    sprite: np.ndarray
    mask: np.ndarray
    keys: list[tuple[float, float, float]]  # (t, anchor x, anchor y): bottom centre

    def anchor(self, t: float) -> tuple[float, float] | None:
        ts = [k[0] for k in self.keys]
        if not ts[0] <= t <= ts[-1]:
            return None
        return (float(np.interp(t, ts, [k[1] for k in self.keys])),
                float(np.interp(t, ts, [k[2] for k in self.keys])))  # fmt: skip


def plate_lines(text: str) -> list[str]:
    return text.split(" ") if " " in text else [text]


def car_sprite(colour: tuple[int, int, int], plate: str) -> tuple[np.ndarray, np.ndarray]:
    """A car from behind: 250x230, body, rear window, tail lights, bumper, wheels, plate."""
    w, h = 250, 230
    img, mask = np.zeros((h, w, 3), np.uint8), np.zeros((h, w), np.uint8)
    for dst, val in ((img, None), (mask, 255)):
        c = val or colour
        cv2.rectangle(dst, (10, 0), (w - 11, 200), c, -1)
        cv2.rectangle(dst, (0, 60), (w - 1, 205), c, -1)
        for x in (12, w - 52):
            cv2.rectangle(dst, (x, 190), (x + 40, h - 1), val or (20, 20, 20), -1)
    cv2.rectangle(img, (35, 18), (w - 36, 80), (55, 48, 40), -1)  # rear window
    for x in (8, w - 48):
        cv2.rectangle(img, (x, 100), (x + 40, 128), (30, 30, 220), -1)  # tail lights
    cv2.rectangle(img, (0, 178), (w - 1, 200), (45, 45, 45), -1)  # bumper
    tag = render_plate(plate_lines(plate), 44)
    x0 = (w - tag.shape[1]) // 2
    img[130 : 130 + tag.shape[0], x0 : x0 + tag.shape[1]] = tag
    return img, mask


def bike_sprite(colour: tuple[int, int, int], plate: str) -> tuple[np.ndarray, np.ndarray]:
    """A motorbike and rider from behind: 90x215, helmet, back, tail light, wheel, plate."""
    w, h = 90, 215
    img, mask = np.zeros((h, w, 3), np.uint8), np.zeros((h, w), np.uint8)
    for dst, val in ((img, None), (mask, 255)):
        cv2.circle(dst, (w // 2, 32), 30, val or (30, 30, 30), -1)  # helmet
        cv2.rectangle(dst, (3, 58), (w - 4, 140), val or colour, -1)  # rider's back
        cv2.rectangle(dst, (10, 135), (w - 11, 150), val or (35, 35, 35), -1)  # seat
        cv2.rectangle(dst, (w // 2 - 13, 190), (w // 2 + 12, h - 1), val or (15, 15, 15), -1)
    cv2.rectangle(img, (w // 2 - 12, 140), (w // 2 + 11, 149), (30, 30, 220), -1)
    tag = render_plate(plate_lines(plate), 62)
    x0 = (w - tag.shape[1]) // 2
    img[150 : 150 + tag.shape[0], x0 : x0 + tag.shape[1]] = tag
    mask[150 : 150 + tag.shape[0], x0 : x0 + tag.shape[1]] = 255
    return img, mask


def path(
    role: str, lane: int, cross_s: float, h: int, speed: float
) -> list[tuple[float, float, float]]:
    """Key points of the anchor: enter below the frame, cross the line at cross_s, go on."""
    x = float(LANES[lane])
    start = (cross_s - (H + h - LINE_Y) / speed, x, float(H + h))
    if role == "stopper":  # brakes late: crosses, then stops 25 px past the line
        past, decel = 25.0, speed**2 / 200.0  # from full speed to rest over 100 px
        t_stop = cross_s + np.sqrt(2 * past / decel)
        t_brake = t_stop - speed / decel
        start = (t_brake - (H + h - LINE_Y + past - 100.0) / speed, x, float(H + h))
        braking = [(t, x, LINE_Y - past + 0.5 * decel * (t_stop - t) ** 2)
                   for t in np.linspace(t_brake, t_stop, 12)]  # fmt: skip
        return [start, *braking, (1e9, x, LINE_Y - past)]
    if role == "right_turn":
        c = cross_s
        return [start, (c, x, LINE_Y), (c + 0.6, x + 15, 215.0), (c + 1.2, x + 110, 175.0),
                (c + 1.6, x + 190, 165.0), (c + 2.6, x + 400, 160.0)]  # fmt: skip
    return [start, (cross_s + (LINE_Y + 2) / speed, x, -2.0)]


def build(seed: int, seconds: float) -> list[Vehicle]:
    rng = np.random.default_rng(seed)
    cars, bikes = list(rng.permutation(CAR_PLATES)), list(rng.permutation(BIKE_PLATES))
    out = []
    for i, (role, kind, lane, cross_s) in enumerate(SCRIPT):
        cross_s += float(rng.uniform(-0.25, 0.25))
        plate = str(cars.pop() if kind == "car" else bikes.pop())
        parse(plate, kind)  # planted plates must be valid Vietnamese plates
        colour = COLOURS[int(rng.integers(len(COLOURS)))]
        make, speed = (car_sprite, 190.0) if kind == "car" else (bike_sprite, 210.0)
        sprite, mask = make(colour, plate)
        keys = path(role, lane, cross_s, sprite.shape[0], speed * float(rng.uniform(0.9, 1.1)))
        end = keys[-1][0] if role != "stopper" else cross_s + 3.0
        if end + 0.5 <= seconds:
            out.append(Vehicle(f"V{i + 1}", role, kind, lane, plate, sprite, mask, keys))
    return out


def background() -> np.ndarray:
    img = np.full((H, W, 3), KERB, np.uint8)
    cv2.rectangle(img, (0, 50), (W - 1, LINE_Y - 12), ROAD_GREY, -1)  # the cross street
    cv2.rectangle(img, (ROAD[0], 0), (ROAD[1], H - 1), ROAD_GREY, -1)  # the approach
    cv2.rectangle(img, (ROAD[0] - 6, LINE_Y), (ROAD[0], H - 1), WHITE, -1)  # kerbs
    cv2.rectangle(img, (ROAD[1], LINE_Y), (ROAD[1] + 6, H - 1), WHITE, -1)
    for x in ((LANES[0] + LANES[1]) // 2, (LANES[1] + LANES[2]) // 2):
        for y in range(LINE_Y + 40, H, 70):
            cv2.rectangle(img, (x - 3, y), (x + 3, y + 35), WHITE, -1)  # lane dashes
    cv2.rectangle(img, (ROAD[0], LINE_Y - 4), (ROAD[1], LINE_Y + 4), WHITE, -1)  # stop line
    for x in range(ROAD[0] + 20, ROAD[1] - 30, 60):
        cv2.rectangle(img, (x, LINE_Y - 60), (x + 30, LINE_Y - 20), (200, 200, 200), -1)
    x, y, w, h = HEAD_ROI
    cv2.rectangle(img, (x + w // 2 - 4, y + h), (x + w // 2 + 4, H - 1), (70, 70, 70), -1)
    cv2.putText(img, "DEMO-01", (12, H - 16), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (40, 40, 40), 2)
    return img


def draw_head(img: np.ndarray, state: str) -> None:
    """Vertical head: red on top, amber, green; the lit lamp bright, the others dim."""
    x, y, w, h = HEAD_ROI
    cv2.rectangle(img, (x - 4, y - 4), (x + w + 4, y + h + 4), (22, 22, 22), -1)
    lamps = (("red", (40, 40, 255), (30, 30, 80)), ("amber", (0, 190, 255), (20, 60, 80)),
             ("green", (90, 230, 40), (35, 70, 30)))  # fmt: skip
    for i, (name, lit, dim) in enumerate(lamps):
        centre = (x + w // 2, y + round(h * (2 * i + 1) / 6))
        cv2.circle(img, centre, 17, lit if name == state else dim, -1, cv2.LINE_AA)


def render(vehicles: list[Vehicle], seconds: float, out: Path) -> int:
    base = background()
    n = round(seconds * FPS)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (W, H))
    for i in range(n):
        t = i / FPS
        img = base.copy()
        draw_head(img, signal_at(t))
        for v in vehicles:
            if (a := v.anchor(t)) is None:
                continue
            sh, sw = v.sprite.shape[:2]
            x0, y0 = round(a[0]) - sw // 2, round(a[1]) - sh
            xa, ya, xb, yb = max(0, x0), max(0, y0), min(W, x0 + sw), min(H, y0 + sh)
            if xb <= xa or yb <= ya:
                continue
            sub = (slice(ya - y0, yb - y0), slice(xa - x0, xb - x0))
            keep = v.mask[sub] > 0
            img[ya:yb, xa:xb][keep] = v.sprite[sub][keep]
        writer.write(img)
    writer.release()
    return n


def cross_frame(v: Vehicle, frames: int) -> int | None:
    """The first frame whose drawn anchor is on or past the stop line."""
    for i in range(frames):
        a = v.anchor(i / FPS)
        if a is not None and round(a[1]) <= LINE_Y:
            return i
    return None


def camera_config(video: Path) -> dict[str, Any]:
    return {"cameras": [{
        "id": "DEMO-01",
        "name": "Nút giao trình diễn (dựng hình), hướng từ phía Nam",
        "location": {"lat": 10.3600, "lon": 106.3560},
        "box": "EB-00",
        "source": str(video.resolve()),
        "frame_size": [W, H],
        "stop_line": [[ROAD[0], LINE_Y], [ROAD[1], LINE_Y]],
        "direction": [0, -1],
        "signal": {"source": "vision", "heads": [{"roi": list(HEAD_ROI), "layout": "vertical"}]},
        "exempt": {"right_turn_on_red": {"exit_zone": EXIT_ZONE}},
        "roi": list(DETECT_ROI),
        # Drawn vehicles are invisible to the COCO model: moving blobs instead (demo only).
        "detector": {"kind": "motion"},
        # Each case carries its short video, as a busy approach would (played on the page).
        "evidence": {"clip": True},
    }]}  # fmt: skip


def make(out: Path, seconds: float = 36.0, seed: int = 7) -> dict[str, Any]:
    """Write the video, the camera config and the truth into `out`; return the truth."""
    out.mkdir(parents=True, exist_ok=True)
    vehicles = build(seed, seconds)
    video = out / "demo.mp4"
    frames = render(vehicles, seconds, video)
    config = out / "demo_camera.yaml"
    text = yaml.safe_dump(
        camera_config(video), sort_keys=False, allow_unicode=True, default_flow_style=None
    )
    config.write_text("# The rendered demo camera (scripts/make_demo_video.py)\n" + text)
    truth: dict[str, Any] = {"video": str(video), "config": str(config), "camera": "DEMO-01",
                   "fps": FPS, "frames": frames, "seed": seed, "stop_line_y": LINE_Y,
                   "signal": [{"state": s, "seconds": d} for s, d in PHASES],
                   "violations": [], "negatives": []}  # fmt: skip
    for v in vehicles:
        p = parse(v.plate, v.kind)
        cf = cross_frame(v, frames)
        x_at_cross = None
        if cf is not None:
            at_cross = v.anchor(cf / FPS)
            assert at_cross is not None  # cross_frame found the anchor drawn at that frame
            x_at_cross = round(at_cross[0], 1)
        item = {
            "name": v.name, "kind": v.kind, "lane": LANE_NAMES[v.lane],
            "vehicle_class": "car" if v.kind == "car" else "motorcycle",
            "plate": {"text": p.display, "norm": p.norm},
            "cross_frame": cf, "signal_at_cross": signal_at(cf / FPS) if cf is not None else None,
            "x_at_cross": x_at_cross,
        }  # fmt: skip
        if v.role == "runner":
            truth["violations"].append(item)
        else:
            truth["negatives"].append({**item, "role": v.role, "why": WHY[v.role]})
    (out / "demo_truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--seconds", type=float, default=36.0, help="video length (default 36)")
    ap.add_argument("--seed", type=int, default=7, help="colours, plates, timing jitter")
    args = ap.parse_args(argv)
    truth = make(args.out, args.seconds, args.seed)
    print(f"wrote {truth['video']} ({truth['frames']} frames at {FPS} fps), {truth['config']}")
    for v in truth["violations"]:
        print(f"  planted violation {v['name']}: {v['kind']:9} {v['plate']['text']:13} "
              f"crosses at frame {v['cross_frame']} ({v['signal_at_cross']})")  # fmt: skip
    for v in truth["negatives"]:
        print(f"  negative {v['name']}: {v['kind']:9} {v['plate']['text']:13} {v['why']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
