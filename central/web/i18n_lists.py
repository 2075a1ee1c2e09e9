"""The words of the case lists' search, sorting, CSV export and bulk work: (vi, en), merged into
central.web.i18n.M."""

from __future__ import annotations

LISTS: dict[str, tuple[str, str]] = {
    "lists.search": ("Tìm kiếm và lọc", "Search and filter"),
    "lists.plate": ("Biển số (một phần)", "Plate (any part)"),
    "lists.plate_hint": ("vd. 51K, 678.90 hoặc 67890", "e.g. 51K, 678.90 or 67890"),
    "lists.all_cameras": ("Tất cả camera", "All cameras"),
    "lists.all_vehicles": ("Tất cả loại xe", "All vehicles"),
    "lists.from": ("Từ ngày", "From"),
    "lists.to": ("Đến ngày", "To"),
    "lists.date_hint": ("ngày/tháng/năm", "dd/mm/yyyy"),
    "lists.unread": ("Chỉ vụ chưa đọc được biển số", "Unread plates only"),
    "lists.conf": ("Độ tin cậy biển số dưới (%)", "Plate confidence below (%)"),
    "lists.clear": ("Bỏ lọc", "Clear"),
    "lists.export": ("Xuất CSV", "Export CSV"),
    "lists.export_hint": (
        "Tệp CSV mở bằng Excel: mã UTF-8 có BOM, các cột ngăn bằng dấu chấm phẩy (;), số viết "
        "theo kiểu Việt Nam (19.000.000; 2,5), đúng các vụ đang lọc.",
        "A CSV file for Excel: UTF-8 with a BOM, comma-separated, plain numbers (19000000; "
        "2.5), exactly the cases filtered.",
    ),
    "lists.found": ("{n} vụ phù hợp", "{n} matching cases"),
    "lists.sort_by": ("Sắp xếp theo cột này", "Sort by this column"),
    "lists.sorted_asc": ("tăng dần", "ascending"),
    "lists.sorted_desc": ("giảm dần", "descending"),
    "lists.queue_filtered": (
        "Hàng chờ đang lọc: vụ tiếp theo được giao là vụ cũ nhất phù hợp bộ lọc.",
        "The queue is filtered: the next case handed out is the oldest that matches.",
    ),
    "col.confidence": ("Độ tin cậy", "Confidence"),
    "lists.err.plate": (
        "“{value}” không có chữ hoặc số nào của biển số: đã bỏ qua điều kiện biển số.",
        "“{value}” has no letter or digit of a plate: the plate condition was left out.",
    ),
    "lists.err.camera": (
        "Không có camera “{value}”: hãy chọn camera trong danh sách.",
        "There is no camera “{value}”: pick one from the list.",
    ),
    "lists.err.date": (
        "“{value}” không phải là ngày viết theo dạng ngày/tháng/năm (vd. 05/12/2026): đã bỏ "
        "qua điều kiện này.",
        "“{value}” is not a date written dd/mm/yyyy (e.g. 05/12/2026): the condition was left out.",
    ),
    "lists.err.range": (
        "“Từ ngày” {a} sau “đến ngày” {b}: đã bỏ qua “đến ngày”.",
        "“From” {a} is after “to” {b}: “to” was left out.",
    ),
    "lists.err.state": ("Không có trạng thái “{value}”.", "There is no state “{value}”."),
    "lists.err.vehicle": ("Không có loại xe “{value}”.", "There is no vehicle type “{value}”."),
    "lists.err.conf": (
        "Độ tin cậy “{value}” phải là một số lớn hơn 0 và không quá 100: đã bỏ qua.",
        "Confidence “{value}” must be a number above 0 and at most 100: left out.",
    ),
    # the CSV export's header row
    "csv.id": ("Số vụ", "Case"),
    "csv.camera": ("Mã camera", "Camera id"),
    "csv.camera_name": ("Tên camera", "Camera name"),
    "csv.crossed": ("Thời điểm vượt vạch (giờ Việt Nam)", "Crossed at (Vietnam time)"),
    "csv.plate": ("Biển số", "Plate"),
    "csv.confidence": ("Độ tin cậy biển số (%)", "Plate confidence (%)"),
    "csv.vehicle": ("Loại xe", "Vehicle"),
    "csv.into_red": ("Sau khi đèn đỏ (giây)", "Into red (s)"),
    "csv.lower_bound": (
        "Thời gian đèn đỏ là tối thiểu (đèn đỏ từ trước khi ghi hình)",
        "Into red is a lower bound (red before the recording began)",
    ),
    "csv.state": ("Trạng thái", "State"),
    "csv.notice": ("Số thông báo", "Notice no."),
    "csv.deadline": ("Hạn giải quyết", "Deadline"),
    "csv.fine": ("Mức phạt (đồng)", "Fine (VND)"),
    "csv.paid": ("Đã nộp (đồng)", "Paid (VND)"),
    # bulk work
    "bulk.select_all": ("Chọn tất cả vụ trên trang này", "Select every case on this page"),
    "bulk.select": ("Chọn vụ {id}", "Select case {id}"),
    "bulk.selected": ("Đã chọn {n} vụ", "{n} selected"),
    "bulk.title": ("Xử lý hàng loạt các vụ đã chọn", "Act on the selected cases"),
    "bulk.notice": ("Lập thông báo cho các vụ đã chọn", "Issue notices for the selected cases"),
    "bulk.notice_hint": (
        "Chỉ vụ đã xác nhận và có chủ phương tiện trong sổ đăng ký; mỗi thông báo được lưu cố "
        "định như khi lập từng vụ.",
        "Confirmed cases with an owner in the registry only; each notice is frozen as a "
        "single issue is.",
    ),
    "bulk.reject": ("Loại bỏ các vụ đã chọn", "Reject the selected cases"),
    "bulk.reject_hint": (
        "Chỉ vụ đang chờ duyệt; cùng một lý do cho tất cả.",
        "Cases in review only; one reason for all.",
    ),
    "bulk.title_notice": ("Kết quả lập thông báo hàng loạt", "Bulk notices: the result"),
    "bulk.title_reject": ("Kết quả loại bỏ hàng loạt", "Bulk rejection: the result"),
    "bulk.done_notice": ("Đã lập {n} thông báo:", "{n} notices issued:"),
    "bulk.done_reject": ("Đã loại bỏ {n} vụ:", "{n} cases rejected:"),
    "bulk.nothing_done": ("Không vụ nào được thực hiện.", "Nothing was done."),
    "bulk.refused_head": (
        "{n} vụ KHÔNG được thực hiện, lý do từng vụ:",
        "{n} cases were NOT done, each with its reason:",
    ),
    "bulk.print_pdf": (
        "In tất cả thông báo vừa lập (một tệp PDF, {n} thông báo)",
        "Print every notice just issued (one PDF, {n} notices)",
    ),
    "bulk.print_hint": (
        "Tệp in được dựng lại từ đúng nội dung HTML đã lưu của từng thông báo; tệp ZIP chứa "
        "nguyên các tệp PDF đã phát hành kèm mã SHA-256.",
        "The print file is rendered from each notice's stored HTML; the ZIP holds the issued "
        "PDFs themselves with their SHA-256.",
    ),
    "bulk.zip": ("Tải các tệp PDF đã phát hành (ZIP)", "Download the issued PDFs (ZIP)"),
    "bulk.back": ("Quay lại danh sách", "Back to the list"),
    "bulk.none_selected": (
        "Chưa chọn vụ nào: hãy đánh dấu các vụ cần xử lý trong danh sách.",
        "No case selected: tick the cases to act on in the list.",
    ),
    "bulk.too_many": (
        "Mỗi lần chỉ xử lý được tối đa {n} vụ: hãy chọn ít hơn.",
        "At most {n} cases at a time: select fewer.",
    ),
    "bulk.bad_item": (
        "Lựa chọn “{value}” không hợp lệ (cần số vụ và phiên bản): hãy tải lại danh sách.",
        "Selection “{value}” is not valid (case number and version): reload the list.",
    ),
    "bulk.no_reason": (
        "Chưa chọn lý do loại bỏ: không vụ nào bị loại bỏ.",
        "No reject reason picked: nothing was rejected.",
    ),
    "bulk.other_text": (
        "Lý do “Lý do khác” cần ghi rõ nội dung: không vụ nào bị loại bỏ.",
        "The reason “Other” needs the text written out: nothing was rejected.",
    ),
    "bulk.why.not_found": ("Vụ {id}: không có vụ việc này.", "Case {id}: no such case."),
    "bulk.why.state_notice": (
        "Vụ {id} đang ở trạng thái “{state}”: chỉ vụ đã xác nhận mới lập được thông báo.",
        "Case {id} is “{state}”: only a confirmed case can get a notice.",
    ),
    "bulk.why.state_reject": (
        "Vụ {id} đang ở trạng thái “{state}”: chỉ vụ đang chờ duyệt mới loại bỏ được.",
        "Case {id} is “{state}”: only a case in review can be rejected.",
    ),
    "bulk.why.no_owner": (
        "Vụ {id}: biển số {plate} không có trong sổ đăng ký phương tiện, nên chưa có chủ "
        "phương tiện để gửi thông báo.",
        "Case {id}: plate {plate} is not in the vehicle registry, so there is no owner to "
        "send the notice to.",
    ),
    "bulk.why.no_plate": (
        "Vụ {id}: chưa có biển số, nên không tìm được chủ phương tiện.",
        "Case {id}: no plate, so no owner can be found.",
    ),
    "bulk.why.other": ("Vụ {id}: {reason}", "Case {id}: {reason}"),
    "bulk.pdf_failed": (
        "Không dựng được tệp in: {reason}",
        "The print file could not be made: {reason}",
    ),
}
