"""Vietnamese licence-plate text: normalise, parse strictly, repair OCR reads.

The edge (OCR post-processing) and the central service (plate correction at review) must
agree on one grammar, so it lives here, in the standard library only. The grammar is data
(PROVINCES, SERIES_FORMS, the confusable maps); the functions only walk it.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from common.plate_tables import CAR_SPECIAL_SERIES, NEVER_LETTERS, PROVINCES

Kind = Literal["car", "motorbike"]
KINDS: tuple[Kind, ...] = ("car", "motorbike")

ELECTRIC, ELECTRIC_DISPLAY = "MD", "MĐ"  # the electric-motorbike series letters: norm, shown
_ELECTRIC_RULE = f"{ELECTRIC_DISPLAY} is the electric series: a digit 1-9, then 5 digits"


@dataclass(frozen=True)
class SeriesForm:
    """One series layout after the 2-digit province code, and its number lengths.

    slots: "L" series letter; "l" series letter never produced by repair (the only mark
    telling that form from a letter+digit one); "E" the Đ of the electric series; "S"
    series digit 1-9.
    """

    name: str
    kind: Kind
    slots: str
    numbers: tuple[int, ...]
    only: frozenset[str] | None = None  # the series letters must be one of these
    never: frozenset[str] = frozenset()  # series letters reserved for another form


# Table order is the order value errors are reported in.
SERIES_FORMS: tuple[SeriesForm, ...] = (
    SeriesForm("car", "car", "L", (5, 4)),
    SeriesForm("car-special", "car", "LL", (5, 4), only=frozenset(CAR_SPECIAL_SERIES)),
    SeriesForm("motorbike", "motorbike", "LS", (5, 4)),
    SeriesForm("moped", "motorbike", "Ll", (5, 4), never=frozenset({ELECTRIC})),
    # Electric series came with the 5-digit numbers; a 4-digit one would clash with mopeds.
    SeriesForm("electric", "motorbike", "LES", (5,), only=frozenset({ELECTRIC})),
)

# Confusable repair, by the class the grammar demands at a position. Each character has one
# target: the look-alike that plate fonts and OCR actually confuse.
TO_DIGIT: dict[str, str] = {
    "O": "0", "D": "0", "Q": "0", "U": "0",
    "I": "1", "L": "1", "T": "1", "J": "1",
    "Z": "2", "A": "4", "S": "5", "G": "6", "B": "8",
}  # fmt: skip
# 0 -> D (O is never a series letter); 1 and 7 -> T (I is never a series letter).
TO_LETTER: dict[str, str] = {
    "0": "D", "1": "T", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B",
}  # fmt: skip
# A series letter that is never issued but is the look-alike of one that is.
LETTER_FIX: dict[str, str] = {"O": "D", "Q": "D"}
# The Đ of the electric series "MĐ": its bar makes OCR read it as any of these.
D_BAR_READS: dict[str, str] = {"B": "D", "0": "D", "O": "D", "8": "D"}
# What the plate border or a rivet reads as: the only characters dropped at a line's end.
BORDER_GLYPHS = frozenset("1IJL")
MAX_CHANGES = 2  # a read needing more repairs is a guess, not a read
CHANGE_PENALTY = 0.8  # confidence factor per repaired character
_HYPHENS = "-‐‑‒–—−"
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class PlateError(ValueError):
    """A plate text that breaks the grammar; `reason` names what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Plate:
    """A valid plate. Equality is the text: `square` (two-line car plate) is layout only."""

    norm: str
    display: str
    kind: Kind
    province_code: str
    province: str
    series: str  # display form: "A", "LD", "D2", "HB", "MĐ1"
    number: str  # digits only
    square: bool = field(default=False, compare=False)

    def lines(self) -> tuple[str, ...]:
        """The display split into its physical lines: ("59-D2", "064.28"), ("51G-123.45",)."""
        if self.kind == "motorbike":
            return tuple(self.display.split(" "))
        if self.square:
            return tuple(self.display.split("-"))
        return (self.display,)


