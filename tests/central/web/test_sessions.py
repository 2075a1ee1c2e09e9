"""Server-side sessions (central.web.sessions): a cookie copied before sign-out is refused after
it, on the pages and on the API; ending every session of a user, deactivation and the end of
the shift (session_hours) refuse it too. In-process on real SQLite and PostgreSQL, and in
Debian's chromium against `dendo-central web`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from central.db import utcnow
from central.users import WebSession
from tests.fixtures.browser import PASSWORDS, USERS, WebEnv, WebServer, csrf_of


def replay(env: WebEnv, cookie: str) -> TestClient:
    """A stranger's client carrying a copied session cookie."""
    return TestClient(env.app, follow_redirects=False, cookies={"dendo_session": cookie})


def refused(env: WebEnv, cookie: str) -> None:
    """The copied cookie gets the sign-in page on a page and 401 on the API."""
    page = replay(env, cookie).get("/review")
    assert page.status_code == 303 and page.headers["location"].startswith("/login"), (
        f"a page answered {page.status_code} to the copied cookie"
    )
    api = replay(env, cookie).get("/api/cases")
    assert api.status_code == 401, f"the API answered {api.status_code} to the copied cookie"


def records(env: WebEnv, username: str) -> list[WebSession]:
    with env.store.sessions() as s:
        query = select(WebSession).where(WebSession.username == username)
        return list(s.scalars(query.order_by(WebSession.created_at)))


def test_a_cookie_copied_before_sign_out_is_refused_after_it(web_env_db: WebEnv) -> None:
    officer = web_env_db.client("officer")
    page = officer.get("/review")
    assert page.status_code == 200
    copied = officer.cookies["dendo_session"]
    assert replay(web_env_db, copied).get("/review").status_code == 200, "the copy works before"
    assert replay(web_env_db, copied).get("/api/cases").status_code == 200
    assert officer.post("/logout", data={"csrf": csrf_of(page.text)}).status_code == 303
    refused(web_env_db, copied)
    [record] = records(web_env_db, USERS["officer"])
    assert record.end_reason == "logout" and record.ended_at is not None
    assert record.client == "testclient" and record.last_seen_at >= record.created_at
    assert len(record.id) == 64 and record.id not in copied, "the table keeps only a hash"


def test_an_api_sign_out_ends_the_session_for_the_pages_too(web_env_db: WebEnv) -> None:
    script = web_env_db.client()
    token = script.get("/api/csrf").json()["csrf"]
    body = {"username": USERS["supervisor"], "password": PASSWORDS["supervisor"]}
    signed = script.post("/api/login", json=body, headers={"X-CSRF-Token": token})
    assert signed.status_code == 200
    copied = script.cookies["dendo_session"]
    assert replay(web_env_db, copied).get("/users").status_code == 200
    out = script.post("/api/logout", headers={"X-CSRF-Token": signed.json()["csrf"]})
    assert out.status_code == 204
    refused(web_env_db, copied)
    assert replay(web_env_db, copied).get("/users").status_code == 303


def test_ending_every_session_and_deactivating_end_the_records(web_env_db: WebEnv) -> None:
    phone, desk = web_env_db.client("officer"), web_env_db.client("officer")
    copies = [c.cookies["dendo_session"] for c in (phone, desk)]
    supervisor = web_env_db.client("supervisor")
    token = csrf_of(supervisor.get("/users").text)
    name = USERS["officer"]
    assert supervisor.post(f"/users/{name}/sessions", data={"csrf": token}).status_code == 303
    for copied in copies:
        refused(web_env_db, copied)
    assert {r.end_reason for r in records(web_env_db, name)} == {"ended"}

    again = web_env_db.client("officer")
    copied = again.cookies["dendo_session"]
    for active in ("0", "1"):  # off and on again: the old session stays dead
        done = supervisor.post(f"/users/{name}/active", data={"csrf": token, "active": active})
        assert done.status_code == 303
    refused(web_env_db, copied)
    assert records(web_env_db, name)[-1].end_reason == "deactivated"
    assert web_env_db.client("officer").get("/review").status_code == 200


def test_a_session_older_than_the_shift_is_refused(web_env_db: WebEnv) -> None:
    """session_hours counts from sign-in, however busy the session (Starlette renews the
    cookie's own age on every response, so only the server can end it)."""
    officer = web_env_db.client("officer")
    copied = officer.cookies["dendo_session"]
    hours = web_env_db.app.state.session_max_age
    assert hours == timedelta(hours=12)
    with web_env_db.store.sessions.begin() as s:
        earlier = utcnow() - hours + timedelta(minutes=1)
        s.execute(update(WebSession).values(created_at=earlier))
    assert officer.get("/review").status_code == 200, "a minute of the shift is left"
    with web_env_db.store.sessions.begin() as s:
        s.execute(update(WebSession).values(created_at=utcnow() - hours))
    refused(web_env_db, copied)
    moved = officer.get("/review")
    assert moved.status_code == 303 and moved.headers["location"] == "/login?next=%2Freview"
    assert [r.end_reason for r in records(web_env_db, USERS["officer"])] == ["expired"]


def test_signing_in_again_replaces_the_session_the_cookie_held(web_env_db: WebEnv) -> None:
    client = web_env_db.client("operator")
    first = client.cookies["dendo_session"]
    token = csrf_of(client.get("/cameras").text)
    form = {"username": USERS["officer"], "password": PASSWORDS["officer"], "csrf": token}
    assert client.post("/login", data=form).status_code == 303
    refused(web_env_db, first)
    assert [r.end_reason for r in records(web_env_db, USERS["operator"])] == ["replaced"]


def test_sign_out_in_the_browser_kills_a_copied_cookie(
    browser: Any, web_server: WebServer, web_env: WebEnv
) -> None:
    """Real chromium, real uvicorn: the officer signs out with the button; a second browser
    given the cookies copied before is sent to the sign-in page and the API answers 401."""
    officer = browser.new_context()
    page = officer.new_page()
    page.goto(f"{web_server.url}/login")
    page.fill("input[name=username]", USERS["officer"])
    page.fill("input[name=password]", PASSWORDS["officer"])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/review")
    copied = officer.cookies()
    thief = browser.new_context()
    thief.add_cookies(copied)
    stolen = thief.new_page()
    stolen.goto(f"{web_server.url}/review")
    assert stolen.url.endswith("/review"), "the copied cookie works before sign-out"
    page.click("button:has-text('Đăng xuất')")
    page.wait_for_load_state()
    assert "/login" in page.url
    thief.clear_cookies()
    thief.add_cookies(copied)
    stolen.goto(f"{web_server.url}/review")
    assert "/login" in stolen.url, f"the copied cookie still opens {stolen.url}"
    thief.clear_cookies()
    thief.add_cookies(copied)
    assert thief.request.get(f"{web_server.url}/api/cases").status == 401
    officer.close()
    thief.close()
