"""The verifier's detail of a quarantined message said in Vietnamese (quarantine_detail).

One example of every message the project writes: made for real where that is cheap (open_bundle
on a damaged bundle, parse_manifest on a bad manifest, the ingest's image and storage checks),
else the f-string filled with sample values. Each must come out in Vietnamese with its values
kept exactly and no English word left; the source is read for every BundleError, refusal and
manifest ValueError, so a new message without an example (and a rule) fails here. The page
shows the Vietnamese on a Vietnamese page, what no rule understood verbatim and marked as
English, and the recorded detail unchanged on an English page."""

from __future__ import annotations

import ast
import functools
import html as html_lib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from central.db import Quarantined
from central.web.quarantine_detail import detail_text, render_detail
from common.reasons import QuarantineReason
from tests.central.web.quarantine_examples import EXAMPLES, KID, LIBRARY, Example
from tests.fixtures.browser import (
    WebEnv,
    make_web_env,
    screenshot,
    signed_in_page,
    start_web_server,
    stop_web_server,
)
from tests.fixtures.english_words import english_in_html, english_in_text

REPO = Path(__file__).resolve().parents[3]


# Where a message of the project's is written, and what marks it there.
SOURCES = (
    "common/bundle.py",
    "common/zipsafe.py",
    "common/manifest.py",
    "central/ingest.py",
    "central/ingest_rules.py",
    "central/keys.py",
    "central/quarantine_actions.py",
)
# manifest.py's ValueErrors raised while building a bundle, never while checking one.
BUILD_SIDE = frozenset({"uuid7", "utc_ms", "dump_manifest"})