@dataclass(frozen=True)
class Repair:
    """Result of `repair`: a valid plate and how many characters it took, or why not."""

    plate: Plate | None
    changes: int
    reason: str | None

    @property
    def penalty(self) -> float:
        """Factor for the OCR confidence of this read (see `confidence_penalty`)."""
        return confidence_penalty(self.changes) if self.plate else 0.0


def confidence_penalty(changes: int) -> float:
    """CHANGE_PENALTY ** changes: every repaired character was an OCR error, so trust the
    read less; the reader multiplies its own confidence by this."""
    if changes < 0:
        raise ValueError(f"changes must be >= 0, got {changes}")
    return CHANGE_PENALTY**changes


def _norm_char(ch: str) -> str:
    if ch in "ĐđÐð":
        return "D"
    folded = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return "".join(c for c in folded.upper() if c in _ALNUM)


def _scan(text: str) -> tuple[str, dict[int, str]]:
    """Norm of `text` and its separators: {norm position: characters dropped before it}."""
    out: list[str] = []
    seps: dict[int, str] = {}
    size = 0
    for ch in text:
        piece = _norm_char(ch)
        if piece:
            out.append(piece)
            size += len(piece)
        elif not unicodedata.combining(ch):
            seps[size] = seps.get(size, "") + ch
    return "".join(out), seps


def normalize(text: str) -> str:
    """Uppercase, Đ -> D, accents folded, only A-Z and 0-9 kept: the plate's identity."""
    return _scan(text)[0]


def _kinds(kind: str | None) -> tuple[Kind, ...]:
    if kind is None:
        return KINDS
    if kind not in KINDS:
        raise ValueError(f"kind must be 'car', 'motorbike' or None, got {kind!r}")
    return (kind,)


def _fit(norm: str, form: SeriesForm) -> tuple[int, str | Plate]:
    """(0, plate) if `norm` is this form; (1, error) if only values are wrong; (2, error)
    if only its letters are not a listed series; (3, "") if the shape does not match."""
    head = 2 + len(form.slots)
    if len(norm) - head not in form.numbers:
        return 3, ""
    pattern = "DD" + form.slots + "N" * (len(norm) - head)
    if not all(c.isalpha() == (k in "LlE") for c, k in zip(norm, pattern, strict=True)):
        return 3, ""
    code, series, number = norm[:2], norm[2:head], norm[head:]
    n_letters = sum(form.slots.count(k) for k in "LlE")
    letters, digit = series[:n_letters], series[n_letters:]
    if code not in PROVINCES:
        return 1, f"unknown province code {code}"
    for c in letters if form.only is None else ():
        if c in NEVER_LETTERS:
            return 1, f"series letter {c} is never used"
    if (form.only is not None and letters not in form.only) or letters in form.never:
        if letters == ELECTRIC:
            return 1, _ELECTRIC_RULE
        return 2, f"{letters} is not a two-letter car series ({', '.join(sorted(form.only or ()))})"
    if digit == "0":
        return 1, "motorbike series digit must be 1-9, got 0"
    shown = (ELECTRIC_DISPLAY if letters == ELECTRIC else letters) + digit
    num = f"{number[:3]}.{number[3:]}" if len(number) == 5 else number
    display = f"{code}{shown}-{num}" if form.kind == "car" else f"{code}-{shown} {num}"
    return 0, Plate(norm, display, form.kind, code, PROVINCES[code], shown, number)


