"""`dendo-central web` (the review page under uvicorn) and `dendo-central users add|list`.

dendo-central web --config configs/central.yaml --host 0.0.0.0 --port 8080 [--health]
dendo-central users add lan.nguyen --role officer          # password prompted twice
echo "$PW" | dendo-central users add lan.nguyen --role officer --password-stdin
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from central.users import ROLES, UserError, add_user, end_sessions, list_users

if TYPE_CHECKING:  # imported by the commands that use them: the command line starts quickly
    from central.config import CentralConfig
    from central.store import Store

DEFAULT_CONFIG = Path("configs/central.yaml")


def _config(args: argparse.Namespace) -> CentralConfig:
    from central.config import load_central_config

    return load_central_config(args.config)


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from central.web.app import app_from_config

    try:
        config = _config(args)
        app = app_from_config(config, secret_file=args.secret_file, https_only=args.https_only)
    except Exception as exc:  # a bad config, secret or database: say which and stop
        print(f"dendo-central web: {exc}", file=sys.stderr)
        return 2
    monitor = None
    if args.health:
        from central.health import HealthMonitor

        known = set(app.state.cameras) or None  # the city's cameras, when the config names them
        monitor = HealthMonitor(config.broker, app.state.store.sessions, cameras=known).start()
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            proxy_headers=args.https_only,
            log_level="info",
            server_header=False,
        )
    finally:
        if monitor is not None:
            monitor.stop()
        app.state.report_cache.close()
        app.state.store.close()
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise UserError("the two passwords differ")
    return first


def _store(args: argparse.Namespace) -> Store:
    from central.store import open_store

    config = _config(args)
    return open_store(config.resolved_database_url(), config.evidence_dir)


def cmd_users_add(args: argparse.Namespace) -> int:
    try:
        password = _password(args)
        with _store(args) as store, store.sessions.begin() as s:
            user = add_user(s, args.username, password, args.role, args.actor)
            print(f"user {user.username} added as {user.role}")
    except (UserError, ValueError) as exc:
        print(f"dendo-central users: refused: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_users_sign_out(args: argparse.Namespace) -> int:
    try:
        with _store(args) as store, store.sessions.begin() as s:
            end_sessions(s, args.username, args.actor)
            print(f"every web session of {args.username} has ended")
    except UserError as exc:
        print(f"dendo-central users: refused: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    with _store(args) as store, store.sessions() as s:
        for u in list_users(s):
            state = "active" if u.active else "inactive"
            print(f"{u.username:<24} {u.role:<11} {state:<9} created {u.created_at:%Y-%m-%d}")
    return 0


def add_cli(sub: Any) -> None:
    """Register `web` and `users` on dendo-central's subcommands."""
    p = sub.add_parser("web", help="the review web page (uvicorn)")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument(
        "--secret-file",
        type=Path,
        help="session secret (default: web.secret beside the evidence directory, made on first "
        "start; $DENDO_WEB_SECRET wins)",
    )
    p.add_argument(
        "--https-only", action="store_true", help="behind a TLS proxy: Secure session cookie"
    )
    p.add_argument(
        "--health", action="store_true", help="also subscribe to camera status and heartbeats"
    )
    p.set_defaults(func=cmd_web)
    users = sub.add_parser("users", help="who may sign in to the web page").add_subparsers(
        dest="action", required=True
    )
    p = users.add_parser("add", help="add a user (password prompted)")
    p.add_argument("username")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--as", dest="actor", default=getpass.getuser(), help="who adds the user")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.set_defaults(func=cmd_users_add)
    p = users.add_parser("sign-out", help="end every web session of a user, on every device")
    p.add_argument("username")
    p.add_argument("--as", dest="actor", default=getpass.getuser(), help="who ends them")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.set_defaults(func=cmd_users_sign_out)
    p = users.add_parser("list", help="list users")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.set_defaults(func=cmd_users_list)
