"""What an operator does with a quarantined bundle, through the page, on real signed bundles.

The demo scene's bundles arrive before their box's key is registered, so the real Ingestor
quarantines them as unknown_key. An operator acknowledges one with a note (audited, shown,
listed after the open ones); once the key is registered, re-ingesting one runs it through the
collector's checks and it becomes a case in review, the entry marked re-ingested with a link;
a re-ingest that still fails keeps the entry open with the new reason (the first one kept).
Officers do not handle the quarantine (it is the operations centre's work): they are refused.
On SQLite and PostgreSQL; the last test does it in Chromium with screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from central.db import REVIEW, Case, Quarantined
from central.ingest import Ingestor
from central.keys import KeyRing, register_key
from central.quarantine_actions import QuarantineHandling
from central.users import AuditEntry
from tests.fixtures.browser import (
    USERS,
    DemoBundles,
    WebEnv,
    csrf_of,
    make_web_env,
    screenshot,
    signed_in_page,
    start_web_server,
    stop_web_server,
)

BOX = "EB-00"  # the demo box, as its manifests say


def quarantine_all(env: WebEnv, bundles: DemoBundles) -> list[int]:
    """The bundles as a collector with no key for their box receives them."""
    ingestor = Ingestor(env.store, KeyRing(env.store.sessions))
    for data in bundles.bundles:
        receipt = ingestor.ingest(data, "dendo/v1/DEMO-01/violation")
        assert receipt is not None and receipt.status == "quarantined", receipt
    ingestor.close()
    with env.store.sessions() as s:
        return list(s.scalars(select(Quarantined.id).order_by(Quarantined.id)))


@pytest.fixture
def held(
    tmp_path: Path, store_url: str, demo_bundles: DemoBundles
) -> Iterator[tuple[WebEnv, list[int]]]:
    env = make_web_env(tmp_path, None, url=store_url)
    ids = quarantine_all(env, demo_bundles)
    yield env, ids
    env.close()


def post(client: Any, path: str, **form: str) -> Any:
    token = csrf_of(client.get("/quarantine").text)
    return client.post(path, data={"csrf": token, **form})


def flashes(client: Any) -> str:
    return " ".join(
        re.findall(r'<p class="flash \w+"[^>]*>([^<]*)</p>', client.get("/quarantine").text)
    )


def entry_row(html: str, item: int) -> str:
    return html.split(f'id="q-{item}"', 1)[1].split("</tr>", 1)[0]


def trail(env: WebEnv, action: str) -> list[AuditEntry]:
    with env.store.sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_acknowledged_entry_keeps_its_note_and_goes_after_the_open_ones(
    held: tuple[WebEnv, list[int]],
) -> None:
    env, ids = held
    operator = env.client("operator")
    first = ids[0]
    refused = post(operator, f"/quarantine/{first}/acknowledge", note="   ")
    assert refused.status_code == 303
    assert "Cần ghi chú lý do khi xác nhận" in flashes(operator), "an empty note is refused"
    note = "Thiết bị thử nghiệm của đội kỹ thuật, không phải bằng chứng"
    post(operator, f"/quarantine/{first}/acknowledge", note=note)
    html = operator.get("/quarantine").text
    listed = [int(i) for i in re.findall(r'<tr id="q-(\d+)"', html)]
    assert listed[-1] == first and sorted(listed) == sorted(ids), f"acknowledged last: {listed}"
    row = entry_row(html, first)
    assert "Đã xác nhận" in row and note in row and USERS["operator"] in row, row
    assert "Khóa ký chưa được đăng ký" in row, "the reason in Vietnamese"
    (entry,) = trail(env, "quarantine.acknowledge")
    assert entry.user == USERS["operator"] and entry.target == str(first)
    assert entry.detail is not None and entry.detail["note"] == note
    only_open = operator.get("/quarantine?status=open").text
    assert f'id="q-{first}"' not in only_open and f'id="q-{ids[1]}"' in only_open


def test_after_its_key_is_registered_a_reingested_entry_becomes_a_case(
    held: tuple[WebEnv, list[int]], demo_bundles: DemoBundles
) -> None:
    env, ids = held
    operator = env.client("operator")
    html = operator.get("/quarantine").text
    assert "Nạp lại" in entry_row(html, ids[0]) and "có thể nạp lại" not in html
    before = post(operator, f"/quarantine/{ids[0]}/reingest")  # the key still unknown
    assert before.status_code == 303
    assert f"Mục {ids[0]} vẫn không hợp lệ: Khóa ký chưa được đăng ký" in flashes(operator)
    register_key(env.store.sessions, BOX, demo_bundles.public_key, by="test")
    assert "có thể nạp lại" in entry_row(operator.get("/quarantine").text, ids[0])
    post(operator, f"/quarantine/{ids[0]}/reingest")
    said = flashes(operator)
    with env.store.sessions() as s:
        case = s.scalars(select(Case)).one()
        handling = s.get(QuarantineHandling, ids[0])
    assert f"Mục {ids[0]} đã được nạp lại và kiểm tra hợp lệ: đã tạo vụ {case.id}" in said, said
    assert case.state == REVIEW, "sent to review, as the collector's triage does"
    assert handling is not None and handling.case_id == case.id and handling.attempts == 2
    row = entry_row(operator.get("/quarantine").text, ids[0])
    assert "Đã nạp lại thành vụ việc" in row and f'href="/cases/{case.id}"' in row, row
    assert 'action="/quarantine/' not in row, "nothing more to do on it"
    results = [e.detail["result"] for e in trail(env, "quarantine.reingest") if e.detail]
    assert results == ["refused", "stored"], results
    again = post(operator, f"/quarantine/{ids[0]}/reingest")
    assert again.status_code == 303 and "đã được nạp lại thành vụ" in flashes(operator)


def test_a_reingest_that_still_fails_stays_with_its_new_reason(
    held: tuple[WebEnv, list[int]], demo_bundles: DemoBundles
) -> None:
    env, ids = held
    register_key(env.store.sessions, "EB-09", demo_bundles.public_key, by="test")  # wrong box
    supervisor = env.client("supervisor")
    post(supervisor, f"/quarantine/{ids[1]}/reingest")
    said = flashes(supervisor)
    assert "vẫn không hợp lệ, lý do mới: Thiết bị ghi trong gói khác thiết bị sở hữu khóa" in said
    with env.store.sessions() as s:
        entry = s.get(Quarantined, ids[1])
        handling = s.get(QuarantineHandling, ids[1])
        cases = s.scalars(select(Case)).all()
    assert entry is not None and entry.reason_code == "box_mismatch", entry
    assert "EB-09" in entry.reason, "the new reason names the key's box"
    assert handling is not None and handling.first_reason_code == "unknown_key"
    assert handling.case_id is None and not cases, "nothing became a case"
    row = entry_row(supervisor.get("/quarantine").text, ids[1])
    assert "Chưa xử lý" in row and "Lý do ban đầu: Khóa ký chưa được đăng ký" in row, row


def test_an_officer_cannot_handle_the_quarantine(held: tuple[WebEnv, list[int]]) -> None:
    env, ids = held
    officer = env.client("officer")
    token = csrf_of(officer.get("/cases").text)
    for action, form in (("acknowledge", {"note": "xem rồi"}), ("reingest", {})):
        answer = officer.post(f"/quarantine/{ids[0]}/{action}", data={"csrf": token, **form})
        assert answer.status_code == 403, f"an officer may {action}: {answer.status_code}"
    assert officer.get("/quarantine").status_code == 403
    assert not trail(env, "quarantine.acknowledge") and not trail(env, "quarantine.reingest")


def demo_camera(path: Path) -> Path:
    """A camera config with the demo camera on its box: the server's key ring checks that the
    key is the box's the camera is assigned to."""
    camera = {"id": "DEMO-01", "name": "Cảnh trình diễn", "location": {"lat": 10.36, "lon": 106.36},
              "box": BOX, "source": "/dev/null", "stop_line": [[200, 330], [1140, 330]],
              "direction": [0, -1], "signal": {"source": "vision", "heads": [
                  {"roi": [1180, 40, 30, 90], "layout": "vertical"}]}}  # fmt: skip
    path.write_text(yaml.safe_dump({"cameras": [camera]}, allow_unicode=True), encoding="utf-8")
    return path


