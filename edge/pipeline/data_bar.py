"""The data bar burned below each evidence frame, in Vietnamese, with its diacritics.

A printed notice or a frame shown in court must state its facts without the manifest: the
time (UTC and Vietnam's), the camera and place, which frame it is, the signal at the
crossing. Officers and citizens read Vietnamese, so the bar says it in Vietnamese, with
Vietnamese number formats (decimal comma, dd/mm/yyyy), drawn with DejaVu Sans (Debian's
fonts-dejavu-core, installed with the system packages), which has every Vietnamese letter.
The bar is appended below the frame: no pixel of the scene is covered. A box without the
font still writes its evidence: the bar then falls back to OpenCV's ASCII font, without
diacritics, and says so in the log once.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cv2
import numpy as np
from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont

from common.vi_number import vi_number

log = logging.getLogger(__name__)

try:
    LOCAL_TZ: tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
except ZoneInfoNotFoundError:  # no tzdata on the box: Vietnam is UTC+7 without DST since 1975
    LOCAL_TZ = timezone(timedelta(hours=7), "+07")

BAR_BG = (24, 24, 24)
BAR_FG = (255, 255, 255)
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian fonts-dejavu-core
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/local/share/fonts/DejaVuSans.ttf"),
)
HERSHEY = cv2.FONT_HERSHEY_SIMPLEX  # the ASCII fallback

Facts = Mapping[str, str] | Sequence[tuple[str, str]]

STATES = {"red": "ĐỎ", "amber": "VÀNG", "green": "XANH", "unknown": "KHÔNG RÕ", "off": "TẮT"}
SOURCES = {
    "vision": "camera đọc đèn tín hiệu",
    "controller": "bộ điều khiển tín hiệu",
    "schedule": "biểu đồ pha cố định",
}
VEHICLES = {
    "car": "ô tô",
    "motorcycle": "xe mô tô",
    "bus": "xe khách",
    "truck": "xe tải",
    "bicycle": "xe đạp",
}
ROLES = {"before": "TRƯỚC KHI VƯỢT", "cross": "LÚC VƯỢT VẠCH", "after": "SAU KHI VƯỢT"}


def decimal(value: float, places: int, sign: bool = False) -> str:
    """A number the Vietnamese way (common.vi_number), with a true minus sign."""
    return vi_number(value, places, sign=sign).replace("-", "−")


def moment(at: datetime, zone: tzinfo) -> str:
    """dd/mm/yyyy hh:mm:ss,mmm in `zone`."""
    t = at.astimezone(zone)
    return f"{t:%d/%m/%Y %H:%M:%S},{t.microsecond // 1000:03d}"


def local_time(at: datetime) -> str:
    offset = at.astimezone(LOCAL_TZ).strftime("%z")
    return f"{moment(at, LOCAL_TZ)} (UTC{offset[:3]})"


def facts(
    record: Any, role: str, frame_index: int, t: float, t_cross: float
) -> list[tuple[str, str]]:
    """The bar's facts for one frame of a violation (an `evidence.ViolationRecord`): the
    frame's own time, and the signal at the crossing."""
    at = record.crossed_at + timedelta(seconds=t - t_cross)
    offset = decimal(t - t_cross, 3, sign=True)
    if role == "cross" and frame_index == record.cross_frame:
        when = "đúng lúc vượt vạch"
    elif role == "cross":  # the crossing frame itself was dropped by a live stream
        when = f"{offset} s so với lúc vượt vạch ở khung {record.cross_frame}, khung gần nhất"
    else:
        when = f"{offset} s so với lúc vượt vạch"
    signal = record.decision.get("signal_at_cross", {}) if record.decision else {}
    into = f"{decimal(record.seconds_into_red, 3)} s"
    if signal.get("began_before_stream"):
        into = f"ít nhất {into} (đèn đã đỏ khi bắt đầu ghi hình)"
    state = STATES.get(record.signal_state, record.signal_state.upper())
    source = SOURCES.get(record.signal_source, record.signal_source)
    if isinstance(unseen := signal.get("unseen_s"), int | float):  # rule: across_unseen_lamp
        source += f"; đèn không nhìn rõ {decimal(unseen, 2)} s giữa hai lần đỏ"
    vehicle = VEHICLES.get(record.vehicle_class, record.vehicle_class)
    lat, lon = record.lat, record.lon
    return [
        ("Giờ UTC", moment(at, UTC)),
        ("Giờ Việt Nam", local_time(at)),
        ("Camera", record.camera_id),
        ("Địa điểm", record.site_name),
        ("Tọa độ", f"{decimal(abs(lat), 5)}° {'B' if lat >= 0 else 'N'}, "
                   f"{decimal(abs(lon), 5)}° {'Đ' if lon >= 0 else 'T'}"),
        ("Ảnh", f"{ROLES.get(role, role.upper())}, khung {frame_index} ({when})"),
        ("Đèn lúc vượt vạch", f"{state} ({source})"),
        ("Đèn đỏ từ", f"{moment(record.red_since, UTC)[11:]} UTC"),
        ("Thời gian đèn đỏ lúc vượt", into),
        ("Phương tiện", f"{vehicle}, vệt theo dõi {record.track_id}"),
    ]  # fmt: skip


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | None:
    for path in FONT_PATHS:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    log.warning("no DejaVu Sans font in %s: the data bar is drawn without diacritics "
                "(install fonts-dejavu-core)", [str(p) for p in FONT_PATHS])  # fmt: skip
    return None


