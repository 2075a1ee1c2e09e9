"""Bulk work on the cases an officer ticked: issue their notices, or reject them with one
reason. Each case is the single move, made exactly as one click on its own page makes it
(central.web.actions: the lifecycle's checks, the claim check for review moves, the notice
frozen through central.issued_documents, the Transition and the audit line), checked against
the version the officer saw in the list, and committed on its own: a case that is refused is
rolled back alone, reported with why, and the others go on. Committing each case also lets
other officers' moves in between (SQLite holds one writer at a time; a notice takes a PDF
render), and a notice number is never lost to a later case's refusal.

The caller checks the user's permission, as for the single moves (central.web.auth).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from central import cases
from central.case_errors import CaseError
from central.db import CONFIRMED, REVIEW, Case, Owner
from central.fines import FineError
from central.issued_documents import DocumentError
from central.notices import NoticeError
from central.store import EvidenceStore
from central.users import User, audit
from central.web import actions

MAX_CASES = 200  # in one bulk action: four pages of the list
REFUSALS = (CaseError, NoticeError, FineError, DocumentError)
_PICK = re.compile(r"^(\d{1,10}):(\d{1,10})$")


class Skipped(Exception):
    """A case the bulk action leaves alone, with a code the page explains (not_found, state,
    no_plate, no_owner) and what the explanation needs."""

    def __init__(self, code: str, **detail: str) -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Refused:
    """One case not done: `code` (not_found, state, no_plate, no_owner, or `refused` for a
    refusal of the lifecycle itself, `error`)."""

    case_id: int
    code: str
    detail: dict[str, str] = field(default_factory=dict)
    error: Exception | None = None


@dataclass
class Outcome:
    """What a bulk action did: the cases done (with their notice and document, if any) in the
    order picked, and the cases refused with why."""

    done: list[tuple[int, str | None, int | None]] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def documents(self) -> list[int]:
        return [doc for _, _, doc in self.done if doc is not None]


def parse_picks(values: Iterable[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """The ticked boxes ("case:version"), each case once in the order given, and the values
    that are not one."""
    picks: dict[int, int] = {}
    bad: list[str] = []
    for raw in values:
        found = _PICK.match(raw.strip())
        if found and 0 < int(found[1]) < 2**31 and 0 < int(found[2]) < 2**31:
            picks.setdefault(int(found[1]), int(found[2]))
        else:
            bad.append(raw[:40])
    return list(picks.items()), bad


def _each(
    db: Session,
    picks: list[tuple[int, int]],
    state: str,
    move: Callable[[Case, int], tuple[str | None, int | None]],
) -> Outcome:
    """Run `move` on each case in its own transaction, after checking what the page can
    explain better than the lifecycle: the case exists, is as the officer saw it, is in
    `state`."""
    out = Outcome()
    for case_id, seen in picks:
        try:
            case = db.get(Case, case_id, with_for_update=True, populate_existing=True)
            if case is None:
                raise Skipped("not_found")
            cases.expect(db, case, seen)  # StaleCase: who moved it since, and to what
            if case.state != state:
                raise Skipped("state", state=case.state)
            number, doc = move(case, seen)
            db.commit()
            out.done.append((case_id, number, doc))
        except Skipped as skip:
            db.rollback()
            out.refused.append(Refused(case_id, skip.code, skip.detail))
        except REFUSALS as exc:
            db.rollback()
            out.refused.append(Refused(case_id, "refused", {}, exc))
    return out


def _summary(out: Outcome) -> dict[str, Any]:
    return {
        "done": [case_id for case_id, _, _ in out.done],
        "refused": {str(r.case_id): r.code for r in out.refused},
    }


def issue_notices(
    db: Session,
    user: User,
    picks: list[tuple[int, int]],
    rules: actions.Rules,
    store: EvidenceStore,
) -> Outcome:
    """The notice of each picked confirmed case whose plate has an owner in the registry."""

    def notice(case: Case, seen: int) -> tuple[str | None, int | None]:
        if not case.plate_norm:
            raise Skipped("no_plate")
        if db.get(Owner, case.plate_norm) is None:
            raise Skipped("no_owner", plate=case.plate_text or case.plate_norm)
        done, doc = actions.issue_notice(db, user, case.id, rules, store, seen=seen)
        return done.notice_number, doc.id

    out = _each(db, picks, CONFIRMED, notice)
    audit(db, user.username, "bulk.notice", None, _summary(out))
    db.commit()
    return out


def reject(
    db: Session, user: User, picks: list[tuple[int, int]], reason: str, text: str = ""
) -> Outcome:
    """Reject each picked case in review with the one reason (and its text); a case another
    officer holds is refused (central.case_claims), as a single rejection is."""
    cases.check_code(reason, text, cases.REJECT_REASONS, "reject reason")

    def rejected(case: Case, seen: int) -> tuple[str | None, int | None]:
        actions.reject(db, user, case.id, reason, text, seen=seen)
        return None, None

    out = _each(db, picks, REVIEW, rejected)
    audit(db, user.username, "bulk.reject", None, _summary(out) | {"reason": reason})
    db.commit()
    return out
