"""What the evidence says, in the officer's language: why the camera flagged the crossing,
where its signal state came from, and the centre's notes on the evidence chain and the clock.

The signed manifest keeps the edge's own English sentence ("crossed on red, 1.93 s into red,
and continued") and stays as signed; the Vietnamese is made here from the facts beside it (the
signal at the crossing, the time into red and whether it is a lower bound, how far the vehicle
went on). The notes the centre wrote at ingest (central.ingest_rules) are stored in English
too; they are recognised by their wording and said again with their own values. Whatever is
not recognised is shown as stored, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from central.web.i18n import DEFAULT_LANG, lang_or_default, number, t, t_opt
from common.manifest import parse_utc_ms

# The edge's reason starts with one of these (edge.pipeline.rule): which kind of decision.
_KINDS = (
    ("crossed on", "violation"),
    ("crossing not seen", "unseen"),
    ("left through", "exempt"),
    ("did not continue", "stopped"),
    ("signal was", "not_red"),
    ("only", "grace"),
)
_SIGNAL_WORDS = {
    "vi": {"red": "đỏ", "amber": "vàng", "green": "xanh", "unknown": "không xác định"},
    "en": {"red": "red", "amber": "amber", "green": "green", "unknown": "unknown"},
}


def _seconds(value: Any, lang: str, decimals: int = 2) -> str:
    return number(float(value), decimals, lang=lang) if isinstance(value, int | float) else "–"


def _kind(reason: str) -> str:
    for prefix, kind in _KINDS:
        if reason.startswith(prefix):
            return kind
    return "violation" if not reason else "other"


def decision_text(manifest: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """Why the crossing was flagged, from the manifest's facts; in English the edge's own
    sentence, which is what it was signed with."""
    decision = manifest.get("decision") or {}
    reason = str(decision.get("reason") or "")
    if lang_or_default(lang) == "en" and reason:
        return reason
    signal = decision.get("signal_at_cross") or {}
    state = signal.get("state") or (manifest.get("signal") or {}).get("state") or "unknown"
    into = manifest.get("seconds_into_red", signal.get("seconds_into_red"))
    kind = _kind(reason)
    words = _SIGNAL_WORDS[lang_or_default(lang)]
    if kind == "violation" and state == "amber":
        text = t("why.amber", lang)
    elif kind == "violation" and not isinstance(into, int | float):
        text = t("why.red_no_time", lang)
    elif kind == "violation":
        key = "why.red_at_least" if signal.get("began_before_stream") else "why.red"
        text = t(key, lang, s=_seconds(into, lang))
    elif kind == "unseen":
        text = t("why.unseen", lang, gap=_seconds(decision.get("crossing_gap_s"), lang))
    elif kind == "not_red":
        text = t("why.not_red", lang, state=words.get(state, state))
    elif kind == "grace":
        text = t("why.grace", lang, s=_seconds(into, lang))
    elif kind in ("exempt", "stopped"):
        text = t(f"why.{kind}", lang)
    else:
        return reason  # a wording this page does not know: as the edge wrote it
    unseen, amber = signal.get("unseen_s"), decision.get("least_amber_s")
    if kind == "violation" and isinstance(unseen, int | float):
        text += "; " + t("why.lamp_unseen", lang, s=_seconds(unseen, lang),
                         amber=_seconds(amber, lang, 0))  # fmt: skip
    moved, frames = decision.get("moved_past_line_px"), decision.get("frames_past_line")
    if kind == "violation" and isinstance(moved, int | float) and isinstance(frames, int):
        need = decision.get("needed_past_line_px")
        text += "; " + t(
            "why.past_line",
            lang,
            px=number(moved, 0, lang=lang),
            n=number(frames, lang=lang),
            need=number(need, 0, lang=lang) if isinstance(need, int | float) else "–",
        )
    return text[:1].upper() + text[1:]


def signal_text(manifest: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """'Đỏ (nhận dạng hình ảnh đèn)': the state at the crossing and where it came from."""
    signal = manifest.get("signal") or {}
    state = t_opt("signal", signal.get("state"), lang)
    source = signal.get("source")
    return f"{state} ({t_opt('source', source, lang)})" if source else state


def location_text(location: dict[str, Any] | None, lang: str = DEFAULT_LANG) -> str:
    """'10,3600° B, 106,3560° Đ' (the site's latitude and longitude)."""
    loc = location or {}
    lat, lon = loc.get("lat"), loc.get("lon")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return "–"
    return t("facts.latlon", lang, lat=number(lat, 4, lang=lang), lon=number(lon, 4, lang=lang))


def _local(stamp: str) -> str:
    from central.web.render import local  # here: central.web.render imports central.web.codes

    try:
        return local(parse_utc_ms(stamp))
    except ValueError:
        return stamp


Rewrite = Callable[[re.Match[str], str], dict[str, str]]
_SHA = r"[0-9a-f]{64}"
_ID = r"[0-9a-f-]{36}"
_CHAIN: tuple[tuple[re.Pattern[str], str, Rewrite], ...] = (
    (
        re.compile(rf"sequence (\d+) of (\S+) is already held by bundle ({_ID})"),
        "chain_note.held",
        lambda m, _l: {"seq": m[1], "cam": m[2], "vid": m[3]},
    ),
    (
        re.compile(
            rf"prev_sha256 ({_SHA}) is not the manifest hash of bundle ({_ID}) at sequence (\d+)"
        ),
        "chain_note.prev",
        lambda m, _l: {"sha": m[1], "vid": m[2], "n": m[3]},
    ),
    (
        re.compile(r"sequence 1 links to an earlier manifest: the edge chain was restarted"),
        "chain_note.restart",
        lambda m, _l: {},
    ),
    (
        re.compile(r"no earlier bundle of (\S+) is known \(this is sequence (\d+)\)"),
        "chain_note.first",
        lambda m, _l: {"cam": m[1], "seq": m[2]},
    ),
    (
        re.compile(r"sequence (\d+) follows (\d+): (\d+) bundle\(s\) missing"),
        "chain_note.gap",
        lambda m, _l: {"seq": m[1], "last": m[2], "k": m[3]},
    ),
    (
        re.compile(rf"prev_sha256 is not the manifest hash of ({_ID}) at sequence (\d+)"),
        "chain_note.prev_later",
        lambda m, _l: {"vid": m[1], "n": m[2]},
    ),
    (
        re.compile(
            r"crossed_at (\S+) is ([\d.]+) min ahead of the centre's clock \((\S+)\): "
            r"the edge box clock may be fast"
        ),
        "clock_note.ahead",
        lambda m, lang: {
            "at": _local(m[1]),
            "m": number(float(m[2]), 1, lang=lang),
            "now": _local(m[3]),
        },
    ),
    (
        re.compile(
            r"crossed_at (\S+) is (\d+) days before it arrived \((\S+)\): "
            r"the edge box clock may be wrong"
        ),
        "clock_note.old",
        lambda m, lang: {"at": _local(m[1]), "d": m[2], "now": _local(m[3])},
    ),
)
_CLOSED = re.compile(rf"^(.*); closed by ({_ID}) arriving later$")


def note_text(note: str | None, lang: str = DEFAULT_LANG) -> str:
    """A chain or clock note the centre stored at ingest, in `lang` (as stored when its
    wording is not known here)."""
    if not note:
        return ""
    if lang_or_default(lang) == "en":
        return note
    if closed := _CLOSED.match(note):
        return t("chain_note.closed", lang, note=note_text(closed[1], lang), vid=closed[2])
    for pattern, key, values in _CHAIN:
        if m := pattern.fullmatch(note):
            return t(key, lang, **values(m, lang))
    return note


def local_stamp(value: str | datetime) -> str:
    """An ISO time (as a note stores it) as Mỹ Tho's wall clock."""
    from central.web.render import local

    if isinstance(value, datetime):
        return local(value)
    try:
        return local(datetime.fromisoformat(value))
    except ValueError:
        return value
