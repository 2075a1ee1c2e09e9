"""The page's words for the cameras list, the camera page and the quarantine: (vi, en),
merged into central.web.i18n.M."""

from __future__ import annotations

_SPANS: dict[str, tuple[str, str]] = {
    "span.d_h": ("{d} ngày {h} giờ", "{d} d {h} h"),
    "span.d": ("{d} ngày", "{d} d"),
    "span.h_m": ("{h} giờ {m} phút", "{h} h {m} min"),
    "span.h": ("{h} giờ", "{h} h"),
    "span.m": ("{m} phút", "{m} min"),
    "span.s": ("{s} giây", "{s} s"),
}

_LIST: dict[str, tuple[str, str]] = {
    "cam.sort_by": ("Sắp xếp theo {col}", "Sort by {col}"),
    "cam.problem_count": ("{n} camera cần chú ý", "{n} cameras need attention"),
    "cam.no_problems": ("Không có camera nào cần chú ý", "No camera needs attention"),
    "cam.filter": ("Lọc camera", "Filter cameras"),
    "cam.all": ("Tất cả ({n})", "All ({n})"),
    "cam.only_problems": ("Chỉ camera cần chú ý ({n})", "Only those needing attention ({n})"),
    "cam.rules": (
        "Cần chú ý: mất kết nối; luồng hình đứng (vẫn có nhịp tim nhưng không xử lý khung hình "
        "mới trong 60 giây); nhịp tim trễ quá {late} phút; hàng đợi gửi trên {backlog} gói; "
        "gói bị xóa, bị giữ lại hoặc tin nhắn giả mạo. Mặc định các camera cần chú ý được xếp "
        "trước.",
        "Needs attention: offline; stalled stream (heartbeats but no new frame processed for "
        "60 s); heartbeat more than {late} min late; more than {backlog} bundles waiting in the "
        "outbox; bundles dropped or held, forged messages. By default these come first.",
    ),
    "cam.cases_link": ("vụ việc", "cases"),
    "cam.offline_since": ("từ {at} (đã {span})", "since {at} ({span})"),
    "cam.since_unknown": ("chưa rõ từ lúc nào", "since an unknown time"),
    "cam.stalled.stream": ("Luồng hình đứng", "Stream stalled"),
    "cam.stalled.pipeline": ("Xử lý bị treo", "Processing stalled"),
    "cam.stalled_since": ("từ {at} (đã {span})", "since {at} ({span})"),
    "cam.backlog": ("Tồn {n} gói chưa gửi được", "{n} bundles waiting to be sent"),
    "cam.backlog_title": (
        "Hàng đợi gửi vượt ngưỡng {limit} gói",
        "The outbox holds more than {limit} bundles",
    ),
    "cam.evicted": (
        "{n} gói bị xóa khỏi hàng đợi (mất bằng chứng)",
        "{n} bundles dropped from the outbox (evidence lost)",
    ),
    "cam.none_troubled": ("Không có camera nào cần chú ý.", "No camera needs attention."),
}

