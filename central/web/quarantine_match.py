"""The machinery that says a verifier's English detail again in Vietnamese: a rule is an
anchored pattern for one of the project's messages with a Vietnamese template, and each captured
value is put back as it was recorded (in `<code>` on the page), written as a Vietnamese number,
or said again through another table of rules (a nested message such as a library's words).

Templates name the captured values as `{name}` and mark literal identifiers (a field of the
manifest, a command) with backticks, so they are shown as code too. The tables themselves are in
central.web.quarantine_rules and central.web.quarantine_schema."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from central.web.i18n import t
from common.vi_number import vi_number


@dataclass(frozen=True)
class Piece:
    """Part of a rendered detail: as plain text, as HTML, and the words no rule understood
    (kept for the page to show verbatim)."""

    text: str
    html: Markup
    verbatim: tuple[str, ...] = ()


Convert = Callable[[str], Piece]
_SLOT = re.compile(r"\{(\w+)\}|`([^`]*)`")


def ident(value: str) -> Piece:
    """A value kept exactly as recorded: a name, a key id, a topic, a hash."""
    return Piece(value, Markup("<code>{}</code>").format(value))


def num(value: str) -> Piece:
    """A count or a size in bytes, with Vietnamese digit grouping (20.971.520)."""
    text = vi_number(int(value)) if value.lstrip("-").isdigit() else value
    return Piece(text, escape(text))


def plain(value: str) -> Piece:
    """A number kept as written (a frame index, a limit from the schema)."""
    return Piece(value, escape(value))


def choices(value: str) -> Piece:
    """pydantic's "'red', 'amber' or 'unknown'": each value as code, joined in Vietnamese."""
    values = re.findall(r"'[^']*'", value)
    rebuilt = ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else "".join(values)
    if not values or rebuilt != value:
        return ident(value)
    codes = [ident(v) for v in values]
    if len(codes) == 1:
        return codes[0]
    text = ", ".join(c.text for c in codes[:-1]) + " hoặc " + codes[-1].text
    html = Markup(", ").join(c.html for c in codes[:-1]) + Markup(" hoặc ") + codes[-1].html
    return Piece(text, html)


def library(value: str) -> Piece:
    """Words of a library the tables do not know: said to be there, kept verbatim."""
    if not value.strip():
        text = t("qd.no_words", "vi")
        return Piece(text, escape(text))
    text = t("qd.library", "vi")
    return Piece(text, escape(text), (value,))


@dataclass(frozen=True)
class Rule:
    """One message of the project: `pattern` matches all of it; `vi` says it in Vietnamese."""

    pattern: str
    vi: str
    kinds: dict[str, Convert] = field(default_factory=dict)
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.DOTALL))
        slots = {m.group(1) for m in _SLOT.finditer(self.vi) if m.group(1)}
        groups = set(self.regex.groupindex)
        assert slots == groups, f"{self.pattern}: template has {slots}, pattern {groups}"
        assert set(self.kinds) <= groups, f"{self.pattern}: kinds for unknown groups"

    def render(self, text: str) -> Piece | None:
        found = self.regex.fullmatch(text)
        if found is None:
            return None
        values: dict[str, Piece] = {}
        for name, value in found.groupdict().items():
            values[name] = (
                Piece("", Markup("")) if value is None else self.kinds.get(name, ident)(value)
            )
        return fill(self.vi, values)


def fill(template: str, values: dict[str, Piece]) -> Piece:
    """The template with its slots filled and its backticked literals as code."""
    text: list[str] = []
    html: list[Markup] = []
    verbatim: list[str] = []
    at = 0
    for slot in _SLOT.finditer(template):
        text.append(template[at : slot.start()])
        html.append(escape(template[at : slot.start()]))
        at = slot.end()
        if slot.group(1):
            piece = values[slot.group(1)]
            verbatim += piece.verbatim
        else:
            piece = ident(slot.group(2))
        text.append(piece.text)
        html.append(piece.html)
    text.append(template[at:])
    html.append(escape(template[at:]))
    return Piece("".join(text), Markup("").join(html), tuple(verbatim))


def with_code(text: str) -> Markup:
    """A finished message whose backticked literals (a command) are shown as code."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an odd backtick: no code marked
        return escape(text)
    return Markup("").join(ident(p).html if i % 2 else escape(p) for i, p in enumerate(parts))


def first_match(rules: Sequence[Rule], text: str) -> Piece | None:
    for rule in rules:
        piece = rule.render(text)
        if piece is not None:
            return piece
    return None


def sub(rules: Sequence[Rule] | Callable[[], Sequence[Rule]]) -> Convert:
    """A nested message said through another table; kept verbatim when none matches."""

    def convert(value: str) -> Piece:
        table = rules() if callable(rules) else rules
        return first_match(table, value) or library(value)

    return convert