def test_an_operator_handles_the_quarantine_in_a_browser(
    browser: Any, tmp_path: Path, demo_bundles: DemoBundles
) -> None:
    env = make_web_env(tmp_path, None)
    ids = quarantine_all(env, demo_bundles)
    server = start_web_server(env, cameras=demo_camera(tmp_path / "cameras.yaml"))
    try:
        for name, size in {"desktop": (1366, 768), "phone": (390, 844)}.items():
            page = signed_in_page(browser, server, "operator", size)
            page.goto(f"{server.url}/quarantine")
            if name == "desktop":
                row = page.locator(f"#q-{ids[2]}")
                row.locator("details.ack summary").click()
                row.locator("textarea[name=note]").fill(
                    "Đã báo đội kỹ thuật kiểm tra thiết bị EB-00"
                )
                row.locator("details.ack button[type=submit]").click()
                page.wait_for_load_state()
                assert "Đã xác nhận mục" in page.inner_text(".flash")
                register_key(env.store.sessions, BOX, demo_bundles.public_key, by="test")
                page.goto(f"{server.url}/quarantine")
                page.locator(f"#q-{ids[3]} form.reingest button").click()
                page.wait_for_load_state()
                assert "đã tạo vụ" in page.inner_text(".flash"), page.inner_text(".flash")
                assert page.locator(f"#q-{ids[3]} a.case-link").count() == 1
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= size[0], f"the quarantine at {name} is {wide} px wide"
            screenshot(page, f"quarantine-{name}")
            page.context.close()
    finally:
        stop_web_server(server)
        env.close()
