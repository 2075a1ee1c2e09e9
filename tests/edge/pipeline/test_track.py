"""The tracker on scripted detections (no model), and on real footage with the real detector."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from common.config.sections import TrackerConfig
from edge.perception.geometry import as_box, iou_matrix
from edge.perception.vehicles import Detection
from edge.pipeline.track import Track, Tracker, TrackPoint, TrackState, solve

Box = tuple[float, float, float, float]
# One scripted frame: frame index, time, detections, and which object each detection is.
Frame = tuple[int, float, list[Detection], list[int]]


def box_at(x: float, y: float, w: float, h: float) -> Box:
    return (x, y, x + w, y + h)


def run(tracker: Tracker, frames: list[Frame]) -> dict[int, list[int]]:
    """Feed the frames; for each object, the track id its detection was matched to (0: the
    detection was not part of a confirmed track), frame by frame."""
    ids: dict[int, list[int]] = defaultdict(list)
    for frame_index, t, dets, truth in frames:
        out = {tr.box: tr.id for tr in tracker.update(frame_index, t, dets)}
        for det, obj in zip(dets, truth, strict=True):
            ids[obj].append(out.get(det.box, 0))
    return ids


def script(
    fps: float, seconds: float, objects: dict[int, Callable[[float], tuple[Box, float] | None]]
) -> list[Frame]:
    """Frames at a steady rate; each object gives its (box, score) at time t, or None."""
    frames = []
    for k in range(round(seconds * fps) + 1):
        t = k / fps
        dets, truth = [], []
        for obj, fn in objects.items():
            seen = fn(t)
            if seen is not None:
                dets.append(Detection(seen[0], seen[1], "motorcycle"))
                truth.append(obj)
        frames.append((k, t, dets, truth))
    return frames


def switches(ids: list[int]) -> int:
    """Changes of track id over an object's confirmed frames."""
    seen = [i for i in ids if i]
    return sum(a != b for a, b in itertools.pairwise(seen))


@pytest.mark.parametrize("fps", [5.0, 10.0, 30.0])
def test_two_objects_crossing_paths_keep_their_ids(fps: float) -> None:
    def a(t: float) -> tuple[Box, float]:
        return box_at(100 + 200 * t, 300, 60, 90), 0.9

    def b(t: float) -> tuple[Box, float]:
        x = 700 - 200 * t
        behind = abs(x - (100 + 200 * t)) < 40  # occluded by a: the detector is unsure
        return box_at(x, 315, 60, 90), 0.3 if behind else 0.85

    ids = run(Tracker(), script(fps, 3.0, {0: a, 1: b}))
    assert set(ids[0][1:]) == {1} and set(ids[1][1:]) == {2}, ids


def test_occluded_for_0_8_s_keeps_its_id() -> None:
    def obj(t: float) -> tuple[Box, float] | None:
        if 1.0 < t < 1.8 - 1e-9:
            return None
        return box_at(200 + 120 * t, 400, 60, 90), 0.8

    tracker = Tracker()
    frames = script(5.0, 3.0, {0: obj})
    states = []
    for frame_index, t, dets, _ in frames:
        tracker.update(frame_index, t, dets)
        states.append(tracker.tracks[0].state if tracker.tracks else None)
    (track,) = tracker.tracks
    assert track.id == 1 and track.state == TrackState.CONFIRMED
    assert TrackState.LOST in states
    lost = [p for p in track.history if not p.matched]
    assert len(lost) == 3 and all(p.score == 0.0 for p in lost)
    assert abs(track.velocity[0] - 120) < 12 and abs(track.velocity[1]) < 12


def test_new_object_gets_a_new_id_and_ids_are_never_reused() -> None:
    def a(t: float) -> tuple[Box, float] | None:
        if 2.0 < t < 4.0:  # gone for longer than max_lost_s
            return None
        return box_at(100 + 50 * t, 200, 80, 120), 0.9

    def b(t: float) -> tuple[Box, float] | None:
        return (box_at(900, 500 - 40 * t, 80, 120), 0.9) if t >= 1.0 else None

    tracker = Tracker()
    ids = run(tracker, script(10.0, 5.0, {0: a, 1: b}))
    assert set(ids[1][1:]) == {2}
    assert sorted(set(ids[0]) - {0}) == [1, 3]
    assert ids[0].index(3) > ids[0].index(1)


