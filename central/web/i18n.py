"""Every string the web page shows, in Vietnamese (the default: officers work in it) and English.

A plain dictionary, no gettext catalogue: the page has a few hundred strings and the city's IT
team should be able to fix a word without a build step. `t(key, lang, **values)` formats one;
an unknown key raises, so a missing translation fails the tests instead of showing a key.
"""

from __future__ import annotations

import functools
import re
import string
from typing import Any

from central.cases import REJECT_REASONS
from central.web.i18n_cameras import CAMERAS
from central.web.i18n_cases import CASES
from central.web.i18n_codes import CODES
from central.web.i18n_evidence import EVIDENCE
from central.web.i18n_lists import LISTS
from central.web.i18n_ops import OPS
from central.web.i18n_quarantine import QUARANTINE_DETAIL
from central.web.i18n_registry import REGISTRY
from common.vi_number import vi_number

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

M: dict[str, tuple[str, str]] = {
    "app.title": ("Dendo – Xử lý vi phạm đèn đỏ", "Dendo – Red-light enforcement"),
    "app.unit": (
        "Phòng CSGT Công an tỉnh Tiền Giang · TP Mỹ Tho",
        "Tiền Giang traffic police · Mỹ Tho",
    ),
    "nav.review": ("Hàng chờ duyệt", "Review queue"),
    "nav.cases": ("Vụ việc", "Cases"),
    "nav.notices": ("Thông báo & quá hạn", "Notices & overdue"),
    "nav.cameras": ("Camera", "Cameras"),
    "nav.quarantine": ("Cách ly", "Quarantine"),
    "nav.report": ("Báo cáo tuần", "Weekly report"),
    "nav.users": ("Người dùng", "Users"),
    "nav.audit": ("Nhật ký thao tác", "Audit trail"),
    "nav.signout": ("Đăng xuất", "Sign out"),
    "nav.menu": ("Trình đơn", "Menu"),
    "nav.main": ("Điều hướng chính", "Main navigation"),
    "lang.other": ("English", "Tiếng Việt"),
    "role.operator": ("Trực vận hành", "Operator"),
    "role.officer": ("Cán bộ CSGT", "Officer"),
    "role.supervisor": ("Chỉ huy", "Supervisor"),
    "login.title": ("Đăng nhập", "Sign in"),
    "login.username": ("Tên đăng nhập", "User name"),
    "login.password": ("Mật khẩu", "Password"),
    "login.submit": ("Đăng nhập", "Sign in"),
    "login.failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."),
    "login.wait": (
        "Đăng nhập sai nhiều lần. Để bảo vệ tài khoản, hãy đợi {wait} rồi thử lại.",
        "Too many failed sign-ins. To protect the account, wait {wait} and try again.",
    ),
    "wait.seconds": ("{s} giây", "{s} s"),
    "wait.minutes": ("{m} phút", "{m} min"),
    "wait.minutes_seconds": ("{m} phút {s} giây", "{m} min {s} s"),
    "error.title": ("Không thực hiện được", "Not possible"),
    "error.csrf": (
        "Yêu cầu bị từ chối: thiếu hoặc sai mã bảo vệ biểu mẫu (CSRF). "
        "Hãy tải lại trang rồi thử lại.",
        "Request refused: the form's security token (CSRF) is missing or wrong. "
        "Reload the page and try again.",
    ),
    "error.forbidden": (
        "Tài khoản của bạn không có quyền thực hiện thao tác này.",
        "Your account is not allowed to do this.",
    ),
    "error.not_found": ("Không tìm thấy trang hoặc vụ việc này.", "No such page or case."),
    "error.bad_request": ("Yêu cầu không hợp lệ.", "The request is not valid."),
    "error.back": ("Về trang chính", "Back to the start page"),
    "common.prev": ("← Trước", "← Previous"),
    "common.next": ("Sau →", "Next →"),
    "common.page": ("Trang {page}/{pages} · {total} mục", "Page {page} of {pages} · {total} items"),
    "common.none": ("Không có mục nào.", "Nothing here."),
    "common.filter": ("Lọc", "Filter"),
    "common.all": ("Tất cả", "All"),
    "common.yes": ("Có", "Yes"),
    "common.no": ("Không", "No"),
    "common.open": ("Mở", "Open"),
    "col.case": ("Vụ", "Case"),
    "col.camera": ("Camera", "Camera"),
    "col.crossed": ("Thời điểm vượt", "Crossed at"),
    "col.plate": ("Biển số", "Plate"),
    "col.vehicle": ("Loại xe", "Vehicle"),
    "col.into_red": ("Sau đèn đỏ", "Into red"),
    "col.state": ("Trạng thái", "State"),
    "col.notice": ("Số thông báo", "Notice no."),
    "col.deadline": ("Hạn nộp", "Deadline"),
    "col.fine": ("Mức phạt (VND)", "Fine (VND)"),
    "col.name": ("Tên / vị trí", "Name / site"),
    "col.status": ("Tình trạng", "Status"),
    "col.heartbeat": ("Nhịp tim gần nhất", "Last heartbeat"),
    "col.fps": ("Khung hình/giây", "Frames/s"),
    "col.outbox": ("Hàng đợi gửi", "Outbox"),
    "col.today": ("Vi phạm hôm nay", "Violations today"),
    "col.spark": ("24 giờ qua, theo giờ", "Last 24 h, per hour"),
    "col.received": ("Nhận lúc", "Received"),
    "col.reason": ("Lý do", "Reason"),
    "col.size": ("Kích thước", "Size"),
    "col.topic": ("Chủ đề MQTT", "MQTT topic"),
    "col.username": ("Tên đăng nhập", "User name"),
    "col.role": ("Vai trò", "Role"),
    "col.active": ("Hoạt động", "Active"),
    "col.created": ("Tạo lúc", "Created"),
    "col.at": ("Thời điểm", "When"),
    "col.user": ("Người thực hiện", "User"),
    "col.action": ("Thao tác", "Action"),
    "col.target": ("Đối tượng", "Target"),
    "col.detail": ("Chi tiết", "Detail"),
    "state.detected": ("Mới phát hiện", "Detected"),
    "state.review": ("Chờ duyệt", "In review"),
    "state.confirmed": ("Đã xác nhận", "Confirmed"),
    "state.rejected": ("Đã loại bỏ", "Rejected"),
    "state.notice_issued": ("Đã gửi thông báo", "Notice issued"),
    "state.fined": ("Đã ra quyết định phạt", "Fined"),
    "state.paid": ("Đã nộp phạt", "Paid"),
    "state.escalated": ("Quá hạn chưa giải quyết", "Overdue"),
    "state.merged": ("Đã gộp (trùng)", "Merged (duplicate)"),
    "vehicle.car": ("Ô tô con", "Car"),
    "vehicle.truck": ("Ô tô tải", "Truck"),
    "vehicle.bus": ("Ô tô khách", "Bus"),
    "vehicle.motorcycle": ("Mô tô, xe máy", "Motorbike"),
    "vehicle.bicycle": ("Xe đạp", "Bicycle"),
    "signal.red": ("Đỏ", "Red"),
    "signal.amber": ("Vàng", "Amber"),
    "signal.green": ("Xanh", "Green"),
    "signal.unknown": ("Không xác định", "Unknown"),
    "review.title": ("Hàng chờ duyệt", "Review queue"),
    "review.waiting": ("{n} vụ đang chờ duyệt, cũ nhất trước", "{n} cases waiting, oldest first"),
    "review.empty": ("Không còn vụ nào chờ duyệt.", "No cases are waiting for review."),
    "review.keys": (
        "Phím tắt: c xác nhận · r từ chối · p sửa biển số · j vụ sau · k vụ trước",
        "Shortcuts: c confirm · r reject · p edit the plate · j next · k previous",
    ),
    "review.position": ("Vụ {id} trong hàng chờ", "Case {id} in the queue"),
    "ev.frame_before": ("Trước vạch dừng", "Before the stop line"),
    "ev.frame_cross": ("Thời điểm vượt vạch dừng", "Crossing the stop line"),
    "ev.frame_after": ("Sau vạch dừng", "After the stop line"),
    "ev.plate_crop": ("Biển số (ảnh cắt)", "Plate crop"),
    "ev.signal_crop": ("Đèn tín hiệu (ảnh cắt)", "Signal crop"),
    "ev.clip": ("Đoạn video quanh thời điểm vượt", "Clip around the crossing"),
    "ev.box": ("Khung: phương tiện vi phạm", "Box: the violating vehicle"),
    "ev.open": ("Mở ảnh gốc", "Open the original"),
    "facts.title": (
        "Dữ liệu vi phạm (từ bản kê đã ký)",
        "Violation data (from the signed manifest)",
    ),
    "facts.site": ("Địa điểm", "Site"),
    "facts.location": ("Tọa độ", "Location"),
    "facts.crossed": ("Vượt vạch lúc", "Crossed at"),
    "facts.red_since": ("Đèn đỏ từ", "Red since"),
    "facts.into_red": ("Sau khi đèn đỏ", "Time into red"),
    "facts.seconds": ("{s} giây", "{s} s"),
    "facts.signal": ("Tín hiệu (nguồn)", "Signal (source)"),
    "facts.vehicle": ("Phương tiện", "Vehicle"),
    "facts.plate_read": ("Biển số camera đọc", "Plate as read"),
    "facts.confidence": ("độ tin cậy {p} %", "confidence {p} %"),
    "facts.unread": ("(không đọc được)", "(unread)"),
    "facts.decision": ("Căn cứ phát hiện", "Why it was flagged"),
    "facts.sequence": ("Số thứ tự bằng chứng", "Evidence sequence"),
    "facts.violation_id": ("Mã vi phạm", "Violation id"),
    "facts.bundle_sha": ("SHA-256 gói bằng chứng", "Evidence bundle SHA-256"),
    "facts.received": ("Trung tâm nhận lúc", "Received at the centre"),
    "badge.signed": ("✔ Chữ ký số hợp lệ", "✔ Signature verified"),
    "badge.signed_detail": (
        "Ed25519, khóa {key} của hộp {box}; đã kiểm tra khi tiếp nhận",
        "Ed25519, key {key} of box {box}; checked on receipt",
    ),
    "chain.ok": ("Chuỗi bằng chứng liên tục", "Evidence chain intact"),
    "chain.first": ("Bằng chứng đầu tiên của camera", "First evidence from this camera"),
    "chain.gap": ("⚠ Chuỗi bằng chứng bị hở", "⚠ Gap in the evidence chain"),
    "chain.fork": ("⚠ Chuỗi bằng chứng bị rẽ nhánh", "⚠ Fork in the evidence chain"),
    "badge.clock": ("⚠ Cảnh báo đồng hồ", "⚠ Clock warning"),
    "badge.demo": ("Dữ liệu trình diễn", "Demo data"),
    "act.confirm": ("Xác nhận vi phạm", "Confirm the violation"),
    "act.plate": ("Biển số (sửa nếu camera đọc sai)", "Plate (correct it if misread)"),
    "act.reject": ("Từ chối", "Reject"),
    "act.reason": ("Lý do từ chối", "Reason"),
    "act.reason_text": ("Ghi chú (bắt buộc với “Lý do khác”)", "Note (required for “Other”)"),
    "act.notice": ("Lập thông báo vi phạm", "Issue the notice"),
    "act.fine": ("Ghi nhận quyết định xử phạt", "Record the fine"),
    "act.amount": ("Số tiền (VND)", "Amount (VND)"),
    "act.range": ("Khung phạt {min}–{max} đồng · {basis}", "Range {min}–{max} VND · {basis}"),
    "act.pay": ("Ghi nhận đã nộp phạt", "Record the payment"),
    "act.reference": ("Số biên lai / mã giao dịch", "Receipt or transaction reference"),
    "act.escalate": ("Chuyển các vụ quá hạn sang cưỡng chế", "Escalate every overdue case"),
    "act.readonly": (
        "Bạn chỉ có quyền xem vụ việc này.",
        "You may view this case but not act on it.",
    ),
    "done.confirmed": (
        "Đã xác nhận vụ {id}, biển số {plate}.",
        "Case {id} confirmed, plate {plate}.",
    ),
    "done.rejected": ("Đã từ chối vụ {id}.", "Case {id} rejected."),
    "done.notice": (
        "Đã lập thông báo {number} cho vụ {id}, hạn {deadline}.",
        "Notice {number} issued for case {id}, deadline {deadline}.",
    ),
    "done.fined": (
        "Đã ghi nhận mức phạt {amount} đồng cho vụ {id}.",
        "Fine of {amount} VND recorded for case {id}.",
    ),
    "done.paid": (
        "Đã ghi nhận vụ {id} nộp {amount} đồng.",
        "Payment of {amount} VND recorded for case {id}.",
    ),
    "done.escalated": ("Đã chuyển {n} vụ quá hạn.", "{n} overdue cases escalated."),
    "refused": ("Không thực hiện được: {reason}", "Refused: {reason}"),
    "bad_amount": (
        "Số tiền phải là số nguyên dương (đồng).",
        "The amount must be a positive whole number of VND.",
    ),
    "case.title": ("Vụ {id}", "Case {id}"),
    "case.timeline": ("Diễn biến xử lý", "Timeline"),
    "case.by": ("bởi {actor:actor}", "by {actor:actor}"),
    "case.evidence": ("Bằng chứng", "Evidence"),
    "case.notice": ("Thông báo vi phạm", "Violation notice"),
    "case.notice_pdf": ("Tải thông báo (PDF)", "Download the notice (PDF)"),
    "case.notice_html": ("Mở thông báo trong thẻ mới", "Open the notice in a new tab"),
    "case.notice_draft": (
        "Bản nháp: thông báo chưa được lập.",
        "Draft: the notice is not issued yet.",
    ),
    "case.owner": ("Chủ phương tiện", "Owner"),
    "case.no_owner": (
        "Biển số chưa có trong dữ liệu đăng ký xe: nhập dữ liệu trước khi lập thông báo.",
        "The plate is not in the vehicle registry: import it before issuing the notice.",
    ),
    "case.merged_into": ("Trùng lặp, đã gộp vào vụ {id}", "Duplicate, merged into case {id}"),
    "case.rejected_reason": ("Lý do loại bỏ: {reason:reject}", "Rejected: {reason:reject}"),
    "case.corrected": (
        "Biển số đã sửa, camera đọc là {old}",
        "Plate corrected; the camera read {old}",
    ),
    "case.payment": (
        "Đã nộp {amount} đồng ngày {at}, chứng từ {ref}",
        "Paid {amount} VND on {at}, reference {ref}",
    ),
    "case.fine": (
        "Mức phạt {amount} đồng, quyết định ngày {at}",
        "Fine {amount} VND, decided on {at}",
    ),
    "case.actions": ("Xử lý", "Actions"),
    "case.all": ("Tất cả vụ việc", "All cases"),
}
M.update(CASES)
M.update(CODES)
M.update(EVIDENCE)
M.update(CAMERAS)
M.update(LISTS)
M.update(REGISTRY)
M.update(QUARANTINE_DETAIL)
M.update(OPS)

