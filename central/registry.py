"""The vehicle registry: who owns a plate, imported from the registration office's CSV export.

A notice goes to the owner on record, so a row is only taken when its plate is a valid
Vietnamese plate of the kind its vehicle class says and every field is filled: a wrong row
would send a fine to the wrong person. Bad rows are reported by line number and skipped; the
rest is upserted by the normalised plate, so a re-import of a newer export updates in place.

Nothing changes silently: each import is one line of the audit trail (the file, its SHA-256,
the counts; its time is the `imported_at` of every row it wrote, which is how a record names
its source), and each owner a re-import changes gets its own line with the old values.
Refusals carry a code and its values beside the English text, for the page to say them in
the officer's language.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.db import Owner, utcnow
from central.users import audit
from common import plate_text

COLUMNS = ("plate", "owner_name", "address", "id_number", "vehicle_class")
# The same columns headed in Vietnamese, as a sheet typed at the unit names them (the first
# name of each is the one the page shows); either spelling, any letter case.
VI_HEADERS: dict[str, tuple[str, ...]] = {
    "plate": ("Biển số", "Biển kiểm soát"),
    "owner_name": ("Họ tên chủ xe", "Chủ xe"),
    "address": ("Địa chỉ",),
    "id_number": ("Số căn cước", "Số CCCD", "Số định danh"),
    "vehicle_class": ("Loại xe", "Loại phương tiện"),
}
_HEADER = {name.casefold(): col for col, names in VI_HEADERS.items() for name in names}
MAX_LEN = {"owner_name": 200, "id_number": 32, "address": 1000}

# Registry vehicle classes (the detector's names, plus the words a registration export uses)
# -> (class stored, plate kind the plate must be).
VEHICLE_CLASSES: dict[str, tuple[str, plate_text.Kind]] = {
    "car": ("car", "car"),
    "truck": ("truck", "car"),
    "bus": ("bus", "car"),
    "motorcycle": ("motorcycle", "motorbike"),
    "motorbike": ("motorcycle", "motorbike"),
    "ô tô": ("car", "car"),
    "ô tô con": ("car", "car"),
    "ô tô tải": ("truck", "car"),
    "xe tải": ("truck", "car"),
    "ô tô khách": ("bus", "car"),
    "xe khách": ("bus", "car"),
    "mô tô": ("motorcycle", "motorbike"),
    "xe máy": ("motorcycle", "motorbike"),
    "xe gắn máy": ("motorcycle", "motorbike"),
}
_CHUNK = 500
FIELDS = ("name", "address", "id_number", "vehicle_class")  # what an edit may change
IMPORT, REIMPORT = "registry.import", "registry.reimport"  # audit actions


class RegistryError(ValueError):
    """The file as a whole cannot be imported (unreadable, not UTF-8, columns missing).
    `code` and `params` say it again for a translation (central.web.i18n_registry)."""

    def __init__(self, message: str, code: str = "unreadable", **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Rejected:
    """A refused row: `reason` in English (the command line), `code` and `params` for the
    page's language."""

    line: int
    plate: str
    reason: str
    code: str = "invalid"
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return f"line {self.line}: {self.plate or '(no plate)'}: {self.reason}"


@dataclass
class ImportResult:
    """What an import did: new owners, changed owners, unchanged rows and refused rows."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def summary(self) -> str:
        head = (
            f"{self.imported} imported, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )
        return "\n".join([head, *(f"  {r}" for r in self.rejected)])


@dataclass(frozen=True)
class _Row:
    line: int
    plate: plate_text.Plate
    name: str
    address: str
    id_number: str
    vehicle_class: str


def _clean(value: str | None) -> str:
    """NFC (a CSV from Windows tools may hold decomposed diacritics) and single spaces."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def _column(heading: str) -> str:
    """The column a header cell names: its export name, or its Vietnamese heading."""
    name = _clean(heading).casefold()
    return _HEADER.get(name, name)


def _vehicle_class(value: str) -> tuple[str, plate_text.Kind] | None:
    return VEHICLE_CLASSES.get(value.casefold())


def check_row(line: int, raw: dict[str, str]) -> _Row | Rejected:
    """One row (CSV columns -> text) checked as an import checks it; an edit uses it too."""
    values = {col: _clean(raw.get(col)) for col in COLUMNS}
    plate_written = values["plate"]
    missing = [col for col in COLUMNS if not values[col]]
    if missing:
        why = f"missing {', '.join(missing)}"
        return Rejected(line, plate_written, why, "missing", {"columns": missing})
    for col, limit in MAX_LEN.items():
        if len(values[col]) > limit:
            why = f"{col} is longer than {limit} characters"
            return Rejected(line, plate_written, why, "too_long", {"column": col, "limit": limit})
    known = _vehicle_class(values["vehicle_class"])
    if known is None:
        names = ", ".join(k for k in VEHICLE_CLASSES if k.isascii())
        why = f"unknown vehicle_class {values['vehicle_class']!r} ({names})"
        return Rejected(
            line, plate_written, why, "unknown_class", {"value": values["vehicle_class"]}
        )
    cls, kind = known
    try:
        plate = plate_text.parse(plate_written, kind)
    except plate_text.PlateError as exc:
        why = f"invalid plate: {exc.reason}"
        return Rejected(line, plate_written, why, "invalid_plate", {"reason": exc.reason})
    return _Row(line, plate, values["owner_name"], values["address"], values["id_number"], cls)


