"""What a page route answers when the request itself fails — no such page (404), a method the
address does not take (405), a form with missing or malformed fields (422), any other HTTP
status, a server fault (500): an HTML page in the page's language that says what went wrong
and leads back, never plain text. Under /api/ the answer stays JSON."""

from __future__ import annotations

import logging
import secrets

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from central.web.i18n import DEFAULT_LANG, lang_or_default, t, t_opt
from central.web.render import error_page

log = logging.getLogger("dendo.web")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _lang(request: Request) -> str:
    session = request.scope.get("session")
    return lang_or_default(session.get("lang")) if isinstance(session, dict) else DEFAULT_LANG


def _case_of(request: Request) -> int | None:
    """The case a /cases/N/... address is about, for the way back."""
    parts = request.url.path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "cases" and parts[1].isdigit() and len(parts[1]) < 10:
        return int(parts[1])
    return None


def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if is_api(request):
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    lang = _lang(request)
    status = exc.status_code
    if status == 404:
        message = t("error.not_found", lang)
    elif status == 405:
        message = t("error.method", lang, method=request.method)
    else:
        message = t("error.http", lang, status=status)
    response = error_page(request, status, message, case_id=_case_of(request))
    if status == 405 and exc.headers and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


def invalid(request: Request, exc: RequestValidationError) -> Response:
    if is_api(request):
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, 422)
    lang = _lang(request)
    names = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        label = t_opt("field", loc[-1], lang) if loc else "–"
        if label not in names:
            names.append(label)
    message = t("error.fields", lang, fields=", ".join(names) or "–")
    return error_page(request, 422, message, case_id=_case_of(request))


def server_error(request: Request, exc: Exception) -> Response:
    """A fault in the app: logged with a reference the officer can quote, and said as a page."""
    ref = secrets.token_hex(4)
    log.error(
        "web request %s %s failed (ref %s)", request.method, request.url.path, ref, exc_info=exc
    )
    if is_api(request):
        return JSONResponse({"detail": f"server error (ref {ref})"}, 500)
    lang = _lang(request)
    message = t("error.server", lang, ref=ref)
    try:
        return error_page(request, 500, message, case_id=_case_of(request))
    except Exception:  # the page itself cannot be drawn: still HTML, still in the language
        title = t("error.t500", lang)
        body = f"<!doctype html><html lang={lang}><meta charset=utf-8><title>{title}</title>"
        return HTMLResponse(f"{body}<h1>{title}</h1><p>{message}</p><a href=/>↩</a>", 500)
