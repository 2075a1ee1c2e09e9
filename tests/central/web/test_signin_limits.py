"""Sign-in limits (central.web.signin): growing delays per address and per name instead of a
lock; tries during a delay are refused unverified, with the wait in Vietnamese and English;
one address failing never delays another; and the count holds under concurrent tries on real
PostgreSQL (and SQLite): twelve at once are counted one by one, and the right password sent
among them after the limit is refused while the delay holds."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from central.users import OFFICER, AuditEntry, LoginThrottle, WebSession, add_user
from central.web.signin import SignInRules, address_of
from tests.fixtures.browser import PASSWORDS, USERS, WebEnv, csrf_of, make_web_env

NAME, RIGHT = USERS["officer"], PASSWORDS["officer"]


class Browser:
    """One client at one address, with its CSRF token fetched ahead of the try."""

    def __init__(self, env: WebEnv, address: str, api: bool = False) -> None:
        self.client = TestClient(env.app, follow_redirects=False, client=(address, 40000))
        self.api = api
        if api:
            self.token = self.client.get("/api/csrf").json()["csrf"]
        else:
            self.token = csrf_of(self.client.get("/login").text)

    def sign_in(self, username: str, password: str) -> Any:
        if self.api:
            body = {"username": username, "password": password}
            return self.client.post("/api/login", json=body, headers={"X-CSRF-Token": self.token})
        form = {"username": username, "password": password, "csrf": self.token}
        response = self.client.post("/login", data=form)
        if response.status_code != 303:  # the page made a new token? keep the session's
            self.token = csrf_of(response.text)
        return response


def counts(env: WebEnv) -> dict[str, int]:
    with env.store.sessions() as s:
        return {row.key: row.failures for row in s.scalars(select(LoginThrottle))}


def audited(env: WebEnv, action: str, target: str) -> int:
    with env.store.sessions() as s:
        query = select(func.count()).where(AuditEntry.action == action, AuditEntry.target == target)
        return int(s.scalar(query) or 0)


def test_the_delays_follow_the_documented_rule() -> None:
    rules = SignInRules()
    by_address = [rules.delay(n, rules.address_cap) for n in range(16)]
    assert by_address == [0.0] * 5 + [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert [rules.delay(n, rules.name_cap) for n in range(4, 12)] == [0, 1, 2, 4, 8, 16, 30, 30]
    assert rules.delay(10**6, rules.address_cap) == 300, "no overflow, however many failures"
    same_64 = address_of("2001:db8:1:2:3:4:5:6"), address_of("2001:db8:1:2::9")
    assert same_64 == ("2001:db8:1:2::/64",) * 2, "IPv6 counts per /64"
    assert address_of("::ffff:10.1.2.3") == "10.1.2.3" and address_of("10.1.2.3") == "10.1.2.3"


def test_failing_addresses_wait_longer_each_time_and_are_told_how_long(
    web_env_db: WebEnv,
) -> None:
    """The shipped rules, in real time: 5 free failures, then 1 s, then 2 s; during a delay
    the right password is refused like a wrong one and nothing is counted or audited."""
    desk = Browser(web_env_db, "10.1.0.7")
    for _ in range(5):
        assert desk.sign_in(NAME, "guess-wrong").status_code == 401
    held = desk.sign_in(NAME, RIGHT)
    assert held.status_code == 429 and held.headers["retry-after"] == "1"
    assert "Đăng nhập sai nhiều lần" in held.text and "hãy đợi 1 giây rồi thử lại" in held.text
    assert desk.sign_in(NAME, "guess-wrong").status_code == 429, "same answer: no oracle"
    assert counts(web_env_db)["a:10.1.0.7"] == 5, "refused tries are not counted"
    time.sleep(1.1)
    assert desk.sign_in(NAME, "guess-wrong").status_code == 401
    desk.client.get("/lang/en")
    held = desk.sign_in(NAME, RIGHT)
    assert held.status_code == 429 and held.headers["retry-after"] == "2"
    assert "Too many failed sign-ins" in held.text and "wait 2 s and try again" in held.text
    script = Browser(web_env_db, "10.1.0.7", api=True)
    refused = script.sign_in(NAME, RIGHT)
    assert refused.status_code == 429 and refused.json()["retry_after"] in (1, 2)
    assert "đợi" in refused.json()["detail_vi"] and "wait" in refused.json()["detail"]
    time.sleep(2.1)
    assert desk.sign_in(NAME, RIGHT).status_code == 303, "after the wait the officer gets in"
    assert audited(web_env_db, "login.failed", NAME) == 6, "only verified failures are audited"
    assert counts(web_env_db)["a:10.1.0.7"] == 6, "the right password took its count back"


def test_one_address_failing_does_not_delay_another_signing_in_as_the_same_user(
    web_env_db: WebEnv,
) -> None:
    stranger = Browser(web_env_db, "203.0.113.9")
    for _ in range(5):
        assert stranger.sign_in(NAME, "guess-wrong").status_code == 401
    assert stranger.sign_in(NAME, RIGHT).status_code == 429, "the stranger's address waits"
    officer = Browser(web_env_db, "10.1.0.8")
    assert officer.sign_in(NAME, RIGHT).status_code == 303, "the officer's desk does not"
    assert Browser(web_env_db, "10.1.0.9", api=True).sign_in(NAME, RIGHT).status_code == 200


def test_a_stranger_at_many_addresses_cannot_keep_an_officer_out(web_env_db: WebEnv) -> None:
    """Twelve addresses fail once each at the officer's name: its delay is at its cap (30 s).
    An officer at a clean desk gets in at once; one who mistyped waits 30 s at most."""
    for i in range(12):
        assert Browser(web_env_db, f"198.51.100.{i}").sign_in(NAME, "x" * 12).status_code == 401
    assert counts(web_env_db)[f"n:{NAME}"] == 12
    assert Browser(web_env_db, "10.1.0.10").sign_in(NAME, RIGHT).status_code == 303
    typo = Browser(web_env_db, "10.1.0.11", api=True)
    assert typo.sign_in(NAME, "officer-pass-l").status_code == 401
    held = typo.sign_in(NAME, RIGHT)
    assert held.status_code == 429 and 1 <= held.json()["retry_after"] <= 30


def _at_once(browsers: list[Browser], passwords: list[str], username: str) -> list[int]:
    """Every browser tries at the same moment (a barrier), each in its own thread; statuses."""
    barrier = threading.Barrier(len(browsers))
    statuses: list[int] = [0] * len(browsers)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(30)
            statuses[i] = browsers[i].sign_in(username, passwords[i]).status_code
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return statuses


def test_twelve_concurrent_tries_are_counted_one_by_one(tmp_path: Path, store_url: str) -> None:
    """Three rounds, each with a fresh user and address. Twelve wrong tries at once: exactly
    the five free ones are verified, seven are told to wait. Then twelve at once with the
    right password as the eleventh: all twelve wait, and no session is made (a long first
    delay, 60 s, so the delay outlasts the round however slow the machine)."""
    env = make_web_env(tmp_path, None, url=store_url, sign_in=SignInRules(first_delay=60.0))
    try:
        for round_no in range(3):
            name, password = f"round.{round_no}", f"right-password-{round_no}"
            with env.store.sessions.begin() as s:
                add_user(s, name, password, OFFICER, "test")
            address = f"10.20.{round_no}.1"
            browsers = [Browser(env, address, api=i % 2 == 1) for i in range(12)]
            statuses = _at_once(browsers, ["wrong-password"] * 12, name)
            assert sorted(statuses) == [401] * 5 + [429] * 7, statuses
            assert counts(env)[f"a:{address}"] == 5 and counts(env)[f"n:{name}"] == 5
            passwords = ["wrong-password"] * 12
            passwords[10] = password
            browsers = [Browser(env, address, api=i % 2 == 1) for i in range(12)]
            statuses = _at_once(browsers, passwords, name)
            assert statuses == [429] * 12, f"round {round_no}: {statuses}"
            assert counts(env)[f"a:{address}"] == 5, "refused tries changed the count"
            assert audited(env, "login", name) == 0 and audited(env, "login.failed", name) == 5
            with env.store.sessions() as s:
                made = s.scalar(select(func.count()).where(WebSession.username == name))
                assert made == 0, f"round {round_no}: a session was made during the delay"
    finally:
        env.close()