def ascii_safe(text: str) -> str:
    """Vietnamese (or any) text as printable ASCII: diacritics dropped, đ -> d, rest '?'."""
    folded = unicodedata.normalize("NFKD", str(text).translate(_FOLD))
    out = []
    for ch in folded:
        if unicodedata.combining(ch):
            continue
        out.append(ch if ch.isascii() and ch.isprintable() else " " if ch.isspace() else "?")
    return "".join(out)


_FOLD = str.maketrans({"đ": "d", "Đ": "D", "–": "-", "—": "-", "−": "-", "’": "'", "‘": "'"})
_FOLD.update(str.maketrans({"“": '"', "”": '"', "…": "...", "°": " deg"}))


def _wrap(segments: list[str], width: int, measure: Any) -> list[str]:
    """Facts joined on lines no wider than `width`; one over-long fact is split."""
    lines: list[str] = []
    current = ""
    for segment in segments:
        pieces: list[str] = []
        piece = segment
        if measure(segment) > width:  # only an over-long fact is measured letter by letter
            piece = ""
            for ch in segment:
                if piece and measure(piece + ch) > width:
                    pieces.append(piece)
                    piece = ch.lstrip()
                else:
                    piece += ch
        for p in [*pieces, piece] if piece else pieces:
            candidate = f"{current}   {p}" if current else p
            if measure(candidate) <= width:
                current = candidate
            else:
                lines.append(current)
                current = p
    return [*lines, current] if current else lines


def burn_data_bar(frame_bgr: np.ndarray, bar_facts: Facts) -> np.ndarray:
    """A copy of the frame with a dark bar below it listing the facts as "key: value"."""
    frame = np.asarray(frame_bgr)
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3) or 0 in frame.shape[:2]:
        raise ValueError(f"expected a non-empty uint8 image, got {frame.dtype} {frame.shape}")
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    width = frame.shape[1]
    items = bar_facts.items() if isinstance(bar_facts, Mapping) else bar_facts
    segments = [f"{key}: {value}" for key, value in items]
    size = round(min(34.0, max(11.0, width / 70)))
    margin = max(4, size // 3)
    font = _font(size)
    if font is None:
        return np.vstack([frame[:, :, :3], _ascii_bar(segments, width)])
    lines = _wrap(segments, width - 2 * margin, font.getlength) or [""]
    ascent, descent = font.getmetrics()
    line_h = ascent + descent + margin // 2
    bar = PilImage.new("RGB", (width, len(lines) * line_h + margin), BAR_BG[::-1])
    draw = ImageDraw.Draw(bar)
    for i, line in enumerate(lines):
        draw.text((margin, margin // 2 + i * line_h), line, font=font, fill=BAR_FG[::-1])
    bgr = np.asarray(bar)[:, :, ::-1]
    return np.ascontiguousarray(np.vstack([frame[:, :, :3], bgr]))


def _ascii_bar(segments: list[str], width: int) -> np.ndarray:
    scale = min(1.2, max(0.35, width / 2000))
    thickness = 1 if scale < 0.7 else 2
    margin = max(4, round(10 * scale))

    def measure(text: str) -> int:
        return cv2.getTextSize(text, HERSHEY, scale, thickness)[0][0]

    lines = _wrap([ascii_safe(s) for s in segments], width - 2 * margin, measure) or [""]
    (_, text_h), baseline = cv2.getTextSize("Hg", HERSHEY, scale, thickness)
    line_h = text_h + baseline + margin // 2
    bar = np.empty((len(lines) * line_h + margin, width, 3), np.uint8)
    bar[:] = BAR_BG
    for i, line in enumerate(lines):
        y = margin // 2 + i * line_h + text_h + margin // 2
        cv2.putText(bar, line, (margin, y), HERSHEY, scale, BAR_FG, thickness, cv2.LINE_AA)
    return bar
