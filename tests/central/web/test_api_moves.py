"""The JSON API's undo and appeal moves: a reversal is a supervisor's (an officer gets 403) and
carries the version; an appeal is recorded and decided with the version each step saw, and a
body from before the last move is refused as stale with who made it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from central.db import Case
from tests.fixtures.browser import TRUE_PLATE, USERS, WebEnv


def _api(env: WebEnv, role: str) -> tuple[Any, dict[str, str]]:
    client = env.client(role)
    return client, {"X-CSRF-Token": client.get("/api/csrf").json()["csrf"]}


def test_reversal_and_appeal_through_the_api_carry_versions(web_env: WebEnv) -> None:
    officer, o_head = _api(web_env, "officer")
    officer.get("/review")
    with web_env.store.sessions() as s:
        cid = s.scalars(select(Case.id).where(Case.plate_read_text == "51K-678.98")).one()
    body = {"plate": TRUE_PLATE, "version": int(web_env.version(cid))}
    assert officer.post(f"/api/cases/{cid}/confirm", json=body, headers=o_head).status_code == 200
    reverse = {"reason": "xem lại", "version": int(web_env.version(cid))}
    denied = officer.post(f"/api/cases/{cid}/reverse", json=reverse, headers=o_head)
    assert denied.status_code == 403, "an officer reversed a confirmation"
    notice = {"version": int(web_env.version(cid))}
    assert officer.post(f"/api/cases/{cid}/notice", json=notice, headers=o_head).status_code == 200
    supervisor, s_head = _api(web_env, "supervisor")
    late = supervisor.post(f"/api/cases/{cid}/reverse", json=reverse, headers=s_head)
    assert late.status_code == 409, late.text
    assert late.json()["stale"]["since"][-1] == {
        "to_state": "notice_issued",
        "actor": USERS["officer"],
        "at": late.json()["stale"]["since"][-1]["at"],
    }
    appeal = {
        "ground": "cloned_plate",
        "text": "xe khác màu",
        "version": late.json()["stale"]["version"],
    }
    filed = officer.post(f"/api/cases/{cid}/appeal", json=appeal, headers=o_head)
    assert filed.status_code == 200 and filed.json()["state"] == "appealed", filed.text
    decide = {"outcome": "cancel", "text": "biển số giả", "version": filed.json()["version"]}
    done = supervisor.post(f"/api/cases/{cid}/decide", json=decide, headers=s_head)
    assert done.status_code == 200 and done.json()["state"] == "cancelled", done.text
