"""The review web page as one FastAPI app: server-rendered pages, a JSON API under /api/, the
static files it needs (served here: the page works on a network with no internet).

    app = create_app(store, WebSettings(secret_key=...))   # tests, the bench
    app = app_from_config(load_central_config(path))        # `dendo-central web`

Over HTTPS (behind the TLS proxy, `--https-only`: uvicorn then takes the scheme and the client
address from the proxy's X-Forwarded-* headers) responses carry HSTS and the cookie is Secure;
over plain HTTP neither (HSTS must not be sent there). The OpenAPI document is served by
`central.web.api` to signed-in users only; there is no docs page.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import RequestResponseEndpoint
from starlette.middleware.sessions import SessionMiddleware

from central.config import CentralConfig
from central.fines import load_fines
from central.store import Store, open_store
from central.web import (
    api,
    api_moves,
    error_pages,
    pages_appeals,
    pages_bulk,
    pages_cameras,
    pages_cases,
    pages_documents,
    pages_home,
    pages_lists,
    pages_moves,
    pages_ops,
    pages_quarantine,
    pages_registry,
)
from central.web.actions import Rules
from central.web.auth import CsrfError, Forbidden, LoginRequired, NotFound, csrf_protect, lang_of
from central.web.i18n import t
from central.web.render import error_page
from central.web.report_cache import ReportCache
from central.web.signin import SignInRules

STATIC = Path(__file__).resolve().parent / "static"
SECRET_ENV = "DENDO_WEB_SECRET"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the city's other hosts are not ours


@dataclass
class WebSettings:
    """What the app needs besides the store; `secret_key` signs the session cookies."""

    secret_key: str
    rules: Rules = field(default_factory=Rules)
    cameras: dict[str, str] = field(default_factory=dict)  # id -> name, from cameras.yaml
    https_only: bool = False  # set behind TLS: the cookie gets the Secure flag
    session_hours: float = 12.0  # a shift from sign-in, however active; then sign in again
    page_size: int = 50
    sign_in: SignInRules = field(default_factory=SignInRules)  # delays after failures


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(store: Store, settings: WebSettings) -> FastAPI:
    """The app over an open store (migrated: central.users' tables must exist)."""
    app = FastAPI(
        title="dendo review",
        version="1",
        summary="Red-light cases: review, notices, fines, payments, the weekly report.",
        docs_url=None,  # Swagger UI loads from a CDN: not on the police network
        redoc_url=None,
        openapi_url=None,  # served by central.web.api, to signed-in users only
        dependencies=[Depends(csrf_protect)],
    )
    app.state.store = store
    app.state.rules = settings.rules
    app.state.cameras = settings.cameras
    app.state.page_size = settings.page_size
    app.state.session_max_age = timedelta(hours=settings.session_hours)
    app.state.sign_in_rules = settings.sign_in
    app.state.report_cache = ReportCache(store)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="dendo_session",
        max_age=int(settings.session_hours * 3600),
        same_site="lax",
        https_only=settings.https_only,
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if request.url.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "sign in first (POST /api/login)"}, 401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": f"your role lacks {exc.permission}"}, 403)
        return error_page(request, 403, t("error.forbidden", lang_of(request)))

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, _exc: CsrfError) -> Response:
        message = t("error.csrf", lang_of(request))
        if _is_api(request):
            return JSONResponse({"detail": t("error.csrf", "en")}, 403)
        return error_page(request, 403, message)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": f"not found: {exc}"}, 404)
        return error_page(request, 404, t("error.not_found", lang_of(request)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return error_pages.http_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_pages.invalid(request, exc)

    @app.exception_handler(Exception)
    async def _fault(request: Request, exc: Exception) -> Response:
        return error_pages.server_error(request, exc)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(api_moves.router)
    app.include_router(pages_home.router)
    app.include_router(pages_bulk.router)  # before /cases/{case_id}/…
    app.include_router(pages_lists.router)
    app.include_router(pages_cases.router)
    app.include_router(pages_moves.router)
    app.include_router(pages_documents.router)
    app.include_router(pages_appeals.router)
    app.include_router(pages_ops.router)
    app.include_router(pages_cameras.router)
    app.include_router(pages_quarantine.router)
    app.include_router(pages_registry.router)
    return app


def load_secret(path: Path) -> str:
    """$DENDO_WEB_SECRET, or the secret in `path`, made (mode 0600) on first start."""
    if value := os.environ.get(SECRET_ENV):
        return value
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(value + "\n")
    if len(value) < 32:
        raise ValueError(f"{path}: the session secret must be at least 32 characters")
    return value


def camera_names(config: CentralConfig) -> dict[str, str]:
    """id -> name of the city's cameras (empty when no camera config is set)."""
    if config.cameras is None:
        return {}
    from common.config.city import load_config

    return {c.id: c.name for c in load_config(config.cameras).cameras}


def app_from_config(
    config: CentralConfig, *, secret_file: Path | None = None, https_only: bool = False
) -> FastAPI:
    """The app for a deployment: its database, evidence, cameras and secret."""
    store = open_store(config.resolved_database_url(), config.evidence_dir)
    secret = load_secret(secret_file or config.evidence_dir.parent / "web.secret")
    rules = Rules(config, load_fines())
    settings = WebSettings(
        secret_key=secret, rules=rules, cameras=camera_names(config), https_only=https_only
    )
    app = create_app(store, settings)
    app.state.report_cache.warm(pages_ops.current_week(), settings.cameras)
    return app
