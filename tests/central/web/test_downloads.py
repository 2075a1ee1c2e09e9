"""Downloads named in Vietnamese: the fine decision's number carries "QĐ", and HTTP headers
are latin-1, so its PDF must be offered under an RFC 6266 UTF-8 name with an ASCII one beside
it (before this, the download answered 500)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from sqlalchemy import select

from central.db import Case, IssuedDocument
from central.web.downloads import ascii_name, disposition
from tests.fixtures.browser import MISREAD, TRUE_PLATE, WebEnv, csrf_of


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("MT-2026-QĐ-000001.pdf", "MT-2026-QD-000001.pdf"),
        ("báo-cáo-tuần.csv", "bao-cao-tuan.csv"),
        ('đường "Hùng Vương".pdf', "duong _Hung Vuong_.pdf"),
        ("report-2026-W48.csv", "report-2026-W48.csv"),
    ],
)
def test_names_keep_an_ascii_spelling_and_their_own(name: str, fallback: str) -> None:
    assert ascii_name(name) == fallback
    header = disposition(name)
    header.encode("latin-1")  # what an HTTP header must be
    assert f'filename="{fallback}"' in header, header
    if name != fallback:
        utf8 = header.split("filename*=UTF-8''", 1)[1]
        assert unquote(utf8) == name, f"{header} does not carry {name}"
    else:
        assert "filename*" not in header, header


def test_the_fine_decision_pdf_downloads_under_its_number(web_env: WebEnv) -> None:
    officer = web_env.client("officer")
    token = csrf_of(officer.get("/review").text)
    with web_env.store.sessions() as s:
        case_id = int(s.scalars(select(Case.id).where(Case.plate_text == MISREAD[0])).one())
    signer = "Trung tá Lê Văn Hòa, Trưởng phòng"
    steps: tuple[tuple[str, dict[str, str]], ...] = (
        ("confirm", {"plate": TRUE_PLATE}),
        ("notice", {}),
        ("fine", {"amount": "19000000", "signer": signer}),
    )
    for form, fields in steps:
        data = {"csrf": token, "version": web_env.version(case_id), **fields}
        answer = officer.post(f"/cases/{case_id}/{form}", data=data)
        assert answer.status_code == 303, f"{form}: {answer.status_code} {answer.text[:300]}"
    with web_env.store.sessions() as s:
        docs = s.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case_id)).all()
    decision = next(d for d in docs if "QĐ" in d.number)
    answer = officer.get(f"/documents/{decision.id}.pdf")
    assert answer.status_code == 200, f"{decision.number}: {answer.status_code}"
    assert answer.content.startswith(b"%PDF"), "not a PDF"
    header = answer.headers["content-disposition"]
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == f"{decision.number}.pdf", header
