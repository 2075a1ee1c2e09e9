"""The data behind `common.plate_text`'s grammar: province codes, series letters."""

from __future__ import annotations

# Plate province codes (Circular 24/2023/TT-BCA annex). Names are the provinces that issue
# the codes as printed on plates; the 2025 mergers renamed provinces but kept the codes.
# 80 is the central traffic police registry (vehicles of central agencies).
PROVINCES: dict[str, str] = dict(sorted({
    "11": "Cao Bằng", "12": "Lạng Sơn", "14": "Quảng Ninh", "15": "Hải Phòng",
    "16": "Hải Phòng", "17": "Thái Bình", "18": "Nam Định", "19": "Phú Thọ",
    "20": "Thái Nguyên", "21": "Yên Bái", "22": "Tuyên Quang", "23": "Hà Giang",
    "24": "Lào Cai", "25": "Lai Châu", "26": "Sơn La", "27": "Điện Biên", "28": "Hòa Bình",
    "34": "Hải Dương", "35": "Ninh Bình", "36": "Thanh Hóa", "37": "Nghệ An",
    "38": "Hà Tĩnh", "39": "Đồng Nai", "43": "Đà Nẵng", "47": "Đắk Lắk", "48": "Đắk Nông",
    "49": "Lâm Đồng", "60": "Đồng Nai", "61": "Bình Dương", "62": "Long An",
    "63": "Tiền Giang", "64": "Vĩnh Long", "65": "Cần Thơ", "66": "Đồng Tháp",
    "67": "An Giang", "68": "Kiên Giang", "69": "Cà Mau", "70": "Tây Ninh", "71": "Bến Tre",
    "72": "Bà Rịa - Vũng Tàu", "73": "Quảng Bình", "74": "Quảng Trị",
    "75": "Thừa Thiên Huế", "76": "Quảng Ngãi", "77": "Bình Định", "78": "Phú Yên",
    "79": "Khánh Hòa", "80": "Cục Cảnh sát giao thông (cơ quan trung ương)", "81": "Gia Lai",
    "82": "Kon Tum", "83": "Sóc Trăng", "84": "Trà Vinh", "85": "Ninh Thuận",
    "86": "Bình Thuận", "88": "Vĩnh Phúc", "89": "Hưng Yên", "90": "Hà Nam",
    "92": "Quảng Nam", "93": "Bình Phước", "94": "Bạc Liêu", "95": "Hậu Giang",
    "97": "Bắc Kạn", "98": "Bắc Giang", "99": "Bắc Ninh",
    **dict.fromkeys(("29", "30", "31", "32", "33", "40"), "Hà Nội"),
    **dict.fromkeys(("41", *map(str, range(50, 60))), "TP Hồ Chí Minh"),
}.items()))  # fmt: skip

# Never issued in a series: I, J, O, Q, W read too easily as 1, 0 or each other.
NEVER_LETTERS = frozenset("IJOQW")
# Two-letter car series reserved for owner classes (exempt from NEVER_LETTERS: QT).
CAR_SPECIAL_SERIES: dict[str, str] = {
    "LD": "foreign-invested enterprise or joint venture",
    "KT": "military-run enterprise",
    "NG": "diplomatic mission",
    "NN": "foreign organisation or person",
    "QT": "international organisation",
    "CV": "technical staff of a foreign mission",
}
