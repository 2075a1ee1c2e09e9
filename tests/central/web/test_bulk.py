"""Bulk work on the cases list, on the demo scene's real cases: notices for the ticked
confirmed cases (each frozen, moved, versioned and audited on its own; one PDF to print with
every notice in it, and a ZIP of the issued PDFs themselves), a bulk rejection with one reason,
and for every case not done the page says which and why in Vietnamese (no owner, changed since
the list was loaded, held by another officer, not in the right state, no such case) while the
others are done. In Chromium too, with screenshots at 1366x768 and 390x844."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import case_claims
from central.db import CONFIRMED, NOTICE_ISSUED, REJECTED, REVIEW, Case, IssuedDocument, Transition
from central.users import OFFICER, AuditEntry, User, add_user
from central.web import actions
from tests.central.test_cases import add_case
from tests.central.web.test_search import VIEWPORTS, no_sideways_scroll
from tests.fixtures.browser import USERS, WebEnv, WebServer, csrf_of, screenshot, signed_in_page

NO_OWNER = "51K-678.98"  # the demo camera's misread: no such plate in the registry


def confirmed(env: WebEnv) -> dict[str, int]:
    """The demo's four cases confirmed by the officer, as read (so the first has no owner);
    plate -> case id."""
    env.client("officer").get("/review")  # triage: the cases into the queue
    ids = {}
    with env.store.sessions.begin() as s:
        officer = s.get_one(User, USERS["officer"])
        for case in s.scalars(select(Case).order_by(Case.id)):
            actions.confirm(s, officer, case.id, None, seen=case.version)
            ids[case.plate_text or ""] = case.id
    return ids


def picks(env: WebEnv, *ids: int) -> list[str]:
    """The checkboxes as the list shows them: case:version."""
    return [f"{i}:{env.version(i)}" for i in ids]


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]


def moves(env: WebEnv, case_id: int, to: str) -> list[Transition]:
    with env.store.sessions() as s:
        return list(
            s.scalars(
                select(Transition).where(Transition.case_id == case_id, Transition.to_state == to)
            )
        )


def audited(env: WebEnv, action: str) -> list[AuditEntry]:
    with env.store.sessions() as s:
        return list(
            s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        )


def test_bulk_notices_freeze_each_case_and_say_why_the_others_were_not_done(
    web_env: WebEnv, tmp_path: Path
) -> None:
    ids = confirmed(web_env)
    lone, stale = ids[NO_OWNER], ids["71-C3 802.46"]
    good = [ids["59-D2 064.28"], ids["30H-246.81"]]
    with Session(web_env.store.engine) as s, s.begin():
        extra = add_case(s, "63A-999.99", "MT-01")
        extra.state, in_review = REVIEW, extra.id
    ticked = [*picks(web_env, lone, stale, *good, in_review), "99999:1"]
    before = {cid: int(web_env.version(cid)) for cid in [lone, stale, *good]}
    supervisor = web_env.client("supervisor")  # moves one case after the list was loaded
    with web_env.store.sessions.begin() as s:
        boss = s.get_one(User, USERS["supervisor"])
        actions.reverse(s, boss, stale, "xem lại biển số", seen=before[stale])
        actions.confirm(s, boss, stale, None, seen=before[stale] + 1)

    officer = web_env.client("officer")
    token = csrf_of(officer.get("/cases").text)
    answer = officer.post(
        "/cases/bulk/notice", data={"csrf": token, "sel": ticked, "back": "/cases?state=confirmed"}
    )
    assert answer.status_code == 200, answer.text[:2000]
    page = answer.text
    assert "Đã lập 2 thông báo" in page, page
    assert "4 vụ KHÔNG được thực hiện" in page
    refused = page.split('id="bulk-refused"', 1)[1]
    assert f"Vụ {lone}: biển số {NO_OWNER} không có trong sổ đăng ký phương tiện" in refused
    assert f"Vụ {stale} đã có người xử lý sau khi bạn mở trang" in refused, "stale not said"
    assert USERS["supervisor"] in refused, "who moved the stale case is not said"
    assert f"Vụ {in_review} đang ở trạng thái “Chờ duyệt”" in refused
    assert "Vụ 99999: không có vụ việc này." in refused
    assert 'href="/cases?state=confirmed"' in page, "the way back keeps the filter"

    with web_env.store.sessions() as s:
        for cid in good:
            case = s.get_one(Case, cid)
            assert case.state == NOTICE_ISSUED and case.version == before[cid] + 1, cid
            doc = s.scalars(select(IssuedDocument).where(IssuedDocument.case_id == cid)).one()
            assert doc.number == case.notice_number and doc.issued_by == USERS["officer"]
        for cid in (lone, stale):
            assert s.get_one(Case, cid).state == CONFIRMED, f"refused case {cid} moved"
        assert s.get_one(Case, lone).version == before[lone], "a refused case was versioned"
        docs = list(s.scalars(select(IssuedDocument).where(IssuedDocument.case_id.in_(good))))
    for cid in good:
        assert len(moves(web_env, cid, NOTICE_ISSUED)) == 1, f"case {cid}: one move, its own"
    notices = audited(web_env, "case.notice")
    assert sorted(int(a.target or 0) for a in notices) == sorted(good), "each case audited alone"
    assert all(a.detail and a.detail["case_version"] for a in notices)
    summary = audited(web_env, "bulk.notice")[-1].detail or {}
    assert summary["done"] == good and set(summary["refused"]) == {
        str(lone),
        str(stale),
        str(in_review),
        "99999",
    }

    docs.sort(key=lambda d: good.index(d.case_id))
    query = "&".join(f"doc={d.id}" for d in docs)
    assert f"/bulk/notices.pdf?{query}".replace("&", "&amp;") in page, "no print link"
    printed = officer.get(f"/bulk/notices.pdf?{query}")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler-utils) is not installed: pages not counted")
    (tmp_path / "all.pdf").write_bytes(printed.content)
    zipped = officer.get(f"/bulk/notices.zip?{query}")
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as z:
        names = z.namelist()
        assert names == [f"{d.number}.pdf" for d in docs] + ["SHA256SUMS"], names
        each = 0
        for d in docs:
            data = z.read(f"{d.number}.pdf")
            assert hashlib.sha256(data).hexdigest() == d.pdf_sha256, "not the issued bytes"
            (tmp_path / "one.pdf").write_bytes(data)
            each += pdf_pages(tmp_path / "one.pdf")
            assert f"{d.pdf_sha256}  {d.number}.pdf" in z.read("SHA256SUMS").decode()
    assert pdf_pages(tmp_path / "all.pdf") == each, "the print file is not every notice's pages"
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "all.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert all(d.number in text for d in docs), "a notice is missing from the print file"
    assert [(a.detail or {}).get("numbers") for a in audited(web_env, "bulk.print")] == [
        [d.number for d in docs]
    ]
    assert supervisor.get(f"/bulk/notices.zip?{query}").status_code == 200


def test_bulk_reject_with_one_reason_refuses_a_case_another_officer_holds(
    web_env: WebEnv,
) -> None:
    officer = web_env.client("officer")
    officer.get("/review")  # triage; the officer now holds the oldest case
    with web_env.store.sessions.begin() as s:
        add_user(s, "tuan.pham", "officer-pass-2", OFFICER, "test")
        ids = list(s.scalars(select(Case.id).order_by(Case.id)))
        held = ids[1]
        case_claims.claim(s, held, "tuan.pham")
        extra = add_case(s, "63A-999.99", "MT-01")
        extra.state, done = CONFIRMED, extra.id
    token = csrf_of(officer.get("/cases").text)
    ticked = picks(web_env, ids[0], held, ids[2], done)
    form = {"csrf": token, "sel": ticked, "back": "/cases"}
    for reason, text, said in (("", "", "Chưa chọn lý do loại bỏ"), ("other", " ", "cần ghi rõ")):
        refused = officer.post("/cases/bulk/reject", data=form | {"reason": reason, "text": text})
        assert refused.status_code == 303, "a missing reason goes back to the list"
        assert said in officer.get(refused.headers["location"]).text
    assert not audited(web_env, "case.reject"), "something was rejected without its reason"

    answer = officer.post("/cases/bulk/reject", data=form | {"reason": "evidence_unclear"})
    page = answer.text
    assert answer.status_code == 200 and "Đã loại bỏ 2 vụ" in page, page[:3000]
    assert f"Vụ {held} đang được tuan.pham duyệt" in page, "the claim is not said"
    assert f"Vụ {done} đang ở trạng thái “Đã xác nhận”" in page
    with web_env.store.sessions() as s:
        for cid in (ids[0], ids[2]):
            case = s.get_one(Case, cid)
            assert case.state == REJECTED and case.reject_reason == "evidence_unclear"
        assert s.get_one(Case, held).state == REVIEW, "another officer's case was rejected"
    assert sorted(int(a.target or 0) for a in audited(web_env, "case.reject")) == [ids[0], ids[2]]
    assert [len(moves(web_env, cid, REJECTED)) for cid in (ids[0], ids[2])] == [1, 1]
    assert audited(web_env, "bulk.reject")[-1].detail["reason"] == "evidence_unclear"  # type: ignore[index]


def test_bulk_moves_need_the_single_moves_permissions(web_env: WebEnv) -> None:
    operator = web_env.client("operator")
    token = csrf_of(operator.get("/cases").text)
    assert 'id="bulk-form"' not in operator.get("/cases").text, "an operator is offered bulk work"
    for action in ("notice", "reject"):
        got = operator.post(f"/cases/bulk/{action}", data={"csrf": token, "sel": ["1:1"]})
        assert got.status_code == 403, f"an operator's bulk {action}: {got.status_code}"
    officer = web_env.client("officer")
    token = csrf_of(officer.get("/cases").text)
    nothing = officer.post(
        "/cases/bulk/notice", data={"csrf": token, "back": "/cases?state=confirmed"}
    )
    assert nothing.headers["location"] == "/cases?state=confirmed"
    assert "Chưa chọn vụ nào" in officer.get("/cases").text
    bad = officer.post("/cases/bulk/notice", data={"csrf": token, "sel": ["1;DROP"]})
    assert "không hợp lệ" in officer.get(bad.headers["location"]).text


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_an_officer_issues_notices_in_bulk_in_a_browser(
    browser: Any, web_env: WebEnv, web_server: WebServer, size: str
) -> None:
    ids = confirmed(web_env)
    page = signed_in_page(browser, web_server, "officer", VIEWPORTS[size])
    page.goto(f"{web_server.url}/cases?state=confirmed&sort=id&dir=asc")
    assert page.locator("input.pick-case").count() == 4
    page.check("#select-all")
    assert "Đã chọn 4 vụ" in page.inner_text("#bulk-count")
    page.uncheck(f"input.pick-case[value^='{ids['30H-246.81']}:']")
    assert "Đã chọn 3 vụ" in page.inner_text("#bulk-count")
    assert page.evaluate("document.getElementById('select-all').indeterminate")
    no_sideways_scroll(page, f"cases list with the bulk bar ({size})")
    screenshot(page, f"bulk-selected-{size}")
    with page.expect_navigation():
        page.click("#bulk-notice")
    assert "Đã lập 2 thông báo" in page.inner_text("#bulk-done-head")
    assert page.locator("#bulk-done li").count() == 2
    refused = page.inner_text("#bulk-refused")
    assert f"Vụ {ids[NO_OWNER]}: biển số {NO_OWNER} không có trong sổ đăng ký" in refused
    no_sideways_scroll(page, f"bulk result ({size})")
    screenshot(page, f"bulk-result-{size}")
    href = page.get_attribute("#bulk-print", "href")
    printed = page.request.get(f"{web_server.url}{href}")
    assert printed.ok and printed.headers["content-type"] == "application/pdf"
    page.click("#bulk-back")
    assert page.url.endswith("/cases?state=confirmed&sort=id&dir=asc"), page.url
    with web_env.store.sessions() as s:
        states = {c.id: c.state for c in s.scalars(select(Case))}
    assert states[ids["30H-246.81"]] == CONFIRMED, "the unticked case got a notice"
    assert states[ids["59-D2 064.28"]] == states[ids["71-C3 802.46"]] == NOTICE_ISSUED
    page.context.close()


def test_an_officer_rejects_in_bulk_in_a_browser_and_sees_what_was_refused(
    browser: Any, web_env: WebEnv, web_server: WebServer
) -> None:
    page = signed_in_page(
        browser, web_server, "officer", VIEWPORTS["wide"]
    )  # triage, claims case 1
    with web_env.store.sessions.begin() as s:
        add_user(s, "tuan.pham", "officer-pass-2", OFFICER, "test")
        ids = list(s.scalars(select(Case.id).order_by(Case.id)))
        case_claims.claim(s, ids[3], "tuan.pham")
    page.goto(f"{web_server.url}/cases?state=review&sort=id&dir=asc")
    page.check("#select-all")
    page.click("#bulk-reject")  # no reason: the browser asks for it
    assert "/cases/bulk" not in page.url, "sent without a reason"
    page.select_option("#bulk-reason", "signal_fault")
    with page.expect_navigation():
        page.click("#bulk-reject")
    assert "Đã loại bỏ 3 vụ" in page.inner_text("#bulk-done-head")
    assert f"Vụ {ids[3]} đang được tuan.pham duyệt" in page.inner_text("#bulk-refused")
    screenshot(page, "bulk-reject-result-wide")
    page.context.close()