def test_low_score_detections_keep_a_track_alive() -> None:
    def obj(t: float) -> tuple[Box, float]:
        return box_at(100 + 80 * t, 300, 70, 100), 0.2 if 1.0 < t < 3.0 else 0.9

    frames = script(6.0, 4.0, {0: obj})
    ids = run(Tracker(), frames)
    assert set(ids[0][1:]) == {1}  # confirmed and matched in every frame, low ones too
    # Without the second (low-score) stage the track is lost for 2 s and removed.
    ids = run(Tracker(TrackerConfig(low_thresh=0.3)), frames)
    assert sorted(set(ids[0]) - {0}) == [1, 2]


WEAK_CASES = {
    # name: (score of the box at frame k of 6 / s, or None: unseen; weak_hits; first frame
    # that is part of a confirmed track, or None: never)
    "a weak box in the same place frame after frame is a road user": (lambda k: 0.2, 3, 2),
    "... after as many frames as weak_hits asks": (lambda k: 0.2, 5, 4),
    "a weak box that flickers is noise": (lambda k: 0.2 if k % 2 == 0 else None, 3, None),
    "a weak box seen twice and gone is noise": (lambda k: 0.2 if k < 2 else None, 3, None),
    "weak_hits 0: low boxes never start tracks": (lambda k: 0.2, 0, None),
    "a box under low_thresh is nothing": (lambda k: 0.05, 3, None),
    "a strong birth goes on with weak boxes": (lambda k: 0.9 if k == 0 else 0.2, 3, 1),
}


@pytest.mark.parametrize("case", list(WEAK_CASES))
def test_weak_boxes_start_tracks_only_when_they_persist(case: str) -> None:
    score_at, weak_hits, first = WEAK_CASES[case]

    def waiting_rider(t: float) -> tuple[Box, float] | None:
        score = score_at(round(t * 6))
        return None if score is None else (box_at(300, 300, 40, 70), score)

    frames = script(6.0, 2.0, {0: waiting_rider})
    ids = run(Tracker(TrackerConfig(weak_hits=weak_hits)), frames)[0]
    confirmed = [k for k, i in enumerate(ids) if i]
    got = confirmed[0] if confirmed else None
    assert got == first, f"{case}: first confirmed detection {got}, expected {first} ({ids})"
    if first is not None:  # from then on, every detection is that one track
        assert set(ids[first:]) == {ids[first]}, f"{case}: lost or changed track ({ids})"


# A rider pulling away past the stop line (vn_a, frames 50-80 at 5 detections/s, boxes as the
# detector gave them): at the third detection it also boxed a part of the same motorbike
# (score 0.48, 94 % inside), and the next box is narrower, nearer that part than the track.
RIDER_AWAY = [
    (879, 361, 957, 460),
    (890, 311, 951, 404),
    (880, 258, 951, 345),
    (902, 254, 940, 322),
    (896, 223, 937, 289),
    (896, 201, 935, 259),
]
PART_OF_RIDER = (899, 282, 942, 349)


def test_a_part_boxed_beside_the_whole_vehicle_does_not_take_its_track() -> None:
    frames = []
    for k, box in enumerate(RIDER_AWAY):
        dets, truth = [Detection(as_box(box), 0.76, "motorcycle")], [0]
        if k == 2:
            dets.append(Detection(as_box(PART_OF_RIDER), 0.48, "motorcycle"))
            truth.append(1)
        frames.append((6 * k, k / 5, dets, truth))
    ids = run(Tracker(TrackerConfig()), frames)
    assert len(set(ids[0][1:])) == 1 and ids[0][1], f"the rider changed track: {ids[0]}"


