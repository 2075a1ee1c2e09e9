"""The JSON API against its own OpenAPI schema with schemathesis, in-process (ASGI), signed in as
a supervisor with the session's CSRF token: no generated request may make a server error, and
the schema describes every operation the page offers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.fixtures.browser import DemoBundles, WebEnv, make_web_env

pytestmark = pytest.mark.slow  # sweeps the real material; see pyproject's markers

OPERATIONS = {
    ("GET", "/api/cases"),
    ("GET", "/api/cases/{case_id}"),
    ("POST", "/api/cases/{case_id}/confirm"),
    ("POST", "/api/cases/{case_id}/reject"),
    ("POST", "/api/cases/{case_id}/notice"),
    ("POST", "/api/cases/{case_id}/fine"),
    ("POST", "/api/cases/{case_id}/pay"),
    ("POST", "/api/cases/{case_id}/reverse"),
    ("POST", "/api/cases/{case_id}/appeal"),
    ("POST", "/api/cases/{case_id}/decide"),
    ("GET", "/api/report"),
}


@pytest.fixture(scope="module")
def api_env(
    tmp_path_factory: pytest.TempPathFactory, demo_bundles: DemoBundles
) -> Iterator[WebEnv]:
    env = make_web_env(tmp_path_factory.mktemp("api"), demo_bundles)
    env.client("officer").get("/review")  # triage: the cases are in review
    yield env
    env.close()


@pytest.fixture(scope="module")
def signed_in(api_env: WebEnv) -> dict[str, Any]:
    client = api_env.client("supervisor")
    token = client.get("/api/csrf").json()["csrf"]
    return {"cookies": {"dendo_session": client.cookies["dendo_session"]},
            "headers": {"X-CSRF-Token": token}}  # fmt: skip


@pytest.fixture(scope="module")
def api_schema(api_env: WebEnv, signed_in: dict[str, Any]) -> Any:
    """The document is for signed-in users only: fetched with the supervisor's cookie."""
    cookie = f"dendo_session={signed_in['cookies']['dendo_session']}"
    return schemathesis.openapi.from_asgi(
        "/api/openapi.json", api_env.app, headers={"Cookie": cookie}
    )


def test_the_schema_describes_every_api_operation(api_schema: Any) -> None:
    raw = api_schema.raw_schema
    found = {(m.upper(), p) for p, ops in raw["paths"].items() for m in ops}
    assert found >= OPERATIONS, f"missing from the schema: {OPERATIONS - found}"


def test_no_generated_request_makes_a_server_error(
    api_schema: Any, signed_in: dict[str, Any]
) -> None:
    """Every operation, with hypothesis-generated parameters and bodies (schemathesis' pytest
    plugin does not load under pytest 9, so the strategies are driven here directly)."""
    calls: dict[str, int] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()

        path = operation.path
        if path == "/api/logout":  # it would end the sweep's session (see test_sessions.py)
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            response = case.call(**signed_in)
            key = f"{case.method} {path}"  # noqa: B023 (called before the loop moves on)
            calls[key] = calls.get(key, 0) + 1
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:500]}"
            )

        call()
    assert {tuple(k.split(" ", 1)) for k in calls} >= OPERATIONS, calls