_PAGE: dict[str, tuple[str, str]] = {
    "cam.page_title": ("Camera {id}", "Camera {id}"),
    "cam.box": ("thiết bị biên {box}", "edge box {box}"),
    "cam.problems_title": ("Cần chú ý", "Needs attention"),
    "cam.p.offline": (
        "Mất kết nối từ {at}, đã {span}.",
        "Offline since {at}, for {span}.",
    ),
    "cam.p.offline_unknown": ("Mất kết nối (chưa rõ từ lúc nào).", "Offline (since unknown)."),
    "cam.p.stalled.stream": (
        "Luồng hình đứng từ {at} (đã {span}): thiết bị vẫn gửi nhịp tim nhưng không nhận được "
        "khung hình mới từ camera, nên không thể phát hiện vi phạm.",
        "Stream stalled since {at} ({span}): the box still sends heartbeats but receives no new "
        "frame from the camera, so no violation can be detected.",
    ),
    "cam.p.stalled.pipeline": (
        "Xử lý bị treo từ {at} (đã {span}): thiết bị vẫn nhận khung hình nhưng không xử lý, nên "
        "không thể phát hiện vi phạm.",
        "Processing stalled since {at} ({span}): frames arrive but none is processed, so no "
        "violation can be detected.",
    ),
    "cam.p.late": ("Nhịp tim gần nhất: {ago}.", "Last heartbeat: {ago}."),
    "cam.p.backlog": (
        "{n} gói đang chờ trong hàng đợi gửi (ngưỡng {limit}): bằng chứng chưa về trung tâm.",
        "{n} bundles wait in the outbox (threshold {limit}): evidence is not reaching the centre.",
    ),
    "cam.latest_frame": ("Khung hình mới nhất", "Latest frame"),
    "cam.overlay_label": (
        "Vạch dừng, hướng đi và vị trí đèn tín hiệu vẽ trên khung hình",
        "Stop line, direction and signal heads drawn over the frame",
    ),
    "cam.head": ("Đèn tín hiệu {n}", "Signal head {n}"),
    "cam.frame_of": (
        "Khung hình lúc vượt vạch của vụ {case}, {at}",
        "Crossing frame of case {case}, {at}",
    ),
    "cam.frame_at": ("Khung hình lúc vượt vạch, {at}", "Crossing frame, {at}"),
    "cam.open_case": ("Mở vụ {id}", "Open case {id}"),
    "cam.no_frame": (
        "Chưa có khung hình: camera này chưa gửi gói bằng chứng nào.",
        "No frame yet: this camera has sent no evidence bundle.",
    ),
    "cam.legend.stop_line": (
        "Vạch dừng (theo gói bằng chứng)",
        "Stop line (as in the bundle)",
    ),
    "cam.legend.stop_line_config": ("Vạch dừng (theo cấu hình)", "Stop line (as configured)"),
    "cam.legend.heads": ("Đèn tín hiệu ({n})", "Signal heads ({n})"),
    "cam.legend.config_line": ("Vạch dừng trong cấu hình hiện tại", "Stop line in the config now"),
    "cam.calibration_moved": (
        "Vạch dừng trong cấu hình hiện tại khác với vạch thiết bị đã dùng khi ghi hình: cấu hình "
        "đã được hiệu chỉnh lại sau đó, hoặc thiết bị chưa nhận cấu hình mới.",
        "The stop line in the config now differs from the one the box judged by: the camera was "
        "recalibrated since, or the box has not taken the new config.",
    ),
    "cam.no_config": (
        "Trung tâm không có cấu hình của camera này: chưa vẽ được đèn tín hiệu.",
        "The centre has no config for this camera: the signal heads cannot be drawn.",
    ),
    "cam.figures": ("Số liệu từ nhịp tim gần nhất", "From the last heartbeat"),
    "cam.f.outbox": ("Hàng đợi gửi", "Outbox"),
    "cam.f.outbox_value": ("{n} gói ({mb} MB)", "{n} bundles ({mb} MB)"),
    "cam.f.evicted": ("Gói bị xóa khỏi hàng đợi", "Bundles dropped from the outbox"),
    "cam.f.held": ("Gói bị giữ lại (cách ly)", "Bundles held (quarantined)"),
    "cam.f.dead_letters": ("Vi phạm chưa đóng gói được", "Violations without a bundle"),
    "cam.f.frames": ("Khung hình", "Frames"),
    "cam.f.frames_value": ("nhận {seen} · đã xử lý {done}", "received {seen} · processed {done}"),
    "cam.f.dropped": ("Khung hình bỏ qua", "Frames not processed"),
    "cam.f.dropped_value": (
        "bỏ {dropped} · giảm tải {shed} · hỏng {corrupt} · lỗi {failed}",
        "dropped {dropped} · shed {shed} · corrupt {corrupt} · failed {failed}",
    ),
    "cam.f.lost_share": ("Tỷ lệ bỏ qua (1 phút qua)", "Share skipped (last minute)"),
    "cam.f.reconnects": ("Số lần kết nối lại camera", "Stream reconnections"),
    "cam.f.refused": ("Tin nhắn bị từ chối (chữ ký)", "Messages refused (signature)"),
    "cam.f.cpu": ("CPU (số nhân)", "CPU (cores)"),
    "cam.f.last_violation": ("Vi phạm gần nhất", "Last violation"),
    "cam.history": ("Lịch sử kết nối {days} ngày qua", "Online/offline history, last {days} days"),
    "cam.strip_label": (
        "Trạng thái camera theo thời gian trong {days} ngày qua",
        "The camera's state over the last {days} days",
    ),
    "cam.days_ago": ("{n} ngày trước", "{n} days ago"),
    "cam.now": ("bây giờ", "now"),
    "cam.h.from": ("Từ", "From"),
    "cam.h.to": ("Đến", "To"),
    "cam.h.length": ("Thời lượng", "Length"),
    "cam.h.cause": ("Nguồn", "Source"),
    "cam.h.ongoing": ("đang tiếp diễn", "ongoing"),
    "cam.state.online": ("Trực tuyến", "Online"),
    "cam.state.offline": ("Mất kết nối", "Offline"),
    "cam.state.stalled": ("Luồng hình đứng", "Stalled"),
    "cam.cause.status": ("trạng thái MQTT", "MQTT status"),
    "cam.cause.heartbeat": ("nhịp tim", "heartbeat"),
    "cam.no_history": (
        "Chưa ghi nhận thay đổi trạng thái nào của camera này.",
        "No change of state recorded for this camera yet.",
    ),
    "cam.recent_cases": ("Vụ việc gần đây", "Recent cases"),
    "cam.all_cases": ("tất cả vụ việc của camera", "all of this camera's cases"),
    "cam.no_plate": ("chưa đọc được", "unread"),
    "cam.no_cases": ("Camera này chưa có vụ việc nào.", "No case from this camera yet."),
}

