"""Signal-head classifier: synthetic heads drawn here, then the real videos in ../shared/media."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import pytest

from edge.perception.signal_heads import LampReading, LampState, SignalHead, SignalHeadClassifier
from tests.media import read_frames
from tests.paths import REPO

Layout = Literal["vertical", "horizontal"]  # SignalHead.layout
BG = (125, 120, 115)  # grey-blue sky behind the heads (BGR)

# BGR colour of the lit lamp and of its over-exposed core, as a camera tends to show them.
RED = ((30, 30, 225), (190, 200, 255))
AMBER = ((0, 165, 255), (150, 235, 255))
GREEN = ((170, 205, 0), (225, 255, 200))
RED_AS_ORANGE = ((20, 150, 255), (130, 235, 255))  # a red lamp saturated to orange-yellow


def draw_head(
    frame: np.ndarray,
    origin: tuple[int, int],
    lit: int | None,
    colours: tuple[tuple[int, int, int], tuple[int, int, int]] = RED,
    layout: Layout = "vertical",
    lamp: int = 24,
    margin: tuple[float, float] = (0.1, 0.1),
) -> SignalHead:
    """Draw a 3-lamp head (lamp index `lit` on, or all dark) and return a loose ROI around it.

    margin: the ROI's slack on each side, as a share of the head (across, along).
    """
    pitch, pad = lamp + 8, 5
    ox, oy = origin
    long_, short = 3 * pitch + 2 * pad - 8, lamp + 2 * pad
    w, h = (short, long_) if layout == "vertical" else (long_, short)
    cv2.rectangle(frame, (ox, oy), (ox + w, oy + h), (35, 35, 38), -1)
    glow = np.zeros_like(frame)
    for i in range(3):
        c = pad + lamp // 2 + i * pitch
        centre = (ox + short // 2, oy + c) if layout == "vertical" else (ox + c, oy + short // 2)
        if i == lit:
            cv2.circle(glow, centre, lamp // 2 + 3, colours[0], -1, cv2.LINE_AA)
            cv2.circle(frame, centre, lamp // 2, colours[0], -1, cv2.LINE_AA)
            cv2.circle(frame, centre, lamp // 3, colours[1], -1, cv2.LINE_AA)
        else:
            cv2.circle(frame, centre, lamp // 2, (52, 50, 50), -1, cv2.LINE_AA)
    frame[:] = cv2.add(frame, cv2.GaussianBlur(glow, (0, 0), 3) // 3)
    across, along = margin if layout == "vertical" else margin[::-1]
    mx, my = round(w * across), round(h * along)  # operators draw with some slack
    return SignalHead((ox - mx, oy - my, w + 2 * mx, h + 2 * my), layout)


def like_video(frame: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Blur, shrink and JPEG-compress, as a traffic camera and its encoder would."""
    out = cv2.GaussianBlur(frame, (0, 0), 1.0)
    if scale != 1.0:
        out = cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    assert decoded is not None
    return decoded


def scaled(head: SignalHead, s: float) -> SignalHead:
    x, y, w, h = head.roi
    roi = (round(x * s), round(y * s), max(1, round(w * s)), max(1, round(h * s)))
    return SignalHead(roi, head.layout)


def read_one(lit, colours=RED, layout="vertical", scale=1.0, margin=(0.1, 0.1)) -> LampReading:
    frame = np.full((240, 320, 3), BG, np.uint8)
    origin = (120, 40) if layout == "vertical" else (80, 100)
    head = draw_head(frame, origin, lit, colours, layout, margin=margin)
    frame, head = like_video(frame, scale), scaled(head, scale)
    return SignalHeadClassifier([head]).classify(frame)


def explain(r: LampReading) -> str:
    return "; ".join(
        f"{d.state} conf={d.confidence:.2f} lit={d.lit:.2f} pos={d.position:.2f} hue={d.hue}"
        for d in r.details
    )


@pytest.mark.parametrize(
    ("lit", "colours", "want"),
    [
        (0, RED, LampState.RED),
        (1, AMBER, LampState.AMBER),
        (2, GREEN, LampState.GREEN),
        (0, RED_AS_ORANGE, LampState.RED),  # the place, not the hue, makes it red
    ],
)
def test_vertical_head_reads_the_lit_lamp(lit, colours, want) -> None:
    r = read_one(lit, colours)
    assert r.state is want, explain(r)
    assert r.confidence > 0.5, explain(r)


@pytest.mark.parametrize(
    ("lit", "colours", "want"),
    [
        (0, RED, LampState.RED),  # red on the left (right-hand traffic)
        (2, RED, LampState.RED),  # red on the right (left-hand traffic: Japan, Thailand)
        (1, AMBER, LampState.AMBER),
        (2, GREEN, LampState.GREEN),
        (0, GREEN, LampState.GREEN),
    ],
)
def test_horizontal_head_reads_the_lit_lamp(lit, colours, want) -> None:
    r = read_one(lit, colours, layout="horizontal")
    assert r.state is want, explain(r)


@pytest.mark.parametrize("layout", ["vertical", "horizontal"])
def test_all_dark_head_is_unknown(layout: Layout) -> None:
    r = read_one(None, layout=layout)
    assert r.state is LampState.UNKNOWN, explain(r)
    assert r.heads == (LampState.UNKNOWN,)