def _decode(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegistryError(
            f"{source}: not UTF-8 (byte {exc.start}); save the export as CSV UTF-8",
            "not_utf8",
            byte=exc.start,
        ) from None
    if "\x00" in text:
        raise RegistryError(f"{source}: a NUL byte: not a CSV text file", "binary")
    return text


def _rows(text: str, source: str) -> tuple[list[_Row], list[Rejected]]:
    """Checked rows and rejected ones; a plate given twice keeps its first line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_column(h) for h in next(reader)]
    except (StopIteration, csv.Error):
        header = []
    missing = [col for col in COLUMNS if col not in header]
    if missing:
        raise RegistryError(
            f"{source}: missing column(s) {', '.join(missing)}; the header must name "
            f"{', '.join(COLUMNS)}",
            "missing_columns",
            columns=missing,
        )
    good: list[_Row] = []
    bad: list[Rejected] = []
    first_line: dict[str, int] = {}
    while True:
        line = reader.line_num + 1  # where this record starts, even if a field spans lines
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise RegistryError(
                f"{source}: line {line}: broken CSV: {exc}", "broken", line=line
            ) from None
        if not any(f.strip() for f in fields):
            continue  # blank line
        raw = dict(zip(header, fields, strict=False))
        if len(fields) > len(header):
            plate = _clean(raw.get("plate"))
            bad.append(Rejected(line, plate, "more fields than the header", "extra_fields"))
            continue
        row = check_row(line, raw)
        if isinstance(row, Rejected):
            bad.append(row)
        elif row.plate.norm in first_line:
            seen = first_line[row.plate.norm]
            why = f"plate already given on line {seen}"
            bad.append(Rejected(line, row.plate.display, why, "duplicate", {"first": seen}))
        else:
            first_line[row.plate.norm] = line
            good.append(row)
    return good, bad


def import_registry(session: Session, csv_path: Path | str, *, actor: str = "cli") -> ImportResult:
    """Upsert the owners of a registry CSV export into the session (the caller commits).

    Columns: plate, owner_name, address, id_number, vehicle_class, or their Vietnamese
    headings (VI_HEADERS); UTF-8, a BOM is fine.
    """
    path = Path(csv_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the registry file: {exc}") from None
    return import_data(session, data, str(path), actor=actor)


def import_data(session: Session, data: bytes, source: str, *, actor: str) -> ImportResult:
    """The same import from the bytes of an uploaded file named `source`; a file that is not
    a valid CSV raises RegistryError before anything is written."""
    rows, rejected = _rows(_decode(data, source), source)
    result = ImportResult(rejected=rejected)
    now = utcnow()
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        norms = [r.plate.norm for r in chunk]
        existing = {
            o.plate_norm: o
            for o in session.scalars(select(Owner).where(Owner.plate_norm.in_(norms)))
        }
        for row in chunk:
            values = {
                "plate_text": row.plate.display,
                "name": row.name,
                "address": row.address,
                "id_number": row.id_number,
                "vehicle_class": row.vehicle_class,
            }
            owner = existing.get(row.plate.norm)
            if owner is None:
                session.add(Owner(plate_norm=row.plate.norm, imported_at=now, **values))
                result.imported += 1
            elif any(getattr(owner, k) != v for k, v in values.items()):
                changed = [k for k, v in values.items() if getattr(owner, k) != v]
                old = {k: getattr(owner, k) for k in changed}
                for k, v in values.items():
                    setattr(owner, k, v)
                owner.imported_at = now
                result.updated += 1
                detail = {"file": source, "line": row.line, "old": old}
                detail["new"] = {k: values[k] for k in changed}
                audit(session, actor, REIMPORT, row.plate.norm, detail, at=now)
            else:
                result.unchanged += 1
    detail = {
        "file": source,
        "sha256": hashlib.sha256(data).hexdigest(),
        "imported": result.imported,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": len(result.rejected),
        "rejected_lines": [r.line for r in result.rejected[:200]],
    }
    audit(session, actor, IMPORT, source[:64], detail, at=now)
    session.flush()
    return result


def owner_for(session: Session, plate_norm: str) -> Owner | None:
    """The registered owner of a plate (any spelling of it), or None when not on record."""
    norm = plate_text.normalize(plate_norm)
    return session.get(Owner, norm) if norm else None
