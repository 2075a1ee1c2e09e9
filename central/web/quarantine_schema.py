"""wrong_schema details in Vietnamese: common.manifest.parse_manifest's own messages, the
validators' ValueErrors, pydantic's messages as common.manifest.first_error gives them
("where: message (and N more)"), and the words of the JSON parser and of zipfile the verifier
passes on (the standard library's: a fixed set, so said too; anything else is kept verbatim)."""

from __future__ import annotations

from central.web.quarantine_match import Piece, Rule, choices, num, plain, sub

# common.manifest: the validators' ValueErrors (pydantic says "Value error, <this>").
VALUE_ERRORS = [
    Rule(
        r"(?P<text>'.*') is not UTC with milliseconds like (?P<example>\S+)",
        "{text} không phải thời điểm UTC có phần nghìn giây (dạng {example})",
    ),
    Rule(r"not a UUID", "không phải mã UUID"),
    Rule(r"must be a lowercase hyphenated UUIDv7", "phải là mã UUIDv7 viết thường, có gạch nối"),
    Rule(r"NaN and Infinity are not JSON", "`NaN` và `Infinity` không phải giá trị `JSON`"),
    Rule(r"JSON object keys must be strings", "khóa của đối tượng `JSON` phải là chuỗi ký tự"),
    Rule(r"(?P<type>\w+) is not a JSON value", "kiểu {type} không phải giá trị `JSON`"),
    Rule(
        r"signal: a controller's phase must name the key that signed it",
        "`signal`: pha đèn lấy từ bộ điều khiển phải ghi khóa đã ký bản tin pha đèn",
    ),
    Rule(
        r"plate_reason is required exactly when plate is null",
        "`plate_reason` phải có khi và chỉ khi `plate` là `null`",
    ),
    Rule(r"files: duplicate file name", "`files`: có hai tệp trùng tên"),
    Rule(
        r"files: manifest\.json and manifest\.sig are not evidence files",
        "`files`: `manifest.json` và `manifest.sig` không phải tệp bằng chứng",
    ),
    Rule(
        r"files: role (?P<role>\w+) appears (?P<count>\d+) times",
        "`files`: vai trò {role} xuất hiện {count} lần (mỗi khung hình chính đúng một lần,"
        " các vai trò khác nhiều nhất một lần)",
        {"count": num},
    ),
    Rule(r"frame_boxes: duplicate role", "`frame_boxes`: có hai khung trùng vai trò"),
    Rule(
        r"frame_boxes: (?P<role>\w+) is frame (?P<index>-?\d+), (?P<offset>-?\d+) from"
        r" cross_frame (?P<cross>-?\d+), but its offset_frames says (?P<says>-?\d+)",
        "`frame_boxes`: {role} là khung hình số {index}, cách `cross_frame` ({cross}) {offset}"
        " khung hình, nhưng `offset_frames` ghi {says}",
        {"index": plain, "offset": plain, "cross": plain, "says": plain},
    ),
    Rule(
        r"frame_boxes: the frame_cross box is not at cross_frame",
        "`frame_boxes`: khung `frame_cross` không nằm ở khung hình `cross_frame`",
    ),
    Rule(r"track: frame indices must increase", "`track`: số thứ tự khung hình phải tăng dần"),
    Rule(
        r"clip: timing given for a bundle without a clip file",
        "`clip`: có thông tin thời gian của đoạn video nhưng gói không có tệp video",
    ),
    Rule(
        r"seconds_into_red (?P<said>\S+) disagrees with crossed_at - red_since = (?P<elapsed>\S+)",
        "`seconds_into_red` ghi {said}, không khớp với `crossed_at − red_since` = {elapsed}",
    ),
]

# pydantic's messages for the manifest's types (strict, from JSON).
_LENGTH = r"(?P<kind>List|Tuple|Dictionary)"
_KINDS = {"List": "Danh sách", "Tuple": "Bộ giá trị", "Dictionary": "Đối tượng"}


def _kind(value: str) -> Piece:
    return plain(_KINDS[value])


PYDANTIC = [
    Rule(r"Value error, (?P<why>.*)", "{why}", {"why": sub(VALUE_ERRORS)}),
    Rule(r"Field required", "thiếu trường bắt buộc"),
    Rule(r"Extra inputs are not permitted", "có trường không thuộc mẫu bản kê (không được phép)"),
    Rule(r"Input should be an object", "phải là một đối tượng `JSON`"),
    Rule(r"Input should be null", "phải là `null`"),
    Rule(r"Input should be a valid string", "phải là chuỗi ký tự"),
    Rule(
        r"Input should be a valid integer, got a number with a fractional part",
        "phải là số nguyên (không có phần thập phân)",
    ),
    Rule(r"Input should be a valid integer", "phải là số nguyên"),
    Rule(r"Input should be a valid number", "phải là một số"),
    Rule(r"Input should be a finite number", "phải là số hữu hạn"),
    Rule(r"Input should be a valid boolean", "phải là `true` hoặc `false`"),
    Rule(r"Input should be a valid array", "phải là một mảng `JSON`"),
    Rule(r"Input should be greater than (?P<n>\S+)", "phải lớn hơn {n}", {"n": plain}),
    Rule(
        r"Input should be greater than or equal to (?P<n>\S+)",
        "phải lớn hơn hoặc bằng {n}",
        {"n": plain},
    ),
    Rule(r"Input should be less than (?P<n>\S+)", "phải nhỏ hơn {n}", {"n": plain}),
    Rule(
        r"Input should be less than or equal to (?P<n>\S+)",
        "phải nhỏ hơn hoặc bằng {n}",
        {"n": plain},
    ),
    Rule(r"Input should be (?P<values>'.*')", "phải là {values}", {"values": choices}),
    Rule(r"String should match pattern (?P<pattern>'.*')", "chuỗi không đúng mẫu {pattern}"),
    Rule(
        r"String should have at least (?P<n>\d+) characters?",
        "chuỗi phải có ít nhất {n} ký tự",
        {"n": num},
    ),
    Rule(
        r"String should have at most (?P<n>\d+) characters?",
        "chuỗi chỉ được có tối đa {n} ký tự",
        {"n": num},
    ),
    Rule(
        _LENGTH + r" should have at least (?P<n>\d+) items? after validation, not (?P<got>\d+)",
        "{kind} phải có ít nhất {n} phần tử, ở đây có {got}",
        {"kind": _kind, "n": num, "got": num},
    ),
    Rule(
        _LENGTH + r" should have at most (?P<n>\d+) items? after validation, not (?P<got>\d+)",
        "{kind} chỉ được có tối đa {n} phần tử, ở đây có {got}",
        {"kind": _kind, "n": num, "got": num},
    ),
    Rule(
        r"Recursion error - maximum validation depth exceeded",
        "các mảng hoặc đối tượng lồng nhau quá sâu",
    ),
]

