"""Content-Disposition for files whose names are Vietnamese (a fine decision is numbered
"…-QĐ-…"): HTTP headers are latin-1, so the name goes as RFC 6266's filename*=UTF-8''…,
with an ASCII spelling beside it for clients that read only filename="…"."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def ascii_name(name: str) -> str:
    """The name without diacritics (Đ/đ as D/d, which Unicode does not decompose)."""
    plain = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in plain if ord(c) < 128 and not unicodedata.combining(c))
    return "".join(c if c.isprintable() and c not in '"\\' else "_" for c in text)


def disposition(name: str, kind: str = "attachment") -> str:
    """`kind; filename="ascii"; filename*=UTF-8''utf8` (the second only when they differ)."""
    fallback = ascii_name(name)
    header = f'{kind}; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