PART_CASES = {
    # name: (the second box, as x, y, w, h beside the vehicle at 300, 300, 40, 70; confirmed?)
    "a box wholly inside a tracked vehicle's is a part of it": ((305, 320, 30, 45), False),
    "... nine-tenths inside too": ((300, 330, 40, 44), False),
    "a neighbour half hidden behind it is a road user of its own": ((320, 280, 40, 70), True),
}


@pytest.mark.parametrize("case", list(PART_CASES))
def test_boxes_inside_a_tracked_vehicle_start_no_track(case: str) -> None:
    second, confirmed = PART_CASES[case]
    objects: dict[int, Callable[[float], tuple[Box, float] | None]] = {
        0: lambda t: (box_at(300, 300, 40, 70), 0.8),
        1: lambda t: (box_at(*second), 0.7),
    }
    ids = run(Tracker(TrackerConfig()), script(5.0, 2.0, objects))
    assert any(ids[1]) == confirmed, f"{case}: the second box's tracks {ids[1]}"
    assert ids[0][1:] == [ids[0][1]] * (len(ids[0]) - 1), f"{case}: the vehicle's {ids[0]}"


def dense_group(
    fps: float, seconds: float = 5.0, seed: int = 0, speed: float = 120.0, ramp_s: float = 0.0
) -> list[Frame]:
    """12 small motorbikes (3 rows of 4, gaps of 8 px) riding up the frame together at
    `speed` px/s (reached after ramp_s, as when pulling away from the stop line), with a
    speed wobble and a sway, each drifting a little on its own; box jitter, 5% missed
    detections and 15% low scores (partly hidden riders), in a shuffled order."""
    rng = np.random.default_rng(seed)
    w, h = 36.0, 54.0
    starts = [(400.0 + c * 44, 700.0 + r * 62) for r in range(3) for c in range(4)]
    frames = []
    for k in range(round(seconds * fps) + 1):
        t = k / fps
        ridden = speed * (t * t / (2 * ramp_s) if t < ramp_s else t - ramp_s / 2)
        dx, dy = 15 * np.sin(0.8 * t), -ridden - 20 * np.sin(1.3 * t)
        dets, truth = [], []
        for i, (x, y) in enumerate(starts):
            ox, oy = 4 * np.sin(0.9 * t + i), 4 * np.cos(1.1 * t + 2 * i)
            jitter = rng.normal(0, 1.5, 4)
            missed, low = rng.random() < 0.05, rng.random() < 0.15
            if missed and k > 2:
                continue
            x1, y1 = x + dx + ox, y + dy + oy
            box = (x1 + jitter[0], y1 + jitter[1], x1 + w + jitter[2], y1 + h + jitter[3])
            score = rng.uniform(0.15, 0.3) if low and k > 2 else rng.uniform(0.4, 0.9)
            dets.append(Detection(as_box(box), float(score), "motorcycle"))
            truth.append(i)
        order = rng.permutation(len(dets))
        frames.append((k, t, [dets[j] for j in order], [truth[j] for j in order]))
    return frames


