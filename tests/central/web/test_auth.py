"""Sign-in, roles, the session cookie and CSRF of the review page, in-process on a real SQLite
store (central.users, central.web.auth)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from central.users import (
    OFFICER,
    OPERATOR,
    PERMISSIONS,
    SUPERVISOR,
    AuditEntry,
    User,
    UserError,
    WebSession,
    add_user,
    authenticate,
)
from central.web import WebSettings, create_app
from central.web.auth import safe_next
from tests.fixtures.browser import PASSWORDS, USERS, WebEnv, csrf_of, login
from tests.paths import REPO


def test_passwords_are_stored_as_argon2id_and_only_the_right_one_signs_in(
    web_env_empty: WebEnv,
) -> None:
    with web_env_empty.store.sessions.begin() as s:
        user = s.get(User, USERS["officer"])
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert PASSWORDS["officer"] not in user.password_hash
        assert authenticate(s, USERS["officer"], PASSWORDS["officer"]) is user
        assert authenticate(s, USERS["officer"], "wrong-password") is None
        assert authenticate(s, "nobody", PASSWORDS["officer"]) is None
        with pytest.raises(UserError, match="at least 10"):
            add_user(s, "short.pw", "123", OFFICER, "test")
        with pytest.raises(UserError, match="role"):
            add_user(s, "bad.role", "long-enough-pw", "admin", "test")
        with pytest.raises(UserError, match="already exists"):
            add_user(s, USERS["officer"], "long-enough-pw", OFFICER, "test")


def test_each_role_holds_exactly_its_permissions() -> None:
    operator, officer, supervisor = (PERMISSIONS[r] for r in (OPERATOR, OFFICER, SUPERVISOR))
    assert {"cameras.view", "quarantine.view"} <= operator
    assert not operator & {"cases.review", "cases.notice", "cases.fine", "cases.pay"}
    assert {"cases.review", "cases.notice", "cases.fine", "cases.pay", "cases.escalate"} <= officer
    assert "cases.appeal" in officer, "an officer records an appeal"
    undo = {"cases.reverse", "cases.appeal_decide"}
    assert not officer & ({"quarantine.view", "report.view", "users.manage"} | undo)
    extra = {"report.view", "users.manage", "audit.view"} | undo
    assert operator | officer | extra == supervisor, "only a supervisor reverses and decides"
    inactive = User(username="x", password_hash="h", role=SUPERVISOR, active=False)
    assert not inactive.can("cases.view"), "a deactivated user can do nothing"


def test_session_cookie_is_httponly_samesite_lax_and_secure_behind_tls(
    web_env_empty: WebEnv,
) -> None:
    response = login(web_env_empty.client(), USERS["officer"], PASSWORDS["officer"])
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("dendo_session=") and "httponly" in cookie
    assert "samesite=lax" in cookie and "secure" not in cookie
    tls_app = create_app(web_env_empty.store, WebSettings("s" * 48, https_only=True))
    from fastapi.testclient import TestClient

    client = TestClient(tls_app, base_url="https://testserver", follow_redirects=False)
    tls_cookie = login(client, USERS["officer"], PASSWORDS["officer"]).headers["set-cookie"]
    assert "secure" in tls_cookie.lower()


def test_a_form_post_without_or_with_a_wrong_csrf_token_is_refused(web_env_empty: WebEnv) -> None:
    client = web_env_empty.client("supervisor")
    form = {"username": "new.officer", "role": OFFICER, "password": "a-long-password"}
    missing = client.post("/users", data=form)
    assert missing.status_code == 403 and "CSRF" in missing.text
    wrong = client.post("/users", data={**form, "csrf": "x" * 43})
    assert wrong.status_code == 403
    with web_env_empty.store.sessions() as s:
        assert s.get(User, "new.officer") is None, "a refused POST changed nothing"
    token = csrf_of(client.get("/users").text)
    assert client.post("/users", data={**form, "csrf": token}).status_code == 303
    with web_env_empty.store.sessions() as s:
        assert s.get(User, "new.officer") is not None


def test_an_api_post_needs_the_csrf_header(web_env_empty: WebEnv) -> None:
    client = web_env_empty.client()
    body = {"username": USERS["officer"], "password": PASSWORDS["officer"]}
    refused = client.post("/api/login", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = client.get("/api/csrf").json()["csrf"]
    signed = client.post("/api/login", json=body, headers={"X-CSRF-Token": token})
    assert signed.status_code == 200 and signed.json()["role"] == OFFICER
    fresh = signed.json()["csrf"]
    assert fresh != token, "signing in starts a new session with a new token"
    assert client.get("/api/cases").status_code == 200
    assert client.post("/api/cases/1/confirm", json={}).status_code == 403


def test_roles_are_enforced_on_pages_and_api(web_env_empty: WebEnv) -> None:
    operator = web_env_empty.client("operator")
    assert operator.get("/cameras").status_code == 200
    assert operator.get("/quarantine").status_code == 200
    assert operator.get("/report").status_code == 403
    token = csrf_of(operator.get("/cameras").text)
    refused = operator.post("/cases/1/confirm", data={"csrf": token})
    assert refused.status_code == 403 and "không có quyền" in refused.text
    officer = web_env_empty.client("officer")
    assert officer.get("/quarantine").status_code == 403
    assert officer.get("/users").status_code == 403
    anonymous = web_env_empty.client()
    assert anonymous.get("/review").headers["location"] == "/login?next=%2Freview"
    assert anonymous.get("/api/cases").status_code == 401


def test_next_never_redirects_off_the_site() -> None:
    assert safe_next("/cases/7?x=1", "/review") == "/cases/7?x=1"
    for bad in ("https://evil.example/", "//evil.example", "/\\evil", "javascript:x", ""):
        assert safe_next(bad, "/review") == "/review", bad


def test_a_deactivated_user_is_signed_out_at_once(web_env_empty: WebEnv) -> None:
    officer = web_env_empty.client("officer")
    assert officer.get("/review").status_code == 200
    supervisor = web_env_empty.client("supervisor")
    token = csrf_of(supervisor.get("/users").text)
    done = supervisor.post(f"/users/{USERS['officer']}/active", data={"csrf": token, "active": "0"})
    assert done.status_code == 303
    assert officer.get("/review").status_code == 303, "the old session no longer works"


def test_users_add_reads_the_password_from_stdin(tmp_path: Path, web_env_empty: WebEnv) -> None:
    config = tmp_path / "central.yaml"
    config.write_text(
        f"database_url: {web_env_empty.url}\nevidence_dir: {tmp_path / 'evidence'}\n",
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "central.cli", "users", "add", "thu.pham", "--role", "officer"]
    run = subprocess.run(
        [*cmd, "--password-stdin", "--config", str(config), "--as", "it.admin"],
        input="a-password-from-stdin\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    with web_env_empty.store.sessions() as s:
        user = s.get(User, "thu.pham")
        assert user is not None and user.role == OFFICER and user.created_by == "it.admin"
        assert authenticate(s, "thu.pham", "a-password-from-stdin") is not None
    listed = subprocess.run(
        [sys.executable, "-m", "central.cli", "users", "list", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert "thu.pham" in listed.stdout and "officer" in listed.stdout


def test_ending_a_users_sessions_signs_them_out_on_every_device(web_env_empty: WebEnv) -> None:
    """A lost phone: the supervisor ends the officer's sessions; both of the officer's signed
    in browsers are sent to sign in again, a fresh sign-in works, and the trail says who."""
    phone, desk = web_env_empty.client("officer"), web_env_empty.client("officer")
    assert phone.get("/review").status_code == 200 and desk.get("/review").status_code == 200
    supervisor = web_env_empty.client("supervisor")
    token = csrf_of(supervisor.get("/users").text)
    done = supervisor.post(f"/users/{USERS['officer']}/sessions", data={"csrf": token})
    assert done.status_code == 303
    for browser in (phone, desk):
        moved = browser.get("/review")
        assert moved.status_code == 303 and moved.headers["location"].startswith("/login"), (
            "a session signed before the sessions were ended still works"
        )
    assert web_env_empty.client("officer").get("/review").status_code == 200
    assert supervisor.get("/users").status_code == 200, "the supervisor's own session ended"
    with web_env_empty.store.sessions() as s:
        trail = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.end_sessions"))
        assert [(e.user, e.target) for e in trail] == [(USERS["supervisor"], USERS["officer"])]


def test_users_sign_out_command_ends_sessions_and_names_an_unknown_user(
    tmp_path: Path, web_env_empty: WebEnv
) -> None:
    config = tmp_path / "central.yaml"
    config.write_text(
        f"database_url: {web_env_empty.url}\nevidence_dir: {tmp_path / 'evidence'}\n",
        encoding="utf-8",
    )
    officer = web_env_empty.client("officer")
    assert officer.get("/review").status_code == 200

    def sign_out(name: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "central.cli", "users", "sign-out", name, "--as", "it.admin"]
        return subprocess.run(
            [*cmd, "--config", str(config)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )

    run = sign_out(USERS["officer"])
    assert run.returncode == 0 and "has ended" in run.stdout, run.stderr
    assert officer.get("/review").status_code == 303, "the officer is still signed in"
    with web_env_empty.store.sessions() as s:
        records = s.scalars(select(WebSession).where(WebSession.username == USERS["officer"]))
        assert {(r.ended_at is not None, r.end_reason) for r in records} == {(True, "ended")}
    unknown = sign_out("no.body")
    assert unknown.returncode == 1 and "no user no.body" in unknown.stderr
