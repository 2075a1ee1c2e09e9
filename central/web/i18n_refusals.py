"""The page's words for refused moves, refused documents, error pages and plate-grammar
faults: (vi, en), merged into central.web.i18n.M through central.web.i18n_registry."""

from __future__ import annotations

REFUSALS: dict[str, tuple[str, str]] = {
    "refuse.no_plate": (
        "Vụ việc số {id} chưa có biển số: hãy đọc biển số từ chứng cứ và nhập vào.",
        "Case {id} has no plate: read it from the evidence and type it in.",
    ),
    "refuse.bad_plate": (
        "Biển số “{plate}” không phải biển số Việt Nam hợp lệ: {reason}.",
        "“{plate}” is not a valid Vietnamese plate: {reason}.",
    ),
    "refuse.cannot_become": (
        "Vụ việc số {id} đang ở trạng thái “{state}”: không thể chuyển sang “{to}”.",
        "Case {id} is “{state}”: it cannot become “{to}”.",
    ),
    "refuse.what.reject reason": ("lý do từ chối", "reject reason"),
    "refuse.what.appeal ground": ("căn cứ khiếu nại", "appeal ground"),
    "refuse.unknown_code": ("Hãy chọn {what} trong danh sách.", "Pick a {what} from the list."),
    "refuse.other_needs_text": (
        "Đã chọn “Lý do khác” làm {what}: hãy ghi rõ nội dung.",
        "“Other” was picked as the {what}: write it out.",
    ),
    "refuse.no_case": ("Không có vụ việc số {id}.", "There is no case {id}."),
    "refuse.reverse_reason": (
        "Vụ việc số {id}: hủy xác nhận cần ghi rõ lý do.",
        "Case {id}: a reversal needs its reason written.",
    ),
    "refuse.reverse_state": (
        "Vụ việc số {id} đang ở trạng thái “{state}”: chỉ vụ đã xác nhận mới hủy xác nhận được.",
        "Case {id} is “{state}”: only a confirmed case can be reversed.",
    ),
    "refuse.no_owner": (
        "Biển số {plate} của vụ việc số {id} chưa có trong dữ liệu đăng ký xe, nên chưa lập "
        "được thông báo. Hãy tra cứu, bổ sung dữ liệu đăng ký xe cho biển số này.",
        "Plate {plate} of case {id} is not in the vehicle registry, so no notice can be "
        "issued. Look it up and complete the registry for this plate.",
    ),
    "refuse.no_owner_link": (
        "Mở trang Đăng ký xe cho biển số {plate}",
        "Open the vehicle registry for {plate}",
    ),
    "refuse.fine_positive": (
        "Mức phạt phải là số tiền dương (đồng), không phải {amount}.",
        "A fine must be a positive amount of VND, not {amount}.",
    ),
    "refuse.fine_range": (
        "Vụ việc số {id}: mức phạt {amount} đồng nằm ngoài khung phạt đối với {vehicle} "
        "({group}): từ {min} đến {max} đồng theo {basis}.",
        "Case {id}: {amount} VND is outside the range for a {vehicle} ({group}): "
        "{min}–{max} VND under {basis}.",
    ),
    "refuse.fine_class": (
        "Chưa có khung phạt cho loại xe “{vehicle}” trong bảng mức phạt.",
        "No fine is configured for the vehicle class “{vehicle}”.",
    ),
    "refuse.fine_whole": (
        "Mức phạt phải là số nguyên đồng, không phải {amount}.",
        "A fine is a whole number of VND, not {amount}.",
    ),
    "refuse.no_fine": (
        "Vụ việc số {id} chưa có quyết định xử phạt: hãy ghi nhận quyết định trước.",
        "Case {id} has no fine recorded yet: record the fine first.",
    ),
    "refuse.pay_differs": (
        "Vụ việc số {id}: số tiền nộp {paid} đồng khác mức phạt đã quyết định {fine} đồng.",
        "Case {id}: the payment of {paid} VND differs from the fine of {fine} VND.",
    ),
    "refuse.pay_reference": (
        "Ghi nhận nộp phạt cần số biên lai hoặc mã giao dịch.",
        "A payment needs its receipt or transaction reference.",
    ),
    "refuse.deadline": (
        "Vụ việc số {id}: chưa quá hạn nộp phạt ({when}), chưa chuyển cưỡng chế được.",
        "Case {id}: the deadline ({when}) has not passed; it cannot be escalated.",
    ),
    "refuse.signer": (
        "Quyết định xử phạt cần họ tên và chức vụ của người ký.",
        "A fine decision needs the name and title of who signs it.",
    ),
    "refuse.no_version": (
        "Biểu mẫu không cho biết phiên bản vụ việc bạn đã xem: hãy tải lại trang rồi thao tác lại.",
        "The form did not say which version of the case it was made on: reload and try again.",
    ),
    "refuse.no_actor": ("Thao tác cần tên người thực hiện.", "Every move needs who makes it."),
    "refuse.appeal_state": (
        "Vụ việc số {id} đang ở trạng thái “{state}”: chỉ thông báo hoặc quyết định xử phạt mới "
        "khiếu nại được.",
        "Case {id} is “{state}”: only a notice or a fine is appealed.",
    ),
    "refuse.no_appeal": (
        "Vụ việc số {id} đang ở trạng thái “{state}”: không có khiếu nại nào để giải quyết.",
        "Case {id} is “{state}”: there is no appeal to decide.",
    ),
    "refuse.unknown_outcome": (
        "Hãy chọn kết quả giải quyết khiếu nại.",
        "Pick the outcome of the appeal.",
    ),
    "refuse.appeal_reasons": (
        "Vụ việc số {id}: giải quyết khiếu nại cần ghi rõ lý do, căn cứ.",
        "Case {id}: the decision on an appeal needs its reasons written.",
    ),
    "refuse.readdress": (
        "Vụ việc số {id}: gửi lại thông báo cần họ tên và địa chỉ của người nhận mới.",
        "Case {id}: re-addressing needs the new name and address.",
    ),
    "refuse.class_mismatch": (
        "Vụ việc số {id}: camera thấy {seen} nhưng biển số {plate} đăng ký là {registered}: "
        "hãy kiểm tra lại biển số trước khi gửi thông báo.",
        "Case {id}: the camera saw a {seen} but {plate} is registered as a {registered}: "
        "check the plate before a notice goes out.",
    ),
    "refuse.evidence_missing": (
        "Tệp chứng cứ {name} không còn trong kho lưu trữ: chưa lập được tài liệu.",
        "Evidence file {name} is missing from the store: no document can be made.",
    ),
    "refuse.evidence_mismatch": (
        "Tệp chứng cứ {name} không khớp mã SHA-256 đã lưu: không phải bản gốc, không dùng được.",
        "Evidence file {name} does not match its SHA-256: not the original.",
    ),
    "refuse.evidence_none": (
        "Vi phạm {vid} thiếu chứng cứ: {what}.",
        "Violation {vid} lacks evidence: {what}.",
    ),
    "refuse.bundle_missing": (
        "Vụ việc số {id}: gói chứng cứ {vid} không có trong kho lưu trữ.",
        "Case {id}: evidence bundle {vid} is not stored.",
    ),
    "refuse.notice_state": (
        "Vụ việc số {id} đang ở trạng thái “{state}”: chỉ vụ đã xác nhận mới lập thông báo được.",
        "Case {id} is “{state}”: only a confirmed case gets a notice.",
    ),
    "refuse.no_notice": (
        "Vụ việc số {id} đang ở trạng thái “{state}”: không có thông báo nào đang có hiệu lực.",
        "Case {id} is “{state}”: it has no notice in force.",
    ),
    "refuse.image_kind": (
        "Một ảnh chứng cứ không phải JPEG, PNG hay WebP.",
        "An evidence image is neither JPEG, PNG nor WebP.",
    ),
    "refuse.path_escape": (
        "Tệp chứng cứ {name} trỏ ra ngoài kho lưu trữ: bị từ chối.",
        "Evidence file {name} points outside the evidence store: refused.",
    ),
    "refuse.doc_missing": (
        "Tài liệu {number} ({fmt}) không còn trong kho lưu trữ. Báo ngay cho bộ phận kỹ thuật.",
        "Document {number} ({fmt}) is missing from the store. Tell the technical staff.",
    ),
    "refuse.doc_mismatch": (
        "Tài liệu {number} ({fmt}) không khớp mã SHA-256 lưu khi phát hành: đây không phải "
        "bản gốc nên không được mở. Báo ngay cho bộ phận kỹ thuật.",
        "Document {number} ({fmt}) does not match the SHA-256 recorded at issue: it is not "
        "the original and is not served. Tell the technical staff.",
    ),
    "refuse.other": ("Không thực hiện được: {reason}", "Refused: {reason}"),
    "money.unit": ("đồng", "VND"),
    # plate-grammar faults (common.plate_text's reasons)
    "plate.empty": ("biển số để trống", "the plate is empty"),
    "plate.province_first": (
        "biển số phải bắt đầu bằng mã tỉnh gồm 2 chữ số",
        "a plate starts with a 2-digit province code",
    ),
    "plate.no_series": (
        "thiếu chữ cái sê-ri sau mã tỉnh {code}",
        "the series letter after province code {code} is missing",
    ),
    "plate.series_long": (
        "sê-ri {series} có quá nhiều chữ cái",
        "series {series} has too many letters",
    ),
    "plate.letter_in_number": (
        "có chữ {letter} trong phần số",
        "unexpected letter {letter} in the number",
    ),
    "plate.electric": (
        "MĐ là sê-ri xe máy điện: sau đó là một chữ số 1–9 rồi 5 chữ số",
        "MĐ is the electric series: a digit 1–9, then 5 digits",
    ),
    "plate.number_len": ("phần số phải có 4 hoặc 5 chữ số", "the number must have 4 or 5 digits"),
    "plate.province": ("không có mã tỉnh {code}", "there is no province code {code}"),
    "plate.never_letter": (
        "chữ {letter} không được dùng làm sê-ri",
        "series letter {letter} is never issued",
    ),
    "plate.car_series": (
        "{series} không phải sê-ri ô tô hai chữ cái ({known})",
        "{series} is not a two-letter car series ({known})",
    ),
    "plate.digit_zero": (
        "chữ số sê-ri xe máy phải từ 1 đến 9, không phải 0",
        "a motorbike series digit is 1–9, not 0",
    ),
    "plate.other_kind": (
        "không phải biển {kind}: đọc được là biển {other} {display}",
        "not a {kind} plate: it reads as the {other} plate {display}",
    ),
    "plate.ambiguous": (
        "không rõ là biển {a_kind} {a} hay biển {b_kind} {b}: hãy viết kèm dấu phân cách",
        "ambiguous: {a_kind} {a} or {b_kind} {b}; write it with its separators",
    ),
    "plate.not_plate": ("không phải biển số", "not a plate"),
    "plate.kind.car": ("ô tô", "car"),
    "plate.kind.motorbike": ("xe máy", "motorbike"),
    # error pages
    "error.status": ("Mã lỗi HTTP {status}", "HTTP status {status}"),
    "error.t404": ("Không tìm thấy", "Not found"),
    "error.t403": ("Không có quyền", "Not allowed"),
    "error.t405": ("Thao tác không hợp lệ", "Not allowed here"),
    "error.t409": ("Không thực hiện được", "Not possible"),
    "error.t422": ("Dữ liệu gửi lên không hợp lệ", "Invalid request"),
    "error.t500": ("Lỗi hệ thống", "Server error"),
    "error.method": (
        "Địa chỉ này không nhận kiểu yêu cầu vừa gửi ({method}). Hãy dùng các nút, biểu mẫu "
        "trên trang.",
        "This address does not take that kind of request ({method}). Use the page's buttons "
        "and forms.",
    ),
    "error.fields": (
        "Biểu mẫu gửi lên thiếu hoặc sai: {fields}. Hãy tải lại trang rồi thử lại.",
        "The form is missing or has wrong values: {fields}. Reload the page and try again.",
    ),
    "error.server": (
        "Hệ thống gặp lỗi khi xử lý yêu cầu; thao tác có thể chưa được thực hiện. Hãy tải lại "
        "trang và kiểm tra; nếu lỗi lặp lại, báo cho bộ phận kỹ thuật (mã tra cứu {ref}).",
        "The system failed while handling the request; the action may not have been done. "
        "Reload the page and check; if it happens again, tell the technical staff "
        "(reference {ref}).",
    ),
    "error.http": (
        "Yêu cầu không thực hiện được (mã {status}).",
        "The request could not be served (status {status}).",
    ),
    "error.back_case": ("← Quay lại vụ việc số {id}", "← Back to case {id}"),
    "doc.refused_title": ("Không mở được tài liệu", "The document cannot be opened"),
    "case.no_owner_link": (
        "Biển số chưa có trong dữ liệu đăng ký xe: cần bổ sung trước khi lập thông báo.",
        "The plate is not in the vehicle registry: complete it before issuing the notice.",
    ),
    "case.registry_link": ("Tra cứu đăng ký xe biển số {plate}", "Registry entry of {plate}"),
}

# form fields, as a refused request names them (central.web.error_pages)
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "field.version": ("phiên bản vụ việc", "case version"),
    "field.plate": ("biển số", "plate"),
    "field.plate_reason": ("lý do sửa biển số", "why the plate is changed"),
    "field.reason": ("lý do", "reason"),
    "field.text": ("ghi chú / nội dung", "note"),
    "field.amount": ("số tiền", "amount"),
    "field.signer": ("người ký", "signer"),
    "field.reference": ("số biên lai", "reference"),
    "field.ground": ("căn cứ khiếu nại", "ground"),
    "field.outcome": ("kết quả", "outcome"),
    "field.page": ("số trang", "page number"),
    "field.case": ("số vụ việc", "case number"),
    "field.case_id": ("số vụ việc", "case number"),
    "field.week": ("tuần", "week"),
    "field.file": ("tệp", "file"),
    "field.seen": ("dấu phiên bản bản ghi", "record stamp"),
    "field.next": ("trang tiếp theo", "next page"),
}
REFUSALS.update(FIELD_LABELS)
