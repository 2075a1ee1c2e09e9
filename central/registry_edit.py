"""The registry as the officers' page reads and mends it: look a plate up by any fragment,
say where a record came from, list its cases, and edit an owner by hand.

An edit is checked as an import row is (central.registry.check_row), needs a written reason,
carries a stamp of the record as the officer saw it (a record changed meanwhile is refused,
not overwritten) and is one line of the audit trail with the old and the new values. A notice
already issued keeps the owner it was issued to: its bytes are frozen
(central.issued_documents), whatever the registry says later.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central.db import Case, Owner
from central.registry import FIELDS, IMPORT, REIMPORT, Rejected, check_row
from central.users import AuditEntry, audit
from common import plate_text

EDIT = "registry.edit"  # audit action
MAX_REASON = 500


class OwnerEditError(ValueError):
    """An edit refused; `code` and `params` let the page say why in its language."""

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


def values_of(owner: Owner) -> dict[str, str]:
    return {k: getattr(owner, k) or "" for k in FIELDS}


def stamp(owner: Owner) -> str:
    """A short digest of the record as shown: the edit form carries it back."""
    text = json.dumps([owner.plate_text, values_of(owner)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def edit_owner(
    session: Session, plate_norm: str, new: dict[str, str], reason: str, actor: str, seen: str
) -> Owner:
    """Change an owner's details (the caller commits); OwnerEditError says why not."""
    owner = session.get(Owner, plate_norm)
    if owner is None:
        raise OwnerEditError(f"plate {plate_norm} is not in the registry", "no_owner")
    if seen != stamp(owner):
        last = changes(session, plate_norm, 1)
        who = last[0].user if last else "?"
        raise OwnerEditError(
            f"the record of {owner.plate_text} changed since you opened it", "stale", user=who
        )
    reason = " ".join(reason.split())
    if not reason:
        raise OwnerEditError("an edit of the registry needs its reason written", "no_reason")
    if len(reason) > MAX_REASON:
        raise OwnerEditError("the reason is too long", "too_long", limit=MAX_REASON)
    raw = {
        "plate": owner.plate_text,
        "owner_name": new.get("name", ""),
        "address": new.get("address", ""),
        "id_number": new.get("id_number", ""),
        "vehicle_class": new.get("vehicle_class", ""),
    }
    row = check_row(0, raw)
    if isinstance(row, Rejected):
        raise OwnerEditError(row.reason, f"row.{row.code}", **row.params)
    if row.plate.display != owner.plate_text:  # "51K67890" reads as a motorbike's 51-K6 7890 too
        raise OwnerEditError(
            f"{owner.plate_text} is not a {row.vehicle_class}'s plate",
            "class_plate",
            plate=owner.plate_text,
            vehicle=row.vehicle_class,
        )
    after = {
        "name": row.name,
        "address": row.address,
        "id_number": row.id_number,
        "vehicle_class": row.vehicle_class,
    }
    before = values_of(owner)
    changed = [k for k in FIELDS if before[k] != after[k]]
    if not changed:
        raise OwnerEditError("nothing was changed", "unchanged")
    for k in changed:
        setattr(owner, k, after[k])
    detail = {
        "plate": owner.plate_text,
        "reason": reason,
        "changed": changed,
        "old": before,
        "new": after,
    }
    audit(session, actor, EDIT, plate_norm, detail)
    session.flush()
    return owner


def search(session: Session, fragment: str, limit: int = 50) -> tuple[list[Owner], int]:
    """Owners whose plate holds `fragment` (any spelling: "51k", "678.90", "51K-678"), the
    exact plate first, then those starting with it; and how many match in all."""
    norm = plate_text.normalize(fragment)
    if not norm:
        return [], 0
    where = Owner.plate_norm.contains(norm, autoescape=True)
    total = session.scalar(select(func.count()).select_from(Owner).where(where)) or 0
    rank = sql_case(
        (Owner.plate_norm == norm, 0),
        (Owner.plate_norm.startswith(norm, autoescape=True), 1),
        else_=2,
    )
    rows = session.scalars(select(Owner).where(where).order_by(rank, Owner.plate_norm).limit(limit))
    return list(rows), total


def changes(session: Session, plate_norm: str, limit: int = 50) -> list[AuditEntry]:
    """The edits and the re-imports that changed this record, newest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.action.in_((EDIT, REIMPORT)), AuditEntry.target == plate_norm)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def source_of(session: Session, owner: Owner) -> AuditEntry | None:
    """The import that wrote the record as it stands (its audit line has the record's
    imported_at), or None for one imported before imports were audited."""
    query = select(AuditEntry).where(
        AuditEntry.action == IMPORT, AuditEntry.at == owner.imported_at
    )
    return session.scalars(query.order_by(AuditEntry.id.desc()).limit(1)).first()


def last_import(session: Session) -> AuditEntry | None:
    query = select(AuditEntry).where(AuditEntry.action == IMPORT)
    return session.scalars(query.order_by(AuditEntry.at.desc()).limit(1)).first()


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Owner)) or 0


def cases_of(session: Session, plate_norm: str, limit: int = 100) -> list[Case]:
    """The cases read or corrected to this plate, or addressed to its owner, newest first."""
    where = or_(Case.plate_norm == plate_norm, Case.owner_plate == plate_norm)
    query = select(Case).where(where).order_by(Case.crossed_at.desc()).limit(limit)
    return list(session.scalars(query))
