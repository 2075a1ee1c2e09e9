"""Multi-object tracking of road users: a compact ByteTrack in continuous time.

Our own rather than supervision's (which pulls a second OpenCV) or ultralytics' (torch).
Time, not frame counts, drives everything: detection runs at a few frames per second on
30 fps streams, some streams are 6 fps, and a busy edge box may skip frames, so the motion
model, the association gates and the ageing of lost tracks are all in seconds of video time.

Association per processed frame (ByteTrack, Zhang et al. 2022), each stage one optimal
assignment (Jonker-Volgenant, the `lap` package) in which leaving a track or a detection
unmatched has a cost, so a poor pair is never forced just to fill the matrix:
1. high-score detections against confirmed and lost tracks, by IoU;
2. low-score detections against the tracks still unmatched (confirmed or lost), by IoU: an
   occluded vehicle's detection often scores low, and dropping it would break the track at
   the stop line (low boxes never use the fallback below);
3. remaining high-score detections against tentative tracks, then the remaining low-score
   ones against the tentative tracks still unmatched, by IoU;
4. small-box fallback: remaining high-score detections against every track still unmatched;
5. remaining high-score detections start tentative tracks, confirmed after `min_hits`
   matches in a row; remaining low-score ones start tentative tracks too, confirmed only
   after `weak_hits` matches in a row (a tentative track that misses a frame is dropped);
   a box nine-tenths inside one a track took, or a better newcomer, is a part and starts none.

Why weak births: seen from behind in a dense queue, COCO's YOLOv8n scores many riders
0.1-0.35 frame after frame (on the labels of `scripts/eval_detections.py`, a third of the
riders near the line were never tracked). A single low box is as likely noise as a road
user, but noise does not come back at the same place in three processed frames running,
and a road user does. A static thing the network mistakes for one (a painted road arrow)
becomes a track that never moves, and so never crosses the line.

IoU is taken with the track's predicted box, gated at `match_iou` (cost 1 - IoU). The
fallback exists because a motorbike at 5 detections/s moves about its own length between
detections: a new track (velocity still unknown) would never overlap its next detection, nor
would a track whose speed changed or that was missed for a frame. For boxes at most
`small_box_px` tall it matches on centre distance in track-box sizes (sqrt(w*h)), between
boxes of similar height, within a gate that grows with the time since the track's last match
(0.5 sizes + `small_speed` sizes per second, capped at 2). Running it after the IoU stages
means overlap always wins in a dense group, so neighbours do not swap through it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import lap
import numpy as np

from common.config.sections import TrackerConfig
from edge.perception.geometry import Box, Point, anchor, inside_share, iou_matrix
from edge.perception.vehicles import Detection

# Kalman noise, scaled by the box height h so one tuning fits near and far vehicles.
MEAS_STD = 0.05  # detector jitter of each coordinate, in h
ACCEL_STD = 2.0  # white-noise acceleration of the centre, h / s^2
SIZE_ACCEL_STD = 0.5  # ... of width and height, h / s^2
INIT_VEL_STD = 3.0  # prior spread of a new track's centre speed, h / s
INIT_SIZE_VEL_STD = 0.5  # ... of its growth rate, h / s
# Small-box fallback gate, in box sizes: base + small_speed * seconds since match, capped.
GATE_BASE, GATE_MAX = 0.5, 2.0
UNMATCHED_COST = 1.0  # per side: a pair is taken only if it costs less than 2
LOW_MATCH_IOU = 0.3  # IoU gate of the second (low-score) stage
PART_OF = 0.9  # a box this much inside a tracked vehicle's box is part of it: no new track
SMALL_BOX_PX = 160.0  # boxes at most this tall may use the small-box fallback
SMALL_SPEED = 6.0  # fallback gate growth, box sizes per second since the last match
HISTORY_S = 10.0  # seconds of points a track keeps


class TrackState(StrEnum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    LOST = "lost"
    REMOVED = "removed"


@dataclass(frozen=True)
class TrackPoint:
    """A track in one processed frame: the detection it matched, or (matched=False, score
    0) the predicted box while it was lost."""

    frame_index: int
    t: float
    box: Box
    score: float
    matched: bool
    rider: Box | None = None  # the rider seen on the detection's two-wheeler, if any


def _xywh(box: Box) -> np.ndarray:
    x1, y1, x2, y2 = box
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dtype=np.float64)


def _to_box(z: np.ndarray) -> Box:
    cx, cy = float(z[0]), float(z[1])
    w, h = max(float(z[2]), 1.0), max(float(z[3]), 1.0)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


class _Kalman:
    """Constant velocity on (cx, cy, w, h): width and height rather than aspect ratio so the
    noise scales plainly with size. Continuous white-noise acceleration makes the prediction
    over any interval consistent (two steps of dt/2 equal one step of dt)."""

    def __init__(self, box: Box) -> None:
        z = _xywh(box)
        h = max(z[3], 1.0)
        self.x = np.concatenate([z, np.zeros(4)])
        std = [2 * MEAS_STD * h, 2 * MEAS_STD * h, 2 * MEAS_STD * z[2], 2 * MEAS_STD * h]
        std += [INIT_VEL_STD * h] * 2 + [INIT_SIZE_VEL_STD * h] * 2
        self.P = np.diag(np.square(std))

    def predict(self, dt: float) -> None:
        if dt <= 0:
            return
        h = max(self.x[3], 1.0)
        q = np.square([ACCEL_STD * h] * 2 + [SIZE_ACCEL_STD * h] * 2)
        i = np.arange(4)
        F = np.eye(8)
        F[i, i + 4] = dt
        Q = np.zeros((8, 8))
        Q[i, i] = q * dt**3 / 3
        Q[i, i + 4] = Q[i + 4, i] = q * dt**2 / 2
        Q[i + 4, i + 4] = q * dt
        self.x = F @ self.x
        self.P = F @ self.P @ F.T + Q

    def update(self, box: Box) -> None:
        z = _xywh(box)
        S = self.P[:4, :4] + np.diag(np.square(MEAS_STD * z[[3, 3, 2, 3]]))
        K = np.linalg.solve(S, self.P[:4, :]).T  # P H^T S^-1 (P and S symmetric)
        self.x = self.x + K @ (z - self.x[:4])
        P = self.P - K @ self.P[:4, :]
        self.P = (P + P.T) / 2


class Track:
    """One tracked object. Live view: the tracker updates it in place every processed frame."""

    def __init__(
        self,
        track_id: int,
        det: Detection,
        frame_index: int,
        t: float,
        history_s: float,
        min_hits: int,
    ) -> None:
        self.id = track_id
        self.state = TrackState.TENTATIVE
        self.box: Box = det.box  # the matched detection, or the prediction while lost
        self.rider: Box | None = None  # the rider seen on the box matched now, if any
        self.hits = 0
        self.first_t = self.last_t = self.last_match_t = t
        self._kf = _Kalman(det.box)
        self._history: deque[TrackPoint] = deque()
        self._history_s = history_s
        self._votes: dict[str, list[float]] = {}  # label -> [count, total score]
        self.min_hits = min_hits  # matches in a row before it is confirmed
        self._match(frame_index, t, det)

    @property
    def label(self) -> str:
        """Majority label over all matched detections; ties go to the higher total score."""
        return max(self._votes, key=lambda k: (self._votes[k][0], self._votes[k][1], k))

    @property
    def history(self) -> list[TrackPoint]:
        """The last `history_s` seconds of points (bounded: a live stream never ends)."""
        return list(self._history)

    @property
    def anchor(self) -> Point:
        """The current box's anchor (geometry.anchor): the point the red-light rule follows."""
        return anchor(self.box)

    @property
    def extent(self) -> Box:
        """The whole road user as seen now: the box with the rider seen on it."""
        if self.rider is None:
            return self.box
        (x1, y1, x2, y2), (a1, b1, a2, b2) = self.box, self.rider
        return (min(x1, a1), min(y1, b1), max(x2, a2), max(y2, b2))

    @property
    def velocity(self) -> tuple[float, float]:
        """Filtered velocity of the anchor, px/s (the bottom edge moves with cy + h/2)."""
        v = self._kf.x
        return (float(v[4]), float(v[5] + v[7] / 2))

    @property
    def age_s(self) -> float:
        return self.last_t - self.first_t

    @property
    def lost_s(self) -> float:
        return self.last_t - self.last_match_t

    def __repr__(self) -> str:
        box = ", ".join(f"{v:.0f}" for v in self.box)
        return f"Track({self.id}, {self.state}, {self.label}, [{box}], hits={self.hits})"

    def _predict(self, t: float) -> None:
        if self.state == TrackState.LOST:
            self._kf.x[6:8] = 0.0  # a lost box keeps its size rather than drift
        self._kf.predict(t - self.last_t)
        self.last_t = t
        self.box, self.rider = _to_box(self._kf.x), None

    def _match(self, frame_index: int, t: float, det: Detection) -> None:
        if self.hits:
            self._kf.update(det.box)
        self.hits += 1
        self.box, self.rider, self.last_match_t = det.box, det.rider, t
        vote = self._votes.setdefault(det.label, [0.0, 0.0])
        vote[0] += 1
        vote[1] += det.score
        if self.state == TrackState.LOST or self.hits >= self.min_hits:
            self.state = TrackState.CONFIRMED
        self._record(TrackPoint(frame_index, t, det.box, det.score, True, det.rider))

    def _record(self, point: TrackPoint) -> None:
        self._history.append(point)
        while len(self._history) > 1 and self._history[0].t < point.t - self._history_s:
            self._history.popleft()


