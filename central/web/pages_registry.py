"""The vehicle registry page: look a plate up by any fragment, see its owner (name, address,
căn cước number, vehicle type, where the record came from, when it was imported and edited)
and its cases; officers and supervisors mend a record with a written reason (audited, old
values kept); supervisors import the registration office's CSV export from the page, with the
command line's validator and a summary of every refused row by line, in the page's language.

Who may do what, with the permissions central.users has: looking up and editing go with
issuing notices (`cases.notice`: the officer who cannot issue a notice for a missing owner is
the one who mends it); a whole import goes with deciding who a notice is addressed to
(`cases.appeal_decide`: supervisors).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from central import registry, registry_edit
from central.db import Owner
from central.users import AuditEntry, User
from central.web.auth import get_db, lang_of, require
from central.web.i18n import number, t, t_opt
from central.web.refusal_texts import plate_reason
from central.web.render import flash, page
from common import plate_text

router = APIRouter()
LOOK, EDIT, IMPORT = "cases.notice", "cases.notice", "cases.appeal_decide"
MAX_UPLOAD_MB = 20
CLASSES = ("car", "truck", "bus", "motorcycle")  # what an edit offers (the stored classes)
PlateQuery = Annotated[str, Query(max_length=64)]


def row_reason(code: str, params: dict[str, Any], lang: str) -> str:
    """Why a registry row (or an edit) was refused, in `lang`."""
    values = dict(params)
    if code == "missing":
        values["columns"] = ", ".join(t_opt("csvcol", c, lang) for c in params.get("columns", ()))
    elif code == "too_long":
        values["column"] = t_opt("csvcol", str(params.get("column")), lang)
    elif code == "invalid_plate":
        values["reason"] = plate_reason(str(params.get("reason", "")), lang)
    key = f"row.{code}"
    try:
        return t(key, lang, **values)
    except KeyError:
        return t("row.invalid", lang)


def column_names(columns: Any, lang: str) -> str:
    """The columns as the header may name them in `lang`: “Biển số”, … (vi), plate, … (en)."""
    if lang == "vi":
        return ", ".join(f"“{registry.VI_HEADERS[c][0]}”" for c in columns)
    return ", ".join(str(c) for c in columns)


def file_reason(exc: registry.RegistryError, lang: str) -> str:
    values = dict(exc.params)
    if exc.code == "missing_columns":
        values["columns"] = column_names(values.get("columns", ()), lang)
        values["needed"] = column_names(registry.COLUMNS, lang)
    try:
        return t(f"import.err.{exc.code}", lang, **values)
    except KeyError:
        return t("import.err.unreadable", lang)


def edit_reason(exc: registry_edit.OwnerEditError, lang: str) -> str:
    if exc.code.startswith("row."):
        why = row_reason(exc.code[4:], exc.params, lang)
    else:
        params = dict(exc.params)
        if "vehicle" in params:
            params["vehicle"] = t_opt("vehicle", str(params["vehicle"]), lang)
        try:
            why = t(f"edit.{exc.code}", lang, **params)
        except KeyError:
            why = str(exc)
    return t("edit.refused", lang, why=why)


def _whole_plate(text: str) -> str | None:
    """`text` as a plate's display when it is one whole plate (of either kind)."""
    for kind in (None, "car", "motorbike"):
        try:
            return plate_text.parse(text, kind).display
        except plate_text.PlateError:
            continue
    return None


def file_of(entry: AuditEntry | None) -> str:
    """The name of the file an import audit line read (its folder is in the trail)."""
    detail = (entry.detail or {}) if entry is not None else {}
    name = str(detail.get("file") or (entry.target if entry is not None else "") or "")
    return PurePath(name).name or name


def _front(request: Request, db: Session, user: User, **context: Any) -> dict[str, Any]:
    """What the look-up page always shows: the search, the counts, the import form."""
    base: dict[str, Any] = {
        "q": "",
        "results": None,
        "total": 0,
        "missing": None,
        "cases": [],
        "summary": None,
        "import_error": None,
        "count": registry_edit.count(db),
        "last_import": registry_edit.last_import(db),
        "can_import": user.can(IMPORT),
        "max_mb": MAX_UPLOAD_MB,
        "file_of": file_of,
        "import_columns": column_names(registry.COLUMNS, lang_of(request)),
        "export_columns": registry.COLUMNS,
    }
    return base | context


@router.get("/registry", response_class=HTMLResponse)
def registry_page(
    request: Request,
    user: Annotated[User, Depends(require(LOOK))],
    db: Annotated[Session, Depends(get_db)],
    plate: PlateQuery = "",
) -> Response:
    """Look-up by fragment; an exact plate on record opens its page."""
    q = " ".join(plate.split())
    if not q:
        return page(request, "registry.html", _front(request, db, user))
    norm = plate_text.normalize(q)
    if norm and db.get(Owner, norm) is not None:
        return RedirectResponse(f"/registry/{norm}", 303)
    results, total = registry_edit.search(db, q)
    cases = registry_edit.cases_of(db, norm) if norm and not results else []
    missing = cases[0].plate_text if cases else _whole_plate(q)  # a plate not on record
    context = _front(request, db, user, q=q, results=results, total=total)
    context |= {"missing": missing, "cases": cases, "norm": norm}
    return page(request, "registry.html", context)


