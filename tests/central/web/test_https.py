"""HTTPS and the API document: HSTS and the Secure cookie over HTTPS and neither over plain
HTTP (in-process, and `dendo-central web --https-only` behind a proxy's X-Forwarded-Proto);
the OpenAPI document only for signed-in users; no docs page at all."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from central.web import WebSettings, create_app
from tests.fixtures.browser import (
    PASSWORDS,
    USERS,
    WebEnv,
    csrf_of,
    login,
    start_web_server,
    stop_web_server,
)

HSTS = "strict-transport-security"


def test_hsts_and_the_secure_cookie_over_https_and_neither_over_http(
    web_env_empty: WebEnv,
) -> None:
    plain = web_env_empty.client()
    signed = login(plain, USERS["officer"], PASSWORDS["officer"])
    assert "secure" not in signed.headers["set-cookie"].lower()
    for path in ("/login", "/review", "/api/cases"):
        assert HSTS not in plain.get(path).headers, f"HSTS over plain HTTP on {path}"
    tls_app = create_app(web_env_empty.store, WebSettings("s" * 48, https_only=True))
    tls = TestClient(tls_app, base_url="https://testserver", follow_redirects=False)
    assert tls.get("/login").headers[HSTS] == "max-age=31536000"
    signed = login(tls, USERS["officer"], PASSWORDS["officer"])
    assert "secure" in signed.headers["set-cookie"].lower() and HSTS in signed.headers
    assert tls.get("/review").headers[HSTS] == "max-age=31536000"
    assert tls.get("/api/cases").headers[HSTS] == "max-age=31536000"


def test_the_openapi_document_is_for_signed_in_users_only(web_env_empty: WebEnv) -> None:
    anonymous = web_env_empty.client()
    refused = anonymous.get("/api/openapi.json")
    assert refused.status_code == 401 and "paths" not in refused.text
    for path in ("/docs", "/redoc", "/openapi.json", "/api/docs"):
        assert anonymous.get(path).status_code == 404, f"{path} is served"
    for role in ("operator", "officer"):
        document = web_env_empty.client(role).get("/api/openapi.json")
        assert document.status_code == 200 and "/api/cases/{case_id}" in document.json()["paths"]
    assert "/api/openapi.json" not in document.json()["paths"]
    officer = web_env_empty.client("officer")
    out = officer.post("/logout", data={"csrf": csrf_of(officer.get("/review").text)})
    assert out.status_code == 303
    assert officer.get("/api/openapi.json").status_code == 401, "signed out: no document"


def test_behind_a_tls_proxy_the_server_sends_hsts_and_counts_the_real_client(
    web_env_empty: WebEnv,
) -> None:
    """The real `dendo-central web --https-only`: what the proxy on 127.0.0.1 forwards
    (X-Forwarded-Proto, X-Forwarded-For) decides HSTS and whose failures are counted."""
    server = start_web_server(web_env_empty, "--https-only")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as direct:
            assert HSTS not in direct.get("/login").headers, "HSTS over plain HTTP"
        stranger, officer = Proxied(server.url, "203.0.113.50"), Proxied(server.url, "10.1.0.20")
        assert stranger.get("/login").headers[HSTS] == "max-age=31536000"
        for _ in range(5):
            assert stranger.sign_in(USERS["officer"], "guess-wrong").status_code == 401
        held = stranger.sign_in(USERS["officer"], PASSWORDS["officer"])
        assert held.status_code == 429, "the stranger's forwarded address waits"
        signed = officer.sign_in(USERS["officer"], PASSWORDS["officer"])
        assert signed.status_code == 303, "another forwarded address does not"
        assert "secure" in signed.headers["set-cookie"].lower() and HSTS in signed.headers
        assert officer.get("/review").status_code == 200
    finally:
        stop_web_server(server)


class Proxied:
    """A browser behind the TLS proxy: the proxy's headers on every request, and the (Secure)
    session cookie kept by hand, since httpx will not send a Secure cookie over plain HTTP."""

    def __init__(self, url: str, client_ip: str) -> None:
        self.url, self.cookie = url, ""
        self.headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": client_ip}

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        headers = {**self.headers, **({"Cookie": self.cookie} if self.cookie else {})}
        response = httpx.request(method, self.url + path, headers=headers, data=data, timeout=30)
        if value := response.cookies.get("dendo_session"):
            self.cookie = f"dendo_session={value}"
        return response

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def sign_in(self, username: str, password: str) -> httpx.Response:
        token = csrf_of(self.get("/login").text)
        form = {"username": username, "password": password, "csrf": token}
        return self.request("POST", "/login", data=form)