def _shape_reason(norm: str) -> str:
    """Why `norm` has no plate shape at all: the first part that is wrong."""
    if not norm:
        return "empty plate text"
    i = len(norm) - len(norm.lstrip("0123456789"))
    if i < 2:
        return "plate must start with a 2-digit province code"
    if i > 2:
        return f"missing series letter after province code {norm[:2]}"
    rest = norm[2:]
    letters = rest[: len(rest) - len(rest.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
    if not letters:
        return f"missing series letter after province code {norm[:2]}"
    if len(letters) > 2:
        return f"series {letters} has too many letters"
    tail = rest[len(letters) :]
    digits = tail[: len(tail) - len(tail.lstrip("0123456789"))]
    if len(digits) < len(tail):
        return f"unexpected letter {tail[len(digits)]} in the number"
    if letters == ELECTRIC:
        return _ELECTRIC_RULE
    return "number must have 4 or 5 digits"


def _readings(norm: str, kinds: Sequence[Kind]) -> tuple[list[Plate], list[str]]:
    """Valid plates of `kinds` for `norm`, and value errors, most telling first."""
    plates: list[Plate] = []
    errors: list[tuple[int, str]] = []
    for form in SERIES_FORMS:
        if form.kind in kinds:
            status, out = _fit(norm, form)
            if isinstance(out, Plate):
                plates.append(out)
            elif status < 3:
                errors.append((status, out))
    return plates, [e for _, e in sorted(errors, key=lambda e: e[0])]


def _diagnose(norm: str, kinds: Sequence[Kind]) -> str | None:
    """Why `norm` is no plate of `kinds`, or None when it is one."""
    plates, errors = _readings(norm, kinds)
    if plates:
        return None
    if errors:
        return errors[0]
    others, _ = _readings(norm, [k for k in KINDS if k not in kinds])
    if others:
        return f"not a {kinds[0]} plate: reads as {others[0].kind} {others[0].display}"
    return _shape_reason(norm)


def _support(plate: Plate, seps: dict[int, str]) -> int:
    """How well the separators as written fit this plate's display layout.

    A car shows a hyphen after its series; a motorbike a hyphen after the province code and
    a space (line break) after its series.
    """
    end = 2 + len(normalize(plate.series))
    at_end, at_code = seps.get(end, ""), seps.get(2, "")
    if plate.kind == "car":
        return 2 if any(h in at_end for h in _HYPHENS) else int(bool(at_end))
    hyphen = 2 if any(h in at_code for h in _HYPHENS) else 0
    return hyphen + int(any(c.isspace() for c in at_end))


def _number_support(plate: Plate, seps: dict[int, str]) -> int:
    """+1 when a dot was read where a 5-digit number shows it (123.45), -1 for a dot elsewhere."""
    dots = {p for p, sep in seps.items() if "." in sep and 0 < p < len(plate.number)}
    if not dots:
        return 0
    return 1 if dots == {3} and len(plate.number) == 5 else -1


def parse(text: str, kind: str | None = None) -> Plate:
    """Strict: normalise, then the text must be exactly one valid plate (of `kind`).

    Where the norm alone fits both kinds ("63A12345": 63A-123.45 or 63-A1 2345) the
    separators as written decide; if they do not, PlateError says it is ambiguous.
    """
    kinds = _kinds(kind)
    norm, seps = _scan(text)
    plates, _ = _readings(norm, kinds)
    if not plates:
        raise PlateError(_diagnose(norm, kinds) or "not a plate")
    plates.sort(key=lambda p: -_support(p, seps))
    if len(plates) > 1 and _support(plates[0], seps) == _support(plates[1], seps):
        a, b = plates[0], plates[1]
        raise PlateError(
            f"ambiguous: {a.kind} {a.display} or {b.kind} {b.display}; "
            "give the kind or write it with its separators"
        )
    plate = plates[0]
    end = 2 + len(normalize(plate.series))
    return replace(plate, square=plate.kind == "car" and "\n" in seps.get(end, ""))


def _fill(text: str, classes: str, fix: bool) -> tuple[str, int] | None:
    """Force each character into its slot class through the confusable maps; `fix` maps
    never-issued letters (off for listed series such as QT)."""
    out: list[str] = []
    subs = 0
    for ch, cls in zip(text, classes, strict=True):
        new: str | None = ch
        if cls == "l":
            new = ch if ch.isalpha() else None
        elif cls == "E":
            new = D_BAR_READS.get(ch, ch)
        elif cls == "L":
            new = TO_LETTER.get(ch) if ch.isdigit() else LETTER_FIX.get(ch, ch) if fix else ch
        elif not ch.isdigit():
            new = TO_DIGIT.get(ch)
        if new is None:
            return None
        subs += new != ch
        out.append(new)
    return "".join(out), subs


_Cand = tuple[tuple[int, int, int, int, str], Plate]
_Option = tuple[str, int, int, int]  # (repaired text, substitutions, dropped at start, at end)


def _line_options(norm: str, classes: str, fix: bool) -> list[_Option]:
    """Ways one line can be forced into `classes`: as read, or without a border glyph."""
    first = [0, 1] if norm[:1] in BORDER_GLYPHS else [0]
    last = [0, 1] if norm[-1:] in BORDER_GLYPHS else [0]
    options: list[_Option] = []
    for a in first:
        for b in last:
            kept = norm[a : len(norm) - b]
            filled = _fill(kept, classes, fix) if len(kept) == len(classes) else None
            if filled:
                options.append((filled[0], filled[1], a, b))
    return options


def _candidates(segs: list[tuple[str, dict[int, str]]], kinds: Sequence[Kind]) -> list[_Cand]:
    """Every valid reading of the lines under the grammar, with its sort key."""
    found: list[_Cand] = []
    two = len(segs) == 2
    seps = segs[0][1]
    for form in SERIES_FORMS:
        if form.kind not in kinds:
            continue
        prior = int((form.kind == "car") == two)  # one line: car first; two lines: motorbike
        for n in form.numbers:
            parts = ["DD" + form.slots, "N" * n] if two else ["DD" + form.slots + "N" * n]
            fix = form.only is None
            lines = [_line_options(s[0], c, fix) for s, c in zip(segs, parts, strict=True)]
            for combo in itertools.product(*lines):
                _, plate = _fit("".join(o[0] for o in combo), form)
                if not isinstance(plate, Plate):
                    continue
                drops = sum(o[2] + o[3] for o in combo)
                changes = drops + sum(o[1] for o in combo)
                layout = {p - combo[0][2]: s for p, s in seps.items()}
                head = len(combo[0][0]) if two else 2 + len(form.slots)
                if two:
                    layout[len(combo[0][0])] = "\n"
                    plate = replace(plate, square=form.kind == "car")
                    number_seps = {p - combo[1][2]: s for p, s in segs[1][1].items()}
                else:
                    number_seps = {p - head: s for p, s in layout.items() if p > head}
                support = _support(plate, layout) + _number_support(plate, number_seps)
                key = (changes, drops, -support, prior, plate.display)
                found.append((key, plate))
    return found


def repair(
    lines: Sequence[str], kind: str | None = None, *, max_changes: int = MAX_CHANGES
) -> Repair:
    """Best valid plate for the OCR text of each physical line (1 or 2), or None and why.

    Each position is repaired toward the class the grammar demands there (digit or letter),
    and a border glyph may be dropped at each end of a line; every repair counts as a change.
    Readings needing more than `max_changes` are refused. Among the rest the order is: fewest
    changes, fewest drops (a reading that uses every character read), separators as written,
    layout (one line: car; two lines: motorbike), then the display text.
    One line is a car plate unless `kind` is "motorbike" or a hyphen follows the province
    code ("59-D2 064.28" read as one line); an exact motorbike read is the last resort.
    """
    kinds = _kinds(kind)
    raw = [lines] if isinstance(lines, str) else [s for s in lines if isinstance(s, str)]
    segs = [seg for seg in map(_scan, raw) if seg[0]]
    if not segs:
        return Repair(None, 0, "no plate characters read")
    if len(segs) > 2:
        return Repair(None, 0, f"expected 1 or 2 lines, got {len(segs)}")
    tiers: list[tuple[tuple[Kind, ...], int]] = [(kinds, max_changes)]
    if len(segs) == 1 and kind is None and not any(h in segs[0][1].get(2, "") for h in _HYPHENS):
        tiers = [(("car",), max_changes), (("motorbike",), 0)]
    nearest: _Cand | None = None
    for tier_kinds, limit in tiers:
        cands = sorted(_candidates(segs, tier_kinds), key=lambda c: c[0])
        if cands and cands[0][0][0] <= limit:
            return Repair(cands[0][1], cands[0][0][0], None)
        if cands and nearest is None:
            nearest = cands[0]
    joined = "".join(norm for norm, _ in segs)
    why = _diagnose(joined, kinds)
    if why is None:
        why = (
            "the top line must hold the province code and series, the bottom line the number"
            if len(segs) == 2
            else "one line reads as no car plate"
        )
    if nearest is not None:
        why += f" (nearest valid reading {nearest[1].display} needs {nearest[0][0]} changes)"
    return Repair(None, 0, f"no valid plate: {why}")
