"""The audit trail: every move through the page or the API is written with the signed-in user,
the case's Transition names the same user, a refused move writes nothing, and the operations
pages (quarantine download, report CSV) are recorded too. Real bundles, real SQLite."""

from __future__ import annotations

from sqlalchemy import select

from central.db import REVIEW, Case, Transition
from central.ingest import Ingestor
from central.users import AuditEntry
from tests.fixtures.browser import MISREAD, TRUE_PLATE, USERS, DemoBundles, WebEnv, csrf_of


def _trail(env: WebEnv) -> list[tuple[str, str, str | None]]:
    with env.store.sessions() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.user, e.action, e.target) for e in rows]


def test_every_move_is_audited_and_its_transition_names_the_user(web_env: WebEnv) -> None:
    officer = web_env.client("officer")
    page = officer.get("/review").text  # triage: the detected cases join the queue
    token = csrf_of(page)
    with web_env.store.sessions() as s:
        case = s.scalars(select(Case).where(Case.plate_text == MISREAD[0])).one()
    cid = str(case.id)
    steps = [
        (f"/cases/{cid}/confirm", {"plate": TRUE_PLATE}),
        (f"/cases/{cid}/notice", {}),
        (f"/cases/{cid}/fine", {"amount": "19.000.000", "signer": "Lê Văn Hòa, Trưởng phòng"}),
        (f"/cases/{cid}/pay", {"amount": "19000000", "reference": "KB-77"}),
    ]
    for path, form in steps:
        version = web_env.version(cid)
        response = officer.post(path, data={**form, "csrf": token, "version": version})
        assert response.status_code == 303, f"{path}: {response.status_code}"
        shown = officer.get(response.headers["location"]).text
        assert "flash ok" in shown, f"{path} was refused: {shown[:3000]}"
    name = USERS["officer"]
    actions = [(u, a, t) for u, a, t in _trail(web_env) if a.startswith("case.")]
    assert actions == [
        (name, "case.confirm", cid),
        (name, "case.notice", cid),
        (name, "case.fine", cid),
        (name, "case.pay", cid),
    ]
    with web_env.store.sessions() as s:
        moves = s.scalars(select(Transition).where(Transition.case_id == case.id)).all()
        confirm = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.confirm")).one()
    assert [(m.to_state, m.actor) for m in moves[-4:]] == [
        ("confirmed", name),
        ("notice_issued", name),
        ("fined", name),
        ("paid", name),
    ]
    assert confirm.detail == {
        "plate": TRUE_PLATE,
        "plate_from": MISREAD[0],
        "plate_reason": None,
        "version": 3,
    }


def test_api_moves_are_audited_like_the_pages(web_env: WebEnv) -> None:
    officer = web_env.client("officer")
    officer.get("/review")
    token = officer.get("/api/csrf").json()["csrf"]
    with web_env.store.sessions() as s:
        cid = s.scalars(select(Case.id).where(Case.state == REVIEW).order_by(Case.id)).first()
    body = {"reason": "evidence_unclear", "text": "ảnh mờ", "version": web_env.version(cid)}
    done = officer.post(f"/api/cases/{cid}/reject", json=body, headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.json()["state"] == "rejected"
    again = officer.post(f"/api/cases/{cid}/reject", json=body, headers={"X-CSRF-Token": token})
    assert again.status_code == 409 and "changed since you opened it" in again.json()["detail"]
    assert again.json()["stale"]["since"][-1]["actor"] == USERS["officer"], again.json()
    body["version"] = web_env.version(cid)
    final = officer.post(f"/api/cases/{cid}/reject", json=body, headers={"X-CSRF-Token": token})
    assert final.status_code == 409 and "cannot become rejected" in final.json()["detail"]
    detail = officer.get(f"/api/cases/{cid}").json()
    assert detail["transitions"][-1]["actor"] == USERS["officer"]
    assert {e["role"] for e in detail["evidence"]} >= {"frame_cross", "plate_crop"}
    rejects = [e for e in _trail(web_env) if e[1] == "case.reject"]
    assert rejects == [(USERS["officer"], "case.reject", str(cid))], "a refusal is not audited"


def test_a_refused_move_is_flashed_and_leaves_no_trace(web_env: WebEnv) -> None:
    officer = web_env.client("officer")
    token = csrf_of(officer.get("/review").text)
    cid = web_env.case_ids[0]  # a car in review: 19,000,000 VND is a legal amount, not yet
    form = {"amount": "19000000", "csrf": token, "version": web_env.version(cid), "signer": "X"}
    refused = officer.post(f"/cases/{cid}/fine", data=form)
    page = officer.get(refused.headers["location"]).text
    assert "không thể chuyển sang “Đã ra quyết định phạt”" in page, page[:3000]
    bad_amount = officer.post(f"/cases/{cid}/fine", data={"amount": "mười", "csrf": token})
    assert "Số tiền phải là số nguyên dương" in officer.get(bad_amount.headers["location"]).text
    assert not [e for e in _trail(web_env) if e[1].startswith("case.")]
    with web_env.store.sessions() as s:
        assert s.get(Case, cid).state == REVIEW


def test_sign_ins_quarantine_downloads_and_report_exports_are_recorded(
    web_env: WebEnv, demo_bundles: DemoBundles
) -> None:
    garbage = b"PK\x03\x04 not really a bundle"
    ingestor = Ingestor(web_env.store, demo_bundles.lookup())
    ingestor.ingest(garbage, "dendo/v1/MT-07/violation")
    ingestor.close()
    operator = web_env.client("operator")
    listing = operator.get("/quarantine").text
    assert "bad_zip" in listing or "not_zip" in listing or "MT-07" in listing
    with web_env.store.sessions() as s:
        from central.db import Quarantined

        qid = s.scalars(select(Quarantined.id)).one()
    download = operator.get(f"/quarantine/{qid}/download")
    assert download.status_code == 200 and download.content == garbage
    supervisor = web_env.client("supervisor")
    assert supervisor.get("/report.csv?week=2026-W48").text.startswith("\ufeff")
    audit_page = supervisor.get("/audit").text
    trail = _trail(web_env)
    assert (USERS["operator"], "login", USERS["operator"]) in trail
    assert (USERS["operator"], "quarantine.download", str(qid)) in trail
    assert (USERS["supervisor"], "report.csv", "2026-W48") in trail
    assert "quarantine.download" in audit_page, "the supervisor sees the trail"


def test_overdue_notices_are_escalated_from_the_notices_page(web_env: WebEnv) -> None:
    from datetime import UTC, datetime, timedelta

    from central import cases

    officer = web_env.client("officer")
    officer.get("/review")
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with web_env.store.sessions.begin() as s:
        case = s.scalars(select(Case).where(Case.plate_text == "71-C3 802.46")).one()
        cases.confirm(s, case.id, "someone", clock=lambda: long_ago)
        cases.issue_notice(s, case.id, "someone", clock=lambda: long_ago)
        cid = case.id
    page = officer.get("/notices").text
    assert "1 vụ đã quá hạn nộp phạt" in page and 'id="escalate-button"' in page
    done = officer.post("/notices/escalate", data={"csrf": csrf_of(page)})
    assert "Đã chuyển 1 vụ quá hạn." in officer.get(done.headers["location"]).text
    with web_env.store.sessions() as s:
        assert s.get(Case, cid).state == "escalated"
        last = s.scalars(select(Transition).where(Transition.case_id == cid)).all()[-1]
    assert last.actor == USERS["officer"]
    assert (USERS["officer"], "case.escalate_overdue", None) in _trail(web_env)
    assert web_env.client("operator").get("/notices").status_code == 403
