"""A case list as CSV for Excel, the rows exactly those of the list's filter, in its order.

Excel opens a double-clicked .csv with the computer's regional settings, and reads UTF-8 only
when the file starts with a byte-order mark. So the file is UTF-8 with a BOM, and:
- in Vietnamese (`vi`): columns separated by `;` and numbers written as Vietnam's settings
  read them (19.000.000 đồng, 62,5 %, 1,93 giây): Windows' Vietnamese list separator is `;`
  because the comma is the decimal sign there; Vietnamese headers, states and vehicle types;
- in English (`en`): `,` between columns and plain numbers (19000000, 62.5, 1.93).
Times are Mỹ Tho wall-clock time (dd/mm/yyyy HH:MM:SS), the same as the pages show. No
`sep=` line: Excel ignores the BOM when there is one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from central.db import Case
from central.web.i18n import t, t_opt
from central.web.render import local
from common.vi_number import vi_number

COLUMNS = (
    "csv.id",
    "csv.camera",
    "csv.camera_name",
    "csv.crossed",
    "csv.plate",
    "csv.confidence",
    "csv.vehicle",
    "csv.into_red",
    "csv.lower_bound",
    "csv.state",
    "csv.notice",
    "csv.deadline",
    "csv.fine",
    "csv.paid",
)
BOM = "\ufeff"


def delimiter(lang: str) -> str:
    return ";" if lang == "vi" else ","


def _number(value: float | int | None, decimals: int, lang: str) -> str:
    if value is None:
        return ""
    if lang == "vi":
        return vi_number(value, decimals)
    return f"{value:.{decimals}f}"


def row_of(
    case: Case, lang: str, cameras: dict[str, str], site: Callable[[str], str] = str
) -> list[str]:
    conf = None if case.plate_confidence is None else case.plate_confidence * 100
    return [
        str(case.id),
        case.camera_id,
        site(cameras.get(case.camera_id, "")),
        local(case.crossed_at),
        case.plate_text or "",
        _number(conf, 1, lang),
        t_opt("vehicle", case.vehicle_class, lang),
        _number(case.seconds_into_red, 2, lang),
        t("common.yes", lang) if case.red_lower_bound else "",
        t_opt("state", case.state, lang),
        case.notice_number or "",
        local(case.deadline_at, "%d/%m/%Y") if case.deadline_at else "",
        _number(case.fine_vnd, 0, lang),
        _number(case.paid_vnd, 0, lang),
    ]


def lines(
    cases: Iterable[Case], lang: str, cameras: dict[str, str], site: Callable[[str], str] = str
) -> Iterator[str]:
    """The file, a few hundred rows at a time: the BOM and header first."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter(lang), lineterminator="\r\n")
    writer.writerow([t(key, lang) for key in COLUMNS])
    yield BOM + out.getvalue()
    out.seek(0)
    out.truncate()
    for n, case in enumerate(cases, 1):
        writer.writerow(row_of(case, lang, cameras, site))
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
