"""Every page the app declares, opened in Vietnamese on a store with cases in every state
(tests.fixtures.every_state), frozen notices and decisions, quarantined messages, camera
health and an audit trail, says nothing in English: pages, the notices and decisions (HTML and
PDF), the weekly report page, its CSV and its print view, and the evidence-derived text (why
the camera flagged the crossing, where the signal state came from, the actors, reason codes,
audit codes and the notes on each move). English is found by tests.fixtures.english_words;
numbers must be written the Vietnamese way (14,3 %; 10.000.000 đồng)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from central.db import IssuedDocument, Transition
from central.users import AuditEntry
from central.web.charts import funnel
from central.web.codes import actor, document_reason, facts, reject_reason
from central.web.explain import decision_text, location_text, note_text
from central.web.i18n import number, t
from tests.fixtures.browser import PASSWORDS, USERS, WebEnv, login
from tests.fixtures.english_words import english_in_html, english_in_text
from tests.fixtures.every_state import Made
from tests.fixtures.page_routes import declared_page_routes, urls_for

ROUTES = declared_page_routes()


@pytest.fixture(scope="module")
def supervisor(every_state: tuple[WebEnv, Made]) -> Any:
    """Signed in as the supervisor (every page); a server error answers 500, as in a browser."""
    from fastapi.testclient import TestClient

    client = TestClient(every_state[0].app, follow_redirects=False, raise_server_exceptions=False)
    login(client, USERS["supervisor"], PASSWORDS["supervisor"])
    return client


def pdf_text(data: bytes, tmp: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: PDF text not read")
    path = tmp / "page.pdf"
    path.write_bytes(data)
    run = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.decode("utf-8")


ENGLISH_NUMBERS = (
    (re.compile(r"\b\d+\.\d+ ?%"), "a percentage with a decimal point"),
    (re.compile(r"\b\d{1,3}(?:,\d{3})+ (?:VND|đồng)"), "an amount grouped with commas"),
)


def what_it_says(response: Any, tmp: Path) -> tuple[str, list[str]]:
    """(kind, English words) of one response: HTML, CSV and PDF are read; pictures, clips
    and quarantined originals are not text."""
    kind = response.headers.get("content-type", "").split(";")[0]
    if kind == "text/html":
        assert 'lang="vi"' in response.text[:400], "an HTML page not marked as Vietnamese"
        return kind, english_in_html(response.text)
    if kind in ("text/csv", "text/plain"):
        return kind, english_in_text(response.text)
    if kind == "application/pdf":
        return kind, english_in_text(pdf_text(response.content, tmp))
    return kind, []


def numbers_written_in_english(text: str) -> list[str]:
    return [f"{why}: {m.group(0)}" for rx, why in ENGLISH_NUMBERS for m in rx.finditer(text)]


def test_the_app_declares_the_pages_this_test_opens() -> None:
    assert len(ROUTES) >= 15, f"only {len(ROUTES)} page routes found: {ROUTES}"
    for path in ("/review", "/cases/{case_id}", "/report", "/report.csv", "/report/print"):
        assert path in ROUTES, f"{path} is not among the app's page routes {ROUTES}"


@pytest.mark.parametrize("route", ROUTES)
def test_every_page_speaks_vietnamese(
    route: str, every_state: tuple[WebEnv, Made], supervisor: Any, tmp_path: Path
) -> None:
    _env, made = every_state
    seen: dict[str, list[str]] = {}
    for url in urls_for(route, made):
        response = supervisor.get(url, follow_redirects=True)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        kind, words = what_it_says(response, tmp_path)
        if kind in ("text/html", "text/csv"):
            odd = numbers_written_in_english(response.text)
            assert not odd, f"{url}: numbers written the English way: {odd[:5]}"
        if words:
            seen[url] = words
    assert not seen, f"English on Vietnamese pages of {route}: {seen}"


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        (None, "/login", 200),
        (None, "/login?next=/report", 200),
        ("operator", "/users", 403),
        ("supervisor", "/cases/999999", 404),
        ("supervisor", "/no-such-page", 404),
        ("officer", "/review", 200),
        ("operator", "/cameras", 200),
    ],
)
def test_sign_in_refusals_and_other_roles_pages_speak_vietnamese(
    role: str | None, url: str, status: int, every_state: tuple[WebEnv, Made]
) -> None:
    response = every_state[0].client(role).get(url)
    assert response.status_code == status, f"{url} as {role}: {response.status_code}"
    assert english_in_html(response.text) == [], f"{url} as {role}: English on the page"


def test_every_recorded_note_actor_and_audit_line_reads_in_vietnamese(
    every_state: tuple[WebEnv, Made],
) -> None:
    env, _made = every_state
    with env.store.sessions() as s:
        moves = list(s.scalars(select(Transition)))
        lines = list(s.scalars(select(AuditEntry)))
        documents = list(s.scalars(select(IssuedDocument)))
    assert len(moves) > 40 and len(lines) > 30, "the store has fewer moves than it should"
    said = {f"move {m.id} note": facts(m.note, "vi") for m in moves if m.note}
    said |= {f"move {m.id} actor": actor(m.actor, "vi") for m in moves}
    said |= {f"audit {a.id}": f"{actor(a.user, 'vi')} {facts(a.detail, 'vi')}" for a in lines}
    said |= {f"document {d.id}": document_reason(d.status_reason, "vi") for d in documents}
    english = {where: english_in_text(text) for where, text in said.items()}
    assert not {w: e for w, e in english.items() if e}, english
    assert actor("ingest", "vi") == "hệ thống (tiếp nhận bằng chứng)"
    assert actor("lan.nguyen", "vi") == "lan.nguyen", "a person's user name is not translated"


@pytest.mark.parametrize(
    ("decision", "manifest", "expected"),
    [
        (
            {"reason": "crossed on red, 1.93 s into red, and continued",
             "signal_at_cross": {"state": "red", "began_before_stream": False}},
            {"seconds_into_red": 1.934},
            "Vượt vạch dừng khi đèn đỏ đã bật 1,93 giây, và đi tiếp",
        ),
        (
            {"reason": "crossed on red, 1.93 s into red, and continued",
             "signal_at_cross": {"state": "red", "began_before_stream": True},
             "moved_past_line_px": 319.7, "frames_past_line": 9, "needed_past_line_px": 80.8},
            {"seconds_into_red": 1.934},
            "Vượt vạch dừng khi đèn đỏ đã bật ít nhất 1,93 giây (đèn đã đỏ từ lúc bắt đầu ghi"
            " hình), và đi tiếp; sau vạch đi thêm 320 điểm ảnh trong 9 khung hình (cần ít nhất"
            " 81)",
        ),
        (
            {"reason": "crossed on red, 2.50 s into red, and continued; the lamp was unseen for"
             " 0.83 s between two reds, less than the shortest amber (3 s): red throughout",
             "signal_at_cross": {"state": "red", "unseen_s": 0.833}, "least_amber_s": 3.0},
            {"seconds_into_red": 2.5},
            "Vượt vạch dừng khi đèn đỏ đã bật 2,50 giây, và đi tiếp; đèn không nhìn rõ trong"
            " 0,83 giây giữa hai lần thấy đèn đỏ, ngắn hơn thời gian đèn vàng tối thiểu (3"
            " giây), nên đèn đỏ suốt thời gian đó",
        ),
        (
            {"reason": "crossed on amber, and continued", "signal_at_cross": {"state": "amber"}},
            {},
            "Vượt vạch dừng khi đèn vàng (tính là vi phạm theo cấu hình của camera), và đi tiếp",
        ),
        (
            {"reason": "crossing not seen: 1.33 s between the detections before and past the"
             " line (at most 1 s)", "crossing_gap_s": 1.333},
            {},
            "Không thấy lúc vượt vạch: 1,33 giây giữa hai lần phát hiện trước và sau vạch",
        ),
        ({"reason": "signal was green at the crossing",
          "signal_at_cross": {"state": "green"}}, {}, "Đèn xanh lúc vượt vạch"),
        ({}, {"seconds_into_red": 2.0, "signal": {"state": "red"}},
         "Vượt vạch dừng khi đèn đỏ đã bật 2,00 giây, và đi tiếp"),
    ],
)  # fmt: skip
def test_why_a_crossing_was_flagged_is_said_from_the_manifest_facts(
    decision: dict[str, Any], manifest: dict[str, Any], expected: str
) -> None:
    m = {"decision": decision, **manifest}
    assert decision_text(m, "vi") == expected
    if decision.get("reason"):
        assert decision_text(m, "en") == decision["reason"], "English keeps the signed words"


def test_chain_and_clock_notes_are_said_again_with_their_values() -> None:
    vid = "01a23a79-8d51-76af-891a-cc1473ca7749"
    gap = "sequence 7 follows 4: 2 bundle(s) missing"
    notes = {
        "no earlier bundle of MT-07 is known (this is sequence 5)": (
            "chưa có gói nào trước đó của camera MT-07 (đây là gói số 5)"
        ),
        gap: "gói số 7 đến sau gói số 4: thiếu 2 gói",
        f"{gap}; closed by {vid} arriving later": (
            f"gói số 7 đến sau gói số 4: thiếu 2 gói; đã liền lại khi gói {vid} đến sau"
        ),
        "crossed_at 2026-12-03T09:01:35.438Z is 24.8 min ahead of the centre's clock"
        " (2026-12-03T08:36:45.517Z): the edge box clock may be fast": (
            "thời điểm vượt vạch (03/12/2026 16:01:35) sớm hơn đồng hồ của trung tâm"
            " (03/12/2026 15:36:45) 24,8 phút: đồng hồ của thiết bị có thể chạy nhanh"
        ),
    }
    for english, vietnamese in notes.items():
        assert note_text(english, "vi") == vietnamese
        assert note_text(english, "en") == english
    assert note_text("something new", "vi") == "something new", "an unknown note is kept"


def test_codes_and_numbers_are_written_the_vietnamese_way() -> None:
    assert reject_reason("plate_unreadable", "vi") == "Không đọc được biển số"
    assert reject_reason("other: xe cứu thương", "vi") == "Lý do khác: xe cứu thương"
    assert t("case.rejected_reason", "vi", reason="plate_unreadable") == (
        "Lý do loại bỏ: Không đọc được biển số"
    )
    assert t("case.by", "vi", actor="ingest") == "bởi hệ thống (tiếp nhận bằng chứng)"
    assert t("case.by", "en", actor="system") == "by the system (automatic)"
    amount = number(10_000_000, lang="vi")
    assert t("done.fined", "vi", id=5, amount=amount) == (
        "Đã ghi nhận mức phạt 10.000.000 đồng cho vụ 5."
    )
    assert location_text({"lat": 10.36, "lon": 106.356}, "vi") == "10,3600° B, 106,3560° Đ"
    chart = funnel([("Phát hiện", 7, "7"), ("Thông báo", 1, "1")],
                   percent=lambda p: number(p, 1, lang="vi") + " %")  # fmt: skip
    assert "14,3 %" in chart and "14.3" not in chart
