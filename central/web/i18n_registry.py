"""The page's words for the vehicle registry page (look-up, an owner's record, edits, the CSV
import and why a row is refused), plus the refusals' and error pages' words
(central.web.i18n_refusals): (vi, en), merged into central.web.i18n.M."""

from __future__ import annotations

from central.web.i18n_refusals import REFUSALS

_PAGE: dict[str, tuple[str, str]] = {
    "nav.registry": ("Đăng ký xe", "Vehicle registry"),
    "registry.title": ("Dữ liệu đăng ký xe", "Vehicle registry"),
    "registry.intro": (
        "Tra cứu chủ phương tiện theo biển số: gõ một phần hoặc cả biển số, có hoặc không có "
        "dấu phân cách (51K, 678.90, 51K-678).",
        "Look an owner up by plate: part of it or all of it, with or without separators "
        "(51K, 678.90, 51K-678).",
    ),
    "registry.count": ("{n} phương tiện trong dữ liệu.", "{n} vehicles on record."),
    "registry.last_import": (
        "Lần nhập gần nhất: {at}, tệp {file}, bởi {user}.",
        "Last import: {at}, file {file}, by {user}.",
    ),
    "registry.plate": ("Biển số (một phần hoặc đầy đủ)", "Plate (part or whole)"),
    "registry.search": ("Tra cứu", "Look up"),
    "registry.found": (
        "{n} phương tiện có biển số chứa “{q}”",
        "{n} vehicles whose plate holds “{q}”",
    ),
    "registry.found_more": (
        "Hiển thị {shown} kết quả đầu tiên: hãy gõ thêm ký tự để thu hẹp.",
        "The first {shown} are shown: type more to narrow it down.",
    ),
    "registry.none": (
        "Không có biển số nào chứa “{q}” trong dữ liệu đăng ký xe.",
        "No plate in the registry holds “{q}”.",
    ),
    "registry.bad_query": (
        "“{q}” không có chữ hay số nào của biển số để tra cứu.",
        "“{q}” has no letters or digits of a plate to look for.",
    ),
    "registry.not_on_record": (
        "Biển số {plate} chưa có trong dữ liệu đăng ký xe: chưa lập được thông báo cho các vụ "
        "việc của biển số này. Chỉ huy nhập tệp CSV của cơ quan đăng ký xe trên trang này.",
        "Plate {plate} is not in the vehicle registry: its cases cannot get a notice yet. A "
        "supervisor imports the registration office's CSV on this page.",
    ),
    "registry.cases_for": ("Vụ việc của biển số {plate}", "Cases of plate {plate}"),
    "registry.no_cases": ("Chưa có vụ việc nào của biển số này.", "No case has this plate."),
    "registry.col.owner": ("Chủ phương tiện", "Owner"),
    "registry.col.class": ("Loại xe", "Vehicle"),
    "registry.col.imported": ("Nhập lúc", "Imported"),
    "owner.title": ("Biển số {plate}", "Plate {plate}"),
    "owner.details": ("Thông tin chủ phương tiện", "The owner on record"),
    "owner.name": ("Họ tên chủ xe / tên tổ chức", "Owner (person or company)"),
    "owner.address": ("Địa chỉ", "Address"),
    "owner.id_number": ("Số căn cước", "Identity number (căn cước)"),
    "owner.id_hint": (
        "Số căn cước của cá nhân (12 chữ số) hoặc mã số thuế của tổ chức.",
        "A person's 12-digit căn cước number, or a company's tax code.",
    ),
    "owner.class": ("Loại phương tiện", "Vehicle type"),
    "owner.source": ("Nguồn dữ liệu", "Source"),
    "owner.source_import": (
        "Nhập từ tệp {file} lúc {at}, bởi {user}",
        "Imported from {file} at {at}, by {user}",
    ),
    "owner.source_unknown": (
        "Nhập từ tệp CSV lúc {at} (trước khi việc nhập được ghi nhật ký)",
        "Imported from a CSV file at {at} (before imports were audited)",
    ),
    "owner.edited": ("Sửa lần cuối", "Last edited"),
    "owner.edited_line": ("{at}, bởi {user}: {reason}", "{at}, by {user}: {reason}"),
    "owner.never_edited": ("Chưa sửa tay lần nào.", "Never edited by hand."),
    "owner.edit": ("Sửa thông tin chủ phương tiện", "Edit the owner's details"),
    "owner.reason": (
        "Lý do sửa (bắt buộc, ghi vào nhật ký thao tác)",
        "Why (required, written to the audit trail)",
    ),
    "owner.save": ("Lưu thay đổi", "Save the change"),
    "owner.frozen_note": (
        "Thông báo và quyết định đã lập giữ nguyên người nhận như lúc lập; thay đổi chỉ áp dụng "
        "cho thông báo lập sau này.",
        "Notices and decisions already issued keep the addressee they were issued to; a change "
        "applies to notices issued from now on.",
    ),
    "owner.history": ("Lịch sử thay đổi", "Changes"),
    "owner.change_edit": ("{at} · {user} sửa tay: {reason}", "{at} · {user} edited: {reason}"),
    "owner.change_reimport": (
        "{at} · nhập lại từ tệp {file} (dòng {line}), bởi {user}",
        "{at} · re-imported from {file} (line {line}), by {user}",
    ),
    "owner.change_field": ("{field}: “{old}” → “{new}”", "{field}: “{old}” → “{new}”"),
    "owner.saved": (
        "Đã lưu thông tin chủ phương tiện biển số {plate} ({fields}); đã ghi vào nhật ký "
        "thao tác cùng giá trị cũ.",
        "The owner of {plate} is saved ({fields}); the audit trail keeps the old values.",
    ),
    "owner.back": ("← Tra cứu biển số khác", "← Look up another plate"),
    "owner.readonly": (
        "Bạn chỉ có quyền xem dữ liệu đăng ký xe.",
        "You may look at the registry, not change it.",
    ),
    "field.name": ("họ tên", "name"),
    "field.plate_text": ("cách viết biển số", "plate as written"),
    "field.address": ("địa chỉ", "address"),
    "field.id_number": ("số căn cước", "identity number"),
    "field.vehicle_class": ("loại xe", "vehicle type"),
    "edit.refused": ("Chưa lưu: {why}", "Not saved: {why}"),
    "edit.no_owner": (
        "biển số này không có trong dữ liệu đăng ký xe",
        "this plate is not in the registry",
    ),
    "edit.stale": (
        "bản ghi đã được {user} thay đổi sau khi bạn mở trang. Thông tin mới nhất ở bên trên; "
        "nội dung bạn gõ vẫn giữ trong biểu mẫu — xem lại rồi lưu lần nữa",
        "{user} changed the record after you opened the page. The latest details are above; "
        "what you typed is still in the form — check it and save again",
    ),
    "edit.no_reason": (
        "hãy ghi lý do sửa thông tin chủ phương tiện (bắt buộc, ghi vào nhật ký thao tác)",
        "write why the owner's details are changed (required, written to the audit trail)",
    ),
    "edit.too_long": (
        "lý do dài quá {limit} ký tự",
        "the reason is longer than {limit} characters",
    ),
    "edit.class_plate": (
        "biển số {plate} không phải biển của loại xe “{vehicle}”: hãy chọn đúng loại xe",
        "{plate} is not the plate of a “{vehicle}”: pick the right vehicle type",
    ),
    "edit.unchanged": (
        "thông tin không có gì thay đổi so với bản ghi hiện có",
        "nothing differs from the record as it stands",
    ),
    "import.title": ("Nhập dữ liệu từ tệp CSV", "Import a CSV file"),
    "import.intro": (
        "Tệp CSV (UTF-8) xuất từ cơ quan đăng ký xe hoặc lập tại đơn vị; dòng tiêu đề gồm các "
        "cột {columns}. Dòng sai bị bỏ qua và liệt kê theo số dòng; biển số đã có được cập nhật "
        "và giá trị cũ được ghi vào nhật ký thao tác.",
        "A CSV (UTF-8) export of the registration office or a sheet typed at the unit, headed "
        "{columns}. Bad rows are skipped and listed by line; plates on record are updated and "
        "their old values kept in the audit trail.",
    ),
    "import.export_names": (
        "Tệp xuất của cơ quan đăng ký đặt tên cột theo mã, cũng được chấp nhận:",
        "The registration office's export names its columns by code; accepted too:",
    ),
    "import.file": ("Tệp CSV", "CSV file"),
    "import.pick": ("Chọn tệp…", "Choose a file…"),
    "import.none_picked": ("Chưa chọn tệp nào", "No file chosen"),
    "import.submit": ("Nhập dữ liệu", "Import"),
    "import.summary": (
        "Đã nhập tệp {file}: {added} phương tiện mới, {updated} cập nhật, {unchanged} không "
        "đổi, {refused} dòng bị từ chối.",
        "Imported {file}: {added} added, {updated} updated, {unchanged} unchanged, {refused} "
        "rows refused.",
    ),
    "import.refused_rows": ("Các dòng bị từ chối (không được nhập)", "Rows refused (not imported)"),
    "import.col.line": ("Dòng", "Line"),
    "import.col.why": ("Lý do", "Why"),
    "import.no_file": ("hãy chọn một tệp CSV để nhập", "pick a CSV file to import"),
    "import.too_big": ("tệp lớn hơn {mb} MB", "the file is larger than {mb} MB"),
    "import.refused": (
        "Không nhập được tệp {file}: {why}. Không có dữ liệu nào được nhập.",
        "{file} cannot be imported: {why}. Nothing was imported.",
    ),
    "import.err.not_utf8": (
        "tệp không phải văn bản CSV mã UTF-8 (lỗi ở byte thứ {byte}); hãy lưu lại bằng “CSV UTF-8”",
        "the file is not UTF-8 CSV text (at byte {byte}); save it as “CSV UTF-8”",
    ),
    "import.err.binary": ("tệp không phải văn bản CSV", "the file is not CSV text"),
    "import.err.missing_columns": (
        "dòng tiêu đề thiếu cột {columns} (cần đủ các cột {needed})",
        "the header lacks {columns} (it needs {needed})",
    ),
    "import.err.broken": (
        "dòng {line} sai định dạng CSV (có dấu ngoặc kép chưa đóng?)",
        "line {line} is broken CSV (an unclosed quote?)",
    ),
    "import.err.unreadable": ("không đọc được tệp", "the file cannot be read"),
    "row.missing": ("thiếu {columns}", "missing {columns}"),
    "row.too_long": (
        "{column} dài quá {limit} ký tự",
        "{column} is longer than {limit} characters",
    ),
    "row.unknown_class": (
        "loại xe “{value}” không có trong danh mục (ô tô, ô tô tải, ô tô khách, xe máy, mô tô; "
        "hoặc car, truck, bus, motorcycle)",
        "unknown vehicle type “{value}” (car, truck, bus, motorcycle; or ô tô, xe máy …)",
    ),
    "row.invalid_plate": ("biển số không hợp lệ: {reason}", "invalid plate: {reason}"),
    "row.extra_fields": ("nhiều cột hơn dòng tiêu đề", "more fields than the header"),
    "row.duplicate": (
        "biển số đã có ở dòng {first}",
        "the plate was already given on line {first}",
    ),
    "row.invalid": ("dòng không hợp lệ", "invalid row"),
    "csvcol.plate": ("biển số", "plate"),
    "csvcol.owner_name": ("họ tên chủ xe", "owner name"),
    "csvcol.address": ("địa chỉ", "address"),
    "csvcol.id_number": ("số căn cước", "identity number"),
    "csvcol.vehicle_class": ("loại xe", "vehicle type"),
}

REGISTRY: dict[str, tuple[str, str]] = {**_PAGE, **REFUSALS}
