"""Signing in with growing delays per client address and per user name, instead of a lock.

The old rule (5 failures locked a name for 15 minutes) let anyone lock any officer out, and
its count raced: concurrent tries all read the count before any was written. The rules now
(`SignInRules` defaults; n is the number of failures counted):

- Per address, against guessing: the first 5 failures from an address are free; after the
  n-th (n >= 5) its next try must wait 2**(n-5) s: 1, 2, 4, ... capped at 300 s (5 minutes).
  Forgotten an hour after the address's last try. IPv6 addresses count per /64.
- Per name, against guessing one password from many addresses: after the name's n-th failure
  from anywhere (n >= 5), each address must leave 2**(n-5) s between its own tries at that
  name, capped at 30 s. Forgotten 15 minutes after the name's last try. The wait runs from
  that address's own last try at the name, so someone else's failures never delay an
  officer's first try from an address that has not been failing, and delay a later one by at
  most 30 s: a stranger cannot keep an officer out.
- A try during a delay is answered 429 with how long to wait, before the password is looked
  at (right and wrong passwords get the same answer); it is not counted and does not make the
  delay longer.
- Counting is atomic on PostgreSQL as on SQLite: the rows of the address, the name and the
  pair are created if missing (INSERT ... ON CONFLICT DO NOTHING) and locked (SELECT ... FOR
  UPDATE, in key order: no deadlock; SQLite's BEGIN IMMEDIATE locks the whole database), and
  the try is counted as a failure before the password is verified, in a transaction that
  commits at once; a right password takes its count back. So concurrent tries are counted one
  by one and no more than the rules allow are ever verified.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from central.db import utcnow
from central.users import LoginThrottle, User, audit, authenticate
from central.web.i18n import duration, t


@dataclass(frozen=True)
class SignInRules:
    """The delays above; tests and deployments may tune them (WebSettings.sign_in)."""

    free_failures: int = 5
    first_delay: float = 1.0  # seconds, doubled with every further failure
    address_cap: float = 300.0
    name_cap: float = 30.0
    address_forget: timedelta = timedelta(hours=1)
    name_forget: timedelta = timedelta(minutes=15)

    def delay(self, failures: int, cap: float) -> float:
        """Seconds to wait after `failures` counted failures."""
        if failures < self.free_failures:
            return 0.0
        return min(self.first_delay * 2.0 ** min(failures - self.free_failures, 40), cap)


@dataclass(frozen=True)
class Outcome:
    """A sign-in try: the user, or None; `wait` > 0 when refused unverified (seconds)."""

    user: User | None
    wait: float = 0.0


def address_of(host: str) -> str:
    """The address a limit counts: the IP as written, an IPv6 one as its /64."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def keys_of(name: str, host: str) -> tuple[str, str, str]:
    """The address, name and pair keys, in lock order (sorted)."""
    address = address_of(host)
    return f"a:{address}", f"n:{name[:64]}", f"p:{address} {name[:64]}"