def unclaimed(detections: list[Detection], taken: list[Box]) -> list[Detection]:
    """The detections that may start tracks: not lying mostly (PART_OF of their area) inside
    a box a track took in this frame, nor inside a better-scored one of them. Such a box is
    a part of that vehicle (the wheel and lower half of a motorbike boxed whole too), and a
    track born of it would take the vehicle's next detection from its own track."""
    kept: list[int] = []
    for i in sorted(range(len(detections)), key=lambda i: -detections[i].score):
        others = [*taken, *(detections[k].box for k in kept)]
        if (
            not others
            or inside_share(np.array([detections[i].box]), np.array(others)).max() < PART_OF
        ):
            kept.append(i)
    return [detections[i] for i in sorted(kept)]


def solve(cost: np.ndarray) -> list[tuple[int, int]]:
    """Optimal pairs for a cost matrix (inf = not allowed), where leaving a row or a column
    unmatched costs UNMATCHED_COST: the matrix is padded with one dummy per row and column.
    `lap` rather than scipy's solver: the same optimum, and scipy.optimize cost a third of a
    CPU-second to import at every worker start."""
    n, m = cost.shape
    if n == 0 or m == 0:
        return []
    big = 1e6
    aug = np.full((n + m, n + m), big)
    aug[:n, :m] = np.where(np.isfinite(cost), cost, big)
    aug[np.arange(n), m + np.arange(n)] = UNMATCHED_COST
    aug[n + np.arange(m), np.arange(m)] = UNMATCHED_COST
    aug[n:, m:] = 0.0
    _, cols, _ = lap.lapjv(aug, extend_cost=False)
    return [(r, int(cols[r])) for r in range(n) if cols[r] < m and np.isfinite(cost[r, cols[r]])]


