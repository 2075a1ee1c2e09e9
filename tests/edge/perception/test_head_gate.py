"""The change gate in front of the signal-head reading: the same state on every frame as
reading every frame, at a fraction of the cost, and a change of the heads read at once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np

from edge.perception.head_gate import GatedHeadReader
from edge.perception.signal_heads import LampState, SignalHead, SignalHeadClassifier
from tests.edge.perception.test_signal_heads import BG, GREEN, RED, draw_head, like_video


def scene(
    lit: int | None, colours: tuple = RED, noise_seed: int = 0
) -> tuple[np.ndarray, SignalHead]:
    """A 320x240 frame with one head, JPEG-compressed, and a few levels of sensor noise."""
    frame = np.full((240, 320, 3), BG, np.uint8)
    head = draw_head(frame, (120, 40), lit, colours)
    noise = np.random.default_rng(noise_seed).integers(-3, 4, frame.shape)
    return like_video(np.clip(frame + noise, 0, 255).astype(np.uint8)), head


def test_noise_reuses_the_reading_and_a_lamp_change_is_read_on_its_frame() -> None:
    red, head = scene(0)
    gate = GatedHeadReader([head])
    assert gate.classify(red).state is LampState.RED
    for seed in range(1, 6):
        assert gate.classify(scene(0, noise_seed=seed)[0]).state is LampState.RED
    assert (gate.reads, gate.reused) == (1, 5), "encoder noise made the heads be read again"
    green, _ = scene(2, GREEN)
    assert gate.classify(green).state is LampState.GREEN, "the change to green was not read"
    assert gate.reads == 2


def test_a_slow_fade_adds_up_against_the_frame_last_read() -> None:
    lit, head = scene(0)
    dark, _ = scene(None)
    gate = GatedHeadReader([head], max_reused=1000)
    gate.classify(lit)
    steps = [cv2.addWeighted(lit, 1 - k / 20, dark, k / 20, 0) for k in range(1, 21)]
    for frame in steps:  # each step moves the lamp's blocks by a few levels only
        gate.classify(frame)
    assert gate.reads >= 2, "a lamp fading out over 20 frames was never read again"
    assert gate.classify(dark).state == SignalHeadClassifier([head]).classify(dark).state


def test_a_reading_is_kept_at_most_max_reused_frames() -> None:
    red, head = scene(0)
    gate = GatedHeadReader([head], max_reused=4)
    for _ in range(10):
        gate.classify(red)
    assert gate.reads == 2 and gate.reused == 8, (gate.reads, gate.reused)


def test_the_public_videos_read_the_same_state_on_every_frame_for_less(media_dir: Path) -> None:
    differ, frames, full_s, gated_s = [], 0, 0.0, 0.0
    for truth_path in sorted(media_dir.glob("*.json")):
        truth = json.loads(truth_path.read_text())
        heads = [
            SignalHead(tuple(int(v) for v in h["roi"]), h.get("layout", "vertical"))  # type: ignore[arg-type]
            for h in truth["calibration"]["signal_heads"]
        ]
        full, gate = SignalHeadClassifier(heads), GatedHeadReader(heads)
        capture = cv2.VideoCapture(str(truth_path.with_suffix(".mp4")))
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            started = time.thread_time()
            want = full.classify(frame).state
            between = time.thread_time()
            got = gate.classify(frame).state
            full_s += between - started
            gated_s += time.thread_time() - between
            if got != want:
                differ.append(f"{truth_path.stem} frame {index}: {got}, every frame read {want}")
            index += 1
        capture.release()
        frames += index
    assert frames > 1000, f"only {frames} frames in {media_dir}"
    assert not differ, "the gate changed the state read:\n" + "\n".join(differ)
    assert gated_s < full_s / 2, f"gated {gated_s:.2f} s against {full_s:.2f} s read every frame"
