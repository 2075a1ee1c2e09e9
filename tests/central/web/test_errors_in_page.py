"""Refusals and errors shown in the page, in the page's language: a refused move goes back to
the same case with the reason in Vietnamese (amounts as 10.000.000 đồng) and what the officer
typed still in the form; a notice refused for a missing owner links to the registry page; a
refused document link answers an HTML page, not text; every error status of a page route is
an HTML page in Vietnamese (the API keeps JSON). Real bundles, real SQLite, real Chromium;
screenshots under out/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from central.db import CONFIRMED, REVIEW, Case, EvidenceFile
from central.web.refusal_texts import match
from tests.fixtures.browser import (
    MISREAD,
    PASSWORDS,
    TRUE_PLATE,
    USERS,
    DemoBundles,
    WebEnv,
    WebServer,
    csrf_of,
    login,
    make_web_env,
    screenshot,
)

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
# Words of the lifecycle's English refusals that must not reach a Vietnamese page.
ENGLISH = re.compile(r"\b(case|cannot|plate|needs|the|is not|refused|fine|payment)\b")


def flash(html: str) -> str:
    """The page's flashed messages, as text."""
    found = re.findall(r'<p class="flash (?:error|ok)"[^>]*>(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", f) for f in found)


def value_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else ""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, demo_bundles: DemoBundles) -> Iterator[WebEnv]:
    """One store for the refusals (a refused move changes nothing, so they can share it):
    the cases triaged into review, the first without any plate read."""
    made = make_web_env(tmp_path_factory.mktemp("errors"), demo_bundles)
    made.client("officer").get("/review")  # triage
    with made.store.sessions.begin() as s:
        unread = s.get(Case, _unread_id(made))
        assert unread is not None and unread.state == REVIEW
        unread.plate_text = unread.plate_norm = unread.plate_read_text = None
        unread.plate_confidence = None
    yield made
    made.close()


def _unread_id(env: WebEnv) -> int:
    """The case the tests take the plate off: neither the misread nor the confident read."""
    with env.store.sessions() as s:
        plates = {cid: s.get(Case, cid).plate_text for cid in env.case_ids}
    return next(c for c, p in plates.items() if p not in (MISREAD[0], "71-C3 802.46"))


def _case(env: WebEnv, plate: str) -> int:
    with env.store.sessions() as s:
        return int(s.scalars(select(Case.id).where(Case.plate_text == plate)).one())


# (form, fields, who, what the page must say, the field whose typed value must come back)
REFUSED = [
    (
        "confirm",
        {"plate": ""},
        "unread",
        "Vụ việc số {id} chưa có biển số: hãy đọc biển số từ chứng cứ và nhập vào.",
        None,
    ),
    (
        "confirm",
        {"plate": "51K-67", "next": "/review"},
        "misread",
        "Biển số “51K-67” không phải biển số Việt Nam hợp lệ",
        ("plate-input", "51K-67"),
    ),
    (
        "confirm",
        {"plate": "63I-123.45"},
        "misread",
        "chữ I không được dùng làm sê-ri",
        ("plate-input", "63I-123.45"),
    ),
    (
        "confirm",
        {"plate": "71-C3 802.64"},
        "confident",
        "Muốn sửa thành 71-C3 802.64, hãy ghi lý do",
        ("plate-input", "71-C3 802.64"),
    ),
    (
        "reject",
        {"reason": "", "text": "ảnh mờ quá"},
        "misread",
        "Hãy chọn lý do từ chối trong danh sách.",
        ("reject-text", "ảnh mờ quá"),
    ),
    (
        "reject",
        {"reason": "other", "text": ""},
        "misread",
        "Đã chọn “Lý do khác” làm lý do từ chối: hãy ghi rõ nội dung.",
        None,
    ),
    (
        "fine",
        {"amount": "19.000.000", "signer": "Lê Văn Hòa, Trưởng phòng"},
        "misread",
        "đang ở trạng thái “Chờ duyệt”: không thể chuyển sang “Đã ra quyết định phạt”.",
        None,
    ),
    (
        "fine",
        {"amount": "19000000", "signer": " "},
        "misread",
        "Quyết định xử phạt cần họ tên và chức vụ của người ký.",
        None,
    ),
    (
        "fine",
        {"amount": "mười triệu", "signer": "Lê Hòa"},
        "misread",
        "Số tiền phải là số nguyên dương",
        None,
    ),
    (
        "pay",
        {"amount": "10.000.000", "reference": "KB-1"},
        "misread",
        "Vụ việc số {id} chưa có quyết định xử phạt: hãy ghi nhận quyết định trước.",
        None,
    ),
    (
        "notice",
        {},
        "confident",
        "đang ở trạng thái “Chờ duyệt”: không thể chuyển sang “Đã gửi thông báo”.",
        None,
    ),
    (
        "appeal",
        {"ground": "wrong_owner", "text": "xe đã bán"},
        "misread",
        "chỉ thông báo hoặc quyết định xử phạt mới khiếu nại được.",
        None,
    ),
    (
        "appeal",
        {"ground": "", "text": "xe đã bán"},
        "misread",
        "Hãy chọn căn cứ khiếu nại trong danh sách.",
        None,
    ),
    (
        "decide",
        {"outcome": "readdress", "text": "đã bán xe", "name": "Phạm Văn Tư"},
        "misread",
        "không có khiếu nại nào để giải quyết.",
        None,
    ),
]