_QUARANTINE: dict[str, tuple[str, str]] = {
    "qa.howto": (
        "Mục chưa xử lý được xếp trước. Khi khóa của thiết bị đã được đăng ký "
        "(`dendo-central keys add`), bấm “Nạp lại” để kiểm tra lại gói như khi mới nhận; gói hợp "
        "lệ sẽ thành vụ việc. Mục không cần xử lý thêm thì xác nhận kèm ghi chú.",
        "Open entries come first. Once the box's key is registered (`dendo-central keys add`), "
        "“Re-ingest” checks the bundle again as on arrival; a valid one becomes a case. "
        "Acknowledge with a note what needs nothing more.",
    ),
    "qa.status": ("Xử lý", "Handling"),
    "qa.status.open": ("Chưa xử lý", "Open"),
    "qa.status.acknowledged": ("Đã xác nhận", "Acknowledged"),
    "qa.status.reingested": ("Đã nạp lại thành vụ việc", "Re-ingested as a case"),
    "qa.actions": ("Thao tác", "Actions"),
    "qa.technical": ("Chi tiết kỹ thuật", "Technical detail"),
    "qa.first_reason": ("Lý do ban đầu: {reason}", "First reason: {reason}"),
    "qa.key_now": (
        "Khóa {kid} đã được đăng ký cho thiết bị {box} lúc {at}: có thể nạp lại.",
        "Key {kid} was registered for box {box} at {at}: this entry can be re-ingested.",
    ),
    "qa.stored_since": (
        "Gói này đã được tiếp nhận khi thiết bị gửi lại (vụ {case}).",
        "These bytes were stored when the box sent them again (case {case}).",
    ),
    "qa.ack_by": ("{by} xác nhận lúc {at}:", "Acknowledged by {by} at {at}:"),
    "qa.attempts": (
        "Đã nạp lại {n} lần, lần gần nhất lúc {at} ({by})",
        "Re-ingested {n} times, last at {at} ({by})",
    ),
    "qa.reingest": ("Nạp lại", "Re-ingest"),
    "qa.reingest_title": (
        "Kiểm tra lại gói như khi mới nhận (chữ ký, khóa, mã băm, ảnh)",
        "Check the bundle again as on arrival (signature, key, hashes, images)",
    ),
    "qa.cannot_reingest": (
        "Chỉ giữ phần đầu của tin nhắn quá lớn: không nạp lại được.",
        "Only the head of this oversized message was kept: it cannot be re-ingested.",
    ),
    "qa.acknowledge": ("Xác nhận đã xem…", "Acknowledge…"),
    "qa.acknowledge_do": ("Xác nhận", "Acknowledge"),
    "qa.note": ("Ghi chú (bắt buộc)", "Note (required)"),
    "qa.note_hint": (
        "Ví dụ: thiết bị thử nghiệm, đã báo đội kỹ thuật",
        "E.g. a test box, the IT team was told",
    ),
    "qa.acknowledged": ("Đã xác nhận mục {id}.", "Entry {id} acknowledged."),
    "qa.stored": (
        "Mục {id} đã được nạp lại và kiểm tra hợp lệ: đã tạo vụ {case}.",
        "Entry {id} re-ingested and verified: case {case} was made.",
    ),
    "qa.duplicate": (
        "Gói của mục {id} đã có trong hệ thống (vụ {case}): mục được đánh dấu đã nạp lại.",
        "Entry {id}'s bundle was already stored (case {case}): marked re-ingested.",
    ),
    "qa.still_refused": (
        "Mục {id} vẫn không hợp lệ, lý do mới: {reason}. Mục vẫn nằm trong danh sách cách ly.",
        "Entry {id} still fails, with a new reason: {reason}. It stays in quarantine.",
    ),
    "qa.still_refused_same": (
        "Mục {id} vẫn không hợp lệ: {reason}. Mục vẫn nằm trong danh sách cách ly.",
        "Entry {id} still fails: {reason}. It stays in quarantine.",
    ),
    "qa.reason_detail": (
        "{reason} (chi tiết kỹ thuật: {detail})",
        "{reason} (technical: {detail})",
    ),
    "qa.err.missing": ("Không có mục cách ly số {id}.", "There is no quarantine entry {id}."),
    "qa.err.note_needed": (
        "Cần ghi chú lý do khi xác nhận một mục cách ly.",
        "Acknowledging an entry needs a note saying why.",
    ),
    "qa.err.note_long": (
        "Ghi chú dài quá {n} ký tự.",
        "The note is longer than {n} characters.",
    ),
    "qa.err.done": (
        "Mục {id} đã được nạp lại thành vụ {case}: không cần thao tác thêm.",
        "Entry {id} was already re-ingested as case {case}: nothing more to do.",
    ),
    "qa.err.truncated": (
        "Chỉ lưu {kept} trong {size} byte của tin nhắn này: không nạp lại được.",
        "Only {kept} of this message's {size} bytes were kept: it cannot be re-ingested.",
    ),
}