@pytest.mark.parametrize("fps", [6.0, 30.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("speed", "ramp_s"), [(120.0, 0.0), (250.0, 1.0)])
def test_dense_group_of_small_motorbikes_keeps_all_ids(
    fps: float, seed: int, speed: float, ramp_s: float
) -> None:
    ids = run(Tracker(), dense_group(fps, seed=seed, speed=speed, ramp_s=ramp_s))
    assert sum(switches(v) for v in ids.values()) == 0, ids
    # every rider confirmed from the second frame on, one id each, ids 1..12
    assert sorted(v[1] for v in ids.values()) == list(range(1, 13))
    per_obj = {obj: set(v[1:]) - {0} for obj, v in ids.items()}
    assert all(len(s) == 1 for s in per_obj.values()), per_obj


def test_fast_small_box_whose_boxes_do_not_overlap_still_matches() -> None:
    # 30x45 px moving 300 px/s at 5 detections/s: 60 px between boxes 45 px tall.
    def obj(t: float) -> tuple[Box, float]:
        return box_at(500 + 20 * t, 650 - 300 * t, 30, 45), 0.8

    frames = script(5.0, 2.0, {0: obj})
    assert iou_matrix(np.array([frames[0][2][0].box]), np.array([frames[1][2][0].box]))[0, 0] == 0
    ids = run(Tracker(), frames)
    assert set(ids[0][1:]) == {1}
    # IoU alone never confirms it: each new box starts a new tentative track.
    ids = run(Tracker(small_box_px=0), frames)
    assert set(ids[0]) == {0}


def test_labels_by_majority_ties_to_the_higher_total_score() -> None:
    def feed(labels: list[tuple[str, float]]) -> str:
        tracker = Tracker()
        for k, (label, score) in enumerate(labels):
            tracker.update(k, k / 10, [Detection(box_at(100 + 5 * k, 100, 60, 90), score, label)])
        (track,) = tracker.tracks
        return track.label

    assert feed([("motorcycle", 0.5)] * 5 + [("bicycle", 0.9)] * 3) == "motorcycle"
    assert feed([("car", 0.9), ("truck", 0.6), ("car", 0.4), ("truck", 0.8)]) == "truck"


def test_the_road_user_is_the_box_with_the_rider_seen_on_it_now() -> None:
    """The tracker follows the machine's box (its bottom is the anchor); the rider seen on it
    widens the road user only while seen: a predicted box has no rider yet."""
    bike, rider = box_at(100, 150, 40, 80), box_at(98, 100, 44, 100)
    tracker = Tracker()
    for k in range(3):
        tracker.update(k, k / 5, [Detection(bike, 0.6, "motorcycle", rider)])
    (track,) = tracker.tracks
    assert track.box == bike and track.anchor == (120.0, 230.0), "the anchor is the wheels'"
    assert track.extent == (98.0, 100.0, 142.0, 230.0), f"machine and rider: {track.extent}"
    tracker.update(3, 0.6, [Detection(bike, 0.6, "motorcycle")])
    assert track.extent == bike, "a match without a rider seen is the machine alone"
    tracker.update(4, 0.8, [])
    assert track.rider is None and track.extent == track.box, "lost: the prediction alone"


def test_deterministic() -> None:
    frames = dense_group(6.0, seed=3)

    def once() -> list[tuple[int, str, list[TrackPoint]]]:
        tracker = Tracker()
        seen: dict[int, Track] = {}
        for frame_index, t, dets, _ in frames:
            for tr in tracker.update(frame_index, t, dets):
                seen[tr.id] = tr
        return [(tr.id, tr.label, tr.history) for tr in seen.values()]

    assert once() == once()


def test_uneven_intervals_use_time() -> None:
    # A fast small box seen at irregular times: one id, and the speed comes out in px/s.
    gaps = [1 / 30, 0.1, 0.2, 1 / 6, 0.4, 1 / 30, 0.25]
    times = np.cumsum([0.0] + gaps * 4)
    tracker = Tracker()
    ids = set()
    for t in times:
        det = Detection(box_at(300 + 40 * t, 700 - 180 * t, 34, 50), 0.8, "motorcycle")
        ids |= {tr.id for tr in tracker.update(round(t * 30), float(t), [det])}
    assert ids == {1}
    vx, vy = tracker.tracks[0].velocity
    assert abs(vx - 40) < 4 and abs(vy + 180) < 9
    assert tracker.tracks[0].age_s == pytest.approx(times[-1])


@pytest.mark.parametrize(("fps", "gap_s", "kept"), [(30.0, 1.2, True), (6.0, 1.7, False)])
def test_lost_tracks_age_in_seconds(fps: float, gap_s: float, kept: bool) -> None:
    def obj(t: float) -> tuple[Box, float] | None:
        if 1.0 < t < 1.0 + gap_s - 1e-9:
            return None
        return box_at(300 + 60 * t, 300, 70, 100), 0.9

    tracker = Tracker()
    removed = []
    ids: list[int] = []
    for frame_index, t, dets, _ in script(fps, 1.0 + gap_s + 1.0, {0: obj}):
        out = tracker.update(frame_index, t, dets)
        ids += [tr.id for tr in out]
        removed += [(tr.id, tr.state) for tr in tracker.removed]
    assert sorted(set(ids)) == ([1] if kept else [1, 2])
    assert removed == ([] if kept else [(1, TrackState.REMOVED)])


def test_assignment_leaves_poor_pairs_unmatched() -> None:
    # Matching both rows (1.6 + 1.6) would pair more, but one good pair and two unmatched
    # (0.5 + 1 + 1) is cheaper: no chain of poor matches just to fill the matrix.
    inf = np.inf
    assert solve(np.array([[0.5, 1.6], [1.6, inf]])) == [(0, 0)]
    assert solve(np.array([[inf, 0.3], [0.2, 0.9]])) == [(0, 1), (1, 0)]
    assert solve(np.full((2, 3), inf)) == [] and solve(np.zeros((0, 3))) == []


def test_history_is_bounded_in_time() -> None:
    tracker = Tracker(history_s=2.0)
    for k in range(300):  # 10 s at 30 fps
        tracker.update(k, k / 30, [Detection(box_at(100 + k, 100, 60, 90), 0.9, "car")])
    (track,) = tracker.tracks
    assert track.hits == 300 and track.age_s == pytest.approx(299 / 30)
    assert track.history[-1].t - track.history[0].t <= 2.0 and len(track.history) == 61


def test_time_must_not_go_backwards() -> None:
    tracker = Tracker()
    tracker.update(10, 1.0, [])
    with pytest.raises(ValueError, match="backwards"):
        tracker.update(9, 0.9, [])


# -- real footage -------------------------------------------------------------------------

# The two violating motorbikes of vn_a: crossing frame and their box there.
VN_A_VIOLATORS = [(57, (880, 300, 945, 390)), (110, (859, 279, 933, 394))]


def detect_every(video: Path, first: int, last: int, step: int) -> Iterator[tuple[int, list]]:
    import cv2

    from edge.perception.models import ModelRegistry
    from edge.perception.vehicles import VehicleDetector

    detector = VehicleDetector(ModelRegistry().path("vehicles"), threads=2)
    cap = cv2.VideoCapture(str(video))
    try:
        for index in range(last + 1):
            if index < first or (index - first) % step:
                assert cap.grab(), f"cannot read frame {index} of {video}"
                continue
            ok, frame = cap.read()
            assert ok, f"cannot read frame {index} of {video}"
            yield index, [d for d in detector.detect(frame) if d.label != "traffic light"]
    finally:
        cap.release()


def test_real_violators_keep_one_id_through_their_crossing(media_dir: Path) -> None:
    tracker = Tracker()
    fps = 30.0
    outputs: dict[int, list[tuple[int, Box]]] = {}
    for index, dets in detect_every(media_dir / "vn_a.mp4", 20, 160, 3):  # 10 detections/s
        outputs[index] = [(tr.id, tr.box) for tr in tracker.update(index, index / fps, dets)]
    for cross, ref in VN_A_VIOLATORS:
        near = min(outputs, key=lambda f: abs(f - cross))
        hits = [tid for tid, box in outputs[near] if _iou(box, ref) >= 0.5]
        assert len(hits) == 1, f"frame {near}: no single track on {ref}: {outputs[near]}"
        # The rule needs the track on both sides of the line: from two detections before the
        # crossing to half a second after. (Earlier, this rider's detection scores hover at
        # the tracker's start threshold, so when its track starts is not the point here.)
        window = [f for f in outputs if cross - 2 * 3 <= f <= cross + 15]
        # the same id, confirmed and matched in every processed frame of the window ...
        missing = [f for f in window if hits[0] not in {tid for tid, _ in outputs[f]}]
        assert not missing, f"track {hits[0]} (crossing {cross}) missing at frames {missing}"
        # ... and no second track on the same rider there
        for f in window:
            (box,) = [b for tid, b in outputs[f] if tid == hits[0]]
            twins = [tid for tid, b in outputs[f] if tid != hits[0] and _iou(b, box) > 0.3]
            assert not twins, f"frame {f}: tracks {twins} duplicate track {hits[0]}"


def _iou(a: Box, b: Box) -> float:
    return float(iou_matrix(np.array([a], float), np.array([b], float))[0, 0])
