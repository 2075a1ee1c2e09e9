"""Two officers and a supervisor at once, in real browsers against `dendo-central web`: the
queue hands the second officer another case than the first one holds; a case held by
someone else is shown read-only and a forged move on it is refused; changing a confident
camera read asks for a reason; a decision made on a page loaded before someone else's move is
refused and the page says what happened meanwhile and who did it. Screenshots under
out/screenshots/."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from central.db import CONFIRMED, NOTICE_ISSUED, Case
from central.registry import import_registry
from central.users import OFFICER, add_user
from tests.fixtures.browser import (
    PASSWORDS,
    TRUE_PLATE,
    USERS,
    WebEnv,
    WebServer,
    company_owns,
    screenshot,
)

SECOND = ("tuan.pham", "officer-pass-2")


def _sign_in(browser: Any, server: WebServer, username: str, password: str) -> Any:
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {username} failed"
    return page


def _case_on(page: Any) -> int:
    found = re.search(r"Vụ (\d+)", page.inner_text("#case h2"))
    assert found, "no case on the review page"
    return int(found.group(1))


def _flash(page: Any) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def test_two_officers_get_different_cases_and_a_stale_decision_is_refused_and_explained(
    browser: Any, web_server: WebServer, web_env: WebEnv
) -> None:
    with web_env.store.sessions.begin() as s:
        add_user(s, SECOND[0], SECOND[1], OFFICER, "test")
    lan = _sign_in(browser, web_server, USERS["officer"], PASSWORDS["officer"])
    tuan = _sign_in(browser, web_server, *SECOND)
    held, other = _case_on(lan), _case_on(tuan)
    assert held != other, "both officers were handed the same case"
    assert "đang có cán bộ duyệt" in tuan.inner_text(".queue"), "the queue marks the held case"

    # The held case, opened by the other officer: read-only, and a forged move is refused.
    tuan.goto(f"{web_server.url}/review?case={held}")
    assert USERS["officer"] in tuan.inner_text("#claim-banner")
    assert tuan.locator("#confirm-button").count() == 0, "forms on a case someone else holds"
    token = tuan.locator("input[name=csrf]").first.get_attribute("value")
    forged = tuan.request.post(
        f"{web_server.url}/cases/{held}/reject",
        form={"csrf": token, "reason": "evidence_unclear", "version": web_env.version(held)},
        max_redirects=0,
    )
    assert forged.status == 303
    tuan.goto(f"{web_server.url}/review")
    assert f"Vụ {held} đang được {USERS['officer']} duyệt" in _flash(tuan), _flash(tuan)

    # Changing the camera's confident read (71-C3 802.46, 99.99 %) asks for a reason.
    tuan.goto(f"{web_server.url}/review?case={other}")
    assert tuan.locator("#plate-reason-label").is_hidden(), "a reason asked with no change"
    tuan.fill("#plate-input", "71-C3 802.64")
    assert tuan.locator("#plate-reason-label").is_visible(), "no reason asked for the change"
    tuan.click("#confirm-button")  # the browser stops the empty reason
    assert tuan.url.endswith(f"case={other}"), "confirmed without a reason"
    tuan.fill("#plate-reason", "biển số đọc rõ trên ảnh cắt: 802.64")
    with tuan.expect_navigation():
        tuan.click("#confirm-button")
    assert "71-C3 802.64" in _flash(tuan), _flash(tuan)
    tuan.goto(f"{web_server.url}/cases/{other}")
    change = tuan.inner_text("#plate-change")
    assert "71-C3 802.46" in change and "802.64" in change and "ảnh cắt" in change, change

    # Lan confirms her case; the supervisor opens it, Lan issues the notice, the
    # supervisor's reversal (decided on the page he loaded before) is refused and explained.
    lan.fill("#plate-input", TRUE_PLATE)  # the camera misread it, unsure (62 %)
    with lan.expect_navigation():
        lan.click("#confirm-button")
    hoa = _sign_in(browser, web_server, USERS["supervisor"], PASSWORDS["supervisor"])
    hoa.goto(f"{web_server.url}/cases/{held}")
    assert hoa.locator("#reverse-button").count() == 1, "a supervisor may reverse"
    lan.goto(f"{web_server.url}/cases/{held}")
    assert lan.locator("#reverse-button").count() == 0, "an officer may not reverse"
    with lan.expect_navigation():
        lan.click("#notice-button")
    assert "Đã lập thông báo" in _flash(lan), _flash(lan)
    hoa.fill("#reverse-reason", "xem lại biển số")
    with hoa.expect_navigation():
        hoa.click("#reverse-button")
    said = _flash(hoa)
    assert "KHÔNG được thực hiện" in said, said
    assert USERS["officer"] in said and "Đã gửi thông báo" in said, said
    screenshot(hoa, "stale-refused")
    with web_env.store.sessions() as s:
        case = s.get(Case, held)
        assert case is not None and case.state == NOTICE_ISSUED, "the stale reversal applied"
        assert s.get(Case, other).state == CONFIRMED
    assert "MT-" in hoa.inner_text("#documents"), "the frozen notice is listed"
    for page in (lan, tuan, hoa):
        page.context.close()


def test_a_sent_notice_stays_as_sent_and_an_appeal_cancels_it_through_the_page(
    browser: Any, web_server: WebServer, web_env: WebEnv, tmp_path: Path
) -> None:
    lan = _sign_in(browser, web_server, USERS["officer"], PASSWORDS["officer"])
    held = _case_on(lan)
    lan.fill("#plate-input", TRUE_PLATE)
    with lan.expect_navigation():
        lan.click("#confirm-button")
    lan.goto(f"{web_server.url}/cases/{held}")
    with lan.expect_navigation():
        lan.click("#notice-button")
    sent = lan.request.get(f"{web_server.url}/cases/{held}/notice.pdf")
    assert sent.status == 200 and sent.body().startswith(b"%PDF")
    sha = hashlib.sha256(sent.body()).hexdigest()
    assert sha in lan.inner_text("#notice-hash"), "the case page does not show the hash"

    # The registry is re-imported: the plate now belongs to a company at another address.
    with web_env.store.sessions.begin() as s:
        result = import_registry(s, company_owns(tmp_path / "registry.csv", TRUE_PLATE, "car"))
    assert result.updated == 1, f"the registry did not change: {result.summary()}"
    again = lan.request.get(f"{web_server.url}/cases/{held}/notice.pdf")
    assert again.body() == sent.body(), "the notice sent changed after a registry re-import"
    lan.reload()
    frame = lan.frame_locator("iframe.notice-frame").locator("body")
    assert "Công ty" not in frame.inner_text(), "the notice on the page was re-rendered"

    # The owner sold the vehicle: the appeal is recorded, the supervisor cancels the notice.
    lan.locator("details.act summary").click()
    lan.select_option("#appeal-ground", "vehicle_sold")
    lan.fill("#appeal-text", "đã bán xe trước ngày vi phạm")
    with lan.expect_navigation():
        lan.click("#appeal-button")
    assert "Đã ghi nhận khiếu nại" in _flash(lan), _flash(lan)
    hoa = _sign_in(browser, web_server, USERS["supervisor"], PASSWORDS["supervisor"])
    hoa.goto(f"{web_server.url}/cases/{held}")
    hoa.check("#outcome-cancel")
    hoa.fill("#decide-text", "hợp đồng mua bán có công chứng")
    with hoa.expect_navigation():
        hoa.click("#decide-button")
    assert "đã hủy thông báo" in _flash(hoa), _flash(hoa)
    assert "Đã hủy thông báo" in hoa.inner_text("h1")
    documents = hoa.inner_text("#documents")
    assert "Đã hủy" in documents, "the cancelled notice is not marked void"
    assert f"{TRUE_PLATE} · camera đọc: 51K-678.98 · cán bộ đã sửa" in documents, documents
    screenshot(hoa, "appeal-cancelled")
    kept = hoa.request.get(f"{web_server.url}/documents/1.pdf")
    assert kept.body() == sent.body(), "the void notice is not kept as sent"
    for page in (lan, hoa):
        page.context.close()