@pytest.mark.parametrize(
    ("lit", "colours", "want"),
    [
        (0, RED, LampState.RED),
        (0, RED_AS_ORANGE, LampState.RED),
        (1, AMBER, LampState.AMBER),
        (2, GREEN, LampState.GREEN),
        (None, RED, LampState.UNKNOWN),
    ],
)
def test_tiny_head_of_a_few_pixels(lit, colours, want) -> None:
    # Shrunk to a head of about 6x18 px with 4 px lamps, in a loose 11x21 px ROI.
    r = read_one(lit, colours, scale=0.18, margin=(0.4, 0.1))
    assert r.state is want, explain(r)


def test_hue_that_contradicts_the_lamp_place_is_not_a_reading() -> None:
    # Deep red where the green lamp is (or green where red is) is not a lamp: a tail light or a
    # wrong ROI. Unknown is the safe answer; an over-exposed red (orange) at the top is not this.
    assert read_one(2, RED).state is LampState.UNKNOWN
    assert read_one(0, GREEN).state is LampState.UNKNOWN


def test_heads_are_combined_and_dark_or_disagreeing_heads_do_not_win() -> None:
    frame = np.full((240, 400, 3), BG, np.uint8)
    red1 = draw_head(frame, (40, 40), 0, RED)
    red2 = draw_head(frame, (160, 40), 0, RED)
    dark = draw_head(frame, (280, 40), None)
    frame = like_video(frame)
    r = SignalHeadClassifier([red1, dark, red2]).classify(frame)
    assert r.state is LampState.RED, explain(r)
    assert r.heads == (LampState.RED, LampState.UNKNOWN, LampState.RED)

    frame = np.full((240, 400, 3), BG, np.uint8)
    red1 = draw_head(frame, (40, 40), 0, RED)
    green = draw_head(frame, (160, 40), 2, GREEN)
    red2 = draw_head(frame, (280, 40), 0, RED)
    frame = like_video(frame)
    r = SignalHeadClassifier([red1, green]).classify(frame)
    assert r.state is LampState.UNKNOWN, explain(r)  # one against one: no guess
    r = SignalHeadClassifier([red1, green, red2]).classify(frame)
    assert r.state is LampState.RED, explain(r)  # two against one
    assert r.confidence < SignalHeadClassifier([red1, red2]).classify(frame).confidence


def test_roi_partly_outside_the_frame_is_clipped() -> None:
    frame = np.full((120, 160, 3), BG, np.uint8)
    head = draw_head(frame, (130, 10), 0, RED)  # the ROI runs past the right edge
    assert head.roi[0] + head.roi[2] > frame.shape[1]
    r = SignalHeadClassifier([head]).classify(like_video(frame))
    assert r.state is LampState.RED, explain(r)
    off = SignalHeadClassifier([SignalHead((500, 500, 20, 50))]).classify(frame)
    assert off.state is LampState.UNKNOWN


def test_no_heads_is_an_error() -> None:
    with pytest.raises(ValueError):
        SignalHeadClassifier([])


# --- real videos -------------------------------------------------------------------------------


def sample_frames(seg: dict[str, Any], cuts: list[int], per_segment: int = 8) -> list[int]:
    """Frames of a segment away from its changes (2 frames either side), else its middle."""
    a, b = int(seg["from_frame"]), int(seg["to_frame"])
    inner = [i for i in range(a, b + 1) if all(abs(i - c) > 2 for c in cuts)]
    if not inner:
        return [(a + b) // 2]
    picks = np.linspace(0, len(inner) - 1, min(per_segment, len(inner))).round().astype(int)
    return sorted({inner[i] for i in picks})


@pytest.mark.slow
def test_real_videos_sampled_frames_match_the_timeline(media_dir: Path) -> None:
    files = sorted(media_dir.glob("*.json"))
    if not files:
        pytest.skip(f"no annotated videos in {media_dir}")
    failures = []
    checked = 0
    for path in files:
        truth = json.loads(path.read_text())
        heads = [
            SignalHead(tuple(h["roi"]), h["layout"]) for h in truth["calibration"]["signal_heads"]
        ]
        classifier = SignalHeadClassifier(heads)
        frames = read_frames(path.with_name(truth["video"]))
        cuts = [int(s["from_frame"]) for s in truth["signal_timeline"][1:]]
        for seg in truth["signal_timeline"]:
            for i in sample_frames(seg, cuts):
                r = classifier.classify(frames[i])
                checked += 1
                if r.state != seg["state"]:
                    failures.append(
                        f"{truth['video']} frame {i}: expected {seg['state']}, got {r.state} "
                        f"({explain(r)})"
                    )
    assert checked > 50
    assert not failures, "\n".join(failures)


def test_eval_script_scores_a_video(media_dir: Path) -> None:
    path = media_dir / "th_bangkok.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    spec = importlib.util.spec_from_file_location(
        "eval_signal", REPO / "scripts" / "eval_signal.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = mod.evaluate_video(path)
    assert res["frames"] == 129
    assert res["scored"] + len(res["changing"]) == 129
    assert {c["frame"] for c in res["changing"]} == set(range(43, 51))  # cuts at 45 and 48
    assert res["wrong"] == [], res["wrong"]
    assert res["accuracy"] == 1.0
