"""The page's words for versions, claims, reversals, appeals and the documents issued: (vi, en),
merged into central.web.i18n.M."""

from __future__ import annotations

CASES: dict[str, tuple[str, str]] = {
    "state.appealed": ("Đang giải quyết khiếu nại", "Appeal pending"),
    "state.cancelled": ("Đã hủy thông báo", "Cancelled"),
    "stale.title": (
        "Vụ {id} đã có người xử lý sau khi bạn mở trang, nên thao tác của bạn KHÔNG được "
        "thực hiện. Trong lúc đó:",
        "Case {id} was acted on after you opened it, so your action was NOT applied. Meanwhile:",
    ),
    "stale.move": ("lúc {at}, {actor:actor}: {state}", "at {at}, {actor:actor}: {state}"),
    "stale.now": (
        "Vụ việc hiện ở trạng thái “{state}”. Hãy xem lại trước khi thao tác.",
        "The case is now “{state}”. Look at it again before acting.",
    ),
    "claimed.refused": (
        "Vụ {id} đang được {user} duyệt (đến {until}): thao tác không được thực hiện. "
        "Hãy lấy vụ khác trong hàng chờ.",
        "Case {id} is being reviewed by {user} (until {until}): nothing was done. "
        "Take another case from the queue.",
    ),
    "claimed.banner": (
        "Vụ này đang được {user} duyệt (đến {until}). Bạn chỉ xem được, không thao tác.",
        "{user} is reviewing this case (until {until}). You can look, not act.",
    ),
    "claimed.mark": ("đang có cán bộ duyệt", "being reviewed"),
    "claimed.yours": (
        "Vụ này đang dành cho bạn đến {until}; cán bộ khác sẽ nhận vụ tiếp theo.",
        "This case is yours until {until}; other officers get the next one.",
    ),
    "plate_reason.needed": (
        "Camera đọc biển {read} với độ tin cậy {p} %. Muốn sửa thành {new}, hãy ghi lý do "
        "sửa biển số.",
        "The camera read {read} with {p} % confidence. To change it to {new}, write why.",
    ),
    "act.plate_reason": ("Lý do sửa biển số", "Why the plate is changed"),
    "act.plate_reason_hint": (
        "Bắt buộc khi sửa biển số camera đọc với độ tin cậy cao ({read}, {p} %).",
        "Required when changing a confident camera read ({read}, {p} %).",
    ),
    "act.reverse": ("Hủy xác nhận, trả về chờ duyệt", "Reverse the confirmation"),
    "act.reverse_reason": ("Lý do hủy xác nhận (bắt buộc)", "Why (required)"),
    "act.signer": ("Người ký quyết định (họ tên, chức vụ)", "Signed by (name, title)"),
    "act.appeal": ("Ghi nhận khiếu nại", "Record an appeal"),
    "act.appeal_ground": ("Căn cứ khiếu nại", "Ground"),
    "act.appeal_text": ("Nội dung (bắt buộc với “Lý do khác”)", "Details (required for “Other”)"),
    "act.decide": ("Giải quyết khiếu nại", "Decide the appeal"),
    "act.outcome": ("Kết quả", "Outcome"),
    "act.outcome.cancel": ("Hủy thông báo, chấm dứt vụ việc", "Withdraw the notice, end the case"),
    "act.outcome.readdress": (
        "Gửi lại thông báo cho người khác (bản mới)",
        "Re-address the notice (a new version)",
    ),
    "act.outcome.dismiss": ("Không chấp nhận khiếu nại, giữ nguyên", "Dismiss, keep as it was"),
    "act.decide_text": ("Lý do, căn cứ giải quyết (bắt buộc)", "Reasons (required)"),
    "act.addressee": ("Người nhận mới (khi gửi lại)", "New addressee (re-address only)"),
    "act.addressee_name": ("Họ tên / tên tổ chức", "Name"),
    "act.addressee_address": ("Địa chỉ", "Address"),
    "act.addressee_id": ("Số căn cước / mã số thuế", "Identity or tax number"),
    "done.reversed": (
        "Đã hủy xác nhận vụ {id}: vụ việc trở lại hàng chờ duyệt.",
        "Case {id}: confirmation reversed, back in review.",
    ),
    "done.appeal": ("Đã ghi nhận khiếu nại cho vụ {id}.", "Appeal recorded on case {id}."),
    "done.appeal.cancel": (
        "Vụ {id}: đã hủy thông báo, vụ việc chấm dứt.",
        "Case {id}: notice withdrawn, case ended.",
    ),
    "done.appeal.readdress": (
        "Vụ {id}: đã lập thông báo {number} gửi người nhận mới; bản cũ được đánh dấu bị thay thế.",
        "Case {id}: notice {number} issued to the new addressee; the old one is superseded.",
    ),
    "done.appeal.dismiss": (
        "Vụ {id}: không chấp nhận khiếu nại, vụ việc giữ nguyên.",
        "Case {id}: appeal dismissed.",
    ),
    "facts.at_least": ("ít nhất {s} giây", "at least {s} s"),
    "case.version": ("phiên bản {v}", "version {v}"),
    "case.plate_camera": ("Camera đọc", "Camera read"),
    "case.plate_officer": ("Cán bộ xác định", "Officer's plate"),
    "case.plate_reason": ("Lý do sửa", "Why changed"),
    "docs.title": ("Văn bản đã ban hành", "Documents issued"),
    "docs.none": ("Chưa ban hành văn bản nào.", "Nothing issued yet."),
    "docs.kind.notice": ("Thông báo vi phạm", "Violation notice"),
    "docs.kind.decision": ("Quyết định xử phạt", "Fine decision"),
    "docs.number": ("Số", "Number"),
    "docs.issued": ("Ban hành", "Issued"),
    "docs.status": ("Tình trạng", "Status"),
    "docs.status.issued": ("Đang có hiệu lực", "In force"),
    "docs.status.superseded": ("Đã được thay thế bằng bản sau", "Superseded"),
    "docs.status.void": ("Đã hủy", "Void"),
    "docs.frozen": (
        "Bản đã ban hành được lưu nguyên vẹn: mọi lần tải đều là đúng tệp này (SHA-256 {sha}).",
        "The issued document is kept as issued: every download is this file (SHA-256 {sha}).",
    ),
    "docs.plates": (
        "Biển số trên văn bản: {plate} · camera đọc: {read}",
        "Plate on the document: {plate} · camera read: {read}",
    ),
    "docs.corrected": ("cán bộ đã sửa", "corrected by the officer"),
    "docs.addressee": ("Gửi: {name}", "To: {name}"),
    "docs.signer": ("Người ký", "Signed by"),
    "appeal.ground.vehicle_sold": ("Xe đã bán, chuyển nhượng", "Vehicle sold"),
    "appeal.ground.vehicle_stolen": ("Xe bị mất cắp", "Vehicle stolen"),
    "appeal.ground.cloned_plate": ("Biển số bị làm giả", "Cloned plate"),
    "appeal.ground.wrong_owner": ("Sai chủ phương tiện / địa chỉ", "Wrong owner or address"),
    "appeal.ground.not_a_violation": ("Không có hành vi vi phạm", "Not a violation"),
    "appeal.ground.other": ("Lý do khác", "Other"),
}
