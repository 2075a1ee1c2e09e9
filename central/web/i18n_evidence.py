"""The page's words for checking the evidence by eye (overlays, zoom, frame stepping, the
three signal crops, the lower bound on the time into red): (vi, en), merged into
central.web.i18n.M."""

from __future__ import annotations

EVIDENCE: dict[str, tuple[str, str]] = {
    "ev.at_least": ("ít nhất {s} giây", "at least {s} s"),
    "ev.lower_bound": (
        "Đèn đỏ đã bật khi bắt đầu ghi hình: ít nhất {s} giây",
        "Red already on when the recording began: at least {s} s",
    ),
    "ev.red_since_start": (
        "lúc bắt đầu ghi hình; đèn có thể đã đỏ từ trước",
        "when the recording began; it may have been red before",
    ),
    "ev.overlay": (
        "Vạch dừng, hướng đi, khung phương tiện vi phạm và đường đi",
        "Stop line, direction, the offending vehicle's box and its path",
    ),
    "ev.legend": ("Chú giải", "Legend"),
    "ev.legend.stop_line": ("Vạch dừng (theo hiệu chỉnh camera)", "Stop line (as calibrated)"),
    "ev.legend.direction": ("Hướng đi qua vạch", "Direction across the line"),
    "ev.legend.offender": ("Phương tiện vi phạm", "The offending vehicle"),
    "ev.legend.before": (
        "Đường đi trước khi vượt vạch (điểm giữa cạnh dưới của khung)",
        "Path before the crossing (bottom centre of the box)",
    ),
    "ev.legend.after": ("Đường đi sau khi vượt vạch", "Path after the crossing"),
    "ev.legend.crossing": ("Điểm vượt vạch", "Where it crossed the line"),
    "ev.legend.plate": ("Vị trí biển số", "Where the plate is"),
    "ev.legend.note": (
        "Các nét do trang này vẽ lên ảnh từ bản kê đã ký; ảnh gốc đã ký không bị sửa.",
        "Drawn by this page from the signed manifest; the signed pictures are unchanged.",
    ),
    "ev.zoom.hint": (
        "Nhấp vào ảnh bất kỳ để phóng to: con lăn hoặc + − để phóng, kéo để di chuyển, "
        "0 để vừa khung, Esc để đóng.",
        "Click any picture to zoom: wheel or + − to zoom, drag to pan, 0 to fit, Esc to close.",
    ),
    "ev.zoom.title": ("Xem phóng to", "Zoomed view"),
    "ev.zoom.open": ("Phóng to", "Zoom"),
    "ev.zoom.in": ("Phóng to (+)", "Zoom in (+)"),
    "ev.zoom.out": ("Thu nhỏ (−)", "Zoom out (−)"),
    "ev.zoom.fit": ("Vừa khung (0)", "Fit (0)"),
    "ev.zoom.close": ("Đóng (Esc)", "Close (Esc)"),
    "ev.signals": (
        "Đèn tín hiệu trước, lúc và sau khi vượt vạch",
        "The signal before, at and after the crossing",
    ),
    "ev.signal_crop_before": ("Trước", "Before"),
    "ev.signal_crop.at": ("Lúc vượt vạch", "At the crossing"),
    "ev.signal_crop_after": ("Sau", "After"),
    "ev.offset": ("{s} giây", "{s} s"),
    "ev.plate_scaled": ("Biển số (ảnh cắt, phóng to ×{k})", "Plate crop (enlarged ×{k})"),
    "ev.step.prev": ("◀ Lùi một khung", "◀ One frame back"),
    "ev.step.next": ("Tiến một khung ▶", "One frame on ▶"),
    "ev.step.cross": ("Về lúc vượt vạch", "Back to the crossing"),
    "ev.step.frame": ("Khung", "Frame"),
    "ev.step.stream": ("giây của bản ghi", "s into the recording"),
    "ev.step.rel": ("giây so với lúc vượt vạch", "s from the crossing"),
    "ev.step.keys": ("Phím , và . lùi hoặc tiến một khung", "Keys , and . step one frame"),
}
