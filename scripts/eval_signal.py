"""Score the signal-head classifier against the person-read signal timelines of the real videos.

    python scripts/eval_signal.py [--media DIR] [--margin 2] [--picture-fps 10]

For every NAME.json in DIR (default ../shared/media beside the repository) it classifies every
frame of NAME.mp4 with the calibration's heads and prints JSON: per video the frames scored,
correct, accuracy and each wrong frame, plus an overall line. Frames within `margin` frames of a
boundary between timeline segments (b-margin .. b+margin, b = first frame of the new segment)
are not scored, because a person cannot place a change more exactly than that; they are
reported separately. With `--picture-fps` only the frames the pipeline makes pictures of are
classified (`detector.picture_fps`) and each reading holds until the next picture, as the rule
sees it. `evaluate_video` is self-contained so benchmarks can import this file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MEDIA = REPO.parent / "shared" / "media"


def evaluate_video(
    json_path: str | Path, margin: int = 2, picture_fps: float = 0.0
) -> dict[str, Any]:
    """Run the classifier over one annotated video and compare it with its signal_timeline;
    on every frame, or on the pictures at `picture_fps`, each held to the next."""
    import cv2

    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from edge.perception.signal_heads import SignalHead, SignalHeadClassifier
    from edge.pipeline.source import picture_stride

    json_path = Path(json_path)
    truth = json.loads(json_path.read_text())
    heads = []
    for h in truth["calibration"]["signal_heads"]:
        x, y, w, hh = (int(v) for v in h["roi"])
        heads.append(SignalHead(roi=(x, y, w, hh), layout=h.get("layout", "vertical")))
    classifier = SignalHeadClassifier(heads)
    expected: dict[int, str] = {}
    for seg in truth["signal_timeline"]:
        for i in range(int(seg["from_frame"]), int(seg["to_frame"]) + 1):
            expected[i] = seg["state"]
    cuts = [int(s["from_frame"]) for s in truth["signal_timeline"][1:]]
    changing = {i for b in cuts for i in range(b - margin, b + margin + 1)}

    video = json_path.with_name(truth.get("video", json_path.stem + ".mp4"))
    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise FileNotFoundError(f"cannot open {video}")
    stride = picture_stride(cap.get(cv2.CAP_PROP_FPS) or 25.0, picture_fps)
    scored = correct = index = 0
    got = "unknown"
    wrong: list[dict[str, Any]] = []
    changing_frames: list[dict[str, Any]] = []
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            want = expected.get(index)
            if index % stride == 0:
                got = str(classifier.classify(frame).state)
            if want is not None:
                if index in changing:
                    changing_frames.append({"frame": index, "expected": want, "got": got})
                else:
                    scored += 1
                    if got == want:
                        correct += 1
                    else:
                        wrong.append({"frame": index, "expected": want, "got": got})
            index += 1
    finally:
        cap.release()
    return {
        "video": video.name,
        "frames": index,
        "picture_stride": stride,
        "scored": scored,
        "correct": correct,
        "accuracy": round(correct / scored, 4) if scored else None,
        "wrong": wrong,
        "changing": changing_frames,
        "changing_correct": sum(c["expected"] == c["got"] for c in changing_frames),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--media", type=Path, default=DEFAULT_MEDIA, help="folder of NAME.json/mp4")
    ap.add_argument("--margin", type=int, default=2, help="frames around a change not scored")
    ap.add_argument("--picture-fps", type=float, default=0.0,
                    help="classify only the pictures at this rate (0: every frame)")  # fmt: skip
    args = ap.parse_args(argv)
    files = sorted(args.media.glob("*.json"))
    if not files:
        print(json.dumps({"error": f"no annotated videos in {args.media}"}))
        return 2
    scored = correct = 0
    for path in files:
        res = evaluate_video(path, margin=args.margin, picture_fps=args.picture_fps)
        scored += res["scored"]
        correct += res["correct"]
        print(json.dumps(res))
    overall = {"overall": True, "videos": len(files), "scored": scored, "correct": correct,
               "accuracy": round(correct / scored, 4) if scored else None}  # fmt: skip
    print(json.dumps(overall))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