def shape(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _code(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "QuarantineReason":
        return QuarantineReason[node.attr].value
    return None


def _messages_of(path: str, tree: ast.AST) -> Iterator[tuple[str, str | None]]:
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(func):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
                "BundleError", "Refused"
            ) and len(node.args) == 2 and (code := _code(node.args[0])):  # fmt: skip
                arg = node.args[1]
                if isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "first_error":
                    continue  # its messages are read from first_error itself
                yield code, shape(node.args[1])
            elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and _code(node.elts[0]):
                if (said := shape(node.elts[1])) is not None:
                    yield str(_code(node.elts[0])), said
            elif (
                path == "common/manifest.py" and func.name not in BUILD_SIDE
                and isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                and getattr(node.exc.func, "id", "") == "ValueError"
            ):  # fmt: skip
                yield "value_error", shape(node.exc.args[0])
            elif path == "common/manifest.py" and func.name == "first_error":
                if isinstance(node, ast.JoinedStr):
                    yield "first_error", shape(node)
            elif path == "central/keys.py" and func.name == "explain":
                if isinstance(node, ast.Return) and node.value is not None:
                    yield "explain", shape(node.value)
            elif path == "central/ingest.py" and isinstance(node, ast.AugAssign):
                if getattr(node.target, "id", "") in ("detail", "reason"):
                    yield "suffix", shape(node.value)


@functools.cache
def project_messages() -> frozenset[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in SOURCES:
        for origin, said in _messages_of(path, ast.parse((REPO / path).read_text("utf-8"))):
            assert said is not None, f"{path}: a {origin} message that is not a string literal"
            found.add((origin, said))
    return frozenset(found)


SUFFIXES = {  # the suffix's origin in the table: the code of the detail it is added to
    " (only the first {} of {} bytes are kept)": "oversized",
    ": {}": "unknown_key",
}


def test_the_table_has_an_example_of_every_message_the_project_writes() -> None:
    written = {
        (SUFFIXES.get(said, "?") if origin == "suffix" else origin, said)
        for origin, said in project_messages()
    }
    assert len(written) > 60, f"only {len(written)} messages found: is the source scan broken?"
    table = {(x.origin, x.shape) for x in EXAMPLES}
    missing = sorted(written - table)
    assert not missing, (
        f"messages with no example here (add one, and a rule in central.web.quarantine_rules"
        f" or quarantine_schema): {missing}"
    )
    stale = sorted(table - written)
    assert not stale, f"examples of messages the source no longer writes: {stale}"


def _as_regex(said: str) -> re.Pattern[str]:
    return re.compile(".+?".join(re.escape(part) for part in said.split("{}")), re.DOTALL)


def without_code(html: str) -> str:
    """The visible words, less the recorded values and identifiers shown as code."""
    return html_lib.unescape(re.sub(r"<code>.*?</code>", " ", html, flags=re.DOTALL))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda x: f"{x.origin}:{x.shape[:40]}")
def test_every_message_is_said_in_vietnamese_with_its_values(example: Example) -> None:
    detail = example.made()
    assert _as_regex(example.shape).search(detail), f"{detail!r} is not of {example.shape!r}"
    said = render_detail(example.code, detail, "vi")
    for value in example.values:
        assert value in said.text, f"{value!r} lost from {detail!r}: {said.text!r}"
    english = english_in_text(without_code(said.html))
    assert not english, f"English {english} left in {said.text!r} (from {detail!r})"
    if example.verbatim is None:
        assert said.verbatim is None, f"{detail!r}: not understood: {said.verbatim!r}"
    else:
        assert said.verbatim and (example.verbatim == "*" or said.verbatim == example.verbatim)
        assert said.verbatim in detail, "the verbatim words are the verifier's own"
    assert "qd." not in said.text and "{" not in said.text.replace("{64}", ""), said.text


@pytest.mark.parametrize(("code", "detail"), LIBRARY, ids=[d[:50] for _, d in LIBRARY])
def test_the_libraries_words_the_verifier_passes_on_are_said_too(code: str, detail: str) -> None:
    said = render_detail(code, detail, "vi")
    assert said.verbatim is None, f"{detail!r}: not understood"
    english = english_in_text(without_code(said.html))
    assert not english, f"English {english} left in {said.text!r}"


@pytest.mark.parametrize("example", EXAMPLES[::7], ids=lambda x: x.origin)
def test_english_keeps_the_recorded_detail(example: Example) -> None:
    detail = example.made()
    assert render_detail(example.code, detail, "en").text == detail
    assert detail_text(example.code, detail, "en") == detail


@pytest.mark.parametrize(
    ("code", "detail", "verbatim"),
    [
        ("wrong_schema", "site.name: Something new from pydantic", "Something new from pydantic"),
        ("jpeg_corrupt", "a brand-new message", "a brand-new message"),
        ("no_such_code", "whatever it says", "whatever it says"),
        ("unknown_key", "no public key " + "x" * 50, "no public key " + "x" * 50),  # cut short
    ],
)
def test_what_no_rule_understands_is_named_and_kept_verbatim(
    code: str, detail: str, verbatim: str
) -> None:
    said = render_detail(code, detail, "vi")
    assert said.verbatim == verbatim
    assert english_in_text(without_code(said.html)) == [], said.text
    line = detail_text(code, detail, "vi")
    assert verbatim in line and "nguyên văn của bộ kiểm tra" in line, line


# --- the page --------------------------------------------------------------------------------

PAGE_ENTRIES = [
    ("unknown_key", f"no public key {KID} for camera MT-01 (box EB-03): key {KID} is not"
                    " registered (dendo-central keys add --box ... PEM)"),
    ("size_mismatch", "plate_crop.jpg: 20971521 bytes, manifest says 404"),
    ("unverifiable", "RuntimeError: the parser fell over"),
    ("wrong_schema", "signal.state: Input should be 'red', 'amber', 'green' or 'unknown'"
                     " (and 2 more)"),
    ("conflict", f"violation 01a23a79-8d51-76af-891a-cc1473ca7749 is already stored with sha256"
                 f" {'a' * 64}; these bytes have sha256 {'b' * 64}"),
]  # fmt: skip


@pytest.fixture
def page_env(tmp_path: Path) -> Iterator[tuple[WebEnv, list[int]]]:
    env = make_web_env(tmp_path, None)
    with env.store.sessions.begin() as s:
        rows = [
            Quarantined(reason_code=code, reason=detail, sha256=f"{i:064x}", size=10,
                        payload=b"0123456789", topic="dendo/v1/MT-01/violation", camera_id="MT-01")
            for i, (code, detail) in enumerate(PAGE_ENTRIES)
        ]  # fmt: skip
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
    yield env, ids
    env.close()


def _row(html: str, item: int) -> str:
    return html.split(f'id="q-{item}"', 1)[1].split("</tr>", 1)[0]


def test_the_page_says_the_detail_in_its_language(page_env: tuple[WebEnv, list[int]]) -> None:
    env, ids = page_env
    operator = env.client("operator")
    vi = operator.get("/quarantine").text
    unmarked = re.sub(r'<samp lang="en">.*?</samp>', "", vi, flags=re.DOTALL)
    assert english_in_html(unmarked) == [], f"English not marked so: {english_in_html(unmarked)}"
    key_row, size_row, bug_row, *_ = (_row(vi, i) for i in ids)
    assert "Trung tâm không có khóa công khai" in key_row and f"<code>{KID}</code>" in key_row
    assert "<code>dendo-central keys add --box ... PEM</code>" in key_row, key_row
    assert "no public key" not in key_row, "the English detail is not on the Vietnamese page"
    assert "có 20.971.521 byte, bản kê ghi 404 byte" in size_row, size_row
    assert "<code>unknown_key</code>" in key_row, "the reason code stays visible as code"
    assert '<samp lang="en">the parser fell over</samp>' in bug_row, bug_row
    assert "Nguyên văn của bộ kiểm tra" in bug_row and "<code>RuntimeError</code>" in bug_row
    operator.get("/lang/en")
    en = operator.get("/quarantine").text
    for item, (_code, detail) in zip(ids, PAGE_ENTRIES, strict=True):
        assert html_lib.escape(detail, quote=True) in _row(en, item) or detail in html_lib.unescape(
            _row(en, item)
        ), f"the English page does not show {detail!r}"
    assert "<samp" not in en and "Trung tâm" not in en


def test_the_detail_reads_on_a_desktop_and_a_phone(
    browser: Any, page_env: tuple[WebEnv, list[int]]
) -> None:
    env, _ids = page_env
    server = start_web_server(env)
    try:
        for name, (width, height) in {"wide": (1366, 768), "phone": (390, 844)}.items():
            page = signed_in_page(browser, server, "operator", (width, height))
            page.goto(f"{server.url}/quarantine")
            page.evaluate("document.querySelectorAll('details.tech').forEach(d => d.open = true)")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"the quarantine's details at {name} make it {wide} px wide"
            assert "Trung tâm không có khóa công khai" in page.inner_text("table.quarantine")
            screenshot(page, f"quarantine-detail-{name}")
            page.context.close()
    finally:
        stop_web_server(server)
