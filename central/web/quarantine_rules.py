"""Every detail the verifier records with a quarantined message, by reason code: one rule per
message the project writes (common.bundle, common.zipsafe, central.ingest, central.ingest_rules,
central.keys' explanation of a refused key, central.quarantine_actions), each with its Vietnamese.
The manifest's own schema errors are in central.web.quarantine_schema.

tests/central/web/test_quarantine_detail.py finds every such message in the source and fails
when one has no example in its table, so a new message cannot be left in English."""

from __future__ import annotations

from central.web.quarantine_match import Rule, library, num, plain, sub
from central.web.quarantine_schema import SCHEMA_RULES, ZIPFILE

NAME = r"(?P<name>[^\s:]+)"  # a member's name as the archive gives it (checked or not)

EXPLAIN = [  # central.keys.KeyRing.explain, after an unknown key's detail
    Rule(
        r"key (?P<kid>\S+) of box (?P<box>\S+) is revoked",
        "khóa {kid} của thiết bị {box} đã bị thu hồi",
    ),
    Rule(
        r"key (?P<kid>\S+) is not registered"
        r" \((?P<command>dendo-central keys add --box \.\.\. PEM)\)",
        "khóa {kid} chưa được đăng ký (đăng ký bằng lệnh {command})",
    ),
    Rule(
        r"camera (?P<camera>\S+) is not in the camera config",
        "camera {camera} không có trong cấu hình camera của trung tâm",
    ),
    Rule(
        r"key (?P<kid>\S+) belongs to box (?P<box>\S+),"
        r" camera (?P<camera>\S+) to box (?P<cbox>\S+)",
        "khóa {kid} thuộc thiết bị {box}, còn camera {camera} thuộc thiết bị {cbox}",
    ),
]

_UNKNOWN_KEY = [
    Rule(
        r"no public key (?P<kid>\S+) for camera (?P<camera>\S+) \(box (?P<box>\S+)\)",
        "Trung tâm không có khóa công khai {kid} cho camera {camera} (thiết bị {box})",
    ),
    Rule(
        r"manifest names key (?P<kid>\S+), the key found is (?P<found>\S+)",
        "Bản kê ghi khóa {kid}, nhưng khóa tìm thấy là {found}",
    ),
]

_OVERSIZED = [
    Rule(
        r"(?P<size>\d+) bytes, at most (?P<limit>\d+) allowed",
        "Gói có {size} byte, vượt giới hạn {limit} byte",
        {"size": num, "limit": num},
    ),
]