@pytest.mark.parametrize(("form", "fields", "which", "said", "kept"), REFUSED)
def test_a_refused_move_is_said_in_vietnamese_on_the_same_case_keeping_what_was_typed(
    env: WebEnv,
    form: str,
    fields: dict[str, str],
    which: str,
    said: str,
    kept: tuple[str, str] | None,
) -> None:
    cid = {
        "unread": _unread_id(env),
        "misread": _case(env, MISREAD[0]),
        "confident": _case(env, "71-C3 802.46"),
    }[which]
    role = "supervisor" if form == "decide" else "officer"
    client = env.client(role)
    page = client.get(f"/cases/{cid}").text
    data = {"csrf": csrf_of(page), "version": env.version(cid), **fields}
    refused = client.post(f"/cases/{cid}/{form}", data=data)
    back = f"/review?case={cid}" if fields.get("next") == "/review" else f"/cases/{cid}"
    assert refused.status_code == 303 and refused.headers["location"] == back, (
        f"{form}: a refusal must go back to the same case ({back}), "
        f"went to {refused.headers.get('location')}"
    )
    shown = client.get(back).text
    text = flash(shown)
    assert said.format(id=cid) in text, f"{form}: the page said {text!r}"
    assert not ENGLISH.search(text), f"{form}: English in a Vietnamese refusal: {text!r}"
    if kept is not None:
        assert value_of(shown, kept[0]) == kept[1], (
            f"{form}: what was typed into #{kept[0]} is lost"
        )
    with env.store.sessions() as s:
        assert s.get(Case, cid).state == REVIEW, f"{form}: a refused move changed the case"


