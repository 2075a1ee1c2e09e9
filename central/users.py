"""Who may use the review web page, what each did, and how each camera is doing.

`User` rows hold argon2id password hashes (argon2-cffi) and one role:
- operator: the operations centre (cameras, quarantine); sees cases but moves none;
- officer: traffic police (review, notices, fines, payments, escalation);
- supervisor: everything, plus users and the weekly report.

`AuditEntry` is the trail of every action taken through the web page (sign-ins too), beside
the cases' own Transitions, so a contested notice shows who looked at and did what.
`WebSession` is one signed-in browser or script, so that a session can be ended on the server
(a copied cookie dies with it); `LoginThrottle` counts failed sign-ins per address, name and
pair for the growing delays of `central.web.signin`.
`CameraHealth` is what `central.health` last heard from each camera over MQTT.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base, UtcDateTime, utcnow

OPERATOR, OFFICER, SUPERVISOR = "operator", "officer", "supervisor"
ROLES = (OPERATOR, OFFICER, SUPERVISOR)

# What each role may do; the web page checks these, never the role names themselves.
PERMISSIONS: dict[str, frozenset[str]] = {
    # quarantine.handle: acknowledge an entry with a note, re-ingest it (operations work)
    OPERATOR: frozenset({"cases.view", "cameras.view", "quarantine.view", "quarantine.handle"}),
    OFFICER: frozenset(
        {"cases.view", "cases.review", "cases.notice", "cases.fine", "cases.pay"}
        | {"cases.escalate", "cases.appeal", "cameras.view"}
    ),
}
# A supervisor also undoes and decides: reversing a confirmation, deciding an appeal.
PERMISSIONS[SUPERVISOR] = frozenset(
    set().union(*PERMISSIONS.values())
    | {"report.view", "users.manage", "audit.view", "cases.reverse", "cases.appeal_decide"}
)

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("dendo: no such user")


class UserError(ValueError):
    """A user that cannot be created or changed; the message says why."""


class User(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    # Raised to end every session the user has open (a lost phone, a shared screen).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def can(self, permission: str) -> bool:
        return self.active and permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def auth_version(self) -> str:
        """Changes with the password and with `end_sessions`: a session signed before either
        stops working."""
        stamp = f"{self.password_hash}:{self.session_epoch or 0}"
        return hashlib.sha256(stamp.encode()).hexdigest()[:16]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class WebSession(Base):
    """One sign-in: the cookie carries a random token, this row its SHA-256 (a copy of the table
    signs no one in). Every request checks the row; ending it ends the session at once."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    username: Mapped[str] = mapped_column(String(64), ForeignKey("users.username"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    client: Mapped[str | None] = mapped_column(String(64))  # the address last seen
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(16))  # logout, ended, expired, ...


class LoginThrottle(Base):
    """Failed sign-ins of one key ("a:<address>", "n:<name>", "p:<address> <name>"): one row
    per key, locked while a try is counted, so concurrent tries cannot slip past the count."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)  # the last try


class CameraHealth(Base):
    """The retained status and the last heartbeat of one camera, as heard on MQTT."""

    __tablename__ = "camera_health"
    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_heartbeat: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    fps: Mapped[float | None] = mapped_column(Float)  # frames processed per second, last interval


def hash_password(password: str) -> str:
    """An argon2id hash; UserError when the password is too short to be worth hashing."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def audit(
    session: Session,
    user: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Write one line of the trail in the caller's transaction (so it commits with the action)."""
    entry = AuditEntry(at=at or utcnow(), user=user, action=action, target=target, detail=detail)
    session.add(entry)
    return entry


def add_user(session: Session, username: str, password: str, role: str, actor: str) -> User:
    """Create a user (caller commits); UserError for a bad name, role, password or a clash."""
    username = username.strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise UserError(f"user name {username!r}: 2-64 lowercase letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if session.get(User, username) is not None:
        raise UserError(f"user {username} already exists")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        active=True,
        created_at=utcnow(),
        created_by=actor,
    )
    session.add(user)
    audit(session, actor, "user.add", username, {"role": role})
    return user


def set_active(session: Session, username: str, active: bool, actor: str) -> User:
    user = session.get(User, username)
    if user is None:
        raise UserError(f"no user {username}")
    if user.username == actor and not active:
        raise UserError("you cannot deactivate yourself")
    user.active = active
    if not active:
        end_web_sessions(session, username, "deactivated")
    audit(session, actor, "user.activate" if active else "user.deactivate", username)
    return user


def end_sessions(session: Session, username: str, actor: str) -> User:
    """End every web session `username` has open, on every device (caller commits)."""
    user = session.get(User, username)
    if user is None:
        raise UserError(f"no user {username}")
    user.session_epoch = (user.session_epoch or 0) + 1
    end_web_sessions(session, username, "ended")
    audit(session, actor, "user.end_sessions", username)
    return user


def end_web_sessions(session: Session, username: str, reason: str) -> int:
    """Mark every open session record of `username` ended (caller commits); how many were."""
    done = session.execute(
        update(WebSession)
        .where(WebSession.username == username, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None; upgrades an outdated hash on the way."""
    user = session.get(User, username.strip().lower()[:64])
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.username)))