class Tracker:
    """ByteTrack-style tracker; see the module docstring for the association.

    Score thresholds suit our YOLOv8n COCO detector, whose motorbike scores on real footage
    sit around 0.3-0.6: with ByteTrack's 0.5 / 0.6 (tuned to YOLOX) the first violating
    motorbike of vn_a only gets a track after it has crossed the stop line. The second stage
    sees boxes scoring low_thresh..high_thresh only if the detector's own confidence
    threshold is at or below low_thresh. Times are seconds, so the same defaults hold at
    6 fps and at 30 fps (max_lost_s is 9 processed frames at 6/s, 45 at 30/s).
    """

    def __init__(
        self,
        config: TrackerConfig = TrackerConfig(),
        *,
        low_match_iou: float = LOW_MATCH_IOU,
        small_box_px: float = SMALL_BOX_PX,
        small_speed: float = SMALL_SPEED,
        history_s: float = HISTORY_S,
        first_id: int = 1,
    ) -> None:
        """The configured thresholds; the keywords are the association's fixed tuning (see
        the module docstring), open to tests; `first_id`: where track ids start (a second
        tracker of the same camera starts far from the first, so ids never clash)."""
        if not 0 <= config.low_thresh <= config.high_thresh <= 1:
            raise ValueError("need 0 <= low_thresh <= high_thresh <= 1")
        self.config = config
        self.high_thresh, self.low_thresh = config.high_thresh, config.low_thresh
        self.new_track_thresh = config.high_thresh  # boxes of the first stage start tracks
        self.match_iou, self.low_match_iou = config.match_iou, low_match_iou
        self.max_lost_s, self.min_hits = config.max_lost_s, max(1, config.min_hits)
        self.small_box_px, self.small_speed = small_box_px, small_speed
        self.weak_hits = config.weak_hits
        self.history_s = history_s
        self._tracks: list[Track] = []
        self._next_id = first_id
        self._t: float | None = None
        self.removed: list[Track] = []  # tracks removed by the last update (for rule.finish)

    @property
    def tracks(self) -> list[Track]:
        """All live tracks (tentative, confirmed and lost), by id."""
        return list(self._tracks)

    def update(self, frame_index: int, t: float, detections: Sequence[Detection]) -> list[Track]:
        """Advance to video time t (seconds) with this frame's detections; returns the
        confirmed tracks matched in this frame, by id."""
        if self._t is not None and t < self._t:
            raise ValueError(f"time went backwards: {t} after {self._t}")
        self._t = t
        for tr in self._tracks:
            tr._predict(t)
        high = [d for d in detections if d.score >= self.high_thresh]
        low = [d for d in detections if self.low_thresh <= d.score < self.high_thresh]
        tentative = [tr for tr in self._tracks if tr.state == TrackState.TENTATIVE]
        active = [tr for tr in self._tracks if tr.state != TrackState.TENTATIVE]  # by id

        matched: set[int] = set()
        rest = self._stage(frame_index, t, active, high, self.match_iou, matched)
        tracked = [tr for tr in active if tr.id not in matched]
        low = self._stage(frame_index, t, tracked, low, self.low_match_iou, matched)
        rest = self._stage(frame_index, t, tentative, rest, self.match_iou, matched)
        weak = [tr for tr in tentative if tr.id not in matched]
        low = self._stage(frame_index, t, weak, low, self.low_match_iou, matched)
        if self.small_box_px > 0:
            left = [tr for tr in self._tracks if tr.id not in matched]
            rest = self._stage(frame_index, t, left, rest, None, matched)

        self.removed = []
        for tr in self._tracks:
            if tr.id in matched:
                continue
            if tr.state == TrackState.TENTATIVE or t - tr.last_match_t > self.max_lost_s:
                tr.state = TrackState.REMOVED
                self.removed.append(tr)
            else:
                tr.state = TrackState.LOST
                tr._record(TrackPoint(frame_index, t, tr.box, 0.0, False))
        self._tracks = [tr for tr in self._tracks if tr.state != TrackState.REMOVED]
        taken = [tr.box for tr in self._tracks if tr.id in matched]
        rest = unclaimed(rest, taken)
        low = unclaimed(low, taken + [d.box for d in rest])
        for det in rest:
            if det.score >= self.new_track_thresh:
                track = Track(self._next_id, det, frame_index, t, self.history_s, self.min_hits)
                self._tracks.append(track)
                self._next_id += 1
        for det in low if self.weak_hits else []:
            track = Track(self._next_id, det, frame_index, t, self.history_s, self.weak_hits)
            self._tracks.append(track)
            self._next_id += 1
        return [tr for tr in self._tracks if tr.state == TrackState.CONFIRMED]

    def _stage(
        self,
        frame_index: int,
        t: float,
        tracks: list[Track],
        dets: list[Detection],
        min_iou: float | None,
        matched: set[int],
    ) -> list[Detection]:
        """One association stage, by IoU or (min_iou None) by the small-box fallback;
        updates the matched tracks and returns the detections left over."""
        if not tracks or not dets:
            return dets
        pred = np.array([tr.box for tr in tracks], dtype=np.float64)
        boxes = np.array([d.box for d in dets], dtype=np.float64)
        if min_iou is None:
            since = np.array([t - tr.last_match_t for tr in tracks])
            cost = self._fallback_cost(pred, boxes, since)
        else:
            iou = iou_matrix(pred, boxes)
            cost = np.where(iou >= min_iou, 1.0 - iou, np.inf)
        pairs = solve(cost)
        for r, c in pairs:
            tracks[r]._match(frame_index, t, dets[c])
            matched.add(tracks[r].id)
        taken = {c for _, c in pairs}
        return [d for j, d in enumerate(dets) if j not in taken]

    def _fallback_cost(self, pred: np.ndarray, boxes: np.ndarray, since: np.ndarray) -> np.ndarray:
        """Centre distance in track-box sizes over the gate (0..1), for small boxes of
        similar height within the gate; inf elsewhere."""
        ph, dh = pred[:, 3] - pred[:, 1], boxes[:, 3] - boxes[:, 1]
        size = np.sqrt(np.maximum((pred[:, 2] - pred[:, 0]) * ph, 1.0))
        pc = (pred[:, :2] + pred[:, 2:]) / 2
        dc = (boxes[:, :2] + boxes[:, 2:]) / 2
        dist = np.linalg.norm(pc[:, None, :] - dc[None, :, :], axis=2) / size[:, None]
        gate = np.minimum(GATE_BASE + self.small_speed * since, GATE_MAX)[:, None]
        ratio = dh[None, :] / np.maximum(ph[:, None], 1.0)
        ok = (ph[:, None] <= self.small_box_px) & (ratio >= 0.5) & (ratio <= 2.0) & (dist <= gate)
        return np.where(ok, dist / gate, np.inf)
