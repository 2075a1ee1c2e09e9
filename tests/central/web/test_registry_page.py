"""The vehicle registry page: a plate found from any fragment of it; an owner's record with
its source; an edit needs a reason, is audited with the old and the new values, is refused
in Vietnamese (keeping what was typed) without one or on a record changed meanwhile; a notice
already issued keeps its frozen bytes after an edit; supervisors import a CSV from the page
(a summary with each refused row's line and reason in Vietnamese, nothing imported from a file
that is no valid CSV), officers may not. Real SQLite, real bundles, real Chromium;
screenshots under out/screenshots/."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from central.db import Owner
from central.registry import import_registry
from central.registry_edit import EDIT
from central.users import AuditEntry
from tests.fixtures.browser import (
    TRUE_PLATE,
    USERS,
    WebEnv,
    WebServer,
    csrf_of,
    make_web_env,
    open_from_menu,
    screenshot,
    signed_in_page,
)
from tests.paths import REPO

EXAMPLE = REPO / "configs" / "registry.example.csv"
HEADER = "plate,owner_name,address,id_number,vehicle_class\n"
LINH = "51K67890"  # 51K-678.90, Trần Thị Mỹ Linh in the example registry


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    """Users and the example registry (imported by the command line), no cases."""
    made = make_web_env(tmp_path, None)
    with made.store.sessions.begin() as s:
        import_registry(s, EXAMPLE)
    yield made
    made.close()


def _text(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else ""


def _edit_form(html: str) -> dict[str, str]:
    seen = re.search(r'name="seen" value="([^"]+)"', html)
    assert seen, "no edit form on the owner's page"
    return {"csrf": csrf_of(html), "seen": seen.group(1)}


LINH_NOW = {
    "name": "Trần Thị Mỹ Linh",
    "address": "45/7 Nguyễn Thị Minh Khai, Phường 6, Quận 3, TP Hồ Chí Minh",
    "id_number": "079190004567",
    "vehicle_class": "car",
}


@pytest.mark.parametrize("fragment", ["51k", "678.90", "51K-678", "51 k 678 9", "k6789", "678,90"])
def test_a_plate_is_found_from_any_fragment_with_or_without_separators(
    env: WebEnv, fragment: str
) -> None:
    page = env.client("officer").get("/registry", params={"plate": fragment})
    assert page.status_code == 200, page.text[:500]
    assert 'href="/registry/51K67890"' in page.text, f"{fragment!r} did not find 51K-678.90"
    assert "phương tiện có biển số chứa" in _text(page.text, "registry-found")


def test_a_whole_plate_opens_the_owners_record_with_its_source(env: WebEnv) -> None:
    officer = env.client("officer")
    found = officer.get("/registry", params={"plate": "51k 678 90"})
    assert found.status_code == 303 and found.headers["location"] == f"/registry/{LINH}"
    page = officer.get(found.headers["location"]).text
    assert _text(page, "owner-name") == "Trần Thị Mỹ Linh"
    assert _text(page, "owner-id") == "079190004567"
    assert _text(page, "owner-class") == "Ô tô con"
    assert _text(page, "owner-source").startswith("Nhập từ tệp registry.example.csv lúc ")
    assert _text(page, "owner-edited") == "Chưa sửa tay lần nào."
    missing = officer.get("/registry", params={"plate": "63A-000.01"}).text
    assert "Biển số 63A-000.01 chưa có trong dữ liệu đăng ký xe" in missing


def test_an_edit_with_its_reason_is_audited_with_the_old_and_new_values(env: WebEnv) -> None:
    officer = env.client("officer")
    form = _edit_form(officer.get(f"/registry/{LINH}").text)
    new = {**LINH_NOW, "address": "12 Hùng Vương, Phường 7, TP Mỹ Tho, Tiền Giang"}
    reason = "chủ xe chuyển nhà, theo giấy xác nhận cư trú ngày 02/12"
    done = officer.post(f"/registry/{LINH}/edit", data={**form, **new, "reason": reason})
    assert done.status_code == 303, done.text[:2000]
    page = officer.get(done.headers["location"]).text
    assert "Đã lưu thông tin chủ phương tiện biển số 51K-678.90 (địa chỉ)" in page
    assert _text(page, "owner-address") == new["address"]
    assert reason in _text(page, "owner-edited") and USERS["officer"] in _text(page, "owner-edited")
    assert "45/7 Nguyễn Thị Minh Khai" in page, "the history shows the old address"
    with env.store.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == EDIT)).one()
    assert (entry.user, entry.target) == (USERS["officer"], LINH)
    assert entry.detail == {
        "plate": "51K-678.90",
        "reason": reason,
        "changed": ["address"],
        "old": LINH_NOW,
        "new": new,
    }, entry.detail


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"reason": "  "}, "Chưa lưu: hãy ghi lý do sửa thông tin chủ phương tiện"),
        ({"name": "", "reason": "sửa tên"}, "Chưa lưu: thiếu họ tên chủ xe"),
        (
            {"vehicle_class": "motorcycle", "reason": "xe máy"},
            "không phải biển của loại xe “Mô tô, xe máy”",
        ),
        ({"reason": "không đổi gì"}, "Chưa lưu: thông tin không có gì thay đổi"),
    ],
)
def test_a_refused_edit_is_said_in_vietnamese_and_keeps_what_was_typed(
    env: WebEnv, change: dict[str, str], said: str
) -> None:
    officer = env.client("officer")
    form = _edit_form(officer.get(f"/registry/{LINH}").text)
    typed = {**LINH_NOW, "address": "99 Đường Mới, Phường 1", **change}
    if change.get("reason") == "không đổi gì":
        typed["address"] = LINH_NOW["address"]
    refused = officer.post(f"/registry/{LINH}/edit", data={**form, **typed})
    assert refused.status_code == 422, refused.status_code
    assert said in _text(refused.text, "edit-error"), _text(refused.text, "edit-error")
    assert f">{typed['address']}</textarea>" in refused.text, "the typed address is lost"
    assert f'value="{typed["reason"]}"' in refused.text, "the typed reason is lost"
    with env.store.sessions() as s:
        owner = s.get(Owner, LINH)
        assert owner is not None and owner.address == LINH_NOW["address"], "refused but changed"
        assert not s.scalar(select(func.count()).where(AuditEntry.action == EDIT))


def test_an_edit_of_a_record_changed_meanwhile_is_refused_not_applied(env: WebEnv) -> None:
    lan, hoa = env.client("officer"), env.client("supervisor")
    lan_form = _edit_form(lan.get(f"/registry/{LINH}").text)
    hoa_form = _edit_form(hoa.get(f"/registry/{LINH}").text)
    first = {**LINH_NOW, "address": "1 Lê Lợi", "reason": "theo đơn của chủ xe"}
    assert hoa.post(f"/registry/{LINH}/edit", data={**hoa_form, **first}).status_code == 303
    late = {**LINH_NOW, "name": "Trần Mỹ Linh", "reason": "sai chính tả"}
    refused = lan.post(f"/registry/{LINH}/edit", data={**lan_form, **late})
    assert refused.status_code == 422
    assert f"bản ghi đã được {USERS['supervisor']} thay đổi" in _text(refused.text, "edit-error")
    assert 'value="Trần Mỹ Linh"' in refused.text, "the typed name is lost"
    assert _text(refused.text, "owner-address") == "1 Lê Lợi", "the latest record is shown"


def _upload(client: Any, body: bytes, name: str = "dang-ky.csv") -> Any:
    token = csrf_of(client.get("/registry").text)
    files = {"file": (name, body, "text/csv")}
    return client.post("/registry/import", data={"csrf": token}, files=files)


def test_a_supervisors_import_says_what_was_added_updated_and_refused_by_line(
    env: WebEnv,
) -> None:
    body = (
        (
            HEADER + '63A-123.45,Nguyễn Văn Hùng,"12 Ấp Bắc, Phường 5, TP Mỹ Tho, Tiền Giang",'
            "082085001234,car\n"  # line 2: as on record
            "51K-678.90,Trần Thị Mỹ Linh,3 Trưng Trắc,079190004567,ô tô con\n"  # 3: moved
            "63I-123.45,Trần Văn Bình,2 Ấp Bắc,082085000002,car\n"  # 4: letter I
            "63A-555.55,,3 Ấp Bắc,082085000003,car\n"  # 5: no name
            "63A-777.77,Phạm Văn Dũng,5 Ấp Bắc,082085000005,máy kéo\n"  # 6: unknown class
            "63A-246.80,Bùi Văn Khoa,3 Trưng Trắc,082085000010,car\n"  # 7: new
        ).encode()
    )
    page = _upload(env.client("supervisor"), body)
    assert page.status_code == 200, page.text[:2000]
    assert _text(page.text, "import-summary") == (
        "Đã nhập tệp dang-ky.csv: 1 phương tiện mới, 1 cập nhật, 1 không đổi, 3 dòng bị từ chối."
    )
    rows = re.findall(
        r'<tr><td class="num">(\d+)</td><td class="plate">([^<]*)</td><td>([^<]*)</td></tr>',
        page.text,
    )
    assert rows == [
        ("4", "63I-123.45", "biển số không hợp lệ: chữ I không được dùng làm sê-ri"),
        ("5", "63A-555.55", "thiếu họ tên chủ xe"),
        ("6", "63A-777.77", rows[2][2]),
    ], rows
    assert rows[2][2].startswith("loại xe “máy kéo” không có trong danh mục"), rows[2][2]
    with env.store.sessions() as s:
        assert s.get(Owner, "51K67890").address == "3 Trưng Trắc"
        assert s.get(Owner, "63A24680") is not None
        moved = s.scalars(select(AuditEntry).where(AuditEntry.action == "registry.reimport")).one()
    assert moved.user == USERS["supervisor"] and moved.detail["old"] == {
        "address": LINH_NOW["address"]
    }, moved.detail
    shown = env.client("officer").get(f"/registry/{LINH}").text
    assert _text(shown, "owner-source").startswith("Nhập từ tệp dang-ky.csv lúc ")
    assert "nhập lại từ tệp dang-ky.csv (dòng 3)" in shown


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "tệp không phải văn bản CSV"),
        (
            b"plate,owner_name,address\n63A-123.45,An,1 Ap Bac\n",
            "thiếu cột “Số căn cước”, “Loại xe”",
        ),
        ((HEADER + "63A-999.99,Huỳnh Thị Hoa,9 Ấp Bắc,1,car\n").encode("utf-16"), "UTF-8"),
        (b"", "hãy chọn một tệp CSV để nhập"),
    ],
)
def test_nothing_is_imported_from_a_file_that_is_no_valid_csv(
    env: WebEnv, body: bytes, said: str
) -> None:
    with env.store.sessions() as s:
        before = s.scalar(select(func.count()).select_from(Owner))
    page = _upload(env.client("supervisor"), body)
    assert page.status_code == 422
    error = _text(page.text, "import-error")
    assert said in error and "Không có dữ liệu nào được nhập." in error, error
    with env.store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Owner)) == before


def test_an_officer_may_not_import(env: WebEnv) -> None:
    officer = env.client("officer")
    assert 'id="import-form"' not in officer.get("/registry").text, "the import is offered"
    token = csrf_of(officer.get("/registry").text)
    body = (HEADER + "63A-246.80,Bùi Văn Khoa,3 Trưng Trắc,082085000010,car\n").encode()
    files = {"file": ("x.csv", body, "text/csv")}
    refused = officer.post("/registry/import", data={"csrf": token}, files=files)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "không có quyền" in refused.text
    with env.store.sessions() as s:
        assert s.get(Owner, "63A24680") is None
    assert env.client("operator").get("/registry").status_code == 403


def test_an_issued_notice_keeps_its_frozen_bytes_after_the_owner_is_edited(
    web_env: WebEnv,
) -> None:
    officer = web_env.client("officer")
    token = csrf_of(officer.get("/review").text)
    with web_env.store.sessions() as s:
        from central.db import Case

        cid = s.scalars(select(Case.id).where(Case.plate_text == "51K-678.98")).one()
    for form, fields in (("confirm", {"plate": TRUE_PLATE}), ("notice", {})):
        data = {"csrf": token, "version": web_env.version(cid), **fields}
        moved = officer.post(f"/cases/{cid}/{form}", data=data)
        assert "flash ok" in officer.get(moved.headers["location"]).text, form
    with web_env.store.sessions() as s:
        addressee = s.get(Owner, LINH).name  # the demo registry's owner of 51K-678.90
    before = officer.get(f"/cases/{cid}/notice.pdf")
    html_before = officer.get(f"/cases/{cid}/notice").content
    assert before.status_code == 200 and before.content.startswith(b"%PDF")
    page = officer.get(f"/registry/{LINH}").text
    assert f'href="/cases/{cid}"' in page, "the plate's case is listed on its record"
    new = {"name": "Công ty TNHH Sông Tiền", "address": "99 Hùng Vương, Cao Lãnh"}
    new |= {"id_number": "0312345678", "vehicle_class": "car", "reason": "xe đã bán cho công ty"}
    done = officer.post(f"/registry/{LINH}/edit", data={**_edit_form(page), **new})
    assert done.status_code == 303, done.text[:2000]
    after = officer.get(f"/cases/{cid}/notice.pdf")
    assert after.content == before.content, "an edit of the registry changed an issued notice"
    assert after.headers["x-document-sha256"] == hashlib.sha256(before.content).hexdigest()
    notice = officer.get(f"/cases/{cid}/notice")
    assert notice.content == html_before, "an edit of the registry changed an issued notice"
    assert addressee in notice.text
    assert "Công ty TNHH Sông Tiền" not in notice.text


def _fits(page: Any, where: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{where}: {wide} px wide, scrolls sideways"


@pytest.mark.parametrize(("name", "size"), [("desktop", (1366, 768)), ("phone", (390, 844))])
def test_the_registry_in_a_browser(
    browser: Any,
    web_server: WebServer,
    web_env: WebEnv,
    tmp_path: Path,
    name: str,
    size: tuple[int, int],
) -> None:
    officer = signed_in_page(browser, web_server, "officer", size)
    open_from_menu(officer, "/registry")
    officer.fill("#registry-plate", "678")
    with officer.expect_navigation():
        officer.click("#registry-search-button")
    assert "51K-678.90" in officer.inner_text("#registry-results")
    _fits(officer, "the look-up")
    screenshot(officer, f"registry-search-{name}")
    with officer.expect_navigation():
        officer.click("#registry-results a:has-text('51K-678.90')")
    officer.fill("#edit-address", "12 Hùng Vương, Phường 7, TP Mỹ Tho")
    with officer.expect_navigation():
        officer.click("#edit-button")  # no reason: refused, nothing lost
    assert "hãy ghi lý do sửa" in officer.inner_text("#edit-error")
    assert officer.input_value("#edit-address") == "12 Hùng Vương, Phường 7, TP Mỹ Tho"
    _fits(officer, "the refused edit")
    screenshot(officer, f"registry-edit-refused-{name}")
    officer.fill("#edit-reason", "chủ xe chuyển nhà")
    with officer.expect_navigation():
        officer.click("#edit-button")
    assert "Đã lưu thông tin chủ phương tiện" in officer.inner_text(".flash.ok")
    assert "12 Hùng Vương" in officer.inner_text("#owner-address")
    assert "chủ xe chuyển nhà" in officer.inner_text("#owner-history")
    _fits(officer, "the owner's record")
    screenshot(officer, f"registry-owner-{name}")
    officer.context.close()

    csv = tmp_path / "xuat-dang-ky.csv"
    csv.write_text(
        HEADER + "63A-246.80,Bùi Văn Khoa,3 Trưng Trắc,082085000010,car\n"
        "63I-123.45,Trần Văn Bình,2 Ấp Bắc,082085000002,car\n",
        encoding="utf-8",
    )
    supervisor = signed_in_page(browser, web_server, "supervisor", size)
    supervisor.goto(f"{web_server.url}/registry")
    assert supervisor.inner_text("#import-file-name") == "Chưa chọn tệp nào"
    assert supervisor.inner_text("label.file-pick .file-button") == "Chọn tệp…"
    with supervisor.expect_file_chooser() as chooser:  # the page's own button opens the picker
        supervisor.click("label.file-pick .file-button")
    chooser.value.set_files(str(csv))
    assert supervisor.inner_text("#import-file-name") == "xuat-dang-ky.csv", "no file name shown"
    screenshot(supervisor, f"registry-file-picked-{name}")
    with supervisor.expect_navigation():
        supervisor.click("#import-button")
    summary = supervisor.inner_text("#import-summary")
    assert "1 phương tiện mới" in summary and "1 dòng bị từ chối" in summary, summary
    assert "chữ I không được dùng làm sê-ri" in supervisor.inner_text("#import-refused")
    _fits(supervisor, "the import summary")
    screenshot(supervisor, f"registry-import-{name}")
    supervisor.context.close()
