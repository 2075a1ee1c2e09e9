"""Signing in and out, the language switch and the start page (the list of all cases is
central.web.pages_lists)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from central.users import User, audit
from central.web.auth import (
    current_user,
    get_db,
    landing,
    lang_of,
    optional_user,
    safe_next,
    sign_in,
    sign_out,
)
from central.web.i18n import LANGS, t
from central.web.render import page
from central.web.sessions import client_address
from central.web.signin import attempt, wait_message, wait_seconds

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(user: Annotated[User, Depends(current_user)]) -> RedirectResponse:
    return RedirectResponse(landing(user), 303)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    user: Annotated[User | None, Depends(optional_user)],
    next: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next, landing(user)), 303)
    return page(request, "login.html", {"next": next, "error": None, "username": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: Annotated[Session, Depends(get_db)],
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    lang = lang_of(request)
    rules = request.app.state.sign_in_rules
    outcome = attempt(db, rules, username, password, client_address(request), "page")
    if outcome.user is None:
        context = {"next": next, "username": username.strip().lower()}
        if outcome.wait > 0:
            context["error"] = wait_message(outcome.wait, lang)
            headers = {"Retry-After": str(wait_seconds(outcome.wait))}
            return page(request, "login.html", context, 429, headers)
        context["error"] = t("login.failed", lang)
        return page(request, "login.html", context, 401)
    sign_in(request, db, outcome.user)
    db.commit()
    return RedirectResponse(safe_next(next, landing(outcome.user)), 303)


@router.post("/logout")
def logout(
    request: Request,
    user: Annotated[User | None, Depends(optional_user)],
    db: Annotated[Session, Depends(get_db)],
) -> RedirectResponse:
    if user is not None:
        audit(db, user.username, "logout", user.username)
    sign_out(request, db)
    db.commit()
    return RedirectResponse("/login", 303)


@router.get("/lang/{code}")
def switch_language(
    code: str, request: Request, next: Annotated[str, Query(max_length=300)] = ""
) -> RedirectResponse:
    if code in LANGS:
        request.session["lang"] = code
    return RedirectResponse(safe_next(next, "/"), 303)