def _owner_page(
    request: Request,
    db: Session,
    user: User,
    owner: Owner,
    *,
    form: dict[str, str] | None = None,
    reason: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    edits = registry_edit.changes(db, owner.plate_norm)
    context = {
        "owner": owner,
        "form": form or registry_edit.values_of(owner),
        "reason": reason,
        "error": error,
        "stamp": registry_edit.stamp(owner),
        "source": registry_edit.source_of(db, owner),
        "edits": edits,
        "last_edit": next((e for e in edits if e.action == registry_edit.EDIT), None),
        "cases": registry_edit.cases_of(db, owner.plate_norm),
        "can_edit": user.can(EDIT),
        "classes": CLASSES,
        "file_of": file_of,
        "import_columns": column_names(registry.COLUMNS, lang_of(request)),
        "export_columns": registry.COLUMNS,
    }
    return page(request, "registry_owner.html", context, status)


@router.get("/registry/{plate_norm}", response_class=HTMLResponse)
def owner_page(
    plate_norm: str,
    request: Request,
    user: Annotated[User, Depends(require(LOOK))],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    norm = plate_text.normalize(plate_norm[:64])
    owner = db.get(Owner, norm) if norm else None
    if owner is None:
        return RedirectResponse(f"/registry?plate={norm}", 303)
    if norm != plate_norm:
        return RedirectResponse(f"/registry/{norm}", 303)
    return _owner_page(request, db, user, owner)


@router.post("/registry/{plate_norm}/edit", response_class=HTMLResponse)
def owner_edit(
    plate_norm: str,
    request: Request,
    user: Annotated[User, Depends(require(EDIT))],
    db: Annotated[Session, Depends(get_db)],
    name: Annotated[str, Form(max_length=400)] = "",
    address: Annotated[str, Form(max_length=2000)] = "",
    id_number: Annotated[str, Form(max_length=64)] = "",
    vehicle_class: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    seen: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Save an edit (audited with the old values), or show the page again with the refusal
    and everything typed still in the form."""
    lang = lang_of(request)
    owner = db.get(Owner, plate_text.normalize(plate_norm[:64]) or "-")
    if owner is None:
        return RedirectResponse(f"/registry?plate={plate_norm[:64]}", 303)
    typed = {"name": name, "address": address, "id_number": id_number}
    typed["vehicle_class"] = vehicle_class
    try:
        registry_edit.edit_owner(db, owner.plate_norm, typed, reason, user.username, seen)
        changed = registry_edit.changes(db, owner.plate_norm, 1)[0].detail or {}
        db.commit()
    except registry_edit.OwnerEditError as exc:
        db.rollback()
        owner = db.get(Owner, owner.plate_norm) or owner
        why = edit_reason(exc, lang)
        return _owner_page(
            request, db, user, owner, form=typed, reason=reason, error=why, status=422
        )
    fields = ", ".join(t_opt("field", f, lang) for f in changed.get("changed", ()))
    flash(request, "ok", t("owner.saved", lang, plate=owner.plate_text, fields=fields))
    return RedirectResponse(f"/registry/{owner.plate_norm}", 303)


def _file_name(upload: UploadFile | None) -> str:
    raw = (upload.filename if upload is not None else "") or "registry.csv"
    return PurePath(raw.replace("\\", "/")).name[:120] or "registry.csv"


@router.post("/registry/import", response_class=HTMLResponse)
async def registry_import(
    request: Request,
    user: Annotated[User, Depends(require(IMPORT))],
    db: Annotated[Session, Depends(get_db)],
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Import an uploaded export; the summary (or why nothing was imported) on the page."""
    lang = lang_of(request)
    name = _file_name(file)
    data = await file.read(MAX_UPLOAD_MB * 2**20 + 1) if file is not None else b""
    why = None
    if not data:
        why = t("import.no_file", lang)
    elif len(data) > MAX_UPLOAD_MB * 2**20:
        why = t("import.too_big", lang, mb=MAX_UPLOAD_MB)
    result = None
    if why is None:
        try:
            result = registry.import_data(db, data, name, actor=user.username)
            db.commit()
        except registry.RegistryError as exc:
            db.rollback()
            why = file_reason(exc, lang)
    if result is None:
        error = t("import.refused", lang, file=name, why=why)
        context = _front(request, db, user, import_error=error)
        return page(request, "registry.html", context, 422)
    refused = [(r.line, r.plate, row_reason(r.code, r.params, lang)) for r in result.rejected]
    summary = {
        "text": t(
            "import.summary",
            lang,
            file=name,
            added=number(result.imported, lang=lang),
            updated=number(result.updated, lang=lang),
            unchanged=number(result.unchanged, lang=lang),
            refused=number(len(result.rejected), lang=lang),
        ),
        "refused": refused,
    }
    return page(request, "registry.html", _front(request, db, user, summary=summary))
