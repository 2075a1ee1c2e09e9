"""The lifecycle's refusals said again in the page's language.

central.cases, central.appeals, central.notices, central.fines and central.issued_documents
refuse in English (the command line and the JSON API show those words). The page matches each
message against the table below and says it with the dictionary's words, states and vehicle
classes through their labels and amounts with the language's digit grouping (10.000.000
đồng). A message the table does not know is still shown, after "Không thực hiện được:";
tests/central/web/test_errors_in_page.py raises each refusal for real and checks it is matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from central.web.i18n import number, t, t_opt

Convert = Callable[[str, str], str]


def _state(value: str, lang: str) -> str:
    return t_opt("state", value, lang)


def _vehicle(value: str, lang: str) -> str:
    return t_opt("vehicle", value, lang).lower() if lang == "vi" else value


def _money(value: str, lang: str) -> str:
    digits = re.sub(r"[.,\s]", "", value)
    return number(int(digits), lang=lang) if digits.isdigit() else value


def _what(value: str, lang: str) -> str:
    return t_opt("refuse.what", value, lang)


def plate_reason(reason: str, lang: str) -> str:
    """common.plate_text's reason for a refused plate, in the page's language."""
    for pattern, key, convert in _PLATE:
        found = pattern.fullmatch(reason.strip())
        if found:
            values = {k: convert.get(k, _same)(v, lang) for k, v in found.groupdict().items()}
            return t(key, lang, **values)
    return reason


def _same(value: str, _lang: str) -> str:
    return value


def _kind(value: str, lang: str) -> str:
    return t_opt("plate.kind", value, lang)


def _plate_reason(value: str, lang: str) -> str:
    return plate_reason(value, lang)


_KINDS: dict[str, Convert] = {"kind": _kind, "other": _kind, "a_kind": _kind, "b_kind": _kind}
_PLATE: list[tuple[re.Pattern[str], str, dict[str, Convert]]] = [
    (re.compile(p), key, _KINDS)
    for p, key in (
        (r"empty plate text", "plate.empty"),
        (r"plate must start with a 2-digit province code", "plate.province_first"),
        (r"missing series letter after province code (?P<code>\w+)", "plate.no_series"),
        (r"series (?P<series>\w+) has too many letters", "plate.series_long"),
        (r"unexpected letter (?P<letter>\w) in the number", "plate.letter_in_number"),
        (r"MĐ is the electric series: .*", "plate.electric"),
        (r"number must have 4 or 5 digits", "plate.number_len"),
        (r"unknown province code (?P<code>\w+)", "plate.province"),
        (r"series letter (?P<letter>\w) is never used", "plate.never_letter"),
        (
            r"(?P<series>\w+) is not a two-letter car series \((?P<known>.*)\)",
            "plate.car_series",
        ),
        (r"motorbike series digit must be 1-9, got 0", "plate.digit_zero"),
        (
            r"not a (?P<kind>\w+) plate: reads as (?P<other>\w+) (?P<display>.+)",
            "plate.other_kind",
        ),
        (
            r"ambiguous: (?P<a_kind>\w+) (?P<a>.+?) or (?P<b_kind>\w+) (?P<b>.+?); .*",
            "plate.ambiguous",
        ),
        (r"not a plate", "plate.not_plate"),
    )
]

CASE = r"case (?P<id>\d+)"
STATE = r"(?P<state>\w+)"


@dataclass(frozen=True)
class Said:
    """A refusal as the page shows it, and a link that helps (the registry for a plate)."""

    text: str
    link: tuple[str, str] | None = None


def _row(
    pattern: str, key: str, **convert: Convert
) -> tuple[re.Pattern[str], str, dict[str, Convert]]:
    return re.compile(pattern), key, convert


_MONEY = {"amount": _money, "min": _money, "max": _money, "paid": _money, "fine": _money}
_TABLE = [
    _row(CASE + r" has no plate: read it from the evidence and give it", "refuse.no_plate"),
    _row(
        r"plate '(?P<plate>.*)' is not a valid Vietnamese plate: (?P<reason>.+)",
        "refuse.bad_plate",
        reason=_plate_reason,
    ),
    _row(
        CASE + r" is " + STATE + r": it cannot become (?P<to>\w+) \(allowed: .*\)",
        "refuse.cannot_become",
        state=_state,
        to=_state,
    ),
    _row(r"unknown (?P<what>[a-z ]+) '.*'; one of: .*", "refuse.unknown_code", what=_what),
    _row(
        r"(?P<what>[a-z ]+) 'other' needs the reason written out",
        "refuse.other_needs_text",
        what=_what,
    ),
    _row(r"no case (?P<id>\d+)", "refuse.no_case"),
    _row(r"every move needs the name of who makes it", "refuse.no_actor"),
    _row(
        CASE + r": reversing a confirmation needs the reason written out", "refuse.reverse_reason"
    ),
    _row(
        CASE + r" is " + STATE + r": only a confirmed case can be reversed",
        "refuse.reverse_state",
        state=_state,
    ),
    _row(
        CASE + r": plate (?P<plate>.+?) is not in the vehicle registry( \(.*\))?", "refuse.no_owner"
    ),
    _row(r"a fine must be a positive amount of VND, got (?P<amount>.+)", "refuse.fine_positive"),
    _row(
        r"(case (?P<id>\d+): )?(?P<amount>[\d.,]+) VND is outside the fine range for "
        r"(?P<vehicle>\w+) \((?P<group>.+)\): (?P<min>[\d.,]+)–(?P<max>[\d.,]+) VND "
        r"under (?P<basis>.+)",
        "refuse.fine_range",
        vehicle=_vehicle,
        **_MONEY,
    ),
    _row(
        r"(case \d+: )?no fine is configured for vehicle class '(?P<vehicle>.*)' \(known: .*\)",
        "refuse.fine_class",
    ),
    _row(r"(case \d+: )?a fine is a whole number of VND, got (?P<amount>.+)", "refuse.fine_whole"),
    _row(CASE + r" has no fine recorded yet: record the fine first", "refuse.no_fine"),
    _row(
        CASE + r": payment (?P<paid>[\d.,]+) VND differs from the fine (?P<fine>[\d.,]+)",
        "refuse.pay_differs",
        **_MONEY,
    ),
    _row(r"a payment needs its receipt or transaction reference", "refuse.pay_reference"),
    _row(CASE + r": deadline (?P<when>.+) has not passed; cannot escalate", "refuse.deadline"),
    _row(r"a fine decision needs the name and title of who signs it", "refuse.signer"),
    _row(r"the form did not say which version of the case it was made on", "refuse.no_version"),
    _row(
        CASE + r" is " + STATE + r": only a notice or a fine is appealed",
        "refuse.appeal_state",
        state=_state,
    ),
    _row(
        CASE + r" is " + STATE + r": there is no appeal to decide", "refuse.no_appeal", state=_state
    ),
    _row(r"unknown outcome '.*'; one of: .*", "refuse.unknown_outcome"),
    _row(CASE + r": the decision on an appeal needs its reasons written", "refuse.appeal_reasons"),
    _row(CASE + r": re-addressing needs the new name and address", "refuse.readdress"),
    _row(
        CASE + r": the camera saw a (?P<seen>\w+) but (?P<plate>.+?) is registered as a "
        r"(?P<registered>\w+): check the plate before a notice goes out",
        "refuse.class_mismatch",
        seen=_vehicle,
        registered=_vehicle,
    ),
    _row(r"evidence file (?P<name>\S+) \(\w+\) is missing: .*", "refuse.evidence_missing"),
    _row(
        r"evidence file (?P<name>\S+) \(\w+\) does not match its sha256.*",
        "refuse.evidence_mismatch",
    ),
    _row(r"evidence file (?P<name>\S+): path .* leaves the evidence store", "refuse.path_escape"),
    _row(r"violation (?P<vid>\S+): no evidence (?P<what>.+)", "refuse.evidence_none"),
    _row(CASE + r": evidence bundle (?P<vid>\S+) is not stored", "refuse.bundle_missing"),
    _row(
        CASE + r" is " + STATE + r": only a confirmed case gets a notice",
        "refuse.notice_state",
        state=_state,
    ),
    _row(CASE + r" is " + STATE + r": it has no notice in force", "refuse.no_notice", state=_state),
    _row(r"an evidence image is neither JPEG, PNG nor WebP", "refuse.image_kind"),
    _row(
        r"document (?P<number>\S+) \((?P<fmt>\w+)\) is missing from the store: .*",
        "refuse.doc_missing",
    ),
    _row(
        r"document (?P<number>\S+) \((?P<fmt>\w+)\) does not match its sha256",
        "refuse.doc_mismatch",
    ),
]


def match(message: str) -> tuple[str, dict[str, str]] | None:
    """The table's key for an English refusal and the values it carries, or None."""
    for pattern, key, _ in _TABLE:
        found = pattern.fullmatch(message.strip())
        if found:
            return key, {k: v or "" for k, v in found.groupdict().items()}
    return None


def say(message: str, lang: str) -> Said:
    """An English refusal in `lang`; the registry link when a plate has no owner on record."""
    text = message.strip()
    for pattern, key, convert in _TABLE:
        found = pattern.fullmatch(text)
        if not found:
            continue
        raw = {k: v or "" for k, v in found.groupdict().items()}
        values = {k: convert.get(k, _same)(v, lang) for k, v in raw.items()}
        link = None
        if key == "refuse.no_owner":
            from common.plate_text import normalize

            href = f"/registry?plate={normalize(raw['plate'])}"
            link = (href, t("refuse.no_owner_link", lang, plate=raw["plate"]))
        return Said(t(key, lang, **values), link)
    return Said(t("refuse.other", lang, reason=text))
