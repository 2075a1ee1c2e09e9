"""The moves that undo or contest a decision: a supervisor's reversal of a confirmation, an
appeal (khiếu nại) recorded against a notice or fine, and a supervisor's decision on it. Each
carries the case version its user saw and a written reason, and is audited; a refusal goes
back to the case with what was typed still in the form (central.web.moves.run_move)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from central.users import User
from central.web import actions
from central.web.auth import get_db, lang_of, require
from central.web.i18n import t
from central.web.moves import (
    VersionField,
    case_or_404,
    required_version,
    rules_of,
    run_move,
    store_of,
)

router = APIRouter()
Text = Annotated[str, Form(max_length=500)]


@router.post("/cases/{case_id}/reverse")
def reverse_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.reverse"))],
    db: Annotated[Session, Depends(get_db)],
    version: VersionField = None,
    reason: Text = "",
) -> RedirectResponse:
    lang = lang_of(request)
    case_or_404(db, case_id)

    def done() -> str:
        actions.reverse(db, user, case_id, reason, seen=required_version(version))
        return t("done.reversed", lang, id=case_id)

    entered = {"reason": reason}
    return run_move(request, db, case_id, done, f"/cases/{case_id}", "reverse", entered)


@router.post("/cases/{case_id}/appeal")
def appeal_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.appeal"))],
    db: Annotated[Session, Depends(get_db)],
    version: VersionField = None,
    ground: Annotated[str, Form(max_length=32)] = "",
    text: Text = "",
) -> RedirectResponse:
    lang = lang_of(request)
    case_or_404(db, case_id)

    def done() -> str:
        actions.file_appeal(db, user, case_id, ground, text, seen=required_version(version))
        return t("done.appeal", lang, id=case_id)

    entered = {"ground": ground, "text": text}
    return run_move(request, db, case_id, done, f"/cases/{case_id}", "appeal", entered)


@router.post("/cases/{case_id}/decide")
def decide_form(
    case_id: int,
    request: Request,
    user: Annotated[User, Depends(require("cases.appeal_decide"))],
    db: Annotated[Session, Depends(get_db)],
    version: VersionField = None,
    outcome: Annotated[str, Form(max_length=16)] = "",
    text: Text = "",
    name: Annotated[str, Form(max_length=200)] = "",
    address: Text = "",
    id_number: Annotated[str, Form(max_length=32)] = "",
) -> RedirectResponse:
    lang = lang_of(request)
    case_or_404(db, case_id)
    person = {"name": name, "address": address, "id_number": id_number}

    def done() -> str:
        _, doc = actions.decide_appeal(
            db,
            user,
            case_id,
            outcome,
            text,
            rules_of(request),
            store_of(request),
            seen=required_version(version),
            addressee=person if outcome == "readdress" else None,
        )
        number = doc.number if doc is not None else ""
        return t(f"done.appeal.{outcome}", lang, id=case_id, number=number)

    entered = {"outcome": outcome, "text": text, **person}
    return run_move(request, db, case_id, done, f"/cases/{case_id}", "decide", entered)
