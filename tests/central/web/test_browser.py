"""The review page end to end in a real browser (Debian's chromium, driven by Playwright) against
`dendo-central web` on a loopback port, with cases ingested from real signed bundles of the
demo scene: an officer reviews a misread plate, corrects and confirms it, issues the notice,
records the fine and the payment, and the supervisor's weekly report counts it. Screenshots of
the review page and the report are saved under out/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from central.health import apply_message
from central.notices import LOCAL_TZ
from common.topics import Heartbeat, heartbeat_topic, status_topic
from tests.fixtures.browser import (
    MISREAD,
    PASSWORDS,
    TRUE_PLATE,
    USERS,
    WebEnv,
    WebServer,
    screenshot,
)


def sign_in(page: Any, server: WebServer, role: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", USERS[role])
    page.fill("input[name=password]", PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {role} failed: {page.content()[:2000]}"


def flash_text(page: Any) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def test_officer_reviews_corrects_confirms_notices_fines_and_records_payment(
    browser: Any, web_server: WebServer, web_env: WebEnv
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, web_server, "officer")
    assert page.url.endswith("/review"), "an officer starts on the review queue"

    # The oldest case is the misread one, with its evidence, box, badges and facts.
    assert page.locator("#plate-input").input_value() == MISREAD[0]
    images = page.locator(".frames img")
    assert images.count() == 3
    page.wait_for_function(
        "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator(".frames svg.overlay rect.offender").count() == 3, "box on each frame"
    assert page.locator(".crop.plate_crop img").count() == 1
    # The clip around the crossing (WebM) loads and is playable in the browser.
    assert page.locator("figure.clip video").count() == 1, "the case's clip is not on the page"
    page.wait_for_function(
        "(() => { const v = document.querySelector('figure.clip video');"
        " return v && v.readyState >= 1 && v.duration > 2 && v.videoWidth === 640; })()",
        timeout=15000,
    )
    assert page.locator(".crop.signal_crop img").count() == 1
    assert "Chữ ký số hợp lệ" in page.inner_text(".badges")
    assert "4 vụ đang chờ duyệt" in page.inner_text(".page-head")
    screenshot(page, "review")

    # j and k walk the queue; p focuses the plate, Escape leaves it, c confirms.
    heading = page.inner_text("#case h2")
    found = re.search(r"Vụ (\d+)", heading)
    assert found is not None, heading
    case_id = int(found.group(1))
    with page.expect_navigation():
        page.keyboard.press("j")
    assert f"Vụ {case_id + 1}" in page.inner_text("#case h2")
    with page.expect_navigation():
        page.keyboard.press("k")
    assert f"Vụ {case_id} " in page.inner_text("#case h2")
    page.keyboard.press("p")
    assert page.evaluate("document.activeElement.id") == "plate-input"
    page.fill("#plate-input", TRUE_PLATE)
    page.keyboard.press("Escape")
    with page.expect_navigation():
        page.keyboard.press("c")
    assert f"Đã xác nhận vụ {case_id}, biển số {TRUE_PLATE}." in flash_text(page)
    assert "3 vụ đang chờ duyệt" in page.inner_text(".page-head"), "the next case is shown"

    # The case page: the notice, the PDF, the fine and the payment.
    page.goto(f"{web_server.url}/cases/{case_id}")
    page.click("#notice-button")
    page.wait_for_load_state()
    assert re.search(r"Đã lập thông báo MT-\d{4}-000001", flash_text(page)), flash_text(page)
    pdf = page.request.get(f"{web_server.url}/cases/{case_id}/notice.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    notice = page.frame_locator("iframe.notice-frame")
    assert TRUE_PLATE in notice.locator("body").inner_text()
    assert page.locator("#fine-amount").input_value() == "19000000"
    page.fill("#fine-signer", "Trung tá Lê Văn Hòa, Trưởng phòng")
    page.click("#fine-button")
    page.wait_for_load_state()
    assert "19.000.000 đồng" in flash_text(page)
    page.fill("#pay-reference", "KB-2026-0001")
    page.click("#pay-button")
    page.wait_for_load_state()
    assert "Đã nộp phạt" in page.inner_text("h1")
    timeline = page.inner_text(".timeline")
    assert timeline.count(f"bởi {USERS['officer']}") == 4, timeline
    screenshot(page, "case")
    page.click("button:has-text('Đăng xuất')")
    page.wait_for_load_state()

    # The supervisor's report for this week counts the notice, the fine and the payment.
    sign_in(page, web_server, "supervisor")
    page.goto(f"{web_server.url}/report")
    for _ in range(100):  # the last report shows at once; the page reloads with the new one
        if page.locator("#report-updating").count() == 0:
            break
        page.wait_for_timeout(100)
        page.goto(f"{web_server.url}/report")
    total = page.locator("#report-total")
    assert total.locator("[data-field=notices]").inner_text() == "1"
    assert total.locator("[data-field=paid]").inner_text() == "1"
    assert total.locator("[data-field=paid_vnd]").inner_text() == "19.000.000"
    csv = page.request.get(f"{web_server.url}/report.csv")
    assert csv.status == 200 and "TỔNG" in csv.text()
    screenshot(page, "report")
    # The crossing week's report counts the four detections.
    crossed = datetime(2026, 11, 23, tzinfo=LOCAL_TZ).isocalendar()
    page.goto(f"{web_server.url}/report?week={crossed.year}-W{crossed.week:02d}")
    assert page.locator("#report-total [data-field=detected]").inner_text() == "4"
    assert not errors, f"browser console errors: {errors}"
    context.close()


def seed_camera_health(env: WebEnv) -> None:
    """What the MQTT health subscriber stores for six cameras (one of them offline)."""
    now = datetime.now(UTC)
    with env.store.sessions.begin() as s:
        for i in range(1, 7):
            camera = f"MT-{i:02d}"
            status = b"offline" if i == 4 else b"online"
            apply_message(s, status_topic(camera), status, now - timedelta(minutes=5))
            for k in (2, 1):
                beat = Heartbeat(
                    camera_id=camera,
                    at=now - timedelta(seconds=10 * k),
                    frames_processed=1000 - 120 * k,
                    connected=True,
                    outbox_depth=i - 1,
                    outbox_bytes=(i - 1) * 300_000,
                    outbox_evicted=0,
                )
                apply_message(s, heartbeat_topic(camera), beat.to_bytes(), now)


def test_operator_sees_no_review_buttons_and_cannot_confirm(
    browser: Any, web_server: WebServer, web_env: WebEnv
) -> None:
    context = browser.new_context()
    page = context.new_page()
    seed_camera_health(web_env)
    sign_in(page, web_server, "operator")
    assert page.url.endswith("/cameras"), "an operator starts on the cameras page"
    assert page.locator("table.cameras tbody tr").count() == 48
    assert "5 trực tuyến · 1 mất kết nối · 42 chưa có tín hiệu" in page.inner_text(".page-head")
    screenshot(page, "cameras")
    case_id = web_env.case_ids[0]
    page.goto(f"{web_server.url}/cases/{case_id}")
    assert page.locator("#confirm-button").count() == 0, "no confirm button for an operator"
    assert "chỉ có quyền xem" in page.inner_text("body")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(
        f"{web_server.url}/cases/{case_id}/confirm", form={"csrf": token, "plate": ""}
    )
    assert refused.status == 403 and "không có quyền" in refused.text()
    context.close()


def test_form_post_without_its_csrf_token_is_refused(
    browser: Any, web_server: WebServer, web_env: WebEnv
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, web_server, "officer")
    case_id = web_env.case_ids[0]
    refused = page.request.post(f"{web_server.url}/cases/{case_id}/confirm", form={"plate": ""})
    assert refused.status == 403
    assert "CSRF" in refused.text() and "tải lại trang" in refused.text().lower()
    forged = page.request.post(
        f"{web_server.url}/cases/{case_id}/confirm", form={"plate": "", "csrf": "forged" * 8}
    )
    assert forged.status == 403
    page.goto(f"{web_server.url}/cases/{case_id}")
    assert "Chờ duyệt" in page.inner_text("h1"), "nothing was confirmed"
    context.close()