REJECT_REASONS_EN = {
    "not_a_violation": "Not a violation (stopped / went on green)",
    "plate_unreadable": "Plate unreadable",
    "emergency_vehicle": "Emergency vehicle on duty",
    "signal_fault": "Signal faulty or wrong phase",
    "directed_by_police": "Traffic directed by police",
    "evidence_unclear": "Evidence unclear",
    "other": "Other reason",
}


def lang_or_default(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


class _Formatter(string.Formatter):
    """Fills a message; a value given as a code and marked with its kind (`{actor:actor}`,
    `{reason:reject}`) is said in the message's language (central.web.codes.FORMATS)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> Any:
        from central.web.codes import FORMATS  # here: it builds on this module's t()

        if format_spec in FORMATS:
            return FORMATS[format_spec](value, self.lang)
        return super().format_field(value, format_spec)


_CODED = re.compile(r"\{\w+:[a-z_]+\}")


@functools.cache
def _coded(text: str) -> bool:
    return bool(_CODED.search(text))


def t(key: str, /, lang: str = DEFAULT_LANG, **values: Any) -> str:
    """The text for `key` in `lang`, with `{name}` filled from `values` (KeyError if unknown)."""
    lang = lang_or_default(lang)
    text = M[key][LANGS.index(lang)]
    if not values:
        return text
    return _Formatter(lang).format(text, **values) if _coded(text) else text.format(**values)


def duration(seconds: int, lang: str) -> str:
    """A short wait as people say it: 45 giây, 2 phút, 4 phút 16 giây."""
    minutes, rest = divmod(max(0, int(seconds)), 60)
    if not minutes:
        return t("wait.seconds", lang, s=rest)
    if not rest:
        return t("wait.minutes", lang, m=minutes)
    return t("wait.minutes_seconds", lang, m=minutes, s=rest)


def t_opt(prefix: str, code: str | None, lang: str) -> str:
    """A label for a code (state, vehicle class, signal), or the code itself when unknown."""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in M else str(code or "–")


def reject_reasons(lang: str) -> list[tuple[str, str]]:
    """(code, label) for the reject form, in the process's order."""
    labels = REJECT_REASONS if lang_or_default(lang) == "vi" else REJECT_REASONS_EN
    return [(code, labels.get(code, code)) for code in REJECT_REASONS]


def number(value: float | int | None, decimals: int = 0, *, lang: str = DEFAULT_LANG) -> str:
    """Digit grouping as each language writes it: 19.000.000 (vi), 19,000,000 (en)."""
    if value is None:
        return "–"
    if lang_or_default(lang) == "vi":
        return vi_number(value, decimals)
    return f"{value:,.{decimals}f}"
