"""The page speaks Vietnamese by default and English after the switch, and every string it
shows comes from the dictionary in both languages."""

from __future__ import annotations

import re
import string

from central.cases import REJECT_REASONS
from central.db import STATES
from central.web.i18n import REJECT_REASONS_EN, M, number, reject_reasons, t, t_opt
from tests.fixtures.browser import WebEnv
from tests.paths import REPO

WEB = REPO / "central" / "web"
KEY_IN_TEMPLATE = re.compile(r"""\bt\(\s*'([a-z_]+\.[a-z_.]+|[a-z_]+)'""")
KEY_IN_CODE = re.compile(r"""\bt\(\s*(?:f?)"([a-z_]+(?:\.[a-z_{}.]+)?)\"""")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_the_page_uses_exists_in_both_languages_with_the_same_fields() -> None:
    used: set[str] = set()
    for path in (WEB / "templates").glob("*.html"):
        used |= set(KEY_IN_TEMPLATE.findall(path.read_text(encoding="utf-8")))
    for path in WEB.glob("*.py"):
        used |= {k for k in KEY_IN_CODE.findall(path.read_text(encoding="utf-8")) if "{" not in k}
    assert len(used) > 150, f"only {len(used)} keys found: the scan is broken"
    missing = sorted(k for k in used if k not in M)
    assert not missing, f"keys without a translation: {missing}"
    for key, (vi, en) in M.items():
        assert vi.strip() and en.strip(), f"{key}: empty text"
        assert _fields(vi) == _fields(en), f"{key}: the languages fill different values"
    for state in STATES:
        assert f"state.{state}" in M, f"no label for state {state}"
    assert set(REJECT_REASONS_EN) == set(REJECT_REASONS)


def test_numbers_codes_and_reasons_follow_the_language() -> None:
    assert number(19_000_000, lang="vi") == "19.000.000"
    assert number(19_000_000, lang="en") == "19,000,000"
    assert number(2.345, 2, lang="vi") == "2,35" and number(2.345, 2, lang="en") == "2.35"
    assert (
        t("done.confirmed", "en", id=7, plate="63A-123.45") == "Case 7 confirmed, plate 63A-123.45."
    )
    assert t("state.paid", "xx") == "Đã nộp phạt", "an unknown language falls back to Vietnamese"
    assert t_opt("vehicle", "tractor", "en") == "tractor", "an unknown code shows as itself"
    assert dict(reject_reasons("vi"))["signal_fault"] == REJECT_REASONS["signal_fault"]
    assert dict(reject_reasons("en"))["signal_fault"] == "Signal faulty or wrong phase"


def test_vietnamese_by_default_and_english_after_the_switch(web_env: WebEnv) -> None:
    client = web_env.client("officer")
    review = client.get("/review").text
    assert '<html lang="vi">' in review
    assert "Hàng chờ duyệt" in review and "Xác nhận vi phạm" in review
    switched = client.get("/lang/en?next=/review")
    assert switched.status_code == 303 and switched.headers["location"] == "/review"
    english = client.get("/review").text
    assert '<html lang="en">' in english
    for text in ("Review queue", "Confirm the violation", "Signature verified", "Reject"):
        assert text in english, text
    for text in ("Hàng chờ duyệt", "Xác nhận vi phạm", "Chữ ký số hợp lệ"):
        assert text not in english, f"{text!r} left untranslated"
    assert "Signal faulty or wrong phase" in english
    assert client.get("/lang/vi?next=https://evil.example/").headers["location"] == "/"
    assert "Hàng chờ duyệt" in client.get("/review").text
