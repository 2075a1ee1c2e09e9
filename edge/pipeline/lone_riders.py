"""A person with no two-wheeler visible is a rider when they move at vehicle speed along the road.

In a dense queue seen from behind, the machine under a rider is hidden by the rider in front;
the network still sees the person (`edge.perception.riders` makes a person sitting on a
visible two-wheeler one road user with it). Such a lone person is tracked like any road user,
but whether they are a rider or a pedestrian is told by how they move, not by how they look:

- speed is measured on the top of the person's box (the head, which a camera above the road
  sees even when the rider in front hides the body and machine), along the travel direction,
  in the person's own box heights per second (the scale then does not depend on the camera);
- a rider is a person who covered at least RIDER_SPEED_H box heights per second along the
  travel direction over at least RIDER_WINDOW_S, and went at least RIDER_TRAVEL_H box
  heights along it, both counted from the crossing on: in a queue, a track that hops from
  one waiting rider to the one in front looks like a burst of speed, even like travel when
  it hops twice, but a queue ends at the line and there is nobody to hop onto past it.
  Walking (about 1.4 m/s, a standing person ~1.7 m tall) is under one height per second
  even seen square on, and a camera looking down the road foreshortens it further; a
  motorbike at 15 km/h (4 m/s, a seated rider's box ~1.3 m) is about three. Pedestrians on
  the crosswalk move across the travel direction and show almost none of it.

A violation of a lone person's track is therefore held until the track has shown a rider's
speed (then it is reported as a motorcycle, its explanation saying why) or ends or waits
RIDER_HOLD_S without (then it was a pedestrian: counted, never reported). The anchor of a
lone rider is the bottom of the person's box, above the wheels (at the seat, or where the
rider in front hides them): along the travel direction that point is a little ahead of the
wheels, so the crossing is seen at most a fraction of a second early at riding speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from edge.perception.riders import PERSON
from edge.perception.vehicles import Detection
from edge.pipeline.rule import Decision, StopLine
from edge.pipeline.source import Frame
from edge.pipeline.track import Track, Tracker, TrackPoint

RIDER_SPEED_H = 1.5  # box heights per second along the travel direction
RIDER_WINDOW_S = 0.4  # ... held over at least this long
RIDER_TRAVEL_H = 1.5  # ... and went at least this many box heights along the road
RIDER_HOLD_S = 3.0  # a lone person's violation waits this long for them to show that speed
PERSON_IDS = 1_000_000  # the person tracker's first track id
RIDER_CLASS = "motorcycle"
# Persons tracked: from this many of their box heights before the line (time to get a track
# before they reach it) to this many past it (room to show a rider's travel after crossing).
TRACK_BEFORE_H, TRACK_PAST_H = 8.0, 3.0  # what a lone rider is reported as (most two-wheelers here)


def rider_speed(points: Sequence[TrackPoint], direction: tuple[float, float]) -> float:
    """The highest speed of the box's top centre along `direction`, in box heights per
    second, over any stretch of at least RIDER_WINDOW_S between matched points (0 if none)."""
    seen = [p for p in points if p.matched]
    best = 0.0
    start = 0
    for j, b in enumerate(seen):
        while start < j and b.t - seen[start + 1].t >= RIDER_WINDOW_S:
            start += 1  # the latest start that still leaves a long enough stretch
        a = seen[start]
        dt = b.t - a.t
        if dt < RIDER_WINDOW_S:
            continue
        (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = a.box, b.box
        dx, dy = (bx1 + bx2 - ax1 - ax2) / 2, by1 - ay1
        height = max((ay2 - ay1 + by2 - by1) / 2, 1.0)
        best = max(best, (dx * direction[0] + dy * direction[1]) / dt / height)
    return best


def head_travel(points: Sequence[TrackPoint], direction: tuple[float, float]) -> float:
    """How far the box's top centre got along `direction` beyond its furthest-back matched
    point, in box heights."""
    best, back = 0.0, float("inf")
    for p in points:
        if not p.matched:
            continue
        x1, y1, x2, y2 = p.box
        along = (x1 + x2) / 2 * direction[0] + y1 * direction[1]
        back = min(back, along)
        best = max(best, (along - back) / max(y2 - y1, 1.0))
    return best


@dataclass
class _Held:
    decision: Decision
    shots: dict[str, Frame] | None
    since_t: float


class LoneRiders:
    """Violations of lone persons' tracks, held until the track shows a rider's speed."""

    def __init__(self, tracker: Tracker, direction: tuple[float, float]) -> None:
        """`tracker`: the persons' own (a person's box never joins a vehicle's track, whose
        anchor would then jump between the rider's seat and the wheels)."""
        self.tracker, self.direction = tracker, direction
        self.held: dict[int, _Held] = {}
        self.not_riders = 0  # held crossings whose person never moved like a rider (lone_person)

    @classmethod
    def like(cls, vehicles: Tracker, direction: tuple[float, float]) -> LoneRiders:
        """With a person tracker set like the vehicles' one, its ids far from theirs."""
        return cls(Tracker(vehicles.config, first_id=PERSON_IDS), direction)

    def near_the_line(self, persons: Sequence[Detection], line: StopLine) -> list[Detection]:
        """The persons whose crossing may have to be judged (a queue on the cross street, or
        people far inside the intersection, cost tracking and can never cross)."""
        out = []
        for d in persons:
            h = max(d.box[3] - d.box[1], 1.0)
            if -TRACK_BEFORE_H * h <= line.signed_distance(d.anchor) <= TRACK_PAST_H * h:
                out.append(d)
        return out

    def is_rider(self, track: Track, since_t: float = float("-inf")) -> bool:
        """Moved like a rider from `since_t` on (the crossing)."""
        points = [p for p in track.history if p.t >= since_t]
        return (
            rider_speed(points, self.direction) >= RIDER_SPEED_H
            and head_travel(points, self.direction) >= RIDER_TRAVEL_H
        )

    def hold(self, d: Decision, shots: dict[str, Frame] | None) -> None:
        self.held[d.track_id] = _Held(d, shots, d.cross_t)

    def ready(self, t: float) -> list[tuple[Decision, dict[str, Frame] | None]]:
        """The held violations whose person has now moved like a rider (relabelled); those
        whose track ended, or waited too long, without are dropped (not_riders)."""
        return self._release(t, self.tracker.removed)

    def flush(self) -> list[tuple[Decision, dict[str, Frame] | None]]:
        """End of stream: the held violations of riders; the rest are not riders."""
        out = self._release(float("-inf"), [])
        self.not_riders += len(self.held)
        self.held.clear()
        return out

    def _release(
        self, t: float, ended: Sequence[Track]
    ) -> list[tuple[Decision, dict[str, Frame] | None]]:
        tracks = {tr.id: tr for tr in [*self.tracker.tracks, *ended]}
        gone = {tr.id for tr in ended}
        out = []
        for track_id, held in list(self.held.items()):
            track = tracks.get(track_id)
            if track is not None and self.is_rider(track, held.since_t):
                del self.held[track_id]
                out.append((self._as_rider(held.decision, track), held.shots))
            elif track is None or track_id in gone or t - held.since_t > RIDER_HOLD_S:
                del self.held[track_id]
                self.not_riders += 1
        return out

    def _as_rider(self, d: Decision, track: Track) -> Decision:
        speed = rider_speed(track.history, self.direction)
        why = {
            **d.explanation,
            "road_user": f"a {PERSON} with no two-wheeler seen, moving at {speed:.1f} box "
            f"heights/s along the road (a rider: at least {RIDER_SPEED_H})",
        }
        return replace(d, vehicle_class=RIDER_CLASS, explanation=why)
