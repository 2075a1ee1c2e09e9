"""The quarantine page's words around the verifier's detail (central.web.quarantine_detail):
(vi, en), merged into central.web.i18n.M. The Vietnamese of each message itself stands beside
its pattern in central.web.quarantine_rules and central.web.quarantine_schema."""

from __future__ import annotations

QUARANTINE_DETAIL: dict[str, tuple[str, str]] = {
    "qd.library": (
        "lỗi do thư viện phần mềm báo, xem nguyên văn",
        "a library's own words, see them verbatim",
    ),
    "qd.no_words": ("không kèm thông báo nào", "no message given"),
    "qd.unmatched": (
        "Kiểm tra “{reason}” không đạt; bộ kiểm tra ghi chi tiết theo cách trang này chưa"
        " diễn giải được",
        "The check “{reason}” failed; the verifier wrote a detail this page cannot say again",
    ),
    "qd.verbatim": ("Nguyên văn của bộ kiểm tra:", "The verifier's own words:"),
    "qd.with_verbatim": (
        "{text} (nguyên văn của bộ kiểm tra: “{verbatim}”)",
        "{text} (the verifier's own words: “{verbatim}”)",
    ),
    "qd.code": ("Mã lý do:", "Reason code:"),
}
