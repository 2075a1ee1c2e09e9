"""Signal-head state from video: which lamp of the head is lit, read one frame at a time.

Position decides, colour supports. On video a lit red lamp often saturates to orange, yellow or
white, so hue alone confuses red with amber; the place of the lit lamp in the head (top = red,
middle = amber, bottom = green) does not. Hue still separates what saturation never mixes up
(deep red, orange/yellow, green/cyan) and settles what position leaves open. Horizontal heads
put red at the end nearer the road centre: the left in right-hand traffic, the right in
left-hand traffic (Japan, Thailand). So either end may be red, hue tells red from green, and red
vs amber leans more on hue because a small horizontal ROI seldom pins the head's ends.
No temporal state: debouncing over frames is the caller's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import cv2
import numpy as np


class LampState(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    UNKNOWN = "unknown"


COLOURS: tuple[LampState, ...] = (LampState.RED, LampState.AMBER, LampState.GREEN)


@dataclass(frozen=True)
class SignalHead:
    """One head as the operator drew it: x, y, w, h in full-frame pixels (approximate)."""

    roi: tuple[int, int, int, int]
    layout: Literal["vertical", "horizontal"] = "vertical"


@dataclass(frozen=True)
class HeadReading:
    """One head's reading with the evidence behind it, so a decision can be explained.

    lit: the lamp's contrast over the housing around it, in units of the lit threshold (>= 1
    means a lamp is clearly on); position: 0..1 along the head (top/left = 0); hue: degrees
    (None when nothing is coloured); colourfulness: 0..1, how much the hue was trusted;
    probs: red, amber, green. For an unknown head, confidence is how sure it is that no lamp
    (or no lamp consistent with its place) is lit.
    """

    state: LampState
    confidence: float
    lit: float
    position: float
    hue: float | None
    colourfulness: float
    probs: tuple[float, float, float]


@dataclass(frozen=True)
class LampReading:
    """The governing signal in one frame: the combined state and each head's own reading."""

    state: LampState
    confidence: float
    heads: tuple[LampState, ...]
    details: tuple[HeadReading, ...] = ()


def _median(a: np.ndarray) -> float:
    """np.median of a non-empty array, by partition: the same value, a fraction of the
    overhead on the few hundred pixels of a lamp's ring (several times a frame and head)."""
    flat = a.ravel()
    k = flat.size // 2
    if flat.size % 2:
        return float(np.partition(flat, k)[k])
    part = np.partition(flat, (k - 1, k))
    return float((part[k - 1] + part[k]) / 2)


def _band_weight(n: int, floor: float = 0.5) -> np.ndarray:
    """Weight across the head: lamps sit mid-housing, while ROI edges catch background."""
    t = (np.arange(n, dtype=np.float32) + 0.5) / n
    return np.clip(1.0 - np.maximum(np.abs(t - 0.5) - 0.25, 0.0) / 0.25 * (1 - floor), floor, 1)


def _interp_circular(h: float, anchors: Sequence[tuple[float, float]]) -> float:
    xs, ys = zip(*anchors, strict=True)
    return float(np.interp(h % 360.0, xs, ys))


# Hue anchors (degrees). A red lamp is 330-10 deg unless over-exposed, when it drifts to
# orange/yellow/white; amber is 18-60. Deep red all but rules amber out; orange only leans.
_RED_VS_AMBER = ((0, 3.0), (6, 2.5), (18, -1.5), (70, -1.5), (90, 0), (300, 0), (330, 3.0),
                 (360, 3.0))  # fmt: skip
_GREENNESS = ((0, -1), (60, -1), (80, 1), (215, 1), (240, 0), (290, 0), (310, -1), (360, -1))


def hue_loglik(hue: float) -> np.ndarray:
    """Log-likelihood of red, amber, green given the lamp's hue."""
    g = _interp_circular(hue, _GREENNESS)  # -1 warm .. +1 green/cyan
    ra = _interp_circular(hue, _RED_VS_AMBER)  # > 0 red, < 0 amber
    warm = -4.0 * max(g, 0.0)
    return np.array([warm + min(ra, 0.0), warm - max(ra, 0.0), -4.0 * max(-g, 0.0)])


