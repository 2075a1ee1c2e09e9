"""The page's words for the codes the system records: who acted (actors), what was done (audit
actions), the facts noted on a move or an audit line, why a message was quarantined, where
the signal state came from, and why the camera flagged a crossing. (vi, en), merged into
central.web.i18n.M; central.web.codes and central.web.explain put them together."""

from __future__ import annotations

CODES: dict[str, tuple[str, str]] = {
    # who made a move that no officer made
    "actor.ingest": ("hệ thống (tiếp nhận bằng chứng)", "the system (evidence intake)"),
    "actor.system": ("hệ thống (tự động)", "the system (automatic)"),
    "actor.cli": ("quản trị viên (dòng lệnh)", "an administrator (command line)"),
    "actor.demo": (
        "chương trình trình diễn (tự động, không phải cán bộ)",
        "the demo (automatic, not an officer)",
    ),
    "actor.empty": ("(không nhập tên)", "(no name given)"),
    # what the audit trail records
    "audit.login": ("Đăng nhập", "Signed in"),
    "audit.logout": ("Đăng xuất", "Signed out"),
    "audit.login.failed": ("Đăng nhập không thành công", "Failed sign-in"),
    "audit.user.add": ("Thêm người dùng", "User added"),
    "audit.user.activate": ("Mở khóa người dùng", "User activated"),
    "audit.user.deactivate": ("Khóa người dùng", "User deactivated"),
    "audit.user.end_sessions": ("Kết thúc mọi phiên đăng nhập", "Every session ended"),
    "audit.case.confirm": ("Xác nhận vi phạm", "Violation confirmed"),
    "audit.case.reject": ("Từ chối (loại bỏ) vụ việc", "Case rejected"),
    "audit.case.reverse": ("Hủy xác nhận", "Confirmation reversed"),
    "audit.case.notice": ("Lập thông báo vi phạm", "Notice issued"),
    "audit.case.fine": ("Ghi nhận quyết định xử phạt", "Fine decided"),
    "audit.case.pay": ("Ghi nhận nộp phạt", "Payment recorded"),
    "audit.case.appeal": ("Ghi nhận khiếu nại", "Appeal recorded"),
    "audit.case.appeal_decided": ("Giải quyết khiếu nại", "Appeal decided"),
    "audit.case.escalate_overdue": ("Chuyển các vụ quá hạn sang cưỡng chế", "Overdue escalated"),
    "audit.notice.pdf": ("Tải thông báo (PDF)", "Notice downloaded (PDF)"),
    "audit.document.pdf": ("Tải văn bản đã ban hành (PDF)", "Issued document downloaded (PDF)"),
    "audit.quarantine.download": ("Tải bản gốc bị cách ly", "Quarantined original downloaded"),
    "audit.report.csv": ("Tải báo cáo tuần (CSV)", "Weekly report downloaded (CSV)"),
    "audit.registry.import": ("Nhập dữ liệu đăng ký xe", "Vehicle registry imported"),
    "audit.cases.csv": ("Tải danh sách vụ việc (CSV)", "Case list downloaded (CSV)"),
    "audit.bulk.print": ("In hàng loạt thông báo", "Notices printed in bulk"),
    "audit.bulk.zip": ("Tải hàng loạt thông báo (ZIP)", "Notices downloaded in bulk (ZIP)"),
    # the facts written on a move (the timeline) or an audit line, by their key
    "fact.violation_id": ("mã vi phạm", "violation id"),
    "fact.chain": ("chuỗi bằng chứng", "evidence chain"),
    "fact.chain_note": ("ghi chú chuỗi", "chain note"),
    "fact.clock_note": ("cảnh báo đồng hồ", "clock warning"),
    "fact.plate": ("biển số", "plate"),
    "fact.plate_from": ("biển số trước khi sửa", "plate before"),
    "fact.plate_to": ("biển số sau khi sửa", "plate after"),
    "fact.plate_reason": ("lý do sửa biển số", "why the plate changed"),
    "fact.demo": ("dữ liệu trình diễn", "demo data"),
    "fact.reason": ("lý do", "reason"),
    "fact.text": ("ghi chú", "note"),
    "fact.reversed": ("hủy xác nhận", "reversed"),
    "fact.notice_number": ("số thông báo", "notice number"),
    "fact.amount_vnd": ("số tiền", "amount"),
    "fact.reference": ("chứng từ", "reference"),
    "fact.deadline_at": ("hạn nộp", "deadline"),
    "fact.merged_into": ("gộp vào vụ", "merged into case"),
    "fact.ground": ("căn cứ khiếu nại", "ground"),
    "fact.state_before": ("trạng thái trước đó", "state before"),
    "fact.outcome": ("kết quả", "outcome"),
    "fact.addressee": ("người nhận mới", "new addressee"),
    "fact.version": ("phiên bản", "version"),
    "fact.case_version": ("phiên bản vụ việc", "case version"),
    "fact.number": ("số văn bản", "document number"),
    "fact.pdf_sha256": ("SHA-256 của tệp PDF", "PDF SHA-256"),
    "fact.sha256": ("SHA-256", "SHA-256"),
    "fact.role": ("vai trò", "role"),
    "fact.via": ("qua", "via"),
    "fact.client": ("địa chỉ máy", "client address"),
    "fact.cases": ("các vụ", "cases"),
    "fact.n": ("số vụ", "count"),
    "fact.file": ("tệp", "file"),
    "fact.imported": ("thêm mới", "imported"),
    "fact.updated": ("cập nhật", "updated"),
    "fact.unchanged": ("không đổi", "unchanged"),
    "fact.rejected": ("bị từ chối", "rejected"),
    "fact.rejected_lines": ("các dòng bị từ chối", "rejected lines"),
    "fact.demo_value": (
        "xác nhận tự động bởi chương trình trình diễn, không phải cán bộ",
        "confirmed automatically by the demo, not by an officer",
    ),
    "fact.filter": ("bộ lọc", "filter"),
    "fact.lang": ("ngôn ngữ", "language"),
    "fact.numbers": ("các số văn bản", "document numbers"),
    "fact.pages": ("số trang", "pages"),
    "fact.camera": ("camera", "camera"),
    "fact.from": ("từ ngày", "from"),
    "fact.to": ("đến ngày", "to"),
    "fact.state": ("trạng thái", "state"),
    "fact.vehicle": ("loại xe", "vehicle"),
    "fact.unread": ("chưa đọc được biển số", "plate unread"),
    "fact.conf": ("độ tin cậy dưới (%)", "confidence below (%)"),
    "fact.sort": ("sắp xếp theo", "sorted by"),
    "fact.dir": ("chiều", "order"),
    "dir.asc": ("tăng dần", "ascending"),
    "dir.desc": ("giảm dần", "descending"),
    "sort.id": ("số vụ", "case number"),
    "sort.crossed": ("thời điểm vượt", "crossing time"),
    "sort.camera": ("camera", "camera"),
    "sort.plate": ("biển số", "plate"),
    "sort.vehicle": ("loại xe", "vehicle"),
    "sort.into_red": ("thời gian sau đèn đỏ", "time into red"),
    "sort.confidence": ("độ tin cậy đọc biển", "plate confidence"),
    "sort.state": ("trạng thái", "state"),
    "sort.notice": ("số thông báo", "notice number"),
    "sort.deadline": ("hạn nộp", "deadline"),
    "sort.fine": ("mức phạt", "fine"),
    "lang.vi": ("tiếng Việt", "Vietnamese"),
    "lang.en": ("tiếng Anh", "English"),
    "via.page": ("trang web", "the web page"),
    "via.api": ("giao diện lập trình (API)", "the API"),
    "chain_status.ok": ("liên tục", "intact"),
    "chain_status.first": ("bằng chứng đầu tiên của camera", "the camera's first"),
    "chain_status.gap": ("bị hở", "gap"),
    "chain_status.fork": ("bị rẽ nhánh", "fork"),
    "amount.vnd": ("{n} đồng", "{n} VND"),
    # why an issued document no longer stands
    "doc_reason.cancelled": ("Hủy sau khi giải quyết khiếu nại", "Cancelled on appeal"),
    "doc_reason.readdressed": ("Gửi lại cho người nhận khác", "Re-addressed"),
    "doc_reason.corrected": ("Đã lập bản sửa", "Corrected"),
    # why a message was quarantined (common.reasons.QuarantineReason)
    "quarantine.oversized": ("Gói vượt quá kích thước cho phép", "Larger than allowed"),
    "quarantine.not_a_zip": (
        "Không phải tệp ZIP đọc được (hoặc bị cắt cụt)",
        "Not a readable ZIP (or truncated)",
    ),
    "quarantine.zip_unsafe": ("Tệp ZIP có cấu trúc nguy hiểm", "A ZIP built to attack the reader"),
    "quarantine.missing_manifest": ("Thiếu bản kê (manifest.json)", "No manifest.json"),
    "quarantine.missing_signature": ("Thiếu chữ ký số (manifest.sig)", "No manifest.sig"),
    "quarantine.wrong_schema": ("Bản kê sai định dạng", "Manifest not in the expected format"),
    "quarantine.unknown_key": (
        "Ký bằng khóa mà trung tâm không có",
        "Signed by a key the centre does not hold",
    ),
    "quarantine.bad_signature": ("Chữ ký số không hợp lệ", "Signature does not verify"),
    "quarantine.missing_file": (
        "Thiếu tệp có trong bản kê",
        "A file listed in the manifest is missing",
    ),
    "quarantine.unexpected_file": ("Có tệp không nằm trong bản kê", "A file not in the manifest"),
    "quarantine.hash_mismatch": ("Mã băm tệp không khớp", "A file's hash does not match"),
    "quarantine.size_mismatch": ("Kích thước tệp không khớp", "A file's size does not match"),
    "quarantine.not_canonical": (
        "Nội dung đã ký nhưng tệp ZIP bị đóng gói lại",
        "Signed contents in a repacked ZIP",
    ),
    "quarantine.jpeg_corrupt": ("Ảnh bằng chứng bị hỏng", "An evidence picture is corrupt"),
    "quarantine.camera_mismatch": (
        "Gửi trên kênh của camera khác",
        "Sent on another camera's topic",
    ),
    "quarantine.bad_topic": ("Không gửi trên kênh vi phạm", "Not sent on a violation topic"),
    "quarantine.box_mismatch": (
        "Bản kê ghi hộp thiết bị khác với khóa ký",
        "The manifest names another box than its key's",
    ),
    "quarantine.conflict": (
        "Trùng mã vi phạm nhưng nội dung khác",
        "A known violation id with other bytes",
    ),
    "quarantine.unstorable": (
        "Cơ sở dữ liệu không lưu được một giá trị",
        "The database refused a value",
    ),
    "quarantine.unverifiable": (
        "Lỗi khi kiểm tra: đã giữ lại để xem xét",
        "The check itself failed: kept for a look",
    ),
    # where the signal state came from (manifest signal.source)
    "source.vision": ("nhận dạng hình ảnh đèn", "read from the picture"),
    "source.controller": ("tín hiệu từ bộ điều khiển đèn", "from the signal controller"),
    "source.schedule": ("theo lịch pha đèn", "from the phase schedule"),
    # where the camera is
    "facts.latlon": ("{lat}° B, {lon}° Đ", "{lat}° N, {lon}° E"),
    # why the camera flagged the crossing, from the manifest's facts (central.web.explain)
    "why.red": (
        "vượt vạch dừng khi đèn đỏ đã bật {s} giây, và đi tiếp",
        "crossed on red, {s} s into red, and continued",
    ),
    "why.red_at_least": (
        "vượt vạch dừng khi đèn đỏ đã bật ít nhất {s} giây (đèn đã đỏ từ lúc bắt đầu ghi hình), "
        "và đi tiếp",
        "crossed on red, at least {s} s into red (red since the recording began), and continued",
    ),
    "why.red_no_time": ("vượt vạch dừng khi đèn đỏ, và đi tiếp", "crossed on red, and continued"),
    "why.amber": (
        "vượt vạch dừng khi đèn vàng (tính là vi phạm theo cấu hình của camera), và đi tiếp",
        "crossed on amber (a violation under the camera's amber rule), and continued",
    ),
    "why.lamp_unseen": (
        "đèn không nhìn rõ trong {s} giây giữa hai lần thấy đèn đỏ, ngắn hơn thời gian đèn vàng "
        "tối thiểu ({amber} giây), nên đèn đỏ suốt thời gian đó",
        "the lamp was unseen for {s} s between two reds, less than the shortest amber "
        "({amber} s): red throughout",
    ),
    "why.past_line": (
        "sau vạch đi thêm {px} điểm ảnh trong {n} khung hình (cần ít nhất {need})",
        "then {px} px past the line over {n} frames (at least {need} needed)",
    ),
    "why.unseen": (
        "không thấy lúc vượt vạch: {gap} giây giữa hai lần phát hiện trước và sau vạch",
        "crossing not seen: {gap} s between the detections before and past the line",
    ),
    "why.exempt": (
        "rẽ phải qua vùng được phép rẽ khi đèn đỏ",
        "left through the right-turn-on-red exit zone",
    ),
    "why.stopped": ("không đi tiếp qua vạch dừng", "did not continue past the stop line"),
    "why.not_red": ("đèn {state} lúc vượt vạch", "signal was {state} at the crossing"),
    "why.grace": (
        "mới {s} giây sau khi đèn đỏ bật, chưa quá thời gian cho phép",
        "only {s} s into red, within the grace",
    ),
    "why.none": ("camera không ghi căn cứ", "the camera gave no reason"),
    # the centre's notes on the evidence chain and the clock (central.ingest_rules' wording)
    "chain_note.held": (
        "số thứ tự {seq} của camera {cam} đã thuộc về gói {vid}",
        "sequence {seq} of {cam} is already held by bundle {vid}",
    ),
    "chain_note.prev": (
        "mã băm bản kê trước ({sha}) không phải của gói {vid} ở số thứ tự {n}",
        "prev_sha256 {sha} is not the manifest hash of bundle {vid} at sequence {n}",
    ),
    "chain_note.restart": (
        "gói số 1 lại nối với một bản kê trước đó: chuỗi của thiết bị đã bị khởi tạo lại",
        "sequence 1 links to an earlier manifest: the edge chain was restarted",
    ),
    "chain_note.first": (
        "chưa có gói nào trước đó của camera {cam} (đây là gói số {seq})",
        "no earlier bundle of {cam} is known (this is sequence {seq})",
    ),
    "chain_note.gap": (
        "gói số {seq} đến sau gói số {last}: thiếu {k} gói",
        "sequence {seq} follows {last}: {k} bundle(s) missing",
    ),
    "chain_note.closed": (
        "{note}; đã liền lại khi gói {vid} đến sau",
        "{note}; closed by {vid} arriving later",
    ),
    "chain_note.prev_later": (
        "mã băm bản kê trước không phải của gói {vid} ở số thứ tự {n}",
        "prev_sha256 is not the manifest hash of {vid} at sequence {n}",
    ),
    "clock_note.ahead": (
        "thời điểm vượt vạch ({at}) sớm hơn đồng hồ của trung tâm ({now}) {m} phút: "
        "đồng hồ của thiết bị có thể chạy nhanh",
        "crossed_at {at} is {m} min ahead of the centre's clock ({now}): the edge box clock "
        "may be fast",
    ),
    "clock_note.old": (
        "thời điểm vượt vạch ({at}) cách lúc trung tâm nhận ({now}) {d} ngày: "
        "đồng hồ của thiết bị có thể sai",
        "crossed_at {at} is {d} days before it arrived ({now}): the edge box clock may be wrong",
    ),
}
