"""The verifier's detail of a quarantined message in the page's language.

The collector records why it refused a message in English (the command line, the logs and the
edge's receipt read the same words), from a known, finite set of messages: the rules of
central.web.quarantine_rules say each one again in Vietnamese, with the names, key ids, sizes
and hashes kept exactly. A detail no rule matches (a library's words, a message cut short) is
said as the check that failed, and the original is given verbatim for the page to show marked
as English; English pages show the detail as recorded."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from central.web.i18n import M, lang_or_default, t
from central.web.quarantine_match import fill, first_match, ident, plain
from central.web.quarantine_rules import RULES


@dataclass(frozen=True)
class Detail:
    text: str  # in the page's language, plain (a flash message)
    html: Markup  # the same with the recorded values as <code>
    verbatim: str | None  # the verifier's words no rule understood, to show as English


def render_detail(reason_code: str, detail: str, lang: str) -> Detail:
    """`detail` (Quarantined.reason) of a `reason_code` entry, said in `lang`."""
    detail = str(detail or "")
    if lang_or_default(lang) != "vi":
        return Detail(detail, escape(detail), None)
    piece = first_match(RULES.get(str(reason_code), ()), detail)
    if piece is None:  # the check that failed, by name (an unknown code as it is)
        known = f"quarantine.{reason_code}" in M
        reason = plain(t(f"quarantine.{reason_code}", "vi")) if known else ident(reason_code)
        said = fill(M["qd.unmatched"][0], {"reason": reason})
        return Detail(said.text, said.html, detail)
    return Detail(piece.text, piece.html, "; ".join(piece.verbatim) or None)


def detail_text(reason_code: str, detail: str, lang: str) -> str:
    """The detail as one line of text, with any verbatim words after it in quotes."""
    said = render_detail(reason_code, detail, lang)
    if said.verbatim is None:
        return said.text
    return t("qd.with_verbatim", lang, text=said.text, verbatim=said.verbatim)