def position_loglik(p: float, layout: str) -> np.ndarray:
    """Log-likelihood of red, amber, green given the lit lamp's place along the head (0..1).

    Vertical: the middle lamp stays mid-ROI whatever margin the operator left, so amber is
    narrow; end lamps move inwards with the margin, so red and green are broad and sit a
    little inside the ends. Horizontal: symmetric (red may be either end) and broad.
    """

    def ll(c: float, s: float) -> float:
        return -0.5 * ((p - c) / s) ** 2

    if layout == "horizontal":
        end = max(ll(0.2, 0.15), ll(0.8, 0.15))
        return np.array([end, ll(0.5, 0.15), end])
    return np.array([ll(0.22, 0.14), ll(0.5, 0.08), ll(0.78, 0.14)])


@dataclass(frozen=True)
class _Spot:
    """A candidate lamp: where it is, its size, and how it stands out from its surround."""

    y: int
    x: int
    radius: float
    chroma_c: float
    bright_c: float
    white_frac: float
    ring_white: float
    level: float  # mean brightness of the disc


class SignalHeadClassifier:
    """Reads the state of a camera's signal heads in one frame and combines them."""

    def __init__(
        self,
        heads: Sequence[SignalHead],
        *,
        chroma_min: float = 42.0,
        white_min: float = 50.0,
        white_level: float = 240.0,
        white_fraction: float = 0.15,
        position_weight: float = 2.0,
        horizontal_position_weight: float = 0.7,
        min_head_confidence: float = 0.25,
        min_agreement: float = 0.6,
        candidates: int = 4,
        white_discount: float = 0.7,
        veto: float = 2.0,
    ) -> None:
        """Thresholds are in 8-bit pixel units, so they hold across resolutions.

        chroma_min: colour contrast (max-min channel) of a lit lamp over the housing around it.
        white_min / white_level / white_fraction: a colourless (over-exposed) lamp counts as lit
        when it is this much brighter than its surround and this share of it is clipped white.
        min_agreement: share of the confident heads' weight the winning state needs.
        candidates: bright spots per head tried as the lit lamp (glare, vehicles, displays).
        white_discount: weight of a colourless spot against a coloured one when choosing.
        veto: a reading whose hue contradicts its lamp by more than this (log-likelihood, e.g.
        a red-looking spot in the green place) is not a lamp reading: unknown.
        """
        if not heads:
            raise ValueError("at least one signal head is needed")
        self.heads = tuple(heads)
        self.chroma_min = chroma_min
        self.white_min = white_min
        self.white_level = white_level
        self.white_fraction = white_fraction
        self.position_weight = position_weight
        self.horizontal_position_weight = horizontal_position_weight
        self.min_head_confidence = min_head_confidence
        self.min_agreement = min_agreement
        self.candidates = candidates
        self.white_discount = white_discount
        self.veto = veto

    def _lit(self, s: _Spot) -> float:
        lit = s.chroma_c / self.chroma_min
        # A white lamp is clipped over part of its disc but not around it: not a pale shirt
        # (never clipped), nor a white car or sky (clipped all round).
        if s.white_frac >= self.white_fraction and s.ring_white < 0.5:
            lit = max(lit, s.bright_c / self.white_min)
        return lit

    def _rank(self, s: _Spot) -> float:
        """Prefer coloured lamps: a colourless bright spot is less specific (cars, sky, glare)."""
        coloured = s.chroma_c / self.chroma_min
        return max(coloured, self.white_discount * self._lit(s))

    def _measure(self, v: np.ndarray, chroma: np.ndarray, smooth: np.ndarray, y: int, x: int,
                 nominal: float) -> _Spot:  # fmt: skip
        """Contrast of the spot at (y, x) against a ring of housing around it.

        The radius comes from the half-maximum blob, kept near the ROI's estimate: a disc too
        big for the lamp (loose ROI) dilutes it with housing and a dim lamp then reads dark.
        """
        # Every mask below lies within 3.75 nominal radii of the spot: work on that window
        # (the same pixels, a fraction of the head's crop; only the fallbacks for a head too
        # small for a ring now fall back to the window instead of the whole crop).
        reach = int(np.ceil(3.75 * nominal)) + 1
        wy0, wx0 = max(0, y - reach), max(0, x - reach)
        win = np.s_[wy0 : y + reach + 1, wx0 : x + reach + 1]
        v, chroma, smooth, y, x = v[win], chroma[win], smooth[win], y - wy0, x - wx0
        yy, xx = np.indices(v.shape)
        d2 = (yy - y) ** 2 + (xx - x) ** 2
        outer = (d2 > (2.0 * nominal) ** 2) & (d2 <= (3.0 * nominal) ** 2)
        base = _median(smooth[outer] if outer.any() else smooth)
        peak = float(smooth[y, x])
        radius = nominal
        if peak > base:
            half = (d2 <= (2.0 * nominal) ** 2) & (smooth >= base + 0.5 * (peak - base))
            radius = float(np.sqrt(half.sum() / np.pi))
            radius = min(max(radius, 1.0, 0.5 * nominal), 1.25 * nominal)
        disc = d2 <= radius**2
        ring = (d2 > (1.5 * radius) ** 2) & (d2 <= (3.0 * radius) ** 2)
        if ring.sum() < 4:
            ring = ~disc
        # sums over counts rather than .mean(): the same values, without numpy's per-call
        # overhead that dominates on these few hundred pixels
        dv, dc, rv = v[disc], chroma[disc], v[ring]
        level = float(dv.sum()) / dv.size
        return _Spot(
            y + wy0, x + wx0, radius,
            chroma_c=float(dc.sum()) / dc.size - _median(chroma[ring]),
            bright_c=level - _median(rv),
            white_frac=np.count_nonzero(dv >= self.white_level) / dv.size,
            ring_white=np.count_nonzero(rv >= self.white_level) / rv.size,
            level=level,
        )  # fmt: skip

    def read_head(self, frame_bgr: np.ndarray, head: SignalHead) -> HeadReading:
        """Find the lamp that stands out most from its housing and say which lamp it is."""
        x, y, w, h = head.roi
        fh, fw = frame_bgr.shape[:2]
        x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + w), min(fh, y + h)
        if x1 - x0 < 3 or y1 - y0 < 3:
            return HeadReading(LampState.UNKNOWN, 1.0, 0.0, 0.0, None, 0.0, (0.0, 0.0, 0.0))
        crop = frame_bgr[y0:y1, x0:x1].astype(np.float32)
        ch, cw = crop.shape[:2]
        vertical = head.layout != "horizontal"
        along, across = (h, w) if vertical else (w, h)
        nominal = max(1.0, min(across, along / 3.0) / 4.0)  # half a lamp's radius, from the ROI

        v = crop.max(axis=2)
        chroma = v - crop.min(axis=2)
        glow = chroma + 0.5 * v  # coloured or bright: what a lit lamp is and a housing is not
        smooth = cv2.GaussianBlur(glow, (0, 0), max(0.6, nominal / 2))
        band = _band_weight(cw)[None, :] if vertical else _band_weight(ch)[:, None]
        score = smooth * band
        k = max(3, int(2 * nominal) | 1)
        peaks = (score >= cv2.dilate(score, np.ones((k, k), np.uint8))) & (score > 0)
        # Lamps sit mid-head; a peak at the ROI's side edge is background beside the head.
        if vertical:
            t = (np.arange(cw) + x0 - x + 0.5) / w
            peaks &= ((t >= 0.2) & (t <= 0.8))[None, :]
        else:
            t = (np.arange(ch) + y0 - y + 0.5) / h
            peaks &= ((t >= 0.2) & (t <= 0.8))[:, None]
        ys, xs = np.nonzero(peaks)
        order = np.argsort(-score[ys, xs])[: self.candidates]
        spots = [self._measure(v, chroma, smooth, int(ys[i]), int(xs[i]), nominal) for i in order]
        if not spots:
            return HeadReading(LampState.UNKNOWN, 1.0, 0.0, 0.5, None, 0.0, (0.0, 0.0, 0.0))
        # A dimmer spot within a lamp's width of a brighter one is its halo or fringe, not a
        # second lamp (a white-clipped red lamp has a red-orange rim below it).
        distinct: list[_Spot] = []
        for sp in sorted(spots, key=lambda sp: sp.level, reverse=True):
            if all((sp.y - o.y) ** 2 + (sp.x - o.x) ** 2 > (2 * o.radius) ** 2 for o in distinct):
                distinct.append(sp)
        spot = max(distinct, key=self._rank)
        lit = self._lit(spot)

        # Sub-pixel place of the lamp: glow-weighted centroid around the chosen spot. Only
        # the window holding the disc is read: every weight outside it is zero.
        reach = int(np.ceil(1.5 * spot.radius)) + 1
        wy0, wx0 = max(0, spot.y - reach), max(0, spot.x - reach)
        win = np.s_[wy0 : spot.y + reach + 1, wx0 : spot.x + reach + 1]
        yy, xx = np.indices(v[win].shape)
        yy, xx = yy + wy0, xx + wx0
        near = (yy - spot.y) ** 2 + (xx - spot.x) ** 2 <= (1.5 * spot.radius) ** 2
        wgt = np.where(near, np.maximum(glow[win] - _median(glow), 0.0), 0.0)
        total = float(wgt.sum())
        cy = float((wgt * yy).sum()) / total if total > 0 else float(spot.y)
        cx = float((wgt * xx).sum()) / total if total > 0 else float(spot.x)
        position = (cy + y0 - y + 0.5) / h if vertical else (cx + x0 - x + 0.5) / w

        # Hue of lamp and halo, weighted to the saturated pixels that still carry the colour.
        pixels = np.ascontiguousarray(frame_bgr[y0:y1, x0:x1][win])  # the crop's own bytes
        hsv = cv2.cvtColor(pixels, cv2.COLOR_BGR2HSV_FULL)
        ang = hsv[..., 0].astype(np.float32) * (2 * np.pi / 256.0)
        hw = np.where(near, chroma[win], 0.0) ** 2
        sx, sy = float((np.cos(ang) * hw).sum()), float((np.sin(ang) * hw).sum())
        hue = float(np.degrees(np.arctan2(sy, sx)) % 360.0) if hw.sum() > 0 else None
        colourfulness = float(np.clip(spot.chroma_c / self.chroma_min, 0.0, 1.0))

        if lit < 1.0:
            dark = float(np.clip(1.0 - lit, 0.0, 1.0))
            return HeadReading(
                LampState.UNKNOWN, dark, lit, position, hue, colourfulness, (0, 0, 0)
            )
        pos_w = self.position_weight if vertical else self.horizontal_position_weight
        hue_ll = colourfulness * hue_loglik(hue) if hue is not None else np.zeros(3)
        logit = pos_w * position_loglik(position, head.layout) + hue_ll
        probs = np.exp(logit - logit.max())
        probs /= probs.sum()
        best = int(np.argmax(probs))
        p3 = (float(probs[0]), float(probs[1]), float(probs[2]))
        if hue_ll[best] < -self.veto:  # e.g. red-looking light where the green lamp is
            return HeadReading(LampState.UNKNOWN, 0.5, lit, position, hue, colourfulness, p3)
        lit_conf = float(np.clip(0.5 * lit, 0.0, 1.0))  # 0.5 at the threshold, 1 at twice it
        conf = float(probs[best]) * lit_conf
        return HeadReading(COLOURS[best], conf, lit, position, hue, colourfulness, p3)

    def classify(self, frame_bgr: np.ndarray) -> LampReading:
        """Combine heads: confident lit heads vote by confidence; dark heads abstain.

        A head that reads unknown (dark, occluded) never outvotes heads that see a lamp; heads
        that see different lamps with no clear majority give unknown rather than a guess.
        """
        if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3:
            raise ValueError(f"expected an HxWx3 BGR frame, got shape {frame_bgr.shape}")
        readings = tuple(self.read_head(frame_bgr, h) for h in self.heads)
        states = tuple(r.state for r in readings)
        sure = self.min_head_confidence
        voters = [r for r in readings if r.state is not LampState.UNKNOWN and r.confidence >= sure]
        votes: dict[LampState, float] = {}
        for r in voters:
            votes[r.state] = votes.get(r.state, 0.0) + r.confidence
        if not votes:
            dark = [r.confidence for r in readings if r.state is LampState.UNKNOWN]
            return LampReading(LampState.UNKNOWN, min(dark, default=0.0), states, readings)
        best = max(votes, key=votes.__getitem__)
        share = votes[best] / sum(votes.values())
        if share < self.min_agreement:
            return LampReading(LampState.UNKNOWN, 1.0 - share, states, readings)
        backers = [r.confidence for r in voters if r.state is best]
        return LampReading(best, share * float(np.mean(backers)), states, readings)