_REASONS: dict[str, tuple[str, str]] = {
    "qreason.oversized": ("Vượt quá kích thước cho phép", "Larger than allowed"),
    "qreason.not_a_zip": ("Không phải tệp ZIP đọc được", "Not a readable ZIP"),
    "qreason.zip_unsafe": ("Tệp ZIP không an toàn", "Unsafe ZIP"),
    "qreason.missing_manifest": ("Thiếu tệp mô tả gói", "No manifest"),
    "qreason.missing_signature": ("Thiếu chữ ký số", "No signature"),
    "qreason.wrong_schema": ("Tệp mô tả gói sai định dạng", "Manifest of the wrong form"),
    "qreason.unknown_key": ("Khóa ký chưa được đăng ký", "Signing key not registered"),
    "qreason.bad_signature": ("Chữ ký số không hợp lệ", "Invalid signature"),
    "qreason.missing_file": ("Thiếu tệp bằng chứng", "An evidence file is missing"),
    "qreason.unexpected_file": ("Có tệp ngoài danh mục", "A file not in the manifest"),
    "qreason.hash_mismatch": ("Mã băm không khớp", "Hash mismatch"),
    "qreason.size_mismatch": ("Kích thước tệp không khớp", "Size mismatch"),
    "qreason.not_canonical": ("Gói đã bị đóng gói lại", "Repacked container"),
    "qreason.jpeg_corrupt": ("Ảnh bằng chứng bị hỏng", "Corrupt evidence picture"),
    "qreason.camera_mismatch": ("Gửi trên kênh của camera khác", "Sent on another camera's topic"),
    "qreason.bad_topic": ("Kênh MQTT không hợp lệ", "Not a violation topic"),
    "qreason.box_mismatch": (
        "Thiết bị ghi trong gói khác thiết bị sở hữu khóa",
        "The manifest names another box than its key's",
    ),
    "qreason.conflict": (
        "Trùng mã vi phạm đã lưu nhưng nội dung khác",
        "A stored violation id with other bytes",
    ),
    "qreason.unstorable": ("Cơ sở dữ liệu không lưu được", "The database refused a value"),
    "qreason.unverifiable": ("Không kiểm tra được (lỗi hệ thống)", "Could not be checked (a bug)"),
}

CAMERAS: dict[str, tuple[str, str]] = {**_SPANS, **_LIST, **_PAGE, **_QUARANTINE, **_REASONS}
