"""Codes the system records, said in the page's language: who acted, what the audit trail
records, the facts noted on a move, why a case was rejected, a message quarantined or a
document replaced.

The records keep their codes (the timeline, the audit trail and the API show the same facts);
only what a person reads is translated. A code this page has no words for is shown as it is,
so nothing disappears; the route-wide Vietnamese test finds it.

Messages can ask for a code to be said in their language with a format spec, e.g.
`"bởi {actor:actor}"` or `"Lý do loại bỏ: {reason:reject}"` (central.web.i18n.t): FORMATS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from central.cases import REJECT_REASONS
from central.web.explain import (
    decision_text,
    local_stamp,
    location_text,
    note_text,
    signal_text,
)
from central.web.i18n import DEFAULT_LANG, M, number, reject_reasons, t, t_opt

# Actors that are programs, not people (central.cases, central.ingest_rules, central.demo).
_ACTORS = {
    "ingest": "actor.ingest",
    "system": "actor.system",
    "cli": "actor.cli",
    "demo (automatic, not an officer)": "actor.demo",
    "(empty)": "actor.empty",
}


def actor(name: Any, lang: str = DEFAULT_LANG) -> str:
    """'hệ thống (tiếp nhận bằng chứng)' for ingest; a person's user name as it is."""
    text = str(name or "")
    key = _ACTORS.get(text)
    return t(key, lang) if key else text


def reject_reason(stored: Any, lang: str = DEFAULT_LANG) -> str:
    """A case's reject_reason ('plate_unreadable', or 'other: what the officer wrote') as the
    reason's label, with the officer's words after it."""
    text = str(stored or "")
    code, _, note = text.partition(": ")
    if code not in REJECT_REASONS:
        return text
    label = dict(reject_reasons(lang))[code]
    return f"{label}: {note}" if note else label


def audit_action(code: Any, lang: str = DEFAULT_LANG) -> str:
    return t_opt("audit", str(code), lang)


def quarantine_reason(code: Any, lang: str = DEFAULT_LANG) -> str:
    return t_opt("quarantine", str(code), lang)


def document_reason(stored: Any, lang: str = DEFAULT_LANG) -> str:
    """Why an issued document no longer stands ('readdressed: …', 'cancelled: …')."""
    text = str(stored or "")
    code, _, note = text.partition(": ")
    key = f"doc_reason.{code}"
    if key not in M:
        return text
    return f"{t(key, lang)}: {note}" if note else t(key, lang)


def _yes_no(value: bool, lang: str) -> str:
    return t("common.yes" if value else "common.no", lang)


def _amount(value: Any, lang: str) -> str:
    if not isinstance(value, int):
        return str(value)
    return t("amount.vnd", lang, n=number(value, lang=lang))


def _when(value: Any, _lang: str) -> str:
    return local_stamp(value) if isinstance(value, str | datetime) else str(value)


def _label(prefix: str) -> Callable[[Any, str], str]:
    return lambda value, lang: t_opt(prefix, str(value), lang)


def _reason(value: Any, lang: str) -> str:
    return reject_reason(value, lang) if value in REJECT_REASONS else str(value)


# How a fact's value is said, by the fact's key; others as they are.
_VALUES: dict[str, Callable[[Any, str], str]] = {
    "chain": _label("chain_status"),
    "chain_note": lambda v, lang: note_text(str(v), lang),
    "clock_note": lambda v, lang: note_text(str(v), lang),
    "demo": lambda _v, lang: t("fact.demo_value", lang),
    "reason": _reason,
    "amount_vnd": _amount,
    "deadline_at": _when,
    "ground": _label("appeal.ground"),
    "state_before": _label("state"),
    "outcome": _label("act.outcome"),
    "role": _label("role"),
    "via": _label("via"),
    "state": _label("state"),
    "vehicle": _label("vehicle"),
    "sort": _label("sort"),
    "dir": _label("dir"),
    "lang": _label("lang"),
    "unread": lambda v, lang: _yes_no(v not in ("", "0", False, None), lang),
    "filter": lambda v, lang: f"({facts(v, lang) or '–'})" if isinstance(v, Mapping) else str(v),
}


def fact_value(key: str, value: Any, lang: str = DEFAULT_LANG) -> str:
    if key in _VALUES:
        return _VALUES[key](value, lang)
    if isinstance(value, bool):
        return _yes_no(value, lang)
    if isinstance(value, int | float):
        return number(value, 0 if isinstance(value, int) else 2, lang=lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def facts(detail: Mapping[str, Any] | None, lang: str = DEFAULT_LANG) -> str:
    """A move's note or an audit line's detail: 'biển số trước khi sửa: 59-D2 064.28; …'.
    Ids, hashes and numbers stay as recorded; versions and counts are numbers as written in
    `lang` (amounts with the currency)."""
    parts = []
    for key, value in (detail or {}).items():
        if value is None or value == "":
            continue
        label = t_opt("fact", key, lang)
        if key in ("version", "case_version", "n", "sequence") and isinstance(value, int):
            shown = str(value)
        else:
            shown = fact_value(key, value, lang)
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)


# Format specs a message may use on a value: "{actor:actor}".
FORMATS: dict[str, Callable[[Any, str], str]] = {
    "actor": actor,
    "reject": reject_reason,
    "audit": audit_action,
    "quarantine": quarantine_reason,
    "document": document_reason,
}


def template_helpers(lang: str) -> dict[str, Callable[..., str]]:
    """What every page's template gets to say codes: actor(x), facts(d), …"""
    return {
        "actor": lambda v: actor(v, lang),
        "facts": lambda d: facts(d, lang),
        "reject_reason": lambda v: reject_reason(v, lang),
        "audit_action": lambda v: audit_action(v, lang),
        "quarantine_reason": lambda v: quarantine_reason(v, lang),
        "document_reason": lambda v: document_reason(v, lang),
        "note_text": lambda v: note_text(v, lang),
        "decision_text": lambda m: decision_text(m, lang),
        "signal_text": lambda m: signal_text(m, lang),
        "location_text": lambda loc: location_text(loc, lang),
    }