RULES: dict[str, list[Rule]] = {
    "oversized": [
        Rule(  # central.ingest keeps only the head of an oversized message
            r"(?P<head>.+) \(only the first (?P<kept>\d+) of (?P<total>\d+) bytes are kept\)",
            "{head} (chỉ lưu {kept} byte đầu trong tổng số {total} byte)",
            {"head": sub(_OVERSIZED), "kept": num, "total": num},
        ),
        *_OVERSIZED,
    ],
    "not_a_zip": [
        Rule(
            r"not a readable ZIP archive: (?P<why>.*)",
            "Không đọc được tệp nén ZIP: {why}",
            {"why": sub(ZIPFILE)},
        ),
        Rule(
            NAME + r": local header outside the archive \(truncated\?\)",
            "Tệp {name}: phần đầu của tệp nằm ngoài tệp ZIP (có thể tệp ZIP bị cắt cụt)",
        ),
        Rule(
            NAME + r": no local header where the directory points",
            "Tệp {name}: không có phần đầu của tệp tại vị trí danh mục ZIP chỉ tới",
        ),
        Rule(
            NAME + r": data runs past the end \(truncated\)",
            "Tệp {name}: dữ liệu kéo dài quá cuối tệp ZIP (bị cắt cụt)",
        ),
        Rule(
            NAME + r": corrupt compressed data \((?P<why>.*)\)",
            "Tệp {name}: dữ liệu nén bị hỏng ({why})",
            {"why": library},
        ),
        Rule(
            NAME + r": compressed data ends early \(truncated\)",
            "Tệp {name}: dữ liệu nén kết thúc sớm (bị cắt cụt)",
        ),
    ],
    "zip_unsafe": [
        Rule(
            r"(?P<n>\d+) members, at most (?P<limit>\d+) allowed",
            "Tệp ZIP có {n} tệp bên trong, tối đa chỉ được {limit} tệp",
            {"n": num, "limit": num},
        ),
        Rule(
            r"unsafe member name (?P<name>.+)",
            "Tên tệp bên trong không an toàn: {name}",
        ),
        Rule(r"duplicate member (?P<name>.+)", "Hai tệp bên trong trùng tên: {name}"),
        Rule(
            NAME + r" is encrypted or not a regular file",
            "Tệp {name} được mã hóa hoặc không phải tệp thông thường",
        ),
        Rule(
            NAME + r" uses compression method (?P<method>\d+)",
            "Tệp {name} dùng phương pháp nén không được chấp nhận (mã {method})",
            {"method": plain},
        ),
        Rule(
            NAME + r" declares (?P<size>\d+) bytes, over limit",
            "Tệp {name} khai báo {size} byte, vượt giới hạn cho một tệp",
            {"size": num},
        ),
        Rule(
            r"members declare over (?P<limit>\d+) bytes in total",
            "Tổng kích thước khai báo của các tệp bên trong vượt {limit} byte",
            {"limit": num},
        ),
        Rule(
            r"members (?P<a>\S+) and (?P<b>\S+) overlap",
            "Hai tệp {a} và {b} chồng lên nhau trong tệp ZIP",
        ),
        Rule(
            NAME + r": local header disagrees with the directory",
            "Tệp {name}: phần đầu của tệp không khớp với danh mục ZIP",
        ),
        Rule(
            NAME + r": stored size (?P<size>\d+) != declared (?P<declared>\d+)",
            "Tệp {name}: kích thước lưu {size} byte khác kích thước khai báo {declared} byte",
            {"size": num, "declared": num},
        ),
        Rule(
            NAME + r": inflates past its declared (?P<size>\d+) bytes",
            "Tệp {name}: khi giải nén vượt quá {size} byte đã khai báo (nghi tệp nén độc hại)",
            {"size": num},
        ),
        Rule(
            NAME + r": hidden bytes after the compressed data",
            "Tệp {name}: có dữ liệu giấu sau phần dữ liệu nén",
        ),
    ],
    "missing_manifest": [
        Rule(r"no (?P<name>\S+) in the archive", "Tệp ZIP không có bản kê {name}"),
    ],
    "missing_signature": [
        Rule(r"no (?P<name>\S+) in the archive", "Tệp ZIP không có chữ ký số {name}"),
    ],
    "wrong_schema": SCHEMA_RULES,
    "unknown_key": [
        Rule(  # central.ingest adds why the key ring refused the key
            r"(?P<head>.+?): (?P<why>(?:key|camera) .+)",
            "{head}: {why}",
            {"head": sub(_UNKNOWN_KEY), "why": sub(EXPLAIN)},
        ),
        *_UNKNOWN_KEY,
    ],
    "bad_signature": [
        Rule(
            r"manifest\.sig does not verify with key (?P<kid>\S+)",
            "Chữ ký số `manifest.sig` không khớp với khóa {kid}",
        ),
    ],
    "missing_file": [
        Rule(
            NAME + r" \((?P<role>\w+)\) is not in the ZIP",
            "Tệp {name} ({role}) có trong bản kê nhưng không có trong tệp ZIP",
        ),
    ],
    "unexpected_file": [
        Rule(
            NAME + r" is in the ZIP but not in the manifest",
            "Tệp {name} có trong tệp ZIP nhưng không có trong bản kê",
        ),
    ],
    "size_mismatch": [
        Rule(
            NAME + r": (?P<size>\d+) bytes, manifest says (?P<declared>\d+)",
            "Tệp {name} có {size} byte, bản kê ghi {declared} byte",
            {"size": num, "declared": num},
        ),
    ],
    "hash_mismatch": [
        Rule(
            NAME + r": sha256 differs from the manifest",
            "Mã băm SHA-256 của tệp {name} khác với mã băm ghi trong bản kê",
        ),
    ],
    "not_canonical": [
        Rule(
            r"the signed contents are genuine but the ZIP container is not the one the edge"
            r" writes \(repacked: member order, compression or metadata differ\)",
            "Nội dung đã ký là nội dung thật, nhưng tệp ZIP không phải tệp do thiết bị tạo ra"
            " (đã bị đóng gói lại: thứ tự tệp, cách nén hoặc siêu dữ liệu khác đi)",
        ),
    ],
    "jpeg_corrupt": [
        Rule(
            NAME + r" \((?P<role>\w+)\) is declared (?P<type>\S+); frames and crops must be JPEG",
            "Tệp {name} ({role}) khai báo kiểu {type}; ảnh khung hình và ảnh cắt phải là JPEG",
        ),
        Rule(
            NAME + r" is cut off \(no end-of-image marker\)",
            "Ảnh {name} bị cắt cụt (không có dấu kết thúc ảnh)",
        ),
        Rule(
            NAME + r" is (?P<size>\d+x\d+)",
            "Ảnh {name} có kích thước {size} điểm ảnh, vượt giới hạn cho phép",
        ),
        Rule(
            NAME + r" does not decode as JPEG: (?P<why>.*)",
            "Ảnh {name} không giải mã được theo chuẩn JPEG: {why}",
            {"why": library},
        ),
    ],
    "camera_mismatch": [
        Rule(
            r"camera (?P<camera>\S+) sent on (?P<topic>.+)",
            "Gói của camera {camera} lại được gửi trên kênh {topic}",
        ),
    ],
    "bad_topic": [
        Rule(r"(?P<topic>.+) is not a violation topic", "{topic} không phải kênh gửi vi phạm"),
    ],
    "box_mismatch": [
        Rule(
            r"manifest says box (?P<box>\S+), key is box (?P<keybox>\S+)",
            "Bản kê ghi thiết bị {box}, nhưng khóa ký thuộc thiết bị {keybox}",
        ),
    ],
    "conflict": [
        Rule(
            r"violation (?P<vid>\S+) is already stored with sha256 (?P<stored>\w+);"
            r" these bytes have sha256 (?P<sha>\w+)",
            "Vi phạm {vid} đã được lưu với mã băm SHA-256 {stored}; gói này có mã băm {sha}",
        ),
    ],
    "unstorable": [
        Rule(
            r"the database refused it: (?P<why>.*)",
            "Cơ sở dữ liệu từ chối lưu: {why}",
            {"why": library},
        ),
        Rule(
            r"(?P<field>\S+) (?P<value>.+) is over (?P<limit>\d+) characters or holds a NUL;"
            r" the database cannot keep it as a case",
            "Giá trị {value} của trường {field} dài quá {limit} ký tự hoặc chứa ký tự NUL;"
            " cơ sở dữ liệu không lưu được thành vụ việc",
            {"limit": num},
        ),
    ],
    "unverifiable": [
        Rule(  # central.quarantine_actions: the re-ingest came back without a receipt
            r"no receipt",
            "Lần kiểm tra lại không trả về kết quả",
        ),
        Rule(  # central.ingest: the check itself raised (a bug); kept, never lost
            r"(?P<type>[A-Za-z_][\w.]*): (?P<why>.*)",
            "Bộ kiểm tra gặp lỗi ngoài dự kiến ({type}): {why}",
            {"why": library},
        ),
    ],
}