# json.loads (what it says, from the standard library) and parse_manifest's own hooks.
_JSON_WHAT = [
    Rule(r"Expecting value", "cần một giá trị `JSON`"),
    Rule(
        r"Expecting property name enclosed in double quotes",
        "cần tên khóa đặt trong dấu ngoặc kép",
    ),
    Rule(r"Expecting (?P<mark>'[^']+') delimiter", "cần dấu phân cách {mark}"),
    Rule(r"Unterminated string starting at", "chuỗi ký tự không có dấu đóng, bắt đầu"),
    Rule(r"Invalid control character (?P<char>.+) at", "ký tự điều khiển {char} không hợp lệ"),
    Rule(r"Invalid \\escape: (?P<char>.+)", "dãy thoát {char} không hợp lệ"),
    Rule(r"Invalid \\uXXXX escape", "dãy thoát `\\uXXXX` không hợp lệ"),
    Rule(r"Extra data", "còn dữ liệu thừa sau giá trị `JSON`"),
]
JSON = [
    Rule(r"duplicate key in a JSON object", "một đối tượng `JSON` có hai khóa trùng nhau"),
    Rule(r"(?P<name>-?\w+) is not JSON", "{name} không phải giá trị `JSON`"),
    Rule(
        r"(?P<what>.+): line (?P<line>\d+) column (?P<column>\d+) \(char (?P<char>\d+)\)",
        "{what} (dòng {line}, cột {column}, ký tự thứ {char})",
        {"what": sub(_JSON_WHAT), "line": num, "column": num, "char": num},
    ),
    Rule(
        r"maximum recursion depth exceeded while decoding a JSON (?P<kind>array|object) from a"
        r" unicode string",
        "các mảng hoặc đối tượng `JSON` lồng nhau quá sâu (khi đọc {kind})",
    ),
]

# zipfile.BadZipFile, as raised while reading the archive's directory.
ZIPFILE = [
    Rule(
        r"File is not a zip file",
        "không tìm thấy phần kết của danh mục ZIP (không phải tệp ZIP, hoặc tệp bị cắt cụt)",
    ),
    Rule(r"Bad offset for central directory", "vị trí của danh mục ZIP không hợp lệ"),
    Rule(r"Truncated central directory", "danh mục ZIP bị cắt cụt"),
    Rule(r"Bad magic number for central directory", "danh mục ZIP sai mã nhận dạng"),
    Rule(
        r"zipfiles that span multiple disks are not supported",
        "không nhận tệp ZIP chia thành nhiều phần",
    ),
    Rule(
        r"Corrupt extra field (?P<tag>[0-9a-f]{4}) \(size=(?P<size>\d+)\)",
        "trường mở rộng {tag} bị hỏng (kích thước {size})",
        {"size": num},
    ),
]

_MORE = [Rule(r" \(and (?P<n>\d+) more\)", " (và {n} lỗi khác)", {"n": num})]
_FIRST_ERROR = r": (?P<msg>.+?)(?P<more> \(and \d+ more\))?"

# common.manifest.parse_manifest, in the order it checks.
SCHEMA_RULES = [
    Rule(r"manifest\.json is not UTF-8", "Bản kê `manifest.json` không phải văn bản UTF-8"),
    Rule(
        r"manifest\.json is not JSON: (?P<why>.*)",
        "Bản kê `manifest.json` không phải `JSON` hợp lệ: {why}",
        {"why": sub(JSON)},
    ),
    Rule(
        r"manifest\.json is not a JSON object",
        "Nội dung bản kê `manifest.json` không phải một đối tượng `JSON`",
    ),
    Rule(
        r"schema is (?P<got>.+), expected (?P<expected>'[^']*')",
        "Trường `schema` ghi {got}, cần là {expected}",
    ),
    Rule(  # first_error of a check on the whole manifest
        r"manifest" + _FIRST_ERROR,
        "Bản kê: {msg}{more}",
        {"msg": sub(PYDANTIC), "more": sub(_MORE)},
    ),
    Rule(  # first_error: the field's dotted path, then pydantic's message
        r"(?P<where>[^\s:]+)" + _FIRST_ERROR,
        "Trường {where}: {msg}{more}",
        {"msg": sub(PYDANTIC), "more": sub(_MORE)},
    ),
]