def test_a_refused_payment_says_the_amounts_as_vietnamese_write_them(web_env: WebEnv) -> None:
    officer = web_env.client("officer")
    token = csrf_of(officer.get("/review").text)
    cid = _case(web_env, MISREAD[0])
    for form, fields in (("confirm", {"plate": TRUE_PLATE}), ("notice", {})):
        data = {"csrf": token, "version": web_env.version(cid), **fields}
        assert officer.post(f"/cases/{cid}/{form}", data=data).status_code == 303
    signer = "Trung tá Lê Văn Hòa, Trưởng phòng"
    data = {"csrf": token, "version": web_env.version(cid), "amount": "1.000", "signer": signer}
    page = officer.get(officer.post(f"/cases/{cid}/fine", data=data).headers["location"]).text
    assert f"Vụ việc số {cid}: mức phạt 1.000 đồng nằm ngoài khung phạt đối với ô tô con" in (
        flash(page)
    ), flash(page)
    assert "từ 18.000.000 đến 20.000.000 đồng theo" in flash(page), flash(page)
    assert value_of(page, "fine-amount") == "1.000" and value_of(page, "fine-signer") == signer
    for form, fields in (("fine", {"amount": "19000000", "signer": signer}),):
        data = {"csrf": token, "version": web_env.version(cid), **fields}
        assert officer.post(f"/cases/{cid}/{form}", data=data).status_code == 303
    data = {
        "csrf": token,
        "version": web_env.version(cid),
        "amount": "10000000",
        "reference": "KB-9",
    }
    refused = officer.post(f"/cases/{cid}/pay", data=data)
    page = officer.get(refused.headers["location"]).text
    assert (
        f"Vụ việc số {cid}: số tiền nộp 10.000.000 đồng khác mức phạt đã quyết định "
        "19.000.000 đồng." in flash(page)
    ), flash(page)
    assert value_of(page, "pay-amount") == "10000000" and value_of(page, "pay-reference") == "KB-9"