def _lock(db: Session, keys: tuple[str, ...]) -> dict[str, LoginThrottle]:
    """The rows of `keys`, made if missing and locked until the transaction ends (which this
    must begin). Should another try delete one between our insert and our lock (a right
    password's pair, pruning), all locks are let go and taken again, in order."""
    dialect = db.get_bind().dialect.name
    while True:
        for key in sorted(keys):
            values = {"key": key, "failures": 0, "last_at": None}
            if dialect == "postgresql":
                made = postgresql.insert(LoginThrottle).values(values)
                db.execute(made.on_conflict_do_nothing(index_elements=["key"]))
            elif dialect == "sqlite":
                done = sqlite.insert(LoginThrottle).values(values)
                db.execute(done.on_conflict_do_nothing(index_elements=["key"]))
            else:
                raise NotImplementedError(f"sign-in limits need PostgreSQL or SQLite: {dialect}")
        found = db.scalars(
            select(LoginThrottle)
            .where(LoginThrottle.key.in_(keys))
            .order_by(LoginThrottle.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        rows = {row.key: row for row in found}
        if len(rows) == len(set(keys)):
            return rows
        db.rollback()


def _fresh(row: LoginThrottle, forget: timedelta, now: datetime) -> int:
    """The row's failures, or 0 once forgotten."""
    if row.last_at is None or now - row.last_at >= forget:
        return 0
    return row.failures


def wait_for(
    rows: dict[str, LoginThrottle], keys: tuple[str, str, str], rules: SignInRules, now: datetime
) -> float:
    """Seconds until the address and the pair may try again (0: now)."""
    address, name, pair = (rows[k] for k in keys)
    waits = [0.0]
    if address.last_at is not None:
        failures = _fresh(address, rules.address_forget, now)
        due = address.last_at + timedelta(seconds=rules.delay(failures, rules.address_cap))
        waits.append((due - now).total_seconds())
    if pair.last_at is not None:
        failures = _fresh(name, rules.name_forget, now)
        due = pair.last_at + timedelta(seconds=rules.delay(failures, rules.name_cap))
        waits.append((due - now).total_seconds())
    return max(waits)


def reserve(db: Session, rules: SignInRules, name: str, host: str) -> float:
    """Count this try as a failure if the rules let it through (committed at once, before the
    password is verified) and answer 0; else roll back and answer the seconds to wait."""
    keys = keys_of(name, host)
    rows = _lock(db, keys)
    now = utcnow()  # after the locks: a try that waited for them sees the times they wrote
    wait = wait_for(rows, keys, rules, now)
    if wait > 0:
        db.rollback()
        return wait
    forgets = (rules.address_forget, rules.name_forget, rules.name_forget)
    for key, forget in zip(keys, forgets, strict=True):
        row = rows[key]
        row.failures, row.last_at = _fresh(row, forget, now) + 1, now
    db.flush()
    _prune(db, now - max(rules.address_forget, rules.name_forget))
    db.commit()
    return 0.0


def take_back(db: Session, name: str, host: str) -> None:
    """A right password: its try was no failure (caller commits). The pair's timer goes; the
    address and the name lose one count, not all (a guesser with an account of their own
    cannot wipe their address's count by signing in between guesses)."""
    address, name_key, pair = keys_of(name, host)
    for key in (address, name_key):  # key order, as _lock
        db.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
            .values(failures=LoginThrottle.failures - 1)
        )
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == pair))


def _prune(db: Session, before: datetime) -> None:
    """Drop rows nobody has tried for longer than any rule remembers; rows other tries hold
    are skipped (SKIP LOCKED), so pruning never waits and never deadlocks."""
    stale = (
        select(LoginThrottle.key)
        .where(LoginThrottle.last_at < before)
        .limit(500)
        .with_for_update(skip_locked=True)
    )
    db.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.key.in_(stale.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )


def attempt(
    db: Session, rules: SignInRules, username: str, password: str, host: str, via: str
) -> Outcome:
    """One sign-in try under the rules, audited (failures committed; on success the caller
    starts the session and commits)."""
    name = username.strip().lower()[:64]
    wait = reserve(db, rules, name, host)
    if wait > 0:
        return Outcome(None, wait)
    user = authenticate(db, name, password)
    if user is None:
        detail = {"via": via, "client": address_of(host)}
        audit(db, name or "(empty)", "login.failed", name or None, detail)
        db.commit()
        return Outcome(None)
    take_back(db, name, host)
    audit(db, user.username, "login", user.username, {"role": user.role, "via": via})
    return Outcome(user)


def wait_seconds(wait: float) -> int:
    """The wait as whole seconds, rounded up (what Retry-After and the message say)."""
    return max(1, math.ceil(wait))


def wait_message(wait: float, lang: str) -> str:
    return t("login.wait", lang, wait=duration(wait_seconds(wait), lang))
