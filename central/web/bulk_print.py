"""Many issued documents at once: one PDF to print, and a ZIP of the issued files themselves.

No PDF library that reads PDFs is installed (pypdf is not a dependency), so the issued PDFs are
not spliced byte by byte. The print file is rendered by WeasyPrint — the same engine, fonts and
A4 page that made each issued PDF — from each document's stored HTML, the exact bytes issued
(checked against their sha256 like every download), one document after the other, each
starting on a new page. What was sent is the ZIP: every issued PDF unchanged under its
number, with a SHA256SUMS file to check them by.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence

from central.db import IssuedDocument
from central.issued_documents import read
from central.notices import TEMPLATES
from central.store import EvidenceStore

MAX_DOCUMENTS = 200


def print_pdf(store: EvidenceStore, docs: Sequence[IssuedDocument]) -> tuple[bytes, int]:
    """One PDF of every document in order, and its number of pages."""
    from weasyprint import HTML  # heavy import: only where PDFs are made

    rendered = [
        HTML(string=read(store, doc, "html").decode("utf-8"), base_url=str(TEMPLATES)).render()
        for doc in docs
    ]
    if not rendered:
        raise ValueError("no documents to print")
    pages = [page for document in rendered for page in document.pages]
    pdf = rendered[0].copy(pages).write_pdf()
    assert pdf is not None
    return pdf, len(pages)


def zip_of(store: EvidenceStore, docs: Sequence[IssuedDocument]) -> bytes:
    """The issued PDFs, unchanged, named by their numbers, and their SHA-256 sums."""
    out = io.BytesIO()
    sums: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for doc in docs:
            data = read(store, doc, "pdf")
            name = f"{doc.number}.pdf"
            z.writestr(name, data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
        z.writestr("SHA256SUMS", "".join(sums))
    return out.getvalue()