def _browser_page(browser: Any, server: WebServer, role: str, size: tuple[int, int]) -> Any:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", USERS[role])
    page.fill("input[name=password]", PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {role} failed"
    return page


def _no_sideways_scroll(page: Any, where: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{where}: the page is {wide} px wide"


def test_refused_confirm_stays_on_the_case_in_vietnamese_and_keeps_the_typed_plate(
    browser: Any, web_server: WebServer, web_env: WebEnv
) -> None:
    officer = web_env.client("officer")
    officer.get("/review")  # triage
    cid = _unread_id(web_env)
    with web_env.store.sessions.begin() as s:
        case = s.get(Case, cid)
        assert case is not None
        case.plate_text = case.plate_norm = case.plate_read_text = case.plate_confidence = None
    for name, size in SIZES.items():
        page = _browser_page(browser, web_server, "officer", size)
        page.goto(f"{web_server.url}/review?case={cid}")
        page.fill("#plate-input", "51K-67")
        with page.expect_navigation():
            page.click("#confirm-button")
        assert page.url.endswith(f"/review?case={cid}"), f"left the case: {page.url}"
        said = page.inner_text(".flash.error")
        assert "Biển số “51K-67” không phải biển số Việt Nam hợp lệ" in said, said
        assert page.input_value("#plate-input") == "51K-67", "the typed plate is lost"
        page.fill("#plate-input", "")
        with page.expect_navigation():
            page.click("#confirm-button")
        said = page.inner_text(".flash.error")
        expected = f"Vụ việc số {cid} chưa có biển số: hãy đọc biển số từ chứng cứ và nhập vào."
        assert expected in said, said
        assert f"Vụ {cid}" in page.inner_text("#case h2"), "another case is shown"
        screenshot(page, f"refused-confirm-{name}")
        page.context.close()


def test_a_notice_refused_for_a_missing_owner_links_to_the_registry_and_its_pdf_is_a_page(
    browser: Any, web_server: WebServer, web_env: WebEnv
) -> None:
    officer = web_env.client("officer")
    token = csrf_of(officer.get("/review").text)
    cid = _case(web_env, MISREAD[0])  # 51K-678.98: confirmed as read, not in the registry
    data = {"csrf": token, "version": web_env.version(cid), "plate": MISREAD[0]}
    assert officer.post(f"/cases/{cid}/confirm", data=data).status_code == 303
    with web_env.store.sessions() as s:
        assert s.get(Case, cid).state == CONFIRMED
    for name, size in SIZES.items():
        page = _browser_page(browser, web_server, "officer", size)
        page.goto(f"{web_server.url}/cases/{cid}")
        assert "/registry?plate=51K67898" in page.get_attribute("#registry-link", "href")
        with page.expect_navigation():
            page.click("#notice-button")
        assert page.url.endswith(f"/cases/{cid}"), page.url
        said = page.inner_text(".flash.error")
        assert f"Biển số {MISREAD[0]} của vụ việc số {cid} chưa có trong dữ liệu đăng ký xe" in said
        link = page.locator(".flash.error a.flash-link")
        assert link.get_attribute("href") == "/registry?plate=51K67898", "no link to the registry"
        screenshot(page, f"refused-notice-{name}")
        with page.expect_navigation():
            link.click()
        assert "Biển số 51K-678.98 chưa có trong dữ liệu đăng ký xe" in page.inner_text("main")
        assert f"/cases/{cid}" in page.inner_html("#registry-cases"), "the plate's case is listed"
        _no_sideways_scroll(page, "the registry page")
        screenshot(page, f"registry-missing-{name}")
        # The draft PDF cannot be made: an HTML page says why and leads back to the case.
        answer = page.goto(f"{web_server.url}/cases/{cid}/notice.pdf")
        assert answer is not None and answer.status == 409
        assert answer.headers["content-type"].startswith("text/html"), answer.headers
        assert "Không mở được tài liệu" in page.inner_text("h1")
        assert "chưa có trong dữ liệu đăng ký xe" in page.inner_text("#error-message")
        assert page.get_attribute("#error-back-case", "href") == f"/cases/{cid}"
        _no_sideways_scroll(page, "the refused PDF")
        screenshot(page, f"refused-pdf-{name}")
        page.context.close()


def test_a_frozen_document_whose_bytes_changed_answers_an_html_page(web_env: WebEnv) -> None:
    officer = web_env.client("officer")
    token = csrf_of(officer.get("/review").text)
    cid = _case(web_env, MISREAD[0])
    for form, fields in (("confirm", {"plate": TRUE_PLATE}), ("notice", {})):
        data = {"csrf": token, "version": web_env.version(cid), **fields}
        assert officer.post(f"/cases/{cid}/{form}", data=data).status_code == 303
    from central.db import IssuedDocument

    with web_env.store.sessions() as s:
        doc = s.scalars(select(IssuedDocument).where(IssuedDocument.case_id == cid)).one()
        path = web_env.store.evidence.absolute(doc.pdf_path)
    Path(path).write_bytes(Path(path).read_bytes() + b"tampered")
    for url in (f"/cases/{cid}/notice.pdf", f"/documents/{doc.id}.pdf"):
        answer = officer.get(url)
        assert answer.status_code == 409 and answer.headers["content-type"].startswith("text/html")
        assert f"Tài liệu {doc.number} (pdf) không khớp mã SHA-256" in answer.text, answer.text
        assert f'href="/cases/{cid}"' in answer.text, "no way back to the case"


def _raw_client(env: WebEnv, role: str) -> TestClient:
    client = TestClient(env.app, follow_redirects=False, raise_server_exceptions=False)
    login(client, USERS[role], PASSWORDS[role])
    return client


# (method, path, role, form sent (csrf added), status, words the Vietnamese page must hold)
STATUSES = [
    ("GET", "/no-such-page", "officer", None, 404, "Không tìm thấy"),
    ("GET", "/cases/999999", "officer", None, 404, "Không tìm thấy trang hoặc vụ việc này."),
    ("GET", "/cases/abc", "officer", None, 422, "Biểu mẫu gửi lên thiếu hoặc sai: "),
    ("GET", "/review?page=0", "officer", None, 422, "số trang"),
    ("POST", "/cases/{id}/confirm", "officer", {"version": "abc"}, 422, "phiên bản vụ việc"),
    ("DELETE", "/review", "officer", None, 405, "không nhận kiểu yêu cầu vừa gửi (DELETE)"),
    ("GET", "/users", "officer", None, 403, "không có quyền"),
    ("POST", "/registry/import", "officer", {}, 403, "không có quyền"),
    ("GET", "/registry", "operator", None, 403, "không có quyền"),
    ("POST", "/cases/{id}/reject", "officer", None, 403, "CSRF"),
    (
        "GET",
        "/cases/{id}/notice.pdf",
        "officer",
        None,
        409,
        "không có thông báo nào đang có hiệu lực",
    ),
    ("GET", "/evidence/{clip}", "officer", None, 500, "báo cho bộ phận kỹ thuật"),
]


@pytest.mark.parametrize(("method", "path", "role", "form", "status", "said"), STATUSES)
def test_every_error_of_a_page_route_is_an_html_page_in_vietnamese(
    env: WebEnv,
    method: str,
    path: str,
    role: str,
    form: dict[str, str] | None,
    status: int,
    said: str,
) -> None:
    cid = env.case_ids[0]
    with env.store.sessions() as s:
        clip = s.scalars(
            select(EvidenceFile).where(EvidenceFile.role == "clip").order_by(EvidenceFile.id)
        ).first()
        assert clip is not None
        if status == 500:  # the clip's bytes are lost from the store: the page says so
            Path(env.store.evidence.absolute(clip.path)).unlink(missing_ok=True)
    client = _raw_client(env, role)
    token = csrf_of(client.get(f"/cases/{cid}").text)
    data = {"csrf": token, **form} if form is not None else None
    answer = client.request(method, path.format(id=cid, clip=clip.id), data=data)
    assert answer.status_code == status, (
        f"{method} {path}: {answer.status_code} {answer.text[:300]}"
    )
    kind = answer.headers["content-type"]
    assert kind.startswith("text/html"), f"{method} {path} answered {kind}, not a page"
    assert '<html lang="vi">' in answer.text, f"{method} {path}: not a Vietnamese page"
    assert said.lower() in answer.text.lower(), f"{method} {path}: {answer.text[-1500:]}"
    assert 'href="/"' in answer.text, "no way back"


@pytest.mark.parametrize("path", ["/api/cases/999999", "/api/no-such-thing"])
def test_the_api_keeps_answering_json(env: WebEnv, path: str) -> None:
    answer = _raw_client(env, "officer").get(path)
    assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "message",
    [
        "case 5 has no plate: read it from the evidence and give it",
        "case 7: plate 51K-678.98 is not in the vehicle registry "
        "(import it with `dendo-central registry import FILE`)",
        "case 7: plate 51K-678.98 is not in the vehicle registry",
        "case 9: payment 10,000,000 VND differs from the fine 19,000,000",
        "case 9: 1.000 VND is outside the fine range for car (Xe ô tô): 18.000.000–20.000.000 "
        "VND under Điểm b khoản 9 Điều 6 Nghị định số 168/2024/NĐ-CP",
        "case 3: the camera saw a car but 59-D2 064.28 is registered as a motorcycle: "
        "check the plate before a notice goes out",
        "case 3 is paid: it has no notice in force",
        "document MT-2026-000001 (pdf) does not match its sha256",
    ],
)
def test_the_lifecycle_refusals_are_known_to_the_translation_table(message: str) -> None:
    assert match(message) is not None, f"no Vietnamese for {message!r}"


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("", None),
        ("A63-123.45", None),
        ("631-123.45", None),
        ("63ABC-123.45", None),
        ("63A-12X.45", None),
        ("63A-12", None),
        ("00A-123.45", None),
        ("63I-123.45", None),
        ("63-B0 234.56", None),
        ("63-B1 234.56", "car"),
        ("63A12345", None),
        ("63-MĐ1 2345", None),
    ],
)
def test_every_plate_grammar_fault_is_said_in_vietnamese(written: str, kind: str | None) -> None:
    from central.web.refusal_texts import plate_reason
    from common.plate_text import PlateError, parse

    with pytest.raises(PlateError) as refused:
        parse(written, kind)
    said = plate_reason(refused.value.reason, "vi")
    assert said != refused.value.reason, f"{written!r}: {said!r} is left in English"
